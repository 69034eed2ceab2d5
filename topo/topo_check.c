// SPDX-License-Identifier: BSD-3-Clause
/*
 * Cross-node rules of a parsed topology: links, ports, addresses, gateways
 * and MACs. Resolution of a clean topology is in topo_resolve.c.
 *
 * Labs have thousands of nodes: every "used twice" check sorts once instead of
 * comparing pairs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "devargs.h"
#include "topo.h"
#include "topo_priv.h"

#define ADDR_STR 20 /* "255.255.255.255/32" */
#define MAC_STR	 18

static int mark_cmp(struct topo_mark a, struct topo_mark b)
{
	if (a.line != b.line)
		return a.line < b.line ? -1 : 1;
	if (a.col != b.col)
		return a.col < b.col ? -1 : 1;
	return 0;
}

static struct topo_ip4 network_of(const struct topo_ip4 *ip)
{
	struct topo_ip4 net = {ip->addr & topo_plen_mask(ip->plen), ip->plen};

	return net;
}

/* Network and broadcast addresses are unusable, except in /31 and /32. */
static int is_edge(uint32_t addr, const struct topo_ip4 *net)
{
	uint32_t mask = topo_plen_mask(net->plen);

	if (net->plen > 30)
		return 0;
	return addr == (net->addr & mask) || addr == (net->addr | ~mask);
}

/* who: "" or " of h1"; what names the network: "subnet" or "its network". */
static void check_gateway_in(struct topo_build *b, struct topo_mark m, uint32_t gw,
			     const struct topo_ip4 *ip, const char *who, const char *what)
{
	struct topo_ip4 net = network_of(ip);
	char g[ADDR_STR], n[ADDR_STR];

	topo_addr4_format(gw, g, sizeof(g));
	topo_cidr_format(&net, n, sizeof(n));
	if (topo_addr4_special(gw) != NULL)
		topo_diag(b->diags, m, "gateway %s%s is %s", g, who, topo_addr4_special(gw));
	else if (!topo_in_net(gw, &net))
		topo_diag(b->diags, m, "gateway %s%s is outside %s %s", g, who, what, n);
	else if (is_edge(gw, &net))
		topo_diag(b->diags, m, "gateway %s%s is not a usable address in %s %s", g, who,
			  what, n);
}

/* Addresses drawn from the subnet must be a host's: not loopback or
 * multicast, nor the limited broadcast a /31 or /32 would hand out. */
static void check_subnet(struct topo_build *b)
{
	const struct topo_ip4 *sn = &b->t->subnet;
	uint32_t last = sn->addr | ~topo_plen_mask(sn->plen);
	const char *why = topo_addr4_special(sn->addr);
	char a[ADDR_STR];

	if (why == NULL && sn->plen > 30)
		why = topo_addr4_special(last);
	if (why == NULL)
		return;
	topo_cidr_format(sn, a, sizeof(a));
	topo_diag(b->diags, b->subnet_mark, "subnet %s holds %s", a, why);
}

static void check_defaults(struct topo_build *b)
{
	if (b->t->has_subnet)
		check_subnet(b);
	if (!b->has_gateway)
		return;
	if (!b->t->has_subnet) {
		topo_diag(b->diags, b->gateway_mark, "a gateway in defaults needs a subnet");
		return;
	}
	check_gateway_in(b, b->gateway_mark, b->t->gateway, &b->t->subnet, "", "subnet");
}

static int rate_missing(const struct linkparams *p)
{
	return (p->set & (LP_F_BURST | LP_F_QUEUE)) && !(p->set & LP_F_RATE);
}

/*
 * Layer the parameters of normalised link i, then check what only the result
 * shows. A problem the defaults have on their own is theirs: reported once,
 * at their params.
 */
