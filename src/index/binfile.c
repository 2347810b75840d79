/* Checksummed binary files: streaming writer and mmap reader. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "index/binfile.h"

static const char end_mark[4] = { 'P', 'S', 'N', 'D' };

ps_rc ps_binwriter_start(ps_binwriter *w, FILE *fp, const char magic[4])
{
    memset(w, 0, sizeof *w);
    w->fp = fp;
    w->xxh = XXH64_createState();
    w->buf = malloc(PS_BINWRITER_BUF);
    if (!w->xxh || !w->buf) {
        ps_binwriter_abort(w);
        return PS_ENOMEM;
    }
    XXH64_reset(w->xxh, 0);
    ps_bin_write(w, magic, 4);
    ps_bin_u32(w, PS_FORMAT_VERSION);
    return PS_OK;
}

static void fail(ps_binwriter *w)
{
    if (!w->failed)
        w->err = errno;
    w->failed = true;
}

/* Writes out and hashes n bytes at p. */
static void put(ps_binwriter *w, const void *p, size_t n)
{
    if (fwrite(p, 1, n, w->fp) != n)
        fail(w);
    else
        XXH64_update(w->xxh, p, n);
}

static void flush(ps_binwriter *w)
{
    if (w->buffered && !w->failed)
        put(w, w->buf, w->buffered);
    w->buffered = 0;
}

void ps_bin_write(ps_binwriter *w, const void *p, size_t n)
{
    if (w->failed || n == 0)
        return;
    w->written += n;
    if (n <= PS_BINWRITER_BUF - w->buffered) {
        memcpy(w->buf + w->buffered, p, n);
        w->buffered += n;
        return;
    }
    flush(w);
    if (n < PS_BINWRITER_BUF) {
        memcpy(w->buf, p, n);
        w->buffered = n;
    } else if (!w->failed) {
        put(w, p, n);
    }
}

uint64_t ps_binwriter_checksum(ps_binwriter *w)
{
    flush(w);
    return XXH64_digest(w->xxh);
}

void ps_bin_u8(ps_binwriter *w, uint8_t v) { ps_bin_write(w, &v, 1); }

void ps_bin_u16(ps_binwriter *w, uint16_t v)
{
    uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
    ps_bin_write(w, b, 2);
}

void ps_bin_u32(ps_binwriter *w, uint32_t v)
{
    uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
    ps_bin_write(w, b, 4);
}

void ps_bin_u64(ps_binwriter *w, uint64_t v)
{
    ps_bin_u32(w, (uint32_t)v);
    ps_bin_u32(w, (uint32_t)(v >> 32));
}

void ps_bin_align(ps_binwriter *w, unsigned align)
{
    static const uint8_t zero[64];
    while (!w->failed && w->written % align)
        ps_bin_write(w, zero, align - w->written % align < sizeof zero ? align - w->written % align : sizeof zero);
}

ps_rc ps_binwriter_finish(ps_binwriter *w)
{
    uint64_t sum = ps_binwriter_checksum(w);
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(sum >> (8 * i));
    if (!w->failed && (fwrite(b, 1, 8, w->fp) != 8 || fwrite(end_mark, 1, 4, w->fp) != 4))
        fail(w);
    ps_binwriter_abort(w);
    return w->failed ? PS_EIO : PS_OK;
}

void ps_binwriter_abort(ps_binwriter *w)
{
    if (w->xxh)
        XXH64_freeState(w->xxh);
    w->xxh = NULL;
    free(w->buf);
    w->buf = NULL;
    w->buffered = 0;
}

ps_rc ps_binfile_open(ps_binfile *f, const char *path, const char magic[4], bool verify_checksum,
                      char *err, size_t errlen)
{
    memset(f, 0, sizeof *f);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return PS_EIO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "%s: cannot stat: %s", path, strerror(errno));
        close(fd);
        return PS_EIO;
    }
    if ((uint64_t)st.st_size < PS_HEADER_BYTES + PS_FOOTER_BYTES) {
        snprintf(err, errlen, "%s: corrupt: file too short (%lld bytes)", path, (long long)st.st_size);
        close(fd);
        return PS_ECORRUPT;
    }
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
        snprintf(err, errlen, "%s: cannot map: %s", path, strerror(errno));
        return PS_EIO;
    }
    f->base = p;
    f->size = (size_t)st.st_size;
    f->payload = f->base + PS_HEADER_BYTES;
    f->payload_size = f->size - PS_HEADER_BYTES - PS_FOOTER_BYTES;
    const char *why = NULL;
    if (memcmp(f->base, magic, 4) != 0)
        why = "wrong magic number (not this kind of index file)";
    else if (ps_le32(f->base + 4) != PS_FORMAT_VERSION)
        why = "written in another format version (rebuild the index with this patsift)";
    else if (memcmp(f->base + f->size - 4, end_mark, 4) != 0)
        why = "truncated (no end mark)";
    else if (verify_checksum && ps_binfile_verify(f) != PS_OK)
        why = "checksum mismatch";
    if (why) {
        snprintf(err, errlen, "%s: corrupt: %s", path, why);
        ps_binfile_close(f);
        return PS_ECORRUPT;
    }
    return PS_OK;
}

ps_rc ps_binfile_verify(const ps_binfile *f)
{
    size_t body = f->size - PS_FOOTER_BYTES;
    return XXH64(f->base, body, 0) == ps_le64(f->base + body) ? PS_OK : PS_ECORRUPT;
}

void ps_binfile_close(ps_binfile *f)
{
    if (f->base)
        munmap((void *)(uintptr_t)f->base, f->size);
    memset(f, 0, sizeof *f);
}
