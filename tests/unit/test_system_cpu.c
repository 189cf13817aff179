/*
 * test_system_cpu.c - the whole-machine CPU accounting (run/system_cpu.c) and what the
 * analysis makes of it: the CPU verdict, peer-bound sides, zero-copy outcomes.
 * The accounting tests burn known amounts of CPU and check that they are all seen, and
 * that the sum agrees with the kernel's own tick accounting (/proc/stat) within 10%.
 */
#define _GNU_SOURCE
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fake_result.h"
#include "app.h"

static void test_parse_stat(void **st)
{
	(void)st;
	const char *text = "cpu  10 20 30 40 50 60 70 80 0 0\n"
			   "cpu0 1 2 3 4 5 6 7 8 0 0\n"
			   "cpu1 100 0 200 999 0 10 20 5 0 0\n"
			   "intr 12345\n";
	double f[4][ZC_NSTAT];
	memset(f, 0, sizeof f);
	assert_int_equal(zc_sys_parse_stat(text, f, 4, 10e6), 2);
	assert_true(f[0][ZC_STAT_USER] == 10e6 && f[0][ZC_STAT_NICE] == 20e6 && f[0][ZC_STAT_SYSTEM] == 30e6);
	assert_true(f[0][ZC_STAT_IRQ] == 60e6 && f[0][ZC_STAT_SOFTIRQ] == 70e6 && f[0][ZC_STAT_STEAL] == 80e6);
	assert_true(f[1][ZC_STAT_USER] == 1e9 && f[1][ZC_STAT_SYSTEM] == 2e9 && f[1][ZC_STAT_STEAL] == 50e6);
	/* idle and iowait (fields 4 and 5) are not busy: nothing of 999 appears */
	for (int i = 0; i < ZC_NSTAT; i++)
		assert_true(f[1][i] != 9990e6);
	assert_int_equal(zc_sys_parse_stat("cpu0 1 2 3\n", f, 4, 1), -1);
	assert_int_equal(zc_sys_parse_stat("intr 1\n", f, 4, 1), -1);
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void burn(double ns)
{
	double end = now_ns() + ns;
	volatile uint64_t x = 0;
	while (now_ns() < end)
		for (int i = 0; i < 1000; i++)
			x = x + (uint64_t)i;
}

/* The kernel's own account of an exited, not yet reaped child's CPU: utime + stime of
 * /proc/PID/stat, in clock ticks. A figure to agree with, whatever the machine's speed or
 * what else ran (valgrind's exit work in the child, a busy host). */
static double child_cpu_ns(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = '\0';
	const char *p = strrchr(buf, ')');
	unsigned long ut = 0, st = 0;
	/* after "(comm)": state, then fields 4..13, then utime (14) and stime (15) */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return NAN;
	return (double)(ut + st) * 1e9 / (double)sysconf(_SC_CLK_TCK);
}

static double tick_ns(void)
{
	return 1e9 / (double)sysconf(_SC_CLK_TCK);
}

/* CPU this process burns is in the machine's total, and a watched child's in the peers'. */
static void test_sees_own_and_peer_cpu(void **st)
{
	(void)st;
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		burn(200e6);
		_exit(0);
	}
	zc_peer_watch(child);
	struct zc_sys_reading *a = zc_sys_read(NULL);
	assert_non_null(a);
	burn(300e6);
	/* Wait for the child's burn to end, but read before it is reaped. */
	siginfo_t info;
	assert_int_equal(waitid(P_PID, (id_t)child, &info, WEXITED | WNOWAIT), 0);
	struct zc_sys_reading *b = zc_sys_read(a);
	assert_non_null(b);
	struct zc_sys_delta d;
	zc_sys_delta(a, b, &d);
	double kernel_ns = child_cpu_ns(child);
	assert_true(kernel_ns > 0);
	zc_peer_unwatch(child);
	waitpid(child, NULL, 0);
	assert_true(d.window_ns >= 300e6);
	assert_true(d.tasks_ns >= 0.95 * (300e6 + d.peers_ns));
	/* Its CPU since the window began: most of what the kernel counts (the child ran a
	 * little before the first reading), never more. */
	assert_true(d.peers_ns <= kernel_ns + 2 * tick_ns() && d.peers_ns >= 0.5 * kernel_ns);
	assert_true(d.processes > 1);
	zc_sys_reading_free(a);
	zc_sys_reading_free(b);
}

/* A process born after the window's start is found at its end, with all its CPU time. */
static void test_sees_a_newborn(void **st)
{
	(void)st;
	struct zc_sys_reading *a = zc_sys_read(NULL);
	assert_non_null(a);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		burn(200e6);
		_exit(0);
	}
	zc_peer_watch(child);
	siginfo_t info;
	assert_int_equal(waitid(P_PID, (id_t)child, &info, WEXITED | WNOWAIT), 0);
	struct zc_sys_reading *b = zc_sys_read(a);
	assert_non_null(b);
	struct zc_sys_delta d;
	zc_sys_delta(a, b, &d);
	double kernel_ns = child_cpu_ns(child);
	assert_true(kernel_ns > 0);
	zc_peer_unwatch(child);
	waitpid(child, NULL, 0);
	/* Born after the window began: all of what the kernel counts. */
	assert_true(fabs(d.peers_ns - kernel_ns) <= 2 * tick_ns() + 0.1 * kernel_ns);
	assert_true(d.tasks_ns >= d.peers_ns);
	zc_sys_reading_free(a);
	zc_sys_reading_free(b);
}

