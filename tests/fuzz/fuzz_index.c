/* Fuzz target: the index readers (segment layout checks, postings and
 * positions decoding, stored-text decoding, deletions, MANIFEST).
 *
 * A small index is built once. Each input is a list of patches
 *   u8 file (mod 8: lex pst pos doc sto mh del MANIFEST), u32 offset (LE),
 *   u8 length, then that many bytes
 * applied to a fresh copy of that index. The patched file's checksum is
 * then recomputed (and the MANIFEST updated to match), so the damage gets
 * past the checksums and reaches the parsers behind them. Opening,
 * checking, reading every document, searching (pruned, exhaustive,
 * explained) and finding near-duplicates must then fail cleanly or succeed: never crash, hang or read
 * out of bounds. 300 generated documents give the common terms several
 * postings blocks, so skip tables are there to damage. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xxhash.h>

#include "index/manifest.h"
#include "index/segment_format.h"
#include "patsift/index.h"
#include "patsift/reader.h"
#include "patsift/dedup.h"
#include "patsift/search.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char corpus[] =
    "{\"id\":\"A1\",\"title\":\"Rotary pump\",\"abstract\":\"A rotary pump with a rotor and a seal.\","
    "\"claims\":[\"1. A pump comprising a rotor.\",\"2. The pump of claim 1, with a seal.\"],"
    "\"cpc\":[\"F04C 2/10\"],\"entity\":\"small\",\"date\":\"2015-01-06\"}\n"
    "{\"id\":\"A2\",\"title\":\"Seal for a pump\",\"abstract\":\"A lip seal for a rotary pump shaft.\","
    "\"claims\":\"1. A seal. 2. The seal of claim 1.\",\"cpc\":[\"F16J 15/32\"],\"date\":\"2016-02-02\"}\n"
    "{\"id\":\"A1\",\"title\":\"Rotary pump, revised\",\"abstract\":\"A rotary pump with two rotors.\"}\n"
    "{\"id\":\"B3\",\"title\":\"电池 cooling plate\",\"abstract\":\"Battery cell cooling plate with channels.\"}\n";

enum { N_FILES = PS_SEG_FILES + 2 }; /* the segment files, its deletions, MANIFEST */
static char dir[64];
static char *names[N_FILES];
static uint8_t *pristine[N_FILES];
static size_t pristine_size[N_FILES];

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        abort();
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(*n ? *n : 1);
    if (!b || fread(b, 1, *n, f) != *n)
        abort();
    fclose(f);
    return b;
}

static void spit(const char *path, const uint8_t *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(b, 1, n, f) != n)
        abort();
    fclose(f);
}

/* The index folder goes when the process ends. */
static void cleanup(void)
{
    ps_manifest mf;
    char err[256], path[512];
    if (ps_manifest_read(dir, &mf, err, sizeof err) == PS_OK)
        ps_manifest_free(&mf);
    for (int k = 0; k < N_FILES; k++)
        if (names[k])
            unlink(names[k]);
    snprintf(path, sizeof path, "%s/LOCK", dir);
    unlink(path);
    rmdir(dir);
}

static void init(void)
{
    atexit(cleanup);
    snprintf(dir, sizeof dir, "/tmp/patsift-fuzz-index-%d", (int)getpid());
    ps_index_writer *w;
    char err[1024];
    ps_index_opts o = { .threads = 1 };
    if (ps_index_writer_open(dir, &o, false, &w, err, sizeof err) != PS_OK) {
        fprintf(stderr, "fuzz_index: %s\n", err);
        abort();
    }
    ps_reader *r;
    ps_reader_create(NULL, &r);
    ps_reader_add_buffer(r, corpus, sizeof corpus - 1, "corpus", PS_FORMAT_JSONL);
    static char more[300 * 160];
    size_t len = 0;
    for (int i = 0; i < 300; i++)
        len += (size_t)snprintf(more + len, sizeof more - len,
                                "{\"id\":\"G%d\",\"title\":\"Pump %d\",\"abstract\":\"A pump with a seal%s and rotor %d.\","
                                "\"date\":\"20%02d-01-01\"}\n",
                                i, i, i % 3 ? "" : " seal", i % 17, i % 30);
    ps_reader_add_buffer(r, more, len, "more", PS_FORMAT_JSONL);
    const ps_record *rec;
    while (ps_reader_next(r, &rec) == PS_OK)
        if (ps_index_writer_add(w, rec) != PS_OK)
            abort();
    if (ps_index_writer_commit(w) != PS_OK)
        abort();
    ps_index_writer_free(w);
    ps_reader_free(r);
    ps_manifest mf;
    if (ps_manifest_read(dir, &mf, err, sizeof err) != PS_OK || mf.n_segs != 1 || !mf.segs[0].del_name[0])
        abort();
    for (int k = 0; k < N_FILES; k++) {
        names[k] = malloc(256);
        if (k < PS_SEG_FILES)
            snprintf(names[k], 256, "%s/%s%s", dir, mf.segs[0].name, ps_seg_ext[k]);
        else if (k == PS_SEG_FILES)
            snprintf(names[k], 256, "%s/%s", dir, mf.segs[0].del_name);
        else
            snprintf(names[k], 256, "%s/MANIFEST", dir);
        pristine[k] = slurp(names[k], &pristine_size[k]);
    }
    ps_manifest_free(&mf);
}

