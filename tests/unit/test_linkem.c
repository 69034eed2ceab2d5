/* SPDX-License-Identifier: BSD-3-Clause */
/* Link emulation model: PRNG, each impairment's statistics against its
 * parameters (fixed seeds, so the bounds are checked, not gambled on), the
 * token bucket's arithmetic to the nanosecond, live updates and replay. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

/* the unit target carries no dataplane include path (no DPDK here) */
#include "linkem.h"

#define MS  1000000ull
#define US  1000ull
#define SEC 1000000000ull

/* binomial count within k standard deviations of n * p */
static void assert_binomial(uint64_t count, uint64_t n, double p, double k)
{
	double sd = sqrt((double)n * p * (1 - p));
	double dev = fabs((double)count - (double)n * p);

	if (dev > k * sd)
		fail_msg("count %llu of %llu: expected %.1f +- %.1f", (unsigned long long)count,
			 (unsigned long long)n, (double)n * p, k * sd);
}

static void lp_zero(struct linkparams *p)
{
	memset(p, 0, sizeof(*p));
}

/* Offer n frames of len bytes, gap_ns apart from start; one bit per drop. */
static uint8_t *drop_pattern(const struct linkparams *p, uint64_t seed, size_t n, uint32_t len,
			     uint64_t gap_ns)
{
	uint8_t *bits = calloc((n + 7) / 8, 1);
	struct linkem le;
	struct linkem_decision d;

	assert_non_null(bits);
	linkem_init(&le, p, seed);
	for (size_t i = 0; i < n; i++) {
		linkem_decide(&le, len, 14, SEC + i * gap_ns, &d);
		if (d.drop != LINKEM_PASS)
			bits[i / 8] |= (uint8_t)(1u << (i % 8));
	}
	return bits;
}

static int bit_at(const uint8_t *bits, size_t i)
{
	return (bits[i / 8] >> (i % 8)) & 1;
}

/* --- PRNG --- */

static void test_rng(void **state)
{
	/* xoshiro256** from state {1, 2, 3, 4}: the reference outputs */
	static const uint64_t ref[] = {11520ull, 0ull, 1509978240ull, 1215971899390074240ull};
	struct linkem_rng a, b, c, z;
	int differ = 0;
	double sum = 0;

	(void)state;
	a.s[0] = 1, a.s[1] = 2, a.s[2] = 3, a.s[3] = 4;
	for (size_t i = 0; i < sizeof(ref) / sizeof(ref[0]); i++)
		assert_int_equal(linkem_rng_next(&a), ref[i]);

	linkem_rng_seed(&a, 42);
	linkem_rng_seed(&b, 42);
	linkem_rng_seed(&c, 43);
	for (int i = 0; i < 1000; i++) {
		uint64_t x = linkem_rng_next(&a);

		assert_int_equal(x, linkem_rng_next(&b));
		differ += x != linkem_rng_next(&c);
	}
	assert_true(differ > 990);

	/* a zero seed is a seed like any other */
	linkem_rng_seed(&z, 0);
	assert_true((z.s[0] | z.s[1] | z.s[2] | z.s[3]) != 0);
	assert_int_not_equal(linkem_rng_next(&z), linkem_rng_next(&z));

	for (int i = 0; i < 1000000; i++) {
		double u = linkem_rng_unit(&a);

		assert_true(u >= 0.0 && u < 1.0);
		sum += u;
	}
	assert_true(fabs(sum / 1e6 - 0.5) < 0.01);
}

static void test_drop_names(void **state)
{
	(void)state;
	assert_string_equal(linkem_drop_name(LINKEM_PASS), "pass");
	assert_string_equal(linkem_drop_name(LINKEM_DROP_DOWN), "carrier_down");
	assert_string_equal(linkem_drop_name(LINKEM_DROP_MTU), "mtu");
	assert_string_equal(linkem_drop_name(LINKEM_DROP_LOSS), "loss");
	assert_string_equal(linkem_drop_name(LINKEM_DROP_BURST), "burst_loss");
	assert_string_equal(linkem_drop_name(LINKEM_DROP_QUEUE), "queue_full");
	assert_string_equal(linkem_drop_name(LINKEM_DROP__COUNT), "unknown");
}

/* --- defaults --- */

