/*
 * syscall_vs_io_uring - read a file in batches: one pread per block, or one io_uring
 * submission for the whole batch. Both copy the same bytes (page cache -> buffer); what
 * io_uring saves is syscalls: the question is whether that pays for its own overhead.
 *
 * baseline: 8 x pread(fd, buf + k*block, block, off + k*block). 8 syscalls.
 * zerocopy: 8 x io_uring_prep_read, io_uring_submit_and_wait(8), reap 8 completions.
 *           1 syscall (io_uring_enter) per batch. The "_x1" param submits one read at a
 *           time: io_uring's cost with nothing to batch.
 *
 * The file is the 4 MiB test file, warm; offsets wrap around. Skipped, with the reason,
 * where io_uring is missing or disabled (ENOSYS, EPERM: kernel.io_uring_disabled, seccomp).
 * (IORING_OP_SEND_ZC is not measured yet.)
 *
 * verify: each side reads the whole file batch by batch; the batches' XXH3 stream equals
 * the file's recorded XXH3.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <liburing.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "zcbench.h"

#define FILE_BYTES (4u << 20)

struct state {
	struct zc_testdata td;
	struct io_uring ring;
	int have_ring;
	size_t block;
	unsigned batch;
	off_t off;
	unsigned char *buf; /* batch * block */
};

static int setup(void *st, const struct zc_param *p)
{
	struct state *s = st;
	s->block = p->bytes / (size_t)p->arg;
	s->batch = (unsigned)p->arg;
	if (zc_testdata_open(FILE_BYTES, &s->td) != ZC_OK)
		return ZC_ERROR;
	if (!(s->buf = zc_buffer_alloc(p->bytes, 0))) {
		zc_errorf("cannot allocate %zu bytes", p->bytes);
		return ZC_ERROR;
	}
	int rc = io_uring_queue_init(8, &s->ring, 0);
	if (rc < 0) {
		zc_skipf("io_uring_queue_init: %s%s", strerror(-rc),
			 rc == -EPERM ? " (kernel.io_uring_disabled, or a seccomp filter)" : "");
		return ZC_SKIP;
	}
	s->have_ring = 1;
	zc_context_set("io_uring", "8-entry ring, no SQPOLL (liburing version: context.liburing_version)");
	return ZC_OK;
}

static void teardown(void *st)
{
	struct state *s = st;
	if (s->have_ring)
		io_uring_queue_exit(&s->ring);
	zc_buffer_free(s->buf, 0);
	zc_testdata_close(&s->td);
}

static void next_batch(struct state *s)
{
	s->off = (off_t)(((size_t)s->off + s->block * s->batch) % FILE_BYTES);
}

static int pread_run(void *st, uint64_t iters)
{
	struct state *s = st;
	for (uint64_t i = 0; i < iters; i++) {
		for (unsigned k = 0; k < s->batch; k++) {
			off_t o = s->off + (off_t)(k * s->block);
			if (pread(s->td.fd, s->buf + k * s->block, s->block, o) != (ssize_t)s->block) {
				zc_errorf("pread(%s) at %lld: %s", s->td.path, (long long)o, strerror(errno));
				return ZC_ERROR;
			}
		}
		zc_escape(s->buf);
		next_batch(s);
	}
	return ZC_OK;
}

static int uring_run(void *st, uint64_t iters)
{
	struct state *s = st;
	for (uint64_t i = 0; i < iters; i++) {
		for (unsigned k = 0; k < s->batch; k++) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&s->ring);
			io_uring_prep_read(sqe, s->td.fd, s->buf + k * s->block, (unsigned)s->block,
					   (uint64_t)s->off + k * s->block);
		}
		int rc = io_uring_submit_and_wait(&s->ring, s->batch);
		if (rc < 0) {
			zc_errorf("io_uring_submit_and_wait: %s", strerror(-rc));
			return ZC_ERROR;
		}
		for (unsigned k = 0; k < s->batch; k++) {
			struct io_uring_cqe *cqe;
			rc = io_uring_peek_cqe(&s->ring, &cqe);
			if (rc < 0 || cqe->res != (int)s->block) {
				zc_errorf("io_uring read: %s", rc < 0 ? strerror(-rc) : cqe->res < 0 ? strerror(-cqe->res) : "short read");
				return ZC_ERROR;
			}
			io_uring_cqe_seen(&s->ring, cqe);
		}
		zc_escape(s->buf);
		next_batch(s);
	}
	return ZC_OK;
}

