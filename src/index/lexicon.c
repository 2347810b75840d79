/* Block-packed lexicon; every field is checked once at open, so lookups
 * afterwards need no bounds checks. */
#include <string.h>

#include "index/binfile.h"
#include "index/lexicon.h"

enum { MAX_WIDTH = 57, PACK_PAD = 8 }; /* any field is one 8-byte load at any bit offset */

static unsigned bits64(uint64_t v) { return v ? 64u - (unsigned)__builtin_clzll(v) : 0u; }

/* Writes the filled part of the block: its header and packed entries. */
static void flush_block(ps_lex_writer *w, uint32_t n)
{
    const uint64_t *col[4] = { w->end, w->df, w->post, w->pos };
    unsigned wd[4] = { 0 };
    for (int c = 0; c < 4; c++) {
        for (uint32_t j = 0; j < n; j++)
            wd[c] = bits64(col[c][j]) > wd[c] ? bits64(col[c][j]) : wd[c];
        w->too_wide |= wd[c] > MAX_WIDTH;
    }
    ps_buf_put_le(&w->headers, w->block_term_off, 8);
    ps_buf_put_le(&w->headers, w->block_post_off, 8);
    ps_buf_put_le(&w->headers, w->block_pos_off, 8);
    ps_buf_put_le(&w->headers, w->packed.len, 4);
    w->too_wide |= w->packed.len > UINT32_MAX;
    for (int c = 0; c < 4; c++)
        ps_buf_put_le(&w->headers, wd[c], 1);
    size_t bytes = ((size_t)n * (wd[0] + wd[1] + wd[2] + wd[3]) + 7) / 8;
    uint8_t *dst = (uint8_t *)ps_buf_reserve(&w->packed, bytes);
    if (!dst)
        return;
    memset(dst, 0, bytes);
    uint64_t at = 0;
    for (uint32_t j = 0; j < n; j++)
        for (int c = 0; c < 4; c++)
            for (unsigned k = 0; k < wd[c]; k++, at++)
                dst[at / 8] |= (uint8_t)(((col[c][j] >> k) & 1) << (at % 8));
    w->packed.len += bytes;
}

void ps_lex_add(ps_lex_writer *w, const char *term, uint32_t len, uint32_t df, uint64_t post_off,
                uint64_t pos_off)
{
    uint32_t j = (uint32_t)(w->n % PS_LEX_BLOCK);
    if (j == 0) {
        w->block_term_off = w->pool.len;
        w->block_post_off = post_off;
        w->block_pos_off = pos_off;
    }
    ps_buf_append(&w->pool, term, len);
    w->end[j] = w->pool.len - w->block_term_off;
    w->df[j] = df;
    w->post[j] = post_off - w->block_post_off;
    w->pos[j] = pos_off - w->block_pos_off;
    w->n++;
    if (j + 1 == PS_LEX_BLOCK)
        flush_block(w, PS_LEX_BLOCK);
}

ps_rc ps_lex_finish(ps_lex_writer *w, ps_buf *out)
{
    if (w->n % PS_LEX_BLOCK)
        flush_block(w, (uint32_t)(w->n % PS_LEX_BLOCK));
    static const char pad[PACK_PAD];
    ps_buf_append(&w->packed, pad, sizeof pad);
    ps_buf_put_le(out, w->n, 8);
    ps_buf_put_le(out, w->pool.len, 8);
    ps_buf_put_le(out, w->packed.len, 8);
    ps_buf_append(out, w->headers.data, w->headers.len);
    ps_buf_append(out, w->packed.data, w->packed.len);
    ps_buf_append(out, w->pool.data, w->pool.len);
    ps_rc rc = w->pool.oom || w->headers.oom || w->packed.oom || out->oom ? PS_ENOMEM
               : w->too_wide                                              ? PS_EUNSUPPORTED
                                                                          : PS_OK;
    ps_lex_writer_free(w);
    return rc;
}

void ps_lex_writer_free(ps_lex_writer *w)
{
    ps_buf_free(&w->pool);
    ps_buf_free(&w->headers);
    ps_buf_free(&w->packed);
    memset(w, 0, sizeof *w);
}

/* ---- reading ---- */

/* The width-bit field at bit `at` of p (width <= 57; 8 bytes readable). */
static inline uint64_t field(const uint8_t *p, uint64_t at, unsigned width)
{
    uint64_t v = ps_le64(p + at / 8);
    return width ? (v >> (at % 8)) & ((UINT64_C(1) << width) - 1) : 0;
}

