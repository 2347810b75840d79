/* The analysis pipeline: scan -> normalise -> CJK bigrams -> stop -> stem.
 *
 * The scanner walks the UTF-8 once. A word is a run of letters, digits,
 * marks and ignorable format characters, where an apostrophe may join two
 * letters ("device's") and '.' or ',' may join two digits ("3.5", "1,000").
 * Pure ASCII words take a fast path (lowercase in place); others go through
 * utf8proc (NFKC + case fold, + accent stripping for Latin script). */
#include <stdlib.h>
#include <string.h>

#include <libstemmer.h>
#include <utf8proc.h>
/* inlined: a call into libxxhash per word or shingle cost more than the
 * hashing of such short keys */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "analyze/charclass.h"
#include "analyze/stopwords.h"
#include "patsift/analyze.h"

/* A raw token may be far longer than a term (the limit applies after
 * normalisation), so the scratch is sized for the worst NFKC growth of a
 * raw token we are willing to look at; longer raw tokens are dropped. */
enum { RAW_MAX = PS_MAX_TOKEN_BYTES * 4, TERM_CAP = RAW_MAX * 18 + 8 };

/* Stemming is two thirds of the analysis time, and patent text repeats its
 * words (Zipf), so each analyzer keeps a direct-mapped cache of recent
 * word -> stop-word verdict, stem and the stem's hash (every consumer of
 * tokens hashes the term), one hash per word for all. Words longer than
 * STEM_KEY bytes skip the cache. 32768 slots of one cache line each (2 MB)
 * hold a patent vocabulary's common words: with 8192, index builds of
 * generated abstracts spent 6% of their time in the stemmer. */
enum { STEM_SLOTS = 32768, STEM_KEY = 23 };

typedef struct stem_slot {
    uint64_t stem_hash;           /* XXH3_64bits of the stem */
    uint8_t word_len, stem_len;   /* word_len 0: empty slot */
    bool stop;
    char word[STEM_KEY];
    char stem[STEM_KEY + 1];
} stem_slot;
_Static_assert(sizeof(stem_slot) == 64, "a stem slot fills one cache line");

/* The stem-cache slot of a word is a cache miss nearly every time (2 MB of
 * slots, 43% of ps_analyze's time in one load): plain ASCII words are
 * scanned, lower-cased and hashed up to LOOKAHEAD words ahead and their
 * slots prefetched, then stemmed and emitted in order. */
enum { LOOKAHEAD = 16 };

/* A word as scan_word found it. */
typedef struct scan {
    size_t end;
    bool ascii;     /* every byte < 0x80 */
    bool latin;     /* every code point Latin script (accents may be folded) */
    bool digit;     /* has a digit */
    bool letter;    /* has a letter */
    bool joined;    /* has an apostrophe or a '.' or ',' inside */
} scan;

typedef struct queued_word {
    size_t start;
    scan sc;
    bool ready;                   /* term and hash below are set */
    uint8_t len;
    uint64_t word_hash;           /* XXH3_64bits of term: picks the slot */
    char term[STEM_KEY + 1];
} queued_word;

struct ps_analyzer {
    struct sb_stemmer *stemmer;   /* NULL when stemming is off */
    stem_slot *stem_cache;
    queued_word queue[LOOKAHEAD];
    int queued;
    ps_stopset *stops;
    bool fold_accents;
    bool cjk_bigrams;
    utf8proc_int32_t cps[TERM_CAP];
    char term[TERM_CAP * 4 + 1];
    ps_analyzer_stats st;
};

static const char *const field_names[PS_FIELD_COUNT] = { "title", "abstract", "claims", "description" };

const char *ps_field_name(ps_field f)
{
    return (unsigned)f < PS_FIELD_COUNT ? field_names[f] : "?";
}

ps_rc ps_field_parse(const char *name, ps_field *out)
{
    for (int f = 0; f < PS_FIELD_COUNT; f++) {
        if (strcmp(name, field_names[f]) == 0) {
            *out = (ps_field)f;
            return PS_OK;
        }
    }
    return PS_EPARSE;
}

const char **ps_stem_languages(void)
{
    return sb_stemmer_list();
}

