// SPDX-License-Identifier: BSD-3-Clause
/*
 * Generators: regular topologies (linear, star, single, minimal, ring, tree,
 * fat-tree, leaf-spine, torus) from a few whole numbers. The parameters come
 * from a file's 'generate' mapping (topo_parse.c) or from a --topo spec
 * (topo_generate_spec() below) through the same calls; one table holds every
 * type's keys and limits and one builder per type fills a topo_build, so both
 * paths make the same lab. Names, orders and limits are documented in topo.h.
 *
 * Counts are computed (saturating) and checked against the limits before
 * anything is allocated; every builder is linear in what it makes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "topo.h"
#include "topo_priv.h"

#define QUOTE_MAX 48	       /* how much of a bad value a message repeats */
#define SPEC_MAX  256	       /* longest spec: far more than any real one */
#define LIST_MAX  80	       /* "linear, star, ..." */
#define COUNT_CAP (1ull << 40) /* counts saturate here, far past every limit */
#define DIM_MAX	  4096	       /* one dimension of switches */
#define FAN_MAX	  65536	       /* hosts per switch, tree fanout */

static const struct topo_mark no_mark;

/* One key of a type: a whole number in [min, max]; dflt 0: required. */
struct gen_key {
	const char *name;
	unsigned min, max;
	unsigned dflt;
	int even;
};

struct gen_counts {
	uint64_t switches, hosts, links;
};

/* A generator at work: switches are nodes [0, n_sw_max), hosts follow. */
struct gen_ctx {
	struct topo_build *b;
	struct topo_mark mark;
	unsigned *next_port; /* per switch: ports given so far */
	unsigned n_sw, n_sw_max;
	unsigned n_host, n_host_max;
	unsigned n_links_max;
	int overflow; /* a builder made more than it counted: a bug, never a crash */
};

struct gen_type {
	const char *name;
	unsigned n_keys;
	struct gen_key keys[TOPO_GEN_KEYS];
	void (*count)(const unsigned *v, struct gen_counts *c);
	int (*build)(struct gen_ctx *x, const unsigned *v);
};

/* ---- counting ---------------------------------------------------------- */

static uint64_t sat(uint64_t v)
{
	return v < COUNT_CAP ? v : COUNT_CAP;
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
	return b && a > COUNT_CAP / b ? COUNT_CAP : sat(a * b);
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return sat(sat(a) + sat(b));
}

/* linear and ring: n switches (v[0]) with m hosts each (v[1]). */
static void count_chain(const unsigned *v, struct gen_counts *c, int ring)
{
	c->switches = v[0];
	c->hosts = sat_mul(v[0], v[1]);
	c->links = sat_add(c->hosts, (uint64_t)v[0] - 1 + !!ring);
}

static void count_linear(const unsigned *v, struct gen_counts *c)
{
	count_chain(v, c, 0);
}

static void count_ring(const unsigned *v, struct gen_counts *c)
{
	count_chain(v, c, 1);
}

static void count_star(const unsigned *v, struct gen_counts *c)
{
	const unsigned chain[2] = {1, v[0]};

	count_chain(chain, c, 0);
}

/* Mininet's MinimalTopo: one switch, two hosts (a star of two). */
static const unsigned minimal_hosts[1] = {2};

static void count_minimal(const unsigned *v, struct gen_counts *c)
{
	(void)v;
	count_star(minimal_hosts, c);
}

/* 1 + f + .. + f^(d-1) switches, f^d hosts; the loop ends at the cap. */
static void count_tree(const unsigned *v, struct gen_counts *c)
{
	uint64_t level = 1, sw = 0;
	unsigned d;

	for (d = 0; d < v[0] && sw < COUNT_CAP; d++) {
		sw = sat_add(sw, level);
		level = sat_mul(level, v[1]);
	}
	c->switches = sw;
	c->hosts = d == v[0] ? level : COUNT_CAP;
	c->links = sat_add(sw - 1, c->hosts);
}

