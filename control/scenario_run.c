// SPDX-License-Identifier: BSD-3-Clause
/*
 * rackless run SCENARIO.yaml [--junit FILE] [--keep-on-fail] [--seed N] [--lab NAME]
 *
 * Brings the scenario's lab up, carries out its steps in order, reports each
 * as it goes, and always tears the lab down (unless --keep-on-fail and
 * something failed). An assertion that does not hold is recorded and the run
 * goes on; a step that cannot be carried out at all ends it (the rest are
 * skipped). SIGINT/SIGTERM tear down and exit 130.
 *
 * Commands run in a host exactly like `rackless exec` (netns_enter_for_exec,
 * /bin/sh -c), each in a process group of its own so a timeout or teardown
 * kills all of it; output goes to rackless-artifacts/<scenario>-<time>/.
 * Link changes are a `rackless link` child (the same code path as the CLI).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cmds.h"
#include "lab.h"
#include "netns.h"
#include "scenario.h"
#include "swclient.h"

#define EXIT_BAD_FILE	 2
#define EXIT_INTERRUPTED 130
#define ART_ROOT	 "rackless-artifacts"
#define POLL_NS		 10000000ull /* 10 ms */
#define SEC		 1000000000ull
#define BG_MAX		 64
#define OUT_MAX		 (1u << 20) /* how much command output expect_output searches */
#define DOTS_COL	 46

static volatile sig_atomic_t stop_sig;

static void on_signal(int sig)
{
	stop_sig = sig;
}

struct run {
	const struct scenario *s;
	const struct topo *t;
	const char *lab;
	char art[PATH_MAX];
	pid_t bg[BG_MAX];
	unsigned n_bg;
	unsigned idx; /* current step, 0-based */
	struct scenario_result *res;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec;
}

static void nap(uint64_t ns)
{
	struct timespec ts = {(time_t)(ns / SEC), (long)(ns % SEC)};

	nanosleep(&ts, NULL);
}

static void set_msg(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_msg(struct run *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->res[r->idx].msg, sizeof(r->res[r->idx].msg), fmt, ap);
	va_end(ap);
}

static void out_path(const struct run *r, const char *suffix, char *buf, size_t len)
{
	snprintf(buf, len, "%s/step-%u%s", r->art, r->idx + 1, suffix);
}

/* ---- processes ------------------------------------------------------- */

