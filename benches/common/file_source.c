/* file_source.c - see file_source.h. */
#define _GNU_SOURCE
#include "file_source.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define KiB(x) ((size_t)(x) << 10)
#define MiB(x) ((size_t)(x) << 20)
#define GiB(x) ((size_t)(x) << 30)

const struct zc_param file_params[FILE_NPARAMS] = {
	{"4MiB_warm_kept", MiB(4), FS_KEPT, "4 MiB file in page cache, mapping kept (the seed's case)", 0},
	{"4MiB_warm_per_iter", MiB(4), FS_PER_ITER, "4 MiB warm, mmap+munmap every iteration", 0},
	{"4MiB_warm_populate", MiB(4), FS_POPULATE, "4 MiB warm, mmap(MAP_POPULATE)+munmap every iteration", 0},
	{"4MiB_cold", MiB(4), FS_KEPT | FS_COLD,
	 "4 MiB evicted from page cache before every sample (1 iteration per sample); mapping remade after eviction",
	 ZC_PARAM_SINGLE},
	{"4MiB_warm_kept_read4M", MiB(4), FS_KEPT | FS_POP(FS_POP_WHOLE),
	 "4 MiB warm, mapping kept; cached by one 4 MiB read (as dd bs=4M)", 0},
	{"4MiB_warm_kept_read4K", MiB(4), FS_KEPT | FS_POP(FS_POP_4KIB),
	 "4 MiB warm, mapping kept; cached by 4 KiB reads (as dd bs=4k)", 0},
	{"64KiB_warm_kept", KiB(64), FS_KEPT, "64 KiB warm, mapping kept", 0},
	{"4KiB_warm_kept", KiB(4), FS_KEPT, "4 KiB warm, mapping kept", 0},
	{"4KiB_warm_per_iter", KiB(4), FS_PER_ITER, "4 KiB warm, mmap+munmap every iteration", 0},
	/* --sweep: where does the verdict change with size? */
	{"256KiB_warm_kept", KiB(256), FS_KEPT, "256 KiB warm, mapping kept", ZC_PARAM_SWEEP},
	{"1MiB_warm_kept", MiB(1), FS_KEPT, "1 MiB warm, mapping kept", ZC_PARAM_SWEEP},
	{"16MiB_warm_kept", MiB(16), FS_KEPT, "16 MiB warm, mapping kept", ZC_PARAM_SWEEP},
	{"64MiB_warm_kept", MiB(64), FS_KEPT, "64 MiB warm, mapping kept", ZC_PARAM_SWEEP},
	{"256MiB_warm_kept", MiB(256), FS_KEPT, "256 MiB warm, mapping kept", ZC_PARAM_SWEEP},
	{"1GiB_warm_kept", GiB(1), FS_KEPT, "1 GiB warm, mapping kept", ZC_PARAM_SWEEP},
	{"64KiB_warm_per_iter", KiB(64), FS_PER_ITER, "64 KiB warm, mmap+munmap every iteration", ZC_PARAM_SWEEP},
	{"256KiB_warm_per_iter", KiB(256), FS_PER_ITER, "256 KiB warm, mmap+munmap every iteration", ZC_PARAM_SWEEP},
	{"1MiB_warm_per_iter", MiB(1), FS_PER_ITER, "1 MiB warm, mmap+munmap every iteration", ZC_PARAM_SWEEP},
	{"16MiB_warm_per_iter", MiB(16), FS_PER_ITER, "16 MiB warm, mmap+munmap every iteration", ZC_PARAM_SWEEP},
	{"64MiB_warm_per_iter", MiB(64), FS_PER_ITER, "64 MiB warm, mmap+munmap every iteration", ZC_PARAM_SWEEP},
};
_Static_assert(sizeof file_params / sizeof file_params[0] == FILE_NPARAMS, "FILE_NPARAMS");

static const unsigned char *map_file(struct file_source *fs, int flags)
{
	void *m = mmap(NULL, fs->n, PROT_READ, MAP_SHARED | flags, fs->td.fd, 0);
	if (m == MAP_FAILED) {
		zc_errorf("mmap(%s, %zu bytes): %s", fs->td.path, fs->n, strerror(errno));
		return NULL;
	}
	return m;
}

