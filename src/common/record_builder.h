/* Builds a ps_record field by field, owning every string it holds.
 *
 * Readers keep one builder, reset it per record and hand out
 * ps_record_builder_finish()'s pointer, valid until the next reset. All text
 * is copied with whitespace squeezed (runs become one space, ends trimmed). */
#ifndef PS_COMMON_RECORD_BUILDER_H
#define PS_COMMON_RECORD_BUILDER_H

#include "common/buf.h"
#include "common/strmap.h"
#include "patsift/record.h"

typedef struct ps_growlist {
    const char **items;
    size_t n, cap;
    ps_strmap seen;     /* membership, once the list is long (see ps_record_builder_add) */
} ps_growlist;

typedef enum ps_list_id { PS_LIST_CPC, PS_LIST_IPC, PS_LIST_APPLICANTS, PS_LIST_CITATIONS, PS_LIST_COUNT } ps_list_id;

typedef struct ps_record_builder {
    ps_record rec;
    ps_arena arena;
    ps_claim *claims;
    size_t n_claims, cap_claims;
    ps_growlist lists[PS_LIST_COUNT];
    bool oom;
} ps_record_builder;

/* Clears every field: strings "", dates 0, fast_track -1, lists empty. */
void ps_record_builder_reset(ps_record_builder *b);
void ps_record_builder_free(ps_record_builder *b);

/* Copies s[0..n) (whitespace squeezed) into the builder; returns the copy. */
const char *ps_record_builder_str(ps_record_builder *b, const char *s, size_t n);

/* Appends a claim; empty text (after squeezing) is ignored. */
void ps_record_builder_add_claim(ps_record_builder *b, const char *text, size_t n, uint32_t num,
                                 bool independent);

/* Appends an item to a list unless it is empty or already there. */
void ps_record_builder_add(ps_record_builder *b, ps_list_id list, const char *s, size_t n);

/* Returns the finished record, or NULL after an allocation failure. Valid
 * until the next reset. */
const ps_record *ps_record_builder_finish(ps_record_builder *b);

/* True when text refers to another claim ("claim 3", "claims 1 to 4"): the
 * rule used for claims given as plain text, where no <claim-ref> exists. */
bool ps_claim_text_is_dependent(const char *text);

/* Splits a block of claims written as one text ("1. A widget ... 2. The
 * widget of claim 1 ...") into numbered claims and adds them. Text without
 * such numbering becomes one claim. */
void ps_record_builder_add_claims_text(ps_record_builder *b, const char *s, size_t n);

#endif
