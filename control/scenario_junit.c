// SPDX-License-Identifier: BSD-3-Clause
/*
 * JUnit XML for a scenario run: one <testsuite> named after the scenario,
 * one <testcase> per assertion step (and per other step that could not be
 * carried out, as an <error>), <failure>/<error>/<skipped/> as they went.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"
#include "scenario.h"

/* Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), 0 if there is none: a
 * description or message cut in the middle of a character, or bytes of a
 * command's output that are not text. */
static int utf8_len(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	int n;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (int i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* Escape for both text and attribute values; control characters other than
 * tab and newline are not allowed in XML 1.0 at all, nor is anything that
 * is not UTF-8: '?' instead. */
static void xml_put(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch >= 0x80) {
			int n = utf8_len((const unsigned char *)s);

			if (n == 0) {
				fputc('?', f);
				continue;
			}
			fwrite(s, 1, (size_t)n, f);
			s += n - 1;
			continue;
		}
		switch (ch) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&apos;", f);
			break;
		case '\n':
			fputs("&#10;", f);
			break;
		case '\t':
			fputs("&#9;", f);
			break;
		default:
			fputc(ch < 0x20 || ch == 0x7f ? '?' : ch, f);
		}
	}
}

static int is_case(const struct scenario_step *st, const struct scenario_result *r)
{
	return scenario_step_is_assertion(st) || r->status == SCENARIO_ERROR;
}

static void put_case(FILE *f, const struct scenario *s, unsigned i, const struct scenario_result *r)
{
	char desc[256];

	scenario_step_describe(&s->steps[i], desc, sizeof(desc));
	fputs("    <testcase classname=\"", f);
	xml_put(f, s->name);
	fprintf(f, "\" name=\"[%u] ", i + 1);
	xml_put(f, desc);
	fprintf(f, "\" time=\"%.3f\"", r->secs);
	switch (r->status) {
	case SCENARIO_FAIL:
	case SCENARIO_ERROR:
		fprintf(f, ">\n      <%s message=\"",
			r->status == SCENARIO_FAIL ? "failure" : "error");
		xml_put(f, r->msg);
		fputs("\"/>\n    </testcase>\n", f);
		break;
	case SCENARIO_SKIP:
	case SCENARIO_NOT_RUN:
		fputs(">\n      <skipped/>\n    </testcase>\n", f);
		break;
	default:
		if (r->msg[0] == '\0') {
			fputs("/>\n", f);
			break;
		}
		/* what it measured, and where it sent: "loss 0%, ..., to fd00::2" */
		fputs(">\n      <system-out>", f);
		xml_put(f, r->msg);
		fputs("</system-out>\n    </testcase>\n", f);
	}
}

int scenario_junit_fprint(FILE *f, const struct scenario *s, const struct scenario_result *r,
			  double total_secs)
{
	unsigned tests = 0, fails = 0, errors = 0, skipped = 0;

	for (unsigned i = 0; i < s->n_steps; i++) {
		if (!is_case(&s->steps[i], &r[i]))
			continue;
		tests++;
		fails += r[i].status == SCENARIO_FAIL;
		errors += r[i].status == SCENARIO_ERROR;
		skipped += r[i].status == SCENARIO_SKIP || r[i].status == SCENARIO_NOT_RUN;
	}
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"", f);
	xml_put(f, s->name);
	fprintf(f, "\" tests=\"%u\" failures=\"%u\" errors=\"%u\" skipped=\"%u\" time=\"%.3f\">\n",
		tests, fails, errors, skipped, total_secs);
	if (s->has_seed) /* to replay the run: rackless run --seed N */
		fprintf(f,
			"    <properties>\n      <property name=\"seed\" value=\"%llu\"/>\n"
			"    </properties>\n",
			(unsigned long long)s->seed);
	for (unsigned i = 0; i < s->n_steps; i++)
		if (is_case(&s->steps[i], &r[i]))
			put_case(f, s, i, &r[i]);
	fputs("  </testsuite>\n</testsuites>\n", f);
	return ferror(f) ? -EIO : 0;
}

int scenario_junit_write(const char *path, const struct scenario *s,
			 const struct scenario_result *r, double total_secs)
{
	char tmp[PATH_MAX + 32];
	/* CI sees the old report or the new one whole, never half of one */
	FILE *f = atomicfile_open(path, 1, tmp, sizeof(tmp));

	if (f == NULL)
		return -errno;
	return atomicfile_commit(f, tmp, path, scenario_junit_fprint(f, s, r, total_secs));
}

int scenario_junit_write_setup(const char *path, const struct scenario *s, const char *msg,
			       double total_secs)
{
	return scenario_junit_write_error(path, s->name, "lab up", msg, total_secs);
}

int scenario_junit_write_error(const char *path, const char *suite, const char *what,
			       const char *msg, double total_secs)
{
	char tmp[PATH_MAX + 32];
	FILE *f = atomicfile_open(path, 1, tmp, sizeof(tmp));

	if (f == NULL)
		return -errno;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"", f);
	xml_put(f, suite);
	fprintf(f,
		"\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\" time=\"%.3f\">\n"
		"    <testcase classname=\"",
		total_secs);
	xml_put(f, suite);
	fputs("\" name=\"[0] ", f);
	xml_put(f, what);
	fputs("\" time=\"0.000\">\n      <error message=\"", f);
	xml_put(f, msg);
	fputs("\"/>\n    </testcase>\n  </testsuite>\n</testsuites>\n", f);
	return atomicfile_commit(f, tmp, path, 0);
}
