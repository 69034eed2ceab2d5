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
#include <unistd.h>
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
	assert_int_equal(st[3].link_dir, 0); /* both ways */
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
	load_bad(HEAD "  - link: {endpoint: h1:eth0, down: true, direction: egress}\n", 4, 43,
		 "'direction' is only for 'set'");
	load_bad(HEAD "  - link: {endpoint: h1:eth0, set: \"rate=1mbit\", direction: out}\n", 4, 61,
		 "bad direction 'out'");
	/* state= is the cable's, as down: true is: refused at load, not at run */
	load_bad(HEAD "  - link: {endpoint: h1:eth0, set: \"state=down\", direction: egress}\n", 4,
		 50, "'direction' is not for a 'set' with state=");
	load_bad(HEAD "  - link: {endpoint: h1:eth0, set: \"delay=5ms state=up\", "
		      "direction: ingress}\n",
		 4, 58, "'direction' is not for a 'set' with state=");
	/* bad values */
	load_bad(HEAD "  - link: {endpoint: h1, down: true}\n", 4, 22, "bad endpoint 'h1'");
	load_bad(HEAD "  - counter: {endpoint: h1:eth0, dir: up, drop: loss, min: 1}\n", 4, 39,
		 "bad dir 'up'");
	load_bad(HEAD "  - counter: {endpoint: h1:eth0, dir: in, drop: nosuch, min: 1}\n", 4, 49,
		 "bad drop reason 'nosuch'");
	load_bad(HEAD "  - counter: {endpoint: h1:eth0, dir: in, drop: loss, min: 5, max: 1}\n", 4,
		 68, "max 1 is below min 5");
	load_bad(HEAD "  - iperf: {client: h1, server: h2, min_mbit: 5, max_mbit: 1}\n", 4, 60,
		 "max_mbit 1 is below min_mbit 5");
	load_bad(HEAD "  - reach: {from: h1, to: h2, expect: maybe}\n", 4, 39, "bad boolean");
	load_bad(HEAD "  - iperf: {client: h1, server: h2, seconds: 0}\n", 4, 46, "bad value '0'");
	load_bad(HEAD "  - run: {host: h1, cmd: x, background: true, expect_exit: 0}\n", 4, 29,
		 "background");
	load_bad(HEAD "  - 42\n", 4, 5, "a step is a mapping");
	load_bad("name: x\ntopology: t.yaml\nsteps: []\n", 3, 1, "1..");
	load_bad("name: bad.name\ntopology: t.yaml\nsteps:\n  - wait: 1s\n", 1, 7,
		 "bad scenario name");
	load_bad("name: x\ntopology: [a]\nsteps:\n  - wait: 1s\n", 2, 11, "'topology' is a file");
	load_bad(HEAD "  - run: {host: h1, cmd: x, host: h2}\n", 4, 29, "duplicate key 'host'");
	load_bad("", 0, 0, "empty");
	/* a duration without a unit: 2 would have been 2 ms */
	load_bad(HEAD "  - wait: 2\n", 4, 11, "duration '2' for wait has no unit: give one (2s or 2000ms)");
	load_bad(HEAD "  - run: {host: h1, cmd: x, timeout: 5}\n", 4, 38, "has no unit");
	load_bad(HEAD "  - ping: {from: h1, to: h2, interval: 0.5}\n", 4, 40, "has no unit");
	/* checks that would check nothing */
	load_bad(HEAD "  - run: {host: h1, cmd: \"\"}\n", 4, 26, "'cmd' is empty");
	load_bad(HEAD "  - run: {host: h1, cmd: \"  \"}\n", 4, 26, "'cmd' is empty");
	load_bad(HEAD "  - reach: {from: h1, to: h1}\n", 4, 5, "no pair of two different hosts");
	load_bad(HEAD "  - reach: {from: [h1, h2], to: [h2, h1], expect: false}\n" /* has pairs */
		      "  - reach: {from: [h2], to: [h2]}\n",
		 5, 5, "no pair");
	load_bad(HEAD "  - traffic: {name: p, kind: ping, from: h1, to: h2}\n"
		      "  - expect: {traffic: p}\n",
		 5, 5, "expect on a ping stream needs 'max_loss', 'max_lost', 'max_gap' or");
}

/* A foreground command must exit 0 unless expect_exit says otherwise: it is
 * an assertion; a background one is not. */
/* link set takes a direction, as `rackless link --egress/--ingress` */
static void test_link_direction(void **state)
{
	struct scenario *s =
	    load_ok(HEAD "  - link: {endpoint: h1:eth0, set: \"rate=1mbit\", direction: egress}\n"
			 "  - link: {endpoint: h1:eth0, set: \"delay=5ms\", direction: ingress}\n"
			 "  - link: {endpoint: h1:eth0, set: \"delay=5ms\", direction: both}\n"
			 "  - link: {endpoint: h1:eth0, set: \"state=down\", direction: both}\n");
	char desc[128];

	(void)state;
	assert_int_equal(s->steps[0].link_dir, 1);
	assert_int_equal(s->steps[1].link_dir, 2);
	assert_int_equal(s->steps[2].link_dir, 0);
	scenario_step_describe(&s->steps[0], desc, sizeof(desc));
	assert_string_equal(desc, "link h1:eth0 set rate=1mbit (egress)");
	scenario_free(s);
}

