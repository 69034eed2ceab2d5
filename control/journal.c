// SPDX-License-Identifier: BSD-3-Clause
/*
 * The lab journal: one compact JSON object per line, appended and flushed
 * before the object it names is created (see journal.h).
 *
 * A crash can tear only the last line (each record is one write() of a
 * whole line on an O_APPEND file). Such a record was never acknowledged, so
 * the object it names was never created: journal_load() drops it, and
 * journal_open() cuts it off before appending, so that it cannot turn into
 * a corrupt middle line.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal.h"

/* Chunk size used to look for the last newline of a torn journal. */
#define TAIL_CHUNK 4096

struct journal {
	int fd;
};

static int journal_path(const char *dir, char *buf, size_t len)
{
	int n;

	if (!dir || !*dir)
		return -EINVAL;
	n = snprintf(buf, len, "%s/%s", dir, JOURNAL_FILE);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* A record is an object with a string "op": anything else is not ours. */
static int valid_record(const json_t *rec)
{
	return json_is_object(rec) && json_is_string(json_object_get(rec, "op"));
}

/* Offset just past the last '\n' in the first 'size' bytes of fd, or 0. */
static int last_line_end(int fd, off_t size, off_t *end)
{
	char chunk[TAIL_CHUNK];
	off_t pos = size;
	size_t len;
	ssize_t n;
	int ret = 0;

	*end = 0;
	while (pos > 0) {
		len = pos < TAIL_CHUNK ? (size_t)pos : TAIL_CHUNK;
		pos -= len;
		n = pread(fd, chunk, len, pos);
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		if ((size_t)n != len) {
			ret = -EIO;
			goto out;
		}
		while (n > 0) {
			if (chunk[--n] == '\n') {
				*end = pos + n + 1;
				goto out;
			}
		}
	}
out:
	return ret;
}

/* Cut a torn last line (no '\n') off the journal at 'path', if any. */
static int trim_torn_tail(const char *path)
{
	struct stat st;
	off_t end;
	char c;
	int fd;
	int ret = 0;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	if (fstat(fd, &st)) {
		ret = -errno;
		goto out;
	}
	if (st.st_size == 0)
		goto out;
	if (pread(fd, &c, 1, st.st_size - 1) != 1) {
		ret = -EIO;
		goto out;
	}
	if (c == '\n')
		goto out;
	ret = last_line_end(fd, st.st_size, &end);
	if (ret)
		goto out;
	if (ftruncate(fd, end) || fdatasync(fd))
		ret = -errno;
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

/* Make the journal's directory entry durable too: a record flushed into a
 * file whose name is lost in a crash would be no record at all. */
static int sync_dir(const char *dir)
{
	int fd;
	int ret = 0;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	if (fsync(fd))
		ret = -errno;
	close(fd);
out:
	return ret;
}

int journal_open(const char *dir, struct journal **out)
{
	char path[PATH_MAX];
	struct journal *j = NULL;
	int ret;

	*out = NULL;
	ret = journal_path(dir, path, sizeof(path));
	if (ret)
		goto out;
	j = malloc(sizeof(*j));
	if (!j) {
		ret = -ENOMEM;
		goto out;
	}
	j->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (j->fd < 0) {
		ret = -errno;
		goto out;
	}
	ret = trim_torn_tail(path);
	if (ret)
		goto out;
	ret = sync_dir(dir);
	if (ret)
		goto out;
	*out = j;
	j = NULL;
out:
	journal_close(j);
	return ret;
}

void journal_close(struct journal *j)
{
	if (!j)
		return;
	if (j->fd >= 0)
		close(j->fd);
	free(j);
}

/* write() the whole buffer, resuming after short writes and signals. */
static int write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= n;
	}
	return 0;
}

/*
 * Undo a partly written record, so the next one is not glued onto it (that
 * would read back as a corrupt middle line). Best effort: the caller reports
 * the write error, and journal_open() trims a torn tail anyway.
 */
static void drop_tail(int fd, off_t size)
{
	if (ftruncate(fd, size))
		return;
}

