/* Bit packing and patched runs; every length is checked before unpacking. */
#include <string.h>

#include "index/bitpack.h"

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

/* The width that makes the run smallest: each step down from the widest
 * value saves n/8 bytes and costs 2 bytes per value that no longer fits. */
static unsigned best_width(const uint32_t *v, uint32_t n, unsigned *exceptions)
{
    uint32_t hist[33] = { 0 };
    unsigned top = 0;
    for (uint32_t i = 0; i < n; i++) {
        unsigned b = ps_bits_of(v[i]);
        hist[b]++;
        top = b > top ? b : top;
    }
    unsigned best = top, best_e = 0, e = 0;
    size_t best_cost = ((size_t)n * top + 7) / 8;
    for (unsigned b = top; b-- > 0 && top - b <= 8;) {
        e += hist[b + 1];
        if (e > PS_PFOR_MAX_EXCEPTIONS)
            break;
        size_t cost = ((size_t)n * b + 7) / 8 + 2 * (size_t)e;
        if (cost < best_cost) {
            best_cost = cost;
            best = b;
            best_e = e;
        }
    }
    *exceptions = best_e;
    return best;
}

size_t ps_pfor_encode(const uint32_t *v, uint32_t n, uint8_t *out)
{
    unsigned e, b = best_width(v, n, &e);
    out[0] = (uint8_t)(b + 33 * e);
    if (e == 0)
        return 1 + ps_bits_pack(v, n, b, out + 1);
    uint32_t low[255], mask = b == 32 ? UINT32_MAX : (1u << b) - 1;
    for (uint32_t i = 0; i < n; i++)
        low[i] = v[i] & mask;
    size_t o = 1 + ps_bits_pack(low, n, b, out + 1);
    for (uint32_t i = 0; i < n; i++) {
        if (v[i] > mask) {
            out[o++] = (uint8_t)i;
            out[o++] = (uint8_t)(v[i] >> b);
        }
    }
    return o;
}

size_t ps_pfor_decode(const uint8_t *in, size_t avail, uint32_t n, uint32_t *v)
{
    if (avail < 1 || n == 0 || n > 255 || in[0] >= 33 * (PS_PFOR_MAX_EXCEPTIONS + 1))
        return 0;
    unsigned b = in[0] % 33u, e = in[0] / 33u;
    size_t bytes = ((size_t)n * b + 7) / 8;
    if (avail - 1 < bytes + 2 * (size_t)e)
        return 0;
    ps_bits_unpack(in + 1, n, b, v);
    const uint8_t *x = in + 1 + bytes;
    for (unsigned k = 0; k < e; k++, x += 2) {
        uint64_t hi = (uint64_t)x[1] << b;
        if (x[0] >= n || hi > UINT32_MAX)
            return 0;
        v[x[0]] |= (uint32_t)hi;
    }
    return 1 + bytes + 2 * (size_t)e;
}
