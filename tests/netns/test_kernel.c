// SPDX-License-Identifier: BSD-3-Clause
/*
 * Integration test of control/netns.c and control/nl.c against the real
 * kernel: namespaces, a veth pair between two of them, addresses, routes,
 * offloads and sysctls, checked with a real ping. Needs root (exit 77,
 * "skipped", otherwise).
 *
 * Everything is named "rlk<pid>..." and recorded *before* it is created;
 * teardowns delete exactly the recorded names (never by pattern, so a
 * concurrent run or anybody else's namespaces are never touched), also when
 * an assertion failed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <linux/ethtool.h>
#include <linux/magic.h>
#include <linux/sockios.h>

#include <cmocka.h>

#include "netns.h"
#include "nl.h"

#define THREAD_NETNS "/proc/thread-self/ns/net"
#define PING	     "/usr/bin/ping"
#define DISABLE_V6   "net/ipv6/conf/all/disable_ipv6"

#define MAX_NAMES      512
#define PAR_THREADS    4
#define PAR_PER_THREAD 50

static char prefix[32];
static ino_t root_ino;

/* Every namespace name this run may have created, in creation order. */
static char names[MAX_NAMES][64];
static int nnames;
static pthread_mutex_t names_lock = PTHREAD_MUTEX_INITIALIZER;

static const uint8_t mac_a[6] = {0x02, 0x00, 0x5e, 0x10, 0x00, 0x0a};
static const uint8_t mac_b[6] = {0x02, 0x00, 0x5e, 0x10, 0x00, 0x0b};

static void make_name(char *buf, size_t len, const char *suffix)
{
	snprintf(buf, len, "%s%s", prefix, suffix);
}

/* Remember a name before creating it. Thread-safe. 0 or -ENOSPC. */
static int record(const char *name)
{
	int ret = 0;

	pthread_mutex_lock(&names_lock);
	if (nnames == MAX_NAMES) {
		ret = -ENOSPC;
	} else {
		snprintf(names[nnames], sizeof(names[0]), "%s", name);
		nnames++;
	}
	pthread_mutex_unlock(&names_lock);
	return ret;
}

static int create_recorded(const char *name)
{
	int ret = record(name);

	return ret ? ret : netns_create(name);
}

/* Delete every recorded namespace; an already deleted one is fine. */
static int delete_recorded(void)
{
	int ret = 0;
	int i, err;

	pthread_mutex_lock(&names_lock);
	for (i = nnames - 1; i >= 0; i--) {
		err = netns_delete(names[i]);
		if (err && err != -ENOENT) {
			fprintf(stderr, "cleanup: netns_delete(%s): %s\n", names[i],
				strerror(-err));
			ret = -1;
		}
	}
	nnames = 0;
	pthread_mutex_unlock(&names_lock);
	return ret;
}

static ino_t path_ino(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return 0;
	return st.st_ino;
}

static ino_t thread_ino(void)
{
	return path_ino(THREAD_NETNS);
}

static ino_t netns_ino(const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, name);
	return path_ino(path);
}

/* Entries of /run/netns that belong to this run: "rlk<pid>" followed by a
 * non-digit, so that pid 12 never counts pid 123's entries. */
static int count_ours(void)
{
	size_t plen = strlen(prefix);
	struct dirent *e;
	int n = 0;
	DIR *d;

	d = opendir(NETNS_RUN_DIR);
	if (!d)
		return errno == ENOENT ? 0 : -1;
	while ((e = readdir(d))) {
		if (!strncmp(e->d_name, prefix, plen) &&
		    (e->d_name[plen] < '0' || e->d_name[plen] > '9'))
			n++;
	}
	closedir(d);
	return n;
}

static int run_dir_has(const char *name)
{
	struct dirent *e;
	int found = 0;
	DIR *d;

	d = opendir(NETNS_RUN_DIR);
	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (!strcmp(e->d_name, name))
			found = 1;
	closedir(d);
	return found;
}

