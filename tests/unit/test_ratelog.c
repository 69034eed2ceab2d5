/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The switch's log stream: a flood of messages (as rte_log writes them,
 * one fflush each) gets through at most per_sec a second, and what was
 * left out is counted in a line of its own, before the next message that
 * gets through and at close.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <time.h>
#include <unistd.h>

#include "ratelog.h"

static time_t coarse_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ts.tv_sec;
}

/* Wait for the start of a new second. */
static void next_second(void)
{
	time_t s = coarse_sec();

	while (coarse_sec() == s)
		usleep(1000);
}

static unsigned count(const char *text, const char *what)
{
	unsigned n = 0;

	for (const char *p = text; (p = strstr(p, what)) != NULL; p += strlen(what))
		n++;
	return n;
}

/* The sum of the counts in the "N log messages suppressed" lines. */
static unsigned long suppressed(const char *text)
{
	unsigned long n = 0;

	for (const char *p = text; (p = strstr(p, "rackless-switch: ")) != NULL; p++) {
		unsigned long k;

		if (sscanf(p, "rackless-switch: %lu log messages suppressed", &k) == 1)
			n += k;
	}
	return n;
}

static void test_flood(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len), *log;
	unsigned passed;

	(void)state;
	assert_non_null(out);
	log = ratelog_open(out, 5);
	assert_non_null(log);
	next_second();
	for (int i = 0; i < 1000; i++) {
		fprintf(log, "VHOST_CONFIG: failed to add vhost user connection with fd %d\n", i);
		fflush(log);
	}
	fflush(out);
	passed = count(text, "VHOST_CONFIG");
	print_message("    1000 messages in a burst: %u written\n", passed);
	assert_true(passed >= 5 && passed <= 10); /* 5, or 10 across a second */
	assert_int_equal(count(text, "suppressed"), passed > 5 ? 1 : 0);
	/* a second later: the count, then the message */
	next_second();
	fprintf(log, "EAL: later\n");
	fflush(log);
	fflush(out);
	assert_non_null(strstr(text, "suppressed (more than 5 a second)\nEAL: later\n"));
	assert_int_equal(suppressed(text) + passed, 1000);
	/* at close, what a last burst left out */
	for (int i = 0; i < 20; i++) {
		fprintf(log, "VHOST_CONFIG: again %d\n", i);
		fflush(log);
	}
	fclose(log);
	fflush(out);
	assert_int_equal(suppressed(text) + count(text, "VHOST_CONFIG"), 1020);
	assert_true(strlen(text) < 1500);
	fclose(out);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_flood),
	};
	return cmocka_run_group_tests_name("ratelog", tests, NULL, NULL);
}
