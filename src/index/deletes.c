/* Deletion files: write once, map to read. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "index/deletes.h"

ps_rc ps_deletes_write(const char *dir, const char *file, const uint8_t *bits, uint32_t n_docs,
                       uint32_t n_deleted, uint64_t *checksum, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *fp = fopen(path, "wb");
    if (!fp) {
        snprintf(err, errlen, "%s: cannot create: %s", path, strerror(errno));
        return PS_EIO;
    }
    ps_binwriter w;
    ps_rc rc = ps_binwriter_start(&w, fp, PS_MAGIC_DELETES);
    if (rc == PS_OK) {
        ps_bin_u32(&w, n_docs);
        ps_bin_u32(&w, n_deleted);
        ps_bin_write(&w, bits, (n_docs + 7) / 8);
        *checksum = ps_binwriter_checksum(&w);
        rc = ps_binwriter_finish(&w);
    }
    if (rc == PS_OK && (fflush(fp) != 0 || fsync(fileno(fp)) != 0))
        rc = PS_EIO;
    if (fclose(fp) != 0)
        rc = PS_EIO;
    if (rc != PS_OK) {
        snprintf(err, errlen, "%s: write failed", path);
        unlink(path);
    }
    return rc;
}

ps_rc ps_deletes_open(ps_binfile *f, const char *dir, const ps_manifest_seg *ms, const uint8_t **bits,
                      char *err, size_t errlen)
{
    *bits = NULL;
    memset(f, 0, sizeof *f);
    if (!ms->del_name[0])
        return PS_OK;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, ms->del_name);
    ps_rc rc = ps_binfile_open(f, path, PS_MAGIC_DELETES, true, err, errlen);
    if (rc != PS_OK)
        return rc;
    const char *why = NULL;
    if (ps_le64(f->base + f->size - PS_FOOTER_BYTES) != ms->del_checksum)
        why = "not the file the MANIFEST lists (checksum differs)";
    else if (f->payload_size != 8 + ((uint64_t)ms->n_docs + 7) / 8 || ps_le32(f->payload) != ms->n_docs ||
             ps_le32(f->payload + 4) != ms->n_deleted)
        why = "does not match its segment";
    else {
        uint32_t count = 0;
        for (uint32_t d = 0; d < ms->n_docs; d++)
            count += ps_bit_get(f->payload + 8, d);
        if (count != ms->n_deleted)
            why = "deleted count differs from the bitmap";
    }
    if (why) {
        snprintf(err, errlen, "%s: corrupt: %s", path, why);
        ps_binfile_close(f);
        return PS_ECORRUPT;
    }
    *bits = f->payload + 8;
    return PS_OK;
}
