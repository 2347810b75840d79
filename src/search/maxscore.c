/* Document-at-a-time block-max MaxScore over one segment (exhaustive
 * evaluation when asked: the oracle).
 *
 * MaxScore (Turtle and Flood 1995): terms sorted by their bound; the
 * longest prefix whose bounds together cannot beat the current k-th score
 * is "non-essential": a document only they hold cannot make the top k, so
 * candidates come from the essential lists alone, and non-essential lists
 * are probed (skipping whole blocks) only while the candidate can still
 * make it. Block-max (Ding and Suel 2011): before scoring a candidate, the
 * sum of the bounds of the blocks that would hold it must beat the k-th
 * score too, which drops most candidates without decoding a block. */
#include <stdlib.h>
#include <string.h>

#include "search/searcher_internal.h"

static int by_bound(const void *x, const void *y)
{
    const ps_cursor_t *a = *(ps_cursor_t *const *)x, *b = *(ps_cursor_t *const *)y;
    if (a->ub != b->ub)
        return a->ub < b->ub ? -1 : 1;
    return a->term < b->term ? -1 : a->term > b->term;
}

ps_rc ps_maxscore_segment(ps_searcher *s, uint32_t si, const ps_query *q, const ps_search_opts *o,
                          const ps_scorer *sc, const ps_filter *f, size_t k)
{
    const ps_segment *seg = ps_index_segment(s->ix, si);
    size_t m;
    ps_rc rc = ps_open_cursors(s, seg, q, sc, &m);
    if (rc != PS_OK)
        return rc;
    if (m == 0 || (o->all_terms && m < q->n))
        return PS_OK;
    ps_cursor_t **c = s->order;
    qsort(c, m, sizeof *c, by_bound);
    int64_t *prefix = s->prefix;
    prefix[0] = 0;
    for (size_t i = 0; i < m; i++)
        prefix[i + 1] = prefix[i] + c[i]->ub;
    bool pruning = !o->exhaustive;
    size_t ess = 0;             /* c[0..ess) are non-essential */
    int64_t theta = ps_topk_threshold(s, k);
    for (;;) {
        if (pruning)
            while (ess < m && prefix[ess + 1] <= theta)
                ess++;
        if (ess == m)
            break;
        uint32_t d = PS_DOC_END;
        for (size_t i = ess; i < m; i++)
            d = c[i]->doc < d ? c[i]->doc : d;
        if (d == PS_DOC_END)
            break;
        bool ok = ps_filter_accept(f, d);
        if (ok && pruning) {
            /* block-max: what the blocks that could hold d allow; the
             * non-essential lists' blocks are looked at only when their
             * whole-list bounds are not enough to drop d */
            int64_t bound = 0;
            for (size_t i = ess; i < m; i++)
                if (c[i]->doc == d)
                    bound += ps_cursor_block_bound(c[i], d);
            if (bound + prefix[ess] > theta)
                for (size_t i = 0; i < ess; i++)
                    bound += ps_cursor_block_bound(c[i], d);
            else
                bound += prefix[ess];
            if (bound <= theta) {
                ok = false;
                s->st.docs_pruned++;
            }
        }
        double norm = ok ? ps_score_norm(sc, ps_segment_doc_wlen(seg, d)) : 0;
        int64_t score = 0;
        size_t matched = 0;
        for (size_t i = ess; i < m; i++) {
            if (c[i]->doc != d)
                continue;
            if (ok) {
                score += ps_score_term(c[i]->wq1, ps_cursor_tf(c[i]), norm);
                matched++;
            }
            ps_cursor_next_geq(c[i], d + 1, &s->st.postings_decoded);
        }
        if (!ok)
            continue;
        for (size_t i = ess; i-- > 0;) {
            if (pruning && score + prefix[i + 1] <= theta) {
                ok = false;
                break;
            }
            ps_cursor_next_geq(c[i], d, &s->st.postings_decoded);
            if (c[i]->doc == d) {
                score += ps_score_term(c[i]->wq1, ps_cursor_tf(c[i]), norm);
                matched++;
            }
        }
        if (!ok || (o->all_terms && matched < m))
            continue;
        s->st.docs_scored++;
        if (score > theta) {
            ps_topk_offer(s, k, si, d, score);
            theta = ps_topk_threshold(s, k);
        }
    }
    for (size_t i = 0; i < m; i++)
        if (c[i]->corrupt)
            return PS_ECORRUPT;
    return PS_OK;
}
