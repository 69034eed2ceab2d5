// SPDX-License-Identifier: BSD-3-Clause
/*
 * Reading scenario YAML values: every reader reports a bad value as
 * "file:line:col: error: msg" at the value itself, so a scenario with
 * errors lists all of them and nothing is done.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_yaml.h"

struct topo_mark sy_mark(const yaml_node_t *n)
{
	return (struct topo_mark){(unsigned)n->start_mark.line + 1,
				  (unsigned)n->start_mark.column + 1};
}

void sy_err(struct sctx *c, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[sizeof(c->d->d[0].msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	topo_diag(c->d, sy_mark(n), "%s", msg);
}

void sy_check_bounds(struct sctx *c, const struct slot *lo, const struct slot *hi, double vlo,
		     double vhi)
{
	if (lo->v && hi->v && vlo > vhi)
		sy_err(c, hi->v, "%s %g is below %s %g: nothing could pass", hi->key, vhi,
		       lo->key, vlo);
}

int sy_is_scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE;
}

int sy_scalar_eq(const yaml_node_t *n, const char *s)
{
	size_t l = strlen(s);

	return sy_is_scalar(n) && n->data.scalar.length == l && !memcmp(n->data.scalar.value, s, l);
}

const char *sy_quote(const yaml_node_t *n, char *buf, size_t len)
{
	size_t i, o = 0, l = sy_is_scalar(n) ? n->data.scalar.length : 0;
	const unsigned char *s = sy_is_scalar(n) ? n->data.scalar.value : NULL;

	for (i = 0; i < l && o + 4 < len; i++)
		buf[o++] = s[i] >= 0x20 && s[i] < 0x7f ? (char)s[i] : '?';
	if (i < l)
		memcpy(buf + o, "...", 4);
	else
		buf[o] = '\0';
	return buf;
}

/* A scalar as a C string; -EINVAL if not a scalar, too long or holds a NUL. */
int sy_scalar_str(const yaml_node_t *n, char *buf, size_t len)
{
	size_t l;

	buf[0] = '\0';
	if (!sy_is_scalar(n))
		return -EINVAL;
	l = n->data.scalar.length;
	if (l >= len || memchr(n->data.scalar.value, 0, l))
		return -EINVAL;
	memcpy(buf, n->data.scalar.value, l);
	buf[l] = '\0';
	return 0;
}

static char *scalar_dup(struct sctx *c, const yaml_node_t *n)
{
	size_t l = n->data.scalar.length;
	char *p;

	if (memchr(n->data.scalar.value, 0, l))
		return NULL;
	p = malloc(l + 1);
	if (p == NULL) {
		c->rc = -ENOMEM;
		return NULL;
	}
	memcpy(p, n->data.scalar.value, l);
	p[l] = '\0';
	return p;
}

/* The list of keys, for messages: "host, cmd, timeout". */
static void keys_list(const struct slot *s, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (; s->key && o < len; s++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? ", " : "", s->key);
}

/* Sort a mapping's pairs into known slots; report unknown and duplicate keys. */
int sy_collect(struct sctx *c, yaml_node_t *map, const char *what, struct slot *s)
{
	char q[SY_QUOTE_MAX], keys[200];
	yaml_node_pair_t *p;

	if (map->type != YAML_MAPPING_NODE) {
		sy_err(c, map, "%s must be a mapping", what);
		return -EINVAL;
	}
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(c->doc, p->value);
		struct slot *hit = NULL;

		if (k == NULL || v == NULL)
			continue;
		for (struct slot *t = s; t->key && !hit; t++)
			if (sy_scalar_eq(k, t->key))
				hit = t;
		if (hit == NULL) {
			keys_list(s, keys, sizeof(keys));
			sy_err(c, k, "unknown key '%s' in %s (%s)", sy_quote(k, q, sizeof(q)), what,
			       keys);
		} else if (hit->k) {
			sy_err(c, k, "duplicate key '%s' in %s", hit->key, what);
		} else {
			hit->k = k;
			hit->v = v;
		}
	}
	return 0;
}

int sy_need(struct sctx *c, const yaml_node_t *at, const struct slot *s, const char *what)
{
	if (s->v)
		return 1;
	sy_err(c, at, "%s needs '%s'", what, s->key);
	return 0;
}

