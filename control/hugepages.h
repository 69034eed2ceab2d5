/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The machine's 2 MB hugepages, shared by every lab. A lab that finds too
 * few free adds what it lacks to nr_hugepages and journals how many it
 * added; its teardown takes exactly that many away again. Both are a
 * read-modify-write of nr_hugepages, done under an exclusive flock on that
 * file, so labs brought up and torn down side by side (parallel CI jobs)
 * each add and remove their own pages: without the lock two teardowns at
 * once read the same count and one lab's pages stayed reserved.
 */
#ifndef RL_HUGEPAGES_H
#define RL_HUGEPAGES_H

#define HUGEPAGES_DIR "/sys/kernel/mm/hugepages/hugepages-2048kB"

/* Called under the lock with the number of pages about to be added, before
 * they are (to journal it): 0 to go on, or -errno to add nothing. */
typedef int (*hugepages_note_fn)(long added, void *arg);

/* Make `need` pages free in dir (HUGEPAGES_DIR, or a directory of plain
 * files for tests) by adding what is missing to nr_hugepages. The pages the
 * kernel actually added are passed to note (to journal them) once they are
 * there; if note fails they are taken back. Returns the pages added (0:
 * enough were free, the kernel refused, or the machine has no hugepage
 * control), or note's -errno. *noted: note was called and said yes. */
long hugepages_reserve(const char *dir, long need, hugepages_note_fn note, void *arg, int *noted);

/* Give back `added` pages (nr_hugepages never goes below 0). 0 or -errno. */
int hugepages_release(const char *dir, long added);

#endif
