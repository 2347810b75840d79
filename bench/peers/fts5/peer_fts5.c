/*
 * peer-fts5: SQLite FTS5 benchmark peer for patsift.
 *
 * Implements the interface of bench/peers/README.md:
 *
 *   peer-fts5 index [--threads 1] INDEX_DIR DOCS.jsonl
 *   peer-fts5 query [--threads N] [--k K] [--mode or] [--warmup W]
 *                   [--results FILE] [--timings FILE] INDEX_DIR QUERIES.tsv
 *
 * Index layout (INDEX_DIR/fts.db):
 *
 *   docs  FTS5 table, contentless (content=''), one column `text` =
 *         title + " " + abstract, tokenize='porter unicode61', rowid = 1-based
 *         record number.
 *   ids   ordinary table rowid -> patent id.
 *
 * Why contentless: a default FTS5 table also keeps a full copy of every
 * document's text (the docs_content table). The other engines store only the
 * id, so keeping the text would inflate index_bytes and build time with work
 * the benchmark does not ask for. bm25() needs only the index and the
 * per-document token counts (docs_docsize), which a contentless table keeps.
 *
 * Build: one transaction, prepared statements, journal_mode=OFF and
 * synchronous=OFF (no crash safety needed for a throw-away benchmark index),
 * then INSERT INTO docs(docs) VALUES('optimize') so the queries run over a
 * single merged segment (the read-optimised state, like a force-merged Lucene
 * index); the build time includes the optimize. SQLite has one writer per
 * database, so `index` accepts --threads 1 only.
 *
 * Queries: FTS5 has no stop-word filter, so stop words are indexed; they are
 * dropped from the query only (Lucene's English stop list). The query text is
 * analysed with FTS5's own tokenizers, taken from the fts5_api of the
 * connection: unicode61 gives the folded surface tokens (checked against the
 * stop list), porter (over unicode61, exactly as the table is declared) gives
 * the indexed terms, which are deduplicated ("system" and "systems" are one
 * term). Each distinct term becomes one double-quoted phrase in a MATCH
 * expression joined by OR; the phrase text is a surface token that FTS5
 * re-tokenises to that same term. Ranking is FTS5's built-in bm25() (k1 =
 * 1.2 and b = 0.75 are hard-coded in SQLite, matching the benchmark). bm25()
 * returns negative values, lower = better; the peer reports score = -bm25()
 * so that higher is better like the other engines. Ties are broken by rowid
 * (input order).
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define ENGINE "fts5"
#define DB_NAME "fts.db"

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */
/* ------------------------------------------------------------------ */

/* "peer-fts5: message" on stderr. */
static void vsay(const char *fmt, va_list ap)
{
    fputs("peer-fts5: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay(fmt, ap);
    va_end(ap);
    exit(1);
}

/* A failed SQLite call: name what was being done and SQLite's message. */
static void die_sql(sqlite3 *db, const char *what)
{
    die("%s: %s", what, db ? sqlite3_errmsg(db) : "out of memory");
}

static void usage(void)
{
    fputs("usage: peer-fts5 index [--threads 1] INDEX_DIR DOCS.jsonl\n"
          "       peer-fts5 query [--threads N] [--k K] [--mode or] [--warmup W]\n"
          "                       [--results FILE] [--timings FILE] INDEX_DIR QUERIES.tsv\n",
          stderr);
    exit(2);
}

static void bad_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay(fmt, ap);
    va_end(ap);
    usage();
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die("out of memory");
    return p;
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        die("out of memory");
    return p;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Non-negative decimal integer option value, or a usage error. */
static long parse_count(const char *opt, const char *s, long min)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > INT_MAX)
        bad_usage("bad value for %s: '%s'", opt, s);
    return v;
}

static void exec_sql(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "peer-fts5: %s: %s\n", sql, err ? err : sqlite3_errmsg(db));
        exit(1);
    }
}

