/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The kernel's neighbour-table limits (net/ipv{4,6}/neigh/default/
 * gc_thresh2 and gc_thresh3) are one setting for every namespace, and labs
 * run side by side: each lab says what it needs, the setting is the most
 * any lab up needs (never below what the machine had), and the machine's
 * own values come back when the last lab that raised them goes, in
 * whatever order labs go. A registry under /run/rackless (flock) holds the
 * machine's values, what rackless last wrote and each lab's needs; a value
 * changed by hand since rackless wrote it becomes the machine's value.
 */
#ifndef RL_NEIGH_H
#define RL_NEIGH_H

#define NEIGH_KNOBS 4

/* The knobs, as paths under /proc/sys. */
extern const char *const neigh_knobs[NEIGH_KNOBS];

/* The machine's own values of the knobs (base[i]; 0 for a knob this
 * machine lacks): the values now, unless rackless raised them for labs that
 * are up. What a lab's needs are measured against: a value another lab
 * raised goes when that lab does. 0, or -errno (base[] then holds the
 * values now). */
int neigh_machine(const char *dir, unsigned long base[NEIGH_KNOBS]);

/* Register lab's needs (want[i] for neigh_knobs[i], 0: none) and apply the
 * result. changed[i] is set to the value written, or 0 if knob i was left
 * as it was. 0 or -errno (nothing registered then). */
int neigh_raise(const char *dir, const char *lab, const unsigned long want[NEIGH_KNOBS],
		unsigned long changed[NEIGH_KNOBS]);

/* Drop lab's needs and lower the knobs to what the labs still up need (the
 * machine's values when none is left). 0 or -errno. */
int neigh_release(const char *dir, const char *lab);

#endif
