/*
 * file_source.h - what the file pairs share: the test file, the pread buffer, the
 * mapping in each of its modes, and the page-cache state. Each pair (pread_vs_*.c)
 * decides what its sides do with the bytes; this decides where the bytes come from.
 *
 * Mapping modes (param arg):
 *   FS_KEPT       mmap once in setup and reuse it: no syscall and no fault per iteration
 *                 once the pages are mapped (the seed article's case)
 *   FS_PER_ITER   mmap + munmap every iteration: 2 syscalls, and page faults (the kernel
 *                 maps fault_around_bytes, 64 KiB by default, per fault) every iteration
 *   FS_POPULATE   as FS_PER_ITER with MAP_POPULATE: the mmap call maps every page itself
 * FS_COLD: the file's pages are evicted before every sample (outside the timed region),
 * each sample is one iteration, and the kept mapping is remade after the eviction.
 */
#ifndef FILE_SOURCE_H
#define FILE_SOURCE_H

#include <stddef.h>

#include "zcbench.h"

enum { FS_KEPT = 0, FS_PER_ITER = 1, FS_POPULATE = 2, FS_COLD = 0x10 };

/*
 * Warm params put the file into the page cache by one defined method before they are
 * measured: evict it, then read it sequentially in chunks of a fixed size (param arg
 * bits 8..15 choose the size; 0: the default). What came before (how the file was
 * written, who read it) no longer matters, and the folio layout that results is noted.
 */
#define FS_POP_SHIFT 8
enum { FS_POP_DEFAULT = 0, FS_POP_4KIB = 1, FS_POP_WHOLE = 2 };
#define FS_POP(m) ((m) << FS_POP_SHIFT)
#define FS_POP_DEFAULT_CHUNK (128u << 10) /* what cat and cp use */

struct file_source {
	struct zc_testdata td;
	size_t n;
	int mode, cold;
	unsigned char *buf;       /* pread destination: page-aligned, n bytes */
	const unsigned char *map; /* FS_KEPT: the mapping */
};

/* The params every file pair runs: sizes x mapping modes x cache state. */
#define FILE_NPARAMS 20
extern const struct zc_param file_params[FILE_NPARAMS];

/* Pair callbacks; a pair's state must begin with a struct file_source. */
int fs_setup(void *state, const struct zc_param *p);
void fs_teardown(void *state);
int fs_before_sample(void *state); /* cold params: evict the page cache, check it is gone */

/* Reads the whole file into fs->buf with pread (one syscall unless the kernel reads short). */
int fs_pread(struct file_source *fs);
/* A mapping of the whole file for one iteration; fs_unmap ends it (no-op when kept). */
const unsigned char *fs_map(struct file_source *fs);
int fs_unmap(struct file_source *fs, const unsigned char *m);

/*
 * The two loops every file pair times. consume(state, p, n) is what the pair does with
 * the file's bytes (hash them, copy them); NULL for nothing.
 *   fs_run_pread:  pread(fd, buf, n, 0), then consume(buf)
 *   fs_run_mapped: m = fs_map(), consume(m), fs_unmap(m)
 */
/* One iteration of run, after the cold params' eviction (for verify). */
int fs_run_once(void *state, int (*run)(void *state, uint64_t iters));

/*
 * Cost models of where the bytes come from (zcbench.h's zc_model_term); a pair adds what it
 * does with them. pread: a file syscall's fixed cost per measured syscall and the copy out
 * of the page cache. Mapped: a file fault per measured fault (none once a kept mapping is
 * mapped); with a mapping per iteration also mmap + munmap, and every page: mapped by
 * fault-around (less the faults' own pages: a negative count per fault), or populated and
 * then read for the first time. A cold param's pages are read from the file's storage
 * first, on either side (cache_fill per byte).
 */
void fs_model_pread(const struct zc_param *p, struct zc_model *m);
/* Whether a file param reads a cold file; whether it reads a warm one through a kept mapping. */
int fs_param_cold(const struct zc_param *p);
int fs_param_kept_warm(const struct zc_param *p);
void fs_model_mapped(const struct zc_param *p, struct zc_model *m);
/* What the counters must show (zcbench.h's zc_invariants): pread one syscall; a mapping
 * kept none and no fault when warm, one made every iteration mmap + munmap and faults. */
void fs_invariants_pread(const struct zc_param *p, struct zc_invariants *inv);
void fs_invariants_mapped(const struct zc_param *p, struct zc_invariants *inv);

typedef int (*fs_consume_fn)(void *state, const unsigned char *p, size_t n);
int fs_run_pread(void *state, uint64_t iters, fs_consume_fn consume);
int fs_run_mapped(void *state, uint64_t iters, fs_consume_fn consume);

#endif
