/* peer.c - see peer.h. */
#define _GNU_SOURCE
#include "peer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "zcbench.h"

#define PEER_BUF (1u << 20)
#define PEER_MAX_BYTES (256ULL << 30) /* a feeder never writes more than this */
#define PEER_MAX_SECONDS 900          /* nor runs longer */
#define PEER_STALL_SECONDS 10

struct peer_shared {
	_Atomic uint64_t count;  /* bytes read (or written, for a feeder) */
	_Atomic uint64_t target; /* signal efd once count >= target (0: no one waits) */
	uint64_t hash;
	int error;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void advance(struct peer_shared *sh, int efd, uint64_t n)
{
	uint64_t c = atomic_fetch_add(&sh->count, n) + n;
	uint64_t t = atomic_load(&sh->target);
	if (t && c >= t) {
		uint64_t one = 1;
		atomic_store(&sh->target, 0);
		if (write(efd, &one, sizeof one) < 0)
			sh->error = errno;
	}
}

static void child_read(int fd, enum peer_fd_kind kind, enum peer_mode mode,
		       struct peer_shared *sh, int efd)
{
	unsigned char *buf = malloc(PEER_BUF);
	XXH3_state_t *st = XXH3_createState();
	int devnull = open("/dev/null", O_WRONLY);
	const char *fault = getenv("ZCBENCH_PEER_FAULT");
	if (!buf || !st || XXH3_64bits_reset(st) != XXH_OK)
		_exit(3);
	for (;;) {
		ssize_t n;
		if (mode == PEER_DRAIN && kind == PEER_TCP)
			n = recv(fd, NULL, PEER_BUF, MSG_TRUNC); /* discarded in the kernel: no copy */
		else if (mode == PEER_DRAIN && kind == PEER_PIPE && devnull >= 0)
			n = splice(fd, NULL, devnull, NULL, PEER_BUF, 0); /* no copy either */
		else
			n = read(fd, buf, PEER_BUF);
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			sh->error = errno;
			break;
		}
		if (mode == PEER_HASH && fault && atomic_load(&sh->count) == 0) {
			/* Test hook (ZCBENCH_PEER_FAULT): damage the stream as a faulty path
			 * would, to prove that every pair's verify notices. */
			if (strcmp(fault, "corrupt") == 0)
				buf[0] ^= 0x01;
			else if (strcmp(fault, "short") == 0 && n > 1) {
				memmove(buf, buf + 1, (size_t)--n);
			}
		}
		if (mode == PEER_HASH)
			XXH3_64bits_update(st, buf, (size_t)n);
		advance(sh, efd, (uint64_t)n);
	}
	sh->hash = XXH3_64bits_digest(st);
	XXH3_freeState(st);
	free(buf);
	if (devnull >= 0)
		close(devnull);
}

/* Empties a MSG_ZEROCOPY socket's error queue of completions; waits for one first when
 * wait (the kernel refused more sends until some are reaped). */
static void reap_completions(int fd, int wait)
{
	if (wait) {
		struct pollfd pfd = {.fd = fd, .events = 0};
		poll(&pfd, 1, 100); /* POLLERR is always reported */
	}
	for (;;) {
		char control[128];
		struct msghdr msg = {.msg_control = control, .msg_controllen = sizeof control};
		if (recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			return;
	}
}

static void child_feed(int fd, const unsigned char *buf, size_t len, struct peer_shared *sh, int efd, int zerocopy)
{
	double t0 = now_s();
	size_t pos = 0; /* the stream is buf, buf, buf, ... even across short writes */
	int one = 1;
	if (zerocopy && setsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof one) != 0)
		zerocopy = 0; /* refused: a plain feeder (the receiver reports what it mapped) */
	while (atomic_load(&sh->count) < PEER_MAX_BYTES && now_s() - t0 < PEER_MAX_SECONDS) {
		ssize_t n;
		if (zerocopy) {
			/* After a short send, the rest of that page alone: every later send
			 * starts on a page of buf, so its pages arrive whole. */
			size_t want = pos % 4096 ? 4096 - pos % 4096 : len - pos;
			n = send(fd, buf + pos, want < len - pos ? want : len - pos, MSG_ZEROCOPY);
			if (n < 0 && errno == ENOBUFS) {
				reap_completions(fd, 1);
				continue;
			}
			reap_completions(fd, 0);
		} else {
			n = write(fd, buf + pos, len - pos);
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EPIPE && errno != ECONNRESET)
				sh->error = errno;
			break;
		}
		pos = (pos + (size_t)n) % len;
		advance(sh, efd, (uint64_t)n);
	}
}