/* The must-have cross-check: over a second of known work, the sum of every process's CPU
 * clock and the kernel's tick accounting of all cores agree within 10%. A process born and
 * gone within the window is in neither end's list, so on a shared machine one attempt can
 * be disturbed: up to three attempts, one must agree. */
static void test_agrees_with_proc_stat(void **st)
{
	(void)st;
	int agreed = 0;
	for (int attempt = 0; attempt < 3 && !agreed; attempt++) {
		struct zc_sys_reading *a = zc_sys_read(NULL);
		burn(1000e6);
		struct zc_sys_reading *b = zc_sys_read(a);
		struct zc_sys_delta d;
		zc_sys_delta(a, b, &d);
		print_message("tasks %.1f ms, /proc/stat busy %.1f ms over %.1f ms\n", d.tasks_ns / 1e6,
			      d.stat_busy_ns / 1e6, d.window_ns / 1e6);
		assert_true(d.ncpu >= 1);
		assert_true(d.tasks_ns >= 0.95e9); /* our own burn, always */
		agreed = fabs(d.tasks_ns / d.stat_busy_ns - 1) < 0.10;
		zc_sys_reading_free(a);
		zc_sys_reading_free(b);
	}
	assert_true(agreed);
}

static void test_overhead_is_small(void **st)
{
	(void)st;
	double o = zc_sys_overhead();
	assert_true(o >= 0 && o < 5e6); /* the clock reads of an empty window, not a tick */
}

static int nop_run(void *s, uint64_t n)
{
	(void)s;
	(void)n;
	return ZC_OK;
}
static int nop_verify(void *s)
{
	(void)s;
	return ZC_OK;
}
static const struct zc_param params[] = {{"64KiB", 65536, 0, "d", 0}};
static const struct zc_pair pair = {
	.name = "fake_stream", .summary = "s", .params = params, .nparams = 1,
	.side = {{.desc = "b", .copies_per_iter = 1, .run = nop_run},
		 {.desc = "z", .copies_per_iter = 0, .copies_if_copied = 1, .run = nop_run}},
	.verify = nop_verify,
};

#define N 40

/*
 * A stream pair whose wall times are equal but whose baseline burns twice the system CPU,
 * waiting on its peer half of the time; the kernel copied 3 of 4 zero-copy sends.
 */
static void fake(struct zc_pair_result *r, double busy0)
{
	fake_result(r, &pair, &params[0], N);
	srand(7);
	for (int s = 0; s < 2; s++) {
		struct zc_side_result *sr = &r->side[s];
		for (int k = 0; k < N; k++) {
			double noise = 1 + 0.01 * ((double)rand() / RAND_MAX - 0.5);
			sr->real_ns[k] = 10000 * noise;
			sr->cpu_ns[k] = sr->real_ns[k] * (s ? 0.98 : busy0);
			sr->sys_ns[k] = (s ? 10000 : 20000) * noise;
			sr->peers_ns[k] = s ? 1000 : 9000;
			sr->stat_busy_ns[k] = sr->sys_ns[k];
			sr->csw[k] = s ? 0 : 0.1;
		}
		sr->sys_ns_sum = sr->stat_busy_ns_sum = s ? 1e6 : 2e6;
	}
	for (int k = 0; k < N; k++)
		r->ratio[k] = r->side[0].real_ns[k] / r->side[1].real_ns[k];
	r->side[1].zc_zero = 1;
	r->side[1].zc_copied = 3;
}

static void test_cpu_verdict_and_waiting(void **st)
{
	(void)st;
	struct zc_pair_result r;
	fake(&r, 0.5);
	struct zc_run run = {.results = &r, .n = 1, .alpha = 0.05, .equivalence = 0.05, .loop_floor_ns = 0.3};
	zc_analyse_run(&run);
	assert_int_equal(r.verdict, ZC_V_SAME);
	assert_int_equal(r.cpu_verdict, ZC_V_FASTER);
	assert_true(fabs(r.cpu_ratio_est.estimate - 2) < 0.02);
	assert_true(r.cpu_ratio_est.ci_low > 1.9 && r.cpu_ratio_est.ci_high < 2.1);
	assert_non_null(strstr(r.peer_bound, "baseline: 40 of 40 samples"));
	assert_null(strstr(r.peer_bound, "zerocopy"));
	assert_non_null(strstr(r.why, "the benchmark thread waited"));
	assert_non_null(strstr(r.why, "CPU verdict: faster"));
	assert_true(fabs(r.side[0].busy.value - 0.5) < 0.01);
	assert_true(fabs(r.side[0].peers.value - 9000) < 1e-9);
	assert_true(fabs(r.side[1].zc_effective - 0.25) < 1e-12);
	assert_true(fabs(r.side[1].copies_measured - 0.75) < 1e-12);
	assert_true(isnan(r.side[0].zc_effective) && isnan(r.side[0].copies_measured));
	assert_true(fabs(r.sys_check - 1) < 1e-12);
	zc_pair_result_free(&r);

	/* A busy baseline is not peer-bound. */
	fake(&r, 0.97);
	zc_analyse_run(&run);
	assert_string_equal(r.peer_bound, "");
	zc_pair_result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_stat),
		cmocka_unit_test(test_sees_own_and_peer_cpu),
		cmocka_unit_test(test_sees_a_newborn),
		cmocka_unit_test(test_agrees_with_proc_stat),
		cmocka_unit_test(test_overhead_is_small),
		cmocka_unit_test(test_cpu_verdict_and_waiting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
