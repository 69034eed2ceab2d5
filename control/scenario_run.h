/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside the scenario runner (`rackless run`): the state of one run and the
 * helpers its parts share. scenario_run.c drives the run (lab up, steps,
 * teardown, artifacts); scenario_proc.c starts and waits for processes in
 * hosts; scenario_act.c carries out the timeline's steps (wait, run, link,
 * reach, ping, iperf, counter, partition, heal); scenario_capture.c,
 * scenario_traffic.c and scenario_freeze.c own what runs in the background
 * (captures, traffic streams) and the hosts' cgroups. Not for other modules.
 *
 * Steps return 0 (done, or the assertion held), 1 (an assertion did not
 * hold) or -errno (the step could not be carried out: the run stops), with
 * what happened in the step's result message (srun_msg()).
 */
#ifndef RL_SCENARIO_RUN_H
#define RL_SCENARIO_RUN_H

#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "scenario.h"

#define SRUN_SEC     1000000000ull
#define SRUN_POLL_NS 10000000ull /* 10 ms */
#define SRUN_BG_MAX  64
#define SRUN_PATH    (PATH_MAX + 64)
#define SRUN_ADDR    48 /* an address as text: INET6_ADDRSTRLEN and more */

/* Set by SIGINT/SIGTERM/SIGHUP: every wait gives up, the run tears down. */
extern volatile sig_atomic_t srun_stop;

/* A capture: a child process in the capture's namespace (scenario_capture.c). */
struct srun_capture {
	unsigned step; /* the capture step */
	pid_t pid;     /* 0: not running */
	int fd;	       /* the child's report pipe, -1: closed */
	int stopped;   /* it ran and was stopped: path is complete */
	unsigned long long frames, kernel_drops;
	char path[SRUN_PATH]; /* the pcap file */
};

/* A traffic stream (scenario_traffic.c). */
struct srun_stream {
	unsigned step;	      /* the traffic step */
	pid_t client, server; /* 0: none, or reaped */
	int code;	      /* the client's exit code, once done */
	int done;	      /* the client has exited (or was killed) */
	double started;	      /* CLOCK_REALTIME, s: ping -D timestamps are too */
	char out[SRUN_PATH], srv_out[SRUN_PATH];
};

/* A host's cgroup (scenario_freeze.c). */
struct srun_cgroup {
	char host[TOPO_NAME_MAX];
	char path[SRUN_PATH];
	int made;   /* created by this run: removed at teardown */
	int frozen; /* cgroup.freeze is 1 */
};

struct run {
	const struct scenario *s;
	const struct topo *t;
	const char *lab;
	const char *seed_src; /* where the lab's seed (t->seed) came from: "drawn", ... */
	char art[PATH_MAX];   /* artifacts directory */
	pid_t bg[SRUN_BG_MAX];
	unsigned n_bg;
	unsigned idx; /* current step, 0-based */
	struct scenario_result *res;
	struct srun_capture *caps;
	unsigned n_caps;
	struct srun_stream *streams;
	unsigned n_streams;
	struct srun_cgroup *cgs;
	unsigned n_cgs;
};

/* ---- scenario_proc.c ---- */

