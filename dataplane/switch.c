/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_malloc.h>

#include "kfast.h"
#include "switch.h"
#include "worker.h"

static const char *const sw_drop_names[SW_DROP__COUNT] = {
    [SW_DROP_RUNT] = "runt",
    [SW_DROP_BAD_SRC] = "bad_src_mac",
    [SW_DROP_SAME_PORT] = "same_port",
    [SW_DROP_PORT_GONE] = "port_gone",
    [SW_DROP_NO_DEST] = "no_destination",
    [SW_DROP_BLOCKED] = "blocked_port",
    [SW_DROP_PARTITION] = "partitioned",
    [SW_DROP_OFFLOAD] = "offload",
    [SW_DROP_HANDOFF] = "worker_inbox_full",
    [SW_DROP_LINK_LOCAL] = "link_local_multicast",
};

const char *sw_drop_name(enum sw_drop d)
{
	if ((unsigned)d >= SW_DROP__COUNT)
		return "?";
	return sw_drop_names[d];
}

/* ---- control side ---------------------------------------------------- */

#define SW_POOL_THREADS 128

struct sw_par {
	unsigned n;
	unsigned next; /* atomic */
	void (*fn)(unsigned i, void *arg);
	void *arg;
};

static void *sw_par_thread(void *v)
{
	struct sw_par *par = v;
	unsigned i;

	while ((i = __atomic_fetch_add(&par->next, 1, __ATOMIC_RELAXED)) < par->n)
		par->fn(i, par->arg);
	return NULL;
}

/* Run fn(i) for i < n on up to SW_POOL_THREADS threads. Opening and closing
 * kernel sockets waits for RCU grace periods (packet rings call
 * synchronize_net()); in parallel the waits overlap instead of adding up. */
static void sw_parallel(unsigned n, void (*fn)(unsigned i, void *arg), void *arg)
{
	struct sw_par par = {.n = n, .fn = fn, .arg = arg};
	pthread_t th[SW_POOL_THREADS];
	unsigned t, started = 0;

	for (t = 0; t < SW_POOL_THREADS && t + 1 < n; t++) {
		if (pthread_create(&th[t], NULL, sw_par_thread, &par) != 0)
			break;
		started++;
	}
	sw_par_thread(&par); /* this thread helps, and does it all if alone */
	for (t = 0; t < started; t++)
		pthread_join(th[t], NULL);
}

static void sw_sync(struct sw *sw)
{
	rte_rcu_qsbr_synchronize(sw->qs, RTE_QSBR_THRID_INVALID);
}

struct sw *sw_create(const struct sw_conf *conf)
{
	unsigned nw = conf->n_workers;
	struct sw *sw;
	size_t qsz;
	int err;

	if (nw == 0 || nw > SW_WORKER_MAX || conf->pool == NULL) {
		errno = EINVAL;
		return NULL;
	}
	sw = calloc(1, sizeof(*sw));
	if (sw == NULL)
		return NULL;
	sw->pool = conf->pool;
	sw->ports = calloc(SW_PORT_MAX, sizeof(*sw->ports));
	sw->bridges = calloc(SW_BRIDGE_MAX, sizeof(*sw->bridges));
	qsz = rte_rcu_qsbr_get_memsize(nw);
	sw->qs = rte_zmalloc(NULL, qsz, RTE_CACHE_LINE_SIZE);
	if (sw->ports == NULL || sw->bridges == NULL || sw->qs == NULL) {
		err = ENOMEM;
		goto fail;
	}
	if (rte_rcu_qsbr_init(sw->qs, nw) != 0) {
		err = EINVAL;
		goto fail;
	}
	sw->fdb_age_ms = conf->fdb_age_ms ? conf->fdb_age_ms : 300000;
	sw->fdb = fdb_create("rl_fdb", conf->fdb_entries ? conf->fdb_entries : 65536,
			     sw->fdb_age_ms, sw->qs);
	if (sw->fdb == NULL) {
		err = errno;
		goto fail;
	}
	sw->n_workers_conf = nw;
	for (sw->n_workers = 0; sw->n_workers < nw; sw->n_workers++) {
		sw->workers[sw->n_workers] = worker_create(sw, sw->n_workers);
		if (sw->workers[sw->n_workers] == NULL) {
			err = errno;
			goto fail;
		}
	}
	return sw;
fail:
	sw_destroy(sw);
	errno = err;
	return NULL;
}

