/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One command of a host's 'exec' list (topo.h), run the way `rackless exec`
 * runs one: inside the host's namespace, with /sys showing its interfaces.
 */
#ifndef RL_HOSTEXEC_H
#define RL_HOSTEXEC_H

#include <signal.h>

/* Run `/bin/sh -c cmd` in namespace ns, in a process group of its own, with
 * RACKLESS_LAB=lab and RACKLESS_NODE=node in its environment, stdin from
 * /dev/null, stdout and stderr appended to logfd. Waits for the shell, not
 * for what it left running in the background (a daemon a host starts lives
 * until `down` stops the processes of the lab's namespaces). When
 * *interrupted becomes non-zero the shell's process group is killed and
 * -EINTR returned. Returns the shell's wait status (>= 0) or -errno. */
int hostexec_run(const char *ns, const char *lab, const char *node, const char *cmd, int logfd,
		 volatile sig_atomic_t *interrupted);

#endif