static void test_defaults(void **state)
{
	struct linkparams p;
	struct linkem le;
	struct linkem_decision d;

	(void)state;
	lp_zero(&p);
	linkem_init(&le, &p, 1);
	for (uint64_t i = 0; i < 10000; i++) {
		uint64_t now = i * 7 * US;

		linkem_decide(&le, 64 + (uint32_t)(i % 9000), 14, now, &d);
		assert_int_equal(d.drop, LINKEM_PASS);
		assert_int_equal(d.copies, 1);
		assert_int_equal(d.corrupt_bit, -1);
		assert_int_equal(d.release_ns[0], now);
		assert_int_equal(linkem_backlog(&le, now), 0);
	}
	assert_int_equal(le.st.offered, 10000);
	assert_int_equal(le.st.passed, 10000);
	assert_int_equal(le.st.delayed, 0);
	assert_int_equal(le.st.duplicated + le.st.corrupted + le.st.reordered, 0);
}

/* --- loss --- */

static void test_loss(void **state)
{
	const size_t n = 100000;
	struct linkparams p;
	uint8_t *a, *b;
	uint64_t drops = 0;

	(void)state;
	lp_zero(&p);
	p.loss = 0.01;
	a = drop_pattern(&p, 7, n, 1000, 10 * US);
	b = drop_pattern(&p, 7, n, 1000, 10 * US);
	assert_memory_equal(a, b, (n + 7) / 8);
	for (size_t i = 0; i < n; i++)
		drops += (uint64_t)bit_at(a, i);
	assert_binomial(drops, n, 0.01, 3);
	free(b);

	/* another seed, another pattern */
	b = drop_pattern(&p, 8, n, 1000, 10 * US);
	assert_true(memcmp(a, b, (n + 7) / 8) != 0);
	free(a);
	free(b);
}

static void test_loss_correlation(void **state)
{
	const size_t n = 100000;
	struct linkparams p;
	uint8_t *a;
	uint64_t drops = 0, after_drop = 0, both = 0;

	(void)state;
	lp_zero(&p);
	p.loss = 0.01;
	p.loss_corr = 0.5;
	a = drop_pattern(&p, 11, n, 1000, 10 * US);
	for (size_t i = 0; i < n; i++) {
		drops += (uint64_t)bit_at(a, i);
		if (i > 0 && bit_at(a, i - 1)) {
			after_drop++;
			both += (uint64_t)bit_at(a, i);
		}
	}
	/* correlation keeps the rate... */
	assert_binomial(drops, n, 0.01, 5);
	/* ...and clusters the drops: P(drop | drop) = rho + (1 - rho) * p */
	assert_true(after_drop > 0);
	assert_true((double)both / (double)after_drop > 0.25);
	free(a);
}

static void test_gilbert_elliott(void **state)
{
	const size_t n = 200000;
	struct linkparams p;
	struct linkem le;
	struct linkem_decision d;
	uint64_t drops = 0, bursts = 0;
	int prev = 0;
	double rate, mean_burst;

	(void)state;
	lp_zero(&p);
	p.ge_p = 0.01;
	p.ge_r = 0.10;
	p.ge_bad = 1.0;
	p.ge_good = 0.0;
	linkem_init(&le, &p, 3);
	for (size_t i = 0; i < n; i++) {
		int lost;

		linkem_decide(&le, 500, 14, SEC + i * US, &d);
		lost = d.drop == LINKEM_DROP_BURST;
		assert_true(lost || d.drop == LINKEM_PASS);
		drops += (uint64_t)lost;
		bursts += (uint64_t)(lost && !prev);
		prev = lost;
	}
	assert_int_equal(le.st.drops[LINKEM_DROP_BURST], drops);
	rate = (double)drops / (double)n;
	mean_burst = (double)drops / (double)bursts;
	/* stationary P(bad) = p / (p + r); sojourn in bad: geometric, mean 1/r */
	assert_true(fabs(rate - 0.01 / 0.11) < 0.1 * 0.01 / 0.11);
	assert_true(fabs(mean_burst - 10.0) < 1.5);
}

/* --- duplication and corruption --- */

