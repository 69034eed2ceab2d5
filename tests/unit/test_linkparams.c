// SPDX-License-Identifier: BSD-3-Clause
/*
 * Unit tests for the link parameters (common/linkparams.c): unit parsers,
 * set, merge, format and the round trip format -> set_kv.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "linkparams.h"

#define MS  1000000ull
#define SEC 1000000000ull

#define NEAR(a, b) assert_true((a) - (b) < 1e-12 && (b) - (a) < 1e-12)

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static const char *const all_keys[] = {
    "delay",
    "jitter",
    "distribution",
    "correlation",
    "reorder_jitter",
    "loss",
    "loss_correlation",
    "ge_p",
    "ge_r",
    "ge_bad",
    "ge_good",
    "duplicate",
    "corrupt",
    "reorder",
    "reorder_gap",
    "rate",
    "burst",
    "queue",
    "mtu",
    "state",
};

/* ---- helpers ---------------------------------------------------------- */

static void set_ok(struct linkparams *p, const char *key, const char *value)
{
	char err[200] = "";

	if (linkparams_set(p, key, value, err, sizeof(err)))
		fprintf(stderr, "%s=%s: %s\n", key, value, err);
	assert_int_equal(linkparams_set(p, key, value, err, sizeof(err)), 0);
}

/* Field by field (no padding bytes involved); doubles exactly. */
static void assert_lp_equal(const struct linkparams *a, const struct linkparams *b)
{
	assert_int_equal(a->set, b->set);
	assert_true(a->delay_ns == b->delay_ns);
	assert_true(a->jitter_ns == b->jitter_ns);
	assert_int_equal(a->dist, b->dist);
	assert_true(a->corr == b->corr);
	assert_int_equal(a->reorder_jitter, b->reorder_jitter);
	assert_true(a->loss == b->loss);
	assert_true(a->loss_corr == b->loss_corr);
	assert_true(a->ge_p == b->ge_p);
	assert_true(a->ge_r == b->ge_r);
	assert_true(a->ge_bad == b->ge_bad);
	assert_true(a->ge_good == b->ge_good);
	assert_true(a->dup == b->dup);
	assert_true(a->corrupt == b->corrupt);
	assert_true(a->reorder == b->reorder);
	assert_int_equal(a->reorder_gap, b->reorder_gap);
	assert_true(a->rate_bps == b->rate_bps);
	assert_true(a->burst_bytes == b->burst_bytes);
	assert_true(a->queue_bytes == b->queue_bytes);
	assert_int_equal(a->mtu, b->mtu);
	assert_int_equal(a->down, b->down);
}

/* Format p, parse every token back into a fresh struct: the same struct. */
static void assert_round_trip(const struct linkparams *p)
{
	char buf[1024], *tok, *save = NULL, err[200];
	struct linkparams q;
	int n;

	n = linkparams_format(p, buf, sizeof(buf));
	assert_true(n >= 0 && (size_t)n < sizeof(buf));
	assert_int_equal((size_t)n, strlen(buf));
	memset(&q, 0, sizeof(q));
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (linkparams_set_kv(&q, tok, err, sizeof(err)))
			fprintf(stderr, "token '%s': %s\n", tok, err);
		assert_int_equal(linkparams_set_kv(&q, tok, err, sizeof(err)), 0);
	}
	assert_lp_equal(p, &q);
}

/* ---- unit parsers ----------------------------------------------------- */

struct time_case {
	const char *s;
	uint64_t ns;
};

static void test_parse_time(void **state)
{
	static const struct time_case ok[] = {
	    {"10ms", 10 * MS},	   {"250us", 250000}, {"1s", SEC},	  {"100ns", 100},
	    {"5", 5 * MS},	   {"0", 0},	      {"1.5ms", 1500000}, {"0.5us", 500},
	    {"2sec", 2 * SEC},	   {"3usec", 3000},   {"4msec", 4 * MS},  {"10MS", 10 * MS},
	    {"3600s", 3600 * SEC}, {"1e3", SEC},      {".5ms", 500000},
	};
	static const char *const bad[] = {
	    "",	     " 10ms", "10 ms", "10ms ", "-1ms",	 "+1ms",  "10m", "ms",	   "10parsecs",
	    "3601s", "nan",   "inf",   "infms", "1e400", "10msx", "1h",	 "10ms10",
	};
	uint64_t ns;
	size_t i;

	(void)state;
	for (i = 0; i < N_ELEMS(ok); i++) {
		ns = 12345;
		if (linkparams_parse_time(ok[i].s, &ns))
			fprintf(stderr, "time '%s' rejected\n", ok[i].s);
		assert_int_equal(linkparams_parse_time(ok[i].s, &ns), 0);
		assert_true(ns == ok[i].ns);
	}
	for (i = 0; i < N_ELEMS(bad); i++) {
		ns = 12345;
		if (!linkparams_parse_time(bad[i], &ns))
			fprintf(stderr, "time '%s' accepted\n", bad[i]);
		assert_int_equal(linkparams_parse_time(bad[i], &ns), -EINVAL);
		assert_true(ns == 12345); /* untouched on error */
	}
	assert_int_equal(linkparams_parse_time(NULL, &ns), -EINVAL);
}

