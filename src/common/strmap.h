/* String -> counter hash map (open addressing, XXH3), keys copied into an
 * arena. Used for term statistics; one map per thread, merged at the end. */
#ifndef PS_COMMON_STRMAP_H
#define PS_COMMON_STRMAP_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

typedef struct ps_strmap_entry {
    const char *key;
    uint32_t len;
    uint64_t a, b;        /* two counters, e.g. term frequency and document frequency */
    uint64_t stamp;       /* caller's marker, e.g. the last document counted */
} ps_strmap_entry;

typedef struct ps_strmap {
    ps_strmap_entry *slot;
    size_t mask, n;
    ps_arena keys;
    int oom;
} ps_strmap;

/* Returns the entry for key (created zeroed if new), NULL on oom. The
 * pointer is valid until the next insertion. Amortised O(1). */
ps_strmap_entry *ps_strmap_get(ps_strmap *m, const char *key, size_t len);
void ps_strmap_free(ps_strmap *m);
/* Empties m but keeps its memory, for maps refilled many times (a
 * searcher's query terms): no allocation, and no page returned to the
 * system and faulted in again, per use. */
void ps_strmap_clear(ps_strmap *m);

#endif
