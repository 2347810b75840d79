/* Block-packed lexicon: round trips across block boundaries, wide offsets,
 * and refusal (never a crash) of damaged payloads. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "index/lexicon.h"
#include "test_helpers.h"

static uint64_t rng = 0x2545F4914F6CDD1Dull;
static uint64_t next(void) { return xorshift64(&rng); }

typedef struct sample {
    char term[24];
    uint32_t len, df;
    uint64_t post, pos;
} sample;

/* n terms in lexicon order ("t0000042..." sorts by number), df 1..n_docs,
 * offsets ascending with gaps up to 2^shift. */
static void make(sample *s, uint32_t n, uint32_t n_docs, unsigned shift)
{
    uint64_t post = 0, pos = 0;
    for (uint32_t i = 0; i < n; i++) {
        s[i].len = (uint32_t)snprintf(s[i].term, sizeof s[i].term, "t%08u%.*s", i, (int)(next() % 12),
                                      "abcdefghijkl");
        s[i].df = 1 + (uint32_t)(next() % n_docs);
        post += next() % ((uint64_t)1 << shift);
        pos += next() % ((uint64_t)1 << shift);
        s[i].post = post;
        s[i].pos = pos;
    }
}

/* make()s n terms and writes them as a lexicon into out. */
static void build(sample *s, uint32_t n, uint32_t n_docs, unsigned shift, ps_buf *out)
{
    make(s, n, n_docs, shift);
    ps_lex_writer w = { 0 };
    for (uint32_t i = 0; i < n; i++)
        ps_lex_add(&w, s[i].term, s[i].len, s[i].df, s[i].post, s[i].pos);
    cr_assert_eq(ps_lex_finish(&w, out), PS_OK);
}

Test(lexicon, round_trip_across_block_boundaries)
{
    static sample s[300];
    uint32_t sizes[] = { 0, 1, PS_LEX_BLOCK - 1, PS_LEX_BLOCK, PS_LEX_BLOCK + 1, 300 };
    unsigned shifts[] = { 1, 12, 40 };
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
        for (size_t h = 0; h < 3; h++) {
            uint32_t n = sizes[k];
            ps_buf b = { 0 };
            build(s, n, 1000000, shifts[h], &b);
            uint64_t last_post = n ? s[n - 1].post : 0, last_pos = n ? s[n - 1].pos : 0;
            ps_lexicon lx;
            cr_assert_eq(ps_lex_open(&lx, (const uint8_t *)b.data, b.len, 1000000, last_post, last_pos), PS_OK,
                         "n %u shift %u", n, shifts[h]);
            cr_assert_eq(lx.n_terms, n);
            for (uint32_t i = 0; i < n; i++) {
                ps_lex_entry e;
                ps_lex_get(&lx, i, &e);
                cr_assert_eq(e.len, s[i].len);
                cr_assert(memcmp(e.term, s[i].term, e.len) == 0, "term %u", i);
                cr_assert_eq(e.df, s[i].df);
                cr_assert_eq(e.post_off, s[i].post);
                cr_assert_eq(e.pos_off, s[i].pos);
            }
            if (n) {
                cr_assert_eq(ps_lex_open(&lx, (const uint8_t *)b.data, b.len, 1000000, last_post - 1, last_pos),
                             PS_ECORRUPT, "offsets past the postings file");
                cr_assert_eq(ps_lex_open(&lx, (const uint8_t *)b.data, b.len, s[0].df - 1, last_post,
                                         last_pos),
                             PS_ECORRUPT, "a df past the documents");
            }
            cr_assert_eq(ps_lex_open(&lx, (const uint8_t *)b.data, b.len - 1, 1000000, last_post, last_pos),
                         PS_ECORRUPT, "one byte short");
            ps_buf_free(&b);
        }
}

Test(lexicon, small_entries)
{
    static sample s[1000];
    ps_buf b = { 0 };
    build(s, 1000, 6000, 7, &b);
    size_t term_bytes = 0;
    for (int i = 0; i < 1000; i++)
        term_bytes += s[i].len;
    /* df 13 bits, offsets ~13 bits, ends ~10 bits: about 6 bytes an entry */
    cr_assert_lt(b.len - term_bytes, 1000 * 8, "%zu bytes besides the terms", b.len - term_bytes);
    ps_buf_free(&b);
}

Test(lexicon, offsets_past_2_57_are_refused_at_write)
{
    ps_lex_writer w = { 0 };
    ps_lex_add(&w, "a", 1, 1, 0, 0);
    ps_lex_add(&w, "b", 1, 1, (uint64_t)1 << 58, 0);
    ps_buf b = { 0 };
    cr_assert_eq(ps_lex_finish(&w, &b), PS_EUNSUPPORTED);
    ps_buf_free(&b);
}

Test(lexicon, damaged_payloads_are_refused_or_stay_in_bounds)
{
    static sample s[200];
    ps_buf b = { 0 };
    build(s, 200, 5000, 10, &b);
    int refused = 0;
    for (int round = 0; round < 4000; round++) {
        uint8_t *copy = malloc(b.len);
        memcpy(copy, b.data, b.len);
        for (int k = 0; k < 1 + round % 3; k++)
            copy[next() % b.len] ^= (uint8_t)(1u << (next() % 8));
        ps_lexicon lx;
        if (ps_lex_open(&lx, copy, b.len, 5000, s[199].post, s[199].pos) != PS_OK) {
            refused++;
        } else {
            /* accepted: every entry lies inside the pool and the files */
            for (uint64_t i = 0; i < lx.n_terms; i++) {
                ps_lex_entry e;
                ps_lex_get(&lx, i, &e);
                cr_assert((const uint8_t *)e.term >= lx.pool &&
                          (const uint8_t *)e.term + e.len <= lx.pool + lx.pool_size);
                cr_assert(e.df >= 1 && e.df <= 5000 && e.post_off <= s[199].post && e.pos_off <= s[199].pos);
            }
        }
        free(copy);
    }
    cr_assert_gt(refused, 0);
    ps_buf_free(&b);
}
