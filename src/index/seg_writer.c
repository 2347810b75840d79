/* Segment writer: lexicon, postings with skip tables, positions, document
 * columns and stored text, in the order segment_format.h describes. */
#include <errno.h>
#include <fcntl.h>
#include <omp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/varint.h"
#include "index/binfile.h"
#include "index/lexicon.h"
#include "index/positions_codec.h"
#include "index/postings_codec.h"
#include "index/seg_writer.h"

const char *const ps_seg_ext[PS_SEG_FILES] = { ".lex", ".pst", ".pos", ".doc", ".sto", ".mh" };
const char *const ps_seg_magic[PS_SEG_FILES] = { PS_MAGIC_LEX, PS_MAGIC_POSTINGS, PS_MAGIC_POSITIONS,
                                                 PS_MAGIC_DOCS, PS_MAGIC_STORE, PS_MAGIC_MINHASH };

typedef struct out_file {
    FILE *fp;
    ps_binwriter w;
    char path[4096];
} out_file;

void ps_seg_remove(const char *dir, const char *name)
{
    char path[4096];
    for (int k = 0; k < PS_SEG_FILES; k++) {
        snprintf(path, sizeof path, "%s/%s%s", dir, name, ps_seg_ext[k]);
        unlink(path);
    }
}

/* Scratch for one term's positions, reused across terms. */
typedef struct term_scratch {
    ps_buf blocks, skips, pos;
    uint32_t *p;            /* a block's positions, concatenated */
    size_t cap;
} term_scratch;

/* One term: skip table then blocks into .pst, bit-packed positions into
 * .pos. The in-memory positions (varints) are re-coded block by block. */
static ps_rc write_term(const uint32_t *wlens, uint32_t n_docs, const ps_term_entry *e, ps_buf *pst,
                        ps_buf *posw, term_scratch *ts)
{
    uint32_t docs[PS_BLOCK_SIZE], tfs[PS_BLOCK_SIZE], counts[PS_BLOCK_SIZE];
    const uint8_t *p = (const uint8_t *)e->post.data, *end = p + e->post.len;
    const uint8_t *pp = (const uint8_t *)e->pos.data, *pend = pp + e->pos.len;
    ps_buf_reset(&ts->blocks);
    ps_buf_reset(&ts->skips);
    ps_buf_reset(&ts->pos);
    uint32_t doc = 0, prev = 0;
    for (uint32_t done = 0; done < e->df;) {
        uint32_t n = e->df - done < PS_BLOCK_SIZE ? e->df - done : PS_BLOCK_SIZE;
        uint32_t max_wtf = 0, min_len = UINT32_MAX;
        uint32_t pos_off = (uint32_t)ts->pos.len;
        size_t np = 0;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t delta, cnt, gap;
            if (ps_varint_get(&p, end, &delta) || ps_varint_get(&p, end, &tfs[i]))
                return PS_ECORRUPT;
            doc = done + i == 0 ? delta : doc + delta;
            docs[i] = doc;
            if (tfs[i] > max_wtf)
                max_wtf = tfs[i];
            if (doc >= n_docs)
                return PS_ECORRUPT;
            uint32_t wlen = wlens[doc];
            if (wlen < min_len)
                min_len = wlen;
            if (ps_varint_get(&pp, pend, &cnt) || cnt == 0 || cnt >= PS_MAX_POSITIONS)
                return PS_ECORRUPT;
            counts[i] = cnt;
            if (np + cnt > ts->cap) {
                size_t cap = ts->cap ? ts->cap : 4096;
                while (cap < np + cnt)
                    cap *= 2;
                uint32_t *q = realloc(ts->p, cap * sizeof *q);
                if (!q)
                    return PS_ENOMEM;
                ts->p = q;
                ts->cap = cap;
            }
            uint32_t at = 0;
            for (uint32_t k = 0; k < cnt; k++) {
                if (ps_varint_get(&pp, pend, &gap))
                    return PS_ECORRUPT;
                at += gap;
                ts->p[np++] = at;
            }
        }
        ps_pos_block_encode(counts, n, ts->p, &ts->pos);
        char *dst = ps_buf_reserve(&ts->blocks, PS_BLOCK_MAX_BYTES);
        if (!dst)
            return PS_ENOMEM;
        uint32_t data_off = (uint32_t)ts->blocks.len;
        ts->blocks.len += ps_block_encode(docs, tfs, counts, n, prev, done == 0, (uint8_t *)dst);
        uint32_t sk[5] = { doc, max_wtf, min_len, data_off, pos_off };
        for (int k = 0; k < 5; k++)
            ps_buf_put_le(&ts->skips, sk[k], 4);
        prev = doc;
        done += n;
    }
    if (ts->blocks.oom || ts->skips.oom || ts->pos.oom)
        return PS_ENOMEM;
    /* most terms fit one block: their skip entry would only repeat what the
     * block says (20 bytes a term; 11% of the inverted index on the
     * PatentsView abstracts) */
    if (e->df > PS_BLOCK_SIZE)
        ps_buf_append(pst, ts->skips.data, ts->skips.len);
    ps_buf_append(pst, ts->blocks.data, ts->blocks.len);
    ps_buf_append(posw, ts->pos.data, ts->pos.len);
    return pst->oom || posw->oom ? PS_ENOMEM : PS_OK;
}

