// SPDX-License-Identifier: BSD-3-Clause
/*
 * Unit tests for the topology generators (topo/topo_gen.c): a file's
 * topology.generate and topo_generate_spec(). No root: everything is generated
 * from inline strings and topo/examples/.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "topo.h"
#include "topo_support.h"

/* ---- helpers ---------------------------------------------------------- */

static void expect_err(const char *yaml, unsigned line, unsigned col, const char *msg)
{
	struct topo_diags d;
	struct topo *t = (struct topo *)1;

	assert_int_equal(topo_load_buffer("bad.yaml", yaml, strlen(yaml), &t, &d), -EINVAL);
	assert_null(t);
	assert_true(d.n > 0);
	check_diag(&d, line, col, msg);
}

/* "generate: <gen>" on line 4, col 3; its mapping at col 13. */
#define GEN_HDR "name: g\ntopology:\n  defaults: {subnet: 10.0.0.0/8}\n"

static struct topo *gen_ok(const char *gen)
{
	char yaml[512];

	snprintf(yaml, sizeof(yaml), GEN_HDR "  generate: %s\n", gen);
	return load_ok(yaml);
}

static void expect_gen_err(const char *gen, unsigned col, const char *msg)
{
	char yaml[512];

	snprintf(yaml, sizeof(yaml), GEN_HDR "  generate: %s\n", gen);
	expect_err(yaml, 4, col, msg);
}

static struct topo *spec_ok(const char *spec)
{
	struct topo_diags d;
	struct topo *t = NULL;
	int rc;

	rc = topo_generate_spec("g", spec, &t, &d);
	if (rc)
		topo_diags_print(&d, stderr);
	assert_int_equal(rc, 0);
	assert_int_equal(d.n, 0);
	assert_non_null(t);
	return t;
}

/* The spec fails with exactly msg as one of its (position-less) diagnostics. */
static void expect_spec_err(const char *spec, const char *msg)
{
	struct topo_diags d;
	struct topo *t = (struct topo *)1;
	unsigned i;

	assert_int_equal(topo_generate_spec("g", spec, &t, &d), -EINVAL);
	assert_null(t);
	assert_string_equal(d.file, "<--topo>");
	assert_true(d.n > 0);
	for (i = 0; i < d.n; i++) {
		assert_int_equal(d.d[i].mark.line, 0);
		if (!strcmp(d.d[i].msg, msg))
			return;
	}
	fprintf(stderr, "expected '%s' among:\n", msg);
	topo_diags_print(&d, stderr);
	fail();
}

static const struct topo_node *node(const struct topo *t, const char *name)
{
	int i = topo_node_find(t, name);

	if (i < 0)
		fprintf(stderr, "no node %s\n", name);
	assert_true(i >= 0);
	return &t->nodes[i];
}

static const char *name_of(const struct topo *t, const struct topo_endpoint *ep)
{
	return t->nodes[ep->node].name;
}

/* Per node: how many host links and trunks it is on. */
struct degrees {
	unsigned *host; /* switches: host links; hosts: links */
	unsigned *trunk;
	unsigned n_switches, n_hosts, n_trunks;
};

static void degrees(const struct topo *t, struct degrees *g)
{
	unsigned i, j;

	memset(g, 0, sizeof(*g));
	g->host = calloc(t->n_nodes, sizeof(*g->host));
	g->trunk = calloc(t->n_nodes, sizeof(*g->trunk));
	assert_non_null(g->host);
	assert_non_null(g->trunk);
	for (i = 0; i < t->n_nodes; i++) {
		if (t->nodes[i].kind == TOPO_KIND_SWITCH)
			g->n_switches++;
		else
			g->n_hosts++;
	}
	for (i = 0; i < t->n_links; i++) {
		const struct topo_link *l = &t->links[i];
		int trunk = topo_link_is_trunk(l);

		g->n_trunks += trunk;
		for (j = 0; j < 2; j++)
			(trunk ? g->trunk : g->host)[l->ep[j].node]++;
	}
}

static void degrees_free(struct degrees *g)
{
	free(g->host);
	free(g->trunk);
}

/* Counts of a generated lab against the closed forms. */
static void expect_counts(const struct topo *t, unsigned switches, unsigned hosts, unsigned trunks)
{
	struct degrees g;

	degrees(t, &g);
	assert_int_equal(g.n_switches, switches);
	assert_int_equal(g.n_hosts, hosts);
	assert_int_equal(g.n_trunks, trunks);
	assert_int_equal(t->n_links, hosts + trunks);
	degrees_free(&g);
}

