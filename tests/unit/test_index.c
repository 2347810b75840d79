/* The index end to end: build from the bundled corpus, read back every
 * term's postings and positions and every stored record, and compare with
 * what the analyser and the reader produce; damaged files give errors,
 * never crashes. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdarg.h>
#include <unistd.h>

#include "common/strmap.h"
#include "common/varint.h"
#include "index/positions_codec.h"
#include "index/postings_codec.h"
#include "index/index_access.h"
#include "index/segment.h"
#include "sketch/minhash.h"
#include <xxhash.h>
#include "patsift/index.h"
#include "test_helpers.h"

static char dir[] = "/tmp/patsift-index-XXXXXX";
static const char *corpus = "corpus/sample/patents.jsonl";

static void build(int threads)
{
    ps_index_opts o = { .threads = threads };
    ps_index_writer *w;
    char err[1024];
    cr_assert_eq(ps_index_writer_open(dir, &o, false, &w, err, sizeof err), PS_OK, "%s", err);
    ps_reader *r;
    ps_reader_create(NULL, &r);
    cr_assert_eq(ps_reader_add_path(r, corpus), PS_OK);
    const ps_record *rec;
    while (ps_reader_next(r, &rec) == PS_OK)
        cr_assert_eq(ps_index_writer_add(w, rec), PS_OK);
    cr_assert_eq(ps_index_writer_commit(w), PS_OK, "%s", ps_index_writer_errmsg(w));
    ps_index_writer_free(w);
    ps_reader_free(r);
}

static void setup(void)
{
    cr_assert_not_null(mkdtemp(dir));
    rmdir(dir); /* the writer creates it */
}

static void teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(index, .init = setup, .fini = teardown);

/* Expected postings: per term, a text of "doc:wtf:p1,p2;" entries. */
typedef struct oracle {
    ps_strmap map;
    ps_buf *lists;
    size_t n_lists, cap;
    uint32_t doc;
    int32_t last_pos;
} oracle;

static const uint32_t weight[PS_FIELD_COUNT] = { PS_WEIGHT_TITLE, PS_WEIGHT_ABSTRACT, PS_WEIGHT_CLAIMS,
                                                  PS_WEIGHT_DESCRIPTION };

/* per document: term -> (wtf, positions) gathered first, then appended */
typedef struct docacc {
    ps_strmap terms;
    ps_buf pos[8192];
    size_t n;
} docacc;

static int on_tok(const ps_token *t, void *ctx)
{
    docacc *d = ctx;
    ps_strmap_entry *e = ps_strmap_get(&d->terms, t->term, t->len);
    cr_assert_not_null(e);
    if (!e->stamp) {
        cr_assert_lt(d->n, 8192);
        e->stamp = ++d->n;
    }
    e->a += weight[t->field];
    ps_buf *p = &d->pos[e->stamp - 1];
    char num[16];
    int k = snprintf(num, sizeof num, "%s%u", p->len ? "," : "", t->position);
    ps_buf_append(p, num, (size_t)k);
    return 0;
}

static void add_doc(oracle *o, ps_analyzer *a, const ps_record *r)
{
    docacc *d = calloc(1, sizeof *d);
    ps_analyze_record(a, r, on_tok, d);
    for (size_t i = 0; d->terms.slot && i <= d->terms.mask; i++) {
        ps_strmap_entry *e = &d->terms.slot[i];
        if (!e->key)
            continue;
        ps_strmap_entry *g = ps_strmap_get(&o->map, e->key, e->len);
        if (!g->stamp) {
            if (o->n_lists == o->cap) {
                o->cap = o->cap ? o->cap * 2 : 1024;
                o->lists = realloc(o->lists, o->cap * sizeof *o->lists);
            }
            memset(&o->lists[o->n_lists], 0, sizeof *o->lists);
            g->stamp = ++o->n_lists;
        }
        g->a++; /* df */
        char head[48];
        int k = snprintf(head, sizeof head, "%u:%llu:", o->doc, (unsigned long long)e->a);
        ps_buf *l = &o->lists[g->stamp - 1];
        ps_buf_append(l, head, (size_t)k);
        ps_buf_append(l, d->pos[e->stamp - 1].data, d->pos[e->stamp - 1].len);
        ps_buf_putc(l, ';');
    }
    for (size_t i = 0; i < d->n; i++)
        ps_buf_free(&d->pos[i]);
    ps_strmap_free(&d->terms);
    free(d);
    o->doc++;
}

