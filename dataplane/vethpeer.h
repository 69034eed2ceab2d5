/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A switch port's host, seen from the switch end of its veth: the far end
 * (IFLA_LINK, in the namespace IFLA_LINK_NETNSID names) and its MTU, which
 * the host may change at any time and which the veth enforces on what the
 * switch sends it. Read over rtnetlink (libmnl), one round trip a query.
 *
 * Threads: a vethpeer is used by one thread at a time (its owner locks).
 */
#ifndef RL_VETHPEER_H
#define RL_VETHPEER_H

#include <stdint.h>

struct mnl_socket;

struct vethpeer {
	struct mnl_socket *nl;
	uint32_t seq;
	char buf[16384];
};

/* What vethpeer_get reads of an interface. */
struct vethpeer_if {
	unsigned mtu;
	int link; /* IFLA_LINK: a veth's peer ifindex, 0: none */
	int nsid; /* IFLA_LINK_NETNSID: the peer's namespace, -1: the caller's */
};

/* 0 or -errno. */
int vethpeer_open(struct vethpeer *vp);
void vethpeer_close(struct vethpeer *vp);

/* Interface ifindex of the namespace the caller's knows as nsid (-1: its
 * own). 0 or -errno. */
int vethpeer_get(struct vethpeer *vp, int ifindex, int nsid, struct vethpeer_if *out);

/* The MTU of the far end of veth ifindex (in the caller's namespace): > 0,
 * or -errno (-ENODEV: not a veth with a peer). */
int vethpeer_mtu(struct vethpeer *vp, int ifindex);

#endif
