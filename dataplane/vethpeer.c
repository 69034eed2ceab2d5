/* SPDX-License-Identifier: BSD-3-Clause */
/* The far end of a switch port's veth, over rtnetlink (vethpeer.h). */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "vethpeer.h"

int vethpeer_open(struct vethpeer *vp)
{
	vp->seq = 0;
	vp->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (vp->nl == NULL)
		return -errno;
	if (mnl_socket_bind(vp->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = -errno;

		mnl_socket_close(vp->nl);
		vp->nl = NULL;
		return err;
	}
	return 0;
}

void vethpeer_close(struct vethpeer *vp)
{
	if (vp->nl != NULL)
		mnl_socket_close(vp->nl);
	vp->nl = NULL;
}

static int vethpeer_attr(const struct nlattr *a, void *data)
{
	struct vethpeer_if *l = data;

	if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return MNL_CB_OK;
	if (mnl_attr_get_type(a) == IFLA_MTU)
		l->mtu = mnl_attr_get_u32(a);
	else if (mnl_attr_get_type(a) == IFLA_LINK)
		l->link = (int)mnl_attr_get_u32(a);
	else if (mnl_attr_get_type(a) == IFLA_LINK_NETNSID)
		l->nsid = (int)mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

static int vethpeer_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct ifinfomsg), vethpeer_attr, data);
}

int vethpeer_get(struct vethpeer *vp, int ifindex, int nsid, struct vethpeer_if *out)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	uint32_t seq;
	ssize_t n;
	int ret;

	*out = (struct vethpeer_if){.nsid = -1};
	if (vp->nl == NULL)
		return -ENOTCONN;
	nlh = mnl_nlmsg_put_header(vp->buf);
	seq = ++vp->seq;
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	if (nsid >= 0)
		mnl_attr_put_u32(nlh, IFLA_TARGET_NETNSID, (uint32_t)nsid);
	if (mnl_socket_sendto(vp->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	n = mnl_socket_recvfrom(vp->nl, vp->buf, sizeof(vp->buf));
	if (n < 0)
		return -errno;
	/* (the reply is read over the request: seq kept apart) */
	ret = mnl_cb_run(vp->buf, (size_t)n, seq, mnl_socket_get_portid(vp->nl), vethpeer_cb, out);
	return ret < 0 ? -errno : 0;
}

int vethpeer_mtu(struct vethpeer *vp, int ifindex)
{
	struct vethpeer_if sw, host;
	int ret = vethpeer_get(vp, ifindex, -1, &sw);

	if (ret < 0)
		return ret;
	if (sw.link <= 0)
		return -ENODEV;
	ret = vethpeer_get(vp, sw.link, sw.nsid, &host);
	if (ret < 0)
		return ret;
	return host.mtu > 0 ? (int)host.mtu : -ENODEV;
}
