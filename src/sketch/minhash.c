/* Shingles, one-permutation MinHash with optimal densification, the
 * classic MinHash oracle, and LSH banding. */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* inlined: a call into libxxhash per word or shingle cost more than the
 * hashing of such short keys */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "sketch/minhash.h"

void ps_mh_defaults(ps_mh_params *p)
{
    p->k = PS_MH_DEFAULT_K;
    p->shingle = PS_MH_DEFAULT_SHINGLE;
    p->fields = PS_MH_DEFAULT_FIELDS;
    ps_lsh_choose(p->k, PS_MH_DEFAULT_THRESHOLD, &p->bands, &p->rows);
}

bool ps_mh_params_valid(const ps_mh_params *p)
{
    return p->k >= 1 && p->k <= PS_MH_MAX_K && p->shingle >= 1 && p->shingle <= PS_MH_MAX_SHINGLE &&
           p->fields && !(p->fields >> PS_FIELD_COUNT) && p->bands >= 1 && p->rows >= 1 &&
           (uint64_t)p->bands * p->rows <= p->k;
}

/* ---- the shingle window ---- */

typedef void (*emit_fn)(void *ctx, uint64_t shingle);

static void window_reset(ps_shingle_window *w, uint32_t size)
{
    w->size = size;
    w->n = 0;
    w->next = 0;
    w->field = -1;
    w->shingled = false;
}

/* A field shorter than the shingle still gives one shingle: all of it. */
static void window_flush(ps_shingle_window *w, emit_fn emit, void *ctx)
{
    if (w->n > 0 && !w->shingled)
        emit(ctx, XXH3_64bits(w->h, w->n * sizeof w->h[0])); /* not full: h[0 .. n) */
    w->n = 0;
    w->next = 0;
    w->shingled = false;
}

static void window_push(ps_shingle_window *w, int field, uint64_t th, emit_fn emit, void *ctx)
{
    if (field != w->field) {
        window_flush(w, emit, ctx);
        w->field = field;
    }
    w->h[w->next] = w->h[w->next + w->size] = th;
    w->next = w->next + 1 == w->size ? 0 : w->next + 1;
    if (w->n < w->size)
        w->n++;
    if (w->n == w->size) {
        /* full: the oldest token is the one the next overwrites */
        emit(ctx, XXH3_64bits(w->h + w->next, w->size * sizeof w->h[0]));
        w->shingled = true;
    }
}

/* ---- one-permutation hashing ---- */

/* An empty bin holds UINT32_MAX, so the minimum alone is right for it too;
 * the bit tells an empty bin from one that got UINT32_MAX. */
static void oph_add(void *ctx, uint64_t h)
{
    ps_shingler *s = ctx;
    uint32_t bin = (uint32_t)(((h >> 32) * (uint64_t)s->p.k) >> 32);
    uint32_t v = (uint32_t)h;
    s->sig[bin] = v < s->sig[bin] ? v : s->sig[bin];
    s->filled[bin >> 6] |= 1ull << (bin & 63);
    s->n_shingles++;
}

static bool bin_filled(const ps_shingler *s, uint32_t bin) { return s->filled[bin >> 6] >> (bin & 63) & 1; }

void ps_shingler_begin(ps_shingler *s, const ps_mh_params *p, uint32_t *sig)
{
    s->p = *p;
    s->sig = sig;
    s->n_shingles = 0;
    window_reset(&s->w, p->shingle);
    memset(s->filled, 0, (p->k + 63) / 64 * sizeof s->filled[0]);
    memset(sig, 0xFF, (size_t)p->k * sizeof *sig);
}

void ps_shingler_token(ps_shingler *s, ps_field f, uint64_t token_hash)
{
    if (s->p.fields & (1u << f))
        window_push(&s->w, (int)f, token_hash, oph_add, s);
}

void ps_shingler_shingle(ps_shingler *s, uint64_t shingle_hash) { oph_add(s, shingle_hash); }

/* ---- densification probes ---- */

