// SPDX-License-Identifier: BSD-3-Clause
/*
 * rackless run SCENARIO.yaml [--junit FILE] [--keep-on-fail] [--seed N] [--lab NAME]
 *
 * Brings the scenario's lab up, carries out its steps in order, reports each
 * as it goes, and always tears the lab down (unless --keep-on-fail and
 * something failed). An assertion that does not hold is recorded and the run
 * goes on; a step that cannot be carried out at all ends it (the rest are
 * skipped). SIGINT, SIGTERM and SIGHUP (a closed terminal) tear down and
 * exit 130.
 *
 * Teardown, whatever happened: captures are stopped (their files flushed),
 * traffic and background commands killed, the hosts' cgroups emptied and
 * removed, the lab undone. Output goes to rackless-artifacts/<scenario>-
 * <time>/, kept on failure; after a pass only the pcaps marked keep stay.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cmds.h"
#include "lab.h"
#include "scenario_run.h"

#define EXIT_BAD_FILE	 2
#define EXIT_INTERRUPTED 130
#define ART_ROOT	 "rackless-artifacts"
#define DOTS_COL	 46

volatile sig_atomic_t srun_stop;

static void on_signal(int sig)
{
	srun_stop = sig;
}

static int step_do(struct run *r, const struct scenario_step *st)
{
	switch (st->type) {
	case SCENARIO_CAPTURE:
		return scenario_capture_start(r, st);
	case SCENARIO_STOP:
		return scenario_capture_stop(r, st);
	case SCENARIO_TRAFFIC:
		return scenario_traffic_start(r, st);
	case SCENARIO_EXPECT:
		return r->s->steps[st->ref].type == SCENARIO_CAPTURE
			   ? scenario_capture_expect(r, st)
			   : scenario_traffic_expect(r, st);
	case SCENARIO_FREEZE:
	case SCENARIO_THAW:
		return scenario_freeze_step(r, st);
	default:
		return scenario_act(r, st);
	}
}

/* ---- the run --------------------------------------------------------- */

static void print_head(const struct run *r, const struct scenario_step *st)
{
	char desc[200];
	int n;

	scenario_step_describe(st, desc, sizeof(desc));
	n = printf("[%2u/%u] %s ", r->idx + 1, r->s->n_steps, desc);
	for (; n < DOTS_COL; n++)
		putchar('.');
	putchar(' ');
	fflush(stdout);
}

static void print_tail(const struct scenario_result *res)
{
	static const char *const word[] = {
	    [SCENARIO_NOT_RUN] = "skipped", [SCENARIO_PASS] = "ok",	 [SCENARIO_FAIL] = "FAIL",
	    [SCENARIO_ERROR] = "ERROR",	    [SCENARIO_SKIP] = "skipped",
	};

	if (res->msg[0])
		printf("%s (%s)\n", word[res->status], res->msg);
	else
		printf("%s\n", word[res->status]);
	fflush(stdout);
}

/* Run every step; returns 1 if the run was cut short (error or signal). */
static int run_steps(struct run *r)
{
	int aborted = 0, stop_noted = 0;

	for (r->idx = 0; r->idx < r->s->n_steps; r->idx++) {
		const struct scenario_step *st = &r->s->steps[r->idx];
		struct scenario_result *res = &r->res[r->idx];
		uint64_t t0;
		int ret;

		if (srun_stop && !stop_noted) {
			/* the run was cut here: an error, so that a report
			 * read alone does not pass */
			res->status = SCENARIO_ERROR;
			srun_msg(r, "interrupted before this step");
			stop_noted = 1;
			continue;
		}
		if (aborted || srun_stop) {
			res->status = SCENARIO_SKIP;
			continue;
		}
		print_head(r, st);
		t0 = srun_now();
		ret = step_do(r, st);
		res->secs = (double)(srun_now() - t0) / 1e9;
		if (ret == -EINTR || (ret < 0 && srun_stop)) {
			res->status = SCENARIO_ERROR;
			srun_msg(r, "interrupted");
			stop_noted = 1;
			aborted = 1;
		} else if (ret < 0) {
			res->status = SCENARIO_ERROR;
			aborted = 1;
		} else {
			res->status = ret ? SCENARIO_FAIL : SCENARIO_PASS;
		}
		print_tail(res);
	}
	return aborted || srun_stop;
}

/* Everything the steps left running, in every case: captures first (so
 * their files hold what the rest did), then what runs in the hosts, then
 * the hosts' cgroups (anything left in them is killed). */
