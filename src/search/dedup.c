/* Near-duplicate pairs from the LSH band tables, verified by signature
 * (and, when asked, by exact shingle-set Jaccard from the stored text). */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "index/index_access.h"
#include "patsift/dedup.h"
#include "sketch/minhash.h"

const char *ps_dup_id(const ps_index *ix, uint32_t seg, uint32_t doc)
{
    return ps_segment_doc_id(ps_index_segment(ix, seg), doc);
}

void ps_lsh_settings(const ps_index *ix, uint32_t *k, uint32_t *bands, uint32_t *rows)
{
    const ps_manifest *mf = ps_index_manifest(ix);
    *k = mf->mh.k;
    *bands = mf->mh.bands;
    *rows = mf->mh.rows;
}

double ps_lsh_curve(double s, uint32_t bands, uint32_t rows) { return ps_lsh_probability(s, bands, rows); }

/* A document by its place in the index: segment base + doc. */
typedef struct place {
    uint32_t seg, doc;
} place;

typedef struct index_map {
    uint32_t n_segs;
    uint64_t *base;           /* ordinal of each segment's doc 0 */
} index_map;

static place place_of(const index_map *m, uint64_t ord)
{
    uint32_t s = 0;
    while (s + 1 < m->n_segs && m->base[s + 1] <= ord)
        s++;
    return (place){ s, (uint32_t)(ord - m->base[s]) };
}

/* ---- candidates ---- */

typedef struct pairvec {
    uint64_t *v;              /* ordinal a << 32 | ordinal b; a < b */
    size_t n, cap;
    bool oom;
} pairvec;

static void pair_add(pairvec *p, uint64_t a, uint64_t b)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 1024;
        uint64_t *v = realloc(p->v, cap * sizeof *v);
        if (!v) {
            p->oom = true;
            return;
        }
        p->v = v;
        p->cap = cap;
    }
    p->v[p->n++] = a < b ? a << 32 | b : b << 32 | a;
}

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

/* Band b over every segment: the tables are merged by key, and every two
 * live documents in a run of one key make a candidate pair. */
static void band_pairs(const ps_index *ix, const index_map *m, uint32_t b, pairvec *out)
{
    uint32_t n_segs = m->n_segs;
    size_t *at = calloc(n_segs ? n_segs : 1, sizeof *at);
    uint64_t *run = NULL;
    size_t n_run = 0, cap_run = 0;
    if (!at) {
        out->oom = true;
        return;
    }
    for (;;) {
        /* the smallest key at the heads of the tables */
        bool any = false;
        uint32_t key = 0;
        for (uint32_t s = 0; s < n_segs; s++) {
            const ps_segment *seg = ps_index_segment(ix, s);
            if (at[s] < seg->mh_band_docs) {
                uint32_t k = ps_le32(ps_segment_band(seg, b) + 8 * at[s]);
                if (!any || k < key)
                    key = k;
                any = true;
            }
        }
        if (!any)
            break;
        n_run = 0;
        for (uint32_t s = 0; s < n_segs; s++) {
            const ps_segment *seg = ps_index_segment(ix, s);
            const uint8_t *t = ps_segment_band(seg, b);
            for (; at[s] < seg->mh_band_docs && ps_le32(t + 8 * at[s]) == key; at[s]++) {
                uint32_t d = ps_le32(t + 8 * at[s] + 4);
                if (d >= seg->n_docs || !ps_segment_live(seg, d))
                    continue;
                if (n_run == cap_run) {
                    cap_run = cap_run ? 2 * cap_run : 64;
                    uint64_t *r = realloc(run, cap_run * sizeof *r);
                    if (!r) {
                        out->oom = true;
                        goto done;
                    }
                    run = r;
                }
                run[n_run++] = m->base[s] + d;
            }
        }
        for (size_t i = 0; i < n_run; i++)
            for (size_t j = i + 1; j < n_run; j++)
                pair_add(out, run[i], run[j]);
    }
done:
    free(run);
    free(at);
}

/* ---- exact verification ---- */

typedef struct exact_ctx {
    ps_shingle_set set;
} exact_ctx;

static int on_token(const ps_token *t, void *ctx)
{
    ps_shingle_set_token(ctx, t->field, t->hash);
    return 0;
}

