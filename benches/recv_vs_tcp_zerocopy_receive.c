/*
 * recv_vs_tcp_zerocopy_receive - TCP socket -> the receiver's memory: recv() copies the
 * received bytes into a buffer; getsockopt(TCP_ZEROCOPY_RECEIVE) maps the received pages
 * into a region mmap()ed on the socket instead, and says how many bytes it could not map
 * (recv_skip_hint), which are then read with recv().
 *
 * baseline: recv(sock, buf, left) until a chunk has arrived. 1 copy.
 * zerocopy: TCP_ZEROCOPY_RECEIVE into the mapping, recv() of the skip hint, until a chunk
 *           has arrived. Declared 0 copies, 1 for the bytes the kernel could not map: the
 *           mapped and copied byte counts are reported to the harness (zc_effective, per
 *           4 KiB page). The kernel maps only whole, page-aligned page fragments; on
 *           the machine's loopback the sender's data sits in larger page fragments and
 *           segments of 65483 bytes, so it maps nothing there (the tcp_* params, the
 *           fallback's cost). The netns_* params run in a network namespace of zcbench's
 *           own whose lo carries 15 whole pages a segment (peer.h), fed with
 *           MSG_ZEROCOPY sends that start on a page, as the kernel's tcp_mmap selftest
 *           does: there the pages are mapped. There, when nothing (or less than a page)
 *           has arrived, the zero-copy side waits in poll() (SO_RCVLOWAT: up to 512 KiB)
 *           rather than copy.
 *
 * Neither side reads the bytes in the timed loop (a consumer would; that cost is the same
 * memory traffic on both sides once the bytes are in the address space).
 * A feeder process (another core) writes the 4 MiB test file over and over.
 * verify: each side receives 4 MiB (or one chunk, if larger: the file over and over) from a
 * fresh stream, hashing what it received (mapped pages and copied bytes alike); the XXH3
 * equals that of what the feeder sent.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/tcp.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <xxhash.h>

#include "peer.h"

#define STREAM_BYTES (4u << 20)
#define PAGE 4096u
#define RCVLOWAT_MAX (512u << 10)
#define WAIT_MS 10000

struct state {
	size_t chunk;
	int netns;              /* in zcbench's network namespace, fed with MSG_ZEROCOPY */
	int sock;
	struct peer feeder;
	unsigned char *buf;     /* recv's buffer */
	void *map;              /* the zero-copy region, mmap()ed on sock */
	unsigned char *data;    /* the test file, fed by the feeder */
	struct zc_testdata td;
	XXH3_state_t *hash;     /* verify only: hash what is received */
};

static int open_stream(struct state *s)
{
	int far, mss = 0, rc = s->netns ? stream_connect_netns(&far, &s->sock) : stream_connect(PEER_TCP, &far, &s->sock);
	if (rc != ZC_OK)
		return rc;
	socklen_t ml = sizeof mss;
	getsockopt(far, IPPROTO_TCP, TCP_MAXSEG, &mss, &ml); /* the feeder's segments */
	if (peer_start(&s->feeder, far, PEER_TCP, s->netns ? PEER_FEED_ZEROCOPY : PEER_FEED, s->data, STREAM_BYTES) != ZC_OK)
		return ZC_ERROR;
	if (s->netns) {
		/* poll() wakes the receiver for a batch, not for every segment. */
		int lowat = (int)(s->chunk < RCVLOWAT_MAX ? s->chunk : RCVLOWAT_MAX);
		setsockopt(s->sock, SOL_SOCKET, SO_RCVLOWAT, &lowat, sizeof lowat);
		zc_note("netns", "zcbench's own network namespace: lo up with MTU %d; TCP_MAXSEG %d, the feeder's "
			"MSS %d (%s whole pages); SO_RCVLOWAT %d; the feeder sending with MSG_ZEROCOPY from page "
			"boundaries",
			ZC_NETNS_MTU, ZC_NETNS_MSS, mss, mss % (int)PAGE ? "not" : "in", lowat);
	}
	s->map = mmap(NULL, s->chunk, PROT_READ, MAP_SHARED, s->sock, 0);
	if (s->map == MAP_FAILED) {
		s->map = NULL;
		zc_skipf("mmap of a TCP socket: %s (the kernel cannot map received pages)", strerror(errno));
		return ZC_SKIP;
	}
	return ZC_OK;
}