ps_rc ps_analyzer_create(const ps_analyzer_opts *opts, ps_analyzer **out)
{
    static const ps_analyzer_opts defaults = { 0 };
    if (!opts)
        opts = &defaults;
    *out = NULL;
    ps_analyzer *a = calloc(1, sizeof *a);
    if (!a)
        return PS_ENOMEM;
    if (!opts->no_stem) {
        a->stemmer = sb_stemmer_new(opts->language ? opts->language : "english", "UTF_8");
        if (!a->stemmer) {
            free(a);
            return PS_EUNSUPPORTED;
        }
    }
    a->stops = ps_stopset_create(!opts->no_english_stop, !opts->no_patent_stop);
    if (a->stemmer)
        if ((a->stem_cache = aligned_alloc(64, STEM_SLOTS * sizeof *a->stem_cache)))
            memset(a->stem_cache, 0, STEM_SLOTS * sizeof *a->stem_cache);
    if (!a->stops || (a->stemmer && !a->stem_cache)) {
        ps_analyzer_free(a);
        return PS_ENOMEM;
    }
    a->fold_accents = !opts->keep_accents;
    a->cjk_bigrams = !opts->no_cjk_bigrams;
    *out = a;
    return PS_OK;
}

void ps_analyzer_free(ps_analyzer *a)
{
    if (!a)
        return;
    if (a->stemmer)
        sb_stemmer_delete(a->stemmer);
    free(a->stem_cache);
    ps_stopset_free(a->stops);
    free(a);
}

void ps_analyzer_stats_get(const ps_analyzer *a, ps_analyzer_stats *out) { *out = a->st; }
void ps_analyzer_stats_reset(ps_analyzer *a) { memset(&a->st, 0, sizeof a->st); }

/* Decodes one code point; returns its byte length, or -1 for an invalid
 * sequence (then the caller skips one byte). */
static inline int decode(const unsigned char *s, size_t n, int32_t *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    utf8proc_int32_t c;
    utf8proc_ssize_t k = utf8proc_iterate(s, (utf8proc_ssize_t)(n > 4 ? 4 : n), &c);
    if (k <= 0 || c < 0)
        return -1;
    *cp = c;
    return (int)k;
}

static ps_charclass class_at(const unsigned char *s, size_t n, size_t i)
{
    int32_t cp;
    if (i >= n || decode(s + i, n - i, &cp) < 0)
        return PS_CC_SEP;
    return ps_charclass_fast(cp);
}

static scan scan_word(const unsigned char *s, size_t n, size_t i)
{
    scan sc = { .ascii = true, .latin = true };
    ps_charclass prev = PS_CC_SEP;
    while (i < n) {
        int32_t cp;
        int k = decode(s + i, n - i, &cp);
        if (k < 0)
            break;
        ps_charclass c = ps_charclass_fast(cp);
        if (c == PS_CC_APOS) {
            if (prev != PS_CC_LETTER || class_at(s, n, i + (size_t)k) != PS_CC_LETTER)
                break;
        } else if (c == PS_CC_NUMSEP) {
            if (prev != PS_CC_DIGIT || class_at(s, n, i + (size_t)k) != PS_CC_DIGIT)
                break;
        } else if (c != PS_CC_LETTER && c != PS_CC_DIGIT && c != PS_CC_IGNORE) {
            break;
        }
        sc.letter |= c == PS_CC_LETTER;
        sc.digit |= c == PS_CC_DIGIT;
        sc.joined |= c == PS_CC_APOS || c == PS_CC_NUMSEP;
        if (cp >= 0x80) {
            sc.ascii = false;
            sc.latin &= ps_cp_is_latin(cp);
        }
        if (c != PS_CC_IGNORE)
            prev = c;
        i += (size_t)k;
    }
    sc.end = i;
    return sc;
}

/* NFKC + case fold (+ mark stripping) of s[0..n) into a->term. Returns the
 * byte length, or -1 if utf8proc refuses (then the token is dropped). */
