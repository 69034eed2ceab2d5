/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside the scenario loader: the walk's context, the slots a mapping's keys
 * are sorted into, value readers that report "file:line:col" (sy_*, in
 * scenario_yaml.c) and the step parsers (scenario_steps.c: the timeline and
 * its assertions; scenario_streams.c: captures, traffic, expect, freeze and
 * thaw). Not for the runner: it only sees scenario.h.
 */
#ifndef RL_SCENARIO_YAML_H
#define RL_SCENARIO_YAML_H

#include <stdint.h>

#include <yaml.h>

#include "scenario.h"

#define SY_QUOTE_MAX 48 /* how much of a bad value a message repeats */

struct sctx {
	yaml_document_t *doc;
	struct topo_diags *d;
	struct scenario *s; /* steps before s->n_steps - 1 are complete */
	int rc;		    /* -ENOMEM */
};

/* A known key of a mapping, filled by sy_collect(). */
struct slot {
	const char *key;
	yaml_node_t *k, *v;
};

struct topo_mark sy_mark(const yaml_node_t *n);
void sy_err(struct sctx *c, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int sy_is_scalar(const yaml_node_t *n);
int sy_scalar_eq(const yaml_node_t *n, const char *s);
/* A scalar, printable and shortened, for a message. */
const char *sy_quote(const yaml_node_t *n, char *buf, size_t len);
/* A scalar as a C string; -EINVAL if not a scalar, too long or holds a NUL. */
int sy_scalar_str(const yaml_node_t *n, char *buf, size_t len);

/* Sort a mapping's pairs into slots (a NULL key ends them), reporting
 * unknown and duplicate keys; -EINVAL (reported) if map is no mapping. */
int sy_collect(struct sctx *c, yaml_node_t *map, const char *what, struct slot *s);
/* 1 if the slot has a value, else reports "WHAT needs 'KEY'" at 'at'. */
int sy_need(struct sctx *c, const yaml_node_t *at, const struct slot *s, const char *what);
int sy_want_scalar(struct sctx *c, const struct slot *s, const char *what);

/* Value readers: each reports a bad value at the value and leaves *out. */
void sy_get_time(struct sctx *c, const struct slot *s, const char *what, uint64_t *ns);
void sy_get_prob(struct sctx *c, const struct slot *s, const char *what, double *p);
void sy_get_bool(struct sctx *c, const struct slot *s, const char *what, int *b);
void sy_get_int(struct sctx *c, const struct slot *s, const char *what, long long lo, long long hi,
		long long *v);
void sy_get_num(struct sctx *c, const struct slot *s, const char *what, double *v);
void sy_get_text(struct sctx *c, const struct slot *s, const char *what, char **out);
/* An address family: 4 or 6. */
void sy_get_family(struct sctx *c, const struct slot *s, const char *what, int *fam);
/* Bounds given both ways round (min over max): reported at the max slot. */
void sy_check_bounds(struct sctx *c, const struct slot *lo, const struct slot *hi, double vlo,
		     double vhi);
/* A host name, or (list != 0) a host name or a sequence of them. */
void sy_get_hosts(struct sctx *c, const struct slot *s, int list, struct scenario_name **out,
		  unsigned *n);
void sy_get_endpoint(struct sctx *c, const struct slot *s, const char *what,
		     struct scenario_step *st);

/* Step parsers: 'at' is the step's type key, v its value. */
void sy_parse_wait(struct sctx *c, yaml_node_t *v, struct scenario_step *st);
void sy_parse_run(struct sctx *c, yaml_node_t *at, yaml_node_t *v, struct scenario_step *st);
void sy_parse_link(struct sctx *c, yaml_node_t *at, yaml_node_t *v, struct scenario_step *st);
void sy_parse_partition(struct sctx *c, yaml_node_t *at, yaml_node_t *v, struct scenario_step *st);
void sy_parse_heal(struct sctx *c, yaml_node_t *at, yaml_node_t *v, struct scenario_step *st);
void sy_parse_reach(struct sctx *c, yaml_node_t *at, yaml_node_t *v, struct scenario_step *st);
void sy_parse_ping(struct sctx *c, yaml_node_t *at, yaml_node_t *v, struct scenario_step *st);
void sy_parse_iperf(struct sctx *c, yaml_node_t *at, yaml_node_t *v, struct scenario_step *st);
void sy_parse_counter(struct sctx *c, yaml_node_t *at, yaml_node_t *v, struct scenario_step *st);
void sy_parse_capture(struct sctx *c, yaml_node_t *at, yaml_node_t *v, struct scenario_step *st);
void sy_parse_stop(struct sctx *c, yaml_node_t *at, yaml_node_t *v, struct scenario_step *st);
void sy_parse_traffic(struct sctx *c, yaml_node_t *at, yaml_node_t *v, struct scenario_step *st);
void sy_parse_expect(struct sctx *c, yaml_node_t *at, yaml_node_t *v, struct scenario_step *st);
/* freeze and thaw: a host or a list of them */
void sy_parse_freeze(struct sctx *c, yaml_node_t *at, yaml_node_t *v, struct scenario_step *st);

#endif