static void close_stream(struct state *s)
{
	if (s->map)
		munmap(s->map, s->chunk);
	s->map = NULL;
	if (s->sock >= 0)
		close(s->sock); /* the feeder's next write fails: it stops */
	s->sock = -1;
	if (s->feeder.sh)
		peer_stop(&s->feeder, NULL, NULL);
}

/* The netns_* params run in zcbench's network namespace. */
static int in_netns(const struct zc_param *p)
{
	return strncmp(p->name, "netns_", 6) == 0;
}

static int setup(void *st, const struct zc_param *p)
{
	struct state *s = st;
	s->chunk = p->bytes;
	s->sock = -1;
	s->netns = in_netns(p);
	if (peer_feed_data(STREAM_BYTES, &s->td, &s->data) != ZC_OK)
		return ZC_ERROR;
	if (!(s->buf = zc_buffer_alloc(s->chunk, 0))) {
		zc_errorf("cannot allocate %zu bytes", s->chunk);
		return ZC_ERROR;
	}
	int rc = open_stream(s);
	if (rc != ZC_OK)
		return rc;
	/* Does this kernel know the option at all? An empty request answers without
	 * consuming anything. */
	struct tcp_zerocopy_receive zc;
	memset(&zc, 0, sizeof zc);
	zc.address = (uint64_t)(uintptr_t)s->map;
	socklen_t len = sizeof zc;
	if (getsockopt(s->sock, IPPROTO_TCP, TCP_ZEROCOPY_RECEIVE, &zc, &len) != 0 && errno != EAGAIN) {
		zc_skipf("getsockopt(TCP_ZEROCOPY_RECEIVE): %s (kernel without TCP receive zero-copy)", strerror(errno));
		return ZC_SKIP;
	}
	return ZC_OK;
}

static void teardown(void *st)
{
	struct state *s = st;
	close_stream(s);
	zc_buffer_free(s->buf, 0);
	zc_buffer_free(s->data, 0);
	zc_testdata_close(&s->td);
}

static int recv_some(struct state *s, size_t want, size_t *got)
{
	for (;;) {
		ssize_t n = recv(s->sock, s->buf, want, 0);
		if (n > 0) {
			if (s->hash)
				XXH3_64bits_update(s->hash, s->buf, (size_t)n);
			zc_escape(s->buf);
			*got = (size_t)n;
			return ZC_OK;
		}
		if (n < 0 && errno == EINTR)
			continue;
		peer_io_error(&s->feeder, "recv", n < 0 ? errno : EPIPE);
		return ZC_ERROR;
	}
}

static int recv_run(void *st, uint64_t iters)
{
	struct state *s = st;
	for (uint64_t i = 0; i < iters; i++)
		for (size_t left = s->chunk, got; left; left -= got)
			if (recv_some(s, left, &got) != ZC_OK)
				return ZC_ERROR;
	return ZC_OK;
}

