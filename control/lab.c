/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lab.h"
#include "lockfile.h"

void lab_paths(const char *lab, struct lab_paths *p)
{
	snprintf(p->dir, sizeof(p->dir), "%s/%s", LAB_RUN_DIR, lab);
	snprintf(p->sock, sizeof(p->sock), "%s/switch.sock", p->dir);
	snprintf(p->log, sizeof(p->log), "%s/switch.log", p->dir);
	snprintf(p->state, sizeof(p->state), "%s/lab.json", p->dir);
	snprintf(p->fabric, sizeof(p->fabric), "rl.%s", lab);
}

void lab_host_netns(const char *lab, const char *host, char *buf, size_t len)
{
	snprintf(buf, len, "rl.%s.%s", lab, host);
}

int lab_node_link(const struct topo *t, unsigned n)
{
	for (unsigned i = 0; i < t->n_links; i++)
		if (!t->links[i].trunk && t->links[i].ep[0].node == n)
			return (int)i;
	return -1;
}

void lab_vhost_socket(const struct topo *t, unsigned n, char *buf, size_t len)
{
	const struct topo_endpoint *sw;
	struct lab_paths p;
	int li = lab_node_link(t, n);

	if (t->nodes[n].socket[0] != '\0') {
		snprintf(buf, len, "%s", t->nodes[n].socket);
		return;
	}
	buf[0] = '\0';
	if (li < 0)
		return;
	sw = &t->links[li].ep[1];
	lab_paths(t->name, &p);
	snprintf(buf, len, "%s/%s:%s.sock", p.dir, t->nodes[sw->node].name, sw->ifname);
}

void lab_unreachable(const char *lab, int err)
{
	if (!lab_exists(lab))
		fprintf(stderr, "rackless: no lab named %s is up (rackless status lists them)\n",
			lab);
	else
		fprintf(stderr, "rackless: lab %s: switch not reachable: %s\n", lab,
			strerror(-err));
}

int lab_exists(const char *lab)
{
	struct lab_paths p;
	struct stat st;

	lab_paths(lab, &p);
	return stat(p.dir, &st) == 0 && S_ISDIR(st.st_mode);
}

int lab_lock(const char *lab)
{
	struct lab_paths p;
	struct stat st;
	int fd, ret;

	lab_paths(lab, &p);
	fd = open(p.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK) {
			ret = -errno;
			goto fail;
		}
		fprintf(stderr, "rackless: lab %s is being brought up or down: waiting for it\n",
			lab);
		while (flock(fd, LOCK_EX) < 0) {
			if (errno != EINTR) {
				ret = -errno;
				goto fail;
			}
		}
	}
	/* removed while we waited (a down, or up's rollback) */
	if (fstat(fd, &st) < 0 || st.st_nlink == 0) {
		ret = -ENOENT;
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return ret;
}

int lab_link_lock(const char *lab)
{
	struct lab_paths p;

	lab_paths(lab, &p);
	return lockfile_open(p.state, O_RDONLY);
}

int lab_busy(const char *lab)
{
	struct lab_paths p;
	int fd, busy;

	lab_paths(lab, &p);
	fd = open(p.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	busy = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	close(fd); /* and with it the shared lock, if taken */
	return busy;
}

json_t *lab_state_load(const char *lab)
{
	struct lab_paths p;
	json_error_t jerr;
	json_t *j;

	lab_paths(lab, &p);
	j = json_load_file(p.state, 0, &jerr);
	if (j == NULL)
		errno = access(p.state, R_OK) == 0 ? EBADMSG : ENOENT;
	return j;
}

int lab_switch_bin(char *buf, size_t len)
{
	const char *env = getenv("RACKLESS_SWITCH");
	char exe[4096], dir[4096];
	ssize_t n;

	if (buf == NULL || len == 0)
		return -EINVAL;
	if (env != NULL && env[0] != '\0') {
		snprintf(buf, len, "%s", env);
		return access(buf, X_OK) == 0 ? 0 : -errno;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return -errno;
	exe[n] = '\0';
	snprintf(dir, sizeof(dir), "%s", dirname(exe));
	snprintf(buf, len, "%s/rackless-switch", dir);
	if (access(buf, X_OK) == 0)
		return 0;
	snprintf(buf, len, "%s/../dataplane/rackless-switch", dir);
	if (access(buf, X_OK) == 0)
		return 0;
	return -ENOENT;
}

unsigned long long lab_proc_starttime(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long long st = 0;
	FILE *f;
	int field;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	if (fgets(buf, sizeof(buf), f) == NULL) {
		fclose(f);
		return 0;
	}
	fclose(f);
	/* the command name may hold spaces and parentheses: skip to the last ')' */
	p = strrchr(buf, ')');
	if (p == NULL)
		return 0;
	/* after ')' comes field 3 (state); a zombie has exited already */
	if (p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'))
		return 0;
	/* starttime is field 22 */
	for (field = 2; field < 22 && p != NULL; field++)
		p = strchr(p + 1, ' ');
	if (p != NULL)
		st = strtoull(p + 1, NULL, 10);
	return st;
}
