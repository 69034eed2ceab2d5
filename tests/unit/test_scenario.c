/* SPDX-License-Identifier: BSD-3-Clause */
/* Scenario files: valid ones load into the expected steps, every error class
 * is reported at the right line:col, names are checked against the topology,
 * and the JUnit writer escapes what it repeats. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "scenario.h"

static const char topo_yaml[] = "name: t\n"
				"topology:\n"
				"  defaults: {subnet: 10.0.0.0/24}\n"
				"  nodes:\n"
				"    sw1: {kind: switch}\n"
				"    h1: {kind: host}\n"
				"    h2: {kind: host}\n"
				"  links:\n"
				"    - endpoints: [h1:eth0, sw1:p1]\n"
				"    - endpoints: [h2:eth0, sw1:p2]\n";

static struct scenario *load_ok(const char *text)
{
	struct topo_diags d;
	struct scenario *s = NULL;
	int ret = scenario_load_buffer("s.yaml", text, strlen(text), &s, &d);

	if (ret < 0)
		topo_diags_print(&d, stderr);
	assert_int_equal(ret, 0);
	assert_non_null(s);
	return s;
}

/* Loading fails with a first diagnostic at line:col containing msg. */
static void load_bad(const char *text, unsigned line, unsigned col, const char *msg)
{
	struct topo_diags d;
	struct scenario *s = NULL;
	int ret = scenario_load_buffer("s.yaml", text, strlen(text), &s, &d);

	assert_int_equal(ret, -EINVAL);
	assert_null(s);
	assert_true(d.n >= 1);
	if (d.d[0].mark.line != line || d.d[0].mark.col != col || !strstr(d.d[0].msg, msg)) {
		topo_diags_print(&d, stderr);
		fail_msg("expected %u:%u '%s'", line, col, msg);
	}
}

static void test_valid(void **state)
{
	struct scenario *s = load_ok(
	    "name: demo\n"
	    "topology: ../topo/examples/quickstart.yaml\n"
	    "seed: 7\n"
	    "steps:\n"
	    "  - wait: 500ms\n"
	    "  - run: {host: h1, cmd: \"ping -c 1 10.0.0.20\", timeout: 5s, expect_exit: 0, "
	    "expect_output: \"1 received\"}\n"
	    "  - run: {host: h2, cmd: \"iperf3 -s -1\", background: true}\n"
	    "  - link: {endpoint: h1:eth0, set: \"delay=10ms loss=1%\"}\n"
	    "  - link: {endpoint: h1:eth0, down: true}\n"
	    "  - reach: {from: [h1, h2], to: [h3], expect: false}\n"
	    "  - ping: {from: h1, to: h2, count: 20, interval: 50ms, max_loss: 10%, max_rtt_p50: "
	    "25ms}\n"
	    "  - iperf: {client: h1, server: h2, seconds: 3, min_mbit: 5, max_mbit: 30}\n"
	    "  - counter: {endpoint: h1:eth0, dir: out, drop: loss, min: 1}\n");
	const struct scenario_step *st = s->steps;

	(void)state;
	assert_string_equal(s->name, "demo");
	assert_int_equal(s->topo_kind, SCENARIO_TOPO_FILE);
	assert_string_equal(s->topo_arg, "../topo/examples/quickstart.yaml");
	assert_true(s->has_seed);
	assert_int_equal(s->seed, 7);
	assert_int_equal(s->n_steps, 9);

	assert_int_equal(st[0].type, SCENARIO_WAIT);
	assert_int_equal(st[0].ns, 500000000ull);
	assert_int_equal(st[0].mark.line, 5);
	assert_int_equal(st[0].mark.col, 5);
	assert_false(scenario_step_is_assertion(&st[0]));

	assert_int_equal(st[1].type, SCENARIO_RUN);
	assert_string_equal(st[1].from[0].name, "h1");
	assert_string_equal(st[1].cmd, "ping -c 1 10.0.0.20");
	assert_int_equal(st[1].ns, 5000000000ull);
	assert_true(st[1].has_expect_exit);
	assert_int_equal(st[1].expect_exit, 0);
	assert_string_equal(st[1].expect_output, "1 received");
	assert_true(scenario_step_is_assertion(&st[1]));

	assert_true(st[2].background);
	assert_int_equal(st[2].ns, 30000000000ull); /* default timeout */
	assert_false(scenario_step_is_assertion(&st[2]));

	assert_int_equal(st[3].type, SCENARIO_LINK);
	assert_int_equal(st[3].link_op, SCENARIO_LINK_SET);
	assert_string_equal(st[3].endpoint, "h1:eth0");
	assert_string_equal(st[3].set, "delay=10ms loss=1%");
	assert_int_equal(st[4].link_op, SCENARIO_LINK_DOWN);

	assert_int_equal(st[5].type, SCENARIO_REACH);
	assert_int_equal(st[5].n_from, 2);
	assert_string_equal(st[5].from[1].name, "h2");
	assert_int_equal(st[5].n_to, 1);
	assert_string_equal(st[5].to[0].name, "h3");
	assert_false(st[5].expect);
	assert_true(scenario_step_is_assertion(&st[5]));

	assert_int_equal(st[6].type, SCENARIO_PING);
	assert_int_equal(st[6].count, 20);
	assert_int_equal(st[6].ns, 50000000ull);
	assert_true(st[6].has_max_loss);
	assert_true(st[6].max_loss > 0.0999 && st[6].max_loss < 0.1001);
	assert_int_equal(st[6].max_rtt_p50, 25000000ull);

	assert_int_equal(st[7].type, SCENARIO_IPERF);
	assert_string_equal(st[7].from[0].name, "h1");
	assert_string_equal(st[7].to[0].name, "h2");
	assert_int_equal(st[7].seconds, 3);
	assert_true(st[7].min_mbit == 5 && st[7].max_mbit == 30);

	assert_int_equal(st[8].type, SCENARIO_COUNTER);
	assert_true(st[8].dir_out);
	assert_string_equal(st[8].drop, "loss");
	assert_true(st[8].has_min && !st[8].has_max);
	assert_int_equal(st[8].min, 1);
	scenario_free(s);
}

