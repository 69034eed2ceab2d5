/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "swclient.h"

struct swclient {
	int fd;
	char *buf;
	size_t len, cap;
};

struct swclient *swclient_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct swclient *c;
	int err;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = errno;
		swclient_close(c);
		errno = err;
		return NULL;
	}
	return c;
}

void swclient_close(struct swclient *c)
{
	if (c == NULL)
		return;
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	free(c);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int swclient_send(struct swclient *c, const char *s, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = send(c->fd, s + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		off += (size_t)n;
	}
	return 0;
}

/* Read until a full line is buffered; return it (NUL-terminated, in the
 * buffer) and its length. */
static int swclient_line(struct swclient *c, int timeout_ms, char **line)
{
	long deadline = now_ms() + timeout_ms;
	char *nl;

	while ((nl = c->len ? memchr(c->buf, '\n', c->len) : NULL) == NULL) {
		struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
		long left = deadline - now_ms();
		ssize_t n;
		int pr;

		if (left <= 0)
			return -ETIMEDOUT;
		pr = poll(&pfd, 1, (int)left);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0)
			return -errno;
		if (pr == 0)
			return -ETIMEDOUT;
		if (c->cap - c->len < 4096) {
			size_t cap = c->cap ? c->cap * 2 : 16384;
			char *b = realloc(c->buf, cap);
			if (b == NULL)
				return -ENOMEM;
			c->buf = b;
			c->cap = cap;
		}
		n = recv(c->fd, c->buf + c->len, c->cap - c->len - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ECONNRESET;
		c->len += (size_t)n;
	}
	*nl = '\0';
	*line = c->buf;
	return (int)(nl - c->buf);
}

static void swclient_consume(struct swclient *c, int linelen)
{
	size_t used = (size_t)linelen + 1;

	memmove(c->buf, c->buf + used, c->len - used);
	c->len -= used;
}

int swclient_raw(struct swclient *c, const char *line, int timeout_ms, char **reply)
{
	char *l = NULL;
	int ret;

	ret = swclient_send(c, line, strlen(line));
	if (ret == 0)
		ret = swclient_send(c, "\n", 1);
	if (ret < 0)
		return ret;
	ret = swclient_line(c, timeout_ms, &l);
	if (ret < 0)
		return ret;
	*reply = strdup(l);
	swclient_consume(c, ret);
	return *reply ? 0 : -ENOMEM;
}

/* The request's deadline (see dataplane/ctl.c): the switch refuses it once
 * the caller has stopped waiting, so a switch that was stopped and resumes
 * never applies a change the caller reported as failed. The caller waits
 * SWCLIENT_GRACE_MS past it for a reply the switch wrote just in time. */
#define SWCLIENT_GRACE_MS 1000

static long long swclient_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int swclient_call(struct swclient *c, const json_t *req, int timeout_ms, json_t **result, char *err,
		  size_t errlen)
{
	json_t *r = json_copy((json_t *)req); /* shallow: the deadline is the copy's */
	char *s = NULL, *reply = NULL;
	int ret;

	if (result != NULL)
		*result = NULL;
	if (r == NULL || !json_is_object(r) ||
	    json_object_set_new(r, "deadline", json_integer(swclient_now_ms() + timeout_ms)) < 0 ||
	    (s = json_dumps(r, JSON_COMPACT)) == NULL) {
		json_decref(r);
		return -ENOMEM;
	}
	json_decref(r);
	r = NULL;
	ret = swclient_raw(c, s, timeout_ms + SWCLIENT_GRACE_MS, &reply);
	if (ret < 0)
		goto out;
	r = json_loads(reply, 0, NULL);
	if (r == NULL || !json_is_object(r)) {
		ret = -EBADMSG;
		goto out;
	}
	if (!json_is_true(json_object_get(r, "ok"))) {
		json_t *e = json_object_get(r, "errno");
		ret = json_is_integer(e) && json_integer_value(e) > 0 ? -(int)json_integer_value(e)
								      : -EIO;
		if (err != NULL)
			snprintf(err, errlen, "%s",
				 json_string_value(json_object_get(r, "error")) ?: "switch error");
		goto out;
	}
	if (result != NULL) {
		*result = json_object_get(r, "result");
		*result = *result ? json_incref(*result) : json_null();
	}
	ret = 0;
out:
	json_decref(r);
	free(reply);
	free(s);
	return ret;
}

json_t *swclient_port(json_t *ports, const char *name)
{
	size_t i;
	json_t *p;

	json_array_foreach(ports, i, p) {
		const char *n = json_string_value(json_object_get(p, "name"));

		if (n != NULL && strcmp(n, name) == 0)
			return p;
	}
	return NULL;
}
