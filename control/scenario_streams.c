// SPDX-License-Identifier: BSD-3-Clause
/*
 * Steps that start something in the background and the steps that refer to
 * it later: capture and stop, traffic, expect; and freeze and thaw. Names
 * and order are checked here, at load, against the steps before: a stop
 * names a capture that is running, an expect a stream that was started or a
 * capture that was stopped, a thaw a host that is frozen. A capture filter
 * is compiled by libpcap here too, so a bad one is a file:line:col error.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "linkparams.h"
#include "scenario_yaml.h"

#define SECONDS_MAX 3600
#define STREAMS_MAX 16

static unsigned step_index(const struct sctx *c, const struct scenario_step *st)
{
	return (unsigned)(st - c->s->steps);
}

/* The capture or traffic step before 'before' named name: index, or -1. */
static int find_named(const struct sctx *c, unsigned before, const char *name)
{
	for (unsigned i = 0; i < before; i++) {
		const struct scenario_step *o = &c->s->steps[i];

		if ((o->type == SCENARIO_CAPTURE || o->type == SCENARIO_TRAFFIC) &&
		    strcmp(o->name, name) == 0)
			return (int)i;
	}
	return -1;
}

/* Was capture 'ref' stopped by a step before 'before'? */
static int stopped(const struct sctx *c, unsigned before, unsigned ref)
{
	for (unsigned i = ref + 1; i < before; i++)
		if (c->s->steps[i].type == SCENARIO_STOP && c->s->steps[i].ref == ref &&
		    c->s->steps[i].name[0])
			return 1;
	return 0;
}

/* A name: valid, and (define) not given to an earlier capture or stream. */
static int get_name(struct sctx *c, const struct slot *s, const char *what,
		    struct scenario_step *st, int define)
{
	char q[SY_QUOTE_MAX];
	int other;

	if (!sy_want_scalar(c, s, what))
		return -EINVAL;
	if (sy_scalar_str(s->v, st->name, sizeof(st->name)) < 0 || !topo_name_valid(st->name)) {
		sy_err(c, s->v, "bad name '%s' for %s (letters, digits, '_', '-')",
		       sy_quote(s->v, q, sizeof(q)), what);
		st->name[0] = '\0';
		return -EINVAL;
	}
	st->name_mark = sy_mark(s->v);
	other = find_named(c, step_index(c, st), st->name);
	if (define && other >= 0) {
		sy_err(c, s->v, "name '%s' is already used (line %u)", st->name,
		       c->s->steps[other].mark.line);
		st->name[0] = '\0';
		return -EEXIST;
	}
	if (!define && other < 0) {
		sy_err(c, s->v, "no capture or traffic named '%s' before this step", st->name);
		st->name[0] = '\0';
		return -ENOENT;
	}
	if (!define)
		st->ref = (unsigned)other;
	return 0;
}

/* Compile the filter as libpcap will, for Ethernet: errors at the filter. */
static void get_filter(struct sctx *c, const struct slot *s, const char *what, unsigned snaplen,
		       char **out)
{
	struct bpf_program prog;
	pcap_t *p;

	sy_get_text(c, s, what, out);
	if (*out == NULL)
		return;
	p = pcap_open_dead(DLT_EN10MB, (int)snaplen);
	if (p == NULL) {
		c->rc = -ENOMEM;
		return;
	}
	if (pcap_compile(p, &prog, *out, 1, PCAP_NETMASK_UNKNOWN) < 0)
		sy_err(c, s->v, "bad filter '%.60s': %s", *out, pcap_geterr(p));
	else
		pcap_freecode(&prog);
	pcap_close(p);
}

/* capture: {name, endpoint, filter, snaplen, keep} */
void sy_parse_capture(struct sctx *c, yaml_node_t *at, yaml_node_t *v, struct scenario_step *st)
{
	struct slot s[] = {{"name"}, {"endpoint"}, {"filter"}, {"snaplen"}, {"keep"}, {NULL}};
	long long snap = SCENARIO_SNAPLEN;

	if (sy_collect(c, v, "capture step", s) < 0)
		return;
	if (sy_need(c, at, &s[0], "capture step"))
		get_name(c, &s[0], "capture step", st, 1);
	if (sy_need(c, at, &s[1], "capture step"))
		sy_get_endpoint(c, &s[1], "capture step", st);
	if (s[3].v)
		sy_get_int(c, &s[3], "capture step", 64, SCENARIO_SNAPLEN, &snap);
	st->snaplen = (unsigned)snap;
	if (s[2].v)
		get_filter(c, &s[2], "capture step", st->snaplen, &st->filter);
	if (s[4].v)
		sy_get_bool(c, &s[4], "capture step", &st->keep);
}