/* Every switch has host links h and trunks k, or is checked by the caller. */
static void expect_switch_degree(const struct topo *t, const char *name, unsigned h, unsigned k)
{
	struct degrees g;
	unsigned i = (unsigned)(node(t, name) - t->nodes);

	degrees(t, &g);
	if (g.host[i] != h || g.trunk[i] != k)
		fprintf(stderr, "%s: %u hosts %u trunks, expected %u and %u\n", name, g.host[i],
			g.trunk[i], h, k);
	assert_int_equal(g.host[i], h);
	assert_int_equal(g.trunk[i], k);
	degrees_free(&g);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int u32_cmp(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;

	return a < b ? -1 : a > b;
}

struct port {
	unsigned node;
	const char *ifname;
};

static int port_cmp(const void *pa, const void *pb)
{
	const struct port *a = pa, *b = pb;

	if (a->node != b->node)
		return a->node < b->node ? -1 : 1;
	return strcmp(a->ifname, b->ifname);
}

static void check_unique_names(const struct topo *t)
{
	const char **names = calloc(t->n_nodes, sizeof(*names));
	unsigned i;

	assert_non_null(names);
	for (i = 0; i < t->n_nodes; i++) {
		assert_true(topo_name_valid(t->nodes[i].name));
		names[i] = t->nodes[i].name;
	}
	qsort(names, t->n_nodes, sizeof(*names), str_cmp);
	for (i = 1; i < t->n_nodes; i++)
		assert_string_not_equal(names[i - 1], names[i]);
	free(names);
}

static void check_unique_addrs(const struct topo *t)
{
	uint32_t *a = calloc(t->n_nodes + 1, sizeof(*a));
	unsigned i, n = 0;

	assert_non_null(a);
	for (i = 0; i < t->n_nodes; i++) {
		const struct topo_node *h = &t->nodes[i];

		if (h->kind != TOPO_KIND_HOST)
			continue;
		assert_true(h->has_ip);
		assert_int_equal(h->ip.plen, t->subnet.plen);
		a[n++] = h->ip.addr;
	}
	qsort(a, n, sizeof(*a), u32_cmp);
	for (i = 1; i < n; i++)
		assert_int_not_equal(a[i - 1], a[i]);
	free(a);
}

/* No port twice; hosts on eth0 only; a switch's ports are p1..p<degree>. */
static void check_ports(const struct topo *t)
{
	struct port *p = calloc(2 * (size_t)t->n_links + 1, sizeof(*p));
	struct degrees g;
	unsigned i, j, n = 0;

	assert_non_null(p);
	degrees(t, &g);
	for (i = 0; i < t->n_links; i++) {
		for (j = 0; j < 2; j++) {
			const struct topo_endpoint *ep = &t->links[i].ep[j];
			unsigned num = 0;

			p[n++] = (struct port){ep->node, ep->ifname};
			if (t->nodes[ep->node].kind == TOPO_KIND_HOST) {
				assert_string_equal(ep->ifname, "eth0");
				assert_int_equal(j, 0);
				continue;
			}
			assert_int_equal(sscanf(ep->ifname, "p%u", &num), 1);
			assert_true(num >= 1 && num <= g.host[ep->node] + g.trunk[ep->node]);
		}
	}
	qsort(p, n, sizeof(*p), port_cmp);
	for (i = 1; i < n; i++)
		assert_true(port_cmp(&p[i - 1], &p[i]) != 0);
	for (i = 0; i < t->n_nodes; i++)
		if (t->nodes[i].kind == TOPO_KIND_HOST)
			assert_int_equal(g.host[i], 1);
	degrees_free(&g);
	free(p);
}

static void check_generated(const struct topo *t)
{
	check_unique_names(t);
	check_ports(t);
	if (t->has_subnet)
		check_unique_addrs(t);
}

static const struct topo_link *find_link(const struct topo *t, const char *a, const char *z)
{
	unsigned i;

	for (i = 0; i < t->n_links; i++)
		if (!strcmp(name_of(t, &t->links[i].ep[0]), a) &&
		    !strcmp(name_of(t, &t->links[i].ep[1]), z))
			return &t->links[i];
	fprintf(stderr, "no link %s -> %s\n", a, z);
	fail();
	return NULL;
}

static uint32_t addr(const char *s)
{
	uint32_t a = 0;

	assert_int_equal(topo_addr4_parse(s, &a), 0);
	return a;
}

/* ---- every type ------------------------------------------------------- */

static void test_linear(void **state)
{
	const struct topo_link *l;
	struct topo *t;

	(void)state;
	t = gen_ok("{type: linear, switches: 4, hosts: 2}");
	check_generated(t);
	expect_counts(t, 4, 8, 3);
	expect_switch_degree(t, "s1", 2, 1);
	expect_switch_degree(t, "s2", 2, 2);
	expect_switch_degree(t, "s4", 2, 1);
	/* Switches first, then hosts switch by switch; addresses in that order. */
	assert_string_equal(t->nodes[0].name, "s1");
	assert_string_equal(t->nodes[4].name, "h1");
	assert_int_equal(node(t, "h1")->ip.addr, addr("10.0.0.1"));
	assert_int_equal(node(t, "h8")->ip.addr, addr("10.0.0.8"));
	l = &t->links[2];
	assert_string_equal(name_of(t, &l->ep[0]), "h3");
	assert_string_equal(name_of(t, &l->ep[1]), "s2");
	assert_string_equal(l->ep[1].ifname, "p1");
	/* Trunks after the host links, left to right, after the host ports. */
	l = find_link(t, "s1", "s2");
	assert_true(topo_link_is_trunk(l));
	assert_string_equal(l->ep[0].ifname, "p3");
	assert_string_equal(l->ep[1].ifname, "p3");
	l = find_link(t, "s2", "s3");
	assert_string_equal(l->ep[0].ifname, "p4");
	assert_string_equal(l->ep[1].ifname, "p3");
	assert_true(&t->links[8] == find_link(t, "s1", "s2"));
	topo_free(t);

	t = gen_ok("{type: linear, switches: 1}");
	check_generated(t);
	expect_counts(t, 1, 1, 0);
	topo_free(t);
}

static void test_star(void **state)
{
	struct topo *t;
	unsigned i;

	(void)state;
	t = gen_ok("{type: star, hosts: 8}");
	check_generated(t);
	expect_counts(t, 1, 8, 0);
	expect_switch_degree(t, "s1", 8, 0);
	for (i = 0; i < 8; i++) {
		char h[8], p[8];

		snprintf(h, sizeof(h), "h%u", i + 1);
		snprintf(p, sizeof(p), "p%u", i + 1);
		assert_string_equal(name_of(t, &t->links[i].ep[0]), h);
		assert_string_equal(t->links[i].ep[1].ifname, p);
	}
	topo_free(t);
}

static void test_ring(void **state)
{
	struct topo *t;
	unsigned i;

	(void)state;
	t = gen_ok("{type: ring, switches: 4}");
	check_generated(t);
	expect_counts(t, 4, 4, 4);
	for (i = 1; i <= 4; i++) {
		char s[8];

		snprintf(s, sizeof(s), "s%u", i);
		expect_switch_degree(t, s, 1, 2);
	}
	/* The chain, closed by [s4, s1]. */
	find_link(t, "s1", "s2");
	find_link(t, "s3", "s4");
	assert_true(find_link(t, "s4", "s1") == &t->links[t->n_links - 1]);
	topo_free(t);

	t = gen_ok("{type: ring, switches: 3, hosts: 3}");
	check_generated(t);
	expect_counts(t, 3, 9, 3);
	topo_free(t);
}

/* Mininet's TreeTopo: names, counts and port numbers. */
static void test_tree(void **state)
{
	const struct topo_link *l;
	struct topo *t;
	struct degrees g;
	unsigned i, leaves = 0, inner = 0;

	(void)state;
	t = gen_ok("{type: tree, depth: 2, fanout: 2}");
	check_generated(t);
	expect_counts(t, 3, 4, 2);
	/* s1 the root, s2 and s3 its children; h1 h2 on s2, h3 h4 on s3. */
	l = find_link(t, "s2", "s1");
	assert_string_equal(l->ep[0].ifname, "p3");
	assert_string_equal(l->ep[1].ifname, "p1");
	l = find_link(t, "s3", "s1");
	assert_string_equal(l->ep[0].ifname, "p3");
	assert_string_equal(l->ep[1].ifname, "p2");
	l = find_link(t, "h1", "s2");
	assert_string_equal(l->ep[1].ifname, "p1");
	l = find_link(t, "h4", "s3");
	assert_string_equal(l->ep[1].ifname, "p2");
	/* Mininet's link order: a subtree's links, then its link up. */
	assert_string_equal(name_of(t, &t->links[0].ep[0]), "h1");
	assert_string_equal(name_of(t, &t->links[2].ep[0]), "s2");
	assert_string_equal(name_of(t, &t->links[5].ep[0]), "s3");
	topo_free(t);

	t = gen_ok("{type: tree, depth: 3, fanout: 4}");
	check_generated(t);
	expect_counts(t, 21, 64, 20);
	expect_switch_degree(t, "s1", 0, 4);
	expect_switch_degree(t, "s2", 0, 5);
	expect_switch_degree(t, "s3", 4, 1);
	/* Preorder: s2's children are s3..s6, s1's second child is s7. */
	find_link(t, "s6", "s2");
	find_link(t, "s7", "s1");
	find_link(t, "h64", "s21");
	degrees(t, &g);
	for (i = 0; i < t->n_nodes; i++) {
		if (t->nodes[i].kind != TOPO_KIND_SWITCH)
			continue;
		leaves += g.host[i] == 4 && g.trunk[i] == 1;
		inner += g.host[i] == 0 && g.trunk[i] == 5;
	}
	assert_int_equal(leaves, 16);
	assert_int_equal(inner, 4);
	degrees_free(&g);
	topo_free(t);

	/* fanout 1: a chain of switches with one host at the bottom. */
	t = gen_ok("{type: tree, depth: 5, fanout: 1}");
	check_generated(t);
	expect_counts(t, 5, 1, 4);
	find_link(t, "h1", "s5");
	topo_free(t);
}

static void check_fat_tree(unsigned k)
{
	unsigned h = k / 2, p, j, e, c;
	char yaml[64], a[16], z[16];
	struct degrees g;
	struct topo *t;

	snprintf(yaml, sizeof(yaml), "{type: fat-tree, k: %u}", k);
	t = gen_ok(yaml);
	check_generated(t);
	expect_counts(t, 5 * k * k / 4, k * k * k / 4, k * k * k / 2);
	degrees(t, &g);
	for (j = 0; j < t->n_nodes; j++) {
		const char *n = t->nodes[j].name;

		if (n[0] == 'c' || n[0] == 'a') {
			assert_int_equal(g.trunk[j], k);
			assert_int_equal(g.host[j], 0);
		} else if (n[0] == 'e') {
			assert_int_equal(g.trunk[j], h);
			assert_int_equal(g.host[j], h);
		}
	}
	degrees_free(&g);
	/* Every edge to every agg of its pod; agg j to cores (j-1)h+1 .. jh. */
	for (p = 1; p <= k; p++) {
		for (j = 1; j <= h; j++) {
			snprintf(a, sizeof(a), "a%u_%u", p, j);
			for (e = 1; e <= h; e++) {
				snprintf(z, sizeof(z), "e%u_%u", p, e);
				find_link(t, z, a);
			}
			for (c = (j - 1) * h + 1; c <= j * h; c++) {
				snprintf(z, sizeof(z), "c%u", c);
				find_link(t, a, z);
			}
		}
	}
	snprintf(a, sizeof(a), "h%u_%u_%u", k, h, h);
	assert_int_equal(node(t, a)->kind, TOPO_KIND_HOST);
	topo_free(t);
}

static void test_fat_tree(void **state)
{
	const struct topo_link *l;
	struct topo *t;

	(void)state;
	check_fat_tree(2);
	check_fat_tree(4);
	check_fat_tree(8);

	t = gen_ok("{type: fat-tree, k: 4}");
	assert_int_equal(t->n_nodes, 36);
	assert_int_equal(t->n_links, 48);
	/* Nodes: cores, pods (aggs then edges), hosts; hosts addressed in name order. */
	assert_string_equal(t->nodes[0].name, "c1");
	assert_string_equal(t->nodes[4].name, "a1_1");
	assert_string_equal(t->nodes[6].name, "e1_1");
	assert_string_equal(t->nodes[20].name, "h1_1_1");
	assert_int_equal(node(t, "h1_1_1")->ip.addr, addr("10.0.0.1"));
	assert_int_equal(node(t, "h1_2_1")->ip.addr, addr("10.0.0.3"));
	assert_int_equal(node(t, "h4_2_2")->ip.addr, addr("10.0.0.16"));
	/* Ports: hosts, then up; aggs: edges, then cores; cores: pods in order. */
	l = find_link(t, "h1_2_2", "e1_2");
	assert_string_equal(l->ep[1].ifname, "p2");
	l = find_link(t, "e1_2", "a1_1");
	assert_string_equal(l->ep[0].ifname, "p3");
	assert_string_equal(l->ep[1].ifname, "p2");
	l = find_link(t, "a3_2", "c4");
	assert_string_equal(l->ep[0].ifname, "p4");
	assert_string_equal(l->ep[1].ifname, "p3");
	topo_free(t);
}

static void test_leaf_spine(void **state)
{
	struct topo *t;
	char s[16];
	unsigned i;

	(void)state;
	t = gen_ok("{type: leaf-spine, spines: 4, leaves: 8, hosts: 2}");
	check_generated(t);
	expect_counts(t, 12, 16, 32);
	for (i = 1; i <= 4; i++) {
		snprintf(s, sizeof(s), "spine%u", i);
		expect_switch_degree(t, s, 0, 8);
	}
	for (i = 1; i <= 8; i++) {
		snprintf(s, sizeof(s), "leaf%u", i);
		expect_switch_degree(t, s, 2, 4);
	}
	find_link(t, "h8_2", "leaf8");
	assert_string_equal(find_link(t, "leaf3", "spine4")->ep[0].ifname, "p6");
	assert_string_equal(find_link(t, "leaf3", "spine4")->ep[1].ifname, "p3");
	topo_free(t);

	t = gen_ok("{type: leaf-spine, spines: 1, leaves: 1}");
	check_generated(t);
	expect_counts(t, 2, 1, 1);
	topo_free(t);
}

static void test_torus(void **state)
{
	struct topo *t;
	char s[16];
	unsigned i, j;

	(void)state;
	t = gen_ok("{type: torus, x: 4, y: 5}");
	check_generated(t);
	expect_counts(t, 20, 20, 40);
	for (i = 1; i <= 4; i++) {
		for (j = 1; j <= 5; j++) {
			snprintf(s, sizeof(s), "s%u_%u", i, j);
			expect_switch_degree(t, s, 1, 4);
		}
	}
	/* Right and down, wrapping; hosts switch by switch, s1_1 .. s1_5, s2_1, ... */
	find_link(t, "s4_2", "s1_2");
	find_link(t, "s2_5", "s2_1");
	find_link(t, "s2_3", "s3_3");
	find_link(t, "h6", "s2_1");
	topo_free(t);

	t = gen_ok("{type: torus, x: 3, y: 3, hosts: 2}");
	check_generated(t);
	expect_counts(t, 9, 18, 18);
	expect_switch_degree(t, "s3_3", 2, 4);
	topo_free(t);
}

/* ---- the file form ---------------------------------------------------- */

static void test_file_form(void **state)
{
	const struct linkparams *p;
	struct topo *t;
	unsigned i;

	(void)state;
	/* Block style; every node, link and endpoint is at the 'generate' key (5:3). */
	t = load_ok("name: g\n"
		    "topology:\n"
		    "  defaults:\n"
		    "    port: tap\n"
		    "  generate:\n"
		    "    type: fat-tree\n"
		    "    k: 2\n");
	/* no subnet in the file: Mininet's 10.0.0.0/8, as --topo gives */
	assert_true(t->has_subnet);
	assert_int_equal(t->subnet.addr, 10u << 24);
	assert_int_equal(t->subnet.plen, 8);
	for (i = 0; i < t->n_nodes; i++) {
		assert_int_equal(t->nodes[i].mark.line, 5);
		assert_int_equal(t->nodes[i].mark.col, 3);
		if (t->nodes[i].kind == TOPO_KIND_HOST) {
			assert_true(t->nodes[i].has_ip);
			assert_int_equal(t->nodes[i].port_type, TOPO_PORT_TAP);
			assert_int_equal(t->nodes[i].mac[0], 0x02);
		}
	}
	for (i = 0; i < t->n_links; i++) {
		assert_int_equal(t->links[i].mark.line, 5);
		assert_int_equal(t->links[i].ep[0].mark.line, 5);
		assert_int_equal(t->links[i].ep[1].mark.col, 3);
		assert_int_equal(t->links[i].params_mark.line, 0);
	}
	check_generated(t);
	topo_free(t);

	/* Defaults' params on every link; forward is up on trunks too. */
	t = load_ok("name: g\n"
		    "topology:\n"
		    "  defaults:\n"
		    "    subnet: 10.0.0.0/16\n"
		    "    gateway: 10.0.0.1\n"
		    "    params: {delay: 1ms, forward: {rate: 10mbit}, reverse: {rate: 20mbit}}\n"
		    "  generate: {type: fat-tree, k: 4}\n");
	for (i = 0; i < t->n_links; i++) {
		p = &t->links[i].params[0];
		assert_true(p->delay_ns == 1000000);
		assert_true(p->rate_bps == 10000000);
		assert_true(t->links[i].params[1].rate_bps == 20000000);
	}
	assert_true(topo_link_is_trunk(find_link(t, "a1_1", "c1")));
	/* The gateway is skipped by the addresses and becomes every host's. */
	assert_int_equal(node(t, "h1_1_1")->ip.addr, addr("10.0.0.2"));
	assert_int_equal(node(t, "h1_1_1")->gateway, addr("10.0.0.1"));
	check_generated(t);
	topo_free(t);

	/* A subnet too small: reported at the 'generate' key, per host. */
	expect_err("name: g\n"
		   "topology:\n"
		   "  defaults:\n"
		   "    subnet: 10.0.0.0/30\n"
		   "  generate:\n"
		   "    type: star\n"
		   "    hosts: 3\n",
		   5, 3, "subnet 10.0.0.0/30 has no free address for h3");
	/* Quoted numbers are numbers; a null defaults is no defaults. */
	t = load_ok(
	    "name: g\ntopology:\n  defaults:\n  generate: {type: linear, switches: \"2\"}\n");
	expect_counts(t, 2, 2, 1);
	topo_free(t);
}

static void test_file_errors(void **state)
{
	(void)state;
	/* Both forms. */
	expect_err(GEN_HDR "  nodes: {s: {kind: switch}}\n  generate: {type: star, hosts: 2}\n", 5,
		   3, "'generate' cannot be combined with 'nodes' or 'links'");
	expect_err(GEN_HDR "  generate: {type: star, hosts: 2}\n  links: []\n", 4, 3,
		   "'generate' cannot be combined with 'nodes' or 'links'");
	expect_err("name: g\ntopology:\n  links:\n  generate: {type: star, hosts: 2}\n", 4, 3,
		   "'generate' cannot be combined");
	/* Shapes. */
	expect_gen_err("fat-tree", 13, "expected a mapping for 'generate'");
	expect_gen_err("", 3, "expected a mapping for 'generate'");
	expect_gen_err("[type, star]", 13, "expected a mapping for 'generate'");
	expect_gen_err("{k: 4}", 13, "missing 'type' in generate");
	expect_gen_err("{}", 13, "missing 'type' in generate");
	expect_gen_err("{type: [star]}", 20, "expected a scalar for 'type' in generate");
	expect_gen_err("{type: star, hosts: [2]}", 33, "expected a scalar for 'hosts' in generate");
	expect_gen_err("{type: star, [hosts]: 2}", 26, "expected a scalar key in generate");
	/* Types and keys. */
	expect_gen_err("{type: trie, depth: 2}", 20,
		       "unknown topology type 'trie' (linear, star, single, minimal, ring, tree, "
		       "fat-tree, leaf-spine, torus)");
	expect_gen_err("{type: fat-tree}", 13, "missing 'k' for fat-tree");
	expect_gen_err("{type: torus, x: 3}", 13, "missing 'y' for torus");
	expect_gen_err("{type: linear, switches: 2, depth: 3}", 41,
		       "unknown key 'depth' for linear (expected switches, hosts)");
	expect_gen_err("{type: linear, switches: 2, switches: 3}", 41,
		       "duplicate key 'switches' in generate (first defined at 4:28)");
	expect_gen_err("{type: star, type: linear, hosts: 1}", 26,
		       "duplicate key 'type' in generate (first defined at 4:14)");
	/* Values. */
	expect_gen_err("{type: fat-tree, k: 5}", 33,
		       "bad value '5' for k: expected an even whole number from 2 to 48");
	expect_gen_err("{type: fat-tree, k: 50}", 33, "bad value '50' for k");
	expect_gen_err("{type: fat-tree, k: 0}", 33, "bad value '0' for k");
	expect_gen_err("{type: ring, switches: 2}", 36,
		       "bad value '2' for switches: expected a whole number from 3 to 4096");
	expect_gen_err("{type: star, hosts: -1}", 33, "bad value '-1' for hosts");
	expect_gen_err("{type: star, hosts: 04}", 33, "bad value '04' for hosts");
	expect_gen_err("{type: star, hosts: 2.0}", 33, "bad value '2.0' for hosts");
	expect_gen_err("{type: star, hosts: 99999999999999999999}", 33,
		       "bad value '99999999999999999999' for hosts");
	expect_gen_err("{type: star, hosts: }", 26, "bad value '' for hosts");
	expect_gen_err("{type: tree, depth: 0, fanout: 2}", 33,
		       "bad value '0' for depth: expected a whole number from 1 to 4096");
	/* Limits, named, at the mapping. */
	expect_gen_err("{type: leaf-spine, spines: 2, leaves: 4096, hosts: 17}", 13,
		       "too many hosts: leaf-spine makes 69632, the limit is 65536");
	expect_gen_err("{type: torus, x: 64, y: 65}", 13,
		       "too many switches: torus makes 4160, the limit is 4096");
	/* A type error hides the keys, which mean nothing without it. */
	expect_gen_err("{type: trie, bogus: 1}", 20, "unknown topology type 'trie'");
}

/* The same lab from a spec (named or positional) and from a file. */
static void expect_same(const struct topo *a, const struct topo *b)
{
	unsigned i, j;

	assert_string_equal(a->name, b->name);
	assert_int_equal(a->n_nodes, b->n_nodes);
	assert_int_equal(a->n_links, b->n_links);
	assert_int_equal(a->subnet.addr, b->subnet.addr);
	assert_int_equal(a->subnet.plen, b->subnet.plen);
	for (i = 0; i < a->n_nodes; i++) {
		const struct topo_node *x = &a->nodes[i], *y = &b->nodes[i];

		assert_string_equal(x->name, y->name);
		assert_int_equal(x->kind, y->kind);
		assert_int_equal(x->has_ip, y->has_ip);
		assert_int_equal(x->ip.addr, y->ip.addr);
		assert_memory_equal(x->mac, y->mac, 6);
		assert_int_equal(x->port_type, y->port_type);
	}
	for (i = 0; i < a->n_links; i++) {
		const struct topo_link *x = &a->links[i], *y = &b->links[i];

		assert_int_equal(topo_link_is_trunk(x), topo_link_is_trunk(y));
		for (j = 0; j < 2; j++) {
			assert_int_equal(x->ep[j].node, y->ep[j].node);
			assert_string_equal(x->ep[j].ifname, y->ep[j].ifname);
		}
	}
}

static void test_spec_equals_file(void **state)
{
	static const char *const cases[][3] = {
	    {"linear,4", "linear,switches=4", "{type: linear, switches: 4}"},
	    {"linear,4,2", "linear,hosts=2,switches=4", "{type: linear, switches: 4, hosts: 2}"},
	    {"star,8", "star,hosts=8", "{type: star, hosts: 8}"},
	    {"ring,5,2", "ring,5,hosts=2", "{hosts: 2, type: ring, switches: 5}"},
	    {"tree,3,4", "tree,depth=3,fanout=4", "{type: tree, depth: 3, fanout: 4}"},
	    {"fat-tree,4", "fat-tree,k=4", "{type: fat-tree, k: 4}"},
	    {"leaf-spine,2,4,2", "leaf-spine,leaves=4,spines=2,hosts=2",
	     "{type: leaf-spine, spines: 2, leaves: 4, hosts: 2}"},
	    {"torus,3,4", "torus,x=3,y=4,hosts=1", "{type: torus, x: 3, y: 4}"},
	    /* Mininet's: single,k is a star, minimal a star of two, and its
	     * defaults when no number is given (linear k=2, tree 1,2, single 2) */
	    {"single,3", "single,k=3", "{type: star, hosts: 3}"},
	    {"minimal", "star,2", "{type: minimal}"},
	    {"single", "star,hosts=2", "{type: single}"},
	    {"linear", "linear,2,1", "{type: linear}"},
	    {"tree", "tree,depth=1,fanout=2", "{type: tree}"},
	    {"tree,2", "tree,2,2", "{type: tree, depth: 2}"},
	};
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct topo *pos = spec_ok(cases[i][0]), *named = spec_ok(cases[i][1]);
		struct topo *file = gen_ok(cases[i][2]);

		expect_same(pos, file);
		expect_same(named, file);
		check_generated(pos);
		topo_free(pos);
		topo_free(named);
		topo_free(file);
	}
}

