/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The switch's control socket: a unix stream socket carrying one JSON object
 * per line each way.
 *
 * Request:  {"cmd": "add-port", "name": "sw1:p1", "type": "afpacket",
 *            "bridge": "sw1", "ifname": "rlp1"}
 * Reply:    {"ok": true, "result": {...}}
 *        or {"ok": false, "error": "port sw1:p1 exists", "errno": 17}
 *
 * Commands: ping, add-port, add-ports, del-port, ports, stats, fdb,
 * fdb-flush, link-set, link-show, add-patch, port-state, port-group,
 * shutdown, and batch (several of the others in order, from one read: see
 * ctl.c). Every request may carry "deadline" (ms, CLOCK_MONOTONIC). A
 * malformed request (bad JSON, unknown command, missing or mistyped
 * argument) gets an error reply; the switch keeps running. Requests are
 * served one at a time on the control thread, which also ages the FDB.
 */
#ifndef RL_CTL_H
#define RL_CTL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "switch.h"

#define CTL_LINE_MAX (1 << 20) /* longest request accepted */

struct ctl;

/* Listen on path (must not exist). NULL + errno. */
struct ctl *ctl_create(struct sw *sw, const char *path);
/* Close every connection and unlink the socket; NULL is a no-op. */
void ctl_destroy(struct ctl *c);

/* Serve requests until "shutdown" or a signal arrives on sigfd (a
 * signalfd; -1 for none). Returns 0, or -errno on a fatal error. */
int ctl_run(struct ctl *c, int sigfd);

/* Handle one request line; returns a new reply object. Sets *shutdown when
 * the request asked the switch to stop. */
json_t *ctl_handle(struct ctl *c, const char *line, size_t len, bool *shutdown);

#endif
