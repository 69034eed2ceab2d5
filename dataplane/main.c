/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rackless-switch: the lab's DPDK switch daemon.
 *
 *   rackless-switch --lab NAME --socket PATH [--workers N] [--mbufs N]
 *                   [--mem MB] [--huge auto|yes|no] [--cpus LIST] [--fdb-age SEC]
 *                   [--fdb ENTRIES] [--kernel-fastpath yes|no]
 *
 * EAL is always started with --no-pci (never touch the machine's NIC), a
 * file prefix unique to the lab, and no telemetry socket. With enough free
 * 2 MB hugepages it runs --in-memory on them; otherwise --no-huge (which in
 * DPDK 22.11 cannot be combined with --in-memory, so --no-shconf keeps it
 * from writing shared config files). SIGTERM or SIGINT, or a "shutdown"
 * request, stop it cleanly: ports closed, socket unlinked, EAL cleaned up.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "ctl.h"
#include "kfast.h"
#include "ratelog.h"
#include "switch.h"
#include "worker.h"

/* DPDK log messages let through a second: a flood costs at most some
 * 10 KB of the log (on tmpfs) a second */
#define SWITCH_LOG_PER_SEC 20

#define DPDK_RUNTIME_DIR "/var/run/dpdk"
/* flows the kernel fast path holds at once (kfast.h) */
#define KFAST_FLOWS 65536

struct opts {
	const char *lab;
	const char *socket;
	unsigned workers;
	unsigned mbufs;
	unsigned mem_mb;
	int huge; /* -1 auto, 0 no, 1 yes */
	const char *cpus;
	unsigned fdb_age;
	unsigned fdb; /* FDB entries, 0: the switch's default */
	int kfast; /* the kernel fast path: 1 on (default), 0 off */
};

static void usage(FILE *f)
{
	fprintf(f, "usage: rackless-switch --lab NAME --socket PATH [--workers N] [--mbufs N]\n"
		   "                       [--mem MB] [--huge auto|yes|no] [--cpus LIST]\n"
		   "                       [--fdb-age SEC] [--fdb ENTRIES] [--kernel-fastpath yes|no]\n");
}

static int parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || v < min || v > max)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
	    {"lab", required_argument, NULL, 'l'},     {"socket", required_argument, NULL, 's'},
	    {"workers", required_argument, NULL, 'w'}, {"mbufs", required_argument, NULL, 'm'},
	    {"mem", required_argument, NULL, 'M'},     {"huge", required_argument, NULL, 'H'},
	    {"cpus", required_argument, NULL, 'c'},    {"fdb-age", required_argument, NULL, 'a'},
	    {"kernel-fastpath", required_argument, NULL, 'k'},
	    {"fdb", required_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},	       {NULL, 0, NULL, 0},
	};
	int c, ret = 0;

	*o = (struct opts){.workers = 1, .mbufs = 16383, .mem_mb = 256, .huge = -1, .fdb_age = 300,
			 .kfast = 1};
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'l':
			o->lab = optarg;
			break;
		case 's':
			o->socket = optarg;
			break;
		case 'w':
			ret = parse_uint(optarg, 1, SW_WORKER_MAX, &o->workers);
			break;
		case 'm':
			ret = parse_uint(optarg, 1023, 1 << 22, &o->mbufs);
			break;
		case 'M':
			ret = parse_uint(optarg, 64, 1 << 20, &o->mem_mb);
			break;
		case 'a':
			ret = parse_uint(optarg, 1, 1000000, &o->fdb_age);
			break;
		case 'f':
			ret = parse_uint(optarg, 1024, 1u << 24, &o->fdb);
			break;
		case 'c':
			o->cpus = optarg;
			break;
		case 'H':
			if (strcmp(optarg, "auto") == 0)
				o->huge = -1;
			else if (strcmp(optarg, "yes") == 0)
				o->huge = 1;
			else if (strcmp(optarg, "no") == 0)
				o->huge = 0;
			else
				ret = -EINVAL;
			break;
		case 'k':
			if (strcmp(optarg, "yes") == 0 || strcmp(optarg, "no") == 0)
				o->kfast = optarg[0] == 'y';
			else
				ret = -EINVAL;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			return -EINVAL;
		}
		if (ret < 0) {
			fprintf(stderr, "rackless-switch: bad option value '%s'\n", optarg);
			return ret;
		}
	}
	if (o->lab == NULL || o->socket == NULL || optind != argc) {
		usage(stderr);
		return -EINVAL;
	}
	for (const char *p = o->lab; *p; p++) {
		if (!(('a' <= *p && *p <= 'z') || ('A' <= *p && *p <= 'Z') ||
		      ('0' <= *p && *p <= '9') || *p == '-' || *p == '_')) {
			fprintf(stderr, "rackless-switch: bad lab name '%s'\n", o->lab);
			return -EINVAL;
		}
	}
	return 0;
}