static void compare_with_oracle(void)
{
    oracle o = { 0 };
    ps_analyzer *a;
    cr_assert_eq(ps_analyzer_create(NULL, &a), PS_OK);
    ps_reader *r;
    ps_reader_create(NULL, &r);
    ps_reader_add_path(r, corpus);
    const ps_record *rec;
    while (ps_reader_next(r, &rec) == PS_OK)
        add_doc(&o, a, rec);
    ps_reader_free(r);
    ps_analyzer_free(a);

    ps_manifest mf;
    char err[1024];
    cr_assert_eq(ps_manifest_read(dir, &mf, err, sizeof err), PS_OK, "%s", err);
    cr_assert_eq(mf.n_segs, 1);
    ps_segment s;
    cr_assert_eq(ps_segment_open(&s, dir, &mf.segs[0], err, sizeof err), PS_OK, "%s", err);
    cr_assert_eq(s.n_docs, o.doc);
    cr_assert_eq(s.n_terms, o.map.n, "every analysed term is in the lexicon, and no other");
    uint32_t docs[PS_BLOCK_SIZE], tfs[PS_BLOCK_SIZE], counts[PS_BLOCK_SIZE];
    ps_buf got = { 0 };
    for (uint64_t t = 0; t < s.n_terms; t++) {
        const char *term;
        uint32_t len, df;
        ps_segment_term(&s, t, &term, &len, &df);
        ps_strmap_entry *e = ps_strmap_get(&o.map, term, len);
        cr_assert(e && e->stamp, "term %.*s not produced by the analyser", (int)len, term);
        cr_assert_eq(df, e->a, "df of %.*s", (int)len, term);
        ps_seg_postings it;
        cr_assert_eq(ps_seg_postings_init(&s, t, &it), PS_OK);
        ps_buf_reset(&got);
        int n;
        uint32_t mw, ml, po;
        while ((n = ps_seg_postings_next(&it, docs, tfs, counts, &mw, &ml, &po)) > 0) {
            ps_pos_cursor pc;
            cr_assert_eq(ps_pos_block_start(&pc, it.pos + po, it.pos_end, (uint32_t)n, counts), 0);
            for (int i = 0; i < n; i++) {
                char head[48];
                int k = snprintf(head, sizeof head, "%u:%u:", docs[i], tfs[i]);
                ps_buf_append(&got, head, (size_t)k);
                uint32_t cnt, p[4096];
                cr_assert_eq(ps_pos_next_doc(&pc, p, 4096, &cnt), 0);
                cr_assert_leq(cnt, 4096);
                for (uint32_t j = 0; j < cnt; j++) {
                    k = snprintf(head, sizeof head, "%s%u", j ? "," : "", p[j]);
                    ps_buf_append(&got, head, (size_t)k);
                }
                ps_buf_putc(&got, ';');
            }
        }
        cr_assert_eq(n, 0);
        ps_buf *want = &o.lists[e->stamp - 1];
        cr_assert(got.len == want->len && memcmp(got.data, want->data, got.len) == 0,
                  "postings of %.*s:\n got  %.200s\n want %.200s", (int)len, term, ps_buf_cstr(&got),
                  ps_buf_cstr(want));
    }
    ps_buf_free(&got);
    ps_segment_close(&s);
    ps_manifest_free(&mf);
    for (size_t i = 0; i < o.n_lists; i++)
        ps_buf_free(&o.lists[i]);
    free(o.lists);
    ps_strmap_free(&o.map);
}

Test(index, postings_and_positions_equal_the_analyser_output_1_thread)
{
    build(1);
    compare_with_oracle();
}

Test(index, postings_and_positions_equal_the_analyser_output_2_threads)
{
    build(2);
    compare_with_oracle();
}

