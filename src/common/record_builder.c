/* Record builder: arena-backed strings, growable claim and string lists. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/record_builder.h"

void ps_record_builder_reset(ps_record_builder *b)
{
    ps_arena_reset(&b->arena);
    b->n_claims = 0;
    for (int i = 0; i < PS_LIST_COUNT; i++) {
        b->lists[i].n = 0;
        if (b->lists[i].seen.n)
            ps_strmap_free(&b->lists[i].seen);
    }
    b->oom = false;
    b->rec = (ps_record){
        .id = "", .kind = "", .title = "", .abstract = "", .description = "",
        .fast_track = -1, .source = "",
    };
}

void ps_record_builder_free(ps_record_builder *b)
{
    ps_arena_free(&b->arena);
    free(b->claims);
    for (int i = 0; i < PS_LIST_COUNT; i++) {
        free(b->lists[i].items);
        ps_strmap_free(&b->lists[i].seen);
    }
    memset(b, 0, sizeof *b);
}

const char *ps_record_builder_str(ps_record_builder *b, const char *s, size_t n)
{
    char *p = ps_arena_alloc(&b->arena, n + 1);
    if (!p) {
        b->oom = true;
        return "";
    }
    ps_squeeze_space(s, n, p);
    return p;
}

/* Appends a claim whose text is already a squeezed copy in the arena. */
static void push_claim(ps_record_builder *b, const char *t, uint32_t num, bool independent)
{
    if (!*t)
        return;
    if (!ps_grow((void **)&b->claims, &b->cap_claims, b->n_claims + 1, sizeof *b->claims)) {
        b->oom = true;
        return;
    }
    b->claims[b->n_claims++] = (ps_claim){ .text = t, .num = num, .independent = independent };
}

void ps_record_builder_add_claim(ps_record_builder *b, const char *text, size_t n, uint32_t num,
                                 bool independent)
{
    push_claim(b, ps_record_builder_str(b, text, n), num, independent);
}

void ps_record_builder_add(ps_record_builder *b, ps_list_id list, const char *s, size_t n)
{
    ps_growlist *l = &b->lists[list];
    const char *t = ps_record_builder_str(b, s, n);
    if (!*t)
        return;
    /* short lists (nearly all) are scanned; past SCAN_MAX a hash set keeps
     * a hostile 100,000-code list from costing quadratic time */
    enum { SCAN_MAX = 32 };
    if (l->n < SCAN_MAX) {
        for (size_t i = 0; i < l->n; i++)
            if (strcmp(l->items[i], t) == 0)
                return;
    } else {
        if (l->seen.n == 0)
            for (size_t i = 0; i < l->n; i++) {
                ps_strmap_entry *e = ps_strmap_get(&l->seen, l->items[i], strlen(l->items[i]));
                if (e)
                    e->a = 1;
            }
        ps_strmap_entry *e = ps_strmap_get(&l->seen, t, strlen(t));
        if (!e) {
            b->oom = true;
            return;
        }
        if (e->a)
            return;
        e->a = 1;
    }
    if (!ps_grow((void **)&l->items, &l->cap, l->n + 1, sizeof *l->items)) {
        b->oom = true;
        return;
    }
    l->items[l->n++] = t;
}

const ps_record *ps_record_builder_finish(ps_record_builder *b)
{
    if (b->oom || b->arena.oom)
        return NULL;
    b->rec.claims = b->claims;
    b->rec.n_claims = b->n_claims;
    ps_strlist *dst[PS_LIST_COUNT] = { &b->rec.cpc, &b->rec.ipc, &b->rec.applicants,
                                       &b->rec.citations };
    for (int i = 0; i < PS_LIST_COUNT; i++)
        *dst[i] = (ps_strlist){ .items = b->lists[i].items, .count = b->lists[i].n };
    return &b->rec;
}

bool ps_claim_text_is_dependent(const char *text)
{
    for (const char *p = text; (p = strstr(p, "laim")) != NULL; p += 4) {
        if (p == text || (p[-1] != 'c' && p[-1] != 'C'))
            continue;
        const char *q = p + 4;
        if (*q == 's')
            q++;
        while (*q == ' ')
            q++;
        if (isdigit((unsigned char)*q))
            return true;
    }
    return false;
}

/* Finds "<num>." at a line/space boundary at or after from; returns its
 * offset or n when absent. */
static size_t find_claim_number(const char *s, size_t n, size_t from, unsigned num)
{
    char pat[16];
    int plen = snprintf(pat, sizeof pat, "%u.", num);
    for (size_t i = from; i + (size_t)plen <= n; i++) {
        if ((i == 0 || isspace((unsigned char)s[i - 1])) && memcmp(s + i, pat, (size_t)plen) == 0 &&
            (i + (size_t)plen == n || isspace((unsigned char)s[i + (size_t)plen])))
            return i;
    }
    return n;
}

void ps_record_builder_add_claims_text(ps_record_builder *b, const char *s, size_t n)
{
    size_t start = find_claim_number(s, n, 0, 1);
    if (start == n) {
        const char *t = ps_record_builder_str(b, s, n);
        push_claim(b, t, 1, !ps_claim_text_is_dependent(t));
        return;
    }
    for (unsigned num = 1; start < n; num++) {
        size_t next = find_claim_number(s, n, start + 1, num + 1);
        const char *t = ps_record_builder_str(b, s + start, next - start);
        push_claim(b, t, num, !ps_claim_text_is_dependent(t));
        start = next;
    }
}
