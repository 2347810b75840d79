/* The in-memory segment: records go in by batches, are analysed in
 * parallel, inverted in parallel (each thread owns the terms whose hash
 * falls in its partition, so no locks), and are written out as one
 * immutable segment by ps_seg_write (seg_writer.c). */
#ifndef PS_INDEX_SEG_BUILDER_H
#define PS_INDEX_SEG_BUILDER_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "index/seg_source.h"
#include "patsift/index.h"

typedef struct ps_partition {
    /* a cache line of its own: two threads fill neighbouring partitions */
    _Alignas(64) ps_term_entry **slot;
    size_t mask, n;
    ps_arena arena;  /* entries and term bytes */
    size_t bytes;    /* postings + positions buffer capacity, for the budget */
    int oom;
} ps_partition;

typedef struct ps_seg_builder ps_seg_builder;

/* threads >= 1; weights per field; the analyzer options are copied. */
ps_seg_builder *ps_seg_builder_create(int threads, const uint32_t weight[PS_FIELD_COUNT],
                                      const ps_analyzer_opts *ao, bool store_description, const ps_mh_params *mh);
void ps_seg_builder_free(ps_seg_builder *b);

/* Analyses and inverts recs[0..n) as the next documents. side, if not
 * NULL, is the caller's own work on the batch: it runs on one of the
 * building threads while the others start analysing (it must not touch
 * the builder; recs are shared read-only). PS_ENOMEM, or PS_EUNSUPPORTED
 * for an unknown stemmer language. */
ps_rc ps_seg_builder_add(ps_seg_builder *b, ps_record *const *recs, size_t n, void (*side)(void *),
                         void *side_ctx);

/* Documents held, and the memory they take (estimate, bytes). */
uint32_t ps_seg_builder_docs(const ps_seg_builder *b);
size_t ps_seg_builder_memory(const ps_seg_builder *b);
uint64_t ps_seg_builder_tokens(const ps_seg_builder *b);

/* For the writer: the terms in lexicon order and the documents, valid
 * until reset. */
ps_rc ps_seg_builder_source(ps_seg_builder *b, ps_seg_source *out);

/* Drops everything, ready for the next segment. */
void ps_seg_builder_reset(ps_seg_builder *b);

#endif
