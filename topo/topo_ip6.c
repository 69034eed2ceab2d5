/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 addresses of hosts: 'ip6' and 'gateway6' on a host, 'subnet6' and
 * 'gateway6' in defaults. Checked (well formed, not with ipv6: off, no
 * duplicates, an eth0 to put them on), then assigned: every host with an
 * eth0 and no 'ip6' gets the next free address of subnet6 (::1, ::2, ...
 * in file order), and its default route via the host's gateway6, else the
 * defaults' (unless that is the host's own address: the router).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo_priv.h"

int topo_ip6_parse(const char *s, struct topo_ip6 *ip, int want_plen)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	long plen = -1;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash != NULL) {
		if (want_plen < 0 || slash[1] < '0' || slash[1] > '9')
			return -EINVAL;
		*slash = '\0';
		plen = strtol(slash + 1, &end, 10);
		if (*end != '\0' || plen > 128)
			return -EINVAL;
	} else if (want_plen > 0) {
		return -EINVAL;
	}
	if (inet_pton(AF_INET6, buf, ip->addr) != 1)
		return -EINVAL;
	ip->plen = plen < 0 ? 255 : (uint8_t)plen;
	return 0;
}

void topo_ip6_format(const struct topo_ip6 *ip, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, ip->addr, a, sizeof(a));
	if (ip->plen <= 128)
		snprintf(buf, len, "%s/%u", a, ip->plen);
	else
		snprintf(buf, len, "%s", a);
}

int topo_ip6_in_net(const uint8_t *a, const struct topo_ip6 *net)
{
	unsigned plen = net->plen > 128 ? 128 : net->plen;
	unsigned full = plen / 8, rest = plen % 8;

	if (memcmp(a, net->addr, full) != 0)
		return 0;
	return rest == 0 || ((a[full] ^ net->addr[full]) & (0xff00 >> rest) & 0xff) == 0;
}

struct ip6_ref {
	uint8_t addr[16];
	unsigned node;
};

static int ref_cmp(const void *pa, const void *pb)
{
	const struct ip6_ref *a = pa, *b = pb;
	int c = memcmp(a->addr, b->addr, 16);

	return c ? c : (a->node > b->node) - (a->node < b->node);
}

static int link_local6(const uint8_t *a)
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

/* Explicit addresses, sorted, and with gateways the gateways too (node:
 * UINT_MAX for the defaults'): what assignment skips. NULL with *n 0 when
 * there are none. */
static struct ip6_ref *explicit_addrs(const struct topo_build *b, size_t *n, int gateways)
{
	const struct topo *t = b->t;
	struct ip6_ref *r;

	*n = 0;
	r = calloc(2 * t->n_nodes + 2, sizeof(*r));
	if (r == NULL)
		return NULL;
	if (gateways && t->has_gateway6) {
		memcpy(r[*n].addr, t->gateway6, 16);
		r[(*n)++].node = UINT_MAX;
	}
	for (unsigned i = 0; i < t->n_nodes; i++) {
		if (b->src[i].flags & TOPO_SRC_IP6) {
			memcpy(r[*n].addr, t->nodes[i].ip6.addr, 16);
			r[(*n)++].node = i;
		}
		if (gateways && (b->src[i].flags & TOPO_SRC_GW6)) {
			memcpy(r[*n].addr, t->nodes[i].gw6, 16);
			r[(*n)++].node = i;
		}
	}
	qsort(r, *n, sizeof(*r), ref_cmp);
	return r;
}

/* What an address cannot be on a host's eth0, or NULL. */
static const char *bad_kind6(const uint8_t *a)
{
	static const uint8_t zero[16], mapped[12] = {[10] = 0xff, [11] = 0xff};

	if (a[0] == 0xff)
		return "multicast";
	if (memcmp(a, zero, 15) == 0 && a[15] <= 1)
		return a[15] ? "the loopback address" : "the unspecified address";
	if (memcmp(a, mapped, 12) == 0)
		return "IPv4-mapped";
	return NULL;
}

/* An explicit ip6 of host i (its /len resolved): a kind a host cannot
 * have, the subnet-router anycast address of its prefix, and outside
 * subnet6 unless the host is routed (a gateway6 of its own, or none, or
 * 'exec' commands: a router host), as for IPv4. */
