/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared raises of the kernel's neighbour-table limits (neigh.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "neigh.h"
#include "lockfile.h"

const char *const neigh_knobs[NEIGH_KNOBS] = {
    "net/ipv4/neigh/default/gc_thresh2", "net/ipv4/neigh/default/gc_thresh3",
    "net/ipv6/neigh/default/gc_thresh2", "net/ipv6/neigh/default/gc_thresh3"};

#define NEIGH_FILE "neigh.json"

static int neigh_read(const char *knob, unsigned long *v)
{
	char path[128];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/proc/sys/%s", knob);
	f = fopen(path, "r");
	if (f == NULL)
		return -errno;
	ok = fscanf(f, "%lu", v) == 1;
	fclose(f);
	return ok ? 0 : -EIO;
}

static int neigh_write(const char *knob, unsigned long v)
{
	char path[128];
	FILE *f;
	int ret = 0;

	snprintf(path, sizeof(path), "/proc/sys/%s", knob);
	f = fopen(path, "w");
	if (f == NULL)
		return -errno;
	if (fprintf(f, "%lu\n", v) < 0)
		ret = -EIO;
	if (fclose(f) != 0 && ret == 0)
		ret = -errno;
	return ret;
}

static unsigned long neigh_num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) && json_integer_value(v) > 0 ? (unsigned long)json_integer_value(v)
							       : 0;
}

/* The registry, locked: *reg (new reference, {} if there is none yet) and
 * the lock's fd, or -errno. */
