// SPDX-License-Identifier: BSD-3-Clause
/*
 * Scenario files: YAML -> struct scenario, with every error reported as
 * "file:line:col: error: msg" and nothing else done. The walk follows the
 * fixed schema, never the document's own structure, so aliases cannot make
 * it loop. scenario_check() then resolves the names against the topology.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "linkparams.h"
#include "scenario.h"

#define FILE_MAX  (1u << 20)
#define QUOTE_MAX 48
#define KEYS_MAX  8

struct sctx {
	yaml_document_t *doc;
	struct topo_diags *d;
	struct scenario *s;
	int rc; /* -ENOMEM */
};

struct slot {
	const char *key;
	yaml_node_t *k, *v;
};

static const char *const step_names[] = {
    [SCENARIO_WAIT] = "wait",	    [SCENARIO_RUN] = "run",
    [SCENARIO_LINK] = "link",	    [SCENARIO_REACH] = "reach",
    [SCENARIO_PING] = "ping",	    [SCENARIO_IPERF] = "iperf",
    [SCENARIO_COUNTER] = "counter", [SCENARIO_PARTITION] = "partition",
    [SCENARIO_HEAL] = "heal",
};
#define N_STEP_TYPES (sizeof(step_names) / sizeof(step_names[0]))

static struct topo_mark mark_of(const yaml_node_t *n)
{
	return (struct topo_mark){(unsigned)n->start_mark.line + 1,
				  (unsigned)n->start_mark.column + 1};
}

