/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The vhost port against a real guest: DPDK's virtio-user driver in this
 * same process connects to the port's socket (the vhost library serves it
 * on its own thread, as in the switch). Socket path checks, frames both
 * ways, the port's rx fd readable when a parked port gets a frame and
 * quiet otherwise, disconnect and reconnect, a second guest refused, the
 * port destroyed with a guest connected, and every mbuf back in its pool.
 * The test thread plays the switch's worker.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_dev.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "dp_support.h"
#include "port.h"

#define GUEST_DEV "net_virtio_user0"
#define POOL_N	  2047

static const uint8_t MAC_G[6] = {0x02, 0x76, 0x75, 0, 0, 1};
static const uint8_t MAC_H[6] = {0x02, 0, 0, 0, 0, 2};

/* LeakSanitizer (ASan builds only): DPDK 22.11's virtio-user leaks its
 * interrupt handle when its probe fails, as test_one_guest_per_port makes
 * it fail on purpose. Not ours to fix; suppressed in this test only. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:rte_intr_instance_alloc\nleak:librte_net_virtio.so\n";
}

const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
	return "print_suppressions=0";
}

struct env {
	char dir[64], sock[128];
	struct rte_mempool *mp;	 /* the switch's */
	struct rte_mempool *gmp; /* the guest's */
	struct port *p;
	uint16_t gport; /* the guest's ethdev */
	int guest;	/* the guest is attached */
};

static struct port *vhost_port(struct env *e, const char *path)
{
	struct port_conf c = {.type = PORT_TYPE_VHOST, .pool = e->mp};

	snprintf(c.name, sizeof(c.name), "vm1");
	snprintf(c.path, sizeof(c.path), "%s", path);
	return port_create(&c);
}

/* Attach the guest: 0, or -errno if its driver could not connect. A port
 * takes one guest: right after a detach, the port may not have seen the
 * old connection close yet and refuses the new one; try again a while, as
 * QEMU's reconnect does. */
static int guest_attach(struct env *e)
{
	struct rte_eth_conf conf = {0};
	char args[200];
	int ret, tries = 0;

	snprintf(args, sizeof(args), "path=%s,mac=02:76:75:00:00:01,queues=1,queue_size=256",
		 e->sock);
	while ((ret = rte_eal_hotplug_add("vdev", GUEST_DEV, args)) < 0 && ++tries < 100)
		usleep(10000);
	if (ret < 0)
		return ret;
	assert_int_equal(rte_eth_dev_get_port_by_name(GUEST_DEV, &e->gport), 0);
	assert_int_equal(rte_eth_dev_configure(e->gport, 1, 1, &conf), 0);
	assert_int_equal(rte_eth_rx_queue_setup(e->gport, 0, 256, SOCKET_ID_ANY, NULL, e->gmp), 0);
	assert_int_equal(rte_eth_tx_queue_setup(e->gport, 0, 256, SOCKET_ID_ANY, NULL), 0);
	assert_int_equal(rte_eth_dev_start(e->gport), 0);
	e->guest = 1;
	return 0;
}

static void guest_detach(struct env *e)
{
	if (!e->guest)
		return;
	rte_eth_dev_stop(e->gport);
	rte_eth_dev_close(e->gport);
	rte_eal_hotplug_remove("vdev", GUEST_DEV);
	e->guest = 0;
}

static double now_s(void)
{
	return (double)rte_get_tsc_cycles() / (double)rte_get_tsc_hz();
}

/* The guest sends n frames; the port receives them (polled like a busy
 * worker for up to 2 s). Returns how many arrived intact. */
static unsigned guest_to_port(struct env *e, unsigned n, uint8_t fill)
{
	struct rte_mbuf *m[32], *got[32];
	unsigned seen = 0, i;
	double end = now_s() + 2;

	assert_true(n <= 32);
	for (i = 0; i < n; i++) {
		m[i] = dp_test_frame(e->gmp, MAC_G, MAC_H, 100, fill);
		assert_non_null(m[i]);
	}
	assert_int_equal(rte_eth_tx_burst(e->gport, 0, m, (uint16_t)n), n);
	while (seen < n && now_s() < end) {
		uint16_t k = e->p->ops->rx_burst(e->p, got, 32);

		for (uint16_t j = 0; j < k; j++) {
			const uint8_t *d = rte_pktmbuf_mtod(got[j], const uint8_t *);

			if (got[j]->pkt_len == 100 && memcmp(d, MAC_H, 6) == 0 && d[99] == fill)
				seen++;
		}
		rte_pktmbuf_free_bulk(got, k);
	}
	return seen;
}

