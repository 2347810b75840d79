/* Search: the pruned engine returns exactly the exhaustive top k (ids,
 * order and scores) for hundreds of random keyword and document queries;
 * filters never let a failing document through and lose none that pass;
 * segments and deletions do not change results; known items are found. */
#include <criterion/criterion.h>
#include <unistd.h>

#include "patsift/index.h"
#include "patsift/search.h"
#include "test_helpers.h"

static char dir[] = "/tmp/patsift-search-XXXXXX";

typedef struct corpus {
    ps_record **r;
    size_t n, cap;
} corpus;

static void corpus_add(corpus *c, const ps_record *r)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 256;
        c->r = realloc(c->r, c->cap * sizeof *c->r);
        cr_assert_not_null(c->r);
    }
    c->r[c->n] = ps_record_clone(r);
    cr_assert_not_null(c->r[c->n]);
    c->n++;
}

static void corpus_read(corpus *c, const char *path, size_t limit)
{
    ps_reader *rd;
    ps_reader_create(NULL, &rd);
    cr_assert_eq(ps_reader_add_path(rd, path), PS_OK);
    const ps_record *rec;
    while ((limit == 0 || c->n < limit) && ps_reader_next(rd, &rec) == PS_OK)
        corpus_add(c, rec);
    ps_reader_free(rd);
}

static void corpus_free(corpus *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->r[i]);
    free(c->r);
}

/* The sample corpus five times over, each copy with its own ids and a
 * different mix of fields, so terms span several blocks and scores tie. */
static void sample_x5(corpus *c)
{
    corpus base = { 0 };
    corpus_read(&base, "corpus/sample/patents.jsonl", 0);
    for (int copy = 0; copy < 5; copy++)
        for (size_t i = 0; i < base.n; i++) {
            ps_record r = *base.r[i];
            char id[64];
            snprintf(id, sizeof id, "%s-%d", r.id, copy);
            r.id = id;
            if (copy == 1)
                r.n_claims = 0;
            if (copy == 2)
                r.abstract = "";
            if (copy == 3 && r.n_claims > 1)
                r.n_claims = 1;
            corpus_add(c, &r);
        }
    corpus_free(&base);
}

static void build_from(const char *d, corpus *c, size_t from, size_t to, bool append)
{
    ps_index_opts o = { .threads = 2 };
    ps_index_writer *w;
    char err[1024];
    cr_assert_eq(ps_index_writer_open(d, &o, append, &w, err, sizeof err), PS_OK, "%s", err);
    for (size_t i = from; i < to; i++)
        cr_assert_eq(ps_index_writer_add(w, c->r[i]), PS_OK);
    cr_assert_eq(ps_index_writer_commit(w), PS_OK, "%s", ps_index_writer_errmsg(w));
    ps_index_writer_free(w);
}

static ps_index *open_ix(const char *d)
{
    ps_index *ix;
    char err[1024];
    cr_assert_eq(ps_index_open(d, &ix, err, sizeof err), PS_OK, "%s", err);
    return ix;
}

static void setup(void)
{
    cr_assert_not_null(mkdtemp(dir));
    rmdir(dir);
}

static void teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s-b'", dir, dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(search, .init = setup, .fini = teardown);

/* 1 to 4 words picked from a random record's title and abstract. */
static void random_keywords(const corpus *c, unsigned *seed, char *out, size_t cap)
{
    const ps_record *r = c->r[(size_t)rand_r(seed) % c->n];
    char text[4096];
    snprintf(text, sizeof text, "%s %s", r->title, r->abstract);
    char *words[512];
    size_t n = 0;
    for (char *save, *w = strtok_r(text, " ,.;:()", &save); w && n < 512; w = strtok_r(NULL, " ,.;:()", &save))
        words[n++] = w;
    out[0] = 0;
    int want = 1 + rand_r(seed) % 4;
    size_t len = 0;
    for (int i = 0; i < want && n && len < cap; i++) {
        int w = snprintf(out + len, cap - len, "%s ", words[(size_t)rand_r(seed) % n]);
        len += w > 0 ? (size_t)w : 0;
    }
}

typedef struct result {
    uint64_t ordinal[200];
    int64_t fixed[200];
    size_t n;
} result;

static void run(ps_searcher *s, const ps_query *q, ps_search_opts o, bool exhaustive, result *out)
{
    o.exhaustive = exhaustive;
    const ps_hit *h;
    size_t n;
    cr_assert_eq(ps_search(s, q, &o, &h, &n), PS_OK);
    cr_assert_leq(n, 200);
    out->n = n;
    for (size_t i = 0; i < n; i++) {
        out->ordinal[i] = h[i].ordinal;
        out->fixed[i] = h[i].fixed;
        if (i)
            cr_assert(h[i - 1].fixed > h[i].fixed || (h[i - 1].fixed == h[i].fixed && h[i - 1].ordinal < h[i].ordinal),
                      "hits out of order at rank %zu", i + 1);
    }
}