static sqlite3_stmt *prepare(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "peer-fts5: prepare %s: %s\n", sql, sqlite3_errmsg(db));
        exit(1);
    }
    return st;
}

/* Global SQLite setup, before any connection. Memory statistics take a
 * global mutex on every allocation; with them on, two query threads lose
 * about a third of their throughput to that mutex. */
static void sqlite_init(void)
{
    if (sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK)
        die("sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) failed");
    if (sqlite3_initialize() != SQLITE_OK)
        die("sqlite3_initialize failed");
}

static char *db_path(const char *dir)
{
    size_t n = strlen(dir) + sizeof("/" DB_NAME);
    char *p = xmalloc(n);
    snprintf(p, n, "%s/%s", dir, DB_NAME);
    return p;
}

/* ------------------------------------------------------------------ */
/* index                                                               */
/* ------------------------------------------------------------------ */

/* Create DIR, or accept it if it exists and is an empty directory. */
static void make_index_dir(const char *dir)
{
    struct stat sb;
    if (stat(dir, &sb) == 0) {
        if (!S_ISDIR(sb.st_mode))
            die("%s: exists and is not a directory", dir);
        DIR *d = opendir(dir);
        if (!d)
            die("%s: %s", dir, strerror(errno));
        struct dirent *e;
        while ((e = readdir(d))) {
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                closedir(d);
                die("%s: directory is not empty", dir);
            }
        }
        closedir(d);
    } else if (errno != ENOENT || mkdir(dir, 0777) != 0) {
        die("%s: %s", dir, strerror(errno));
    }
}

/* Total size of the regular files in DIR (the index is one flat folder). */
static long long dir_bytes(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        die("%s: %s", dir, strerror(errno));
    long long total = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(dir) + strlen(e->d_name) + 2;
        char *p = xmalloc(n);
        snprintf(p, n, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (stat(p, &sb) == 0 && S_ISREG(sb.st_mode))
            total += (long long)sb.st_size;
        free(p);
    }
    closedir(d);
    return total;
}

/* A missing or null title/abstract is empty; any other non-string is an
 * input error. Returns 0 on success. */
static int get_text(json_t *obj, const char *key, const char **s, size_t *n)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        *s = "";
        *n = 0;
        return 0;
    }
    if (!json_is_string(v))
        return -1;
    *s = json_string_value(v);
    *n = json_string_length(v);
    return 0;
}