Test(index, stored_records_equal_the_reader_output)
{
    build(2);
    ps_index *ix;
    char err[1024];
    cr_assert_eq(ps_index_open(dir, &ix, err, sizeof err), PS_OK, "%s", err);
    ps_reader *r;
    ps_reader_create(NULL, &r);
    ps_reader_add_path(r, corpus);
    const ps_record *rec;
    int n = 0;
    while (ps_reader_next(r, &rec) == PS_OK) {
        ps_record want = *rec;
        want.description = ""; /* not stored by default */
        char *a = ps_record_to_json(&want);
        ps_record *got;
        cr_assert_eq(ps_index_get(ix, rec->id, &got), PS_OK, "%s", rec->id);
        char *b = ps_record_to_json(got);
        cr_assert_str_eq(b, a);
        cr_assert_str_eq(got->source, rec->source);
        free(a);
        free(b);
        free(got);
        n++;
    }
    cr_assert_eq(n, 200);
    ps_record *none;
    cr_assert_eq(ps_index_get(ix, "US0000000", &none), PS_END);
    cr_assert_eq(ps_index_check(ix, err, sizeof err), PS_OK, "%s", err);
    ps_index_info in;
    ps_index_info_get(ix, &in);
    cr_assert_eq(in.docs, 200);
    cr_assert_eq(in.by_entity[PS_ENTITY_MICRO] + in.by_entity[PS_ENTITY_SMALL] + in.by_entity[PS_ENTITY_LARGE] +
                     in.by_entity[PS_ENTITY_UNKNOWN], 200);
    ps_index_close(ix);
    ps_reader_free(r);
}

/* Each stored signature equals the one-permutation sketch of an
 * independent pass of the analyser over the record; the band tables pass
 * the full check. */
static int sh_tok(const ps_token *t, void *ctx)
{
    ps_shingler_token(ctx, t->field, XXH3_64bits(t->term, t->len));
    return 0;
}

static void check_signatures(void)
{
    ps_index *ix;
    char err[1024];
    cr_assert_eq(ps_index_open(dir, &ix, err, sizeof err), PS_OK, "%s", err);
    const ps_segment *seg = ps_index_segment(ix, 0);
    ps_mh_params p;
    ps_mh_defaults(&p);
    cr_assert_eq(memcmp(&seg->mh, &p, sizeof p), 0, "the default settings are stored");
    ps_analyzer *a;
    cr_assert_eq(ps_analyzer_create(NULL, &a), PS_OK);
    ps_reader *r;
    ps_reader_create(NULL, &r);
    ps_reader_add_path(r, corpus);
    const ps_record *rec;
    uint32_t d = 0, with_text = 0;
    while (ps_reader_next(r, &rec) == PS_OK) {
        uint32_t sig[PS_MH_MAX_K];
        ps_shingler sh;
        ps_shingler_begin(&sh, &p, sig);
        ps_analyze_record(a, rec, sh_tok, &sh);
        uint32_t n = ps_shingler_end(&sh);
        cr_assert_str_eq(ps_segment_doc_id(seg, d), rec->id);
        cr_assert_eq(ps_segment_shingles(seg, d), n, "%s", rec->id);
        const uint8_t *le = ps_segment_sig(seg, d);
        for (uint32_t i = 0; i < p.k; i++)
            cr_assert_eq(ps_le32(le + 4 * i), sig[i], "%s value %u", rec->id, i);
        with_text += n > 0;
        d++;
    }
    cr_assert_eq(seg->mh_band_docs, with_text);
    cr_assert_eq(ps_index_check(ix, err, sizeof err), PS_OK, "%s", err);
    ps_reader_free(r);
    ps_analyzer_free(a);
    ps_index_close(ix);
}

Test(index, signatures_equal_the_sketch_of_the_analyser_output_1_thread)
{
    build(1);
    check_signatures();
}

Test(index, signatures_equal_the_sketch_of_the_analyser_output_2_threads)
{
    build(2);
    check_signatures();
}

Test(index, an_existing_index_is_not_overwritten)
{
    build(1);
    ps_index_writer *w;
    char err[1024];
    cr_assert_eq(ps_index_writer_open(dir, NULL, false, &w, err, sizeof err), PS_EUSAGE);
    cr_assert(strstr(err, "already holds an index"), "%s", err);
    /* and the refused writer left the index whole */
    ps_index *ix;
    cr_assert_eq(ps_index_open(dir, &ix, err, sizeof err), PS_OK, "%s", err);
    cr_assert_eq(ps_index_check(ix, err, sizeof err), PS_OK, "%s", err);
    ps_index_close(ix);
}