/* Probe `attempt` of bin i: a bin in 0..k-1. */
static uint32_t probe(uint32_t i, uint32_t attempt, uint32_t k)
{
    uint64_t key[2] = { i, attempt };
    return (uint32_t)((XXH3_64bits_withSeed(key, sizeof key, PS_MH_SEED) >> 32) * (uint64_t)k >> 32);
}

/* The probe sequences depend only on k, so their first PROBES steps are
 * computed once per k and shared by every thread (hashing them per empty
 * bin was 5% of an index build of short abstracts). Tables are never
 * freed: one per k ever used, 2 KB for k = 128. */
enum { PROBES = 8 };
static _Atomic(uint16_t *) probe_tables[PS_MH_MAX_K + 1];

/* NULL when memory is short: the caller computes each probe then. */
static const uint16_t *probe_table(uint32_t k)
{
    uint16_t *t = atomic_load_explicit(&probe_tables[k], memory_order_acquire);
    if (t || !(t = malloc((size_t)k * PROBES * sizeof *t)))
        return t;
    for (uint32_t i = 0; i < k; i++)
        for (uint32_t a = 0; a < PROBES; a++)
            t[(size_t)i * PROBES + a] = (uint16_t)probe(i, a, k);
    uint16_t *none = NULL;
    if (!atomic_compare_exchange_strong(&probe_tables[k], &none, t)) {
        free(t);
        return none; /* another thread's, equal */
    }
    return t;
}

uint32_t ps_shingler_end(ps_shingler *s)
{
    window_flush(&s->w, oph_add, s);
    uint32_t k = s->p.k;
    if (s->n_shingles == 0) {
        for (uint32_t i = 0; i < k; i++)
            s->sig[i] = UINT32_MAX;
        return 0;
    }
    uint32_t words = (k + 63) / 64, filled = 0, only = 0;
    for (uint32_t w = 0; w < words; w++)
        if (s->filled[w]) {
            filled += (uint32_t)__builtin_popcountll(s->filled[w]);
            only = w * 64 + (uint32_t)__builtin_ctzll(s->filled[w]);
        }
    if (filled == 1) {
        /* every probe sequence ends at the one filled bin: the same result
         * without the ~K probes per bin (a title-only record) */
        for (uint32_t i = 0; i < k; i++)
            s->sig[i] = s->sig[only];
        return s->n_shingles;
    }
    /* optimal densification: an empty bin i takes the value of the first
     * originally filled bin on its probe sequence hash(i, 0), hash(i, 1),
     * ...; the sequence depends only on i, so two documents that are both
     * empty in bin i copy from the same place whenever they can */
    const uint16_t *tab = probe_table(k);
    for (uint32_t w = 0; w < words; w++) {
        uint64_t empty = ~s->filled[w];
        if (w == words - 1 && k % 64)
            empty &= (1ull << (k % 64)) - 1;
        for (; empty; empty &= empty - 1) {
            uint32_t i = w * 64 + (uint32_t)__builtin_ctzll(empty), j = 0;
            for (uint32_t attempt = 0;; attempt++) {
                j = tab && attempt < PROBES ? tab[(size_t)i * PROBES + attempt] : probe(i, attempt, k);
                if (bin_filled(s, j))
                    break;
                if (attempt == 64 * k) { /* never in practice; stay deterministic */
                    for (j = 0; !bin_filled(s, j); j++)
                        ;
                    break;
                }
            }
            /* the bits stay as they were: a densified bin is never a source */
            s->sig[i] = s->sig[j];
        }
    }
    return s->n_shingles;
}

/* ---- shingle sets ---- */

static void set_add(void *ctx, uint64_t h)
{
    ps_shingle_set *s = ctx;
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 256;
        uint64_t *p = realloc(s->h, cap * sizeof *p);
        if (!p) {
            s->oom = true;
            return;
        }
        s->h = p;
        s->cap = cap;
    }
    s->h[s->n++] = h;
}

void ps_shingle_set_begin(ps_shingle_set *s, const ps_mh_params *p)
{
    s->p = *p;
    s->n = 0;
    s->oom = false;
    window_reset(&s->w, p->shingle);
}

