/* SPDX-License-Identifier: BSD-3-Clause */
/* peer: what the tests' DPDK peers share (see peer.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_icmp.h>
#include <rte_ip.h>

#include "peer.h"

#define PEER_RUNTIME_DIR "/var/run/dpdk"

volatile sig_atomic_t peer_stop;

int peer_parse_opts(int argc, char **argv, const struct option *lo, const char *def_mac,
		    struct peer_opts *o, int (*extra)(int c, char *arg, void *ctx), void *ctx)
{
	struct in_addr a;
	int c, have_ip = 0;

	*o = (struct peer_opts){.wait_s = 10};
	rte_ether_unformat_addr(def_mac, &o->mac);
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			o->sock = optarg;
			break;
		case 'i':
			if (inet_pton(AF_INET, optarg, &a) != 1)
				return -EINVAL;
			o->ip = a.s_addr;
			have_ip = 1;
			break;
		case 'm':
			if (rte_ether_unformat_addr(optarg, &o->mac) < 0)
				return -EINVAL;
			break;
		case 'w':
			o->wait_s = (unsigned)atoi(optarg);
			break;
		case 'h':
			return 1;
		case '?':
			return -EINVAL;
		default:
			if (extra == NULL || extra(c, optarg, ctx) < 0)
				return -EINVAL;
		}
	}
	if (o->sock == NULL || !have_ip || optind != argc)
		return -EINVAL;
	return 0;
}

static void peer_on_signal(int sig)
{
	(void)sig;
	peer_stop = 1;
}

void peer_signals(void)
{
	struct sigaction sa = {.sa_handler = peer_on_signal};

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int peer_eal_init(const char *argv0, const char *name, const char *lcores, const char *vdev,
		  char *prefix, size_t plen)
{
	char pfx[96], vd[400];
	char *eargv[] = {(char *)argv0,
			 "--no-pci",
			 "--no-huge",
			 "--no-shconf",
			 "--no-telemetry",
			 "-m",
			 "64",
			 "--lcores",
			 (char *)lcores,
			 pfx,
			 vd,
			 "--log-level=warning",
			 NULL};

	snprintf(prefix, plen, "%s-%d", name, (int)getpid());
	snprintf(pfx, sizeof(pfx), "--file-prefix=%s", prefix);
	snprintf(vd, sizeof(vd), "--vdev=%s", vdev);
	return rte_eal_init((int)RTE_DIM(eargv) - 1, eargv);
}

void peer_eal_cleanup(const char *prefix)
{
	char rundir[160];

	rte_eal_cleanup();
	snprintf(rundir, sizeof(rundir), "%s/%s", PEER_RUNTIME_DIR, prefix);
	rmdir(rundir);
}

int peer_port_start(uint16_t port, struct rte_mempool *mp, const struct rte_eth_conf *conf,
		    uint16_t nb_desc)
{
	unsigned socket = (unsigned)rte_eth_dev_socket_id(port);
	int ret;

	ret = rte_eth_dev_configure(port, 1, 1, conf);
	if (ret == 0)
		ret = rte_eth_rx_queue_setup(port, 0, nb_desc, socket, NULL, mp);
	if (ret == 0)
		ret = rte_eth_tx_queue_setup(port, 0, nb_desc, socket, NULL);
	if (ret == 0)
		ret = rte_eth_dev_start(port);
	return ret;
}

int peer_link_wait(uint16_t port, unsigned wait_s)
{
	uint64_t end = rte_get_tsc_cycles() + (uint64_t)wait_s * rte_get_tsc_hz();
	struct rte_eth_link link;

	while (!peer_stop && rte_get_tsc_cycles() < end) {
		if (rte_eth_link_get_nowait(port, &link) == 0 && link.link_status)
			return 0;
		usleep(10000);
	}
	return -ETIMEDOUT;
}

/* Turn an ARP request or ICMP echo request for us into its reply, in
 * place. 1: m is the reply; 0: nothing to answer (the caller frees m). */
static int peer_answer(const struct peer_opts *o, struct rte_mbuf *m, struct peer_counters *c)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	uint16_t type;

	if (m->nb_segs != 1 || m->data_len < sizeof(*eh))
		return 0;
	type = rte_be_to_cpu_16(eh->ether_type);
	if (type == RTE_ETHER_TYPE_ARP && m->data_len >= sizeof(*eh) + sizeof(struct rte_arp_hdr)) {
		struct rte_arp_hdr *ah = (struct rte_arp_hdr *)(eh + 1);

		if (ah->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST) ||
		    ah->arp_data.arp_tip != o->ip)
			return 0;
		ah->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
		ah->arp_data.arp_tha = ah->arp_data.arp_sha;
		ah->arp_data.arp_tip = ah->arp_data.arp_sip;
		ah->arp_data.arp_sha = o->mac;
		ah->arp_data.arp_sip = o->ip;
		eh->dst_addr = eh->src_addr;
		eh->src_addr = o->mac;
		c->arp++;
		return 1;
	}
	if (type == RTE_ETHER_TYPE_IPV4 && m->data_len >= sizeof(*eh) +
							      sizeof(struct rte_ipv4_hdr) +
							      sizeof(struct rte_icmp_hdr)) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
		size_t ihl = rte_ipv4_hdr_len(ip), len = rte_be_to_cpu_16(ip->total_length);
		struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)((uint8_t *)ip + ihl);
		uint32_t a;

		if (ip->dst_addr != o->ip)
			return 0;
		if (ip->next_proto_id == IPPROTO_UDP) {
			c->udp++;
			return 0;
		}
		if (ip->next_proto_id != IPPROTO_ICMP || len < ihl + sizeof(*ic) ||
		    sizeof(*eh) + len > m->data_len || ic->icmp_type != RTE_IP_ICMP_ECHO_REQUEST)
			return 0;
		ic->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
		ic->icmp_cksum = 0;
		ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, len - ihl);
		a = ip->src_addr; /* swapping addresses keeps the header checksum */
		ip->src_addr = ip->dst_addr;
		ip->dst_addr = a;
		eh->dst_addr = eh->src_addr;
		eh->src_addr = o->mac;
		c->icmp++;
		return 1;
	}
	return 0;
}

void peer_handle(const struct peer_opts *o, uint16_t port, struct rte_mbuf **pkts, uint16_t n,
		 struct peer_counters *c)
{
	struct rte_mbuf *out[PEER_BURST];
	uint16_t k = 0, sent;

	c->rx += n;
	for (uint16_t i = 0; i < n; i++) {
		if (peer_answer(o, pkts[i], c)) {
			out[k++] = pkts[i];
			continue;
		}
		c->unanswered++;
		rte_pktmbuf_free(pkts[i]);
	}
	if (k == 0)
		return;
	sent = rte_eth_tx_burst(port, 0, out, k);
	c->tx += sent;
	c->tx_fail += k - sent;
	rte_pktmbuf_free_bulk(&out[sent], k - sent);
}

void peer_print_counters(const char *prog, const char *label, const struct peer_counters *c)
{
	printf("%s: rx %lu tx %lu arp %lu icmp %lu udp %lu %s %lu tx_fail %lu\n", prog,
	       (unsigned long)c->rx, (unsigned long)c->tx, (unsigned long)c->arp,
	       (unsigned long)c->icmp, (unsigned long)c->udp, label, (unsigned long)c->unanswered,
	       (unsigned long)c->tx_fail);
}
