/* Patched bit-packed runs: round trips, the width choice, and refusal
 * (never a crash) of damaged runs. */
#include <criterion/criterion.h>
#include <string.h>

#include "index/bitpack.h"
#include "test_helpers.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t next(void) { return (uint32_t)xorshift64(&rng); }

static size_t roundtrip(const uint32_t *v, uint32_t n)
{
    uint8_t buf[PS_PFOR_MAX_BYTES(255)];
    uint32_t got[255];
    size_t len = ps_pfor_encode(v, n, buf);
    cr_assert_leq(len, PS_PFOR_MAX_BYTES(n));
    cr_assert_eq(ps_pfor_decode(buf, len, n, got), len);
    cr_assert_arr_eq(got, v, n * sizeof *v);
    cr_assert_eq(ps_pfor_decode(buf, len - 1, n, got), 0, "one byte short must fail");
    return len;
}

Test(bitpack, edge_runs)
{
    uint32_t v[255] = { 0 };
    cr_assert_eq(roundtrip(v, 1), 1, "one zero: the token alone");
    cr_assert_eq(roundtrip(v, 255), 1, "zeros take no bits");
    v[0] = UINT32_MAX;
    cr_assert_eq(roundtrip(v, 1), 5);
    for (uint32_t i = 0; i < 128; i++)
        v[i] = UINT32_MAX - i;
    cr_assert_eq(roundtrip(v, 128), 1 + 128 * 4, "32-bit values cannot be patched");
    for (uint32_t i = 0; i < 128; i++)
        v[i] = i % 2;
    v[0] = 255;
    v[127] = 200;
    /* 1 bit for all plus two exceptions, instead of 8 bits for all */
    cr_assert_eq(roundtrip(v, 128), 1 + 16 + 2 * 2);
    v[64] = 1u << 20;
    /* patches carry 8 bits: 13 bits for all, the large value an exception */
    cr_assert_eq(roundtrip(v, 128), 1 + 128 * 13 / 8 + 2);
}

Test(bitpack, random_runs_round_trip_and_patching_never_loses)
{
    uint32_t v[255];
    for (int round = 0; round < 5000; round++) {
        uint32_t n = 1 + next() % 255, shift = next() % 32;
        uint32_t top = 0;
        for (uint32_t i = 0; i < n; i++) {
            v[i] = next() >> shift;
            if (next() % 16 == 0)
                v[i] = next() >> (next() % 32);  /* outliers */
            top |= v[i];
        }
        size_t len = roundtrip(v, n);
        cr_assert_leq(len, 1 + ((size_t)n * ps_bits_of(top) + 7) / 8, "never larger than a plain run");
    }
}

Test(bitpack, damaged_runs_are_refused)
{
    uint32_t v[128], got[128];
    for (uint32_t i = 0; i < 128; i++)
        v[i] = i % 4;
    v[3] = 1000;
    uint8_t buf[PS_PFOR_MAX_BYTES(128)];
    size_t len = ps_pfor_encode(v, 128, buf);
    cr_assert_eq(buf[0], 2 + 33 * 1, "2 bits and one exception");
    cr_assert_eq(buf[len - 2], 3, "the exception's index");
    uint8_t copy[sizeof buf] = { 0 };
    memcpy(copy, buf, len);
    copy[len - 2] = 128;
    cr_assert_eq(ps_pfor_decode(copy, len, 128, got), 0, "an exception past the run");
    copy[len - 2] = 127;
    cr_assert_eq(ps_pfor_decode(copy, len, 128, got), len, "the last value may be patched");
    cr_assert_eq(got[127], (3u | (1000u >> 2) << 2), "its high bits are set");
    memcpy(copy, buf, len);
    copy[0] = 33 * (PS_PFOR_MAX_EXCEPTIONS + 1);
    cr_assert_eq(ps_pfor_decode(copy, len, 128, got), 0, "too many exceptions");
    copy[0] = 32 + 33;
    cr_assert_eq(ps_pfor_decode(copy, 1 + 128 * 4 + 1, 128, got), 0, "short for 32 bits and an exception");
    uint8_t wide[1 + 4 + 2] = { 28 + 33, 0xff, 0xff, 0xff, 0x0f, 0, 0xff };
    cr_assert_eq(ps_pfor_decode(wide, sizeof wide, 1, got), 0, "a patched value past 32 bits");
    wide[6] = 0x0f;
    cr_assert_eq(ps_pfor_decode(wide, sizeof wide, 1, got), sizeof wide);
    cr_assert_eq(got[0], UINT32_MAX);
    cr_assert_eq(ps_pfor_decode(buf, len, 0, got), 0, "empty runs do not exist");
    cr_assert_eq(ps_pfor_decode(buf, len, 256, got), 0, "runs hold at most 255 values");
}
