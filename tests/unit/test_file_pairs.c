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

/* A file changed under the mapping (or the buffer): each pair's verify fails loudly. */
static void test_verify_catches_corruption(void **st)
{
	(void)st;
	/* Every pair that reads the test file: the mapping pairs at 4 KiB, the others at
	 * a param of theirs (they use the 4 MiB file). recvsend_vs_splice reads the file
	 * into memory at setup: its stream is damaged by tests/bats/streams.bats instead. */
	static const char *const names[][2] = {
		{"pread_vs_mmap_readat", "4KiB_warm_kept"},
		{"pread_xxh3_vs_mmap_xxh3", "4KiB_warm_kept"},
		{"pread_sha256_vs_mmap_sha256", "4KiB_warm_kept"},
		{"readwrite_vs_sendfile", "unix_64KiB"},
		{"readwrite_vs_copy_file_range", "1MiB"},
		{"syscall_vs_io_uring", "64KiB_x8"},
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		const struct zc_pair *p = zc_registry_find(names[i][0]);
		assert_non_null(p);
		const struct zc_param *q = param(p, names[i][1]);
		assert_non_null(q);
		size_t file_bytes = q->bytes == 4096 ? 4096 : 4u << 20;
		void *state = calloc(1, p->state_size);
		int rc = p->setup(state, q);
		if (rc == ZC_SKIP) { /* e.g. io_uring disabled here: nothing to corrupt */
			p->teardown(state);
			free(state);
			continue;
		}
		if (rc != ZC_OK)
			fail_msg("%s setup: %s", names[i][0], zc_last_message());
		if (p->verify(state) != ZC_OK)
			fail_msg("%s verify: %s", names[i][0], zc_last_message());

		struct zc_testdata td;
		assert_int_equal(zc_testdata_open(file_bytes, &td), ZC_OK);
		int fd = open(td.path, O_WRONLY);
		unsigned char b;
		assert_int_equal(pread(td.fd, &b, 1, 100), 1);
		b ^= 0xff;
		assert_int_equal(pwrite(fd, &b, 1, 100), 1); /* the kept mapping sees it too */
		close(fd);
		zc_testdata_close(&td);

		zc_clear_message();
		assert_int_equal(p->verify(state), ZC_ERROR);
		assert_true(strlen(zc_last_message()) > 10);
		/* a checksum caught it */
		assert_true(strstr(zc_last_message(), "XXH3") || strstr(zc_last_message(), "SHA-256"));
		p->teardown(state);
		free(state);
		unlink(td.path); /* regenerated whole by the next test's open */
	}
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
