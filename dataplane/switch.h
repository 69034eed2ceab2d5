/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The L2 switch: bridges, the port table, and the per-packet decision
 * (learn the source, look the destination up, forward or flood).
 *
 * Ownership. The control thread adds and removes ports and bridges; workers
 * read the port table and each bridge's port set without locks. Both are
 * published with release stores and retired after an RCU grace period of
 * the workers (sw->qs), so a worker never touches a freed port.
 */
#ifndef RL_SWITCH_H
#define RL_SWITCH_H

#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "fdb.h"
#include "port.h"

#define SW_PORT_MAX    65536
#define SW_BRIDGE_MAX  4096
#define SW_BRIDGE_NAME 32
#define SW_WORKER_MAX  16
#define SW_BURST       32

/* Why the switch dropped a packet (port-level reasons are in port.h). */
enum sw_drop {
	SW_DROP_RUNT,	   /* shorter than an Ethernet header */
	SW_DROP_BAD_SRC,   /* source MAC multicast or zero */
	SW_DROP_SAME_PORT, /* destination is behind the ingress port */
	SW_DROP_PORT_GONE, /* FDB entry outlived its port */
	SW_DROP_NO_DEST,   /* flood on a bridge with no other port */
	SW_DROP_BLOCKED, /* received on a port the spanning tree blocks */
	SW_DROP_PARTITION, /* destination is in another partition group */
	SW_DROP_OFFLOAD,   /* a super-frame that could not be cut into frames */
	SW_DROP_HANDOFF,   /* the output port's worker had a full inbox */
	SW_DROP_LINK_LOCAL, /* to 01:80:C2:00:00:0X (STP, PAUSE, LACP, 802.1X, LLDP):
			     * a bridge never forwards these (802.1D); a wire does */
	SW_DROP__COUNT,
};

const char *sw_drop_name(enum sw_drop d);

struct sw_portset {
	uint32_t n;
	uint32_t ids[];
};

struct sw_bridge {
	char name[SW_BRIDGE_NAME];
	struct sw_portset *ports; /* RCU-published */
};

struct worker;
struct kfast;

struct sw_conf {
	unsigned n_workers;   /* 1..SW_WORKER_MAX */
	uint32_t fdb_entries; /* 0: 65536 */
	uint32_t fdb_age_ms;  /* 0: 300000 (300 s, like Linux bridges) */
	struct rte_mempool *pool;
};

struct sw {
	struct rte_mempool *pool;
	struct rte_rcu_qsbr *qs;
	struct fdb *fdb;
	struct port **ports; /* [SW_PORT_MAX], RCU-published */
	uint32_t n_ports;
	uint32_t port_hwm;	   /* ids in use are below this */
	struct sw_bridge *bridges; /* [SW_BRIDGE_MAX] */
	uint16_t n_bridges;
	struct worker *workers[SW_WORKER_MAX];
	unsigned n_workers;
	unsigned n_workers_conf; /* how many sw_create makes */
	uint32_t fdb_age_ms;	 /* an FDB entry's age, resolved (sw_conf's) */
	struct kfast *kf;	 /* the kernel fast path, NULL: off */
};

/* Create the switch and its (not yet running) workers. NULL + errno. */
struct sw *sw_create(const struct sw_conf *conf);
/* Remove every port and free everything. Workers must have stopped. */
void sw_destroy(struct sw *sw);

/* Control: create a port for conf on bridge 'bridge' (created on first use).
 * Returns the port id or -errno (-EEXIST name taken, -ENOSPC table full,
 * or the backend's error). */
int sw_port_add(struct sw *sw, const struct port_conf *conf, const char *bridge);
/* Control: create n ports at once, all or nothing: their backends are
 * opened in parallel (each packet socket costs the kernel RCU grace
 * periods). 0, or -errno with *failed the index of the port that failed;
 * then none of the n exists. */
int sw_ports_add(struct sw *sw, const struct port_conf *confs, const char *const *bridges,
		 unsigned n, unsigned *failed);

/* Control: create a switch-to-switch cable: patch ports a (on bridge_a)
 * and b (on bridge_b), wired to each other, published together, blocked
 * from the start if 'blocked' (a redundant link of the spanning tree).
 * Returns 0 or -errno; on failure neither end exists. */
int sw_patch_add(struct sw *sw, const struct port_conf *a, const char *bridge_a,
		 const struct port_conf *b, const char *bridge_b, int blocked);
/* Control: block or unblock a port (spanning tree). The FDB is flushed:
 * where MACs are reachable has changed. 0 or -ENOENT. */
int sw_port_set_blocked(struct sw *sw, const char *name, int blocked);
/* Control: put a port in a partition group (0: none). 0 or -ENOENT. */
int sw_port_set_group(struct sw *sw, const char *name, uint16_t group);
/* Control: remove a port by name (both ends, for a patch port). 0 or
 * -ENOENT. */
int sw_port_del(struct sw *sw, const char *name);
/* Control: port by name, or NULL. */
struct port *sw_port_find(struct sw *sw, const char *name);
/* Control: bridge name of a port. */
const char *sw_port_bridge(const struct sw *sw, const struct port *p);

/* Control: sum of the workers' drop counters. */
void sw_drops(const struct sw *sw, uint64_t drops[SW_DROP__COUNT]);

/* Worker: switch a burst received on port 'in'. Every packet ends up queued
 * on output ports or freed (and counted). */
void sw_input(struct sw *sw, struct worker *w, struct port *in, struct rte_mbuf **pkts, uint16_t n);
/* The same for frames already counted in the port's rx counters (they were
 * counted when they left the host, before the emulated link held them). */
void sw_input_counted(struct sw *sw, struct worker *w, struct port *in, struct rte_mbuf **pkts,
		      uint16_t n);

#endif
