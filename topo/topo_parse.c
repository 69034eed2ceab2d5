// SPDX-License-Identifier: BSD-3-Clause
/*
 * Schema walk: turns a loaded YAML document into a struct topo_build (model
 * plus the marks the checks need), reporting shape, key, name and value
 * errors. Reading the file and libyaml errors are in topo_load.c, cross-node
 * rules in topo_check.c, generators (topology.generate) in topo_gen.c.
 *
 * The walk follows the fixed schema, never the document's own structure, so
 * aliases (even cyclic ones) cannot make it loop or recurse.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "topo.h"
#include "topo_priv.h"

#define QUOTE_MAX	48 /* how much of a bad value a message repeats */
#define PARAM_KEY_MAX	24 /* longer than any link parameter's name */
#define PARAM_VALUE_MAX 64 /* longer than any sensible parameter value */
#define PARAM_KEYS_MAX	32 /* every parameter once, plus forward and reverse */

/* Which Gilbert-Elliott keys a params mapping gave. */
#define GE_P	 (1u << 0)
#define GE_R	 (1u << 1)
#define GE_OTHER (1u << 2)

struct pctx {
	struct topo_build *b;
	yaml_document_t *doc;
	int nodes_ok; /* the node set is known: a missing node is a real error */
	int rc;	      /* fatal error (-ENOMEM) */
};

/* A known key of a mapping, filled by collect(). */
struct slot {
	const char *key;
	yaml_node_t *k;
	yaml_node_t *v;
};

static struct topo_mark mark_of(const yaml_node_t *n)
{
	return topo_yaml_mark(n->start_mark);
}

