/* SPDX-License-Identifier: BSD-3-Clause */
/* Map layouts shared by the kernel fast path's BPF programs (kfast.bpf.c)
 * and the switch that fills the maps (kfast.c). */
#ifndef RL_KFAST_ABI_H
#define RL_KFAST_ABI_H

#include <linux/types.h>

/* A flow: where a frame entered and its two addresses, as in the frame
 * (dst then src, 12 bytes read at once). */
struct kf_key {
	__u32 ifindex; /* the switch end of the ingress veth */
	__u8 dst[6];
	__u8 src[6];
};

/* Trunks (patch ports between the lab's switches) a flow may cross. */
#define KF_TRUNKS 4

struct kf_val {
	__u32 out_ifindex; /* the switch end of the egress veth */
	__u32 in_id;	   /* switch port ids, for kf_counters */
	__u32 out_id;
	__u32 n_trunks; /* trunks crossed, each counted as the switch would: */
	__u32 trunk_tx[KF_TRUNKS]; /* the patch port the frame left by */
	__u32 trunk_rx[KF_TRUNKS]; /* and its peer, that it entered by */
	/* written by kf_ingress: when the flow last carried a frame
	 * (bpf_ktime_get_ns, CLOCK_MONOTONIC; to the millisecond), 0 never */
	__u64 used_ns;
};

/* Per CPU and per switch port id: frames the kernel forwarded. */
struct kf_count {
	__u64 rx_packets, rx_bytes; /* entered the switch by this port */
	__u64 tx_packets, tx_bytes; /* left by it */
};

#endif
