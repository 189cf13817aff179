/* tracefs.c - a tracepoint's id, from tracefs (mounted here when it is not). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "base.h"

static long read_id(const char *root, const char *event)
{
	char path[256];
	snprintf(path, sizeof path, "%s/events/%s/id", root, event);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	long id = -1;
	if (fscanf(f, "%ld", &id) != 1)
		id = -1;
	fclose(f);
	return id;
}

/*
 * The id lives in tracefs, mounted at one of two places. Many machines boot without it
 * mounted; root can mount it, and the syscall counts are the evidence this tool exists
 * for, so it does (once per process, and says so in `where`).
 */
long zc_tracepoint_id(const char *event, char *where, size_t wlen, char *why, size_t whylen)
{
	static const char *const roots[] = {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"};
	static int mounted_by_us;
	for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++) {
		long id = read_id(roots[i], event);
		if (id >= 0) {
			snprintf(where, wlen, "%s%s", roots[i],
				 mounted_by_us && i == 0 ? " (mounted by zcbench: it was not mounted)" : "");
			return id;
		}
	}
	if (geteuid() == 0 && !mounted_by_us) {
		if (mount("nodev", roots[0], "tracefs", 0, NULL) == 0) {
			mounted_by_us = 1;
			return zc_tracepoint_id(event, where, wlen, why, whylen);
		}
		snprintf(why, whylen, "tracefs not mounted and mounting it failed (%s): run 'mount -t tracefs nodev /sys/kernel/tracing'",
			 strerror(errno));
	} else {
		snprintf(why, whylen, "tracefs not readable (no events/%s/id under /sys/kernel/tracing): as root run 'mount -t tracefs nodev /sys/kernel/tracing', or run zcbench as root",
			 event);
	}
	snprintf(where, wlen, "unavailable: %s", why);
	return -1;
}
