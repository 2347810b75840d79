/* patsift: one error convention for the whole library.
 *
 * Every fallible function returns a ps_rc. PS_OK is zero; PS_END is not an
 * error but the normal end of a stream. Human-readable detail (file, line,
 * what is wrong) lives with the object that failed (e.g. ps_reader_errmsg). */
#ifndef PATSIFT_ERRORS_H
#define PATSIFT_ERRORS_H

typedef enum ps_rc {
    PS_OK = 0,
    PS_END,          /* stream exhausted: not an error */
    PS_ENOMEM,       /* allocation failed */
    PS_EIO,          /* a file could not be opened, read or written */
    PS_EPARSE,       /* input text is malformed (XML, JSON, dates, ...) */
    PS_EUSAGE,       /* the caller passed an invalid argument or option */
    PS_ECORRUPT,     /* on-disk data failed a check (magic, checksum, bounds) */
    PS_EUNSUPPORTED  /* a format, version or language this build cannot handle */
} ps_rc;

/* Returns a static, never-NULL description of rc ("parse error", ...). */
const char *ps_strerror(ps_rc rc);

#endif