static int cmd_index(int argc, char **argv)
{
    const char *pos[2];
    int npos = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--threads")) {
            if (++i >= argc)
                bad_usage("--threads needs a value");
            if (parse_count("--threads", argv[i], 1) != 1)
                bad_usage("index: SQLite has a single writer per database, "
                          "so only --threads 1 is supported");
        } else if (argv[i][0] == '-' && argv[i][1]) {
            bad_usage("index: unknown option %s", argv[i]);
        } else if (npos < 2) {
            pos[npos++] = argv[i];
        } else {
            bad_usage("index: too many arguments");
        }
    }
    if (npos != 2)
        usage();
    const char *dir = pos[0], *docs_path = pos[1];

    FILE *in = fopen(docs_path, "r");
    if (!in)
        die("%s: %s", docs_path, strerror(errno));
    make_index_dir(dir);
    sqlite_init();

    int64_t t0 = now_ns();
    char *path = db_path(dir);
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK)
        die_sql(db, path);
    /* A benchmark index is rebuilt from scratch if anything goes wrong, so
     * neither a rollback journal nor fsync is needed. */
    exec_sql(db, "PRAGMA journal_mode=OFF");
    exec_sql(db, "PRAGMA synchronous=OFF");
    exec_sql(db, "CREATE VIRTUAL TABLE docs USING fts5(text, content='', "
                 "tokenize='porter unicode61')");
    exec_sql(db, "CREATE TABLE ids(rowid INTEGER PRIMARY KEY, id TEXT NOT NULL)");
    exec_sql(db, "BEGIN");
    sqlite3_stmt *ins_doc = prepare(db, "INSERT INTO docs(rowid, text) VALUES(?1, ?2)");
    sqlite3_stmt *ins_id = prepare(db, "INSERT INTO ids(rowid, id) VALUES(?1, ?2)");

    char *line = NULL, *text = NULL;
    size_t line_cap = 0, text_cap = 0;
    ssize_t len;
    long lineno = 0;
    long long ndocs = 0, nbytes = 0;
    while ((len = getline(&line, &line_cap, in)) != -1) {
        lineno++;
        size_t k = 0;
        while (k < (size_t)len && (line[k] == ' ' || line[k] == '\t' || line[k] == '\r' ||
                                   line[k] == '\n'))
            k++;
        if (k == (size_t)len)
            continue; /* blank line */

        json_error_t jerr;
        json_t *obj = json_loadb(line, (size_t)len, 0, &jerr);
        if (!obj)
            die("%s:%ld: bad JSON: %s", docs_path, lineno, jerr.text);
        if (!json_is_object(obj))
            die("%s:%ld: not a JSON object", docs_path, lineno);

        json_t *idv = json_object_get(obj, "id");
        char idnum[32];
        const char *id;
        if (json_is_string(idv)) {
            id = json_string_value(idv);
        } else if (json_is_integer(idv)) {
            snprintf(idnum, sizeof idnum, "%" JSON_INTEGER_FORMAT, json_integer_value(idv));
            id = idnum;
        } else {
            die("%s:%ld: missing or invalid \"id\"", docs_path, lineno);
        }
        const char *title, *abstract;
        size_t tlen, alen;
        if (get_text(obj, "title", &title, &tlen))
            die("%s:%ld: \"title\" is not a string", docs_path, lineno);
        if (get_text(obj, "abstract", &abstract, &alen))
            die("%s:%ld: \"abstract\" is not a string", docs_path, lineno);

        size_t n = tlen + 1 + alen;
        if (n > INT_MAX)
            die("%s:%ld: record too large", docs_path, lineno);
        if (n > text_cap) {
            text_cap = n * 2;
            text = xrealloc(text, text_cap);
        }
        memcpy(text, title, tlen);
        text[tlen] = ' ';
        memcpy(text + tlen + 1, abstract, alen);

        ndocs++;
        nbytes += (long long)(tlen + alen);
        /* SQLITE_STATIC: the buffers stay unchanged until the step is done. */
        if (sqlite3_bind_int64(ins_doc, 1, ndocs) != SQLITE_OK ||
            sqlite3_bind_text(ins_doc, 2, text, (int)n, SQLITE_STATIC) != SQLITE_OK)
            die_sql(db, "bind docs");
        if (sqlite3_step(ins_doc) != SQLITE_DONE)
            die_sql(db, "insert into docs");
        if (sqlite3_reset(ins_doc) != SQLITE_OK)
            die_sql(db, "reset docs insert");
        if (sqlite3_bind_int64(ins_id, 1, ndocs) != SQLITE_OK ||
            sqlite3_bind_text(ins_id, 2, id, -1, SQLITE_STATIC) != SQLITE_OK)
            die_sql(db, "bind ids");
        if (sqlite3_step(ins_id) != SQLITE_DONE)
            die_sql(db, "insert into ids");
        if (sqlite3_reset(ins_id) != SQLITE_OK)
            die_sql(db, "reset ids insert");
        json_decref(obj);
    }
    if (ferror(in))
        die("%s: read error", docs_path);
    fclose(in);
    free(line);
    free(text);

    if (sqlite3_finalize(ins_doc) != SQLITE_OK || sqlite3_finalize(ins_id) != SQLITE_OK)
        die_sql(db, "finalize");
    exec_sql(db, "COMMIT");
    /* Merge all segments into one: queries then read one b-tree per term. */
    exec_sql(db, "INSERT INTO docs(docs) VALUES('optimize')");
    if (sqlite3_close(db) != SQLITE_OK)
        die_sql(db, "close");
    double secs = (double)(now_ns() - t0) / 1e9;

    printf("{\"engine\":\"" ENGINE "\",\"op\":\"index\",\"threads\":1,\"docs\":%lld,"
           "\"bytes\":%lld,\"seconds\":%.6f,\"index_bytes\":%lld}\n",
           ndocs, nbytes, secs, dir_bytes(dir));
    free(path);
    return 0;
}

