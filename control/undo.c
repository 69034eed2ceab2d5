/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Undo a lab's journal in reverse: `down`, `cleanup`, and the rollback of a
 * failed `up`. Every step tolerates an object that is already gone (the
 * journal is written before creation, so it may list things that never
 * came to be) and only touches what a record names: a process only if its
 * PID still has the start time recorded when it was started.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "etchosts.h"
#include "hugepages.h"
#include "journal.h"
#include "lab.h"
#include "neigh.h"
#include "netns.h"
#include "nl.h"
#include "swclient.h"

struct undo {
	const char *lab;
	json_t *doomed_netns; /* namespaces this undo deletes: {name: true} */
	json_t *sockets;      /* "socket" records, undone once the switch is gone */
	int graceful;
	int quiet;
	int first_err;
	int procs_killed; /* undo_netns_procs ran */
	int etc;	  /* host names were undone: tidy ETCHOSTS_ROOT */
	unsigned netns, procs, links;
};

static void undo_fail(struct undo *d, int err, const char *what, const char *name)
{
	fprintf(stderr, "rackless: undo %s %s: %s\n", what, name, strerror(-err));
	if (d->first_err == 0)
		d->first_err = err;
}

static const char *rec_str(json_t *rec, const char *key)
{
	const char *s = json_string_value(json_object_get(rec, key));
	return s ? s : "";
}

static void undo_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Wait until the process is gone (or is no longer the one we started). */
static int undo_wait_gone(int pid, unsigned long long st, long ms)
{
	for (long waited = 0; waited <= ms; waited += 10) {
		/* reap it if it is our child (a rollback of up) */
		waitpid(pid, NULL, WNOHANG);
		if (lab_proc_starttime(pid) != st)
			return 0;
		undo_sleep_ms(10);
	}
	return -ETIMEDOUT;
}

static void undo_switch(struct undo *d, json_t *rec)
{
	int pid = (int)json_integer_value(json_object_get(rec, "pid"));
	unsigned long long st =
	    (unsigned long long)json_integer_value(json_object_get(rec, "starttime"));
	const char *sock = rec_str(rec, "socket");

	if (pid > 0 && st != 0 && lab_proc_starttime(pid) == st) {
		d->procs++;
		if (d->graceful) {
			struct swclient *c = swclient_connect(sock);
			if (c != NULL) {
				json_t *req = json_pack("{s:s}", "cmd", "shutdown");
				swclient_call(c, req, 3000, NULL, NULL, 0);
				json_decref(req);
				swclient_close(c);
			}
			if (undo_wait_gone(pid, st, 5000) == 0)
				goto gone;
		}
		kill(pid, SIGTERM);
		if (undo_wait_gone(pid, st, 3000) < 0) {
			kill(pid, SIGKILL);
			if (undo_wait_gone(pid, st, 3000) < 0)
				undo_fail(d, -ETIMEDOUT, "process", "rackless-switch");
		}
	}
gone:
	/* a killed switch leaves its socket file behind */
	if (sock[0] != '\0' && unlink(sock) < 0 && errno != ENOENT)
		undo_fail(d, -errno, "socket", sock);
}

/* The namespace a /proc/PID/ns/net or /run/netns/NAME file stands for. */
static int undo_ns_key(const char *path, char *key, size_t len)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	snprintf(key, len, "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	return 0;
}

