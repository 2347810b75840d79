/* Linear-probing hash map, grown at 50% load. */
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "common/strmap.h"

static int grow(ps_strmap *m)
{
    size_t cap = m->slot ? (m->mask + 1) * 2 : 1024;
    ps_strmap_entry *slot = calloc(cap, sizeof *slot);
    if (!slot)
        return -1;
    for (size_t i = 0; m->slot && i <= m->mask; i++) {
        ps_strmap_entry *e = &m->slot[i];
        if (!e->key)
            continue;
        size_t j = XXH3_64bits(e->key, e->len) & (cap - 1);
        while (slot[j].key)
            j = (j + 1) & (cap - 1);
        slot[j] = *e;
    }
    free(m->slot);
    m->slot = slot;
    m->mask = cap - 1;
    return 0;
}

ps_strmap_entry *ps_strmap_get(ps_strmap *m, const char *key, size_t len)
{
    if ((!m->slot || m->n * 2 >= m->mask + 1) && grow(m) != 0) {
        m->oom = 1;
        return NULL;
    }
    size_t i = XXH3_64bits(key, len) & m->mask;
    for (;; i = (i + 1) & m->mask) {
        ps_strmap_entry *e = &m->slot[i];
        if (!e->key) {
            char *k = ps_arena_strndup(&m->keys, key, len);
            if (!k) {
                m->oom = 1;
                return NULL;
            }
            *e = (ps_strmap_entry){ .key = k, .len = (uint32_t)len };
            m->n++;
            return e;
        }
        if (e->len == len && memcmp(e->key, key, len) == 0)
            return e;
    }
}

void ps_strmap_free(ps_strmap *m)
{
    free(m->slot);
    ps_arena_free(&m->keys);
    memset(m, 0, sizeof *m);
}

void ps_strmap_clear(ps_strmap *m)
{
    if (m->n && m->slot)
        memset(m->slot, 0, (m->mask + 1) * sizeof *m->slot);
    m->n = 0;
    m->oom = 0;
    ps_arena_reset(&m->keys);
}