static void test_run_exit_default(void **state)
{
	struct scenario *s = load_ok(HEAD "  - run: {host: h1, cmd: nonexistentcmd}\n"
					  "  - run: {host: h1, cmd: \"exit 3\", expect_exit: 3}\n"
					  "  - run: {host: h1, cmd: \"sleep 9\", background: true}\n");

	(void)state;
	assert_true(s->steps[0].has_expect_exit);
	assert_int_equal(s->steps[0].expect_exit, 0);
	assert_true(scenario_step_is_assertion(&s->steps[0]));
	assert_int_equal(s->steps[1].expect_exit, 3);
	assert_false(s->steps[2].has_expect_exit);
	assert_false(scenario_step_is_assertion(&s->steps[2]));
	scenario_free(s);
}

/* A topology file that cannot be read is reported where the scenario names
 * it; a directory given as the scenario says so. */
static void test_unreadable(void **state)
{
	static const char text[] = "name: q\ntopology: nonexist.yaml\nsteps:\n  - wait: 1s\n";
	struct scenario *s = NULL;
	struct topo_diags d;
	struct topo *t = NULL;

	(void)state;
	assert_int_equal(
	    scenario_load_buffer("/nonexistent-rl/s.yaml", text, strlen(text), &s, &d), 0);
	assert_int_equal(scenario_load_topology(s, NULL, &t, &d), -ENOENT);
	assert_null(t);
	assert_string_equal(d.file, "/nonexistent-rl/s.yaml");
	assert_int_equal(d.d[0].mark.line, 2);
	assert_int_equal(d.d[0].mark.col, 11);
	assert_non_null(strstr(d.d[0].msg, "nonexist.yaml"));
	assert_non_null(strstr(d.d[0].msg, "No such file"));
	scenario_free(s);

	assert_int_equal(scenario_load_file("/tmp", &s, &d), -EISDIR);
	assert_null(s);
	assert_non_null(strstr(d.d[0].msg, "Is a directory"));
}

/* libyaml is quadratic in flow nesting: a scenario deeper than 64 levels
 * is refused as quickly as a topology would be (200 kB of '[' took 85 s). */
static void test_nesting(void **state)
{
	size_t n = 200000, h = strlen(HEAD "  - wait: ");
	char *buf = malloc(h + n + 1);

	(void)state;
	assert_non_null(buf);
	memcpy(buf, HEAD "  - wait: ", h);
	memset(buf + h, '[', n);
	buf[h + n] = '\0';
	load_bad(buf, 4, 72, "nesting deeper than 64 levels"); /* with 3 levels above */
	free(buf);
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
	    {SCENARIO_PASS, 0.1, "1 pair"},
	    {SCENARIO_FAIL, 0.2, "1 of 1 pairs got a reply: h1->h2 <\"&'>"},
	    {SCENARIO_ERROR, 1.0, "timed out \xe2\x9c\x93 \xe2\x9c"},
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
	/* a passing case carries what the step said */
	assert_non_null(strstr(buf, "name=\"[2] reach h1 -&gt; h2\" time=\"0.100\">\n"
				    "      <system-out>1 pair</system-out>\n    </testcase>\n"));
	assert_non_null(strstr(buf, "<failure message=\"1 of 1 pairs got a reply: h1-&gt;h2 "
				    "&lt;&quot;&amp;&apos;&gt;\"/>"));
	/* whole characters pass, a cut one does not (XML must be UTF-8) */
	assert_non_null(strstr(buf, "<error message=\"timed out \xe2\x9c\x93 ??\"/>"));
	assert_non_null(strstr(buf, "<skipped/>"));
	assert_null(strstr(buf, "[1] wait")); /* not an assertion */
	assert_null(strstr(buf, "<property")); /* no seed */
	free(buf);

	/* the seed a run used is in its report, to replay it */
	s->has_seed = 1;
	s->seed = 18446744073709551615ull;
	f = open_memstream(&buf, &len);
	assert_int_equal(scenario_junit_fprint(f, s, r, 2.5), 0);
	fclose(f);
	assert_non_null(strstr(buf, "<properties>\n      <property name=\"seed\" "
				    "value=\"18446744073709551615\"/>\n    </properties>\n"));
	free(buf);
	scenario_free(s);
}

/* A report replaces the file whole (written beside it, renamed over it),
 * and a path that cannot be written is an error. */