static void sw_destroy_one(unsigned i, void *arg)
{
	port_destroy(((struct port **)arg)[i]);
}

/* Remove every port at once: one grace period, closes in parallel. */
static void sw_ports_clear(struct sw *sw)
{
	struct port **all = malloc(sizeof(*all) * (sw->n_ports + 1));
	unsigned n = 0;

	for (uint32_t i = 0; i < sw->port_hwm; i++) {
		struct port *p = sw->ports[i];

		if (p == NULL)
			continue;
		if (all == NULL) { /* no memory: the slow way still works */
			sw_port_del(sw, p->conf.name);
			continue;
		}
		worker_detach(sw->workers[p->id % sw->n_workers], p);
		__atomic_store_n(&sw->ports[i], NULL, __ATOMIC_RELEASE);
		all[n++] = p;
	}
	sw->n_ports = 0;
	for (unsigned b = 0; b < sw->n_bridges; b++) {
		struct sw_portset *empty = calloc(1, sizeof(*empty));
		struct sw_portset *old = sw->bridges[b].ports;

		if (empty == NULL)
			continue;
		__atomic_store_n(&sw->bridges[b].ports, empty, __ATOMIC_RELEASE);
		sw_sync(sw);
		free(old);
	}
	sw_sync(sw);
	fdb_flush_all(sw->fdb);
	sw_parallel(n, sw_destroy_one, all);
	free(all);
}

void sw_destroy(struct sw *sw)
{
	if (sw == NULL)
		return;
	if (sw->ports != NULL)
		sw_ports_clear(sw);
	for (unsigned i = 0; i < sw->n_workers; i++)
		worker_destroy(sw->workers[i]);
	if (sw->bridges != NULL) {
		for (unsigned i = 0; i < sw->n_bridges; i++)
			free(sw->bridges[i].ports);
	}
	fdb_destroy(sw->fdb);
	rte_free(sw->qs);
	free(sw->bridges);
	free(sw->ports);
	free(sw);
}

struct port *sw_port_find(struct sw *sw, const char *name)
{
	for (uint32_t i = 0; i < sw->port_hwm; i++) {
		struct port *p = sw->ports[i];
		if (p != NULL && strcmp(p->conf.name, name) == 0)
			return p;
	}
	return NULL;
}

const char *sw_port_bridge(const struct sw *sw, const struct port *p)
{
	return sw->bridges[p->bridge].name;
}

static int sw_bridge_taken(int bid, const int *taken, unsigned n_taken)
{
	for (unsigned k = 0; k < n_taken; k++)
		if (taken[k] == bid)
			return 1;
	return 0;
}

/* The id of the bridge called name, made if there is none. Ids are never
 * freed (workers index the table), so when all are made, one without
 * ports takes the new name: a bridge of ports all deleted, or one whose
 * only add failed. Not one of 'taken', the ids the caller got for ports
 * not yet published. The id or -errno. */
