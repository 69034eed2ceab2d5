/* SPDX-License-Identifier: BSD-3-Clause */
/* CLI commands that live outside rackless.c, and what they share with it. */
#ifndef RL_CMDS_H
#define RL_CMDS_H

#include "topo.h"

/* Print the command's usage line; returns the usage exit status (2). */
int cmd_usage(const char *name);

/* argv[0] is the command name. */
int cmd_link(int argc, char **argv);
/* rackless ctl: send the request text to lab's switch, journaling the
 * sockets it makes (cmd_ctl.c); the reply in *reply (free it). 0, or
 * -errno after saying why on stderr. */
int cmd_ctl_send(const char *lab, const char *text, char **reply);
int cmd_graph(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_pingall(int argc, char **argv);

#endif
