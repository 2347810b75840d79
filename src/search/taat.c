/* Term-at-a-time MaxScore over one segment, for long queries (query by
 * document): exact, and several times faster there than the
 * document-at-a-time engine, whose per-candidate cost grows with the number
 * of terms while nearly every document is a candidate.
 *
 * Terms go in decreasing order of their bound. While the bounds of the
 * terms not yet read could still lift an unseen document into the top k,
 * each term's postings are added into per-document accumulators ("OR"
 * phase). After that no new document can enter: the remaining terms are
 * probed only for the documents already seen, in document order, skipping
 * blocks ("AND" phase), and a document is dropped as soon as its partial
 * score plus what the remaining terms (or the block that would hold it)
 * could add cannot reach the k-th best partial score. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "search/searcher_internal.h"

static int by_bound_desc(const void *x, const void *y)
{
    const ps_cursor_t *a = *(ps_cursor_t *const *)x, *b = *(ps_cursor_t *const *)y;
    if (a->ub != b->ub)
        return a->ub > b->ub ? -1 : 1;
    return a->term < b->term ? -1 : a->term > b->term;
}

static int by_doc(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return a < b ? -1 : a > b;
}

/* The k-th largest of v[0..n) (n >= k >= 1); reorders v. Quickselect. */
static int64_t kth_largest(int64_t *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1, want = k - 1;
    while (lo < hi) {
        int64_t pivot = v[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] > pivot)
                i++;
            while (v[j] < pivot)
                j--;
            if (i <= j) {
                int64_t t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (want <= j)
            hi = j;
        else if (want >= i)
            lo = i;
        else
            return v[want];
    }
    return v[want];
}

/* The threshold a document's best possible score must reach: above the
 * heap's (documents of earlier segments rank first on a tie), and at
 * least the k-th best partial score here (a tie may still win on
 * document order). */
typedef struct bar {
    int64_t heap, kth;
} bar;

static bool can_enter(const bar *t, int64_t best)
{
    return best > t->heap && best >= t->kth;
}

static bool reserve_docs(ps_searcher *s, size_t n)
{
    if (n <= s->cap_docs)
        return true;
    free(s->acc);
    free(s->touched);
    free(s->live);
    free(s->sel);
    s->acc = calloc(n, sizeof *s->acc);
    s->touched = malloc(n * sizeof *s->touched);
    s->live = malloc(n * sizeof *s->live);
    s->sel = malloc(n * sizeof *s->sel);
    s->cap_docs = s->acc && s->touched && s->live && s->sel ? n : 0;
    return s->cap_docs != 0;
}

/* Each document's length norm for this segment and these k1, b: computed
 * once per searcher, shared by every query with the same parameters. */
static const double *norms(ps_searcher *s, uint32_t si, const ps_scorer *sc)
{
    if (s->norm_k1 != sc->k1 || s->norm_b != sc->b) {
        for (uint32_t i = 0; i < s->n_segs; i++) {
            free(s->norm[i]);
            s->norm[i] = NULL;
        }
        s->norm_k1 = sc->k1;
        s->norm_b = sc->b;
    }
    if (!s->norm[si]) {
        const ps_segment *seg = ps_index_segment(s->ix, si);
        double *n = malloc((seg->n_docs ? seg->n_docs : 1) * sizeof *n);
        if (!n)
            return NULL;
        for (uint32_t d = 0; d < seg->n_docs; d++)
            n[d] = ps_score_norm(sc, ps_segment_doc_wlen(seg, d));
        s->norm[si] = n;
    }
    return s->norm[si];
}

/* The k-th best of the live documents' partial scores, or -1 if fewer. */
static int64_t kth_partial(ps_searcher *s, size_t n_live, size_t k)
{
    if (n_live < k)
        return -1;
    for (size_t i = 0; i < n_live; i++)
        s->sel[i] = s->acc[s->live[i]] - 1;
    return kth_largest(s->sel, n_live, k);
}

