/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Topology model: what a lab is made of, after parsing and validation.
 *
 * A topology is produced by topo_load_file() (topo_parse.c) from a YAML file in
 * containerlab's shape, or by a generator (topo_gen.c): the file's
 * topology.generate, or topo_generate_spec() from a command line. Once loaded
 * it is complete and valid: every host that should have an address has one
 * (explicit or assigned from the subnet), every host has a MAC, every endpoint
 * names an existing node, and no port is used twice. The control plane plans
 * and applies from it without re-checking.
 *
 * The model holds no kernel or switch state; it is pure data, safe to use in
 * unit tests without root.
 */
#ifndef RL_TOPO_H
#define RL_TOPO_H

#include <stdint.h>
#include <stdio.h>

#include "linkparams.h"

#define TOPO_NAME_MAX	32 /* lab and node names, including the NUL */
#define TOPO_IFNAME_MAX 16 /* IFNAMSIZ */
/* kind: vhost socket paths, NUL included: sizeof(sockaddr_un.sun_path). */
#define TOPO_SOCKET_MAX 108
/* kind: ethdev devargs, NUL included: what the switch's port_conf holds
 * (dataplane/port.h PORT_PATH_MAX; topo/ stays free of DPDK headers). */
#define TOPO_DEVARGS_MAX 256
/* At most this many ethdev nodes in a lab: DPDK 22.11's RTE_MAX_ETHPORTS
 * (Debian's build), the ports one switch process can attach. */
#define TOPO_MAX_ETHDEV 32
/* Where labs keep their state (control/lab.h LAB_RUN_DIR): one directory
 * per lab, removed whole by down. */
#define TOPO_RUN_DIR "/run/rackless"
/* A host's 'exec' list: at most this many commands, each this long. */
#define TOPO_EXEC_MAX	  64
#define TOPO_EXEC_LEN_MAX 4096

enum topo_kind {
	TOPO_KIND_HOST,	  /* a network namespace */
	TOPO_KIND_SWITCH, /* a bridge inside rackless-switch */
	TOPO_KIND_VHOST,  /* a vhost-user socket the switch serves (a VM connects) */
	TOPO_KIND_ETHDEV, /* a DPDK virtual device of the switch, by devargs (the last:
			  * topo_parse.c loops up to it) */
};

/* How a host interface is attached to the switch. */
enum topo_port_type {
	TOPO_PORT_DEFAULT = 0, /* not given: inherit defaults, else afpacket */
	TOPO_PORT_AFPACKET,    /* veth pair, switch end read by a packet mmap ring */
	TOPO_PORT_TAP,	       /* tap owned by the switch, moved into the host */
	TOPO_PORT_AFXDP,       /* veth pair, switch end read by an AF_XDP socket */
	TOPO_PORT_VHOST,       /* the link of a kind: vhost node (nothing else) */
	TOPO_PORT_ETHDEV,      /* the link of a kind: ethdev node (nothing else) */
};

/* Position in the source file, 1-based. line == 0 means "no position". */
struct topo_mark {
	unsigned line;
	unsigned col;
};

/* An IPv4 interface address. addr is in host byte order. */
struct topo_ip4 {
	uint32_t addr;
	uint8_t plen;
};

struct topo_ip6 {
	uint8_t addr[16];
	uint8_t plen;
};

