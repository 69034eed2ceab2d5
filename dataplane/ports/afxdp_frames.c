/* SPDX-License-Identifier: BSD-3-Clause */
/* Frame accounting of a shared UMEM group: see afxdp_frames.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "afxdp_frames.h"

int afxdp_frames_init(struct afxdp_frames *f, uint32_t quota, uint32_t shared, uint32_t frame_size)
{
	uint64_t n = (uint64_t)AFXDP_GROUP_SLOTS * quota + shared;
	uint32_t ring_n;
	ssize_t size;
	int ret;

	memset(f, 0, sizeof(*f));
	if (quota == 0 || n > (1u << 24) || frame_size == 0 || (frame_size & (frame_size - 1)))
		return -EINVAL;
	/* a power of two above n: the ring's capacity is its size - 1 */
	ring_n = rte_align32pow2((uint32_t)n + 1);
	size = rte_ring_get_memsize(ring_n);
	if (size < 0)
		return -EINVAL;
	f->free =
	    aligned_alloc(RTE_CACHE_LINE_SIZE, RTE_ALIGN_CEIL((size_t)size, RTE_CACHE_LINE_SIZE));
	f->owner = calloc(n, 1);
	if (f->free == NULL || f->owner == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	/* rte_ring_init, not rte_ring_create: a lab has thousands of groups
	 * and EAL memzones are few; the name is not registered anywhere */
	ret = rte_ring_init(f->free, "afxdp", ring_n, 0);
	if (ret < 0)
		goto fail;
	f->n_frames = (uint32_t)n;
	f->frame_size = frame_size;
	f->quota = quota;
	f->borrowable = (int32_t)shared;
	for (uint32_t i = 0; i < f->n_frames; i++) {
		uint64_t a = (uint64_t)i * frame_size;

		rte_ring_enqueue_elem(f->free, &a, sizeof(a));
	}
	return 0;
fail:
	afxdp_frames_fini(f);
	return ret;
}

void afxdp_frames_fini(struct afxdp_frames *f)
{
	free(f->free);
	free(f->owner);
	memset(f, 0, sizeof(*f));
}

int afxdp_frames_join(struct afxdp_frames *f, struct afxdp_holder *h)
{
	for (unsigned s = 0; s < AFXDP_GROUP_SLOTS; s++) {
		if (f->slots_used & (1u << s))
			continue;
		f->slots_used |= 1u << s;
		f->members++;
		h->slot = (uint8_t)s;
		h->held = 0;
		return 0;
	}
	return -ENOSPC;
}

/* Frames held beyond the quota are borrowed. */
static inline uint32_t afxdp_over(const struct afxdp_frames *f, uint32_t held)
{
	return held > f->quota ? held - f->quota : 0;
}

uint32_t afxdp_frames_leave(struct afxdp_frames *f, struct afxdp_holder *h)
{
	uint8_t tag = (uint8_t)(h->slot + 1);
	uint32_t found = 0;

	for (uint32_t i = 0; i < f->n_frames; i++) {
		uint64_t a = (uint64_t)i * f->frame_size;

		if (f->owner[i] != tag)
			continue;
		f->owner[i] = 0;
		rte_ring_enqueue_elem(f->free, &a, sizeof(a));
		found++;
	}
	__atomic_fetch_add(&f->borrowable, (int32_t)afxdp_over(f, h->held), __ATOMIC_RELEASE);
	f->slots_used &= ~(1u << h->slot);
	f->members--;
	h->held = 0;
	return found;
}

/* Lend up to want frames of the shared budget, leaving keep; returns how
 * many. */
static uint32_t afxdp_borrow(struct afxdp_frames *f, uint32_t want, uint32_t keep)
{
	int32_t avail = __atomic_load_n(&f->borrowable, __ATOMIC_ACQUIRE);
	int32_t k;

	do {
		if (avail <= (int32_t)keep)
			return 0;
		k = avail - (int32_t)keep < (int32_t)want ? avail - (int32_t)keep : (int32_t)want;
	} while (!__atomic_compare_exchange_n(&f->borrowable, &avail, avail - k, false,
					      __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
	return (uint32_t)k;
}

unsigned afxdp_frames_take(struct afxdp_frames *f, struct afxdp_holder *h, uint64_t *addrs,
			   unsigned n, uint32_t keep)
{
	uint32_t own = h->held < f->quota ? f->quota - h->held : 0;
	uint32_t k = n < own ? n : own;
	uint8_t tag = (uint8_t)(h->slot + 1);

	if (n > k)
		k += afxdp_borrow(f, n - k, keep);
	if (k == 0)
		return 0;
	/* the budget guarantees the frames are there (afxdp_frames.h) */
	if (rte_ring_dequeue_bulk_elem(f->free, addrs, sizeof(*addrs), k, NULL) != k) {
		__atomic_fetch_add(&f->borrowable,
				   (int32_t)(afxdp_over(f, h->held + k) - afxdp_over(f, h->held)),
				   __ATOMIC_RELEASE);
		return 0;
	}
	for (uint32_t i = 0; i < k; i++)
		f->owner[addrs[i] / f->frame_size] = tag;
	h->held += k;
	return k;
}

void afxdp_frames_give(struct afxdp_frames *f, struct afxdp_holder *h, const uint64_t *addrs,
		       unsigned n)
{
	uint32_t repay;

	if (n == 0)
		return;
	for (unsigned i = 0; i < n; i++)
		f->owner[addrs[i] / f->frame_size] = 0;
	/* into the ring before the budget: a borrower never finds the ring
	 * short of what the budget promised */
	rte_ring_enqueue_bulk_elem(f->free, addrs, sizeof(*addrs), n, NULL);
	repay = afxdp_over(f, h->held) - afxdp_over(f, h->held - n);
	h->held -= n;
	if (repay > 0)
		__atomic_fetch_add(&f->borrowable, (int32_t)repay, __ATOMIC_RELEASE);
}

void afxdp_fill_init(struct afxdp_fill *fp, uint32_t min, uint32_t max)
{
	fp->min = min;
	fp->max = max < min ? min : max;
	fp->target = min;
	fp->quiet = 0;
}

void afxdp_fill_adapt(struct afxdp_fill *fp, unsigned got, unsigned burst)
{
	unsigned heavy = fp->target / 2 < burst ? fp->target / 2 : burst;

	if (got >= heavy && got > 0) {
		fp->target = fp->target * 2 > fp->max ? fp->max : fp->target * 2;
		fp->quiet = 0;
	} else if (++fp->quiet >= AFXDP_FILL_DECAY) {
		fp->target = fp->target / 2 < fp->min ? fp->min : fp->target / 2;
		fp->quiet = 0;
	}
}
