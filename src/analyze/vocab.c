/* Term and document frequencies over analysed records. */
#include <stdlib.h>
#include <string.h>

#include "common/strmap.h"
#include "patsift/vocab.h"

/* Each thread updates its own vocab on every token: cache-line aligned and
 * padded so two threads' vocabs never share a line (false sharing halved
 * 2-thread throughput before). */
struct ps_vocab {
    _Alignas(64) ps_strmap map;
    uint64_t docs, tokens;
    char pad[64];
};

ps_vocab *ps_vocab_create(void)
{
    ps_vocab *v = aligned_alloc(64, sizeof(ps_vocab));
    if (v)
        memset(v, 0, sizeof *v);
    return v;
}

void ps_vocab_free(ps_vocab *v)
{
    if (!v)
        return;
    ps_strmap_free(&v->map);
    free(v);
}

static int count(const ps_token *t, void *ctx)
{
    ps_vocab *v = ctx;
    ps_strmap_entry *e = ps_strmap_get(&v->map, t->term, t->len);
    if (!e)
        return 1;
    e->a++;
    if (e->stamp != v->docs) {
        e->stamp = v->docs;
        e->b++;
    }
    v->tokens++;
    return 0;
}

ps_rc ps_vocab_add_record(ps_vocab *v, ps_analyzer *a, const ps_record *r)
{
    v->docs++; /* stamps are 1-based document numbers, so 0 means "never seen" */
    ps_rc rc = ps_analyze_record(a, r, count, v);
    return v->map.oom ? PS_ENOMEM : rc == PS_END ? PS_ENOMEM : PS_OK;
}

ps_rc ps_vocab_merge(ps_vocab *dst, const ps_vocab *src)
{
    for (size_t i = 0; src->map.slot && i <= src->map.mask; i++) {
        const ps_strmap_entry *s = &src->map.slot[i];
        if (!s->key)
            continue;
        ps_strmap_entry *d = ps_strmap_get(&dst->map, s->key, s->len);
        if (!d)
            return PS_ENOMEM;
        d->a += s->a;
        d->b += s->b;
    }
    dst->docs += src->docs;
    dst->tokens += src->tokens;
    return PS_OK;
}

uint64_t ps_vocab_docs(const ps_vocab *v) { return v->docs; }
size_t ps_vocab_distinct(const ps_vocab *v) { return v->map.n; }
uint64_t ps_vocab_tokens(const ps_vocab *v) { return v->tokens; }

/* a ranks above b */
static int better(const ps_vocab_term *a, const ps_vocab_term *b)
{
    if (a->df != b->df)
        return a->df > b->df;
    if (a->tf != b->tf)
        return a->tf > b->tf;
    return strcmp(a->term, b->term) < 0;
}

size_t ps_vocab_top(const ps_vocab *v, ps_vocab_term *out, size_t k)
{
    size_t n = 0;
    for (size_t i = 0; k && v->map.slot && i <= v->map.mask; i++) {
        const ps_strmap_entry *e = &v->map.slot[i];
        if (!e->key)
            continue;
        ps_vocab_term t = { .term = e->key, .tf = e->a, .df = e->b };
        if (n == k && !better(&t, &out[n - 1]))
            continue;
        /* insertion into the sorted top list: k is small (tens) */
        size_t j = n < k ? n++ : n - 1;
        while (j > 0 && better(&t, &out[j - 1])) {
            out[j] = out[j - 1];
            j--;
        }
        out[j] = t;
    }
    return n;
}
