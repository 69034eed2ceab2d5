/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "offload.h"
#include "portlink.h"
#include "rxbuf.h"
#include "tscns.h"
#include "worker.h"

/* Indirect mbufs per worker: segments of super-frames that wait in
 * emulated links and transmit queues each hold one. */
#define WORKER_INDIRECT_MBUFS 32768

#define WORKER_EVENTS 64
#define WORKER_KICK   UINT64_MAX
#define WORKER_TIMER  (UINT64_MAX - 1)

/* An active-list entry remembers the port it was made for: if the table
 * slot now holds another port (or none), the entry is stale. Comparing the
 * pointers needs no dereference of a possibly freed port. */

static int worker_gso_init(struct worker *w)
{
	static unsigned serial; /* pool names are process-wide */
	char name[RTE_MEMPOOL_NAMESIZE];

	snprintf(name, sizeof(name), "rl_ind%u",
		 __atomic_fetch_add(&serial, 1, __ATOMIC_RELAXED));
	w->indirect = rte_pktmbuf_pool_create(name, WORKER_INDIRECT_MBUFS, 256, 0, 0, SOCKET_ID_ANY);
	if (w->indirect == NULL)
		return rte_errno ? rte_errno : ENOMEM;
	w->gso.direct_pool = w->sw->pool;
	w->gso.indirect_pool = w->indirect;
	w->gso.gso_types = RTE_ETH_TX_OFFLOAD_TCP_TSO;
	w->gso.flag = 0; /* IP ids count up, as the kernel's segmentation does */
	w->gso.gso_size = RTE_ETHER_MAX_LEN;
	return 0;
}

