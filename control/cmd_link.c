/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rackless link LAB ENDPOINT show
 * rackless link LAB ENDPOINT set KEY=VALUE... [--egress|--ingress] [--replace]
 * rackless link LAB ENDPOINT down|up
 *
 * ENDPOINT is either end of a link as the topology names it (h1:eth0 or
 * sw1:p1). Directions are the named endpoint's: --egress is what it sends,
 * --ingress what it receives; without either, both. Changes are live: the
 * switch applies them at the next frame, nothing restarts.
 *
 * A link between two switches (a trunk) is a pair of patch ports; each
 * direction is emulated on the "out" side of the port it leaves. When a
 * trunk goes down or up, the spanning tree is recomputed from the switch's
 * port states and the difference applied, and the FDB is flushed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "lab.h"
#include "linkparams.h"
#include "stp.h"
#include "swclient.h"

struct link_ref {
	char port[96];  /* switch port name, "sw1:p1"; for a trunk, the named end */
	char host[96];  /* "h1:eth0"; for a trunk, the other switch end */
	int named_host; /* the user named the host end */
	int trunk;      /* switch to switch */
	/* A wire (a link between two hosts, topo.h): host/port are the first
	 * host's link, which holds the parameters; peer_* the second's. */
	int wire;
	int named_second; /* the user named the second host's end */
	char peer_host[96];
	char peer_port[96];
};

/* The state's node of endpoint "node:if", or NULL. */
static json_t *ep_node(json_t *st, const char *ep)
{
	const char *colon = strchr(ep, ':');
	json_t *n;
	size_t i;

	json_array_foreach(json_object_get(st, "nodes"), i, n) {
		const char *name = json_string_value(json_object_get(n, "name"));

		if (name && colon && strlen(name) == (size_t)(colon - ep) &&
		    strncmp(name, ep, (size_t)(colon - ep)) == 0)
			return n;
	}
	return NULL;
}

/* Is "node:if" an endpoint on a switch, per the lab's state? */
static int ep_is_switch(json_t *st, const char *ep)
{
	const char *kind = json_string_value(json_object_get(ep_node(st, ep), "kind"));

	return kind != NULL && strcmp(kind, "switch") == 0;
}

/* Is "node:if" a port of a wire? */
static int ep_is_wire(json_t *st, const char *ep)
{
	return json_is_true(json_object_get(ep_node(st, ep), "wire"));
}

/* r names one host end of a wire: find both of its links (the first in the
 * state is the one the file's link became, with the parameters). */
static int link_find_wire(json_t *st, const char *ep, struct link_ref *r)
{
	const char *wire = r->port, *colon = strchr(wire, ':');
	json_t *l;
	size_t i;
	int k = 0;

	json_array_foreach(json_object_get(st, "links"), i, l)
	{
		const char *a = json_string_value(json_array_get(l, 0));
		const char *b = json_string_value(json_array_get(l, 1));

		if (a == NULL || b == NULL || colon == NULL ||
		    strncmp(b, wire, (size_t)(colon - wire) + 1) != 0)
			continue;
		if (k == 0) {
			r->named_second = strcmp(a, ep) != 0;
			snprintf(r->host, sizeof(r->host), "%s", a);
			snprintf(r->port, sizeof(r->port), "%s", b);
		} else {
			snprintf(r->peer_host, sizeof(r->peer_host), "%s", a);
			snprintf(r->peer_port, sizeof(r->peer_port), "%s", b);
		}
		if (++k == 2)
			break;
	}
	r->wire = 1;
	r->named_host = 1;
	return k == 2 ? 0 : -ENOENT;
}

