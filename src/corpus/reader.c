/* The reader front end: a queue of inputs (files, expanded folders, stdin,
 * buffers), format detection, and error policy (report and skip, or stop
 * when strict). The format parsers behind it see one input at a time. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "corpus/formats.h"

typedef struct input {
    char *path;             /* owned; NULL for buffers */
    const void *data;
    size_t len;
    char *name;             /* owned, buffers only */
    ps_format format;
    uint64_t size;          /* bytes on disk, for progress */
} input;

struct ps_reader {
    ps_reader_opts opts;
    input *in;
    size_t n_in, cap_in, cur;
    bool open;
    ps_format fmt;          /* format of the open input */
    ps_source src;
    ps_fmt_ctx ctx;
    ps_record_builder rb;
    ps_buf err;
    ps_reader_stats st;
    uint64_t total_size, done_size;
};

static const char *const format_names[] = { "auto", "uspto-xml", "jsonl", "text" };

const char *ps_format_name(ps_format f)
{
    return (unsigned)f <= PS_FORMAT_TEXT ? format_names[f] : "?";
}

ps_rc ps_format_parse(const char *name, ps_format *out)
{
    for (int f = 0; f <= PS_FORMAT_TEXT; f++) {
        if (strcmp(name, format_names[f]) == 0) {
            *out = (ps_format)f;
            return PS_OK;
        }
    }
    if (strcmp(name, "xml") == 0) {
        *out = PS_FORMAT_USPTO_XML;
        return PS_OK;
    }
    return PS_EPARSE;
}

