/* The top-k heap of a search: heap[0] is the weakest hit kept. Hits are
 * ordered by score, then by document order (the earlier document wins a
 * tie), so results never depend on how the engine got to them. */
#include "search/searcher_internal.h"

static bool weaker(const ps_hit *a, const ps_hit *b)
{
    return a->fixed < b->fixed || (a->fixed == b->fixed && a->ordinal > b->ordinal);
}

static void sift_down(ps_hit *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && weaker(&h[l], &h[m]))
            m = l;
        if (r < n && weaker(&h[r], &h[m]))
            m = r;
        if (m == i)
            return;
        ps_hit t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

/* Documents are visited in increasing ordinal, so a newcomer beats the
 * weakest only with a strictly higher score. */
void ps_topk_offer(ps_searcher *s, size_t k, uint32_t seg, uint32_t doc, int64_t fixed)
{
    ps_hit h = { .seg = seg, .doc = doc, .ordinal = s->seg_base[seg] + doc, .fixed = fixed };
    if (s->n_heap < k) {
        size_t i = s->n_heap++;
        s->heap[i] = h;
        while (i > 0 && weaker(&s->heap[i], &s->heap[(i - 1) / 2])) {
            ps_hit t = s->heap[i];
            s->heap[i] = s->heap[(i - 1) / 2];
            s->heap[(i - 1) / 2] = t;
            i = (i - 1) / 2;
        }
    } else if (fixed > s->heap[0].fixed) {
        s->heap[0] = h;
        sift_down(s->heap, s->n_heap, 0);
    }
}

/* The score a document must beat; -1 while the heap has room. */
int64_t ps_topk_threshold(const ps_searcher *s, size_t k)
{
    return s->n_heap < k ? -1 : s->heap[0].fixed;
}

int ps_topk_best_first(const void *x, const void *y)
{
    const ps_hit *a = x, *b = y;
    if (a->fixed != b->fixed)
        return a->fixed > b->fixed ? -1 : 1;
    return a->ordinal < b->ordinal ? -1 : a->ordinal > b->ordinal;
}
