/* SPDX-License-Identifier: BSD-3-Clause */
/* Locks shared by rackless processes: an flock on a file or directory. */
#ifndef RL_LOCKFILE_H
#define RL_LOCKFILE_H

/* Open path with flags (O_CLOEXEC added) and wait for its exclusive
 * flock, through signals. The fd (closing it lets go), or -errno. */
int lockfile_open(const char *path, int flags);

#endif
