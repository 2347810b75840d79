/* JSON Lines reader: one object per line with the ps_record field names.
 *
 * Accepted: id (required), kind, title, abstract, description, claims (a
 * list of strings or of {"text", "num", "independent"} objects, or one
 * string of numbered claims), cpc, ipc, citations, applicants (lists of
 * strings, or one string), applicant (a string), entity
 * ("micro"|"small"|"large"|"unknown"), fast_track (true/false),
 * filing_date, priority_date, publication_date and its alias date
 * ("YYYY-MM-DD" or "YYYYMMDD"). null means absent; unknown fields are
 * ignored; blank lines are skipped. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "corpus/formats.h"

typedef struct jctx {
    ps_fmt_ctx *ctx;
    uint64_t line;
} jctx;

static ps_rc bad_type(jctx *j, const char *key, const char *expected)
{
    return ps_fmt_error(j->ctx, PS_EPARSE, j->line, "field \"%s\": expected %s", key, expected);
}

/* Sets *s to the string value of key, NULL when absent or null. */
static ps_rc get_str(jctx *j, json_t *o, const char *key, const char **s, size_t *n)
{
    json_t *v = json_object_get(o, key);
    *s = NULL;
    *n = 0;
    if (!v || json_is_null(v))
        return PS_OK;
    if (!json_is_string(v))
        return bad_type(j, key, "a string");
    *s = json_string_value(v);
    *n = json_string_length(v);
    return PS_OK;
}

static ps_rc set_text(jctx *j, json_t *o, const char *key, const char **dst)
{
    const char *s;
    size_t n;
    ps_rc rc = get_str(j, o, key, &s, &n);
    if (rc == PS_OK && s)
        *dst = ps_record_builder_str(j->ctx->rb, s, n);
    return rc;
}

static ps_rc set_date(jctx *j, json_t *o, const char *key, int32_t *dst)
{
    const char *s;
    size_t n;
    ps_rc rc = get_str(j, o, key, &s, &n);
    if (rc != PS_OK || !s)
        return rc;
    if (ps_date_parse(s, n, dst) != PS_OK)
        return ps_fmt_error(j->ctx, PS_EPARSE, j->line,
                            "field \"%s\": \"%.40s\" is not a date (YYYY-MM-DD or YYYYMMDD)", key, s);
    return PS_OK;
}

static ps_rc set_list(jctx *j, json_t *o, const char *key, ps_list_id list)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return PS_OK;
    if (json_is_string(v)) {
        ps_record_builder_add(j->ctx->rb, list, json_string_value(v), json_string_length(v));
        return PS_OK;
    }
    if (!json_is_array(v))
        return bad_type(j, key, "a list of strings");
    size_t i;
    json_t *item;
    json_array_foreach(v, i, item) {
        if (!json_is_string(item))
            return ps_fmt_error(j->ctx, PS_EPARSE, j->line, "field \"%s\": item %zu is not a string", key, i + 1);
        ps_record_builder_add(j->ctx->rb, list, json_string_value(item), json_string_length(item));
    }
    return PS_OK;
}

static ps_rc set_claims(jctx *j, json_t *o)
{
    ps_record_builder *rb = j->ctx->rb;
    json_t *v = json_object_get(o, "claims");
    if (!v || json_is_null(v))
        return PS_OK;
    if (json_is_string(v)) {
        ps_record_builder_add_claims_text(rb, json_string_value(v), json_string_length(v));
        return PS_OK;
    }
    if (!json_is_array(v))
        return bad_type(j, "claims", "a list of claims or a string");
    size_t i;
    json_t *c;
    json_array_foreach(v, i, c) {
        const char *text;
        size_t n;
        uint32_t num = (uint32_t)i + 1;
        int independent = -1;
        if (json_is_string(c)) {
            text = json_string_value(c);
            n = json_string_length(c);
        } else if (json_is_object(c)) {
            json_t *t = json_object_get(c, "text"), *nu = json_object_get(c, "num"),
                   *ind = json_object_get(c, "independent");
            if (!json_is_string(t))
                return ps_fmt_error(j->ctx, PS_EPARSE, j->line, "field \"claims\": claim %zu has no \"text\" string", i + 1);
            if (nu && !json_is_null(nu)) {
                if (!json_is_integer(nu) || json_integer_value(nu) < 0 || json_integer_value(nu) > PS_MAX_CLAIM_NUM)
                    return ps_fmt_error(j->ctx, PS_EPARSE, j->line, "field \"claims\": claim %zu: \"num\" must be a claim number", i + 1);
                num = (uint32_t)json_integer_value(nu);
            }
            if (ind && !json_is_null(ind)) {
                if (!json_is_boolean(ind))
                    return ps_fmt_error(j->ctx, PS_EPARSE, j->line, "field \"claims\": claim %zu: \"independent\" must be true or false", i + 1);
                independent = json_is_true(ind);
            }
            text = json_string_value(t);
            n = json_string_length(t);
        } else {
            return ps_fmt_error(j->ctx, PS_EPARSE, j->line, "field \"claims\": claim %zu is neither a string nor an object", i + 1);
        }
        if (independent < 0)
            independent = !ps_claim_text_is_dependent(text);
        ps_record_builder_add_claim(rb, text, n, num, independent);
    }
    return PS_OK;
}

