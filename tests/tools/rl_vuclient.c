/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rl_vuclient: a guest for the tests of vhost ports, without a VM. DPDK's
 * virtio-user driver (net_virtio_user) connects to a vhost-user socket the
 * way QEMU's virtio-net does, and this program is the "guest's" network
 * stack: it answers ARP and ICMP echo requests for its address, so a host
 * in a namespace can ping it through the switch, and it can send a flood
 * of UDP frames to a MAC/IP and time it. What it shares with rl_memifpeer
 * is in peer.c.
 *
 *   rl_vuclient --sock PATH --ip A.B.C.D [--mac MAC] [--wait SEC]
 *               [--flood IP,MAC,COUNT[,SIZE]]
 *
 * Without --flood it serves until SIGTERM or SIGINT. With --flood it sends
 * COUNT UDP frames of SIZE bytes (60..1514, default 60) to port 9 of IP at
 * MAC, prints the time and rate, and exits. Counters go to stdout at exit.
 *
 * EAL: --no-pci, --no-huge (DPDK 22.11 backs it with a memfd that the
 * vhost-user backend can map: no hugepages needed), --no-shconf, a file
 * prefix of its own; the runtime directory EAL makes anyway is removed at
 * exit. Idle, it sleeps on the receive queue's interrupt eventfd (the
 * backend's "call"), so it costs no CPU between packets.
 *
 * Exit: 0 done (signal, or flood sent), 1 failure (EAL, device, link not up
 * within --wait seconds, flood stalled), 2 usage, 3 the backend went away
 * while serving (the link went down: virtio-user does not reconnect).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "peer.h"

#define VU_SPIN_US    200 /* idle this long before sleeping on the interrupt */
#define VU_QUEUE_SIZE 256

struct vu_flood { /* --flood */
	int on;
	uint32_t dst_ip; /* network order */
	struct rte_ether_addr dst_mac;
	unsigned long count;
	unsigned size;
};

/* LeakSanitizer (ASan builds only): DPDK 22.11's virtio-user leaks its
 * interrupt handle when its probe fails, as it does when a backend refuses
 * the connection, which the tests provoke on purpose. Not ours to fix, and
 * suppressed in this program only. */
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

static void usage(FILE *f)
{
	fprintf(f, "usage: rl_vuclient --sock PATH --ip A.B.C.D [--mac MAC] [--wait SEC]\n"
		   "                   [--flood IP,MAC,COUNT[,SIZE]]\n");
}

/* --flood IP,MAC,COUNT[,SIZE], for peer_parse_opts() */
static int parse_flood(int c, char *s, void *ctx)
{
	struct vu_flood *f = ctx;
	char *ip = strtok(s, ","), *mac = strtok(NULL, ","), *cnt = strtok(NULL, ",");
	char *size = strtok(NULL, ","), *end;
	struct in_addr a;

	if (c != 'f' || ip == NULL || mac == NULL || cnt == NULL ||
	    inet_pton(AF_INET, ip, &a) != 1 || rte_ether_unformat_addr(mac, &f->dst_mac) < 0)
		return -EINVAL;
	f->dst_ip = a.s_addr;
	f->count = strtoul(cnt, &end, 10);
	if (*end != '\0' || f->count == 0)
		return -EINVAL;
	if (size != NULL) {
		f->size = (unsigned)strtoul(size, &end, 10);
		if (*end != '\0' || f->size < 60 || f->size > 1514)
			return -EINVAL;
	}
	f->on = 1;
	return 0;
}

static int parse_opts(int argc, char **argv, struct peer_opts *o, struct vu_flood *f)
{
	static const struct option lo[] = {
	    PEER_OPTIONS,
	    {"flood", required_argument, NULL, 'f'},
	    {NULL, 0, NULL, 0},
	};

	*f = (struct vu_flood){.size = 60};
	return peer_parse_opts(argc, argv, lo, "02:76:75:00:00:01", o, parse_flood, f);
}

