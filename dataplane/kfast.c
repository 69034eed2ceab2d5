/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "bpf/kfast_abi.h"
#include "kfast.h"
#include "kfast_policy.h"
#include "portlink.h"
#include "switch.h"
#include "linkwatch.h"
#include "vethpeer.h"

/* the compiled programs (bpf/kfast.bpf.c, embedded at build time) */
extern const unsigned char kfast_bpf_obj[];
extern const size_t kfast_bpf_obj_len;

#define KFAST_MEMO	256    /* proposals each worker remembers */
#define KFAST_RING	1024   /* proposals waiting for the control thread */
#define KFAST_TC_HANDLE 0x4b46 /* "KF" */
#define KFAST_TC_PRIO	1
#define KFAST_BATCH	256
#define KFAST_WALK_CHUNK 4096 /* flows read from the kernel per system call */
/* A walk over every flow, to refresh and to recheck, at least this often
 * (less if a quarter of the FDB's age is less); between, a tick walks them
 * only if the FDB aged a MAC or a host's carrier or MTU changed. Each walk
 * was a second of 65536 flows: 7% of a core for an idle lab. */
#define KFAST_FULL_NS 10000000000ull

/* A flow a worker proposes. */
struct kfast_prop {
	uint32_t in, out;
	uint8_t dst[6], src[6];
};

struct kfast_memo {
	struct kfast_prop prop;
	uint64_t t;
};

/* The control thread's state of one port id. */
struct kfast_port {
	const struct port *p; /* the port it is for: ids are reused */
	int ifindex;
	uint8_t sock;	      /* socket filter attached */
	uint8_t tc;	      /* TC program attached */
	uint8_t hook_created; /* we created the clsact qdisc */
	unsigned host_mtu;    /* its host's MTU, read at TSC mtu_tsc */
	uint64_t mtu_tsc;
	uint8_t carrier;      /* its interface's carrier, read in pass carrier_pass */
	uint64_t carrier_pass;
	/* what the last tick saw (kfast_ports_changed): a change means the
	 * flows need checking before the next full pass */
	uint8_t seen_carrier;
	unsigned seen_mtu;
};

struct kfast {
	struct sw *sw;
	struct bpf_object *obj;
	int prog_tc, prog_sock, map_flows, map_counts;
	int ncpus;
	int efd;
	struct rte_ring *props;
	uint64_t memo_tsc;
	struct kfast_memo (*memo)[KFAST_MEMO]; /* [SW_WORKER_MAX] */
	struct kfast_port *ports;	       /* [SW_PORT_MAX] */
	struct kf_count *percpu;	       /* ncpus values, for one lookup */
	struct kfast_stats st;
	int logged_errors;
	uint64_t now;	       /* TSC of the tick being run */
	uint64_t tick_ns;      /* CLOCK_MONOTONIC of the last tick */
	int ifr_fd;	       /* for interface flags (carrier) */
	struct vethpeer vp;    /* for hosts' MTUs (kfast_host_mtu) */
	struct linkwatch lw;   /* hosts' carrier and MTU changes (kfast_tick_done) */
	struct kf_key *wkeys;  /* [KFAST_WALK_CHUNK]: a walk's chunk of flows */
	struct kf_val *wvals;
	int no_batch;	       /* the kernel has no batched lookup: one by one */
	uint64_t pass;	       /* passes over flows (walks, installs), from 1 */
	uint64_t full_ns;      /* CLOCK_MONOTONIC of the last full pass (kfast_tick) */
	uint64_t full_every_ns;
	int full_due;	       /* this tick makes one */
	uint32_t max_flows;    /* the flow table's size */
};

/* Set while creating a clsact qdisc that may exist already (a port added
 * again keeps the one it had): the kernel's "Exclusivity flag on" for that
 * EEXIST is no warning. */
static int kfast_hook_quiet;

