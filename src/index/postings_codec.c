/* StreamVByte block codec with bounds-checked decoding. libstreamvbyte
 * trusts its input and its SIMD loads may run 16 bytes past the data, so
 * every length is derived from the key bytes first and short buffers are
 * copied into a padded scratch before decoding. */
#include <string.h>

#include <streamvbyte.h>
#include <streamvbytedelta.h>

#include "index/postings_codec.h"

size_t ps_block_encode(const uint32_t *docs, const uint32_t *tfs, uint32_t n, uint32_t prev,
                       uint8_t *out)
{
    uint32_t t[PS_BLOCK_SIZE];
    size_t k = streamvbyte_delta_encode(docs, n, out, prev);
    for (uint32_t i = 0; i < n; i++)
        t[i] = tfs[i] - 1;
    return k + streamvbyte_encode(t, n, out + k);
}

size_t ps_svb_length(const uint8_t *in, size_t avail, uint32_t n)
{
    size_t keys = (n + 3) / 4;
    if (avail < keys)
        return 0;
    size_t data = 0;
    for (uint32_t i = 0; i < n; i++)
        data += (size_t)((in[i / 4] >> (2 * (i % 4))) & 3) + 1;
    return keys + data;
}

static size_t decode_stream(const uint8_t *in, size_t avail, uint32_t n, uint32_t *out, int delta,
                            uint32_t prev)
{
    size_t len = ps_svb_length(in, avail, n);
    if (!len || len > avail)
        return 0;
    uint8_t scratch[PS_BLOCK_MAX_BYTES + PS_BLOCK_PAD];
    const uint8_t *src = in;
    if (avail < len + PS_BLOCK_PAD) {
        memcpy(scratch, in, len);
        memset(scratch + len, 0, PS_BLOCK_PAD);
        src = scratch;
    }
    size_t used = delta ? streamvbyte_delta_decode(src, out, n, prev) : streamvbyte_decode(src, out, n);
    return used == len ? len : 0;
}

size_t ps_block_decode(const uint8_t *in, size_t avail, uint32_t n, uint32_t prev, int first_block,
                       uint32_t *docs, uint32_t *tfs)
{
    if (n == 0 || n > PS_BLOCK_SIZE)
        return 0;
    size_t a = decode_stream(in, avail, n, docs, 1, prev);
    if (!a)
        return 0;
    size_t b = decode_stream(in + a, avail - a, n, tfs, 0, 0);
    if (!b)
        return 0;
    /* a wrapped sum shows as a non-increasing id */
    if (docs[0] < prev || (docs[0] == prev && !first_block))
        return 0;
    for (uint32_t i = 1; i < n; i++)
        if (docs[i] <= docs[i - 1])
            return 0;
    for (uint32_t i = 0; i < n; i++) {
        if (tfs[i] == UINT32_MAX)
            return 0;
        tfs[i]++;
    }
    return a + b;
}