static void test_junit_atomic(void **state)
{
	char dir[] = "/tmp/rl-junit-XXXXXX", path[64], text[512] = "";
	FILE *f;
	size_t n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/r.xml", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("<testsuite tests=\"1\" failures=\"0\" errors=\"0\"/> stale pass", f);
	fclose(f);
	assert_int_equal(scenario_junit_write_error(path, "s", "run", "did not complete", 0), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	assert_non_null(strstr(text, "errors=\"1\""));
	assert_non_null(strstr(text, "<error message=\"did not complete\"/>"));
	assert_null(strstr(text, "stale"));
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0); /* nothing else was left in it */
	snprintf(path, sizeof(path), "%s/r.xml", dir);
	assert_int_equal(scenario_junit_write_error(path, "s", "run", "x", 0), -ENOENT);
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
	    "name: x\ntopology: t\nsteps:\n  - capture: []\n  - freeze: {a: b}\n",
	    "name: x\ntopology: t\nsteps:\n  - expect: {capture: [x], traffic: {}}\n",
	    "name: x\ntopology: t\nsteps:\n  - traffic: {name: t, kind: [ping], from: [h1]}\n"
	    "  - stop: [t]\n  - thaw: []\n  - capture: {name: c, endpoint: a:b, filter: [x]}\n",
	    "name: x\ntopology: {generate: [1]}\nsteps:\n  - expect: {traffic: t, min: 1}\n",
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

/* capture, stop, traffic, expect, freeze, thaw: what loads into the step */
static void test_streams_valid(void **state)
{
	struct scenario *s = load_ok(
	    HEAD
	    "  - capture: {name: c1, endpoint: h1:eth0, filter: \"icmp or arp\", snaplen: 128, "
	    "keep: true}\n"
	    "  - traffic: {name: t1, kind: iperf, from: h1, to: h2, seconds: 8, udp: true, "
	    "rate: 10mbit, streams: 2}\n"
	    "  - traffic: {name: p1, kind: ping, from: h2, to: h1, seconds: 3, interval: 20ms}\n"
	    "  - traffic: {name: t2, kind: iperf, from: h2, to: h1, congestion: reno, omit: 2}\n"
	    "  - freeze: [h1, h2]\n"
	    "  - thaw: h1\n"
	    "  - stop: c1\n"
	    "  - expect: {capture: c1, filter: \"icmp[icmptype] == icmp-echo\", min: 3, max: 9}\n"
	    "  - expect: {traffic: t1, min_mbit: 9, max_mbit: 11, max_loss: 1%}\n"
	    "  - expect: {traffic: p1, max_loss: 5%, max_lost: 2, max_gap: 500ms, "
	    "max_rtt_p50: 2ms}\n"
	    "  - expect: {traffic: t2}\n"
	    "  - thaw: h2\n");
	const struct scenario_step *st = s->steps;
	char desc[200];

	(void)state;
	assert_int_equal(s->n_steps, 12);
	assert_int_equal(st[0].type, SCENARIO_CAPTURE);
	assert_string_equal(st[0].name, "c1");
	assert_string_equal(st[0].endpoint, "h1:eth0");
	assert_string_equal(st[0].filter, "icmp or arp");
	assert_int_equal(st[0].snaplen, 128);
	assert_true(st[0].keep);
	assert_false(scenario_step_is_assertion(&st[0]));
	scenario_step_describe(&st[0], desc, sizeof(desc));
	assert_string_equal(desc, "capture c1 on h1:eth0: icmp or arp");

	assert_int_equal(st[1].type, SCENARIO_TRAFFIC);
	assert_int_equal(st[1].kind, SCENARIO_TRAFFIC_IPERF);
	assert_string_equal(st[1].from[0].name, "h1");
	assert_string_equal(st[1].to[0].name, "h2");
	assert_int_equal(st[1].seconds, 8);
	assert_true(st[1].udp);
	assert_int_equal(st[1].rate_bps, 10000000);
	assert_int_equal(st[1].streams, 2);
	scenario_step_describe(&st[1], desc, sizeof(desc));
	assert_string_equal(desc, "traffic t1: iperf udp h1 -> h2, 8 s");

	assert_int_equal(st[2].kind, SCENARIO_TRAFFIC_PING);
	assert_int_equal(st[2].ns, 20000000ull);
	assert_int_equal(st[2].seconds, 3);
	assert_string_equal(st[3].congestion, "reno");
	assert_int_equal(st[3].omit, 2);
	assert_int_equal(st[3].seconds, 5); /* default */
	assert_false(st[3].udp);

	assert_int_equal(st[4].type, SCENARIO_FREEZE);
	assert_int_equal(st[4].n_from, 2);
	assert_string_equal(st[4].from[1].name, "h2");
	assert_int_equal(st[5].type, SCENARIO_THAW);
	scenario_step_describe(&st[4], desc, sizeof(desc));
	assert_string_equal(desc, "freeze h1,h2");

	assert_int_equal(st[6].type, SCENARIO_STOP);
	assert_int_equal(st[6].ref, 0);
	assert_false(scenario_step_is_assertion(&st[6]));

	assert_int_equal(st[7].type, SCENARIO_EXPECT);
	assert_int_equal(st[7].ref, 0);
	assert_string_equal(st[7].filter, "icmp[icmptype] == icmp-echo");
	assert_true(st[7].has_min && st[7].has_max);
	assert_int_equal(st[7].min, 3);
	assert_int_equal(st[7].max, 9);
	assert_true(scenario_step_is_assertion(&st[7]));

	assert_int_equal(st[8].ref, 1);
	assert_true(st[8].has_min_mbit && st[8].has_max_mbit && st[8].has_max_loss);
	assert_true(st[8].max_loss > 0.0099 && st[8].max_loss < 0.0101);

	assert_int_equal(st[9].ref, 2);
	assert_true(st[9].has_max_lost && st[9].has_max_gap && st[9].has_max_rtt_p50);
	assert_int_equal(st[9].max_lost, 2);
	assert_int_equal(st[9].max_gap, 500000000ull);
	assert_int_equal(st[9].max_rtt_p50, 2000000ull);
	assert_int_equal(st[10].ref, 3);
	assert_true(scenario_step_is_assertion(&st[10])); /* the stream ends cleanly */
	scenario_free(s);
}

