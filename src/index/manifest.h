/* The MANIFEST: which segments are live, and the settings every reader and
 * writer of the index must share. Written atomically (ps_atomic). */
#ifndef PS_INDEX_MANIFEST_H
#define PS_INDEX_MANIFEST_H

#include <stdint.h>

#include "index/segment_format.h"
#include "sketch/minhash.h"
#include "patsift/index.h"

typedef struct ps_manifest_seg {
    char name[64];
    uint32_t n_docs;
    uint64_t checksum[PS_SEG_FILES];
    uint32_t n_deleted;
    char del_name[80];       /* "" when no document is deleted */
    uint64_t del_checksum;
} ps_manifest_seg;

typedef struct ps_manifest {
    uint64_t generation;
    uint32_t flags;
    uint32_t weight[PS_FIELD_COUNT];
    char language[64];
    ps_mh_params mh;
    uint32_t n_segs;
    ps_manifest_seg *segs;   /* malloc'ed */
} ps_manifest;

/* Reads dir/MANIFEST. PS_END when there is none (no index yet). */
ps_rc ps_manifest_read(const char *dir, ps_manifest *m, char *err, size_t errlen);
/* Replaces dir/MANIFEST atomically (temp, fsync, rename, fsync dir). */
ps_rc ps_manifest_write(const char *dir, const ps_manifest *m, char *err, size_t errlen);
void ps_manifest_free(ps_manifest *m);

/* Settings <-> flags. */
uint32_t ps_manifest_flags(const ps_analyzer_opts *ao, bool store_description);
void ps_manifest_analyzer(const ps_manifest *m, ps_analyzer_opts *ao);

#endif
