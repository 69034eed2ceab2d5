/* SPDX-License-Identifier: BSD-3-Clause */
/* FDB: learn, refresh, move, isolation between bridges, aging, flush,
 * capacity, slot reuse through RCU, and two lcores learning the same new
 * MACs at once (each counted once). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "dp_support.h"
#include "fdb.h"

static const struct rte_ether_addr A = {{0x02, 0, 0, 0, 0, 0xa}};
static const struct rte_ether_addr B = {{0x02, 0, 0, 0, 0, 0xb}};

static int count_cb_n;
static void count_cb(uint16_t bridge, const struct rte_ether_addr *mac, uint32_t port,
		     uint64_t age_ms, void *arg)
{
	(void)bridge;
	(void)mac;
	(void)port;
	(void)age_ms;
	(void)arg;
	count_cb_n++;
}

static void test_learn_lookup_move(void **state)
{
	struct fdb *f = fdb_create("t_learn", 1024, 1000, NULL);
	struct fdb_stats st;

	(void)state;
	assert_non_null(f);
	assert_int_equal(fdb_lookup(f, 0, &A), UINT32_MAX);
	assert_int_equal(fdb_learn(f, 0, &A, 3, 100), FDB_LEARNED);
	assert_int_equal(fdb_lookup(f, 0, &A), 3);
	assert_int_equal(fdb_learn(f, 0, &A, 3, 200), FDB_REFRESHED);
	assert_int_equal(fdb_learn(f, 0, &A, 7, 300), FDB_MOVED);
	assert_int_equal(fdb_lookup(f, 0, &A), 7);
	/* the same MAC on another bridge is another entry */
	assert_int_equal(fdb_lookup(f, 1, &A), UINT32_MAX);
	assert_int_equal(fdb_learn(f, 1, &A, 9, 300), FDB_LEARNED);
	assert_int_equal(fdb_lookup(f, 1, &A), 9);
	assert_int_equal(fdb_lookup(f, 0, &A), 7);
	fdb_get_stats(f, &st);
	assert_int_equal(st.learned, 2);
	assert_int_equal(st.moved, 1);
	assert_int_equal(st.entries, 2);
	count_cb_n = 0;
	fdb_walk(f, 400, count_cb, NULL);
	assert_int_equal(count_cb_n, 2);
	fdb_destroy(f);
}

static void test_age(void **state)
{
	uint64_t hz = rte_get_tsc_hz(), t0 = 1000 * hz;
	struct fdb *f = fdb_create("t_age", 1024, 2000, NULL); /* 2 s */
	struct fdb_stats st;

	(void)state;
	assert_non_null(f);
	fdb_learn(f, 0, &A, 1, t0);
	fdb_learn(f, 0, &B, 2, t0 + hz); /* B seen a second later */
	assert_int_equal(fdb_age(f, t0 + hz), 0);
	/* 2.5 s after A: A is older than 2 s, B is not */
	assert_int_equal(fdb_age(f, t0 + hz * 5 / 2), 1);
	assert_int_equal(fdb_lookup(f, 0, &A), UINT32_MAX);
	assert_int_equal(fdb_lookup(f, 0, &B), 2);
	/* traffic refreshes: B seen again, then aged only 2 s after that */
	fdb_learn(f, 0, &B, 2, t0 + hz * 3);
	assert_int_equal(fdb_age(f, t0 + hz * 4), 0);
	assert_int_equal(fdb_age(f, t0 + hz * 6), 1);
	fdb_get_stats(f, &st);
	assert_int_equal(st.aged, 2);
	assert_int_equal(st.entries, 0);
	fdb_destroy(f);
}

static void test_flush_port(void **state)
{
	struct fdb *f = fdb_create("t_flush", 1024, 1000, NULL);
	struct rte_ether_addr m = {{0x02, 0, 0, 0, 0, 0}};

	(void)state;
	assert_non_null(f);
	for (int i = 0; i < 100; i++) {
		m.addr_bytes[5] = (uint8_t)i;
		assert_true(fdb_learn(f, 0, &m, (uint32_t)(i % 4), 1) >= 0);
	}
	assert_int_equal(fdb_flush_port(f, 2), 25);
	for (int i = 0; i < 100; i++) {
		m.addr_bytes[5] = (uint8_t)i;
		assert_int_equal(fdb_lookup(f, 0, &m), i % 4 == 2 ? UINT32_MAX : (uint32_t)(i % 4));
	}
	assert_int_equal(fdb_flush_all(f), 75);
	fdb_destroy(f);
}

