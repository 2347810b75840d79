/* bench_minhash: quality and speed of the MinHash sketches
 * (src/sketch/minhash.c) at the default settings (ps_mh_defaults: K = 128,
 * 5-word shingles of title + abstract + claims, LSH bands for 0.8).
 *
 * --quality: every record is analysed (default analyzer, as `patsift
 * index` does) into its shingle set, its one-permutation (OPH) signature
 * and its classic K-hash (oracle) signature. The EXACT Jaccard similarity
 * of ALL pairs comes from an inverted index shingle -> documents: each
 * document counts, per later document, the shingles they share (pairs that
 * share none have J = 0 and cost nothing). Per bin of J of width 0.1 (pairs
 * with J > 0; J = 0 pairs are only counted): pairs, mean |error|, RMSE and
 * bias of both estimates, LSH candidate recall (any band key equal) next to
 * the mean theoretical P(J), and, over all pairs, precision and recall
 * after verification at the threshold (reported: candidate and estimate >=
 * T; true: exact >= T) and with `dedup --exact`-style verification
 * (candidates with estimate >= T - 0.1, then exact >= T). One JSON line per
 * bin, then one summary line; --pairs-out writes the pairs with J >=
 * --pairs-min as TSV.
 *
 * --speed: documents/s and MB/s (text bytes of the shingled fields) of
 * analysis alone, analysis + OPH signature, and the sketches alone over
 * pre-analysed input (OPH from the pre-hashed token stream, OPH and the
 * oracle from the pre-built shingle set, LSH keys, shingle sets), on each
 * thread count (OpenMP, one analyzer per thread, created on that thread),
 * same data, runs interleaved. The input is processed in batches (--batch)
 * so that any corpus fits in memory; times add up over the batches. One
 * JSON line per mode and thread count, then one meta line.
 *
 * Exit status: 0 ok, 1 input unreadable or empty (or out of memory), 2
 * usage, 3 inconsistent results (counts or signatures differ between
 * modes, runs or thread counts). */
#include <math.h>
#include <omp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "bench_util.h"
#include "patsift/analyze.h"
#include "patsift/reader.h"
#include "sketch/minhash.h"

enum { MAX_THREADS = 256, MAX_REPEAT = 1000, N_BINS = 10, CHUNK = 16 };

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bench_minhash --quality [OPTIONS] [--inputs] INPUT...\n"
            "       bench_minhash --speed [OPTIONS] [--inputs] INPUT...\n"
            "\n"
            "Quality and speed of patsift's MinHash sketches (one-permutation MinHash\n"
            "with densification, the classic K-hash oracle, LSH bands) at the default\n"
            "settings, on the records of INPUT (files or folders, any reader format).\n"
            "JSON lines on standard output; notes on standard error.\n"
            "\n"
            "--quality   exact Jaccard of all pairs (inverted index shingle ->\n"
            "            documents) against both estimates, per bin of 0.1; LSH\n"
            "            candidate recall vs theory; precision/recall after verification\n"
            "--speed     documents/s and MB/s of analysis, analysis + OPH, and the\n"
            "            sketches alone, per thread count\n"
            "\n"
            "common options:\n"
            "  --threshold S   verification threshold and the LSH design threshold\n"
            "                  (bands and rows as `patsift index --lsh-threshold S`;\n"
            "                  default 0.8)\n"
            "  --fields LIST   fields to shingle, comma-separated (default title,abstract,claims,\n"
            "                  as `patsift index --shingle-fields`)\n"
            "  --limit N       only the first N records\n"
            "  --label NAME    name of the input set in the output (default: first input)\n"
            "  --inputs        what follows are inputs (also accepted without it)\n"
            "  -h, --help      this help\n"
            "quality options:\n"
            "  --threads N     threads for analysis and pair counting (default: all cores)\n"
            "  --no-oracle     skip the classic signatures (K hashes per shingle: slow on\n"
            "                  long documents); the oracle columns are then null\n"
            "  --pairs-out F   write the pairs with exact J >= --pairs-min to F as TSV:\n"
            "                  id_a id_b exact oph_estimate oracle_estimate candidate\n"
            "                  shingles_a shingles_b (distinct shingles of each)\n"
            "  --pairs-min J   (default 0.5)\n"
            "speed options:\n"
            "  --threads LIST  comma-separated thread counts (default 1,2)\n"
            "  --repeat R      timed runs per mode, thread count and batch (default 3)\n"
            "  --modes LIST    some of analyze, analyze_hash, analyze_oph, oph_tokens,\n"
            "                  lsh_keys, shingle_set, oph_set, oracle_set (default: all)\n"
            "  --batch N       records in memory at a time (default 100000)\n"
            "\n"
            "Exit status: 0 ok, 1 input unreadable or empty, 2 usage, 3 inconsistent\n"
            "results (a bug).\n");
}

/* ------------------------------------------------------------ common */

typedef struct batch {
    ps_record **rec;
    size_t n, cap;
    uint64_t bytes; /* text bytes of the shingled fields */
} batch;

static void batch_clear(batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        free(b->rec[i]);
    b->n = 0;
    b->bytes = 0;
}

static uint64_t shingled_bytes(const ps_record *r, uint32_t fields)
{
    uint64_t n = 0;
    if (fields & (1u << PS_FIELD_TITLE))
        n += strlen(r->title);
    if (fields & (1u << PS_FIELD_ABSTRACT))
        n += strlen(r->abstract);
    if (fields & (1u << PS_FIELD_CLAIMS))
        for (size_t k = 0; k < r->n_claims; k++)
            n += strlen(r->claims[k].text);
    if (fields & (1u << PS_FIELD_DESCRIPTION))
        n += strlen(r->description);
    return n;
}

/* Reads up to max records (fewer at the end or at *left == 0) into b.
 * Returns 1 when records were read or more may follow, 0 at the end, -1 on
 * an error. */
static int read_batch(ps_reader *r, batch *b, size_t max, uint64_t *left, uint32_t fields)
{
    batch_clear(b);
    while (b->n < max && *left > 0) {
        const ps_record *rec;
        ps_rc rc = ps_reader_next(r, &rec);
        if (rc == PS_END)
            return b->n > 0;
        if (rc != PS_OK) {
            const char *msg = ps_reader_errmsg(r);
            fprintf(stderr, "bench_minhash: %s\n", *msg ? msg : ps_strerror(rc));
            return -1;
        }
        if (b->n == b->cap) {
            size_t cap = b->cap ? 2 * b->cap : 1024;
            ps_record **p = realloc(b->rec, cap * sizeof *p);
            if (!p)
                return -1;
            b->rec = p;
            b->cap = cap;
        }
        ps_record *copy = ps_record_clone(rec);
        if (!copy)
            return -1;
        b->rec[b->n++] = copy;
        b->bytes += shingled_bytes(copy, fields);
        (*left)--;
    }
    return b->n > 0;
}

static int parse_fields(const char *s, uint32_t *out)
{
    uint32_t m = 0;
    const char *p = s;
    while (*p) {
        char buf[32];
        size_t k = strcspn(p, ",");
        ps_field f;
        if (k == 0 || k >= sizeof buf)
            return -1;
        memcpy(buf, p, k);
        buf[k] = '\0';
        if (ps_field_parse(buf, &f) != PS_OK)
            return -1;
        m |= 1u << f;
        p += k;
        if (*p == ',')
            p++;
    }
    if (!m)
        return -1;
    *out = m;
    return 0;
}

static int parse_unit(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v >= 0 && v <= 1))
        return -1;
    *out = v;
    return 0;
}

static void loadavg(double v[3])
{
    v[0] = v[1] = v[2] = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (!f)
        return;
    if (fscanf(f, "%lf %lf %lf", &v[0], &v[1], &v[2]) != 3)
        v[0] = v[1] = v[2] = -1;
    fclose(f);
}

static void json_loadavg(FILE *f, const char *key, const double v[3])
{
    fprintf(f, ",\"%s\":[", key);
    for (int i = 0; i < 3; i++) {
        if (i)
            fputc(',', f);
        bench_json_num(f, v[i] >= 0 ? v[i] : -1e301);
    }
    fputc(']', f);
}

static inline uint32_t same_values(const uint32_t *a, const uint32_t *b, uint32_t k)
{
    uint32_t same = 0;
    for (uint32_t i = 0; i < k; i++)
        same += a[i] == b[i];
    return same;
}