/* Closes every descriptor from 3 up except a and b. */
static void close_others(int a, int b)
{
	int lo = a < b ? a : b, hi = a < b ? b : a;
	unsigned ranges[3][2] = {{3, (unsigned)lo - 1}, {(unsigned)lo + 1, (unsigned)hi - 1}, {(unsigned)hi + 1, ~0U}};
	for (int r = 0; r < 3; r++) {
		if (ranges[r][0] > ranges[r][1])
			continue;
		if (syscall(SYS_close_range, ranges[r][0], ranges[r][1], 0) != 0) {
			/* Before Linux 5.9: one by one, up to a sane bound. */
			for (unsigned i = ranges[r][0]; i <= ranges[r][1] && i < 65536; i++)
				close((int)i);
		}
	}
}

int peer_start(struct peer *p, int fd, enum peer_fd_kind kind, enum peer_mode mode,
	       const void *buf, size_t len)
{
	memset(p, 0, sizeof *p);
	p->pid = -1;
	if (mode == PEER_HASH) /* what a damaged stream must fail (tests/bats/streams.bats) */
		zc_note("stream_verify", "XXH3 of the whole stream in a peer process");
	p->drain_method = kind == PEER_TCP ? "recv(MSG_TRUNC)" : kind == PEER_PIPE ? "splice to /dev/null" : "read into a buffer";
	p->sh = mmap(NULL, sizeof *p->sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p->sh == MAP_FAILED) {
		p->sh = NULL;
		zc_errorf("mmap for the peer: %s", strerror(errno));
		return ZC_ERROR;
	}
	p->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (p->efd < 0) {
		zc_errorf("eventfd: %s", strerror(errno));
		return ZC_ERROR;
	}
	int cpu = zc_peer_cpu();
	pid_t parent = getpid();
	fflush(NULL);
	p->pid = fork();
	if (p->pid < 0) {
		zc_errorf("fork: %s", strerror(errno));
		close(fd);
		return ZC_ERROR;
	}
	if (p->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(2);
		/* Keep only our descriptor: an inherited copy of the sender's end (or of any other
		 * stream) would keep that stream open and we would never see end-of-stream. */
		close_others(fd, p->efd);
		signal(SIGINT, SIG_IGN); /* the benchmark decides when we stop */
		signal(SIGPIPE, SIG_IGN);
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		sched_setaffinity(0, sizeof set, &set);
		if (mode == PEER_FEED || mode == PEER_FEED_ZEROCOPY)
			child_feed(fd, buf, len, p->sh, p->efd, mode == PEER_FEED_ZEROCOPY);
		else
			child_read(fd, kind, mode, p->sh, p->efd);
		_exit(p->sh->error ? 1 : 0);
	}
	close(fd);
	zc_peer_watch(p->pid); /* its CPU time is the pair's, too */
	return ZC_OK;
}

uint64_t peer_count(const struct peer *p)
{
	return atomic_load(&p->sh->count);
}

static const char *fate(struct peer *p, char *buf, size_t len)
{
	int status;
	pid_t r = p->pid > 0 ? waitpid(p->pid, &status, WNOHANG) : 0;
	if (r == p->pid) {
		zc_peer_unwatch(p->pid);
		p->pid = -1;
		if (WIFSIGNALED(status))
			snprintf(buf, len, "peer process killed by signal %d", WTERMSIG(status));
		else
			snprintf(buf, len, "peer process exited with status %d", WEXITSTATUS(status));
		return buf;
	}
	if (p->pid < 0)
		return "peer process gone";
	return NULL;
}

void peer_io_error(struct peer *p, const char *what, int err)
{
	char buf[96];
	const char *f = p ? fate(p, buf, sizeof buf) : NULL;
	zc_errorf("%s: %s%s%s", what, strerror(err), f ? "; " : "", f ? f : "");
}

