/* SPDX-License-Identifier: BSD-3-Clause */
/* Files written whole or not at all (atomicfile.h). */
#include <errno.h>
#include <unistd.h>

#include "atomicfile.h"

FILE *atomicfile_open(const char *path, int per_process, char *tmp, size_t len)
{
	int n = per_process ? snprintf(tmp, len, "%s.tmp.%d", path, (int)getpid())
			    : snprintf(tmp, len, "%s.tmp", path);

	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	return fopen(tmp, "w");
}

int atomicfile_commit(FILE *f, const char *tmp, const char *path, int ret)
{
	if (ferror(f) && ret == 0)
		ret = -EIO;
	if (fclose(f) != 0 && ret == 0)
		ret = -errno;
	if (ret == 0 && rename(tmp, path) < 0)
		ret = -errno;
	if (ret < 0)
		unlink(tmp);
	return ret;
}
