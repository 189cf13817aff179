/*
 * tune.c - puts the machine in a benchmark-friendly state and back (zcbench --tune,
 * --tune-reset; make tune, make tune-reset).
 *
 * Knobs, where they exist: every core's cpufreq governor -> performance; boost/turbo
 * off (cpufreq/boost or intel_pstate/no_turbo); THP -> the mode asked for (--thp); the
 * page-fault fault-around size in debugfs -> the bytes asked for (--fault-around; a kernel
 * in lockdown refuses debugfs, and the message says so). The
 * values found are saved, once, to a state file before anything is changed; a second
 * --tune keeps the first saved state, so --tune-reset always restores what was there
 * before tuning. A knob that is missing (no cpufreq in a VM) or that we may not write
 * (not root) is reported and skipped. $ZCBENCH_SYSFS prefixes every path (tests use a
 * fake tree); $ZCBENCH_TUNE_STATE names the state file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "machine.h"

static const char *sysroot(void)
{
	const char *r = getenv("ZCBENCH_SYSFS");
	return r ? r : "";
}

const char *zc_tune_state_path(void)
{
	const char *p = getenv("ZCBENCH_TUNE_STATE");
	return p && *p ? p : "/var/tmp/zcbench-tune.state";
}

static int write_value(const char *path, const char *value, char *why, size_t len)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		snprintf(why, len, "%s", strerror(errno));
		return -1;
	}
	int bad = fputs(value, f) < 0;
	/* sysfs reports a refused value when the buffer is flushed: fclose's error counts. */
	if (fclose(f) != 0 || bad) {
		snprintf(why, len, "%s", strerror(errno));
		return -1;
	}
	return 0;
}

struct knob {
	const char *pattern; /* glob under the sysfs root */
	const char *want;    /* value to set; NULL: only when asked (THP) */
	const char *what;
};

/* Saves (once) and sets one knob; prints what happened. Returns 1 if set, 0 if not. */
static int tune_one(FILE *state, const char *path, const char *want, const char *what)
{
	char cur[256], why[128];
	if (zc_read_selected(path, cur, sizeof cur) != 0) {
		int e = errno;
		char lock[128] = "";
		if (e == EPERM && zc_read_selected("/sys/kernel/security/lockdown", lock, sizeof lock) != 0)
			lock[0] = '\0';
		printf("tune: %s: cannot read %s (%s%s%s), skipped\n", what, path, strerror(e),
		       lock[0] && strcmp(lock, "none") ? "; kernel lockdown: " : "", lock[0] && strcmp(lock, "none") ? lock : "");
		return 0;
	}
	if (state)
		fprintf(state, "%s\t%s\n", path, cur);
	if (strcmp(cur, want) == 0) {
		printf("tune: %s: already %s\n", what, want);
		return 1;
	}
	if (write_value(path, want, why, sizeof why) != 0) {
		printf("tune: %s: could not set %s to %s: %s%s\n", what, path, want, why,
		       geteuid() ? " (needs root)" : "");
		return 0;
	}
	printf("tune: %s: %s -> %s\n", what, cur, want);
	return 1;
}

int zc_tune(const char *thp, const char *fault_around)
{
	const struct knob knobs[] = {
		{"/sys/devices/system/cpu/cpu[0-9]*/cpufreq/scaling_governor", "performance", "governor"},
		{"/sys/devices/system/cpu/cpufreq/boost", "0", "boost"},
		{"/sys/devices/system/cpu/intel_pstate/no_turbo", "1", "turbo"},
		{"/sys/kernel/mm/transparent_hugepage/enabled", thp, "THP"},
		{"/sys/kernel/debug/fault_around_bytes", fault_around, "fault-around"},
	};
	/* debugfs is often not mounted; as root, mount it where the knob lives. */
	if (fault_around && !*sysroot() && access("/sys/kernel/debug/fault_around_bytes", F_OK) != 0 && geteuid() == 0)
		mount("none", "/sys/kernel/debug", "debugfs", 0, NULL);
	const char *sp = zc_tune_state_path();
	int fresh = access(sp, F_OK) != 0; /* keep the first saved state: it is the original */
	FILE *state = NULL;
	if (fresh && !(state = fopen(sp, "w")))
		printf("tune: cannot write the state file %s (%s): nothing will be changed\n", sp, strerror(errno));
	if (!fresh)
		printf("tune: %s exists (tuned before); keeping it so that --tune-reset restores the original state\n", sp);
	if (fresh && !state)
		return 0;
	int any = 0;
	for (size_t k = 0; k < sizeof knobs / sizeof knobs[0]; k++) {
		if (!knobs[k].want)
			continue;
		char pat[512];
		snprintf(pat, sizeof pat, "%s%s", sysroot(), knobs[k].pattern);
		glob_t g;
		if (glob(pat, 0, NULL, &g) != 0) {
			printf("tune: %s: not on this machine (%s), skipped\n", knobs[k].what, knobs[k].pattern);
			continue;
		}
		for (size_t i = 0; i < g.gl_pathc; i++)
			any |= tune_one(state, g.gl_pathv[i], knobs[k].want, knobs[k].what);
		globfree(&g);
	}
	if (state)
		fclose(state);
	printf("tune: state saved in %s; undo with: zcbench --tune-reset (or make tune-reset)\n", sp);
	printf("tune: ASLR is turned off for the benchmark process itself at every run (personality)\n");
	(void)any;
	return 0;
}

int zc_tune_reset(void)
{
	const char *sp = zc_tune_state_path();
	FILE *f = fopen(sp, "r");
	if (!f) {
		printf("tune-reset: no saved state (%s): nothing to restore\n", sp);
		return 0;
	}
	char line[1024];
	int failed = 0;
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		char *tab = strchr(line, '\t');
		if (!tab)
			continue;
		*tab = '\0';
		char why[128];
		if (write_value(line, tab + 1, why, sizeof why) != 0) {
			printf("tune-reset: could not restore %s to %s: %s\n", line, tab + 1, why);
			failed = 1;
		} else {
			printf("tune-reset: %s -> %s\n", line, tab + 1);
		}
	}
	fclose(f);
	if (failed) {
		printf("tune-reset: kept %s for another try\n", sp);
		return 1;
	}
	unlink(sp);
	return 0;
}
