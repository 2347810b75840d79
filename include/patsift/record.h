/* patsift: the patent record, the one type that flows from every reader to
 * the analyser and (later) the index.
 *
 * A record is plain read-only data. Strings are NUL-terminated UTF-8 and never
 * NULL: an absent text field is "". Dates are integers YYYYMMDD (e.g.
 * 20150302), 0 when unknown. Whoever hands out a record says how long it stays
 * valid (a reader: until its next call). */
#ifndef PATSIFT_RECORD_H
#define PATSIFT_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "patsift/errors.h"

typedef enum ps_entity {
    PS_ENTITY_UNKNOWN = 0,
    PS_ENTITY_MICRO,
    PS_ENTITY_SMALL,
    PS_ENTITY_LARGE
} ps_entity;

/* Claim numbers above this are treated as unknown (0): no patent has more. */
#define PS_MAX_CLAIM_NUM 100000

typedef struct ps_claim {
    const char *text;
    uint32_t num;       /* claim number as published, 1-based; 0 if unknown */
    bool independent;   /* false when the claim refers to another claim */
} ps_claim;

typedef struct ps_strlist {
    const char *const *items;
    size_t count;
} ps_strlist;

typedef struct ps_record {
    const char *id;          /* normalised, e.g. "US8926509B2" */
    const char *kind;        /* kind code, e.g. "B2", "A1", "S1"; may be "" */
    const char *title;
    const char *abstract;
    const char *description;
    const ps_claim *claims;
    size_t n_claims;
    ps_strlist cpc;          /* e.g. "A61B 5/0205" */
    ps_strlist ipc;          /* e.g. "G06F 15/13" */
    ps_strlist applicants;   /* assignees first, then applicants */
    ps_strlist citations;    /* cited patent ids, e.g. "USD427169S" */
    ps_entity entity;
    int fast_track;          /* 1 requested, 0 not, -1 unknown */
    int32_t filing_date;
    int32_t priority_date;   /* earliest priority (incl. provisional), 0 if none */
    int32_t publication_date;
    const char *source;      /* file the record came from ("-" for stdin) */
    uint64_t source_line;    /* 1-based line where it starts in that file */
} ps_record;

/* Number of independent claims in r. O(n_claims). */
size_t ps_record_independent_claims(const ps_record *r);

/* "micro", "small", "large" or "unknown". Static string. */
const char *ps_entity_name(ps_entity e);

/* Parses "micro", "small", "large", "unknown" (any case). Returns PS_EPARSE
 * for anything else and leaves *out untouched. */
ps_rc ps_entity_parse(const char *s, ps_entity *out);

/* Parses a date written "YYYY-MM-DD" or "YYYYMMDD" (exactly that, no
 * surrounding space) into YYYYMMDD. Checks the calendar (leap years
 * included) and a plausible year range 1700..2299. Returns PS_EPARSE for
 * anything else. */
ps_rc ps_date_parse(const char *s, size_t len, int32_t *out);

/* Writes date d (YYYYMMDD) as "YYYY-MM-DD" into buf (at least 11 bytes).
 * Returns buf. */
char *ps_date_format(int32_t d, char buf[11]);

/* Days since 1970-01-01 for a valid YYYYMMDD date (negative before 1970),
 * and back (0, the unknown date, for days outside years 1-9999). */
int32_t ps_date_to_days(int32_t d);
int32_t ps_date_from_days(int32_t days);

/* A deep copy of a record in one malloc'ed block: free it with free().
 * NULL on allocation failure. Lets a caller keep records a reader has
 * moved past (e.g. to analyse a batch in parallel). */
ps_record *ps_record_clone(const ps_record *r);

#endif
