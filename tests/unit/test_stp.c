/* SPDX-License-Identifier: BSD-3-Clause */
/* The spanning tree blocks exactly the links that close loops. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "stp.h"

/* Union-find check: the unblocked up links form a forest that connects
 * exactly what the up links connect. */
static unsigned uf_find(unsigned *p, unsigned x)
{
	while (p[x] != x)
		x = p[x] = p[p[x]];
	return x;
}

static void assert_spanning(unsigned ns, const struct stp_link *l, unsigned n, const uint8_t *b)
{
	unsigned *all = malloc(sizeof(unsigned) * ns), *tree = malloc(sizeof(unsigned) * ns);
	unsigned comps_all = ns, edges = 0;

	for (unsigned i = 0; i < ns; i++)
		all[i] = tree[i] = i;
	for (unsigned i = 0; i < n; i++) {
		unsigned x, y;

		if (!l[i].up) {
			assert_int_equal(b[i], 0); /* down links are not "blocked" */
			continue;
		}
		x = uf_find(all, l[i].a);
		y = uf_find(all, l[i].b);
		if (x != y) {
			all[x] = y;
			comps_all--;
		}
		if (b[i])
			continue;
		x = uf_find(tree, l[i].a);
		y = uf_find(tree, l[i].b);
		assert_int_not_equal(x, y); /* an open link never closes a loop */
		tree[x] = y;
		edges++;
	}
	/* a forest with as many trees as the up graph has components */
	assert_int_equal(edges, ns - comps_all);
	free(all);
	free(tree);
}

static void test_ring(void **state)
{
	struct stp_link l[] = {{0, 1, 1}, {1, 2, 1}, {2, 3, 1}, {3, 0, 1}};
	uint8_t b[4];

	(void)state;
	assert_int_equal(stp_compute(4, l, 4, b), 0);
	assert_spanning(4, l, 4, b);
	/* from root 0: 0-1 and 3-0 are tree links, 1-2 too; 2-3 closes it */
	assert_int_equal(b[0] + b[1] + b[2] + b[3], 1);
	assert_int_equal(b[2], 1);
	/* cut an open link: the blocked one opens, failover */
	l[1].up = 0;
	assert_int_equal(stp_compute(4, l, 4, b), 0);
	assert_spanning(4, l, 4, b);
	assert_int_equal(b[0] + b[1] + b[2] + b[3], 0);
}

static void test_tree_and_parallel(void **state)
{
	/* a tree has nothing to block; a parallel link does */
	struct stp_link l[] = {{0, 1, 1}, {0, 2, 1}, {1, 3, 1}, {1, 3, 1}, {2, 2, 1}};
	uint8_t b[5];

	(void)state;
	assert_int_equal(stp_compute(4, l, 5, b), 0);
	assert_int_equal(b[0], 0);
	assert_int_equal(b[1], 0);
	assert_int_equal(b[2], 0);
	assert_int_equal(b[3], 1); /* the second cable between 1 and 3 */
	assert_int_equal(b[4], 1); /* a switch cabled to itself */
}

static void test_components(void **state)
{
	/* two separate triangles and an isolated switch */
	struct stp_link l[] = {{0, 1, 1}, {1, 2, 1}, {2, 0, 1}, {3, 4, 1}, {4, 5, 1}, {5, 3, 1}};
	uint8_t b[6];

	(void)state;
	assert_int_equal(stp_compute(7, l, 6, b), 0);
	assert_spanning(7, l, 6, b);
	assert_int_equal(b[0] + b[1] + b[2], 1);
	assert_int_equal(b[3] + b[4] + b[5], 1);
}

static void test_bad(void **state)
{
	struct stp_link l[] = {{0, 9, 1}};
	uint8_t b[1];

	(void)state;
	assert_int_equal(stp_compute(2, l, 1, b), -EINVAL);
	assert_int_equal(stp_compute(0, NULL, 0, b), 0);
}

/* A fat-tree-like mesh: every leaf to every spine; random cuts keep it a
 * spanning forest. */
static void test_mesh_cuts(void **state)
{
	enum { S = 4, L = 16 };
	struct stp_link l[S * L];
	uint8_t b[S * L];
	unsigned n = 0, seed = 1;

	(void)state;
	for (unsigned s = 0; s < S; s++)
		for (unsigned f = 0; f < L; f++)
			l[n++] = (struct stp_link){s, S + f, 1};
	for (int round = 0; round < 200; round++) {
		assert_int_equal(stp_compute(S + L, l, n, b), 0);
		assert_spanning(S + L, l, n, b);
		seed = seed * 1103515245 + 12345;
		l[(seed >> 8) % n].up ^= 1;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ring),       cmocka_unit_test(test_tree_and_parallel),
	    cmocka_unit_test(test_components), cmocka_unit_test(test_bad),
	    cmocka_unit_test(test_mesh_cuts),
	};
	return cmocka_run_group_tests_name("stp", tests, NULL, NULL);
}
