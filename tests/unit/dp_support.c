/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ether.h>

#include "dp_support.h"

static char dp_prefix[64];
static char dp_parent[200];
static int dp_parent_existed;

static void dp_runtime_parent(void)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	/* EAL's runtime directory: /var/run/dpdk for root, else
	 * $XDG_RUNTIME_DIR/dpdk or /tmp/dpdk */
	if (geteuid() == 0)
		snprintf(dp_parent, sizeof(dp_parent), "/var/run/dpdk");
	else
		snprintf(dp_parent, sizeof(dp_parent), "%s/dpdk", xdg ? xdg : "/tmp");
}

int dp_test_eal_init(void)
{
	return dp_test_eal_init_lcores("0");
}

int dp_test_eal_init_lcores(const char *lcores)
{
	char pfx[96], l[32];
	char *argv[] = {
	    "rltest", "--no-huge", "--no-pci", "--no-shconf", "--no-telemetry",	   "-l",
	    l,        "-m",	   "128",      pfx,	      "--log-level=error", NULL};

	snprintf(l, sizeof(l), "%s", lcores);
	dp_runtime_parent();
	dp_parent_existed = access(dp_parent, F_OK) == 0;
	snprintf(dp_prefix, sizeof(dp_prefix), "rltest-%d", (int)getpid());
	snprintf(pfx, sizeof(pfx), "--file-prefix=%s", dp_prefix);
	return rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv);
}

void dp_test_eal_fini(void)
{
	char path[300];

	rte_eal_cleanup();
	snprintf(path, sizeof(path), "%s/%s", dp_parent, dp_prefix);
	rmdir(path);
	if (!dp_parent_existed)
		rmdir(dp_parent); /* fails, harmlessly, if another process uses it */
}

struct rte_mempool *dp_test_pool(const char *name, unsigned n)
{
	return rte_pktmbuf_pool_create(name, n, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
}

struct rte_mbuf *dp_test_frame(struct rte_mempool *mp, const uint8_t src[6], const uint8_t dst[6],
			       uint16_t len, uint8_t fill)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	uint8_t *d;

	if (m == NULL)
		return NULL;
	d = (uint8_t *)rte_pktmbuf_append(m, len);
	if (d == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(d, fill, len);
	if (len >= RTE_ETHER_HDR_LEN) {
		memcpy(d, dst, 6);
		memcpy(d + 6, src, 6);
		d[12] = 0x08;
		d[13] = 0x00;
	}
	return m;
}