ps_rc ps_taat_segment(ps_searcher *s, uint32_t si, const ps_query *q, const ps_search_opts *o,
                      const ps_scorer *sc, const ps_filter *f, size_t k)
{
    (void)o;
    const ps_segment *seg = ps_index_segment(s->ix, si);
    size_t m;
    ps_rc rc = ps_open_cursors(s, seg, q, sc, &m);
    if (rc != PS_OK || m == 0)
        return rc;
    const double *norm = norms(s, si, sc);
    if (!norm || !reserve_docs(s, seg->n_docs))
        return PS_ENOMEM;
    ps_cursor_t **c = s->order;
    qsort(c, m, sizeof *c, by_bound_desc);
    int64_t *rest = s->prefix; /* rest[i]: what terms i.. can add at most */
    rest[m] = 0;
    for (size_t i = m; i-- > 0;)
        rest[i] = rest[i + 1] + c[i]->ub;
    int64_t *acc = s->acc;
    size_t n_touched = 0;
    bar t = { .heap = ps_topk_threshold(s, k), .kth = -1 };
    int64_t max_partial = 0;

    /* OR phase: whole lists, while an unseen document could still enter */
    size_t i = 0;
    int64_t next_check = INT64_MAX; /* rest[] below which the k-th partial is worth recomputing */
    for (; i < m; i++) {
        if (i > 0 && rest[i] <= max_partial && rest[i] > t.heap && rest[i] < next_check) {
            /* could the k-th best partial score already shut unseen
             * documents out? Selecting it costs a pass over them, so it is
             * done again only once rest[] nears the last value: partial
             * scores only grow, so the last value stays a valid bound */
            size_t n_live = 0;
            for (size_t j = 0; j < n_touched; j++)
                if (acc[s->touched[j]] > 0)
                    s->live[n_live++] = s->touched[j];
            t.kth = kth_partial(s, n_live, k);
            next_check = t.kth + t.kth / 4;
        }
        if (!can_enter(&t, rest[i]))
            break;
        ps_cursor_t *ci = c[i];
        do {
            for (uint32_t j = ci->i; j < ci->n; j++) {
                uint32_t d = ci->docs[j];
                int64_t a = acc[d];
                if (a == 0) {
                    s->touched[n_touched++] = d;
                    if (!ps_filter_accept(f, d)) {
                        acc[d] = -1;
                        continue;
                    }
                    a = 1;
                } else if (a < 0) {
                    continue;
                }
                a += ps_score_term(ci->wq1, ci->tfs[j], norm[d]);
                acc[d] = a;
                if (a - 1 > max_partial)
                    max_partial = a - 1;
            }
        } while (ps_cursor_next_block(ci, &s->st.postings_decoded));
    }

    /* the documents seen, in document order, that can still make it */
    size_t n_live = 0;
    if (n_touched < seg->n_docs / 16) {
        for (size_t j = 0; j < n_touched; j++)
            if (acc[s->touched[j]] > 0)
                s->live[n_live++] = s->touched[j];
        qsort(s->live, n_live, sizeof *s->live, by_doc);
    } else {
        for (uint32_t d = 0; d < seg->n_docs; d++)
            if (acc[d] > 0)
                s->live[n_live++] = d;
    }
    if (i < m)
        t.kth = kth_partial(s, n_live, k);

    /* AND phase: the remaining terms, probed for the live documents only */
    size_t last_select = n_live;
    for (; i < m && n_live; i++) {
        ps_cursor_t *ci = c[i];
        size_t kept = 0;
        for (size_t j = 0; j < n_live; j++) {
            uint32_t d = s->live[j];
            int64_t a = acc[d] - 1;
            if (!can_enter(&t, a + rest[i])) {
                s->st.docs_pruned++;
                continue;
            }
            if (!can_enter(&t, a + ps_cursor_block_bound(ci, d) + rest[i + 1])) {
                s->st.docs_pruned++;
                continue;
            }
            ps_cursor_next_geq(ci, d, &s->st.postings_decoded);
            if (ci->doc == d)
                acc[d] += ps_score_term(ci->wq1, ps_cursor_tf(ci), norm[d]);
            s->live[kept++] = d;
        }
        n_live = kept;
        if (n_live < last_select / 2) {
            /* the bar rises as partial scores grow; reselecting only as
             * the field halves keeps the selections to a fraction of the
             * phase's cost */
            int64_t kth = kth_partial(s, n_live, k);
            t.kth = kth > t.kth ? kth : t.kth;
            last_select = n_live;
        }
    }

    for (size_t j = 0; j < n_live; j++) {
        uint32_t d = s->live[j];
        if (can_enter(&t, acc[d] - 1)) {
            ps_topk_offer(s, k, si, d, acc[d] - 1);
            s->st.docs_scored++;
        }
    }
    for (size_t j = 0; j < n_touched; j++)
        acc[s->touched[j]] = 0;
    for (size_t j = 0; j < m; j++)
        if (c[j]->corrupt)
            return PS_ECORRUPT;
    return PS_OK;
}
