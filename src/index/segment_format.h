/* The index on disk, byte by byte. All integers little-endian; every file
 * has the header and checksummed footer of binfile.h around its payload.
 *
 * INDEX_DIR/
 *   MANIFEST            the live segments (magic "PSMF"); replaced atomically
 *   LOCK                flock()ed by a writer
 *   seg-G-K.lex .pst .pos .doc .sto .mh   segment K written in generation G
 *   seg-G-K.del.H       documents of segment seg-G-K deleted as of generation H
 *
 * MANIFEST payload
 *   u64 generation              increases with every commit
 *   u32 flags                   analyzer: 1 no_stem, 2 no_english_stop,
 *                               4 no_patent_stop, 8 keep_accents,
 *                               16 no_cjk_bigrams; 256 store_description
 *   u32 weight[4]               title, abstract, claims, description
 *   str language                (str = u32 length + bytes)
 *   u32 mh_k, mh_shingle, mh_fields, mh_bands, mh_rows   MinHash settings
 *                               (sketch/minhash.h), the same in every segment
 *   u32 n_segments, then per segment:
 *     str name                  e.g. "seg-1-0"
 *     u32 n_docs
 *     u64 checksum[6]           footer checksums of .lex .pst .pos .doc .sto .mh,
 *                               so a file swapped in from elsewhere is caught
 *     u32 n_deleted             documents replaced by a newer record of the same id
 *     str del_name              the deletion file, "" when n_deleted is 0
 *     u64 del_checksum          its footer checksum
 *
 * .lex (magic "PSLX") lexicon, terms sorted by bytes (memcmp, then length),
 *   each with its df and its offsets into .pst and .pos: the block-packed
 *   layout of lexicon.h
 *
 * .pst (magic "PSPT") postings; a term's list starts at post_off (relative
 * to the payload) with its skip table, then its blocks:
 *   skip[ceil(df/128)] when df > 128 (a term of one block has none: its
 *   figures are read off the block), 20 bytes each: u32 last_doc,
 *                                 u32 max_wtf, u32 min_len, u32 data_off, u32 pos_off
 *     last_doc: the block's last doc id; max_wtf / min_len: the largest
 *     weighted tf and smallest weighted doc length in the block, so any
 *     BM25 variant can bound the block's best score; data_off: the block's
 *     offset from the end of the skip table; pos_off: its first document's
 *     positions, relative to the term's pos_off.
 *   blocks: postings_codec.h format (patched bit-packed runs of doc gaps,
 *   position counts, weighted tfs), 128 postings each (the last fewer);
 *   after the last term: 16 zero bytes
 *
 * .pos (magic "PSPO") positions; per term, one positions_codec.h block per
 *   postings block (position gaps; the counts are in the postings block),
 *   found through the skip entry's pos_off
 *
 * .doc (magic "PSDC") per-document columns, doc id = row number:
 *   u32 n_docs, u32 reserved, u64 id_pool_bytes, u64 cpc_pool_bytes,
 *   u64 total_len (sum of weighted lengths, for the average)
 *   u64 id_off[n_docs + 1]                    into the id pool
 *   i32 pub[n_docs], filing[n_docs], priority[n_docs]   day numbers since
 *                                              1970-01-01; INT32_MIN unknown
 *   u32 len[n_docs][4]                         tokens per field
 *   u32 wlen[n_docs]                           weighted length
 *   u16 n_claims[n_docs], n_indep[n_docs]
 *   u8 entity[n_docs]; i8 fast_track[n_docs] (-1 unknown); char kind[n_docs][4]
 *   u64 cpc_off[n_docs + 1]                   into the cpc pool (codes, NUL after each)
 *   u64 store_off[n_docs + 1]                 into the .sto payload
 *   id pool (ids, NUL after each), cpc pool; each section 8-byte aligned
 *
 * .del.H (magic "PSDL") deletions: u32 n_docs, u32 n_deleted, then a bitmap
 *   of ceil(n_docs / 8) bytes, bit (d % 8) of byte d / 8 set when doc d is
 *   deleted. Segments stay immutable: a new generation writes a new file.
 *
 * .sto (magic "PSST") stored text:
 *   u32 n_dicts, then per dictionary: u32 length, bytes (zstd dictionaries;
 *   a frame names the one it needs by the dictionary ID in its header)
 *   then one zstd frame per document (store_off is relative to the first),
 *   holding
 *   str kind, title, abstract, description (or ""), source
 *   u32 n_claims, per claim: u32 num, u8 independent, str text
 *   u32 n + str[n] for ipc, applicants, citations
 *
 * .mh (magic "PSMH") MinHash signatures and LSH band tables:
 *   u32 k, shingle, fields, bands, rows   as in the MANIFEST
 *   u32 n_docs, u32 n_band_docs (documents with text: the others are in no
 *   band table), u32 reserved
 *   u32 n_shingles[n_docs]                 0: no text, the signature matches nothing
 *   u32 sig[n_docs][k]                     one-permutation MinHash, densified
 *   per band b < bands: n_band_docs entries (u32 key, u32 doc), sorted by
 *     key then doc; key = ps_lsh_key(sig, b, rows) (XXH3 of the band's rows,
 *     low 32 bits), so documents sharing a key are adjacent
 */
#ifndef PS_INDEX_SEGMENT_FORMAT_H
#define PS_INDEX_SEGMENT_FORMAT_H

#include <stdint.h>
#include <string.h>

#define PS_MAGIC_MANIFEST "PSMF"
#define PS_MAGIC_LEX "PSLX"
#define PS_MAGIC_POSTINGS "PSPT"
#define PS_MAGIC_POSITIONS "PSPO"
#define PS_MAGIC_DOCS "PSDC"
#define PS_MAGIC_STORE "PSST"
#define PS_MAGIC_DELETES "PSDL"
#define PS_MAGIC_MINHASH "PSMH"

#define PS_SKIP_BYTES 20u
#define PS_MH_HEADER_BYTES 32u
#define PS_DATE_UNKNOWN INT32_MIN

enum { PS_SEG_LEX, PS_SEG_PST, PS_SEG_POS, PS_SEG_DOC, PS_SEG_STO, PS_SEG_MH, PS_SEG_FILES };
extern const char *const ps_seg_ext[PS_SEG_FILES];   /* ".lex", ... */
extern const char *const ps_seg_magic[PS_SEG_FILES];

#define PS_MF_NO_STEM 1u
#define PS_MF_NO_ENGLISH_STOP 2u
#define PS_MF_NO_PATENT_STOP 4u
#define PS_MF_KEEP_ACCENTS 8u
#define PS_MF_NO_CJK_BIGRAMS 16u
#define PS_MF_STORE_DESCRIPTION 256u

/* The lexicon order: bytes (memcmp), a prefix before its extensions. */
static inline int ps_term_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c)
        return c;
    return alen < blen ? -1 : alen > blen;
}

#endif