static void test_spec(void **state)
{
	struct topo *t;

	(void)state;
	/* Mininet's addresses: 10.0.0.0/8, h1 is 10.0.0.1. */
	t = spec_ok("tree,depth=2,fanout=3");
	assert_string_equal(t->name, "g");
	assert_string_equal(t->file, "<--topo tree,depth=2,fanout=3>");
	assert_true(t->has_subnet);
	assert_int_equal(t->subnet.addr, addr("10.0.0.0"));
	assert_int_equal(t->subnet.plen, 8);
	assert_int_equal(t->gateway, 0);
	assert_int_equal(node(t, "h1")->ip.addr, addr("10.0.0.1"));
	assert_int_equal(node(t, "h9")->ip.addr, addr("10.0.0.9"));
	assert_int_equal(node(t, "h1")->port_type, TOPO_PORT_AFPACKET);
	assert_int_equal(node(t, "h1")->mark.line, 0);
	expect_counts(t, 4, 9, 3);
	topo_free(t);

	/* The largest of each limit is accepted. */
	t = spec_ok("star,65536");
	expect_counts(t, 1, 65536, 0);
	assert_int_equal(node(t, "h65536")->ip.addr, addr("10.1.0.0"));
	topo_free(t);
	t = spec_ok("linear,4096");
	expect_counts(t, 4096, 4096, 4095);
	topo_free(t);
}

