/* The searcher's state, shared by the query builders and the engine. */
#ifndef PS_SEARCH_SEARCHER_INTERNAL_H
#define PS_SEARCH_SEARCHER_INTERNAL_H

#include "common/strmap.h"
#include "index/index_access.h"
#include "patsift/analyze.h"
#include "patsift/search.h"
#include "search/cursor.h"

struct ps_searcher {
    const ps_index *ix;
    ps_analyzer *an;
    uint32_t weight[PS_FIELD_COUNT];
    uint32_t n_segs;
    uint64_t *seg_base;       /* ordinal of each segment's doc 0 */
    uint64_t n_docs;          /* over all segments, deleted included */
    double avglen;            /* mean weighted length, likewise */
    /* engine scratch, reused across queries */
    ps_cursor_t *cur;
    ps_cursor_t **order;
    size_t cap_cur;
    int64_t *prefix;          /* prefix sums of the cursors' bounds */
    ps_hit *heap;             /* the k best so far: a min-heap on (score, -ordinal) */
    size_t n_heap, cap_heap;
    /* term-at-a-time scratch, sized for the largest segment */
    int64_t *acc;             /* per document: 0 untouched, -1 filtered out, else score + 1 */
    uint32_t *touched, *live;
    int64_t *sel;             /* copies of partial scores, for selecting the k-th */
    size_t cap_docs;
    /* per segment, each document's BM25 length norm for (norm_k1, norm_b) */
    double **norm;
    double norm_k1, norm_b;
    ps_search_stats st;
    ps_strmap terms;          /* the query being built (query.c), kept across queries */
};

/* Documents holding term, summed over the segments. */
uint64_t ps_searcher_df(const ps_searcher *s, const char *term, size_t len);

/* Opens a cursor (s->cur, listed in s->order) for each term of q that seg
 * holds; their count in *m. */
ps_rc ps_open_cursors(ps_searcher *s, const ps_segment *seg, const ps_query *q, const ps_scorer *sc, size_t *m);

/* ---- top k (topk.c) ---- */
/* Offers doc of segment seg; documents must come in increasing order. */
void ps_topk_offer(ps_searcher *s, size_t k, uint32_t seg, uint32_t doc, int64_t fixed);
/* The score a newcomer must beat; -1 while the heap has room. */
int64_t ps_topk_threshold(const ps_searcher *s, size_t k);
/* qsort order of the final hits: best first. */
int ps_topk_best_first(const void *x, const void *y);

/* ---- filters (filter.c) ---- */
typedef struct ps_filter {
    const ps_segment *seg;
    int32_t before, after;   /* day numbers; INT32_MAX / INT32_MIN: none */
    bool dated;              /* a date limit is set */
    const ps_search_opts *o;
    int64_t exclude;         /* doc of this segment to leave out, or -1 */
} ps_filter;
ps_filter ps_filter_of(const ps_segment *seg, const ps_search_opts *o);
bool ps_filter_accept(const ps_filter *f, uint32_t d);
/* Publication date, else filing date, as a day number; PS_DATE_UNKNOWN. */
int32_t ps_doc_day(const ps_segment *seg, uint32_t d);

/* ---- engines: one segment each, hits offered to the shared heap ---- */
ps_rc ps_maxscore_segment(ps_searcher *s, uint32_t si, const ps_query *q, const ps_search_opts *o,
                          const ps_scorer *sc, const ps_filter *f, size_t k);
ps_rc ps_taat_segment(ps_searcher *s, uint32_t si, const ps_query *q, const ps_search_opts *o,
                      const ps_scorer *sc, const ps_filter *f, size_t k);

#endif
