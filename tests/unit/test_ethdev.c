/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ethdev backend with real DPDK virtual devices: devargs that are
 * refused (and why), a net_ring loopback and a net_pcap replay and
 * recording through the switch, chained and shared mbufs on transmit, the
 * parking timer and its back-off, the end of a replay that stops costing
 * anything, DPDK's limit of 32 ports, and add/remove cycles that leak no
 * fd, mbuf or memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include <rte_ethdev.h>
#include <rte_malloc.h>

#include "dp_support.h"
#include "switch.h"
#include "worker.h"

static const uint8_t MAC1[6] = {0x02, 0, 0, 0, 0, 1};
static const uint8_t MAC2[6] = {0x02, 0, 0, 0, 0, 2};
static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static char tmpdir[32];
static struct rte_mempool *mp;

struct env {
	struct sw *sw;
	struct worker *w;
	struct port *r1, *r2; /* ring ports: the test's hosts */
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void tmp_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tmpdir, name);
}

static unsigned count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned n = 0;

	assert_non_null(d);
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

static struct port_conf ethdev_conf(const char *name, const char *devargs)
{
	struct port_conf c = {.type = PORT_TYPE_ETHDEV, .pool = mp};

	snprintf(c.name, sizeof(c.name), "%s", name);
	snprintf(c.devargs, sizeof(c.devargs), "%s", devargs);
	return c;
}

static struct port *add_port(struct env *e, const struct port_conf *c)
{
	int id = sw_port_add(e->sw, c, "b1");

	assert_true(id >= 0);
	return e->sw->ports[id];
}

static struct port *add_ethdev(struct env *e, const char *name, const char *devargs)
{
	struct port_conf c = ethdev_conf(name, devargs);

	return add_port(e, &c);
}

static int env_setup(void **state)
{
	static struct env e;
	struct port_conf r = {.type = PORT_TYPE_RING, .pool = mp, .ring_size = 1024};

	memset(&e, 0, sizeof(e));
	e.sw = sw_create(&(struct sw_conf){.n_workers = 1, .pool = mp});
	if (e.sw == NULL)
		return -1;
	e.w = e.sw->workers[0];
	snprintf(r.name, sizeof(r.name), "sw:r1");
	e.r1 = e.sw->ports[sw_port_add(e.sw, &r, "b1")];
	snprintf(r.name, sizeof(r.name), "sw:r2");
	e.r2 = e.sw->ports[sw_port_add(e.sw, &r, "b1")];
	*state = &e;
	return 0;
}

static int env_teardown(void **state)
{
	struct env *e = *state;

	sw_destroy(e->sw);
	assert_int_equal(rte_eth_dev_count_total(), 0); /* every device detached */
	assert_int_equal(rte_mempool_in_use_count(mp), 0);
	return 0;
}

/* Run the worker as worker_main would (waking parked ports on their fds)
 * until done(arg) or timeout_ms. */
static int run_until(struct env *e, int (*done)(struct env *, void *), void *arg,
		     unsigned timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;

	while (!done(e, arg)) {
		if (now_ms() > end)
			return 0;
		worker_wake_ports(e->w, e->w->n_active ? 0 : 1);
		worker_poll(e->w);
	}
	return 1;
}

struct want {
	struct port *p;
	unsigned n;
	struct rte_mbuf *got[256];
	unsigned have;
};

static int collected(struct env *e, void *arg)
{
	struct want *w = arg;

	(void)e;
	w->have += port_ring_collect(w->p, w->got + w->have, RTE_DIM(w->got) - w->have);
	return w->have >= w->n;
}

static void want_free(struct want *w)
{
	rte_pktmbuf_free_bulk(w->got, w->have);
	w->have = 0;
}

/* Frames waiting on ring port p, freed; how many. */
static unsigned drain(struct port *p)
{
	struct rte_mbuf *m[64];
	unsigned n, total = 0;

	while ((n = port_ring_collect(p, m, RTE_DIM(m))) > 0) {
		rte_pktmbuf_free_bulk(m, n);
		total += n;
	}
	return total;
}

static int never(struct env *e, void *arg)
{
	(void)e;
	(void)arg;
	return 0;
}

/* ---- refusals ---------------------------------------------------------- */