static int vu_eal_init(const char *argv0, const struct peer_opts *o, char *prefix, size_t plen)
{
	char vdev[400], lcores[32], mac[RTE_ETHER_ADDR_FMT_SIZE];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	snprintf(lcores, sizeof(lcores), "0@(0-%ld)", ncpu > 1 ? ncpu - 1 : 0);
	rte_ether_format_addr(mac, sizeof(mac), &o->mac);
	snprintf(vdev, sizeof(vdev), "net_virtio_user0,path=%s,mac=%s,queues=1,queue_size=%d",
		 o->sock, mac, VU_QUEUE_SIZE);
	return peer_eal_init(argv0, "rlvu", lcores, vdev, prefix, plen);
}

/* Start the port with its receive interrupt, whose eventfd goes to
 * *intr_fd. */
static int vu_port_start(uint16_t port, struct rte_mempool *mp, int *intr_fd)
{
	const struct rte_eth_conf conf = {.intr_conf = {.rxq = 1}};
	int ret = peer_port_start(port, mp, &conf, VU_QUEUE_SIZE);

	if (ret < 0)
		return ret;
	*intr_fd = rte_eth_dev_rx_intr_ctl_q_get_fd(port, 0);
	return *intr_fd < 0 ? -ENOTSUP : 0;
}

/* Receive and answer until stopped; sleep on the interrupt fd when idle.
 * 0 when stopped by a signal, -ENOTCONN when the link went down. */
static int vu_serve(const struct peer_opts *o, uint16_t port, int intr_fd, struct peer_counters *c)
{
	struct rte_eth_link link;
	struct rte_mbuf *pkts[PEER_BURST];
	uint64_t spin = rte_get_tsc_hz() / 1000000 * VU_SPIN_US, idle_since = rte_get_tsc_cycles();

	while (!peer_stop) {
		uint16_t n = rte_eth_rx_burst(port, 0, pkts, PEER_BURST);
		struct pollfd pfd = {.fd = intr_fd, .events = POLLIN};
		uint64_t v;

		if (n > 0) {
			peer_handle(o, port, pkts, n, c);
			idle_since = rte_get_tsc_cycles();
			continue;
		}
		if (rte_get_tsc_cycles() - idle_since < spin)
			continue;
		/* interrupts on, look once more, then sleep until the backend
		 * calls */
		rte_eth_dev_rx_intr_enable(port, 0);
		n = rte_eth_rx_burst(port, 0, pkts, PEER_BURST);
		if (n == 0 && poll(&pfd, 1, 200) > 0 && read(intr_fd, &v, sizeof(v)) < 0) {
			/* drained by nobody else: nothing to do */
		}
		rte_eth_dev_rx_intr_disable(port, 0);
		if (n > 0)
			peer_handle(o, port, pkts, n, c);
		idle_since = rte_get_tsc_cycles();
		if (rte_eth_link_get_nowait(port, &link) == 0 && !link.link_status)
			return -ENOTCONN;
	}
	return 0;
}

static void vu_frame(const struct peer_opts *o, const struct vu_flood *f, uint8_t *d)
{
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)d;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	struct rte_udp_hdr *u = (struct rte_udp_hdr *)(ip + 1);
	uint16_t iplen = (uint16_t)(f->size - sizeof(*eh));

	memset(d, 0, f->size);
	eh->dst_addr = f->dst_mac;
	eh->src_addr = o->mac;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(iplen);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = o->ip;
	ip->dst_addr = f->dst_ip;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	u->src_port = rte_cpu_to_be_16(9);
	u->dst_port = rte_cpu_to_be_16(9);
	u->dgram_len = rte_cpu_to_be_16((uint16_t)(iplen - sizeof(*ip)));
	u->dgram_cksum = rte_ipv4_udptcp_cksum(ip, u);
}

/* Send f->count frames as fast as the backend takes them. 0, or -EIO if it
 * took nothing for a second. */
static int vu_flood(const struct peer_opts *o, const struct vu_flood *f, uint16_t port,
		    struct rte_mempool *mp, struct peer_counters *c)
{
	uint8_t tmpl[1514];
	struct rte_mbuf *pkts[PEER_BURST], *rx[PEER_BURST];
	uint64_t hz = rte_get_tsc_hz(), start = rte_get_tsc_cycles(), last = start, t;
	unsigned long left = f->count;

