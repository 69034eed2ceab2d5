/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `rackless up`: the kernel's neighbour tables: the limits a lab needs,
 * and arp: static's permanent entries.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "neigh.h"
#include "up_priv.h"

/* The kernel's neighbour tables are shared by every namespace and refuse
 * new entries past gc_thresh3 (1024 by default): 50 hosts pinging each
 * other already overflow it. Register what this lab can use with the
 * machine's other labs (neigh.h): the limits become the most any lab needs
 * and come back when the last such lab goes. A lab that can use at most
 * half the table asks for nothing. */
int up_neigh_limits(struct up *u)
{
	unsigned long hosts = 0, need, want[NEIGH_KNOBS], changed[NEIGH_KNOBS], base[NEIGH_KNOBS];
	int seq, ret;

	for (unsigned i = 0; i < u->t->n_nodes; i++)
		hosts += u->t->nodes[i].kind == TOPO_KIND_HOST;
	/* each host may talk to up to 256 others */
	need = hosts * (hosts > 257 ? 256 : (hosts ? hosts - 1 : 0));
	/* the machine's own limit, not one another lab raised: that one goes
	 * with its lab, and this lab, unregistered, lost neighbours then */
	(void)neigh_machine(LAB_RUN_DIR, base);
	if (base[1] == 0)
		base[1] = 1024;
	if (need <= base[1] / 2)
		return 0;
	for (int i = 0; i < NEIGH_KNOBS; i++) /* gc_thresh2, gc_thresh3 of v4, v6 */
		want[i] = i % 2 == 0 ? (need + 1024) / 2 : need + 1024;
	seq = up_journal(u, json_pack("{s:s, s:s}", "op", "neigh", "lab", u->t->name));
	if (seq < 0)
		return seq;
	ret = neigh_raise(LAB_RUN_DIR, u->t->name, want, changed);
	if (ret < 0) {
		up_err("neighbour table limits: %s", strerror(-ret));
		return ret;
	}
	for (int i = 1; i < NEIGH_KNOBS && !u->o->quiet; i += 2)
		if (changed[i])
			printf("raised %s to %lu while this lab is up\n", neigh_knobs[i], changed[i]);
	return 0;
}

/* The lab's other hosts on h's IPv4 subnet (family AF_INET) or IPv6
 * prefix (AF_INET6): their addresses (network order, one after the other)
 * and MACs. Their count. */
static unsigned up_subnet_peers(const struct topo *t, unsigned i, int family, uint8_t *addrs,
				uint8_t (*macs)[6])
{
	const struct topo_node *h = &t->nodes[i];
	uint32_t mask = h->ip.plen ? ~0u << (32 - h->ip.plen) : 0;
	unsigned n = 0;

	if (family == AF_INET ? !h->has_ip : !h->has_ip6)
		return 0;
	for (unsigned k = 0; k < t->n_nodes; k++) {
		const struct topo_node *o = &t->nodes[k];

		if (k == i || o->kind != TOPO_KIND_HOST)
			continue;
		if (family == AF_INET) {
			uint32_t a = htonl(o->ip.addr);

			if (!o->has_ip || (o->ip.addr & mask) != (h->ip.addr & mask))
				continue;
			memcpy(addrs + 4 * n, &a, 4);
		} else {
			if (!o->has_ip6 || !topo_ip6_in_net(o->ip6.addr, &h->ip6))
				continue;
			memcpy(addrs + 16 * n, o->ip6.addr, 16);
		}
		memcpy(macs[n++], o->mac, 6);
	}
	return n;
}

/* arp: static: every host gets a permanent neighbour entry for every
 * other host of its IPv4 subnet and of its IPv6 prefix, in one netlink
 * batch per host and family: no ARP, no neighbour discovery. */
int up_static_arp(struct up *u)
{
	const struct topo *t = u->t;
	uint8_t *addrs = malloc(16 * (t->n_nodes + 1));
	uint8_t(*macs)[6] = malloc(6 * (t->n_nodes + 1));
	unsigned long total = 0;
	int ret = 0;

	if (addrs == NULL || macs == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	for (unsigned i = 0; i < t->n_nodes && ret == 0; i++) {
		const struct topo_node *h = &t->nodes[i];
		struct nl_sock *s;
		int idx;

		if (h->kind != TOPO_KIND_HOST || (!h->has_ip && !h->has_ip6))
			continue;
		s = nl_open(u->host_fd[i]);
		if (s == NULL) {
			ret = -errno;
			break;
		}
		idx = nl_link_index(s, "eth0");
		ret = idx < 0 ? idx : 0;
		for (int f = 0; f < 2 && ret == 0; f++) {
			int family = f == 0 ? AF_INET : AF_INET6;
			unsigned n = up_subnet_peers(t, i, family, addrs, macs);

			ret = nl_neigh_add_many(s, idx, family, addrs, (const uint8_t(*)[6])macs, n);
			total += n;
		}
		if (ret < 0)
			up_err("static neighbour entries on %s: %s", h->name, strerror(-ret));
		nl_close(s);
		if (ret == 0)
			ret = up_check_interrupt();
	}
	if (ret == 0 && !u->o->quiet)
		printf("static ARP: %lu permanent neighbour entries\n", total);
out:
	free(addrs);
	free(macs);
	return ret;
}
