/* SPDX-License-Identifier: BSD-3-Clause */
/* afxdp UMEM group bookkeeping: slots, quotas and the shared budget, frames
 * reclaimed from a socket that leaves, no frame handed out twice (also
 * with two workers at once), and the fill-ring target policy. No kernel,
 * no EAL: the free list is an rte_ring in plain memory. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "afxdp_frames.h"

#define FS 2048u

/* Every frame is either free or held by exactly the socket owner[] says,
 * and the free ring plus what the holders hold is the whole group. */
static void assert_conserved(struct afxdp_frames *f, const struct afxdp_holder *hs, unsigned nh)
{
	uint32_t held = 0, tagged = 0;

	for (unsigned i = 0; i < nh; i++)
		held += hs[i].held;
	for (uint32_t i = 0; i < f->n_frames; i++)
		tagged += f->owner[i] != 0;
	assert_int_equal(tagged, held);
	assert_int_equal(rte_ring_count(f->free) + held, f->n_frames);
}

static void test_init(void **state)
{
	struct afxdp_frames f;

	(void)state;
	assert_int_equal(afxdp_frames_init(&f, 32, 256, FS), 0);
	assert_int_equal(f.n_frames, AFXDP_GROUP_SLOTS * 32 + 256);
	assert_int_equal(rte_ring_count(f.free), f.n_frames);
	assert_int_equal(f.borrowable, 256);
	afxdp_frames_fini(&f);
	assert_int_equal(afxdp_frames_init(&f, 0, 256, FS), -EINVAL);
	assert_int_equal(afxdp_frames_init(&f, 32, 256, 3000), -EINVAL);
	assert_int_equal(afxdp_frames_init(&f, 1u << 24, 0, FS), -EINVAL);
}

static void test_slots(void **state)
{
	struct afxdp_frames f;
	struct afxdp_holder h[AFXDP_GROUP_SLOTS + 1];

	(void)state;
	assert_int_equal(afxdp_frames_init(&f, 16, 64, FS), 0);
	for (unsigned i = 0; i < AFXDP_GROUP_SLOTS; i++) {
		assert_int_equal(afxdp_frames_join(&f, &h[i]), 0);
		assert_int_equal(h[i].slot, i);
	}
	assert_int_equal(afxdp_frames_join(&f, &h[AFXDP_GROUP_SLOTS]), -ENOSPC);
	assert_int_equal(f.members, AFXDP_GROUP_SLOTS);
	afxdp_frames_leave(&f, &h[3]);
	assert_int_equal(f.members, AFXDP_GROUP_SLOTS - 1);
	/* the freed slot is the one handed out again */
	assert_int_equal(afxdp_frames_join(&f, &h[AFXDP_GROUP_SLOTS]), 0);
	assert_int_equal(h[AFXDP_GROUP_SLOTS].slot, 3);
	afxdp_frames_fini(&f);
}

static void test_quota_and_borrow(void **state)
{
	struct afxdp_frames f;
	struct afxdp_holder a, b;
	uint64_t x[512], y[512];
	unsigned n;

	(void)state;
	assert_int_equal(afxdp_frames_init(&f, 32, 100, FS), 0);
	afxdp_frames_join(&f, &a);
	afxdp_frames_join(&f, &b);
	/* within the quota nothing is borrowed */
	assert_int_equal(afxdp_frames_take(&f, &a, x, 20, 0), 20);
	assert_int_equal(f.borrowable, 100);
	/* 12 more of its own, 28 borrowed */
	assert_int_equal(afxdp_frames_take(&f, &a, x + 20, 40, 0), 40);
	assert_int_equal(a.held, 60);
	assert_int_equal(f.borrowable, 72);
	/* b borrows the rest, and no more */
	n = afxdp_frames_take(&f, &b, y, 200, 0);
	assert_int_equal(n, 32 + 72);
	assert_int_equal(f.borrowable, 0);
	assert_int_equal(afxdp_frames_take(&f, &b, y + n, 1, 0), 0);
	/* a still gets nothing beyond what it holds... */
	assert_int_equal(afxdp_frames_take(&f, &a, x + 60, 1, 0), 0);
	/* ...until b pays back: giving 10 of its borrowed frames lends 10 */
	afxdp_frames_give(&f, &b, y + n - 10, 10);
	assert_int_equal(f.borrowable, 10);
	assert_int_equal(afxdp_frames_take(&f, &a, x + 60, 50, 0), 10);
	/* giving everything back repays what it borrowed */
	afxdp_frames_give(&f, &a, x, 70);
	assert_int_equal(a.held, 0);
	assert_int_equal(f.borrowable, 28 + 10);
	{
		struct afxdp_holder hs[2] = {a, b};
		assert_conserved(&f, hs, 2);
	}
	afxdp_frames_fini(&f);
}

