/* SPDX-License-Identifier: BSD-3-Clause */
/* Locks shared by rackless processes: an flock on a file or directory. */
#ifndef RL_LOCKFILE_H
#define RL_LOCKFILE_H

#include <signal.h>

/* Open path with flags (O_CLOEXEC added) and wait for its exclusive
 * flock, through signals, unless a flag given to lockfile_interruptible()
 * is set. The fd (closing it lets go), or -errno (-EINTR then). */
int lockfile_open(const char *path, int flags);

/* While *flag is set (a signal handler sets it), waits for a lock end with
 * -EINTR: a lock held by a stopped process kept up from its Ctrl-C. NULL:
 * waits go on through signals. */
void lockfile_interruptible(volatile sig_atomic_t *flag);

#endif
