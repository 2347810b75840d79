/* The lexicon (.lex payload): a segment's terms in order with their
 * document frequency and where their postings and positions start.
 *
 * Terms come in blocks of PS_LEX_BLOCK. Each block has a fixed-width
 * header; each term a bit-packed entry at the block's own widths, so any
 * term is found in O(1) and binary search needs no decoding of neighbours:
 *   u64 n_terms, u64 pool_bytes, u64 packed_bytes
 *   header[ceil(n_terms / PS_LEX_BLOCK)], 32 bytes each:
 *     u64 term_off, post_off, pos_off    of the block's first term
 *     u32 packed_off                     its entries, from the packed start
 *     u8 w_end, w_df, w_post, w_pos      bits per entry field (0..57)
 *   packed: per block, its entries of (end, df, post, pos), LSB first;
 *     end = where the term's bytes end, from term_off (a term starts where
 *     the one before it in the block ends, the first at term_off); post /
 *     pos = the term's offsets minus the block's; then 8 zero bytes, so a
 *     reader may load 8 bytes at any field
 *   pool: the term bytes, concatenated
 * About 6 bytes a term plus its bytes, where fixed 32-byte entries took 32:
 * on the PatentsView abstracts the lexicon was over a quarter of the
 * inverted index. */
#ifndef PS_INDEX_LEXICON_H
#define PS_INDEX_LEXICON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "patsift/errors.h"

#define PS_LEX_BLOCK 64u
#define PS_LEX_HEADER_BYTES 32u

typedef struct ps_lex_entry {
    const char *term;
    uint32_t len, df;
    uint64_t post_off, pos_off;
} ps_lex_entry;

/* --- writing: terms in lexicon order --- */

typedef struct ps_lex_writer {
    ps_buf pool, headers, packed;
    uint64_t n;
    /* the block being filled: its bases and its entries so far */
    uint64_t block_term_off, block_post_off, block_pos_off;
    uint64_t end[PS_LEX_BLOCK], df[PS_LEX_BLOCK], post[PS_LEX_BLOCK], pos[PS_LEX_BLOCK];
    bool too_wide;  /* a field past 57 bits (offsets past 2^57): unsupported */
} ps_lex_writer;

void ps_lex_add(ps_lex_writer *w, const char *term, uint32_t len, uint32_t df, uint64_t post_off,
                uint64_t pos_off);
/* Appends the whole payload to out: PS_ENOMEM if any step ran out of
 * memory, PS_EUNSUPPORTED for offsets past 2^57. Frees the writer. */
ps_rc ps_lex_finish(ps_lex_writer *w, ps_buf *out);
void ps_lex_writer_free(ps_lex_writer *w);

/* --- reading --- */

typedef struct ps_lexicon {
    uint64_t n_terms;
    const uint8_t *headers, *packed, *pool;
    uint64_t packed_size, pool_size;
} ps_lexicon;

/* Lays out payload[0..size) and checks every entry: terms inside the
 * pool, df 1..n_docs, offsets ascending and within the postings and
 * positions payloads. PS_ECORRUPT otherwise. */
ps_rc ps_lex_open(ps_lexicon *lx, const uint8_t *payload, uint64_t size, uint32_t n_docs, uint64_t pst_size,
                  uint64_t pos_size);
/* Entry i < n_terms (of an opened, so checked, lexicon). */
void ps_lex_get(const ps_lexicon *lx, uint64_t i, ps_lex_entry *e);

#endif