/* The port sends n frames; the guest receives them. Returns how many. */
static unsigned port_to_guest(struct env *e, unsigned n)
{
	struct rte_mbuf *m[32], *got[32];
	unsigned seen = 0;
	double end = now_s() + 2;

	assert_true(n <= 32);
	for (unsigned i = 0; i < n; i++)
		m[i] = dp_test_frame(e->mp, MAC_H, MAC_G, 80, 0x5a);
	assert_int_equal(e->p->ops->tx_burst(e->p, m, (uint16_t)n), n);
	while (seen < n && now_s() < end) {
		uint16_t k = rte_eth_rx_burst(e->gport, 0, got, 32);

		for (uint16_t j = 0; j < k; j++)
			seen += got[j]->pkt_len == 80 &&
				memcmp(rte_pktmbuf_mtod(got[j], void *), MAC_G, 6) == 0;
		rte_pktmbuf_free_bulk(got, k);
	}
	return seen;
}

/* The device is ready on the port's side: a frame gets through. */
static void wait_ready(struct env *e)
{
	double end = now_s() + 5;

	while (now_s() < end) {
		if (guest_to_port(e, 1, 0x11) >= 1)
			return;
	}
	fail_msg("the guest never became ready on the port");
}

static int readable(int fd, int ms)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};

	return poll(&pfd, 1, ms) > 0;
}

static int env_setup(void **state)
{
	static struct env e;

	memset(&e, 0, sizeof(e));
	snprintf(e.dir, sizeof(e.dir), "/tmp/rlvh-XXXXXX");
	if (mkdtemp(e.dir) == NULL)
		return -1;
	snprintf(e.sock, sizeof(e.sock), "%s/vm1.sock", e.dir);
	e.mp = rte_mempool_lookup("t_vh");
	if (e.mp == NULL)
		e.mp = dp_test_pool("t_vh", POOL_N);
	e.gmp = rte_mempool_lookup("t_vh_guest");
	if (e.gmp == NULL)
		e.gmp = dp_test_pool("t_vh_guest", POOL_N);
	if (e.mp == NULL || e.gmp == NULL)
		return -1;
	*state = &e;
	return 0;
}

static int env_teardown(void **state)
{
	struct env *e = *state;

	guest_detach(e);
	port_destroy(e->p);
	/* every mbuf of the switch's pool is back */
	assert_int_equal(rte_mempool_avail_count(e->mp), POOL_N);
	rmdir(e->dir);
	return 0;
}

static void test_paths(void **state)
{
	struct env *e = *state;
	char why[200], path[300];
	struct port *q;

	assert_int_equal(port_vhost_path_check("vm.sock", why, sizeof(why)), -EINVAL);
	snprintf(path, sizeof(path), "%s/no/such.sock", e->dir);
	assert_int_equal(port_vhost_path_check(path, why, sizeof(why)), -ENOENT);
	memset(path, 'x', 200);
	path[0] = '/';
	path[200] = '\0';
	assert_int_equal(port_vhost_path_check(path, why, sizeof(why)), -ENAMETOOLONG);
	/* an existing file is refused, and left alone */
	snprintf(path, sizeof(path), "%s/plain", e->dir);
	fclose(fopen(path, "w"));
	assert_null(vhost_port(e, path));
	assert_int_equal(errno, EEXIST);
	assert_int_equal(access(path, F_OK), 0);
	unlink(path);
	/* the socket, once: a second port on it is refused */
	e->p = vhost_port(e, e->sock);
	assert_non_null(e->p);
	assert_int_equal(port_vhost_path_check(e->sock, why, sizeof(why)), -EEXIST);
	q = vhost_port(e, e->sock);
	assert_null(q);
	assert_int_equal(errno, EEXIST);
	port_destroy(e->p);
	e->p = NULL;
	assert_int_equal(access(e->sock, F_OK), -1); /* unlinked on close */
}

