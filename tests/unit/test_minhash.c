/* MinHash sketches: shingles respect fields and short texts; one-
 * permutation signatures estimate Jaccard as well as the classic K-hash
 * oracle does (errors within what the binomial variance allows, fixed
 * seed); LSH probabilities and the band choice. */
#include <criterion/criterion.h>
#include <math.h>

#include "sketch/minhash.h"
#include "test_helpers.h"

static uint64_t rng = 88172645463325252ull;
static uint64_t next_rand(void) { return xorshift64(&rng); }

static void sig_of(const uint64_t *set, size_t n, const ps_mh_params *p, uint32_t *sig)
{
    ps_shingler s;
    ps_shingler_begin(&s, p, sig);
    for (size_t i = 0; i < n; i++)
        ps_shingler_shingle(&s, set[i]);
    cr_assert_eq(ps_shingler_end(&s), n);
}

/* Two sets sharing `both` elements with `only_a` and `only_b` of their own. */
static void make_pair(uint64_t *a, uint64_t *b, size_t both, size_t only_a, size_t only_b)
{
    for (size_t i = 0; i < both; i++)
        a[i] = b[i] = next_rand();
    for (size_t i = 0; i < only_a; i++)
        a[both + i] = next_rand();
    for (size_t i = 0; i < only_b; i++)
        b[both + i] = next_rand();
}

Test(minhash, one_permutation_estimates_as_well_as_the_classic_oracle)
{
    ps_mh_params p;
    ps_mh_defaults(&p);
    static const double targets[] = { 0.1, 0.3, 0.5, 0.8, 0.9 };
    static const size_t sizes[] = { 20, 100, 1000 }; /* sparse (many empty bins) to dense */
    enum { PAIRS = 150 };
    for (size_t si = 0; si < 3; si++)
        for (size_t ti = 0; ti < 5; ti++) {
            double j = targets[ti];
            size_t n = sizes[si];
            /* |A| = |B| = n, |A n B| = c: J = c / (2n - c) */
            size_t c = (size_t)llround(2.0 * (double)n * j / (1.0 + j));
            double truth = (double)c / (double)(2 * n - c);
            double se_oph = 0, se_oracle = 0, sum_oph = 0;
            for (int t = 0; t < PAIRS; t++) {
                uint64_t a[1000], b[1000];
                uint32_t sa[PS_MH_MAX_K], sb[PS_MH_MAX_K];
                make_pair(a, b, c, n - c, n - c);
                sig_of(a, n, &p, sa);
                sig_of(b, n, &p, sb);
                double e = ps_jaccard_estimate(sa, sb, p.k);
                se_oph += (e - truth) * (e - truth);
                sum_oph += e;
                ps_minhash_classic(a, n, p.k, sa);
                ps_minhash_classic(b, n, p.k, sb);
                e = ps_jaccard_estimate(sa, sb, p.k);
                se_oracle += (e - truth) * (e - truth);
            }
            double var = truth * (1 - truth) / p.k; /* one estimate's variance, classic MinHash */
            double mse_oph = se_oph / PAIRS, mse_oracle = se_oracle / PAIRS;
            /* unbiased: the mean of PAIRS estimates is within 4 standard errors */
            cr_assert_lt(fabs(sum_oph / PAIRS - truth), 4 * sqrt(var / PAIRS) + 1e-9,
                         "n %zu J %.3f: mean estimate %.4f", n, truth, sum_oph / PAIRS);
            /* as precise as the oracle: mean squared error near the binomial
             * variance (for sampling without replacement it is smaller) */
            cr_assert_lt(mse_oph, 1.6 * var + 1e-9, "n %zu J %.3f: OPH mse %.5f, variance %.5f", n, truth, mse_oph, var);
            cr_assert_lt(mse_oracle, 1.6 * var + 1e-9, "n %zu J %.3f: oracle mse %.5f", n, truth, mse_oracle);
        }
}

Test(minhash, identical_sets_agree_and_disjoint_sets_nearly_never)
{
    ps_mh_params p;
    ps_mh_defaults(&p);
    uint64_t a[300], b[300];
    uint32_t sa[PS_MH_MAX_K], sb[PS_MH_MAX_K];
    make_pair(a, b, 300, 0, 0);
    sig_of(a, 300, &p, sa);
    sig_of(b, 300, &p, sb);
    cr_assert_eq(ps_jaccard_estimate(sa, sb, p.k), 1.0);
    make_pair(a, b, 0, 300, 300);
    sig_of(a, 300, &p, sa);
    sig_of(b, 300, &p, sb);
    cr_assert_lt(ps_jaccard_estimate(sa, sb, p.k), 0.05);
    /* the order shingles come in does not matter */
    uint64_t r[300];
    for (int i = 0; i < 300; i++)
        r[i] = a[299 - i];
    sig_of(r, 300, &p, sb);
    cr_assert_eq(ps_jaccard_estimate(sa, sb, p.k), 1.0);
}

