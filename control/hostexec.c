/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hostexec.h"
#include "netns.h"

/* In the child: everything up to the exec; never returns. */
static void hostexec_child(const char *ns, const char *lab, const char *node, const char *cmd,
			   int logfd)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT};
	sigset_t none;
	int null;

	setpgid(0, 0);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null < 0 || dup2(null, 0) < 0 || dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0)
		_exit(126); /* dup2 clears CLOEXEC on 0-2 only: null itself closes */
	/* a daemon the command starts keeps none of the CLI's descriptors
	 * (a pipe around `up` would not see its end while the lab is up) */
	close_range(3, ~0U, 0);
	if (netns_enter_for_exec(ns) < 0)
		_exit(126);
	if (setenv("RACKLESS_LAB", lab, 1) < 0 || setenv("RACKLESS_NODE", node, 1) < 0)
		_exit(126);
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(127);
}

int hostexec_run(const char *ns, const char *lab, const char *node, const char *cmd, int logfd,
		 volatile sig_atomic_t *interrupted)
{
	int st = 0, pfd;
	pid_t pid, r;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		hostexec_child(ns, lab, node, cmd, logfd);
	setpgid(pid, pid); /* also here: no kill(-pid) before the child's own */
	/* readable when the shell exits; polled in 100 ms steps so that an
	 * interrupt is seen however the signal and the wait interleave */
	pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	for (;;) {
		r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			st = -errno;
			break;
		}
		if (*interrupted) {
			kill(-pid, SIGKILL);
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
			st = -EINTR;
			break;
		}
		if (pfd >= 0)
			poll(&(struct pollfd){.fd = pfd, .events = POLLIN}, 1, 100);
		else
			usleep(1000); /* no pidfd (Linux < 5.3): poll the child */
	}
	if (pfd >= 0)
		close(pfd);
	return st;
}
