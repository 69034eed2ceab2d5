/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rackless pingall LAB [-6] [--timeout MS]
 *
 * Mininet's pingall: one ICMP echo from every host with an address to every
 * other, a line per host ("h1 -> h2 X h4", X where no reply came) and the
 * share dropped; exit 1 if any was. Each host sends from a raw ICMP socket
 * made inside its namespace, to all the others at once, and the replies are
 * collected until all came or the timeout (default 1000 ms) passed; hosts
 * take turns, so a large lab's ARP does not all land at once, and each
 * keeps at most PA_WINDOW echoes unanswered. A host that cannot be entered
 * (its namespace deleted by hand) is a row of X, and the matrix completes.
 * With -6, the same over IPv6 between the hosts' ip6 addresses (ICMPv6
 * from raw sockets: the kernel fills in their checksum). Fewer than two
 * hosts with an address of the family: nothing to test, exit 2.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/icmp6.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "cmds.h"
#include "lab.h"
#include "netns.h"

struct pa_host {
	const char *name;
	const char *netns;
	int family; /* AF_INET or AF_INET6: which of the two is the address */
	struct in_addr ip;
	struct in6_addr ip6;
};

static long long pa_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* RFC 1071 */
static uint16_t pa_csum(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t sum = 0;

	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)(p[0] << 8 | p[1]);
	if (len)
		sum += (uint32_t)(p[0] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static int pa_socket_fn(void *arg)
{
	int *io = arg, fd;

	if (*io == AF_INET6) {
		struct icmp6_filter f;

		fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_ICMPV6);
		/* echo replies only: not the neighbour discovery around them */
		ICMP6_FILTER_SETBLOCKALL(&f);
		ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
		if (fd >= 0)
			(void)setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f));
	} else {
		fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_ICMP);
	}
	*io = fd;
	return fd < 0 ? -errno : 0;
}

/* A raw ICMP (family AF_INET) or ICMPv6 socket inside namespace ns. fd or
 * -errno. */
static int pa_socket(const char *ns, int family)
{
	int nsfd = netns_open(ns), fd = family, ret;

	if (nsfd < 0)
		return nsfd;
	ret = netns_run(nsfd, pa_socket_fn, &fd);
	close(nsfd);
	return ret < 0 ? ret : fd;
}

/* Read replies to host s's echoes until `need` came or until `until`
 * (CLOCK_MONOTONIC ms); got[t] = 1 for each, *have counts them. */
static void pa_recv(int fd, const struct pa_host *h, unsigned n, unsigned s, uint16_t id,
		    long long until, unsigned need, uint8_t *got, unsigned *have)
{
	while (*have < need) {
		long long left = until - pa_now_ms();
		uint8_t buf[1500];
		struct sockaddr_in6 from; /* room for either */
		socklen_t fl = sizeof(from);
		ssize_t len;
		unsigned t;

		if (left < 0)
			break;
		if (poll(&(struct pollfd){.fd = fd, .events = POLLIN}, 1, (int)left) <= 0)
			continue;
		len = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (h[s].family == AF_INET6) {
			/* a raw ICMPv6 socket reads from the ICMPv6 header on */
			const struct icmp6_hdr *r6 = (const struct icmp6_hdr *)buf;

			if (len < (ssize_t)sizeof(*r6))
				continue;
			t = ntohs(r6->icmp6_seq);
			if (r6->icmp6_type != ICMP6_ECHO_REPLY || ntohs(r6->icmp6_id) != id ||
			    t >= n || t == s || got[t] ||
			    memcmp(&from.sin6_addr, &h[t].ip6, sizeof(h[t].ip6)) != 0)
				continue;
		} else {
			const struct sockaddr_in *f4 = (const struct sockaddr_in *)&from;
			const struct icmphdr *r;
			size_t ihl;

			if (len < (ssize_t)sizeof(struct iphdr))
				continue;
			ihl = (size_t)(buf[0] & 0x0f) * 4;
			if ((size_t)len < ihl + sizeof(*r))
				continue;
			r = (const struct icmphdr *)(buf + ihl);
			t = ntohs(r->un.echo.sequence);
			if (r->type != ICMP_ECHOREPLY || ntohs(r->un.echo.id) != id || t >= n ||
			    t == s || f4->sin_addr.s_addr != h[t].ip.s_addr || got[t])
				continue;
		}
		got[t] = 1;
		(*have)++;
	}
}

/* Echo from host s to every other; got[t] = 1 for each reply. 0 or -errno.
 * At most PA_WINDOW unanswered at a time (a reply lost is given up on
 * after PA_WINDOW_MS): a port's ring in the switch is sized for the lab
 * (64 frames a port at 1000 hosts), and a host sending to all at once
 * would overflow its own. */
