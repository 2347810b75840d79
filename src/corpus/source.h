/* Line-oriented byte source over a file (plain or gzip, detected by zlib),
 * standard input, or a memory buffer. Lines may hold any bytes, NUL
 * included; a line's length is what counts. */
#ifndef PS_CORPUS_SOURCE_H
#define PS_CORPUS_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zlib.h>

#include "common/buf.h"

typedef struct ps_source {
    gzFile gz;               /* NULL for memory sources */
    const char *mem;
    size_t mem_len;
    char *chunk;             /* read buffer for gz sources */
    size_t chunk_len, chunk_pos;
    ps_buf line;
    const char *last;        /* the line last returned, for unget */
    size_t last_len;
    uint64_t line_no;        /* 1-based number of the line last returned */
    uint64_t bytes;          /* uncompressed bytes delivered */
    bool eof, failed, unget;
    char name[1024];
    char errmsg[128];        /* why the last read failed */
} ps_source;

/* Opens path ("-" = stdin). Returns 0, or -1 with errno set. */
int ps_source_open_path(ps_source *s, const char *path);
void ps_source_open_mem(ps_source *s, const void *data, size_t len, const char *name);

/* Sets *line and *len to the next line including its '\n' (if any). Returns 1,
 * 0 at the end, -1 on a read error (then s->failed). The line stays valid
 * until the next call. */
int ps_source_getline(ps_source *s, const char **line, size_t *len);

/* Makes the next getline return the same line again (one level). */
void ps_source_unget(ps_source *s);

/* Compressed bytes consumed so far (for progress); 0 for memory sources. */
uint64_t ps_source_raw_offset(const ps_source *s);

void ps_source_close(ps_source *s);

#endif
