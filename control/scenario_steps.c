// SPDX-License-Identifier: BSD-3-Clause
/*
 * The timeline's steps and assertions: wait, run, link, partition, heal,
 * reach, ping, iperf and counter. Each reports what is wrong at its place
 * and fills its step; names are resolved later (scenario_check()).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "linkparams.h"
#include "scenario_yaml.h"

void sy_parse_wait(struct sctx *c, yaml_node_t *v, struct scenario_step *st)
{
	struct slot s = {"wait", NULL, v};

	sy_get_time(c, &s, "wait step", &st->ns);
}

void sy_parse_run(struct sctx *c, yaml_node_t *at, yaml_node_t *v, struct scenario_step *st)
{
	struct slot s[] = {{"host"},	      {"cmd"},	      {"timeout"}, {"expect_exit"},
			   {"expect_output"}, {"background"}, {NULL}};
	long long ex = 0;

	if (sy_collect(c, v, "run step", s) < 0)
		return;
	st->ns = 30ull * 1000000000ull;
	if (sy_need(c, at, &s[0], "run step"))
		sy_get_hosts(c, &s[0], 0, &st->from, &st->n_from);
	if (sy_need(c, at, &s[1], "run step"))
		sy_get_text(c, &s[1], "run step", &st->cmd);
	if (s[2].v)
		sy_get_time(c, &s[2], "run step", &st->ns);
	if (s[3].v) {
		sy_get_int(c, &s[3], "run step", 0, 255, &ex);
		st->has_expect_exit = 1;
		st->expect_exit = (int)ex;
	}
	if (s[4].v)
		sy_get_text(c, &s[4], "run step", &st->expect_output);
	if (s[5].v)
		sy_get_bool(c, &s[5], "run step", &st->background);
	if (st->background && (s[3].v || s[4].v))
		sy_err(c, s[5].k,
		       "a background command has nothing to expect "
		       "(drop expect_exit/expect_output or background)");
	if (st->cmd != NULL && st->cmd[strspn(st->cmd, " \t\n")] == '\0')
		sy_err(c, s[1].v, "run step: 'cmd' is empty");
	/* a foreground command that fails fails the step, unless told */
	if (!st->background && !s[3].v)
		st->has_expect_exit = 1;
	if (s[2].v && st->ns == 0)
		sy_err(c, s[2].v, "timeout must be more than 0");
}

/* The parameters that set names (LP_F_* bits); 0 if it does not parse. */
static unsigned check_set(struct sctx *c, const yaml_node_t *at, const char *set)
{
	char buf[1024], e[160], *tok, *save = NULL;
	struct linkparams lp = {0};
	int n = 0;

	if (strlen(set) >= sizeof(buf)) {
		sy_err(c, at, "link set: too long");
		return 0;
	}
	strcpy(buf, set);
	for (tok = strtok_r(buf, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save), n++) {
		if (linkparams_set_kv(&lp, tok, e, sizeof(e)) < 0) {
			sy_err(c, at, "link set: %s", e);
			return 0;
		}
	}
	if (n == 0)
		sy_err(c, at, "link set: no parameters (e.g. \"delay=10ms loss=1%%\")");
	return lp.set;
}

/* direction: egress | ingress | both (what the endpoint sends or receives),
 * only with set: a cable is down or up both ways. */
static void link_direction(struct sctx *c, const struct slot *s, int not_set,
			   struct scenario_step *st)
{
	char q[SY_QUOTE_MAX];

	if (not_set) {
		sy_err(c, s->k, "'direction' is only for 'set' (a cable is down or up both ways)");
		return;
	}
	if (!sy_want_scalar(c, s, "link step"))
		return;
	if (sy_scalar_eq(s->v, "egress"))
		st->link_dir = 1;
	else if (sy_scalar_eq(s->v, "ingress"))
		st->link_dir = 2;
	else if (!sy_scalar_eq(s->v, "both"))
		sy_err(c, s->v, "bad direction '%s' (egress, ingress or both)",
		       sy_quote(s->v, q, sizeof(q)));
}

void sy_parse_link(struct sctx *c, yaml_node_t *at, yaml_node_t *v, struct scenario_step *st)
{
	struct slot s[] = {{"endpoint"}, {"set"}, {"down"}, {"up"}, {"direction"}, {NULL}};
	unsigned set = 0;
	int down = 0, up = 0, n;

	if (sy_collect(c, v, "link step", s) < 0)
		return;
	if (sy_need(c, at, &s[0], "link step"))
		sy_get_endpoint(c, &s[0], "link step", st);
	n = !!s[1].v + !!s[2].v + !!s[3].v;
	if (n != 1) {
		sy_err(c, at, "link step needs exactly one of 'set', 'down: true', 'up: true'");
		return;
	}
	if (s[4].v)
		link_direction(c, &s[4], !s[1].v, st);
	if (s[1].v) {
		st->link_op = SCENARIO_LINK_SET;
		sy_get_text(c, &s[1], "link step", &st->set);
		if (st->set)
			set = check_set(c, s[1].v, st->set);
		/* as `rackless link` refuses it, but before the lab is up:
		 * a cable is down or up both ways */
		if ((set & LP_F_STATE) && st->link_dir != 0)
			sy_err(c, s[4].k,
			       "'direction' is not for a 'set' with state= (a cable is down or "
			       "up both ways)");
	} else if (s[2].v) {
		sy_get_bool(c, &s[2], "link step", &down);
		st->link_op = SCENARIO_LINK_DOWN;
		if (!down)
			sy_err(c, s[2].v, "'down' can only be true (use 'up: true')");
	} else {
		sy_get_bool(c, &s[3], "link step", &up);
		st->link_op = SCENARIO_LINK_UP;
		if (!up)
			sy_err(c, s[3].v, "'up' can only be true (use 'down: true')");
	}
}

