/* SPDX-License-Identifier: BSD-3-Clause */
/*
 *   {"cmd": "batch", "requests": [{...}, {...}]}
 *
 * Several settings applied as one: all of them, or none. Every step is
 * checked first (a command a batch can run, its arguments, the port it
 * names); then they run in order, each port's settings saved before a step
 * changes them, and if a step still fails (a host's carrier that cannot be
 * switched), the steps before it are undone, last first. A batch runs
 * settings (link-set, port-state, port-group, fdb-flush) and reads (ping,
 * ports, stats, fdb, link-show); ports are made and removed outside
 * batches (add-ports is all or nothing itself). The reply holds each
 * step's result, in order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_priv.h"
#include "switch.h"

#define CTL_BATCH_MAX 4096

/* What a batch can run: its check (NULL: nothing to check, it changes
 * nothing or cannot fail) and whether it changes a port's settings (the
 * port named by "name" is saved first). */
static const struct {
	const char *cmd;
	json_t *(*check)(struct ctl *c, json_t *req);
	bool saves;
} ctl_batchable[] = {
    {"link-set", ctl_check_link_set, true},
    {"port-state", ctl_check_port_state, true},
    {"port-group", ctl_check_port_group, true},
    {"fdb-flush", NULL, false},
    {"ping", NULL, false},
    {"ports", NULL, false},
    {"stats", NULL, false},
    {"fdb", NULL, false},
    {"link-show", NULL, false},
};

static int ctl_batchable_find(const char *cmd)
{
	for (size_t i = 0; i < sizeof(ctl_batchable) / sizeof(ctl_batchable[0]); i++)
		if (strcmp(cmd, ctl_batchable[i].cmd) == 0)
			return (int)i;
	return -1;
}

/* Every step, before any runs. NULL, or the error reply. */
static json_t *ctl_batch_check(struct ctl *c, json_t *steps)
{
	json_t *step;
	size_t i;

	json_array_foreach(steps, i, step) {
		const char *cmd = json_is_object(step) ? ctl_str(step, "cmd") : NULL;
		int k = cmd != NULL ? ctl_batchable_find(cmd) : -1;
		json_t *r;

		if (k < 0)
			return ctl_error(EINVAL,
					 "batch: step %zu is not a request a batch can run (link-set, "
					 "port-state, port-group, fdb-flush, or a read): nothing applied",
					 i + 1);
		if (ctl_batchable[k].check == NULL)
			continue;
		r = ctl_batchable[k].check(c, step);
		if (r != NULL) {
			const char *msg = json_string_value(json_object_get(r, "error"));
			int err = (int)json_integer_value(json_object_get(r, "errno"));
			json_t *e = ctl_error(err ? err : EINVAL, "batch: step %zu (%s): %s: nothing applied",
					      i + 1, cmd, msg ? msg : "refused");

			json_decref(r);
			return e;
		}
	}
	return NULL;
}

json_t *ctl_cmd_batch(struct ctl *c, json_t *req, bool *shutdown)
{
	json_t *steps = json_object_get(req, "requests"), *step, *results = NULL, *reply;
	size_t i, n = json_array_size(steps), n_saved = 0;
	struct ctl_saved *saved = NULL;
	bool stop = false;

	(void)shutdown;
	if (!json_is_array(steps) || n > CTL_BATCH_MAX)
		return ctl_error(EINVAL, "batch: 'requests' must be an array of at most %d requests",
				 CTL_BATCH_MAX);
	reply = ctl_batch_check(c, steps);
	if (reply != NULL)
		return reply;
	saved = calloc(n + 1, sizeof(*saved));
	results = json_array();
	if (saved == NULL || results == NULL) {
		reply = ctl_error(ENOMEM, "batch: out of memory: nothing applied");
		goto out;
	}
	json_array_foreach(steps, i, step) {
		const char *cmd = ctl_str(step, "cmd");
		json_t *r;

		if (ctl_batchable[ctl_batchable_find(cmd)].saves)
			ctl_port_save(sw_port_find(ctl_sw(c), ctl_str(step, "name")), &saved[n_saved++]);
		r = ctl_cmd_find(cmd)(c, step, &stop);
		if (!json_is_true(json_object_get(r, "ok"))) {
			const char *msg = json_string_value(json_object_get(r, "error"));
			int err = (int)json_integer_value(json_object_get(r, "errno"));

			while (n_saved > 0)
				ctl_port_restore(c, &saved[--n_saved]);
			reply = ctl_error(err ? err : EINVAL,
					  "batch: step %zu (%s): %s (the %zu before it undone)", i + 1,
					  cmd, msg ? msg : "failed", i);
			json_decref(r);
			goto out;
		}
		json_array_append(results, json_object_get(r, "result") ?: json_null());
		json_decref(r);
	}
	reply = ctl_ok(results);
	results = NULL;
out:
	json_decref(results);
	free(saved);
	return reply;
}