static void scratch_free(term_scratch *ts)
{
    ps_buf_free(&ts->blocks);
    ps_buf_free(&ts->skips);
    ps_buf_free(&ts->pos);
    free(ts->p);
}

/* Terms are encoded a chunk at a time: on src->threads threads when the
 * source's entries stay valid (the builder's), each part of the chunk
 * into its own buffers, then written out in order. */
enum { CHUNK_TERMS = 16384, PARTS_PER_THREAD = 8 };

typedef struct part {
    size_t from, to;          /* terms of the chunk */
    ps_buf pst, pos;
    ps_rc rc;
} part;

/* The lexicon is gathered in memory (lexicon.h: about 6 bytes a term plus
 * its bytes) because the term count is known only at the end; postings and
 * positions go to their files a chunk at a time. */
static ps_rc write_inverted(const ps_seg_source *src, out_file *f)
{
    ps_binwriter *lex = &f[PS_SEG_LEX].w, *pst = &f[PS_SEG_PST].w, *pos = &f[PS_SEG_POS].w;
    uint64_t post_base = pst->written, pos_base = pos->written;
    int threads = src->stable_terms && src->threads > 1 ? src->threads : 1;
    size_t chunk_cap = threads > 1 ? CHUNK_TERMS : 1;
    int n_parts = threads > 1 ? threads * PARTS_PER_THREAD : 1;
    const ps_term_entry **chunk = malloc(chunk_cap * sizeof *chunk);
    uint64_t *offs = malloc(2 * chunk_cap * sizeof *offs); /* per term: .pst and .pos offsets in its part */
    part *parts = calloc((size_t)n_parts, sizeof *parts);
    term_scratch *ts = calloc((size_t)threads, sizeof *ts);
    /* the skip entries' shortest document per block: read from a column of
     * 4 bytes a document, not from the 100-byte document records (those
     * reads missed the cache and were 80% of the encoding time) */
    uint32_t *wlens = malloc(((size_t)src->n_docs + 1) * sizeof *wlens);
    for (uint32_t d = 0; wlens && d < src->n_docs; d++)
        wlens[d] = src->docs[d].wlen;
    ps_lex_writer lw = { 0 };
    ps_rc rc = chunk && offs && parts && ts && wlens ? PS_OK : PS_ENOMEM;
    int got = 1;
    while (rc == PS_OK && got > 0) {
        size_t m = 0;
        uint64_t bytes = 0;
        while (m < chunk_cap && (got = src->next_term(src->ctx, &chunk[m])) > 0) {
            bytes += chunk[m]->post.len + chunk[m]->pos.len;
            m++;
        }
        if (got < 0)
            rc = PS_ECORRUPT;
        if (m == 0 || rc != PS_OK)
            break;
        /* parts of about equal input bytes */
        int np = 0;
        uint64_t acc = 0;
        parts[0].from = 0;
        for (size_t i = 0; i < m; i++) {
            acc += chunk[i]->post.len + chunk[i]->pos.len;
            if (acc * (uint64_t)n_parts >= bytes * (uint64_t)(np + 1) && np + 1 < n_parts && i + 1 < m) {
                parts[np].to = i + 1;
                parts[++np].from = i + 1;
            }
        }
        parts[np++].to = m;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1) if (threads > 1)
        for (int p = 0; p < np; p++) {
            part *pt = &parts[p];
            term_scratch *mine = &ts[omp_get_thread_num()];
            pt->rc = PS_OK;
            for (size_t i = pt->from; i < pt->to && pt->rc == PS_OK; i++) {
                offs[2 * i] = pt->pst.len;
                offs[2 * i + 1] = pt->pos.len;
                pt->rc = write_term(wlens, src->n_docs, chunk[i], &pt->pst, &pt->pos, mine);
            }
        }
        for (int p = 0; p < np && rc == PS_OK; p++) {
            part *pt = &parts[p];
            rc = pt->rc;
            for (size_t i = pt->from; i < pt->to && rc == PS_OK; i++) {
                const ps_term_entry *e = chunk[i];
                ps_lex_add(&lw, e->term, e->len, e->df, pst->written - post_base + offs[2 * i],
                           pos->written - pos_base + offs[2 * i + 1]);
            }
            ps_bin_write(pst, pt->pst.data, pt->pst.len);
            ps_bin_write(pos, pt->pos.data, pt->pos.len);
            ps_buf_reset(&pt->pst);
            ps_buf_reset(&pt->pos);
        }
    }
    ps_buf lexb = { 0 };
    ps_rc lrc = ps_lex_finish(&lw, &lexb);
    if (rc == PS_OK)
        rc = lrc;
    ps_bin_write(lex, lexb.data, lexb.len);
    static const uint8_t pad[PS_BLOCK_PAD];
    ps_bin_write(pst, pad, sizeof pad);
    ps_buf_free(&lexb);
    for (int p = 0; parts && p < n_parts; p++) {
        ps_buf_free(&parts[p].pst);
        ps_buf_free(&parts[p].pos);
    }
    for (int t = 0; ts && t < threads; t++)
        scratch_free(&ts[t]);
    free(ts);
    free(wlens);
    free(parts);
    free(offs);
    free(chunk);
    return rc;
}

