/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Topology model: what a lab is made of, after parsing and validation.
 *
 * A topology is produced by topo_load_file() (topo_parse.c) from a YAML file in
 * containerlab's shape. Once loaded it is complete and valid: every host that
 * should have an address has one (explicit or assigned from the subnet), every
 * host has a MAC, every endpoint names an existing node, and no port is used
 * twice. The control plane plans and applies from it without re-checking.
 *
 * The model holds no kernel or switch state; it is pure data, safe to use in
 * unit tests without root.
 */
#ifndef RL_TOPO_H
#define RL_TOPO_H

#include <stdint.h>
#include <stdio.h>

#include "linkparams.h"

#define TOPO_NAME_MAX   32 /* lab and node names, including the NUL */
#define TOPO_IFNAME_MAX 16 /* IFNAMSIZ */

enum topo_kind {
	TOPO_KIND_HOST,   /* a network namespace */
	TOPO_KIND_SWITCH, /* a bridge inside rackless-switch */
};

/* How a host interface is attached to the switch. */
enum topo_port_type {
	TOPO_PORT_DEFAULT = 0, /* not given: inherit defaults, else afpacket */
	TOPO_PORT_AFPACKET,    /* veth pair, switch end read by a packet mmap ring */
	TOPO_PORT_TAP,         /* tap owned by the switch, moved into the host */
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
	/* Hosts only: MAC of eth0; explicit, or derived from lab and node name
	 * (locally administered, unicast, unique within the lab). */
	uint8_t mac[6];
	/* Hosts only: resolved, never TOPO_PORT_DEFAULT after loading. */
	enum topo_port_type port_type;
	struct topo_mark mark; /* where the node's name is */
};

struct topo_endpoint {
	unsigned node;                 /* index into topo.nodes */
	char ifname[TOPO_IFNAME_MAX];  /* interface (host) or port (switch) name */
	struct topo_mark mark;
};

/* Directions of a link after loading (indexes of topo_link.params). */
enum topo_dir {
	TOPO_DIR_TO_SWITCH = 0, /* ep[0] -> ep[1]: host -> switch */
	TOPO_DIR_TO_HOST = 1,	/* ep[1] -> ep[0]: switch -> host */
};

/*
 * A link. After loading, ep[0] is always the host and ep[1] the switch.
 *
 * params[d] is what direction d (enum topo_dir) does to frames, resolved from
 * the file with linkparams_merge(), each layer overriding the fields it sets:
 *   1. topology.defaults.params                       (both directions)
 *   2. topology.defaults.params.forward / .reverse    (forward: host -> switch,
 *      defaults having no endpoint order; reverse: switch -> host)
 *   3. the link's params                              (both directions)
 *   4. the link's params.forward / .reverse
 * A link's forward goes from its first endpoint as written in the file to the
 * second, reverse the other way: for "endpoints: [sw1:p1, h1:eth0]" forward is
 * switch -> host, so it lands in params[TOPO_DIR_TO_HOST]. A Gilbert-Elliott
 * model is given whole in one mapping (ge_p and ge_r both set there), and
 * every direction with burst or queue has a rate. All zero (set == 0) when
 * nothing applies.
 */
struct topo_link {
	struct topo_endpoint ep[2];
	struct topo_mark mark;
	struct linkparams params[2];
	struct topo_mark params_mark; /* the link's 'params' key; line 0: none */
};

struct topo {
	char name[TOPO_NAME_MAX];
	char *file; /* path it was loaded from (owned) */
	int has_subnet;
	struct topo_ip4 subnet;       /* defaults.subnet, addr is the network */
	uint32_t gateway;             /* defaults.gateway, 0 = none */
	enum topo_port_type port_type; /* defaults.port, resolved */
	struct topo_node *nodes;
	unsigned n_nodes;
	struct topo_link *links;
	unsigned n_links;
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
 * without a rate, ...). Returns -errno when the file cannot be read (diags
 * then holds one entry with mark.line == 0).
 */
int topo_load_file(const char *path, struct topo **out, struct topo_diags *diags);

/* Same, from a buffer; 'name' is what diagnostics call the file. */
int topo_load_buffer(const char *name, const char *buf, size_t len, struct topo **out,
		     struct topo_diags *diags);

/* Free a topology; NULL is a no-op. */
void topo_free(struct topo *t);

/* Print every diagnostic as "file:line:col: error: msg\n" (or "file: error: msg"). */
void topo_diags_print(const struct topo_diags *diags, FILE *f);

/* Look a node up by name; returns its index or -1. */
int topo_node_find(const struct topo *t, const char *name);

/* Names: lab and node names are [A-Za-z0-9][A-Za-z0-9_-]*, shorter than
 * TOPO_NAME_MAX. Interface names are 1..15 chars of [A-Za-z0-9_.-]. */
int topo_name_valid(const char *s);
int topo_ifname_valid(const char *s);

/* "10.0.0.1/24" <-> struct topo_ip4. Parse returns 0 or -EINVAL. */
int topo_ip4_parse(const char *s, struct topo_ip4 *ip);
/* "10.0.0.1" (no prefix) -> host-order address. 0 or -EINVAL. */
int topo_addr4_parse(const char *s, uint32_t *addr);
void topo_addr4_format(uint32_t addr, char *buf, size_t len);

const char *topo_kind_name(enum topo_kind k);
const char *topo_port_type_name(enum topo_port_type t);

#endif
