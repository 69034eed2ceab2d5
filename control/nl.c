// SPDX-License-Identifier: BSD-3-Clause
/*
 * Kernel network configuration over rtnetlink with libmnl.
 *
 * Each struct nl_sock is tied to one network namespace: its NETLINK_ROUTE
 * socket is created while the calling thread is inside that namespace (a
 * socket acts in the namespace it was created in, whoever uses it later),
 * and so is the AF_INET socket used for ethtool ioctls. sysctls have no
 * socket, so nl_sysctl_set() briefly enters the namespace to open the file.
 *
 * Requests are strictly one at a time: send, then read until the kernel's
 * ack (NLMSG_ERROR), which carries 0 or the -errno we return.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/ethtool.h>
#include <linux/if_ether.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <linux/veth.h>

#include <libmnl/libmnl.h>

#include "netns.h"
#include "nl.h"

#define RTE_DIM_NL(a) (sizeof(a) / sizeof((a)[0]))

#define THREAD_NETNS "/proc/thread-self/ns/net"

/* Our requests are a few hundred bytes at most (names are bounded by
 * IFNAMSIZ); 1 KiB leaves ample room. */
#define NL_REQ_SIZE 1024
/* Replies: an RTM_NEWLINK with all its stats is a few KiB; never truncate. */
#define NL_RCV_SIZE 32768

struct nl_sock {
	struct mnl_socket *mnl;
	unsigned int seq;
	unsigned int portid;
	/*
	 * The namespace the socket lives in, always a real fd we own: for
	 * nl_open(-1) it is the opener's namespace, pinned at open time so
	 * that the ioctl socket (created lazily) and sysctls act in the same
	 * namespace as the netlink socket even when used from another thread.
	 */
	int nsfd;
	/* AF_INET datagram socket in nsfd for SIOCETHTOOL; -1 until needed. */
	int ioctl_fd;
	/* Extended ack message of the last failed request, or "". */
	char errmsg[256];
	char rcv[NL_RCV_SIZE];
};

/* Per-request state handed to the libmnl callbacks. */
struct nl_ctx {
	struct nl_sock *s;
	mnl_cb_t cb;
	void *data;
};

static int check_ifname(const char *ifname)
{
	size_t len;

	if (!ifname)
		return -EINVAL;
	len = strlen(ifname);
	if (len == 0 || len >= IFNAMSIZ)
		return -EINVAL;
	return 0;
}

static int extack_attr_cb(const struct nlattr *attr, void *data)
{
	struct nl_sock *s = data;

	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0) {
		strncpy(s->errmsg, mnl_attr_get_str(attr), sizeof(s->errmsg) - 1);
		s->errmsg[sizeof(s->errmsg) - 1] = '\0';
	}
	return MNL_CB_OK;
}

/* Keep the kernel's human-readable reason ("Unknown device type", ...): it
 * is the difference between a usable error and a bare EINVAL. */
static void save_extack(struct nl_sock *s, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*err);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	/* Without NLM_F_CAPPED the whole request is echoed before the TLVs. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (mnl_nlmsg_size(off) > nlh->nlmsg_len)
		return;
	mnl_attr_parse(nlh, off, extack_attr_cb, s);
}

static int nl_error_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_ctx *ctx = data;
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (err->error == 0)
		return MNL_CB_STOP;
	save_extack(ctx->s, nlh);
	errno = err->error < 0 ? -err->error : err->error;
	return MNL_CB_ERROR;
}

static int nl_data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_ctx *ctx = data;

	if (!ctx->cb)
		return MNL_CB_OK;
	return ctx->cb(nlh, ctx->data);
}

/* Send one request and consume replies until its ack. 0 or -errno. */
static int nl_transact(struct nl_sock *s, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = {[NLMSG_ERROR] = nl_error_cb};
	struct nl_ctx ctx = {.s = s, .cb = cb, .data = data};
	unsigned int seq;
	ssize_t n;
	int ret;

	s->errmsg[0] = '\0';
	/* seq 0 would disable libmnl's sequence check: skip it on wrap. */
	if (++s->seq == 0)
		s->seq = 1;
	seq = s->seq;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	if (mnl_socket_sendto(s->mnl, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	for (;;) {
		n = mnl_socket_recvfrom(s->mnl, s->rcv, sizeof(s->rcv));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto out;
		}
		ret = mnl_cb_run2(s->rcv, n, seq, s->portid, nl_data_cb, &ctx, ctl, NLMSG_MIN_TYPE);
		if (ret <= MNL_CB_STOP)
			break;
	}
	if (ret < 0)
		ret = errno ? -errno : -EIO;
out:
	return ret;
}

static struct nlmsghdr *nl_msg(char *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	return nlh;
}

static struct ifinfomsg *put_ifinfomsg(struct nlmsghdr *nlh)
{
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));

	ifm->ifi_family = AF_UNSPEC;
	return ifm;
}

