/* Postings block codec: round trips of random and edge blocks, and
 * rejection (never a crash) of damaged bytes. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "index/positions_codec.h"
#include "index/postings_codec.h"
#include "test_helpers.h"

static uint64_t rng = 88172645463325252ull;
static uint32_t next(void) { return (uint32_t)xorshift64(&rng); }

static void roundtrip(const uint32_t *docs, const uint32_t *tfs, const uint32_t *counts, uint32_t n, uint32_t prev,
                      int first)
{
    uint8_t buf[PS_BLOCK_MAX_BYTES + PS_BLOCK_PAD];
    size_t len = ps_block_encode(docs, tfs, counts, n, prev, first, buf);
    cr_assert_leq(len, PS_BLOCK_MAX_BYTES);
    uint32_t d[PS_BLOCK_SIZE], t[PS_BLOCK_SIZE], c[PS_BLOCK_SIZE];
    /* exactly len bytes available: the decoder must not need the padding */
    uint8_t *exact = malloc(len);
    memcpy(exact, buf, len);
    cr_assert_eq(ps_block_decode(exact, len, n, prev, first, d, t, c), len);
    free(exact);
    cr_assert_arr_eq(d, docs, n * sizeof *d);
    cr_assert_arr_eq(t, tfs, n * sizeof *t);
    cr_assert_arr_eq(c, counts, n * sizeof *c);
    cr_assert_eq(ps_block_decode(buf, len - 1, n, prev, first, d, t, c), 0, "one byte short must fail");
}

Test(postings_codec, edge_blocks)
{
    uint32_t docs[PS_BLOCK_SIZE], tfs[PS_BLOCK_SIZE], counts[PS_BLOCK_SIZE];
    for (uint32_t i = 0; i < PS_BLOCK_SIZE; i++)
        counts[i] = 1;
    docs[0] = 0;
    tfs[0] = 1;
    roundtrip(docs, tfs, counts, 1, 0, 1);                       /* doc 0 in the first block */
    docs[0] = UINT32_MAX - 1;
    tfs[0] = UINT32_MAX - 1;
    roundtrip(docs, tfs, counts, 1, 5, 0);                       /* max gap, max tf */
    docs[0] = 7;
    tfs[0] = 1;
    roundtrip(docs, tfs, counts, 1, 6, 0);                       /* gap of one: zero bits */
    tfs[0] = 3;
    counts[0] = PS_MAX_POSITIONS - 1;
    roundtrip(docs, tfs, counts, 1, 6, 0);               /* more positions than tf */
    counts[0] = 1;
    for (uint32_t i = 0; i < PS_BLOCK_SIZE; i++) {
        docs[i] = 1000 + i;
        tfs[i] = 1;
    }
    roundtrip(docs, tfs, counts, PS_BLOCK_SIZE, 999, 0);         /* dense full block */
    for (uint32_t i = 0; i < PS_BLOCK_SIZE; i++)
        docs[i] = i * 33554431u;
    roundtrip(docs, tfs, counts, PS_BLOCK_SIZE, 0, 1);           /* 4-byte gaps */
    for (uint32_t i = 0; i < PS_BLOCK_SIZE; i++) {
        counts[i] = 1 + i % 3;
        tfs[i] = 2 * counts[i] + (i % 7 == 0);          /* abstract words, a title word now and then */
    }
    roundtrip(docs, tfs, counts, PS_BLOCK_SIZE, 0, 1);
}

Test(postings_codec, random_blocks)
{
    uint32_t docs[PS_BLOCK_SIZE], tfs[PS_BLOCK_SIZE], counts[PS_BLOCK_SIZE];
    for (int round = 0; round < 2000; round++) {
        uint32_t n = 1 + next() % PS_BLOCK_SIZE;
        uint32_t prev = next() % 1000000;
        uint32_t shift = next() % 24;
        uint32_t d = prev;
        for (uint32_t i = 0; i < n; i++) {
            d += 1 + (next() >> (8 + shift)); /* gaps of 1 to 2^24: no wrap in 128 steps */
            docs[i] = d;
            counts[i] = 1 + (next() >> (next() % 32)) % (PS_MAX_POSITIONS - 1);
            /* mostly a weighted sum of the counts, sometimes anything */
            tfs[i] = round % 3 ? counts[i] * (1 + round % 4) + next() % 3 : 1 + (next() >> (next() % 32));
            if (tfs[i] == UINT32_MAX)
                tfs[i]--;
        }
        roundtrip(docs, tfs, counts, n, prev, 0);
    }
}

