/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `rackless up`: apply a topology to the machine.
 *
 * Every object is journaled before it is created. Records carry a sequence
 * number; when creating an object fails in a way that proves it is not ours
 * (the name already existed), a "void" record cancels its journal entry, so
 * the rollback that follows never deletes what the lab did not make.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <sys/random.h>

#include "devargs.h"
#include "etchosts.h"
#include "hostexec.h"
#include "hugepages.h"
#include "journal.h"
#include "lab.h"
#include "lockfile.h"
#include "linkparams.h"
#include "neigh.h"
#include "netns.h"
#include "nl.h"
#include "stp.h"
#include "swclient.h"
#include "up_priv.h"

static volatile sig_atomic_t up_interrupted; /* the signal, 0: none */

/* RACKLESS_TIMING=1: how long each phase of up took, on stderr. */
static void up_phase(const char *what)
{
	static struct timespec last;
	static int on = -1;
	struct timespec now;

	if (on < 0)
		on = getenv("RACKLESS_TIMING") != NULL;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (on && what != NULL)
		fprintf(stderr, "rackless: up: %-16s %7.3f s\n", what,
			(double)(now.tv_sec - last.tv_sec) + (now.tv_nsec - last.tv_nsec) / 1e9);
	last = now;
}

static void up_on_signal(int sig)
{
	up_interrupted = sig;
}

int lab_up_signal(void)
{
	return up_interrupted;
}

/* The last error, for lab_up_error() (a scenario's report). */
static char up_last_err[2048];

const char *lab_up_error(void)
{
	return up_last_err;
}

void up_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(up_last_err, sizeof(up_last_err), fmt, ap);
	va_end(ap);
	fprintf(stderr, "rackless: up: %s\n", up_last_err);
}

/* Journal an op; returns its sequence number or -errno. */
int up_journal(struct up *u, json_t *rec)
{
	int ret;

	if (rec == NULL)
		return -ENOMEM;
	json_object_set_new(rec, "seq", json_integer(++u->seq));
	ret = journal_append(u->j, rec);
	json_decref(rec);
	return ret < 0 ? ret : u->seq;
}

void up_void(struct up *u, int seq)
{
	up_journal(u, json_pack("{s:s, s:i}", "op", "void", "ref", seq));
}

int up_check_interrupt(void)
{
	return up_interrupted ? -EINTR : 0;
}

/* ---- machine-wide resources ----------------------------------------- */

/* Reserve the 2 MB hugepages the switch needs if the machine lacks them;
 * journaled as a delta so that labs running side by side each give back
 * only what they took (hugepages.h). Not having them is no error: the
 * switch then runs without hugepages. */
struct up_hp {
	struct up *u;
	int seq;
};

static int up_hugepages_note(long added, void *arg)
{
	struct up_hp *h = arg;

	h->seq = up_journal(h->u, json_pack("{s:s, s:I}", "op", "hugepages", "added",
					     (json_int_t)added));
	return h->seq < 0 ? h->seq : 0;
}

static int up_hugepages(struct up *u)
{
	struct up_hp h = {u, -1};
	long need = (long)u->mem_mb / 2;
	int noted;
	long ret = hugepages_reserve(HUGEPAGES_DIR, need, up_hugepages_note, &h, &noted);

	/* < 0: the journal failed, nothing added; a wait for the lock that a
	 * signal ended is the signal's, not "no hugepages" */
	return ret < 0 ? (int)ret : up_check_interrupt();
}

/* ---- namespaces ------------------------------------------------------ */

static int up_netns(struct up *u, const char *name, int *fd)
{
	int seq, ret;

	if (netns_exists(name)) {
		up_err("namespace %s already exists (not this lab's; remove it or rename the lab)",
		       name);
		return -EEXIST;
	}
	seq = up_journal(u, json_pack("{s:s, s:s}", "op", "netns", "name", name));
	if (seq < 0)
		return seq;
	ret = netns_create(name);
	if (ret < 0) {
		if (ret == -EEXIST)
			up_void(u, seq);
		up_err("create namespace %s: %s", name, strerror(-ret));
		return ret;
	}
	*fd = netns_open(name);
	if (*fd < 0) {
		up_err("open namespace %s: %s", name, strerror(-*fd));
		return *fd;
	}
	return 0;
}

/* ---- hosts and links ------------------------------------------------- */