/* stop: NAME (a running capture) */
void sy_parse_stop(struct sctx *c, yaml_node_t *at, yaml_node_t *v, struct scenario_step *st)
{
	struct slot s = {"stop", at, v};
	const struct scenario_step *ref;

	if (get_name(c, &s, "stop step", st, 0) < 0)
		return;
	ref = &c->s->steps[st->ref];
	if (ref->type != SCENARIO_CAPTURE) {
		sy_err(c, v,
		       "'%s' is a traffic stream: it ends after its seconds "
		       "(an expect step waits for it)",
		       st->name);
		st->name[0] = '\0';
	} else if (stopped(c, step_index(c, st), st->ref)) {
		sy_err(c, v, "capture '%s' is already stopped", st->name);
		st->name[0] = '\0';
	}
}

static void traffic_kind(struct sctx *c, const struct slot *s, struct scenario_step *st)
{
	char q[SY_QUOTE_MAX];

	if (!sy_want_scalar(c, s, "traffic step"))
		return;
	if (sy_scalar_eq(s->v, "iperf"))
		st->kind = SCENARIO_TRAFFIC_IPERF;
	else if (sy_scalar_eq(s->v, "ping"))
		st->kind = SCENARIO_TRAFFIC_PING;
	else
		sy_err(c, s->v, "bad kind '%s' (iperf or ping)", sy_quote(s->v, q, sizeof(q)));
}

/* A key that only one kind of stream (or expect) takes. */
static void only_for(struct sctx *c, const struct slot *s, const char *what)
{
	if (s->k)
		sy_err(c, s->k, "'%s' is only for %s", s->key, what);
}

static void get_congestion(struct sctx *c, const struct slot *s, struct scenario_step *st)
{
	char q[SY_QUOTE_MAX];
	int ok;

	if (!sy_want_scalar(c, s, "traffic step"))
		return;
	ok = sy_scalar_str(s->v, st->congestion, sizeof(st->congestion)) == 0 && st->congestion[0];
	for (const char *p = st->congestion; ok && *p; p++)
		ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_';
	if (!ok) {
		sy_err(c, s->v, "bad congestion control '%s' (e.g. cubic, reno, bbr)",
		       sy_quote(s->v, q, sizeof(q)));
		st->congestion[0] = '\0';
	}
}

/* traffic: {name, kind, from, to, seconds, family; iperf: udp, rate,
 * streams, congestion, omit; ping: interval} */
