/* user_pipe.c - see user_pipe.h. */
#define _GNU_SOURCE
#include "user_pipe.h"

#include <errno.h>
#include <fcntl.h>

int user_pipe_setup(struct user_pipe *s, const struct zc_param *p, uint64_t seed)
{
	s->chunk = p->bytes;
	s->w = -1;
	if (!(s->buf = zc_buffer_alloc(s->chunk, 0))) {
		zc_errorf("cannot allocate %zu bytes", s->chunk);
		return ZC_ERROR;
	}
	zc_fill_random(s->buf, s->chunk, seed);
	return peer_drained_pipe(&s->peer, &s->w, s->chunk);
}

void user_pipe_teardown(struct user_pipe *s)
{
	peer_drained_pipe_end(&s->peer, &s->w);
	zc_buffer_free(s->buf, 0);
}

const struct zc_param user_pipe_params[USER_PIPE_NPARAMS] = {
	{"16KiB", 16 << 10, 0, "16 KiB chunks into a pipe of 4 chunks", 0},
	{"64KiB", 64 << 10, 0, "64 KiB chunks into a pipe of 4 chunks", 0},
	{"1MiB", 1 << 20, 0, "1 MiB chunks into a pipe as large as pipe-max-size allows", 0},
};

static ssize_t vmsplice_call(int fd, const struct iovec *iov)
{
	return vmsplice(fd, iov, 1, 0);
}

int user_pipe_vmsplice(struct user_pipe *s, uint64_t iters)
{
	return user_pipe_send(s, iters, vmsplice_call, "vmsplice");
}

int user_pipe_send(struct user_pipe *s, uint64_t iters, ssize_t (*call)(int fd, const struct iovec *iov),
		   const char *what)
{
	for (uint64_t i = 0; i < iters; i++) {
		struct iovec iov = {s->buf, s->chunk};
		while (iov.iov_len) {
			ssize_t n = call(s->w, &iov);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				peer_io_error(&s->peer, what, n < 0 ? errno : EPIPE);
				return ZC_ERROR;
			}
			iov.iov_base = (char *)iov.iov_base + n;
			iov.iov_len -= (size_t)n;
		}
		s->peer.sent += s->chunk;
	}
	return peer_sync(&s->peer);
}

int user_pipe_verify(struct user_pipe *s, int (*const run[2])(void *, uint64_t))
{
	return peer_verify_sides(PEER_PIPE, &s->w, &s->peer, run, s, 1, zc_hash(s->buf, s->chunk), s->chunk);
}

void user_pipe_vmsplice_model(const struct zc_param *p, struct zc_model *m)
{
	peer_model_stream(m, ZC_PRIM_SYSCALL);
	/* The pipe holds the user pages themselves: no page allocated, none copied. Per page,
	 * vmsplice finds it (a page-table walk), takes a reference and fills a pipe buffer;
	 * pipe_splice timed the same steps with a page-cache lookup for the walk (pipe_write's
	 * would add an allocation per page). Not pin_page as well: that would count the
	 * finding twice, and pins (FOLL_PIN, accounted) where vmsplice only references. */
	zc_model_term(m, ZC_PRIM_PIPE_SPLICE, ZC_PER_ITER, 1, p->bytes);
}

void user_pipe_copy_model(const struct zc_param *p, struct zc_model *m)
{
	peer_model_stream(m, ZC_PRIM_SYSCALL);
	zc_model_term(m, ZC_PRIM_COPY_FROM_USER, ZC_PER_ITER, 1, p->bytes);
	peer_model_protocol(m, PEER_PIPE, 0, p->bytes);
	/* Copying into a pipe of 4 chunks a peer splices away is what the profile's
	 * pipe_write timed. */
	zc_model_restates_profile(m);
}

void user_pipe_one_call_invariants(const struct zc_param *p, struct zc_invariants *inv)
{
	zc_invariant_whole_chunk(p, inv, 1, 0);
}
