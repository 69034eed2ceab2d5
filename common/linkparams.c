/* SPDX-License-Identifier: BSD-3-Clause */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "linkparams.h"

struct lp_unit {
	const char *suffix;
	double mult;
};

/* A number followed by one of the units (exact, case-insensitive); an
 * empty suffix is accepted only if 'bare' is one of them. */
static int lp_parse_units(const char *s, const struct lp_unit *units, double *out)
{
	char *end;
	double v;

	const char *q;

	/* plain decimal only: strtod would also take hex, inf and nan */
	if (s == NULL ||
	    !(isdigit((unsigned char)*s) || (*s == '.' && isdigit((unsigned char)s[1]))))
		return -EINVAL;
	for (q = s; isdigit((unsigned char)*q) || *q == '.'; q++)
		;
	if ((*q == 'e' || *q == 'E') &&
	    (isdigit((unsigned char)q[1]) ||
	     ((q[1] == '-' || q[1] == '+') && isdigit((unsigned char)q[2])))) {
		for (q += 2; isdigit((unsigned char)*q); q++)
			;
	}
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end != q || !isfinite(v) || v < 0)
		return -EINVAL;
	for (; units->suffix != NULL; units++) {
		if (strcasecmp(end, units->suffix) == 0) {
			/* a percentage is divided, not multiplied by 0.01, so
			 * that "57%" reads back exactly as 0.57 */
			*out = units->mult == 0.01 ? v / 100.0 : v * units->mult;
			return 0;
		}
	}
	return -EINVAL;
}

int linkparams_parse_time(const char *s, uint64_t *ns)
{
	static const struct lp_unit u[] = {{"ns", 1},	  {"us", 1e3},	 {"ms", 1e6},
					   {"s", 1e9},	  {"", 1e6},	 {"sec", 1e9},
					   {"usec", 1e3}, {"msec", 1e6}, {NULL, 0}};
	double v;

	if (lp_parse_units(s, u, &v) < 0 || v > 3600e9)
		return -EINVAL;
	*ns = (uint64_t)llround(v);
	return 0;
}

int linkparams_parse_rate(const char *s, uint64_t *bps)
{
	static const struct lp_unit u[] = {
	    {"bit", 1}, {"kbit", 1e3}, {"mbit", 1e6}, {"gbit", 1e9}, {"tbit", 1e12},
	    {"bps", 8}, {"kbps", 8e3}, {"mbps", 8e6}, {"gbps", 8e9}, {NULL, 0}};
	double v;

	if (strcmp(s, "0") == 0) { /* no rate limit */
		*bps = 0;
		return 0;
	}
	if (lp_parse_units(s, u, &v) < 0 || v < 1 || v > 1e13)
		return -EINVAL;
	*bps = (uint64_t)llround(v);
	return 0;
}

int linkparams_parse_size(const char *s, uint64_t *bytes)
{
	static const struct lp_unit u[] = {
	    {"", 1},	     {"b", 1},	     {"kb", 1024},	   {"k", 1024},
	    {"mb", 1048576}, {"m", 1048576}, {"gb", 1073741824.0}, {NULL, 0}};
	double v;

	if (lp_parse_units(s, u, &v) < 0 || v > 64.0 * 1073741824.0)
		return -EINVAL;
	*bytes = (uint64_t)llround(v);
	return 0;
}

int linkparams_parse_prob(const char *s, double *p)
{
	static const struct lp_unit u[] = {{"%", 0.01}, {"", 1}, {NULL, 0}};
	double v;

	if (lp_parse_units(s, u, &v) < 0 || v > 1.0)
		return -EINVAL;
	*p = v;
	return 0;
}

static int lp_parse_bool(const char *s, int *b)
{
	if (strcasecmp(s, "yes") == 0 || strcasecmp(s, "true") == 0 || strcmp(s, "1") == 0) {
		*b = 1;
		return 0;
	}
	if (strcasecmp(s, "no") == 0 || strcasecmp(s, "false") == 0 || strcmp(s, "0") == 0) {
		*b = 0;
		return 0;
	}
	return -EINVAL;
}