static void expect_refused(const char *devargs, int err, const char *says)
{
	struct port_conf c = ethdev_conf("x", devargs);
	char why[300] = "";
	int ret = port_ethdev_check(devargs, why, sizeof(why));

	if (ret != -err || strstr(why, says) == NULL)
		fail_msg("'%s': got %d '%s', want %d '...%s...'", devargs, ret, why, -err, says);
	if (strlen(devargs) >= sizeof(c.devargs))
		return; /* a port_conf cannot even hold it */
	errno = 0;
	assert_null(port_create(&c));
	assert_int_equal(errno, err);
	assert_int_equal(rte_eth_dev_count_total(), 0); /* nothing half-made */
}

static void test_refusals(void **state)
{
	char text[128], arg[300], dir[128], longargs[400];
	FILE *f;

	(void)state;
	tmp_path(text, sizeof(text), "notes.txt");
	f = fopen(text, "w");
	assert_non_null(f);
	fputs("not a capture\n", f);
	fclose(f);
	expect_refused("", EINVAL, "empty");
	expect_refused("eth0", EPERM, "never attached");
	expect_refused("0000:00:03.0", EPERM, "not a virtual network device");
	expect_refused("net-pcap0", EPERM, "not a virtual network device");
	expect_refused("net_pcap0,iface=eth0", EPERM, "eth0");
	expect_refused("net_pcap0,rx_iface=lo", EPERM, "not a veth or tap");
	expect_refused("net_af_packet0,iface=lo", EPERM, "not a veth or tap");
	expect_refused("net_tap0,remote=eth0", EPERM, "eth0");
	expect_refused("net_ring0,internal=0x1234", EPERM, "internal");
	expect_refused("net_bonding0,slave=0000:00:03.0", EPERM, "takes over other devices");
	expect_refused("net_failsafe0,dev(0000:00:03.0)", EPERM, "takes over other devices");
	expect_refused("net_nosuch0", ENODEV, "no DPDK driver");
	/* what the PMDs only fail on ("Invalid argument", "No such file...") */
	expect_refused("net_pcap0,bogus=1", EINVAL, "'bogus' is not an argument of net_pcap");
	expect_refused("net_memif0,sock=/tmp/m.sock", EINVAL, "it takes id, role");
	expect_refused("net_pcap0", EINVAL, "needs a file or an interface");
	expect_refused("net_pcap0,iface=ETH0", ENODEV, "iface=ETH0: no such interface");
	expect_refused("net_af_packet0,iface=nosuch0", ENODEV, "no such interface");
	expect_refused("net_ring0,nodeaction=r0", EINVAL, "NAME:NUMA_NODE:CREATE");
	expect_refused("net_ring0,nodeaction=r0:0:MAKE", EINVAL, "NAME:NUMA_NODE:CREATE");
	expect_refused("net_pcap0,rx_pcap=/nonexistent/in.pcap", ENOENT, "cannot read");
	tmp_path(dir, sizeof(dir), "");
	snprintf(arg, sizeof(arg), "net_pcap0,rx_pcap=%s", dir);
	expect_refused(arg, EINVAL, "is not a file");
	expect_refused("net_pcap0,tx_pcap=/dev/null", EINVAL, "is not a file");
	expect_refused("net_pcap0,tx_pcap=/tmp/a.pcap,tx_pcap=/tmp/b.pcap", EINVAL, "given twice");
	snprintf(arg, sizeof(arg), "net_pcap0,tx_pcap=%s", text);
	expect_refused(arg, EEXIST, "not overwritten");
	snprintf(arg, sizeof(arg), "net_memif0,role=server,socket=%s,socket-abstract=no", text);
	expect_refused(arg, EEXIST, "not a socket");
	expect_refused("net_memif0,role=server,socket=/tmp/x.sock", EINVAL, "socket-abstract=no");
	/* a client connects to its peer's socket: DPDK said "Operation not permitted" */
	tmp_path(dir, sizeof(dir), "no-server.sock");
	snprintf(arg, sizeof(arg), "net_memif0,role=client,socket=%s,socket-abstract=no", dir);
	expect_refused(arg, ENOENT, "memif server's socket");
	memset(longargs, 'a', sizeof(longargs) - 1);
	longargs[sizeof(longargs) - 1] = '\0';
	memcpy(longargs, "net_ring0,", 10);
	expect_refused(longargs, EINVAL, "longer than");
	/* the capture that was refused was left alone */
	f = fopen(text, "r");
	assert_non_null(f);
	assert_non_null(fgets(arg, sizeof(arg), f));
	fclose(f);
	assert_string_equal(arg, "not a capture\n");
	unlink(text);
}

