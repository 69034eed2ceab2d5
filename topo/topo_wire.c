// SPDX-License-Identifier: BSD-3-Clause
/*
 * Wires: a link the file wrote between two hosts (containerlab's usual
 * link) becomes two host links to a switch of its own, so that it is
 * emulated, counted, cut and restored by the dataplane like any other
 * link (topo.h, topo_node.wire). Runs on a checked, resolved build.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo.h"
#include "topo_priv.h"

static int is_wire(const struct topo *t, const struct topo_link *l)
{
	return !l->trunk && t->nodes[l->ep[0].node].kind == TOPO_KIND_HOST &&
	       t->nodes[l->ep[1].node].kind == TOPO_KIND_HOST;
}

/* A wire switch's ports: named after the hosts when both names fit, else
 * p1 and p2 (one host's name could be the other's p<n>). */
static void wire_ports(const struct topo_node *a, const struct topo_node *z, char *pa, char *pz)
{
	int fit = strlen(a->name) < TOPO_IFNAME_MAX && strlen(z->name) < TOPO_IFNAME_MAX;

	snprintf(pa, TOPO_IFNAME_MAX, "%s", fit ? a->name : "p1");
	snprintf(pz, TOPO_IFNAME_MAX, "%s", fit ? z->name : "p2");
}

static int wire_down(const struct topo_link *l)
{
	for (unsigned d = 0; d < 2; d++)
		if ((l->params[d].set & LP_F_STATE) && l->params[d].down)
			return 1;
	return 0;
}

/* Node w (zeroed) becomes the wire of link l (index li, the file's order). */
static void wire_node(const struct topo *t, const struct topo_link *l, unsigned li,
		      struct topo_node *w)
{
	const struct topo_endpoint *a = &l->ep[0];
	int n = snprintf(w->name, sizeof(w->name), "~%s.%s", t->nodes[a->node].name, a->ifname);

	/* '~' and '.' are in no name of the file's: never a clash */
	if (n < 0 || (size_t)n >= sizeof(w->name))
		snprintf(w->name, sizeof(w->name), "~wire%u", li + 1);
	w->kind = TOPO_KIND_SWITCH;
	w->wire = 1;
	w->mark = l->mark;
}

int topo_build_split_wires(struct topo_build *b)
{
	struct topo *t = b->t;
	unsigned wires = 0, nn, nl;
	struct topo_node *nodes;
	struct topo_link *links;
	void *p;

	for (unsigned i = 0; i < t->n_links; i++)
		wires += is_wire(t, &t->links[i]);
	if (wires == 0)
		return 0;
	nodes = realloc(t->nodes, (t->n_nodes + wires) * sizeof(*nodes));
	if (nodes == NULL)
		return -ENOMEM;
	t->nodes = nodes;
	links = realloc(t->links, (t->n_links + wires) * sizeof(*links));
	if (links == NULL)
		return -ENOMEM;
	t->links = links;
	/* the parallel arrays stay parallel (their new entries say nothing) */
	p = realloc(b->src, (t->n_nodes + wires) * sizeof(*b->src));
	if (p == NULL)
		return -ENOMEM;
	b->src = p;
	memset(&b->src[t->n_nodes], 0, wires * sizeof(*b->src));
	p = realloc(b->lsrc, (t->n_links + wires) * sizeof(*b->lsrc));
	if (p == NULL)
		return -ENOMEM;
	b->lsrc = p;
	memset(&b->lsrc[t->n_links], 0, wires * sizeof(*b->lsrc));

	nn = t->n_nodes;
	nl = t->n_links;
	for (unsigned i = 0; i < t->n_links; i++) {
		struct topo_link *l = &t->links[i], *second = &t->links[nl];
		struct topo_node *w = &t->nodes[nn];
		unsigned hb;

		if (!is_wire(t, l))
			continue;
		memset(w, 0, sizeof(*w));
		wire_node(t, l, i, w);
		hb = l->ep[1].node;
		/* the second host's link: no parameters, the file's port type
		 * else the host's */
		memset(second, 0, sizeof(*second));
		second->ep[0] = l->ep[1];
		second->mark = l->mark;
		second->port_type = l->port_mark.line ? l->port_type : t->nodes[hb].port_type;
		second->port_mark = l->port_mark;
		second->ep[1].node = nn;
		second->ep[1].mark = l->mark;
		wire_ports(&t->nodes[l->ep[0].node], &t->nodes[hb], l->ep[1].ifname,
			   second->ep[1].ifname);
		/* the cable's state is both hosts' carrier: a wire written
		 * down (either way) is down at the second host too */
		if (wire_down(l))
			for (unsigned d = 0; d < 2; d++) {
				second->params[d].set |= LP_F_STATE;
				second->params[d].down = 1;
			}
		/* the first host's link keeps the parameters: forward (ep[0] ->
		 * ep[1]) is its TO_SWITCH, reverse its TO_HOST, as resolved */
		l->ep[1].node = nn;
		l->ep[1].mark = l->mark;
		nn++;
		nl++;
	}
	t->n_nodes = nn;
	t->n_links = nl;
	t->n_wires = wires;
	return 0;
}
