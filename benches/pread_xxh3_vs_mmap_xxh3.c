/*
 * pread_xxh3_vs_mmap_xxh3 - hash a file with XXH3: read it into a buffer first, or hash
 * the mapped page-cache pages where they are. XXH3 runs at memory speed, so removing
 * the copy should show (the seed measured 1.92x with XXH64 in Go).
 *
 * baseline: pread(fd, buf, n, 0); XXH3_64bits(buf, n). 1 syscall, 1 copy.
 * zerocopy: XXH3_64bits(map, n). 0 syscalls and 0 copies with a kept mapping.
 *
 * XXH3 is libxxhash's XXH3_64bits_dispatch: it picks the widest vector code the CPU
 * runs (SSE2, AVX2 or AVX-512) at run time. Debian's plain XXH3_64bits symbol is the
 * SSE2 build, several times slower on AVX2 machines, which would hide the copy's cost
 * behind the hash's.
 *
 * verify: both sides' last hash equals the test file's recorded XXH3.
 */
#include <xxh_x86dispatch.h>

#include "file_source.h"

struct state {
	struct file_source fs; /* first: the file_source callbacks take this state */
	uint64_t hash[ZC_NSIDES];
};

static const char *vector_path(void)
{
#if defined(__x86_64__)
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f"))
		return "AVX-512";
	if (__builtin_cpu_supports("avx2"))
		return "AVX2";
	return "SSE2";
#else
	return "scalar/NEON";
#endif
}

static int setup(void *st, const struct zc_param *p)
{
	zc_context_set("xxh3_implementation", "libxxhash XXH3_64bits_dispatch, runtime dispatch (this CPU: %s path)",
		       vector_path());
	return fs_setup(st, p);
}

static int hash_base(void *st, const unsigned char *p, size_t n)
{
	struct state *s = st;
	s->hash[ZC_BASELINE] = XXH3_64bits_dispatch(p, n);
	zc_use(s->hash[ZC_BASELINE]);
	return ZC_OK;
}

static int hash_zc(void *st, const unsigned char *p, size_t n)
{
	struct state *s = st;
	s->hash[ZC_ZEROCOPY] = XXH3_64bits_dispatch(p, n);
	zc_use(s->hash[ZC_ZEROCOPY]);
	return ZC_OK;
}

static int pread_run(void *st, uint64_t iters)
{
	return fs_run_pread(st, iters, hash_base);
}

static int mapped_run(void *st, uint64_t iters)
{
	return fs_run_mapped(st, iters, hash_zc);
}

static int verify(void *st)
{
	struct state *s = st;
	s->hash[0] = s->hash[1] = 0;
	if (fs_run_once(st, pread_run) != ZC_OK || fs_run_once(st, mapped_run) != ZC_OK)
		return ZC_ERROR;
	if (s->hash[0] != s->fs.td.xxh3 || s->hash[1] != s->fs.td.xxh3) {
		zc_errorf("XXH3 baseline %016llx, zerocopy %016llx, %s recorded %016llx",
			  (unsigned long long)s->hash[0], (unsigned long long)s->hash[1], s->fs.td.path,
			  (unsigned long long)s->fs.td.xxh3);
		return ZC_ERROR;
	}
	return ZC_OK;
}

/* Cost model: where the bytes come from (file_source.h), then XXH3 of n bytes. */
static void pread_model(const struct zc_param *p, struct zc_model *m)
{
	fs_model_pread(p, m);
	zc_model_term(m, ZC_PRIM_XXH3, ZC_PER_ITER, 1, p->bytes);
}

/* XXH3 of a warm mapping is what the profile times: xxh3 itself for a kept one, and
 * fault_around_page and touch_page are derived from mmap + XXH3 cycles of a fresh one. */
static void mapped_model(const struct zc_param *p, struct zc_model *m)
{
	fs_model_mapped(p, m);
	zc_model_term(m, ZC_PRIM_XXH3, ZC_PER_ITER, 1, p->bytes);
	if (!fs_param_cold(p))
		zc_model_restates_profile(m);
}

static const struct zc_pair pread_xxh3_vs_mmap_xxh3 = {
	.name = "pread_xxh3_vs_mmap_xxh3",
	.flags = ZC_PAIR_MAPPING,
	.summary = "XXH3 of a file: pread into a buffer then hash vs hash the mapping (memory-bound consumer)",
	.params = file_params,
	.nparams = FILE_NPARAMS,
	.state_size = sizeof(struct state),
	.setup = setup,
	.side = {
		{.desc = "pread(fd, buf, n, 0); XXH3_64bits(buf, n)", .copies_per_iter = 1,
		 .run = pread_run, .model = pread_model, .invariants = fs_invariants_pread, .before_sample = fs_before_sample},
		{.desc = "XXH3_64bits(map, n)", .copies_per_iter = 0, .run = mapped_run, .model = mapped_model, .invariants = fs_invariants_mapped,
		 .before_sample = fs_before_sample},
	},
	.verify = verify,
	.teardown = fs_teardown,
};

ZC_REGISTER(pread_xxh3_vs_mmap_xxh3)
