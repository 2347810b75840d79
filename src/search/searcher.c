/* The search engine: block-max MaxScore over each segment in turn, one
 * top-k heap across them; exhaustive evaluation as the oracle.
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

ps_rc ps_searcher_create(const ps_index *ix, ps_searcher **out)
{
    *out = NULL;
    ps_searcher *s = calloc(1, sizeof *s);
    if (!s)
        return PS_ENOMEM;
    s->ix = ix;
    const ps_manifest *mf = ps_index_manifest(ix);
    /* a query document's words count with the index's field weights; a
     * field the index leaves out still speaks for the query (once) */
    for (int f = 0; f < PS_FIELD_COUNT; f++)
        s->weight[f] = mf->weight[f] ? mf->weight[f] : 1;
    ps_analyzer_opts ao;
    ps_manifest_analyzer(mf, &ao);
    ps_rc rc = ps_analyzer_create(&ao, &s->an);
    s->n_segs = ps_index_segment_count(ix);
    s->seg_base = calloc(s->n_segs + 1, sizeof *s->seg_base);
    if (rc == PS_OK && !s->seg_base)
        rc = PS_ENOMEM;
    if (rc != PS_OK) {
        ps_searcher_free(s);
        return rc;
    }
    uint64_t total_len = 0;
    for (uint32_t i = 0; i < s->n_segs; i++) {
        const ps_segment *seg = ps_index_segment(ix, i);
        s->seg_base[i + 1] = s->seg_base[i] + seg->n_docs;
        total_len += seg->total_len;
    }
    s->n_docs = s->seg_base[s->n_segs];
    s->avglen = s->n_docs && total_len ? (double)total_len / (double)s->n_docs : 1.0;
    *out = s;
    return PS_OK;
}

void ps_searcher_free(ps_searcher *s)
{
    if (!s)
        return;
    ps_analyzer_free(s->an);
    free(s->seg_base);
    free(s->cur);
    free(s->order);
    free(s->prefix);
    free(s->heap);
    free(s);
}

void ps_searcher_stats(const ps_searcher *s, ps_search_stats *out) { *out = s->st; }

uint64_t ps_searcher_df(const ps_searcher *s, const char *term, size_t len)
{
    uint64_t df = 0;
    for (uint32_t i = 0; i < s->n_segs; i++) {
        const ps_segment *seg = ps_index_segment(s->ix, i);
        int64_t t = ps_segment_find_term(seg, term, len);
        if (t >= 0) {
            const char *str;
            uint32_t l, d;
            ps_segment_term(seg, (uint64_t)t, &str, &l, &d);
            df += d;
        }
    }
    return df;
}

/* ---- the top-k heap: heap[0] is the weakest hit ---- */

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
static void offer(ps_searcher *s, size_t k, uint32_t seg, uint32_t doc, int64_t fixed)
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
static int64_t threshold(const ps_searcher *s, size_t k)
{
    return s->n_heap < k ? -1 : s->heap[0].fixed;
}

static int best_first(const void *x, const void *y)
{
    const ps_hit *a = x, *b = y;
    if (a->fixed != b->fixed)
        return a->fixed > b->fixed ? -1 : 1;
    return a->ordinal < b->ordinal ? -1 : a->ordinal > b->ordinal;
}

/* ---- filters ---- */

typedef struct filter {
    const ps_segment *seg;
    int32_t before, after;   /* day numbers; INT32_MAX / INT32_MIN: none */
    bool dated;              /* a date limit is set */
    const ps_search_opts *o;
    int64_t exclude;         /* doc of this segment to leave out, or -1 */
} filter;

/* Publication date, else filing date, as a day number; PS_DATE_UNKNOWN. */
static int32_t doc_day(const ps_segment *seg, uint32_t d)
{
    int32_t v = (int32_t)ps_le32(seg->pub + 4 * (size_t)d);
    if (v == PS_DATE_UNKNOWN)
        v = (int32_t)ps_le32(seg->filing + 4 * (size_t)d);
    return v;
}

/* Does code start with prefix, spaces ignored on both sides ("A61B5/02"
 * matches "A61B 5/0205")? */
static bool cpc_prefix(const char *code, const char *prefix)
{
    for (;;) {
        while (*prefix == ' ')
            prefix++;
        while (*code == ' ')
            code++;
        if (!*prefix)
            return true;
        if (*code != *prefix)
            return false;
        code++;
        prefix++;
    }
}

