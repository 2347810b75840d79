/* Postings blocks as three patched runs; lengths are checked by the run
 * decoder before any unpacking. */
#include "index/postings_codec.h"

size_t ps_block_encode(const uint32_t *docs, const uint32_t *tfs, const uint32_t *counts, uint32_t n,
                       uint32_t prev, int first_block, uint8_t *out)
{
    uint32_t v[PS_BLOCK_SIZE] = { 0 }, mult = 255;
    for (uint32_t i = 0; i < n; i++) {
        v[i] = i ? docs[i] - docs[i - 1] - 1 : docs[0] - prev - (first_block ? 0 : 1);
        uint32_t m = tfs[i] / counts[i];
        mult = m < mult ? m : mult;
    }
    size_t o = ps_pfor_encode(v, n, out);
    for (uint32_t i = 0; i < n; i++)
        v[i] = counts[i] - 1;
    o += ps_pfor_encode(v, n, out + o);
    out[o++] = (uint8_t)mult;
    for (uint32_t i = 0; i < n; i++)
        v[i] = tfs[i] - mult * counts[i];
    return o + ps_pfor_encode(v, n, out + o);
}

size_t ps_block_decode(const uint8_t *in, size_t avail, uint32_t n, uint32_t prev, int first_block,
                       uint32_t *docs, uint32_t *tfs, uint32_t *counts)
{
    if (n == 0 || n > PS_BLOCK_SIZE)
        return 0;
    size_t o = ps_pfor_decode(in, avail, n, docs), r;
    if (!o || !(r = ps_pfor_decode(in + o, avail - o, n, counts)))
        return 0;
    o += r;
    if (o == avail)
        return 0;
    uint32_t mult = in[o++];
    if (!(r = ps_pfor_decode(in + o, avail - o, n, tfs)))
        return 0;
    o += r;
    uint64_t d = (uint64_t)prev + (first_block ? 0 : 1);
    for (uint32_t i = 0; i < n; i++) {
        d += docs[i];
        if (d > UINT32_MAX || counts[i] == UINT32_MAX)
            return 0;
        docs[i] = (uint32_t)d;
        d++;
        counts[i]++;
        uint64_t tf = (uint64_t)mult * counts[i] + tfs[i];
        if (tf == 0 || tf > UINT32_MAX)
            return 0;
        tfs[i] = (uint32_t)tf;
    }
    return o;
}