/* ------------------------------------------------------------------ */
/* query: analysis                                                     */
/* ------------------------------------------------------------------ */

/* Lucene's EnglishAnalyzer stop set (ENGLISH_STOP_WORDS_SET), 33 words. */
static const char *const STOP_WORDS[] = {
    "a",    "an",   "and",  "are",  "as",    "at",    "be",    "but",  "by",
    "for",  "if",   "in",   "into", "is",    "it",    "no",    "not",  "of",
    "on",   "or",   "such", "that", "the",   "their", "then",  "there",
    "these", "they", "this", "to",  "was",   "will",  "with",
};

static int is_stop_word(const char *s, int n)
{
    if (n > 5) /* the longest stop word has 5 letters */
        return 0;
    for (size_t i = 0; i < sizeof STOP_WORDS / sizeof STOP_WORDS[0]; i++)
        if (STOP_WORDS[i][0] == s[0] && (int)strlen(STOP_WORDS[i]) == n &&
            !memcmp(STOP_WORDS[i], s, (size_t)n))
            return 1;
    return 0;
}

/* Tokens of one tokenizer pass, packed in one growable byte buffer. */
typedef struct {
    char *buf;
    size_t len, cap;
    int *off, *tlen; /* token i = buf[off[i] .. off[i] + tlen[i]) */
    int n, ncap;
} TokList;

static int toklist_add(void *ctx, int tflags, const char *tok, int ntok, int start, int end)
{
    (void)tflags;
    (void)start;
    (void)end;
    TokList *t = ctx;
    if (t->n == t->ncap) {
        t->ncap = t->ncap ? t->ncap * 2 : 256;
        t->off = xrealloc(t->off, (size_t)t->ncap * sizeof *t->off);
        t->tlen = xrealloc(t->tlen, (size_t)t->ncap * sizeof *t->tlen);
    }
    if (t->len + (size_t)ntok > t->cap) {
        t->cap = (t->len + (size_t)ntok) * 2 + 1024;
        t->buf = xrealloc(t->buf, t->cap);
    }
    memcpy(t->buf + t->len, tok, (size_t)ntok);
    t->off[t->n] = (int)t->len;
    t->tlen[t->n] = ntok;
    t->len += (size_t)ntok;
    t->n++;
    return SQLITE_OK;
}

/* Per-thread search state: own read-only connection, statement, tokenizer
 * instances (they keep per-instance buffers, so they are not shareable) and
 * scratch buffers reused from query to query. */
typedef struct {
    sqlite3 *db;
    sqlite3_stmt *search;
    fts5_tokenizer u61, porter;
    Fts5Tokenizer *u61_inst, *porter_inst;
    TokList surface, stems;
    int *slots; /* open-addressing set of stem token indexes, -1 = empty */
    size_t nslots;
    char *match;
    size_t match_cap;
} Searcher;

