/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal interface between the loader (topo_load.c), the schema walk
 * (topo_parse.c), the model helpers (topo_model.c), the cross-node checks
 * (topo_check.c) and resolution (topo_resolve.c). Not for other modules: they
 * only see topo.h.
 */
#ifndef RL_TOPO_PRIV_H
#define RL_TOPO_PRIV_H

#include <yaml.h>

#include "topo.h"

/* What the file said about a node beyond the model fields (src flags). */
#define TOPO_SRC_KIND	(1u << 0) /* kind given and valid */
#define TOPO_SRC_IP	(1u << 1) /* ip given and well formed */
#define TOPO_SRC_NOPLEN (1u << 2) /* ip given without "/len" */
#define TOPO_SRC_MAC	(1u << 3) /* mac given and valid */
#define TOPO_SRC_GW	(1u << 4) /* gateway given and well formed */
#define TOPO_SRC_ETH0	(1u << 5) /* host has an eth0 link */
#define TOPO_SRC_SOCKET (1u << 6) /* vhost: socket given (and resolved) */
#define TOPO_SRC_IP6	(1u << 7) /* ip6 given and well formed */
#define TOPO_SRC_NOPLEN6 (1u << 8) /* ip6 given without "/len" */
#define TOPO_SRC_GW6	(1u << 9) /* gateway6 given and well formed */
#define TOPO_SRC_GW_NONE (1u << 10) /* gateway: none (no default route) */
#define TOPO_SRC_GW6_NONE (1u << 11) /* gateway6: none (no IPv6 default route) */

/* Parallel to topo.nodes: where each optional value was, for diagnostics. */
struct topo_src_node {
	unsigned flags;
	struct topo_mark ip_mark;
	struct topo_mark mac_mark;
	struct topo_mark gw_mark;
	struct topo_mark ip6_mark;
	struct topo_mark gw6_mark;
	struct topo_mark socket_mark; /* vhost: the 'socket' value */
	struct topo_mark devargs_mark; /* ethdev: the 'devargs' value */
	/* vhost and ethdev: how many links name the node, and the endpoint
	 * of the first one */
	unsigned n_links;
	struct topo_mark link_mark;
};

/* Layers of one 'params' mapping as written (indexes of topo_src_params.p). */
enum {
	TOPO_LP_BOTH,	 /* the mapping's own keys */
	TOPO_LP_FORWARD, /* its 'forward' mapping */
	TOPO_LP_REVERSE, /* its 'reverse' mapping */
	TOPO_LP_LAYERS,
};

/* A 'params' mapping of a link or of defaults, before resolution. */
struct topo_src_params {
	struct linkparams p[TOPO_LP_LAYERS];
	struct topo_mark mark; /* the mapping, for diagnostics; line 0: none */
};

/* A topology being built: the model plus what the checks need to report. */
struct topo_build {
	struct topo *t;
	struct topo_diags *diags;
	struct topo_src_node *src; /* t->n_nodes entries, same order */
	unsigned *index;	   /* open addressing over node names: idx + 1 */
	unsigned index_mask;
	int has_gateway; /* defaults.gateway given and well formed */
	struct topo_mark gateway_mark;
	struct topo_mark subnet_mark;  /* defaults.subnet; line 0: none */
	struct topo_mark subnet6_mark; /* defaults.subnet6 or gateway6; line 0: none */
	struct topo_src_params dparams; /* defaults.params */
	struct topo_src_params *lsrc;	/* parallel to t->links */
	int dparams_reported;		/* a defaults.params error was reported */
};

/* Free what a build owns (the topology too, unless the caller took it). */
void topo_build_release(struct topo_build *b);

/* "10.0.0.0/24" */
void topo_cidr_format(const struct topo_ip4 *ip, char *buf, size_t len);
/* "02:00:00:00:00:01"; buf needs 18 bytes */
void topo_mac_format(const uint8_t mac[6], char *buf, size_t len);
int topo_mac_parse(const char *s, uint8_t mac[6]);

/* libyaml marks are 0-based. */
static inline struct topo_mark topo_yaml_mark(yaml_mark_t ym)
{
	struct topo_mark m;

	m.line = (unsigned)ym.line + 1;
	m.col = (unsigned)ym.column + 1;
	return m;
}

static inline uint32_t topo_plen_mask(unsigned plen)
{
	return plen ? ~(uint32_t)0 << (32 - plen) : 0;
}

int topo_index_init(struct topo_build *b, unsigned n);
int topo_index_find(const struct topo_build *b, const char *name);
/* The same, with names compared without regard to case: -1 if none. */
int topo_index_find_nocase(const struct topo_build *b, const char *name);
void topo_index_add(struct topo_build *b, unsigned idx);

