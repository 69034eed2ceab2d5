/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * afxdp backend: an AF_XDP socket on the switch's end of a veth pair, fed by
 * libxdp's default XSK program (a redirect into the socket's XSKMAP slot).
 *
 * Mode. A veth has native XDP but no zero-copy AF_XDP: the kernel copies
 * each frame into a UMEM frame (XDP_COPY), and we copy it into an mbuf and
 * hand the frame straight back to the fill ring, so UMEM frames are a small
 * recycled staging area and mbufs never point into UMEM. Transmit copies
 * the other way (chained mbufs included) and kicks the kernel with
 * sendto() when the TX ring asks for a wake-up, which in copy mode is every
 * time: copy mode transmits inside sendto().
 *
 * Sharing. Sockets share UMEM areas in groups (afxdp_frames.h says why
 * groups, not one), made when a port needs one and freed with their last
 * socket. libxdp binds a UMEM's first socket on the UMEM's own fd and never
 * closes it while the UMEM lives; a socket stays bound to its device (and
 * that device's queue stays taken) until its last fd goes. So when the port
 * whose socket the UMEM fd is closes first, the fd is pointed at another
 * member's socket with dup2(): the kernel only asks that the fd a new
 * socket shares through be a bound socket of the same UMEM.
 *
 * The XDP program. libxdp would attach through its multi-program
 * dispatcher, which pins programs in a bpffs (not mounted here, and pins
 * outlive a killed switch), and counts users with a lock file there. We
 * load the same default program (xsk_def_xdp_prog.o) with libbpf and attach
 * it with a BPF link (native mode on a veth): the kernel detaches it when
 * the link's last fd closes, so even a switch killed with SIGKILL leaves no
 * program on an interface. One program and map per port: the program keys
 * its map by RX queue, and every veth has queue 0.
 *
 * What the kernel requires of the veth, and why nothing else is set here:
 * native XDP on a veth needs the peer's (the host end's) MTU to fit a page
 * with XDP's headroom (about 3500 bytes; the attach fails with ERANGE
 * otherwise); attaching the program turns on the veth's NAPI, which is what
 * runs XDP for frames the host sends, and takes GSO off the host end. The
 * host end must not leave checksums to the hardware either: XDP sees bytes,
 * not skb checksum state, so `rackless up` turns the host's TX offloads off
 * for afxdp hosts (control/up.c, as for every port that reads raw frames).
 * A host may raise its MTU up to that page; `rackless up` gives the switch
 * end the veth's largest MTU, so that no frame the host sends is dropped
 * by the veth unseen: what exceeds the port's MTU is counted as
 * rx_truncated, here or by the kernel (a UMEM frame too small).
 * The other way, the veth drops what exceeds the host's own MTU, which the
 * host may lower at any time, after the socket has taken the frame: the
 * port reads that MTU (vethpeer.h, at most every AFXDP_MTU_MS, in the
 * worker before a burst) and counts such frames as tx_error, as the
 * afpacket and tap ports do.
 *
 * Threads. open/close run on the switch's control threads, several at
 * once; the group list and libxdp's UMEM bookkeeping (not thread-safe) are
 * under afxdp_lock. The slow kernel work (BPF load, attach and detach, the
 * last close of a socket, which waits for an RCU grace period) happens
 * outside it, so closing thousands of ports overlaps the sockets' waits.
 * Attach and detach themselves are serialized by the kernel (RTNL): each
 * takes about 0.7 ms, and an RCU grace period (~13 ms) while the kernel's
 * XDP dispatcher, a cache of 48 program addresses, changes; with a program
 * per port that is the first and last 48 ports only (4096 ports: down in
 * about 7 s, afpacket 3.5 s).
 */
#include <errno.h>
#include <net/if.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_xdp.h>
#include <xdp/libxdp.h>
#include <xdp/xsk.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "../port.h"
#include "../vethpeer.h"
#include "afxdp_frames.h"

