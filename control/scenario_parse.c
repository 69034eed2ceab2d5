// SPDX-License-Identifier: BSD-3-Clause
/*
 * Scenario files: YAML -> struct scenario, with every error reported as
 * "file:line:col: error: msg" and nothing else done. The walk follows the
 * fixed schema, never the document's own structure, so aliases cannot make
 * it loop. This file holds the top level, the topology (a file, a generator
 * spec, or inline: handed to topo_load_node() with the scenario's own
 * positions) and loading; the steps are in scenario_steps.c and
 * scenario_streams.c. scenario_check() then resolves the names against the
 * topology.
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

#include "scenario_yaml.h"

#define FILE_MAX  (1u << 20)
#define QUOTE_MAX SY_QUOTE_MAX
#define TYPES_LIST                                                                                 \
	"wait, run, link, reach, ping, iperf, counter, partition, heal, "                          \
	"capture, stop, traffic, expect, freeze, thaw"

static const char *const step_names[] = {
    [SCENARIO_WAIT] = "wait",	    [SCENARIO_RUN] = "run",
    [SCENARIO_LINK] = "link",	    [SCENARIO_REACH] = "reach",
    [SCENARIO_PING] = "ping",	    [SCENARIO_IPERF] = "iperf",
    [SCENARIO_COUNTER] = "counter", [SCENARIO_PARTITION] = "partition",
    [SCENARIO_HEAL] = "heal",	    [SCENARIO_CAPTURE] = "capture",
    [SCENARIO_STOP] = "stop",	    [SCENARIO_TRAFFIC] = "traffic",
    [SCENARIO_EXPECT] = "expect",   [SCENARIO_FREEZE] = "freeze",
    [SCENARIO_THAW] = "thaw",
};
#define N_STEP_TYPES (sizeof(step_names) / sizeof(step_names[0]))

static void parse_step(struct sctx *c, yaml_node_t *n, struct scenario_step *st)
{
	char q[QUOTE_MAX];
	yaml_node_pair_t *p;
	yaml_node_t *k, *v;
	unsigned t;

	if (n->type != YAML_MAPPING_NODE ||
	    n->data.mapping.pairs.top - n->data.mapping.pairs.start != 1) {
		sy_err(c, n, "a step is a mapping with one key: its type (" TYPES_LIST ")");
		return;
	}
	p = n->data.mapping.pairs.start;
	k = yaml_document_get_node(c->doc, p->key);
	v = yaml_document_get_node(c->doc, p->value);
	if (k == NULL || v == NULL)
		return;
	for (t = 0; t < N_STEP_TYPES && !sy_scalar_eq(k, step_names[t]); t++)
		;
	if (t == N_STEP_TYPES) {
		sy_err(c, k, "unknown step type '%s' (" TYPES_LIST ")", sy_quote(k, q, sizeof(q)));
		return;
	}
	st->type = (enum scenario_step_type)t;
	st->mark = sy_mark(k);
	switch (st->type) {
	case SCENARIO_WAIT:
		sy_parse_wait(c, v, st);
		break;
	case SCENARIO_RUN:
		sy_parse_run(c, k, v, st);
		break;
	case SCENARIO_LINK:
		sy_parse_link(c, k, v, st);
		break;
	case SCENARIO_REACH:
		sy_parse_reach(c, k, v, st);
		break;
	case SCENARIO_PING:
		sy_parse_ping(c, k, v, st);
		break;
	case SCENARIO_IPERF:
		sy_parse_iperf(c, k, v, st);
		break;
	case SCENARIO_COUNTER:
		sy_parse_counter(c, k, v, st);
		break;
	case SCENARIO_PARTITION:
		sy_parse_partition(c, k, v, st);
		break;
	case SCENARIO_HEAL:
		sy_parse_heal(c, k, v, st);
		break;
	case SCENARIO_CAPTURE:
		sy_parse_capture(c, k, v, st);
		break;
	case SCENARIO_STOP:
		sy_parse_stop(c, k, v, st);
		break;
	case SCENARIO_TRAFFIC:
		sy_parse_traffic(c, k, v, st);
		break;
	case SCENARIO_EXPECT:
		sy_parse_expect(c, k, v, st);
		break;
	case SCENARIO_FREEZE:
	case SCENARIO_THAW:
		sy_parse_freeze(c, k, v, st);
		break;
	}
}

static void parse_steps(struct sctx *c, const struct slot *s)
{
	yaml_node_item_t *it;
	size_t cnt;

	if (s->v->type != YAML_SEQUENCE_NODE) {
		sy_err(c, s->v, "'steps' must be a list");
		return;
	}
	cnt = (size_t)(s->v->data.sequence.items.top - s->v->data.sequence.items.start);
	if (cnt == 0 || cnt > SCENARIO_STEPS_MAX) {
		sy_err(c, s->k, "'steps' must hold 1..%d steps", SCENARIO_STEPS_MAX);
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

/* topology: FILE, {generate: SPEC} (a spec as `up --topo` takes it), or
 * inline: the mapping a topology file holds under 'topology'. An inline
 * topology is parsed by scenario_load_topology() from the scenario's text,
 * which it keeps. */