static int kfast_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level != LIBBPF_WARN || kfast_hook_quiet)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int kfast_load(struct kfast *kf, uint32_t max_flows, char *why, size_t len)
{
	struct bpf_map *flows, *counts;
	struct bpf_program *tc, *sock;
	int ret;

	libbpf_set_print(kfast_print);
	kf->obj = bpf_object__open_mem(kfast_bpf_obj, kfast_bpf_obj_len, NULL);
	if (kf->obj == NULL) {
		ret = -errno;
		snprintf(why, len, "open BPF object: %s", strerror(-ret));
		return ret;
	}
	flows = bpf_object__find_map_by_name(kf->obj, "kf_flows");
	counts = bpf_object__find_map_by_name(kf->obj, "kf_counters");
	tc = bpf_object__find_program_by_name(kf->obj, "kf_ingress");
	sock = bpf_object__find_program_by_name(kf->obj, "kf_sock");
	if (flows == NULL || counts == NULL || tc == NULL || sock == NULL) {
		snprintf(why, len, "BPF object lacks its maps or programs");
		return -ENOENT;
	}
	if (bpf_map__set_max_entries(flows, max_flows) < 0 ||
	    bpf_map__set_max_entries(counts, SW_PORT_MAX) < 0) {
		snprintf(why, len, "sizing BPF maps failed");
		return -EINVAL;
	}
	ret = bpf_object__load(kf->obj);
	if (ret < 0) {
		snprintf(why, len, "load BPF programs: %s", strerror(-ret));
		return ret;
	}
	kf->prog_tc = bpf_program__fd(tc);
	kf->prog_sock = bpf_program__fd(sock);
	kf->map_flows = bpf_map__fd(flows);
	kf->map_counts = bpf_map__fd(counts);
	return 0;
}

struct kfast *kfast_create(struct sw *sw, uint32_t max_flows, char *why, size_t len)
{
	char name[RTE_RING_NAMESIZE];
	struct kfast *kf;
	int ret;

	kf = calloc(1, sizeof(*kf));
	if (kf == NULL) {
		snprintf(why, len, "out of memory");
		return NULL;
	}
	kf->sw = sw;
	kf->efd = -1;
	kf->pass = 1; /* a port's carrier_pass starts at 0: not read */
	/* the refresh keeps learned the MACs of flows only the kernel
	 * forwards: well inside the FDB's age */
	kf->full_every_ns = (uint64_t)sw->fdb_age_ms * 1000000u / 4;
	if (kf->full_every_ns > KFAST_FULL_NS)
		kf->full_every_ns = KFAST_FULL_NS;
	kf->max_flows = max_flows;
	kf->ifr_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	(void)vethpeer_open(&kf->vp); /* without it, the ports' own MTUs */
	(void)linkwatch_open(&kf->lw); /* without it, a check of every port a tick */
	kf->ncpus = libbpf_num_possible_cpus();
	kf->memo = calloc(SW_WORKER_MAX, sizeof(*kf->memo));
	kf->ports = calloc(SW_PORT_MAX, sizeof(*kf->ports));
	kf->percpu = calloc(kf->ncpus > 0 ? (size_t)kf->ncpus : 1, sizeof(*kf->percpu));
	kf->wkeys = calloc(KFAST_WALK_CHUNK, sizeof(*kf->wkeys));
	kf->wvals = calloc(KFAST_WALK_CHUNK, sizeof(*kf->wvals));
	if (kf->ncpus <= 0 || kf->memo == NULL || kf->ports == NULL || kf->percpu == NULL) {
		ret = kf->ncpus <= 0 ? kf->ncpus : -ENOMEM;
		snprintf(why, len, "%s", strerror(-ret));
		goto fail;
	}
	kf->memo_tsc = rte_get_tsc_hz() / 10;
	snprintf(name, sizeof(name), "kfast_%p", (void *)kf);
	kf->props = rte_ring_create_elem(name, sizeof(struct kfast_prop), KFAST_RING, SOCKET_ID_ANY,
					 RING_F_SC_DEQ);
	kf->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (kf->props == NULL || kf->efd < 0) {
		ret = kf->props == NULL ? -rte_errno : -errno;
		snprintf(why, len, "proposal ring: %s", strerror(-ret));
		goto fail;
	}
	ret = kfast_load(kf, max_flows, why, len);
	if (ret < 0)
		goto fail;
	return kf;
fail:
	kfast_destroy(kf);
	errno = -ret;
	return NULL;
}

int kfast_fd(const struct kfast *kf)
{
	return kf->efd;
}

void kfast_get_stats(const struct kfast *kf, struct kfast_stats *st)
{
	*st = kf->st;
}

/* ---- workers -------------------------------------------------------- */

void kfast_kick(struct kfast *kf)
{
	uint64_t one = 1;

	(void)!write(kf->efd, &one, sizeof(one));
}

