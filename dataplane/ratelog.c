/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "ratelog.h"

struct ratelog {
	FILE *out;
	unsigned per_sec;
	time_t sec;	     /* the second being counted */
	unsigned n;	     /* messages in it */
	uint64_t suppressed; /* since the last report */
};

static void ratelog_report(struct ratelog *r)
{
	if (r->suppressed == 0)
		return;
	fprintf(r->out, "rackless-switch: %llu log messages suppressed (more than %u a second)\n",
		(unsigned long long)r->suppressed, r->per_sec);
	r->suppressed = 0;
}

/* One message: what stdio hands over at each fflush (rte_log flushes after
 * every message). The stream's own lock serializes calls. */
static ssize_t ratelog_write(void *cookie, const char *buf, size_t len)
{
	struct ratelog *r = cookie;
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	if (ts.tv_sec != r->sec) {
		r->sec = ts.tv_sec;
		r->n = 0;
	}
	if (r->n >= r->per_sec) {
		r->suppressed++;
		return (ssize_t)len;
	}
	r->n++;
	ratelog_report(r);
	fwrite(buf, 1, len, r->out);
	fflush(r->out);
	return (ssize_t)len;
}

static int ratelog_close(void *cookie)
{
	struct ratelog *r = cookie;

	ratelog_report(r);
	fflush(r->out);
	free(r);
	return 0;
}

FILE *ratelog_open(FILE *out, unsigned per_sec)
{
	cookie_io_functions_t io = {.write = ratelog_write, .close = ratelog_close};
	struct ratelog *r = calloc(1, sizeof(*r));
	FILE *f;

	if (r == NULL)
		return NULL;
	r->out = out;
	r->per_sec = per_sec ? per_sec : 1;
	f = fopencookie(r, "w", io);
	if (f == NULL) {
		free(r);
		return NULL;
	}
	/* a buffer of its own: each message reaches ratelog_write whole */
	setvbuf(f, NULL, _IOFBF, 4096);
	return f;
}