uint64_t srun_now(void); /* CLOCK_MONOTONIC, ns */
void srun_nap(uint64_t ns);
/* The current step's result message. */
void srun_msg(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* ART/step-N<suffix>, for the current step. */
void srun_out_path(const struct run *r, const char *suffix, char *buf, size_t len);

/* Start argv inside host (NULL: here), in a process group of its own and,
 * if the host has a cgroup, in it; stdout and stderr to out. pid or -errno. */
pid_t srun_spawn(const struct run *r, const char *host, const char *out, int append,
		 char *const argv[]);
/* The same for "/bin/sh -c cmd". */
pid_t srun_spawn_sh(const struct run *r, const char *host, const char *out, int append,
		    const char *cmd);
/* SIGKILL the process group and reap its leader. */
void srun_kill_group(pid_t pid);
/* Wait for pid up to timeout_ns. 0 and its exit code (128+N for signal N)
 * in *code; -ETIMEDOUT or -EINTR (srun_stop) after killing its group. */
int srun_wait_child(pid_t pid, uint64_t timeout_ns, int *code);
/* The same, but after a timeout the process is left running. */
int srun_wait_exit(pid_t pid, uint64_t timeout_ns, int *code);
/* Run a shell command in host and wait. 0 with *code, or -errno. */
int srun_run_sh(const struct run *r, const char *host, const char *cmd, uint64_t timeout_ns,
		const char *out, int append, int *code);

/* A target's address, of the family scenario_check() chose for it:
 * "10.0.0.2", "fd00::2" ("" if none). */
void srun_host_ip(const struct run *r, const struct scenario_name *n, char *buf, size_t len);
void srun_first_line(const char *path, char *buf, size_t len);
/* A file's first MiB as a string (NULs made spaces); NULL if unreadable. */
char *srun_slurp(const char *path);
/* A bound that did not hold: the first replaces the step's message, each
 * next one is added to it ("a; b"), so that a failure names all of them.
 * *nfail counts them. */
void srun_fail(struct run *r, unsigned *nfail, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* srun_fail() if a max_rtt_p50 bound is set and p50_ms (negative: no
 * replies) does not hold to it. */
void srun_p50_check(struct run *r, const struct scenario_step *st, double p50_ms,
		    unsigned *nfail);
/* 1 if the file holds needle anywhere (NULs read as spaces), 0 if not,
 * -errno if it cannot be read: the whole output, however long. */
int srun_file_contains(const char *path, const char *needle);

/* One request to the lab's switch (req is stolen). 0 or -errno with err. */
int srun_switch_call(const char *lab, json_t *req, json_t **res, char *err, size_t errlen);
/* The switch port of endpoint ep: the switch end of its link (for a trunk,
 * the named end), as `rackless link` maps it; for the second host of a
 * wire, the first host's (which holds the wire's emulation) and *flip = 1:
 * its "in" is ep's "out". 0 or -ENOENT. */
int srun_port_of(const struct topo *t, const char *ep, char *port, size_t len, int *flip);

/* ---- scenario_act.c ---- */

/* The timeline's own steps (not captures, traffic, expect, freeze, thaw). */
int scenario_act(struct run *r, const struct scenario_step *st);

struct srun_ping {
	unsigned tx, rx;
	double p50_ms;	    /* median reply time, -1: no replies */
	double first, last; /* -D timestamps of the first and last reply, s; 0: none */
	double max_gap;	    /* the longest time between two replies, s (-D) */
};
/* ping's output. 0, or -EINVAL without its summary line. */
int srun_ping_parse(const char *path, struct srun_ping *p);

struct srun_iperf {
	double mbit;	       /* received */
	long long retransmits; /* TCP, -1: not reported */
	int udp;	       /* lost and loss are set */
	long long lost, packets;
	double loss;	 /* 0..1 */
	char error[200]; /* iperf3's error, "" if none */
};
/* iperf3 -J output. 0 (a result, or iperf3's own error in ->error), or
 * -EIO (not iperf3 JSON: its first line is in ->error). */
int srun_iperf_parse(const char *path, struct srun_iperf *res);
/* Wait (up to 3 s) for an iperf3 server to say it listens. */
void srun_iperf_ready(const char *srv_out, pid_t srv);

/* ---- scenario_capture.c ---- */

int scenario_capture_init(struct run *r);
int scenario_capture_start(struct run *r, const struct scenario_step *st);
int scenario_capture_stop(struct run *r, const struct scenario_step *st);
int scenario_capture_expect(struct run *r, const struct scenario_step *st);
/* End every capture still running (end of the run), flushing its file. */
void scenario_capture_stop_all(struct run *r);
/* 1 if file (a name in the artifacts directory) is a pcap to keep after
 * a passing run (its capture said keep: true). */
int scenario_capture_kept(const struct run *r, const char *file);
void scenario_capture_fini(struct run *r);

/* ---- scenario_traffic.c ---- */

int scenario_traffic_init(struct run *r);
int scenario_traffic_start(struct run *r, const struct scenario_step *st);
int scenario_traffic_expect(struct run *r, const struct scenario_step *st);
/* Kill every stream still running (end of the run). */
void scenario_traffic_stop_all(struct run *r);
void scenario_traffic_fini(struct run *r);

/* ---- scenario_freeze.c ---- */

/* A cgroup for every host a freeze step names, made (and journaled)
 * before the steps run, so everything started in the host is in it.
 * 0 or -errno (reported on stderr). */
int scenario_freeze_setup(struct run *r);
/* The host's cgroup, or NULL if it has none. */
const struct srun_cgroup *scenario_freeze_cgroup(const struct run *r, const char *host);
/* freeze and thaw steps */
int scenario_freeze_step(struct run *r, const struct scenario_step *st);
/* Kill what is left in the cgroups, thaw and remove them. */
void scenario_freeze_teardown(struct run *r);

#endif
