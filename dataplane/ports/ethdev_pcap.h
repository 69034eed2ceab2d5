/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_pcap's files, for the ethdev backend: what a capture to replay
 * (rx_pcap) and a recording (tx_pcap) must be, and the locks that keep
 * two ports (of this switch or of another lab's) from writing one file, or
 * one from recording over a capture another replays.
 *
 * Locks are flock(2)s held for the port's life: a recorder holds its file
 * exclusively, a replay shared. net_pcap opens the files itself and takes
 * no lock, so only rackless switches see them, which is the point: labs
 * side by side, started from the same topology file with --name.
 */
#ifndef RL_ETHDEV_PCAP_H
#define RL_ETHDEV_PCAP_H

#include <stddef.h>

#include <rte_kvargs.h>

/* The files of a port: locks held, and whether the recording was created
 * by ethdev_pcap_lock (removed again if the port fails). */
struct ethdev_pcap {
	int rx_fd, tx_fd; /* -1: none */
	int tx_created;
	char tx_path[256];
};

/* May the net_pcap devargs kv be attached? A capture to replay must be a
 * readable capture of Ethernet frames; a recording may overwrite at most an
 * old capture, in a directory that exists, not the capture being
 * replayed, nor a file another port or lab records or replays. 0, or
 * -errno with the reason in why. */
int ethdev_pcap_check(const struct rte_kvargs *kv, char *why, size_t len);

/* Take the locks of kv's files (creating an empty recording, which net_pcap
 * then truncates as it would anyway): 0, or -EBUSY with the reason in why
 * when another took one since the check. */
int ethdev_pcap_lock(struct ethdev_pcap *f, const struct rte_kvargs *kv, char *why,
		     size_t len);

/* Release the locks; failed: remove a recording the lock created. */
void ethdev_pcap_unlock(struct ethdev_pcap *f, int failed);

#endif