/* A fill ring borrows only past 'keep': the rest is there for transmit. */
static void test_keep_for_transmit(void **state)
{
	struct afxdp_frames f;
	struct afxdp_holder a;
	uint64_t x[256];

	(void)state;
	assert_int_equal(afxdp_frames_init(&f, 16, 64, FS), 0);
	afxdp_frames_join(&f, &a);
	assert_int_equal(afxdp_frames_take(&f, &a, x, 200, 24), 16 + 40);
	assert_int_equal(f.borrowable, 24);
	assert_int_equal(afxdp_frames_take(&f, &a, x + 56, 10, 24), 0);
	assert_int_equal(afxdp_frames_take(&f, &a, x + 56, 30, 0), 24);
	assert_int_equal(f.borrowable, 0);
	assert_conserved(&f, &a, 1);
	afxdp_frames_fini(&f);
}

/* A socket that joins always finds its quota, however much the others
 * borrowed. */
static void test_newcomer_gets_quota(void **state)
{
	struct afxdp_frames f;
	struct afxdp_holder h[AFXDP_GROUP_SLOTS];
	uint64_t buf[1024];

	(void)state;
	assert_int_equal(afxdp_frames_init(&f, 16, 64, FS), 0);
	afxdp_frames_join(&f, &h[0]);
	afxdp_frames_join(&f, &h[1]);
	assert_int_equal(afxdp_frames_take(&f, &h[0], buf, 1024, 0), 16 + 64);
	assert_int_equal(afxdp_frames_take(&f, &h[1], buf, 1024, 0), 16);
	for (unsigned i = 2; i < AFXDP_GROUP_SLOTS; i++) {
		afxdp_frames_join(&f, &h[i]);
		assert_int_equal(afxdp_frames_take(&f, &h[i], buf, 1024, 0), 16);
	}
	assert_int_equal(rte_ring_count(f.free), 0);
	assert_conserved(&f, h, AFXDP_GROUP_SLOTS);
	afxdp_frames_fini(&f);
}

/* Leaving gives back what the kernel still had of the socket's frames,
 * whatever the socket itself knew. */
static void test_leave_reclaims(void **state)
{
	struct afxdp_frames f;
	struct afxdp_holder a, b;
	uint64_t x[128], y[16];

	(void)state;
	assert_int_equal(afxdp_frames_init(&f, 32, 64, FS), 0);
	afxdp_frames_join(&f, &a);
	afxdp_frames_join(&f, &b);
	assert_int_equal(afxdp_frames_take(&f, &a, x, 90, 0), 90);
	assert_int_equal(afxdp_frames_take(&f, &b, y, 16, 0), 16);
	afxdp_frames_give(&f, &a, x, 5);
	assert_int_equal(f.borrowable, 64 - 53);
	assert_int_equal(afxdp_frames_leave(&f, &a), 85);
	assert_int_equal(f.borrowable, 64);
	assert_int_equal(f.members, 1);
	for (unsigned i = 0; i < 16; i++)
		assert_int_equal(f.owner[y[i] / FS], b.slot + 1);
	assert_conserved(&f, &b, 1);
	assert_int_equal(afxdp_frames_leave(&f, &b), 16);
	assert_int_equal(rte_ring_count(f.free), f.n_frames);
	afxdp_frames_fini(&f);
}

static void test_no_frame_twice(void **state)
{
	struct afxdp_frames f;
	struct afxdp_holder a;
	uint64_t x[512];
	uint8_t *seen;
	unsigned n;

	(void)state;
	assert_int_equal(afxdp_frames_init(&f, 64, 0, FS), 0);
	afxdp_frames_join(&f, &a);
	n = afxdp_frames_take(&f, &a, x, 64, 0);
	assert_int_equal(n, 64);
	seen = calloc(f.n_frames, 1);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(x[i] % FS, 0);
		assert_true(x[i] / FS < f.n_frames);
		assert_int_equal(seen[x[i] / FS], 0);
		seen[x[i] / FS] = 1;
	}
	free(seen);
	afxdp_frames_fini(&f);
}

struct worker_arg {
	struct afxdp_frames *f;
	struct afxdp_holder h;
	unsigned seed;
	int dup; /* a frame seen twice */
};

