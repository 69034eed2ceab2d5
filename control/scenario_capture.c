// SPDX-License-Identifier: BSD-3-Clause
/*
 * Captures: `capture: {name, endpoint, filter}` starts a child process that
 * enters the namespace of the endpoint (a host interface: the host's
 * namespace; a switch port: the lab's fabric namespace, where the switch
 * side of the link's veth is) and writes what libpcap sees there to
 * ART/capture-NAME.pcap, with the BPF filter applied in the kernel. It runs
 * until `stop: NAME` or the end of the run (SIGTERM: it flushes and closes
 * the file), and reports over a pipe: "ok" once it captures (the step only
 * ends then, so nothing the next step sends is missed), or what went wrong;
 * at the end, how many frames it wrote and how many the kernel dropped.
 *
 * `expect: {capture: NAME, filter, min, max}` counts the frames of the
 * stopped capture's file that match another filter (libpcap's offline
 * filter), so one capture can be asserted on several ways.
 *
 * On the switch side a capture sees the frames the host sent (as they
 * reach the switch), on the host side both directions. The switch sends to
 * its veths through PACKET_QDISC_BYPASS, which the kernel does not show to
 * packet sockets, but the kernel fast path (dataplane/kfast.h) sends
 * through the veth's transmit, which it does show: a switch-side capture
 * takes only what comes in (PCAP_D_IN), whichever path carried the rest.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "lab.h"
#include "netns.h"
#include "scenario_run.h"
#include "swclient.h"

#define READY_WAIT_MS 5000
#define STOP_WAIT_NS  (5 * SRUN_SEC)
#define BUFFER_BYTES  (4 << 20)
#define TIMEOUT_MS    100 /* how often a quiet capture checks for its stop */

/* ---- the child ------------------------------------------------------- */

static pcap_t *child_pcap;
static volatile sig_atomic_t child_stop;
static unsigned long long child_frames;

static void child_on_signal(int sig)
{
	(void)sig;
	child_stop = 1;
	if (child_pcap != NULL)
		pcap_breakloop(child_pcap);
}

static void child_dump(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	pcap_dump(user, h, bytes);
	child_frames++;
}

struct cap_args {
	char ns[128];
	char ifname[32];
	const char *filter, *path;
	unsigned snaplen;
	int in_only; /* a switch port: the frames the host sent */
};

/* Open, filter and dump; "ok\n" on fd once capturing, else "error MSG\n". */
static int child_setup(const struct cap_args *a, int fd, pcap_dumper_t **dump)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct bpf_program prog;
	int nsfd, ret;

	nsfd = netns_open(a->ns);
	if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) < 0) {
		dprintf(fd, "error cannot enter %s: %s\n", a->ns,
			strerror(nsfd < 0 ? -nsfd : errno));
		return -1;
	}
	close(nsfd);
	child_pcap = pcap_create(a->ifname, errbuf);
	if (child_pcap == NULL) {
		dprintf(fd, "error %s\n", errbuf);
		return -1;
	}
	pcap_set_snaplen(child_pcap, (int)a->snaplen);
	pcap_set_promisc(child_pcap, 0);
	pcap_set_immediate_mode(child_pcap, 1);
	pcap_set_timeout(child_pcap, TIMEOUT_MS);
	pcap_set_buffer_size(child_pcap, BUFFER_BYTES);
	ret = pcap_activate(child_pcap);
	if (ret < 0) {
		dprintf(fd, "error %s: %s\n", a->ifname,
			ret == PCAP_ERROR ? pcap_geterr(child_pcap) : pcap_statustostr(ret));
		return -1;
	}
	if (a->in_only && pcap_setdirection(child_pcap, PCAP_D_IN) < 0) {
		dprintf(fd, "error direction: %s\n", pcap_geterr(child_pcap));
		return -1;
	}
	if (a->filter != NULL) {
		if (pcap_compile(child_pcap, &prog, a->filter, 1, PCAP_NETMASK_UNKNOWN) < 0 ||
		    pcap_setfilter(child_pcap, &prog) < 0) {
			dprintf(fd, "error filter: %s\n", pcap_geterr(child_pcap));
			return -1;
		}
		pcap_freecode(&prog);
	}
	*dump = pcap_dump_open(child_pcap, a->path);
	if (*dump == NULL) {
		dprintf(fd, "error %s\n", pcap_geterr(child_pcap));
		return -1;
	}
	dprintf(fd, "ok\n");
	return 0;
}