/* The shingle set of an indexed document, from its stored text. */
static ps_rc shingles_of(const ps_index *ix, ps_analyzer *an, const ps_mh_params *p, place pl, ps_shingle_set *out)
{
    ps_record *r;
    ps_rc rc = ps_segment_record(ps_index_segment(ix, pl.seg), pl.doc, &r);
    if (rc != PS_OK)
        return rc;
    ps_shingle_set_begin(out, p);
    ps_analyze_record(an, r, on_token, out);
    ps_shingle_set_end(out);
    free(r);
    return out->oom ? PS_ENOMEM : PS_OK;
}

static int by_similarity(const void *x, const void *y)
{
    const ps_dup_pair *a = x, *b = y;
    double sa = a->exact >= 0 ? a->exact : a->estimate, sb = b->exact >= 0 ? b->exact : b->estimate;
    if (sa != sb)
        return sa > sb ? -1 : 1;
    if (a->seg_a != b->seg_a)
        return a->seg_a < b->seg_a ? -1 : 1;
    if (a->doc_a != b->doc_a)
        return a->doc_a < b->doc_a ? -1 : 1;
    if (a->seg_b != b->seg_b)
        return a->seg_b < b->seg_b ? -1 : 1;
    return a->doc_b < b->doc_b ? -1 : a->doc_b > b->doc_b;
}

/* The stored text must hold every shingled field to recompute shingles. */
static bool exact_possible(const ps_index *ix, char *err, size_t errlen)
{
    const ps_manifest *mf = ps_index_manifest(ix);
    if ((mf->mh.fields & (1u << PS_FIELD_DESCRIPTION)) && !(mf->flags & PS_MF_STORE_DESCRIPTION)) {
        snprintf(err, errlen, "exact similarity needs the description text, which this index did not store "
                              "(build it with --store-description)");
        return false;
    }
    return true;
}

/* The similarity to report at, and the estimate a candidate needs to be
 * looked at: lower with exact verification, so that pairs just above the
 * threshold are not lost to the estimate's error. */
static bool limits(const ps_index *ix, const ps_dedup_opts *o, double *threshold, double *floor, char *err,
                   size_t errlen)
{
    *threshold = o->threshold > 0 ? o->threshold : PS_MH_DEFAULT_THRESHOLD;
    *floor = o->exact ? *threshold - PS_MH_MARGIN : *threshold;
    return !o->exact || exact_possible(ix, err, errlen);
}

