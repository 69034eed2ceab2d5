// SPDX-License-Identifier: BSD-3-Clause
/*
 * The timeline's own steps: wait, run (foreground with a timeout, or in
 * the background until the end), link (a `rackless link` child: the same
 * code path as the CLI), reach, ping, iperf, counter (the switch's
 * link-show), partition and heal (port groups in the switch). Also the
 * readers of ping's and iperf3's output that traffic streams share.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "scenario_run.h"

static int step_wait(struct run *r, const struct scenario_step *st)
{
	uint64_t deadline = srun_now() + st->ns;

	while (srun_now() < deadline) {
		if (srun_stop)
			return -EINTR;
		srun_nap(deadline - srun_now() < SRUN_POLL_NS ? deadline - srun_now()
							      : SRUN_POLL_NS);
	}
	srun_msg(r, "%.3g s", (double)st->ns / 1e9);
	return 0;
}

static int step_run_bg(struct run *r, const struct scenario_step *st, const char *out)
{
	char *argv[] = {"/bin/sh", "-c", st->cmd, NULL};
	pid_t pid;

	if (r->n_bg >= SRUN_BG_MAX) {
		srun_msg(r, "more than %d background commands", SRUN_BG_MAX);
		return -ENOSPC;
	}
	pid = srun_spawn(r, st->from[0].name, out, 0, argv);
	if (pid < 0) {
		srun_msg(r, "cannot start: %s", strerror(-pid));
		return pid;
	}
	r->bg[r->n_bg++] = pid;
	srun_msg(r, "started, pid %d", (int)pid);
	return 0;
}

static int step_run(struct run *r, const struct scenario_step *st)
{
	char out[PATH_MAX + 32];
	int code = 0, ret;

	srun_out_path(r, ".out", out, sizeof(out));
	if (st->background)
		return step_run_bg(r, st, out);
	ret = srun_run_sh(r, st->from[0].name, st->cmd, st->ns, out, 0, &code);
	if (ret == -ETIMEDOUT)
		srun_msg(r, "timed out after %.3g s, killed", (double)st->ns / 1e9);
	else if (ret < 0)
		srun_msg(r, "%s", strerror(-ret));
	if (ret < 0)
		return ret;
	if (st->has_expect_exit && code != st->expect_exit) {
		char line[200];

		/* what the command said: "sh: 1: nosuchcmd: not found" */
		srun_first_line(out, line, sizeof(line));
		srun_msg(r, "exit %d, expected %d%s%s", code, st->expect_exit, line[0] ? ": " : "",
			 line);
		return 1;
	}
	if (st->expect_output != NULL) {
		if (srun_file_contains(out, st->expect_output) != 1) {
			srun_msg(r, "exit %d, output lacks \"%.100s\"", code, st->expect_output);
			return 1;
		}
	}
	srun_msg(r, "exit %d", code);
	return 0;
}

static int step_link(struct run *r, const struct scenario_step *st)
{
	char out[PATH_MAX + 32], line[200], *set = NULL, *save = NULL, *tok;
	char *argv[64] = {"/proc/self/exe", "link", (char *)r->lab, (char *)st->endpoint};
	int n = 4, code = 0, ret;
	pid_t pid;

	srun_out_path(r, ".out", out, sizeof(out));
	if (st->link_op == SCENARIO_LINK_SET) {
		set = strdup(st->set);
		if (set == NULL)
			return -ENOMEM;
		argv[n++] = "set";
		for (tok = strtok_r(set, " \t", &save); tok && n < 62;
		     tok = strtok_r(NULL, " \t", &save))
			argv[n++] = tok;
		if (st->link_dir)
			argv[n++] = st->link_dir == 1 ? "--egress" : "--ingress";
	} else {
		argv[n++] = st->link_op == SCENARIO_LINK_DOWN ? "down" : "up";
	}
	argv[n] = NULL;
	pid = srun_spawn(r, NULL, out, 0, argv);
	ret = pid < 0 ? pid : srun_wait_child(pid, 30 * SRUN_SEC, &code);
	free(set);
	if (ret < 0) {
		srun_msg(r, "rackless link: %s", strerror(-ret));
		return ret;
	}
	if (code != 0) {
		srun_first_line(out, line, sizeof(line));
		srun_msg(r, "the switch refused (exit %d): %s", code, line);
		return -EIO;
	}
	srun_msg(r, "done");
	return 0;
}