/* partition: [[h1, h2], [h3]]: two or more groups of hosts. */
void sy_parse_partition(struct sctx *c, yaml_node_t *at, yaml_node_t *v, struct scenario_step *st)
{
	yaml_node_item_t *it;
	size_t groups;
	unsigned g = 0;

	if (v->type != YAML_SEQUENCE_NODE) {
		sy_err(c, v, "partition is a list of host lists, e.g. [[h1, h2], [h3]]");
		return;
	}
	groups = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	if (groups < 2 || groups > 64) {
		sy_err(c, v, "a partition has 2..64 groups");
		return;
	}
	st->from = calloc(SCENARIO_HOSTS_MAX, sizeof(*st->from));
	st->group = calloc(SCENARIO_HOSTS_MAX, sizeof(*st->group));
	if (st->from == NULL || st->group == NULL) {
		c->rc = -ENOMEM;
		return;
	}
	for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		struct slot sl = {"partition", at, yaml_document_get_node(c->doc, *it)};
		struct scenario_name *names = NULL;
		unsigned n = 0;

		g++;
		if (sl.v == NULL || sl.v->type != YAML_SEQUENCE_NODE) {
			sy_err(c, sl.v ? sl.v : v, "each group of a partition is a list of hosts");
			continue;
		}
		sy_get_hosts(c, &sl, 1, &names, &n);
		for (unsigned k = 0; k < n; k++) {
			for (unsigned j = 0; j < st->n_from; j++) {
				if (strcmp(st->from[j].name, names[k].name) == 0) {
					sy_err(c, at, "host %s is in two groups of the partition",
					       names[k].name);
					break;
				}
			}
			if (st->n_from == SCENARIO_HOSTS_MAX) {
				sy_err(c, at, "a partition names at most %d hosts",
				       SCENARIO_HOSTS_MAX);
				break;
			}
			st->group[st->n_from] = g;
			st->from[st->n_from++] = names[k];
		}
		free(names);
	}
}

/* heal: true: every host port back to no group. */
void sy_parse_heal(struct sctx *c, yaml_node_t *at, yaml_node_t *v, struct scenario_step *st)
{
	struct slot sl = {"heal", at, v};
	int yes = 0;

	(void)st;
	sy_get_bool(c, &sl, "heal step", &yes);
	if (!yes && sy_is_scalar(v))
		sy_err(c, v, "'heal' can only be true");
}

static unsigned reach_pairs(const struct scenario_step *st)
{
	unsigned n = 0;

	for (unsigned f = 0; f < st->n_from; f++)
		for (unsigned t = 0; t < st->n_to; t++)
			n += strcmp(st->from[f].name, st->to[t].name) != 0;
	return n;
}

void sy_parse_reach(struct sctx *c, yaml_node_t *at, yaml_node_t *v, struct scenario_step *st)
{
	struct slot s[] = {{"from"}, {"to"}, {"expect"}, {"family"}, {NULL}};

	if (sy_collect(c, v, "reach step", s) < 0)
		return;
	st->expect = 1;
	st->family = c->s->family;
	if (s[3].v)
		sy_get_family(c, &s[3], "reach step", &st->family);
	if (sy_need(c, at, &s[0], "reach step"))
		sy_get_hosts(c, &s[0], 1, &st->from, &st->n_from);
	if (sy_need(c, at, &s[1], "reach step"))
		sy_get_hosts(c, &s[1], 1, &st->to, &st->n_to);
	if (s[2].v)
		sy_get_bool(c, &s[2], "reach step", &st->expect);
	if (st->n_from && st->n_to && reach_pairs(st) == 0)
		sy_err(c, at, "reach step has no pair of two different hosts: nothing to check");
}

