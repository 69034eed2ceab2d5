/* SPDX-License-Identifier: BSD-3-Clause */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_mempool.h>

#include "ctl.h"
#include "ctl_priv.h"
#include "kfast.h"
#include "portlink.h"
#include "worker.h"

#define CTL_CLIENTS_MAX 256
/* when every slot is taken, the client idle longest makes room for a new
 * one if it has been idle this long: clients that connect and never send
 * (or stop halfway) cannot lock the CLI out */
#define CTL_EVICT_IDLE_NS (1000ull * 1000 * 1000)
#define CTL_TAG_LISTEN	(-1)
#define CTL_TAG_SIGNAL	(-2)
#define CTL_TAG_TIMER	(-3)
#define CTL_TAG_KFAST	(-4)

/* A client is served one request at a time: the reply goes out without
 * waiting (what the socket does not take waits in out, and the client is
 * watched for EPOLLOUT instead of EPOLLIN), and its next request is read
 * once the reply is out. A client that stops reading holds only its own
 * reply, never the control thread. */
struct ctl_client {
	int fd;
	char *buf;
	size_t len, cap;
	char *out; /* the reply not yet sent, from out_off to out_len */
	size_t out_off, out_len;
	bool watch_out; /* watched for EPOLLOUT (a reply waits), not EPOLLIN */
	uint64_t last_ns; /* connected, or last received from or sent to (CLOCK_MONOTONIC) */
};

struct ctl {
	struct sw *sw;
	char path[108];
	int lfd, epfd, tfd;
	struct ctl_client clients[CTL_CLIENTS_MAX];
};

/* ---- replies -------------------------------------------------------- */

json_t *ctl_error(int err, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return json_pack("{s:b, s:s, s:i}", "ok", 0, "error", msg, "errno", err);
}

json_t *ctl_ok(json_t *result)
{
	if (result == NULL)
		return json_pack("{s:b}", "ok", 1);
	return json_pack("{s:b, s:o}", "ok", 1, "result", result);
}

/* Optional string argument; "" when absent. NULL when present but not a
 * string (the caller replies with an error). */
