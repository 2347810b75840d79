/* k-way merge of segment lexicons into one segment source. */
#include <stdlib.h>
#include <string.h>

#include "common/varint.h"
#include "index/positions_codec.h"
#include "index/postings_codec.h"
#include "index/seg_merge.h"

struct ps_seg_merger {
    const ps_segment *segs;
    uint32_t n;
    uint32_t **remap;       /* per segment: new doc id, UINT32_MAX when deleted */
    uint64_t *head;         /* per segment: next lexicon entry */
    ps_seg_doc *docs;
    uint32_t n_docs;
    ps_term_entry entry;    /* the term being handed out */
    uint32_t *posbuf;       /* one document's positions */
    uint32_t poscap;
    const void **dicts;     /* every source segment's dictionaries, each ID once */
    size_t *dict_len;
    uint32_t n_dicts;
};

static int32_t raw_i32(const uint8_t *col, uint32_t i) { return (int32_t)ps_le32(col + 4 * (size_t)i); }

ps_rc ps_seg_merger_create(const ps_segment *segs, uint32_t n, ps_seg_merger **out)
{
    ps_seg_merger *m = calloc(1, sizeof *m);
    *out = m;
    if (!m)
        return PS_ENOMEM;
    m->segs = segs;
    m->n = n;
    m->remap = calloc(n ? n : 1, sizeof *m->remap);
    m->head = calloc(n ? n : 1, sizeof *m->head);
    uint64_t live = 0;
    for (uint32_t s = 0; s < n; s++)
        live += segs[s].n_docs - segs[s].n_deleted;
    if (live > UINT32_MAX - 1)
        return PS_EUSAGE;
    m->docs = malloc((live ? live : 1) * sizeof *m->docs);
    if (!m->remap || !m->head || !m->docs)
        return PS_ENOMEM;
    /* stored frames are copied as they are, so every dictionary they name
     * comes along */
    uint32_t total_dicts = 0;
    for (uint32_t s = 0; s < n; s++)
        total_dicts += segs[s].n_dicts;
    m->dicts = calloc(total_dicts ? total_dicts : 1, sizeof *m->dicts);
    m->dict_len = calloc(total_dicts ? total_dicts : 1, sizeof *m->dict_len);
    uint32_t *ids = calloc(total_dicts ? total_dicts : 1, sizeof *ids);
    if (!m->dicts || !m->dict_len || !ids) {
        free(ids);
        return PS_ENOMEM;
    }
    for (uint32_t s = 0; s < n; s++)
        for (uint32_t k = 0; k < segs[s].n_dicts; k++) {
            bool seen = false;
            for (uint32_t j = 0; j < m->n_dicts && !seen; j++)
                seen = ids[j] == segs[s].dict_id[k];
            if (seen)
                continue;
            ids[m->n_dicts] = segs[s].dict_id[k];
            m->dicts[m->n_dicts] = segs[s].dict[k];
            m->dict_len[m->n_dicts++] = segs[s].dict_len[k];
        }
    free(ids);
    for (uint32_t s = 0; s < n; s++) {
        const ps_segment *g = &segs[s];
        if (!(m->remap[s] = malloc((g->n_docs ? g->n_docs : 1) * sizeof **m->remap)))
            return PS_ENOMEM;
        for (uint32_t d = 0; d < g->n_docs; d++) {
            if (!ps_segment_live(g, d)) {
                m->remap[s][d] = UINT32_MAX;
                continue;
            }
            ps_seg_doc *o = &m->docs[m->n_docs];
            m->remap[s][d] = m->n_docs++;
            o->id = ps_segment_doc_id(g, d);
            o->pub = raw_i32(g->pub, d);
            o->filing = raw_i32(g->filing, d);
            o->priority = raw_i32(g->priority, d);
            for (int f = 0; f < PS_FIELD_COUNT; f++)
                o->len[f] = ps_segment_doc_len(g, d, f);
            o->wlen = ps_segment_doc_wlen(g, d);
            o->n_claims = ps_le16(g->n_claims + 2 * (size_t)d);
            o->n_indep = ps_le16(g->n_indep + 2 * (size_t)d);
            o->entity = g->entity[d];
            o->fast_track = (int8_t)g->fast_track[d];
            memcpy(o->kind, g->kind + 4 * (size_t)d, 4);
            uint64_t ca = ps_le64(g->cpc_off + 8 * (size_t)d), cb = ps_le64(g->cpc_off + 8 * (size_t)d + 8);
            o->cpc = (const char *)g->cpc_pool + ca;
            o->cpc_len = cb - ca;
            uint64_t sa = ps_le64(g->store_off + 8 * (size_t)d), sb = ps_le64(g->store_off + 8 * (size_t)d + 8);
            o->stored = g->frames + sa;
            o->stored_len = sb - sa;
            o->sig = ps_segment_sig(g, d);
            o->n_shingles = ps_segment_shingles(g, d);
        }
    }
    return PS_OK;
}