/* Evict, then read sequentially in the method's chunks; note the method and the folios. */
static int populate(struct file_source *fs, int method)
{
	size_t chunk = method == FS_POP_4KIB ? KiB(4) : method == FS_POP_WHOLE ? fs->n : FS_POP_DEFAULT_CHUNK;
	if (chunk > fs->n)
		chunk = fs->n;
	long left = zc_evict_file(fs->td.fd, fs->n);
	for (size_t off = 0; off < fs->n;) {
		ssize_t k = pread(fs->td.fd, fs->buf, chunk < fs->n - off ? chunk : fs->n - off, (off_t)off);
		if (k <= 0) {
			zc_errorf("populating the page cache from %s: %s", fs->td.path, k ? strerror(errno) : "end of file");
			return ZC_ERROR;
		}
		off += (size_t)k;
	}
	zc_note("page_cache_method", "evicted (%s), then read sequentially in %zu KiB reads",
		left == 0 ? "no page left" : left < 0 ? "eviction unchecked" : "some pages stayed", chunk >> 10);
	char layout[512];
	zc_folio_layout(fs->td.fd, fs->n, layout, sizeof layout);
	zc_note("page_cache_folios", "%s", layout);
	return ZC_OK;
}

int fs_setup(void *state, const struct zc_param *p)
{
	struct file_source *fs = state;
	fs->n = p->bytes;
	fs->mode = (int)(p->arg & 0xf);
	fs->cold = (p->arg & FS_COLD) != 0;
	int pop = (int)((p->arg >> FS_POP_SHIFT) & 0xff);
	/* Warm: the file in page cache plus two user buffers of its size must fit in RAM,
	 * or the "warm" run would measure reclaim. Refuse before starting. */
	uint64_t avail = zc_mem_available();
	if (avail && (uint64_t)fs->n * 3 > avail / 10 * 9) {
		zc_skipf("%zu MiB needs ~%zu MiB of memory, MemAvailable is %llu MiB", fs->n >> 20,
			 3 * (fs->n >> 20), (unsigned long long)(avail >> 20));
		return ZC_SKIP;
	}
	if (zc_testdata_open(fs->n, &fs->td) != ZC_OK)
		return ZC_ERROR;
	fs->buf = zc_buffer_alloc(fs->n, 0);
	if (!fs->buf) {
		zc_errorf("cannot allocate %zu bytes", fs->n);
		return ZC_ERROR;
	}
	if (fs->cold) {
		long left = zc_evict_file(fs->td.fd, fs->n);
		if (left != 0) {
			zc_skipf("cannot evict %s from the page cache on %s (%ld pages stayed resident%s)",
				 fs->td.path, fs->td.fstype, left, geteuid() ? "; root could drop_caches" : "");
			return ZC_SKIP;
		}
	}
	if (!fs->cold && populate(fs, pop) != ZC_OK)
		return ZC_ERROR;
	if (fs->mode == FS_KEPT && !(fs->map = map_file(fs, 0)))
		return ZC_ERROR;
	return ZC_OK;
}

void fs_teardown(void *state)
{
	struct file_source *fs = state;
	if (fs->map)
		munmap((void *)fs->map, fs->n);
	fs->map = NULL;
	zc_buffer_free(fs->buf, 0);
	fs->buf = NULL;
	zc_testdata_close(&fs->td);
}

int fs_pread(struct file_source *fs)
{
	size_t off = 0;
	while (off < fs->n) {
		ssize_t k = pread(fs->td.fd, fs->buf + off, fs->n - off, (off_t)off);
		if (k <= 0) {
			zc_errorf("pread(%s) at %zu: %s", fs->td.path, off, k ? strerror(errno) : "end of file");
			return ZC_ERROR;
		}
		off += (size_t)k;
	}
	return ZC_OK;
}

const unsigned char *fs_map(struct file_source *fs)
{
	if (fs->mode == FS_KEPT)
		return fs->map;
	return map_file(fs, fs->mode == FS_POPULATE ? MAP_POPULATE : 0);
}

int fs_unmap(struct file_source *fs, const unsigned char *m)
{
	if (fs->mode == FS_KEPT)
		return ZC_OK;
	if (munmap((void *)m, fs->n) != 0) {
		zc_errorf("munmap: %s", strerror(errno));
		return ZC_ERROR;
	}
	return ZC_OK;
}

int fs_before_sample(void *state)
{
	struct file_source *fs = state;
	if (!fs->cold)
		return ZC_OK;
	/* Our own mapping would keep the pages: drop it, evict, map again (untouched). */
	if (fs->map)
		munmap((void *)fs->map, fs->n);
	fs->map = NULL;
	long left = zc_evict_file(fs->td.fd, fs->n);
	if (left != 0) {
		zc_errorf("page cache eviction of %s left %ld pages resident", fs->td.path, left);
		return ZC_ERROR;
	}
	if (fs->mode == FS_KEPT && !(fs->map = map_file(fs, 0)))
		return ZC_ERROR;
	return ZC_OK;
}