Test(postings_codec, damaged_bytes_never_crash_and_bad_order_is_refused)
{
    uint32_t docs[PS_BLOCK_SIZE], tfs[PS_BLOCK_SIZE], counts[PS_BLOCK_SIZE], d[PS_BLOCK_SIZE], t[PS_BLOCK_SIZE],
        c[PS_BLOCK_SIZE];
    for (uint32_t i = 0; i < PS_BLOCK_SIZE; i++) {
        docs[i] = 10 + 3 * i + (i == 77 ? 900 : 0);     /* one large gap: a patched run */
        counts[i] = 1 + i % 4;
        tfs[i] = 2 * counts[i] + i % 5;
    }
    uint8_t buf[PS_BLOCK_MAX_BYTES + PS_BLOCK_PAD];
    size_t len = ps_block_encode(docs, tfs, counts, PS_BLOCK_SIZE, 9, 0, buf);
    int refused = 0;
    for (int round = 0; round < 5000; round++) {
        uint8_t copy[sizeof buf];
        memcpy(copy, buf, sizeof buf);
        copy[next() % len] ^= (uint8_t)(1u << (next() % 8));
        size_t got = ps_block_decode(copy, len, PS_BLOCK_SIZE, 9, 0, d, t, c);
        if (!got)
            refused++;
        else
            for (uint32_t i = 0; i < PS_BLOCK_SIZE; i++) {
                cr_assert(i == 0 || d[i] > d[i - 1], "an accepted block is always increasing");
                cr_assert(t[i] >= 1 && c[i] >= 1, "tfs and counts are at least 1");
            }
    }
    cr_assert_gt(refused, 0);
    /* doc ids past 2^32 - 1 and impossible bit widths are refused */
    docs[0] = UINT32_MAX - 1;
    len = ps_block_encode(docs, tfs, counts, 1, 9, 0, buf);
    cr_assert_eq(ps_block_decode(buf, len, 1, 30, 0, d, t, c), 0, "the same gap after a later doc overflows");
    buf[0] = 33 * 7;
    cr_assert_eq(ps_block_decode(buf, len, 1, 9, 0, d, t, c), 0, "no run has 7 exceptions");
    cr_assert_eq(ps_block_decode(buf, len, 0, 9, 0, d, t, c), 0, "empty blocks do not exist");
    /* a tf past 2^32 - 1: count 2^26 - 1 times mult 255 plus the largest extra */
    docs[0] = 20;
    counts[0] = PS_MAX_POSITIONS - 1;
    tfs[0] = UINT32_MAX - 1;
    len = ps_block_encode(docs, tfs, counts, 1, 9, 0, buf);
    cr_assert_eq(ps_block_decode(buf, len, 1, 9, 0, d, t, c), len);
    uint8_t run[PS_PFOR_MAX_BYTES(1)];
    uint32_t gap = 10, count1 = PS_MAX_POSITIONS - 2;
    size_t mult_at = ps_pfor_encode(&gap, 1, run) + ps_pfor_encode(&count1, 1, run);
    cr_assert_eq(buf[mult_at], 64, "mult is the block's smallest tf / count");
    buf[mult_at] = 255;
    cr_assert_eq(ps_block_decode(buf, len, 1, 9, 0, d, t, c), 0, "a tf past 2^32 - 1 is refused");
}

/* True when every document of the block at [p, end) decodes. */
static bool reads_whole_block(const uint8_t *p, const uint8_t *end, uint32_t n, const uint32_t *counts)
{
    ps_pos_cursor c;
    uint32_t out[64], cnt;
    if (ps_pos_block_start(&c, p, end, n, counts) != 0)
        return false;
    for (uint32_t i = 0; i < n; i++)
        if (ps_pos_next_doc(&c, out, 64, &cnt) != 0)
            return false;
    return true;
}

Test(positions_codec, random_blocks_round_trip_and_damage_is_refused)
{
    uint32_t counts[PS_BLOCK_SIZE], out[2048];
    static uint32_t pos[PS_BLOCK_SIZE * 300];
    for (int round = 0; round < 500; round++) {
        uint32_t n = 1 + next() % PS_BLOCK_SIZE, np = 0;
        for (uint32_t i = 0; i < n; i++) {
            counts[i] = 1 + (next() % 7 == 0 ? next() % 300 : next() % 3);
            uint32_t p = next() % (round % 2 ? 100 : 2000000);
            for (uint32_t k = 0; k < counts[i]; k++) {
                pos[np++] = p;
                p += 1 + next() % (round % 3 ? 50 : 70000);
            }
        }
        ps_buf b = { 0 };
        ps_pos_block_encode(counts, n, pos, &b);
        ps_pos_cursor c;
        const uint8_t *start = (const uint8_t *)b.data, *end = start + b.len;
        cr_assert_eq(ps_pos_block_start(&c, start, end, n, counts), 0);
        for (uint32_t i = 0, at = 0; i < n; i++) {
            uint32_t cnt;
            cr_assert_eq(ps_pos_next_doc(&c, out, 2048, &cnt), 0);
            cr_assert_eq(cnt, counts[i]);
            cr_assert_arr_eq(out, pos + at, cnt * sizeof *out);
            at += cnt;
        }
        cr_assert_eq(ps_pos_block_end(&c), end, "the whole block is consumed");
        uint32_t cnt;
        cr_assert_eq(ps_pos_next_doc(&c, out, 2048, &cnt), -1, "no document past the block");
        /* one byte short: some read must fail, none may run past the end */
        cr_assert(!reads_whole_block(start, end - 1, n, counts), "a block one byte short must not decode");
        counts[n - 1] = PS_MAX_POSITIONS;
        cr_assert_neq(ps_pos_block_start(&c, start, end, n, counts), 0, "a count past the limit is refused");
        ps_buf_free(&b);
    }
}
