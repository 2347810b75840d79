/* Plain-text reader: one patent per file.
 *
 * The id is the file name without its folder and .txt/.gz endings. The
 * first non-blank line is the title. A line that is exactly "Abstract",
 * "Claims" or "Description" (any case, optional colon), or a claims
 * preamble such as "What is claimed is:", starts that section; text before
 * any heading is description. Claims are split at their numbers. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/utf8.h"
#include "corpus/formats.h"

typedef enum { SEC_NONE, SEC_ABSTRACT, SEC_CLAIMS, SEC_DESCRIPTION } section;

typedef struct text_state {
    bool done;
    ps_buf part[4];
    ps_buf line;      /* the current line, invalid UTF-8 replaced */
} text_state;

static section heading(const char *line, size_t n)
{
    while (n && isspace((unsigned char)line[n - 1]))
        n--;
    while (n && isspace((unsigned char)*line))
        line++, n--;
    if (n && line[n - 1] == ':')
        n--;
    static const struct { const char *word; section sec; } heads[] = {
        { "abstract", SEC_ABSTRACT }, { "claims", SEC_CLAIMS }, { "description", SEC_DESCRIPTION },
        { "what is claimed is", SEC_CLAIMS }, { "we claim", SEC_CLAIMS }, { "i claim", SEC_CLAIMS },
        { "the invention claimed is", SEC_CLAIMS },
    };
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++)
        if (strlen(heads[i].word) == n && strncasecmp(line, heads[i].word, n) == 0)
            return heads[i].sec;
    return SEC_NONE;
}

static void id_from_name(const char *path, char *out, size_t cap)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (strcmp(path, "-") == 0)
        base = "stdin";
    size_t n = strlen(base);
    if (n > 3 && strcasecmp(base + n - 3, ".gz") == 0)
        n -= 3;
    if (n > 4 && strncasecmp(base + n - 4, ".txt", 4) == 0)
        n -= 4;
    if (n >= cap)
        n = cap - 1;
    memcpy(out, base, n);
    out[n] = '\0';
}

ps_rc ps_text_next(ps_fmt_ctx *ctx, const ps_record **out)
{
    text_state *s = ctx->state;
    if (!s) {
        s = ctx->state = calloc(1, sizeof *s);
        if (!s)
            return PS_ENOMEM;
    }
    if (s->done)
        return PS_END;
    s->done = true;
    ps_record_builder *rb = ctx->rb;
    ps_record_builder_reset(rb);
    for (int i = 0; i < 4; i++)
        ps_buf_reset(&s->part[i]);
    const char *line;
    size_t len;
    bool have_title = false;
    section sec = SEC_DESCRIPTION;
    uint64_t first_line = 0;
    int r;
    while ((r = ps_source_getline(ctx->src, &line, &len)) > 0) {
        ps_buf_reset(&s->line);
        ps_utf8_repair(line, len, &s->line);
        line = s->line.data;
        len = s->line.len;
        if (!have_title) {
            size_t k = 0;
            while (k < len && isspace((unsigned char)line[k]))
                k++;
            if (k == len)
                continue;
            rb->rec.title = ps_record_builder_str(rb, line, len);
            first_line = ctx->src->line_no;
            have_title = true;
            continue;
        }
        section h = heading(line, len);
        if (h != SEC_NONE) {
            sec = h;
            continue;
        }
        ps_buf_append(&s->part[sec], line, len);
    }
    if (r < 0)
        return ps_fmt_error(ctx, PS_EIO, ctx->src->line_no + 1, "read error: %s", ctx->src->errmsg);
    if (!have_title)
        return ps_fmt_error(ctx, PS_EPARSE, 0, "empty text file: a patent needs at least a title line");
    char id[256];
    id_from_name(ctx->name, id, sizeof id);
    ps_buf_reset(&s->line);
    ps_utf8_repair(id, strlen(id), &s->line);
    rb->rec.id = ps_record_builder_str(rb, s->line.data, s->line.len);
    if (!*rb->rec.id)
        return ps_fmt_error(ctx, PS_EPARSE, 0, "no id: the file name gives none (name text files after the patent, e.g. US1234567B1.txt)");
    rb->rec.abstract = ps_record_builder_str(rb, s->part[SEC_ABSTRACT].data, s->part[SEC_ABSTRACT].len);
    rb->rec.description =
        ps_record_builder_str(rb, s->part[SEC_DESCRIPTION].data, s->part[SEC_DESCRIPTION].len);
    if (s->part[SEC_CLAIMS].len)
        ps_record_builder_add_claims_text(rb, s->part[SEC_CLAIMS].data, s->part[SEC_CLAIMS].len);
    rb->rec.source = ctx->name;
    rb->rec.source_line = first_line;
    *out = ps_record_builder_finish(rb);
    return *out ? PS_OK : ps_fmt_error(ctx, PS_ENOMEM, first_line, "out of memory");
}

void ps_text_free(ps_fmt_ctx *ctx)
{
    text_state *s = ctx->state;
    if (!s)
        return;
    for (int i = 0; i < 4; i++)
        ps_buf_free(&s->part[i]);
    ps_buf_free(&s->line);
    free(s);
    ctx->state = NULL;
}
