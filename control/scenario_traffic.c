// SPDX-License-Identifier: BSD-3-Clause
/*
 * Traffic streams: `traffic: {name, kind, from, to, seconds, ...}` starts
 * traffic that runs in the background while later steps change the network,
 * and `expect: {traffic: NAME, bounds}` waits for it to end and asserts on
 * what it measured.
 *
 *   iperf: an iperf3 server in 'to' (one test, a port of the stream's own)
 *          and a client in 'from' for 'seconds' (-J; after 'omit' seconds
 *          that do not count, -O): throughput received, TCP retransmits,
 *          UDP loss; an iperf3 error (the connection did not survive)
 *          fails the expect.
 *   ping:  ping -D, one request per interval for 'seconds': loss, lost
 *          replies, median time, and the longest gap without a reply (from
 *          the start to the first reply and from the last one to the end
 *          count too), which is how long an outage or a freeze lasted. A
 *          second after the stream's end ping is told to stop (SIGINT: it
 *          prints its summary) if it has not: around an outage it falls
 *          behind its schedule, and at the end it waits twice the longest
 *          RTT it saw, which a reply held up by the outage makes seconds.
 *
 * A stream nobody waits for is killed at the end of the run.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "scenario_run.h"

#define PORT_BASE 5400 /* + the traffic step's index: one port per stream */
#define SLACK_NS  (20 * SRUN_SEC)
#define LINGER_NS SRUN_SEC	 /* ping: for replies to the last requests */
#define SIGINT_NS (3 * SRUN_SEC) /* ping: to print its summary */

static struct srun_stream *stream_of(struct run *r, unsigned step)
{
	for (unsigned i = 0; i < r->n_streams; i++)
		if (r->streams[i].step == step)
			return &r->streams[i];
	return NULL;
}

int scenario_traffic_init(struct run *r)
{
	unsigned n = 0;

	for (unsigned i = 0; i < r->s->n_steps; i++)
		n += r->s->steps[i].type == SCENARIO_TRAFFIC;
	if (n == 0)
		return 0;
	r->streams = calloc(n, sizeof(*r->streams));
	if (r->streams == NULL)
		return -ENOMEM;
	for (unsigned i = 0; i < r->s->n_steps; i++)
		if (r->s->steps[i].type == SCENARIO_TRAFFIC)
			r->streams[r->n_streams++].step = i;
	return 0;
}

void scenario_traffic_fini(struct run *r)
{
	free(r->streams);
	r->streams = NULL;
	r->n_streams = 0;
}

static double realtime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int start_iperf(struct run *r, const struct scenario_step *st, struct srun_stream *x,
		       const char *ip)
{
	unsigned port = PORT_BASE + x->step;
	char cmd[256], opt[96] = "";
	size_t o = 0;

	snprintf(cmd, sizeof(cmd), "exec iperf3 -s -1 --forceflush -B %s -p %u", ip, port);
	x->server = srun_spawn_sh(r, st->to[0].name, x->srv_out, 0, cmd);
	if (x->server < 0) {
		srun_msg(r, "cannot start iperf3 server: %s", strerror(-x->server));
		return x->server;
	}
	srun_iperf_ready(x->srv_out, x->server);
	if (st->udp)
		o += (size_t)snprintf(opt + o, sizeof(opt) - o, " -u");
	if (st->rate_bps)
		o += (size_t)snprintf(opt + o, sizeof(opt) - o, " -b %llu",
				      (unsigned long long)st->rate_bps);
	if (st->streams > 1)
		o += (size_t)snprintf(opt + o, sizeof(opt) - o, " -P %u", st->streams);
	if (st->congestion[0])
		o += (size_t)snprintf(opt + o, sizeof(opt) - o, " -C %s", st->congestion);
	if (st->omit)
		snprintf(opt + o, sizeof(opt) - o, " -O %u", st->omit);
	snprintf(cmd, sizeof(cmd), "exec iperf3 -%d -c %s -p %u -t %u -J%s", st->to[0].family, ip,
		 port, st->seconds, opt);
	x->client = srun_spawn_sh(r, st->from[0].name, x->out, 0, cmd);
	if (x->client < 0) {
		srun_msg(r, "cannot start iperf3: %s", strerror(-x->client));
		return x->client;
	}
	srun_msg(r, st->to[0].family == 6 ? "iperf3 to [%s]:%u" : "iperf3 to %s:%u", ip, port);
	return 0;
}