/* Runs inside the target namespace (netns_run): the socket belongs to the
 * namespace current at socket() time. */
static int open_in_ns(void *arg)
{
	struct nl_sock *s = arg;
	int one = 1;
	int ret = 0;

	s->mnl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!s->mnl) {
		ret = -errno;
		goto out;
	}
	if (mnl_socket_bind(s->mnl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto out;
	}
	s->portid = mnl_socket_get_portid(s->mnl);
	/* Both are best effort: extack only improves error messages, and a
	 * capped ack only saves copying the request back. */
	mnl_socket_setsockopt(s->mnl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(s->mnl, NETLINK_CAP_ACK, &one, sizeof(one));
out:
	return ret;
}

struct nl_sock *nl_open(int nsfd)
{
	struct nl_sock *s;
	int ret = 0;

	s = calloc(1, sizeof(*s));
	if (!s)
		goto out;
	s->ioctl_fd = -1;
	if (nsfd >= 0)
		s->nsfd = fcntl(nsfd, F_DUPFD_CLOEXEC, 0);
	else
		s->nsfd = open(THREAD_NETNS, O_RDONLY | O_CLOEXEC);
	if (s->nsfd < 0) {
		ret = -errno;
		goto out;
	}
	ret = netns_run(s->nsfd, open_in_ns, s);
out:
	if (ret) {
		nl_close(s);
		s = NULL;
		errno = -ret;
	}
	return s;
}

void nl_close(struct nl_sock *s)
{
	if (!s)
		return;
	if (s->mnl)
		mnl_socket_close(s->mnl);
	if (s->ioctl_fd >= 0)
		close(s->ioctl_fd);
	if (s->nsfd >= 0)
		close(s->nsfd);
	free(s);
}

const char *nl_errmsg(const struct nl_sock *s)
{
	return s ? s->errmsg : "";
}

int nl_veth_create(struct nl_sock *s, const char *name, int name_nsfd, const char *peer,
		   int peer_nsfd)
{
	struct nlattr *linkinfo, *data, *peer_nest;
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	int ret;

	ret = check_ifname(name);
	if (!ret)
		ret = check_ifname(peer);
	if (ret)
		goto out;

	/* What `ip link add NAME netns A type veth peer name PEER netns B`
	 * sends: the peer is described by a nested ifinfomsg + attributes. */
	nlh = nl_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	put_ifinfomsg(nlh);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (name_nsfd >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, name_nsfd);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	peer_nest = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	put_ifinfomsg(nlh);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
	if (peer_nsfd >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, peer_nsfd);
	mnl_attr_nest_end(nlh, peer_nest);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linkinfo);
	ret = nl_transact(s, nlh, NULL, NULL);
out:
	return ret;
}

int nl_link_del(struct nl_sock *s, const char *ifname)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	int ret;

	ret = check_ifname(ifname);
	if (ret)
		goto out;
	nlh = nl_msg(buf, RTM_DELLINK, 0);
	put_ifinfomsg(nlh);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	ret = nl_transact(s, nlh, NULL, NULL);
out:
	return ret;
}

static int link_index_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifm;
	int *index = data;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ifm))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	ifm = mnl_nlmsg_get_payload(nlh);
	*index = ifm->ifi_index;
	return MNL_CB_OK;
}

int nl_link_index(struct nl_sock *s, const char *ifname)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	int index = 0;
	int ret;

	ret = check_ifname(ifname);
	if (ret)
		goto out;
	/* A non-dump GET with NLM_F_ACK: the kernel answers with the link
	 * (or an error), then the ack. */
	nlh = nl_msg(buf, RTM_GETLINK, 0);
	put_ifinfomsg(nlh);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	ret = nl_transact(s, nlh, link_index_cb, &index);
	if (ret)
		goto out;
	ret = index > 0 ? index : -ENODEV;
out:
	return ret;
}