static long normalise(ps_analyzer *a, const unsigned char *s, size_t n, bool strip_marks)
{
    utf8proc_option_t o = UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE |
                          UTF8PROC_CASEFOLD | UTF8PROC_IGNORE;
    if (strip_marks)
        o |= UTF8PROC_STRIPMARK;
    utf8proc_ssize_t k = utf8proc_decompose(s, (utf8proc_ssize_t)n, a->cps, TERM_CAP, o);
    if (k < 0 || k > TERM_CAP)
        return -1;
    k = utf8proc_reencode(a->cps, k, o);
    if (k < 0)
        return -1;
    /* compatibility forms may expand to several words (U+FDFA, U+037A give
     * spaces): a term never holds a space, control or punctuation byte */
    const char *src = (const char *)a->cps;
    long out = 0;
    for (long i = 0; i < k; i++) {
        unsigned char c = (unsigned char)src[i];
        bool digit_before = i > 0 && src[i - 1] >= '0' && src[i - 1] <= '9';
        bool digit_after = i + 1 < k && src[i + 1] >= '0' && src[i + 1] <= '9';
        /* and enclosed or parenthesised forms give punctuation ("(1)", "11."):
         * keep ASCII letters, digits, apostrophes, and '.'/',' between digits */
        if (c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            c == '\'' || ((c == '.' || c == ',') && digit_before && digit_after))
            a->term[out++] = (char)c;
    }
    a->term[out] = '\0';
    return out;
}

static bool all_number(const char *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((t[i] >= '0' && t[i] <= '9') || t[i] == '.'))
            return false;
    return true;
}

/* Removes a possessive 's and then every apostrophe; drops ',' from
 * numbers ("1,000" -> "1000"). Returns the new length. */
static size_t tidy(char *t, size_t n, bool number)
{
    if (n >= 2 && t[n - 1] == 's' && t[n - 2] == '\'')
        n -= 2;
    else if (n >= 4 && t[n - 1] == 's' && memcmp(t + n - 4, "\xE2\x80\x99", 3) == 0)
        n -= 4;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (t[i] == '\'' || (number && t[i] == ','))
            continue;
        if (i + 2 < n && memcmp(t + i, "\xE2\x80\x99", 3) == 0) {
            i += 2;
            continue;
        }
        t[o++] = t[i];
    }
    t[o] = '\0';
    return o;
}

static stem_slot *slot_of(ps_analyzer *a, uint64_t word_hash)
{
    return &a->stem_cache[word_hash & (STEM_SLOTS - 1)];
}

/* The stem of word[0..len) through the cache, setting *out_len, and *hash
 * when the cache knows it (else it stays 0); NULL for a stop word.
 * word_hash: XXH3_64bits of the word, or 0 to compute it here. */
static const char *stop_or_stem(ps_analyzer *a, const char *word, size_t len, uint64_t word_hash,
                                long *out_len, uint64_t *hash)
{
    stem_slot *slot = NULL;
    if (len <= STEM_KEY) {
        slot = slot_of(a, word_hash ? word_hash : XXH3_64bits(word, len));
        if (slot->word_len == len && memcmp(slot->word, word, len) == 0) {
            *out_len = slot->stem_len;
            *hash = slot->stem_hash;
            return slot->stop ? NULL : slot->stem;
        }
    }
    bool stop = ps_stopset_has(a->stops, word, len);
    const sb_symbol *st = stop ? NULL : sb_stemmer_stem(a->stemmer, (const sb_symbol *)word, (int)len);
    int n = st ? sb_stemmer_length(a->stemmer) : (int)len;
    if (!st)
        st = (const sb_symbol *)word;
    if (slot && n <= STEM_KEY) {
        slot->word_len = (uint8_t)len;
        memcpy(slot->word, word, len);
        slot->stop = stop;
        slot->stem_len = (uint8_t)n;
        memcpy(slot->stem, st, (size_t)n);
        slot->stem[n] = '\0';
        slot->stem_hash = *hash = XXH3_64bits(st, (size_t)n);
    }
    *out_len = n;
    return stop ? NULL : (const char *)st;
}

/* hash: the term's XXH3_64bits if known, else 0 (then it is computed) */
static int push(ps_analyzer *a, ps_field f, const char *term, size_t len, uint64_t hash, ps_token_kind kind,
                uint32_t *pos, size_t start, size_t end, ps_token_fn fn, void *ctx)
{
    if (!hash)
        hash = XXH3_64bits(term, len);
    ps_token tok = { .term = term, .len = len, .hash = hash, .position = (*pos)++, .field = f, .kind = kind,
                     .start = (uint32_t)start, .end = (uint32_t)end };
    a->st.tokens++;
    return fn(&tok, ctx);
}