static void write_docs(const ps_seg_source *src, out_file *f)
{
    ps_binwriter *w = &f[PS_SEG_DOC].w, *sto = &f[PS_SEG_STO].w;
    uint32_t n = src->n_docs;
    uint64_t id_pool = 0, cpc_pool = 0, total_len = 0;
    for (uint32_t i = 0; i < n; i++) {
        const ps_seg_doc *d = &src->docs[i];
        id_pool += strlen(d->id) + 1;
        cpc_pool += d->cpc_len;
        total_len += d->wlen;
    }
    ps_bin_u32(w, n);
    ps_bin_u32(w, 0);
    ps_bin_u64(w, id_pool);
    ps_bin_u64(w, cpc_pool);
    ps_bin_u64(w, total_len);
    uint64_t off = 0;
    for (uint32_t i = 0; i < n; i++) {
        ps_bin_u64(w, off);
        off += strlen(src->docs[i].id) + 1;
    }
    ps_bin_u64(w, off);
    for (int col = 0; col < 3; col++)
        for (uint32_t i = 0; i < n; i++) {
            const ps_seg_doc *d = &src->docs[i];
            ps_bin_u32(w, (uint32_t)(col == 0 ? d->pub : col == 1 ? d->filing : d->priority));
        }
    for (uint32_t i = 0; i < n; i++)
        for (int fld = 0; fld < PS_FIELD_COUNT; fld++)
            ps_bin_u32(w, src->docs[i].len[fld]);
    for (uint32_t i = 0; i < n; i++)
        ps_bin_u32(w, src->docs[i].wlen);
    for (uint32_t i = 0; i < n; i++)
        ps_bin_u16(w, src->docs[i].n_claims);
    for (uint32_t i = 0; i < n; i++)
        ps_bin_u16(w, src->docs[i].n_indep);
    for (uint32_t i = 0; i < n; i++)
        ps_bin_u8(w, src->docs[i].entity);
    for (uint32_t i = 0; i < n; i++)
        ps_bin_u8(w, (uint8_t)src->docs[i].fast_track);
    for (uint32_t i = 0; i < n; i++)
        ps_bin_write(w, src->docs[i].kind, 4);
    ps_bin_align(w, 8);
    off = 0;
    for (uint32_t i = 0; i < n; i++) {
        ps_bin_u64(w, off);
        off += src->docs[i].cpc_len;
    }
    ps_bin_u64(w, off);
    ps_bin_u32(sto, src->n_dicts);
    for (uint32_t k = 0; k < src->n_dicts; k++) {
        ps_bin_u32(sto, (uint32_t)src->dict_len[k]);
        ps_bin_write(sto, src->dicts[k], src->dict_len[k]);
    }
    off = 0;
    for (uint32_t i = 0; i < n; i++) {
        const ps_seg_doc *d = &src->docs[i];
        ps_bin_u64(w, off);
        off += d->stored_len;
        ps_bin_write(sto, d->stored, d->stored_len);
    }
    ps_bin_u64(w, off);
    for (uint32_t i = 0; i < n; i++) {
        const char *id = src->docs[i].id;
        ps_bin_write(w, id, strlen(id) + 1);
    }
    ps_bin_align(w, 8);
    for (uint32_t i = 0; i < n; i++)
        ps_bin_write(w, src->docs[i].cpc, src->docs[i].cpc_len);
}