static void err(struct sctx *c, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void err(struct sctx *c, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[sizeof(c->d->d[0].msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	topo_diag(c->d, mark_of(n), "%s", msg);
}

static int is_scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE;
}

static int scalar_eq(const yaml_node_t *n, const char *s)
{
	size_t l = strlen(s);

	return is_scalar(n) && n->data.scalar.length == l && !memcmp(n->data.scalar.value, s, l);
}

static const char *quote(const yaml_node_t *n, char *buf, size_t len)
{
	size_t i, o = 0, l = is_scalar(n) ? n->data.scalar.length : 0;
	const unsigned char *s = is_scalar(n) ? n->data.scalar.value : NULL;

	for (i = 0; i < l && o + 4 < len; i++)
		buf[o++] = s[i] >= 0x20 && s[i] < 0x7f ? (char)s[i] : '?';
	if (i < l)
		memcpy(buf + o, "...", 4);
	else
		buf[o] = '\0';
	return buf;
}

/* A scalar as a C string; -EINVAL if not a scalar, too long or holds a NUL. */
static int scalar_str(const yaml_node_t *n, char *buf, size_t len)
{
	size_t l;

	buf[0] = '\0';
	if (!is_scalar(n))
		return -EINVAL;
	l = n->data.scalar.length;
	if (l >= len || memchr(n->data.scalar.value, 0, l))
		return -EINVAL;
	memcpy(buf, n->data.scalar.value, l);
	buf[l] = '\0';
	return 0;
}

static char *scalar_dup(struct sctx *c, const yaml_node_t *n)
{
	size_t l = n->data.scalar.length;
	char *p;

	if (memchr(n->data.scalar.value, 0, l))
		return NULL;
	p = malloc(l + 1);
	if (p == NULL) {
		c->rc = -ENOMEM;
		return NULL;
	}
	memcpy(p, n->data.scalar.value, l);
	p[l] = '\0';
	return p;
}

/* The list of keys, for messages: "host, cmd, timeout". */
static void keys_list(const struct slot *s, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (; s->key && o < len; s++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? ", " : "", s->key);
}

/* Sort a mapping's pairs into known slots; report unknown and duplicate keys. */
static int collect(struct sctx *c, yaml_node_t *map, const char *what, struct slot *s)
{
	char q[QUOTE_MAX], keys[200];
	yaml_node_pair_t *p;

	if (map->type != YAML_MAPPING_NODE) {
		err(c, map, "%s must be a mapping", what);
		return -EINVAL;
	}
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(c->doc, p->value);
		struct slot *hit = NULL;

		if (k == NULL || v == NULL)
			continue;
		for (struct slot *t = s; t->key && !hit; t++)
			if (scalar_eq(k, t->key))
				hit = t;
		if (hit == NULL) {
			keys_list(s, keys, sizeof(keys));
			err(c, k, "unknown key '%s' in %s (%s)", quote(k, q, sizeof(q)), what,
			    keys);
		} else if (hit->k) {
			err(c, k, "duplicate key '%s' in %s", hit->key, what);
		} else {
			hit->k = k;
			hit->v = v;
		}
	}
	return 0;
}

static int need(struct sctx *c, const yaml_node_t *at, const struct slot *s, const char *what)
{
	if (s->v)
		return 1;
	err(c, at, "%s needs '%s'", what, s->key);
	return 0;
}

static int want_scalar(struct sctx *c, const struct slot *s, const char *what)
{
	if (is_scalar(s->v))
		return 1;
	err(c, s->v, "%s: '%s' must be a scalar", what, s->key);
	return 0;
}

static void get_time(struct sctx *c, const struct slot *s, const char *what, uint64_t *ns)
{
	char buf[64], q[QUOTE_MAX];

	if (!want_scalar(c, s, what))
		return;
	if (scalar_str(s->v, buf, sizeof(buf)) < 0 || linkparams_parse_time(buf, ns) < 0)
		err(c, s->v, "bad duration '%s' for %s (e.g. 500ms, 2s)", quote(s->v, q, sizeof(q)),
		    s->key);
}

static void get_prob(struct sctx *c, const struct slot *s, const char *what, double *p)
{
	char buf[64], q[QUOTE_MAX];

	if (!want_scalar(c, s, what))
		return;
	if (scalar_str(s->v, buf, sizeof(buf)) < 0 || linkparams_parse_prob(buf, p) < 0)
		err(c, s->v, "bad percentage '%s' for %s (e.g. 10%%)", quote(s->v, q, sizeof(q)),
		    s->key);
}

static void get_bool(struct sctx *c, const struct slot *s, const char *what, int *b)
{
	char q[QUOTE_MAX];

	if (!want_scalar(c, s, what))
		return;
	if (scalar_eq(s->v, "true") || scalar_eq(s->v, "yes") || scalar_eq(s->v, "True"))
		*b = 1;
	else if (scalar_eq(s->v, "false") || scalar_eq(s->v, "no") || scalar_eq(s->v, "False"))
		*b = 0;
	else
		err(c, s->v, "bad boolean '%s' for %s (true or false)", quote(s->v, q, sizeof(q)),
		    s->key);
}

static int parse_ll(const char *s, long long *out)
{
	char *end;

	if (*s == '\0')
		return -EINVAL;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno || *end ? -EINVAL : 0;
}

static void get_int(struct sctx *c, const struct slot *s, const char *what, long long lo,
		    long long hi, long long *v)
{
	char buf[32], q[QUOTE_MAX];

	if (!want_scalar(c, s, what))
		return;
	if (scalar_str(s->v, buf, sizeof(buf)) < 0 || parse_ll(buf, v) < 0 || *v < lo || *v > hi)
		err(c, s->v, "bad value '%s' for %s (a whole number, %lld..%lld)",
		    quote(s->v, q, sizeof(q)), s->key, lo, hi);
}

static void get_num(struct sctx *c, const struct slot *s, const char *what, double *v)
{
	char buf[32], q[QUOTE_MAX], *end;

	if (!want_scalar(c, s, what))
		return;
	if (scalar_str(s->v, buf, sizeof(buf)) == 0 && buf[0]) {
		*v = strtod(buf, &end);
		if (*end == '\0' && *v >= 0 && *v < 1e9)
			return;
	}
	err(c, s->v, "bad number '%s' for %s", quote(s->v, q, sizeof(q)), s->key);
}

static void get_text(struct sctx *c, const struct slot *s, const char *what, char **out)
{
	if (!want_scalar(c, s, what))
		return;
	*out = scalar_dup(c, s->v);
	if (*out == NULL && c->rc == 0)
		err(c, s->v, "%s: '%s' holds a NUL byte", what, s->key);
}

static int one_name(struct sctx *c, const yaml_node_t *v, const char *key, struct scenario_name *n)
{
	char q[QUOTE_MAX];

	if (scalar_str(v, n->name, sizeof(n->name)) < 0 || !topo_name_valid(n->name)) {
		err(c, v, "bad host name '%s' for %s", quote(v, q, sizeof(q)), key);
		return -EINVAL;
	}
	n->mark = mark_of(v);
	return 0;
}

/* A host name, or (list != 0) a host name or a sequence of them. */
static void get_hosts(struct sctx *c, const struct slot *s, int list, struct scenario_name **out,
		      unsigned *n)
{
	yaml_node_item_t *it;
	size_t cnt;

	if (is_scalar(s->v) || !list) {
		if (!is_scalar(s->v)) {
			err(c, s->v, "'%s' must be a host name", s->key);
			return;
		}
		*out = calloc(1, sizeof(**out));
		if (*out == NULL) {
			c->rc = -ENOMEM;
			return;
		}
		if (one_name(c, s->v, s->key, *out) == 0)
			*n = 1;
		return;
	}
	if (s->v->type != YAML_SEQUENCE_NODE) {
		err(c, s->v, "'%s' must be a host name or a list of them", s->key);
		return;
	}
	cnt = (size_t)(s->v->data.sequence.items.top - s->v->data.sequence.items.start);
	if (cnt == 0 || cnt > SCENARIO_HOSTS_MAX) {
		err(c, s->v, "'%s' must list 1..%d hosts", s->key, SCENARIO_HOSTS_MAX);
		return;
	}
	*out = calloc(cnt, sizeof(**out));
	if (*out == NULL) {
		c->rc = -ENOMEM;
		return;
	}
	for (it = s->v->data.sequence.items.start; it < s->v->data.sequence.items.top; it++) {
		yaml_node_t *v = yaml_document_get_node(c->doc, *it);

		if (v && one_name(c, v, s->key, &(*out)[*n]) == 0)
			(*n)++;
	}
}

static void get_endpoint(struct sctx *c, const struct slot *s, const char *what,
			 struct scenario_step *st)
{
	char q[QUOTE_MAX], *colon;

	if (!want_scalar(c, s, what))
		return;
	if (scalar_str(s->v, st->endpoint, sizeof(st->endpoint)) < 0 ||
	    (colon = strchr(st->endpoint, ':')) == NULL || colon == st->endpoint ||
	    colon[1] == '\0') {
		err(c, s->v, "bad endpoint '%s' (NODE:INTERFACE, e.g. h1:eth0)",
		    quote(s->v, q, sizeof(q)));
		st->endpoint[0] = '\0';
		return;
	}
	st->ep_mark = mark_of(s->v);
}

/* ---- steps ------------------------------------------------------------ */

static void parse_wait(struct sctx *c, yaml_node_t *v, struct scenario_step *st)
{
	struct slot s = {"wait", NULL, v};

	get_time(c, &s, "wait step", &st->ns);
}

static void parse_run(struct sctx *c, yaml_node_t *at, yaml_node_t *v, struct scenario_step *st)
{
	struct slot s[] = {{"host"},	      {"cmd"},	      {"timeout"}, {"expect_exit"},
			   {"expect_output"}, {"background"}, {NULL}};
	long long ex = 0;

	if (collect(c, v, "run step", s) < 0)
		return;
	st->ns = 30ull * 1000000000ull;
	if (need(c, at, &s[0], "run step"))
		get_hosts(c, &s[0], 0, &st->from, &st->n_from);
	if (need(c, at, &s[1], "run step"))
		get_text(c, &s[1], "run step", &st->cmd);
	if (s[2].v)
		get_time(c, &s[2], "run step", &st->ns);
	if (s[3].v) {
		get_int(c, &s[3], "run step", 0, 255, &ex);
		st->has_expect_exit = 1;
		st->expect_exit = (int)ex;
	}
	if (s[4].v)
		get_text(c, &s[4], "run step", &st->expect_output);
	if (s[5].v)
		get_bool(c, &s[5], "run step", &st->background);
	if (st->background && (s[3].v || s[4].v))
		err(c, s[5].k,
		    "a background command has nothing to expect "
		    "(drop expect_exit/expect_output or background)");
	if (s[2].v && st->ns == 0)
		err(c, s[2].v, "timeout must be more than 0");
}

static void check_set(struct sctx *c, const yaml_node_t *at, const char *set)
{
	char buf[1024], e[160], *tok, *save = NULL;
	struct linkparams lp = {0};
	int n = 0;

	if (strlen(set) >= sizeof(buf)) {
		err(c, at, "link set: too long");
		return;
	}
	strcpy(buf, set);
	for (tok = strtok_r(buf, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save), n++) {
		if (linkparams_set_kv(&lp, tok, e, sizeof(e)) < 0) {
			err(c, at, "link set: %s", e);
			return;
		}
	}
	if (n == 0)
		err(c, at, "link set: no parameters (e.g. \"delay=10ms loss=1%%\")");
}

static void parse_link(struct sctx *c, yaml_node_t *at, yaml_node_t *v, struct scenario_step *st)
{
	struct slot s[] = {{"endpoint"}, {"set"}, {"down"}, {"up"}, {NULL}};
	int down = 0, up = 0, n;

	if (collect(c, v, "link step", s) < 0)
		return;
	if (need(c, at, &s[0], "link step"))
		get_endpoint(c, &s[0], "link step", st);
	n = !!s[1].v + !!s[2].v + !!s[3].v;
	if (n != 1) {
		err(c, at, "link step needs exactly one of 'set', 'down: true', 'up: true'");
		return;
	}
	if (s[1].v) {
		st->link_op = SCENARIO_LINK_SET;
		get_text(c, &s[1], "link step", &st->set);
		if (st->set)
			check_set(c, s[1].v, st->set);
	} else if (s[2].v) {
		get_bool(c, &s[2], "link step", &down);
		st->link_op = SCENARIO_LINK_DOWN;
		if (!down)
			err(c, s[2].v, "'down' can only be true (use 'up: true')");
	} else {
		get_bool(c, &s[3], "link step", &up);
		st->link_op = SCENARIO_LINK_UP;
		if (!up)
			err(c, s[3].v, "'up' can only be true (use 'down: true')");
	}
}

/* partition: [[h1, h2], [h3]]: two or more groups of hosts. */
static void parse_partition(struct sctx *c, yaml_node_t *at, yaml_node_t *v,
			    struct scenario_step *st)
{
	yaml_node_item_t *it;
	size_t groups;
	unsigned g = 0;

	if (v->type != YAML_SEQUENCE_NODE) {
		err(c, v, "partition is a list of host lists, e.g. [[h1, h2], [h3]]");
		return;
	}
	groups = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	if (groups < 2 || groups > 64) {
		err(c, v, "a partition has 2..64 groups");
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
			err(c, sl.v ? sl.v : v, "each group of a partition is a list of hosts");
			continue;
		}
		get_hosts(c, &sl, 1, &names, &n);
		for (unsigned k = 0; k < n; k++) {
			for (unsigned j = 0; j < st->n_from; j++) {
				if (strcmp(st->from[j].name, names[k].name) == 0) {
					err(c, at, "host %s is in two groups of the partition",
					    names[k].name);
					break;
				}
			}
			if (st->n_from == SCENARIO_HOSTS_MAX) {
				err(c, at, "a partition names at most %d hosts",
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
static void parse_heal(struct sctx *c, yaml_node_t *at, yaml_node_t *v, struct scenario_step *st)
{
	struct slot sl = {"heal", at, v};
	int yes = 0;

	(void)st;
	get_bool(c, &sl, "heal step", &yes);
	if (!yes && is_scalar(v))
		err(c, v, "'heal' can only be true");
}

static void parse_reach(struct sctx *c, yaml_node_t *at, yaml_node_t *v, struct scenario_step *st)
{
	struct slot s[] = {{"from"}, {"to"}, {"expect"}, {NULL}};

	if (collect(c, v, "reach step", s) < 0)
		return;
	st->expect = 1;
	if (need(c, at, &s[0], "reach step"))
		get_hosts(c, &s[0], 1, &st->from, &st->n_from);
	if (need(c, at, &s[1], "reach step"))
		get_hosts(c, &s[1], 1, &st->to, &st->n_to);
	if (s[2].v)
		get_bool(c, &s[2], "reach step", &st->expect);
}

static void parse_ping(struct sctx *c, yaml_node_t *at, yaml_node_t *v, struct scenario_step *st)
{
	struct slot s[] = {{"from"},	 {"to"},	  {"count"}, {"interval"},
			   {"max_loss"}, {"max_rtt_p50"}, {NULL}};
	long long cnt = 10;

	if (collect(c, v, "ping step", s) < 0)
		return;
	st->ns = 100000000ull; /* 100 ms */
	if (need(c, at, &s[0], "ping step"))
		get_hosts(c, &s[0], 0, &st->from, &st->n_from);
	if (need(c, at, &s[1], "ping step"))
		get_hosts(c, &s[1], 0, &st->to, &st->n_to);
	if (s[2].v)
		get_int(c, &s[2], "ping step", 1, 100000, &cnt);
	st->count = (unsigned)cnt;
	if (s[3].v) {
		get_time(c, &s[3], "ping step", &st->ns);
		if (st->ns < 2000000ull || st->ns > 60000000000ull)
			err(c, s[3].v, "interval must be 2ms..60s");
	}
	if (s[4].v) {
		get_prob(c, &s[4], "ping step", &st->max_loss);
		st->has_max_loss = 1;
	}
	if (s[5].v) {
		get_time(c, &s[5], "ping step", &st->max_rtt_p50);
		st->has_max_rtt_p50 = 1;
	}
}

static void parse_iperf(struct sctx *c, yaml_node_t *at, yaml_node_t *v, struct scenario_step *st)
{
	struct slot s[] = {{"client"}, {"server"}, {"seconds"}, {"min_mbit"}, {"max_mbit"}, {NULL}};
	long long secs = 3;

	if (collect(c, v, "iperf step", s) < 0)
		return;
	if (need(c, at, &s[0], "iperf step"))
		get_hosts(c, &s[0], 0, &st->from, &st->n_from);
	if (need(c, at, &s[1], "iperf step"))
		get_hosts(c, &s[1], 0, &st->to, &st->n_to);
	if (s[2].v)
		get_int(c, &s[2], "iperf step", 1, 3600, &secs);
	st->seconds = (unsigned)secs;
	if (s[3].v) {
		get_num(c, &s[3], "iperf step", &st->min_mbit);
		st->has_min_mbit = 1;
	}
	if (s[4].v) {
		get_num(c, &s[4], "iperf step", &st->max_mbit);
		st->has_max_mbit = 1;
	}
}

static void parse_counter(struct sctx *c, yaml_node_t *at, yaml_node_t *v, struct scenario_step *st)
{
	struct slot s[] = {{"endpoint"}, {"dir"}, {"drop"}, {"min"}, {"max"}, {NULL}};
	char q[QUOTE_MAX];
	size_t i;

	if (collect(c, v, "counter step", s) < 0)
		return;
	if (need(c, at, &s[0], "counter step"))
		get_endpoint(c, &s[0], "counter step", st);
	if (need(c, at, &s[1], "counter step") && want_scalar(c, &s[1], "counter step")) {
		if (scalar_eq(s[1].v, "in") || scalar_eq(s[1].v, "out"))
			st->dir_out = scalar_eq(s[1].v, "out");
		else
			err(c, s[1].v, "bad dir '%s' (in or out)", quote(s[1].v, q, sizeof(q)));
	}
	if (need(c, at, &s[2], "counter step") && want_scalar(c, &s[2], "counter step")) {
		int ok = scalar_str(s[2].v, st->drop, sizeof(st->drop)) == 0 && st->drop[0];

		for (i = 0; ok && st->drop[i]; i++)
			ok = (st->drop[i] >= 'a' && st->drop[i] <= 'z') || st->drop[i] == '_';
		if (!ok)
			err(c, s[2].v, "bad drop reason '%s' (e.g. loss)",
			    quote(s[2].v, q, sizeof(q)));
	}
	if (s[3].v) {
		get_int(c, &s[3], "counter step", 0, LLONG_MAX, &st->min);
		st->has_min = 1;
	}
	if (s[4].v) {
		get_int(c, &s[4], "counter step", 0, LLONG_MAX, &st->max);
		st->has_max = 1;
	}
	if (!s[3].v && !s[4].v)
		err(c, at, "counter step needs 'min' or 'max'");
}

static void parse_step(struct sctx *c, yaml_node_t *n, struct scenario_step *st)
{
	char q[QUOTE_MAX];
	yaml_node_pair_t *p;
	yaml_node_t *k, *v;
	unsigned t;

	if (n->type != YAML_MAPPING_NODE ||
	    n->data.mapping.pairs.top - n->data.mapping.pairs.start != 1) {
		err(c, n,
		    "a step is a mapping with one key: its type "
		    "(wait, run, link, reach, ping, iperf, counter, partition, heal)");
		return;
	}
	p = n->data.mapping.pairs.start;
	k = yaml_document_get_node(c->doc, p->key);
	v = yaml_document_get_node(c->doc, p->value);
	if (k == NULL || v == NULL)
		return;
	for (t = 0; t < N_STEP_TYPES && !scalar_eq(k, step_names[t]); t++)
		;
	if (t == N_STEP_TYPES) {
		err(c, k,
		    "unknown step type '%s' (wait, run, link, reach, ping, iperf, counter, "
		    "partition, heal)",
		    quote(k, q, sizeof(q)));
		return;
	}
	st->type = (enum scenario_step_type)t;
	st->mark = mark_of(k);
	switch (st->type) {
	case SCENARIO_WAIT:
		parse_wait(c, v, st);
		break;
	case SCENARIO_RUN:
		parse_run(c, k, v, st);
		break;
	case SCENARIO_LINK:
		parse_link(c, k, v, st);
		break;
	case SCENARIO_REACH:
		parse_reach(c, k, v, st);
		break;
	case SCENARIO_PING:
		parse_ping(c, k, v, st);
		break;
	case SCENARIO_IPERF:
		parse_iperf(c, k, v, st);
		break;
	case SCENARIO_COUNTER:
		parse_counter(c, k, v, st);
		break;
	case SCENARIO_PARTITION:
		parse_partition(c, k, v, st);
		break;
	case SCENARIO_HEAL:
		parse_heal(c, k, v, st);
		break;
	}
}

static void parse_steps(struct sctx *c, const struct slot *s)
{
	yaml_node_item_t *it;
	size_t cnt;

	if (s->v->type != YAML_SEQUENCE_NODE) {
		err(c, s->v, "'steps' must be a list");
		return;
	}
	cnt = (size_t)(s->v->data.sequence.items.top - s->v->data.sequence.items.start);
	if (cnt == 0 || cnt > SCENARIO_STEPS_MAX) {
		err(c, s->k, "'steps' must hold 1..%d steps", SCENARIO_STEPS_MAX);
		return;
	}
	c->s->steps = calloc(cnt, sizeof(*c->s->steps));
	if (c->s->steps == NULL) {
		c->rc = -ENOMEM;
		return;
	}
	for (it = s->v->data.sequence.items.start; it < s->v->data.sequence.items.top; it++) {
		yaml_node_t *n = yaml_document_get_node(c->doc, *it);

		if (n)
			parse_step(c, n, &c->s->steps[c->s->n_steps++]);
	}
}

static void parse_topology(struct sctx *c, const struct slot *s)
{
	struct slot t[] = {{"generate"}, {"inline"}, {NULL}};

	c->s->topo_mark = mark_of(s->k);
	if (is_scalar(s->v)) {
		c->s->topo_kind = SCENARIO_TOPO_FILE;
		if (s->v->data.scalar.length == 0)
			err(c, s->k, "'topology' needs a file or {generate: SPEC}");
		else
			get_text(c, s, "scenario", &c->s->topo_arg);
		return;
	}
	if (collect(c, s->v, "topology", t) < 0)
		return;
	if (t[1].v) {
		err(c, t[1].k, "inline topologies are not supported: use a file or generate");
		return;
	}
	if (!need(c, s->k, &t[0], "topology"))
		return;
	c->s->topo_kind = SCENARIO_TOPO_GENERATE;
	c->s->topo_mark = mark_of(t[0].v);
	get_text(c, &t[0], "topology", &c->s->topo_arg);
}

static void parse_root(struct sctx *c, yaml_node_t *root)
{
	struct slot s[] = {{"name"}, {"topology"}, {"seed"}, {"steps"}, {NULL}};
	char q[QUOTE_MAX], buf[32];

	if (collect(c, root, "scenario", s) < 0)
		return;
	if (need(c, root, &s[0], "scenario") && want_scalar(c, &s[0], "scenario") &&
	    (scalar_str(s[0].v, c->s->name, sizeof(c->s->name)) < 0 ||
	     !topo_name_valid(c->s->name)))
		err(c, s[0].v, "bad scenario name '%s' (letters, digits, '_', '-'; at most %d)",
		    quote(s[0].v, q, sizeof(q)), TOPO_NAME_MAX - 1);
	if (need(c, root, &s[1], "scenario"))
		parse_topology(c, &s[1]);
	if (s[2].v && want_scalar(c, &s[2], "scenario")) {
		char *end;

		if (scalar_str(s[2].v, buf, sizeof(buf)) < 0 || buf[0] < '0' || buf[0] > '9' ||
		    (errno = 0, c->s->seed = strtoull(buf, &end, 10), errno) || *end)
			err(c, s[2].v, "bad seed '%s' (a whole number >= 0)",
			    quote(s[2].v, q, sizeof(q)));
		c->s->has_seed = 1;
	}
	if (need(c, root, &s[3], "scenario"))
		parse_steps(c, &s[3]);
}

/* ---- loading ---------------------------------------------------------- */

static int yaml_error(const yaml_parser_t *p, struct topo_diags *d)
{
	struct topo_mark m = {(unsigned)p->problem_mark.line + 1,
			      (unsigned)p->problem_mark.column + 1};

	if (p->error == YAML_MEMORY_ERROR)
		return -ENOMEM;
	if (p->context)
		topo_diag(d, m, "yaml: %s (%s at %u:%u)", p->problem ? p->problem : "syntax error",
		     p->context, (unsigned)p->context_mark.line + 1,
		     (unsigned)p->context_mark.column + 1);
	else
		topo_diag(d, m, "yaml: %s", p->problem ? p->problem : "syntax error");
	return -EINVAL;
}

void scenario_free(struct scenario *s)
{
	if (s == NULL)
		return;
	for (unsigned i = 0; i < s->n_steps; i++) {
		free(s->steps[i].from);
		free(s->steps[i].group);
		free(s->steps[i].to);
		free(s->steps[i].cmd);
		free(s->steps[i].expect_output);
		free(s->steps[i].set);
	}
	free(s->steps);
	free(s->file);
	free(s->topo_arg);
	free(s);
}

int scenario_load_buffer(const char *name, const char *buf, size_t len, struct scenario **out,
			 struct topo_diags *d)
{
	struct sctx c = {.d = d};
	yaml_document_t doc;
	yaml_parser_t p;
	yaml_node_t *root;
	int ret;

	*out = NULL;
	memset(d, 0, sizeof(*d));
	snprintf(d->file, sizeof(d->file), "%s", name);
	if (!yaml_parser_initialize(&p))
		return -ENOMEM;
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&p, &doc)) {
		ret = yaml_error(&p, d);
		yaml_parser_delete(&p);
		return ret;
	}
	c.doc = &doc;
	c.s = calloc(1, sizeof(*c.s));
	if (c.s == NULL || (c.s->file = strdup(name)) == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	root = yaml_document_get_root_node(&doc);
	if (root == NULL)
		topo_diag(d, (struct topo_mark){0, 0}, "empty scenario file");
	else
		parse_root(&c, root);
	ret = c.rc ? c.rc : d->n ? -EINVAL : 0;
out:
	yaml_document_delete(&doc);
	yaml_parser_delete(&p);
	if (ret == 0)
		*out = c.s;
	else
		scenario_free(c.s);
	return ret;
}

static int read_all(const char *path, char **buf, size_t *len)
{
	struct stat st;
	ssize_t r;
	size_t off = 0;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > FILE_MAX) {
		ret = S_ISREG(st.st_mode) ? -EFBIG : -EINVAL;
		goto out;
	}
	*buf = malloc((size_t)st.st_size + 1);
	if (*buf == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	while (off < (size_t)st.st_size && (r = read(fd, *buf + off, (size_t)st.st_size - off)) > 0)
		off += (size_t)r;
	*len = off;
out:
	close(fd);
	return ret;
}

int scenario_load_file(const char *path, struct scenario **out, struct topo_diags *d)
{
	char *buf = NULL;
	size_t len = 0;
	int ret;

	*out = NULL;
	ret = read_all(path, &buf, &len);
	if (ret < 0) {
		memset(d, 0, sizeof(*d));
		snprintf(d->file, sizeof(d->file), "%s", path);
		topo_diag(d, (struct topo_mark){0, 0}, "cannot read: %s", strerror(-ret));
		free(buf);
		return ret;
	}
	ret = scenario_load_buffer(path, buf, len, out, d);
	free(buf);
	return ret;
}

/* ---- the topology and names ------------------------------------------- */

int scenario_load_topology(const struct scenario *s, const char *lab, struct topo **out,
			   struct topo_diags *d)
{
	char path[PATH_MAX];
	const char *slash;
	struct topo_diags gd;
	int ret;

	lab = lab ? lab : s->name;
	*out = NULL;
	if (s->topo_kind == SCENARIO_TOPO_GENERATE) {
		ret = topo_generate_spec(lab, s->topo_arg, out, &gd);
		if (ret < 0) {
			memset(d, 0, sizeof(*d));
			snprintf(d->file, sizeof(d->file), "%s", s->file);
			for (unsigned i = 0; i < gd.n && i < TOPO_DIAG_MAX; i++)
				topo_diag(d, s->topo_mark, "topology: %s", gd.d[i].msg);
			return ret;
		}
	} else {
		slash = strrchr(s->file, '/');
		if (s->topo_arg[0] == '/' || slash == NULL)
			snprintf(path, sizeof(path), "%s", s->topo_arg);
		else
			snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - s->file), s->file,
				 s->topo_arg);
		ret = topo_load_file(path, out, d);
		if (ret < 0)
			return ret;
		snprintf((*out)->name, sizeof((*out)->name), "%s", lab);
	}
	if (s->has_seed) {
		(*out)->has_seed = 1;
		(*out)->seed = s->seed;
	}
	return 0;
}

static int host_ok(const struct topo *t, const struct scenario_name *n, int needs_ip,
		   struct topo_diags *d)
{
	int i = topo_node_find(t, n->name);

	if (i < 0 || t->nodes[i].kind != TOPO_KIND_HOST) {
		topo_diag(d, n->mark, "unknown host '%s'", n->name);
		return 0;
	}
	if (needs_ip && !t->nodes[i].has_ip) {
		topo_diag(d, n->mark, "host '%s' has no address to send to", n->name);
		return 0;
	}
	return 1;
}

static int endpoint_ok(const struct topo *t, const struct scenario_step *st, struct topo_diags *d)
{
	char ep[SCENARIO_EP_MAX];

	for (unsigned l = 0; l < t->n_links; l++) {
		for (int e = 0; e < 2; e++) {
			const struct topo_endpoint *x = &t->links[l].ep[e];

			snprintf(ep, sizeof(ep), "%s:%s", t->nodes[x->node].name, x->ifname);
			if (strcmp(ep, st->endpoint) == 0)
				return 1;
		}
	}
	topo_diag(d, st->ep_mark, "unknown endpoint '%s'", st->endpoint);
	return 0;
}

int scenario_check(const struct scenario *s, const struct topo *t, struct topo_diags *d)
{
	unsigned before = d->n;

	snprintf(d->file, sizeof(d->file), "%s", s->file);
	for (unsigned i = 0; i < s->n_steps; i++) {
		const struct scenario_step *st = &s->steps[i];
		int to_ip = st->type != SCENARIO_RUN;

		/* reach goes both ways: the senders need addresses too */
		for (unsigned k = 0; k < st->n_from; k++)
			host_ok(t, &st->from[k], st->type == SCENARIO_REACH, d);
		for (unsigned k = 0; k < st->n_to; k++)
			host_ok(t, &st->to[k], to_ip, d);
		if ((st->type == SCENARIO_LINK || st->type == SCENARIO_COUNTER) && st->endpoint[0])
			endpoint_ok(t, st, d);
	}
	return d->n > before ? -EINVAL : 0;
}

/* ---- descriptions ------------------------------------------------------ */

int scenario_step_is_assertion(const struct scenario_step *st)
{
	switch (st->type) {
	case SCENARIO_RUN:
		return st->has_expect_exit || st->expect_output != NULL;
	case SCENARIO_REACH:
	case SCENARIO_COUNTER:
		return 1;
	case SCENARIO_PING:
		return st->has_max_loss || st->has_max_rtt_p50;
	case SCENARIO_IPERF:
		return st->has_min_mbit || st->has_max_mbit;
	default:
		return 0;
	}
}

static void names(const struct scenario_name *n, unsigned cnt, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < cnt && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? "," : "", n[i].name);
}

void scenario_step_describe(const struct scenario_step *st, char *buf, size_t len)
{
	char a[160], b[160];

	names(st->from, st->n_from, a, sizeof(a));
	names(st->to, st->n_to, b, sizeof(b));
	switch (st->type) {
	case SCENARIO_WAIT:
		snprintf(buf, len, "wait %.3g s", (double)st->ns / 1e9);
		break;
	case SCENARIO_RUN:
		snprintf(buf, len, "run %s%s: %.40s%s", a, st->background ? " (background)" : "",
			 st->cmd ? st->cmd : "", st->cmd && strlen(st->cmd) > 40 ? "..." : "");
		break;
	case SCENARIO_LINK:
		snprintf(buf, len, "link %s %s%s", st->endpoint,
			 st->link_op == SCENARIO_LINK_SET    ? "set "
			 : st->link_op == SCENARIO_LINK_DOWN ? "down"
							     : "up",
			 st->link_op == SCENARIO_LINK_SET && st->set ? st->set : "");
		break;
	case SCENARIO_REACH:
		snprintf(buf, len, "reach %s -> %s%s", a, b, st->expect ? "" : " (must not)");
		break;
	case SCENARIO_PING:
		snprintf(buf, len, "ping %s -> %s", a, b);
		break;
	case SCENARIO_IPERF:
		snprintf(buf, len, "iperf %s -> %s", a, b);
		break;
	case SCENARIO_COUNTER:
		snprintf(buf, len, "counter %s %s drop %s", st->endpoint,
			 st->dir_out ? "out" : "in", st->drop);
		break;
	case SCENARIO_PARTITION: {
		size_t o = (size_t)snprintf(buf, len, "partition");

		for (unsigned k = 0; k < st->n_from && o < len; k++)
			o += (size_t)snprintf(buf + o, len - o, "%s%s",
					      k == 0				 ? " "
					      : st->group[k] != st->group[k - 1] ? " | "
										 : ",",
					      st->from[k].name);
		break;
	}
	case SCENARIO_HEAL:
		snprintf(buf, len, "heal");
		break;
	}
}