static void stop_background(struct run *r)
{
	scenario_capture_stop_all(r);
	scenario_traffic_stop_all(r);
	for (unsigned i = 0; i < r->n_bg; i++)
		srun_kill_group(r->bg[i]);
	r->n_bg = 0;
	scenario_freeze_teardown(r);
}

static void save_stats(const struct run *r)
{
	char path[PATH_MAX + 16], err[256] = "";
	json_t *res = NULL;

	snprintf(path, sizeof(path), "%s/stats.json", r->art);
	if (srun_switch_call(r->lab, json_pack("{s:s}", "cmd", "stats"), &res, err, sizeof(err)) <
	    0) {
		FILE *f = fopen(path, "w");

		if (f != NULL) {
			fprintf(f, "{\"error\": \"switch stats unavailable\"}\n");
			fclose(f);
		}
		return;
	}
	json_dump_file(res, path, JSON_INDENT(2));
	json_decref(res);
}

static int make_artifacts(struct run *r)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	if (mkdir(ART_ROOT, 0755) < 0 && errno != EEXIST)
		return -errno;
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	for (int i = 1; i < 100; i++) {
		if (i == 1)
			snprintf(r->art, sizeof(r->art), "%s/%s-%s", ART_ROOT, r->s->name, stamp);
		else
			snprintf(r->art, sizeof(r->art), "%s/%s-%s.%d", ART_ROOT, r->s->name, stamp,
				 i);
		if (mkdir(r->art, 0755) == 0)
			return 0;
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

/* Remove the artifacts, but (keep_pcaps) the pcaps of captures marked
 * keep. Returns how many files stayed. */
static unsigned remove_artifacts(const struct run *r, int keep_pcaps)
{
	char path[PATH_MAX + 300];
	struct dirent *de;
	DIR *d = opendir(r->art);
	unsigned kept = 0;

	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			if (keep_pcaps && scenario_capture_kept(r, de->d_name)) {
				kept++;
				continue;
			}
			snprintf(path, sizeof(path), "%s/%s", r->art, de->d_name);
			unlink(path);
		}
		closedir(d);
	}
	if (kept == 0) {
		rmdir(r->art);
		rmdir(ART_ROOT); /* only if nothing else is kept there */
	}
	return kept;
}

struct run_opts {
	const char *file, *junit, *lab;
	int keep_on_fail, has_seed;
	uint64_t seed;
};

static int parse_args(int argc, char **argv, struct run_opts *o)
{
	char *end;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--junit") == 0 && i + 1 < argc) {
			o->junit = argv[++i];
		} else if (strcmp(argv[i], "--lab") == 0 && i + 1 < argc) {
			o->lab = argv[++i];
		} else if (strcmp(argv[i], "--keep-on-fail") == 0) {
			o->keep_on_fail = 1;
		} else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
			i++;
			errno = 0;
			o->seed = strtoull(argv[i], &end, 10);
			if (errno || *end || argv[i][0] < '0' || argv[i][0] > '9') {
				fprintf(stderr,
					"rackless: run: --seed '%s': a whole number, "
					"0..18446744073709551615\n",
					argv[i]);
				return -EINVAL;
			}
			o->has_seed = 1;
		} else if (argv[i][0] == '-' || o->file != NULL) {
			return -EINVAL;
		} else {
			o->file = argv[i];
		}
	}
	return o->file ? 0 : -EINVAL;
}

/* Load and check everything; nothing is brought up. 0 or an exit code. */
/* The first diagnostic, as printed, for a report. */
static void first_diag(const struct topo_diags *d, char *buf, size_t len)
{
	if (d->n == 0)
		snprintf(buf, len, "%s: bad scenario", d->file);
	else if (d->d[0].mark.line)
		snprintf(buf, len, "%s:%u:%u: error: %s", d->file, d->d[0].mark.line,
			 d->d[0].mark.col, d->d[0].msg);
	else
		snprintf(buf, len, "%s: error: %s", d->file, d->d[0].msg);
}

static int prepare(const struct run_opts *o, struct scenario **s, struct topo **t, char *err,
		   size_t elen)
{
	struct topo_diags d;

	if (scenario_load_file(o->file, s, &d) < 0) {
		topo_diags_print(&d, stderr);
		first_diag(&d, err, elen);
		return EXIT_BAD_FILE;
	}
	if (o->has_seed) {
		(*s)->has_seed = 1;
		(*s)->seed = o->seed;
	}
	if (o->lab && !topo_name_valid(o->lab)) {
		snprintf(err, elen, "bad lab name '%s'", o->lab);
		fprintf(stderr, "rackless: %s\n", err);
		return EXIT_BAD_FILE;
	}
	if (scenario_load_topology(*s, o->lab, t, &d) < 0) {
		topo_diags_print(&d, stderr);
		first_diag(&d, err, elen);
		return EXIT_BAD_FILE;
	}
	memset(&d, 0, sizeof(d));
	if (scenario_check(*s, *t, &d) < 0) {
		topo_diags_print(&d, stderr);
		first_diag(&d, err, elen);
		return EXIT_BAD_FILE;
	}
	return 0;
}