/* Sorts (key << 32 | doc) entries by key, keeping doc order within a key:
 * entries arrive in doc order, and a stable radix sort on the key's four
 * bytes keeps it. */
static void sort_band(uint64_t *e, uint64_t *tmp, size_t n)
{
    for (int shift = 32; shift < 64; shift += 8) {
        size_t count[257] = { 0 };
        for (size_t i = 0; i < n; i++)
            count[((e[i] >> shift) & 0xFF) + 1]++;
        for (int b = 0; b < 256; b++)
            count[b + 1] += count[b];
        for (size_t i = 0; i < n; i++)
            tmp[count[(e[i] >> shift) & 0xFF]++] = e[i];
        uint64_t *t = e;
        e = tmp;
        tmp = t;
    }
    /* four passes: the result is back in the caller's e */
}

/* Signatures as they are, then each band's table, sorted on the builder's
 * threads (one band each). */
static ps_rc write_minhash(const ps_seg_source *src, out_file *f)
{
    ps_binwriter *w = &f[PS_SEG_MH].w;
    const ps_mh_params *p = &src->mh;
    uint32_t n = src->n_docs, with_text = 0;
    for (uint32_t i = 0; i < n; i++)
        with_text += src->docs[i].n_shingles > 0;
    uint32_t head[8] = { p->k, p->shingle, p->fields, p->bands, p->rows, n, with_text, 0 };
    for (int i = 0; i < 8; i++)
        ps_bin_u32(w, head[i]);
    for (uint32_t i = 0; i < n; i++)
        ps_bin_u32(w, src->docs[i].n_shingles);
    for (uint32_t i = 0; i < n; i++)
        ps_bin_write(w, src->docs[i].sig, (size_t)p->k * 4);
    int threads = src->threads > 1 ? src->threads : 1;
    uint64_t *e = malloc(((size_t)with_text * p->bands + 1) * sizeof *e);
    uint64_t *tmp = malloc(((size_t)with_text * threads + 1) * sizeof *tmp);
    uint32_t *text_docs = malloc(((size_t)with_text + 1) * sizeof *text_docs);
    if (!e || !tmp || !text_docs) {
        free(e);
        free(tmp);
        free(text_docs);
        return PS_ENOMEM;
    }
    for (uint32_t i = 0, m = 0; i < n; i++)
        if (src->docs[i].n_shingles)
            text_docs[m++] = i;
    /* every band key of a document at once: one pass over the signatures,
     * where a pass per band read each signature's cache lines 25 times */
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
    for (uint32_t j = 0; j < with_text; j++) {
        uint32_t i = text_docs[j];
        for (uint32_t b = 0; b < p->bands; b++)
            e[(size_t)b * with_text + j] = (uint64_t)ps_lsh_key_le(src->docs[i].sig, b, p->rows) << 32 | i;
    }
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1) if (threads > 1)
    for (uint32_t b = 0; b < p->bands; b++)
        sort_band(e + (size_t)b * with_text, tmp + (size_t)omp_get_thread_num() * with_text, with_text);
    uint8_t le[4096 * 8];
    size_t total = (size_t)with_text * p->bands;
    for (size_t i = 0; i < total;) {
        size_t m = 0;
        for (; i < total && m < sizeof le; i++, m += 8) {
            uint32_t key = (uint32_t)(e[i] >> 32), doc = (uint32_t)e[i];
            for (int k = 0; k < 4; k++) {
                le[m + k] = (uint8_t)(key >> (8 * k));
                le[m + 4 + k] = (uint8_t)(doc >> (8 * k));
            }
        }
        ps_bin_write(w, le, m);
    }
    free(e);
    free(tmp);
    free(text_docs);
    return PS_OK;
}

/* The document columns, stored text and signatures go on a thread of
 * their own beside the postings: they write other files and only read the
 * source. Written one after the other, a 1M-abstract build spent a tenth
 * of its time in segment writes at 1.1-1.4 CPUs of 2. */
typedef struct side_job {
    const ps_seg_source *src;
    out_file *f;
    ps_rc rc;
} side_job;