void kfast_note(struct kfast *kf, unsigned widx, uint64_t now, const struct port *in,
		const struct port *out, const struct rte_ether_hdr *eth)
{
	const uint8_t *d = eth->dst_addr.addr_bytes, *s = eth->src_addr.addr_bytes;
	unsigned h = (in->id * 131u + out->id * 31u + d[4] * 7u + d[5] + s[5] * 17u) % KFAST_MEMO;
	struct kfast_memo *m = &kf->memo[widx][h];

	if (m->prop.in == in->id && m->prop.out == out->id && memcmp(m->prop.dst, d, 6) == 0 &&
	    memcmp(m->prop.src, s, 6) == 0 && now - m->t < kf->memo_tsc)
		return;
	m->prop.in = in->id;
	m->prop.out = out->id;
	memcpy(m->prop.dst, d, 6);
	memcpy(m->prop.src, s, 6);
	m->t = now;
	if (rte_ring_mp_enqueue_elem(kf->props, &m->prop, sizeof(m->prop)) == 0)
		kfast_kick(kf);
}

/* ---- the control thread's view of ports ------------------------------ */

/* A backend the kernel can stand in for: a packet socket on an interface,
 * carrying offloads, not a trunk. */
static int kfast_capable(const struct port *p)
{
	return p->conf.type == PORT_TYPE_AFPACKET && !p->conf.no_offload && p->peer == NULL;
}

/* The port's link emulates nothing in either direction and holds nothing. */
static int kfast_link_idle(const struct port *p)
{
	struct linkparams in, out;

	portlink_params(p->link, PORTLINK_IN, &in);
	portlink_params(p->link, PORTLINK_OUT, &out);
	return linkparams_is_null(&in) && linkparams_is_null(&out) &&
	       p->link->d[PORTLINK_IN].n == 0 && p->link->d[PORTLINK_OUT].n == 0;
}

/* Carrier of p's interface (its host's end up): IFF_RUNNING. 1 when it
 * cannot be told. Read once a pass over the flows: a system call a port,
 * not one a flow (50000 flows walked twice a second made 200000). */
static int kfast_carrier(struct kfast *kf, const struct port *p)
{
	struct kfast_port *kp = p->id < SW_PORT_MAX && kf->ports[p->id].p == p ? &kf->ports[p->id]
										  : NULL;
	struct ifreq ifr = {0};
	int up = 1;

	if (kp != NULL && kp->carrier_pass == kf->pass)
		return kp->carrier;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", p->conf.ifname);
	if (kf->ifr_fd >= 0 && p->conf.ifname[0] != '\0' &&
	    ioctl(kf->ifr_fd, SIOCGIFFLAGS, &ifr) == 0)
		up = (ifr.ifr_flags & IFF_RUNNING) != 0;
	if (kp != NULL) {
		kp->carrier = (uint8_t)up;
		kp->carrier_pass = kf->pass;
	}
	return up;
}

/* The MTU of p's host: that of the far end of its veth, in the host's
 * namespace, which the host may change at any time (the switch end's own
 * takes anything). Read at most every half second (the once-a-second
 * recheck sees a change); p's configured MTU when it cannot be read. */
static unsigned kfast_host_mtu(struct kfast *kf, const struct port *p)
{
	struct kfast_port *kp = p->id < SW_PORT_MAX ? &kf->ports[p->id] : NULL;
	unsigned mtu = p->conf.mtu;
	int ifindex, host;

	/* two netlink round trips a port: at most twice a second, not at
	 * every pass (each control command makes one over all flows) */
	if (kp != NULL && kp->p == p && kp->mtu_tsc != 0 &&
	    rte_get_tsc_cycles() - kp->mtu_tsc < rte_get_tsc_hz() / 2)
		return kp->host_mtu;
	ifindex = kp != NULL && kp->p == p ? kp->ifindex : (int)if_nametoindex(p->conf.ifname);
	if (ifindex > 0 && (host = vethpeer_mtu(&kf->vp, ifindex)) > 0)
		mtu = (unsigned)host;
	if (kp != NULL && kp->p == p) {
		kp->host_mtu = mtu;
		kp->mtu_tsc = rte_get_tsc_cycles();
	}
	return mtu;
}

