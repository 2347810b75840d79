/* One block of postings (at most PS_BLOCK_SIZE documents): doc-id deltas
 * and weighted term frequencies, each as a StreamVByte stream.
 *
 * Layout of an encoded block of n postings, after the previous block's last
 * doc id `prev` (0 for the first block):
 *   docs: StreamVByte-delta of the n doc ids from prev ((n+3)/4 key bytes,
 *         then 1-4 data bytes per value)
 *   tfs:  StreamVByte of the n (tf - 1) values
 * n and prev are not stored: the block's skip entry knows them. */
#ifndef PS_INDEX_POSTINGS_CODEC_H
#define PS_INDEX_POSTINGS_CODEC_H

#include <stddef.h>
#include <stdint.h>

#define PS_BLOCK_SIZE 128
/* Upper bound of an encoded block, for output buffers. */
#define PS_BLOCK_MAX_BYTES (2 * (PS_BLOCK_SIZE / 4 + PS_BLOCK_SIZE * 4))
/* Bytes a reader may touch past a block (SIMD loads): keep them readable. */
#define PS_BLOCK_PAD 16

/* Encodes docs[0..n) (strictly increasing, docs[0] >= prev) with tfs (>= 1).
 * out holds at least PS_BLOCK_MAX_BYTES. Returns the bytes written. */
size_t ps_block_encode(const uint32_t *docs, const uint32_t *tfs, uint32_t n, uint32_t prev,
                       uint8_t *out);

/* Decodes a block from in[0..avail), checking every length against avail
 * and that doc ids increase strictly (from prev; the first may equal prev
 * only when first_block). Returns the bytes consumed, or 0 when the bytes
 * cannot be a valid block (corrupt data). Never reads past in + avail. */
size_t ps_block_decode(const uint8_t *in, size_t avail, uint32_t n, uint32_t prev, int first_block,
                       uint32_t *docs, uint32_t *tfs);

/* Bytes of a StreamVByte stream of n values starting at in, from its keys
 * alone; 0 when fewer than the key bytes are available. */
size_t ps_svb_length(const uint8_t *in, size_t avail, uint32_t n);

#endif
