/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Host names inside a lab: `ping h2` from h1 works, as it does between
 * containerlab's nodes. The lab's hosts file (its hosts' eth0 addresses,
 * then the machine's own /etc/hosts) lives in the lab's run directory;
 * each host namespace gets /etc/netns/NETNS/hosts, a symlink to it, which
 * `ip netns exec` and `rackless exec` bind onto /etc/hosts (iproute2's
 * per-namespace /etc). One file for the whole lab, whatever its size.
 * resolv.conf likewise: the servers of the file's defaults.dns, or none
 * (the machine's are out of the lab's reach: a lookup sent there waited
 * seconds for an answer that never came; with none it fails at once).
 *
 * Creation is journaled by the caller (up.c) before it happens; removal
 * only takes what is still ours: the symlink if it still points at the
 * lab's file, the directory if we made it and it is empty.
 */
#ifndef RL_ETCHOSTS_H
#define RL_ETCHOSTS_H

#include "topo.h"

#define ETCHOSTS_ROOT "/etc/netns"

/* Where a missing ETCHOSTS_ROOT is made, and with it a marker that says
 * rackless made it: the last lab to go removes both (etchosts_tidy), and
 * labs that come and go side by side leave nothing behind. 0 or -errno. */
int etchosts_root_make(void);

/* Remove ETCHOSTS_ROOT if it holds nothing but the marker. */
void etchosts_tidy(void);

/* Write the lab's hosts file to path (through path.tmp and a rename):
 * "ADDR NAME" for every host with an address, in file order, then the
 * lines of machine_hosts (the machine's /etc/hosts; skipped if it cannot
 * be read). 0 or -errno. */
int etchosts_write(const struct topo *t, const char *machine_hosts, const char *path);

/* Write the lab's resolv.conf to path likewise: t->dns's servers, search
 * and options, or a comment alone. 0 or -errno. */
int etchosts_resolv_write(const struct topo *t, const char *path);

/* ETCHOSTS_ROOT/netns: the directory a namespace's files go in. */
int etchosts_dir(const char *netns, char *buf, size_t len);

/* Make dir (unless it exists) and dir/file -> target (file: "hosts" or
 * "resolv.conf"). *dir_created says whether dir was made here. -EEXIST if
 * dir/file exists already (someone else's: left alone). */
int etchosts_link(const char *dir, const char *file, const char *target, int *dir_created);

/* Undo etchosts_link: dir/file if it is a symlink to target, then dir if
 * dir_created and it is empty. 0 or -errno (a missing one is no error). */
int etchosts_unlink(const char *dir, const char *file, const char *target, int dir_created);

#endif