int sy_want_scalar(struct sctx *c, const struct slot *s, const char *what)
{
	if (sy_is_scalar(s->v))
		return 1;
	sy_err(c, s->v, "%s: '%s' must be a scalar", what, s->key);
	return 0;
}

/* "2", "0.5": a number with nothing after it */
static int bare_number(const char *s)
{
	char *end;

	(void)strtod(s, &end);
	return end != s && *end == '\0';
}

void sy_get_time(struct sctx *c, const struct slot *s, const char *what, uint64_t *ns)
{
	char buf[64], q[SY_QUOTE_MAX];

	if (!sy_want_scalar(c, s, what))
		return;
	if (sy_scalar_str(s->v, buf, sizeof(buf)) < 0 || linkparams_parse_time(buf, ns) < 0)
		sy_err(c, s->v, "bad duration '%s' for %s (e.g. 500ms, 2s)",
		       sy_quote(s->v, q, sizeof(q)), s->key);
	else if (bare_number(buf))
		/* link parameters read a bare number as ms, but seconds: 5 is
		 * seconds: a scenario says which */
		sy_err(c, s->v, "duration '%s' for %s has no unit: give one (%ss or %.6gms)", buf,
		       s->key, buf, strtod(buf, NULL) * 1000);
}

void sy_get_prob(struct sctx *c, const struct slot *s, const char *what, double *p)
{
	char buf[64], q[SY_QUOTE_MAX];

	if (!sy_want_scalar(c, s, what))
		return;
	if (sy_scalar_str(s->v, buf, sizeof(buf)) < 0 || linkparams_parse_prob(buf, p) < 0)
		sy_err(c, s->v, "bad percentage '%s' for %s (e.g. 10%%)",
		       sy_quote(s->v, q, sizeof(q)), s->key);
}

void sy_get_bool(struct sctx *c, const struct slot *s, const char *what, int *b)
{
	char q[SY_QUOTE_MAX];

	if (!sy_want_scalar(c, s, what))
		return;
	if (sy_scalar_eq(s->v, "true") || sy_scalar_eq(s->v, "yes") || sy_scalar_eq(s->v, "True"))
		*b = 1;
	else if (sy_scalar_eq(s->v, "false") || sy_scalar_eq(s->v, "no") ||
		 sy_scalar_eq(s->v, "False"))
		*b = 0;
	else
		sy_err(c, s->v, "bad boolean '%s' for %s (true or false)",
		       sy_quote(s->v, q, sizeof(q)), s->key);
}

/* family: 4 or 6 (an integer, or the string: "6" too). *fam is left 0 on
 * a bad value. */
void sy_get_family(struct sctx *c, const struct slot *s, const char *what, int *fam)
{
	char q[SY_QUOTE_MAX];

	if (!sy_want_scalar(c, s, what))
		return;
	if (sy_scalar_eq(s->v, "4"))
		*fam = 4;
	else if (sy_scalar_eq(s->v, "6"))
		*fam = 6;
	else
		sy_err(c, s->v, "bad family '%s' for %s (4 or 6: IPv4 or IPv6)",
		       sy_quote(s->v, q, sizeof(q)), what);
}

static int parse_ll(const char *s, long long *out)
{
	char *end;

	if (*s == '\0')
		return -EINVAL;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno || *end ? -EINVAL : 0;
}

void sy_get_int(struct sctx *c, const struct slot *s, const char *what, long long lo, long long hi,
		long long *v)
{
	char buf[32], q[SY_QUOTE_MAX];

	if (!sy_want_scalar(c, s, what))
		return;
	if (sy_scalar_str(s->v, buf, sizeof(buf)) < 0 || parse_ll(buf, v) < 0 || *v < lo || *v > hi)
		sy_err(c, s->v, "bad value '%s' for %s (a whole number, %lld..%lld)",
		       sy_quote(s->v, q, sizeof(q)), s->key, lo, hi);
}

