/* Index writer: batches records, builds segments within the memory budget,
 * and publishes them with one atomic MANIFEST replacement.
 *
 * Crash safety: segment files get fresh names (seg-<generation>-<k>) and
 * are fsynced before the MANIFEST that lists them is renamed into place, so
 * a crash at any moment leaves the old MANIFEST and old segments intact;
 * files no MANIFEST lists are leftovers and the next writer removes them.
 * One writer at a time: LOCK is flock()ed. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <omp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "index/manifest.h"
#include "index/seg_builder.h"
#include "index/seg_writer.h"
#include "patsift/index.h"

enum { BATCH_DOCS = 4096 };
#define BATCH_BYTES (64u << 20)
#define DEFAULT_BUDGET ((size_t)1 << 30)

struct ps_index_writer {
    char dir[3800];
    int lock_fd;
    ps_manifest mf;            /* the committed state plus the new segments */
    uint32_t committed_segs;   /* how many of mf.segs were there before */
    ps_seg_builder *b;
    ps_record **batch;
    size_t n_batch;
    size_t batch_bytes;
    size_t budget;
    ps_index_write_stats st;
    char err[1024];
};

static ps_rc fail(ps_index_writer *w, ps_rc rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->err, sizeof w->err, fmt, ap);
    va_end(ap);
    return rc;
}

const char *ps_index_writer_errmsg(const ps_index_writer *w) { return w->err; }

void ps_index_writer_stats(const ps_index_writer *w, ps_index_write_stats *out) { *out = w->st; }

/* Removes seg-* files the MANIFEST does not list (a crashed writer's). */
static void remove_leftovers(ps_index_writer *w)
{
    DIR *d = opendir(w->dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, "seg-", 4) != 0 && !strstr(e->d_name, "MANIFEST.tmp."))
            continue;
        bool live = false;
        for (uint32_t i = 0; i < w->mf.n_segs && !live; i++) {
            size_t n = strlen(w->mf.segs[i].name);
            live = strncmp(e->d_name, w->mf.segs[i].name, n) == 0 && e->d_name[n] == '.';
        }
        if (!live) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", w->dir, e->d_name);
            unlink(path);
        }
    }
    closedir(d);
}

