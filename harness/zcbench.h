/*
 * zcbench.h - the only header a benchmark pair includes.
 *
 * A pair is one file in benches/ that fills in a `struct zc_pair` and registers it
 * with ZC_REGISTER(). The harness knows nothing else about it: it pins the core,
 * calibrates each side's iteration count, runs AB|BA blocks of timed samples and
 * separate counted samples, calls verify, analyses, and writes the results.
 *
 * Lifecycle, for each param of a pair (state is zeroed, pair->state_size bytes):
 *
 *   pair->setup(state, param)          optional: what both sides share (data, files)
 *   side[0].setup, side[1].setup       optional: what each side owns (buffers, mappings)
 *   side[i].run(state, iters)  ...     calibration, warm-up, then timed rounds ABBA/BAAB
 *   pair->verify(state)                required: prove both sides compute the same thing
 *   side[i].teardown, pair->teardown   optional, always called after a successful setup
 *
 * Every callback returns ZC_OK, ZC_SKIP (the primitive is unavailable here; say why
 * with zc_skipf) or ZC_ERROR (say why with zc_errorf). run() must do exactly `iters`
 * operations and must consume every byte it claims to read (see zc_escape*).
 */
#ifndef ZCBENCH_H
#define ZCBENCH_H

#include <stddef.h>
#include <stdint.h>

#define ZC_OK 0
#define ZC_ERROR (-1)
#define ZC_SKIP 1

enum zc_side_index { ZC_BASELINE = 0, ZC_ZEROCOPY = 1, ZC_NSIDES = 2 };

/* Param flags. */
#define ZC_PARAM_SWEEP 0x1u  /* only with --sweep: too slow or too big for a default run */
#define ZC_PARAM_SINGLE 0x2u /* one iteration per sample: before_sample resets the state that
				  an iteration consumes (e.g. a cold page cache) */

struct zc_param {
	const char *name;  /* e.g. "64KiB_reused"; letters, digits, '_', '.', '-' only */
	size_t bytes;      /* bytes processed per iteration (for bytes_per_second) */
	long arg;          /* free for the pair: a mode, a chunk size, ... */
	const char *desc;  /* one line for the report: buffers, alignment, cache state */
	unsigned flags;
};

/*
 * The machine's primitive costs, measured at the start of every run (the machine profile,
 * machine/profile.c), and a side's cost model in terms of them (analysis/model.c).
 * Per-op primitives cost ns per operation; per-byte ones ns per byte at the operation's
 * size (interpolated between the sizes the profile measures).
 */