static void err(struct pctx *c, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void err(struct pctx *c, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[sizeof(c->b->diags->d[0].msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	topo_diag(c->b->diags, mark_of(n), "%s", msg);
}

static yaml_node_t *node_at(struct pctx *c, int idx)
{
	return yaml_document_get_node(c->doc, idx);
}

static int is_scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE;
}

static int scalar_eq(const yaml_node_t *n, const char *s)
{
	size_t l = strlen(s);

	return is_scalar(n) && n->data.scalar.length == l && !memcmp(n->data.scalar.value, s, l);
}

static int is_null(const yaml_node_t *n)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
	unsigned i;

	if (!is_scalar(n) || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	for (i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		if (scalar_eq(n, nulls[i]))
			return 1;
	return 0;
}

/*
 * An empty value ("key:" and nothing) is positioned wherever the next token
 * is, often the next line: point at its key instead.
 */
static const yaml_node_t *where(const yaml_node_t *k, const yaml_node_t *v)
{
	if (k && is_scalar(v) && !v->data.scalar.length &&
	    v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
		return k;
	return v;
}

/* Copy a scalar as a C string; -EINVAL if it does not fit or holds a NUL. */
static int scalar_str(const yaml_node_t *n, char *buf, size_t len)
{
	size_t l = n->data.scalar.length;

	buf[0] = '\0';
	if (l >= len || memchr(n->data.scalar.value, 0, l))
		return -EINVAL;
	memcpy(buf, n->data.scalar.value, l);
	buf[l] = '\0';
	return 0;
}

/* Make arbitrary bytes printable and short enough to repeat in a message. */
static const char *sanitize(const unsigned char *s, size_t l, char *buf, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < l && o + 4 < len; i++)
		buf[o++] = s[i] >= 0x20 && s[i] < 0x7f ? (char)s[i] : '?';
	if (i < l)
		memcpy(buf + o, "...", 4);
	else
		buf[o] = '\0';
	return buf;
}

static const char *quote(const yaml_node_t *n, char *buf, size_t len)
{
	return sanitize(n->data.scalar.value, n->data.scalar.length, buf, len);
}

#define MERGE_DEPTH 4 /* '<<' inside a merged mapping, at most this deep */

static void collect_pairs(struct pctx *c, const yaml_node_t *map, const char *what,
			  struct slot *s, unsigned n, unsigned depth);

/*
 * YAML's merge key ('<<: *anchor', or a list of them): the merged
 * mappings' keys fill the slots the mapping's own keys left empty, the
 * first mapping of a list first. Keys a merged mapping shares with the
 * mapping are overridden, not duplicates.
 */
static void collect_merge(struct pctx *c, const yaml_node_t *k, const yaml_node_t *v,
			  const char *what, struct slot *s, unsigned n, unsigned depth)
{
	if (depth >= MERGE_DEPTH) {
		err(c, k, "merge keys ('<<') nested too deep in %s", what);
		return;
	}
	if (v->type == YAML_MAPPING_NODE) {
		collect_pairs(c, v, what, s, n, depth + 1);
		return;
	}
	if (v->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *i = v->data.sequence.items.start;
		     i < v->data.sequence.items.top; i++) {
			const yaml_node_t *m = node_at(c, *i);

			if (m == NULL || m->type != YAML_MAPPING_NODE) {
				err(c, m ? m : v, "a merge key ('<<') takes mappings, in %s", what);
				continue;
			}
			collect_pairs(c, m, what, s, n, depth + 1);
		}
		return;
	}
	err(c, where(k, v), "a merge key ('<<') takes a mapping or a list of them, in %s", what);
}

/*
 * The pairs of one mapping into the slots; depth 0 is the mapping itself
 * (a key twice is an error), deeper ones are merged (a filled slot is
 * kept). Its own merge keys come after its own keys.
 */
static void collect_pairs(struct pctx *c, const yaml_node_t *map, const char *what,
			  struct slot *s, unsigned n, unsigned depth)
{
	yaml_node_pair_t *p;
	char q[QUOTE_MAX];

	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node_at(c, p->key);
		yaml_node_t *v = node_at(c, p->value);
		unsigned i;

		if (!k || !v)
			continue;
		if (!is_scalar(k)) {
			err(c, k, "expected a scalar key in %s", what);
			continue;
		}
		if (scalar_eq(k, "<<") && k->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
			continue;
		for (i = 0; i < n && !scalar_eq(k, s[i].key); i++)
			;
		if (i == n) {
			err(c, k, "unknown key '%s' in %s", quote(k, q, sizeof(q)), what);
			continue;
		}
		if (s[i].k && depth > 0)
			continue;
		if (s[i].k) {
			struct topo_mark m = mark_of(s[i].k);

			err(c, k, "duplicate key '%s' in %s (first defined at %u:%u)", s[i].key,
			    what, m.line, m.col);
			continue;
		}
		s[i].k = k;
		s[i].v = v;
	}
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node_at(c, p->key);
		yaml_node_t *v = node_at(c, p->value);

		if (k && v && scalar_eq(k, "<<") && k->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
			collect_merge(c, k, v, what, s, n, depth);
	}
}

/*
 * Sort a mapping's pairs into known slots, reporting non-scalar, unknown and
 * duplicate keys (libyaml keeps duplicates silently), with YAML's merge keys.
 */
static void collect(struct pctx *c, const yaml_node_t *map, const char *what, struct slot *s,
		    unsigned n)
{
	collect_pairs(c, map, what, s, n, 0);
}

/* A scalar value as a string; non-scalars are reported here, bad text by the caller. */
static int value_str(struct pctx *c, const struct slot *s, const char *what, char *buf, size_t len)
{
	if (!is_scalar(s->v)) {
		err(c, s->v, "expected a scalar for '%s' in %s", s->key, what);
		return -EINVAL;
	}
	scalar_str(s->v, buf, len);
	return 0;
}

static int parse_addr(struct pctx *c, const struct slot *s, const char *what, uint32_t *addr)
{
	char buf[32], q[QUOTE_MAX];

	if (value_str(c, s, what, buf, sizeof(buf)))
		return -EINVAL;
	/* 0.0.0.0 means "no gateway" in the model: it cannot be one. */
	if (topo_addr4_parse(buf, addr) || !*addr) {
		err(c, where(s->k, s->v), "bad address '%s': expected a.b.c.d",
		    quote(s->v, q, sizeof(q)));
		return -EINVAL;
	}
	return 0;
}

/* A port type. vhost and ethdev are the kinds' own: only a link may name
 * them (topo_check.c matches them to the link's node); elsewhere 'hosts'
 * says why they are refused. */
static void parse_port(struct pctx *c, const struct slot *s, const char *what, const char *hosts,
		       enum topo_port_type *type)
{
	char q[QUOTE_MAX];

	if (!is_scalar(s->v)) {
		err(c, s->v, "expected a scalar for '%s' in %s", s->key, what);
	} else if (scalar_eq(s->v, "afpacket")) {
		*type = TOPO_PORT_AFPACKET;
	} else if (scalar_eq(s->v, "tap")) {
		*type = TOPO_PORT_TAP;
	} else if (scalar_eq(s->v, "afxdp")) {
		*type = TOPO_PORT_AFXDP;
	} else if (scalar_eq(s->v, "vhost") || scalar_eq(s->v, "ethdev")) {
		if (hosts)
			err(c, s->v, "%s ports are for kind: %s nodes (%s: afpacket, afxdp or tap)",
			    quote(s->v, q, sizeof(q)), q, hosts);
		else
			*type = scalar_eq(s->v, "vhost") ? TOPO_PORT_VHOST : TOPO_PORT_ETHDEV;
	} else {
		err(c, where(s->k, s->v), "bad port type '%s': expected afpacket, afxdp or tap",
		    quote(s->v, q, sizeof(q)));
	}
}

/* A scalar that must be one of two words; *out = 0 for the first, 1 for
 * the second. */
static void parse_choice(struct pctx *c, const struct slot *s, const char *what, const char *w0,
			 const char *w1, int *out)
{
	char q[QUOTE_MAX];

	if (!is_scalar(s->v)) {
		err(c, s->v, "expected a scalar for '%s' in %s", s->key, what);
	} else if (scalar_eq(s->v, w0)) {
		*out = 0;
	} else if (scalar_eq(s->v, w1)) {
		*out = 1;
	} else {
		err(c, where(s->k, s->v), "bad value '%s' for %s: expected %s or %s",
		    quote(s->v, q, sizeof(q)), s->key, w0, w1);
	}
}

static void parse_subnet(struct pctx *c, const struct slot *s)
{
	struct topo_build *b = c->b;
	struct topo_ip4 ip;
	char buf[32], q[QUOTE_MAX];
	uint32_t mask;

	if (value_str(c, s, "defaults", buf, sizeof(buf)))
		return;
	if (topo_ip4_parse(buf, &ip)) {
		err(c, where(s->k, s->v), "bad address '%s': expected a.b.c.d/len",
		    quote(s->v, q, sizeof(q)));
		return;
	}
	mask = topo_plen_mask(ip.plen);
	if (ip.addr & ~mask)
		err(c, s->v, "subnet %s has host bits set", buf);
	/* Keep the network so later checks do not cascade from this error. */
	ip.addr &= mask;
	b->t->subnet = ip;
	b->t->has_subnet = 1;
	b->subnet_mark = mark_of(s->v);
}

/* One mapping of link parameters being read: a 'params' or one of its directions. */
struct pscope {
	struct topo_src_params *sp;
	unsigned layer;				 /* TOPO_LP_* */
	char what[40];				 /* "link params", "defaults params.forward", ... */
	const yaml_node_t *seen[PARAM_KEYS_MAX]; /* keys so far, for duplicates */
	unsigned n_seen;
	unsigned ge; /* GE_* */
};

static int scalar_same(const yaml_node_t *a, const yaml_node_t *b)
{
	return a->data.scalar.length == b->data.scalar.length &&
	       !memcmp(a->data.scalar.value, b->data.scalar.value, a->data.scalar.length);
}

/* Report k if the mapping had it already; remember it otherwise. */
static int param_dup(struct pctx *c, struct pscope *s, const yaml_node_t *k)
{
	char q[QUOTE_MAX];
	unsigned i;

	for (i = 0; i < s->n_seen; i++) {
		if (scalar_same(s->seen[i], k)) {
			struct topo_mark m = mark_of(s->seen[i]);

			err(c, k, "duplicate key '%s' in %s (first defined at %u:%u)",
			    quote(k, q, sizeof(q)), s->what, m.line, m.col);
			return 1;
		}
	}
	if (s->n_seen < PARAM_KEYS_MAX)
		s->seen[s->n_seen++] = k;
	return 0;
}

static unsigned ge_bit(const char *key)
{
	if (!strcmp(key, "ge_p"))
		return GE_P;
	if (!strcmp(key, "ge_r"))
		return GE_R;
	return strncmp(key, "ge_", 3) ? 0 : GE_OTHER;
}

/* The message is linkparams' own: a file and a command line say the same. */
static void unknown_param(struct pctx *c, const yaml_node_t *k)
{
	char q[QUOTE_MAX], e[sizeof(c->b->diags->d[0].msg)];
	struct linkparams scratch;

	memset(&scratch, 0, sizeof(scratch));
	quote(k, q, sizeof(q));
	if (!linkparams_set(&scratch, q, "", e, sizeof(e)))
		snprintf(e, sizeof(e), "unknown link parameter '%s'", q);
	err(c, k, "%s", e);
}

static void parse_param(struct pctx *c, struct pscope *s, const yaml_node_t *k,
			const yaml_node_t *v, const char *key)
{
	char val[PARAM_VALUE_MAX], e[sizeof(c->b->diags->d[0].msg)];

	if (!is_scalar(v)) {
		err(c, v, "expected a scalar for '%s' in %s", key, s->what);
		return;
	}
	/* Valid values are short printable ASCII: sanitising only turns a bad
	 * value into another bad one, and keeps the message printable. */
	sanitize(v->data.scalar.value, v->data.scalar.length, val, sizeof(val));
	if (linkparams_set(&s->sp->p[s->layer], key, val, e, sizeof(e))) {
		err(c, where(k, v), "%s", e);
		return;
	}
	s->ge |= ge_bit(key);
}

static void parse_params_map(struct pctx *c, struct pscope *s, const yaml_node_t *k,
			     const yaml_node_t *v, const char *name, const char *owner);

/* 'forward' or 'reverse' inside a top 'params'. */
static void parse_direction(struct pctx *c, const struct pscope *parent, const yaml_node_t *k,
			    const yaml_node_t *v)
{
	const char *name = scalar_eq(k, "forward") ? "forward" : "reverse";
	struct pscope s;

	memset(&s, 0, sizeof(s));
	s.sp = parent->sp;
	s.layer = name[0] == 'f' ? TOPO_LP_FORWARD : TOPO_LP_REVERSE;
	snprintf(s.what, sizeof(s.what), "%.24s.%s", parent->what, name);
	parse_params_map(c, &s, k, v, name, parent->what);
}

static void parse_params_pair(struct pctx *c, struct pscope *s, const yaml_node_t *k,
			      const yaml_node_t *v)
{
	char key[PARAM_KEY_MAX], q[QUOTE_MAX];

	if (!is_scalar(k)) {
		err(c, k, "expected a scalar key in %s", s->what);
	} else if (scalar_eq(k, "forward") || scalar_eq(k, "reverse")) {
		if (s->layer != TOPO_LP_BOTH)
			err(c, k, "'%s' cannot be nested in '%s'", quote(k, q, sizeof(q)),
			    s->layer == TOPO_LP_FORWARD ? "forward" : "reverse");
		else if (!param_dup(c, s, k))
			parse_direction(c, s, k, v);
	} else if (scalar_str(k, key, sizeof(key)) || !linkparams_key_valid(key)) {
		unknown_param(c, k);
	} else if (s->layer != TOPO_LP_BOTH && strcmp(key, "state") == 0) {
		/* a cable is up or down both ways: half a link down is no state */
		err(c, k, "'state' cannot be in '%s': a link is down both ways (put it in params)",
		    s->layer == TOPO_LP_FORWARD ? "forward" : "reverse");
	} else if (!param_dup(c, s, k)) {
		parse_param(c, s, k, v, key);
	}
}

/* A mapping of parameters; a null value is an empty one. */
static void parse_params_map(struct pctx *c, struct pscope *s, const yaml_node_t *k,
			     const yaml_node_t *v, const char *name, const char *owner)
{
	yaml_node_pair_t *p;

	if (is_null(v))
		return;
	if (v->type != YAML_MAPPING_NODE) {
		err(c, where(k, v), "expected a mapping for '%s' in %s", name, owner);
		return;
	}
	if (s->layer == TOPO_LP_BOTH)
		s->sp->mark = mark_of(v);
	for (p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
		yaml_node_t *pk = node_at(c, p->key);
		yaml_node_t *pv = node_at(c, p->value);

		if (pk && pv)
			parse_params_pair(c, s, pk, pv);
	}
	/* Merging copies the four ge_* fields together: each mapping giving
	 * one gives the whole model. */
	if (s->ge && (s->ge & (GE_P | GE_R)) != (GE_P | GE_R))
		err(c, v, "ge_p and ge_r are both needed for Gilbert-Elliott loss");
}

/* The 'params' of a link or of defaults (owner). */
static void parse_params(struct pctx *c, const struct slot *sl, struct topo_src_params *sp,
			 const char *owner)
{
	struct pscope s;

	memset(&s, 0, sizeof(s));
	s.sp = sp;
	s.layer = TOPO_LP_BOTH;
	snprintf(s.what, sizeof(s.what), "%s params", owner);
	parse_params_map(c, &s, sl->k, sl->v, "params", owner);
}

/* An IPv6 address: want_plen 1 "addr/len", 0 either, -1 "addr" alone.
 * 0, or -EINVAL (reported). */
static int parse_ip6(struct pctx *c, const struct slot *s, const char *what, int want_plen,
		     struct topo_ip6 *ip)
{
	char buf[64], q[QUOTE_MAX];

	if (value_str(c, s, what, buf, sizeof(buf)))
		return -EINVAL;
	if (topo_ip6_parse(buf, ip, want_plen)) {
		err(c, where(s->k, s->v), "bad IPv6 address '%s': expected %s",
		    quote(s->v, q, sizeof(q)),
		    want_plen > 0 ? "addr/len (fd00::/64)" : want_plen < 0 ? "an address (fd00::1)"
								      : "addr/len (fd00::1/64)");
		return -EINVAL;
	}
	return 0;
}

/*
 * One list of defaults.dns (a scalar is a list of one): each item checked
 * by why() and appended to out, space-separated (out is a resolv.conf
 * line's words), or for servers copied to the next slot.
 */
static void parse_dns_list(struct pctx *c, const struct slot *s, const char *(*why)(const char *),
			   char *out, size_t len, struct topo_dns *servers)
{
	const yaml_node_t *items[64];
	unsigned n = 0;
	char buf[TOPO_DNS_TEXT], q[QUOTE_MAX];
	const char *w;

	if (is_scalar(s->v)) {
		items[n++] = s->v;
	} else if (s->v->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *i = s->v->data.sequence.items.start;
		     i < s->v->data.sequence.items.top && n < 64; i++)
			items[n++] = node_at(c, *i);
		if (s->v->data.sequence.items.top - s->v->data.sequence.items.start > 64) {
			err(c, s->v, "too many items in dns.%s", s->key);
			return;
		}
	} else {
		err(c, s->v, "expected a list (or one item) for dns.%s", s->key);
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		const yaml_node_t *v = items[i];

		if (!is_scalar(v)) {
			err(c, v, "expected a scalar in dns.%s", s->key);
			continue;
		}
		w = scalar_str(v, buf, sizeof(buf)) ? "too long" : why(buf);
		if (w != NULL) {
			err(c, v, "bad dns.%s '%s': %s", s->key, quote(v, q, sizeof(q)), w);
			continue;
		}
		if (servers != NULL) {
			if (servers->n_servers == TOPO_DNS_SERVERS) {
				err(c, v, "dns.servers: at most %d (the resolver reads no more)",
				    TOPO_DNS_SERVERS);
				return;
			}
			snprintf(servers->servers[servers->n_servers++], TOPO_DNS_ADDR, "%s", buf);
		} else if (strlen(out) + 1 + strlen(buf) >= len) {
			err(c, v, "dns.%s: longer than %zu characters in all", s->key, len - 1);
			return;
		} else {
			if (out[0])
				strcat(out, " ");
			strcat(out, buf);
		}
	}
}

/* defaults.dns: {servers, search, options}, containerlab's shape. */
static void parse_dns(struct pctx *c, const struct slot *d)
{
	struct slot s[] = {{"servers"}, {"search"}, {"options"}};
	struct topo_dns *dns = &c->b->t->dns;

	if (d->v->type != YAML_MAPPING_NODE) {
		err(c, where(d->k, d->v), "expected a mapping for 'dns' (servers, search, options)");
		return;
	}
	collect(c, d->v, "dns", s, 3);
	if (s[0].v)
		parse_dns_list(c, &s[0], topo_dns_server_why, NULL, 0, dns);
	if (s[1].v)
		parse_dns_list(c, &s[1], topo_dns_domain_why, dns->search, sizeof(dns->search),
			       NULL);
	if (s[2].v)
		parse_dns_list(c, &s[2], topo_dns_option_why, dns->options, sizeof(dns->options),
			       NULL);
}

static void parse_defaults(struct pctx *c, const yaml_node_t *k, const yaml_node_t *v)
{
	struct slot s[] = {{"subnet"},	 {"gateway"}, {"port"},	    {"params"}, {"arp"},
			   {"ipv6"},	 {"subnet6"}, {"gateway6"}, {"dns"}};
	struct topo_build *b = c->b;

	if (v->type != YAML_MAPPING_NODE) {
		err(c, where(k, v), "expected a mapping for 'defaults'");
		return;
	}
	collect(c, v, "defaults", s, 9);
	if (s[8].v)
		parse_dns(c, &s[8]);
	if (s[6].v && !parse_ip6(c, &s[6], "defaults", 1, &b->t->subnet6)) {
		b->t->has_subnet6 = 1;
		b->subnet6_mark = mark_of(s[6].v);
	}
	if (s[7].v) {
		struct topo_ip6 gw;

		if (!parse_ip6(c, &s[7], "defaults", -1, &gw)) {
			memcpy(b->t->gateway6, gw.addr, 16);
			b->t->has_gateway6 = 1;
			if (!b->subnet6_mark.line)
				b->subnet6_mark = mark_of(s[7].v);
		}
	}
	if (s[4].v)
		parse_choice(c, &s[4], "defaults", "dynamic", "static", &b->t->arp_static);
	if (s[5].v) {
		int off = 0;
		parse_choice(c, &s[5], "defaults", "on", "off", &off);
		b->t->ipv6_off = off;
	}
	if (s[0].v)
		parse_subnet(c, &s[0]);
	if (s[1].v && !parse_addr(c, &s[1], "defaults", &b->t->gateway)) {
		b->has_gateway = 1;
		b->gateway_mark = mark_of(s[1].v);
	}
	if (s[2].v)
		parse_port(c, &s[2], "defaults", "defaults.port applies to hosts",
			   &b->t->port_type);
	if (s[3].v)
		parse_params(c, &s[3], &b->dparams, "defaults");
}

static void parse_kind(struct pctx *c, const yaml_node_t *key, const struct slot *s,
		       struct topo_node *n, struct topo_src_node *src, const char *label,
		       const char *what)
{
	char q[QUOTE_MAX];

	if (!s->v) {
		err(c, key, "node '%s' has no kind", label);
	} else if (!is_scalar(s->v)) {
		err(c, s->v, "expected a scalar for 'kind' in %s", what);
	} else {
		/* the model names the kinds (topo_kind_name) */
		for (enum topo_kind k = TOPO_KIND_HOST; k <= TOPO_KIND_ETHDEV; k++) {
			if (scalar_eq(s->v, topo_kind_name(k))) {
				n->kind = k;
				src->flags |= TOPO_SRC_KIND;
				return;
			}
		}
		err(c, where(s->k, s->v),
		    "bad kind '%s' for node '%s': expected host, switch, vhost or ethdev",
		    quote(s->v, q, sizeof(q)), label);
	}
}

static void parse_ip(struct pctx *c, const struct slot *s, struct topo_node *n,
		     struct topo_src_node *src, const char *what)
{
	char buf[32], q[QUOTE_MAX];
	int rc;

	if (value_str(c, s, what, buf, sizeof(buf)))
		return;
	if (strchr(buf, '/')) {
		rc = topo_ip4_parse(buf, &n->ip);
	} else {
		rc = topo_addr4_parse(buf, &n->ip.addr);
		src->flags |= TOPO_SRC_NOPLEN;
	}
	if (rc) {
		err(c, where(s->k, s->v), "bad address '%s': expected a.b.c.d/len",
		    quote(s->v, q, sizeof(q)));
		return;
	}
	src->flags |= TOPO_SRC_IP;
	src->ip_mark = mark_of(s->v);
}

static void parse_mac(struct pctx *c, const struct slot *s, struct topo_node *n,
		      struct topo_src_node *src, const char *label, const char *what)
{
	static const uint8_t zero[6];
	char buf[24], q[QUOTE_MAX];

	if (value_str(c, s, what, buf, sizeof(buf)))
		return;
	if (topo_mac_parse(buf, n->mac)) {
		err(c, where(s->k, s->v), "bad MAC '%s': expected xx:xx:xx:xx:xx:xx",
		    quote(s->v, q, sizeof(q)));
		return;
	}
	if (n->mac[0] & 1) {
		err(c, s->v, "MAC %s of %s is multicast", buf, label);
		return;
	}
	if (!memcmp(n->mac, zero, sizeof(zero))) {
		err(c, s->v, "MAC %s of %s is all zeros", buf, label);
		return;
	}
	src->flags |= TOPO_SRC_MAC;
	src->mac_mark = mark_of(s->v);
}

/* Why a host's key means nothing on a vhost or ethdev node. */
static const char *external_why(enum topo_kind k, const char *key)
{
	if (!strcmp(key, "port"))
		return "its port type is its kind";
	if (!strcmp(key, "exec"))
		return "it has no namespace to run commands in";
	if (k == TOPO_KIND_VHOST)
		return "the guest sets its own address, gateway and MAC";
	return "a DPDK device passes frames as they are, it has no address, gateway or MAC";
}

/* A host-only key is present: is it allowed on this node? */
static int host_key(struct pctx *c, const struct slot *s, const struct topo_node *n,
		    const struct topo_src_node *src, const char *label)
{
	if (!s->v)
		return 0;
	if (!(src->flags & TOPO_SRC_KIND) || n->kind == TOPO_KIND_HOST)
		return 1;
	if (n->kind == TOPO_KIND_SWITCH)
		err(c, s->k, "key '%s' is not valid for switch '%s' (hosts only)", s->key, label);
	else
		err(c, s->k, "key '%s' is not valid for %s node '%s': %s", s->key,
		    topo_kind_name(n->kind), label, external_why(n->kind, s->key));
	return 0;
}

/* A key only one kind takes ('socket': vhost, 'devargs': ethdev). */
static int kind_key(struct pctx *c, const struct slot *s, const struct topo_node *n,
		    const struct topo_src_node *src, enum topo_kind kind, const char *label)
{
	if (!s->v || !(src->flags & TOPO_SRC_KIND))
		return 0;
	if (n->kind == kind)
		return 1;
	err(c, s->k, "key '%s' is only for kind: %s nodes ('%s' is kind: %s)", s->key,
	    topo_kind_name(kind), label, topo_kind_name(n->kind));
	return 0;
}

/*
 * The directory part of file, absolute ("" for /): relative socket paths are
 * relative to the topology file, wherever rackless runs from. 0 or -1.
 */
static int file_dir(const char *file, char *buf, size_t len)
{
	const char *slash = file ? strrchr(file, '/') : NULL;
	size_t dlen = slash ? (size_t)(slash - file) : 0;
	char cwd[PATH_MAX];
	size_t o = 0;

	buf[0] = '\0';
	if (!slash || file[0] != '/') {
		if (!getcwd(cwd, sizeof(cwd)))
			return -1;
		o = strlen(cwd);
		if (o + 1 >= len)
			return -1;
		memcpy(buf, cwd, o + 1);
		if (!slash)
			return 0;
		buf[o++] = '/';
	}
	if (o + dlen >= len)
		return -1;
	memcpy(buf + o, file, dlen);
	buf[o + dlen] = '\0';
	return 0;
}

/* vhost: 'socket', resolved to an absolute path that fits a sockaddr_un. */
static void parse_socket(struct pctx *c, const struct slot *s, struct topo_node *n,
			 struct topo_src_node *src, const char *label, const char *what)
{
	char path[PATH_MAX], full[2 * PATH_MAX + 2], dir[PATH_MAX], q[QUOTE_MAX];
	int len;

	if (value_str(c, s, what, path, sizeof(path)))
		return;
	if (scalar_str(s->v, path, sizeof(path)) || !path[0] || path[strlen(path) - 1] == '/') {
		err(c, where(s->k, s->v), "bad socket path '%s' for '%s': expected a file name",
		    quote(s->v, q, sizeof(q)), label);
		return;
	}
	if (path[0] == '/') {
		len = snprintf(full, sizeof(full), "%s", path);
	} else {
		if (file_dir(c->b->t->file, dir, sizeof(dir))) {
			err(c, s->v, "cannot resolve socket path '%s': no working directory",
			    quote(s->v, q, sizeof(q)));
			return;
		}
		len = snprintf(full, sizeof(full), "%s/%s", dir, path);
	}
	if (len < 0 || (size_t)len >= sizeof(n->socket)) {
		err(c, s->v,
		    "socket path of '%s' is %d bytes long%s: a socket path has at most %zu", label,
		    len, path[0] == '/' ? "" : " once resolved", sizeof(n->socket) - 1);
		return;
	}
	memcpy(n->socket, full, (size_t)len + 1);
	src->flags |= TOPO_SRC_SOCKET;
	src->socket_mark = mark_of(s->v);
}

/* ethdev: net_pcap's files, relative to the topology file as a socket is. */
static void devargs_paths(struct pctx *c, const struct slot *s, struct topo_node *n,
			  const char *label)
{
	static const char *const keys[] = {"rx_pcap", "tx_pcap"};
	char dir[PATH_MAX], q[QUOTE_MAX];

	if (strncmp(n->devargs, "net_pcap", 8) != 0)
		return;
	if (file_dir(c->b->t->file, dir, sizeof(dir))) {
		err(c, s->v, "cannot resolve the files of devargs '%s': no working directory",
		    quote(s->v, q, sizeof(q)));
		return;
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (topo_devargs_absolute(n->devargs, sizeof(n->devargs), keys[i], dir) < 0) {
			err(c, s->v, "devargs of '%s' are longer than %zu bytes once %s is "
				     "made absolute (relative to the file's directory)",
			    label, sizeof(n->devargs) - 1, keys[i]);
			return;
		}
	}
}

/* ethdev: 'devargs', required and not empty (the switch checks the rest). */
static void parse_devargs(struct pctx *c, const yaml_node_t *key, const struct slot *s,
			  struct topo_node *n, struct topo_src_node *src, const char *label,
			  const char *what)
{
	char q[QUOTE_MAX];

	if (!s->v) {
		err(c, key,
		    "ethdev node '%s' needs 'devargs' (a DPDK virtual device, e.g. "
		    "net_pcap0,rx_pcap=FILE)",
		    label);
		return;
	}
	if (!is_scalar(s->v)) {
		err(c, s->v, "expected a scalar for 'devargs' in %s", what);
		return;
	}
	if (scalar_str(s->v, n->devargs, sizeof(n->devargs))) {
		err(c, s->v, "bad devargs '%s' for '%s': at most %zu bytes, no NUL",
		    quote(s->v, q, sizeof(q)), label, sizeof(n->devargs) - 1);
		return;
	}
	if (!n->devargs[0]) {
		err(c, where(s->k, s->v), "empty devargs for ethdev node '%s'", label);
		return;
	}
	src->devargs_mark = mark_of(s->v);
	devargs_paths(c, s, n, label);
}

/* A host's 'exec': a sequence of non-empty command strings (a single
 * string is taken as a list of one, as containerlab does). */
static void parse_exec(struct pctx *c, const struct slot *s, struct topo_node *n, const char *what)
{
	yaml_node_item_t *it, *start = NULL, *top = NULL;
	const yaml_node_t *one = NULL;
	size_t total = 0, off = 0, count;
	char q[QUOTE_MAX];
	int bad = 0;

	if (is_scalar(s->v) && !is_null(s->v)) {
		one = s->v;
		count = 1;
	} else if (s->v->type == YAML_SEQUENCE_NODE) {
		start = s->v->data.sequence.items.start;
		top = s->v->data.sequence.items.top;
		count = (size_t)(top - start);
	} else {
		err(c, where(s->k, s->v), "expected a list of commands for 'exec' in %s", what);
		return;
	}
	if (count > TOPO_EXEC_MAX) {
		err(c, s->v, "too many commands in 'exec' of %s: %zu (at most %d)", what, count,
		    TOPO_EXEC_MAX);
		return;
	}
	for (size_t i = 0; i < count; i++) {
		const yaml_node_t *cmd = one ? one : node_at(c, start[i]);

		if (!is_scalar(cmd) || is_null(cmd) || !cmd->data.scalar.length) {
			err(c, cmd ? cmd : s->v, "expected a command (a non-empty string) in 'exec' of %s",
			    what);
			bad = 1;
		} else if (cmd->data.scalar.length >= TOPO_EXEC_LEN_MAX ||
			   memchr(cmd->data.scalar.value, 0, cmd->data.scalar.length)) {
			err(c, cmd, "command '%s' in 'exec' of %s: longer than %d bytes or holds a NUL",
			    quote(cmd, q, sizeof(q)), what, TOPO_EXEC_LEN_MAX - 1);
			bad = 1;
		} else {
			total += cmd->data.scalar.length + 1;
		}
	}
	if (bad || count == 0)
		return;
	free(n->exec);
	n->exec = malloc(total);
	if (n->exec == NULL) {
		c->rc = -ENOMEM;
		return;
	}
	for (it = start, n->n_exec = 0; n->n_exec < count; n->n_exec++) {
		const yaml_node_t *cmd = one ? one : node_at(c, *it++);

		memcpy(n->exec + off, cmd->data.scalar.value, cmd->data.scalar.length);
		off += cmd->data.scalar.length;
		n->exec[off++] = '\0';
	}
}

static void parse_node(struct pctx *c, const yaml_node_t *key, const yaml_node_t *v,
		       struct topo_node *n, struct topo_src_node *src, const char *label)
{
	struct slot s[] = {{"kind"},	{"ip"},	     {"mac"},  {"gateway"},
			   {"port"},	{"socket"},  {"devargs"}, {"exec"},
			   {"ip6"},	{"gateway6"}};
	char what[QUOTE_MAX + 8];

	n->mark = mark_of(key);
	snprintf(what, sizeof(what), "node '%s'", label);
	if (v->type != YAML_MAPPING_NODE) {
		err(c, where(key, v), "expected a mapping for %s", what);
		return;
	}
	/* Collect first: kind decides which other keys are allowed, in any order. */
	collect(c, v, what, s, 10);
	parse_kind(c, key, &s[0], n, src, label, what);
	if (host_key(c, &s[1], n, src, label))
		parse_ip(c, &s[1], n, src, what);
	if (host_key(c, &s[2], n, src, label))
		parse_mac(c, &s[2], n, src, label, what);
	if (host_key(c, &s[3], n, src, label)) {
		/* none: no default route at all (its exec or a daemon routes) */
		if (scalar_eq(s[3].v, "none")) {
			n->no_default_route = 1;
			src->flags |= TOPO_SRC_GW_NONE;
		} else if (!parse_addr(c, &s[3], what, &n->gateway)) {
			src->flags |= TOPO_SRC_GW;
			src->gw_mark = mark_of(s[3].v);
		}
	}
	if (host_key(c, &s[4], n, src, label)) {
		char hosts[QUOTE_MAX + 16];

		snprintf(hosts, sizeof(hosts), "'%s' is a host", label);
		parse_port(c, &s[4], what, hosts, &n->port_type);
	}
	if (kind_key(c, &s[5], n, src, TOPO_KIND_VHOST, label))
		parse_socket(c, &s[5], n, src, label, what);
	if (kind_key(c, &s[6], n, src, TOPO_KIND_ETHDEV, label) ||
	    ((src->flags & TOPO_SRC_KIND) && n->kind == TOPO_KIND_ETHDEV))
		parse_devargs(c, key, &s[6], n, src, label, what);
	if (host_key(c, &s[7], n, src, label))
		parse_exec(c, &s[7], n, what);
	if (host_key(c, &s[8], n, src, label) && !parse_ip6(c, &s[8], what, 0, &n->ip6)) {
		src->flags |= TOPO_SRC_IP6 | (n->ip6.plen > 128 ? TOPO_SRC_NOPLEN6 : 0);
		src->ip6_mark = mark_of(s[8].v);
	}
	if (host_key(c, &s[9], n, src, label)) {
		struct topo_ip6 gw;

		/* none: no IPv6 default route (its exec or a daemon routes) */
		if (scalar_eq(s[9].v, "none"))
			src->flags |= TOPO_SRC_GW6_NONE;
		else if (!parse_ip6(c, &s[9], what, -1, &gw)) {
			memcpy(n->gw6, gw.addr, 16);
			src->flags |= TOPO_SRC_GW6;
			src->gw6_mark = mark_of(s[9].v);
		}
	}
}

static void parse_node_pair(struct pctx *c, const yaml_node_t *k, const yaml_node_t *v)
{
	struct topo_build *b = c->b;
	struct topo *t = b->t;
	struct topo_node scratch, *n = &t->nodes[t->n_nodes];
	struct topo_src_node sscratch, *src = &b->src[t->n_nodes];
	char name[TOPO_NAME_MAX], q[QUOTE_MAX];
	const char *label = name;
	int prev;

	if (!is_scalar(k)) {
		err(c, k, "expected a node name (a scalar) in 'nodes'");
		return;
	}
	/* Bad and duplicate nodes are still read, for their own errors, but not kept. */
	if (scalar_str(k, name, sizeof(name)) || !topo_name_valid(name)) {
		err(c, k, "bad node name '%s': use letters, digits, '_' and '-' (at most %d chars)",
		    quote(k, q, sizeof(q)), TOPO_NAME_MAX - 1);
		label = q;
		n = &scratch;
		src = &sscratch;
	} else if ((prev = topo_index_find(b, name)) >= 0) {
		err(c, k, "duplicate node '%s' (first defined at %u:%u)", name,
		    t->nodes[prev].mark.line, t->nodes[prev].mark.col);
		n = &scratch;
		src = &sscratch;
	} else if ((prev = topo_index_find_nocase(b, name)) >= 0) {
		/* host names are looked up without regard to case: ping H1
		 * from a host would reach h1 */
		err(c, k, "node '%s' differs from '%s' (defined at %u:%u) only in case", name,
		    t->nodes[prev].name, t->nodes[prev].mark.line, t->nodes[prev].mark.col);
		n = &scratch;
		src = &sscratch;
	}
	memset(n, 0, sizeof(*n));
	memset(src, 0, sizeof(*src));
	parse_node(c, k, v, n, src, label);
	if (n != &scratch && n->kind == TOPO_KIND_HOST && topo_host_name_why(name) != NULL)
		err(c, k, "host name '%s': %s", name, topo_host_name_why(name));
	if (n == &scratch) {
		free(scratch.exec);
	} else {
		memcpy(n->name, name, sizeof(name));
		topo_index_add(b, t->n_nodes);
		t->n_nodes++;
	}
}

static void parse_nodes(struct pctx *c, const yaml_node_t *k, const yaml_node_t *v)
{
	struct topo_build *b = c->b;
	yaml_node_pair_t *p;
	size_t n;

	if (is_null(v)) {
		err(c, where(k, v), "topology has no nodes");
		return;
	}
	if (v->type != YAML_MAPPING_NODE) {
		err(c, v, "expected a mapping for 'nodes'");
		return;
	}
	n = (size_t)(v->data.mapping.pairs.top - v->data.mapping.pairs.start);
	if (!n) {
		err(c, v, "topology has no nodes");
		return;
	}
	b->t->nodes = calloc(n, sizeof(*b->t->nodes));
	b->src = calloc(n, sizeof(*b->src));
	if (!b->t->nodes || !b->src || n > UINT32_MAX / 4 || topo_index_init(b, (unsigned)n)) {
		c->rc = -ENOMEM;
		return;
	}
	c->nodes_ok = 1;
	for (p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
		yaml_node_t *pk = node_at(c, p->key);
		yaml_node_t *pv = node_at(c, p->value);

		if (pk && pv)
			parse_node_pair(c, pk, pv);
	}
}

static int parse_endpoint(struct pctx *c, const yaml_node_t *v, struct topo_endpoint *ep)
{
	char buf[TOPO_NAME_MAX + TOPO_IFNAME_MAX + 64], q[QUOTE_MAX], qn[QUOTE_MAX];
	char *colon;
	int idx, rc = 0;

	if (!is_scalar(v)) {
		err(c, v, "expected a scalar endpoint 'node:ifname'");
		return -EINVAL;
	}
	ep->mark = mark_of(v);
	if (scalar_str(v, buf, sizeof(buf)) || !(colon = strchr(buf, ':')) ||
	    strchr(colon + 1, ':')) {
		err(c, v, "bad endpoint '%s': expected node:ifname", quote(v, q, sizeof(q)));
		return -EINVAL;
	}
	*colon = '\0';
	if (!topo_ifname_valid(colon + 1)) {
		err(c, v,
		    "bad interface name '%s' in endpoint '%s': use 1 to %d letters, digits, '_', "
		    "'.' and '-'",
		    sanitize((unsigned char *)colon + 1, strlen(colon + 1), qn, sizeof(qn)),
		    quote(v, q, sizeof(q)), TOPO_IFNAME_MAX - 1);
		rc = -EINVAL;
	} else {
		memcpy(ep->ifname, colon + 1, strlen(colon + 1) + 1);
	}
	idx = topo_name_valid(buf) ? topo_index_find(c->b, buf) : -1;
	if (idx < 0) {
		/* Without a node set every link would be reported: say it once. */
		if (c->nodes_ok)
			err(c, v, "link to unknown node '%s'",
			    sanitize((unsigned char *)buf, strlen(buf), qn, sizeof(qn)));
		return -EINVAL;
	}
	ep->node = (unsigned)idx;
	return rc;
}

static void parse_link(struct pctx *c, const yaml_node_t *l)
{
	struct slot s[] = {{"endpoints"}, {"params"}, {"port"}};
	struct topo *t = c->b->t;
	struct topo_src_params src;
	struct topo_link link;
	const yaml_node_t *e;
	int rc;

	if (l->type != YAML_MAPPING_NODE) {
		err(c, l, "expected a mapping for link");
		return;
	}
	memset(&link, 0, sizeof(link));
	memset(&src, 0, sizeof(src));
	link.mark = mark_of(l);
	collect(c, l, "link", s, 3);
	if (s[2].v) {
		parse_port(c, &s[2], "link", NULL, &link.port_type);
		link.port_mark = mark_of(s[2].k);
	}
	if (s[1].v) {
		parse_params(c, &s[1], &src, "link");
		if (src.mark.line)
			link.params_mark = mark_of(s[1].k);
	}
	e = s[0].v;
	if (!e) {
		err(c, l, "link has no endpoints");
		return;
	}
	if (e->type != YAML_SEQUENCE_NODE ||
	    e->data.sequence.items.top - e->data.sequence.items.start != 2) {
		err(c, where(s[0].k, e), "expected a sequence of two endpoints for 'endpoints'");
		return;
	}
	rc = parse_endpoint(c, node_at(c, e->data.sequence.items.start[0]), &link.ep[0]);
	rc |= parse_endpoint(c, node_at(c, e->data.sequence.items.start[1]), &link.ep[1]);
	if (!rc) {
		c->b->lsrc[t->n_links] = src;
		t->links[t->n_links++] = link;
	}
}

static void parse_links(struct pctx *c, const yaml_node_t *k, const yaml_node_t *v)
{
	struct topo *t = c->b->t;
	yaml_node_item_t *it;
	size_t n;

	if (v->type != YAML_SEQUENCE_NODE) {
		err(c, where(k, v), "expected a sequence for 'links'");
		return;
	}
	n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	if (!n)
		return;
	t->links = calloc(n, sizeof(*t->links));
	c->b->lsrc = calloc(n, sizeof(*c->b->lsrc));
	if (!t->links || !c->b->lsrc || n > UINT32_MAX / 4) {
		c->rc = -ENOMEM;
		return;
	}
	for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		yaml_node_t *l = node_at(c, *it);

		if (l)
			parse_link(c, l);
	}
}

