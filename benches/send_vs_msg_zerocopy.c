/*
 * send_vs_msg_zerocopy - send() copies the buffer into socket buffers; send(MSG_ZEROCOPY)
 * pins the user pages and reports, on the socket's error queue, when the kernel is done
 * with them, and whether it ended up copying after all.
 *
 * baseline: send(sock, buf, chunk, 0). 1 syscall, 1 copy.
 * zerocopy: send(sock, buf, chunk, MSG_ZEROCOPY), plus recvmsg(MSG_ERRQUEUE) to reap the
 *           completions (batched: the kernel coalesces ranges). Declared 0 copies, but on
 *           loopback the kernel always falls back to a copy (the completion carries
 *           SO_EE_CODE_ZEROCOPY_COPIED): every completion is reported to the harness
 *           (zc_zerocopy_outcome), so the result's zc_effective and measured copies say
 *           what happened rather than what was declared. Page pinning and
 *           completion handling cost more than a small copy: expect a loss below ~10 KB.
 *
 * verify: one chunk through each side reaches a hashing peer with the buffer's XXH3.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <time.h> /* before linux/errqueue.h, which uses struct timespec */
#include <linux/errqueue.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "peer.h"

#ifndef SO_EE_ORIGIN_ZEROCOPY
#define SO_EE_ORIGIN_ZEROCOPY 5
#endif
#ifndef SO_EE_CODE_ZEROCOPY_COPIED
#define SO_EE_CODE_ZEROCOPY_COPIED 1
#endif

struct state {
	const struct zc_param *param;
	size_t chunk;
	int sock;
	struct peer peer;
	unsigned char *buf;
	uint32_t next_id;    /* id the kernel gives the next zero-copy send */
	uint32_t completed;  /* sends whose completion was reaped */
	uint64_t copied;     /* of those, how many the kernel reported as copied */
	int zc_sock;         /* the socket SO_ZEROCOPY was set on */
};

static int enable_zerocopy(struct state *s)
{
	int one = 1;
	if (s->zc_sock == s->sock)
		return ZC_OK;
	if (setsockopt(s->sock, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof one) != 0)
		return ZC_ERROR;
	s->zc_sock = s->sock;
	return ZC_OK;
}

static int setup(void *st, const struct zc_param *p)
{
	struct state *s = st;
	s->param = p;
	s->chunk = p->bytes;
	s->sock = -1;
	if (!(s->buf = zc_buffer_alloc(s->chunk, 0))) {
		zc_errorf("cannot allocate %zu bytes", s->chunk);
		return ZC_ERROR;
	}
	zc_fill_random(s->buf, s->chunk, 0x7a65726f636f7079ULL);
	int b;
	if (stream_connect(PEER_TCP, &s->sock, &b) != ZC_OK)
		return ZC_ERROR;
	s->zc_sock = -1;
	if (enable_zerocopy(s) != ZC_OK) {
		int e = errno;
		close(b);
		zc_skipf("SO_ZEROCOPY: %s (kernel without MSG_ZEROCOPY support)", strerror(e));
		return ZC_SKIP;
	}
	return peer_start(&s->peer, b, PEER_TCP, PEER_DRAIN, NULL, 0);
}

static void teardown(void *st)
{
	struct state *s = st;
	if (s->sock >= 0)
		close(s->sock);
	if (s->peer.sh)
		peer_stop(&s->peer, NULL, NULL);
	zc_buffer_free(s->buf, 0);
}

/* Reaps completions; with wait set, until every send so far has completed. */
static int reap(struct state *s, int wait)
{
	while (s->completed < s->next_id) {
		char control[128];
		struct msghdr msg = {.msg_control = control, .msg_controllen = sizeof control};
		ssize_t r = recvmsg(s->sock, &msg, MSG_ERRQUEUE | MSG_DONTWAIT);
		if (r < 0 && errno == EAGAIN) {
			if (!wait)
				return ZC_OK;
			struct pollfd pfd = {.fd = s->sock, .events = 0};
			if (poll(&pfd, 1, 10000) == 0) {
				zc_errorf("MSG_ZEROCOPY: no completion for 10 s (%u of %u)", s->completed, s->next_id);
				return ZC_ERROR;
			}
			continue;
		}
		if (r < 0) {
			peer_io_error(&s->peer, "recvmsg(MSG_ERRQUEUE)", errno);
			return ZC_ERROR;
		}
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
			struct sock_extended_err *ee = (struct sock_extended_err *)CMSG_DATA(c);
			if (ee->ee_errno != 0 || ee->ee_origin != SO_EE_ORIGIN_ZEROCOPY)
				continue;
			uint32_t n = ee->ee_data - ee->ee_info + 1; /* a coalesced range of send ids */
			s->completed += n;
			int copied = (ee->ee_code & SO_EE_CODE_ZEROCOPY_COPIED) != 0;
			if (copied)
				s->copied += n;
			zc_zerocopy_outcome(copied ? 0 : n, copied ? n : 0);
		}
	}
	return ZC_OK;
}