/* A device the PMD refuses after the checks: nothing stays attached. */
static void test_probe_failure(void **state)
{
	struct port_conf c = ethdev_conf("x", "net_ring0,nodeaction=none:0:ATTACH");

	(void)state;
	assert_null(port_create(&c));
	assert_int_equal(rte_eth_dev_count_total(), 0);
	/* and the name is free again */
	c = ethdev_conf("x", "net_ring0");
	port_destroy(port_create(&c));
	assert_int_equal(rte_eth_dev_count_total(), 0);
}

/* ---- a loopback through the switch ------------------------------------- */

static void inject(struct port *p, struct rte_mbuf *m)
{
	assert_non_null(m);
	assert_int_equal(port_ring_inject(p, &m, 1), 1);
}

/* A frame of len bytes: 100 in the first segment, the rest (0x22) in
 * segments of up to 1500. */
static struct rte_mbuf *chained_frame(const uint8_t *src, const uint8_t *dst, uint16_t len)
{
	struct rte_mbuf *a = dp_test_frame(mp, src, dst, 100, 0x11);

	assert_non_null(a);
	for (uint16_t left = (uint16_t)(len - 100), n; left > 0; left = (uint16_t)(left - n)) {
		struct rte_mbuf *b = rte_pktmbuf_alloc(mp);

		n = left > 1500 ? 1500 : left;
		assert_non_null(b);
		memset(rte_pktmbuf_append(b, n), 0x22, n);
		assert_int_equal(rte_pktmbuf_chain(a, b), 0);
	}
	return a;
}

static void check_chained_bytes(struct rte_mbuf *m, uint16_t len)
{
	uint8_t buf[2048];
	const uint8_t *d = rte_pktmbuf_read(m, 0, len, buf);

	assert_int_equal(m->pkt_len, len);
	assert_non_null(d);
	assert_memory_equal(d, BCAST, 6);
	assert_int_equal(d[99], 0x11);
	assert_int_equal(d[100], 0x22);
	assert_int_equal(d[len - 1], 0x22);
}

/* net_ring: what the switch sends comes back. A broadcast from r1 goes to
 * r2 and the loopback (shared: the backend sends a private copy); the copy
 * comes back and is flooded to r1 and r2. */
static void test_ring_loopback(void **state)
{
	struct env *e = *state;
	struct port *lo = add_ethdev(e, "sw:lo", "net_ring_ut0");
	struct want w1 = {.p = e->r1, .n = 1}, w2 = {.p = e->r2, .n = 2};

	inject(e->r1, dp_test_frame(mp, MAC1, BCAST, 200, 0x5a));
	assert_true(run_until(e, collected, &w1, 2000));
	assert_true(run_until(e, collected, &w2, 2000));
	for (unsigned i = 0; i < w2.have; i++) {
		assert_int_equal(w2.got[i]->pkt_len, 200);
		assert_memory_equal(rte_pktmbuf_mtod(w2.got[i], uint8_t *) + 6, MAC1, 6);
	}
	assert_true(w2.got[0] != w2.got[1]);
	want_free(&w1);
	want_free(&w2);
	assert_int_equal(lo->stats.tx_packets, 1);
	assert_int_equal(lo->stats.tx_bytes, 200);
	assert_int_equal(lo->stats.rx_packets, 1);

	/* a chained frame crosses the loopback whole, also when it is shared
	 * (the backend sends a copy and releases its reference); driven
	 * through the port's ops, as the worker would */
	{
		struct rte_mbuf *m = chained_frame(MAC2, BCAST, 1400), *back[2];

		rte_pktmbuf_refcnt_update(m, 1); /* a flood holds one more */
		assert_int_equal(lo->ops->tx_burst(lo, &m, 1), 1);
		assert_int_equal(rte_mbuf_refcnt_read(m), 1);
		assert_int_equal(lo->ops->rx_burst(lo, back, 2), 1);
		assert_true(back[0] != m);
		check_chained_bytes(back[0], 1400);
		rte_pktmbuf_free(back[0]);
		check_chained_bytes(m, 1400); /* the sharer's frame is untouched */
		/* not shared: passed on as it is */
		assert_int_equal(lo->ops->tx_burst(lo, &m, 1), 1);
		assert_int_equal(lo->ops->rx_burst(lo, back, 2), 1);
		assert_true(back[0] == m);
		rte_pktmbuf_free(back[0]);
	}
	assert_int_equal(lo->stats.tx_packets, 3);
	for (int d = 0; d < PORT_DROP__COUNT; d++)
		assert_int_equal(lo->stats.drops[d], 0);

	/* frames still in the loopback when it is removed go back to the pool
	 * (teardown checks): send one and remove the port before it returns */
	inject(e->r1, dp_test_frame(mp, MAC1, BCAST, 60, 0));
	worker_wake_ports(e->w, 0);
	worker_poll(e->w);
	assert_int_equal(sw_port_del(e->sw, "sw:lo"), 0);
	w2.n = 1;
	assert_true(run_until(e, collected, &w2, 1000));
	want_free(&w2);
}