static uint32_t hash_bytes(const char *s, int n)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (int i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static void match_append(Searcher *s, size_t *len, const char *p, size_t n)
{
    if (*len + n + 1 > s->match_cap) {
        s->match_cap = (*len + n + 1) * 2;
        s->match = xrealloc(s->match, s->match_cap);
    }
    memcpy(s->match + *len, p, n);
    *len += n;
    s->match[*len] = '\0';
}

/* Analyse TEXT into s->match ("t1" OR "t2" ...). Returns the number of
 * distinct analysed terms (0: nothing to search for). */
static int analyse(Searcher *s, const char *text, size_t ntext)
{
    s->surface.n = 0;
    s->surface.len = 0;
    s->stems.n = 0;
    s->stems.len = 0;
    /* Pass 1: unicode61 alone gives the folded surface tokens for the stop
     * check (Lucene removes stop words before stemming). Pass 2: porter over
     * unicode61 gives the indexed terms. Porter emits exactly one token per
     * unicode61 token, so token i of both passes is the same word. */
    if (s->u61.xTokenize(s->u61_inst, &s->surface, FTS5_TOKENIZE_QUERY, text, (int)ntext,
                         toklist_add) != SQLITE_OK ||
        s->porter.xTokenize(s->porter_inst, &s->stems, FTS5_TOKENIZE_QUERY, text, (int)ntext,
                            toklist_add) != SQLITE_OK)
        die("query tokenizer failed");
    if (s->surface.n != s->stems.n)
        die("unicode61 and porter token counts differ (%d vs %d)", s->surface.n, s->stems.n);

    size_t need = 16;
    while (need < (size_t)s->stems.n * 2)
        need *= 2;
    if (need > s->nslots) {
        s->nslots = need;
        s->slots = xrealloc(s->slots, need * sizeof *s->slots);
    }
    memset(s->slots, 0xff, s->nslots * sizeof *s->slots);

    size_t mlen = 0;
    match_append(s, &mlen, "", 0);
    int nterms = 0;
    for (int i = 0; i < s->surface.n; i++) {
        const char *w = s->surface.buf + s->surface.off[i];
        int wn = s->surface.tlen[i];
        if (is_stop_word(w, wn))
            continue;
        const char *st = s->stems.buf + s->stems.off[i];
        int sn = s->stems.tlen[i];
        size_t mask = s->nslots - 1, h = hash_bytes(st, sn) & mask;
        int dup = 0;
        for (; s->slots[h] >= 0; h = (h + 1) & mask) {
            int j = s->slots[h];
            if (s->stems.tlen[j] == sn && !memcmp(s->stems.buf + s->stems.off[j], st, (size_t)sn)) {
                dup = 1;
                break;
            }
        }
        if (dup)
            continue;
        s->slots[h] = i;
        /* The phrase is the surface token: FTS5 runs it through the same
         * porter+unicode61 tokenizer and gets back exactly this stem. */
        if (nterms++)
            match_append(s, &mlen, " OR ", 4);
        match_append(s, &mlen, "\"", 1);
        if (!memchr(w, '"', (size_t)wn)) {
            match_append(s, &mlen, w, (size_t)wn);
        } else { /* unicode61 splits at '"', but escape as "" to be safe */
            for (int c = 0; c < wn; c++) {
                match_append(s, &mlen, w + c, 1);
                if (w[c] == '"')
                    match_append(s, &mlen, "\"", 1);
            }
        }
        match_append(s, &mlen, "\"", 1);
    }
    return nterms;
}

/* ------------------------------------------------------------------ */
/* query: searchers, passes, output                                    */
/* ------------------------------------------------------------------ */

/* The inner query picks the top K rowids of the FTS5 table; the outer one
 * names them from `ids`. */
static const char SEARCH_SQL[] =
    "SELECT ids.id, r.score FROM"
    " (SELECT rowid AS rid, bm25(docs) AS score FROM docs WHERE docs MATCH ?1"
    "  ORDER BY score, rowid LIMIT ?2) AS r"
    " JOIN ids ON ids.rowid = r.rid"
    " ORDER BY r.score, r.rid";

static fts5_api *get_fts5_api(sqlite3 *db)
{
    fts5_api *api = NULL;
    sqlite3_stmt *st = prepare(db, "SELECT fts5(?1)");
    if (sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL) != SQLITE_OK)
        die_sql(db, "bind fts5_api_ptr");
    if (sqlite3_step(st) != SQLITE_ROW)
        die_sql(db, "SELECT fts5(?1)");
    if (sqlite3_finalize(st) != SQLITE_OK)
        die_sql(db, "finalize SELECT fts5(?1)");
    if (!api || api->iVersion < 2)
        die("this SQLite has no usable FTS5 API");
    return api;
}

