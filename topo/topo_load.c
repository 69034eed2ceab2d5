// SPDX-License-Identifier: BSD-3-Clause
/*
 * Loading entry points: read the file, guard libyaml against pathological
 * input, turn libyaml errors into diagnostics, then hand the document to the
 * schema walk (topo_parse.c) and the checks (topo_check.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "topo.h"
#include "topo_priv.h"

/*
 * libyaml's scanner is quadratic in flow nesting depth and its alias lookup
 * is linear in the number of anchors: refuse inputs that would take minutes.
 * Real topologies nest five levels and use a few anchors at most.
 */
#define NEST_MAX    64
#define ANCHORS_MAX 256
#define FILE_MAX    (64u << 20)

static struct topo_mark offset_mark(const char *buf, size_t len, size_t off)
{
	struct topo_mark m = {1, 1};
	size_t i;

	for (i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			m.line++;
			m.col = 1;
		} else {
			m.col++;
		}
	}
	return m;
}

static int yaml_error(const yaml_parser_t *p, struct topo_diags *d, const char *buf, size_t len)
{
	const char *problem = p->problem ? p->problem : "syntax error";
	struct topo_mark m, cm = topo_yaml_mark(p->context_mark);

	if (p->error == YAML_MEMORY_ERROR)
		return -ENOMEM;
	/* Reader errors (bad encoding) only have a byte offset. */
	if (p->error == YAML_READER_ERROR) {
		m = offset_mark(buf, len, p->problem_offset);
	} else {
		m = topo_yaml_mark(p->problem_mark);
	}
	if (p->context)
		topo_diag(d, m, "yaml: %s (%s at %u:%u)", problem, p->context, cm.line, cm.col);
	else
		topo_diag(d, m, "yaml: %s", problem);
	return -EINVAL;
}

static const yaml_char_t *event_anchor(const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return ev->data.scalar.anchor;
	case YAML_SEQUENCE_START_EVENT:
		return ev->data.sequence_start.anchor;
	case YAML_MAPPING_START_EVENT:
		return ev->data.mapping_start.anchor;
	default:
		return NULL;
	}
}

static int guard_event(const yaml_event_t *ev, unsigned *depth, unsigned *anchors,
		       struct topo_diags *d)
{
	struct topo_mark m = topo_yaml_mark(ev->start_mark);

	if (event_anchor(ev) && ++*anchors > ANCHORS_MAX) {
		topo_diag(d, m, "more than %d anchors", ANCHORS_MAX);
		return -EINVAL;
	}
	if (ev->type == YAML_SEQUENCE_START_EVENT || ev->type == YAML_MAPPING_START_EVENT) {
		if (++*depth > NEST_MAX) {
			topo_diag(d, m, "nesting deeper than %d levels", NEST_MAX);
			return -EINVAL;
		}
	} else if ((ev->type == YAML_SEQUENCE_END_EVENT || ev->type == YAML_MAPPING_END_EVENT) &&
		   *depth) {
		--*depth;
	}
	return 0;
}

/*
 * Stream the events once before building the document: the cost is bounded
 * because we stop at the first event past the limits, before libyaml's
 * quadratic paths get going. Syntax errors surface here too.
 */
