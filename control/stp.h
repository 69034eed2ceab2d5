/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Spanning tree over a lab's switches, computed by the control plane (the
 * lab knows its whole topology; there is no need for BPDUs between bridges
 * of one process). Links between switches that would close a loop are
 * blocked; when a link goes down or comes back the tree is recomputed and
 * the difference applied, so traffic fails over.
 *
 * The tree: for each connected component (over links that are up), a
 * breadth-first tree from the component's first switch (topology order),
 * visiting links in topology order. That is a shortest-path tree, as
 * 802.1D's would be with equal costs, and deterministic.
 */
#ifndef RL_STP_H
#define RL_STP_H

#include <stdint.h>

struct stp_link {
	unsigned a, b; /* switch indices, 0..n_switches-1 */
	int up;	       /* a down link is neither in the tree nor blocked */
};

/* Fill blocked[i] (1: block link i) for n links. 0, -EINVAL (an index out
 * of range) or -ENOMEM. */
int stp_compute(unsigned n_switches, const struct stp_link *links, unsigned n, uint8_t *blocked);

#endif
