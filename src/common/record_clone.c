/* Deep copy of a record into a single allocation: sizes first, then copy. */
#include <stdlib.h>
#include <string.h>

#include "patsift/record.h"

typedef struct cursor {
    char *p;
} cursor;

static const char *put(cursor *c, const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = c->p;
    memcpy(d, s, n);
    c->p += n;
    return d;
}

static size_t list_size(ps_strlist l)
{
    size_t n = l.count * sizeof(char *);
    for (size_t i = 0; i < l.count; i++)
        n += strlen(l.items[i]) + 1;
    return n;
}

static ps_strlist put_list(cursor *c, const char **slots, ps_strlist l)
{
    for (size_t i = 0; i < l.count; i++)
        slots[i] = put(c, l.items[i]);
    return (ps_strlist){ .items = slots, .count = l.count };
}

ps_record *ps_record_clone(const ps_record *r)
{
    const ps_strlist *lists[4] = { &r->cpc, &r->ipc, &r->applicants, &r->citations };
    size_t n = sizeof(ps_record) + r->n_claims * sizeof(ps_claim);
    for (int i = 0; i < 4; i++)
        n += list_size(*lists[i]);
    const char *texts[] = { r->id, r->kind, r->title, r->abstract, r->description, r->source };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        n += strlen(texts[i]) + 1;
    for (size_t i = 0; i < r->n_claims; i++)
        n += strlen(r->claims[i].text) + 1;
    ps_record *c = malloc(n);
    if (!c)
        return NULL;
    *c = *r;
    ps_claim *claims = (ps_claim *)(c + 1);
    const char **slots = (const char **)(claims + r->n_claims);
    size_t n_slots = 0;
    for (int i = 0; i < 4; i++)
        n_slots += lists[i]->count;
    cursor cur = { (char *)(slots + n_slots) };
    c->cpc = put_list(&cur, slots, r->cpc);
    c->ipc = put_list(&cur, slots += r->cpc.count, r->ipc);
    c->applicants = put_list(&cur, slots += r->ipc.count, r->applicants);
    c->citations = put_list(&cur, slots += r->applicants.count, r->citations);
    c->id = put(&cur, r->id);
    c->kind = put(&cur, r->kind);
    c->title = put(&cur, r->title);
    c->abstract = put(&cur, r->abstract);
    c->description = put(&cur, r->description);
    c->source = put(&cur, r->source);
    for (size_t i = 0; i < r->n_claims; i++)
        claims[i] = (ps_claim){ .text = put(&cur, r->claims[i].text), .num = r->claims[i].num,
                                .independent = r->claims[i].independent };
    c->claims = claims;
    return c;
}
