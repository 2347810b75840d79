/* patsift: all-or-nothing file writes. Data goes to a temporary file beside
 * the target; commit flushes it, fsyncs, renames it over the target and
 * fsyncs the folder. A crash or an abort leaves the old file (or none),
 * never a half-written one. */
#ifndef PATSIFT_ATOMIC_H
#define PATSIFT_ATOMIC_H

#include <stdio.h>

#include "patsift/errors.h"

typedef struct ps_atomic_file ps_atomic_file;

/* Creates the temporary file for path. On success *out holds the handle and
 * ps_atomic_stream(*out) the stream to write. PS_EIO with errno set when
 * the folder is not writable. */
ps_rc ps_atomic_open(const char *path, ps_atomic_file **out);
FILE *ps_atomic_stream(ps_atomic_file *f);

/* Makes the data visible under the target name and frees f. PS_EIO (errno
 * set) if any write, flush, fsync or rename failed; the target is then
 * untouched and the temporary removed. */
ps_rc ps_atomic_commit(ps_atomic_file *f);

/* Discards the data and frees f (NULL is a no-op). */
void ps_atomic_abort(ps_atomic_file *f);

#endif