static inline bool any_band(const uint32_t *ka, const uint32_t *kb, uint32_t bands)
{
    for (uint32_t i = 0; i < bands; i++)
        if (ka[i] == kb[i])
            return true;
    return false;
}

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

/* ------------------------------------------------------------ quality */

typedef struct qdoc {
    uint64_t *set; /* sorted unique shingle hashes */
    uint32_t n;
    char *id;
} qdoc;

typedef struct qcorpus {
    qdoc *doc;
    size_t n, cap;
    uint32_t *oph, *orc;          /* n * k */
    uint32_t *koph, *korc;        /* n * bands */
    uint64_t bytes, shingles;     /* shingles with repeats */
    uint64_t empty;               /* documents without a shingle */
} qcorpus;

typedef struct qtok {
    ps_shingle_set set;
    ps_shingler sh;
} qtok;

static int q_token(const ps_token *t, void *ctx)
{
    qtok *q = ctx;
    if (!(q->sh.p.fields & (1u << t->field)))
        return 0;
    uint64_t h = XXH3_64bits(t->term, t->len);
    ps_shingle_set_token(&q->set, t->field, h);
    ps_shingler_token(&q->sh, t->field, h);
    return 0;
}

static int qcorpus_grow(qcorpus *c, size_t n, uint32_t k)
{
    if (n <= c->cap)
        return 0;
    size_t cap = c->cap ? c->cap : 1024;
    while (cap < n)
        cap *= 2;
    qdoc *d = realloc(c->doc, cap * sizeof *d);
    if (!d)
        return -1;
    c->doc = d;
    uint32_t *o = realloc(c->oph, cap * k * sizeof *o);
    if (!o)
        return -1;
    c->oph = o;
    o = realloc(c->orc, cap * k * sizeof *o);
    if (!o)
        return -1;
    c->orc = o;
    c->cap = cap;
    return 0;
}

/* Analyses one batch into c (documents c->n ..). */
static int q_analyse(qcorpus *c, const batch *b, const ps_mh_params *p, int threads, bool oracle)
{
    if (qcorpus_grow(c, c->n + b->n, p->k) != 0)
        return -1;
    size_t base = c->n;
    long n = (long)b->n;
    int bad = 0;
    uint64_t shingles = 0, empty = 0;
#pragma omp parallel num_threads(threads) reduction(| : bad) reduction(+ : shingles, empty)
    {
        ps_analyzer *an = NULL;
        qtok q;
        memset(&q, 0, sizeof q);
        if (ps_analyzer_create(NULL, &an) != PS_OK)
            bad = 1;
#pragma omp for schedule(dynamic, CHUNK)
        for (long i = 0; i < n; i++) {
            size_t d = base + (size_t)i;
            qdoc *qd = &c->doc[d];
            *qd = (qdoc){ 0 };
            if (bad)
                continue;
            const ps_record *r = b->rec[i];
            ps_shingle_set_begin(&q.set, p);
            ps_shingler_begin(&q.sh, p, c->oph + d * p->k);
            if (ps_analyze_record(an, r, q_token, &q) != PS_OK) {
                bad = 1;
                continue;
            }
            ps_shingle_set_end(&q.set);
            uint32_t ns = ps_shingler_end(&q.sh);
            shingles += ns;
            empty += q.set.n == 0;
            qd->n = (uint32_t)q.set.n;
            qd->set = malloc((q.set.n ? q.set.n : 1) * sizeof *qd->set);
            qd->id = strdup(r->id);
            if (q.set.oom || !qd->set || !qd->id || (ns == 0) != (q.set.n == 0)) {
                bad = 1;
                continue;
            }
            if (q.set.n)
                memcpy(qd->set, q.set.h, q.set.n * sizeof *qd->set);
            if (oracle)
                ps_minhash_classic(qd->set, qd->n, p->k, c->orc + d * p->k);
        }
        ps_shingle_set_free(&q.set);
        ps_analyzer_free(an);
    }
    c->n += b->n;
    c->shingles += shingles;
    c->empty += empty;
    c->bytes += b->bytes;
    return bad ? -1 : 0;
}

typedef struct entry {
    uint64_t h;
    uint32_t d;
} entry;

static int cmp_entry(const void *x, const void *y)
{
    const entry *a = x, *b = y;
    if (a->h != b->h)
        return a->h < b->h ? -1 : 1;
    return (a->d > b->d) - (a->d < b->d);
}

/* The inverted index, shingles shared by two or more documents only:
 * e[0..m) sorted by (shingle, doc), end[i] = end of the run of e[i];
 * pos[off[d] .. off[d + 1]) = the places of document d's entries. */
typedef struct inv {
    entry *e;
    uint32_t *end, *pos;
    uint64_t *off;
    size_t m;
    uint64_t work;   /* sum over shingles of df (df - 1) / 2 */
    uint32_t max_df;
} inv;

static int inv_build(inv *x, const qcorpus *c)
{
    memset(x, 0, sizeof *x);
    size_t total = 0;
    for (size_t d = 0; d < c->n; d++)
        total += c->doc[d].n;
    if (total >= UINT32_MAX) {
        fprintf(stderr, "bench_minhash: too many shingles for --quality (%zu)\n", total);
        return -1;
    }
    entry *e = malloc((total ? total : 1) * sizeof *e);
    if (!e)
        return -1;
    size_t m = 0;
    for (size_t d = 0; d < c->n; d++)
        for (uint32_t i = 0; i < c->doc[d].n; i++)
            e[m++] = (entry){ c->doc[d].set[i], (uint32_t)d };
    qsort(e, m, sizeof *e, cmp_entry);
    /* keep the runs of length >= 2 */
    size_t k = 0;
    for (size_t i = 0; i < m;) {
        size_t j = i + 1;
        while (j < m && e[j].h == e[i].h)
            j++;
        if (j - i >= 2) {
            uint64_t df = j - i;
            x->work += df * (df - 1) / 2;
            if (df > x->max_df)
                x->max_df = (uint32_t)df;
            memmove(e + k, e + i, (j - i) * sizeof *e);
            k += j - i;
        }
        i = j;
    }
    x->e = e;
    x->m = k;
    x->end = malloc((k ? k : 1) * sizeof *x->end);
    x->pos = malloc((k ? k : 1) * sizeof *x->pos);
    x->off = calloc(c->n + 1, sizeof *x->off);
    if (!x->end || !x->pos || !x->off)
        return -1;
    for (size_t i = 0; i < k;) {
        size_t j = i + 1;
        while (j < k && e[j].h == e[i].h)
            j++;
        for (size_t t = i; t < j; t++)
            x->end[t] = (uint32_t)j;
        i = j;
    }
    for (size_t i = 0; i < k; i++)
        x->off[e[i].d + 1]++;
    for (size_t d = 0; d < c->n; d++)
        x->off[d + 1] += x->off[d];
    uint64_t *fill = malloc((c->n ? c->n : 1) * sizeof *fill);
    if (!fill)
        return -1;
    if (c->n)
        memcpy(fill, x->off, c->n * sizeof *fill);
    for (size_t i = 0; i < k; i++)
        x->pos[fill[e[i].d]++] = (uint32_t)i;
    free(fill);
    return 0;
}

static void inv_free(inv *x)
{
    free(x->e);
    free(x->end);
    free(x->pos);
    free(x->off);
}

typedef struct qbin {
    uint64_t pairs, cand, cand_orc;
    double sum_j, sum_p, oph_abs, oph_sq, oph_sum, orc_abs, orc_sq, orc_sum;
} qbin;

typedef struct qpair {
    uint32_t a, b, c, u;
    uint16_t same_oph, same_orc;
    uint8_t cand;
} qpair;

typedef struct qacc {
    qbin bin[N_BINS];
    uint64_t positive;                   /* pairs with J > 0 */
    uint64_t truth, truth_cand;          /* J >= T; and LSH candidates */
    uint64_t truth_cand_orc;
    uint64_t est_reported, est_tp;       /* candidate, OPH estimate >= T; and J >= T */
    uint64_t orc_reported, orc_tp;       /* oracle candidate, oracle estimate >= T */
    uint64_t all_reported, all_tp;       /* OPH estimate >= T, no LSH (every pair verified) */
    uint64_t exact_checked, exact_tp;    /* candidate, estimate >= T - margin; and J >= T */
    uint64_t cand_positive;              /* candidates with J > 0 */
    qpair *dump;
    size_t n_dump, cap_dump;
    bool oom;
} qacc;