static void count_fat_tree(const unsigned *v, struct gen_counts *c)
{
	uint64_t k = v[0], h = k / 2;

	c->switches = h * h + k * k;
	c->hosts = k * h * h;
	c->links = 3 * c->hosts; /* host-edge, edge-agg, agg-core */
}

static void count_leaf_spine(const unsigned *v, struct gen_counts *c)
{
	c->switches = (uint64_t)v[0] + v[1];
	c->hosts = sat_mul(v[1], v[2]);
	c->links = sat_add(c->hosts, sat_mul(v[0], v[1]));
}

static void count_torus(const unsigned *v, struct gen_counts *c)
{
	c->switches = sat_mul(v[0], v[1]);
	c->hosts = sat_mul(c->switches, v[2]);
	c->links = sat_add(c->hosts, sat_mul(c->switches, 2));
}

/* ---- building ---------------------------------------------------------- */

static unsigned add_node(struct gen_ctx *x, enum topo_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Returns the new node's index; switches and hosts each in creation order. */
static unsigned add_node(struct gen_ctx *x, enum topo_kind kind, const char *fmt, ...)
{
	struct topo_node *n;
	unsigned i;
	va_list ap;

	if (kind == TOPO_KIND_SWITCH ? x->n_sw >= x->n_sw_max : x->n_host >= x->n_host_max) {
		x->overflow = 1;
		return 0;
	}
	i = kind == TOPO_KIND_SWITCH ? x->n_sw++ : x->n_sw_max + x->n_host++;
	n = &x->b->t->nodes[i];
	va_start(ap, fmt);
	vsnprintf(n->name, sizeof(n->name), fmt, ap);
	va_end(ap);
	n->kind = kind;
	n->mark = x->mark;
	x->b->src[i].flags = TOPO_SRC_KIND;
	topo_index_add(x->b, i);
	return i;
}

/* A host's only interface is eth0; a switch numbers its ports p1, p2, ... */
static void set_endpoint(struct gen_ctx *x, struct topo_endpoint *ep, unsigned node)
{
	ep->node = node;
	ep->mark = x->mark;
	if (node >= x->n_sw_max)
		memcpy(ep->ifname, "eth0", sizeof("eth0"));
	else
		snprintf(ep->ifname, sizeof(ep->ifname), "p%u", ++x->next_port[node]);
}

static void add_link(struct gen_ctx *x, unsigned a, unsigned z)
{
	struct topo *t = x->b->t;
	struct topo_link *l;

	if (t->n_links >= x->n_links_max || x->overflow) {
		x->overflow = 1;
		return;
	}
	l = &t->links[t->n_links++];
	set_endpoint(x, &l->ep[0], a);
	set_endpoint(x, &l->ep[1], z);
	l->mark = x->mark;
}

/* s1..sn; hosts h1.. switch by switch; trunks [s<i>, s<i+1>] (and [sn, s1]). */
static void build_chain(struct gen_ctx *x, unsigned n, unsigned m, int ring)
{
	unsigned i, j, h = 1;

	for (i = 0; i < n; i++)
		add_node(x, TOPO_KIND_SWITCH, "s%u", i + 1);
	for (i = 0; i < n; i++)
		for (j = 0; j < m; j++)
			add_link(x, add_node(x, TOPO_KIND_HOST, "h%u", h++), i);
	for (i = 0; i + 1 < n; i++)
		add_link(x, i, i + 1);
	if (ring)
		add_link(x, n - 1, 0);
}

static int build_linear(struct gen_ctx *x, const unsigned *v)
{
	build_chain(x, v[0], v[1], 0);
	return 0;
}

static int build_ring(struct gen_ctx *x, const unsigned *v)
{
	build_chain(x, v[0], v[1], 1);
	return 0;
}

static int build_star(struct gen_ctx *x, const unsigned *v)
{
	build_chain(x, 1, v[0], 0);
	return 0;
}

static int build_minimal(struct gen_ctx *x, const unsigned *v)
{
	(void)v;
	return build_star(x, minimal_hosts);
}

struct tree_frame {
	unsigned node;	/* a switch */
	unsigned level; /* levels of switches from it down, itself included */
	unsigned child; /* children made so far */
};

/*
 * Mininet's TreeTopo without recursion: switches in depth-first preorder, a
 * child's link to its parent made when the child's subtree is done, so ports
 * are numbered as Mininet numbers them. The stack holds one frame per level.
 */
static int build_tree(struct gen_ctx *x, const unsigned *v)
{
	unsigned depth = v[0], fanout = v[1], sp = 1, s = 1, h = 1;
	struct tree_frame *st;

	st = calloc(depth, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st[0] = (struct tree_frame){add_node(x, TOPO_KIND_SWITCH, "s%u", s++), depth, 0};
	while (sp && !x->overflow) {
		struct tree_frame *f = &st[sp - 1];

		if (f->child == fanout) {
			if (--sp)
				add_link(x, f->node, st[sp - 1].node);
			continue;
		}
		f->child++;
		if (f->level == 1)
			add_link(x, add_node(x, TOPO_KIND_HOST, "h%u", h++), f->node);
		else
			st[sp++] = (struct tree_frame){add_node(x, TOPO_KIND_SWITCH, "s%u", s++),
						       f->level - 1, 0};
	}
	free(st);
	return 0;
}

/* Node indexes of a fat-tree: cores, then per pod its aggs and its edges. */
static unsigned ft_agg(unsigned k, unsigned pod, unsigned j)
{
	return (k / 2) * (k / 2) + pod * k + j;
}

static unsigned ft_edge(unsigned k, unsigned pod, unsigned e)
{
	return ft_agg(k, pod, k / 2 + e);
}

static void build_fat_tree_switches(struct gen_ctx *x, unsigned k)
{
	unsigned h = k / 2, p, j;

	for (j = 0; j < h * h; j++)
		add_node(x, TOPO_KIND_SWITCH, "c%u", j + 1);
	for (p = 0; p < k; p++) {
		for (j = 0; j < h; j++)
			add_node(x, TOPO_KIND_SWITCH, "a%u_%u", p + 1, j + 1);
		for (j = 0; j < h; j++)
			add_node(x, TOPO_KIND_SWITCH, "e%u_%u", p + 1, j + 1);
	}
}

static int build_fat_tree(struct gen_ctx *x, const unsigned *v)
{
	unsigned k = v[0], h = k / 2, p, e, j;

	build_fat_tree_switches(x, k);
	for (p = 0; p < k; p++)
		for (e = 0; e < h; e++)
			for (j = 0; j < h; j++)
				add_link(
				    x,
				    add_node(x, TOPO_KIND_HOST, "h%u_%u_%u", p + 1, e + 1, j + 1),
				    ft_edge(k, p, e));
	for (p = 0; p < k; p++)
		for (e = 0; e < h; e++)
			for (j = 0; j < h; j++)
				add_link(x, ft_edge(k, p, e), ft_agg(k, p, j));
	/* Cores are nodes 0 .. h*h-1: agg j reaches cores j*h .. j*h+h-1. */
	for (p = 0; p < k; p++)
		for (j = 0; j < h; j++)
			for (e = 0; e < h; e++)
				add_link(x, ft_agg(k, p, j), j * h + e);
	return 0;
}

static int build_leaf_spine(struct gen_ctx *x, const unsigned *v)
{
	unsigned spines = v[0], leaves = v[1], m = v[2], i, j;

	for (i = 0; i < spines; i++)
		add_node(x, TOPO_KIND_SWITCH, "spine%u", i + 1);
	for (i = 0; i < leaves; i++)
		add_node(x, TOPO_KIND_SWITCH, "leaf%u", i + 1);
	for (i = 0; i < leaves; i++)
		for (j = 0; j < m; j++)
			add_link(x, add_node(x, TOPO_KIND_HOST, "h%u_%u", i + 1, j + 1),
				 spines + i);
	for (i = 0; i < leaves; i++)
		for (j = 0; j < spines; j++)
			add_link(x, spines + i, j);
	return 0;
}

/* Switch (i, j) of an x-by-y torus is node i*y + j. */
static int build_torus(struct gen_ctx *x, const unsigned *v)
{
	unsigned nx = v[0], ny = v[1], m = v[2], i, j, s, h = 1;

	for (i = 0; i < nx; i++)
		for (j = 0; j < ny; j++)
			add_node(x, TOPO_KIND_SWITCH, "s%u_%u", i + 1, j + 1);
	for (s = 0; s < nx * ny; s++)
		for (j = 0; j < m; j++)
			add_link(x, add_node(x, TOPO_KIND_HOST, "h%u", h++), s);
	for (i = 0; i < nx; i++) {
		for (j = 0; j < ny; j++) {
			add_link(x, i * ny + j, (i + 1) % nx * ny + j);
			add_link(x, i * ny + j, i * ny + (j + 1) % ny);
		}
	}
	return 0;
}

/* ---- types and parameters --------------------------------------------- */

static const struct gen_type types[] = {
    {"linear",
     2,
     {{"switches", 1, DIM_MAX, 2, 0}, {"hosts", 1, FAN_MAX, 1, 0}},
     count_linear,
     build_linear},
    {"star", 1, {{"hosts", 1, FAN_MAX, 0, 0}}, count_star, build_star},
    /* Mininet's SingleSwitchTopo (k hosts) and MinimalTopo */
    {"single", 1, {{"k", 1, FAN_MAX, 2, 0}}, count_star, build_star},
    {"minimal", 0, {{NULL, 0, 0, 0, 0}}, count_minimal, build_minimal},
    {"ring",
     2,
     {{"switches", 3, DIM_MAX, 0, 0}, {"hosts", 1, FAN_MAX, 1, 0}},
     count_ring,
     build_ring},
    {"tree",
     2,
     {{"depth", 1, DIM_MAX, 1, 0}, {"fanout", 1, FAN_MAX, 2, 0}},
     count_tree,
     build_tree},
    {"fat-tree", 1, {{"k", 2, 48, 0, 1}}, count_fat_tree, build_fat_tree},
    {"leaf-spine",
     3,
     {{"spines", 1, DIM_MAX, 0, 0}, {"leaves", 1, DIM_MAX, 0, 0}, {"hosts", 1, FAN_MAX, 1, 0}},
     count_leaf_spine,
     build_leaf_spine},
    {"torus",
     3,
     {{"x", 3, DIM_MAX, 0, 0}, {"y", 3, DIM_MAX, 0, 0}, {"hosts", 1, FAN_MAX, 1, 0}},
     count_torus,
     build_torus},
};

#define N_TYPES (sizeof(types) / sizeof(types[0]))

static void gen_err(struct topo_gen *g, struct topo_diags *d, struct topo_mark m, const char *fmt,
		    ...) __attribute__((format(printf, 4, 5)));

static void gen_err(struct topo_gen *g, struct topo_diags *d, struct topo_mark m, const char *fmt,
		    ...)
{
	char msg[sizeof(d->d[0].msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	topo_diag(d, m, "%s", msg);
	g->bad = 1;
}

/* Printable and short enough to repeat in a message. */
static const char *quote(const char *s, char *buf, size_t len)
{
	size_t i, o = 0;

	for (i = 0; s[i] && o + 4 < len; i++)
		buf[o++] = (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f ? s[i] : '?';
	if (s[i])
		memcpy(buf + o, "...", 4);
	else
		buf[o] = '\0';
	return buf;
}

/* Append ", name" (or "name" first) to a list being built in buf. */
static size_t list_add(char *buf, size_t len, size_t o, const char *name)
{
	if (o >= len)
		return o;
	return o + (size_t)snprintf(buf + o, len - o, "%s%s", o ? ", " : "", name);
}

static const char *type_list(char *buf, size_t len)
{
	size_t o = 0;
	unsigned i;

	buf[0] = '\0';
	for (i = 0; i < N_TYPES; i++)
		o = list_add(buf, len, o, types[i].name);
	return buf;
}

static const char *key_list(const struct gen_type *ty, char *buf, size_t len)
{
	size_t o = 0;
	unsigned i;

	snprintf(buf, len, "none");
	for (i = 0; i < ty->n_keys; i++)
		o = list_add(buf, len, o, ty->keys[i].name);
	return buf;
}

void topo_gen_init(struct topo_gen *g)
{
	memset(g, 0, sizeof(*g));
	g->type = -1;
}

int topo_gen_set_type(struct topo_gen *g, const char *type, struct topo_diags *d,
		      struct topo_mark m)
{
	char q[QUOTE_MAX], list[LIST_MAX];
	unsigned i;

	for (i = 0; i < N_TYPES; i++) {
		if (!strcmp(type, types[i].name)) {
			g->type = (int)i;
			return 0;
		}
	}
	gen_err(g, d, m, "unknown topology type '%s' (%s)", quote(type, q, sizeof(q)),
		type_list(list, sizeof(list)));
	return -EINVAL;
}

/* Decimal without sign or leading zeros, at most max. */
static int parse_count(const char *s, unsigned max, unsigned *out)
{
	uint64_t v = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return -ERANGE;
	}
	*out = (unsigned)v;
	return 0;
}

/* Key i of the type; value NULL: the file gave something other than a scalar. */
static int set_index(struct topo_gen *g, unsigned i, const char *value, struct topo_diags *d,
		     struct topo_mark km, struct topo_mark vm)
{
	const struct gen_type *ty = &types[g->type];
	const struct gen_key *k = &ty->keys[i];
	char q[QUOTE_MAX];
	unsigned v;

	if (g->given & (1u << i)) {
		if (g->mark[i].line)
			gen_err(g, d, km, "duplicate key '%s' in generate (first defined at %u:%u)",
				k->name, g->mark[i].line, g->mark[i].col);
		else
			gen_err(g, d, km, "duplicate key '%s' for %s", k->name, ty->name);
		return -EINVAL;
	}
	g->given |= 1u << i;
	g->mark[i] = km;
	if (!value) {
		gen_err(g, d, vm, "expected a scalar for '%s' in generate", k->name);
		return -EINVAL;
	}
	if (parse_count(value, k->max, &v) || v < k->min || (k->even && v % 2)) {
		gen_err(g, d, vm, "bad value '%s' for %s: expected %s whole number from %u to %u",
			quote(value, q, sizeof(q)), k->name, k->even ? "an even" : "a", k->min,
			k->max);
		return -EINVAL;
	}
	g->v[i] = v;
	return 0;
}

int topo_gen_set_key(struct topo_gen *g, const char *key, const char *value, struct topo_diags *d,
		     struct topo_mark km, struct topo_mark vm)
{
	const struct gen_type *ty;
	char q[QUOTE_MAX], list[LIST_MAX];
	unsigned i;

	if (g->type < 0 || (unsigned)g->type >= N_TYPES)
		return -EINVAL;
	ty = &types[g->type];
	for (i = 0; i < ty->n_keys; i++)
		if (!strcmp(key, ty->keys[i].name))
			return set_index(g, i, value, d, km, vm);
	gen_err(g, d, km, "unknown key '%s' for %s (expected %s)", quote(key, q, sizeof(q)),
		ty->name, key_list(ty, list, sizeof(list)));
	return -EINVAL;
}

static void check_limit(struct topo_gen *g, struct topo_diags *d, struct topo_mark m,
			const char *what, uint64_t n, unsigned max)
{
	if (n <= max)
		return;
	gen_err(g, d, m, "too many %s: %s makes %s%llu, the limit is %u", what, types[g->type].name,
		n >= COUNT_CAP ? "at least " : "", (unsigned long long)n, max);
}

int topo_gen_finish(struct topo_gen *g, struct topo_diags *d, struct topo_mark m)
{
	const struct gen_type *ty;
	struct gen_counts c;
	unsigned i;

	if (g->type < 0 || (unsigned)g->type >= N_TYPES || g->bad)
		return -EINVAL;
	ty = &types[g->type];
	for (i = 0; i < ty->n_keys; i++) {
		if (g->given & (1u << i))
			continue;
		if (ty->keys[i].dflt)
			g->v[i] = ty->keys[i].dflt;
		else
			gen_err(g, d, m, "missing '%s' for %s", ty->keys[i].name, ty->name);
	}
	if (g->bad)
		return -EINVAL;
	ty->count(g->v, &c);
	check_limit(g, d, m, "hosts", c.hosts, TOPO_GEN_HOSTS_MAX);
	check_limit(g, d, m, "switches", c.switches, TOPO_GEN_SWITCHES_MAX);
	check_limit(g, d, m, "links", c.links, TOPO_GEN_LINKS_MAX);
	return g->bad ? -EINVAL : 0;
}

static int gen_alloc(struct topo_build *b, const struct gen_counts *c, struct gen_ctx *x)
{
	struct topo *t = b->t;
	size_t n = (size_t)(c->switches + c->hosts);

	t->nodes = calloc(n, sizeof(*t->nodes));
	b->src = calloc(n, sizeof(*b->src));
	t->links = calloc((size_t)c->links, sizeof(*t->links));
	b->lsrc = calloc((size_t)c->links, sizeof(*b->lsrc));
	x->next_port = calloc((size_t)c->switches, sizeof(*x->next_port));
	if (!t->nodes || !b->src || !t->links || !b->lsrc || !x->next_port ||
	    topo_index_init(b, (unsigned)n))
		return -ENOMEM;
	return 0;
}

int topo_gen_build(struct topo_build *b, const struct topo_gen *g, struct topo_mark m)
{
	const struct gen_type *ty;
	struct gen_counts c;
	struct gen_ctx x;
	int rc;

	if (g->type < 0 || (unsigned)g->type >= N_TYPES || g->bad || b->t->nodes || b->t->links)
		return -EINVAL;
	ty = &types[g->type];
	ty->count(g->v, &c);
	if (c.hosts > TOPO_GEN_HOSTS_MAX || c.switches > TOPO_GEN_SWITCHES_MAX ||
	    c.links > TOPO_GEN_LINKS_MAX)
		return -EINVAL; /* topo_gen_finish() reported it */
	memset(&x, 0, sizeof(x));
	x.b = b;
	x.mark = m;
	x.n_sw_max = (unsigned)c.switches;
	x.n_host_max = (unsigned)c.hosts;
	x.n_links_max = (unsigned)c.links;
	rc = gen_alloc(b, &c, &x);
	if (!rc)
		rc = ty->build(&x, g->v);
	free(x.next_port);
	if (rc)
		return rc;
	if (x.overflow || x.n_sw != x.n_sw_max || x.n_host != x.n_host_max ||
	    b->t->n_links != x.n_links_max) {
		topo_diag(b->diags, m, "internal error: the %s generator miscounted", ty->name);
		b->t->n_links = 0;
		return -EINVAL;
	}
	b->t->n_nodes = x.n_sw_max + x.n_host_max;
	return 0;
}

/* ---- --topo specs ------------------------------------------------------ */

struct spec_state {
	unsigned pos; /* positional values so far */
	int named;    /* a key=value was seen */
};

static void spec_item(struct topo_gen *g, struct spec_state *s, char *item, struct topo_diags *d)
{
	const struct gen_type *ty = &types[g->type];
	char q[QUOTE_MAX], list[LIST_MAX];
	char *eq = strchr(item, '=');

	if (eq) {
		*eq = '\0';
		s->named = 1;
		topo_gen_set_key(g, item, eq + 1, d, no_mark, no_mark);
	} else if (!*item) {
		gen_err(g, d, no_mark, "empty item in topology spec");
	} else if (s->named) {
		gen_err(g, d, no_mark, "positional value '%s' after key=value",
			quote(item, q, sizeof(q)));
	} else if (s->pos >= ty->n_keys) {
		gen_err(g, d, no_mark, "too many values for %s (expected %s)", ty->name,
			key_list(ty, list, sizeof(list)));
	} else {
		set_index(g, s->pos++, item, d, no_mark, no_mark);
	}
}

/* "type,a,b,key=value,...": the same calls as a file's 'generate' mapping. */
static void spec_parse(const char *spec, struct topo_gen *g, struct topo_diags *d)
{
	struct spec_state s = {0, 0};
	char buf[SPEC_MAX], *item, *next;

	if (strlen(spec) >= sizeof(buf)) {
		gen_err(g, d, no_mark, "topology spec is longer than %d characters", SPEC_MAX - 1);
		return;
	}
	memcpy(buf, spec, strlen(spec) + 1);
	next = strchr(buf, ',');
	if (next)
		*next++ = '\0';
	if (topo_gen_set_type(g, buf, d, no_mark))
		return;
	while (next) {
		item = next;
		next = strchr(item, ',');
		if (next)
			*next++ = '\0';
		spec_item(g, &s, item, d);
	}
	topo_gen_finish(g, d, no_mark);
}

/* A lab on Mininet's 10.0.0.0/8 whose file names the spec. */
static int spec_build(struct topo_build *b, const struct topo_gen *g, const char *lab,
		      const char *spec)
{
	static const char pre[] = "<--topo ";
	struct topo *t;
	size_t len = sizeof(pre) + strlen(spec) + 1;

	b->t = t = calloc(1, sizeof(*t));
	if (!t || !(t->file = malloc(len)))
		return -ENOMEM;
	snprintf(t->file, len, "%s%s>", pre, spec);
	snprintf(t->name, sizeof(t->name), "%s", lab);
	t->has_subnet = 1;
	t->subnet.addr = 10u << 24;
	t->subnet.plen = 8;
	return topo_gen_build(b, g, no_mark);
}

int topo_generate_spec(const char *lab, const char *spec, struct topo **out,
		       struct topo_diags *diags)
{
	struct topo_diags local;
	struct topo_build b;
	struct topo_gen g;
	char q[QUOTE_MAX];
	int rc;

	if (!diags)
		diags = &local;
	memset(diags, 0, sizeof(*diags));
	memset(&b, 0, sizeof(b));
	b.diags = diags;
	snprintf(diags->file, sizeof(diags->file), "<--topo>");
	if (out)
		*out = NULL;
	if (!out || !lab || !spec) {
		topo_diag(diags, no_mark, "invalid arguments");
		return -EINVAL;
	}
	if (!topo_name_valid(lab))
		topo_diag(diags, no_mark,
			  "bad lab name '%s': use letters, digits, '_' and '-' (at most %d chars)",
			  quote(lab, q, sizeof(q)), TOPO_NAME_MAX - 1);
	topo_gen_init(&g);
	spec_parse(spec, &g, diags);
	if (diags->n)
		return -EINVAL;
	rc = spec_build(&b, &g, lab, spec);
	if (!rc)
		rc = topo_build_check(&b);
	if (!rc && diags->n)
		rc = -EINVAL;
	if (!rc) {
		*out = b.t;
		b.t = NULL;
	}
	if (rc == -ENOMEM)
		topo_diag(diags, no_mark, "out of memory");
	topo_build_release(&b);
	return rc;
}
