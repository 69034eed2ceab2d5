/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Link emulation model: see linkem.h for the contract.
 *
 * Every frame consumes exactly LD__COUNT PRNG draws, taken up front and used
 * by role, whatever the parameters and whatever happens to the frame. That
 * is what makes a run replayable from its seed even after a live change of,
 * say, the delay: the loss decisions of frame n always come from the same
 * draws.
 *
 * Correlation ("correlation=", "loss_correlation=") is applied to the
 * underlying random value by a two-state "sticky" scheme: with probability
 * rho the previous value is used again, otherwise a fresh one is drawn.
 * Unlike netem's get_crandom() blend ((1 - rho) * U + rho * last), which
 * squeezes the values towards 0.5 and so makes a 1% loss with 50%
 * correlation lose far less than 1%, this keeps the marginal distribution
 * exact (the configured loss rate and jitter stay what they say) while
 * successive values have correlation rho and losses come in clusters.
 *
 * Hot path: no allocation, no locking, no system calls; libm is only used
 * when a fresh jitter sample is needed.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "linkem.h"

#define NS_PER_SEC	 1000000000ull
#define BITS_NS_PER_SEC	 (8ull * NS_PER_SEC) /* bytes * this / rate = ns */
#define LINKEM_MIN_BURST 1514u		     /* one Ethernet frame */

/* Roles of the per-frame draws; the order is part of the replay contract. */
enum linkem_draw {
	LD_LOSS_KEEP,	/* loss correlation: reuse the last value? */
	LD_LOSS,	/* random loss */
	LD_GE_MOVE,	/* Gilbert-Elliott state transition */
	LD_GE_LOSS,	/* Gilbert-Elliott loss in the current state */
	LD_CORRUPT,	/* corrupt this frame? */
	LD_CORRUPT_BIT, /* which bit */
	LD_DUP,		/* duplicate? */
	LD_DELAY_KEEP,	/* delay correlation: reuse the last sample? */
	LD_DELAY_A,	/* jitter: uniform, Box-Muller radius, pareto */
	LD_DELAY_B,	/* jitter: Box-Muller angle */
	LD_DELAY_C,	/* jitter: the pareto part of paretonormal */
	LD_REORDER,	/* reorder? */
	LD__COUNT,
};

/* --- PRNG: xoshiro256** seeded by splitmix64 --- */

static uint64_t linkem_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline uint64_t linkem_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void linkem_rng_seed(struct linkem_rng *r, uint64_t seed)
{
	uint64_t x = seed;

	for (int i = 0; i < 4; i++)
		r->s[i] = linkem_splitmix64(&x);
	/* xoshiro's one forbidden state; splitmix64 cannot produce it from
	 * any seed, but a caller may have poked the state */
	if ((r->s[0] | r->s[1] | r->s[2] | r->s[3]) == 0)
		r->s[0] = 1;
}

uint64_t linkem_rng_next(struct linkem_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = linkem_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = linkem_rotl(s[3], 45);
	return result;
}

/* The top 53 bits: every value is exact and the result is < 1. */
static inline double linkem_u2d(uint64_t x)
{
	return (double)(x >> 11) * 0x1.0p-53;
}

double linkem_rng_unit(struct linkem_rng *r)
{
	return linkem_u2d(linkem_rng_next(r));
}

/* --- helpers --- */

/* 128-bit intermediates keep bytes * 8e9 and ns * rate exact; __extension__
 * keeps -Wpedantic builds quiet about the GNU type. */
__extension__ typedef unsigned __int128 linkem_u128;

static inline uint64_t linkem_sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

static inline uint64_t linkem_sat_u128(linkem_u128 v)
{
	return v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
}

/* Time to send bytes at rate (> 0), rounded down (128 bits: no overflow). */
static uint64_t linkem_bytes_to_ns(uint64_t bytes, uint64_t rate)
{
	return linkem_sat_u128((linkem_u128)bytes * BITS_NS_PER_SEC / rate);
}

static uint64_t linkem_ns_to_bytes(uint64_t ns, uint64_t rate)
{
	return linkem_sat_u128((linkem_u128)ns * rate / BITS_NS_PER_SEC);
}