int peer_sync(struct peer *p)
{
	uint64_t want = p->sent;
	/* Dekker-style: we publish the target then read the count; the child publishes the
	 * count then reads the target. One of us sees the other, so no wake-up is lost. */
	atomic_store(&p->sh->target, want);
	double last = now_s();
	/* ZCBENCH_PEER_STALL_S shortens the wait for tests that make a peer stall. */
	const char *env = getenv("ZCBENCH_PEER_STALL_S");
	double stall_s = env && atof(env) > 0 ? atof(env) : PEER_STALL_SECONDS;
	uint64_t seen = atomic_load(&p->sh->count);
	while (seen < want) {
		struct pollfd pfd = {.fd = p->efd, .events = POLLIN};
		int r = poll(&pfd, 1, 100);
		if (r > 0) {
			uint64_t v;
			if (read(p->efd, &v, sizeof v) < 0 && errno != EAGAIN)
				break;
		}
		uint64_t c = atomic_load(&p->sh->count);
		if (c != seen) {
			seen = c;
			last = now_s();
			continue;
		}
		char buf[96];
		const char *f = fate(p, buf, sizeof buf);
		if (f) {
			zc_errorf("%s after receiving %llu of %llu bytes", f, (unsigned long long)seen,
				  (unsigned long long)want);
			return ZC_ERROR;
		}
		if (now_s() - last > stall_s) {
			zc_errorf("peer stalled: %llu of %llu bytes received, nothing for %g s",
				  (unsigned long long)seen, (unsigned long long)want, stall_s);
			return ZC_ERROR;
		}
		if (zc_interrupted()) {
			zc_errorf("interrupted");
			return ZC_ERROR;
		}
	}
	atomic_store(&p->sh->target, 0);
	return ZC_OK;
}

int peer_stop(struct peer *p, uint64_t *hash, uint64_t *bytes)
{
	int rc = ZC_OK;
	if (p->pid > 0) {
		zc_peer_unwatch(p->pid);
		double t0 = now_s();
		int status = 0;
		pid_t r = 0;
		while ((r = waitpid(p->pid, &status, WNOHANG)) == 0 && now_s() - t0 < 5) {
			struct timespec ts = {0, 2 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
		if (r == 0) {
			kill(p->pid, SIGKILL);
			waitpid(p->pid, &status, 0);
			zc_errorf("peer did not stop within 5 s and was killed");
			rc = ZC_ERROR;
		} else if (r == p->pid && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
			zc_errorf("peer %s %d (%s)", WIFSIGNALED(status) ? "killed by signal" : "exited with status",
				  WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
				  p->sh && p->sh->error ? strerror(p->sh->error) : "no error recorded");
			rc = ZC_ERROR;
		}
		p->pid = -1;
	}
	if (hash && p->sh)
		*hash = p->sh->hash;
	if (bytes && p->sh)
		*bytes = atomic_load(&p->sh->count);
	if (p->efd > 0)
		close(p->efd);
	p->efd = -1;
	if (p->sh)
		munmap(p->sh, sizeof *p->sh);
	p->sh = NULL;
	return rc;
}

/* A TCP stream over 127.0.0.1 of the current network namespace; mss > 0: both ends'
 * TCP_MAXSEG, set before the handshake. */
static int tcp_connect(int mss, int *a, int *b);

int stream_connect(enum peer_fd_kind kind, int *a, int *b)
{
	*a = *b = -1;
	if (kind == PEER_UNIX) {
		int sv[2];
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
			zc_errorf("socketpair(AF_UNIX): %s", strerror(errno));
			return ZC_ERROR;
		}
		*a = sv[0];
		*b = sv[1];
		return ZC_OK;
	}
	if (kind == PEER_PIPE) {
		int pf[2];
		if (pipe2(pf, O_CLOEXEC) != 0) {
			zc_errorf("pipe2: %s", strerror(errno));
			return ZC_ERROR;
		}
		*a = pf[1]; /* the sender writes */
		*b = pf[0];
		return ZC_OK;
	}
	return tcp_connect(0, a, b);
}

static int tcp_connect(int mss, int *a, int *b)
{
	*a = *b = -1;
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof sin;
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l >= 0 && mss > 0)
		setsockopt(l, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof mss);
	if (l < 0 || bind(l, (struct sockaddr *)&sin, sizeof sin) != 0 || listen(l, 1) != 0 ||
	    getsockname(l, (struct sockaddr *)&sin, &sl) != 0) {
		zc_errorf("listen on 127.0.0.1: %s", strerror(errno));
		if (l >= 0)
			close(l);
		return ZC_ERROR;
	}
	*a = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*a >= 0 && mss > 0)
		setsockopt(*a, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof mss);
	if (*a < 0 || connect(*a, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    (*b = accept4(l, NULL, NULL, SOCK_CLOEXEC)) < 0) {
		zc_errorf("connect to 127.0.0.1:%d: %s", ntohs(sin.sin_port), strerror(errno));
		close(l);
		if (*a >= 0)
			close(*a);
		*a = -1;
		return ZC_ERROR;
	}
	close(l);
	/* Nagle would hold each sample's last sub-MSS segment until the receiver's delayed
	 * ACK (~40 ms on loopback): a sample would measure a timer, not the transfer. */
	int one = 1;
	setsockopt(*a, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return ZC_OK;
}

/* The namespace's status as a pair reports it: a skip or an error, with why. */
static int netns_said(int rc, const char *why)
{
	if (rc == ZC_SKIP)
		zc_skipf("%s", why);
	else if (rc != ZC_OK)
		zc_errorf("%s", why);
	return rc;
}

int stream_netns(void)
{
	char why[256];
	return netns_said(zc_netns_ready(why, sizeof why), why);
}

int stream_connect_netns(int *a, int *b)
{
	char why[256];
	int rc = zc_netns_enter(why, sizeof why);
	if (rc != ZC_OK)
		return netns_said(rc, why);
	rc = tcp_connect(ZC_NETNS_MSS, a, b);
	int back = zc_netns_leave(why, sizeof why);
	return back != ZC_OK ? netns_said(back, why) : rc;
}

void stream_record_buffers(int fd, const char *key)
{
	int snd = 0, rcv = 0;
	socklen_t l = sizeof snd;
	getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, &l);
	l = sizeof rcv;
	getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, &l);
	zc_context_set(key, "SO_SNDBUF/SO_RCVBUF not set (kernel autotuning); at connect: sndbuf %d, rcvbuf %d%s",
		       snd, rcv, strstr(key, "tcp") ? "; TCP_NODELAY on the sender" : "");
}

