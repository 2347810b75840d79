/* Stop word set: membership test for folded words. Read-only after
 * creation, so one set may be shared by threads. */
#ifndef PS_ANALYZE_STOPWORDS_H
#define PS_ANALYZE_STOPWORDS_H

#include <stdbool.h>
#include <stddef.h>

#include "patsift/analyze.h"

typedef struct ps_stopset ps_stopset;

/* NULL on allocation failure. */
ps_stopset *ps_stopset_create(bool english_words, bool patent_words);
/* True when w[0..n) is a stop word. O(1) expected. */
bool ps_stopset_has(const ps_stopset *s, const char *w, size_t n);
void ps_stopset_free(ps_stopset *s);

#endif