static int send_loop(struct state *s, uint64_t iters, int flags)
{
	for (uint64_t i = 0; i < iters; i++) {
		size_t off = 0;
		while (off < s->chunk) {
			ssize_t n = send(s->sock, s->buf + off, s->chunk - off, flags);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno == ENOBUFS && flags) {
				/* Too many pinned pages outstanding (optmem): reap, then retry. */
				if (reap(s, 1) != ZC_OK)
					return ZC_ERROR;
				continue;
			}
			if (n <= 0) {
				peer_io_error(&s->peer, "send", n < 0 ? errno : EPIPE);
				return ZC_ERROR;
			}
			off += (size_t)n;
			if (flags)
				s->next_id++;
		}
		s->peer.sent += s->chunk;
		if (flags && s->next_id - s->completed >= 64 && reap(s, 0) != ZC_OK)
			return ZC_ERROR;
	}
	if (flags && reap(s, 1) != ZC_OK)
		return ZC_ERROR;
	return peer_sync(&s->peer);
}

static int send_run(void *st, uint64_t iters)
{
	return send_loop(st, iters, 0);
}

static int zerocopy_run(void *st, uint64_t iters)
{
	struct state *s = st;
	/* verify swaps in a fresh socket: it needs the option too (1 syscall, once). */
	if (enable_zerocopy(s) != ZC_OK) {
		zc_errorf("SO_ZEROCOPY: %s", strerror(errno));
		return ZC_ERROR;
	}
	return send_loop(s, iters, MSG_ZEROCOPY);
}

static int verify(void *st)
{
	struct state *s = st;
	int (*run[2])(void *, uint64_t) = {send_run, zerocopy_run};
	uint64_t want = zc_hash(s->buf, s->chunk);
	for (int side = 0; side < 2; side++) {
		uint64_t hash = 0, bytes = 0;
		uint32_t id = s->next_id, done = s->completed;
		uint64_t copied = s->copied;
		int zc_sock = s->zc_sock;
		/* The verify stream is a new socket: its zero-copy ids start at 0. */
		s->next_id = s->completed = 0;
		int rc = peer_verify_run(PEER_TCP, &s->sock, &s->peer, run[side], s, 1, &hash, &bytes);
		s->next_id = id;
		s->completed = done;
		s->copied = copied;
		s->zc_sock = zc_sock;
		if (rc != ZC_OK)
			return ZC_ERROR;
		if (bytes != s->chunk || hash != want) {
			zc_errorf("%s side: peer got %llu bytes, XXH3 %016llx; sent %zu bytes, XXH3 %016llx",
				  side ? "zerocopy" : "baseline", (unsigned long long)bytes,
				  (unsigned long long)hash, s->chunk, (unsigned long long)want);
			return ZC_ERROR;
		}
	}
	return ZC_OK;
}

static const struct zc_param params[] = {
	{"tcp_4KiB", 4 << 10, 0, "loopback TCP, 4 KiB sends (below the ~10 KB where MSG_ZEROCOPY can pay)", 0},
	{"tcp_64KiB", 64 << 10, 0, "loopback TCP, 64 KiB sends", 0},
	{"tcp_1MiB", 1 << 20, 0, "loopback TCP, 1 MiB sends", 0},
};

static void send_invariants(const struct zc_param *p, struct zc_invariants *inv)
{
	zc_invariant_whole_chunk(p, inv, 1, 0);
}

static const struct zc_pair send_vs_msg_zerocopy = {
	.name = "send_vs_msg_zerocopy",
	.summary = "buffer -> TCP socket: send vs send(MSG_ZEROCOPY) with completions (loopback copies anyway)",
	.replaces = "out:tcp",
	.flags = ZC_PAIR_STREAM,
	.params = params,
	.nparams = sizeof params / sizeof params[0],
	.state_size = sizeof(struct state),
	.setup = setup,
	.side = {
		{.desc = "send(sock, buf, chunk, 0)", .copies_per_iter = 1, .run = send_run, .model = peer_model_send, .invariants = send_invariants},
		{.desc = "send(sock, buf, chunk, MSG_ZEROCOPY); reap completions from MSG_ERRQUEUE", .copies_per_iter = 0,
		 .copies_if_copied = 1, .run = zerocopy_run, .model = peer_model_send_zerocopy},
	},
	.verify = verify,
	.teardown = teardown,
};

ZC_REGISTER(send_vs_msg_zerocopy)