static void searcher_open(Searcher *s, const char *path)
{
    memset(s, 0, sizeof *s);
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK)
        die_sql(s->db, path);
    /* Map the file instead of copying pages through SQLite's page cache
     * (Lucene reads its index through mmap too). The index is never
     * modified, so each connection keeps its shared lock for good instead of
     * taking and dropping it (and re-validating its cache) on every query. */
    exec_sql(s->db, "PRAGMA mmap_size=2147418112");
    exec_sql(s->db, "PRAGMA locking_mode=EXCLUSIVE");
    s->search = prepare(s->db, SEARCH_SQL);

    fts5_api *api = get_fts5_api(s->db);
    void *ctx;
    if (api->xFindTokenizer(api, "unicode61", &ctx, &s->u61) != SQLITE_OK ||
        s->u61.xCreate(ctx, NULL, 0, &s->u61_inst) != SQLITE_OK)
        die("cannot create the unicode61 tokenizer");
    /* The same arguments as tokenize='porter unicode61' in the table. */
    const char *args[] = {"unicode61"};
    if (api->xFindTokenizer(api, "porter", &ctx, &s->porter) != SQLITE_OK ||
        s->porter.xCreate(ctx, args, 1, &s->porter_inst) != SQLITE_OK)
        die("cannot create the porter tokenizer");
}

static void searcher_close(Searcher *s)
{
    s->u61.xDelete(s->u61_inst);
    s->porter.xDelete(s->porter_inst);
    if (sqlite3_finalize(s->search) != SQLITE_OK)
        die_sql(s->db, "finalize search");
    if (sqlite3_close(s->db) != SQLITE_OK)
        die_sql(s->db, "close");
    free(s->surface.buf);
    free(s->surface.off);
    free(s->surface.tlen);
    free(s->stems.buf);
    free(s->stems.off);
    free(s->stems.tlen);
    free(s->slots);
    free(s->match);
}

typedef struct {
    char *qid;
    char *text;
    size_t ntext;
} Query;

/* Hits of one query; the arrays are reused across passes, so after the
 * warm-up the timed pass mostly runs without allocating. */
typedef struct {
    int n, cap;
    double *score;
    size_t *id_off; /* into ids */
    char *ids;
    size_t ids_len, ids_cap;
    int nterms;
    int64_t analysis_ns, search_ns;
} Result;

static void result_add(Result *r, const char *id, size_t idlen, double score)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->score = xrealloc(r->score, (size_t)r->cap * sizeof *r->score);
        r->id_off = xrealloc(r->id_off, (size_t)r->cap * sizeof *r->id_off);
    }
    if (r->ids_len + idlen + 1 > r->ids_cap) {
        r->ids_cap = (r->ids_len + idlen + 1) * 2;
        r->ids = xrealloc(r->ids, r->ids_cap);
    }
    memcpy(r->ids + r->ids_len, id, idlen);
    r->ids[r->ids_len + idlen] = '\0';
    r->id_off[r->n] = r->ids_len;
    r->score[r->n] = score;
    r->ids_len += idlen + 1;
    r->n++;
}

static void run_query(Searcher *s, const Query *q, Result *r, int k)
{
    int64_t t0 = now_ns();
    int nterms = analyse(s, q->text, q->ntext);
    int64_t t1 = now_ns();
    r->n = 0;
    r->ids_len = 0;
    if (nterms > 0) {
        sqlite3_stmt *st = s->search;
        if (sqlite3_bind_text(st, 1, s->match, -1, SQLITE_STATIC) != SQLITE_OK ||
            sqlite3_bind_int(st, 2, k) != SQLITE_OK)
            die_sql(s->db, "bind search");
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            const char *id = (const char *)sqlite3_column_text(st, 0);
            int idlen = sqlite3_column_bytes(st, 0);
            if (!id)
                die("query %s: NULL id in the index", q->qid);
            result_add(r, id, (size_t)idlen, -sqlite3_column_double(st, 1));
        }
        if (rc != SQLITE_DONE)
            die("query %s: %s", q->qid, sqlite3_errmsg(s->db));
        if (sqlite3_reset(st) != SQLITE_OK)
            die("query %s: %s", q->qid, sqlite3_errmsg(s->db));
    }
    int64_t t2 = now_ns();
    r->nterms = nterms;
    r->analysis_ns = t1 - t0;
    r->search_ns = t2 - t1;
}

