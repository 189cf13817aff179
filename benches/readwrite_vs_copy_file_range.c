/*
 * readwrite_vs_copy_file_range - copy a file: read it into a buffer and write it out, or
 * ask the kernel to copy between the files (copy_file_range).
 *
 * baseline: pread(src, buf, chunk, off); pwrite(dst, buf, chunk, off). 2 syscalls and 2
 *           copies per chunk (page cache -> buf -> page cache).
 * zerocopy: copy_file_range(src, &off, dst, &off, chunk). 1 syscall. On ext4 and tmpfs the
 *           kernel still copies page cache to page cache (1 copy); on btrfs or XFS it
 *           may share the extents instead (a reflink, 0 copies: declared 0, 1 if copied). The filesystem is
 *           recorded in the context, so a result says which of the two it measured.
 *
 * Source: the 4 MiB test file, warm; destination: a 4 MiB file next to it (unlinked as soon
 * as it is open), rewritten in place chunk by chunk (offsets wrap around).
 * verify: each side copies the whole file into a zeroed destination; its XXH3 equals the
 * source's recorded XXH3.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "zcbench.h"

#define FILE_BYTES (4u << 20)

struct state {
	struct zc_testdata td;
	size_t chunk;
	off_t off;
	int dst;
	char dst_path[600];
	unsigned char *buf;
};

static int setup(void *st, const struct zc_param *p)
{
	struct state *s = st;
	s->chunk = p->bytes;
	s->dst = -1;
	if (zc_testdata_open(FILE_BYTES, &s->td) != ZC_OK)
		return ZC_ERROR;
	snprintf(s->dst_path, sizeof s->dst_path, "%s.copy-%ld", s->td.path, (long)getpid());
	s->dst = open(s->dst_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	/* Unlinked at once: nothing is left behind, whatever stops the run. */
	if (s->dst >= 0)
		unlink(s->dst_path);
	if (s->dst < 0 || ftruncate(s->dst, FILE_BYTES) != 0) {
		zc_errorf("cannot create %s: %s", s->dst_path, strerror(errno));
		return ZC_ERROR;
	}
	if (!(s->buf = zc_buffer_alloc(s->chunk, 0))) {
		zc_errorf("cannot allocate %zu bytes", s->chunk);
		return ZC_ERROR;
	}
	zc_context_set("copy_file_range.filesystem", "%s (%s)", s->td.fstype,
		       strcmp(s->td.fstype, "btrfs") == 0 || strcmp(s->td.fstype, "xfs") == 0
			       ? "may reflink: extents shared, no copy"
			       : "in-kernel copy, page cache to page cache");
	return ZC_OK;
}

static void teardown(void *st)
{
	struct state *s = st;
	if (s->dst >= 0)
		close(s->dst);
	zc_buffer_free(s->buf, 0);
	zc_testdata_close(&s->td);
}

static int readwrite_run(void *st, uint64_t iters)
{
	struct state *s = st;
	for (uint64_t i = 0; i < iters; i++) {
		if (pread(s->td.fd, s->buf, s->chunk, s->off) != (ssize_t)s->chunk) {
			zc_errorf("pread(%s) at %lld: %s", s->td.path, (long long)s->off, strerror(errno));
			return ZC_ERROR;
		}
		if (pwrite(s->dst, s->buf, s->chunk, s->off) != (ssize_t)s->chunk) {
			zc_errorf("pwrite(%s): %s", s->dst_path, strerror(errno));
			return ZC_ERROR;
		}
		s->off = (off_t)(((size_t)s->off + s->chunk) % FILE_BYTES);
	}
	return ZC_OK;
}

/* The share of the destination's bytes in extents shared with another file, or -1 when
 * the filesystem does not answer FIEMAP. */
static double shared_fraction(int fd)
{
	enum { N = 64 };
	struct fiemap *fm = calloc(1, sizeof *fm + N * sizeof(struct fiemap_extent));
	double shared = 0, all = 0;
	if (!fm)
		return -1;
	for (__u64 start = 0;;) {
		fm->fm_start = start;
		fm->fm_length = FIEMAP_MAX_OFFSET;
		fm->fm_flags = 0; /* no SYNC: a clone is visible at once, and writeback would be timed */
		fm->fm_extent_count = N;
		if (ioctl(fd, FS_IOC_FIEMAP, fm) != 0) {
			free(fm);
			return -1;
		}
		for (__u32 i = 0; i < fm->fm_mapped_extents; i++) {
			const struct fiemap_extent *e = &fm->fm_extents[i];
			all += (double)e->fe_length;
			if (e->fe_flags & FIEMAP_EXTENT_SHARED)
				shared += (double)e->fe_length;
		}
		if (fm->fm_mapped_extents == 0 ||
		    fm->fm_extents[fm->fm_mapped_extents - 1].fe_flags & FIEMAP_EXTENT_LAST)
			break;
		const struct fiemap_extent *l = &fm->fm_extents[fm->fm_mapped_extents - 1];
		start = l->fe_logical + l->fe_length;
	}
	free(fm);
	return all > 0 ? shared / all : -1;
}

