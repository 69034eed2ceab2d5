/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `rackless up`: vhost and ethdev nodes, ports of the switch with a socket
 * or a DPDK device behind them.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devargs.h"
#include "up_priv.h"

/* A socket file the switch will create for the lab: refused if something
 * is there already (not ours: rollback must not remove it), journaled
 * before the switch creates it, so down and cleanup remove it even after
 * the switch was killed. Its sequence number, or -errno. */
static int up_socket(struct up *u, const char *node, const char *path)
{
	struct stat st;

	if (strcmp(path, u->paths.sock) == 0) {
		up_err("%s: socket %s is the lab's switch control socket: choose another path",
		       node, path);
		return -EEXIST;
	}
	if (lstat(path, &st) == 0) {
		up_err("%s: %s already exists (in use, or left behind: remove it)", node, path);
		return -EEXIST;
	}
	return up_journal(u,
			  json_pack("{s:s, s:s, s:s}", "op", "socket", "path", path, "node", node));
}

/*
 * memif's server socket, when an ethdev's devargs make one in the file
 * system (socket-abstract=no): its path into sock, else "". A server
 * without socket= gets the lab's default, the one a vhost node on that
 * port would have (DPDK's own, /run/memif.sock, would be shared by every
 * lab and outlive them), added to its devargs (da). A client creates no
 * socket: it connects to its peer's, which must be there. 0 or -errno.
 */
static int up_memif_socket(const struct up *u, unsigned node, char *da, size_t dalen,
			   char *sock, size_t len)
{
	const char *name = u->t->nodes[node].name;
	const struct topo_endpoint *ep;
	int ret, li;

	sock[0] = '\0';
	if (!devargs_memif_file(da))
		return 0;
	ret = devargs_get(da, "socket", sock, len);
	if (ret < 0)
		return ret;
	if (!devargs_memif_server(da)) {
		if (ret == 1 && access(sock, F_OK) < 0) {
			up_err("%s: the memif server's socket %s is not there (a client "
			       "connects to its peer's socket: start the peer first)",
			       name, sock);
			return -ENOENT;
		}
		sock[0] = '\0';
		return 0;
	}
	if (ret == 1)
		return 0;
	/* not lab_vhost_socket(): an ethdev's devargs share its 'socket' */
	li = lab_node_link(u->t, node);
	if (li < 0)
		return -EINVAL;
	ep = &u->t->links[li].ep[1];
	snprintf(sock, len, "%s/%s:%s.sock", u->paths.dir, u->t->nodes[ep->node].name, ep->ifname);
	if (strlen(da) + strlen(",socket=") + strlen(sock) >= dalen) {
		up_err("%s: devargs too long to add socket=%s", name, sock);
		return -ENAMETOOLONG;
	}
	strcat(da, ",socket=");
	strcat(da, sock);
	return 0;
}

/* The port of one vhost or ethdev node: one add-port each, so that the
 * switch's error names the node's port and a refused socket is voided. */
static int up_external_port(struct up *u, unsigned li)
{
	const struct topo_link *l = &u->t->links[li];
	const struct topo_node *n = &u->t->nodes[l->ep[0].node];
	const struct topo_node *sw = &u->t->nodes[l->ep[1].node];
	char pname[96], sock[PATH_MAX], what[64], da[sizeof(n->devargs) + PATH_MAX];
	int vhost = n->kind == TOPO_KIND_VHOST, seq = 0, ret;
	json_t *req;

	snprintf(pname, sizeof(pname), "%s:%s", sw->name, l->ep[1].ifname);
	snprintf(what, sizeof(what), "%s node %s", topo_kind_name(n->kind), n->name);
	snprintf(da, sizeof(da), "%s", n->devargs);
	sock[0] = '\0';
	if (vhost)
		lab_vhost_socket(u->t, l->ep[0].node, sock, sizeof(sock));
	else if ((ret = up_memif_socket(u, l->ep[0].node, da, sizeof(da), sock, sizeof(sock))) < 0)
		return ret;
	ret = up_journal(u, json_pack("{s:s, s:s}", "op", "port", "name", pname));
	if (ret < 0)
		return ret;
	if (sock[0] != '\0') {
		seq = up_socket(u, n->name, sock);
		if (seq < 0)
			return seq;
	}
	req = json_pack("{s:s, s:s, s:s, s:s}", "cmd", "add-port", "name", pname, "type",
			vhost ? "vhost" : "ethdev", "bridge", sw->name);
	if (req != NULL)
		json_object_set_new(req, vhost ? "path" : "devargs",
				    json_string(vhost ? sock : da));
	up_link_params(u, li, req);
	ret = up_switch_call(u, req, what);
	/* the switch refuses a path that exists: it is someone else's */
	if (ret == -EEXIST && seq > 0)
		up_void(u, seq);
	return ret < 0 ? ret : up_check_interrupt();
}

/* A node that replays a capture (net_pcap's rx_pcap) starts sending as its
 * port is added: after every other port, or a recorder added later missed
 * the first frames (3 of 10, in the order the README writes them). */
static int up_replays(const struct topo *t, const struct topo_link *l)
{
	const struct topo_node *n = &t->nodes[l->ep[0].node];

	return n->kind == TOPO_KIND_ETHDEV && devargs_find(n->devargs, "rx_pcap") != NULL;
}

int up_external_ports(struct up *u)
{
	int ret = 0;

	for (int replays = 0; replays < 2; replays++)
		for (unsigned i = 0; i < u->t->n_links && ret == 0; i++)
			if (up_is_external(u->t, &u->t->links[i]) &&
			    up_replays(u->t, &u->t->links[i]) == replays)
				ret = up_external_port(u, i);
	return ret;
}
