/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared by the control socket's command files (ctl.c, ctl_link.c). */
#ifndef RL_CTL_PRIV_H
#define RL_CTL_PRIV_H

#include <stdbool.h>

#include <jansson.h>

#include "ctl.h"
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

#endif
