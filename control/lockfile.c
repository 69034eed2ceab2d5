/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "lockfile.h"

static volatile sig_atomic_t *lockfile_stop;

void lockfile_interruptible(volatile sig_atomic_t *flag)
{
	lockfile_stop = flag;
}

int lockfile_open(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC), err;

	if (fd < 0)
		return -errno;
	while (flock(fd, LOCK_EX) < 0) {
		if (errno == EINTR && !(lockfile_stop != NULL && *lockfile_stop))
			continue;
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}
