/* SPDX-License-Identifier: BSD-3-Clause */
/* Hugepage reservations add what is missing, give back what they added,
 * and stay exact when labs come and go side by side. On a directory of
 * plain files standing in for /sys/kernel/mm/hugepages/hugepages-2048kB. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "hugepages.h"

struct fixture {
	char dir[64];
};

static void put(const char *dir, const char *name, long v)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%ld\n", v);
	fclose(f);
}

static long get(const char *dir, const char *name)
{
	char path[128];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%ld", &v), 1);
	fclose(f);
	return v;
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	snprintf(fx->dir, sizeof(fx->dir), "/tmp/rl-hp-XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	put(fx->dir, "nr_hugepages", 0);
	put(fx->dir, "free_hugepages", 0);
	put(fx->dir, "surplus_hugepages", 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char path[128];

	snprintf(path, sizeof(path), "%s/nr_hugepages", fx->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/free_hugepages", fx->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/surplus_hugepages", fx->dir);
	unlink(path);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

struct noted {
	long added;
	int calls;
	int fail;
};

static int note(long added, void *arg)
{
	struct noted *n = arg;

	n->calls++;
	n->added = added;
	return n->fail;
}

static void test_adds_what_is_missing(void **state)
{
	struct fixture *fx = *state;
	struct noted n = {0};
	int noted;

	put(fx->dir, "nr_hugepages", 40);
	put(fx->dir, "free_hugepages", 28);
	assert_int_equal(hugepages_reserve(fx->dir, 128, note, &n, &noted), 100);
	assert_int_equal(noted, 1);
	assert_int_equal(n.calls, 1);
	assert_int_equal(n.added, 100); /* journaled once written */
	assert_int_equal(get(fx->dir, "nr_hugepages"), 140);
	assert_int_equal(hugepages_release(fx->dir, 100), 0);
	assert_int_equal(get(fx->dir, "nr_hugepages"), 40);
}

static void test_enough_free_adds_nothing(void **state)
{
	struct fixture *fx = *state;
	struct noted n = {0};
	int noted;

	put(fx->dir, "nr_hugepages", 512);
	put(fx->dir, "free_hugepages", 300);
	assert_int_equal(hugepages_reserve(fx->dir, 128, note, &n, &noted), 0);
	assert_int_equal(noted, 0);
	assert_int_equal(n.calls, 0);
	assert_int_equal(get(fx->dir, "nr_hugepages"), 512);
	assert_int_equal(hugepages_release(fx->dir, 0), 0);
	assert_int_equal(get(fx->dir, "nr_hugepages"), 512);
}

static void test_journal_failure_adds_nothing(void **state)
{
	struct fixture *fx = *state;
	struct noted n = {.fail = -ENOSPC};
	int noted;

	assert_int_equal(hugepages_reserve(fx->dir, 128, note, &n, &noted), -ENOSPC);
	assert_int_equal(noted, 0);
	assert_int_equal(n.calls, 1);
	assert_int_equal(get(fx->dir, "nr_hugepages"), 0); /* taken back */
}

static void test_release_never_below_zero(void **state)
{
	struct fixture *fx = *state;

	put(fx->dir, "nr_hugepages", 17);
	assert_int_equal(hugepages_release(fx->dir, 128), 0);
	assert_int_equal(get(fx->dir, "nr_hugepages"), 0);
}

/* nr_hugepages counts surplus pages (given back while another process
 * still maps them; the kernel frees them when it lets go). A release sets
 * the persistent count: 144 with 16 surplus is 128 persistent, minus the
 * lab's 128 is 0. Writing 144 - 128 = 16 would keep the surplus for good. */
static void test_release_leaves_surplus_to_the_kernel(void **state)
{
	struct fixture *fx = *state;

	put(fx->dir, "nr_hugepages", 144);
	put(fx->dir, "surplus_hugepages", 16);
	assert_int_equal(hugepages_release(fx->dir, 128), 0);
	assert_int_equal(get(fx->dir, "nr_hugepages"), 0);
}

/* With surplus pages about, the target still makes `need` pages free (the
 * kernel turns surplus into persistent pages first), and the pages added
 * are counted from the persistent pool. */
static void test_reserve_with_surplus(void **state)
{
	struct fixture *fx = *state;
	struct noted n = {0};
	int noted;

	put(fx->dir, "nr_hugepages", 16);
	put(fx->dir, "surplus_hugepages", 16);
	put(fx->dir, "free_hugepages", 0);
	/* a plain file keeps surplus at 16: persistent goes from 0 to 128 */
	assert_int_equal(hugepages_reserve(fx->dir, 128, note, &n, &noted), 128);
	assert_int_equal(get(fx->dir, "nr_hugepages"), 144);
	assert_int_equal(n.added, 128);
}

static void test_no_hugepage_control(void **state)
{
	struct noted n = {0};
	int noted;

	(void)state;
	assert_int_equal(hugepages_reserve("/nonexistent/rl-hp", 128, note, &n, &noted), 0);
	assert_int_equal(n.calls, 0);
	assert_int_equal(hugepages_release("/nonexistent/rl-hp", 128), -ENOENT);
}

/* Labs up and down at once: several processes each reserve and give back
 * many times; every page added is taken away again. Without the lock the
 * read-modify-writes interleave and the count drifts. */
static void test_side_by_side_labs_stay_exact(void **state)
{
	struct fixture *fx = *state;
	enum { PROCS = 4, ROUNDS = 300 };
	pid_t pids[PROCS];

	put(fx->dir, "nr_hugepages", 10);
	for (int i = 0; i < PROCS; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			struct noted n = {0};
			int noted, bad = 0;

			for (int r = 0; r < ROUNDS; r++) {
				/* free stays 0: each reservation adds i + 1 */
				if (hugepages_reserve(fx->dir, i + 1, note, &n, &noted) != i + 1)
					bad = 1;
				if (hugepages_release(fx->dir, i + 1) != 0)
					bad = 1;
			}
			_exit(bad);
		}
	}
	for (int i = 0; i < PROCS; i++) {
		int st;

		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
	assert_int_equal(get(fx->dir, "nr_hugepages"), 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_adds_what_is_missing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_enough_free_adds_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_journal_failure_adds_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_release_never_below_zero, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_release_leaves_surplus_to_the_kernel, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_reserve_with_surplus, setup, teardown),
	    cmocka_unit_test(test_no_hugepage_control),
	    cmocka_unit_test_setup_teardown(test_side_by_side_labs_stay_exact, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
