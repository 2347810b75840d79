/* The searcher's state, shared by the query builders and the engine. */
#ifndef PS_SEARCH_SEARCHER_INTERNAL_H
#define PS_SEARCH_SEARCHER_INTERNAL_H

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
    ps_search_stats st;
};

/* Documents holding term, summed over the segments. */
uint64_t ps_searcher_df(const ps_searcher *s, const char *term, size_t len);

#endif