	vu_frame(o, f, tmpl);
	while (left > 0 && !peer_stop) {
		uint16_t n = (uint16_t)RTE_MIN(left, (unsigned long)PEER_BURST), sent;

		if (rte_pktmbuf_alloc_bulk(mp, pkts, n) < 0)
			n = 0;
		for (uint16_t i = 0; i < n; i++)
			rte_memcpy(rte_pktmbuf_append(pkts[i], (uint16_t)f->size), tmpl, f->size);
		sent = rte_eth_tx_burst(port, 0, pkts, n);
		rte_pktmbuf_free_bulk(&pkts[sent], n - sent);
		c->tx += sent;
		left -= sent;
		t = rte_get_tsc_cycles();
		if (sent > 0)
			last = t;
		else if (t - last > hz)
			break;
		/* answer what comes back (ARP for us, for instance) */
		n = rte_eth_rx_burst(port, 0, rx, PEER_BURST);
		if (n > 0)
			peer_handle(o, port, rx, n, c);
	}
	t = rte_get_tsc_cycles();
	/* let the backend take what is still in the ring before we stop */
	for (uint64_t end = rte_get_tsc_cycles() + hz / 2; rte_get_tsc_cycles() < end;) {
		uint16_t n = rte_eth_rx_burst(port, 0, rx, PEER_BURST);

		if (n > 0)
			peer_handle(o, port, rx, n, c);
		else
			usleep(1000);
	}
	printf("rl_vuclient: sent %lu of %lu frames of %u bytes in %.3f s: %.0f pps\n",
	       f->count - left, f->count, f->size, (double)(t - start) / (double)hz,
	       (double)(f->count - left) * (double)hz / (double)(t - start + 1));
	return left == 0 ? 0 : -EIO;
}

int main(int argc, char **argv)
{
	struct rte_mempool *mp = NULL;
	struct peer_counters c = {0};
	struct peer_opts o;
	struct vu_flood f;
	char prefix[64];
	uint16_t port = 0;
	int ret, intr_fd = -1, eal_up = 0, started = 0;

	ret = parse_opts(argc, argv, &o, &f);
	if (ret != 0) {
		usage(ret < 0 ? stderr : stdout);
		return ret > 0 ? 0 : 2;
	}
	peer_signals();
	if (vu_eal_init(argv[0], &o, prefix, sizeof(prefix)) < 0) {
		fprintf(stderr, "rl_vuclient: EAL init failed: %s\n", rte_strerror(rte_errno));
		ret = -1;
		goto out;
	}
	eal_up = 1;
	if (rte_eth_dev_count_avail() != 1) {
		fprintf(stderr, "rl_vuclient: virtio-user device on %s did not come up\n", o.sock);
		ret = -1;
		goto out;
	}
	mp = rte_pktmbuf_pool_create("vu_pool", 2047, 64, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     rte_socket_id());
	if (mp == NULL) {
		fprintf(stderr, "rl_vuclient: mbuf pool: %s\n", rte_strerror(rte_errno));
		ret = -1;
		goto out;
	}
	ret = vu_port_start(port, mp, &intr_fd);
	if (ret < 0) {
		fprintf(stderr, "rl_vuclient: device start: %s\n", strerror(-ret));
		goto out;
	}
	started = 1;
	ret = peer_link_wait(port, o.wait_s);
	if (ret < 0) {
		fprintf(stderr, "rl_vuclient: link not up within %u s\n", o.wait_s);
		goto out;
	}
	printf("rl_vuclient: up on %s\n", o.sock);
	fflush(stdout);
	if (f.on)
		ret = vu_flood(&o, &f, port, mp, &c);
	else
		ret = vu_serve(&o, port, intr_fd, &c);
	if (ret == -ENOTCONN)
		fprintf(stderr, "rl_vuclient: the backend went away\n");
out:
	if (started) {
		rte_eth_dev_stop(port);
		rte_eth_dev_close(port);
	}
	rte_mempool_free(mp);
	peer_print_counters("rl_vuclient", "unanswered", &c);
	if (eal_up)
		peer_eal_cleanup(prefix);
	return ret == -ENOTCONN ? 3 : ret < 0 ? 1 : 0;
}