struct topo_node {
	char name[TOPO_NAME_MAX];
	enum topo_kind kind;
	/* Hosts only: address of eth0; has_ip is 0 when the host has no eth0 link
	 * or the topology has no subnet and no explicit ip. */
	int has_ip;
	struct topo_ip4 ip;
	/* Hosts only: default gateway; 0 = none (the default route is then
	 * "dev eth0", on-link). */
	uint32_t gateway;
	/* Hosts only: no default route at all (its 'exec' routes): a host
	 * with 'gateway: none', the host whose address is defaults.gateway,
	 * and a host outside the defaults' subnet without a gateway of its
	 * own (a router host). */
	int no_default_route;
	/* Hosts only: IPv6 address of eth0 (has_ip6): 'ip6', or the next free
	 * one of defaults.subnet6; default route via gw6 (has_gw6): 'gateway6',
	 * else defaults.gateway6 unless that is the host's own address. */
	int has_ip6;
	struct topo_ip6 ip6;
	int has_gw6;
	uint8_t gw6[16];
	/* Switches only: made by the loader for a link between two hosts (a
	 * wire, containerlab's usual link): a 2-port switch named
	 * "~HOST.IFNAME" after the link's first end ("~wireN" if that is too
	 * long), whose ports are named after the two hosts ("p1", "p2" if a
	 * host's name is too long). The link's parameters are all on the
	 * first host's link (its forward is host -> switch); the second
	 * host's link has none, so each direction is emulated once. */
	int wire;
	/* Hosts only: MAC of eth0; explicit, or derived from lab and node name
	 * (locally administered, unicast, unique within the lab). */
	uint8_t mac[6];
	/* Hosts: resolved, never TOPO_PORT_DEFAULT after loading. vhost and
	 * ethdev nodes: TOPO_PORT_VHOST, TOPO_PORT_ETHDEV. */
	enum topo_port_type port_type;
	struct topo_mark mark; /* where the node's name is */
	/* Hosts only: the 'exec' commands (containerlab's key), run in order
	 * with /bin/sh -c inside the host once the lab is up: n_exec
	 * NUL-terminated strings one after another in exec (owned; NULL when
	 * none). A router host adds its other addresses and turns on
	 * forwarding here. */
	char *exec;
	unsigned n_exec;
	/* The far end of a vhost or ethdev node's one link is a switch port;
	 * the node has no namespace, address, gateway or MAC of ours. */
	union {
		/* kind vhost: the socket, absolute (a relative 'socket' is
		 * resolved against the topology file's directory), or "" for
		 * the switch's default, <run dir>/<switch>:<port>.sock */
		char socket[TOPO_SOCKET_MAX];
		/* kind ethdev: DPDK devargs, never empty ("net_pcap0,rx_pcap=F") */
		char devargs[TOPO_DEVARGS_MAX];
	};
};

struct topo_endpoint {
	unsigned node;		      /* index into topo.nodes */
	char ifname[TOPO_IFNAME_MAX]; /* interface (host) or port (switch) name */
	struct topo_mark mark;
};

/* Directions of a link after loading (indexes of topo_link.params). On a
 * trunk the names mean ep[0] -> ep[1] and ep[1] -> ep[0]. */
enum topo_dir {
	TOPO_DIR_TO_SWITCH = 0, /* ep[0] -> ep[1]: host -> switch */
	TOPO_DIR_TO_HOST = 1,	/* ep[1] -> ep[0]: switch -> host */
};

/*
 * A link joins a host and a switch (a host link), or two different switches
 * (a trunk: topo_link_is_trunk()). A link the file wrote between two hosts
 * is loaded as two host links to a wire switch (topo_node.wire). A vhost or ethdev
 * node counts as a host here (its link is a host link) but must be on exactly
 * one link, to a switch. After loading, ep[0] is the host and ep[1] the
 * switch of a host link, whatever the file's order; a trunk keeps the file's
 * order: ep[0] is the switch written first.
 *
 * params[d] is what direction d (enum topo_dir) does to frames, resolved from
 * the file with linkparams_merge(), each layer overriding the fields it sets:
 *   1. topology.defaults.params                       (both directions)
 *   2. topology.defaults.params.forward / .reverse    (forward: host -> switch,
 *      defaults having no endpoint order; reverse: switch -> host. On a
 *      trunk forward is ep[0] -> ep[1], reverse ep[1] -> ep[0])
 *   3. the link's params                              (both directions)
 *   4. the link's params.forward / .reverse
 * A link's forward goes from its first endpoint as written in the file to the
 * second, reverse the other way: for "endpoints: [sw1:p1, h1:eth0]" forward is
 * switch -> host, so it lands in params[TOPO_DIR_TO_HOST]; on a trunk forward
 * is always params[0] (ep[0] -> ep[1]). A Gilbert-Elliott model is given whole
 * in one mapping (ge_p and ge_r both set there), and every direction with
 * burst or queue has a rate. All zero (set == 0) when nothing applies.
 */
struct topo_link {
	struct topo_endpoint ep[2];
	struct topo_mark mark;
	struct linkparams params[2];
	struct topo_mark params_mark; /* the link's 'params' key; line 0: none */
	int trunk;		      /* both ends are switches: use topo_link_is_trunk() */
	/* host links: how the host is attached, resolved (never
	 * TOPO_PORT_DEFAULT after loading): the link's 'port', else the
	 * host's, else defaults.port. Trunks: TOPO_PORT_DEFAULT. */
	enum topo_port_type port_type;
	struct topo_mark port_mark; /* the link's 'port' key; line 0: none */
};