/*
 * netem's correlation, made sticky (see the top of the file): *last is NAN
 * until a first value has been drawn, so even rho = 1 starts from a fresh
 * value rather than from an arbitrary initial one.
 */
static double linkem_crandom(double *last, double rho, uint64_t keep, uint64_t fresh)
{
	if (!isnan(*last) && linkem_u2d(keep) < rho)
		return *last;
	*last = linkem_u2d(fresh);
	return *last;
}

/* --- losses: steps 1 to 4 --- */

/* Gilbert-Elliott: move between the states first, then lose with the
 * probability of the state the frame finds the link in. */
static int linkem_ge_lost(struct linkem *le, const uint64_t *u)
{
	const struct linkparams *p = &le->p;

	if (!(p->ge_p > 0))
		return 0;
	if (le->ge_bad) {
		if (linkem_u2d(u[LD_GE_MOVE]) < p->ge_r)
			le->ge_bad = 0;
	} else {
		if (linkem_u2d(u[LD_GE_MOVE]) < p->ge_p)
			le->ge_bad = 1;
	}
	return linkem_u2d(u[LD_GE_LOSS]) < (le->ge_bad ? p->ge_bad : p->ge_good);
}

static enum linkem_drop linkem_loss(struct linkem *le, uint32_t l3_len, const uint64_t *u)
{
	const struct linkparams *p = &le->p;
	double rnd;

	if (p->down)
		return LINKEM_DROP_DOWN;
	if (p->mtu != 0 && l3_len > p->mtu)
		return LINKEM_DROP_MTU;
	/* the memory follows every frame that gets here, even with loss off,
	 * so turning loss on live does not start from a stale value */
	rnd = linkem_crandom(&le->last_loss_rnd, p->loss_corr, u[LD_LOSS_KEEP], u[LD_LOSS]);
	if (rnd < p->loss)
		return LINKEM_DROP_LOSS;
	if (linkem_ge_lost(le, u))
		return LINKEM_DROP_BURST;
	return LINKEM_PASS;
}

/* --- corruption --- */

/* A bit of the frame, uniform in [0, len * 8), by multiply-shift so it can
 * never reach the end; -1 when there is no bit to flip. The decision is an
 * int32, so a (theoretical) frame over 256 MiB has its bit in the first
 * 2^31. */
static int32_t linkem_corrupt_bit(uint32_t len, uint64_t r)
{
	uint64_t bits = (uint64_t)len * 8;

	if (bits == 0)
		return -1;
	if (bits > (uint64_t)INT32_MAX + 1)
		bits = (uint64_t)INT32_MAX + 1;
	return (int32_t)(((linkem_u128)r * bits) >> 64);
}

/* --- token bucket: step 7 --- */

static uint64_t linkem_burst_bytes(const struct linkparams *p)
{
	if (p->burst_bytes != 0)
		return p->burst_bytes;
	/* a bucket smaller than one frame would make every frame wait */
	return p->mtu > LINKEM_MIN_BURST ? p->mtu : LINKEM_MIN_BURST;
}

/*
 * Queue the frame behind the bucket. 0 with *departure set to when its last
 * bit has left, or -1 (tail drop) when it does not fit in the byte queue,
 * and then nothing changes.
 *
 * link_free_ns is when the link has sent everything accepted so far; it may
 * lie in the past by up to the burst time, which is idle time banked: frames
 * then leave at once until the bank is spent.
 */
static int linkem_shape(struct linkem *le, uint32_t len, uint64_t now, uint64_t *departure)
{
	const struct linkparams *p = &le->p;
	uint64_t rate = p->rate_bps;
	uint64_t limit = p->queue_bytes ? p->queue_bytes : LP_DEFAULT_QUEUE_BYTES;
	uint64_t bank, start, t;
	linkem_u128 num;
	double frac;

	if (rate == 0) {
		*departure = now;
		return 0;
	}
	if ((uint64_t)len + linkem_backlog(le, now) > limit)
		return -1;

	bank = linkem_bytes_to_ns(linkem_burst_bytes(p), rate);
	start = now > bank ? now - bank : 0;
	if (start < le->link_free_ns)
		start = le->link_free_ns;

	/* whole nanoseconds now, the fraction carried to the next frame so a
	 * long run loses nothing to rounding */
	num = (linkem_u128)len * BITS_NS_PER_SEC;
	t = (uint64_t)(num / rate);
	frac = le->frac_ns + (double)(uint64_t)(num % rate) / (double)rate;
	if (frac >= 1.0) {
		t++;
		frac -= 1.0;
	}
	le->frac_ns = frac;
	le->link_free_ns = linkem_sat_add(start, t);
	*departure = le->link_free_ns > now ? le->link_free_ns : now;
	return 0;
}

