/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rl_memifpeer: the far end of an ethdev port on net_memif, for the tests.
 * A second DPDK process connects to the switch's memif socket as the memif
 * client (the switch's port is the server) and acts as a host: it answers
 * ARP and ICMP echo requests for its address, so a namespace host can ping
 * it through the switch, and counts UDP datagrams sent to it (peer.c).
 *
 *   rl_memifpeer --sock PATH --ip A.B.C.D [--mac MAC] [--wait SEC]
 *
 * It serves until SIGTERM or SIGINT and prints its counters at exit.
 *
 * EAL: --no-pci, --no-huge (memif shares a memfd region, no hugepages
 * needed), --no-shconf, a file prefix of its own, whose runtime directory
 * is removed at exit. DPDK 22.11's memif runs its rings in polling mode, so
 * when idle the peer sleeps 1 ms between polls: a test tool, not a fast
 * path.
 *
 * Exit: 0 stopped by a signal, 1 failure (EAL, device, link not up within
 * --wait seconds), 2 usage.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "peer.h"

#define MP_IDLE_POLLS 1000 /* empty polls before sleeping between polls */

static void usage(FILE *f)
{
	fprintf(f, "usage: rl_memifpeer --sock PATH --ip A.B.C.D [--mac MAC] [--wait SEC]\n");
}

static int parse_opts(int argc, char **argv, struct peer_opts *o)
{
	static const struct option lo[] = {PEER_OPTIONS, {NULL, 0, NULL, 0}};
	int ret = peer_parse_opts(argc, argv, lo, "02:6d:65:6d:00:01", o, NULL, NULL);

	/* the path goes into the vdev's devargs, where a comma would split it */
	if (ret == 0 && strchr(o->sock, ',') != NULL)
		return -EINVAL;
	return ret;
}

static void mp_serve(const struct peer_opts *o, uint16_t port, struct peer_counters *c)
{
	struct rte_mbuf *pkts[PEER_BURST];
	unsigned idle = 0;

	while (!peer_stop) {
		uint16_t n = rte_eth_rx_burst(port, 0, pkts, PEER_BURST);

		if (n > 0) {
			peer_handle(o, port, pkts, n, c);
			idle = 0;
		} else if (++idle >= MP_IDLE_POLLS) {
			usleep(1000);
		}
	}
}

int main(int argc, char **argv)
{
	const struct rte_eth_conf conf = {0};
	struct rte_mempool *mp = NULL;
	struct peer_counters c = {0};
	struct peer_opts o;
	char prefix[64], vdev[400];
	uint16_t port = 0;
	int ret, eal_up = 0, started = 0;

	ret = parse_opts(argc, argv, &o);
	if (ret != 0) {
		usage(ret < 0 ? stderr : stdout);
		return ret > 0 ? 0 : 2;
	}
	peer_signals();
	snprintf(vdev, sizeof(vdev), "net_memif0,role=client,socket=%s,socket-abstract=no", o.sock);
	if (peer_eal_init(argv[0], "rlmemif", "0", vdev, prefix, sizeof(prefix)) < 0) {
		fprintf(stderr, "rl_memifpeer: EAL init failed: %s\n", rte_strerror(rte_errno));
		ret = -1;
		goto out;
	}
	eal_up = 1;
	if (rte_eth_dev_count_avail() != 1) {
		fprintf(stderr, "rl_memifpeer: no memif device on %s\n", o.sock);
		ret = -1;
		goto out;
	}
	mp = rte_pktmbuf_pool_create("memif_peer", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     rte_socket_id());
	if (mp == NULL) {
		fprintf(stderr, "rl_memifpeer: mbuf pool: %s\n", rte_strerror(rte_errno));
		ret = -1;
		goto out;
	}
	ret = peer_port_start(port, mp, &conf, 0);
	if (ret < 0) {
		fprintf(stderr, "rl_memifpeer: device start on %s: %s\n", o.sock, strerror(-ret));
		goto out;
	}
	started = 1;
	ret = peer_link_wait(port, o.wait_s);
	if (ret < 0) {
		fprintf(stderr, "rl_memifpeer: link not up within %u s\n", o.wait_s);
		goto out;
	}
	printf("rl_memifpeer: up on %s\n", o.sock);
	fflush(stdout);
	mp_serve(&o, port, &c);
out:
	if (started) {
		rte_eth_dev_stop(port);
		rte_eth_dev_close(port);
	}
	rte_mempool_free(mp);
	peer_print_counters("rl_memifpeer", "other", &c);
	if (eal_up)
		peer_eal_cleanup(prefix);
	return ret < 0 ? 1 : 0;
}