/* The 'type' of a generate mapping (the other keys depend on it): its key or NULL. */
static const yaml_node_t *generate_type(struct pctx *c, const yaml_node_t *map, struct topo_gen *g)
{
	const yaml_node_t *first = NULL;
	yaml_node_pair_t *p;
	char q[QUOTE_MAX];

	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node_at(c, p->key);
		yaml_node_t *v = node_at(c, p->value);

		if (!k || !v || !scalar_eq(k, "type"))
			continue;
		if (first) {
			struct topo_mark m = mark_of(first);

			err(c, k, "duplicate key 'type' in generate (first defined at %u:%u)",
			    m.line, m.col);
			continue;
		}
		first = k;
		if (!is_scalar(v))
			err(c, v, "expected a scalar for 'type' in generate");
		else
			topo_gen_set_type(g, quote(v, q, sizeof(q)), c->b->diags,
					  mark_of(where(k, v)));
	}
	return first;
}

static void generate_key(struct pctx *c, struct topo_gen *g, const yaml_node_t *k,
			 const yaml_node_t *v)
{
	char key[QUOTE_MAX], val[QUOTE_MAX];

	if (!is_scalar(k)) {
		err(c, k, "expected a scalar key in generate");
		return;
	}
	/* Without a type the keys mean nothing: its error is enough. */
	if (scalar_eq(k, "type") || g->type < 0)
		return;
	topo_gen_set_key(g, quote(k, key, sizeof(key)),
			 is_scalar(v) ? quote(v, val, sizeof(val)) : NULL, c->b->diags, mark_of(k),
			 mark_of(where(k, v)));
}