#define AFXDP_RING_DEFAULT 128 /* frames per port in its group, when not given */
#define AFXDP_TX_RING	   64  /* two worker bursts */
#define AFXDP_COMP_RING	   128 /* room for every frame the TX ring can hold, twice */
#define AFXDP_BURST	   64
#define AFXDP_MTU_MS	   500 /* the host's MTU read again after */
#define AFXDP_KICKS	   4   /* sendto() moves at most 32 frames in copy mode */
#define AFXDP_BUSY_TRIES   100 /* x AFXDP_BUSY_WAIT_US: a device queue being freed */
#define AFXDP_BUSY_WAIT_US 10000
#define AFXDP_PROG_FILE	   "xsk_def_xdp_prog.o"
#define AFXDP_PROG_NAME	   "xsk_def_prog"
#define AFXDP_MAP_NAME	   "xsks_map"

struct afxdp;

struct afxdp_group {
	struct afxdp_group *next;
	struct afxdp_frames frames;
	struct xsk_umem *umem;
	uint8_t *area;
	size_t area_len;
	uint32_t ring; /* key: the ports' ring size (and frame size) */
	/* the UMEM's own fill and completion rings, which libxdp gives the
	 * first socket */
	struct xsk_ring_prod fill0;
	struct xsk_ring_cons comp0;
	int umem_slot;	    /* member whose socket the UMEM fd is; -1 none */
	uint32_t fill_keep; /* budget the fill rings leave to transmit */
	struct afxdp *members[AFXDP_GROUP_SLOTS];
};

struct afxdp {
	struct xsk_ring_cons rx;
	struct xsk_ring_prod tx;
	struct xsk_ring_prod *fill; /* fill_own, or the group's fill0 */
	struct xsk_ring_cons *comp;
	struct xsk_ring_prod fill_own;
	struct xsk_ring_cons comp_own;
	struct xsk_socket *xsk;
	int fd;
	uint8_t *area;
	uint64_t frame_mask;
	uint32_t frame_size;
	uint32_t max_rx; /* largest frame the port carries: its MTU's */
	uint32_t posted; /* frames on the fill ring, in the kernel or on the RX ring */
	bool tx_pending;
	struct afxdp_fill fp;
	struct afxdp_holder h;
	struct afxdp_group *g;
	unsigned ifindex;
	int peer, peer_nsid; /* the host's end of the veth (vethpeer), 0: none */
	uint32_t max_tx;     /* largest frame the host takes (its MTU's) */
	uint64_t mtu_tsc;    /* when max_tx was read */
	struct bpf_link *link;	    /* the XDP program, attached */
	struct xdp_statistics seen; /* kernel counters already folded (control) */
};

static pthread_mutex_t afxdp_lock = PTHREAD_MUTEX_INITIALIZER;
static struct afxdp_group *afxdp_groups;
static pthread_once_t afxdp_once = PTHREAD_ONCE_INIT;
/* the hosts' MTUs: one netlink socket for all ports, read by the workers
 * and the control threads' opens in turn */
static pthread_mutex_t afxdp_mtu_lock = PTHREAD_MUTEX_INITIALIZER;
static struct vethpeer afxdp_vp;

/* ---- setup ------------------------------------------------------------- */

/* libbpf and libxdp narrate every object they open; a lab opens thousands.
 * Warnings still reach the switch's log. */
static int afxdp_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

