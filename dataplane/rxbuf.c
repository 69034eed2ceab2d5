/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-thread spare mbufs for scatter reads. */
#include <errno.h>
#include <string.h>

#include <rte_per_lcore.h>

#include "rxbuf.h"

static RTE_DEFINE_PER_LCORE(struct rxbuf, rl_rxbuf);

struct rxbuf *rxbuf_self(void)
{
	return &RTE_PER_LCORE(rl_rxbuf);
}

void rxbuf_release(struct rxbuf *rb)
{
	rte_pktmbuf_free_bulk(rb->m, rb->n);
	rb->n = 0;
	rb->pool = NULL;
}

int rxbuf_iov(struct rxbuf *rb, struct rte_mempool *pool, uint32_t max_len, struct iovec *iov,
	      unsigned n_iov)
{
	uint32_t room = rte_pktmbuf_data_room_size(pool) - RTE_PKTMBUF_HEADROOM;
	unsigned need = (max_len + room - 1) / room;

	if (need == 0)
		need = 1;
	if (need > n_iov || need > RXBUF_SEGS_MAX)
		return -EINVAL;
	if (rb->pool != pool)
		rxbuf_release(rb);
	rb->pool = pool;
	if (rb->n < need) {
		if (rte_pktmbuf_alloc_bulk(pool, rb->m + rb->n, need - rb->n) != 0)
			return -ENOMEM;
		rb->n = need;
	}
	for (unsigned i = 0; i < need; i++) {
		iov[i].iov_base = rte_pktmbuf_mtod(rb->m[i], void *);
		iov[i].iov_len = room;
	}
	return (int)need;
}

struct rte_mbuf *rxbuf_take(struct rxbuf *rb, uint32_t len)
{
	uint32_t room = rte_pktmbuf_data_room_size(rb->pool) - RTE_PKTMBUF_HEADROOM;
	unsigned k = (len + room - 1) / room, i;
	struct rte_mbuf *head;
	uint32_t left = len;

	if (k == 0 || k > rb->n)
		return NULL;
	head = rb->m[0];
	for (i = 0; i < k; i++) {
		struct rte_mbuf *s = rb->m[i];

		s->data_len = (uint16_t)(left < room ? left : room);
		left -= s->data_len;
		s->next = i + 1 < k ? rb->m[i + 1] : NULL;
	}
	head->pkt_len = len;
	head->nb_segs = (uint16_t)k;
	rb->n -= k;
	memmove(rb->m, rb->m + k, rb->n * sizeof(rb->m[0]));
	return head;
}