static void kfast_side(const struct port *p, struct kfast_side *s)
{
	*s = (struct kfast_side){
	    .id = p->id,
	    .capable = kfast_capable(p),
	    .blocked = __atomic_load_n(&p->blocked, __ATOMIC_RELAXED),
	    .link_idle = kfast_link_idle(p),
	    .carrier = 1, /* read only where a flow is checked (kfast_carrier) */
	    .mtu = p->conf.mtu,
	    .bridge = p->bridge,
	    .group = __atomic_load_n(&p->group, __ATOMIC_RELAXED),
	};
}

static void kfast_error(struct kfast *kf, const struct port *p, const char *what, int err)
{
	kf->st.errors++;
	if (kf->logged_errors++ < 8)
		fprintf(stderr, "rackless-switch: kernel fast path: %s %s: %s\n", what,
			p->conf.name, strerror(err));
}

/* The state of p's id, reset when the id belongs to a new port. */
static struct kfast_port *kfast_port(struct kfast *kf, const struct port *p)
{
	struct kfast_port *kp = &kf->ports[p->id];

	if (kp->p != p) {
		memset(kf->percpu, 0, sizeof(*kf->percpu) * (size_t)kf->ncpus);
		/* the id's counters start again for the new port */
		if (bpf_map_update_elem(kf->map_counts, &p->id, kf->percpu, BPF_ANY) < 0) {
			kfast_error(kf, p, "zeroing counters of", errno);
			return NULL;
		}
		/* a trunk (patch port) has no interface: only its counters */
		*kp = (struct kfast_port){.p = p};
		if (p->peer == NULL)
			kp->ifindex = (int)if_nametoindex(p->conf.ifname);
		if (p->peer == NULL && kp->ifindex == 0) {
			kfast_error(kf, p, "interface of", errno);
			kp->p = NULL;
			return NULL;
		}
	}
	return kp;
}

/* Ingress side: the socket must stop taking flows' frames before the TC
 * program forwards them, so the filter goes first. */
static int kfast_port_attach(struct kfast *kf, struct port *p, struct kfast_port *kp)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = kp->ifindex,
			    .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = KFAST_TC_HANDLE, .priority = KFAST_TC_PRIO,
			    .prog_fd = kf->prog_tc);
	int fd, ret;

	if (!kp->sock) {
		fd = p->ops->rx_fd(p);
		if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_BPF, &kf->prog_sock,
			       sizeof(kf->prog_sock)) < 0) {
			kfast_error(kf, p, "socket filter on", errno);
			return -errno;
		}
		kp->sock = 1;
	}
	if (kp->tc)
		return 0;
	kfast_hook_quiet = 1;
	ret = bpf_tc_hook_create(&hook);
	kfast_hook_quiet = 0;
	if (ret < 0 && ret != -EEXIST) {
		kfast_error(kf, p, "clsact qdisc on", -ret);
		return ret;
	}
	kp->hook_created = ret == 0;
	ret = bpf_tc_attach(&hook, &opts);
	if (ret < 0) {
		kfast_error(kf, p, "TC program on", -ret);
		return ret;
	}
	kp->tc = 1;
	return 0;
}

/* keep_qdisc: leave the clsact qdisc we made (empty) on the interface.
 * Removing one costs the kernel RCU grace periods under the RTNL: a port
 * attached and detached 1000 times in a row (tests/netns/churn.sh) starved
 * the lab's pings for 50 to 155 ms at a time, against 20 to 30 ms when
 * the qdisc stays. A port removed from a running switch keeps it (its
 * interface is usually deleted next, or attached again); a switch that
 * stops removes the ones it made on interfaces that still have a port. */
static void kfast_port_detach(struct kfast_port *kp, int keep_qdisc)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = kp->ifindex,
			    .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = KFAST_TC_HANDLE,
			    .priority = KFAST_TC_PRIO);

	if (kp->tc) {
		(void)bpf_tc_detach(&hook, &opts);
		if (kp->hook_created && !keep_qdisc) {
			hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
			(void)bpf_tc_hook_destroy(&hook);
		}
	}
	/* the socket filter goes with the socket */
	*kp = (struct kfast_port){0};
}

static struct port *kfast_sw_port(struct kfast *kf, uint32_t id)
{
	return id < SW_PORT_MAX && id < kf->sw->port_hwm ? kf->sw->ports[id] : NULL;
}

