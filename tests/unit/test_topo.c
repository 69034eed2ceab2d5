// SPDX-License-Identifier: BSD-3-Clause
/*
 * Unit tests for the topology loader (topo/). No root: everything is loaded
 * from inline strings, tests/data/topo/ and topo/examples/.
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
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <pcap/pcap.h>

#include "topo.h"
#include "topo_support.h"

/* ---- helpers ---------------------------------------------------------- */

/* The load fails and one diagnostic at line:col contains msg. */
static void expect_err(const char *yaml, unsigned line, unsigned col, const char *msg)
{
	struct topo_diags d;
	struct topo *t = (struct topo *)1;

	assert_int_equal(topo_load_buffer("bad.yaml", yaml, strlen(yaml), &t, &d), -EINVAL);
	assert_null(t);
	assert_true(d.n > 0);
	check_diag(&d, line, col, msg);
}

static const struct topo_node *node(const struct topo *t, const char *name)
{
	int i = topo_node_find(t, name);

	assert_true(i >= 0);
	return &t->nodes[i];
}

static uint32_t addr(const char *s)
{
	uint32_t a = 0;

	assert_int_equal(topo_addr4_parse(s, &a), 0);
	return a;
}

/* A small valid lab, used as the base of many tests. */
#define HDR    "name: lab\ntopology:\n"
#define SUBNET "  defaults:\n    subnet: 10.0.0.0/24\n"

/* ---- valid files ------------------------------------------------------ */

static void test_quickstart(void **state)
{
	struct topo *t, *t2;
	const struct topo_node *h1, *h2, *h3;
	unsigned i, j;

	(void)state;
	t = load_file_ok("topo/examples/quickstart.yaml");
	assert_string_equal(t->name, "quickstart");
	assert_int_equal(t->n_nodes, 4);
	assert_int_equal(t->n_links, 3);
	assert_true(t->has_subnet);
	assert_int_equal(t->subnet.addr, addr("10.0.0.0"));
	assert_int_equal(t->subnet.plen, 24);
	assert_int_equal(t->gateway, 0);
	assert_int_equal(t->port_type, TOPO_PORT_AFPACKET);

	/* File order is kept. */
	assert_string_equal(t->nodes[0].name, "sw1");
	assert_int_equal(t->nodes[0].kind, TOPO_KIND_SWITCH);
	h1 = node(t, "h1");
	h2 = node(t, "h2");
	h3 = node(t, "h3");
	assert_int_equal(topo_node_find(t, "h1"), 1);
	assert_int_equal(topo_node_find(t, "nope"), -1);
	assert_int_equal(h1->kind, TOPO_KIND_HOST);
	assert_true(h1->has_ip && h2->has_ip && h3->has_ip);
	assert_int_equal(h1->ip.addr, addr("10.0.0.1"));
	assert_int_equal(h1->ip.plen, 24);
	assert_int_equal(h2->ip.addr, addr("10.0.0.20"));
	assert_int_equal(h3->ip.addr, addr("10.0.0.2"));
	assert_int_equal(h3->ip.plen, 24);
	assert_int_equal(h1->gateway, 0);
	assert_int_equal(h1->port_type, TOPO_PORT_AFPACKET);
	assert_int_equal(h1->mark.line, 17);
	assert_int_equal(h1->mark.col, 5);

	for (i = 1; i < 4; i++) {
		const uint8_t *m = t->nodes[i].mac;

		assert_int_equal(m[0] & 1, 0); /* unicast */
		assert_int_equal(m[0] & 2, 2); /* locally administered */
		for (j = 1; j < i; j++)
			assert_memory_not_equal(m, t->nodes[j].mac, 6);
	}
	for (i = 0; i < t->n_links; i++) {
		assert_int_equal(t->nodes[t->links[i].ep[0].node].kind, TOPO_KIND_HOST);
		assert_int_equal(t->nodes[t->links[i].ep[1].node].kind, TOPO_KIND_SWITCH);
		assert_string_equal(t->links[i].ep[0].ifname, "eth0");
	}
	assert_int_equal(t->links[2].mark.line, 23);
	assert_int_equal(t->links[2].mark.col, 7);
	assert_int_equal(t->links[2].ep[1].mark.col, 28);
	assert_string_equal(t->links[2].ep[1].ifname, "p3");

	/* MACs are derived from names only: stable across loads. */
	t2 = load_file_ok("topo/examples/quickstart.yaml");
	for (i = 0; i < 4; i++)
		assert_memory_equal(t->nodes[i].mac, t2->nodes[i].mac, 6);
	topo_free(t);
	topo_free(t2);
}

static void test_links_normalised(void **state)
{
	struct topo *t;

	(void)state;
	t = load_ok(HDR SUBNET "  nodes:\n"
			       "    sw1: {kind: switch}\n"
			       "    h1:\n"
			       "      kind: host\n"
			       "  links:\n"
			       "    - endpoints: [sw1:p1, h1:eth0]\n"
			       "    - endpoints:\n"
			       "        - h1:eth1\n"
			       "        - sw1:p2\n");
	assert_int_equal(t->n_links, 2);
	assert_string_equal(t->nodes[t->links[0].ep[0].node].name, "h1");
	assert_string_equal(t->links[0].ep[0].ifname, "eth0");
	assert_string_equal(t->links[0].ep[1].ifname, "p1");
	assert_int_equal(t->links[0].ep[0].mark.line, 10);
	assert_int_equal(t->links[0].ep[0].mark.col, 27);
	assert_string_equal(t->links[1].ep[0].ifname, "eth1");
	assert_string_equal(t->links[1].ep[1].ifname, "p2");
	assert_true(node(t, "h1")->has_ip);
	topo_free(t);
}

/* The port type of a host link: the link's 'port', else the host's, else
 * defaults.port; 'port' on a trunk is an error. */
static void test_link_port_type(void **state)
{
	struct topo *t;

	(void)state;
	t = load_ok(HDR "  defaults: {subnet: 10.0.0.0/24, port: tap}\n"
			"  nodes:\n"
			"    sw1: {kind: switch}\n"
			"    h1: {kind: host, port: afxdp}\n"
			"    h2: {kind: host}\n"
			"  links:\n"
			"    - {endpoints: [h1:eth0, sw1:p1]}\n"
			"    - {endpoints: [sw1:p2, h1:eth1], port: afpacket}\n"
			"    - {endpoints: [h2:eth0, sw1:p3]}\n");
	assert_int_equal(t->links[0].port_type, TOPO_PORT_AFXDP);
	assert_int_equal(t->links[1].port_type, TOPO_PORT_AFPACKET);
	assert_int_equal(t->links[2].port_type, TOPO_PORT_TAP);
	topo_free(t);
	expect_err(HDR "  nodes: {a: {kind: switch}, b: {kind: switch}}\n"
		       "  links:\n    - {endpoints: [a:p1, b:p1], port: tap}\n",
		   5, 33, "'port' is for a link to a host");
	expect_err(HDR "  nodes: {a: {kind: switch}, h: {kind: host}}\n"
		       "  links:\n    - {endpoints: [h:eth0, a:p1], port: vxlan}\n",
		   5, 41, "bad port type 'vxlan'");
}

/* Switch-to-switch links keep the file's order; host links are still normalised. */
static void test_trunk_links(void **state)
{
	const struct topo_link *l;
	struct topo *t;

	(void)state;
	t = load_ok(HDR SUBNET "  nodes:\n"
			       "    sw1: {kind: switch}\n"
			       "    sw2: {kind: switch}\n"
			       "    h1: {kind: host}\n"
			       "    h2: {kind: host}\n"
			       "  links:\n"
			       "    - endpoints: [h1:eth0, sw1:p1]\n"
			       "    - endpoints: [sw2:p9, sw1:p2]\n"
			       "    - endpoints: [sw2:p1, h2:eth0]\n"
			       "    - endpoints: [sw1:p3, sw2:p3]\n");
	assert_int_equal(t->n_links, 4);
	assert_false(topo_link_is_trunk(&t->links[0]));
	assert_false(topo_link_is_trunk(&t->links[2]));
	assert_false(topo_link_is_trunk(NULL));
	l = &t->links[1];
	assert_true(topo_link_is_trunk(l));
	assert_string_equal(t->nodes[l->ep[0].node].name, "sw2");
	assert_string_equal(l->ep[0].ifname, "p9");
	assert_int_equal(l->ep[0].mark.line, 12);
	assert_int_equal(l->ep[0].mark.col, 19);
	assert_string_equal(t->nodes[l->ep[1].node].name, "sw1");
	assert_string_equal(l->ep[1].ifname, "p2");
	assert_int_equal(l->ep[1].mark.col, 27);
	assert_int_equal(l->params[0].set, 0);
	/* A second trunk between the same switches is a loop, allowed. */
	l = &t->links[3];
	assert_true(topo_link_is_trunk(l));
	assert_string_equal(t->nodes[l->ep[0].node].name, "sw1");
	assert_string_equal(t->nodes[t->links[2].ep[0].node].name, "h2");
	assert_int_equal(node(t, "h1")->ip.addr, addr("10.0.0.1"));
	assert_int_equal(node(t, "h2")->ip.addr, addr("10.0.0.2"));
	topo_free(t);

	/* The fixture: a trunk between two one-host switches. */
	t = load_file_ok("tests/data/topo/trunk.yaml");
	assert_int_equal(t->n_links, 3);
	l = &t->links[1];
	assert_true(topo_link_is_trunk(l));
	assert_string_equal(t->nodes[l->ep[0].node].name, "sw1");
	assert_string_equal(t->nodes[l->ep[1].node].name, "sw2");
	assert_true(l->params[0].delay_ns == 2000000);
	assert_true(l->params[0].rate_bps == 0);
	assert_true(l->params[1].delay_ns == 2000000);
	assert_true(l->params[1].rate_bps == 10000000);
	assert_int_equal(node(t, "h2")->ip.addr, addr("10.3.0.2"));
	topo_free(t);
}

static void test_gateway(void **state)
{
	struct topo *t;
	const struct topo_node *h1, *h2, *h3, *h4;

	(void)state;
	t = load_file_ok("tests/data/topo/gateway.yaml");
	assert_int_equal(t->gateway, addr("192.168.10.1"));
	h1 = node(t, "h1");
	h2 = node(t, "h2");
	h3 = node(t, "h3");
	h4 = node(t, "h4");
	/* .1 is the gateway, .2 is h2's: h1 and h3 get .3 and .4. */
	assert_int_equal(h2->ip.addr, addr("192.168.10.2"));
	assert_int_equal(h2->ip.plen, 24);
	assert_int_equal(h1->ip.addr, addr("192.168.10.3"));
	assert_int_equal(h3->ip.addr, addr("192.168.10.4"));
	assert_int_equal(h1->gateway, addr("192.168.10.1"));
	assert_int_equal(h2->gateway, addr("192.168.10.1"));
	assert_int_equal(h3->gateway, addr("192.168.10.254"));
	assert_memory_equal(h3->mac, "\x02\xaa\xbb\xcc\xdd\x03", 6);
	/* No eth0 link: no address, no gateway, still a MAC. */
	assert_false(h4->has_ip);
	assert_int_equal(h4->gateway, 0);
	assert_int_equal(h4->mac[0], 0x02);
	topo_free(t);
}

static void test_gateway_skipped_and_last(void **state)
{
	struct topo *t;

	(void)state;
	/* A /30 has two usable addresses; the gateway takes one. */
	t = load_ok(HDR "  defaults: {subnet: 10.9.0.0/30, gateway: 10.9.0.1}\n"
			"  nodes:\n"
			"    s: {kind: switch}\n"
			"    a: {kind: host}\n"
			"  links:\n"
			"    - endpoints: [a:eth0, s:p]\n");
	assert_int_equal(node(t, "a")->ip.addr, addr("10.9.0.2"));
	assert_int_equal(node(t, "a")->gateway, addr("10.9.0.1"));
	topo_free(t);
}

/* A gateway may be another host's address: that host is a router (its
 * 'exec' adds its other addresses and turns on forwarding). The defaults'
 * gateway host gets no default route of its own. */
static void test_router_host(void **state)
{
	struct topo *t;

	(void)state;
	t = load_ok(HDR "  defaults: {subnet: 10.0.0.0/24, gateway: 10.0.0.1}\n"
			"  nodes:\n"
			"    s: {kind: switch}\n"
			"    t: {kind: switch}\n"
			"    r: {kind: host, ip: 10.0.0.1/24,\n"
			"        exec: [sysctl -qw net.ipv4.ip_forward=1, 'ip addr add 10.0.1.1/24 dev eth1']}\n"
			"    a: {kind: host}\n"
			"    b: {kind: host, ip: 10.0.1.2/24, gateway: 10.0.1.1}\n"
			"    c: {kind: host, ip: 10.0.0.9/24, gateway: 10.0.0.1, exec: 'echo one'}\n"
			"    x: {kind: host, ip: 10.7.0.2/30, exec: ['ip route add default via 10.7.0.1']}\n"
			"  links:\n"
			"    - endpoints: [x:eth0, t:p3]\n"
			"    - endpoints: [r:eth0, s:p1]\n"
			"    - endpoints: [r:eth1, t:p1]\n"
			"    - endpoints: [a:eth0, s:p2]\n"
			"    - endpoints: [c:eth0, s:p3]\n"
			"    - endpoints: [b:eth0, t:p2]\n");
	assert_int_equal(node(t, "r")->gateway, 0);
	assert_true(node(t, "r")->no_default_route);
	assert_false(node(t, "a")->no_default_route);
	assert_false(node(t, "c")->no_default_route);
	/* off the subnet without a gateway: its exec routes, no default route */
	assert_true(node(t, "x")->no_default_route);
	assert_int_equal(node(t, "x")->gateway, 0);
	assert_int_equal(node(t, "a")->ip.addr, addr("10.0.0.2"));
	assert_int_equal(node(t, "a")->gateway, addr("10.0.0.1"));
	assert_int_equal(node(t, "b")->gateway, addr("10.0.1.1"));
	assert_int_equal(node(t, "r")->n_exec, 2);
	assert_string_equal(node(t, "r")->exec, "sysctl -qw net.ipv4.ip_forward=1");
	assert_string_equal(node(t, "r")->exec + strlen(node(t, "r")->exec) + 1,
			    "ip addr add 10.0.1.1/24 dev eth1");
	assert_int_equal(node(t, "c")->n_exec, 1); /* one string: a list of one */
	assert_string_equal(node(t, "c")->exec, "echo one");
	assert_null(node(t, "a")->exec);
	assert_int_equal(node(t, "a")->n_exec, 0);
	topo_free(t);
	/* gateway: none: no default route at all, whatever the defaults say;
	 * off the subnet it is routed (no typo) */
	t = load_ok(HDR "  defaults: {subnet: 10.0.0.0/24, gateway: 10.0.0.1}\n"
			"  nodes:\n"
			"    s: {kind: switch}\n"
			"    d: {kind: host, gateway: none}\n"
			"    e: {kind: host, ip: 10.8.0.2/24, gateway: none}\n"
			"    f: {kind: host}\n"
			"  links:\n"
			"    - endpoints: [d:eth0, s:p1]\n"
			"    - endpoints: [e:eth0, s:p2]\n"
			"    - endpoints: [f:eth0, s:p3]\n");
	assert_true(node(t, "d")->no_default_route);
	assert_int_equal(node(t, "d")->gateway, 0);
	assert_int_equal(node(t, "d")->ip.addr, addr("10.0.0.2"));
	assert_true(node(t, "e")->no_default_route);
	assert_false(node(t, "f")->no_default_route);
	assert_int_equal(node(t, "f")->gateway, addr("10.0.0.1"));
	topo_free(t);
	t = load_ok(HDR "  nodes:\n"
			"    s: {kind: switch}\n"
			"    d: {kind: host, ip: 10.5.0.2/24, gateway: none}\n"
			"    e: {kind: host, ip: 10.5.0.3/24}\n"
			"  links:\n"
			"    - endpoints: [d:eth0, s:p1]\n"
			"    - endpoints: [e:eth0, s:p2]\n");
	assert_true(node(t, "d")->no_default_route);
	assert_false(node(t, "e")->no_default_route); /* default dev eth0 */
	topo_free(t);
	t = load_file_ok("topo/examples/router.yaml");
	assert_true(node(t, "r1")->no_default_route);
	assert_int_equal(node(t, "r1")->n_exec, 2);
	assert_int_equal(node(t, "a1")->gateway, addr("10.1.0.1"));
	assert_int_equal(node(t, "b2")->gateway, addr("10.2.0.1"));
	topo_free(t);
}

static void ip6(const char *s, uint8_t out[16])
{
	struct topo_ip6 a;

	assert_int_equal(topo_ip6_parse(s, &a, -1), 0);
	memcpy(out, a.addr, 16);
}

/* IPv6: explicit addresses, the next free ones of subnet6 in file order
 * (skipping the explicit ones), the defaults' gateway6 for every host but
 * the one whose address it is, a host's own gateway6. */