const char *ctl_str(json_t *req, const char *key)
{
	json_t *v = json_object_get(req, key);

	if (v == NULL || json_is_null(v))
		return "";
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int ctl_mac_parse(const char *s, uint8_t mac[6])
{
	unsigned b[6];
	char tail;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

/* ---- commands ------------------------------------------------------- */

static json_t *ctl_cmd_ping(struct ctl *c, json_t *req, bool *shutdown)
{
	(void)req;
	(void)shutdown;
	return ctl_ok(json_pack("{s:i, s:i, s:i}", "pid", (int)getpid(), "ports",
				(int)c->sw->n_ports, "workers", (int)c->sw->n_workers));
}

/* vhost: the socket path given, or <run dir>/<port name>.sock beside the
 * control socket (characters other than [A-Za-z0-9._:-] of the name become
 * '_'). NULL, or an error reply. */
static json_t *ctl_vhost_path(struct ctl *c, const char *path, struct port_conf *conf)
{
	char why[300];
	const char *slash = strrchr(c->path, '/');
	int ret, off;

	if (path[0] != '\0') {
		snprintf(conf->path, sizeof(conf->path), "%s", path);
	} else {
		off = snprintf(conf->path, sizeof(conf->path), "%.*s/",
			       slash ? (int)(slash - c->path) : 1, slash ? c->path : ".");
		for (const char *s = conf->name; *s && off < (int)sizeof(conf->path) - 6; s++)
			conf->path[off++] = strchr("._:-", *s) || isalnum((unsigned char)*s) ? *s : '_';
		snprintf(conf->path + off, sizeof(conf->path) - (size_t)off, ".sock");
	}
	ret = port_vhost_path_check(conf->path, why, sizeof(why));
	if (ret < 0)
		return ctl_error(-ret, "add-port %s: %s", conf->name, why);
	return NULL;
}

/* ethdev: the devargs, checked before anything is made. NULL, or an error
 * reply that names what is wrong. */
static json_t *ctl_ethdev_devargs(json_t *req, struct port_conf *conf)
{
	const char *devargs = ctl_str(req, "devargs");
	char why[300];
	int ret;

	if (devargs == NULL || devargs[0] == '\0')
		return ctl_error(EINVAL, "add-port %s: ethdev ports need 'devargs' (a string)",
				 conf->name);
	ret = port_ethdev_check(devargs, why, sizeof(why));
	if (ret < 0)
		return ctl_error(-ret, "add-port %s: devargs: %s", conf->name, why);
	snprintf(conf->devargs, sizeof(conf->devargs), "%s", devargs);
	return NULL;
}

/* The arguments of one port (add-port, and each element of add-ports).
 * NULL, or an error reply. */
static json_t *ctl_port_parse(struct ctl *c, json_t *req, struct port_conf *conf,
			      const char **bridgep)
{
	const char *name = ctl_str(req, "name"), *type = ctl_str(req, "type");
	const char *bridge = ctl_str(req, "bridge"), *ifname = ctl_str(req, "ifname");
	const char *netns = ctl_str(req, "netns"), *mac = ctl_str(req, "mac");
	const char *path = ctl_str(req, "path");
	json_t *mtu = json_object_get(req, "mtu");

	memset(conf, 0, sizeof(*conf));
	if (!json_is_object(req))
		return ctl_error(EINVAL, "add-port: a port is a JSON object");
	if (!name || !type || !bridge || !ifname || !netns || !mac || !path)
		return ctl_error(EINVAL, "add-port: arguments must be strings");
	if (name[0] == '\0' || strlen(name) >= sizeof(conf->name))
		return ctl_error(EINVAL, "add-port: 'name' must be 1..%zu chars",
				 sizeof(conf->name) - 1);
	if (port_type_parse(type, &conf->type) < 0 || conf->type == PORT_TYPE_PATCH)
		return ctl_error(EINVAL, "add-port: unknown type '%s' (afpacket, afxdp, tap, ring, vhost, ethdev; patch "
					 "ports are made in pairs by add-patch)",
				 type);
	if (bridge[0] == '\0' || strlen(bridge) >= SW_BRIDGE_NAME)
		return ctl_error(EINVAL, "add-port: 'bridge' must be 1..%d chars",
				 SW_BRIDGE_NAME - 1);
	if (strlen(ifname) >= sizeof(conf->ifname) || strlen(netns) >= sizeof(conf->netns))
		return ctl_error(EINVAL, "add-port: 'ifname' or 'netns' too long");
	if (conf->type != PORT_TYPE_RING && conf->type != PORT_TYPE_VHOST &&
	    conf->type != PORT_TYPE_ETHDEV && ifname[0] == '\0')
		return ctl_error(EINVAL, "add-port: '%s' ports need 'ifname'", type);
	if (mac[0] != '\0' && ctl_mac_parse(mac, conf->mac) < 0)
		return ctl_error(EINVAL, "add-port: bad mac '%s'", mac);
	if (mtu != NULL && (!json_is_integer(mtu) || json_integer_value(mtu) < 68 ||
			    json_integer_value(mtu) > 65535))
		return ctl_error(EINVAL, "add-port: 'mtu' must be an integer in 68..65535");
	snprintf(conf->name, sizeof(conf->name), "%s", name);
	snprintf(conf->ifname, sizeof(conf->ifname), "%s", ifname);
	snprintf(conf->netns, sizeof(conf->netns), "%s", netns);
	conf->mtu = mtu ? (unsigned)json_integer_value(mtu) : 0;
	{
		json_t *ring = json_object_get(req, "ring");

		if (ring != NULL && (!json_is_integer(ring) || json_integer_value(ring) < 16 ||
				     json_integer_value(ring) > 4096 ||
				     (json_integer_value(ring) & (json_integer_value(ring) - 1))))
			return ctl_error(EINVAL, "add-port: 'ring' must be a power of two in 16..4096");
		conf->ring_size = ring ? (unsigned)json_integer_value(ring) : 0;
	}
	if (conf->type != PORT_TYPE_VHOST && path[0] != '\0')
		return ctl_error(EINVAL, "add-port: 'path' is for vhost ports");
	if (conf->type == PORT_TYPE_VHOST) {
		json_t *err = ctl_vhost_path(c, path, conf);

		if (err != NULL)
			return err;
	}
	if (conf->type != PORT_TYPE_ETHDEV && json_object_get(req, "devargs") != NULL)
		return ctl_error(EINVAL, "add-port: 'devargs' is for ethdev ports");
	if (conf->type == PORT_TYPE_ETHDEV) {
		json_t *err = ctl_ethdev_devargs(req, conf);

		if (err != NULL)
			return err;
	}
	{
		json_t *ll = json_object_get(req, "link_local");

		if (ll != NULL && !json_is_boolean(ll))
			return ctl_error(EINVAL, "add-port: 'link_local' must be true or false");
		conf->link_local = json_is_true(ll);
	}
	conf->pool = c->sw->pool;
	*bridgep = bridge;
	return ctl_link_conf(req, conf);
}

/* A link declared down starts with its cable pulled. */
static int ctl_port_carrier(struct port *p)
{
	if ((p->conf.link_in.down || p->conf.link_out.down) && p->ops->set_carrier != NULL)
		return p->ops->set_carrier(p, 0);
	return 0;
}

static json_t *ctl_cmd_add_port(struct ctl *c, json_t *req, bool *shutdown)
{
	struct port_conf conf;
	const char *bridge = NULL;
	json_t *err;
	int id, ret;

	(void)shutdown;
	err = ctl_port_parse(c, req, &conf, &bridge);
	if (err != NULL)
		return err;
	id = sw_port_add(c->sw, &conf, bridge);
	if (id < 0)
		return ctl_error(-id, "add-port %s: %s", conf.name, strerror(-id));
	ret = ctl_port_carrier(c->sw->ports[id]);
	if (ret < 0) {
		sw_port_del(c->sw, conf.name);
		return ctl_error(-ret, "add-port %s: carrier: %s", conf.name, strerror(-ret));
	}
	return ctl_ok(json_pack("{s:i, s:s}", "id", id, "name", conf.name));
}

/*   {"cmd": "add-ports", "ports": [{...add-port arguments...}, ...]}
 * All or nothing; the backends open in parallel. */
static json_t *ctl_cmd_add_ports(struct ctl *c, json_t *req, bool *shutdown)
{
	json_t *list = json_object_get(req, "ports"), *reply = NULL, *pj;
	size_t n = json_array_size(list), i;
	struct port_conf *confs = NULL;
	const char **bridges = NULL;
	unsigned failed = 0;
	int ret;

	(void)shutdown;
	if (!json_is_array(list) || n == 0)
		return ctl_error(EINVAL, "add-ports: 'ports' must be a non-empty array");
	confs = calloc(n, sizeof(*confs));
	bridges = calloc(n, sizeof(*bridges));
	if (confs == NULL || bridges == NULL) {
		reply = ctl_error(ENOMEM, "add-ports: out of memory");
		goto out;
	}
	json_array_foreach(list, i, pj) {
		reply = ctl_port_parse(c, pj, &confs[i], &bridges[i]);
		if (reply != NULL)
			goto out;
	}
	ret = sw_ports_add(c->sw, confs, bridges, (unsigned)n, &failed);
	if (ret < 0) {
		reply = ctl_error(-ret, "add-port %s: %s", confs[failed].name, strerror(-ret));
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct port *p = sw_port_find(c->sw, confs[i].name);

		ret = p ? ctl_port_carrier(p) : -ENOENT;
		if (ret < 0) {
			reply = ctl_error(-ret, "add-port %s: carrier: %s", confs[i].name,
					  strerror(-ret));
			for (size_t k = 0; k < n; k++)
				sw_port_del(c->sw, confs[k].name);
			goto out;
		}
	}
	reply = ctl_ok(json_pack("{s:i}", "added", (int)n));
out:
	free(confs);
	free(bridges);
	return reply;
}

static json_t *ctl_cmd_del_port(struct ctl *c, json_t *req, bool *shutdown)
{
	const char *name = ctl_str(req, "name");
	int ret;

	(void)shutdown;
	if (name == NULL || name[0] == '\0')
		return ctl_error(EINVAL, "del-port: 'name' (string) is required");
	ret = sw_port_del(c->sw, name);
	if (ret < 0)
		return ctl_error(-ret, "del-port %s: %s", name,
				 ret == -ENOENT ? "no such port" : strerror(-ret));
	return ctl_ok(NULL);
}

static json_t *ctl_port_json(struct ctl *c, struct port *p)
{
	json_t *drops = json_object(), *j;
	struct kfast_port_count kc = {0};
	struct linkparams lp;
	struct port_stats st;

	if (p->ops->sync_stats != NULL)
		p->ops->sync_stats(p);
	/* counters are written by a worker; a torn read is impossible for
	 * aligned 64-bit words on the architectures DPDK supports */
	memcpy(&st, &p->stats, sizeof(st));
	/* frames the kernel forwarded for the switch are the port's too */
	if (c->sw->kf != NULL) {
		kfast_port_count(c->sw->kf, p, &kc);
		st.rx_packets += kc.rx_packets;
		st.rx_bytes += kc.rx_bytes;
		st.tx_packets += kc.tx_packets;
		st.tx_bytes += kc.tx_bytes;
	}
	for (unsigned d = 0; d < PORT_DROP__COUNT; d++)
		json_object_set_new(drops, port_drop_name(d),
				    json_integer((json_int_t)st.drops[d]));
	j = json_pack("{s:i, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:o}", "id", (int)p->id,
			 "name", p->conf.name, "type", p->ops->name, "bridge",
			 sw_port_bridge(c->sw, p), "ifname", p->conf.ifname, "rx_packets",
			 (json_int_t)st.rx_packets, "rx_bytes", (json_int_t)st.rx_bytes,
			 "tx_packets", (json_int_t)st.tx_packets, "tx_bytes",
			 (json_int_t)st.tx_bytes, "drops", drops);
	if (j == NULL)
		return NULL;
	portlink_params(p->link, PORTLINK_OUT, &lp);
	json_object_set_new(j, "blocked", json_boolean(p->blocked));
	if (c->sw->kf != NULL)
		json_object_set_new(
		    j, "kernel_fastpath",
		    json_pack("{s:b, s:I, s:I, s:I, s:I}", "eligible", p->kf_ok,
				      "rx_packets", (json_int_t)kc.rx_packets, "rx_bytes",
				      (json_int_t)kc.rx_bytes, "tx_packets",
				      (json_int_t)kc.tx_packets, "tx_bytes",
				      (json_int_t)kc.tx_bytes));
	json_object_set_new(j, "down", json_boolean(lp.down));
	{
		char buf[1024];
		struct linkparams in;

		linkparams_format(&lp, buf, sizeof(buf));
		json_object_set_new(j, "link_out", json_string(buf));
		portlink_params(p->link, PORTLINK_IN, &in);
		linkparams_format(&in, buf, sizeof(buf));
		json_object_set_new(j, "link_in", json_string(buf));
	}
	if (p->peer != NULL)
		json_object_set_new(j, "peer", json_string(p->peer->conf.name));
	if (p->conf.type == PORT_TYPE_ETHDEV)
		json_object_set_new(j, "devargs", json_string(p->conf.devargs));
	if (p->conf.path[0] != '\0')
		json_object_set_new(j, "path", json_string(p->conf.path));
	return j;
}

static json_t *ctl_ports_json(struct ctl *c)
{
	json_t *a = json_array();

	for (uint32_t i = 0; i < c->sw->port_hwm; i++) {
		if (c->sw->ports[i] != NULL)
			json_array_append_new(a, ctl_port_json(c, c->sw->ports[i]));
	}
	return a;
}

static json_t *ctl_cmd_ports(struct ctl *c, json_t *req, bool *shutdown)
{
	(void)req;
	(void)shutdown;
	return ctl_ok(ctl_ports_json(c));
}

static json_t *ctl_cmd_stats(struct ctl *c, json_t *req, bool *shutdown)
{
	uint64_t drops[SW_DROP__COUNT];
	json_t *jd = json_object(), *jw = json_array(), *r;
	struct fdb_stats fs;
	struct timespec now;

	(void)req;
	(void)shutdown;
	sw_drops(c->sw, drops);
	for (unsigned d = 0; d < SW_DROP__COUNT; d++)
		json_object_set_new(jd, sw_drop_name(d), json_integer((json_int_t)drops[d]));
	for (unsigned i = 0; i < c->sw->n_workers; i++) {
		struct worker *w = c->sw->workers[i];
		uint64_t user = 0, sys = 0;

		worker_cpu_ns(w, &user, &sys); /* 0 before it runs */
		json_array_append_new(
		    jw, json_pack("{s:i, s:I, s:I, s:i, s:I, s:I}", "index", (int)i, "loops",
				  (json_int_t)w->loops, "sleeps", (json_int_t)w->sleeps, "active",
				  (int)w->n_active, "user_ns", (json_int_t)user, "sys_ns",
				  (json_int_t)sys));
	}
	fdb_get_stats(c->sw->fdb, &fs);
	/* the time of this snapshot, so that rates need no clock of their own */
	clock_gettime(CLOCK_MONOTONIC, &now);
	r = json_pack(
	    "{s:I, s:o, s:o, s:o, s:{s:i, s:i, s:I, s:I, s:I, s:I, s:I}, s:{s:i, s:i}}", "time_ns",
	    (json_int_t)now.tv_sec * 1000000000 + now.tv_nsec, "ports",
	    ctl_ports_json(c), "drops", jd, "workers", jw, "fdb", "entries", (int)fs.entries,
	    "capacity", (int)fs.capacity, "learned", (json_int_t)fs.learned, "moved",
	    (json_int_t)fs.moved, "aged", (json_int_t)fs.aged, "flushed", (json_int_t)fs.flushed,
	    "full", (json_int_t)fs.full, "mbufs", "available",
	    (int)rte_mempool_avail_count(c->sw->pool), "in_use",
	    (int)rte_mempool_in_use_count(c->sw->pool));
	if (r != NULL && c->sw->kf != NULL) {
		struct kfast_stats ks;

		kfast_get_stats(c->sw->kf, &ks);
		json_object_set_new(r, "kernel_fastpath",
				    json_pack("{s:i, s:I, s:I, s:I, s:I, s:I, s:I}", "flows", (int)ks.flows,
					      "installed", (json_int_t)ks.installed, "removed",
					      (json_int_t)ks.removed, "proposed",
					      (json_int_t)ks.proposed, "refused",
					      (json_int_t)ks.refused, "errors", (json_int_t)ks.errors,
					      "full", (json_int_t)ks.full));
	}
	return ctl_ok(r);
}

static void ctl_fdb_entry(uint16_t bridge, const struct rte_ether_addr *mac, uint32_t port,
			  uint64_t age_ms, void *arg)
{
	struct ctl *c = ((void **)arg)[0];
	json_t *a = ((void **)arg)[1];
	char buf[RTE_ETHER_ADDR_FMT_SIZE];
	struct port *p = port < SW_PORT_MAX ? c->sw->ports[port] : NULL;

	rte_ether_format_addr(buf, sizeof(buf), mac);
	json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:I}", "bridge",
					   c->sw->bridges[bridge].name, "mac", buf, "port",
					   p ? p->conf.name : "?", "age_ms", (json_int_t)age_ms));
}

