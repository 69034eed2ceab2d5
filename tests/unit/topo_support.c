/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the topology unit tests. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "topo_support.h"

#define SELF "tests/unit/topo_support.c"

static int try_path(char *buf, size_t len, const char *dir, const char *rel)
{
	if ((size_t)snprintf(buf, len, "%s%s", dir, rel) >= len)
		return 0;
	return access(buf, R_OK) == 0;
}

/*
 * A file of the source tree. meson compiles from the build directory, so
 * __FILE__ is either absolute or relative to the build directory: try it
 * from the cwd and from the directories above the test binary.
 */
const char *source_path(const char *rel, char *buf, size_t len)
{
	const char *root = getenv("RL_SOURCE_ROOT");
	char prefix[PATH_MAX], dir[PATH_MAX], exe[PATH_MAX], *p;
	ssize_t n;
	int up;

	if (root && *root) {
		snprintf(dir, sizeof(dir), "%s/", root);
		if (try_path(buf, len, dir, rel))
			return buf;
	}
	snprintf(prefix, sizeof(prefix), "%s", __FILE__);
	p = strstr(prefix, SELF);
	if (!p)
		return NULL;
	*p = '\0';
	if (try_path(buf, len, prefix, rel) || try_path(buf, len, "", rel))
		return buf;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	for (up = 0; up < 4 && (p = strrchr(exe, '/')); up++) {
		*p = '\0';
		if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", exe, prefix) >= sizeof(dir))
			break;
		if (try_path(buf, len, dir, rel))
			return buf;
	}
	return NULL;
}

struct topo *load_ok(const char *yaml)
{
	struct topo_diags d;
	struct topo *t = NULL;
	int rc;

	rc = topo_load_buffer("test.yaml", yaml, strlen(yaml), &t, &d);
	if (rc)
		topo_diags_print(&d, stderr);
	assert_int_equal(rc, 0);
	assert_int_equal(d.n, 0);
	assert_non_null(t);
	return t;
}

struct topo *load_file_ok(const char *rel)
{
	struct topo_diags d;
	struct topo *t = NULL;
	char path[PATH_MAX];
	int rc;

	assert_non_null(source_path(rel, path, sizeof(path)));
	rc = topo_load_file(path, &t, &d);
	if (rc)
		topo_diags_print(&d, stderr);
	assert_int_equal(rc, 0);
	assert_non_null(t);
	assert_string_equal(t->file, path);
	return t;
}

void check_diag(const struct topo_diags *d, unsigned line, unsigned col, const char *msg)
{
	unsigned i;

	for (i = 0; i < d->n; i++)
		if (d->d[i].mark.line == line && d->d[i].mark.col == col &&
		    strstr(d->d[i].msg, msg))
			return;
	fprintf(stderr, "expected %u:%u: ...%s... among:\n", line, col, msg);
	topo_diags_print(d, stderr);
	fail();
}

void fuzz_topo(const char *yaml, size_t size, const char *subst, size_t nsubst)
{
	size_t len = strlen(yaml), i, j;
	unsigned ok = 0;

	for (i = 0; i <= len; i++) {
		struct topo_diags d;
		struct topo *t = NULL;
		char *copy = malloc(i ? i : 1);
		int rc;

		assert_non_null(copy);
		memcpy(copy, yaml, i);
		rc = topo_load_buffer("prefix", copy, i, &t, &d);
		assert_true(rc == 0 ? t != NULL : rc == -EINVAL && t == NULL && d.n > 0);
		ok += rc == 0;
		topo_free(t);
		free(copy);
	}
	assert_true(ok >= 1);
	for (i = 0; i < len; i++) {
		for (j = 0; j < nsubst; j++) {
			struct topo_diags d;
			struct topo *t = NULL;
			char *buf = malloc(size);
			int rc;

			assert_non_null(buf);
			memcpy(buf, yaml, size);
			buf[i] = subst[j];
			rc = topo_load_buffer("mut", buf, len, &t, &d);
			assert_true(rc == 0 ? t != NULL : t == NULL && d.n > 0);
			topo_free(t);
			free(buf);
		}
	}
}