struct worker *worker_create(struct sw *sw, unsigned idx)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = WORKER_KICK};
	struct epoll_event tev = {.events = EPOLLIN, .data.u64 = WORKER_TIMER};
	struct worker *w;
	int err;

	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return NULL;
	w->sw = sw;
	w->idx = idx;
	w->kick_fd = w->timer_fd = -1;
	w->next_due = UINT64_MAX;
	w->ns_per_tsc = tscns_per_cycle();
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	w->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	w->active = calloc(SW_PORT_MAX, sizeof(struct worker_slot));
	w->delayed = calloc(SW_PORT_MAX, sizeof(struct worker_slot));
	w->dirty = calloc(SW_PORT_MAX, sizeof(*w->dirty));
	if (w->epfd < 0 || w->kick_fd < 0 || w->timer_fd < 0 || w->active == NULL ||
	    w->delayed == NULL || w->dirty == NULL) {
		err = errno ? errno : ENOMEM;
		goto fail;
	}
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->kick_fd, &ev) < 0 ||
	    epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->timer_fd, &tev) < 0) {
		err = errno;
		goto fail;
	}
	if (rte_rcu_qsbr_thread_register(sw->qs, idx) != 0) {
		err = EINVAL;
		goto fail;
	}
	err = worker_gso_init(w);
	if (err != 0)
		goto fail;
	if (sw->n_workers_conf > 1) {
		char name[RTE_RING_NAMESIZE];

		snprintf(name, sizeof(name), "rl_inbox%p", (void *)w);
		w->inbox = rte_ring_create_elem(name, sizeof(struct worker_handoff),
						WORKER_INBOX_SIZE, SOCKET_ID_ANY, RING_F_SC_DEQ);
		if (w->inbox == NULL) {
			err = rte_errno ? rte_errno : ENOMEM;
			goto fail;
		}
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
	if (w->timer_fd >= 0)
		close(w->timer_fd);
	free(w->active);
	free(w->delayed);
	free(w->dirty);
	if (w->inbox != NULL) {
		struct worker_handoff h;

		while (rte_ring_dequeue_elem(w->inbox, &h, sizeof(h)) == 0)
			rte_pktmbuf_free(h.m);
		rte_ring_free(w->inbox);
	}
	rte_mempool_free(w->indirect);
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

void worker_relink(struct worker *w)
{
	uint64_t one = 1;

	__atomic_store_n(&w->relink, 1, __ATOMIC_RELEASE);
	if (write(w->kick_fd, &one, sizeof(one)) < 0) {
		/* the counter is already non-zero: the worker will wake */
	}
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

/* Queue for the backend, past the emulated link. */
static void worker_txq(struct worker *w, struct port *p, struct rte_mbuf *m)
{
	if (p->txq_len == PORT_TXQ_SIZE)
		worker_port_flush(w, p);
	p->txq[p->txq_len++] = m;
	if (!p->tx_dirty) {
		p->tx_dirty = 1;
		w->dirty[w->n_dirty++] = p;
	}
}

uint64_t worker_clock_ns(const struct worker *w)
{
	return (uint64_t)((double)rte_rdtsc() * w->ns_per_tsc);
}

/* The port's link holds frames: release them from the loop. */
static void worker_mark_delayed(struct worker *w, struct port *p)
{
	uint64_t due = portlink_next_due(p->link);

	if (due == UINT64_MAX)
		return;
	if (due < w->next_due)
		w->next_due = due;
	if (p->delayed)
		return;
	p->delayed = 1;
	w->delayed[w->n_delayed].id = p->id;
	w->delayed[w->n_delayed].p = p;
	w->n_delayed++;
}

/* Through the port's emulated link, then to its transmit queue. */
static void worker_tx_frame(struct worker *w, struct port *p, struct rte_mbuf *m)
{
	struct rte_mbuf *pass[2];
	unsigned n;

	if (!portlink_busy(p->link, PORTLINK_OUT)) {
		worker_txq(w, p, m);
		return;
	}
	n = portlink_offer(p->link, PORTLINK_OUT, &m, 1, w->now_ns, pass);
	for (unsigned i = 0; i < n; i++)
		worker_txq(w, p, pass[i]);
	worker_mark_delayed(w, p);
}

/* Finish a frame that carries offloads for a place that takes 'offloads'
 * behind a link that does or does not handle frames one by one, with an
 * IP MTU of 'mtu'. A super-frame is cut into the frames the host's own
 * segmentation would have sent (its segment size): where those do not fit,
 * the link and the port drop them as a wire would. Consumes m (one
 * reference); the finished frames are in w->segs. Returns how many (0:
 * dropped and counted). */
static unsigned worker_finish(struct worker *w, struct rte_mbuf *m, uint32_t offloads,
			      bool per_frame, unsigned mtu)
{
	uint32_t seg_len = offload_seg_len(m);
	struct rte_mbuf *c;
	int n;

	switch (offload_decide(m->ol_flags, seg_len - m->l2_len, offloads, per_frame, mtu)) {
	case OFFLOAD_PASS:
		w->segs[0] = m;
		return 1;
	case OFFLOAD_SEGMENT:
		n = seg_len > UINT16_MAX ? -EINVAL
					 : offload_segment(&w->gso, m, (uint16_t)seg_len, w->segs,
							   WORKER_SEGS_MAX);
		rte_pktmbuf_free(m);
		if (n <= 0)
			break;
		return (unsigned)n;
	case OFFLOAD_CSUM:
		/* a flooded frame is shared: finish a copy of it */
		c = m;
		if (rte_mbuf_refcnt_read(m) > 1 || RTE_MBUF_HAS_EXTBUF(m)) {
			c = rte_pktmbuf_copy(m, w->sw->pool, 0, UINT32_MAX);
			rte_pktmbuf_free(m);
			if (c == NULL)
				break;
		}
		if (offload_csum(c) < 0) {
			rte_pktmbuf_free(c);
			break;
		}
		w->segs[0] = c;
		return 1;
	case OFFLOAD_DROP:
		rte_pktmbuf_free(m);
		break;
	}
	w->drops[SW_DROP_OFFLOAD]++;
	return 0;
}

/* The IP MTU frames meet on p's link in direction d: the port's (0:
 * 1500), or the emulated link's if that is smaller. */
static unsigned worker_ip_mtu(const struct port *p, enum portlink_dir d)
{
	unsigned mtu = p->conf.mtu ? p->conf.mtu : RTE_ETHER_MTU;
	uint32_t link = p->link->d[d].em.p.mtu;

	if (link != 0 && link < mtu)
		mtu = link;
	return mtu;
}

/* Hand m to the worker that owns p. */
static void worker_handoff(struct worker *w, unsigned owner, struct port *p, struct rte_mbuf *m)
{
	struct worker *o = w->sw->workers[owner];
	struct worker_handoff h = {.p = p, .m = m, .id = p->id};

	if (rte_ring_mp_enqueue_elem(o->inbox, &h, sizeof(h)) != 0) {
		w->drops[SW_DROP_HANDOFF]++;
		rte_pktmbuf_free(m);
		return;
	}
	w->kick_peers |= 1u << owner;
}

/* Wake the workers this loop handed frames to, if they sleep. */
static void worker_kick_peers(struct worker *w)
{
	uint64_t one = 1;

	while (w->kick_peers != 0) {
		unsigned i = (unsigned)__builtin_ctz(w->kick_peers);
		struct worker *o = w->sw->workers[i];

		w->kick_peers &= w->kick_peers - 1;
		if (__atomic_load_n(&o->sleeping, __ATOMIC_SEQ_CST) &&
		    write(o->kick_fd, &one, sizeof(one)) < 0) {
			/* the counter is already non-zero: it will wake */
		}
	}
}

/* Frames other workers switched to our ports. Returns how many. */
static unsigned worker_drain_inbox(struct worker *w)
{
	struct worker_handoff h[SW_BURST];
	unsigned n, total = 0;

	if (w->inbox == NULL)
		return 0;
	while ((n = rte_ring_sc_dequeue_burst_elem(w->inbox, h, sizeof(h[0]), SW_BURST, NULL)) >
	       0) {
		for (unsigned i = 0; i < n; i++) {
			/* a port removed (or replaced) since: its frame goes */
			if (__atomic_load_n(&w->sw->ports[h[i].id], __ATOMIC_ACQUIRE) != h[i].p)
				rte_pktmbuf_free(h[i].m);
			else
				worker_tx(w, h[i].p, h[i].m);
		}
		total += n;
	}
	return total;
}

void worker_tx(struct worker *w, struct port *p, struct rte_mbuf *m)
{
	unsigned n;

	if (w->inbox != NULL) {
		unsigned owner = p->id % w->sw->n_workers;

		if (owner != w->idx) {
			worker_handoff(w, owner, p, m);
			return;
		}
	}
	if (likely(!(m->ol_flags & OFFLOAD_MBUF_FLAGS))) {
		worker_tx_frame(w, p, m);
		return;
	}
	/* a vhost port's offloads change with its guest (vhost thread) */
	n = worker_finish(w, m, __atomic_load_n(&p->offloads, __ATOMIC_ACQUIRE),
			  portlink_busy(p->link, PORTLINK_OUT), worker_ip_mtu(p, PORTLINK_OUT));
	for (unsigned i = 0; i < n; i++)
		worker_tx_frame(w, p, w->segs[i]);
}

/* Frames received on a port whose link emulates something: the link
 * handles frames one by one, so super-frames are cut first. */
static void worker_rx_link(struct worker *w, struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf *pass[2 * SW_BURST];
	unsigned k, i = 0;

	for (k = 0; k < n; k++) {
		p->stats.rx_packets++; /* counted at the wire */
		p->stats.rx_bytes += pkts[k]->pkt_len;
	}
	while (i < n) {
		unsigned plain = i, got;

		while (plain < n && !(pkts[plain]->ol_flags & OFFLOAD_MBUF_FLAGS))
			plain++;
		if (plain > i) {
			got = portlink_offer(p->link, PORTLINK_IN, pkts + i, plain - i, w->now_ns,
					     pass);
			sw_input_counted(w->sw, w, p, pass, (uint16_t)got);
			i = plain;
			continue;
		}
		got = worker_finish(w, pkts[i], 0, true, worker_ip_mtu(p, PORTLINK_IN));
		i++;
		for (k = 0; k < got; k += SW_BURST) {
			unsigned chunk = got - k < SW_BURST ? got - k : SW_BURST;
			unsigned out = portlink_offer(p->link, PORTLINK_IN, w->segs + k, chunk,
						      w->now_ns, pass);

			sw_input_counted(w->sw, w, p, pass, (uint16_t)out);
		}
	}
	worker_mark_delayed(w, p);
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

/* A port's socket reports an error (ENETDOWN while its carrier is pulled:
 * the switch end is down): read it, which clears it. Left pending, it
 * would wake the worker's epoll at once, again and again. */
static void worker_port_error(struct worker *w, uint32_t id)
{
	struct port *p;
	socklen_t len = sizeof(int);
	int fd, err;

	if (id >= SW_PORT_MAX)
		return;
	p = __atomic_load_n(&w->sw->ports[id], __ATOMIC_ACQUIRE);
	fd = p != NULL ? p->ops->rx_fd(p) : -1;
	if (fd >= 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) {
		/* not a socket (a tap): nothing to clear */
	}
}

/* Release what the emulated links hold and is due; recompute next_due. */
static void worker_release(struct worker *w)
{
	struct rte_mbuf *pkts[SW_BURST];
	uint64_t next = UINT64_MAX;
	uint32_t i = 0;

	if (w->n_delayed == 0 || w->next_due > w->now_ns) {
		return;
	}
	while (i < w->n_delayed) {
		struct worker_slot *s = &w->delayed[i];
		struct port *p = __atomic_load_n(&w->sw->ports[s->id], __ATOMIC_ACQUIRE);
		uint64_t due;
		unsigned n;

		if (p != s->p) {
			*s = w->delayed[--w->n_delayed];
			continue;
		}
		while ((n = portlink_release(p->link, PORTLINK_IN, w->now_ns, pkts, SW_BURST)) > 0)
			sw_input_counted(w->sw, w, p, pkts, (uint16_t)n);
		while ((n = portlink_release(p->link, PORTLINK_OUT, w->now_ns, pkts, SW_BURST)) > 0) {
			for (unsigned k = 0; k < n; k++)
				worker_txq(w, p, pkts[k]);
		}
		due = portlink_next_due(p->link);
		if (due == UINT64_MAX) {
			p->delayed = 0;
			*s = w->delayed[--w->n_delayed];
			continue;
		}
		if (due < next)
			next = due;
		i++;
	}
	w->next_due = next;
}

uint64_t worker_park_ns(const struct port *p)
{
	return p->park_ns != 0 ? p->park_ns : WORKER_IDLE_NS;
}

/* A frame came to a parked port 'gap' ns after the one before it. */
void worker_adapt_park(struct port *p, uint64_t gap)
{
	uint64_t cur = worker_park_ns(p), want;

	if (gap < WORKER_IDLE_MAX_NS) {
		want = 2 * gap > cur ? 2 * gap : cur;
		p->park_ns = want < WORKER_IDLE_MAX_NS ? want : WORKER_IDLE_MAX_NS;
	} else {
		p->park_ns = cur / 2 > WORKER_IDLE_NS ? cur / 2 : WORKER_IDLE_NS;
	}
}

unsigned worker_poll(struct worker *w)
{
	struct worker_slot *slots = w->active;
	struct rte_mbuf *pkts[SW_BURST];
	unsigned total = 0;
	uint32_t i = 0;

	w->now = rte_rdtsc();
	w->now_ns = (uint64_t)((double)w->now * w->ns_per_tsc);
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
			/* the frames' time is now, not the poll's start: the
			 * ports before (or a preemption) made that up to ms
			 * earlier, and an emulated delay ended that much early */
			w->now = rte_rdtsc();
			w->now_ns = (uint64_t)((double)w->now * w->ns_per_tsc);
			if (p->parked) {
				worker_adapt_park(p, w->now_ns - p->last_rx_ns);
				p->parked = 0;
			}
			p->idle_polls = 0;
			p->last_rx_ns = w->now_ns;
			total += n;
			if (portlink_busy(p->link, PORTLINK_IN)) {
				worker_rx_link(w, p, pkts, n);
			} else {
				sw_input(w->sw, w, p, pkts, n);
			}
		} else if (++p->idle_polls >= WORKER_IDLE_POLLS &&
			   w->now_ns - p->last_rx_ns >= worker_park_ns(p)) {
			p->active = 0;
			p->parked = 1;
			slots[i] = slots[--w->n_active];
			continue;
		}
		i++;
	}
	total += worker_drain_inbox(w);
	if (__atomic_exchange_n(&w->relink, 0, __ATOMIC_ACQUIRE))
		w->next_due = 0; /* look at every link that holds frames now */
	worker_release(w);
	worker_flush(w);
	worker_kick_peers(w);
	return total;
}

void worker_wake_ports(struct worker *w, int timeout)
{
	struct epoll_event evs[WORKER_EVENTS];
	int n = epoll_wait(w->epfd, evs, WORKER_EVENTS, timeout);

	for (int i = 0; i < n; i++) {
		if (evs[i].data.u64 == WORKER_TIMER) {
			uint64_t v;
			if (read(w->timer_fd, &v, sizeof(v)) > 0)
				w->timer_wakeups++;
			continue;
		}
		if (evs[i].data.u64 == WORKER_KICK) {
			uint64_t v;
			if (read(w->kick_fd, &v, sizeof(v)) < 0) {
				/* drained by an earlier wake-up */
			}
			continue;
		}
		if (evs[i].events & EPOLLERR)
			worker_port_error(w, (uint32_t)evs[i].data.u64);
		worker_activate(w, (uint32_t)evs[i].data.u64);
	}
}

/* With delayed frames held, arm the timer for shortly before the first is
 * due; returns 1 when that is so soon that polling beats sleeping. */
static int worker_due_soon(struct worker *w)
{
	struct itimerspec its = {0};
	uint64_t now, wait;

	if (w->n_delayed == 0)
		return 0;
	now = worker_clock_ns(w);
	if (w->next_due <= now + WORKER_SPIN_NS)
		return 1;
	wait = w->next_due - now - WORKER_SPIN_NS;
	its.it_value.tv_sec = (time_t)(wait / 1000000000);
	its.it_value.tv_nsec = (long)(wait % 1000000000);
	timerfd_settime(w->timer_fd, 0, &its, NULL);
	return 0;
}

/* Say we sleep, then look at the inbox once more: a worker handing over a
 * frame either sees the flag and kicks us, or we see its frame. */
static bool worker_may_sleep(struct worker *w)
{
	if (w->inbox == NULL)
		return true;
	__atomic_store_n(&w->sleeping, 1, __ATOMIC_SEQ_CST);
	if (rte_ring_empty(w->inbox))
		return true;
	__atomic_store_n(&w->sleeping, 0, __ATOMIC_SEQ_CST);
	return false;
}

int worker_cpu_ns(const struct worker *w, uint64_t *user_ns, uint64_t *sys_ns)
{
	int tid = __atomic_load_n(&w->tid, __ATOMIC_ACQUIRE);
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	long hz = sysconf(_SC_CLK_TCK);
	ssize_t n;
	int fd;

	if (tid == 0 || hz <= 0)
		return -EAGAIN;
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	/* after the command name's closing parenthesis: state is field 3,
	 * utime and stime fields 14 and 15 */
	p = strrchr(buf, ')');
	if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
				&ut, &st) != 2)
		return -EIO;
	*user_ns = ut * 1000000000ull / (unsigned long long)hz;
	*sys_ns = st * 1000000000ull / (unsigned long long)hz;
	return 0;
}

int worker_main(void *arg)
{
	struct worker *w = arg;
	struct rte_rcu_qsbr *qs = w->sw->qs;

	__atomic_store_n(&w->tid, (int)gettid(), __ATOMIC_RELEASE);
	rte_rcu_qsbr_thread_online(qs, w->idx);
	while (!__atomic_load_n(&w->quit, __ATOMIC_ACQUIRE)) {
		if (w->n_active == 0 && !worker_due_soon(w) && worker_may_sleep(w)) {
			/* nothing to poll: sleep, and let RCU writers go on
			 * without waiting for us */
			rte_rcu_qsbr_thread_offline(qs, w->idx);
			w->sleeps++;
			worker_wake_ports(w, -1);
			__atomic_store_n(&w->sleeping, 0, __ATOMIC_SEQ_CST);
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
