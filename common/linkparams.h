/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Link parameters: what one direction of an emulated link does to the
 * frames crossing it. Shared by the topology parser, the CLI and the switch,
 * so "delay=10ms" means the same thing in a file, on a command line and on
 * the switch's control socket.
 *
 * Keys and units (values as a user writes them):
 *   delay=10ms          one-way delay; units ns, us, ms, s (bare number: ms)
 *   jitter=1ms          random variation added to delay
 *   distribution=normal uniform | normal | pareto | paretonormal (default
 *                       normal when jitter is set)
 *   correlation=25%     correlation of successive delay samples
 *   reorder_jitter=yes  may jitter reorder frames? (default no: a frame is
 *                       never released before the one sent ahead of it)
 *   loss=0.5%           random loss (Bernoulli); percent or a fraction
 *   loss_correlation=25%
 *   ge_p=1% ge_r=10% ge_bad=100% ge_good=0%
 *                       Gilbert-Elliott bursty loss: p = P(good->bad),
 *                       r = P(bad->good), loss probability in bad and good
 *                       state (defaults 100% and 0%); the four are one unit
 *   duplicate=1%        duplication probability
 *   corrupt=0.1%        probability of one flipped bit
 *   reorder=25% reorder_gap=5
 *                       netem-style reordering: with probability reorder
 *                       (every gap-th frame when gap > 0) a frame skips
 *                       the delay
 *   rate=100mbit        token bucket rate: bit, kbit, mbit, gbit (x1000),
 *                       or bps/kbps/mbps/gbps (bytes per second, x1000);
 *                       0: no limit
 *   burst=32kb          bucket depth: b, kb, mb (x1024); default one MTU
 *   queue=64kb          byte limit of the queue behind the bucket (tail
 *                       drop past it); default 1 MiB
 *   mtu=1500            frames larger than this are dropped (0: no limit)
 *   state=up|down       carrier: down drops everything (and the host's
 *                       interface loses carrier)
 */
#ifndef RL_LINKPARAMS_H
#define RL_LINKPARAMS_H

#include <stddef.h>
#include <stdint.h>

enum lp_dist {
	LP_DIST_NORMAL = 0,
	LP_DIST_UNIFORM,
	LP_DIST_PARETO,
	LP_DIST_PARETONORMAL,
};

/* Bits of linkparams.set: which fields were given (for merging). */
enum {
	LP_F_DELAY = 1u << 0,
	LP_F_JITTER = 1u << 1,
	LP_F_DIST = 1u << 2,
	LP_F_CORR = 1u << 3,
	LP_F_REORDER_JITTER = 1u << 4,
	LP_F_LOSS = 1u << 5,
	LP_F_LOSS_CORR = 1u << 6,
	LP_F_GE = 1u << 7, /* all four ge_* fields */
	LP_F_DUP = 1u << 8,
	LP_F_CORRUPT = 1u << 9,
	LP_F_REORDER = 1u << 10,
	LP_F_REORDER_GAP = 1u << 11,
	LP_F_RATE = 1u << 12,
	LP_F_BURST = 1u << 13,
	LP_F_QUEUE = 1u << 14,
	LP_F_MTU = 1u << 15,
	LP_F_STATE = 1u << 16,
};

/* Probabilities are fractions in [0, 1]. Zero means "off" everywhere. */
struct linkparams {
	uint32_t set;
	uint64_t delay_ns;
	uint64_t jitter_ns;
	enum lp_dist dist;
	double corr;
	int reorder_jitter;
	double loss, loss_corr;
	double ge_p, ge_r, ge_bad, ge_good; /* ge_p == 0: model off */
	double dup;
	double corrupt;
	double reorder;
	uint32_t reorder_gap;
	uint64_t rate_bps; /* bits per second, 0: unlimited */
	uint64_t burst_bytes;
	uint64_t queue_bytes;
	uint32_t mtu; /* 0: no limit */
	int down;
};

#define LP_DEFAULT_QUEUE_BYTES (1u << 20)

/* Set one key from its text value. 0, or -EINVAL with a message in err
 * ("unknown key 'x'", "bad value '5 parsecs' for delay: ..."). */
int linkparams_set(struct linkparams *p, const char *key, const char *value, char *err,
		   size_t errlen);

/* Parse "key=value" (one token of a command line). */
int linkparams_set_kv(struct linkparams *p, const char *kv, char *err, size_t errlen);

/* Fields set in src override dst's. */
void linkparams_merge(struct linkparams *dst, const struct linkparams *src);

/* Every field that is set, as "key=value key=value" (parseable again by
 * linkparams_set_kv token by token). Returns the length (like snprintf). */
int linkparams_format(const struct linkparams *p, char *buf, size_t len);

/* 1 if the parameters change nothing (no field with an effect). */
int linkparams_is_null(const struct linkparams *p);

/* Is key one of the keys above? */
int linkparams_key_valid(const char *key);

/* The seed of link number index of a lab whose seed is lab_seed: every
 * bit of both counts (a JSON integer carries 63 of the 64). */
uint64_t linkparams_link_seed(uint64_t lab_seed, unsigned index);

/* Unit parsers, exposed for tests: 0 or -EINVAL. */
int linkparams_parse_time(const char *s, uint64_t *ns);
int linkparams_parse_rate(const char *s, uint64_t *bps);
int linkparams_parse_size(const char *s, uint64_t *bytes);
int linkparams_parse_prob(const char *s, double *p);

#endif