/* The way the switch sends a frame from src that entered by in to dst:
 * through the FDB of each bridge, across trunks (patch ports) between the
 * lab's switches, to a host port. */
struct kfast_path {
	struct port *out;
	uint32_t n_trunks;
	struct port *tx[KF_TRUNKS]; /* patch ports the frame leaves by */
	struct port *rx[KF_TRUNKS]; /* their peers, that it enters by */
};

/* May a trunk end carry flows the kernel forwards? */
static int kfast_trunk_ok(const struct port *p)
{
	return !__atomic_load_n(&p->blocked, __ATOMIC_RELAXED) && kfast_link_idle(p);
}

/* Would the switch send a frame from src on in to dst, and may the kernel
 * do it instead? 0 with the way in path, or -1. */
static int kfast_path(struct kfast *kf, struct port *in, const uint8_t *dst, const uint8_t *src,
		      struct kfast_path *path)
{
	uint16_t group = __atomic_load_n(&in->group, __ATOMIC_RELAXED);
	struct rte_ether_addr d, s;
	struct kfast_side a, b;
	struct port *hop = in;

	memcpy(d.addr_bytes, dst, 6);
	memcpy(s.addr_bytes, src, 6);
	if (!rte_is_unicast_ether_addr(&d) || !rte_is_valid_assigned_ether_addr(&s))
		return -1;
	path->n_trunks = 0;
	for (;;) {
		uint32_t o = fdb_lookup(kf->sw->fdb, hop->bridge, &d);
		struct port *out = o == hop->id ? NULL : kfast_sw_port(kf, o);
		uint16_t og;

		/* the source is learned where the frame enters each bridge */
		if (out == NULL || fdb_lookup(kf->sw->fdb, hop->bridge, &s) != hop->id ||
		    out->bridge != hop->bridge || __atomic_load_n(&out->blocked, __ATOMIC_RELAXED))
			return -1;
		og = __atomic_load_n(&out->group, __ATOMIC_RELAXED);
		if (group != 0 && og != 0 && og != group)
			return -1;
		if (out->peer == NULL) {
			path->out = out;
			break;
		}
		if (path->n_trunks == KF_TRUNKS || !kfast_trunk_ok(out) ||
		    !kfast_trunk_ok(out->peer))
			return -1;
		path->tx[path->n_trunks] = out;
		path->rx[path->n_trunks++] = out->peer;
		hop = out->peer;
	}
	kfast_side(in, &a);
	kfast_side(path->out, &b);
	a.carrier = (uint8_t)kfast_carrier(kf, in);
	b.carrier = (uint8_t)kfast_carrier(kf, path->out);
	a.mtu = kfast_host_mtu(kf, in);
	b.mtu = kfast_host_mtu(kf, path->out);
	/* the walk went from bridge to bridge over idle trunks: for the
	 * policy the two ends are on one bridge */
	b.bridge = a.bridge;
	return kfast_pair_verdict(&a, &b) == KFAST_OK ? 0 : -1;
}

static void kfast_install(struct kfast *kf, const struct kfast_prop *pr)
{
	struct port *in = kfast_sw_port(kf, pr->in), *out;
	struct kfast_port *ki, *ko;
	struct kfast_path path;
	struct kf_key k = {0};
	struct kf_val v = {0};

	kf->st.proposed++;
	/* a full table is no error: the switch forwards the rest itself */
	if (kf->st.flows >= kf->max_flows) {
		kf->st.full++;
		return;
	}
	if (in == NULL || kfast_path(kf, in, pr->dst, pr->src, &path) < 0 ||
	    path.out->id != pr->out) {
		kf->st.refused++;
		return;
	}
	out = path.out;
	ki = kfast_port(kf, in);
	ko = kfast_port(kf, out);
	if (ki == NULL || ko == NULL)
		return;
	for (uint32_t i = 0; i < path.n_trunks; i++) {
		if (kfast_port(kf, path.tx[i]) == NULL || kfast_port(kf, path.rx[i]) == NULL)
			return;
		v.trunk_tx[i] = path.tx[i]->id;
		v.trunk_rx[i] = path.rx[i]->id;
	}
	v.n_trunks = path.n_trunks;
	if (kfast_port_attach(kf, in, ki) < 0)
		return;
	k.ifindex = (uint32_t)ki->ifindex;
	memcpy(k.dst, pr->dst, 6);
	memcpy(k.src, pr->src, 6);
	v.out_ifindex = (uint32_t)ko->ifindex;
	v.in_id = in->id;
	v.out_id = out->id;
	if (bpf_map_update_elem(kf->map_flows, &k, &v, BPF_NOEXIST) == 0) {
		kf->st.installed++;
		kf->st.flows++;
	} else if (errno == E2BIG) {
		kf->st.full++;
	} else if (errno != EEXIST) {
		kfast_error(kf, in, "adding a flow of", errno);
	}
}

