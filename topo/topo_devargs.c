/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An ethdev node's files (net_pcap's rx_pcap and tx_pcap): made absolute
 * relative to the topology file, as a vhost node's socket is, and checked
 * at load where a mistake would only show in the switch, or not at all: a
 * capture net_pcap would replay as garbage, a recording that would wedge
 * a lab's run directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "devargs.h"
#include "topo_priv.h"

int topo_devargs_absolute(char *devargs, size_t len, const char *key, const char *dir)
{
	char out[TOPO_DEVARGS_MAX];
	const char *p = devargs_find(devargs, key), *v;
	int n;

	if (p == NULL)
		return 0;
	v = p + strlen(key) + 1;
	if (*v == '/' || *v == ',' || *v == '\0')
		return 0;
	n = snprintf(out, sizeof(out), "%.*s%s/%s", (int)(v - devargs), devargs, dir, v);
	if (n < 0 || (size_t)n >= len || (size_t)n >= sizeof(out))
		return -ENAMETOOLONG;
	memcpy(devargs, out, (size_t)n + 1);
	return 1;
}

void topo_file_path(const char *in, char *out, size_t len)
{
	char head[PATH_MAX], buf[PATH_MAX];
	const char *rest;
	char *slash;

	if (strlen(in) >= sizeof(head)) {
		snprintf(out, len, "%s", in);
		return;
	}
	/* not there yet (a recording, a socket, in a lab directory up will
	 * make): the real path of its deepest ancestor that is, and the rest
	 * as written */
	memcpy(head, in, strlen(in) + 1); /* it fits: checked above */
	rest = in + strlen(in);
	while (realpath(head, buf) == NULL) {
		slash = strrchr(head, '/');
		if (slash == NULL || (slash == head && head[1] == '\0')) {
			snprintf(out, len, "%s", in);
			return;
		}
		rest = in + (slash - head);
		slash[slash == head] = '\0'; /* "/x": "/" */
	}
	snprintf(out, len, "%s%s", *rest && !strcmp(buf, "/") ? "" : buf, rest);
}

/* Under the directory where labs keep their state, by real path: up makes
 * a lab's directory and down removes it whole, so what the file puts there
 * either collides with the lab's own files or keeps the lab from going. */
int topo_in_run_dir(const char *path)
{
	const char *run = TOPO_RUN_DIR "/";
	char real[PATH_MAX];

	topo_file_path(path, real, sizeof(real));
	return strncmp(real, run, strlen(run)) == 0;
}

/* A recording there leaves a lab's directory not empty, and the lab cannot
 * go. */
static void check_tx_dir(struct topo_build *b, unsigned i, const char *tx)
{
	struct stat st;

	if (topo_in_run_dir(tx))
		topo_diag(b->diags, b->src[i].devargs_mark,
			  "tx_pcap %s of %s is in %s, where labs keep their state (down removes a "
			  "lab's directory whole): record elsewhere",
			  tx, b->t->nodes[i].name, TOPO_RUN_DIR);
	/* one that is there is written over: a regular file (a FIFO or a
	 * directory failed only halfway through up) */
	else if (stat(tx, &st) == 0 && !S_ISREG(st.st_mode))
		topo_diag(b->diags, b->src[i].devargs_mark,
			  "tx_pcap %s of %s is not a regular file: net_pcap records into one", tx,
			  b->t->nodes[i].name);
}

/* A capture to replay that is there must be a regular file of Ethernet
 * frames (a missing one is the switch's to report, when the lab comes up).
 * Opened without blocking and checked on the descriptor: a FIFO would
 * block open() until a writer came, and the load with it, and what is
 * read is what was checked even if the name changes meanwhile. */
static void check_rx_linktype(struct topo_build *b, unsigned i, const char *rx)
{
	char err[PCAP_ERRBUF_SIZE] = "";
	const char *name;
	struct stat st;
	pcap_t *p;
	FILE *f;
	int dlt, fd;

	fd = open(rx, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		topo_diag(b->diags, b->src[i].devargs_mark,
			  "rx_pcap %s of %s is not a regular file: net_pcap replays a capture "
			  "file",
			  rx, b->t->nodes[i].name);
		return;
	}
	f = fdopen(fd, "rb");
	if (f == NULL) {
		close(fd);
		return;
	}
	p = pcap_fopen_offline(f, err);
	if (p == NULL) {
		fclose(f); /* libpcap owns it only once it succeeds */
		topo_diag(b->diags, b->src[i].devargs_mark,
			  "rx_pcap %s of %s is not a capture (libpcap: %s)", rx,
			  b->t->nodes[i].name, err);
		return;
	}
	dlt = pcap_datalink(p);
	pcap_close(p);
	if (dlt == DLT_EN10MB)
		return;
	name = pcap_datalink_val_to_name(dlt);
	topo_diag(b->diags, b->src[i].devargs_mark,
		  "rx_pcap %s of %s holds %s frames (link type %d), not Ethernet: net_pcap would "
		  "replay them as garbage (capture on an interface, not -i any)",
		  rx, b->t->nodes[i].name, name ? name : "?", dlt);
}

