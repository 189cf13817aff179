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
#include "user_pipe.h"

static int setup(void *st, const struct zc_param *p)
{
	return user_pipe_setup(st, p, 0x7077726974657632ULL);
}

static void teardown(void *st)
{
	user_pipe_teardown(st);
}

/* What the patched vmsplice would do: a copy of the iovec into the pipe. */
static ssize_t pwritev2_call(int fd, const struct iovec *iov)
{
	return pwritev2(fd, iov, 1, -1, 0);
}

static int pwritev2_run(void *st, uint64_t iters)
{
	return user_pipe_send(st, iters, pwritev2_call, "pwritev2");
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

static const struct zc_pair pwritev2_vs_vmsplice = {
	.name = "pwritev2_vs_vmsplice",
	.summary = "user buffer -> pipe: vmsplice as the proposed patch makes it (pwritev2, a copy) vs vmsplice today",
	.replaces = "out:pipe",
	.flags = ZC_PAIR_STREAM,
	.params = user_pipe_params,
	.nparams = USER_PIPE_NPARAMS,
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