enum zc_primitive {
	ZC_PRIM_SYSCALL,        /* a bare syscall (getppid): entry and exit */
	ZC_PRIM_PREAD_0,        /* pread of 0 bytes from a cached file: a file syscall's fixed cost */
	ZC_PRIM_PREAD_4KIB,     /* pread of 4 KiB from the page cache */
	ZC_PRIM_FAULT_ANON,     /* a minor fault on fresh anonymous memory, per fault */
	ZC_PRIM_FAULT_FILE,     /* a minor fault on a one-page mapping of a cached file */
	ZC_PRIM_FAULT_AROUND_PAGE, /* each further page a file fault maps around it, per 4 KiB page */
	ZC_PRIM_MMAP_MUNMAP,    /* mmap + munmap, nothing touched */
	ZC_PRIM_POPULATE_PAGE,  /* mapping one 4 KiB page of a cached file (MAP_POPULATE), per page */
	ZC_PRIM_TOUCH_PAGE,     /* the first access to a page already mapped, per 4 KiB page */
	ZC_PRIM_PIPE_WAKEUP,    /* a one-byte round trip through two pipes, peer on another core */
	ZC_PRIM_CTX_SWITCH,     /* a context switch: a pipe round trip on one core, halved */
	ZC_PRIM_TCP_RTT,        /* a one-byte round trip over loopback TCP, peer on another core */
	ZC_PRIM_MEMCPY,         /* per byte: memcpy, page-aligned source and destination */
	ZC_PRIM_MEMCPY_UNALIGNED, /* per byte: memcpy to a destination 3 bytes past a page */
	ZC_PRIM_COPY_TO_USER,   /* per byte: pread's copy out of cached pages (pread n - pread 0),
				   the file cached by 128 KiB reads (the file pairs' default) */
	ZC_PRIM_COPY_TO_USER_READ4K, /* per byte: the same, a 4 MiB file cached by 4 KiB reads */
	ZC_PRIM_COPY_TO_USER_READ4M, /* per byte: the same, a 4 MiB file cached by one 4 MiB read */
	ZC_PRIM_COPY_FROM_USER, /* per byte: pwrite's copy into cached pages (pwrite n - pwrite 0) */
	ZC_PRIM_XXH3,           /* per byte: XXH3_64bits */
	ZC_PRIM_SHA256,         /* per byte: SHA-256 (OpenSSL EVP) */
	/* The streams' own work, per byte beyond a syscall and the copy (user to kernel for a
	 * send or write, kernel to user for a recv), a peer on another core at the other end: */
	ZC_PRIM_TCP_SEND,       /* per byte: loopback TCP send (segments, skbs, delivery) */
	ZC_PRIM_TCP_RECV,       /* per byte: loopback TCP recv (skb walk, ACKs, window updates) */
	ZC_PRIM_UNIX_SEND,      /* per byte: AF_UNIX stream send (skbs, the reader's wake-ups) */
	ZC_PRIM_PIPE_WRITE,     /* per byte: write into a pipe (buffers, the reader's wake-ups) */
	/* What zero-copy sides do instead of copying: */
	ZC_PRIM_IO_URING_OP,    /* an io_uring request's submission and completion (a NOP) */
	ZC_PRIM_PIN_PAGE,       /* pinning and unpinning a 4 KiB page of user memory */
	ZC_PRIM_WAKEUP,         /* what waking a task asleep on another core costs the waker */
	ZC_PRIM_PIPE_SPLICE,    /* per byte: a file's cached pages spliced into a pipe (references) */
	/* What a cold read adds: */
	ZC_PRIM_CACHE_FILL,     /* per byte: a file's pages read from its storage into the page cache */
	/* A stream whose segments carry one page each: */
	ZC_PRIM_TCP_RECV_PAGES, /* per byte: tcp_recv with one page a segment (zc_netns_enter) */
	/* What an io_uring completion adds when its task runs on another core: */
	ZC_PRIM_TASK_KICK,      /* an IPI that makes a task running on another core run its task work */
	ZC_NPRIMS
};

/* What a model term's count is multiplied by. */
enum zc_model_per {
	ZC_PER_ITER,    /* declared: count per iteration */
	ZC_PER_SYSCALL, /* the side's measured syscalls per iteration */
	ZC_PER_FAULT,   /* its measured page faults per iteration */
	ZC_PER_SWITCH,  /* its measured context switches per iteration */
	ZC_PER_COPY,    /* its copies per iteration: measured when the kernel reports them
			   (zc_zerocopy_outcome), declared otherwise */
	ZC_PER_WAKEUP,  /* its measured wake-ups of other tasks per iteration (0 where uncounted) */
	ZC_NPER
};

/*
 * A side's cost model: the primitives one iteration is made of. The predicted time per
 * iteration is the loop floor plus, per term, count x per x the primitive's cost (for a
 * per-byte primitive: `size` bytes per operation at that size's rate). The side's model()
 * adds the terms; the result reports each term's share, the prediction and the residual.
 */
struct zc_model;
void zc_model_term(struct zc_model *m, enum zc_primitive prim, enum zc_model_per per, double count,
		   size_t size);
/* Says that the side runs the very operation the profile timed to derive its model's
 * terms (pread(n) for pread_0 + copy_to_user): its prediction restates the profile, so a
 * pair whose two sides both do cannot be explained by it, only agree with it. */
void zc_model_restates_profile(struct zc_model *m);

/*
 * What one iteration of a side must show at a param, where the pair knows it: the tests
 * check every declared invariant against the counters (zcbench list --format json lists
 * them), so a new pair's are checked with no test naming it.
 */
struct zc_invariants {
	double syscalls;         /* per iteration; NAN: not declared */
	int syscalls_at_least;   /* syscalls is a lower bound (a partial transfer takes more) */
	int faults;              /* per iteration: -1 not declared, 0 none, 1 at least one */
	/* The least share of the side's bytes the kernel must report done without a copy
	 * (zc_zerocopy_outcome: the result's zc_effective); NAN: not declared. */
	double zerocopy_effective_min;
};

