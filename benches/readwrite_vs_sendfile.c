/*
 * readwrite_vs_sendfile - serve a file over a stream socket: read it into a buffer and
 * write the buffer, or let the kernel send the page-cache pages (sendfile).
 *
 * baseline: pread(file, buf, chunk, off); write(sock, buf, chunk). 2 syscalls and 2
 *           copies per chunk (page cache -> buf, buf -> socket buffer).
 * zerocopy: sendfile(sock, file, &off, chunk). 1 syscall per chunk. Over TCP the pages
 *           are referenced, not copied, on the send path (0 copies; loopback delivery then
 *           copies on receive, which both sides share); over AF_UNIX too since Linux
 *           6.5 (MSG_SPLICE_PAGES: the socket takes the pages sendfile's internal pipe
 *           references; before, it copied them once).
 *
 * The file is the 4 MiB test file in page cache, sent chunk by chunk from offsets that
 * wrap around. The peer (another core) drains: recv(MSG_TRUNC) for TCP, read() for
 * AF_UNIX. Each sample ends when the peer has received everything.
 *
 * verify: each side sends the whole file once to a hashing peer; both streams' XXH3 equal
 * the file's recorded XXH3 and their length equals the file's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include "peer.h"

#define FILE_BYTES (4u << 20)

struct state {
	struct zc_testdata td;
	enum peer_fd_kind kind;
	size_t chunk;
	off_t off;
	int sock;
	struct peer peer;
	unsigned char *buf;
};

static int setup(void *st, const struct zc_param *p)
{
	struct state *s = st;
	s->kind = (enum peer_fd_kind)p->arg;
	s->chunk = p->bytes;
	s->sock = -1;
	s->td.fd = -1;
	if (zc_testdata_open(FILE_BYTES, &s->td) != ZC_OK)
		return ZC_ERROR;
	if (!(s->buf = zc_buffer_alloc(s->chunk, 0))) {
		zc_errorf("cannot allocate %zu bytes", s->chunk);
		return ZC_ERROR;
	}
	int b;
	if (stream_connect(s->kind, &s->sock, &b) != ZC_OK)
		return ZC_ERROR;
	stream_record_buffers(s->sock, s->kind == PEER_TCP ? "socket_buffers.tcp" : "socket_buffers.unix");
	return peer_start(&s->peer, b, s->kind, PEER_DRAIN, NULL, 0);
}

static void teardown(void *st)
{
	struct state *s = st;
	if (s->sock >= 0)
		close(s->sock);
	if (s->peer.sh)
		peer_stop(&s->peer, NULL, NULL);
	zc_buffer_free(s->buf, 0);
	zc_testdata_close(&s->td);
}

static void advance(struct state *s)
{
	s->peer.sent += s->chunk;
	s->off = (off_t)(((size_t)s->off + s->chunk) % FILE_BYTES);
}

static int readwrite_run(void *st, uint64_t iters)
{
	struct state *s = st;
	for (uint64_t i = 0; i < iters; i++) {
		ssize_t n = pread(s->td.fd, s->buf, s->chunk, s->off);
		if (n != (ssize_t)s->chunk) {
			zc_errorf("pread(%s) at %lld: %s", s->td.path, (long long)s->off,
				  n < 0 ? strerror(errno) : "short read (file shrank?)");
			return ZC_ERROR;
		}
		if (write_all(&s->peer, s->sock, s->buf, s->chunk) != ZC_OK)
			return ZC_ERROR;
		advance(s);
	}
	return peer_sync(&s->peer);
}

static int sendfile_run(void *st, uint64_t iters)
{
	struct state *s = st;
	for (uint64_t i = 0; i < iters; i++) {
		off_t o = s->off;
		size_t left = s->chunk;
		while (left) {
			ssize_t n = sendfile(s->sock, s->td.fd, &o, left);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				if (n == 0)
					zc_errorf("sendfile: %s ended at %lld (file shrank?)", s->td.path, (long long)o);
				else
					peer_io_error(&s->peer, "sendfile", errno);
				return ZC_ERROR;
			}
			left -= (size_t)n;
		}
		advance(s);
	}
	return peer_sync(&s->peer);
}

static int verify(void *st)
{
	struct state *s = st;
	int (*run[2])(void *, uint64_t) = {readwrite_run, sendfile_run};
	for (int side = 0; side < 2; side++) {
		uint64_t hash = 0, bytes = 0;
		s->off = 0;
		if (peer_verify_run(s->kind, &s->sock, &s->peer, run[side], s, FILE_BYTES / s->chunk,
				    &hash, &bytes) != ZC_OK)
			return ZC_ERROR;
		if (bytes != FILE_BYTES || hash != s->td.xxh3) {
			zc_errorf("%s side: peer got %llu bytes with XXH3 %016llx; the file is %u bytes, XXH3 %016llx",
				  side ? "zerocopy" : "baseline", (unsigned long long)bytes,
				  (unsigned long long)hash, FILE_BYTES, (unsigned long long)s->td.xxh3);
			return ZC_ERROR;
		}
	}
	return ZC_OK;
}

static const struct zc_param params[] = {
	{"tcp_16KiB", 16 << 10, PEER_TCP, "loopback TCP, 16 KiB chunks of a 4 MiB warm file", 0},
	{"tcp_64KiB", 64 << 10, PEER_TCP, "loopback TCP, 64 KiB chunks", 0},
	{"tcp_1MiB", 1 << 20, PEER_TCP, "loopback TCP, 1 MiB chunks", 0},
	{"unix_16KiB", 16 << 10, PEER_UNIX, "AF_UNIX stream, 16 KiB chunks", 0},
	{"unix_64KiB", 64 << 10, PEER_UNIX, "AF_UNIX stream, 64 KiB chunks", 0},
	{"unix_1MiB", 1 << 20, PEER_UNIX, "AF_UNIX stream, 1 MiB chunks", 0},
};

/* Cost model: peer_model_stream's frame (syscalls, context switches), the copies between
 * user and kernel space, and the socket's protocol work (peer_model_protocol). A file
 * syscall's fixed cost stands for each syscall. */