static void kfast_recheck(struct kfast *kf, int all, int walk);

void kfast_run(struct kfast *kf)
{
	struct kfast_prop pr[32];
	uint64_t v;
	unsigned n, total = 0;

	(void)!read(kf->efd, &v, sizeof(v));
	kf->pass++;
	do {
		n = rte_ring_sc_dequeue_burst_elem(kf->props, pr, sizeof(pr[0]), RTE_DIM(pr), NULL);
		for (unsigned i = 0; i < n; i++)
			kfast_install(kf, &pr[i]);
		total += n;
	} while (n > 0 && total < KFAST_RING);
	/* a MAC that moved (kfast_kick) changed no port */
	kfast_recheck(kf, 0, 1);
}

/* ---- revalidation ---------------------------------------------------- */

/* Call fn for every flow; fn returns 1 to have the flow removed. */
typedef int kfast_flow_fn(struct kfast *kf, const struct kf_key *k, const struct kf_val *v,
			  void *arg);

/* A flow fn wants removed, into *doomed (grown as needed). */
static void kfast_doom(const struct kf_key *k, struct kf_key **doomed, size_t *n, size_t *cap)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct kf_key *d = realloc(*doomed, ncap * sizeof(*d));

		if (d == NULL)
			return; /* the rest at the next revalidation */
		*doomed = d;
		*cap = ncap;
	}
	(*doomed)[(*n)++] = *k;
}

/* The flows a chunk at a time (bpf_map_lookup_batch: one system call for
 * thousands; a walk key by key is two each, and 50000 flows walked twice a
 * second kept the control thread busy). 0, or -errno when the kernel
 * cannot (then nothing was called). */
static int kfast_walk_batch(struct kfast *kf, kfast_flow_fn *fn, void *arg,
			    struct kf_key **doomed, size_t *n, size_t *cap)
{
	uint32_t in = 0, out = 0;
	int first = 1, ret;

	do {
		__u32 count = KFAST_WALK_CHUNK;

		ret = bpf_map_lookup_batch(kf->map_flows, first ? NULL : &in, &out, kf->wkeys,
					   kf->wvals, &count, NULL);
		if (ret < 0 && errno != ENOENT) {
			if (first)
				return -errno;
			break; /* the rest at the next walk */
		}
		for (__u32 i = 0; i < count; i++)
			if (fn(kf, &kf->wkeys[i], &kf->wvals[i], arg))
				kfast_doom(&kf->wkeys[i], doomed, n, cap);
		in = out;
		first = 0;
	} while (ret == 0);
	return 0;
}

/* The same, key by key. */
static void kfast_walk_keys(struct kfast *kf, kfast_flow_fn *fn, void *arg,
			    struct kf_key **doomed, size_t *n, size_t *cap)
{
	struct kf_key cur, next;
	int have = 0;

	while (bpf_map_get_next_key(kf->map_flows, have ? &cur : NULL, &next) == 0) {
		struct kf_val v;

		cur = next;
		have = 1;
		if (bpf_map_lookup_elem(kf->map_flows, &cur, &v) == 0 && fn(kf, &cur, &v, arg))
			kfast_doom(&cur, doomed, n, cap);
	}
}

static void kfast_walk(struct kfast *kf, kfast_flow_fn *fn, void *arg)
{
	struct kf_key *doomed = NULL;
	size_t n = 0, cap = 0;

	kf->pass++;
	/* remove after the walk: a hash walk whose key vanishes starts over */
	if (kf->no_batch || kf->wkeys == NULL ||
	    kfast_walk_batch(kf, fn, arg, &doomed, &n, &cap) < 0) {
		kf->no_batch = 1;
		kfast_walk_keys(kf, fn, arg, &doomed, &n, &cap);
	}
	for (size_t i = 0; i < n; i++) {
		if (bpf_map_delete_elem(kf->map_flows, &doomed[i]) == 0) {
			kf->st.removed++;
			kf->st.flows--;
		}
	}
	free(doomed);
}