static void check_host_ip6(struct topo_build *b, unsigned i)
{
	const struct topo *t = b->t;
	const struct topo_node *h = &t->nodes[i];
	const struct topo_src_node *src = &b->src[i];
	struct topo_ip6 net = h->ip6;
	char a[INET6_ADDRSTRLEN + 8], sub[INET6_ADDRSTRLEN + 8];
	const char *kind = bad_kind6(h->ip6.addr);

	topo_ip6_format(&h->ip6, a, sizeof(a));
	if (kind != NULL) {
		topo_diag(b->diags, src->ip6_mark, "ip6 %s of %s is %s", a, h->name, kind);
		return;
	}
	if (t->has_subnet6 && !(src->flags & (TOPO_SRC_GW6 | TOPO_SRC_GW6_NONE)) &&
	    h->n_exec == 0 &&
	    (h->ip6.plen != t->subnet6.plen || !topo_ip6_in_net(h->ip6.addr, &t->subnet6))) {
		topo_ip6_format(&t->subnet6, sub, sizeof(sub));
		topo_diag(b->diags, src->ip6_mark,
			  "address %s of %s is outside subnet6 %s (a host of another network needs "
			  "a gateway6 of its own)",
			  a, h->name, sub);
		return;
	}
	for (unsigned k = net.plen; k < 128; k++)
		net.addr[k / 8] &= (uint8_t)~(0x80 >> (k % 8));
	if (net.plen < 127 && memcmp(net.addr, h->ip6.addr, 16) == 0) {
		topo_ip6_format(&net, sub, sizeof(sub));
		topo_diag(b->diags, src->ip6_mark,
			  "address %s of %s is the subnet-router anycast address of %s (its "
			  "network's own)",
			  a, h->name, sub);
	}
}

/* A host's own gateway6: not its own address, and on its network (or
 * subnet6's when it takes its address from there) unless link-local. */
static void check_host_gw6(struct topo_build *b, unsigned i)
{
	const struct topo *t = b->t;
	const struct topo_node *h = &t->nodes[i];
	const struct topo_src_node *src = &b->src[i];
	const struct topo_ip6 *net = (src->flags & TOPO_SRC_IP6) ? &h->ip6 : &t->subnet6;
	struct topo_ip6 gw = {.plen = 255};
	char a[INET6_ADDRSTRLEN + 8], sub[INET6_ADDRSTRLEN + 8];

	memcpy(gw.addr, h->gw6, 16);
	topo_ip6_format(&gw, a, sizeof(a));
	if (bad_kind6(h->gw6) != NULL) {
		topo_diag(b->diags, src->gw6_mark, "gateway6 %s of %s is %s", a, h->name,
			  bad_kind6(h->gw6));
		return;
	}
	if (!(src->flags & TOPO_SRC_IP6) && !t->has_subnet6) {
		topo_diag(b->diags, src->gw6_mark,
			  "host %s has a gateway6 but no IPv6 address (no ip6 and no subnet6)",
			  h->name);
		return;
	}
	if ((src->flags & TOPO_SRC_IP6) && memcmp(h->gw6, h->ip6.addr, 16) == 0) {
		topo_diag(b->diags, src->gw6_mark, "gateway6 %s of %s is its own address", a,
			  h->name);
		return;
	}
	if (!link_local6(h->gw6) && !topo_ip6_in_net(h->gw6, net)) {
		topo_ip6_format(net, sub, sizeof(sub));
		topo_diag(b->diags, src->gw6_mark,
			  "gateway6 %s of %s is outside %s %s (or use a link-local fe80:: address)",
			  a, h->name, (src->flags & TOPO_SRC_IP6) ? "its network" : "subnet6", sub);
	}
}

int topo_check_ip6(struct topo_build *b)
{
	struct topo *t = b->t;
	struct ip6_ref *r;
	char a[INET6_ADDRSTRLEN + 8];
	size_t n;

	if (t->ipv6_off && b->subnet6_mark.line)
		topo_diag(b->diags, b->subnet6_mark, "IPv6 addresses with defaults.ipv6: off");
	if (t->has_subnet6) {
		struct topo_ip6 net = t->subnet6;

		topo_ip6_format(&net, a, sizeof(a));
		for (unsigned k = net.plen; k < 128; k++)
			net.addr[k / 8] &= (uint8_t)~(0x80 >> (k % 8));
		if (memcmp(net.addr, t->subnet6.addr, 16) != 0 || net.plen > 120)
			topo_diag(b->diags, b->subnet6_mark,
				  "bad subnet6 %s: host bits must be 0, and /len at most 120", a);
		else if (bad_kind6(t->subnet6.addr) != NULL)
			topo_diag(b->diags, b->subnet6_mark, "subnet6 %s is %s", a,
				  bad_kind6(t->subnet6.addr));
		/* a link-local gateway (fe80::/10) is on every link */
		else if (t->has_gateway6 && !topo_ip6_in_net(t->gateway6, &t->subnet6) &&
			 !link_local6(t->gateway6))
			topo_diag(b->diags, b->subnet6_mark,
				  "defaults.gateway6 is outside subnet6 %s (or use a link-local "
				  "fe80:: address)",
				  a);
	}
	for (unsigned i = 0; i < t->n_nodes; i++) {
		struct topo_src_node *s = &b->src[i];
		struct topo_node *h = &t->nodes[i];

		if (!(s->flags & (TOPO_SRC_IP6 | TOPO_SRC_GW6 | TOPO_SRC_GW6_NONE)))
			continue;
		if (t->ipv6_off)
			topo_diag(b->diags, (s->flags & TOPO_SRC_IP6) ? s->ip6_mark : s->gw6_mark,
				  "IPv6 addresses with defaults.ipv6: off (host %s)", h->name);
		else if (!(s->flags & TOPO_SRC_ETH0))
			topo_diag(b->diags, (s->flags & TOPO_SRC_IP6) ? s->ip6_mark : s->gw6_mark,
				  "host %s has an IPv6 address or gateway but no eth0 link",
				  h->name);
		else if ((s->flags & TOPO_SRC_NOPLEN6) && !t->has_subnet6)
			topo_diag(b->diags, s->ip6_mark,
				  "ip6 of %s needs a /len: there is no subnet6 in defaults", h->name);
		else {
			if (s->flags & TOPO_SRC_NOPLEN6)
				h->ip6.plen = t->subnet6.plen;
			if (s->flags & TOPO_SRC_IP6)
				check_host_ip6(b, i);
			if (s->flags & TOPO_SRC_GW6)
				check_host_gw6(b, i);
		}
	}
	r = explicit_addrs(b, &n, 0);
	if (r == NULL)
		return -ENOMEM;
	for (size_t k = 1; k < n; k++) {
		const struct topo_node *h = &t->nodes[r[k].node], *o = &t->nodes[r[k - 1].node];

		if (memcmp(r[k].addr, r[k - 1].addr, 16) != 0)
			continue;
		inet_ntop(AF_INET6, r[k].addr, a, sizeof(a));
		topo_diag(b->diags, b->src[r[k].node].ip6_mark,
			  "address %s of %s is already %s's (at %u:%u)", a, h->name, o->name,
			  b->src[r[k - 1].node].ip6_mark.line, b->src[r[k - 1].node].ip6_mark.col);
	}
	free(r);
	return 0;
}