static int afxdp_libxdp_print(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	return level == LIBXDP_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

static void afxdp_init_once(void)
{
	libbpf_set_print(afxdp_libbpf_print);
	libxdp_set_print(afxdp_libxdp_print);
	(void)vethpeer_open(&afxdp_vp); /* without it, no MTU check on send */
}

/* The largest frame x's host takes: its MTU, Ethernet and a VLAN tag (a
 * veth's rule). Kept when it cannot be read. */
static void afxdp_read_mtu(struct afxdp *x)
{
	struct vethpeer_if host;

	x->mtu_tsc = rte_get_tsc_cycles();
	if (x->peer <= 0)
		return;
	pthread_mutex_lock(&afxdp_mtu_lock);
	if (vethpeer_get(&afxdp_vp, x->peer, x->peer_nsid, &host) == 0 && host.mtu > 0)
		x->max_tx = host.mtu + RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN;
	pthread_mutex_unlock(&afxdp_mtu_lock);
}

/* Find the host's end of x's veth, and its MTU. */
static void afxdp_find_peer(struct afxdp *x)
{
	struct vethpeer_if sw;

	x->peer = 0;
	x->max_tx = UINT32_MAX;
	pthread_mutex_lock(&afxdp_mtu_lock);
	if (vethpeer_get(&afxdp_vp, (int)x->ifindex, -1, &sw) == 0 && sw.link > 0) {
		x->peer = sw.link;
		x->peer_nsid = sw.nsid;
	}
	pthread_mutex_unlock(&afxdp_mtu_lock);
	afxdp_read_mtu(x);
}

/*
 * Sizes, from the ports' ring (frames per port on average, 16..4096; `up`
 * gives 512 to small labs and 64 to big ones): each socket's quota is half
 * of it and the group's shared budget the other halves of all its slots.
 * A fill ring idles at a quarter of it and grows to four times it (TCP
 * bursts while the worker is away) as long as the shared budget lasts, but
 * leaves a quarter of that budget to transmit, which needs frames at once.
 */
static uint32_t afxdp_quota(uint32_t ring)
{
	return ring / 2;
}

static uint32_t afxdp_shared(uint32_t ring)
{
	return AFXDP_GROUP_SLOTS * (ring / 2);
}

static uint32_t afxdp_fill_size(uint32_t ring)
{
	return 4 * ring;
}

static void afxdp_group_free(struct afxdp_group *g)
{
	if (g == NULL)
		return;
	if (g->umem != NULL)
		xsk_umem__delete(g->umem);
	if (g->area != NULL)
		munmap(g->area, g->area_len);
	afxdp_frames_fini(&g->frames);
	free(g);
}

/* A group for ports of this ring and frame size. Caller holds the lock. */
static int afxdp_group_new(uint32_t ring, uint32_t frame_size, struct afxdp_group **out)
{
	struct xsk_umem_config uc = {
	    .fill_size = afxdp_fill_size(ring),
	    .comp_size = AFXDP_COMP_RING,
	    .frame_size = frame_size,
	    .frame_headroom = 0,
	    .flags = 0,
	};
	struct afxdp_group *g = calloc(1, sizeof(*g));
	int ret;

	if (g == NULL)
		return -ENOMEM;
	g->area = NULL;
	g->umem_slot = -1;
	g->ring = ring;
	g->fill_keep = afxdp_shared(ring) / 4;
	ret = afxdp_frames_init(&g->frames, afxdp_quota(ring), afxdp_shared(ring), frame_size);
	if (ret < 0)
		goto fail;
	g->area_len = (size_t)g->frames.n_frames * frame_size;
	/* the kernel pins these pages when the UMEM is registered */
	g->area =
	    mmap(NULL, g->area_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->area == MAP_FAILED) {
		g->area = NULL;
		ret = -errno;
		goto fail;
	}
	ret = xsk_umem__create(&g->umem, g->area, g->area_len, &g->fill0, &g->comp0, &uc);
	if (ret < 0) {
		g->umem = NULL;
		goto fail;
	}
	g->next = afxdp_groups;
	afxdp_groups = g;
	*out = g;
	return 0;
fail:
	afxdp_group_free(g);
	return ret;
}

static void afxdp_group_unlink(struct afxdp_group *g)
{
	for (struct afxdp_group **pp = &afxdp_groups; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == g) {
			*pp = g->next;
			return;
		}
	}
}

static struct afxdp_group *afxdp_group_find(uint32_t ring, uint32_t frame_size)
{
	for (struct afxdp_group *g = afxdp_groups; g != NULL; g = g->next) {
		if (g->ring == ring && g->frames.frame_size == frame_size &&
		    g->frames.members < AFXDP_GROUP_SLOTS)
			return g;
	}
	return NULL;
}

