/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rackless: the command users type. Table-driven: each command declares its
 * usage and help once; `rackless help` is made from the table.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "journal.h"
#include "lab.h"
#include "netns.h"
#include "swclient.h"
#include "topo.h"

#define EXIT_USAGE 2

struct cmd {
	const char *name;
	const char *args;
	const char *help;
	int (*fn)(int argc, char **argv);
	int min_args, max_args; /* positional, after the command name; -1: any */
	int needs_root;
};

static const struct cmd *cmd_find(const char *name);

int cmd_usage(const char *name)
{
	const struct cmd *c = cmd_find(name);

	fprintf(stderr, "usage: rackless %s %s\n", c->name, c->args);
	return EXIT_USAGE;
}

static int lab_name_ok(const char *lab)
{
	if (!topo_name_valid(lab)) {
		fprintf(stderr, "rackless: bad lab name '%s'\n", lab);
		return 0;
	}
	return 1;
}

/* ---- up / down / cleanup --------------------------------------------- */

/* A whole number in min..max, all of s (strtoul alone takes "abc" as 0,
 * "-1" as ULONG_MAX and "8x" as 8). 0 or -EINVAL. */
static int parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

/* A seed: a whole number, all of s, 0..2^64-1. 0 or -EINVAL. */
static int parse_seed(const char *s, unsigned long long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno != 0 || *end != '\0' ? -EINVAL : 0;
}

static int cmd_up(int argc, char **argv)
{
	struct lab_up_opts o = {0};
	struct topo_diags diags;
	const char *file = NULL, *spec = NULL, *name = NULL;
	struct topo *t = NULL;
	unsigned long long seed = 0;
	int has_seed = 0, ret;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--switch") == 0 && i + 1 < argc) {
			o.switch_bin = argv[++i];
		} else if (strcmp(argv[i], "--mem") == 0 && i + 1 < argc) {
			/* the switch's own bounds (dataplane/main.c) */
			if (parse_uint(argv[++i], 64, 1 << 20, &o.mem_mb) < 0) {
				fprintf(stderr, "rackless: up: --mem '%s': MB, 64..1048576\n",
					argv[i]);
				return cmd_usage("up");
			}
		} else if (strcmp(argv[i], "--workers") == 0 && i + 1 < argc) {
			if (parse_uint(argv[++i], 1, 16, &o.workers) < 0) {
				fprintf(stderr, "rackless: up: --workers '%s': 1..16\n", argv[i]);
				return cmd_usage("up");
			}
		} else if (strcmp(argv[i], "--kernel-fastpath") == 0 && i + 1 < argc) {
			if (strcmp(argv[++i], "yes") != 0 && strcmp(argv[i], "no") != 0) {
				fprintf(
				    stderr,
				    "rackless: up: --kernel-fastpath '%s': expected yes or no\n",
				    argv[i]);
				return cmd_usage("up");
			}
			o.no_kfast = strcmp(argv[i], "no") == 0;
		} else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
			if (parse_seed(argv[++i], &seed) < 0) {
				fprintf(stderr,
					"rackless: up: --seed '%s': a whole number, "
					"0..18446744073709551615\n",
					argv[i]);
				return cmd_usage("up");
			}
			has_seed = 1;
		} else if (strcmp(argv[i], "--topo") == 0 && i + 1 < argc) {
			spec = argv[++i];
		} else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc && name == NULL) {
			name = argv[++i];
		} else if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0) {
			o.quiet = 1;
		} else if (argv[i][0] == '-' || file != NULL) {
			return cmd_usage("up");
		} else {
			file = argv[i];
		}
	}
	if ((file == NULL) == (spec == NULL))
		return cmd_usage("up");
	if (name != NULL && !lab_name_ok(name))
		return EXIT_USAGE;
	if (spec != NULL)
		ret = topo_generate_spec(name ? name : "lab", spec, &t, &diags);
	else
		ret = topo_load_file(file, &t, &diags);
	if (ret < 0) {
		topo_diags_print(&diags, stderr);
		return 1;
	}
	/* containerlab's deploy --name: one file, several labs side by side */
	if (name != NULL)
		snprintf(t->name, sizeof(t->name), "%s", name);
	/* as the file's seed: a generated lab has no file to write it in */
	if (has_seed) {
		t->has_seed = 1;
		t->seed = seed;
	}
	ret = lab_up(t, &o);
	topo_free(t);
	if (ret == -EINTR) /* interrupted: 128 + the signal, as a shell says it */
		return 128 + (lab_up_signal() ? lab_up_signal() : SIGINT);
	return ret < 0 ? 1 : 0;
}