Test(index, uncommitted_work_leaves_no_trace)
{
    build(1);
    ps_index_writer *w;
    char err[1024];
    cr_assert_eq(ps_index_writer_open(dir, NULL, true, &w, err, sizeof err), PS_OK, "%s", err);
    ps_claim c = { "1. A thing.", 1, true };
    ps_record r = { .id = "NEW1", .kind = "", .title = "Extra", .abstract = "", .description = "",
                    .claims = &c, .n_claims = 1, .source = "" };
    cr_assert_eq(ps_index_writer_add(w, &r), PS_OK);
    ps_index_writer_free(w); /* no commit */
    ps_index *ix;
    cr_assert_eq(ps_index_open(dir, &ix, err, sizeof err), PS_OK, "%s", err);
    ps_record *got;
    cr_assert_eq(ps_index_get(ix, "NEW1", &got), PS_END);
    ps_index_close(ix);
    DIR *d = opendir(dir);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d)))
        files += e->d_name[0] != '.';
    closedir(d);
    cr_assert_eq(files, 2 + PS_SEG_FILES, "MANIFEST, LOCK and one segment's files only");
}

/* Flipping bytes anywhere in any file: open or check reports it. */
Test(index, damaged_files_give_errors_never_crashes)
{
    build(1);
    DIR *d = opendir(dir);
    struct dirent *e;
    char names[16][256];
    int nf = 0;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.' && strcmp(e->d_name, "LOCK") != 0)
            snprintf(names[nf++], sizeof names[0], "%s", e->d_name);
    closedir(d);
    cr_assert_eq(nf, 1 + PS_SEG_FILES);
    uint64_t seed = 12345;
    for (int f = 0; f < nf; f++) {
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, names[f]);
        FILE *fp = fopen(path, "r+b");
        fseek(fp, 0, SEEK_END);
        long size = ftell(fp);
        for (int trial = 0; trial < 20; trial++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            long at = (long)((seed >> 33) % (uint64_t)size);
            fseek(fp, at, SEEK_SET);
            int c = fgetc(fp);
            fseek(fp, at, SEEK_SET);
            fputc(c ^ (1 << (seed >> 60 & 7)), fp);
            fflush(fp);
            ps_index *ix;
            char err[1024] = "";
            ps_rc rc = ps_index_open(dir, &ix, err, sizeof err);
            if (rc == PS_OK) {
                rc = ps_index_check(ix, err, sizeof err);
                ps_index_close(ix);
            }
            cr_assert_neq(rc, PS_OK, "%s byte %ld flipped but nothing noticed", names[f], at);
            cr_assert(strstr(err, names[f]) || strstr(err, "MANIFEST"), "error names the file: %s", err);
            fseek(fp, at, SEEK_SET);
            fputc(c, fp);
            fflush(fp);
        }
        fclose(fp);
    }
}

/* The searchable state of an index, independent of segments and doc ids:
 * sorted lines "term<TAB>id<TAB>wtf<TAB>positions" for live documents. */