/* Lower-cases the ASCII src[0..n) into dst, NUL-terminated. */
static void ascii_lower(char *dst, const unsigned char *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = (char)(src[i] >= 'A' && src[i] <= 'Z' ? src[i] + 32 : src[i]);
    dst[n] = '\0';
}

/* The word word[0..len) (word_hash: its XXH3_64bits, or 0), dropped as a
 * stop word or pushed as its stem. */
static int emit_stemmed(ps_analyzer *a, ps_field f, const char *word, size_t len, uint64_t word_hash,
                        size_t start, size_t end, uint32_t *pos, ps_token_fn fn, void *ctx)
{
    long n;
    uint64_t hash = 0;
    const char *term = stop_or_stem(a, word, len, word_hash, &n, &hash);
    if (!term) {
        a->st.stopped++;
        (*pos)++;
        return 0;
    }
    return push(a, f, term, (size_t)n, hash, PS_TOKEN_WORD, pos, start, end, fn, ctx);
}

static int emit_word(ps_analyzer *a, ps_field f, const unsigned char *s, size_t start, scan sc,
                     uint32_t *pos, ps_token_fn fn, void *ctx)
{
    size_t n = sc.end - start;
    if (n > RAW_MAX) {
        a->st.too_long++;
        (*pos)++;
        return 0;
    }
    long len;
    if (sc.ascii) {
        ascii_lower(a->term, s + start, n);
        len = (long)n;
    } else {
        len = normalise(a, s + start, n, a->fold_accents && sc.latin);
        if (len < 0) {
            a->st.too_long++;
            (*pos)++;
            return 0;
        }
    }
    bool number = !sc.letter;
    /* an ASCII word with no apostrophe, '.' or ',' has nothing to tidy */
    if (!sc.ascii || sc.joined)
        len = (long)tidy(a->term, (size_t)len, number);
    if (len == 0)
        return 0; /* only ignorable characters: not a token at all */
    if (len > PS_MAX_TOKEN_BYTES) {
        a->st.too_long++;
        (*pos)++;
        return 0;
    }
    if (number && !all_number(a->term, (size_t)len))
        number = false; /* e.g. superscripts folded to something else */
    if (!number && !sc.digit && a->stemmer)
        return emit_stemmed(a, f, a->term, (size_t)len, 0, start, sc.end, pos, fn, ctx);
    if (!number && ps_stopset_has(a->stops, a->term, (size_t)len)) {
        a->st.stopped++;
        (*pos)++;
        return 0;
    }
    return push(a, f, a->term, (size_t)len, 0, number ? PS_TOKEN_NUMBER : PS_TOKEN_WORD, pos, start, sc.end,
                fn, ctx);
}

/* One CJK character, normalised when it lies in a compatibility block. */
typedef struct cjk_char {
    size_t start, end;
    char bytes[32];
    size_t len;
} cjk_char;

static void cjk_load(ps_analyzer *a, const unsigned char *s, size_t i, int k, int32_t cp, cjk_char *c)
{
    c->start = i;
    c->end = i + (size_t)k;
    long len = -1;
    if (ps_cp_needs_nfkc(cp))
        len = normalise(a, s + i, (size_t)k, false);
    if (len > 0 && (size_t)len < sizeof c->bytes) {
        memcpy(c->bytes, a->term, (size_t)len);
        c->len = (size_t)len;
    } else {
        memcpy(c->bytes, s + i, (size_t)k);
        c->len = (size_t)k;
    }
}

static int emit_cjk_pair(ps_analyzer *a, ps_field f, const cjk_char *x, const cjk_char *y,
                         uint32_t *pos, ps_token_fn fn, void *ctx)
{
    size_t n = x->len;
    memcpy(a->term, x->bytes, n);
    if (y) {
        memcpy(a->term + n, y->bytes, y->len);
        n += y->len;
    }
    a->term[n] = '\0';
    return push(a, f, a->term, n, 0, PS_TOKEN_CJK, pos, x->start, y ? y->end : x->end, fn, ctx);
}

/* Emits the CJK run starting at i as overlapping bigrams (a lone character
 * as itself); returns the end offset via *end. */
