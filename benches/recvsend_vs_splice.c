/*
 * recvsend_vs_splice - a forwarding proxy, socket A -> socket B: receive into a user
 * buffer and send it on, or splice A into a pipe and the pipe into B.
 *
 * Both sides forward with the same granularity: whatever A holds (up to what is left of
 * the chunk) is passed on at once, until a chunk has gone through. (Waiting for a whole
 * chunk on one side only, recv(MSG_WAITALL), made the two sides differ in how often they
 * slept, not in how they move bytes.)
 *
 * baseline: recv(A, buf, left); write(B, buf, got). 2 syscalls and 2 copies per pass
 *           (socket -> buf -> socket).
 * zerocopy: splice(A -> pipe, left); splice(pipe -> B). 2 syscalls per pass; the pages
 *           move by reference: 0 copies on the proxy. The pipe holds 4 chunks.
 * Passes per chunk depend on what the feeder has written by then: the counters show it.
 *
 * A feeder process (another core) writes an endless stream into A; a drain process
 * reads B. Each sample ends when the drain has received everything forwarded.
 *
 * verify: each side forwards the 4 MiB test file, fed once into a fresh A, to a hashing
 * peer on a fresh B: 4 MiB arrive with the file's recorded XXH3.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "peer.h"

#define STREAM_BYTES (4u << 20)

struct state {
	enum peer_fd_kind kind;
	size_t chunk;
	int a, b;                  /* the proxy's ends: reads a, writes b */
	int pipe[2];
	struct peer feeder, drain;
	unsigned char *buf;
	unsigned char *data;       /* the 4 MiB test file, fed into A */
	struct zc_testdata td;
};

static int open_streams(struct state *s, enum peer_mode sink)
{
	int far_a, far_b;
	if (stream_connect(s->kind, &far_a, &s->a) != ZC_OK)
		return ZC_ERROR;
	if (peer_start(&s->feeder, far_a, s->kind, PEER_FEED, s->data, STREAM_BYTES) != ZC_OK)
		return ZC_ERROR;
	if (stream_connect(s->kind, &s->b, &far_b) != ZC_OK)
		return ZC_ERROR;
	return peer_start(&s->drain, far_b, s->kind, sink, NULL, 0);
}

static int close_streams(struct state *s, uint64_t *hash, uint64_t *bytes)
{
	int rc = ZC_OK;
	if (s->a >= 0)
		close(s->a); /* the feeder's next write fails with EPIPE: it stops */
	if (s->b >= 0)
		close(s->b); /* the drain sees end of stream */
	s->a = s->b = -1;
	if (s->feeder.sh && peer_stop(&s->feeder, NULL, NULL) != ZC_OK)
		rc = ZC_ERROR;
	if (s->drain.sh && peer_stop(&s->drain, hash, bytes) != ZC_OK)
		rc = ZC_ERROR;
	return rc;
}

static int setup(void *st, const struct zc_param *p)
{
	struct state *s = st;
	s->kind = (enum peer_fd_kind)p->arg;
	s->chunk = p->bytes;
	s->a = s->b = s->pipe[0] = s->pipe[1] = -1;
	if (peer_feed_data(STREAM_BYTES, &s->td, &s->data) != ZC_OK)
		return ZC_ERROR;
	if (!(s->buf = zc_buffer_alloc(s->chunk, 0))) {
		zc_errorf("cannot allocate %zu bytes", s->chunk);
		return ZC_ERROR;
	}
	if (pipe_sized(s->pipe, s->chunk) != ZC_OK)
		return ZC_ERROR;
	return open_streams(s, PEER_DRAIN);
}

static void teardown(void *st)
{
	struct state *s = st;
	close_streams(s, NULL, NULL);
	for (int i = 0; i < 2; i++)
		if (s->pipe[i] >= 0)
			close(s->pipe[i]);
	zc_buffer_free(s->buf, 0);
	zc_buffer_free(s->data, 0);
	zc_testdata_close(&s->td);
}

static int recvsend_run(void *st, uint64_t iters)
{
	struct state *s = st;
	for (uint64_t i = 0; i < iters; i++) {
		for (size_t left = s->chunk; left;) {
			ssize_t n = recv(s->a, s->buf, left, 0);
			if (n <= 0) {
				if (n < 0 && errno == EINTR)
					continue;
				if (n < 0)
					peer_io_error(&s->feeder, "recv", errno);
				else
					zc_errorf("recv: the feeder's stream ended");
				return ZC_ERROR;
			}
			if (write_all(&s->drain, s->b, s->buf, (size_t)n) != ZC_OK)
				return ZC_ERROR;
			left -= (size_t)n;
		}
		s->drain.sent += s->chunk;
	}
	return peer_sync(&s->drain);
}