/* reach: every pair's ping at once (at most REACH_INFLIGHT in flight), so
 * that pairs that must not answer cost one -W 2 timeout together, not one
 * each. Each pair's output goes to a file of its own, gathered into the
 * step's output at the end. */
#define REACH_INFLIGHT 64
#define REACH_WAIT_NS  (10 * SRUN_SEC)

struct reach_pair {
	const char *a, *b;
	const struct scenario_name *to; /* b, with its family */
	char ip[SRUN_ADDR];		/* b's address pinged */
	pid_t pid;			/* 0: not started, or reaped */
	uint64_t deadline;
	int code; /* ping's exit code, -1: not known */
	char out[SRUN_PATH];
};

static int reach_start(struct run *r, struct reach_pair *p, unsigned k)
{
	char cmd[96], sfx[32];

	snprintf(sfx, sizeof(sfx), ".pair-%u.out", k);
	srun_out_path(r, sfx, p->out, sizeof(p->out));
	srun_host_ip(r, p->to, p->ip, sizeof(p->ip));
	snprintf(cmd, sizeof(cmd), "exec ping -%d -c 1 -W 2 %s", p->to->family, p->ip);
	p->pid = srun_spawn_sh(r, p->a, p->out, 0, cmd);
	if (p->pid < 0) {
		srun_msg(r, "ping %s -> %s: %s", p->a, p->b, strerror(-p->pid));
		return p->pid;
	}
	p->deadline = srun_now() + REACH_WAIT_NS;
	return 0;
}

/* Reap the pair if it is done: 1 if it was, 0 if it runs, -errno. */
static int reach_reap(struct run *r, struct reach_pair *p)
{
	int st;
	pid_t w = waitpid(p->pid, &st, WNOHANG);

	if (w == p->pid) {
		p->code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		kill(-p->pid, SIGKILL); /* what it left in its group */
		p->pid = 0;
		return 1;
	}
	if (w < 0 && errno != EINTR)
		return -errno;
	if (srun_now() < p->deadline)
		return 0;
	srun_msg(r, "ping %s -> %s: %s", p->a, p->b, strerror(ETIMEDOUT));
	return -ETIMEDOUT;
}

/* Run every pair; 0, or -errno (what is still running is killed). */
static int reach_run(struct run *r, struct reach_pair *p, unsigned n)
{
	unsigned next = 0, running = 0;
	int ret = 0;

	while (ret == 0 && (next < n || running > 0)) {
		for (; next < n && running < REACH_INFLIGHT && ret == 0; next++, running++)
			ret = reach_start(r, &p[next], next);
		for (unsigned k = 0; k < next && ret == 0; k++) {
			int done = p[k].pid > 0 ? reach_reap(r, &p[k]) : 0;

			ret = done < 0 ? done : 0;
			running -= done > 0;
		}
		if (ret == 0 && srun_stop)
			ret = -EINTR;
		if (ret == 0 && running > 0)
			srun_nap(SRUN_POLL_NS);
	}
	for (unsigned k = 0; k < next; k++)
		if (p[k].pid > 0)
			srun_kill_group(p[k].pid);
	return ret;
}

/* The pairs' outputs, in order, into the step's output file. */
static void reach_gather(const struct run *r, struct reach_pair *p, unsigned n)
{
	char out[SRUN_PATH], *text;
	FILE *f;

	srun_out_path(r, ".out", out, sizeof(out));
	f = fopen(out, "w");
	for (unsigned k = 0; k < n; k++) {
		if (p[k].out[0] == '\0')
			continue;
		text = srun_slurp(p[k].out);
		if (f != NULL)
			fprintf(f, "== %s -> %s (%s): exit %d\n%s", p[k].a, p[k].b, p[k].ip,
				p[k].code, text ? text : "");
		free(text);
		unlink(p[k].out);
	}
	if (f != NULL)
		fclose(f);
}

