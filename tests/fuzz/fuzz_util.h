/* Helpers shared by the fuzz targets (header-only: each target is one .c
 * file built on its own, by gcc for the replay drivers and by clang for
 * libFuzzer). Only the public API is used. Every check calls fz_fail(),
 * which prints what is wrong and abort()s, so libFuzzer and the replay
 * drivers both report it as a crash with a stack. */
#ifndef PATSIFT_FUZZ_UTIL_H
#define PATSIFT_FUZZ_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patsift/reader.h"
#include "patsift/record.h"

#if defined(__GNUC__)
__attribute__((noreturn, format(printf, 1, 2)))
#endif
static inline void fz_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fuzz invariant violated: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

/* True when s[0..n) is valid UTF-8 (RFC 3629: no overlongs, no surrogates,
 * nothing above U+10FFFF). Written here, not taken from the library, so
 * the check does not share the library's bugs. */
static inline bool fz_utf8_valid(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        uint32_t cp, min;
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2, cp = c & 0x1F, min = 0x80;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3, cp = c & 0x0F, min = 0x800;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (n - i < len)
            return false;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

static inline void fz_check_str(const char *what, const char *s)
{
    if (!s)
        fz_fail("record field %s is NULL", what);
    if (!fz_utf8_valid(s, strlen(s)))
        fz_fail("record field %s is not valid UTF-8: \"%.80s\"", what, s);
}

static inline void fz_check_date(const char *what, int32_t d)
{
    if (d == 0)
        return;
    char buf[11];
    int32_t back = 0;
    ps_date_format(d, buf);
    if (ps_date_parse(buf, strlen(buf), &back) != PS_OK || back != d)
        fz_fail("record date %s = %ld is not a valid YYYYMMDD date", what, (long)d);
}

static inline void fz_check_list(const char *what, ps_strlist l)
{
    if (l.count && !l.items)
        fz_fail("record list %s has %zu items but items is NULL", what, l.count);
    if (l.count > 10u * 1000 * 1000)
        fz_fail("record list %s has an absurd count %zu", what, l.count);
    for (size_t i = 0; i < l.count; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s[%zu]", what, i);
        fz_check_str(name, l.items[i]);
    }
}

/* Checks everything record.h promises about a record a reader returned. */
static inline void fz_check_record(const ps_record *r)
{
    if (!r)
        fz_fail("ps_reader_next returned PS_OK with a NULL record");
    fz_check_str("id", r->id);
    if (!*r->id)
        fz_fail("record id is empty");
    fz_check_str("kind", r->kind);
    fz_check_str("title", r->title);
    fz_check_str("abstract", r->abstract);
    fz_check_str("description", r->description);
    if (!r->source)
        fz_fail("record source is NULL");
    if (r->n_claims && !r->claims)
        fz_fail("record has n_claims = %zu but claims is NULL", r->n_claims);
    if (r->n_claims > 10u * 1000 * 1000)
        fz_fail("record has an absurd n_claims %zu", r->n_claims);
    size_t indep = 0;
    for (size_t i = 0; i < r->n_claims; i++) {
        char name[64];
        snprintf(name, sizeof name, "claims[%zu].text", i);
        fz_check_str(name, r->claims[i].text);
        indep += r->claims[i].independent;
    }
    if (ps_record_independent_claims(r) != indep)
        fz_fail("ps_record_independent_claims = %zu, counted %zu", ps_record_independent_claims(r),
                indep);
    fz_check_list("cpc", r->cpc);
    fz_check_list("ipc", r->ipc);
    fz_check_list("applicants", r->applicants);
    fz_check_list("citations", r->citations);
    if ((unsigned)r->entity > PS_ENTITY_LARGE)
        fz_fail("record entity %d out of range", (int)r->entity);
    if (r->fast_track < -1 || r->fast_track > 1)
        fz_fail("record fast_track %d is not -1, 0 or 1", r->fast_track);
    fz_check_date("filing_date", r->filing_date);
    fz_check_date("priority_date", r->priority_date);
    fz_check_date("publication_date", r->publication_date);
}

/* ps_record_to_json must give one line that the jsonl reader reads back
 * into a record with the very same JSON (reader.h promises it). */
static inline void fz_check_json_roundtrip(const ps_record *r, const char *json)
{
    if (!json)
        fz_fail("ps_record_to_json returned NULL for record %.80s", r->id);
    size_t n = strlen(json);
    if (memchr(json, '\n', n))
        fz_fail("ps_record_to_json output is not one line: %.200s", json);
    if (n < 2 || json[0] != '{' || json[n - 1] != '}')
        fz_fail("ps_record_to_json output is not a JSON object: %.200s", json);
    ps_reader *rd = NULL;
    ps_reader_opts o = { .format = PS_FORMAT_JSONL, .strict = true };
    if (ps_reader_create(&o, &rd) != PS_OK)
        return; /* out of memory: nothing to check */
    if (ps_reader_add_buffer(rd, json, n, "roundtrip", PS_FORMAT_JSONL) != PS_OK) {
        ps_reader_free(rd);
        return;
    }
    const ps_record *back = NULL;
    ps_rc rc = ps_reader_next(rd, &back);
    if (rc == PS_ENOMEM) {
        ps_reader_free(rd);
        return;
    }
    if (rc != PS_OK)
        fz_fail("jsonl reader rejects ps_record_to_json output (%s: %s):\n  %.300s", ps_strerror(rc),
                ps_reader_errmsg(rd), json);
    fz_check_record(back);
    char *json2 = ps_record_to_json(back);
    if (!json2) {
        ps_reader_free(rd);
        return;
    }
    if (strcmp(json, json2) != 0) {
        size_t i = 0;
        while (json[i] && json[i] == json2[i])
            i++;
        size_t from = i > 60 ? i - 60 : 0;
        fz_fail("JSON round trip differs at byte %zu:\n  first:  ...%.160s\n  second: ...%.160s", i,
                json + from, json2 + from);
    }
    free(json2);
    const ps_record *extra = NULL;
    rc = ps_reader_next(rd, &extra);
    if (rc != PS_END)
        fz_fail("one line of ps_record_to_json output gave more than one record (%s)", ps_strerror(rc));
    ps_reader_free(rd);
}

#define FZ_HASH_SEED 14695981039346656037ull /* FNV-1a offset basis */

static inline uint64_t fz_hash(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

/* What on_error was given: how many messages, and a hash of them in order. */
typedef struct fz_errors {
    uint64_t count, hash;
} fz_errors;

static inline void fz_on_error(const char *msg, void *ctx)
{
    if (!msg || !*msg)
        fz_fail("on_error called with an empty message");
    if (strlen(msg) > 8192)
        fz_fail("on_error message absurdly long (%zu bytes)", strlen(msg));
    fz_errors *e = ctx;
    e->count++;
    e->hash = fz_hash(e->hash, msg, strlen(msg) + 1);
}

/* One input queued on a reader: a buffer, or a path when path != NULL. */
typedef struct fz_input {
    const uint8_t *data;
    size_t size;
    const char *name;
    const char *path;
} fz_input;

/* What one pass over the inputs gave. */
typedef struct fz_result {
    ps_rc rc;               /* PS_END when read to the end, else the error */
    ps_reader_stats st;     /* final counts (valid when rc == PS_END) */
    uint64_t hash;          /* FNV-1a over every record's ps_record_to_json */
    fz_errors errors;       /* what on_error was given */
} fz_result;

/* Queues the inputs on rd: buffers with the given format, paths as they are. */
static inline ps_rc fz_add_inputs(ps_reader *rd, const fz_input *in, size_t n_in, ps_format format)
{
    for (size_t i = 0; i < n_in; i++) {
        ps_rc rc = in[i].path ? ps_reader_add_path(rd, in[i].path)
                              : ps_reader_add_buffer(rd, in[i].data, in[i].size, in[i].name, format);
        if (rc != PS_OK)
            return rc;
    }
    return PS_OK;
}

/* Reads the inputs with one reader (format given or AUTO) and checks every
 * record and the reader's bookkeeping. roundtrip: also check
 * ps_record_to_json -> jsonl reader -> same JSON. */
static inline fz_result fz_read_inputs(const fz_input *in, size_t n_in, ps_format format, bool strict,
                                       bool roundtrip)
{
    fz_result res = { .rc = PS_ENOMEM, .hash = FZ_HASH_SEED };
    ps_reader_opts o = { .format = format, .strict = strict, .on_error = fz_on_error, .ctx = &res.errors };
    ps_reader *rd = NULL;
    if (ps_reader_create(&o, &rd) != PS_OK)
        return res;
    ps_rc added = fz_add_inputs(rd, in, n_in, format);
    if (added != PS_OK) {
        ps_reader_free(rd);
        res.rc = added;
        return res;
    }
    size_t total = 0;
    bool all_buffers = true;
    for (size_t i = 0; i < n_in; i++) {
        total += in[i].size;
        all_buffers &= in[i].path == NULL;
    }
    uint64_t records = 0;
    ps_rc rc;
    const ps_record *r = NULL;
    while ((rc = ps_reader_next(rd, &r)) == PS_OK) {
        records++;
        fz_check_record(r);
        char *json = ps_record_to_json(r);
        if (json) {
            res.hash = fz_hash(res.hash, json, strlen(json) + 1);
            if (roundtrip)
                fz_check_json_roundtrip(r, json);
        }
        free(json);
        if (records > total + n_in)
            fz_fail("more records (%llu) than input bytes (%zu)", (unsigned long long)records, total);
        if (ps_reader_input_pos(rd) > ps_reader_input_size(rd))
            fz_fail("ps_reader_input_pos %llu > ps_reader_input_size %llu",
                    (unsigned long long)ps_reader_input_pos(rd),
                    (unsigned long long)ps_reader_input_size(rd));
    }
    if (r)
        fz_fail("ps_reader_next left *out set when returning %s", ps_strerror(rc));
    if (rc != PS_END) {
        const char *msg = ps_reader_errmsg(rd);
        if (!msg || !*msg)
            fz_fail("ps_reader_errmsg is empty after %s", ps_strerror(rc));
        if (rc != PS_ENOMEM && rc != PS_EPARSE && rc != PS_EIO)
            fz_fail("ps_reader_next returned unexpected %s (%d)", ps_strerror(rc), (int)rc);
        if (rc == PS_EPARSE && !strict)
            fz_fail("ps_reader_next returned PS_EPARSE in non-strict mode");
    } else if (ps_reader_next(rd, &r) != PS_END || r) {
        fz_fail("ps_reader_next after PS_END does not return PS_END again");
    }
    ps_reader_stats st;
    ps_reader_stats_get(rd, &st);
    if (st.records != records)
        fz_fail("stats.records = %llu but %llu records were returned", (unsigned long long)st.records,
                (unsigned long long)records);
    if (!strict && rc == PS_END && st.errors != res.errors.count)
        fz_fail("stats.errors = %llu but on_error was called %llu times", (unsigned long long)st.errors,
                (unsigned long long)res.errors.count);
    if (all_buffers && rc == PS_END && st.bytes != total)
        fz_fail("stats.bytes = %llu after reading %zu bytes to the end", (unsigned long long)st.bytes,
                total);
    if (all_buffers && rc == PS_END && st.files != n_in)
        fz_fail("stats.files = %llu for %zu inputs", (unsigned long long)st.files, n_in);
    res.rc = rc;
    res.st = st;
    ps_reader_free(rd);
    return res;
}

/* A UTF-8 byte order mark at the start of an input is not content: the
 * reader's format sniffing skips it, so every parser must too. When the
 * first input (a buffer) starts with one, reading it without the BOM must
 * give the very same records, errors and end. */
static inline void fz_check_bom(const fz_input *in, size_t n_in, ps_format format, bool strict,
                                const fz_result *with_bom)
{
    if (n_in == 0 || n_in > 8 || in[0].path || in[0].size < 3 || memcmp(in[0].data, "\xEF\xBB\xBF", 3) != 0)
        return;
    if (with_bom->rc == PS_ENOMEM)
        return;
    fz_input copy[8];
    memcpy(copy, in, n_in * sizeof *in);
    copy[0].data += 3;
    copy[0].size -= 3;
    fz_result without = fz_read_inputs(copy, n_in, format, strict, false);
    if (without.rc == PS_ENOMEM)
        return;
    if (without.rc != with_bom->rc || without.st.records != with_bom->st.records ||
        without.st.errors != with_bom->st.errors || without.st.skipped != with_bom->st.skipped ||
        without.hash != with_bom->hash)
        fz_fail("a leading UTF-8 BOM changes the result: with BOM %s, %llu records, %llu errors; "
                "without %s, %llu records, %llu errors%s",
                ps_strerror(with_bom->rc), (unsigned long long)with_bom->st.records,
                (unsigned long long)with_bom->st.errors, ps_strerror(without.rc),
                (unsigned long long)without.st.records, (unsigned long long)without.st.errors,
                without.hash != with_bom->hash ? " (and different records)" : "");
}

/* Reading raw (ps_reader_next_raw) and parsing with ps_raw_parse, the way
 * the index writer does on its threads, must give the very same records
 * and the same error messages in the same order as ps_reader_next. */
static inline void fz_check_raw(const fz_input *in, size_t n_in, ps_format format, const fz_result *plain)
{
    if (plain->rc != PS_END)
        return;
    fz_errors errors = { 0 };
    ps_reader_opts o = { .format = format, .on_error = fz_on_error, .ctx = &errors };
    ps_reader *rd = NULL;
    ps_raw_parser *p = ps_raw_parser_create();
    if (!p || ps_reader_create(&o, &rd) != PS_OK) {
        ps_raw_parser_free(p);
        return;
    }
    if (fz_add_inputs(rd, in, n_in, format) != PS_OK)
        goto out;
    uint64_t hash = FZ_HASH_SEED, records = 0;
    ps_raw_record raw;
    ps_rc rc;
    while ((rc = ps_reader_next_raw(rd, &raw)) == PS_OK) {
        if (!raw.rec && (!raw.text || !raw.source || !raw.line))
            fz_fail("ps_reader_next_raw gave neither a record nor a whole raw line");
        const ps_record *r;
        ps_rc prc = ps_raw_parse(p, &raw, &r);
        if (prc == PS_ENOMEM)
            goto out;
        if (prc != PS_OK) {
            fz_on_error(ps_raw_parser_errmsg(p), &errors);
            continue;
        }
        fz_check_record(r);
        char *json = ps_record_to_json(r);
        if (!json)
            goto out;
        hash = fz_hash(hash, json, strlen(json) + 1);
        free(json);
        records++;
    }
    if (rc == PS_ENOMEM)
        goto out;
    if (rc != PS_END)
        fz_fail("ps_reader_next_raw ended with %s where ps_reader_next read to the end", ps_strerror(rc));
    if (hash != plain->hash || records != plain->st.records)
        fz_fail("raw reading and parsing gave %llu records (hash %llx), ps_reader_next %llu (hash %llx)",
                (unsigned long long)records, (unsigned long long)hash,
                (unsigned long long)plain->st.records, (unsigned long long)plain->hash);
    if (errors.hash != plain->errors.hash)
        fz_fail("raw reading and parsing gave other error messages than ps_reader_next (%llu vs %llu)",
                (unsigned long long)errors.count, (unsigned long long)plain->errors.count);
out:
    ps_reader_free(rd);
    ps_raw_parser_free(p);
}

/* The common case: data is one buffer input named name; checks the
 * records, raw parsing, then BOM invariance. */
static inline fz_result fz_read_all(const uint8_t *data, size_t size, const char *name,
                                    ps_format format, bool strict, bool roundtrip)
{
    fz_input in = { .data = data, .size = size, .name = name };
    fz_result res = fz_read_inputs(&in, 1, format, strict, roundtrip);
    if (!strict)
        fz_check_raw(&in, 1, format, &res);
    fz_check_bom(&in, 1, format, strict, &res);
    return res;
}

#endif