static void test_spec_errors(void **state)
{
	struct topo_diags d;
	struct topo *t = (struct topo *)1;
	char long_spec[300], out[256];
	FILE *f;

	(void)state;
	expect_spec_err("trie",
			"unknown topology type 'trie' (linear, star, single, minimal, ring, "
			"tree, fat-tree, leaf-spine, torus)");
	expect_spec_err("", "unknown topology type '' (linear, star, single, minimal, ring, tree, "
			    "fat-tree, leaf-spine, torus)");
	expect_spec_err("Linear,4", "unknown topology type 'Linear' (linear, star, single, "
				    "minimal, ring, tree, fat-tree, leaf-spine, torus)");
	expect_spec_err("fat-tree", "missing 'k' for fat-tree");
	expect_spec_err("star", "missing 'hosts' for star");
	expect_spec_err("minimal,2", "too many values for minimal (expected none)");
	expect_spec_err("minimal,k=2", "unknown key 'k' for minimal (expected none)");
	expect_spec_err("single,0", "bad value '0' for k: expected a whole number from 1 to 65536");
	expect_spec_err("fat-tree,k=5",
			"bad value '5' for k: expected an even whole number from 2 to 48");
	expect_spec_err("fat-tree,50",
			"bad value '50' for k: expected an even whole number from 2 to 48");
	expect_spec_err("linear,0",
			"bad value '0' for switches: expected a whole number from 1 to 4096");
	expect_spec_err("ring,2",
			"bad value '2' for switches: expected a whole number from 3 to 4096");
	expect_spec_err("torus,3,2", "bad value '2' for y: expected a whole number from 3 to 4096");
	expect_spec_err("star,hosts=65537",
			"bad value '65537' for hosts: expected a whole number from 1 to 65536");
	expect_spec_err("star,x",
			"bad value 'x' for hosts: expected a whole number from 1 to 65536");
	expect_spec_err("star,\x01",
			"bad value '?' for hosts: expected a whole number from 1 to 65536");
	expect_spec_err("star, 4",
			"bad value ' 4' for hosts: expected a whole number from 1 to 65536");
	expect_spec_err("linear,switches=", "bad value '' for switches: expected a whole number "
					    "from 1 to 4096");
	expect_spec_err("linear,4,2,1", "too many values for linear (expected switches, hosts)");
	expect_spec_err("linear,switches=4,2", "positional value '2' after key=value");
	expect_spec_err("linear,4,switches=5", "duplicate key 'switches' for linear");
	expect_spec_err("linear,depth=3",
			"unknown key 'depth' for linear (expected switches, hosts)");
	expect_spec_err("linear,=3", "unknown key '' for linear (expected switches, hosts)");
	expect_spec_err("linear,,4", "empty item in topology spec");
	expect_spec_err("linear,4,", "empty item in topology spec");
	/* Limits: named, nothing dropped. */
	expect_spec_err("linear,4096,hosts=17",
			"too many hosts: linear makes 69632, the limit is 65536");
	expect_spec_err("tree,depth=17,fanout=2",
			"too many hosts: tree makes 131072, the limit is 65536");
	expect_spec_err("tree,depth=17,fanout=2",
			"too many switches: tree makes 131071, the limit is 4096");
	expect_spec_err("tree,depth=13,fanout=2",
			"too many switches: tree makes 8191, the limit is 4096");
	expect_spec_err("tree,depth=4096,fanout=65536",
			"too many hosts: tree makes at least 1099511627776, the limit is 65536");
	expect_spec_err("torus,64,65", "too many switches: torus makes 4160, the limit is 4096");
	expect_spec_err("leaf-spine,64,4032",
			"too many links: leaf-spine makes 262080, the limit is 131072");

	/* Bad spec and bad lab name together; NULLs; the printed form. */
	assert_int_equal(topo_generate_spec("my lab", "trie", &t, &d), -EINVAL);
	assert_null(t);
	assert_int_equal(d.n, 2);
	assert_string_equal(d.d[0].msg, "bad lab name 'my lab': use letters, digits, '_' and '-' "
					"(at most 31 chars)");
	f = fmemopen(out, sizeof(out), "w");
	assert_non_null(f);
	topo_diags_print(&d, f);
	fclose(f);
	assert_non_null(strstr(out, "<--topo>: error: unknown topology type 'trie' (linear, "));
	assert_int_equal(topo_generate_spec(NULL, "star,2", &t, &d), -EINVAL);
	assert_int_equal(topo_generate_spec("g", NULL, &t, &d), -EINVAL);
	assert_int_equal(topo_generate_spec("g", "star,2", NULL, NULL), -EINVAL);
	memset(long_spec, '1', sizeof(long_spec) - 1);
	long_spec[sizeof(long_spec) - 1] = '\0';
	memcpy(long_spec, "star,", 5);
	expect_spec_err(long_spec, "topology spec is longer than 255 characters");
}

