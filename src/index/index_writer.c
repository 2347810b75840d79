/* Index writer: batches records, builds segments within the memory budget,
 * and publishes them with one atomic MANIFEST replacement.
 *
 * Crash safety: segment files get fresh names (seg-<generation>-<k>) and
 * are fsynced before the MANIFEST that lists them is renamed into place, so
 * a crash at any moment leaves the old MANIFEST and old segments intact;
 * files no MANIFEST lists are leftovers and the next writer removes them.
 * One writer at a time: LOCK is flock()ed.
 *
 * Replacement by id: every live id maps to its (segment, doc). A record
 * whose id is already there marks the older document deleted; deletions
 * of a segment are written as a new deletion file at commit. A segment
 * whose documents are all deleted leaves the MANIFEST.
 *
 * Reading overlaps analysis: with two threads or more, a builder thread
 * parses, analyses and inverts one batch (on all of them, OpenMP) while the
 * caller fills the next; with one thread the caller does both in turn.
 * JSON lines come raw and are parsed on the builder's threads: parsing on
 * the caller's thread took a fifth of the CPU time and limited 2 threads.
 * Everything that decides doc numbers and segment boundaries (parse
 * failures, the id map, deletions, when to start a new segment) happens
 * batch by batch in order, so the result does not depend on timing. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <omp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/strmap.h"
#include "index/deletes.h"
#include "index/manifest.h"
#include "index/seg_merge.h"
#include "index/seg_builder.h"
#include "index/segment.h"
#include "index/seg_writer.h"
#include "patsift/index.h"

enum { BATCH_DOCS = 4096 };
/* A batch holds at most this much text, or 1/32 of the budget if less. */
#define BATCH_BYTES (64u << 20)
#define DEFAULT_BUDGET ((size_t)1 << 30)

/* An added record: parsed (a clone), or a JSON line to parse. */
typedef struct raw_line {
    uint64_t line;
    size_t len;
    const char *source;        /* points after text */
    char text[];
} raw_line;

typedef struct pending {
    ps_record *rec;
    raw_line *raw;
    char *err;                 /* why raw did not parse */
} pending;

struct ps_index_writer {
    char dir[3800];
    int lock_fd;
    ps_manifest mf;            /* the committed state plus the new segments */
    uint32_t committed_segs;   /* how many of mf.segs were there before */
    ps_seg_builder *b;
    int threads;
    ps_raw_parser **parsers;   /* one per thread */
    bool strict;
    ps_diag_fn on_error;
    void *diag_ctx;
    pending *batch;            /* being filled by the caller */
    size_t n_batch;
    /* the builder thread and the batch it works on */
    pthread_t th;
    bool th_started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pending *work;
    size_t n_work;
    ps_record **recs;          /* the work's parsed records */
    bool busy, stop;
    ps_rc async_rc;            /* the builder's first error (under mu) */
    ps_rc failed_rc;           /* the caller's view of it: sticky, every later call returns it */
    size_t batch_bytes;
    size_t budget;
    size_t batch_limit;        /* text bytes per batch */
    ps_index_write_stats st;
    ps_strmap ids;             /* id -> a: segment index, b: doc; stamp 1 when live */
    struct seg_del {
        uint8_t *bits;
        size_t cap;            /* bytes */
        uint32_t count;
        bool dirty;
        char old_name[80];     /* the deletion file this commit supersedes */
    } *del;
    size_t n_del;
    ps_seg_sync_job **syncs;   /* fsyncs of the new segments, mf.segs[committed_segs + i] */
    size_t n_syncs;
    bool committed;            /* commit ends a writer's work */
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

static ps_rc wait_idle(ps_index_writer *w);

void ps_index_writer_stats(ps_index_writer *w, ps_index_write_stats *out)
{
    wait_idle(w); /* the builder updates them */
    *out = w->st;
}

static bool listed(const ps_manifest *mf, const char *file)
{
    for (uint32_t i = 0; i < mf->n_segs; i++) {
        const ps_manifest_seg *ms = &mf->segs[i];
        if (strcmp(file, ms->del_name) == 0)
            return true;
        size_t n = strlen(ms->name);
        if (strncmp(file, ms->name, n) != 0)
            continue;
        for (int k = 0; k < PS_SEG_FILES; k++)
            if (strcmp(file + n, ps_seg_ext[k]) == 0)
                return true;
    }
    return false;
}

/* Removes seg-* files the MANIFEST does not list (a crashed writer's, or
 * superseded deletion files). */
static void remove_leftovers(ps_index_writer *w)
{
    DIR *d = opendir(w->dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, "seg-", 4) != 0 && !strstr(e->d_name, "MANIFEST.tmp."))
            continue;
        bool live = listed(&w->mf, e->d_name);
        if (!live) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", w->dir, e->d_name);
            unlink(path);
        }
    }
    closedir(d);
}

