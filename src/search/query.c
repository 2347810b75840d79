/* Queries from keywords and from whole documents. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/strmap.h"
#include "sketch/minhash.h"
#include "search/searcher_internal.h"

/* Saturation of a query document's term frequency (the k3 of Robertson's
 * BM25 query-term weight): a word used 20 times is worth about twice one
 * used once, not 20 times. */
#define QUERY_K3 1.2

typedef struct collector {
    ps_strmap *m;
    const uint32_t *weight;   /* NULL: every occurrence counts 1 */
    ps_shingler *sh;          /* a query document's signature, or NULL */
} collector;

static int on_token(const ps_token *t, void *ctx)
{
    collector *c = ctx;
    if (c->sh)
        ps_shingler_token(c->sh, t->field, t->hash);
    uint32_t w = c->weight ? c->weight[t->field] : 1;
    if (w == 0)
        return 0;
    ps_strmap_entry *e = ps_strmap_get(c->m, t->term, t->len);
    if (!e)
        return 1;
    e->a += w;
    return 0;
}

static double idf(uint64_t n, uint64_t df)
{
    return log(1.0 + ((double)n - (double)df + 0.5) / ((double)df + 0.5));
}

/* Turns the collected terms into q: known terms only, weight from the
 * count (saturated, or 1), idf from the index. */
static ps_rc finish(ps_searcher *s, collector *c, bool saturate, ps_query *q)
{
    memset(q, 0, sizeof *q);
    if (c->m->oom)
        return PS_ENOMEM;
    q->t = calloc(c->m->n ? c->m->n : 1, sizeof *q->t);
    if (!q->t)
        return PS_ENOMEM;
    for (size_t i = 0; c->m->slot && i <= c->m->mask; i++) {
        const ps_strmap_entry *e = &c->m->slot[i];
        if (!e->key)
            continue;
        q->n_analysed++;
        uint64_t df = ps_searcher_df(s, e->key, e->len);
        if (df == 0)
            continue; /* no document can match it */
        ps_query_term *t = &q->t[q->n];
        if (!(t->term = malloc(e->len + 1))) {
            ps_query_free(q);
            return PS_ENOMEM;
        }
        memcpy(t->term, e->key, e->len);
        t->term[e->len] = 0;
        double tf = (double)e->a;
        t->weight = saturate ? (QUERY_K3 + 1) * tf / (QUERY_K3 + tf) : 1.0;
        t->df = df;
        t->idf = idf(s->n_docs, df);
        q->n++;
    }
    return PS_OK;
}

/* Most informative first; ties by term, so selection is reproducible. */
static int by_value(const void *x, const void *y)
{
    const ps_query_term *a = x, *b = y;
    double va = a->weight * a->idf, vb = b->weight * b->idf;
    if (va != vb)
        return va > vb ? -1 : 1;
    return strcmp(a->term, b->term);
}

ps_rc ps_query_from_text(ps_searcher *s, const char *text, ps_query *q)
{
    ps_strmap_clear(&s->terms);
    collector c = { .m = &s->terms };
    uint32_t pos = 0;
    ps_analyze(s->an, PS_FIELD_TITLE, text, strlen(text), &pos, on_token, &c);
    ps_rc rc = finish(s, &c, false, q);
    if (rc == PS_OK)
        qsort(q->t, q->n, sizeof *q->t, by_value);
    return rc;
}

ps_rc ps_query_from_record(ps_searcher *s, const ps_record *r, size_t max_terms, ps_query *q)
{
    ps_shingler sh;
    uint32_t sig[PS_MH_MAX_K];
    const ps_mh_params *mh = &ps_index_manifest(s->ix)->mh;
    ps_shingler_begin(&sh, mh, sig);
    ps_strmap_clear(&s->terms);
    collector c = { .m = &s->terms, .weight = s->weight, .sh = &sh };
    ps_analyze_record(s->an, r, on_token, &c);
    ps_rc rc = finish(s, &c, true, q);
    if (rc != PS_OK)
        return rc;
    ps_shingler_end(&sh);
    if (!(q->sig = malloc((size_t)mh->k * 4))) {
        ps_query_free(q);
        return PS_ENOMEM;
    }
    ps_mh_to_le(sig, mh->k, q->sig);
    qsort(q->t, q->n, sizeof *q->t, by_value);
    size_t keep = max_terms ? max_terms : PS_DEFAULT_QUERY_TERMS;
    while (q->n > keep)
        free(q->t[--q->n].term);
    return PS_OK;
}

void ps_query_free(ps_query *q)
{
    for (size_t i = 0; i < q->n; i++)
        free(q->t[i].term);
    free(q->t);
    free(q->sig);
    memset(q, 0, sizeof *q);
}