static void test_ipv6(void **state)
{
	uint8_t want[16];
	struct topo *t;
	char buf[64];

	(void)state;
	t = load_ok(HDR "  defaults: {subnet6: 'fd00:1::/64', gateway6: 'fd00:1::1'}\n"
			"  nodes:\n"
			"    s: {kind: switch}\n"
			"    r: {kind: host, ip6: 'fd00:1::1'}\n"
			"    a: {kind: host}\n"
			"    b: {kind: host, ip6: 'fd00:1::2/64'}\n"
			"    c: {kind: host, gateway6: 'fe80::1'}\n"
			"    d: {kind: host, ip6: '2001:db8::5/48', gateway6: '2001:db8::1'}\n"
			"    e: {kind: host}\n"
			"  links:\n"
			"    - endpoints: [r:eth0, s:p1]\n"
			"    - endpoints: [a:eth0, s:p2]\n"
			"    - endpoints: [b:eth0, s:p3]\n"
			"    - endpoints: [c:eth0, s:p4]\n"
			"    - endpoints: [d:eth0, s:p5]\n");
	topo_ip6_format(&node(t, "a")->ip6, buf, sizeof(buf));
	assert_string_equal(buf, "fd00:1::3/64"); /* ::1 and ::2 are taken */
	topo_ip6_format(&node(t, "c")->ip6, buf, sizeof(buf));
	assert_string_equal(buf, "fd00:1::4/64");
	topo_ip6_format(&node(t, "r")->ip6, buf, sizeof(buf));
	assert_string_equal(buf, "fd00:1::1/64"); /* the subnet's /len */
	topo_ip6_format(&node(t, "d")->ip6, buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8::5/48");
	assert_false(node(t, "e")->has_ip6); /* no eth0 */
	assert_false(node(t, "r")->has_gw6); /* the gateway itself */
	ip6("fd00:1::1", want);
	assert_true(node(t, "a")->has_gw6);
	assert_memory_equal(node(t, "a")->gw6, want, 16);
	ip6("fe80::1", want);
	assert_memory_equal(node(t, "c")->gw6, want, 16);
	ip6("2001:db8::1", want);
	assert_memory_equal(node(t, "d")->gw6, want, 16); /* its own */
	assert_false(node(t, "a")->has_ip); /* no IPv4 subnet: IPv6 only */
	topo_free(t);

	/* addresses drawn skip the gateways; a router host off subnet6 (its
	 * exec routes) and a host with gateway6: none get no default route */
	t = load_ok(HDR "  defaults: {subnet6: 'fd00:9::/64', gateway6: 'fd00:9::1'}\n"
			"  nodes:\n"
			"    s: {kind: switch}\n"
			"    a: {kind: host}\n"
			"    b: {kind: host, gateway6: 'fd00:9::3'}\n"
			"    c: {kind: host}\n"
			"    r: {kind: host, ip6: 'fd00:7::1/64', exec: [ip -6 route]}\n"
			"    n: {kind: host, gateway6: none}\n"
			"  links:\n"
			"    - endpoints: [a:eth0, s:p1]\n"
			"    - endpoints: [b:eth0, s:p2]\n"
			"    - endpoints: [c:eth0, s:p3]\n"
			"    - endpoints: [r:eth0, s:p4]\n"
			"    - endpoints: [n:eth0, s:p5]\n");
	topo_ip6_format(&node(t, "a")->ip6, buf, sizeof(buf));
	assert_string_equal(buf, "fd00:9::2/64"); /* not the gateway's ::1 */
	topo_ip6_format(&node(t, "b")->ip6, buf, sizeof(buf));
	assert_string_equal(buf, "fd00:9::4/64"); /* not its own gateway's ::3 */
	topo_ip6_format(&node(t, "c")->ip6, buf, sizeof(buf));
	assert_string_equal(buf, "fd00:9::5/64");
	assert_true(node(t, "a")->has_gw6);
	assert_false(node(t, "r")->has_gw6);
	assert_true(node(t, "n")->has_ip6);
	assert_false(node(t, "n")->has_gw6);
	topo_free(t);

	expect_err(HDR "  defaults: {ipv6: off}\n  nodes:\n    s: {kind: switch}\n"
		       "    h: {kind: host, ip6: 'fd00::1/64'}\n"
		       "  links:\n    - endpoints: [h:eth0, s:p1]\n",
		   6, 26, "ipv6: off");
	expect_err(HDR "  nodes:\n    s: {kind: switch}\n    h: {kind: host, ip6: 'fd00::zz/64'}\n",
		   5, 26, "bad IPv6 address 'fd00::zz/64'");
	expect_err(HDR "  nodes:\n    s: {kind: switch}\n    h: {kind: host, ip6: 'fd00::1'}\n"
		       "  links:\n    - endpoints: [h:eth0, s:p1]\n",
		   5, 26, "needs a /len");
	expect_err(HDR "  nodes:\n    s: {kind: switch}\n"
		       "    h: {kind: host, ip6: 'fd00::1/64'}\n"
		       "    g: {kind: host, ip6: 'fd00::1/64'}\n"
		       "  links:\n    - endpoints: [h:eth0, s:p1]\n    - endpoints: [g:eth0, s:p2]\n",
		   6, 26, "is already h's");
	expect_err(HDR "  defaults: {subnet6: 'fd00::1/64'}\n  nodes:\n    s: {kind: switch}\n",
		   3, 23, "host bits must be 0");
	expect_err(HDR "  defaults: {subnet6: 'fd00::/64', gateway6: 'fd01::1'}\n"
		       "  nodes:\n    s: {kind: switch}\n",
		   3, 23, "outside subnet6");
	/* a generated fabric with a subnet6 alone is IPv6 only, as a lab of
	 * listed nodes is (no Mininet 10.0.0.0/8 then) */
	t = load_ok(HDR "  defaults: {subnet6: 'fd00:5::/64'}\n"
			"  generate: {type: linear, switches: 2}\n");
	assert_true(node(t, "h1")->has_ip6);
	assert_false(node(t, "h1")->has_ip);
	topo_free(t);

	/* what IPv4 refuses, IPv6 refuses too, at the value */
	static const struct {
		const char *defaults, *host, *what;
		unsigned col;
	} bad[] = {
	    {"{subnet6: 'fd00::/64'}", "ip6: 'fd01::5/64'", "outside subnet6 fd00::/64", 26},
	    {"{subnet6: 'fd00::/64'}", "ip6: 'fd00::5/80'", "outside subnet6", 26},
	    {"{subnet6: 'fd00::/64'}", "ip6: 'fd00::/64'", "subnet-router anycast address", 26},
	    {"{subnet6: 'fd00::/64'}", "ip6: 'ff02::5/64', gateway6: none", "is multicast", 26},
	    {"{subnet6: 'fd00::/64'}", "ip6: '::1/128', gateway6: none", "the loopback address", 26},
	    {"{subnet6: 'fd00::/64'}", "ip6: '::/64', gateway6: none", "the unspecified address", 26},
	    {"{subnet6: '::ffff:0:0/96'}", "ip6: 'fd00::5/64'", "IPv4-mapped", 0},
	    {"{subnet6: 'fd00::/64'}", "ip6: 'fd00::5', gateway6: 'fd00::5'", "its own address", 47},
	    {"{subnet6: 'fd00::/64'}", "ip6: 'fd00::5', gateway6: 'fd01::1'", "outside its network", 47},
	    {"{subnet6: 'fd00::/64'}", "gateway6: 'fd01::1'", "outside subnet6 fd00::/64", 31},
	    {"{subnet: 10.0.0.0/24}", "gateway6: 'fd01::1'", "has a gateway6 but no IPv6 address", 31},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char yaml[512];

		snprintf(yaml, sizeof(yaml),
			 HDR "  defaults: %s\n  nodes:\n    s: {kind: switch}\n    h: {kind: host, %s}\n"
			     "  links:\n    - endpoints: [h:eth0, s:p1]\n",
			 bad[i].defaults, bad[i].host);
		if (bad[i].col == 0)
			expect_err(yaml, 3, 23, bad[i].what);
		else
			expect_err(yaml, 6, bad[i].col, bad[i].what);
	}
}

static void test_err_exec(void **state)
{
	static const char fmt[] = HDR SUBNET "  nodes:\n"
					     "    sw1: {kind: switch%s}\n"
					     "    h1: {kind: host%s}\n"
					     "    v1: {kind: vhost%s}\n"
					     "  links:\n"
					     "    - endpoints: [h1:eth0, sw1:p1]\n"
					     "    - endpoints: [v1:eth0, sw1:p2]\n";
	char buf[1024], many[TOPO_EXEC_MAX * 4 + 64], *longcmd;
	size_t o;

	(void)state;
	snprintf(buf, sizeof(buf), fmt, ", exec: [ls]", "", "");
	expect_err(buf, 6, 25, "key 'exec' is not valid for switch 'sw1' (hosts only)");
	snprintf(buf, sizeof(buf), fmt, "", "", ", exec: [ls]");
	expect_err(buf, 8, 23, "key 'exec' is not valid for vhost node 'v1'");
	snprintf(buf, sizeof(buf), fmt, "", ", exec: [ls, [a]]", "");
	expect_err(buf, 7, 33, "expected a command (a non-empty string) in 'exec' of node 'h1'");
	snprintf(buf, sizeof(buf), fmt, "", ", exec: [ls, '']", "");
	expect_err(buf, 7, 33, "expected a command (a non-empty string)");
	snprintf(buf, sizeof(buf), fmt, "", ", exec: {a: b}", "");
	expect_err(buf, 7, 28, "expected a list of commands for 'exec' in node 'h1'");
	o = (size_t)snprintf(many, sizeof(many), ", exec: [");
	for (int i = 0; i <= TOPO_EXEC_MAX; i++)
		o += (size_t)snprintf(many + o, sizeof(many) - o, "%sx", i ? "," : "");
	snprintf(many + o, sizeof(many) - o, "]");
	snprintf(buf, sizeof(buf), fmt, "", many, "");
	expect_err(buf, 7, 28, "too many commands in 'exec' of node 'h1'");
	longcmd = malloc(TOPO_EXEC_LEN_MAX + 600);
	assert_non_null(longcmd);
	o = (size_t)snprintf(longcmd, 64, ", exec: [");
	memset(longcmd + o, 'x', TOPO_EXEC_LEN_MAX);
	snprintf(longcmd + o + TOPO_EXEC_LEN_MAX, 8, "]");
	{
		size_t n = strlen(fmt) + strlen(longcmd) + 1;
		char *big = malloc(n);

		assert_non_null(big);
		snprintf(big, n, fmt, "", longcmd, "");
		expect_err(big, 7, 29, "longer than 4095 bytes");
		free(big);
	}
	free(longcmd);
}

/* A link between two hosts is a wire: two host links to a 2-port switch of
 * its own, the parameters all on the first host's link (forward there is
 * host -> switch), port types per host unless the link names one. */
static void test_wires(void **state)
{
	const struct topo_node *w, *w2;
	const struct topo_link *a, *z;
	struct topo *t;
	int wi;

	(void)state;
	t = load_ok(HDR "  defaults: {subnet: 10.0.0.0/24, params: {loss: 1%}}\n"
			"  nodes:\n"
			"    s: {kind: switch}\n"
			"    r1: {kind: host}\n"
			"    r2: {kind: host, port: tap}\n"
			"    a-very-long-router-name-here: {kind: host}\n"
			"  links:\n"
			"    - endpoints: [r1:eth0, s:p1]\n"
			"    - endpoints: [r1:eth1, r2:eth1]\n"
			"      params: {forward: {delay: 5ms}, reverse: {delay: 7ms}}\n"
			"    - endpoints: [r2:eth0, s:p2]\n"
			"    - {endpoints: [a-very-long-router-name-here:eth3, r2:eth2], port: afxdp}\n");
	assert_int_equal(t->n_wires, 2);
	assert_int_equal(t->n_nodes, 6);
	assert_int_equal(t->n_links, 6);
	wi = topo_node_find(t, "~r1.eth1");
	assert_true(wi >= 0);
	w = &t->nodes[wi];
	assert_int_equal(w->kind, TOPO_KIND_SWITCH);
	assert_true(w->wire);
	/* the file's link, in place: r1's end, to the wire's port "r1" */
	a = &t->links[1];
	assert_string_equal(t->nodes[a->ep[0].node].name, "r1");
	assert_string_equal(a->ep[0].ifname, "eth1");
	assert_int_equal(a->ep[1].node, (unsigned)wi);
	assert_string_equal(a->ep[1].ifname, "r1");
	assert_false(topo_link_is_trunk(a));
	assert_int_equal(a->port_type, TOPO_PORT_AFPACKET); /* r1's */
	/* forward r1 -> r2 is on TO_SWITCH, reverse on TO_HOST; defaults once */
	assert_int_equal(a->params[TOPO_DIR_TO_SWITCH].delay_ns, 5000000);
	assert_int_equal(a->params[TOPO_DIR_TO_HOST].delay_ns, 7000000);
	assert_true(a->params[TOPO_DIR_TO_SWITCH].loss > 0);
	assert_true(a->params[TOPO_DIR_TO_HOST].loss > 0);
	/* the second host's link, appended: no parameters at all */
	z = &t->links[4];
	assert_string_equal(t->nodes[z->ep[0].node].name, "r2");
	assert_string_equal(z->ep[0].ifname, "eth1");
	assert_int_equal(z->ep[1].node, (unsigned)wi);
	assert_string_equal(z->ep[1].ifname, "r2");
	assert_int_equal(z->port_type, TOPO_PORT_TAP); /* r2's */
	assert_int_equal(z->params[0].set, 0);
	assert_int_equal(z->params[1].set, 0);
	/* a name too long for the wire: ~wireN, ports p1/p2, the link's port */
	wi = topo_node_find(t, "~wire4");
	assert_true(wi >= 0);
	w2 = &t->nodes[wi];
	assert_true(w2->wire);
	assert_string_equal(t->links[3].ep[1].ifname, "p1");
	assert_string_equal(t->links[5].ep[1].ifname, "p2");
	assert_int_equal(t->links[3].port_type, TOPO_PORT_AFXDP);
	assert_int_equal(t->links[5].port_type, TOPO_PORT_AFXDP);
	/* the ordinary links are untouched */
	assert_int_equal(t->links[0].ep[1].node, (unsigned)topo_node_find(t, "s"));
	assert_int_equal(t->links[2].ep[1].node, (unsigned)topo_node_find(t, "s"));
	topo_free(t);
	/* a wire written down is down at both hosts */
	t = load_ok(HDR "  nodes:\n"
			"    r1: {kind: host}\n"
			"    r2: {kind: host}\n"
			"  links:\n"
			"    - {endpoints: [r1:eth1, r2:eth1], params: {state: down}}\n");
	assert_int_equal(t->n_wires, 1);
	assert_true(t->links[0].params[TOPO_DIR_TO_SWITCH].down);
	assert_true(t->links[0].params[TOPO_DIR_TO_HOST].down);
	assert_true(t->links[1].params[TOPO_DIR_TO_SWITCH].down);
	assert_true(t->links[1].params[TOPO_DIR_TO_HOST].down);
	topo_free(t);
}

static void test_tap(void **state)
{
	struct topo *t;

	(void)state;
	t = load_file_ok("tests/data/topo/tap.yaml");
	assert_int_equal(t->port_type, TOPO_PORT_TAP);
	assert_false(t->has_subnet);
	assert_int_equal(node(t, "h1")->port_type, TOPO_PORT_TAP);
	assert_int_equal(node(t, "h2")->port_type, TOPO_PORT_AFPACKET);
	assert_int_equal(node(t, "h1")->ip.plen, 16);
	assert_int_equal(node(t, "h1")->gateway, 0);
	topo_free(t);

	t = load_ok(HDR "  nodes:\n"
			"    s: {kind: switch}\n"
			"    a: {kind: host, port: tap}\n"
			"    b: {kind: host}\n");
	assert_int_equal(t->port_type, TOPO_PORT_AFPACKET);
	assert_int_equal(node(t, "a")->port_type, TOPO_PORT_TAP);
	assert_int_equal(node(t, "b")->port_type, TOPO_PORT_AFPACKET);
	assert_int_equal(t->n_links, 0);
	assert_false(node(t, "a")->has_ip);
	topo_free(t);
}

static void test_ip_without_len(void **state)
{
	struct topo *t;

	(void)state;
	t = load_ok(HDR SUBNET "  nodes:\n"
			       "    s: {kind: switch}\n"
			       "    a: {kind: host, ip: 10.0.0.1}\n"
			       "    b: {kind: host}\n"
			       "  links:\n"
			       "    - endpoints: [a:eth0, s:p1]\n"
			       "    - endpoints: [b:eth0, s:p2]\n");
	assert_int_equal(node(t, "a")->ip.plen, 24);
	assert_int_equal(node(t, "b")->ip.addr, addr("10.0.0.2"));
	topo_free(t);
}

static void test_no_subnet(void **state)
{
	struct topo *t;

	(void)state;
	t = load_ok(HDR "  nodes:\n"
			"    s: {kind: switch}\n"
			"    a: {kind: host, ip: 192.0.2.9/28, gateway: 192.0.2.1}\n"
			"    b: {kind: host}\n"
			"  links:\n"
			"    - endpoints: [a:eth0, s:p1]\n"
			"    - endpoints: [b:eth0, s:p2]\n");
	assert_false(t->has_subnet);
	assert_true(node(t, "a")->has_ip);
	assert_int_equal(node(t, "a")->ip.plen, 28);
	assert_int_equal(node(t, "a")->gateway, addr("192.0.2.1"));
	assert_false(node(t, "b")->has_ip);
	assert_int_equal(node(t, "b")->gateway, 0);
	topo_free(t);
}

static void test_isolated_and_aliases(void **state)
{
	struct topo *t;

	(void)state;
	t = load_ok(HDR "  nodes:\n"
			"    s: &sw {kind: switch}\n"
			"    a: &h {kind: host}\n"
			"    b: *h\n"
			"    s2: *sw\n"
			"  links:\n");
	assert_int_equal(t->n_nodes, 4);
	assert_int_equal(node(t, "b")->kind, TOPO_KIND_HOST);
	assert_int_equal(node(t, "s2")->kind, TOPO_KIND_SWITCH);
	assert_false(node(t, "a")->has_ip);
	assert_memory_not_equal(node(t, "a")->mac, node(t, "b")->mac, 6);
	topo_free(t);
}

/* A derived MAC that an explicit one already holds is rehashed. */
static void test_mac_collision(void **state)
{
	static const char fmt[] = HDR "  nodes:\n"
				      "    s: {kind: switch}\n"
				      "    a: {kind: host}\n"
				      "    b: {kind: host, mac: \"%s\"}\n";
	char yaml[512], mac[18];
	uint8_t derived[6];
	struct topo *t;
	const uint8_t *m;

	(void)state;
	snprintf(yaml, sizeof(yaml), fmt, "02:00:00:00:00:01");
	t = load_ok(yaml);
	memcpy(derived, node(t, "a")->mac, 6);
	topo_free(t);

	m = derived;
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
		 m[5]);
	snprintf(yaml, sizeof(yaml), fmt, mac);
	t = load_ok(yaml);
	assert_memory_equal(node(t, "b")->mac, derived, 6);
	assert_memory_not_equal(node(t, "a")->mac, derived, 6);
	assert_int_equal(node(t, "a")->mac[0], 0x02);
	topo_free(t);
}

