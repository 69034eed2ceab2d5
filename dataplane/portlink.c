/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ether.h>

#include "portlink.h"

static uint64_t portlink_dir_seed(uint64_t seed, unsigned dir)
{
	/* splitmix64 step: directions get unrelated streams */
	uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (dir + 1);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

struct portlink *portlink_create(const struct linkparams *in, const struct linkparams *out,
				 uint64_t seed, struct rte_mempool *pool)
{
	const struct linkparams *p[2] = {in, out};
	struct portlink *pl = calloc(1, sizeof(*pl));

	if (pl == NULL)
		return NULL;
	pl->pool = pool;
	pl->held_max = pool != NULL ? pool->size / PORTLINK_POOL_SHARE : PORTLINK_QUEUE_MAX;
	for (unsigned d = 0; d < 2; d++) {
		struct portlink_dirq *q = &pl->d[d];

		linkem_init(&q->em, p[d], portlink_dir_seed(seed, d));
		q->pub = *p[d];
		q->active = !linkparams_is_null(p[d]);
	}
	return pl;
}

void portlink_destroy(struct portlink *pl)
{
	if (pl == NULL)
		return;
	for (unsigned d = 0; d < 2; d++) {
		struct portlink_dirq *q = &pl->d[d];

		for (uint32_t i = 0; i < q->n; i++)
			rte_pktmbuf_free(q->heap[i].m);
		free(q->heap);
	}
	free(pl);
}

void portlink_set(struct portlink *pl, enum portlink_dir dir, const struct linkparams *p)
{
	struct portlink_dirq *q = &pl->d[dir];
	uint32_t s = __atomic_load_n(&q->pub_seq, __ATOMIC_RELAXED);

	/* sequence lock: odd while writing; the worker retries on a change */
	__atomic_store_n(&q->pub_seq, s + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	q->pub = *p;
	__atomic_store_n(&q->pub_seq, s + 2, __ATOMIC_RELEASE);
}

void portlink_params(const struct portlink *pl, enum portlink_dir dir, struct linkparams *p)
{
	/* the control thread is the only writer of pub */
	*p = pl->d[dir].pub;
}

/* Worker: pick up parameters published since the last frame. */
static void portlink_apply(struct portlink_dirq *q, uint64_t now_ns)
{
	uint32_t s1 = __atomic_load_n(&q->pub_seq, __ATOMIC_ACQUIRE), s2;
	struct linkparams p;

	if (s1 == q->applied_seq || (s1 & 1))
		return;
	memcpy(&p, &q->pub, sizeof(p));
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	s2 = __atomic_load_n(&q->pub_seq, __ATOMIC_RELAXED);
	if (s1 != s2)
		return; /* written meanwhile: take it next time */
	linkem_update(&q->em, &p, now_ns);
	q->active = !linkparams_is_null(&p);
	q->applied_seq = s1;
	/* a pulled cable loses what was on the wire */
	if (p.down) {
		q->em.st.drops[LINKEM_DROP_DOWN] += q->n;
		for (uint32_t i = 0; i < q->n; i++)
			rte_pktmbuf_free(q->heap[i].m);
		q->n = 0;
		q->held_mbufs = 0;
	}
}

/* ---- the release-time heap ------------------------------------------ */

static inline int pl_before(const struct portlink_entry *a, const struct portlink_entry *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static int pl_push(const struct portlink *pl, struct portlink_dirq *q, uint64_t t,
		   struct rte_mbuf *m)
{
	uint32_t i;

	if (q->held_mbufs + m->nb_segs > pl->held_max)
		return -ENOBUFS;
	if (q->n == q->cap) {
		uint32_t cap = q->cap ? q->cap * 2 : 256;
		struct portlink_entry *h;

		if (cap > PORTLINK_QUEUE_MAX)
			return -ENOSPC;
		/* rare: the queue only grows to the link's bandwidth-delay */
		h = realloc(q->heap, sizeof(*h) * cap);
		if (h == NULL)
			return -ENOMEM;
		q->heap = h;
		q->cap = cap;
	}
	i = q->n++;
	q->held_mbufs += m->nb_segs;
	q->heap[i] = (struct portlink_entry){.t = t, .seq = q->seq++, .m = m};
	while (i > 0) {
		uint32_t parent = (i - 1) / 2;
		struct portlink_entry tmp;

		if (!pl_before(&q->heap[i], &q->heap[parent]))
			break;
		tmp = q->heap[i];
		q->heap[i] = q->heap[parent];
		q->heap[parent] = tmp;
		i = parent;
	}
	return 0;
}

static struct rte_mbuf *pl_pop(struct portlink_dirq *q)
{
	struct rte_mbuf *m = q->heap[0].m;
	uint32_t i = 0;

	q->held_mbufs -= m->nb_segs;
	q->heap[0] = q->heap[--q->n];
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, best = i;
		struct portlink_entry tmp;

		if (l < q->n && pl_before(&q->heap[l], &q->heap[best]))
			best = l;
		if (r < q->n && pl_before(&q->heap[r], &q->heap[best]))
			best = r;
		if (best == i)
			break;
		tmp = q->heap[i];
		q->heap[i] = q->heap[best];
		q->heap[best] = tmp;
		i = best;
	}
	return m;
}

/* ---- worker side ----------------------------------------------------- */

/* Flip one bit. A flooded frame is shared by other ports: corrupt a copy. */
static struct rte_mbuf *pl_corrupt(struct portlink *pl, struct portlink_dirq *q, struct rte_mbuf *m,
				   uint32_t bit)
{
	uint8_t *byte;

	if (rte_mbuf_refcnt_read(m) > 1 || !RTE_MBUF_DIRECT(m)) {
		struct rte_mbuf *c = rte_pktmbuf_copy(m, pl->pool, 0, UINT32_MAX);

		if (c == NULL) {
			q->nombuf++;
			return m; /* deliver it intact rather than not at all */
		}
		rte_pktmbuf_free(m);
		m = c;
	}
	byte = rte_pktmbuf_mtod_offset(m, uint8_t *, 0);
	if (bit / 8 < m->data_len)
		byte[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	return m;
}

/* The Ethernet header and up to two VLAN tags (802.1Q, 802.1ad): what an
 * IP MTU does not count. */
static uint32_t portlink_l2_len(const struct rte_mbuf *m)
{
	uint32_t l2 = RTE_ETHER_HDR_LEN;

	for (int i = 0; i < 2; i++) {
		uint16_t buf;
		const uint16_t *type = rte_pktmbuf_read(m, l2 - 2, sizeof(buf), &buf);

		if (type == NULL || (*type != rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN) &&
				     *type != rte_cpu_to_be_16(RTE_ETHER_TYPE_QINQ)))
			break;
		l2 += RTE_VLAN_HLEN;
	}
	return l2;
}

unsigned portlink_offer(struct portlink *pl, enum portlink_dir dir, struct rte_mbuf **pkts,
			unsigned n, uint64_t now_ns, struct rte_mbuf **pass)
{
	struct portlink_dirq *q = &pl->d[dir];
	unsigned npass = 0;

	portlink_apply(q, now_ns);
	if (!q->active && q->n == 0) {
		memmove(pass, pkts, sizeof(*pkts) * n);
		return n;
	}
	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct linkem_decision d;

		if (!q->active) {
			/* emulation switched off: frames queue behind held ones */
			d = (struct linkem_decision){
			    .copies = 1, .release_ns = {now_ns}, .corrupt_bit = -1};
		} else {
			linkem_decide(&q->em, m->pkt_len,
				      q->em.p.mtu ? portlink_l2_len(m) : RTE_ETHER_HDR_LEN, now_ns,
				      &d);
		}
		if (d.drop != LINKEM_PASS) {
			rte_pktmbuf_free(m);
			continue;
		}
		if (d.corrupt_bit >= 0)
			m = pl_corrupt(pl, q, m, (uint32_t)d.corrupt_bit);
		if (d.copies == 2)
			rte_pktmbuf_refcnt_update(m, 1); /* every segment */
		for (unsigned c = 0; c < d.copies; c++) {
			if (q->n == 0 && d.release_ns[c] <= now_ns) {
				pass[npass++] = m;
			} else if (pl_push(pl, q, d.release_ns[c], m) < 0) {
				/* dropped, not passed: offered = passed + drops */
				q->heap_full++;
				if (c == 0 && q->em.st.passed > 0)
					q->em.st.passed--;
				else if (c == 1 && q->em.st.duplicated > 0)
					q->em.st.duplicated--;
				rte_pktmbuf_free(m);
			}
		}
	}
	return npass;
}

unsigned portlink_release(struct portlink *pl, enum portlink_dir dir, uint64_t now_ns,
			  struct rte_mbuf **out, unsigned max)
{
	struct portlink_dirq *q = &pl->d[dir];
	unsigned n = 0;

	portlink_apply(q, now_ns); /* a pulled cable empties the queue */
	while (n < max && q->n > 0 && q->heap[0].t <= now_ns)
		out[n++] = pl_pop(q);
	return n;
}

uint64_t portlink_next_due(const struct portlink *pl)
{
	uint64_t t = UINT64_MAX;

	for (unsigned d = 0; d < 2; d++) {
		if (pl->d[d].n > 0 && pl->d[d].heap[0].t < t)
			t = pl->d[d].heap[0].t;
	}
	return t;
}
