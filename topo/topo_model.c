// SPDX-License-Identifier: BSD-3-Clause
/*
 * Topology model helpers: names, addresses, MACs, diagnostics and the node name
 * index shared by the reader and the checks.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "topo.h"
#include "topo_priv.h"

void topo_diag(struct topo_diags *d, struct topo_mark m, const char *fmt, ...)
{
	va_list ap;

	/* Later errors are usually consequences of earlier ones: keep the
	 * first, count the rest. */
	if (d->n >= TOPO_DIAG_MAX) {
		d->dropped++;
		return;
	}
	d->d[d->n].mark = m;
	va_start(ap, fmt);
	vsnprintf(d->d[d->n].msg, sizeof(d->d[d->n].msg), fmt, ap);
	va_end(ap);
	d->n++;
}

void topo_diags_print(const struct topo_diags *diags, FILE *f)
{
	unsigned i, n;

	if (!diags || !f)
		return;
	n = diags->n < TOPO_DIAG_MAX ? diags->n : TOPO_DIAG_MAX;
	for (i = 0; i < n; i++) {
		const struct topo_diag *d = &diags->d[i];

		if (d->mark.line)
			fprintf(f, "%s:%u:%u: error: %s\n", diags->file, d->mark.line, d->mark.col,
				d->msg);
		else
			fprintf(f, "%s: error: %s\n", diags->file, d->msg);
	}
	if (diags->dropped)
		fprintf(f, "%s: and %u more error(s), not shown\n", diags->file, diags->dropped);
}

void topo_free(struct topo *t)
{
	if (!t)
		return;
	for (unsigned i = 0; t->nodes != NULL && i < t->n_nodes; i++)
		free(t->nodes[i].exec);
	free(t->nodes);
	free(t->links);
	free(t->file);
	free(t);
}

void topo_build_release(struct topo_build *b)
{
	topo_free(b->t);
	free(b->src);
	free(b->lsrc);
	free(b->index);
	b->t = NULL;
	b->src = NULL;
	b->lsrc = NULL;
	b->index = NULL;
}

int topo_link_is_trunk(const struct topo_link *l)
{
	return l && l->trunk;
}

int topo_kind_is_external(enum topo_kind k)
{
	return k == TOPO_KIND_VHOST || k == TOPO_KIND_ETHDEV;
}

int topo_has_exec(const struct topo *t)
{
	for (unsigned i = 0; i < t->n_nodes; i++)
		if (t->nodes[i].n_exec > 0)
			return 1;
	return 0;
}

int topo_node_find(const struct topo *t, const char *name)
{
	unsigned i;

	if (!t || !name)
		return -1;
	for (i = 0; i < t->n_nodes; i++)
		if (!strcmp(t->nodes[i].name, name))
			return (int)i;
	return -1;
}

static int name_char(int c, int first)
{
	if (isascii(c) && isalnum(c))
		return 1;
	return !first && (c == '_' || c == '-');
}

int topo_name_valid(const char *s)
{
	size_t i;

	if (!s || !s[0])
		return 0;
	for (i = 0; s[i]; i++) {
		if (i >= TOPO_NAME_MAX - 1 || !name_char((unsigned char)s[i], i == 0))
			return 0;
	}
	return 1;
}

const char *topo_host_name_why(const char *s)
{
	static const char *const reserved[] = {"localhost", "ip6-localhost", "ip6-loopback",
					       "ip6-allnodes", "ip6-allrouters"};
	size_t i = 0;

	for (size_t r = 0; r < sizeof(reserved) / sizeof(reserved[0]); r++)
		if (!strcasecmp(s, reserved[r]))
			return "the machine's hosts file names it: the lab's would take it over";
	/* what inet_aton() reads as an address: digits, or 0x and hex digits */
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && s[2]) {
		for (i = 2; isxdigit((unsigned char)s[i]); i++)
			;
	} else {
		while (isdigit((unsigned char)s[i]))
			i++;
	}
	if (i > 0 && s[i] == '\0')
		return "it reads as an address (ping 1 is ping 0.0.0.1)";
	return NULL;
}

int topo_ifname_valid(const char *s)
{
	size_t i;

	if (!s || !s[0] || !strcmp(s, ".") || !strcmp(s, ".."))
		return 0;
	for (i = 0; s[i]; i++) {
		int c = (unsigned char)s[i];

		if (i >= TOPO_IFNAME_MAX - 1)
			return 0;
		if (!(isascii(c) && isalnum(c)) && c != '_' && c != '.' && c != '-')
			return 0;
	}
	return 1;
}

/*
 * Parse a decimal number of at most 'max' without sign, spaces or leading
 * zeros (inet_pton rejects "010" too: it would mean 8 to some tools).
 */
static const char *parse_dec(const char *s, unsigned max, unsigned *out)
{
	unsigned v = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return NULL;
	if (p[0] == '0' && p[1] >= '0' && p[1] <= '9')
		return NULL;
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (unsigned)(*p - '0');
		if (v > max)
			return NULL;
		p++;
	}
	*out = v;
	return p;
}

