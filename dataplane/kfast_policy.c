/* SPDX-License-Identifier: BSD-3-Clause */
#include "kfast_policy.h"

static const char *const kfast_verdict_names[KFAST__COUNT] = {
    [KFAST_OK] = "ok",
    [KFAST_NOT_CAPABLE] = "not_capable",
    [KFAST_BLOCKED] = "blocked",
    [KFAST_LINK_EMULATED] = "link_emulated",
    [KFAST_SAME_PORT] = "same_port",
    [KFAST_OTHER_BRIDGE] = "other_bridge",
    [KFAST_MTU] = "mtu",
    [KFAST_PARTITION] = "partition",
    [KFAST_NO_CARRIER] = "no_carrier",
};

const char *kfast_verdict_name(enum kfast_verdict v)
{
	return (unsigned)v < KFAST__COUNT ? kfast_verdict_names[v] : "?";
}

enum kfast_verdict kfast_side_verdict(const struct kfast_side *s)
{
	if (!s->capable)
		return KFAST_NOT_CAPABLE;
	if (s->blocked)
		return KFAST_BLOCKED;
	if (!s->link_idle)
		return KFAST_LINK_EMULATED;
	return KFAST_OK;
}

enum kfast_verdict kfast_pair_verdict(const struct kfast_side *in, const struct kfast_side *out)
{
	enum kfast_verdict v = kfast_side_verdict(in);
	unsigned mtu_in = in->mtu ? in->mtu : 1500, mtu_out = out->mtu ? out->mtu : 1500;

	if (v != KFAST_OK)
		return v;
	v = kfast_side_verdict(out);
	if (v != KFAST_OK)
		return v;
	if (in->id == out->id)
		return KFAST_SAME_PORT;
	if (in->bridge != out->bridge)
		return KFAST_OTHER_BRIDGE;
	if (!in->carrier || !out->carrier)
		return KFAST_NO_CARRIER;
	/* a larger frame would be dropped by the egress veth, and the switch
	 * cuts super-frames for a smaller MTU */
	if (mtu_in != mtu_out)
		return KFAST_MTU;
	/* as sw_group_ok: a host port's group is its frames' group */
	if (in->group != 0 && out->group != 0 && in->group != out->group)
		return KFAST_PARTITION;
	return KFAST_OK;
}
