/* One block of postings (at most PS_BLOCK_SIZE documents): doc-id gaps,
 * position counts and weighted term frequencies, in patched bit-packed runs
 * (bitpack.h).
 *
 * Layout of an encoded block of n postings after the previous block's last
 * doc id `prev`:
 *   run of n doc gaps       gap_0 = doc_0 - prev (minus 1 unless first
 *                           block), gap_i = doc_i - doc_(i-1) - 1
 *   run of n (count - 1)    count: the term's positions in the document
 *   u8 mult, run of n extra weighted tf = mult * count + extra
 * The weighted tf sums a field weight per occurrence, so it is nearly a
 * multiple of the count: with the default weights an abstract-only posting
 * has extra 0 and a title word adds 1. mult is the block's smallest
 * floor(tf / count). Storing count and extra costs less than tf alone, and
 * the positions stream needs the count anyway. n and prev are not stored:
 * the block's skip entry knows them.
 *
 * Why not StreamVByte (measured, 100k generated documents): 2.53 bytes per
 * posting (gap and tf) with StreamVByte, 1.33 bit-packed without patching.
 * Patching and the count split took 1M generated abstracts from 1.48 to
 * 1.09 bytes per posting for gaps, tfs and position counts together. */
#ifndef PS_INDEX_POSTINGS_CODEC_H
#define PS_INDEX_POSTINGS_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "index/bitpack.h"

#define PS_BLOCK_SIZE 128
/* Upper bound of an encoded block, for output buffers. */
#define PS_BLOCK_MAX_BYTES (3 * PS_PFOR_MAX_BYTES(PS_BLOCK_SIZE) + 1)
/* Bytes a reader may touch past a block: none, kept for the file layout. */
#define PS_BLOCK_PAD 16

/* Encodes docs[0..n) (strictly increasing; docs[0] > prev, or >= prev in
 * the first block) with weighted tfs (>= 1) and position counts (>= 1).
 * out holds at least PS_BLOCK_MAX_BYTES. Returns the bytes written. */
size_t ps_block_encode(const uint32_t *docs, const uint32_t *tfs, const uint32_t *counts, uint32_t n,
                       uint32_t prev, int first_block, uint8_t *out);

/* Decodes a block from in[0..avail). Returns the bytes consumed, or 0 when
 * the bytes cannot be a valid block (corrupt data): too short, bad runs,
 * doc ids past 2^32 - 1, a tf of 0 or past 2^32 - 1. Never reads past
 * in + avail. */
size_t ps_block_decode(const uint8_t *in, size_t avail, uint32_t n, uint32_t prev, int first_block,
                       uint32_t *docs, uint32_t *tfs, uint32_t *counts);

#endif
