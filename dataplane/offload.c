/* SPDX-License-Identifier: BSD-3-Clause */
/* Offloads across the switch: virtio-net headers <-> mbuf offload fields,
 * the segment-or-pass decision, and finishing frames in software. */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "offload.h"

#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5 /* UDP segmentation (Linux 4.18) */
#endif

#define OFFLOAD_TX_FLAGS                                                                           \
	(RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_IPV4 |                      \
	 RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_IP_CKSUM)

#define OFFLOAD_CSUM_OFF_TCP 16 /* offsetof(struct rte_tcp_hdr, cksum) */
#define OFFLOAD_CSUM_OFF_UDP 6	/* offsetof(struct rte_udp_hdr, dgram_cksum) */

enum offload_action offload_decide(uint64_t ol_flags, uint32_t seg_len, uint32_t offloads,
				   bool per_frame, unsigned mtu)
{
	if (!(ol_flags & OFFLOAD_MBUF_FLAGS))
		return OFFLOAD_PASS;
	if (ol_flags & RTE_MBUF_F_TX_TCP_SEG) {
		int v6 = (ol_flags & RTE_MBUF_F_TX_IPV6) != 0;
		uint32_t need = v6 ? PORT_OFFLOAD_TSO6 : PORT_OFFLOAD_TSO4;

		if ((offloads & need) && !per_frame && (mtu == 0 || seg_len <= mtu))
			return OFFLOAD_PASS;
		return v6 ? OFFLOAD_DROP : OFFLOAD_SEGMENT;
	}
	if ((offloads & PORT_OFFLOAD_CSUM) && !per_frame)
		return OFFLOAD_PASS;
	return OFFLOAD_CSUM;
}

/* Bytes [off, off+len) of m, wherever its segments put them. */
static const void *offload_bytes(const struct rte_mbuf *m, uint32_t off, uint32_t len, void *buf)
{
	if (off + len > m->pkt_len)
		return NULL;
	return rte_pktmbuf_read(m, off, len, buf);
}

/* Complete a partial checksum the generic way: the field at start+offset
 * holds the pseudo-header sum; the checksum is the complement of the sum
 * of everything from start to the end. The field must be in the first
 * segment. */
static int offload_csum_at(struct rte_mbuf *m, uint32_t start, uint32_t offset, int udp)
{
	uint16_t raw = 0, ck;

	if (start + offset + 2 > m->data_len || start >= m->pkt_len)
		return -EINVAL;
	if (rte_raw_cksum_mbuf(m, start, m->pkt_len - start, &raw) != 0)
		return -EINVAL;
	ck = (uint16_t)~raw;
	if (udp && ck == 0)
		ck = 0xffff; /* 0 means "no checksum" in UDP */
	memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, start + offset), &ck, sizeof(ck));
	return 0;
}

