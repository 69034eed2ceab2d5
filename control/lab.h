/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A lab on this machine: its run directory, the names of what it creates,
 * and the two engines that change the machine: lab_up() applies a topology
 * (journaling every object before creating it, rolling back on failure) and
 * lab_undo() undoes a journal in reverse (down, cleanup, rollback).
 *
 * Names. The lab's switch runs in namespace "rl.LAB" (its veth ends live
 * there, out of the root namespace's `ip link`); host H is namespace
 * "rl.LAB.H". Lab and node names cannot contain '.', so names never collide
 * across labs.
 */
#ifndef RL_LAB_H
#define RL_LAB_H

#include <jansson.h>
#include <stddef.h>

#include "topo.h"

#define LAB_RUN_DIR TOPO_RUN_DIR

struct lab_paths {
	char dir[128];	 /* /run/rackless/LAB */
	char sock[160];	 /* switch control socket */
	char log[160];	 /* switch stderr */
	char state[160]; /* lab.json: what `up` built */
	char fabric[64]; /* namespace of the switch */
};

void lab_paths(const char *lab, struct lab_paths *p);
void lab_host_netns(const char *lab, const char *host, char *buf, size_t len);

/* The socket of vhost node n of t: its own 'socket', else the switch's
 * default for the port the node's link ends on, <run dir>/<switch>:<port>.sock
 * (dataplane/ctl.c; topology names need none of its escaping). "" if n has
 * no link. */
void lab_vhost_socket(const struct topo *t, unsigned n, char *buf, size_t len);

/* The link of a vhost or ethdev node n (it has exactly one): its index, or -1. */
int lab_node_link(const struct topo *t, unsigned n);

/* 1 if the lab has a run directory (it is up, or died and needs cleanup). */
int lab_exists(const char *lab);
/* Say on stderr why the switch of lab did not answer (err: -errno of the
 * connection): no such lab up, or its switch's error. */
void lab_unreachable(const char *lab, int err);

struct lab_up_opts {
	const char *switch_bin; /* path of rackless-switch */
	unsigned mem_mb;	/* switch memory, 0: default */
	unsigned workers;	/* switch worker lcores, 0: 1 */
	int no_kfast;		/* switch without its kernel fast path */
	int quiet;
};

/* Bring t up. 0, or -errno after rolling back everything it created
 * (-EEXIST: the lab is already up). Prints progress and errors to stderr. */
int lab_up(const struct topo *t, const struct lab_up_opts *o);

/* The signal (SIGINT, SIGTERM or SIGHUP) that made the last lab_up() roll
 * back and return -EINTR, or 0. */
int lab_up_signal(void);

/* Why the last lab_up() failed, as it told stderr: its last error and, for
 * a failed 'exec' command, the end of that command's output ("" if none). */
const char *lab_up_error(void);

/* Take LAB's lock (flock on its run directory), waiting, with a line on
 * stderr, while an up or down of it runs in another process: up holds it
 * from creating the directory until it has come up or rolled back. The fd
 * to close to let go (close-on-exec: a switch never inherits it), or
 * -ENOENT when the lab is not up, or went down while we waited. */
/* 1 if an up or down of the lab is running now (it holds the lock). */
int lab_busy(const char *lab);

int lab_lock(const char *lab);

/* Take the lock that live link changes of LAB hold (flock on its lab.json)
 * from reading the switch's ports to applying the change: two `rackless
 * link` at once would each plan the spanning tree without the other's
 * change, and could open a loop. Waits; the fd to close, or -errno. */
int lab_link_lock(const char *lab);

#define LAB_UNDO_GRACEFUL 1 /* ask the switch to shut down before signalling it */
#define LAB_UNDO_QUIET	  2 /* no "lab ... is down" line */
#define LAB_UNDO_LOCKED	  4 /* the caller holds the lab's lock (up's rollback) */

/* Undo LAB's journal in reverse and remove its run directory, under the
 * lab's lock. 0, -ENOENT (no such lab) or -errno of the first failure (the
 * rest is still undone). */
int lab_undo(const char *lab, int flags);

/* The state file written by up (new reference), or NULL with errno. */
json_t *lab_state_load(const char *lab);

/* Where rackless-switch is: $RACKLESS_SWITCH, next to this program, or
 * ../dataplane/ from it (build tree). */
int lab_switch_bin(char *buf, size_t len);

/* Start time of a process (clock ticks since boot, /proc/PID/stat field
 * 22), or 0 if it does not exist or has exited (a zombie). PID plus start time names a process
 * unambiguously: a recycled PID has another start time. */
unsigned long long lab_proc_starttime(int pid);

#endif