/* Child side: never returns. */
static void child(const char *ns, const char *out, int append, char *const argv[])
{
	int fd;

	setpgid(0, 0);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
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
	if (ns != NULL && netns_enter_for_exec(ns) < 0) {
		dprintf(2, "rackless: cannot enter %s\n", ns);
		_exit(126);
	}
	execv(argv[0], argv);
	dprintf(2, "rackless: %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Start argv (inside host, if not NULL), output to out. pid or -errno. */
static pid_t spawn(const struct run *r, const char *host, const char *out, int append,
		   char *const argv[])
{
	char ns[128];
	pid_t pid;

	if (host != NULL)
		lab_host_netns(r->lab, host, ns, sizeof(ns));
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		child(host ? ns : NULL, out, append, argv);
	setpgid(pid, pid);
	return pid;
}

static void kill_group(pid_t pid)
{
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* Wait for pid up to timeout_ns. 0 and its exit code (128+N for signal N)
 * in *code; -ETIMEDOUT or -EINTR (a signal asked us to stop) after killing
 * its process group. */
static int wait_child(pid_t pid, uint64_t timeout_ns, int *code)
{
	uint64_t deadline = now_ns() + timeout_ns;
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
		if (stop_sig) {
			kill_group(pid);
			return -EINTR;
		}
		if (now_ns() >= deadline) {
			kill_group(pid);
			return -ETIMEDOUT;
		}
		nap(POLL_NS);
	}
}

/* Run a shell command in host and wait. 0 with *code, or -errno. */
static int run_sh(const struct run *r, const char *host, const char *cmd, uint64_t timeout_ns,
		  const char *out, int append, int *code)
{
	char *argv[] = {"/bin/sh", "-c", (char *)cmd, NULL};
	pid_t pid = spawn(r, host, out, append, argv);

	if (pid < 0)
		return pid;
	return wait_child(pid, timeout_ns, code);
}

static void host_ip(const struct run *r, const char *host, char *buf, size_t len)
{
	int i = topo_node_find(r->t, host);

	buf[0] = '\0';
	if (i >= 0 && r->t->nodes[i].has_ip)
		topo_addr4_format(r->t->nodes[i].ip.addr, buf, len);
}

/* The first line of a file, for messages. */
static void first_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	buf[0] = '\0';
	if (f == NULL)
		return;
	if (fgets(buf, (int)len, f) != NULL)
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

static char *slurp(const char *path)
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

/* ---- steps: 0 passed, 1 an assertion failed, <0 could not be done ---- */

static int step_wait(struct run *r, const struct scenario_step *st)
{
	uint64_t deadline = now_ns() + st->ns;

	while (now_ns() < deadline) {
		if (stop_sig)
			return -EINTR;
		nap(deadline - now_ns() < POLL_NS ? deadline - now_ns() : POLL_NS);
	}
	set_msg(r, "%.3g s", (double)st->ns / 1e9);
	return 0;
}

static int step_run_bg(struct run *r, const struct scenario_step *st, const char *out)
{
	char *argv[] = {"/bin/sh", "-c", st->cmd, NULL};
	pid_t pid;

	if (r->n_bg >= BG_MAX) {
		set_msg(r, "more than %d background commands", BG_MAX);
		return -ENOSPC;
	}
	pid = spawn(r, st->from[0].name, out, 0, argv);
	if (pid < 0) {
		set_msg(r, "cannot start: %s", strerror(-pid));
		return pid;
	}
	r->bg[r->n_bg++] = pid;
	set_msg(r, "started, pid %d", (int)pid);
	return 0;
}

static int step_run(struct run *r, const struct scenario_step *st)
{
	char out[PATH_MAX + 32], *text;
	int code = 0, ret;

	out_path(r, ".out", out, sizeof(out));
	if (st->background)
		return step_run_bg(r, st, out);
	ret = run_sh(r, st->from[0].name, st->cmd, st->ns, out, 0, &code);
	if (ret == -ETIMEDOUT)
		set_msg(r, "timed out after %.3g s, killed", (double)st->ns / 1e9);
	else if (ret < 0)
		set_msg(r, "%s", strerror(-ret));
	if (ret < 0)
		return ret;
	if (st->has_expect_exit && code != st->expect_exit) {
		set_msg(r, "exit %d, expected %d", code, st->expect_exit);
		return 1;
	}
	if (st->expect_output != NULL) {
		text = slurp(out);
		ret = text == NULL || strstr(text, st->expect_output) == NULL;
		free(text);
		if (ret) {
			set_msg(r, "exit %d, output lacks \"%.100s\"", code, st->expect_output);
			return 1;
		}
	}
	set_msg(r, "exit %d", code);
	return 0;
}

static int step_link(struct run *r, const struct scenario_step *st)
{
	char out[PATH_MAX + 32], line[200], *set = NULL, *save = NULL, *tok;
	char *argv[64] = {"/proc/self/exe", "link", (char *)r->lab, (char *)st->endpoint};
	int n = 4, code = 0, ret;
	pid_t pid;

	out_path(r, ".out", out, sizeof(out));
	if (st->link_op == SCENARIO_LINK_SET) {
		set = strdup(st->set);
		if (set == NULL)
			return -ENOMEM;
		argv[n++] = "set";
		for (tok = strtok_r(set, " \t", &save); tok && n < 63;
		     tok = strtok_r(NULL, " \t", &save))
			argv[n++] = tok;
	} else {
		argv[n++] = st->link_op == SCENARIO_LINK_DOWN ? "down" : "up";
	}
	argv[n] = NULL;
	pid = spawn(r, NULL, out, 0, argv);
	ret = pid < 0 ? pid : wait_child(pid, 30 * SEC, &code);
	free(set);
	if (ret < 0) {
		set_msg(r, "rackless link: %s", strerror(-ret));
		return ret;
	}
	if (code != 0) {
		first_line(out, line, sizeof(line));
		set_msg(r, "the switch refused (exit %d): %s", code, line);
		return -EIO;
	}
	set_msg(r, "done");
	return 0;
}

static int ping_once(struct run *r, const char *from, const char *to, const char *out, int *ok)
{
	char ip[32], cmd[96];
	int code = 0, ret;

	host_ip(r, to, ip, sizeof(ip));
	snprintf(cmd, sizeof(cmd), "exec ping -c 1 -W 2 %s", ip);
	ret = run_sh(r, from, cmd, 10 * SEC, out, 1, &code);
	*ok = ret == 0 && code == 0;
	return ret;
}

static int step_reach(struct run *r, const struct scenario_step *st)
{
	char out[PATH_MAX + 32], bad[300] = "";
	unsigned pairs = 0, nbad = 0;
	size_t o = 0;
	int ok, ret;

	out_path(r, ".out", out, sizeof(out));
	for (unsigned f = 0; f < st->n_from; f++) {
		for (unsigned t = 0; t < st->n_to; t++) {
			const char *a = st->from[f].name, *b = st->to[t].name;

			if (strcmp(a, b) == 0)
				continue;
			ret = ping_once(r, a, b, out, &ok);
			if (ret < 0) {
				set_msg(r, "ping %s -> %s: %s", a, b, strerror(-ret));
				return ret;
			}
			pairs++;
			if (ok == st->expect)
				continue;
			nbad++;
			if (o < sizeof(bad))
				o += (size_t)snprintf(bad + o, sizeof(bad) - o, "%s%s->%s",
						      o ? " " : "", a, b);
		}
	}
	if (nbad) {
		set_msg(r, "%u of %u pairs %s: %s", nbad, pairs,
			st->expect ? "got no reply" : "got a reply", bad);
		return 1;
	}
	set_msg(r, "%u pair%s", pairs, pairs == 1 ? "" : "s");
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* ping's output: transmitted, received, and the median "time=" in ms
 * (-1 if no replies). 0, or -EINVAL without a summary line. */
static int ping_parse(const char *path, unsigned *tx, unsigned *rx, double *p50)
{
	FILE *f = fopen(path, "r");
	double *t = NULL, v;
	size_t n = 0, cap = 0;
	char line[512], *p;
	int have = 0;

	*p50 = -1;
	if (f == NULL)
		return -errno;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strstr(line, "packets transmitted") &&
		    sscanf(line, "%u packets transmitted, %u", tx, rx) == 2)
			have = 1;
		p = strstr(line, "time=");
		if (p == NULL || sscanf(p + 5, "%lf", &v) != 1)
			continue;
		if (n == cap) {
			double *nt = realloc(t, (cap ? cap * 2 : 64) * sizeof(*t));

			if (nt == NULL)
				break;
			t = nt;
			cap = cap ? cap * 2 : 64;
		}
		t[n++] = v;
	}
	fclose(f);
	if (n) {
		qsort(t, n, sizeof(*t), cmp_double);
		*p50 = t[(n + 1) / 2 - 1];
	}
	free(t);
	return have ? 0 : -EINVAL;
}

static int step_ping(struct run *r, const struct scenario_step *st)
{
	char out[PATH_MAX + 32], ip[32], cmd[128], line[200];
	unsigned tx = 0, rx = 0;
	double p50, loss;
	uint64_t budget = st->count * st->ns + 10 * SEC;
	int code = 0, ret;

	out_path(r, ".out", out, sizeof(out));
	host_ip(r, st->to[0].name, ip, sizeof(ip));
	snprintf(cmd, sizeof(cmd), "exec ping -c %u -i %.3f -W 2 %s", st->count,
		 (double)st->ns / 1e9, ip);
	ret = run_sh(r, st->from[0].name, cmd, budget, out, 0, &code);
	if (ret == -ETIMEDOUT)
		set_msg(r, "ping timed out, killed");
	else if (ret < 0)
		set_msg(r, "%s", strerror(-ret));
	if (ret < 0)
		return ret;
	if (ping_parse(out, &tx, &rx, &p50) < 0 || tx == 0) {
		first_line(out, line, sizeof(line));
		set_msg(r, "ping failed (exit %d): %s", code, line);
		return -EIO;
	}
	loss = 1.0 - (double)rx / tx;
	if (p50 >= 0)
		set_msg(r, "loss %.3g%%, p50 %.2f ms", loss * 100, p50);
	else
		set_msg(r, "loss %.3g%%, no replies", loss * 100);
	if (st->has_max_loss && loss > st->max_loss + 1e-9) {
		set_msg(r, "loss %.3g%% > %.3g%% (%u of %u)", loss * 100, st->max_loss * 100,
			tx - rx, tx);
		return 1;
	}
	if (st->has_max_rtt_p50 && (p50 < 0 || p50 * 1e6 > (double)st->max_rtt_p50)) {
		set_msg(r, "p50 %.2f ms > %.2f ms", p50, (double)st->max_rtt_p50 / 1e6);
		return 1;
	}
	return 0;
}

/* Wait for iperf3's server to listen: it prints "Server listening". */
static void iperf_ready(const char *srv_out, pid_t srv)
{
	uint64_t deadline = now_ns() + 3 * SEC;

	while (now_ns() < deadline && !stop_sig) {
		char *text = slurp(srv_out);
		int up = text && strstr(text, "listening");

		free(text);
		if (up || waitpid(srv, NULL, WNOHANG) == srv)
			return;
		nap(POLL_NS * 2);
	}
}

static int iperf_result(struct run *r, const char *out, double *mbit)
{
	json_error_t je;
	json_t *j = json_load_file(out, 0, &je), *bps;
	const char *e;
	int ret = 0;

	if (j == NULL) {
		set_msg(r, "iperf3 output is not JSON: %s", je.text);
		return -EIO;
	}
	e = json_string_value(json_object_get(j, "error"));
	bps = json_object_get(json_object_get(json_object_get(j, "end"), "sum_received"),
			      "bits_per_second");
	if (e != NULL || !json_is_number(bps)) {
		set_msg(r, "iperf3: %s", e ? e : "no result");
		ret = -EIO;
	} else {
		*mbit = json_number_value(bps) / 1e6;
	}
	json_decref(j);
	return ret;
}

static int step_iperf(struct run *r, const struct scenario_step *st)
{
	char out[PATH_MAX + 32], srv_out[PATH_MAX + 32], ip[32], cmd[160];
	unsigned port = 5300 + r->idx % 500;
	int code = 0, ret;
	double mbit = 0;
	pid_t srv;

	out_path(r, ".out", out, sizeof(out));
	out_path(r, ".server.out", srv_out, sizeof(srv_out));
	host_ip(r, st->to[0].name, ip, sizeof(ip));
	snprintf(cmd, sizeof(cmd), "exec iperf3 -s -1 --forceflush -p %u", port);
	{
		char *argv[] = {"/bin/sh", "-c", cmd, NULL};

		srv = spawn(r, st->to[0].name, srv_out, 0, argv);
	}
	if (srv < 0) {
		set_msg(r, "cannot start iperf3 server: %s", strerror(-srv));
		return srv;
	}
	iperf_ready(srv_out, srv);
	snprintf(cmd, sizeof(cmd), "exec iperf3 -c %s -p %u -t %u -J", ip, port, st->seconds);
	ret = run_sh(r, st->from[0].name, cmd, (st->seconds + 20) * SEC, out, 0, &code);
	kill_group(srv);
	if (ret < 0) {
		set_msg(r, "iperf3: %s", ret == -ETIMEDOUT ? "timed out, killed" : strerror(-ret));
		return ret;
	}
	ret = iperf_result(r, out, &mbit);
	if (ret < 0)
		return ret;
	set_msg(r, "%.2f Mbit/s", mbit);
	if ((st->has_min_mbit && mbit < st->min_mbit) ||
	    (st->has_max_mbit && mbit > st->max_mbit)) {
		set_msg(r, "%.2f Mbit/s, expected %s%.6g..%s%.6g", mbit, "",
			st->has_min_mbit ? st->min_mbit : 0, "",
			st->has_max_mbit ? st->max_mbit : 1e9);
		return 1;
	}
	return 0;
}

/* The switch port of endpoint ep: the switch end of its link (for a trunk,
 * the named end), as `rackless link` maps it. */
static int port_of(const struct topo *t, const char *ep, char *port, size_t len)
{
	char name[SCENARIO_EP_MAX];

	for (unsigned l = 0; l < t->n_links; l++) {
		for (int e = 0; e < 2; e++) {
			const struct topo_endpoint *x = &t->links[l].ep[e];
			const struct topo_endpoint *y = &t->links[l].ep[!e];

			snprintf(name, sizeof(name), "%s:%s", t->nodes[x->node].name, x->ifname);
			if (strcmp(name, ep) != 0)
				continue;
			if (t->nodes[x->node].kind == TOPO_KIND_SWITCH)
				snprintf(port, len, "%s", name);
			else
				snprintf(port, len, "%s:%s", t->nodes[y->node].name, y->ifname);
			return 0;
		}
	}
	return -ENOENT;
}

static int switch_call(const char *lab, json_t *req, json_t **res, char *err, size_t errlen)
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

static int step_counter(struct run *r, const struct scenario_step *st)
{
	char port[SCENARIO_EP_MAX], err[256] = "";
	json_t *res = NULL, *v;
	long long n;
	int ret;

	ret = port_of(r->t, st->endpoint, port, sizeof(port));
	if (ret < 0) {
		set_msg(r, "no link with endpoint %s", st->endpoint);
		return ret;
	}
	ret = switch_call(r->lab, json_pack("{s:s, s:s}", "cmd", "link-show", "name", port), &res,
			  err, sizeof(err));
	if (ret < 0) {
		set_msg(r, "link-show %s: %s", port, err);
		return ret;
	}
	v = json_object_get(
	    json_object_get(json_object_get(res, st->dir_out ? "out" : "in"), "drops"), st->drop);
	if (!json_is_integer(v)) {
		set_msg(r, "port %s has no drop counter '%s'", port, st->drop);
		json_decref(res);
		return -ENOENT;
	}
	n = (long long)json_integer_value(v);
	json_decref(res);
	set_msg(r, "%s=%lld", st->drop, n);
	if ((st->has_min && n < st->min) || (st->has_max && n > st->max)) {
		if (st->has_min && n < st->min)
			set_msg(r, "%s=%lld < min %lld", st->drop, n, st->min);
		else
			set_msg(r, "%s=%lld > max %lld", st->drop, n, st->max);
		return 1;
	}
	return 0;
}

/* partition (groups from the step) or heal (everyone back to 0): every
 * host port of the lab gets its group, so a later partition replaces an
 * earlier one whole. */
static int step_groups(struct run *r, const struct scenario_step *st)
{
	const struct topo *t = r->t;
	unsigned ports = 0;

	for (unsigned i = 0; i < t->n_links; i++) {
		const struct topo_link *l = &t->links[i];
		const char *host = t->nodes[l->ep[0].node].name;
		char port[SCENARIO_EP_MAX], err[256] = "";
		unsigned g = 0;
		int ret;

		if (topo_link_is_trunk(l))
			continue;
		for (unsigned k = 0; st->type == SCENARIO_PARTITION && k < st->n_from; k++) {
			if (strcmp(st->from[k].name, host) == 0)
				g = st->group[k];
		}
		snprintf(port, sizeof(port), "%s:%s", t->nodes[l->ep[1].node].name,
			 l->ep[1].ifname);
		ret = switch_call(r->lab,
				  json_pack("{s:s, s:s, s:i}", "cmd", "port-group", "name", port,
					    "group", (int)g),
				  NULL, err, sizeof(err));
		if (ret < 0) {
			set_msg(r, "port-group %s: %s", port, err);
			return ret;
		}
		ports++;
	}
	set_msg(r, "%u host ports", ports);
	return 0;
}

static int step_do(struct run *r, const struct scenario_step *st)
{
	switch (st->type) {
	case SCENARIO_WAIT:
		return step_wait(r, st);
	case SCENARIO_RUN:
		return step_run(r, st);
	case SCENARIO_LINK:
		return step_link(r, st);
	case SCENARIO_REACH:
		return step_reach(r, st);
	case SCENARIO_PING:
		return step_ping(r, st);
	case SCENARIO_IPERF:
		return step_iperf(r, st);
	case SCENARIO_COUNTER:
		return step_counter(r, st);
	case SCENARIO_PARTITION:
	case SCENARIO_HEAL:
		return step_groups(r, st);
	}
	return -EINVAL;
}

/* ---- the run --------------------------------------------------------- */

static void print_head(const struct run *r, const struct scenario_step *st)
{
	char desc[200];
	int n;

	scenario_step_describe(st, desc, sizeof(desc));
	n = printf("[%2u/%u] %s ", r->idx + 1, r->s->n_steps, desc);
	for (; n < DOTS_COL; n++)
		putchar('.');
	putchar(' ');
	fflush(stdout);
}

static void print_tail(const struct scenario_result *res)
{
	static const char *const word[] = {
	    [SCENARIO_NOT_RUN] = "skipped", [SCENARIO_PASS] = "ok",	 [SCENARIO_FAIL] = "FAIL",
	    [SCENARIO_ERROR] = "ERROR",	    [SCENARIO_SKIP] = "skipped",
	};

	if (res->msg[0])
		printf("%s (%s)\n", word[res->status], res->msg);
	else
		printf("%s\n", word[res->status]);
	fflush(stdout);
}

/* Run every step; returns 1 if the run was cut short (error or signal). */
static int run_steps(struct run *r)
{
	int aborted = 0;

	for (r->idx = 0; r->idx < r->s->n_steps; r->idx++) {
		const struct scenario_step *st = &r->s->steps[r->idx];
		struct scenario_result *res = &r->res[r->idx];
		uint64_t t0;
		int ret;

		if (aborted || stop_sig) {
			res->status = SCENARIO_SKIP;
			continue;
		}
		print_head(r, st);
		t0 = now_ns();
		ret = step_do(r, st);
		res->secs = (double)(now_ns() - t0) / 1e9;
		if (ret == -EINTR || (ret < 0 && stop_sig)) {
			res->status = SCENARIO_SKIP;
			set_msg(r, "interrupted");
			aborted = 1;
		} else if (ret < 0) {
			res->status = SCENARIO_ERROR;
			aborted = 1;
		} else {
			res->status = ret ? SCENARIO_FAIL : SCENARIO_PASS;
		}
		print_tail(res);
	}
	return aborted || stop_sig;
}

static void kill_background(struct run *r)
{
	for (unsigned i = 0; i < r->n_bg; i++)
		kill_group(r->bg[i]);
	r->n_bg = 0;
}

static void save_stats(const struct run *r)
{
	char path[PATH_MAX + 16], err[256] = "";
	json_t *res = NULL;

	snprintf(path, sizeof(path), "%s/stats.json", r->art);
	if (switch_call(r->lab, json_pack("{s:s}", "cmd", "stats"), &res, err, sizeof(err)) < 0) {
		FILE *f = fopen(path, "w");

		if (f != NULL) {
			fprintf(f, "{\"error\": \"switch stats unavailable\"}\n");
			fclose(f);
		}
		return;
	}
	json_dump_file(res, path, JSON_INDENT(2));
	json_decref(res);
}

static int make_artifacts(struct run *r)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	if (mkdir(ART_ROOT, 0755) < 0 && errno != EEXIST)
		return -errno;
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	for (int i = 1; i < 100; i++) {
		if (i == 1)
			snprintf(r->art, sizeof(r->art), "%s/%s-%s", ART_ROOT, r->s->name, stamp);
		else
			snprintf(r->art, sizeof(r->art), "%s/%s-%s.%d", ART_ROOT, r->s->name, stamp,
				 i);
		if (mkdir(r->art, 0755) == 0)
			return 0;
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

static void remove_artifacts(const struct run *r)
{
	char path[PATH_MAX + 300];
	struct dirent *de;
	DIR *d = opendir(r->art);

	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", r->art, de->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(r->art);
	rmdir(ART_ROOT); /* only if nothing else is kept there */
}

struct run_opts {
	const char *file, *junit, *lab;
	int keep_on_fail, has_seed;
	uint64_t seed;
};

static int parse_args(int argc, char **argv, struct run_opts *o)
{
	char *end;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--junit") == 0 && i + 1 < argc) {
			o->junit = argv[++i];
		} else if (strcmp(argv[i], "--lab") == 0 && i + 1 < argc) {
			o->lab = argv[++i];
		} else if (strcmp(argv[i], "--keep-on-fail") == 0) {
			o->keep_on_fail = 1;
		} else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
			i++;
			errno = 0;
			o->seed = strtoull(argv[i], &end, 10);
			if (errno || *end || argv[i][0] < '0' || argv[i][0] > '9')
				return -EINVAL;
			o->has_seed = 1;
		} else if (argv[i][0] == '-' || o->file != NULL) {
			return -EINVAL;
		} else {
			o->file = argv[i];
		}
	}
	return o->file ? 0 : -EINVAL;
}

