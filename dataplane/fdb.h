/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Forwarding database: (bridge, MAC) -> port, learned from source addresses,
 * aged out when silent, moved when a MAC appears on another port.
 *
 * Built on rte_hash with lock-free readers (RW_CONCURRENCY_LF) and serialised
 * writers (MULTI_WRITER_ADD): workers look up without locks and learn rarely
 * (new or moved MACs only); the control thread ages and flushes. Key slots
 * freed by a delete are reused only after an RCU grace period of the
 * workers (rte_hash's QSBR defer queue), so a reader never sees a slot
 * recycled under it. The port id lives in the hash's data word, so a
 * lookup reads key and port atomically; the last-seen time lives in an
 * array indexed by key position.
 */
#ifndef RL_FDB_H
#define RL_FDB_H

#include <stdint.h>

#include <rte_ether.h>
#include <rte_rcu_qsbr.h>

struct fdb;

struct fdb_stats {
	uint64_t learned; /* new entries */
	uint64_t moved;	  /* MAC seen on another port */
	uint64_t aged;	  /* removed for silence */
	uint64_t flushed; /* removed with their port */
	uint64_t full;	  /* learning refused: table full */
	uint32_t entries; /* current count */
	uint32_t capacity; /* entries learning stops at (fdb_create's) */
};

/* Create a table for 'capacity' entries, aging entries silent for more
 * than age_ms milliseconds. qs: the workers' RCU variable, or NULL when the
 * table is used by one thread only (tests). Returns NULL with errno set. */
struct fdb *fdb_create(const char *name, uint32_t capacity, uint32_t age_ms,
		       struct rte_rcu_qsbr *qs);
void fdb_destroy(struct fdb *f);

/* Result of fdb_learn(). */
enum fdb_learn_result {
	FDB_REFRESHED = 0, /* known on this port */
	FDB_LEARNED = 1,   /* new entry */
	FDB_MOVED = 2,	   /* was on another port */
};

/* Worker: record that mac was seen on port at time now (TSC). Returns an
 * enum fdb_learn_result, or -ENOSPC when the table is full (a new MAC while
 * it holds 'capacity' entries). */
int fdb_learn(struct fdb *f, uint16_t bridge, const struct rte_ether_addr *mac, uint32_t port,
	      uint64_t now);

/* Worker: the port mac was learned on, or UINT32_MAX if unknown. */
uint32_t fdb_lookup(struct fdb *f, uint16_t bridge, const struct rte_ether_addr *mac);

/* Control: remove entries silent for longer than the age; returns how many. */
unsigned fdb_age(struct fdb *f, uint64_t now);
/* Control: remove entries of one port (deleted or moved); returns how many. */
unsigned fdb_flush_port(struct fdb *f, uint32_t port);
/* Control: remove everything. */
unsigned fdb_flush_all(struct fdb *f);

/* Control: call fn for every entry; age_ms is the time since last seen. */
typedef void fdb_walk_fn(uint16_t bridge, const struct rte_ether_addr *mac, uint32_t port,
			 uint64_t age_ms, void *arg);
void fdb_walk(struct fdb *f, uint64_t now, fdb_walk_fn *fn, void *arg);

void fdb_get_stats(const struct fdb *f, struct fdb_stats *st);
void fdb_set_age(struct fdb *f, uint32_t age_ms);

#endif