int fs_run_once(void *state, int (*run)(void *state, uint64_t iters))
{
	if (fs_before_sample(state) != ZC_OK)
		return ZC_ERROR;
	return run(state, 1);
}

int fs_run_pread(void *state, uint64_t iters, fs_consume_fn consume)
{
	struct file_source *fs = state;
	for (uint64_t i = 0; i < iters; i++) {
		if (fs_pread(fs) != ZC_OK)
			return ZC_ERROR;
		zc_escape(fs->buf);
		if (consume && consume(state, fs->buf, fs->n) != ZC_OK)
			return ZC_ERROR;
	}
	return ZC_OK;
}

int fs_run_mapped(void *state, uint64_t iters, fs_consume_fn consume)
{
	struct file_source *fs = state;
	for (uint64_t i = 0; i < iters; i++) {
		const unsigned char *m = fs_map(fs);
		if (!m)
			return ZC_ERROR;
		int rc = consume ? consume(state, m, fs->n) : ZC_OK;
		if (fs_unmap(fs, m) != ZC_OK || rc != ZC_OK)
			return ZC_ERROR;
	}
	return ZC_OK;
}

void fs_model_pread(const struct zc_param *p, struct zc_model *m)
{
	/* The copy's speed depends on the folios, and so on how the param cached the file. */
	int pop = (int)((p->arg >> FS_POP_SHIFT) & 0xff);
	enum zc_primitive copy = pop == FS_POP_4KIB    ? ZC_PRIM_COPY_TO_USER_READ4K
				 : pop == FS_POP_WHOLE ? ZC_PRIM_COPY_TO_USER_READ4M
						       : ZC_PRIM_COPY_TO_USER;
	zc_model_term(m, ZC_PRIM_PREAD_0, ZC_PER_SYSCALL, 1, 0);
	zc_model_term(m, copy, ZC_PER_ITER, 1, p->bytes);
	if (fs_param_cold(p)) /* the pages come from the file's storage first */
		zc_model_term(m, ZC_PRIM_CACHE_FILL, ZC_PER_ITER, 1, p->bytes);
}

int fs_param_cold(const struct zc_param *p)
{
	return (p->arg & FS_COLD) != 0;
}

int fs_param_kept_warm(const struct zc_param *p)
{
	return !fs_param_cold(p) && (p->arg & 0xf) == FS_KEPT;
}

void fs_model_mapped(const struct zc_param *p, struct zc_model *m)
{
	int mode = (int)(p->arg & 0xf);
	double pages = (double)((p->bytes + 4095) / 4096);
	zc_model_term(m, ZC_PRIM_FAULT_FILE, ZC_PER_FAULT, 1, 0);
	/* Cold: the faults read the pages from the file's storage (readahead), as pread does. */
	if (fs_param_cold(p))
		zc_model_term(m, ZC_PRIM_CACHE_FILL, ZC_PER_ITER, 1, p->bytes);
	if (mode != FS_PER_ITER && mode != FS_POPULATE)
		return;
	/* A fresh mapping every iteration. Faulted: each fault maps its own page (in
	 * fault_file) and fault-around maps the others. Populated: mmap maps every page, and
	 * each is then read for the first time. */
	zc_model_term(m, ZC_PRIM_MMAP_MUNMAP, ZC_PER_ITER, 1, 0);
	if (mode == FS_PER_ITER) {
		zc_model_term(m, ZC_PRIM_FAULT_AROUND_PAGE, ZC_PER_ITER, pages, 0);
		zc_model_term(m, ZC_PRIM_FAULT_AROUND_PAGE, ZC_PER_FAULT, -1, 0);
	} else {
		zc_model_term(m, ZC_PRIM_POPULATE_PAGE, ZC_PER_ITER, pages, 0);
		zc_model_term(m, ZC_PRIM_TOUCH_PAGE, ZC_PER_ITER, pages, 0);
	}
}

void fs_invariants_pread(const struct zc_param *p, struct zc_invariants *inv)
{
	(void)p;
	inv->syscalls = 1;
}

void fs_invariants_mapped(const struct zc_param *p, struct zc_invariants *inv)
{
	int mode = (int)(p->arg & 0xf);
	inv->syscalls = mode == FS_PER_ITER || mode == FS_POPULATE ? 2 : 0; /* mmap + munmap */
	if (mode == FS_PER_ITER || (p->arg & FS_COLD))
		inv->faults = 1; /* a fresh mapping, or pages just evicted */
	else if (mode == FS_KEPT)
		inv->faults = 0; /* a warm mapping kept: its pages stay mapped */
}
