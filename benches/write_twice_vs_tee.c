/*
 * write_twice_vs_tee - fan one stream out to two pipes: write the buffer to each, or put
 * it into a pipe once, tee() that pipe into the first sink (duplicating page references
 * without consuming) and splice() it into the second.
 *
 * baseline: write(sink1, buf, chunk); write(sink2, buf, chunk). 2 syscalls, 2 copies.
 * zerocopy: write(src, buf, chunk); tee(src -> sink1); splice(src -> sink2). 3 syscalls,
 *           1 copy (into the source pipe; a source that is already a pipe, e.g. spliced
 *           from a socket, would make it 0). More syscalls, fewer copies: which wins
 *           depends on the chunk size.
 *
 * Each sink is drained by its own reader process (splice to /dev/null).
 * verify: one chunk through each side reaches both hashing readers with the buffer's XXH3.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "peer.h"

struct state {
	size_t chunk;
	int src[2];   /* the zero-copy side's source pipe */
	int sink[2];  /* write ends of the two sink pipes */
	struct peer peer[2];
	unsigned char *buf;
};

static int open_sinks(struct state *s, enum peer_mode mode)
{
	for (int k = 0; k < 2; k++) {
		int fds[2];
		if (pipe_sized(fds, s->chunk) != ZC_OK)
			return ZC_ERROR;
		s->sink[k] = fds[1];
		if (peer_start(&s->peer[k], fds[0], PEER_PIPE, mode, NULL, 0) != ZC_OK)
			return ZC_ERROR;
	}
	return ZC_OK;
}

static int close_sinks(struct state *s, uint64_t hash[2], uint64_t bytes[2])
{
	int rc = ZC_OK;
	for (int k = 0; k < 2; k++) {
		if (s->sink[k] >= 0)
			close(s->sink[k]);
		s->sink[k] = -1;
		if (s->peer[k].sh && peer_stop(&s->peer[k], hash ? &hash[k] : NULL, bytes ? &bytes[k] : NULL) != ZC_OK)
			rc = ZC_ERROR;
	}
	return rc;
}

static int setup(void *st, const struct zc_param *p)
{
	struct state *s = st;
	s->chunk = p->bytes;
	s->src[0] = s->src[1] = s->sink[0] = s->sink[1] = -1;
	if (!(s->buf = zc_buffer_alloc(s->chunk, 0))) {
		zc_errorf("cannot allocate %zu bytes", s->chunk);
		return ZC_ERROR;
	}
	zc_fill_random(s->buf, s->chunk, 0x7465650000000001ULL);
	if (pipe_sized(s->src, s->chunk) != ZC_OK)
		return ZC_ERROR;
	return open_sinks(s, PEER_DRAIN);
}

static void teardown(void *st)
{
	struct state *s = st;
	close_sinks(s, NULL, NULL);
	for (int i = 0; i < 2; i++)
		if (s->src[i] >= 0)
			close(s->src[i]);
	zc_buffer_free(s->buf, 0);
}

static int sync_both(struct state *s)
{
	for (int k = 0; k < 2; k++) {
		if (peer_sync(&s->peer[k]) != ZC_OK)
			return ZC_ERROR;
	}
	return ZC_OK;
}

static int write_twice_run(void *st, uint64_t iters)
{
	struct state *s = st;
	for (uint64_t i = 0; i < iters; i++)
		for (int k = 0; k < 2; k++) {
			if (write_all(&s->peer[k], s->sink[k], s->buf, s->chunk) != ZC_OK)
				return ZC_ERROR;
			s->peer[k].sent += s->chunk;
		}
	return sync_both(s);
}

/* Moves exactly n bytes with tee (dup = 1) or splice from the source pipe into fd. */
static int move(struct state *s, int k, size_t n, int dup)
{
	size_t done = 0;
	while (done < n) {
		ssize_t r = dup ? tee(s->src[0], s->sink[k], n - done, 0)
				: splice(s->src[0], NULL, s->sink[k], NULL, n - done, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			peer_io_error(&s->peer[k], dup ? "tee" : "splice", r < 0 ? errno : EPIPE);
			return ZC_ERROR;
		}
		if (dup && (size_t)r < n) {
			/* tee always starts at the head of the source pipe: teeing the rest of a
			 * partial chunk would duplicate its start and corrupt the stream. The sink
			 * holds a whole chunk and the reader drains it, so this is an error. */
			zc_errorf("tee moved %zd of %zu bytes", r, n);
			return ZC_ERROR;
		}
		done += (size_t)r;
	}
	s->peer[k].sent += n;
	return ZC_OK;
}