static void check_link_params(struct topo_build *b, unsigned i, int swapped)
{
	struct topo *t = b->t;
	struct topo_link *l = &t->links[i];
	struct linkparams dflt;
	unsigned d;

	topo_resolve_link_params(b, i, swapped);
	for (d = 0; d < 2; d++) {
		const char *from = t->nodes[l->ep[d].node].name;
		const char *to = t->nodes[l->ep[!d].node].name;

		if (!rate_missing(&l->params[d]))
			continue;
		topo_resolve_default_params(b, d, &dflt);
		if (!rate_missing(&dflt)) {
			topo_diag(b->diags, b->lsrc[i].mark,
				  "burst and queue need a rate (%s -> %s)", from, to);
			return;
		}
		if (!b->dparams_reported) {
			b->dparams_reported = 1;
			topo_diag(b->diags, b->dparams.mark, "burst and queue need a rate (%s)",
				  d == TOPO_DIR_TO_SWITCH ? "host -> switch" : "switch -> host");
		}
	}
}

/* The port type of end e of resolved link l: a switch's is none; a wire's
 * second host has the link's 'port' when the file gave one, else its own
 * (topo_wire.c). */
static enum topo_port_type end_port(const struct topo *t, const struct topo_link *l, unsigned e)
{
	const struct topo_node *n = &t->nodes[l->ep[e].node];

	if (e == 0)
		return l->port_type;
	if (n->kind != TOPO_KIND_HOST)
		return TOPO_PORT_DEFAULT;
	return l->port_mark.line ? l->port_type : n->port_type;
}

/* A tap's largest MTU: the kernel's 65535 less the Ethernet header tun
 * counts in it (a veth takes 65535, the most a link's mtu can be). */
#define TAP_MTU_MAX 65521

/* The end of link l with port type pt (the first), or -1. */
static int end_with_port(const struct topo *t, const struct topo_link *l, enum topo_port_type pt)
{
	for (unsigned e = 0; e < 2; e++)
		if (end_port(t, l, e) == pt)
			return (int)e;
	return -1;
}

/* A link's mtu is also its host interfaces' MTU (control/up.c; both hosts'
 * on a wire), which their port types bound: an afxdp port carries frames
 * of at most 1500 bytes (XDP on the veth), a tap takes TAP_MTU_MAX. The
 * message names the end that has the port type. */
static void check_port_mtu(struct topo_build *b)
{
	const struct topo *t = b->t;

	for (unsigned i = 0; i < t->n_links; i++) {
		const struct topo_link *l = &t->links[i];
		struct topo_mark m = b->lsrc[i].mark.line ? b->lsrc[i].mark : l->mark;
		unsigned mtu = l->params[0].mtu > l->params[1].mtu ? l->params[0].mtu
								  : l->params[1].mtu;
		int e = end_with_port(t, l, TOPO_PORT_AFXDP);

		if (e >= 0 && mtu > 1500)
			topo_diag(b->diags, m,
				  "mtu %u on an afxdp link (%s): afxdp ports carry frames of at "
				  "most 1500 bytes; jumbo frames need afpacket or tap",
				  mtu, t->nodes[l->ep[e].node].name);
		e = end_with_port(t, l, TOPO_PORT_TAP);
		if (e >= 0 && mtu > TAP_MTU_MAX)
			topo_diag(b->diags, m,
				  "mtu %u on a tap link (%s): a tap takes at most %u bytes; up "
				  "to 65535 needs afpacket",
				  mtu, t->nodes[l->ep[e].node].name, TAP_MTU_MAX);
	}
}

/* Two different switches: a trunk, kept in the file's order. */
static void check_trunk(struct topo_build *b, unsigned i)
{
	struct topo_link *l = &b->t->links[i];

	if (l->ep[0].node == l->ep[1].node) {
		topo_diag(b->diags, l->mark, "a link cannot join switch %s to itself",
			  b->t->nodes[l->ep[0].node].name);
		return;
	}
	l->trunk = 1;
	if (l->port_mark.line)
		topo_diag(b->diags, l->port_mark,
			  "'port' is for a link to a host (%s and %s are switches)",
			  b->t->nodes[l->ep[0].node].name, b->t->nodes[l->ep[1].node].name);
	check_link_params(b, i, 0);
}

static enum topo_port_type kind_port(enum topo_kind k)
{
	return k == TOPO_KIND_VHOST ? TOPO_PORT_VHOST : TOPO_PORT_ETHDEV;
}