/* defaults.dns (containerlab's key): the resolver the hosts use, written
 * to their resolv.conf (control/etchosts.h). Without it a host's names are
 * the lab's hosts file alone: the machine's name servers are out of a
 * lab's reach. */
#define TOPO_DNS_SERVERS 3 /* glibc's MAXNS: it reads no more */
#define TOPO_DNS_ADDR	 46 /* INET6_ADDRSTRLEN */
#define TOPO_DNS_TEXT	 256
struct topo_dns {
	unsigned n_servers;
	char servers[TOPO_DNS_SERVERS][TOPO_DNS_ADDR]; /* IPv4 or IPv6, as written */
	char search[TOPO_DNS_TEXT];		       /* domains, space-separated; "" none */
	char options[TOPO_DNS_TEXT];		       /* resolver options, likewise */
};

/* What is wrong with one dns: item, or NULL if nothing: a server address
 * (IPv4 or IPv6, not multicast or unspecified), a search domain, a
 * resolver option glibc knows (resolv.conf(5), with its number in range). */
const char *topo_dns_server_why(const char *s);
const char *topo_dns_domain_why(const char *s);
const char *topo_dns_option_why(const char *s);

struct topo {
	char name[TOPO_NAME_MAX];
	char *file; /* path it was loaded from (owned) */
	int has_subnet;
	struct topo_ip4 subnet;	       /* defaults.subnet, addr is the network */
	uint32_t gateway;	       /* defaults.gateway, 0 = none */
	int has_subnet6;	       /* defaults.subnet6 */
	struct topo_ip6 subnet6;
	int has_gateway6;	       /* defaults.gateway6 */
	uint8_t gateway6[16];
	enum topo_port_type port_type; /* defaults.port, resolved */
	/* defaults.arp: static: every host gets permanent neighbour entries
	 * for every other host of its subnet (no ARP at all; N^2 entries). */
	int arp_static;
	/* defaults.ipv6: off: hosts have IPv6 disabled (no autoconfiguration
	 * multicast, which a large lab floods to every port). */
	int ipv6_off;
	struct topo_dns dns; /* defaults.dns */
	struct topo_node *nodes;
	unsigned n_nodes;
	struct topo_link *links;
	unsigned n_links;
	/* Wires among them (topo_node.wire): each is one node and one link
	 * more than the file wrote. */
	unsigned n_wires;
	/* Top-level seed: the random impairments (loss, jitter, ...) of a run
	 * are reproducible from it. has_seed == 0: not given (the CLI picks a
	 * random seed and prints it). */
	int has_seed;
	uint64_t seed;
};

/* One diagnostic: "file:line:col: msg". */
struct topo_diag {
	struct topo_mark mark;
	char msg[200];
};

/* Diagnostics collected while loading; the loader stops after TOPO_DIAG_MAX. */
#define TOPO_DIAG_MAX 32
struct topo_diags {
	char file[256];
	unsigned n;
	unsigned dropped; /* errors past TOPO_DIAG_MAX, counted only */
	struct topo_diag d[TOPO_DIAG_MAX];
};

/*
 * Load, validate and resolve a topology file.
 *
 * On success returns 0 and stores a new topology in *out (free with
 * topo_free()). On a topology error returns -EINVAL, leaves *out NULL and
 * fills diags with at least one diagnostic (YAML syntax, unknown key,
 * duplicate node, unknown node in a link, port used twice, bad CIDR, address
 * outside its subnet or used twice, bad name, bad seed, unknown link
 * parameter or bad value, incomplete Gilbert-Elliott model, burst or queue
 * without a rate, a vhost or ethdev node not on exactly one link to a switch
 * or with a host's key, an ethdev without devargs, a socket path used twice
 * or too long, more than TOPO_MAX_ETHDEV ethdev nodes, ...). Returns -errno
 * when the file cannot be read (diags then holds one entry with
 * mark.line == 0).
 */
int topo_load_file(const char *path, struct topo **out, struct topo_diags *diags);

/* Same, from a buffer; 'name' is what diagnostics call the file. */
int topo_load_buffer(const char *name, const char *buf, size_t len, struct topo **out,
		     struct topo_diags *diags);

/*
 * The same from a node of a YAML document someone else loaded (a scenario
 * with its topology inline): value is the mapping a topology file holds
 * under 'topology' (defaults with nodes and links, or generate), key its key
 * node (a value that is not a mapping is reported there) or NULL. The lab is
 * named 'lab'; file is what the topology's file and diagnostics are called.
 * Diagnostics carry the document's own positions (diags is reset, its file
 * set to file). Same returns as topo_load_buffer().
 */