static void readwrite_model(const struct zc_param *p, struct zc_model *m)
{
	peer_model_stream(m, ZC_PRIM_PREAD_0);
	zc_model_term(m, ZC_PRIM_COPY_TO_USER, ZC_PER_ITER, 1, p->bytes);
	zc_model_term(m, ZC_PRIM_COPY_FROM_USER, ZC_PER_ITER, 1, p->bytes);
	peer_model_protocol(m, (enum peer_fd_kind)p->arg, 0, p->bytes);
}

/* sendfile splices the file's pages into its internal pipe (pipe_splice) and the socket
 * takes them from there. TCP's work on them is tcp_send's (segments, loopback delivery);
 * an AF_UNIX socket neither allocates pages for them nor copies them, as it does for a
 * write (unix_send): its per-skb work is no primitive, the side's residual. */
static void sendfile_model(const struct zc_param *p, struct zc_model *m)
{
	peer_model_stream(m, ZC_PRIM_PREAD_0);
	zc_model_term(m, ZC_PRIM_PIPE_SPLICE, ZC_PER_ITER, 1, p->bytes);
	if ((enum peer_fd_kind)p->arg == PEER_TCP)
		peer_model_protocol(m, PEER_TCP, 0, p->bytes);
}

static void readwrite_invariants(const struct zc_param *p, struct zc_invariants *inv)
{
	zc_invariant_whole_chunk(p, inv, 2, 0); /* pread + write */
}

static void sendfile_invariants(const struct zc_param *p, struct zc_invariants *inv)
{
	zc_invariant_whole_chunk(p, inv, 1, 0);
}

static const struct zc_pair readwrite_vs_sendfile = {
	.name = "readwrite_vs_sendfile",
	.summary = "file -> socket: pread + write through a buffer vs sendfile",
	.replaces = "in:file out:tcp|unix",
	.flags = ZC_PAIR_STREAM,
	.params = params,
	.nparams = sizeof params / sizeof params[0],
	.state_size = sizeof(struct state),
	.setup = setup,
	.side = {
		{.desc = "pread(file, buf, chunk); write(sock, buf, chunk)", .copies_per_iter = 2, .run = readwrite_run, .model = readwrite_model, .invariants = readwrite_invariants},
		{.desc = "sendfile(sock, file, &off, chunk)", .copies_per_iter = 0, .run = sendfile_run, .model = sendfile_model, .invariants = sendfile_invariants},
	},
	.verify = verify,
	.teardown = teardown,
};

ZC_REGISTER(readwrite_vs_sendfile)
