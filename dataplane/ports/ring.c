/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ring backend: a port whose "wire" is a pair of DPDK rings in memory. The
 * other end is code, not a kernel interface: unit tests inject frames and
 * collect what the switch sends, with the same switch, FDB and worker code
 * that serves real hosts. An eventfd makes it parkable like any other port.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <rte_malloc.h>
#include <rte_ring.h>

#include "../port.h"

struct ringport {
	struct rte_ring *rx; /* injected by the far end, read by the switch */
	struct rte_ring *tx; /* written by the switch, collected by the far end */
	int efd;
};

static struct rte_ring *ringport_ring(const char *name, unsigned size)
{
	ssize_t sz = rte_ring_get_memsize(size);
	struct rte_ring *r;

	if (sz < 0) {
		errno = EINVAL;
		return NULL;
	}
	r = rte_zmalloc(NULL, (size_t)sz, RTE_CACHE_LINE_SIZE);
	if (r == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	/* the two ends run on different threads: keep the ring MP/MC safe */
	if (rte_ring_init(r, name, size, 0) < 0) {
		rte_free(r);
		errno = EINVAL;
		return NULL;
	}
	return r;
}

static int ringport_open(struct port *p)
{
	struct ringport *r = port_priv(p);
	unsigned size = p->conf.ring_size ? p->conf.ring_size : 1024;
	int ret;

	if (!rte_is_power_of_2(size))
		return -EINVAL;
	r->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (r->efd < 0)
		return -errno;
	r->rx = ringport_ring("rl_ring_rx", size);
	r->tx = ringport_ring("rl_ring_tx", size);
	if (r->rx == NULL || r->tx == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	ret = 0;
out:
	if (ret < 0) {
		rte_free(r->rx);
		rte_free(r->tx);
		close(r->efd);
	}
	return ret;
}

static void ringport_drain(struct rte_ring *ring)
{
	void *objs[32];
	unsigned n;

	while ((n = rte_ring_dequeue_burst(ring, objs, RTE_DIM(objs), NULL)) > 0)
		rte_pktmbuf_free_bulk((struct rte_mbuf **)objs, n);
}

static void ringport_close(struct port *p)
{
	struct ringport *r = port_priv(p);

	ringport_drain(r->rx);
	ringport_drain(r->tx);
	rte_free(r->rx);
	rte_free(r->tx);
	close(r->efd);
}

static uint16_t ringport_rx_burst(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	struct ringport *r = port_priv(p);
	unsigned got = rte_ring_dequeue_burst(r->rx, (void **)pkts, n, NULL);

	if (got == 0) {
		uint64_t v;
		/* empty: rearm, then look again so an injection that raced
		 * with the read is not left waiting for the next one */
		if (read(r->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			return 0;
		got = rte_ring_dequeue_burst(r->rx, (void **)pkts, n, NULL);
	}
	return (uint16_t)got;
}

static uint16_t ringport_tx_burst(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	struct ringport *r = port_priv(p);
	unsigned i, sent = rte_ring_enqueue_burst(r->tx, (void **)pkts, n, NULL);

	for (i = 0; i < sent; i++) {
		p->stats.tx_packets++;
		p->stats.tx_bytes += pkts[i]->pkt_len;
	}
	return (uint16_t)sent;
}

static int ringport_rx_fd(struct port *p)
{
	struct ringport *r = port_priv(p);
	return r->efd;
}

unsigned port_ring_inject(struct port *p, struct rte_mbuf **pkts, unsigned n)
{
	struct ringport *r = port_priv(p);
	uint64_t one = 1;
	unsigned q;

	if (p->ops != &port_ring_ops)
		return 0;
	q = rte_ring_enqueue_burst(r->rx, (void **)pkts, n, NULL);
	if (q > 0 && write(r->efd, &one, sizeof(one)) < 0)
		return q; /* counter saturated: the port is readable anyway */
	return q;
}

unsigned port_ring_collect(struct port *p, struct rte_mbuf **pkts, unsigned n)
{
	struct ringport *r = port_priv(p);

	if (p->ops != &port_ring_ops)
		return 0;
	return rte_ring_dequeue_burst(r->tx, (void **)pkts, n, NULL);
}

const struct port_ops port_ring_ops = {
    .name = "ring",
    .priv_size = sizeof(struct ringport),
    .open = ringport_open,
    .close = ringport_close,
    .rx_burst = ringport_rx_burst,
    .tx_burst = ringport_tx_burst,
    .rx_fd = ringport_rx_fd,
    .tx_flush = NULL,
};