int nl_link_set(struct nl_sock *s, int ifindex, const uint8_t *mac, unsigned mtu, int up)
{
	char buf[NL_REQ_SIZE];
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh;
	int ret = 0;

	if (ifindex <= 0) {
		ret = -EINVAL;
		goto out;
	}
	/* RTM_NEWLINK on an existing ifindex without NLM_F_CREATE modifies
	 * it, as `ip link set` does; the kernel applies address and MTU
	 * before the flags, so one request can also bring the link up. */
	nlh = nl_msg(buf, RTM_NEWLINK, 0);
	ifm = put_ifinfomsg(nlh);
	ifm->ifi_index = ifindex;
	if (up >= 0) {
		ifm->ifi_change = IFF_UP;
		ifm->ifi_flags = up ? IFF_UP : 0;
	}
	if (mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, ETH_ALEN, mac);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	ret = nl_transact(s, nlh, NULL, NULL);
out:
	return ret;
}

int nl_addr4_add(struct nl_sock *s, int ifindex, uint32_t addr, uint8_t plen)
{
	char buf[NL_REQ_SIZE];
	struct ifaddrmsg *ifa;
	struct nlmsghdr *nlh;
	uint32_t mask;
	int ret = 0;

	if (ifindex <= 0 || plen > 32) {
		ret = -EINVAL;
		goto out;
	}
	nlh = nl_msg(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = plen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;
	mnl_attr_put_u32(nlh, IFA_LOCAL, htonl(addr));
	mnl_attr_put_u32(nlh, IFA_ADDRESS, htonl(addr));
	/* /31 and /32 have no broadcast address (RFC 3021). */
	if (plen <= 30) {
		mask = plen ? ~0u << (32 - plen) : 0;
		mnl_attr_put_u32(nlh, IFA_BROADCAST, htonl(addr | ~mask));
	}
	ret = nl_transact(s, nlh, NULL, NULL);
out:
	return ret;
}

int nl_route4_default(struct nl_sock *s, int ifindex, uint32_t gw)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	int ret = 0;

	if (ifindex <= 0) {
		ret = -EINVAL;
		goto out;
	}
	nlh = nl_msg(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 0;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_type = RTN_UNICAST;
	/* A gateway route reaches beyond the link; a device route does not. */
	rtm->rtm_scope = gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	if (gw)
		mnl_attr_put_u32(nlh, RTA_GATEWAY, htonl(gw));
	mnl_attr_put_u32(nlh, RTA_OIF, ifindex);
	ret = nl_transact(s, nlh, NULL, NULL);
out:
	return ret;
}

int nl_addr6_add(struct nl_sock *s, int ifindex, const uint8_t addr[16], uint8_t plen)
{
	char buf[NL_REQ_SIZE];
	struct ifaddrmsg *ifa;
	struct nlmsghdr *nlh;

	if (ifindex <= 0 || plen > 128)
		return -EINVAL;
	nlh = nl_msg(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET6;
	ifa->ifa_prefixlen = plen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	/* usable at once: the lab's addresses are unique by construction,
	 * and duplicate address detection would hold them a second or two */
	ifa->ifa_flags = IFA_F_NODAD;
	ifa->ifa_index = ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, 16, addr);
	mnl_attr_put(nlh, IFA_ADDRESS, 16, addr);
	mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	return nl_transact(s, nlh, NULL, NULL);
}

int nl_route6_default(struct nl_sock *s, int ifindex, const uint8_t gw[16])
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	if (ifindex <= 0)
		return -EINVAL;
	nlh = nl_msg(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET6;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_type = RTN_UNICAST;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	mnl_attr_put(nlh, RTA_GATEWAY, 16, gw);
	mnl_attr_put_u32(nlh, RTA_OIF, ifindex);
	return nl_transact(s, nlh, NULL, NULL);
}

static int ioctl_sock_in_ns(void *arg)
{
	int *fd = arg;

	*fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	return *fd < 0 ? -errno : 0;
}

/* The ethtool ioctl acts on the namespace of the socket it is issued on, so
 * that socket must be created inside the nl_sock's namespace. */
static int ioctl_fd(struct nl_sock *s)
{
	int fd = -1;
	int ret = 0;

	if (s->ioctl_fd >= 0)
		goto out;
	ret = netns_run(s->nsfd, ioctl_sock_in_ns, &fd);
	if (ret)
		goto out;
	s->ioctl_fd = fd;
out:
	return ret ? ret : s->ioctl_fd;
}

/* One legacy ethtool "set value" command; unsupported is not an error: the
 * device then simply has no such offload to turn off. */
static int ethtool_set(int fd, const char *ifname, uint32_t cmd, uint32_t value)
{
	struct ethtool_value ev = {.cmd = cmd, .data = value};
	struct ifreq ifr;
	int ret = 0;

	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ifname, strlen(ifname) + 1);
	ifr.ifr_data = (char *)&ev;
	if (ioctl(fd, SIOCETHTOOL, &ifr) && errno != EOPNOTSUPP)
		ret = -errno;
	return ret;
}