/* failed: an assertion or step failed, or (2) the report was not written */
static void summary(const struct run *r, double secs, int failed)
{
	unsigned n[SCENARIO_SKIP + 1] = {0};

	for (unsigned i = 0; i < r->s->n_steps; i++)
		n[r->res[i].status]++;
	printf("scenario %s: %s: %u ok, %u failed, %u errors, %u skipped (%.1f s)\n", r->s->name,
	       srun_stop     ? "interrupted"
	       : failed == 2 ? "FAILED (no JUnit report)"
	       : failed	     ? "FAILED"
			     : "passed",
	       n[SCENARIO_PASS], n[SCENARIO_FAIL], n[SCENARIO_ERROR],
	       n[SCENARIO_SKIP] + n[SCENARIO_NOT_RUN], secs);
}

static void junit_error(const char *path, int err)
{
	fprintf(stderr, "rackless: JUnit report %s: %s\n", path, strerror(-err));
}

static int any_failed(const struct run *r)
{
	for (unsigned i = 0; i < r->s->n_steps; i++)
		if (r->res[i].status == SCENARIO_FAIL || r->res[i].status == SCENARIO_ERROR)
			return 1;
	return 0;
}

/* The seed of the lab's link emulation, always known to the run: --seed,
 * the scenario's, the topology file's, or drawn here (so that a failing run
 * can be replayed with --seed). Set in t and s (the report shows it). */
static const char *pick_seed(const struct run_opts *o, struct scenario *s, struct topo *t)
{
	const char *src = o->has_seed ? "--seed"
			  : s->has_seed ? "from the scenario"
			  : t->has_seed ? "from the topology"
					: "drawn";

	if (!t->has_seed &&
	    getrandom(&t->seed, sizeof(t->seed), 0) != (ssize_t)sizeof(t->seed))
		t->seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	t->has_seed = 1;
	s->has_seed = 1;
	s->seed = t->seed;
	return src;
}

/* The seed on stdout and in the artifacts: how to run this again. */
static void note_seed(const struct run *r)
{
	char path[PATH_MAX + 16];
	FILE *f;

	printf("seed %llu (%s): rerun with --seed %llu\n", (unsigned long long)r->t->seed,
	       r->seed_src, (unsigned long long)r->t->seed);
	snprintf(path, sizeof(path), "%s/seed", r->art);
	f = fopen(path, "w");
	if (f == NULL)
		return;
	fprintf(f, "%llu\n", (unsigned long long)r->t->seed);
	fclose(f);
}