static int kfast_stale(struct kfast *kf, const struct kf_key *k, const struct kf_val *v, void *arg)
{
	struct port *in = kfast_sw_port(kf, v->in_id), *out = kfast_sw_port(kf, v->out_id);
	struct kfast_path path;

	(void)arg;
	if (in == NULL || out == NULL || kf->ports[in->id].p != in || kf->ports[out->id].p != out)
		return 1;
	if (kf->ports[in->id].ifindex != (int)k->ifindex ||
	    kf->ports[out->id].ifindex != (int)v->out_ifindex)
		return 1;
	if (kfast_path(kf, in, k->dst, k->src, &path) < 0 || path.out != out ||
	    path.n_trunks != v->n_trunks)
		return 1;
	/* the same trunks, or the counters would go to the wrong ones */
	for (uint32_t i = 0; i < path.n_trunks; i++) {
		if (path.tx[i]->id != v->trunk_tx[i] || path.rx[i]->id != v->trunk_rx[i] ||
		    kf->ports[v->trunk_tx[i]].p != path.tx[i] ||
		    kf->ports[v->trunk_rx[i]].p != path.rx[i])
			return 1;
	}
	return 0;
}

/* Which ports workers may propose flows for, then which flows stay. all:
 * every port; else only those that may have become eligible without a
 * control command (an emulated link whose last held frame left): a port
 * loses eligibility only by a control command, which rechecks all. */
static void kfast_recheck(struct kfast *kf, int all, int walk)
{
	struct sw *sw = kf->sw;

	for (uint32_t i = 0; i < sw->port_hwm; i++) {
		struct port *p = sw->ports[i];
		struct kfast_side s;
		int ok;

		if (p == NULL || !kfast_capable(p) || (!all && p->kf_ok))
			continue;
		kfast_side(p, &s);
		ok = kfast_side_verdict(&s) == KFAST_OK;
		/* the programs go on before the port's first flow, not with it:
		 * attaching TC's clsact to a veth that carries frames loses one
		 * now and then (seen: 5 starts in 12 lost the second ping) */
		if (ok) {
			struct kfast_port *kp = kfast_port(kf, p);

			ok = kp != NULL && kfast_port_attach(kf, p, kp) == 0;
		}
		__atomic_store_n(&p->kf_ok, ok, __ATOMIC_RELAXED);
	}
	if (kf->st.flows > 0 && walk)
		kfast_walk(kf, kfast_stale, NULL);
}

void kfast_revalidate(struct kfast *kf)
{
	kfast_recheck(kf, 1, 1);
}

static int kfast_sum(struct kfast *kf, uint32_t id, struct kfast_port_count *c)
{
	memset(c, 0, sizeof(*c));
	if (bpf_map_lookup_elem(kf->map_counts, &id, kf->percpu) < 0)
		return -errno;
	for (int i = 0; i < kf->ncpus; i++) {
		c->rx_packets += kf->percpu[i].rx_packets;
		c->rx_bytes += kf->percpu[i].rx_bytes;
		c->tx_packets += kf->percpu[i].tx_packets;
		c->tx_bytes += kf->percpu[i].tx_bytes;
	}
	return 0;
}

void kfast_port_count(struct kfast *kf, const struct port *p, struct kfast_port_count *c)
{
	memset(c, 0, sizeof(*c));
	if (p->id < SW_PORT_MAX && kf->ports[p->id].p == p)
		(void)kfast_sum(kf, p->id, c);
}

/* A flow that carried a frame since the last tick (kf_ingress stamps it):
 * its source MAC is alive where the FDB has it. Only the flow's own
 * frames count: a host that changed its MAC keeps sending from its port,
 * and its old MAC must age out with the flows that name it. */
static int kfast_refresh(struct kfast *kf, const struct kf_key *k, const struct kf_val *v,
			 void *arg)
{
	uint64_t since = *(const uint64_t *)arg; /* the last tick */
	struct port *in = kfast_sw_port(kf, v->in_id);
	struct rte_ether_addr s;
	struct kfast_path path;

	if (in == NULL || v->used_ns <= since || kfast_path(kf, in, k->dst, k->src, &path) < 0)
		return 0;
	/* where each bridge on the way learned it */
	memcpy(s.addr_bytes, k->src, 6);
	(void)fdb_learn(kf->sw->fdb, in->bridge, &s, in->id, kf->now);
	for (uint32_t i = 0; i < path.n_trunks; i++)
		(void)fdb_learn(kf->sw->fdb, path.rx[i]->bridge, &s, path.rx[i]->id, kf->now);
	return 0;
}