struct u64_case {
	const char *s;
	uint64_t v;
};

static void test_parse_rate(void **state)
{
	static const struct u64_case ok[] = {
	    {"100mbit", 100000000ull},
	    {"1gbit", 1000000000ull},
	    {"1tbit", 1000000000000ull},
	    {"10tbit", 10000000000000ull},
	    {"8bit", 8},
	    {"1kbit", 1000},
	    {"1.5kbit", 1500},
	    {"10mbps", 80000000ull},
	    {"1kbps", 8000},
	    {"1gbps", 8000000000ull},
	    {"1bps", 8},
	    {"100MBIT", 100000000ull},
	};
	static const char *const bad[] = {
	    "", "100", "0bit", "0.5bit", "11tbit", "100mb", "-1mbit", "fast", "100 mbit", "mbit",
	};
	uint64_t v;
	size_t i;

	(void)state;
	for (i = 0; i < N_ELEMS(ok); i++) {
		if (linkparams_parse_rate(ok[i].s, &v))
			fprintf(stderr, "rate '%s' rejected\n", ok[i].s);
		assert_int_equal(linkparams_parse_rate(ok[i].s, &v), 0);
		assert_true(v == ok[i].v);
	}
	for (i = 0; i < N_ELEMS(bad); i++) {
		v = 7;
		if (!linkparams_parse_rate(bad[i], &v))
			fprintf(stderr, "rate '%s' accepted\n", bad[i]);
		assert_int_equal(linkparams_parse_rate(bad[i], &v), -EINVAL);
		assert_true(v == 7);
	}
}

static void test_parse_size(void **state)
{
	static const struct u64_case ok[] = {
	    {"0", 0},	     {"1500", 1500},	     {"1500b", 1500},
	    {"32kb", 32768}, {"32k", 32768},	     {"1mb", 1048576},
	    {"2m", 2097152}, {"1gb", 1073741824ull}, {"64gb", 68719476736ull},
	    {"1.5kb", 1536}, {"64KB", 65536},
	};
	static const char *const bad[] = {
	    "", "65gb", "1tb", "-1", "1 kb", "kb", "1kib", "1kbit", "x",
	};
	uint64_t v;
	size_t i;

	(void)state;
	for (i = 0; i < N_ELEMS(ok); i++) {
		if (linkparams_parse_size(ok[i].s, &v))
			fprintf(stderr, "size '%s' rejected\n", ok[i].s);
		assert_int_equal(linkparams_parse_size(ok[i].s, &v), 0);
		assert_true(v == ok[i].v);
	}
	for (i = 0; i < N_ELEMS(bad); i++) {
		v = 7;
		if (!linkparams_parse_size(bad[i], &v))
			fprintf(stderr, "size '%s' accepted\n", bad[i]);
		assert_int_equal(linkparams_parse_size(bad[i], &v), -EINVAL);
		assert_true(v == 7);
	}
}

struct prob_case {
	const char *s;
	double p;
};

