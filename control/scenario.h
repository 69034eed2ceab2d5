/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scenarios: a topology plus a list of steps (wait, run a command in a host,
 * change a link, check reachability, ping, iperf, read a drop counter),
 * loaded from YAML (scenario_parse.c), run against a lab (scenario_run.c,
 * `rackless run`) and reported as JUnit XML (scenario_junit.c).
 *
 * Loading is pure data (no root): a scenario that loads and passes
 * scenario_check() against its topology is complete, and the runner carries
 * it out without re-checking names or values.
 */
#ifndef RL_SCENARIO_H
#define RL_SCENARIO_H

#include <stdint.h>
#include <stdio.h>

#include "topo.h"

#define SCENARIO_EP_MAX	   (2 * TOPO_NAME_MAX + TOPO_IFNAME_MAX) /* "node:if" */
#define SCENARIO_STEPS_MAX 1024
#define SCENARIO_HOSTS_MAX 256 /* names in one reach list */

enum scenario_step_type {
	SCENARIO_WAIT,
	SCENARIO_RUN,
	SCENARIO_LINK,
	SCENARIO_REACH,
	SCENARIO_PING,
	SCENARIO_IPERF,
	SCENARIO_COUNTER,
	SCENARIO_PARTITION,
	SCENARIO_HEAL,
};

enum scenario_link_op {
	SCENARIO_LINK_SET,
	SCENARIO_LINK_DOWN,
	SCENARIO_LINK_UP,
};

/* A host name as the scenario wrote it, and where. */
struct scenario_name {
	char name[TOPO_NAME_MAX];
	struct topo_mark mark;
};

struct scenario_step {
	enum scenario_step_type type;
	struct topo_mark mark; /* the step's type key */

	/* wait: duration; run: timeout (default 30 s); ping: interval */
	uint64_t ns;

	/* Hosts. run: from[0] is the host. reach: both lists. ping: from[0]
	 * -> to[0]. iperf: from[0] is the client, to[0] the server. */
	struct scenario_name *from, *to;
	unsigned n_from, n_to;

	/* run */
	char *cmd;
	int background;
	int has_expect_exit, expect_exit;
	char *expect_output; /* a substring of stdout+stderr; NULL: none */

	/* link and counter */
	char endpoint[SCENARIO_EP_MAX];
	struct topo_mark ep_mark;
	enum scenario_link_op link_op;
	char *set; /* link set: "key=value key=value" */

	/* reach */
	int expect;

	/* ping */
	unsigned count;
	int has_max_loss;
	double max_loss; /* 0..1 */
	int has_max_rtt_p50;
	uint64_t max_rtt_p50; /* ns */

	/* iperf */
	unsigned seconds;
	int has_min_mbit, has_max_mbit;
	double min_mbit, max_mbit;

	/* partition: group[k] (1-based) of host from[k] */
	unsigned *group;

	/* counter */
	int dir_out; /* link-show direction: 0 "in", 1 "out" */
	char drop[32];
	int has_min, has_max;
	long long min, max;
};

enum scenario_topo_kind {
	SCENARIO_TOPO_FILE,	/* topo_arg: a path, relative to the scenario */
	SCENARIO_TOPO_GENERATE, /* topo_arg: a spec for topo_generate_spec() */
};

struct scenario {
	char name[TOPO_NAME_MAX];
	char *file; /* what diagnostics call the scenario file (owned) */
	enum scenario_topo_kind topo_kind;
	char *topo_arg;
	struct topo_mark topo_mark;
	int has_seed;
	uint64_t seed;
	struct scenario_step *steps;
	unsigned n_steps;
};

/* Load a scenario (structure, keys, values; not the topology). 0 and a new
 * scenario in *out, -EINVAL with diagnostics, or -errno (file unreadable:
 * one diagnostic without position). */
int scenario_load_file(const char *path, struct scenario **out, struct topo_diags *d);
int scenario_load_buffer(const char *name, const char *buf, size_t len, struct scenario **out,
			 struct topo_diags *d);
void scenario_free(struct scenario *s);

/* Load the scenario's topology as lab 'lab' (NULL: the scenario's name),
 * applying the scenario's seed. The topology's own diagnostics are in d
 * (its file name), a bad generator spec is reported at the 'topology' key. */
int scenario_load_topology(const struct scenario *s, const char *lab, struct topo **out,
			   struct topo_diags *d);

/* Every host and endpoint a step names exists in t (and every host a step
 * sends to has an address). 0 or -EINVAL with diagnostics at the name. */
int scenario_check(const struct scenario *s, const struct topo *t, struct topo_diags *d);

/* 1 if the step is an assertion (a JUnit test case). */
int scenario_step_is_assertion(const struct scenario_step *st);

/* One line describing the step: "ping h1 -> h2", "reach h1,h2 -> h3". */
void scenario_step_describe(const struct scenario_step *st, char *buf, size_t len);

/* ---- results and JUnit ------------------------------------------------ */

enum scenario_status {
	SCENARIO_NOT_RUN = 0,
	SCENARIO_PASS,
	SCENARIO_FAIL,	/* an assertion did not hold */
	SCENARIO_ERROR, /* the step could not be carried out */
	SCENARIO_SKIP,	/* not run: an earlier step erred, or interrupted */
};

struct scenario_result {
	enum scenario_status status;
	double secs;
	char msg[512];
};

/* Write JUnit XML for results (one per step) to path. 0 or -errno. */
int scenario_junit_write(const char *path, const struct scenario *s,
			 const struct scenario_result *r, double total_secs);
/* The same to a stream (tests). */
int scenario_junit_fprint(FILE *f, const struct scenario *s, const struct scenario_result *r,
			  double total_secs);

#endif