static int cmp_line(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *dump_state(const char *d, size_t *n_lines)
{
    ps_manifest mf;
    char err[1024];
    cr_assert_eq(ps_manifest_read(d, &mf, err, sizeof err), PS_OK, "%s", err);
    size_t n = 0, cap = 1 << 16;
    char **lines = malloc(cap * sizeof *lines);
    uint32_t docs[PS_BLOCK_SIZE], tfs[PS_BLOCK_SIZE], counts[PS_BLOCK_SIZE];
    for (uint32_t s = 0; s < mf.n_segs; s++) {
        ps_segment seg;
        cr_assert_eq(ps_segment_open(&seg, d, &mf.segs[s], err, sizeof err), PS_OK, "%s", err);
        for (uint64_t t = 0; t < seg.n_terms; t++) {
            const char *term;
            uint32_t len, df, mw, ml, po;
            ps_segment_term(&seg, t, &term, &len, &df);
            ps_seg_postings it;
            cr_assert_eq(ps_seg_postings_init(&seg, t, &it), PS_OK);
            int k;
            while ((k = ps_seg_postings_next(&it, docs, tfs, counts, &mw, &ml, &po)) > 0) {
                ps_pos_cursor pc;
                cr_assert_eq(ps_pos_block_start(&pc, it.pos + po, it.pos_end, (uint32_t)k, counts), 0);
                for (int i = 0; i < k; i++) {
                    char line[4096];
                    int o = snprintf(line, sizeof line, "%.*s\t%s\t%u\t", (int)len, term,
                                     ps_segment_doc_id(&seg, docs[i]), tfs[i]);
                    uint32_t cnt, p[4096];
                    cr_assert_eq(ps_pos_next_doc(&pc, p, 4096, &cnt), 0);
                    for (uint32_t j = 0; j < cnt && j < 4096; j++)
                        if (o < (int)sizeof line - 16)
                            o += snprintf(line + o, sizeof line - (size_t)o, "%u,", p[j]);
                    if (!ps_segment_live(&seg, docs[i]))
                        continue;
                    if (n == cap)
                        lines = realloc(lines, (cap *= 2) * sizeof *lines);
                    lines[n++] = strdup(line);
                }
            }
        }
        ps_segment_close(&seg);
    }
    ps_manifest_free(&mf);
    qsort(lines, n, sizeof *lines, cmp_line);
    size_t total = 1;
    for (size_t i = 0; i < n; i++)
        total += strlen(lines[i]) + 1;
    char *all = malloc(total), *o = all;
    for (size_t i = 0; i < n; i++) {
        o = stpcpy(o, lines[i]);
        *o++ = '\n';
        free(lines[i]);
    }
    *o = '\0';
    free(lines);
    *n_lines = n;
    return all;
}

/* The messages an on_error callback was given. */
typedef struct test_diag {
    char *msgs[16];
    size_t count;
} test_diag;

static void collect_diag(const char *msg, void *ctx)
{
    test_diag *d = ctx;
    if (d->count < 16)
        d->msgs[d->count] = strdup(msg);
    d->count++;
}

/* Adds records of path to the index in d; with edit, titles become
 * "Revised <title>" for the first `limit` records. */
static void add_file(const char *d, const char *path, bool append, int limit, bool edit)
{
    ps_index_opts o = { .threads = 2 };
    ps_index_writer *w;
    char err[1024];
    cr_assert_eq(ps_index_writer_open(d, &o, append, &w, err, sizeof err), PS_OK, "%s", err);
    ps_reader *r;
    ps_reader_create(NULL, &r);
    ps_reader_add_path(r, path);
    const ps_record *rec;
    int n = 0;
    while ((limit < 0 || n < limit) && ps_reader_next(r, &rec) == PS_OK) {
        ps_record copy = *rec;
        char title[1024];
        if (edit) {
            snprintf(title, sizeof title, "Revised %s", rec->title);
            copy.title = title;
        }
        cr_assert_eq(ps_index_writer_add(w, &copy), PS_OK, "%s", ps_index_writer_errmsg(w));
        n++;
    }
    cr_assert_eq(ps_index_writer_commit(w), PS_OK, "%s", ps_index_writer_errmsg(w));
    ps_index_writer_free(w);
    ps_reader_free(r);
}

Test(index, append_with_replacement_equals_a_fresh_build)
{
    /* incremental: everything, then 30 revised records, then the same 30 again */
    add_file(dir, corpus, false, -1, false);
    add_file(dir, corpus, true, 30, true);
    add_file(dir, corpus, true, 30, true);
    /* fresh: the same final records in one build (revised first, then the rest) */
    char fresh[] = "/tmp/patsift-fresh-XXXXXX";
    cr_assert_not_null(mkdtemp(fresh));
    rmdir(fresh);
    ps_index_opts o = { .threads = 1 };
    ps_index_writer *w;
    char err[1024];
    cr_assert_eq(ps_index_writer_open(fresh, &o, false, &w, err, sizeof err), PS_OK, "%s", err);
    ps_reader *r;
    ps_reader_create(NULL, &r);
    ps_reader_add_path(r, corpus);
    const ps_record *rec;
    int n = 0;
    while (ps_reader_next(r, &rec) == PS_OK) {
        ps_record copy = *rec;
        char title[1024];
        if (n++ < 30) {
            snprintf(title, sizeof title, "Revised %s", rec->title);
            copy.title = title;
        }
        cr_assert_eq(ps_index_writer_add(w, &copy), PS_OK);
    }
    cr_assert_eq(ps_index_writer_commit(w), PS_OK);
    ps_index_writer_free(w);
    ps_reader_free(r);

    size_t na, nb;
    char *a = dump_state(dir, &na), *b = dump_state(fresh, &nb);
    cr_assert_gt(na, 10000);
    cr_assert_eq(na, nb);
    cr_assert(strcmp(a, b) == 0, "incremental and fresh indexes differ");
    free(a);
    free(b);

    ps_index *ix;
    cr_assert_eq(ps_index_open(dir, &ix, err, sizeof err), PS_OK, "%s", err);
    ps_index_info in;
    ps_index_info_get(ix, &in);
    cr_assert_eq(in.docs, 200);
    cr_assert_eq(in.deleted, 30, "the second revision dropped the first revision's segment");
    cr_assert_eq(in.segments, 2);
    ps_record *got;
    cr_assert_eq(ps_index_get(ix, "US9100001B2", &got), PS_OK);
    cr_assert(strncmp(got->title, "Revised ", 8) == 0, "%s", got->title);
    free(got);
    cr_assert_eq(ps_index_check(ix, err, sizeof err), PS_OK, "%s", err);
    ps_index_close(ix);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fresh);
    cr_assert_eq(system(cmd), 0);
}