/* Names and order are checked at load, each error at its place. */
static void test_streams_errors(void **state)
{
	(void)state;
	/* a stop or an expect naming nothing before it */
	load_bad(HEAD "  - stop: c1\n", 4, 11, "no capture or traffic named 'c1' before this step");
	load_bad(HEAD "  - expect: {traffic: t9, min_mbit: 1}\n"
		      "  - traffic: {name: t9, kind: ping, from: h1, to: h2}\n",
		 4, 23, "no capture or traffic named 't9'");
	/* names */
	load_bad(HEAD "  - capture: {name: c1, endpoint: h1:eth0}\n"
		      "  - traffic: {name: c1, kind: ping, from: h1, to: h2}\n",
		 5, 21, "name 'c1' is already used (line 4)");
	load_bad(HEAD "  - capture: {name: \"c 1\", endpoint: h1:eth0}\n", 4, 21, "bad name 'c 1'");
	load_bad(HEAD "  - capture: {endpoint: h1:eth0}\n", 4, 5, "capture step needs 'name'");
	/* order */
	load_bad(HEAD "  - capture: {name: c1, endpoint: h1:eth0}\n  - stop: c1\n  - stop: c1\n", 6,
		 11, "capture 'c1' is already stopped");
	load_bad(HEAD "  - capture: {name: c1, endpoint: h1:eth0}\n"
		      "  - expect: {capture: c1, min: 1}\n",
		 5, 23, "capture 'c1' is still running here: stop it first");
	load_bad(HEAD "  - traffic: {name: t1, kind: ping, from: h1, to: h2}\n  - stop: t1\n", 5,
		 11, "'t1' is a traffic stream");
	load_bad(HEAD "  - traffic: {name: t1, kind: ping, from: h1, to: h2}\n"
		      "  - expect: {capture: t1, min: 1}\n",
		 5, 23, "'t1' is a traffic stream (expect: {traffic: t1");
	load_bad(HEAD "  - capture: {name: c1, endpoint: h1:eth0}\n  - stop: c1\n"
		      "  - expect: {traffic: c1}\n",
		 6, 23, "'c1' is a capture");
	load_bad(HEAD "  - thaw: h1\n", 4, 11, "host h1 is not frozen here (freeze: h1 first)");
	load_bad(HEAD "  - freeze: h1\n  - freeze: [h2, h1]\n", 5, 18, "host h1 is already frozen");
	load_bad(HEAD "  - freeze: [h1, h1]\n", 4, 13, "host h1 is named twice");
	/* values */
	load_bad(HEAD "  - capture: {name: c1, endpoint: h1:eth0, filter: \"tcp port http-ish\"}\n",
		 4, 52, "bad filter 'tcp port http-ish'");
	load_bad(HEAD "  - capture: {name: c1, endpoint: h1:eth0, snaplen: 10}\n", 4, 53,
		 "bad value '10'");
	load_bad(HEAD "  - capture: {name: c1, endpoint: h1}\n", 4, 35, "bad endpoint 'h1'");
	load_bad(HEAD "  - traffic: {name: t1, kind: udp, from: h1, to: h2}\n", 4, 31,
		 "bad kind 'udp' (iperf or ping)");
	load_bad(HEAD "  - traffic: {name: t1, kind: iperf, from: h1, to: h2, rate: fast}\n", 4, 62,
		 "bad rate 'fast'");
	load_bad(HEAD
		 "  - traffic: {name: t1, kind: iperf, from: h1, to: h2, congestion: \"x y\"}\n",
		 4, 68, "bad congestion control 'x y'");
	load_bad(HEAD "  - traffic: {name: t1, kind: iperf, from: h1, to: h1}\n", 4, 52,
		 "a stream from h1 to itself");
	load_bad(HEAD "  - traffic: {name: t1, kind: ping, from: h1, to: h2, interval: 1ms}\n", 4,
		 65, "interval must be 2ms..10s");
	/* keys of the other kind */
	load_bad(HEAD "  - traffic: {name: t1, kind: ping, from: h1, to: h2, udp: true}\n", 4, 55,
		 "'udp' is only for iperf streams");
	load_bad(HEAD "  - traffic: {name: t1, kind: iperf, from: h1, to: h2, interval: 1s}\n", 4,
		 56, "'interval' is only for ping streams");
	load_bad(HEAD "  - traffic: {name: t1, kind: iperf, from: h1, to: h2, udp: true, "
		      "congestion: reno}\n",
		 4, 67, "'congestion' is only for TCP streams");
	load_bad(HEAD "  - traffic: {name: t1, kind: iperf, from: h1, to: h2}\n"
		      "  - expect: {traffic: t1, max_loss: 1%}\n",
		 5, 27, "'max_loss' is only for UDP iperf streams and ping");
	load_bad(HEAD "  - traffic: {name: t1, kind: iperf, from: h1, to: h2}\n"
		      "  - expect: {traffic: t1, max_gap: 1s}\n",
		 5, 27, "'max_gap' is only for ping streams");
	load_bad(HEAD "  - traffic: {name: p1, kind: ping, from: h1, to: h2}\n"
		      "  - expect: {traffic: p1, min_mbit: 1}\n",
		 5, 27, "'min_mbit' is only for iperf streams");
	load_bad(HEAD "  - capture: {name: c1, endpoint: h1:eth0}\n  - stop: c1\n"
		      "  - expect: {capture: c1, max_gap: 1s}\n",
		 6, 27, "'max_gap' is only for traffic");
	load_bad(HEAD "  - capture: {name: c1, endpoint: h1:eth0}\n  - stop: c1\n"
		      "  - expect: {capture: c1}\n",
		 6, 5, "expect on a capture needs 'min' or 'max'");
	load_bad(HEAD "  - expect: {min: 1}\n", 4, 5, "exactly one of 'capture' and 'traffic'");
	load_bad(HEAD "  - capture: {name: c1, endpoint: h1:eth0}\n  - stop: c1\n"
		      "  - expect: {capture: c1, filter: \"ip proto nosuch\", min: 1}\n",
		 6, 35, "bad filter");
}

