/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tap backend: the host's interface *is* a tap whose file descriptor the
 * switch holds. The tap is created directly inside the host's namespace
 * (TUNSETIFF while the control thread is in that namespace), so it needs no
 * veth, no temporary name and no move. It is not persistent: if the switch
 * dies, the kernel deletes the interface with the last fd.
 *
 * Offloads (unless conf.no_offload): the tap speaks virtio-net headers
 * (IFF_VNET_HDR) and tells the kernel it takes partial checksums and
 * TCP/IPv4 super-frames (TUNSETOFFLOAD), so the host's TCP hands the switch
 * 64 KiB at a time, as it would a vhost-net guest's. Frames are read into
 * mbuf chains (rxbuf.h). IPv6 super-frames are not asked for: DPDK's GSO
 * cannot cut them where a link needs real frames (offload.h).
 *
 * MTU: a veth drops a frame over its host's MTU (the afpacket port's send
 * fails: tx_error); a tap delivers whatever it is given, so the port
 * checks. It keeps a socket in the host's namespace and reads the tap's
 * MTU (the host may change it at any time) at most every TAP_MTU_NS, in
 * the worker before a burst: no system call per frame.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sched.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "../offload.h"
#include "../port.h"
#include "../rxbuf.h"

#define TAP_MAX_SEGS (RXBUF_SEGS_MAX + 1)
#define TAP_MTU_NS   (100 * 1000 * 1000) /* the host's MTU read again after */

struct tap {
	int fd;
	int vnet;		      /* frames carry a struct virtio_net_hdr */
	uint32_t max_rx;	      /* largest frame a read may return */
	int sock;		      /* AF_INET socket in the host's namespace (its MTU) */
	uint32_t max_tx;	      /* largest frame the host takes (but super-frames) */
	uint64_t mtu_tsc, mtu_period; /* when max_tx was read; how often */
};

/* The largest frame the tap's host takes: its MTU, Ethernet and a VLAN tag
 * (the kernel's rule for a frame forwarded to an interface). */
static void tap_read_mtu(struct tap *t)
{
	struct ifreq ifr = {0};

	/* the host may have renamed it: its name first */
	if (ioctl(t->fd, TUNGETIFF, &ifr) == 0 && ioctl(t->sock, SIOCGIFMTU, &ifr) == 0)
		t->max_tx = (uint32_t)ifr.ifr_mtu + RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN;
}

static int tap_configure(const struct port_conf *c, int s)
{
	struct ifreq ifr = {0};
	int ret = 0;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", c->ifname);
	if (memcmp(c->mac, (uint8_t[6]){0}, 6) != 0) {
		ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
		memcpy(ifr.ifr_hwaddr.sa_data, c->mac, 6);
		if (ioctl(s, SIOCSIFHWADDR, &ifr) < 0) {
			ret = -errno;
			goto out;
		}
	}
	if (c->mtu != 0) {
		ifr.ifr_mtu = (int)c->mtu;
		if (ioctl(s, SIOCSIFMTU, &ifr) < 0) {
			ret = -errno;
			goto out;
		}
	}
out:
	return ret;
}

/* Create the tap in the calling thread's current namespace. */
static int tap_create_here(struct tap *t, const struct port_conf *c)
{
	struct ifreq ifr = {0};
	int ret;

	t->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (t->fd < 0)
		return -errno;
	t->sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (t->sock < 0) {
		ret = -errno;
		goto out;
	}
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (c->no_offload ? 0 : IFF_VNET_HDR);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", c->ifname);
	if (ioctl(t->fd, TUNSETIFF, &ifr) < 0) {
		ret = -errno;
		goto out;
	}
	if (!c->no_offload) {
		int hsz = sizeof(struct virtio_net_hdr);
		unsigned off = TUN_F_CSUM | TUN_F_TSO4;

		if (ioctl(t->fd, TUNSETVNETHDRSZ, &hsz) < 0 ||
		    ioctl(t->fd, TUNSETOFFLOAD, off) < 0) {
			ret = -errno;
			goto out;
		}
		t->vnet = 1;
	}
	ret = tap_configure(c, t->sock);
	if (ret == 0)
		tap_read_mtu(t);
out:
	if (ret < 0) {
		if (t->sock >= 0)
			close(t->sock);
		close(t->fd);
		t->fd = -1;
		t->sock = -1;
	}
	return ret;
}

static int tap_open(struct port *p)
{
	struct tap *t = port_priv(p);
	int self = -1, target = -1, ret;

	t->fd = -1;
	t->sock = -1;
	t->vnet = 0;
	t->max_tx = UINT32_MAX;
	t->mtu_tsc = rte_get_tsc_cycles();
	t->mtu_period = rte_get_tsc_hz() / (1000000000 / TAP_MTU_NS);
	if (p->conf.ifname[0] == '\0')
		return -EINVAL;
	if (!p->conf.no_offload)
		p->offloads = PORT_OFFLOAD_CSUM | PORT_OFFLOAD_TSO4;
	t->max_rx = p->conf.no_offload
			? RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN + (p->conf.mtu ? p->conf.mtu : 1500)
			: OFFLOAD_FRAME_MAX;
	if (p->conf.netns[0] == '\0')
		return tap_create_here(t, &p->conf);

	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -errno;
	target = open(p->conf.netns, O_RDONLY | O_CLOEXEC);
	if (target < 0) {
		ret = -errno;
		goto out;
	}
	if (setns(target, CLONE_NEWNET) < 0) {
		ret = -errno;
		goto out;
	}
	ret = tap_create_here(t, &p->conf);
	if (setns(self, CLONE_NEWNET) < 0) {
		/* a control thread stuck in a host's namespace would create
		 * the next port in the wrong place: refuse everything */
		ret = -errno;
		if (t->fd >= 0) {
			close(t->fd);
			close(t->sock);
		}
		t->fd = -1;
		t->sock = -1;
	}
out:
	if (target >= 0)
		close(target);
	close(self);
	return ret;
}