void sy_parse_ping(struct sctx *c, yaml_node_t *at, yaml_node_t *v, struct scenario_step *st)
{
	struct slot s[] = {{"from"},	 {"to"},	  {"count"},  {"interval"},
			   {"max_loss"}, {"max_rtt_p50"}, {"family"}, {NULL}};
	long long cnt = 10;

	if (sy_collect(c, v, "ping step", s) < 0)
		return;
	st->ns = 100000000ull; /* 100 ms */
	st->family = c->s->family;
	if (s[6].v)
		sy_get_family(c, &s[6], "ping step", &st->family);
	if (sy_need(c, at, &s[0], "ping step"))
		sy_get_hosts(c, &s[0], 0, &st->from, &st->n_from);
	if (sy_need(c, at, &s[1], "ping step"))
		sy_get_hosts(c, &s[1], 0, &st->to, &st->n_to);
	if (s[2].v)
		sy_get_int(c, &s[2], "ping step", 1, 100000, &cnt);
	st->count = (unsigned)cnt;
	if (s[3].v) {
		sy_get_time(c, &s[3], "ping step", &st->ns);
		if (st->ns < 2000000ull || st->ns > 60000000000ull)
			sy_err(c, s[3].v, "interval must be 2ms..60s");
	}
	if (s[4].v) {
		sy_get_prob(c, &s[4], "ping step", &st->max_loss);
		st->has_max_loss = 1;
	}
	if (s[5].v) {
		sy_get_time(c, &s[5], "ping step", &st->max_rtt_p50);
		st->has_max_rtt_p50 = 1;
	}
}

void sy_parse_iperf(struct sctx *c, yaml_node_t *at, yaml_node_t *v, struct scenario_step *st)
{
	struct slot s[] = {{"client"},	 {"server"}, {"seconds"}, {"min_mbit"},
			   {"max_mbit"}, {"family"}, {NULL}};
	long long secs = 3;

	if (sy_collect(c, v, "iperf step", s) < 0)
		return;
	st->family = c->s->family;
	if (s[5].v)
		sy_get_family(c, &s[5], "iperf step", &st->family);
	if (sy_need(c, at, &s[0], "iperf step"))
		sy_get_hosts(c, &s[0], 0, &st->from, &st->n_from);
	if (sy_need(c, at, &s[1], "iperf step"))
		sy_get_hosts(c, &s[1], 0, &st->to, &st->n_to);
	if (s[2].v)
		sy_get_int(c, &s[2], "iperf step", 1, 3600, &secs);
	st->seconds = (unsigned)secs;
	if (s[3].v) {
		sy_get_num(c, &s[3], "iperf step", &st->min_mbit);
		st->has_min_mbit = 1;
	}
	if (s[4].v) {
		sy_get_num(c, &s[4], "iperf step", &st->max_mbit);
		st->has_max_mbit = 1;
	}
	sy_check_bounds(c, &s[3], &s[4], st->min_mbit, st->max_mbit);
}

/* The drop counters of a link direction, as link-show names them
 * (dataplane/linkem.c and portlink's held queue). */
static int counter_known(const char *name)
{
	static const char *const names[] = {"carrier_down", "mtu",	  "loss",
					    "burst_loss",   "queue_full", "held_queue_full"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return 1;
	return 0;
}

void sy_parse_counter(struct sctx *c, yaml_node_t *at, yaml_node_t *v, struct scenario_step *st)
{
	struct slot s[] = {{"endpoint"}, {"dir"}, {"drop"}, {"min"}, {"max"}, {NULL}};
	char q[SY_QUOTE_MAX];
	size_t i;

	if (sy_collect(c, v, "counter step", s) < 0)
		return;
	if (sy_need(c, at, &s[0], "counter step"))
		sy_get_endpoint(c, &s[0], "counter step", st);
	if (sy_need(c, at, &s[1], "counter step") && sy_want_scalar(c, &s[1], "counter step")) {
		if (sy_scalar_eq(s[1].v, "in") || sy_scalar_eq(s[1].v, "out"))
			st->dir_out = sy_scalar_eq(s[1].v, "out");
		else
			sy_err(c, s[1].v, "bad dir '%s' (in or out)",
			       sy_quote(s[1].v, q, sizeof(q)));
	}
	if (sy_need(c, at, &s[2], "counter step") && sy_want_scalar(c, &s[2], "counter step")) {
		int ok = sy_scalar_str(s[2].v, st->drop, sizeof(st->drop)) == 0 && st->drop[0];

		for (i = 0; ok && st->drop[i]; i++)
			ok = (st->drop[i] >= 'a' && st->drop[i] <= 'z') || st->drop[i] == '_';
		if (!ok || !counter_known(st->drop))
			sy_err(c, s[2].v,
			       "bad drop reason '%s' (carrier_down, mtu, loss, burst_loss, "
			       "queue_full or held_queue_full)",
			       sy_quote(s[2].v, q, sizeof(q)));
	}
	if (s[3].v) {
		sy_get_int(c, &s[3], "counter step", 0, LLONG_MAX, &st->min);
		st->has_min = 1;
	}
	if (s[4].v) {
		sy_get_int(c, &s[4], "counter step", 0, LLONG_MAX, &st->max);
		st->has_max = 1;
	}
	if (!s[3].v && !s[4].v)
		sy_err(c, at, "counter step needs 'min' or 'max'");
	sy_check_bounds(c, &s[3], &s[4], (double)st->min, (double)st->max);
}