/* The deletion state of segment s, created on first use. */
static struct seg_del *seg_del(ps_index_writer *w, uint32_t s)
{
    if (s >= w->n_del) {
        size_t n = s + 16;
        struct seg_del *d = realloc(w->del, n * sizeof *d);
        if (!d)
            return NULL;
        memset(d + w->n_del, 0, (n - w->n_del) * sizeof *d);
        w->del = d;
        w->n_del = n;
    }
    return &w->del[s];
}

static ps_rc mark_deleted(ps_index_writer *w, uint32_t s, uint32_t doc)
{
    struct seg_del *d = seg_del(w, s);
    if (!d)
        return PS_ENOMEM;
    if (doc / 8 >= d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 1024;
        while (cap <= doc / 8)
            cap *= 2;
        uint8_t *b = realloc(d->bits, cap);
        if (!b)
            return PS_ENOMEM;
        memset(b + d->cap, 0, cap - d->cap);
        d->bits = b;
        d->cap = cap;
    }
    if (!ps_bit_get(d->bits, doc)) {
        ps_bit_set(d->bits, doc);
        d->count++;
        d->dirty = true;
    }
    return PS_OK;
}

/* Makes (seg, doc) the live document of id; the one it had before, if
 * any, is marked deleted. */
static ps_rc claim_id(ps_index_writer *w, const char *id, uint32_t seg, uint32_t doc)
{
    ps_strmap_entry *e = ps_strmap_get(&w->ids, id, strlen(id));
    if (!e || (e->stamp && mark_deleted(w, (uint32_t)e->a, (uint32_t)e->b) != PS_OK))
        return PS_ENOMEM;
    e->a = seg;
    e->b = doc;
    e->stamp = 1;
    return PS_OK;
}

/* Loads the ids and deletions of the committed segments. */
static ps_rc load_existing(ps_index_writer *w)
{
    for (uint32_t s = 0; s < w->mf.n_segs; s++) {
        ps_segment seg;
        ps_rc rc = ps_segment_open(&seg, w->dir, &w->mf.segs[s], w->err, sizeof w->err);
        if (rc != PS_OK)
            return rc;
        for (uint32_t d = 0; d < seg.n_docs && rc == PS_OK; d++) {
            if (!ps_segment_live(&seg, d)) {
                rc = mark_deleted(w, s, d);
                continue;
            }
            /* the same id live twice: the newer segment wins */
            rc = claim_id(w, ps_segment_doc_id(&seg, d), s, d);
        }
        ps_segment_close(&seg);
        struct seg_del *sd = seg_del(w, s);
        if (rc != PS_OK || !sd)
            return fail(w, PS_ENOMEM, "out of memory loading the index ids");
        sd->dirty = sd->count != w->mf.segs[s].n_deleted;
        snprintf(sd->old_name, sizeof sd->old_name, "%s", w->mf.segs[s].del_name);
    }
    return PS_OK;
}