typedef struct qsetup {
    const qcorpus *c;
    const inv *x;
    ps_mh_params p;
    double t, margin, pairs_min;
    bool oracle, dump;
} qsetup;

static void q_pair(const qsetup *s, qacc *acc, uint32_t a, uint32_t b, uint32_t shared)
{
    const qcorpus *c = s->c;
    uint32_t k = s->p.k, bands = s->p.bands;
    uint32_t u = c->doc[a].n + c->doc[b].n - shared;
    double j = (double)shared / (double)u;
    uint32_t bi = (uint32_t)((10ull * shared) / u);
    if (bi >= N_BINS)
        bi = N_BINS - 1;
    uint32_t so = same_values(c->oph + (size_t)a * k, c->oph + (size_t)b * k, k);
    double eo = (double)so / (double)k;
    bool cand = any_band(c->koph + (size_t)a * bands, c->koph + (size_t)b * bands, bands);
    qbin *q = &acc->bin[bi];
    q->pairs++;
    q->sum_j += j;
    q->sum_p += ps_lsh_probability(j, s->p.bands, s->p.rows);
    q->oph_abs += eo > j ? eo - j : j - eo;
    q->oph_sq += (eo - j) * (eo - j);
    q->oph_sum += eo - j;
    q->cand += cand;
    uint32_t sr = 0;
    bool cand_orc = false;
    double er = 0;
    if (s->oracle) {
        sr = same_values(c->orc + (size_t)a * k, c->orc + (size_t)b * k, k);
        er = (double)sr / (double)k;
        cand_orc = any_band(c->korc + (size_t)a * bands, c->korc + (size_t)b * bands, bands);
        q->orc_abs += er > j ? er - j : j - er;
        q->orc_sq += (er - j) * (er - j);
        q->orc_sum += er - j;
        q->cand_orc += cand_orc;
    }
    bool truth = j >= s->t;
    acc->positive++;
    acc->cand_positive += cand;
    acc->truth += truth;
    acc->truth_cand += truth && cand;
    acc->truth_cand_orc += truth && cand_orc;
    if (cand && eo >= s->t) {
        acc->est_reported++;
        acc->est_tp += truth;
    }
    if (cand_orc && er >= s->t) {
        acc->orc_reported++;
        acc->orc_tp += truth;
    }
    if (eo >= s->t) {
        acc->all_reported++;
        acc->all_tp += truth;
    }
    if (cand && eo >= s->t - s->margin) {
        acc->exact_checked++;
        acc->exact_tp += truth;
    }
    if (s->dump && j >= s->pairs_min && !acc->oom) {
        if (acc->n_dump == acc->cap_dump) {
            size_t cap = acc->cap_dump ? 2 * acc->cap_dump : 1024;
            qpair *v = realloc(acc->dump, cap * sizeof *v);
            if (!v) {
                acc->oom = true;
                return;
            }
            acc->dump = v;
            acc->cap_dump = cap;
        }
        acc->dump[acc->n_dump++] = (qpair){ a, b, shared, u, (uint16_t)so, (uint16_t)sr, cand };
    }
}

static void qacc_add(qacc *to, const qacc *from)
{
    for (int i = 0; i < N_BINS; i++) {
        qbin *t = &to->bin[i];
        const qbin *f = &from->bin[i];
        t->pairs += f->pairs;
        t->cand += f->cand;
        t->cand_orc += f->cand_orc;
        t->sum_j += f->sum_j;
        t->sum_p += f->sum_p;
        t->oph_abs += f->oph_abs;
        t->oph_sq += f->oph_sq;
        t->oph_sum += f->oph_sum;
        t->orc_abs += f->orc_abs;
        t->orc_sq += f->orc_sq;
        t->orc_sum += f->orc_sum;
    }
    to->positive += from->positive;
    to->truth += from->truth;
    to->truth_cand += from->truth_cand;
    to->truth_cand_orc += from->truth_cand_orc;
    to->est_reported += from->est_reported;
    to->est_tp += from->est_tp;
    to->orc_reported += from->orc_reported;
    to->orc_tp += from->orc_tp;
    to->all_reported += from->all_reported;
    to->all_tp += from->all_tp;
    to->exact_checked += from->exact_checked;
    to->exact_tp += from->exact_tp;
    to->cand_positive += from->cand_positive;
    to->oom |= from->oom;
}

/* Every pair that shares a shingle, once (from its first document). */
static int q_pairs(const qsetup *s, int threads, qacc *total)
{
    const qcorpus *c = s->c;
    const inv *x = s->x;
    long n = (long)c->n;
    qacc *per = calloc((size_t)threads, sizeof *per);
    if (!per)
        return -1;
    int bad = 0;
#pragma omp parallel num_threads(threads) reduction(| : bad)
    {
        qacc *acc = &per[omp_get_thread_num()];
        uint32_t *cnt = calloc(c->n ? c->n : 1, sizeof *cnt);
        uint32_t *touched = malloc((c->n ? c->n : 1) * sizeof *touched);
        if (!cnt || !touched)
            bad = 1;
#pragma omp for schedule(dynamic, 8)
        for (long a = 0; a < n; a++) {
            if (bad)
                continue;
            size_t nt = 0;
            for (uint64_t q = x->off[a]; q < x->off[a + 1]; q++) {
                uint32_t i = x->pos[q];
                for (uint32_t t = i + 1; t < x->end[i]; t++) {
                    uint32_t b = x->e[t].d;
                    if (cnt[b]++ == 0)
                        touched[nt++] = b;
                }
            }
            for (size_t t = 0; t < nt; t++) {
                uint32_t b = touched[t];
                q_pair(s, acc, (uint32_t)a, b, cnt[b]);
                cnt[b] = 0;
            }
        }
        free(cnt);
        free(touched);
    }
    for (int t = 0; t < threads; t++) {
        qacc_add(total, &per[t]);
        if (s->dump && !total->oom) {
            size_t need = total->n_dump + per[t].n_dump;
            if (need > total->cap_dump) {
                qpair *v = realloc(total->dump, (need ? need : 1) * sizeof *v);
                if (!v) {
                    total->oom = true;
                } else {
                    total->dump = v;
                    total->cap_dump = need;
                }
            }
            if (!total->oom && per[t].n_dump) {
                memcpy(total->dump + total->n_dump, per[t].dump, per[t].n_dump * sizeof *total->dump);
                total->n_dump += per[t].n_dump;
            }
        }
        free(per[t].dump);
    }
    free(per);
    return bad || total->oom ? -1 : 0;
}

typedef struct kd {
    uint32_t key, d;
} kd;

static int cmp_kd(const void *x, const void *y)
{
    const kd *a = x, *b = y;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return (a->d > b->d) - (a->d < b->d);
}

typedef struct qcand {
    uint64_t n, zero;              /* candidate pairs; those with J = 0 */
    uint64_t zero_est_t, zero_est_floor; /* of those, OPH estimate >= T, >= T - margin */
} qcand;

/* Every LSH candidate pair (OPH band keys), found as `patsift dedup` finds
 * them: per band, all documents with one key; documents without shingles
 * are not in the tables. Counts those with J = 0, which the pair pass
 * never sees. */
static int q_candidates(const qsetup *s, qcand *out)
{
    const qcorpus *c = s->c;
    uint32_t bands = s->p.bands, k = s->p.k;
    memset(out, 0, sizeof *out);
    kd *t = malloc((c->n ? c->n : 1) * sizeof *t);
    uint64_t *pairs = NULL;
    size_t np = 0, cap = 0;
    if (!t)
        return -1;
    for (uint32_t b = 0; b < bands; b++) {
        size_t m = 0;
        for (size_t d = 0; d < c->n; d++)
            if (c->doc[d].n)
                t[m++] = (kd){ c->koph[d * bands + b], (uint32_t)d };
        qsort(t, m, sizeof *t, cmp_kd);
        for (size_t i = 0; i < m;) {
            size_t j = i + 1;
            while (j < m && t[j].key == t[i].key)
                j++;
            for (size_t x = i; x < j; x++)
                for (size_t y = x + 1; y < j; y++) {
                    if (np == cap) {
                        cap = cap ? 2 * cap : 1024;
                        uint64_t *v = realloc(pairs, cap * sizeof *v);
                        if (!v) {
                            free(pairs);
                            free(t);
                            return -1;
                        }
                        pairs = v;
                    }
                    pairs[np++] = (uint64_t)t[x].d << 32 | t[y].d;
                }
            i = j;
        }
    }
    free(t);
    if (np)
        qsort(pairs, np, sizeof *pairs, cmp_u64);
    for (size_t i = 0; i < np; i++) {
        if (i && pairs[i] == pairs[i - 1])
            continue;
        out->n++;
        uint32_t a = (uint32_t)(pairs[i] >> 32), b = (uint32_t)pairs[i];
        if (ps_jaccard_exact(c->doc[a].set, c->doc[a].n, c->doc[b].set, c->doc[b].n) > 0)
            continue;
        out->zero++;
        double e = (double)same_values(c->oph + (size_t)a * k, c->oph + (size_t)b * k, k) / (double)k;
        out->zero_est_t += e >= s->t;
        out->zero_est_floor += e >= s->t - s->margin;
    }
    free(pairs);
    return 0;
}