void sy_parse_traffic(struct sctx *c, yaml_node_t *at, yaml_node_t *v, struct scenario_step *st)
{
	struct slot s[] = {{"name"}, {"kind"},	 {"from"},    {"to"},	    {"seconds"},
			   {"udp"},  {"rate"},	 {"streams"}, {"interval"}, {"congestion"},
			   {"omit"}, {"family"}, {NULL}};
	long long secs = 5, streams = 1, omit = 0;
	char buf[64], q[SY_QUOTE_MAX];

	if (sy_collect(c, v, "traffic step", s) < 0)
		return;
	st->family = c->s->family;
	if (s[11].v)
		sy_get_family(c, &s[11], "traffic step", &st->family);
	if (sy_need(c, at, &s[0], "traffic step"))
		get_name(c, &s[0], "traffic step", st, 1);
	if (sy_need(c, at, &s[1], "traffic step"))
		traffic_kind(c, &s[1], st);
	if (sy_need(c, at, &s[2], "traffic step"))
		sy_get_hosts(c, &s[2], 0, &st->from, &st->n_from);
	if (sy_need(c, at, &s[3], "traffic step"))
		sy_get_hosts(c, &s[3], 0, &st->to, &st->n_to);
	if (st->n_from && st->n_to && strcmp(st->from[0].name, st->to[0].name) == 0)
		sy_err(c, s[3].v, "a stream from %s to itself would not cross the switch",
		       st->to[0].name);
	if (s[4].v)
		sy_get_int(c, &s[4], "traffic step", 1, SECONDS_MAX, &secs);
	st->seconds = (unsigned)secs;
	st->streams = 1;
	st->ns = 100000000ull; /* ping: 100 ms */
	if (st->kind == SCENARIO_TRAFFIC_PING) {
		for (int k = 5; k <= 7; k++)
			only_for(c, &s[k], "iperf streams");
		only_for(c, &s[9], "iperf streams");
		only_for(c, &s[10], "iperf streams");
		if (s[8].v) {
			sy_get_time(c, &s[8], "traffic step", &st->ns);
			if (st->ns < 2000000ull || st->ns > 10000000000ull)
				sy_err(c, s[8].v, "interval must be 2ms..10s");
		}
		return;
	}
	only_for(c, &s[8], "ping streams");
	if (s[5].v)
		sy_get_bool(c, &s[5], "traffic step", &st->udp);
	if (s[6].v && sy_want_scalar(c, &s[6], "traffic step") &&
	    (sy_scalar_str(s[6].v, buf, sizeof(buf)) < 0 ||
	     linkparams_parse_rate(buf, &st->rate_bps) < 0 || st->rate_bps == 0))
		sy_err(c, s[6].v, "bad rate '%s' (e.g. 10mbit)", sy_quote(s[6].v, q, sizeof(q)));
	if (s[7].v)
		sy_get_int(c, &s[7], "traffic step", 1, STREAMS_MAX, &streams);
	st->streams = (unsigned)streams;
	if (s[9].v && st->udp)
		only_for(c, &s[9], "TCP streams");
	else if (s[9].v)
		get_congestion(c, &s[9], st);
	if (s[10].v)
		sy_get_int(c, &s[10], "traffic step", 0, 60, &omit);
	st->omit = (unsigned)omit;
}

static void expect_capture(struct sctx *c, yaml_node_t *at, struct slot *s,
			   struct scenario_step *st)
{
	const struct scenario_step *ref = &c->s->steps[st->ref];

	if (ref->type != SCENARIO_CAPTURE) {
		sy_err(c, s[0].v, "'%s' is a traffic stream (expect: {traffic: %s, ...})", st->name,
		       st->name);
		return;
	}
	if (!stopped(c, step_index(c, st), st->ref))
		sy_err(c, s[0].v, "capture '%s' is still running here: stop it first (stop: %s)",
		       st->name, st->name);
	for (int k = 5; k <= 10; k++)
		only_for(c, &s[k], "traffic");
	if (s[2].v)
		get_filter(c, &s[2], "expect step", ref->snaplen, &st->filter);
	if (s[3].v) {
		sy_get_int(c, &s[3], "expect step", 0, LLONG_MAX, &st->min);
		st->has_min = 1;
	}
	if (s[4].v) {
		sy_get_int(c, &s[4], "expect step", 0, LLONG_MAX, &st->max);
		st->has_max = 1;
	}
	if (!s[3].v && !s[4].v)
		sy_err(c, at, "expect on a capture needs 'min' or 'max' (frames)");
	sy_check_bounds(c, &s[3], &s[4], (double)st->min, (double)st->max);
}

static void expect_traffic(struct sctx *c, yaml_node_t *at, struct slot *s,
			   struct scenario_step *st)
{
	const struct scenario_step *ref = &c->s->steps[st->ref];
	long long lost = 0;
	int ping = ref->kind == SCENARIO_TRAFFIC_PING;