/* net_null takes no chains: a chained frame is sent as one segment, one
 * too big for a segment is dropped and counted. */
static void test_linearize(void **state)
{
	struct port_conf c = ethdev_conf("null", "net_null_ut0");
	struct port *p = port_create(&c);
	struct rte_mbuf *m[3];

	(void)state;
	assert_non_null(p);
	m[0] = chained_frame(MAC1, BCAST, 1400);
	m[1] = chained_frame(MAC1, BCAST, 1400);
	rte_pktmbuf_refcnt_update(m[1], 1); /* shared: left intact */
	m[2] = chained_frame(MAC1, BCAST, 100 + 2100);
	assert_int_equal(p->ops->tx_burst(p, m, 3), 3);
	assert_int_equal(p->stats.tx_packets, 2);
	assert_int_equal(p->stats.tx_bytes, 2800);
	assert_int_equal(p->stats.drops[PORT_DROP_TX_TOOBIG], 1);
	check_chained_bytes(m[1], 1400);
	rte_pktmbuf_free(m[1]);
	port_destroy(p);
	assert_int_equal(rte_mempool_in_use_count(mp), 0);
}

/* ---- pcap replay and recording ----------------------------------------- */

#define REPLAY_N 300

static void write_capture(const char *path, unsigned n)
{
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *d;
	uint8_t frame[128];

	assert_non_null(dead);
	d = pcap_dump_open(dead, path);
	assert_non_null(d);
	for (unsigned i = 0; i < n; i++) {
		struct pcap_pkthdr h = {.caplen = sizeof(frame), .len = sizeof(frame)};

		memset(frame, 0, sizeof(frame));
		memcpy(frame, MAC1, 6);
		memcpy(frame + 6, MAC2, 6);
		frame[12] = 0x88;
		frame[13] = 0xb5; /* local experimental ethertype */
		frame[14] = (uint8_t)(i >> 8);
		frame[15] = (uint8_t)i;
		pcap_dump((u_char *)d, &h, frame);
	}
	pcap_dump_close(d);
	pcap_close(dead);
}

/* Frames in a capture file; their lengths summed in *bytes. */
static unsigned read_capture(const char *path, unsigned *bytes, unsigned *chained_ok)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path, err);
	struct pcap_pkthdr *h;
	const u_char *data;
	unsigned n = 0;

	if (p == NULL)
		fail_msg("%s: %s", path, err);
	*bytes = 0;
	while (pcap_next_ex(p, &h, &data) == 1) {
		n++;
		*bytes += h->caplen;
		if (h->caplen == 1400 && data[99] == 0x11 && data[100] == 0x22 &&
		    data[1399] == 0x22)
			(*chained_ok)++;
	}
	pcap_close(p);
	return n;
}

struct replay_done {
	struct port *pc;
};

static int replay_exhausted(struct env *e, void *arg)
{
	struct replay_done *r = arg;
	struct pollfd pfd = {.fd = r->pc->ops->rx_fd(r->pc), .events = POLLIN};

	/* parked, and its fd will never wake it again */
	return e->w->n_active == 0 && poll(&pfd, 1, 30) == 0;
}

