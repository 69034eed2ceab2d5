// SPDX-License-Identifier: BSD-3-Clause
/*
 * Named network namespaces, the iproute2 way (see iproute2 ip/ipnetns.c).
 *
 * A namespace NAME is an empty file /run/netns/NAME onto which the namespace
 * (/proc/<tid>/ns/net of a task inside it) is bind mounted; the mount keeps
 * the namespace alive with no process in it. /run/netns is made a shared
 * mount point so that the bind mounts propagate to mount namespaces created
 * later (`ip netns exec` and friends see them).
 *
 * The calling thread never changes namespace: netns_create() does its
 * unshare(CLONE_NEWNET) in a short-lived helper thread, which is what makes
 * it safe to create namespaces from several threads at once.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "netns.h"

/* Longest accepted name; keeps every derived path far below PATH_MAX. */
#define NETNS_NAME_MAX 200

#define THREAD_NETNS "/proc/thread-self/ns/net"
#define ETC_NETNS    "/etc/netns"

/* Serialises the /run/netns mount dance: two threads both finding it is not
 * a mount point would otherwise stack two bind mounts on it. */
static pthread_mutex_t run_dir_lock = PTHREAD_MUTEX_INITIALIZER;

static int valid_name(const char *name)
{
	size_t len;

	if (!name)
		return 0;
	len = strlen(name);
	if (len == 0 || len >= NETNS_NAME_MAX)
		return 0;
	if (strchr(name, '/'))
		return 0;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return 0;
	return 1;
}

static int netns_path(const char *name, char *buf, size_t len)
{
	int n;

	if (!valid_name(name))
		return -EINVAL;
	n = snprintf(buf, len, "%s/%s", NETNS_RUN_DIR, name);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* mkdir -p DIR with mode 0755 for every missing component. */
static int mkdir_p(const char *dir)
{
	char path[PATH_MAX];
	char *p;
	int ret = 0;

	if (strlen(dir) >= sizeof(path)) {
		ret = -ENAMETOOLONG;
		goto out;
	}
	strcpy(path, dir);
	for (p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST) {
			ret = -errno;
			goto out;
		}
		*p = '/';
	}
	if (mkdir(path, 0755) && errno != EEXIST)
		ret = -errno;
out:
	return ret;
}

/*
 * Make /run/netns exist and be a shared mount point, as `ip netns add` does:
 * try to mark it shared; if that fails with EINVAL it is not a mount point
 * yet, so bind mount it onto itself once and try again.
 */
static int prepare_run_dir(void)
{
	int bound = 0;
	int ret;

	pthread_mutex_lock(&run_dir_lock);
	ret = mkdir_p(NETNS_RUN_DIR);
	if (ret)
		goto out;
	while (mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL)) {
		if (errno != EINVAL || bound) {
			ret = -errno;
			goto out;
		}
		if (mount(NETNS_RUN_DIR, NETNS_RUN_DIR, "none", MS_BIND | MS_REC, NULL)) {
			ret = -errno;
			goto out;
		}
		bound = 1;
	}
out:
	pthread_mutex_unlock(&run_dir_lock);
	return ret;
}

struct create_job {
	const char *path;
	int ret;
};

/*
 * Helper thread body: move this (throw-away) thread into a new network
 * namespace and pin it on the file. The thread then exits; the bind mount is
 * what keeps the namespace alive. Threads share the mount namespace, so the
 * mount is visible to the whole process (and, /run/netns being shared, to
 * its peers).
 */
static void *create_thread(void *arg)
{
	struct create_job *job = arg;

	job->ret = 0;
	if (unshare(CLONE_NEWNET)) {
		job->ret = -errno;
		goto out;
	}
	if (mount(THREAD_NETNS, job->path, "none", MS_BIND, NULL))
		job->ret = -errno;
out:
	return NULL;
}

int netns_create(const char *name)
{
	char path[PATH_MAX];
	struct create_job job;
	int created = 0;
	pthread_t tid;
	int fd;
	int ret;

	ret = netns_path(name, path, sizeof(path));
	if (ret)
		goto out;
	ret = prepare_run_dir();
	if (ret)
		goto out;

	/* O_EXCL: an existing namespace (ours or anybody's) is never touched. */
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	close(fd);
	created = 1;

	job.path = path;
	job.ret = 0;
	ret = -pthread_create(&tid, NULL, create_thread, &job);
	if (ret)
		goto out;
	ret = -pthread_join(tid, NULL);
	if (!ret)
		ret = job.ret;
out:
	/* Nothing may be left behind. Every failure happens before or instead
	 * of the bind mount, except an (impossible) failed join, so the lazy
	 * unmount is only belt and braces; the file is ours (O_EXCL). */
	if (ret && created) {
		umount2(path, MNT_DETACH);
		unlink(path);
	}
	return ret;
}

