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
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "lab.h"
#include "linkparams.h"
#include "swclient.h"

struct link_ref {
	char port[96];	/* switch port name, "sw1:p1" */
	char host[96];	/* "h1:eth0" */
	int named_host; /* the user named the host end */
};

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
		snprintf(r->host, sizeof(r->host), "%s", a);
		snprintf(r->port, sizeof(r->port), "%s", b);
		r->named_host = strcmp(a, ep) == 0;
		ret = 0;
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
		fprintf(stderr, "rackless: lab %s: switch not reachable: %s\n", lab,
			strerror(errno));
		json_decref(req);
		return -errno;
	}
	ret = swclient_call(c, req, 10000, result, err, sizeof(err));
	swclient_close(c);
	json_decref(req);
	if (ret < 0)
		fprintf(stderr, "rackless: %s\n", err[0] ? err : strerror(-ret));
	return ret;
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

static void link_print(const struct link_ref *r, json_t *res)
{
	printf("link %s <-> %s\n", r->host, r->port);
	link_print_dir(r->host, r->port, json_object_get(res, "in"));
	link_print_dir(r->port, r->host, json_object_get(res, "out"));
}

int cmd_link(int argc, char **argv)
{
	const char *lab = argv[1], *ep = argv[2], *verb = argv[3];
	const char *dir = "both";
	char params[1024] = "", err[200];
	int replace = 0, ret;
	struct link_ref r;
	json_t *res = NULL, *req;

	if (!topo_name_valid(lab) || link_find(lab, ep, &r) < 0)
		return 1;
	if (strcmp(verb, "down") == 0 || strcmp(verb, "up") == 0) {
		if (argc != 4)
			return cmd_usage("link");
		snprintf(params, sizeof(params), "state=%s", verb);
	} else if (strcmp(verb, "set") == 0) {
		size_t off = 0;

		for (int i = 4; i < argc; i++) {
			struct linkparams check = {0};

			if (strcmp(argv[i], "--egress") == 0 || strcmp(argv[i], "--ingress") == 0) {
				/* host egress is the switch's "in" */
				int egress = strcmp(argv[i], "--egress") == 0;
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
	} else if (strcmp(verb, "show") != 0 || argc != 4) {
		return cmd_usage("link");
	}

	if (strcmp(verb, "show") == 0)
		req = json_pack("{s:s, s:s}", "cmd", "link-show", "name", r.port);
	else
		req = json_pack("{s:s, s:s, s:s, s:s, s:b}", "cmd", "link-set", "name", r.port,
				"dir", dir, "params", params, "replace", replace);
	ret = link_call(lab, req, &res);
	if (ret < 0)
		return 1;
	link_print(&r, res);
	json_decref(res);
	return 0;
}
