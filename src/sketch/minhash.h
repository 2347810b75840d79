/* MinHash sketches of a document's word shingles, and LSH banding.
 *
 * Shingles are word n-grams (default 5) of the analysed token stream of the
 * chosen fields (default title, abstract, claims); a shingle never spans
 * two fields. Each token is hashed once (XXH3 of the analysed term, the
 * hash the indexer computes anyway) and a shingle's hash is XXH3 of its n
 * token hashes, so no string is hashed twice. A field shorter than n
 * tokens gives one shingle of all its tokens.
 *
 * Signature: one-permutation hashing (Li, Owen and Zhang 2012) with optimal
 * densification (Shrivastava 2017): a shingle hash h goes to bin
 * (h >> 32) * K >> 32 and the bin keeps the least low half (uint32) of the
 * hashes it gets; an empty bin then copies the value of the first
 * non-empty bin on its own pseudo-random probe sequence, so two documents'
 * signatures agree in a bin with probability equal to their Jaccard
 * similarity, one hash per shingle instead of K. The classic K-hash
 * MinHash (one seeded hash per bin) is kept as the test oracle.
 *
 * LSH: b bands of r rows (b * r <= K); a band's key is XXH3 of its r
 * values. Two documents with Jaccard s share at least one band key with
 * probability P(s) = 1 - (1 - s^r)^b. */
#ifndef PS_SKETCH_MINHASH_H
#define PS_SKETCH_MINHASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "patsift/analyze.h"
#include "patsift/dedup.h"

#define PS_MH_DEFAULT_K 128
#define PS_MH_DEFAULT_SHINGLE 5
#define PS_MH_MAX_K PS_MINHASH_MAX_K
_Static_assert(PS_MH_MAX_K % 64 == 0, "the shingler's bit set of filled bins holds PS_MH_MAX_K bits");
#define PS_MH_MAX_SHINGLE PS_SHINGLE_MAX
/* title, abstract, claims */
#define PS_MH_DEFAULT_FIELDS ((1u << PS_FIELD_TITLE) | (1u << PS_FIELD_ABSTRACT) | (1u << PS_FIELD_CLAIMS))
/* The LSH design threshold: band tables are built so that pairs down to
 * this similarity (minus the margin below) become candidates. */
#define PS_MH_DEFAULT_THRESHOLD 0.8
#define PS_MH_MARGIN 0.1
#define PS_MH_SEED 0x9E3779B97F4A7C15ull

typedef struct ps_mh_params {
    uint32_t k;          /* signature values */
    uint32_t shingle;    /* words per shingle */
    uint32_t fields;     /* bit (1 << ps_field) per field shingled */
    uint32_t bands, rows;
} ps_mh_params;

/* The defaults, with bands and rows chosen for PS_MH_DEFAULT_THRESHOLD. */
void ps_mh_defaults(ps_mh_params *p);
/* k 1..PS_MH_MAX_K, shingle 1..PS_MH_MAX_SHINGLE, some known field,
 * 1 <= bands * rows <= k. */
bool ps_mh_params_valid(const ps_mh_params *p);

/* The sliding window of token hashes that makes shingles. */
/* Each token hash is written twice, at next and next + size: a full window
 * is then h[next .. next + size), oldest first, without shifting the window
 * per token; one not yet full is h[0 .. n). */
typedef struct ps_shingle_window {
    uint32_t size, n;
    uint32_t next;               /* where the next token goes, 0..size-1 */
    int field;                   /* field of the window's tokens, -1 none */
    bool shingled;               /* the window has given a shingle already */
    uint64_t h[2 * PS_MH_MAX_SHINGLE];
} ps_shingle_window;

/* Builds one document's signature from its token stream. One per thread;
 * all memory is inside. */
typedef struct ps_shingler {
    ps_mh_params p;
    ps_shingle_window w;
    uint32_t *sig;               /* where the signature goes (k values) */
    uint64_t filled[PS_MH_MAX_K / 64];  /* bit per bin: it got a shingle */
    uint32_t n_shingles;         /* shingles seen (with repeats) */
} ps_shingler;

/* Starts a document whose signature goes to sig (p->k values). */
void ps_shingler_begin(ps_shingler *s, const ps_mh_params *p, uint32_t *sig);
/* The next token (XXH3 of its analysed term) of field f, in text order;
 * fields outside p->fields are ignored. */
void ps_shingler_token(ps_shingler *s, ps_field f, uint64_t token_hash);
/* Adds one shingle hash directly (tests, and callers with their own
 * shingles). */
void ps_shingler_shingle(ps_shingler *s, uint64_t shingle_hash);
/* Ends the document: densifies the signature. Returns the number of
 * shingles seen; 0 means no text (the signature is all UINT32_MAX and
 * matches nothing). */
uint32_t ps_shingler_end(ps_shingler *s);

/* The same document's shingle hashes as a sorted set (for exact Jaccard
 * and the oracle): tokens in, sorted unique hashes out. */
typedef struct ps_shingle_set {
    ps_mh_params p;
    ps_shingle_window w;
    uint64_t *h;
    size_t n, cap;
    bool oom;
} ps_shingle_set;

void ps_shingle_set_begin(ps_shingle_set *s, const ps_mh_params *p);
void ps_shingle_set_token(ps_shingle_set *s, ps_field f, uint64_t token_hash);
void ps_shingle_set_end(ps_shingle_set *s);   /* sorts and removes repeats */
void ps_shingle_set_free(ps_shingle_set *s);

/* Exact Jaccard of two sorted sets; 0 when both are empty. */
double ps_jaccard_exact(const uint64_t *a, size_t na, const uint64_t *b, size_t nb);

/* Estimated Jaccard: the share of equal values of two k-value signatures. */
double ps_jaccard_estimate(const uint32_t *a, const uint32_t *b, uint32_t k);

/* Signatures as the index stores them: k uint32 values, little-endian. */
void ps_mh_to_le(const uint32_t *sig, uint32_t k, uint8_t *out);
/* The estimate for two stored signatures (equal words are equal whatever
 * the byte order). */
double ps_jaccard_estimate_le(const uint8_t *a, const uint8_t *b, uint32_t k);

/* The oracle: classic MinHash, value i = least low half of
 * XXH3(shingle hash, seed PS_MH_SEED + i) over the set. */
void ps_minhash_classic(const uint64_t *set, size_t n, uint32_t k, uint32_t *sig);

/* The key of band j (rows values from j * rows). */
uint32_t ps_lsh_key(const uint32_t *sig, uint32_t band, uint32_t rows);

/* The same key from a stored (little-endian) signature. */
uint32_t ps_lsh_key_le(const uint8_t *sig, uint32_t band, uint32_t rows);

/* P(s) = 1 - (1 - s^r)^b. */
double ps_lsh_probability(double s, uint32_t bands, uint32_t rows);

/* The most rows (fewest false candidates) with bands = k / rows for which
 * pairs at threshold - PS_MH_MARGIN are candidates with probability >= 0.95. */
void ps_lsh_choose(uint32_t k, double threshold, uint32_t *bands, uint32_t *rows);

#endif
