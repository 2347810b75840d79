/* Deletion bitmaps: which documents of an immutable segment a newer record
 * with the same id has replaced. */
#ifndef PS_INDEX_DELETES_H
#define PS_INDEX_DELETES_H

#include <stdbool.h>
#include <stdint.h>

#include "index/binfile.h"
#include "index/manifest.h"

static inline bool ps_bit_get(const uint8_t *bits, uint32_t d) { return bits && (bits[d / 8] >> (d % 8)) & 1; }
static inline void ps_bit_set(uint8_t *bits, uint32_t d) { bits[d / 8] |= (uint8_t)(1u << (d % 8)); }

/* Writes dir/file (fsynced) for a segment of n_docs documents; sets
 * *checksum to its footer checksum. */
ps_rc ps_deletes_write(const char *dir, const char *file, const uint8_t *bits, uint32_t n_docs,
                       uint32_t n_deleted, uint64_t *checksum, char *err, size_t errlen);

/* Maps the deletion file ms lists (none: *bits = NULL), checking it belongs
 * to the segment (checksum, document count, bit count). */
ps_rc ps_deletes_open(ps_binfile *f, const char *dir, const ps_manifest_seg *ms, const uint8_t **bits,
                      char *err, size_t errlen);

#endif