typedef struct {
    const Query *queries;
    Result *results;
    int nq, k;
    atomic_int next; /* next query to take: threads share the file dynamically */
} Pass;

typedef struct {
    Searcher *s;
    Pass *pass;
} Worker;

static void *worker_main(void *arg)
{
    Worker *w = arg;
    Pass *p = w->pass;
    for (;;) {
        int i = atomic_fetch_add(&p->next, 1);
        if (i >= p->nq)
            break;
        run_query(w->s, &p->queries[i], &p->results[i], p->k);
    }
    return NULL;
}

/* One pass over all queries with NT threads; returns its wall time (s). */
static double run_pass(Searcher *ss, int nt, const Query *qs, Result *rs, int nq, int k)
{
    Pass pass = {.queries = qs, .results = rs, .nq = nq, .k = k};
    atomic_init(&pass.next, 0);
    pthread_t *tid = xmalloc((size_t)nt * sizeof *tid);
    Worker *ws = xmalloc((size_t)nt * sizeof *ws);
    int64_t t0 = now_ns();
    for (int t = 0; t < nt; t++) {
        ws[t] = (Worker){.s = &ss[t], .pass = &pass};
        int e = pthread_create(&tid[t], NULL, worker_main, &ws[t]);
        if (e)
            die("pthread_create: %s", strerror(e));
    }
    for (int t = 0; t < nt; t++)
        pthread_join(tid[t], NULL);
    double secs = (double)(now_ns() - t0) / 1e9;
    free(tid);
    free(ws);
    return secs;
}

/* QUERIES.tsv: QUERY_ID<TAB>TEXT per line; blank lines are skipped. */
static Query *read_queries(const char *path, int *nq_out)
{
    FILE *f = fopen(path, "r");
    if (!f)
        die("%s: %s", path, strerror(errno));
    Query *qs = NULL;
    int nq = 0, cap = 0;
    char *line = NULL;
    size_t line_cap = 0;
    ssize_t len;
    long lineno = 0;
    while ((len = getline(&line, &line_cap, f)) != -1) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0)
            continue;
        char *tab = memchr(line, '\t', (size_t)len);
        if (!tab)
            die("%s:%ld: expected QUERY_ID<TAB>TEXT", path, lineno);
        if (tab == line)
            die("%s:%ld: empty query id", path, lineno);
        if ((size_t)len > INT_MAX)
            die("%s:%ld: query too long", path, lineno);
        *tab = '\0';
        if (nq == cap) {
            cap = cap ? cap * 2 : 256;
            qs = xrealloc(qs, (size_t)cap * sizeof *qs);
        }
        qs[nq].qid = xstrdup(line);
        qs[nq].ntext = (size_t)(line + len - (tab + 1));
        qs[nq].text = xmalloc(qs[nq].ntext + 1);
        memcpy(qs[nq].text, tab + 1, qs[nq].ntext + 1);
        nq++;
    }
    if (ferror(f))
        die("%s: read error", path);
    fclose(f);
    free(line);
    *nq_out = nq;
    return qs;
}

static FILE *open_out(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        die("%s: %s", path, strerror(errno));
    return f;
}

static void close_out(FILE *f, const char *path)
{
    if (ferror(f) | fclose(f))
        die("%s: write error", path);
}

