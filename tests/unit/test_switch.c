/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The switch through in-memory ring ports: flooding, learning, unicast,
 * drop reasons, bridge isolation, port removal, parking and waking of idle
 * ports, and that every mbuf comes back to the pool.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <pthread.h>
#include <time.h>

#include <rte_lcore.h>

#include "dp_support.h"
#include "portlink.h"
#include "switch.h"
#include "worker.h"

static const uint8_t MAC1[6] = {0x02, 0, 0, 0, 0, 1};
static const uint8_t MAC2[6] = {0x02, 0, 0, 0, 0, 2};
static const uint8_t MAC3[6] = {0x02, 0, 0, 0, 0, 3};
static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t MCAST_SRC[6] = {0x01, 0, 0x5e, 0, 0, 1};
static const uint8_t LLDP[6] = {0x01, 0x80, 0xc2, 0, 0, 0x0e};
static const uint8_t STP[6] = {0x01, 0x80, 0xc2, 0, 0, 0};
static const uint8_t NOT_LL[6] = {0x01, 0x80, 0xc2, 0, 0, 0x10};

struct env {
	struct rte_mempool *mp;
	struct sw *sw;
	struct worker *w;
	struct port *p[4]; /* p[0..2] on bridge b1, p[3] on b2 */
};

static struct port *add_ring(struct env *e, const char *name, const char *bridge)
{
	struct port_conf c = {.type = PORT_TYPE_RING, .pool = e->mp, .ring_size = 256};
	int id;

	snprintf(c.name, sizeof(c.name), "%s", name);
	id = sw_port_add(e->sw, &c, bridge);
	assert_true(id >= 0);
	return e->sw->ports[id];
}

static int env_setup(void **state)
{
	static struct env e;

	memset(&e, 0, sizeof(e));
	e.mp = rte_mempool_lookup("t_sw");
	if (e.mp == NULL)
		e.mp = dp_test_pool("t_sw", 4095);
	if (e.mp == NULL)
		return -1;
	e.sw = sw_create(&(struct sw_conf){.n_workers = 1, .pool = e.mp});
	if (e.sw == NULL)
		return -1;
	e.w = e.sw->workers[0];
	e.p[0] = add_ring(&e, "sw:p1", "b1");
	e.p[1] = add_ring(&e, "sw:p2", "b1");
	e.p[2] = add_ring(&e, "sw:p3", "b1");
	e.p[3] = add_ring(&e, "sw:p4", "b2");
	*state = &e;
	return 0;
}

static int env_teardown(void **state)
{
	struct env *e = *state;

	sw_destroy(e->sw);
	/* every frame the test made went back to the pool */
	assert_int_equal(rte_mempool_in_use_count(e->mp), 0);
	return 0;
}

static void inject(struct env *e, struct port *p, const uint8_t *src, const uint8_t *dst,
		   uint16_t len)
{
	struct rte_mbuf *m = dp_test_frame(e->mp, src, dst, len, 0x5a);

	assert_non_null(m);
	assert_int_equal(port_ring_inject(p, &m, 1), 1);
}

/* Run the worker until idle; returns packets switched. */
static unsigned run(struct env *e)
{
	unsigned total = 0, n;

	do {
		worker_wake_ports(e->w, 0);
		n = worker_poll(e->w);
		total += n;
	} while (n > 0);
	return total;
}

/* Frames waiting on p; collected and freed. */
static unsigned collected(struct port *p, const uint8_t *want_dst)
{
	struct rte_mbuf *m[64];
	unsigned n = port_ring_collect(p, m, 64);

	for (unsigned i = 0; i < n; i++) {
		if (want_dst != NULL)
			assert_memory_equal(rte_pktmbuf_mtod(m[i], uint8_t *), want_dst, 6);
		rte_pktmbuf_free(m[i]);
	}
	return n;
}