/* ---- error classes ---------------------------------------------------- */

static void test_err_yaml_syntax(void **state)
{
	(void)state;
	expect_err("name: lab\ntopology:\n  nodes: {a: b\n", 4, 1, "yaml: ");
	expect_err("name: lab\n  bad: indent\n", 2, 6, "yaml: mapping values are not allowed");
	expect_err("name: *nope\n", 1, 7, "yaml: found undefined alias");
	expect_err("name: \"\\xff\xff\"\n", 1, 12, "yaml: invalid leading UTF-8 octet");
	expect_err("name: lab\n---\nname: other\n", 2, 1, "only one YAML document");
	expect_err("name: lab\n---\nname: [\n", 4, 1, "yaml: ");
}

static void test_err_empty_and_scalar(void **state)
{
	(void)state;
	expect_err("", 1, 1, "empty file");
	expect_err("# only a comment\n", 1, 1, "empty file");
	expect_err("---\n", 1, 1, "empty file");
	expect_err("just a scalar\n", 1, 1, "expected a mapping at top level");
	expect_err("- a\n- b\n", 1, 1, "expected a mapping at top level");
	expect_err("topology:\n  nodes: {a: {kind: host}}\n", 1, 1, "missing 'name'");
	expect_err("name: lab\n", 1, 1, "missing 'topology'");
	expect_err(HDR "  links: []\n", 3, 3, "missing 'nodes' in topology");
	expect_err(HDR "  nodes: {}\n", 3, 10, "topology has no nodes");
	expect_err(HDR "  nodes:\n", 3, 3, "topology has no nodes");
	expect_err("name: lab\ntopology:\n", 2, 1, "expected a mapping for 'topology'");
}

static void test_err_wrong_type(void **state)
{
	(void)state;
	expect_err(HDR "  nodes:\n    - a\n", 4, 5, "expected a mapping for 'nodes'");
	expect_err(HDR "  nodes:\n    h1:\n    h2: {kind: host}\n", 4, 5,
		   "expected a mapping for node 'h1'");
	expect_err(HDR "  nodes: {h1: [kind, host]}\n", 3, 15, "expected a mapping for node 'h1'");
	expect_err(HDR "  defaults: [a]\n  nodes: {h1: {kind: host}}\n", 3, 13,
		   "expected a mapping for 'defaults'");
	expect_err(HDR "  nodes: {h1: {kind: host}}\n  links: {a: b}\n", 4, 10,
		   "expected a sequence for 'links'");
	expect_err(HDR "  nodes: {h1: {kind: host}}\n  links: [x]\n", 4, 11,
		   "expected a mapping for link");
	expect_err("name: [a]\ntopology: {nodes: {h1: {kind: host}}}\n", 1, 7,
		   "expected a scalar for 'name'");
	expect_err(HDR "  nodes: {h1: {kind: [host]}}\n", 3, 22, "expected a scalar for 'kind'");
	expect_err(HDR "  nodes: {h1: {kind: host, ip: {a: b}}}\n", 3, 32,
		   "expected a scalar for 'ip' in node 'h1'");
}

static void test_err_endpoints(void **state)
{
	static const char nodes[] = HDR "  nodes:\n"
					"    sw1: {kind: switch}\n"
					"    sw2: {kind: switch}\n"
					"    h1: {kind: host}\n"
					"    h2: {kind: host}\n"
					"  links:\n";
	char buf[1024];

	(void)state;
	expect_err(HDR "  nodes: {s: {kind: switch}}\n  links:\n    - endpoints: [s:p1]\n", 5, 18,
		   "expected a sequence of two endpoints");
	expect_err(HDR "  nodes: {s: {kind: switch}}\n  links:\n    - endpoints: s:p1\n", 5, 18,
		   "expected a sequence of two endpoints");
	expect_err(HDR "  nodes: {s: {kind: switch}}\n  links:\n    - endpoints: [a, b, c]\n", 5,
		   18, "expected a sequence of two endpoints");
	expect_err(HDR "  nodes: {s: {kind: switch}}\n  links:\n    - {}\n", 5, 7,
		   "link has no endpoints");
	expect_err(HDR "  nodes: {s: {kind: switch}}\n  links:\n    - endpoints: [[a], s:p]\n", 5,
		   19, "expected a scalar endpoint");
	snprintf(buf, sizeof(buf), "%s    - endpoints: [h1eth0, sw1:p1]\n", nodes);
	expect_err(buf, 9, 19, "bad endpoint 'h1eth0': expected node:ifname");
	snprintf(buf, sizeof(buf), "%s    - endpoints: [h1:eth:0, sw1:p1]\n", nodes);
	expect_err(buf, 9, 19, "bad endpoint 'h1:eth:0'");
	snprintf(buf, sizeof(buf), "%s    - endpoints: [h1:eth0, \"sw1:\"]\n", nodes);
	expect_err(buf, 9, 28, "bad interface name '' in endpoint 'sw1:'");
	snprintf(buf, sizeof(buf), "%s    - endpoints: [h1:eth0, \"sw1:a b\"]\n", nodes);
	expect_err(buf, 9, 28, "bad interface name 'a b'");
	snprintf(buf, sizeof(buf), "%s    - endpoints: [h1:eth0, sw1:abcdefghijklmnop]\n", nodes);
	expect_err(buf, 9, 28, "bad interface name 'abcdefghijklmnop'");
	snprintf(buf, sizeof(buf), "%s    - endpoints: [h1:eth0, sw1:..]\n", nodes);
	expect_err(buf, 9, 28, "bad interface name '..'");
	snprintf(buf, sizeof(buf), "%s    - endpoints: [h9:eth0, sw1:p1]\n", nodes);
	expect_err(buf, 9, 19, "link to unknown node 'h9'");
	/* names a host's namespace has, or the kernel keeps (a switch port may
	 * be called so: its veth end is SWITCH-PORT) */
	snprintf(buf, sizeof(buf), "%s    - endpoints: [h1:lo, sw1:lo]\n", nodes);
	expect_err(buf, 9, 19, "interface name 'lo' of host h1: every namespace has its loopback");
	snprintf(buf, sizeof(buf), "%s    - endpoints: [sw1:p1, h1:all]\n", nodes);
	expect_err(buf, 9, 27, "interface name 'all' of host h1: the kernel keeps");
	snprintf(buf, sizeof(buf), "%s    - endpoints: [h1:default, sw1:p1]\n", nodes);
	expect_err(buf, 9, 19, "interface name 'default' of host h1");
	snprintf(buf, sizeof(buf),
		 "%s    - endpoints: [h1:eth0, sw1:p1]\n"
		 "    - endpoints: [h2:eth0, sw1:p1]\n",
		 nodes);
	expect_err(buf, 10, 28, "port sw1:p1 is already used (at 9:28)");
	snprintf(buf, sizeof(buf),
		 "%s    - endpoints: [h1:eth0, sw1:p1]\n"
		 "    - endpoints: [sw2:p1, h1:eth0]\n",
		 nodes);
	expect_err(buf, 10, 27, "port h1:eth0 is already used (at 9:19)");
	/* Two hosts make a wire (test_wires); one host alone does not. */
	snprintf(buf, sizeof(buf), "%s    - endpoints: [h1:eth0, h1:eth1]\n", nodes);
	expect_err(buf, 9, 7, "a link cannot join host h1 to itself");
	snprintf(buf, sizeof(buf), "%s    - endpoints: [h1:eth1, h2:lo]\n", nodes);
	expect_err(buf, 9, 28, "interface name 'lo' of host h2");
	/* Two switches make a trunk (test_trunk_links); one switch alone does not. */
	snprintf(buf, sizeof(buf), "%s    - endpoints: [sw1:p1, sw1:p2]\n", nodes);
	expect_err(buf, 9, 7, "a link cannot join switch sw1 to itself");
	snprintf(buf, sizeof(buf),
		 "%s    - endpoints: [h1:eth0, sw1:p1]\n"
		 "    - endpoints: [sw2:p1, sw1:p1]\n",
		 nodes);
	expect_err(buf, 10, 27, "port sw1:p1 is already used (at 9:28)");
	snprintf(buf, sizeof(buf),
		 "%s    - endpoints: [sw1:p1, sw2:p1]\n"
		 "    - endpoints: [h2:eth0, sw2:p1]\n",
		 nodes);
	expect_err(buf, 10, 28, "port sw2:p1 is already used (at 9:27)");
}

static void test_err_duplicates(void **state)
{
	(void)state;
	expect_err("name: lab\n"
		   "topology:\n"
		   "  nodes:\n"
		   "    sw1: {kind: switch}\n"
		   "    h1: {kind: host}\n"
		   "    h1: {kind: host}\n",
		   6, 5, "duplicate node 'h1' (first defined at 5:5)");
	expect_err("name: lab\nname: lab2\ntopology: {nodes: {a: {kind: host}}}\n", 2, 1,
		   "duplicate key 'name' in top level (first defined at 1:1)");
	expect_err(HDR "  nodes: {a: {kind: host, kind: host}}\n", 3, 27, "duplicate key 'kind'");
	expect_err(HDR "  nodes: {a: {kind: host}}\n  nodes: {b: {kind: host}}\n", 4, 3,
		   "duplicate key 'nodes' in topology");
	expect_err(HDR "  nodes: {s: {kind: switch}}\n  links:\n"
		       "    - {endpoints: [a:b, c:d], endpoints: [e:f, g:h]}\n",
		   5, 31, "duplicate key 'endpoints' in link");
}

static void test_err_dup_node_fixture(void **state)
{
	struct topo_diags d;
	struct topo *t = NULL;
	char path[PATH_MAX];

	(void)state;
	assert_non_null(source_path("tests/data/topo/bad-duplicate-node.yaml", path, sizeof(path)));
	assert_int_equal(topo_load_file(path, &t, &d), -EINVAL);
	assert_null(t);
	check_diag(&d, 6, 5, "duplicate node 'h1'");
}

static void test_err_unknown_keys(void **state)
{
	(void)state;
	expect_err("name: lab\nversion: 2\ntopology: {nodes: {a: {kind: host}}}\n", 2, 1,
		   "unknown key 'version' in top level");
	expect_err(HDR "  kinds: {}\n  nodes: {a: {kind: host}}\n", 3, 3,
		   "unknown key 'kinds' in topology");
	expect_err(HDR "  defaults: {mtu: 9000}\n  nodes: {a: {kind: host}}\n", 3, 14,
		   "unknown key 'mtu' in defaults");
	expect_err(HDR "  nodes:\n    h1: {kind: host, image: alpine}\n", 4, 22,
		   "unknown key 'image' in node 'h1'");
	expect_err(HDR "  nodes: {s: {kind: switch}}\n  links:\n    - {endpoints: [], mtu: 1}\n", 5,
		   23, "unknown key 'mtu' in link");
	expect_err(HDR "  nodes: {a: {kind: host, [x]: 1}}\n", 3, 27, "expected a scalar key");
}

static void test_err_kinds(void **state)
{
	(void)state;
	expect_err(HDR "  nodes:\n    a: {ip: 10.0.0.1/24}\n", 4, 5, "node 'a' has no kind");
	expect_err(HDR "  nodes:\n    a: {kind: router}\n", 4, 15,
		   "bad kind 'router' for node 'a': expected host, switch, vhost or ethdev");
	expect_err(HDR "  nodes:\n    s: {kind: switch, ip: 10.0.0.1/24}\n", 4, 23,
		   "key 'ip' is not valid for switch 's'");
	expect_err(HDR "  nodes:\n    s: {mac: \"02:00:00:00:00:01\", kind: switch}\n", 4, 9,
		   "key 'mac' is not valid for switch 's'");
	expect_err(HDR "  nodes:\n    s: {kind: switch, port: tap}\n", 4, 23, "key 'port'");
	expect_err(HDR "  nodes:\n    s: {kind: switch, gateway: 10.0.0.1}\n", 4, 23,
		   "key 'gateway'");
	expect_err(HDR "  nodes:\n    a: {kind: host, port: vhost}\n", 4, 27,
		   "vhost ports are for kind: vhost nodes ('a' is a host: afpacket, afxdp or tap)");
	expect_err(HDR "  defaults: {port: pcap}\n  nodes: {a: {kind: host}}\n", 3, 20,
		   "bad port type 'pcap'");
}

static void test_err_names(void **state)
{
	(void)state;
	expect_err("name: my lab\ntopology: {nodes: {a: {kind: host}}}\n", 1, 7,
		   "bad lab name 'my lab'");
	expect_err("name: -lab\ntopology: {nodes: {a: {kind: host}}}\n", 1, 7,
		   "bad lab name '-lab'");
	expect_err("name: \"\"\ntopology: {nodes: {a: {kind: host}}}\n", 1, 7, "bad lab name ''");
	expect_err(HDR "  nodes:\n    h 1: {kind: host}\n", 4, 5,
		   "bad node name 'h 1': use letters, digits, '_' and '-' (at most 31 chars)");
	expect_err(HDR "  nodes:\n    abcdefghijabcdefghijabcdefghijab: {kind: host}\n", 4, 5,
		   "bad node name 'abcdefghijabcdefghijabcdefghijab'");
	expect_err(HDR "  nodes:\n    \"a\\0b\": {kind: host}\n", 4, 5, "bad node name 'a?b'");
	/* Errors inside a badly named node are still reported. */
	expect_err(HDR "  nodes:\n    h.1: {kind: hots}\n", 4, 17,
		   "bad kind 'hots' for node 'h.1'");
}

static void test_err_addresses(void **state)
{
	static const char *const bad[] = {
	    "10.0.0.300/24", "10.0.0.1/33",	 "10.0.0/24",	 "10.0.0.1.1/24", "+10.0.0.1/24",
	    "10.0.0.1/24x",  "010.0.0.1/24",	 "10.0.0.1/",	 "10.0.0.1/024",  "a.b.c.d/8",
	    "10..0.1/24",    "\" 10.0.0.1/24\"", "10.0.0.1 /24", "1000.0.0.1/24", "",
	};
	char buf[512];
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf),
			 HDR "  nodes:\n    s: {kind: switch}\n    h: {kind: host, ip: %s}\n",
			 bad[i]);
		expect_err(buf, 5, bad[i][0] ? 25 : 21, "expected a.b.c.d/len");
	}
	expect_err(HDR "  defaults: {subnet: 10.0.0.300/24}\n  nodes: {a: {kind: host}}\n", 3, 22,
		   "bad address '10.0.0.300/24': expected a.b.c.d/len");
	expect_err(HDR "  defaults: {subnet: 10.0.0.5/24}\n  nodes: {a: {kind: host}}\n", 3, 22,
		   "subnet 10.0.0.5/24 has host bits set");
	expect_err(HDR "  defaults: {subnet: 10.0.0.0}\n  nodes: {a: {kind: host}}\n", 3, 22,
		   "bad address '10.0.0.0'");
	expect_err(HDR "  defaults: {gateway: 10.0.0.256}\n  nodes: {a: {kind: host}}\n", 3, 23,
		   "bad address '10.0.0.256': expected a.b.c.d");
}

static const char addr_nodes[] = HDR SUBNET "  nodes:\n"
					    "    sw1: {kind: switch}\n"
					    "    h1: {kind: host, ip: %s}\n"
					    "    h2: {kind: host, ip: %s}\n"
					    "  links:\n"
					    "    - endpoints: [h1:eth0, sw1:p1]\n"
					    "    - endpoints: [h2:eth0, sw1:p2]\n";

static void expect_addr_err(const char *ip1, const char *ip2, unsigned line, unsigned col,
			    const char *msg)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), addr_nodes, ip1, ip2);
	expect_err(buf, line, col, msg);
}

static void test_err_subnet_rules(void **state)
{
	(void)state;
	expect_addr_err("10.0.0.2/24", "10.1.0.5/24", 8, 26,
			"address 10.1.0.5/24 of h2 is outside subnet 10.0.0.0/24");
	expect_addr_err("10.0.0.2/24", "10.0.0.5/16", 8, 26,
			"address 10.0.0.5/16 of h2 is outside subnet 10.0.0.0/24");
	expect_addr_err("10.0.0.0/24", "10.0.0.5", 7, 26,
			"address 10.0.0.0/24 of h1 is the network address of 10.0.0.0/24");
	expect_addr_err("10.0.0.2", "10.0.0.255", 8, 26,
			"address 10.0.0.255/24 of h2 is the broadcast address");
	expect_addr_err("10.0.0.20/24", "10.0.0.20/24", 8, 26,
			"address 10.0.0.20 is already used by h1");
}

static void test_err_addresses_no_subnet(void **state)
{
	static const char fmt[] = HDR "%s  nodes:\n"
				      "    sw1: {kind: switch}\n"
				      "    h1: {kind: host, %s}\n"
				      "    h2: {kind: host, ip: 192.0.2.2/24}\n"
				      "  links:\n"
				      "    - endpoints: [h1:eth0, sw1:p1]\n"
				      "    - endpoints: [h2:eth0, sw1:p2]\n";
	char buf[1024];

	(void)state;
	snprintf(buf, sizeof(buf), fmt, "", "ip: 192.0.2.1");
	expect_err(buf, 5, 26, "address 192.0.2.1 of h1 needs a /len");
	snprintf(buf, sizeof(buf), fmt, "", "ip: 192.0.2.2/25");
	expect_err(buf, 6, 26, "address 192.0.2.2 is already used by h1");
	snprintf(buf, sizeof(buf), fmt, "", "ip: 192.0.2.1/24, gateway: 192.0.2.1");
	expect_err(buf, 5, 49, "gateway 192.0.2.1 of h1 is its own address");
	snprintf(buf, sizeof(buf), fmt, "", "ip: 192.0.2.1/24, gateway: 192.0.3.1");
	expect_err(buf, 5, 49, "gateway 192.0.3.1 of h1 is outside its network 192.0.2.0/24");
	snprintf(buf, sizeof(buf), fmt, "", "ip: 192.0.2.1/24, gateway: 192.0.2.255");
	expect_err(buf, 5, 49, "is not a usable address in its network 192.0.2.0/24");
	snprintf(buf, sizeof(buf), fmt, "", "gateway: 192.0.2.9");
	expect_err(buf, 5, 31, "host h1 has a gateway but no address");
	snprintf(buf, sizeof(buf), fmt, "  defaults: {gateway: 192.0.2.2}\n", "ip: 192.0.2.1/24");
	expect_err(buf, 3, 23, "a gateway in defaults needs a subnet");
}