static ps_rc set_meta(jctx *j, json_t *o)
{
    ps_record *r = &j->ctx->rb->rec;
    const char *s;
    size_t n;
    ps_rc rc = get_str(j, o, "entity", &s, &n);
    if (rc != PS_OK)
        return rc;
    if (s && ps_entity_parse(s, &r->entity) != PS_OK)
        return ps_fmt_error(j->ctx, PS_EPARSE, j->line,
                            "field \"entity\": \"%.40s\" is not one of micro, small, large, unknown", s);
    json_t *ft = json_object_get(o, "fast_track");
    if (ft && !json_is_null(ft)) {
        if (json_is_boolean(ft))
            r->fast_track = json_is_true(ft);
        else if (json_is_integer(ft) && (json_integer_value(ft) == 0 || json_integer_value(ft) == 1))
            r->fast_track = (int)json_integer_value(ft);
        else
            return bad_type(j, "fast_track", "true or false");
    }
    if ((rc = set_date(j, o, "filing_date", &r->filing_date)) != PS_OK ||
        (rc = set_date(j, o, "priority_date", &r->priority_date)) != PS_OK ||
        (rc = set_date(j, o, "publication_date", &r->publication_date)) != PS_OK)
        return rc;
    if (!r->publication_date && (rc = set_date(j, o, "date", &r->publication_date)) != PS_OK)
        return rc;
    return PS_OK;
}

static ps_rc build(jctx *j, json_t *o)
{
    ps_record_builder *rb = j->ctx->rb;
    const char *id;
    size_t n;
    ps_rc rc = get_str(j, o, "id", &id, &n);
    if (rc != PS_OK)
        return rc;
    if (!id)
        return ps_fmt_error(j->ctx, PS_EPARSE, j->line, "missing \"id\"");
    rb->rec.id = ps_record_builder_str(rb, id, n);
    if (!*rb->rec.id)
        return ps_fmt_error(j->ctx, PS_EPARSE, j->line, "\"id\" is empty");
    if ((rc = set_text(j, o, "kind", &rb->rec.kind)) != PS_OK ||
        (rc = set_text(j, o, "title", &rb->rec.title)) != PS_OK ||
        (rc = set_text(j, o, "abstract", &rb->rec.abstract)) != PS_OK ||
        (rc = set_text(j, o, "description", &rb->rec.description)) != PS_OK ||
        (rc = set_claims(j, o)) != PS_OK)
        return rc;
    const char *appl;
    if ((rc = get_str(j, o, "applicant", &appl, &n)) != PS_OK)
        return rc;
    if (appl)
        ps_record_builder_add(rb, PS_LIST_APPLICANTS, appl, n);
    if ((rc = set_list(j, o, "applicants", PS_LIST_APPLICANTS)) != PS_OK ||
        (rc = set_list(j, o, "cpc", PS_LIST_CPC)) != PS_OK ||
        (rc = set_list(j, o, "ipc", PS_LIST_IPC)) != PS_OK ||
        (rc = set_list(j, o, "citations", PS_LIST_CITATIONS)) != PS_OK)
        return rc;
    return set_meta(j, o);
}

static bool blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return false;
    return true;
}

ps_rc ps_jsonl_next_line(ps_fmt_ctx *ctx, const char **text, size_t *len, uint64_t *line)
{
    for (;;) {
        int r = ps_source_getline(ctx->src, text, len);
        if (r < 0)
            return ps_fmt_error(ctx, PS_EIO, ctx->src->line_no + 1, "read error: %s", ctx->src->errmsg);
        if (r == 0)
            return PS_END;
        if (!blank(*text, *len))
            break;
    }
    *line = ctx->src->line_no;
    return PS_OK;
}

ps_rc ps_jsonl_parse(ps_fmt_ctx *ctx, const char *text, size_t len, uint64_t line, const ps_record **out)
{
    jctx j = { .ctx = ctx, .line = line };
    json_error_t e;
    json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &e);
    if (!o)
        return ps_fmt_error(ctx, PS_EPARSE, j.line, "invalid JSON at column %d: %s", e.column, e.text);
    ps_rc rc;
    if (!json_is_object(o)) {
        rc = ps_fmt_error(ctx, PS_EPARSE, j.line, "expected a JSON object, found %s",
                          json_is_array(o) ? "a list" : json_is_string(o) ? "a string" : "a scalar");
    } else {
        ps_record_builder_reset(ctx->rb);
        rc = build(&j, o);
    }
    json_decref(o);
    if (rc != PS_OK)
        return rc;
    ctx->rb->rec.source = ctx->name;
    ctx->rb->rec.source_line = j.line;
    *out = ps_record_builder_finish(ctx->rb);
    return *out ? PS_OK : ps_fmt_error(ctx, PS_ENOMEM, j.line, "out of memory");
}

ps_rc ps_jsonl_next(ps_fmt_ctx *ctx, const ps_record **out)
{
    const char *text;
    size_t len;
    uint64_t line;
    ps_rc rc = ps_jsonl_next_line(ctx, &text, &len, &line);
    return rc == PS_OK ? ps_jsonl_parse(ctx, text, len, line, out) : rc;
}

void ps_jsonl_free(ps_fmt_ctx *ctx)
{
    (void)ctx;
}
