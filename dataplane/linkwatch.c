/* SPDX-License-Identifier: BSD-3-Clause */
/* Link change notices (linkwatch.h). */
#include <errno.h>
#include <stddef.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "linkwatch.h"

int linkwatch_open(struct linkwatch *lw)
{
	int one = 1, ret = 0;

	lw->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (lw->nl == NULL)
		return -errno;
	if (mnl_socket_setsockopt(lw->nl, NETLINK_LISTEN_ALL_NSID, &one, sizeof(one)) < 0 ||
	    mnl_socket_bind(lw->nl, RTMGRP_LINK, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		linkwatch_close(lw);
	}
	return ret;
}

int linkwatch_changed(struct linkwatch *lw)
{
	int changed = 0;

	if (lw->nl == NULL)
		return -ENOTCONN;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(lw->nl, lw->buf, sizeof(lw->buf));

		if (n > 0) {
			changed = 1;
			continue;
		}
		if (n < 0 && errno == ENOBUFS) { /* notices lost: maybe changes */
			changed = 1;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		break; /* EAGAIN: drained */
	}
	return changed;
}

void linkwatch_close(struct linkwatch *lw)
{
	if (lw->nl != NULL)
		mnl_socket_close(lw->nl);
	lw->nl = NULL;
}
