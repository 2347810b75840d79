/* patsift: text analysis. Turns UTF-8 text into the terms that get indexed.
 *
 * Pipeline per token: UTF-8 decode (invalid bytes skipped and counted) ->
 * split on anything that is not a letter, digit or mark (Unicode categories)
 * -> NFKC + case fold (+ accent folding for Latin) -> CJK runs become
 * overlapping character bigrams -> stop words (English and patent
 * boilerplate, each switchable) -> Snowball stemmer (libstemmer).
 *
 * Tokens are pushed to a callback one at a time; nothing is built for a
 * whole document. An analyzer holds a stemmer and scratch buffers, so it is
 * NOT thread-safe: use one analyzer per thread (they are cheap), and create
 * it on the thread that uses it: libstemmer writes its state on every
 * character, and two stemmers allocated together by one thread share cache
 * lines (measured: two threads then ran slower than one). */
#ifndef PATSIFT_ANALYZE_H
#define PATSIFT_ANALYZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "patsift/errors.h"
#include "patsift/record.h"

typedef enum ps_field {
    PS_FIELD_TITLE = 0,
    PS_FIELD_ABSTRACT,
    PS_FIELD_CLAIMS,
    PS_FIELD_DESCRIPTION,
    PS_FIELD_COUNT
} ps_field;

/* "title", "abstract", "claims", "description". */
const char *ps_field_name(ps_field f);
/* Parses a field name; PS_EPARSE if unknown. */
ps_rc ps_field_parse(const char *name, ps_field *out);

typedef enum ps_token_kind {
    PS_TOKEN_WORD = 0,   /* letters (possibly with digits), stemmed */
    PS_TOKEN_NUMBER,     /* digits only (with inner . or ,), never stemmed */
    PS_TOKEN_CJK         /* a CJK character bigram (or a lone character) */
} ps_token_kind;

typedef struct ps_token {
    const char *term;    /* the analysed term, NUL-terminated; valid only during the callback */
    size_t len;          /* bytes in term */
    uint64_t hash;       /* XXH3_64bits(term, len): the hash every consumer keys terms by */
    uint32_t position;   /* word position; stop words and dropped tokens use one up too */
    ps_field field;
    ps_token_kind kind;
    uint32_t start, end; /* byte range of the source text this token came from */
} ps_token;

/* Return 0 to continue, anything else to stop the analysis early. */
typedef int (*ps_token_fn)(const ps_token *tok, void *ctx);

typedef struct ps_analyzer_opts {
    const char *language;     /* Snowball algorithm, e.g. "english" (default when NULL) */
    bool no_stem;             /* keep words unstemmed */
    bool no_english_stop;     /* keep English stop words (the, of, and, ...) */
    bool no_patent_stop;      /* keep patent boilerplate (said, wherein, comprising, ...) */
    bool keep_accents;        /* do not fold accents (é -> e) in Latin script */
    bool no_cjk_bigrams;      /* emit each CJK character alone instead of bigrams */
} ps_analyzer_opts;

typedef struct ps_analyzer ps_analyzer;

/* Creates an analyzer; opts may be NULL for the defaults. Returns
 * PS_EUNSUPPORTED when libstemmer has no such language. Free with
 * ps_analyzer_free (NULL is a no-op). */
ps_rc ps_analyzer_create(const ps_analyzer_opts *opts, ps_analyzer **out);
void ps_analyzer_free(ps_analyzer *a);

/* Analyses text[0..len) as field f and pushes each term to fn. *position is
 * the position of the next token; it is advanced past the last token, so a
 * caller can analyse several texts as one stream. Returns PS_OK, or PS_END
 * when fn asked to stop. Invalid UTF-8 never fails: the bad bytes are
 * skipped and counted in the stats. */
ps_rc ps_analyze(ps_analyzer *a, ps_field f, const char *text, size_t len, uint32_t *position,
                 ps_token_fn fn, void *ctx);

/* Analyses a whole record: title, abstract, each claim, description, in that
 * order, with a position gap of 100 between fields and 10 between claims
 * (so phrases never match across them). */
ps_rc ps_analyze_record(ps_analyzer *a, const ps_record *r, ps_token_fn fn, void *ctx);

typedef struct ps_analyzer_stats {
    uint64_t bytes;          /* input bytes seen */
    uint64_t tokens;         /* terms pushed to callbacks */
    uint64_t stopped;        /* tokens removed as stop words */
    uint64_t invalid_utf8;   /* invalid byte sequences skipped */
    uint64_t too_long;       /* tokens dropped for exceeding PS_MAX_TOKEN_BYTES */
} ps_analyzer_stats;

/* Tokens longer than this (in bytes, after normalisation) are dropped: they
 * are sequence listings, encoded data or formulas, never useful terms. */
#define PS_MAX_TOKEN_BYTES 64

/* Cumulative counts since creation (or the last reset). */
void ps_analyzer_stats_get(const ps_analyzer *a, ps_analyzer_stats *out);
void ps_analyzer_stats_reset(ps_analyzer *a);

/* Lists for the curious user (`patsift analyze --stopwords`): the built-in
 * stop words, NULL-terminated, static. */
const char *const *ps_stopwords_english(void);
const char *const *ps_stopwords_patent(void);

/* Snowball languages this libstemmer knows, NULL-terminated, static. */
const char **ps_stem_languages(void);

#endif
