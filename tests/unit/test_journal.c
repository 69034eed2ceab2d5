// SPDX-License-Identifier: BSD-3-Clause
/*
 * Unit tests for the lab journal (control/journal.c). No root needed: every
 * test works in its own mkdtemp() directory, removed by the teardown even
 * when an assertion fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "journal.h"

struct fixture {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/rl-journal-XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/%s", f->dir, JOURNAL_FILE);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int ret = 0;

	if (unlink(f->path) && errno != ENOENT)
		ret = -1;
	if (rmdir(f->dir))
		ret = -1;
	free(f);
	return ret;
}

static json_t *rec(const char *op, int n)
{
	return json_pack("{s:s, s:i}", "op", op, "n", n);
}

static void append_new(struct journal *j, json_t *r)
{
	assert_non_null(r);
	assert_int_equal(journal_append(j, r), 0);
	json_decref(r);
}

/* Append raw bytes to the journal file, bypassing the module. */
static void append_raw(const char *path, const char *bytes)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, bytes, strlen(bytes)), (ssize_t)strlen(bytes));
	close(fd);
}

static void test_append_load(void **state)
{
	struct fixture *f = *state;
	const char *ops[] = {"netns", "veth", "addr"};
	struct journal *j;
	json_t *all, *want;
	struct stat st;
	size_t i;

	assert_int_equal(journal_open(f->dir, &j), 0);
	for (i = 0; i < 3; i++)
		append_new(j, rec(ops[i], (int)i));
	journal_close(j);

	/* Owner-only: the journal names everything the lab created. */
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	assert_int_equal(journal_load(f->dir, &all), 0);
	assert_true(json_is_array(all));
	assert_int_equal(json_array_size(all), 3);
	for (i = 0; i < 3; i++) {
		want = rec(ops[i], (int)i);
		assert_true(json_equal(json_array_get(all, i), want));
		json_decref(want);
	}
	json_decref(all);
}

static void test_reopen_appends(void **state)
{
	struct fixture *f = *state;
	struct journal *j;
	json_t *all;

	assert_int_equal(journal_open(f->dir, &j), 0);
	append_new(j, rec("a", 1));
	journal_close(j);
	assert_int_equal(journal_open(f->dir, &j), 0);
	append_new(j, rec("b", 2));
	journal_close(j);

	assert_int_equal(journal_load(f->dir, &all), 0);
	assert_int_equal(json_array_size(all), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(all, 1), "op")), "b");
	json_decref(all);
}

static void test_torn_last_line(void **state)
{
	struct fixture *f = *state;
	struct journal *j;
	json_t *all;

	assert_int_equal(journal_open(f->dir, &j), 0);
	append_new(j, rec("a", 1));
	append_new(j, rec("b", 2));
	journal_close(j);
	append_raw(f->path, "{\"op\":\"c\",\"n\":");

	assert_int_equal(journal_load(f->dir, &all), 0);
	assert_int_equal(json_array_size(all), 2);
	json_decref(all);

	/* Reopening cuts the torn tail, so the next record is not glued to
	 * it (which would make a corrupt middle line). */
	assert_int_equal(journal_open(f->dir, &j), 0);
	append_new(j, rec("d", 4));
	journal_close(j);
	assert_int_equal(journal_load(f->dir, &all), 0);
	assert_int_equal(json_array_size(all), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(all, 2), "op")), "d");
	json_decref(all);
}

static void test_torn_only_line(void **state)
{
	struct fixture *f = *state;
	struct journal *j;
	json_t *all;

	append_raw(f->path, "{\"op\":");
	assert_int_equal(journal_load(f->dir, &all), 0);
	assert_int_equal(json_array_size(all), 0);
	json_decref(all);

	assert_int_equal(journal_open(f->dir, &j), 0);
	append_new(j, rec("a", 1));
	journal_close(j);
	assert_int_equal(journal_load(f->dir, &all), 0);
	assert_int_equal(json_array_size(all), 1);
	json_decref(all);
}

/* A record written in full but for its '\n' is still a record: keeping it
 * only makes the journal a superset of what exists. */
static void test_unterminated_valid_last_line(void **state)
{
	struct fixture *f = *state;
	json_t *all;

	append_raw(f->path, "{\"op\":\"a\"}\n{\"op\":\"b\"}");
	assert_int_equal(journal_load(f->dir, &all), 0);
	assert_int_equal(json_array_size(all), 2);
	json_decref(all);
}

