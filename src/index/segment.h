/* A segment opened for reading: its five files mapped, headers checked,
 * the document columns located. Read-only after open, so threads share it. */
#ifndef PS_INDEX_SEGMENT_H
#define PS_INDEX_SEGMENT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "index/binfile.h"
#include "index/lexicon.h"
#include "index/manifest.h"
#include "index/segment_format.h"
#include "patsift/record.h"

typedef struct ps_segment {
    char name[64];
    ps_binfile f[PS_SEG_FILES];
    uint32_t n_docs;
    uint64_t n_terms;
    ps_lexicon lexicon;
    uint64_t total_len;
    /* .doc columns */
    const uint8_t *id_off, *pub, *filing, *priority, *len, *wlen, *n_claims, *n_indep, *entity,
        *fast_track, *kind, *cpc_off, *store_off, *id_pool, *cpc_pool;
    uint64_t id_pool_size, cpc_pool_size;
    const uint8_t *frames;       /* stored-text frames (store_off is relative to this) */
    uint64_t frames_size;
    uint32_t n_dicts;            /* zstd dictionaries in .sto */
    const uint8_t **dict;
    size_t *dict_len;
    struct ZSTD_DDict_s **ddict;
    uint32_t *dict_id;
    /* .mh */
    ps_mh_params mh;
    const uint8_t *mh_shingles, *mh_sig, *mh_bands;
    uint32_t mh_band_docs;       /* entries per band table */
    /* id -> doc, built on the first lookup; threads share the segment */
    pthread_mutex_t id_mu;
    bool id_mu_ready;
    _Atomic(uint32_t *) id_tab;  /* slot -> doc + 1, 0 empty; open addressing */
    uint32_t id_mask;
    ps_binfile del;              /* deletion file, if any */
    const uint8_t *del_bits;     /* NULL: nothing deleted */
    uint32_t n_deleted;
} ps_segment;

/* Opens dir/ms->name.*: checks headers, that each file's checksum footer is
 * the one the manifest recorded, the .lex and .doc checksums and layout. */
ps_rc ps_segment_open(ps_segment *s, const char *dir, const ps_manifest_seg *ms, char *err, size_t errlen);
void ps_segment_close(ps_segment *s);

/* False when document i was replaced by a newer record with its id. */
static inline bool ps_segment_live(const ps_segment *s, uint32_t i)
{
    return !s->del_bits || !((s->del_bits[i / 8] >> (i % 8)) & 1);
}

/* Lexicon entry i: term bytes and df. */
void ps_segment_term(const ps_segment *s, uint64_t i, const char **term, uint32_t *len, uint32_t *df);
/* Index of term in the lexicon, or -1. O(log n_terms). */
int64_t ps_segment_find_term(const ps_segment *s, const char *term, size_t len);

/* A term's postings, block by block. */
typedef struct ps_seg_postings {
    const struct ps_segment *seg;
    uint32_t df, n_blocks, block, prev;
    const uint8_t *skip, *data, *end;
    const uint8_t *pos, *pos_end;  /* the term's positions */
} ps_seg_postings;

/* PS_ECORRUPT when the term's offsets point outside the files. */
ps_rc ps_seg_postings_init(const ps_segment *s, uint64_t term, ps_seg_postings *it);
/* Decodes the next block into docs/tfs/counts (weighted tfs and position
 * counts; room for PS_BLOCK_SIZE each): returns the number of postings, 0
 * at the end, -1 for corrupt data. *skip_max_wtf / *skip_min_len /
 * *pos_off receive the block's skip entry (for a term of one block, which
 * has none, the same figures computed from the block). */
int ps_seg_postings_next(ps_seg_postings *it, uint32_t *docs, uint32_t *tfs, uint32_t *counts,
                         uint32_t *skip_max_wtf,
                         uint32_t *skip_min_len, uint32_t *pos_off);

/* Random access to the blocks of a term with more than one block (which
 * has a skip table), for searches that skip: block k's last doc id, its
 * skip figures, and its decoding (count, or -1 for corrupt data). */
static inline uint32_t ps_seg_postings_block_last(const ps_seg_postings *it, uint32_t k)
{
    return ps_le32(it->skip + (size_t)k * PS_SKIP_BYTES);
}
static inline void ps_seg_postings_block_figures(const ps_seg_postings *it, uint32_t k, uint32_t *max_wtf,
                                                 uint32_t *min_len)
{
    *max_wtf = ps_le32(it->skip + (size_t)k * PS_SKIP_BYTES + 4);
    *min_len = ps_le32(it->skip + (size_t)k * PS_SKIP_BYTES + 8);
}
int ps_seg_postings_decode(const ps_seg_postings *it, uint32_t k, uint32_t *docs, uint32_t *tfs,
                           uint32_t *counts);

/* Document columns (i < n_docs). */
const char *ps_segment_doc_id(const ps_segment *s, uint32_t i);
int32_t ps_segment_doc_pub(const ps_segment *s, uint32_t i);  /* YYYYMMDD or 0 */
uint32_t ps_segment_doc_wlen(const ps_segment *s, uint32_t i);
uint32_t ps_segment_doc_len(const ps_segment *s, uint32_t i, int field);
uint8_t ps_segment_doc_entity(const ps_segment *s, uint32_t i);
/* First CPC code or "" (NUL-terminated within the pool). */
const char *ps_segment_doc_cpc(const ps_segment *s, uint32_t i);
/* Index of the live document with this id, or -1. The first call builds a
 * hash table of the ids (O(n_docs)); later ones take O(1). -2 when that
 * table cannot be allocated. */
int64_t ps_segment_find_id(const ps_segment *s, const char *id);

/* Document i's MinHash signature (mh.k uint32, little-endian) and its
 * shingle count (0: no text). */
static inline const uint8_t *ps_segment_sig(const ps_segment *s, uint32_t i)
{
    return s->mh_sig + (size_t)i * s->mh.k * 4;
}
static inline uint32_t ps_segment_shingles(const ps_segment *s, uint32_t i)
{
    return ps_le32(s->mh_shingles + 4 * (size_t)i);
}
/* Band b's table: mh_band_docs entries of (u32 key, u32 doc), sorted. */
static inline const uint8_t *ps_segment_band(const ps_segment *s, uint32_t b)
{
    return s->mh_bands + (size_t)b * s->mh_band_docs * 8;
}

/* Rebuilds document i as a record in one malloc'ed block. */
ps_rc ps_segment_record(const ps_segment *s, uint32_t i, ps_record **out);

#endif
