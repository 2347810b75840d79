/* Fuzz target: the analysis pipeline (src/analyze/: UTF-8 scan, NFKC and
 * case folding, CJK bigrams, stop words, Snowball stemming).
 *
 * data[0] picks the options and the mode, the rest is the text:
 *   bit 0 no_stem, bit 1 keep_accents, bit 2 no_cjk_bigrams,
 *   bit 3 no_english_stop, bit 4 no_patent_stop, bits 5-6 the field,
 *   bit 7 stop after the third token (the callback returns non-zero).
 * The text is analysed twice (second time from another start position):
 * both token streams must agree, so no state leaks between calls. Every
 * token's hash must be XXH3 of its term (the second pass hits the stem
 * cache, where the hash is cached too). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <xxhash.h>

#include "fuzz_util.h"
#include "patsift/analyze.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct run {
    size_t size;             /* text length */
    ps_field field;
    bool no_stem, english_stop, patent_stop;
    uint32_t first_pos;      /* position passed in */
    bool have_last;
    uint32_t last_pos;
    uint64_t count;          /* tokens seen */
    uint64_t stop_after;     /* 0 = never stop */
    uint64_t hash;           /* of every token, relative to first_pos */
} run;

static bool in_list(const char *const *list, const char *t, size_t n)
{
    for (; *list; list++)
        if (strlen(*list) == n && memcmp(*list, t, n) == 0)
            return true;
    return false;
}

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

/* Characters in a valid UTF-8 string, not counting combining marks (a
 * kana with a voiced sound mark, U+3099/U+309A, is one character). */
static size_t n_chars(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t c = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp = s[i];
        size_t k = cp < 0x80 ? 1 : cp < 0xE0 ? 2 : cp < 0xF0 ? 3 : 4;
        if (k > 1)
            cp &= 0x3Fu >> (k - 1);
        for (size_t j = 1; j < k && i + j < n; j++)
            cp = cp << 6 | (s[i + j] & 0x3F);
        bool mark = (cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x1AB0 && cp <= 0x1AFF) ||
                    (cp >= 0x1DC0 && cp <= 0x1DFF) || (cp >= 0x20D0 && cp <= 0x20FF) ||
                    (cp >= 0x302A && cp <= 0x302F) || cp == 0x3099 || cp == 0x309A ||
                    (cp >= 0xFE20 && cp <= 0xFE2F);
        c += !mark;
        i += k;
    }
    return c;
}

static int on_token(const ps_token *tok, void *ctx)
{
    run *r = ctx;
    if (r->stop_after && r->count >= r->stop_after)
        fz_fail("callback called again after it asked to stop");
    if (!tok || !tok->term)
        fz_fail("token or term is NULL");
    const char *t = tok->term;
    size_t n = tok->len;
    if (n == 0)
        fz_fail("empty term at position %u", tok->position);
    if (n > PS_MAX_TOKEN_BYTES * 4)
        fz_fail("term of %zu bytes (limit %d): \"%.80s\"", n, PS_MAX_TOKEN_BYTES * 4, t);
    if (t[n] != '\0')
        fz_fail("term not NUL-terminated at len %zu: \"%.80s\"", n, t);
    if (memchr(t, '\0', n))
        fz_fail("term holds a NUL byte before len %zu", n);
    if (!fz_utf8_valid(t, n))
        fz_fail("term is not valid UTF-8: \"%.80s\"", t);
    if (tok->hash != XXH3_64bits(t, n))
        fz_fail("token hash is not XXH3 of the term \"%.80s\"", t);
    /* Terms are split at everything but letters, digits and marks, so the
     * only ASCII a term may hold is [a-z0-9] and a '.' or ',' joining two
     * digits. Anything else (space, '(', '/', ...) means normalisation
     * produced a separator inside a term. */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)t[i];
        if (c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            continue;
        if (c >= 'A' && c <= 'Z')
            fz_fail("term not case folded: \"%.80s\"", t);
        if (c == '.' || c == ',') {
            if (i == 0 || i + 1 == n || t[i + 1] == '.' || t[i + 1] == ',')
                fz_fail("'%c' at the edge of term \"%.80s\"", c, t);
            continue;
        }
        fz_fail("term holds the separator byte 0x%02x: \"%.80s\"", c, t);
    }
    if (tok->start >= tok->end || tok->end > r->size)
        fz_fail("bad source range [%u, %u) for text of %zu bytes", tok->start, tok->end, r->size);
    if (tok->end - tok->start > PS_MAX_TOKEN_BYTES * 4)
        fz_fail("source range [%u, %u) longer than any token may be", tok->start, tok->end);
    if (tok->position < r->first_pos)
        fz_fail("position %u before the start position %u", tok->position, r->first_pos);
    if (r->have_last && tok->position <= r->last_pos)
        fz_fail("positions not strictly increasing: %u after %u", tok->position, r->last_pos);
    if (tok->field != r->field)
        fz_fail("token field %d, analysed as %d", (int)tok->field, (int)r->field);
    switch (tok->kind) {
    case PS_TOKEN_NUMBER:
        for (size_t i = 0; i < n; i++)
            if (!(t[i] >= '0' && t[i] <= '9') && t[i] != '.')
                fz_fail("NUMBER token \"%.80s\" holds more than digits and dots", t);
        break;
    case PS_TOKEN_WORD:
        if (r->no_stem && r->english_stop && in_list(ps_stopwords_english(), t, n))
            fz_fail("English stop word \"%s\" was emitted", t);
        if (r->no_stem && r->patent_stop && in_list(ps_stopwords_patent(), t, n))
            fz_fail("patent stop word \"%s\" was emitted", t);
        break;
    case PS_TOKEN_CJK:
        if (n_chars(t, n) > 2)
            fz_fail("CJK token \"%s\" holds more than two characters", t);
        break;
    default:
        fz_fail("token kind %d out of range", (int)tok->kind);
    }
    r->have_last = true;
    r->last_pos = tok->position;
    r->count++;
    uint32_t rel = tok->position - r->first_pos;
    r->hash = mix(r->hash, t, n + 1);
    r->hash = mix(r->hash, &rel, sizeof rel);
    r->hash = mix(r->hash, &tok->start, sizeof tok->start);
    r->hash = mix(r->hash, &tok->end, sizeof tok->end);
    r->hash = mix(r->hash, &tok->kind, sizeof tok->kind);
    return r->stop_after && r->count >= r->stop_after;
}

