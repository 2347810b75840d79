/* LEB128 varints (7 bits a byte, high bit = more), for positions and
 * in-memory postings. */
#ifndef PS_COMMON_VARINT_H
#define PS_COMMON_VARINT_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

static inline void ps_varint_put(ps_buf *b, uint32_t v)
{
    /* written in place: the index build appends a few varints per token,
     * and a memcpy call per varint was 4% of it */
    if (b->oom || (b->len + 6 > b->cap && !ps_buf_reserve(b, 5)))
        return;
    uint8_t *p = (uint8_t *)b->data + b->len;
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    b->len = (size_t)(p - (uint8_t *)b->data);
}

/* Reads one varint from *p (not past end) into *v. Returns 0 on success,
 * -1 when truncated or longer than 5 bytes / 32 bits. */
static inline int ps_varint_get(const uint8_t **p, const uint8_t *end, uint32_t *v)
{
    uint32_t x = 0;
    for (int shift = 0; shift < 35; shift += 7) {
        if (*p >= end)
            return -1;
        uint8_t c = *(*p)++;
        if (shift == 28 && c > 0x0F)
            return -1;
        x |= (uint32_t)(c & 0x7F) << shift;
        if (!(c & 0x80)) {
            *v = x;
            return 0;
        }
    }
    return -1;
}

#endif
