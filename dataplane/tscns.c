/* SPDX-License-Identifier: BSD-3-Clause */
/* The TSC in nanoseconds (tscns.h). */
#include <time.h>

#include <rte_cycles.h>

#include "tscns.h"

#define TSCNS_WINDOW_NS 20000000 /* 20 ms: a few ppm of read error */
#define TSCNS_TRIES	 20

static double tscns_ns;

static uint64_t tscns_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A TSC reading and the clock at it, from the pair of clock readings around
 * it that lie closest together (a preemption between them would be error):
 * 0, or -1 if none came within 2 us. */
static int tscns_pair(uint64_t *tsc, uint64_t *ns)
{
	uint64_t best = UINT64_MAX;

	for (int i = 0; i < TSCNS_TRIES; i++) {
		uint64_t a = tscns_clock(), t = rte_rdtsc(), b = tscns_clock();

		if (b - a < best) {
			best = b - a;
			*tsc = t;
			*ns = a + (b - a) / 2;
		}
	}
	return best <= 2000 ? 0 : -1;
}

double tscns_per_cycle(void)
{
	uint64_t t0, n0, t1, n1;
	struct timespec w = {0, TSCNS_WINDOW_NS};

	if (tscns_ns > 0)
		return tscns_ns;
	tscns_ns = 1e9 / (double)rte_get_tsc_hz();
	if (tscns_pair(&t0, &n0) == 0) {
		nanosleep(&w, NULL);
		if (tscns_pair(&t1, &n1) == 0 && t1 > t0 && n1 - n0 >= TSCNS_WINDOW_NS / 2) {
			double m = (double)(n1 - n0) / (double)(t1 - t0);

			/* a measure far from DPDK's is a bad one: keep DPDK's */
			if (m > tscns_ns * 0.98 && m < tscns_ns * 1.02)
				tscns_ns = m;
		}
	}
	return tscns_ns;
}

uint64_t tscns_now(void)
{
	return (uint64_t)((double)rte_rdtsc() * tscns_per_cycle());
}