static void up_mac_str(const uint8_t *m, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

struct up_fname {
	char name[IFNAMSIZ];
	unsigned li;
};

static int up_fname_cmp(const void *pa, const void *pb)
{
	const struct up_fname *a = pa, *b = pb;
	int r = strcmp(a->name, b->name);

	return r ? r : (a->li > b->li) - (a->li < b->li);
}

/*
 * The switch ends' names in the switch's namespace: SWITCH-PORT, or rlp<N>
 * (link N) where that does not fit IFNAMSIZ or two links would share it
 * (names may hold '-': switch "a" port "b-c" and switch "a-b" port "c").
 * rlp<N> has no '-', so it never meets a SWITCH-PORT name.
 */
static int up_fabric_names(struct up *u)
{
	const struct topo *t = u->t;
	struct up_fname *f;
	unsigned n = t->n_links;

	u->fif = calloc(n ? n : 1, sizeof(*u->fif));
	f = calloc(n ? n : 1, sizeof(*f));
	if (u->fif == NULL || f == NULL) {
		free(f);
		return -ENOMEM;
	}
	for (unsigned li = 0; li < n; li++) {
		const struct topo_endpoint *se = &t->links[li].ep[1];
		int k = snprintf(f[li].name, sizeof(f[li].name), "%s-%s", t->nodes[se->node].name,
				 se->ifname);

		if (k < 0 || k >= IFNAMSIZ)
			snprintf(f[li].name, sizeof(f[li].name), "rlp%u", li);
		f[li].li = li;
	}
	qsort(f, n, sizeof(*f), up_fname_cmp);
	for (unsigned i = 0; i < n; i++) {
		int dup = (i > 0 && !strcmp(f[i].name, f[i - 1].name)) ||
			  (i + 1 < n && !strcmp(f[i].name, f[i + 1].name));

		if (dup)
			snprintf(u->fif[f[i].li], IFNAMSIZ, "rlp%u", f[i].li);
		else
			memcpy(u->fif[f[i].li], f[i].name, IFNAMSIZ);
	}
	free(f);
	return 0;
}

static void up_fabric_ifname(const struct up *u, unsigned li, char *buf, size_t len)
{
	snprintf(buf, len, "%s", u->fif[li]);
}

/* How host h is attached, as status shows it: its eth0 link's port type
 * (links may override the host's), else the host's. */
/* Has host h an eth0 (the interface its MAC and address are for)? */
static int up_has_eth0(const struct topo *t, unsigned h)
{
	for (unsigned i = 0; i < t->n_links; i++)
		if (!t->links[i].trunk && t->links[i].ep[0].node == h &&
		    strcmp(t->links[i].ep[0].ifname, "eth0") == 0)
			return 1;
	return 0;
}

static enum topo_port_type up_host_port(const struct topo *t, unsigned h)
{
	enum topo_port_type type = t->nodes[h].port_type;

	for (unsigned i = 0; i < t->n_links; i++) {
		const struct topo_link *l = &t->links[i];

		if (!l->trunk && l->ep[0].node == h) {
			type = l->port_type;
			if (strcmp(l->ep[0].ifname, "eth0") == 0)
				break;
		}
	}
	return type;
}

/* What every host gets before its links, even a host without any: lo up,
 * and IPv6 off when the lab says so (set before the interfaces exist, so
 * that none of them ever starts autoconfiguration); else no duplicate
 * address detection: the lab makes every MAC unique, and so the link-local
 * addresses made of them, which are then usable at once (a router's is
 * what its neighbours solicit from: tentative, it answered nothing for the
 * first second or two). */
static int up_host_base(struct up *u, unsigned h)
{
	struct nl_sock *s = nl_open(u->host_fd[h]);
	int ret;

	if (s == NULL)
		return -errno;
	ret = nl_link_set(s, 1, NULL, 0, 1); /* lo: always the first interface */
	if (ret == 0 && u->t->ipv6_off) {
		nl_sysctl_set(s, "net/ipv6/conf/default/disable_ipv6", "1", NULL, 0);
		nl_sysctl_set(s, "net/ipv6/conf/all/disable_ipv6", "1", NULL, 0);
	} else if (ret == 0) {
		nl_sysctl_set(s, "net/ipv6/conf/default/accept_dad", "0", NULL, 0);
		nl_sysctl_set(s, "net/ipv6/conf/all/accept_dad", "0", NULL, 0);
	}
	if (ret < 0)
		up_err("bring up lo of %s: %s", u->t->nodes[h].name, strerror(-ret));
	nl_close(s);
	return ret;
}

/* Address, MAC, route: everything inside the host for one interface. */
/* A link's mtu is the IP MTU of its host interfaces too (containerlab's
 * link mtu), so jumbo frames need nothing by hand: the larger of its two
 * directions', and for a wire, of its two links' (the second carries no
 * parameters). 0: none, the kernel's 1500. */
static unsigned up_link_mtu(const struct topo *t, unsigned li)
{
	const struct topo_link *l = &t->links[li];
	int wire = t->nodes[l->ep[1].node].wire;
	unsigned mtu = 0;

	for (unsigned i = wire ? 0 : li; i < (wire ? t->n_links : li + 1); i++) {
		const struct topo_link *o = &t->links[i];

		if (o->ep[1].node != l->ep[1].node)
			continue;
		for (int d = 0; d < 2; d++)
			if (o->params[d].mtu > mtu)
				mtu = o->params[d].mtu;
	}
	return mtu;
}

static int up_host_if(struct up *u, const struct topo_node *h, const char *ifname,
		      enum topo_port_type type, unsigned mtu)
{
	int is_tap = type == TOPO_PORT_TAP;
	struct nl_sock *s = nl_open(u->host_fd[h - u->t->nodes]);
	int is_eth0 = strcmp(ifname, "eth0") == 0;
	uint8_t mac[6];
	int idx, ret;

	if (s == NULL)
		return -errno;
	idx = nl_link_index(s, ifname);
	if (idx < 0) {
		ret = idx;
		goto out;
	}
	/* afpacket ports carry TCP/IPv4 super-frames and partial checksums
	 * (dataplane/offload.h), but DPDK cannot cut IPv6 or UDP super-frames
	 * where a link needs real frames: the host segments those itself. A
	 * tap asks for what it takes (TUNSETOFFLOAD); other ports read raw
	 * frames and must get them whole and checksummed. */
	if (type == TOPO_PORT_AFPACKET) {
		static const char *const off[] = {"tx-tcp6-segmentation", "tx-udp-segmentation",
						  "tx-udp-fragmentation"};

		ret = nl_features_off(s, ifname, off, 3);
		if (ret < 0)
			goto out;
	} else if (!is_tap) {
		ret = nl_tx_offload_off(s, ifname);
		if (ret < 0)
			goto out;
	}
	topo_if_mac(u->t, h, ifname, mac);
	ret = nl_link_set(s, idx, is_tap ? NULL : mac, mtu, 1); /* a tap's: add-port's */
	if (ret < 0 || !is_eth0)
		goto out;
	if (h->has_ip6) {
		ret = nl_addr6_add(s, idx, h->ip6.addr, h->ip6.plen);
		if (ret == 0 && h->has_gw6)
			ret = nl_route6_default(s, idx, h->gw6);
		if (ret < 0)
			goto out;
	}
	if (!h->has_ip)
		goto out;
	ret = nl_addr4_add(s, idx, h->ip.addr, h->ip.plen);
	if (ret < 0 || h->no_default_route)
		goto out; /* the gateway itself routes by its own commands */
	ret = nl_route4_default(s, idx, h->gateway);
out:
	if (ret < 0)
		up_err("configure %s:%s: %s%s%s", h->name, ifname, strerror(-ret),
		       nl_errmsg(s)[0] ? ": " : "", nl_errmsg(s));
	nl_close(s);
	return ret;
}

/* The link's emulation for add-port: both directions as "k=v" strings
 * (the switch parses them with the same code as the file's), and a seed of
 * its own, derived from the lab's so that the run replays. */
void up_link_params(const struct up *u, unsigned li, json_t *req)
{
	const struct topo_link *l = &u->t->links[li];
	char in[1024], out[1024];
	uint64_t seed = linkparams_link_seed(u->seed, li);

	if (req == NULL)
		return;
	linkparams_format(&l->params[0], in, sizeof(in));
	linkparams_format(&l->params[1], out, sizeof(out));
	json_object_set_new(req, "link_in", json_string(in));
	json_object_set_new(req, "link_out", json_string(out));
	/* JSON integers are signed 64-bit: linkparams_link_seed fits */
	json_object_set_new(req, "seed", json_integer((json_int_t)seed));
}

static int up_is_trunk(const struct topo *t, const struct topo_link *l);

/* The link of a vhost or ethdev node: a port the switch opens alone. */
int up_is_external(const struct topo *t, const struct topo_link *l)
{
	return !l->trunk && topo_kind_is_external(t->nodes[l->ep[0].node].kind);
}

/* The kernel side of an afpacket link: the veth pair, the host's end
 * configured, the switch's end up. */
#define UP_FABRIC_MTU 65535 /* veth's largest */

static int up_link_veth(struct up *u, unsigned li)
{
	const struct topo_link *l = &u->t->links[li];
	const struct topo_node *h = &u->t->nodes[l->ep[0].node];
	char fif[16], hns[96];
	int seq, ret, idx;

	lab_host_netns(u->t->name, h->name, hns, sizeof(hns));
	up_fabric_ifname(u, li, fif, sizeof(fif));
	seq = up_journal(u, json_pack("{s:s, s:s, s:s, s:s, s:s}", "op", "veth", "netns",
				      u->paths.fabric, "name", fif, "peer_netns", hns, "peer",
				      l->ep[0].ifname));
	if (seq < 0)
		return seq;
	ret = nl_veth_create(u->root, l->ep[0].ifname, u->host_fd[l->ep[0].node], fif,
			     u->fabric_fd);
	if (ret < 0) {
		up_err("veth %s:%s <-> %s: %s%s%s", h->name, l->ep[0].ifname, fif, strerror(-ret),
		       nl_errmsg(u->root)[0] ? ": " : "", nl_errmsg(u->root));
		return ret;
	}
	ret = up_host_if(u, h, l->ep[0].ifname, l->port_type, up_link_mtu(u->t, li));
	if (ret < 0)
		return ret;
	/* the switch end takes any frame the host sends (jumbo frames of a
	 * host whose MTU was raised, as a switch port would): the veth would
	 * drop what exceeds its own MTU before the switch sees it, uncounted,
	 * and the host's own MTU is the limit that counts. (XDP, afxdp, limits
	 * the host's MTU to a page; what the port cannot carry is counted as
	 * its rx_truncated.) */
	idx = nl_link_index(u->fabric_nl, fif);
	ret = idx < 0 ? idx : nl_link_set(u->fabric_nl, idx, NULL, UP_FABRIC_MTU, 1);
	if (ret < 0)
		up_err("bring up %s: %s", fif, strerror(-ret));
	return ret;
}

/* Receive ring frames per afpacket port: deep rings absorb bursts (TCP at a
 * gigabit over a delayed link loses frames with shallow ones), but each
 * frame is 2 KB of kernel memory mapped into the switch, per port. A
 * budget of 64k frames for the lab, 64 to 512 per port. */
static int up_ring_frames(const struct topo *t)
{
	unsigned ports = 0, frames = 512;

	for (unsigned i = 0; i < t->n_links; i++)
		ports += t->nodes[t->links[i].ep[0].node].kind == TOPO_KIND_HOST;
	while (frames > 64 && (unsigned long)frames * ports > 65536)
		frames /= 2;
	return (int)frames;
}

/* The switch port of a host link, as an add-ports element. */
static json_t *up_link_port(struct up *u, unsigned li)
{
	const struct topo_link *l = &u->t->links[li];
	const struct topo_node *h = &u->t->nodes[l->ep[0].node];
	const struct topo_node *sw = &u->t->nodes[l->ep[1].node];
	char pname[96], fif[16], netns[160], hns[96], mac[18];
	json_t *req;

	snprintf(pname, sizeof(pname), "%s:%s", sw->name, l->ep[1].ifname);
	if (l->port_type == TOPO_PORT_TAP) {
		lab_host_netns(u->t->name, h->name, hns, sizeof(hns));
		snprintf(netns, sizeof(netns), "%s/%s", NETNS_RUN_DIR, hns);
		{
			uint8_t m[6];

			topo_if_mac(u->t, h, l->ep[0].ifname, m);
			up_mac_str(m, mac, sizeof(mac));
		}
		req = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "name", pname, "type", "tap",
				"bridge", sw->name, "ifname", l->ep[0].ifname, "netns", netns, "mac",
				mac);
	} else {
		up_fabric_ifname(u, li, fif, sizeof(fif));
		req = json_pack("{s:s, s:s, s:s, s:s, s:i}", "name", pname, "type",
				l->port_type == TOPO_PORT_AFXDP ? "afxdp" : "afpacket", "bridge",
				sw->name, "ifname", fif, "ring", up_ring_frames(u->t));
	}
	up_link_params(u, li, req);
	/* a wire is a cable: LLDP, LACP, STP between its two hosts pass */
	if (sw->wire)
		json_object_set_new(req, "link_local", json_true());
	return req;
}

