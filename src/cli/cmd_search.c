/* patsift search: prior art for keywords, documents, or indexed documents. */
#include <errno.h>
#include <getopt.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "patsift/index.h"
#include "patsift/search.h"

enum { MAX_CPC = 64, PASSAGES = 2, EXPLAIN_TERMS = 8 };
/* --rerank hybrid's default share of the Jaccard estimate: see
 * bench/results (the hybrid sweep) for how it was chosen. */
#define HYBRID_WEIGHT 0.5

static void help(void)
{
    printf("usage: patsift search INDEX_DIR [options] KEYWORD...\n"
           "       patsift search INDEX_DIR [options] --doc FILE|-\n"
           "       patsift search INDEX_DIR [options] --id ID\n"
           "       patsift search INDEX_DIR [options] --queries FILE\n"
           "\n"
           "Finds the documents most similar to a query, best first, ranked by BM25F\n"
           "over the index's weighted fields (title, abstract, claims, description).\n"
           "  keywords     any of them may match (--all: every one must)\n"
           "  --doc FILE   query by document: each record of FILE (any format 'patsift\n"
           "               parse' reads; - for standard input) is one query, made of\n"
           "               its %d most informative terms (--terms); prior art must\n"
           "               predate it: --before defaults to its priority date, else\n"
           "               its filing date\n"
           "  --id ID      the indexed document ID is the query, like --doc; it is left\n"
           "               out of its own results\n"
           "  --queries F  a batch of keyword queries, one per line: QUERY_ID<TAB>TEXT\n"
           "\n"
           "options:\n"
           "  -k N                 hits per query (default 20)\n"
           "      --before DATE    only documents dated before DATE (YYYY-MM-DD; 'none'\n"
           "                       lifts the default of --doc and --id). A document's date\n"
           "                       is its publication date, else its filing date; an\n"
           "                       undated document is kept and flagged\n"
           "      --after DATE     only documents dated on or after DATE\n"
           "      --cpc PREFIX     only documents with a CPC code starting with PREFIX\n"
           "                       (spaces ignored; repeat for any of several)\n"
           "      --kind KIND      only documents of this kind code (e.g. B2)\n"
           "      --exclude-self   with --doc: leave out an indexed document with the\n"
           "                       query's own id\n"
           "      --all            every query term must match\n"
           "      --terms N        terms kept from a query document (default %d)\n"
           "      --k1 X, --b X    BM25 parameters (default %.2g and %.2g)\n"
           "  -t, --threads N      queries of a batch run in parallel (default: all cores)\n"
           "  -f, --format FMT     table (default on a terminal), tsv (QUERY_ID RANK ID\n"
           "                       SCORE; default otherwise) or json (one object per hit)\n"
           "      --explain        per hit: the terms that scored, with their share, and\n"
           "                       the best matching passages, matched words [marked]\n"
           "      --timings FILE   per query: QUERY_ID<TAB>TERMS<TAB>ANALYSIS_US<TAB>SEARCH_US\n"
           "      --rerank hybrid  with --doc or --id: re-rank the best max(4k, 100) by\n"
           "                       (1 - W) * score / best score + W * J, J the estimated\n"
           "                       Jaccard similarity of the texts' 5-word shingles (the\n"
           "                       'sim' column; near-duplicates rise to the top)\n"
           "      --hybrid-weight W  the W above (default %.1f)\n"
           "      --exhaustive     score every matching document (no pruning; same\n"
           "                       results, slower: for checking)\n"
           "  -h, --help           this help\n"
           "\n"
           "Exit status: 0 done, 1 bad input (unreadable query file, unknown --id, damaged\n"
           "index), 2 usage error, 3 internal failure.\n"
           "\n"
           "examples:\n"
           "  patsift search idx lithium battery separator\n"
           "  patsift search idx --doc draft.txt --explain -k 10\n"
           "  patsift search idx --id US9200001B2 --cpc C02F --format json\n"
           "  patsift search idx --doc pending.jsonl --exclude-self --format tsv > hits.tsv\n",
           PS_DEFAULT_QUERY_TERMS, PS_DEFAULT_QUERY_TERMS, PS_DEFAULT_K1, PS_DEFAULT_B, HYBRID_WEIGHT);
}