static int cmd_down(int argc, char **argv)
{
	int ret;

	(void)argc;
	if (!lab_name_ok(argv[1]))
		return EXIT_USAGE;
	ret = lab_undo(argv[1], strcmp(argv[0], "down") == 0 ? LAB_UNDO_GRACEFUL : 0);
	if (ret == -ENOENT) {
		fprintf(stderr, "rackless: no lab named %s is up\n", argv[1]);
		return 1;
	}
	return ret < 0 ? 1 : 0;
}

/* ---- exec ------------------------------------------------------------ */

static int host_of(const char *lab, const char *host, char *ns, size_t len)
{
	json_t *st = lab_state_load(lab), *n;
	char other[16] = "";
	size_t i;
	int found = 0;

	if (st == NULL) {
		fprintf(stderr, "rackless: no lab named %s is up\n", lab);
		return -ENOENT;
	}
	json_array_foreach(json_object_get(st, "nodes"), i, n)
	{
		const char *name = json_string_value(json_object_get(n, "name"));
		const char *kind = json_string_value(json_object_get(n, "kind"));
		if (name && kind && strcmp(name, host) == 0 && strcmp(kind, "host") == 0)
			found = 1;
		else if (name && kind && strcmp(name, host) == 0)
			snprintf(other, sizeof(other), "%s", kind);
	}
	json_decref(st);
	if (!found && other[0] != '\0') {
		fprintf(stderr,
			"rackless: %s of lab %s is %s %s node, not a host: it has no namespace "
			"to run commands in\n",
			host, lab, strchr("aeiou", other[0]) ? "an" : "a", other);
		return -EINVAL;
	}
	if (!found) {
		fprintf(stderr, "rackless: lab %s has no host named %s\n", lab, host);
		return -ENOENT;
	}
	lab_host_netns(lab, host, ns, len);
	return 0;
}

/* No command: a shell, as Mininet's xterm or containerlab's exec into a
 * node gives one: $SHELL, else bash, else sh. */
static char *exec_shell(void)
{
	char *sh = getenv("SHELL");

	if (sh != NULL && sh[0] != '\0')
		return sh;
	return access("/bin/bash", X_OK) == 0 ? "/bin/bash" : "/bin/sh";
}

static int cmd_exec(int argc, char **argv)
{
	char ns[128], *shell[2] = {NULL, NULL}, **cmd;
	int first = 3, ret;

	if (argc > 3 && strcmp(argv[3], "--") == 0)
		first = 4;
	if (!lab_name_ok(argv[1]) || host_of(argv[1], argv[2], ns, sizeof(ns)) < 0)
		return 1;
	cmd = &argv[first];
	if (first >= argc) {
		shell[0] = exec_shell();
		cmd = shell;
	}
	ret = netns_enter_for_exec(ns);
	if (ret < 0) {
		fprintf(stderr, "rackless: enter %s: %s\n", ns, strerror(-ret));
		return 1;
	}
	execvp(cmd[0], cmd);
	fprintf(stderr, "rackless: %s: %s\n", cmd[0], strerror(errno));
	return 127;
}

/* ---- talking to the switch ------------------------------------------- */