static bool has_cpc(const ps_segment *seg, uint32_t d, const ps_search_opts *o)
{
    uint64_t a = ps_le64(seg->cpc_off + 8 * (size_t)d), b = ps_le64(seg->cpc_off + 8 * (size_t)d + 8);
    for (uint64_t p = a; p < b;) {
        const char *code = (const char *)seg->cpc_pool + p;
        for (size_t i = 0; i < o->n_cpc; i++)
            if (cpc_prefix(code, o->cpc[i]))
                return true;
        p += strnlen(code, b - p) + 1;
    }
    return false;
}

static bool accept(const filter *f, uint32_t d)
{
    if (!ps_segment_live(f->seg, d) || (int64_t)d == f->exclude)
        return false;
    if (f->dated) {
        int32_t day = doc_day(f->seg, d);
        if (day != PS_DATE_UNKNOWN && (day >= f->before || day < f->after))
            return false;
    }
    if (f->o->kind && strncmp((const char *)f->seg->kind + 4 * (size_t)d, f->o->kind, 4) != 0)
        return false;
    if (f->o->n_cpc && !has_cpc(f->seg, d, f->o))
        return false;
    return true;
}

/* ---- one segment ---- */

static int by_bound(const void *x, const void *y)
{
    const ps_cursor_t *a = *(ps_cursor_t *const *)x, *b = *(ps_cursor_t *const *)y;
    if (a->ub != b->ub)
        return a->ub < b->ub ? -1 : 1;
    return a->term < b->term ? -1 : a->term > b->term;
}

static ps_rc search_segment(ps_searcher *s, uint32_t si, const ps_query *q, const ps_search_opts *o,
                            const ps_scorer *sc, const filter *f, size_t k)
{
    const ps_segment *seg = ps_index_segment(s->ix, si);
    size_t m = 0;
    for (size_t t = 0; t < q->n; t++) {
        int64_t lex = ps_segment_find_term(seg, q->t[t].term, strlen(q->t[t].term));
        if (lex < 0)
            continue;
        ps_cursor_t *c = &s->cur[m];
        c->term = t;
        if (ps_cursor_open(c, seg, (uint64_t)lex, q->t[t].weight * q->t[t].idf, sc) != PS_OK)
            return PS_ECORRUPT;
        s->order[m++] = c;
    }
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
    int64_t theta = threshold(s, k);
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
        bool ok = accept(f, d);
        if (ok && pruning) {
            /* block-max: what the blocks that could hold d allow; the
             * non-essential lists' blocks are looked at only when their
             * whole-list bounds are not enough to drop d */
            int64_t bound = 0;
            for (size_t i = ess; i < m; i++)
                if (c[i]->doc == d)
                    bound += ps_cursor_block_bound(c[i], d, sc);
            if (bound + prefix[ess] > theta)
                for (size_t i = 0; i < ess; i++)
                    bound += ps_cursor_block_bound(c[i], d, sc);
            else
                bound += prefix[ess];
            if (bound <= theta) {
                ok = false;
                s->st.docs_pruned++;
            }
        }
        uint32_t len = ok ? ps_segment_doc_wlen(seg, d) : 0;
        int64_t score = 0;
        size_t matched = 0;
        for (size_t i = ess; i < m; i++) {
            if (c[i]->doc != d)
                continue;
            if (ok) {
                score += ps_score_fixed(sc, c[i]->wq, ps_cursor_tf(c[i]), len);
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
                score += ps_score_fixed(sc, c[i]->wq, ps_cursor_tf(c[i]), len);
                matched++;
            }
        }
        if (!ok || (o->all_terms && matched < m))
            continue;
        s->st.docs_scored++;
        if (score > theta) {
            offer(s, k, si, d, score);
            theta = threshold(s, k);
        }
    }
    for (size_t i = 0; i < m; i++)
        if (c[i]->corrupt)
            return PS_ECORRUPT;
    return PS_OK;
}

static bool reserve(ps_searcher *s, size_t terms, size_t k)
{
    if (terms > s->cap_cur) {
        free(s->cur);
        free(s->order);
        free(s->prefix);
        s->cur = malloc(terms * sizeof *s->cur);
        s->order = malloc(terms * sizeof *s->order);
        s->prefix = malloc((terms + 1) * sizeof *s->prefix);
        s->cap_cur = s->cur && s->order && s->prefix ? terms : 0;
        if (!s->cap_cur)
            return false;
    }
    if (k > s->cap_heap) {
        ps_hit *h = realloc(s->heap, k * sizeof *h);
        if (!h)
            return false;
        s->heap = h;
        s->cap_heap = k;
    }
    return true;
}