ps_rc ps_dedup(const ps_index *ix, const ps_dedup_opts *o, ps_dup_pair **pairs, size_t *n, ps_dedup_stats *st,
               char *err, size_t errlen)
{
    *pairs = NULL;
    *n = 0;
    memset(st, 0, sizeof *st);
    const ps_manifest *mf = ps_index_manifest(ix);
    const ps_mh_params *p = &mf->mh;
    double threshold, floor;
    if (!limits(ix, o, &threshold, &floor, err, errlen))
        return PS_EUSAGE;
    index_map m = { .n_segs = ps_index_segment_count(ix) };
    m.base = calloc(m.n_segs + 1, sizeof *m.base);
    if (!m.base)
        return PS_ENOMEM;
    for (uint32_t s = 0; s < m.n_segs; s++)
        m.base[s + 1] = m.base[s] + ps_index_segment(ix, s)->n_docs;
    if (m.base[m.n_segs] > UINT32_MAX) {
        free(m.base);
        snprintf(err, errlen, "more than 4 billion documents");
        return PS_EUSAGE;
    }
    int threads = o->threads > 0 ? o->threads : omp_get_num_procs();
    pairvec *per = calloc(p->bands, sizeof *per);
    if (!per) {
        free(m.base);
        return PS_ENOMEM;
    }
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (uint32_t b = 0; b < p->bands; b++)
        band_pairs(ix, &m, b, &per[b]);
    /* every band's pairs together, each pair once */
    pairvec all = { 0 };
    bool oom = false;
    for (uint32_t b = 0; b < p->bands; b++) {
        oom |= per[b].oom;
        for (size_t i = 0; i < per[b].n && !all.oom; i++) {
            if (all.n == all.cap) {
                size_t cap = all.cap ? 2 * all.cap : 1024;
                uint64_t *v = realloc(all.v, cap * sizeof *v);
                if (!v) {
                    all.oom = true;
                    break;
                }
                all.v = v;
                all.cap = cap;
            }
            all.v[all.n++] = per[b].v[i];
        }
        free(per[b].v);
    }
    free(per);
    if (oom || all.oom) {
        free(all.v);
        free(m.base);
        return PS_ENOMEM;
    }
    if (all.n)
        qsort(all.v, all.n, sizeof *all.v, cmp_u64);
    size_t u = 0;
    for (size_t i = 0; i < all.n; i++)
        if (u == 0 || all.v[i] != all.v[u - 1])
            all.v[u++] = all.v[i];
    all.n = u;
    st->candidates = u;
    ps_dup_pair *out = malloc((u ? u : 1) * sizeof *out);
    if (!out) {
        free(all.v);
        free(m.base);
        return PS_ENOMEM;
    }
    /* verify in parallel: estimate, then (optionally) exact */
    ps_rc rc = PS_OK;
    uint64_t exact_checked = 0;
#pragma omp parallel num_threads(threads) reduction(+ : exact_checked)
    {
        ps_analyzer *an = NULL;
        ps_analyzer_opts ao;
        ps_manifest_analyzer(mf, &ao);
        if (o->exact && ps_analyzer_create(&ao, &an) != PS_OK) {
#pragma omp critical
            rc = PS_ENOMEM;
        }
        ps_shingle_set sa = { 0 }, sb = { 0 };
#pragma omp for schedule(dynamic, 256)
        for (size_t i = 0; i < u; i++) {
            place a = place_of(&m, all.v[i] >> 32), b = place_of(&m, all.v[i] & 0xFFFFFFFFu);
            const ps_segment *ga = ps_index_segment(ix, a.seg), *gb = ps_index_segment(ix, b.seg);
            ps_dup_pair *q = &out[i];
            *q = (ps_dup_pair){ a.seg, a.doc, b.seg, b.doc, all.v[i] >> 32, all.v[i] & 0xFFFFFFFFu,
                                ps_jaccard_estimate_le(ps_segment_sig(ga, a.doc), ps_segment_sig(gb, b.doc), p->k), -2 };
            if (q->estimate < floor)
                continue;
            q->exact = -1;
            if (!an)
                continue;
            if (shingles_of(ix, an, p, a, &sa) != PS_OK || shingles_of(ix, an, p, b, &sb) != PS_OK) {
#pragma omp critical
                rc = PS_ECORRUPT;
                continue;
            }
            q->exact = ps_jaccard_exact(sa.h, sa.n, sb.h, sb.n);
            exact_checked++;
        }
        ps_shingle_set_free(&sa);
        ps_shingle_set_free(&sb);
        ps_analyzer_free(an);
    }
    free(all.v);
    free(m.base);
    if (rc != PS_OK) {
        free(out);
        if (rc == PS_ECORRUPT)
            snprintf(err, errlen, "stored text is damaged (run 'patsift check')");
        return rc;
    }
    size_t kept = 0;
    for (size_t i = 0; i < u; i++) {
        const ps_dup_pair *q = &out[i];
        bool ok = o->exact ? q->exact >= threshold : q->exact > -2 && q->estimate >= threshold;
        if (ok)
            out[kept++] = *q;
    }
    if (kept)
        qsort(out, kept, sizeof *out, by_similarity);
    st->verified = kept;
    st->exact_checked = exact_checked;
    *pairs = out;
    *n = kept;
    return PS_OK;
}

/* ---- one document against the index ---- */

typedef struct sig_ctx {
    ps_shingler sh;
    ps_shingle_set *set;      /* also collect the set, for exact checks */
} sig_ctx;

static int on_query_token(const ps_token *t, void *ctx)
{
    sig_ctx *c = ctx;
    uint64_t h = t->hash;
    ps_shingler_token(&c->sh, t->field, h);
    if (c->set)
        ps_shingle_set_token(c->set, t->field, h);
    return 0;
}

/* First entry of a band table with this key (n_entries if none). */
static size_t band_lower_bound(const uint8_t *t, size_t n, uint32_t key)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ps_le32(t + 8 * mid) < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