static int start_builder(ps_index_writer *w);

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
            ps_mh_defaults(&w->mf.mh);
            if (opts->minhash_k)
                w->mf.mh.k = opts->minhash_k;
            if (opts->shingle)
                w->mf.mh.shingle = opts->shingle;
            if (opts->shingle_fields)
                w->mf.mh.fields = opts->shingle_fields;
            ps_lsh_choose(w->mf.mh.k, opts->lsh_threshold > 0 ? opts->lsh_threshold : PS_MH_DEFAULT_THRESHOLD,
                          &w->mf.mh.bands, &w->mf.mh.rows);
            if (!ps_mh_params_valid(&w->mf.mh))
                rc = fail(w, PS_EUSAGE, "bad MinHash settings (k 1-%d, shingle 1-%d)", PS_MH_MAX_K, PS_MH_MAX_SHINGLE);
            snprintf(w->mf.language, sizeof w->mf.language, "%s",
                     opts->analyzer.language ? opts->analyzer.language : "english");
        } else if (rc == PS_OK && !append) {
            rc = fail(w, PS_EUSAGE, "%s already holds an index (add to it with --append, or remove it first)", dir);
        }
    }
    if (rc == PS_OK) {
        remove_leftovers(w);
        rc = load_existing(w);
    }
    if (rc == PS_OK) {
        ps_analyzer_opts ao;
        ps_manifest_analyzer(&w->mf, &ao);
        int threads = opts->threads > 0 ? opts->threads : omp_get_num_procs();
        ps_analyzer *probe;
        rc = ps_analyzer_create(&ao, &probe);
        ps_analyzer_free(probe);
        if (rc == PS_EUNSUPPORTED)
            rc = fail(w, rc, "no Snowball stemmer for language '%s'", ao.language);
        else if (rc == PS_OK && !(w->b = ps_seg_builder_create(threads, w->mf.weight, &ao,
                                                                w->mf.flags & PS_MF_STORE_DESCRIPTION, &w->mf.mh)))
            rc = fail(w, PS_ENOMEM, "out of memory");
        w->batch = calloc(BATCH_DOCS, sizeof *w->batch);
        w->work = calloc(BATCH_DOCS, sizeof *w->work);
        w->recs = calloc(BATCH_DOCS, sizeof *w->recs);
        w->threads = threads;
        w->parsers = calloc((size_t)threads, sizeof *w->parsers);
        for (int t = 0; w->parsers && t < threads; t++)
            if (!(w->parsers[t] = ps_raw_parser_create()))
                rc = PS_ENOMEM;
        if (rc == PS_OK && (!w->batch || !w->work || !w->recs || !w->parsers))
            rc = PS_ENOMEM;
        if (rc == PS_ENOMEM)
            fail(w, rc, "out of memory");
        w->strict = opts->strict;
        w->on_error = opts->on_error;
        w->diag_ctx = opts->diag_ctx;
        /* one thread means one: reading and building take turns */
        if (rc == PS_OK && threads > 1 && start_builder(w) != 0)
            rc = fail(w, PS_ENOMEM, "cannot start the builder thread");
        w->budget = opts->mem_budget ? opts->mem_budget : DEFAULT_BUDGET;
        w->batch_limit = w->budget / 32 < BATCH_BYTES ? w->budget / 32 : BATCH_BYTES;
        if (w->batch_limit < (1u << 20))
            w->batch_limit = 1u << 20;
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
    ps_seg_source src;
    ps_rc rc = ps_seg_builder_source(w->b, &src);
    if (rc != PS_OK)
        return fail(w, rc, "out of memory");
    rc = ps_seg_write(&src, w->dir, ms->name, &out, w->err, sizeof w->err);
    if (rc != PS_OK)
        return rc;
    memcpy(ms->checksum, out.checksum, sizeof ms->checksum);
    ms->n_docs = out.n_docs;
    w->mf.n_segs++;
    w->st.segments++;
    ps_seg_sync_job **syncs = realloc(w->syncs, (w->n_syncs + 1) * sizeof *syncs);
    if (!syncs)
        return fail(w, PS_ENOMEM, "out of memory");
    w->syncs = syncs;
    /* NULL when no thread could start: the commit syncs it then */
    w->syncs[w->n_syncs++] = ps_seg_sync_start(w->dir, ms->name);
    for (int k = 0; k < PS_SEG_FILES; k++)
        w->st.bytes_written += out.bytes[k];
    w->st.tokens += ps_seg_builder_tokens(w->b);
    ps_seg_builder_reset(w->b);
    return PS_OK;
}