static void parse_topology(struct sctx *c, const struct slot *s, const char *buf, size_t len)
{
	yaml_node_pair_t *p;
	yaml_node_t *k, *v;

	c->s->topo_mark = sy_mark(s->k);
	if (sy_is_scalar(s->v)) {
		c->s->topo_kind = SCENARIO_TOPO_FILE;
		c->s->topo_mark = sy_mark(s->v); /* where a file that cannot be read is named */
		if (s->v->data.scalar.length == 0)
			sy_err(c, s->k, "'topology' needs a file, {generate: SPEC} or a topology");
		else
			sy_get_text(c, s, "scenario", &c->s->topo_arg);
		return;
	}
	if (s->v->type != YAML_MAPPING_NODE) {
		sy_err(c, s->v, "'topology' is a file, {generate: SPEC} or a topology mapping");
		return;
	}
	p = s->v->data.mapping.pairs.start;
	k = p < s->v->data.mapping.pairs.top ? yaml_document_get_node(c->doc, p->key) : NULL;
	v = p < s->v->data.mapping.pairs.top ? yaml_document_get_node(c->doc, p->value) : NULL;
	if (s->v->data.mapping.pairs.top - p == 1 && sy_scalar_eq(k, "generate") &&
	    sy_is_scalar(v)) {
		struct slot g = {"generate", k, v};

		c->s->topo_kind = SCENARIO_TOPO_GENERATE;
		c->s->topo_mark = sy_mark(v);
		sy_get_text(c, &g, "topology", &c->s->topo_arg);
		return;
	}
	c->s->topo_kind = SCENARIO_TOPO_INLINE;
	c->s->topo_arg = malloc(len + 1);
	if (c->s->topo_arg == NULL) {
		c->rc = -ENOMEM;
		return;
	}
	memcpy(c->s->topo_arg, buf, len);
	c->s->topo_arg[len] = '\0';
	c->s->topo_len = len;
}

static void parse_root(struct sctx *c, yaml_node_t *root, const char *buf, size_t len)
{
	struct slot s[] = {{"name"}, {"topology"}, {"seed"}, {"family"}, {"steps"}, {NULL}};
	char q[QUOTE_MAX], seed[32];

	if (sy_collect(c, root, "scenario", s) < 0)
		return;
	if (sy_need(c, root, &s[0], "scenario") && sy_want_scalar(c, &s[0], "scenario") &&
	    (sy_scalar_str(s[0].v, c->s->name, sizeof(c->s->name)) < 0 ||
	     !topo_name_valid(c->s->name)))
		sy_err(c, s[0].v, "bad scenario name '%s' (letters, digits, '_', '-'; at most %d)",
		       sy_quote(s[0].v, q, sizeof(q)), TOPO_NAME_MAX - 1);
	if (sy_need(c, root, &s[1], "scenario"))
		parse_topology(c, &s[1], buf, len);
	if (s[2].v && sy_want_scalar(c, &s[2], "scenario")) {
		char *end;

		if (sy_scalar_str(s[2].v, seed, sizeof(seed)) < 0 || seed[0] < '0' ||
		    seed[0] > '9' || (errno = 0, c->s->seed = strtoull(seed, &end, 10), errno) ||
		    *end)
			sy_err(c, s[2].v, "bad seed '%s' (a whole number >= 0)",
			       sy_quote(s[2].v, q, sizeof(q)));
		c->s->has_seed = 1;
	}
	/* before the steps: it is their default */
	if (s[3].v)
		sy_get_family(c, &s[3], "scenario", &c->s->family);
	if (sy_need(c, root, &s[4], "scenario"))
		parse_steps(c, &s[4]);
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
		free(s->steps[i].filter);
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
	ret = topo_yaml_guard(buf, len, d);
	if (ret < 0)
		return ret;
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
		parse_root(&c, root, buf, len);
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
		ret = S_ISREG(st.st_mode) ? -EFBIG : S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
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
		topo_diag(d, (struct topo_mark){0, 0}, "cannot read: %s",
			  ret == -EINVAL ? "not a regular file" : strerror(-ret));
		free(buf);
		return ret;
	}
	ret = scenario_load_buffer(path, buf, len, out, d);
	free(buf);
	return ret;
}

