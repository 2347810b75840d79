/* A query term's cursor over one segment's postings: moves forward only,
 * decodes a block only when a document in it is wanted, and reads block
 * bounds off the skip table without decoding ("shallow" moves).
 *
 * Scores are fixed point (PS_SCORE_ONE units per 1.0): the same term,
 * weighted tf and length always give the same integer, so sums do not
 * depend on the order terms are added in. */
#ifndef PS_SEARCH_CURSOR_H
#define PS_SEARCH_CURSOR_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "index/postings_codec.h"
#include "index/segment.h"

#define PS_DOC_END UINT32_MAX
#define PS_SCORE_ONE 4294967296.0 /* 2^32 */

/* The BM25 parameters of one query over one segment. */
typedef struct ps_scorer {
    double k1, b, avglen;
} ps_scorer;

/* The length part of BM25's denominator, k1 (1 - b + b len / avglen):
 * computed once per document, shared by its terms. */
static inline double ps_score_norm(const ps_scorer *sc, uint32_t len)
{
    return sc->k1 * (1.0 - sc->b + sc->b * (double)len / sc->avglen);
}

/* One term's contribution; wq1 = query weight * idf * (k1 + 1) * 2^32.
 * Rounded half up (the value is never negative), identically wherever it
 * is computed. */
static inline int64_t ps_score_term(double wq1, uint32_t wtf, double norm)
{
    double tf = (double)wtf;
    return (int64_t)(wq1 * tf / (tf + norm) + 0.5);
}

static inline int64_t ps_score_fixed(const ps_scorer *sc, double wq, uint32_t wtf, uint32_t len)
{
    return ps_score_term(wq * (sc->k1 + 1.0) * PS_SCORE_ONE, wtf, ps_score_norm(sc, len));
}

typedef struct ps_cursor_t {
    ps_seg_postings it;
    const ps_segment *seg;
    size_t term;             /* index into the query */
    double wq;               /* query weight * idf */
    double wq1;              /* wq * (k1 + 1) * 2^32, for ps_score_term */
    int64_t ub;              /* bound of any document's score for this term */
    int64_t *bound;          /* per block, the bound of its scores (owned, reused) */
    size_t cap_bound;
    uint32_t n_blocks;
    uint32_t block;          /* the block in docs/tfs; n_blocks before the first */
    uint32_t shallow;        /* the block the shallow pointer is at */
    uint32_t n, i;           /* postings of the decoded block, the current one */
    uint32_t doc;            /* current document, PS_DOC_END past the end */
    int corrupt;
    /* a term of one block has no skip entry: its figures, from decoding */
    uint32_t one_max_wtf, one_min_len;
    uint32_t docs[PS_BLOCK_SIZE], tfs[PS_BLOCK_SIZE], counts[PS_BLOCK_SIZE];
} ps_cursor_t;

/* Opens the cursor on lexicon entry term of seg and positions it on its
 * first document. PS_ECORRUPT for damaged postings, PS_ENOMEM. A cursor
 * starts zeroed and is reopened any number of times; ps_cursor_free. */
ps_rc ps_cursor_open(ps_cursor_t *c, const ps_segment *seg, uint64_t term, double wq, const ps_scorer *sc);

void ps_cursor_free(ps_cursor_t *c);

/* Moves to the first document >= target (PS_DOC_END if none). */
void ps_cursor_next_geq(ps_cursor_t *c, uint32_t target, uint64_t *decoded);

/* Decodes the next block (false past the last one, doc = PS_DOC_END). */
bool ps_cursor_next_block(ps_cursor_t *c, uint64_t *decoded);

static inline uint32_t ps_cursor_tf(const ps_cursor_t *c) { return c->tfs[c->i]; }

/* Moves the shallow pointer to the block that would hold target (without
 * decoding) and returns that block's score bound; 0 when no block can. */
int64_t ps_cursor_block_bound(ps_cursor_t *c, uint32_t target);

/* The last document of the block the shallow pointer is at. */
uint32_t ps_cursor_block_end(const ps_cursor_t *c);

#endif