int scenario_traffic_start(struct run *r, const struct scenario_step *st)
{
	struct srun_stream *x = stream_of(r, r->idx);
	char ip[SRUN_ADDR], cmd[200];

	if (x == NULL)
		return -ENOENT;
	snprintf(x->out, sizeof(x->out), "%s/traffic-%s.out", r->art, st->name);
	snprintf(x->srv_out, sizeof(x->srv_out), "%s/traffic-%s.server.out", r->art, st->name);
	srun_host_ip(r, &st->to[0], ip, sizeof(ip));
	if (st->kind == SCENARIO_TRAFFIC_IPERF) {
		int ret = start_iperf(r, st, x, ip);

		x->started = realtime();
		return ret;
	}
	/* -c, not -w: with a deadline, ping gives up at the first error
	 * (a link that is down), and a stream has to outlast the outage */
	snprintf(cmd, sizeof(cmd), "exec ping -%d -D -W 1 -i %.3f -c %llu %s", st->to[0].family,
		 (double)st->ns / 1e9,
		 (unsigned long long)((uint64_t)st->seconds * SRUN_SEC / st->ns), ip);
	x->started = realtime();
	x->client = srun_spawn_sh(r, st->from[0].name, x->out, 0, cmd);
	if (x->client < 0) {
		srun_msg(r, "cannot start ping: %s", strerror(-x->client));
		return x->client;
	}
	srun_msg(r, "ping %s every %.3g s", ip, (double)st->ns / 1e9);
	return 0;
}

/* Wait for the client: it ends by itself after its seconds. */
static int wait_done(struct srun_stream *x, const struct scenario_step *ts)
{
	double left = x->started + ts->seconds + ts->omit - realtime();
	uint64_t until_end = left > 0 ? (uint64_t)(left * 1e9) : 0;
	int ret;

	if (x->done)
		return 0;
	if (ts->kind == SCENARIO_TRAFFIC_PING) {
		ret = srun_wait_exit(x->client, until_end + LINGER_NS, &x->code);
		if (ret == -ETIMEDOUT) {
			kill(x->client, SIGINT);
			ret = srun_wait_child(x->client, SIGINT_NS, &x->code);
		}
	} else {
		ret = srun_wait_child(x->client, until_end + SLACK_NS, &x->code);
	}
	x->client = 0;
	x->done = 1;
	if (x->server > 0) {
		srun_kill_group(x->server);
		x->server = 0;
	}
	return ret;
}

static int expect_iperf(struct run *r, const struct scenario_step *st, struct srun_stream *x)
{
	struct srun_iperf res;
	char extra[64] = "";
	unsigned nfail = 0;

	if (srun_iperf_parse(x->out, &res) < 0) {
		srun_msg(r, "iperf3 (exit %d) gave no result: %.150s", x->code, res.error);
		return 1;
	}
	if (res.error[0]) {
		srun_msg(r, "iperf3: %.200s", res.error);
		return 1;
	}
	if (res.udp)
		snprintf(extra, sizeof(extra), ", loss %.3g%% (%lld of %lld)", res.loss * 100,
			 res.lost, res.packets);
	else if (res.retransmits >= 0)
		snprintf(extra, sizeof(extra), ", %lld retransmits", res.retransmits);
	srun_msg(r, "%.2f Mbit/s%s", res.mbit, extra);
	/* every bound that did not hold, in one message */
	if (st->has_min_mbit && res.mbit < st->min_mbit)
		srun_fail(r, &nfail, "%.2f Mbit/s < min %.6g%s", res.mbit, st->min_mbit, extra);
	if (st->has_max_mbit && res.mbit > st->max_mbit)
		srun_fail(r, &nfail, "%.2f Mbit/s > max %.6g%s", res.mbit, st->max_mbit, extra);
	if (st->has_max_loss && res.loss > st->max_loss + 1e-9)
		srun_fail(r, &nfail, "loss %.3g%% > %.3g%% (%lld of %lld)", res.loss * 100,
			  st->max_loss * 100, res.lost, res.packets);
	return nfail ? 1 : 0;
}

