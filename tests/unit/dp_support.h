/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Support for dataplane unit tests. rte_hash and rte_mempool need EAL's
 * memory, so these tests start EAL in its smallest form: no hugepages, no
 * PCI, no shared config, no telemetry, one lcore, a file prefix of their
 * own. That needs no root; the empty runtime directory EAL makes is
 * removed again at the end.
 */
#ifndef RL_DP_SUPPORT_H
#define RL_DP_SUPPORT_H

#include <stdint.h>

#include <rte_mbuf.h>

int dp_test_eal_init(void);
/* the same with the lcores given ("0-1": a worker lcore to launch on) */
int dp_test_eal_init_lcores(const char *lcores);
void dp_test_eal_fini(void);

/* A pool of n mbufs. */
struct rte_mempool *dp_test_pool(const char *name, unsigned n);

/* An Ethernet frame src -> dst of len bytes (len >= 14), payload filled
 * with 'fill'. */
struct rte_mbuf *dp_test_frame(struct rte_mempool *mp, const uint8_t src[6], const uint8_t dst[6],
			       uint16_t len, uint8_t fill);

#endif