static void analyze_once(ps_analyzer *a, const char *text, size_t len, run *r)
{
    ps_analyzer_stats before, after;
    ps_analyzer_stats_get(a, &before);
    uint32_t pos = r->first_pos;
    ps_rc rc = ps_analyze(a, r->field, text, len, &pos, on_token, r);
    ps_analyzer_stats_get(a, &after);
    bool stopped = r->stop_after && r->count >= r->stop_after;
    if (rc != (stopped ? PS_END : PS_OK))
        fz_fail("ps_analyze returned %s (stopped early: %d)", ps_strerror(rc), (int)stopped);
    if (r->have_last && pos <= r->last_pos)
        fz_fail("*position %u not advanced past the last token %u", pos, r->last_pos);
    if (pos < r->first_pos)
        fz_fail("*position went backwards: %u < %u", pos, r->first_pos);
    if (after.tokens - before.tokens != r->count)
        fz_fail("stats.tokens grew by %llu, callback saw %llu",
                (unsigned long long)(after.tokens - before.tokens), (unsigned long long)r->count);
    if (after.bytes - before.bytes != len)
        fz_fail("stats.bytes grew by %llu for %zu bytes", (unsigned long long)(after.bytes - before.bytes),
                len);
    if (after.invalid_utf8 - before.invalid_utf8 > len)
        fz_fail("more invalid UTF-8 sequences than bytes");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* one analyzer per option set, kept for the life of the process */
    static ps_analyzer *cache[32];
    if (size == 0)
        return 0;
    unsigned flags = data[0];
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    ps_analyzer_opts o = {
        .no_stem = flags & 1, .keep_accents = flags & 2, .no_cjk_bigrams = flags & 4,
        .no_english_stop = flags & 8, .no_patent_stop = flags & 16,
    };
    ps_analyzer **slot = &cache[flags & 31];
    if (!*slot && ps_analyzer_create(&o, slot) != PS_OK)
        fz_fail("ps_analyzer_create failed for flags 0x%02x", flags);
    run r1 = {
        .size = len, .field = (ps_field)((flags >> 5) & 3), .no_stem = o.no_stem,
        .english_stop = !o.no_english_stop, .patent_stop = !o.no_patent_stop,
        .stop_after = flags & 128 ? 3 : 0, .hash = 14695981039346656037ull,
    };
    run r2 = r1;
    r2.first_pos = 1000003;
    analyze_once(*slot, text, len, &r1);
    analyze_once(*slot, text, len, &r2);
    if (r1.count != r2.count || r1.hash != r2.hash)
        fz_fail("analysing the same text twice gave different tokens (%llu vs %llu tokens)",
                (unsigned long long)r1.count, (unsigned long long)r2.count);
    return 0;
}
