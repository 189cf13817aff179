/*
 * copy_vs_slice - the seed article's first pair: copy 64 KiB into another buffer vs take
 * a view (pointer + length) of the bytes where they already are.
 *
 * baseline: memcpy(dst, src, 64 KiB). One full-buffer copy per iteration. The
 *           destination is escaped to the compiler after each copy, so it cannot elide it.
 * zerocopy: v = (view){src, 64 KiB}. No bytes move; the view's pointer and length are
 *           made live each iteration (zc_use), so the loop is neither deleted nor padded
 *           with hidden work: what is left is the loop itself, as in Go's `_ = data[:]`.
 *
 * Params:
 *   64KiB_reused     dst page-aligned and reused (the copy at its best)
 *   64KiB_fresh      dst from malloc() each iteration, freed the next (what Go's
 *                    `make([]byte)` + copy measures, minus Go's zeroing)
 *   64KiB_misaligned dst 3 bytes past a page boundary while src is page-aligned: on CPUs
 *                    whose memcpy uses `rep movsb` (FSRM) relative misalignment can cost
 *                    many times the aligned copy
 *   4MiB_fresh_mmap  dst = a fresh anonymous 4 MiB mapping each iteration (what a runtime's
 *                    large allocation gets): the copy pays a page fault per page, or per
 *                    2 MiB with transparent huge pages, and the munmap
 *
 * verify: the destination after one fresh baseline iteration and the view's bytes both
 * hash to the source's hash.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "zcbench.h"

enum mode { REUSED, FRESH, MISALIGNED, FRESH_MAP };

struct state {
	enum mode mode;
	size_t n, dst_off;
	unsigned char *src, *dst; /* dst: reused/misaligned destination */
	unsigned char *last;      /* fresh modes: the last iteration's copy, kept for verify */
	const unsigned char *view_p;
	size_t view_n;
};

static int setup(void *st, const struct zc_param *p)
{
	struct state *s = st;
	s->mode = (enum mode)p->arg;
	s->n = p->bytes;
	s->dst_off = s->mode == MISALIGNED ? 3 : 0;
	s->src = zc_buffer_alloc(s->n, 0);
	s->dst = zc_buffer_alloc(s->n, s->dst_off);
	if (!s->src || !s->dst) {
		zc_errorf("cannot allocate 2 x %zu bytes", s->n);
		return ZC_ERROR;
	}
	zc_fill_random(s->src, s->n, 0x7a63626e63680001ULL);
	return ZC_OK;
}

static void teardown(void *st)
{
	struct state *s = st;
	zc_buffer_free(s->src, 0);
	zc_buffer_free(s->dst, s->dst_off);
	if (s->mode == FRESH_MAP) {
		if (s->last)
			munmap(s->last, s->n);
	} else {
		free(s->last);
	}
}

/* A fresh anonymous mapping per iteration, unmapped when the next one has its copy. */
static int copy_fresh_map(struct state *s, uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++) {
		unsigned char *q = mmap(NULL, s->n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (q == MAP_FAILED) {
			zc_errorf("mmap(%zu) failed", s->n);
			return ZC_ERROR;
		}
		memcpy(q, s->src, s->n);
		zc_escape(q);
		if (s->last)
			munmap(s->last, s->n);
		s->last = q;
	}
	return ZC_OK;
}

static int copy_run(void *st, uint64_t iters)
{
	struct state *s = st;
	if (s->mode == FRESH_MAP)
		return copy_fresh_map(s, iters);
	if (s->mode != FRESH) {
		for (uint64_t i = 0; i < iters; i++) {
			memcpy(s->dst, s->src, s->n);
			zc_escape(s->dst);
		}
		return ZC_OK;
	}
	for (uint64_t i = 0; i < iters; i++) {
		unsigned char *q = malloc(s->n);
		if (!q) {
			zc_errorf("malloc(%zu) failed", s->n);
			return ZC_ERROR;
		}
		memcpy(q, s->src, s->n);
		zc_escape(q);
		free(s->last);
		s->last = q;
	}
	return ZC_OK;
}

static int slice_run(void *st, uint64_t iters)
{
	struct state *s = st;
	const unsigned char *p = s->src;
	size_t n = s->n;
	for (uint64_t i = 0; i < iters; i++) {
		/* The view is two registers; making them live costs no memory traffic. */
		zc_use((uint64_t)(uintptr_t)p);
		zc_use(n);
	}
	s->view_p = p;
	s->view_n = n;
	return ZC_OK;
}

static int verify(void *st)
{
	struct state *s = st;
	uint64_t want = zc_hash(s->src, s->n);
	memset(s->dst, 0xa5, s->n); /* a copy that did not happen must not pass */
	if (copy_run(s, 1) != ZC_OK)
		return ZC_ERROR;
	const unsigned char *copied = s->mode == FRESH || s->mode == FRESH_MAP ? s->last : s->dst;
	if (zc_hash(copied, s->n) != want) {
		zc_errorf("baseline copy differs from the source");
		return ZC_ERROR;
	}
	if (slice_run(s, 1) != ZC_OK || s->view_n != s->n || zc_hash(s->view_p, s->view_n) != want) {
		zc_errorf("zerocopy view differs from the source");
		return ZC_ERROR;
	}
	return ZC_OK;
}

static const struct zc_param params[] = {
	{"64KiB_reused", 64 * 1024, REUSED, "src and dst page-aligned, dst reused", 0},
	{"64KiB_fresh", 64 * 1024, FRESH, "dst = malloc(64 KiB) each iteration (as Go's make+copy)", 0},
	{"64KiB_misaligned", 64 * 1024, MISALIGNED, "src page-aligned, dst page+3 bytes", 0},
	{"4MiB_fresh_mmap", 4 << 20, FRESH_MAP, "dst = a fresh anonymous 4 MiB mmap each iteration (page faults; THP)", 0},
};

/* Cost model: one memcpy of n bytes (to a destination 3 bytes past a page for the misaligned
 * param); the fresh param's malloc + free is no profiled primitive, so it is residual. The
 * view is the loop floor alone. */
static void copy_model(const struct zc_param *p, struct zc_model *m)
{
	zc_model_term(m, p->arg == MISALIGNED ? ZC_PRIM_MEMCPY_UNALIGNED : ZC_PRIM_MEMCPY, ZC_PER_ITER, 1, p->bytes);
	if (p->arg != FRESH_MAP) {
		zc_model_restates_profile(m); /* the profile's memcpy, the same buffers */
		return;
	}
	/* The fresh mapping: its mmap + munmap, and a fault per measured fault. */
	zc_model_term(m, ZC_PRIM_MMAP_MUNMAP, ZC_PER_ITER, 1, 0);
	zc_model_term(m, ZC_PRIM_FAULT_ANON, ZC_PER_FAULT, 1, 0);
}

static void slice_model(const struct zc_param *p, struct zc_model *m)
{
	(void)p;
	(void)m;
}

static const struct zc_pair copy_vs_slice = {
	.name = "copy_vs_slice",
	.summary = "copy 64 KiB into another buffer vs take a view of it (pointer + length)",
	.params = params,
	.nparams = sizeof params / sizeof params[0],
	.state_size = sizeof(struct state),
	.setup = setup,
	.side = {
		{.desc = "memcpy(dst, src, n)", .copies_per_iter = 1, .run = copy_run, .model = copy_model},
		{.desc = "view = {src, n}", .copies_per_iter = 0, .flags = ZC_SIDE_NO_BYTES, .run = slice_run, .model = slice_model},
	},
	.verify = verify,
	.teardown = teardown,
};

ZC_REGISTER(copy_vs_slice)