static size_t record_bytes(const ps_record *r)
{
    size_t n = strlen(r->title) + strlen(r->abstract) + strlen(r->description);
    for (size_t i = 0; i < r->n_claims; i++)
        n += strlen(r->claims[i].text);
    return n;
}

static void pending_free(pending *p)
{
    free(p->rec);
    free(p->raw);
    free(p->err);
    *p = (pending){ 0 };
}

/* Parses the work's raw lines, on all threads. */
static void parse_work(ps_index_writer *w)
{
    size_t n_raw = 0;
    for (size_t i = 0; i < w->n_work; i++)
        n_raw += w->work[i].raw != NULL;
    if (n_raw == 0)
        return;
#pragma omp parallel for schedule(dynamic, 16) num_threads(w->threads) if (n_raw > 64)
    for (size_t i = 0; i < w->n_work; i++) {
        pending *p = &w->work[i];
        if (!p->raw)
            continue;
        ps_raw_parser *ps = w->parsers[omp_get_thread_num()];
        ps_raw_record raw = { .text = p->raw->text, .len = p->raw->len, .source = p->raw->source,
                              .line = p->raw->line };
        const ps_record *r;
        ps_rc rc = ps_raw_parse(ps, &raw, &r);
        if (rc == PS_OK && !(p->rec = ps_record_clone(r)))
            rc = PS_ENOMEM;
        if (rc != PS_OK) /* err NULL: out of memory */
            p->err = rc == PS_EPARSE ? strdup(ps_raw_parser_errmsg(ps)) : NULL;
        free(p->raw);
        p->raw = NULL;
    }
}

/* jemalloc's control interface when the program is linked with it (weak:
 * NULL under glibc malloc). */
extern int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen)
    __attribute__((weak));

/* Hands the pages a written segment freed back to the system. Allocators
 * keep freed pages for reuse, and spread over per-thread arenas they were
 * not all reused by the next segment: without this the peak RSS was 1.37x
 * a 128M budget, with it 1.19x (150k documents), for 1% more CPU time. */
static void release_free_memory(void)
{
    if (mallctl)
        mallctl("arena.4096.purge", NULL, NULL, NULL, 0); /* 4096: MALLCTL_ARENAS_ALL */
    else
        malloc_trim(0);
}

/* Memory the writer holds besides its segment and batches: libraries,
 * analysers, zstd contexts, allocator overhead (measured about 15-20 MB). */
#define FIXED_BYTES ((size_t)24 << 20)

/* True when the in-memory segment must be written before the next batch
 * goes in: when the segment (a quarter more while it is written), the id
 * map, six batches (the one analysed with its clones and scratch, the one
 * filling) and the fixed part would pass 31/32 of the budget. Measured RSS
 * was the segment + ids + 6 batches + 15-20 MB all along a 150k-document
 * build. It is an estimate, not a measurement, so that where segments end
 * never depends on timing or on the allocator. */
static bool over_budget(ps_index_writer *w)
{
    size_t seg = ps_seg_builder_memory(w->b);
    size_t ids = w->ids.n * (sizeof(ps_strmap_entry) * 2 + 24);
    return ps_seg_builder_docs(w->b) > 0 &&
           seg + seg / 4 + ids + w->batch_limit * 6 + FIXED_BYTES > w->budget / 32 * 31;
}

/* The batch's ids claimed, and its text counted, on one of the building
 * threads while the others analyse (on the builder thread before, the
 * other threads spun meanwhile: 2% of a 2-thread build). */
