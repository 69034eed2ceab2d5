/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_lcore.h>

#include "worker.h"

#define WORKER_EVENTS 64
#define WORKER_KICK   UINT64_MAX

/* An active-list entry remembers the port it was made for: if the table
 * slot now holds another port (or none), the entry is stale. Comparing the
 * pointers needs no dereference of a possibly freed port. */

struct worker *worker_create(struct sw *sw, unsigned idx)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = WORKER_KICK};
	struct worker *w;
	int err;

	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return NULL;
	w->sw = sw;
	w->idx = idx;
	w->kick_fd = -1;
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	w->active = calloc(SW_PORT_MAX, sizeof(struct worker_slot));
	w->dirty = calloc(SW_PORT_MAX, sizeof(*w->dirty));
	if (w->epfd < 0 || w->kick_fd < 0 || w->active == NULL || w->dirty == NULL) {
		err = errno ? errno : ENOMEM;
		goto fail;
	}
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->kick_fd, &ev) < 0) {
		err = errno;
		goto fail;
	}
	if (rte_rcu_qsbr_thread_register(sw->qs, idx) != 0) {
		err = EINVAL;
		goto fail;
	}
	return w;
fail:
	worker_destroy(w);
	errno = err;
	return NULL;
}

void worker_destroy(struct worker *w)
{
	if (w == NULL)
		return;
	if (w->epfd >= 0)
		close(w->epfd);
	if (w->kick_fd >= 0)
		close(w->kick_fd);
	free(w->active);
	free(w->dirty);
	free(w);
}

int worker_attach(struct worker *w, struct port *p)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = p->id};
	int fd = p->ops->rx_fd(p);

	if (fd < 0)
		return -ENOTSUP;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	return 0;
}

void worker_detach(struct worker *w, struct port *p)
{
	int fd = p->ops->rx_fd(p);

	if (fd >= 0)
		epoll_ctl(w->epfd, EPOLL_CTL_DEL, fd, NULL);
}

void worker_stop(struct worker *w)
{
	uint64_t one = 1;

	__atomic_store_n(&w->quit, true, __ATOMIC_RELEASE);
	if (write(w->kick_fd, &one, sizeof(one)) < 0) {
		/* the counter is already non-zero: the worker will wake */
	}
}

static void worker_port_flush(struct worker *w, struct port *p)
{
	uint16_t sent = 0, len = p->txq_len;

	(void)w;
	if (len == 0)
		return;
	sent = p->ops->tx_burst(p, p->txq, len);
	if (sent < len) {
		p->stats.drops[PORT_DROP_TX_FULL] += len - sent;
		rte_pktmbuf_free_bulk(&p->txq[sent], len - sent);
	}
	p->txq_len = 0;
	if (p->ops->tx_flush != NULL)
		p->ops->tx_flush(p);
}

void worker_tx(struct worker *w, struct port *p, struct rte_mbuf *m)
{
	if (p->txq_len == PORT_TXQ_SIZE)
		worker_port_flush(w, p);
	p->txq[p->txq_len++] = m;
	if (!p->tx_dirty) {
		p->tx_dirty = 1;
		w->dirty[w->n_dirty++] = p;
	}
}

void worker_flush(struct worker *w)
{
	for (uint32_t i = 0; i < w->n_dirty; i++) {
		struct port *p = w->dirty[i];

		worker_port_flush(w, p);
		p->tx_dirty = 0;
	}
	w->n_dirty = 0;
}

static void worker_activate(struct worker *w, uint32_t id)
{
	struct worker_slot *slots = w->active;
	struct port *p;

	if (id >= SW_PORT_MAX)
		return;
	p = __atomic_load_n(&w->sw->ports[id], __ATOMIC_ACQUIRE);
	if (p == NULL || p->active)
		return;
	p->active = 1;
	p->idle_polls = 0;
	slots[w->n_active].id = id;
	slots[w->n_active].p = p;
	w->n_active++;
}

unsigned worker_poll(struct worker *w)
{
	struct worker_slot *slots = w->active;
	struct rte_mbuf *pkts[SW_BURST];
	unsigned total = 0;
	uint32_t i = 0;

	w->now = rte_rdtsc();
	w->loops++;
	while (i < w->n_active) {
		struct port *p = __atomic_load_n(&w->sw->ports[slots[i].id], __ATOMIC_ACQUIRE);
		uint16_t n;

		if (p != slots[i].p) {
			slots[i] = slots[--w->n_active];
			continue;
		}
		n = p->ops->rx_burst(p, pkts, SW_BURST);
		if (n > 0) {
			p->idle_polls = 0;
			sw_input(w->sw, w, p, pkts, n);
			total += n;
		} else if (++p->idle_polls >= WORKER_IDLE_POLLS) {
			p->active = 0;
			slots[i] = slots[--w->n_active];
			continue;
		}
		i++;
	}
	worker_flush(w);
	return total;
}

void worker_wake_ports(struct worker *w, int timeout)
{
	struct epoll_event evs[WORKER_EVENTS];
	int n = epoll_wait(w->epfd, evs, WORKER_EVENTS, timeout);

	for (int i = 0; i < n; i++) {
		if (evs[i].data.u64 == WORKER_KICK) {
			uint64_t v;
			if (read(w->kick_fd, &v, sizeof(v)) < 0) {
				/* drained by an earlier wake-up */
			}
			continue;
		}
		worker_activate(w, (uint32_t)evs[i].data.u64);
	}
}

int worker_main(void *arg)
{
	struct worker *w = arg;
	struct rte_rcu_qsbr *qs = w->sw->qs;

	rte_rcu_qsbr_thread_online(qs, w->idx);
	while (!__atomic_load_n(&w->quit, __ATOMIC_ACQUIRE)) {
		if (w->n_active == 0) {
			/* nothing to poll: sleep, and let RCU writers go on
			 * without waiting for us */
			rte_rcu_qsbr_thread_offline(qs, w->idx);
			w->sleeps++;
			worker_wake_ports(w, -1);
			rte_rcu_qsbr_thread_online(qs, w->idx);
			w->wakeups++;
		} else if (w->loops % WORKER_EPOLL_EVERY == 0) {
			worker_wake_ports(w, 0);
		}
		worker_poll(w);
		rte_rcu_qsbr_quiescent(qs, w->idx);
	}
	rte_rcu_qsbr_thread_offline(qs, w->idx);
	return 0;
}
