/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vhost backend: a vhost-user socket (DPDK's rte_vhost, server side) that a
 * QEMU virtio-net guest, or DPDK's virtio-user, connects to. The switch maps
 * the guest's memory and copies frames in and out of its virtqueues: queue 0
 * is the guest's receive queue (our transmit), queue 1 its transmit queue
 * (our receive). One queue pair; multiqueue is not offered.
 *
 * Threads. open/close run on the control thread, rx/tx on the port's worker,
 * and the device callbacks (new_device, destroy_device, vring_state_changed)
 * on DPDK's vhost thread, or on the control thread when close unregisters a
 * socket with a guest still connected. The worker reaches the device only
 * between vhost_enter() and vhost_leave(): it raises 'busy', then reads
 * 'vid'; destroy_device sets 'vid' to -1, then waits for 'busy' to drop
 * (both sequentially consistent: one side always sees the other), so once
 * destroy_device returns the worker cannot be inside the device the library
 * is about to free. vring_state_changed runs with the library's queue locks
 * held, which the worker's enqueue waits for: it must never wait for the
 * worker, and does not. Callbacks find their port in a list keyed by socket
 * path; the library serialises callbacks of one socket, and
 * rte_vhost_driver_unregister() waits for a running one, so a port's memory
 * outlives every callback that found it.
 *
 * Parking (rx_fd). The guest tells the backend "there is work" by writing
 * the transmit queue's kick eventfd, which belongs to the guest and changes
 * with every (re)connection; the worker's epoll set needs one fd for the
 * port's whole life. So rx_fd is an epoll fd of the port's own, holding a
 * dup of the current kick fd and an eventfd of ours (signalled when a guest
 * comes or goes), both edge-triggered: nested epoll makes the port's fd
 * readable when either fires, and consuming its events (one epoll_wait) is
 * the whole "drain": the worker never reads the guest's fd, whose number the
 * vhost thread may close and reuse at any time. While traffic flows the
 * guest is told not to kick (rte_vhost_enable_guest_notification(0): no
 * syscall per guest burst); after VHOST_ARM_POLLS empty polls the port arms
 * itself: notifications on, a barrier, pending events consumed, the ring
 * looked at once more. A frame the guest posts after that look is kicked,
 * so the worker may park the port and an idle guest costs no CPU. An own
 * eventfd signalled from a forwarding thread would cost a thread and a hop.
 *
 * Offloads. Dequeued frames keep the offload requests the guest made, as
 * DPDK transmit flags (legacy vhost flags: RTE_MBUF_F_TX_TCP_SEG, _TCP_CKSUM,
 * l2/l3/l4_len, tso_segsz); finishing them is the egress's business. The
 * guest may send partial checksums and TCP/IPv4 super-frames (VIRTIO_NET_F_CSUM,
 * HOST_TSO4). It is offered partial checksums and TCP/IPv4 super-frames on
 * receive too (GUEST_CSUM, GUEST_TSO4), the way vhost-net gives a Linux
 * guest its host's TCP whole: when the guest takes them (new_device reads
 * the negotiated features) the port's offloads say so, the worker passes
 * such frames whole, and the library writes their virtio-net header from
 * the mbuf's flags. A guest that did not take them is given finished
 * frames; a frame with offload flags that reaches tx_burst anyway (the
 * guest changed between the worker's decision and the send) is dropped and
 * counted, never handed to a guest that did not ask for it. GUEST_TSO6,
 * HOST_TSO6 (DPDK 22.11's GSO cannot cut IPv6), UFO and ECN are disabled.
 *
 * The socket path must not exist: on unregister the library unlinks its
 * path, so a path that was someone else's file would be deleted.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_atomic.h>
#include <rte_pause.h>
#include <rte_vhost.h>

#include "../offload.h"
#include "../port.h"

#define VHOST_GUEST_RXQ 0 /* we enqueue here */
#define VHOST_GUEST_TXQ 1 /* we dequeue here */

/* Empty polls between two "arm and look again" (notifications on, pending
 * events consumed): well under the worker's WORKER_IDLE_POLLS, so a port is
 * armed before it is parked, and a stale event costs at most one more
 * round of polls. */
#define VHOST_ARM_POLLS 256

#define VHOST_FEATURES_OFF                                                                         \
	((1ULL << VIRTIO_NET_F_GUEST_TSO6) | (1ULL << VIRTIO_NET_F_GUEST_ECN) |                    \
	 (1ULL << VIRTIO_NET_F_GUEST_UFO) | (1ULL << VIRTIO_NET_F_HOST_TSO6) |                     \
	 (1ULL << VIRTIO_NET_F_HOST_ECN) | (1ULL << VIRTIO_NET_F_HOST_UFO) |                       \
	 (1ULL << VIRTIO_NET_F_MQ))

#define VHOST_OL_FLAGS (RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_L4_MASK)

struct vhost {
	struct port *port;
	char path[PORT_PATH_MAX]; /* checked: shorter than sun_path */
	int epfd;		  /* rx_fd: evfd and kickfd, edge-triggered */
	int evfd;		  /* a guest came or went */
	int kickfd;		  /* our dup of the guest's transmit kick fd; -1 none */
	/* the device, shared with the worker (see the top of the file) */
	int vid;       /* -1: no guest ready */
	uint32_t busy; /* the worker is inside the device */
	uint32_t gen;  /* bumped for every new device */
	/* worker only */
	uint32_t seen_gen;
	uint32_t idle;
	uint8_t notify; /* the guest kicks (as far as we told it) */
	/* control and vhost threads */
	int conn; /* vid of the one connection accepted, -1 none */
	uint8_t registered;
	LIST_ENTRY(vhost) next;
};

static pthread_mutex_t vhost_list_lock = PTHREAD_MUTEX_INITIALIZER;
static LIST_HEAD(, vhost) vhost_list = LIST_HEAD_INITIALIZER(vhost_list);

int port_vhost_path_check(const char *path, char *why, size_t len)
{
	char dir[PORT_PATH_MAX];
	struct stat st;

	if (path[0] != '/') {
		snprintf(why, len, "socket path '%s' is not absolute", path);
		return -EINVAL;
	}
	if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		snprintf(why, len, "socket path '%s' is longer than %zu bytes", path,
			 sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
		return -ENAMETOOLONG;
	}
	if (lstat(path, &st) == 0) {
		if (S_ISSOCK(st.st_mode))
			snprintf(why, len, "socket %s already exists (in use, or left behind)",
				 path);
		else
			snprintf(why, len, "%s exists and is not a socket", path);
		return -EEXIST;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	if (stat(dirname(dir), &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(why, len, "directory of %s does not exist", path);
		return -ENOENT;
	}
	return 0;
}

/* ---- the vhost thread's side ------------------------------------------ */

/* The port whose socket serves vid, or NULL. */
static struct vhost *vhost_find(int vid)
{
	char path[sizeof(((struct vhost *)0)->path)];
	struct vhost *v;

	if (rte_vhost_get_ifname(vid, path, sizeof(path)) < 0)
		return NULL;
	pthread_mutex_lock(&vhost_list_lock);
	LIST_FOREACH(v, &vhost_list, next)
	{
		if (strcmp(v->path, path) == 0)
			break;
	}
	pthread_mutex_unlock(&vhost_list_lock);
	return v;
}

static void vhost_signal(struct vhost *v)
{
	uint64_t one = 1;

	if (write(v->evfd, &one, sizeof(one)) < 0) {
		/* counter saturated: the fd is readable anyway */
	}
}

/* Watch the transmit queue's current kick fd (vid < 0: none). The library
 * replaces the fd on reconnection and on SET_VRING_KICK, closing the old
 * one: we watch a dup of our own, so dropping it is always ours to do. */
static void vhost_kick_watch(struct vhost *v, int vid)
{
	struct epoll_event ev = {.events = EPOLLIN | EPOLLET};
	struct rte_vhost_vring vr;
	int fd;

	if (v->kickfd >= 0) {
		epoll_ctl(v->epfd, EPOLL_CTL_DEL, v->kickfd, NULL);
		close(v->kickfd);
		v->kickfd = -1;
	}
	if (vid >= 0 && rte_vhost_get_vhost_vring(vid, VHOST_GUEST_TXQ, &vr) == 0 &&
	    vr.kickfd >= 0) {
		fd = fcntl(vr.kickfd, F_DUPFD_CLOEXEC, 0);
		if (fd >= 0 && epoll_ctl(v->epfd, EPOLL_CTL_ADD, fd, &ev) == 0)
			v->kickfd = fd;
		else if (fd >= 0)
			close(fd);
	}
}

/* One guest per port: a second connection to the socket is closed. */
static int vhost_new_connection(int vid)
{
	struct vhost *v = vhost_find(vid);

	if (v == NULL || v->conn >= 0)
		return -1;
	v->conn = vid;
	return 0;
}

static void vhost_destroy_connection(int vid)
{
	struct vhost *v = vhost_find(vid);

	if (v != NULL && v->conn == vid)
		v->conn = -1;
}

/* The offloads a guest takes on receive, from its negotiated features. */
static uint32_t vhost_guest_offloads(int vid)
{
	uint64_t f = 0;
	uint32_t off = 0;

	if (rte_vhost_get_negotiated_features(vid, &f) < 0)
		return 0;
	if (f & (1ULL << VIRTIO_NET_F_GUEST_CSUM)) {
		off |= PORT_OFFLOAD_CSUM;
		if (f & (1ULL << VIRTIO_NET_F_GUEST_TSO4))
			off |= PORT_OFFLOAD_TSO4;
	}
	return off;
}

static int vhost_new_device(int vid)
{
	struct vhost *v = vhost_find(vid);

	if (v == NULL || v->conn != vid)
		return -1;
	__atomic_store_n(&v->port->offloads, vhost_guest_offloads(vid), __ATOMIC_RELEASE);
	vhost_kick_watch(v, vid);
	__atomic_add_fetch(&v->gen, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&v->vid, vid, __ATOMIC_SEQ_CST);
	vhost_signal(v); /* the guest may have queued frames without a kick */
	return 0;
}

static void vhost_destroy_device(int vid)
{
	struct vhost *v = vhost_find(vid);

	if (v == NULL || __atomic_load_n(&v->vid, __ATOMIC_RELAXED) != vid)
		return;
	__atomic_store_n(&v->vid, -1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&v->busy, __ATOMIC_SEQ_CST))
		rte_pause();
	__atomic_store_n(&v->port->offloads, 0, __ATOMIC_RELEASE);
	vhost_kick_watch(v, -1);
}

/* Called with the device's queue locks held: never wait for the worker. */
static int vhost_vring_state_changed(int vid, uint16_t queue, int enable)
{
	struct vhost *v = vhost_find(vid);

	(void)enable;
	if (v == NULL || v->conn != vid || queue != VHOST_GUEST_TXQ)
		return 0;
	vhost_kick_watch(v, vid);
	vhost_signal(v);
	return 0;
}

static const struct rte_vhost_device_ops vhost_device_ops = {
    .new_device = vhost_new_device,
    .destroy_device = vhost_destroy_device,
    .vring_state_changed = vhost_vring_state_changed,
    .new_connection = vhost_new_connection,
    .destroy_connection = vhost_destroy_connection,
};

/* ---- control thread ----------------------------------------------------- */

static int vhost_open(struct port *p)
{
	struct vhost *v = port_priv(p), *other;
	struct epoll_event ev = {.events = EPOLLIN | EPOLLET};
	char why[160];
	int ret;

	v->port = p;
	v->epfd = v->evfd = v->kickfd = -1;
	v->vid = v->conn = -1;
	ret = port_vhost_path_check(p->conf.path, why, sizeof(why));
	if (ret < 0)
		return ret;
	snprintf(v->path, sizeof(v->path), "%s", p->conf.path);
	v->epfd = epoll_create1(EPOLL_CLOEXEC);
	v->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (v->epfd < 0 || v->evfd < 0 || epoll_ctl(v->epfd, EPOLL_CTL_ADD, v->evfd, &ev) < 0) {
		ret = -errno;
		goto fail;
	}
	/* one port per path, also among ports opened in parallel */
	pthread_mutex_lock(&vhost_list_lock);
	LIST_FOREACH(other, &vhost_list, next)
	{
		if (strcmp(other->path, v->path) == 0)
			break;
	}
	if (other == NULL)
		LIST_INSERT_HEAD(&vhost_list, v, next);
	pthread_mutex_unlock(&vhost_list_lock);
	if (other != NULL) {
		ret = -EEXIST;
		goto fail;
	}
	errno = 0;
	if (rte_vhost_driver_register(v->path, 0) < 0) {
		ret = errno ? -errno : -ENOSPC; /* at most 1024 sockets */
		goto fail_list;
	}
	v->registered = 1;
	if (rte_vhost_driver_disable_features(v->path, VHOST_FEATURES_OFF) < 0 ||
	    rte_vhost_driver_callback_register(v->path, &vhost_device_ops) < 0) {
		ret = -EINVAL;
		goto fail_list;
	}
	errno = 0;
	if (rte_vhost_driver_start(v->path) < 0) {
		ret = errno ? -errno : -EIO;
		goto fail_list;
	}
	return 0;
fail_list:
	if (v->registered)
		rte_vhost_driver_unregister(v->path); /* unlinks what it bound */
	pthread_mutex_lock(&vhost_list_lock);
	LIST_REMOVE(v, next);
	pthread_mutex_unlock(&vhost_list_lock);
fail:
	if (v->epfd >= 0)
		close(v->epfd);
	if (v->evfd >= 0)
		close(v->evfd);
	return ret;
}

/* The worker has let go of the port (RCU): disconnect the guest (the
 * library calls destroy_device here, on this thread), remove the socket. */
static void vhost_close(struct port *p)
{
	struct vhost *v = port_priv(p);

	rte_vhost_driver_unregister(v->path);
	pthread_mutex_lock(&vhost_list_lock);
	LIST_REMOVE(v, next);
	pthread_mutex_unlock(&vhost_list_lock);
	vhost_kick_watch(v, -1);
	close(v->epfd);
	close(v->evfd);
}

/* ---- worker ------------------------------------------------------------- */

/* The ready device, with the worker inside it; -1 (and outside) if none. */
static inline int vhost_enter(struct vhost *v)
{
	int vid;

	__atomic_store_n(&v->busy, 1, __ATOMIC_SEQ_CST);
	vid = __atomic_load_n(&v->vid, __ATOMIC_SEQ_CST);
	if (vid < 0)
		__atomic_store_n(&v->busy, 0, __ATOMIC_RELEASE);
	return vid;
}

static inline void vhost_leave(struct vhost *v)
{
	__atomic_store_n(&v->busy, 0, __ATOMIC_RELEASE);
}

/* Consume the port's pending wake-up events (edge-triggered: each kick or
 * signal is one event, reported once). */
static void vhost_consume(struct vhost *v)
{
	struct epoll_event evs[4];

	while (epoll_wait(v->epfd, evs, RTE_DIM(evs), 0) == (int)RTE_DIM(evs))
		;
}

static uint16_t vhost_rx_burst(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	struct vhost *v = port_priv(p);
	uint16_t got = 0;
	int vid = vhost_enter(v);

	if (vid >= 0) {
		uint32_t gen = __atomic_load_n(&v->gen, __ATOMIC_RELAXED);

		if (gen != v->seen_gen) {
			/* a new device: the guest starts out kicking */
			v->seen_gen = gen;
			v->notify = 1;
		}
		got = rte_vhost_dequeue_burst(vid, VHOST_GUEST_TXQ, p->conf.pool, pkts, n);
	}
	if (got > 0) {
		v->idle = 0;
		if (v->notify) {
			/* busy-polled from now on: no kick per guest burst */
			rte_vhost_enable_guest_notification(vid, VHOST_GUEST_TXQ, 0);
			v->notify = 0;
		}
	} else if (++v->idle % VHOST_ARM_POLLS == 0) {
		/* every time, even if notifications are on already: with
		 * VIRTIO_RING_F_EVENT_IDX "on" is the ring index the guest
		 * kicks at, set to where we are when enabling. Frames taken
		 * since (by the look below) move us past it, and a guest
		 * past that index never kicks again: the port would park
		 * deaf (seen with a Linux guest under QEMU) */
		if (vid >= 0) {
			rte_vhost_enable_guest_notification(vid, VHOST_GUEST_TXQ, 1);
			v->notify = 1;
		}
		/* the flag (or event index) must be visible before we look at
		 * the ring again: the guest writes the ring, then reads it */
		rte_atomic_thread_fence(__ATOMIC_SEQ_CST);
		vhost_consume(v);
		if (vid >= 0)
			got = rte_vhost_dequeue_burst(vid, VHOST_GUEST_TXQ, p->conf.pool, pkts, n);
		if (got > 0)
			v->idle = 0; /* notifications go off at the next burst */
	}
	if (vid >= 0)
		vhost_leave(v);
	return got;
}

static uint16_t vhost_tx_burst(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	struct vhost *v = port_priv(p);
	struct rte_mbuf *ok[PORT_TXQ_SIZE];
	uint16_t done = 0;
	int vid = vhost_enter(v);
	uint32_t off = __atomic_load_n(&p->offloads, __ATOMIC_ACQUIRE);
	uint64_t refuse = VHOST_OL_FLAGS;

	if (vid < 0) {
		p->stats.drops[PORT_DROP_TX_NOT_CONNECTED] += n;
		rte_pktmbuf_free_bulk(pkts, n);
		return n;
	}
	if (off & PORT_OFFLOAD_CSUM)
		refuse &= ~RTE_MBUF_F_TX_L4_MASK;
	if (off & PORT_OFFLOAD_TSO4)
		refuse &= ~RTE_MBUF_F_TX_TCP_SEG;
	while (done < n) {
		uint16_t k = 0, sent;

		/* frames the guest did not ask to receive unfinished stay here */
		for (; done < n && k < RTE_DIM(ok); done++) {
			if (pkts[done]->ol_flags & refuse) {
				p->stats.drops[PORT_DROP_TX_ERROR]++;
				rte_pktmbuf_free(pkts[done]);
				continue;
			}
			ok[k++] = pkts[done];
		}
		sent = rte_vhost_enqueue_burst(vid, VHOST_GUEST_RXQ, ok, k);
		for (uint16_t i = 0; i < sent; i++) {
			p->stats.tx_packets++;
			p->stats.tx_bytes += ok[i]->pkt_len;
		}
		p->stats.drops[PORT_DROP_TX_FULL] += k - sent; /* the guest's ring */
		rte_pktmbuf_free_bulk(ok, k);		       /* the library copied what it took */
	}
	vhost_leave(v);
	return n;
}

static int vhost_rx_fd(struct port *p)
{
	struct vhost *v = port_priv(p);
	return v->epfd;
}

const struct port_ops port_vhost_ops = {
    .name = "vhost",
    .priv_size = sizeof(struct vhost),
    .open = vhost_open,
    .close = vhost_close,
    .rx_burst = vhost_rx_burst,
    .tx_burst = vhost_tx_burst,
    .rx_fd = vhost_rx_fd,
    .tx_flush = NULL,
    .set_carrier = NULL,
};
