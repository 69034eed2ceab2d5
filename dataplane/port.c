/* SPDX-License-Identifier: BSD-3-Clause */
/* Port creation and the backend registry. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <net/if.h>

#include <rte_common.h>

#include "port.h"
#include "portlink.h"

static const struct port_ops *const port_backends[PORT_TYPE__COUNT] = {
    [PORT_TYPE_AFPACKET] = &port_afpacket_ops,
    [PORT_TYPE_TAP] = &port_tap_ops,
    [PORT_TYPE_RING] = &port_ring_ops,
    [PORT_TYPE_PATCH] = &port_patch_ops,
    [PORT_TYPE_VHOST] = &port_vhost_ops,
    [PORT_TYPE_ETHDEV] = &port_ethdev_ops,
    [PORT_TYPE_AFXDP] = &port_afxdp_ops,
};

static const char *const port_drop_names[PORT_DROP__COUNT] = {
    [PORT_DROP_RX_TRUNCATED] = "rx_truncated", [PORT_DROP_RX_NOMBUF] = "rx_nombuf",
    [PORT_DROP_TX_FULL] = "tx_full",	       [PORT_DROP_TX_ERROR] = "tx_error",
    [PORT_DROP_TX_TOOBIG] = "tx_toobig",
    [PORT_DROP_RX_RING_FULL] = "rx_ring_full", [PORT_DROP_RX_BAD_OFFLOAD] = "rx_bad_offload",
    [PORT_DROP_TX_NOT_CONNECTED] = "tx_not_connected",
};

const struct port_ops *port_ops_get(enum port_type t)
{
	if ((unsigned)t >= PORT_TYPE__COUNT)
		return NULL;
	return port_backends[t];
}

int port_type_parse(const char *s, enum port_type *t)
{
	for (unsigned i = 0; i < PORT_TYPE__COUNT; i++) {
		if (strcmp(s, port_backends[i]->name) == 0) {
			*t = i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *port_type_name(enum port_type t)
{
	const struct port_ops *ops = port_ops_get(t);
	return ops ? ops->name : "?";
}

const char *port_drop_name(enum port_drop d)
{
	if ((unsigned)d >= PORT_DROP__COUNT)
		return "?";
	return port_drop_names[d];
}

struct port *port_create(const struct port_conf *conf)
{
	const struct port_ops *ops = port_ops_get(conf->type);
	struct port *p = NULL;
	size_t size;
	int ret;

	if (ops == NULL || conf->name[0] == '\0' || conf->pool == NULL) {
		errno = EINVAL;
		return NULL;
	}
	size = RTE_ALIGN_CEIL(sizeof(*p) + ops->priv_size, RTE_CACHE_LINE_SIZE);
	p = aligned_alloc(RTE_CACHE_LINE_SIZE, size);
	if (p == NULL)
		return NULL;
	memset(p, 0, size);
	p->id = PORT_ID_NONE;
	p->ops = ops;
	p->conf = *conf;
	p->link = portlink_create(&conf->link_in, &conf->link_out, conf->link_seed, conf->pool);
	if (p->link == NULL) {
		free(p);
		errno = ENOMEM;
		return NULL;
	}
	ret = ops->open(p);
	if (ret < 0) {
		portlink_destroy(p->link);
		free(p);
		errno = -ret;
		return NULL;
	}
	return p;
}

void port_destroy(struct port *p)
{
	if (p == NULL)
		return;
	/* frames still gathered for a burst belong to no one else */
	rte_pktmbuf_free_bulk(p->txq, p->txq_len);
	p->txq_len = 0;
	p->ops->close(p);
	portlink_destroy(p->link);
	free(p);
}

/* Carrier as the host sees it: the host's veth end has carrier exactly
 * while this (switch-side) end is administratively up. */
int port_veth_set_carrier(struct port *p, int up)
{
	struct ifreq ifr = {0};
	int s, ret = 0;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", p->conf.ifname);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
		ret = -errno;
		goto out;
	}
	if (up)
		ifr.ifr_flags |= IFF_UP;
	else
		ifr.ifr_flags &= ~IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		ret = -errno;
out:
	close(s);
	return ret;
}