/* ---- the topology and names ------------------------------------------- */

/* The scenario's text again, and its 'topology' mapping to the topology
 * parser: positions are the scenario file's. */
static int load_inline(const struct scenario *s, const char *lab, struct topo **out,
		       struct topo_diags *d)
{
	yaml_node_t *root, *k = NULL, *v = NULL;
	yaml_document_t doc;
	yaml_parser_t p;
	int ret;

	memset(d, 0, sizeof(*d));
	snprintf(d->file, sizeof(d->file), "%s", s->file);
	if (!yaml_parser_initialize(&p))
		return -ENOMEM;
	yaml_parser_set_input_string(&p, (const unsigned char *)s->topo_arg, s->topo_len);
	if (!yaml_parser_load(&p, &doc)) {
		ret = yaml_error(&p, d);
		yaml_parser_delete(&p);
		return ret;
	}
	root = yaml_document_get_root_node(&doc);
	for (yaml_node_pair_t *pr =
		 root && root->type == YAML_MAPPING_NODE ? root->data.mapping.pairs.start : NULL;
	     pr && pr < root->data.mapping.pairs.top && v == NULL; pr++) {
		k = yaml_document_get_node(&doc, pr->key);
		if (sy_scalar_eq(k, "topology"))
			v = yaml_document_get_node(&doc, pr->value);
	}
	if (v == NULL) { /* the text changed under us: it loaded before */
		topo_diag(d, s->topo_mark, "no topology");
		ret = -EINVAL;
	} else {
		ret = topo_load_node(s->file, lab, &doc, k, v, out, d);
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&p);
	return ret;
}

/* A topology file that cannot be read is reported where the scenario
 * names it: "s.yaml:2:11: error: cannot read t.yaml: No such file ...". */
static void file_unreadable(const struct scenario *s, struct topo_diags *d)
{
	char msg[sizeof(d->d[0].msg)];

	snprintf(msg, sizeof(msg), "%s", d->d[0].msg);
	memset(d, 0, sizeof(*d));
	snprintf(d->file, sizeof(d->file), "%s", s->file);
	topo_diag(d, s->topo_mark, "topology: %s", msg);
}

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
	} else if (s->topo_kind == SCENARIO_TOPO_INLINE) {
		ret = load_inline(s, lab, out, d);
		if (ret < 0)
			return ret;
	} else {
		slash = strrchr(s->file, '/');
		if (s->topo_arg[0] == '/' || slash == NULL)
			snprintf(path, sizeof(path), "%s", s->topo_arg);
		else
			snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - s->file), s->file,
				 s->topo_arg);
		ret = topo_load_file(path, out, d);
		if (ret < 0 && d->n > 0 && d->d[0].mark.line == 0)
			file_unreadable(s, d);
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

/* The host named n: its index in t, or -1 (reported). */
static int host_find(const struct topo *t, const struct scenario_name *n, struct topo_diags *d)
{
	int i = topo_node_find(t, n->name);

	if (i >= 0 && topo_kind_is_external(t->nodes[i].kind)) {
		topo_diag(d, n->mark,
			  "unknown host '%s': it is a %s node, with no namespace to run in",
			  n->name, topo_kind_name(t->nodes[i].kind));
		return -1;
	}
	if (i < 0 || t->nodes[i].kind != TOPO_KIND_HOST) {
		topo_diag(d, n->mark, "unknown host '%s'", n->name);
		return -1;
	}
	return i;
}

static int has_family(const struct topo_node *h, int family)
{
	return family == 4 ? h->has_ip : family == 6 ? h->has_ip6 : 0;
}

/* The family a target is sent to over: the step's, else (0) IPv4 if the
 * host has it, else IPv6; 0 if the host has no such address (reported). */
