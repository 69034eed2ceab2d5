/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TSC in nanoseconds, for link emulation's delays: the TSC's rate
 * measured against CLOCK_MONOTONIC, the clock hosts timestamp frames by.
 * DPDK's rte_get_tsc_hz() is rounded (to 10 MHz here): delays ran 0.15%
 * short, a 5 s delay 4.992 s.
 */
#ifndef RL_TSCNS_H
#define RL_TSCNS_H

#include <stdint.h>

/* Nanoseconds per TSC cycle; measured at the first call (20 ms, call it
 * before the workers run), rte_get_tsc_hz()'s if the measure fails. */
double tscns_per_cycle(void);

/* The TSC now, in nanoseconds. */
uint64_t tscns_now(void);

#endif
