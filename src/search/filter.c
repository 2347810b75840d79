/* Search filters: deleted documents, dates, CPC prefixes, kind, an
 * excluded id; checked on each candidate against the document columns. */
#include <string.h>

#include "search/searcher_internal.h"

/* Publication date, else filing date, as a day number; PS_DATE_UNKNOWN. */
int32_t ps_doc_day(const ps_segment *seg, uint32_t d)
{
    int32_t v = (int32_t)ps_le32(seg->pub + 4 * (size_t)d);
    if (v == PS_DATE_UNKNOWN)
        v = (int32_t)ps_le32(seg->filing + 4 * (size_t)d);
    return v;
}

/* Does code start with prefix, spaces ignored on both sides ("A61B5/02"
 * matches "A61B 5/0205")? */
static bool cpc_prefix(const char *code, const char *prefix)
{
    for (;;) {
        while (*prefix == ' ')
            prefix++;
        while (*code == ' ')
            code++;
        if (!*prefix)
            return true;
        if (*code != *prefix)
            return false;
        code++;
        prefix++;
    }
}

static bool has_cpc(const ps_segment *seg, uint32_t d, const ps_search_opts *o)
{
    uint64_t a = ps_le64(seg->cpc_off + 8 * (size_t)d), b = ps_le64(seg->cpc_off + 8 * (size_t)d + 8);
    for (uint64_t p = a; p < b;) {
        const char *code = (const char *)seg->cpc_pool + p;
        for (size_t i = 0; i < o->n_cpc; i++)
            if (cpc_prefix(code, o->cpc[i]))
                return true;
        p += strnlen(code, b - p) + 1;
    }
    return false;
}

bool ps_filter_accept(const ps_filter *f, uint32_t d)
{
    if (!ps_segment_live(f->seg, d) || (int64_t)d == f->exclude)
        return false;
    if (f->dated) {
        int32_t day = ps_doc_day(f->seg, d);
        if (day != PS_DATE_UNKNOWN && (day >= f->before || day < f->after))
            return false;
    }
    if (f->o->kind && strncmp((const char *)f->seg->kind + 4 * (size_t)d, f->o->kind, 4) != 0)
        return false;
    if (f->o->n_cpc && !has_cpc(f->seg, d, f->o))
        return false;
    return true;
}

ps_filter ps_filter_of(const ps_segment *seg, const ps_search_opts *o)
{
    ps_filter f = { .seg = seg, .o = o, .before = INT32_MAX, .after = INT32_MIN, .exclude = -1 };
    if (o->before) {
        f.before = ps_date_to_days(o->before);
        f.dated = true;
    }
    if (o->after) {
        f.after = ps_date_to_days(o->after);
        f.dated = true;
    }
    if (o->exclude_id)
        f.exclude = ps_segment_find_id(seg, o->exclude_id);
    return f;
}