static int tee_run(void *st, uint64_t iters)
{
	struct state *s = st;
	for (uint64_t i = 0; i < iters; i++) {
		if (write_all(NULL, s->src[1], s->buf, s->chunk) != ZC_OK)
			return ZC_ERROR;
		if (move(s, 0, s->chunk, 1) != ZC_OK || move(s, 1, s->chunk, 0) != ZC_OK)
			return ZC_ERROR;
	}
	return sync_both(s);
}

static int verify(void *st)
{
	struct state *s = st;
	int (*run[2])(void *, uint64_t) = {write_twice_run, tee_run};
	uint64_t want = zc_hash(s->buf, s->chunk);
	for (int side = 0; side < 2; side++) {
		int saved_sink[2] = {s->sink[0], s->sink[1]};
		struct peer saved_peer[2] = {s->peer[0], s->peer[1]};
		uint64_t hash[2] = {0, 0}, bytes[2] = {0, 0};
		int rc = open_sinks(s, PEER_HASH);
		if (rc == ZC_OK)
			rc = run[side](s, 1);
		if (close_sinks(s, hash, bytes) != ZC_OK)
			rc = ZC_ERROR;
		memcpy(s->sink, saved_sink, sizeof saved_sink);
		memcpy(s->peer, saved_peer, sizeof saved_peer);
		if (rc != ZC_OK)
			return ZC_ERROR;
		for (int k = 0; k < 2; k++)
			if (bytes[k] != s->chunk || hash[k] != want) {
				zc_errorf("%s side, sink %d: got %llu bytes, XXH3 %016llx; sent %zu bytes, XXH3 %016llx",
					  side ? "zerocopy" : "baseline", k + 1, (unsigned long long)bytes[k],
					  (unsigned long long)hash[k], s->chunk, (unsigned long long)want);
				return ZC_ERROR;
			}
	}
	return ZC_OK;
}

static const struct zc_param params[] = {
	{"16KiB", 16 << 10, 0, "16 KiB chunks, pipes of 4 chunks", 0},
	{"64KiB", 64 << 10, 0, "64 KiB chunks, pipes of 4 chunks", 0},
	{"1MiB", 1 << 20, 0, "1 MiB chunks, pipes as large as pipe-max-size allows", 0},
};

/* Cost model: peer_model_stream's frame (syscalls, context switches), the copies between
 * user and kernel space and the pipes' work (pipe_write for pages a write fills,
 * pipe_splice for pages referenced). */
static void write_twice_model(const struct zc_param *p, struct zc_model *m)
{
	peer_model_stream(m, ZC_PRIM_SYSCALL);
	zc_model_term(m, ZC_PRIM_COPY_FROM_USER, ZC_PER_ITER, 2, p->bytes);
	peer_model_protocol(m, PEER_PIPE, 0, p->bytes);
	peer_model_protocol(m, PEER_PIPE, 0, p->bytes);
}

/* The write into the source pipe is a pipe write; tee puts references to its pages into
 * a drained sink, what pipe_splice prices; the splice into the other sink moves the
 * buffers themselves (their release is the write's, as pipe_write's drain freed them). */
static void tee_model(const struct zc_param *p, struct zc_model *m)
{
	peer_model_stream(m, ZC_PRIM_SYSCALL);
	zc_model_term(m, ZC_PRIM_COPY_FROM_USER, ZC_PER_ITER, 1, p->bytes);
	peer_model_protocol(m, PEER_PIPE, 0, p->bytes);
	zc_model_term(m, ZC_PRIM_PIPE_SPLICE, ZC_PER_ITER, 1, p->bytes);
}

static void write_twice_invariants(const struct zc_param *p, struct zc_invariants *inv)
{
	zc_invariant_whole_chunk(p, inv, 2, 0);
}

static void tee_invariants(const struct zc_param *p, struct zc_invariants *inv)
{
	zc_invariant_whole_chunk(p, inv, 3, 0); /* write + tee + splice */
}

static const struct zc_pair write_twice_vs_tee = {
	.name = "write_twice_vs_tee",
	.summary = "fan-out to two pipes: write the buffer twice vs write once, tee + splice",
	.flags = ZC_PAIR_STREAM,
	.params = params,
	.nparams = sizeof params / sizeof params[0],
	.state_size = sizeof(struct state),
	.setup = setup,
	.side = {
		{.desc = "write(sink1, buf); write(sink2, buf)", .copies_per_iter = 2, .run = write_twice_run, .model = write_twice_model, .invariants = write_twice_invariants},
		{.desc = "write(src, buf); tee(src -> sink1); splice(src -> sink2)", .copies_per_iter = 1, .run = tee_run, .model = tee_model, .invariants = tee_invariants},
	},
	.verify = verify,
	.teardown = teardown,
};

ZC_REGISTER(write_twice_vs_tee)