static int link_find(const char *lab, const char *ep, struct link_ref *r)
{
	json_t *st = lab_state_load(lab), *l;
	size_t i;
	int ret = -ENOENT;

	if (st == NULL) {
		fprintf(stderr, "rackless: no lab named %s is up\n", lab);
		return -ENOENT;
	}
	json_array_foreach(json_object_get(st, "links"), i, l)
	{
		const char *a = json_string_value(json_array_get(l, 0));
		const char *b = json_string_value(json_array_get(l, 1));

		if (a == NULL || b == NULL || (strcmp(a, ep) != 0 && strcmp(b, ep) != 0))
			continue;
		r->trunk = ep_is_switch(st, a) && ep_is_switch(st, b);
		if (r->trunk) {
			snprintf(r->port, sizeof(r->port), "%s", ep);
			snprintf(r->host, sizeof(r->host), "%s", strcmp(a, ep) == 0 ? b : a);
			r->named_host = 0;
		} else {
			snprintf(r->host, sizeof(r->host), "%s", a);
			snprintf(r->port, sizeof(r->port), "%s", b);
			r->named_host = strcmp(a, ep) == 0;
		}
		r->wire = 0;
		ret = 0;
		if (!r->trunk && ep_is_wire(st, b)) {
			if (!r->named_host)
				ret = -ENOENT; /* its ports are the loader's, not the file's */
			else
				ret = link_find_wire(st, ep, r);
		}
		break;
	}
	json_decref(st);
	if (ret < 0)
		fprintf(stderr, "rackless: lab %s has no link with endpoint %s\n", lab, ep);
	return ret;
}

static int link_call(const char *lab, json_t *req, json_t **result)
{
	struct lab_paths p;
	struct swclient *c;
	char err[256] = "";
	int ret;

	lab_paths(lab, &p);
	c = swclient_connect(p.sock);
	if (c == NULL) {
		ret = -errno;
		lab_unreachable(lab, ret);
		json_decref(req);
		return ret;
	}
	ret = swclient_call(c, req, 10000, result, err, sizeof(err));
	swclient_close(c);
	json_decref(req);
	if (ret < 0)
		fprintf(stderr, "rackless: %s\n", err[0] ? err : strerror(-ret));
	return ret;
}

/* "k=v k=v" (checked already) into p. */
static void link_params_parse(const char *s, struct linkparams *p)
{
	char buf[1024], err[200], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", s ? s : "");
	for (tok = strtok_r(buf, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save))
		linkparams_set_kv(p, tok, err, sizeof(err));
}

/* Is the cable of a link-show reply pulled: a state=down on the direction
 * its port sends ("out", where a trunk end's parameters live)? */
static int link_out_down(json_t *res)
{
	struct linkparams lp = {0};

	link_params_parse(json_string_value(json_object_get(json_object_get(res, "out"), "params")),
			  &lp);
	return lp.down != 0;
}

static void link_print_dir(const char *from, const char *to, json_t *d)
{
	const char *k;
	json_t *v;

	printf("  %s -> %s\n", from, to);
	printf("    params:   %s\n", json_string_value(json_object_get(d, "params"))[0]
					 ? json_string_value(json_object_get(d, "params"))
					 : "(none: a clean link)");
	printf("    frames:   offered %lld, passed %lld, delayed %lld, duplicated %lld, "
	       "corrupted %lld, reordered %lld\n",
	       (long long)json_integer_value(json_object_get(d, "offered")),
	       (long long)json_integer_value(json_object_get(d, "passed")),
	       (long long)json_integer_value(json_object_get(d, "delayed")),
	       (long long)json_integer_value(json_object_get(d, "duplicated")),
	       (long long)json_integer_value(json_object_get(d, "corrupted")),
	       (long long)json_integer_value(json_object_get(d, "reordered")));
	printf("    queue:    %lld frames held, %lld bytes backlog\n",
	       (long long)json_integer_value(json_object_get(d, "held")),
	       (long long)json_integer_value(json_object_get(d, "backlog_bytes")));
	printf("    dropped: ");
	json_object_foreach(json_object_get(d, "drops"), k, v)
	    printf(" %s=%lld", k, (long long)json_integer_value(v));
	printf("\n");
}