static void test_dup_corrupt(void **state)
{
	const uint64_t n = 100000;
	struct linkparams p;
	struct linkem le;
	struct linkem_decision d;
	uint64_t dups = 0, corrupt = 0;

	(void)state;
	lp_zero(&p);
	p.dup = 0.05;
	p.corrupt = 0.02;
	p.delay_ns = 3 * MS;
	linkem_init(&le, &p, 5);
	for (uint64_t i = 0; i < n; i++) {
		uint32_t len = 1 + (uint32_t)(i * 7919 % 1514);

		linkem_decide(&le, len, 14, SEC + i * US, &d);
		assert_int_equal(d.drop, LINKEM_PASS);
		assert_true(d.copies == 1 || d.copies == 2);
		dups += d.copies == 2;
		if (d.copies == 2)
			assert_int_equal(d.release_ns[1], d.release_ns[0]);
		if (d.corrupt_bit >= 0) {
			assert_true((uint64_t)d.corrupt_bit < (uint64_t)len * 8);
			corrupt++;
		}
	}
	assert_binomial(dups, n, 0.05, 3);
	assert_binomial(corrupt, n, 0.02, 3);
	assert_int_equal(le.st.duplicated, dups);
	assert_int_equal(le.st.corrupted, corrupt);

	/* every bit of a short frame can be hit, none past its end */
	p.corrupt = 1.0;
	linkem_init(&le, &p, 6);
	{
		int hit[16] = {0};

		for (int i = 0; i < 1000; i++) {
			linkem_decide(&le, 2, 14, SEC, &d);
			assert_in_range(d.corrupt_bit, 0, 15);
			hit[d.corrupt_bit] = 1;
		}
		for (int i = 0; i < 16; i++)
			assert_true(hit[i]);
	}
	/* nothing to flip in an empty frame */
	linkem_decide(&le, 0, 14, SEC, &d);
	assert_int_equal(d.corrupt_bit, -1);
}

/* --- delay and jitter --- */

/* Delays of n frames offered 1 s apart: far enough that the no-reorder
 * floor never lifts one. */
static void sample_delays(const struct linkparams *p, uint64_t seed, size_t n, double *out)
{
	struct linkem le;
	struct linkem_decision d;

	linkem_init(&le, p, seed);
	for (size_t i = 0; i < n; i++) {
		uint64_t now = SEC + i * SEC;

		linkem_decide(&le, 100, 14, now, &d);
		assert_int_equal(d.drop, LINKEM_PASS);
		assert_true(d.release_ns[0] >= now);
		out[i] = (double)(d.release_ns[0] - now);
	}
}

static void mean_sd(const double *x, size_t n, double *mean, double *sd)
{
	double s = 0, ss = 0;

	for (size_t i = 0; i < n; i++)
		s += x[i];
	*mean = s / (double)n;
	for (size_t i = 0; i < n; i++)
		ss += (x[i] - *mean) * (x[i] - *mean);
	*sd = sqrt(ss / (double)(n - 1));
}

static void test_delay_fixed(void **state)
{
	struct linkparams p;
	struct linkem le;
	struct linkem_decision d;

	(void)state;
	lp_zero(&p);
	p.delay_ns = 10 * MS;
	linkem_init(&le, &p, 1);
	for (uint64_t i = 0; i < 1000; i++) {
		linkem_decide(&le, 1000, 14, SEC + i * 10 * US, &d);
		assert_int_equal(d.release_ns[0], SEC + i * 10 * US + 10 * MS);
	}
	assert_int_equal(le.st.delayed, 1000);
}

static void test_delay_uniform(void **state)
{
	const size_t n = 100000;
	struct linkparams p;
	double *x = malloc(n * sizeof(*x));
	double mean, sd;

	(void)state;
	assert_non_null(x);
	lp_zero(&p);
	p.delay_ns = 10 * MS;
	p.jitter_ns = 2 * MS;
	p.dist = LP_DIST_UNIFORM;
	sample_delays(&p, 21, n, x);
	for (size_t i = 0; i < n; i++)
		assert_true(x[i] >= 8 * MS && x[i] <= 12 * MS);
	mean_sd(x, n, &mean, &sd);
	assert_true(fabs(mean - 10 * MS) < 20 * US);
	assert_true(fabs(sd - 2 * MS / sqrt(3)) < 0.02 * 2 * MS / sqrt(3));
	free(x);
}

