/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "fdb.h"

struct fdb_key {
	uint16_t bridge;
	struct rte_ether_addr mac;
};
_Static_assert(sizeof(struct fdb_key) == 8, "fdb key must have no padding");

struct fdb {
	struct rte_hash *h;
	uint64_t *last_seen; /* by key position */
	uint32_t capacity;
	/* live keys, held to capacity: rte_hash takes more (room for the
	 * per-lcore slot caches of multi-writer mode: 65536 held 73537), and
	 * rte_hash_count() counts slots deleted but still in the RCU defer
	 * queue */
	uint32_t live;
	/* by key position: the key is in live (set by the learner that
	 * counted it, cleared by the delete that uncounts it), so that two
	 * workers learning one new MAC at once count it once */
	uint8_t *counted;
	uint64_t age_tsc;
	struct rte_rcu_qsbr *qs;
	/* written by workers (learned, moved, full) and control (the rest) */
	uint64_t learned, moved, aged, flushed, full;
};

static inline void fdb_key_make(struct fdb_key *k, uint16_t bridge,
				const struct rte_ether_addr *mac)
{
	k->bridge = bridge;
	k->mac = *mac;
}

static inline void *fdb_port_data(uint32_t port)
{
	return (void *)(uintptr_t)port;
}

void fdb_set_age(struct fdb *f, uint32_t age_ms)
{
	f->age_tsc = rte_get_tsc_hz() / 1000 * age_ms;
}

struct fdb *fdb_create(const char *name, uint32_t capacity, uint32_t age_ms,
		       struct rte_rcu_qsbr *qs)
{
	struct rte_hash_parameters hp = {
	    .name = name,
	    .entries = capacity,
	    .key_len = sizeof(struct fdb_key),
	    .hash_func = rte_hash_crc,
	    .socket_id = SOCKET_ID_ANY,
	    .extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			  RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD | RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	struct fdb *f;
	int err;