static void link_print(const struct link_ref *r, json_t *res, json_t *peer)
{
	if (r->wire) {
		printf("link %s <-> %s (a wire between two hosts)\n", r->host, r->peer_host);
		link_print_dir(r->host, r->peer_host, json_object_get(res, "in"));
		link_print_dir(r->peer_host, r->host, json_object_get(res, "out"));
		return;
	}
	if (r->trunk) {
		printf("link %s <-> %s (between switches)\n", r->port, r->host);
		/* a pulled cable forwards nothing, whatever the tree makes of
		 * it: as status's STATE, down comes before blocked */
		if (link_out_down(res) || link_out_down(peer))
			printf("  spanning tree: down (the cable is pulled: it carries nothing "
			       "until it is up)\n");
		else if (json_is_true(json_object_get(res, "blocked")))
			printf("  spanning tree: blocked (a loop: it carries nothing until the tree "
			       "needs it)\n");
		else
			printf("  spanning tree: forwarding\n");
		link_print_dir(r->port, r->host, json_object_get(res, "out"));
		link_print_dir(r->host, r->port, json_object_get(peer, "out"));
		return;
	}
	printf("link %s <-> %s\n", r->host, r->port);
	link_print_dir(r->host, r->port, json_object_get(res, "in"));
	link_print_dir(r->port, r->host, json_object_get(res, "out"));
}

/* The second host's link of a wire carries no parameters, only the
 * cable's state: the last state= of params (with --replace, also none:
 * the link is clean and up again). Appended to steps if there is one. */
static void link_wire_state(json_t *steps, const char *port, const char *params, int replace)
{
	char state[32] = "";
	const char *p = params, *hit = NULL;

	while ((p = strstr(p, "state=")) != NULL) {
		if (p == params || p[-1] == ' ')
			hit = p;
		p += 6;
	}
	if (hit != NULL)
		snprintf(state, sizeof(state), "%.*s", (int)strcspn(hit, " "), hit);
	if (hit == NULL && !replace)
		return;
	json_array_append_new(steps, json_pack("{s:s, s:s, s:s, s:s, s:b}", "cmd", "link-set",
					       "name", port, "dir", "both", "params", state,
					       "replace", replace));
}

/* The change a `link set` makes to a trunk: the "out" directions of the
 * ends it sets, merged (or replaced) with delta. */
struct trunk_change {
	const char *end[2];
	int set[2];
	struct linkparams delta;
	int replace;
};

/* Will this trunk end's port be down (its "out" direction) after tc? */
static int link_down_after(json_t *port, const char *name, const struct trunk_change *tc)
{
	int down = json_is_true(json_object_get(port, "down"));

	for (int e = 0; e < 2; e++) {
		struct linkparams lp = {0};

		if (!tc->set[e] || strcmp(name, tc->end[e]) != 0)
			continue;
		if (!tc->replace)
			link_params_parse(json_string_value(json_object_get(port, "link_out")), &lp);
		linkparams_merge(&lp, &tc->delta);
		down = lp.down != 0;
	}
	return down;
}

/* Switch index of endpoint "node:if" among the lab's switches; -1 if none. */
static int stp_switch_of(const char **names, unsigned n_sw, const char *ep)
{
	for (unsigned s = 0; s < n_sw; s++) {
		size_t len = strlen(names[s]);
		if (strncmp(ep, names[s], len) == 0 && ep[len] == ':')
			return (int)s;
	}
	return -1;
}

/* Recompute the spanning tree from the switch's port states as tc leaves
 * them, and append to steps the difference (port-state requests) and, if
 * there was one, an FDB flush: MACs may now be elsewhere. msgs gets a line
 * per trunk opened or blocked, printed once the batch is applied.
 * `reconnected` names a trunk whose cable was just set: if it now carries
 * traffic (up, not blocked), switches beyond it became reachable by a path
 * the FDB does not know (a part that was cut off is joined again, with no
 * other trunk changing): flush too. */