/* A chunk up to this many bytes passes a socket, pipe or file copy in one call: the
 * socket buffers and the pipes of 4 chunks hold it whole. */
#define ZC_WHOLE_CHUNK_MAX (64u << 10)
/* For an invariants() callback: `syscalls` per iteration (at least that many when
 * at_least), declared only for params whose chunk passes whole (ZC_WHOLE_CHUNK_MAX). */
void zc_invariant_whole_chunk(const struct zc_param *p, struct zc_invariants *inv, double syscalls, int at_least);

/* Side flags. */
#define ZC_SIDE_NO_BYTES 0x1u /* moves no bytes (a view): no bytes/s is reported for it */

struct zc_side {
	const char *desc;       /* one line: what one iteration of this side does */
	double copies_per_iter; /* declared full-buffer copies per iteration (explained in the file) */
	double copies_if_copied; /* a zero-copy side's copies per iteration when the kernel copies
				    after all (see zc_zerocopy_outcome); 0: same as declared */
	unsigned flags;         /* ZC_SIDE_* */
	int (*setup)(void *state, const struct zc_param *p);
	int (*run)(void *state, uint64_t iters);
	void (*teardown)(void *state);
	/* Optional, untimed, before every run (calibration, warm-up and each sample). */
	int (*before_sample)(void *state);
	/* The side's cost model for a param (see zc_model_term); NULL: none declared. */
	void (*model)(const struct zc_param *p, struct zc_model *m);
	/* Optional: the side's invariants at a param, inv preset to "nothing declared". */
	void (*invariants)(const struct zc_param *p, struct zc_invariants *inv);
};

/* Pair kinds. */
#define ZC_PAIR_CONTROL 0x1u /* both sides do identical work: a noise-floor control whose
				verdicts must be "same"; the run reports how often they are not */
#define ZC_PAIR_STREAM 0x2u  /* moves bytes between descriptors (sockets, pipes, files), often
				with a peer process: the stream tests run every such pair */
#define ZC_PAIR_MAPPING 0x4u /* reads the test file by pread against a mapping of it, with
				benches/common/file_source.h's params: the file-pair tests run
				every such pair */

struct zc_pair {
	const char *name;    /* "copy_vs_slice": the file name without .c */
	const char *summary; /* one line for --list */
	unsigned flags;      /* ZC_PAIR_* */
	const struct zc_param *params;
	size_t nparams;
	size_t state_size;
	int (*setup)(void *state, const struct zc_param *p);
	struct zc_side side[ZC_NSIDES];
	int (*verify)(void *state);
	void (*teardown)(void *state);
	/*
	 * Optional: the IO the baseline side is, for zcbench profile's suggestions. Terms
	 * "DIR:KIND[|KIND...]" separated by spaces, DIR "in" (copied from a descriptor into a
	 * user buffer: read, recv, ...) or "out" (copied out of one: write, send, ...), KIND
	 * file, tcp, udp, unix or pipe. A profiled program whose copied paths show every term
	 * is pointed at this pair's measured ratio, e.g. "in:file out:tcp|unix" for read +
	 * write of a file to a socket. A param whose name contains a kind (e.g. "tcp_64KiB")
	 * is taken as that kind's; among them, the nearest in bytes per call is shown.
	 */
	const char *replaces;
};

/* Registration: one line at the end of a pair's file. */
void zc_register(const struct zc_pair *pair);
#define ZC_REGISTER(p)                                                     \
	__attribute__((constructor)) static void zc_register_##p(void)    \
	{                                                                  \
		zc_register(&(p));                                         \
	}

/* Messages for ZC_ERROR / ZC_SKIP returns; the last one set wins. */
void zc_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void zc_skipf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Adds "key": "value" to this pair/param's notes in the result (pairs[].notes): facts of
 * its setup, such as how the page cache was populated. Cleared before each param. */
void zc_note(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The folio sizes behind a file's cached pages, e.g. "1MiB x2, 64KiB x32" (root only;
 * otherwise "unknown: ..." and -1). */
int zc_folio_layout(int fd, size_t bytes, char *out, size_t len);

