/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rackless graph LAB [--out PREFIX]
 *
 * Writes PREFIX.dot (Graphviz) and, with Graphviz's `dot` installed,
 * PREFIX.svg (PREFIX defaults to the lab's name): switches as boxes, hosts
 * with their addresses, vhost nodes as components, ethdev nodes as cylinders, links labelled with
 * their emulation parameters, and live state from the switch: a link that is down is dashed, a
 * trunk the spanning tree blocks is grey.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmds.h"
#include "lab.h"
#include "swclient.h"

#define GRAPH_NEATO_MAX 150 /* nodes: above, the sfdp layout */
#define GRAPH_DRAW_SECS 120 /* dot is stopped after this */

/* DOT needs " and \ escaped in quoted strings; names are plain already. */
static void graph_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void graph_node(FILE *f, const char *ep)
{
	char node[96];

	snprintf(node, sizeof(node), "%.*s", (int)strcspn(ep, ":"), ep);
	graph_quoted(f, node);
}

/* One link: its label is the parameters of each direction that has any. */
static void graph_link(FILE *f, const char *a, const char *b, json_t *pa, json_t *pb, int trunk)
{
	const char *ab, *ba;
	int down, blocked;
	char label[2200];

	if (trunk) { /* each direction lives on the out side of the port it leaves */
		ab = json_string_value(json_object_get(pa, "link_out")) ?: "";
		ba = json_string_value(json_object_get(pb, "link_out")) ?: "";
	} else { /* a = host, b = the switch port: in is host -> switch */
		ab = json_string_value(json_object_get(pb, "link_in")) ?: "";
		ba = json_string_value(json_object_get(pb, "link_out")) ?: "";
	}
	down = json_is_true(json_object_get(pb, "down")) ||
	       (pa != NULL && json_is_true(json_object_get(pa, "down")));
	blocked = json_is_true(json_object_get(pb, "blocked"));
	if (strcmp(ab, ba) == 0)
		snprintf(label, sizeof(label), "%s", ab);
	else
		snprintf(label, sizeof(label), "%s%s%s%s%s", ab[0] ? "-> " : "", ab,
			 ab[0] && ba[0] ? "\\n" : "", ba[0] ? "<- " : "", ba);
	fputs("  ", f);
	graph_node(f, a);
	fputs(" -- ", f);
	graph_node(f, b);
	fprintf(f, " [taillabel=\"%s\", headlabel=\"%s\"", strchr(a, ':') + 1, strchr(b, ':') + 1);
	if (label[0]) {
		/* labels come from our own formatter: no quotes in them */
		fprintf(f, ", label=\"%s\"", label);
	}
	if (down)
		fputs(", style=dashed, color=red", f);
	else if (blocked)
		fputs(", color=grey, fontcolor=grey", f);
	fputs("];\n", f);
}

static int graph_write(const char *lab, json_t *st, json_t *ports, FILE *f)
{
	json_t *n, *l;
	size_t i;

	fprintf(f, "graph ");
	graph_quoted(f, lab);
	/* neato with curved edges around nodes reads best and takes minutes
	 * past a few hundred nodes; sfdp (multilevel) draws thousands in
	 * about a second */
	if (json_array_size(json_object_get(st, "nodes")) <= GRAPH_NEATO_MAX)
		fprintf(f, " {\n  layout=neato; overlap=false; splines=true; fontsize=10;\n");
	else
		fprintf(f, " {\n  layout=sfdp; overlap=prism; splines=false; fontsize=10;\n");
	fprintf(f, "  node [fontsize=10]; edge [fontsize=8];\n");
	json_array_foreach(json_object_get(st, "nodes"), i, n)
	{
		const char *name = json_string_value(json_object_get(n, "name")) ?: "?";
		const char *kind = json_string_value(json_object_get(n, "kind")) ?: "";
		const char *ip = json_string_value(json_object_get(n, "ip"));

		fputs("  ", f);
		graph_quoted(f, name);
		if (json_is_true(json_object_get(n, "wire"))) /* a link between two hosts */
			fprintf(f, " [shape=point, width=0.08, xlabel=\"\"];\n");
		else if (strcmp(kind, "switch") == 0)
			fprintf(f, " [shape=box, style=filled, fillcolor=lightblue];\n");
		else if (strcmp(kind, "vhost") == 0) /* a VM's socket */
			fprintf(f,
				" [shape=component, style=filled, fillcolor=lightyellow, "
				"label=\"%s\\nvhost\"];\n",
				name);
		else if (strcmp(kind, "ethdev") == 0) /* a DPDK device: pcap, ring, memif */
			fprintf(f,
				" [shape=cylinder, style=filled, fillcolor=lightgrey, "
				"label=\"%s\\nethdev\"];\n",
				name);
		else
			fprintf(f, " [shape=ellipse, label=\"%s\\n%s\"];\n", name, ip ? ip : "");
	}
	json_array_foreach(json_object_get(st, "links"), i, l)
	{
		const char *a = json_string_value(json_array_get(l, 0));
		const char *b = json_string_value(json_array_get(l, 1));
		json_t *pa, *pb;

		if (a == NULL || b == NULL || !strchr(a, ':') || !strchr(b, ':'))
			continue;
		pa = swclient_port(ports, a);
		pb = swclient_port(ports, b);
		graph_link(f, a, b, pa, pb, pa != NULL && pb != NULL);
	}
	fprintf(f, "}\n");
	return ferror(f) ? -EIO : 0;
}

/* dot -Tsvg -o svg dotfile; 0, -ENOENT when Graphviz is not installed, or
 * -ETIMEDOUT (killed) after GRAPH_DRAW_SECS. */
static int graph_svg(const char *dotfile, const char *svg)
{
	struct timespec nap = {0, 50 * 1000 * 1000};
	int status, waited = 0;
	pid_t pid = fork(), r;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execlp("dot", "dot", "-Tsvg", "-o", svg, dotfile, (char *)NULL);
		_exit(127);
	}
	while ((r = waitpid(pid, &status, WNOHANG)) == 0 && waited < GRAPH_DRAW_SECS * 20) {
		nanosleep(&nap, NULL);
		waited++;
	}
	if (r == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		unlink(svg);
		return -ETIMEDOUT;
	}
	if (r < 0)
		return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return -ENOENT;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

int cmd_graph(int argc, char **argv)
{
	const char *lab = argv[1], *prefix = argv[1];
	char dotfile[4096], svg[4096], err[256] = "";
	json_t *st = NULL, *ports = NULL, *req;
	struct lab_paths p;
	struct swclient *c;
	FILE *f;
	int ret;

	if (argc == 4 && strcmp(argv[2], "--out") == 0)
		prefix = argv[3];
	else if (argc != 2)
		return cmd_usage("graph");
	/* "" or "dir/" would write the hidden files .dot and .svg */
	if (prefix[0] == '\0' || prefix[strlen(prefix) - 1] == '/') {
		fprintf(stderr, "rackless: graph: --out '%s' has no file name\n", prefix);
		return cmd_usage("graph");
	}
	if (!topo_name_valid(lab))
		return cmd_usage("graph");
	st = lab_state_load(lab);
	if (st == NULL) {
		fprintf(stderr, "rackless: no lab named %s is up\n", lab);
		return 1;
	}
	/* live state: without a switch the graph is drawn from the file alone */
	lab_paths(lab, &p);
	c = swclient_connect(p.sock);
	if (c != NULL) {
		req = json_pack("{s:s}", "cmd", "ports");
		if (swclient_call(c, req, 10000, &ports, err, sizeof(err)) < 0)
			fprintf(stderr, "rackless: switch: %s\n", err[0] ? err : "no answer");
		json_decref(req);
		swclient_close(c);
	} else {
		fprintf(stderr, "rackless: lab %s: switch not reachable, no live state\n", lab);
	}
	snprintf(dotfile, sizeof(dotfile), "%s.dot", prefix);
	snprintf(svg, sizeof(svg), "%s.svg", prefix);
	f = fopen(dotfile, "w");
	if (f == NULL) {
		fprintf(stderr, "rackless: %s: %s\n", dotfile, strerror(errno));
		ret = 1;
		goto out;
	}
	ret = graph_write(lab, st, ports, f);
	if (fclose(f) != 0 || ret < 0) {
		fprintf(stderr, "rackless: %s: write failed\n", dotfile);
		ret = 1;
		goto out;
	}
	ret = graph_svg(dotfile, svg);
	if (ret == -ENOENT)
		printf("wrote %s (install graphviz for %s)\n", dotfile, svg);
	else if (ret == -ETIMEDOUT)
		fprintf(stderr, "rackless: dot took over %d s to draw %s: stopped (the .dot is there)\n",
			GRAPH_DRAW_SECS, dotfile);
	else if (ret < 0)
		fprintf(stderr, "rackless: dot could not draw %s\n", dotfile);
	else
		printf("wrote %s and %s\n", dotfile, svg);
	ret = ret == -EIO || ret == -ETIMEDOUT ? 1 : 0;
out:
	json_decref(st);
	json_decref(ports);
	return ret;
}