/* The topology written in the scenario: the same lab as from a file, and
 * its errors at the scenario's own lines. */
static void test_inline_topology(void **state)
{
	static const char text[] = "name: inl\n"
				   "seed: 3\n"
				   "topology:\n"
				   "  defaults: {subnet: 10.0.0.0/24}\n"
				   "  nodes:\n"
				   "    sw1: {kind: switch}\n"
				   "    h1: {kind: host}\n"
				   "    h2: {kind: host}\n"
				   "  links:\n"
				   "    - endpoints: [h1:eth0, sw1:p1]\n"
				   "    - endpoints: [h2:eth0, sw1:p2]\n"
				   "      params: {delay: 5ms}\n"
				   "steps:\n"
				   "  - reach: {from: h1, to: h2}\n"
				   "  - capture: {name: c, endpoint: sw1:p2}\n";
	struct topo *t = NULL, *f = NULL;
	struct topo_diags d, fd;
	struct scenario *s = load_ok(text);

	(void)state;
	assert_int_equal(s->topo_kind, SCENARIO_TOPO_INLINE);
	assert_int_equal(scenario_load_topology(s, "lab2", &t, &d), 0);
	assert_string_equal(t->name, "lab2");
	assert_string_equal(t->file, "s.yaml");
	assert_true(t->has_seed);
	assert_int_equal(t->seed, 3);
	assert_int_equal(topo_load_buffer("t.yaml", topo_yaml, strlen(topo_yaml), &f, &fd), 0);
	assert_int_equal(t->n_nodes, f->n_nodes);
	assert_int_equal(t->n_links, f->n_links);
	for (unsigned i = 0; i < t->n_nodes; i++) {
		assert_string_equal(t->nodes[i].name, f->nodes[i].name);
		assert_int_equal(t->nodes[i].ip.addr, f->nodes[i].ip.addr);
	}
	assert_int_equal(t->links[1].params[TOPO_DIR_TO_HOST].delay_ns, 5000000ull);
	memset(&d, 0, sizeof(d));
	assert_int_equal(scenario_check(s, t, &d), 0);
	topo_free(t);
	topo_free(f);
	scenario_free(s);

	/* a generator mapping inline, with defaults */
	s = load_ok("name: g\ntopology:\n  defaults: {subnet: 10.9.0.0/16}\n"
		    "  generate: {type: star, hosts: 3}\nsteps:\n  - reach: {from: h1, to: h3}\n");
	assert_int_equal(s->topo_kind, SCENARIO_TOPO_INLINE);
	assert_int_equal(scenario_load_topology(s, NULL, &t, &d), 0);
	assert_string_equal(t->name, "g");
	assert_int_equal(t->nodes[topo_node_find(t, "h1")].ip.addr, 0x0a090001);
	topo_free(t);
	scenario_free(s);

	/* errors inside it: the scenario file's positions */
	s = load_ok("name: e\ntopology:\n  nodes:\n    sw1: {kind: switch}\n    h1: {kind: hots}\n"
		    "  links:\n    - endpoints: [h1:eth0, sw9:p1]\nsteps:\n  - wait: 1s\n");
	assert_int_equal(scenario_load_topology(s, NULL, &t, &d), -EINVAL);
	assert_null(t);
	assert_string_equal(d.file, "s.yaml");
	assert_true(d.n >= 2);
	assert_int_equal(d.d[0].mark.line, 5);
	assert_int_equal(d.d[0].mark.col, 16);
	assert_non_null(strstr(d.d[0].msg, "hots"));
	assert_int_equal(d.d[1].mark.line, 7);
	assert_non_null(strstr(d.d[1].msg, "sw9"));
	scenario_free(s);
	s = load_ok("name: e\ntopology: {colour: red}\nsteps:\n  - wait: 1s\n");
	assert_int_equal(scenario_load_topology(s, NULL, &t, &d), -EINVAL);
	assert_int_equal(d.d[0].mark.line, 2);
	assert_int_equal(d.d[0].mark.col, 12);
	assert_non_null(strstr(d.d[0].msg, "colour"));
	scenario_free(s);
	/* the generator spec string form is still a spec */
	s = load_ok("name: g\ntopology: {generate: \"star,2\"}\nsteps:\n  - wait: 1s\n");
	assert_int_equal(s->topo_kind, SCENARIO_TOPO_GENERATE);
	scenario_free(s);
}