	if (ref->type != SCENARIO_TRAFFIC) {
		sy_err(c, s[1].v, "'%s' is a capture (expect: {capture: %s, ...})", st->name,
		       st->name);
		return;
	}
	for (int k = 2; k <= 4; k++)
		only_for(c, &s[k], "captures");
	if (ping) {
		only_for(c, &s[5], "iperf streams");
		only_for(c, &s[6], "iperf streams");
	} else {
		for (int k = 8; k <= 10; k++)
			only_for(c, &s[k], "ping streams");
		if (!ref->udp)
			only_for(c, &s[7], "UDP iperf streams and ping (TCP does not lose data)");
	}
	if (s[5].v) {
		sy_get_num(c, &s[5], "expect step", &st->min_mbit);
		st->has_min_mbit = 1;
	}
	if (s[6].v) {
		sy_get_num(c, &s[6], "expect step", &st->max_mbit);
		st->has_max_mbit = 1;
	}
	sy_check_bounds(c, &s[5], &s[6], st->min_mbit, st->max_mbit);
	if (s[7].v) {
		sy_get_prob(c, &s[7], "expect step", &st->max_loss);
		st->has_max_loss = 1;
	}
	if (s[8].v) {
		sy_get_int(c, &s[8], "expect step", 0, LLONG_MAX, &lost);
		st->max_lost = (unsigned long long)lost;
		st->has_max_lost = 1;
	}
	if (s[9].v) {
		sy_get_time(c, &s[9], "expect step", &st->max_gap);
		st->has_max_gap = 1;
	}
	if (s[10].v) {
		sy_get_time(c, &s[10], "expect step", &st->max_rtt_p50);
		st->has_max_rtt_p50 = 1;
	}
	/* ping exits 0 whatever it lost: without a bound nothing is checked */
	if (ping && !s[7].v && !s[8].v && !s[9].v && !s[10].v)
		sy_err(c, at,
		       "expect on a ping stream needs 'max_loss', 'max_lost', 'max_gap' or "
		       "'max_rtt_p50'");
}

/* expect: {capture: NAME, filter, min, max} or {traffic: NAME, bounds} */
void sy_parse_expect(struct sctx *c, yaml_node_t *at, yaml_node_t *v, struct scenario_step *st)
{
	struct slot s[] = {{"capture"},	 {"traffic"},  {"filter"},	{"min"},
			   {"max"},	 {"min_mbit"}, {"max_mbit"},	{"max_loss"},
			   {"max_lost"}, {"max_gap"},  {"max_rtt_p50"}, {NULL}};
	int which;

	if (sy_collect(c, v, "expect step", s) < 0)
		return;
	if (!!s[0].v + !!s[1].v != 1) {
		sy_err(c, at, "expect step needs exactly one of 'capture' and 'traffic'");
		return;
	}
	which = s[0].v ? 0 : 1;
	if (get_name(c, &s[which], "expect step", st, 0) < 0)
		return;
	if (which == 0)
		expect_capture(c, at, s, st);
	else
		expect_traffic(c, at, s, st);
}

/* Is host frozen after the steps before 'before'? */
static int frozen(const struct sctx *c, unsigned before, const char *host)
{
	int state = 0;

	for (unsigned i = 0; i < before; i++) {
		const struct scenario_step *o = &c->s->steps[i];

		if (o->type != SCENARIO_FREEZE && o->type != SCENARIO_THAW)
			continue;
		for (unsigned k = 0; k < o->n_from; k++)
			if (strcmp(o->from[k].name, host) == 0)
				state = o->type == SCENARIO_FREEZE;
	}
	return state;
}

/* freeze: HOST or [HOSTS]; thaw the same. */
void sy_parse_freeze(struct sctx *c, yaml_node_t *at, yaml_node_t *v, struct scenario_step *st)
{
	int freeze = st->type == SCENARIO_FREEZE;
	struct slot s = {freeze ? "freeze" : "thaw", at, v};
	unsigned me = step_index(c, st);

	sy_get_hosts(c, &s, 1, &st->from, &st->n_from);
	for (unsigned k = 0; k < st->n_from; k++) {
		const struct scenario_name *h = &st->from[k];

		for (unsigned j = 0; j < k; j++)
			if (strcmp(st->from[j].name, h->name) == 0)
				sy_err(c, v, "host %s is named twice", h->name);
		if (freeze && frozen(c, me, h->name))
			topo_diag(c->d, h->mark, "host %s is already frozen", h->name);
		else if (!freeze && !frozen(c, me, h->name))
			topo_diag(c->d, h->mark, "host %s is not frozen here (freeze: %s first)",
				  h->name, h->name);
	}
}
