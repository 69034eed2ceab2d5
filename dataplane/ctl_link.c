/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control commands for emulated links:
 *
 *   {"cmd": "link-set", "name": "sw1:p1", "dir": "in|out|both",
 *    "params": "delay=20ms loss=1%", "replace": false}
 *      merge the parameters into the direction(s) (replace: start from
 *      nothing); state=down|up also switches the host's carrier.
 *   {"cmd": "link-show", "name": "sw1:p1"}
 *      parameters, counters and queue of both directions.
 *
 * "in" is host to switch, "out" switch to host.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>

#include "ctl_priv.h"
#include "tscns.h"
#include "portlink.h"
#include "switch.h"
#include "worker.h"

#define CTL_PARAMS_MAX 1024

/* Parse "k=v k=v ..." into p (only the keys given are set). */
static int ctl_params_parse(const char *s, struct linkparams *p, char *err, size_t errlen)
{
	char buf[CTL_PARAMS_MAX], *save = NULL, *tok;

	if (strlen(s) >= sizeof(buf)) {
		snprintf(err, errlen, "parameter string too long");
		return -EINVAL;
	}
	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, " \t", &save); tok != NULL; tok = strtok_r(NULL, " \t", &save)) {
		int ret = linkparams_set_kv(p, tok, err, errlen);
		if (ret < 0)
			return ret;
	}
	return 0;
}

json_t *ctl_link_conf(json_t *req, struct port_conf *conf)
{
	const char *in = ctl_str(req, "link_in"), *out = ctl_str(req, "link_out");
	json_t *seed = json_object_get(req, "seed");
	char err[200];

	if (in == NULL || out == NULL)
		return ctl_error(EINVAL, "add-port: 'link_in' and 'link_out' must be strings");
	if (ctl_params_parse(in, &conf->link_in, err, sizeof(err)) < 0 ||
	    ctl_params_parse(out, &conf->link_out, err, sizeof(err)) < 0)
		return ctl_error(EINVAL, "add-port: %s", err);
	if (seed != NULL && (!json_is_integer(seed) || json_integer_value(seed) < 0))
		return ctl_error(EINVAL, "add-port: 'seed' must be a non-negative integer");
	conf->link_seed = seed ? (uint64_t)json_integer_value(seed) : 0;
	return NULL;
}

static json_t *ctl_dir_json(struct portlink *pl, enum portlink_dir dir, uint64_t now_ns)
{
	struct portlink_dirq *q = &pl->d[dir];
	struct linkem_stats st;
	struct linkparams p;
	char buf[CTL_PARAMS_MAX];
	json_t *drops = json_object();

	portlink_params(pl, dir, &p);
	linkparams_format(&p, buf, sizeof(buf));
	/* counters are the worker's: a snapshot, as for port counters */
	memcpy(&st, &q->em.st, sizeof(st));
	for (unsigned d = 1; d < LINKEM_DROP__COUNT; d++)
		json_object_set_new(drops, linkem_drop_name(d),
				    json_integer((json_int_t)st.drops[d]));
	json_object_set_new(drops, "held_queue_full", json_integer((json_int_t)q->heap_full));
	return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:i, s:I, s:o}", "params", buf,
			 "offered", (json_int_t)st.offered, "passed", (json_int_t)st.passed,
			 "delayed", (json_int_t)st.delayed, "duplicated", (json_int_t)st.duplicated,
			 "corrupted", (json_int_t)st.corrupted, "reordered",
			 (json_int_t)st.reordered, "held",
			 (int)__atomic_load_n(&q->n, __ATOMIC_RELAXED), "backlog_bytes",
			 (json_int_t)linkem_backlog(&q->em, now_ns), "drops", drops);
}