static ps_scorer scorer_of(const ps_searcher *s, const ps_search_opts *o)
{
    return (ps_scorer){ .k1 = o->k1 > 0 ? o->k1 : PS_DEFAULT_K1,
                        .b = o->b == 0 ? PS_DEFAULT_B : o->b < 0 ? 0 : o->b,
                        .avglen = s->avglen };
}

static filter filter_of(const ps_segment *seg, const ps_search_opts *o)
{
    filter f = { .seg = seg, .o = o, .before = INT32_MAX, .after = INT32_MIN, .exclude = -1 };
    if (o->before) {
        f.before = ps_date_to_days(o->before);
        f.dated = true;
    }
    if (o->after) {
        f.after = ps_date_to_days(o->after);
        f.dated = true;
    }
    if (o->exclude_id)
        f.exclude = ps_segment_find_id(seg, o->exclude_id);
    return f;
}

ps_rc ps_search(ps_searcher *s, const ps_query *q, const ps_search_opts *o, const ps_hit **hits, size_t *n)
{
    *hits = NULL;
    *n = 0;
    size_t k = o->k ? o->k : 20;
    if (!reserve(s, q->n ? q->n : 1, k))
        return PS_ENOMEM;
    memset(&s->st, 0, sizeof s->st);
    s->n_heap = 0;
    ps_scorer sc = scorer_of(s, o);
    for (uint32_t i = 0; i < s->n_segs; i++) {
        filter f = filter_of(ps_index_segment(s->ix, i), o);
        ps_rc rc = search_segment(s, i, q, o, &sc, &f, k);
        if (rc != PS_OK)
            return rc;
    }
    qsort(s->heap, s->n_heap, sizeof *s->heap, best_first);
    for (size_t i = 0; i < s->n_heap; i++) {
        ps_hit *h = &s->heap[i];
        h->score = (double)h->fixed / PS_SCORE_ONE;
        h->undated = (o->before || o->after) &&
                     doc_day(ps_index_segment(s->ix, h->seg), h->doc) == PS_DATE_UNKNOWN;
    }
    *hits = s->heap;
    *n = s->n_heap;
    return PS_OK;
}

static int by_share(const void *x, const void *y)
{
    const ps_term_share *a = x, *b = y;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return a->term < b->term ? -1 : a->term > b->term;
}

size_t ps_search_explain(ps_searcher *s, const ps_query *q, const ps_search_opts *o, const ps_hit *h,
                         ps_term_share *out)
{
    const ps_segment *seg = ps_index_segment(s->ix, h->seg);
    ps_scorer sc = scorer_of(s, o);
    uint32_t len = ps_segment_doc_wlen(seg, h->doc);
    uint64_t ignored = 0;
    size_t n = 0;
    ps_cursor_t *c = malloc(sizeof *c);
    if (!c)
        return 0;
    for (size_t t = 0; t < q->n; t++) {
        int64_t lex = ps_segment_find_term(seg, q->t[t].term, strlen(q->t[t].term));
        if (lex < 0 || ps_cursor_open(c, seg, (uint64_t)lex, q->t[t].weight * q->t[t].idf, &sc) != PS_OK)
            continue;
        ps_cursor_next_geq(c, h->doc, &ignored);
        if (c->doc != h->doc)
            continue;
        uint32_t tf = ps_cursor_tf(c);
        out[n++] = (ps_term_share){ .term = t, .tf = tf,
                                    .score = (double)ps_score_fixed(&sc, c->wq, tf, len) / PS_SCORE_ONE };
    }
    free(c);
    qsort(out, n, sizeof *out, by_share);
    return n;
}

const char *ps_hit_id(const ps_index *ix, const ps_hit *h)
{
    return ps_segment_doc_id(ps_index_segment(ix, h->seg), h->doc);
}

int32_t ps_hit_date(const ps_index *ix, const ps_hit *h)
{
    int32_t d = doc_day(ps_index_segment(ix, h->seg), h->doc);
    return d == PS_DATE_UNKNOWN ? 0 : ps_date_from_days(d);
}

ps_rc ps_hit_record(const ps_index *ix, const ps_hit *h, ps_record **out)
{
    return ps_segment_record(ps_index_segment(ix, h->seg), h->doc, out);
}