static void same(const result *a, const result *b, const char *what)
{
    cr_assert_eq(a->n, b->n, "%s: %zu hits pruned, %zu exhaustive", what, a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        cr_assert_eq(a->ordinal[i], b->ordinal[i], "%s: rank %zu differs", what, i + 1);
        cr_assert_eq(a->fixed[i], b->fixed[i], "%s: score at rank %zu differs", what, i + 1);
    }
}

/* Keyword and document queries at k = 1, 10, 100: pruned == exhaustive. */
static void maxscore_equals_exhaustive(corpus *c, int keyword_queries, int doc_queries)
{
    ps_index *ix = open_ix(dir);
    ps_searcher *s;
    cr_assert_eq(ps_searcher_create(ix, &s), PS_OK);
    unsigned seed = 12345;
    static const size_t ks[] = { 1, 10, 100 };
    uint64_t pruned = 0;
    for (int i = 0; i < keyword_queries + doc_queries; i++) {
        ps_query q;
        char text[1024];
        if (i < keyword_queries) {
            random_keywords(c, &seed, text, sizeof text);
            cr_assert_eq(ps_query_from_text(s, text, &q), PS_OK);
        } else {
            const ps_record *r = c->r[(size_t)rand_r(&seed) % c->n];
            snprintf(text, sizeof text, "document %s", r->id);
            cr_assert_eq(ps_query_from_record(s, r, 10 + (size_t)rand_r(&seed) % 60, &q), PS_OK);
        }
        ps_search_opts o = { .k = ks[i % 3], .all_terms = i % 7 == 0 && i < keyword_queries };
        result a, b;
        run(s, &q, o, false, &a);
        ps_search_stats st;
        ps_searcher_stats(s, &st);
        pruned += st.docs_pruned;
        run(s, &q, o, true, &b);
        same(&a, &b, text);
        ps_query_free(&q);
    }
    cr_assert_gt(pruned, 0, "block-max bounds never dropped a candidate: the pruning is not exercised");
    ps_searcher_free(s);
    ps_index_close(ix);
}

Test(search, maxscore_equals_exhaustive_on_the_sample_corpus)
{
    corpus c = { 0 };
    sample_x5(&c);
    build_from(dir, &c, 0, c.n, false);
    maxscore_equals_exhaustive(&c, 300, 100);
    corpus_free(&c);
}

Test(search, maxscore_equals_exhaustive_on_real_abstracts)
{
    const char *data = shared_data();
    if (!data)
        cr_skip_test("../shared/data is absent");
    char path[1024];
    snprintf(path, sizeof path, "%s/patentsview-abstracts.jsonl", data);
    corpus c = { 0 };
    corpus_read(&c, path, 0);
    build_from(dir, &c, 0, c.n, false);
    maxscore_equals_exhaustive(&c, 300, 100);
    corpus_free(&c);
}

static int32_t day_of(const ps_record *r)
{
    return r->publication_date ? r->publication_date : r->filing_date;
}

static bool cpc_match(const ps_record *r, const char *prefix)
{
    for (size_t i = 0; i < r->cpc.count; i++) {
        char a[64], *p = a;
        for (const char *s = r->cpc.items[i]; *s && p < a + 63; s++)
            if (*s != ' ')
                *p++ = *s;
        *p = 0;
        if (strncmp(a, prefix, strlen(prefix)) == 0)
            return true;
    }
    return false;
}

/* The test's own reading of the filters, to check the engine's. */
static bool passes(const ps_record *r, const ps_search_opts *o)
{
    int32_t d = day_of(r);
    if (d && o->before && d >= o->before)
        return false;
    if (d && o->after && d < o->after)
        return false;
    if (o->n_cpc && !cpc_match(r, o->cpc[0]))
        return false;
    if (o->kind && strcmp(r->kind, o->kind) != 0)
        return false;
    return true;
}

