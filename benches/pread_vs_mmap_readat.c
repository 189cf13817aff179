/*
 * pread_vs_mmap_readat - the seed's "ReadAt" pair: read a file into a user buffer with
 * pread, or copy it out of a mapping. Both end with the file's bytes in the buffer.
 *
 * baseline: pread(fd, buf, n, 0). The kernel copies page cache -> buf (copy_to_user):
 *           1 syscall, 1 copy per iteration.
 * zerocopy: memcpy(buf, map, n) from a mapping. 0 syscalls and 1 copy (user space, out
 *           of the mapped page-cache pages) per iteration when the mapping is kept.
 *           (The issue text counts "ReadAt 2"; we count the copies that move the file's
 *           bytes: there is one, as with pread. What this side saves is the syscall,
 *           not the copy: it is not zero-copy, which is the seed article's point.)
 *
 * verify: after one iteration of each side (buffer poisoned before each), the buffer's
 * XXH3 equals the test file's recorded XXH3.
 */
#include <string.h>

#include "file_source.h"

static int copy_out(void *st, const unsigned char *m, size_t n)
{
	struct file_source *fs = st;
	memcpy(fs->buf, m, n);
	zc_escape(fs->buf);
	return ZC_OK;
}

static int pread_run(void *st, uint64_t iters)
{
	return fs_run_pread(st, iters, NULL);
}

static int readat_run(void *st, uint64_t iters)
{
	return fs_run_mapped(st, iters, copy_out);
}

static int verify(void *st)
{
	struct file_source *fs = st;
	int (*run[2])(void *, uint64_t) = {pread_run, readat_run};
	for (int s = 0; s < 2; s++) {
		memset(fs->buf, 0xa5, fs->n);
		if (fs_run_once(fs, run[s]) != ZC_OK)
			return ZC_ERROR;
		if (zc_hash(fs->buf, fs->n) != fs->td.xxh3) {
			zc_errorf("%s side: buffer XXH3 %016llx != %s's recorded %016llx",
				  s ? "zerocopy" : "baseline", (unsigned long long)zc_hash(fs->buf, fs->n),
				  fs->td.path, (unsigned long long)fs->td.xxh3);
			return ZC_ERROR;
		}
	}
	return ZC_OK;
}

/* Cost model: where the bytes come from (file_source.h), then a memcpy of n out of the
 * mapping. pread(n) alone is what the profile times for copy_to_user (and cold, for
 * cache_fill), and a memcpy out of a kept mapping what it times for memcpy: those sides
 * restate the profile. */
static void pread_model(const struct zc_param *p, struct zc_model *m)
{
	fs_model_pread(p, m);
	zc_model_restates_profile(m);
}

static void mapped_model(const struct zc_param *p, struct zc_model *m)
{
	fs_model_mapped(p, m);
	zc_model_term(m, ZC_PRIM_MEMCPY, ZC_PER_ITER, 1, p->bytes);
	if (fs_param_kept_warm(p))
		zc_model_restates_profile(m);
}

static const struct zc_pair pread_vs_mmap_readat = {
	.name = "pread_vs_mmap_readat",
	.flags = ZC_PAIR_MAPPING,
	.summary = "read a file into a buffer: pread vs memcpy out of a mapping (saves the syscall, not the copy)",
	.replaces = "in:file",
	.params = file_params,
	.nparams = FILE_NPARAMS,
	.state_size = sizeof(struct file_source),
	.setup = fs_setup,
	.side = {
		{.desc = "pread(fd, buf, n, 0)", .copies_per_iter = 1, .run = pread_run, .model = pread_model, .invariants = fs_invariants_pread, .before_sample = fs_before_sample},
		{.desc = "memcpy(buf, map, n)", .copies_per_iter = 1, .run = readat_run, .model = mapped_model, .invariants = fs_invariants_mapped, .before_sample = fs_before_sample},
	},
	.verify = verify,
	.teardown = fs_teardown,
};

ZC_REGISTER(pread_vs_mmap_readat)
