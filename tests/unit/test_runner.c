/*
 * Registry and runner with fake pairs: per-side iteration counts, AB|BA blocks with
 * counted blocks between them, no perf event open during timed samples, verify and
 * skip handling, teardown discipline, and measured syscall and fault counts.
 */
#define _GNU_SOURCE
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <cmocka.h>

#include "app.h"

#define LOG_MAX 4096
struct fake {
	int verify_rc, setup_rc, side_setup_rc;
	int torn_down, side_torn_down;
	uint64_t iters[2];
	int log[LOG_MAX]; /* which side ran, in call order */
	uint64_t log_iters[LOG_MAX];
	int log_perf[LOG_MAX]; /* perf event fds open during the call */
	size_t nlog;
	int a_slower;          /* side a does extra work per iteration */
	int check_perf;        /* scan /proc/self/fd for perf events on every call */
	int syscall_per_iter;
	int faults_per_iter; /* touches this many fresh anonymous pages per iteration */
};
static struct fake snap;  /* the state as teardown saw it, for inspection */
static struct fake *last = &snap;
static struct fake cfg;   /* behaviour of the next run */

static int f_setup(void *st, const struct zc_param *p)
{
	(void)p;
	struct fake *f = st;
	*f = cfg;
	if (f->setup_rc == ZC_SKIP)
		zc_skipf("fake primitive missing (ENOSYS)");
	if (f->setup_rc == ZC_ERROR)
		zc_errorf("fake setup broke");
	return f->setup_rc;
}
static int f_side_setup(void *st, const struct zc_param *p)
{
	(void)p;
	struct fake *f = st;
	if (f->side_setup_rc == ZC_SKIP)
		zc_skipf("fake side unsupported");
	return f->side_setup_rc;
}
static void f_side_teardown(void *st)
{
	((struct fake *)st)->side_torn_down++;
}
static int perf_fds_open(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;
	struct dirent *e;
	while (d && (e = readdir(d))) {
		char path[300], target[64];
		snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
		ssize_t k = readlink(path, target, sizeof target - 1);
		if (k > 0) {
			target[k] = '\0';
			n += strstr(target, "perf_event") != NULL;
		}
	}
	if (d)
		closedir(d);
	return n;
}

static int run_side(struct fake *f, int side, uint64_t iters)
{
	if (f->nlog < LOG_MAX) {
		f->log[f->nlog] = side;
		f->log_perf[f->nlog] = f->check_perf ? perf_fds_open() : -1;
		f->log_iters[f->nlog++] = iters;
	}
	for (uint64_t i = 0; i < iters; i++) {
		if (f->syscall_per_iter)
			syscall(SYS_getppid); /* never cached by libc: one real syscall */
		if (f->faults_per_iter) {
			size_t len = (size_t)f->faults_per_iter * 4096;
			volatile unsigned char *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
							 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			for (size_t p = 0; p < len; p += 4096)
				m[p] = 1; /* one fault per page: anonymous memory has no fault-around */
			munmap((void *)m, len);
		}
		if (side == 0 && f->a_slower)
			for (uint64_t j = 0; j < 200; j++)
				zc_use(j);
		zc_use(i);
	}
	f->iters[side] += iters;
	return ZC_OK;
}
static int f_run_a(void *st, uint64_t n) { return run_side(st, 0, n); }
static int f_run_b(void *st, uint64_t n) { return run_side(st, 1, n); }
static int f_verify(void *st)
{
	struct fake *f = st;
	if (f->verify_rc != ZC_OK)
		zc_errorf("hash 0x1 != 0x2");
	return f->verify_rc;
}
static void f_teardown(void *st)
{
	((struct fake *)st)->torn_down++;
	snap = *(struct fake *)st;
	cfg.torn_down = ((struct fake *)st)->torn_down;
	cfg.side_torn_down = ((struct fake *)st)->side_torn_down;
}

static const struct zc_param fparams[] = {{"1B", 1, 0, "fake", 0}};
static const struct zc_pair fake_pair = {
	.name = "fake_pair",
	.summary = "fake",
	.params = fparams,
	.nparams = 1,
	.state_size = sizeof(struct fake),
	.setup = f_setup,
	.side = {{.desc = "a", .copies_per_iter = 1, .setup = f_side_setup, .run = f_run_a,
		  .teardown = f_side_teardown},
		 {.desc = "b", .copies_per_iter = 0, .setup = f_side_setup, .run = f_run_b,
		  .teardown = f_side_teardown}},
	.verify = f_verify,
	.teardown = f_teardown,
};