	if (capacity == 0) {
		errno = EINVAL;
		return NULL;
	}
	f = rte_zmalloc(NULL, sizeof(*f), RTE_CACHE_LINE_SIZE);
	if (f == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	f->capacity = capacity;
	f->qs = qs;
	fdb_set_age(f, age_ms);
	f->h = rte_hash_create(&hp);
	if (f->h == NULL) {
		err = rte_errno ? rte_errno : ENOMEM;
		goto fail;
	}
	/* positions go up to the hash's real size, which may exceed capacity */
	f->last_seen = rte_zmalloc(NULL, sizeof(uint64_t) * (rte_hash_max_key_id(f->h) + 1),
				   RTE_CACHE_LINE_SIZE);
	f->counted = rte_zmalloc(NULL, rte_hash_max_key_id(f->h) + 1, RTE_CACHE_LINE_SIZE);
	if (f->last_seen == NULL || f->counted == NULL) {
		err = ENOMEM;
		goto fail;
	}
	if (qs != NULL) {
		struct rte_hash_rcu_config rc = {.v = qs, .mode = RTE_HASH_QSBR_MODE_DQ};
		if (rte_hash_rcu_qsbr_add(f->h, &rc) != 0) {
			err = rte_errno ? rte_errno : EINVAL;
			goto fail;
		}
	}
	return f;
fail:
	rte_hash_free(f->h);
	rte_free(f->last_seen);
	rte_free(f->counted);
	rte_free(f);
	errno = err;
	return NULL;
}

void fdb_destroy(struct fdb *f)
{
	if (f == NULL)
		return;
	rte_hash_free(f->h);
	rte_free(f->last_seen);
	rte_free(f->counted);
	rte_free(f);
}

int fdb_learn(struct fdb *f, uint16_t bridge, const struct rte_ether_addr *mac, uint32_t port,
	      uint64_t now)
{
	struct fdb_key k;
	void *data;
	int32_t pos;
	int ret = FDB_LEARNED;

	fdb_key_make(&k, bridge, mac);
	pos = rte_hash_lookup_data(f->h, &k, &data);
	if (pos >= 0) {
		__atomic_store_n(&f->last_seen[pos], now, __ATOMIC_RELAXED);
		if ((uint32_t)(uintptr_t)data == port)
			return FDB_REFRESHED;
		ret = FDB_MOVED;
	}
	/* a new key takes a place first, so that the table never holds
	 * more than capacity */
	if (ret == FDB_LEARNED && __atomic_fetch_add(&f->live, 1, __ATOMIC_RELAXED) >= f->capacity)
		goto full;
	/* new, or moved: rte_hash updates the data word of an existing key
	 * atomically, so readers see the old port or the new one */
	/* add_key_data answers 0, not the slot: look the slot up after */
	if (rte_hash_add_key_data(f->h, &k, fdb_port_data(port)) < 0 ||
	    (pos = rte_hash_lookup(f->h, &k)) < 0)
		goto full;
	__atomic_store_n(&f->last_seen[pos], now, __ATOMIC_RELAXED);
	/* the key is counted once: another worker that learned the same new
	 * MAC at the same time gives its place back; a move that found its
	 * key aged out meanwhile (so added it anew) takes one */
	if (__atomic_exchange_n(&f->counted[pos], 1, __ATOMIC_ACQ_REL) == 0) {
		if (ret == FDB_MOVED)
			__atomic_fetch_add(&f->live, 1, __ATOMIC_RELAXED);
	} else if (ret == FDB_LEARNED) {
		__atomic_fetch_sub(&f->live, 1, __ATOMIC_RELAXED);
	}
	if (ret == FDB_MOVED)
		__atomic_fetch_add(&f->moved, 1, __ATOMIC_RELAXED);
	else
		__atomic_fetch_add(&f->learned, 1, __ATOMIC_RELAXED);
	return ret;
full:
	if (ret == FDB_LEARNED)
		__atomic_fetch_sub(&f->live, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&f->full, 1, __ATOMIC_RELAXED);
	return -ENOSPC;
}

uint32_t fdb_lookup(struct fdb *f, uint16_t bridge, const struct rte_ether_addr *mac)
{
	struct fdb_key k;
	void *data;

	fdb_key_make(&k, bridge, mac);
	if (rte_hash_lookup_data(f->h, &k, &data) < 0)
		return UINT32_MAX;
	return (uint32_t)(uintptr_t)data;
}

/* Delete a key; without RCU (single thread) free its slot right away. */
static void fdb_del(struct fdb *f, const struct fdb_key *k)
{
	int32_t pos = rte_hash_del_key(f->h, k);

	if (pos < 0)
		return;
	if (__atomic_exchange_n(&f->counted[pos], 0, __ATOMIC_ACQ_REL) != 0)
		__atomic_fetch_sub(&f->live, 1, __ATOMIC_RELAXED);
	if (f->qs == NULL)
		rte_hash_free_key_with_position(f->h, pos);
}

/* Remove every entry for which match() says so. Keys are collected first:
 * deleting while iterating would skip entries that cuckoo moves. */
static unsigned fdb_remove_if(struct fdb *f,
			      int (*match)(struct fdb *, const struct fdb_key *, uint32_t, int32_t,
					   const void *),
			      const void *arg)
{
	uint32_t next = 0, n = 0, i, cap = 256;
	struct fdb_key *victims = malloc(sizeof(*victims) * cap);
	const void *key;
	void *data;
	int32_t pos;

	if (victims == NULL)
		return 0;
	while ((pos = rte_hash_iterate(f->h, &key, &data, &next)) >= 0) {
		if (!match(f, key, (uint32_t)(uintptr_t)data, pos, arg))
			continue;
		if (n == cap) {
			struct fdb_key *nv = realloc(victims, sizeof(*victims) * cap * 2);
			if (nv == NULL)
				break;
			victims = nv;
			cap *= 2;
		}
		memcpy(&victims[n++], key, sizeof(struct fdb_key));
	}
	for (i = 0; i < n; i++)
		fdb_del(f, &victims[i]);
	free(victims);
	return n;
}

static int fdb_match_old(struct fdb *f, const struct fdb_key *k, uint32_t port, int32_t pos,
			 const void *arg)
{
	uint64_t now = *(const uint64_t *)arg;
	uint64_t seen = __atomic_load_n(&f->last_seen[pos], __ATOMIC_RELAXED);

	(void)k;
	(void)port;
	return now > seen && now - seen > f->age_tsc;
}

static int fdb_match_port(struct fdb *f, const struct fdb_key *k, uint32_t port, int32_t pos,
			  const void *arg)
{
	(void)f;
	(void)k;
	(void)pos;
	return port == *(const uint32_t *)arg;
}

static int fdb_match_all(struct fdb *f, const struct fdb_key *k, uint32_t port, int32_t pos,
			 const void *arg)
{
	(void)f;
	(void)k;
	(void)port;
	(void)pos;
	(void)arg;
	return 1;
}

unsigned fdb_age(struct fdb *f, uint64_t now)
{
	unsigned n = fdb_remove_if(f, fdb_match_old, &now);

	f->aged += n;
	return n;
}

unsigned fdb_flush_port(struct fdb *f, uint32_t port)
{
	unsigned n = fdb_remove_if(f, fdb_match_port, &port);

	f->flushed += n;
	return n;
}

unsigned fdb_flush_all(struct fdb *f)
{
	unsigned n = fdb_remove_if(f, fdb_match_all, NULL);

	f->flushed += n;
	return n;
}

void fdb_walk(struct fdb *f, uint64_t now, fdb_walk_fn *fn, void *arg)
{
	uint64_t hz_ms = rte_get_tsc_hz() / 1000;
	uint32_t next = 0;
	const void *key;
	void *data;
	int32_t pos;

	if (hz_ms == 0)
		hz_ms = 1;
	while ((pos = rte_hash_iterate(f->h, &key, &data, &next)) >= 0) {
		const struct fdb_key *k = key;
		uint64_t seen = __atomic_load_n(&f->last_seen[pos], __ATOMIC_RELAXED);
		uint64_t age = now > seen ? (now - seen) / hz_ms : 0;

		fn(k->bridge, &k->mac, (uint32_t)(uintptr_t)data, age, arg);
	}
}

void fdb_get_stats(const struct fdb *f, struct fdb_stats *st)
{
	st->learned = f->learned;
	st->moved = f->moved;
	st->aged = f->aged;
	st->flushed = f->flushed;
	st->full = f->full;
	st->entries = __atomic_load_n(&f->live, __ATOMIC_RELAXED);
	st->capacity = f->capacity;
}
