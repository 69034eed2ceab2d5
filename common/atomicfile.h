/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A file written whole or not at all: into a temporary file beside it,
 * renamed over it at the end, so a reader (a host's resolver, CI reading a
 * report) sees the old contents or the new, never half.
 */
#ifndef RL_ATOMICFILE_H
#define RL_ATOMICFILE_H

#include <stdio.h>

/* Open the temporary file for path: path.tmp, or path.tmp.PID when
 * several processes may write path at once (per_process). Its name goes
 * to tmp (len bytes). NULL + errno. */
FILE *atomicfile_open(const char *path, int per_process, char *tmp, size_t len);

/* Close f and rename tmp over path if ret is 0 and every write went
 * through; else remove tmp. ret, else 0 or -errno. */
int atomicfile_commit(FILE *f, const char *tmp, const char *path, int ret);

#endif