static int zerocopy_run(void *st, uint64_t iters)
{
	struct state *s = st;
	uint64_t mapped_pages = 0, copied_pages = 0;
	for (uint64_t i = 0; i < iters; i++) {
		for (size_t left = s->chunk; left;) {
			struct tcp_zerocopy_receive zc;
			memset(&zc, 0, sizeof zc);
			zc.address = (uint64_t)(uintptr_t)s->map;
			zc.length = (uint32_t)(left / PAGE * PAGE);
			socklen_t len = sizeof zc;
			size_t mapped = 0, skip = 0, asked = zc.length; /* the call overwrites zc.length */
			if (asked) {
				if (getsockopt(s->sock, IPPROTO_TCP, TCP_ZEROCOPY_RECEIVE, &zc, &len) != 0) {
					peer_io_error(&s->feeder, "getsockopt(TCP_ZEROCOPY_RECEIVE)", errno);
					return ZC_ERROR;
				}
				mapped = zc.length;
				skip = zc.recv_skip_hint;
				if (mapped && s->hash)
					XXH3_64bits_update(s->hash, s->map, mapped);
				zc_escape(s->map);
			}
			left -= mapped;
			mapped_pages += mapped / PAGE;
			/* Nothing, or less than a page, has arrived: the kernel says to skip (copy)
			 * all there is, and a copy of part of a page would leave every later page
			 * unaligned. Wait for more instead, while more can come. */
			int inq = 0;
			int partial = s->netns && asked && mapped == 0 && skip > 0 && skip < PAGE &&
				      ioctl(s->sock, SIOCINQ, &inq) == 0 && (size_t)inq == skip;
			/* Only in the namespace: there SO_RCVLOWAT makes poll() wait for a batch. On
			 * the machine's loopback nothing is ever mapped, and poll() would return at
			 * once for the bytes already there: the fallback copies, as recv() would. */
			if (s->netns && asked && mapped == 0 && (skip == 0 || partial)) {
				struct pollfd pfd = {.fd = s->sock, .events = POLLIN | POLLRDHUP};
				int r = poll(&pfd, 1, WAIT_MS);
				if (r < 0 && errno == EINTR)
					continue;
				if (r <= 0) {
					peer_io_error(&s->feeder, "poll for received data", r < 0 ? errno : ETIMEDOUT);
					return ZC_ERROR;
				}
				if (!(pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)))
					continue; /* more has arrived: map it */
				/* The feeder is gone: what is left is copied below; nothing left is an
				 * early end of stream. */
				if (skip == 0) {
					peer_io_error(&s->feeder, "TCP stream", EPIPE);
					return ZC_ERROR;
				}
			}
			/* What could not be mapped (or nothing was there yet, or less than a page
			 * is left): copy it, at most what the kernel said to skip. */
			if (left && (mapped == 0 || skip)) {
				size_t want = skip && skip < left ? skip : left, got;
				if (recv_some(s, want, &got) != ZC_OK)
					return ZC_ERROR;
				left -= got;
				copied_pages += (got + PAGE - 1) / PAGE;
			}
		}
	}
	zc_zerocopy_outcome(mapped_pages, copied_pages);
	return ZC_OK;
}

static int verify(void *st)
{
	struct state *s = st;
	int (*run[2])(void *, uint64_t) = {recv_run, zerocopy_run};
	for (int side = 0; side < 2; side++) {
		int sock = s->sock;
		void *map = s->map;
		struct peer f = s->feeder;
		XXH3_state_t *h = XXH3_createState();
		if (!h || XXH3_64bits_reset(h) != XXH_OK) {
			zc_errorf("XXH3_createState failed");
			XXH3_freeState(h);
			return ZC_ERROR;
		}
		s->hash = h;
		/* At least the whole file, at least one chunk: the file over and over. */
		uint64_t iters = s->chunk < STREAM_BYTES ? STREAM_BYTES / s->chunk : 1;
		size_t copies = (size_t)(iters * s->chunk / STREAM_BYTES);
		int rc = open_stream(s);
		if (rc == ZC_OK)
			rc = run[side](s, iters);
		close_stream(s);
		uint64_t got = XXH3_64bits_digest(h);
		uint64_t sent = s->td.xxh3;
		if (copies > 1) {
			XXH3_state_t *e = XXH3_createState();
			XXH3_64bits_reset(e);
			for (size_t k = 0; k < copies; k++)
				XXH3_64bits_update(e, s->data, STREAM_BYTES);
			sent = XXH3_64bits_digest(e);
			XXH3_freeState(e);
		}
		XXH3_freeState(h);
		s->hash = NULL;
		s->sock = sock, s->map = map, s->feeder = f;
		if (rc != ZC_OK)
			return ZC_ERROR;
		if (got != sent) {
			zc_errorf("%s side: received %zu MiB with XXH3 %016llx; the feeder sent %016llx",
				  side ? "zerocopy" : "baseline", copies * 4, (unsigned long long)got,
				  (unsigned long long)sent);
			return ZC_ERROR;
		}
	}
	return ZC_OK;
}

