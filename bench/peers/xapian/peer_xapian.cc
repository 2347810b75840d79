// peer-xapian: the Xapian 1.4 benchmark peer for patsift.
//
// Implements the interface in bench/peers/README.md:
//
//   peer-xapian index [--threads 1] INDEX_DIR DOCS.jsonl
//   peer-xapian query [--threads N] [--k K] [--mode or|elite] [--warmup W]
//                     [--elite-size S] [--results FILE] [--timings FILE]
//                     INDEX_DIR QUERIES.tsv
//
// Analysis (the same object setup is used for indexing and for queries):
//   Xapian::TermGenerator with Stem("english"), a SimpleStopper holding
//   Lucene EnglishAnalyzer's 33 stop words, the default stemming strategy
//   STEM_SOME and the default stop strategy STOP_STEMMED. For every word the
//   index therefore holds the lower-cased unstemmed term (with positions) and,
//   unless the word is a stop word or starts with a non-letter (a digit), the
//   stemmed term "Z"+stem (without positions).
//
// Query terms: the query text goes through an identically configured
//   TermGenerator into a scratch Document, whose termlist is exactly what
//   indexing that text would produce. From it we keep, per word, the one term
//   that carries the stemmed meaning: the "Z" term where TermGenerator made
//   one, otherwise (digit-initial words such as "10mm", "3.5") the unstemmed
//   term. Stop words have no "Z" term and start with a letter, so they drop
//   out. This mirrors Lucene's EnglishAnalyzer (stem everything, drop stop
//   words) without ever matching a term that indexing could not have made.
//   (QueryParser with STEM_SOME was not used: it leaves capitalised words
//   unstemmed, so "Shoes" at the start of a sentence would only match "shoes".)
//
// Ranking: BM25Weight(k1 = 1.2, k2 = 0, k3 = 1, b = 0.75, min_normlen = 0.5),
//   the same k1 and b as Lucene and FTS5 (Xapian's defaults are 1 and 0.5).
//   Each distinct term appears once in the query (wqf 1). Scores are not
//   comparable with Lucene's: Xapian's BM25 idf is log((N-n+0.5)/(n+0.5))
//   (floored so it stays positive), and its document length counts every
//   term made for the document (unstemmed words, stop words included, plus
//   the "Z" terms), so only the ratio to the average length is like Lucene's.
//
// Index: one Xapian glass database, written by one thread, committed once at
//   the end and not compacted (xapian-compact would make it smaller).

#include <xapian.h>
#include <jansson.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <dirent.h>
#include <ftw.h>
#include <sys/stat.h>