static json_t *ctl_cmd_fdb(struct ctl *c, json_t *req, bool *shutdown)
{
	json_t *a = json_array();
	void *arg[2] = {c, a};

	(void)req;
	(void)shutdown;
	fdb_walk(c->sw->fdb, rte_rdtsc(), ctl_fdb_entry, arg);
	return ctl_ok(a);
}

static json_t *ctl_cmd_shutdown(struct ctl *c, json_t *req, bool *shutdown)
{
	(void)c;
	(void)req;
	*shutdown = true;
	return ctl_ok(NULL);
}

static const struct {
	const char *name;
	ctl_cmd_fn *fn;
} ctl_cmds[] = {
    {"ping", ctl_cmd_ping},	    {"add-port", ctl_cmd_add_port}, {"del-port", ctl_cmd_del_port},
    {"ports", ctl_cmd_ports},	    {"stats", ctl_cmd_stats},	    {"fdb", ctl_cmd_fdb},
    {"shutdown", ctl_cmd_shutdown}, {"link-set", ctl_cmd_link_set}, {"link-show", ctl_cmd_link_show},
    {"add-patch", ctl_cmd_add_patch}, {"add-ports", ctl_cmd_add_ports}, {"port-state", ctl_cmd_port_state},
    {"fdb-flush", ctl_cmd_fdb_flush}, {"port-group", ctl_cmd_port_group},
    {"batch", ctl_cmd_batch},
};