#define HUGE_DIR "/sys/kernel/mm/hugepages/hugepages-2048kB/"

/* The machine's hugepage lock (the CLI's, control/hugepages.h), held from
 * counting the free pages until EAL has taken them: two switches starting
 * at once would otherwise both count the same free pages, and the second
 * would fail to initialise. The fd (closed to unlock), or -1. */
static int huge_lock(void)
{
	int fd = open(HUGE_DIR "nr_hugepages", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* Free 2 MB hugepages, from sysfs; 0 if unknown. */
static unsigned long huge_free_2m(void)
{
	FILE *f = fopen(HUGE_DIR "free_hugepages", "r");
	unsigned long n = 0;

	if (f == NULL)
		return 0;
	if (fscanf(f, "%lu", &n) != 1)
		n = 0;
	fclose(f);
	return n;
}

/* The lcore map: the control lcore floats over every CPU, worker i is
 * pinned to a CPU from the list (last CPUs first by default). */
static int build_lcores(const struct opts *o, char *buf, size_t len)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int off;

	if (ncpu < 1)
		ncpu = 1;
	off = snprintf(buf, len, "0@(0-%ld)", ncpu - 1);
	for (unsigned i = 0; i < o->workers; i++) {
		long cpu = (ncpu - 1 - (long)i) % ncpu;
		if (cpu < 0)
			cpu += ncpu;
		off += snprintf(buf + off, len - (size_t)off, ",%u@%ld", i + 1, cpu);
		if ((size_t)off >= len)
			return -ENOSPC;
	}
	return 0;
}

static int eal_start(const struct opts *o, const char *argv0, char *prefix, size_t plen,
		     int *use_huge)
{
	char lcores[256], mem[16], pfx[96];
	char *eargv[20];
	int n = 0, ret, lock;

	if (o->cpus != NULL)
		snprintf(lcores, sizeof(lcores), "%s", o->cpus);
	else if (build_lcores(o, lcores, sizeof(lcores)) < 0)
		return -ENOSPC;
	lock = huge_lock();
	*use_huge =
	    o->huge == 1 || (o->huge == -1 && huge_free_2m() * 2 >= (unsigned long)o->mem_mb);
	snprintf(prefix, plen, "rackless-%s", o->lab);
	snprintf(pfx, sizeof(pfx), "--file-prefix=%s", prefix);
	snprintf(mem, sizeof(mem), "%u", o->mem_mb);
	eargv[n++] = (char *)argv0;
	eargv[n++] = "--no-pci";
	eargv[n++] = "--no-telemetry";
	eargv[n++] = pfx;
	eargv[n++] = "--lcores";
	eargv[n++] = lcores;
	eargv[n++] = "-m";
	eargv[n++] = mem;
	if (*use_huge) {
		eargv[n++] = "--in-memory";
	} else {
		eargv[n++] = "--no-huge";
		eargv[n++] = "--no-shconf";
	}
	eargv[n++] = "--log-level=lib.*:warning";
	eargv[n] = NULL;
	ret = rte_eal_init(n, eargv);
	if (lock >= 0)
		close(lock);
	if (ret < 0)
		return -(rte_errno ? rte_errno : EINVAL);
	return 0;
}

/* Signals are taken through a signalfd by the control loop; block them
 * before EAL creates its threads, which inherit the mask. */
static int signals_setup(void)
{
	sigset_t set;
	int fd;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return -EINVAL;
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return fd < 0 ? -errno : fd;
}

int main(int argc, char **argv)
{
	char prefix[80], rundir[160];
	struct rte_mempool *pool = NULL;
	struct ctl *ctl = NULL;
	struct sw *sw = NULL;
	struct opts o;
	int sigfd = -1, use_huge = 0, eal_up = 0, launched = 0, ret;
	unsigned lcore, wi = 0;
	FILE *log;

	ret = parse_opts(argc, argv, &o);
	if (ret != 0)
		return ret > 0 ? 0 : 2;
	sigfd = signals_setup();
	if (sigfd < 0) {
		fprintf(stderr, "rackless-switch: signals: %s\n", strerror(-sigfd));
		return 1;
	}
	/* DPDK's messages, at most SWITCH_LOG_PER_SEC a second (ratelog.h) */
	log = ratelog_open(stderr, SWITCH_LOG_PER_SEC);
	if (log != NULL)
		rte_openlog_stream(log);
	ret = eal_start(&o, argv[0], prefix, sizeof(prefix), &use_huge);
	if (ret < 0) {
		fprintf(stderr, "rackless-switch: EAL init failed: %s\n", strerror(-ret));
		goto out;
	}
	eal_up = 1;
	if (rte_lcore_count() < o.workers + 1) {
		fprintf(stderr, "rackless-switch: %u lcores for %u workers\n", rte_lcore_count(),
			o.workers);
		ret = -EINVAL;
		goto out;
	}
	pool = rte_pktmbuf_pool_create("rl_mbufs", o.mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	if (pool == NULL) {
		ret = -rte_errno;
		fprintf(stderr, "rackless-switch: mbuf pool: %s\n", rte_strerror(rte_errno));
		goto out;
	}
	sw = sw_create(&(struct sw_conf){
	    .n_workers = o.workers, .fdb_age_ms = o.fdb_age * 1000, .pool = pool,
	    .fdb_entries = o.fdb});
	if (sw == NULL) {
		ret = -errno;
		fprintf(stderr, "rackless-switch: switch: %s\n", strerror(errno));
		goto out;
	}
	if (o.kfast) {
		char why[128];

		/* without it every frame crosses the switch: slower, still right */
		sw->kf = kfast_create(sw, KFAST_FLOWS, why, sizeof(why));
		if (sw->kf == NULL)
			fprintf(stderr, "rackless-switch: kernel fast path off: %s\n", why);
	}
	ctl = ctl_create(sw, o.socket);
	if (ctl == NULL) {
		ret = -errno;
		fprintf(stderr, "rackless-switch: socket %s: %s\n", o.socket, strerror(errno));
		goto out;
	}
	RTE_LCORE_FOREACH_WORKER(lcore)
	{
		if (wi == sw->n_workers)
			break;
		ret = rte_eal_remote_launch(worker_main, sw->workers[wi], lcore);
		if (ret < 0) {
			fprintf(stderr, "rackless-switch: launch worker: %s\n", strerror(-ret));
			goto out;
		}
		wi++;
		launched = 1;
	}
	fprintf(stderr, "rackless-switch: lab %s ready on %s (%u worker%s, %s, %u mbufs)\n", o.lab,
		o.socket, o.workers, o.workers > 1 ? "s" : "",
		use_huge ? "hugepages" : "no hugepages", o.mbufs);
	ret = ctl_run(ctl, sigfd);
	fprintf(stderr, "rackless-switch: lab %s shutting down\n", o.lab);
out:
	if (launched) {
		for (unsigned i = 0; i < sw->n_workers; i++)
			worker_stop(sw->workers[i]);
		rte_eal_mp_wait_lcore();
	}
	ctl_destroy(ctl);
	if (sw != NULL) {
		kfast_destroy(sw->kf);
		sw->kf = NULL;
	}
	sw_destroy(sw);
	rte_mempool_free(pool);
	if (eal_up) {
		rte_eal_cleanup();
		/* --no-shconf still makes an (empty) runtime directory */
		snprintf(rundir, sizeof(rundir), "%s/%s", DPDK_RUNTIME_DIR, prefix);
		rmdir(rundir);
	}
	close(sigfd);
	if (log != NULL) {
		rte_openlog_stream(NULL);
		fclose(log);
	}
	return ret < 0 ? 1 : 0;
}
