/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Offloads across the switch: the segment-or-pass decision, virtio-net
 * headers in and out, checksums finished in software, super-frames cut by
 * DPDK's GSO library, and the switch doing the right one per egress port
 * (through ring ports, whose "offloads" the test sets).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "dp_support.h"
#include "offload.h"
#include "portlink.h"
#include "switch.h"
#include "worker.h"

static const uint8_t MAC1[6] = {0x02, 0, 0, 0, 0, 1};
static const uint8_t MAC2[6] = {0x02, 0, 0, 0, 0, 2};
static struct rte_mempool *mp;

#define HDRS (RTE_ETHER_HDR_LEN + 20 + 20)

/* A TCP/IPv4 frame MAC1 -> MAC2 with 'payload' bytes of a counting
 * pattern, as a host hands it over with offloads: the TCP checksum field
 * holds the pseudo-header sum, in as many mbufs as it takes. */
static struct rte_mbuf *tcp_frame(uint32_t payload, uint32_t seq)
{
	uint32_t len = HDRS + payload, room = 2048, off = 0;
	struct rte_mbuf *head = NULL, *last = NULL;
	uint8_t *buf = calloc(1, len);
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(ip + 1);

	assert_non_null(buf);
	memcpy(&eth->dst_addr, MAC2, 6);
	memcpy(&eth->src_addr, MAC1, 6);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(len - RTE_ETHER_HDR_LEN > 65535
							   ? 0
							   : len - RTE_ETHER_HDR_LEN));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = rte_cpu_to_be_32(0x0a000001);
	ip->dst_addr = rte_cpu_to_be_32(0x0a000002);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	tcp->src_port = rte_cpu_to_be_16(40000);
	tcp->dst_port = rte_cpu_to_be_16(5201);
	tcp->sent_seq = rte_cpu_to_be_32(seq);
	tcp->data_off = 5 << 4;
	tcp->tcp_flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG;
	tcp->rx_win = rte_cpu_to_be_16(512);
	for (uint32_t i = 0; i < payload; i++)
		buf[HDRS + i] = (uint8_t)(i * 7 + 1);
	/* the pseudo-header sum, not complemented, as Linux leaves it */
	tcp->cksum = rte_ipv4_phdr_cksum(ip, 0);
	while (off < len) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		uint32_t n = len - off < room ? len - off : room;

		assert_non_null(m);
		memcpy(rte_pktmbuf_append(m, (uint16_t)n), buf + off, n);
		if (head == NULL)
			head = m;
		else {
			last->next = m;
			head->nb_segs++;
			head->pkt_len += n;
		}
		last = m;
		off += n;
	}
	free(buf);
	return head;
}

static struct virtio_net_hdr vnet_tcp4(uint16_t gso_size)
{
	struct virtio_net_hdr h = {
	    .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
	    .gso_type = gso_size ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_NONE,
	    .hdr_len = HDRS,
	    .gso_size = gso_size,
	    .csum_start = RTE_ETHER_HDR_LEN + 20,
	    .csum_offset = 16,
	};
	return h;
}

/* The frame's IP and TCP checksums are right. */
static void assert_valid_tcp(struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip;

	assert_true(m->data_len >= HDRS);
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
	assert_int_equal(rte_raw_cksum(ip, 20), 0xffff); /* a valid header sums to all ones */
	assert_int_equal(rte_ipv4_udptcp_cksum_mbuf_verify(m, ip, RTE_ETHER_HDR_LEN + 20), 0);
}