static int switch_call(const char *lab, const char *cmd, json_t **result)
{
	struct lab_paths p;
	struct swclient *c;
	char err[256] = "";
	json_t *req;
	int ret;

	lab_paths(lab, &p);
	c = swclient_connect(p.sock);
	if (c == NULL)
		return -errno;
	req = json_pack("{s:s}", "cmd", cmd);
	ret = swclient_call(c, req, 10000, result, err, sizeof(err));
	json_decref(req);
	swclient_close(c);
	if (ret < 0 && err[0])
		fprintf(stderr, "rackless: switch: %s\n", err);
	return ret;
}

static void print_ports(json_t *ports)
{
	json_t *pt;
	size_t i;

	printf("  %-16s %-9s %-8s %10s %12s %10s %12s %8s  %s\n", "PORT", "TYPE", "BRIDGE",
	       "RX_PKTS", "RX_BYTES", "TX_PKTS", "TX_BYTES", "DROPS", "STATE");
	json_array_foreach(ports, i, pt)
	{
		json_int_t drops = 0;
		const char *k;
		json_t *v;

		json_object_foreach(json_object_get(pt, "drops"), k, v) drops +=
		    json_integer_value(v);
		/* a cable pulled, or a trunk the spanning tree keeps idle */
		const char *state = json_is_true(json_object_get(pt, "down"))	   ? "down"
				    : json_is_true(json_object_get(pt, "blocked")) ? "blocked"
										   : "up";

		printf("  %-16s %-9s %-8s %10lld %12lld %10lld %12lld %8lld  %s\n",
		       json_string_value(json_object_get(pt, "name")),
		       json_string_value(json_object_get(pt, "type")),
		       json_string_value(json_object_get(pt, "bridge")),
		       (long long)json_integer_value(json_object_get(pt, "rx_packets")),
		       (long long)json_integer_value(json_object_get(pt, "rx_bytes")),
		       (long long)json_integer_value(json_object_get(pt, "tx_packets")),
		       (long long)json_integer_value(json_object_get(pt, "tx_bytes")),
		       (long long)drops, state);
	}
}