static void test_err_gateways(void **state)
{
	static const char fmt[] = HDR "  defaults: {subnet: 10.0.0.0/24, gateway: %s}\n"
				      "  nodes:\n"
				      "    sw1: {kind: switch}\n"
				      "    h1: {kind: host, ip: 10.0.0.1/24}\n"
				      "    h2: {kind: host}\n"
				      "  links:\n"
				      "    - endpoints: [h1:eth0, sw1:p1]\n"
				      "    - endpoints: [h2:eth0, sw1:p2]\n";
	char buf[1024];

	(void)state;
	snprintf(buf, sizeof(buf), fmt, "10.0.1.1");
	expect_err(buf, 3, 44, "gateway 10.0.1.1 is outside subnet 10.0.0.0/24");
	snprintf(buf, sizeof(buf), fmt, "10.0.0.0");
	expect_err(buf, 3, 44, "gateway 10.0.0.0 is not a usable address");
	snprintf(buf, sizeof(buf), fmt, "0.0.0.0");
	expect_err(buf, 3, 44, "bad address '0.0.0.0'");
}

static void test_err_no_eth0(void **state)
{
	(void)state;
	expect_err(HDR SUBNET "  nodes:\n"
			      "    sw1: {kind: switch}\n"
			      "    h3: {kind: host, ip: 10.0.0.3/24}\n"
			      "  links:\n"
			      "    - endpoints: [h3:eth1, sw1:p1]\n",
		   7, 26, "host h3 has an ip but no eth0 link");
	expect_err(HDR SUBNET "  nodes:\n"
			      "    sw1: {kind: switch}\n"
			      "    h3: {kind: host, gateway: 10.0.0.9}\n",
		   7, 31, "host h3 has a gateway but no eth0 link");
}

static void test_err_macs(void **state)
{
	static const char fmt[] = HDR "  nodes:\n"
				      "    a: {kind: host, mac: \"02:00:00:00:00:01\"}\n"
				      "    b: {kind: host, mac: %s}\n";
	char buf[512];

	(void)state;
	snprintf(buf, sizeof(buf), fmt, "\"02:00:00:00:00:01\"");
	expect_err(buf, 5, 26, "MAC 02:00:00:00:00:01 is already used by a");
	snprintf(buf, sizeof(buf), fmt, "\"02:00:00:00:00:0\"");
	expect_err(buf, 5, 26, "bad MAC '02:00:00:00:00:0': expected xx:xx:xx:xx:xx:xx");
	snprintf(buf, sizeof(buf), fmt, "02-00-00-00-00-02");
	expect_err(buf, 5, 26, "bad MAC");
	snprintf(buf, sizeof(buf), fmt, "\"02:00:00:00:00:01:02\"");
	expect_err(buf, 5, 26, "bad MAC");
	snprintf(buf, sizeof(buf), fmt, "\"01:00:5e:00:00:01\"");
	expect_err(buf, 5, 26, "MAC 01:00:5e:00:00:01 of b is multicast");
	snprintf(buf, sizeof(buf), fmt, "\"00:00:00:00:00:00\"");
	expect_err(buf, 5, 26, "is all zeros");
}

static void test_err_subnet_exhausted(void **state)
{
	(void)state;
	expect_err(HDR "  defaults: {subnet: 10.0.0.0/30}\n"
		       "  nodes:\n"
		       "    s: {kind: switch}\n"
		       "    a: {kind: host}\n"
		       "    b: {kind: host}\n"
		       "    c: {kind: host}\n"
		       "  links:\n"
		       "    - endpoints: [a:eth0, s:p1]\n"
		       "    - endpoints: [b:eth0, s:p2]\n"
		       "    - endpoints: [c:eth0, s:p3]\n",
		   8, 5, "subnet 10.0.0.0/30 has no free address for c");
}

static void test_err_many(void **state)
{
	char *buf;
	size_t len = 0, cap = 64 * 1024;
	struct topo_diags d;
	struct topo *t = NULL;
	unsigned i;

	(void)state;
	buf = malloc(cap);
	assert_non_null(buf);
	len += (size_t)snprintf(buf, cap, HDR "  nodes:\n");
	for (i = 0; i < 100; i++)
		len += (size_t)snprintf(buf + len, cap - len, "    h%u: {kind: host, x: 1}\n", i);
	assert_int_equal(topo_load_buffer("many", buf, len, &t, &d), -EINVAL);
	assert_null(t);
	assert_int_equal(d.n, TOPO_DIAG_MAX);
	check_diag(&d, 4, 22, "unknown key 'x' in node 'h0'");
	/* the rest are counted, and the printout says how many */
	assert_int_equal(d.dropped, 100 - TOPO_DIAG_MAX);
	{
		char out[8192] = "";
		FILE *f = fmemopen(out, sizeof(out) - 1, "w");

		assert_non_null(f);
		topo_diags_print(&d, f);
		fclose(f);
		assert_non_null(strstr(out, "many: and 68 more error(s), not shown\n"));
	}
	free(buf);
}

static void test_err_nesting(void **state)
{
	char buf[300];

	(void)state;
	memset(buf, '[', sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = '\0';
	expect_err(buf, 1, 65, "nesting deeper than 64 levels");
}

static void test_missing_file(void **state)
{
	struct topo_diags d;
	struct topo *t = (struct topo *)1;
	char out[512];
	FILE *f;

	(void)state;
	assert_int_equal(topo_load_file("/nonexistent/lab.yaml", &t, &d), -ENOENT);
	assert_null(t);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.d[0].mark.line, 0);
	assert_string_equal(d.d[0].msg,
			    "cannot read /nonexistent/lab.yaml: No such file or directory");

	f = fmemopen(out, sizeof(out), "w");
	assert_non_null(f);
	topo_diags_print(&d, f);
	fclose(f);
	assert_string_equal(out, "/nonexistent/lab.yaml: error: cannot read /nonexistent/lab.yaml: "
				 "No such file or directory\n");

	assert_int_equal(topo_load_file("/", &t, &d), -EISDIR);
	assert_int_equal(d.n, 1);
}

static void test_diags_print(void **state)
{
	struct topo_diags d;
	struct topo *t = NULL;
	char out[512];
	FILE *f;
	static const char yaml[] = "name: lab\nfoo: 1\ntopology: {nodes: {a: {kind: host}}}\n";

	(void)state;
	assert_int_equal(topo_load_buffer("x.yaml", yaml, strlen(yaml), &t, &d), -EINVAL);
	f = fmemopen(out, sizeof(out), "w");
	assert_non_null(f);
	topo_diags_print(&d, f);
	fclose(f);
	assert_string_equal(out, "x.yaml:2:1: error: unknown key 'foo' in top level\n");
	/* NULL diags and a NULL buffer are tolerated. */
	assert_int_equal(topo_load_buffer(NULL, yaml, strlen(yaml), &t, NULL), -EINVAL);
	assert_int_equal(topo_load_buffer(NULL, NULL, 0, &t, &d), -EINVAL);
	check_diag(&d, 1, 1, "empty file");
	assert_string_equal(d.file, "<buffer>");
}

/* ---- seed and link parameters ----------------------------------------- */

#define NEAR(a, b) assert_true((a) - (b) < 1e-12 && (b) - (a) < 1e-12)
#define MS	   1000000ull

/* sw1, h1 and h2 on 10.0.0.0/24; the first link is on line 10. */
#define LP_NODES                                                                                   \
	HDR SUBNET "  nodes:\n"                                                                    \
		   "    sw1: {kind: switch}\n"                                                     \
		   "    h1: {kind: host}\n"                                                        \
		   "    h2: {kind: host}\n"                                                        \
		   "  links:\n"

/* One link h1 -> sw1 (line 10) with "params: <p>" on line 11: '{' at col 15. */
static void expect_params_err(const char *p, unsigned col, const char *msg)
{
	char buf[1024];

	snprintf(buf, sizeof(buf),
		 LP_NODES "    - endpoints: [h1:eth0, sw1:p1]\n      params: %s\n", p);
	expect_err(buf, 11, col, msg);
}

static void test_seed(void **state)
{
	struct topo *t;

	(void)state;
	t = load_ok("name: lab\nseed: 42\ntopology: {nodes: {a: {kind: host}}}\n");
	assert_true(t->has_seed);
	assert_true(t->seed == 42);
	topo_free(t);
	t = load_ok(
	    "name: lab\ntopology: {nodes: {a: {kind: host}}}\nseed: \"18446744073709551615\"\n");
	assert_true(t->has_seed);
	assert_true(t->seed == UINT64_MAX);
	topo_free(t);
	t = load_ok("name: lab\nseed: 0\ntopology: {nodes: {a: {kind: host}}}\n");
	assert_true(t->has_seed);
	assert_true(t->seed == 0);
	topo_free(t);
	t = load_ok("name: lab\ntopology: {nodes: {a: {kind: host}}}\n");
	assert_false(t->has_seed);
	assert_true(t->seed == 0);
	topo_free(t);

	expect_err("name: lab\nseed: x\ntopology: {nodes: {a: {kind: host}}}\n", 2, 7,
		   "bad seed 'x': expected a whole number");
	expect_err("name: lab\nseed: -1\ntopology: {nodes: {a: {kind: host}}}\n", 2, 7,
		   "bad seed '-1'");
	expect_err("name: lab\nseed: 4.2\ntopology: {nodes: {a: {kind: host}}}\n", 2, 7,
		   "bad seed '4.2'");
	expect_err("name: lab\nseed: 0x10\ntopology: {nodes: {a: {kind: host}}}\n", 2, 7,
		   "bad seed '0x10'");
	expect_err("name: lab\nseed: 18446744073709551616\ntopology: {nodes: {a: {kind: host}}}\n",
		   2, 7, "bad seed '18446744073709551616'");
	expect_err("name: lab\nseed:\ntopology: {nodes: {a: {kind: host}}}\n", 2, 1,
		   "bad seed '': expected a whole number");
	expect_err("name: lab\nseed: [1]\ntopology: {nodes: {a: {kind: host}}}\n", 2, 7,
		   "expected a scalar for 'seed'");
	expect_err("name: lab\nseed: 1\nseed: 2\ntopology: {nodes: {a: {kind: host}}}\n", 3, 1,
		   "duplicate key 'seed' in top level (first defined at 2:1)");
}

static void test_params_link(void **state)
{
	const struct topo_link *l;
	struct topo *t;
	unsigned d;

	(void)state;
	t = load_ok(LP_NODES "    - endpoints: [h1:eth0, sw1:p1]\n"
			     "      params:\n"
			     "        delay: 10ms\n"
			     "        jitter: 1ms\n"
			     "        loss: 0.5%\n"
			     "        rate: 100mbit\n"
			     "        mtu: 1400\n"
			     "        state: down\n"
			     "        distribution: pareto\n"
			     "        reorder_jitter: yes\n"
			     "        burst: 32kb\n"
			     "        queue: \"64kb\"\n"
			     "    - endpoints: [h2:eth0, sw1:p2]\n"
			     "      params: {}\n");
	l = &t->links[0];
	assert_int_equal(l->params_mark.line, 11);
	assert_int_equal(l->params_mark.col, 7);
	for (d = 0; d < 2; d++) {
		const struct linkparams *p = &l->params[d];

		assert_int_equal(p->set, LP_F_DELAY | LP_F_JITTER | LP_F_LOSS | LP_F_RATE |
					     LP_F_MTU | LP_F_STATE | LP_F_DIST |
					     LP_F_REORDER_JITTER | LP_F_BURST | LP_F_QUEUE);
		assert_true(p->delay_ns == 10 * MS);
		assert_true(p->jitter_ns == MS);
		NEAR(p->loss, 0.005);
		assert_true(p->rate_bps == 100000000);
		assert_int_equal(p->mtu, 1400);
		assert_int_equal(p->down, 1);
		assert_int_equal(p->dist, LP_DIST_PARETO);
		assert_int_equal(p->reorder_jitter, 1);
		assert_true(p->burst_bytes == 32 * 1024);
		assert_true(p->queue_bytes == 64 * 1024);
	}
	/* An empty params mapping still has a position; nothing is set. */
	assert_int_equal(t->links[1].params_mark.line, 23);
	assert_int_equal(t->links[1].params[0].set, 0);
	assert_int_equal(t->links[1].params[1].set, 0);
	topo_free(t);

	/* No params at all: zero everywhere, no position. */
	t = load_ok(LP_NODES "    - endpoints: [h1:eth0, sw1:p1]\n"
			     "    - {endpoints: [h2:eth0, sw1:p2], params: }\n");
	for (d = 0; d < 2; d++) {
		assert_int_equal(t->links[0].params[d].set, 0);
		assert_true(linkparams_is_null(&t->links[0].params[d]));
		assert_int_equal(t->links[1].params[d].set, 0);
	}
	assert_int_equal(t->links[0].params_mark.line, 0);
	assert_int_equal(t->links[1].params_mark.line, 0);
	topo_free(t);
}

/* The same params on a link written host first and on one written switch first. */
static void test_params_directions(void **state)
{
	static const char p[] = "{delay: 5ms, forward: {rate: 20mbit}, "
				"reverse: {rate: 50mbit, delay: 7ms}}";
	const struct linkparams *up, *down;
	char buf[1024];
	struct topo *t;

	(void)state;
	snprintf(buf, sizeof(buf),
		 LP_NODES "    - endpoints: [h1:eth0, sw1:p1]\n      params: %s\n"
			  "    - endpoints: [sw1:p2, h2:eth0]\n      params: %s\n",
		 p, p);
	t = load_ok(buf);

	/* As written: forward is h1 -> sw1. */
	assert_string_equal(t->nodes[t->links[0].ep[0].node].name, "h1");
	up = &t->links[0].params[TOPO_DIR_TO_SWITCH];
	down = &t->links[0].params[TOPO_DIR_TO_HOST];
	assert_true(up->delay_ns == 5 * MS);
	assert_true(up->rate_bps == 20000000);
	assert_true(down->delay_ns == 7 * MS);
	assert_true(down->rate_bps == 50000000);
	assert_int_equal(up->set, LP_F_DELAY | LP_F_RATE);
	assert_int_equal(down->set, LP_F_DELAY | LP_F_RATE);

	/* Swapped: forward was sw1 -> h2, i.e. switch -> host after normalisation. */
	assert_string_equal(t->nodes[t->links[1].ep[0].node].name, "h2");
	up = &t->links[1].params[TOPO_DIR_TO_SWITCH];
	down = &t->links[1].params[TOPO_DIR_TO_HOST];
	assert_true(up->delay_ns == 7 * MS);
	assert_true(up->rate_bps == 50000000);
	assert_true(down->delay_ns == 5 * MS);
	assert_true(down->rate_bps == 20000000);
	assert_int_equal(t->links[1].params_mark.line, 13);
	assert_int_equal(t->links[1].params_mark.col, 7);
	topo_free(t);
}

static void test_params_defaults(void **state)
{
	const struct linkparams *p;
	struct topo *t;

	(void)state;
	t = load_ok(HDR "  defaults:\n"
			"    subnet: 10.0.0.0/24\n"
			"    params:\n"
			"      delay: 1ms\n"
			"      loss: 1%\n"
			"      mtu: 1500\n"
			"      forward: {rate: 10mbit}\n"
			"      reverse: {rate: 30mbit, loss: 2%}\n"
			"  nodes:\n"
			"    sw1: {kind: switch}\n"
			"    h1: {kind: host}\n"
			"    h2: {kind: host}\n"
			"    h3: {kind: host}\n"
			"  links:\n"
			"    - endpoints: [h1:eth0, sw1:p1]\n"
			"    - endpoints: [sw1:p2, h2:eth0]\n"
			"      params: {delay: 4ms, reverse: {rate: 1gbit}}\n"
			"    - endpoints: [h3:eth0, sw1:p3]\n"
			"      params: {loss: 3%, forward: {loss: 0%, mtu: 9000}}\n");

	/* h1: the defaults alone; forward is host -> switch. */
	assert_int_equal(t->links[0].params_mark.line, 0);
	p = &t->links[0].params[TOPO_DIR_TO_SWITCH];
	assert_int_equal(p->set, LP_F_DELAY | LP_F_LOSS | LP_F_MTU | LP_F_RATE);
	assert_true(p->delay_ns == MS);
	NEAR(p->loss, 0.01);
	assert_int_equal(p->mtu, 1500);
	assert_true(p->rate_bps == 10000000);
	p = &t->links[0].params[TOPO_DIR_TO_HOST];
	assert_true(p->delay_ns == MS);
	NEAR(p->loss, 0.02);
	assert_int_equal(p->mtu, 1500);
	assert_true(p->rate_bps == 30000000);

	/* h2, written switch first: its reverse is host -> switch. */
	p = &t->links[1].params[TOPO_DIR_TO_SWITCH];
	assert_true(p->delay_ns == 4 * MS);
	NEAR(p->loss, 0.01);
	assert_int_equal(p->mtu, 1500);
	assert_true(p->rate_bps == 1000000000);
	p = &t->links[1].params[TOPO_DIR_TO_HOST];
	assert_true(p->delay_ns == 4 * MS);
	NEAR(p->loss, 0.02);
	assert_true(p->rate_bps == 30000000);

	/* h3: the link's params beat the defaults' reverse, its forward beats both;
	 * an explicit 0% stays set. */
	p = &t->links[2].params[TOPO_DIR_TO_SWITCH];
	assert_true(p->set & LP_F_LOSS);
	assert_true(p->loss == 0);
	assert_int_equal(p->mtu, 9000);
	assert_true(p->rate_bps == 10000000);
	assert_true(p->delay_ns == MS);
	p = &t->links[2].params[TOPO_DIR_TO_HOST];
	NEAR(p->loss, 0.03);
	assert_int_equal(p->mtu, 1500);
	assert_true(p->rate_bps == 30000000);
	topo_free(t);
}