static void test_delay_normal(void **state)
{
	const size_t n = 100000;
	struct linkparams p;
	double *x = malloc(n * sizeof(*x));
	double mean, sd, lag = 0;

	(void)state;
	assert_non_null(x);
	lp_zero(&p);
	p.delay_ns = 10 * MS;
	p.jitter_ns = 1 * MS;
	p.dist = LP_DIST_NORMAL;
	sample_delays(&p, 22, n, x);
	mean_sd(x, n, &mean, &sd);
	assert_true(fabs(mean - 10 * MS) < 50 * US);
	assert_true(fabs(sd - 1 * MS) < 0.05 * MS);

	/* correlation: same distribution, successive samples correlated */
	p.corr = 0.5;
	sample_delays(&p, 23, n, x);
	mean_sd(x, n, &mean, &sd);
	assert_true(fabs(mean - 10 * MS) < 50 * US);
	assert_true(fabs(sd - 1 * MS) < 0.05 * MS);
	for (size_t i = 1; i < n; i++)
		lag += (x[i] - mean) * (x[i - 1] - mean);
	lag /= (double)(n - 1) * sd * sd;
	assert_true(fabs(lag - 0.5) < 0.05);
	free(x);
}

static void test_delay_pareto(void **state)
{
	const size_t n = 100000;
	struct linkparams p;
	double *x = malloc(n * sizeof(*x));
	double mean, sd, max = 0;

	(void)state;
	assert_non_null(x);
	lp_zero(&p);
	p.delay_ns = 10 * MS;
	p.jitter_ns = 5 * MS;
	p.dist = LP_DIST_PARETO;
	sample_delays(&p, 24, n, x);
	for (size_t i = 0; i < n; i++) {
		assert_true(x[i] >= 0);
		/* netem's pareto: never earlier than delay - 2/3 jitter, never
		 * later than delay + 4 jitters */
		assert_true(x[i] >= 10 * MS - 5 * MS * 2 / 3.0 - 1);
		assert_true(x[i] <= 10 * MS + 4 * 5 * MS + 1);
		if (x[i] > max)
			max = x[i];
	}
	mean_sd(x, n, &mean, &sd);
	assert_true(fabs(mean - 10 * MS) < 0.1 * 10 * MS);
	/* spread as netem's table: about 0.82 jitter (it was 0.57) */
	print_message("pareto: mean %.3f ms, sd %.3f ms\n", mean / MS, sd / MS);
	assert_true(sd > 0.7 * 5 * MS && sd < 0.95 * 5 * MS);
	assert_true(max > 20 * MS); /* a heavy tail */

	p.dist = LP_DIST_PARETONORMAL;
	sample_delays(&p, 25, n, x);
	mean_sd(x, n, &mean, &sd);
	assert_true(fabs(mean - 10 * MS) < 0.1 * 10 * MS);

	/* jitter far larger than the delay: clamped, never before now */
	p.delay_ns = 1 * MS;
	p.jitter_ns = 100 * MS;
	for (int dist = LP_DIST_NORMAL; dist <= LP_DIST_PARETONORMAL; dist++) {
		p.dist = (enum lp_dist)dist;
		sample_delays(&p, 26, 10000, x);
	}
	free(x);
}

/* Frames 10 us apart with 1 ms of jitter: released in order, unless
 * reorder_jitter allows jitter to overtake. */
static int count_inversions(const struct linkparams *p)
{
	struct linkem le;
	struct linkem_decision d;
	uint64_t last = 0;
	int inversions = 0;

	linkem_init(&le, p, 31);
	for (uint64_t i = 0; i < 20000; i++) {
		uint64_t now = SEC + i * 10 * US;

		linkem_decide(&le, 100, 14, now, &d);
		assert_true(d.release_ns[0] >= now);
		inversions += d.release_ns[0] < last;
		last = d.release_ns[0];
	}
	return inversions;
}

static void test_no_reorder(void **state)
{
	struct linkparams p;

	(void)state;
	lp_zero(&p);
	p.delay_ns = 10 * MS;
	p.jitter_ns = 1 * MS;
	assert_int_equal(count_inversions(&p), 0);
	p.reorder_jitter = 1;
	assert_true(count_inversions(&p) > 100);
}

/* --- token bucket --- */