static unsigned reach_pairs(const struct scenario_step *st, struct reach_pair *p)
{
	unsigned n = 0;

	for (unsigned f = 0; f < st->n_from; f++) {
		for (unsigned t = 0; t < st->n_to; t++) {
			if (strcmp(st->from[f].name, st->to[t].name) == 0)
				continue;
			p[n] = (struct reach_pair){.a = st->from[f].name,
						   .b = st->to[t].name,
						   .to = &st->to[t],
						   .code = -1};
			n++;
		}
	}
	return n;
}

static int step_reach(struct run *r, const struct scenario_step *st)
{
	struct reach_pair *p = calloc((size_t)st->n_from * st->n_to, sizeof(*p));
	unsigned pairs, nbad = 0;
	char bad[300] = "";
	size_t o = 0;
	int ret;

	if (p == NULL)
		return -ENOMEM;
	pairs = reach_pairs(st, p);
	ret = reach_run(r, p, pairs);
	reach_gather(r, p, pairs);
	for (unsigned k = 0; ret == 0 && k < pairs; k++) {
		if ((p[k].code == 0) == st->expect)
			continue;
		nbad++;
		if (o < sizeof(bad))
			o += (size_t)snprintf(bad + o, sizeof(bad) - o, "%s%s->%s", o ? " " : "",
					      p[k].a, p[k].b);
	}
	free(p);
	if (ret < 0)
		return ret;
	if (nbad) {
		srun_msg(r, "%u of %u pairs %s: %s", nbad, pairs,
			 st->expect ? "got no reply" : "got a reply", bad);
		return 1;
	}
	srun_msg(r, "%u pair%s", pairs, pairs == 1 ? "" : "s");
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* ping's output (with -D: "[1712345678.123456] 64 bytes from ...:
 * icmp_seq=1 ttl=64 time=0.1 ms"): counts, the median time and the
 * timestamps of the replies. */
int srun_ping_parse(const char *path, struct srun_ping *p)
{
	FILE *f = fopen(path, "r");
	double *t = NULL, v, ts;
	size_t n = 0, cap = 0;
	char line[512], *q;
	int have = 0;

	memset(p, 0, sizeof(*p));
	p->p50_ms = -1;
	if (f == NULL)
		return -errno;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strstr(line, "packets transmitted") &&
		    sscanf(line, "%u packets transmitted, %u", &p->tx, &p->rx) == 2)
			have = 1;
		q = strstr(line, "time=");
		if (q == NULL || sscanf(q + 5, "%lf", &v) != 1)
			continue;
		if (line[0] == '[' && sscanf(line + 1, "%lf", &ts) == 1) {
			if (p->last > 0 && ts - p->last > p->max_gap)
				p->max_gap = ts - p->last;
			if (p->first == 0)
				p->first = ts;
			p->last = ts;
		}
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
		p->p50_ms = t[(n + 1) / 2 - 1];
	}
	free(t);
	return have ? 0 : -EINVAL;
}