/* On a trunk params[0] is ep[0] -> ep[1], the file's forward and the defaults' forward. */
static void test_params_trunk(void **state)
{
	const struct linkparams *p;
	struct topo *t;

	(void)state;
	t = load_ok(HDR "  defaults:\n"
			"    params: {delay: 1ms, forward: {rate: 10mbit},\n"
			"             reverse: {rate: 30mbit}}\n"
			"  nodes:\n"
			"    sw1: {kind: switch}\n"
			"    sw2: {kind: switch}\n"
			"    sw3: {kind: switch}\n"
			"    h1: {kind: host}\n"
			"  links:\n"
			"    - endpoints: [sw1:p1, sw2:p1]\n"
			"    - endpoints: [sw3:p1, sw2:p2]\n"
			"      params: {loss: 1%, forward: {delay: 5ms},\n"
			"               reverse: {delay: 7ms, rate: 1gbit}}\n"
			"    - endpoints: [sw1:p2, h1:eth0]\n");

	/* sw1 -> sw2 gets the defaults' forward, sw2 -> sw1 their reverse. */
	p = &t->links[0].params[0];
	assert_int_equal(p->set, LP_F_DELAY | LP_F_RATE);
	assert_true(p->delay_ns == MS);
	assert_true(p->rate_bps == 10000000);
	p = &t->links[0].params[1];
	assert_true(p->delay_ns == MS);
	assert_true(p->rate_bps == 30000000);

	/* sw3 -> sw2 is the link's forward, sw2 -> sw3 its reverse. */
	assert_string_equal(t->nodes[t->links[1].ep[0].node].name, "sw3");
	p = &t->links[1].params[0];
	assert_int_equal(p->set, LP_F_DELAY | LP_F_RATE | LP_F_LOSS);
	assert_true(p->delay_ns == 5 * MS);
	assert_true(p->rate_bps == 10000000);
	NEAR(p->loss, 0.01);
	p = &t->links[1].params[1];
	assert_true(p->delay_ns == 7 * MS);
	assert_true(p->rate_bps == 1000000000);
	NEAR(p->loss, 0.01);

	/* A host link written switch first: the defaults' forward is still host -> switch. */
	assert_false(topo_link_is_trunk(&t->links[2]));
	assert_true(t->links[2].params[TOPO_DIR_TO_SWITCH].rate_bps == 10000000);
	assert_true(t->links[2].params[TOPO_DIR_TO_HOST].rate_bps == 30000000);
	topo_free(t);

	/* Rates are checked per direction, named from ep[0]. */
	expect_err(HDR "  nodes:\n"
		       "    sw1: {kind: switch}\n"
		       "    sw2: {kind: switch}\n"
		       "  links:\n"
		       "    - endpoints: [sw2:p1, sw1:p1]\n"
		       "      params: {burst: 32kb, forward: {rate: 1mbit}}\n",
		   8, 15, "burst and queue need a rate (sw1 -> sw2)");
}

static void test_params_gilbert_elliott(void **state)
{
	const struct linkparams *p;
	struct topo *t;

	(void)state;
	t = load_ok(HDR "  defaults: {params: {ge_p: 1%, ge_r: 10%, ge_bad: 80%}}\n"
			"  nodes:\n"
			"    sw1: {kind: switch}\n"
			"    h1: {kind: host}\n"
			"    h2: {kind: host}\n"
			"  links:\n"
			"    - endpoints: [h1:eth0, sw1:p1]\n"
			"    - endpoints: [h2:eth0, sw1:p2]\n"
			"      params: {reverse: {ge_p: 2%, ge_r: 20%}}\n");
	p = &t->links[0].params[TOPO_DIR_TO_HOST];
	assert_int_equal(p->set, LP_F_GE);
	NEAR(p->ge_p, 0.01);
	NEAR(p->ge_r, 0.1);
	NEAR(p->ge_bad, 0.8);
	/* A mapping with ge_* gives the whole model: ge_bad is not inherited,
	 * it takes netem's default (everything lost in the bad state). */
	p = &t->links[1].params[TOPO_DIR_TO_HOST];
	NEAR(p->ge_p, 0.02);
	NEAR(p->ge_r, 0.2);
	assert_true(p->ge_bad == 1.0);
	NEAR(t->links[1].params[TOPO_DIR_TO_SWITCH].ge_p, 0.01);
	topo_free(t);

	expect_params_err("{ge_p: 1%}", 15,
			  "ge_p and ge_r are both needed for Gilbert-Elliott loss");
	expect_params_err("{ge_r: 1%, ge_bad: 50%}", 15, "ge_p and ge_r are both needed");
	/* In a direction: at that direction's mapping. */
	expect_params_err("{ge_p: 1%, ge_r: 5%, forward: {ge_bad: 50%}}", 45,
			  "ge_p and ge_r are both needed");
	expect_err(LP_NODES "    - endpoints: [h1:eth0, sw1:p1]\n"
			    "      params:\n"
			    "        delay: 1ms\n"
			    "        ge_good: 1%\n",
		   12, 9, "ge_p and ge_r are both needed");
}

static void test_params_rate_needed(void **state)
{
	struct topo_diags d;
	struct topo *t = NULL;
	static const char dflt[] = HDR "  defaults:\n"
				       "    params: {queue: 64kb}\n"
				       "  nodes:\n"
				       "    sw1: {kind: switch}\n"
				       "    h1: {kind: host}\n"
				       "    h2: {kind: host}\n"
				       "  links:\n"
				       "    - endpoints: [h1:eth0, sw1:p1]\n"
				       "    - endpoints: [h2:eth0, sw1:p2]\n"
				       "      params: {delay: 1ms}\n";

	(void)state;
	expect_params_err("{burst: 32kb}", 15, "burst and queue need a rate (h1 -> sw1)");
	expect_params_err("{queue: 1mb, delay: 1ms}", 15, "burst and queue need a rate");
	/* A rate in one direction only leaves the other without. */
	expect_params_err("{burst: 32kb, forward: {rate: 1mbit}}", 15,
			  "burst and queue need a rate (sw1 -> h1)");
	expect_params_err("{forward: {burst: 32kb}, reverse: {rate: 1mbit}}", 15,
			  "burst and queue need a rate (h1 -> sw1)");

	/* The defaults' own problem is reported once, at their params. */
	assert_int_equal(topo_load_buffer("bad.yaml", dflt, strlen(dflt), &t, &d), -EINVAL);
	assert_null(t);
	assert_int_equal(d.n, 1);
	check_diag(&d, 4, 13, "burst and queue need a rate (host -> switch)");

	/* A rate from the defaults is enough; jitter without delay is fine. */
	t = load_ok(HDR "  defaults: {params: {rate: 1gbit}}\n"
			"  nodes:\n"
			"    sw1: {kind: switch}\n"
			"    h1: {kind: host}\n"
			"  links:\n"
			"    - endpoints: [sw1:p1, h1:eth0]\n"
			"      params: {burst: 16kb, jitter: 2ms, reverse: {queue: 128kb}}\n");
	assert_true(t->links[0].params[0].burst_bytes == 16 * 1024);
	assert_true(t->links[0].params[0].queue_bytes == 128 * 1024);
	assert_true(t->links[0].params[1].rate_bps == 1000000000);
	assert_true(t->links[0].params[1].jitter_ns == 2 * MS);
	assert_true(t->links[0].params[1].delay_ns == 0);
	topo_free(t);
}

static void test_err_params(void **state)
{
	(void)state;
	/* Keys and values. */
	expect_params_err("{delay: 1ms, x: 1}", 28, "unknown link parameter 'x'");
	expect_params_err("{Delay: 1ms}", 16, "unknown link parameter 'Delay'");
	expect_params_err("{delay: 5 parsecs}", 23,
			  "bad value '5 parsecs' for delay: expected a time like 10ms");
	expect_params_err("{loss: 150%}", 22, "bad value '150%' for loss");
	expect_params_err("{rate: fast}", 22, "bad value 'fast' for rate");
	expect_params_err("{mtu: 60}", 21, "bad value '60' for mtu");
	expect_params_err("{state: sideways}", 23,
			  "bad value 'sideways' for state: expected up or down");
	expect_params_err("{delay: }", 16, "bad value '' for delay");
	expect_params_err("{delay: [1ms]}", 23, "expected a scalar for 'delay' in link params");
	expect_params_err("{[a]: 1}", 16, "expected a scalar key in link params");
	expect_params_err("{forward: {x: 1}}", 26, "unknown link parameter 'x'");
	expect_params_err("{reverse: {delay: 1y}}", 33, "bad value '1y' for delay");

	/* Shapes. */
	expect_params_err("10ms", 15, "expected a mapping for 'params' in link");
	expect_params_err("[delay, 1ms]", 15, "expected a mapping for 'params' in link");
	expect_params_err("{forward: 10ms}", 25, "expected a mapping for 'forward' in link params");
	expect_params_err("{reverse: [a]}", 25, "expected a mapping for 'reverse' in link params");
	expect_params_err("{forward: {reverse: {}}}", 26,
			  "'reverse' cannot be nested in 'forward'");
	/* a cable is down both ways, never half */
	expect_params_err("{forward: {state: down}}", 26,
			  "'state' cannot be in 'forward': a link is down both ways (put it in "
			  "params)");
	expect_params_err("{delay: 1ms, reverse: {state: up}}", 38,
			  "'state' cannot be in 'reverse': a link is down both ways (put it in "
			  "params)");
	expect_err(
	    HDR "  defaults: {params: {forward: {state: down}}}\n  nodes: {a: {kind: host}}\n", 3,
	    33, "'state' cannot be in 'forward': a link is down both ways (put it in params)");
	expect_err(HDR "  defaults: {params: 1}\n  nodes: {a: {kind: host}}\n", 3, 22,
		   "expected a mapping for 'params' in defaults");
	expect_err(HDR "  defaults: {params: {rate: 1}}\n  nodes: {a: {kind: host}}\n", 3, 29,
		   "bad value '1' for rate");
	expect_err(HDR "  defaults: {params: {forward: {bogus: 1}}}\n  nodes: {a: {kind: host}}\n",
		   3, 33, "unknown link parameter 'bogus'");
	/* mtu is a parameter, not a key of defaults or of a link. */
	expect_err(HDR "  defaults: {mtu: 9000}\n  nodes: {a: {kind: host}}\n", 3, 14,
		   "unknown key 'mtu' in defaults");

	/* Duplicates. */
	expect_params_err("{delay: 1ms, delay: 2ms}", 28,
			  "duplicate key 'delay' in link params (first defined at 11:16)");
	expect_params_err("{forward: {}, forward: {}}", 29,
			  "duplicate key 'forward' in link params (first defined at 11:16)");
	expect_params_err("{forward: {loss: 1%, loss: 1%}}", 36,
			  "duplicate key 'loss' in link params.forward");
	expect_err(LP_NODES "    - endpoints: [h1:eth0, sw1:p1]\n"
			    "      params: {}\n"
			    "      params: {}\n",
		   12, 7, "duplicate key 'params' in link");

	/* Errors of a link with bad endpoints are still reported. */
	expect_err(LP_NODES "    - endpoints: [h9:eth0, sw1:p1]\n      params: {x: 1}\n", 11, 16,
		   "unknown link parameter 'x'");
}

/* A link's mtu is its host interfaces' MTU too: each port type's ceiling is
 * checked at load, on the end that has that port type (both ends of a wire). */
static void test_err_port_mtu(void **state)
{
	struct topo *t;

	(void)state;
	/* the afxdp end of a wire is named, whichever end it is */
	expect_err(HDR "  nodes: {h1: {kind: host}, h2: {kind: host, port: afxdp}}\n"
		       "  links: [{endpoints: [h1:eth1, h2:eth1], params: {mtu: 9000}}]\n",
		   4, 51, "mtu 9000 on an afxdp link (h2)");
	expect_err(HDR "  nodes: {h1: {kind: host, port: afxdp}, h2: {kind: host}}\n"
		       "  links: [{endpoints: [h1:eth1, h2:eth1], params: {mtu: 9000}}]\n",
		   4, 51, "mtu 9000 on an afxdp link (h1)");
	expect_err(HDR "  nodes: {s: {kind: switch}, h1: {kind: host, port: afxdp}}\n"
		       "  links: [{endpoints: [s:p1, h1:eth0], params: {mtu: 1501}}]\n",
		   4, 48, "mtu 1501 on an afxdp link (h1)");
	/* a tap takes at most 65521 (a veth 65535): the link's port, else the
	 * host's, else the defaults' */
	expect_err(HDR "  nodes: {s: {kind: switch}, h1: {kind: host, port: tap}}\n"
		       "  links: [{endpoints: [s:p1, h1:eth0], params: {mtu: 65522}}]\n",
		   4, 48, "mtu 65522 on a tap link (h1): a tap takes at most 65521 bytes");
	expect_err(HDR "  defaults: {port: tap}\n"
		       "  nodes: {s: {kind: switch}, h1: {kind: host}}\n"
		       "  links: [{endpoints: [s:p1, h1:eth0], params: {mtu: 65535}}]\n",
		   5, 48, "mtu 65535 on a tap link (h1)");
	expect_err(HDR "  nodes: {s: {kind: switch}, h1: {kind: host}}\n"
		       "  links: [{endpoints: [s:p1, h1:eth0], port: tap, params: {mtu: 65535}}]\n",
		   4, 59, "mtu 65535 on a tap link (h1)");
	expect_err(HDR
		   "  nodes: {h1: {kind: host}, h2: {kind: host, port: tap}}\n"
		   "  links: [{endpoints: [h1:eth1, h2:eth1], params: {reverse: {mtu: 65530}}}]\n",
		   4, 51, "mtu 65530 on a tap link (h2)");
	t = load_ok(
	    HDR "  nodes: {s: {kind: switch}, h1: {kind: host, port: tap},\n"
		"           h2: {kind: host}}\n"
		"  links: [{endpoints: [s:p1, h1:eth0], params: {mtu: 65521}},\n"
		"          {endpoints: [s:p2, h2:eth0], params: {mtu: 65535}},\n"
		"          {endpoints: [s:p3, h1:eth1], port: afpacket, params: {mtu: 65535}}]\n");
	topo_free(t);
	/* a wire's 'port' is both ends': h2's own afxdp is not used */
	t = load_ok(HDR "  nodes: {h1: {kind: host}, h2: {kind: host, port: afxdp}}\n"
			"  links: [{endpoints: [h1:eth1, h2:eth1], port: afpacket,\n"
			"           params: {mtu: 9000}}]\n");
	topo_free(t);
}

static void test_impaired_example(void **state)
{
	const struct linkparams *p;
	struct topo *t;
	unsigned d;

	(void)state;
	t = load_file_ok("topo/examples/impaired.yaml");
	assert_string_equal(t->name, "impaired");
	assert_true(t->has_seed);
	assert_true(t->seed == 42);
	assert_int_equal(t->n_nodes, 4);
	assert_int_equal(t->n_links, 3);
	assert_int_equal(t->subnet.addr, addr("10.0.1.0"));
	assert_int_equal(node(t, "h1")->ip.addr, addr("10.0.1.1"));
	assert_int_equal(node(t, "h3")->ip.addr, addr("10.0.1.3"));
	for (d = 0; d < 2; d++) {
		p = &t->links[0].params[d];
		assert_int_equal(p->set,
				 LP_F_DELAY | LP_F_JITTER | LP_F_LOSS | LP_F_RATE | LP_F_MTU);
		assert_true(p->delay_ns == 10 * MS);
		assert_true(p->jitter_ns == MS);
		NEAR(p->loss, 0.005);
		assert_true(p->rate_bps == 100000000);
		assert_int_equal(p->mtu, 1500);

		p = &t->links[1].params[d];
		assert_int_equal(p->set, LP_F_DELAY | LP_F_RATE | LP_F_MTU);
		assert_true(p->delay_ns == 5 * MS);
		assert_true(p->rate_bps == (d == TOPO_DIR_TO_SWITCH ? 20000000 : 50000000));
		assert_int_equal(p->mtu, 1500);

		p = &t->links[2].params[d];
		assert_int_equal(p->set, LP_F_MTU);
		assert_int_equal(p->mtu, 1500);
	}
	assert_string_equal(t->nodes[t->links[1].ep[0].node].name, "h2");
	assert_int_not_equal(t->links[0].params_mark.line, 0);
	assert_int_equal(t->links[2].params_mark.line, 0);
	topo_free(t);
}

/* ---- helpers of topo.h ------------------------------------------------ */