/* Names the topology lacks, and captures where nothing can be seen, are
 * errors before anything starts. */
static void test_streams_names(void **state)
{
	static const char topo2[] = "name: t\n"
				    "topology:\n"
				    "  defaults: {subnet: 10.0.0.0/24}\n"
				    "  nodes:\n"
				    "    sw1: {kind: switch}\n"
				    "    sw2: {kind: switch}\n"
				    "    h1: {kind: host}\n"
				    "    h2: {kind: host, port: tap}\n"
				    "    h3: {kind: host}\n"
				    "  links:\n"
				    "    - endpoints: [h1:eth0, sw1:p1]\n"
				    "    - endpoints: [h2:eth0, sw1:p2]\n"
				    "    - endpoints: [sw1:p3, sw2:p1]\n";
	struct scenario *s = load_ok(HEAD "  - capture: {name: a, endpoint: sw1:p1}\n"
					  "  - capture: {name: b, endpoint: sw1:p2}\n"
					  "  - capture: {name: c, endpoint: sw1:p3}\n"
					  "  - capture: {name: d, endpoint: h2:eth0}\n"
					  "  - capture: {name: e, endpoint: h3:eth0}\n"
					  "  - traffic: {name: t, kind: ping, from: h1, to: h3}\n"
					  "  - traffic: {name: u, kind: iperf, from: h9, to: h1}\n"
					  "  - freeze: [h1, sw2]\n");
	struct topo_diags td, d;
	struct topo *t = NULL;

	(void)state;
	assert_int_equal(topo_load_buffer("t.yaml", topo2, strlen(topo2), &t, &td), 0);
	memset(&d, 0, sizeof(d));
	assert_int_equal(scenario_check(s, t, &d), -EINVAL);
	assert_int_equal(d.n, 6);
	/* sw1:p1 (afpacket) and h2:eth0 (a tap, on the host side) are fine */
	assert_int_equal(d.d[0].mark.line, 5);
	assert_int_equal(d.d[0].mark.col, 34);
	assert_non_null(strstr(d.d[0].msg, "only afpacket ports"));
	assert_non_null(strstr(d.d[0].msg, "capture on h2:eth0"));
	assert_int_equal(d.d[1].mark.line, 6);
	assert_non_null(strstr(d.d[1].msg, "cannot capture on trunk port 'sw1:p3'"));
	assert_int_equal(d.d[2].mark.line, 8);
	assert_string_equal(d.d[2].msg, "unknown endpoint 'h3:eth0'");
	assert_int_equal(d.d[3].mark.line, 9);
	assert_string_equal(d.d[3].msg, "host 'h3' has no address to send to");
	assert_int_equal(d.d[4].mark.line, 10);
	assert_string_equal(d.d[4].msg, "unknown host 'h9'");
	assert_int_equal(d.d[5].mark.line, 11);
	assert_int_equal(d.d[5].mark.col, 18);
	assert_string_equal(d.d[5].msg, "unknown host 'sw2'");
	topo_free(t);
	scenario_free(s);
}

/* family: 4 or 6 on reach, ping, iperf and traffic, the scenario's as
 * their default; a bad one at its value; an address where a host name goes
 * says how to get one. */
static void test_family_parse(void **state)
{
	struct scenario *s =
	    load_ok("name: x\ntopology: t.yaml\nfamily: 6\nsteps:\n"
		    "  - reach: {from: h1, to: h2}\n"
		    "  - ping: {from: h1, to: h2, family: 4}\n"
		    "  - iperf: {client: h1, server: h2, family: \"6\"}\n"
		    "  - traffic: {name: t, kind: ping, from: h1, to: h2, family: 4}\n");

	(void)state;
	assert_int_equal(s->family, 6);
	assert_int_equal(s->steps[0].family, 6);
	assert_int_equal(s->steps[1].family, 4);
	assert_int_equal(s->steps[2].family, 6);
	assert_int_equal(s->steps[3].family, 4);
	scenario_free(s);
	s = load_ok(HEAD "  - ping: {from: h1, to: h2}\n");
	assert_int_equal(s->steps[0].family, 0); /* each target's */
	scenario_free(s);

	load_bad(HEAD "  - ping: {from: h1, to: h2, family: 5}\n", 4, 38, "bad family '5'");
	load_bad(HEAD "  - reach: {from: h1, to: h2, family: ipv6}\n", 4, 39,
		 "bad family 'ipv6' for reach step (4 or 6");
	load_bad(HEAD "  - iperf: {client: h1, server: h2, family: [6]}\n", 4, 45, "");
	load_bad(HEAD "  - traffic: {name: t, kind: iperf, from: h1, to: h2, family: 0}\n", 4, 63,
		 "bad family '0'");
	load_bad("name: x\ntopology: t.yaml\nfamily: 46\nsteps:\n  - wait: 1s\n", 3, 9,
		 "bad family '46' for scenario");
	load_bad(HEAD "  - run: {host: h1, cmd: x, family: 6}\n", 4, 29, "unknown key 'family'");
	load_bad(HEAD "  - ping: {from: h1, to: fd57::2}\n", 4, 26,
		 "bad host name 'fd57::2' for to: steps name hosts, not addresses (family: 4 or 6");
	load_bad(HEAD "  - reach: {from: [10.0.0.1], to: h2}\n", 4, 20,
		 "bad host name '10.0.0.1' for from: steps name hosts, not addresses");
}

