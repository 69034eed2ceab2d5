/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * patch backend: one end of an in-process cable between two bridges of the
 * switch (a switch-to-switch link). Frames sent on one end are enqueued on
 * the other end's receive ring and its eventfd is signalled, so a parked
 * peer wakes like any port. No kernel interface, no copy.
 *
 * The two ends are created, published and removed together by the switch
 * (sw_patch_add / sw_port_del); peer is set before either is published.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <rte_malloc.h>
#include <rte_ring.h>

#include "../offload.h"
#include "../port.h"

#define PATCH_RING_SIZE 4096

struct patch {
	struct rte_ring *rx;
	int efd;
};

static int patch_open(struct port *p)
{
	struct patch *pa = port_priv(p);
	ssize_t sz = rte_ring_get_memsize(PATCH_RING_SIZE);

	/* a frame crosses to the other switch as it is: the port where it
	 * leaves the lab decides what to finish */
	p->offloads = PORT_OFFLOAD_CSUM | PORT_OFFLOAD_TSO4 | PORT_OFFLOAD_TSO6;
	pa->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (pa->efd < 0)
		return -errno;
	pa->rx = sz > 0 ? rte_zmalloc(NULL, (size_t)sz, RTE_CACHE_LINE_SIZE) : NULL;
	if (pa->rx == NULL || rte_ring_init(pa->rx, "rl_patch", PATCH_RING_SIZE, 0) < 0) {
		rte_free(pa->rx);
		close(pa->efd);
		return -ENOMEM;
	}
	return 0;
}

static void patch_close(struct port *p)
{
	struct patch *pa = port_priv(p);
	void *objs[32];
	unsigned n;

	while ((n = rte_ring_dequeue_burst(pa->rx, objs, RTE_DIM(objs), NULL)) > 0)
		rte_pktmbuf_free_bulk((struct rte_mbuf **)objs, n);
	rte_free(pa->rx);
	close(pa->efd);
}

static uint16_t patch_rx_burst(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	struct patch *pa = port_priv(p);
	unsigned got = rte_ring_dequeue_burst(pa->rx, (void **)pkts, n, NULL);

	if (got == 0) {
		uint64_t v;
		/* empty: rearm, then look again for a frame that raced in */
		if (read(pa->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			return 0;
		got = rte_ring_dequeue_burst(pa->rx, (void **)pkts, n, NULL);
	}
	return (uint16_t)got;
}

static uint16_t patch_tx_burst(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	struct port *peer = p->peer;
	struct patch *pp;
	uint64_t one = 1;
	unsigned sent;

	if (peer == NULL)
		return 0;
	pp = port_priv(peer);
	sent = rte_ring_enqueue_burst(pp->rx, (void **)pkts, n, NULL);
	for (unsigned i = 0; i < sent; i++) {
		p->stats.tx_packets++;
		p->stats.tx_bytes += pkts[i]->pkt_len;
	}
	if (sent > 0 && write(pp->efd, &one, sizeof(one)) < 0) {
		/* counter saturated: the peer is readable anyway */
	}
	return (uint16_t)sent;
}

static int patch_rx_fd(struct port *p)
{
	struct patch *pa = port_priv(p);
	return pa->efd;
}

const struct port_ops port_patch_ops = {
    .name = "patch",
    .priv_size = sizeof(struct patch),
    .open = patch_open,
    .close = patch_close,
    .rx_burst = patch_rx_burst,
    .tx_burst = patch_tx_burst,
    .rx_fd = patch_rx_fd,
    .tx_flush = NULL,
    .set_carrier = NULL,
};
