/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The kernel fast path (kfast.h): frames of flows the switch has already
 * decided cross from the ingress veth to the egress veth inside the kernel,
 * super-frames whole, without the two copies through the switch's packet
 * sockets.
 *
 * kf_flows: (ingress ifindex, destination MAC, source MAC) -> egress
 * ifindex, the two switch port ids, the trunks between the lab's switches
 * the flow crosses, and when it last carried a frame; filled and emptied by
 * the switch's control thread only, for learned unicast between ports
 * whose links emulate nothing.
 *
 * Two programs read it. kf_sock is the packet socket's filter: the socket
 * is a tap that sees every frame before TC ingress, so it must not take the
 * frames TC will forward. kf_ingress, on the switch end's TC ingress,
 * forwards them (bpf_redirect to the egress veth's transmit, as the Linux
 * bridge forwards: the peer's receive path sets the packet type for the
 * host's own MAC) and counts them per port in kf_counters.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include <bpf/bpf_helpers.h>

#include "kfast_abi.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct kf_key);
	__type(value, struct kf_val);
	__uint(max_entries, 1); /* set by the loader */
} kf_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct kf_count);
	__uint(max_entries, 1); /* set by the loader: one per switch port id */
} kf_counters SEC(".maps");

SEC("tc")
int kf_ingress(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct kf_count *c;
	struct kf_val *v;
	struct kf_key k;
	__u64 now;
	__u32 id;

	if (data + 12 > end)
		return TC_ACT_OK;
	k.ifindex = skb->ifindex;
	__builtin_memcpy(k.dst, data, 6);
	__builtin_memcpy(k.src, data + 6, 6);
	v = bpf_map_lookup_elem(&kf_flows, &k);
	if (v == NULL)
		return TC_ACT_OK;
	/* this flow's source is alive (the switch keeps it learned); the
	 * value's cache line is written once a millisecond at most */
	now = bpf_ktime_get_ns();
	if (now - v->used_ns > 1000000)
		v->used_ns = now;
	id = v->in_id;
	c = bpf_map_lookup_elem(&kf_counters, &id);
	if (c != NULL) {
		c->rx_packets++;
		c->rx_bytes += skb->len;
	}
	id = v->out_id;
	c = bpf_map_lookup_elem(&kf_counters, &id);
	if (c != NULL) {
		c->tx_packets++;
		c->tx_bytes += skb->len;
	}
	for (int i = 0; i < KF_TRUNKS; i++) {
		if (i >= v->n_trunks)
			break;
		id = v->trunk_tx[i];
		c = bpf_map_lookup_elem(&kf_counters, &id);
		if (c != NULL) {
			c->tx_packets++;
			c->tx_bytes += skb->len;
		}
		id = v->trunk_rx[i];
		c = bpf_map_lookup_elem(&kf_counters, &id);
		if (c != NULL) {
			c->rx_packets++;
			c->rx_bytes += skb->len;
		}
	}
	return bpf_redirect(v->out_ifindex, 0);
}

SEC("socket")
int kf_sock(struct __sk_buff *skb)
{
	struct kf_key k;

	k.ifindex = skb->ifindex;
	if (bpf_skb_load_bytes(skb, 0, k.dst, 12) < 0)
		return -1;
	if (bpf_map_lookup_elem(&kf_flows, &k) != NULL)
		return 0; /* TC ingress forwards it */
	return -1;	  /* the whole frame to the switch */
}

char _license[] SEC("license") = "Dual BSD/GPL";
