// SPDX-License-Identifier: BSD-3-Clause
/*
 * Resolution of a checked topology: port types, automatic addresses, default
 * gateways and derived MACs. Only runs when the checks found nothing, so it
 * may rely on every rule of topo_check.c holding. Link parameters are layered
 * here too, but during the checks (topo_check.c validates the result).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "topo.h"
#include "topo_priv.h"

#define ADDR_STR  20
#define MAC_TRIES 1000

static void resolve_ports(struct topo *t)
{
	unsigned i;

	if (t->port_type == TOPO_PORT_DEFAULT)
		t->port_type = TOPO_PORT_AFPACKET;
	for (i = 0; i < t->n_nodes; i++) {
		struct topo_node *n = &t->nodes[i];

		if (n->kind == TOPO_KIND_VHOST)
			n->port_type = TOPO_PORT_VHOST;
		else if (n->kind == TOPO_KIND_ETHDEV)
			n->port_type = TOPO_PORT_ETHDEV;
		else if (n->kind == TOPO_KIND_HOST && n->port_type == TOPO_PORT_DEFAULT)
			n->port_type = t->port_type;
	}
	for (i = 0; i < t->n_links; i++) {
		struct topo_link *l = &t->links[i];

		if (l->trunk)
			l->port_type = TOPO_PORT_DEFAULT;
		else if (l->port_type == TOPO_PORT_DEFAULT)
			l->port_type = t->nodes[l->ep[0].node].port_type;
	}
}

static int u32_cmp(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;

	return a < b ? -1 : a > b;
}

/* What auto-assignment must skip: explicit addresses and every gateway. */
static uint32_t *taken_addrs(const struct topo_build *b, size_t *count)
{
	const struct topo *t = b->t;
	uint32_t *u;
	size_t n = 0;
	unsigned i;

	u = calloc(2 * (size_t)t->n_nodes + 1, sizeof(*u));
	if (!u)
		return NULL;
	if (b->has_gateway)
		u[n++] = t->gateway;
	for (i = 0; i < t->n_nodes; i++) {
		if (b->src[i].flags & TOPO_SRC_IP)
			u[n++] = t->nodes[i].ip.addr;
		if (b->src[i].flags & TOPO_SRC_GW)
			u[n++] = t->nodes[i].gateway;
	}
	qsort(u, n, sizeof(*u), u32_cmp);
	*count = n;
	return u;
}

/*
 * Hosts take the next free address in file order; 'next' only grows, so one
 * walk over the sorted taken list serves all of them.
 */
static int assign_addresses(struct topo_build *b)
{
	struct topo *t = b->t;
	const struct topo_ip4 *sub = &t->subnet;
	uint32_t mask = topo_plen_mask(sub->plen), *taken;
	uint64_t next, last;
	size_t u = 0, n_taken = 0;
	char s[ADDR_STR];
	unsigned i;

	for (i = 0; i < t->n_nodes; i++)
		t->nodes[i].has_ip = !!(b->src[i].flags & TOPO_SRC_IP);
	if (!t->has_subnet)
		return 0;
	taken = taken_addrs(b, &n_taken);
	if (!taken)
		return -ENOMEM;
	next = sub->addr + (sub->plen <= 30);
	last = (uint64_t)(sub->addr | ~mask) - (sub->plen <= 30);
	topo_cidr_format(sub, s, sizeof(s));
	for (i = 0; i < t->n_nodes; i++) {
		struct topo_node *n = &t->nodes[i];

		if (!topo_build_is_host(b, i) || n->has_ip || !(b->src[i].flags & TOPO_SRC_ETH0))
			continue;
		for (;;) {
			while (u < n_taken && taken[u] < next)
				u++;
			if (next > last || u == n_taken || taken[u] != next)
				break;
			next++;
		}
		if (next > last) {
			topo_diag(b->diags, n->mark, "subnet %s has no free address for %s", s,
				  n->name);
			continue;
		}
		n->ip.addr = (uint32_t)next++;
		n->ip.plen = sub->plen;
		n->has_ip = 1;
	}
	free(taken);
	return 0;
}