/* Adds "key": "value" to the result file's context (e.g. the XXH3 implementation used). */
void zc_context_set(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Buffers with explicit alignment: the returned pointer is `offset` bytes past a page
 * boundary, and every page is touched (no first-touch faults in the timed loop).
 * Relative misalignment of source and destination can change copy speed many times
 * over (rep movsb on FSRM CPUs), so no pair should depend on malloc's placement.
 */
void *zc_buffer_alloc(size_t bytes, size_t offset);
void zc_buffer_free(void *p, size_t offset);

/* Deterministic bytes (splitmix64 stream from seed): same seed, same content everywhere. */
void zc_fill_random(void *buf, size_t n, uint64_t seed);

/* 64-bit hash of a buffer for verify (XXH3): both sides must produce equal hashes. */
uint64_t zc_hash(const void *p, size_t n);

/*
 * Test data: testdata/random-<size>.bin (directory: $ZCBENCH_TESTDATA, default
 * "testdata"), generated from the seed in testdata/recipe.txt and checked against the
 * recipe's XXH3 each time it is opened; regenerated (atomically) when missing or wrong.
 * Records path, size, checksum and filesystem type in the result's context.
 */
struct zc_testdata {
	int fd;             /* O_RDONLY */
	size_t bytes;
	char path[512];
	uint64_t xxh3;      /* from the recipe, verified */
	unsigned char sha256[32];
	char fstype[32];
};
int zc_testdata_open(size_t bytes, struct zc_testdata *td);
void zc_testdata_close(struct zc_testdata *td);

/*
 * Evicts a file's pages from the page cache (posix_fadvise DONTNEED; as root, falls back
 * to drop_caches) and returns how many of its pages are still resident (mincore), or -1.
 */
long zc_evict_file(int fd, size_t bytes);
/* MemAvailable from /proc/meminfo in bytes (0 if unknown). */
uint64_t zc_mem_available(void);

/*
 * zcbench's network namespace, for TCP streams whose segments carry whole pages, as the
 * kernel's tcp_mmap selftest makes them: its own lo, up, with an MTU of 15 pages plus the
 * IPv4, TCP and timestamp headers; sockets given TCP_MAXSEG ZC_NETNS_MSS (one page plus
 * the timestamps) before the handshake then carry one page a segment, whatever the window
 * (TCP caps a segment at half the largest window seen, 31232 bytes early in a loopback
 * stream). A process enters it only while it makes sockets (they stay in it) and leaves;
 * the machine's own network is untouched. Made once per process, on first entry.
 * zc_netns_ready: made (now, if not yet): ZC_OK; ZC_SKIP when this machine does not allow
 * one (no namespaces, not root); ZC_ERROR; the reason in why. zc_netns_enter: the same, and
 * in it. zc_netns_leave: back to the machine's, ZC_OK or ZC_ERROR with the reason.
 */
#define ZC_NETNS_MTU (15 * 4096 + 20 + 20 + 12)
#define ZC_NETNS_MSS (4096 + 12)
int zc_netns_ready(char *why, size_t len);
int zc_netns_enter(char *why, size_t len);
int zc_netns_leave(char *why, size_t len);

/*
 * Whether zero-copy happened, as the kernel reports it: call from run() with how many
 * operations of this call moved their data without a copy and how many the kernel copied
 * after all (MSG_ZEROCOPY's SO_EE_CODE_ZEROCOPY_COPIED, io_uring's
 * IORING_NOTIF_USAGE_ZC_COPIED, a clone or a copy of a file range). Summed per side over the
 * timed samples; the result reports zc_effective = zero / (zero + copied) and the measured
 * copies per iteration from it. Calls outside a timed sample (verify) are ignored.
 */
void zc_zerocopy_outcome(uint64_t zero_copied, uint64_t copied);

/*
 * A process doing part of a pair's work (a stream's far end, a feeder): its CPU time is
 * reported per sample as the peers' share of the system CPU. Unwatch it before reaping it.
 */
void zc_peer_watch(int pid);
void zc_peer_unwatch(int pid);

/* A second core for a peer thread or process (not the pinned one when there is one). */
int zc_peer_cpu(void);

/* Checked by long-running runs: non-zero once SIGINT/SIGTERM asked the harness to stop. */
int zc_interrupted(void);

/*
 * DCE guards. zc_escape(p) tells the compiler the memory behind p is read and may be
 * written by someone it cannot see, so a memcpy into it cannot be deleted.
 * zc_use(v) makes a value live without touching memory.
 */
static inline void zc_escape(const void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

static inline void zc_use(uint64_t v)
{
	__asm__ volatile("" : "+r"(v));
}

#endif