static void test_full(void **state)
{
	struct fdb *f = fdb_create("t_full", 64, 1000, NULL);
	struct rte_ether_addr m = {{0x02, 0, 0, 0, 0, 0}};
	struct fdb_stats st;
	int i, ret = 0;

	(void)state;
	assert_non_null(f);
	for (i = 0; i < 100000 && ret >= 0; i++) {
		m.addr_bytes[4] = (uint8_t)(i >> 8);
		m.addr_bytes[5] = (uint8_t)i;
		ret = fdb_learn(f, 0, &m, 1, 1);
	}
	assert_int_equal(ret, -ENOSPC);
	fdb_get_stats(f, &st);
	/* exactly what was asked for: rte_hash itself takes thousands more
	 * (room for its per-lcore caches) */
	assert_int_equal(i, 65);
	assert_int_equal(st.entries, 64);
	assert_int_equal(st.capacity, 64);
	assert_int_equal(st.full, 1);
	/* a known MAC still refreshes and moves; a place freed is taken again */
	m.addr_bytes[4] = 0;
	m.addr_bytes[5] = 0;
	assert_int_equal(fdb_learn(f, 0, &m, 2, 2), FDB_MOVED);
	assert_int_equal(fdb_flush_port(f, 2), 1);
	assert_int_equal(fdb_learn(f, 0, &m, 3, 2), FDB_LEARNED);
	m.addr_bytes[5] = 0xff;
	m.addr_bytes[4] = 0xff;
	assert_int_equal(fdb_learn(f, 0, &m, 3, 2), -ENOSPC);
	fdb_get_stats(f, &st);
	assert_int_equal(st.entries, 64);
	fdb_destroy(f);
}

/* With RCU, deleted slots come back after readers pass a quiescent state:
 * learning and aging many more MACs than the table holds never fills it. */
static void test_rcu_reuse(void **state)
{
	size_t sz = rte_rcu_qsbr_get_memsize(1);
	struct rte_rcu_qsbr *qs = rte_zmalloc(NULL, sz, RTE_CACHE_LINE_SIZE);
	struct rte_ether_addr m = {{0x02, 0, 0, 0, 0, 0}};
	uint64_t hz = rte_get_tsc_hz();
	struct fdb *f;

	(void)state;
	assert_non_null(qs);
	assert_int_equal(rte_rcu_qsbr_init(qs, 1), 0);
	assert_int_equal(rte_rcu_qsbr_thread_register(qs, 0), 0);
	rte_rcu_qsbr_thread_online(qs, 0);
	f = fdb_create("t_rcu", 256, 1000, qs);
	assert_non_null(f);
	for (uint64_t round = 1; round <= 20; round++) {
		for (int i = 0; i < 200; i++) {
			m.addr_bytes[4] = (uint8_t)round;
			m.addr_bytes[5] = (uint8_t)i;
			assert_true(fdb_learn(f, 0, &m, 1, round * 10 * hz) >= 0);
		}
		rte_rcu_qsbr_quiescent(qs, 0);
		assert_int_equal(fdb_age(f, round * 10 * hz + 5 * hz), 200);
		rte_rcu_qsbr_quiescent(qs, 0);
	}
	rte_rcu_qsbr_thread_offline(qs, 0);
	fdb_destroy(f);
	rte_free(qs);
}

/* Two lcores learn the same new MACs in the same order, released at once:
 * many keys are missed by both lookups and added by both. The table must
 * count each once: it says it holds that many, and a table with room for
 * two more (the two learners' places taken in flight) takes them all. Half the rounds from one port (both learn),
 * half from two (one learns, the other moves it). */
#define RACE_MACS 4096
struct race {
	struct fdb *f;
	uint32_t port;
	volatile int *go;
	int full;
};

static void race_learn(struct race *r)
{
	struct rte_ether_addr m = {{0x02, 0, 0, 0, 0, 0}};

	while (!__atomic_load_n(r->go, __ATOMIC_ACQUIRE))
		rte_pause();
	for (int i = 0; i < RACE_MACS; i++) {
		m.addr_bytes[4] = (uint8_t)(i >> 8);
		m.addr_bytes[5] = (uint8_t)i;
		r->full += fdb_learn(r->f, 0, &m, r->port, 1) == -ENOSPC;
	}
}

static int race_lcore(void *arg)
{
	race_learn(arg);
	return 0;
}

static void test_concurrent_learn(void **state)
{
	struct fdb *f = fdb_create("t_race", RACE_MACS + 2, 1000, NULL);
	unsigned worker = rte_get_next_lcore(-1, 1, 0);
	struct fdb_stats st;
	volatile int go;

	(void)state;
	assert_non_null(f);
	if (worker >= RTE_MAX_LCORE)
		skip(); /* one lcore: nothing to race with */
	for (int round = 0; round < 40; round++) {
		struct race a = {.f = f, .port = 1, .go = &go};
		struct race b = {.f = f, .port = round % 2 ? 2 : 1, .go = &go};

		go = 0;
		assert_int_equal(rte_eal_remote_launch(race_lcore, &b, worker), 0);
		rte_delay_us_block(200);
		__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
		race_learn(&a);
		rte_eal_wait_lcore(worker);
		fdb_get_stats(f, &st);
		if (a.full + b.full != 0 || st.entries != RACE_MACS)
			fail_msg("round %d: %d + %d refused as full, %u counted (of %d)", round,
				 a.full, b.full, (unsigned)st.entries, RACE_MACS);
		assert_int_equal(fdb_flush_all(f), RACE_MACS);
		fdb_get_stats(f, &st);
		assert_int_equal(st.entries, 0);
	}
	fdb_destroy(f);
}

static int setup(void **state)
{
	(void)state;
	return dp_test_eal_init_lcores("0-1") < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	dp_test_eal_fini();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_learn_lookup_move), cmocka_unit_test(test_age),
	    cmocka_unit_test(test_flush_port),	      cmocka_unit_test(test_full),
	    cmocka_unit_test(test_rcu_reuse),	      cmocka_unit_test(test_concurrent_learn),
	};
	return cmocka_run_group_tests_name("fdb", tests, setup, teardown);
}