/* Up, steps, teardown. Returns the exit code. */
static int run_lab(struct run *r, const struct run_opts *o)
{
	struct lab_up_opts uo = {.quiet = 1};
	uint64_t t0 = srun_now();
	int failed, keep, ret;
	char msg[2400];

	/* before the artifacts: a run that cannot start names none (it named
	 * a directory it removed at once). up still refuses it, if the lab
	 * comes up meanwhile */
	if (lab_exists(r->lab)) {
		snprintf(msg, sizeof(msg),
			 "lab %s is already up (rackless down %s, or rackless cleanup %s if it "
			 "crashed; or --lab another name)",
			 r->lab, r->lab, r->lab);
		goto setup_failed;
	}
	ret = make_artifacts(r);
	if (ret < 0) {
		snprintf(msg, sizeof(msg), "cannot create the artifacts directory %s/: %s",
			 ART_ROOT, strerror(-ret));
		fprintf(stderr, "rackless: %s\n", msg);
		if (o->junit && (ret = scenario_junit_write_error(o->junit, r->s->name, "artifacts",
								  msg, 0)) < 0)
			junit_error(o->junit, ret);
		return 1;
	}
	printf("scenario %s: lab %s, %u steps, artifacts in %s\n", r->s->name, r->lab,
	       r->s->n_steps, r->art);
	note_seed(r);
	ret = lab_up(r->t, &uo);
	if (ret == -EINTR) /* up's own handler took the signal */
		srun_stop = 1;
	if (ret < 0 || srun_stop) {
		snprintf(msg, sizeof(msg), "lab %s did not come up: %s", r->lab,
			 srun_stop	     ? "interrupted"
			 : ret == -EEXIST   ? "it is already up"
			 : lab_up_error()[0] ? lab_up_error()
					    : strerror(-ret));
		if (ret == 0)
			lab_undo(r->lab, LAB_UNDO_GRACEFUL | LAB_UNDO_QUIET);
		goto setup_failed;
	}
	ret = scenario_freeze_setup(r);
	if (ret < 0) {
		snprintf(msg, sizeof(msg), "freezer cgroups for lab %s: %s", r->lab,
			 strerror(-ret));
		scenario_freeze_teardown(r);
		lab_undo(r->lab, LAB_UNDO_GRACEFUL | LAB_UNDO_QUIET);
		goto setup_failed;
	}
	run_steps(r);
	stop_background(r);
	failed = any_failed(r);
	keep = failed && o->keep_on_fail && !srun_stop;
	if (failed)
		save_stats(r);
	if (!keep) {
		ret = lab_undo(r->lab, LAB_UNDO_GRACEFUL | LAB_UNDO_QUIET);
		if (ret < 0)
			fprintf(stderr, "rackless: tearing lab %s down: %s\n", r->lab,
				strerror(-ret));
	}
	if (o->junit && (ret = scenario_junit_write(o->junit, r->s, r->res,
						    (double)(srun_now() - t0) / 1e9)) < 0) {
		/* a CI job that asked for a report and has none must not pass */
		junit_error(o->junit, ret);
		failed = 2;
	}
	summary(r, (double)(srun_now() - t0) / 1e9, failed);
	if (keep)
		printf("lab %s kept: rackless down %s removes it\n", r->lab, r->lab);
	if (failed || srun_stop)
		printf("artifacts kept in %s\n", r->art);
	else if (remove_artifacts(r, 1) > 0)
		printf("captures kept in %s\n", r->art);
	return srun_stop ? EXIT_INTERRUPTED : failed ? 1 : 0;
setup_failed:
	/* its first line: up printed the rest (a failed command's output) */
	fprintf(stderr, "rackless: %.*s\n", (int)strcspn(msg, "\n"), msg);
	if (r->art[0] != '\0')
		remove_artifacts(r, 0);
	if (o->junit && (ret = scenario_junit_write_setup(o->junit, r->s, msg,
							  (double)(srun_now() - t0) / 1e9)) < 0)
		junit_error(o->junit, ret);
	return srun_stop ? EXIT_INTERRUPTED : 1;
}

/* From here until the end, the report says this run did not complete: a
 * runner killed outright (-9) leaves that, never an old pass. A report that
 * cannot be written fails the run before anything is up. 0 or exit code 1. */
static int start_report(const struct run_opts *o, const struct scenario *s)
{
	int root = geteuid() == 0, ret = 0;

	if (o->junit)
		ret = scenario_junit_write_error(o->junit, s->name, "run",
						 root ? "error: run did not complete (the runner "
							"was killed, or is still running)"
						      : "error: run needs root",
						 0);
	if (ret < 0)
		junit_error(o->junit, ret);
	if (!root)
		fprintf(stderr, "rackless: run needs root\n");
	return ret < 0 || !root ? 1 : 0;
}

int cmd_run(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART */
	struct run_opts o = {0};
	struct scenario *s = NULL;
	struct topo *t = NULL;
	struct run r = {0};
	char err[640] = "";
	int ret;

	if (parse_args(argc, argv, &o) < 0)
		return cmd_usage("run");
	ret = prepare(&o, &s, &t, err, sizeof(err));
	if (ret) {
		/* CI must not read an old report as this run's */
		int jr = o.junit ? scenario_junit_write_error(o.junit, s ? s->name : o.file,
							       "scenario file", err, 0)
				 : 0;

		if (jr < 0)
			junit_error(o.junit, jr);
		goto out;
	}
	ret = start_report(&o, s);
	if (ret)
		goto out;
	r.seed_src = pick_seed(&o, s, t);
	r.s = s;
	r.t = t;
	r.lab = t->name;
	r.res = calloc(s->n_steps, sizeof(*r.res));
	if (r.res == NULL || scenario_capture_init(&r) < 0 || scenario_traffic_init(&r) < 0) {
		ret = 1;
		goto out;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL); /* a closed terminal: tear down too */
	/* `rackless run ... | head`: the reader going away must not kill the
	 * runner before it tears the lab down and writes its report */
	signal(SIGPIPE, SIG_IGN);
	ret = run_lab(&r, &o);
out:
	scenario_capture_fini(&r);
	scenario_traffic_fini(&r);
	free(r.res);
	topo_free(t);
	scenario_free(s);
	return ret;
}
