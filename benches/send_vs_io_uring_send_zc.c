/*
 * send_vs_io_uring_send_zc - buffer -> TCP socket: send() copies the buffer into socket
 * buffers; io_uring's IORING_OP_SEND_ZC pins the user pages instead and posts a second
 * completion (a notification) when the kernel no longer needs them.
 *
 * baseline: send(sock, buf, chunk, 0) until the chunk is sent. 1 syscall, 1 copy.
 * zerocopy: one SEND_ZC (MSG_WAITALL) submitted and waited for with one io_uring_enter;
 *           its notification is reaped from the completion ring without a syscall. With
 *           _fixed params the buffer is registered once (io_uring_register_buffers), so no
 *           page is pinned per send. Declared 0 copies, 1 when the kernel copies after all:
 *           IORING_SEND_ZC_REPORT_USAGE makes each notification say which
 *           (IORING_NOTIF_USAGE_ZC_COPIED), reported to the harness as zc_effective. On
 *           loopback the receiving socket gets a copy of every page (the kernel cannot hand
 *           pinned user pages to another socket), so expect 0% there.
 *           A notification is task work for the submitting task, added when the peer's ACK
 *           frees the last skb of the send (on the peer's core, under the sender's socket
 *           lock); while the task runs, an IPI makes it run that work (kick_process), unless
 *           the ring is IORING_SETUP_COOP_TASKRUN (_coop params), which lets the work wait
 *           for the task's next io_uring_enter.
 *
 * Published crossovers (io_uring's SEND_ZC commit, real NICs): it pays from ~3 KB with
 * registered buffers and from ~10 KB without. The params bracket both, up to 1 MiB.
 * verify: one chunk through each side reaches a hashing peer with the buffer's XXH3.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <liburing.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "peer.h"

/* Linux 6.2; Debian 12's liburing 2.3 header predates them. */
#ifndef IORING_SEND_ZC_REPORT_USAGE
#define IORING_SEND_ZC_REPORT_USAGE (1U << 3)
#endif
#ifndef IORING_NOTIF_USAGE_ZC_COPIED
#define IORING_NOTIF_USAGE_ZC_COPIED (1U << 31)
#endif

#define FIXED 1 /* param arg bits: registered buffer, */
#define COOP 2  /* and a COOP_TASKRUN ring */

struct state {
	size_t chunk;
	int fixed;
	int sock;
	struct peer peer;
	unsigned char *buf;
	struct io_uring ring;
	int ring_ok;
	uint64_t pending_notifs; /* sends whose notification has not been reaped */
};

static int setup(void *st, const struct zc_param *p)
{
	struct state *s = st;
	s->chunk = p->bytes;
	s->fixed = p->arg & FIXED;
	s->sock = -1;
	if (!(s->buf = zc_buffer_alloc(s->chunk, 0))) {
		zc_errorf("cannot allocate %zu bytes", s->chunk);
		return ZC_ERROR;
	}
	zc_fill_random(s->buf, s->chunk, 0x75726e677a630001ULL);
	int rc = io_uring_queue_init(64, &s->ring, p->arg & COOP ? IORING_SETUP_COOP_TASKRUN : 0);
	if (rc < 0) {
		zc_skipf("io_uring_queue_init%s: %s%s", p->arg & COOP ? "(COOP_TASKRUN, Linux 5.19)" : "",
			 strerror(-rc), rc == -EPERM ? " (io_uring disabled: kernel.io_uring_disabled)" : "");
		return ZC_SKIP;
	}
	s->ring_ok = 1;
	struct io_uring_probe *probe = io_uring_get_probe_ring(&s->ring);
	int have = probe && io_uring_opcode_supported(probe, IORING_OP_SEND_ZC);
	if (probe)
		io_uring_free_probe(probe);
	if (!have) {
		zc_skipf("IORING_OP_SEND_ZC not supported by this kernel (needs Linux 6.0)");
		return ZC_SKIP;
	}
	if (s->fixed) {
		struct iovec iov = {s->buf, s->chunk};
		if ((rc = io_uring_register_buffers(&s->ring, &iov, 1)) < 0) {
			zc_errorf("io_uring_register_buffers(%zu bytes): %s (RLIMIT_MEMLOCK?)", s->chunk, strerror(-rc));
			return ZC_ERROR;
		}
	}
	int b;
	if (stream_connect(PEER_TCP, &s->sock, &b) != ZC_OK)
		return ZC_ERROR;
	stream_record_buffers(s->sock, "socket_buffers.tcp");
	return peer_start(&s->peer, b, PEER_TCP, PEER_DRAIN, NULL, 0);
}

static void teardown(void *st)
{
	struct state *s = st;
	if (s->sock >= 0)
		close(s->sock);
	if (s->peer.sh)
		peer_stop(&s->peer, NULL, NULL);
	if (s->ring_ok)
		io_uring_queue_exit(&s->ring);
	zc_buffer_free(s->buf, 0);
}

static int send_run(void *st, uint64_t iters)
{
	struct state *s = st;
	for (uint64_t i = 0; i < iters; i++) {
		for (size_t off = 0; off < s->chunk;) {
			ssize_t n = send(s->sock, s->buf + off, s->chunk - off, 0);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				peer_io_error(&s->peer, "send", n < 0 ? errno : EPIPE);
				return ZC_ERROR;
			}
			off += (size_t)n;
		}
		s->peer.sent += s->chunk;
	}
	return peer_sync(&s->peer);
}

/* Waits for and handles one completion: a send's result (*sent set), or a notification
 * (which says whether the kernel copied after all). */