static const char *const lp_dist_names[] = {
    [LP_DIST_NORMAL] = "normal",
    [LP_DIST_UNIFORM] = "uniform",
    [LP_DIST_PARETO] = "pareto",
    [LP_DIST_PARETONORMAL] = "paretonormal",
};

enum lp_kind { LPK_TIME, LPK_PROB, LPK_RATE, LPK_SIZE, LPK_UINT, LPK_BOOL, LPK_DIST, LPK_STATE };

struct lp_key {
	const char *name;
	enum lp_kind kind;
	uint32_t flag;
	size_t off;
	const char *hint;
};

#define LPK(n, k, f, field, h)                                                                     \
	{                                                                                          \
		n, k, f, offsetof(struct linkparams, field), h                                     \
	}

static const struct lp_key lp_keys[] = {
    LPK("delay", LPK_TIME, LP_F_DELAY, delay_ns, "a time like 10ms, 250us, 1s"),
    LPK("jitter", LPK_TIME, LP_F_JITTER, jitter_ns, "a time like 1ms"),
    LPK("distribution", LPK_DIST, LP_F_DIST, dist, "uniform, normal, pareto or paretonormal"),
    LPK("correlation", LPK_PROB, LP_F_CORR, corr, "a percentage like 25%"),
    LPK("reorder_jitter", LPK_BOOL, LP_F_REORDER_JITTER, reorder_jitter, "yes or no"),
    LPK("loss", LPK_PROB, LP_F_LOSS, loss, "a percentage like 0.5% or a fraction"),
    LPK("loss_correlation", LPK_PROB, LP_F_LOSS_CORR, loss_corr, "a percentage"),
    LPK("ge_p", LPK_PROB, LP_F_GE, ge_p, "a percentage (P good->bad)"),
    LPK("ge_r", LPK_PROB, LP_F_GE, ge_r, "a percentage (P bad->good)"),
    LPK("ge_bad", LPK_PROB, LP_F_GE, ge_bad, "a percentage (loss in the bad state)"),
    LPK("ge_good", LPK_PROB, LP_F_GE, ge_good, "a percentage (loss in the good state)"),
    LPK("duplicate", LPK_PROB, LP_F_DUP, dup, "a percentage"),
    LPK("corrupt", LPK_PROB, LP_F_CORRUPT, corrupt, "a percentage"),
    LPK("reorder", LPK_PROB, LP_F_REORDER, reorder, "a percentage"),
    LPK("reorder_gap", LPK_UINT, LP_F_REORDER_GAP, reorder_gap, "a whole number"),
    LPK("rate", LPK_RATE, LP_F_RATE, rate_bps, "a rate like 100mbit, 1gbit, 10mbps (0: no limit)"),
    LPK("burst", LPK_SIZE, LP_F_BURST, burst_bytes, "a size like 32kb"),
    LPK("queue", LPK_SIZE, LP_F_QUEUE, queue_bytes, "a size like 64kb"),
    LPK("mtu", LPK_UINT, LP_F_MTU, mtu, "a whole number of bytes, 68..65535 (0: no limit)"),
    LPK("state", LPK_STATE, LP_F_STATE, down, "up or down"),
};

static const struct lp_key *lp_key_find(const char *key)
{
	for (size_t i = 0; i < sizeof(lp_keys) / sizeof(lp_keys[0]); i++) {
		if (strcmp(lp_keys[i].name, key) == 0)
			return &lp_keys[i];
	}
	return NULL;
}

int linkparams_key_valid(const char *key)
{
	return lp_key_find(key) != NULL;
}

static int lp_parse_uint(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return errno != 0 || *end != '\0' || *v > max ? -EINVAL : 0;
}