/* 'generate': the nodes and links come from a generator (topo_gen.c). */
static void parse_generate(struct pctx *c, const yaml_node_t *k, const yaml_node_t *v)
{
	yaml_node_pair_t *p;
	struct topo_gen g;
	int rc;

	if (v->type != YAML_MAPPING_NODE) {
		err(c, where(k, v), "expected a mapping for 'generate'");
		return;
	}
	topo_gen_init(&g);
	if (!generate_type(c, v, &g))
		err(c, v, "missing 'type' in generate");
	for (p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
		yaml_node_t *pk = node_at(c, p->key);
		yaml_node_t *pv = node_at(c, p->value);

		if (pk && pv)
			generate_key(c, &g, pk, pv);
	}
	if (g.type < 0 || topo_gen_finish(&g, c->b->diags, mark_of(v)))
		return;
	rc = topo_gen_build(c->b, &g, mark_of(k));
	if (rc == -ENOMEM)
		c->rc = rc;
}

static void parse_topology(struct pctx *c, const yaml_node_t *k, const yaml_node_t *v)
{
	struct slot s[] = {{"defaults"}, {"nodes"}, {"links"}, {"generate"}};

	if (v->type != YAML_MAPPING_NODE) {
		err(c, where(k, v), "expected a mapping for 'topology'");
		return;
	}
	collect(c, v, "topology", s, 4);
	if (s[0].v && !is_null(s[0].v))
		parse_defaults(c, s[0].k, s[0].v);
	if (s[3].v) {
		if (s[1].v || s[2].v) {
			err(c, s[3].k, "'generate' cannot be combined with 'nodes' or 'links'");
			return;
		}
		/* without a subnet of the file's own, Mininet's 10.0.0.0/8,
		 * as `up --topo` gives: generated hosts get addresses (IPv6
		 * ones only with a subnet6 alone, as a lab of listed nodes) */
		if (!c->b->t->has_subnet && !c->b->t->has_subnet6) {
			c->b->t->has_subnet = 1;
			c->b->t->subnet.addr = 10u << 24;
			c->b->t->subnet.plen = 8;
		}
		parse_generate(c, s[3].k, s[3].v);
		return;
	}
	/* Nodes before links, whatever the file order: links name nodes. */
	if (!s[1].v)
		err(c, v, "missing 'nodes' in topology");
	else
		parse_nodes(c, s[1].k, s[1].v);
	if (c->rc)
		return;
	if (s[2].v && !is_null(s[2].v))
		parse_links(c, s[2].k, s[2].v);
}