/* Did the carrier or the MTU of a host whose port carries flows change
 * since the last tick? A system call or two a port (the MTU cached half a
 * second), not a walk over every flow. */
static int kfast_ports_changed(struct kfast *kf)
{
	int changed = 0;

	kf->pass++; /* fresh carriers */
	for (uint32_t i = 0; i < kf->sw->port_hwm && i < SW_PORT_MAX; i++) {
		struct kfast_port *kp = &kf->ports[i];
		const struct port *p = kp->p;
		uint8_t carrier;
		unsigned mtu;

		if (p == NULL || !kp->tc)
			continue;
		carrier = (uint8_t)kfast_carrier(kf, p);
		mtu = kfast_host_mtu(kf, p);
		changed |= carrier != kp->seen_carrier || mtu != kp->seen_mtu;
		kp->seen_carrier = carrier;
		kp->seen_mtu = mtu;
	}
	return changed;
}

void kfast_tick(struct kfast *kf, uint64_t now)
{
	uint64_t since = kf->full_ns;
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	kf->tick_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	kf->full_due = kf->tick_ns - kf->full_ns >= kf->full_every_ns;
	/* an idle lab costs nothing */
	if (kf->st.flows == 0 || !kf->full_due)
		return;
	kf->full_ns = kf->tick_ns;
	kf->now = now;
	kfast_walk(kf, kfast_refresh, &since);
}

void kfast_tick_done(struct kfast *kf, unsigned aged)
{
	/* drained every tick, flows or not: what it says is since the last */
	int changed = linkwatch_changed(&kf->lw);

	if (changed < 0)
		changed = kf->st.flows > 0 && kfast_ports_changed(kf);
	else if (changed) /* the walk reads every host's MTU anew */
		for (uint32_t i = 0; i < kf->sw->port_hwm && i < SW_PORT_MAX; i++)
			kf->ports[i].mtu_tsc = 0;

	kfast_recheck(kf, 0, aged > 0 || changed || kf->full_due);
}

static int kfast_of_port(struct kfast *kf, const struct kf_key *k, const struct kf_val *v,
			 void *arg)
{
	const struct port *p = arg;

	(void)kf;
	(void)k;
	for (uint32_t i = 0; i < v->n_trunks && i < KF_TRUNKS; i++) {
		if (v->trunk_tx[i] == p->id || v->trunk_rx[i] == p->id)
			return 1;
	}
	return v->in_id == p->id || v->out_id == p->id;
}

static void kfast_port_forget(struct kfast *kf, struct port *p, int keep_qdisc)
{
	struct kfast_port *kp;

	if (kf == NULL || p->id >= SW_PORT_MAX)
		return;
	__atomic_store_n(&p->kf_ok, 0, __ATOMIC_RELAXED);
	kp = &kf->ports[p->id];
	if (kp->p != p)
		return;
	if (kf->st.flows > 0)
		kfast_walk(kf, kfast_of_port, p);
	kfast_port_detach(kp, keep_qdisc);
}

void kfast_port_gone(struct kfast *kf, struct port *p)
{
	kfast_port_forget(kf, p, 1);
}

void kfast_destroy(struct kfast *kf)
{
	if (kf == NULL)
		return;
	if (kf->ports != NULL && kf->sw != NULL) {
		for (uint32_t i = 0; i < kf->sw->port_hwm; i++) {
			struct port *p = kf->sw->ports[i];

			if (p != NULL)
				kfast_port_forget(kf, p, 0);
		}
	}
	bpf_object__close(kf->obj);
	rte_ring_free(kf->props);
	if (kf->efd >= 0)
		close(kf->efd);
	if (kf->ifr_fd >= 0)
		close(kf->ifr_fd);
	vethpeer_close(&kf->vp);
	linkwatch_close(&kf->lw);
	free(kf->wkeys);
	free(kf->wvals);
	free(kf->percpu);
	free(kf->ports);
	free(kf->memo);
	free(kf);
}