/* PIDs of the processes in the namespaces keys names, one pass over /proc. */
static size_t undo_ns_pids(json_t *keys, pid_t *pids, size_t max)
{
	DIR *proc = opendir("/proc");
	struct dirent *e;
	size_t n = 0;

	if (proc == NULL)
		return 0;
	while (n < max && (e = readdir(proc)) != NULL) {
		char path[64], key[64];
		long pid = strtol(e->d_name, NULL, 10);

		if (pid <= 1 || pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/ns/net", pid);
		if (undo_ns_key(path, key, sizeof(key)) == 0 && json_object_get(keys, key))
			pids[n++] = (pid_t)pid;
	}
	closedir(proc);
	return n;
}

/*
 * Before the first namespace goes (after the switch, which the journal
 * lists later): stop every process still inside the namespaces this undo
 * deletes. A deleted namespace lives on while a process is in it: a daemon
 * a scenario step started, a stream of a runner killed with -9, a shell of
 * `ip netns exec`. They are the lab's by where they run: SIGTERM, then
 * SIGKILL what is left after a second.
 */
static void undo_netns_procs(struct undo *d)
{
	json_t *keys = json_object(), *v;
	const char *name;
	pid_t pids[4096];
	size_t n;

	d->procs_killed = 1;
	json_object_foreach(d->doomed_netns, name, v)
	{
		char path[PATH_MAX], key[64];

		snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, name);
		if (undo_ns_key(path, key, sizeof(key)) == 0)
			json_object_set_new(keys, key, json_true());
	}
	n = json_object_size(keys) ? undo_ns_pids(keys, pids, 4096) : 0;
	d->procs += (unsigned)n;
	for (size_t i = 0; i < n; i++)
		kill(pids[i], SIGTERM);
	for (int sig = SIGTERM, waited = 0; n > 0; waited += 20) {
		if (waited >= 1000) {
			if (sig == SIGKILL)
				break;
			sig = SIGKILL;
			waited = 0;
			for (size_t i = 0; i < n; i++)
				kill(pids[i], SIGKILL);
		}
		undo_sleep_ms(20);
		for (size_t i = 0; i < n; i++)
			waitpid(pids[i], NULL, WNOHANG); /* ours, if up rolls back */
		n = undo_ns_pids(keys, pids, 4096);
	}
	json_decref(keys);
}

static void undo_netns(struct undo *d, json_t *rec)
{
	const char *name = rec_str(rec, "name");
	int ret;

	if (!d->procs_killed)
		undo_netns_procs(d);
	ret = netns_delete(name);

	if (ret == 0)
		d->netns++;
	else if (ret != -ENOENT)
		undo_fail(d, ret, "namespace", name);
}

/* A veth dies with either namespace; delete it explicitly only while its
 * switch-side namespace still exists, so a partial rollback is exact. */
static void undo_veth(struct undo *d, json_t *rec)
{
	const char *ns = rec_str(rec, "netns"), *name = rec_str(rec, "name");
	struct nl_sock *s;
	int fd, ret;

	/* deleting a namespace destroys its veths in one batch; one by one,
	 * each deletion waits for an RCU grace period in the kernel */
	if (json_object_get(d->doomed_netns, ns) != NULL ||
	    json_object_get(d->doomed_netns, rec_str(rec, "peer_netns")) != NULL)
		return;
	fd = netns_open(ns);
	if (fd < 0)
		return;
	s = nl_open(fd);
	close(fd);
	if (s == NULL)
		return;
	ret = nl_link_del(s, name);
	if (ret == 0)
		d->links++;
	else if (ret != -ENODEV && ret != -ENOENT)
		undo_fail(d, ret, "veth", name);
	nl_close(s);
}

static void undo_dpdk_rundir(struct undo *d, json_t *rec)
{
	const char *path = rec_str(rec, "path"), *parent = rec_str(rec, "parent");

	(void)d;
	if (path[0] != '\0')
		rmdir(path);
	/* only if we made it, and only if nobody else put anything in it */
	if (json_is_true(json_object_get(rec, "parent_created")) && parent[0] != '\0')
		rmdir(parent);
}

/* A host's /etc/netns/NETNS/hosts or resolv.conf (etchosts.h; records
 * without "file" are hosts). The record names the directory: only one
 * under ETCHOSTS_ROOT is touched, and only those two names in it. */