static void test_flood_learn_unicast(void **state)
{
	struct env *e = *state;
	uint64_t drops[SW_DROP__COUNT];

	/* broadcast from p1 reaches p2 and p3, not p1, not the other bridge */
	inject(e, e->p[0], MAC1, BCAST, 60);
	assert_int_equal(run(e), 1);
	assert_int_equal(collected(e->p[0], NULL), 0);
	assert_int_equal(collected(e->p[1], BCAST), 1);
	assert_int_equal(collected(e->p[2], BCAST), 1);
	assert_int_equal(collected(e->p[3], NULL), 0);

	/* MAC1 was learned on p1: the reply goes to p1 only */
	inject(e, e->p[1], MAC2, MAC1, 60);
	run(e);
	assert_int_equal(collected(e->p[0], MAC1), 1);
	assert_int_equal(collected(e->p[2], NULL), 0);

	/* and both are known now: unicast p1 -> p2 only */
	inject(e, e->p[0], MAC1, MAC2, 1514);
	run(e);
	assert_int_equal(collected(e->p[1], MAC2), 1);
	assert_int_equal(collected(e->p[2], NULL), 0);

	/* unknown unicast floods */
	inject(e, e->p[0], MAC1, MAC3, 60);
	run(e);
	assert_int_equal(collected(e->p[1], MAC3), 1);
	assert_int_equal(collected(e->p[2], MAC3), 1);

	assert_int_equal(e->p[0]->stats.rx_packets, 3);
	assert_int_equal(e->p[0]->stats.tx_packets, 1);
	assert_int_equal(e->p[1]->stats.tx_packets, 3);
	assert_int_equal(e->p[1]->stats.tx_bytes, 60 + 1514 + 60);
	sw_drops(e->sw, drops);
	for (int d = 0; d < SW_DROP__COUNT; d++)
		assert_int_equal(drops[d], 0);
}

static void test_drop_reasons(void **state)
{
	struct env *e = *state;
	uint64_t drops[SW_DROP__COUNT];

	inject(e, e->p[0], MAC1, BCAST, 10);	 /* runt */
	inject(e, e->p[0], MCAST_SRC, MAC2, 60); /* multicast source */
	inject(e, e->p[0], MAC1, BCAST, 60);	 /* learn MAC1 on p1 */
	inject(e, e->p[1], MAC2, BCAST, 60);	 /* learn MAC2 on p2 */
	inject(e, e->p[0], MAC3, MAC1, 60);	 /* MAC1 is behind p1 itself */
	inject(e, e->p[3], MAC3, BCAST, 60);	 /* alone on b2 */
	inject(e, e->p[0], MAC1, LLDP, 60);	 /* a bridge's own group */
	inject(e, e->p[0], MAC1, STP, 60);
	run(e);
	collected(e->p[0], NULL);
	collected(e->p[1], NULL);
	collected(e->p[2], NULL);
	sw_drops(e->sw, drops);
	assert_int_equal(drops[SW_DROP_RUNT], 1);
	assert_int_equal(drops[SW_DROP_BAD_SRC], 1);
	assert_int_equal(drops[SW_DROP_SAME_PORT], 1);
	assert_int_equal(drops[SW_DROP_NO_DEST], 1);
	assert_int_equal(drops[SW_DROP_LINK_LOCAL], 2);
	/* every dropped frame was still received and counted */
	assert_int_equal(e->p[0]->stats.rx_packets, 6);
	/* a wire's port (link_local) carries them; 01:80:C2:00:00:10 is
	 * ordinary multicast anywhere */
	e->p[1]->conf.link_local = 1;
	inject(e, e->p[1], MAC2, LLDP, 60);
	inject(e, e->p[0], MAC1, NOT_LL, 60);
	run(e);
	assert_int_equal(collected(e->p[0], LLDP), 1);
	assert_int_equal(collected(e->p[1], NOT_LL), 1);
	collected(e->p[2], NULL);
	sw_drops(e->sw, drops);
	assert_int_equal(drops[SW_DROP_LINK_LOCAL], 2);
}

