/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the topology unit tests (cmocka). */
#ifndef RL_TOPO_SUPPORT_H
#define RL_TOPO_SUPPORT_H

#include <stddef.h>

#include "topo.h"

/* A file of the source tree, found from RL_SOURCE_ROOT, this file's path
 * or the test binary's: buf, or NULL. */
const char *source_path(const char *rel, char *buf, size_t len);
/* Load YAML that must be valid; fails the test otherwise. */
struct topo *load_ok(const char *yaml);
/* Load a file of the source tree that must be valid. */
struct topo *load_file_ok(const char *rel);
/* Fail unless one diagnostic at line:col contains msg. */
void check_diag(const struct topo_diags *d, unsigned line, unsigned col, const char *msg);

/* Every prefix of yaml (size bytes, NUL included) loads or fails cleanly, and
 * so does yaml with any one byte replaced by any of subst[0..nsubst). */
void fuzz_topo(const char *yaml, size_t size, const char *subst, size_t nsubst);

#endif