static void undo_etc_hosts(struct undo *d, json_t *rec)
{
	const char *dir = rec_str(rec, "dir");
	const char *file = json_string_value(json_object_get(rec, "file"));
	size_t n = strlen(ETCHOSTS_ROOT);
	int ret;

	if (file == NULL)
		file = "hosts";
	if (strncmp(dir, ETCHOSTS_ROOT "/", n + 1) != 0 || strchr(dir + n + 1, '/') != NULL ||
	    strstr(dir, "..") != NULL || (strcmp(file, "hosts") && strcmp(file, "resolv.conf")))
		return;
	d->etc = 1;
	ret = etchosts_unlink(dir, file, rec_str(rec, "target"),
			      json_is_true(json_object_get(rec, "dir_created")));
	if (ret < 0)
		undo_fail(d, ret, "hosts file of", dir);
}

/* Giving pages back is the one undo that is not idempotent: the record is
 * voided in the journal first, so that a down that fails later (and keeps
 * the journal) and the cleanup after it do not give the lab's pages back a
 * second time, out of another lab's reservation. Killed between the two,
 * the lab leaks its pages rather than take another's. */
static void undo_hugepages(struct undo *d, json_t *rec)
{
	long added = (long)json_integer_value(json_object_get(rec, "added"));
	json_t *v = json_pack("{s:s, s:I}", "op", "void", "ref",
			      json_integer_value(json_object_get(rec, "seq")));
	struct lab_paths p;
	struct journal *j = NULL;
	int ret;

	lab_paths(d->lab, &p);
	if (v != NULL && journal_open(p.dir, &j) == 0)
		(void)journal_append(j, v);
	journal_close(j);
	json_decref(v);
	ret = hugepages_release(HUGEPAGES_DIR, added);

	if (ret < 0 && ret != -ENOENT)
		undo_fail(d, ret, "hugepages", HUGEPAGES_DIR "/nr_hugepages");
}

/* A machine-wide sysctl the lab raised: restored only if it still holds
 * the lab's value (another lab or the admin may have changed it since). */
static void undo_sysctl(struct undo *d, json_t *rec)
{
	const char *path = rec_str(rec, "path"), *old = rec_str(rec, "old");
	const char *nu = rec_str(rec, "new");
	char p[160], cur[64] = "";
	FILE *f;

	if (path[0] == '\0' || strstr(path, "..") != NULL || old[0] == '\0')
		return;
	snprintf(p, sizeof(p), "/proc/sys/%s", path);
	f = fopen(p, "r");
	if (f == NULL)
		return;
	if (fgets(cur, sizeof(cur), f) == NULL)
		cur[0] = '\0';
	fclose(f);
	cur[strcspn(cur, "\n")] = '\0';
	if (strcmp(cur, nu) != 0)
		return;
	f = fopen(p, "w");
	if (f == NULL || fprintf(f, "%s\n", old) < 0 || fclose(f) != 0) {
		if (f == NULL)
			undo_fail(d, -errno, "sysctl", path);
		else
			undo_fail(d, -EIO, "sysctl", path);
	}
}

/* The lab's share of the neighbour-table limits (neigh.h). */
static void undo_neigh(struct undo *d, json_t *rec)
{
	int ret = neigh_release(LAB_RUN_DIR, rec_str(rec, "lab"));

	if (ret < 0)
		undo_fail(d, ret, "neighbour limits of", rec_str(rec, "lab"));
}

/* Write a short value to a cgroup control file; 0 or -errno. */
static int undo_cg_write(const char *dir, const char *file, const char *value)
{
	char path[PATH_MAX];
	FILE *f;
	int ret = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "w");
	if (f == NULL)
		return -errno;
	if (fputs(value, f) < 0)
		ret = -EIO;
	if (fclose(f) != 0 && ret == 0)
		ret = -errno;
	return ret;
}

/* A cgroup a scenario made for freezing a host (control/scenario_freeze.c),
 * left behind by a runner that was killed: kill what is still in it, thaw
 * it so the kill lands, remove it. */
