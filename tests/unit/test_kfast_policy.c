/* SPDX-License-Identifier: BSD-3-Clause */
/* The kernel fast path's pass-or-keep decision: which port pairs the kernel
 * may forward for the switch, and why not the others. No kernel, no EAL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "kfast_policy.h"

static struct kfast_side side(uint32_t id)
{
	return (struct kfast_side){
	    .id = id, .capable = 1, .link_idle = 1, .carrier = 1, .mtu = 1500};
}

static void test_plain_pair_passes(void **state)
{
	struct kfast_side a = side(1), b = side(2);

	(void)state;
	assert_int_equal(kfast_side_verdict(&a), KFAST_OK);
	assert_int_equal(kfast_pair_verdict(&a, &b), KFAST_OK);
	assert_int_equal(kfast_pair_verdict(&b, &a), KFAST_OK);
	/* mtu 0 is the default 1500 */
	b.mtu = 0;
	assert_int_equal(kfast_pair_verdict(&a, &b), KFAST_OK);
}

/* Each reason on either end keeps the pair in the switch. */
static void test_either_end_keeps(void **state)
{
	struct kfast_side a, b;

	(void)state;
	for (int end = 0; end < 2; end++) {
		a = side(1);
		b = side(2);
		(end ? &b : &a)->capable = 0;
		assert_int_equal(kfast_pair_verdict(&a, &b), KFAST_NOT_CAPABLE);
		a = side(1);
		b = side(2);
		(end ? &b : &a)->blocked = 1;
		assert_int_equal(kfast_pair_verdict(&a, &b), KFAST_BLOCKED);
		a = side(1);
		b = side(2);
		(end ? &b : &a)->link_idle = 0;
		assert_int_equal(kfast_pair_verdict(&a, &b), KFAST_LINK_EMULATED);
		/* a host end down: the kernel would drop the frames yet count
		 * them forwarded; the port itself may still get the programs */
		a = side(1);
		b = side(2);
		(end ? &b : &a)->carrier = 0;
		assert_int_equal(kfast_pair_verdict(&a, &b), KFAST_NO_CARRIER);
		assert_int_equal(kfast_side_verdict(end ? &b : &a), KFAST_OK);
	}
}

static void test_pair_rules(void **state)
{
	struct kfast_side a = side(1), b = side(2);

	(void)state;
	assert_int_equal(kfast_pair_verdict(&a, &a), KFAST_SAME_PORT);
	b.bridge = 3;
	assert_int_equal(kfast_pair_verdict(&a, &b), KFAST_OTHER_BRIDGE);
	b = side(2);
	b.mtu = 9000; /* super-frames would need cutting the other way */
	assert_int_equal(kfast_pair_verdict(&a, &b), KFAST_MTU);
	assert_int_equal(kfast_pair_verdict(&b, &a), KFAST_MTU);
	b = side(2);
	a.group = 1;
	b.group = 2;
	assert_int_equal(kfast_pair_verdict(&a, &b), KFAST_PARTITION);
	b.group = 1;
	assert_int_equal(kfast_pair_verdict(&a, &b), KFAST_OK);
	b.group = 0; /* a port of no group reaches every group */
	assert_int_equal(kfast_pair_verdict(&a, &b), KFAST_OK);
	a.group = 0;
	b.group = 7;
	assert_int_equal(kfast_pair_verdict(&a, &b), KFAST_OK);
}

static void test_names(void **state)
{
	(void)state;
	for (int v = 0; v < KFAST__COUNT; v++)
		assert_string_not_equal(kfast_verdict_name(v), "?");
	assert_string_equal(kfast_verdict_name(KFAST__COUNT), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain_pair_passes),
	    cmocka_unit_test(test_either_end_keeps),
	    cmocka_unit_test(test_pair_rules),
	    cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
