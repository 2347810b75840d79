/* Matching passages for --explain: the sentences of a hit's title,
 * abstract and claims that hold the most (and the weightiest) query terms,
 * with each matched word marked [like this]. */
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "search/searcher_internal.h"

enum { MAX_SENTENCE_BYTES = 400 };

typedef struct span {
    uint32_t start, end;
    size_t term;
} span;

typedef struct scan {
    const ps_query *q;
    span *sp;
    size_t n, cap;
    int oom;
} scan;

static int on_token(const ps_token *t, void *ctx)
{
    scan *s = ctx;
    for (size_t i = 0; i < s->q->n; i++) {
        if (strlen(s->q->t[i].term) != t->len || memcmp(s->q->t[i].term, t->term, t->len) != 0)
            continue;
        if (s->n == s->cap) {
            size_t cap = s->cap ? 2 * s->cap : 64;
            span *p = realloc(s->sp, cap * sizeof *p);
            if (!p) {
                s->oom = 1;
                return 1;
            }
            s->sp = p;
            s->cap = cap;
        }
        s->sp[s->n++] = (span){ t->start, t->end, i };
        break;
    }
    return 0;
}

/* Sentence ends: . ; ! ? followed by a space, or a line break. */
static size_t sentence_end(const char *t, size_t from, size_t len)
{
    for (size_t i = from; i < len; i++) {
        if (t[i] == '\n')
            return i + 1;
        if ((t[i] == '.' || t[i] == ';' || t[i] == '!' || t[i] == '?') && (i + 1 == len || t[i + 1] == ' '))
            return i + 1;
    }
    return len;
}

/* Keeps the best max passages in out (sorted best first). */
static void consider(ps_passage *out, size_t *n, size_t max, const ps_passage *p)
{
    size_t at = *n;
    while (at > 0 && out[at - 1].score < p->score)
        at--;
    if (at >= max) {
        free(p->text);
        return;
    }
    if (*n == max)
        free(out[--*n].text);
    memmove(&out[at + 1], &out[at], (*n - at) * sizeof *out);
    out[at] = *p;
    (*n)++;
}

static void field_passages(ps_searcher *s, const ps_query *q, const double *tw, ps_field f, const char *text,
                           ps_passage *out, size_t *n, size_t max)
{
    size_t len = strlen(text);
    scan sc = { .q = q };
    uint32_t pos = 0;
    ps_analyze(s->an, f, text, len, &pos, on_token, &sc);
    size_t k = 0;
    bool *seen = calloc(q->n ? q->n : 1, sizeof *seen);
    for (size_t a = 0; a < len && seen && !sc.oom;) {
        size_t b = sentence_end(text, a, len);
        while (a < b && (text[a] == ' ' || text[a] == '\n'))
            a++;
        double score = 0;
        size_t first = k;
        memset(seen, 0, q->n * sizeof *seen);
        for (; k < sc.n && sc.sp[k].start < b; k++)
            if (!seen[sc.sp[k].term]) {
                seen[sc.sp[k].term] = true;
                score += tw[sc.sp[k].term];
            }
        if (score > 0) {
            ps_buf m = { 0 };
            size_t stop = b - a > MAX_SENTENCE_BYTES ? a + MAX_SENTENCE_BYTES : b;
            while (stop < b && stop > a && ((unsigned char)text[stop] & 0xC0) == 0x80)
                stop--; /* never cut a UTF-8 character */
            size_t at = a;
            for (size_t i = first; i < k && sc.sp[i].end <= stop; i++) {
                ps_buf_append(&m, text + at, sc.sp[i].start - at);
                ps_buf_append(&m, "[", 1);
                ps_buf_append(&m, text + sc.sp[i].start, sc.sp[i].end - sc.sp[i].start);
                ps_buf_append(&m, "]", 1);
                at = sc.sp[i].end;
            }
            ps_buf_append(&m, text + at, stop - at);
            while (m.len && (m.data[m.len - 1] == ' ' || m.data[m.len - 1] == '\n'))
                m.len--;
            if (stop < b)
                ps_buf_append(&m, "...", 3);
            ps_buf_append(&m, "", 1);
            if (m.oom) {
                ps_buf_free(&m);
            } else {
                ps_passage p = { .field = f, .text = (char *)m.data, .score = score };
                consider(out, n, max, &p);
            }
        }
        a = b;
    }
    free(seen);
    free(sc.sp);
}

size_t ps_passages(ps_searcher *s, const ps_query *q, const ps_record *r, size_t max, ps_passage *out)
{
    size_t n = 0;
    double *tw = malloc((q->n ? q->n : 1) * sizeof *tw);
    if (!tw || max == 0) {
        free(tw);
        return 0;
    }
    for (size_t i = 0; i < q->n; i++)
        tw[i] = q->t[i].weight * q->t[i].idf;
    field_passages(s, q, tw, PS_FIELD_TITLE, r->title, out, &n, max);
    field_passages(s, q, tw, PS_FIELD_ABSTRACT, r->abstract, out, &n, max);
    for (size_t c = 0; c < r->n_claims; c++)
        field_passages(s, q, tw, PS_FIELD_CLAIMS, r->claims[c].text, out, &n, max);
    free(tw);
    return n;
}

void ps_passages_free(ps_passage *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(p[i].text);
}
