/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include "devargs.h"

const char *devargs_find(const char *devargs, const char *key)
{
	size_t klen = strlen(key);
	const char *p;

	for (p = strchr(devargs, ','); p != NULL; p = strchr(p + 1, ',')) {
		if (strncmp(p + 1, key, klen) == 0 && p[1 + klen] == '=')
			return p + 1;
	}
	return NULL;
}

int devargs_get(const char *devargs, const char *key, char *out, size_t len)
{
	const char *p = devargs_find(devargs, key);
	size_t n;

	if (p == NULL)
		return 0;
	p += strlen(key) + 1;
	n = strcspn(p, ",");
	if (n >= len)
		return -ENAMETOOLONG;
	memcpy(out, p, n);
	out[n] = '\0';
	return 1;
}

static int devargs_is(const char *devargs, const char *key, const char *value)
{
	char v[32];

	return devargs_get(devargs, key, v, sizeof(v)) == 1 && strcmp(v, value) == 0;
}

static int devargs_is_memif(const char *devargs)
{
	return strncmp(devargs, "net_memif", 9) == 0;
}

int devargs_memif_server(const char *devargs)
{
	/* DPDK's default role is server */
	return devargs_is_memif(devargs) && !devargs_is(devargs, "role", "client") &&
	       !devargs_is(devargs, "role", "slave");
}

int devargs_memif_file(const char *devargs)
{
	return devargs_is_memif(devargs) && devargs_is(devargs, "socket-abstract", "no");
}