static void test_pcap_replay_record(void **state)
{
	struct env *e = *state;
	char in[128], out[128], devargs[300];
	struct want w2 = {.p = e->r2, .n = REPLAY_N};
	struct replay_done r;
	struct port *pc;
	unsigned seen[REPLAY_N] = {0}, got = 0, bytes = 0, chained_ok = 0;

	tmp_path(in, sizeof(in), "in.pcap");
	tmp_path(out, sizeof(out), "out.pcap");
	write_capture(in, REPLAY_N);
	snprintf(devargs, sizeof(devargs), "net_pcap_ut0,rx_pcap=%s,tx_pcap=%s", in, out);
	pc = add_ethdev(e, "sw:pcap", devargs);
	r.pc = pc;

	/* every frame of the file reaches the hosts, once, in order */
	while (got < REPLAY_N) {
		w2.n = 1;
		w2.have = 0;
		assert_true(run_until(e, collected, &w2, 3000));
		for (unsigned i = 0; i < w2.have; i++) {
			const uint8_t *d = rte_pktmbuf_mtod(w2.got[i], const uint8_t *);
			unsigned seq = (unsigned)d[14] << 8 | d[15];

			assert_int_equal(w2.got[i]->pkt_len, 128);
			assert_memory_equal(d, MAC1, 6);
			assert_true(seq < REPLAY_N);
			assert_int_equal(seq, got + i);
			seen[seq]++;
		}
		got += w2.have;
		want_free(&w2);
	}
	for (unsigned i = 0; i < REPLAY_N; i++)
		assert_int_equal(seen[i], 1);
	assert_int_equal(pc->stats.rx_packets, REPLAY_N);

	/* the replay is over: the port parks for good and the worker sleeps */
	assert_true(run_until(e, replay_exhausted, &r, 3000));
	worker_wake_ports(e->w, 50); /* nothing wakes it */
	assert_int_equal(e->w->n_active, 0);
	assert_int_equal(drain(e->r1), REPLAY_N); /* r1 had the flooded replay too */

	/* what the switch sends to the port is recorded: a flooded frame, and
	 * a chained one (through the port's ops, as the worker would) */
	inject(e->r1, dp_test_frame(mp, MAC2, BCAST, 60, 0x33));
	w2.n = 1;
	assert_true(run_until(e, collected, &w2, 2000));
	want_free(&w2);
	run_until(e, never, NULL, 20);
	{
		struct rte_mbuf *m = chained_frame(MAC2, BCAST, 1400);

		assert_int_equal(pc->ops->tx_burst(pc, &m, 1), 1);
	}
	assert_int_equal(pc->stats.tx_packets, 2);
	assert_int_equal(pc->stats.tx_bytes, 60 + 1400);
	/* removing the port closes the file */
	assert_int_equal(sw_port_del(e->sw, "sw:pcap"), 0);
	assert_int_equal(read_capture(out, &bytes, &chained_ok), 2);
	assert_int_equal(bytes, 60 + 1400);
	assert_int_equal(chained_ok, 1);
	unlink(in);
	unlink(out);
}

/* A capture of one frame of link type dlt. */
static void write_capture_dlt(const char *path, int dlt)
{
	pcap_t *dead = pcap_open_dead(dlt, 65535);
	struct pcap_pkthdr h = {.caplen = 40, .len = 40};
	uint8_t frame[40] = {0x45};
	pcap_dumper_t *d;

	assert_non_null(dead);
	d = pcap_dump_open(dead, path);
	assert_non_null(d);
	pcap_dump((u_char *)d, &h, frame);
	pcap_dump_close(d);
	pcap_close(dead);
}

/* Is the check of devargs refused with err and a reason saying says? */
static void expect_devargs(const char *devargs, int err, const char *says)
{
	char why[300] = "";
	int ret = port_ethdev_check(devargs, why, sizeof(why));

	if (ret != -err || strstr(why, says) == NULL)
		fail_msg("'%s': got %d '%s', want %d '...%s...'", devargs, ret, why, -err, says);
}

/* net_pcap's files: a replay of something else than Ethernet, a recording
 * over the capture being replayed (in one port or two), and a file another
 * port or lab records (a flock held elsewhere) are refused, and the
 * recording a refused port would have made is not left behind. */
