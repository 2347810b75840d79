/* Positions as patched runs, with bounds checks before every unpack. */

#include "index/positions_codec.h"

static void put_run(const uint32_t *v, uint32_t n, ps_buf *out)
{
    char *dst = ps_buf_reserve(out, PS_PFOR_MAX_BYTES(n));
    if (dst)
        out->len += ps_pfor_encode(v, n, (uint8_t *)dst);
}

void ps_pos_block_encode(const uint32_t *counts, uint32_t n, const uint32_t *pos, ps_buf *out)
{
    uint32_t gaps[PS_BLOCK_SIZE], g = 0;
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t k = 0; k < counts[i]; k++, pos++) {
            gaps[g++] = k ? pos[0] - pos[-1] - 1 : pos[0];
            if (g == PS_BLOCK_SIZE) {
                put_run(gaps, g, out);
                g = 0;
            }
        }
    }
    if (g)
        put_run(gaps, g, out);
}

int ps_pos_block_start(ps_pos_cursor *c, const uint8_t *p, const uint8_t *end, uint32_t n,
                       const uint32_t *counts)
{
    c->p = p;
    c->end = end;
    c->n = n;
    c->doc = 0;
    c->chunk_n = c->chunk_i = 0;
    if (n == 0 || n > PS_BLOCK_SIZE)
        return -1;
    c->left = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (counts[i] == 0 || counts[i] >= PS_MAX_POSITIONS)
            return -1; /* also keeps a forged count from spinning for minutes */
        c->counts[i] = counts[i];
        c->left += counts[i];
    }
    return 0;
}

int ps_pos_next_doc(ps_pos_cursor *c, uint32_t *out, uint32_t cap, uint32_t *count)
{
    if (c->doc == c->n)
        return -1;
    uint32_t cnt = c->counts[c->doc++];
    uint64_t p = 0;
    for (uint32_t k = 0; k < cnt; k++) {
        if (c->chunk_i == c->chunk_n) {
            uint32_t m = c->left < PS_BLOCK_SIZE ? (uint32_t)c->left : PS_BLOCK_SIZE;
            size_t used = m ? ps_pfor_decode(c->p, (size_t)(c->end - c->p), m, c->chunk) : 0;
            if (!used)
                return -1;
            c->p += used;
            c->left -= m;
            c->chunk_n = m;
            c->chunk_i = 0;
        }
        uint32_t gap = c->chunk[c->chunk_i++];
        p = k ? p + gap + 1 : gap;
        if (p > UINT32_MAX)
            return -1;
        if (k < cap)
            out[k] = (uint32_t)p;
    }
    *count = cnt;
    return 0;
}