static int cmd_query(int argc, char **argv)
{
    long nthreads = 1, k = 100, warmup = 0;
    const char *mode = "or", *results_path = NULL, *timings_path = NULL;
    const char *pos[2];
    int npos = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--threads") || !strcmp(a, "--k") || !strcmp(a, "--mode") ||
            !strcmp(a, "--warmup") || !strcmp(a, "--results") || !strcmp(a, "--timings")) {
            if (++i >= argc)
                bad_usage("%s needs a value", a);
            const char *v = argv[i];
            if (!strcmp(a, "--threads"))
                nthreads = parse_count(a, v, 1);
            else if (!strcmp(a, "--k"))
                k = parse_count(a, v, 1);
            else if (!strcmp(a, "--warmup"))
                warmup = parse_count(a, v, 0);
            else if (!strcmp(a, "--mode"))
                mode = v;
            else if (!strcmp(a, "--results"))
                results_path = v;
            else
                timings_path = v;
        } else if (a[0] == '-' && a[1]) {
            bad_usage("query: unknown option %s", a);
        } else if (npos < 2) {
            pos[npos++] = a;
        } else {
            bad_usage("query: too many arguments");
        }
    }
    if (npos != 2)
        usage();
    if (strcmp(mode, "or"))
        bad_usage("query: unsupported --mode '%s' (FTS5 has only 'or')", mode);
    const char *dir = pos[0], *queries_path = pos[1];

    int nq;
    Query *qs = read_queries(queries_path, &nq);
    Result *rs = calloc((size_t)nq + 1, sizeof *rs);
    if (!rs)
        die("out of memory");
    /* Open the output files before searching, so a bad path fails early. */
    FILE *fres = results_path ? open_out(results_path) : NULL;
    FILE *ftim = timings_path ? open_out(timings_path) : NULL;

    sqlite_init();
    char *path = db_path(dir);
    struct stat sb;
    if (stat(path, &sb) != 0)
        die("%s: %s", path, strerror(errno));
    int nt = (int)nthreads;
    Searcher *ss = xmalloc((size_t)nt * sizeof *ss);
    for (int t = 0; t < nt; t++)
        searcher_open(&ss[t], path);

    for (long w = 0; w < warmup; w++)
        run_pass(ss, nt, qs, rs, nq, (int)k);
    double secs = run_pass(ss, nt, qs, rs, nq, (int)k);

    for (int i = 0; i < nq; i++) {
        const Result *r = &rs[i];
        if (fres)
            for (int j = 0; j < r->n; j++)
                fprintf(fres, "%s\t%d\t%s\t%.6g\n", qs[i].qid, j + 1, r->ids + r->id_off[j],
                        r->score[j]);
        if (ftim)
            fprintf(ftim, "%s\t%d\t%lld\t%lld\n", qs[i].qid, r->nterms,
                    (long long)((r->analysis_ns + 500) / 1000),
                    (long long)((r->search_ns + 500) / 1000));
    }
    if (fres)
        close_out(fres, results_path);
    if (ftim)
        close_out(ftim, timings_path);

    printf("{\"engine\":\"" ENGINE "\",\"op\":\"query\",\"mode\":\"or\",\"threads\":%d,"
           "\"queries\":%d,\"seconds\":%.6f}\n",
           nt, nq, secs);

    for (int t = 0; t < nt; t++)
        searcher_close(&ss[t]);
    free(ss);
    for (int i = 0; i < nq; i++) {
        free(qs[i].qid);
        free(qs[i].text);
        free(rs[i].score);
        free(rs[i].id_off);
        free(rs[i].ids);
    }
    free(qs);
    free(rs);
    free(path);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        usage();
    if (!strcmp(argv[1], "index"))
        return cmd_index(argc - 2, argv + 2);
    if (!strcmp(argv[1], "query"))
        return cmd_query(argc - 2, argv + 2);
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        fputs("usage: peer-fts5 index [--threads 1] INDEX_DIR DOCS.jsonl\n"
              "       peer-fts5 query [--threads N] [--k K] [--mode or] [--warmup W]\n"
              "                       [--results FILE] [--timings FILE] INDEX_DIR QUERIES.tsv\n",
              stdout);
        return 0;
    }
    bad_usage("unknown command '%s'", argv[1]);
    return 2;
}