int netns_delete(const char *name)
{
	char path[PATH_MAX];
	int ret;

	ret = netns_path(name, path, sizeof(path));
	if (ret)
		goto out;
	/* Like iproute2, a failed unmount (e.g. a stale file left by a crash
	 * between create and bind) does not stop us removing the file. */
	if (umount2(path, MNT_DETACH) && errno == ENOENT) {
		ret = -ENOENT;
		goto out;
	}
	if (unlink(path))
		ret = -errno;
out:
	return ret;
}

int netns_exists(const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	if (netns_path(name, path, sizeof(path)))
		return 0;
	return stat(path, &st) == 0;
}

int netns_open(const char *name)
{
	char path[PATH_MAX];
	int ret;

	ret = netns_path(name, path, sizeof(path));
	if (ret)
		goto out;
	ret = open(path, O_RDONLY | O_CLOEXEC);
	if (ret < 0)
		ret = -errno;
out:
	return ret;
}

int netns_run(int nsfd, int (*fn)(void *arg), void *arg)
{
	int orig;
	int ret;

	/* setns() acts on the calling thread only, so remember this thread's
	 * namespace (not the process's) to come back to. */
	orig = open(THREAD_NETNS, O_RDONLY | O_CLOEXEC);
	if (orig < 0) {
		ret = -errno;
		goto out;
	}
	if (setns(nsfd, CLONE_NEWNET)) {
		ret = -errno;
		goto out;
	}
	ret = fn(arg);
	if (setns(orig, CLONE_NEWNET))
		ret = -errno;
out:
	if (orig >= 0)
		close(orig);
	return ret;
}

/*
 * Bind every /etc/netns/NAME/X onto /etc/X, as `ip netns exec` does, so a
 * namespace can have its own resolv.conf, hosts, ... Failures are ignored,
 * as iproute2 only warns about them: the command can still run.
 */
static void bind_etc(const char *name)
{
	char dir[PATH_MAX];
	char src[PATH_MAX];
	char dst[PATH_MAX];
	struct dirent *e;
	DIR *d;
	int n;

	n = snprintf(dir, sizeof(dir), "%s/%s", ETC_NETNS, name);
	if (n < 0 || (size_t)n >= sizeof(dir))
		return;
	/* Usually absent: nothing to do. */
	d = opendir(dir);
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		n = snprintf(src, sizeof(src), "%s/%s", dir, e->d_name);
		if (n < 0 || (size_t)n >= sizeof(src))
			continue;
		n = snprintf(dst, sizeof(dst), "/etc/%s", e->d_name);
		if (n < 0 || (size_t)n >= sizeof(dst))
			continue;
		mount(src, dst, "none", MS_BIND, NULL);
	}
	closedir(d);
}

/*
 * Meant for a freshly forked, single-threaded child about to exec:
 * unshare(CLONE_NEWNS) fails with EINVAL in a multi-threaded process.
 */
int netns_enter_for_exec(const char *name)
{
	unsigned long sysfs_flags = 0;
	struct statvfs sv;
	int fd;
	int ret = 0;

	fd = netns_open(name);
	if (fd < 0) {
		ret = fd;
		goto out;
	}
	ret = setns(fd, CLONE_NEWNET) ? -errno : 0;
	close(fd);
	if (ret)
		goto out;

	/* A private view of the mounts, so the /sys remount below stays ours. */
	if (unshare(CLONE_NEWNS)) {
		ret = -errno;
		goto out;
	}
	/* Don't let any of our mounts propagate back to the parent. */
	if (mount("", "/", "none", MS_SLAVE | MS_REC, NULL)) {
		ret = -errno;
		goto out;
	}
	/*
	 * sysfs shows the network devices of the namespace of whoever mounted
	 * it, so mount a new one. If the old one cannot be detached we
	 * overlay it, and a read-only one can only be shadowed read-only.
	 */
	if (umount2("/sys", MNT_DETACH) && !statvfs("/sys", &sv) && (sv.f_flag & ST_RDONLY))
		sysfs_flags = MS_RDONLY;
	if (mount(name, "/sys", "sysfs", sysfs_flags, NULL)) {
		ret = -errno;
		goto out;
	}
	bind_etc(name);
out:
	return ret;
}