typedef struct batch_ids {
    ps_index_writer *w;
    size_t n;
    uint32_t seg, doc;
    ps_rc rc;
    uint64_t text_bytes;
} batch_ids;

static void claim_batch(void *ctx)
{
    batch_ids *b = ctx;
    for (size_t i = 0; i < b->n && b->rc == PS_OK; i++) {
        b->rc = claim_id(b->w, b->w->recs[i]->id, b->seg, b->doc + (uint32_t)i);
        b->text_bytes += record_bytes(b->w->recs[i]);
    }
}

/* Parses the handed-off batch, reports what did not parse, writes the
 * in-memory segment if the budget says so, numbers the documents (applying
 * replacements by id, in order) and adds them: on the builder thread, or on
 * the caller's with one thread. */
static ps_rc build_work(ps_index_writer *w)
{
    parse_work(w);
    ps_rc rc = PS_OK;
    size_t n = 0;
    for (size_t i = 0; i < w->n_work && rc == PS_OK; i++) {
        pending *p = &w->work[i];
        if (p->rec) {
            w->recs[n++] = p->rec;
            continue;
        }
        const char *msg = p->err ? p->err : "out of memory";
        if (!p->err || w->strict) {
            rc = fail(w, p->err ? PS_EPARSE : PS_ENOMEM, "%s", msg);
        } else {
            w->st.errors++;
            if (w->on_error)
                w->on_error(msg, w->diag_ctx);
        }
    }
    if (rc == PS_OK && over_budget(w)) {
        rc = write_segment(w);
        release_free_memory();
    }
    batch_ids ids = { .w = w, .n = n, .seg = w->mf.n_segs, .doc = ps_seg_builder_docs(w->b), .rc = PS_OK };
    if (rc == PS_OK) {
        rc = ps_seg_builder_add(w->b, w->recs, n, claim_batch, &ids);
        if (rc != PS_OK)
            fail(w, rc, "%s while analysing records", ps_strerror(rc));
        else if ((rc = ids.rc) != PS_OK)
            fail(w, rc, "out of memory");
    }
    if (rc == PS_OK) {
        w->st.docs += n;
        w->st.text_bytes += ids.text_bytes;
    }
    for (size_t i = 0; i < w->n_work; i++)
        pending_free(&w->work[i]);
    w->n_work = 0;
    size_t mem = ps_seg_builder_memory(w->b);
    if (mem > w->st.peak_mem)
        w->st.peak_mem = mem;
    return rc;
}

