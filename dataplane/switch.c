/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_malloc.h>

#include "switch.h"
#include "worker.h"

static const char *const sw_drop_names[SW_DROP__COUNT] = {
    [SW_DROP_RUNT] = "runt",
    [SW_DROP_BAD_SRC] = "bad_src_mac",
    [SW_DROP_SAME_PORT] = "same_port",
    [SW_DROP_PORT_GONE] = "port_gone",
    [SW_DROP_NO_DEST] = "no_destination",
};

const char *sw_drop_name(enum sw_drop d)
{
	if ((unsigned)d >= SW_DROP__COUNT)
		return "?";
	return sw_drop_names[d];
}

/* ---- control side ---------------------------------------------------- */

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
	sw->fdb = fdb_create("rl_fdb", conf->fdb_entries ? conf->fdb_entries : 65536,
			     conf->fdb_age_ms ? conf->fdb_age_ms : 300000, sw->qs);
	if (sw->fdb == NULL) {
		err = errno;
		goto fail;
	}
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

void sw_destroy(struct sw *sw)
{
	if (sw == NULL)
		return;
	if (sw->ports != NULL) {
		for (uint32_t i = 0; i < sw->port_hwm; i++) {
			if (sw->ports[i] != NULL)
				sw_port_del(sw, sw->ports[i]->conf.name);
		}
	}
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

static int sw_bridge_get(struct sw *sw, const char *name)
{
	struct sw_bridge *b;

	if (name == NULL || name[0] == '\0' || strlen(name) >= SW_BRIDGE_NAME)
		return -EINVAL;
	for (unsigned i = 0; i < sw->n_bridges; i++) {
		if (strcmp(sw->bridges[i].name, name) == 0)
			return (int)i;
	}
	if (sw->n_bridges == SW_BRIDGE_MAX)
		return -ENOSPC;
	b = &sw->bridges[sw->n_bridges];
	b->ports = calloc(1, sizeof(*b->ports));
	if (b->ports == NULL)
		return -ENOMEM;
	snprintf(b->name, sizeof(b->name), "%s", name);
	return sw->n_bridges++;
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

int sw_port_add(struct sw *sw, const struct port_conf *conf, const char *bridge)
{
	struct worker *w;
	struct port *p;
	uint32_t id;
	int bid, ret;

	if (sw_port_find(sw, conf->name) != NULL)
		return -EEXIST;
	bid = sw_bridge_get(sw, bridge);
	if (bid < 0)
		return bid;
	for (id = 0; id < SW_PORT_MAX && sw->ports[id] != NULL; id++)
		;
	if (id == SW_PORT_MAX)
		return -ENOSPC;
	p = port_create(conf);
	if (p == NULL)
		return -errno;
	p->id = id;
	p->bridge = (uint16_t)bid;
	__atomic_store_n(&sw->ports[id], p, __ATOMIC_RELEASE);
	ret = sw_bridge_update(sw, &sw->bridges[bid], id, PORT_ID_NONE);
	if (ret < 0)
		goto fail;
	w = sw->workers[id % sw->n_workers];
	ret = worker_attach(w, p);
	if (ret < 0) {
		sw_bridge_update(sw, &sw->bridges[bid], PORT_ID_NONE, id);
		goto fail;
	}
	sw->n_ports++;
	if (id >= sw->port_hwm)
		sw->port_hwm = id + 1;
	return (int)id;
fail:
	__atomic_store_n(&sw->ports[id], NULL, __ATOMIC_RELEASE);
	sw_sync(sw);
	port_destroy(p);
	return ret;
}

int sw_port_del(struct sw *sw, const char *name)
{
	struct port *p = sw_port_find(sw, name);
	uint32_t id;

	if (p == NULL)
		return -ENOENT;
	id = p->id;
	worker_detach(sw->workers[id % sw->n_workers], p);
	/* a set that cannot be copied keeps the id; its lookups find NULL */
	sw_bridge_update(sw, &sw->bridges[p->bridge], PORT_ID_NONE, id);
	__atomic_store_n(&sw->ports[id], NULL, __ATOMIC_RELEASE);
	sw_sync(sw);
	/* before the id can be reused, nothing may point to it */
	fdb_flush_port(sw->fdb, id);
	port_destroy(p);
	sw->n_ports--;
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

static void sw_flood(struct sw *sw, struct worker *w, struct port *in, struct rte_mbuf *m)
{
	const struct sw_portset *set =
	    __atomic_load_n(&sw->bridges[in->bridge].ports, __ATOMIC_ACQUIRE);
	struct port *out[64];
	uint32_t i, n = 0, targets = 0;

	/* count first: the packet is shared by reference, one per target */
	for (i = 0; i < set->n; i++) {
		if (set->ids[i] != in->id &&
		    __atomic_load_n(&sw->ports[set->ids[i]], __ATOMIC_ACQUIRE) != NULL)
			targets++;
	}
	if (targets == 0) {
		w->drops[SW_DROP_NO_DEST]++;
		rte_pktmbuf_free(m);
		return;
	}
	rte_mbuf_refcnt_update(m, (int16_t)(targets - 1));
	for (i = 0; i < set->n && targets > 0; i++) {
		struct port *p;

		if (set->ids[i] == in->id)
			continue;
		p = __atomic_load_n(&sw->ports[set->ids[i]], __ATOMIC_ACQUIRE);
		if (p == NULL)
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

void sw_input(struct sw *sw, struct worker *w, struct port *in, struct rte_mbuf **pkts, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		in->stats.rx_packets++;
		in->stats.rx_bytes += pkts[i]->pkt_len;
	}
	sw_input_counted(sw, w, in, pkts, n);
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
		eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		if (!rte_is_valid_assigned_ether_addr(&eth->src_addr)) {
			w->drops[SW_DROP_BAD_SRC]++;
			rte_pktmbuf_free(m);
			continue;
		}
		/* a full table only costs flooding, never the packet */
		(void)fdb_learn(sw->fdb, in->bridge, &eth->src_addr, in->id, w->now);

		if (rte_is_multicast_ether_addr(&eth->dst_addr)) {
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
		if (out == NULL || out->bridge != in->bridge) {
			w->drops[SW_DROP_PORT_GONE]++;
			rte_pktmbuf_free(m);
			continue;
		}
		worker_tx(w, out, m);
	}
}