static void test_rate_spacing(void **state)
{
	struct linkparams p;
	struct linkem le;
	struct linkem_decision d;
	uint64_t first = 0, prev = 0;
	const uint64_t now = 5 * SEC;
	const int n = 10000;
	double ideal;

	(void)state;
	lp_zero(&p);
	p.rate_bps = 100000000; /* 100 mbit: 1500 bytes in exactly 120 us */
	p.queue_bytes = 64ull << 20;
	linkem_init(&le, &p, 1);
	for (int i = 0; i < n; i++) {
		linkem_decide(&le, 1500, 14, now, &d);
		assert_int_equal(d.drop, LINKEM_PASS);
		if (i == 0) {
			/* the banked burst (one 1514-byte frame) sends it at once */
			assert_int_equal(d.release_ns[0], now);
		} else if (i == 1) {
			/* 120 us minus the 14 bytes of bank left: 1.12 us */
			assert_int_equal(d.release_ns[0], now + 120 * US - 1120);
		} else {
			assert_int_equal(d.release_ns[0] - prev, 120 * US);
		}
		prev = d.release_ns[0];
	}
	assert_int_equal(le.st.delayed, n - 1);

	/* 77 mbit: 155844.155... ns a frame; the fraction must add up */
	p.rate_bps = 77000000;
	linkem_init(&le, &p, 1);
	for (int i = 0; i < n; i++) {
		linkem_decide(&le, 1500, 14, now, &d);
		if (i == 1)
			first = d.release_ns[0];
		if (i > 1) {
			uint64_t gap = d.release_ns[0] - prev;

			assert_true(gap == 155844 || gap == 155845);
		}
		prev = d.release_ns[0];
	}
	ideal = (double)(n - 2) * 1500 * 8e9 / 77e6;
	assert_true(fabs((double)(prev - first) - ideal) <= 1.0);
}

static void test_queue_limit(void **state)
{
	struct linkparams p;
	struct linkem le;
	struct linkem_decision d;
	const uint64_t now = 5 * SEC;
	uint64_t drops = 0, before;

	(void)state;
	lp_zero(&p);
	p.rate_bps = 100000000;
	p.queue_bytes = 65536;
	linkem_init(&le, &p, 1);
	for (int i = 0; i < 100; i++) {
		uint64_t b = linkem_backlog(&le, now);

		linkem_decide(&le, 1500, 14, now, &d);
		if (b + 1500 > 65536) {
			assert_int_equal(d.drop, LINKEM_DROP_QUEUE);
			assert_int_equal(d.copies, 0);
			/* a tail drop changes nothing */
			assert_int_equal(linkem_backlog(&le, now), b);
			drops++;
		} else {
			assert_int_equal(d.drop, LINKEM_PASS);
			assert_int_equal(d.copies, 1);
		}
	}
	/* frame j finds j * 1500 - 1514 bytes queued (the bank covers the rest):
	 * frames 0..43 fit */
	assert_int_equal(le.st.passed, 44);
	assert_int_equal(drops, 56);
	assert_int_equal(le.st.drops[LINKEM_DROP_QUEUE], 56);
	before = linkem_backlog(&le, now);
	assert_int_equal(before, 44 * 1500 - 1514);
	/* the backlog drains at the rate: 1 ms later 12500 bytes have gone */
	assert_int_equal(linkem_backlog(&le, now + MS), before - 12500);
	linkem_decide(&le, 1500, 14, now + MS, &d);
	assert_int_equal(d.drop, LINKEM_PASS);

	/* the backlog is the queue, whatever the delay behind it */
	p.delay_ns = 10 * MS;
	linkem_update(&le, &p, 0);
	assert_int_equal(linkem_backlog(&le, now + MS), before - 12500 + 1500);
	/* no rate, no queue */
	p.rate_bps = 0;
	linkem_update(&le, &p, 0);
	assert_int_equal(linkem_backlog(&le, now + MS), 0);
	linkem_decide(&le, 1500, 14, now + MS, &d);
	assert_int_equal(d.drop, LINKEM_PASS);
}

static void test_burst(void **state)
{
	struct linkparams p;
	struct linkem le;
	struct linkem_decision d;
	uint64_t now = 10 * SEC;

	(void)state;
	lp_zero(&p);
	p.rate_bps = 100000000;
	p.burst_bytes = 32768;
	linkem_init(&le, &p, 1);
	/* an idle link has banked 32768 bytes: 21 frames of 1500 leave at once */
	for (int i = 0; i < 21; i++) {
		linkem_decide(&le, 1500, 14, now, &d);
		assert_int_equal(d.release_ns[0], now);
	}
	/* the 22nd waits for the 232 bytes past the bank: 18.56 us */
	linkem_decide(&le, 1500, 14, now, &d);
	assert_int_equal(d.release_ns[0], now + 18560);

	/* the bank refills with idle time, never beyond the burst */
	now += 10 * SEC;
	for (int i = 0; i < 21; i++) {
		linkem_decide(&le, 1500, 14, now, &d);
		assert_int_equal(d.release_ns[0], now);
	}
	linkem_decide(&le, 1500, 14, now, &d);
	assert_int_equal(d.release_ns[0], now + 18560);
}