/* Adds every record of the buffer through ps_reader_next_raw, the way
 * `patsift index` does (JSON lines parsed on the builder's threads), with
 * a 64M budget (2 MB batches). Returns the first error. Unlike the CLI it
 * goes on adding after an error: every later add and the commit must
 * return that same error. */
static ps_rc add_raw_buffer(const char *d, const char *buf, size_t len, int threads, bool strict,
                            test_diag *diag, char *err, size_t errlen)
{
    ps_index_opts o = { .threads = threads, .strict = strict, .on_error = collect_diag, .diag_ctx = diag,
                        .mem_budget = 64u << 20 };
    ps_index_writer *w;
    cr_assert_eq(ps_index_writer_open(d, &o, false, &w, err, errlen), PS_OK, "%s", err);
    ps_reader *r;
    ps_reader_create(NULL, &r);
    ps_reader_add_buffer(r, buf, len, "raw.jsonl", PS_FORMAT_JSONL);
    ps_raw_record raw;
    ps_rc first = PS_OK;
    while (ps_reader_next_raw(r, &raw) == PS_OK) {
        ps_rc rc = ps_index_writer_add_raw(w, &raw);
        cr_assert(first == PS_OK || rc == first, "an error sticks: %s after %s", ps_strerror(rc), ps_strerror(first));
        if (first == PS_OK && rc != PS_OK) {
            first = rc;
            snprintf(err, errlen, "%s", ps_index_writer_errmsg(w));
        }
    }
    ps_rc rc = ps_index_writer_commit(w);
    cr_assert(first == PS_OK || rc == first, "the commit returns the error: %s after %s", ps_strerror(rc),
              ps_strerror(first));
    if (first == PS_OK && rc != PS_OK) {
        first = rc;
        snprintf(err, errlen, "%s", ps_index_writer_errmsg(w));
    }
    ps_index_writer_free(w);
    ps_reader_free(r);
    return first;
}