static const struct zc_run_config run_cfg = {.rounds = 8, .min_time = 0.0002, .cpu = 0, .ref_ghz = NAN};

static void test_registry(void **st)
{
	(void)st;
	char why[256];
	zc_registry_reset();
	assert_int_equal(zc_registry_add(&fake_pair, why, sizeof why), 0);
	assert_int_equal(zc_registry_add(&fake_pair, why, sizeof why), -1);
	assert_non_null(strstr(why, "twice"));
	struct zc_pair bad = fake_pair;
	bad.name = "bad name";
	assert_int_equal(zc_registry_add(&bad, why, sizeof why), -1);
	bad = fake_pair;
	bad.name = "no_verify";
	bad.verify = NULL;
	assert_int_equal(zc_registry_add(&bad, why, sizeof why), -1);
	bad = fake_pair;
	bad.name = "aaa_first";
	assert_int_equal(zc_registry_add(&bad, why, sizeof why), 0);
	assert_int_equal(zc_registry_count(), 2);
	assert_string_equal(zc_registry_get(0)->name, "aaa_first"); /* sorted by name */
	assert_ptr_equal(zc_registry_find("fake_pair"), &fake_pair);
	assert_null(zc_registry_find("nope"));
	zc_registry_reset();
}

static int counters_here(enum zc_counter i)
{
	struct zc_counters c;
	zc_counters_open(&c);
	int ok = zc_counters_available(&c, i);
	zc_counters_close(&c);
	return ok;
}

static void test_rounds_abba(void **st)
{
	(void)st;
	struct zc_pair_result r;
	memset(&cfg, 0, sizeof cfg);
	cfg.a_slower = 1;
	cfg.check_perf = 1;
	/* Samples long enough that the fd scan per call (slow under valgrind) is not what
	 * calibration measures. */
	struct zc_run_config longer = run_cfg;
	longer.min_time = 0.01;
	zc_run_pair(&longer, &fake_pair, &fparams[0], &r);
	assert_int_equal(r.status, ZC_ST_OK);
	assert_int_equal(r.rounds, 8);
	assert_true(r.verified);
	/* Each side its own count: the slower side runs fewer iterations per sample. */
	assert_true(r.side[0].iterations >= 1);
	assert_true(r.side[0].iterations < r.side[1].iterations);
	/* 4 timed blocks, one counted block (one per four timed ones) after the 2nd, followed
	 * by one discarded re-warm sample per side; after it the blocks run BA|AB, so that
	 * what it leaves behind falls on both sides alike. */
	assert_int_equal(r.side[0].ncounted, 2);
	assert_int_equal(r.side[1].ncounted, 2);
	static const char pattern[] = "ABBAABBA" "ABBA" "AB" "BAABBAAB";
	static const char role[] = "TTTTTTTT" "CCCC" "RR" "TTTTTTTT";
	size_t base = last->nlog - 22;
	int any_counted_perf = 0;
	for (size_t k = 0; k < 22; k++) {
		int side = last->log[base + k];
		assert_int_equal(side, pattern[k] == 'B');
		assert_true(last->log_iters[base + k] == r.side[side].iterations);
		if (role[k] == 'C')
			any_counted_perf |= last->log_perf[base + k] > 0;
		else
			assert_int_equal(last->log_perf[base + k], 0); /* timed and re-warm: no perf event */
	}
	if (counters_here(ZC_CNT_PAGE_FAULTS))
		assert_true(any_counted_perf);
	assert_int_equal(cfg.torn_down, 1);
	assert_int_equal(cfg.side_torn_down, 2);
	for (size_t k = 0; k < r.rounds; k++) {
		assert_float_equal(r.ratio[k], r.side[0].real_ns[k] / r.side[1].real_ns[k], 1e-12);
		static const unsigned char first[8] = {0, 1, 0, 1, 1, 0, 1, 0};
		assert_int_equal(r.first[k], first[k]);
	}
	/* A run with no host readings (fake cpu) still has no flags set by them. */
	for (size_t k = 0; k < r.rounds; k++)
		assert_int_equal(r.side[0].host_flags[k] & ZC_HOST_SLOWED, 0);
	zc_pair_result_free(&r);
}

