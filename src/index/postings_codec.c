/* Bit-packed postings blocks. Lengths come from the two header bytes and
 * n, and are checked against the available bytes before any unpacking. */
#include <string.h>

#include "index/postings_codec.h"

unsigned ps_bits_of(uint32_t v) { return v ? 32u - (unsigned)__builtin_clz(v) : 0u; }

size_t ps_bits_pack(const uint32_t *v, uint32_t n, unsigned b, uint8_t *out)
{
    uint64_t acc = 0;
    unsigned have = 0;
    size_t o = 0;
    for (uint32_t i = 0; i < n; i++) {
        acc |= (uint64_t)v[i] << have;
        have += b;
        while (have >= 8) {
            out[o++] = (uint8_t)acc;
            acc >>= 8;
            have -= 8;
        }
    }
    if (have)
        out[o++] = (uint8_t)acc;
    return o;
}

void ps_bits_unpack(const uint8_t *in, uint32_t n, unsigned b, uint32_t *v)
{
    if (b == 0) {
        memset(v, 0, n * sizeof *v);
        return;
    }
    uint64_t acc = 0, mask = b == 32 ? 0xFFFFFFFFu : (1u << b) - 1;
    unsigned have = 0;
    size_t i = 0;
    for (uint32_t k = 0; k < n; k++) {
        while (have < b) {
            acc |= (uint64_t)in[i++] << have;
            have += 8;
        }
        v[k] = (uint32_t)(acc & mask);
        acc >>= b;
        have -= b;
    }
}

size_t ps_block_encode(const uint32_t *docs, const uint32_t *tfs, uint32_t n, uint32_t prev, int first_block,
                       uint8_t *out)
{
    uint32_t g[PS_BLOCK_SIZE], t[PS_BLOCK_SIZE], og = 0, ot = 0;
    for (uint32_t i = 0; i < n; i++) {
        g[i] = i ? docs[i] - docs[i - 1] - 1 : docs[0] - prev - (first_block ? 0 : 1);
        t[i] = tfs[i] - 1;
        og |= g[i];
        ot |= t[i];
    }
    unsigned bd = ps_bits_of(og), bt = ps_bits_of(ot);
    out[0] = (uint8_t)bd;
    out[1] = (uint8_t)bt;
    size_t o = 2 + ps_bits_pack(g, n, bd, out + 2);
    return o + ps_bits_pack(t, n, bt, out + o);
}

size_t ps_block_decode(const uint8_t *in, size_t avail, uint32_t n, uint32_t prev, int first_block,
                       uint32_t *docs, uint32_t *tfs)
{
    if (n == 0 || n > PS_BLOCK_SIZE || avail < 2)
        return 0;
    unsigned bd = in[0], bt = in[1];
    if (bd > 32 || bt > 32)
        return 0;
    size_t nd = ((size_t)n * bd + 7) / 8, nt = ((size_t)n * bt + 7) / 8;
    if (avail - 2 < nd + nt)
        return 0;
    ps_bits_unpack(in + 2, n, bd, docs);
    ps_bits_unpack(in + 2 + nd, n, bt, tfs);
    uint64_t d = (uint64_t)prev + (first_block ? 0 : 1);
    for (uint32_t i = 0; i < n; i++) {
        d += docs[i];
        if (d > UINT32_MAX)
            return 0;
        docs[i] = (uint32_t)d;
        d++;
        if (tfs[i] == UINT32_MAX)
            return 0;
        tfs[i]++;
    }
    return 2 + nd + nt;
}