static int guard(const char *buf, size_t len, struct topo_diags *d)
{
	unsigned depth = 0, anchors = 0;
	yaml_parser_t p;
	yaml_event_t ev;
	int rc = 0, done = 0;

	if (!yaml_parser_initialize(&p))
		return -ENOMEM;
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	while (!done && !rc) {
		if (!yaml_parser_parse(&p, &ev)) {
			rc = yaml_error(&p, d, buf, len);
			goto out;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		rc = guard_event(&ev, &depth, &anchors, d);
		yaml_event_delete(&ev);
	}
out:
	yaml_parser_delete(&p);
	return rc;
}

int topo_yaml_guard(const char *buf, size_t len, struct topo_diags *diags)
{
	return guard(buf, len, diags);
}

static int load_doc(struct topo_build *b, yaml_parser_t *parser, const char *buf, size_t len)
{
	yaml_document_t doc, extra;
	int rc;

	if (!yaml_parser_load(parser, &doc))
		return yaml_error(parser, b->diags, buf, len);
	/* A second document would be silently ignored: refuse it, and read it for syntax. */
	if (!yaml_parser_load(parser, &extra)) {
		rc = yaml_error(parser, b->diags, buf, len);
		goto out;
	}
	if (yaml_document_get_root_node(&extra))
		topo_diag(b->diags, topo_yaml_mark(extra.start_mark),
			  "only one YAML document is allowed");
	yaml_document_delete(&extra);
	rc = topo_parse_document(b, &doc);
out:
	yaml_document_delete(&doc);
	return rc;
}

int topo_load_buffer(const char *name, const char *buf, size_t len, struct topo **out,
		     struct topo_diags *diags)
{
	struct topo_diags local;
	struct topo_build b;
	yaml_parser_t parser;
	int rc, have_parser = 0;

	if (!diags)
		diags = &local;
	memset(diags, 0, sizeof(*diags));
	memset(&b, 0, sizeof(b));
	b.diags = diags;
	if (!name)
		name = "<buffer>";
	snprintf(diags->file, sizeof(diags->file), "%s", name);
	if (out)
		*out = NULL;
	if (!out || (!buf && len)) {
		rc = -EINVAL;
		topo_diag(diags, (struct topo_mark){0, 0}, "invalid arguments");
		goto out;
	}
	rc = guard(buf ? buf : "", len, diags);
	if (rc)
		goto out;
	b.t = calloc(1, sizeof(*b.t));
	if (!b.t || !(b.t->file = strdup(name)) || !yaml_parser_initialize(&parser)) {
		rc = -ENOMEM;
		goto out;
	}
	have_parser = 1;
	yaml_parser_set_input_string(&parser, (const unsigned char *)(buf ? buf : ""), len);
	rc = load_doc(&b, &parser, buf, len);
	if (!rc)
		rc = topo_build_check(&b);
	if (!rc && diags->n)
		rc = -EINVAL;
	if (!rc) {
		*out = b.t;
		b.t = NULL;
	}
out:
	if (rc == -ENOMEM)
		topo_diag(diags, (struct topo_mark){0, 0}, "out of memory");
	if (have_parser)
		yaml_parser_delete(&parser);
	topo_build_release(&b);
	return rc;
}

int topo_load_node(const char *file, const char *lab, struct yaml_document_s *doc,
		   struct yaml_node_s *key, struct yaml_node_s *value, struct topo **out,
		   struct topo_diags *diags)
{
	struct topo_build b;
	int rc;

	memset(&b, 0, sizeof(b));
	memset(diags, 0, sizeof(*diags));
	b.diags = diags;
	snprintf(diags->file, sizeof(diags->file), "%s", file);
	*out = NULL;
	if (!topo_name_valid(lab)) {
		topo_diag(diags, (struct topo_mark){0, 0}, "bad lab name '%.40s'", lab);
		return -EINVAL;
	}
	b.t = calloc(1, sizeof(*b.t));
	if (!b.t || !(b.t->file = strdup(file))) {
		rc = -ENOMEM;
		goto out;
	}
	snprintf(b.t->name, sizeof(b.t->name), "%s", lab);
	rc = topo_parse_topology(&b, doc, key, value);
	if (!rc)
		rc = topo_build_check(&b);
	if (!rc && diags->n)
		rc = -EINVAL;
	if (!rc) {
		*out = b.t;
		b.t = NULL;
	}
out:
	if (rc == -ENOMEM)
		topo_diag(diags, (struct topo_mark){0, 0}, "out of memory");
	topo_build_release(&b);
	return rc;
}

static int read_all(const char *path, char **out, size_t *out_len)
{
	size_t len = 0, cap = 0;
	char *buf = NULL, *nbuf;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Read to EOF rather than trusting st_size: pipes and /proc files too. */
	for (;;) {
		ssize_t r;

		if (len == cap) {
			if (cap >= FILE_MAX) {
				rc = -EFBIG;
				goto out;
			}
			cap = cap ? cap * 2 : 64 * 1024;
			nbuf = realloc(buf, cap);
			if (!nbuf) {
				rc = -ENOMEM;
				goto out;
			}
			buf = nbuf;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			goto out;
		}
		if (!r)
			break;
		len += (size_t)r;
	}
	*out = buf;
	*out_len = len;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return rc;
}

int topo_load_file(const char *path, struct topo **out, struct topo_diags *diags)
{
	struct topo_diags local;
	size_t len = 0;
	char *buf = NULL;
	int rc;

	if (!diags)
		diags = &local;
	if (!path || !out)
		return topo_load_buffer(path, NULL, 1, out, diags);
	*out = NULL;
	rc = read_all(path, &buf, &len);
	if (rc) {
		memset(diags, 0, sizeof(*diags));
		snprintf(diags->file, sizeof(diags->file), "%s", path);
		topo_diag(diags, (struct topo_mark){0, 0}, "cannot read %s: %s", path,
			  strerror(-rc));
		goto out;
	}
	rc = topo_load_buffer(path, buf, len, out, diags);
out:
	free(buf);
	return rc;
}