static void test_parsers(void **state)
{
	struct topo_ip4 ip;
	uint32_t a;
	char buf[20];

	(void)state;
	assert_int_equal(topo_ip4_parse("0.0.0.0/0", &ip), 0);
	assert_int_equal(ip.plen, 0);
	assert_int_equal(topo_ip4_parse("255.255.255.255/32", &ip), 0);
	assert_int_equal(ip.addr, 0xffffffffu);
	assert_int_equal(topo_ip4_parse("10.1.2.3/8", &ip), 0);
	assert_int_equal(ip.addr, 0x0a010203u);
	assert_int_equal(ip.plen, 8);
	assert_int_equal(topo_ip4_parse("10.1.2.3", &ip), -EINVAL);
	assert_int_equal(topo_ip4_parse("10.1.2.3/-1", &ip), -EINVAL);
	assert_int_equal(topo_ip4_parse(NULL, &ip), -EINVAL);
	assert_int_equal(topo_addr4_parse("192.168.1.1", &a), 0);
	assert_int_equal(a, 0xc0a80101u);
	assert_int_equal(topo_addr4_parse("192.168.1.1/24", &a), -EINVAL);
	assert_int_equal(topo_addr4_parse("192.168.1.1 ", &a), -EINVAL);
	assert_int_equal(topo_addr4_parse("4294967296.1.1.1", &a), -EINVAL);
	topo_addr4_format(0xc0a80101u, buf, sizeof(buf));
	assert_string_equal(buf, "192.168.1.1");

	assert_true(topo_name_valid("h1"));
	assert_true(topo_name_valid("9-a_b"));
	assert_true(topo_name_valid("abcdefghijabcdefghijabcdefghija")); /* 31 */
	assert_false(topo_name_valid("abcdefghijabcdefghijabcdefghijab"));
	assert_false(topo_name_valid(""));
	assert_false(topo_name_valid("_a"));
	assert_false(topo_name_valid("a.b"));
	assert_false(topo_name_valid("h\xc3\xa9"));
	assert_false(topo_name_valid(NULL));
	assert_true(topo_ifname_valid("eth0"));
	assert_true(topo_ifname_valid("a.b-c_d"));
	assert_true(topo_ifname_valid("abcdefghijklmno")); /* 15 */
	assert_false(topo_ifname_valid("abcdefghijklmnop"));
	assert_false(topo_ifname_valid("."));
	assert_false(topo_ifname_valid(".."));
	assert_false(topo_ifname_valid("a/b"));
	assert_false(topo_ifname_valid(""));

	assert_string_equal(topo_kind_name(TOPO_KIND_HOST), "host");
	assert_string_equal(topo_kind_name(TOPO_KIND_SWITCH), "switch");
	assert_string_equal(topo_port_type_name(TOPO_PORT_AFPACKET), "afpacket");
	assert_string_equal(topo_port_type_name(TOPO_PORT_TAP), "tap");
	assert_string_equal(topo_port_type_name(TOPO_PORT_DEFAULT), "default");
	topo_free(NULL);
	assert_int_equal(topo_node_find(NULL, "a"), -1);
}

/* ---- vhost and ethdev nodes ----------------------------------------------- */

static void test_external_nodes(void **state)
{
	static const char yaml[] =
	    "name: lab\n"
	    "topology:\n"
	    "  defaults:\n"
	    "    subnet: 10.0.0.0/24\n"
	    "  nodes:\n"
	    "    sw1: {kind: switch}\n"
	    "    vm1: {kind: vhost}\n"
	    "    vm2: {kind: vhost, socket: vm2.sock}\n"
	    "    vm3: {kind: vhost, socket: sub/vm3.sock}\n"
	    "    vm4: {kind: vhost, socket: /run/vm4.sock}\n"
	    "    replay: {kind: ethdev, devargs: \"net_pcap0,rx_pcap=/tmp/in.pcap\"}\n"
	    "    rel: {kind: ethdev, devargs: \"net_pcap1,rx_pcap=in.pcap,tx_pcap=sub/out.pcap\"}\n"
	    "    h1: {kind: host}\n"
	    "  links:\n"
	    "    - endpoints: [h1:eth0, sw1:p1]\n"
	    "    - endpoints: [sw1:p2, vm1:eth0]\n"
	    "    - {endpoints: [vm2:eth0, sw1:p3], port: vhost, params: {delay: 1ms}}\n"
	    "    - endpoints: [vm3:eth0, sw1:p4]\n"
	    "    - endpoints: [vm4:eth0, sw1:p5]\n"
	    "    - {endpoints: [replay:eth0, sw1:p6], port: ethdev}\n"
	    "    - endpoints: [rel:eth0, sw1:p7]\n";
	const struct topo_node *vm1, *vm2, *replay, *h1;
	struct topo_diags d;
	struct topo *t;
	char cwd[PATH_MAX], want[PATH_MAX + 32];

	(void)state;
	assert_int_equal(topo_load_buffer("/tmp/labs/lab.yaml", yaml, strlen(yaml), &t, &d), 0);
	vm1 = node(t, "vm1");
	vm2 = node(t, "vm2");
	replay = node(t, "replay");
	h1 = node(t, "h1");
	assert_int_equal(vm1->kind, TOPO_KIND_VHOST);
	assert_int_equal(replay->kind, TOPO_KIND_ETHDEV);
	assert_string_equal(topo_kind_name(vm1->kind), "vhost");
	assert_string_equal(topo_kind_name(replay->kind), "ethdev");
	assert_true(topo_kind_is_external(vm1->kind) && topo_kind_is_external(replay->kind));
	assert_false(topo_kind_is_external(h1->kind));
	/* no socket: the switch's default; relative: the file's directory */
	assert_string_equal(vm1->socket, "");
	assert_string_equal(vm2->socket, "/tmp/labs/vm2.sock");
	assert_string_equal(node(t, "vm3")->socket, "/tmp/labs/sub/vm3.sock");
	assert_string_equal(node(t, "vm4")->socket, "/run/vm4.sock");
	assert_string_equal(replay->devargs, "net_pcap0,rx_pcap=/tmp/in.pcap");
	/* net_pcap's files too, not the working directory */
	assert_string_equal(node(t, "rel")->devargs,
			    "net_pcap1,rx_pcap=/tmp/labs/in.pcap,tx_pcap=/tmp/labs/sub/out.pcap");
	assert_int_equal(vm1->port_type, TOPO_PORT_VHOST);
	assert_int_equal(replay->port_type, TOPO_PORT_ETHDEV);
	assert_string_equal(topo_port_type_name(TOPO_PORT_VHOST), "vhost");
	assert_string_equal(topo_port_type_name(TOPO_PORT_ETHDEV), "ethdev");
	/* their links are host links, the node first */
	assert_false(topo_link_is_trunk(&t->links[1]));
	assert_int_equal(t->links[1].ep[0].node, (unsigned)topo_node_find(t, "vm1"));
	assert_string_equal(t->links[1].ep[1].ifname, "p2");
	assert_int_equal(t->links[1].port_type, TOPO_PORT_VHOST);
	assert_int_equal(t->links[2].port_type, TOPO_PORT_VHOST);
	assert_int_equal(t->links[2].params[TOPO_DIR_TO_SWITCH].delay_ns, 1000000);
	assert_int_equal(t->links[5].port_type, TOPO_PORT_ETHDEV);
	assert_int_equal(t->links[0].port_type, TOPO_PORT_AFPACKET);
	/* no address, no MAC: h1, after them in the file, is still the first */
	assert_false(vm1->has_ip);
	assert_false(replay->has_ip);
	assert_int_equal(replay->mac[0] | vm1->mac[0], 0);
	assert_true(h1->has_ip);
	assert_int_equal(h1->ip.addr, addr("10.0.0.1"));
	topo_free(t);

	/* a file named relative to the working directory */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(topo_load_buffer("labs/lab.yaml", yaml, strlen(yaml), &t, &d), 0);
	snprintf(want, sizeof(want), "%s/labs/vm2.sock", cwd);
	assert_string_equal(node(t, "vm2")->socket, want);
	topo_free(t);
	assert_int_equal(topo_load_buffer("lab.yaml", yaml, strlen(yaml), &t, &d), 0);
	snprintf(want, sizeof(want), "%s/vm2.sock", cwd);
	assert_string_equal(node(t, "vm2")->socket, want);
	topo_free(t);

	/* the example: one of each beside a host */
	t = load_file_ok("topo/examples/external.yaml");
	assert_int_equal(node(t, "vm1")->kind, TOPO_KIND_VHOST);
	assert_string_equal(node(t, "vm1")->socket, "");
	assert_int_equal(node(t, "rec")->kind, TOPO_KIND_ETHDEV);
	assert_non_null(strstr(node(t, "rec")->devargs, "tx_pcap=/tmp/"));
	assert_int_equal(node(t, "h1")->ip.addr, addr("10.0.0.1"));
	topo_free(t);
}

/* As expect_err(), from a file in /tmp/labs (relative sockets resolve there). */
static void expect_ext_err(const char *yaml, unsigned line, unsigned col, const char *msg)
{
	struct topo_diags d;
	struct topo *t = (struct topo *)1;

	assert_int_equal(topo_load_buffer("/tmp/labs/bad.yaml", yaml, strlen(yaml), &t, &d),
			 -EINVAL);
	assert_null(t);
	check_diag(&d, line, col, msg);
}

/* A capture of link type dlt (no frames) at path. */
static void write_pcap_header(const char *path, int dlt)
{
	pcap_t *dead = pcap_open_dead(dlt, 65535);
	pcap_dumper_t *d;

	assert_non_null(dead);
	d = pcap_dump_open(dead, path);
	assert_non_null(d);
	pcap_dump_close(d);
	pcap_close(dead);
}

/* net_pcap's files: a recording over the capture being replayed (one node's
 * rx_pcap and tx_pcap, or two nodes', under two names of one file), a
 * recording in a lab's run directory, a replay of something else than
 * Ethernet. */
static void test_err_pcap_files(void **state)
{
	char dir[] = "/tmp/rl-topo-XXXXXX", path[64], yaml[1024];
	static const char *const head = "name: lab\n"
					"topology:\n"
					"  nodes:\n"
					"    sw1: {kind: switch}\n";

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/in.pcap", dir);
	write_pcap_header(path, DLT_EN10MB);
	snprintf(yaml, sizeof(yaml),
		 "%s    r1: {kind: ethdev, devargs: \"net_pcap0,rx_pcap=%s/in.pcap,"
		 "tx_pcap=%s/./in.pcap\"}\n"
		 "  links:\n    - endpoints: [r1:eth0, sw1:p1]\n",
		 head, dir, dir);
	expect_ext_err(yaml, 5, 33, "rx_pcap and tx_pcap of r1 are the same file");
	snprintf(yaml, sizeof(yaml),
		 "%s    r1: {kind: ethdev, devargs: \"net_pcap0,rx_pcap=%s/in.pcap\"}\n"
		 "    r2: {kind: ethdev, devargs: \"net_pcap1,tx_pcap=%s/ln.pcap\"}\n"
		 "  links:\n    - endpoints: [r1:eth0, sw1:p1]\n"
		 "    - endpoints: [r2:eth0, sw1:p2]\n",
		 head, dir, dir);
	snprintf(path, sizeof(path), "%s/ln.pcap", dir);
	assert_int_equal(symlink("in.pcap", path), 0); /* another name of in.pcap */
	expect_ext_err(yaml, 6, 33, "of r2 is r1's rx_pcap: recording would overwrite");
	unlink(path);
	/* two replays of one capture are fine */
	snprintf(yaml, sizeof(yaml),
		 "%s    r1: {kind: ethdev, devargs: \"net_pcap0,rx_pcap=%s/in.pcap\"}\n"
		 "    r2: {kind: ethdev, devargs: \"net_pcap1,rx_pcap=in.pcap\"}\n"
		 "  links:\n    - endpoints: [r1:eth0, sw1:p1]\n"
		 "    - endpoints: [r2:eth0, sw1:p2]\n",
		 head, dir);
	{
		struct topo_diags d;
		struct topo *t;
		char file[64];

		snprintf(file, sizeof(file), "%s/lab.yaml", dir);
		assert_int_equal(topo_load_buffer(file, yaml, strlen(yaml), &t, &d), 0);
		topo_free(t);
	}
	expect_ext_err("name: lab\n"
		       "topology:\n"
		       "  nodes:\n"
		       "    sw1: {kind: switch}\n"
		       "    r1: {kind: ethdev, devargs: \"net_pcap0,tx_pcap=/run/rackless/lab/r.pcap\"}\n"
		       "  links:\n    - endpoints: [r1:eth0, sw1:p1]\n",
		       5, 33, "where labs keep their state");
	/* by real path, though the lab's directory is not there yet */
	expect_ext_err("name: lab\n"
		       "topology:\n"
		       "  nodes:\n"
		       "    sw1: {kind: switch}\n"
		       "    r1: {kind: ethdev, devargs: "
		       "\"net_pcap0,tx_pcap=/run/./rackless/rl-no-lab/r.pcap\"}\n"
		       "  links:\n    - endpoints: [r1:eth0, sw1:p1]\n",
		       5, 33, "where labs keep their state");
	snprintf(path, sizeof(path), "%s/sll.pcap", dir);
	write_pcap_header(path, DLT_LINUX_SLL);
	snprintf(yaml, sizeof(yaml),
		 "%s    r1: {kind: ethdev, devargs: \"net_pcap0,rx_pcap=%s\"}\n"
		 "  links:\n    - endpoints: [r1:eth0, sw1:p1]\n",
		 head, path);
	expect_ext_err(yaml, 5, 33, "(link type 113), not Ethernet");
	unlink(path);
	/* a FIFO would block the load in open() until a writer came: a hang
	 * fails the test (SIGALRM) instead of the error */
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	snprintf(yaml, sizeof(yaml),
		 "%s    r1: {kind: ethdev, devargs: \"net_pcap0,rx_pcap=%s\"}\n"
		 "  links:\n    - endpoints: [r1:eth0, sw1:p1]\n",
		 head, path);
	alarm(10);
	expect_ext_err(yaml, 5, 33, "/fifo of r1 is not a regular file");
	alarm(0);
	/* nor is one to record into (the switch refused it halfway through up) */
	snprintf(yaml, sizeof(yaml),
		 "%s    r1: {kind: ethdev, devargs: \"net_pcap0,tx_pcap=%s\"}\n"
		 "  links:\n    - endpoints: [r1:eth0, sw1:p1]\n",
		 head, path);
	expect_ext_err(yaml, 5, 33, "/fifo of r1 is not a regular file: net_pcap records");
	snprintf(yaml, sizeof(yaml),
		 "%s    r1: {kind: ethdev, devargs: \"net_pcap0,tx_pcap=%s\"}\n"
		 "  links:\n    - endpoints: [r1:eth0, sw1:p1]\n",
		 head, dir);
	expect_ext_err(yaml, 5, 33, "is not a regular file: net_pcap records");
	unlink(path);
	snprintf(path, sizeof(path), "%s/in.pcap", dir);
	unlink(path);
	rmdir(dir);
}