int linkparams_set(struct linkparams *out, const char *key, const char *value, char *err,
		   size_t errlen)
{
	const struct lp_key *k = lp_key_find(key);
	struct linkparams tmp = *out, *p = &tmp; /* a failed set changes nothing */
	void *f;
	int ret = -EINVAL;

	if (k == NULL) {
		snprintf(err, errlen, "unknown link parameter '%s'", key);
		return -EINVAL;
	}
	f = (char *)p + k->off;
	/* a Gilbert-Elliott model is one unit; one started without ge_bad
	 * loses everything in the bad state, as netem's does */
	if (k->flag == LP_F_GE && !(p->set & LP_F_GE)) {
		p->ge_p = p->ge_r = p->ge_good = 0;
		p->ge_bad = 1.0;
	}
	switch (k->kind) {
	case LPK_TIME:
		ret = linkparams_parse_time(value, f);
		break;
	case LPK_PROB:
		ret = linkparams_parse_prob(value, f);
		break;
	case LPK_RATE:
		ret = linkparams_parse_rate(value, f);
		break;
	case LPK_SIZE:
		ret = linkparams_parse_size(value, f);
		break;
	case LPK_UINT: {
		unsigned long v;
		int mtu = strcmp(key, "mtu") == 0;
		ret = lp_parse_uint(value, mtu ? 65535 : 1000000, &v);
		if (ret == 0 && mtu && v != 0 && v < 68) /* 0: no limit */
			ret = -EINVAL;
		if (ret == 0)
			*(uint32_t *)f = (uint32_t)v;
		break;
	}
	case LPK_BOOL:
		ret = lp_parse_bool(value, f);
		break;
	case LPK_DIST:
		for (size_t i = 0; i < sizeof(lp_dist_names) / sizeof(lp_dist_names[0]); i++) {
			if (strcmp(value, lp_dist_names[i]) == 0) {
				*(enum lp_dist *)f = (enum lp_dist)i;
				ret = 0;
			}
		}
		break;
	case LPK_STATE:
		if (strcmp(value, "up") == 0 || strcmp(value, "down") == 0) {
			*(int *)f = strcmp(value, "down") == 0;
			ret = 0;
		}
		break;
	}
	if (ret < 0) {
		snprintf(err, errlen, "bad value '%s' for %s: expected %s", value, key, k->hint);
		return ret;
	}
	p->set |= k->flag;
	*out = tmp;
	return 0;
}

int linkparams_set_kv(struct linkparams *p, const char *kv, char *err, size_t errlen)
{
	const char *eq = strchr(kv, '=');
	char key[32];

	if (eq == NULL || eq == kv || (size_t)(eq - kv) >= sizeof(key)) {
		snprintf(err, errlen, "expected key=value, got '%s'", kv);
		return -EINVAL;
	}
	memcpy(key, kv, (size_t)(eq - kv));
	key[eq - kv] = '\0';
	return linkparams_set(p, key, eq + 1, err, errlen);
}

void linkparams_merge(struct linkparams *dst, const struct linkparams *src)
{
	for (size_t i = 0; i < sizeof(lp_keys) / sizeof(lp_keys[0]); i++) {
		const struct lp_key *k = &lp_keys[i];
		size_t sz;

		if (!(src->set & k->flag))
			continue;
		switch (k->kind) {
		case LPK_TIME:
		case LPK_RATE:
		case LPK_SIZE:
			sz = sizeof(uint64_t);
			break;
		case LPK_PROB:
			sz = sizeof(double);
			break;
		case LPK_UINT:
			sz = sizeof(uint32_t);
			break;
		default:
			sz = sizeof(int);
			break;
		}
		memcpy((char *)dst + k->off, (const char *)src + k->off, sz);
	}
	dst->set |= src->set;
}