/* Appends segment s's postings of lexicon entry t, live documents only. */
static int append_term(ps_seg_merger *m, uint32_t s, uint64_t t)
{
    ps_term_entry *e = &m->entry;
    ps_seg_postings it;
    if (ps_seg_postings_init(&m->segs[s], t, &it) != PS_OK)
        return -1;
    uint32_t docs[PS_BLOCK_SIZE], tfs[PS_BLOCK_SIZE], counts[PS_BLOCK_SIZE], mw, ml, po;
    ps_pos_cursor pc;
    int n;
    while ((n = ps_seg_postings_next(&it, docs, tfs, counts, &mw, &ml, &po)) > 0) {
        if (po > (size_t)(it.pos_end - it.pos) || ps_pos_block_start(&pc, it.pos + po, it.pos_end, (uint32_t)n, counts))
            return -1;
        for (int i = 0; i < n; i++) {
            /* the block's counts are known before its positions are read */
            if (pc.counts[i] > m->poscap) {
                uint32_t *b = realloc(m->posbuf, pc.counts[i] * sizeof *b);
                if (!b)
                    return -1;
                m->posbuf = b;
                m->poscap = pc.counts[i];
            }
            uint32_t cnt;
            if (ps_pos_next_doc(&pc, m->posbuf, m->poscap, &cnt))
                return -1;
            if (docs[i] >= m->segs[s].n_docs)
                return -1;
            uint32_t nd = m->remap[s][docs[i]];
            if (nd == UINT32_MAX)
                continue;
            ps_varint_put(&e->post, e->df ? nd - e->last_doc : nd);
            ps_varint_put(&e->post, tfs[i]);
            ps_varint_put(&e->pos, cnt);
            for (uint32_t k = 0; k < cnt; k++)
                ps_varint_put(&e->pos, k ? m->posbuf[k] - m->posbuf[k - 1] : m->posbuf[k]);
            e->df++;
            e->last_doc = nd;
        }
    }
    return n < 0 || e->post.oom || e->pos.oom ? -1 : 0;
}

/* True when segment s's next lexicon entry is term. */
static bool head_is(const ps_seg_merger *m, uint32_t s, const char *term, uint32_t len)
{
    if (m->head[s] == m->segs[s].n_terms)
        return false;
    const char *t;
    uint32_t tl, df;
    ps_segment_term(&m->segs[s], m->head[s], &t, &tl, &df);
    return ps_term_cmp(t, tl, term, len) == 0;
}

static int next_term(void *ctx, const ps_term_entry **out)
{
    ps_seg_merger *m = ctx;
    for (;;) {
        const char *best = NULL;
        uint32_t best_len = 0, df;
        for (uint32_t s = 0; s < m->n; s++) {
            if (m->head[s] == m->segs[s].n_terms)
                continue;
            const char *t;
            uint32_t len;
            ps_segment_term(&m->segs[s], m->head[s], &t, &len, &df);
            if (!best || ps_term_cmp(t, len, best, best_len) < 0) {
                best = t;
                best_len = len;
            }
        }
        if (!best)
            return 0;
        ps_term_entry *e = &m->entry;
        ps_buf_reset(&e->post);
        ps_buf_reset(&e->pos);
        e->term = best;
        e->len = best_len;
        e->df = 0;
        e->last_doc = 0;
        for (uint32_t s = 0; s < m->n; s++) {
            if (!head_is(m, s, best, best_len))
                continue;
            if (append_term(m, s, m->head[s]) != 0)
                return -1;
            m->head[s]++;
        }
        if (e->df) { /* a term found only in deleted documents disappears */
            *out = e;
            return 1;
        }
    }
}

void ps_seg_merger_source(ps_seg_merger *m, ps_seg_source *src)
{
    *src = (ps_seg_source){ .next_term = next_term, .ctx = m, .docs = m->docs, .n_docs = m->n_docs,
                            .dicts = m->dicts, .dict_len = m->dict_len, .n_dicts = m->n_dicts,
                            .mh = m->n ? m->segs[0].mh : (ps_mh_params){ 0 } };
}

void ps_seg_merger_free(ps_seg_merger *m)
{
    if (!m)
        return;
    for (uint32_t s = 0; m->remap && s < m->n; s++)
        free(m->remap[s]);
    free(m->remap);
    free(m->head);
    free(m->docs);
    ps_buf_free(&m->entry.post);
    ps_buf_free(&m->entry.pos);
    free(m->posbuf);
    free(m->dicts);
    free(m->dict_len);
    free(m);
}
