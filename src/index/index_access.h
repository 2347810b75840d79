/* The segments behind an open index, for the layers above (search) that
 * walk postings and columns directly. Read-only; shared by threads. */
#ifndef PS_INDEX_INDEX_ACCESS_H
#define PS_INDEX_INDEX_ACCESS_H

#include "index/manifest.h"
#include "index/segment.h"
#include "patsift/index.h"

uint32_t ps_index_segment_count(const ps_index *ix);
const ps_segment *ps_index_segment(const ps_index *ix, uint32_t i);
const ps_manifest *ps_index_manifest(const ps_index *ix);

#endif