/* subnet6's network plus k, k < 2^32. */
static void subnet_plus(const struct topo_ip6 *net, uint32_t k, uint8_t *out)
{
	unsigned carry = 0;

	memcpy(out, net->addr, 16);
	for (int i = 15; i >= 0 && (k != 0 || carry != 0); i--) {
		unsigned v = out[i] + (k & 0xff) + carry;

		out[i] = (uint8_t)v;
		carry = v >> 8;
		k >>= 8;
	}
}

int topo_resolve_ip6(struct topo_build *b)
{
	struct topo *t = b->t;
	struct ip6_ref *r;
	uint64_t next = 1, last;
	size_t n, u = 0;
	char s[INET6_ADDRSTRLEN + 8];

	for (unsigned i = 0; i < t->n_nodes; i++) {
		t->nodes[i].has_ip6 = !!(b->src[i].flags & TOPO_SRC_IP6);
		t->nodes[i].has_gw6 = !!(b->src[i].flags & TOPO_SRC_GW6);
	}
	/* skipping the gateways too: a host given a gateway's address would
	 * route through itself, or collide with a router outside the lab */
	r = explicit_addrs(b, &n, 1);
	if (r == NULL)
		return -ENOMEM;
	/* the last host address: all ones but the top is the subnet's end */
	last = t->subnet6.plen >= 96 ? (1ull << (128 - t->subnet6.plen)) - 2 : UINT32_MAX;
	topo_ip6_format(&t->subnet6, s, sizeof(s));
	for (unsigned i = 0; i < t->n_nodes && t->has_subnet6; i++) {
		struct topo_node *h = &t->nodes[i];
		uint8_t cand[16];

		if (!topo_build_is_host(b, i) || h->has_ip6 || !(b->src[i].flags & TOPO_SRC_ETH0))
			continue;
		for (;; next++) {
			if (next > last)
				break;
			subnet_plus(&t->subnet6, (uint32_t)next, cand);
			while (u < n && memcmp(r[u].addr, cand, 16) < 0)
				u++;
			if (u == n || memcmp(r[u].addr, cand, 16) != 0)
				break;
		}
		if (next > last) {
			topo_diag(b->diags, h->mark, "subnet6 %s has no free address for %s", s,
				  h->name);
			continue;
		}
		memcpy(h->ip6.addr, cand, 16);
		h->ip6.plen = t->subnet6.plen;
		h->has_ip6 = 1;
		next++;
	}
	free(r);
	/* the defaults' gateway6 for hosts of subnet6 (without one: hosts it
	 * is on the network of) with no gateway6 of their own (or none): not
	 * the gateway itself, and not a host off subnet6, a router host
	 * (check_host_ip6 let it in for its exec), as for IPv4 */
	for (unsigned i = 0; i < t->n_nodes && t->has_gateway6; i++) {
		struct topo_node *h = &t->nodes[i];

		if (!topo_build_is_host(b, i) || h->has_gw6 || !h->has_ip6 ||
		    (b->src[i].flags & TOPO_SRC_GW6_NONE) || memcmp(h->ip6.addr, t->gateway6, 16) == 0)
			continue;
		if (t->has_subnet6 ? h->ip6.plen != t->subnet6.plen ||
					     !topo_ip6_in_net(h->ip6.addr, &t->subnet6)
				   : !link_local6(t->gateway6) && !topo_ip6_in_net(t->gateway6, &h->ip6))
			continue;
		memcpy(h->gw6, t->gateway6, 16);
		h->has_gw6 = 1;
	}
	return 0;
}