static int sw_bridge_get_excl(struct sw *sw, const char *name, const int *taken,
			      unsigned n_taken)
{
	struct sw_bridge *b;

	if (name == NULL || name[0] == '\0' || strlen(name) >= SW_BRIDGE_NAME)
		return -EINVAL;
	for (unsigned i = 0; i < sw->n_bridges; i++) {
		if (strcmp(sw->bridges[i].name, name) == 0)
			return (int)i;
	}
	if (sw->n_bridges == SW_BRIDGE_MAX) {
		for (unsigned i = 0; i < sw->n_bridges; i++) {
			b = &sw->bridges[i];
			if (b->ports->n == 0 && !sw_bridge_taken((int)i, taken, n_taken)) {
				snprintf(b->name, sizeof(b->name), "%s", name);
				return (int)i;
			}
		}
		return -ENOSPC;
	}
	b = &sw->bridges[sw->n_bridges];
	b->ports = calloc(1, sizeof(*b->ports));
	if (b->ports == NULL)
		return -ENOMEM;
	snprintf(b->name, sizeof(b->name), "%s", name);
	return sw->n_bridges++;
}

static int sw_bridge_get(struct sw *sw, const char *name)
{
	return sw_bridge_get_excl(sw, name, NULL, 0);
}

/* Publish a copy of the bridge's port set with 'add' added or 'del'
 * removed (PORT_ID_NONE: neither); the old set is freed after a grace
 * period. */
static int sw_bridge_update(struct sw *sw, struct sw_bridge *b, uint32_t add, uint32_t del)
{
	struct sw_portset *old = b->ports, *nu;
	uint32_t i, n = 0;

	nu = malloc(sizeof(*nu) + sizeof(uint32_t) * (old->n + 1));
	if (nu == NULL)
		return -ENOMEM;
	for (i = 0; i < old->n; i++) {
		if (old->ids[i] != del)
			nu->ids[n++] = old->ids[i];
	}
	if (add != PORT_ID_NONE)
		nu->ids[n++] = add;
	nu->n = n;
	__atomic_store_n(&b->ports, nu, __ATOMIC_RELEASE);
	sw_sync(sw);
	free(old);
	return 0;
}

static uint32_t sw_free_id(const struct sw *sw, uint32_t from)
{
	uint32_t id;

	for (id = from; id < SW_PORT_MAX && sw->ports[id] != NULL; id++)
		;
	return id;
}

/* Give p an id, put it in the table and its bridge, and let its worker
 * watch it. 0 or -errno (and then p is in none of them). */
static int sw_publish(struct sw *sw, struct port *p, uint32_t id, int bid)
{
	int ret;

	p->id = id;
	p->bridge = (uint16_t)bid;
	__atomic_store_n(&sw->ports[id], p, __ATOMIC_RELEASE);
	ret = sw_bridge_update(sw, &sw->bridges[bid], id, PORT_ID_NONE);
	if (ret < 0)
		goto fail;
	ret = worker_attach(sw->workers[id % sw->n_workers], p);
	if (ret < 0) {
		sw_bridge_update(sw, &sw->bridges[bid], PORT_ID_NONE, id);
		goto fail;
	}
	sw->n_ports++;
	if (id >= sw->port_hwm)
		sw->port_hwm = id + 1;
	return 0;
fail:
	__atomic_store_n(&sw->ports[id], NULL, __ATOMIC_RELEASE);
	sw_sync(sw);
	return ret;
}

/* Undo sw_publish, after which nothing can reach p; p is not freed. */
static void sw_unpublish(struct sw *sw, struct port *p)
{
	worker_detach(sw->workers[p->id % sw->n_workers], p);
	/* a set that cannot be copied keeps the id; its lookups find NULL */
	sw_bridge_update(sw, &sw->bridges[p->bridge], PORT_ID_NONE, p->id);
	__atomic_store_n(&sw->ports[p->id], NULL, __ATOMIC_RELEASE);
	sw->n_ports--;
}

int sw_port_add(struct sw *sw, const struct port_conf *conf, const char *bridge)
{
	struct port *p;
	uint32_t id;
	int bid, ret;

	if (sw_port_find(sw, conf->name) != NULL)
		return -EEXIST;
	bid = sw_bridge_get(sw, bridge);
	if (bid < 0)
		return bid;
	id = sw_free_id(sw, 0);
	if (id == SW_PORT_MAX)
		return -ENOSPC;
	p = port_create(conf);
	if (p == NULL)
		return -errno;
	ret = sw_publish(sw, p, id, bid);
	if (ret < 0) {
		port_destroy(p);
		return ret;
	}
	return (int)id;
}