#define UP_PORTS_PER_REQUEST 256

/* Journal and create a batch of switch ports (one request, all or none). */
static int up_ports_flush(struct up *u, json_t *batch)
{
	size_t i;
	json_t *p;
	int ret;

	if (json_array_size(batch) == 0)
		return 0;
	json_array_foreach(batch, i, p) {
		ret = up_journal(u, json_pack("{s:s, s:s}", "op", "port", "name",
					      json_string_value(json_object_get(p, "name"))));
		if (ret < 0)
			return ret;
	}
	ret = up_switch_call(u, json_pack("{s:s, s:O}", "cmd", "add-ports", "ports", batch),
			     "switch ports");
	json_array_clear(batch);
	return ret < 0 ? ret : up_check_interrupt();
}

/* Every host link: kernel objects, then the switch's ports in batches
 * (the switch opens each batch in parallel), then the tap hosts, whose
 * interfaces exist only once the switch made them. */
static int up_host_links(struct up *u)
{
	const struct topo *t = u->t;
	json_t *batch = json_array();
	int ret = 0;

	if (batch == NULL)
		return -ENOMEM;
	for (unsigned i = 0; i < t->n_links && ret == 0; i++) {
		const struct topo_link *l = &t->links[i];

		if (up_is_trunk(t, l) || l->port_type == TOPO_PORT_TAP || up_is_external(t, l))
			continue;
		ret = up_link_veth(u, i);
		if (ret == 0)
			ret = up_check_interrupt();
	}
	up_phase("veths");
	for (unsigned i = 0; i < t->n_links && ret == 0; i++) {
		if (up_is_trunk(t, &t->links[i]) || up_is_external(t, &t->links[i]))
			continue;
		json_array_append_new(batch, up_link_port(u, i));
		if (json_array_size(batch) == UP_PORTS_PER_REQUEST)
			ret = up_ports_flush(u, batch);
	}
	if (ret == 0)
		ret = up_ports_flush(u, batch);
	for (unsigned i = 0; i < t->n_links && ret == 0; i++) {
		const struct topo_link *l = &t->links[i];

		if (!up_is_trunk(t, l) && l->port_type == TOPO_PORT_TAP)
			ret = up_host_if(u, &t->nodes[l->ep[0].node], l->ep[0].ifname,
					 TOPO_PORT_TAP, up_link_mtu(t, i));
	}
	json_decref(batch);
	return ret;
}