static int splice_run(void *st, uint64_t iters)
{
	struct state *s = st;
	for (uint64_t i = 0; i < iters; i++) {
		size_t left = s->chunk;
		while (left) {
			/* SPLICE_F_MOVE is a no-op since Linux 2.6.21; pages move by reference anyway. */
			ssize_t in = splice(s->a, NULL, s->pipe[1], NULL, left, 0);
			if (in <= 0) {
				if (in < 0 && errno == EINTR)
					continue;
				if (in < 0)
					peer_io_error(&s->feeder, "splice from the socket", errno);
				else
					zc_errorf("splice: the feeder's stream ended");
				return ZC_ERROR;
			}
			for (ssize_t out = 0; out < in;) {
				/* No SPLICE_F_MORE: it corks TCP, and the last chunk of a sample would wait
				 * ~200 ms for a timer. */
				ssize_t k = splice(s->pipe[0], NULL, s->b, NULL, (size_t)(in - out), 0);
				if (k < 0 && errno == EINTR)
					continue;
				if (k <= 0) {
					peer_io_error(&s->drain, "splice to the socket", k < 0 ? errno : EPIPE);
					return ZC_ERROR;
				}
				out += k;
			}
			left -= (size_t)in;
		}
		s->drain.sent += s->chunk;
	}
	return peer_sync(&s->drain);
}

static int verify(void *st)
{
	struct state *s = st;
	int (*run[2])(void *, uint64_t) = {recvsend_run, splice_run};
	for (int side = 0; side < 2; side++) {
		int a = s->a, b = s->b;
		struct peer f = s->feeder, d = s->drain;
		uint64_t hash = 0, bytes = 0;
		int rc = open_streams(s, PEER_HASH);
		if (rc == ZC_OK)
			rc = run[side](s, STREAM_BYTES / s->chunk);
		if (close_streams(s, &hash, &bytes) != ZC_OK)
			rc = ZC_ERROR;
		s->a = a, s->b = b, s->feeder = f, s->drain = d;
		if (rc != ZC_OK)
			return ZC_ERROR;
		if (bytes != STREAM_BYTES || hash != s->td.xxh3) {
			zc_errorf("%s side: B got %llu bytes, XXH3 %016llx; A was fed %u bytes, XXH3 %016llx",
				  side ? "zerocopy" : "baseline", (unsigned long long)bytes,
				  (unsigned long long)hash, STREAM_BYTES, (unsigned long long)s->td.xxh3);
			return ZC_ERROR;
		}
	}
	return ZC_OK;
}

static const struct zc_param params[] = {
	{"tcp_16KiB", 16 << 10, PEER_TCP, "loopback TCP in and out, 16 KiB chunks", 0},
	{"tcp_64KiB", 64 << 10, PEER_TCP, "loopback TCP, 64 KiB chunks", 0},
	{"tcp_1MiB", 1 << 20, PEER_TCP, "loopback TCP, 1 MiB chunks", 0},
	{"unix_64KiB", 64 << 10, PEER_UNIX, "AF_UNIX stream in and out, 64 KiB chunks", 0},
};

/* Cost model: peer_model_stream's frame (syscalls, context switches), the copies between
 * user and kernel space, and both sockets' protocol work (peer_model_protocol). The
 * splice side's pipe in the middle is no profiled primitive of its own. */
static void protocol(const struct zc_param *p, struct zc_model *m)
{
	peer_model_protocol(m, (enum peer_fd_kind)p->arg, 1, p->bytes);
	peer_model_protocol(m, (enum peer_fd_kind)p->arg, 0, p->bytes);
}

static void recvsend_model(const struct zc_param *p, struct zc_model *m)
{
	peer_model_stream(m, ZC_PRIM_SYSCALL);
	zc_model_term(m, ZC_PRIM_COPY_TO_USER, ZC_PER_ITER, 1, p->bytes);
	zc_model_term(m, ZC_PRIM_COPY_FROM_USER, ZC_PER_ITER, 1, p->bytes);
	protocol(p, m);
}

static void splice_model(const struct zc_param *p, struct zc_model *m)
{
	peer_model_stream(m, ZC_PRIM_SYSCALL);
	protocol(p, m);
}

static void recvsend_invariants(const struct zc_param *p, struct zc_invariants *inv)
{
	zc_invariant_whole_chunk(p, inv, 2, 0); /* recv + write */
}

static void splice_invariants(const struct zc_param *p, struct zc_invariants *inv)
{
	zc_invariant_whole_chunk(p, inv, 2, 1); /* splice in + out, more if one is partial */
}

static const struct zc_pair recvsend_vs_splice = {
	.name = "recvsend_vs_splice",
	.summary = "proxy socket A -> socket B: recv + send through a buffer vs splice through a pipe",
	.replaces = "in:tcp|unix out:tcp|unix",
	.flags = ZC_PAIR_STREAM,
	.params = params,
	.nparams = sizeof params / sizeof params[0],
	.state_size = sizeof(struct state),
	.setup = setup,
	.side = {
		{.desc = "recv(A, buf, left); write(B, buf, got) until a chunk has passed", .copies_per_iter = 2, .run = recvsend_run, .model = recvsend_model, .invariants = recvsend_invariants},
		{.desc = "splice(A -> pipe, left); splice(pipe -> B) until a chunk has passed", .copies_per_iter = 0, .run = splice_run, .model = splice_model, .invariants = splice_invariants},
	},
	.verify = verify,
	.teardown = teardown,
};

ZC_REGISTER(recvsend_vs_splice)