static void test_throughput(void **state)
{
	struct linkparams p;
	struct linkem le;
	struct linkem_decision d;
	const uint64_t t0 = SEC;
	uint64_t last = 0;
	double bits, rate;

	(void)state;
	lp_zero(&p);
	p.rate_bps = 100000000;
	linkem_init(&le, &p, 1);
	/* twice the line rate for 2 s: the queue fills and tail-drops */
	for (uint64_t i = 0; i < 2 * SEC / (60 * US); i++) {
		linkem_decide(&le, 1500, 14, t0 + i * 60 * US, &d);
		if (d.drop == LINKEM_PASS)
			last = d.release_ns[0];
	}
	assert_true(le.st.drops[LINKEM_DROP_QUEUE] > 0);
	bits = (double)le.st.passed * 1500 * 8;
	rate = bits * 1e9 / (double)(last - t0);
	assert_true(fabs(rate - 1e8) < 1e5);

	/* at exactly the line rate nothing waits and nothing drops */
	linkem_init(&le, &p, 1);
	for (uint64_t i = 0; i < 10000; i++) {
		uint64_t now = t0 + i * 120 * US;

		linkem_decide(&le, 1500, 14, now, &d);
		assert_int_equal(d.release_ns[0], now);
	}
	assert_int_equal(le.st.passed, 10000);
}

/* --- reordering --- */

static void test_reorder(void **state)
{
	const uint64_t n = 100000;
	struct linkparams p;
	struct linkem le;
	struct linkem_decision d;
	uint64_t early = 0, last_hit = 0, hits = 0;

	(void)state;
	lp_zero(&p);
	p.delay_ns = 10 * MS;
	p.reorder = 0.25;
	linkem_init(&le, &p, 41);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t now = SEC + i * 100 * US;

		linkem_decide(&le, 100, 14, now, &d);
		early += d.release_ns[0] == now;
		assert_true(d.release_ns[0] == now || d.release_ns[0] == now + 10 * MS);
	}
	assert_binomial(early, n, 0.25, 3);
	assert_int_equal(le.st.reordered, early);

	/* gap 5, always: exactly every 5th frame */
	p.reorder = 1.0;
	p.reorder_gap = 5;
	linkem_init(&le, &p, 42);
	for (uint64_t i = 0; i < 1000; i++) {
		uint64_t now = SEC + i * 100 * US;

		linkem_decide(&le, 100, 14, now, &d);
		assert_int_equal(d.release_ns[0] == now, i % 5 == 4);
	}
	/* gap 5, sometimes: never closer than 5 frames apart */
	p.reorder = 0.5;
	linkem_init(&le, &p, 43);
	for (uint64_t i = 1; i <= n; i++) {
		uint64_t now = SEC + i * 100 * US;

		linkem_decide(&le, 100, 14, now, &d);
		if (d.release_ns[0] == now) {
			assert_true(i - last_hit >= 5);
			last_hit = i;
			hits++;
		}
	}
	assert_true(hits > n / 10 && hits <= n / 5);
}

/* --- carrier and MTU --- */

static void test_mtu_carrier(void **state)
{
	struct linkparams p;
	struct linkem le;
	struct linkem_decision d;
	uint64_t dropped = 0;

	(void)state;
	lp_zero(&p);
	p.mtu = 1500;
	linkem_init(&le, &p, 1);
	/* an IP MTU: a full-size frame of a 1500-byte host passes, with a
	 * VLAN tag too; one byte more of IP does not */
	linkem_decide(&le, 1514, 14, SEC, &d);
	assert_int_equal(d.drop, LINKEM_PASS);
	linkem_decide(&le, 1518, 18, SEC, &d);
	assert_int_equal(d.drop, LINKEM_PASS);
	linkem_decide(&le, 1515, 14, SEC, &d);
	assert_int_equal(d.drop, LINKEM_DROP_MTU);
	assert_int_equal(d.copies, 0);
	linkem_decide(&le, 1519, 18, SEC, &d);
	assert_int_equal(d.drop, LINKEM_DROP_MTU);
	linkem_decide(&le, 60, 14, SEC, &d);
	assert_int_equal(d.drop, LINKEM_PASS);

	p.down = 1;
	linkem_update(&le, &p, 0);
	for (int i = 0; i < 10; i++) {
		linkem_decide(&le, 60 + (uint32_t)i * 300, 14, SEC, &d);
		assert_int_equal(d.drop, LINKEM_DROP_DOWN);
	}
	assert_int_equal(le.st.drops[LINKEM_DROP_MTU], 2);
	assert_int_equal(le.st.drops[LINKEM_DROP_DOWN], 10);
	assert_int_equal(le.st.passed, 3);
	for (int i = 0; i < LINKEM_DROP__COUNT; i++)
		dropped += le.st.drops[i];
	assert_int_equal(le.st.drops[LINKEM_PASS], 0);
	assert_int_equal(le.st.passed + dropped, le.st.offered);
}