static void resolve_gateways(struct topo_build *b)
{
	struct topo *t = b->t;
	unsigned i;

	for (i = 0; i < t->n_nodes; i++) {
		struct topo_node *n = &t->nodes[i];
		int in_subnet;

		if (!topo_build_is_host(b, i) ||
		    (b->src[i].flags & (TOPO_SRC_GW | TOPO_SRC_GW_NONE)))
			continue;
		n->gateway = 0;
		in_subnet = n->has_ip && t->has_subnet && n->ip.plen == t->subnet.plen &&
			    topo_in_net(n->ip.addr, &t->subnet);
		/* router hosts route themselves: the gateway, and a host off
		 * the subnet with no gateway (topo_check.c let it in for its
		 * exec) */
		n->no_default_route = n->has_ip && ((b->has_gateway && n->ip.addr == t->gateway) ||
						    (t->has_subnet && !in_subnet));
		if (in_subnet && b->has_gateway && !n->no_default_route)
			n->gateway = t->gateway;
	}
}

static uint64_t fnv1a64(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 0x100000001b3ull;
	}
	return h;
}

/* Locally administered unicast: 0x02 then the hash's top bytes (best mixed). */
static void derive_mac(const char *lab, const char *node, unsigned attempt, uint8_t mac[6])
{
	char key[2 * TOPO_NAME_MAX + 16];
	uint64_t h;
	unsigned i;

	if (attempt)
		snprintf(key, sizeof(key), "%s/%s/%u", lab, node, attempt);
	else
		snprintf(key, sizeof(key), "%s/%s", lab, node);
	h = fnv1a64(key);
	mac[0] = 0x02;
	for (i = 1; i < 6; i++)
		mac[i] = (uint8_t)(h >> (64 - 8 * i));
}

void topo_if_mac(const struct topo *t, const struct topo_node *n, const char *ifname,
		 uint8_t mac[6])
{
	char key[2 * TOPO_NAME_MAX + TOPO_IFNAME_MAX + 8];

	if (strcmp(ifname, "eth0") == 0) {
		memcpy(mac, n->mac, 6);
		return;
	}
	/* a '/' in the key: never a node name's derived MAC (lab/node[/N]) */
	snprintf(key, sizeof(key), "%s/%s/%s", n->name, ifname, t->name);
	derive_mac(key, "", 0, mac);
}

/* Open-addressing set of 48-bit MACs; UINT64_MAX marks a free slot. */
struct mac_set {
	uint64_t *slot;
	size_t mask;
};

/* Returns 1 if added, 0 if it was there already. */
static int mac_set_add(struct mac_set *set, uint64_t k)
{
	size_t i = (size_t)((k * 0x9e3779b97f4a7c15ull) >> 20) & set->mask;

	for (; set->slot[i] != UINT64_MAX; i = (i + 1) & set->mask)
		if (set->slot[i] == k)
			return 0;
	set->slot[i] = k;
	return 1;
}