static void test_port_removal(void **state)
{
	struct env *e = *state;
	struct fdb_stats st;

	inject(e, e->p[1], MAC2, BCAST, 60);
	run(e);
	collected(e->p[0], NULL);
	collected(e->p[2], NULL);
	assert_int_equal(sw_port_del(e->sw, "sw:p2"), 0);
	assert_int_equal(sw_port_del(e->sw, "sw:p2"), -ENOENT);
	e->p[1] = NULL;
	fdb_get_stats(e->sw->fdb, &st);
	assert_int_equal(st.flushed, 1); /* MAC2 pointed at p2 */
	/* MAC2 is unknown again: a frame to it floods to p3 only */
	inject(e, e->p[0], MAC1, MAC2, 60);
	run(e);
	assert_int_equal(collected(e->p[2], MAC2), 1);
	/* a new port takes the free id, starting clean */
	e->p[1] = add_ring(e, "sw:p2b", "b1");
	assert_int_equal(e->p[1]->stats.rx_packets, 0);
	assert_int_equal(
	    sw_port_add(e->sw,
			&(struct port_conf){.name = "sw:p1", .type = PORT_TYPE_RING, .pool = e->mp},
			"b1"),
	    -EEXIST);
}

/* Bridge ids are never freed, so a switch that saw 4096 bridge names
 * (failed adds each made one) takes new names on bridges without ports,
 * never on one that has them. */
static void test_bridge_reuse(void **state)
{
	struct env *e = *state;
	struct port_conf bad = {.type = PORT_TYPE_RING, .pool = e->mp, .ring_size = 3};
	char br[32];

	snprintf(bad.name, sizeof(bad.name), "bad");
	for (int i = 0; i < SW_BRIDGE_MAX + 10; i++) {
		snprintf(br, sizeof(br), "fail%d", i);
		assert_int_equal(sw_port_add(e->sw, &bad, br), -EINVAL);
	}
	/* a valid port on a new bridge, and two more on others */
	add_ring(e, "new:p1", "new1");
	add_ring(e, "new:p2", "new2");
	add_ring(e, "new:p3", "new2");
	assert_int_equal(sw_port_find(e->sw, "new:p2")->bridge,
			 sw_port_find(e->sw, "new:p3")->bridge);
	assert_int_not_equal(sw_port_find(e->sw, "new:p1")->bridge,
			     sw_port_find(e->sw, "new:p2")->bridge);
	/* b1 and b2 kept theirs: still one bridge each, apart */
	assert_string_equal(sw_port_bridge(e->sw, e->p[0]), "b1");
	assert_string_equal(sw_port_bridge(e->sw, e->p[3]), "b2");
	assert_int_not_equal(sw_port_find(e->sw, "new:p1")->bridge, e->p[0]->bridge);
	assert_int_not_equal(sw_port_find(e->sw, "new:p1")->bridge, e->p[3]->bridge);
	inject(e, e->p[0], MAC1, BCAST, 60);
	run(e);
	assert_int_equal(collected(e->p[1], NULL), 1);
	assert_int_equal(collected(e->p[3], NULL), 0);
}

static void nap_ns(uint64_t ns)
{
	struct timespec ts = {(time_t)(ns / 1000000000), (long)(ns % 1000000000) + 100000};

	nanosleep(&ts, NULL);
}

static void test_park_and_wake(void **state)
{
	struct env *e = *state;

	inject(e, e->p[0], MAC1, BCAST, 60);
	run(e);
	collected(e->p[1], NULL);
	collected(e->p[2], NULL);
	assert_true(e->w->n_active >= 1);
	nap_ns(WORKER_IDLE_NS);
	for (int i = 0; i <= WORKER_IDLE_POLLS; i++)
		worker_poll(e->w);
	assert_int_equal(e->w->n_active, 0); /* every idle port is parked */
	assert_int_equal(worker_poll(e->w), 0);
	/* a parked port with traffic is woken by its fd, not by polling */
	inject(e, e->p[2], MAC3, BCAST, 60);
	assert_int_equal(worker_poll(e->w), 0);
	worker_wake_ports(e->w, 100);
	assert_int_equal(e->w->n_active, 1);
	assert_int_equal(worker_poll(e->w), 1);
	assert_int_equal(collected(e->p[0], BCAST), 1);
	assert_int_equal(collected(e->p[1], BCAST), 1);
}