static int target_family(const struct topo *t, int i, const struct scenario_step *st,
			 const struct scenario_name *n, struct topo_diags *d)
{
	const struct topo_node *h = &t->nodes[i];
	int f = st->family ? st->family : h->has_ip ? 4 : 6;

	if (has_family(h, f))
		return f;
	if (st->family)
		topo_diag(d, n->mark, "host '%s' has no IPv%d address to send to (family: %d)",
			  n->name, f, f);
	else
		topo_diag(d, n->mark, "host '%s' has no address to send to", n->name);
	return 0;
}

/* A reach's sender is pinged back: it needs an address of each family
 * its pairs use (a sender of ping, iperf or traffic needs none in the
 * topology: its exec commands may give it one). */
static void sender_ok(const struct topo *t, int i, const struct scenario_step *st,
		      const struct scenario_name *n, struct topo_diags *d)
{
	for (unsigned k = 0; k < st->n_to; k++) {
		int f = st->to[k].family;

		if (f == 0 || strcmp(st->to[k].name, n->name) == 0 || has_family(&t->nodes[i], f))
			continue;
		topo_diag(d, n->mark, "host '%s' has no IPv%d address to ping %s from%s", n->name,
			  f, st->to[k].name, st->family ? "" : " (family: 4 or 6 picks one)");
		return;
	}
}

int scenario_host_addr(const struct topo *t, const char *host, int family, char *buf, size_t len)
{
	int i = topo_node_find(t, host);
	const struct topo_node *h = i >= 0 ? &t->nodes[i] : NULL;

	buf[0] = '\0';
	if (h == NULL || !has_family(h, family))
		return -ENOENT;
	if (family == 4) {
		topo_addr4_format(h->ip.addr, buf, len);
	} else {
		struct topo_ip6 a = h->ip6;

		a.plen = 255; /* the address alone */
		topo_ip6_format(&a, buf, len);
	}
	return 0;
}

/* The link with endpoint st->endpoint: its index, or -1. */
static int link_of(const struct topo *t, const struct scenario_step *st)
{
	char ep[SCENARIO_EP_MAX];

	for (unsigned l = 0; l < t->n_links; l++) {
		for (int e = 0; e < 2; e++) {
			const struct topo_endpoint *x = &t->links[l].ep[e];

			snprintf(ep, sizeof(ep), "%s:%s", t->nodes[x->node].name, x->ifname);
			if (strcmp(ep, st->endpoint) == 0)
				return (int)l;
		}
	}
	return -1;
}

static int endpoint_ok(const struct topo *t, const struct scenario_step *st, struct topo_diags *d)
{
	int l = link_of(t, st);
	const struct topo_link *lk;

	if (l < 0) {
		topo_diag(d, st->ep_mark, "unknown endpoint '%s'", st->endpoint);
		return 0;
	}
	lk = &t->links[l];
	if (st->type != SCENARIO_CAPTURE || scenario_capture_host(t, st) >= 0)
		return 1;
	/* on the switch side, only an afpacket veth shows frames to a capture
	 * (a tap or a trunk has no interface there, AF_XDP takes frames before
	 * the kernel's packet taps see them) */
	if (topo_link_is_trunk(lk)) {
		topo_diag(d, st->ep_mark,
			  "cannot capture on trunk port '%s': it has no kernel interface "
			  "(capture on a host interface)",
			  st->endpoint);
		return 0;
	}
	if (topo_kind_is_external(t->nodes[lk->ep[0].node].kind)) {
		topo_diag(d, st->ep_mark,
			  "cannot capture on '%s': the link of %s node %s has no kernel interface "
			  "(capture on a host interface)",
			  st->endpoint, topo_kind_name(t->nodes[lk->ep[0].node].kind),
			  t->nodes[lk->ep[0].node].name);
		return 0;
	}
	if (lk->port_type != TOPO_PORT_AFPACKET) {
		topo_diag(d, st->ep_mark,
			  "cannot capture on '%s': only afpacket ports show their frames to "
			  "the kernel on the switch side, this one is %s (capture on %s:%s)",
			  st->endpoint, topo_port_type_name(lk->port_type),
			  t->nodes[lk->ep[0].node].name, lk->ep[0].ifname);
		return 0;
	}
	return 1;
}

int scenario_capture_host(const struct topo *t, const struct scenario_step *st)
{
	char node[TOPO_NAME_MAX];
	size_t n = strcspn(st->endpoint, ":");
	int i;

	if (n >= sizeof(node))
		return -1;
	memcpy(node, st->endpoint, n);
	node[n] = '\0';
	i = topo_node_find(t, node);
	return i >= 0 && t->nodes[i].kind == TOPO_KIND_HOST ? i : -1;
}