static int verify(void *st)
{
	struct state *s = st;
	int (*run[2])(void *, uint64_t) = {pread_run, uring_run};
	size_t per = s->block * s->batch;
	for (int side = 0; side < 2; side++) {
		XXH3_state_t *h = XXH3_createState();
		if (!h || XXH3_64bits_reset(h) != XXH_OK)
			return ZC_ERROR;
		s->off = 0;
		for (size_t done = 0; done < FILE_BYTES; done += per) {
			memset(s->buf, 0xa5, per);
			if (run[side](s, 1) != ZC_OK) {
				XXH3_freeState(h);
				return ZC_ERROR;
			}
			XXH3_64bits_update(h, s->buf, per);
		}
		uint64_t got = XXH3_64bits_digest(h);
		XXH3_freeState(h);
		if (got != s->td.xxh3) {
			zc_errorf("%s side read XXH3 %016llx; %s is %016llx", side ? "zerocopy" : "baseline",
				  (unsigned long long)got, s->td.path, (unsigned long long)s->td.xxh3);
			return ZC_ERROR;
		}
	}
	return ZC_OK;
}

static const struct zc_param params[] = {
	{"4KiB_x8", 8 * (4 << 10), 8, "8 reads of 4 KiB per iteration, one io_uring submission", 0},
	{"64KiB_x8", 8 * (64 << 10), 8, "8 reads of 64 KiB per iteration, one submission", 0},
	{"4KiB_x1", 4 << 10, 1, "1 read of 4 KiB per iteration: nothing to batch", 0},
};

/* Cost model. pread: a file syscall's fixed cost per measured syscall and the copy of each
 * block. io_uring: one syscall's entry per measured syscall, and per block a read's work
 * without an entry of its own (pread of 0 minus a bare syscall), the ring's own work for a
 * request (io_uring_op, a NOP's) and its copy. */
static void pread_model(const struct zc_param *p, struct zc_model *m)
{
	zc_model_term(m, ZC_PRIM_PREAD_0, ZC_PER_SYSCALL, 1, 0);
	zc_model_term(m, ZC_PRIM_COPY_TO_USER, ZC_PER_ITER, (double)p->arg, p->bytes / (size_t)p->arg);
	zc_model_restates_profile(m); /* preads of a cached file: what copy_to_user is made of */
}

static void uring_model(const struct zc_param *p, struct zc_model *m)
{
	zc_model_term(m, ZC_PRIM_SYSCALL, ZC_PER_SYSCALL, 1, 0);
	zc_model_term(m, ZC_PRIM_PREAD_0, ZC_PER_ITER, (double)p->arg, 0);
	zc_model_term(m, ZC_PRIM_SYSCALL, ZC_PER_ITER, -(double)p->arg, 0);
	zc_model_term(m, ZC_PRIM_IO_URING_OP, ZC_PER_ITER, (double)p->arg, 0);
	zc_model_term(m, ZC_PRIM_COPY_TO_USER, ZC_PER_ITER, (double)p->arg, p->bytes / (size_t)p->arg);
}

static void pread_invariants(const struct zc_param *p, struct zc_invariants *inv)
{
	inv->syscalls = (double)p->arg; /* one pread per block */
}

static void uring_invariants(const struct zc_param *p, struct zc_invariants *inv)
{
	(void)p;
	inv->syscalls = 1; /* io_uring_enter: submit and wait */
}

static const struct zc_pair syscall_vs_io_uring = {
	.name = "syscall_vs_io_uring",
	.summary = "batched file reads: one pread per block vs one io_uring submission per batch",
	.flags = ZC_PAIR_STREAM,
	.params = params,
	.nparams = sizeof params / sizeof params[0],
	.state_size = sizeof(struct state),
	.setup = setup,
	.side = {
		{.desc = "pread per block", .copies_per_iter = 1, .run = pread_run, .model = pread_model, .invariants = pread_invariants},
		{.desc = "io_uring_prep_read per block, one io_uring_submit_and_wait", .copies_per_iter = 1, .run = uring_run, .model = uring_model, .invariants = uring_invariants},
	},
	.verify = verify,
	.teardown = teardown,
};

ZC_REGISTER(syscall_vs_io_uring)
