/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "ethdev_pcap.h"

static int pcap_fail(char *why, size_t len, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int pcap_fail(char *why, size_t len, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -err;
}

static int pcap_is_capture(const char *path)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path, err);

	if (p == NULL)
		return 0;
	pcap_close(p);
	return 1;
}

/* A capture to replay: readable, a capture, of Ethernet frames (net_pcap
 * replays any link type as Ethernet: a capture of `tcpdump -i any` would
 * come out as garbage). */
static int pcap_check_rx(const char *path, char *why, size_t len)
{
	char err[PCAP_ERRBUF_SIZE] = "";
	struct stat st;
	pcap_t *p;
	int dlt;

	if (stat(path, &st) < 0 || access(path, R_OK) < 0)
		return pcap_fail(why, len, errno, "rx_pcap: cannot read '%s': %s", path,
				 strerror(errno));
	if (!S_ISREG(st.st_mode))
		return pcap_fail(why, len, EINVAL, "rx_pcap: '%s' is not a file", path);
	p = pcap_open_offline(path, err);
	if (p == NULL)
		return pcap_fail(why, len, EINVAL, "rx_pcap: '%s' is not a capture (libpcap: %s)",
				 path, err);
	dlt = pcap_datalink(p);
	pcap_close(p);
	if (dlt != DLT_EN10MB)
		return pcap_fail(why, len, EINVAL,
				 "rx_pcap: '%s' holds %s frames (link type %d), not Ethernet: "
				 "they would be replayed as garbage",
				 path, pcap_datalink_val_to_name(dlt) ? pcap_datalink_val_to_name(dlt) : "?",
				 dlt);
	return 0;
}

/* A recording may overwrite an old capture, nothing else, and needs its
 * directory. */
static int pcap_check_tx(const char *path, char *why, size_t len)
{
	char dir[256];
	struct stat st;

	if (stat(path, &st) < 0) {
		snprintf(dir, sizeof(dir), "%s", path);
		if (stat(dirname(dir), &st) < 0 || !S_ISDIR(st.st_mode))
			return pcap_fail(why, len, ENOENT,
					 "tx_pcap: '%s': its directory does not exist", path);
		return 0;
	}
	if (!S_ISREG(st.st_mode))
		return pcap_fail(why, len, EINVAL, "tx_pcap: '%s' exists and is not a file", path);
	if (st.st_size > 0 && !pcap_is_capture(path))
		return pcap_fail(why, len, EEXIST,
				 "tx_pcap: '%s' exists and is not a capture: not overwritten", path);
	return 0;
}

static int pcap_same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	if (stat(a, &sa) < 0 || stat(b, &sb) < 0)
		return 0;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Lock path (shared for a replay, exclusive for a recording) on a new
 * descriptor: it, or -EBUSY (who holds it in *writer: a recording, else
 * replays), or -errno. create: make an empty file if there is none. */
static int pcap_flock(const char *path, int excl, int create, int *writer)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | (create ? O_CREAT : 0), 0644);

	if (fd < 0)
		return -errno;
	*writer = flock(fd, LOCK_SH | LOCK_NB) < 0;
	if (!*writer && (!excl || flock(fd, LOCK_EX | LOCK_NB) == 0))
		return fd;
	close(fd);
	return -EBUSY;
}

static int pcap_busy(const char *key, const char *path, int writer, char *why, size_t len)
{
	return pcap_fail(why, len, EBUSY, "%s: '%s' is being %s by another port of this or "
			 "another lab (stop that first)",
			 key, path, writer ? "recorded (tx_pcap)" : "replayed (rx_pcap)");
}

/* Is a file of the port held by another? */
static int pcap_check_busy(const char *key, const char *path, int excl, char *why,
			   size_t len)
{
	int writer = 0, fd = pcap_flock(path, excl, 0, &writer);

	if (fd == -EBUSY)
		return pcap_busy(key, path, writer, why, len);
	if (fd >= 0)
		close(fd);
	return 0;
}

int ethdev_pcap_check(const struct rte_kvargs *kv, char *why, size_t len)
{
	const char *rx = rte_kvargs_get(kv, "rx_pcap"), *tx = rte_kvargs_get(kv, "tx_pcap");
	int ret = 0;

	/* first: a file being recorded is not a whole capture yet */
	if (rx != NULL)
		ret = pcap_check_busy("rx_pcap", rx, 0, why, len);
	if (ret == 0 && tx != NULL)
		ret = pcap_check_busy("tx_pcap", tx, 1, why, len);
	if (ret == 0 && rx != NULL)
		ret = pcap_check_rx(rx, why, len);
	if (ret == 0 && tx != NULL)
		ret = pcap_check_tx(tx, why, len);
	if (ret == 0 && rx != NULL && tx != NULL && pcap_same_file(rx, tx))
		ret = pcap_fail(why, len, EINVAL,
				"rx_pcap and tx_pcap are the same file '%s': recording would "
				"overwrite the capture being replayed",
				tx);
	return ret;
}

int ethdev_pcap_lock(struct ethdev_pcap *f, const struct rte_kvargs *kv, char *why,
		     size_t len)
{
	const char *rx = rte_kvargs_get(kv, "rx_pcap"), *tx = rte_kvargs_get(kv, "tx_pcap");
	int writer = 0, fd;
	struct stat st;

	f->rx_fd = f->tx_fd = -1;
	f->tx_created = 0;
	if (rx != NULL) {
		fd = pcap_flock(rx, 0, 0, &writer);
		if (fd == -EBUSY)
			return pcap_busy("rx_pcap", rx, writer, why, len);
		f->rx_fd = fd; /* a missing file is for net_pcap to report */
	}
	if (tx == NULL)
		return 0;
	snprintf(f->tx_path, sizeof(f->tx_path), "%s", tx);
	f->tx_created = stat(tx, &st) < 0;
	fd = pcap_flock(tx, 1, 1, &writer);
	if (fd == -EBUSY) {
		f->tx_created = 0;
		ethdev_pcap_unlock(f, 1);
		return pcap_busy("tx_pcap", tx, writer, why, len);
	}
	f->tx_fd = fd;
	return 0;
}

void ethdev_pcap_unlock(struct ethdev_pcap *f, int failed)
{
	if (failed && f->tx_created && f->tx_fd >= 0)
		unlink(f->tx_path);
	if (f->rx_fd >= 0)
		close(f->rx_fd);
	if (f->tx_fd >= 0)
		close(f->tx_fd);
	f->rx_fd = f->tx_fd = -1;
	f->tx_created = 0;
}
