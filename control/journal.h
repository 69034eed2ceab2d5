/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The lab journal: an append-only file of JSON records, one per line, under
 * the lab's run directory. A record is written (and flushed to the file
 * system) *before* the object it names is created, so that after any crash
 * (of the CLI or the switch) the journal lists a superset of what exists, and undoing it in reverse
 * order removes everything the lab created and nothing else.
 *
 * A record is a JSON object with at least "op" (string); the rest is the
 * op's own data. The journal does not interpret ops: lab.c does.
 */
#ifndef RL_JOURNAL_H
#define RL_JOURNAL_H

#include <jansson.h>

#define JOURNAL_FILE "journal"

struct journal;

/* Open (create or append to) DIR/journal. 0 or -errno. */
int journal_open(const char *dir, struct journal **out);

/* Append one record (one write(): a crash of this process cannot leave half
 * a record). Does not steal the reference. 0 or -errno. */
int journal_append(struct journal *j, const json_t *rec);

/* Close; NULL is a no-op. */
void journal_close(struct journal *j);

/* Read DIR/journal into a new JSON array of records in file order. A torn
 * last line (crash mid-write) is ignored; any other bad line is -EBADMSG.
 * -ENOENT if there is no journal. */
int journal_load(const char *dir, json_t **records);

/* journal_load for a journal that something other than rackless wrote
 * into: every line that is not a record is skipped and counted in
 * *skipped, so that the records around it can still be undone. */
int journal_salvage(const char *dir, json_t **records, unsigned *skipped);

#endif