static json_t *ctl_link_json(struct port *p)
{
	uint64_t now_ns = tscns_now(); /* the workers' clock */

	return json_pack("{s:s, s:b, s:o, s:o}", "name", p->conf.name, "blocked",
			 __atomic_load_n(&p->blocked, __ATOMIC_RELAXED) != 0, "in",
			 ctl_dir_json(p->link, PORTLINK_IN, now_ns), "out",
			 ctl_dir_json(p->link, PORTLINK_OUT, now_ns));
}

json_t *ctl_cmd_link_show(struct ctl *c, json_t *req, bool *shutdown)
{
	const char *name = ctl_str(req, "name");
	struct port *p;

	(void)shutdown;
	if (name == NULL || name[0] == '\0')
		return ctl_error(EINVAL, "link-show: 'name' (string) is required");
	p = sw_port_find(ctl_sw(c), name);
	if (p == NULL)
		return ctl_error(ENOENT, "link-show %s: no such port", name);
	return ctl_ok(ctl_link_json(p));
}

/* link-set's arguments. NULL, or an error reply. */
static json_t *ctl_link_set_args(json_t *req, const char **name, int dirs[2],
				 struct linkparams *delta, bool *replace)
{
	const char *dir = ctl_str(req, "dir"), *params = ctl_str(req, "params");
	json_t *rep = json_object_get(req, "replace");
	char err[200];

	*name = ctl_str(req, "name");
	if (*name == NULL || (*name)[0] == '\0' || dir == NULL || params == NULL)
		return ctl_error(EINVAL, "link-set: 'name', 'dir' and 'params' must be strings");
	if (rep != NULL && !json_is_boolean(rep))
		return ctl_error(EINVAL, "link-set: 'replace' must be true or false");
	*replace = json_is_true(rep);
	dirs[PORTLINK_IN] = strcmp(dir, "in") == 0 || strcmp(dir, "both") == 0 || dir[0] == '\0';
	dirs[PORTLINK_OUT] = strcmp(dir, "out") == 0 || strcmp(dir, "both") == 0 || dir[0] == '\0';
	if (!dirs[0] && !dirs[1])
		return ctl_error(EINVAL, "link-set: 'dir' must be in, out or both");
	*delta = (struct linkparams){0};
	if (ctl_params_parse(params, delta, err, sizeof(err)) < 0)
		return ctl_error(EINVAL, "link-set: %s", err);
	return NULL;
}

json_t *ctl_check_link_set(struct ctl *c, json_t *req)
{
	struct linkparams delta;
	const char *name;
	int dirs[2];
	bool replace;
	json_t *err = ctl_link_set_args(req, &name, dirs, &delta, &replace);

	if (err == NULL && sw_port_find(ctl_sw(c), name) == NULL)
		err = ctl_error(ENOENT, "link-set %s: no such port", name);
	return err;
}

json_t *ctl_cmd_link_set(struct ctl *c, json_t *req, bool *shutdown)
{
	struct linkparams delta, old[2], cur[2];
	int dirs[2], was_down = 0, down, ret;
	const char *name;
	bool replace;
	struct port *p;
	json_t *err;

	(void)shutdown;
	err = ctl_link_set_args(req, &name, dirs, &delta, &replace);
	if (err != NULL)
		return err;
	p = sw_port_find(ctl_sw(c), name);
	if (p == NULL)
		return ctl_error(ENOENT, "link-set %s: no such port", name);
	/* the result first: the link is down when either direction is */
	for (int d = 0; d < 2; d++) {
		portlink_params(p->link, (enum portlink_dir)d, &old[d]);
		was_down |= old[d].down;
		cur[d] = old[d];
		if (!dirs[d])
			continue;
		if (replace)
			memset(&cur[d], 0, sizeof(cur[d]));
		linkparams_merge(&cur[d], &delta);
	}
	down = cur[0].down || cur[1].down;
	/* then the carrier, also when --replace dropped a state=down: if the
	 * host cannot be told, change nothing */
	if (((delta.set & LP_F_STATE) || down != was_down) && p->ops->set_carrier != NULL) {
		ret = p->ops->set_carrier(p, !down);
		if (ret < 0)
			return ctl_error(-ret, "link-set %s: carrier: %s", name, strerror(-ret));
	}
	for (int d = 0; d < 2; d++)
		if (dirs[d])
			portlink_set(p->link, (enum portlink_dir)d, &cur[d]);
	if (down) {
		struct sw *sw = ctl_sw(c);

		worker_relink(sw->workers[p->id % sw->n_workers]);
	}
	return ctl_ok(ctl_link_json(p));
}