static int step_ping(struct run *r, const struct scenario_step *st)
{
	char out[PATH_MAX + 32], ip[SRUN_ADDR], cmd[160], line[200];
	struct srun_ping pg;
	double loss;
	uint64_t budget = st->count * st->ns + 10 * SRUN_SEC;
	unsigned nfail = 0;
	int code = 0, ret;

	srun_out_path(r, ".out", out, sizeof(out));
	srun_host_ip(r, &st->to[0], ip, sizeof(ip));
	snprintf(cmd, sizeof(cmd), "exec ping -%d -c %u -i %.3f -W 2 %s", st->to[0].family,
		 st->count, (double)st->ns / 1e9, ip);
	ret = srun_run_sh(r, st->from[0].name, cmd, budget, out, 0, &code);
	if (ret == -ETIMEDOUT)
		srun_msg(r, "ping timed out, killed");
	else if (ret < 0)
		srun_msg(r, "%s", strerror(-ret));
	if (ret < 0)
		return ret;
	if (srun_ping_parse(out, &pg) < 0 || pg.tx == 0) {
		srun_first_line(out, line, sizeof(line));
		srun_msg(r, "ping failed (exit %d): %s", code, line);
		return -EIO;
	}
	loss = 1.0 - (double)pg.rx / pg.tx;
	if (pg.p50_ms >= 0)
		srun_msg(r, "loss %.3g%%, p50 %.2f ms, to %s", loss * 100, pg.p50_ms, ip);
	else
		srun_msg(r, "loss %.3g%%, no replies, to %s", loss * 100, ip);
	if (st->has_max_loss && loss > st->max_loss + 1e-9)
		srun_fail(r, &nfail, "loss %.3g%% > %.3g%% (%u of %u) to %s", loss * 100,
			  st->max_loss * 100, pg.tx - pg.rx, pg.tx, ip);
	srun_p50_check(r, st, pg.p50_ms, &nfail);
	return nfail ? 1 : 0;
}

/* Wait for iperf3's server to listen: it prints "Server listening". */
void srun_iperf_ready(const char *srv_out, pid_t srv)
{
	uint64_t deadline = srun_now() + 3 * SRUN_SEC;

	while (srun_now() < deadline && !srun_stop) {
		char *text = srun_slurp(srv_out);
		int up = text && strstr(text, "listening");

		free(text);
		if (up || waitpid(srv, NULL, WNOHANG) == srv)
			return;
		srun_nap(SRUN_POLL_NS * 2);
	}
}

static double num(json_t *j, const char *a, const char *k, double dflt)
{
	json_t *v = json_object_get(json_object_get(json_object_get(j, "end"), a), k);

	return json_is_number(v) ? json_number_value(v) : dflt;
}

/* TCP: end.sum_received (what arrived) and end.sum_sent.retransmits. UDP:
 * end.sum, with what the server counted as lost. */
int srun_iperf_parse(const char *path, struct srun_iperf *res)
{
	json_error_t je;
	json_t *j = json_load_file(path, 0, &je);
	const char *e;

	memset(res, 0, sizeof(*res));
	if (j == NULL) {
		srun_first_line(path, res->error, sizeof(res->error));
		return -EIO;
	}
	e = json_string_value(json_object_get(j, "error"));
	res->udp = json_is_true(json_object_get(
		       json_object_get(json_object_get(j, "start"), "test_start"), "udp")) ||
		   json_object_get(json_object_get(json_object_get(j, "end"), "sum"),
				   "lost_packets") != NULL;
	if (res->udp) {
		res->mbit = num(j, "sum", "bits_per_second", -1) / 1e6;
		res->lost = (long long)num(j, "sum", "lost_packets", 0);
		res->packets = (long long)num(j, "sum", "packets", 0);
		res->loss = num(j, "sum", "lost_percent", 100) / 100;
		res->retransmits = -1;
	} else {
		res->mbit = num(j, "sum_received", "bits_per_second", -1e6) / 1e6;
		res->retransmits = (long long)num(j, "sum_sent", "retransmits", -1);
	}
	if (e != NULL)
		snprintf(res->error, sizeof(res->error), "%s", e);
	else if (res->mbit < 0)
		snprintf(res->error, sizeof(res->error), "no result");
	json_decref(j);
	return 0;
}