struct yaml_document_s;
struct yaml_node_s;
int topo_load_node(const char *file, const char *lab, struct yaml_document_s *doc,
		   struct yaml_node_s *key, struct yaml_node_s *value, struct topo **out,
		   struct topo_diags *diags);

/*
 * What topo_load_buffer() checks before libyaml builds a document, for the
 * other YAML files rackless reads (scenarios, which may hold a topology):
 * the text parses, flow nesting stays within 64 levels and anchors within
 * 256 (beyond, libyaml's scanner and alias lookup take minutes). 0, or
 * -EINVAL with a diagnostic at the place (added to diags), or -ENOMEM.
 */
int topo_yaml_guard(const char *buf, size_t len, struct topo_diags *diags);

/*
 * Generators: a regular topology from a type and a few whole numbers, written
 * in a file as
 *
 *   topology:
 *     defaults: {subnet: 10.0.0.0/16}     # optional, as for listed nodes
 *     generate: {type: fat-tree, k: 4}    # instead of 'nodes' and 'links'
 *
 * or given to topo_generate_spec() the way Mininet's --topo is typed. Both
 * fill the same parameters and build with the same code, so a spec and the
 * file form make the same lab. Every generated value is bounded: at most
 * TOPO_GEN_HOSTS_MAX hosts, TOPO_GEN_SWITCHES_MAX switches and
 * TOPO_GEN_LINKS_MAX links, else an error naming the limit (nothing is
 * dropped). Types and keys (in positional order; "hosts" defaults to 1, and
 * Mininet's defaults hold where it has the type: linear 2 switches, single
 * k=2, tree depth 1 and fanout 2):
 *
 *   linear      switches (1..4096), hosts per switch (1..65536): s1..sN in a
 *               chain, trunks [s<i>, s<i+1>]
 *   star        hosts (1..65536): one switch s1
 *   single      k (1..65536): Mininet's SingleSwitchTopo, the same as star
 *   minimal     no keys: Mininet's MinimalTopo, s1 with h1 and h2 (star,2)
 *   ring        switches (3..4096), hosts per switch: a linear chain closed by
 *               [sN, s1] (a loop on purpose: the spanning tree blocks a link)
 *   tree        depth (1..4096), fanout (1..65536): Mininet's TreeTopo, same
 *               names, link order and port numbers: switches s1.. in
 *               depth-first preorder (s1 the root), hosts h1..hN left to
 *               right under the leaf switches; fanout^depth hosts and
 *               1 + fanout + ... + fanout^(depth-1) switches; trunks
 *               [child, parent]
 *   fat-tree    k (even, 2..48; `up` takes k <= 36, 58320 switch ports: one
 *               rackless-switch has at most 65536): (k/2)^2 cores c1..c<(k/2)^2>; k pods p with
 *               k/2 aggregation a<p>_<j> and k/2 edge switches e<p>_<j>; k/2
 *               hosts h<p>_<e>_<i> per edge switch e (k^3/4 hosts). Every edge
 *               switch links to every aggregation switch of its pod
 *               ([e<p>_<e>, a<p>_<j>]); a<p>_<j> links to the cores
 *               c<(j-1)*k/2+1> .. c<j*k/2> ([a<p>_<j>, c<i>]).
 *   leaf-spine  spines (1..4096), leaves (1..4096), hosts per leaf: spine1..,
 *               leaf1.., hosts h<leaf>_<i>; every leaf links to every spine
 *               ([leaf<l>, spine<s>])
 *   torus       x (3..4096), y (3..4096), hosts per switch: switches s<i>_<j>
 *               (column i of x, row j of y), each linked to its right
 *               ([s<i>_<j>, s<i+1>_<j>]) and down ([s<i>_<j>, s<i>_<j+1>])
 *               neighbours, wrapping: four trunks per switch
 *
 * Every index is 1-based. Hosts not named by their switch (linear, star,
 * ring, torus) are h1..hN, the hosts of the first switch first (torus:
 * switches s1_1, s1_2, .. s1_y, s2_1, ..). Nodes are all switches, then all
 * hosts in that order, so hosts take addresses from defaults.subnet in name
 * order (h1 the first one); without a subnet they have none. Each host has
 * one interface, eth0; switch ports are p1, p2, .. per switch in link order.
 * Links are the host links (in host order), then the trunks in the order
 * above (tree: Mininet's order), so a switch's host ports come first.
 * Trunks are written lower tier first: with defaults.params.forward, forward
 * is "up" (host -> switch, edge -> aggregation -> core, leaf -> spine,
 * child -> parent). defaults.params apply to every link. Generated nodes,
 * endpoints and links carry the position of the 'generate' key.
 */
