/* patsift: patent readers. One stream of ps_record from any mix of inputs.
 *
 * Inputs are files, folders (walked recursively, in name order, taking
 * *.xml, *.jsonl, *.ndjson, *.json and *.txt, each optionally .gz) or "-"
 * for standard input. Compressed (.gz) input is read transparently,
 * whatever its name. Formats:
 *   uspto-xml  USPTO bulk XML (us-patent-grant / us-patent-application, DTD
 *              v4.x): many <?xml ...?> documents concatenated in one file.
 *              Non-patent documents (sequence-cwu, ...) are skipped and counted.
 *   jsonl      one JSON object per line with the ps_record field names.
 *   text       one patent per file: id from the file name, first line the
 *              title, then optional sections headed "Abstract", "Claims",
 *              "Description" on lines of their own.
 * Everything streams: one record in memory at a time.
 *
 * A reader is single-threaded; use one per thread. */
#ifndef PATSIFT_READER_H
#define PATSIFT_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "patsift/errors.h"
#include "patsift/record.h"

typedef enum ps_format {
    PS_FORMAT_AUTO = 0,   /* by file name, else by the first non-blank byte */
    PS_FORMAT_USPTO_XML,
    PS_FORMAT_JSONL,
    PS_FORMAT_TEXT
} ps_format;

/* "auto", "uspto-xml", "jsonl", "text". */
const char *ps_format_name(ps_format f);
ps_rc ps_format_parse(const char *name, ps_format *out);

/* The format a file name implies (".xml", ".jsonl", ".ndjson", ".json",
 * ".txt", each optionally ".gz"), or PS_FORMAT_AUTO when it says nothing. */
ps_format ps_format_from_name(const char *path);

/* Called for every bad record or unreadable input in non-strict mode, with
 * a message "file:line: what is wrong". */
typedef void (*ps_diag_fn)(const char *msg, void *ctx);

typedef struct ps_reader_opts {
    ps_format format;     /* PS_FORMAT_AUTO unless forced */
    bool strict;          /* first bad record stops the stream with PS_EPARSE */
    ps_diag_fn on_error;  /* may be NULL: errors are then only counted */
    void *ctx;
} ps_reader_opts;

typedef struct ps_reader_stats {
    uint64_t records;      /* records returned */
    uint64_t skipped;      /* well-formed documents that are not patents */
    uint64_t errors;       /* bad records or inputs */
    uint64_t files;        /* input files opened */
    uint64_t bytes;        /* uncompressed bytes read */
} ps_reader_stats;

typedef struct ps_reader ps_reader;

/* Creates a reader with no inputs; opts may be NULL. Free with
 * ps_reader_free (NULL is a no-op). */
ps_rc ps_reader_create(const ps_reader_opts *opts, ps_reader **out);
void ps_reader_free(ps_reader *r);

/* Queues a path (file, folder or "-"). Nothing is opened until
 * ps_reader_next reaches it. The path is copied. */
ps_rc ps_reader_add_path(ps_reader *r, const char *path);

/* Queues a buffer as one input named name (for tests, fuzzing, and callers
 * that already hold the bytes). The bytes are NOT copied: keep them alive
 * until the reader is freed. */
ps_rc ps_reader_add_buffer(ps_reader *r, const void *data, size_t len, const char *name,
                           ps_format format);

/* Returns the next record in *out (valid until the next call), PS_END after
 * the last one, or an error (PS_EIO, PS_EPARSE in strict mode, PS_ENOMEM):
 * ps_reader_errmsg then says what happened. In non-strict mode a bad record
 * is reported through on_error and skipped. */
ps_rc ps_reader_next(ps_reader *r, const ps_record **out);

/* ---- parsing on other threads ----
 * Parsing JSON costs several times more than reading it (measured: jansson
 * took a fifth of the CPU time of an index build, all on the thread that
 * read). A caller with threads to spare takes records raw with
 * ps_reader_next_raw and parses them on any thread with a ps_raw_parser
 * (one per thread). Bad raw records are then the caller's to report, in
 * input order: the reader's stats count them among the records returned,
 * not among the errors. */
typedef struct ps_raw_record {
    const ps_record *rec;  /* parsed already (XML and text inputs), or NULL: */
    const char *text;      /* one JSON line, not NUL-terminated */
    size_t len;
    const char *source;    /* the input's name */
    uint64_t line;         /* text and source are valid until the next call */
} ps_raw_record;

/* Like ps_reader_next, but JSON Lines records come back unparsed. */
ps_rc ps_reader_next_raw(ps_reader *r, ps_raw_record *out);

typedef struct ps_raw_parser ps_raw_parser;

/* NULL when out of memory. Free with ps_raw_parser_free (NULL is a no-op). */
ps_raw_parser *ps_raw_parser_create(void);
void ps_raw_parser_free(ps_raw_parser *p);

/* Parses a raw JSON line into *out, valid until the next call on p.
 * PS_EPARSE (or PS_ENOMEM): ps_raw_parser_errmsg says "source:line: what
 * is wrong", the same message ps_reader_next gives. */
ps_rc ps_raw_parse(ps_raw_parser *p, const ps_raw_record *raw, const ps_record **out);
const char *ps_raw_parser_errmsg(const ps_raw_parser *p);

/* The last error, "file:line: what is wrong"; "" if none. Valid until the
 * next call on r. */
const char *ps_reader_errmsg(const ps_reader *r);

void ps_reader_stats_get(const ps_reader *r, ps_reader_stats *out);

/* Total size in bytes of the queued regular files (compressed size for .gz),
 * for progress estimates; 0 when unknown (stdin). */
uint64_t ps_reader_input_size(const ps_reader *r);

/* Bytes consumed so far from the files counted by ps_reader_input_size. */
uint64_t ps_reader_input_pos(const ps_reader *r);

/* Writes r as one line of canonical JSON (no trailing newline) to a
 * malloc'ed string the caller frees. NULL on allocation failure. The
 * jsonl reader reads this form back into an identical record. */
char *ps_record_to_json(const ps_record *r);

#endif