static int link_stp_plan(const char *lab, const struct trunk_change *tc, const char *reconnected,
			 json_t *steps, json_t *msgs)
{
	json_t *st = lab_state_load(lab), *ports = NULL, *links, *l, *n;
	struct stp_link *sl = NULL;
	const char **names = NULL, **ends = NULL;
	unsigned n_sw = 0, nt = 0;
	uint8_t *blocked = NULL;
	size_t i, nl;
	int changed = 0, ret;

	if (st == NULL)
		return -ENOENT;
	ret = link_call(lab, json_pack("{s:s}", "cmd", "ports"), &ports);
	if (ret < 0)
		goto out;
	links = json_object_get(st, "links");
	nl = json_array_size(links);
	names = calloc(json_array_size(json_object_get(st, "nodes")) + 1, sizeof(*names));
	ends = calloc(2 * nl + 1, sizeof(*ends));
	sl = calloc(nl + 1, sizeof(*sl));
	blocked = calloc(nl + 1, 1);
	if (names == NULL || ends == NULL || sl == NULL || blocked == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	json_array_foreach(json_object_get(st, "nodes"), i, n) {
		if (strcmp(json_string_value(json_object_get(n, "kind")) ?: "", "switch") == 0)
			names[n_sw++] = json_string_value(json_object_get(n, "name"));
	}
	json_array_foreach(links, i, l) {
		const char *a = json_string_value(json_array_get(l, 0));
		const char *b = json_string_value(json_array_get(l, 1));
		json_t *pa, *pb;
		int ia, ib;

		if (!a || !b || !ep_is_switch(st, a) || !ep_is_switch(st, b))
			continue;
		ia = stp_switch_of(names, n_sw, a);
		ib = stp_switch_of(names, n_sw, b);
		pa = swclient_port(ports, a);
		pb = swclient_port(ports, b);
		if (ia < 0 || ib < 0 || pa == NULL || pb == NULL)
			continue;
		ends[2 * nt] = a;
		ends[2 * nt + 1] = b;
		sl[nt++] = (struct stp_link){(unsigned)ia, (unsigned)ib,
					     !link_down_after(pa, a, tc) && !link_down_after(pb, b, tc)};
	}
	ret = stp_compute(n_sw, sl, nt, blocked);
	for (unsigned k = 0; k < nt && ret == 0 && reconnected != NULL; k++)
		if ((strcmp(ends[2 * k], reconnected) == 0 ||
		     strcmp(ends[2 * k + 1], reconnected) == 0) &&
		    sl[k].up && !blocked[k])
			changed = 1;
	for (unsigned k = 0; k < nt && ret == 0; k++) {
		int was = json_is_true(json_object_get(swclient_port(ports, ends[2 * k]), "blocked"));

		if (was == blocked[k])
			continue;
		changed = 1;
		for (int e = 0; e < 2; e++)
			json_array_append_new(steps, json_pack("{s:s, s:s, s:b}", "cmd", "port-state",
							       "name", ends[2 * k + e], "blocked",
							       blocked[k]));
		json_array_append_new(msgs, json_sprintf("spanning tree: %s %s <-> %s",
							 blocked[k] ? "blocked" : "opened",
							 ends[2 * k], ends[2 * k + 1]));
	}
	/* a new tree moves MACs; the same tree (a delay set, a blocked trunk
	 * pulled) leaves them where they are */
	if (ret == 0 && changed)
		json_array_append_new(steps, json_pack("{s:s}", "cmd", "fdb-flush"));
out:
	json_decref(ports);
	json_decref(st);
	free(names);
	free(ends);
	free(sl);
	free(blocked);
	return ret;
}

/* Apply a `link set|up|down` as one batch request: a wire's two ends, or
 * a trunk's directions with the spanning tree's answer and the FDB flush,
 * change together or (a switch that stalled past the deadline) not at
 * all. 0 or -errno. */
static int link_apply(const char *lab, const struct link_ref *r, const char *dir,
		      const char *params, int replace)
{
	json_t *steps = json_array(), *msgs = json_array(), *m;
	size_t i;
	int ret = 0;

	if (!r->trunk) {
		json_array_append_new(steps, json_pack("{s:s, s:s, s:s, s:s, s:b}", "cmd",
						       "link-set", "name", r->port, "dir", dir,
						       "params", params, "replace", replace));
		/* a wire's cable is both hosts' carrier */
		if (r->wire)
			link_wire_state(steps, r->peer_port, params, replace);
	} else {
		/* each direction lives on the out side of the port it leaves:
		 * the named end's egress is its own port */
		struct trunk_change tc = {.end = {r->port, r->host},
					  .set = {strcmp(dir, "in") != 0, strcmp(dir, "out") != 0},
					  .replace = replace};

		link_params_parse(params, &tc.delta);
		for (int e = 0; e < 2; e++)
			if (tc.set[e])
				json_array_append_new(
				    steps, json_pack("{s:s, s:s, s:s, s:s, s:b}", "cmd", "link-set",
						     "name", tc.end[e], "dir", "out", "params", params,
						     "replace", replace));
		/* any change may carry (or, with --replace, drop) a state=down:
		 * the tree follows what the trunks will be */
		ret = link_stp_plan(lab, &tc,
				    strstr(params, "state=up") != NULL ||
					    (replace && strstr(params, "state=down") == NULL)
					? r->port
					: NULL,
				    steps, msgs);
	}
	if (ret == 0)
		ret = link_call(lab, json_pack("{s:s, s:O}", "cmd", "batch", "requests", steps),
				NULL);
	json_array_foreach(msgs, i, m)
		if (ret == 0)
			printf("%s\n", json_string_value(m));
	json_decref(steps);
	json_decref(msgs);
	return ret;
}

int cmd_link(int argc, char **argv)
{
	const char *lab = argv[1], *ep = argv[2], *verb = argv[3];
	const char *dir = "both";
	char params[1024] = "", err[200];
	int replace = 0, state = 0, ret;
	struct link_ref r;
	json_t *res = NULL, *peer = NULL;

	if (!topo_name_valid(lab) || link_find(lab, ep, &r) < 0)
		return 1;
	if (strcmp(verb, "down") == 0 || strcmp(verb, "up") == 0) {
		if (argc != 4)
			return cmd_usage("link");
		snprintf(params, sizeof(params), "state=%s", verb);
	} else if (strcmp(verb, "set") == 0) {
		const char *flag = NULL; /* --egress or --ingress, as given */
		size_t off = 0;

		for (int i = 4; i < argc; i++) {
			struct linkparams check = {0};

			if (strcmp(argv[i], "--egress") == 0 || strcmp(argv[i], "--ingress") == 0) {
				int egress = strcmp(argv[i], "--egress") == 0;

				/* both are no direction of their own: the last
				 * one won, silently; without either is both */
				if (flag != NULL && strcmp(flag, argv[i]) != 0) {
					fprintf(stderr,
						"rackless: link: --egress or --ingress, not "
						"both: one direction or the other (neither "
						"for both ways)\n");
					return cmd_usage("link");
				}
				flag = argv[i];
				/* a host's egress is the switch's "in"; a trunk
				 * end's egress is its own port's "out" */
				if (r.trunk)
					dir = egress ? "out" : "in";
				else if (r.wire) /* the first host's egress is "in" */
					dir = egress != r.named_second ? "in" : "out";
				else
					dir = egress == r.named_host ? "in" : "out";
				continue;
			}
			if (strcmp(argv[i], "--replace") == 0) {
				replace = 1;
				continue;
			}
			/* check here, so a typo is named before anything changes */
			if (linkparams_set_kv(&check, argv[i], err, sizeof(err)) < 0) {
				fprintf(stderr, "rackless: %s\n", err);
				return 2;
			}
			state |= (check.set & LP_F_STATE) != 0;
			off += (size_t)snprintf(params + off,
						off < sizeof(params) ? sizeof(params) - off : 0,
						"%s%s", off ? " " : "", argv[i]);
			if (off >= sizeof(params)) {
				fprintf(stderr, "rackless: too many parameters\n");
				return 2;
			}
		}
		if (params[0] == '\0' && !replace)
			return cmd_usage("link");
		/* a cable is up or down both ways: half a link down is no state */
		if (state && strcmp(dir, "both") != 0) {
			fprintf(stderr, "rackless: link: state is the cable's, both ways: not with "
					"--egress or --ingress\n");
			return cmd_usage("link");
		}
	} else if (strcmp(verb, "show") != 0 || argc != 4) {
		return cmd_usage("link");
	}

	if (strcmp(verb, "show") != 0) {
		int lock = lab_link_lock(lab);

		if (lock < 0) {
			fprintf(stderr, "rackless: lab %s: %s\n", lab, strerror(-lock));
			return 1;
		}
		ret = link_apply(lab, &r, dir, params, replace);
		close(lock);
		if (ret < 0)
			return 1;
	}
	ret = link_call(lab, json_pack("{s:s, s:s}", "cmd", "link-show", "name", r.port), &res);
	if (ret == 0 && r.trunk)
		ret = link_call(lab, json_pack("{s:s, s:s}", "cmd", "link-show", "name", r.host),
				&peer);
	if (ret == 0)
		link_print(&r, res, peer);
	json_decref(res);
	json_decref(peer);
	return ret < 0 ? 1 : 0;
}