static void test_generate_and_defaults(void **state)
{
	struct scenario *s = load_ok("name: g\n"
				     "topology: {generate: \"tree,depth=2,fanout=2\"}\n"
				     "steps:\n"
				     "  - reach: {from: h1, to: h4}\n"
				     "  - ping: {from: h1, to: h2}\n");
	struct topo_diags d;
	struct topo *t = NULL;

	(void)state;
	assert_int_equal(s->topo_kind, SCENARIO_TOPO_GENERATE);
	assert_string_equal(s->topo_arg, "tree,depth=2,fanout=2");
	assert_false(s->has_seed);
	assert_true(s->steps[0].expect); /* default */
	assert_int_equal(s->steps[1].count, 10);
	assert_false(scenario_step_is_assertion(&s->steps[1])); /* no bounds */
	assert_int_equal(scenario_load_topology(s, "lab1", &t, &d), 0);
	assert_string_equal(t->name, "lab1");
	memset(&d, 0, sizeof(d));
	assert_int_equal(scenario_check(s, t, &d), 0);
	topo_free(t);
	scenario_free(s);
}

#define HEAD "name: x\ntopology: t.yaml\nsteps:\n"

static void test_errors(void **state)
{
	(void)state;
	/* YAML syntax */
	load_bad(HEAD "  - wait: [1s\n", 5, 1, "yaml:");
	/* unknown step type */
	load_bad(HEAD "  - wiat: 1s\n", 4, 5, "unknown step type 'wiat'");
	/* unknown key */
	load_bad(HEAD "  - run: {host: h1, cmd: x, tiemout: 1s}\n", 4, 29, "unknown key 'tiemout'");
	load_bad("name: x\ntopology: t.yaml\ncolour: red\nsteps:\n  - wait: 1s\n", 3, 1,
		 "unknown key 'colour' in scenario");
	/* missing required keys */
	load_bad(HEAD "  - run: {host: h1}\n", 4, 5, "run step needs 'cmd'");
	load_bad("name: x\nsteps:\n  - wait: 1s\n", 1, 1, "scenario needs 'topology'");
	load_bad(HEAD "  - ping: {from: h1}\n", 4, 5, "ping step needs 'to'");
	load_bad(HEAD "  - counter: {endpoint: h1:eth0, dir: in, drop: loss}\n", 4, 5,
		 "needs 'min' or 'max'");
	/* bad durations and percentages */
	load_bad(HEAD "  - wait: 5parsecs\n", 4, 11, "bad duration '5parsecs'");
	load_bad(HEAD "  - run: {host: h1, cmd: x, timeout: soon}\n", 4, 38, "bad duration 'soon'");
	load_bad(HEAD "  - ping: {from: h1, to: h2, max_loss: 150%}\n", 4, 40,
		 "bad percentage '150%'");
	/* link set that does not parse */
	load_bad(HEAD "  - link: {endpoint: h1:eth0, set: \"delay=5parsecs\"}\n", 4, 36,
		 "link set:");
	load_bad(HEAD "  - link: {endpoint: h1:eth0, set: \"colour=red\"}\n", 4, 36, "link set:");
	load_bad(HEAD "  - link: {endpoint: h1:eth0}\n", 4, 5, "exactly one of");
	/* bad values */
	load_bad(HEAD "  - link: {endpoint: h1, down: true}\n", 4, 22, "bad endpoint 'h1'");
	load_bad(HEAD "  - counter: {endpoint: h1:eth0, dir: up, drop: loss, min: 1}\n", 4, 39,
		 "bad dir 'up'");
	load_bad(HEAD "  - reach: {from: h1, to: h2, expect: maybe}\n", 4, 39, "bad boolean");
	load_bad(HEAD "  - iperf: {client: h1, server: h2, seconds: 0}\n", 4, 46, "bad value '0'");
	load_bad(HEAD "  - run: {host: h1, cmd: x, background: true, expect_exit: 0}\n", 4, 29,
		 "background");
	load_bad(HEAD "  - 42\n", 4, 5, "a step is a mapping");
	load_bad("name: x\ntopology: t.yaml\nsteps: []\n", 3, 1, "1..");
	load_bad("name: bad.name\ntopology: t.yaml\nsteps:\n  - wait: 1s\n", 1, 7,
		 "bad scenario name");
	load_bad("name: x\ntopology: {inline: {}}\nsteps:\n  - wait: 1s\n", 2, 12, "inline");
	load_bad(HEAD "  - run: {host: h1, cmd: x, host: h2}\n", 4, 29, "duplicate key 'host'");
	load_bad("", 0, 0, "empty");
}

