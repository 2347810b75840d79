/* patsift: near-duplicates from the MinHash signatures every index holds.
 *
 * Each document's title, abstract and claims (by default) are cut into
 * 5-word shingles of analysed terms and summed up in a 128-value MinHash
 * signature; LSH band tables in each segment bring documents that share a
 * band together. Candidates are always verified: by the estimated Jaccard
 * similarity of the full signatures (the share of equal values, standard
 * error sqrt(J (1 - J) / K), about 0.035 at J = 0.8), or, when asked, by
 * the exact Jaccard similarity of the shingle sets, recomputed from the
 * stored text. */
#ifndef PATSIFT_DEDUP_H
#define PATSIFT_DEDUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "patsift/errors.h"
#include "patsift/index.h"
#include "patsift/record.h"

#define PS_MINHASH_MAX_K 1024
#define PS_SHINGLE_MAX 16

typedef struct ps_dup_pair {
    uint32_t seg_a, doc_a, seg_b, doc_b;   /* a before b in index order */
    uint64_t ord_a, ord_b;                 /* their places in index order */
    double estimate;                       /* estimated Jaccard */
    double exact;                          /* exact Jaccard; -1 when not computed */
} ps_dup_pair;

typedef struct ps_dedup_opts {
    double threshold;   /* report pairs at or above this similarity; 0: 0.8 */
    bool exact;         /* verify by exact Jaccard from stored text: candidates down to
                           threshold - 0.1 by estimate, reported when exact >= threshold */
    int threads;        /* 0: all cores */
} ps_dedup_opts;

typedef struct ps_dedup_stats {
    uint64_t candidates;      /* distinct pairs that shared a band */
    uint64_t verified;        /* pairs reported */
    uint64_t exact_checked;   /* pairs whose exact Jaccard was computed */
} ps_dedup_stats;

/* Every pair of live documents at or above the threshold, most similar
 * first (ties in index order). *pairs is malloc'ed; free() it. */
ps_rc ps_dedup(const ps_index *ix, const ps_dedup_opts *o, ps_dup_pair **pairs, size_t *n, ps_dedup_stats *st,
               char *err, size_t errlen);

/* The documents of ix similar to r (analysed as the index analyses), at or
 * above o->threshold, most similar first; seg_a/doc_a are unused (set to
 * UINT32_MAX) and seg_b/doc_b name the indexed document. exclude_id (may
 * be NULL) is left out. */
ps_rc ps_similar(const ps_index *ix, const ps_record *r, const ps_dedup_opts *o, const char *exclude_id,
                 ps_dup_pair **pairs, size_t *n, char *err, size_t errlen);

/* The id of document doc of segment seg (as a pair names them). */
const char *ps_dup_id(const ps_index *ix, uint32_t seg, uint32_t doc);

/* The LSH settings of ix and the probability P(s) = 1 - (1 - s^rows)^bands
 * that a pair of similarity s becomes a candidate. */
void ps_lsh_settings(const ps_index *ix, uint32_t *k, uint32_t *bands, uint32_t *rows);
double ps_lsh_curve(double s, uint32_t bands, uint32_t rows);

#endif