static int neigh_open(const char *dir, json_t **reg)
{
	char path[512];
	int fd;

	/* the directory itself is the lock: no file to leave behind */
	fd = lockfile_open(dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return fd;
	snprintf(path, sizeof(path), "%s/%s", dir, NEIGH_FILE);
	*reg = json_load_file(path, 0, NULL);
	if (!json_is_object(*reg)) {
		json_decref(*reg);
		*reg = json_object();
	}
	return fd;
}

/* Save the registry (or remove it when no lab needs anything). */
static int neigh_save(const char *dir, json_t *reg)
{
	char path[512], tmp[520];

	snprintf(path, sizeof(path), "%s/%s", dir, NEIGH_FILE);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (json_object_size(json_object_get(reg, "labs")) == 0) {
		unlink(tmp);
		return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
	}
	if (json_dump_file(reg, tmp, JSON_COMPACT) < 0 || rename(tmp, path) < 0) {
		unlink(tmp);
		return -EIO;
	}
	return 0;
}

/*
 * What every knob is to be: the most the registered labs want, never below
 * the machine's value. A knob whose current value is not what rackless last
 * wrote was changed by someone else: that value is the machine's now.
 * Records the plan in reg ("set"); cur[i] is the value now, top[i] the
 * value to write (both 0 for a knob this machine lacks).
 */
static void neigh_plan(json_t *reg, unsigned long cur[NEIGH_KNOBS], unsigned long top[NEIGH_KNOBS])
{
	json_t *base = json_object_get(reg, "base"), *set = json_object_get(reg, "set");
	json_t *prev = json_object_get(reg, "prev");
	json_t *labs = json_object_get(reg, "labs"), *needs;
	const char *lab;

	for (int i = 0; i < NEIGH_KNOBS; i++) {
		const char *k = neigh_knobs[i];

		cur[i] = top[i] = 0;
		if (neigh_read(k, &cur[i]) < 0)
			continue; /* no IPv6 here: nothing to share */
		/* ours: the value planned last, or the one it replaced (a run
		 * killed between saving the plan and writing it) */
		if (json_object_get(set, k) == NULL ||
		    (neigh_num(set, k) != cur[i] && neigh_num(prev, k) != cur[i]))
			json_object_set_new(base, k, json_integer((json_int_t)cur[i]));
		json_object_set_new(prev, k, json_integer((json_int_t)cur[i]));
		top[i] = neigh_num(base, k);
		json_object_foreach(labs, lab, needs)
		{
			if (neigh_num(needs, k) > top[i])
				top[i] = neigh_num(needs, k);
		}
		json_object_set_new(set, k, json_integer((json_int_t)top[i]));
	}
}

/*
 * Plan, save, then write: killed between the save and the writes, a knob
 * still holds the value the plan replaced ("prev"), which the next plan
 * knows as rackless' own or the machine's; killed before the save, nothing
 * changed. changed[i] (may be NULL): the value written, or 0.
 */
static int neigh_apply(const char *dir, json_t *reg, unsigned long changed[NEIGH_KNOBS])
{
	unsigned long cur[NEIGH_KNOBS], top[NEIGH_KNOBS];
	int ret;

	neigh_plan(reg, cur, top);
	ret = neigh_save(dir, reg);
	for (int i = 0; i < NEIGH_KNOBS; i++) {
		int r = 0;

		if (changed)
			changed[i] = 0;
		if (ret < 0 || top[i] == cur[i])
			continue;
		r = neigh_write(neigh_knobs[i], top[i]);
		if (r < 0 && ret == 0)
			ret = r;
		if (r == 0 && changed)
			changed[i] = top[i];
	}
	return ret;
}

static void neigh_skeleton(json_t *reg)
{
	static const char *const keys[] = {"base", "set", "prev", "labs"};

	for (size_t i = 0; i < 4; i++)
		if (!json_is_object(json_object_get(reg, keys[i])))
			json_object_set_new(reg, keys[i], json_object());
}

int neigh_machine(const char *dir, unsigned long base[NEIGH_KNOBS])
{
	json_t *reg = NULL;
	int fd = neigh_open(dir, &reg);

	for (int i = 0; i < NEIGH_KNOBS; i++) {
		const char *k = neigh_knobs[i];
		json_t *set = json_object_get(reg, "set"), *prev = json_object_get(reg, "prev");
		unsigned long cur = 0;

		base[i] = 0;
		if (neigh_read(k, &cur) < 0)
			continue;
		/* as neigh_plan() tells the machine's value from rackless' */
		base[i] = cur;
		if (fd >= 0 && json_object_get(set, k) != NULL &&
		    (neigh_num(set, k) == cur || neigh_num(prev, k) == cur) &&
		    neigh_num(json_object_get(reg, "base"), k) > 0)
			base[i] = neigh_num(json_object_get(reg, "base"), k);
	}
	if (fd >= 0) {
		json_decref(reg);
		close(fd);
	}
	return fd < 0 ? fd : 0;
}

int neigh_raise(const char *dir, const char *lab, const unsigned long want[NEIGH_KNOBS],
		unsigned long changed[NEIGH_KNOBS])
{
	json_t *reg = NULL, *needs = json_object();
	int fd = neigh_open(dir, &reg), ret;

	if (fd < 0) {
		json_decref(needs);
		return fd;
	}
	neigh_skeleton(reg);
	for (int i = 0; i < NEIGH_KNOBS; i++)
		if (want[i] > 0)
			json_object_set_new(needs, neigh_knobs[i], json_integer((json_int_t)want[i]));
	json_object_set_new(json_object_get(reg, "labs"), lab, needs);
	ret = neigh_apply(dir, reg, changed);
	if (ret < 0) { /* nothing half-registered: the undo finds no lab */
		json_object_del(json_object_get(reg, "labs"), lab);
		neigh_apply(dir, reg, NULL);
	}
	json_decref(reg);
	close(fd);
	return ret;
}

int neigh_release(const char *dir, const char *lab)
{
	json_t *reg = NULL;
	int fd = neigh_open(dir, &reg), ret;

	if (fd < 0)
		return fd;
	neigh_skeleton(reg);
	if (json_object_get(json_object_get(reg, "labs"), lab) == NULL) {
		json_decref(reg);
		close(fd);
		return 0; /* registered nothing (or released already) */
	}
	json_object_del(json_object_get(reg, "labs"), lab);
	ret = neigh_apply(dir, reg, NULL);
	json_decref(reg);
	close(fd);
	return ret;
}