/* Tokens 1..n of one field, as hashes. */
static void feed(ps_shingle_set *s, ps_field f, uint64_t from, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        ps_shingle_set_token(s, f, from + i);
}

Test(minhash, shingles_follow_fields_and_short_texts)
{
    ps_mh_params p;
    ps_mh_defaults(&p);
    ps_shingle_set s = { 0 };
    ps_shingle_set_begin(&s, &p);
    feed(&s, PS_FIELD_TITLE, 100, 3);       /* shorter than 5: one shingle */
    feed(&s, PS_FIELD_ABSTRACT, 200, 10);   /* 10 - 5 + 1 = 6 shingles */
    feed(&s, PS_FIELD_DESCRIPTION, 300, 50); /* not shingled by default */
    feed(&s, PS_FIELD_CLAIMS, 400, 5);      /* exactly one */
    ps_shingle_set_end(&s);
    cr_assert_eq(s.n, 8);
    /* the same tokens with the fields swapped around do not form the same shingles across the border */
    ps_shingle_set t = { 0 };
    ps_shingle_set_begin(&t, &p);
    feed(&t, PS_FIELD_TITLE, 100, 3);
    feed(&t, PS_FIELD_TITLE, 200, 10);      /* now one field: 13 - 5 + 1 = 9 */
    feed(&t, PS_FIELD_CLAIMS, 400, 5);
    ps_shingle_set_end(&t);
    cr_assert_eq(t.n, 10);
    double j = ps_jaccard_exact(s.h, s.n, t.h, t.n);
    cr_assert_float_eq(j, 7.0 / 11.0, 1e-12, "shared: 6 abstract shingles + the claim one; J %.4f", j);
    /* the signature of the token stream counts the same shingles */
    uint32_t sig[PS_MH_MAX_K];
    ps_shingler sh;
    ps_shingler_begin(&sh, &p, sig);
    for (uint64_t i = 0; i < 3; i++)
        ps_shingler_token(&sh, PS_FIELD_TITLE, 100 + i);
    for (uint64_t i = 0; i < 10; i++)
        ps_shingler_token(&sh, PS_FIELD_ABSTRACT, 200 + i);
    for (uint64_t i = 0; i < 5; i++)
        ps_shingler_token(&sh, PS_FIELD_CLAIMS, 400 + i);
    cr_assert_eq(ps_shingler_end(&sh), 8);
    uint32_t oracle[PS_MH_MAX_K];
    ps_minhash_classic(s.h, s.n, p.k, oracle);
    (void)oracle;
    ps_shingle_set_free(&s);
    ps_shingle_set_free(&t);
    /* no text: a signature that matches nothing real */
    ps_shingler_begin(&sh, &p, sig);
    cr_assert_eq(ps_shingler_end(&sh), 0);
    for (uint32_t i = 0; i < p.k; i++)
        cr_assert_eq(sig[i], UINT32_MAX);
}

Test(minhash, lsh_curve_and_band_choice)
{
    cr_assert_float_eq(ps_lsh_probability(0.8, 16, 8), 0.9470, 5e-4);
    cr_assert_float_eq(ps_lsh_probability(0.0, 16, 8), 0.0, 1e-12);
    cr_assert_float_eq(ps_lsh_probability(1.0, 16, 8), 1.0, 1e-12);
    uint32_t b, r;
    ps_lsh_choose(128, 0.8, &b, &r);
    cr_assert_eq(r, 5);
    cr_assert_eq(b, 25);
    cr_assert_geq(ps_lsh_probability(0.7, b, r), 0.95);
    cr_assert_lt(ps_lsh_probability(0.7, 128 / (r + 1), r + 1), 0.95, "one more row would miss the target");
    ps_lsh_choose(128, 0.5, &b, &r);
    cr_assert_geq(ps_lsh_probability(0.4, b, r), 0.95);
    /* band keys: equal rows, equal keys */
    uint32_t x[128], y[128];
    for (int i = 0; i < 128; i++)
        x[i] = y[i] = (uint32_t)next_rand();
    y[7] ^= 1; /* band 1 of 5 rows holds value 7 */
    cr_assert_eq(ps_lsh_key(x, 0, 5), ps_lsh_key(y, 0, 5));
    cr_assert_neq(ps_lsh_key(x, 1, 5), ps_lsh_key(y, 1, 5));
}

/* Stored signatures are little-endian whatever the machine's order. */
Test(minhash, stored_signatures_are_little_endian)
{
    const uint32_t sig[3] = { 0x01020304u, 0xA0B0C0D0u, UINT32_MAX };
    uint8_t le[12];
    ps_mh_to_le(sig, 3, le);
    const uint8_t want[12] = { 0x04, 0x03, 0x02, 0x01, 0xD0, 0xC0, 0xB0, 0xA0, 0xFF, 0xFF, 0xFF, 0xFF };
    cr_assert_eq(memcmp(le, want, sizeof want), 0);
}