ps_rc ps_index_writer_open(const char *dir, const ps_index_opts *opts, bool append,
                           ps_index_writer **out, char *err, size_t errlen)
{
    *out = NULL;
    static const ps_index_opts defaults = { 0 };
    if (!opts)
        opts = &defaults;
    ps_index_writer *w = calloc(1, sizeof *w);
    if (!w)
        return PS_ENOMEM;
    w->lock_fd = -1;
    snprintf(w->dir, sizeof w->dir, "%s", dir);
    ps_rc rc = PS_OK;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        rc = fail(w, PS_EIO, "%s: cannot create the index folder: %s", dir, strerror(errno));
    char path[4096];
    snprintf(path, sizeof path, "%s/LOCK", dir);
    if (rc == PS_OK && (w->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0)
        rc = fail(w, PS_EIO, "%s: %s", path, strerror(errno));
    if (rc == PS_OK && flock(w->lock_fd, LOCK_EX | LOCK_NB) != 0)
        rc = fail(w, PS_EIO, "%s: another patsift process is writing this index", dir);
    if (rc == PS_OK) {
        rc = ps_manifest_read(dir, &w->mf, w->err, sizeof w->err);
        /* whatever happens next, the segments already listed are not ours to remove */
        w->committed_segs = w->mf.n_segs;
        if (rc == PS_END) {
            rc = PS_OK;
            memset(&w->mf, 0, sizeof w->mf);
            for (int f = 0; f < PS_FIELD_COUNT; f++)
                w->mf.weight[f] = opts->weight[f];
            if (!opts->weight[0] && !opts->weight[1] && !opts->weight[2] && !opts->weight[3]) {
                w->mf.weight[PS_FIELD_TITLE] = PS_WEIGHT_TITLE;
                w->mf.weight[PS_FIELD_ABSTRACT] = PS_WEIGHT_ABSTRACT;
                w->mf.weight[PS_FIELD_CLAIMS] = PS_WEIGHT_CLAIMS;
                w->mf.weight[PS_FIELD_DESCRIPTION] = PS_WEIGHT_DESCRIPTION;
            }
            w->mf.flags = ps_manifest_flags(&opts->analyzer, opts->store_description);
            snprintf(w->mf.language, sizeof w->mf.language, "%s",
                     opts->analyzer.language ? opts->analyzer.language : "english");
        } else if (rc == PS_OK && !append) {
            rc = fail(w, PS_EUSAGE, "%s already holds an index (add to it with --append, or remove it first)", dir);
        }
    }
    if (rc == PS_OK) {
        remove_leftovers(w);
        ps_analyzer_opts ao;
        ps_manifest_analyzer(&w->mf, &ao);
        int threads = opts->threads > 0 ? opts->threads : omp_get_num_procs();
        ps_analyzer *probe;
        rc = ps_analyzer_create(&ao, &probe);
        ps_analyzer_free(probe);
        if (rc == PS_EUNSUPPORTED)
            rc = fail(w, rc, "no Snowball stemmer for language '%s'", ao.language);
        else if (rc == PS_OK && !(w->b = ps_seg_builder_create(threads, w->mf.weight, &ao,
                                                                w->mf.flags & PS_MF_STORE_DESCRIPTION)))
            rc = fail(w, PS_ENOMEM, "out of memory");
        w->batch = calloc(BATCH_DOCS, sizeof *w->batch);
        if (rc == PS_OK && !w->batch)
            rc = fail(w, PS_ENOMEM, "out of memory");
        w->budget = opts->mem_budget ? opts->mem_budget : DEFAULT_BUDGET;
    }
    if (rc != PS_OK) {
        snprintf(err, errlen, "%s", w->err);
        ps_index_writer_free(w);
        return rc;
    }
    *out = w;
    return PS_OK;
}

/* Writes the in-memory segment and adds it to the (uncommitted) list. */
static ps_rc write_segment(ps_index_writer *w)
{
    if (ps_seg_builder_docs(w->b) == 0)
        return PS_OK;
    size_t mem = ps_seg_builder_memory(w->b);
    if (mem > w->st.peak_mem)
        w->st.peak_mem = mem;
    ps_manifest_seg *segs = realloc(w->mf.segs, (w->mf.n_segs + 1) * sizeof *segs);
    if (!segs)
        return fail(w, PS_ENOMEM, "out of memory");
    w->mf.segs = segs;
    ps_manifest_seg *ms = &segs[w->mf.n_segs];
    memset(ms, 0, sizeof *ms);
    snprintf(ms->name, sizeof ms->name, "seg-%llu-%u", (unsigned long long)w->mf.generation + 1,
             w->mf.n_segs - w->committed_segs);
    ps_seg_written out;
    ps_rc rc = ps_seg_write(w->b, w->dir, ms->name, &out, w->err, sizeof w->err);
    if (rc != PS_OK)
        return rc;
    memcpy(ms->checksum, out.checksum, sizeof ms->checksum);
    ms->n_docs = out.n_docs;
    w->mf.n_segs++;
    w->st.segments++;
    for (int k = 0; k < PS_SEG_FILES; k++)
        w->st.bytes_written += out.bytes[k];
    w->st.tokens += ps_seg_builder_tokens(w->b);
    ps_seg_builder_reset(w->b);
    return PS_OK;
}

static ps_rc flush_batch(ps_index_writer *w)
{
    if (w->n_batch == 0)
        return PS_OK;
    ps_rc rc = ps_seg_builder_add(w->b, w->batch, w->n_batch);
    for (size_t i = 0; i < w->n_batch; i++)
        free(w->batch[i]);
    w->n_batch = 0;
    w->batch_bytes = 0;
    if (rc != PS_OK)
        return fail(w, rc, "%s while analysing records", ps_strerror(rc));
    size_t mem = ps_seg_builder_memory(w->b);
    if (mem > w->st.peak_mem)
        w->st.peak_mem = mem;
    /* leave room for the next batch within the budget */
    if (mem + BATCH_BYTES * 2 > w->budget)
        return write_segment(w);
    return PS_OK;
}

static size_t record_bytes(const ps_record *r)
{
    size_t n = strlen(r->title) + strlen(r->abstract) + strlen(r->description);
    for (size_t i = 0; i < r->n_claims; i++)
        n += strlen(r->claims[i].text);
    return n;
}

ps_rc ps_index_writer_add(ps_index_writer *w, const ps_record *r)
{
    if (!*r->id)
        return fail(w, PS_EUSAGE, "record without an id");
    ps_record *c = ps_record_clone(r);
    if (!c)
        return fail(w, PS_ENOMEM, "out of memory");
    size_t bytes = record_bytes(r);
    w->batch[w->n_batch++] = c;
    w->batch_bytes += bytes;
    w->st.docs++;
    w->st.text_bytes += bytes;
    if (w->n_batch == BATCH_DOCS || w->batch_bytes >= BATCH_BYTES)
        return flush_batch(w);
    return PS_OK;
}

ps_rc ps_index_writer_commit(ps_index_writer *w)
{
    ps_rc rc = flush_batch(w);
    if (rc == PS_OK)
        rc = write_segment(w);
    if (rc != PS_OK)
        return rc;
    w->mf.generation++;
    rc = ps_manifest_write(w->dir, &w->mf, w->err, sizeof w->err);
    if (rc != PS_OK) {
        w->mf.generation--;
        return rc;
    }
    w->committed_segs = w->mf.n_segs;
    return PS_OK;
}

void ps_index_writer_free(ps_index_writer *w)
{
    if (!w)
        return;
    for (uint32_t i = w->committed_segs; i < w->mf.n_segs; i++)
        ps_seg_remove(w->dir, w->mf.segs[i].name);
    for (size_t i = 0; i < w->n_batch; i++)
        free(w->batch[i]);
    free(w->batch);
    ps_seg_builder_free(w->b);
    ps_manifest_free(&w->mf);
    if (w->lock_fd >= 0)
        close(w->lock_fd);
    free(w);
}