/* ---- switch-to-switch links --------------------------------------------- */

static int up_is_trunk(const struct topo *t, const struct topo_link *l)
{
	return t->nodes[l->ep[0].node].kind == TOPO_KIND_SWITCH &&
	       t->nodes[l->ep[1].node].kind == TOPO_KIND_SWITCH;
}

/* One cable between two bridges, emulated both ways: a->b on a's "out",
 * b->a on b's. Redundant cables are created blocked. */
static int up_trunk(struct up *u, unsigned li, int blocked)
{
	const struct topo_link *l = &u->t->links[li];
	const struct topo_node *na = &u->t->nodes[l->ep[0].node];
	const struct topo_node *nb = &u->t->nodes[l->ep[1].node];
	char pa[96], pb[96], fa[1024], fb[1024];
	uint64_t seed = linkparams_link_seed(u->seed, li);
	json_t *req;
	int seq;

	snprintf(pa, sizeof(pa), "%s:%s", na->name, l->ep[0].ifname);
	snprintf(pb, sizeof(pb), "%s:%s", nb->name, l->ep[1].ifname);
	linkparams_format(&l->params[0], fa, sizeof(fa));
	linkparams_format(&l->params[1], fb, sizeof(fb));
	/* for the record: the switch owns both ends and they die with it */
	seq = up_journal(u, json_pack("{s:s, s:s, s:s}", "op", "port", "name", pa, "peer", pb));
	if (seq < 0)
		return seq;
	req = json_pack("{s:s, s:{s:s, s:s, s:s}, s:{s:s, s:s, s:s}, s:I, s:b}", "cmd", "add-patch",
			"a", "name", pa, "bridge", na->name, "link", fa, "b", "name", pb, "bridge",
			nb->name, "link", fb, "seed", (json_int_t)seed, "blocked", blocked);
	return up_switch_call(u, req, pa);
}

