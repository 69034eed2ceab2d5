// SPDX-License-Identifier: BSD-3-Clause
/*
 * Freeze and thaw a host with the cgroup v2 freezer. Before the first step,
 * every host a freeze step names gets a cgroup of its own, rl.LAB.HOST at
 * the root of the cgroup v2 hierarchy (like the host's namespace), and from
 * then on everything the run starts in that host joins it before exec (see
 * scenario_proc.c). `freeze: h1` writes 1 to its cgroup.freeze and waits for
 * cgroup.events to say "frozen 1"; thaw writes 0 and waits for "frozen 0".
 *
 * A frozen host's processes stop; its kernel does not: the host still
 * answers ping and completes TCP handshakes, but no program in it reads.
 *
 * The cgroups are journaled (op "cgroup") before they are made and removed
 * at teardown in every case (failure, timeout, SIGINT): what is left in
 * them is killed (cgroup.kill), the cgroup thawed, then removed. A cgroup
 * that already exists is not ours: the run refuses to start.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal.h"
#include "lab.h"
#include "scenario_run.h"

#define STATE_WAIT_NS (5 * SRUN_SEC)
#define EMPTY_WAIT_NS (3 * SRUN_SEC)

/* Where cgroup2 is mounted: /sys/fs/cgroup on a unified system,
 * /sys/fs/cgroup/unified on a hybrid one. 0 or -ENOENT. */
static int cgroup2_root(char *buf, size_t len)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[1024], mnt[512], *sep;
	int ret = -ENOENT;

	if (f == NULL)
		return -errno;
	while (ret < 0 && fgets(line, sizeof(line), f) != NULL) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS... - FSTYPE SOURCE ... */
		sep = strstr(line, " - ");
		if (sep == NULL || strncmp(sep + 3, "cgroup2 ", 8) != 0)
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %511s", mnt) == 1 && strlen(mnt) < len &&
		    strchr(mnt, '\\') == NULL) {
			snprintf(buf, len, "%s", mnt);
			ret = 0;
		}
	}
	fclose(f);
	return ret;
}