/* The port type of normalised host link l against its host's kind. */
static void check_link_port(struct topo_build *b, const struct topo_link *l)
{
	const struct topo_node *h = &b->t->nodes[l->ep[0].node];

	if (!l->port_mark.line)
		return;
	if (topo_kind_is_external(h->kind) && l->port_type != kind_port(h->kind))
		topo_diag(b->diags, l->port_mark,
			  "'port: %s' on the link of %s node %s: its port is %s (leave 'port' out)",
			  topo_port_type_name(l->port_type), topo_kind_name(h->kind), h->name,
			  topo_kind_name(h->kind));
	else if (h->kind == TOPO_KIND_HOST &&
		 (l->port_type == TOPO_PORT_VHOST || l->port_type == TOPO_PORT_ETHDEV))
		topo_diag(b->diags, l->port_mark,
			  "%s ports are for kind: %s nodes (%s is a host: afpacket, afxdp or tap)",
			  topo_port_type_name(l->port_type), topo_port_type_name(l->port_type),
			  h->name);
}

/* Names a host's namespace already has, or the kernel keeps for itself
 * (its sysctl directories net/ipv4/conf/all and default). */
static void check_host_ifname(struct topo_build *b, const struct topo_endpoint *ep)
{
	static const char *const taken[] = {"lo", "all", "default"};
	const struct topo_node *h = &b->t->nodes[ep->node];

	if (h->kind != TOPO_KIND_HOST)
		return;
	for (size_t i = 0; i < sizeof(taken) / sizeof(taken[0]); i++)
		if (!strcmp(ep->ifname, taken[i]))
			topo_diag(b->diags, ep->mark,
				  "interface name '%s' of host %s: %s", taken[i], h->name,
				  i == 0 ? "every namespace has its loopback by that name"
					 : "the kernel keeps that name for itself");
}

/* A vhost or ethdev node has one link: count them, report the second. */
static void count_external_link(struct topo_build *b, const struct topo_endpoint *ep)
{
	struct topo_src_node *s = &b->src[ep->node];

	if (!topo_build_is_external(b, ep->node))
		return;
	if (s->n_links++ == 0) {
		s->link_mark = ep->mark;
		return;
	}
	topo_diag(b->diags, ep->mark,
		  "%s node %s is on a second link (first at %u:%u): it takes exactly one",
		  topo_kind_name(b->t->nodes[ep->node].kind), b->t->nodes[ep->node].name,
		  s->link_mark.line, s->link_mark.col);
}

/* Two hosts: a wire (topo_node.wire, made once the lab has loaded by
 * topo_wire.c), kept in the file's order: forward is ep[0] -> ep[1]. */
static void check_wire(struct topo_build *b, unsigned i)
{
	struct topo_link *l = &b->t->links[i];

	if (l->ep[0].node == l->ep[1].node) {
		topo_diag(b->diags, l->mark, "a link cannot join host %s to itself",
			  b->t->nodes[l->ep[0].node].name);
		return;
	}
	check_host_ifname(b, &l->ep[0]);
	check_host_ifname(b, &l->ep[1]);
	check_link_port(b, l);
	check_link_params(b, i, 0);
}

/* Neither end is a switch, and one is a vhost/ethdev node. */
static void check_no_switch(struct topo_build *b, const struct topo_link *l)
{
	const struct topo_node *a = &b->t->nodes[l->ep[0].node];
	unsigned x = topo_kind_is_external(a->kind) ? 0 : 1;

	topo_diag(b->diags, l->ep[!x].mark,
		  "the other end of %s node %s's link must be a switch (%s is kind: %s)",
		  topo_kind_name(b->t->nodes[l->ep[x].node].kind), b->t->nodes[l->ep[x].node].name,
		  b->t->nodes[l->ep[!x].node].name,
		  topo_kind_name(b->t->nodes[l->ep[!x].node].kind));
}

/*
 * A host and a switch per link, host first, or two switches as written; note
 * which hosts have eth0. vhost and ethdev nodes take a host's place.
 */