/* Never returns. */
static void child(const struct cap_args *a, int fd, pid_t runner)
{
	struct sigaction sa = {.sa_handler = child_on_signal}; /* no SA_RESTART */
	pcap_dumper_t *dump = NULL;
	struct pcap_stat ps = {0};
	int n = 0, code = 0;

	setpgid(0, 0); /* Ctrl-C is for the runner: it stops us in order */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGINT, SIG_IGN);
	/* a runner killed outright still ends us, with the file closed */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != runner)
		child_stop = 1;
	if (child_setup(a, fd, &dump) < 0)
		_exit(1);
	while (!child_stop && n >= 0) {
		n = pcap_dispatch(child_pcap, -1, child_dump, (u_char *)dump);
		if (n == PCAP_ERROR) {
			dprintf(fd, "error %s\n", pcap_geterr(child_pcap));
			code = 1;
		} else if (n == PCAP_ERROR_BREAK) {
			n = 0;
		}
	}
	pcap_stats(child_pcap, &ps);
	pcap_dump_close(dump);
	dprintf(fd, "stats %llu %u\n", child_frames, ps.ps_drop + ps.ps_ifdrop);
	pcap_close(child_pcap);
	_exit(code);
}

/* ---- the runner's side ----------------------------------------------- */

static struct srun_capture *cap_of(struct run *r, unsigned step)
{
	for (unsigned i = 0; i < r->n_caps; i++)
		if (r->caps[i].step == step)
			return &r->caps[i];
	return NULL;
}

int scenario_capture_init(struct run *r)
{
	unsigned n = 0;

	for (unsigned i = 0; i < r->s->n_steps; i++)
		n += r->s->steps[i].type == SCENARIO_CAPTURE;
	if (n == 0)
		return 0;
	r->caps = calloc(n, sizeof(*r->caps));
	if (r->caps == NULL)
		return -ENOMEM;
	for (unsigned i = 0; i < r->s->n_steps; i++) {
		if (r->s->steps[i].type != SCENARIO_CAPTURE)
			continue;
		r->caps[r->n_caps].step = i;
		r->caps[r->n_caps++].fd = -1;
	}
	return 0;
}

void scenario_capture_fini(struct run *r)
{
	for (unsigned i = 0; i < r->n_caps; i++)
		if (r->caps[i].fd >= 0)
			close(r->caps[i].fd);
	free(r->caps);
	r->caps = NULL;
	r->n_caps = 0;
}

/* Where to capture: the host's namespace and interface, or for a switch
 * port the fabric namespace and the switch end of the link's veth (the
 * switch's port listing names it). 0 or -errno with the step's message. */
static int where(struct run *r, const struct scenario_step *st, struct cap_args *a)
{
	char err[256] = "";
	struct lab_paths lp;
	json_t *ports = NULL, *p;
	const char *ifname, *type;
	int h = scenario_capture_host(r->t, st), ret;

	if (h >= 0) {
		lab_host_netns(r->lab, r->t->nodes[h].name, a->ns, sizeof(a->ns));
		snprintf(a->ifname, sizeof(a->ifname), "%s", strchr(st->endpoint, ':') + 1);
		return 0;
	}
	ret =
	    srun_switch_call(r->lab, json_pack("{s:s}", "cmd", "ports"), &ports, err, sizeof(err));
	if (ret < 0) {
		srun_msg(r, "ports: %s", err);
		return ret;
	}
	p = swclient_port(ports, st->endpoint);
	ifname = json_string_value(json_object_get(p, "ifname"));
	type = json_string_value(json_object_get(p, "type"));
	if (p == NULL || ifname == NULL || type == NULL || strcmp(type, "afpacket") != 0 ||
	    ifname[0] == '\0') {
		srun_msg(r, "switch port %s has no kernel interface to capture on", st->endpoint);
		json_decref(ports);
		return -ENOENT;
	}
	lab_paths(r->lab, &lp);
	snprintf(a->ns, sizeof(a->ns), "%s", lp.fabric);
	snprintf(a->ifname, sizeof(a->ifname), "%s", ifname);
	a->in_only = 1;
	json_decref(ports);
	return 0;
}

/* One line from the child, waiting up to ms (-1: until it closes). */
static int read_line(int fd, char *buf, size_t len, int ms)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	size_t o = 0;
	ssize_t n;

	while (o + 1 < len) {
		int pr = poll(&pfd, 1, ms);

		if (pr < 0 && errno == EINTR && !srun_stop)
			continue;
		if (pr <= 0)
			return pr == 0 ? -ETIMEDOUT : -errno;
		n = read(fd, buf + o, 1);
		if (n <= 0)
			return n == 0 ? -EPIPE : -errno;
		if (buf[o] == '\n')
			break;
		o++;
	}
	buf[o] = '\0';
	return 0;
}