/* The socket, in a group with room. */
static int afxdp_socket_try(struct port *p, uint32_t ring, uint32_t frame_size)
{
	struct afxdp *x = port_priv(p);
	struct xsk_socket_config cfg = {
	    .rx_size = afxdp_fill_size(ring),
	    .tx_size = AFXDP_TX_RING,
	    .libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
	    .xdp_flags = 0,
	    .bind_flags = 0,
	};
	struct afxdp_group *g, *dead = NULL;
	bool first;
	int ret;

	pthread_mutex_lock(&afxdp_lock);
	g = afxdp_group_find(ring, frame_size);
	if (g == NULL) {
		ret = afxdp_group_new(ring, frame_size, &g);
		if (ret < 0)
			goto out;
	}
	ret = afxdp_frames_join(&g->frames, &x->h);
	if (ret < 0)
		goto out;
	/* groups die with their last socket: one member means a new UMEM */
	first = g->frames.members == 1;
	if (first) {
		/* later sockets inherit the mode from the UMEM's socket */
		cfg.bind_flags = XDP_COPY | XDP_USE_NEED_WAKEUP;
		x->fill = &g->fill0;
		x->comp = &g->comp0;
	} else {
		x->fill = &x->fill_own;
		x->comp = &x->comp_own;
	}
	ret = xsk_socket__create_shared(&x->xsk, p->conf.ifname, 0, g->umem, &x->rx, &x->tx,
					x->fill, x->comp, &cfg);
	if (ret < 0) {
		x->xsk = NULL;
		afxdp_frames_leave(&g->frames, &x->h);
		if (g->frames.members == 0) {
			afxdp_group_unlink(g);
			dead = g;
		}
		goto out;
	}
	x->fd = xsk_socket__fd(x->xsk);
	x->g = g;
	x->area = g->area;
	g->members[x->h.slot] = x;
	if (first)
		g->umem_slot = x->h.slot;
out:
	pthread_mutex_unlock(&afxdp_lock);
	afxdp_group_free(dead);
	return ret;
}

/* The kernel frees a closed socket's hold on its device queue from a
 * workqueue, after the close returned: a port opened again on the same
 * veth right after it was closed finds the queue busy for a moment. */
static int afxdp_socket_open(struct port *p, uint32_t ring, uint32_t frame_size)
{
	int ret;

	for (unsigned tries = 0;; tries++) {
		ret = afxdp_socket_try(p, ring, frame_size);
		if (ret != -EBUSY || tries == AFXDP_BUSY_TRIES)
			return ret;
		usleep(AFXDP_BUSY_WAIT_US);
	}
}

/* Point the UMEM's fd at another member's socket, so that the closing
 * socket really goes (see the top of the file). Caller holds the lock. */
static void afxdp_umem_fd_move(struct afxdp_group *g, struct afxdp *x)
{
	int ufd = xsk_umem__fd(g->umem);

	if (g->umem_slot != x->h.slot)
		return;
	g->umem_slot = -1;
	for (unsigned s = 0; s < AFXDP_GROUP_SLOTS; s++) {
		struct afxdp *m = g->members[s];

		if (m == NULL || m == x)
			continue;
		if (dup2(m->fd, ufd) >= 0)
			g->umem_slot = (int)s;
		return;
	}
}

/* ---- frames ------------------------------------------------------------ */