static const struct zc_param params[] = {
	{"tcp_64KiB", 64 << 10, 0, "loopback TCP, 64 KiB received per iteration", 0},
	{"tcp_1MiB", 1 << 20, 0, "loopback TCP, 1 MiB received per iteration", 0},
	{"netns_64KiB", 64 << 10, 0, "loopback TCP in zcbench's network namespace (MSS 15 pages, MSG_ZEROCOPY feeder), 64 KiB per iteration", 0},
	{"netns_256KiB", 256 << 10, 0, "loopback TCP in zcbench's network namespace (MSS 15 pages, MSG_ZEROCOPY feeder), 256 KiB per iteration", 0},
	{"netns_1MiB", 1 << 20, 0, "loopback TCP in zcbench's network namespace (MSS 15 pages, MSG_ZEROCOPY feeder), 1 MiB per iteration", 0},
	{"netns_4MiB", 4 << 20, 0, "loopback TCP in zcbench's network namespace (MSS 15 pages, MSG_ZEROCOPY feeder), 4 MiB per iteration", 0},
	{"netns_16MiB", 16 << 20, 0, "loopback TCP in zcbench's network namespace (MSS 15 pages, MSG_ZEROCOPY feeder), 16 MiB per iteration", 0},
};

/* Cost model: peer_model_stream's frame (syscalls, context switches) and the copies
 * between user and kernel space. The zero-copy side's copies are the measured ones; page
 * mapping is no profiled primitive. What TCP's receive adds per byte: tcp_recv over the
 * machine's loopback; in the namespace, where a segment carries one page, tcp_recv_pages. */
static void protocol_model(const struct zc_param *p, struct zc_model *m)
{
	if (in_netns(p))
		zc_model_term(m, ZC_PRIM_TCP_RECV_PAGES, ZC_PER_ITER, 1, p->bytes);
	else
		peer_model_protocol(m, PEER_TCP, 1, p->bytes);
}

static void recv_model(const struct zc_param *p, struct zc_model *m)
{
	peer_model_stream(m, ZC_PRIM_SYSCALL);
	zc_model_term(m, ZC_PRIM_COPY_TO_USER, ZC_PER_ITER, 1, p->bytes);
	protocol_model(p, m);
	/* recv from a peer sending without pause is what the profile's tcp_recv (and
	 * tcp_recv_pages) timed. */
	zc_model_restates_profile(m);
}

static void zerocopy_model(const struct zc_param *p, struct zc_model *m)
{
	peer_model_stream(m, ZC_PRIM_SYSCALL);
	zc_model_term(m, ZC_PRIM_COPY_TO_USER, ZC_PER_COPY, 1, p->bytes);
	protocol_model(p, m);
}

/* In zcbench's namespace the kernel maps the pages: from 256 KiB on, at least 90% of the
 * bytes (a chunk's edges and a short send's page may be copied). */
static void zerocopy_invariants(const struct zc_param *p, struct zc_invariants *inv)
{
	if (in_netns(p) && p->bytes >= (256u << 10))
		inv->zerocopy_effective_min = 0.9;
}

static const struct zc_pair recv_vs_tcp_zerocopy_receive = {
	.name = "recv_vs_tcp_zerocopy_receive",
	.summary = "TCP socket -> memory: recv into a buffer vs TCP_ZEROCOPY_RECEIVE mapping the pages (in zcbench's netns; plain loopback cannot map)",
	.replaces = "in:tcp",
	.flags = ZC_PAIR_STREAM,
	.params = params,
	.nparams = sizeof params / sizeof params[0],
	.state_size = sizeof(struct state),
	.setup = setup,
	.side = {
		{.desc = "recv(sock, buf, left) until a chunk has arrived", .copies_per_iter = 1, .run = recv_run, .model = recv_model},
		{.desc = "getsockopt(TCP_ZEROCOPY_RECEIVE) into a mapping of the socket; recv() the skip hint",
		 .copies_per_iter = 0, .copies_if_copied = 1, .run = zerocopy_run, .model = zerocopy_model,
		 .invariants = zerocopy_invariants},
	},
	.verify = verify,
	.teardown = teardown,
};

ZC_REGISTER(recv_vs_tcp_zerocopy_receive)