static void test_pcap_files(void **state)
{
	struct env *e = *state;
	char in[128], out[128], sll[128], raw[128], txt[128], a[400];
	struct port_conf c;
	int fd;

	tmp_path(in, sizeof(in), "f-in.pcap");
	tmp_path(out, sizeof(out), "f-out.pcap");
	tmp_path(sll, sizeof(sll), "f-sll.pcap");
	tmp_path(raw, sizeof(raw), "f-raw.pcap");
	tmp_path(txt, sizeof(txt), "f-notes.txt");
	write_capture(in, 4);
	write_capture_dlt(sll, DLT_LINUX_SLL);
	write_capture_dlt(raw, DLT_RAW);
	fd = open(txt, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "not a capture\n", 14), 14);
	close(fd);
	snprintf(a, sizeof(a), "net_pcap_f0,rx_pcap=%s", sll);
	expect_devargs(a, EINVAL, "not Ethernet");
	snprintf(a, sizeof(a), "net_pcap_f0,rx_pcap=%s", raw);
	expect_devargs(a, EINVAL, "not Ethernet");
	snprintf(a, sizeof(a), "net_pcap_f0,rx_pcap=%s", txt);
	expect_devargs(a, EINVAL, "is not a capture");
	snprintf(a, sizeof(a), "net_pcap_f0,tx_pcap=%s/nodir/out.pcap", tmpdir);
	expect_devargs(a, ENOENT, "directory does not exist");
	/* the same file by two names */
	snprintf(a, sizeof(a), "net_pcap_f0,rx_pcap=%s,tx_pcap=%s/./f-in.pcap", in, tmpdir);
	expect_devargs(a, EINVAL, "same file");

	/* a replay holds its capture: no port records over it */
	snprintf(a, sizeof(a), "net_pcap_f1,rx_pcap=%s", in);
	add_ethdev(e, "sw:in", a);
	snprintf(a, sizeof(a), "net_pcap_f2,tx_pcap=%s", in);
	expect_devargs(a, EBUSY, "being replayed");
	assert_int_equal(sw_port_del(e->sw, "sw:in"), 0);
	expect_devargs(a, 0, ""); /* free again */

	/* a recording holds its file: no second recording, no replay */
	snprintf(a, sizeof(a), "net_pcap_f3,tx_pcap=%s", out);
	add_ethdev(e, "sw:out", a);
	snprintf(a, sizeof(a), "net_pcap_f4,tx_pcap=%s", out);
	expect_devargs(a, EBUSY, "being recorded");
	snprintf(a, sizeof(a), "net_pcap_f4,rx_pcap=%s", out);
	expect_devargs(a, EBUSY, "being recorded");
	assert_int_equal(sw_port_del(e->sw, "sw:out"), 0);

	/* another lab's switch records it: its lock is all there is to see,
	 * and a port that gets past the check (a race) still fails to open */
	unlink(out);
	fd = open(out, O_RDONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	snprintf(a, sizeof(a), "net_pcap_f5,tx_pcap=%s", out);
	expect_devargs(a, EBUSY, "being recorded");
	c = ethdev_conf("x", a);
	errno = 0;
	assert_null(port_create(&c));
	assert_int_equal(errno, EBUSY);
	assert_int_equal(rte_eth_dev_count_total(), 0);
	close(fd);
	/* a refused recording is not left behind when the port made it */
	unlink(out);
	snprintf(a, sizeof(a), "net_pcap_f6,tx_pcap=%s,bogus=1", out);
	c = ethdev_conf("x", a);
	assert_null(port_create(&c));
	assert_int_equal(access(out, F_OK), -1);
	unlink(in);
	unlink(sll);
	unlink(raw);
	unlink(txt);
}

/* ---- the parking timer ------------------------------------------------- */

/* Milliseconds until p's rx fd is readable (up to limit). */
static long ms_until_readable(struct port *p, int limit)
{
	struct pollfd pfd = {.fd = p->ops->rx_fd(p), .events = POLLIN};
	uint64_t t0 = now_ms();

	if (poll(&pfd, 1, limit) <= 0)
		return -1;
	return (long)(now_ms() - t0);
}

/* What the worker does with a woken port: poll it until it parks. */
static unsigned poll_like_worker(struct port *p, struct rte_mbuf **pkts, unsigned max)
{
	unsigned got = 0;

	for (int i = 0; i < WORKER_IDLE_POLLS; i++)
		got += p->ops->rx_burst(p, pkts + got, (uint16_t)(max - got));
	return got;
}

static void test_timer_backoff(void **state)
{
	struct port_conf c = ethdev_conf("lo", "net_ring_ut1");
	struct port *p = port_create(&c);
	struct rte_mbuf *pkts[8], *m;
	long gap, longest = 0;

	(void)state;
	assert_non_null(p);
	/* armed at once: a new port is polled at once */
	assert_true(ms_until_readable(p, 100) >= 0);
	assert_int_equal(poll_like_worker(p, pkts, 8), 0);
	/* idle: the wake-ups come further and further apart, up to a cap */
	for (int i = 0; i < 8; i++) {
		gap = ms_until_readable(p, 200);
		assert_true(gap >= 0);
		assert_true(gap <= 100);
		assert_int_equal(poll_like_worker(p, pkts, 8), 0);
		if (gap > longest)
			longest = gap;
	}
	assert_true(longest >= 8);
	/* traffic brings the interval back to 1 ms */
	m = dp_test_frame(mp, MAC1, BCAST, 60, 0);
	assert_int_equal(p->ops->tx_burst(p, &m, 1), 1);
	assert_int_equal(poll_like_worker(p, pkts, 8), 1);
	rte_pktmbuf_free(pkts[0]);
	gap = ms_until_readable(p, 200);
	assert_true(gap >= 0 && gap <= 15);
	port_destroy(p);
}

