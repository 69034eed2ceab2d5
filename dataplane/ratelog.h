/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A log stream that keeps a flood out of the switch's log: at most
 * per_sec messages a second get through, the rest are counted, and the
 * first message of a later second is preceded by "rackless-switch: N log
 * messages suppressed (more than per_sec a second)".
 *
 * Why: DPDK logs some events every time they happen, and a peer can make
 * them happen in a loop (a second QEMU on a vhost socket in use retries at
 * once, and rte_vhost logs "failed to add vhost user connection" each
 * time: 7 MB in 10 s), while the log is a file on tmpfs, in RAM.
 */
#ifndef RL_RATELOG_H
#define RL_RATELOG_H

#include <stdio.h>

/* A stream writing to out (which it does not close) through the limit, for
 * rte_openlog_stream(). NULL with errno on failure. fclose() writes the
 * count of what was suppressed last. Thread-safe, as stdio streams are. */
FILE *ratelog_open(FILE *out, unsigned per_sec);

#endif