static int cmp_qpair(const void *x, const void *y)
{
    const qpair *a = x, *b = y;
    if (a->a != b->a)
        return a->a < b->a ? -1 : 1;
    return (a->b > b->b) - (a->b < b->b);
}

static int write_pairs(const char *path, const qsetup *s, qacc *acc)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "bench_minhash: cannot write %s\n", path);
        return -1;
    }
    if (acc->n_dump)
        qsort(acc->dump, acc->n_dump, sizeof *acc->dump, cmp_qpair);
    fprintf(f, "id_a\tid_b\texact\toph_estimate\toracle_estimate\tcandidate\tshingles_a\tshingles_b\n");
    double k = (double)s->p.k;
    for (size_t i = 0; i < acc->n_dump; i++) {
        const qpair *q = &acc->dump[i];
        fprintf(f, "%s\t%s\t%.6f\t%.6f\t", s->c->doc[q->a].id, s->c->doc[q->b].id, (double)q->c / (double)q->u,
                q->same_oph / k);
        if (s->oracle)
            fprintf(f, "%.6f", q->same_orc / k);
        else
            fputs("-", f);
        fprintf(f, "\t%d\t%u\t%u\n", q->cand, s->c->doc[q->a].n, s->c->doc[q->b].n);
    }
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        fprintf(stderr, "bench_minhash: write error on %s\n", path);
        return -1;
    }
    return 0;
}

static double ratio(uint64_t a, uint64_t b) { return b ? (double)a / (double)b : -1e301; }

static void json_pr(FILE *f, const char *name, uint64_t reported, uint64_t tp, uint64_t truth)
{
    fprintf(f, ",\"%s\":{\"reported\":%llu,\"true_positives\":%llu,\"precision\":", name,
            (unsigned long long)reported, (unsigned long long)tp);
    bench_json_num(f, ratio(tp, reported));
    fprintf(f, ",\"recall\":");
    bench_json_num(f, ratio(tp, truth));
    fputc('}', f);
}

typedef struct opts {
    bool quality, speed, oracle;
    int thread_list[32], n_threads;
    unsigned long repeat, batch;
    uint64_t limit;
    double threshold, pairs_min;
    const char *label, *pairs_out;
    unsigned modes;
    uint32_t fields;  /* 0: the default */
    char **inputs;
    int n_inputs;
} opts;

static ps_reader *open_inputs(const opts *o)
{
    ps_reader *r;
    if (ps_reader_create(NULL, &r) != PS_OK)
        return NULL;
    for (int i = 0; i < o->n_inputs; i++)
        if (ps_reader_add_path(r, o->inputs[i]) != PS_OK) {
            fprintf(stderr, "bench_minhash: %s\n", ps_reader_errmsg(r));
            ps_reader_free(r);
            return NULL;
        }
    return r;
}

static void mh_params(const opts *o, ps_mh_params *p)
{
    ps_mh_defaults(p);
    if (o->fields)
        p->fields = o->fields;
    ps_lsh_choose(p->k, o->threshold, &p->bands, &p->rows);
}