static void test_unknown_names(void **state)
{
	struct scenario *s =
	    load_ok("name: x\ntopology: t.yaml\nsteps:\n"
		    "  - reach: {from: [h1, h9], to: h2}\n"
		    "  - link: {endpoint: h1:eth1, down: true}\n"
		    "  - ping: {from: h1, to: sw1}\n"
		    "  - counter: {endpoint: sw1:p2, dir: in, drop: loss, min: 0}\n");
	struct topo_diags td, d;
	struct topo *t = NULL;

	(void)state;
	assert_int_equal(topo_load_buffer("t.yaml", topo_yaml, strlen(topo_yaml), &t, &td), 0);
	memset(&d, 0, sizeof(d));
	assert_int_equal(scenario_check(s, t, &d), -EINVAL);
	assert_int_equal(d.n, 3);
	assert_string_equal(d.file, "s.yaml");
	assert_int_equal(d.d[0].mark.line, 4);
	assert_int_equal(d.d[0].mark.col, 24);
	assert_string_equal(d.d[0].msg, "unknown host 'h9'");
	assert_int_equal(d.d[1].mark.line, 5);
	assert_int_equal(d.d[1].mark.col, 22);
	assert_string_equal(d.d[1].msg, "unknown endpoint 'h1:eth1'");
	assert_int_equal(d.d[2].mark.line, 6);
	assert_int_equal(d.d[2].mark.col, 26);
	assert_string_equal(d.d[2].msg, "unknown host 'sw1'");
	topo_free(t);
	scenario_free(s);
}

static void test_topology_file(void **state)
{
	const char *root = getenv("RL_SOURCE_ROOT");
	char path[1024], text[1200];
	struct scenario *s;
	struct topo_diags d;
	struct topo *t = NULL;

	(void)state;
	if (root == NULL)
		root = SOURCE_ROOT;
	snprintf(path, sizeof(path), "%s/scenarios/x.yaml", root);
	snprintf(text, sizeof(text),
		 "name: q\ntopology: ../topo/examples/quickstart.yaml\n"
		 "seed: 9\nsteps:\n  - reach: {from: h1, to: h3}\n");
	assert_int_equal(scenario_load_buffer(path, text, strlen(text), &s, &d), 0);
	assert_int_equal(scenario_load_topology(s, NULL, &t, &d), 0);
	assert_string_equal(t->name, "q");
	assert_true(t->has_seed);
	assert_int_equal(t->seed, 9);
	memset(&d, 0, sizeof(d));
	assert_int_equal(scenario_check(s, t, &d), 0);
	topo_free(t);
	scenario_free(s);

	/* a bad generator spec is reported at the spec */
	s = load_ok("name: g\ntopology: {generate: \"trie,2\"}\nsteps:\n  - wait: 1s\n");
	assert_int_equal(scenario_load_topology(s, NULL, &t, &d), -EINVAL);
	assert_null(t);
	assert_int_equal(d.d[0].mark.line, 2);
	assert_int_equal(d.d[0].mark.col, 22);
	assert_non_null(strstr(d.d[0].msg, "trie"));
	scenario_free(s);
}

