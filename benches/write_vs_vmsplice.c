/*
 * write_vs_vmsplice - user buffer -> pipe: write() copies the bytes into pipe pages;
 * vmsplice() hands the pipe references to the user pages themselves.
 *
 * baseline: write(pipe, buf, chunk). 1 syscall, 1 copy.
 * zerocopy: vmsplice(pipe, {buf, chunk}, 0). 1 syscall when the pipe takes the whole
 *           chunk, 0 copies. The price: the buffer must not change until the reader has
 *           consumed it (here it never changes), which is what makes vmsplice hard to use.
 *
 * The pipe holds 4 chunks; the reader (another core) splices it to /dev/null.
 * verify: one chunk through each side reaches a hashing reader with the buffer's XXH3.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "peer.h"

struct state {
	size_t chunk;
	int w; /* the pipe's write end; the peer has the read end */
	struct peer peer;
	unsigned char *buf;
};

static int setup(void *st, const struct zc_param *p)
{
	struct state *s = st;
	s->chunk = p->bytes;
	s->w = -1;
	if (!(s->buf = zc_buffer_alloc(s->chunk, 0))) {
		zc_errorf("cannot allocate %zu bytes", s->chunk);
		return ZC_ERROR;
	}
	zc_fill_random(s->buf, s->chunk, 0x766d73706c696365ULL);
	return peer_drained_pipe(&s->peer, &s->w, s->chunk);
}

static void teardown(void *st)
{
	struct state *s = st;
	peer_drained_pipe_end(&s->peer, &s->w);
	zc_buffer_free(s->buf, 0);
}

static int write_run(void *st, uint64_t iters)
{
	struct state *s = st;
	for (uint64_t i = 0; i < iters; i++) {
		if (write_all(&s->peer, s->w, s->buf, s->chunk) != ZC_OK)
			return ZC_ERROR;
		s->peer.sent += s->chunk;
	}
	return peer_sync(&s->peer);
}

static int vmsplice_run(void *st, uint64_t iters)
{
	struct state *s = st;
	for (uint64_t i = 0; i < iters; i++) {
		struct iovec iov = {s->buf, s->chunk};
		while (iov.iov_len) {
			ssize_t n = vmsplice(s->w, &iov, 1, 0);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				peer_io_error(&s->peer, "vmsplice", n < 0 ? errno : EPIPE);
				return ZC_ERROR;
			}
			iov.iov_base = (char *)iov.iov_base + n;
			iov.iov_len -= (size_t)n;
		}
		s->peer.sent += s->chunk;
	}
	return peer_sync(&s->peer);
}

static int verify(void *st)
{
	struct state *s = st;
	static int (*const run[2])(void *, uint64_t) = {write_run, vmsplice_run};
	return peer_verify_sides(PEER_PIPE, &s->w, &s->peer, run, s, 1, zc_hash(s->buf, s->chunk), s->chunk);
}

static const struct zc_param params[] = {
	{"16KiB", 16 << 10, 0, "16 KiB chunks into a pipe of 4 chunks", 0},
	{"64KiB", 64 << 10, 0, "64 KiB chunks into a pipe of 4 chunks", 0},
	{"1MiB", 1 << 20, 0, "1 MiB chunks into a pipe as large as pipe-max-size allows", 0},
};

/* Cost model: peer_model_stream's frame (syscalls, context switches) and the copies
 * between user and kernel space. Taking page references (vmsplice) is no profiled
 * primitive. */
static void write_model(const struct zc_param *p, struct zc_model *m)
{
	peer_model_stream(m, ZC_PRIM_SYSCALL);
	zc_model_term(m, ZC_PRIM_COPY_FROM_USER, ZC_PER_ITER, 1, p->bytes);
	peer_model_protocol(m, PEER_PIPE, 0, p->bytes);
	/* write into a pipe of 4 chunks a peer splices away is what the profile's pipe_write timed. */
	zc_model_restates_profile(m);
}

static void vmsplice_model(const struct zc_param *p, struct zc_model *m)
{
	peer_model_stream(m, ZC_PRIM_SYSCALL);
	peer_model_protocol(m, PEER_PIPE, 0, p->bytes);
}

static void one_call_invariants(const struct zc_param *p, struct zc_invariants *inv)
{
	zc_invariant_whole_chunk(p, inv, 1, 0);
}

static const struct zc_pair write_vs_vmsplice = {
	.name = "write_vs_vmsplice",
	.summary = "user buffer -> pipe: write (copy) vs vmsplice (page references)",
	.replaces = "out:pipe",
	.flags = ZC_PAIR_STREAM,
	.params = params,
	.nparams = sizeof params / sizeof params[0],
	.state_size = sizeof(struct state),
	.setup = setup,
	.side = {
		{.desc = "write(pipe, buf, chunk)", .copies_per_iter = 1, .run = write_run, .model = write_model, .invariants = one_call_invariants},
		{.desc = "vmsplice(pipe, {buf, chunk}, 0)", .copies_per_iter = 0, .run = vmsplice_run, .model = vmsplice_model, .invariants = one_call_invariants},
	},
	.verify = verify,
	.teardown = teardown,
};

ZC_REGISTER(write_vs_vmsplice)