static void test_err_external(void **state)
{
	(void)state;
	expect_ext_err("name: lab\n"
		       "topology:\n"
		       "  nodes:\n"
		       "    sw1: {kind: switch}\n"
		       "    h1: {kind: host}\n"
		       "    vm1: {kind: vhost}\n"
		       "  links:\n"
		       "    - endpoints: [h1:eth0, sw1:p1]\n",
		       6, 5, "vhost node vm1 has no link");
	expect_ext_err("name: lab\n"
		       "topology:\n"
		       "  nodes:\n"
		       "    sw1: {kind: switch}\n"
		       "    h1: {kind: host}\n"
		       "    vm1: {kind: vhost}\n"
		       "  links:\n"
		       "    - endpoints: [h1:eth0, sw1:p1]\n"
		       "    - endpoints: [vm1:eth0, sw1:p2]\n"
		       "    - endpoints: [sw1:p3, vm1:eth1]\n",
		       10, 27, "vhost node vm1 is on a second link (first at 9:19)");
	expect_ext_err(
	    "name: lab\n"
	    "topology:\n"
	    "  nodes:\n"
	    "    sw1: {kind: switch}\n"
	    "    h1: {kind: host}\n"
	    "    vm1: {kind: vhost}\n"
	    "  links:\n"
	    "    - endpoints: [h1:eth0, sw1:p1]\n"
	    "    - endpoints: [vm1:eth0, h1:eth1]\n",
	    9, 29, "the other end of vhost node vm1's link must be a switch (h1 is kind: host)");
	expect_ext_err(
	    "name: lab\n"
	    "topology:\n"
	    "  nodes:\n"
	    "    sw1: {kind: switch}\n"
	    "    h1: {kind: host}\n"
	    "    vm1: {kind: vhost}\n"
	    "    r: {kind: ethdev, devargs: net_ring0}\n"
	    "  links:\n"
	    "    - endpoints: [h1:eth0, sw1:p1]\n"
	    "    - endpoints: [r:eth0, vm1:eth0]\n",
	    10, 27, "the other end of ethdev node r's link must be a switch (vm1 is kind: vhost)");
	expect_ext_err("name: lab\n"
		       "topology:\n"
		       "  nodes:\n"
		       "    sw1: {kind: switch}\n"
		       "    h1: {kind: host}\n"
		       "    x: {kind: vhost, ip: 10.0.0.9/24}\n"
		       "  links:\n"
		       "    - endpoints: [h1:eth0, sw1:p1]\n"
		       "    - endpoints: [x:eth0, sw1:p2]\n",
		       6, 22,
		       "key 'ip' is not valid for vhost node 'x': the guest sets its own address");
	expect_ext_err("name: lab\n"
		       "topology:\n"
		       "  nodes:\n"
		       "    sw1: {kind: switch}\n"
		       "    h1: {kind: host}\n"
		       "    x: {kind: vhost, mac: \"02:00:00:00:00:09\"}\n"
		       "  links:\n"
		       "    - endpoints: [h1:eth0, sw1:p1]\n"
		       "    - endpoints: [x:eth0, sw1:p2]\n",
		       6, 22, "key 'mac' is not valid for vhost node 'x': the guest sets its own");
	expect_ext_err("name: lab\n"
		       "topology:\n"
		       "  nodes:\n"
		       "    sw1: {kind: switch}\n"
		       "    h1: {kind: host}\n"
		       "    x: {kind: ethdev, devargs: net_ring0, gateway: 10.0.0.1}\n"
		       "  links:\n"
		       "    - endpoints: [h1:eth0, sw1:p1]\n"
		       "    - endpoints: [x:eth0, sw1:p2]\n",
		       6, 43,
		       "key 'gateway' is not valid for ethdev node 'x': a DPDK device passes "
		       "frames as they are");
	expect_ext_err("name: lab\n"
		       "topology:\n"
		       "  nodes:\n"
		       "    sw1: {kind: switch}\n"
		       "    h1: {kind: host}\n"
		       "    x: {kind: vhost, port: afpacket}\n"
		       "  links:\n"
		       "    - endpoints: [h1:eth0, sw1:p1]\n"
		       "    - endpoints: [x:eth0, sw1:p2]\n",
		       6, 22,
		       "key 'port' is not valid for vhost node 'x': its port type is its kind");
	expect_ext_err("name: lab\n"
		       "topology:\n"
		       "  nodes:\n"
		       "    sw1: {kind: switch}\n"
		       "    h1: {kind: host}\n"
		       "    x: {kind: ethdev, devargs: net_ring0, port: ethdev}\n"
		       "  links:\n"
		       "    - endpoints: [h1:eth0, sw1:p1]\n"
		       "    - endpoints: [x:eth0, sw1:p2]\n",
		       6, 43,
		       "key 'port' is not valid for ethdev node 'x': its port type is its kind");
	expect_ext_err("name: lab\n"
		       "topology:\n"
		       "  nodes:\n"
		       "    sw1: {kind: switch}\n"
		       "    h1: {kind: host}\n"
		       "    h2: {kind: host, socket: /tmp/a.sock}\n"
		       "  links:\n"
		       "    - endpoints: [h1:eth0, sw1:p1]\n",
		       6, 22, "key 'socket' is only for kind: vhost nodes ('h2' is kind: host)");
	expect_ext_err("name: lab\n"
		       "topology:\n"
		       "  nodes:\n"
		       "    sw1: {kind: switch}\n"
		       "    h1: {kind: host}\n"
		       "    r: {kind: ethdev, devargs: net_ring0, socket: /tmp/a.sock}\n"
		       "  links:\n"
		       "    - endpoints: [h1:eth0, sw1:p1]\n"
		       "    - endpoints: [r:eth0, sw1:p2]\n",
		       6, 43, "key 'socket' is only for kind: vhost nodes ('r' is kind: ethdev)");
	expect_ext_err("name: lab\n"
		       "topology:\n"
		       "  nodes:\n"
		       "    sw1: {kind: switch}\n"
		       "    h1: {kind: host}\n"
		       "    vm1: {kind: vhost, devargs: net_ring0}\n"
		       "  links:\n"
		       "    - endpoints: [h1:eth0, sw1:p1]\n"
		       "    - endpoints: [vm1:eth0, sw1:p2]\n",
		       6, 24,
		       "key 'devargs' is only for kind: ethdev nodes ('vm1' is kind: vhost)");
	expect_ext_err("name: lab\n"
		       "topology:\n"
		       "  nodes:\n"
		       "    sw1: {kind: switch}\n"
		       "    h1: {kind: host}\n"
		       "    sw2: {devargs: net_ring0, kind: switch}\n"
		       "  links:\n"
		       "    - endpoints: [h1:eth0, sw1:p1]\n",
		       6, 11,
		       "key 'devargs' is only for kind: ethdev nodes ('sw2' is kind: switch)");
	expect_ext_err("name: lab\n"
		       "topology:\n"
		       "  nodes:\n"
		       "    sw1: {kind: switch}\n"
		       "    h1: {kind: host}\n"
		       "    r: {kind: ethdev}\n"
		       "  links:\n"
		       "    - endpoints: [h1:eth0, sw1:p1]\n"
		       "    - endpoints: [r:eth0, sw1:p2]\n",
		       6, 5, "ethdev node 'r' needs 'devargs'");
	expect_ext_err("name: lab\n"
		       "topology:\n"
		       "  nodes:\n"
		       "    sw1: {kind: switch}\n"
		       "    h1: {kind: host}\n"
		       "    r: {kind: ethdev, devargs: \"\"}\n"
		       "  links:\n"
		       "    - endpoints: [h1:eth0, sw1:p1]\n"
		       "    - endpoints: [r:eth0, sw1:p2]\n",
		       6, 32, "empty devargs for ethdev node 'r'");
	expect_ext_err("name: lab\n"
		       "topology:\n"
		       "  nodes:\n"
		       "    sw1: {kind: switch}\n"
		       "    h1: {kind: host}\n"
		       "    r:\n"
		       "      kind: ethdev\n"
		       "      devargs:\n"
		       "  links:\n"
		       "    - endpoints: [h1:eth0, sw1:p1]\n"
		       "    - endpoints: [r:eth0, sw1:p2]\n",
		       8, 7, "empty devargs for ethdev node 'r'");
	expect_ext_err("name: lab\n"
		       "topology:\n"
		       "  nodes:\n"
		       "    sw1: {kind: switch}\n"
		       "    h1: {kind: host}\n"
		       "    vm1: {kind: vhost}\n"
		       "  links:\n"
		       "    - endpoints: [h1:eth0, sw1:p1]\n"
		       "    - {endpoints: [vm1:eth0, sw1:p2], port: afpacket}\n",
		       9, 39, "'port: afpacket' on the link of vhost node vm1: its port is vhost");
	expect_ext_err("name: lab\n"
		       "topology:\n"
		       "  nodes:\n"
		       "    sw1: {kind: switch}\n"
		       "    h1: {kind: host}\n"
		       "    r: {kind: ethdev, devargs: net_ring0}\n"
		       "  links:\n"
		       "    - endpoints: [h1:eth0, sw1:p1]\n"
		       "    - {endpoints: [sw1:p2, r:eth0], port: vhost}\n",
		       9, 37, "'port: vhost' on the link of ethdev node r: its port is ethdev");
	expect_ext_err("name: lab\n"
		       "topology:\n"
		       "  nodes:\n"
		       "    sw1: {kind: switch}\n"
		       "    h1: {kind: host}\n"
		       "    h2: {kind: host, port: vhost}\n"
		       "  links:\n"
		       "    - endpoints: [h1:eth0, sw1:p1]\n"
		       "    - endpoints: [h2:eth0, sw1:p2]\n",
		       6, 28, "vhost ports are for kind: vhost nodes ('h2' is a host");
	expect_ext_err("name: lab\n"
		       "topology:\n"
		       "  nodes:\n"
		       "    sw1: {kind: switch}\n"
		       "    h1: {kind: host}\n"
		       "    h2: {kind: host}\n"
		       "  links:\n"
		       "    - endpoints: [h1:eth0, sw1:p1]\n"
		       "    - {endpoints: [h2:eth0, sw1:p2], port: ethdev}\n",
		       9, 38, "ethdev ports are for kind: ethdev nodes (h2 is a host");
	expect_ext_err("name: lab\n"
		       "topology:\n"
		       "  defaults: {port: vhost}\n"
		       "  nodes:\n"
		       "    sw1: {kind: switch}\n"
		       "    h1: {kind: host}\n"
		       "  links:\n"
		       "    - endpoints: [h1:eth0, sw1:p1]\n",
		       3, 20,
		       "vhost ports are for kind: vhost nodes (defaults.port applies to hosts");
	expect_ext_err("name: lab\n"
		       "topology:\n"
		       "  nodes:\n"
		       "    sw1: {kind: switch}\n"
		       "    h1: {kind: host}\n"
		       "    vm1: {kind: vhost, socket: /tmp/labs/vm.sock}\n"
		       "    vm2: {kind: vhost, socket: vm.sock}\n"
		       "  links:\n"
		       "    - endpoints: [h1:eth0, sw1:p1]\n"
		       "    - endpoints: [vm1:eth0, sw1:p2]\n"
		       "    - endpoints: [vm2:eth0, sw1:p3]\n",
		       7, 32, "socket /tmp/labs/vm.sock is already used by vm1");
	/* the same file spelled another way */
	expect_ext_err("name: lab\n"
		       "topology:\n"
		       "  nodes:\n"
		       "    sw1: {kind: switch}\n"
		       "    vm1: {kind: vhost, socket: ./vm.sock}\n"
		       "    vm2: {kind: vhost, socket: x/..//vm.sock}\n"
		       "  links:\n"
		       "    - endpoints: [vm1:eth0, sw1:p2]\n"
		       "    - endpoints: [vm2:eth0, sw1:p3]\n",
		       6, 32, "socket /tmp/labs/vm.sock is already used by vm1");
	/* a memif server's socket file is a socket too */
	expect_ext_err("name: lab\n"
		       "topology:\n"
		       "  nodes:\n"
		       "    sw1: {kind: switch}\n"
		       "    vm1: {kind: vhost, socket: m.sock}\n"
		       "    m: {kind: ethdev, devargs: \"net_memif0,socket=/tmp/labs/m.sock,socket-abstract=no\"}\n"
		       "  links:\n"
		       "    - endpoints: [vm1:eth0, sw1:p2]\n"
		       "    - endpoints: [m:eth0, sw1:p3]\n",
		       6, 32, "socket /tmp/labs/m.sock is already used by vm1");
	/* a memif server's socket there too; a client may use another lab's */
	expect_ext_err("name: qa2m\n"
		       "topology:\n"
		       "  nodes:\n"
		       "    sw1: {kind: switch}\n"
		       "    m: {kind: ethdev, devargs: \"net_memif0,socket=/run/rackless/qa2m/hosts,"
		       "socket-abstract=no\"}\n"
		       "  links:\n"
		       "    - endpoints: [m:eth0, sw1:p3]\n",
		       5, 32, "memif socket /run/rackless/qa2m/hosts of m is in /run/rackless");
	topo_free(load_ok("name: qa2c\n"
			  "topology:\n"
			  "  nodes:\n"
			  "    sw1: {kind: switch}\n"
			  "    m: {kind: ethdev, devargs: \"net_memif0,role=client,"
			  "socket=/run/rackless/qa2s/sw1:p2.sock,socket-abstract=no\"}\n"
			  "  links:\n"
			  "    - endpoints: [m:eth0, sw1:p3]\n"));
	/* a socket in a lab's directory, spelled any way: it would be one of
	 * the lab's files, or another node's default socket */
	expect_ext_err("name: qa2n\n"
		       "topology:\n"
		       "  nodes:\n"
		       "    sw1: {kind: switch}\n"
		       "    vm1: {kind: vhost, socket: \"/run/rackless/qa2n/hosts\"}\n"
		       "  links:\n"
		       "    - endpoints: [vm1:eth0, sw1:p1]\n",
		       5, 32,
		       "socket /run/rackless/qa2n/hosts of vm1 is in /run/rackless, where labs "
		       "keep their state: the default socket already lives in the lab's "
		       "directory (omit 'socket:')");
	expect_ext_err("name: qa2n\n"
		       "topology:\n"
		       "  nodes:\n"
		       "    sw1: {kind: switch}\n"
		       "    vm1: {kind: vhost}\n"
		       "    vm2: {kind: vhost, socket: \"/run//./rackless/qa2n/sw1:p1.sock\"}\n"
		       "  links:\n"
		       "    - endpoints: [vm1:eth0, sw1:p1]\n"
		       "    - endpoints: [vm2:eth0, sw1:p2]\n",
		       6, 32, "of vm2 is in /run/rackless, where labs keep their state");
	/* one DPDK device name on two nodes: the second would fail up */
	expect_ext_err("name: lab\n"
		       "topology:\n"
		       "  nodes:\n"
		       "    sw1: {kind: switch}\n"
		       "    d1: {kind: ethdev, devargs: net_null0}\n"
		       "    d2: {kind: ethdev, devargs: \"net_null0,size=64\"}\n"
		       "  links:\n"
		       "    - endpoints: [d1:eth0, sw1:p2]\n"
		       "    - endpoints: [d2:eth0, sw1:p3]\n",
		       6, 33, "device net_null0 is already used by d1");
	{
		struct topo *t =
		    load_ok("name: lab\n"
			    "topology:\n"
			    "  nodes:\n"
			    "    sw1: {kind: switch}\n"
			    "    d1: {kind: ethdev, devargs: net_null0}\n"
			    "    d2: {kind: ethdev, devargs: net_null01}\n"
			    "    d3: {kind: ethdev, devargs: \"net_ring0,nodeaction=[a,b]\"}\n"
			    "  links:\n"
			    "    - endpoints: [d1:eth0, sw1:p2]\n"
			    "    - endpoints: [d2:eth0, sw1:p3]\n"
			    "    - endpoints: [d3:eth0, sw1:p4]\n");

		topo_free(t);
	}
	/* a key twice in one devargs, whichever key: the switch or the driver
	 * would take one of them, the checks here the first */
	expect_ext_err(
	    "name: lab\n"
	    "topology:\n"
	    "  nodes:\n"
	    "    sw1: {kind: switch}\n"
	    "    d1: {kind: ethdev, devargs: \"net_pcap0,tx_pcap=o5.pcap,tx_pcap=o6.pcap\"}\n"
	    "  links:\n"
	    "    - endpoints: [d1:eth0, sw1:p2]\n",
	    5, 33, "'tx_pcap' given twice in the devargs of d1: a key takes one value");
	expect_ext_err("name: lab\n"
		       "topology:\n"
		       "  nodes:\n"
		       "    sw1: {kind: switch}\n"
		       "    d1: {kind: ethdev, devargs: \"net_null0,size=64,copy=1,size\"}\n"
		       "  links:\n"
		       "    - endpoints: [d1:eth0, sw1:p2]\n",
		       5, 33, "'size' given twice in the devargs of d1");
	/* two devices recording into one file: one recording would be lost */
	expect_ext_err("name: lab\n"
		       "topology:\n"
		       "  nodes:\n"
		       "    sw1: {kind: switch}\n"
		       "    d1: {kind: ethdev, devargs: \"net_pcap0,tx_pcap=/tmp/o.pcap\"}\n"
		       "    d2: {kind: ethdev, devargs: \"net_pcap1,rx_pcap=/tmp/i.pcap,tx_pcap=/tmp//o.pcap\"}\n"
		       "  links:\n"
		       "    - endpoints: [d1:eth0, sw1:p2]\n"
		       "    - endpoints: [d2:eth0, sw1:p3]\n",
		       6, 33, "tx_pcap /tmp/o.pcap is already written by d1");
	expect_ext_err("name: lab\n"
		       "topology:\n"
		       "  nodes:\n"
		       "    sw1: {kind: switch}\n"
		       "    h1: {kind: host}\n"
		       "    vm1: {kind: vhost, socket: "
		       "/ssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssss"
		       "sssssssssssssssssssssssssssssssss}\n"
		       "  links:\n"
		       "    - endpoints: [h1:eth0, sw1:p1]\n"
		       "    - endpoints: [vm1:eth0, sw1:p2]\n",
		       6, 32,
		       "socket path of 'vm1' is 108 bytes long: a socket path has at most 107");
}

/* More than TOPO_MAX_ETHDEV ethdev nodes: reported at the first one too many. */
static void test_err_ethdev_max(void **state)
{
	char buf[8192];
	size_t o;
	unsigned i;

	(void)state;
	o = (size_t)snprintf(buf, sizeof(buf),
			     "name: lab\ntopology:\n  nodes:\n    sw1: {kind: switch}\n");
	for (i = 0; i <= TOPO_MAX_ETHDEV; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o,
				      "    e%u: {kind: ethdev, devargs: net_ring%u}\n", i, i);
	o += (size_t)snprintf(buf + o, sizeof(buf) - o, "  links:\n");
	for (i = 0; i <= TOPO_MAX_ETHDEV; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o,
				      "    - endpoints: [e%u:eth0, sw1:p%u]\n", i, i);
	assert_true(o < sizeof(buf));
	/* e32 is on line 5 + 32 */
	expect_ext_err(buf, 5 + TOPO_MAX_ETHDEV, 5, "more than 32 ethdev nodes");
	/* exactly TOPO_MAX_ETHDEV loads: drop e32 and its link */
	{
		char ok[8192];
		const char *n32 = strstr(buf, "    e32:"),
			   *l32 = strstr(buf, "    - endpoints: [e32:");
		struct topo *t;

		assert_non_null(n32);
		assert_non_null(l32);
		snprintf(ok, sizeof(ok), "%.*s%.*s", (int)(n32 - buf), buf,
			 (int)(l32 - strchr(n32, '\n') - 1), strchr(n32, '\n') + 1);
		t = load_ok(ok);
		assert_int_equal(t->n_nodes, TOPO_MAX_ETHDEV + 1);
		topo_free(t);
	}
}

/* ---- robustness and scale --------------------------------------------- */

/* Every prefix of a valid file either loads or fails cleanly (ASan checks). */
static void test_prefixes(void **state)
{
	static const char yaml[] =
	    "# comment\n"
	    "name: lab\n"
	    "topology:\n"
	    "  defaults: {subnet: 10.0.0.0/24, gateway: 10.0.0.1, port: tap}\n"
	    "  nodes:\n"
	    "    sw1: &s {kind: switch}\n"
	    "    sw2: *s\n"
	    "    h1: {kind: host, ip: 10.0.0.9/24, mac: \"02:00:00:00:00:09\"}\n"
	    "    h2:\n"
	    "      kind: host\n"
	    "      gateway: 10.0.0.254\n"
	    "      port: afpacket\n"
	    "    'h3': {kind: \"host\"}\n"
	    "  links:\n"
	    "    - endpoints: [h1:eth0, sw1:p1]\n"
	    "    - endpoints:\n"
	    "      - sw2:p1\n"
	    "      - h2:eth0\n"
	    "    - {endpoints: [\"h3:eth0\", sw1:p2]}\n";
	size_t len = strlen(yaml), i;
	unsigned ok = 0;

	(void)state;
	for (i = 0; i <= len; i++) {
		struct topo_diags d;
		struct topo *t = NULL;
		char *copy = malloc(i ? i : 1); /* exact size: ASan sees overreads */
		int rc;

		assert_non_null(copy);
		memcpy(copy, yaml, i);
		rc = topo_load_buffer("prefix", copy, i, &t, &d);
		assert_true(rc == 0 || rc == -EINVAL);
		assert_true(rc == 0 ? t != NULL : t == NULL && d.n > 0);
		ok += rc == 0;
		topo_free(t);
		free(copy);
	}
	assert_true(ok >= 1);
}

/* Flip bytes of a valid file: nothing may crash or leak. */
static void test_mutations(void **state)
{
	static const char yaml[] = "name: lab\n"
				   "topology:\n"
				   "  defaults: {subnet: 10.0.0.0/24}\n"
				   "  nodes:\n"
				   "    sw1: {kind: switch}\n"
				   "    h1: {kind: host, ip: 10.0.0.9/24}\n"
				   "  links:\n"
				   "    - endpoints: [h1:eth0, sw1:p1]\n";
	static const char subst[] = " :-[]{}&*!|>'\"#\n\0\xff";
	char buf[sizeof(yaml)];
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(yaml) - 1; i++) {
		for (j = 0; j < sizeof(subst) - 1; j++) {
			struct topo_diags d;
			struct topo *t = NULL;

			memcpy(buf, yaml, sizeof(yaml));
			buf[i] = subst[j];
			topo_load_buffer("mut", buf, sizeof(yaml) - 1, &t, &d);
			topo_free(t);
		}
	}
}

