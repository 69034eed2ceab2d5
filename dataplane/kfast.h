/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The kernel fast path: flows the switch has decided are handed to the
 * kernel, which forwards their frames from one veth to the other without
 * the switch (bpf/kfast.bpf.c), super-frames whole. Like the datapath flows
 * of Open vSwitch: the switch (the slow path) sees a flow's first frames,
 * learns and decides; a worker then proposes the flow, the control thread
 * checks it against the switch's state and installs it; from then on only
 * the kernel sees those frames.
 *
 * What is installed: learned unicast (ingress port, destination MAC, source
 * MAC) between two ports kfast_policy.h allows: afpacket ports with
 * offloads whose links emulate nothing, on one bridge or on bridges joined
 * by up to KF_TRUNKS trunks (patch ports) that are idle and not blocked,
 * whose counters the kernel keeps too. Broadcast, unknown destinations,
 * and every frame of any other port stay in the switch.
 *
 * Revalidation: after every control command (link-set, port-state,
 * port-group, fdb-flush, del-port, ...), when a worker sees a MAC move, and
 * every second, each flow is checked again against the ports, their links
 * and the FDB, and removed unless the switch would still send its frames
 * the same way. A link that starts emulating is off the fast path before
 * link-set replies. The kernel's per-port counters are added to the ports'
 * (ctl stats), and a source MAC whose frames the kernel forwards stays
 * fresh in the FDB.
 *
 * Threads: kfast_note and kfast_kick are for workers; the rest is the
 * control thread's.
 */
#ifndef RL_KFAST_H
#define RL_KFAST_H

#include <stdint.h>

#include <rte_ether.h>

#include "port.h"

struct sw;
struct kfast;

struct kfast_stats {
	uint32_t flows;	       /* installed now */
	uint64_t installed;    /* ever */
	uint64_t removed;      /* by revalidation or with their port */
	uint64_t proposed;     /* proposals read from workers */
	uint64_t refused;      /* proposals the switch's state no longer allowed */
	uint64_t errors;       /* attach or map update failed */
	uint64_t full;	       /* proposals not installed: the flow table was full */
};

/* Per port: frames the kernel forwarded (counted in the port's too). */
struct kfast_port_count {
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
};

/* Control: load the programs for sw (flows up to max_flows). NULL with
 * errno set and the reason in why (no BPF, no permission). */
struct kfast *kfast_create(struct sw *sw, uint32_t max_flows, char *why, size_t len);
/* Control: remove every flow and program. NULL is a no-op. */
void kfast_destroy(struct kfast *kf);

/* Control: eventfd that is readable when workers proposed flows. */
int kfast_fd(const struct kfast *kf);
/* Control: install what workers proposed (when kfast_fd is readable). */
void kfast_run(struct kfast *kf);
/* Control: the switch's state changed; remove flows it no longer allows and
 * let ports newly allowed propose flows. */
void kfast_revalidate(struct kfast *kf);
/* Control, once a second: before the FDB ages, keep the source MACs of
 * flows the kernel forwarded fresh (kfast_tick, now: TSC: every 10 s at
 * most, inside a quarter of the FDB's age); after, remove the flows of
 * aged MACs (aged: how many fdb_age() removed), of hosts whose carrier or
 * MTU changed, and let ports whose link stopped holding frames propose
 * flows again (kfast_tick_done). */
void kfast_tick(struct kfast *kf, uint64_t now);
void kfast_tick_done(struct kfast *kf, unsigned aged);
/* Control: p is about to be closed; its flows and TC filter go first (the
 * clsact qdisc, empty, stays on the interface: see kfast_port_detach). */
void kfast_port_gone(struct kfast *kf, struct port *p);
/* Control: what the kernel forwarded for p. */
void kfast_port_count(struct kfast *kf, const struct port *p, struct kfast_port_count *c);
void kfast_get_stats(const struct kfast *kf, struct kfast_stats *st);

/* Worker w (index widx) switched a unicast frame that entered the lab's
 * switches by in (maybe on another bridge) to out, both kf_ok; propose the
 * flow (at most once per 100 ms each). now: TSC. */
void kfast_note(struct kfast *kf, unsigned widx, uint64_t now, const struct port *in,
		const struct port *out, const struct rte_ether_hdr *eth);
/* Worker: a MAC moved; revalidate soon. */
void kfast_kick(struct kfast *kf);

#endif
