/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tap backend: the host's interface *is* a tap whose file descriptor the
 * switch holds. The tap is created directly inside the host's namespace
 * (TUNSETIFF while the control thread is in that namespace), so it needs no
 * veth, no temporary name and no move. It is not persistent: if the switch
 * dies, the kernel deletes the interface with the last fd.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <rte_mbuf.h>

#include "../port.h"

#define TAP_MAX_SEGS 16

struct tap {
	int fd;
};

static int tap_configure(const struct port_conf *c)
{
	struct ifreq ifr = {0};
	int s, ret = 0;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
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
	close(s);
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
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", c->ifname);
	if (ioctl(t->fd, TUNSETIFF, &ifr) < 0) {
		ret = -errno;
		goto out;
	}
	ret = tap_configure(c);
out:
	if (ret < 0) {
		close(t->fd);
		t->fd = -1;
	}
	return ret;
}

static int tap_open(struct port *p)
{
	struct tap *t = port_priv(p);
	int self = -1, target = -1, ret;

	t->fd = -1;
	if (p->conf.ifname[0] == '\0')
		return -EINVAL;
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
		if (t->fd >= 0)
			close(t->fd);
		t->fd = -1;
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
}

static uint16_t tap_rx_burst(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	struct tap *t = port_priv(p);
	uint16_t got = 0;

	while (got < n) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(p->conf.pool);
		ssize_t len;

		if (m == NULL) {
			p->stats.drops[PORT_DROP_RX_NOMBUF]++;
			break;
		}
		len = read(t->fd, rte_pktmbuf_mtod(m, void *), rte_pktmbuf_tailroom(m));
		if (len <= 0) {
			rte_pktmbuf_free(m);
			break;
		}
		m->data_len = m->pkt_len = (uint32_t)len;
		pkts[got++] = m;
	}
	return got;
}

static uint16_t tap_tx_burst(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	struct tap *t = port_priv(p);
	uint16_t i;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i], *seg;
		struct iovec iov[TAP_MAX_SEGS];
		int nseg = 0;
		ssize_t ret;

		for (seg = m; seg != NULL && nseg < TAP_MAX_SEGS; seg = seg->next, nseg++) {
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
		if (ret < 0) {
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
