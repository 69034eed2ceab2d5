/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client side of rackless-switch's control socket (see dataplane/ctl.h):
 * one JSON object per line each way.
 */
#ifndef RL_SWCLIENT_H
#define RL_SWCLIENT_H

#include <jansson.h>

struct swclient;

/* Connect to the switch at path. NULL + errno. */
struct swclient *swclient_connect(const char *path);
void swclient_close(struct swclient *c);

/* Send req (not stolen) and wait up to timeout_ms for the reply. On success
 * returns 0 and stores the reply's "result" (new reference, may be JSON
 * null) in *result if result != NULL. A reply with ok=false returns
 * -errno from the reply and copies its message into err (if not NULL).
 * Transport failures return -errno (-ETIMEDOUT, -ECONNRESET, ...). */
int swclient_call(struct swclient *c, const json_t *req, int timeout_ms, json_t **result, char *err,
		  size_t errlen);

/* Send a raw line and return the raw reply (malloc'd, no newline). */
int swclient_raw(struct swclient *c, const char *line, int timeout_ms, char **reply);

/* In a "ports" reply (an array of port objects), the port named name, or
 * NULL. Borrowed reference. */
json_t *swclient_port(json_t *ports, const char *name);

#endif