int nl_tx_offload_off(struct nl_sock *s, const char *ifname)
{
	int fd;
	int ret;

	ret = check_ifname(ifname);
	if (ret)
		goto out;
	fd = ioctl_fd(s);
	if (fd < 0) {
		ret = fd;
		goto out;
	}
	/* Without TX checksum offload the kernel also drops TSO and the other
	 * features that depend on it (netdev_fix_features). */
	ret = ethtool_set(fd, ifname, ETHTOOL_STXCSUM, 0);
	if (ret)
		goto out;
	/* GSO does not depend on checksumming: turn it off explicitly. */
	ret = ethtool_set(fd, ifname, ETHTOOL_SGSO, 0);
out:
	return ret;
}

/* The index of each named feature in the device's feature string set
 * (ETH_SS_FEATURES); -1 for a name the kernel does not have. */
static int features_index(int fd, struct ifreq *ifr, const char *const *names, int *idx,
			  unsigned n)
{
	struct {
		struct ethtool_sset_info hdr;
		uint32_t count;
	} info = {.hdr = {.cmd = ETHTOOL_GSSET_INFO, .sset_mask = 1ULL << ETH_SS_FEATURES}};
	struct ethtool_gstrings *gs = NULL;
	int ret = 0;

	ifr->ifr_data = (char *)&info;
	if (ioctl(fd, SIOCETHTOOL, ifr) < 0) {
		ret = -errno;
		goto out;
	}
	gs = calloc(1, sizeof(*gs) + (size_t)info.count * ETH_GSTRING_LEN);
	if (gs == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	gs->cmd = ETHTOOL_GSTRINGS;
	gs->string_set = ETH_SS_FEATURES;
	gs->len = info.count;
	ifr->ifr_data = (char *)gs;
	if (ioctl(fd, SIOCETHTOOL, ifr) < 0) {
		ret = -errno;
		goto out;
	}
	for (unsigned k = 0; k < n; k++) {
		idx[k] = -1;
		for (uint32_t i = 0; i < gs->len; i++) {
			if (strncmp((const char *)gs->data + (size_t)i * ETH_GSTRING_LEN, names[k],
				    ETH_GSTRING_LEN) == 0) {
				idx[k] = (int)i;
				break;
			}
		}
	}
out:
	free(gs);
	return ret;
}

int nl_features_off(struct nl_sock *s, const char *ifname, const char *const *names, unsigned n)
{
	struct {
		struct ethtool_sfeatures hdr;
		struct ethtool_set_features_block b[8];
	} sf = {0};
	struct ifreq ifr;
	int idx[16], fd, ret;

	ret = check_ifname(ifname);
	if (ret)
		return ret;
	if (n > RTE_DIM_NL(idx))
		return -EINVAL;
	fd = ioctl_fd(s);
	if (fd < 0)
		return fd;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ifname, strlen(ifname) + 1);
	ret = features_index(fd, &ifr, names, idx, n);
	if (ret)
		return ret;
	/* SFEATURES wants exactly the kernel's number of feature words: ask
	 * GFEATURES with none, and it says how many */
	ifr.ifr_data = (char *)&sf;
	sf.hdr.cmd = ETHTOOL_GFEATURES;
	sf.hdr.size = 0;
	if (ioctl(fd, SIOCETHTOOL, &ifr) < 0)
		return -errno;
	if (sf.hdr.size == 0 || sf.hdr.size > RTE_DIM_NL(sf.b))
		return -EOPNOTSUPP;
	sf.hdr.cmd = ETHTOOL_SFEATURES;
	for (unsigned k = 0; k < n; k++) {
		if (idx[k] < 0 || idx[k] >= (int)sf.hdr.size * 32)
			continue; /* a feature this kernel does not have is off */
		sf.b[idx[k] / 32].valid |= 1u << (idx[k] % 32);
	}
	if (ioctl(fd, SIOCETHTOOL, &ifr) < 0)
		return -errno;
	return 0;
}

/* A relative path of non-empty components, none of them "." or "..": it
 * must not escape /proc/sys. */