static void undo_cgroup(struct undo *d, json_t *rec)
{
	const char *path = rec_str(rec, "path");
	char procs[PATH_MAX];
	FILE *f;

	if (strncmp(path, "/sys/fs/cgroup/", 15) != 0 || strstr(path, "..") != NULL)
		return;
	if (access(path, F_OK) < 0)
		return;
	/* cgroup.kill (Linux 5.14) kills everything at once; else by PID */
	if (undo_cg_write(path, "cgroup.kill", "1") < 0) {
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", path);
		f = fopen(procs, "r");
		if (f != NULL) {
			long pid;

			while (fscanf(f, "%ld", &pid) == 1)
				if (pid > 1)
					kill((pid_t)pid, SIGKILL);
			fclose(f);
		}
	}
	(void)undo_cg_write(path, "cgroup.freeze", "0");
	/* the kernel empties a cgroup as its processes finish dying */
	for (int i = 0; i < 200; i++) {
		struct timespec ts = {0, 5 * 1000 * 1000};

		if (rmdir(path) == 0 || errno == ENOENT)
			return;
		if (errno != EBUSY)
			break;
		nanosleep(&ts, NULL);
	}
	undo_fail(d, -errno, "cgroup", path);
}

/* A socket file the switch made for a vhost node (or a memif ethdev): a
 * switch that was killed leaves it behind. Removed only if it is still a
 * socket (the record may predate a failed creation). */
static void undo_socket(struct undo *d, json_t *rec)
{
	const char *path = rec_str(rec, "path");
	struct stat st;

	if (path[0] != '/' || lstat(path, &st) < 0 || !S_ISSOCK(st.st_mode))
		return;
	if (unlink(path) < 0 && errno != ENOENT)
		undo_fail(d, -errno, "socket", path);
}

static void undo_record(struct undo *d, json_t *rec)
{
	const char *op = rec_str(rec, "op");

	if (strcmp(op, "switch") == 0)
		undo_switch(d, rec);
	else if (strcmp(op, "netns") == 0)
		undo_netns(d, rec);
	else if (strcmp(op, "veth") == 0)
		undo_veth(d, rec);
	else if (strcmp(op, "dpdk_rundir") == 0)
		undo_dpdk_rundir(d, rec);
	else if (strcmp(op, "hugepages") == 0)
		undo_hugepages(d, rec);
	else if (strcmp(op, "sysctl") == 0)
		undo_sysctl(d, rec); /* journals of an older rackless */
	else if (strcmp(op, "neigh") == 0)
		undo_neigh(d, rec);
	else if (strcmp(op, "cgroup") == 0)
		undo_cgroup(d, rec);
	else if (strcmp(op, "etc_hosts") == 0)
		undo_etc_hosts(d, rec);
	else if (strcmp(op, "etc_dir") == 0)
		d->etc = 1; /* removed at the end if nothing else is in it */
	else if (strcmp(op, "socket") == 0)
		json_array_append(d->sockets, rec); /* after the switch: it owns them */
	/* "port": owned by the switch process, gone with it; "void": marker */
}

/* Remove the run directory: only the files a lab puts there. */
static void undo_rundir(struct undo *d, const struct lab_paths *p)
{
	static const char *const files[] = {JOURNAL_FILE, "lab.json", "lab.json.tmp",
					    "switch.log",   "switch.sock", "exec.log",
					    "hosts",	    "hosts.tmp",   "resolv.conf",
					    "resolv.conf.tmp"};
	char path[PATH_MAX];

	DIR *dir;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", p->dir, files[i]);
		if (unlink(path) < 0 && errno != ENOENT)
			undo_fail(d, -errno, "file", path);
	}
	/* vhost ports' sockets, which a switch that died could not remove */
	dir = opendir(p->dir);
	if (dir != NULL) {
		struct dirent *e;

		while ((e = readdir(dir)) != NULL) {
			if (e->d_type != DT_SOCK)
				continue;
			snprintf(path, sizeof(path), "%s/%s", p->dir, e->d_name);
			if (unlinkat(dirfd(dir), e->d_name, 0) < 0 && errno != ENOENT)
				undo_fail(d, -errno, "socket", path);
		}
		closedir(dir);
	}
	if (rmdir(p->dir) < 0 && errno != ENOENT)
		undo_fail(d, -errno, "directory", p->dir);
}