void ps_shingle_set_token(ps_shingle_set *s, ps_field f, uint64_t token_hash)
{
    if (s->p.fields & (1u << f))
        window_push(&s->w, (int)f, token_hash, set_add, s);
}

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

void ps_shingle_set_end(ps_shingle_set *s)
{
    window_flush(&s->w, set_add, s);
    if (s->n)
        qsort(s->h, s->n, sizeof *s->h, cmp_u64);
    size_t u = 0;
    for (size_t i = 0; i < s->n; i++)
        if (u == 0 || s->h[i] != s->h[u - 1])
            s->h[u++] = s->h[i];
    s->n = u;
}

void ps_shingle_set_free(ps_shingle_set *s)
{
    free(s->h);
    s->h = NULL;
    s->n = s->cap = 0;
}

double ps_jaccard_exact(const uint64_t *a, size_t na, const uint64_t *b, size_t nb)
{
    if (na + nb == 0)
        return 0;
    size_t i = 0, j = 0, both = 0;
    while (i < na && j < nb) {
        if (a[i] == b[j]) {
            both++;
            i++;
            j++;
        } else if (a[i] < b[j]) {
            i++;
        } else {
            j++;
        }
    }
    return (double)both / (double)(na + nb - both);
}

double ps_jaccard_estimate(const uint32_t *a, const uint32_t *b, uint32_t k)
{
    uint32_t same = 0;
    for (uint32_t i = 0; i < k; i++)
        same += a[i] == b[i];
    return (double)same / (double)k;
}

void ps_mh_to_le(const uint32_t *sig, uint32_t k, uint8_t *out)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(out, sig, (size_t)k * 4); /* the byte loop took 1% of an index build */
    return;
#endif
    for (uint32_t i = 0; i < k; i++)
        for (int b = 0; b < 4; b++)
            out[4 * i + b] = (uint8_t)(sig[i] >> (8 * b));
}

double ps_jaccard_estimate_le(const uint8_t *a, const uint8_t *b, uint32_t k)
{
    uint32_t same = 0;
    for (uint32_t i = 0; i < k; i++)
        same += memcmp(a + 4 * i, b + 4 * i, 4) == 0;
    return (double)same / (double)k;
}

void ps_minhash_classic(const uint64_t *set, size_t n, uint32_t k, uint32_t *sig)
{
    for (uint32_t i = 0; i < k; i++) {
        uint32_t m = UINT32_MAX;
        for (size_t j = 0; j < n; j++) {
            uint32_t v = (uint32_t)XXH3_64bits_withSeed(&set[j], sizeof set[j], PS_MH_SEED + i);
            m = v < m ? v : m;
        }
        sig[i] = m;
    }
}

/* ---- LSH ---- */

uint32_t ps_lsh_key(const uint32_t *sig, uint32_t band, uint32_t rows)
{
    return (uint32_t)XXH3_64bits(sig + (size_t)band * rows, rows * sizeof *sig);
}

uint32_t ps_lsh_key_le(const uint8_t *sig, uint32_t band, uint32_t rows)
{
    uint32_t v[PS_MH_MAX_K];
    const uint8_t *p = sig + (size_t)band * rows * 4;
    for (uint32_t r = 0; r < rows; r++)
        v[r] = (uint32_t)p[4 * r] | (uint32_t)p[4 * r + 1] << 8 | (uint32_t)p[4 * r + 2] << 16 |
               (uint32_t)p[4 * r + 3] << 24;
    return ps_lsh_key(v, 0, rows);
}

double ps_lsh_probability(double s, uint32_t bands, uint32_t rows)
{
    return 1.0 - pow(1.0 - pow(s, rows), bands);
}

void ps_lsh_choose(uint32_t k, double threshold, uint32_t *bands, uint32_t *rows)
{
    double at = threshold - PS_MH_MARGIN;
    if (at < 0.05)
        at = 0.05;
    *rows = 1;
    *bands = k;
    for (uint32_t r = 2; r <= k; r++)
        if (ps_lsh_probability(at, k / r, r) >= 0.95) {
            *rows = r;
            *bands = k / r;
        }
}