static int emit_cjk(ps_analyzer *a, ps_field f, const unsigned char *s, size_t n, size_t i,
                    size_t *end, uint32_t *pos, ps_token_fn fn, void *ctx)
{
    cjk_char prev, cur;
    bool have_prev = false, emitted = false;
    int rc = 0;
    while (i < n && rc == 0) {
        int32_t cp;
        int k = decode(s + i, n - i, &cp);
        if (k < 0 || ps_charclass_fast(cp) != PS_CC_CJK)
            break;
        /* a half-width voiced sound mark composes with the half-width kana before it */
        int32_t next;
        int k2 = (size_t)k < n - i ? decode(s + i + k, n - i - (size_t)k, &next) : -1;
        if (cp >= 0xFF66 && cp <= 0xFF9D && k2 > 0 && (next == 0xFF9E || next == 0xFF9F))
            k += k2;
        cjk_load(a, s, i, k, cp, &cur);
        i += (size_t)k;
        if (!a->cjk_bigrams) {
            rc = emit_cjk_pair(a, f, &cur, NULL, pos, fn, ctx);
            continue;
        }
        if (have_prev) {
            rc = emit_cjk_pair(a, f, &prev, &cur, pos, fn, ctx);
            emitted = true;
        }
        prev = cur;
        have_prev = true;
    }
    if (rc == 0 && a->cjk_bigrams && have_prev && !emitted)
        rc = emit_cjk_pair(a, f, &prev, NULL, pos, fn, ctx);
    *end = i;
    return rc;
}

/* Queues the word s[start..sc.end). A plain ASCII word of letters that
 * the stem cache can hold is lower-cased and hashed now and its slot
 * prefetched; any other word is analysed when its turn comes. */
static void queue_word(ps_analyzer *a, const unsigned char *s, size_t start, scan sc)
{
    queued_word *q = &a->queue[a->queued++];
    size_t n = sc.end - start;
    q->start = start;
    q->sc = sc;
    q->ready = a->stemmer && sc.ascii && !sc.joined && sc.letter && !sc.digit && n <= STEM_KEY;
    if (!q->ready)
        return;
    ascii_lower(q->term, s + start, n);
    q->len = (uint8_t)n;
    q->word_hash = XXH3_64bits(q->term, n);
    __builtin_prefetch(slot_of(a, q->word_hash));
}

/* Emits the queued words in order and empties the queue. */
static int flush_words(ps_analyzer *a, ps_field f, const unsigned char *s, uint32_t *pos, ps_token_fn fn,
                       void *ctx)
{
    int rc = 0;
    for (int k = 0; k < a->queued && rc == 0; k++) {
        const queued_word *q = &a->queue[k];
        /* a ready word is what emit_word would have stemmed as it is:
         * nothing to tidy, not a number */
        rc = q->ready ? emit_stemmed(a, f, q->term, q->len, q->word_hash, q->start, q->sc.end, pos, fn, ctx)
                      : emit_word(a, f, s, q->start, q->sc, pos, fn, ctx);
    }
    a->queued = 0;
    return rc;
}

ps_rc ps_analyze(ps_analyzer *a, ps_field f, const char *text, size_t len, uint32_t *position,
                 ps_token_fn fn, void *ctx)
{
    const unsigned char *s = (const unsigned char *)text;
    a->st.bytes += len;
    size_t i = 0;
    while (i < len) {
        int32_t cp;
        int k = decode(s + i, len - i, &cp);
        if (k < 0) {
            a->st.invalid_utf8++;
            i++;
            continue;
        }
        ps_charclass c = ps_charclass_fast(cp);
        int rc = 0;
        if (c == PS_CC_LETTER || c == PS_CC_DIGIT || c == PS_CC_IGNORE) {
            scan sc = scan_word(s, len, i);
            queue_word(a, s, i, sc);
            if (a->queued == LOOKAHEAD)
                rc = flush_words(a, f, s, position, fn, ctx);
            i = sc.end;
        } else if (c == PS_CC_CJK) {
            rc = flush_words(a, f, s, position, fn, ctx);
            if (rc == 0)
                rc = emit_cjk(a, f, s, len, i, &i, position, fn, ctx);
        } else {
            i += (size_t)k;
        }
        if (rc)
            return PS_END;
    }
    return flush_words(a, f, s, position, fn, ctx) ? PS_END : PS_OK;
}