/* One end of add-patch: {"name": "sw1:p9", "bridge": "sw1", "link": "k=v..."}
 * where link is the direction leaving this end. */
static json_t *ctl_patch_end(json_t *j, struct port_conf *c, const char **bridge,
			     struct rte_mempool *pool)
{
	const char *name = ctl_str(j, "name"), *link = ctl_str(j, "link");
	char err[200];

	*bridge = ctl_str(j, "bridge");
	if (!json_is_object(j) || name == NULL || link == NULL || *bridge == NULL ||
	    name[0] == '\0' || (*bridge)[0] == '\0')
		return ctl_error(EINVAL, "add-patch: 'a' and 'b' need 'name' and 'bridge' strings");
	if (strlen(name) >= sizeof(c->name) || strlen(*bridge) >= SW_BRIDGE_NAME)
		return ctl_error(EINVAL, "add-patch: name or bridge too long");
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->type = PORT_TYPE_PATCH;
	c->pool = pool;
	if (ctl_params_parse(link, &c->link_out, err, sizeof(err)) < 0)
		return ctl_error(EINVAL, "add-patch: %s", err);
	return NULL;
}

/*   {"cmd": "add-patch", "a": {...}, "b": {...}, "seed": N, "blocked": false}
 * a switch-to-switch cable; emulation of a->b is a's "out" direction. */
json_t *ctl_cmd_add_patch(struct ctl *c, json_t *req, bool *shutdown)
{
	struct port_conf a = {0}, b = {0};
	const char *ba, *bb;
	json_t *seed = json_object_get(req, "seed"), *blocked = json_object_get(req, "blocked");
	json_t *err;
	int ret;

	(void)shutdown;
	err = ctl_patch_end(json_object_get(req, "a"), &a, &ba, ctl_sw(c)->pool);
	if (err == NULL)
		err = ctl_patch_end(json_object_get(req, "b"), &b, &bb, ctl_sw(c)->pool);
	if (err != NULL)
		return err;
	if (seed != NULL && (!json_is_integer(seed) || json_integer_value(seed) < 0))
		return ctl_error(EINVAL, "add-patch: 'seed' must be a non-negative integer");
	if (blocked != NULL && !json_is_boolean(blocked))
		return ctl_error(EINVAL, "add-patch: 'blocked' must be true or false");
	a.link_seed = seed ? (uint64_t)json_integer_value(seed) : 0;
	b.link_seed = a.link_seed ^ 0x5bd1e995u;
	ret = sw_patch_add(ctl_sw(c), &a, ba, &b, bb, json_is_true(blocked));
	if (ret < 0)
		return ctl_error(-ret, "add-patch %s <-> %s: %s", a.name, b.name, strerror(-ret));
	return ctl_ok(NULL);
}

/*   {"cmd": "port-state", "name": "sw1:p9", "blocked": true} */
static json_t *ctl_port_state_args(json_t *req, const char **name)
{
	*name = ctl_str(req, "name");
	if (*name == NULL || (*name)[0] == '\0' || !json_is_boolean(json_object_get(req, "blocked")))
		return ctl_error(EINVAL, "port-state: 'name' (string) and 'blocked' (bool) needed");
	return NULL;
}

json_t *ctl_check_port_state(struct ctl *c, json_t *req)
{
	const char *name;
	json_t *err = ctl_port_state_args(req, &name);

	if (err == NULL && sw_port_find(ctl_sw(c), name) == NULL)
		err = ctl_error(ENOENT, "port-state %s: no such port", name);
	return err;
}