ctl_cmd_fn *ctl_cmd_find(const char *name)
{
	for (size_t i = 0; i < RTE_DIM(ctl_cmds); i++)
		if (strcmp(name, ctl_cmds[i].name) == 0)
			return ctl_cmds[i].fn;
	return NULL;
}

static uint64_t ctl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A request may carry "deadline": CLOCK_MONOTONIC milliseconds after which
 * its client no longer waits for the reply (swclient.c sets it). One read
 * later, from a switch that was stopped or stalled, is refused: applying
 * it would change the lab after the client said the change failed. */
static json_t *ctl_check_deadline(json_t *req)
{
	json_t *d = json_object_get(req, "deadline");
	uint64_t now_ms;

	if (d == NULL)
		return NULL;
	if (!json_is_integer(d) || json_integer_value(d) < 0)
		return ctl_error(EINVAL, "bad request: 'deadline' must be a non-negative integer "
					 "(CLOCK_MONOTONIC milliseconds)");
	now_ms = ctl_now_ns() / 1000000u;
	if (now_ms > (uint64_t)json_integer_value(d))
		return ctl_error(ETIMEDOUT, "request expired %" PRIu64 " ms ago (the client stopped "
					    "waiting): not applied",
				 now_ms - (uint64_t)json_integer_value(d));
	return NULL;
}