static void *builder_main(void *arg)
{
    ps_index_writer *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->busy && !w->stop)
            pthread_cond_wait(&w->cv, &w->mu);
        if (!w->busy)
            break; /* stop */
        pthread_mutex_unlock(&w->mu);
        ps_rc rc = build_work(w);
        pthread_mutex_lock(&w->mu);
        if (rc != PS_OK && w->async_rc == PS_OK)
            w->async_rc = rc;
        w->busy = false;
        pthread_cond_broadcast(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static int start_builder(ps_index_writer *w)
{
    if (pthread_mutex_init(&w->mu, NULL) != 0)
        return -1;
    if (pthread_cond_init(&w->cv, NULL) != 0) {
        pthread_mutex_destroy(&w->mu);
        return -1;
    }
    if (pthread_create(&w->th, NULL, builder_main, w) != 0) {
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
        return -1;
    }
    w->th_started = true;
    return 0;
}

/* Waits until the builder has finished its batch; its error, if any. */
static ps_rc wait_idle(ps_index_writer *w)
{
    if (!w->th_started)
        return w->async_rc;
    pthread_mutex_lock(&w->mu);
    while (w->busy)
        pthread_cond_wait(&w->cv, &w->mu);
    ps_rc rc = w->async_rc;
    pthread_mutex_unlock(&w->mu);
    return rc;
}

/* Hands the filled batch to the builder. An error (the builder's, from
 * this batch or an earlier one) sticks: every later call returns it. */
static ps_rc hand_off(ps_index_writer *w)
{
    if (w->n_batch == 0)
        return PS_OK;
    ps_rc rc = wait_idle(w);
    if (rc != PS_OK)
        return w->failed_rc = rc;
    if (w->th_started)
        pthread_mutex_lock(&w->mu);
    pending *t = w->work;
    w->work = w->batch;
    w->n_work = w->n_batch;
    w->batch = t;
    w->n_batch = 0;
    w->batch_bytes = 0;
    if (!w->th_started) {
        rc = build_work(w);
        if (rc != PS_OK)
            w->async_rc = w->failed_rc = rc;
        return rc;
    }
    w->busy = true;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    return PS_OK;
}

/* fail() for the caller's thread: waits for the builder first, which may
 * be writing its own message into w->err. */
static ps_rc caller_fail(ps_index_writer *w, ps_rc rc, const char *msg)
{
    wait_idle(w);
    return fail(w, rc, "%s", msg);
}

/* Why nothing more can be added, or PS_OK. */
static ps_rc cannot_add(ps_index_writer *w)
{
    if (w->failed_rc != PS_OK)
        return w->failed_rc;
    if (w->committed)
        return caller_fail(w, PS_EUSAGE, "the writer has committed; open a new one to add more");
    return PS_OK;
}

static ps_rc add_pending(ps_index_writer *w, pending p, size_t bytes)
{
    w->batch[w->n_batch++] = p;
    w->batch_bytes += bytes;
    if (w->n_batch == BATCH_DOCS || w->batch_bytes >= w->batch_limit)
        return hand_off(w);
    return PS_OK;
}

ps_rc ps_index_writer_add(ps_index_writer *w, const ps_record *r)
{
    ps_rc rc = cannot_add(w);
    if (rc != PS_OK)
        return rc;
    if (!*r->id)
        return caller_fail(w, PS_EUSAGE, "record without an id");
    ps_record *c = ps_record_clone(r);
    if (!c)
        return caller_fail(w, PS_ENOMEM, "out of memory");
    return add_pending(w, (pending){ .rec = c }, record_bytes(r));
}

ps_rc ps_index_writer_add_raw(ps_index_writer *w, const ps_raw_record *raw)
{
    if (raw->rec)
        return ps_index_writer_add(w, raw->rec);
    ps_rc rc = cannot_add(w);
    if (rc != PS_OK)
        return rc;
    size_t src = strlen(raw->source);
    raw_line *l = malloc(sizeof *l + raw->len + src + 2);
    if (!l)
        return caller_fail(w, PS_ENOMEM, "out of memory");
    l->line = raw->line;
    l->len = raw->len;
    memcpy(l->text, raw->text, raw->len);
    l->text[raw->len] = '\0';
    memcpy(l->text + raw->len + 1, raw->source, src + 1);
    l->source = l->text + raw->len + 1;
    return add_pending(w, (pending){ .raw = l }, raw->len);
}

ps_rc ps_index_writer_drain(ps_index_writer *w)
{
    if (w->failed_rc != PS_OK)
        return w->failed_rc;
    ps_rc rc = hand_off(w);
    if (rc == PS_OK && (rc = wait_idle(w)) != PS_OK)
        w->failed_rc = rc;
    return rc;
}

/* Writes the changed deletion files for generation gen and builds the new
 * segment list (fully deleted segments left out) into *next. */
static ps_rc write_deletions(ps_index_writer *w, uint64_t gen, ps_manifest *next)
{
    *next = w->mf;
    next->segs = calloc(w->mf.n_segs ? w->mf.n_segs : 1, sizeof *next->segs);
    if (!next->segs)
        return fail(w, PS_ENOMEM, "out of memory");
    next->n_segs = 0;
    for (uint32_t s = 0; s < w->mf.n_segs; s++) {
        ps_manifest_seg ms = w->mf.segs[s];
        struct seg_del *d = s < w->n_del ? &w->del[s] : NULL;
        if (d && d->count == ms.n_docs)
            continue; /* every document replaced: the segment goes */
        if (d && d->dirty) {
            snprintf(ms.del_name, sizeof ms.del_name, "%s.del.%llu", ms.name, (unsigned long long)gen);
            ms.n_deleted = d->count;
            uint8_t *bits = calloc((ms.n_docs + 7) / 8 + 1, 1);
            if (!bits)
                return fail(w, PS_ENOMEM, "out of memory");
            memcpy(bits, d->bits, d->cap < (ms.n_docs + 7) / 8 ? d->cap : (ms.n_docs + 7) / 8);
            ps_rc rc = ps_deletes_write(w->dir, ms.del_name, bits, ms.n_docs, ms.n_deleted, &ms.del_checksum,
                                        w->err, sizeof w->err);
            free(bits);
            if (rc != PS_OK)
                return rc;
        }
        next->segs[next->n_segs++] = ms;
    }
    next->generation = gen;
    return PS_OK;
}

/* Waits for the new segments' fsyncs (syncing those whose job did not
 * start); the first failure is the result when rc is PS_OK. */
static ps_rc finish_syncs(ps_index_writer *w, ps_rc rc)
{
    for (uint32_t s = w->committed_segs; s < w->mf.n_segs; s++) {
        size_t i = s - w->committed_segs;
        ps_seg_sync_job *job = i < w->n_syncs ? w->syncs[i] : NULL;
        /* the first error keeps its message */
        char *err = rc == PS_OK ? w->err : NULL;
        ps_rc r = job ? ps_seg_sync_finish(job, err, sizeof w->err)
                  : err ? ps_seg_sync(w->dir, w->mf.segs[s].name, err, sizeof w->err) : rc;
        if (rc == PS_OK)
            rc = r;
    }
    w->n_syncs = 0;
    return rc;
}

ps_rc ps_index_writer_commit(ps_index_writer *w)
{
    if (w->failed_rc != PS_OK)
        return w->failed_rc;
    if (w->committed)
        return caller_fail(w, PS_EUSAGE, "the writer has committed already");
    ps_rc rc = ps_index_writer_drain(w);
    if (rc == PS_OK)
        rc = write_segment(w);
    rc = finish_syncs(w, rc);
    if (rc != PS_OK)
        return rc;
    ps_manifest next = { 0 };
    rc = write_deletions(w, w->mf.generation + 1, &next);
    if (rc == PS_OK)
        rc = ps_manifest_write(w->dir, &next, w->err, sizeof w->err);
    if (rc != PS_OK) {
        /* the new deletion files are unlisted: the next writer removes them */
        free(next.segs);
        return rc;
    }
    ps_manifest_free(&w->mf);
    w->mf = next;
    w->committed_segs = w->mf.n_segs;
    w->committed = true;
    /* the old deletion files and dropped segments are now unlisted */
    remove_leftovers(w);
    for (size_t i = 0; i < w->n_del; i++)
        free(w->del[i].bits);
    free(w->del);
    w->del = NULL;
    w->n_del = 0;
    ps_strmap_free(&w->ids);
    return PS_OK;
}

void ps_index_writer_free(ps_index_writer *w)
{
    if (!w)
        return;
    if (w->th_started) {
        pthread_mutex_lock(&w->mu);
        while (w->busy)
            pthread_cond_wait(&w->cv, &w->mu);
        w->stop = true;
        pthread_cond_broadcast(&w->cv);
        pthread_mutex_unlock(&w->mu);
        pthread_join(w->th, NULL);
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
    }
    for (size_t i = 0; w->work && i < w->n_work; i++)
        pending_free(&w->work[i]);
    free(w->work);
    free(w->recs);
    for (int t = 0; w->parsers && t < w->threads; t++)
        ps_raw_parser_free(w->parsers[t]);
    free(w->parsers);
    finish_syncs(w, PS_EIO); /* joins the threads; their results do not matter now */
    free(w->syncs);
    for (uint32_t i = w->committed_segs; i < w->mf.n_segs; i++)
        ps_seg_remove(w->dir, w->mf.segs[i].name);
    for (size_t i = 0; w->batch && i < w->n_batch; i++)
        pending_free(&w->batch[i]);
    free(w->batch);
    ps_seg_builder_free(w->b);
    ps_manifest_free(&w->mf);
    for (size_t i = 0; i < w->n_del; i++)
        free(w->del[i].bits);
    free(w->del);
    ps_strmap_free(&w->ids);
    if (w->lock_fd >= 0)
        close(w->lock_fd);
    free(w);
}

ps_rc ps_index_writer_merge(ps_index_writer *w)
{
    if (wait_idle(w) != PS_OK || w->committed || w->n_batch || ps_seg_builder_docs(w->b) || w->mf.n_segs != w->committed_segs)
        return fail(w, PS_EUSAGE, "merge needs a writer with nothing added");
    for (uint32_t s = 0; s < w->n_del; s++)
        if (w->del[s].dirty)
            return fail(w, PS_EUSAGE, "merge needs a writer with nothing added");
    uint32_t n = w->mf.n_segs;
    ps_segment *segs = calloc(n ? n : 1, sizeof *segs);
    ps_manifest_seg *keep = malloc(sizeof *keep); /* the new list, allocated before anything is written */
    if (!segs || !keep) {
        free(segs);
        free(keep);
        return fail(w, PS_ENOMEM, "out of memory");
    }
    ps_rc rc = PS_OK;
    uint32_t opened = 0;
    for (; opened < n && rc == PS_OK; opened++)
        rc = ps_segment_open(&segs[opened], w->dir, &w->mf.segs[opened], w->err, sizeof w->err);
    if (rc != PS_OK)
        opened--;
    ps_seg_merger *m = NULL;
    ps_manifest next = w->mf;
    next.segs = NULL;
    next.n_segs = 0;
    next.generation = w->mf.generation + 1;
    ps_manifest_seg ms = { 0 };
    if (rc == PS_OK && (rc = ps_seg_merger_create(segs, n, &m)) != PS_OK)
        fail(w, rc, "%s preparing the merge", ps_strerror(rc));
    if (rc == PS_OK) {
        ps_seg_source src;
        ps_seg_merger_source(m, &src);
        for (uint32_t s = 0; s < n; s++)
            w->st.dropped += segs[s].n_deleted;
        if (src.n_docs) {
            snprintf(ms.name, sizeof ms.name, "seg-%llu-0", (unsigned long long)next.generation);
            ps_seg_written out;
            rc = ps_seg_write(&src, w->dir, ms.name, &out, w->err, sizeof w->err);
            if (rc == PS_OK)
                rc = ps_seg_sync(w->dir, ms.name, w->err, sizeof w->err);
            if (rc == PS_OK) {
                memcpy(ms.checksum, out.checksum, sizeof ms.checksum);
                ms.n_docs = out.n_docs;
                next.segs = &ms;
                next.n_segs = 1;
                for (int k = 0; k < PS_SEG_FILES; k++)
                    w->st.bytes_written += out.bytes[k];
            }
        }
    }
    if (rc == PS_OK)
        rc = ps_manifest_write(w->dir, &next, w->err, sizeof w->err);
    ps_seg_merger_free(m);
    for (uint32_t s = 0; s < opened; s++)
        ps_segment_close(&segs[s]);
    free(segs);
    if (rc != PS_OK) {
        if (ms.name[0])
            ps_seg_remove(w->dir, ms.name);
        free(keep);
        return rc;
    }
    w->st.segments_before = n;
    w->st.segments_after = next.n_segs;
    ps_manifest_free(&w->mf);
    w->mf = next;
    *keep = ms;
    w->mf.segs = keep;
    w->committed_segs = w->mf.n_segs;
    w->committed = true;
    remove_leftovers(w); /* the merged segments are unlisted now */
    return PS_OK;
}
