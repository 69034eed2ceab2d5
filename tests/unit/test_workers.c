/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Several workers: ports sharded by id, a frame switched by one worker to a
 * port of another is handed over through the owner's inbox and sent by the
 * owner; a handed-over frame whose port went away is freed; every mbuf
 * comes back. Workers are stepped by hand from this thread.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdint.h>
#include <time.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "dp_support.h"
#include "switch.h"
#include "tscns.h"
#include "worker.h"

static const uint8_t MAC[4][6] = {
    {0x02, 0, 0, 0, 0, 1}, {0x02, 0, 0, 0, 0, 2}, {0x02, 0, 0, 0, 0, 3}, {0x02, 0, 0, 0, 0, 4}};
static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static struct rte_mempool *mp;

static struct port *add_ring(struct sw *sw, const char *name)
{
	struct port_conf c = {.type = PORT_TYPE_RING, .pool = mp, .ring_size = 256};
	int id;

	snprintf(c.name, sizeof(c.name), "%s", name);
	id = sw_port_add(sw, &c, "b1");
	assert_true(id >= 0);
	return sw->ports[id];
}

static void send_frame(struct port *p, const uint8_t *src, const uint8_t *dst)
{
	struct rte_mbuf *m = dp_test_frame(mp, src, dst, 60, 0x11);

	assert_non_null(m);
	assert_int_equal(port_ring_inject(p, &m, 1), 1);
}

static void run_all(struct sw *sw)
{
	unsigned n;

	do {
		n = 0;
		for (unsigned i = 0; i < sw->n_workers; i++) {
			worker_wake_ports(sw->workers[i], 0);
			n += worker_poll(sw->workers[i]);
		}
	} while (n > 0);
}

static unsigned drain(struct port *p)
{
	struct rte_mbuf *m[64];
	unsigned n = port_ring_collect(p, m, 64);

	rte_pktmbuf_free_bulk(m, n);
	return n;
}

static void test_handoff(void **state)
{
	struct sw *sw = sw_create(&(struct sw_conf){.n_workers = 2, .pool = mp});
	struct port *p[4];
	uint64_t drops[SW_DROP__COUNT];

	(void)state;
	assert_non_null(sw);
	for (int i = 0; i < 4; i++) {
		char name[16];
		snprintf(name, sizeof(name), "sw:p%d", i + 1);
		p[i] = add_ring(sw, name);
	}
	/* ids 0 and 2 on worker 0, 1 and 3 on worker 1 */
	assert_int_equal(p[0]->id % 2, 0);
	assert_int_equal(p[1]->id % 2, 1);
	/* a broadcast from p1 (worker 0) reaches every other port, two of
	 * them through worker 1's inbox */
	send_frame(p[0], MAC[0], BCAST);
	run_all(sw);
	assert_int_equal(drain(p[1]), 1);
	assert_int_equal(drain(p[2]), 1);
	assert_int_equal(drain(p[3]), 1);
	assert_int_equal(p[1]->stats.tx_packets, 1);
	/* learn every MAC, then unicast across workers both ways */
	for (int i = 1; i < 4; i++)
		send_frame(p[i], MAC[i], BCAST);
	run_all(sw);
	for (int i = 0; i < 4; i++)
		drain(p[i]);
	for (int k = 0; k < 50; k++) {
		send_frame(p[0], MAC[0], MAC[1]);
		send_frame(p[3], MAC[3], MAC[2]);
	}
	/* worker 0 alone first: p2's frames wait in worker 1's inbox */
	worker_wake_ports(sw->workers[0], 0);
	worker_poll(sw->workers[0]);
	assert_int_equal(drain(p[1]), 0);
	run_all(sw);
	assert_int_equal(drain(p[1]), 50);
	assert_int_equal(drain(p[2]), 50);
	/* a frame handed over to a port that is then removed is freed */
	send_frame(p[0], MAC[0], MAC[1]);
	worker_wake_ports(sw->workers[0], 0);
	worker_poll(sw->workers[0]);
	assert_int_equal(sw_port_del(sw, "sw:p2"), 0);
	run_all(sw);
	sw_drops(sw, drops);
	assert_int_equal(drops[SW_DROP_HANDOFF], 0);
	sw_destroy(sw);
	assert_int_equal(rte_mempool_in_use_count(mp), 0);
}

/* Frames left in an inbox when the switch is destroyed go back too. */
static void test_destroy_with_inbox(void **state)
{
	struct sw *sw = sw_create(&(struct sw_conf){.n_workers = 2, .pool = mp});
	struct port *a, *b;

	(void)state;
	assert_non_null(sw);
	a = add_ring(sw, "sw:a");
	b = add_ring(sw, "sw:b");
	(void)b;
	send_frame(a, MAC[0], BCAST);
	worker_wake_ports(sw->workers[0], 0);
	worker_poll(sw->workers[0]);
	sw_destroy(sw);
	assert_int_equal(rte_mempool_in_use_count(mp), 0);
}

/* The workers' clock (tscns.h) follows CLOCK_MONOTONIC: 100 ms of it is
 * 100 ms within 0.05% (DPDK's rounded TSC rate made delays 0.15% short). */
static void test_tscns(void **state)
{
	struct timespec a, b, w = {0, 100000000};
	uint64_t t0, t1;
	double clock_ns, tsc_ns;

	(void)state;
	assert_true(tscns_per_cycle() > 0);
	clock_gettime(CLOCK_MONOTONIC, &a);
	t0 = tscns_now();
	nanosleep(&w, NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	t1 = tscns_now();
	clock_ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
	tsc_ns = (double)(t1 - t0);
	print_message("100 ms sleep: %.0f ns by the clock, %.0f by the TSC\n", clock_ns, tsc_ns);
	assert_true(fabs(tsc_ns - clock_ns) < clock_ns * 5e-4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_handoff),
	    cmocka_unit_test(test_destroy_with_inbox),
	    cmocka_unit_test(test_tscns),
	};
	int ret;

	if (dp_test_eal_init() < 0)
		return 1;
	mp = dp_test_pool("t_workers", 2047);
	if (mp == NULL)
		return 1;
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	dp_test_eal_fini();
	return ret;
}