/* --- delay and jitter: step 8 --- */

/* N(0, 1) by Box-Muller; 1 - a is in (0, 1], so the log is finite. */
static double linkem_normal(uint64_t a, uint64_t b)
{
	return sqrt(-2.0 * log(1.0 - linkem_u2d(a))) * cos(2.0 * M_PI * linkem_u2d(b));
}

/*
 * netem's pareto table (iproute2's pareto.c): Pareto with shape 3 and
 * scale 1, minus its mean 1.5, times 4/3, cut at 4: a heavy right tail,
 * never below -2/3, mean about 0, spread about 0.82. Scaled by the jitter
 * and added to the delay: most frames come a little early, a few very late
 * (it was half that, a spread of 0.57 jitter, against netem's 0.82).
 */
static double linkem_pareto(uint64_t a)
{
	double v = (4.0 / 3.0) * (1.0 / cbrt(1.0 - linkem_u2d(a)) - 1.5);

	return v < 4.0 ? v : 4.0;
}

/* A fresh jitter sample in units of the jitter, mean 0. */
static double linkem_jitter_sample(enum lp_dist dist, const uint64_t *u)
{
	switch (dist) {
	case LP_DIST_UNIFORM:
		return 2.0 * linkem_u2d(u[LD_DELAY_A]) - 1.0;
	case LP_DIST_PARETO:
		return linkem_pareto(u[LD_DELAY_A]);
	case LP_DIST_PARETONORMAL:
		/* as iproute2's paretonormal table: (normal + 3 pareto) / 4 */
		return 0.75 * linkem_pareto(u[LD_DELAY_C]) +
		       0.25 * linkem_normal(u[LD_DELAY_A], u[LD_DELAY_B]);
	case LP_DIST_NORMAL:
	default:
		return linkem_normal(u[LD_DELAY_A], u[LD_DELAY_B]);
	}
}

/*
 * The delay of one frame, >= 0. Correlation keeps the previous sample with
 * probability corr (the sticky scheme above, on the sample rather than on
 * one of the uniforms behind it, as the normal needs two of them).
 */
static uint64_t linkem_delay(struct linkem *le, const uint64_t *u)
{
	const struct linkparams *p = &le->p;
	double z, d;

	if (p->jitter_ns == 0)
		return p->delay_ns;
	if (isnan(le->last_delay_rnd) || !(linkem_u2d(u[LD_DELAY_KEEP]) < p->corr))
		le->last_delay_rnd = linkem_jitter_sample(p->dist, u);
	z = le->last_delay_rnd;
	d = (double)p->delay_ns + (double)p->jitter_ns * z;
	if (!(d > 0)) /* also NaN, whatever the parameters were */
		return 0;
	if (d >= 0x1p62) /* 146 years: the release saturates anyway */
		return 1ull << 62;
	return (uint64_t)(d + 0.5);
}

/* netem: with probability reorder (and only after gap - 1 frames that were
 * not reordered, when there is a gap) a frame skips the delay. */
static int linkem_reorder(struct linkem *le, const uint64_t *u)
{
	const struct linkparams *p = &le->p;
	int hit = 0;

	if (p->reorder > 0 && (p->reorder_gap == 0 || le->reorder_count >= p->reorder_gap - 1))
		hit = linkem_u2d(u[LD_REORDER]) < p->reorder;
	if (hit)
		le->reorder_count = 0;
	else if (le->reorder_count != UINT32_MAX)
		le->reorder_count++;
	return hit;
}

/* --- API --- */

const char *linkem_drop_name(enum linkem_drop d)
{
	static const char *const names[LINKEM_DROP__COUNT] = {
	    [LINKEM_PASS] = "pass",
	    [LINKEM_DROP_DOWN] = "carrier_down",
	    [LINKEM_DROP_MTU] = "mtu",
	    [LINKEM_DROP_LOSS] = "loss",
	    [LINKEM_DROP_BURST] = "burst_loss",
	    [LINKEM_DROP_QUEUE] = "queue_full",
	};

	if ((unsigned)d >= LINKEM_DROP__COUNT)
		return "unknown";
	return names[d];
}