/* Put frames on the fill ring. */
static void afxdp_post(struct afxdp *x, const uint64_t *addrs, uint32_t n)
{
	uint32_t idx = 0;

	if (n == 0)
		return;
	/* cannot fall short: the ring holds fp.max >= posted + n */
	if (xsk_ring_prod__reserve(x->fill, n, &idx) != n) {
		afxdp_frames_give(&x->g->frames, &x->h, addrs, n);
		return;
	}
	for (uint32_t i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(x->fill, idx + i) = addrs[i];
	xsk_ring_prod__submit(x->fill, n);
	x->posted += n;
	/* drivers that stop for an empty fill ring want a wake-up; copy
	 * mode never asks */
	if (xsk_ring_prod__needs_wakeup(x->fill))
		recvfrom(x->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
}

/* Bring the fill ring to its target: frames just received first, then
 * the group's; what is above the target goes back to the group. */
static void afxdp_refill(struct afxdp *x, const uint64_t *back, uint32_t n_back)
{
	uint32_t want = x->fp.target > x->posted ? x->fp.target - x->posted : 0;
	uint32_t reuse = RTE_MIN(want, n_back);
	uint64_t more[AFXDP_BURST];

	afxdp_post(x, back, reuse);
	afxdp_frames_give(&x->g->frames, &x->h, back + reuse, n_back - reuse);
	want -= reuse;
	if (want > 0) {
		uint32_t got =
		    afxdp_frames_take(&x->g->frames, &x->h, more,
				      RTE_MIN(want, (uint32_t)AFXDP_BURST), x->g->fill_keep);
		afxdp_post(x, more, got);
	}
}

/* Completed transmissions: their frames go back to the group. */
static void afxdp_reap(struct afxdp *x)
{
	uint64_t addrs[AFXDP_COMP_RING];
	uint32_t idx = 0, n;

	n = xsk_ring_cons__peek(x->comp, AFXDP_COMP_RING, &idx);
	if (n == 0)
		return;
	for (uint32_t i = 0; i < n; i++)
		addrs[i] = *xsk_ring_cons__comp_addr(x->comp, idx + i);
	xsk_ring_cons__release(x->comp, n);
	afxdp_frames_give(&x->g->frames, &x->h, addrs, n);
}

/* ---- the XDP program ----------------------------------------------------- */

/* Load the program, point its map at the socket, attach it. Only the
 * link stays open: it holds the program, the program its maps, and a lab
 * of thousands of ports would otherwise spend five fds on each. */
static int afxdp_prog_attach(struct afxdp *x)
{
	struct xdp_program *xp;
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *map;
	int ret;

	xp = xdp_program__find_file(AFXDP_PROG_FILE, NULL, NULL);
	ret = (int)libxdp_get_error(xp);
	if (ret != 0)
		return ret;
	obj = xdp_program__bpf_obj(xp);
	prog = bpf_object__find_program_by_name(obj, AFXDP_PROG_NAME);
	map = bpf_object__find_map_by_name(obj, AFXDP_MAP_NAME);
	if (prog == NULL || map == NULL) {
		ret = -ENOENT;
		goto out;
	}
	/* a veth has one receive queue */
	ret = bpf_map__set_max_entries(map, 1);
	if (ret == 0)
		ret = bpf_object__load(obj);
	if (ret == 0)
		ret = xsk_socket__update_xskmap(x->xsk, bpf_map__fd(map));
	if (ret < 0)
		goto out;
	x->link = bpf_program__attach_xdp(prog, (int)x->ifindex);
	if (x->link == NULL)
		ret = -errno;
out:
	xdp_program__close(xp);
	return ret;
}

/* ---- port ops ------------------------------------------------------------ */

static void afxdp_close(struct port *p)
{
	struct afxdp *x = port_priv(p);
	struct afxdp_group *g = x->g, *dead = NULL;
	int keep;

	/* first the program: then the kernel puts no more frames in UMEM */
	if (x->link != NULL)
		bpf_link__destroy(x->link);
	if (g == NULL)
		return;
	pthread_mutex_lock(&afxdp_lock);
	/* the socket's last close waits for an RCU grace period: keep a
	 * reference so that it happens after the lock is dropped */
	keep = dup(x->fd);
	xsk_socket__delete(x->xsk);
	afxdp_umem_fd_move(g, x);
	g->members[x->h.slot] = NULL;
	afxdp_frames_leave(&g->frames, &x->h);
	if (g->frames.members == 0) {
		afxdp_group_unlink(g);
		dead = g;
	}
	pthread_mutex_unlock(&afxdp_lock);
	if (keep >= 0)
		close(keep);
	afxdp_group_free(dead);
}

static int afxdp_open(struct port *p)
{
	struct afxdp *x = port_priv(p);
	uint32_t ring = p->conf.ring_size ? p->conf.ring_size : AFXDP_RING_DEFAULT;
	unsigned mtu = p->conf.mtu ? p->conf.mtu : 1500;
	/* a frame: Ethernet with two VLAN tags after XDP_PACKET_HEADROOM */
	uint32_t need = XDP_PACKET_HEADROOM + mtu + 14 + 8;
	uint64_t addrs[AFXDP_BURST];
	int ret;

	x->fd = -1;
	if (ring < 16 || ring > 4096 || (ring & (ring - 1)))
		return -EINVAL;
	if (need > 4096)
		return -EMSGSIZE;
	x->frame_size = need > 2048 ? 4096 : 2048;
	x->max_rx = need - XDP_PACKET_HEADROOM;
	x->frame_mask = ~(uint64_t)(x->frame_size - 1);
	x->ifindex = if_nametoindex(p->conf.ifname);
	if (x->ifindex == 0)
		return -errno;
	pthread_once(&afxdp_once, afxdp_init_once);
	afxdp_find_peer(x);
	ret = afxdp_socket_open(p, ring, x->frame_size);
	if (ret < 0)
		goto out;
	afxdp_fill_init(&x->fp, ring / 4, afxdp_fill_size(ring));
	while (x->posted < x->fp.target) {
		uint32_t n = afxdp_frames_take(
		    &x->g->frames, &x->h, addrs,
		    RTE_MIN(x->fp.target - x->posted, (uint32_t)AFXDP_BURST), x->g->fill_keep);

		if (n == 0) {
			ret = -ENOMEM;
			goto out;
		}
		afxdp_post(x, addrs, n);
	}
	ret = afxdp_prog_attach(x);
out:
	if (ret < 0)
		afxdp_close(p);
	return ret;
}

/* One received frame as an mbuf (a chain when it outgrows one); NULL,
 * counted, when the pool is empty. */
static struct rte_mbuf *afxdp_rx_copy(struct port *p, const uint8_t *src, uint32_t len)
{
	struct rte_mbuf *head = NULL;
	uint32_t off = 0;

	do {
		struct rte_mbuf *m = rte_pktmbuf_alloc(p->conf.pool);
		uint32_t chunk;

		if (m == NULL) {
			p->stats.drops[PORT_DROP_RX_NOMBUF]++;
			rte_pktmbuf_free(head);
			return NULL;
		}
		chunk = RTE_MIN(len - off, (uint32_t)rte_pktmbuf_tailroom(m));
		memcpy(rte_pktmbuf_mtod(m, void *), src + off, chunk);
		m->data_len = (uint16_t)chunk;
		m->pkt_len = chunk;
		off += chunk;
		if (head == NULL)
			head = m;
		else
			rte_pktmbuf_chain(head, m);
	} while (off < len);
	return head;
}

static uint16_t afxdp_rx_burst(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	struct afxdp *x = port_priv(p);
	uint64_t back[AFXDP_BURST];
	uint32_t idx = 0, got;
	uint16_t k = 0;

	if (n > AFXDP_BURST)
		n = AFXDP_BURST;
	got = xsk_ring_cons__peek(&x->rx, n, &idx);
	for (uint32_t i = 0; i < got; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&x->rx, idx + i);
		struct rte_mbuf *m = NULL;

		/* a host whose MTU was raised: what fits a UMEM frame but not
		 * the port's MTU is counted as what does not fit (sync_stats) */
		if (d->len > x->max_rx)
			p->stats.drops[PORT_DROP_RX_TRUNCATED]++;
		else
			m = afxdp_rx_copy(p, x->area + d->addr, d->len);
		back[i] = d->addr & x->frame_mask;
		if (m != NULL)
			pkts[k++] = m;
	}
	if (got > 0) {
		xsk_ring_cons__release(&x->rx, got);
		x->posted -= got;
	}
	afxdp_fill_adapt(&x->fp, got, n);
	if (got > 0 || x->posted < x->fp.target)
		afxdp_refill(x, back, got);
	return k;
}

static uint16_t afxdp_tx_burst(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	struct afxdp *x = port_priv(p);
	uint64_t addrs[AFXDP_BURST];
	uint32_t got, used = 0, idx = 0;
	uint16_t i = 0;

	afxdp_reap(x);
	if (rte_get_tsc_cycles() - x->mtu_tsc > rte_get_tsc_hz() / 1000 * AFXDP_MTU_MS)
		afxdp_read_mtu(x);
	if (n > AFXDP_BURST)
		n = AFXDP_BURST;
	got = afxdp_frames_take(&x->g->frames, &x->h, addrs,
				RTE_MIN((uint32_t)n, xsk_prod_nb_free(&x->tx, n)), 0);
	while (i < n && used < got) {
		struct rte_mbuf *m = pkts[i++];
		uint8_t *dst = x->area + addrs[used];
		const void *src;
		struct xdp_desc *d;

		if (m->pkt_len > x->frame_size) {
			p->stats.drops[PORT_DROP_TX_TOOBIG]++;
			rte_pktmbuf_free(m);
			continue;
		}
		/* over the host's MTU: the veth would drop it unseen (the
		 * MTU read again first, at most every ms: the host may have
		 * raised it since) */
		if (m->pkt_len > x->max_tx &&
		    rte_get_tsc_cycles() - x->mtu_tsc > rte_get_tsc_hz() / 1000)
			afxdp_read_mtu(x);
		if (m->pkt_len > x->max_tx) {
			p->stats.drops[PORT_DROP_TX_ERROR]++;
			rte_pktmbuf_free(m);
			continue;
		}
		/* got <= free slots, one reserved per frame used */
		xsk_ring_prod__reserve(&x->tx, 1, &idx);
		src = rte_pktmbuf_read(m, 0, m->pkt_len, dst);
		if (src != dst)
			memcpy(dst, src, m->pkt_len);
		d = xsk_ring_prod__tx_desc(&x->tx, idx);
		d->addr = addrs[used];
		d->len = m->pkt_len;
		d->options = 0;
		used++;
		p->stats.tx_packets++;
		p->stats.tx_bytes += m->pkt_len;
		rte_pktmbuf_free(m);
	}
	afxdp_frames_give(&x->g->frames, &x->h, addrs + used, got - used);
	if (used > 0) {
		xsk_ring_prod__submit(&x->tx, used);
		x->tx_pending = true;
	}
	return i;
}

static bool afxdp_tx_queued(struct afxdp *x)
{
	return xsk_prod_nb_free(&x->tx, AFXDP_TX_RING) < AFXDP_TX_RING;
}

static void afxdp_tx_flush(struct port *p)
{
	struct afxdp *x = port_priv(p);

	if (!x->tx_pending)
		return;
	if (xsk_ring_prod__needs_wakeup(&x->tx)) {
		/* EAGAIN: the kernel's batch ended, or the completion ring
		 * was full; other errors (a device that is down) leave the
		 * frames for the next kick */
		for (int k = 0; k < AFXDP_KICKS; k++) {
			if (sendto(x->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) >= 0 ||
			    (errno != EAGAIN && errno != EBUSY))
				break;
			afxdp_reap(x);
			if (!afxdp_tx_queued(x))
				break;
		}
	}
	afxdp_reap(x);
	x->tx_pending = afxdp_tx_queued(x);
}

static int afxdp_rx_fd(struct port *p)
{
	struct afxdp *x = port_priv(p);
	return x->fd;
}

/* Frames the kernel could not deliver: no free frame on the fill ring or
 * no room on the RX ring (rx_ring_full), larger than a frame
 * (rx_truncated); descriptors it refused (tx_error). The kernel's
 * counters only grow: fold in what changed. */
static void afxdp_sync_stats(struct port *p)
{
	struct afxdp *x = port_priv(p);
	struct xdp_statistics st;
	socklen_t len = sizeof(st);
	uint64_t empty, full, dropped;

	if (getsockopt(x->fd, SOL_XDP, XDP_STATISTICS, &st, &len) != 0 || len != sizeof(st))
		return;
	empty = st.rx_fill_ring_empty_descs - x->seen.rx_fill_ring_empty_descs;
	full = st.rx_ring_full - x->seen.rx_ring_full;
	dropped = st.rx_dropped - x->seen.rx_dropped;
	__atomic_fetch_add(&p->stats.drops[PORT_DROP_RX_RING_FULL], empty + full, __ATOMIC_RELAXED);
	/* rx_dropped counts the empty fill ring too */
	__atomic_fetch_add(&p->stats.drops[PORT_DROP_RX_TRUNCATED],
			   dropped > empty ? dropped - empty : 0, __ATOMIC_RELAXED);
	__atomic_fetch_add(&p->stats.drops[PORT_DROP_TX_ERROR],
			   st.tx_invalid_descs - x->seen.tx_invalid_descs, __ATOMIC_RELAXED);
	x->seen = st;
}

const struct port_ops port_afxdp_ops = {
    .name = "afxdp",
    .priv_size = sizeof(struct afxdp),
    .open = afxdp_open,
    .close = afxdp_close,
    .rx_burst = afxdp_rx_burst,
    .tx_burst = afxdp_tx_burst,
    .rx_fd = afxdp_rx_fd,
    .tx_flush = afxdp_tx_flush,
    .sync_stats = afxdp_sync_stats,
    .set_carrier = port_veth_set_carrier,
};