static void check_links(struct topo_build *b)
{
	struct topo *t = b->t;
	unsigned i, j;

	for (i = 0; i < t->n_links; i++) {
		struct topo_link *l = &t->links[i];
		struct topo_node *a = &t->nodes[l->ep[0].node];
		struct topo_node *z = &t->nodes[l->ep[1].node];

		/* Even on a bad link: "no eth0" would only repeat the error. */
		for (j = 0; j < 2; j++) {
			if (topo_build_is_host(b, l->ep[j].node) &&
			    !strcmp(l->ep[j].ifname, "eth0"))
				b->src[l->ep[j].node].flags |= TOPO_SRC_ETH0;
			count_external_link(b, &l->ep[j]);
		}
		if (!(b->src[l->ep[0].node].flags & TOPO_SRC_KIND) ||
		    !(b->src[l->ep[1].node].flags & TOPO_SRC_KIND))
			continue;
		if (a->kind == TOPO_KIND_HOST && z->kind == TOPO_KIND_HOST) {
			check_wire(b, i);
			continue;
		}
		if (a->kind != TOPO_KIND_SWITCH && z->kind != TOPO_KIND_SWITCH) {
			check_no_switch(b, l);
			continue;
		}
		if (a->kind == TOPO_KIND_SWITCH && z->kind == TOPO_KIND_SWITCH) {
			check_trunk(b, i);
			continue;
		}
		if (a->kind == TOPO_KIND_SWITCH) {
			struct topo_endpoint tmp = l->ep[0];

			l->ep[0] = l->ep[1];
			l->ep[1] = tmp;
		}
		check_host_ifname(b, &l->ep[0]);
		check_link_port(b, l);
		check_link_params(b, i, a->kind == TOPO_KIND_SWITCH);
	}
}

/* What a path is to its node. */
enum {
	REF_SOCKET, /* a vhost node's socket */
	REF_TX,	    /* an ethdev's tx_pcap: written */
	REF_RX,	    /* an ethdev's rx_pcap: read */
};

struct sock_ref {
	char path[TOPO_DEVARGS_MAX];
	unsigned node;
	struct topo_mark mark;
	int role; /* REF_* */
};

/* Is the component out[from, to) (after a '/') ".."? */
static int path_is_dotdot(const char *out, size_t from, size_t to)
{
	if (from < to && out[from] == '/')
		from++;
	return to - from == 2 && out[from] == '.' && out[from + 1] == '.';
}

/* path with "." and empty components dropped and ".." taken back where it
 * can be: a/./b, a//b and a/x/../b name one file. Lexical only. */
static void path_norm(const char *in, char *out, size_t len)
{
	size_t o = 0, keep[TOPO_DEVARGS_MAX];
	unsigned depth = 0;
	int abs = in[0] == '/';

	if (abs && len > 1)
		out[o++] = '/';
	while (*in) {
		size_t n = strcspn(in, "/");

		if ((n == 1 && in[0] == '.') || n == 0) {
			/* nothing */
		} else if (n == 2 && in[0] == '.' && in[1] == '.' && depth > 0 &&
			   !path_is_dotdot(out, keep[depth - 1], o)) {
			o = keep[--depth];
		} else if (o + n + 2 < len && depth < TOPO_DEVARGS_MAX) {
			keep[depth++] = o;
			if (o > 0 && out[o - 1] != '/')
				out[o++] = '/';
			memcpy(out + o, in, n);
			o += n;
		}
		in += n;
		in += *in == '/';
	}
	if (o == 0 && len > 1)
		out[o++] = '.';
	out[o] = '\0';
}

static int sock_cmp(const void *pa, const void *pb)
{
	const struct sock_ref *a = pa, *b = pb;
	int r = strcmp(a->path, b->path);

	return r ? r : mark_cmp(a->mark, b->mark);
}

/* An ethdev's pcap file (key rx_pcap or tx_pcap) into r; 1 if it has one. */
static int ethdev_file_ref(const struct topo_build *b, unsigned i, const char *key, int role,
			   struct sock_ref *r)
{
	char f[TOPO_DEVARGS_MAX];

	if (strncmp(b->t->nodes[i].devargs, "net_pcap", 8) != 0 ||
	    devargs_get(b->t->nodes[i].devargs, key, f, sizeof(f)) != 1 || !f[0])
		return 0;
	topo_file_path(f, r->path, sizeof(r->path));
	r->node = i;
	r->role = role;
	r->mark = b->src[i].devargs_mark;
	return 1;
}