/* A replay that meets an empty mempool waits for mbufs (net_pcap would
 * lose every frame it reads without one), goes on when they are back, and
 * only then parks for good. */
static void test_pcap_nombuf(void **state)
{
	char in[128], devargs[300];
	struct rte_mbuf *held[4096], *pkts[16];
	struct port_conf c;
	struct port *p;
	unsigned n = 0, got;

	(void)state;
	tmp_path(in, sizeof(in), "nb.pcap");
	write_capture(in, 10);
	snprintf(devargs, sizeof(devargs), "net_pcap_nb,rx_pcap=%s", in);
	c = ethdev_conf("nb", devargs);
	p = port_create(&c);
	assert_non_null(p);
	while (n < RTE_DIM(held) && (held[n] = rte_pktmbuf_alloc(mp)) != NULL)
		n++;
	for (int i = 0; i < 3; i++) {
		assert_true(ms_until_readable(p, 100) >= 0);
		assert_int_equal(poll_like_worker(p, pkts, 16), 0);
	}
	rte_pktmbuf_free_bulk(held, n);
	/* not taken for the end of the file: polled again, all of it comes */
	assert_true(ms_until_readable(p, 100) >= 0);
	got = poll_like_worker(p, pkts, 16);
	assert_int_equal(got, 10);
	rte_pktmbuf_free_bulk(pkts, got);
	p->ops->sync_stats(p);
	assert_int_equal(p->stats.drops[PORT_DROP_RX_NOMBUF], 0);
	/* now the file is over: one more look, then never again */
	if (ms_until_readable(p, 100) >= 0)
		assert_int_equal(poll_like_worker(p, pkts, 16), 0);
	assert_int_equal(ms_until_readable(p, 100), -1);
	port_destroy(p);
	unlink(in);
}

/* ---- limits and cycles ------------------------------------------------- */

static void test_port_limit(void **state)
{
	struct env *e = *state;
	struct port_conf confs[RTE_MAX_ETHPORTS];
	const char *bridges[RTE_MAX_ETHPORTS];
	unsigned failed = 0;
	char devargs[64], why[300];
	struct port_conf c;

	char bnames[RTE_MAX_ETHPORTS][16];

	/* all of DPDK's ports in one batch, opened in parallel; each loopback
	 * on a bridge of its own (two would flood each other's frames back
	 * and forth for ever) */
	for (unsigned i = 0; i < RTE_MAX_ETHPORTS; i++) {
		char name[32];

		snprintf(name, sizeof(name), "sw:e%u", i);
		snprintf(devargs, sizeof(devargs), "net_ring_lim%u", i);
		snprintf(bnames[i], sizeof(bnames[i]), "l%u", i);
		confs[i] = ethdev_conf(name, devargs);
		bridges[i] = bnames[i];
	}
	assert_int_equal(sw_ports_add(e->sw, confs, bridges, RTE_MAX_ETHPORTS, &failed), 0);
	assert_int_equal(rte_eth_dev_count_total(), RTE_MAX_ETHPORTS);
	assert_int_equal(port_ethdev_check("net_ring_lim99", why, sizeof(why)), -ENOSPC);
	assert_non_null(strstr(why, "32"));
	c = ethdev_conf("sw:one-too-many", "net_ring_lim99");
	assert_int_equal(sw_port_add(e->sw, &c, "b1"), -ENOSPC);
	/* the same device twice */
	assert_int_equal(port_ethdev_check("net_ring_lim3", why, sizeof(why)), -EEXIST);
	/* every one of them works */
	for (unsigned i = 0; i < RTE_MAX_ETHPORTS; i++) {
		struct port *p = sw_port_find(e->sw, confs[i].name);
		struct rte_mbuf *m = dp_test_frame(mp, MAC1, BCAST, 60, (uint8_t)i), *back = NULL;

		assert_non_null(p);
		assert_int_equal(p->ops->tx_burst(p, &m, 1), 1);
		assert_int_equal(p->ops->rx_burst(p, &back, 1), 1);
		assert_int_equal(rte_pktmbuf_mtod(back, uint8_t *)[59], i);
		rte_pktmbuf_free(back);
	}
	/* teardown removes them all at once (in parallel) */
}

