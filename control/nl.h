/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Kernel network configuration over rtnetlink (libmnl): links, addresses,
 * routes, plus the two ethtool settings the switch needs. No `ip` processes.
 *
 * A struct nl_sock is bound to one network namespace (the one given to
 * nl_open()); every request on it acts in that namespace. Requests are
 * synchronous: each waits for the kernel's ack and returns 0 or -errno
 * (the kernel's error, e.g. -EEXIST, -ENODEV).
 */
#ifndef RL_NL_H
#define RL_NL_H

#include <stdint.h>

struct nl_sock;

/* Open an rtnetlink socket in namespace nsfd (-1: the caller's namespace).
 * Returns NULL with errno set on failure. */
struct nl_sock *nl_open(int nsfd);

/* Close; NULL is a no-op. */
void nl_close(struct nl_sock *s);

/* The kernel's extended-ack message for the last failed request on s (e.g.
 * "Unknown device type"), or "" if it gave none. Valid until the next
 * request on s; for error reports only. */
const char *nl_errmsg(const struct nl_sock *s);

/* Create a veth pair: 'name' inside namespace name_nsfd and 'peer' inside
 * peer_nsfd (either -1: the socket's namespace). Both start down. */
int nl_veth_create(struct nl_sock *s, const char *name, int name_nsfd, const char *peer,
		   int peer_nsfd);

/* Delete a link by name (in the socket's namespace). */
int nl_link_del(struct nl_sock *s, const char *ifname);

/* ifindex of ifname in the socket's namespace, or -ENODEV / -errno. */
int nl_link_index(struct nl_sock *s, const char *ifname);

/* Set attributes of a link: mac (NULL: keep), mtu (0: keep), up (1 up,
 * 0 down, -1 keep). One request. */
int nl_link_set(struct nl_sock *s, int ifindex, const uint8_t *mac, unsigned mtu, int up);

/* An IPv6 address (no duplicate address detection: usable at once), and a
 * default route via gw on ifindex. 0 or -errno. */
int nl_addr6_add(struct nl_sock *s, int ifindex, const uint8_t addr[16], uint8_t plen);
int nl_route6_default(struct nl_sock *s, int ifindex, const uint8_t gw[16]);

/* Add an IPv4 address (host byte order) with prefix length. */
int nl_addr4_add(struct nl_sock *s, int ifindex, uint32_t addr, uint8_t plen);

/* Add the IPv4 default route: via gw (host order) when gw != 0, otherwise
 * on-link through ifindex ("default dev IF"). */
int nl_route4_default(struct nl_sock *s, int ifindex, uint32_t gw);

/* Turn off TX checksum offload (and with it TSO/GSO) on ifname in the
 * socket's namespace, so frames leave the interface complete: a switch that
 * reads raw frames must not receive CHECKSUM_PARTIAL super-frames. */
int nl_tx_offload_off(struct nl_sock *s, const char *ifname);
/* Turn off the named features of an interface (ethtool's names, e.g.
 * "tx-tcp6-segmentation"); names the kernel does not know are skipped.
 * 0 or -errno. */
int nl_features_off(struct nl_sock *s, const char *ifname, const char *const *names, unsigned n);

/* Write a sysctl of the socket's namespace, e.g. "net/ipv6/conf/all/disable_ipv6".
 * 'old' (may be NULL) receives the previous value, up to oldlen bytes. */
int nl_sysctl_set(struct nl_sock *s, const char *path, const char *value, char *old,
		  unsigned oldlen);

/* Permanent neighbour entries on ifindex, many in few writes: the
 * kernel's neighbour table then needs no ARP (IPv4) or neighbour
 * discovery (IPv6) for them, and permanent entries are exempt from its size
 * limit's garbage collection. family is AF_INET or AF_INET6; addrs holds n
 * addresses of its size (4 or 16 bytes) in network order, one after the
 * other, and macs their MACs. 0 or the first failure's -errno. */
int nl_neigh_add_many(struct nl_sock *s, int ifindex, int family, const uint8_t *addrs,
		      const uint8_t (*macs)[6], unsigned n);

#endif
