/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ethdev backend: a DPDK virtual device (vdev) attached by devargs, e.g.
 * "net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap" (replay a capture into the
 * lab, record what the switch sends), "net_memif0,role=server,socket=PATH"
 * (a memif peer such as VPP), "net_ring0" (a loopback: what the switch sends
 * comes back, for tests). DPDK numbers its ethdevs up to RTE_MAX_ETHPORTS
 * (32 in Debian's build), so these are few next to the lab's own ports.
 *
 * Safety. The switch runs EAL with --no-pci and this backend attaches only
 * virtual devices (names starting with net_): never a PCI device, never
 * eth0 (port_ethdev_check() names every refusal).
 *
 * Parking. Most vdevs have no RX interrupt (net_pcap, net_ring, and in
 * DPDK 22.11 net_memif), so the port's rx fd is a timerfd: while parked the
 * worker polls it again when the timer fires, 1 ms after traffic, backing
 * off to ETHDEV_TIMER_MAX_NS while it stays idle. The price is latency: the
 * first frame after a quiet spell waits up to that long (a ping every
 * second to a memif peer: 14 ms median); the gain is that an idle port
 * costs some 30 wake-ups a second (about 0.3% of a core, most of it the
 * worker's own hysteresis of WORKER_IDLE_POLLS empty polls per wake-up)
 * instead of a core. A pcap file being replayed ends: once it is exhausted
 * the timer is switched off and the port costs nothing. PMDs with RX
 * interrupts (net_tap, net_virtio_user) park on the interrupt itself.
 *
 * Two kinds of RX interrupt. A doorbell (net_virtio_user's eventfd) says
 * "look now" once: DPDK watches it edge-triggered and rte_epoll_wait
 * clears it, after which a poll finds every frame rung for. net_tap's
 * interrupt is the queue's own fd, and its rx_burst reads nothing until
 * the PMD's SIGIO handler has counted the frame (tap_trigger), which runs
 * on some thread of the switch tens of microseconds to milliseconds after
 * the fd became readable. Cleared edge-triggered, the wake-up could be
 * spent on polls that found nothing yet and the port park with the frame
 * waiting for the next one (a ping in ten lost, measured). So a data fd is
 * watched level-triggered instead: readable while a frame waits, whatever
 * the PMD has counted; nothing needs clearing.
 */
#include <errno.h>
#include <net/if.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <rte_bus.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_devargs.h>
#include <rte_epoll.h>
#include <rte_ethdev.h>
#include <rte_kvargs.h>
#include <rte_log.h>
#include <rte_mempool.h>

#include "../port.h"
#include "ethdev_pcap.h"

#define ETHDEV_TIMER_MIN_NS	1000000ull  /* re-poll 1 ms after traffic... */
#define ETHDEV_TIMER_MAX_NS	32000000ull /* ...backing off to 32 ms idle */
#define ETHDEV_TIMER_SLACK_NS	20000ull    /* TSC and timerfd clocks differ */
#define ETHDEV_INTR_DRAIN_EVERY 64	    /* empty polls between interrupt re-arms */
#define ETHDEV_DRAIN_MAX	4096	    /* bursts read from a loopback at close */

enum {
	ETHDEV_INTR_NONE,  /* no RX interrupt: fd is a timerfd */
	ETHDEV_INTR_EDGE,  /* a doorbell, through DPDK (rte_epoll_wait clears it) */
	ETHDEV_INTR_LEVEL, /* the queue's data fd, watched level-triggered */
};

struct ethdev {
	char name[RTE_DEV_NAME_MAX_LEN]; /* the vdev's name */
	uint16_t port_id;
	uint8_t started;
	uint8_t intr;	   /* fd is an epoll set holding the RX interrupt (ETHDEV_INTR_*) */
	uint8_t finite;	   /* RX is a pcap file: once empty, empty for good */
	uint8_t tx_segs;   /* the PMD takes chained mbufs */
	uint8_t tx_by_ref; /* the PMD hands the mbuf itself to the far end */
	uint8_t busy;	   /* frames since the timer was last armed */
	int fd;		   /* rx_fd: timerfd, or the interrupt's epoll set */
	uint32_t empty;	   /* empty polls since the last frame */
	uint64_t interval_ns;
	uint64_t deadline;		   /* TSC at which the timer fires; UINT64_MAX: off */
	uint64_t rx_trouble;		   /* rx_nombuf + ierrors when last looked at */
	uint64_t seen_nombuf, seen_missed; /* PMD counters folded into stats */
	struct ethdev_pcap files;	   /* net_pcap: its files' locks */
};

/* Probing and removing devices is not thread-safe in DPDK, and add-ports
 * opens ports in parallel. */
static pthread_mutex_t ethdev_lock = PTHREAD_MUTEX_INITIALIZER;

/* Drivers that take over other devices (a PCI NIC among them). */
static const char *const ethdev_denied[] = {
    "net_failsafe",
    "net_bonding",
    "net_vdev_netvsc",
    "net_softnic",
};

/* Keys naming a kernel interface to open (net_pcap, net_af_packet,
 * net_af_xdp) or to mirror (net_tap's remote). */
static const char *const ethdev_iface_keys[] = {
    "iface", "rx_iface", "rx_iface_in", "tx_iface", "remote",
};

static int has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Say why in why (len bytes); returns -err. */
static int ethdev_fail(char *why, size_t len, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int ethdev_fail(char *why, size_t len, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -err;
}

/* The kernel driver of interface ifname in the caller's namespace ("veth",
 * "tun", ...); -errno if it has none or does not exist. */
static int ethdev_kernel_driver(const char *ifname, char *drv, size_t len)
{
	struct ethtool_drvinfo info = {.cmd = ETHTOOL_GDRVINFO};
	struct ifreq ifr = {0};
	int s, ret = 0;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&info;
	if (ioctl(s, SIOCETHTOOL, &ifr) < 0)
		ret = -errno;
	else
		snprintf(drv, len, "%s", info.driver);
	close(s);
	return ret;
}

/* An interface a vdev may open: a veth or tap of the lab, never eth0 nor
 * anything with hardware behind it. */
static int ethdev_check_iface(const char *name, const char *key, const char *ifname, char *why,
			      size_t len)
{
	char drv[32];

	if (strcmp(ifname, "eth0") == 0)
		return ethdev_fail(why, len, EPERM,
				   "%s=eth0: the machine's interface is never attached", key);
	/* net_tap makes its interface (its 'remote' must be there) */
	if (if_nametoindex(ifname) == 0 && has_prefix(name, "net_tap") && strcmp(key, "iface") == 0)
		return 0;
	if (if_nametoindex(ifname) == 0)
		return ethdev_fail(why, len, ENODEV,
				   "%s=%s: no such interface in the switch's namespace (names are "
				   "case-sensitive)",
				   key, ifname);
	if (ethdev_kernel_driver(ifname, drv, sizeof(drv)) < 0 ||
	    (strcmp(drv, "veth") != 0 && strcmp(drv, "tun") != 0))
		return ethdev_fail(why, len, EPERM,
				   "interface '%s' is not a veth or tap: only those are attached",
				   ifname);
	return 0;
}

/* net_memif as the server of a socket: DPDK 22.11 never closes a removed
 * port's listening socket nor unregisters its callback, so an abstract
 * socket would stay reachable and call freed memory; a socket file is
 * removed and cannot be reached again. */
static int ethdev_check_memif(const struct rte_kvargs *kv, char *why, size_t len)
{
	const char *role = rte_kvargs_get(kv, "role"), *path = rte_kvargs_get(kv, "socket");
	const char *abstract = rte_kvargs_get(kv, "socket-abstract");
	struct stat st;

	int client = role != NULL && (strcmp(role, "client") == 0 || strcmp(role, "slave") == 0);
	int file = abstract != NULL && strcmp(abstract, "no") == 0;

	if (path != NULL && stat(path, &st) == 0 && !S_ISSOCK(st.st_mode))
		return ethdev_fail(why, len, EEXIST, "socket: '%s' exists and is not a socket",
				   path);
	/* DPDK says only "Operation not permitted" */
	if (client && file && stat(path ? path : "/run/memif.sock", &st) < 0)
		return ethdev_fail(why, len, ENOENT,
				   "socket: the memif server's socket '%s' is not there (a client "
				   "connects to its peer's socket: start the peer first)",
				   path ? path : "/run/memif.sock");
	if (role != NULL && (strcmp(role, "server") == 0 || strcmp(role, "master") == 0) &&
	    (abstract == NULL || strcmp(abstract, "no") != 0))
		return ethdev_fail(why, len, EINVAL,
				   "net_memif as server needs socket-abstract=no (a socket file)");
	return 0;
}

/* The arguments of the drivers a lab uses most (DPDK 22.11's), so that a
 * typo is named: the PMDs only fail. NULL-terminated. */
static const char *const ethdev_pcap_keys[] = {
    "rx_pcap", "tx_pcap", "rx_iface", "rx_iface_in", "tx_iface", "iface", "phy_mac",
    "infinite_rx", NULL,
};
static const char *const ethdev_ring_keys[] = {"nodeaction", "internal", NULL};
static const char *const ethdev_memif_keys[] = {
    "id", "role", "bsize", "rsize", "socket", "socket-abstract", "owner-uid", "owner-gid",
    "mac", "zero-copy", "secret", NULL,
};

static const struct {
	const char *drv;
	const char *const *keys;
} ethdev_drivers[] = {
    {"net_pcap", ethdev_pcap_keys},
    {"net_ring", ethdev_ring_keys},
    {"net_memif", ethdev_memif_keys},
};

static const char *const *ethdev_known_keys(const char *name, const char **drv)
{
	for (size_t i = 0; i < RTE_DIM(ethdev_drivers); i++) {
		if (has_prefix(name, ethdev_drivers[i].drv)) {
			*drv = ethdev_drivers[i].drv;
			return ethdev_drivers[i].keys;
		}
	}
	return NULL;
}

/* Keys a known driver does not take, and what its devargs must hold. */
static int ethdev_check_keys(const char *name, const struct rte_kvargs *kv, char *why,
			     size_t len)
{
	const char *drv, *const *keys = ethdev_known_keys(name, &drv);
	char list[256] = "";
	size_t o = 0;

	if (keys == NULL)
		return 0;
	for (size_t j = 0; keys[j] != NULL; j++)
		o += (size_t)snprintf(list + o, o < sizeof(list) ? sizeof(list) - o : 0, "%s%s",
				      j ? ", " : "", keys[j]);
	for (unsigned i = 0; i < kv->count; i++) {
		size_t j = 0;

		while (keys[j] != NULL && strcmp(keys[j], kv->pairs[i].key) != 0)
			j++;
		if (keys[j] == NULL)
			return ethdev_fail(why, len, EINVAL,
					   "'%s' is not an argument of %s (it takes %s)",
					   kv->pairs[i].key, drv, list);
	}
	if (keys == ethdev_pcap_keys && rte_kvargs_count(kv, "rx_pcap") +
						rte_kvargs_count(kv, "tx_pcap") +
						rte_kvargs_count(kv, "iface") +
						rte_kvargs_count(kv, "rx_iface") +
						rte_kvargs_count(kv, "rx_iface_in") +
						rte_kvargs_count(kv, "tx_iface") ==
					    0)
		return ethdev_fail(why, len, EINVAL,
				   "net_pcap needs a file or an interface: rx_pcap=FILE (replay), "
				   "tx_pcap=FILE (record), or iface=IF");
	return 0;
}

/* net_ring's nodeaction=NAME:NODE:CREATE|ATTACH. */
static int ethdev_check_ring(const struct rte_kvargs *kv, char *why, size_t len)
{
	const char *v = rte_kvargs_get(kv, "nodeaction");
	const char *a = v ? strrchr(v, ':') : NULL;

	if (v == NULL)
		return 0;
	if (a == NULL || a == strchr(v, ':') || strchr(v, ':') == v ||
	    (strcmp(a + 1, "CREATE") != 0 && strcmp(a + 1, "ATTACH") != 0))
		return ethdev_fail(why, len, EINVAL,
				   "nodeaction=%s: expected NAME:NUMA_NODE:CREATE or "
				   "NAME:NUMA_NODE:ATTACH (ATTACH: the rings of a net_ring made "
				   "with CREATE in this switch)",
				   v);
	return 0;
}

static int ethdev_check_args(const char *name, const char *args, char *why, size_t len)
{
	struct rte_kvargs *kv = rte_kvargs_parse(args, NULL);
	int ret = 0;

	if (kv == NULL)
		return ethdev_fail(why, len, EINVAL, "cannot parse the arguments '%s'", args);
	for (unsigned i = 0; i < kv->count && ret == 0; i++) {
		const char *k = kv->pairs[i].key, *v = kv->pairs[i].value ? kv->pairs[i].value : "";

		/* net_ring reads a raw pointer from it */
		if (strcmp(k, "internal") == 0)
			ret = ethdev_fail(why, len, EPERM, "argument 'internal' is not allowed");
		for (size_t j = 0; j < RTE_DIM(ethdev_iface_keys) && ret == 0; j++) {
			if (strcmp(k, ethdev_iface_keys[j]) == 0)
				ret = ethdev_check_iface(name, k, v, why, len);
		}
		/* a queue per file, and the port uses one queue */
		if (ret == 0 && has_prefix(name, "net_pcap") && rte_kvargs_count(kv, k) > 1)
			ret = ethdev_fail(why, len, EINVAL, "'%s' given twice: one per port", k);
	}
	if (ret == 0)
		ret = ethdev_check_keys(name, kv, why, len);
	if (ret == 0 && has_prefix(name, "net_ring"))
		ret = ethdev_check_ring(kv, why, len);
	if (ret == 0 && has_prefix(name, "net_pcap"))
		ret = ethdev_pcap_check(kv, why, len);
	if (ret == 0 && has_prefix(name, "net_memif"))
		ret = ethdev_check_memif(kv, why, len);
	rte_kvargs_free(kv);
	return ret;
}

/* The device name: devargs up to the first ','. */
static int ethdev_name(const char *devargs, char *name, size_t len)
{
	size_t n = strcspn(devargs, ",");

	if (n == 0 || n >= len)
		return -EINVAL;
	memcpy(name, devargs, n);
	name[n] = '\0';
	return 0;
}

int port_ethdev_check(const char *devargs, char *why, size_t len)
{
	char name[RTE_DEV_NAME_MAX_LEN];
	struct rte_devargs da;
	uint16_t port;
	const char *c;
	int ret;

	if (devargs == NULL || devargs[0] == '\0')
		return ethdev_fail(why, len, EINVAL, "devargs are empty");
	if (strlen(devargs) >= PORT_PATH_MAX)
		return ethdev_fail(why, len, EINVAL, "devargs longer than %d characters",
				   PORT_PATH_MAX - 1);
	if (ethdev_name(devargs, name, sizeof(name)) < 0)
		return ethdev_fail(why, len, EINVAL, "'%s': no device name, or one longer than %d",
				   devargs, RTE_DEV_NAME_MAX_LEN - 1);
	for (c = name; *c != '\0'; c++) {
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '_'))
			break;
	}
	if (!has_prefix(name, "net_") || *c != '\0')
		return ethdev_fail(why, len, EPERM,
				   "'%s' is not a virtual network device (net_...): PCI devices "
				   "and the machine's interfaces are never attached",
				   name);
	for (size_t i = 0; i < RTE_DIM(ethdev_denied); i++) {
		if (has_prefix(name, ethdev_denied[i]))
			return ethdev_fail(why, len, EPERM,
					   "%s takes over other devices: not attached",
					   ethdev_denied[i]);
	}
	ret = ethdev_check_args(name, devargs + strlen(name) + (devargs[strlen(name)] == ','), why,
				len);
	if (ret < 0)
		return ret;
	/* a driver of the vdev bus must know the name */
	if (rte_devargs_parse(&da, name) < 0)
		return ethdev_fail(why, len, ENODEV, "no DPDK driver for '%s'", name);
	ret = strcmp(rte_bus_name(da.bus), "vdev") == 0 ? 0 : -EPERM;
	rte_devargs_reset(&da);
	if (ret < 0)
		return ethdev_fail(why, len, EPERM, "'%s' is not a virtual device", name);
	if (rte_eth_dev_get_port_by_name(name, &port) == 0)
		return ethdev_fail(why, len, EEXIST, "device '%s' is already attached", name);
	if (rte_eth_dev_count_total() >= RTE_MAX_ETHPORTS)
		return ethdev_fail(why, len, ENOSPC, "all %d DPDK ports are in use",
				   RTE_MAX_ETHPORTS);
	return 0;
}

/* ---- wake-ups -------------------------------------------------------- */

static void ethdev_arm(struct ethdev *e, uint64_t ns)
{
	struct itimerspec its = {0};
	uint64_t now = rte_rdtsc();

	its.it_value.tv_sec = (time_t)(ns / 1000000000ull);
	its.it_value.tv_nsec = (long)(ns % 1000000000ull);
	if (timerfd_settime(e->fd, 0, &its, NULL) < 0) {
		e->deadline = now; /* look again at the next empty poll */
		return;
	}
	ns = ns > ETHDEV_TIMER_SLACK_NS ? ns - ETHDEV_TIMER_SLACK_NS : 0;
	e->deadline = now + ns * rte_get_tsc_hz() / 1000000000ull;
}

static void ethdev_disarm(struct ethdev *e)
{
	struct itimerspec off = {0};
	uint64_t v;

	timerfd_settime(e->fd, 0, &off, NULL);
	if (read(e->fd, &v, sizeof(v)) < 0) {
		/* not expired: nothing to clear */
	}
	e->deadline = UINT64_MAX;
}

/* A pcap file is exhausted when a poll found nothing and no frame was
 * lost to an empty mempool or a read error since the last look. */
static int ethdev_rx_exhausted(struct ethdev *e)
{
	struct rte_eth_stats st;
	uint64_t trouble;

	if (rte_eth_stats_get(e->port_id, &st) != 0)
		return 0;
	trouble = st.rx_nombuf + st.ierrors;
	if (trouble != e->rx_trouble) {
		e->rx_trouble = trouble;
		return 0;
	}
	return 1;
}

/* An empty poll in timer mode: when the timer has fired, re-arm it (1 ms if
 * frames came since or wait for mbufs, else twice the last interval), or
 * switch it off for a replay that has ended. */
static void ethdev_timer_idle(struct ethdev *e, int starved)
{
	uint64_t v;

	if (rte_rdtsc() < e->deadline)
		return;
	if (read(e->fd, &v, sizeof(v)) < 0) {
		/* not fired yet by the kernel's clock: cleared next time */
	}
	if (e->finite && !starved && ethdev_rx_exhausted(e)) {
		ethdev_disarm(e);
		return;
	}
	if (e->busy || starved)
		e->interval_ns = ETHDEV_TIMER_MIN_NS;
	else if (e->interval_ns < ETHDEV_TIMER_MAX_NS)
		e->interval_ns *= 2;
	e->busy = 0;
	ethdev_arm(e, e->interval_ns);
}

/* Whether fd is an eventfd (a doorbell) rather than a data fd. */
static bool ethdev_is_eventfd(int fd)
{
	char path[64], target[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return true; /* unknown: the way DPDK itself treats it */
	target[n] = '\0';
	return strcmp(target, "anon_inode:[eventfd]") == 0;
}

/* The PMD's RX interrupt, in an epoll set of the port's own: a data fd
 * level-triggered, a doorbell through DPDK so that it is cleared the way
 * the PMD needs (rte_epoll_wait). 0, or -ENOTSUP. */
static int ethdev_intr_setup(struct ethdev *e)
{
	struct epoll_event ev = {.events = EPOLLIN};
	int lvl = rte_log_get_level(rte_eth_dev_logtype), ret, qfd;

	e->fd = epoll_create1(EPOLL_CLOEXEC);
	if (e->fd < 0)
		return -errno;
	/* asking a PMD without RX interrupts logs an error: it is not one */
	rte_log_set_level(rte_eth_dev_logtype, RTE_LOG_EMERG);
	qfd = rte_eth_dev_rx_intr_ctl_q_get_fd(e->port_id, 0);
	if (qfd >= 0 && !ethdev_is_eventfd(qfd)) {
		ret = epoll_ctl(e->fd, EPOLL_CTL_ADD, qfd, &ev) < 0 ? -errno : 0;
		e->intr = ETHDEV_INTR_LEVEL;
	} else {
		ret = rte_eth_dev_rx_intr_ctl_q(e->port_id, 0, e->fd, RTE_INTR_EVENT_ADD, NULL);
		e->intr = ETHDEV_INTR_EDGE;
	}
	rte_log_set_level(rte_eth_dev_logtype, lvl < 0 ? RTE_LOG_INFO : (uint32_t)lvl);
	if (ret < 0)
		goto fail;
	if (e->intr == ETHDEV_INTR_EDGE) {
		ret = rte_eth_dev_rx_intr_enable(e->port_id, 0);
		if (ret < 0 && ret != -ENOTSUP) {
			rte_eth_dev_rx_intr_ctl_q(e->port_id, 0, e->fd, RTE_INTR_EVENT_DEL, NULL);
			goto fail;
		}
	}
	return 0;
fail:
	e->intr = ETHDEV_INTR_NONE;
	close(e->fd);
	e->fd = -1;
	return -ENOTSUP;
}

static int ethdev_wake_setup(struct ethdev *e)
{
	if (ethdev_intr_setup(e) == 0)
		return 0;
	e->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (e->fd < 0)
		return -errno;
	/* poll at once: a replay starts when the port is added */
	e->interval_ns = ETHDEV_TIMER_MIN_NS;
	ethdev_arm(e, 1);
	return 0;
}

/* ---- open and close --------------------------------------------------- */

/* What the devargs say about the device's receive side. */
static int ethdev_rx_finite(const char *devargs, const char *name)
{
	const char *args = devargs + strlen(name);
	struct rte_kvargs *kv;
	int finite;

	if (!has_prefix(name, "net_pcap"))
		return 0;
	kv = rte_kvargs_parse(*args == ',' ? args + 1 : args, NULL);
	if (kv == NULL)
		return 0;
	finite = rte_kvargs_count(kv, "iface") == 0 && rte_kvargs_count(kv, "rx_iface") == 0 &&
		 rte_kvargs_count(kv, "rx_iface_in") == 0 &&
		 rte_kvargs_count(kv, "infinite_rx") == 0;
	rte_kvargs_free(kv);
	return finite;
}

static int ethdev_setup(struct ethdev *e, struct port *p)
{
	struct rte_eth_conf conf = {0};
	struct rte_eth_dev_info info;
	unsigned socket;
	const char *drv;
	uint16_t nq;
	int ret;

	ret = rte_eth_dev_get_port_by_name(e->name, &e->port_id);
	if (ret < 0)
		return -ENODEV;
	ret = rte_eth_dev_info_get(e->port_id, &info);
	if (ret < 0)
		return ret;
	socket = (unsigned)rte_eth_dev_socket_id(e->port_id);
	/* what was probed must be what the check allowed */
	drv = info.driver_name ? info.driver_name : "";
	if (!has_prefix(drv, "net_") || info.device == NULL ||
	    strcmp(rte_bus_name(rte_dev_bus(info.device)), "vdev") != 0)
		return -EPERM;
	e->tx_segs = (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) != 0 ||
		     strcmp(drv, "net_pcap") == 0; /* it reads chains with rte_pktmbuf_read */
	/* net_ring passes the mbuf pointer: the far end (or, in a loopback,
	 * this switch) owns what it gets and may write to it */
	e->tx_by_ref = strcmp(drv, "net_ring") == 0;
	e->finite = (uint8_t)ethdev_rx_finite(p->conf.devargs, e->name);
	/* queue 0 carries the traffic; net_ring frees at close only the rings
	 * of queues configured, so it keeps all it was created with */
	nq = e->tx_by_ref ? RTE_MIN(info.max_rx_queues, info.max_tx_queues) : 1;
	conf.intr_conf.rxq = 1; /* used when the PMD has RX interrupts */
	ret = rte_eth_dev_configure(e->port_id, nq, nq, &conf);
	for (uint16_t q = 0; q < nq && ret == 0; q++) {
		ret = rte_eth_rx_queue_setup(e->port_id, q, 0, socket, NULL, p->conf.pool);
		if (ret == 0)
			ret = rte_eth_tx_queue_setup(e->port_id, q, 0, socket, NULL);
	}
	if (ret < 0)
		return ret;
	ret = rte_eth_dev_start(e->port_id);
	if (ret < 0)
		return ret;
	e->started = 1;
	/* a switch port sees every frame; most vdevs always do */
	ret = rte_eth_promiscuous_enable(e->port_id);
	if (ret < 0 && ret != -ENOTSUP)
		return ret;
	return 0;
}

/* Frames a loopback still holds are the switch's mbufs. */
static void ethdev_drain(struct ethdev *e)
{
	struct rte_mbuf *pkts[32];
	uint16_t n;

	for (unsigned i = 0; i < ETHDEV_DRAIN_MAX; i++) {
		n = rte_eth_rx_burst(e->port_id, 0, pkts, RTE_DIM(pkts));
		if (n == 0)
			break;
		rte_pktmbuf_free_bulk(pkts, n);
	}
}

/* Undo as much of open as was done; the device is removed in any case. */
static void ethdev_release(struct ethdev *e)
{
	if (e->port_id != RTE_MAX_ETHPORTS) {
		if (e->intr == ETHDEV_INTR_EDGE)
			rte_eth_dev_rx_intr_ctl_q(e->port_id, 0, e->fd, RTE_INTR_EVENT_DEL, NULL);
		if (e->started && e->tx_by_ref)
			ethdev_drain(e);
		if (e->started)
			rte_eth_dev_stop(e->port_id); /* net_pcap closes its dump file */
		rte_eth_dev_close(e->port_id);
	}
	rte_eal_hotplug_remove("vdev", e->name);
	ethdev_pcap_unlock(&e->files, 0);
	if (e->fd >= 0)
		close(e->fd);
	e->fd = -1;
}

/* net_pcap: lock its files for the port's life (ethdev_pcap.h). */
static int ethdev_files_lock(struct ethdev *e, const char *devargs, char *why, size_t len)
{
	const char *args = devargs + strlen(e->name);
	struct rte_kvargs *kv;
	int ret;

	if (!has_prefix(e->name, "net_pcap"))
		return 0;
	kv = rte_kvargs_parse(*args == ',' ? args + 1 : args, NULL);
	if (kv == NULL)
		return -EINVAL;
	ret = ethdev_pcap_lock(&e->files, kv, why, len);
	rte_kvargs_free(kv);
	return ret;
}

static int ethdev_open(struct port *p)
{
	struct ethdev *e = port_priv(p);
	char why[256];
	int ret;

	e->fd = -1;
	e->port_id = RTE_MAX_ETHPORTS;
	e->files.rx_fd = e->files.tx_fd = -1;
	pthread_mutex_lock(&ethdev_lock);
	ret = port_ethdev_check(p->conf.devargs, why, sizeof(why));
	if (ret < 0)
		goto out;
	ethdev_name(p->conf.devargs, e->name, sizeof(e->name));
	ret = ethdev_files_lock(e, p->conf.devargs, why, sizeof(why));
	if (ret < 0)
		goto out;
	ret = rte_dev_probe(p->conf.devargs);
	if (ret == -EPERM) /* a PMD's -1: it did not like its arguments */
		ret = -EINVAL;
	if (ret < 0) {
		ethdev_pcap_unlock(&e->files, 1);
		goto out;
	}
	ret = ethdev_setup(e, p);
	if (ret == 0)
		ret = ethdev_wake_setup(e);
	if (ret < 0) {
		ethdev_pcap_unlock(&e->files, 1);
		ethdev_release(e);
	}
out:
	pthread_mutex_unlock(&ethdev_lock);
	return ret < 0 ? ret : 0;
}

static void ethdev_close(struct port *p)
{
	struct ethdev *e = port_priv(p);

	pthread_mutex_lock(&ethdev_lock);
	ethdev_release(e);
	pthread_mutex_unlock(&ethdev_lock);
}

/* ---- fast path --------------------------------------------------------- */

static uint16_t ethdev_rx_burst(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	struct ethdev *e = port_priv(p);
	struct rte_epoll_event ev;
	uint16_t got;

	/* net_pcap reads a frame from the file before it has an mbuf for it,
	 * and loses it without one: ask a replay for no more than there are */
	if (e->finite) {
		unsigned avail = rte_mempool_avail_count(p->conf.pool);

		if (avail < n)
			n = (uint16_t)avail;
		if (n == 0) {
			ethdev_timer_idle(e, 1);
			return 0;
		}
	}
	got = rte_eth_rx_burst(e->port_id, 0, pkts, n);
	if (got > 0) {
		e->empty = 0;
		e->busy = 1;
		/* back from a quiet spell: re-poll soon when traffic pauses */
		if (e->intr == ETHDEV_INTR_NONE && e->interval_ns > ETHDEV_TIMER_MIN_NS) {
			e->interval_ns = ETHDEV_TIMER_MIN_NS;
			ethdev_arm(e, ETHDEV_TIMER_MIN_NS);
		}
		return got;
	}
	if (e->intr == ETHDEV_INTR_NONE) {
		ethdev_timer_idle(e, 0);
		return 0;
	}
	if (e->intr == ETHDEV_INTR_LEVEL)
		return 0; /* readable until the frames are read: nothing to clear */
	/* clear the interrupt on the first empty poll and now and then after,
	 * re-arm it, and look once more for a frame that raced with that */
	if (e->empty++ % ETHDEV_INTR_DRAIN_EVERY != 0)
		return 0;
	rte_epoll_wait(e->fd, &ev, 1, 0);
	rte_eth_dev_rx_intr_enable(e->port_id, 0);
	return rte_eth_rx_burst(e->port_id, 0, pkts, n);
}

/* What can be handed to the PMD for m: m itself, or a copy the PMD can take
 * (one segment for a PMD without chains; a private copy for a PMD that
 * passes the mbuf on while other ports share it). NULL: m cannot be sent
 * (why says so). */
static struct rte_mbuf *ethdev_tx_prepare(const struct ethdev *e, struct port *p,
					  struct rte_mbuf *m, enum port_drop *why)
{
	struct rte_mbuf *c;

	if (m->nb_segs > 1 && !e->tx_segs) {
		c = rte_pktmbuf_alloc(p->conf.pool);
		if (c == NULL) {
			*why = PORT_DROP_TX_ERROR;
			return NULL;
		}
		if (m->pkt_len > rte_pktmbuf_tailroom(c)) {
			rte_pktmbuf_free(c);
			*why = PORT_DROP_TX_TOOBIG;
			return NULL;
		}
		rte_pktmbuf_read(m, 0, m->pkt_len, rte_pktmbuf_append(c, (uint16_t)m->pkt_len));
		return c;
	}
	if (e->tx_by_ref && (rte_mbuf_refcnt_read(m) > 1 || !RTE_MBUF_DIRECT(m))) {
		c = rte_pktmbuf_copy(m, p->conf.pool, 0, UINT32_MAX);
		if (c == NULL)
			*why = PORT_DROP_TX_ERROR;
		return c;
	}
	return m;
}

/* A peer that is not there (memif without its client) takes nothing. */
static int ethdev_link_down(const struct ethdev *e)
{
	struct rte_eth_link link;

	return rte_eth_link_get_nowait(e->port_id, &link) == 0 &&
	       link.link_status == RTE_ETH_LINK_DOWN;
}

static uint16_t ethdev_tx_burst(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	struct ethdev *e = port_priv(p);
	struct rte_mbuf *batch[PORT_TXQ_SIZE];
	uint32_t bytes[PORT_TXQ_SIZE];
	enum port_drop why = PORT_DROP_TX_ERROR;
	uint16_t done = 0, b, sent, k;
	int down;

	while (done < n) {
		for (b = 0; done + b < n && b < PORT_TXQ_SIZE; b++) {
			batch[b] = ethdev_tx_prepare(e, p, pkts[done + b], &why);
			if (batch[b] == NULL)
				break;
			bytes[b] = batch[b]->pkt_len; /* the PMD may free it at once */
		}
		if (b == 0) { /* the first cannot be sent at all */
			p->stats.drops[why]++;
			rte_pktmbuf_free(pkts[done++]);
			continue;
		}
		sent = rte_eth_tx_burst(e->port_id, 0, batch, b);
		/* frames for a peer that is not there are dropped here, not
		 * returned as if a queue were full */
		down = sent < b && ethdev_link_down(e);
		for (k = 0; k < b; k++) {
			struct rte_mbuf *orig = pkts[done + k];

			if (k < sent) {
				p->stats.tx_packets++;
				p->stats.tx_bytes += bytes[k];
			} else if (down) {
				p->stats.drops[PORT_DROP_TX_NOT_CONNECTED]++;
			} else if (batch[k] != orig) {
				rte_pktmbuf_free(batch[k]); /* the original goes back */
				continue;
			} else {
				continue;
			}
			if (batch[k] != orig)
				rte_pktmbuf_free(orig);
			if (k >= sent)
				rte_pktmbuf_free(batch[k]);
		}
		done += down ? b : sent;
		if (sent < b && !down)
			break;
	}
	return done;
}

static int ethdev_rx_fd(struct port *p)
{
	struct ethdev *e = port_priv(p);
	return e->fd;
}

/* Frames the PMD lost before the switch saw them. */
static void ethdev_sync_stats(struct port *p)
{
	struct ethdev *e = port_priv(p);
	struct rte_eth_stats st;

	if (rte_eth_stats_get(e->port_id, &st) != 0)
		return;
	if (st.rx_nombuf > e->seen_nombuf)
		__atomic_fetch_add(&p->stats.drops[PORT_DROP_RX_NOMBUF],
				   st.rx_nombuf - e->seen_nombuf, __ATOMIC_RELAXED);
	if (st.imissed > e->seen_missed)
		__atomic_fetch_add(&p->stats.drops[PORT_DROP_RX_RING_FULL],
				   st.imissed - e->seen_missed, __ATOMIC_RELAXED);
	e->seen_nombuf = st.rx_nombuf;
	e->seen_missed = st.imissed;
}

const struct port_ops port_ethdev_ops = {
    .name = "ethdev",
    .priv_size = sizeof(struct ethdev),
    .open = ethdev_open,
    .close = ethdev_close,
    .rx_burst = ethdev_rx_burst,
    .tx_burst = ethdev_tx_burst,
    .rx_fd = ethdev_rx_fd,
    .tx_flush = NULL,
    .sync_stats = ethdev_sync_stats,
};