static void test_decide(void **state)
{
	uint64_t tso4 = RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM;
	uint64_t tso6 = RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_TCP_CKSUM;
	uint64_t csum = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_UDP_CKSUM;
	uint32_t all = PORT_OFFLOAD_CSUM | PORT_OFFLOAD_TSO4 | PORT_OFFLOAD_TSO6;

	(void)state;
	/* a finished frame always passes */
	assert_int_equal(offload_decide(0, 0, 0, true, 1500), OFFLOAD_PASS);
	/* super-frames pass whole only to a port that takes them, behind a
	 * link that does nothing frame by frame, with segments that fit */
	assert_int_equal(offload_decide(tso4, 1500, all, false, 1500), OFFLOAD_PASS);
	assert_int_equal(offload_decide(tso4, 1500, PORT_OFFLOAD_CSUM, false, 1500),
			 OFFLOAD_SEGMENT);
	assert_int_equal(offload_decide(tso4, 1500, all, true, 1500), OFFLOAD_SEGMENT);
	assert_int_equal(offload_decide(tso4, 1500, all, false, 1400), OFFLOAD_SEGMENT);
	assert_int_equal(offload_decide(tso4, 1500, PORT_OFFLOAD_TSO6, false, 1500),
			 OFFLOAD_SEGMENT);
	assert_int_equal(offload_decide(tso6, 1500, all, false, 1500), OFFLOAD_PASS);
	assert_int_equal(offload_decide(tso6, 1500, PORT_OFFLOAD_TSO4, false, 1500),
			 OFFLOAD_DROP);
	/* a partial checksum is finished unless the port takes it as it is */
	assert_int_equal(offload_decide(csum, 0, PORT_OFFLOAD_CSUM, false, 1500), OFFLOAD_PASS);
	assert_int_equal(offload_decide(csum, 0, PORT_OFFLOAD_CSUM, true, 1500), OFFLOAD_CSUM);
	assert_int_equal(offload_decide(csum, 0, PORT_OFFLOAD_TSO4, false, 1500), OFFLOAD_CSUM);
}