/* Load and check everything; nothing is brought up. 0 or an exit code. */
static int prepare(const struct run_opts *o, struct scenario **s, struct topo **t)
{
	struct topo_diags d;

	if (scenario_load_file(o->file, s, &d) < 0) {
		topo_diags_print(&d, stderr);
		return EXIT_BAD_FILE;
	}
	if (o->has_seed) {
		(*s)->has_seed = 1;
		(*s)->seed = o->seed;
	}
	if (o->lab && !topo_name_valid(o->lab)) {
		fprintf(stderr, "rackless: bad lab name '%s'\n", o->lab);
		return EXIT_BAD_FILE;
	}
	if (scenario_load_topology(*s, o->lab, t, &d) < 0) {
		topo_diags_print(&d, stderr);
		return EXIT_BAD_FILE;
	}
	memset(&d, 0, sizeof(d));
	if (scenario_check(*s, *t, &d) < 0) {
		topo_diags_print(&d, stderr);
		return EXIT_BAD_FILE;
	}
	return 0;
}

static void summary(const struct run *r, double secs, int failed)
{
	unsigned n[SCENARIO_SKIP + 1] = {0};

	for (unsigned i = 0; i < r->s->n_steps; i++)
		n[r->res[i].status]++;
	printf("scenario %s: %s: %u ok, %u failed, %u errors, %u skipped (%.1f s)\n", r->s->name,
	       stop_sig ? "interrupted"
	       : failed ? "FAILED"
			: "passed",
	       n[SCENARIO_PASS], n[SCENARIO_FAIL], n[SCENARIO_ERROR],
	       n[SCENARIO_SKIP] + n[SCENARIO_NOT_RUN], secs);
}