static void tap_close(struct port *p)
{
	struct tap *t = port_priv(p);

	close(t->fd);
	close(t->sock);
}

static uint16_t tap_rx_burst(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	struct tap *t = port_priv(p);
	struct rxbuf *rb = rxbuf_self();
	struct virtio_net_hdr vh;
	struct iovec iov[TAP_MAX_SEGS];
	uint16_t got = 0;

	while (got < n) {
		int k = rxbuf_iov(rb, p->conf.pool, t->max_rx, iov + t->vnet, RXBUF_SEGS_MAX);
		struct rte_mbuf *m;
		ssize_t len;
		int ret;

		if (k < 0) {
			p->stats.drops[PORT_DROP_RX_NOMBUF]++;
			break;
		}
		if (t->vnet) {
			iov[0].iov_base = &vh;
			iov[0].iov_len = sizeof(vh);
		}
		len = readv(t->fd, iov, k + t->vnet);
		if (len <= 0)
			break;
		len -= t->vnet ? (ssize_t)sizeof(vh) : 0;
		if (len <= 0) {
			p->stats.drops[PORT_DROP_RX_TRUNCATED]++;
			continue;
		}
		m = rxbuf_take(rb, (uint32_t)len);
		if (m == NULL) {
			p->stats.drops[PORT_DROP_RX_TRUNCATED]++;
			continue;
		}
		ret = t->vnet ? offload_from_vnet(m, &vh) : 0;
		if (ret < 0) {
			p->stats.drops[PORT_DROP_RX_BAD_OFFLOAD]++;
			rte_pktmbuf_free(m);
			continue;
		}
		pkts[got++] = m;
	}
	return got;
}

static uint16_t tap_tx_burst(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	struct tap *t = port_priv(p);
	uint64_t now = rte_get_tsc_cycles();
	bool fresh = false;
	uint16_t i;

	if (now - t->mtu_tsc > t->mtu_period) {
		tap_read_mtu(t);
		t->mtu_tsc = now;
	}
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i], *seg;
		struct iovec iov[TAP_MAX_SEGS + 1];
		struct virtio_net_hdr vh;
		int nseg = 0;
		ssize_t ret;

		/* over the host's MTU, as a veth would: dropped, an error;
		 * the MTU read again first (once a burst): the host may
		 * have raised it since (`up` sets a link's MTU right after
		 * the port is made) */
		if (m->pkt_len > t->max_tx && !(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) && !fresh) {
			tap_read_mtu(t);
			t->mtu_tsc = now;
			fresh = true;
		}
		if (m->pkt_len > t->max_tx && !(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG)) {
			p->stats.drops[PORT_DROP_TX_ERROR]++;
			rte_pktmbuf_free(m);
			continue;
		}
		if (t->vnet) {
			offload_to_vnet(m, &vh);
			iov[nseg].iov_base = &vh;
			iov[nseg++].iov_len = sizeof(vh);
		}
		for (seg = m; seg != NULL && nseg < TAP_MAX_SEGS + 1; seg = seg->next, nseg++) {
			iov[nseg].iov_base = rte_pktmbuf_mtod(seg, void *);
			iov[nseg].iov_len = seg->data_len;
		}
		if (seg != NULL) {
			p->stats.drops[PORT_DROP_TX_TOOBIG]++;
			rte_pktmbuf_free(m);
			continue;
		}
		ret = writev(t->fd, iov, nseg);
		if (ret < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (ret < 0 && errno == EIO) {
			/* the host's interface is down (not yet up, or set
			 * down): nobody to deliver to, as a vhost port without
			 * its guest; no error of the switch's */
			p->stats.drops[PORT_DROP_TX_NOT_CONNECTED]++;
		} else if (ret < 0) {
			p->stats.drops[PORT_DROP_TX_ERROR]++;
		} else {
			p->stats.tx_packets++;
			p->stats.tx_bytes += m->pkt_len;
		}
		rte_pktmbuf_free(m);
	}
	return i;
}

static int tap_set_carrier(struct port *p, int up)
{
	struct tap *t = port_priv(p);
	int on = up ? 1 : 0;

	return ioctl(t->fd, TUNSETCARRIER, &on) < 0 ? -errno : 0;
}

static int tap_rx_fd(struct port *p)
{
	struct tap *t = port_priv(p);
	return t->fd;
}

const struct port_ops port_tap_ops = {
    .name = "tap",
    .priv_size = sizeof(struct tap),
    .open = tap_open,
    .close = tap_close,
    .rx_burst = tap_rx_burst,
    .tx_burst = tap_tx_burst,
    .rx_fd = tap_rx_fd,
    .tx_flush = NULL,
    .set_carrier = tap_set_carrier,
};