static void test_vnet_in_out(void **state)
{
	struct rte_mbuf *m = tcp_frame(10000, 1);
	struct virtio_net_hdr h = vnet_tcp4(1448), back;

	(void)state;
	assert_int_equal(offload_from_vnet(m, &h), 0);
	assert_true(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG);
	assert_true(m->ol_flags & RTE_MBUF_F_TX_IPV4);
	assert_int_equal(m->l2_len, 14);
	assert_int_equal(m->l3_len, 20);
	assert_int_equal(m->l4_len, 20);
	assert_int_equal(m->tso_segsz, 1448);
	assert_int_equal(offload_seg_len(m), 1502);
	offload_to_vnet(m, &back);
	assert_memory_equal(&back, &h, sizeof(h));
	rte_pktmbuf_free(m);

	/* a "super-frame" of one segment is an ordinary partial-checksum frame */
	m = tcp_frame(1000, 1);
	assert_int_equal(offload_from_vnet(m, &h), 0);
	assert_false(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG);
	assert_true((m->ol_flags & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_TCP_CKSUM);
	rte_pktmbuf_free(m);

	/* no header flags: nothing to do */
	m = tcp_frame(100, 1);
	memset(&h, 0, sizeof(h));
	assert_int_equal(offload_from_vnet(m, &h), 0);
	assert_int_equal(m->ol_flags & OFFLOAD_MBUF_FLAGS, 0);
	offload_to_vnet(m, &back);
	assert_memory_equal(&back, &h, sizeof(h));
	rte_pktmbuf_free(m);
}

static void test_vnet_malformed(void **state)
{
	struct rte_mbuf *m = tcp_frame(3000, 1);
	struct virtio_net_hdr h;

	(void)state;
	h = vnet_tcp4(1448);
	h.flags = 0; /* segmentation without a checksum to finish */
	assert_int_equal(offload_from_vnet(m, &h), -EINVAL);
	h = vnet_tcp4(1448);
	h.csum_start = 5000; /* past the end */
	assert_int_equal(offload_from_vnet(m, &h), -EINVAL);
	h = vnet_tcp4(1448);
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV6; /* the frame is IPv4 */
	assert_int_equal(offload_from_vnet(m, &h), -EINVAL);
	h = vnet_tcp4(0);
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4; /* gso_size 0 */
	assert_int_equal(offload_from_vnet(m, &h), -EINVAL);
	h = vnet_tcp4(1448);
	h.gso_type = VIRTIO_NET_HDR_GSO_UDP; /* UFO: not carried */
	h.csum_offset = 6;
	assert_int_equal(offload_from_vnet(m, &h), -ENOTSUP);
	h = vnet_tcp4(1448);
	h.gso_type = 0x42; /* nonsense */
	assert_int_equal(offload_from_vnet(m, &h), -EINVAL);
	rte_pktmbuf_free(m);

	/* a frame shorter than its own headers */
	m = dp_test_frame(mp, MAC1, MAC2, 20, 0);
	h = vnet_tcp4(1448);
	assert_int_equal(offload_from_vnet(m, &h), -EINVAL);
	rte_pktmbuf_free(m);
}

static void test_csum(void **state)
{
	struct rte_mbuf *m = tcp_frame(3000, 7); /* two mbufs */
	struct virtio_net_hdr h = vnet_tcp4(0);

	(void)state;
	assert_int_equal(m->nb_segs, 2);
	assert_int_equal(offload_from_vnet(m, &h), 0);
	assert_int_equal(offload_csum(m), 0);
	assert_int_equal(m->ol_flags & OFFLOAD_MBUF_FLAGS, 0);
	assert_valid_tcp(m);
	rte_pktmbuf_free(m);
}

static void test_segment(void **state)
{
	struct rte_gso_ctx ctx = {.direct_pool = mp,
				  .indirect_pool = rte_mempool_lookup("t_off_ind"),
				  .gso_types = RTE_ETH_TX_OFFLOAD_TCP_TSO};
	struct rte_mbuf *m = tcp_frame(10000, 1000), *out[64];
	struct virtio_net_hdr h = vnet_tcp4(1448);
	uint32_t seq = 1000, total = 0;
	uint8_t want = 0, got;
	int n;

	(void)state;
	assert_int_equal(offload_from_vnet(m, &h), 0);
	/* the segment length a smaller MTU asks for: 1000 bytes of IP */
	n = offload_segment(&ctx, m, 14 + 1000, out, 64);
	assert_int_equal(n, (10000 + 959) / 960);
	/* the input is unchanged: another port may still take it whole */
	assert_true(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG);
	rte_pktmbuf_free(m);
	for (int i = 0; i < n; i++) {
		const struct rte_tcp_hdr *tcp =
		    rte_pktmbuf_mtod_offset(out[i], const struct rte_tcp_hdr *, 34);
		uint32_t plen = out[i]->pkt_len - HDRS;

		assert_true(out[i]->pkt_len <= 14 + 1000);
		assert_int_equal(rte_be_to_cpu_32(tcp->sent_seq), seq);
		assert_int_equal(out[i]->ol_flags & OFFLOAD_MBUF_FLAGS, 0);
		assert_valid_tcp(out[i]);
		/* the payload is the super-frame's, in order */
		for (uint32_t k = 0; k < plen; k += 97) {
			got = *(const uint8_t *)rte_pktmbuf_read(out[i], HDRS + k, 1, &got);
			want = (uint8_t)((total + k) * 7 + 1);
			assert_int_equal(got, want);
		}
		seq += plen;
		total += plen;
		rte_pktmbuf_free(out[i]);
	}
	assert_int_equal(total, 10000);
	/* IPv6 super-frames cannot be cut by DPDK 22.11 */
	m = tcp_frame(3000, 1);
	m->ol_flags = RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IPV6;
	assert_int_equal(offload_segment(&ctx, m, 1514, out, 64), -ENOTSUP);
	rte_pktmbuf_free(m);
}

/* --- through the switch ------------------------------------------------ */

static struct port *add_ring(struct sw *sw, const char *name)
{
	struct port_conf c = {.type = PORT_TYPE_RING, .pool = mp, .ring_size = 1024};
	int id;

	snprintf(c.name, sizeof(c.name), "%s", name);
	id = sw_port_add(sw, &c, "b1");
	assert_true(id >= 0);
	return sw->ports[id];
}

static void run(struct worker *w)
{
	unsigned n;

	do {
		worker_wake_ports(w, 0);
		n = worker_poll(w);
	} while (n > 0 || w->n_delayed > 0);
}

/* Send one 20000-byte super-frame from p1 to p2; returns what p2 got
 * (frames), checking each, and the total TCP payload in *payload. */
static unsigned super_through(struct worker *w, struct port *p1, struct port *p2,
			      uint32_t *payload, int *whole)
{
	struct rte_mbuf *m = tcp_frame(20000, 1), *got[64];
	struct virtio_net_hdr h = vnet_tcp4(1448);
	unsigned n, total = 0;

	*payload = 0;
	*whole = 0;
	assert_int_equal(offload_from_vnet(m, &h), 0);
	assert_int_equal(port_ring_inject(p1, &m, 1), 1);
	run(w);
	while ((n = port_ring_collect(p2, got, 64)) > 0) {
		for (unsigned i = 0; i < n; i++) {
			if (got[i]->ol_flags & RTE_MBUF_F_TX_TCP_SEG)
				*whole = 1;
			else
				assert_valid_tcp(got[i]);
			*payload += got[i]->pkt_len - HDRS;
			rte_pktmbuf_free(got[i]);
		}
		total += n;
	}
	return total;
}

static void test_switch_segment_or_pass(void **state)
{
	struct sw *sw = sw_create(&(struct sw_conf){.n_workers = 1, .pool = mp});
	struct worker *w;
	struct port *p1, *p2;
	struct rte_mbuf *m;
	struct linkparams rate = {0}, none = {0};
	uint64_t drops[SW_DROP__COUNT];
	uint32_t payload;
	char err[128];
	int whole;

	(void)state;
	assert_non_null(sw);
	w = sw->workers[0];
	p1 = add_ring(sw, "sw:p1");
	p2 = add_ring(sw, "sw:p2");
	/* p2's MAC is learned, so frames to it are unicast */
	m = dp_test_frame(mp, MAC2, MAC1, 60, 0);
	assert_int_equal(port_ring_inject(p2, &m, 1), 1);
	run(w);
	while (port_ring_collect(p1, &m, 1) == 1)
		rte_pktmbuf_free(m);

	/* a port without offloads gets real frames */
	assert_int_equal(super_through(w, p1, p2, &payload, &whole), (20000 + 1447) / 1448);
	assert_int_equal(payload, 20000);
	assert_false(whole);
	/* a port that takes super-frames gets it whole */
	p2->offloads = PORT_OFFLOAD_CSUM | PORT_OFFLOAD_TSO4;
	assert_int_equal(super_through(w, p1, p2, &payload, &whole), 1);
	assert_true(whole);
	/* ... unless its link counts frames one by one */
	assert_int_equal(linkparams_set_kv(&rate, "rate=1gbit", err, sizeof(err)), 0);
	portlink_set(p2->link, PORTLINK_OUT, &rate);
	assert_int_equal(super_through(w, p1, p2, &payload, &whole), (20000 + 1447) / 1448);
	assert_false(whole);
	portlink_set(p2->link, PORTLINK_OUT, &none);
	/* ... or the ingress link does */
	portlink_set(p1->link, PORTLINK_IN, &rate);
	assert_int_equal(super_through(w, p1, p2, &payload, &whole), (20000 + 1447) / 1448);
	assert_int_equal(payload, 20000);
	portlink_set(p1->link, PORTLINK_IN, &none);
	/* (the change applies with the next frame) */
	m = dp_test_frame(mp, MAC1, MAC2, 60, 0);
	assert_int_equal(port_ring_inject(p1, &m, 1), 1);
	run(w);
	while (port_ring_collect(p2, &m, 1) == 1)
		rte_pktmbuf_free(m);
	/* ... or its MTU is smaller than the segments: they are cut at the
	 * host's segment size, the frames the host would have sent */
	p2->conf.mtu = 1000;
	assert_int_equal(super_through(w, p1, p2, &payload, &whole), (20000 + 1447) / 1448);
	assert_int_equal(payload, 20000);
	assert_false(whole);
	sw_drops(sw, drops);
	assert_int_equal(drops[SW_DROP_OFFLOAD], 0);
	sw_destroy(sw);
	assert_int_equal(rte_mempool_in_use_count(mp), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_decide),
	    cmocka_unit_test(test_vnet_in_out),
	    cmocka_unit_test(test_vnet_malformed),
	    cmocka_unit_test(test_csum),
	    cmocka_unit_test(test_segment),
	    cmocka_unit_test(test_switch_segment_or_pass),
	};
	int ret;

	if (dp_test_eal_init() < 0)
		return 1;
	mp = dp_test_pool("t_off", 4095);
	if (mp == NULL ||
	    rte_pktmbuf_pool_create("t_off_ind", 1024, 0, 0, 0, SOCKET_ID_ANY) == NULL)
		return 1;
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	dp_test_eal_fini();
	return ret;
}