namespace {

using Clock = std::chrono::steady_clock;

const char *const ENGINE = "xapian";

// Lucene's EnglishAnalyzer.ENGLISH_STOP_WORDS_SET (33 words).
const char *const STOP_WORDS[] = {
    "a",    "an",   "and",   "are",  "as",    "at",    "be",    "but",  "by",
    "for",  "if",   "in",    "into", "is",    "it",    "no",    "not",  "of",
    "on",   "or",   "such",  "that", "the",   "their", "then",  "there",
    "these", "they", "this", "to",   "was",   "will",  "with",
};

// Default size of the elite set for --mode elite: OP_ELITE_SET keeps the S
// terms with the highest maximum weight and ORs those, so queries with at
// most S distinct terms are answered exactly as in mode "or". Xapian's own
// default is 10; 100 only prunes very long query texts (a PatentsView
// abstract has about 45 distinct terms, at most ~100). Change with
// --elite-size S.
const unsigned DEFAULT_ELITE_SIZE = 100;

void usage() {
    fputs("usage: peer-xapian index [--threads 1] INDEX_DIR DOCS.jsonl\n"
          "       peer-xapian query [--threads N] [--k K] [--mode or|elite] [--warmup W]\n"
          "                         [--elite-size S] [--results FILE] [--timings FILE]\n"
          "                         INDEX_DIR QUERIES.tsv\n",
          stderr);
}

// "peer-xapian: message" on stderr.
void vsay(const char *fmt, va_list ap) {
    fputs("peer-xapian: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

[[noreturn]] void die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
[[noreturn]] void die_usage(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsay(fmt, ap);
    va_end(ap);
    usage();
    exit(2);
}

[[noreturn]] void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
[[noreturn]] void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsay(fmt, ap);
    va_end(ap);
    exit(1);
}

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

double micros_between(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::micro>(b - a).count();
}

// Strict non-negative integer option value.
long parse_count(const char *opt, const char *s, long min) {
    char *end = nullptr;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > 1000000000L)
        die_usage("%s: expected an integer >= %ld, got '%s'", opt, min, s);
    return v;
}

// Command line: options (--name VALUE or --name=VALUE) anywhere, then
// exactly two positional arguments.
struct Args {
    long threads = 1;
    long k = 100;
    long warmup = 0;
    long elite_size = DEFAULT_ELITE_SIZE;
    std::string mode = "or";
    std::string results, timings;
    std::vector<std::string> pos;
};

Args parse_args(int argc, char **argv, bool is_query) {
    Args a;
    for (int i = 2; i < argc; i++) {
        std::string arg = argv[i];
        if (arg.size() < 2 || arg.compare(0, 2, "--") != 0 || arg == "--") {
            a.pos.push_back(arg);
            continue;
        }
        std::string name = arg, val;
        bool have_val = false;
        size_t eq = arg.find('=');
        if (eq != std::string::npos) {
            name = arg.substr(0, eq);
            val = arg.substr(eq + 1);
            have_val = true;
        }
        bool known = name == "--threads" ||
                     (is_query && (name == "--k" || name == "--mode" || name == "--warmup" ||
                                   name == "--elite-size" || name == "--results" ||
                                   name == "--timings"));
        if (!known)
            die_usage("unknown option '%s'", name.c_str());
        if (!have_val) {
            if (i + 1 >= argc)
                die_usage("%s needs a value", name.c_str());
            val = argv[++i];
        }
        const char *n = name.c_str(), *v = val.c_str();
        if (name == "--threads") a.threads = parse_count(n, v, 1);
        else if (name == "--k") a.k = parse_count(n, v, 1);
        else if (name == "--warmup") a.warmup = parse_count(n, v, 0);
        else if (name == "--elite-size") a.elite_size = parse_count(n, v, 1);
        else if (name == "--mode") a.mode = val;
        else if (name == "--results") a.results = val;
        else if (name == "--timings") a.timings = val;
    }
    if (a.pos.size() != 2)
        die_usage("expected INDEX_DIR and %s", is_query ? "QUERIES.tsv" : "DOCS.jsonl");
    if (is_query && a.mode != "or" && a.mode != "elite")
        die_usage("--mode: expected 'or' or 'elite', got '%s'", a.mode.c_str());
    return a;
}

// The analysis chain shared by indexing and querying. Each thread owns one:
// TermGenerator and Stopper are not meant to be shared between threads.
struct Analyzer {
    Xapian::SimpleStopper stopper;
    Xapian::TermGenerator tg;

