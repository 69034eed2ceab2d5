/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Named network namespaces, made the iproute2 way so that `ip netns exec` and
 * `ip -n` work on them: an empty file /run/netns/NAME with the namespace bind
 * mounted onto it, /run/netns itself being a shared mount point.
 *
 * Every function leaves the calling thread in the namespace it started in.
 */
#ifndef RL_NETNS_H
#define RL_NETNS_H

#define NETNS_RUN_DIR "/run/netns"

/* Create namespace NAME. Returns 0, -EEXIST if /run/netns/NAME exists (it is
 * then left untouched), or -errno. On failure nothing is left behind. */
int netns_create(const char *name);

/* Delete namespace NAME (lazy unmount + unlink). Returns 0, -ENOENT if it
 * does not exist, or -errno. Interfaces inside die with the namespace once
 * no process holds it. */
int netns_delete(const char *name);

/* 1 if /run/netns/NAME exists, 0 if not. */
int netns_exists(const char *name);

/* Open the namespace: returns an O_RDONLY|O_CLOEXEC fd or -errno. */
int netns_open(const char *name);

/* Run fn(arg) with the calling thread inside the namespace nsfd, then return
 * to the original one. Returns fn's result, or -errno if switching failed. */
int netns_run(int nsfd, int (*fn)(void *arg), void *arg);

/* For a process about to exec a user command inside NAME (like `ip netns
 * exec`): enter the namespace, unshare the mount namespace and remount /sys
 * so /sys/class/net shows the namespace's interfaces. 0 or -errno. */
int netns_enter_for_exec(const char *name);

#endif
