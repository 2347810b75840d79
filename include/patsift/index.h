/* patsift: the on-disk index. A folder holding a MANIFEST (the list of live
 * segments, replaced atomically) and immutable segments; see
 * src/index/segment_format.h for every byte of the format.
 *
 * Writing: ps_index_writer_open -> ps_index_writer_add (records, any
 * number) -> ps_index_writer_commit. Records are analysed on all threads;
 * when the in-memory segment reaches the memory budget it is written out
 * and a new one started. Nothing is visible to readers until commit; a
 * writer freed without commit (or a crash) leaves the index as it was.
 *
 * Reading: ps_index_open maps every file read-only; the handle may be
 * shared by threads. */
#ifndef PATSIFT_INDEX_H
#define PATSIFT_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "patsift/analyze.h"
#include "patsift/errors.h"
#include "patsift/reader.h"
#include "patsift/record.h"

/* Default field weights, folded into one weighted term frequency per
 * document: a title word counts 3 times, abstract and claims words 2
 * times, description words once. */
#define PS_WEIGHT_TITLE 3
#define PS_WEIGHT_ABSTRACT 2
#define PS_WEIGHT_CLAIMS 2
#define PS_WEIGHT_DESCRIPTION 1

typedef struct ps_index_opts {
    uint32_t weight[PS_FIELD_COUNT]; /* all zero: the defaults above */
    ps_analyzer_opts analyzer;       /* the analysis every search must repeat */
    bool store_description;          /* keep the description text too */
    size_t mem_budget;               /* bytes; 0: 1 GiB */
    int threads;                     /* 0: all cores */
    /* MinHash signatures (0: the defaults: 128 values, 5-word shingles of
     * title, abstract and claims, LSH bands chosen for similarity 0.8) */
    uint32_t minhash_k;
    uint32_t shingle;
    uint32_t shingle_fields;         /* bit (1 << ps_field) per field */
    double lsh_threshold;
    /* Records added raw (ps_index_writer_add_raw) are parsed on the
     * builder's threads. A bad one stops the build when strict (the commit
     * or a later add returns PS_EPARSE with the reader's message); else it
     * is passed to on_error (from the builder's thread, in input order),
     * counted in the stats' errors, and skipped. */
    bool strict;
    ps_diag_fn on_error;
    void *diag_ctx;
} ps_index_opts;

typedef struct ps_index_writer ps_index_writer;

/* Opens dir for writing: creates it (and a new index) when it has no
 * MANIFEST; with append, adds to the index already there (its analysis
 * settings and weights win over opts). Without append an existing index is
 * an error (PS_EUSAGE). Messages go to err. */
ps_rc ps_index_writer_open(const char *dir, const ps_index_opts *opts, bool append,
                           ps_index_writer **out, char *err, size_t errlen);

/* Queues a record (copied). Analysis runs in batches across threads. A
 * record whose id is already in the index (or added earlier) replaces it:
 * the older document is marked deleted at commit. */
ps_rc ps_index_writer_add(ps_index_writer *w, const ps_record *r);

/* Queues a record from ps_reader_next_raw (copied): an unparsed one is
 * parsed later on the builder's threads (see strict and on_error above).
 * Otherwise the same as ps_index_writer_add. */
ps_rc ps_index_writer_add_raw(ps_index_writer *w, const ps_raw_record *raw);

/* Parses and adds everything queued so far and waits for it: the first
 * error, if any (PS_EPARSE for a bad raw record in strict mode). For a
 * caller whose input failed, to learn whether an earlier record did. */
ps_rc ps_index_writer_drain(ps_index_writer *w);

/* Writes what is pending and publishes every new segment and deletion in
 * one atomic MANIFEST replacement. Ends the writer's work: free it next. */
ps_rc ps_index_writer_commit(ps_index_writer *w);

/* Merges every segment of the index into one, dropping deleted documents,
 * and commits it (atomically, like a build). Use on a writer opened with
 * append and nothing added. Ends the writer's work. */
ps_rc ps_index_writer_merge(ps_index_writer *w);

typedef struct ps_index_write_stats {
    uint64_t docs;           /* records added (parsed ones only) */
    uint64_t errors;         /* raw records that did not parse */
    uint64_t text_bytes;     /* bytes of text analysed */
    uint64_t tokens;
    uint64_t segments;       /* segments written */
    uint64_t bytes_written;  /* bytes of segment files */
    uint64_t peak_mem;       /* largest in-memory segment, bytes (estimate) */
    uint32_t segments_before, segments_after;  /* set by a merge */
    uint64_t dropped;        /* deleted documents a merge removed */
} ps_index_write_stats;

/* Waits for the batch in progress, then copies the counts. */
void ps_index_writer_stats(ps_index_writer *w, ps_index_write_stats *out);
/* The last error message. */
const char *ps_index_writer_errmsg(const ps_index_writer *w);
/* Frees w; uncommitted segments are deleted. NULL is a no-op. */
void ps_index_writer_free(ps_index_writer *w);

/* ---- reading ---- */

typedef struct ps_index ps_index;

/* Opens the index in dir, checking every file's header, the manifest and
 * the small files' checksums (large files are verified by ps_index_check).
 * PS_EIO / PS_ECORRUPT with a message naming the file. */
ps_rc ps_index_open(const char *dir, ps_index **out, char *err, size_t errlen);
void ps_index_close(ps_index *ix);

typedef struct ps_index_info {
    uint64_t docs, deleted;
    uint64_t terms;            /* distinct terms summed over segments */
    uint32_t segments;
    uint64_t generation;
    uint64_t bytes_lexicon, bytes_postings, bytes_positions, bytes_docs, bytes_store;
    uint64_t bytes_minhash;    /* signatures and LSH band tables */
    uint64_t bytes_deletions;  /* deletion bitmaps */
    double avg_field_len[PS_FIELD_COUNT];
    double avg_doc_len;        /* weighted */
    int32_t min_date, max_date; /* publication dates, YYYYMMDD; 0 when none */
    uint64_t by_entity[4];     /* indexed by ps_entity */
    uint64_t by_section[27];   /* CPC section letter A-Z of the first CPC code; [26] none */
    uint32_t weight[PS_FIELD_COUNT];
    uint32_t minhash_k, shingle, shingle_fields, lsh_bands, lsh_rows;
    ps_analyzer_opts analyzer; /* language points into the index */
    bool store_description;
} ps_index_info;

ps_rc ps_index_info_get(const ps_index *ix, ps_index_info *out);

/* Finds a live document by id and rebuilds its record (metadata + stored
 * text; the description only if it was stored) in one malloc'ed block the
 * caller frees with free(). PS_END when there is no such id; PS_ECORRUPT
 * when its stored text is damaged. */
ps_rc ps_index_get(const ps_index *ix, const char *id, ps_record **out);

/* Verifies everything: checksums of all files, every postings block
 * decodes, doc ids in range and increasing, positions within bounds, the
 * stored text decompresses, manifest and segments agree. Writes the first
 * problem found into err. */
ps_rc ps_index_check(const ps_index *ix, char *err, size_t errlen);

#endif
