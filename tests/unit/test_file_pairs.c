/*
 * The file pairs and their test data: the recipe's checksums are reproduced by the
 * generator, broken files are regenerated, a corrupted file fails every pair's verify,
 * and a warm size larger than memory is refused before anything runs.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "app.h"

static char dir[64];

static int make_dir(void **st)
{
	(void)st;
	snprintf(dir, sizeof dir, "/tmp/zcbench-td-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	setenv("ZCBENCH_TESTDATA", dir, 1);
	return 0;
}

static int remove_dir(void **st)
{
	(void)st;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Every recipe entry up to 4 MiB, recomputed from its seed, matches what is recorded. */
static void test_recipe_reproducible(void **st)
{
	(void)st;
	size_t sizes[32];
	int sweep[32];
	int n = zc_recipe_sizes(sizes, sweep, 32);
	assert_true(n >= 5);
	int checked = 0;
	for (int i = 0; i < n; i++) {
		if (sizes[i] > (4u << 20))
			continue;
		struct zc_recipe r;
		uint64_t xx;
		unsigned char sha[32];
		assert_int_equal(zc_recipe_find(sizes[i], &r), 0);
		assert_int_equal(zc_recipe_digest(&r, &xx, sha), 0);
		assert_true(xx == r.xxh3);
		assert_memory_equal(sha, r.sha256, 32);
		checked++;
	}
	assert_true(checked >= 5);
}

static void test_generate_and_repair(void **st)
{
	(void)st;
	struct zc_testdata td;
	assert_int_equal(zc_testdata_open(4096, &td), ZC_OK); /* generated: it was missing */
	assert_true(strstr(td.path, dir) == td.path);
	unsigned char buf[4096];
	assert_int_equal(pread(td.fd, buf, sizeof buf, 0), 4096);
	assert_true(zc_hash(buf, 4096) == td.xxh3);
	zc_testdata_close(&td);

	/* Truncate it: the next open regenerates it whole. */
	assert_int_equal(truncate(td.path, 100), 0);
	assert_int_equal(zc_testdata_open(4096, &td), ZC_OK);
	struct stat sb;
	assert_int_equal(fstat(td.fd, &sb), 0);
	assert_int_equal(sb.st_size, 4096);
	zc_testdata_close(&td);

	/* Same size, one byte changed: caught by the checksum, regenerated. */
	int fd = open(td.path, O_WRONLY);
	assert_int_equal(pwrite(fd, "X", 1, 7), 1);
	close(fd);
	assert_int_equal(zc_testdata_open(4096, &td), ZC_OK);
	assert_int_equal(pread(td.fd, buf, sizeof buf, 0), 4096);
	assert_true(zc_hash(buf, 4096) == td.xxh3);
	zc_testdata_close(&td);

	/* No temporary files are left next to the data. */
	char cmd[160];
	snprintf(cmd, sizeof cmd, "test -z \"$(ls -A '%s' | grep -v '^random-4KiB.bin$')\"", dir);
	assert_int_equal(system(cmd), 0);

	/* A size the recipe does not know is an error that names the recipe. */
	assert_int_equal(zc_testdata_open(12345, &td), ZC_ERROR);
	assert_non_null(strstr(zc_last_message(), "recipe"));
}

static const struct zc_param *param(const struct zc_pair *p, const char *name)
{
	for (size_t i = 0; i < p->nparams; i++)
		if (strcmp(p->params[i].name, name) == 0)
			return &p->params[i];
	return NULL;
}

/* The smallest param a default run has: the cheapest setup of the pair. */
static const struct zc_param *smallest_param(const struct zc_pair *p)
{
	const struct zc_param *best = NULL;
	for (size_t i = 0; i < p->nparams; i++) {
		const struct zc_param *q = &p->params[i];
		if (!(q->flags & (ZC_PARAM_SWEEP | ZC_PARAM_SINGLE)) && (!best || q->bytes < best->bytes))
			best = q;
	}
	return best;
}

/* A test file changed under the mapping (or the buffer): every pair that keeps one open
 * after its setup fails its verify loudly. No pair is named: pairs that hold no test file
 * (they copy it at setup, or use none) have nothing to corrupt here; streams.bats damages
 * their streams instead. */
static void test_verify_catches_corruption(void **st)
{
	(void)st;
	size_t checked = 0;
	for (size_t i = 0; i < zc_registry_count(); i++) {
		const struct zc_pair *p = zc_registry_get(i);
		const struct zc_param *q = smallest_param(p);
		assert_non_null(q);
		void *state = calloc(1, p->state_size);
		int rc = p->setup ? p->setup(state, q) : ZC_OK;
		size_t held[4], nheld = zc_testdata_held(held, 4);
		if (rc == ZC_SKIP || nheld == 0) { /* io_uring disabled here, or no file kept */
			if (p->teardown)
				p->teardown(state);
			free(state);
			continue;
		}
		if (rc != ZC_OK)
			fail_msg("%s/%s setup: %s", p->name, q->name, zc_last_message());
		if (p->verify(state) != ZC_OK)
			fail_msg("%s/%s verify: %s", p->name, q->name, zc_last_message());

		struct zc_testdata td[4];
		for (size_t k = 0; k < nheld; k++) {
			assert_int_equal(zc_testdata_open(held[k], &td[k]), ZC_OK);
			int fd = open(td[k].path, O_WRONLY);
			unsigned char b;
			assert_int_equal(pread(td[k].fd, &b, 1, 100), 1);
			b ^= 0xff;
			assert_int_equal(pwrite(fd, &b, 1, 100), 1); /* a kept mapping sees it too */
			close(fd);
			zc_testdata_close(&td[k]);
		}
		zc_clear_message();
		if (p->verify(state) != ZC_ERROR)
			fail_msg("%s/%s: verify passed on a corrupted test file", p->name, q->name);
		const char *m = zc_last_message();
		/* a checksum caught it, or the comparison with the file names it */
		assert_true(strstr(m, "XXH3") || strstr(m, "SHA-256") || strstr(m, td[0].path));
		p->teardown(state);
		free(state);
		for (size_t k = 0; k < nheld; k++)
			unlink(td[k].path); /* regenerated whole by the next open */
		checked++;
	}
	assert_true(checked >= 1);
}

static void test_warm_too_big_refused(void **st)
{
	(void)st;
	const struct zc_pair *p = zc_registry_find("pread_xxh3_vs_mmap_xxh3");
	const struct zc_param *q = param(p, "4MiB_warm_kept");
	char path[128];
	snprintf(path, sizeof path, "%s/random-4MiB.bin", dir);
	unlink(path);
	setenv("ZCBENCH_MEM_AVAILABLE", "8388608", 1); /* 8 MiB: less than 3 x 4 MiB */
	void *state = calloc(1, p->state_size);
	zc_clear_message();
	assert_int_equal(p->setup(state, q), ZC_SKIP);
	assert_non_null(strstr(zc_last_message(), "MemAvailable"));
	unsetenv("ZCBENCH_MEM_AVAILABLE");
	p->teardown(state);
	free(state);
	/* Refused before it started: no 4 MiB file was generated. */
	assert_int_equal(access(path, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recipe_reproducible),
		cmocka_unit_test(test_generate_and_repair),
		cmocka_unit_test(test_verify_catches_corruption),
		cmocka_unit_test(test_warm_too_big_refused),
	};
	return cmocka_run_group_tests_name("file_pairs", tests, make_dir, remove_dir);
}
