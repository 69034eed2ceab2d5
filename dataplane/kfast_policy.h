/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * May frames between two ports take the kernel fast path (kfast.h)? The
 * decision alone, on plain values, so it is tested without EAL or a kernel.
 *
 * A frame may bypass the switch only where the switch would do nothing to
 * it but pass it on whole: both ends are packet sockets on interfaces that
 * carry offloads (a super-frame stays whole in the kernel too), neither
 * link emulates anything or holds frames (delay, loss, rate, MTU, down:
 * those need the switch, and frames cut into real frames), the hosts' MTUs
 * match (a veth drops a frame over its host's MTU unseen by the switch),
 * neither port is blocked by the spanning tree, the partition groups let
 * the frame through, and both interfaces have carrier (the kernel would
 * drop the frames, yet count them as forwarded). Everything else stays in
 * the switch.
 */
#ifndef RL_KFAST_POLICY_H
#define RL_KFAST_POLICY_H

#include <stdint.h>

/* What the decision needs to know of one port. */
struct kfast_side {
	uint32_t id;
	uint8_t capable;   /* afpacket on an interface, offloads on, not a patch */
	uint8_t blocked;   /* spanning tree */
	uint8_t link_idle; /* no emulation in either direction, nothing held */
	uint8_t carrier;   /* the interface has carrier (its host end is up) */
	unsigned mtu;	   /* its host's (kfast.c reads it), 0: 1500 */
	uint16_t bridge;
	uint16_t group; /* partition group, 0: none */
};

enum kfast_verdict {
	KFAST_OK,
	KFAST_NOT_CAPABLE, /* a backend the kernel cannot stand in for */
	KFAST_BLOCKED,
	KFAST_LINK_EMULATED,
	KFAST_SAME_PORT,
	KFAST_OTHER_BRIDGE,
	KFAST_MTU,
	KFAST_PARTITION,
	KFAST_NO_CARRIER, /* the host's end is down: the kernel would drop it */
	KFAST__COUNT,
};

const char *kfast_verdict_name(enum kfast_verdict v);

/* The port on its own: may it be either end of a fast flow? (Carrier
 * aside: the programs go on a port before its host is up.) */
enum kfast_verdict kfast_side_verdict(const struct kfast_side *s);

/* A frame entering by in whose destination was learned on out. */
enum kfast_verdict kfast_pair_verdict(const struct kfast_side *in, const struct kfast_side *out);

#endif