    Analyzer(const Analyzer &) = delete;   // tg points at this stopper
    Analyzer &operator=(const Analyzer &) = delete;
    Analyzer() {
        for (const char *w : STOP_WORDS) stopper.add(w);
        tg.set_stemmer(Xapian::Stem("english"));
        tg.set_stopper(&stopper);
        // Defaults, spelled out: STEM_SOME (unstemmed terms with positions
        // plus "Z" stemmed terms without), STOP_STEMMED (stop words indexed
        // unstemmed, never stemmed, so they have no "Z" term).
        tg.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
        tg.set_stopper_strategy(Xapian::TermGenerator::STOP_STEMMED);
    }
};

// True when TermGenerator would also have made a "Z" term for this
// unstemmed term: the same first-character test as Xapian's internal
// should_stem() (letters, other than upper case; the term is lower-cased).
bool has_stemmed_form(const std::string &term) {
    Xapian::Utf8Iterator u(term);
    if (u == Xapian::Utf8Iterator()) return false;
    switch (Xapian::Unicode::get_category(*u)) {
    case Xapian::Unicode::LOWERCASE_LETTER:
    case Xapian::Unicode::TITLECASE_LETTER:
    case Xapian::Unicode::MODIFIER_LETTER:
    case Xapian::Unicode::OTHER_LETTER:
        return true;
    default:
        return false;
    }
}

// Distinct query terms of TEXT, in the form the index holds them (see the
// header comment). The termlist is sorted and distinct already.
void analyse_query(Analyzer &an, const std::string &text, std::vector<std::string> &out) {
    out.clear();
    Xapian::Document scratch;
    an.tg.set_document(scratch);
    an.tg.index_text(text);
    for (Xapian::TermIterator t = scratch.termlist_begin(); t != scratch.termlist_end(); ++t) {
        const std::string term = *t;
        if (term[0] == 'Z') {
            // Stemmed term. Unstemmed terms never start with 'Z': they are
            // lower-cased.
            out.push_back(term);
        } else if (!has_stemmed_form(term) && !an.stopper(term)) {
            // Digit-initial (or other non-letter) word: indexed unstemmed only.
            out.push_back(term);
        }
    }
}

// ---------------------------------------------------------------- index ---

// Adds the size of every regular file under the directory walked by nftw.
long long g_tree_bytes;
int add_file_size(const char *, const struct stat *st, int type, struct FTW *) {
    if (type == FTW_F) g_tree_bytes += st->st_size;
    return 0;
}

long long tree_bytes(const std::string &dir) {
    g_tree_bytes = 0;
    if (nftw(dir.c_str(), add_file_size, 16, FTW_PHYS) != 0)
        die("%s: cannot walk: %s", dir.c_str(), strerror(errno));
    return g_tree_bytes;
}

// INDEX_DIR must not exist, or be an empty directory.
void check_index_dir_fresh(const std::string &dir) {
    struct stat st;
    if (stat(dir.c_str(), &st) != 0) {
        if (errno == ENOENT) return;
        die("%s: %s", dir.c_str(), strerror(errno));
    }
    if (!S_ISDIR(st.st_mode))
        die("%s: exists and is not a directory", dir.c_str());
    DIR *d = opendir(dir.c_str());
    if (!d) die("%s: %s", dir.c_str(), strerror(errno));
    struct dirent *e;
    while ((e = readdir(d)) != nullptr) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            closedir(d);
            die("%s: exists and is not empty (INDEX_DIR must not exist or be empty)",
                dir.c_str());
        }
    }
    closedir(d);
}

// A string field of a record: missing or null is empty, anything else but a
// string is an error.
std::string text_field(json_t *obj, const char *name, const char *file, long line) {
    json_t *v = json_object_get(obj, name);
    if (!v || json_is_null(v)) return std::string();
    if (!json_is_string(v)) die("%s:%ld: field '%s' is not a string", file, line, name);
    return std::string(json_string_value(v), json_string_length(v));
}

bool blank(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n') return false;
    return true;
}