/* Parse "a.b.c.d" at the start of s; returns the end or NULL. */
static const char *parse_quad(const char *s, uint32_t *addr)
{
	uint32_t a = 0;
	unsigned i, v;

	for (i = 0; i < 4; i++) {
		if (i && *s++ != '.')
			return NULL;
		s = parse_dec(s, 255, &v);
		if (!s)
			return NULL;
		a = a << 8 | v;
	}
	*addr = a;
	return s;
}

const char *topo_addr4_special(uint32_t a)
{
	if ((a >> 24) == 127)
		return "a loopback address (127.0.0.0/8)";
	if ((a >> 28) == 0xe)
		return "a multicast address (224.0.0.0/4)";
	if (a == 0xffffffffu)
		return "the limited broadcast address";
	return NULL;
}

int topo_addr4_parse(const char *s, uint32_t *addr)
{
	uint32_t a;

	if (!s || !addr)
		return -EINVAL;
	s = parse_quad(s, &a);
	if (!s || *s)
		return -EINVAL;
	*addr = a;
	return 0;
}

int topo_ip4_parse(const char *s, struct topo_ip4 *ip)
{
	uint32_t a;
	unsigned plen;

	if (!s || !ip)
		return -EINVAL;
	s = parse_quad(s, &a);
	if (!s || *s++ != '/')
		return -EINVAL;
	s = parse_dec(s, 32, &plen);
	if (!s || *s)
		return -EINVAL;
	ip->addr = a;
	ip->plen = (uint8_t)plen;
	return 0;
}

void topo_addr4_format(uint32_t addr, char *buf, size_t len)
{
	if (!buf || !len)
		return;
	snprintf(buf, len, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 0xff, (addr >> 8) & 0xff,
		 addr & 0xff);
}

void topo_cidr_format(const struct topo_ip4 *ip, char *buf, size_t len)
{
	uint32_t a = ip->addr;

	snprintf(buf, len, "%u.%u.%u.%u/%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff,
		 ip->plen);
}

void topo_mac_format(const uint8_t mac[6], char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
}

static int hex_val(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly "xx:xx:xx:xx:xx:xx": no single digits, no other separators. */
int topo_mac_parse(const char *s, uint8_t mac[6])
{
	uint8_t m[6];
	unsigned i;

	for (i = 0; i < 6; i++) {
		int hi, lo;

		if (i && *s++ != ':')
			return -EINVAL;
		hi = hex_val((unsigned char)s[0]);
		if (hi < 0)
			return -EINVAL;
		lo = hex_val((unsigned char)s[1]);
		if (lo < 0)
			return -EINVAL;
		m[i] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	if (*s)
		return -EINVAL;
	memcpy(mac, m, sizeof(m));
	return 0;
}

const char *topo_kind_name(enum topo_kind k)
{
	switch (k) {
	case TOPO_KIND_HOST:
		return "host";
	case TOPO_KIND_SWITCH:
		return "switch";
	case TOPO_KIND_VHOST:
		return "vhost";
	case TOPO_KIND_ETHDEV:
		return "ethdev";
	}
	return "unknown";
}

const char *topo_port_type_name(enum topo_port_type t)
{
	switch (t) {
	case TOPO_PORT_DEFAULT:
		return "default";
	case TOPO_PORT_AFPACKET:
		return "afpacket";
	case TOPO_PORT_TAP:
		return "tap";
	case TOPO_PORT_AFXDP:
		return "afxdp";
	case TOPO_PORT_VHOST:
		return "vhost";
	case TOPO_PORT_ETHDEV:
		return "ethdev";
	}
	return "unknown";
}

/* FNV-1a is plenty for short names and keeps the index dependency-free.
 * Of the lower-case name: names that differ only in case share a chain,
 * so topo_index_find_nocase() finds them too. */
static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s) {
		h ^= (unsigned char)tolower((unsigned char)*s++);
		h *= 16777619u;
	}
	return h;
}

int topo_index_init(struct topo_build *b, unsigned n)
{
	unsigned cap = 16;

	/* Keep the load factor at most 1/2 so probes stay short. */
	while (cap < 2 * (size_t)n) {
		if (cap > (1u << 30))
			return -ENOMEM;
		cap <<= 1;
	}
	b->index = calloc(cap, sizeof(*b->index));
	if (!b->index)
		return -ENOMEM;
	b->index_mask = cap - 1;
	return 0;
}

/* The node named name by cmp (strcmp or strcasecmp: the hash is of the
 * lower-case name), or -1. */
static int index_find(const struct topo_build *b, const char *name,
		      int (*cmp)(const char *, const char *))
{
	unsigned i;

	if (!b->index)
		return -1;
	for (i = name_hash(name) & b->index_mask; b->index[i]; i = (i + 1) & b->index_mask) {
		unsigned idx = b->index[i] - 1;

		if (!cmp(b->t->nodes[idx].name, name))
			return (int)idx;
	}
	return -1;
}

int topo_index_find(const struct topo_build *b, const char *name)
{
	return index_find(b, name, strcmp);
}

int topo_index_find_nocase(const struct topo_build *b, const char *name)
{
	return index_find(b, name, strcasecmp);
}

/* The caller sized the index for every node it will add. */
void topo_index_add(struct topo_build *b, unsigned idx)
{
	unsigned i = name_hash(b->t->nodes[idx].name) & b->index_mask;

	while (b->index[i])
		i = (i + 1) & b->index_mask;
	b->index[i] = idx + 1;
}