static void test_corrupt_middle_line(void **state)
{
	struct fixture *f = *state;
	json_t *all = NULL;

	append_raw(f->path, "{\"op\":\"a\"}\n{\"op\":\n{\"op\":\"c\"}\n");
	assert_int_equal(journal_load(f->dir, &all), -EBADMSG);
	assert_null(all);
}

/* salvage: what something else wrote into the journal is skipped and
 * counted; the records around it are kept, a torn last line is not
 * counted */
static void test_salvage(void **state)
{
	struct fixture *f = *state;
	json_t *all = NULL;
	unsigned skipped = 7;

	append_raw(f->path, "{\"op\":\"a\"}\ngarbage\n{\"op\":\n[1]\n{\"op\":\"c\"}\n{\"op\":");
	assert_int_equal(journal_salvage(f->dir, &all, &skipped), 0);
	assert_int_equal(skipped, 3);
	assert_int_equal(json_array_size(all), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(all, 1), "op")), "c");
	json_decref(all);
}

static void test_corrupt_terminated_last_line(void **state)
{
	struct fixture *f = *state;
	json_t *all = NULL;

	/* Terminated, so not torn by a crash: someone broke the file. */
	append_raw(f->path, "{\"op\":\"a\"}\nnot json\n");
	assert_int_equal(journal_load(f->dir, &all), -EBADMSG);
	assert_null(all);
}

static void test_not_a_record(void **state)
{
	struct fixture *f = *state;
	json_t *all = NULL;

	append_raw(f->path, "{\"op\":\"a\"}\n[1,2]\n{\"op\":\"c\"}\n");
	assert_int_equal(journal_load(f->dir, &all), -EBADMSG);
	assert_null(all);
}

static void test_missing(void **state)
{
	struct fixture *f = *state;
	json_t *all = NULL;

	assert_int_equal(journal_load(f->dir, &all), -ENOENT);
	assert_null(all);
}

static void test_empty(void **state)
{
	struct fixture *f = *state;
	struct journal *j;
	json_t *all;

	assert_int_equal(journal_open(f->dir, &j), 0);
	journal_close(j);
	assert_int_equal(journal_load(f->dir, &all), 0);
	assert_int_equal(json_array_size(all), 0);
	json_decref(all);
}

static void test_nested_round_trip(void **state)
{
	struct fixture *f = *state;
	struct journal *j;
	json_t *r, *all;

	r = json_pack("{s:s, s:{s:s, s:[i,i,{s:b}], s:n}, s:s, s:f}", "op", "veth", "ends", "ns",
		      "rlk-a", "list", 1, 2, "deep", 1, "none", "name",
		      "line\nbreak \"quoted\" \xc3\xa9", "mtu", 1500.5);
	assert_non_null(r);
	assert_int_equal(journal_open(f->dir, &j), 0);
	assert_int_equal(journal_append(j, r), 0);
	assert_int_equal(journal_append(j, r), 0);
	journal_close(j);

	assert_int_equal(journal_load(f->dir, &all), 0);
	assert_int_equal(json_array_size(all), 2);
	assert_true(json_equal(json_array_get(all, 0), r));
	assert_true(json_equal(json_array_get(all, 1), r));
	json_decref(all);
	/* journal_append() borrowed the reference: r is still ours. */
	assert_int_equal(r->refcount, 1);
	json_decref(r);
}

static void test_append_rejects_non_records(void **state)
{
	struct fixture *f = *state;
	struct journal *j;
	json_t *r;

	assert_int_equal(journal_open(f->dir, &j), 0);
	r = json_pack("{s:i}", "n", 1);
	assert_int_equal(journal_append(j, r), -EINVAL);
	json_decref(r);
	r = json_pack("{s:i}", "op", 1);
	assert_int_equal(journal_append(j, r), -EINVAL);
	json_decref(r);
	r = json_pack("[s]", "op");
	assert_int_equal(journal_append(j, r), -EINVAL);
	json_decref(r);
	journal_close(j);
}

static void test_open_errors(void **state)
{
	struct fixture *f = *state;
	char missing[128];
	struct journal *j = (struct journal *)state;

	snprintf(missing, sizeof(missing), "%s/nope", f->dir);
	assert_int_equal(journal_open(missing, &j), -ENOENT);
	assert_null(j);
	journal_close(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_append_load, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reopen_appends, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_torn_last_line, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_torn_only_line, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unterminated_valid_last_line, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_corrupt_middle_line, setup, teardown),
cmocka_unit_test_setup_teardown(test_salvage, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_corrupt_terminated_last_line, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_not_a_record, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_nested_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_append_rejects_non_records, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