/* ---- examples, robustness, scale -------------------------------------- */

static void test_examples(void **state)
{
	struct topo *t;
	unsigned i;

	(void)state;
	t = load_file_ok("topo/examples/fattree.yaml");
	assert_string_equal(t->name, "fattree");
	expect_counts(t, 20, 16, 32);
	assert_int_equal(t->subnet.addr, addr("10.1.0.0"));
	assert_int_equal(t->subnet.plen, 16);
	assert_int_equal(node(t, "h1_1_1")->ip.addr, addr("10.1.0.1"));
	check_generated(t);
	topo_free(t);

	t = load_file_ok("topo/examples/ring.yaml");
	assert_string_equal(t->name, "ring");
	expect_counts(t, 4, 4, 4);
	assert_int_equal(t->subnet.addr, addr("10.2.0.0"));
	assert_int_equal(t->subnet.plen, 24);
	for (i = 0; i < t->n_links; i++)
		assert_true(topo_link_is_trunk(&t->links[i]) == (i >= 4));
	check_generated(t);
	topo_free(t);
}

/* Prefixes and byte flips of a generate file: clean failures only. */
static void test_prefixes(void **state)
{
	static const char yaml[] = "name: g\n"
				   "topology:\n"
				   "  defaults: {subnet: 10.0.0.0/24, params: {delay: 1ms}}\n"
				   "  generate:\n"
				   "    type: leaf-spine\n"
				   "    spines: 2\n"
				   "    leaves: 3\n"
				   "    hosts: 2\n";
	static const char subst[] = "9 :-[]{}&*!|>'\"#\n\0\xff";
	(void)state;
	fuzz_topo(yaml, sizeof(yaml), subst, sizeof(subst) - 1);
}

