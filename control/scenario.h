/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scenarios: a topology plus a list of steps (wait, run a command in a host,
 * change a link, check reachability, ping, iperf, read a drop counter,
 * partition and heal, capture to a pcap file, freeze and thaw a host, start
 * background traffic, assert on a capture or on traffic), loaded from YAML
 * (scenario_parse.c, steps in scenario_steps.c and scenario_streams.c), run
 * against a lab (scenario_run.c, `rackless run`, with scenario_capture.c,
 * scenario_freeze.c and scenario_traffic.c) and reported as JUnit XML
 * (scenario_junit.c).
 *
 * Loading is pure data (no root): a scenario that loads and passes
 * scenario_check() against its topology is complete, and the runner carries
 * it out without re-checking names or values. Names a scenario gives
 * (captures, traffic streams) and the order of their steps (stop after
 * capture, expect after start, thaw after freeze) are checked at load.
 */
#ifndef RL_SCENARIO_H
#define RL_SCENARIO_H

#include <stdint.h>
#include <stdio.h>

#include "topo.h"

#define SCENARIO_EP_MAX	   (2 * TOPO_NAME_MAX + TOPO_IFNAME_MAX) /* "node:if" */
#define SCENARIO_STEPS_MAX 1024
#define SCENARIO_HOSTS_MAX 256 /* names in one reach list */
#define SCENARIO_SNAPLEN   262144

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
	SCENARIO_CAPTURE, /* start a capture (background) */
	SCENARIO_STOP,	  /* stop a capture */
	SCENARIO_TRAFFIC, /* start a traffic stream (background) */
	SCENARIO_EXPECT,  /* assert on a stopped capture or on a stream */
	SCENARIO_FREEZE,
	SCENARIO_THAW,
};

enum scenario_traffic_kind {
	SCENARIO_TRAFFIC_IPERF, /* an iperf3 client and server */
	SCENARIO_TRAFFIC_PING,	/* a ping stream */
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
	/* a target's (reach, ping, iperf, traffic 'to'): the address family
	 * it is sent to over, 4 or 6, set by scenario_check(); 0 before */
	int family;
};

struct scenario_step {
	enum scenario_step_type type;
	struct topo_mark mark; /* the step's type key */

	/* wait: duration; run: timeout (default 30 s); ping and ping
	 * traffic: interval */
	uint64_t ns;

	/* Hosts. run: from[0] is the host. reach: both lists. ping: from[0]
	 * -> to[0]. iperf: from[0] is the client, to[0] the server. traffic:
	 * from[0] -> to[0]. freeze, thaw: the hosts in from. */
	struct scenario_name *from, *to;
	unsigned n_from, n_to;

	/* run */
	char *cmd;
	int background;
	int has_expect_exit, expect_exit;
	char *expect_output; /* a substring of stdout+stderr; NULL: none */

	/* link, counter and capture */
	char endpoint[SCENARIO_EP_MAX];
	struct topo_mark ep_mark;
	enum scenario_link_op link_op;
	char *set;	/* link set: "key=value key=value" */
	int link_dir;	/* link set: 0 both ways, 1 egress, 2 ingress (the
			 * endpoint's, as `rackless link --egress/--ingress`) */

	/* reach */
	int expect;

	/* reach, ping, iperf, traffic: the targets' address family, 4 or 6
	 * ('family'; else the scenario's), or 0: a target's IPv4 address if
	 * it has one, else its IPv6 one */
	int family;

	/* ping, and expect on a ping stream (max_loss also on UDP iperf) */
	unsigned count;
	int has_max_loss;
	double max_loss; /* 0..1 */
	int has_max_rtt_p50;
	uint64_t max_rtt_p50; /* ns */

	/* iperf and traffic: duration; iperf and expect: throughput bounds */
	unsigned seconds;
	int has_min_mbit, has_max_mbit;
	double min_mbit, max_mbit;

	/* capture and traffic: the name stop and expect use. stop and
	 * expect: the name, and ref, the index of the step that started it. */
	char name[TOPO_NAME_MAX];
	struct topo_mark name_mark;
	unsigned ref;

	/* capture: BPF filter (NULL: every frame), snaplen, keep the pcap
	 * after a passing run. expect on a capture: count only frames that
	 * match filter (NULL: all of them) against min/max. */
	char *filter;
	unsigned snaplen;
	int keep;