int write_all(struct peer *p, int fd, const void *buf, size_t n)
{
	const unsigned char *b = buf;
	while (n) {
		ssize_t k = write(fd, b, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			peer_io_error(p, "write", errno);
			return ZC_ERROR;
		}
		b += k;
		n -= (size_t)k;
	}
	return ZC_OK;
}

int peer_verify_run(enum peer_fd_kind kind, int *fd, struct peer *p,
		    int (*run)(void *state, uint64_t iters), void *state, uint64_t iters,
		    uint64_t *hash, uint64_t *bytes)
{
	int a, b;
	if (stream_connect(kind, &a, &b) != ZC_OK)
		return ZC_ERROR;
	struct peer saved = *p, v;
	int saved_fd = *fd;
	if (peer_start(&v, b, kind, PEER_HASH, NULL, 0) != ZC_OK) {
		close(a);
		return ZC_ERROR;
	}
	*p = v;
	*fd = a;
	int rc = run(state, iters);
	v = *p;
	close(a);
	*fd = saved_fd;
	*p = saved;
	if (peer_stop(&v, hash, bytes) != ZC_OK)
		rc = ZC_ERROR;
	return rc;
}

int peer_verify_sides(enum peer_fd_kind kind, int *fd, struct peer *p,
		      int (*const run[2])(void *state, uint64_t iters), void *state, uint64_t iters,
		      uint64_t hash, uint64_t bytes)
{
	for (int side = 0; side < 2; side++) {
		uint64_t got_hash = 0, got = 0;
		if (peer_verify_run(kind, fd, p, run[side], state, iters, &got_hash, &got) != ZC_OK)
			return ZC_ERROR;
		if (got != bytes || got_hash != hash) {
			zc_errorf("%s side: the peer got %llu bytes, XXH3 %016llx; sent %llu bytes, XXH3 %016llx",
				  side ? "zerocopy" : "baseline", (unsigned long long)got,
				  (unsigned long long)got_hash, (unsigned long long)bytes, (unsigned long long)hash);
			return ZC_ERROR;
		}
	}
	return ZC_OK;
}

int peer_feed_data(size_t bytes, struct zc_testdata *td, unsigned char **data)
{
	*data = NULL;
	if (zc_testdata_open(bytes, td) != ZC_OK)
		return ZC_ERROR;
	if (!(*data = zc_buffer_alloc(bytes, 0))) {
		zc_errorf("cannot allocate %zu bytes for the feeder's data", bytes);
		return ZC_ERROR;
	}
	if (pread(td->fd, *data, bytes, 0) != (ssize_t)bytes) {
		zc_errorf("cannot read %s", td->path);
		return ZC_ERROR;
	}
	/* The feeder sends the copy: the file is not read again (td keeps its checksum). */
	zc_testdata_close(td);
	return ZC_OK;
}