static int write_file(const char *dir, const char *file, const char *val)
{
	char path[SRUN_PATH + 32];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* The value of 'key' in cgroup.events ("populated 1\nfrozen 0\n"), or -1. */
static int event(const char *dir, const char *key)
{
	char path[SRUN_PATH + 32], k[32];
	FILE *f;
	int v, ret = -1;

	snprintf(path, sizeof(path), "%s/cgroup.events", dir);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	while (ret < 0 && fscanf(f, "%31s %d", k, &v) == 2)
		if (strcmp(k, key) == 0)
			ret = v;
	fclose(f);
	return ret;
}

/* Wait up to ns for cgroup.events' key to read want. 0 or -ETIMEDOUT
 * (-EINTR on a signal). */
static int wait_event(const char *dir, const char *key, int want, uint64_t ns, int interruptible)
{
	uint64_t deadline = srun_now() + ns;

	while (event(dir, key) != want) {
		if (interruptible && srun_stop)
			return -EINTR;
		if (srun_now() >= deadline)
			return -ETIMEDOUT;
		srun_nap(SRUN_POLL_NS);
	}
	return 0;
}

static unsigned count_procs(const char *dir)
{
	char path[SRUN_PATH + 32], line[32];
	unsigned n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		n++;
	fclose(f);
	return n;
}

static struct srun_cgroup *find(const struct run *r, const char *host)
{
	for (unsigned i = 0; i < r->n_cgs; i++)
		if (strcmp(r->cgs[i].host, host) == 0)
			return &r->cgs[i];
	return NULL;
}

const struct srun_cgroup *scenario_freeze_cgroup(const struct run *r, const char *host)
{
	const struct srun_cgroup *cg = find(r, host);

	return cg && cg->made ? cg : NULL;
}

/* Journal the cgroup, then make it. */
static int make_one(struct journal *j, struct srun_cgroup *cg)
{
	char path[SRUN_PATH + 32];
	json_t *rec;
	int ret;

	rec = json_pack("{s:s, s:s}", "op", "cgroup", "path", cg->path);
	ret = rec ? journal_append(j, rec) : -ENOMEM;
	json_decref(rec);
	if (ret < 0)
		return ret;
	if (mkdir(cg->path, 0755) < 0)
		return -errno;
	cg->made = 1;
	snprintf(path, sizeof(path), "%s/cgroup.freeze", cg->path);
	if (access(path, W_OK) < 0) {
		fprintf(stderr,
			"rackless: %s has no cgroup.freeze: this kernel has no cgroup v2 "
			"freezer (Linux 5.2 or later)\n",
			cg->path);
		return -EOPNOTSUPP;
	}
	return 0;
}

int scenario_freeze_setup(struct run *r)
{
	char root[PATH_MAX / 2];
	struct journal *j = NULL;
	struct lab_paths lp;
	int ret = 0;

	r->cgs = calloc(SCENARIO_HOSTS_MAX, sizeof(*r->cgs));
	if (r->cgs == NULL)
		return -ENOMEM;
	for (unsigned i = 0; i < r->s->n_steps; i++) {
		const struct scenario_step *st = &r->s->steps[i];

		for (unsigned k = 0; st->type == SCENARIO_FREEZE && k < st->n_from; k++) {
			if (find(r, st->from[k].name) != NULL)
				continue;
			if (r->n_cgs == SCENARIO_HOSTS_MAX) {
				fprintf(stderr, "rackless: more than %d frozen hosts\n",
					SCENARIO_HOSTS_MAX);
				return -ENOSPC;
			}
			snprintf(r->cgs[r->n_cgs++].host, TOPO_NAME_MAX, "%s", st->from[k].name);
		}
	}
	if (r->n_cgs == 0)
		return 0;
	ret = cgroup2_root(root, sizeof(root));
	if (ret < 0) {
		fprintf(stderr, "rackless: freeze needs the cgroup v2 hierarchy, and none is "
				"mounted\n");
		return ret;
	}
	lab_paths(r->lab, &lp);
	ret = journal_open(lp.dir, &j);
	if (ret < 0) {
		fprintf(stderr, "rackless: journal of lab %s: %s\n", r->lab, strerror(-ret));
		return ret;
	}
	for (unsigned i = 0; i < r->n_cgs && ret == 0; i++) {
		struct srun_cgroup *cg = &r->cgs[i];

		snprintf(cg->path, sizeof(cg->path), "%s/rl.%s.%s", root, r->lab, cg->host);
		ret = make_one(j, cg);
		if (ret == -EEXIST)
			fprintf(stderr, "rackless: cgroup %s exists and is not this run's\n",
				cg->path);
		else if (ret < 0 && ret != -EOPNOTSUPP)
			fprintf(stderr, "rackless: cgroup %s: %s\n", cg->path, strerror(-ret));
	}
	journal_close(j);
	return ret;
}

static int freeze_one(struct srun_cgroup *cg, int freeze)
{
	int ret = write_file(cg->path, "cgroup.freeze", freeze ? "1" : "0");

	if (ret < 0)
		return ret;
	cg->frozen = freeze;
	return wait_event(cg->path, "frozen", freeze, STATE_WAIT_NS, 1);
}

int scenario_freeze_step(struct run *r, const struct scenario_step *st)
{
	int freeze = st->type == SCENARIO_FREEZE;
	unsigned procs = 0;
	int ret;

	for (unsigned k = 0; k < st->n_from; k++) {
		struct srun_cgroup *cg = find(r, st->from[k].name);

		if (cg == NULL || !cg->made) { /* thaw names only frozen hosts */
			srun_msg(r, "%s has no cgroup", st->from[k].name);
			return -ENOENT;
		}
		ret = freeze_one(cg, freeze);
		if (ret < 0) {
			srun_msg(r, "%s %s: %s", freeze ? "freeze" : "thaw", cg->path,
				 ret == -ETIMEDOUT ? "cgroup.events never said so"
						   : strerror(-ret));
			return ret;
		}
		procs += count_procs(cg->path);
	}
	srun_msg(r, "%s, %u process%s", freeze ? "frozen" : "thawed", procs,
		 procs == 1 ? "" : "es");
	return 0;
}

/* What is left in the cgroup dies: cgroup.kill (Linux 5.14), else each
 * process it lists (a frozen process still takes SIGKILL). */
static void kill_all(const struct srun_cgroup *cg)
{
	char path[SRUN_PATH + 32];
	FILE *f;
	int pid;

	if (write_file(cg->path, "cgroup.kill", "1") == 0)
		return;
	snprintf(path, sizeof(path), "%s/cgroup.procs", cg->path);
	f = fopen(path, "r");
	if (f == NULL)
		return;
	while (fscanf(f, "%d", &pid) == 1)
		if (pid > 0)
			kill(pid, SIGKILL);
	fclose(f);
}

void scenario_freeze_teardown(struct run *r)
{
	for (unsigned i = 0; i < r->n_cgs; i++) {
		struct srun_cgroup *cg = &r->cgs[i];

		if (!cg->made)
			continue;
		kill_all(cg);
		write_file(cg->path, "cgroup.freeze", "0");
		if (wait_event(cg->path, "populated", 0, EMPTY_WAIT_NS, 0) < 0)
			fprintf(stderr, "rackless: cgroup %s still has processes\n", cg->path);
		if (rmdir(cg->path) < 0 && errno != ENOENT)
			fprintf(stderr, "rackless: cannot remove cgroup %s: %s\n", cg->path,
				strerror(errno));
		cg->made = 0;
	}
	free(r->cgs);
	r->cgs = NULL;
	r->n_cgs = 0;
}
