/* Merging segments: a segment source over the live documents of several
 * open segments, doc ids renumbered in segment order, deleted documents
 * dropped. Streams one term at a time (k-way over the lexicons), so memory
 * is the document table plus the largest postings list. */
#ifndef PS_INDEX_SEG_MERGE_H
#define PS_INDEX_SEG_MERGE_H

#include "index/seg_source.h"
#include "index/segment.h"

typedef struct ps_seg_merger ps_seg_merger;

/* segs must stay open while the merger is used. */
ps_rc ps_seg_merger_create(const ps_segment *segs, uint32_t n, ps_seg_merger **out);
void ps_seg_merger_source(ps_seg_merger *m, ps_seg_source *src);
void ps_seg_merger_free(ps_seg_merger *m);

#endif