/* /proc/sys/fs/pipe-max-size: the most an unprivileged F_SETPIPE_SZ may ask for. */
static long pipe_max_size(void)
{
	long v = 0;
	FILE *f = fopen("/proc/sys/fs/pipe-max-size", "r");
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

int pipe_sized(int fds[2], size_t chunk)
{
	size_t size = PIPE_CHUNKS * chunk;
	const char *limited = "";
	if (pipe2(fds, O_CLOEXEC) != 0) {
		zc_errorf("pipe2: %s", strerror(errno));
		return ZC_ERROR;
	}
	if (size > 65536 && fcntl(fds[1], F_SETPIPE_SZ, (int)size) < 0) {
		/* Without CAP_SYS_RESOURCE the limit is pipe-max-size: take that, and say so. */
		long max = pipe_max_size();
		if ((errno != EPERM && errno != EBUSY) || max < (long)chunk ||
		    fcntl(fds[1], F_SETPIPE_SZ, (int)max) < 0) {
			zc_errorf("F_SETPIPE_SZ %zu: %s (see /proc/sys/fs/pipe-max-size)", size, strerror(errno));
			close(fds[0]);
			close(fds[1]);
			return ZC_ERROR;
		}
		limited = " (limited by /proc/sys/fs/pipe-max-size)";
	}
	int got = fcntl(fds[1], F_GETPIPE_SZ);
	zc_note("pipe_bytes", "%d (F_GETPIPE_SZ): %.3g chunks of %zu bytes%s", got, (double)got / (double)chunk,
		chunk, *limited ? limited : ", so writer and reader need not take turns");
	return ZC_OK;
}

int peer_drained_pipe(struct peer *p, int *w, size_t chunk)
{
	int fds[2];
	if (pipe_sized(fds, chunk) != ZC_OK)
		return ZC_ERROR;
	*w = fds[1];
	return peer_start(p, fds[0], PEER_PIPE, PEER_DRAIN, NULL, 0);
}

void peer_drained_pipe_end(struct peer *p, int *w)
{
	if (*w >= 0)
		close(*w);
	*w = -1;
	if (p->sh)
		peer_stop(p, NULL, NULL);
}

void peer_model_stream(struct zc_model *m, enum zc_primitive syscall)
{
	zc_model_term(m, syscall, ZC_PER_SYSCALL, 1, 0);
	zc_model_term(m, ZC_PRIM_CTX_SWITCH, ZC_PER_SWITCH, 1, 0);
	zc_model_term(m, ZC_PRIM_WAKEUP, ZC_PER_WAKEUP, 1, 0);
}

void peer_model_protocol(struct zc_model *m, enum peer_fd_kind kind, int received, size_t bytes)
{
	if (received && kind != PEER_TCP)
		return;
	enum zc_primitive p = kind == PEER_TCP    ? (received ? ZC_PRIM_TCP_RECV : ZC_PRIM_TCP_SEND)
			      : kind == PEER_UNIX ? ZC_PRIM_UNIX_SEND
						  : ZC_PRIM_PIPE_WRITE;
	zc_model_term(m, p, ZC_PER_ITER, 1, bytes);
}

static void send_model(const struct zc_param *p, struct zc_model *m, enum zc_model_per copies)
{
	peer_model_stream(m, ZC_PRIM_SYSCALL);
	zc_model_term(m, ZC_PRIM_COPY_FROM_USER, copies, 1, p->bytes);
	peer_model_protocol(m, PEER_TCP, 0, p->bytes);
}

void peer_model_send(const struct zc_param *p, struct zc_model *m)
{
	send_model(p, m, ZC_PER_ITER);
	/* send(n) to a draining peer is what the profile's tcp_send timed. */
	zc_model_restates_profile(m);
}

void peer_model_pinned_pages(struct zc_model *m, size_t bytes)
{
	zc_model_term(m, ZC_PRIM_PIN_PAGE, ZC_PER_ITER, (double)((bytes + 4095) / 4096), 0);
}

void peer_model_send_registered(const struct zc_param *p, struct zc_model *m)
{
	send_model(p, m, ZC_PER_COPY);
}

void peer_model_send_zerocopy(const struct zc_param *p, struct zc_model *m)
{
	peer_model_send_registered(p, m);
	peer_model_pinned_pages(m, p->bytes);
}
