/* Binary index files: little-endian integers written explicitly, a header
 * and a checksummed footer around every file.
 *
 * Every index file is:
 *   magic       4 bytes, names the file kind ("PSLX", "PSPT", ...)
 *   version     u32, PS_FORMAT_VERSION
 *   payload     kind-specific (documented where the kind is written)
 *   checksum    u64, XXH64 (seed 0) of every byte before it
 *   end mark    4 bytes "PSND"
 * Writers stream the payload through a buffered checksumming writer (small
 * writes cost a memcpy, not an fwrite and a hash update); readers map the
 * whole file and check magic, version, size and (unless told to defer it)
 * the checksum before touching the payload. */
#ifndef PS_INDEX_BINFILE_H
#define PS_INDEX_BINFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <xxhash.h>

#include "patsift/errors.h"

/* 2: MinHash signatures (.mh) and their settings in the MANIFEST
 * 3: patched bit-packed runs; position counts in the postings blocks
 * 4: the block-packed lexicon (lexicon.h) */
#define PS_FORMAT_VERSION 4u
#define PS_HEADER_BYTES 8u
#define PS_FOOTER_BYTES 12u

/* --- writing --- */

typedef struct ps_binwriter {
    FILE *fp;
    XXH64_state_t *xxh;
    uint64_t written;       /* bytes so far, buffered ones included */
    uint8_t *buf;           /* PS_BINWRITER_BUF bytes not yet written out */
    size_t buffered;
    bool failed;
    int err;                /* errno of the first failed write: the writing thread's, for
                             * a caller on another thread */
} ps_binwriter;

#define PS_BINWRITER_BUF (64u << 10)

/* Starts a file of kind magic on fp (positioned at 0). */
ps_rc ps_binwriter_start(ps_binwriter *w, FILE *fp, const char magic[4]);
void ps_bin_write(ps_binwriter *w, const void *p, size_t n);
void ps_bin_u8(ps_binwriter *w, uint8_t v);
void ps_bin_u16(ps_binwriter *w, uint16_t v);
void ps_bin_u32(ps_binwriter *w, uint32_t v);
void ps_bin_u64(ps_binwriter *w, uint64_t v);
/* Writes zero bytes up to the next multiple of align (from file start). */
void ps_bin_align(ps_binwriter *w, unsigned align);
/* The checksum of the payload so far (what the footer will hold). */
uint64_t ps_binwriter_checksum(ps_binwriter *w);
/* Writes the footer; PS_EIO if any write failed. Frees the hash state and
 * the buffer. */
ps_rc ps_binwriter_finish(ps_binwriter *w);
void ps_binwriter_abort(ps_binwriter *w);

/* --- reading --- */

typedef struct ps_binfile {
    const uint8_t *base;   /* the whole mapped file */
    size_t size;
    const uint8_t *payload; /* base + PS_HEADER_BYTES */
    size_t payload_size;
} ps_binfile;

/* Maps path read-only and checks magic, version and size; with
 * verify_checksum also the checksum. On failure writes a message naming the
 * file into err and returns PS_EIO (cannot open) or PS_ECORRUPT. */
ps_rc ps_binfile_open(ps_binfile *f, const char *path, const char magic[4], bool verify_checksum,
                      char *err, size_t errlen);
/* Recomputes the checksum; PS_ECORRUPT if it differs. */
ps_rc ps_binfile_verify(const ps_binfile *f);
void ps_binfile_close(ps_binfile *f);

static inline uint16_t ps_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t ps_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t ps_le64(const uint8_t *p) { return ps_le32(p) | (uint64_t)ps_le32(p + 4) << 32; }

/* Bounds-checked reader over untrusted bytes: after the first read past
 * end, `bad` is set and every later read returns 0 / "" (check once). */
typedef struct ps_cursor {
    const uint8_t *p, *end;
    bool bad;
} ps_cursor;

static inline uint32_t ps_cur_u32(ps_cursor *c)
{
    if (c->bad || c->end - c->p < 4) {
        c->bad = true;
        return 0;
    }
    uint32_t v = ps_le32(c->p);
    c->p += 4;
    return v;
}

static inline uint64_t ps_cur_u64(ps_cursor *c)
{
    uint64_t lo = ps_cur_u32(c);
    return lo | (uint64_t)ps_cur_u32(c) << 32;
}

/* A u32 length and that many bytes; *n is set, the bytes are not copied. */
static inline const char *ps_cur_str(ps_cursor *c, size_t *n)
{
    *n = ps_cur_u32(c);
    if (c->bad || (size_t)(c->end - c->p) < *n) {
        c->bad = true;
        *n = 0;
        return "";
    }
    const char *s = (const char *)c->p;
    c->p += *n;
    return s;
}

#endif
