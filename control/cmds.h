/* SPDX-License-Identifier: BSD-3-Clause */
/* CLI commands that live outside rackless.c, and what they share with it. */
#ifndef RL_CMDS_H
#define RL_CMDS_H

#include "topo.h"

/* Print the command's usage line; returns the usage exit status (2). */
int cmd_usage(const char *name);

/* argv[0] is the command name. */
int cmd_link(int argc, char **argv);
int cmd_graph(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_pingall(int argc, char **argv);

#endif
