/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stp.h"

int stp_compute(unsigned n_switches, const struct stp_link *links, unsigned n, uint8_t *blocked)
{
	unsigned *first = NULL, *next = NULL, *queue = NULL;
	uint8_t *seen = NULL;
	unsigned i;
	int ret = 0;

	for (i = 0; i < n; i++) {
		if (links[i].a >= n_switches || links[i].b >= n_switches)
			return -EINVAL;
	}
	/* adjacency as linked lists of link indices: entry 2i is link i seen
	 * from a, 2i+1 from b; lists keep topology order */
	first = malloc(sizeof(*first) * (n_switches + 1));
	next = malloc(sizeof(*next) * (2 * n + 1));
	queue = malloc(sizeof(*queue) * (n_switches + 1));
	seen = calloc(n_switches + 1, 1);
	if (first == NULL || next == NULL || queue == NULL || seen == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n_switches; i++)
		first[i] = UINT32_MAX;
	for (i = n; i-- > 0;) {
		/* prepend in reverse: lists end up in topology order */
		next[2 * i + 1] = first[links[i].b];
		first[links[i].b] = 2 * i + 1;
		next[2 * i] = first[links[i].a];
		first[links[i].a] = 2 * i;
		/* every up link starts blocked; tree links are opened below */
		blocked[i] = links[i].up != 0;
	}
	for (unsigned root = 0; root < n_switches; root++) {
		unsigned head = 0, tail = 0;

		if (seen[root])
			continue;
		seen[root] = 1;
		queue[tail++] = root;
		while (head < tail) {
			unsigned s = queue[head++];

			for (unsigned e = first[s]; e != UINT32_MAX; e = next[e]) {
				const struct stp_link *l = &links[e / 2];
				unsigned other = (e & 1) ? l->a : l->b;

				if (!l->up || seen[other])
					continue;
				seen[other] = 1;
				blocked[e / 2] = 0;
				queue[tail++] = other;
			}
		}
	}
out:
	free(first);
	free(next);
	free(queue);
	free(seen);
	return ret;
}