int journal_append(struct journal *j, const json_t *rec)
{
	const size_t flags = JSON_COMPACT;
	char *line = NULL;
	struct stat st;
	size_t len;
	int ret = 0;

	if (!j || !valid_record(rec)) {
		ret = -EINVAL;
		goto out;
	}
	/* JSON_COMPACT never emits a raw newline (strings escape theirs), so
	 * the record is exactly one line. */
	len = json_dumpb(rec, NULL, 0, flags);
	if (!len) {
		ret = -EINVAL;
		goto out;
	}
	line = malloc(len + 1);
	if (!line) {
		ret = -ENOMEM;
		goto out;
	}
	if (json_dumpb(rec, line, len, flags) != len) {
		ret = -EINVAL;
		goto out;
	}
	line[len] = '\n';

	if (fstat(j->fd, &st)) {
		ret = -errno;
		goto out;
	}
	ret = write_all(j->fd, line, len + 1);
	if (ret) {
		drop_tail(j->fd, st.st_size);
		goto out;
	}
	/* no fdatasync: the journal guards against the CLI or the switch
	 * dying, and a completed write() is in the page cache for whoever
	 * reads next. A machine crash needs no journal: a reboot takes the
	 * namespaces and processes with it, and /run is volatile. */
out:
	free(line);
	return ret;
}

/* Read the whole of fd into a malloc'ed buffer. */
static int read_all(int fd, char **bufp, size_t *lenp)
{
	size_t cap = 4096, len = 0;
	char *buf, *tmp;
	ssize_t n;
	int ret = 0;

	buf = malloc(cap);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	for (;;) {
		if (len == cap) {
			tmp = realloc(buf, cap * 2);
			if (!tmp) {
				ret = -ENOMEM;
				goto out;
			}
			buf = tmp;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto out;
		}
		if (n == 0)
			break;
		len += n;
	}
out:
	if (ret) {
		free(buf);
		buf = NULL;
		len = 0;
	}
	*bufp = buf;
	*lenp = len;
	return ret;
}

/* Parse one line; NULL if it is not a valid record. */
static json_t *parse_line(const char *line, size_t len)
{
	json_t *rec;

	rec = json_loadb(line, len, 0, NULL);
	if (rec && !valid_record(rec)) {
		json_decref(rec);
		rec = NULL;
	}
	return rec;
}

static int journal_read(const char *dir, json_t **records, unsigned *skipped)
{
	char path[PATH_MAX];
	json_t *arr = NULL;
	char *buf = NULL;
	size_t len, pos, next;
	const char *nl;
	json_t *rec;
	int fd = -1;
	int ret;

	*records = NULL;
	ret = journal_path(dir, path, sizeof(path));
	if (ret)
		goto out;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	ret = read_all(fd, &buf, &len);
	if (ret)
		goto out;
	arr = json_array();
	if (!arr) {
		ret = -ENOMEM;
		goto out;
	}
	for (pos = 0; pos < len; pos = next) {
		nl = memchr(buf + pos, '\n', len - pos);
		next = nl ? (size_t)(nl - buf) + 1 : len;
		rec = parse_line(buf + pos, (nl ? (size_t)(nl - buf) : len) - pos);
		if (!rec) {
			/* Only an unterminated last line may be torn. */
			if (!nl)
				break;
			if (skipped != NULL) {
				++*skipped;
				continue;
			}
			ret = -EBADMSG;
			goto out;
		}
		if (json_array_append_new(arr, rec)) {
			ret = -ENOMEM;
			goto out;
		}
	}
	*records = arr;
	arr = NULL;
out:
	json_decref(arr);
	free(buf);
	if (fd >= 0)
		close(fd);
	return ret;
}

int journal_load(const char *dir, json_t **records)
{
	return journal_read(dir, records, NULL);
}

int journal_salvage(const char *dir, json_t **records, unsigned *skipped)
{
	*skipped = 0;
	return journal_read(dir, records, skipped);
}
