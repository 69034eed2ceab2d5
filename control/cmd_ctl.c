/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rackless ctl LAB JSON: one request to the lab's switch, as it is.
 *
 * The sockets an add-port (or add-ports) makes outside the lab's run
 * directory, a vhost port's "path" and a memif server's socket=, are
 * journaled before the request goes, as up journals its own: after a
 * kill -9 of the switch, cleanup removes them (the run directory's are
 * swept anyway). A request the switch refuses made nothing, and its
 * records are voided (the path may be someone else's); a del-port that
 * went through voids the records of its port, whose socket the switch
 * removed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <jansson.h>

#include "cmds.h"
#include "devargs.h"
#include "journal.h"
#include "lab.h"
#include "swclient.h"

#define CTL_SOCKS_MAX 64

struct ctl_socks {
	struct journal *j;
	int seq[CTL_SOCKS_MAX];
	unsigned n;
};

/* The socket file one port of an add-port makes outside dir, into buf;
 * 0 if none. */
static int ctl_port_socket(json_t *port, const char *dir, char *buf, size_t len)
{
	const char *type = json_string_value(json_object_get(port, "type"));
	const char *path = json_string_value(json_object_get(port, "path"));
	const char *da = json_string_value(json_object_get(port, "devargs"));
	size_t dl = strlen(dir);

	buf[0] = '\0';
	if (type != NULL && strcmp(type, "vhost") == 0 && path != NULL)
		snprintf(buf, len, "%s", path);
	else if (type != NULL && strcmp(type, "ethdev") == 0 && da != NULL &&
		 devargs_memif_file(da) && devargs_memif_server(da) &&
		 devargs_get(da, "socket", buf, len) != 1)
		snprintf(buf, len, "/run/memif.sock"); /* DPDK's default */
	/* relative paths the switch refuses; its run directory is swept */
	if (buf[0] != '/' || (strncmp(buf, dir, dl) == 0 && buf[dl] == '/'))
		buf[0] = '\0';
	return buf[0] != '\0';
}

/* Journal one socket with a sequence number of its own (a ctl does not know
 * up's, and a void names one): random, 2^30 of them. */
static int ctl_journal_socket(struct ctl_socks *s, const char *path, const char *name)
{
	uint32_t r = 0;
	json_t *rec;
	int ret;

	if (s->n == CTL_SOCKS_MAX)
		return -ENOSPC;
	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		return -EIO;
	s->seq[s->n] = (int)(0x40000000u | (r & 0x3fffffffu));
	rec = json_pack("{s:s, s:s, s:s, s:i}", "op", "socket", "path", path, "node", name,
			"seq", s->seq[s->n]);
	ret = rec ? journal_append(s->j, rec) : -ENOMEM;
	json_decref(rec);
	if (ret == 0)
		s->n++;
	return ret;
}

static void ctl_void(struct journal *j, json_int_t seq)
{
	json_t *rec = json_pack("{s:s, s:I}", "op", "void", "ref", seq);

	if (rec != NULL)
		journal_append(j, rec);
	json_decref(rec);
}

/* Before an add-port or add-ports: journal the sockets it makes. */
static int ctl_journal_adds(struct ctl_socks *s, json_t *req, const char *dir)
{
	const char *cmd = json_string_value(json_object_get(req, "cmd"));
	json_t *ports, *p;
	char path[256];
	size_t i;
	int ret = 0;

	if (cmd == NULL)
		return 0;
	if (strcmp(cmd, "add-port") == 0)
		ports = json_pack("[O]", req);
	else if (strcmp(cmd, "add-ports") == 0)
		ports = json_incref(json_object_get(req, "ports"));
	else
		return 0;
	json_array_foreach(ports, i, p) {
		const char *name = json_string_value(json_object_get(p, "name"));

		if (ret == 0 && ctl_port_socket(p, dir, path, sizeof(path)))
			ret = ctl_journal_socket(s, path, name ? name : "");
	}
	json_decref(ports);
	return ret;
}

/* After a del-port that went through: void its port's socket records. */
static void ctl_journal_del(struct journal *j, json_t *req, const char *dir)
{
	const char *name = json_string_value(json_object_get(req, "name"));
	json_t *recs = NULL, *r;
	size_t i;

	if (name == NULL || journal_load(dir, &recs) < 0)
		return;
	json_array_foreach(recs, i, r) {
		const char *op = json_string_value(json_object_get(r, "op"));
		const char *node = json_string_value(json_object_get(r, "node"));

		if (op != NULL && strcmp(op, "socket") == 0 && node != NULL &&
		    strcmp(node, name) == 0 && json_object_get(r, "seq") != NULL)
			ctl_void(j, json_integer_value(json_object_get(r, "seq")));
	}
	json_decref(recs);
}

int cmd_ctl_send(const char *lab, const char *text, char **reply)
{
	struct ctl_socks s = {0};
	struct lab_paths p;
	struct swclient *c;
	json_t *req = json_loads(text, 0, NULL);
	const char *cmd = json_string_value(json_object_get(req, "cmd"));
	int ret, ok;

	lab_paths(lab, &p);
	c = swclient_connect(p.sock);
	if (c == NULL) {
		ret = -errno;
		lab_unreachable(lab, ret);
		goto out;
	}
	ret = journal_open(p.dir, &s.j);
	if (ret == 0 && req != NULL)
		ret = ctl_journal_adds(&s, req, p.dir);
	if (ret < 0) {
		fprintf(stderr, "rackless: lab %s: journal: %s\n", lab, strerror(-ret));
		goto out;
	}
	ret = swclient_raw(c, text, 10000, reply);
	if (ret < 0) {
		fprintf(stderr, "rackless: lab %s: %s\n", lab, strerror(-ret));
		goto out; /* no answer: the sockets may be there */
	}
	ok = strstr(*reply, "\"ok\":true") != NULL;
	for (unsigned i = 0; !ok && i < s.n; i++)
		ctl_void(s.j, s.seq[i]);
	if (ok && cmd != NULL && strcmp(cmd, "del-port") == 0)
		ctl_journal_del(s.j, req, p.dir);
out:
	if (s.j != NULL)
		journal_close(s.j);
	swclient_close(c);
	json_decref(req);
	return ret;
}