Test(index, raw_json_lines_parsed_by_the_builder_give_the_same_index)
{
    /* the sample corpus three times over (the later copies replace the
     * earlier ones: the live state is the corpus once), about 2.9 MB: two
     * batches; with three bad lines */
    FILE *f = fopen(corpus, "rb");
    cr_assert_not_null(f);
    char *text = malloc(4 << 20), *buf = malloc(13 << 20);
    size_t n = fread(text, 1, (4 << 20) - 1, f), len = 0;
    fclose(f);
    text[n] = '\0';
    /* after lines 3, 350 and 599 of the input; buffer line numbers count the bad ones */
    static const char *const bad[3] = { "{\"id\": 7}", "{\"title\": \"no id\"}", "{oops" };
    int line = 0, n_bad = 0, bad_at[3];
    for (int copy = 0; copy < 3; copy++) {
        for (char *p = text, *nl; *p; p = nl + 1) {
            nl = strchr(p, '\n');
            cr_assert_not_null(nl);
            memcpy(buf + len, p, (size_t)(nl - p + 1));
            len += (size_t)(nl - p + 1);
            line++;
            int input_line = line - n_bad;
            if (input_line == 3 || input_line == 350 || input_line == 599) {
                line++;
                bad_at[n_bad] = line;
                len += (size_t)sprintf(buf + len, "%s\n", bad[n_bad]);
                n_bad++;
            }
        }
    }
    cr_assert_eq(n_bad, 3);
    build(1);
    size_t na;
    char *a = dump_state(dir, &na);
    cr_assert_gt(na, 10000);
    char raw_dir[] = "/tmp/patsift-raw-XXXXXX", err[1024], cmd[128];
    cr_assert_not_null(mkdtemp(raw_dir));
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", raw_dir);
    for (int threads = 1; threads <= 2; threads++) {
        cr_assert_eq(system(cmd), 0);
        test_diag diag = { 0 };
        cr_assert_eq(add_raw_buffer(raw_dir, buf, len, threads, false, &diag, err, sizeof err), PS_OK, "%s", err);
        cr_assert_eq(diag.count, 3, "every bad line reported once (%d threads)", threads);
        for (int i = 0; i < 3; i++) {
            char want[64];
            snprintf(want, sizeof want, "raw.jsonl:%d: ", bad_at[i]);
            cr_assert(strncmp(diag.msgs[i], want, strlen(want)) == 0, "message %d: %s (want %s...)", i,
                      diag.msgs[i], want);
            free(diag.msgs[i]);
        }
        size_t nb;
        char *b = dump_state(raw_dir, &nb);
        cr_assert(na == nb && strcmp(a, b) == 0, "raw and parsed builds differ (%d threads)", threads);
        free(b);
        ps_index *ix;
        cr_assert_eq(ps_index_open(raw_dir, &ix, err, sizeof err), PS_OK, "%s", err);
        ps_index_info in;
        ps_index_info_get(ix, &in);
        cr_assert_eq(in.docs, 200);
        ps_index_close(ix);

        /* strict: the first bad line stops the build, and nothing is written */
        cr_assert_eq(system(cmd), 0);
        test_diag none = { 0 };
        cr_assert_eq(add_raw_buffer(raw_dir, buf, len, threads, true, &none, err, sizeof err), PS_EPARSE);
        cr_assert(strstr(err, "raw.jsonl:4: ") == err, "%s", err);
        cr_assert_eq(none.count, 0);
        cr_assert_neq(ps_index_open(raw_dir, &ix, err, sizeof err), PS_OK, "no index after a failed build");
    }
    cr_assert_eq(system(cmd), 0);
    free(a);
    free(text);
    free(buf);
}

Test(index, duplicate_ids_in_one_build_keep_the_last)
{
    ps_index_writer *w;
    char err[1024];
    cr_assert_eq(ps_index_writer_open(dir, NULL, false, &w, err, sizeof err), PS_OK, "%s", err);
    const char *titles[] = { "First pump", "Second pump", "Third pump" };
    for (int i = 0; i < 3; i++) {
        ps_record r = { .id = i == 1 ? "OTHER" : "SAME", .kind = "", .title = titles[i], .abstract = "",
                        .description = "", .source = "" };
        cr_assert_eq(ps_index_writer_add(w, &r), PS_OK);
    }
    cr_assert_eq(ps_index_writer_commit(w), PS_OK, "%s", ps_index_writer_errmsg(w));
    ps_record r = { .id = "LATE", .kind = "", .title = "x", .abstract = "", .description = "", .source = "" };
    cr_assert_eq(ps_index_writer_add(w, &r), PS_EUSAGE, "no adding after commit");
    ps_index_writer_free(w);
    ps_index *ix;
    cr_assert_eq(ps_index_open(dir, &ix, err, sizeof err), PS_OK, "%s", err);
    ps_record *got;
    cr_assert_eq(ps_index_get(ix, "SAME", &got), PS_OK);
    cr_assert_str_eq(got->title, "Third pump");
    free(got);
    ps_index_info in;
    ps_index_info_get(ix, &in);
    cr_assert_eq(in.docs, 2);
    cr_assert_eq(in.deleted, 1);
    ps_index_close(ix);
}