/* Walk a loaded document into b; 0 (errors are in diags) or -ENOMEM. */
int topo_parse_document(struct topo_build *b, yaml_document_t *doc);

/* Walk only the mapping a file holds under 'topology' (value; key: its key
 * node, for a message about a value that is not a mapping, or NULL) into b,
 * whose lab name the caller sets. 0 (errors are in diags) or -ENOMEM. */
int topo_parse_topology(struct topo_build *b, yaml_document_t *doc, yaml_node_t *key,
			yaml_node_t *value);

/* ethdev devargs (topo_devargs.c). Make key's value absolute, relative to
 * dir, when it is relative: 1 rewritten, 0 not, -ENAMETOOLONG. */
int topo_devargs_absolute(char *devargs, size_t len, const char *key, const char *dir);
/* The real path of a file, or when it is not there yet of its deepest
 * ancestor that is, followed by the rest as written (in as it is when
 * nothing resolves): two names of one file compare equal. */
void topo_file_path(const char *in, char *out, size_t len);
/* Is path under TOPO_RUN_DIR (by real path), where labs keep their state? */
int topo_in_run_dir(const char *path);
/* The checks of node i's devargs that need no other node. */
void topo_check_devargs(struct topo_build *b, unsigned i);
/* No DPDK device name (devargs up to the first ',') on two ethdev nodes:
 * 0 (errors are in b's diags) or -ENOMEM. */
int topo_check_devnames(struct topo_build *b);

/* Cross-node checks, then resolution when clean: 0, -EINVAL or -ENOMEM. */
int topo_build_check(struct topo_build *b);

/* Port types, addresses, gateways and MACs of a clean build. */
int topo_build_resolve(struct topo_build *b);

/* IPv6 (topo_ip6.c): check what the file says (diagnostics), then assign
 * addresses and gateways. 0 or -ENOMEM. */
int topo_check_ip6(struct topo_build *b);
int topo_resolve_ip6(struct topo_build *b);

/* Make every link between two hosts two host links to a wire switch of its
 * own (topo_node.wire); after resolution. 0 or -ENOMEM. */
int topo_build_split_wires(struct topo_build *b);

/* Layer defaults.params and the params of normalised link i into
 * links[i].params; swapped: the file wrote the switch of a host link first. */
void topo_resolve_link_params(struct topo_build *b, unsigned i, int swapped);

/* Defaults alone, for direction d (enum topo_dir). */
void topo_resolve_default_params(const struct topo_build *b, unsigned d, struct linkparams *out);

/*
 * Generator parameters (topo_gen.c), filled from a file's 'generate' mapping
 * (topo_parse.c) or from a --topo spec: both report through the same calls,
 * with the file's positions or none (line 0).
 */
#define TOPO_GEN_KEYS 3 /* most keys of one type */

struct topo_gen {
	int type;			      /* index of the type; -1: none */
	unsigned v[TOPO_GEN_KEYS];	      /* in the type's key order */
	struct topo_mark mark[TOPO_GEN_KEYS]; /* where each given key was */
	unsigned given;			      /* bit i: v[i] was given */
	int bad;			      /* an error was reported */
};

void topo_gen_init(struct topo_gen *g);

/* Set the type by name; 0, or -EINVAL reported at m. */
int topo_gen_set_type(struct topo_gen *g, const char *type, struct topo_diags *d,
		      struct topo_mark m);

/* Set key (unknown or duplicate: reported at km) to value (bad: at vm). */
int topo_gen_set_key(struct topo_gen *g, const char *key, const char *value, struct topo_diags *d,
		     struct topo_mark km, struct topo_mark vm);

/* Defaults, missing keys and the limits, reported at m: 0 or -EINVAL. */
int topo_gen_finish(struct topo_gen *g, struct topo_diags *d, struct topo_mark m);

/* Nodes and links of a finished generator into an empty build, every position
 * m: 0 or -ENOMEM. */
int topo_gen_build(struct topo_build *b, const struct topo_gen *g, struct topo_mark m);

static inline int topo_build_is_host(const struct topo_build *b, unsigned i)
{
	return (b->src[i].flags & TOPO_SRC_KIND) && b->t->nodes[i].kind == TOPO_KIND_HOST;
}

static inline int topo_build_is_external(const struct topo_build *b, unsigned i)
{
	return (b->src[i].flags & TOPO_SRC_KIND) && topo_kind_is_external(b->t->nodes[i].kind);
}

static inline int topo_in_net(uint32_t addr, const struct topo_ip4 *net)
{
	uint32_t mask = topo_plen_mask(net->plen);

	return (addr & mask) == (net->addr & mask);
}

static inline uint64_t topo_mac_key(const uint8_t mac[6])
{
	uint64_t k = 0;
	unsigned i;

	for (i = 0; i < 6; i++)
		k = k << 8 | mac[i];
	return k;
}

#endif