/* Publish ports whose id and bridge are set, with one grace period for the
 * lot (a grace period waits for a worker loop, which is long while the new
 * hosts flood their first multicast). 0 or -ENOMEM, and then none is. */
static int sw_publish_many(struct sw *sw, struct port **ports, unsigned n)
{
	struct sw_portset **old = calloc(sw->n_bridges + 1, sizeof(*old));
	struct sw_portset **nu = calloc(sw->n_bridges + 1, sizeof(*nu));
	unsigned *add = calloc(sw->n_bridges + 1, sizeof(*add));
	unsigned i, b;
	int ret = 0;

	if (old == NULL || nu == NULL || add == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	/* watched before they are visible: an early wake-up finds no port and
	 * is ignored, and level-triggered epoll reports it again */
	for (i = 0; i < n; i++) {
		ret = worker_attach(sw->workers[ports[i]->id % sw->n_workers], ports[i]);
		if (ret < 0) {
			while (i-- > 0)
				worker_detach(sw->workers[ports[i]->id % sw->n_workers], ports[i]);
			goto out;
		}
		add[ports[i]->bridge]++;
	}
	for (b = 0; b < sw->n_bridges; b++) {
		if (add[b] == 0)
			continue;
		old[b] = sw->bridges[b].ports;
		nu[b] = malloc(sizeof(*nu[b]) + sizeof(uint32_t) * (old[b]->n + add[b]));
		if (nu[b] == NULL) {
			for (i = 0; i < n; i++)
				worker_detach(sw->workers[ports[i]->id % sw->n_workers], ports[i]);
			ret = -ENOMEM;
			goto out;
		}
		memcpy(nu[b]->ids, old[b]->ids, sizeof(uint32_t) * old[b]->n);
		nu[b]->n = old[b]->n;
	}
	for (i = 0; i < n; i++) {
		struct sw_portset *set = nu[ports[i]->bridge];

		set->ids[set->n++] = ports[i]->id;
		__atomic_store_n(&sw->ports[ports[i]->id], ports[i], __ATOMIC_RELEASE);
		sw->n_ports++;
		if (ports[i]->id >= sw->port_hwm)
			sw->port_hwm = ports[i]->id + 1;
	}
	for (b = 0; b < sw->n_bridges; b++) {
		if (nu[b] != NULL)
			__atomic_store_n(&sw->bridges[b].ports, nu[b], __ATOMIC_RELEASE);
	}
	sw_sync(sw);
	for (b = 0; b < sw->n_bridges; b++) {
		if (nu[b] != NULL) {
			free(old[b]);
			nu[b] = NULL;
		}
	}
out:
	if (nu != NULL) {
		for (b = 0; b < sw->n_bridges; b++)
			free(nu[b]);
	}
	free(old);
	free(nu);
	free(add);
	return ret;
}

struct sw_batch {
	const struct port_conf *confs;
	struct port **ports;
	int *errs;
};

static void sw_create_one(unsigned i, void *arg)
{
	struct sw_batch *b = arg;

	b->ports[i] = port_create(&b->confs[i]);
	b->errs[i] = b->ports[i] == NULL ? -errno : 0;
}

int sw_ports_add(struct sw *sw, const struct port_conf *confs, const char *const *bridges,
		 unsigned n, unsigned *failed)
{
	struct port **ports = calloc(n + 1, sizeof(*ports));
	int *errs = calloc(n + 1, sizeof(*errs)), *bids = calloc(n + 1, sizeof(int));
	struct sw_batch b = {confs, ports, errs};
	unsigned i;
	uint32_t id = 0;
	int ret = 0;

	*failed = 0;
	if (ports == NULL || errs == NULL || bids == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	/* check everything before creating anything */
	for (i = 0; i < n; i++) {
		*failed = i;
		if (sw_port_find(sw, confs[i].name) != NULL) {
			ret = -EEXIST;
			goto out;
		}
		for (unsigned k = 0; k < i; k++) {
			if (strcmp(confs[k].name, confs[i].name) == 0) {
				ret = -EEXIST;
				goto out;
			}
		}
		bids[i] = sw_bridge_get_excl(sw, bridges[i], bids, i);
		if (bids[i] < 0) {
			ret = bids[i];
			goto out;
		}
	}
	sw_parallel(n, sw_create_one, &b);
	for (i = 0; i < n && ret == 0; i++) {
		if (errs[i] < 0) {
			*failed = i;
			ret = errs[i];
		}
	}
	for (i = 0; i < n && ret == 0; i++) {
		id = sw_free_id(sw, id);
		if (id == SW_PORT_MAX) {
			*failed = i;
			ret = -ENOSPC;
			break;
		}
		ports[i]->id = id++;
		ports[i]->bridge = (uint16_t)bids[i];
	}
	if (ret == 0)
		ret = sw_publish_many(sw, ports, n);
	if (ret < 0)
		sw_parallel(n, sw_destroy_one, ports);
out:
	free(ports);
	free(errs);
	free(bids);
	return ret;
}

int sw_patch_add(struct sw *sw, const struct port_conf *a, const char *bridge_a,
		 const struct port_conf *b, const char *bridge_b, int blocked)
{
	struct port *pa = NULL, *pb = NULL;
	int ba, bb, ret;
	uint32_t ida, idb;

	if (a->type != PORT_TYPE_PATCH || b->type != PORT_TYPE_PATCH ||
	    strcmp(a->name, b->name) == 0)
		return -EINVAL;
	if (sw_port_find(sw, a->name) != NULL || sw_port_find(sw, b->name) != NULL)
		return -EEXIST;
	ba = sw_bridge_get(sw, bridge_a);
	bb = ba < 0 ? ba : sw_bridge_get_excl(sw, bridge_b, &ba, 1);
	if (bb < 0)
		return bb;
	ida = sw_free_id(sw, 0);
	idb = ida == SW_PORT_MAX ? SW_PORT_MAX : sw_free_id(sw, ida + 1);
	if (idb == SW_PORT_MAX)
		return -ENOSPC;
	pa = port_create(a);
	pb = pa ? port_create(b) : NULL;
	if (pb == NULL) {
		ret = -errno;
		goto fail;
	}
	/* wired before either is visible: a worker never sees half a cable */
	pa->peer = pb;
	pb->peer = pa;
	pa->blocked = pb->blocked = (uint8_t)(blocked != 0);
	ret = sw_publish(sw, pa, ida, ba);
	if (ret < 0)
		goto fail;
	ret = sw_publish(sw, pb, idb, bb);
	if (ret < 0) {
		sw_unpublish(sw, pa);
		sw_sync(sw);
		goto fail;
	}
	return 0;
fail:
	port_destroy(pa);
	port_destroy(pb);
	return ret;
}

int sw_port_set_group(struct sw *sw, const char *name, uint16_t group)
{
	struct port *p = sw_port_find(sw, name);

	if (p == NULL)
		return -ENOENT;
	__atomic_store_n(&p->group, group, __ATOMIC_RELEASE);
	return 0;
}

int sw_port_set_blocked(struct sw *sw, const char *name, int blocked)
{
	struct port *p = sw_port_find(sw, name);

	if (p == NULL)
		return -ENOENT;
	__atomic_store_n(&p->blocked, (uint8_t)(blocked != 0), __ATOMIC_RELEASE);
	/* MACs learned through the old tree may now be elsewhere */
	fdb_flush_all(sw->fdb);
	return 0;
}

int sw_port_del(struct sw *sw, const char *name)
{
	struct port *p = sw_port_find(sw, name), *peer;

	if (p == NULL)
		return -ENOENT;
	peer = p->peer;
	/* the kernel stops forwarding for it before anything else */
	kfast_port_gone(sw->kf, p);
	if (peer != NULL)
		kfast_port_gone(sw->kf, peer);
	sw_unpublish(sw, p);
	if (peer != NULL)
		sw_unpublish(sw, peer);
	sw_sync(sw);
	/* before an id can be reused, nothing may point to it */
	fdb_flush_port(sw->fdb, p->id);
	if (peer != NULL)
		fdb_flush_port(sw->fdb, peer->id);
	port_destroy(p);
	port_destroy(peer);
	return 0;
}

void sw_drops(const struct sw *sw, uint64_t drops[SW_DROP__COUNT])
{
	memset(drops, 0, sizeof(uint64_t) * SW_DROP__COUNT);
	for (unsigned i = 0; i < sw->n_workers; i++) {
		for (unsigned d = 0; d < SW_DROP__COUNT; d++)
			drops[d] += __atomic_load_n(&sw->workers[i]->drops[d], __ATOMIC_RELAXED);
	}
}

/* ---- worker side ----------------------------------------------------- */

static inline int sw_port_blocked(const struct port *p)
{
	return __atomic_load_n(&p->blocked, __ATOMIC_RELAXED);
}

/* May a frame of partition group g leave by port p? */
static inline int sw_group_ok(uint32_t g, const struct port *p)
{
	uint16_t pg = __atomic_load_n(&p->group, __ATOMIC_RELAXED);

	return g == 0 || pg == 0 || pg == g;
}

static void sw_flood(struct sw *sw, struct worker *w, struct port *in, struct rte_mbuf *m)
{
	const struct sw_portset *set =
	    __atomic_load_n(&sw->bridges[in->bridge].ports, __ATOMIC_ACQUIRE);
	struct port *out[64];
	uint32_t i, n = 0, targets = 0;

	/* count first: the packet is shared by reference, one per target */
	for (i = 0; i < set->n; i++) {
		struct port *t = __atomic_load_n(&sw->ports[set->ids[i]], __ATOMIC_ACQUIRE);

		if (set->ids[i] != in->id && t != NULL && !sw_port_blocked(t) &&
		    sw_group_ok(m->hash.usr, t))
			targets++;
	}
	if (targets == 0) {
		w->drops[SW_DROP_NO_DEST]++;
		rte_pktmbuf_free(m);
		return;
	}
	rte_pktmbuf_refcnt_update(m, (int16_t)(targets - 1)); /* every segment */
	for (i = 0; i < set->n && targets > 0; i++) {
		struct port *p;

		if (set->ids[i] == in->id)
			continue;
		p = __atomic_load_n(&sw->ports[set->ids[i]], __ATOMIC_ACQUIRE);
		if (p == NULL || sw_port_blocked(p) || !sw_group_ok(m->hash.usr, p))
			continue;
		out[n++] = p;
		targets--;
		if (n == RTE_DIM(out)) {
			for (uint32_t k = 0; k < n; k++)
				worker_tx(w, out[k], m);
			n = 0;
		}
	}
	for (uint32_t k = 0; k < n; k++)
		worker_tx(w, out[k], m);
	/* a port that vanished between the two passes leaves references */
	while (targets-- > 0)
		rte_pktmbuf_free(m);
}

static void sw_kfast_note(struct sw *sw, struct worker *w, const struct port *in,
			  const struct port *out, const struct rte_mbuf *m,
			  const struct rte_ether_hdr *eth)
{
	const struct port *origin = in;

	if (in->peer != NULL) { /* across a trunk: where it entered the lab */
		uint32_t id = m->hash.fdir.hi;

		origin = id < SW_PORT_MAX ? __atomic_load_n(&sw->ports[id], __ATOMIC_ACQUIRE) : NULL;
		if (origin == NULL || origin->peer != NULL)
			return;
	}
	if (origin->kf_ok)
		kfast_note(sw->kf, w->idx, w->now, origin, out, eth);
}

void sw_input(struct sw *sw, struct worker *w, struct port *in, struct rte_mbuf **pkts, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		in->stats.rx_packets++;
		in->stats.rx_bytes += pkts[i]->pkt_len;
	}
	sw_input_counted(sw, w, in, pkts, n);
}

/* 01:80:C2:00:00:00 .. 0F */
static inline int sw_link_local(const struct rte_ether_addr *a)
{
	static const uint8_t pfx[5] = {0x01, 0x80, 0xc2, 0x00, 0x00};

	return memcmp(a->addr_bytes, pfx, sizeof(pfx)) == 0 && (a->addr_bytes[5] & 0xf0) == 0;
}

void sw_input_counted(struct sw *sw, struct worker *w, struct port *in, struct rte_mbuf **pkts,
		      uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_ether_hdr *eth;
		uint32_t dst;
		struct port *out;

		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		if (m->data_len < RTE_ETHER_HDR_LEN) {
			w->drops[SW_DROP_RUNT]++;
			rte_pktmbuf_free(m);
			continue;
		}
		if (__atomic_load_n(&in->blocked, __ATOMIC_RELAXED)) {
			w->drops[SW_DROP_BLOCKED]++;
			rte_pktmbuf_free(m);
			continue;
		}
		/* the frame's partition group: its ingress port's, or, across a
		 * trunk, the one it entered the lab's switches with */
		if (in->peer == NULL) {
			m->hash.usr = __atomic_load_n(&in->group, __ATOMIC_RELAXED);
			/* and the port it entered by, for the kernel fast path */
			m->hash.fdir.hi = in->id;
		}
		eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		if (!rte_is_valid_assigned_ether_addr(&eth->src_addr)) {
			w->drops[SW_DROP_BAD_SRC]++;
			rte_pktmbuf_free(m);
			continue;
		}
		/* a full table only costs flooding, never the packet; a MAC
		 * that moved may have flows in the kernel to revalidate */
		if (unlikely(fdb_learn(sw->fdb, in->bridge, &eth->src_addr, in->id, w->now) ==
			     FDB_MOVED) &&
		    sw->kf != NULL)
			kfast_kick(sw->kf);

		if (rte_is_multicast_ether_addr(&eth->dst_addr)) {
			/* IEEE 802.1D's reserved group: a bridge's own
			 * protocols, never forwarded (OVS drops them, Linux
			 * forwards only STP's with its STP off); a cable,
			 * the ports of a wire, carries them */
			if (unlikely(sw_link_local(&eth->dst_addr)) && !in->conf.link_local) {
				w->drops[SW_DROP_LINK_LOCAL]++;
				rte_pktmbuf_free(m);
				continue;
			}
			sw_flood(sw, w, in, m);
			continue;
		}
		dst = fdb_lookup(sw->fdb, in->bridge, &eth->dst_addr);
		if (dst == UINT32_MAX) {
			sw_flood(sw, w, in, m);
			continue;
		}
		if (dst == in->id) {
			w->drops[SW_DROP_SAME_PORT]++;
			rte_pktmbuf_free(m);
			continue;
		}
		out = __atomic_load_n(&sw->ports[dst], __ATOMIC_ACQUIRE);
		if (out == NULL || out->bridge != in->bridge || sw_port_blocked(out)) {
			w->drops[SW_DROP_PORT_GONE]++;
			rte_pktmbuf_free(m);
			continue;
		}
		if (!sw_group_ok(m->hash.usr, out)) {
			w->drops[SW_DROP_PARTITION]++;
			rte_pktmbuf_free(m);
			continue;
		}
		/* a flow the kernel could carry from the port the frame entered
		 * the lab's switches by: propose it */
		if (unlikely(out->kf_ok))
			sw_kfast_note(sw, w, in, out, m, eth);
		worker_tx(w, out, m);
	}
}
