/* Helpers shared by the unit tests: collecting tokens, finding the shared
 * real-data folder, reading records from a buffer, random numbers. */
#ifndef PS_TEST_HELPERS_H
#define PS_TEST_HELPERS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "patsift/analyze.h"
#include "patsift/reader.h"

/* xorshift64: reproducible random numbers for the tests (*state != 0). */
static inline uint64_t xorshift64(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

/* The shared data folder (../shared/data beside the repo, or
 * $PATSIFT_DATA), or NULL when absent. */
static inline const char *shared_data(void)
{
    const char *env = getenv("PATSIFT_DATA");
    const char *dir = env && *env ? env : "../shared/data";
    struct stat st;
    return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) ? dir : NULL;
}

typedef struct toklist {
    char terms[256][80];
    uint32_t pos[256];
    uint32_t start[256], end[256];
    ps_token_kind kind[256];
    int n;
} toklist;

static inline int collect(const ps_token *t, void *ctx)
{
    toklist *l = ctx;
    if (l->n < 256) {
        snprintf(l->terms[l->n], sizeof l->terms[0], "%.*s", (int)t->len, t->term);
        l->pos[l->n] = t->position;
        l->start[l->n] = t->start;
        l->end[l->n] = t->end;
        l->kind[l->n] = t->kind;
        l->n++;
    }
    return 0;
}

/* Terms of text joined by single spaces into out. */
static inline const char *terms_of(ps_analyzer *a, const char *text, char *out, size_t cap)
{
    toklist l = { .n = 0 };
    uint32_t pos = 0;
    ps_analyze(a, PS_FIELD_ABSTRACT, text, strlen(text), &pos, collect, &l);
    size_t o = 0;
    out[0] = '\0';
    for (int i = 0; i < l.n && o + 1 < cap; i++)
        o += (size_t)snprintf(out + o, cap - o, i ? " %s" : "%s", l.terms[i]);
    return out;
}

/* Records of a buffer as canonical JSON lines, plus every error message. */
typedef struct readall {
    int n;
    char *json[512];
    int n_err;
    char errs[64][512];
    ps_reader_stats st;
    ps_rc last;
} readall;

static inline void on_err(const char *msg, void *ctx)
{
    readall *r = ctx;
    if (r->n_err < 64)
        snprintf(r->errs[r->n_err], sizeof r->errs[0], "%s", msg);
    r->n_err++;
}

static inline void read_buffer(readall *out, const char *data, ps_format fmt, bool strict)
{
    memset(out, 0, sizeof *out);
    ps_reader_opts o = { .format = fmt, .strict = strict, .on_error = on_err, .ctx = out };
    ps_reader *r;
    ps_reader_create(&o, &r);
    ps_reader_add_buffer(r, data, strlen(data), "buf", fmt);
    const ps_record *rec;
    while ((out->last = ps_reader_next(r, &rec)) == PS_OK)
        if (out->n < 512)
            out->json[out->n++] = ps_record_to_json(rec);
    if (out->last != PS_END && out->n_err < 64)
        snprintf(out->errs[out->n_err++], sizeof out->errs[0], "%s", ps_reader_errmsg(r));
    ps_reader_stats_get(r, &out->st);
    ps_reader_free(r);
}

static inline void readall_free(readall *r)
{
    for (int i = 0; i < r->n; i++)
        free(r->json[i]);
}

#endif
