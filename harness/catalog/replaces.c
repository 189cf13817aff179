/*
 * replaces.c - the grammar of zc_pair.replaces ("in:file out:tcp|unix"): what IO a pair's
 * baseline is, in the descriptor kinds the IO tracer (trace/) resolves.
 */
#include <stdio.h>
#include <string.h>

#include "catalog.h"

const char *const zc_fd_kind_name[ZC_NFDKINDS] = {"file", "tcp", "udp", "unix", "pipe", "other"};

int zc_replaces_parse(const char *s, struct zc_replaces_term *t, int max, char *why, size_t whylen)
{
	int n = 0;
	char buf[256];
	snprintf(buf, sizeof buf, "%s", s);
	for (char *save = NULL, *tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		char *colon = strchr(tok, ':');
		if (n == max) {
			snprintf(why, whylen, "more than %d terms", max);
			return -1;
		}
		if (!colon || (strncmp(tok, "in:", 3) && strncmp(tok, "out:", 4))) {
			snprintf(why, whylen, "'%s' is not in:KINDS or out:KINDS", tok);
			return -1;
		}
		t[n].dir = tok[0] == 'i' ? ZC_DIR_IN : ZC_DIR_OUT;
		t[n].kinds = 0;
		for (char *s2 = NULL, *k = strtok_r(colon + 1, "|", &s2); k; k = strtok_r(NULL, "|", &s2)) {
			int found = -1;
			for (int i = 0; i < ZC_FD_OTHER; i++)
				if (!strcmp(k, zc_fd_kind_name[i]))
					found = i;
			if (found < 0) {
				snprintf(why, whylen, "'%s' is not a kind (file, tcp, udp, unix, pipe)", k);
				return -1;
			}
			t[n].kinds |= 1u << found;
		}
		n++;
	}
	if (!n)
		snprintf(why, whylen, "empty");
	return n ? n : -1;
}

int zc_replaces_check(const char *replaces, char *why, size_t whylen)
{
	struct zc_replaces_term t[ZC_REPLACES_TERMS];
	return zc_replaces_parse(replaces, t, ZC_REPLACES_TERMS, why, whylen) < 0 ? -1 : 0;
}