static int quality(const opts *o)
{
    ps_mh_params p;
    mh_params(o, &p);
    int threads = o->n_threads > 0 ? o->thread_list[0] : omp_get_num_procs();
    double la0[3], la1[3];
    loadavg(la0);
    ps_reader *r = open_inputs(o);
    if (!r)
        return 1;
    qcorpus c;
    memset(&c, 0, sizeof c);
    batch b = { 0 };
    uint64_t left = o->limit;
    int status = 0, got;
    double t0 = bench_now();
    while ((got = read_batch(r, &b, o->batch, &left, p.fields)) > 0)
        if (q_analyse(&c, &b, &p, threads, o->oracle) != 0) {
            fprintf(stderr, "bench_minhash: analysis failed (out of memory?)\n");
            status = 1;
            break;
        }
    if (got < 0)
        status = 1;
    batch_clear(&b);
    free(b.rec);
    ps_reader_free(r);
    if (status == 0 && c.n < 2) {
        fprintf(stderr, "bench_minhash: --quality needs at least two records\n");
        status = 1;
    }
    if (status == 0 && c.n > UINT32_MAX - 1) {
        fprintf(stderr, "bench_minhash: too many records for --quality\n");
        status = 1;
    }
    double t_analysis = bench_now() - t0;
    c.koph = malloc((c.n ? c.n : 1) * p.bands * sizeof *c.koph);
    c.korc = malloc((c.n ? c.n : 1) * p.bands * sizeof *c.korc);
    if (status == 0 && (!c.koph || !c.korc))
        status = 1;
    for (size_t d = 0; status == 0 && d < c.n; d++)
        for (uint32_t j = 0; j < p.bands; j++) {
            c.koph[d * p.bands + j] = ps_lsh_key(c.oph + d * p.k, j, p.rows);
            c.korc[d * p.bands + j] = o->oracle ? ps_lsh_key(c.orc + d * p.k, j, p.rows) : 0;
        }
    uint64_t set_total = 0;
    for (size_t d = 0; d < c.n; d++)
        set_total += c.doc[d].n;
    if (status == 0)
        fprintf(stderr,
                "bench_minhash: %zu documents, %.1f MB of shingled text, %llu shingles (%llu without repeats within a "
                "document), %llu without shingles; analysed in %.2f s on %d threads\n",
                c.n, (double)c.bytes / 1e6, (unsigned long long)c.shingles, (unsigned long long)set_total,
                (unsigned long long)c.empty, t_analysis, threads);

    inv x;
    memset(&x, 0, sizeof x);
    double t_inv = 0, t_pairs = 0, t_cand = 0;
    qacc acc;
    memset(&acc, 0, sizeof acc);
    qcand qc = { 0 };
    qsetup s = { &c, &x, p, o->threshold, PS_MH_MARGIN, o->pairs_min, o->oracle, o->pairs_out != NULL };
    if (status == 0) {
        t0 = bench_now();
        if (inv_build(&x, &c) != 0) {
            fprintf(stderr, "bench_minhash: cannot build the inverted index (out of memory?)\n");
            status = 1;
        }
        t_inv = bench_now() - t0;
    }
    if (status == 0) {
        fprintf(stderr,
                "bench_minhash: inverted index: %zu entries of shared shingles, largest df %u, %llu "
                "shingle-pair increments, built in %.2f s\n",
                x.m, x.max_df, (unsigned long long)x.work, t_inv);
        t0 = bench_now();
        if (q_pairs(&s, threads, &acc) != 0) {
            fprintf(stderr, "bench_minhash: pair counting failed (out of memory?)\n");
            status = 1;
        }
        t_pairs = bench_now() - t0;
    }
    if (status == 0) {
        t0 = bench_now();
        if (q_candidates(&s, &qc) != 0) {
            fprintf(stderr, "bench_minhash: candidate enumeration failed (out of memory?)\n");
            status = 1;
        }
        t_cand = bench_now() - t0;
    }
    if (status == 0 && qc.n - qc.zero != acc.cand_positive) {
        fprintf(stderr,
                "bench_minhash: inconsistent: %llu candidates with J > 0 from the band tables, %llu "
                "from the pairs\n",
                (unsigned long long)(qc.n - qc.zero), (unsigned long long)acc.cand_positive);
        status = 3;
    }
    if (status == 0 && o->pairs_out && write_pairs(o->pairs_out, &s, &acc) != 0)
        status = 1;
    loadavg(la1);
    if (status == 0) {
        fprintf(stderr, "bench_minhash: %llu pairs with J > 0 in %.2f s; %llu candidates in %.2f s\n",
                (unsigned long long)acc.positive, t_pairs, (unsigned long long)qc.n, t_cand);
        const char *label = o->label ? o->label : bench_basename(o->inputs[0]);
        for (int i = 0; i < N_BINS; i++) {
            const qbin *q = &acc.bin[i];
            double n = (double)q->pairs;
            bool has = q->pairs > 0;
            printf("{\"bench\":\"minhash_quality\",\"kind\":\"bin\",\"label\":");
            bench_json_str(stdout, label);
            printf(",\"lo\":%.1f,\"hi\":%.1f,\"pairs\":%llu,\"mean_j\":", i / 10.0, (i + 1) / 10.0,
                   (unsigned long long)q->pairs);
            bench_json_num(stdout, has ? q->sum_j / n : -1e301);
            printf(",\"oph_mae\":");
            bench_json_num(stdout, has ? q->oph_abs / n : -1e301);
            printf(",\"oph_rmse\":");
            bench_json_num(stdout, has ? sqrt(q->oph_sq / n) : -1e301);
            printf(",\"oph_bias\":");
            bench_json_num(stdout, has ? q->oph_sum / n : -1e301);
            printf(",\"oracle_mae\":");
            bench_json_num(stdout, has && o->oracle ? q->orc_abs / n : -1e301);
            printf(",\"oracle_rmse\":");
            bench_json_num(stdout, has && o->oracle ? sqrt(q->orc_sq / n) : -1e301);
            printf(",\"oracle_bias\":");
            bench_json_num(stdout, has && o->oracle ? q->orc_sum / n : -1e301);
            printf(",\"candidates\":%llu,\"lsh_recall\":", (unsigned long long)q->cand);
            bench_json_num(stdout, ratio(q->cand, q->pairs));
            printf(",\"lsh_p_mean\":");
            bench_json_num(stdout, has ? q->sum_p / n : -1e301);
            printf(",\"oracle_lsh_recall\":");
            bench_json_num(stdout, o->oracle ? ratio(q->cand_orc, q->pairs) : -1e301);
            printf("}\n");
        }
        uint64_t n = c.n, total = n * (n - 1) / 2;
        printf("{\"bench\":\"minhash_quality\",\"kind\":\"summary\",\"label\":");
        bench_json_str(stdout, label);
        printf(",\"docs\":%zu,\"bytes\":%llu,\"empty_docs\":%llu,\"shingles\":%llu,\"shingles_distinct\":%llu,"
               "\"k\":%u,\"shingle\":%u,\"bands\":%u,\"rows\":%u,\"threshold\":",
               c.n, (unsigned long long)c.bytes, (unsigned long long)c.empty, (unsigned long long)c.shingles,
               (unsigned long long)set_total, p.k, p.shingle, p.bands, p.rows);
        bench_json_num(stdout, o->threshold);
        printf(",\"margin\":");
        bench_json_num(stdout, PS_MH_MARGIN);
        printf(",\"oracle\":%s,\"pairs_total\":%llu,\"pairs_zero\":%llu,\"pairs_positive\":%llu,"
               "\"shared_increments\":%llu,\"max_df\":%u,\"candidates\":%llu,\"candidates_zero\":%llu,"
               "\"true_pairs\":%llu,\"lsh_recall_true\":",
               o->oracle ? "true" : "false", (unsigned long long)total,
               (unsigned long long)(total - acc.positive), (unsigned long long)acc.positive,
               (unsigned long long)x.work, x.max_df, (unsigned long long)qc.n, (unsigned long long)qc.zero,
               (unsigned long long)acc.truth);
        bench_json_num(stdout, ratio(acc.truth_cand, acc.truth));
        printf(",\"oracle_lsh_recall_true\":");
        bench_json_num(stdout, o->oracle ? ratio(acc.truth_cand_orc, acc.truth) : -1e301);
        /* reported = LSH candidate and OPH estimate >= T (patsift dedup) */
        json_pr(stdout, "verify_estimate", acc.est_reported + qc.zero_est_t, acc.est_tp, acc.truth);
        /* the same with the oracle's signatures and bands (J = 0 candidates not counted) */
        if (o->oracle)
            json_pr(stdout, "verify_oracle", acc.orc_reported, acc.orc_tp, acc.truth);
        else
            printf(",\"verify_oracle\":null");
        /* every pair verified by the OPH estimate, no LSH: the estimate's own error */
        json_pr(stdout, "verify_no_lsh", acc.all_reported, acc.all_tp, acc.truth);
        /* patsift dedup --exact: candidates with estimate >= T - margin, exact >= T */
        printf(",\"verify_exact\":{\"checked\":%llu,\"reported\":%llu,\"precision\":",
               (unsigned long long)(acc.exact_checked + qc.zero_est_floor), (unsigned long long)acc.exact_tp);
        bench_json_num(stdout, acc.exact_tp ? 1.0 : -1e301);
        printf(",\"recall\":");
        bench_json_num(stdout, ratio(acc.exact_tp, acc.truth));
        printf("},\"threads\":%d,\"seconds\":{\"analysis\":", threads);
        bench_json_num(stdout, t_analysis);
        printf(",\"inverted_index\":");
        bench_json_num(stdout, t_inv);
        printf(",\"pairs\":");
        bench_json_num(stdout, t_pairs);
        printf(",\"candidates\":");
        bench_json_num(stdout, t_cand);
        printf("}");
        json_loadavg(stdout, "loadavg_start", la0);
        json_loadavg(stdout, "loadavg_end", la1);
        printf("}\n");
        fflush(stdout);
    }
    inv_free(&x);
    free(acc.dump);
    for (size_t d = 0; d < c.n; d++) {
        free(c.doc[d].set);
        free(c.doc[d].id);
    }
    free(c.doc);
    free(c.oph);
    free(c.orc);
    free(c.koph);
    free(c.korc);
    return status;
}

/* ------------------------------------------------------------ speed */

enum mode {
    M_ANALYZE,      /* ps_analyze_record alone; the callback counts tokens */
    M_ANALYZE_HASH, /* + XXH3 of each term of the shingled fields */
    M_ANALYZE_OPH,  /* + ps_shingler: what the index builder does per document */
    M_OPH_TOKENS,   /* ps_shingler over the pre-hashed token stream: the signature alone */
    M_LSH_KEYS,     /* the band keys of the signatures */
    M_SHINGLE_SET,  /* ps_shingle_set over the pre-hashed token stream (sorted, unique) */
    M_OPH_SET,      /* ps_shingler_shingle over the pre-built shingle set: OPH, no shingle hashing */
    M_ORACLE_SET,   /* ps_minhash_classic over the pre-built shingle set: K hashes per shingle */
    M_COUNT
};

static const char *const MODE_NAME[M_COUNT] = { "analyze",  "analyze_hash", "analyze_oph", "oph_tokens",
                                                "lsh_keys", "shingle_set",  "oph_set",     "oracle_set" };

static bool mode_analyses(int m) { return m == M_ANALYZE || m == M_ANALYZE_HASH || m == M_ANALYZE_OPH; }

static int parse_modes(const char *s, unsigned *out)
{
    unsigned m = 0;
    const char *p = s;
    while (*p) {
        size_t k = strcspn(p, ",");
        int found = -1;
        for (int i = 0; i < M_COUNT; i++)
            if (strlen(MODE_NAME[i]) == k && strncmp(p, MODE_NAME[i], k) == 0)
                found = i;
        if (found < 0)
            return -1;
        m |= 1u << found;
        p += k;
        if (*p == ',')
            p++;
    }
    if (!m)
        return -1;
    *out = m;
    return 0;
}

/* One document's analysed terms of the shingled fields, hashed, in text
 * order; the analyser emits the fields in enum order (title, abstract,
 * claims, description), so per-field counts are enough to replay them. */
typedef struct stoks {
    uint64_t *h;
    uint32_t nf[PS_FIELD_COUNT];
} stoks;