static int cmd_stats(int argc, char **argv)
{
	const char *lab = NULL;
	json_t *r = NULL, *v;
	int as_json = 0, ret;
	const char *k;
	size_t i;

	/* stats LAB --json or stats --json LAB */
	for (int a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--json") == 0 && !as_json)
			as_json = 1;
		else if (argv[a][0] != '-' && lab == NULL)
			lab = argv[a];
		else
			return cmd_usage("stats");
	}
	if (lab == NULL)
		return cmd_usage("stats");
	if (!lab_name_ok(lab))
		return EXIT_USAGE;
	ret = switch_call(lab, "stats", &r);
	if (ret < 0) {
		lab_unreachable(lab, ret);
		return 1;
	}
	if (as_json) {
		json_dumpf(r, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(r);
		return 0;
	}
	printf("switch of lab %s\n", lab);
	print_ports(json_object_get(r, "ports"));
	printf("  drops:");
	json_object_foreach(json_object_get(r, "drops"), k, v)
	    printf(" %s=%lld", k, (long long)json_integer_value(v));
	v = json_object_get(r, "fdb");
	printf("\n  fdb: %lld entries, %lld learned, %lld moved, %lld aged\n",
	       (long long)json_integer_value(json_object_get(v, "entries")),
	       (long long)json_integer_value(json_object_get(v, "learned")),
	       (long long)json_integer_value(json_object_get(v, "moved")),
	       (long long)json_integer_value(json_object_get(v, "aged")));
	json_array_foreach(json_object_get(r, "workers"), i, v)
	    printf("  worker %lld: %lld ports polled, %lld sleeps, CPU %.2f s user %.2f s "
		   "kernel\n",
		   (long long)json_integer_value(json_object_get(v, "index")),
		   (long long)json_integer_value(json_object_get(v, "active")),
		   (long long)json_integer_value(json_object_get(v, "sleeps")),
		   (double)json_integer_value(json_object_get(v, "user_ns")) / 1e9,
		   (double)json_integer_value(json_object_get(v, "sys_ns")) / 1e9);
	json_decref(r);
	return 0;
}

static int cmd_ctl(int argc, char **argv)
{
	char *reply = NULL;
	int ret;

	(void)argc;
	if (!lab_name_ok(argv[1]))
		return EXIT_USAGE;
	if (cmd_ctl_send(argv[1], argv[2], &reply) < 0)
		return 1;
	printf("%s\n", reply);
	ret = strstr(reply, "\"ok\":true") != NULL ? 0 : 1;
	free(reply);
	return ret;
}

/* ---- status ---------------------------------------------------------- */

static int status_has_ip6(json_t *st)
{
	json_t *n;
	size_t i;

	json_array_foreach(json_object_get(st, "nodes"), i, n) if (json_object_get(n, "ip6"))
	    return 1;
	return 0;
}

static int status_one(const char *lab)
{
	json_t *st = lab_state_load(lab), *n, *r = NULL;
	size_t i;
	int ret;

	if (st == NULL && lab_busy(lab)) {
		printf("lab %s: coming up or going down (an up or down of it is running)\n", lab);
		return 1;
	}
	if (st == NULL) {
		printf("lab %s: incomplete or crashed (no state file); `rackless cleanup %s`\n",
		       lab, lab);
		return 1;
	}
	ret = switch_call(lab, "ports", &r);
	if (ret == -ETIMEDOUT) {
		printf("lab %s: the switch does not answer (stopped, or stuck for 10 s)\n", lab);
		r = NULL;
	} else if (ret < 0) {
		printf("lab %s: switch is not running; `rackless cleanup %s` removes the rest\n",
		       lab, lab);
		r = NULL;
	} else if (lab_busy(lab)) {
		/* the state is written before the hosts' exec commands run */
		printf("lab %s: coming up or going down (%s; an up or down of it is running)\n",
		       lab, json_string_value(json_object_get(st, "file")));
	} else {
		printf("lab %s: up (%s)\n", lab, json_string_value(json_object_get(st, "file")));
	}
	printf("  %-12s %-8s %-24s %-18s %-17s%s\n", "NODE", "KIND", "NETNS", "ADDRESS", "MAC",
	       status_has_ip6(st) ? " ADDRESS6" : "");
	json_array_foreach(json_object_get(st, "nodes"), i, n)
	{
		const char *ns = json_string_value(json_object_get(n, "netns"));
		const char *ip = json_string_value(json_object_get(n, "ip"));
		const char *mac = json_string_value(json_object_get(n, "mac"));
		const char *ext = json_string_value(json_object_get(n, "socket"));

		if (ext != NULL ||
		    (ext = json_string_value(json_object_get(n, "devargs"))) != NULL) {
			printf("  %-12s %-8s %s %s\n",
			       json_string_value(json_object_get(n, "name")),
			       json_string_value(json_object_get(n, "kind")),
			       json_object_get(n, "socket") ? "socket" : "devargs", ext);
			continue;
		}
		printf("  %-12s %-8s %-24s %-18s %-17s",
		       json_string_value(json_object_get(n, "name")),
		       json_is_true(json_object_get(n, "wire"))
			   ? "wire"
			   : json_string_value(json_object_get(n, "kind")),
		       ns ? ns : "-", ip ? ip : "-", mac ? mac : "-");
		/* IPv6 last: the columns before keep their places */
		if (json_object_get(n, "ip6") != NULL)
			printf(" %s", json_string_value(json_object_get(n, "ip6")));
		printf("\n");
	}
	if (r != NULL)
		print_ports(r);
	json_decref(r);
	json_decref(st);
	return 0;
}

/* The switch's PID from the lab's journal, if that process still runs;
 * else 0. No request to the switch: a stuck one would hold the list up. */
static int status_switch_pid(const char *lab)
{
	struct lab_paths p;
	json_t *recs = NULL, *rec;
	size_t i;
	int pid = 0;

	lab_paths(lab, &p);
	if (journal_load(p.dir, &recs) < 0)
		return 0;
	json_array_foreach(recs, i, rec)
	{
		int rp = (int)json_integer_value(json_object_get(rec, "pid"));
		json_int_t st = json_integer_value(json_object_get(rec, "starttime"));

		if (strcmp(json_string_value(json_object_get(rec, "op")) ?: "", "switch") == 0 &&
		    rp > 0 && st != 0 && lab_proc_starttime(rp) == (unsigned long long)st)
			pid = rp;
	}
	json_decref(recs);
	return pid;
}

/* One line of `status` without a lab: what it is made of, its switch and
 * its file (`status LAB` has the tables). 1 if it needs a cleanup. */
static int status_row(const char *lab)
{
	json_t *st = lab_state_load(lab), *n;
	unsigned hosts = 0, sws = 0, wires = 0;
	const char *state;
	char pid[16] = "-";
	size_t i;
	int sp;

	json_array_foreach(json_object_get(st, "nodes"), i, n)
	{
		const char *kind = json_string_value(json_object_get(n, "kind")) ?: "";

		if (json_is_true(json_object_get(n, "wire")))
			wires++;
		else if (strcmp(kind, "switch") == 0)
			sws++;
		else
			hosts++; /* and what stands for one: a VM's vhost, an ethdev */
	}
	sp = status_switch_pid(lab);
	if (sp > 0)
		snprintf(pid, sizeof(pid), "%d", sp);
	if (lab_busy(lab))
		state = "busy"; /* an up or down of it is running */
	else if (st == NULL || sp == 0)
		state = "crashed";
	else
		state = "up";
	if (st == NULL)
		printf("%-16s %-8s %5s %8s %5s %8s  %s\n", lab, state, "-", "-", "-", pid, "-");
	else
		/* a wire is one link of the file, two in the state */
		printf("%-16s %-8s %5u %8u %5zu %8s  %s\n", lab, state, hosts, sws,
		       json_array_size(json_object_get(st, "links")) - wires, pid,
		       json_string_value(json_object_get(st, "file")) ?: "-");
	json_decref(st);
	return strcmp(state, "crashed") == 0;
}

static int cmd_status(int argc, char **argv)
{
	struct dirent *de;
	DIR *d;
	int n = 0, crashed = 0;

	if (argc == 2) {
		if (!lab_name_ok(argv[1]))
			return EXIT_USAGE; /* it said why */
		if (!lab_exists(argv[1])) {
			fprintf(stderr, "rackless: no lab named %s\n", argv[1]);
			return 1;
		}
		return status_one(argv[1]);
	}
	d = opendir(LAB_RUN_DIR);
	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.' || !topo_name_valid(de->d_name))
				continue;
			if (n++ == 0)
				printf("%-16s %-8s %5s %8s %5s %8s  %s\n", "LAB", "STATE", "HOSTS",
				       "SWITCHES", "LINKS", "PID", "FILE");
			crashed |= status_row(de->d_name);
		}
		closedir(d);
	}
	if (n == 0)
		printf("no lab is up\n");
	if (crashed)
		printf("crashed: its switch or state is gone; `rackless cleanup LAB` removes "
		       "what is left\n");
	return 0;
}