json_t *ctl_handle(struct ctl *c, const char *line, size_t len, bool *shutdown)
{
	json_error_t jerr;
	json_t *req, *reply = NULL;
	const char *cmd;

	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (req == NULL)
		return ctl_error(EINVAL, "bad request: %s (column %d)", jerr.text, jerr.column);
	if (!json_is_object(req)) {
		reply = ctl_error(EINVAL, "bad request: expected a JSON object");
		goto out;
	}
	cmd = ctl_str(req, "cmd");
	if (cmd == NULL || cmd[0] == '\0') {
		reply = ctl_error(EINVAL, "bad request: 'cmd' (string) is required");
		goto out;
	}
	reply = ctl_check_deadline(req);
	if (reply != NULL)
		goto out;
	if (ctl_cmd_find(cmd) != NULL)
		reply = ctl_cmd_find(cmd)(c, req, shutdown);
	else
		reply = ctl_error(EOPNOTSUPP, "unknown command '%s'", cmd);
out:
	/* whatever the command changed (a link, a port, the FDB), the kernel
	 * forwards nothing the switch would no longer forward the same way
	 * once the reply is out */
	if (c->sw->kf != NULL)
		kfast_revalidate(c->sw->kf);
	json_decref(req);
	return reply;
}

/* ---- socket plumbing ------------------------------------------------ */