static void test_parse_prob(void **state)
{
	static const struct prob_case ok[] = {
	    {"0", 0},	    {"0%", 0},	   {"0.5%", 0.005}, {"1", 1},	 {"100%", 1},
	    {"0.25", 0.25}, {"25%", 0.25}, {"1e-3", 0.001}, {".5", 0.5},
	};
	static const char *const bad[] = {
	    "", "101%", "1.5", "-0.1", "%", "50 %", "50pct", "half", "nan", " 1%",
	};
	double p;
	size_t i;

	(void)state;
	for (i = 0; i < N_ELEMS(ok); i++) {
		if (linkparams_parse_prob(ok[i].s, &p))
			fprintf(stderr, "prob '%s' rejected\n", ok[i].s);
		assert_int_equal(linkparams_parse_prob(ok[i].s, &p), 0);
		NEAR(p, ok[i].p);
	}
	assert_int_equal(linkparams_parse_prob("100%", &p), 0);
	assert_true(p == 1.0); /* exactly: a certain loss stays certain */
	for (i = 0; i < N_ELEMS(bad); i++) {
		p = 0.75;
		if (!linkparams_parse_prob(bad[i], &p))
			fprintf(stderr, "prob '%s' accepted\n", bad[i]);
		assert_int_equal(linkparams_parse_prob(bad[i], &p), -EINVAL);
		assert_true(p == 0.75);
	}
}

/* ---- set -------------------------------------------------------------- */

static void test_set_every_key(void **state)
{
	struct linkparams p;

	(void)state;
	memset(&p, 0, sizeof(p));
	set_ok(&p, "delay", "10ms");
	set_ok(&p, "jitter", "1ms");
	set_ok(&p, "distribution", "paretonormal");
	set_ok(&p, "correlation", "25%");
	set_ok(&p, "reorder_jitter", "yes");
	set_ok(&p, "loss", "0.5%");
	set_ok(&p, "loss_correlation", "10%");
	set_ok(&p, "ge_p", "1%");
	set_ok(&p, "ge_r", "10%");
	set_ok(&p, "ge_bad", "100%");
	set_ok(&p, "ge_good", "0.1%");
	set_ok(&p, "duplicate", "1%");
	set_ok(&p, "corrupt", "0.1%");
	set_ok(&p, "reorder", "25%");
	set_ok(&p, "reorder_gap", "5");
	set_ok(&p, "rate", "100mbit");
	set_ok(&p, "burst", "32kb");
	set_ok(&p, "queue", "64kb");
	set_ok(&p, "mtu", "1500");
	set_ok(&p, "state", "down");

	assert_int_equal(p.set, (LP_F_STATE << 1) - 1); /* every flag */
	assert_true(p.delay_ns == 10 * MS);
	assert_true(p.jitter_ns == MS);
	assert_int_equal(p.dist, LP_DIST_PARETONORMAL);
	NEAR(p.corr, 0.25);
	assert_int_equal(p.reorder_jitter, 1);
	NEAR(p.loss, 0.005);
	NEAR(p.loss_corr, 0.1);
	NEAR(p.ge_p, 0.01);
	NEAR(p.ge_r, 0.1);
	assert_true(p.ge_bad == 1.0);
	NEAR(p.ge_good, 0.001);
	NEAR(p.dup, 0.01);
	NEAR(p.corrupt, 0.001);
	NEAR(p.reorder, 0.25);
	assert_int_equal(p.reorder_gap, 5);
	assert_true(p.rate_bps == 100000000ull);
	assert_true(p.burst_bytes == 32768);
	assert_true(p.queue_bytes == 65536);
	assert_int_equal(p.mtu, 1500);
	assert_int_equal(p.down, 1);
	assert_false(linkparams_is_null(&p));

	/* The other spellings of the enumerations and booleans. */
	set_ok(&p, "state", "up");
	assert_int_equal(p.down, 0);
	set_ok(&p, "reorder_jitter", "no");
	assert_int_equal(p.reorder_jitter, 0);
	set_ok(&p, "reorder_jitter", "TRUE");
	assert_int_equal(p.reorder_jitter, 1);
	set_ok(&p, "reorder_jitter", "0");
	assert_int_equal(p.reorder_jitter, 0);
	set_ok(&p, "distribution", "uniform");
	assert_int_equal(p.dist, LP_DIST_UNIFORM);
	set_ok(&p, "distribution", "normal");
	assert_int_equal(p.dist, LP_DIST_NORMAL);
	set_ok(&p, "distribution", "pareto");
	assert_int_equal(p.dist, LP_DIST_PARETO);
	set_ok(&p, "mtu", "68");
	assert_int_equal(p.mtu, 68);
	set_ok(&p, "mtu", "65535");
	assert_int_equal(p.mtu, 65535);
	set_ok(&p, "reorder_gap", "1000000");
	assert_int_equal(p.reorder_gap, 1000000);
}