static void test_frames_and_parking(void **state)
{
	struct env *e = *state;
	struct rte_mbuf *m[4];
	int fd;

	e->p = vhost_port(e, e->sock);
	assert_non_null(e->p);
	fd = e->p->ops->rx_fd(e->p);
	assert_true(fd >= 0);
	/* no guest: frames sent are counted as such, nothing received */
	for (int i = 0; i < 4; i++)
		m[i] = dp_test_frame(e->mp, MAC_H, MAC_G, 60, 0);
	assert_int_equal(e->p->ops->tx_burst(e->p, m, 4), 4);
	assert_int_equal(e->p->stats.drops[PORT_DROP_TX_NOT_CONNECTED], 4);
	assert_int_equal(e->p->ops->rx_burst(e->p, m, 4), 0);

	assert_int_equal(guest_attach(e), 0);
	wait_ready(e);
	assert_int_equal(guest_to_port(e, 32, 0x22), 32);
	assert_int_equal(port_to_guest(e, 32), 32);
	assert_int_equal(e->p->stats.tx_packets, 32);

	/* idle: after enough empty polls the port is armed and its fd quiet */
	for (int i = 0; i < 2048; i++)
		assert_int_equal(e->p->ops->rx_burst(e->p, m, 4), 0);
	assert_false(readable(fd, 50));
	/* a frame from the guest wakes it: the fd is readable, the frame there */
	m[0] = dp_test_frame(e->gmp, MAC_G, MAC_H, 100, 0x33);
	assert_int_equal(rte_eth_tx_burst(e->gport, 0, m, 1), 1);
	assert_true(readable(fd, 1000));
	assert_int_equal(e->p->ops->rx_burst(e->p, m, 4), 1);
	rte_pktmbuf_free(m[0]);
	/* and again, after the next park */
	for (int i = 0; i < 2048; i++)
		assert_int_equal(e->p->ops->rx_burst(e->p, m, 4), 0);
	assert_false(readable(fd, 50));
	assert_int_equal(guest_to_port(e, 1, 0x44), 1);
}

static void test_reconnect(void **state)
{
	struct env *e = *state;
	struct rte_mbuf *m[2];
	uint64_t before;

	e->p = vhost_port(e, e->sock);
	assert_non_null(e->p);
	for (int round = 0; round < 3; round++) {
		assert_int_equal(guest_attach(e), 0);
		wait_ready(e);
		assert_int_equal(guest_to_port(e, 8, (uint8_t)round), 8);
		assert_int_equal(port_to_guest(e, 8), 8);
		guest_detach(e);
		/* gone: frames for it are counted, not sent */
		before = e->p->stats.drops[PORT_DROP_TX_NOT_CONNECTED];
		m[0] = dp_test_frame(e->mp, MAC_H, MAC_G, 60, 0);
		m[1] = dp_test_frame(e->mp, MAC_H, MAC_G, 60, 0);
		assert_int_equal(e->p->ops->tx_burst(e->p, m, 2), 2);
		assert_int_equal(e->p->stats.drops[PORT_DROP_TX_NOT_CONNECTED], before + 2);
	}
}

static void test_one_guest_per_port(void **state)
{
	struct env *e = *state;
	char args[200];

	e->p = vhost_port(e, e->sock);
	assert_non_null(e->p);
	assert_int_equal(guest_attach(e), 0);
	wait_ready(e);
	snprintf(args, sizeof(args), "path=%s,mac=02:76:75:00:00:02,queues=1", e->sock);
	assert_true(rte_eal_hotplug_add("vdev", "net_virtio_user1", args) < 0);
	assert_int_equal(guest_to_port(e, 4, 0x55), 4);
}

static void test_destroy_while_connected(void **state)
{
	struct env *e = *state;
	struct rte_eth_link link;
	double end;

	e->p = vhost_port(e, e->sock);
	assert_non_null(e->p);
	assert_int_equal(guest_attach(e), 0);
	wait_ready(e);
	assert_int_equal(guest_to_port(e, 4, 0x66), 4);
	port_destroy(e->p);
	e->p = NULL;
	assert_int_equal(access(e->sock, F_OK), -1);
	/* the guest sees its link go down */
	end = now_s() + 5;
	do {
		rte_eth_link_get_nowait(e->gport, &link);
	} while (link.link_status && now_s() < end && usleep(10000) == 0);
	assert_int_equal(link.link_status, 0);
}

static int group_setup(void **state)
{
	(void)state;
	/* the guest writes to a socket the port has closed: EPIPE, as in
	 * the switch, not death */
	signal(SIGPIPE, SIG_IGN);
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
	    cmocka_unit_test_setup_teardown(test_paths, env_setup, env_teardown),
	    cmocka_unit_test_setup_teardown(test_frames_and_parking, env_setup, env_teardown),
	    cmocka_unit_test_setup_teardown(test_reconnect, env_setup, env_teardown),
	    cmocka_unit_test_setup_teardown(test_one_guest_per_port, env_setup, env_teardown),
	    cmocka_unit_test_setup_teardown(test_destroy_while_connected, env_setup, env_teardown),
	};
	return cmocka_run_group_tests_name("vhost", tests, group_setup, group_teardown);
}