/* All trunks, with the spanning tree's redundant ones blocked. */
static int up_trunks(struct up *u)
{
	const struct topo *t = u->t;
	unsigned *sw_index = calloc(t->n_nodes ? t->n_nodes : 1, sizeof(unsigned));
	struct stp_link *sl = calloc(t->n_links ? t->n_links : 1, sizeof(*sl));
	unsigned *li = calloc(t->n_links ? t->n_links : 1, sizeof(unsigned));
	uint8_t *blocked = calloc(t->n_links ? t->n_links : 1, 1);
	unsigned n_sw = 0, n = 0;
	int ret = 0;

	if (sw_index == NULL || sl == NULL || li == NULL || blocked == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	for (unsigned i = 0; i < t->n_nodes; i++) {
		if (t->nodes[i].kind == TOPO_KIND_SWITCH)
			sw_index[i] = n_sw++;
	}
	for (unsigned i = 0; i < t->n_links; i++) {
		const struct topo_link *l = &t->links[i];

		if (!up_is_trunk(t, l))
			continue;
		sl[n] = (struct stp_link){sw_index[l->ep[0].node], sw_index[l->ep[1].node],
					  !(l->params[0].down || l->params[1].down)};
		li[n++] = i;
	}
	ret = stp_compute(n_sw, sl, n, blocked);
	for (unsigned k = 0; k < n && ret == 0; k++) {
		ret = up_trunk(u, li[k], blocked[k]);
		if (ret == 0)
			ret = up_check_interrupt();
	}
out:
	free(sw_index);
	free(sl);
	free(li);
	free(blocked);
	return ret;
}

/* ---- state file ------------------------------------------------------ */

static json_t *up_state(const struct up *u)
{
	const struct topo *t = u->t;
	json_t *nodes = json_array(), *links = json_array();
	char buf[96], mac[18], ip[24];

	for (unsigned i = 0; i < t->n_nodes; i++) {
		const struct topo_node *n = &t->nodes[i];
		json_t *jn =
		    json_pack("{s:s, s:s}", "name", n->name, "kind", topo_kind_name(n->kind));

		if (n->kind == TOPO_KIND_HOST) {
			lab_host_netns(t->name, n->name, buf, sizeof(buf));
			up_mac_str(n->mac, mac, sizeof(mac));
			json_object_set_new(jn, "netns", json_string(buf));
			if (up_has_eth0(t, i)) /* else no interface has that MAC */
				json_object_set_new(jn, "mac", json_string(mac));
			json_object_set_new(jn, "port",
					    json_string(topo_port_type_name(up_host_port(t, i))));
			if (n->has_ip) {
				topo_addr4_format(n->ip.addr, ip, sizeof(ip));
				snprintf(buf, sizeof(buf), "%s/%u", ip, n->ip.plen);
				json_object_set_new(jn, "ip", json_string(buf));
			}
			if (n->has_ip6) {
				char ip6[INET6_ADDRSTRLEN + 8];

				topo_ip6_format(&n->ip6, ip6, sizeof(ip6));
				json_object_set_new(jn, "ip6", json_string(ip6));
			}
		} else if (n->kind == TOPO_KIND_VHOST) {
			char sock[PATH_MAX];

			lab_vhost_socket(t, i, sock, sizeof(sock));
			json_object_set_new(jn, "socket", json_string(sock));
		} else if (n->kind == TOPO_KIND_ETHDEV) {
			json_object_set_new(jn, "devargs", json_string(n->devargs));
		} else if (n->wire) {
			json_object_set_new(jn, "wire", json_true());
		}
		json_array_append_new(nodes, jn);
	}
	for (unsigned i = 0; i < t->n_links; i++) {
		const struct topo_link *l = &t->links[i];
		char a[64], b[64];

		snprintf(a, sizeof(a), "%s:%s", t->nodes[l->ep[0].node].name, l->ep[0].ifname);
		snprintf(b, sizeof(b), "%s:%s", t->nodes[l->ep[1].node].name, l->ep[1].ifname);
		json_array_append_new(links, json_pack("[s, s]", a, b));
	}
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)u->seed);
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o}", "name", t->name, "file", t->file,
			 "fabric", u->paths.fabric, "seed", buf, "nodes", nodes, "links", links);
}

static int up_write_state(struct up *u)
{
	char tmp[200];
	json_t *st = up_state(u);
	int ret = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", u->paths.state);
	if (st == NULL || json_dump_file(st, tmp, JSON_INDENT(2)) < 0 ||
	    rename(tmp, u->paths.state) < 0) {
		ret = -EIO;
		unlink(tmp);
	}
	json_decref(st);
	return ret;
}

/* ---- host names and resolver ------------------------------------------- */

/* Link dir/file -> target for one host, journaled first. 0, 1 if the host
 * already has a file of that name there (someone else's: kept), or
 * -errno. */
static int up_etc_link(struct up *u, const char *dir, const char *file, const char *target)
{
	struct stat st;
	int seq, created, ret;

	seq = up_journal(u, json_pack("{s:s, s:s, s:s, s:s, s:b}", "op", "etc_hosts", "dir", dir,
				      "file", file, "target", target, "dir_created",
				      stat(dir, &st) < 0));
	if (seq < 0)
		return seq;
	ret = etchosts_link(dir, file, target, &created);
	if (ret < 0)
		up_void(u, seq);
	return ret == -EEXIST ? 1 : ret;
}

/* The lab's hosts file and resolv.conf and, per host, links to them in
 * /etc/netns/NETNS/ (etchosts.h). Both are conveniences: a machine whose
 * /etc cannot take them (read-only, a host's own file already there) gets
 * a note and a lab without them, never a failed up. */
static int up_etc_hosts(struct up *u)
{
	const struct topo *t = u->t;
	char hosts[200], resolv[200], dir[PATH_MAX], ns[96];
	struct stat st;
	unsigned named = 0, skipped = 0, n_hosts = 0;
	int seq, ret = 0;

	for (unsigned i = 0; i < t->n_nodes; i++) {
		n_hosts += t->nodes[i].kind == TOPO_KIND_HOST;
		named += t->nodes[i].kind == TOPO_KIND_HOST &&
			 (t->nodes[i].has_ip || t->nodes[i].has_ip6);
	}
	if (n_hosts == 0)
		return 0;
	snprintf(hosts, sizeof(hosts), "%s/hosts", u->paths.dir);
	snprintf(resolv, sizeof(resolv), "%s/resolv.conf", u->paths.dir);
	ret = named ? etchosts_write(t, "/etc/hosts", hosts) : 0;
	if (ret == 0)
		ret = etchosts_resolv_write(t, resolv);
	if (ret < 0) {
		up_err("write %s: %s", named ? hosts : resolv, strerror(-ret));
		return ret;
	}
	if (stat(ETCHOSTS_ROOT, &st) < 0) {
		seq = up_journal(u, json_pack("{s:s, s:s}", "op", "etc_dir", "path", ETCHOSTS_ROOT));
		if (seq < 0)
			return seq;
		ret = etchosts_root_make();
		if (ret < 0 && ret != -EEXIST) {
			printf("note: no host names or resolver inside the lab: mkdir %s: %s\n",
			       ETCHOSTS_ROOT, strerror(-ret));
			return 0;
		}
		ret = 0;
	}
	for (unsigned i = 0; i < t->n_nodes && ret >= 0; i++) {
		if (t->nodes[i].kind != TOPO_KIND_HOST)
			continue;
		lab_host_netns(t->name, t->nodes[i].name, ns, sizeof(ns));
		if (etchosts_dir(ns, dir, sizeof(dir)) < 0)
			continue;
		ret = named ? up_etc_link(u, dir, "hosts", hosts) : 0;
		if (ret >= 0) {
			skipped += ret;
			ret = up_etc_link(u, dir, "resolv.conf", resolv);
			skipped += ret > 0;
		}
	}
	if (ret < 0)
		printf("note: no host names or resolver inside the lab: %s/...: %s\n",
		       ETCHOSTS_ROOT, strerror(-ret));
	else if (skipped)
		printf("note: %u host file(s) already in %s/NETNS/ are kept\n", skipped,
		       ETCHOSTS_ROOT);
	return 0;
}