typedef struct sbatch {
    size_t n;
    stoks *tok;
    uint64_t **set;
    uint32_t *nset;
    uint32_t *ref;    /* OPH signatures (n * k), computed untimed */
    uint32_t *sig;    /* where the timed runs write (n * k) */
    uint32_t *keys;   /* n * bands */
    uint64_t tokens;  /* all tokens the analyser emits */
    uint64_t shingled_tokens, shingles, distinct;
} sbatch;

typedef struct ptok {
    uint32_t fields;
    uint64_t *h;
    size_t n, cap;
    uint32_t nf[PS_FIELD_COUNT];
    uint64_t all;
    bool oom;
} ptok;

static int p_token(const ps_token *t, void *ctx)
{
    ptok *q = ctx;
    q->all++;
    if (!(q->fields & (1u << t->field)))
        return 0;
    if (q->n == q->cap) {
        size_t cap = q->cap ? 2 * q->cap : 512;
        uint64_t *v = realloc(q->h, cap * sizeof *v);
        if (!v) {
            q->oom = true;
            return 1;
        }
        q->h = v;
        q->cap = cap;
    }
    q->h[q->n++] = XXH3_64bits(t->term, t->len);
    q->nf[t->field]++;
    return 0;
}

static void feed_shingler(ps_shingler *sh, const stoks *t)
{
    const uint64_t *h = t->h;
    for (int f = 0; f < PS_FIELD_COUNT; f++)
        for (uint32_t i = 0; i < t->nf[f]; i++)
            ps_shingler_token(sh, (ps_field)f, *h++);
}

static void feed_set(ps_shingle_set *s, const stoks *t)
{
    const uint64_t *h = t->h;
    for (int f = 0; f < PS_FIELD_COUNT; f++)
        for (uint32_t i = 0; i < t->nf[f]; i++)
            ps_shingle_set_token(s, (ps_field)f, *h++);
}

static void sbatch_free(sbatch *s)
{
    for (size_t d = 0; d < s->n; d++) {
        if (s->tok)
            free(s->tok[d].h);
        if (s->set)
            free(s->set[d]);
    }
    free(s->tok);
    free(s->set);
    free(s->nset);
    free(s->ref);
    free(s->sig);
    free(s->keys);
    memset(s, 0, sizeof *s);
}

/* Untimed: analyses the batch once, keeps the hashed token streams, the
 * shingle sets (when needed) and the reference OPH signatures. */
static int s_prepare(sbatch *s, const batch *b, const ps_mh_params *p, bool sets, int threads)
{
    memset(s, 0, sizeof *s);
    s->n = b->n;
    size_t n1 = b->n ? b->n : 1;
    s->tok = calloc(n1, sizeof *s->tok);
    s->set = sets ? calloc(n1, sizeof *s->set) : NULL;
    s->nset = calloc(n1, sizeof *s->nset);
    s->ref = malloc(n1 * p->k * sizeof *s->ref);
    s->sig = malloc(n1 * p->k * sizeof *s->sig);
    s->keys = malloc(n1 * p->bands * sizeof *s->keys);
    if (!s->tok || (sets && !s->set) || !s->nset || !s->ref || !s->sig || !s->keys)
        return -1;
    long n = (long)b->n;
    int bad = 0;
    uint64_t tokens = 0, st = 0, shingles = 0, distinct = 0;
#pragma omp parallel num_threads(threads) reduction(| : bad) reduction(+ : tokens, st, shingles, distinct)
    {
        ps_analyzer *an = NULL;
        if (ps_analyzer_create(NULL, &an) != PS_OK)
            bad = 1;
        ptok q = { .fields = p->fields };
        ps_shingle_set set = { 0 };
#pragma omp for schedule(dynamic, CHUNK)
        for (long i = 0; i < n; i++) {
            if (bad)
                continue;
            q.n = 0;
            q.all = 0;
            memset(q.nf, 0, sizeof q.nf);
            if (ps_analyze_record(an, b->rec[i], p_token, &q) != PS_OK || q.oom) {
                bad = 1;
                continue;
            }
            stoks *t = &s->tok[i];
            t->h = malloc((q.n ? q.n : 1) * sizeof *t->h);
            if (!t->h) {
                bad = 1;
                continue;
            }
            if (q.n)
                memcpy(t->h, q.h, q.n * sizeof *t->h);
            memcpy(t->nf, q.nf, sizeof t->nf);
            tokens += q.all;
            st += q.n;
            ps_shingler sh;
            ps_shingler_begin(&sh, p, s->ref + (size_t)i * p->k);
            feed_shingler(&sh, t);
            shingles += ps_shingler_end(&sh);
            ps_shingle_set_begin(&set, p);
            feed_set(&set, t);
            ps_shingle_set_end(&set);
            if (set.oom) {
                bad = 1;
                continue;
            }
            s->nset[i] = (uint32_t)set.n;
            distinct += set.n;
            if (sets) {
                s->set[i] = malloc((set.n ? set.n : 1) * sizeof *s->set[i]);
                if (!s->set[i]) {
                    bad = 1;
                    continue;
                }
                if (set.n)
                    memcpy(s->set[i], set.h, set.n * sizeof *set.h);
            }
        }
        free(q.h);
        ps_shingle_set_free(&set);
        ps_analyzer_free(an);
    }
    s->tokens = tokens;
    s->shingled_tokens = st;
    s->shingles = shingles;
    s->distinct = distinct;
    return bad ? -1 : 0;
}

typedef struct sctx_hash {
    uint32_t fields;
    uint64_t tokens, acc;
} sctx_hash;

static int s_count(const ps_token *t, void *ctx)
{
    (void)t;
    ((sctx_hash *)ctx)->tokens++;
    return 0;
}

static int s_hash(const ps_token *t, void *ctx)
{
    sctx_hash *c = ctx;
    c->tokens++;
    if (c->fields & (1u << t->field))
        c->acc += XXH3_64bits(t->term, t->len);
    return 0;
}

typedef struct sctx_oph {
    ps_shingler sh;
    uint64_t tokens;
} sctx_oph;

static int s_oph(const ps_token *t, void *ctx)
{
    sctx_oph *c = ctx;
    c->tokens++;
    if (c->sh.p.fields & (1u << t->field))
        ps_shingler_token(&c->sh, t->field, XXH3_64bits(t->term, t->len));
    return 0;
}

typedef struct srun {
    double wall, cpu;
    uint64_t count;   /* tokens (analysis modes), shingles (oph, set modes) */
    uint64_t check;   /* checksum of the output */
    int failed;
} srun;