#define PA_WINDOW    32
#define PA_WINDOW_MS 20
static int pa_from(const struct pa_host *h, unsigned n, unsigned s, uint16_t id, int timeout_ms,
		   uint8_t *got)
{
	unsigned want = 0, have = 0;
	int fd = pa_socket(h[s].netns, h[s].family);

	if (fd < 0)
		return fd;
	/* every reply may arrive before the first is read: room for all
	 * (the default holds about 270 of them) */
	{
		int rcv = (int)(n < 256 ? 256 : n) * 2048;

		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv));
	}
	memset(got, 0, n);
	for (unsigned t = 0; t < n; t++) {
		struct icmphdr e = {.type = ICMP_ECHO, .un.echo = {htons(id), htons((uint16_t)t)}};
		struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr = h[t].ip};
		struct icmp6_hdr e6 = {.icmp6_type = ICMP6_ECHO_REQUEST};
		struct sockaddr_in6 to6 = {.sin6_family = AF_INET6, .sin6_addr = h[t].ip6};

		if (t == s)
			continue;
		/* unreachable (no route, ...) is a drop like any other */
		if (h[s].family == AF_INET6) {
			e6.icmp6_id = htons(id);
			e6.icmp6_seq = htons((uint16_t)t);
			(void)sendto(fd, &e6, sizeof(e6), 0, (struct sockaddr *)&to6, sizeof(to6));
		} else {
			e.checksum = pa_csum(&e, sizeof(e));
			(void)sendto(fd, &e, sizeof(e), 0, (struct sockaddr *)&to, sizeof(to));
		}
		if (++want - have >= PA_WINDOW)
			pa_recv(fd, h, n, s, id, pa_now_ms() + PA_WINDOW_MS, want - PA_WINDOW + 1, got,
				&have);
	}
	pa_recv(fd, h, n, s, id, pa_now_ms() + timeout_ms, want, got, &have);
	close(fd);
	return 0;
}

/* The lab's hosts with an address of the family, from its state. -errno
 * or the count. */
static int pa_hosts(json_t *st, int family, struct pa_host **out)
{
	json_t *nodes = json_object_get(st, "nodes"), *nd;
	struct pa_host *h = calloc(json_array_size(nodes) + 1, sizeof(*h));
	size_t i;
	int n = 0;

	if (h == NULL)
		return -ENOMEM;
	json_array_foreach(nodes, i, nd) {
		const char *ip = json_string_value(
		    json_object_get(nd, family == AF_INET6 ? "ip6" : "ip"));
		const char *ns = json_string_value(json_object_get(nd, "netns"));
		char a[INET6_ADDRSTRLEN];

		if (ip == NULL || ns == NULL)
			continue;
		snprintf(a, sizeof(a), "%.*s", (int)strcspn(ip, "/"), ip);
		if (inet_pton(family, a, family == AF_INET6 ? (void *)&h[n].ip6 : (void *)&h[n].ip) !=
		    1)
			continue;
		h[n].family = family;
		h[n].name = json_string_value(json_object_get(nd, "name"));
		h[n].netns = ns;
		n++;
	}
	*out = h;
	return n;
}

int cmd_pingall(int argc, char **argv)
{
	const char *lab = argv[1];
	int family = AF_INET;
	unsigned long sent = 0, recv = 0;
	struct pa_host *h = NULL;
	int timeout = 1000, n, ret = 0;
	uint8_t *got = NULL;
	json_t *st;

	for (int i = 2; i < argc; i++) {
		char *end;

		if (strcmp(argv[i], "-6") == 0 || strcmp(argv[i], "--ipv6") == 0) {
			family = AF_INET6;
			continue;
		}
		if (strcmp(argv[i], "--timeout") != 0 || i + 1 >= argc)
			return cmd_usage("pingall");
		timeout = (int)strtol(argv[++i], &end, 10);
		if (*end != '\0' || timeout < 1 || timeout > 60000) {
			fprintf(stderr, "rackless: --timeout: 1..60000 ms\n");
			return 2;
		}
	}
	if (!topo_name_valid(lab))
		return cmd_usage("pingall");
	st = lab_state_load(lab);
	if (st == NULL) {
		fprintf(stderr, "rackless: no lab named %s is up\n", lab);
		return 1;
	}
	n = pa_hosts(st, family, &h);
	if (n >= 0 && n < 2) {
		/* not "0% dropped (0/0)": nothing was tested */
		fprintf(stderr, "rackless: pingall: lab %s has %d host%s with an %s address: ", lab,
			n, n == 1 ? "" : "s", family == AF_INET6 ? "IPv6" : "IPv4");
		fprintf(stderr, "no pair to ping\n");
		ret = -EDESTADDRREQ;
		goto out;
	}
	if (n < 0) {
		ret = n;
		goto out;
	}
	got = calloc((size_t)n, 1);
	if (got == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	printf("*** Ping: testing ping reachability (%d hosts)\n", n);
	for (int s = 0; s < n; s++) {
		int r = pa_from(h, (unsigned)n, (unsigned)s, (uint16_t)(getpid() ^ (s << 4)),
				timeout, got);

		/* a host we cannot enter (its namespace deleted by hand) pings
		 * nobody: its row is all X, as Mininet's for a dead host */
		if (r < 0) {
			fprintf(stderr, "rackless: pingall from %s: %s: %s\n", h[s].name,
				h[s].netns, strerror(-r));
			memset(got, 0, (size_t)n);
		}
		printf("%s ->", h[s].name);
		for (int t = 0; t < n; t++) {
			if (t == s)
				continue;
			printf(" %s", got[t] ? h[t].name : "X");
			sent++;
			recv += got[t];
		}
		printf("\n");
	}
	/* never "0%" with drops: to the tenth, then */
	printf("*** Results: %.*f%% dropped (%lu/%lu received)\n",
	       recv == sent || (sent - recv) * 100 >= sent ? 0 : 1,
	       sent ? (double)(sent - recv) * 100 / (double)sent : 0.0, recv, sent);
out:
	free(got);
	free(h);
	json_decref(st);
	return ret == -EDESTADDRREQ ? 2 : ret < 0 ? 1 : recv == sent ? 0 : 1;
}
