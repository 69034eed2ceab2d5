/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The frames of one AF_XDP UMEM area, shared by a group of sockets.
 *
 * The kernel lets sockets bound to different devices share one UMEM, each
 * with its own fill and completion rings, but each such socket gets its own
 * buffer pool with a descriptor (~120 bytes) for *every* frame of the UMEM.
 * One UMEM for all ports would cost ports x frames of kernel memory, so
 * sockets share in small groups (AFXDP_GROUP_SLOTS), and the point of
 * sharing is where the frames go: to the ports that have traffic.
 *
 * Budget. A group of S slots has S * quota + shared frames. Every socket
 * may hold up to 'quota' frames of its own; beyond that it borrows from the
 * group's 'shared' budget, and pays back when it gives frames back. So a
 * busy port's fill ring can grow (afxdp_fill) while idle ones keep few
 * frames posted, and a socket that joins always finds its quota free: the
 * frames of empty slots and the unborrowed budget are in the free ring.
 *
 * Threads. join/leave run under the caller's lock, with the socket's kernel
 * side already quiet for leave. take/give run on the worker that owns the
 * socket; different sockets of a group may be on different workers, so the
 * free ring is multi-producer/multi-consumer and the budget an atomic.
 * Nothing here touches the kernel: it is unit-tested without root.
 */
#ifndef RL_AFXDP_FRAMES_H
#define RL_AFXDP_FRAMES_H

#include <stdint.h>

#include <rte_ring.h>

#define AFXDP_GROUP_SLOTS 8 /* sockets per UMEM (<= 32: a slot bitmap) */

struct afxdp_frames {
	struct rte_ring *free; /* addresses of free frames (uint64_t) */
	uint8_t *owner;	       /* per frame: slot + 1 of the socket holding it, 0 free */
	uint32_t n_frames;
	uint32_t frame_size; /* power of two: address = index * frame_size */
	uint32_t quota;	     /* frames each socket may hold without borrowing */
	int32_t borrowable;  /* shared frames not lent (atomic) */
	uint32_t slots_used; /* bitmap (caller's lock) */
	unsigned members;    /* sockets joined (caller's lock) */
};

/* One socket's account in a group. */
struct afxdp_holder {
	uint8_t slot;
	uint32_t held; /* frames taken and not given back */
};

/* A group of AFXDP_GROUP_SLOTS * quota + shared frames of frame_size bytes
 * (a power of two). 0, -EINVAL or -ENOMEM. */
int afxdp_frames_init(struct afxdp_frames *f, uint32_t quota, uint32_t shared, uint32_t frame_size);
void afxdp_frames_fini(struct afxdp_frames *f);

/* A new socket's account; -ENOSPC when every slot is taken. */
int afxdp_frames_join(struct afxdp_frames *f, struct afxdp_holder *h);
/* The socket is gone (the kernel will not touch its frames again): every
 * frame it held is free again, its borrowing repaid, its slot free.
 * Returns how many frames it held. */
uint32_t afxdp_frames_leave(struct afxdp_frames *f, struct afxdp_holder *h);

/* Up to n free frames for h: its quota first, then what the group's budget
 * lends beyond 'keep' frames (a fill ring keeps some back for transmit,
 * which borrows with keep 0). Returns how many were stored in addrs (0
 * when the budget is out). */
unsigned afxdp_frames_take(struct afxdp_frames *f, struct afxdp_holder *h, uint64_t *addrs,
			   unsigned n, uint32_t keep);
/* h is done with n frames. */
void afxdp_frames_give(struct afxdp_frames *f, struct afxdp_holder *h, const uint64_t *addrs,
		       unsigned n);

/*
 * How many frames a socket keeps on its fill ring. Idle ports keep 'min'
 * posted; a receive burst that took at least half of what was posted
 * doubles the target (up to 'max'), and AFXDP_FILL_DECAY light bursts in a
 * row halve it again. Frames above the target go back to the group as they
 * come back from the kernel.
 */
#define AFXDP_FILL_DECAY 1024

struct afxdp_fill {
	uint32_t target, min, max;
	uint32_t quiet; /* light bursts in a row */
};

void afxdp_fill_init(struct afxdp_fill *fp, uint32_t min, uint32_t max);
/* A receive burst of 'got' frames, at most 'burst' asked for. */
void afxdp_fill_adapt(struct afxdp_fill *fp, unsigned got, unsigned burst);

#endif
