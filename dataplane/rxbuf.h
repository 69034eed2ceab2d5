/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scatter receive: backends that read with readv()/recvmsg() (tap, and
 * afpacket's super-frames) receive frames of up to 64 KiB into a chain of
 * ordinary mbufs from the switch's pool, so the pool keeps one buffer size
 * and a small frame costs one mbuf.
 *
 * Each thread keeps a set of spare mbufs, enough for the largest frame: a
 * read is offered all of them (rxbuf_iov), and the ones it filled become
 * the frame (rxbuf_take); the rest wait for the next read. Spares belong to
 * the thread, not the port, so thousands of ports cost nothing extra.
 */
#ifndef RL_RXBUF_H
#define RL_RXBUF_H

#include <stdint.h>
#include <sys/uio.h>

#include <rte_mbuf.h>

#define RXBUF_SEGS_MAX 64

struct rxbuf {
	struct rte_mempool *pool;
	unsigned n; /* spares held */
	struct rte_mbuf *m[RXBUF_SEGS_MAX];
};

/* The calling thread's spares. */
struct rxbuf *rxbuf_self(void);

/* Point iov[0..k) at the data areas of spares that hold max_len bytes
 * (allocating what is missing from pool); at most n_iov entries. Returns k,
 * or -ENOMEM (nothing allocated is lost: the spares stay). */
int rxbuf_iov(struct rxbuf *rb, struct rte_mempool *pool, uint32_t max_len, struct iovec *iov,
	      unsigned n_iov);

/* The frame of len bytes (1..what rxbuf_iov offered) the last read put in
 * the spares, as one mbuf chain; the spares it used are gone. */
struct rte_mbuf *rxbuf_take(struct rxbuf *rb, uint32_t len);

/* Give every spare back to its pool (a thread that stops receiving). */
void rxbuf_release(struct rxbuf *rb);

#endif