/* ---- driver ---------------------------------------------------------- */

#define UP_FDB_MIN	 65536u
#define UP_FDB_MAX	 (1u << 20)
#define UP_FDB_ENTRY_MEM 64 /* bytes an entry costs in the hash, about */

/*
 * The FDB holds an entry per MAC per switch that has seen it: with every
 * host talking, hosts x switches (1024 x 320 in fat-tree k=16). Size it for
 * that, within UP_FDB_MAX, and give the switch the memory for it; a lab
 * that could outgrow it is told so (MACs that find no room are flooded).
 */
static void up_sizes(struct up *u)
{
	unsigned long hosts = 0, sws = 0, want;

	for (unsigned i = 0; i < u->t->n_nodes; i++) {
		hosts += u->t->nodes[i].kind != TOPO_KIND_SWITCH;
		sws += u->t->nodes[i].kind == TOPO_KIND_SWITCH && !u->t->nodes[i].wire;
	}
	/* every switch can learn every host; a wire learns its two */
	want = hosts * sws + hosts * sws / 4 + 2 * (unsigned long)u->t->n_wires;
	u->fdb = want < UP_FDB_MIN ? UP_FDB_MIN : want > UP_FDB_MAX ? UP_FDB_MAX : want;
	u->mem_mb = u->o->mem_mb ? u->o->mem_mb : 256;
	if (!u->o->mem_mb && u->fdb > UP_FDB_MIN)
		u->mem_mb += (unsigned)((u->fdb - UP_FDB_MIN) * UP_FDB_ENTRY_MEM >> 20);
	if (want > UP_FDB_MAX && !u->o->quiet)
		printf("note: %lu hosts on %lu switches can fill %lu FDB entries; the switch "
		       "holds %u: frames to MACs without one are flooded\n",
		       hosts, sws, hosts * sws, UP_FDB_MAX);
}

/* ---- the hosts' own commands ('exec') ---------------------------------- */

/* The output of a failed command (from offset on in the exec log): its
 * last lines, indented, on stderr and after up_err()'s message. */
static void up_exec_output(int fd, off_t from)
{
	char buf[1536], *line = buf, *nl;
	off_t end = lseek(fd, 0, SEEK_END);
	size_t used = strlen(up_last_err);
	ssize_t n;
	int cut = 0;

	if (end <= from)
		return;
	if (end - from > (off_t)sizeof(buf) - 1) {
		from = end - (off_t)sizeof(buf) + 1;
		cut = 1;
	}
	n = pread(fd, buf, sizeof(buf) - 1, from);
	if (n <= 0)
		return;
	buf[n] = '\0';
	if (cut) { /* from the first whole line, and say what is missing */
		nl = strchr(buf, '\n');
		line = nl != NULL && nl[1] ? nl + 1 : buf;
		fprintf(stderr, "    | ... (%lld bytes before; all in exec.log)\n",
			(long long)(from + (line - buf)));
	}
	for (; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (nl == NULL)
			nl = line + strlen(line) - 1;
		else
			*nl = '\0';
		fprintf(stderr, "    | %s\n", line);
		if (used < sizeof(up_last_err) - 1)
			used += (size_t)snprintf(up_last_err + used, sizeof(up_last_err) - used,
						 "\n| %s", line);
	}
}

/* Each host's 'exec' commands, hosts in file order, once everything else
 * is up (the links carry traffic, so a command may already use the
 * network). Their output goes to the run directory's exec.log. A command
 * that fails (non-zero exit) fails `up`, which rolls the lab back. */
static int up_exec(struct up *u)
{
	const struct topo *t = u->t;
	char path[PATH_MAX], ns[96];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/exec.log", u->paths.dir);
	fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = -errno;
		up_err("open %s: %s", path, strerror(-ret));
		return ret;
	}
	for (unsigned i = 0; i < t->n_nodes && ret == 0; i++) {
		const struct topo_node *n = &t->nodes[i];
		const char *cmd = n->exec;

		if (n->kind != TOPO_KIND_HOST)
			continue;
		lab_host_netns(t->name, n->name, ns, sizeof(ns));
		for (unsigned k = 0; k < n->n_exec && ret == 0; k++, cmd += strlen(cmd) + 1) {
			off_t from;
			int st;

			dprintf(fd, "# %s: %s\n", n->name, cmd);
			from = lseek(fd, 0, SEEK_END);
			st = hostexec_run(ns, t->name, n->name, cmd, fd, &up_interrupted);
			if (st == -EINTR) {
				ret = st;
			} else if (st < 0) {
				ret = st;
				up_err("exec on %s: '%s': %s", n->name, cmd, strerror(-st));
			} else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
				ret = -ECANCELED;
				if (WIFEXITED(st))
					up_err("exec on %s: '%s' exited with %d%s", n->name, cmd,
					       WEXITSTATUS(st),
					       WEXITSTATUS(st) == 126 ? " (could not enter the host)"
					       : WEXITSTATUS(st) == 127 ? " (command not found?)"
									: "");
				else
					up_err("exec on %s: '%s' was killed by signal %d", n->name, cmd,
					       WTERMSIG(st));
				up_exec_output(fd, from);
			}
		}
	}
	close(fd);
	return ret;
}