/* --- live update and replay --- */

static void test_update(void **state)
{
	struct linkparams p;
	struct linkem le;
	struct linkem_decision d;

	(void)state;
	lp_zero(&p);
	linkem_init(&le, &p, 9);
	for (int i = 0; i < 100; i++) {
		linkem_decide(&le, 100, 14, SEC, &d);
		assert_int_equal(d.drop, LINKEM_PASS);
	}
	p.loss = 1.0;
	linkem_update(&le, &p, 0);
	linkem_decide(&le, 100, 14, SEC, &d);
	assert_int_equal(d.drop, LINKEM_DROP_LOSS);
	assert_int_equal(le.st.offered, 101);
	assert_int_equal(le.st.passed, 100);
	assert_int_equal(le.st.drops[LINKEM_DROP_LOSS], 1);
	p.loss = 0;
	linkem_update(&le, &p, 0);
	linkem_decide(&le, 100, 14, SEC, &d);
	assert_int_equal(d.drop, LINKEM_PASS);
	assert_int_equal(le.st.passed, 101);

	/* a shorter delay applies to the next frame, which leaves before the
	 * frames held under the old one, as in netem's time-sorted queue
	 * (held behind them, a 3 s delay set to 0 stalled the link 3 s) */
	p.delay_ns = 50 * MS;
	linkem_update(&le, &p, 0);
	linkem_decide(&le, 100, 14, SEC, &d);
	assert_int_equal(d.release_ns[0], SEC + 50 * MS);
	p.delay_ns = 1 * MS;
	linkem_update(&le, &p, SEC + MS);
	linkem_decide(&le, 100, 14, SEC + MS, &d);
	assert_int_equal(d.release_ns[0], SEC + 2 * MS);
	/* with the delay unchanged, jitter alone still never reorders */
	linkem_decide(&le, 100, 14, SEC + MS, &d);
	assert_int_equal(d.release_ns[0], SEC + 2 * MS);
}

/* A rate raised while its queue is full: the bytes queued drain at the new
 * rate and the next frame gets in (the old schedule read at the new rate
 * looked 100 times the queue, and every frame was dropped for seconds). */
static void test_update_rate(void **state)
{
	struct linkparams p;
	struct linkem le;
	struct linkem_decision d;
	uint64_t queued;
	int n = 0;

	(void)state;
	lp_zero(&p);
	p.rate_bps = 1000000; /* 1 Mbit/s */
	linkem_init(&le, &p, 9);
	do {
		linkem_decide(&le, 1000, 14, SEC, &d);
		n++;
	} while (d.drop == LINKEM_PASS && n < 100000);
	assert_int_equal(d.drop, LINKEM_DROP_QUEUE);
	queued = linkem_backlog(&le, SEC);
	assert_true(queued + 1000 > LP_DEFAULT_QUEUE_BYTES);
	p.rate_bps = 100000000; /* 100 Mbit/s */
	linkem_update(&le, &p, SEC);
	assert_true(linkem_backlog(&le, SEC) + 8 >= queued && linkem_backlog(&le, SEC) <= queued);
	/* draining 100 times faster: 1 ms later 12500 bytes have left, room
	 * for 12 frames. They leave behind the frames queued before (in
	 * order, as netem's rate queues a frame behind the last one) */
	for (int i = 0; i < 12; i++) {
		linkem_decide(&le, 1000, 14, SEC + MS, &d);
		assert_int_equal(d.drop, LINKEM_PASS);
	}
}