void sy_get_num(struct sctx *c, const struct slot *s, const char *what, double *v)
{
	char buf[32], q[SY_QUOTE_MAX], *end;

	if (!sy_want_scalar(c, s, what))
		return;
	if (sy_scalar_str(s->v, buf, sizeof(buf)) == 0 && buf[0]) {
		*v = strtod(buf, &end);
		if (*end == '\0' && *v >= 0 && *v < 1e9)
			return;
	}
	sy_err(c, s->v, "bad number '%s' for %s", sy_quote(s->v, q, sizeof(q)), s->key);
}

void sy_get_text(struct sctx *c, const struct slot *s, const char *what, char **out)
{
	if (!sy_want_scalar(c, s, what))
		return;
	*out = scalar_dup(c, s->v);
	if (*out == NULL && c->rc == 0)
		sy_err(c, s->v, "%s: '%s' holds a NUL byte", what, s->key);
}

/* Is the scalar an IPv4 or IPv6 address (with or without a prefix)? */
static int is_address(const yaml_node_t *v)
{
	char buf[64];
	struct topo_ip6 a6;
	struct topo_ip4 a4;
	uint32_t a;

	if (sy_scalar_str(v, buf, sizeof(buf)) < 0)
		return 0;
	return topo_addr4_parse(buf, &a) == 0 || topo_ip4_parse(buf, &a4) == 0 ||
	       topo_ip6_parse(buf, &a6, 0) == 0;
}

static int one_name(struct sctx *c, const yaml_node_t *v, const char *key, struct scenario_name *n)
{
	char q[SY_QUOTE_MAX];

	if (sy_scalar_str(v, n->name, sizeof(n->name)) < 0 || !topo_name_valid(n->name)) {
		sy_err(c, v, "bad host name '%s' for %s%s", sy_quote(v, q, sizeof(q)), key,
		       is_address(v) ? ": steps name hosts, not addresses (family: 4 or 6 picks "
				       "the host's address)"
				     : "");
		return -EINVAL;
	}
	n->mark = sy_mark(v);
	return 0;
}

/* A host name, or (list != 0) a host name or a sequence of them. */
void sy_get_hosts(struct sctx *c, const struct slot *s, int list, struct scenario_name **out,
		  unsigned *n)
{
	yaml_node_item_t *it;
	size_t cnt;

	if (sy_is_scalar(s->v) || !list) {
		if (!sy_is_scalar(s->v)) {
			sy_err(c, s->v, "'%s' must be a host name", s->key);
			return;
		}
		*out = calloc(1, sizeof(**out));
		if (*out == NULL) {
			c->rc = -ENOMEM;
			return;
		}
		if (one_name(c, s->v, s->key, *out) == 0)
			*n = 1;
		return;
	}
	if (s->v->type != YAML_SEQUENCE_NODE) {
		sy_err(c, s->v, "'%s' must be a host name or a list of them", s->key);
		return;
	}
	cnt = (size_t)(s->v->data.sequence.items.top - s->v->data.sequence.items.start);
	if (cnt == 0 || cnt > SCENARIO_HOSTS_MAX) {
		sy_err(c, s->v, "'%s' must list 1..%d hosts", s->key, SCENARIO_HOSTS_MAX);
		return;
	}
	*out = calloc(cnt, sizeof(**out));
	if (*out == NULL) {
		c->rc = -ENOMEM;
		return;
	}
	for (it = s->v->data.sequence.items.start; it < s->v->data.sequence.items.top; it++) {
		yaml_node_t *v = yaml_document_get_node(c->doc, *it);

		if (v && one_name(c, v, s->key, &(*out)[*n]) == 0)
			(*n)++;
	}
}

void sy_get_endpoint(struct sctx *c, const struct slot *s, const char *what,
		     struct scenario_step *st)
{
	char q[SY_QUOTE_MAX], *colon;

	if (!sy_want_scalar(c, s, what))
		return;
	if (sy_scalar_str(s->v, st->endpoint, sizeof(st->endpoint)) < 0 ||
	    (colon = strchr(st->endpoint, ':')) == NULL || colon == st->endpoint ||
	    colon[1] == '\0') {
		sy_err(c, s->v, "bad endpoint '%s' (NODE:INTERFACE, e.g. h1:eth0)",
		       sy_quote(s->v, q, sizeof(q)));
		st->endpoint[0] = '\0';
		return;
	}
	st->ep_mark = sy_mark(s->v);
}