/* A memif server's socket file into r; 1 if it has one. */
static int ethdev_memif_ref(const struct topo_build *b, unsigned i, struct sock_ref *r)
{
	const char *da = b->t->nodes[i].devargs;
	char f[TOPO_DEVARGS_MAX];

	if (!devargs_memif_file(da) || !devargs_memif_server(da) ||
	    devargs_get(da, "socket", f, sizeof(f)) != 1 || !f[0])
		return 0;
	path_norm(f, r->path, sizeof(r->path));
	r->node = i;
	r->role = REF_SOCKET;
	r->mark = b->src[i].devargs_mark;
	return 1;
}

static const char *const ref_key[] = {"socket", "tx_pcap", "rx_pcap"};

/* r (not first in its group of one path) against f, the first: two sockets,
 * two recordings, a recording and a replay of one file. Two replays of one
 * capture are fine. */
static void check_ref_pair(struct topo_build *b, const struct sock_ref *f, const struct sock_ref *r)
{
	const char *fname = b->t->nodes[f->node].name, *rname = b->t->nodes[r->node].name;

	if (r->role == REF_RX && f->role == REF_RX)
		return;
	if (r->role == REF_SOCKET || f->role == REF_SOCKET)
		topo_diag(b->diags, r->mark, "%s %s is already used by %s", ref_key[r->role],
			  r->path, fname);
	else if (r->role == REF_TX && f->role == REF_TX)
		topo_diag(b->diags, r->mark, "tx_pcap %s is already written by %s", r->path,
			  fname);
	else if (r->node == f->node)
		topo_diag(b->diags, r->mark,
			  "rx_pcap and tx_pcap of %s are the same file %s: recording would "
			  "overwrite the capture being replayed",
			  rname, r->path);
	else
		topo_diag(b->diags, r->mark,
			  "%s %s of %s is %s's %s: recording would overwrite the capture being "
			  "replayed",
			  ref_key[r->role], r->path, rname, fname, ref_key[f->role]);
}

/* A vhost socket in a lab's directory would take the name of one of the
 * lab's files (its hosts file, its log, another node's default socket), and
 * the lab's own place for it is there already. */
static void check_socket_dir(struct topo_build *b, unsigned i)
{
	if (topo_in_run_dir(b->t->nodes[i].socket))
		topo_diag(b->diags, b->src[i].socket_mark,
			  "socket %s of %s is in %s, where labs keep their state: the default "
			  "socket already lives in the lab's directory (omit 'socket:')",
			  b->t->nodes[i].socket, b->t->nodes[i].name, TOPO_RUN_DIR);
}

/* vhost and ethdev nodes: one link each, at most TOPO_MAX_ETHDEV devices,
 * no device name twice, no socket path twice, no file recorded twice or both recorded and
 * replayed (by real path: two names of one file are one). */