ps_rc ps_fmt_error(ps_fmt_ctx *ctx, ps_rc rc, uint64_t line, const char *fmt, ...)
{
    ps_buf_reset(ctx->err);
    char head[1100];
    int n = line ? snprintf(head, sizeof head, "%s:%llu: ", ctx->name, (unsigned long long)line)
                 : snprintf(head, sizeof head, "%s: ", ctx->name);
    ps_buf_append(ctx->err, head, (size_t)n < sizeof head ? (size_t)n : sizeof head - 1);
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ps_buf_append(ctx->err, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
    ps_buf_cstr(ctx->err);
    return rc;
}

ps_rc ps_reader_create(const ps_reader_opts *opts, ps_reader **out)
{
    ps_reader *r = calloc(1, sizeof *r);
    *out = r;
    if (!r)
        return PS_ENOMEM;
    if (opts)
        r->opts = *opts;
    ps_record_builder_reset(&r->rb);
    ps_buf_cstr(&r->err);
    return PS_OK;
}

static void close_input(ps_reader *r)
{
    if (!r->open)
        return;
    switch (r->fmt) {
    case PS_FORMAT_USPTO_XML: ps_xml_free(&r->ctx); break;
    case PS_FORMAT_JSONL: ps_jsonl_free(&r->ctx); break;
    default: ps_text_free(&r->ctx); break;
    }
    r->st.bytes += r->src.bytes;
    r->done_size += r->in[r->cur].size;
    ps_source_close(&r->src);
    r->open = false;
}

void ps_reader_free(ps_reader *r)
{
    if (!r)
        return;
    close_input(r);
    for (size_t i = 0; i < r->n_in; i++) {
        free(r->in[i].path);
        free(r->in[i].name);
    }
    free(r->in);
    ps_record_builder_free(&r->rb);
    ps_buf_free(&r->err);
    free(r);
}

static void set_err(ps_reader *r, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ps_buf_reset(&r->err);
    ps_buf_append(&r->err, msg, strlen(msg));
    ps_buf_cstr(&r->err);
}

static ps_rc push(ps_reader *r, input in)
{
    if (r->n_in == r->cap_in) {
        size_t cap = r->cap_in ? r->cap_in * 2 : 8;
        input *p = realloc(r->in, cap * sizeof *p);
        if (!p)
            return PS_ENOMEM;
        r->in = p;
        r->cap_in = cap;
    }
    r->in[r->n_in++] = in;
    r->total_size += in.size;
    return PS_OK;
}

ps_format ps_format_from_name(const char *path)
{
    size_t n = strlen(path);
    if (n > 3 && strcasecmp(path + n - 3, ".gz") == 0)
        n -= 3;
    static const struct { const char *ext; ps_format f; } ext[] = {
        { ".xml", PS_FORMAT_USPTO_XML }, { ".jsonl", PS_FORMAT_JSONL }, { ".ndjson", PS_FORMAT_JSONL },
        { ".json", PS_FORMAT_JSONL }, { ".txt", PS_FORMAT_TEXT },
    };
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
        size_t k = strlen(ext[i].ext);
        if (n > k && strncasecmp(path + n - k, ext[i].ext, k) == 0)
            return ext[i].f;
    }
    return PS_FORMAT_AUTO;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds the readable patent files under dir, recursively, in name order. */
static ps_rc add_dir(ps_reader *r, const char *dir, int depth)
{
    if (depth > 32) {
        set_err(r, "%s: folders nested too deeply (a symlink loop?)", dir);
        return PS_EIO;
    }
    DIR *d = opendir(dir);
    if (!d) {
        set_err(r, "%s: cannot open folder: %s", dir, strerror(errno));
        return PS_EIO;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    ps_rc rc = PS_OK;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue; /* hidden files, ".", ".." */
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **p = realloc(names, cap * sizeof *p);
            if (!p) {
                rc = PS_ENOMEM;
                break;
            }
            names = p;
        }
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        names[n] = malloc(len);
        if (!names[n]) {
            rc = PS_ENOMEM;
            break;
        }
        snprintf(names[n++], len, "%s/%s", dir, e->d_name);
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n && rc == PS_OK; i++) {
        struct stat st;
        if (stat(names[i], &st) != 0)
            continue; /* vanished or a dangling link: nothing to read */
        if (S_ISDIR(st.st_mode))
            rc = add_dir(r, names[i], depth + 1);
        else if (S_ISREG(st.st_mode) && ps_format_from_name(names[i]) != PS_FORMAT_AUTO) {
            char *p = strdup(names[i]);
            rc = p ? push(r, (input){ .path = p, .format = r->opts.format, .size = (uint64_t)st.st_size })
                   : PS_ENOMEM;
            if (rc != PS_OK)
                free(p);
        }
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (rc == PS_ENOMEM)
        set_err(r, "%s: out of memory listing the folder", dir);
    return rc;
}

ps_rc ps_reader_add_path(ps_reader *r, const char *path)
{
    struct stat st;
    if (strcmp(path, "-") != 0) {
        if (stat(path, &st) != 0) {
            set_err(r, "%s: %s", path, strerror(errno));
            return PS_EIO;
        }
        if (S_ISDIR(st.st_mode))
            return add_dir(r, path, 0);
    }
    char *p = strdup(path);
    if (!p)
        return PS_ENOMEM;
    uint64_t size = strcmp(path, "-") == 0 || !S_ISREG(st.st_mode) ? 0 : (uint64_t)st.st_size;
    ps_rc rc = push(r, (input){ .path = p, .format = r->opts.format, .size = size });
    if (rc != PS_OK)
        free(p);
    return rc;
}

ps_rc ps_reader_add_buffer(ps_reader *r, const void *data, size_t len, const char *name, ps_format format)
{
    char *n = strdup(name ? name : "buffer");
    if (!n)
        return PS_ENOMEM;
    ps_rc rc = push(r, (input){ .data = data, .len = len, .name = n, .format = format });
    if (rc != PS_OK)
        free(n);
    return rc;
}

/* Looks at the first non-blank line and puts it back. */
static ps_format sniff(ps_source *s)
{
    const char *line;
    size_t len;
    int rc;
    while ((rc = ps_source_getline(s, &line, &len)) > 0) {
        size_t i = 0;
        while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r' || line[i] == '\n'))
            i++;
        if (i == len)
            continue;
        ps_source_unget(s);
        return line[i] == '<' ? PS_FORMAT_USPTO_XML : line[i] == '{' ? PS_FORMAT_JSONL : PS_FORMAT_TEXT;
    }
    return PS_FORMAT_JSONL; /* empty or unreadable: any parser reports it the same way */
}

static ps_rc open_input(ps_reader *r)
{
    input *in = &r->in[r->cur];
    if (in->path) {
        if (ps_source_open_path(&r->src, in->path) != 0) {
            set_err(r, "%s: cannot open: %s", in->path, strerror(errno));
            return PS_EIO;
        }
    } else {
        ps_source_open_mem(&r->src, in->data, in->len, in->name);
    }
    r->fmt = in->format;
    if (r->fmt == PS_FORMAT_AUTO && in->path)
        r->fmt = ps_format_from_name(in->path);
    if (r->fmt == PS_FORMAT_AUTO)
        r->fmt = sniff(&r->src);
    r->ctx = (ps_fmt_ctx){ .src = &r->src, .name = r->src.name, .rb = &r->rb, .err = &r->err,
                           .skipped = &r->st.skipped };
    r->open = true;
    r->st.files++;
    return PS_OK;
}

static void report(ps_reader *r)
{
    r->st.errors++;
    if (r->opts.on_error)
        r->opts.on_error(ps_buf_cstr(&r->err), r->opts.ctx);
}

/* The next record into *out, or with raw set, JSON lines unparsed into *raw. */
static ps_rc next(ps_reader *r, const ps_record **out, ps_raw_record *raw)
{
    *out = NULL;
    for (;;) {
        if (!r->open) {
            if (r->cur == r->n_in)
                return PS_END;
            ps_rc rc = open_input(r);
            if (rc != PS_OK) {
                r->done_size += r->in[r->cur].size;
                r->cur++;
                if (r->opts.strict)
                    return rc;
                report(r);
                continue;
            }
        }
        ps_rc rc;
        switch (r->fmt) {
        case PS_FORMAT_USPTO_XML: rc = ps_xml_next(&r->ctx, out); break;
        case PS_FORMAT_JSONL:
            if (raw) {
                rc = ps_jsonl_next_line(&r->ctx, &raw->text, &raw->len, &raw->line);
                raw->source = r->ctx.name;
            } else {
                rc = ps_jsonl_next(&r->ctx, out);
            }
            break;
        default: rc = ps_text_next(&r->ctx, out); break;
        }
        switch (rc) {
        case PS_OK:
            r->st.records++;
            ps_buf_reset(&r->err);
            return PS_OK;
        case PS_END:
            close_input(r);
            r->cur++;
            continue;
        case PS_EPARSE:
            if (r->opts.strict) {
                r->st.errors++;
                return rc;
            }
            report(r);
            continue;
        default: /* this input cannot go on */
            close_input(r);
            r->cur++;
            if (r->opts.strict || rc == PS_ENOMEM) {
                r->st.errors++;
                return rc;
            }
            report(r);
            continue;
        }
    }
}

ps_rc ps_reader_next(ps_reader *r, const ps_record **out)
{
    return next(r, out, NULL);
}

ps_rc ps_reader_next_raw(ps_reader *r, ps_raw_record *out)
{
    *out = (ps_raw_record){ 0 };
    return next(r, &out->rec, out);
}

struct ps_raw_parser {
    ps_record_builder rb;
    ps_buf err;
    void *jsonl_state;  /* the JSON parser's, kept from line to line */
};

ps_raw_parser *ps_raw_parser_create(void)
{
    ps_raw_parser *p = calloc(1, sizeof *p);
    if (p)
        ps_record_builder_reset(&p->rb);
    return p;
}

void ps_raw_parser_free(ps_raw_parser *p)
{
    if (!p)
        return;
    ps_fmt_ctx ctx = { .state = p->jsonl_state };
    ps_jsonl_free(&ctx);
    ps_record_builder_free(&p->rb);
    ps_buf_free(&p->err);
    free(p);
}

ps_rc ps_raw_parse(ps_raw_parser *p, const ps_raw_record *raw, const ps_record **out)
{
    if (raw->rec) {
        *out = raw->rec;
        return PS_OK;
    }
    ps_fmt_ctx ctx = { .name = raw->source, .rb = &p->rb, .err = &p->err, .state = p->jsonl_state };
    ps_buf_reset(&p->err);
    ps_rc rc = ps_jsonl_parse(&ctx, raw->text, raw->len, raw->line, out);
    p->jsonl_state = ctx.state;
    return rc;
}

const char *ps_raw_parser_errmsg(const ps_raw_parser *p)
{
    return p->err.data ? p->err.data : "";
}

const char *ps_reader_errmsg(const ps_reader *r)
{
    return r->err.len ? r->err.data : ""; /* reset keeps the old bytes */
}

void ps_reader_stats_get(const ps_reader *r, ps_reader_stats *out)
{
    *out = r->st;
    if (r->open)
        out->bytes += r->src.bytes;
}

uint64_t ps_reader_input_size(const ps_reader *r)
{
    return r->total_size;
}

uint64_t ps_reader_input_pos(const ps_reader *r)
{
    uint64_t pos = r->done_size;
    if (r->open)
        pos += ps_source_raw_offset(&r->src);
    return pos;
}
