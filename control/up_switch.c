/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `rackless up`: the lab's rackless-switch, started in the lab's switch
 * namespace (journaled before it runs), waited for, and asked.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hugepages.h"
#include "netns.h"
#include "up_priv.h"

#define SWITCH_START_TIMEOUT_MS 20000

static int up_dpdk_rundir(struct up *u)
{
	char path[160];
	struct stat st;
	int parent_created = stat("/var/run/dpdk", &st) != 0;

	snprintf(path, sizeof(path), "/var/run/dpdk/rackless-%s", u->t->name);
	if (stat(path, &st) == 0) {
		up_err("%s exists: another DPDK process uses this lab's file prefix", path);
		return -EEXIST;
	}
	return up_journal(u, json_pack("{s:s, s:s, s:s, s:b}", "op", "dpdk_rundir", "path", path,
				       "parent", "/var/run/dpdk", "parent_created",
				       parent_created)) < 0
		   ? -EIO
		   : 0;
}

/* Child side of the switch start: wait for the go from the parent (who
 * journals our PID first), then become rackless-switch in the fabric
 * namespace, in a session of its own so a terminal's ^C does not reach it. */
static void up_switch_child(struct up *u, int gofd, const char *bin)
{
	char mem[16], workers[16], fdb[24];
	char go;
	int fd;

	if (read(gofd, &go, 1) != 1)
		_exit(127);
	if (setns(u->fabric_fd, CLONE_NEWNET) < 0)
		_exit(127);
	setsid();
	fd = open(u->paths.log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		dup2(fd, 0);
	/* none of the caller's descriptors: a pipe around `up` would not
	 * see its end while the lab is up */
	close_range(3, ~0U, 0);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	snprintf(mem, sizeof(mem), "%u", u->mem_mb);
	snprintf(fdb, sizeof(fdb), "%lu", u->fdb);
	snprintf(workers, sizeof(workers), "%u", u->o->workers ? u->o->workers : 1);
	execl(bin, "rackless-switch", "--lab", u->t->name, "--socket", u->paths.sock, "--mem", mem,
	      "--workers", workers, "--kernel-fastpath", u->o->no_kfast ? "no" : "yes", "--fdb",
	      fdb, (char *)NULL);
	dprintf(2, "cannot run %s: %s\n", bin, strerror(errno)); /* into the log */
	_exit(127);
}

static int up_switch_wait(struct up *u, pid_t pid)
{
	struct timespec ts = {0, 20 * 1000 * 1000};
	long waited = 0;

	while (waited < SWITCH_START_TIMEOUT_MS) {
		int status;

		if (waitpid(pid, &status, WNOHANG) == pid) {
			up_err("rackless-switch exited during start (see below)");
			return -ECHILD;
		}
		u->sw = swclient_connect(u->paths.sock);
		if (u->sw != NULL) {
			json_t *req = json_pack("{s:s}", "cmd", "ping");
			int ret = swclient_call(u->sw, req, 5000, NULL, NULL, 0);

			json_decref(req);
			if (ret == 0)
				return 0;
			swclient_close(u->sw);
			u->sw = NULL;
		}
		if (up_check_interrupt() < 0)
			return -EINTR;
		nanosleep(&ts, NULL);
		waited += 20;
	}
	up_err("rackless-switch did not answer within %d s", SWITCH_START_TIMEOUT_MS / 1000);
	return -ETIMEDOUT;
}

static void up_switch_log_tail(struct up *u)
{
	char line[512];
	FILE *f = fopen(u->paths.log, "r");

	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL)
		fprintf(stderr, "  switch: %s", line);
	fclose(f);
}

int up_switch(struct up *u)
{
	int go[2] = {-1, -1}, seq, ret;
	char bin[4096];
	pid_t pid;

	if (u->o->switch_bin != NULL)
		snprintf(bin, sizeof(bin), "%s", u->o->switch_bin);
	else if ((ret = lab_switch_bin(bin, sizeof(bin))) < 0) {
		if (getenv("RACKLESS_SWITCH") && getenv("RACKLESS_SWITCH")[0])
			up_err("RACKLESS_SWITCH=%s: %s", getenv("RACKLESS_SWITCH"),
			       strerror(-ret));
		else
			up_err("cannot find rackless-switch next to rackless or in the build tree "
			       "(set RACKLESS_SWITCH)");
		return -ENOENT;
	}
	if (access(bin, X_OK) < 0) {
		ret = -errno;
		up_err("cannot run %s: %s", bin, strerror(errno));
		return ret;
	}
	ret = up_dpdk_rundir(u);
	if (ret < 0)
		return ret;
	if (pipe2(go, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		goto out;
	}
	if (pid == 0) {
		close(go[1]);
		up_switch_child(u, go[0], bin);
	}
	close(go[0]);
	go[0] = -1;
	seq = up_journal(u, json_pack("{s:s, s:i, s:I, s:s}", "op", "switch", "pid", (int)pid,
				      "starttime", (json_int_t)lab_proc_starttime(pid), "socket",
				      u->paths.sock));
	if (seq < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		ret = seq;
		goto out;
	}
	if (write(go[1], "g", 1) != 1) {
		ret = -EPIPE;
		goto out;
	}
	ret = up_switch_wait(u, pid);
	if (ret < 0)
		up_switch_log_tail(u);
out:
	if (go[0] >= 0)
		close(go[0]);
	close(go[1]);
	return ret;
}

int up_switch_call(struct up *u, json_t *req, const char *what)
{
	char err[256] = "";
	int ret;

	if (req == NULL)
		return -ENOMEM;
	ret = swclient_call(u->sw, req, 10000, NULL, err, sizeof(err));
	json_decref(req);
	if (ret < 0)
		up_err("%s: %s", what, err[0] ? err : strerror(-ret));
	return ret;
}