typedef struct query_item {
    char *qid;
    char *text;          /* keywords, or NULL */
    ps_record *rec;      /* a query document, or NULL */
    char *out;           /* formatted output */
    size_t out_len;
    uint64_t n_terms;
    double analysis_us, search_us;
    int failed;          /* exit code when the query failed */
} query_item;

typedef struct settings {
    ps_search_opts so;
    bool before_set;     /* --before given (or 'none') */
    bool exclude_self;
    size_t terms;
    out_format fmt;
    bool explain;
    int width;
} settings;

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static bool parse_date_opt(const char *s, int32_t *out)
{
    return ps_date_parse(s, strlen(s), out) == PS_OK;
}

/* Cuts s to at most w display columns (counting UTF-8 characters). */
static void put_cut(FILE *f, const char *s, int w)
{
    int cols = 0;
    const char *p = s;
    while (*p && cols < w) {
        p++;
        while ((*p & 0xC0) == 0x80)
            p++;
        cols++;
    }
    if (*p && w > 3) {
        /* back off to make room for "..." */
        const char *q = s;
        for (int i = 0; i < w - 3; i++) {
            q++;
            while ((*q & 0xC0) == 0x80)
                q++;
        }
        fprintf(f, "%.*s...", (int)(q - s), s);
    } else {
        fprintf(f, "%.*s", (int)(p - s), s);
    }
}

static void format_hits(FILE *f, const ps_index *ix, ps_searcher *sr, const settings *st, const query_item *qi,
                        const ps_query *q, const ps_search_opts *so, const ps_hit *hits, size_t n)
{
    ps_term_share *share = st->explain ? malloc((q->n ? q->n : 1) * sizeof *share) : NULL;
    if (st->fmt == FMT_TABLE) {
        fprintf(f, "query %s: %zu terms, %zu hits%s\n", qi->qid, q->n, n,
                so->before ? "" : "");
        if (n)
            fprintf(f, "%4s  %-17s  %-10s  %8s  %s%s\n", "rank", "id", "date", "score", q->sig ? "  sim  " : "",
                    "title");
    }
    for (size_t i = 0; i < n; i++) {
        const ps_hit *h = &hits[i];
        const char *id = ps_hit_id(ix, h);
        char date[11] = "";
        int32_t d = ps_hit_date(ix, h);
        if (d)
            ps_date_format(d, date);
        ps_record *rec = NULL;
        if (st->fmt != FMT_TSV || st->explain)
            ps_hit_record(ix, h, &rec);
        size_t ns = share ? ps_search_explain(sr, q, so, h, share) : 0;
        ps_passage pass[PASSAGES];
        size_t np = rec && st->explain ? ps_passages(sr, q, rec, PASSAGES, pass) : 0;
        if (st->fmt == FMT_TSV) {
            fprintf(f, "%s\t%zu\t%s\t%.6g\n", qi->qid, i + 1, id, h->score);
            for (size_t k = 0; k < ns && k < EXPLAIN_TERMS; k++)
                fprintf(f, "#\tterm\t%s\t%.1f%%\ttf %u\n", q->t[share[k].term].term, 100 * share[k].score / h->score,
                        share[k].tf);
            for (size_t k = 0; k < np; k++)
                fprintf(f, "#\tpassage\t%s\t%s\n", ps_field_name(pass[k].field), pass[k].text);
        } else if (st->fmt == FMT_TABLE) {
            fprintf(f, "%4zu  %-17s  %-10s  %8.3f  ", i + 1, id, d ? date : (h->undated ? "undated!" : "-"),
                    h->score);
            if (q->sig)
                fprintf(f, "%5.2f  ", h->jaccard);
            int room = st->width - 47 - (q->sig ? 7 : 0);
            put_cut(f, rec ? rec->title : "", room > 10 ? room : 10);
            fputc('\n', f);
            if (ns) {
                fprintf(f, "        terms:");
                for (size_t k = 0; k < ns && k < EXPLAIN_TERMS; k++)
                    fprintf(f, " %s %.0f%%", q->t[share[k].term].term, 100 * share[k].score / h->score);
                fprintf(f, "%s\n", ns > EXPLAIN_TERMS ? " ..." : "");
            }
            for (size_t k = 0; k < np; k++) {
                fprintf(f, "        %s: ", ps_field_name(pass[k].field));
                put_cut(f, pass[k].text, st->width > 40 ? st->width * 2 : 80);
                fputc('\n', f);
            }
        } else {
            json_t *o = json_object();
            json_object_set_new(o, "query", json_string(qi->qid));
            json_object_set_new(o, "rank", json_integer((json_int_t)(i + 1)));
            json_object_set_new(o, "id", json_string(id));
            json_object_set_new(o, "score", json_real(h->score));
            if (q->sig)
                json_object_set_new(o, "jaccard", json_real(h->jaccard));
            if (so->hybrid > 0 && q->sig)
                json_object_set_new(o, "hybrid", json_real(h->hybrid));
            json_object_set_new(o, "date", d ? json_string(date) : json_null());
            if (h->undated)
                json_object_set_new(o, "undated", json_true());
            if (rec) {
                json_object_set_new(o, "title", json_string(rec->title));
                json_object_set_new(o, "kind", json_string(rec->kind));
                json_t *cpc = json_array();
                for (size_t k = 0; k < rec->cpc.count; k++)
                    json_array_append_new(cpc, json_string(rec->cpc.items[k]));
                json_object_set_new(o, "cpc", cpc);
                json_object_set_new(o, "entity", json_string(ps_entity_name(rec->entity)));
            }
            if (st->explain) {
                json_t *terms = json_array();
                for (size_t k = 0; k < ns; k++)
                    json_array_append_new(terms, json_pack("{s:s, s:i, s:f, s:f}", "term", q->t[share[k].term].term,
                                                           "tf", (json_int_t)share[k].tf, "score", share[k].score,
                                                           "share", share[k].score / h->score));
                json_object_set_new(o, "terms", terms);
                json_t *ps = json_array();
                for (size_t k = 0; k < np; k++)
                    json_array_append_new(ps, json_pack("{s:s, s:s}", "field", ps_field_name(pass[k].field), "text",
                                                        pass[k].text));
                json_object_set_new(o, "passages", ps);
            }
            char *s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII * 0);
            if (s)
                fprintf(f, "%s\n", s);
            free(s);
            json_decref(o);
        }
        ps_passages_free(pass, np);
        free(rec);
    }
    if (st->fmt == FMT_TABLE)
        fputc('\n', f);
    free(share);
}