int scenario_capture_start(struct run *r, const struct scenario_step *st)
{
	struct srun_capture *c = cap_of(r, r->idx);
	struct cap_args a = {.filter = st->filter, .snaplen = st->snaplen};
	pid_t pid, runner = getpid();
	char line[512];
	int fds[2], ret;

	if (c == NULL)
		return -ENOENT;
	snprintf(c->path, sizeof(c->path), "%s/capture-%s.pcap", r->art, st->name);
	a.path = c->path;
	ret = where(r, st, &a);
	if (ret < 0)
		return ret;
	if (pipe2(fds, O_CLOEXEC) < 0) {
		srun_msg(r, "pipe: %s", strerror(errno));
		return -errno;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(fds[0]);
		close(fds[1]);
		srun_msg(r, "fork: %s", strerror(-ret));
		return ret;
	}
	if (pid == 0) {
		close(fds[0]);
		child(&a, fds[1], runner);
	}
	close(fds[1]);
	setpgid(pid, pid);
	c->pid = pid;
	c->fd = fds[0];
	ret = read_line(c->fd, line, sizeof(line), READY_WAIT_MS);
	if (ret == 0 && strcmp(line, "ok") == 0) {
		srun_msg(r, "%s in %s", a.ifname, a.ns);
		return 0;
	}
	srun_kill_group(c->pid);
	c->pid = 0;
	if (ret == 0)
		srun_msg(r, "%s", strncmp(line, "error ", 6) == 0 ? line + 6 : line);
	else
		srun_msg(r, "capture did not start: %s", strerror(-ret));
	return srun_stop ? -EINTR : -EIO;
}

/* SIGTERM, wait for the file to be closed, read the child's count. */
static int stop_one(struct srun_capture *c)
{
	uint64_t deadline = srun_now() + STOP_WAIT_NS;
	char line[512];
	int st = 0, ret = -EIO, clean;
	pid_t w;

	kill(c->pid, SIGTERM);
	while ((w = waitpid(c->pid, &st, WNOHANG)) == 0 && srun_now() < deadline)
		srun_nap(SRUN_POLL_NS);
	clean = w == c->pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
	if (w != c->pid)
		srun_kill_group(c->pid);
	c->pid = 0;
	while (read_line(c->fd, line, sizeof(line), 0) == 0) {
		if (sscanf(line, "stats %llu %llu", &c->frames, &c->kernel_drops) == 2)
			ret = 0;
	}
	close(c->fd);
	c->fd = -1;
	c->stopped = 1;
	return clean && ret == 0 ? 0 : -EIO;
}

int scenario_capture_stop(struct run *r, const struct scenario_step *st)
{
	struct srun_capture *c = cap_of(r, st->ref);

	if (c == NULL || c->pid == 0) {
		srun_msg(r, "capture %s is not running", st->name);
		return -ENOENT;
	}
	if (stop_one(c) < 0) {
		srun_msg(r, "capture %s did not end cleanly", st->name);
		return -EIO;
	}
	srun_msg(r, "%llu frame%s, %llu dropped by the kernel", c->frames,
		 c->frames == 1 ? "" : "s", c->kernel_drops);
	return 0;
}

void scenario_capture_stop_all(struct run *r)
{
	for (unsigned i = 0; i < r->n_caps; i++)
		if (r->caps[i].pid > 0)
			stop_one(&r->caps[i]);
}

/* Frames in the file matching filter (NULL: all). 0 or -EIO with msg. */
static int count(struct run *r, const char *path, const char *filter, unsigned long long *n)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct bpf_program prog;
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;
	int ret;

	*n = 0;
	p = pcap_open_offline(path, errbuf);
	if (p == NULL) {
		srun_msg(r, "%s", errbuf);
		return -EIO;
	}
	if (filter != NULL && pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		srun_msg(r, "filter: %s", pcap_geterr(p));
		pcap_close(p);
		return -EIO;
	}
	while ((ret = pcap_next_ex(p, &h, &data)) == 1)
		if (filter == NULL || pcap_offline_filter(&prog, h, data))
			(*n)++;
	if (ret == PCAP_ERROR)
		srun_msg(r, "%s: %s", path, pcap_geterr(p));
	if (filter != NULL)
		pcap_freecode(&prog);
	pcap_close(p);
	return ret == PCAP_ERROR ? -EIO : 0;
}

int scenario_capture_expect(struct run *r, const struct scenario_step *st)
{
	struct srun_capture *c = cap_of(r, st->ref);
	unsigned long long n;
	int ret;

	if (c == NULL || !c->stopped) {
		srun_msg(r, "capture %s has no file", st->name);
		return -ENOENT;
	}
	ret = count(r, c->path, st->filter, &n);
	if (ret < 0)
		return ret;
	if (st->has_min && n < (unsigned long long)st->min) {
		srun_msg(r, "%llu frames < min %lld%s", n, st->min,
			 c->kernel_drops ? " (the kernel dropped some)" : "");
		return 1;
	}
	if (st->has_max && n > (unsigned long long)st->max) {
		srun_msg(r, "%llu frames > max %lld", n, st->max);
		return 1;
	}
	srun_msg(r, "%llu frame%s", n, n == 1 ? "" : "s");
	return 0;
}

int scenario_capture_kept(const struct run *r, const char *file)
{
	for (unsigned i = 0; i < r->n_caps; i++) {
		const char *slash = strrchr(r->caps[i].path, '/');

		if (r->s->steps[r->caps[i].step].keep && slash && strcmp(slash + 1, file) == 0)
			return 1;
	}
	return 0;
}