int cmd_index(int argc, char **argv) {
    Args a = parse_args(argc, argv, false);
    if (a.threads != 1)
        die_usage("--threads %ld: Xapian builds an index with one thread (a "
                  "WritableDatabase is written by one writer); only --threads 1 is accepted",
                  a.threads);
    const std::string dir = a.pos[0];
    const char *docs_path = a.pos[1].c_str();
    check_index_dir_fresh(dir);

    // Flushing: Xapian writes its in-memory batch every XAPIAN_FLUSH_THRESHOLD
    // documents (default 10000; honoured from the environment if set). We
    // leave that default and commit once at the end.
    Xapian::WritableDatabase db;
    try {
        db = Xapian::WritableDatabase(dir, Xapian::DB_CREATE);
    } catch (const Xapian::Error &e) {
        die("%s: cannot create database: %s", dir.c_str(), e.get_description().c_str());
    }

    Analyzer an;
    long docs = 0;
    long long text_bytes = 0;
    Clock::time_point t0 = Clock::now();   // from the start of reading...

    FILE *in = fopen(docs_path, "rb");
    if (!in) die("%s: %s", docs_path, strerror(errno));
    char *buf = nullptr;
    size_t cap = 0;
    ssize_t n;
    long line = 0;
    try {
        while ((n = getline(&buf, &cap, in)) != -1) {
            line++;
            if (blank(buf, (size_t)n)) continue;
            json_error_t err;
            json_t *rec = json_loadb(buf, (size_t)n, 0, &err);
            if (!rec) die("%s:%ld: bad JSON: %s", docs_path, line, err.text);
            if (!json_is_object(rec)) die("%s:%ld: not a JSON object", docs_path, line);

            json_t *idv = json_object_get(rec, "id");
            std::string id;
            if (json_is_string(idv))
                id.assign(json_string_value(idv), json_string_length(idv));
            else if (json_is_integer(idv))
                id = std::to_string((long long)json_integer_value(idv));
            else
                die("%s:%ld: missing or non-string 'id'", docs_path, line);
            std::string title = text_field(rec, "title", docs_path, line);
            std::string abstract = text_field(rec, "abstract", docs_path, line);
            json_decref(rec);

            // bytes = UTF-8 bytes of title and abstract (not the joining space).
            text_bytes += (long long)(title.size() + abstract.size());

            Xapian::Document doc;
            doc.set_data(id);   // the id, read back for each hit
            an.tg.set_document(doc);
            an.tg.index_text(title + " " + abstract);   // one field, positions kept
            db.add_document(doc);
            docs++;
        }
        if (ferror(in)) die("%s: read error: %s", docs_path, strerror(errno));
        db.commit();                       // ...to the end of the commit
    } catch (const Xapian::Error &e) {
        die("%s: %s", dir.c_str(), e.get_description().c_str());
    }
    double secs = seconds_since(t0);
    free(buf);
    fclose(in);
    db.close();

    printf("{\"engine\":\"%s\",\"op\":\"index\",\"threads\":1,\"docs\":%ld,\"bytes\":%lld,"
           "\"seconds\":%.6g,\"index_bytes\":%lld}\n",
           ENGINE, docs, text_bytes, secs, tree_bytes(dir));
    return 0;
}

// ---------------------------------------------------------------- query ---

struct Query {
    std::string id, text;
};

struct Hit {
    std::string doc_id;
    double score;
};

struct Outcome {
    std::vector<Hit> hits;
    size_t n_terms = 0;
    double analysis_us = 0, search_us = 0;
};

// Per-thread searcher state: Xapian::Database and Enquire objects must not be
// used by two threads at once, so each thread opens the index itself.
struct Worker {
    Analyzer an;
    Xapian::Database db;
    Xapian::Enquire enquire;
    std::vector<std::string> terms;

    explicit Worker(const std::string &dir) : db(dir), enquire(db) {
        enquire.set_weighting_scheme(Xapian::BM25Weight(1.2, 0, 1, 0.75, 0.5));
    }
};

std::vector<Query> read_queries(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) die("%s: %s", path, strerror(errno));
    std::vector<Query> qs;
    char *buf = nullptr;
    size_t cap = 0;
    ssize_t n;
    long line = 0;
    while ((n = getline(&buf, &cap, f)) != -1) {
        line++;
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) n--;
        if (n == 0) continue;
        const char *tab = (const char *)memchr(buf, '\t', (size_t)n);
        if (!tab || tab == buf) die("%s:%ld: expected QUERY_ID<TAB>TEXT", path, line);
        size_t id_len = (size_t)(tab - buf);
        qs.push_back(Query{std::string(buf, id_len), std::string(tab + 1, (size_t)n - id_len - 1)});
    }
    if (ferror(f)) die("%s: read error: %s", path, strerror(errno));
    free(buf);
    fclose(f);
    return qs;
}

void run_one(Worker &w, const Query &q, const Args &a, Outcome &out) {
    Clock::time_point t0 = Clock::now();
    analyse_query(w.an, q.text, w.terms);
    Clock::time_point t1 = Clock::now();

    Xapian::Query query;
    if (!w.terms.empty()) {
        if (a.mode == "elite")
            query = Xapian::Query(Xapian::Query::OP_ELITE_SET, w.terms.begin(), w.terms.end(),
                                  (Xapian::termcount)a.elite_size);
        else
            query = Xapian::Query(Xapian::Query::OP_OR, w.terms.begin(), w.terms.end());
    }
    w.enquire.set_query(query);
    Xapian::MSet mset = w.enquire.get_mset(0, (Xapian::doccount)a.k);
    out.hits.clear();
    out.hits.reserve(mset.size());
    for (Xapian::MSetIterator m = mset.begin(); m != mset.end(); ++m)
        out.hits.push_back(Hit{m.get_document().get_data(), m.get_weight()});
    Clock::time_point t2 = Clock::now();

    out.n_terms = w.terms.size();
    out.analysis_us = micros_between(t0, t1);
    out.search_us = micros_between(t1, t2);
}