/* Runs one query on this thread's searcher; its output goes to qi->out. */
static void run_query(const ps_index *ix, ps_searcher *sr, const settings *st, query_item *qi)
{
    ps_search_opts so = st->so;
    if (qi->rec && !st->before_set)
        so.before = qi->rec->priority_date ? qi->rec->priority_date : qi->rec->filing_date;
    if (qi->rec && st->exclude_self && !so.exclude_id)
        so.exclude_id = qi->rec->id;
    double t0 = now_us();
    ps_query q;
    ps_rc rc = qi->rec ? ps_query_from_record(sr, qi->rec, st->terms, &q) : ps_query_from_text(sr, qi->text, &q);
    double t1 = now_us();
    const ps_hit *hits = NULL;
    size_t n = 0;
    if (rc == PS_OK)
        rc = ps_search(sr, &q, &so, &hits, &n);
    double t2 = now_us();
    qi->analysis_us = t1 - t0;
    qi->search_us = t2 - t1;
    qi->n_terms = rc == PS_OK ? q.n : 0;
    FILE *f = open_memstream(&qi->out, &qi->out_len);
    if (!f) {
        qi->failed = EXIT_INTERNAL;
    } else if (rc != PS_OK) {
        fprintf(stderr, "patsift search: query %s: %s\n", qi->qid,
                rc == PS_ECORRUPT ? "the index is damaged (run 'patsift check')" : ps_strerror(rc));
        qi->failed = rc == PS_ENOMEM ? EXIT_INTERNAL : EXIT_INPUT;
    } else {
        format_hits(f, ix, sr, st, qi, &q, &so, hits, n);
    }
    if (f)
        fclose(f);
    if (rc == PS_OK)
        ps_query_free(&q);
}