int offload_from_vnet(struct rte_mbuf *m, const struct virtio_net_hdr *h)
{
	uint8_t buf[4], l4buf[16];
	const uint8_t *p;
	uint32_t start, cso, l2 = RTE_ETHER_HDR_LEN;
	uint16_t type;
	uint8_t gso = h->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
	uint64_t fl = 0;
	int udp;

	m->ol_flags &= ~OFFLOAD_TX_FLAGS;
	if (!(h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
		return gso == VIRTIO_NET_HDR_GSO_NONE ? 0 : -EINVAL;
	start = h->csum_start;
	cso = h->csum_offset;
	if (cso != OFFLOAD_CSUM_OFF_TCP && cso != OFFLOAD_CSUM_OFF_UDP && gso == 0)
		return offload_csum_at(m, start, cso, 0); /* neither TCP nor UDP: finish now */
	udp = cso == OFFLOAD_CSUM_OFF_UDP;
	p = offload_bytes(m, 12, 2, buf);
	if (p == NULL)
		return -EINVAL;
	type = (uint16_t)(p[0] << 8 | p[1]);
	if (type == RTE_ETHER_TYPE_VLAN || type == RTE_ETHER_TYPE_QINQ) {
		p = offload_bytes(m, 16, 2, buf);
		if (p == NULL)
			return -EINVAL;
		type = (uint16_t)(p[0] << 8 | p[1]);
		l2 += RTE_VLAN_HLEN;
	}
	if (type == RTE_ETHER_TYPE_IPV4)
		fl = RTE_MBUF_F_TX_IPV4;
	else if (type == RTE_ETHER_TYPE_IPV6)
		fl = RTE_MBUF_F_TX_IPV6;
	if (fl == 0 || start <= l2 || start - l2 > 255 + 40) {
		/* not IP, or headers DPDK's fields cannot describe */
		if (gso != VIRTIO_NET_HDR_GSO_NONE)
			return -EINVAL;
		return offload_csum_at(m, start, cso, udp);
	}
	m->l2_len = l2;
	m->l3_len = start - l2;
	fl |= udp ? RTE_MBUF_F_TX_UDP_CKSUM : RTE_MBUF_F_TX_TCP_CKSUM;
	if (start + cso + 2 > m->pkt_len)
		return -EINVAL;
	if (gso != VIRTIO_NET_HDR_GSO_NONE) {
		if (gso == VIRTIO_NET_HDR_GSO_UDP || gso == VIRTIO_NET_HDR_GSO_UDP_L4)
			return -ENOTSUP;
		if ((gso == VIRTIO_NET_HDR_GSO_TCPV4) != ((fl & RTE_MBUF_F_TX_IPV4) != 0) ||
		    (gso != VIRTIO_NET_HDR_GSO_TCPV4 && gso != VIRTIO_NET_HDR_GSO_TCPV6) || udp ||
		    h->gso_size == 0)
			return -EINVAL;
		p = offload_bytes(m, start, sizeof(struct rte_tcp_hdr), l4buf);
		if (p == NULL)
			return -EINVAL;
		m->l4_len = (uint64_t)(p[12] >> 4) * 4;
		if (m->l4_len < sizeof(struct rte_tcp_hdr) || start + m->l4_len > m->pkt_len)
			return -EINVAL;
		m->tso_segsz = h->gso_size;
		/* a "super-frame" of one segment is an ordinary frame */
		if (m->pkt_len > start + m->l4_len + h->gso_size)
			fl |= RTE_MBUF_F_TX_TCP_SEG;
	}
	m->ol_flags |= fl;
	return 0;
}

void offload_to_vnet(const struct rte_mbuf *m, struct virtio_net_hdr *h)
{
	memset(h, 0, sizeof(*h));
	if (!(m->ol_flags & OFFLOAD_MBUF_FLAGS))
		return;
	h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h->csum_start = (uint16_t)(m->l2_len + m->l3_len);
	h->csum_offset = (m->ol_flags & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_UDP_CKSUM
			     ? OFFLOAD_CSUM_OFF_UDP
			     : OFFLOAD_CSUM_OFF_TCP;
	if (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) {
		h->gso_type = (m->ol_flags & RTE_MBUF_F_TX_IPV6) ? VIRTIO_NET_HDR_GSO_TCPV6
								 : VIRTIO_NET_HDR_GSO_TCPV4;
		h->gso_size = m->tso_segsz;
		h->hdr_len = (uint16_t)(m->l2_len + m->l3_len + m->l4_len);
		/* a super-frame with CWR set is cut the ECN way (CWR on the first
		 * frame only), as Linux marks it (tcp_gso_segment) */
		if (m->data_len > h->csum_start + 13u &&
		    (*rte_pktmbuf_mtod_offset(m, const uint8_t *, h->csum_start + 13) & RTE_TCP_CWR_FLAG))
			h->gso_type |= VIRTIO_NET_HDR_GSO_ECN;
	}
}

int offload_csum(struct rte_mbuf *m)
{
	int udp = (m->ol_flags & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_UDP_CKSUM;
	int ret;

	ret = offload_csum_at(m, m->l2_len + m->l3_len,
			      udp ? OFFLOAD_CSUM_OFF_UDP : OFFLOAD_CSUM_OFF_TCP, udp);
	m->ol_flags &= ~OFFLOAD_TX_FLAGS;
	return ret;
}

int offload_segment(struct rte_gso_ctx *ctx, struct rte_mbuf *m, uint16_t seg_len,
		    struct rte_mbuf **out, uint16_t n_out)
{
	uint64_t flags = m->ol_flags;
	uint32_t l2 = m->l2_len, l3 = m->l3_len;
	int n;

	if (!(flags & RTE_MBUF_F_TX_IPV4) || l2 + l3 + m->l4_len >= seg_len)
		return -ENOTSUP;
	ctx->gso_size = seg_len;
	n = rte_gso_segment(m, ctx, out, n_out);
	m->ol_flags = flags; /* the library clears TCP_SEG; other ports may pass it on */
	if (n <= 0)
		return n == 0 ? -EINVAL : n;
	for (int i = 0; i < n; i++) {
		struct rte_mbuf *s = out[i];
		struct rte_ipv4_hdr *ip;
		struct rte_tcp_hdr *tcp;

		if (s->data_len < l2 + l3 + sizeof(*tcp)) {
			rte_pktmbuf_free_bulk(out, (unsigned)n);
			return -EINVAL;
		}
		ip = rte_pktmbuf_mtod_offset(s, struct rte_ipv4_hdr *, l2);
		tcp = rte_pktmbuf_mtod_offset(s, struct rte_tcp_hdr *, l2 + l3);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		tcp->cksum = 0;
		tcp->cksum = rte_ipv4_udptcp_cksum_mbuf(s, ip, (uint16_t)(l2 + l3));
		s->ol_flags &= ~OFFLOAD_TX_FLAGS;
	}
	return n;
}