/* A step's hosts: targets first (a reach's senders need their families). */
static void check_hosts(const struct topo *t, struct scenario_step *st, struct topo_diags *d)
{
	for (unsigned k = 0; k < st->n_to; k++) {
		int i = host_find(t, &st->to[k], d);

		st->to[k].family = i >= 0 ? target_family(t, i, st, &st->to[k], d) : 0;
	}
	for (unsigned k = 0; k < st->n_from; k++) {
		int i = host_find(t, &st->from[k], d);

		if (i >= 0 && st->type == SCENARIO_REACH)
			sender_ok(t, i, st, &st->from[k], d);
	}
}

int scenario_check(struct scenario *s, const struct topo *t, struct topo_diags *d)
{
	unsigned before = d->n;

	snprintf(d->file, sizeof(d->file), "%s", s->file);
	for (unsigned i = 0; i < s->n_steps; i++) {
		struct scenario_step *st = &s->steps[i];

		check_hosts(t, st, d);
		if ((st->type == SCENARIO_LINK || st->type == SCENARIO_COUNTER ||
		     st->type == SCENARIO_CAPTURE) &&
		    st->endpoint[0])
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
	case SCENARIO_EXPECT:
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

/* After the targets: " (IPv6)" if scenario_check() resolved any of them
 * to IPv6 (" (IPv4+IPv6)" if to both), nothing for IPv4 alone, what a line
 * has always meant. */
static void family_note(const struct scenario_step *st, char *buf, size_t len)
{
	int v4 = 0, v6 = 0;
	size_t o = strlen(buf);

	for (unsigned k = 0; k < st->n_to; k++) {
		v4 |= st->to[k].family == 4;
		v6 |= st->to[k].family == 6;
	}
	if (v6 && o < len)
		snprintf(buf + o, len - o, " (%s)", v4 ? "IPv4+IPv6" : "IPv6");
}

void scenario_step_describe(const struct scenario_step *st, char *buf, size_t len)
{
	char a[160], b[180];

	names(st->from, st->n_from, a, sizeof(a));
	names(st->to, st->n_to, b, sizeof(b) - 20);
	family_note(st, b, sizeof(b));
	switch (st->type) {
	case SCENARIO_WAIT:
		snprintf(buf, len, "wait %.3g s", (double)st->ns / 1e9);
		break;
	case SCENARIO_RUN:
		snprintf(buf, len, "run %s%s: %.40s%s", a, st->background ? " (background)" : "",
			 st->cmd ? st->cmd : "", st->cmd && strlen(st->cmd) > 40 ? "..." : "");
		break;
	case SCENARIO_LINK:
		snprintf(buf, len, "link %s %s%s%s", st->endpoint,
			 st->link_op == SCENARIO_LINK_SET    ? "set "
			 : st->link_op == SCENARIO_LINK_DOWN ? "down"
							     : "up",
			 st->link_op == SCENARIO_LINK_SET && st->set ? st->set : "",
			 st->link_dir == 1   ? " (egress)"
			 : st->link_dir == 2 ? " (ingress)"
					     : "");
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
	case SCENARIO_CAPTURE:
		snprintf(buf, len, "capture %s on %s%s%.40s%s", st->name, st->endpoint,
			 st->filter ? ": " : "", st->filter ? st->filter : "",
			 st->filter && strlen(st->filter) > 40 ? "..." : "");
		break;
	case SCENARIO_STOP:
		snprintf(buf, len, "stop %s", st->name);
		break;
	case SCENARIO_TRAFFIC:
		snprintf(buf, len, "traffic %s: %s%s %s -> %s, %u s", st->name,
			 st->kind == SCENARIO_TRAFFIC_PING ? "ping" : "iperf",
			 st->kind == SCENARIO_TRAFFIC_IPERF && st->udp ? " udp" : "", a, b,
			 st->seconds);
		break;
	case SCENARIO_EXPECT:
		snprintf(buf, len, "expect %s%s%.40s%s", st->name, st->filter ? ": " : "",
			 st->filter ? st->filter : "",
			 st->filter && strlen(st->filter) > 40 ? "..." : "");
		break;
	case SCENARIO_FREEZE:
		snprintf(buf, len, "freeze %s", a);
		break;
	case SCENARIO_THAW:
		snprintf(buf, len, "thaw %s", a);
		break;
	}
	/* one line, whatever a command holds */
	for (char *p = buf; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
}