/* ---- table ----------------------------------------------------------- */

static int cmd_help(int argc, char **argv);

static const struct cmd cmds[] = {
    {"up", "FILE | --topo SPEC [--name LAB] [--seed N] [--mem MB] [--workers N] [--kernel-fastpath yes|no] [--switch PATH] [--quiet]",
     "bring the lab described by FILE up (namespaces, links, switch), named LAB\n"
     "      if given; or a generated one: --topo tree,depth=2,fanout=3 | fat-tree,k=4 | ...",
     cmd_up, 1, 13, 1},
    {"down", "LAB", "stop the lab's switch and remove everything the lab created", cmd_down, 1, 1,
     1},
    {"cleanup", "LAB", "like down, for a lab whose CLI or switch died", cmd_down, 1, 1, 1},
    {"status", "[LAB]", "labs that are up, a line each; with LAB, its hosts, addresses and ports",
     cmd_status, 0, 1, 0},
    {"exec", "LAB HOST [[--] CMD [ARGS...]]",
     "run a command inside a host; without one, a shell ($SHELL, else bash, else sh)", cmd_exec,
     2, -1, 1},
    {"pingall", "LAB [-6] [--timeout MS]",
     "ping every host from every host (Mininet's pingall; -6: their IPv6 addresses); exit 1\n"
     "      if any is dropped",
     cmd_pingall, 1, 4, 1},
    {"stats", "LAB [--json]", "switch counters: per port, drops by reason, FDB", cmd_stats, 1, 2,
     0},
    {"ctl", "LAB REQUEST", "send one raw JSON request to the lab's switch", cmd_ctl, 2, 2, 0},
    {"link", "LAB ENDPOINT show | set KEY=VALUE... [--egress|--ingress] [--replace] | down | up",
     "show or change an emulated link live (delay, jitter, loss, rate, ...)", cmd_link, 3, -1, 0},
    {"graph", "LAB [--out PREFIX]",
     "draw the lab: PREFIX.dot and PREFIX.svg (down links dashed, blocked ones grey)", cmd_graph,
     1, 3, 0},
    {"run", "SCENARIO [--junit FILE] [--keep-on-fail] [--seed N] [--lab NAME]",
     "bring a scenario's lab up, run its steps and checks, tear it down", cmd_run, 1, 8, 0},
    {"help", "[COMMAND]", "this text, or one command's usage (also: rackless COMMAND --help)",
     cmd_help, 0, 1, 0},
};

