/* One block of postings (at most PS_BLOCK_SIZE documents): doc-id gaps and
 * weighted term frequencies, bit-packed ("frame of reference": every value
 * of a block takes the bits of its largest).
 *
 * Layout of an encoded block of n postings after the previous block's last
 * doc id `prev`:
 *   u8 bd, u8 bt            bits per doc gap and per tf (0..32)
 *   n gaps, bd bits each    gap_0 = doc_0 - prev (minus 1 unless first
 *                           block), gap_i = doc_i - doc_(i-1) - 1
 *   n (tf - 1), bt bits each
 * each bit run LSB first and padded to a whole byte. n and prev are not
 * stored: the block's skip entry knows them.
 *
 * Why not StreamVByte (measured, 100k generated documents): 2.53 bytes per
 * posting with StreamVByte, 1.33 bit-packed. */
#ifndef PS_INDEX_POSTINGS_CODEC_H
#define PS_INDEX_POSTINGS_CODEC_H

#include <stddef.h>
#include <stdint.h>

#define PS_BLOCK_SIZE 128
/* Upper bound of an encoded block, for output buffers. */
#define PS_BLOCK_MAX_BYTES (2 + 2 * PS_BLOCK_SIZE * 4)
/* Bytes a reader may touch past a block: none, kept for the file layout. */
#define PS_BLOCK_PAD 16

/* Encodes docs[0..n) (strictly increasing; docs[0] > prev, or >= prev in
 * the first block) with tfs (1 .. UINT32_MAX - 1). out holds at least
 * PS_BLOCK_MAX_BYTES. Returns the bytes written. */
size_t ps_block_encode(const uint32_t *docs, const uint32_t *tfs, uint32_t n, uint32_t prev, int first_block,
                       uint8_t *out);

/* Decodes a block from in[0..avail). Returns the bytes consumed, or 0 when
 * the bytes cannot be a valid block (corrupt data): too short, bit widths
 * over 32, doc ids past 2^32 - 1. Never reads past in + avail. */
size_t ps_block_decode(const uint8_t *in, size_t avail, uint32_t n, uint32_t prev, int first_block,
                       uint32_t *docs, uint32_t *tfs);

/* Bit packing shared with the positions codec: values LSB first, padded to
 * a byte. pack returns the bytes written; unpack reads ceil(n * b / 8)
 * bytes, which the caller has checked are there. */
unsigned ps_bits_of(uint32_t v);
size_t ps_bits_pack(const uint32_t *v, uint32_t n, unsigned b, uint8_t *out);
void ps_bits_unpack(const uint8_t *in, uint32_t n, unsigned b, uint32_t *v);

#endif
