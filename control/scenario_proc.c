// SPDX-License-Identifier: BSD-3-Clause
/*
 * Processes of a scenario run. Commands run in a host exactly like
 * `rackless exec` (netns_enter_for_exec, then exec), each in a process group
 * of its own so a timeout or teardown kills all of it, and, when the host has
 * a cgroup (it is frozen by some step), inside that cgroup from before exec:
 * whatever the command forks is frozen with it. A spawn returns once the
 * child has exec'd (a close-on-exec pipe reaches EOF), so a step that comes
 * next (a freeze) finds it in its cgroup; into a frozen host, the child
 * freezes as it joins, and the spawn does not wait. Output goes to a file in the
 * artifacts directory. Also the lab lookups several steps share.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"
#include "netns.h"
#include "scenario_run.h"
#include "swclient.h"

#define OUT_MAX	     (1u << 20) /* how much output srun_slurp reads (ping, iperf3 parsers) */
#define EXEC_WAIT_MS 5000

uint64_t srun_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * SRUN_SEC + (uint64_t)ts.tv_nsec;
}

void srun_nap(uint64_t ns)
{
	struct timespec ts = {(time_t)(ns / SRUN_SEC), (long)(ns % SRUN_SEC)};

	nanosleep(&ts, NULL);
}

void srun_msg(struct run *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->res[r->idx].msg, sizeof(r->res[r->idx].msg), fmt, ap);
	va_end(ap);
}

void srun_out_path(const struct run *r, const char *suffix, char *buf, size_t len)
{
	snprintf(buf, len, "%s/step-%u%s", r->art, r->idx + 1, suffix);
}