typedef struct block_view {
    uint64_t term_off, post_off, pos_off;
    const uint8_t *packed;
    unsigned w[4], total;
} block_view;

static void block_at(const ps_lexicon *lx, uint64_t b, block_view *v)
{
    const uint8_t *h = lx->headers + b * PS_LEX_HEADER_BYTES;
    v->term_off = ps_le64(h);
    v->post_off = ps_le64(h + 8);
    v->pos_off = ps_le64(h + 16);
    v->packed = lx->packed + ps_le32(h + 24);
    v->total = 0;
    for (int c = 0; c < 4; c++)
        v->total += v->w[c] = h[28 + c];
}

/* Entry j of the block: end, df, post, pos (relative values). */
static void raw_entry(const block_view *v, uint32_t j, uint64_t out[4])
{
    uint64_t at = (uint64_t)j * v->total;
    for (int c = 0; c < 4; c++) {
        out[c] = field(v->packed, at, v->w[c]);
        at += v->w[c];
    }
}

void ps_lex_get(const ps_lexicon *lx, uint64_t i, ps_lex_entry *e)
{
    block_view v;
    block_at(lx, i / PS_LEX_BLOCK, &v);
    uint32_t j = (uint32_t)(i % PS_LEX_BLOCK);
    uint64_t f[4], start = 0;
    raw_entry(&v, j, f);
    if (j) {
        uint64_t g[4];
        raw_entry(&v, j - 1, g);
        start = g[0];
    }
    e->term = (const char *)lx->pool + v.term_off + start;
    e->len = (uint32_t)(f[0] - start);
    e->df = (uint32_t)f[1];
    e->post_off = v.post_off + f[2];
    e->pos_off = v.pos_off + f[3];
}

ps_rc ps_lex_open(ps_lexicon *lx, const uint8_t *payload, uint64_t size, uint32_t n_docs, uint64_t pst_size,
                  uint64_t pos_size)
{
    memset(lx, 0, sizeof *lx);
    if (size < 24)
        return PS_ECORRUPT;
    uint64_t n = ps_le64(payload), pool = ps_le64(payload + 8), packed = ps_le64(payload + 16);
    uint64_t blocks = n / PS_LEX_BLOCK + (n % PS_LEX_BLOCK != 0);
    uint64_t room = size - 24;
    if (blocks > room / PS_LEX_HEADER_BYTES || packed < PACK_PAD || packed > room - blocks * PS_LEX_HEADER_BYTES ||
        pool != room - blocks * PS_LEX_HEADER_BYTES - packed)
        return PS_ECORRUPT;
    lx->n_terms = n;
    lx->headers = payload + 24;
    lx->packed = lx->headers + blocks * PS_LEX_HEADER_BYTES;
    lx->packed_size = packed;
    lx->pool = lx->packed + packed;
    lx->pool_size = pool;
    /* every entry once: widths, positions in the packed area, terms in the
     * pool, df, offsets ascending and in their files */
    uint64_t prev_end = 0, prev_post = 0, prev_pos = 0;
    for (uint64_t b = 0; b < blocks; b++) {
        block_view v;
        block_at(lx, b, &v);
        uint32_t cnt = b + 1 < blocks || n % PS_LEX_BLOCK == 0 ? PS_LEX_BLOCK : (uint32_t)(n % PS_LEX_BLOCK);
        uint64_t off = (uint64_t)(v.packed - lx->packed);
        if (v.w[0] > MAX_WIDTH || v.w[1] > 32 || v.w[2] > MAX_WIDTH || v.w[3] > MAX_WIDTH ||
            off > packed - PACK_PAD || ((uint64_t)cnt * v.total + 7) / 8 > packed - PACK_PAD - off ||
            v.term_off != prev_end || v.post_off > pst_size || v.pos_off > pos_size)
            return PS_ECORRUPT;
        for (uint32_t j = 0; j < cnt; j++) {
            uint64_t f[4];
            raw_entry(&v, j, f);
            uint64_t end = v.term_off + f[0], post = v.post_off + f[2], posi = v.pos_off + f[3];
            if (end < prev_end || end > pool || end - prev_end > UINT32_MAX || f[1] == 0 || f[1] > n_docs ||
                post < prev_post || post > pst_size ||
                posi < prev_pos || posi > pos_size)
                return PS_ECORRUPT;
            prev_end = end;
            prev_post = post;
            prev_pos = posi;
        }
    }
    return prev_end == pool ? PS_OK : PS_ECORRUPT;
}
