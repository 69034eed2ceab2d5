/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared by the control socket's command files (ctl.c, ctl_link.c, ctl_batch.c). */
#ifndef RL_CTL_PRIV_H
#define RL_CTL_PRIV_H

#include <stdbool.h>

#include <jansson.h>

#include "ctl.h"
#include "linkparams.h"
#include "port.h"

/* {"ok": false, "error": msg, "errno": err} */
json_t *ctl_error(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* {"ok": true[, "result": result]}; steals result. */
json_t *ctl_ok(json_t *result);
/* A string argument: "" when absent, NULL when present but not a string. */
const char *ctl_str(json_t *req, const char *key);

/* The switch a control connection serves. */
struct sw *ctl_sw(struct ctl *c);

/* add-port: read "link_in", "link_out" (parameter strings "k=v k=v") and
 * "seed" into conf. NULL, or an error reply. */
json_t *ctl_link_conf(json_t *req, struct port_conf *conf);

json_t *ctl_cmd_link_set(struct ctl *c, json_t *req, bool *shutdown);
json_t *ctl_cmd_link_show(struct ctl *c, json_t *req, bool *shutdown);
json_t *ctl_cmd_add_patch(struct ctl *c, json_t *req, bool *shutdown);
json_t *ctl_cmd_port_state(struct ctl *c, json_t *req, bool *shutdown);
json_t *ctl_cmd_fdb_flush(struct ctl *c, json_t *req, bool *shutdown);
json_t *ctl_cmd_port_group(struct ctl *c, json_t *req, bool *shutdown);
json_t *ctl_cmd_batch(struct ctl *c, json_t *req, bool *shutdown);

typedef json_t *ctl_cmd_fn(struct ctl *c, json_t *req, bool *shutdown);
/* The function of a command, NULL if there is none. */
ctl_cmd_fn *ctl_cmd_find(const char *name);

/* A batch's checks: what the command would refuse (its arguments, the
 * port it names), before anything of the batch is applied. NULL, or the
 * error reply. */
json_t *ctl_check_link_set(struct ctl *c, json_t *req);
json_t *ctl_check_port_state(struct ctl *c, json_t *req);
json_t *ctl_check_port_group(struct ctl *c, json_t *req);

/* A port's settings (link parameters, carrier, spanning-tree state,
 * partition group) as a batch found them, to put back if a later step
 * fails. */
struct ctl_saved {
	struct port *p;
	struct linkparams link[2];
	int down;
	uint8_t blocked;
	uint16_t group;
};
void ctl_port_save(struct port *p, struct ctl_saved *s);
void ctl_port_restore(struct ctl *c, const struct ctl_saved *s);

#endif