static struct topo *topo_of(const char *yaml)
{
	struct topo_diags td;
	struct topo *t = NULL;
	int ret = topo_load_buffer("t.yaml", yaml, strlen(yaml), &t, &td);

	if (ret < 0)
		topo_diags_print(&td, stderr);
	assert_int_equal(ret, 0);
	return t;
}

static const char topo_v6only[] = "name: t\n"
				  "topology:\n"
				  "  defaults: {subnet6: \"fd57::/64\"}\n"
				  "  nodes:\n"
				  "    sw1: {kind: switch}\n"
				  "    h1: {kind: host}\n"
				  "    h2: {kind: host}\n"
				  "    h3: {kind: host}\n"
				  "  links:\n"
				  "    - endpoints: [h1:eth0, sw1:p1]\n"
				  "    - endpoints: [h2:eth0, sw1:p2]\n"
				  "    - endpoints: [h3:eth0, sw1:p3]\n";

/* An IPv6-only lab needs no key: every target is sent to over IPv6, the
 * step says so, and its address is the host's ip6. */
static void test_family_v6only(void **state)
{
	struct scenario *s = load_ok(HEAD "  - reach: {from: [h1, h2, h3], to: [h1, h2, h3]}\n"
					  "  - ping: {from: h1, to: h2}\n"
					  "  - traffic: {name: t, kind: iperf, from: h2, to: h3}\n"
					  "  - traffic: {name: p, kind: ping, from: h2, to: h1}\n"
					  "  - iperf: {client: h1, server: h2, family: 6}\n");
	struct topo *t = topo_of(topo_v6only);
	struct topo_diags d;
	char buf[200];

	(void)state;
	memset(&d, 0, sizeof(d));
	if (scenario_check(s, t, &d) < 0)
		topo_diags_print(&d, stderr);
	assert_int_equal(d.n, 0);
	for (unsigned i = 0; i < s->n_steps; i++)
		for (unsigned k = 0; k < s->steps[i].n_to; k++)
			assert_int_equal(s->steps[i].to[k].family, 6);
	scenario_step_describe(&s->steps[0], buf, sizeof(buf));
	assert_string_equal(buf, "reach h1,h2,h3 -> h1,h2,h3 (IPv6)");
	scenario_step_describe(&s->steps[1], buf, sizeof(buf));
	assert_string_equal(buf, "ping h1 -> h2 (IPv6)");
	scenario_step_describe(&s->steps[2], buf, sizeof(buf));
	assert_string_equal(buf, "traffic t: iperf h2 -> h3 (IPv6), 5 s");
	assert_int_equal(scenario_host_addr(t, "h2", 6, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "fd57::2");
	assert_int_equal(scenario_host_addr(t, "h2", 4, buf, sizeof(buf)), -ENOENT);
	assert_string_equal(buf, "");
	assert_int_equal(scenario_host_addr(t, "h9", 6, buf, sizeof(buf)), -ENOENT);
	scenario_free(s);

	/* IPv4 asked for where there is none: at the target */
	s = load_ok(HEAD "  - ping: {from: h1, to: h2, family: 4}\n"
			 "  - reach: {from: h1, to: [h2, h3], family: 4}\n");
	memset(&d, 0, sizeof(d));
	assert_int_equal(scenario_check(s, t, &d), -EINVAL);
	assert_int_equal(d.n, 3); /* not the sender too: no pair to send */
	assert_int_equal(d.d[0].mark.line, 4);
	assert_int_equal(d.d[0].mark.col, 26);
	assert_string_equal(d.d[0].msg, "host 'h2' has no IPv4 address to send to (family: 4)");
	assert_int_equal(d.d[1].mark.line, 5);
	assert_int_equal(d.d[1].mark.col, 28);
	assert_int_equal(d.d[2].mark.col, 32);
	assert_string_equal(d.d[2].msg, "host 'h3' has no IPv4 address to send to (family: 4)");
	topo_free(t);
	scenario_free(s);
}

static const char topo_dual[] = "name: t\n"
				"topology:\n"
				"  nodes:\n"
				"    sw1: {kind: switch}\n"
				"    h1: {kind: host, ip: 10.0.0.1/24, ip6: \"fd58::1/64\"}\n"
				"    h2: {kind: host, ip: 10.0.0.2/24, ip6: \"fd58::2/64\"}\n"
				"    h3: {kind: host, ip: 10.0.0.30/24}\n"
				"    h4: {kind: host, ip6: \"fd58::40/64\"}\n"
				"  links:\n"
				"    - endpoints: [h1:eth0, sw1:p1]\n"
				"    - endpoints: [h2:eth0, sw1:p2]\n"
				"    - endpoints: [h3:eth0, sw1:p3]\n"
				"    - endpoints: [h4:eth0, sw1:p4]\n";

/* Dual stack: IPv4 unless told (what steps always did), family: 6 (on the
 * step or the scenario) for IPv6; a target without the family's address,
 * and a reach sender without it, are errors at their names; a ping's
 * sender needs no address (its exec commands may give it one). */
static void test_family_dual(void **state)
{
	struct scenario *s = load_ok(HEAD "  - ping: {from: h1, to: h2}\n"
					  "  - ping: {from: h1, to: h2, family: 6}\n"
					  "  - reach: {from: h1, to: [h2, h4]}\n"
					  "  - ping: {from: h4, to: h3}\n");
	struct topo *t = topo_of(topo_dual);
	struct topo_diags d;
	char buf[200];

	(void)state;
	memset(&d, 0, sizeof(d));
	assert_int_equal(scenario_check(s, t, &d), 0);
	assert_int_equal(s->steps[0].to[0].family, 4);
	assert_int_equal(s->steps[1].to[0].family, 6);
	assert_int_equal(s->steps[2].to[0].family, 4);
	assert_int_equal(s->steps[2].to[1].family, 6); /* h4 has IPv6 only */
	assert_int_equal(s->steps[3].to[0].family, 4); /* h4 sends, with no IPv4 */
	scenario_step_describe(&s->steps[0], buf, sizeof(buf));
	assert_string_equal(buf, "ping h1 -> h2"); /* as before */
	scenario_step_describe(&s->steps[1], buf, sizeof(buf));
	assert_string_equal(buf, "ping h1 -> h2 (IPv6)");
	scenario_step_describe(&s->steps[2], buf, sizeof(buf));
	assert_string_equal(buf, "reach h1 -> h2,h4 (IPv4+IPv6)");
	assert_int_equal(scenario_host_addr(t, "h2", 4, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "10.0.0.2");
	assert_int_equal(scenario_host_addr(t, "h2", 6, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "fd58::2");
	scenario_free(s);

	s = load_ok("name: x\ntopology: t.yaml\nfamily: 6\nsteps:\n"
		    "  - iperf: {client: h1, server: h3}\n"
		    "  - reach: {from: [h3, h4], to: h2}\n"
		    "  - reach: {from: [h4], to: [h1, h3]}\n"
		    "  - traffic: {name: t, kind: ping, from: h1, to: h4}\n");
	memset(&d, 0, sizeof(d));
	assert_int_equal(scenario_check(s, t, &d), -EINVAL);
	assert_int_equal(d.n, 3);
	assert_int_equal(d.d[0].mark.line, 5);
	assert_int_equal(d.d[0].mark.col, 33);
	assert_string_equal(d.d[0].msg, "host 'h3' has no IPv6 address to send to (family: 6)");
	assert_int_equal(d.d[1].mark.line, 6);
	assert_int_equal(d.d[1].mark.col, 20);
	assert_string_equal(d.d[1].msg, "host 'h3' has no IPv6 address to ping h2 from");
	assert_int_equal(d.d[2].mark.line, 7);
	assert_int_equal(d.d[2].mark.col, 34);
	assert_string_equal(d.d[2].msg, "host 'h3' has no IPv6 address to send to (family: 6)");
	assert_int_equal(s->steps[3].to[0].family, 6);
	scenario_free(s);

	/* no key: h3 is sent to over IPv4, which h4 cannot ping from */
	s = load_ok(HEAD "  - reach: {from: [h4], to: [h3]}\n");
	memset(&d, 0, sizeof(d));
	assert_int_equal(scenario_check(s, t, &d), -EINVAL);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.d[0].mark.col, 20);
	assert_string_equal(d.d[0].msg, "host 'h4' has no IPv4 address to ping h3 from "
					"(family: 4 or 6 picks one)");
	topo_free(t);
	scenario_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_nesting),	   cmocka_unit_test(test_streams_valid),
	    cmocka_unit_test(test_streams_errors), cmocka_unit_test(test_inline_topology),
	    cmocka_unit_test(test_streams_names),  cmocka_unit_test(test_partition),
	    cmocka_unit_test(test_valid),	   cmocka_unit_test(test_generate_and_defaults),
	    cmocka_unit_test(test_errors),	   cmocka_unit_test(test_unknown_names),
	    cmocka_unit_test(test_topology_file),  cmocka_unit_test(test_junit),
	    cmocka_unit_test(test_junit_atomic),
	    cmocka_unit_test(test_run_exit_default),
	    cmocka_unit_test(test_link_direction), cmocka_unit_test(test_unreadable),
	    cmocka_unit_test(test_fuzzish),	   cmocka_unit_test(test_family_parse),
	    cmocka_unit_test(test_family_v6only),  cmocka_unit_test(test_family_dual),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