static int assign_macs(struct topo_build *b)
{
	struct topo *t = b->t;
	struct mac_set set;
	size_t cap = 16;
	unsigned i, a;
	int rc = 0, owner;

	while (cap < 2 * ((size_t)t->n_nodes + 2 * (size_t)t->n_links))
		cap <<= 1;
	set.mask = cap - 1;
	set.slot = malloc(cap * sizeof(*set.slot));
	if (!set.slot)
		return -ENOMEM;
	memset(set.slot, 0xff, cap * sizeof(*set.slot));
	for (i = 0; i < t->n_nodes; i++)
		if (b->src[i].flags & TOPO_SRC_MAC)
			mac_set_add(&set, topo_mac_key(t->nodes[i].mac));
	/* hosts' other interfaces get MACs derived from lab, host and
	 * interface (topo_if_mac): a MAC written in the file must not be one
	 * of them, and eth0's derived ones avoid them */
	for (i = 0; i < t->n_links; i++) {
		for (a = 0; a < 2; a++) {
			const struct topo_endpoint *ep = &t->links[i].ep[a];
			uint8_t mac[6];
			char m[24];

			if (!topo_build_is_host(b, ep->node) || !strcmp(ep->ifname, "eth0"))
				continue;
			topo_if_mac(t, &t->nodes[ep->node], ep->ifname, mac);
			if (mac_set_add(&set, topo_mac_key(mac)))
				continue;
			topo_mac_format(mac, m, sizeof(m));
			owner = -1;
			for (unsigned o = 0; o < t->n_nodes && owner < 0; o++)
				if ((b->src[o].flags & TOPO_SRC_MAC) &&
				    topo_mac_key(t->nodes[o].mac) == topo_mac_key(mac))
					owner = (int)o;
			if (owner >= 0)
				topo_diag(b->diags, b->src[owner].mac_mark,
					  "MAC %s of %s is the one %s:%s gets (derived from the "
					  "lab's, host's and interface's names)",
					  m, t->nodes[owner].name, t->nodes[ep->node].name, ep->ifname);
			else
				topo_diag(b->diags, t->links[i].mark,
					  "cannot derive a unique MAC for %s:%s",
					  t->nodes[ep->node].name, ep->ifname);
			rc = -EINVAL;
		}
	}
	if (rc)
		goto out;
	for (i = 0; i < t->n_nodes; i++) {
		struct topo_node *n = &t->nodes[i];

		if (!topo_build_is_host(b, i) || (b->src[i].flags & TOPO_SRC_MAC))
			continue;
		for (a = 0; a < MAC_TRIES; a++) {
			derive_mac(t->name, n->name, a, n->mac);
			if (mac_set_add(&set, topo_mac_key(n->mac)))
				break;
		}
		if (a == MAC_TRIES) {
			topo_diag(b->diags, n->mark, "cannot derive a unique MAC for %s", n->name);
			rc = -EINVAL;
			goto out;
		}
	}
out:
	free(set.slot);
	return rc;
}

void topo_resolve_default_params(const struct topo_build *b, unsigned d, struct linkparams *out)
{
	const struct topo_src_params *dp = &b->dparams;

	memset(out, 0, sizeof(*out));
	linkparams_merge(out, &dp->p[TOPO_LP_BOTH]);
	/* Defaults have no endpoint order: forward is host -> switch (ep[0] -> ep[1]
	 * on a trunk too). */
	linkparams_merge(out, &dp->p[d == TOPO_DIR_TO_SWITCH ? TOPO_LP_FORWARD : TOPO_LP_REVERSE]);
}

/*
 * The link's forward runs from its first endpoint as written: when check_links()
 * swapped the endpoints, forward is switch -> host. Trunks are never swapped.
 */
void topo_resolve_link_params(struct topo_build *b, unsigned i, int swapped)
{
	const struct topo_src_params *lp = &b->lsrc[i];
	struct topo_link *l = &b->t->links[i];
	unsigned d;

	for (d = 0; d < 2; d++) {
		int forward = (d == TOPO_DIR_TO_SWITCH) != !!swapped;

		topo_resolve_default_params(b, d, &l->params[d]);
		linkparams_merge(&l->params[d], &lp->p[TOPO_LP_BOTH]);
		linkparams_merge(&l->params[d],
				 &lp->p[forward ? TOPO_LP_FORWARD : TOPO_LP_REVERSE]);
	}
}

int topo_build_resolve(struct topo_build *b)
{
	int rc;

	resolve_ports(b->t);
	rc = assign_addresses(b);
	if (rc)
		return rc;
	resolve_gateways(b);
	rc = topo_resolve_ip6(b);
	if (rc)
		return rc;
	return assign_macs(b);
}