static void test_tx_ring_full(void **state)
{
	struct env *e = *state;

	/* nobody collects on p2: its 256-slot ring fills and the rest is
	 * dropped and counted as tx_full, never leaked */
	for (int i = 0; i < 400; i++) {
		inject(e, e->p[0], MAC1, BCAST, 60);
		if (i % 100 == 99)
			run(e);
	}
	run(e);
	assert_int_equal(collected(e->p[2], NULL), 64);
	while (collected(e->p[2], NULL) > 0)
		;
	assert_int_equal(e->p[1]->stats.drops[PORT_DROP_TX_FULL], 400 - 256 + 1);
	while (collected(e->p[1], NULL) > 0)
		;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static struct linkparams lp(const char *kv)
{
	struct linkparams p = {0};
	char err[200], buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", kv);
	for (char *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
		assert_int_equal(linkparams_set_kv(&p, t, err, sizeof(err)), 0);
	return p;
}

/* A delayed link holds frames until their time, then the worker releases
 * them; a live change applies to the next frame. */
static void test_link_delay(void **state)
{
	struct env *e = *state;
	struct linkparams d20 = lp("delay=20ms"), none = {0};

	inject(e, e->p[0], MAC1, BCAST, 60);
	run(e);
	collected(e->p[1], NULL);
	collected(e->p[2], NULL);
	portlink_set(e->p[1]->link, PORTLINK_OUT, &d20); /* switch -> p2 */
	inject(e, e->p[0], MAC1, BCAST, 60);
	run(e);
	assert_int_equal(collected(e->p[2], BCAST), 1); /* p3: no delay */
	assert_int_equal(collected(e->p[1], NULL), 0);  /* p2: held */
	assert_true(e->w->n_delayed == 1);
	assert_true(e->w->next_due != UINT64_MAX);
	sleep_ms(25);
	run(e);
	assert_int_equal(collected(e->p[1], BCAST), 1);
	assert_int_equal(e->w->n_delayed, 0);
	/* live change back to a clean link: the next frame passes at once */
	portlink_set(e->p[1]->link, PORTLINK_OUT, &none);
	inject(e, e->p[0], MAC1, BCAST, 60);
	run(e);
	assert_int_equal(collected(e->p[1], BCAST), 1);
	assert_int_equal(collected(e->p[2], BCAST), 1);
	/* ingress delay: held before switching, so p3 waits too */
	portlink_set(e->p[0]->link, PORTLINK_IN, &d20);
	inject(e, e->p[0], MAC1, BCAST, 60);
	run(e);
	assert_int_equal(collected(e->p[2], NULL), 0);
	sleep_ms(25);
	run(e);
	assert_int_equal(collected(e->p[2], BCAST), 1);
	assert_int_equal(collected(e->p[1], BCAST), 1);
}

/* Duplicating and corrupting a flooded frame (shared by reference with
 * other ports) corrupts only a private copy; nothing leaks (teardown checks
 * the pool). */
static void test_link_dup_corrupt(void **state)
{
	struct env *e = *state;
	struct linkparams dc = lp("duplicate=100% corrupt=100%");
	struct rte_mbuf *m[8];
	unsigned n;

	portlink_set(e->p[1]->link, PORTLINK_OUT, &dc);
	inject(e, e->p[0], MAC1, BCAST, 200);
	run(e);
	n = port_ring_collect(e->p[1], m, 8);
	assert_int_equal(n, 2);
	/* p3 got the frame intact: every payload byte is still 0x5a */
	assert_int_equal(collected(e->p[2], BCAST), 1);
	for (unsigned i = 0; i < n; i++)
		rte_pktmbuf_free(m[i]);
}

/* Frames held by a link when its port is removed are freed with it. */
static void test_link_held_on_delete(void **state)
{
	struct env *e = *state;
	struct linkparams d = lp("delay=30ms");

	portlink_set(e->p[1]->link, PORTLINK_OUT, &d);
	for (int i = 0; i < 10; i++)
		inject(e, e->p[0], MAC1, BCAST, 60);
	run(e);
	collected(e->p[2], NULL);
	assert_int_equal(e->p[1]->link->d[PORTLINK_OUT].n, 10);
	assert_int_equal(sw_port_del(e->sw, "sw:p2"), 0);
	/* when the frames would have been due, the worker drops its stale
	 * entry without touching the freed port (ASan checks) */
	sleep_ms(35);
	run(e);
	assert_int_equal(e->w->n_delayed, 0);
}

/* Partition groups: a frame leaves only by ports of its ingress port's
 * group or of group 0. */
static void test_partition(void **state)
{
	struct env *e = *state;
	uint64_t drops[SW_DROP__COUNT];

	inject(e, e->p[1], MAC2, BCAST, 60); /* learn MAC2 on p2 */
	run(e);
	collected(e->p[0], NULL);
	collected(e->p[2], NULL);
	assert_int_equal(sw_port_set_group(e->sw, "sw:p1", 1), 0);
	assert_int_equal(sw_port_set_group(e->sw, "sw:p2", 2), 0);
	assert_int_equal(sw_port_set_group(e->sw, "nope", 2), -ENOENT);
	inject(e, e->p[0], MAC1, BCAST, 60); /* group 1: floods to p3 (group 0) only */
	inject(e, e->p[0], MAC1, MAC2, 60);  /* to group 2: dropped */
	run(e);
	assert_int_equal(collected(e->p[1], NULL), 0);
	assert_int_equal(collected(e->p[2], BCAST), 1);
	sw_drops(e->sw, drops);
	assert_int_equal(drops[SW_DROP_PARTITION], 1);
	/* heal */
	sw_port_set_group(e->sw, "sw:p1", 0);
	sw_port_set_group(e->sw, "sw:p2", 0);
	inject(e, e->p[0], MAC1, MAC2, 60);
	run(e);
	assert_int_equal(collected(e->p[1], MAC2), 1);
}

/* The park state machine, exactly: a port with traffic stays on the busy
 * list for as long as frames keep coming, even when they are further apart
 * than WORKER_IDLE_POLLS loops in total; it is parked after WORKER_IDLE_POLLS
 * empty polls in a row, not one earlier; ports that never had traffic are
 * never polled. No wake-ups are asked for here: a port parked by mistake
 * would stay parked and fail the test. */
static void test_busy_port_stays_active(void **state)
{
	struct env *e = *state;

	inject(e, e->p[0], MAC1, BCAST, 60);
	worker_wake_ports(e->w, 100);
	assert_int_equal(worker_poll(e->w), 1);
	for (int i = 1; i <= 4 * WORKER_IDLE_POLLS; i++) {
		if (i % (WORKER_IDLE_POLLS / 2) == 0)
			inject(e, e->p[0], MAC1, BCAST, 60);
		worker_poll(e->w);
		assert_true(e->p[0]->active);
	}
	assert_int_equal(e->w->n_active, 1); /* p2, p3 only sent to: parked */
	assert_int_equal(collected(e->p[1], BCAST), 9);
	assert_int_equal(collected(e->p[2], BCAST), 9);
	/* the last frame came 0 loops ago (4 * IDLE is a multiple of IDLE/2):
	 * however long ago in time, the port is not parked before
	 * WORKER_IDLE_POLLS empty polls */
	nap_ns(WORKER_IDLE_NS);
	for (int i = 1; i < WORKER_IDLE_POLLS; i++)
		worker_poll(e->w);
	assert_true(e->p[0]->active);
	worker_poll(e->w);
	assert_false(e->p[0]->active);
	assert_int_equal(e->w->n_active, 0);
	/* nor before its park window since its last frame, however many
	 * polls (the frame came soon after parking: the window grew past
	 * WORKER_IDLE_NS, test_park_window_adapts) */
	inject(e, e->p[0], MAC1, BCAST, 60);
	worker_wake_ports(e->w, 100);
	assert_int_equal(worker_poll(e->w), 1);
	for (int i = 0; i < 2 * WORKER_IDLE_POLLS; i++)
		worker_poll(e->w);
	if (worker_clock_ns(e->w) - e->p[0]->last_rx_ns < worker_park_ns(e->p[0]))
		assert_true(e->p[0]->active);
	nap_ns(worker_park_ns(e->p[0]));
	worker_poll(e->w);
	assert_false(e->p[0]->active);
	collected(e->p[1], NULL);
	collected(e->p[2], NULL);
	assert_int_equal(e->w->n_active, 0);
}

/* The park window's rule, exactly (worker_adapt_park): a frame that
 * reaches a parked port less than WORKER_IDLE_MAX_NS after the one before
 * grows the window to twice that gap, capped, and never shrinks it; a
 * longer gap halves it, down to WORKER_IDLE_NS. */
static void test_park_window_rule(void **state)
{
	struct port *p = ((struct env *)*state)->p[0];
	const uint64_t us = 1000;

	assert_int_equal(worker_park_ns(p), WORKER_IDLE_NS); /* a new port */
	worker_adapt_park(p, 100 * us);	/* twice is below the shortest */
	assert_int_equal(worker_park_ns(p), WORKER_IDLE_NS);
	worker_adapt_park(p, 600 * us);
	assert_int_equal(worker_park_ns(p), 1200 * us);
	worker_adapt_park(p, 550 * us);	/* a shorter gap does not shrink it */
	assert_int_equal(worker_park_ns(p), 1200 * us);
	worker_adapt_park(p, 1500 * us); /* capped */
	assert_int_equal(worker_park_ns(p), WORKER_IDLE_MAX_NS);
	worker_adapt_park(p, WORKER_IDLE_MAX_NS); /* not shorter than the max */
	assert_int_equal(worker_park_ns(p), WORKER_IDLE_MAX_NS / 2);
	for (int i = 0; i < 8; i++)
		worker_adapt_park(p, 100 * 1000 * us);
	assert_int_equal(worker_park_ns(p), WORKER_IDLE_NS);
}

/* The rule in the loop: the first frame on a parked port adapts its window
 * from the gap the worker measured; a port whose window grew stays on the
 * busy list for that long without frames, then parks. */
static void test_park_window_adapts(void **state)
{
	struct env *e = *state;
	struct port *p = e->p[0];
	uint64_t before, gap, want;

	inject(e, p, MAC1, BCAST, 60);
	worker_wake_ports(e->w, 100);
	assert_int_equal(worker_poll(e->w), 1);
	assert_false(p->parked); /* the first frame ever adapts nothing */
	assert_int_equal(worker_park_ns(p), WORKER_IDLE_NS);
	nap_ns(WORKER_IDLE_NS);
	for (int i = 0; i < WORKER_IDLE_POLLS; i++)
		worker_poll(e->w);
	assert_false(p->active);
	assert_true(p->parked);

	/* a frame soon after: woken, and the window follows the gap */
	before = p->last_rx_ns;
	inject(e, p, MAC1, BCAST, 60);
	worker_wake_ports(e->w, 100);
	assert_int_equal(worker_poll(e->w), 1);
	assert_false(p->parked);
	gap = p->last_rx_ns - before;
	if (gap < WORKER_IDLE_MAX_NS) {
		want = 2 * gap < WORKER_IDLE_MAX_NS ? 2 * gap : WORKER_IDLE_MAX_NS;
		want = want > WORKER_IDLE_NS ? want : WORKER_IDLE_NS;
	} else {
		want = WORKER_IDLE_NS; /* a very slow machine: halved from the shortest */
	}
	assert_int_equal(worker_park_ns(p), want);

	/* with a window past WORKER_IDLE_NS the port outlasts it, polled */
	nap_ns(WORKER_IDLE_NS);
	for (int i = 0; i < 2 * WORKER_IDLE_POLLS; i++)
		worker_poll(e->w);
	if (worker_clock_ns(e->w) - p->last_rx_ns < worker_park_ns(p))
		assert_true(p->active);
	/* and parks once its own window has passed */
	nap_ns(worker_park_ns(p));
	worker_poll(e->w);
	assert_false(p->active);
	collected(e->p[1], NULL);
	collected(e->p[2], NULL);
}

/* The FDB's rte_hash keeps per-lcore state: the worker thread needs an
 * lcore id, as the switch's EAL worker lcores have. */
static void *worker_thread(void *arg)
{
	if (rte_thread_register() < 0)
		return arg; /* the test sees a non-NULL result */
	worker_main(arg);
	rte_thread_unregister();
	return NULL;
}

static uint64_t counter(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

/* Up to 2 s for cond to hold. */
#define WAIT_FOR(cond)                                                                            \
	for (int wait_ms_ = 0; wait_ms_ < 2000 && !(cond); wait_ms_++)                          \
	sleep_ms(1)

/* The worker's own loop (worker_main on a thread): with nothing active it
 * sleeps in epoll_wait (no loop runs), a frame wakes it through its port's
 * fd, and with frames held by an emulated link it sleeps on its timer until
 * shortly before they are due instead of polling through the delay. */
static void test_worker_sleeps(void **state)
{
	struct env *e = *state;
	struct linkparams d200 = lp("delay=200ms");
	uint64_t idle_loops, idle_sleeps, loops, timer_wakeups;
	unsigned fast = 0, held_early, held = 0;
	uint32_t parked;
	struct timespec t0, t1;
	double held_ms;
	pthread_t th;
	void *ret;

	portlink_set(e->p[1]->link, PORTLINK_OUT, &d200); /* switch -> p2 */
	assert_int_equal(pthread_create(&th, NULL, worker_thread, e->w), 0);
	/* measured with the worker running, asserted once it has stopped: a
	 * failed assertion must not leave it running on a freed switch */
	sleep_ms(100);
	idle_loops = counter(&e->w->loops);
	idle_sleeps = counter(&e->w->sleeps);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	inject(e, e->p[0], MAC1, BCAST, 60);
	WAIT_FOR((fast = collected(e->p[2], BCAST)) > 0); /* p3: no delay */
	/* p1 parks after its idle polls; the frame for p2 is still held */
	WAIT_FOR(__atomic_load_n(&e->w->n_active, __ATOMIC_RELAXED) == 0);
	parked = __atomic_load_n(&e->w->n_active, __ATOMIC_RELAXED);
	loops = counter(&e->w->loops);
	timer_wakeups = counter(&e->w->timer_wakeups);
	held_early = collected(e->p[1], NULL);
	WAIT_FOR((held = collected(e->p[1], BCAST)) > 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	loops = counter(&e->w->loops) - loops;
	timer_wakeups = counter(&e->w->timer_wakeups) - timer_wakeups;
	worker_stop(e->w);
	assert_int_equal(pthread_join(th, &ret), 0);
	assert_null(ret);

	assert_int_equal(idle_loops, 0); /* asleep from the start */
	assert_int_equal(idle_sleeps, 1);
	assert_int_equal(fast, 1);
	assert_int_equal(parked, 0);
	assert_int_equal(held_early, 0);
	assert_int_equal(held, 1);
	held_ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	assert_true(held_ms >= 199.0);
	/* woken by the timer, then at most WORKER_SPIN_NS (0.1 ms) of polling:
	 * a few thousand loops, where polling through the 200 ms would be
	 * hundreds of thousands */
	assert_true(timer_wakeups >= 1);
	assert_true(loops < 20000);
}

static int group_setup(void **state)
{
	(void)state;
	return dp_test_eal_init() < 0 ? -1 : 0;
}

static int group_teardown(void **state)
{
	(void)state;
	dp_test_eal_fini();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_flood_learn_unicast, env_setup, env_teardown),
	    cmocka_unit_test_setup_teardown(test_drop_reasons, env_setup, env_teardown),
	    cmocka_unit_test_setup_teardown(test_port_removal, env_setup, env_teardown),
	    cmocka_unit_test_setup_teardown(test_bridge_reuse, env_setup, env_teardown),
	    cmocka_unit_test_setup_teardown(test_park_and_wake, env_setup, env_teardown),
	    cmocka_unit_test_setup_teardown(test_tx_ring_full, env_setup, env_teardown),
	    cmocka_unit_test_setup_teardown(test_link_delay, env_setup, env_teardown),
	    cmocka_unit_test_setup_teardown(test_link_dup_corrupt, env_setup, env_teardown),
	    cmocka_unit_test_setup_teardown(test_link_held_on_delete, env_setup, env_teardown),
	    cmocka_unit_test_setup_teardown(test_partition, env_setup, env_teardown),
	    cmocka_unit_test_setup_teardown(test_busy_port_stays_active, env_setup, env_teardown),
	    cmocka_unit_test_setup_teardown(test_park_window_rule, env_setup, env_teardown),
	    cmocka_unit_test_setup_teardown(test_park_window_adapts, env_setup, env_teardown),
	    cmocka_unit_test_setup_teardown(test_worker_sleeps, env_setup, env_teardown),
	};
	return cmocka_run_group_tests_name("switch", tests, group_setup, group_teardown);
}
