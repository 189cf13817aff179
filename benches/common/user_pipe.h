/*
 * user_pipe.h - a user buffer sent into a pipe whose reader (a peer on another core)
 * splices it to /dev/null: what the pairs that put user memory into a pipe share.
 */
#ifndef USER_PIPE_H
#define USER_PIPE_H

#include <sys/uio.h>

#include "peer.h"

struct user_pipe {
	size_t chunk;
	int w; /* the pipe's write end; the peer has the read end */
	struct peer peer;
	unsigned char *buf; /* one chunk of random bytes (seeded), never changed */
};

/* The buffer (seed: its random bytes) and the drained pipe of p->bytes chunks. */
int user_pipe_setup(struct user_pipe *s, const struct zc_param *p, uint64_t seed);
void user_pipe_teardown(struct user_pipe *s);
/* One chunk per iteration through call(pipe, iov) (looping on short ones; `what` names it
 * in errors), then peer_sync. */
int user_pipe_send(struct user_pipe *s, uint64_t iters, ssize_t (*call)(int fd, const struct iovec *iov),
		   const char *what);
/* vmsplice(pipe, {buf, chunk}, 0) per iteration: the pipe holds references to the
 * buffer's pages, no copy. */
int user_pipe_vmsplice(struct user_pipe *s, uint64_t iters);
/* The params such pairs run: 16 KiB, 64 KiB and 1 MiB chunks. */
#define USER_PIPE_NPARAMS 3
extern const struct zc_param user_pipe_params[USER_PIPE_NPARAMS];
/* verify for a pair of two such sides: one chunk through each reaches a hashing reader
 * with the buffer's XXH3. */
int user_pipe_verify(struct user_pipe *s, int (*const run[2])(void *, uint64_t));
/* The zero-copy side's model: peer_model_stream's frame and the pipe's work on pages it
 * finds and references (pipe_splice). */
void user_pipe_vmsplice_model(const struct zc_param *p, struct zc_model *m);
/* A side that copies the chunk into the pipe: the frame, copy_from_user, the pipe's work
 * (what the profile's pipe_write timed: it restates the profile). */
void user_pipe_copy_model(const struct zc_param *p, struct zc_model *m);
/* One call per chunk, whole chunks (zc_invariant_whole_chunk). */
void user_pipe_one_call_invariants(const struct zc_param *p, struct zc_invariants *inv);

#endif