/* Reads QUERY_ID<TAB>TEXT lines. */
static int read_queries(const char *path, query_item **items, size_t *n)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!f) {
        fprintf(stderr, "patsift search: %s: cannot open: %s\n", path, strerror(errno));
        return EXIT_INPUT;
    }
    char *line = NULL;
    size_t cap = 0, lineno = 0, have = *n;
    ssize_t len;
    int status = EXIT_OK;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = 0;
        if (len == 0)
            continue;
        char *tab = strchr(line, '\t');
        if (!tab || tab == line) {
            fprintf(stderr, "patsift search: %s:%zu: expected QUERY_ID<TAB>TEXT\n", path, lineno);
            status = EXIT_INPUT;
            break;
        }
        *tab = 0;
        query_item *p = realloc(*items, (*n + 1) * sizeof *p);
        if (!p) {
            status = EXIT_INTERNAL;
            break;
        }
        *items = p;
        p[*n] = (query_item){ .qid = strdup(line), .text = strdup(tab + 1) };
        if (!p[*n].qid || !p[*n].text) {
            status = EXIT_INTERNAL;
            break;
        }
        (*n)++;
    }
    if (status == EXIT_OK && ferror(f)) {
        fprintf(stderr, "patsift search: %s: read error\n", path);
        status = EXIT_INPUT;
    }
    if (status == EXIT_OK && *n == have) {
        fprintf(stderr, "patsift search: %s: no queries in it\n", path);
        status = EXIT_INPUT;
    }
    free(line);
    if (f != stdin)
        fclose(f);
    return status;
}

/* Each record of path becomes a query document. */
static int read_docs(const char *path, query_item **items, size_t *n)
{
    cli_diag diag = { .limit = 20 };
    ps_reader_opts ro = { .on_error = cli_print_diag, .ctx = &diag };
    ps_reader *r;
    if (ps_reader_create(&ro, &r) != PS_OK)
        return EXIT_INTERNAL;
    if (ps_reader_add_path(r, path) != PS_OK) {
        fprintf(stderr, "patsift search: %s\n", ps_reader_errmsg(r));
        ps_reader_free(r);
        return EXIT_INPUT;
    }
    const ps_record *rec;
    ps_rc rc;
    size_t have = *n;
    int status = EXIT_OK;
    while ((rc = ps_reader_next(r, &rec)) == PS_OK) {
        query_item *p = realloc(*items, (*n + 1) * sizeof *p);
        if (!p) {
            status = EXIT_INTERNAL;
            break;
        }
        *items = p;
        char name[32];
        snprintf(name, sizeof name, "doc%zu", *n - have + 1);
        p[*n] = (query_item){ .qid = strdup(*rec->id ? rec->id : name), .rec = ps_record_clone(rec) };
        if (!p[*n].qid || !p[*n].rec) {
            status = EXIT_INTERNAL;
            break;
        }
        (*n)++;
    }
    if (status == EXIT_OK && rc != PS_END) {
        fprintf(stderr, "patsift search: %s\n", ps_reader_errmsg(r));
        status = EXIT_INPUT;
    }
    ps_reader_stats rs;
    ps_reader_stats_get(r, &rs);
    if (status == EXIT_OK && rs.errors)
        status = EXIT_INPUT;
    if (status == EXIT_OK && *n == have) {
        fprintf(stderr, "patsift search: %s: no documents in it\n", path);
        status = EXIT_INPUT;
    }
    ps_reader_free(r);
    return status;
}

static int write_timings(const char *path, const query_item *items, size_t n)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "patsift search: %s: cannot write: %s\n", path, strerror(errno));
        return EXIT_INPUT;
    }
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s\t%llu\t%.1f\t%.1f\n", items[i].qid, (unsigned long long)items[i].n_terms, items[i].analysis_us,
                items[i].search_us);
    if (fclose(f) != 0) {
        fprintf(stderr, "patsift search: %s: write error\n", path);
        return EXIT_INPUT;
    }
    return EXIT_OK;
}

enum { O_DOC = 500, O_ID, O_QUERIES, O_BEFORE, O_AFTER, O_CPC, O_KIND, O_EXCLUDE_SELF, O_ALL, O_TERMS, O_K1, O_B,
       O_EXPLAIN, O_TIMINGS, O_EXHAUSTIVE, O_RERANK, O_HYBRID_WEIGHT };