/* Was this record cancelled by a later "void" record? */
static int undo_voided(json_t *voided, json_t *rec)
{
	char k[32];

	snprintf(k, sizeof(k), "%lld", (long long)json_integer_value(json_object_get(rec, "seq")));
	return json_object_get(voided, k) != NULL;
}

int lab_undo(const char *lab, int flags)
{
	struct undo d = {.lab = lab,
			 .graceful = !!(flags & LAB_UNDO_GRACEFUL),
			 .quiet = !!(flags & LAB_UNDO_QUIET)};
	int lock = -1, quiet = d.quiet;
	struct lab_paths p;
	json_t *recs = NULL, *voided;
	unsigned skipped = 0;
	size_t i;
	int ret;

	lab_paths(lab, &p);
	if (!lab_exists(lab))
		return -ENOENT;
	if (!(flags & LAB_UNDO_LOCKED)) {
		lock = lab_lock(lab);
		if (lock < 0)
			return lock;
	}
	voided = json_object();
	d.doomed_netns = json_object();
	d.sockets = json_array();
	ret = journal_load(p.dir, &recs);
	if (ret == -EBADMSG) {
		/* damaged by something else: undo what can be read, say what
		 * could not; the lab does not stay stuck between up and down */
		ret = journal_salvage(p.dir, &recs, &skipped);
		if (ret == 0)
			fprintf(stderr,
				"rackless: journal of lab %s: %u line(s) that are not records skipped; "
				"anything they named is not removed\n",
				lab, skipped);
	}
	if (ret < 0 && ret != -ENOENT) {
		fprintf(stderr, "rackless: journal of lab %s unreadable: %s\n", lab,
			strerror(-ret));
		d.first_err = ret;
		goto out;
	}
	if (recs != NULL) {
		json_t *rec;
		json_array_foreach(recs, i, rec)
		{
			if (strcmp(rec_str(rec, "op"), "void") == 0) {
				char k[32];
				snprintf(
				    k, sizeof(k), "%lld",
				    (long long)json_integer_value(json_object_get(rec, "ref")));
				json_object_set_new(voided, k, json_true());
			}
		}
		for (i = 0; i < json_array_size(recs); i++) {
			json_t *r = json_array_get(recs, i);

			if (strcmp(rec_str(r, "op"), "netns") == 0 && !undo_voided(voided, r))
				json_object_set_new(d.doomed_netns, rec_str(r, "name"),
						    json_true());
		}
		for (i = json_array_size(recs); i-- > 0;) {
			json_t *r = json_array_get(recs, i);

			if (!undo_voided(voided, r))
				undo_record(&d, r);
		}
		for (i = 0; i < json_array_size(d.sockets); i++)
			undo_socket(&d, json_array_get(d.sockets, i));
		if (d.etc)
			etchosts_tidy();
	}
	if (d.first_err == 0)
		undo_rundir(&d, &p);
	if (!quiet)
		printf("lab %s is down: stopped %u process%s, removed %u namespace%s\n", lab,
		       d.procs, d.procs == 1 ? "" : "es", d.netns, d.netns == 1 ? "" : "s");
	if (d.first_err == 0 && skipped > 0)
		d.first_err = -EBADMSG; /* down, but maybe not all of it: say so */
out:
	if (lock >= 0)
		close(lock); /* after the run directory went: a waiting up or down finds it gone */
	json_decref(recs);
	json_decref(voided);
	json_decref(d.doomed_netns);
	json_decref(d.sockets);
	return d.first_err;
}