/* Every prefix of a spec either generates or fails cleanly. */
static void test_spec_prefixes(void **state)
{
	static const char spec[] = "leaf-spine,3,spines=2,hosts=2";
	char buf[sizeof(spec)];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(spec); i++) {
		struct topo_diags d;
		struct topo *t = NULL;
		int rc;

		memcpy(buf, spec, i);
		buf[i] = '\0';
		rc = topo_generate_spec("g", buf, &t, &d);
		assert_true(rc == 0 ? t != NULL && d.n == 0 : rc == -EINVAL && t == NULL && d.n);
		topo_free(t);
	}
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void test_large(void **state)
{
	struct timespec t0;
	struct topo *t;
	double ms;

	(void)state;
	/* k=24: 3456 hosts, 720 switches, 10368 links, generated and resolved. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	t = gen_ok("{type: fat-tree, k: 24}");
	ms = ms_since(&t0);
	assert_true(ms < 1000);
	expect_counts(t, 720, 3456, 6912);
	check_generated(t);
	topo_free(t);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	t = spec_ok("fat-tree,k=24");
	assert_true(ms_since(&t0) < 1000);
	assert_int_equal(t->n_nodes, 720 + 3456);
	topo_free(t);

	/* The largest fat-tree: 27648 hosts, 82944 links. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	t = spec_ok("fat-tree,48");
	assert_true(ms_since(&t0) < 5000);
	expect_counts(t, 2880, 27648, 55296);
	check_generated(t);
	topo_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_linear),	  cmocka_unit_test(test_star),
	    cmocka_unit_test(test_ring),	  cmocka_unit_test(test_tree),
	    cmocka_unit_test(test_fat_tree),	  cmocka_unit_test(test_leaf_spine),
	    cmocka_unit_test(test_torus),	  cmocka_unit_test(test_file_form),
	    cmocka_unit_test(test_file_errors),	  cmocka_unit_test(test_spec_equals_file),
	    cmocka_unit_test(test_spec),	  cmocka_unit_test(test_spec_errors),
	    cmocka_unit_test(test_examples),	  cmocka_unit_test(test_prefixes),
	    cmocka_unit_test(test_spec_prefixes), cmocka_unit_test(test_large),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