static int check_sysctl_path(const char *path)
{
	const char *p = path;
	size_t len;

	if (!path || !*path || *path == '/')
		return -EINVAL;
	while (*p) {
		len = strcspn(p, "/");
		if (len == 0 || (len == 1 && p[0] == '.') ||
		    (len == 2 && p[0] == '.' && p[1] == '.'))
			return -EINVAL;
		p += len;
		if (*p == '/')
			p++;
	}
	return 0;
}

struct sysctl_job {
	const char *path;
	const char *value;
	char *old;
	unsigned oldlen;
};

/* Runs inside the namespace: /proc/sys/net/... resolves to the network
 * namespace of the task that opens it, whatever /proc's mount says. */
static int sysctl_in_ns(void *arg)
{
	struct sysctl_job *job = arg;
	char file[PATH_MAX];
	size_t len = strlen(job->value);
	ssize_t n;
	int fd = -1;
	int ret = 0;

	n = snprintf(file, sizeof(file), "/proc/sys/%s", job->path);
	if (n < 0 || (size_t)n >= sizeof(file)) {
		ret = -ENAMETOOLONG;
		goto out;
	}
	fd = open(file, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	if (job->old && job->oldlen) {
		n = pread(fd, job->old, job->oldlen - 1, 0);
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		job->old[n] = '\0';
		while (n > 0 && job->old[n - 1] == '\n')
			job->old[--n] = '\0';
	}
	/* Offset 0 and a single write: with the default strict sysctl writes
	 * a write at a non-zero position is silently ignored, and a value
	 * split over two writes would be parsed as two values. */
	n = pwrite(fd, job->value, len, 0);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

int nl_sysctl_set(struct nl_sock *s, const char *path, const char *value, char *old,
		  unsigned oldlen)
{
	struct sysctl_job job = {
	    .path = path,
	    .value = value,
	    .old = old,
	    .oldlen = oldlen,
	};
	int ret;

	ret = check_sysctl_path(path);
	if (ret)
		goto out;
	if (!value) {
		ret = -EINVAL;
		goto out;
	}
	ret = netns_run(s->nsfd, sysctl_in_ns, &job);
out:
	return ret;
}

/* One permanent IPv4 neighbour entry, appended at buf (no ack asked). */
static struct nlmsghdr *put_neigh(char *buf, int ifindex, int family, const uint8_t *addr,
				  const uint8_t *mac, uint16_t flags)
{
	struct nlmsghdr *nlh = nl_msg(buf, RTM_NEWNEIGH, flags);
	struct ndmsg *nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));

	nd->ndm_family = (uint8_t)family;
	nd->ndm_ifindex = ifindex;
	nd->ndm_state = NUD_PERMANENT;
	nd->ndm_type = RTN_UNICAST;
	mnl_attr_put(nlh, NDA_DST, family == AF_INET6 ? 16 : 4, addr);
	mnl_attr_put(nlh, NDA_LLADDR, 6, mac);
	return nlh;
}

int nl_neigh_add_many(struct nl_sock *s, int ifindex, int family, const uint8_t *addrs,
		      const uint8_t (*macs)[6], unsigned n)
{
	size_t alen = family == AF_INET6 ? 16 : 4;
	char *batch;
	size_t off = 0, cap = 1 << 16;
	char last[256];
	int ret = 0;

	if (n == 0)
		return 0;
	batch = malloc(cap);
	if (batch == NULL)
		return -ENOMEM;
	/* all but the last go out in large writes without acks, carrying the
	 * sequence number of the last one: the kernel reports a failure of
	 * any of them before the last one's ack, and nl_transact stops there */
	for (unsigned i = 0; i + 1 < n; i++) {
		struct nlmsghdr *nlh;

		if (cap - off < 128) {
			if (mnl_socket_sendto(s->mnl, batch, off) < 0) {
				ret = -errno;
				goto out;
			}
			off = 0;
		}
		nlh = put_neigh(batch + off, ifindex, family, addrs + i * alen, macs[i],
				 NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE);
		nlh->nlmsg_seq = s->seq + 1 ? s->seq + 1 : 1;
		off += nlh->nlmsg_len;
	}
	if (off > 0 && mnl_socket_sendto(s->mnl, batch, off) < 0) {
		ret = -errno;
		goto out;
	}
	ret = nl_transact(s, put_neigh(last, ifindex, family, addrs + (n - 1) * alen, macs[n - 1],
				       NLM_F_CREATE | NLM_F_REPLACE),
			  NULL, NULL);
out:
	free(batch);
	return ret;
}
