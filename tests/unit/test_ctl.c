/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control protocol: every malformed request gets an error reply and the
 * switch state is unchanged; well-formed ones do what they say.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "ctl.h"
#include "ctl_priv.h"
#include "dp_support.h"
#include "worker.h"

struct env {
	char dir[64], path[128];
	struct rte_mempool *mp;
	struct sw *sw;
	struct ctl *ctl;
};

static json_t *call(struct env *e, const char *line, bool *shutdown)
{
	bool dummy = false;
	return ctl_handle(e->ctl, line, strlen(line), shutdown ? shutdown : &dummy);
}

/* Expect an error reply with errno err; returns nothing, frees the reply. */
static void expect_error(struct env *e, const char *line, int err)
{
	json_t *r = call(e, line, NULL);

	assert_non_null(r);
	assert_true(json_is_false(json_object_get(r, "ok")));
	assert_non_null(json_string_value(json_object_get(r, "error")));
	assert_int_equal(json_integer_value(json_object_get(r, "errno")), err);
	json_decref(r);
}

static json_t *expect_ok(struct env *e, const char *line)
{
	json_t *r = call(e, line, NULL), *res;

	assert_non_null(r);
	if (!json_is_true(json_object_get(r, "ok")))
		fail_msg("%s -> %s", line, json_string_value(json_object_get(r, "error")));
	res = json_incref(json_object_get(r, "result"));
	json_decref(r);
	return res;
}