static int up_apply(struct up *u)
{
	const struct topo *t = u->t;
	char name[96];
	int ret;

	up_phase(NULL);
	up_sizes(u);
	ret = up_fabric_names(u);
	if (ret == 0)
		ret = up_hugepages(u);
	if (ret == 0)
		ret = up_neigh_limits(u);
	if (ret < 0)
		return ret;
	ret = up_netns(u, u->paths.fabric, &u->fabric_fd);
	if (ret < 0)
		return ret;
	{
		/* the switch's veth ends carry frames, not IPv6 of their own */
		struct nl_sock *fs = nl_open(u->fabric_fd);
		if (fs == NULL)
			return -errno;
		nl_sysctl_set(fs, "net/ipv6/conf/default/disable_ipv6", "1", NULL, 0);
		nl_sysctl_set(fs, "net/ipv6/conf/all/disable_ipv6", "1", NULL, 0);
		u->fabric_nl = fs;
	}
	ret = up_switch(u);
	if (ret < 0)
		return ret;
	up_phase("switch start");
	for (unsigned i = 0; i < t->n_nodes; i++) {
		if (t->nodes[i].kind != TOPO_KIND_HOST)
			continue;
		lab_host_netns(t->name, t->nodes[i].name, name, sizeof(name));
		ret = up_netns(u, name, &u->host_fd[i]);
		if (ret == 0)
			ret = up_host_base(u, i);
		if (ret < 0 || (ret = up_check_interrupt()) < 0)
			return ret;
	}
	up_phase("host namespaces");
	ret = up_trunks(u);
	if (ret < 0)
		return ret;
	up_phase("trunks");
	ret = up_host_links(u);
	if (ret < 0)
		return ret;
	up_phase("host ports");
	ret = up_external_ports(u);
	if (ret < 0)
		return ret;
	up_phase("vhost/ethdev ports");
	if (t->arp_static) {
		ret = up_static_arp(u);
		if (ret < 0)
			return ret;
		up_phase("static arp");
	}
	ret = up_etc_hosts(u);
	if (ret == 0)
		ret = up_check_interrupt();
	if (ret < 0)
		return ret;
	up_phase("host names");
	ret = up_write_state(u);
	if (ret == 0 && topo_has_exec(t)) {
		ret = up_exec(u);
		up_phase("exec");
	}
	/* the lab is up only if the switch still answers and no signal came
	 * since the last check (Ctrl-C at the end said "lab is up", exit 0) */
	if (ret == 0)
		ret = up_check_interrupt();
	if (ret == 0)
		ret = up_switch_call(u, json_pack("{s:s}", "cmd", "ping"), "the switch, at the end");
	if (ret == 0)
		ret = up_check_interrupt();
	return ret;
}

/* A wire: the two host ends it joins. */
static void up_print_wire(const struct topo *t, unsigned w)
{
	const struct topo_endpoint *e[2];
	unsigned k = 0;

	for (unsigned i = 0; i < t->n_links && k < 2; i++)
		if (t->links[i].ep[1].node == w)
			e[k++] = &t->links[i].ep[0];
	if (k == 2)
		printf("  %-12s %-8s %s:%s <-> %s:%s\n", t->nodes[w].name, "wire",
		       t->nodes[e[0]->node].name, e[0]->ifname, t->nodes[e[1]->node].name,
		       e[1]->ifname);
}

static void up_print(const struct up *u)
{
	const struct topo *t = u->t;
	/* a generated lab's "file" is "<--topo SPEC>" (topo_gen.c): it has
	 * none to add 'seed:' to */
	int generated = t->file != NULL && t->file[0] == '<';
	char ip[24], buf[96], mac[18], path[PATH_MAX];

	printf("lab %s is up: %u nodes, %u links (switch namespace %s, seed %llu", t->name,
	       t->n_nodes - t->n_wires, t->n_links - t->n_wires, u->paths.fabric,
	       (unsigned long long)u->seed);
	if (t->has_seed)
		printf(")\n");
	else if (generated)
		printf(", drawn: up --seed %llu to replay)\n", (unsigned long long)u->seed);
	else
		printf(", drawn: 'seed: %llu' in the file, or up --seed %llu, to replay)\n",
		       (unsigned long long)u->seed, (unsigned long long)u->seed);
	int v6 = 0;

	for (unsigned i = 0; i < t->n_nodes; i++)
		v6 |= t->nodes[i].has_ip6;
	printf("  %-12s %-8s %-20s %-18s %-17s %-8s%s\n", "NODE", "KIND", "NETNS", "ADDRESS", "MAC",
	       "PORT", v6 ? " ADDRESS6" : "");
	for (unsigned i = 0; i < t->n_nodes; i++) {
		const struct topo_node *n = &t->nodes[i];

		if (n->kind == TOPO_KIND_VHOST) {
			lab_vhost_socket(t, (unsigned)(n - t->nodes), path, sizeof(path));
			printf("  %-12s %-8s socket %s\n", n->name, "vhost", path);
			continue;
		}
		if (n->kind == TOPO_KIND_ETHDEV) {
			printf("  %-12s %-8s devargs %s\n", n->name, "ethdev", n->devargs);
			continue;
		}
		if (n->wire) {
			up_print_wire(t, (unsigned)(n - t->nodes));
			continue;
		}
		if (n->kind != TOPO_KIND_HOST) {
			printf("  %-12s %-8s\n", n->name, "switch");
			continue;
		}
		lab_host_netns(t->name, n->name, buf, sizeof(buf));
		if (up_has_eth0(t, (unsigned)(n - t->nodes)))
			up_mac_str(n->mac, mac, sizeof(mac));
		else
			snprintf(mac, sizeof(mac), "-");
		if (n->has_ip) {
			char a[16];
			topo_addr4_format(n->ip.addr, a, sizeof(a));
			snprintf(ip, sizeof(ip), "%s/%u", a, n->ip.plen);
		} else {
			snprintf(ip, sizeof(ip), "-");
		}
		printf("  %-12s %-8s %-20s %-18s %-17s %-8s", n->name, "host", buf, ip, mac,
		       topo_port_type_name(up_host_port(t, (unsigned)(n - t->nodes))));
		if (n->has_ip6) {
			char a6[INET6_ADDRSTRLEN + 8];

			topo_ip6_format(&n->ip6, a6, sizeof(a6));
			printf(" %s", a6);
		}
		printf("\n");
	}
}