/* One timed pass of mode m over the batch on `threads` threads. */
static srun s_run(int m, const batch *b, sbatch *s, const ps_mh_params *p, ps_analyzer **an, int threads)
{
    srun res = { 0 };
    long n = (long)s->n;
    uint32_t k = p->k;
    uint64_t count = 0, acc = 0;
    int failed = 0;
    double cpu0 = bench_cpu_now(), t0 = bench_now();
#pragma omp parallel num_threads(threads) reduction(+ : count, acc) reduction(| : failed)
    {
        int me = omp_get_thread_num();
        switch (m) {
        case M_ANALYZE:
        case M_ANALYZE_HASH: {
            sctx_hash c = { .fields = p->fields };
#pragma omp for schedule(dynamic, CHUNK) nowait
            for (long i = 0; i < n; i++)
                failed |= ps_analyze_record(an[me], b->rec[i], m == M_ANALYZE ? s_count : s_hash, &c) != PS_OK;
            count += c.tokens;
            acc += c.acc;
            break;
        }
        case M_ANALYZE_OPH: {
            sctx_oph c;
            c.tokens = 0;
#pragma omp for schedule(dynamic, CHUNK) nowait
            for (long i = 0; i < n; i++) {
                ps_shingler_begin(&c.sh, p, s->sig + (size_t)i * k);
                failed |= ps_analyze_record(an[me], b->rec[i], s_oph, &c) != PS_OK;
                ps_shingler_end(&c.sh);
            }
            count += c.tokens;
            break;
        }
        case M_OPH_TOKENS: {
            ps_shingler sh;
            uint64_t local = 0;
#pragma omp for schedule(dynamic, CHUNK) nowait
            for (long i = 0; i < n; i++) {
                ps_shingler_begin(&sh, p, s->sig + (size_t)i * k);
                feed_shingler(&sh, &s->tok[i]);
                local += ps_shingler_end(&sh);
            }
            count += local;
            break;
        }
        case M_LSH_KEYS: {
#pragma omp for schedule(dynamic, 256) nowait
            for (long i = 0; i < n; i++)
                for (uint32_t j = 0; j < p->bands; j++)
                    s->keys[(size_t)i * p->bands + j] = ps_lsh_key(s->ref + (size_t)i * k, j, p->rows);
            break;
        }
        case M_SHINGLE_SET: {
            ps_shingle_set set = { 0 };
            uint64_t local = 0;
#pragma omp for schedule(dynamic, CHUNK) nowait
            for (long i = 0; i < n; i++) {
                ps_shingle_set_begin(&set, p);
                feed_set(&set, &s->tok[i]);
                ps_shingle_set_end(&set);
                failed |= set.oom;
                local += set.n;
            }
            ps_shingle_set_free(&set);
            count += local;
            break;
        }
        case M_OPH_SET: {
            ps_shingler sh;
            uint64_t local = 0;
#pragma omp for schedule(dynamic, CHUNK) nowait
            for (long i = 0; i < n; i++) {
                ps_shingler_begin(&sh, p, s->sig + (size_t)i * k);
                for (uint32_t j = 0; j < s->nset[i]; j++)
                    ps_shingler_shingle(&sh, s->set[i][j]);
                local += ps_shingler_end(&sh);
            }
            count += local;
            break;
        }
        case M_ORACLE_SET: {
            uint64_t local = 0;
#pragma omp for schedule(dynamic, CHUNK) nowait
            for (long i = 0; i < n; i++) {
                ps_minhash_classic(s->set[i], s->nset[i], k, s->sig + (size_t)i * k);
                local += s->nset[i];
            }
            count += local;
            break;
        }
        default:
            break;
        }
    }
    res.wall = bench_now() - t0;
    res.cpu = bench_cpu_now() - cpu0;
    res.count = count;
    res.failed = failed;
    if (m == M_ANALYZE_HASH)
        res.check = acc;
    else if (m == M_LSH_KEYS)
        res.check = XXH3_64bits(s->keys, s->n * p->bands * sizeof *s->keys);
    else if (m == M_ANALYZE_OPH || m == M_OPH_TOKENS || m == M_OPH_SET || m == M_ORACLE_SET)
        res.check = XXH3_64bits(s->sig, s->n * k * sizeof *s->sig);
    return res;
}

/* The results of one mode at one thread count, over all batches. */
typedef struct sres {
    double median_sum, min_sum, wall_sum, cpu_sum;
    uint64_t runs;
} sres;

static int speed(const opts *o)
{
    ps_mh_params p;
    mh_params(o, &p);
    int nt = o->n_threads;
    const int *tl = o->thread_list;
    int max_t = 1;
    for (int i = 0; i < nt; i++)
        max_t = tl[i] > max_t ? tl[i] : max_t;
    bool sets = o->modes & (1u << M_OPH_SET | 1u << M_ORACLE_SET);
    bool analyses = false;
    for (int m = 0; m < M_COUNT; m++)
        analyses |= (o->modes & (1u << m)) && mode_analyses(m);
    double la0[3], la1[3];
    loadavg(la0);

    /* one analyzer set per thread count, each analyzer made by its thread */
    ps_analyzer ***an = calloc((size_t)nt, sizeof *an);
    sres *res = calloc((size_t)nt * M_COUNT, sizeof *res);
    double *walls = calloc((size_t)nt * M_COUNT * o->repeat, sizeof *walls);
    int status = an && res && walls ? 0 : 1;
    for (int ti = 0; status == 0 && ti < nt; ti++) {
        an[ti] = calloc((size_t)tl[ti], sizeof **an);
        if (!an[ti]) {
            status = 1;
            break;
        }
        int bad = 0;
        ps_analyzer **a = an[ti];
#pragma omp parallel num_threads(tl[ti]) reduction(| : bad)
        {
            if (analyses)
                bad |= ps_analyzer_create(NULL, &a[omp_get_thread_num()]) != PS_OK;
        }
        if (bad) {
            fprintf(stderr, "bench_minhash: cannot create an analyzer\n");
            status = 1;
        }
    }
    ps_reader *r = status == 0 ? open_inputs(o) : NULL;
    if (!r)
        status = 1;
    batch b = { 0 };
    uint64_t left = o->limit, docs = 0, bytes = 0, tokens = 0, shingled_tokens = 0, shingles = 0, distinct = 0;
    size_t batches = 0;
    int got = 0;
    double t_start = bench_now();
    while (status == 0 && (got = read_batch(r, &b, o->batch, &left, p.fields)) > 0) {
        sbatch s;
        if (s_prepare(&s, &b, &p, sets, max_t) != 0) {
            fprintf(stderr, "bench_minhash: cannot prepare the batch (out of memory?)\n");
            sbatch_free(&s);
            status = 1;
            break;
        }
        uint64_t ref_check = XXH3_64bits(s.ref, s.n * p.k * sizeof *s.ref);
        uint64_t first_check[M_COUNT], first_count[M_COUNT];
        bool have[M_COUNT] = { false };
        for (unsigned long rep = 0; status == 0 && rep < o->repeat; rep++)
            for (int m = 0; status == 0 && m < M_COUNT; m++) {
                if (!(o->modes & (1u << m)))
                    continue;
                for (int ti = 0; status == 0 && ti < nt; ti++) {
                    srun x = s_run(m, &b, &s, &p, an[ti], tl[ti]);
                    /* what each mode must give */
                    uint64_t want_count = mode_analyses(m) ? s.tokens
                                        : m == M_OPH_TOKENS ? s.shingles
                                        : m == M_SHINGLE_SET || m == M_OPH_SET || m == M_ORACLE_SET ? s.distinct
                                        : 0;
                    bool oph_family = m == M_ANALYZE_OPH || m == M_OPH_TOKENS || m == M_OPH_SET;
                    const char *what = NULL;
                    if (x.failed)
                        what = "a call failed";
                    else if (m != M_LSH_KEYS && x.count != want_count)
                        what = "counts differ from the reference pass";
                    else if (oph_family && x.check != ref_check)
                        what = "OPH signatures differ from the reference pass";
                    else if (have[m] && (x.check != first_check[m] || x.count != first_count[m]))
                        what = "output differs between runs or thread counts";
                    if (what) {
                        fprintf(stderr, "bench_minhash: %s, %d threads, batch %zu: %s\n", MODE_NAME[m], tl[ti],
                                batches + 1, what);
                        status = 3;
                        break;
                    }
                    if (!have[m]) {
                        first_check[m] = x.check;
                        first_count[m] = x.count;
                        have[m] = true;
                    }
                    sres *q = &res[ti * M_COUNT + m];
                    walls[((size_t)ti * M_COUNT + m) * o->repeat + rep] = x.wall;
                    q->wall_sum += x.wall;
                    q->cpu_sum += x.cpu;
                    q->runs++;
                }
            }
        for (int ti = 0; status == 0 && ti < nt; ti++)
            for (int m = 0; m < M_COUNT; m++) {
                if (!(o->modes & (1u << m)))
                    continue;
                double *w = walls + ((size_t)ti * M_COUNT + m) * o->repeat;
                res[ti * M_COUNT + m].min_sum += bench_min(w, o->repeat);
                res[ti * M_COUNT + m].median_sum += bench_median(w, o->repeat);
            }
        docs += s.n;
        bytes += b.bytes;
        tokens += s.tokens;
        shingled_tokens += s.shingled_tokens;
        shingles += s.shingles;
        distinct += s.distinct;
        batches++;
        fprintf(stderr, "bench_minhash: batch %zu: %zu records done (%.0f s so far)\n", batches, s.n,
                bench_now() - t_start);
        sbatch_free(&s);
    }
    if (got < 0)
        status = 1;
    if (status == 0 && docs == 0) {
        fprintf(stderr, "bench_minhash: no records in the inputs\n");
        status = 1;
    }
    loadavg(la1);
    const char *label = o->label ? o->label : bench_basename(o->inputs[0]);
    for (int m = 0; status == 0 && m < M_COUNT; m++) {
        if (!(o->modes & (1u << m)))
            continue;
        double base = 0;
        for (int ti = 0; ti < nt; ti++)
            if (tl[ti] == 1 && base == 0)
                base = res[ti * M_COUNT + m].median_sum;
        for (int ti = 0; ti < nt; ti++) {
            const sres *q = &res[ti * M_COUNT + m];
            double med = q->median_sum;
            printf("{\"bench\":\"minhash_speed\",\"label\":");
            bench_json_str(stdout, label);
            printf(",\"mode\":\"%s\",\"threads\":%d,\"docs\":%llu,\"bytes\":%llu,\"repeat\":%lu,\"batches\":%zu,"
                   "\"seconds_median\":",
                   MODE_NAME[m], tl[ti], (unsigned long long)docs, (unsigned long long)bytes, o->repeat, batches);
            bench_json_num(stdout, med);
            printf(",\"seconds_min\":");
            bench_json_num(stdout, q->min_sum);
            printf(",\"docs_s\":");
            bench_json_num(stdout, med > 0 ? (double)docs / med : -1e301);
            printf(",\"mb_s\":");
            bench_json_num(stdout, med > 0 ? (double)bytes / 1e6 / med : -1e301);
            /* CPU seconds per run (all threads), and per wall second */
            printf(",\"cpu_seconds\":");
            bench_json_num(stdout, q->runs ? q->cpu_sum * (double)batches / (double)q->runs : -1e301);
            printf(",\"cpu_util\":");
            bench_json_num(stdout, q->wall_sum > 0 ? q->cpu_sum / q->wall_sum : -1e301);
            printf(",\"speedup\":");
            bench_json_num(stdout, base > 0 && med > 0 ? base / med : -1e301);
            printf("}\n");
        }
    }
    if (status == 0) {
        printf("{\"bench\":\"minhash_speed_meta\",\"label\":");
        bench_json_str(stdout, label);
        printf(",\"docs\":%llu,\"bytes\":%llu,\"tokens\":%llu,\"shingled_tokens\":%llu,\"shingles\":%llu,"
               "\"shingles_distinct\":%llu,\"k\":%u,\"shingle\":%u,\"bands\":%u,\"rows\":%u,\"batches\":%zu,"
               "\"batch\":%lu,\"repeat\":%lu,\"checks\":\"ok\",\"seconds_total\":",
               (unsigned long long)docs, (unsigned long long)bytes, (unsigned long long)tokens,
               (unsigned long long)shingled_tokens, (unsigned long long)shingles, (unsigned long long)distinct,
               p.k, p.shingle, p.bands, p.rows, batches, o->batch, o->repeat);
        bench_json_num(stdout, bench_now() - t_start);
        json_loadavg(stdout, "loadavg_start", la0);
        json_loadavg(stdout, "loadavg_end", la1);
        printf("}\n");
        fflush(stdout);
    }
    batch_clear(&b);
    free(b.rec);
    ps_reader_free(r);
    for (int ti = 0; an && ti < nt; ti++) {
        for (int t = 0; an[ti] && t < tl[ti]; t++)
            ps_analyzer_free(an[ti][t]);
        free(an[ti]);
    }
    free(an);
    free(res);
    free(walls);
    return status;
}