// One pass over all queries, shared out over the workers: each thread takes
// the next unanswered query, so long and short queries balance out.
void run_pass(std::vector<std::unique_ptr<Worker>> &workers, const std::vector<Query> &qs,
              const Args &a, std::vector<Outcome> &outs) {
    std::atomic<size_t> next{0};
    std::atomic<bool> failed{false};
    std::string error;   // written by the first failing thread only
    auto body = [&](Worker &w) {
        try {
            while (!failed.load()) {
                size_t i = next.fetch_add(1);
                if (i >= qs.size()) break;
                run_one(w, qs[i], a, outs[i]);
            }
        } catch (const Xapian::Error &e) {
            if (!failed.exchange(true)) error = e.get_description();
        }
    };
    if (workers.size() == 1) {
        body(*workers[0]);
    } else {
        std::vector<std::thread> ts;
        for (auto &w : workers) ts.emplace_back(body, std::ref(*w));
        for (auto &t : ts) t.join();
    }
    if (failed) die("search failed: %s", error.c_str());
}

FILE *open_out(const std::string &path) {
    FILE *f = fopen(path.c_str(), "w");
    if (!f) die("%s: %s", path.c_str(), strerror(errno));
    return f;
}

void close_out(FILE *f, const std::string &path) {
    if (ferror(f) | fclose(f)) die("%s: write error", path.c_str());
}

int cmd_query(int argc, char **argv) {
    Args a = parse_args(argc, argv, true);
    const std::string dir = a.pos[0];
    std::vector<Query> qs = read_queries(a.pos[1].c_str());

    std::vector<std::unique_ptr<Worker>> workers;
    try {
        for (long i = 0; i < a.threads; i++) workers.emplace_back(new Worker(dir));
    } catch (const Xapian::Error &e) {
        die("%s: cannot open index: %s", dir.c_str(), e.get_description().c_str());
    }

    std::vector<Outcome> outs(qs.size());
    for (long p = 0; p < a.warmup; p++) run_pass(workers, qs, a, outs);
    Clock::time_point t0 = Clock::now();
    run_pass(workers, qs, a, outs);
    double secs = seconds_since(t0);

    if (!a.results.empty()) {
        FILE *f = open_out(a.results);
        for (size_t i = 0; i < qs.size(); i++) {
            int rank = 1;
            for (const Hit &h : outs[i].hits)
                fprintf(f, "%s\t%d\t%s\t%.6g\n", qs[i].id.c_str(), rank++, h.doc_id.c_str(),
                        h.score);
        }
        close_out(f, a.results);
    }
    if (!a.timings.empty()) {
        // Microseconds with three decimals: keyword queries are analysed in
        // a few microseconds, so whole microseconds would be too coarse.
        FILE *f = open_out(a.timings);
        for (size_t i = 0; i < qs.size(); i++)
            fprintf(f, "%s\t%zu\t%.3f\t%.3f\n", qs[i].id.c_str(), outs[i].n_terms,
                    outs[i].analysis_us, outs[i].search_us);
        close_out(f, a.timings);
    }

    printf("{\"engine\":\"%s\",\"op\":\"query\",\"mode\":\"%s\",\"threads\":%ld,"
           "\"queries\":%zu,\"seconds\":%.6g",
           ENGINE, a.mode.c_str(), a.threads, qs.size(), secs);
    if (a.mode == "elite") printf(",\"elite_size\":%ld", a.elite_size);
    printf("}\n");
    return 0;
}

}  // namespace

int main(int argc, char **argv) {
    if (argc < 2) die_usage("missing command");
    std::string cmd = argv[1];
    if (cmd == "index") return cmd_index(argc, argv);
    if (cmd == "query") return cmd_query(argc, argv);
    if (cmd == "--help" || cmd == "-h") {
        usage();
        return 0;
    }
    die_usage("unknown command '%s'", cmd.c_str());
}