ps_rc ps_similar(const ps_index *ix, const ps_record *r, const ps_dedup_opts *o, const char *exclude_id,
                 ps_dup_pair **pairs, size_t *n, char *err, size_t errlen)
{
    *pairs = NULL;
    *n = 0;
    const ps_manifest *mf = ps_index_manifest(ix);
    const ps_mh_params *p = &mf->mh;
    double threshold, floor;
    if (!limits(ix, o, &threshold, &floor, err, errlen))
        return PS_EUSAGE;
    ps_analyzer_opts ao;
    ps_manifest_analyzer(mf, &ao);
    ps_analyzer *an;
    if (ps_analyzer_create(&ao, &an) != PS_OK)
        return PS_ENOMEM;
    uint32_t sig[PS_MH_MAX_K];
    uint8_t le[PS_MH_MAX_K * 4];
    ps_shingle_set qs = { 0 }, ds = { 0 };
    sig_ctx c = { .set = o->exact ? &qs : NULL };
    ps_shingler_begin(&c.sh, p, sig);
    if (c.set)
        ps_shingle_set_begin(&qs, p);
    ps_analyze_record(an, r, on_query_token, &c);
    uint32_t shingles = ps_shingler_end(&c.sh);
    if (c.set)
        ps_shingle_set_end(&qs);
    ps_mh_to_le(sig, p->k, le);
    ps_dup_pair *out = NULL;
    size_t n_out = 0, cap = 0;
    ps_rc rc = qs.oom ? PS_ENOMEM : PS_OK;
    for (uint32_t s = 0; s < ps_index_segment_count(ix) && shingles && rc == PS_OK; s++) {
        const ps_segment *seg = ps_index_segment(ix, s);
        uint8_t *seen = calloc(seg->n_docs ? seg->n_docs : 1, 1);
        if (!seen) {
            rc = PS_ENOMEM;
            break;
        }
        for (uint32_t b = 0; b < p->bands && rc == PS_OK; b++) {
            const uint8_t *t = ps_segment_band(seg, b);
            uint32_t key = ps_lsh_key(sig, b, p->rows);
            for (size_t i = band_lower_bound(t, seg->mh_band_docs, key);
                 i < seg->mh_band_docs && ps_le32(t + 8 * i) == key && rc == PS_OK; i++) {
                uint32_t d = ps_le32(t + 8 * i + 4);
                if (d >= seg->n_docs || seen[d] || !ps_segment_live(seg, d))
                    continue;
                seen[d] = 1;
                if (exclude_id && strcmp(ps_segment_doc_id(seg, d), exclude_id) == 0)
                    continue;
                double est = ps_jaccard_estimate_le(le, ps_segment_sig(seg, d), p->k);
                if (est < floor)
                    continue;
                double exact = -1;
                if (o->exact) {
                    if ((rc = shingles_of(ix, an, p, (place){ s, d }, &ds)) != PS_OK)
                        break;
                    exact = ps_jaccard_exact(qs.h, qs.n, ds.h, ds.n);
                    if (exact < threshold)
                        continue;
                }
                if (n_out == cap) {
                    cap = cap ? 2 * cap : 16;
                    ps_dup_pair *v = realloc(out, cap * sizeof *v);
                    if (!v) {
                        rc = PS_ENOMEM;
                        break;
                    }
                    out = v;
                }
                uint64_t ord = d;
                for (uint32_t j = 0; j < s; j++)
                    ord += ps_index_segment(ix, j)->n_docs;
                out[n_out++] = (ps_dup_pair){ UINT32_MAX, UINT32_MAX, s, d, UINT64_MAX, ord, est, exact };
            }
        }
        free(seen);
    }
    ps_shingle_set_free(&qs);
    ps_shingle_set_free(&ds);
    ps_analyzer_free(an);
    if (rc != PS_OK) {
        free(out);
        if (rc == PS_ECORRUPT)
            snprintf(err, errlen, "stored text is damaged (run 'patsift check')");
        return rc;
    }
    if (n_out)
        qsort(out, n_out, sizeof *out, by_similarity);
    *pairs = out;
    *n = n_out;
    return PS_OK;
}
