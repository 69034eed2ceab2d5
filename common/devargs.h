/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK devargs as the topology file, the CLI and the switch read them:
 * "net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap". Only what rackless needs
 * to know before DPDK is asked: the files and sockets a device reads,
 * writes, serves or connects to.
 */
#ifndef RL_DEVARGS_H
#define RL_DEVARGS_H

#include <stddef.h>

/* The value of key (after the device name): 1 with it in out, 0 when key
 * is not there, -ENAMETOOLONG when the value does not fit in len bytes. */
int devargs_get(const char *devargs, const char *key, char *out, size_t len);

/* Where the devargs' key=value pair of key starts (its key), NULL if
 * none: for rewriting a value in place. */
const char *devargs_find(const char *devargs, const char *key);

/* net_memif: is the device the server of its socket (role=server, the
 * default, or the older role=master)? */
int devargs_memif_server(const char *devargs);

/* net_memif with its socket in the file system (socket-abstract=no). */
int devargs_memif_file(const char *devargs);

#endif
