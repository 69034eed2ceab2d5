/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * afpacket backend: a packet socket with an mmap'd RX ring on the switch's
 * end of a veth pair, transmitting with sendmmsg().
 *
 * Ring version: TPACKET_V2, one frame per slot. TPACKET_V3 hands whole blocks
 * to user space only when a block fills or its retire timer (milliseconds,
 * rounded to jiffies) expires; at lab traffic rates that timer *is* the
 * latency, so ping through a V3 ring measures the timer. V2 releases each
 * frame as soon as it is written, which is what a switch needs. The DPDK
 * af_packet PMD made the same choice.
 *
 * Offloads (unless conf.no_offload): with PACKET_VNET_HDR every frame in
 * the rings carries a virtio-net header, so the host's TCP super-frames and
 * partial checksums cross the switch whole (offload.h). Ring slots stay
 * MTU-sized: a super-frame that does not fit its slot is left there
 * truncated and marked TP_STATUS_COPY, and the kernel queues the whole
 * frame on the socket (PACKET_COPY_THRESH), where recvmsg() reads it into
 * an mbuf chain (rxbuf.h).
 *
 * Transmit: one sendmmsg() per burst, each message gathered from the mbuf's
 * segments (and its virtio-net header), not a TX ring. A TX ring hands the
 * kernel frames as page fragments that point into the ring (zero-copy), and
 * a veth must not pass those to another namespace: it copies each frame
 * into a freshly allocated page (skb_copy_ubufs) in the sender's syscall. A
 * plain send copies once into a linear skb, which costs less for every
 * frame size, and it carries super-frames of any size the same way.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "../offload.h"
#include "../port.h"
#include "../rxbuf.h"

#define AFP_RX_FRAMES 128
/* socket receive buffer for super-frames that do not fit a ring slot */
#define AFP_RCVBUF (4 << 20)
#define AFP_MAX_IOV (RXBUF_SEGS_MAX + 1)
/* frames handed to one sendmmsg(): a worker's TX burst (PORT_TXQ_SIZE) */
#define AFP_TX_BATCH 32
/* gathered segments per frame on transmit: the header and a chain as long
 * as the longest this switch builds (a super-frame read by rxbuf) */
#define AFP_TX_IOV AFP_MAX_IOV

struct afp {
	int fd;
	uint8_t *map;
	size_t map_len;
	unsigned frame_size;
	unsigned rx_n;
	unsigned rx_idx;
	uint8_t *rx_ring;
	bool vnet; /* frames carry a struct virtio_net_hdr */
	unsigned ifindex;
};

static unsigned afp_frame_size(unsigned mtu)
{
	unsigned need = TPACKET_ALIGN(TPACKET2_HDRLEN) + RTE_ETHER_HDR_LEN + 2 * RTE_VLAN_HLEN +
			sizeof(struct virtio_net_hdr) + mtu;
	unsigned fs = 2048;

	while (fs < need)
		fs <<= 1;
	return fs;
}

static int afp_setup_ring(struct afp *a, int opt, unsigned frames)
{
	/* one frame per block keeps the arithmetic trivial and lets the
	 * kernel use order-0 pages for frames up to 4 KiB */
	unsigned block = a->frame_size < 4096 ? 4096 : a->frame_size;
	struct tpacket_req req = {
	    .tp_block_size = block,
	    .tp_frame_size = a->frame_size,
	    .tp_block_nr = frames / (block / a->frame_size),
	    .tp_frame_nr = frames,
	};

	if (setsockopt(a->fd, SOL_PACKET, opt, &req, sizeof(req)) < 0)
		return -errno;
	return 0;
}

