/* Strict UTF-8 validation (RFC 3629) with replacement. */
#include <stdint.h>

#include "common/utf8.h"

/* Length of the valid sequence at s, or 0 if invalid. */
static size_t valid_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    uint32_t min, cp;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2, min = 0x80, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3, min = 0x800, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4, min = 0x10000, cp = c & 0x07;
    else
        return 0;
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

size_t ps_utf8_invalid_at(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = valid_len(u + i, n - i);
        if (!k)
            return i;
        i += k;
    }
    return n;
}

size_t ps_utf8_repair(const char *s, size_t n, ps_buf *out)
{
    size_t bad = 0;
    for (size_t i = 0;;) {
        size_t k = i + ps_utf8_invalid_at(s + i, n - i);
        ps_buf_append(out, s + i, k - i);
        if (k == n)
            return bad;
        ps_buf_append(out, "\xEF\xBF\xBD", 3);
        bad++;
        i = k + 1;
    }
}