static int reap_one(struct state *s, int *sent)
{
	struct io_uring_cqe *cqe;
	int rc = io_uring_wait_cqe(&s->ring, &cqe);
	if (rc < 0) {
		zc_errorf("io_uring_wait_cqe: %s", strerror(-rc));
		return ZC_ERROR;
	}
	int res = cqe->res;
	unsigned flags = cqe->flags;
	io_uring_cqe_seen(&s->ring, cqe);
	if (flags & IORING_CQE_F_NOTIF) {
		int copied = (res & (int)IORING_NOTIF_USAGE_ZC_COPIED) != 0;
		zc_zerocopy_outcome(!copied, copied);
		s->pending_notifs--;
		return ZC_OK;
	}
	if (res != (int)s->chunk) {
		peer_io_error(&s->peer, "IORING_OP_SEND_ZC", res < 0 ? -res : EPIPE);
		return ZC_ERROR;
	}
	if (flags & IORING_CQE_F_MORE)
		s->pending_notifs++;
	*sent = 1;
	return ZC_OK;
}

static int send_zc_run(void *st, uint64_t iters)
{
	struct state *s = st;
	for (uint64_t i = 0; i < iters; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&s->ring);
		if (s->fixed)
			io_uring_prep_send_zc_fixed(sqe, s->sock, s->buf, s->chunk, MSG_WAITALL,
						    IORING_SEND_ZC_REPORT_USAGE, 0);
		else
			io_uring_prep_send_zc(sqe, s->sock, s->buf, s->chunk, MSG_WAITALL, IORING_SEND_ZC_REPORT_USAGE);
		int rc = io_uring_submit_and_wait(&s->ring, 1);
		if (rc < 0) {
			zc_errorf("io_uring_submit_and_wait: %s", strerror(-rc));
			return ZC_ERROR;
		}
		/* The buffer never changes, so the next send need not wait for this one's
		 * notification; they are reaped as they come. */
		for (int sent = 0; !sent;)
			if (reap_one(s, &sent) != ZC_OK)
				return ZC_ERROR;
		s->peer.sent += s->chunk;
	}
	/* A sample ends when the kernel is done with every page it was lent. */
	for (int sent; s->pending_notifs;)
		if (reap_one(s, &sent) != ZC_OK)
			return ZC_ERROR;
	return peer_sync(&s->peer);
}

static int verify(void *st)
{
	struct state *s = st;
	static int (*const run[2])(void *, uint64_t) = {send_run, send_zc_run};
	return peer_verify_sides(PEER_TCP, &s->sock, &s->peer, run, s, 1, zc_hash(s->buf, s->chunk), s->chunk);
}

/* Model: a send's terms with the copies measured (loopback copies after all), one io_uring
 * request, the pages pinned per send unless the buffer is registered, and its notification's
 * kick unless the ring is COOP_TASKRUN: the sender runs when the ACK comes, and spins on its
 * socket's lock while the peer's core, holding it, sends the IPI. */
static void send_zc_model(const struct zc_param *p, struct zc_model *m)
{
	if (p->arg & FIXED)
		peer_model_send_registered(p, m);
	else
		peer_model_send_zerocopy(p, m);
	zc_model_term(m, ZC_PRIM_IO_URING_OP, ZC_PER_ITER, 1, 0);
	if (!(p->arg & COOP))
		zc_model_term(m, ZC_PRIM_TASK_KICK, ZC_PER_ITER, 1, 0);
}

static const struct zc_param params[] = {
	{"tcp_2KiB", 2 << 10, 0, "loopback TCP, 2 KiB sends (below both published crossovers)", 0},
	{"tcp_4KiB_fixed", 4 << 10, FIXED, "loopback TCP, 4 KiB sends, registered buffer (above ~3 KB)", 0},
	{"tcp_4KiB", 4 << 10, 0, "loopback TCP, 4 KiB sends", 0},
	{"tcp_4KiB_coop", 4 << 10, COOP, "loopback TCP, 4 KiB sends, COOP_TASKRUN ring (no IPI per notification)", 0},
	{"tcp_16KiB", 16 << 10, 0, "loopback TCP, 16 KiB sends (above ~10 KB)", 0},
	{"tcp_64KiB_fixed", 64 << 10, FIXED, "loopback TCP, 64 KiB sends, registered buffer", 0},
	{"tcp_64KiB", 64 << 10, 0, "loopback TCP, 64 KiB sends", 0},
	{"tcp_64KiB_coop", 64 << 10, COOP, "loopback TCP, 64 KiB sends, COOP_TASKRUN ring (no IPI per notification)", 0},
	{"tcp_1MiB", 1 << 20, 0, "loopback TCP, 1 MiB sends", 0},
};

static const struct zc_pair send_vs_io_uring_send_zc = {
	.name = "send_vs_io_uring_send_zc",
	.summary = "buffer -> TCP socket: send vs io_uring SEND_ZC (plain and registered buffers, with and without COOP_TASKRUN; loopback copies anyway)",
	.replaces = "out:tcp",
	.flags = ZC_PAIR_STREAM,
	.params = params,
	.nparams = sizeof params / sizeof params[0],
	.state_size = sizeof(struct state),
	.setup = setup,
	.side = {
		{.desc = "send(sock, buf, chunk, 0)", .copies_per_iter = 1, .run = send_run, .model = peer_model_send},
		{.desc = "IORING_OP_SEND_ZC(sock, buf, chunk, MSG_WAITALL), REPORT_USAGE; notifications reaped from the ring",
		 .copies_per_iter = 0, .copies_if_copied = 1, .run = send_zc_run, .model = send_zc_model},
	},
	.verify = verify,
	.teardown = teardown,
};

ZC_REGISTER(send_vs_io_uring_send_zc)