static int check_externals(struct topo_build *b)
{
	struct topo *t = b->t;
	struct sock_ref *r;
	unsigned i, n_eth = 0;
	size_t n = 0, k;

	r = calloc(2 * (size_t)t->n_nodes + 1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (i = 0; i < t->n_nodes; i++) {
		const struct topo_node *nd = &t->nodes[i];

		if (!topo_build_is_external(b, i))
			continue;
		if (!b->src[i].n_links)
			topo_diag(b->diags, nd->mark,
				  "%s node %s has no link (it needs one, to a switch)",
				  topo_kind_name(nd->kind), nd->name);
		if (nd->kind == TOPO_KIND_ETHDEV && ++n_eth == TOPO_MAX_ETHDEV + 1)
			topo_diag(b->diags, nd->mark,
				  "more than %d ethdev nodes: one switch attaches at most %d DPDK "
				  "ports (RTE_MAX_ETHPORTS)",
				  TOPO_MAX_ETHDEV, TOPO_MAX_ETHDEV);
		if (b->src[i].flags & TOPO_SRC_SOCKET) {
			check_socket_dir(b, i);
			path_norm(nd->socket, r[n].path, sizeof(r[n].path));
			r[n].node = i;
			r[n].role = REF_SOCKET;
			r[n++].mark = b->src[i].socket_mark;
		} else if (nd->kind == TOPO_KIND_ETHDEV) {
			topo_check_devargs(b, i);
			if (ethdev_memif_ref(b, i, &r[n])) {
				/* a server's socket there is a vhost's case; a
				 * client may join another lab's server there */
				if (topo_in_run_dir(r[n].path))
					topo_diag(b->diags, r[n].mark,
						  "memif socket %s of %s is in %s, where labs keep "
						  "their state: a server without socket= serves one "
						  "in the lab's directory",
						  r[n].path, nd->name, TOPO_RUN_DIR);
				n++;
			}
			n += (size_t)ethdev_file_ref(b, i, "rx_pcap", REF_RX, &r[n]);
			n += (size_t)ethdev_file_ref(b, i, "tx_pcap", REF_TX, &r[n]);
		}
	}
	qsort(r, n, sizeof(*r), sock_cmp);
	for (k = 1; k < n; k++) {
		size_t f = k;

		while (f > 0 && !strcmp(r[f - 1].path, r[k].path))
			f--;
		if (f < k)
			check_ref_pair(b, &r[f], &r[k]);
	}
	free(r);
	return topo_check_devnames(b);
}

struct port_ref {
	const struct topo_endpoint *ep;
};

static int port_cmp(const void *pa, const void *pb)
{
	const struct topo_endpoint *a = ((const struct port_ref *)pa)->ep;
	const struct topo_endpoint *b = ((const struct port_ref *)pb)->ep;
	int r;

	if (a->node != b->node)
		return a->node < b->node ? -1 : 1;
	r = strcmp(a->ifname, b->ifname);
	return r ? r : mark_cmp(a->mark, b->mark);
}

static int check_ports(struct topo_build *b)
{
	struct topo *t = b->t;
	struct port_ref *p;
	size_t i, n = 2 * (size_t)t->n_links, first = 0;

	if (!n)
		return 0;
	p = calloc(n, sizeof(*p));
	if (!p)
		return -ENOMEM;
	for (i = 0; i < t->n_links; i++) {
		p[2 * i].ep = &t->links[i].ep[0];
		p[2 * i + 1].ep = &t->links[i].ep[1];
	}
	qsort(p, n, sizeof(*p), port_cmp);
	for (i = 1; i < n; i++) {
		const struct topo_endpoint *f = p[first].ep, *e = p[i].ep;

		if (e->node != f->node || strcmp(e->ifname, f->ifname)) {
			first = i;
			continue;
		}
		topo_diag(b->diags, e->mark, "port %s:%s is already used (at %u:%u)",
			  t->nodes[e->node].name, e->ifname, f->mark.line, f->mark.col);
	}
	free(p);
	return 0;
}

static void check_host_ip(struct topo_build *b, unsigned i)
{
	struct topo *t = b->t;
	struct topo_node *n = &t->nodes[i];
	struct topo_src_node *s = &b->src[i];
	struct topo_ip4 net;
	char a[ADDR_STR], sub[ADDR_STR];

	if (!(s->flags & TOPO_SRC_ETH0))
		topo_diag(b->diags, s->ip_mark, "host %s has an ip but no eth0 link", n->name);
	topo_addr4_format(n->ip.addr, a, sizeof(a));
	if (s->flags & TOPO_SRC_NOPLEN) {
		if (!t->has_subnet) {
			topo_diag(b->diags, s->ip_mark,
				  "address %s of %s needs a /len: there is no subnet in defaults",
				  a, n->name);
			return;
		}
		n->ip.plen = t->subnet.plen;
	}
	topo_cidr_format(&n->ip, a, sizeof(a));
	if (topo_addr4_special(n->ip.addr) != NULL) {
		topo_diag(b->diags, s->ip_mark, "address %s of %s is %s", a, n->name,
			  topo_addr4_special(n->ip.addr));
		return;
	}
	/* Outside the defaults' subnet is a typo unless the host is routed:
	 * it has a gateway of its own (or none), or runs commands (a router
	 * host) */
	if (t->has_subnet && !(s->flags & (TOPO_SRC_GW | TOPO_SRC_GW_NONE)) && n->n_exec == 0) {
		topo_cidr_format(&t->subnet, sub, sizeof(sub));
		if (n->ip.plen != t->subnet.plen || !topo_in_net(n->ip.addr, &t->subnet)) {
			topo_diag(b->diags, s->ip_mark,
				  "address %s of %s is outside subnet %s (a host of another "
				  "network needs a gateway of its own)",
				  a, n->name, sub);
			return;
		}
	}
	net = network_of(&n->ip);
	topo_cidr_format(&net, sub, sizeof(sub));
	if (is_edge(n->ip.addr, &net))
		topo_diag(b->diags, s->ip_mark, "address %s of %s is the %s address of %s", a,
			  n->name, n->ip.addr == net.addr ? "network" : "broadcast", sub);
}

static void check_host_gateway(struct topo_build *b, unsigned i)
{
	struct topo *t = b->t;
	struct topo_node *n = &t->nodes[i];
	struct topo_src_node *s = &b->src[i];
	char who[TOPO_NAME_MAX + 8];

	if (!(s->flags & TOPO_SRC_ETH0)) {
		topo_diag(b->diags, s->gw_mark, "host %s has a gateway but no eth0 link", n->name);
		return;
	}
	snprintf(who, sizeof(who), " of %s", n->name);
	if (s->flags & TOPO_SRC_IP) {
		/* An unresolved /len was reported by check_host_ip(). */
		if (!(s->flags & TOPO_SRC_NOPLEN) || t->has_subnet)
			check_gateway_in(b, s->gw_mark, n->gateway, &n->ip, who, "its network");
	} else if (t->has_subnet) {
		check_gateway_in(b, s->gw_mark, n->gateway, &t->subnet, who, "subnet");
	} else {
		topo_diag(b->diags, s->gw_mark,
			  "host %s has a gateway but no address (no ip and no subnet)", n->name);
	}
}

static void check_hosts(struct topo_build *b)
{
	unsigned i;

	for (i = 0; i < b->t->n_nodes; i++) {
		if (!topo_build_is_host(b, i))
			continue;
		if (b->src[i].flags & TOPO_SRC_IP)
			check_host_ip(b, i);
		if (b->src[i].flags & TOPO_SRC_GW)
			check_host_gateway(b, i);
	}
}

/* An explicit host address or a gateway; node == -1 is the defaults' gateway. */
struct addr_ref {
	uint32_t addr;
	int gw;
	int node;
	struct topo_mark mark;
};

static int addr_cmp(const void *pa, const void *pb)
{
	const struct addr_ref *a = pa, *b = pb;

	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	return mark_cmp(a->mark, b->mark);
}

static void report_addr(struct topo_build *b, const struct addr_ref *r, const struct addr_ref *o)
{
	const char *owner = b->t->nodes[o->node].name;
	char a[ADDR_STR];

	topo_addr4_format(r->addr, a, sizeof(a));
	if (!r->gw)
		topo_diag(b->diags, r->mark, "address %s is already used by %s", a, owner);
	else if (r->node == o->node)
		topo_diag(b->diags, r->mark, "gateway %s of %s is its own address", a, owner);
	/* a gateway that is another host's address names a router host (one
	 * whose 'exec' turns on forwarding): allowed; the defaults' gateway
	 * host gets no default route of its own (topo_resolve.c) */
}

/* Report everything sharing an address with the first host (in file order) holding it. */
static void check_addr_run(struct topo_build *b, const struct addr_ref *r, size_t n)
{
	const struct addr_ref *owner = NULL;
	size_t i;

	for (i = 0; i < n && !owner; i++)
		if (!r[i].gw)
			owner = &r[i];
	if (!owner)
		return; /* only gateways: hosts may share one */
	for (i = 0; i < n; i++)
		if (&r[i] != owner)
			report_addr(b, &r[i], owner);
}

static size_t collect_addrs(const struct topo_build *b, struct addr_ref *r)
{
	const struct topo *t = b->t;
	size_t n = 0;
	unsigned i;

	if (b->has_gateway)
		r[n++] = (struct addr_ref){t->gateway, 1, -1, b->gateway_mark};
	for (i = 0; i < t->n_nodes; i++) {
		const struct topo_src_node *s = &b->src[i];

		if (s->flags & TOPO_SRC_IP)
			r[n++] = (struct addr_ref){t->nodes[i].ip.addr, 0, (int)i, s->ip_mark};
		if (s->flags & TOPO_SRC_GW)
			r[n++] = (struct addr_ref){t->nodes[i].gateway, 1, (int)i, s->gw_mark};
	}
	return n;
}

static int check_addrs(struct topo_build *b)
{
	struct addr_ref *r;
	size_t i, n, first = 0;

	r = calloc(2 * (size_t)b->t->n_nodes + 1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	n = collect_addrs(b, r);
	qsort(r, n, sizeof(*r), addr_cmp);
	for (i = 1; i <= n; i++) {
		if (i < n && r[i].addr == r[first].addr)
			continue;
		if (i - first > 1)
			check_addr_run(b, &r[first], i - first);
		first = i;
	}
	free(r);
	return 0;
}

struct mac_ref {
	uint64_t mac;
	unsigned node;
	struct topo_mark mark;
};

static int mac_cmp(const void *pa, const void *pb)
{
	const struct mac_ref *a = pa, *b = pb;

	if (a->mac != b->mac)
		return a->mac < b->mac ? -1 : 1;
	return mark_cmp(a->mark, b->mark);
}

static int check_macs(struct topo_build *b)
{
	struct topo *t = b->t;
	struct mac_ref *r;
	size_t i, n = 0, first = 0;
	char m[MAC_STR];

	r = calloc((size_t)t->n_nodes + 1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (i = 0; i < t->n_nodes; i++)
		if (b->src[i].flags & TOPO_SRC_MAC)
			r[n++] = (struct mac_ref){topo_mac_key(t->nodes[i].mac), (unsigned)i,
						  b->src[i].mac_mark};
	qsort(r, n, sizeof(*r), mac_cmp);
	for (i = 1; i < n; i++) {
		if (r[i].mac != r[first].mac) {
			first = i;
			continue;
		}
		topo_mac_format(t->nodes[r[i].node].mac, m, sizeof(m));
		topo_diag(b->diags, r[i].mark, "MAC %s is already used by %s", m,
			  t->nodes[r[first].node].name);
	}
	free(r);
	return 0;
}

/* A host's IPv6 address is on eth0, and IPv6 needs an MTU of 1280 at
 * least: the kernel refuses the address on a smaller link (up failed
 * halfway). Run on resolved addresses and parameters. */
static void check_ip6_mtu(struct topo_build *b)
{
	const struct topo *t = b->t;
	int dflt_reported = 0;

	for (unsigned i = 0; i < t->n_links; i++) {
		const struct topo_link *l = &t->links[i];
		unsigned mtu = l->params[0].mtu > l->params[1].mtu ? l->params[0].mtu
								  : l->params[1].mtu;

		if (mtu == 0 || mtu >= 1280)
			continue;
		for (unsigned e = 0; e < 2; e++) {
			const struct topo_node *n = &t->nodes[l->ep[e].node];

			if (n->kind != TOPO_KIND_HOST || !n->has_ip6 ||
			    strcmp(l->ep[e].ifname, "eth0"))
				continue;
			if (b->lsrc[i].mark.line == 0 && b->dparams.mark.line != 0) {
				if (!dflt_reported)
					topo_diag(b->diags, b->dparams.mark,
						  "mtu %u is below IPv6's minimum of 1280 (%s:eth0 "
						  "has an IPv6 address)", mtu, n->name);
				dflt_reported = 1;
			} else {
				topo_diag(b->diags, b->lsrc[i].mark.line ? b->lsrc[i].mark : l->mark,
					  "mtu %u is below IPv6's minimum of 1280 (%s:eth0 has an "
					  "IPv6 address)", mtu, n->name);
			}
		}
	}
}

int topo_build_check(struct topo_build *b)
{
	int rc;

	check_defaults(b);
	check_links(b);
	rc = check_ports(b);
	if (rc)
		return rc;
	check_hosts(b);
	rc = check_externals(b);
	if (rc)
		return rc;
	rc = check_addrs(b);
	if (rc)
		return rc;
	rc = check_macs(b);
	if (rc == 0)
		rc = topo_check_ip6(b);
	if (rc)
		return rc;
	/* Resolving a broken lab would only add noise. */
	if (b->diags->n)
		return -EINVAL;
	rc = topo_build_resolve(b);
	if (rc == 0)
		check_port_mtu(b);
	if (rc == 0)
		check_ip6_mtu(b);
	if (rc == 0 && b->diags->n == 0)
		rc = topo_build_split_wires(b);
	if (rc)
		return rc;
	return b->diags->n ? -EINVAL : 0;
}