static void test_junit(void **state)
{
	struct scenario *s = load_ok("name: j\ntopology: t.yaml\nsteps:\n"
				     "  - wait: 1s\n"
				     "  - reach: {from: h1, to: h2}\n"
				     "  - reach: {from: h1, to: h2, expect: false}\n"
				     "  - run: {host: h1, cmd: \"sleep 30\", timeout: 1s}\n"
				     "  - ping: {from: h1, to: h2, max_loss: 0%}\n");
	struct scenario_result r[5] = {
	    {SCENARIO_PASS, 1.0, ""},
	    {SCENARIO_PASS, 0.1, ""},
	    {SCENARIO_FAIL, 0.2, "1 of 1 pairs got a reply: h1->h2 <\"&'>"},
	    {SCENARIO_ERROR, 1.0, "timed out"},
	    {SCENARIO_SKIP, 0, ""},
	};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_int_equal(scenario_junit_fprint(f, s, r, 2.5), 0);
	fclose(f);
	assert_non_null(strstr(buf, "<testsuite name=\"j\" tests=\"4\" failures=\"1\" errors=\"1\" "
				    "skipped=\"1\" time=\"2.500\">"));
	assert_non_null(strstr(buf, "name=\"[2] reach h1 -&gt; h2\""));
	assert_non_null(strstr(buf, "<failure message=\"1 of 1 pairs got a reply: h1-&gt;h2 "
				    "&lt;&quot;&amp;&apos;&gt;\"/>"));
	assert_non_null(strstr(buf, "<error message=\"timed out\"/>"));
	assert_non_null(strstr(buf, "<skipped/>"));
	assert_null(strstr(buf, "[1] wait")); /* not an assertion */
	free(buf);
	scenario_free(s);
}

/* Garbage never crashes the loader. */
static void test_fuzzish(void **state)
{
	static const char *const bad[] = {
	    "&a [*a, *a]",
	    "steps: &s [*s]",
	    "name: x\ntopology: t\nsteps:\n  - &a {run: *a}\n",
	    "{",
	    "name: x\ntopology: t\nsteps:\n  - run: []\n",
	    "- - -",
	    "\xff\xfe",
	    "name: x\ntopology: [1]\nsteps:\n  - reach: {from: [[h1]], to: {}}\n",
	};
	struct topo_diags d;
	struct scenario *s;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_true(scenario_load_buffer("f", bad[i], strlen(bad[i]), &s, &d) < 0);
		assert_null(s);
	}
}

/* partition: groups of hosts, numbered from 1; heal takes only true. */
static void test_partition(void **state)
{
	struct scenario *s;
	char desc[200];

	(void)state;
	s = load_ok(HEAD "  - partition: [[h1, h3], [h2]]\n  - heal: true\n");
	assert_int_equal(s->n_steps, 2);
	assert_int_equal(s->steps[0].type, SCENARIO_PARTITION);
	assert_int_equal(s->steps[0].n_from, 3);
	assert_string_equal(s->steps[0].from[1].name, "h3");
	assert_int_equal(s->steps[0].group[0], 1);
	assert_int_equal(s->steps[0].group[1], 1);
	assert_int_equal(s->steps[0].group[2], 2);
	scenario_step_describe(&s->steps[0], desc, sizeof(desc));
	assert_string_equal(desc, "partition h1,h3 | h2");
	assert_int_equal(s->steps[1].type, SCENARIO_HEAL);
	assert_false(scenario_step_is_assertion(&s->steps[0]));
	scenario_free(s);
	load_bad(HEAD "  - partition: [[h1, h2]]\n", 4, 16, "a partition has 2..64 groups");
	load_bad(HEAD "  - partition: h1\n", 4, 16, "partition is a list of host lists");
	load_bad(HEAD "  - partition: [[h1], h2]\n", 4, 23, "each group of a partition is a list");
	load_bad(HEAD "  - partition: [[h1], [h1]]\n", 4, 5, "host h1 is in two groups");
	load_bad(HEAD "  - heal: false\n", 4, 11, "'heal' can only be true");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_partition),
	    cmocka_unit_test(test_valid),
	    cmocka_unit_test(test_generate_and_defaults),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_unknown_names),
	    cmocka_unit_test(test_topology_file),
	    cmocka_unit_test(test_junit),
	    cmocka_unit_test(test_fuzzish),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
