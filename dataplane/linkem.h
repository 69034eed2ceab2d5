/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Link emulation model: the decisions for one direction of one link.
 *
 * Pure computation, no packets and no DPDK: given a frame's length and the
 * time it is offered, linkem_decide() says whether it is dropped (and why),
 * whether it is duplicated, which bit (if any) to flip, and when each copy
 * leaves the link. The switch keeps the frames and releases them then.
 *
 * The order of decisions for a frame is fixed: carrier, MTU, random loss,
 * Gilbert-Elliott loss, corruption, duplication, then the token bucket
 * (rate, burst, byte queue: tail drop), then delay, jitter and reordering.
 * Each random decision draws from the direction's own PRNG (xoshiro256**,
 * seeded by splitmix64 from the lab's seed), one fixed sequence of draws per
 * frame whatever the parameters, so the same seed and the same frames give
 * the same decisions: a CI failure can be replayed.
 *
 * Times are nanoseconds on the caller's monotonic clock.
 */
#ifndef RL_LINKEM_H
#define RL_LINKEM_H

#include <stdint.h>

#include "linkparams.h"

struct linkem_rng {
	uint64_t s[4];
};

void linkem_rng_seed(struct linkem_rng *r, uint64_t seed);
uint64_t linkem_rng_next(struct linkem_rng *r);
/* Uniform in [0, 1). */
double linkem_rng_unit(struct linkem_rng *r);

enum linkem_drop {
	LINKEM_PASS = 0,
	LINKEM_DROP_DOWN,  /* carrier down */
	LINKEM_DROP_MTU,   /* larger than the link MTU */
	LINKEM_DROP_LOSS,  /* random loss */
	LINKEM_DROP_BURST, /* Gilbert-Elliott loss */
	LINKEM_DROP_QUEUE, /* rate queue full (tail drop) */
	LINKEM_DROP__COUNT,
};

const char *linkem_drop_name(enum linkem_drop d);

struct linkem_stats {
	uint64_t offered;    /* frames given to linkem_decide */
	uint64_t passed;     /* frames not dropped (duplicates not counted) */
	uint64_t delayed;    /* frames released later than offered */
	uint64_t duplicated;
	uint64_t corrupted;
	uint64_t reordered;  /* frames that skipped the delay (reorder) */
	uint64_t drops[LINKEM_DROP__COUNT];
};

struct linkem {
	struct linkparams p;
	struct linkem_rng rng;
	/* model state */
	double last_delay_rnd;  /* correlation memory (delay) */
	double last_loss_rnd;   /* correlation memory (loss) */
	int ge_bad;             /* Gilbert-Elliott: in the bad state */
	uint64_t link_free_ns;  /* token bucket: when the link is free again */
	double frac_ns;         /* sub-nanosecond remainder of serialisation */
	uint64_t last_release_ns; /* no-reorder floor */
	uint32_t reorder_count; /* frames since the last reordered one */
	struct linkem_stats st;
};

struct linkem_decision {
	enum linkem_drop drop;
	unsigned copies;         /* 1, or 2 when duplicated (0 when dropped) */
	uint64_t release_ns[2];  /* when each copy leaves the link (>= now) */
	int32_t corrupt_bit;     /* bit of the frame to flip in copy 0, -1 none */
};

/* Set up a direction with parameters p and PRNG seed. */
void linkem_init(struct linkem *le, const struct linkparams *p, uint64_t seed);

/* Change the parameters live, at now_ns: model state, PRNG and counters
 * carry on; the bytes queued behind a rate drain at the new rate, and a
 * new delay applies from the next frame. */
void linkem_update(struct linkem *le, const struct linkparams *p, uint64_t now_ns);

/* Decide for one frame of len bytes, l2_len of them its Ethernet header
 * and VLAN tags (mtu is an IP MTU: it limits len - l2_len), offered at
 * now_ns; updates stats. */
void linkem_decide(struct linkem *le, uint32_t len, uint32_t l2_len, uint64_t now_ns,
		   struct linkem_decision *d);

/* Bytes waiting in the rate queue at now_ns (0 without a rate). */
uint64_t linkem_backlog(const struct linkem *le, uint64_t now_ns);

#endif
