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

#include "atomicfile.h"
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

/* Write a file through path.tmp and a rename, so a host never reads half
 * of one: fill() writes the contents. 0 or -errno. */
static int etchosts_replace(const char *path, void (*fill)(FILE *f, const void *arg),
			    const void *arg)
{
	char tmp[PATH_MAX];
	FILE *f = atomicfile_open(path, 0, tmp, sizeof(tmp));

	if (f == NULL)
		return -errno;
	fill(f, arg);
	return atomicfile_commit(f, tmp, path, 0);
}

struct hosts_arg {
	const struct topo *t;
	const char *machine_hosts;
};

static void hosts_fill(FILE *f, const void *arg)
{
	const struct hosts_arg *a = arg;
	const struct topo *t = a->t;
	char line[1024];
	FILE *m;

	/* the lab's names first: the resolver takes the first line that
	 * matches, so a lab's h1 wins over a machine-wide h1 */
	fprintf(f, "# rackless lab %s: its hosts, then the machine's /etc/hosts\n", t->name);
	for (unsigned i = 0; i < t->n_nodes; i++) {
		const struct topo_node *n = &t->nodes[i];
		struct in_addr in;
		char addr[INET_ADDRSTRLEN];

		if (n->kind != TOPO_KIND_HOST || !n->has_ip)
			continue;
		in.s_addr = htonl(n->ip.addr);
		inet_ntop(AF_INET, &in, addr, sizeof(addr));
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
	m = a->machine_hosts ? fopen(a->machine_hosts, "r") : NULL;
	if (m != NULL) {
		fprintf(f, "\n# %s\n", a->machine_hosts);
		while (fgets(line, sizeof(line), m) != NULL)
			fputs(line, f);
		fclose(m);
	}
}

int etchosts_write(const struct topo *t, const char *machine_hosts, const char *path)
{
	struct hosts_arg a = {t, machine_hosts};

	return etchosts_replace(path, hosts_fill, &a);
}

static void resolv_fill(FILE *f, const void *arg)
{
	const struct topo *t = arg;
	const struct topo_dns *d = &t->dns;

	if (d->n_servers == 0)
		fprintf(f,
			"# rackless lab %s: no name server (the topology file names none in\n"
			"# defaults.dns); the lab's names are in /etc/hosts\n",
			t->name);
	else
		fprintf(f, "# rackless lab %s: defaults.dns of the topology file\n", t->name);
	for (unsigned i = 0; i < d->n_servers; i++)
		fprintf(f, "nameserver %s\n", d->servers[i]);
	if (d->search[0])
		fprintf(f, "search %s\n", d->search);
	if (d->options[0])
		fprintf(f, "options %s\n", d->options);
}

int etchosts_resolv_write(const struct topo *t, const char *path)
{
	return etchosts_replace(path, resolv_fill, t);
}

int etchosts_dir(const char *netns, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s", ETCHOSTS_ROOT, netns);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int etchosts_link(const char *dir, const char *file, const char *target, int *dir_created)
{
	char path[PATH_MAX];
	struct stat st;

	*dir_created = 0;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >= sizeof(path))
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

int etchosts_unlink(const char *dir, const char *file, const char *target, int dir_created)
{
	char path[PATH_MAX], cur[PATH_MAX];
	ssize_t n;
	int ret = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >= sizeof(path))
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