/* ------------------------------------------------------------ main */

int main(int argc, char **argv)
{
    opts o;
    memset(&o, 0, sizeof o);
    o.oracle = true;
    o.repeat = 3;
    o.batch = 100000;
    o.limit = UINT64_MAX;
    o.threshold = PS_MH_DEFAULT_THRESHOLD;
    o.pairs_min = 0.5;
    o.modes = (1u << M_COUNT) - 1;
    o.inputs = calloc((size_t)argc + 1, sizeof *o.inputs);
    if (!o.inputs)
        return 1;
    bool only_inputs = false, threads_set = false, speed_only = false, quality_only = false;
    int status = -1;
    for (int i = 1; i < argc && status < 0; i++) {
        const char *a = argv[i];
        bool has = i + 1 < argc;
        unsigned long v;
        if (only_inputs || a[0] != '-' || strcmp(a, "-") == 0) {
            o.inputs[o.n_inputs++] = argv[i];
        } else if (strcmp(a, "--inputs") == 0) {
            only_inputs = true;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            status = 0;
        } else if (strcmp(a, "--quality") == 0) {
            o.quality = true;
        } else if (strcmp(a, "--speed") == 0) {
            o.speed = true;
        } else if (strcmp(a, "--no-oracle") == 0) {
            o.oracle = false;
            quality_only = true;
        } else if (strcmp(a, "--threads") == 0) {
            if (!has || (o.n_threads = bench_parse_threads(argv[++i], o.thread_list, 32, MAX_THREADS)) <= 0) {
                fprintf(stderr, "bench_minhash: --threads needs a list like 1,2 (each 1..%d)\n", MAX_THREADS);
                status = 2;
            }
            threads_set = true;
        } else if (strcmp(a, "--repeat") == 0) {
            if (!has || bench_parse_uint(argv[++i], MAX_REPEAT, &o.repeat) != 0) {
                fprintf(stderr, "bench_minhash: --repeat needs a number from 1 to %d\n", MAX_REPEAT);
                status = 2;
            }
            speed_only = true;
        } else if (strcmp(a, "--batch") == 0) {
            if (!has || bench_parse_uint(argv[++i], 100000000, &o.batch) != 0) {
                fprintf(stderr, "bench_minhash: --batch needs a positive number of records\n");
                status = 2;
            }
        } else if (strcmp(a, "--limit") == 0) {
            if (!has || bench_parse_uint(argv[++i], 4000000000ul, &v) != 0) {
                fprintf(stderr, "bench_minhash: --limit needs a positive number of records\n");
                status = 2;
            }
            o.limit = v;
        } else if (strcmp(a, "--modes") == 0) {
            if (!has || parse_modes(argv[++i], &o.modes) != 0) {
                fprintf(stderr,
                        "bench_minhash: --modes takes some of analyze, analyze_hash, analyze_oph, oph_tokens, "
                        "lsh_keys, shingle_set, oph_set, oracle_set (comma-separated)\n");
                status = 2;
            }
            speed_only = true;
        } else if (strcmp(a, "--fields") == 0) {
            if (!has || parse_fields(argv[++i], &o.fields) != 0) {
                fprintf(stderr, "bench_minhash: --fields takes some of title, abstract, claims, description "
                                "(comma-separated)\n");
                status = 2;
            }
        } else if (strcmp(a, "--threshold") == 0) {
            if (!has || parse_unit(argv[++i], &o.threshold) != 0 || o.threshold < 0.05) {
                fprintf(stderr, "bench_minhash: --threshold needs a similarity from 0.05 to 1\n");
                status = 2;
            }
        } else if (strcmp(a, "--pairs-min") == 0) {
            if (!has || parse_unit(argv[++i], &o.pairs_min) != 0 || o.pairs_min <= 0) {
                fprintf(stderr, "bench_minhash: --pairs-min needs a similarity above 0 and up to 1\n");
                status = 2;
            }
            quality_only = true;
        } else if (strcmp(a, "--pairs-out") == 0) {
            if (!has) {
                fprintf(stderr, "bench_minhash: --pairs-out needs a file name\n");
                status = 2;
            } else {
                o.pairs_out = argv[++i];
            }
            quality_only = true;
        } else if (strcmp(a, "--label") == 0) {
            if (!has) {
                fprintf(stderr, "bench_minhash: --label needs a name\n");
                status = 2;
            } else {
                o.label = argv[++i];
            }
        } else {
            fprintf(stderr, "bench_minhash: unknown option: %s (see --help)\n", a);
            status = 2;
        }
    }
    if (status < 0) {
        if (o.quality == o.speed) {
            fprintf(stderr, "bench_minhash: say either --quality or --speed (see --help)\n");
            status = 2;
        } else if (o.n_inputs == 0) {
            fprintf(stderr, "bench_minhash: no input (see --help)\n");
            status = 2;
        } else if (o.quality && speed_only) {
            fprintf(stderr, "bench_minhash: --repeat and --modes are for --speed\n");
            status = 2;
        } else if (o.speed && quality_only) {
            fprintf(stderr, "bench_minhash: --no-oracle, --pairs-out and --pairs-min are for --quality\n");
            status = 2;
        } else if (o.quality && threads_set && o.n_threads != 1) {
            fprintf(stderr, "bench_minhash: --quality takes one thread count\n");
            status = 2;
        }
    }
    if (status < 0) {
        if (o.speed && !threads_set) {
            o.thread_list[0] = 1;
            o.thread_list[1] = 2;
            o.n_threads = 2;
        }
        status = o.quality ? quality(&o) : speed(&o);
    }
    free(o.inputs);
    return status;
}