static void parse_name(struct pctx *c, const yaml_node_t *root, const struct slot *s)
{
	char name[TOPO_NAME_MAX], q[QUOTE_MAX];

	if (!s->v) {
		err(c, root, "missing 'name' in top level");
	} else if (!is_scalar(s->v)) {
		err(c, s->v, "expected a scalar for 'name'");
	} else if (scalar_str(s->v, name, sizeof(name)) || !topo_name_valid(name)) {
		err(c, where(s->k, s->v),
		    "bad lab name '%s': use letters, digits, '_' and '-' (at most %d chars)",
		    quote(s->v, q, sizeof(q)), TOPO_NAME_MAX - 1);
	} else {
		memcpy(c->b->t->name, name, sizeof(name));
	}
}

/* Decimal, no sign: 0 .. UINT64_MAX. */
static int parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		unsigned d = (unsigned)(*s - '0');

		if (*s < '0' || *s > '9' || v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static void parse_seed(struct pctx *c, const struct slot *s)
{
	char buf[32], q[QUOTE_MAX];
	struct topo *t = c->b->t;

	if (!is_scalar(s->v)) {
		err(c, s->v, "expected a scalar for 'seed'");
	} else if (scalar_str(s->v, buf, sizeof(buf)) || parse_u64(buf, &t->seed)) {
		err(c, where(s->k, s->v), "bad seed '%s': expected a whole number",
		    quote(s->v, q, sizeof(q)));
	} else {
		t->has_seed = 1;
	}
}

static void parse_root(struct pctx *c)
{
	struct slot s[] = {{"name"}, {"topology"}, {"seed"}};
	yaml_node_t *root = yaml_document_get_root_node(c->doc);

	if (!root || is_null(root)) {
		struct topo_mark m = {1, 1};

		topo_diag(c->b->diags, m, "empty file: expected 'name' and 'topology'");
		return;
	}
	if (root->type != YAML_MAPPING_NODE) {
		err(c, root, "expected a mapping at top level");
		return;
	}
	collect(c, root, "top level", s, 3);
	parse_name(c, root, &s[0]);
	if (s[2].v)
		parse_seed(c, &s[2]);
	if (!s[1].v)
		err(c, root, "missing 'topology' in top level");
	else
		parse_topology(c, s[1].k, s[1].v);
}

int topo_parse_document(struct topo_build *b, yaml_document_t *doc)
{
	struct pctx c = {.b = b, .doc = doc};

	parse_root(&c);
	return c.rc;
}

int topo_parse_topology(struct topo_build *b, yaml_document_t *doc, yaml_node_t *key,
			yaml_node_t *value)
{
	struct pctx c = {.b = b, .doc = doc};

	parse_topology(&c, key, value);
	return c.rc;
}