/* What a worker does: take some, give some back, keep a few. */
static void *worker(void *v)
{
	struct worker_arg *w = v;
	uint64_t held[1024];
	unsigned n = 0;

	for (unsigned it = 0; it < 200000; it++) {
		unsigned k = (unsigned)rand_r(&w->seed) % 48 + 1;

		if (rand_r(&w->seed) & 1) {
			if (n + k > 1024)
				k = 1024 - n;
			k = afxdp_frames_take(w->f, &w->h, held + n, k, 0);
			for (unsigned i = n; i < n + k; i++) {
				/* owner[] says this holder, and no one else has it */
				if (w->f->owner[held[i] / FS] != w->h.slot + 1)
					w->dup = 1;
			}
			n += k;
		} else {
			if (k > n)
				k = n;
			afxdp_frames_give(w->f, &w->h, held + n - k, k);
			n -= k;
		}
	}
	return NULL;
}

static void test_two_workers(void **state)
{
	struct afxdp_frames f;
	struct worker_arg w[2] = {{.seed = 1}, {.seed = 2}};
	pthread_t th[2];

	(void)state;
	assert_int_equal(afxdp_frames_init(&f, 64, 256, FS), 0);
	for (unsigned i = 0; i < 2; i++) {
		w[i].f = &f;
		afxdp_frames_join(&f, &w[i].h);
		assert_int_equal(pthread_create(&th[i], NULL, worker, &w[i]), 0);
	}
	for (unsigned i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	for (unsigned i = 0; i < 2; i++) {
		struct afxdp_holder hs[2] = {w[0].h, w[1].h};

		assert_int_equal(w[i].dup, 0);
		assert_conserved(&f, hs, 2);
	}
	/* the budget is what nobody borrowed */
	assert_int_equal(f.borrowable, 256 - (w[0].h.held > 64 ? w[0].h.held - 64 : 0) -
					   (w[1].h.held > 64 ? w[1].h.held - 64 : 0));
	afxdp_frames_leave(&f, &w[0].h);
	afxdp_frames_leave(&f, &w[1].h);
	assert_int_equal(f.borrowable, 256);
	assert_int_equal(rte_ring_count(f.free), f.n_frames);
	afxdp_frames_fini(&f);
}

static void test_fill_policy(void **state)
{
	struct afxdp_fill fp;

	(void)state;
	afxdp_fill_init(&fp, 16, 128);
	assert_int_equal(fp.target, 16);
	/* a burst that empties half the ring doubles the target */
	afxdp_fill_adapt(&fp, 8, 32);
	assert_int_equal(fp.target, 32);
	afxdp_fill_adapt(&fp, 7, 32);
	assert_int_equal(fp.target, 32);
	afxdp_fill_adapt(&fp, 16, 32);
	afxdp_fill_adapt(&fp, 32, 32);
	afxdp_fill_adapt(&fp, 32, 32);
	assert_int_equal(fp.target, 128);
	/* full bursts at the maximum: it stays */
	afxdp_fill_adapt(&fp, 32, 32);
	assert_int_equal(fp.target, 128);
	/* light bursts halve it, one step per AFXDP_FILL_DECAY of them */
	for (unsigned i = 0; i < AFXDP_FILL_DECAY - 1; i++)
		afxdp_fill_adapt(&fp, i % 2, 32);
	assert_int_equal(fp.target, 128);
	afxdp_fill_adapt(&fp, 0, 32);
	assert_int_equal(fp.target, 64);
	/* a heavy burst in between starts the count again */
	for (unsigned i = 0; i < AFXDP_FILL_DECAY - 1; i++)
		afxdp_fill_adapt(&fp, 0, 32);
	afxdp_fill_adapt(&fp, 32, 32);
	assert_int_equal(fp.target, 128);
	for (unsigned i = 0; i < 10 * AFXDP_FILL_DECAY; i++)
		afxdp_fill_adapt(&fp, 0, 32);
	assert_int_equal(fp.target, 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init),
	    cmocka_unit_test(test_slots),
	    cmocka_unit_test(test_quota_and_borrow),
	    cmocka_unit_test(test_keep_for_transmit),
	    cmocka_unit_test(test_newcomer_gets_quota),
	    cmocka_unit_test(test_leave_reclaims),
	    cmocka_unit_test(test_no_frame_twice),
	    cmocka_unit_test(test_two_workers),
	    cmocka_unit_test(test_fill_policy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
