/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * peer: what the tests' DPDK peers (rl_memifpeer, rl_vuclient) share. Each
 * is a second DPDK process on one port (port 0) that acts as a host with
 * one MAC and IPv4 address: it answers ARP and ICMP echo requests for that
 * address and counts UDP datagrams sent to it. This module parses their
 * common options, starts and stops EAL, the port and its link, answers
 * what arrives and prints the counters; each tool keeps its own device,
 * receive loop and extra options.
 */
#ifndef RL_TOOLS_PEER_H
#define RL_TOOLS_PEER_H

#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#define PEER_BURST 32 /* the most frames peer_handle() takes at once */

/* The options every peer takes, to open a tool's getopt_long() table;
 * peer_parse_opts() handles them. */
/* clang-format off */
#define PEER_OPTIONS \
	{"sock", required_argument, NULL, 's'}, \
	{"ip", required_argument, NULL, 'i'}, \
	{"mac", required_argument, NULL, 'm'}, \
	{"wait", required_argument, NULL, 'w'}, \
	{"help", no_argument, NULL, 'h'}
/* clang-format on */

struct peer_opts {
	const char *sock;	   /* --sock: the switch's socket */
	struct rte_ether_addr mac; /* --mac: ours */
	uint32_t ip;		   /* --ip: ours, network order */
	unsigned wait_s;	   /* --wait: seconds for the link to come up */
};

struct peer_counters {
	uint64_t rx, tx, arp, icmp, udp;
	uint64_t unanswered; /* received, not answered (UDP for us included) */
	uint64_t tx_fail;    /* answers the port did not take */
};

/* Set by SIGTERM and SIGINT once peer_signals() ran: loops stop on it. */
extern volatile sig_atomic_t peer_stop;

/*
 * Parse argv with the table lo (PEER_OPTIONS, the tool's own, a zero
 * entry). --sock and --ip are required, --mac defaults to def_mac, --wait
 * to 10; any other option of lo goes to extra(c, optarg, ctx), which
 * returns 0 or -EINVAL (extra may be NULL when lo has no others).
 * Returns 0, 1 for --help (the caller prints its usage), -EINVAL for bad
 * usage (an unknown option or value, a missing one, an operand).
 */
int peer_parse_opts(int argc, char **argv, const struct option *lo, const char *def_mac,
		    struct peer_opts *o, int (*extra)(int c, char *arg, void *ctx), void *ctx);

/* SIGTERM and SIGINT set peer_stop; SIGPIPE is ignored (a switch that went
 * away gives EPIPE, not death). */
void peer_signals(void);

/*
 * Start EAL for one virtual device: --no-pci, --no-huge (the devices here
 * share memfd-backed memory, no hugepages needed), --no-shconf, 64 MB,
 * --lcores LCORES, --vdev=VDEV and the file prefix "NAME-PID", written to
 * prefix (plen bytes). Returns rte_eal_init()'s result (< 0: rte_errno).
 */
int peer_eal_init(const char *argv0, const char *name, const char *lcores, const char *vdev,
		  char *prefix, size_t plen);

/* rte_eal_cleanup(), then remove the runtime directory EAL made anyway for
 * prefix. */
void peer_eal_cleanup(const char *prefix);

/* Configure port with conf, one RX and one TX queue of nb_desc
 * descriptors (0: the driver's default) on mp, and start it. 0 or -errno. */
int peer_port_start(uint16_t port, struct rte_mempool *mp, const struct rte_eth_conf *conf,
		    uint16_t nb_desc);

/* Wait up to wait_s seconds for port's link to come up. 0, or -ETIMEDOUT
 * (also when peer_stop was set first). */
int peer_link_wait(uint16_t port, unsigned wait_s);

/* Take n (at most PEER_BURST) received frames: answer those for us (ARP
 * and ICMP echo requests to o's address) on port's queue 0, free the
 * rest, count them all in c. */
void peer_handle(const struct peer_opts *o, uint16_t port, struct rte_mbuf **pkts, uint16_t n,
		 struct peer_counters *c);

/* Print c as "PROG: rx N tx N arp N icmp N udp N LABEL N tx_fail N", where
 * LABEL names the unanswered count. */
void peer_print_counters(const char *prog, const char *label, const struct peer_counters *c);

#endif