int cmd_search(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "doc", required_argument, NULL, O_DOC },
        { "id", required_argument, NULL, O_ID },
        { "queries", required_argument, NULL, O_QUERIES },
        { "before", required_argument, NULL, O_BEFORE },
        { "after", required_argument, NULL, O_AFTER },
        { "cpc", required_argument, NULL, O_CPC },
        { "kind", required_argument, NULL, O_KIND },
        { "exclude-self", no_argument, NULL, O_EXCLUDE_SELF },
        { "all", no_argument, NULL, O_ALL },
        { "terms", required_argument, NULL, O_TERMS },
        { "k1", required_argument, NULL, O_K1 },
        { "b", required_argument, NULL, O_B },
        { "threads", required_argument, NULL, 't' },
        { "format", required_argument, NULL, 'f' },
        { "explain", no_argument, NULL, O_EXPLAIN },
        { "timings", required_argument, NULL, O_TIMINGS },
        { "exhaustive", no_argument, NULL, O_EXHAUSTIVE },
        { "rerank", required_argument, NULL, O_RERANK },
        { "hybrid-weight", required_argument, NULL, O_HYBRID_WEIGHT },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    settings st = { .fmt = cli_default_format(), .width = 100 };
    const char *doc = NULL, *id = NULL, *queries = NULL, *timings = NULL;
    static const char *cpc[MAX_CPC];
    int threads = 0;
    bool rerank = false;
    double hybrid_weight = HYBRID_WEIGHT;
    unsigned long v;
    char *end;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "k:t:f:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'k':
            if (!cli_parse_uint(optarg, 100000, &v))
                return cli_usage_error("search", "-k needs a number from 1 to 100000, not '%s'", optarg);
            st.so.k = v;
            break;
        case 't':
            if (!cli_parse_uint(optarg, 1024, &v))
                return cli_usage_error("search", "--threads needs a number from 1 to 1024, not '%s'", optarg);
            threads = (int)v;
            break;
        case 'f': {
            int r = cli_parse_format("search", optarg, &st.fmt);
            if (r >= 0)
                return r;
            break;
        }
        case O_DOC: doc = optarg; break;
        case O_ID: id = optarg; break;
        case O_QUERIES: queries = optarg; break;
        case O_BEFORE:
        case O_AFTER: {
            int32_t *d = c == O_BEFORE ? &st.so.before : &st.so.after;
            if (c == O_BEFORE && strcmp(optarg, "none") == 0)
                *d = 0;
            else if (!parse_date_opt(optarg, d))
                return cli_usage_error("search", "--%s needs a date YYYY-MM-DD, not '%s'",
                                       c == O_BEFORE ? "before" : "after", optarg);
            if (c == O_BEFORE)
                st.before_set = true;
            break;
        }
        case O_CPC:
            if (st.so.n_cpc == MAX_CPC)
                return cli_usage_error("search", "at most %d --cpc prefixes", MAX_CPC);
            if (!*optarg)
                return cli_usage_error("search", "--cpc needs a prefix such as H01M or A61B5/02");
            cpc[st.so.n_cpc++] = optarg;
            break;
        case O_KIND:
            if (!*optarg || strlen(optarg) > 4)
                return cli_usage_error("search", "--kind needs a kind code such as B2 or A1, not '%s'", optarg);
            st.so.kind = optarg;
            break;
        case O_EXCLUDE_SELF: st.exclude_self = true; break;
        case O_ALL: st.so.all_terms = true; break;
        case O_TERMS:
            if (!cli_parse_uint(optarg, 10000, &v))
                return cli_usage_error("search", "--terms needs a number from 1 to 10000, not '%s'", optarg);
            st.terms = v;
            break;
        case O_K1:
        case O_B: {
            double x = strtod(optarg, &end);
            bool bad = end == optarg || *end || (c == O_K1 ? !(x > 0 && x <= 100) : !(x >= 0 && x <= 1));
            if (bad)
                return cli_usage_error("search", c == O_K1 ? "--k1 needs a number above 0 (up to 100), not '%s'"
                                                           : "--b needs a number from 0 to 1, not '%s'",
                                       optarg);
            if (c == O_K1)
                st.so.k1 = x;
            else
                st.so.b = x == 0 ? -1 : x;
            break;
        }
        case O_EXPLAIN: st.explain = true; break;
        case O_TIMINGS: timings = optarg; break;
        case O_EXHAUSTIVE: st.so.exhaustive = true; break;
        case O_RERANK:
            if (strcmp(optarg, "hybrid") == 0)
                rerank = true;
            else if (strcmp(optarg, "bm25") == 0)
                rerank = false;
            else
                return cli_usage_error("search", "--rerank takes bm25 or hybrid, not '%s'", optarg);
            break;
        case O_HYBRID_WEIGHT: {
            double x = strtod(optarg, &end);
            if (end == optarg || *end || !(x > 0 && x <= 1))
                return cli_usage_error("search", "--hybrid-weight needs a number above 0 up to 1, not '%s'", optarg);
            hybrid_weight = x;
            break;
        }
        case 'h': help(); return EXIT_OK;
        default: return cli_usage_error("search", "unknown option");
        }
    }
    st.so.cpc = cpc;
    if (rerank)
        st.so.hybrid = hybrid_weight;
    if (optind == argc)
        return cli_usage_error("search", "say which index to search: patsift search INDEX_DIR ...");
    const char *dir = argv[optind++];
    int modes = (doc != NULL) + (id != NULL) + (queries != NULL) + (optind < argc);
    if (modes == 0)
        return cli_usage_error("search", "no query: give keywords, --doc FILE, --id ID or --queries FILE");
    if (modes > 1)
        return cli_usage_error("search", "give one kind of query: keywords, --doc, --id or --queries");
    if (st.fmt == FMT_TABLE) {
        struct winsize ws;
        if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
            st.width = ws.ws_col;
    }

    ps_index *ix;
    int r = cli_open_index("search", dir, &ix);
    if (r >= 0)
        return r;
    ps_rc rc;
    query_item *items = NULL;
    size_t n = 0;
    int status = EXIT_OK;
    if (queries) {
        status = read_queries(queries, &items, &n);
    } else if (doc) {
        status = read_docs(doc, &items, &n);
    } else if (id) {
        ps_record *rec;
        rc = ps_index_get(ix, id, &rec);
        if (rc == PS_OK) {
            items = calloc(1, sizeof *items);
            if (items && (items[0].qid = strdup(id))) {
                items[0].rec = rec;
                n = 1;
                st.so.exclude_id = id;
            } else {
                free(rec);
                status = EXIT_INTERNAL;
            }
        } else {
            fprintf(stderr, "patsift search: %s: %s\n", id,
                    rc == PS_END ? "no document with this id in the index" : "its stored text is damaged");
            status = EXIT_INPUT;
        }
    } else {
        size_t len = 0;
        for (int i = optind; i < argc; i++)
            len += strlen(argv[i]) + 1;
        items = calloc(1, sizeof *items);
        char *text = malloc(len + 1);
        if (items && text) {
            text[0] = 0;
            for (int i = optind; i < argc; i++) {
                strcat(text, argv[i]);
                strcat(text, " ");
            }
            items[0] = (query_item){ .qid = strdup("query"), .text = text };
            n = items[0].qid ? 1 : 0;
        } else {
            free(text);
            status = EXIT_INTERNAL;
        }
    }
    if (status == EXIT_OK) {
        int nt = threads ? threads : omp_get_num_procs();
        if ((size_t)nt > n)
            nt = (int)n;
        int failed = 0;
#pragma omp parallel num_threads(nt) reduction(| : failed)
        {
            ps_searcher *sr;
            if (ps_searcher_create(ix, &sr) != PS_OK) {
                failed = 1;
            } else {
#pragma omp for schedule(dynamic, 1)
                for (size_t i = 0; i < n; i++)
                    run_query(ix, sr, &st, &items[i]);
                ps_searcher_free(sr);
            }
        }
        if (failed) {
            fprintf(stderr, "patsift search: cannot create a searcher (out of memory)\n");
            status = EXIT_INTERNAL;
        }
        for (size_t i = 0; i < n && status == EXIT_OK; i++) {
            if (items[i].out)
                fwrite(items[i].out, 1, items[i].out_len, stdout);
            if (items[i].failed && items[i].failed > status)
                status = items[i].failed;
        }
        if (fflush(stdout) != 0 && status == EXIT_OK) {
            fprintf(stderr, "patsift search: cannot write the results\n");
            status = EXIT_INPUT;
        }
        if (timings && status == EXIT_OK)
            status = write_timings(timings, items, n);
    }
    for (size_t i = 0; i < n; i++) {
        free(items[i].qid);
        free(items[i].text);
        free(items[i].rec);
        free(items[i].out);
    }
    free(items);
    ps_index_close(ix);
    return status;
}