/* Prefixes and byte flips of a file using every params shape: clean failures only. */
static void test_params_prefixes(void **state)
{
	static const char yaml[] =
	    "name: lab\n"
	    "seed: 7\n"
	    "topology:\n"
	    "  defaults:\n"
	    "    params: {mtu: 1500, forward: {rate: 1gbit}, reverse: {loss: 1%}}\n"
	    "  nodes:\n"
	    "    sw1: {kind: switch}\n"
	    "    h1: {kind: host}\n"
	    "    h2: {kind: host}\n"
	    "  links:\n"
	    "    - endpoints: [sw1:p1, h1:eth0]\n"
	    "      params:\n"
	    "        delay: 10ms\n"
	    "        ge_p: 1%\n"
	    "        ge_r: 10%\n"
	    "        forward: {burst: 32kb, queue: 64kb}\n"
	    "    - {endpoints: [h2:eth0, sw1:p2], params: {state: down}}\n";
	static const char subst[] = " :-[]{}&*!|>'\"#\n\0\xff";
	(void)state;
	fuzz_topo(yaml, sizeof(yaml), subst, sizeof(subst) - 1);
}

static void test_large(void **state)
{
	enum { HOSTS = 5000, SWITCHES = 10 };
	size_t cap = 1 << 20, len = 0;
	struct topo_diags d;
	struct topo *t = NULL;
	struct timespec t0, t1;
	char *buf;
	uint32_t *seen;
	unsigned i;
	double ms;

	(void)state;
	buf = malloc(cap);
	assert_non_null(buf);
	len += (size_t)snprintf(buf + len, cap - len,
				"name: big\ntopology:\n  defaults: {subnet: 10.0.0.0/16, "
				"gateway: 10.0.0.1}\n  nodes:\n");
	for (i = 0; i < SWITCHES; i++)
		len += (size_t)snprintf(buf + len, cap - len, "    sw%u: {kind: switch}\n", i);
	for (i = 0; i < HOSTS; i++) {
		if (i % 7 == 0)
			len += (size_t)snprintf(buf + len, cap - len,
						"    h%u: {kind: host, ip: 10.0.%u.%u/16}\n", i,
						i / 250, i % 250 + 2);
		else
			len += (size_t)snprintf(buf + len, cap - len, "    h%u: {kind: host}\n", i);
	}
	len += (size_t)snprintf(buf + len, cap - len, "  links:\n");
	for (i = 0; i < HOSTS; i++)
		len += (size_t)snprintf(buf + len, cap - len,
					"    - endpoints: [h%u:eth0, sw%u:p%u]\n", i, i % SWITCHES,
					i / SWITCHES);
	assert_true(len < cap - 1);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(topo_load_buffer("big", buf, len, &t, &d), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	assert_true(ms < 1000);
	assert_int_equal(t->n_nodes, HOSTS + SWITCHES);
	assert_int_equal(t->n_links, HOSTS);

	/* Every address unique and in the subnet (a bitmap over the /16). */
	seen = calloc(65536 / 32, sizeof(*seen));
	assert_non_null(seen);
	for (i = 0; i < t->n_nodes; i++) {
		const struct topo_node *n = &t->nodes[i];
		uint32_t host;

		if (n->kind != TOPO_KIND_HOST)
			continue;
		assert_true(n->has_ip);
		assert_int_equal(n->ip.addr >> 16, 0x0a00);
		assert_int_not_equal(n->ip.addr, addr("10.0.0.1"));
		assert_int_equal(n->gateway, addr("10.0.0.1"));
		host = n->ip.addr & 0xffff;
		assert_false(seen[host / 32] & (1u << (host % 32)));
		seen[host / 32] |= 1u << (host % 32);
	}
	free(seen);
	topo_free(t);
	free(buf);
}

/* defaults.dns: containerlab's servers, search and options, each a list or
 * one item; every item checked where it is written. */
static void test_dns(void **state)
{
	struct topo *t;

	(void)state;
	t = load_ok(HDR "  defaults:\n"
			"    dns:\n"
			"      servers: [10.0.0.53, \"fd00::53\"]\n"
			"      search: [lab.example, corp_1.example.]\n"
			"      options: [ndots:2, timeout:1, attempts:2, rotate, edns0]\n"
			"  nodes: {sw1: {kind: switch}}\n");
	assert_int_equal(t->dns.n_servers, 2);
	assert_string_equal(t->dns.servers[0], "10.0.0.53");
	assert_string_equal(t->dns.servers[1], "fd00::53");
	assert_string_equal(t->dns.search, "lab.example corp_1.example.");
	assert_string_equal(t->dns.options, "ndots:2 timeout:1 attempts:2 rotate edns0");
	topo_free(t);
	/* a scalar is a list of one; no dns: no server */
	t = load_ok(HDR "  defaults: {dns: {servers: 192.0.2.1, search: x}}\n"
			"  nodes: {sw1: {kind: switch}}\n");
	assert_int_equal(t->dns.n_servers, 1);
	assert_string_equal(t->dns.search, "x");
	assert_string_equal(t->dns.options, "");
	topo_free(t);
	t = load_ok(HDR "  nodes: {sw1: {kind: switch}}\n");
	assert_int_equal(t->dns.n_servers, 0);
	topo_free(t);
#define DNS(x) HDR "  defaults: {dns: " x "}\n  nodes: {sw1: {kind: switch}}\n"
	expect_err(DNS("8.8.8.8"), 3, 19, "expected a mapping for 'dns'");
	expect_err(DNS("{servers: [1.1.1.1, nameserver]}"), 3, 39,
		   "bad dns.servers 'nameserver': expected an IPv4 or IPv6 address");
	expect_err(DNS("{servers: [224.0.0.1]}"), 3, 30, "multicast");
	expect_err(DNS("{servers: [\"::\"]}"), 3, 30, "unspecified");
	expect_err(DNS("{servers: [1.1.1.1, 1.1.1.2, 1.1.1.3, 1.1.1.4]}"), 3, 57,
		   "dns.servers: at most 3");
	expect_err(DNS("{search: [\"a..b\"]}"), 3, 29, "empty label");
	expect_err(DNS("{search: [\"a b\"]}"), 3, 29, "letters, digits");
	expect_err(DNS("{options: [ndots:99]}"), 3, 30, "out of range");
	expect_err(DNS("{options: [ndots]}"), 3, 30, "expected NAME:N");
	expect_err(DNS("{options: [rotat]}"), 3, 30, "unknown resolver option");
	expect_err(DNS("{options: [[rotate]]}"), 3, 30, "expected a scalar in dns.options");
	expect_err(DNS("{server: [1.1.1.1]}"), 3, 20, "unknown key 'server' in dns");
	expect_err(DNS("{options: {a: b}}"), 3, 29, "expected a list (or one item) for dns.options");
#undef DNS
}

/* Addresses a host cannot have: loopback, multicast, the limited
 * broadcast, as an ip, a gateway or what a subnet hands out. */
static void test_ip4_special(void **state)
{
	(void)state;
#define ONE(h) HDR "  nodes:\n    sw1: {kind: switch}\n    h1: " h "\n" \
		   "  links:\n    - endpoints: [h1:eth0, sw1:p1]\n"
	expect_err(ONE("{kind: host, ip: 127.0.0.5/8, gateway: none}"), 5, 26,
		   "address 127.0.0.5/8 of h1 is a loopback address");
	expect_err(ONE("{kind: host, ip: 224.1.1.1/24, gateway: none}"), 5, 26,
		   "is a multicast address");
	expect_err(ONE("{kind: host, ip: 255.255.255.255/32, gateway: none}"), 5, 26,
		   "is the limited broadcast address");
	expect_err(ONE("{kind: host, ip: 10.0.0.2/8, gateway: 10.255.255.255}"), 5, 47,
		   "not a usable address");
#undef ONE
#define SUB(n) HDR "  defaults: {subnet: " n "}\n  nodes:\n    sw1: {kind: switch}\n" \
		   "    h1: {kind: host}\n  links:\n    - endpoints: [h1:eth0, sw1:p1]\n"
	expect_err(SUB("127.0.0.0/24"), 3, 22, "subnet 127.0.0.0/24 holds a loopback address");
	expect_err(SUB("224.0.0.0/24"), 3, 22, "holds a multicast address");
	expect_err(SUB("255.255.255.254/31"), 3, 22, "holds the limited broadcast address");
	topo_free(load_ok(SUB("240.0.0.0/24")));
#undef SUB
}

/* Host names: case-blind in the hosts file, so no two that differ only in
 * case; none that reads as an address or is the machine's (localhost). */
static void test_host_names(void **state)
{
	struct topo *t;

	(void)state;
	expect_err(HDR "  nodes: {sw1: {kind: switch}, H1: {kind: host}, h1: {kind: host}}\n", 3,
		   50, "node 'h1' differs from 'H1' (defined at 3:32) only in case");
	expect_err(HDR "  nodes: {sw1: {kind: switch}, Sw1: {kind: switch}}\n", 3, 32,
		   "only in case");
	expect_err(HDR "  nodes: {sw1: {kind: switch}, \"1\": {kind: host}}\n", 3, 32,
		   "host name '1': it reads as an address");
	expect_err(HDR "  nodes: {sw1: {kind: switch}, 0x3: {kind: host}}\n", 3, 32,
		   "host name '0x3': it reads as an address");
	expect_err(HDR "  nodes: {sw1: {kind: switch}, localhost: {kind: host}}\n", 3, 32,
		   "host name 'localhost': the machine's hosts file names it");
	/* a switch's name is in no hosts file; names with a letter are fine */
	t = load_ok(HDR "  nodes: {\"1\": {kind: switch}, 0xg: {kind: host}, 1a: {kind: host}}\n");
	assert_int_equal(t->n_nodes, 3);
	topo_free(t);
}

/* A MAC written in the file may not be one a host's other interface gets
 * (topo_if_mac: derived from lab, host and interface names). */
static void test_mac_vs_derived(void **state)
{
	char yaml[1024], m[24];
	struct topo *t;
	uint8_t mac[6];

	(void)state;
	t = load_ok(HDR "  defaults: {subnet: 10.0.0.0/24}\n"
			"  nodes: {sw1: {kind: switch}, h1: {kind: host}}\n"
			"  links:\n    - endpoints: [h1:eth0, sw1:p1]\n"
			"    - endpoints: [h1:eth1, sw1:p2]\n");
	topo_if_mac(t, node(t, "h1"), "eth1", mac);
	topo_free(t);
	snprintf(m, sizeof(m), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
		 mac[4], mac[5]);
	snprintf(yaml, sizeof(yaml),
		 HDR "  defaults: {subnet: 10.0.0.0/24}\n"
		     "  nodes: {sw1: {kind: switch}, h1: {kind: host}, h2: {kind: host, mac: \"%s\"}}\n"
		     "  links:\n    - endpoints: [h1:eth0, sw1:p1]\n"
		     "    - endpoints: [h1:eth1, sw1:p2]\n    - endpoints: [h2:eth0, sw1:p3]\n",
		 m);
	expect_err(yaml, 4, 72, "of h2 is the one h1:eth1 gets");
}

/* IPv6 needs an MTU of 1280: a host with an IPv6 address on a smaller eth0
 * link is refused where the mtu is written; without one it is fine. */
static void test_ip6_mtu(void **state)
{
	(void)state;
#define LAB6(d, l) HDR "  defaults: {subnet6: \"fd00::/64\"" d "}\n" \
		   "  nodes: {sw1: {kind: switch}, h1: {kind: host}, h2: {kind: host}}\n" \
		   "  links:\n    - {endpoints: [h1:eth0, sw1:p1]" l "}\n" \
		   "    - endpoints: [h2:eth0, sw1:p2]\n"
	expect_err(LAB6(", params: {mtu: 1279}", ""), 3, 44,
		   "mtu 1279 is below IPv6's minimum of 1280 (h1:eth0 has an IPv6 address)");
	expect_err(LAB6("", ", params: {mtu: 1000}"), 6, 46, "mtu 1000 is below IPv6's minimum");
	topo_free(load_ok(LAB6(", params: {mtu: 1280}", "")));
#undef LAB6
	topo_free(load_ok(HDR "  defaults: {subnet: 10.0.0.0/24, params: {mtu: 576}}\n"
			      "  nodes: {sw1: {kind: switch}, h1: {kind: host}}\n"
			      "  links:\n    - endpoints: [h1:eth0, sw1:p1]\n"));
}

/* YAML merge keys: the merged mapping fills what the node leaves out. */
static void test_merge_keys(void **state)
{
	struct topo *t;

	(void)state;
	t = load_ok(HDR "  defaults: {subnet: 10.0.0.0/24}\n"
			"  nodes:\n"
			"    sw1: {kind: switch}\n"
			"    h1: &h {kind: host, port: tap}\n"
			"    h2: {<<: *h, mac: \"02:00:00:00:00:02\"}\n"
			"    h3: {port: afpacket, <<: [*h]}\n"
			"  links:\n"
			"    - endpoints: [h1:eth0, sw1:p1]\n"
			"    - endpoints: [h2:eth0, sw1:p2]\n"
			"    - endpoints: [h3:eth0, sw1:p3]\n");
	assert_int_equal(node(t, "h2")->kind, TOPO_KIND_HOST);
	assert_int_equal(node(t, "h2")->port_type, TOPO_PORT_TAP);
	assert_int_equal(node(t, "h2")->mac[5], 2);
	assert_int_equal(node(t, "h3")->port_type, TOPO_PORT_AFPACKET);
	topo_free(t);
	expect_err(HDR "  nodes: {sw1: {kind: switch}, h1: {<<: 5}}\n", 3, 41,
		   "a merge key ('<<') takes a mapping or a list of them");
	expect_err(HDR "  nodes:\n    sw1: {kind: switch}\n    h1: &h {kind: host, x: 1}\n"
		       "    h2: {<<: *h}\n", 5, 25, "unknown key 'x' in node 'h2'");
}

/* defaults.arp and defaults.ipv6: two-word choices, errors at the value. */
static void test_arp_ipv6(void **state)
{
	struct topo *t;

	(void)state;
	t = load_ok(HDR "  defaults: {arp: static, ipv6: off}\n"
			"  nodes: {sw1: {kind: switch}}\n");
	assert_int_equal(t->arp_static, 1);
	assert_int_equal(t->ipv6_off, 1);
	topo_free(t);
	t = load_ok(HDR "  nodes: {sw1: {kind: switch}}\n");
	assert_int_equal(t->arp_static, 0);
	assert_int_equal(t->ipv6_off, 0);
	topo_free(t);
	expect_err(HDR "  defaults: {arp: magic}\n  nodes: {sw1: {kind: switch}}\n", 3, 19,
		   "bad value 'magic' for arp: expected dynamic or static");
	expect_err(HDR "  defaults: {ipv6: [on]}\n  nodes: {sw1: {kind: switch}}\n", 3, 20,
		   "expected a scalar for 'ipv6'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_arp_ipv6),
	    cmocka_unit_test(test_dns),
	    cmocka_unit_test(test_ip4_special),
	    cmocka_unit_test(test_host_names),
	    cmocka_unit_test(test_mac_vs_derived),
	    cmocka_unit_test(test_ip6_mtu),
	    cmocka_unit_test(test_merge_keys),
	    cmocka_unit_test(test_quickstart),
	    cmocka_unit_test(test_links_normalised),
	    cmocka_unit_test(test_trunk_links),
	    cmocka_unit_test(test_gateway),
	    cmocka_unit_test(test_gateway_skipped_and_last),
	    cmocka_unit_test(test_tap),
	    cmocka_unit_test(test_ip_without_len),
	    cmocka_unit_test(test_no_subnet),
	    cmocka_unit_test(test_isolated_and_aliases),
	    cmocka_unit_test(test_mac_collision),
	    cmocka_unit_test(test_err_yaml_syntax),
	    cmocka_unit_test(test_err_empty_and_scalar),
	    cmocka_unit_test(test_err_wrong_type),
	    cmocka_unit_test(test_err_endpoints),
	    cmocka_unit_test(test_err_duplicates),
	    cmocka_unit_test(test_err_dup_node_fixture),
	    cmocka_unit_test(test_err_unknown_keys),
	    cmocka_unit_test(test_err_kinds),
	    cmocka_unit_test(test_link_port_type),
	    cmocka_unit_test(test_err_names),
	    cmocka_unit_test(test_err_addresses),
	    cmocka_unit_test(test_err_subnet_rules),
	    cmocka_unit_test(test_err_addresses_no_subnet),
	    cmocka_unit_test(test_err_gateways),
	    cmocka_unit_test(test_router_host),
	    cmocka_unit_test(test_ipv6),
	    cmocka_unit_test(test_wires),
	    cmocka_unit_test(test_err_exec),
	    cmocka_unit_test(test_err_no_eth0),
	    cmocka_unit_test(test_err_macs),
	    cmocka_unit_test(test_err_subnet_exhausted),
	    cmocka_unit_test(test_err_many),
	    cmocka_unit_test(test_err_nesting),
	    cmocka_unit_test(test_missing_file),
	    cmocka_unit_test(test_diags_print),
	    cmocka_unit_test(test_parsers),
	    cmocka_unit_test(test_prefixes),
	    cmocka_unit_test(test_mutations),
	    cmocka_unit_test(test_large),
	    cmocka_unit_test(test_seed),
	    cmocka_unit_test(test_params_link),
	    cmocka_unit_test(test_params_directions),
	    cmocka_unit_test(test_params_defaults),
	    cmocka_unit_test(test_params_trunk),
	    cmocka_unit_test(test_params_gilbert_elliott),
	    cmocka_unit_test(test_params_rate_needed),
	    cmocka_unit_test(test_err_params),
	    cmocka_unit_test(test_err_port_mtu),
	    cmocka_unit_test(test_impaired_example),
	    cmocka_unit_test(test_params_prefixes),
	    cmocka_unit_test(test_external_nodes),
	    cmocka_unit_test(test_err_external),
	    cmocka_unit_test(test_err_pcap_files),
	    cmocka_unit_test(test_err_ethdev_max),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
