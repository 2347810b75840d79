/* The interface between the reader front end (reader.c) and the format
 * parsers (xml_reader.c, jsonl_reader.c, text_reader.c).
 *
 * Each parser reads one input through ctx->src and builds records in
 * ctx->rb. Its next function returns:
 *   PS_OK       a record is in *out;
 *   PS_END      the input is exhausted;
 *   PS_EPARSE   one bad record (message in ctx->err): the caller may
 *               report it and call again, the parser resumes after it;
 *   PS_EIO, PS_ENOMEM  the input cannot go on (message in ctx->err). */
#ifndef PS_CORPUS_FORMATS_H
#define PS_CORPUS_FORMATS_H

#include "common/buf.h"
#include "common/record_builder.h"
#include "corpus/source.h"
#include "patsift/reader.h"

typedef struct ps_fmt_ctx {
    ps_source *src;        /* NULL when parsing a raw record (ps_raw_parse) */
    const char *name;      /* the input's name, for messages and rec.source */
    ps_record_builder *rb;
    ps_buf *err;
    uint64_t *skipped;     /* documents that are well-formed but not patents */
    void *state;           /* the parser's own, freed by its free function */
} ps_fmt_ctx;

/* Writes "name:line: " + printf-style text into ctx->err; returns rc. */
ps_rc ps_fmt_error(ps_fmt_ctx *ctx, ps_rc rc, uint64_t line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

ps_rc ps_xml_next(ps_fmt_ctx *ctx, const ps_record **out);
void ps_xml_free(ps_fmt_ctx *ctx);

ps_rc ps_jsonl_next(ps_fmt_ctx *ctx, const ps_record **out);
/* The next non-blank line of the input, unparsed (*line 0 at the end). */
ps_rc ps_jsonl_next_line(ps_fmt_ctx *ctx, const char **text, size_t *len, uint64_t *line);
/* Parses one JSON line (line number line) into ctx->rb. */
ps_rc ps_jsonl_parse(ps_fmt_ctx *ctx, const char *text, size_t len, uint64_t line, const ps_record **out);
void ps_jsonl_free(ps_fmt_ctx *ctx);

ps_rc ps_text_next(ps_fmt_ctx *ctx, const ps_record **out);
void ps_text_free(ps_fmt_ctx *ctx);

#endif
