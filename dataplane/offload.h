/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Offloads that cross the switch: TCP super-frames (TSO/GSO) and frames
 * whose L4 checksum is left to the receiver, the way vhost-net carries a
 * VM's TCP.
 *
 * A host whose interface has offloads (a tap with IFF_VNET_HDR, a veth read
 * with PACKET_VNET_HDR) hands the switch frames of up to 64 KiB with a
 * virtio-net header that says what is left to do. The switch keeps that in
 * the mbuf the way DPDK's TX offloads say it (ol_flags, l2/l3/l4_len,
 * tso_segsz; the L4 checksum field holds the pseudo-header sum), so a frame
 * crosses the switch whole. At each egress one decision is taken
 * (offload_decide): pass the frame as it is, when the port takes it and the
 * link does nothing frame by frame; or finish it in software: compute the
 * checksum, or cut the super-frame into real frames with DPDK's GSO library
 * (an emulated link counts, delays and drops frames one by one; a smaller
 * MTU needs smaller frames; a port without offloads needs finished frames).
 *
 * DPDK 22.11's GSO library segments TCP over IPv4 only, so the backends
 * never accept IPv6 super-frames from the kernel (hosts segment those
 * themselves); a TCP/IPv6 super-frame that must be cut is dropped and
 * counted.
 */
#ifndef RL_OFFLOAD_H
#define RL_OFFLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/virtio_net.h>
#include <rte_gso.h>
#include <rte_mbuf.h>

/* What a port takes on transmit as it is (struct port.offloads). */
#define PORT_OFFLOAD_CSUM (1u << 0) /* L4 checksum left to the receiver */
#define PORT_OFFLOAD_TSO4 (1u << 1) /* TCP/IPv4 super-frames */
#define PORT_OFFLOAD_TSO6 (1u << 2) /* TCP/IPv6 super-frames */

/* The largest frame a super-frame may be: IP's 64 KiB plus Ethernet. */
#define OFFLOAD_FRAME_MAX (65535u + 14u + 4u)

/* The offload flags of a frame: nothing to do when none is set. */
#define OFFLOAD_MBUF_FLAGS (RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_L4_MASK)

enum offload_action {
	OFFLOAD_PASS,	 /* transmit as it is */
	OFFLOAD_CSUM,	 /* compute the L4 checksum, then transmit */
	OFFLOAD_SEGMENT, /* cut into frames (and checksum each) */
	OFFLOAD_DROP,	 /* cannot be finished here (TCP/IPv6 super-frame) */
};

/* What the egress needs, for a frame with offload flags ol_flags and
 * (super-frames) segments of seg_len bytes each, headers included, sent to
 * a port that takes 'offloads' (PORT_OFFLOAD_*) behind a link that handles
 * frames one by one ('per_frame': loss, rate, delay...) with an MTU of
 * 'mtu' bytes of IP (0: no limit). Pure: unit-tested. */
enum offload_action offload_decide(uint64_t ol_flags, uint32_t seg_len, uint32_t offloads,
				   bool per_frame, unsigned mtu);

/* Receive: read a virtio-net header into m's offload fields (m holds the
 * frame). 0, or -EINVAL for a header that does not match the frame (the
 * caller drops and counts it), or -ENOTSUP for an offload the switch does
 * not carry (UDP fragmentation offload). */
int offload_from_vnet(struct rte_mbuf *m, const struct virtio_net_hdr *h);
/* Transmit: the virtio-net header that describes m's offload fields. */
void offload_to_vnet(const struct rte_mbuf *m, struct virtio_net_hdr *h);

/* Finish the L4 checksum of m in software and clear its offload flags.
 * m must not be shared (refcnt 1). 0 or -EINVAL (bad lengths). */
int offload_csum(struct rte_mbuf *m);

/* Cut super-frame m into frames of at most seg_len bytes (headers
 * included) with checksums done, stored in out (at most n_out). m is
 * left to the caller (still holding its reference; the segments hold
 * their own); its flags are not changed, so a shared frame stays whole
 * for the other ports. Returns the number of frames or -errno. */
int offload_segment(struct rte_gso_ctx *ctx, struct rte_mbuf *m, uint16_t seg_len,
		    struct rte_mbuf **out, uint16_t n_out);

/* The segment length a super-frame asks for (headers plus tso_segsz). */
static inline uint32_t offload_seg_len(const struct rte_mbuf *m)
{
	return (uint32_t)m->l2_len + m->l3_len + m->l4_len + m->tso_segsz;
}

#endif
