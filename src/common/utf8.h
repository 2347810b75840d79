/* UTF-8 validity: records promise valid UTF-8, and plain-text input may not
 * be. */
#ifndef PS_COMMON_UTF8_H
#define PS_COMMON_UTF8_H

#include <stddef.h>

#include "common/buf.h"

/* Appends s[0..n) to out with every invalid sequence (bad lead byte,
 * truncated, overlong, surrogate, > U+10FFFF) replaced by U+FFFD. Returns
 * the number of replacements. O(n). */
size_t ps_utf8_repair(const char *s, size_t n, ps_buf *out);

/* Offset of the first invalid sequence in s[0..n) (as above), n when there
 * is none. */
size_t ps_utf8_invalid_at(const char *s, size_t n);

#endif