static int afp_open(struct port *p)
{
	struct afp *a = port_priv(p);
	unsigned mtu = p->conf.mtu ? p->conf.mtu : 1500;
	int ver = TPACKET_V2, one = 1, ret;
	struct sockaddr_ll sll = {0};
	unsigned ifindex;

	a->fd = -1;
	a->map = MAP_FAILED;
	ifindex = if_nametoindex(p->conf.ifname);
	if (ifindex == 0)
		return -errno;
	a->ifindex = ifindex;
	a->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (a->fd < 0) {
		ret = -errno;
		goto out;
	}
	if (setsockopt(a->fd, SOL_PACKET, PACKET_VERSION, &ver, sizeof(ver)) < 0) {
		ret = -errno;
		goto out;
	}
	/* frames we transmit on this interface must not come back to us */
	if (setsockopt(a->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0) {
		ret = -errno;
		goto out;
	}
	/* the switch is the only queueing discipline a lab link has */
	(void)setsockopt(a->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	a->vnet = !p->conf.no_offload;
	if (a->vnet) {
		int rcvbuf = AFP_RCVBUF;

		if (setsockopt(a->fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) < 0 ||
		    setsockopt(a->fd, SOL_PACKET, PACKET_COPY_THRESH, &one, sizeof(one)) < 0) {
			ret = -errno;
			goto out;
		}
		/* root may exceed net.core.rmem_max; anyone else gets the max */
		if (setsockopt(a->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
			(void)setsockopt(a->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
		p->offloads = PORT_OFFLOAD_CSUM | PORT_OFFLOAD_TSO4;
	}

	a->frame_size = afp_frame_size(mtu);
	a->rx_n = p->conf.ring_size ? p->conf.ring_size : AFP_RX_FRAMES;
	if (a->rx_n < 16 || a->rx_n > 4096 || (a->rx_n & (a->rx_n - 1))) {
		ret = -EINVAL;
		goto out;
	}
	ret = afp_setup_ring(a, PACKET_RX_RING, a->rx_n);
	if (ret < 0)
		goto out;
	a->map_len = (size_t)a->frame_size * a->rx_n;
	a->map =
	    mmap(NULL, a->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, a->fd, 0);
	if (a->map == MAP_FAILED) {
		ret = -errno;
		goto out;
	}
	a->rx_ring = a->map;

	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)ifindex;
	if (bind(a->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		ret = -errno;
		goto out;
	}
	ret = 0;
out:
	if (ret < 0) {
		if (a->map != MAP_FAILED)
			munmap(a->map, a->map_len);
		if (a->fd >= 0)
			close(a->fd);
	}
	return ret;
}

static void afp_close(struct port *p)
{
	struct afp *a = port_priv(p);

	munmap(a->map, a->map_len);
	close(a->fd);
}

static inline struct tpacket2_hdr *afp_frame(uint8_t *ring, unsigned fs, unsigned idx)
{
	return (struct tpacket2_hdr *)(ring + (size_t)fs * idx);
}

/* The whole frame behind a slot marked TP_STATUS_COPY: the kernel queued
 * it on the socket. NULL (counted) if it cannot be read. */
static struct rte_mbuf *afp_rx_copy(struct port *p, struct afp *a)
{
	struct rxbuf *rb = rxbuf_self();
	struct virtio_net_hdr vh;
	struct iovec iov[AFP_MAX_IOV];
	struct msghdr msg = {.msg_iov = iov};
	struct rte_mbuf *m;
	ssize_t len;
	int k;

	k = rxbuf_iov(rb, p->conf.pool, OFFLOAD_FRAME_MAX, iov + 1, RXBUF_SEGS_MAX);
	if (k < 0) {
		p->stats.drops[PORT_DROP_RX_NOMBUF]++;
		return NULL;
	}
	iov[0].iov_base = &vh;
	iov[0].iov_len = sizeof(vh);
	msg.msg_iovlen = (size_t)k + 1;
	len = recvmsg(a->fd, &msg, MSG_DONTWAIT);
	if (len <= (ssize_t)sizeof(vh) || (msg.msg_flags & MSG_TRUNC)) {
		p->stats.drops[PORT_DROP_RX_TRUNCATED]++;
		return NULL;
	}
	m = rxbuf_take(rb, (uint32_t)(len - (ssize_t)sizeof(vh)));
	if (m != NULL && offload_from_vnet(m, &vh) < 0) {
		p->stats.drops[PORT_DROP_RX_BAD_OFFLOAD]++;
		rte_pktmbuf_free(m);
		m = NULL;
	}
	return m;
}

/* Copy one ring frame into a new mbuf; NULL (counted) if it cannot be. */
static struct rte_mbuf *afp_rx_one(struct port *p, struct tpacket2_hdr *h, uint32_t status)
{
	struct afp *a = port_priv(p);
	struct rte_mbuf *m;

	if (a->vnet && (status & TP_STATUS_COPY))
		m = afp_rx_copy(p, a);
	else if (h->tp_snaplen != h->tp_len) {
		p->stats.drops[PORT_DROP_RX_TRUNCATED]++;
		return NULL;
	} else {
		m = rte_pktmbuf_alloc(p->conf.pool);
		if (m == NULL) {
			p->stats.drops[PORT_DROP_RX_NOMBUF]++;
			return NULL;
		}
		if (h->tp_snaplen > rte_pktmbuf_tailroom(m)) {
			p->stats.drops[PORT_DROP_RX_TRUNCATED]++;
			rte_pktmbuf_free(m);
			return NULL;
		}
		memcpy(rte_pktmbuf_mtod(m, void *), (uint8_t *)h + h->tp_mac, h->tp_snaplen);
		m->data_len = m->pkt_len = h->tp_snaplen;
		if (a->vnet &&
		    offload_from_vnet(m, (const struct virtio_net_hdr *)((uint8_t *)h + h->tp_mac -
									 sizeof(struct virtio_net_hdr))) < 0) {
			p->stats.drops[PORT_DROP_RX_BAD_OFFLOAD]++;
			rte_pktmbuf_free(m);
			return NULL;
		}
	}
	if (m == NULL)
		return NULL;
	/* the kernel keeps the outer VLAN tag out of band (TCI 0, a priority
	 * tag, too: VLAN_VALID says there is one); put it back in the frame as
	 * it was, 802.1ad's TPID included (rte_vlan_insert writes 802.1Q's) */
	if (status & TP_STATUS_VLAN_VALID) {
		uint16_t tpid = (status & TP_STATUS_VLAN_TPID_VALID) && h->tp_vlan_tpid
				    ? h->tp_vlan_tpid
				    : RTE_ETHER_TYPE_VLAN;

		m->vlan_tci = h->tp_vlan_tci;
		if (rte_vlan_insert(&m) != 0) {
			p->stats.drops[PORT_DROP_RX_NOMBUF]++;
			rte_pktmbuf_free(m);
			return NULL;
		}
		/* rte_vlan_insert moved l2_len past the tag itself: the
		 * offsets offload_from_vnet set stay right (adding the tag
		 * again put checksums 4 bytes into the payload) */
		rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type = rte_cpu_to_be_16(tpid);
	}
	return m;
}

static uint16_t afp_rx_burst(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	struct afp *a = port_priv(p);
	uint16_t got = 0;

	while (got < n) {
		struct tpacket2_hdr *h = afp_frame(a->rx_ring, a->frame_size, a->rx_idx);
		uint32_t status = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
		struct rte_mbuf *m;

		if (!(status & TP_STATUS_USER))
			break;
		m = afp_rx_one(p, h, status);
		__atomic_store_n(&h->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
		a->rx_idx = a->rx_idx + 1 == a->rx_n ? 0 : a->rx_idx + 1;
		if (m != NULL)
			pkts[got++] = m;
	}
	return got;
}

/* Gather a frame into a message: its virtio-net header, then its segments,
 * to the port's interface with the frame's own EtherType. 0, or -EMSGSIZE
 * for a chain of more segments than a message takes. */
static int afp_tx_gather(struct afp *a, struct rte_mbuf *m, struct mmsghdr *mm,
			 struct iovec *iov, struct virtio_net_hdr *vh, struct sockaddr_ll *sll)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	struct rte_mbuf *seg;
	size_t n = 0;

	if (a->vnet) {
		offload_to_vnet(m, vh);
		iov[n].iov_base = vh;
		iov[n++].iov_len = sizeof(*vh);
	}
	for (seg = m; seg != NULL && n < AFP_TX_IOV; seg = seg->next, n++) {
		iov[n].iov_base = rte_pktmbuf_mtod(seg, void *);
		iov[n].iov_len = seg->data_len;
	}
	if (seg != NULL)
		return -EMSGSIZE;
	memset(mm, 0, sizeof(*mm));
	memset(sll, 0, sizeof(*sll));
	sll->sll_family = AF_PACKET;
	sll->sll_ifindex = (int)a->ifindex;
	sll->sll_protocol = eth->ether_type;
	mm->msg_hdr.msg_name = sll;
	mm->msg_hdr.msg_namelen = sizeof(*sll);
	mm->msg_hdr.msg_iov = iov;
	mm->msg_hdr.msg_iovlen = n;
	return 0;
}

static void afp_tx_drop(struct port *p, int err)
{
	p->stats.drops[err == EMSGSIZE ? PORT_DROP_TX_TOOBIG : PORT_DROP_TX_ERROR]++;
}

/* One sendmmsg() for the burst. A message the kernel refuses is counted
 * and skipped, and the rest go on: a frame too big for the device, a
 * device that is down, and ENOBUFS, the veth dropping that one frame (its
 * host's end down, a host MTU it exceeds, the host's backlog full; the
 * socket bypasses the qdisc, so nothing queues). Only a full socket
 * (EAGAIN) ends the burst, and the worker counts the rest as tx_full. */
static uint16_t afp_tx_burst(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	struct afp *a = port_priv(p);
	struct mmsghdr mm[AFP_TX_BATCH];
	struct iovec iov[AFP_TX_BATCH][AFP_TX_IOV];
	struct virtio_net_hdr vh[AFP_TX_BATCH];
	struct sockaddr_ll sll[AFP_TX_BATCH];
	struct rte_mbuf *held[AFP_TX_BATCH];
	uint16_t i = 0;

	while (i < n) {
		unsigned k = 0, done = 0;

		/* gather up to a batch; frames that cannot be sent are
		 * dropped here, the rest are held until the kernel has them */
		while (i < n && k < AFP_TX_BATCH) {
			struct rte_mbuf *m = pkts[i++];

			if (afp_tx_gather(a, m, &mm[k], iov[k], &vh[k], &sll[k]) < 0) {
				afp_tx_drop(p, EMSGSIZE);
				rte_pktmbuf_free(m);
				continue;
			}
			held[k++] = m;
		}
		while (done < k) {
			int r = sendmmsg(a->fd, mm + done, k - done, MSG_DONTWAIT);

			if (r > 0) {
				for (unsigned j = done; j < done + (unsigned)r; j++) {
					p->stats.tx_packets++;
					p->stats.tx_bytes += held[j]->pkt_len;
				}
				rte_pktmbuf_free_bulk(held + done, (unsigned)r);
				done += (unsigned)r;
				continue;
			}
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0 && errno != EAGAIN) {
				/* this message failed: count it and go on */
				afp_tx_drop(p, errno);
				rte_pktmbuf_free(held[done++]);
				continue;
			}
			/* the socket is full: give back what was not sent,
			 * as unsent, in order */
			for (unsigned j = done; j < k; j++)
				pkts[i - (k - j)] = held[j];
			return (uint16_t)(i - (k - done));
		}
	}
	return i;
}

/* Frames the kernel dropped because the receive ring was full; reading
 * PACKET_STATISTICS resets the kernel's counters, so only the control
 * thread does it. */
static void afp_sync_stats(struct port *p)
{
	struct afp *a = port_priv(p);
	struct tpacket_stats st;
	socklen_t len = sizeof(st);

	if (getsockopt(a->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0)
		__atomic_fetch_add(&p->stats.drops[PORT_DROP_RX_RING_FULL], st.tp_drops,
				   __ATOMIC_RELAXED);
}

static int afp_rx_fd(struct port *p)
{
	struct afp *a = port_priv(p);
	return a->fd;
}

const struct port_ops port_afpacket_ops = {
    .name = "afpacket",
    .priv_size = sizeof(struct afp),
    .open = afp_open,
    .close = afp_close,
    .rx_burst = afp_rx_burst,
    .tx_burst = afp_tx_burst,
    .rx_fd = afp_rx_fd,
    .set_carrier = port_veth_set_carrier,
    .sync_stats = afp_sync_stats,
};