static int step_iperf(struct run *r, const struct scenario_step *st)
{
	char out[PATH_MAX + 32], srv_out[PATH_MAX + 32], ip[SRUN_ADDR], cmd[200];
	unsigned port = 5300 + r->idx % 500;
	struct srun_iperf res;
	int code = 0, ret;
	double mbit;
	pid_t srv;

	srun_out_path(r, ".out", out, sizeof(out));
	srun_out_path(r, ".server.out", srv_out, sizeof(srv_out));
	srun_host_ip(r, &st->to[0], ip, sizeof(ip));
	/* on the address the client is given: nothing else connects */
	snprintf(cmd, sizeof(cmd), "exec iperf3 -s -1 --forceflush -B %s -p %u", ip, port);
	srv = srun_spawn_sh(r, st->to[0].name, srv_out, 0, cmd);
	if (srv < 0) {
		srun_msg(r, "cannot start iperf3 server: %s", strerror(-srv));
		return srv;
	}
	srun_iperf_ready(srv_out, srv);
	snprintf(cmd, sizeof(cmd), "exec iperf3 -%d -c %s -p %u -t %u -J", st->to[0].family, ip,
		 port, st->seconds);
	ret = srun_run_sh(r, st->from[0].name, cmd, (st->seconds + 20) * SRUN_SEC, out, 0, &code);
	srun_kill_group(srv);
	if (ret < 0) {
		srun_msg(r, "iperf3: %s", ret == -ETIMEDOUT ? "timed out, killed" : strerror(-ret));
		return ret;
	}
	if (srun_iperf_parse(out, &res) < 0 || res.error[0]) {
		srun_msg(r, "iperf3: %s", res.error);
		return -EIO;
	}
	mbit = res.mbit;
	srun_msg(r, "%.2f Mbit/s, to %s", mbit, ip);
	if ((st->has_min_mbit && mbit < st->min_mbit) ||
	    (st->has_max_mbit && mbit > st->max_mbit)) {
		srun_msg(r, "%.2f Mbit/s, expected %s%.6g..%s%.6g, to %s", mbit, "",
			 st->has_min_mbit ? st->min_mbit : 0, "",
			 st->has_max_mbit ? st->max_mbit : 1e9, ip);
		return 1;
	}
	return 0;
}

static int step_counter(struct run *r, const struct scenario_step *st)
{
	char port[SCENARIO_EP_MAX], err[256] = "";
	json_t *res = NULL, *v;
	long long n;
	int ret, flip;

	ret = srun_port_of(r->t, st->endpoint, port, sizeof(port), &flip);
	if (ret < 0) {
		srun_msg(r, "no link with endpoint %s", st->endpoint);
		return ret;
	}
	ret = srun_switch_call(r->lab, json_pack("{s:s, s:s}", "cmd", "link-show", "name", port),
			       &res, err, sizeof(err));
	if (ret < 0) {
		srun_msg(r, "link-show %s: %s", port, err);
		return ret;
	}
	v = json_object_get(
	    json_object_get(json_object_get(res, st->dir_out != flip ? "out" : "in"), "drops"), st->drop);
	if (!json_is_integer(v)) {
		srun_msg(r, "port %s has no drop counter '%s'", port, st->drop);
		json_decref(res);
		return -ENOENT;
	}
	n = (long long)json_integer_value(v);
	json_decref(res);
	srun_msg(r, "%s=%lld", st->drop, n);
	if ((st->has_min && n < st->min) || (st->has_max && n > st->max)) {
		if (st->has_min && n < st->min)
			srun_msg(r, "%s=%lld < min %lld", st->drop, n, st->min);
		else
			srun_msg(r, "%s=%lld > max %lld", st->drop, n, st->max);
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
		ret = srun_switch_call(r->lab,
				       json_pack("{s:s, s:s, s:i}", "cmd", "port-group", "name",
						 port, "group", (int)g),
				       NULL, err, sizeof(err));
		if (ret < 0) {
			srun_msg(r, "port-group %s: %s", port, err);
			return ret;
		}
		ports++;
	}
	srun_msg(r, "%u host ports", ports);
	return 0;
}

int scenario_act(struct run *r, const struct scenario_step *st)
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
	default:
		return -EINVAL;
	}
}