/* Bind-mounted namespace files live on nsfs; a plain file would not. */
static int is_nsfs(const char *name)
{
	char path[PATH_MAX];
	struct statfs sfs;

	snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, name);
	if (statfs(path, &sfs))
		return 0;
	return sfs.f_type == NSFS_MAGIC;
}

/*
 * Fork, enter namespace ns the `ip netns exec` way, exec argv with stdout
 * captured into out. Returns the exit status, 126 if entering failed, 127
 * if exec failed, -1 on a local error or a signal.
 */
static int exec_in_ns(const char *ns, char *const argv[], char *out, size_t outlen)
{
	size_t len = 0;
	int status;
	int fds[2];
	ssize_t n;
	char sink[512];
	pid_t pid;

	out[0] = '\0';
	if (pipe2(fds, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		/* The child must never return into cmocka. */
		if (netns_enter_for_exec(ns))
			_exit(126);
		if (dup2(fds[1], STDOUT_FILENO) < 0)
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		if (len + 1 < outlen)
			n = read(fds[0], out + len, outlen - 1 - len);
		else
			n = read(fds[0], sink, sizeof(sink));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (len + 1 < outlen) {
			len += n;
			out[len] = '\0';
		}
	}
	close(fds[0]);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (!WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static int thread_ino_cb(void *arg)
{
	*(ino_t *)arg = thread_ino();
	return 42;
}

/* ---- fixtures ---- */

static int teardown_names(void **state)
{
	(void)state;
	return delete_recorded();
}

struct wiring {
	char a[64], b[64];
	int fda, fdb;
	struct nl_sock *root, *sa, *sb;
};

static int setup_wiring(void **state)
{
	struct wiring *w = calloc(1, sizeof(*w));

	if (!w)
		return -1;
	w->fda = -1;
	w->fdb = -1;
	make_name(w->a, sizeof(w->a), "a");
	make_name(w->b, sizeof(w->b), "b");
	*state = w;
	return 0;
}

static int teardown_wiring(void **state)
{
	struct wiring *w = *state;

	/* Sockets and fds pin their namespaces: drop them first so the
	 * namespaces (and the veth pair in them) really go away. */
	nl_close(w->root);
	nl_close(w->sa);
	nl_close(w->sb);
	if (w->fda >= 0)
		close(w->fda);
	if (w->fdb >= 0)
		close(w->fdb);
	free(w);
	return delete_recorded();
}

/* ---- tests ---- */

static void test_invalid_names(void **state)
{
	char longname[256];

	(void)state;
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(netns_create(""), -EINVAL);
	assert_int_equal(netns_create("."), -EINVAL);
	assert_int_equal(netns_create(".."), -EINVAL);
	assert_int_equal(netns_create("a/b"), -EINVAL);
	assert_int_equal(netns_create(longname), -EINVAL);
	assert_int_equal(netns_delete("a/b"), -EINVAL);
	assert_int_equal(netns_open(".."), -EINVAL);
	assert_int_equal(netns_exists(""), 0);
	assert_int_equal(netns_exists("../netns"), 0);
}

static void test_create_two(void **state)
{
	char a[64], b[64];
	ino_t ino_a, ino_b, seen = 0;
	int fd;

	(void)state;
	make_name(a, sizeof(a), "a");
	make_name(b, sizeof(b), "b");
	assert_int_equal(netns_exists(a), 0);
	assert_int_equal(create_recorded(a), 0);
	assert_int_equal(create_recorded(b), 0);
	assert_int_equal(thread_ino(), root_ino);

	assert_int_equal(netns_exists(a), 1);
	assert_int_equal(netns_exists(b), 1);
	assert_true(run_dir_has(a));
	assert_true(run_dir_has(b));
	assert_true(is_nsfs(a));
	assert_true(is_nsfs(b));
	ino_a = netns_ino(a);
	ino_b = netns_ino(b);
	assert_true(ino_a && ino_b);
	assert_true(ino_a != ino_b);
	assert_true(ino_a != root_ino && ino_b != root_ino);

	/* Same name again: refused, and the existing namespace untouched. */
	assert_int_equal(netns_create(a), -EEXIST);
	assert_int_equal(netns_exists(a), 1);
	assert_true(is_nsfs(a));
	assert_int_equal(netns_ino(a), ino_a);
	fd = netns_open(a);
	assert_true(fd >= 0);
	assert_int_equal(netns_run(fd, thread_ino_cb, &seen), 42);
	close(fd);
	assert_int_equal(seen, ino_a);
	assert_int_equal(thread_ino(), root_ino);

	assert_int_equal(netns_delete(a), 0);
	assert_int_equal(netns_exists(a), 0);
	assert_false(run_dir_has(a));
	assert_int_equal(netns_delete(a), -ENOENT);
	assert_int_equal(netns_open(a), -ENOENT);
}

static int offload_cb(void *arg)
{
	uint32_t cmds[] = {ETHTOOL_GTXCSUM, ETHTOOL_GTSO, ETHTOOL_GGSO};
	struct ethtool_value ev;
	struct ifreq ifr;
	size_t i;
	int *on = arg;
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	*on = 0;
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		memset(&ifr, 0, sizeof(ifr));
		strcpy(ifr.ifr_name, "eth0");
		ev.cmd = cmds[i];
		ev.data = 0;
		ifr.ifr_data = (char *)&ev;
		if (ioctl(fd, SIOCETHTOOL, &ifr)) {
			close(fd);
			return -errno;
		}
		*on += !!ev.data;
	}
	close(fd);
	return 0;
}

static void configure_end(struct nl_sock *s, const uint8_t *mac, uint32_t addr)
{
	int idx, lo;

	idx = nl_link_index(s, "eth0");
	assert_true(idx > 0);
	assert_int_equal(nl_link_set(s, idx, mac, 1400, 1), 0);
	assert_int_equal(nl_addr4_add(s, idx, addr, 24), 0);
	assert_int_equal(nl_addr4_add(s, idx, addr, 24), -EEXIST);
	assert_int_equal(nl_route4_default(s, idx, 0), 0);
	assert_int_equal(nl_route4_default(s, idx, 0), -EEXIST);
	lo = nl_link_index(s, "lo");
	assert_true(lo > 0);
	assert_int_equal(nl_link_set(s, lo, NULL, 0, 1), 0);
	assert_int_equal(nl_tx_offload_off(s, "eth0"), 0);
}

static void test_wiring(void **state)
{
	struct wiring *w = *state;
	char out[4096], want[64], root_before[32], root_after[32], old[32];
	char *ping[] = {"ping", "-c", "2", "-W", "2", "10.213.0.2", NULL};
	char *cat[] = {"cat", "/sys/class/net/eth0/address", "/sys/class/net/eth0/mtu", NULL};
	int on = -1;
	int rc;

	if (access(PING, X_OK))
		fail_msg("%s is missing: install iputils-ping, this test needs a real ping", PING);

	assert_int_equal(create_recorded(w->a), 0);
	assert_int_equal(create_recorded(w->b), 0);
	w->fda = netns_open(w->a);
	w->fdb = netns_open(w->b);
	assert_true(w->fda >= 0 && w->fdb >= 0);

	w->root = nl_open(-1);
	assert_non_null(w->root);
	w->sa = nl_open(w->fda);
	assert_non_null(w->sa);
	w->sb = nl_open(w->fdb);
	assert_non_null(w->sb);
	assert_int_equal(thread_ino(), root_ino);

	/* One end "eth0" in each namespace, from a socket in neither. */
	assert_int_equal(nl_veth_create(w->root, "eth0", w->fda, "eth0", w->fdb), 0);
	assert_int_equal(nl_veth_create(w->root, "eth0", w->fda, "eth0", w->fdb), -EEXIST);
	assert_int_equal(nl_link_index(w->sa, "rlk-nonexistent"), -ENODEV);
	assert_int_equal(nl_link_index(w->sa, "name-far-too-long-for-ifnamsiz"), -EINVAL);

	/* Create and delete a pair inside one namespace. */
	assert_int_equal(nl_veth_create(w->sa, "rlkx0", -1, "rlkx1", -1), 0);
	assert_true(nl_link_index(w->sa, "rlkx0") > 0);
	assert_true(nl_link_index(w->sa, "rlkx1") > 0);
	assert_int_equal(nl_link_del(w->sa, "rlkx0"), 0);
	assert_int_equal(nl_link_index(w->sa, "rlkx0"), -ENODEV);
	assert_int_equal(nl_link_index(w->sa, "rlkx1"), -ENODEV);
	assert_int_equal(nl_link_del(w->sa, "rlkx0"), -ENODEV);

	configure_end(w->sa, mac_a, 0x0ad50001);
	configure_end(w->sb, mac_b, 0x0ad50002);
	assert_int_equal(thread_ino(), root_ino);

	assert_int_equal(netns_run(w->fda, offload_cb, &on), 0);
	assert_int_equal(on, 0);

	rc = exec_in_ns(w->a, ping, out, sizeof(out));
	if (rc != 0)
		fail_msg("ping in %s exited %d:\n%s", w->a, rc, out);

	/* /sys inside shows the namespace's eth0 with what we set. */
	rc = exec_in_ns(w->a, cat, out, sizeof(out));
	assert_int_equal(rc, 0);
	snprintf(want, sizeof(want), "%02x:%02x:%02x:%02x:%02x:%02x\n1400\n", mac_a[0], mac_a[1],
		 mac_a[2], mac_a[3], mac_a[4], mac_a[5]);
	assert_string_equal(out, want);

	/* sysctls act in the socket's namespace, never in ours. */
	assert_int_equal(read_file("/proc/sys/" DISABLE_V6, root_before, sizeof(root_before)), 0);
	assert_int_equal(nl_sysctl_set(w->sa, DISABLE_V6, "1", old, sizeof(old)), 0);
	assert_string_equal(old, "0");
	assert_int_equal(read_file("/proc/sys/" DISABLE_V6, root_after, sizeof(root_after)), 0);
	assert_string_equal(root_before, root_after);
	assert_int_equal(nl_sysctl_set(w->sa, DISABLE_V6, "0", old, sizeof(old)), 0);
	assert_string_equal(old, "1");
	assert_int_equal(nl_sysctl_set(w->sa, "../" DISABLE_V6, "0", NULL, 0), -EINVAL);
	assert_int_equal(nl_sysctl_set(w->sa, "/" DISABLE_V6, "0", NULL, 0), -EINVAL);
	assert_int_equal(nl_sysctl_set(w->sa, "net/nonexistent", "0", NULL, 0), -ENOENT);
	assert_int_equal(thread_ino(), root_ino);
}

struct par_job {
	int id;
	int err;
	int moved;
	char failed[64];
};

static void *par_worker(void *arg)
{
	struct par_job *job = arg;
	ino_t mine = thread_ino();
	char name[64], suffix[16];
	int i, ret;

	for (i = 0; i < PAR_PER_THREAD; i++) {
		snprintf(suffix, sizeof(suffix), "p%d", job->id * PAR_PER_THREAD + i);
		make_name(name, sizeof(name), suffix);
		ret = create_recorded(name);
		if (ret && !job->err) {
			job->err = ret;
			snprintf(job->failed, sizeof(job->failed), "%s", name);
		}
		if (thread_ino() != mine)
			job->moved++;
	}
	return NULL;
}

static void test_parallel_create(void **state)
{
	struct par_job jobs[PAR_THREADS];
	pthread_t tids[PAR_THREADS];
	char name[64], suffix[16];
	int i;

	(void)state;
	memset(jobs, 0, sizeof(jobs));
	for (i = 0; i < PAR_THREADS; i++) {
		jobs[i].id = i;
		assert_int_equal(pthread_create(&tids[i], NULL, par_worker, &jobs[i]), 0);
	}
	for (i = 0; i < PAR_THREADS; i++)
		assert_int_equal(pthread_join(tids[i], NULL), 0);
	for (i = 0; i < PAR_THREADS; i++) {
		if (jobs[i].err)
			fail_msg("thread %d: netns_create(%s): %s", i, jobs[i].failed,
				 strerror(-jobs[i].err));
		assert_int_equal(jobs[i].moved, 0);
	}
	assert_int_equal(count_ours(), PAR_THREADS * PAR_PER_THREAD);

	for (i = 0; i < PAR_THREADS * PAR_PER_THREAD; i++) {
		snprintf(suffix, sizeof(suffix), "p%d", i);
		make_name(name, sizeof(name), suffix);
		assert_int_equal(netns_exists(name), 1);
		assert_true(is_nsfs(name));
	}
	for (i = 0; i < PAR_THREADS * PAR_PER_THREAD; i++) {
		snprintf(suffix, sizeof(suffix), "p%d", i);
		make_name(name, sizeof(name), suffix);
		assert_int_equal(netns_delete(name), 0);
	}
	for (i = 0; i < PAR_THREADS * PAR_PER_THREAD; i++) {
		snprintf(suffix, sizeof(suffix), "p%d", i);
		make_name(name, sizeof(name), suffix);
		assert_int_equal(netns_exists(name), 0);
	}
	assert_int_equal(count_ours(), 0);
}

struct stay_job {
	const char *home, *other;
	ino_t home_ino, before, after_create, after_run, seen;
	int create_ret, run_ret, setns_ret;
};

/* A thread living in namespace 'home' (not the process's) creates a
 * namespace and runs in another one: it must end up back in 'home'. */
static void *stay_worker(void *arg)
{
	struct stay_job *job = arg;
	int fd;

	fd = netns_open(job->home);
	job->setns_ret = fd < 0 ? fd : (setns(fd, CLONE_NEWNET) ? -errno : 0);
	if (fd >= 0)
		close(fd);
	if (job->setns_ret)
		return NULL;
	job->before = thread_ino();
	job->create_ret = create_recorded(job->other);
	job->after_create = thread_ino();
	fd = netns_open(job->other);
	job->run_ret = fd < 0 ? fd : netns_run(fd, thread_ino_cb, &job->seen);
	if (fd >= 0)
		close(fd);
	job->after_run = thread_ino();
	return NULL;
}

static void test_thread_stays(void **state)
{
	char home[64], other[64];
	struct stay_job job;
	pthread_t tid;

	(void)state;
	make_name(home, sizeof(home), "home");
	make_name(other, sizeof(other), "other");
	assert_int_equal(create_recorded(home), 0);
	memset(&job, 0, sizeof(job));
	job.home = home;
	job.other = other;
	job.home_ino = netns_ino(home);
	assert_int_equal(pthread_create(&tid, NULL, stay_worker, &job), 0);
	assert_int_equal(pthread_join(tid, NULL), 0);

	assert_int_equal(job.setns_ret, 0);
	assert_int_equal(job.before, job.home_ino);
	assert_int_equal(job.create_ret, 0);
	assert_int_equal(job.after_create, job.home_ino);
	assert_int_equal(job.run_ret, 42);
	assert_int_equal(job.seen, netns_ino(other));
	assert_int_equal(job.after_run, job.home_ino);
	assert_int_equal(thread_ino(), root_ino);
}

static void test_nothing_left(void **state)
{
	(void)state;
	assert_int_equal(delete_recorded(), 0);
	assert_int_equal(count_ours(), 0);
}

/* Backstop for a test that died between recording and its teardown. */
static int group_teardown(void **state)
{
	(void)state;
	return delete_recorded() || count_ours() != 0;
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_invalid_names),
    cmocka_unit_test_teardown(test_create_two, teardown_names),
    cmocka_unit_test_setup_teardown(test_wiring, setup_wiring, teardown_wiring),
    cmocka_unit_test_teardown(test_parallel_create, teardown_names),
    cmocka_unit_test_teardown(test_thread_stays, teardown_names),
    cmocka_unit_test(test_nothing_left),
};

int main(void)
{
	/* Before anything else: without root, meson counts exit 77 as skip. */
	if (geteuid() != 0)
		return 77;
	snprintf(prefix, sizeof(prefix), "rlk%d", (int)getpid());
	root_ino = thread_ino();
	return cmocka_run_group_tests(tests, NULL, group_teardown);
}
