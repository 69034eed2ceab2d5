/* SPDX-License-Identifier: BSD-3-Clause */
/* defaults.dns items (topo.h): what a resolv.conf may say. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "topo.h"

const char *topo_dns_server_why(const char *s)
{
	unsigned char a[16];

	if (inet_pton(AF_INET, s, a) == 1) {
		if (a[0] >= 224)
			return "multicast or reserved";
		if (!a[0] && !a[1] && !a[2] && !a[3])
			return "unspecified";
		return NULL;
	}
	if (inet_pton(AF_INET6, s, a) == 1) {
		static const unsigned char zero[16];

		if (a[0] == 0xff)
			return "multicast";
		if (!memcmp(a, zero, sizeof(zero)))
			return "unspecified";
		return NULL;
	}
	return "expected an IPv4 or IPv6 address";
}

/* Host-name rules (RFC 1123) with '_' allowed, as resolvers take it. */
const char *topo_dns_domain_why(const char *s)
{
	size_t len = strlen(s), label = 0;

	if (len == 0 || len > 253)
		return "expected a domain of 1 to 253 characters";
	if (s[0] == '.')
		return "a domain cannot start with '.'";
	for (const char *p = s; *p; p++) {
		if (*p == '.') {
			if (label == 0)
				return "empty label (two dots)";
			label = 0;
			continue;
		}
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9') && *p != '-' && *p != '_')
			return "a domain is letters, digits, '-', '_' and dots";
		if (++label > 63)
			return "a label is at most 63 characters";
	}
	return NULL;
}

/* resolv.conf(5)'s options: those without a value, then those with one
 * and its range (glibc clamps out-of-range numbers silently). */
static const char *const dns_flags[] = {
    "rotate",	    "no-check-names", "inet6",	      "edns0",	 "single-request",
    "single-request-reopen", "no-tld-query", "use-vc", "no-reload", "trust-ad",
    "no-aaaa",	    "debug"};
static const struct {
	const char *name;
	long min, max;
} dns_numbers[] = {{"ndots", 0, 15}, {"timeout", 1, 30}, {"attempts", 1, 5}};

const char *topo_dns_option_why(const char *s)
{
	const char *colon = strchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);

	if (colon == NULL) {
		for (size_t i = 0; i < sizeof(dns_flags) / sizeof(dns_flags[0]); i++)
			if (!strcmp(s, dns_flags[i]))
				return NULL;
	}
	for (size_t i = 0; i < sizeof(dns_numbers) / sizeof(dns_numbers[0]); i++) {
		char *end;
		long v;

		if (strlen(dns_numbers[i].name) != n || strncmp(s, dns_numbers[i].name, n))
			continue;
		if (colon == NULL || colon[1] < '0' || colon[1] > '9')
			return "expected NAME:N (ndots:2)";
		v = strtol(colon + 1, &end, 10);
		if (*end != '\0' || v < dns_numbers[i].min || v > dns_numbers[i].max)
			return "out of range (ndots 0-15, timeout 1-30, attempts 1-5)";
		return NULL;
	}
	return "unknown resolver option (resolv.conf(5): ndots:N, timeout:N, attempts:N, rotate, "
	       "edns0, single-request, trust-ad, ...)";
}