Test(search, filters_keep_exactly_the_documents_that_pass)
{
    corpus c = { 0 };
    sample_x5(&c);
    build_from(dir, &c, 0, c.n, false);
    ps_index *ix = open_ix(dir);
    ps_searcher *s;
    cr_assert_eq(ps_searcher_create(ix, &s), PS_OK);
    unsigned seed = 777;
    static const char *cpcs[] = { "A61", "C02F", "H01M", "G06F", "B", "H04L29" };
    static const char *kinds[] = { "B2", "A1", "B1" };
    int checked = 0;
    for (int i = 0; i < 300; i++) {
        char text[1024];
        ps_query q;
        if (i % 2) {
            random_keywords(&c, &seed, text, sizeof text);
            cr_assert_eq(ps_query_from_text(s, text, &q), PS_OK);
        } else { /* long queries take the term-at-a-time engine */
            const ps_record *r = c.r[(size_t)rand_r(&seed) % c.n];
            snprintf(text, sizeof text, "document %s", r->id);
            cr_assert_eq(ps_query_from_record(s, r, 0, &q), PS_OK);
        }
        /* every document that matches any term, unfiltered */
        ps_search_opts all = { .k = c.n, .exhaustive = true };
        const ps_hit *h;
        size_t n;
        cr_assert_eq(ps_search(s, &q, &all, &h, &n), PS_OK);
        ps_hit *every = malloc((n ? n : 1) * sizeof *every);
        memcpy(every, h, n * sizeof *h);
        size_t n_every = n;
        ps_search_opts o = { .k = 1 + (size_t)rand_r(&seed) % 30 };
        const char *cpc[1];
        if (rand_r(&seed) % 2)
            o.before = 20000101 + (rand_r(&seed) % 27) * 10000 + (rand_r(&seed) % 12) * 100;
        if (rand_r(&seed) % 3 == 0)
            o.after = 19950101 + (rand_r(&seed) % 25) * 10000;
        if (rand_r(&seed) % 2) {
            cpc[0] = cpcs[rand_r(&seed) % 6];
            o.cpc = cpc;
            o.n_cpc = 1;
        }
        if (rand_r(&seed) % 4 == 0)
            o.kind = kinds[rand_r(&seed) % 3];
        cr_assert_eq(ps_search(s, &q, &o, &h, &n), PS_OK);
        /* expected: the unfiltered ranking with the failing documents taken out */
        size_t want = 0;
        for (size_t j = 0; j < n_every && want < o.k; j++) {
            ps_record *r;
            cr_assert_eq(ps_hit_record(ix, &every[j], &r), PS_OK);
            if (passes(r, &o)) {
                cr_assert_lt(want, n, "query '%s': a passing document is missing", text);
                cr_assert_eq(h[want].ordinal, every[j].ordinal, "query '%s': rank %zu differs", text, want + 1);
                cr_assert_eq(h[want].fixed, every[j].fixed);
                want++;
                checked++;
            }
            free(r);
        }
        cr_assert_eq(n, want, "query '%s': %zu hits, %zu pass the filters", text, n, want);
        free(every);
        ps_query_free(&q);
    }
    cr_assert_gt(checked, 1000);
    ps_searcher_free(s);
    ps_index_close(ix);
    corpus_free(&c);
}

/* Three appended segments give the same hits and scores as one merged
 * segment, and a replaced document is never returned. */
Test(search, segments_and_replacements_do_not_change_results)
{
    corpus c = { 0 };
    sample_x5(&c);
    build_from(dir, &c, 0, 400, false);
    build_from(dir, &c, 400, 700, true);
    build_from(dir, &c, 700, c.n, true);
    char merged[64];
    snprintf(merged, sizeof merged, "%s-b", dir);
    build_from(merged, &c, 0, c.n, false);
    ps_index *a = open_ix(dir), *b = open_ix(merged);
    ps_index_info ia;
    ps_index_info_get(a, &ia);
    cr_assert_eq(ia.segments, 3);
    ps_searcher *sa, *sb;
    cr_assert_eq(ps_searcher_create(a, &sa), PS_OK);
    cr_assert_eq(ps_searcher_create(b, &sb), PS_OK);
    unsigned seed = 99;
    for (int i = 0; i < 100; i++) {
        char text[1024];
        random_keywords(&c, &seed, text, sizeof text);
        ps_query qa, qb;
        cr_assert_eq(ps_query_from_text(sa, text, &qa), PS_OK);
        cr_assert_eq(ps_query_from_text(sb, text, &qb), PS_OK);
        ps_search_opts o = { .k = 50 };
        result ra, rb;
        run(sa, &qa, o, false, &ra);
        run(sb, &qb, o, false, &rb);
        same(&ra, &rb, text);
        ps_query_free(&qa);
        ps_query_free(&qb);
    }
    ps_searcher_free(sa);
    ps_searcher_free(sb);
    ps_index_close(b);
    /* replace the first 50 documents with versions that say only "zyxwvut" */
    ps_index_writer *w;
    char err[1024];
    ps_index_close(a);
    cr_assert_eq(ps_index_writer_open(dir, NULL, true, &w, err, sizeof err), PS_OK, "%s", err);
    for (size_t i = 0; i < 50; i++) {
        ps_record r = *c.r[i];
        r.title = "zyxwvut";
        r.abstract = "";
        r.n_claims = 0;
        cr_assert_eq(ps_index_writer_add(w, &r), PS_OK);
    }
    cr_assert_eq(ps_index_writer_commit(w), PS_OK);
    ps_index_writer_free(w);
    a = open_ix(dir);
    cr_assert_eq(ps_searcher_create(a, &sa), PS_OK);
    for (size_t i = 0; i < 50; i++) {
        ps_query q;
        cr_assert_eq(ps_query_from_record(sa, c.r[i], 0, &q), PS_OK);
        ps_search_opts o = { .k = c.n };
        const ps_hit *h;
        size_t n;
        cr_assert_eq(ps_search(sa, &q, &o, &h, &n), PS_OK);
        for (size_t j = 0; j < n; j++)
            cr_assert(strcmp(ps_hit_id(a, &h[j]), c.r[i]->id) != 0 || h[j].seg == 3,
                      "the replaced %s was returned", c.r[i]->id);
        ps_query_free(&q);
    }
    ps_query q;
    cr_assert_eq(ps_query_from_text(sa, "zyxwvut", &q), PS_OK);
    ps_search_opts o = { .k = 100 };
    const ps_hit *h;
    size_t n;
    cr_assert_eq(ps_search(sa, &q, &o, &h, &n), PS_OK);
    cr_assert_eq(n, 50);
    ps_query_free(&q);
    ps_searcher_free(sa);
    ps_index_close(a);
    corpus_free(&c);
}

