/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "hugepages.h"
#include "lockfile.h"

static long hp_parse(int fd)
{
	char buf[32], *end;
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	long v;

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	v = strtol(buf, &end, 10);
	return end == buf || v < 0 ? -1 : v;
}

static long hp_read_file(const char *dir, const char *name)
{
	char path[256];
	long v;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	v = hp_parse(fd);
	close(fd);
	return v;
}

/* The persistent pool: nr_hugepages counts surplus pages too (pages given
 * back while a process still maps them, freed when it lets go), but a write
 * sets the persistent count. Reading nr as the pool would make a release
 * keep the surplus for good, and a reservation would not journal the
 * surplus pages the kernel turns back into persistent ones. */
static long hp_persistent(int fd, const char *dir)
{
	long nr = -1, su = -1, su2;

	/* Two files, read one after the other: a process that lets go of a
	 * surplus page in between takes one from both. Read the surplus
	 * before and after nr until it held still, or a release computes on
	 * a pool one page too big and keeps it (labs going down side by
	 * side: one lab's switch exits while another gives its pages back). */
	for (int tries = 0; tries < 1000; tries++) {
		su = hp_read_file(dir, "surplus_hugepages");
		nr = hp_parse(fd);
		su2 = hp_read_file(dir, "surplus_hugepages");
		if (su == su2)
			break;
	}
	if (nr < 0)
		return -1;
	if (su < 0)
		su = 0; /* no surplus accounting (a directory of plain files) */
	return nr > su ? nr - su : 0;
}

/* nr_hugepages, opened for writing and locked: the fd, or -errno. */
static int hp_lock(const char *dir)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/nr_hugepages", dir);
	return lockfile_open(path, O_RDWR);
}

static int hp_write(int fd, long v)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%ld\n", v);
	ssize_t w = pwrite(fd, buf, (size_t)n, 0);

	if (w < 0)
		return -errno;
	if (w != n)
		return -EIO;
	/* a plain file (tests) keeps no stale digits; sysfs ignores it */
	if (ftruncate(fd, n) < 0) {
		/* nothing to cut in sysfs */
	}
	return 0;
}

long hugepages_reserve(const char *dir, long need, hugepages_note_fn note, void *arg, int *noted)
{
	long nr, p, fr, add = 0;
	int fd = hp_lock(dir), ret;

	*noted = 0;
	if (fd < 0)
		return 0; /* no hugepage control here: the switch runs without */
	nr = hp_parse(fd);
	p = hp_persistent(fd, dir);
	fr = hp_read_file(dir, "free_hugepages");
	if (nr < 0 || p < 0 || fr < 0 || fr >= need)
		goto out;
	/* The kernel turns surplus pages (nr - p, all in use) back into
	 * persistent ones before it makes new pages: the target nr + need - fr
	 * makes need - fr new free pages, and `add` (what this lab gives
	 * back) counts the surplus pages it made persistent too.
	 * Written first, journaled once the kernel says how many it made:
	 * a CLI killed in between leaks them (an undo never gives back pages
	 * another lab took, which one killed before the write would) */
	if (hp_write(fd, nr + need - fr) < 0)
		goto out; /* refused: the switch runs without */
	add = hp_persistent(fd, dir) - p;
	if (add <= 0) {
		add = 0;
		goto out;
	}
	ret = note(add, arg);
	if (ret < 0) {
		(void)hp_write(fd, p);
		add = ret;
		goto out;
	}
	*noted = 1;
out:
	close(fd); /* and the lock with it */
	return add;
}

int hugepages_release(const char *dir, long added)
{
	int fd, ret;
	long p;

	if (added <= 0)
		return 0;
	fd = hp_lock(dir);
	if (fd < 0)
		return fd;
	p = hp_persistent(fd, dir);
	ret = p < 0 ? -EIO : hp_write(fd, p > added ? p - added : 0);
	close(fd);
	return ret;
}
