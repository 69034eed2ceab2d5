/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by the files of `rackless up` (up.c, the driver; up_switch.c,
 * up_external.c, up_neigh.c): the state of one up, and its journal and
 * error helpers.
 */
#ifndef RL_UP_PRIV_H
#define RL_UP_PRIV_H

#include <net/if.h>
#include <stdint.h>

#include <jansson.h>

#include "journal.h"
#include "lab.h"
#include "nl.h"
#include "swclient.h"
#include "topo.h"

struct up {
	const struct topo *t;
	const struct lab_up_opts *o;
	struct lab_paths paths;
	struct journal *j;
	int seq;
	int fabric_fd;
	int *host_fd; /* per node, -1 for switches */
	struct nl_sock *root;
	struct nl_sock *fabric_nl; /* in the switch's namespace */
	struct swclient *sw;
	json_t *state;
	uint64_t seed; /* the lab's: from the file, or drawn and printed */
	char (*fif)[IFNAMSIZ]; /* per link: its switch end's name (up_fabric_names) */
	unsigned mem_mb;       /* the switch's memory (up_sizes) */
	unsigned long fdb;     /* its FDB's entries */
};

/* The error of up, on stderr and kept for lab_up_error(). */
void up_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Journal an op; its sequence number or -errno. */
int up_journal(struct up *u, json_t *rec);
/* Cancel the record seq: what it names was not made by this lab. */
void up_void(struct up *u, int seq);
/* -EINTR once up was interrupted by a signal, else 0. */
int up_check_interrupt(void);

/* up.c: a link's parameters into an add-port request; is the link one
 * of a vhost or ethdev node? */
void up_link_params(const struct up *u, unsigned li, json_t *req);
int up_is_external(const struct topo *t, const struct topo_link *l);

/* up_switch.c: start the lab's switch in its namespace, journaled, and
 * wait for its socket; one request to it (what: for the error). 0 or
 * -errno. */
int up_switch(struct up *u);
int up_switch_call(struct up *u, json_t *req, const char *what);

/* up_external.c: the ports of vhost and ethdev nodes (their sockets
 * journaled). 0 or -errno. */
int up_external_ports(struct up *u);

/* up_neigh.c: the neighbour-table limits the lab needs, and arp: static's
 * permanent entries. 0 or -errno. */
int up_neigh_limits(struct up *u);
int up_static_arp(struct up *u);

#endif