static void test_malformed(void **state)
{
	struct env *e = *state;
	static const char *const bad[] = {
	    "",
	    "not json",
	    "{\"cmd\": \"ping\"",
	    "[1, 2, 3]",
	    "\"ping\"",
	    "{}",
	    "{\"cmd\": 42}",
	    "{\"cmd\": null}",
	    "{\"cmd\": \"ping\", \"cmd\": \"ping\"}",
	    "{\"cmd\": \"add-port\"}",
	    "{\"cmd\": \"add-port\", \"name\": 5, \"type\": \"ring\", \"bridge\": \"b\"}",
	    "{\"cmd\": \"add-port\", \"name\": \"x\", \"type\": \"bogus\", \"bridge\": \"b\"}",
	    "{\"cmd\": \"add-port\", \"name\": \"x\", \"type\": \"ring\"}",
	    "{\"cmd\": \"add-port\", \"name\": \"x\", \"type\": \"afpacket\", \"bridge\": \"b\"}",
	    "{\"cmd\": \"add-port\", \"name\": \"x\", \"type\": \"ring\", \"bridge\": \"b\", "
	    "\"mac\": \"zz:00\"}",
	    "{\"cmd\": \"add-port\", \"name\": \"x\", \"type\": \"ring\", \"bridge\": \"b\", "
	    "\"mtu\": \"big\"}",
	    "{\"cmd\": \"add-port\", \"name\": \"x\", \"type\": \"ring\", \"bridge\": \"b\", "
	    "\"mtu\": 9}",
	    "{\"cmd\": \"del-port\"}",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_error(e, bad[i], EINVAL);
	expect_error(e, "{\"cmd\": \"frobnicate\"}", EOPNOTSUPP);
	expect_error(e, "{\"cmd\": \"del-port\", \"name\": \"nope\"}", ENOENT);
	/* an afpacket port on an interface that does not exist */
	expect_error(e,
		     "{\"cmd\": \"add-port\", \"name\": \"x\", \"type\": \"afpacket\", "
		     "\"bridge\": \"b\", \"ifname\": \"rl-no-such\"}",
		     ENODEV);
	/* nothing of the above left a port behind */
	assert_int_equal(e->sw->n_ports, 0);
}

static void test_ports_and_stats(void **state)
{
	struct env *e = *state;
	struct timespec c0, c1;
	json_t *r, *p, *w;
	json_int_t t0;

	r = expect_ok(e, "{\"cmd\": \"add-port\", \"name\": \"sw1:p1\", \"type\": \"ring\", "
			 "\"bridge\": \"sw1\"}");
	assert_int_equal(json_integer_value(json_object_get(r, "id")), 0);
	json_decref(r);
	expect_error(e,
		     "{\"cmd\": \"add-port\", \"name\": \"sw1:p1\", \"type\": \"ring\", "
		     "\"bridge\": \"sw1\"}",
		     EEXIST);
	r = expect_ok(e, "{\"cmd\": \"ports\"}");
	assert_int_equal(json_array_size(r), 1);
	p = json_array_get(r, 0);
	assert_string_equal(json_string_value(json_object_get(p, "name")), "sw1:p1");
	assert_string_equal(json_string_value(json_object_get(p, "bridge")), "sw1");
	assert_string_equal(json_string_value(json_object_get(p, "type")), "ring");
	json_decref(r);

	r = expect_ok(e, "{\"cmd\": \"stats\"}");
	/* every drop reason is named and counted */
	for (int d = 0; d < SW_DROP__COUNT; d++)
		assert_non_null(json_object_get(json_object_get(r, "drops"), sw_drop_name(d)));
	p = json_object_get(json_array_get(json_object_get(r, "ports"), 0), "drops");
	for (int d = 0; d < PORT_DROP__COUNT; d++)
		assert_non_null(json_object_get(p, port_drop_name(d)));
	assert_non_null(json_object_get(r, "fdb"));
	t0 = json_integer_value(json_object_get(r, "time_ns"));
	assert_true(t0 > 0);
	json_decref(r);

	/* the workers' CPU time, read from their threads: here this thread
	 * stands in for the worker and burns 100 ms of CPU */
	e->sw->workers[0]->tid = (int)gettid();
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
	do {
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
	} while ((c1.tv_sec - c0.tv_sec) * 1000000000L + (c1.tv_nsec - c0.tv_nsec) < 100000000L);
	r = expect_ok(e, "{\"cmd\": \"stats\"}");
	assert_true(json_integer_value(json_object_get(r, "time_ns")) >= t0 + 100000000);
	w = json_array_get(json_object_get(r, "workers"), 0);
	assert_true(json_integer_value(json_object_get(w, "user_ns")) +
			json_integer_value(json_object_get(w, "sys_ns")) >=
		    50000000);
	e->sw->workers[0]->tid = 0;
	json_decref(r);

	r = expect_ok(e, "{\"cmd\": \"fdb\"}");
	assert_int_equal(json_array_size(r), 0);
	json_decref(r);
	json_decref(expect_ok(e, "{\"cmd\": \"del-port\", \"name\": \"sw1:p1\"}"));
	assert_int_equal(e->sw->n_ports, 0);
}

static void test_shutdown(void **state)
{
	struct env *e = *state;
	bool down = false;
	json_t *r;

	r = call(e, "{\"cmd\": \"ping\"}", &down);
	assert_false(down);
	json_decref(r);
	r = call(e, "{\"cmd\": \"shutdown\"}", &down);
	assert_true(json_is_true(json_object_get(r, "ok")));
	assert_true(down);
	json_decref(r);
}

/* A request read after its client stopped waiting (a switch that was
 * stopped, then resumed) is refused, not applied; one within its deadline
 * is served; a mistyped deadline is a bad request. */
static void test_deadline(void **state)
{
	struct env *e = *state;
	struct timespec ts;
	char line[256];
	long long now_ms;
	json_t *r;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now_ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	snprintf(line, sizeof(line),
		 "{\"cmd\": \"add-port\", \"name\": \"sw1:p1\", \"type\": \"ring\", "
		 "\"bridge\": \"sw1\", \"deadline\": %lld}",
		 now_ms - 1);
	expect_error(e, line, ETIMEDOUT);
	assert_int_equal(e->sw->n_ports, 0); /* not applied */
	expect_error(e, "{\"cmd\": \"ping\", \"deadline\": \"soon\"}", EINVAL);
	expect_error(e, "{\"cmd\": \"ping\", \"deadline\": -5}", EINVAL);
	snprintf(line, sizeof(line), "{\"cmd\": \"ping\", \"deadline\": %lld}", now_ms + 60000);
	r = call(e, line, NULL);
	assert_true(json_is_true(json_object_get(r, "ok")));
	json_decref(r);
}

static const char *out_params(json_t *link_show)
{
	return json_string_value(json_object_get(json_object_get(link_show, "out"), "params"));
}

/* A batch is all or nothing: it runs its steps in order and returns their
 * results; a step that is no request a batch can run (a port made or
 * removed, a nested batch, shutdown), bad arguments or a port that is not
 * there refuse the whole batch before anything runs; an expired batch
 * applies none of its steps; a port's saved settings come back whole
 * (what undoes the steps before one that fails when applied). */
static void test_batch(void **state)
{
	struct env *e = *state;
	char line[512];
	struct timespec ts;
	struct ctl_saved sv;
	bool down = false;
	json_t *r;

	json_decref(expect_ok(e, "{\"cmd\": \"add-port\", \"name\": \"sw1:p1\", \"type\": "
				 "\"ring\", \"bridge\": \"sw1\"}"));
	r = expect_ok(e, "{\"cmd\": \"batch\", \"requests\": ["
			 "{\"cmd\": \"link-set\", \"name\": \"sw1:p1\", \"dir\": \"out\", "
			 "\"params\": \"delay=5ms\"},"
			 "{\"cmd\": \"port-state\", \"name\": \"sw1:p1\", \"blocked\": true},"
			 "{\"cmd\": \"fdb-flush\"},"
			 "{\"cmd\": \"link-show\", \"name\": \"sw1:p1\"}]}");
	assert_int_equal(json_array_size(r), 4);
	assert_non_null(strstr(out_params(json_array_get(r, 0)), "delay=5ms"));
	assert_true(json_is_true(json_object_get(json_array_get(r, 3), "blocked")));
	json_decref(r);

	/* refused whole, nothing of it applied (the link-set of step 1 not
	 * either) */
	static const char *const refused[] = {
	    "{\"cmd\": \"add-port\", \"name\": \"sw1:p2\", \"type\": \"ring\", \"bridge\": "
	    "\"sw1\"}",
	    "{\"cmd\": \"del-port\", \"name\": \"sw1:p1\"}",
	    "{\"cmd\": \"batch\"}",
	    "{\"cmd\": \"frob\"}",
	    "7",
	    "{\"cmd\": \"link-set\", \"name\": \"sw1:nope\", \"dir\": \"out\", \"params\": "
	    "\"delay=1ms\"}",
	    "{\"cmd\": \"link-set\", \"name\": \"sw1:p1\", \"dir\": \"out\", \"params\": "
	    "\"delay=-1ms\"}",
	    "{\"cmd\": \"port-state\", \"name\": \"sw1:nope\", \"blocked\": false}",
	    "{\"cmd\": \"port-group\", \"name\": \"sw1:p1\", \"group\": 70000}",
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		snprintf(line, sizeof(line),
			 "{\"cmd\": \"batch\", \"requests\": ["
			 "{\"cmd\": \"link-set\", \"name\": \"sw1:p1\", \"dir\": \"out\", "
			 "\"params\": \"delay=9ms\"}, %s]}",
			 refused[i]);
		r = call(e, line, NULL);
		assert_true(json_is_false(json_object_get(r, "ok")));
		assert_non_null(strstr(json_string_value(json_object_get(r, "error")), "step 2"));
		assert_non_null(strstr(json_string_value(json_object_get(r, "error")), "nothing applied"));
		json_decref(r);
		r = expect_ok(e, "{\"cmd\": \"link-show\", \"name\": \"sw1:p1\"}");
		assert_non_null(strstr(out_params(r), "delay=5ms"));
		json_decref(r);
	}
	expect_error(e, "{\"cmd\": \"batch\", \"requests\": {}}", EINVAL);
	r = call(e, "{\"cmd\": \"batch\", \"requests\": [{\"cmd\": \"shutdown\"}]}", &down);
	assert_true(json_is_false(json_object_get(r, "ok")));
	assert_false(down);
	json_decref(r);
	assert_int_equal(e->sw->n_ports, 1);

	/* saved settings come back whole: link parameters, state, group */
	ctl_port_save(sw_port_find(e->sw, "sw1:p1"), &sv);
	json_decref(expect_ok(e, "{\"cmd\": \"batch\", \"requests\": ["
				 "{\"cmd\": \"link-set\", \"name\": \"sw1:p1\", \"dir\": \"both\", "
				 "\"params\": \"loss=50% state=down\", \"replace\": true},"
				 "{\"cmd\": \"port-state\", \"name\": \"sw1:p1\", \"blocked\": false},"
				 "{\"cmd\": \"port-group\", \"name\": \"sw1:p1\", \"group\": 3}]}"));
	ctl_port_restore(e->ctl, &sv);
	r = expect_ok(e, "{\"cmd\": \"link-show\", \"name\": \"sw1:p1\"}");
	assert_string_equal(out_params(r), "delay=5ms");
	assert_true(json_is_true(json_object_get(r, "blocked")));
	json_decref(r);
	assert_int_equal(sw_port_find(e->sw, "sw1:p1")->group, 0);

	/* expired: none of it */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(line, sizeof(line),
		 "{\"cmd\": \"batch\", \"deadline\": %lld, \"requests\": ["
		 "{\"cmd\": \"port-state\", \"name\": \"sw1:p1\", \"blocked\": false}]}",
		 (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 - 1);
	expect_error(e, line, ETIMEDOUT);
	assert_true(sw_port_find(e->sw, "sw1:p1")->blocked);
	json_decref(expect_ok(e, "{\"cmd\": \"del-port\", \"name\": \"sw1:p1\"}"));
}

/* ---- over the socket, ctl_run on a thread of its own ---- */

static void *run_ctl(void *arg)
{
	struct env *e = arg;

	return (void *)(intptr_t)ctl_run(e->ctl, -1);
}

static int connect_ctl(struct env *e)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_true(strlen(e->path) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, e->path, strlen(e->path) + 1);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Lines received on fd until n arrived or nothing came for 10 s. */
static unsigned read_lines(int fd, unsigned n, char *last, size_t last_len)
{
	static char buf[65536];
	unsigned got = 0;
	size_t at = 0;

	while (got < n) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		ssize_t r;

		if (poll(&pfd, 1, 10000) <= 0)
			break;
		r = recv(fd, buf, sizeof(buf), 0);
		if (r <= 0)
			break;
		for (ssize_t i = 0; i < r; i++) {
			if (buf[i] == '\n') {
				got++;
				if (last != NULL)
					last[at < last_len ? at : last_len - 1] = '\0';
				at = 0;
			} else if (last != NULL && at + 1 < last_len) {
				last[at++] = buf[i];
			}
		}
	}
	return got;
}

/* A client that sends many requests and reads none of the replies holds
 * its own replies, not the control thread: another client is answered
 * meanwhile, and the first still gets every reply, in order, when it
 * reads (before, the thread blocked up to 2 s per reply, and dropped the
 * client). */
static void test_client_not_reading(void **state)
{
	struct env *e = *state;
	const char req[] = "{\"cmd\": \"stats\"}\n";
	unsigned n = 3000, sent = 0;
	char last[256];
	pthread_t th;
	void *rc;
	int a, b;

	assert_int_equal(pthread_create(&th, NULL, run_ctl, e), 0);
	a = connect_ctl(e);
	/* as many as the socket takes: the switch reads them as A reads */
	for (unsigned i = 0; i < n; i++)
		sent += send(a, req, sizeof(req) - 1, MSG_DONTWAIT | MSG_NOSIGNAL) ==
			(ssize_t)sizeof(req) - 1;
	usleep(200 * 1000);
	b = connect_ctl(e);
	assert_int_equal(send(b, "{\"cmd\": \"ping\"}\n", 16, MSG_NOSIGNAL), 16);
	assert_int_equal(read_lines(b, 1, last, sizeof(last)), 1);
	assert_non_null(strstr(last, "\"ok\":true"));
	/* A reads now: a reply for each request it got in */
	print_message("    %u requests in, A reading none\n", sent);
	assert_true(sent >= 50);
	assert_int_equal(read_lines(a, sent, NULL, 0), sent);
	assert_int_equal(send(b, "{\"cmd\": \"shutdown\"}\n", 20, MSG_NOSIGNAL), 20);
	assert_int_equal(read_lines(b, 1, last, sizeof(last)), 1);
	assert_int_equal(pthread_join(th, &rc), 0);
	assert_int_equal((intptr_t)rc, 0);
	close(a);
	close(b);
}

static int setup(void **state)
{
	static struct env e;

	if (dp_test_eal_init() < 0)
		return -1;
	snprintf(e.dir, sizeof(e.dir), "/tmp/rltest-ctl-XXXXXX");
	if (mkdtemp(e.dir) == NULL)
		return -1;
	snprintf(e.path, sizeof(e.path), "%s/s.sock", e.dir);
	e.mp = dp_test_pool("t_ctl", 1023);
	e.sw = e.mp ? sw_create(&(struct sw_conf){.n_workers = 1, .pool = e.mp}) : NULL;
	e.ctl = e.sw ? ctl_create(e.sw, e.path) : NULL;
	*state = &e;
	return e.ctl ? 0 : -1;
}

static int teardown(void **state)
{
	struct env *e = *state;

	ctl_destroy(e->ctl);
	assert_int_equal(access(e->path, F_OK), -1); /* socket unlinked */
	sw_destroy(e->sw);
	rmdir(e->dir);
	dp_test_eal_fini();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_ports_and_stats),
	    cmocka_unit_test(test_shutdown),
	    cmocka_unit_test(test_deadline),
	    cmocka_unit_test(test_batch),
	    cmocka_unit_test(test_client_not_reading),
	};
	return cmocka_run_group_tests_name("ctl", tests, setup, teardown);
}
