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
#include "user_pipe.h"

static int setup(void *st, const struct zc_param *p)
{
	return user_pipe_setup(st, p, 0x766d73706c696365ULL);
}

static void teardown(void *st)
{
	user_pipe_teardown(st);
}

static int write_run(void *st, uint64_t iters)
{
	struct user_pipe *s = st;
	for (uint64_t i = 0; i < iters; i++) {
		if (write_all(&s->peer, s->w, s->buf, s->chunk) != ZC_OK)
			return ZC_ERROR;
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
	static int (*const run[2])(void *, uint64_t) = {write_run, vmsplice_run};
	return user_pipe_verify(st, run);
}

static const struct zc_pair write_vs_vmsplice = {
	.name = "write_vs_vmsplice",
	.summary = "user buffer -> pipe: write (copy) vs vmsplice (page references)",
	.replaces = "out:pipe",
	.flags = ZC_PAIR_STREAM,
	.params = user_pipe_params,
	.nparams = USER_PIPE_NPARAMS,
	.state_size = sizeof(struct user_pipe),
	.setup = setup,
	.side = {
		{.desc = "write(pipe, buf, chunk)", .copies_per_iter = 1, .run = write_run, .model = user_pipe_copy_model,
		 .invariants = user_pipe_one_call_invariants},
		{.desc = "vmsplice(pipe, {buf, chunk}, 0)", .copies_per_iter = 0, .run = vmsplice_run,
		 .model = user_pipe_vmsplice_model, .invariants = user_pipe_one_call_invariants},
	},
	.verify = verify,
	.teardown = teardown,
};

ZC_REGISTER(write_vs_vmsplice)