static void test_set_errors(void **state)
{
	static const char *const bad[][2] = {
	    {"mtu", "67"},
	    {"mtu", "65536"},
	    {"mtu", "1500.0"},
	    {"mtu", "+1500"},
	    {"mtu", " 1500"},
	    {"mtu", ""},
	    {"reorder_gap", "1000001"},
	    {"reorder_gap", "-1"},
	    {"reorder_gap", "99999999999999999999"},
	    {"state", "sideways"},
	    {"state", "DOWN"},
	    {"distribution", "gauss"},
	    {"reorder_jitter", "maybe"},
	    {"loss", "2"},
	    {"rate", "0mbit"},
	    {"delay", "5 parsecs"},
	    {"burst", "1tb"},
	    {"ge_p", "200%"},
	};
	struct linkparams p, before;
	char err[200];
	size_t i;

	(void)state;
	memset(&p, 0, sizeof(p));
	set_ok(&p, "delay", "1ms");
	before = p;

	assert_int_equal(linkparams_set(&p, "bogus", "1", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "unknown link parameter 'bogus'");
	assert_int_equal(linkparams_set(&p, "Delay", "1ms", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "unknown link parameter 'Delay'");
	assert_int_equal(linkparams_set(&p, "", "1", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "unknown link parameter ''");

	assert_int_equal(linkparams_set(&p, "delay", "5 parsecs", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "bad value '5 parsecs' for delay: expected a time like 10ms, "
				 "250us, 1s");
	assert_int_equal(linkparams_set(&p, "mtu", "60", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "bad value '60' for mtu: expected a whole number of bytes, "
				 "68..65535 (0: no limit)");
	assert_int_equal(linkparams_set(&p, "state", "off", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "bad value 'off' for state: expected up or down");

	for (i = 0; i < N_ELEMS(bad); i++) {
		err[0] = '\0';
		if (!linkparams_set(&p, bad[i][0], bad[i][1], err, sizeof(err)))
			fprintf(stderr, "%s=%s accepted\n", bad[i][0], bad[i][1]);
		assert_int_equal(linkparams_set(&p, bad[i][0], bad[i][1], err, sizeof(err)),
				 -EINVAL);
		assert_non_null(strstr(err, "bad value '"));
		assert_non_null(strstr(err, bad[i][0]));
	}
	/* A failed set changes nothing, flags included. */
	assert_lp_equal(&p, &before);

	/* A short error buffer is truncated, not overrun. */
	assert_int_equal(linkparams_set(&p, "bogus", "1", err, 8), -EINVAL);
	assert_string_equal(err, "unknown");
}

static void test_set_kv(void **state)
{
	struct linkparams p;
	char err[200];

	(void)state;
	memset(&p, 0, sizeof(p));
	assert_int_equal(linkparams_set_kv(&p, "delay=20ms", err, sizeof(err)), 0);
	assert_true(p.delay_ns == 20 * MS);
	assert_int_equal(p.set, LP_F_DELAY);
	assert_int_equal(linkparams_set_kv(&p, "delay", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "expected key=value, got 'delay'");
	assert_int_equal(linkparams_set_kv(&p, "=1ms", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "expected key=value, got '=1ms'");
	assert_int_equal(linkparams_set_kv(&p, "delay=", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "bad value '' for delay: expected a time like 10ms, 250us, 1s");
	assert_int_equal(linkparams_set_kv(&p, "delay=1ms=2", err, sizeof(err)), -EINVAL);
	assert_int_equal(linkparams_set_kv(&p, "nope=1", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "unknown link parameter 'nope'");
	/* A key longer than any is refused without overflowing the copy. */
	assert_int_equal(
	    linkparams_set_kv(&p, "abcdefghijabcdefghijabcdefghijabcdefghij=1", err, sizeof(err)),
	    -EINVAL);
	assert_true(p.delay_ns == 20 * MS);
	assert_int_equal(p.set, LP_F_DELAY);
}

static void test_key_valid(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N_ELEMS(all_keys); i++)
		assert_true(linkparams_key_valid(all_keys[i]));
	assert_false(linkparams_key_valid(""));
	assert_false(linkparams_key_valid("forward"));
	assert_false(linkparams_key_valid("reverse"));
	assert_false(linkparams_key_valid("DELAY"));
	assert_false(linkparams_key_valid("delay "));
	assert_false(linkparams_key_valid("ge"));
}

/* ---- merge ------------------------------------------------------------ */

static void test_merge(void **state)
{
	struct linkparams dst, src, empty;

	(void)state;
	memset(&dst, 0, sizeof(dst));
	memset(&src, 0, sizeof(src));
	memset(&empty, 0, sizeof(empty));
	set_ok(&dst, "delay", "10ms");
	set_ok(&dst, "loss", "1%");
	set_ok(&dst, "mtu", "1500");
	set_ok(&dst, "ge_p", "1%");
	set_ok(&dst, "ge_r", "10%");
	set_ok(&dst, "ge_bad", "90%");
	set_ok(&src, "delay", "20ms");
	set_ok(&src, "loss", "0%"); /* explicitly zero: still overrides */
	set_ok(&src, "rate", "1gbit");
	set_ok(&src, "state", "down");

	linkparams_merge(&dst, &src);
	assert_int_equal(dst.set,
			 LP_F_DELAY | LP_F_LOSS | LP_F_MTU | LP_F_GE | LP_F_RATE | LP_F_STATE);
	assert_true(dst.delay_ns == 20 * MS);
	assert_true(dst.loss == 0);
	assert_int_equal(dst.mtu, 1500);
	assert_true(dst.rate_bps == 1000000000ull);
	assert_int_equal(dst.down, 1);
	NEAR(dst.ge_bad, 0.9);

	/* Unset fields of src never leak, even when non-zero. */
	src = empty;
	src.jitter_ns = 99;
	src.mtu = 9000;
	linkparams_merge(&dst, &src);
	assert_true(dst.jitter_ns == 0);
	assert_int_equal(dst.mtu, 1500);

	/* The Gilbert-Elliott fields travel together (one flag). */
	src = empty;
	set_ok(&src, "ge_p", "5%");
	set_ok(&src, "ge_r", "50%");
	linkparams_merge(&dst, &src);
	NEAR(dst.ge_p, 0.05);
	NEAR(dst.ge_r, 0.5);
	assert_true(dst.ge_bad == 1.0); /* netem's default, replacing dst's 90% */

	/* Merging into an empty struct copies. */
	dst = empty;
	linkparams_merge(&dst, &src);
	assert_lp_equal(&dst, &src);
	linkparams_merge(&dst, &empty);
	assert_lp_equal(&dst, &src);
}

/* ---- format and round trip -------------------------------------------- */

static void test_format(void **state)
{
	struct linkparams p;
	char buf[256];
	int n;

	(void)state;
	memset(&p, 0, sizeof(p));
	assert_int_equal(linkparams_format(&p, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	set_ok(&p, "rate", "10mbps");
	set_ok(&p, "delay", "1.5ms");
	set_ok(&p, "loss", "0.5%");
	set_ok(&p, "burst", "1.5kb");
	set_ok(&p, "state", "up");
	n = linkparams_format(&p, buf, sizeof(buf));
	assert_string_equal(buf, "delay=1500us loss=0.5% rate=80mbit burst=1536b state=up");
	assert_int_equal(n, (int)strlen(buf));

	/* Like snprintf: the full length, a truncated and terminated buffer. */
	assert_int_equal(linkparams_format(&p, buf, 10), n);
	assert_string_equal(buf, "delay=150");
	assert_int_equal(linkparams_format(&p, NULL, 0), n);
	assert_int_equal(linkparams_format(&p, buf, 1), n);
	assert_string_equal(buf, "");

	memset(&p, 0, sizeof(p));
	set_ok(&p, "delay", "2s");
	set_ok(&p, "jitter", "7ns");
	set_ok(&p, "rate", "1500bit");
	linkparams_format(&p, buf, sizeof(buf));
	assert_string_equal(buf, "delay=2s jitter=7ns rate=1500bit");
}

static void test_round_trip(void **state)
{
	/* Each line builds one struct; each must survive format -> set_kv. */
	static const char *const cases[] = {
	    "delay=10ms jitter=1ms loss=0.5% rate=100mbit",
	    "delay=1.5ms jitter=250us distribution=pareto correlation=25% reorder_jitter=yes",
	    "delay=0 jitter=7ns",
	    "delay=3600s",
	    "loss=0.3 loss_correlation=50% duplicate=1% corrupt=0.1% reorder=25% reorder_gap=5",
	    "ge_p=1% ge_r=10% ge_bad=100% ge_good=0.5%",
	    "ge_p=2% ge_r=20%",
	    "rate=1.5kbit burst=1.5kb queue=64gb",
	    "rate=10mbps burst=0 queue=1mb",
	    "rate=1tbit",
	    "mtu=68 state=down",
	    "mtu=65535 state=up reorder_jitter=no distribution=uniform",
	    "distribution=normal loss=100% reorder_gap=0",
	    "distribution=paretonormal loss=0 corrupt=1e-5",
	    "loss=1e-9",
	};
	size_t i;

	(void)state;
	for (i = 0; i < N_ELEMS(cases); i++) {
		char line[256], *tok, *save = NULL, err[200];
		struct linkparams p;

		memset(&p, 0, sizeof(p));
		snprintf(line, sizeof(line), "%s", cases[i]);
		for (tok = strtok_r(line, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
			if (linkparams_set_kv(&p, tok, err, sizeof(err)))
				fprintf(stderr, "'%s': %s\n", tok, err);
			assert_int_equal(linkparams_set_kv(&p, tok, err, sizeof(err)), 0);
		}
		assert_round_trip(&p);
	}
}

/* Every key with every value of a small table, alone: round trips too. */
static void test_round_trip_each_key(void **state)
{
	static const char *const values[] = {
	    "0",    "1",    "5",    "0.5%", "25%", "100%", "1ms",    "10mbit",
	    "32kb", "1500", "up",   "down", "yes", "no",   "normal", "pareto",
	    "2.5",  "0.25", "1e-3", "3s",   "7us", "64k",
	};
	size_t k, v;
	unsigned ok = 0;

	(void)state;
	for (k = 0; k < N_ELEMS(all_keys); k++) {
		for (v = 0; v < N_ELEMS(values); v++) {
			struct linkparams p;
			char err[200];

			memset(&p, 0, sizeof(p));
			if (linkparams_set(&p, all_keys[k], values[v], err, sizeof(err)))
				continue;
			assert_round_trip(&p);
			ok++;
		}
	}
	assert_true(ok > 50);
}

static void test_is_null(void **state)
{
	struct linkparams p;

	(void)state;
	memset(&p, 0, sizeof(p));
	assert_true(linkparams_is_null(&p));
	/* Given but without effect. */
	set_ok(&p, "distribution", "pareto");
	set_ok(&p, "correlation", "25%");
	set_ok(&p, "state", "up");
	set_ok(&p, "loss", "0%");
	set_ok(&p, "delay", "0ms");
	assert_true(linkparams_is_null(&p));
	set_ok(&p, "state", "down");
	assert_false(linkparams_is_null(&p));
	set_ok(&p, "state", "up");
	set_ok(&p, "delay", "1us");
	assert_false(linkparams_is_null(&p));

	memset(&p, 0, sizeof(p));
	set_ok(&p, "rate", "1mbit");
	assert_false(linkparams_is_null(&p));
	memset(&p, 0, sizeof(p));
	set_ok(&p, "mtu", "1500");
	assert_false(linkparams_is_null(&p));
	memset(&p, 0, sizeof(p));
	set_ok(&p, "ge_p", "1%");
	set_ok(&p, "ge_r", "1%");
	assert_false(linkparams_is_null(&p));
}

/* Link seeds: lab seeds that differ in any bit give different links (seeds
 * 2k and 2k+1 were the same run), each fits a JSON integer, and links of
 * one lab differ. */
static void test_link_seed(void **state)
{
	(void)state;
	for (uint64_t s = 0; s < 2000; s++) {
		for (unsigned li = 0; li < 4; li++) {
			uint64_t a = linkparams_link_seed(s, li);

			assert_true(a <= (uint64_t)INT64_MAX);
			assert_true(a != linkparams_link_seed(s ^ 1, li));
			assert_true(a != linkparams_link_seed(s, li + 1));
		}
	}
	assert_true(linkparams_link_seed(42, 0) == linkparams_link_seed(42, 0));
	assert_true(linkparams_link_seed(1ull << 63, 0) != linkparams_link_seed(0, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_time),	  cmocka_unit_test(test_parse_rate),
	    cmocka_unit_test(test_parse_size),	  cmocka_unit_test(test_parse_prob),
	    cmocka_unit_test(test_set_every_key), cmocka_unit_test(test_set_errors),
	    cmocka_unit_test(test_set_kv),	  cmocka_unit_test(test_key_valid),
	    cmocka_unit_test(test_merge),	  cmocka_unit_test(test_format),
	    cmocka_unit_test(test_round_trip),	  cmocka_unit_test(test_round_trip_each_key),
	    cmocka_unit_test(test_is_null),
	    cmocka_unit_test(test_link_seed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
