/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
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
	null = open("/dev/null", O_RDONLY);
	if (null < 0 || dup2(null, 0) < 0 || dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0)
		_exit(126);
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
	struct timespec nap = {0, 1000000}; /* 1 ms, doubling to 50 ms */
	int st = 0;
	pid_t pid, r;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		hostexec_child(ns, lab, node, cmd, logfd);
	setpgid(pid, pid); /* also here: no kill(-pid) before the child's own */
	for (;;) {
		r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			return st;
		if (r < 0 && errno != EINTR)
			return -errno;
		if (*interrupted) {
			kill(-pid, SIGKILL);
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
			return -EINTR;
		}
		nanosleep(&nap, NULL);
		if (nap.tv_nsec < 50000000)
			nap.tv_nsec *= 2;
	}
}