static void test_verify_failure(void **st)
{
	(void)st;
	struct zc_pair_result r;
	memset(&cfg, 0, sizeof cfg);
	cfg.verify_rc = ZC_ERROR;
	zc_run_pair(&run_cfg, &fake_pair, &fparams[0], &r);
	assert_int_equal(r.status, ZC_ST_ERROR);
	assert_false(r.verified);
	assert_non_null(strstr(r.message, "verify failed"));
	assert_non_null(strstr(r.message, "hash 0x1 != 0x2"));
	assert_int_equal(cfg.torn_down, 1);
	zc_pair_result_free(&r);
}

static void test_skip_and_setup_error(void **st)
{
	(void)st;
	struct zc_pair_result r;
	memset(&cfg, 0, sizeof cfg);
	cfg.setup_rc = ZC_SKIP;
	zc_run_pair(&run_cfg, &fake_pair, &fparams[0], &r);
	assert_int_equal(r.status, ZC_ST_SKIPPED);
	assert_non_null(strstr(r.message, "ENOSYS"));
	zc_pair_result_free(&r);

	memset(&cfg, 0, sizeof cfg);
	cfg.side_setup_rc = ZC_SKIP;
	zc_run_pair(&run_cfg, &fake_pair, &fparams[0], &r);
	assert_int_equal(r.status, ZC_ST_SKIPPED);
	assert_non_null(strstr(r.message, "fake side unsupported"));
	assert_int_equal(cfg.torn_down, 1); /* pair setup succeeded: its teardown ran */
	zc_pair_result_free(&r);

	memset(&cfg, 0, sizeof cfg);
	cfg.setup_rc = ZC_ERROR;
	zc_run_pair(&run_cfg, &fake_pair, &fparams[0], &r);
	assert_int_equal(r.status, ZC_ST_ERROR);
	assert_non_null(strstr(r.message, "fake setup broke"));
	zc_pair_result_free(&r);
}

/* The evidence claim: one real syscall per iteration is counted as 1.00 per iteration. */
static void test_syscall_counter(void **st)
{
	(void)st;
	if (!counters_here(ZC_CNT_SYSCALLS))
		skip(); /* not root and paranoid kernel: nothing to check here */
	struct zc_pair_result r;
	memset(&cfg, 0, sizeof cfg);
	cfg.syscall_per_iter = 1;
	zc_run_pair(&run_cfg, &fake_pair, &fparams[0], &r);
	assert_int_equal(r.status, ZC_ST_OK);
	/* Exact natively (within 1%); under valgrind its scheduler adds stray syscalls of its
	 * own (seen: 1.07 per iteration once the runner read the machine around samples). */
	const char *pre = getenv("LD_PRELOAD");
	double tol = pre && strstr(pre, "vgpreload") ? 0.15 : 0.01;
	for (int s = 0; s < 2; s++)
		for (size_t k = 0; k < r.side[s].ncounted; k++)
			assert_float_equal(r.side[s].cnt[ZC_CNT_SYSCALLS][k], 1.0, tol);
	zc_pair_result_free(&r);

	memset(&cfg, 0, sizeof cfg);
	zc_run_pair(&run_cfg, &fake_pair, &fparams[0], &r);
	for (size_t k = 0; k < r.side[0].ncounted; k++)
		assert_float_equal(r.side[0].cnt[ZC_CNT_SYSCALLS][k], 0.0, 0.01);
	zc_pair_result_free(&r);

	/* Page faults: 16 fresh pages touched per iteration are 16 faults, every sample
	 * (grouped software events once lost most of these). mmap+munmap: 2 syscalls. */
	if (counters_here(ZC_CNT_PAGE_FAULTS)) {
		memset(&cfg, 0, sizeof cfg);
		cfg.faults_per_iter = 16;
		zc_run_pair(&run_cfg, &fake_pair, &fparams[0], &r);
		assert_int_equal(r.status, ZC_ST_OK);
		for (int s = 0; s < 2; s++)
			for (size_t k = 0; k < r.side[s].ncounted; k++) {
				assert_float_equal(r.side[s].cnt[ZC_CNT_PAGE_FAULTS][k], 16.0, 0.05);
				assert_float_equal(r.side[s].cnt[ZC_CNT_SYSCALLS][k], 2.0, 0.01);
			}
		zc_pair_result_free(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_rounds_abba),
		cmocka_unit_test(test_verify_failure),
		cmocka_unit_test(test_skip_and_setup_error),
		cmocka_unit_test(test_syscall_counter),
	};
	return cmocka_run_group_tests_name("runner", tests, NULL, NULL);
}
