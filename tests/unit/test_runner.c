/*
 * Registry and runner with fake pairs: shared iteration counts, ABBA order, verify and
 * skip handling, teardown discipline, and measured syscall counts.
 */
#define _GNU_SOURCE
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <cmocka.h>

#include "harness.h"

#define LOG_MAX 4096
struct fake {
	int verify_rc, setup_rc, side_setup_rc;
	int torn_down, side_torn_down;
	uint64_t iters[2];
	int log[LOG_MAX]; /* which side ran, in call order */
	uint64_t log_iters[LOG_MAX];
	size_t nlog;
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
static int run_side(struct fake *f, int side, uint64_t iters)
{
	if (f->nlog < LOG_MAX) {
		f->log[f->nlog] = side;
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

static struct zc_counters no_counters(void)
{
	struct zc_counters c;
	memset(&c, 0, sizeof c);
	for (int i = 0; i < ZC_NCOUNTERS; i++)
		c.fd[i] = -1;
	c.leader[0] = c.leader[1] = -1;
	return c;
}

static const struct zc_run_config run_cfg = {.repetitions = 8, .min_time = 0.0002,
					     .max_rounds = 8, .target_ci = 0.02, .pair_time = 60};

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

static void test_rounds_abba(void **st)
{
	(void)st;
	struct zc_counters c = no_counters();
	struct zc_pair_result r;
	memset(&cfg, 0, sizeof cfg);
	zc_run_pair(&run_cfg, &c, &fake_pair, &fparams[0], &r);
	assert_int_equal(r.status, ZC_ST_OK);
	assert_int_equal(r.rounds, 8);
	assert_true(r.verified);
	assert_true(r.iterations >= 1);
	/* Same work on both sides. */
	assert_true(last->iters[0] == last->iters[1]);
	/* The last 16 calls are the timed rounds: AB BA AB BA ... */
	size_t base = last->nlog - 16;
	for (size_t k = 0; k < 8; k++) {
		int first = last->log[base + 2 * k], second = last->log[base + 2 * k + 1];
		assert_int_equal(first, k % 2 ? 1 : 0);
		assert_int_equal(second, k % 2 ? 0 : 1);
		assert_true(last->log_iters[base + 2 * k] == r.iterations);
	}
	assert_int_equal(cfg.torn_down, 1);
	assert_int_equal(cfg.side_torn_down, 2);
	for (size_t k = 0; k < r.rounds; k++)
		assert_float_equal(r.ratio[k], r.side[0].real_ns[k] / r.side[1].real_ns[k], 1e-12);
	/* Unavailable counters are NAN (null in JSON), never 0. */
	assert_true(isnan(r.side[0].cnt_per_iter[ZC_CNT_SYSCALLS]));
	zc_pair_result_free(&r);
}

static void test_verify_failure(void **st)
{
	(void)st;
	struct zc_counters c = no_counters();
	struct zc_pair_result r;
	memset(&cfg, 0, sizeof cfg);
	cfg.verify_rc = ZC_ERROR;
	zc_run_pair(&run_cfg, &c, &fake_pair, &fparams[0], &r);
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
	struct zc_counters c = no_counters();
	struct zc_pair_result r;
	memset(&cfg, 0, sizeof cfg);
	cfg.setup_rc = ZC_SKIP;
	zc_run_pair(&run_cfg, &c, &fake_pair, &fparams[0], &r);
	assert_int_equal(r.status, ZC_ST_SKIPPED);
	assert_non_null(strstr(r.message, "ENOSYS"));
	zc_pair_result_free(&r);

	memset(&cfg, 0, sizeof cfg);
	cfg.side_setup_rc = ZC_SKIP;
	zc_run_pair(&run_cfg, &c, &fake_pair, &fparams[0], &r);
	assert_int_equal(r.status, ZC_ST_SKIPPED);
	assert_non_null(strstr(r.message, "fake side unsupported"));
	assert_int_equal(cfg.torn_down, 1); /* pair setup succeeded: its teardown ran */
	zc_pair_result_free(&r);

	memset(&cfg, 0, sizeof cfg);
	cfg.setup_rc = ZC_ERROR;
	zc_run_pair(&run_cfg, &c, &fake_pair, &fparams[0], &r);
	assert_int_equal(r.status, ZC_ST_ERROR);
	assert_non_null(strstr(r.message, "fake setup broke"));
	zc_pair_result_free(&r);
}

/* The evidence claim: one real syscall per iteration is measured as 1.00 per iteration. */
static void test_syscall_counter(void **st)
{
	(void)st;
	struct zc_counters c;
	zc_counters_open(&c);
	if (!zc_counters_available(&c, ZC_CNT_SYSCALLS)) {
		zc_counters_close(&c);
		skip(); /* not root and paranoid kernel: nothing to check here */
	}
	zc_counters_calibrate(&c);
	struct zc_pair_result r;
	memset(&cfg, 0, sizeof cfg);
	cfg.syscall_per_iter = 1;
	zc_run_pair(&run_cfg, &c, &fake_pair, &fparams[0], &r);
	assert_int_equal(r.status, ZC_ST_OK);
	/* Exact natively; valgrind's scheduler adds a stray syscall now and then (~1e-4). */
	assert_float_equal(r.side[0].cnt_per_iter[ZC_CNT_SYSCALLS], 1.0, 0.01);
	assert_float_equal(r.side[1].cnt_per_iter[ZC_CNT_SYSCALLS], 1.0, 0.01);
	zc_pair_result_free(&r);

	memset(&cfg, 0, sizeof cfg);
	zc_run_pair(&run_cfg, &c, &fake_pair, &fparams[0], &r);
	assert_float_equal(r.side[0].cnt_per_iter[ZC_CNT_SYSCALLS], 0.0, 0.01);
	zc_pair_result_free(&r);

	/* Page faults: 16 fresh pages touched per iteration are 16 faults, every sample
	 * (grouped software events once lost most of these). mmap+munmap: 2 syscalls. */
	if (zc_counters_available(&c, ZC_CNT_PAGE_FAULTS)) {
		memset(&cfg, 0, sizeof cfg);
		cfg.faults_per_iter = 16;
		zc_run_pair(&run_cfg, &c, &fake_pair, &fparams[0], &r);
		assert_int_equal(r.status, ZC_ST_OK);
		for (size_t k = 0; k < r.rounds; k++)
			for (int s = 0; s < 2; s++)
				assert_float_equal(r.side[s].cnt[ZC_CNT_PAGE_FAULTS][k], 16.0, 0.05);
		assert_float_equal(r.side[0].cnt_per_iter[ZC_CNT_SYSCALLS], 2.0, 0.01);
		zc_pair_result_free(&r);
	}
	zc_counters_close(&c);
}

static void stability_of(const double *ratio, size_t n, struct zc_pair_result *r)
{
	memset(r, 0, sizeof *r);
	r->ratio = (double *)ratio;
	r->rounds = n;
	zc_summarize(ratio, n, &r->ratio_summary);
	zc_stability(r);
}

static void test_stability(void **st)
{
	(void)st;
	struct zc_pair_result r;
	/* Faster in both halves: the verdict holds. */
	static const double steady[] = {1.30, 1.31, 1.29, 1.32, 1.30, 1.31, 1.28, 1.30, 1.33, 1.29};
	stability_of(steady, 10, &r);
	assert_string_equal(r.verdict, "faster");
	assert_true(r.held);
	assert_string_equal(r.stability, "");

	/* Faster overall (interval [x6, x15] = [1.2, 1.5]), but the second half's median
	 * is below 1: the machine changed during the run. Unstable. */
	static const double drift[] = {1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5,
				       0.5, 1.2, 0.5, 1.2, 0.5, 1.2, 0.5, 1.2, 0.5, 1.2};
	stability_of(drift, 20, &r);
	assert_string_equal(r.raw_verdict, "faster");
	assert_true(r.half_ratio[1] < 1);
	assert_false(r.held);
	assert_string_equal(r.verdict, "unstable");
	assert_non_null(strstr(r.stability, "did not hold"));

	/* "same" with a narrow interval is a verdict... */
	static const double same[] = {0.99, 1.01, 1.00, 0.98, 1.02, 1.00, 0.99, 1.01, 1.00, 1.00};
	stability_of(same, 10, &r);
	assert_string_equal(r.verdict, "same");
	/* ...with a wide one it is not: it cannot tell "no difference" from a 40% one. */
	static const double wide[] = {0.7, 1.3, 0.8, 1.4, 0.9, 1.2, 0.75, 1.35, 1.0, 1.1};
	stability_of(wide, 10, &r);
	assert_string_equal(r.raw_verdict, "same");
	assert_string_equal(r.verdict, "unstable");
	assert_non_null(strstr(r.stability, "too wide"));
}

/* --max-rounds: rounds are added two at a time until the interval is narrow enough. */
static void test_adaptive_rounds(void **st)
{
	(void)st;
	struct zc_counters c = no_counters();
	struct zc_pair_result r;
	struct zc_run_config cfg2 = run_cfg;
	cfg2.repetitions = 6;
	cfg2.max_rounds = 20;
	cfg2.pair_time = 60;
	cfg2.target_ci = 1e-12; /* unreachable: runs to max_rounds */
	memset(&cfg, 0, sizeof cfg);
	zc_run_pair(&cfg2, &c, &fake_pair, &fparams[0], &r);
	assert_int_equal(r.status, ZC_ST_OK);
	assert_int_equal(r.rounds, 20);
	zc_pair_result_free(&r);

	cfg2.target_ci = 10; /* +-1000%: reached at once, stops at the minimum */
	zc_run_pair(&cfg2, &c, &fake_pair, &fparams[0], &r);
	assert_int_equal(r.rounds, 6);
	zc_pair_result_free(&r);

	cfg2.target_ci = 1e-12;
	cfg2.pair_time = 1e-9; /* time budget spent at once: stops at the minimum */
	zc_run_pair(&cfg2, &c, &fake_pair, &fparams[0], &r);
	assert_int_equal(r.rounds, 6);
	zc_pair_result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_rounds_abba),
		cmocka_unit_test(test_verify_failure),
		cmocka_unit_test(test_skip_and_setup_error),
		cmocka_unit_test(test_syscall_counter),
		cmocka_unit_test(test_stability),
		cmocka_unit_test(test_adaptive_rounds),
	};
	return cmocka_run_group_tests_name("runner", tests, NULL, NULL);
}
