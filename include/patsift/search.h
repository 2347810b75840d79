/* patsift: prior-art search over an index.
 *
 * A query is a weighted set of analysed terms, made from keywords
 * (ps_query_from_text) or from a whole patent record (ps_query_from_record:
 * its most informative terms). A searcher (one per thread; the index is
 * shared read-only) returns the top k documents by BM25F:
 *
 *   score(d) = sum over query terms t of  qw(t) * idf(t) * tf(t,d) * (k1 + 1)
 *                                         / (tf(t,d) + k1 * (1 - b + b * len(d) / avglen))
 *   idf(t)   = ln(1 + (N - df(t) + 0.5) / (df(t) + 0.5))
 *
 * tf(t,d) is the weighted term frequency the index stores (each field's
 * count times its weight, title 3, abstract 2, claims 2, description 1 by
 * default: the simple BM25F of Robertson, Zaragoza and Taylor 2004, with
 * one k1 and one b over the weighted length); len(d) is the weighted length,
 * avglen its mean. N, df and avglen count every document of every segment,
 * deleted ones included (as Lucene does), so scores do not depend on how
 * the index is split into segments.
 *
 * Scores are summed in fixed point (2^-32 units), so they are identical
 * whatever order the engine adds the terms in, and ties are broken by
 * document order (segment order, then doc number): output is reproducible,
 * and the pruned engine returns exactly what exhaustive evaluation returns.
 *
 * Engines, both exact: block-max MaxScore document at a time for short
 * queries, and MaxScore term at a time for long ones (12 terms or more:
 * query by document), both bounding each compressed block's best score by
 * its skip entry (largest weighted tf, smallest length); exhaustive
 * evaluation is kept as the test oracle. */
#ifndef PATSIFT_SEARCH_H
#define PATSIFT_SEARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "patsift/errors.h"
#include "patsift/index.h"
#include "patsift/record.h"

#define PS_DEFAULT_K1 1.2
#define PS_DEFAULT_B 0.75
/* Query-by-document keeps this many of its terms unless told otherwise. */
#define PS_DEFAULT_QUERY_TERMS 60

/* Per-thread state (analyzer, heap, decode buffers) over a shared index:
 * create it on the thread that uses it (see analyze.h). */
typedef struct ps_searcher ps_searcher;
ps_rc ps_searcher_create(const ps_index *ix, ps_searcher **out);
void ps_searcher_free(ps_searcher *s);

typedef struct ps_query_term {
    char *term;       /* analysed form, as in the index */
    double weight;    /* qw: 1 for keywords; for a document, its saturated tf */
    double idf;       /* filled in by the query builders */
    uint64_t df;      /* documents holding it, over all segments */
} ps_query_term;

typedef struct ps_query {
    ps_query_term *t;
    size_t n;
    size_t n_analysed;   /* distinct terms before selection (and dropping unknown terms) */
    uint8_t *sig;        /* a query document's MinHash signature (as the index
                          * stores them), or NULL for keywords */
} ps_query;

/* Keywords: every distinct analysed term of text, weight 1 (a word written
 * twice counts once). Terms no document holds are dropped. */
ps_rc ps_query_from_text(ps_searcher *s, const char *text, ps_query *q);

/* A whole record (title, abstract, claims, description): terms counted with
 * the index's field weights (1 for a field the index leaves out), qw = (k3 + 1) tf / (k3 + tf) with k3 = 1.2;
 * the max_terms terms with the highest qw * idf are kept (0: the default). */
ps_rc ps_query_from_record(ps_searcher *s, const ps_record *r, size_t max_terms, ps_query *q);

void ps_query_free(ps_query *q);

typedef struct ps_search_opts {
    size_t k;                 /* hits wanted; 0: 20 */
    double k1, b;             /* 0: the defaults above (b = 0 is written as -1) */
    int32_t before, after;    /* YYYYMMDD: date < before, date >= after; 0: no limit.
                               * The date is the publication date, else the
                               * filing date; an undated document passes (flagged). */
    const char *const *cpc;   /* prefixes of a CPC code the document must have (any) */
    size_t n_cpc;
    const char *kind;         /* kind code it must have, e.g. "B2"; NULL: any */
    const char *exclude_id;   /* a document left out (the query itself) */
    bool all_terms;           /* every query term must match */
    bool exhaustive;          /* score every matching document (the oracle) */
    double hybrid;            /* 0: rank by BM25F. Otherwise (a query document
                               * only) the best max(4k, 100) by BM25F are
                               * re-ranked by (1 - hybrid) * score / best score
                               * + hybrid * Jaccard estimate */
} ps_search_opts;

typedef struct ps_hit {
    uint32_t seg, doc;        /* where it lives */
    uint64_t ordinal;         /* document order over the index, the tie-break */
    double score;
    int64_t fixed;            /* the score in 2^-32 units */
    bool undated;             /* it passed a date filter only for want of a date */
    double jaccard;           /* estimated shingle Jaccard with a query document; -1 for keywords */
    double hybrid;            /* the re-ranking score with opts.hybrid, else 0 */
} ps_hit;

typedef struct ps_search_stats {
    uint64_t postings_decoded;  /* postings in the blocks decoded */
    uint64_t docs_scored;       /* candidates fully scored */
    uint64_t docs_pruned;       /* candidates dropped by block bounds, unscored */
} ps_search_stats;

/* Runs q: the best hits, best first, into *hits (valid until the next call
 * on s), their count into *n. */
ps_rc ps_search(ps_searcher *s, const ps_query *q, const ps_search_opts *o, const ps_hit **hits, size_t *n);

/* What the last ps_search did. */
void ps_searcher_stats(const ps_searcher *s, ps_search_stats *out);

/* One query term's share of a hit's score, for --explain. */
typedef struct ps_term_share {
    size_t term;              /* index into q->t */
    uint32_t tf;              /* weighted tf in the document */
    double score;
} ps_term_share;

/* The terms of q that match hit h, largest contribution first; returns the
 * count written into out (room for q->n). */
size_t ps_search_explain(ps_searcher *s, const ps_query *q, const ps_search_opts *o, const ps_hit *h,
                         ps_term_share *out);

/* A passage of a hit that holds query terms, each marked [like this]. */
typedef struct ps_passage {
    ps_field field;
    char *text;               /* malloc'ed */
    double score;             /* sum of qw * idf of the distinct terms it holds */
} ps_passage;

/* The best max sentences of r's title, abstract and claims for q, best
 * first, into out; returns the count. Free them with ps_passages_free. */
size_t ps_passages(ps_searcher *s, const ps_query *q, const ps_record *r, size_t max, ps_passage *out);
void ps_passages_free(ps_passage *p, size_t n);

/* A hit's document: its id, date (publication, else filing: the date the
 * filters use; YYYYMMDD or 0) and record. */
const char *ps_hit_id(const ps_index *ix, const ps_hit *h);
int32_t ps_hit_date(const ps_index *ix, const ps_hit *h);
ps_rc ps_hit_record(const ps_index *ix, const ps_hit *h, ps_record **out);

#endif