Test(index, merge_keeps_the_searchable_state_and_drops_deleted_documents)
{
    add_file(dir, corpus, false, -1, false);
    add_file(dir, corpus, true, 30, true);
    add_file(dir, "corpus/sample/pending.jsonl", true, -1, false);
    size_t na, nb;
    char *before = dump_state(dir, &na);
    ps_index_writer *w;
    char err[1024];
    cr_assert_eq(ps_index_writer_open(dir, NULL, true, &w, err, sizeof err), PS_OK, "%s", err);
    cr_assert_eq(ps_index_writer_merge(w), PS_OK, "%s", ps_index_writer_errmsg(w));
    ps_index_write_stats st;
    ps_index_writer_stats(w, &st);
    cr_assert_eq(st.segments_before, 3);
    cr_assert_eq(st.segments_after, 1);
    cr_assert_eq(st.dropped, 30);
    ps_index_writer_free(w);
    char *after = dump_state(dir, &nb);
    cr_assert_eq(na, nb);
    cr_assert(strcmp(before, after) == 0, "merging changed what can be found");
    free(before);
    free(after);
    ps_index *ix;
    cr_assert_eq(ps_index_open(dir, &ix, err, sizeof err), PS_OK, "%s", err);
    cr_assert_eq(ps_index_check(ix, err, sizeof err), PS_OK, "%s", err);
    ps_index_info in;
    ps_index_info_get(ix, &in);
    cr_assert_eq(in.docs, 230);
    cr_assert_eq(in.deleted, 0);
    cr_assert_eq(in.segments, 1);
    ps_record *got;
    cr_assert_eq(ps_index_get(ix, "US9100001B2", &got), PS_OK);
    cr_assert(strncmp(got->title, "Revised ", 8) == 0, "%s", got->title);
    free(got);
    ps_index_close(ix);
    DIR *d = opendir(dir);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d)))
        files += e->d_name[0] != '.';
    closedir(d);
    cr_assert_eq(files, 2 + PS_SEG_FILES, "the merged-away segments are removed");
}

static void sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
}

/* Every state a crash during an append can leave on disk (new files
 * written or half-written, a half-written MANIFEST.tmp, but the old
 * MANIFEST) opens as the old index, and the next writer cleans it up. */
Test(index, crash_states_of_an_append_leave_the_previous_index)
{
    add_file(dir, corpus, false, -1, false);
    char old[64], new[64], state[64];
    snprintf(old, sizeof old, "%s.old", dir);
    snprintf(new, sizeof new, "%s.new", dir);
    snprintf(state, sizeof state, "%s.state", dir);
    sh("rm -rf '%s' '%s' && cp -r '%s' '%s'", old, new, dir, old);
    add_file(dir, corpus, true, 30, true);
    sh("cp -r '%s' '%s'", dir, new);
    /* the steps of a commit, as the files they leave */
    const char *steps[] = {
        "cp $N/seg-2-0.lex $S/",                                  /* first segment file */
        "head -c 100 $N/seg-2-0.pst > $S/seg-2-0.pst",            /* a half-written one */
        "cp $N/seg-2-0.* $S/",                                    /* the whole segment */
        "cp $N/seg-2-0.* $N/seg-1-0.del.2 $S/",                   /* and the deletions */
        "cp $N/seg-2-0.* $N/seg-1-0.del.2 $S/ && head -c 40 $N/MANIFEST > $S/MANIFEST.tmp.abc123",
        "cp $N/seg-2-0.* $N/seg-1-0.del.2 $S/ && cp $N/MANIFEST $S/MANIFEST.tmp.abc123",
    };
    char err[1024];
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        sh("rm -rf '%s' && cp -r '%s' '%s' && S='%s' N='%s' && %s", state, old, state, state, new, steps[i]);
        ps_index *ix;
        cr_assert_eq(ps_index_open(state, &ix, err, sizeof err), PS_OK, "step %zu: %s", i, err);
        ps_index_info in;
        ps_index_info_get(ix, &in);
        cr_assert_eq(in.generation, 1, "step %zu", i);
        cr_assert_eq(in.docs, 200);
        cr_assert_eq(in.deleted, 0);
        cr_assert_eq(ps_index_check(ix, err, sizeof err), PS_OK, "step %zu: %s", i, err);
        ps_index_close(ix);
        /* the next writer removes the leftovers and works */
        add_file(state, corpus, true, 1, true);
        ps_manifest mf;
        cr_assert_eq(ps_manifest_read(state, &mf, err, sizeof err), PS_OK, "%s", err);
        DIR *d = opendir(state);
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.' || !strcmp(e->d_name, "LOCK") || !strcmp(e->d_name, "MANIFEST"))
                continue;
            bool listed = false;
            for (uint32_t k = 0; k < mf.n_segs; k++) {
                size_t n = strlen(mf.segs[k].name);
                listed |= !strcmp(e->d_name, mf.segs[k].del_name) ||
                          (!strncmp(e->d_name, mf.segs[k].name, n) && e->d_name[n] == '.' && !strchr(e->d_name + n + 1, '.'));
            }
            cr_assert(listed, "step %zu: leftover %s", i, e->d_name);
        }
        closedir(d);
        ps_manifest_free(&mf);
    }
    sh("rm -rf '%s' '%s' '%s'", old, new, state);
}
