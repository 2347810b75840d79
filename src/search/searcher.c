/* Searchers: per-thread state, the search entry point, explain, hits. */
#include <stdlib.h>
#include <string.h>

#include "search/searcher_internal.h"

/* Queries of at least this many terms run term at a time. Measured on
 * 200,000 generated documents, top 100: the document-at-a-time engine is
 * faster up to about 12 terms (keywords: 0.63 against 0.89 ms), the
 * term-at-a-time one beyond (24 terms: 2.7 against 4.3 ms; whole
 * abstracts, 60 terms: 17 against 48 ms). */
#ifndef TAAT_MIN_TERMS
#define TAAT_MIN_TERMS 12
#endif

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
    s->norm = calloc(s->n_segs + 1, sizeof *s->norm);
    if (rc == PS_OK && (!s->seg_base || !s->norm))
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
    ps_strmap_free(&s->terms);
    free(s->seg_base);
    for (size_t i = 0; s->cur && i < s->cap_cur; i++)
        ps_cursor_free(&s->cur[i]);
    free(s->cur);
    free(s->order);
    free(s->prefix);
    free(s->heap);
    free(s->acc);
    free(s->touched);
    free(s->live);
    free(s->sel);
    for (uint32_t i = 0; s->norm && i < s->n_segs; i++)
        free(s->norm[i]);
    free(s->norm);
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

ps_rc ps_open_cursors(ps_searcher *s, const ps_segment *seg, const ps_query *q, const ps_scorer *sc, size_t *m)
{
    *m = 0;
    for (size_t t = 0; t < q->n; t++) {
        int64_t lex = ps_segment_find_term(seg, q->t[t].term, strlen(q->t[t].term));
        if (lex < 0)
            continue;
        ps_cursor_t *c = &s->cur[*m];
        c->term = t;
        ps_rc rc = ps_cursor_open(c, seg, (uint64_t)lex, q->t[t].weight * q->t[t].idf, sc);
        if (rc != PS_OK)
            return rc;
        s->order[(*m)++] = c;
    }
    return PS_OK;
}

static int by_hybrid(const void *x, const void *y)
{
    const ps_hit *a = x, *b = y;
    if (a->hybrid != b->hybrid)
        return a->hybrid > b->hybrid ? -1 : 1;
    return a->ordinal < b->ordinal ? -1 : a->ordinal > b->ordinal;
}

static bool reserve(ps_searcher *s, size_t terms, size_t k)
{
    if (terms > s->cap_cur) {
        for (size_t i = 0; i < s->cap_cur; i++)
            ps_cursor_free(&s->cur[i]);
        free(s->cur);
        free(s->order);
        free(s->prefix);
        s->cur = calloc(terms, sizeof *s->cur);
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

ps_rc ps_search(ps_searcher *s, const ps_query *q, const ps_search_opts *o, const ps_hit **hits, size_t *n)
{
    *hits = NULL;
    *n = 0;
    size_t want = o->k ? o->k : 20;
    bool hybrid = o->hybrid > 0 && q->sig;
    size_t k = hybrid ? (want * 4 > 100 ? want * 4 : 100) : want;
    if (!reserve(s, q->n ? q->n : 1, k))
        return PS_ENOMEM;
    memset(&s->st, 0, sizeof s->st);
    s->n_heap = 0;
    ps_scorer sc = scorer_of(s, o);
    /* long queries (query by document) run term at a time (measured: see
     * TAAT_MIN_TERMS); --all and the exhaustive oracle document at a time */
    bool taat = !o->exhaustive && !o->all_terms && q->n >= TAAT_MIN_TERMS;
    for (uint32_t i = 0; i < s->n_segs; i++) {
        ps_filter f = ps_filter_of(ps_index_segment(s->ix, i), o);
        ps_rc rc = taat ? ps_taat_segment(s, i, q, o, &sc, &f, k) : ps_maxscore_segment(s, i, q, o, &sc, &f, k);
        if (rc != PS_OK)
            return rc;
    }
    qsort(s->heap, s->n_heap, sizeof *s->heap, ps_topk_best_first);
    uint32_t mk = ps_index_manifest(s->ix)->mh.k;
    for (size_t i = 0; i < s->n_heap; i++) {
        ps_hit *h = &s->heap[i];
        const ps_segment *seg = ps_index_segment(s->ix, h->seg);
        h->score = (double)h->fixed / PS_SCORE_ONE;
        h->undated = (o->before || o->after) && ps_doc_day(seg, h->doc) == PS_DATE_UNKNOWN;
        h->jaccard = -1;
        h->hybrid = 0;
        if (q->sig)
            h->jaccard = ps_segment_shingles(seg, h->doc) ? ps_jaccard_estimate_le(q->sig, ps_segment_sig(seg, h->doc), mk)
                                                          : 0;
    }
    if (hybrid && s->n_heap) {
        double best = s->heap[0].score > 0 ? s->heap[0].score : 1;
        for (size_t i = 0; i < s->n_heap; i++)
            s->heap[i].hybrid = (1 - o->hybrid) * s->heap[i].score / best + o->hybrid * s->heap[i].jaccard;
        qsort(s->heap, s->n_heap, sizeof *s->heap, by_hybrid);
        if (s->n_heap > want)
            s->n_heap = want;
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
    ps_cursor_t *c = calloc(1, sizeof *c);
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
    ps_cursor_free(c);
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
    int32_t d = ps_doc_day(ps_index_segment(ix, h->seg), h->doc);
    return d == PS_DATE_UNKNOWN ? 0 : ps_date_from_days(d);
}

ps_rc ps_hit_record(const ps_index *ix, const ps_hit *h, ps_record **out)
{
    return ps_segment_record(ps_index_segment(ix, h->seg), h->doc, out);
}