/* Into the cgroup before anything else, so nothing escapes a freeze. */
static int join_cgroup(const char *cg)
{
	char path[SRUN_PATH + 16];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (dprintf(fd, "%d\n", (int)getpid()) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Child side: never returns. */
static void child(const char *ns, const char *cg, const char *out, int append, char *const argv[])
{
	int fd;

	setpgid(0, 0);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL); /* the runner ignores it */
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0 && fd != 0) {
		dup2(fd, 0);
		close(fd);
	}
	fd = open(out, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0644);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
	if (cg != NULL && (fd = join_cgroup(cg)) < 0) {
		dprintf(2, "rackless: cannot join cgroup %s: %s\n", cg, strerror(-fd));
		_exit(126);
	}
	if (ns != NULL && netns_enter_for_exec(ns) < 0) {
		dprintf(2, "rackless: cannot enter %s\n", ns);
		_exit(126);
	}
	close_range(3, ~0U, 0); /* nothing of run's: its report, its pipes */
	execv(argv[0], argv);
	dprintf(2, "rackless: %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

pid_t srun_spawn(const struct run *r, const char *host, const char *out, int append,
		 char *const argv[])
{
	const struct srun_cgroup *cg = host ? scenario_freeze_cgroup(r, host) : NULL;
	struct pollfd pfd = {.events = POLLIN};
	char ns[128], b;
	int fds[2];
	pid_t pid;

	if (host != NULL)
		lab_host_netns(r->lab, host, ns, sizeof(ns));
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		pid = -errno;
		close(fds[0]);
		close(fds[1]);
		return pid;
	}
	if (pid == 0) {
		close(fds[0]);
		child(host ? ns : NULL, cg ? cg->path : NULL, out, append, argv);
	}
	close(fds[1]);
	setpgid(pid, pid);
	/* EOF: the child exec'd or died; nothing is ever written */
	pfd.fd = fds[0];
	if (cg == NULL || !cg->frozen) {
		while (poll(&pfd, 1, EXEC_WAIT_MS) < 0 && errno == EINTR && !srun_stop)
			;
		if (pfd.revents)
			(void)!read(fds[0], &b, 1);
	}
	close(fds[0]);
	return pid;
}

pid_t srun_spawn_sh(const struct run *r, const char *host, const char *out, int append,
		    const char *cmd)
{
	char *argv[] = {"/bin/sh", "-c", (char *)cmd, NULL};

	return srun_spawn(r, host, out, append, argv);
}

void srun_kill_group(pid_t pid)
{
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

int srun_wait_child(pid_t pid, uint64_t timeout_ns, int *code)
{
	int ret = srun_wait_exit(pid, timeout_ns, code);

	if (ret == -ETIMEDOUT)
		srun_kill_group(pid);
	return ret;
}

int srun_wait_exit(pid_t pid, uint64_t timeout_ns, int *code)
{
	uint64_t deadline = srun_now() + timeout_ns;
	int st;

	for (;;) {
		pid_t w = waitpid(pid, &st, WNOHANG);

		if (w == pid) {
			*code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			/* what it left behind in its group goes with it */
			kill(-pid, SIGKILL);
			return 0;
		}
		if (w < 0 && errno != EINTR)
			return -errno;
		if (srun_stop) {
			srun_kill_group(pid);
			return -EINTR;
		}
		if (srun_now() >= deadline)
			return -ETIMEDOUT;
		srun_nap(SRUN_POLL_NS);
	}
}

int srun_run_sh(const struct run *r, const char *host, const char *cmd, uint64_t timeout_ns,
		const char *out, int append, int *code)
{
	pid_t pid = srun_spawn_sh(r, host, out, append, cmd);

	if (pid < 0)
		return pid;
	return srun_wait_child(pid, timeout_ns, code);
}

void srun_host_ip(const struct run *r, const struct scenario_name *n, char *buf, size_t len)
{
	scenario_host_addr(r->t, n->name, n->family, buf, len);
}

void srun_first_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	buf[0] = '\0';
	if (f == NULL)
		return;
	if (fgets(buf, (int)len, f) != NULL)
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

char *srun_slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (f == NULL)
		return NULL;
	buf = malloc(OUT_MAX + 1);
	if (buf != NULL) {
		n = fread(buf, 1, OUT_MAX, f);
		buf[n] = '\0';
		/* search across NULs in the output as well */
		for (size_t i = 0; i < n; i++)
			if (buf[i] == '\0')
				buf[i] = ' ';
	}
	fclose(f);
	return buf;
}

void srun_fail(struct run *r, unsigned *nfail, const char *fmt, ...)
{
	char *msg = r->res[r->idx].msg;
	size_t len = sizeof(r->res[r->idx].msg), o = *nfail ? strlen(msg) : 0;
	va_list ap;

	if (*nfail && o + 2 < len)
		o += (size_t)snprintf(msg + o, len - o, "; ");
	if (o < len) {
		va_start(ap, fmt);
		vsnprintf(msg + o, len - o, fmt, ap);
		va_end(ap);
	}
	(*nfail)++;
}

void srun_p50_check(struct run *r, const struct scenario_step *st, double p50_ms,
		    unsigned *nfail)
{
	if (!st->has_max_rtt_p50 || (p50_ms >= 0 && p50_ms * 1e6 <= (double)st->max_rtt_p50))
		return;
	if (p50_ms < 0)
		srun_fail(r, nfail, "no replies: no p50 to hold to %.2f ms",
			  (double)st->max_rtt_p50 / 1e6);
	else
		srun_fail(r, nfail, "p50 %.2f ms > %.2f ms", p50_ms,
			  (double)st->max_rtt_p50 / 1e6);
}

int srun_file_contains(const char *path, const char *needle)
{
	size_t nlen = strlen(needle), keep = 0, chunk = 1u << 16;
	FILE *f = fopen(path, "r");
	char *buf;
	int found = 0;

	if (f == NULL)
		return -errno;
	if (nlen == 0) {
		fclose(f);
		return 1;
	}
	/* a window: the last nlen - 1 bytes of one read stay for the next */
	buf = malloc(chunk + nlen);
	if (buf == NULL) {
		fclose(f);
		return -ENOMEM;
	}
	for (;;) {
		size_t n = fread(buf + keep, 1, chunk, f);

		if (n == 0)
			break;
		for (size_t i = keep; i < keep + n; i++)
			if (buf[i] == '\0')
				buf[i] = ' ';
		n += keep;
		if (memmem(buf, n, needle, nlen) != NULL) {
			found = 1;
			break;
		}
		keep = n < nlen - 1 ? n : nlen - 1;
		memmove(buf, buf + n - keep, keep);
	}
	free(buf);
	fclose(f);
	return found;
}

int srun_port_of(const struct topo *t, const char *ep, char *port, size_t len, int *flip)
{
	char name[SCENARIO_EP_MAX];

	*flip = 0;
	for (unsigned l = 0; l < t->n_links; l++) {
		for (int e = 0; e < 2; e++) {
			const struct topo_endpoint *x = &t->links[l].ep[e];
			const struct topo_endpoint *y = &t->links[l].ep[!e];

			snprintf(name, sizeof(name), "%s:%s", t->nodes[x->node].name, x->ifname);
			if (strcmp(name, ep) != 0)
				continue;
			if (t->nodes[x->node].kind == TOPO_KIND_SWITCH) {
				if (t->nodes[x->node].wire)
					return -ENOENT; /* the loader's port, not the file's */
				snprintf(port, len, "%s", name);
				return 0;
			}
			/* a wire's emulation is on the first host's link (topo.h):
			 * the second host's directions are its reverse */
			for (unsigned a = 0; t->nodes[y->node].wire && a < l; a++) {
				if (t->links[a].ep[1].node == y->node) {
					y = &t->links[a].ep[1];
					*flip = 1;
					break;
				}
			}
			snprintf(port, len, "%s:%s", t->nodes[y->node].name, y->ifname);
			return 0;
		}
	}
	return -ENOENT;
}

int srun_switch_call(const char *lab, json_t *req, json_t **res, char *err, size_t errlen)
{
	struct lab_paths p;
	struct swclient *c;
	int ret;

	lab_paths(lab, &p);
	c = swclient_connect(p.sock);
	if (c == NULL) {
		ret = -errno;
		snprintf(err, errlen, "switch not reachable: %s", strerror(-ret));
		json_decref(req);
		return ret;
	}
	ret = swclient_call(c, req, 10000, res, err, errlen);
	swclient_close(c);
	json_decref(req);
	if (ret < 0 && err[0] == '\0')
		snprintf(err, errlen, "%s", strerror(-ret));
	return ret;
}
