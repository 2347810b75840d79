/* patsift: vocabulary statistics over analysed records (term frequency and
 * document frequency), for `patsift analyze --corpus` and benchmarks.
 *
 * A vocab is single-threaded: give each thread its own, then merge. */
#ifndef PATSIFT_VOCAB_H
#define PATSIFT_VOCAB_H

#include <stddef.h>
#include <stdint.h>

#include "patsift/analyze.h"

typedef struct ps_vocab ps_vocab;

typedef struct ps_vocab_term {
    const char *term;      /* valid while the vocab lives */
    uint64_t tf;           /* occurrences in all documents */
    uint64_t df;           /* documents containing it */
} ps_vocab_term;

/* NULL on allocation failure; free with ps_vocab_free (NULL is a no-op). */
ps_vocab *ps_vocab_create(void);
void ps_vocab_free(ps_vocab *v);

/* Analyses r with a and counts its terms as one document. */
ps_rc ps_vocab_add_record(ps_vocab *v, ps_analyzer *a, const ps_record *r);

/* Adds src's counts into dst (documents are assumed disjoint). */
ps_rc ps_vocab_merge(ps_vocab *dst, const ps_vocab *src);

/* Documents, distinct terms, total term occurrences. */
uint64_t ps_vocab_docs(const ps_vocab *v);
size_t ps_vocab_distinct(const ps_vocab *v);
uint64_t ps_vocab_tokens(const ps_vocab *v);

/* Fills out[0..k) with the k terms of highest df (ties: higher tf, then
 * term order); returns how many were written. */
size_t ps_vocab_top(const ps_vocab *v, ps_vocab_term *out, size_t k);
/* (insertion into a sorted list: O(distinct * k) worst case, meant for small k) */

#endif
