/* What a segment writer consumes: terms in lexicon order, each with its
 * postings already in their in-memory form, and the documents' columns.
 * The builder (fresh documents) and the merger (existing segments) both
 * produce one. */
#ifndef PS_INDEX_SEG_SOURCE_H
#define PS_INDEX_SEG_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "index/segment_format.h"
#include "patsift/analyze.h"
#include "sketch/minhash.h"

typedef struct ps_term_entry {
    const char *term;
    uint32_t len;
    uint32_t df;
    uint32_t last_doc;
    uint64_t hash;
    ps_buf post;    /* varint (doc delta, wtf) pairs; the first delta is from 0 */
    ps_buf pos;     /* varint count, deltas: the .pos format already */
} ps_term_entry;

typedef struct ps_seg_doc {
    const char *id;
    int32_t pub, filing, priority;  /* day numbers or PS_DATE_UNKNOWN */
    uint32_t len[PS_FIELD_COUNT];
    uint32_t wlen;
    uint16_t n_claims, n_indep;
    uint8_t entity;
    int8_t fast_track;
    char kind[4];
    const char *cpc;        /* codes, each followed by NUL */
    size_t cpc_len;
    const void *stored;     /* zstd frame */
    size_t stored_len;
    const uint8_t *sig;     /* MinHash signature: k uint32, little-endian */
    uint32_t n_shingles;
} ps_seg_doc;

typedef struct ps_seg_source {
    /* The next term in lexicon order: 1 with *e set (valid until the next
     * call), 0 at the end, -1 on failure (out of memory, corrupt input). */
    int (*next_term)(void *ctx, const ps_term_entry **e);
    void *ctx;
    const ps_seg_doc *docs;
    uint32_t n_docs;
    /* zstd dictionaries the stored frames refer to (by the dictionary ID in
     * each frame's header) */
    const void *const *dicts;
    const size_t *dict_len;
    uint32_t n_dicts;
    /* entries stay valid until the writer is done (not just until the next
     * call), so the writer may encode many terms at once on threads */
    bool stable_terms;
    int threads;
    ps_mh_params mh;        /* the signatures' settings */
} ps_seg_source;

#endif
