/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The port layer: how rackless-switch talks to hosts.
 *
 * DPDK's ethdev layer stops at RTE_MAX_ETHPORTS (32 in Debian's build), and a
 * lab has thousands of hosts, so ports are ours: a small vtable per backend
 * (struct port_ops), one .c file per backend under ports/. Packets are DPDK
 * mbufs from the switch's one mempool.
 *
 * Threads. open/close run on the control thread. rx_burst/tx_burst run on
 * the one worker that owns the port, never concurrently with each other for
 * the same port, and never after close has started (the control thread waits
 * for an RCU grace period between unpublishing a port and closing it).
 *
 * Lifecycle (like Open vSwitch's netdev): open may fail, and then close is
 * not called; close may not fail; port_destroy(NULL) is a no-op.
 */
#ifndef RL_PORT_H
#define RL_PORT_H

#include <net/if.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "linkparams.h"

#define PORT_NAME_MAX 64 /* "node:ifname" of the switch-side endpoint */
#define PORT_PATH_MAX 256
#define PORT_ID_NONE  UINT32_MAX

enum port_type {
	PORT_TYPE_AFPACKET,
	PORT_TYPE_TAP,
	PORT_TYPE_RING,  /* in-memory rings: the far end is code (tests) */
	PORT_TYPE_PATCH, /* one end of an in-process switch-to-switch link */
	PORT_TYPE_VHOST, /* vhost-user socket (server) for a VM's virtio-net */
	PORT_TYPE_ETHDEV, /* a DPDK virtual device by devargs (net_pcap, net_ring, ...) */
	PORT_TYPE_AFXDP,  /* AF_XDP socket on a veth, UMEM shared in groups */
	PORT_TYPE__COUNT,
};

/* What a port is asked to be. */
struct port_conf {
	char name[PORT_NAME_MAX]; /* unique in the switch, e.g. "sw1:p1" */
	enum port_type type;
	/* afpacket: existing interface in the switch's namespace to read.
	 * tap: name to give the tap inside netns (e.g. "eth0"). */
	char ifname[IF_NAMESIZE];
	/* tap: /run/netns/NAME (or any netns path) where the tap is created;
	 * empty: the switch's own namespace. */
	char netns[PORT_PATH_MAX];
	/* tap: MAC for the tap (host side); all-zero: kernel's choice. */
	uint8_t mac[6];
	unsigned mtu; /* 0: backend default (1500) */
	struct rte_mempool *pool;
	/* ring: capacity of each direction (power of two), 0 = 1024.
	 * afpacket: receive ring frames (power of two, 16..4096; the transmit
	 * ring is half), 0 = 128. afxdp: UMEM frames per port (same range;
	 * a busy port borrows more from its group), 0 = 128. */
	unsigned ring_size;
	/* the emulated link behind the port: host->switch and back */
	struct linkparams link_in, link_out;
	uint64_t link_seed;
	/* vhost: the vhost-user socket to create (absolute, must not exist) */
	char path[PORT_PATH_MAX];
	/* ethdev: DPDK devargs of a virtual device, "net_pcap0,rx_pcap=FILE" */
	char devargs[PORT_PATH_MAX];
	/* tap, afpacket: carry offloads (virtio-net headers: super-frames and
	 * partial checksums) unless this is set */
	uint8_t no_offload;
	/* frames to IEEE 802.1D's reserved group (01:80:C2:00:00:0X) that
	 * enter here are forwarded: the port is an end of a wire (a cable
	 * between two hosts), not of a switch */
	uint8_t link_local;
};

/* Why a packet was dropped. Each reason has a name and a counter. */
enum port_drop {
	PORT_DROP_RX_TRUNCATED, /* frame larger than the backend's slot */
	PORT_DROP_RX_NOMBUF,	/* mempool empty */
	PORT_DROP_TX_FULL,	/* backend queue full */
	PORT_DROP_TX_ERROR,	/* backend write failed */
	PORT_DROP_TX_TOOBIG,	/* frame larger than the port's MTU slot */
	PORT_DROP_RX_RING_FULL, /* the kernel found the receive ring full */
	PORT_DROP_TX_NOT_CONNECTED, /* no peer attached (vhost guest, memif peer), or a
				     * tap whose host interface is down */
	PORT_DROP_RX_BAD_OFFLOAD, /* virtio-net header malformed or unsupported */
	PORT_DROP__COUNT,
};

/* Counters of one port; written by its worker only, read by anyone. */
struct port_stats {
	uint64_t rx_packets, rx_bytes;
	uint64_t tx_packets, tx_bytes;
	uint64_t drops[PORT_DROP__COUNT];
};

struct port;
struct portlink;

struct port_ops {
	const char *name; /* "afpacket", "tap", "ring" */
	/* Bytes of backend state allocated after struct port (port_priv()). */
	size_t priv_size;
	/* Open the backend for p->conf. 0 or -errno; on failure the backend
	 * has released everything it took. Control thread. */
	int (*open)(struct port *p);
	/* Release everything. Never fails. Control thread. */
	void (*close)(struct port *p);
	/* Receive up to n packets. Returns how many were stored in pkts. */
	uint16_t (*rx_burst)(struct port *p, struct rte_mbuf **pkts, uint16_t n);
	/* Send up to n packets. Returns how many the backend took (and freed, and
	 * counted in stats.tx_* or, if it failed to send them, in stats.drops);
	 * the caller frees the rest. Must not write to a packet whose refcnt is
	 * above 1: a flooded packet is shared by every output port. */
	uint16_t (*tx_burst)(struct port *p, struct rte_mbuf **pkts, uint16_t n);
	/* fd that becomes readable (EPOLLIN) when rx_burst has work, so an
	 * idle port can be parked on epoll; -1 if the port cannot be parked
	 * (it is then always polled). */
	int (*rx_fd)(struct port *p);
	/* Optional: tell the kernel that TX descriptors are waiting (may be
	 * NULL). Called once per worker loop after a tx_burst. */
	void (*tx_flush)(struct port *p);
	/* Optional: fold counters kept by the kernel into p->stats (may be
	 * NULL). Control thread, before stats are reported. */
	void (*sync_stats)(struct port *p);
	/* Optional: set the carrier the host sees on its interface (1 up,
	 * 0 down), like pulling a cable. 0 or -errno. Control thread. */
	int (*set_carrier)(struct port *p, int up);
};

/* Worker-private transmit buffer (frames gathered for one burst). */
#define PORT_TXQ_SIZE 32

struct port {
	uint32_t id;	 /* index in the switch's port table */
	uint16_t bridge; /* bridge the port belongs to */
	const struct port_ops *ops;
	struct port_conf conf;
	struct port_stats stats;
	/* worker state, owned by the worker polling the port */
	uint16_t txq_len;
	uint8_t tx_dirty; /* on the worker's flush list */
	uint8_t active;	  /* on the worker's busy-poll list */
	uint8_t delayed;  /* on the worker's list of ports holding frames */
	uint8_t parked;	  /* parked since its last frame: the next one adapts
			   * park_ns (worker.h) */
	uint32_t idle_polls;
	uint64_t last_rx_ns; /* when the worker last received on it */
	uint64_t park_ns;    /* park after this long without a frame; 0: the
			      * shortest, WORKER_IDLE_NS */
	struct rte_mbuf *txq[PORT_TXQ_SIZE];
	/* the emulated link (never NULL once the port is published) */
	struct portlink *link;
	/* patch ports: the other end of the cable */
	struct port *peer;
	/* spanning tree: a blocked port neither forwards nor learns */
	uint8_t blocked;
	/* partition group of a host port (0: none, reaches every group).
	 * A frame keeps the group of the port it entered the switch by, also
	 * across patch ports, and leaves only by ports of its group or 0. */
	uint16_t group;
	/* what the port takes on transmit as it is: PORT_OFFLOAD_* (offload.h),
	 * set by the backend's open */
	uint32_t offloads;
	/* the kernel fast path may carry this port's flows (kfast.h); set by
	 * the control thread, read by the worker */
	uint8_t kf_ok;
	/* backend state follows */
	uint8_t priv[] __rte_cache_aligned;
};

static inline void *port_priv(struct port *p)
{
	return p->priv;
}

/* The backend for a type; NULL if unknown. */
const struct port_ops *port_ops_get(enum port_type t);
/* "afpacket" -> PORT_TYPE_AFPACKET; -EINVAL if unknown. */
int port_type_parse(const char *s, enum port_type *t);
const char *port_type_name(enum port_type t);
const char *port_drop_name(enum port_drop d);

/* Allocate and open a port for conf. Returns the port, or NULL with errno
 * set (EINVAL bad conf, or the backend's error). */
struct port *port_create(const struct port_conf *conf);
/* Close and free; NULL is a no-op. */
void port_destroy(struct port *p);

/* set_carrier of the backends on the switch end of a veth pair (afpacket,
 * afxdp): the host's end has carrier exactly while this end is up. */
int port_veth_set_carrier(struct port *p, int up);

/* Backends, defined in ports/. */
extern const struct port_ops port_afpacket_ops;
extern const struct port_ops port_tap_ops;
extern const struct port_ops port_ring_ops;
extern const struct port_ops port_patch_ops;
extern const struct port_ops port_vhost_ops;
extern const struct port_ops port_ethdev_ops;
extern const struct port_ops port_afxdp_ops;

/* vhost: can a socket be created at path? 0, or -errno with the reason in
 * why (not absolute, too long, exists, no such directory). */
int port_vhost_path_check(const char *path, char *why, size_t len);

/* ethdev: may devargs be attached? Only virtual devices (net_...) that do
 * not take over other devices, open no interface but a veth or tap, never
 * eth0, read a readable capture and overwrite at most an old one; EAL must
 * know the driver and have a DPDK port left. 0, or -errno with the reason
 * in why. */
int port_ethdev_check(const char *devargs, char *why, size_t len);

/* Ring backend only: the test side of the port. Inject frames as if a host
 * had sent them (returns how many were queued), and collect what the switch
 * transmitted (returns how many were dequeued; caller frees them). */
unsigned port_ring_inject(struct port *p, struct rte_mbuf **pkts, unsigned n);
unsigned port_ring_collect(struct port *p, struct rte_mbuf **pkts, unsigned n);

#endif