static int any_failed(const struct run *r)
{
	for (unsigned i = 0; i < r->s->n_steps; i++)
		if (r->res[i].status == SCENARIO_FAIL || r->res[i].status == SCENARIO_ERROR)
			return 1;
	return 0;
}

/* Up, steps, teardown. Returns the exit code. */
static int run_lab(struct run *r, const struct run_opts *o)
{
	struct lab_up_opts uo = {.quiet = 1};
	uint64_t t0 = now_ns();
	int failed, keep, ret;

	ret = make_artifacts(r);
	if (ret < 0) {
		fprintf(stderr, "rackless: cannot create %s/: %s\n", ART_ROOT, strerror(-ret));
		return 1;
	}
	printf("scenario %s: lab %s, %u steps, artifacts in %s\n", r->s->name, r->lab,
	       r->s->n_steps, r->art);
	ret = lab_up(r->t, &uo);
	if (ret < 0 || stop_sig) {
		fprintf(stderr, "rackless: lab %s did not come up%s\n", r->lab,
			ret == -EEXIST ? ": it is already up" : "");
		if (ret == 0)
			lab_undo(r->lab, 1, 1);
		remove_artifacts(r);
		return stop_sig ? EXIT_INTERRUPTED : 1;
	}
	run_steps(r);
	kill_background(r);
	failed = any_failed(r);
	keep = failed && o->keep_on_fail && !stop_sig;
	if (failed)
		save_stats(r);
	if (!keep) {
		ret = lab_undo(r->lab, 1, 1);
		if (ret < 0)
			fprintf(stderr, "rackless: tearing lab %s down: %s\n", r->lab,
				strerror(-ret));
	}
	summary(r, (double)(now_ns() - t0) / 1e9, failed);
	if (o->junit &&
	    (ret = scenario_junit_write(o->junit, r->s, r->res, (double)(now_ns() - t0) / 1e9)) < 0)
		fprintf(stderr, "rackless: %s: %s\n", o->junit, strerror(-ret));
	if (keep)
		printf("lab %s kept: rackless down %s removes it\n", r->lab, r->lab);
	if (failed || stop_sig)
		printf("artifacts kept in %s\n", r->art);
	else
		remove_artifacts(r);
	return stop_sig ? EXIT_INTERRUPTED : failed ? 1 : 0;
}

int cmd_run(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART */
	struct run_opts o = {0};
	struct scenario *s = NULL;
	struct topo *t = NULL;
	struct run r = {0};
	int ret;

	if (parse_args(argc, argv, &o) < 0)
		return cmd_usage("run");
	ret = prepare(&o, &s, &t);
	if (ret)
		goto out;
	if (geteuid() != 0) {
		fprintf(stderr, "rackless: run needs root\n");
		ret = 1;
		goto out;
	}
	r.s = s;
	r.t = t;
	r.lab = t->name;
	r.res = calloc(s->n_steps, sizeof(*r.res));
	if (r.res == NULL) {
		ret = 1;
		goto out;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	ret = run_lab(&r, &o);
out:
	free(r.res);
	topo_free(t);
	scenario_free(s);
	return ret;
}