static const struct cmd *cmd_find(const char *name)
{
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
	}
	return NULL;
}

/* One command's usage and help, on stdout: what --help asked for. */
static int cmd_help_one(const struct cmd *c)
{
	printf("usage: rackless %s %s\n      %s\n", c->name, c->args, c->help);
	return 0;
}

/* `rackless CMD --help` or `-h`: among the command's own arguments (for
 * exec, before the command to run: its arguments are its own; never after
 * "--"). */
static int wants_help(const struct cmd *c, int argc, char **argv)
{
	int last = c->fn == cmd_exec ? 3 : argc - 1;

	for (int i = 2; i <= last && i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return 0;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	}
	return 0;
}

static int cmd_help(int argc, char **argv)
{
	const struct cmd *c;

	if (argc > 1) {
		c = cmd_find(argv[1]);
		if (c == NULL) {
			fprintf(stderr, "rackless: unknown command '%s' (rackless help)\n",
				argv[1]);
			return EXIT_USAGE;
		}
		return cmd_help_one(c);
	}
	printf("rackless: one Linux machine as a rack of hosts wired by a DPDK switch\n\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		printf("  rackless %s %s\n      %s\n", cmds[i].name, cmds[i].args, cmds[i].help);
	return 0;
}

int main(int argc, char **argv)
{
	const struct cmd *c;
	int npos;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		cmd_help(0, NULL);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	c = cmd_find(argv[1]);
	if (c == NULL) {
		fprintf(stderr, "rackless: unknown command '%s' (rackless help)\n", argv[1]);
		return EXIT_USAGE;
	}
	if (wants_help(c, argc, argv))
		return cmd_help_one(c);
	npos = argc - 2;
	if (npos < c->min_args || (c->max_args >= 0 && npos > c->max_args))
		return cmd_usage(c->name);
	if (c->needs_root && geteuid() != 0) {
		fprintf(stderr, "rackless: %s needs root\n", c->name);
		return 1;
	}
	return c->fn(argc - 1, argv + 1);
}