/* What one switch process takes (dataplane/switch.h); checked before
 * anything is created, so a lab over a limit fails with the limit named. */
#define UP_SWITCH_PORTS_MAX   65536
#define UP_SWITCH_BRIDGES_MAX 4096

static int up_check_limits(const struct topo *t)
{
	unsigned long ports = 0, bridges = 0;

	for (unsigned i = 0; i < t->n_nodes; i++)
		bridges += t->nodes[i].kind == TOPO_KIND_SWITCH;
	for (unsigned i = 0; i < t->n_links; i++)
		ports += t->nodes[t->links[i].ep[0].node].kind == TOPO_KIND_SWITCH ? 2 : 1;
	if (ports > UP_SWITCH_PORTS_MAX) {
		up_err("lab %s needs %lu switch ports; one rackless-switch takes at most %d", t->name,
		       ports, UP_SWITCH_PORTS_MAX);
		return -ENOSPC;
	}
	if (bridges > UP_SWITCH_BRIDGES_MAX) {
		up_err("lab %s has %lu switches; one rackless-switch takes at most %d", t->name,
		       bridges, UP_SWITCH_BRIDGES_MAX);
		return -ENOSPC;
	}
	return 0;
}

int lab_up(const struct topo *t, const struct lab_up_opts *o)
{
	struct sigaction sa = {.sa_handler = up_on_signal}, old_int, old_term, old_hup, old_pipe;
	struct sigaction ign = {.sa_handler = SIG_IGN};
	struct up u = {.t = t, .o = o, .fabric_fd = -1};
	int lock, ret;

	lab_paths(t->name, &u.paths);
	ret = up_check_limits(t);
	if (ret < 0)
		return ret;
	if (mkdir(LAB_RUN_DIR, 0755) < 0 && errno != EEXIST) {
		ret = -errno;
		up_err("%s: %s", LAB_RUN_DIR, strerror(errno));
		return ret;
	}
	/* the run directory is the lab's lock: mkdir is atomic */
	if (mkdir(u.paths.dir, 0700) < 0) {
		ret = -errno;
		if (ret == -EEXIST)
			up_err(
			    "lab %s is already up (rackless down %s, or rackless cleanup %s if it "
			    "crashed)",
			    t->name, t->name, t->name);
		else
			up_err("%s: %s", u.paths.dir, strerror(errno));
		return ret;
	}
	/* held until up is done or rolled back: a down meanwhile waits */
	lock = lab_lock(t->name);
	if (lock < 0) {
		up_err("lab %s was taken down as it started: %s", t->name, strerror(-lock));
		return lock;
	}
	up_interrupted = 0;
	up_last_err[0] = '\0';
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGHUP, &sa, &old_hup); /* a closed terminal: roll back too */
	/* `rackless up | head -1`: a reader gone must not kill up halfway,
	 * with nothing rolled back */
	sigaction(SIGPIPE, &ign, &old_pipe);
	/* Ctrl-C ends a wait for a machine-wide lock (hugepages) too */
	lockfile_interruptible(&up_interrupted);
	u.host_fd = malloc(sizeof(int) * (t->n_nodes ? t->n_nodes : 1));
	if (u.host_fd == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	for (unsigned i = 0; i < t->n_nodes; i++)
		u.host_fd[i] = -1;
	ret = journal_open(u.paths.dir, &u.j);
	if (ret < 0) {
		up_err("journal: %s", strerror(-ret));
		goto out;
	}
	u.root = nl_open(-1);
	if (u.root == NULL) {
		ret = -errno;
		goto out;
	}
	if (t->has_seed)
		u.seed = t->seed;
	else if (getrandom(&u.seed, sizeof(u.seed), 0) != sizeof(u.seed))
		u.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	ret = up_apply(&u);
	if (ret == -EINTR)
		up_err("interrupted");
out:
	swclient_close(u.sw);
	nl_close(u.root);
	nl_close(u.fabric_nl);
	journal_close(u.j);
	if (u.host_fd != NULL) {
		for (unsigned i = 0; i < t->n_nodes; i++)
			if (u.host_fd[i] >= 0)
				close(u.host_fd[i]);
	}
	free(u.host_fd);
	free(u.fif);
	if (u.fabric_fd >= 0)
		close(u.fabric_fd);
	lockfile_interruptible(NULL); /* the rollback waits for what it needs */
	if (ret < 0) {
		fprintf(stderr, "rackless: up: rolling back lab %s\n", t->name);
		lab_undo(t->name, LAB_UNDO_QUIET | LAB_UNDO_LOCKED);
	} else if (!o->quiet) {
		up_print(&u);
	}
	close(lock);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	return ret;
}
