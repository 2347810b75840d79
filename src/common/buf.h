/* Growable byte buffer and a block arena: the two allocation helpers every
 * layer uses. Both have a sticky out-of-memory flag: after the first failed
 * allocation every later call is a no-op, so callers check once at the end. */
#ifndef PS_COMMON_BUF_H
#define PS_COMMON_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ps_buf {
    char *data;   /* NUL-terminated after ps_buf_cstr(); owned */
    size_t len;
    size_t cap;
    bool oom;
} ps_buf;

void ps_buf_append(ps_buf *b, const char *s, size_t n);
void ps_buf_putc(ps_buf *b, char c);
/* Appends the low `bytes` bytes of v (1..8), little-endian. */
void ps_buf_put_le(ps_buf *b, uint64_t v, unsigned bytes);
/* Makes room for n more bytes; returns a pointer to them or NULL (oom). */
char *ps_buf_reserve(ps_buf *b, size_t n);
/* Returns the content as a C string (valid until the next change). */
const char *ps_buf_cstr(ps_buf *b);
static inline void ps_buf_reset(ps_buf *b) { b->len = 0; }
void ps_buf_free(ps_buf *b);

/* Grows the array *items (of *cap elements of elem bytes) to hold need,
 * doubling from 16; false (array untouched) on allocation failure. */
bool ps_grow(void **items, size_t *cap, size_t need, size_t elem);

/* Arena: allocations stay valid until ps_arena_reset/free. Resetting keeps
 * the largest block, so a reused arena stops calling malloc. */
typedef struct ps_arena_block ps_arena_block;
typedef struct ps_arena {
    ps_arena_block *head;
    bool oom;
} ps_arena;

void *ps_arena_alloc(ps_arena *a, size_t n);
/* Copies s[0..n) and a NUL. Returns NULL only on oom. */
char *ps_arena_strndup(ps_arena *a, const char *s, size_t n);
void ps_arena_reset(ps_arena *a);
void ps_arena_free(ps_arena *a);

/* Copies s[0..n) into out (room for n+1 bytes) with every run of ASCII
 * whitespace (and NUL bytes) turned into one space and no space at either end. Returns the
 * new length. */
size_t ps_squeeze_space(const char *s, size_t n, char *out);

#endif
