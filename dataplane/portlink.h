/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The emulated link behind a switch port: two directions (in: host to
 * switch, out: switch to host), each a linkem model plus a queue of the
 * frames it holds, ordered by release time.
 *
 * Threads. The control thread creates, reconfigures and destroys it; the
 * port's worker offers and releases frames. A parameter change is published
 * through a sequence lock and picked up by the worker at its next frame, so
 * a live change never stops traffic and never tears a parameter set.
 */
#ifndef RL_PORTLINK_H
#define RL_PORTLINK_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "linkem.h"

enum portlink_dir {
	PORTLINK_IN = 0,  /* host -> switch */
	PORTLINK_OUT = 1, /* switch -> host */
};

#define PORTLINK_QUEUE_MAX 262144 /* frames one direction may hold */
/* and mbufs: a share of the switch's pool, so that one delayed link cannot
 * starve every other port (netem holds 1000 frames by default) */
#define PORTLINK_POOL_SHARE 4 /* at most 1/4 of the pool per direction */

struct portlink_entry {
	uint64_t t;   /* release time, ns */
	uint64_t seq; /* offer order: equal times leave first-in first-out */
	struct rte_mbuf *m;
};

struct portlink_dirq {
	struct linkem em;
	int active; /* params have an effect: frames go through em */
	/* published by the control thread */
	uint32_t pub_seq; /* odd while being written */
	uint32_t applied_seq;
	struct linkparams pub;
	/* worker state */
	struct portlink_entry *heap;
	uint32_t n, cap;
	uint32_t held_mbufs; /* segments of the frames in heap */
	uint64_t seq;
	uint64_t heap_full; /* frames dropped: a PORTLINK_ limit reached */
	uint64_t nombuf;    /* corruption copies that found no mbuf */
};

struct portlink {
	struct portlink_dirq d[2];
	struct rte_mempool *pool;
	uint32_t held_max; /* mbufs one direction may hold */
};

/* Control: create with parameters for both directions; each direction's
 * PRNG is seeded from seed and the direction. NULL + errno. */
struct portlink *portlink_create(const struct linkparams *in, const struct linkparams *out,
				 uint64_t seed, struct rte_mempool *pool);
/* Control (after the worker can no longer see it): free, with any frames
 * still held. NULL is a no-op. */
void portlink_destroy(struct portlink *pl);

/* Control: publish new parameters for one direction. */
void portlink_set(struct portlink *pl, enum portlink_dir dir, const struct linkparams *p);
/* Control: the parameters last published for a direction. */
void portlink_params(const struct portlink *pl, enum portlink_dir dir, struct linkparams *p);

/* Worker: is the direction emulating anything (or holding frames)? */
static inline int portlink_busy(struct portlink *pl, enum portlink_dir dir)
{
	struct portlink_dirq *q = &pl->d[dir];
	return q->active || q->n > 0 ||
	       __atomic_load_n(&q->pub_seq, __ATOMIC_ACQUIRE) != q->applied_seq;
}

/* Worker: offer n frames to a direction at now_ns. Frames that may leave at
 * once (nothing held before them, no delay) are stored in pass, in order,
 * and their count returned; the rest are held or dropped (counted). */
unsigned portlink_offer(struct portlink *pl, enum portlink_dir dir, struct rte_mbuf **pkts,
			unsigned n, uint64_t now_ns, struct rte_mbuf **pass);

/* Worker: frames whose time has come, in release order, at most max. */
unsigned portlink_release(struct portlink *pl, enum portlink_dir dir, uint64_t now_ns,
			  struct rte_mbuf **out, unsigned max);

/* Worker: earliest release time held in either direction, UINT64_MAX if
 * none. */
uint64_t portlink_next_due(const struct portlink *pl);

#endif
