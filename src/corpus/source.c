/* Byte sources: gzip-transparent files via zlib, and memory buffers. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "corpus/source.h"

enum { CHUNK = 256 * 1024 };

static void set_name(ps_source *s, const char *name)
{
    snprintf(s->name, sizeof s->name, "%s", name);
}

int ps_source_open_path(ps_source *s, const char *path)
{
    memset(s, 0, sizeof *s);
    set_name(s, path);
    int fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    s->gz = gzdopen(fd, "rb");
    s->chunk = malloc(CHUNK);
    if (!s->gz || !s->chunk) {
        if (s->gz)
            gzclose(s->gz);
        else
            close(fd);
        free(s->chunk);
        s->gz = NULL;
        s->chunk = NULL;
        errno = ENOMEM;
        return -1;
    }
    gzbuffer(s->gz, CHUNK);
    return 0;
}

void ps_source_open_mem(ps_source *s, const void *data, size_t len, const char *name)
{
    memset(s, 0, sizeof *s);
    set_name(s, name);
    s->mem = data;
    s->mem_len = len;
}

/* Refills the chunk; returns bytes available, 0 at end, -1 on error. */
static long refill(ps_source *s)
{
    if (s->chunk_pos < s->chunk_len)
        return (long)(s->chunk_len - s->chunk_pos);
    if (s->eof)
        return 0;
    int n = gzread(s->gz, s->chunk, CHUNK);
    if (n < 0) {
        int err;
        snprintf(s->errmsg, sizeof s->errmsg, "%s", gzerror(s->gz, &err));
        s->failed = true;
        return -1;
    }
    if (n == 0) {
        /* a truncated gzip stream shows as Z_BUF_ERROR here */
        int err;
        const char *msg = gzerror(s->gz, &err);
        if (err != Z_OK) {
            snprintf(s->errmsg, sizeof s->errmsg, "%s", msg);
            s->failed = true;
            return -1;
        }
        s->eof = true;
        return 0;
    }
    s->chunk_len = (size_t)n;
    s->chunk_pos = 0;
    return n;
}

/* A UTF-8 byte order mark at the very start is an encoding marker, not
 * text: no parser should see it (nor a second one that careless
 * concatenation of files left behind). */
static void skip_bom(const ps_source *s, const char **p, size_t *n)
{
    while (s->line_no == 1 && *n >= 3 && memcmp(*p, "\xEF\xBB\xBF", 3) == 0) {
        *p += 3;
        *n -= 3;
    }
}

int ps_source_getline(ps_source *s, const char **line, size_t *len)
{
    if (s->unget) {
        s->unget = false;
        s->line_no++;
        *line = s->last;
        *len = s->last_len;
        return 1;
    }
    ps_buf_reset(&s->line);
    if (s->mem) {
        if (s->mem_len == 0)
            return 0;
        const char *p = s->mem, *nl = memchr(p, '\n', s->mem_len);
        size_t n = nl ? (size_t)(nl - p) + 1 : s->mem_len;
        s->mem += n;
        s->mem_len -= n;
        s->bytes += n;
        s->line_no++;
        skip_bom(s, &p, &n);
        *line = s->last = p;
        *len = s->last_len = n;
        return 1;
    }
    for (;;) {
        long avail = refill(s);
        if (avail < 0)
            return -1;
        if (avail == 0)
            break;
        const char *p = s->chunk + s->chunk_pos;
        const char *nl = memchr(p, '\n', (size_t)avail);
        size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)avail;
        ps_buf_append(&s->line, p, n);
        s->chunk_pos += n;
        if (nl)
            break;
    }
    if (s->line.oom) {
        snprintf(s->errmsg, sizeof s->errmsg, "out of memory (line too long)");
        s->failed = true;
        errno = ENOMEM;
        return -1;
    }
    if (s->line.len == 0)
        return 0;
    s->bytes += s->line.len;
    s->line_no++;
    ps_buf_cstr(&s->line);
    const char *p = s->line.data;
    size_t n = s->line.len;
    skip_bom(s, &p, &n);
    *line = s->last = p;
    *len = s->last_len = n;
    return 1;
}

void ps_source_unget(ps_source *s)
{
    s->unget = true;
    s->line_no--;
}

uint64_t ps_source_raw_offset(const ps_source *s)
{
    if (!s->gz)
        return 0;
    z_off_t off = gzoffset(s->gz);
    return off < 0 ? 0 : (uint64_t)off;
}

void ps_source_close(ps_source *s)
{
    if (s->gz)
        gzclose(s->gz);
    free(s->chunk);
    ps_buf_free(&s->line);
    memset(s, 0, sizeof *s);
}