#define TOPO_GEN_HOSTS_MAX    65536
#define TOPO_GEN_SWITCHES_MAX 4096
#define TOPO_GEN_LINKS_MAX    131072

/*
 * Generate lab 'lab' from a Mininet-style spec: "type,key=value,..." or with
 * positional values in the key order above ("linear,4" = 4 switches,
 * "tree,3,4" = depth 3, fanout 4; positional values come before named ones).
 * The lab's subnet is 10.0.0.0/8 (h1 is 10.0.0.1, as in Mininet), with no
 * gateway and afpacket ports; file is "<--topo SPEC>". Returns 0 and a new
 * topology in *out, or -EINVAL with diagnostics whose file is "<--topo>" and
 * which have no position ("unknown topology type 'trie' (linear, ...)"), or
 * -ENOMEM.
 */
int topo_generate_spec(const char *lab, const char *spec, struct topo **out,
		       struct topo_diags *diags);

/* Free a topology; NULL is a no-op. */
void topo_free(struct topo *t);

/* Add a diagnostic at m (dropped past TOPO_DIAG_MAX: later errors are
 * usually consequences of earlier ones). For every parser of rackless'
 * files, so they all report the same way. */
void topo_diag(struct topo_diags *d, struct topo_mark m, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Print every diagnostic as "file:line:col: error: msg\n" (or "file: error: msg"). */
void topo_diags_print(const struct topo_diags *diags, FILE *f);

/* Look a node up by name; returns its index or -1. */
int topo_node_find(const struct topo *t, const char *name);

/* The MAC of host n's interface ifname: eth0's is n->mac; any other's is
 * derived from lab, host and interface name, the same on every run. */
void topo_if_mac(const struct topo *t, const struct topo_node *n, const char *ifname,
		 uint8_t mac[6]);

/* 1 if some host has 'exec' commands. */
int topo_has_exec(const struct topo *t);

/* 1 if the link joins two switches (a trunk), 0 if a host and a switch. */
int topo_link_is_trunk(const struct topo_link *l);

/* 1 for the kinds without a namespace whose port the switch opens by itself
 * (vhost, ethdev): they sit on exactly one link, to a switch. */
int topo_kind_is_external(enum topo_kind k);

/* Names: lab and node names are [A-Za-z0-9][A-Za-z0-9_-]*, shorter than
 * TOPO_NAME_MAX. Interface names are 1..15 chars of [A-Za-z0-9_.-]. */
int topo_name_valid(const char *s);
int topo_ifname_valid(const char *s);
/* Why a valid node name cannot name a host (its name in the hosts' hosts
 * file), or NULL: a name of the machine's hosts file (localhost), one
 * inet_aton() reads as an address (all digits, 0x and hex). */
const char *topo_host_name_why(const char *s);

/* "10.0.0.1/24" <-> struct topo_ip4. Parse returns 0 or -EINVAL. */
int topo_ip4_parse(const char *s, struct topo_ip4 *ip);
/* "addr/len" (plen: -1 if want_plen is 0 and there is no "/len"), or "addr"
 * alone with want_plen < 0 (a gateway). 0 or -EINVAL. */
int topo_ip6_parse(const char *s, struct topo_ip6 *ip, int want_plen);
/* Is the address a (16 bytes) in net, its first plen bits (all 128 when
 * plen is 255)? 1 or 0. */
int topo_ip6_in_net(const uint8_t *a, const struct topo_ip6 *net);
/* "addr/len", or "addr" when plen is 255. */
void topo_ip6_format(const struct topo_ip6 *ip, char *buf, size_t len);
/* "10.0.0.1" (no prefix) -> host-order address. 0 or -EINVAL. */
int topo_addr4_parse(const char *s, uint32_t *addr);
/* Why a host-order IPv4 address cannot be a host's or a gateway, or NULL:
 * loopback, multicast, limited broadcast. */
const char *topo_addr4_special(uint32_t a);
void topo_addr4_format(uint32_t addr, char *buf, size_t len);

const char *topo_kind_name(enum topo_kind k);
const char *topo_port_type_name(enum topo_port_type t);

#endif