/* Known items: each real USPTO grant, queried by its claims, against an
 * index of title + abstract of every shared document. Only "far above
 * chance" is asserted; the benchmark records the figures. */
Test(search, claims_find_their_own_grant)
{
    const char *data = shared_data();
    if (!data)
        cr_skip_test("../shared/data is absent");
    char path[1024];
    corpus c = { 0 };
    snprintf(path, sizeof path, "%s/patentsview-abstracts.jsonl", data);
    corpus_read(&c, path, 0);
    size_t grants_from = c.n;
    snprintf(path, sizeof path, "%s/uspto-xml", data);
    corpus_read(&c, path, 0);
    size_t n_grants = c.n - grants_from;
    cr_assert_gt(n_grants, 100);
    ps_index_opts io = { .threads = 2, .weight = { 1, 1, 0, 0 } };
    ps_index_writer *w;
    char err[1024];
    cr_assert_eq(ps_index_writer_open(dir, &io, false, &w, err, sizeof err), PS_OK, "%s", err);
    for (size_t i = 0; i < c.n; i++)
        cr_assert_eq(ps_index_writer_add(w, c.r[i]), PS_OK);
    cr_assert_eq(ps_index_writer_commit(w), PS_OK);
    ps_index_writer_free(w);
    ps_index *ix = open_ix(dir);
    ps_searcher *s;
    cr_assert_eq(ps_searcher_create(ix, &s), PS_OK);
    ps_index_info info;
    ps_index_info_get(ix, &info);
    size_t queries = 0, top10 = 0;
    for (size_t i = grants_from; i < c.n; i++) {
        const ps_record *g = c.r[i];
        if (g->n_claims == 0 || strncmp(g->kind, "B", 1) != 0)
            continue; /* utility grants only */
        ps_record claims = { .id = "", .kind = "", .title = "", .abstract = "", .description = "",
                             .claims = g->claims, .n_claims = g->n_claims, .source = "" };
        ps_query q;
        cr_assert_eq(ps_query_from_record(s, &claims, 0, &q), PS_OK);
        ps_search_opts o = { .k = 10 };
        const ps_hit *h;
        size_t n;
        cr_assert_eq(ps_search(s, &q, &o, &h, &n), PS_OK);
        for (size_t j = 0; j < n; j++)
            if (strcmp(ps_hit_id(ix, &h[j]), g->id) == 0) {
                top10++;
                break;
            }
        queries++;
        ps_query_free(&q);
    }
    cr_assert_gt(queries, 50);
    /* chance would put the right grant in the top 10 for 10 / docs of the queries */
    double chance = 10.0 / (double)info.docs;
    cr_assert_gt((double)top10 / (double)queries, 100 * chance, "%zu of %zu in the top 10", top10, queries);
    cr_assert_gt((double)top10 / (double)queries, 0.5, "%zu of %zu in the top 10", top10, queries);
    ps_searcher_free(s);
    ps_index_close(ix);
    corpus_free(&c);
}
