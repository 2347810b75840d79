/* MANIFEST reading and atomic writing. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "index/binfile.h"
#include "index/manifest.h"
#include "patsift/atomic.h"

uint32_t ps_manifest_flags(const ps_analyzer_opts *ao, bool store_description)
{
    return (ao->no_stem ? PS_MF_NO_STEM : 0) | (ao->no_english_stop ? PS_MF_NO_ENGLISH_STOP : 0) |
           (ao->no_patent_stop ? PS_MF_NO_PATENT_STOP : 0) | (ao->keep_accents ? PS_MF_KEEP_ACCENTS : 0) |
           (ao->no_cjk_bigrams ? PS_MF_NO_CJK_BIGRAMS : 0) | (store_description ? PS_MF_STORE_DESCRIPTION : 0);
}

void ps_manifest_analyzer(const ps_manifest *m, ps_analyzer_opts *ao)
{
    *ao = (ps_analyzer_opts){
        .language = m->language,
        .no_stem = m->flags & PS_MF_NO_STEM,
        .no_english_stop = m->flags & PS_MF_NO_ENGLISH_STOP,
        .no_patent_stop = m->flags & PS_MF_NO_PATENT_STOP,
        .keep_accents = m->flags & PS_MF_KEEP_ACCENTS,
        .no_cjk_bigrams = m->flags & PS_MF_NO_CJK_BIGRAMS,
    };
}

void ps_manifest_free(ps_manifest *m)
{
    free(m->segs);
    m->segs = NULL;
}

/* A string into dst (NUL-terminated); a segment name is one plain file
 * name, so NUL and '/' inside make the manifest bad. */
static void get_str(ps_cursor *c, char *dst, size_t cap)
{
    size_t n;
    const char *s = ps_cur_str(c, &n);
    if (c->bad || n >= cap) {
        c->bad = true;
        dst[0] = '\0';
        return;
    }
    memcpy(dst, s, n);
    dst[n] = '\0';
    if (memchr(dst, '\0', n) || memchr(dst, '/', n))
        c->bad = true;
}

ps_rc ps_manifest_read(const char *dir, ps_manifest *m, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    char path[4096];
    snprintf(path, sizeof path, "%s/MANIFEST", dir);
    struct stat st;
    if (stat(path, &st) != 0 && errno == ENOENT)
        return PS_END;
    ps_binfile f;
    ps_rc rc = ps_binfile_open(&f, path, PS_MAGIC_MANIFEST, true, err, errlen);
    if (rc != PS_OK)
        return rc;
    ps_cursor c = { f.payload, f.payload + f.payload_size, false };
    m->generation = ps_cur_u64(&c);
    m->flags = ps_cur_u32(&c);
    for (int i = 0; i < PS_FIELD_COUNT; i++)
        m->weight[i] = ps_cur_u32(&c);
    get_str(&c, m->language, sizeof m->language);
    m->mh.k = ps_cur_u32(&c);
    m->mh.shingle = ps_cur_u32(&c);
    m->mh.fields = ps_cur_u32(&c);
    m->mh.bands = ps_cur_u32(&c);
    m->mh.rows = ps_cur_u32(&c);
    if (!ps_mh_params_valid(&m->mh))
        c.bad = true;
    m->n_segs = ps_cur_u32(&c);
    if (!c.bad && m->n_segs > (size_t)(c.end - c.p) / 64)
        c.bad = true;
    if (!c.bad && m->n_segs) {
        m->segs = calloc(m->n_segs, sizeof *m->segs);
        if (!m->segs) {
            ps_binfile_close(&f);
            snprintf(err, errlen, "%s: out of memory", path);
            return PS_ENOMEM;
        }
    }
    for (uint32_t i = 0; i < m->n_segs && !c.bad; i++) {
        get_str(&c, m->segs[i].name, sizeof m->segs[i].name);
        m->segs[i].n_docs = ps_cur_u32(&c);
        for (int k = 0; k < PS_SEG_FILES; k++)
            m->segs[i].checksum[k] = ps_cur_u64(&c);
        m->segs[i].n_deleted = ps_cur_u32(&c);
        get_str(&c, m->segs[i].del_name, sizeof m->segs[i].del_name);
        m->segs[i].del_checksum = ps_cur_u64(&c);
        if (m->segs[i].n_deleted > m->segs[i].n_docs || (m->segs[i].n_deleted && !m->segs[i].del_name[0]))
            c.bad = true;
    }
    if (!c.bad && c.p != c.end)
        c.bad = true;
    ps_binfile_close(&f);
    if (c.bad) {
        ps_manifest_free(m);
        snprintf(err, errlen, "%s: corrupt: malformed manifest", path);
        return PS_ECORRUPT;
    }
    return PS_OK;
}

static void put_str(ps_binwriter *w, const char *s)
{
    ps_bin_u32(w, (uint32_t)strlen(s));
    ps_bin_write(w, s, strlen(s));
}

ps_rc ps_manifest_write(const char *dir, const ps_manifest *m, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/MANIFEST", dir);
    ps_atomic_file *af;
    if (ps_atomic_open(path, &af) != PS_OK) {
        snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
        return PS_EIO;
    }
    ps_binwriter w;
    ps_rc rc = ps_binwriter_start(&w, ps_atomic_stream(af), PS_MAGIC_MANIFEST);
    if (rc == PS_OK) {
        ps_bin_u64(&w, m->generation);
        ps_bin_u32(&w, m->flags);
        for (int i = 0; i < PS_FIELD_COUNT; i++)
            ps_bin_u32(&w, m->weight[i]);
        put_str(&w, m->language);
        ps_bin_u32(&w, m->mh.k);
        ps_bin_u32(&w, m->mh.shingle);
        ps_bin_u32(&w, m->mh.fields);
        ps_bin_u32(&w, m->mh.bands);
        ps_bin_u32(&w, m->mh.rows);
        ps_bin_u32(&w, m->n_segs);
        for (uint32_t i = 0; i < m->n_segs; i++) {
            put_str(&w, m->segs[i].name);
            ps_bin_u32(&w, m->segs[i].n_docs);
            for (int k = 0; k < PS_SEG_FILES; k++)
                ps_bin_u64(&w, m->segs[i].checksum[k]);
            ps_bin_u32(&w, m->segs[i].n_deleted);
            put_str(&w, m->segs[i].del_name);
            ps_bin_u64(&w, m->segs[i].del_checksum);
        }
        rc = ps_binwriter_finish(&w);
    }
    if (rc != PS_OK) {
        ps_atomic_abort(af);
        snprintf(err, errlen, "%s: write failed", path);
        return rc;
    }
    if (ps_atomic_commit(af) != PS_OK) {
        snprintf(err, errlen, "%s: commit failed: %s", path, strerror(errno));
        return PS_EIO;
    }
    return PS_OK;
}
