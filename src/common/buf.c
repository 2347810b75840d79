/* Growable buffer, block arena, whitespace squeezing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"

char *ps_buf_reserve(ps_buf *b, size_t n)
{
    if (b->oom)
        return NULL;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) {
            if (cap > SIZE_MAX / 2) {
                b->oom = true;
                return NULL;
            }
            cap *= 2;
        }
        char *p = realloc(b->data, cap);
        if (!p) {
            b->oom = true;
            return NULL;
        }
        b->data = p;
        b->cap = cap;
    }
    return b->data + b->len;
}

void ps_buf_append(ps_buf *b, const char *s, size_t n)
{
    char *p = ps_buf_reserve(b, n);
    if (!p)
        return;
    if (n)
        memcpy(p, s, n);
    b->len += n;
}

void ps_buf_putc(ps_buf *b, char c)
{
    ps_buf_append(b, &c, 1);
}

void ps_buf_put_le(ps_buf *b, uint64_t v, unsigned bytes)
{
    char le[8];
    for (unsigned k = 0; k < bytes; k++)
        le[k] = (char)(v >> (8 * k));
    ps_buf_append(b, le, bytes);
}

const char *ps_buf_cstr(ps_buf *b)
{
    if (!ps_buf_reserve(b, 0))
        return "";
    b->data[b->len] = '\0';
    return b->data;
}

bool ps_grow(void **items, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t c = *cap ? *cap : 16;
    while (c < need) {
        if (c > SIZE_MAX / 2 / elem)
            return false;
        c *= 2;
    }
    void *p = realloc(*items, c * elem);
    if (!p)
        return false;
    *items = p;
    *cap = c;
    return true;
}

void ps_buf_free(ps_buf *b)
{
    free(b->data);
    *b = (ps_buf){ 0 };
}

struct ps_arena_block {
    ps_arena_block *next;
    size_t used, size;
    _Alignas(max_align_t) unsigned char mem[];
};

enum { ARENA_MIN_BLOCK = 64 * 1024 };

void *ps_arena_alloc(ps_arena *a, size_t n)
{
    if (a->oom)
        return NULL;
    n = (n + 15) & ~(size_t)15;
    ps_arena_block *b = a->head;
    if (!b || b->size - b->used < n) {
        size_t size = n > ARENA_MIN_BLOCK ? n : ARENA_MIN_BLOCK;
        ps_arena_block *nb = malloc(sizeof *nb + size);
        if (!nb) {
            a->oom = true;
            return NULL;
        }
        nb->size = size;
        nb->used = 0;
        nb->next = b;
        a->head = b = nb;
    }
    void *p = b->mem + b->used;
    b->used += n;
    return p;
}

char *ps_arena_strndup(ps_arena *a, const char *s, size_t n)
{
    char *p = ps_arena_alloc(a, n + 1);
    if (!p)
        return NULL;
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void ps_arena_reset(ps_arena *a)
{
    /* keep the largest block, free the rest */
    ps_arena_block *keep = NULL;
    for (ps_arena_block *b = a->head, *next; b; b = next) {
        next = b->next;
        if (!keep || b->size > keep->size) {
            free(keep);
            keep = b;
        } else {
            free(b);
        }
    }
    if (keep) {
        keep->used = 0;
        keep->next = NULL;
    }
    a->head = keep;
    a->oom = false;
}

void ps_arena_free(ps_arena *a)
{
    for (ps_arena_block *b = a->head, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    *a = (ps_arena){ 0 };
}

/* NUL counts as space: record strings are C strings */
static const bool is_space[256] = { [' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1, ['\f'] = 1, ['\v'] = 1, [0] = 1 };

/* Per byte of x, 0x80 where the byte is below limit (limit <= 0x80), else
 * 0: exact, no carry crosses a byte. */
static inline uint64_t bytes_below(uint64_t x, unsigned limit)
{
    const uint64_t low7 = 0x7f7f7f7f7f7f7f7full;
    return ~(((x & low7) + (0x80 - limit) * 0x0101010101010101ull) | x) & ~low7;
}

size_t ps_squeeze_space(const char *s, size_t n, char *out)
{
    /* branch-free: every record string goes through here, and on real text
     * a loop per word mispredicted at every word end (2.4 ns a byte, 5% of
     * an index build, where this takes under 1). A space run writes ' '
     * into one slot; the start counts as after a space, so leading spaces
     * vanish, and a trailing one is dropped at the end. */
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0, i = 0;
    bool prev = true;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* Eight bytes at a time where they need no change: single ' ' between
     * words and no other space or control byte (most of a text). */
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, u + i, 8);
        uint64_t space = bytes_below(x ^ 0x2020202020202020ull, 1); /* == ' ' */
        uint64_t run = space & ((space << 8) | (uint64_t)prev << 7);
        if ((bytes_below(x, 0x21) & ~space) | run) {
            for (size_t k = i; k < i + 8; k++) {
                bool sp = is_space[u[k]];
                out[o] = sp ? ' ' : (char)u[k];
                o += !(sp & prev);
                prev = sp;
            }
            continue;
        }
        memcpy(out + o, &x, 8);
        o += 8;
        prev = space >> 63;
    }
#endif
    for (; i < n; i++) {
        bool sp = is_space[u[i]];
        out[o] = sp ? ' ' : (char)u[i];
        o += !(sp & prev);
        prev = sp;
    }
    if (prev && o > 0)
        o--;
    out[o] = '\0';
    return o;
}