static long rss_kb(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	assert_non_null(f);
	assert_int_equal(fscanf(f, "%ld %ld", &pages, &rss), 2);
	fclose(f);
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

static size_t heap_bytes(void)
{
	struct rte_malloc_socket_stats st;
	size_t total = 0;

	for (int s = 0; s < RTE_MAX_NUMA_NODES; s++) {
		if (rte_malloc_get_socket_stats(s, &st) == 0)
			total += st.heap_allocsz_bytes;
	}
	return total;
}

/* Add a port, flood a frame to it, remove it. */
static void cycle(struct env *e, const char *devargs)
{
	struct rte_mbuf *m = dp_test_frame(mp, MAC1, BCAST, 60, 0);

	add_ethdev(e, "sw:cyc", devargs);
	inject(e->r1, m);
	worker_wake_ports(e->w, 0);
	worker_poll(e->w);
	worker_poll(e->w);
	assert_int_equal(sw_port_del(e->sw, "sw:cyc"), 0);
	drain(e->r1);
	drain(e->r2);
}

static void test_cycles(void **state)
{
	struct env *e = *state;
	char in[128], out[128], pcap_args[300];
	unsigned fds0;
	long rss0, rss1;
	size_t heap0, heap1;

	tmp_path(in, sizeof(in), "cyc-in.pcap");
	tmp_path(out, sizeof(out), "cyc-out.pcap");
	write_capture(in, 4);
	snprintf(pcap_args, sizeof(pcap_args), "net_pcap_cyc,rx_pcap=%s,tx_pcap=%s", in, out);
	/* warm up: first use allocates DPDK's own tables */
	for (int i = 0; i < 10; i++) {
		cycle(e, "net_ring_cyc");
		cycle(e, pcap_args);
	}
	fds0 = count_fds();
	rss0 = rss_kb();
	heap0 = heap_bytes();
	for (int i = 0; i < 500; i++) {
		cycle(e, "net_ring_cyc");
		cycle(e, pcap_args);
	}
	rss1 = rss_kb();
	heap1 = heap_bytes();
	print_message("    1000 cycles: fds %u -> %u, RSS %ld -> %ld KB, DPDK heap %zu -> %zu B\n",
		      fds0, count_fds(), rss0, rss1, heap0, heap1);
	assert_int_equal(count_fds(), fds0);
	assert_int_equal(heap1, heap0);
#ifndef __SANITIZE_ADDRESS__
	/* (ASan holds freed memory in quarantine; its leak check covers this) */
	assert_true(rss1 - rss0 < 1024);
#endif
	assert_int_equal(rte_eth_dev_count_total(), 0);
	unlink(in);
	unlink(out);
}

static int group_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/rl-ethdev-XXXXXX");
	if (mkdtemp(tmpdir) == NULL || dp_test_eal_init() < 0)
		return -1;
	mp = dp_test_pool("t_ethdev", 4095);
	return mp == NULL ? -1 : 0;
}

static int group_teardown(void **state)
{
	DIR *d = opendir(tmpdir);
	struct dirent *de;
	char path[320];

	(void)state;
	rte_mempool_free(mp);
	dp_test_eal_fini();
	/* what a failed test left behind */
	while (d != NULL && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, de->d_name);
		unlink(path);
	}
	if (d != NULL)
		closedir(d);
	rmdir(tmpdir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_probe_failure),
	    cmocka_unit_test_setup_teardown(test_ring_loopback, env_setup, env_teardown),
	    cmocka_unit_test(test_linearize),
	    cmocka_unit_test_setup_teardown(test_pcap_replay_record, env_setup, env_teardown),
	    cmocka_unit_test_setup_teardown(test_pcap_files, env_setup, env_teardown),
	    cmocka_unit_test(test_timer_backoff),
	    cmocka_unit_test(test_pcap_nombuf),
	    cmocka_unit_test_setup_teardown(test_port_limit, env_setup, env_teardown),
	    cmocka_unit_test_setup_teardown(test_cycles, env_setup, env_teardown),
	};
	return cmocka_run_group_tests_name("ethdev", tests, group_setup, group_teardown);
}