static void test_replay_across_delay(void **state)
{
	const size_t n = 100000;
	struct linkparams p;
	uint8_t *a, *b;

	(void)state;
	lp_zero(&p);
	p.loss = 0.05;
	a = drop_pattern(&p, 77, n, 800, 10 * US);
	p.delay_ns = 10 * MS;
	p.jitter_ns = 2 * MS;
	p.corr = 0.25;
	p.dist = LP_DIST_PARETONORMAL;
	p.dup = 0.1;
	p.corrupt = 0.1;
	p.reorder = 0.1;
	b = drop_pattern(&p, 77, n, 800, 10 * US);
	assert_memory_equal(a, b, (n + 7) / 8);
	free(a);
	free(b);
}

/* --- parameters at their limits: no crash, releases never before now --- */

static void test_extremes(void **state)
{
	struct linkparams p;
	struct linkem le;
	struct linkem_decision d;
	const uint32_t lens[] = {0, 1, 64, 1514, 65535, UINT32_MAX};

	(void)state;
	for (int v = 0; v < 6; v++) {
		lp_zero(&p);
		switch (v) {
		case 0: /* one hour of delay and of jitter, all distributions */
			p.delay_ns = 3600 * SEC;
			p.jitter_ns = 3600 * SEC;
			p.dist = LP_DIST_PARETO;
			p.corr = 1.0;
			break;
		case 1: /* the slowest rate, huge burst and queue */
			p.rate_bps = 1;
			p.burst_bytes = UINT64_MAX;
			p.queue_bytes = UINT64_MAX;
			break;
		case 2: /* the fastest rate, a 1-byte queue */
			p.rate_bps = 10000000000000ull;
			p.queue_bytes = 1;
			break;
		case 3: /* every probability at 1 */
			p.loss_corr = p.corr = 1.0;
			p.ge_p = p.ge_r = p.ge_bad = p.ge_good = 1.0;
			p.dup = p.corrupt = p.reorder = 1.0;
			p.jitter_ns = 1;
			break;
		case 4: /* garbage no parser would let through */
			p.loss = NAN;
			p.ge_p = INFINITY;
			p.ge_bad = -1;
			p.corr = NAN;
			p.jitter_ns = UINT64_MAX;
			p.delay_ns = UINT64_MAX;
			p.dist = (enum lp_dist)99;
			p.reorder_gap = UINT32_MAX;
			p.reorder = 0.5;
			break;
		default: /* time near the end of the clock */
			p.rate_bps = 1000;
			p.delay_ns = 3600 * SEC;
			p.jitter_ns = 3600 * SEC;
			p.dist = LP_DIST_NORMAL;
			break;
		}
		linkem_init(&le, &p, 0);
		for (int i = 0; i < 2000; i++) {
			uint64_t now =
			    v == 5 ? UINT64_MAX - 1000 + (uint64_t)i / 4 : (uint64_t)i * MS;
			uint32_t len = lens[i % 6];

			linkem_decide(&le, len, 14, now, &d);
			assert_true(d.drop < LINKEM_DROP__COUNT);
			assert_true(d.copies <= 2);
			assert_true(d.release_ns[0] >= now && d.release_ns[1] >= now);
			assert_true(d.corrupt_bit < 0 ||
				    (uint64_t)d.corrupt_bit < (uint64_t)len * 8);
			(void)linkem_backlog(&le, now);
		}
		assert_int_equal(le.st.offered, 2000);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rng),
	    cmocka_unit_test(test_drop_names),
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_loss),
	    cmocka_unit_test(test_loss_correlation),
	    cmocka_unit_test(test_gilbert_elliott),
	    cmocka_unit_test(test_dup_corrupt),
	    cmocka_unit_test(test_delay_fixed),
	    cmocka_unit_test(test_delay_uniform),
	    cmocka_unit_test(test_delay_normal),
	    cmocka_unit_test(test_delay_pareto),
	    cmocka_unit_test(test_no_reorder),
	    cmocka_unit_test(test_rate_spacing),
	    cmocka_unit_test(test_queue_limit),
	    cmocka_unit_test(test_burst),
	    cmocka_unit_test(test_throughput),
	    cmocka_unit_test(test_reorder),
	    cmocka_unit_test(test_mtu_carrier),
	    cmocka_unit_test(test_update),
	    cmocka_unit_test(test_update_rate),
	    cmocka_unit_test(test_replay_across_delay),
	    cmocka_unit_test(test_extremes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
