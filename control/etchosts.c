/* SPDX-License-Identifier: BSD-3-Clause */
/* Host names inside a lab (etchosts.h). */
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "etchosts.h"

#define ETCHOSTS_MARK ETCHOSTS_ROOT "/.rackless"

int etchosts_root_make(void)
{
	int fd;

	if (mkdir(ETCHOSTS_ROOT, 0755) < 0)
		return -errno;
	fd = open(ETCHOSTS_MARK, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	return 0;
}

void etchosts_tidy(void)
{
	DIR *d = opendir(ETCHOSTS_ROOT);
	struct dirent *e;
	int marked = 0, other = 0;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL && !other) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (strcmp(e->d_name, ".rackless") == 0)
			marked = 1;
		else
			other = 1;
	}
	closedir(d);
	if (marked && !other && unlink(ETCHOSTS_MARK) == 0)
		rmdir(ETCHOSTS_ROOT);
}

int etchosts_write(const struct topo *t, const char *machine_hosts, const char *path)
{
	char tmp[PATH_MAX], line[1024];
	FILE *f = NULL, *m = NULL;
	int ret = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "w");
	if (f == NULL)
		return -errno;
	/* the lab's names first: the resolver takes the first line that
	 * matches, so a lab's h1 wins over a machine-wide h1 */
	fprintf(f, "# rackless lab %s: its hosts, then the machine's /etc/hosts\n", t->name);
	for (unsigned i = 0; i < t->n_nodes; i++) {
		const struct topo_node *n = &t->nodes[i];
		struct in_addr a;
		char addr[INET_ADDRSTRLEN];

		if (n->kind != TOPO_KIND_HOST || !n->has_ip)
			continue;
		a.s_addr = htonl(n->ip.addr);
		inet_ntop(AF_INET, &a, addr, sizeof(addr));
		fprintf(f, "%s\t%s\n", addr, n->name);
	}
	for (unsigned i = 0; i < t->n_nodes; i++) {
		const struct topo_node *n = &t->nodes[i];
		char addr6[INET6_ADDRSTRLEN];

		if (n->kind != TOPO_KIND_HOST || !n->has_ip6)
			continue;
		inet_ntop(AF_INET6, n->ip6.addr, addr6, sizeof(addr6));
		fprintf(f, "%s\t%s\n", addr6, n->name);
	}
	m = machine_hosts ? fopen(machine_hosts, "r") : NULL;
	if (m != NULL) {
		fprintf(f, "\n# %s\n", machine_hosts);
		while (fgets(line, sizeof(line), m) != NULL)
			fputs(line, f);
		fclose(m);
	}
	if (ferror(f))
		ret = -EIO;
	if (fclose(f) != 0 && ret == 0)
		ret = -errno;
	if (ret == 0 && rename(tmp, path) < 0)
		ret = -errno;
	if (ret < 0)
		unlink(tmp);
	return ret;
}

int etchosts_dir(const char *netns, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s", ETCHOSTS_ROOT, netns);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int etchosts_link(const char *dir, const char *target, int *dir_created)
{
	char path[PATH_MAX];
	struct stat st;

	*dir_created = 0;
	if ((size_t)snprintf(path, sizeof(path), "%s/hosts", dir) >= sizeof(path))
		return -ENAMETOOLONG;
	if (mkdir(dir, 0755) == 0)
		*dir_created = 1;
	else if (errno != EEXIST)
		return -errno;
	else if (lstat(path, &st) == 0)
		return -EEXIST;
	if (symlink(target, path) < 0) {
		int ret = -errno;

		if (*dir_created)
			rmdir(dir);
		*dir_created = 0;
		return ret;
	}
	return 0;
}

int etchosts_unlink(const char *dir, const char *target, int dir_created)
{
	char path[PATH_MAX], cur[PATH_MAX];
	ssize_t n;
	int ret = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/hosts", dir) >= sizeof(path))
		return -ENAMETOOLONG;
	n = readlink(path, cur, sizeof(cur) - 1);
	if (n >= 0) {
		cur[n] = '\0';
		if (strcmp(cur, target) == 0 && unlink(path) < 0 && errno != ENOENT)
			ret = -errno;
	}
	/* a directory someone put files in since stays, with them */
	if (dir_created && rmdir(dir) < 0 && errno != ENOENT && errno != ENOTEMPTY &&
	    errno != EEXIST && ret == 0)
		ret = -errno;
	return ret;
}
