/* Near-duplicates: dedup finds the bundled corpus's planted pairs and only
 * pairs that really are that similar (checked against shingle sets built
 * here from the reader's records), across segments too; similar finds a
 * document's partner; deleted documents never appear. */
#include <criterion/criterion.h>
#include <unistd.h>
#include <xxhash.h>

#include "patsift/dedup.h"
#include "patsift/index.h"
#include "sketch/minhash.h"
#include "test_helpers.h"

static char dir[] = "/tmp/patsift-dedup-XXXXXX";

static void setup(void)
{
    cr_assert_not_null(mkdtemp(dir));
    rmdir(dir);
}

static void teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(dedup, .init = setup, .fini = teardown);

/* Indexes the bundled patents and pending applications; from 0 the first
 * `split` records go in one build, the rest in an append (a second segment). */
static void build(size_t split)
{
    static const char *files[] = { "corpus/sample/patents.jsonl", "corpus/sample/pending.jsonl" };
    ps_index_writer *w = NULL;
    char err[1024];
    size_t n = 0;
    bool appended = false;
    cr_assert_eq(ps_index_writer_open(dir, NULL, false, &w, err, sizeof err), PS_OK, "%s", err);
    for (int f = 0; f < 2; f++) {
        ps_reader *r;
        ps_reader_create(NULL, &r);
        cr_assert_eq(ps_reader_add_path(r, files[f]), PS_OK);
        const ps_record *rec;
        while (ps_reader_next(r, &rec) == PS_OK) {
            if (split && n == split && !appended) {
                cr_assert_eq(ps_index_writer_commit(w), PS_OK);
                ps_index_writer_free(w);
                cr_assert_eq(ps_index_writer_open(dir, NULL, true, &w, err, sizeof err), PS_OK, "%s", err);
                appended = true;
            }
            cr_assert_eq(ps_index_writer_add(w, rec), PS_OK);
            n++;
        }
        ps_reader_free(r);
    }
    cr_assert_eq(ps_index_writer_commit(w), PS_OK);
    ps_index_writer_free(w);
}

typedef struct truth {
    char a[64][32], b[64][32];
    int n;
} truth;

static void read_truth(truth *t)
{
    FILE *f = fopen("corpus/sample/near-duplicates.tsv", "r");
    cr_assert_not_null(f);
    char line[1024];
    t->n = 0;
    cr_assert_not_null(fgets(line, sizeof line, f)); /* header */
    while (fgets(line, sizeof line, f) && t->n < 64) {
        cr_assert_eq(sscanf(line, "%31s\t%31s", t->a[t->n], t->b[t->n]), 2);
        t->n++;
    }
    fclose(f);
    cr_assert_gt(t->n, 10);
}

/* The exact shingle Jaccard of two records of the corpus, computed here. */
static int tok(const ps_token *t, void *ctx)
{
    ps_shingle_set_token(ctx, t->field, XXH3_64bits(t->term, t->len));
    return 0;
}

static double exact_between(const char *ida, const char *idb)
{
    ps_mh_params p;
    ps_mh_defaults(&p);
    ps_analyzer *an;
    cr_assert_eq(ps_analyzer_create(NULL, &an), PS_OK);
    ps_shingle_set s[2];
    memset(s, 0, sizeof s);
    const char *want[2] = { ida, idb };
    for (int k = 0; k < 2; k++) {
        ps_reader *r;
        ps_reader_create(NULL, &r);
        ps_reader_add_path(r, "corpus/sample/patents.jsonl");
        ps_reader_add_path(r, "corpus/sample/pending.jsonl");
        const ps_record *rec;
        bool found = false;
        while (!found && ps_reader_next(r, &rec) == PS_OK)
            if (strcmp(rec->id, want[k]) == 0) {
                ps_shingle_set_begin(&s[k], &p);
                ps_analyze_record(an, rec, tok, &s[k]);
                ps_shingle_set_end(&s[k]);
                found = true;
            }
        cr_assert(found, "%s not in the corpus", want[k]);
        ps_reader_free(r);
    }
    double j = ps_jaccard_exact(s[0].h, s[0].n, s[1].h, s[1].n);
    ps_shingle_set_free(&s[0]);
    ps_shingle_set_free(&s[1]);
    ps_analyzer_free(an);
    return j;
}

static bool is_planted(const truth *t, const char *a, const char *b)
{
    for (int i = 0; i < t->n; i++)
        if ((!strcmp(t->a[i], a) && !strcmp(t->b[i], b)) || (!strcmp(t->a[i], b) && !strcmp(t->b[i], a)))
            return true;
    return false;
}