	/* traffic */
	enum scenario_traffic_kind kind;
	int udp;	     /* iperf: UDP instead of TCP */
	uint64_t rate_bps;   /* iperf -b; 0: iperf3's default */
	unsigned streams;    /* iperf -P */
	char congestion[16]; /* iperf -C: TCP congestion control; "": the host's */
	unsigned omit;	     /* iperf -O: seconds not counted (slow start), run
			      * before 'seconds' */

	/* expect on a ping stream: lost replies, the longest time between
	 * two replies (or from the start to the first, or from the last to
	 * the end) */
	int has_max_lost, has_max_gap;
	unsigned long long max_lost;
	uint64_t max_gap; /* ns */

	/* partition: group[k] (1-based) of host from[k] */
	unsigned *group;

	/* counter; and expect on a capture (a number of frames) */
	int dir_out; /* link-show direction: 0 "in", 1 "out" */
	char drop[32];
	int has_min, has_max;
	long long min, max;
};

enum scenario_topo_kind {
	SCENARIO_TOPO_FILE,	/* topo_arg: a path, relative to the scenario */
	SCENARIO_TOPO_GENERATE, /* topo_arg: a spec for topo_generate_spec() */
	SCENARIO_TOPO_INLINE,	/* topo_arg: the scenario file's text, whose
				 * 'topology' mapping is the topology */
};

struct scenario {
	char name[TOPO_NAME_MAX];
	char *file; /* what diagnostics call the scenario file (owned) */
	enum scenario_topo_kind topo_kind;
	char *topo_arg;
	size_t topo_len; /* inline: length of topo_arg */
	struct topo_mark topo_mark;
	int has_seed; /* the file's, or (rackless run) the seed the run used */
	uint64_t seed;
	int family; /* 'family': the steps' default, 4, 6, or 0 (each target's) */
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
 * (its file name; for an inline topology the scenario's file and
 * positions), a bad generator spec is reported at the 'topology' key. */
int scenario_load_topology(const struct scenario *s, const char *lab, struct topo **out,
			   struct topo_diags *d);

/* Every host and endpoint a step names exists in t (and every host a step
 * sends to has an address of the step's family, as do a reach's senders;
 * a switch-side capture is on a host link with an afpacket port, the only
 * kind with a kernel interface on the switch side). Sets each target's
 * family (struct scenario_name). 0 or -EINVAL with diagnostics at the
 * name. */
int scenario_check(struct scenario *s, const struct topo *t, struct topo_diags *d);

/* Host's address of family (4 or 6) as text, without prefix length:
 * "10.0.0.2", "fd00::2". 0, or -ENOENT (no such host, or no address of
 * that family: buf is ""). */
int scenario_host_addr(const struct topo *t, const char *host, int family, char *buf, size_t len);

/* 1 if the step is an assertion (a JUnit test case). */
int scenario_step_is_assertion(const struct scenario_step *st);

/* One line describing the step: "ping h1 -> h2", "reach h1,h2 -> h3". */
void scenario_step_describe(const struct scenario_step *st, char *buf, size_t len);

/* The host of a capture's endpoint, if it is a host interface (the capture
 * runs in the host's namespace): its index in t, or -1 (a switch port: the
 * capture runs on the switch-side end of the link, in the lab's fabric
 * namespace). */
int scenario_capture_host(const struct topo *t, const struct scenario_step *st);

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

/* Write JUnit XML for results (one per step) to path, with the seed as a
 * property when s has one. 0 or -errno. Every
 * writer replaces path atomically (a file beside it, renamed over it). */
int scenario_junit_write(const char *path, const struct scenario *s,
			 const struct scenario_result *r, double total_secs);
/* A report for a run whose lab did not come up: one errored testcase,
 * "[0] lab up", with msg (CI must not read an old report, or none, as a
 * pass). */
int scenario_junit_write_setup(const char *path, const struct scenario *s, const char *msg,
			       double total_secs);
/* The same for any suite name and testcase ("[0] what"): a scenario file
 * that does not load gets a report too. */
int scenario_junit_write_error(const char *path, const char *suite, const char *what,
			       const char *msg, double total_secs);
/* The same to a stream (tests). */
int scenario_junit_fprint(FILE *f, const struct scenario *s, const struct scenario_result *r,
			  double total_secs);

#endif