void linkem_init(struct linkem *le, const struct linkparams *p, uint64_t seed)
{
	memset(le, 0, sizeof(*le));
	le->p = *p;
	linkem_rng_seed(&le->rng, seed);
	le->last_delay_rnd = NAN;
	le->last_loss_rnd = NAN;
}

void linkem_update(struct linkem *le, const struct linkparams *p, uint64_t now_ns)
{
	if (p->rate_bps == 0) {
		/* unlimited: nothing is queued any more */
		le->link_free_ns = 0;
		le->frac_ns = 0;
	} else if (le->p.rate_bps != 0 && p->rate_bps != le->p.rate_bps &&
		   le->link_free_ns > now_ns) {
		/* the bytes queued stay queued, and drain at the new rate: the
		 * old schedule read at a higher rate made the queue look 100
		 * times fuller, and every frame was dropped for seconds */
		le->link_free_ns = linkem_sat_add(
		    now_ns, linkem_bytes_to_ns(linkem_backlog(le, now_ns), p->rate_bps));
	}
	/* a new delay applies to the next frame, which may leave before
	 * frames held under the old one (as netem's time-sorted queue does);
	 * the floor made a 3 s delay cut to 0 hold new frames for 3 s */
	if (p->delay_ns != le->p.delay_ns || p->jitter_ns != le->p.jitter_ns)
		le->last_release_ns = 0;
	/* a model switched off is back in its good state when switched on */
	if (!(p->ge_p > 0))
		le->ge_bad = 0;
	le->p = *p;
}

uint64_t linkem_backlog(const struct linkem *le, uint64_t now_ns)
{
	if (le->p.rate_bps == 0 || le->link_free_ns <= now_ns)
		return 0;
	return linkem_ns_to_bytes(le->link_free_ns - now_ns, le->p.rate_bps);
}

void linkem_decide(struct linkem *le, uint32_t len, uint32_t l2_len, uint64_t now_ns,
		   struct linkem_decision *d)
{
	uint64_t u[LD__COUNT];
	uint64_t departure = now_ns, release;
	enum linkem_drop drop;
	int32_t bit = -1;
	int dup = 0;

	for (int i = 0; i < LD__COUNT; i++)
		u[i] = linkem_rng_next(&le->rng);

	le->st.offered++;
	d->copies = 0;
	d->corrupt_bit = -1;
	d->release_ns[0] = d->release_ns[1] = now_ns;

	drop = linkem_loss(le, len > l2_len ? len - l2_len : 0, u);
	if (drop == LINKEM_PASS) {
		/* decided before the queue, counted only if the frame gets in */
		if (linkem_u2d(u[LD_CORRUPT]) < le->p.corrupt)
			bit = linkem_corrupt_bit(len, u[LD_CORRUPT_BIT]);
		dup = linkem_u2d(u[LD_DUP]) < le->p.dup;
		if (linkem_shape(le, len, now_ns, &departure) < 0)
			drop = LINKEM_DROP_QUEUE;
	}
	d->drop = drop;
	if (drop != LINKEM_PASS) {
		le->st.drops[drop]++;
		return;
	}

	release = linkem_sat_add(departure, linkem_delay(le, u));
	if (linkem_reorder(le, u)) {
		release = departure;
		le->st.reordered++;
	} else if (le->p.reorder_jitter) {
		/* no floor, but keep it current for when reorder_jitter goes */
		if (release > le->last_release_ns)
			le->last_release_ns = release;
	} else {
		/* jitter alone never reorders: not before the frame ahead */
		if (release < le->last_release_ns)
			release = le->last_release_ns;
		le->last_release_ns = release;
	}

	le->st.passed++;
	if (release > now_ns)
		le->st.delayed++;
	if (bit >= 0)
		le->st.corrupted++;
	d->corrupt_bit = bit;
	d->copies = 1;
	if (dup) {
		d->copies = 2;
		le->st.duplicated++;
	}
	d->release_ns[0] = d->release_ns[1] = release;
}