static void *side_main(void *arg)
{
    side_job *j = arg;
    write_docs(j->src, j->f);
    j->rc = write_minhash(j->src, j->f);
    return NULL;
}

ps_rc ps_seg_write(const ps_seg_source *src, const char *dir, const char *name, ps_seg_written *out,
                   char *err, size_t errlen)
{
    out_file f[PS_SEG_FILES];
    memset(f, 0, sizeof f);
    ps_rc rc = PS_OK;
    for (int k = 0; k < PS_SEG_FILES && rc == PS_OK; k++) {
        snprintf(f[k].path, sizeof f[k].path, "%s/%s%s", dir, name, ps_seg_ext[k]);
        f[k].fp = fopen(f[k].path, "wbx");
        if (!f[k].fp) {
            snprintf(err, errlen, "%s: cannot create: %s", f[k].path, strerror(errno));
            rc = PS_EIO;
        } else {
            rc = ps_binwriter_start(&f[k].w, f[k].fp, ps_seg_magic[k]);
        }
    }
    side_job side = { .src = src, .f = f, .rc = PS_OK };
    pthread_t th;
    bool side_thread = false;
    if (rc == PS_OK)
        side_thread = src->threads > 1 && pthread_create(&th, NULL, side_main, &side) == 0;
    if (rc == PS_OK) {
        rc = write_inverted(src, f);
        if (rc != PS_OK)
            snprintf(err, errlen, "%s: %s while writing postings", name, ps_strerror(rc));
    }
    if (side_thread)
        pthread_join(th, NULL);
    else if (rc == PS_OK)
        side_main(&side);
    if (rc == PS_OK && (rc = side.rc) != PS_OK)
        snprintf(err, errlen, "%s: %s while writing signatures", name, ps_strerror(rc));
    for (int k = 0; k < PS_SEG_FILES; k++) {
        if (!f[k].fp)
            continue;
        if (rc == PS_OK) {
            out->checksum[k] = ps_binwriter_checksum(&f[k].w);
            if (ps_binwriter_finish(&f[k].w) != PS_OK || fflush(f[k].fp) != 0) {
                /* the side thread's files: their errno is the writer's, not ours */
                int e = f[k].w.err ? f[k].w.err : errno ? errno : EIO;
                snprintf(err, errlen, "%s: write failed: %s", f[k].path, strerror(e));
                rc = PS_EIO;
            }
            out->bytes[k] = f[k].w.written + PS_FOOTER_BYTES;
        } else {
            ps_binwriter_abort(&f[k].w);
        }
        if (fclose(f[k].fp) != 0 && rc == PS_OK) {
            snprintf(err, errlen, "%s: write failed: %s", f[k].path, strerror(errno));
            rc = PS_EIO;
        }
    }
    if (rc != PS_OK)
        ps_seg_remove(dir, name);
    else
        out->n_docs = src->n_docs;
    return rc;
}

ps_rc ps_seg_sync(const char *dir, const char *name, char *err, size_t errlen)
{
    for (int k = 0; k < PS_SEG_FILES; k++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s%s", dir, name, ps_seg_ext[k]);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fsync(fd) != 0) {
            snprintf(err, errlen, "%s: cannot sync to disk: %s", path, strerror(errno));
            if (fd >= 0)
                close(fd);
            return PS_EIO;
        }
        close(fd);
    }
    return PS_OK;
}

struct ps_seg_sync_job {
    pthread_t th;
    char dir[4096], name[64];
    ps_rc rc;
    char err[1024];
};

static void *sync_main(void *arg)
{
    ps_seg_sync_job *j = arg;
    j->rc = ps_seg_sync(j->dir, j->name, j->err, sizeof j->err);
    return NULL;
}

ps_seg_sync_job *ps_seg_sync_start(const char *dir, const char *name)
{
    ps_seg_sync_job *j = calloc(1, sizeof *j);
    if (!j || strlen(dir) >= sizeof j->dir || strlen(name) >= sizeof j->name) {
        free(j);
        return NULL;
    }
    strcpy(j->dir, dir);
    strcpy(j->name, name);
    if (pthread_create(&j->th, NULL, sync_main, j) != 0) {
        free(j);
        return NULL;
    }
    return j;
}

ps_rc ps_seg_sync_finish(ps_seg_sync_job *j, char *err, size_t errlen)
{
    if (!j)
        return PS_OK;
    pthread_join(j->th, NULL);
    ps_rc rc = j->rc;
    if (rc != PS_OK && err)
        snprintf(err, errlen, "%s", j->err);
    free(j);
    return rc;
}
