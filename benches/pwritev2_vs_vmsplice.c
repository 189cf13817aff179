/*
 * pwritev2_vs_vmsplice - what vmsplice() would cost as a copy. A kernel patch proposed in
 * June 2026 turns vmsplice into a wrapper of pwritev2 (the pages copied into the pipe
 * instead of referenced); its discussion turned on whether splice's gain is the copy
 * avoided or the buffer management around it. This pair measures that change on this
 * machine: the same iovec, the same pipe and reader, with and without the copy.
 *
 * baseline: pwritev2(pipe, {buf, chunk}, 1, -1, 0): what the patched vmsplice would do.
 *           1 syscall, 1 copy.
 * zerocopy: vmsplice(pipe, {buf, chunk}, 0) as it is today. 0 copies.
 *
 * The pipe holds 4 chunks; the reader (another core) splices it to /dev/null.
 * verify: one chunk through each side reaches a hashing reader with the buffer's XXH3.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/uio.h>

#include "user_pipe.h"

static int setup(void *st, const struct zc_param *p)
{
	return user_pipe_setup(st, p, 0x7077726974657632ULL);
}

static void teardown(void *st)
{
	user_pipe_teardown(st);
}

static int pwritev2_run(void *st, uint64_t iters)
{
	struct user_pipe *s = st;
	for (uint64_t i = 0; i < iters; i++) {
		struct iovec iov = {s->buf, s->chunk};
		while (iov.iov_len) {
			ssize_t n = pwritev2(s->w, &iov, 1, -1, 0);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				peer_io_error(&s->peer, "pwritev2", n < 0 ? errno : EPIPE);
				return ZC_ERROR;
			}
			iov.iov_base = (char *)iov.iov_base + n;
			iov.iov_len -= (size_t)n;
		}
		s->peer.sent += s->chunk;
	}
	return peer_sync(&s->peer);
}

static int vmsplice_run(void *st, uint64_t iters)
{
	return user_pipe_vmsplice(st, iters);
}

static int verify(void *st)
{
	static int (*const run[2])(void *, uint64_t) = {pwritev2_run, vmsplice_run};
	return user_pipe_verify(st, run);
}

static const struct zc_param params[] = {
	{"16KiB", 16 << 10, 0, "16 KiB chunks into a pipe of 4 chunks", 0},
	{"64KiB", 64 << 10, 0, "64 KiB chunks into a pipe of 4 chunks", 0},
	{"1MiB", 1 << 20, 0, "1 MiB chunks into a pipe as large as pipe-max-size allows", 0},
};

static const struct zc_pair pwritev2_vs_vmsplice = {
	.name = "pwritev2_vs_vmsplice",
	.summary = "user buffer -> pipe: vmsplice as the proposed patch makes it (pwritev2, a copy) vs vmsplice today",
	.replaces = "out:pipe",
	.flags = ZC_PAIR_STREAM,
	.params = params,
	.nparams = sizeof params / sizeof params[0],
	.state_size = sizeof(struct user_pipe),
	.setup = setup,
	.side = {
		{.desc = "pwritev2(pipe, {buf, chunk}, 1, -1, 0): vmsplice as a copy", .copies_per_iter = 1,
		 .run = pwritev2_run, .model = user_pipe_copy_model, .invariants = user_pipe_one_call_invariants},
		{.desc = "vmsplice(pipe, {buf, chunk}, 0)", .copies_per_iter = 0, .run = vmsplice_run,
		 .model = user_pipe_vmsplice_model, .invariants = user_pipe_one_call_invariants},
	},
	.verify = verify,
	.teardown = teardown,
};

ZC_REGISTER(pwritev2_vs_vmsplice)
