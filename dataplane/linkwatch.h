/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Has any interface changed (MTU, carrier, up/down, gone), here or in a
 * namespace this one knows by an id (a host's, across its veth)? An
 * rtnetlink socket on the link group that listens to every such namespace
 * (NETLINK_LISTEN_ALL_NSID), drained when asked: what a check over every
 * port's interfaces, a netlink round trip or two each, told once a second.
 *
 * Threads: one owner.
 */
#ifndef RL_LINKWATCH_H
#define RL_LINKWATCH_H

struct mnl_socket;

struct linkwatch {
	struct mnl_socket *nl;
	char buf[8192];
};

/* 0 or -errno (lw->nl NULL then). */
int linkwatch_open(struct linkwatch *lw);
/* 1 if a link changed since the last call (or notices were lost, which may
 * have said so), 0 if none, -errno if lw is not open. Never blocks. */
int linkwatch_changed(struct linkwatch *lw);
void linkwatch_close(struct linkwatch *lw);

#endif