static void fix_checksum(uint8_t *b, size_t n)
{
    if (n < 20)
        return;
    uint64_t sum = XXH64(b, n - 12, 0);
    for (int i = 0; i < 8; i++)
        b[n - 12 + i] = (uint8_t)(sum >> (8 * i));
}

/* Searches the (damaged) index every way the CLI does. */
static void search(ps_index *ix)
{
    ps_searcher *s;
    if (ps_searcher_create(ix, &s) != PS_OK)
        return;
    /* the last query has over 12 terms: the term-at-a-time engine */
    static const char *queries[] = { "pump seal rotor", "rotary pump", "电池 cooling",
                                     "pump seal rotor rotary lip shaft battery cell cooling plate channels "
                                     "two rotors revised 电池 10 11 12" };
    for (int i = 0; i < 8; i++) {
        ps_query q;
        if (ps_query_from_text(s, queries[i % 4], &q) != PS_OK)
            continue;
        ps_search_opts o = { .k = 5, .exhaustive = i >= 4, .before = i == 1 ? 20100101 : 0 };
        const ps_hit *h;
        size_t n;
        if (ps_search(s, &q, &o, &h, &n) == PS_OK) {
            ps_term_share share[8];
            ps_hit first = n ? h[0] : (ps_hit){ 0 };
            if (n && q.n <= 8)
                ps_search_explain(s, &q, &o, &first, share);
            ps_record *r;
            if (n && ps_hit_record(ix, &first, &r) == PS_OK) {
                ps_passage p[2];
                ps_passages_free(p, ps_passages(s, &q, r, 2, p));
                free(r);
            }
        }
        ps_query_free(&q);
    }
    ps_searcher_free(s);
    /* near-duplicates: band tables and signatures */
    char err[256];
    ps_dup_pair *p;
    size_t n;
    ps_dedup_stats st;
    for (int exact = 0; exact < 2; exact++) {
        ps_dedup_opts o = { .threshold = 0.3, .exact = exact, .threads = 1 };
        if (ps_dedup(ix, &o, &p, &n, &st, err, sizeof err) == PS_OK)
            free(p);
        ps_record *r;
        if (ps_index_get(ix, "A2", &r) == PS_OK) {
            if (ps_similar(ix, r, &o, "A2", &p, &n, err, sizeof err) == PS_OK)
                free(p);
            free(r);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0])
        init();
    uint8_t *buf[N_FILES];
    bool touched[N_FILES] = { false };
    for (int k = 0; k < N_FILES; k++) {
        buf[k] = malloc(pristine_size[k]);
        memcpy(buf[k], pristine[k], pristine_size[k]);
    }
    for (size_t i = 0; i + 6 <= size;) {
        int k = data[i] % N_FILES;
        uint32_t off = (uint32_t)data[i + 1] | (uint32_t)data[i + 2] << 8 | (uint32_t)data[i + 3] << 16 |
                       (uint32_t)data[i + 4] << 24;
        size_t len = data[i + 5];
        i += 6;
        if (len > size - i)
            len = size - i;
        size_t body = pristine_size[k] - 12;
        for (size_t j = 0; j < len; j++)
            buf[k][(off + j) % body] = data[i + j];
        i += len;
        touched[k] = true;
    }
    for (int k = 0; k < N_FILES; k++) {
        if (touched[k])
            fix_checksum(buf[k], pristine_size[k]);
        spit(names[k], buf[k], pristine_size[k]);
    }
    /* point the MANIFEST at the new checksums, unless it is the target */
    char err[1024];
    ps_manifest mf;
    if (!touched[N_FILES - 1] && ps_manifest_read(dir, &mf, err, sizeof err) == PS_OK) {
        for (int k = 0; k < PS_SEG_FILES; k++)
            mf.segs[0].checksum[k] = XXH64(buf[k], pristine_size[k] - 12, 0);
        mf.segs[0].del_checksum = XXH64(buf[PS_SEG_FILES], pristine_size[PS_SEG_FILES] - 12, 0);
        if (ps_manifest_write(dir, &mf, err, sizeof err) != PS_OK)
            abort();
        ps_manifest_free(&mf);
    }
    ps_index *ix;
    if (ps_index_open(dir, &ix, err, sizeof err) == PS_OK) {
        ps_index_info in;
        ps_index_info_get(ix, &in);
        ps_index_check(ix, err, sizeof err);
        const char *ids[] = { "A1", "A2", "B3", "nope" };
        for (int i = 0; i < 4; i++) {
            ps_record *r;
            if (ps_index_get(ix, ids[i], &r) == PS_OK) {
                char *js = ps_record_to_json(r);
                free(js);
                free(r);
            }
        }
        search(ix);
        ps_index_close(ix);
    }
    for (int k = 0; k < N_FILES; k++)
        free(buf[k]);
    return 0;
}
