/* Positions of one postings block, in patched bit-packed runs.
 *
 * For a block of n postings with position counts c_0..c_(n-1) (each >= 1,
 * stored in the postings block) and each document's positions ascending:
 * the sum(c_i) gaps in document order, in patched runs (bitpack.h) of up
 * to 128; a document's first gap is its first position, the next ones are
 * p_k - p_(k-1) - 1. */
#ifndef PS_INDEX_POSITIONS_CODEC_H
#define PS_INDEX_POSITIONS_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "index/postings_codec.h"

/* No document holds more occurrences of one term than this. */
#define PS_MAX_POSITIONS (1u << 26)

/* Appends the block: positions concatenated in pos, counts[i] of them for
 * posting i. */
void ps_pos_block_encode(const uint32_t *counts, uint32_t n, const uint32_t *pos, ps_buf *out);

/* Reads a term's positions block by block, one document at a time. */
typedef struct ps_pos_cursor {
    const uint8_t *p, *end;
    uint32_t counts[PS_BLOCK_SIZE];
    uint32_t n, doc;              /* documents in the block, the next one */
    uint32_t chunk[PS_BLOCK_SIZE];
    uint32_t chunk_n, chunk_i;
    uint64_t left;                /* gaps of the block not yet in a chunk */
} ps_pos_cursor;

/* Starts a block of n postings at p (not past end), with the position
 * counts its postings block gave. Returns 0, or -1 for corrupt data. */
int ps_pos_block_start(ps_pos_cursor *c, const uint8_t *p, const uint8_t *end, uint32_t n,
                       const uint32_t *counts);

/* The next document's positions: writes up to cap of them into out and
 * their number into *count (all are consumed either way). Returns 0, or -1
 * for corrupt data or when the block has no more documents. */
int ps_pos_next_doc(ps_pos_cursor *c, uint32_t *out, uint32_t cap, uint32_t *count);

/* Bytes of the block consumed so far (valid after the last document). */
static inline const uint8_t *ps_pos_block_end(const ps_pos_cursor *c) { return c->p; }

#endif