json_t *ctl_cmd_port_state(struct ctl *c, json_t *req, bool *shutdown)
{
	const char *name;
	json_t *err = ctl_port_state_args(req, &name);
	int ret;

	(void)shutdown;
	if (err != NULL)
		return err;
	ret = sw_port_set_blocked(ctl_sw(c), name, json_is_true(json_object_get(req, "blocked")));
	if (ret < 0)
		return ctl_error(-ret, "port-state %s: no such port", name);
	return ctl_ok(NULL);
}

/*   {"cmd": "fdb-flush"}: forget every learned MAC (topology changed). */
json_t *ctl_cmd_fdb_flush(struct ctl *c, json_t *req, bool *shutdown)
{
	(void)req;
	(void)shutdown;
	return ctl_ok(json_pack("{s:i}", "flushed", (int)fdb_flush_all(ctl_sw(c)->fdb)));
}

/*   {"cmd": "port-group", "name": "sw1:p1", "group": 2}: partition groups
 * (0: none). Frames stay inside their ingress port's group. */
static json_t *ctl_port_group_args(json_t *req, const char **name, uint16_t *group)
{
	json_t *g = json_object_get(req, "group");

	*name = ctl_str(req, "name");
	if (*name == NULL || (*name)[0] == '\0' || !json_is_integer(g) || json_integer_value(g) < 0 ||
	    json_integer_value(g) > 65535)
		return ctl_error(EINVAL, "port-group: 'name' (string) and 'group' (0..65535) needed");
	*group = (uint16_t)json_integer_value(g);
	return NULL;
}

json_t *ctl_check_port_group(struct ctl *c, json_t *req)
{
	const char *name;
	uint16_t group;
	json_t *err = ctl_port_group_args(req, &name, &group);

	if (err == NULL && sw_port_find(ctl_sw(c), name) == NULL)
		err = ctl_error(ENOENT, "port-group %s: no such port", name);
	return err;
}

json_t *ctl_cmd_port_group(struct ctl *c, json_t *req, bool *shutdown)
{
	const char *name;
	uint16_t group;
	json_t *err = ctl_port_group_args(req, &name, &group);
	int ret;

	(void)shutdown;
	if (err != NULL)
		return err;
	ret = sw_port_set_group(ctl_sw(c), name, group);
	if (ret < 0)
		return ctl_error(-ret, "port-group %s: no such port", name);
	return ctl_ok(NULL);
}

/* ---- a batch's undo: a port's settings as they were ---- */

void ctl_port_save(struct port *p, struct ctl_saved *s)
{
	s->p = p;
	s->down = 0;
	for (int d = 0; d < 2; d++) {
		portlink_params(p->link, (enum portlink_dir)d, &s->link[d]);
		s->down |= s->link[d].down;
	}
	s->blocked = __atomic_load_n(&p->blocked, __ATOMIC_RELAXED);
	s->group = __atomic_load_n(&p->group, __ATOMIC_RELAXED);
}

void ctl_port_restore(struct ctl *c, const struct ctl_saved *s)
{
	struct sw *sw = ctl_sw(c);
	struct port *p = s->p;
	int down = 0;

	for (int d = 0; d < 2; d++) {
		struct linkparams now;

		portlink_params(p->link, (enum portlink_dir)d, &now);
		down |= now.down;
		portlink_set(p->link, (enum portlink_dir)d, &s->link[d]);
	}
	if (down != s->down && p->ops->set_carrier != NULL)
		(void)p->ops->set_carrier(p, !s->down);
	if (s->down)
		worker_relink(sw->workers[p->id % sw->n_workers]);
	if (__atomic_load_n(&p->blocked, __ATOMIC_RELAXED) != s->blocked)
		sw_port_set_blocked(sw, p->conf.name, s->blocked);
	__atomic_store_n(&p->group, s->group, __ATOMIC_RELEASE);
}