static int expect_ping(struct run *r, const struct scenario_step *st, struct srun_stream *x,
		       const struct scenario_step *ts)
{
	struct srun_ping pg;
	double loss, gap, end = x->started + ts->seconds;
	unsigned lost, nfail = 0;

	if (srun_ping_parse(x->out, &pg) < 0 || pg.tx == 0) {
		char line[200];

		srun_first_line(x->out, line, sizeof(line));
		srun_msg(r, "ping (exit %d) gave no result: %s", x->code,
			 line[0] ? line : "no output (the host was frozen, or ping never ran)");
		return 1;
	}
	lost = pg.tx > pg.rx ? pg.tx - pg.rx : 0;
	loss = (double)lost / pg.tx;
	gap = pg.rx ? pg.max_gap : ts->seconds;
	if (pg.rx && pg.first - x->started > gap)
		gap = pg.first - x->started;
	if (pg.rx && end - pg.last > gap)
		gap = end - pg.last;
	if (pg.p50_ms >= 0)
		srun_msg(r, "%u of %u replies, max gap %.3f s, p50 %.2f ms", pg.rx, pg.tx, gap,
			 pg.p50_ms);
	else /* no reply, no median */
		srun_msg(r, "0 of %u replies, max gap %.3f s", pg.tx, gap);
	/* every bound that did not hold, in one message */
	if (st->has_max_loss && loss > st->max_loss + 1e-9)
		srun_fail(r, &nfail, "loss %.3g%% > %.3g%% (%u of %u)", loss * 100,
			  st->max_loss * 100, lost, pg.tx);
	if (st->has_max_lost && lost > st->max_lost)
		srun_fail(r, &nfail, "%u lost > max %llu (of %u)", lost, st->max_lost, pg.tx);
	if (st->has_max_gap && gap * 1e9 > (double)st->max_gap)
		srun_fail(r, &nfail, "max gap %.3f s > %.3f s", gap, (double)st->max_gap / 1e9);
	srun_p50_check(r, st, pg.p50_ms, &nfail);
	return nfail ? 1 : 0;
}

int scenario_traffic_expect(struct run *r, const struct scenario_step *st)
{
	const struct scenario_step *ts = &r->s->steps[st->ref];
	struct srun_stream *x = stream_of(r, st->ref);
	int ret;

	if (x == NULL || (x->client <= 0 && !x->done)) {
		srun_msg(r, "stream %s did not start", st->name);
		return -ENOENT;
	}
	ret = wait_done(x, ts);
	if (ret == -ETIMEDOUT) {
		srun_msg(r, "stream %s did not end in time, killed", st->name);
		return 1;
	}
	if (ret < 0) {
		srun_msg(r, "%s", strerror(-ret));
		return ret;
	}
	return ts->kind == SCENARIO_TRAFFIC_IPERF ? expect_iperf(r, st, x)
						  : expect_ping(r, st, x, ts);
}

void scenario_traffic_stop_all(struct run *r)
{
	for (unsigned i = 0; i < r->n_streams; i++) {
		struct srun_stream *x = &r->streams[i];

		if (x->client > 0)
			srun_kill_group(x->client);
		if (x->server > 0)
			srun_kill_group(x->server);
		x->client = x->server = 0;
	}
}