static int cfr_run(void *st, uint64_t iters)
{
	struct state *s = st;
	for (uint64_t i = 0; i < iters; i++) {
		off_t in = s->off, out = s->off;
		size_t left = s->chunk;
		while (left) {
			ssize_t n = copy_file_range(s->td.fd, &in, s->dst, &out, left, 0);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				zc_errorf("copy_file_range(%s -> %s): %s", s->td.path, s->dst_path,
					  n ? strerror(errno) : "source ended");
				return ZC_ERROR;
			}
			left -= (size_t)n;
		}
		s->off = (off_t)(((size_t)s->off + s->chunk) % FILE_BYTES);
	}
	double f = shared_fraction(s->dst);
	if (f >= 0) {
		uint64_t cloned = (uint64_t)(f * (double)iters + 0.5);
		zc_zerocopy_outcome(cloned, iters - cloned);
	}
	return ZC_OK;
}

static int verify(void *st)
{
	struct state *s = st;
	int (*run[2])(void *, uint64_t) = {readwrite_run, cfr_run};
	unsigned char *all = zc_buffer_alloc(FILE_BYTES, 0);
	if (!all) {
		zc_errorf("cannot allocate %u bytes", FILE_BYTES);
		return ZC_ERROR;
	}
	int rc = ZC_OK;
	for (int side = 0; side < 2 && rc == ZC_OK; side++) {
		s->off = 0;
		if (ftruncate(s->dst, 0) != 0 || ftruncate(s->dst, FILE_BYTES) != 0 ||
		    run[side](s, FILE_BYTES / s->chunk) != ZC_OK) {
			rc = ZC_ERROR;
			break;
		}
		if (pread(s->dst, all, FILE_BYTES, 0) != (ssize_t)FILE_BYTES || zc_hash(all, FILE_BYTES) != s->td.xxh3) {
			zc_errorf("%s side: the copy's XXH3 %016llx differs from %s's %016llx",
				  side ? "zerocopy" : "baseline", (unsigned long long)zc_hash(all, FILE_BYTES),
				  s->td.path, (unsigned long long)s->td.xxh3);
			rc = ZC_ERROR;
		}
	}
	zc_buffer_free(all, 0);
	return rc;
}

static const struct zc_param params[] = {
	{"64KiB", 64 << 10, 0, "4 MiB warm file, 64 KiB chunks, destination on the same filesystem", 0},
	{"1MiB", 1 << 20, 0, "4 MiB warm file, 1 MiB chunks", 0},
};

/* Cost model: a file syscall's fixed cost per measured syscall; the copies out of and into the
 * page cache; copy_file_range's in-kernel copy, where the filesystem copied rather than
 * shared the extents (measured): a filesystem without a copy_file_range of its own (ext4,
 * tmpfs) goes through do_splice_direct, which splices the source's cached pages into the
 * task's internal pipe (pipe_splice) and writes them from there into the destination's page
 * cache (copy_from_user: pwrite's per-byte cost, whose work is that write, its source aside). */
static void readwrite_model(const struct zc_param *p, struct zc_model *m)
{
	zc_model_term(m, ZC_PRIM_PREAD_0, ZC_PER_SYSCALL, 1, 0);
	zc_model_term(m, ZC_PRIM_COPY_TO_USER, ZC_PER_ITER, 1, p->bytes);
	zc_model_term(m, ZC_PRIM_COPY_FROM_USER, ZC_PER_ITER, 1, p->bytes);
}

static void cfr_model(const struct zc_param *p, struct zc_model *m)
{
	zc_model_term(m, ZC_PRIM_PREAD_0, ZC_PER_SYSCALL, 1, 0);
	zc_model_term(m, ZC_PRIM_PIPE_SPLICE, ZC_PER_COPY, 1, p->bytes);
	zc_model_term(m, ZC_PRIM_COPY_FROM_USER, ZC_PER_COPY, 1, p->bytes);
}

static void readwrite_invariants(const struct zc_param *p, struct zc_invariants *inv)
{
	zc_invariant_whole_chunk(p, inv, 2, 0); /* pread + pwrite */
}

static void cfr_invariants(const struct zc_param *p, struct zc_invariants *inv)
{
	zc_invariant_whole_chunk(p, inv, 1, 0);
}

static const struct zc_pair readwrite_vs_copy_file_range = {
	.name = "readwrite_vs_copy_file_range",
	.summary = "file -> file: pread + pwrite through a buffer vs copy_file_range",
	.replaces = "in:file out:file",
	.flags = ZC_PAIR_STREAM,
	.params = params,
	.nparams = sizeof params / sizeof params[0],
	.state_size = sizeof(struct state),
	.setup = setup,
	.side = {
		{.desc = "pread(src, buf, chunk, off); pwrite(dst, buf, chunk, off)", .copies_per_iter = 2, .run = readwrite_run, .model = readwrite_model, .invariants = readwrite_invariants},
		{.desc = "copy_file_range(src, &off, dst, &off, chunk)", .copies_per_iter = 0, .copies_if_copied = 1,
		 .run = cfr_run, .model = cfr_model, .invariants = cfr_invariants},
	},
	.verify = verify,
	.teardown = teardown,
};

ZC_REGISTER(readwrite_vs_copy_file_range)