/* The length of the key of the argument at p (up to '=' or its end). */
static size_t arg_key_len(const char *p, size_t n)
{
	const char *eq = memchr(p, '=', n);

	return eq ? (size_t)(eq - p) : n;
}

/* The argument at p: up to the next ',' outside brackets, as DPDK's
 * kvargs read a list value "key=[a,b]". */
static size_t arg_len(const char *p)
{
	unsigned depth = 0;
	size_t n;

	for (n = 0; p[n] && (p[n] != ',' || depth); n++) {
		if (p[n] == '[')
			depth++;
		else if (p[n] == ']' && depth)
			depth--;
	}
	return n;
}

/* A key given twice: DPDK's kvargs keep both and which one counts is each
 * driver's (net_pcap opens a queue for each, and the switch refuses a port
 * of two), while the checks here read the first. One report a devargs. */
static void check_repeated_keys(struct topo_build *b, unsigned i)
{
	const char *da = b->t->nodes[i].devargs, *p, *q;
	size_t n, k, m;

	for (p = da + strcspn(da, ","); *p; p += n) {
		p++; /* the ',' */
		n = arg_len(p);
		k = arg_key_len(p, n);
		for (q = da + strcspn(da, ","); *q && q + 1 < p; q += m) {
			q++;
			m = arg_len(q);
			if (k && arg_key_len(q, m) == k && !memcmp(p, q, k)) {
				topo_diag(b->diags, b->src[i].devargs_mark,
					  "'%.*s' given twice in the devargs of %s: a key takes "
					  "one value",
					  (int)k, p, b->t->nodes[i].name);
				return;
			}
		}
	}
}

void topo_check_devargs(struct topo_build *b, unsigned i)
{
	const char *da = b->t->nodes[i].devargs;
	char f[TOPO_DEVARGS_MAX];

	check_repeated_keys(b, i);
	if (strncmp(da, "net_pcap", 8) != 0)
		return;
	if (devargs_get(da, "tx_pcap", f, sizeof(f)) == 1)
		check_tx_dir(b, i, f);
	if (devargs_get(da, "rx_pcap", f, sizeof(f)) == 1)
		check_rx_linktype(b, i, f);
}

/* An ethdev node's DPDK device name: its devargs up to the first ','. */
struct devname_ref {
	const char *name;
	size_t len;
	unsigned node;
};

static int devname_cmp(const void *pa, const void *pb)
{
	const struct devname_ref *a = pa, *b = pb;
	int r = memcmp(a->name, b->name, a->len < b->len ? a->len : b->len);

	if (r)
		return r;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return a->node < b->node ? -1 : a->node > b->node; /* file order */
}

int topo_check_devnames(struct topo_build *b)
{
	const struct topo *t = b->t;
	struct devname_ref *r;
	size_t n = 0, k, first = 0;

	r = calloc((size_t)t->n_nodes + 1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (unsigned i = 0; i < t->n_nodes; i++) {
		const char *da = t->nodes[i].devargs;

		if (!topo_build_is_external(b, i) || t->nodes[i].kind != TOPO_KIND_ETHDEV ||
		    !b->src[i].devargs_mark.line || !strcspn(da, ","))
			continue;
		r[n++] = (struct devname_ref){da, strcspn(da, ","), i};
	}
	qsort(r, n, sizeof(*r), devname_cmp);
	for (k = 1; k < n; k++) {
		if (r[k].len != r[first].len || memcmp(r[k].name, r[first].name, r[k].len)) {
			first = k;
			continue;
		}
		topo_diag(b->diags, b->src[r[k].node].devargs_mark,
			  "device %.*s is already used by %s: DPDK attaches a name once (give "
			  "each device its own number)",
			  (int)r[k].len, r[k].name, t->nodes[r[first].node].name);
	}
	free(r);
	return 0;
}