static int ctl_epoll_add(struct ctl *c, int fd, int tag)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)(int64_t)tag};

	return epoll_ctl(c->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

struct ctl *ctl_create(struct sw *sw, const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct itimerspec its = {.it_interval = {1, 0}, .it_value = {1, 0}};
	struct ctl *c;
	int err;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->sw = sw;
	c->lfd = c->epfd = c->tfd = -1;
	for (int i = 0; i < CTL_CLIENTS_MAX; i++)
		c->clients[i].fd = -1;
	snprintf(c->path, sizeof(c->path), "%s", path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	c->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->lfd < 0 || bind(c->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = errno;
		c->path[0] = '\0'; /* not ours to unlink */
		goto fail;
	}
	if (listen(c->lfd, 16) < 0) {
		err = errno;
		goto fail;
	}
	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	c->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (c->epfd < 0 || c->tfd < 0 || timerfd_settime(c->tfd, 0, &its, NULL) < 0) {
		err = errno;
		goto fail;
	}
	if (ctl_epoll_add(c, c->lfd, CTL_TAG_LISTEN) < 0 ||
	    ctl_epoll_add(c, c->tfd, CTL_TAG_TIMER) < 0 ||
	    (sw->kf != NULL && ctl_epoll_add(c, kfast_fd(sw->kf), CTL_TAG_KFAST) < 0)) {
		err = errno;
		goto fail;
	}
	return c;
fail:
	ctl_destroy(c);
	errno = err;
	return NULL;
}

static void ctl_client_close(struct ctl_client *cl)
{
	if (cl->fd >= 0)
		close(cl->fd);
	free(cl->buf);
	free(cl->out);
	memset(cl, 0, sizeof(*cl));
	cl->fd = -1;
}

void ctl_destroy(struct ctl *c)
{
	if (c == NULL)
		return;
	for (int i = 0; i < CTL_CLIENTS_MAX; i++)
		ctl_client_close(&c->clients[i]);
	if (c->lfd >= 0)
		close(c->lfd);
	if (c->epfd >= 0)
		close(c->epfd);
	if (c->tfd >= 0)
		close(c->tfd);
	if (c->path[0] != '\0')
		unlink(c->path);
	free(c);
}

static void ctl_send(int fd, json_t *reply);

/* A free client slot, or the one of the client idle longest if that is
 * over CTL_EVICT_IDLE_NS (closed to make room); -1 if all are busy. */
static int ctl_client_slot(struct ctl *c, uint64_t now)
{
	int oldest = -1;

	for (int i = 0; i < CTL_CLIENTS_MAX; i++) {
		if (c->clients[i].fd < 0)
			return i;
		if (oldest < 0 || c->clients[i].last_ns < c->clients[oldest].last_ns)
			oldest = i;
	}
	if (now - c->clients[oldest].last_ns < CTL_EVICT_IDLE_NS)
		return -1;
	ctl_client_close(&c->clients[oldest]);
	return oldest;
}

static void ctl_accept(struct ctl *c)
{
	int fd = accept4(c->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	uint64_t now = ctl_now_ns();
	int i;

	if (fd < 0)
		return;
	i = ctl_client_slot(c, now);
	if (i < 0) {
		json_t *reply = ctl_error(EBUSY, "%d control clients are busy: try again",
					  CTL_CLIENTS_MAX);

		ctl_send(fd, reply);
		json_decref(reply);
		close(fd);
		return;
	}
	if (ctl_epoll_add(c, fd, i) < 0) {
		close(fd);
		return;
	}
	c->clients[i].fd = fd;
	c->clients[i].last_ns = now;
}

/* A reply as one line: malloc'd, its length in *len. NULL: no memory. */
static char *ctl_line(json_t *reply, size_t *len)
{
	char *s = json_dumps(reply, JSON_COMPACT);

	if (s == NULL)
		return NULL;
	*len = strlen(s);
	s[(*len)++] = '\n'; /* over the NUL */
	return s;
}

/* Send what the socket takes now. The bytes sent, or -1 (the client is
 * gone). */
static ssize_t ctl_write(int fd, const char *s, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = send(fd, s + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return (ssize_t)off;
}

/* A last word to a client about to be closed (busy, a line too long):
 * what the socket takes. */
static void ctl_send(int fd, json_t *reply)
{
	size_t len;
	char *s = ctl_line(reply, &len);

	if (s != NULL)
		(void)ctl_write(fd, s, len);
	free(s);
}

/* Watch the client for room to write (out) or for requests. 0 or -errno. */
static int ctl_watch(struct ctl *c, struct ctl_client *cl, bool out)
{
	struct epoll_event ev = {.events = out ? EPOLLOUT : EPOLLIN,
				 .data.u64 = (uint64_t)(cl - c->clients)};

	if (cl->watch_out == out)
		return 0;
	if (epoll_ctl(c->epfd, EPOLL_CTL_MOD, cl->fd, &ev) < 0)
		return -errno;
	cl->watch_out = out;
	return 0;
}

/* Send the client's pending reply as far as the socket takes it; once it
 * is all out, watch for requests again. 0, or -1: drop the client. */
static int ctl_flush(struct ctl *c, struct ctl_client *cl)
{
	ssize_t n = ctl_write(cl->fd, cl->out + cl->out_off, cl->out_len - cl->out_off);

	if (n < 0)
		return -1;
	if (n > 0)
		cl->last_ns = ctl_now_ns();
	cl->out_off += (size_t)n;
	if (cl->out_off < cl->out_len)
		return ctl_watch(c, cl, true) < 0 ? -1 : 0;
	free(cl->out);
	cl->out = NULL;
	return ctl_watch(c, cl, false) < 0 ? -1 : 0;
}

/* Answer with reply (taken): sent now, or as the client reads. 0 or -1. */
static int ctl_reply(struct ctl *c, struct ctl_client *cl, json_t *reply)
{
	cl->out = ctl_line(reply, &cl->out_len);
	json_decref(reply);
	if (cl->out == NULL)
		return -1;
	cl->out_off = 0;
	return ctl_flush(c, cl);
}

/* Serve the complete lines in the client's buffer, one at a time: the
 * next once the reply to the last is out. Returns -1 when the client must
 * be dropped. */
static int ctl_client_lines(struct ctl *c, struct ctl_client *cl, bool *shutdown)
{
	size_t start = 0;
	char *nl;
	int ret = 0;

	while (cl->out == NULL && !*shutdown &&
	       (nl = memchr(cl->buf + start, '\n', cl->len - start)) != NULL) {
		size_t len = (size_t)(nl - (cl->buf + start));

		ret = ctl_reply(c, cl, ctl_handle(c, cl->buf + start, len, shutdown));
		start += len + 1;
		if (ret < 0)
			return -1;
	}
	memmove(cl->buf, cl->buf + start, cl->len - start);
	cl->len -= start;
	/* what is left is one line in the making (all lines are served, or
	 * the client is not read until its reply is out) */
	if (cl->out == NULL && cl->len >= CTL_LINE_MAX) {
		json_t *reply = ctl_error(EMSGSIZE, "request longer than %d bytes", CTL_LINE_MAX);

		ctl_send(cl->fd, reply);
		json_decref(reply);
		return -1;
	}
	return 0;
}

static void ctl_client_read(struct ctl *c, struct ctl_client *cl, bool *shutdown)
{
	while (cl->out == NULL && !*shutdown) {
		ssize_t n;

		if (cl->cap - cl->len < 4096) {
			size_t cap = cl->cap ? cl->cap * 2 : 8192;
			char *b = realloc(cl->buf, cap);
			if (b == NULL)
				goto drop;
			cl->buf = b;
			cl->cap = cap;
		}
		n = recv(cl->fd, cl->buf + cl->len, cl->cap - cl->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0)
			goto drop;
		cl->last_ns = ctl_now_ns();
		cl->len += (size_t)n;
		if (ctl_client_lines(c, cl, shutdown) < 0)
			goto drop;
	}
	return;
drop:
	ctl_client_close(cl);
}

/* The client reads again: more of its reply, then its next requests. */
static void ctl_client_write(struct ctl *c, struct ctl_client *cl, bool *shutdown)
{
	if (ctl_flush(c, cl) < 0 || (cl->out == NULL && ctl_client_lines(c, cl, shutdown) < 0))
		ctl_client_close(cl);
}

/* Shutting down: the replies still going out (the shutdown's own among
 * them) get a short while to leave. */
static void ctl_drain(struct ctl *c)
{
	uint64_t end = ctl_now_ns() + 500ull * 1000 * 1000;

	for (int i = 0; i < CTL_CLIENTS_MAX; i++) {
		struct ctl_client *cl = &c->clients[i];

		while (cl->fd >= 0 && cl->out != NULL && ctl_now_ns() < end) {
			struct pollfd pfd = {.fd = cl->fd, .events = POLLOUT};

			if (poll(&pfd, 1, 50) < 0 || ctl_flush(c, cl) < 0)
				break;
		}
	}
}

static void ctl_age(struct ctl *c)
{
	unsigned aged;
	uint64_t v;

	if (read(c->tfd, &v, sizeof(v)) < 0)
		return;
	if (c->sw->kf != NULL)
		kfast_tick(c->sw->kf, rte_rdtsc());
	aged = fdb_age(c->sw->fdb, rte_rdtsc());
	if (c->sw->kf != NULL)
		kfast_tick_done(c->sw->kf, aged);
}

int ctl_run(struct ctl *c, int sigfd)
{
	struct epoll_event evs[16];
	bool shutdown = false;
	int ret = 0;

	if (sigfd >= 0 && ctl_epoll_add(c, sigfd, CTL_TAG_SIGNAL) < 0)
		return -errno;
	while (!shutdown) {
		int n = epoll_wait(c->epfd, evs, RTE_DIM(evs), -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			break;
		}
		for (int i = 0; i < n && !shutdown; i++) {
			int tag = (int)(int64_t)evs[i].data.u64;

			if (tag == CTL_TAG_LISTEN) {
				ctl_accept(c);
			} else if (tag == CTL_TAG_TIMER) {
				ctl_age(c);
			} else if (tag == CTL_TAG_KFAST) {
				kfast_run(c->sw->kf);
			} else if (tag == CTL_TAG_SIGNAL) {
				struct signalfd_siginfo si;
				if (read(sigfd, &si, sizeof(si)) == sizeof(si))
					shutdown = true;
			} else if (tag >= 0 && tag < CTL_CLIENTS_MAX && c->clients[tag].fd >= 0) {
				struct ctl_client *cl = &c->clients[tag];

				if (cl->out != NULL)
					ctl_client_write(c, cl, &shutdown);
				else
					ctl_client_read(c, cl, &shutdown);
			}
		}
	}
	ctl_drain(c);
	return ret;
}

struct sw *ctl_sw(struct ctl *c)
{
	return c->sw;
}
