/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker: one lcore polling its share of the ports.
 *
 * Adaptive polling. A port with recent traffic is on the worker's active
 * list and is polled every loop. A port that stayed empty for
 * WORKER_IDLE_POLLS loops and its park window is parked (by loops alone, a
 * cheap backend would park between two frames 100 us apart and pay a
 * wake-up for each; by time alone, a port woken for nothing would spin): it
 * stays registered on the worker's epoll set (level-triggered on its rx fd)
 * and is polled again only when epoll says it is readable. With nothing
 * active the worker sleeps in epoll_wait, RCU-offline, so an idle lab costs
 * no CPU: the cores belong to the hosts.
 *
 * The park window adapts, per port, like the kernel's haltpoll governor: a
 * frame that arrives on a parked port less than WORKER_IDLE_MAX_NS after the
 * one before it paid a wake-up (tens of microseconds in a VM) that polling
 * would have saved, so the window grows to twice that gap; a gap longer than
 * the maximum halves it, down to WORKER_IDLE_NS. Steady traffic at 1000
 * frames per second (a ping -i 0.001) is then polled, not woken for; an idle
 * or chatty-but-sparse port keeps the shortest window and costs nothing.
 *
 * Several workers. Ports are sharded over the workers (port id modulo
 * their number); a port's backend, transmit queue and emulated link belong
 * to its worker alone. A frame switched by another worker is handed over
 * through the owner's inbox (a multi-producer ring), and the owner is woken
 * if it sleeps. The FDB is shared: lock-free readers, concurrent writers.
 *
 * Emulated links. Frames an emulated link holds (delay, rate) wait in the
 * port's portlink; ports holding frames are on the worker's delayed list,
 * and each loop releases what is due. With nothing else to do the worker
 * sleeps on a timerfd until shortly before the next frame is due.
 */
#ifndef RL_WORKER_H
#define RL_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_gso.h>

#include "switch.h"

#define WORKER_IDLE_POLLS  2048 /* empty polls before a port is parked, */
#define WORKER_IDLE_NS	   500000 /* and this long since it last had a frame, */
#define WORKER_IDLE_MAX_NS 2000000 /* or up to this long, adapted (park_ns) */
#define WORKER_EPOLL_EVERY 32	/* loops between epoll checks while busy */
/* A worker holding delayed frames sleeps on a timerfd until this long
 * before the next one is due, then polls: timer wake-ups are late by tens
 * of microseconds, the TSC is not. */
#define WORKER_SPIN_NS 100000

/* Frames one super-frame may be cut into (64 KiB in frames of a small
 * MTU); more is dropped and counted. */
#define WORKER_SEGS_MAX 512

#define WORKER_INBOX_SIZE 4096 /* frames handed over by other workers */

/* A frame handed to the worker that owns port p (id: p's id when sent). */
struct worker_handoff {
	struct port *p;
	struct rte_mbuf *m;
	uint32_t id;
};

/* An active-list entry: the port id and the port it was made for. */
struct worker_slot {
	uint32_t id;
	struct port *p;
};

struct worker {
	struct sw *sw;
	unsigned idx; /* RCU thread id */
	int epfd;
	int kick_fd;  /* eventfd: wake the worker (stop) */
	int timer_fd; /* timerfd: the next delayed frame is nearly due */
	bool quit;
	struct worker_slot *active; /* ports being busy-polled */
	uint32_t n_active;
	struct port **dirty; /* ports with frames in txq */
	uint32_t n_dirty;
	struct worker_slot *delayed; /* ports whose link holds frames */
	uint32_t n_delayed;
	uint64_t next_due;  /* ns: earliest frame held, UINT64_MAX none */
	uint64_t now;       /* TSC at the start of the loop */
	uint64_t now_ns;    /* the same in nanoseconds */
	double ns_per_tsc;
	/* cutting super-frames: DPDK GSO, headers from the switch's pool and
	 * payload by reference from a pool of indirect mbufs of our own */
	struct rte_gso_ctx gso;
	struct rte_mempool *indirect;
	struct rte_mbuf *segs[WORKER_SEGS_MAX];
	/* frames other workers switched to our ports (NULL with one worker) */
	struct rte_ring *inbox;
	int sleeping;	      /* in epoll_wait: kick after handing over */
	int relink;	      /* set by worker_relink() */
	uint32_t kick_peers; /* workers handed frames this loop (bitmask) */
	/* counters, written by this worker only */
	uint64_t drops[SW_DROP__COUNT];
	uint64_t loops, sleeps, wakeups, timer_wakeups;
	/* the worker's thread, for its CPU time in stats (0 until it runs) */
	int tid;
};

/* Control: CPU time the worker's thread has used so far, in nanoseconds:
 * in its own code (user) and in the kernel (sys, which includes the
 * receiving hosts' stacks run inside its sends). -errno before it runs. */
int worker_cpu_ns(const struct worker *w, uint64_t *user_ns, uint64_t *sys_ns);

/* Control: link parameters that empty held queues (a pulled cable) were
 * published: wake the worker to apply them now rather than when the next
 * held frame is due. */
void worker_relink(struct worker *w);

/* Allocate a worker for sw. NULL + errno. */
struct worker *worker_create(struct sw *sw, unsigned idx);
void worker_destroy(struct worker *w);

/* Control: start/stop watching a port's rx fd. 0 or -errno. */
int worker_attach(struct worker *w, struct port *p);
void worker_detach(struct worker *w, struct port *p);

/* lcore entry point (rte_eal_remote_launch); returns when stopped. */
int worker_main(void *arg);
/* Control: ask the worker to return from worker_main. */
void worker_stop(struct worker *w);

/* Wait up to timeout ms (-1: forever, 0: just look) for parked ports to
 * become readable and put them back on the active list. */
void worker_wake_ports(struct worker *w, int timeout);

/* One loop iteration without sleeping; returns packets received. For tests
 * and for worker_main. */
unsigned worker_poll(struct worker *w);

/* How long p stays on the busy list without a frame (its park window). */
uint64_t worker_park_ns(const struct port *p);
/* A frame came to the parked port p gap ns after the one before it: grow
 * the window to twice the gap (up to WORKER_IDLE_MAX_NS), or halve it
 * (down to WORKER_IDLE_NS) when the gap was longer than the maximum. */
void worker_adapt_park(struct port *p, uint64_t gap);

/* Worker: the time now in nanoseconds (TSC-based, same clock as now_ns). */
uint64_t worker_clock_ns(const struct worker *w);

/* Worker: queue m for transmission on p through p's emulated link (flushed
 * at the end of the loop, or released later by the link). */
void worker_tx(struct worker *w, struct port *p, struct rte_mbuf *m);
/* Worker: transmit everything queued. */
void worker_flush(struct worker *w);

#endif