static int lp_fmt_time(char *b, size_t n, uint64_t ns)
{
	if (ns % 1000000000 == 0 && ns > 0)
		return snprintf(b, n, "%llus", (unsigned long long)(ns / 1000000000));
	if (ns % 1000000 == 0)
		return snprintf(b, n, "%llums", (unsigned long long)(ns / 1000000));
	if (ns % 1000 == 0)
		return snprintf(b, n, "%lluus", (unsigned long long)(ns / 1000));
	return snprintf(b, n, "%lluns", (unsigned long long)ns);
}

/* The shortest percentage that parses back to exactly p. */
static void lp_fmt_prob(char *b, size_t n, double p)
{
	for (int prec = 6; prec <= 17; prec++) {
		double back;

		snprintf(b, n, "%.*g%%", prec, p * 100.0);
		if (linkparams_parse_prob(b, &back) == 0 && back == p)
			return;
	}
}

static int lp_fmt_rate(char *b, size_t n, uint64_t bps)
{
	if (bps == 0)
		return snprintf(b, n, "0");
	if (bps % 1000000000 == 0)
		return snprintf(b, n, "%llugbit", (unsigned long long)(bps / 1000000000));
	if (bps % 1000000 == 0)
		return snprintf(b, n, "%llumbit", (unsigned long long)(bps / 1000000));
	if (bps % 1000 == 0)
		return snprintf(b, n, "%llukbit", (unsigned long long)(bps / 1000));
	return snprintf(b, n, "%llubit", (unsigned long long)bps);
}

int linkparams_format(const struct linkparams *p, char *buf, size_t len)
{
	size_t off = 0;
	int total = 0;

	if (len > 0)
		buf[0] = '\0';
	for (size_t i = 0; i < sizeof(lp_keys) / sizeof(lp_keys[0]); i++) {
		const struct lp_key *k = &lp_keys[i];
		const void *f = (const char *)p + k->off;
		char v[48];

		if (!(p->set & k->flag))
			continue;
		switch (k->kind) {
		case LPK_TIME:
			lp_fmt_time(v, sizeof(v), *(const uint64_t *)f);
			break;
		case LPK_PROB:
			lp_fmt_prob(v, sizeof(v), *(const double *)f);
			break;
		case LPK_RATE:
			lp_fmt_rate(v, sizeof(v), *(const uint64_t *)f);
			break;
		case LPK_SIZE:
			snprintf(v, sizeof(v), "%llub", (unsigned long long)*(const uint64_t *)f);
			break;
		case LPK_UINT:
			snprintf(v, sizeof(v), "%u", *(const uint32_t *)f);
			break;
		case LPK_BOOL:
			snprintf(v, sizeof(v), "%s", *(const int *)f ? "yes" : "no");
			break;
		case LPK_DIST:
			snprintf(v, sizeof(v), "%s", lp_dist_names[*(const enum lp_dist *)f]);
			break;
		case LPK_STATE:
			snprintf(v, sizeof(v), "%s", *(const int *)f ? "down" : "up");
			break;
		}
		if (off < len)
			total +=
			    snprintf(buf + off, len - off, "%s%s=%s", total ? " " : "", k->name, v);
		else
			total += snprintf(NULL, 0, "%s%s=%s", total ? " " : "", k->name, v);
		off = (size_t)total;
	}
	return total;
}

int linkparams_is_null(const struct linkparams *p)
{
	return p->delay_ns == 0 && p->jitter_ns == 0 && p->loss == 0 && p->ge_p == 0 &&
	       p->dup == 0 && p->corrupt == 0 && p->reorder == 0 && p->rate_bps == 0 &&
	       p->mtu == 0 && !p->down;
}

uint64_t linkparams_link_seed(uint64_t lab_seed, unsigned index)
{
	/* splitmix64's finaliser over the two: seeds that differ in any bit,
	 * the lowest too, give unrelated links, and the top bit can go (a
	 * plain shift made seeds 2k and 2k+1 the same run) */
	uint64_t x = lab_seed ^ (0x9e3779b97f4a7c15ULL * ((uint64_t)index + 1));

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x >> 1;
}