static void planted_pairs_found(size_t split)
{
    build(split);
    truth t;
    read_truth(&t);
    ps_index *ix;
    char err[1024];
    cr_assert_eq(ps_index_open(dir, &ix, err, sizeof err), PS_OK, "%s", err);
    ps_dedup_opts o = { .threshold = 0.5, .exact = true };
    ps_dup_pair *p;
    size_t n;
    ps_dedup_stats st;
    cr_assert_eq(ps_dedup(ix, &o, &p, &n, &st, err, sizeof err), PS_OK, "%s", err);
    int planted = 0;
    for (size_t i = 0; i < n; i++) {
        const char *a = ps_dup_id(ix, p[i].seg_a, p[i].doc_a), *b = ps_dup_id(ix, p[i].seg_b, p[i].doc_b);
        double j = exact_between(a, b);
        cr_assert_float_eq(p[i].exact, j, 1e-12, "%s %s", a, b);
        cr_assert_geq(j, 0.5, "%s %s reported at exact %.3f", a, b, j);
        planted += is_planted(&t, a, b);
        if (i)
            cr_assert_geq(p[i - 1].exact, p[i].exact, "most similar first");
    }
    cr_assert_eq(planted, t.n, "%d of %d planted pairs found", planted, t.n);
    free(p);
    /* estimated verification at 0.8: every pair reported has estimate >= 0.8 */
    o = (ps_dedup_opts){ .threshold = 0.8 };
    cr_assert_eq(ps_dedup(ix, &o, &p, &n, &st, err, sizeof err), PS_OK);
    cr_assert_gt(n, 5);
    for (size_t i = 0; i < n; i++)
        cr_assert_geq(p[i].estimate, 0.8);
    free(p);
    ps_index_close(ix);
}

Test(dedup, planted_pairs_found_and_nothing_dissimilar)
{
    planted_pairs_found(0);
}

Test(dedup, pairs_across_segments_are_found)
{
    planted_pairs_found(100);
}

Test(dedup, similar_finds_the_partner_and_skips_deleted_documents)
{
    build(0);
    truth t;
    read_truth(&t);
    ps_index *ix;
    char err[1024];
    cr_assert_eq(ps_index_open(dir, &ix, err, sizeof err), PS_OK, "%s", err);
    ps_record *r;
    cr_assert_eq(ps_index_get(ix, t.a[1], &r), PS_OK);
    ps_dedup_opts o = { .threshold = 0.6 };
    ps_dup_pair *p;
    size_t n;
    cr_assert_eq(ps_similar(ix, r, &o, t.a[1], &p, &n, err, sizeof err), PS_OK, "%s", err);
    cr_assert_geq(n, 1);
    cr_assert_str_eq(ps_dup_id(ix, p[0].seg_b, p[0].doc_b), t.b[1]);
    free(p);
    ps_index_close(ix);
    /* replace the partner with unrelated text: it must disappear */
    ps_index_writer *w;
    cr_assert_eq(ps_index_writer_open(dir, NULL, true, &w, err, sizeof err), PS_OK);
    ps_record other = { .id = t.b[1], .kind = "B2", .title = "Unrelated", .abstract = "Nothing alike at all here.",
                        .description = "", .source = "" };
    cr_assert_eq(ps_index_writer_add(w, &other), PS_OK);
    cr_assert_eq(ps_index_writer_commit(w), PS_OK);
    ps_index_writer_free(w);
    cr_assert_eq(ps_index_open(dir, &ix, err, sizeof err), PS_OK, "%s", err);
    cr_assert_eq(ps_similar(ix, r, &o, t.a[1], &p, &n, err, sizeof err), PS_OK);
    for (size_t i = 0; i < n; i++)
        cr_assert_str_neq(ps_dup_id(ix, p[i].seg_b, p[i].doc_b), t.b[1]);
    free(p);
    ps_dedup_stats st;
    cr_assert_eq(ps_dedup(ix, &o, &p, &n, &st, err, sizeof err), PS_OK);
    for (size_t i = 0; i < n; i++) {
        const char *a = ps_dup_id(ix, p[i].seg_a, p[i].doc_a), *b = ps_dup_id(ix, p[i].seg_b, p[i].doc_b);
        cr_assert(!(strcmp(a, t.a[1]) == 0 && strcmp(b, t.b[1]) == 0) && !(strcmp(b, t.a[1]) == 0 && strcmp(a, t.b[1]) == 0),
                  "the replaced document still pairs");
    }
    free(p);
    free(r);
    ps_index_close(ix);
}
