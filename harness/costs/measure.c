/*
 * measure.c - the machine profile: what the primitives the pairs are made of cost on
 * this machine, measured at the start of every run with the harness's own sampling
 * (each primitive calibrated to a sample time, then ZC_PROFILE_SAMPLES samples; median
 * and order-statistics interval). lmbench measures such primitives (lat_syscall,
 * lat_pagefault, bw_mem); here they exist to explain the pairs' results (model.c).
 *
 * Derived primitives subtract a base measured the same way, per sample: copy_to_user is
 * (pread of n - pread of 0) / n on the same file; a file fault is (mmap + touch every page
 * + munmap - mmap + munmap) / faults, the faults counted with getrusage; a context switch
 * is half a pipe round trip between two processes on one core (lmbench's lat_ctx without
 * its cache-footprint work).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <liburing.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xxh_x86dispatch.h>

#include "costs.h"

#define MIB(x) ((size_t)(x) << 20)
#define FAULT_MAP MIB(4) /* the mapping the fault primitives touch */
#define URING_BATCH 32  /* NOPs per io_uring_enter for io_uring_op */
#define PIN_BYTES MIB(1) /* the buffer pin_page registers */

struct prim_ctx {
	int fd;              /* the 4 MiB test file (preads up to 4 MiB, the mappings) */
	int page_fd;         /* the 4 KiB test file (a one-page mapping) */
	int big;             /* a memfd of the largest size (preads beyond 4 MiB) */
	int wfd;             /* a memfd the pwrites go to */
	int rfd;             /* the fd pread reads in this measurement */
	size_t size;
	unsigned char *src, *dst, *dstu;
	EVP_MD *md;
	EVP_MD_CTX *mdctx;
	int to_peer, from_peer; /* pipes or a socket (then from_peer == to_peer) */
	struct io_uring *ring;  /* io_uring_op and pin_page */
	unsigned batch;         /* NOPs per io_uring_enter */
	size_t pin_bytes;       /* the buffer registered */
	double inner_ns;        /* a run that times only part of its loop: that part (else NAN) */
	uint64_t *armed;        /* task_kick: the reads the kicked child has armed (shared) */
	uint64_t kicks;         /* task_kick: the writes so far */
	int failed;
};

static int run_syscall(struct prim_ctx *c, uint64_t n)
{
	(void)c;
	for (uint64_t i = 0; i < n; i++)
		zc_use((uint64_t)syscall(SYS_getppid));
	return ZC_OK;
}

/* batch NOPs, submitted and waited for with one io_uring_enter, their completions reaped. */
static int run_uring_nops(struct prim_ctx *c, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		for (unsigned k = 0; k < c->batch; k++)
			io_uring_prep_nop(io_uring_get_sqe(c->ring));
		if (io_uring_submit_and_wait(c->ring, c->batch) != (int)c->batch)
			return ZC_ERROR;
		io_uring_cq_advance(c->ring, c->batch);
	}
	return ZC_OK;
}

/* pin_bytes of the (faulted-in) source buffer pinned as a registered buffer, then let go. */
static int run_pin(struct prim_ctx *c, uint64_t n)
{
	struct iovec iov = {c->src, c->pin_bytes};
	for (uint64_t i = 0; i < n; i++)
		if (io_uring_register_buffers(c->ring, &iov, 1) != 0 || io_uring_unregister_buffers(c->ring) != 0)
			return ZC_ERROR;
	return ZC_OK;
}

static int run_pread(struct prim_ctx *c, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (pread(c->rfd, c->dst, c->size, 0) != (ssize_t)c->size)
			return ZC_ERROR;
	zc_escape(c->dst);
	return ZC_OK;
}

/* A pread of the whole file just evicted from the page cache; the eviction untimed. */
static int run_cold_pread(struct prim_ctx *c, uint64_t n)
{
	c->inner_ns = 0;
	for (uint64_t i = 0; i < n; i++) {
		if (zc_evict_file(c->rfd, c->size) != 0)
			return ZC_ERROR;
		double t0 = zc_now_ns();
		for (size_t off = 0; off < c->size;) {
			ssize_t k = pread(c->rfd, c->dst + off, c->size - off, (off_t)off);
			if (k <= 0)
				return ZC_ERROR;
			off += (size_t)k;
		}
		c->inner_ns += zc_now_ns() - t0;
	}
	zc_escape(c->dst);
	return ZC_OK;
}

static int run_pwrite(struct prim_ctx *c, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (pwrite(c->wfd, c->src, c->size, 0) != (ssize_t)c->size)
			return ZC_ERROR;
	return ZC_OK;
}

static int run_memcpy(struct prim_ctx *c, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		memcpy(c->dst, c->src, c->size);
		zc_escape(c->dst);
	}
	return ZC_OK;
}

static int run_memcpy_unaligned(struct prim_ctx *c, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		memcpy(c->dstu, c->src, c->size);
		zc_escape(c->dstu);
	}
	return ZC_OK;
}

static int run_xxh3(struct prim_ctx *c, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		zc_use(XXH3_64bits_dispatch(c->src, c->size));
	return ZC_OK;
}

static int run_sha256(struct prim_ctx *c, uint64_t n)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned len;
	for (uint64_t i = 0; i < n; i++)
		if (EVP_DigestInit_ex2(c->mdctx, c->md, NULL) != 1 || EVP_DigestUpdate(c->mdctx, c->src, c->size) != 1 ||
		    EVP_DigestFinal_ex(c->mdctx, md, &len) != 1)
			return ZC_ERROR;
	zc_escape(md);
	return ZC_OK;
}

/* mmap of the test file (or anonymous memory when fd < 0); touch: 0 nothing, 1 read
 * every page, 2 write every page, 3 hash it all (a sequential read, as the pairs' consumers
 * do); populate: MAP_POPULATE. */
static int map_cycle(int fd, size_t len, int touch, int populate)
{
	int flags = (fd < 0 ? MAP_PRIVATE | MAP_ANONYMOUS : MAP_SHARED) | (populate ? MAP_POPULATE : 0);
	unsigned char *m = mmap(NULL, len, fd < 0 ? PROT_READ | PROT_WRITE : PROT_READ, flags, fd, 0);
	if (m == MAP_FAILED)
		return ZC_ERROR;
	uint64_t sum = 0;
	if (touch == 3) {
		sum = XXH3_64bits_dispatch(m, len);
		touch = 0;
	}
	for (size_t off = 0; touch && off < len; off += 4096) {
		if (touch == 2)
			((volatile unsigned char *)m)[off] = 1;
		else
			sum += ((volatile const unsigned char *)m)[off];
	}
	zc_use(sum);
	return munmap(m, len) == 0 ? ZC_OK : ZC_ERROR;
}

#define MAP_RUN(name, fdexpr, len, touch, populate)                     \
	static int name(struct prim_ctx *c, uint64_t n)                 \
	{                                                               \
		(void)c;                                                \
		for (uint64_t i = 0; i < n; i++)                        \
			if (map_cycle(fdexpr, len, touch, populate))    \
				return ZC_ERROR;                        \
		return ZC_OK;                                           \
	}
MAP_RUN(run_map_file, c->fd, FAULT_MAP, 0, 0)
MAP_RUN(run_map_file_read, c->fd, FAULT_MAP, 3, 0)
MAP_RUN(run_map_file_populate, c->fd, FAULT_MAP, 0, 1)
MAP_RUN(run_map_file_populate_read, c->fd, FAULT_MAP, 3, 1)
MAP_RUN(run_map_page, c->page_fd, 4096, 0, 0)
MAP_RUN(run_map_page_touch, c->page_fd, 4096, 1, 0)
MAP_RUN(run_map_anon, -1, FAULT_MAP, 0, 0)
MAP_RUN(run_map_anon_touch, -1, FAULT_MAP, 2, 0)

/* A round trip whose 1-byte write alone is timed: with the peer asleep in its read, the
 * write wakes it; with to_peer and from_peer the two ends of one pipe, it wakes no one. */
static int run_timed_write(struct prim_ctx *c, uint64_t n)
{
	char b = 'x';
	c->inner_ns = 0;
	for (uint64_t i = 0; i < n; i++) {
		double t0 = zc_now_ns();
		if (write(c->to_peer, &b, 1) != 1)
			return ZC_ERROR;
		c->inner_ns += zc_now_ns() - t0;
		if (read(c->from_peer, &b, 1) != 1)
			return ZC_ERROR;
	}
	return ZC_OK;
}

static int run_round_trip(struct prim_ctx *c, uint64_t n)
{
	char b = 'x';
	for (uint64_t i = 0; i < n; i++)
		if (write(c->to_peer, &b, 1) != 1 || read(c->from_peer, &b, 1) != 1)
			return ZC_ERROR;
	return ZC_OK;
}

/* ---- sampling ---- */

struct prim_fn {
	int (*fn)(struct prim_ctx *c, uint64_t n);
	struct prim_ctx *c;
};

static double thread_minflt(void)
{
	struct rusage u;
	return getrusage(RUSAGE_THREAD, &u) == 0 ? (double)u.ru_minflt : NAN;
}

static double thread_switches(void)
{
	struct rusage u;
	return getrusage(RUSAGE_THREAD, &u) == 0 ? (double)(u.ru_nvcsw + u.ru_nivcsw) : NAN;
}

static int timed_fn(void *ctx, int side, uint64_t iters, double *ns)
{
	(void)side;
	struct prim_fn *f = ctx;
	f->c->inner_ns = NAN;
	double t0 = zc_now_ns();
	int rc = f->fn(f->c, iters);
	*ns = isnan(f->c->inner_ns) ? zc_now_ns() - t0 : f->c->inner_ns;
	return rc;
}

/* Calibrated samples of one primitive: ns, minor faults, context switches and wake-ups of
 * other tasks (while waking_fd counts them; 0 otherwise) per operation. */
struct samples {
	double ns[ZC_PROFILE_SAMPLES], faults[ZC_PROFILE_SAMPLES], switches[ZC_PROFILE_SAMPLES];
	double wakeups[ZC_PROFILE_SAMPLES];
};

static int waking_fd = -1; /* this thread's sched_waking count, during the streams */

static double thread_wakeups(void)
{
	uint64_t v;
	return waking_fd >= 0 && read(waking_fd, &v, sizeof v) == (ssize_t)sizeof v ? (double)v : 0;
}

static int sample(struct prim_ctx *c, int (*fn)(struct prim_ctx *, uint64_t), double min_time, struct samples *out)
{
	struct prim_fn f = {fn, c};
	uint64_t iters;
	if (zc_interrupted()) /* Ctrl-C: the run stops, the profile with it */
		return ZC_ERROR;
	if (zc_calibrate(min_time, timed_fn, &f, 0, &iters) != ZC_OK)
		return ZC_ERROR;
	for (int k = 0; k < ZC_PROFILE_SAMPLES; k++) {
		double ns, f0 = thread_minflt(), s0 = thread_switches(), w0 = thread_wakeups();
		if (timed_fn(&f, 0, iters, &ns) != ZC_OK)
			return ZC_ERROR;
		out->ns[k] = ns / (double)iters;
		out->faults[k] = (thread_minflt() - f0) / (double)iters;
		out->switches[k] = (thread_switches() - s0) / (double)iters;
		out->wakeups[k] = (thread_wakeups() - w0) / (double)iters;
	}
	return ZC_OK;
}

static struct zc_interval interval_of(const double *x, size_t n)
{
	struct zc_summary s;
	zc_summarize(x, n, &s);
	return (struct zc_interval){s.median, s.ci_low, s.ci_high};
}

/* (x[k] - base) / per[k] per sample, then its median and interval; the interval widened by
 * the base's own, so that a small difference of two large costs does not look precise. */
static struct zc_interval derived(const double *x, struct zc_interval base, const double *per, double per_const)
{
	double v[ZC_PROFILE_SAMPLES], d[ZC_PROFILE_SAMPLES];
	size_t n = 0;
	for (int k = 0; k < ZC_PROFILE_SAMPLES; k++) {
		d[n] = per ? per[k] : per_const;
		if (d[n] > 0) {
			v[n] = (x[k] - base.value) / d[n];
			n++;
		}
	}
	if (!n)
		return (struct zc_interval){NAN, NAN, NAN};
	struct zc_interval r = interval_of(v, n);
	double dm = zc_median(d, n);
	if (isfinite(base.ci_low) && isfinite(base.ci_high)) {
		r.ci_low -= (base.ci_high - base.value) / dm;
		r.ci_high += (base.value - base.ci_low) / dm;
	}
	return r;
}

/* A base measured once: its median and interval. */
static struct zc_interval base_of(const struct samples *s)
{
	return interval_of(s->ns, ZC_PROFILE_SAMPLES);
}

static const struct zc_interval NO_BASE = {0, 0, 0};

static void unavailable(struct zc_costs *pf, enum zc_primitive p, const char *why)
{
	snprintf(pf->why[p], sizeof pf->why[p], "%s", why);
}

/* ---- peers for the round trips ---- */

static void pin_to(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof set, &set);
}

/* A child on `cpu` echoing bytes from in to out until EOF. */
static pid_t echo_child(int cpu, int in, int out, int close1, int close2)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	close(close1);
	if (close2 >= 0)
		close(close2);
	pin_to(cpu);
	char b;
	while (read(in, &b, 1) == 1 && write(out, &b, 1) == 1)
		;
	_exit(0);
}

static void reap(pid_t pid)
{
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

/* A pipe round trip with the echoing peer on `cpu`, timed by `run`: ns per round trip (or
 * per timed part). */
static int pipe_round_trip(int cpu, double min_time, int (*run)(struct prim_ctx *, uint64_t), struct samples *s)
{
	int a[2], b[2];
	if (pipe(a) || pipe(b))
		return ZC_ERROR;
	pid_t pid = echo_child(cpu, a[0], b[1], a[1], b[0]);
	close(a[0]);
	close(b[1]);
	struct prim_ctx c = {.to_peer = a[1], .from_peer = b[0]};
	int rc = pid < 0 ? ZC_ERROR : sample(&c, run, min_time, s);
	close(a[1]);
	close(b[0]);
	reap(pid);
	return rc;
}

/* 1-byte writes into a pipe no one waits on, each read back: the wake-up's base. */
static int own_pipe_writes(double min_time, struct samples *s)
{
	int a[2];
	if (pipe(a))
		return ZC_ERROR;
	struct prim_ctx c = {.to_peer = a[1], .from_peer = a[0]};
	int rc = sample(&c, run_timed_write, min_time, s);
	close(a[0]);
	close(a[1]);
	return rc;
}

/* A connected loopback TCP pair, TCP_NODELAY on both ends (the pairs set it on their
 * sender); mss > 0: both ends' TCP_MAXSEG, set before the handshake. */
static int tcp_connected(int *cs, int *ss, int mss)
{
	int one = 1;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof sa;
	*cs = *ss = -1;
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0)
		return ZC_ERROR;
	if (mss > 0)
		setsockopt(l, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof mss);
	if (bind(l, (struct sockaddr *)&sa, sizeof sa) || listen(l, 1) || getsockname(l, (struct sockaddr *)&sa, &len)) {
		close(l);
		return ZC_ERROR;
	}
	*cs = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*cs >= 0 && mss > 0)
		setsockopt(*cs, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof mss);
	if (*cs >= 0 && connect(*cs, (struct sockaddr *)&sa, sizeof sa) == 0)
		*ss = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	close(l);
	if (*ss < 0) {
		if (*cs >= 0)
			close(*cs);
		*cs = -1;
		return ZC_ERROR;
	}
	setsockopt(*cs, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	setsockopt(*ss, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return ZC_OK;
}

static int tcp_round_trip(int cpu, double min_time, struct samples *s)
{
	int cs, ss, rc = ZC_ERROR;
	if (tcp_connected(&cs, &ss, 0) != ZC_OK)
		return ZC_ERROR;
	pid_t pid = echo_child(cpu, ss, ss, cs, -1);
	close(ss);
	struct prim_ctx c = {.to_peer = cs, .from_peer = cs};
	rc = pid < 0 ? ZC_ERROR : sample(&c, run_round_trip, min_time, s);
	shutdown(cs, SHUT_RDWR);
	reap(pid);
	close(cs);
	return rc;
}

/* ---- the streams ---- */

#define STREAM_SIZES 3      /* 4 KiB, 64 KiB, 4 MiB: the stream pairs send 2 KiB to 1 MiB */
#define STREAM_BUF MIB(4)   /* what a peer reads or sends at once */

/* STREAM_TCP_NETNS: TCP over zcbench's network namespace's lo, one page a segment. */
enum stream_kind { STREAM_TCP, STREAM_UNIX, STREAM_PIPE, STREAM_TCP_NETNS };

/* The peer at the other end, on `cpu`, as the pairs' peers do it (benches/common/peer.c):
 * a drain discards without a copy where the descriptor allows (TCP recv MSG_TRUNC, a pipe
 * spliced to /dev/null) and reads into a buffer otherwise (AF_UNIX); a feeder sends
 * `buf` over and over until the other end closes. */
static pid_t stream_child(int cpu, enum stream_kind kind, int fd, int feed, const unsigned char *buf, int close1)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	close(close1);
	pin_to(cpu);
	unsigned char *b = malloc(STREAM_BUF);
	int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (!b || devnull < 0)
		_exit(3);
	for (;;) {
		ssize_t n;
		if (feed)
			n = send(fd, buf, STREAM_BUF, MSG_NOSIGNAL);
		else if (kind == STREAM_TCP || kind == STREAM_TCP_NETNS)
			n = recv(fd, NULL, STREAM_BUF, MSG_TRUNC);
		else if (kind == STREAM_PIPE)
			n = splice(fd, NULL, devnull, NULL, STREAM_BUF, 0);
		else
			n = read(fd, b, STREAM_BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(0);
	}
}

static int run_stream_send(struct prim_ctx *c, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (write(c->to_peer, c->src, c->size) != (ssize_t)c->size) /* blocking: whole */
			return ZC_ERROR;
	return ZC_OK;
}

/* n bytes of the memfd's cached 4 KiB pages spliced into the pipe: references, no copy
 * (a splice into a full pipe waits and moves what fits, hence the loop). */
static int run_stream_splice(struct prim_ctx *c, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		loff_t off = 0;
		while ((size_t)off < c->size)
			if (splice(c->big, &off, c->to_peer, NULL, c->size - (size_t)off, 0) <= 0)
				return ZC_ERROR;
	}
	return ZC_OK;
}

static int run_stream_recv(struct prim_ctx *c, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (recv(c->from_peer, c->dst, c->size, MSG_WAITALL) != (ssize_t)c->size)
			return ZC_ERROR;
	zc_escape(c->dst);
	return ZC_OK;
}

/* The two ends of one stream: mine (written to or read from) and the peer's. */
static int stream_open(enum stream_kind kind, size_t size, int *mine, int *theirs)
{
	if (kind == STREAM_TCP)
		return tcp_connected(mine, theirs, 0);
	if (kind == STREAM_TCP_NETNS) {
		char why[256];
		if (zc_netns_enter(why, sizeof why) != ZC_OK)
			return ZC_ERROR;
		int rc = tcp_connected(mine, theirs, ZC_NETNS_MSS);
		return zc_netns_leave(why, sizeof why) == ZC_OK ? rc : ZC_ERROR;
	}
	if (kind == STREAM_UNIX) {
		int sv[2];
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
			return ZC_ERROR;
		*mine = sv[0];
		*theirs = sv[1];
		return ZC_OK;
	}
	int pf[2];
	if (pipe2(pf, O_CLOEXEC))
		return ZC_ERROR;
	/* Room for four writes, as the pipe pairs size theirs (pipe-max-size permitting). */
	size_t want = 4 * size < MIB(1) ? 4 * size : MIB(1);
	if (want > 65536)
		fcntl(pf[1], F_SETPIPE_SZ, (int)want);
	*mine = pf[1];
	*theirs = pf[0];
	return ZC_OK;
}

/* How the measuring end moves a stream primitive's bytes: a write copies them in, a recv
 * copies them out, a splice of cached pages copies nothing. */
enum stream_end { END_WRITE, END_RECV, END_SPLICE };

/*
 * One stream primitive at the stream sizes: a write, recv or splice of n bytes with the
 * peer on another core, less a syscall, the copy the profile measured on its own
 * (copy_from_user for a write, copy_to_user for a recv, none for a splice) and the context
 * switches and wake-ups counted in each sample (a model counts those apart, per measured
 * switch and wake-up), per byte: what the protocol adds. The softirq share /proc/stat
 * accounts meanwhile is kept beside it.
 */
static void measure_stream(struct zc_costs *pf, struct prim_ctx *c, enum zc_primitive p, enum stream_kind kind,
			   enum stream_end end, int peer, double min_time)
{
	static int (*const run[3])(struct prim_ctx *, uint64_t) = {run_stream_send, run_stream_recv, run_stream_splice};
	struct zc_sys_reading *r0 = zc_sys_read(NULL);
	for (int z = 0; z < STREAM_SIZES; z++) {
		size_t n = zc_costs_sizes[z];
		int mine, theirs, ok = 0;
		struct samples s;
		if (stream_open(kind, n, &mine, &theirs) != ZC_OK)
			break;
		pid_t pid = stream_child(peer, kind, theirs, end == END_RECV, c->src, mine);
		close(theirs);
		if (pid > 0) {
			struct prim_ctx sc = *c;
			sc.to_peer = sc.from_peer = mine;
			sc.size = n;
			ok = sample(&sc, run[end], min_time, &s) == ZC_OK;
		}
		shutdown(mine, SHUT_RDWR); /* the peer ends with its stream */
		close(mine);
		reap(pid);
		double copy = end == END_SPLICE ? 0
				  : zc_costs_cost(pf, end == END_RECV ? ZC_PRIM_COPY_TO_USER : ZC_PRIM_COPY_FROM_USER, n);
		struct zc_interval base = pf->op[ZC_PRIM_SYSCALL];
		base.value += copy;
		base.ci_low += copy;
		base.ci_high += copy;
		double csw = pf->op[ZC_PRIM_CTX_SWITCH].value, wake = pf->op[ZC_PRIM_WAKEUP].value;
		for (int k = 0; ok && k < ZC_PROFILE_SAMPLES; k++)
			s.ns[k] -= s.switches[k] * (isfinite(csw) ? csw : 0) + s.wakeups[k] * (isfinite(wake) ? wake : 0);
		if (ok && isfinite(base.value))
			pf->rate[p][z] = derived(s.ns, base, NULL, (double)n);
	}
	struct zc_sys_reading *r1 = r0 ? zc_sys_read(r0) : NULL;
	if (r1) {
		struct zc_sys_delta d;
		zc_sys_delta(r0, r1, &d);
		if (d.stat_busy_ns > 0)
			pf->softirq_share[p] = d.stat_ns[ZC_STAT_SOFTIRQ] / d.stat_busy_ns;
	}
	if (r0)
		zc_sys_reading_free(r0);
	if (r1)
		zc_sys_reading_free(r1);
}

static void measure_streams(struct zc_costs *pf, struct prim_ctx *c, double min_time)
{
	int self = sched_getcpu(), peer = zc_peer_cpu();
	static const struct {
		enum zc_primitive p;
		enum stream_kind kind;
		enum stream_end end;
	} streams[] = {{ZC_PRIM_TCP_SEND, STREAM_TCP, END_WRITE},
		       {ZC_PRIM_TCP_RECV, STREAM_TCP, END_RECV},
		       {ZC_PRIM_UNIX_SEND, STREAM_UNIX, END_WRITE},
		       {ZC_PRIM_PIPE_WRITE, STREAM_PIPE, END_WRITE},
		       {ZC_PRIM_PIPE_SPLICE, STREAM_PIPE, END_SPLICE},
		       {ZC_PRIM_TCP_RECV_PAGES, STREAM_TCP_NETNS, END_RECV}};
	waking_fd = zc_thread_tracepoint_counter("sched/sched_waking");
	for (size_t i = 0; i < sizeof streams / sizeof streams[0]; i++) {
		char why[256];
		if (peer == self) {
			unavailable(pf, streams[i].p, "one core only");
			continue;
		}
		if (streams[i].kind == STREAM_TCP_NETNS && zc_netns_ready(why, sizeof why) != ZC_OK) {
			unavailable(pf, streams[i].p, why);
			continue;
		}
		measure_stream(pf, c, streams[i].p, streams[i].kind, streams[i].end, peer, min_time);
	}
	if (waking_fd >= 0)
		close(waking_fd);
	waking_fd = -1;
}

/* ---- settings ---- */

/* A sysfs choice's selected value, or "unknown". */
static void bracketed(const char *path, char *out, size_t len)
{
	if (zc_read_selected(path, out, len) != 0)
		snprintf(out, len, "unknown");
}

/* debugfs's fault_around_bytes; under kernel lockdown debugfs refuses it, and the result
 * says so (the measured pages per file fault tell the same story). A locked-down kernel
 * is not asked: it refuses debugfs with EPERM and logs each refusal, and a profile per run
 * would push the boot's lines out of the kernel log, the hypervisor's among them. */
static void fault_around(char *out, size_t len)
{
	const char *path = "/sys/kernel/debug/fault_around_bytes";
	char line[64], lock[128] = "";
	bracketed("/sys/kernel/security/lockdown", lock, sizeof lock);
	if (strcmp(lock, "unknown") && strcmp(lock, "none")) {
		snprintf(out, len, "unreadable: %s (kernel lockdown: %s)", strerror(EPERM), lock);
		return;
	}
	if (access("/sys/kernel/debug/", F_OK) == 0 && access(path, F_OK) != 0 && geteuid() == 0)
		mount("none", "/sys/kernel/debug", "debugfs", 0, NULL);
	if (zc_read_line(path, line, sizeof line) == 0) {
		snprintf(out, len, "%s", line);
		return;
	}
	snprintf(out, len, "unreadable: %s", strerror(errno));
}

/* ---- the profile ---- */

/*
 * A derived cost at or below zero is a difference lost in its base's noise. Where its
 * interval reaches above zero the cost cannot be told from nothing: 0, its interval from 0
 * up, the measured value kept beside it (the constrained estimate: no cost is negative).
 * Where the whole interval lies below zero the derivation failed: unresolved (NAN), not a
 * number a model may use. Returns 0 only then.
 */
static int floor_at_zero(struct zc_interval *v, double *floored)
{
	*floored = NAN;
	if (!(v->value <= 0))
		return 1;
	*floored = v->value;
	if (v->ci_high > 0) {
		*v = (struct zc_interval){0, 0, v->ci_high};
		return 1;
	}
	*v = (struct zc_interval){NAN, NAN, NAN};
	return 0;
}

/* Evicts a file and reads it back in `chunk` reads: the folios the page cache then holds
 * depend on the reads (large folios), and pread's speed on the folios. */
static int cache_by(const struct zc_testdata *t, size_t chunk, unsigned char *buf)
{
	zc_evict_file(t->fd, t->bytes);
	for (size_t off = 0; off < t->bytes; off += chunk) {
		size_t n = t->bytes - off < chunk ? t->bytes - off : chunk;
		if (pread(t->fd, buf, n, (off_t)off) != (ssize_t)n)
			return -1;
	}
	return 0;
}

/* copy_to_user at 4 MiB from the test file cached by other reads than the default. */
static void measure_folio_copies(struct zc_costs *pf, struct prim_ctx *c, const struct zc_testdata *td,
				 double min_time, struct zc_interval pread0)
{
	static const struct {
		enum zc_primitive p;
		size_t chunk;
	} ways[] = {{ZC_PRIM_COPY_TO_USER_READ4K, 4096}, {ZC_PRIM_COPY_TO_USER_READ4M, FAULT_MAP}};
	int z = 2; /* the 4 MiB slot */
	struct samples s;
	c->rfd = c->fd;
	c->size = FAULT_MAP;
	for (size_t i = 0; i < sizeof ways / sizeof ways[0]; i++)
		if (cache_by(td, ways[i].chunk, c->dst) == 0 && sample(c, run_pread, min_time, &s) == ZC_OK)
			pf->rate[ways[i].p][z] = derived(s.ns, pread0, NULL, (double)FAULT_MAP);
}

/* cache_fill: the 4 MiB test file read cold, less the same read warm (from the folios
 * the cold read left), per byte. Where the file cannot be evicted (tmpfs), unavailable. */
static void measure_cache_fill(struct zc_costs *pf, struct prim_ctx *c, const struct zc_testdata *td,
			       double min_time)
{
	struct samples cold, warm;
	c->rfd = c->fd;
	c->size = FAULT_MAP;
	long left = zc_evict_file(td->fd, td->bytes);
	if (left != 0) {
		char why[200];
		snprintf(why, sizeof why, "the test file (on %s) could not be evicted from the page cache (%s)", td->fstype,
			 left < 0 ? "drop_caches refused" : "pages stayed resident");
		unavailable(pf, ZC_PRIM_CACHE_FILL, why);
		return;
	}
	if (sample(c, run_cold_pread, min_time, &cold) != ZC_OK || sample(c, run_pread, min_time, &warm) != ZC_OK) {
		unavailable(pf, ZC_PRIM_CACHE_FILL, "the cold or the warm read failed");
		return;
	}
	struct zc_interval *r = &pf->rate[ZC_PRIM_CACHE_FILL][2]; /* the 4 MiB slot */
	*r = derived(cold.ns, base_of(&warm), NULL, (double)FAULT_MAP);
	floor_at_zero(r, &pf->rate_floored[ZC_PRIM_CACHE_FILL][2]);
}

static void *map_buffer(size_t n, size_t offset)
{
	return zc_buffer_alloc(n, offset);
}

static int fill_memfd(const char *name, size_t n, const unsigned char *src)
{
	int fd = memfd_create(name, 0);
	if (fd < 0)
		return -1;
	if (pwrite(fd, src, n, 0) != (ssize_t)n) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Per-byte primitives at every size: the copies, the hashes, pread and pwrite. */
static void measure_rates(struct zc_costs *pf, struct prim_ctx *c, double min_time, struct zc_interval pread0_file,
			  struct zc_interval pread0_big, struct zc_interval pwrite0)
{
	struct samples s;
	for (int z = 0; z < ZC_PROFILE_NSIZES; z++) {
		size_t n = zc_costs_sizes[z];
		if (n > pf->max_size)
			break;
		c->size = n;
		static const struct {
			enum zc_primitive p;
			int (*fn)(struct prim_ctx *, uint64_t);
		} direct[] = {{ZC_PRIM_MEMCPY, run_memcpy},
			      {ZC_PRIM_MEMCPY_UNALIGNED, run_memcpy_unaligned},
			      {ZC_PRIM_XXH3, run_xxh3},
			      {ZC_PRIM_SHA256, run_sha256}};
		for (size_t i = 0; i < sizeof direct / sizeof direct[0]; i++)
			if (sample(c, direct[i].fn, min_time, &s) == ZC_OK)
				pf->rate[direct[i].p][z] = derived(s.ns, NO_BASE, NULL, (double)n);
		c->rfd = n <= FAULT_MAP ? c->fd : c->big;
		if (sample(c, run_pread, min_time, &s) == ZC_OK)
			pf->rate[ZC_PRIM_COPY_TO_USER][z] =
				derived(s.ns, n <= FAULT_MAP ? pread0_file : pread0_big, NULL, (double)n);
		if (sample(c, run_pwrite, min_time, &s) == ZC_OK)
			pf->rate[ZC_PRIM_COPY_FROM_USER][z] = derived(s.ns, pwrite0, NULL, (double)n);
	}
}

/*
 * A file mapping's costs, in parts a side's model can count: the mmap + munmap; a fault's
 * fixed cost (a one-page file, so fault-around maps nothing more); mapping a page (as
 * MAP_POPULATE does, and fault-around for the pages around a fault); the first access to a
 * mapped page. How many pages one fault maps here (fault-around, large folios) is a
 * setting, measured on the 4 MiB file.
 */
static void measure_mappings(struct zc_costs *pf, struct prim_ctx *c, double min_time)
{
	struct samples base, s, pop;
	double pages = (double)(FAULT_MAP / 4096), fault = NAN;
	/* The reader's own work on warm pages, taken out of the first passes below. */
	double copy = zc_costs_cost(pf, ZC_PRIM_XXH3, FAULT_MAP);
	if (sample(c, run_map_page, min_time, &base) == ZC_OK) {
		pf->op[ZC_PRIM_MMAP_MUNMAP] = interval_of(base.ns, ZC_PROFILE_SAMPLES);
		if (sample(c, run_map_page_touch, min_time, &s) == ZC_OK) {
			pf->op[ZC_PRIM_FAULT_FILE] = derived(s.ns, base_of(&base), s.faults, 0);
			fault = pf->op[ZC_PRIM_FAULT_FILE].value;
		}
	}
	if (sample(c, run_map_file, min_time, &base) == ZC_OK) {
		double b = zc_median(base.ns, ZC_PROFILE_SAMPLES);
		if (sample(c, run_map_file_read, min_time, &s) == ZC_OK) {
			pf->file_fault_pages = pages / zc_median(s.faults, ZC_PROFILE_SAMPLES);
			double v[ZC_PROFILE_SAMPLES];
			size_t n = 0;
			for (int k = 0; k < ZC_PROFILE_SAMPLES; k++)
				if (pages > s.faults[k])
					v[n++] = (s.ns[k] - b - copy - s.faults[k] * fault) / (pages - s.faults[k]);
			if (n && isfinite(fault))
				pf->op[ZC_PRIM_FAULT_AROUND_PAGE] = interval_of(v, n);
			else
				unavailable(pf, ZC_PRIM_FAULT_AROUND_PAGE, "every page faulted on its own (no fault-around)");
		}
		if (sample(c, run_map_file_populate, min_time, &pop) == ZC_OK) {
			pf->op[ZC_PRIM_POPULATE_PAGE] = derived(pop.ns, base_of(&base), NULL, pages);
			if (sample(c, run_map_file_populate_read, min_time, &s) == ZC_OK)
				pf->op[ZC_PRIM_TOUCH_PAGE] = derived(
					s.ns, (struct zc_interval){zc_median(pop.ns, ZC_PROFILE_SAMPLES) + copy, NAN, NAN}, NULL, pages);
		}
	}
	if (sample(c, run_map_anon, min_time, &base) == ZC_OK &&
	    sample(c, run_map_anon_touch, min_time, &s) == ZC_OK) {
		pf->op[ZC_PRIM_FAULT_ANON] = derived(s.ns, base_of(&base), s.faults, 0);
		pf->anon_fault_pages = pages / zc_median(s.faults, ZC_PROFILE_SAMPLES);
	}
}

static void measure_round_trips(struct zc_costs *pf, double min_time)
{
	struct samples s;
	int self = sched_getcpu(), peer = zc_peer_cpu();
	if (peer != self && pipe_round_trip(peer, min_time, run_round_trip, &s) == ZC_OK)
		pf->op[ZC_PRIM_PIPE_WAKEUP] = interval_of(s.ns, ZC_PROFILE_SAMPLES);
	else
		unavailable(pf, ZC_PRIM_PIPE_WAKEUP, peer == self ? "one core only" : "pipe round trip failed");
	struct samples quiet;
	if (peer != self && pipe_round_trip(peer, min_time, run_timed_write, &s) == ZC_OK &&
	    own_pipe_writes(min_time, &quiet) == ZC_OK)
		pf->op[ZC_PRIM_WAKEUP] = derived(s.ns, interval_of(quiet.ns, ZC_PROFILE_SAMPLES), NULL, 1);
	else
		unavailable(pf, ZC_PRIM_WAKEUP, peer == self ? "one core only" : "pipe round trip failed");
	if (pipe_round_trip(self, min_time, run_round_trip, &s) == ZC_OK)
		pf->op[ZC_PRIM_CTX_SWITCH] = derived(s.ns, NO_BASE, NULL, 2);
	else
		unavailable(pf, ZC_PRIM_CTX_SWITCH, "pipe round trip failed");
	if (tcp_round_trip(peer, min_time, &s) == ZC_OK)
		pf->op[ZC_PRIM_TCP_RTT] = interval_of(s.ns, ZC_PROFILE_SAMPLES);
	else
		unavailable(pf, ZC_PRIM_TCP_RTT, "loopback TCP failed");
}

/* What the zero-copy sides do instead of copying: io_uring's per-request work (the enter
 * syscall is the difference's base, so it is not in it) and pinning user pages (the
 * page-table walk and the page references; registration's fixed cost is the base). */
static void measure_zerocopy_work(struct zc_costs *pf, struct prim_ctx *c, double min_time)
{
	struct io_uring ring;
	int rc = io_uring_queue_init(2 * URING_BATCH, &ring, 0);
	if (rc < 0) {
		char why[96];
		snprintf(why, sizeof why, "io_uring_queue_init: %s", strerror(-rc));
		unavailable(pf, ZC_PRIM_IO_URING_OP, why);
		unavailable(pf, ZC_PRIM_PIN_PAGE, why);
		return;
	}
	struct samples one, many;
	c->ring = &ring;
	c->batch = 1;
	if (sample(c, run_uring_nops, min_time, &one) == ZC_OK) {
		c->batch = URING_BATCH;
		if (sample(c, run_uring_nops, min_time, &many) == ZC_OK)
			pf->op[ZC_PRIM_IO_URING_OP] = derived(many.ns, base_of(&one), NULL, URING_BATCH - 1);
	}
	c->pin_bytes = 4096;
	if (sample(c, run_pin, min_time, &one) == ZC_OK) {
		c->pin_bytes = PIN_BYTES;
		if (sample(c, run_pin, min_time, &many) == ZC_OK)
			pf->op[ZC_PRIM_PIN_PAGE] = derived(many.ns, base_of(&one), NULL, PIN_BYTES / 4096 - 1);
	} else {
		unavailable(pf, ZC_PRIM_PIN_PAGE, "io_uring_register_buffers refused (RLIMIT_MEMLOCK?)");
	}
	io_uring_queue_exit(&ring);
	c->ring = NULL;
}

/* ---- a running task kicked to run its task work ---- */

/* The child on `cpu`: one io_uring read of `in` armed at a time (*armed counts them), its
 * completion awaited in user space, so that the task is running when the write adds the
 * read's task work. With COOP_TASKRUN that work waits for the task's next syscall, so it
 * enters the ring to get it. It ends when a read fails or finds the pipe closed, or when it
 * is killed (by the parent, or with it). */
static void kicked_child(int cpu, int in, unsigned flags, uint64_t *armed)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	pin_to(cpu);
	struct io_uring ring;
	char b;
	if (io_uring_queue_init(4, &ring, flags) < 0)
		_exit(1);
	for (;;) {
		io_uring_prep_read(io_uring_get_sqe(&ring), in, &b, 1, 0);
		if (io_uring_submit(&ring) != 1)
			_exit(1);
		__atomic_add_fetch(armed, 1, __ATOMIC_RELEASE);
		struct io_uring_cqe *cqe;
		while (io_uring_peek_cqe(&ring, &cqe) != 0)
			if (flags)
				io_uring_get_events(&ring);
		int res = cqe->res;
		io_uring_cqe_seen(&ring, cqe);
		if (res != 1)
			_exit(res == 0 ? 0 : 1);
	}
}

/* 1-byte writes, each once the child has armed its read: the write alone timed. */
static int run_kick(struct prim_ctx *c, uint64_t n)
{
	char b = 'x';
	c->inner_ns = 0;
	for (uint64_t i = 0; i < n; i++) {
		double t0 = zc_now_ns();
		while (__atomic_load_n(c->armed, __ATOMIC_ACQUIRE) <= c->kicks)
			if (zc_now_ns() - t0 > 1e9) /* the child is gone */
				return ZC_ERROR;
		t0 = zc_now_ns();
		if (write(c->to_peer, &b, 1) != 1)
			return ZC_ERROR;
		c->inner_ns += zc_now_ns() - t0;
		c->kicks++;
	}
	return ZC_OK;
}

static int kick_samples(int cpu, unsigned flags, double min_time, struct samples *s)
{
	uint64_t *armed = mmap(NULL, sizeof *armed, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int a[2];
	if (armed == MAP_FAILED)
		return ZC_ERROR;
	if (pipe(a)) {
		munmap(armed, sizeof *armed);
		return ZC_ERROR;
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(a[1]);
		kicked_child(cpu, a[0], flags, armed);
	}
	close(a[0]);
	struct prim_ctx c = {.to_peer = a[1], .armed = armed};
	int rc = pid < 0 ? ZC_ERROR : sample(&c, run_kick, min_time, s);
	/* It spins while it waits: killed, not asked, so that no state of it can keep it. */
	if (pid > 0)
		kill(pid, SIGKILL);
	close(a[1]);
	reap(pid);
	munmap(armed, sizeof *armed);
	return rc;
}

/* The kick is what an io_uring completion costs when the task it belongs to runs on another
 * core and its ring lets task work interrupt it (no COOP_TASKRUN): an IPI. The same write
 * to a COOP_TASKRUN ring, which adds the same task work without the IPI, is its base. */
static void measure_task_kick(struct zc_costs *pf, double min_time)
{
	int self = sched_getcpu(), peer = zc_peer_cpu();
	struct io_uring probe;
	int rc = io_uring_queue_init(4, &probe, IORING_SETUP_COOP_TASKRUN);
	if (rc < 0) {
		char why[96];
		snprintf(why, sizeof why, "io_uring_queue_init(COOP_TASKRUN): %s", strerror(-rc));
		unavailable(pf, ZC_PRIM_TASK_KICK, why);
		return;
	}
	io_uring_queue_exit(&probe);
	struct samples kicked, coop;
	if (peer != self && kick_samples(peer, IORING_SETUP_COOP_TASKRUN, min_time, &coop) == ZC_OK &&
	    kick_samples(peer, 0, min_time, &kicked) == ZC_OK)
		pf->op[ZC_PRIM_TASK_KICK] = derived(kicked.ns, base_of(&coop), NULL, 1);
	else
		unavailable(pf, ZC_PRIM_TASK_KICK, peer == self ? "one core only" : "io_uring read of a pipe failed");
}

int zc_costs_measure(struct zc_costs *pf, double min_time, size_t largest)
{
	zc_costs_init(pf);
	double t0 = zc_now_ns();
	bracketed("/sys/kernel/mm/transparent_hugepage/enabled", pf->thp_enabled, sizeof pf->thp_enabled);
	bracketed("/sys/kernel/mm/transparent_hugepage/defrag", pf->thp_defrag, sizeof pf->thp_defrag);
	fault_around(pf->fault_around_bytes, sizeof pf->fault_around_bytes);
	long llc = sysconf(_SC_LEVEL3_CACHE_SIZE);
	pf->llc_bytes = llc > 0 ? llc : 0;
	/* The largest size needs three buffers and a memfd of it; smaller when memory is short. */
	pf->max_size = largest && largest < zc_costs_sizes[ZC_PROFILE_NSIZES - 1] ? largest
										  : zc_costs_sizes[ZC_PROFILE_NSIZES - 1];
	if (pf->max_size < FAULT_MAP)
		pf->max_size = FAULT_MAP;
	while (pf->max_size > FAULT_MAP && zc_mem_available() < 8 * pf->max_size)
		pf->max_size /= 4;

	struct prim_ctx c = {.fd = -1, .big = -1, .wfd = -1};
	struct zc_testdata td, small[2];
	int have_small[2] = {zc_testdata_open(4096, &small[0]) == ZC_OK, zc_testdata_open(65536, &small[1]) == ZC_OK};
	int have_td = zc_testdata_open(FAULT_MAP, &td) == ZC_OK;
	c.src = map_buffer(pf->max_size, 0);
	c.dst = map_buffer(pf->max_size, 0);
	c.dstu = map_buffer(pf->max_size + 4096, 3);
	c.md = EVP_MD_fetch(NULL, "SHA256", NULL);
	c.mdctx = EVP_MD_CTX_new();
	int rc = ZC_ERROR;
	if (!have_td || !c.src || !c.dst || !c.dstu || !c.md || !c.mdctx) {
		snprintf(pf->error, sizeof pf->error, "%s",
			 !have_td ? zc_last_message() : "out of memory or no OpenSSL SHA-256");
		goto out;
	}
	zc_fill_random(c.src, pf->max_size, 42);
	c.fd = td.fd;
	c.page_fd = have_small[0] ? small[0].fd : -1;
	c.big = fill_memfd("zcbench-profile-read", pf->max_size, c.src);
	c.wfd = fill_memfd("zcbench-profile-write", pf->max_size, c.src);
	if (c.big < 0 || c.wfd < 0) {
		snprintf(pf->error, sizeof pf->error, "memfd: %s", strerror(errno));
		goto out;
	}
	/* The test files in the page cache as the warm pairs cache them by default (evicted, then
	 * read in 128 KiB reads): pread's speed and a fault's reach depend on the folios. */
	for (int i = 0; i < 3; i++) {
		struct zc_testdata *t = i < 2 ? &small[i] : &td;
		if ((i < 2 && !have_small[i]) || cache_by(t, 128 << 10, c.dst) == 0)
			continue;
		snprintf(pf->error, sizeof pf->error, "cannot read %.200s", t->path);
		goto out;
	}
	c.rfd = c.fd;

	struct samples s;
	struct zc_interval pread0_file = {NAN, NAN, NAN}, pread0_big = pread0_file, pwrite0 = pread0_file;
	if (sample(&c, run_syscall, min_time, &s) == ZC_OK)
		pf->op[ZC_PRIM_SYSCALL] = interval_of(s.ns, ZC_PROFILE_SAMPLES);
	c.size = 0;
	if (sample(&c, run_pread, min_time, &s) == ZC_OK) {
		pf->op[ZC_PRIM_PREAD_0] = interval_of(s.ns, ZC_PROFILE_SAMPLES);
		pread0_file = pf->op[ZC_PRIM_PREAD_0];
	}
	c.rfd = c.big;
	if (sample(&c, run_pread, min_time, &s) == ZC_OK)
		pread0_big = base_of(&s);
	if (sample(&c, run_pwrite, min_time, &s) == ZC_OK)
		pwrite0 = base_of(&s);
	c.rfd = c.fd;
	c.size = 4096;
	if (sample(&c, run_pread, min_time, &s) == ZC_OK)
		pf->op[ZC_PRIM_PREAD_4KIB] = interval_of(s.ns, ZC_PROFILE_SAMPLES);
	measure_rates(pf, &c, min_time, pread0_file, pread0_big, pwrite0);
	measure_folio_copies(pf, &c, &td, min_time, pread0_file);
	measure_cache_fill(pf, &c, &td, min_time);
	if (cache_by(&td, 128 << 10, c.dst) != 0) { /* back to the default for the mappings */
		snprintf(pf->error, sizeof pf->error, "cannot read %.200s", td.path);
		goto out;
	}
	measure_mappings(pf, &c, min_time);
	measure_round_trips(pf, min_time);
	measure_streams(pf, &c, min_time);
	measure_zerocopy_work(pf, &c, min_time);
	measure_task_kick(pf, min_time);

	/* The folio sizes behind the test files the profile read (how they were cached). */
	zc_folio_layout(td.fd, td.bytes, pf->folios[2], sizeof pf->folios[2]);
	for (int i = 0; i < 2; i++)
		if (have_small[i])
			zc_folio_layout(small[i].fd, small[i].bytes, pf->folios[i], sizeof pf->folios[i]);
	for (int p = 0; p < ZC_NPRIMS; p++) {
		for (int z = 0; z < ZC_PROFILE_NSIZES; z++)
			if (zc_prim_info[p].per_byte)
				floor_at_zero(&pf->rate[p][z], &pf->rate_floored[p][z]);
		if (!zc_prim_info[p].per_byte && !floor_at_zero(&pf->op[p], &pf->op_floored[p]))
			snprintf(pf->why[p], sizeof pf->why[p], "unresolved: %.0f ns, its whole interval below zero",
				 pf->op_floored[p]);
	}
	pf->measured = 1;
	rc = ZC_OK;
out:
	for (int p = 0; p < ZC_NPRIMS; p++)
		if (!pf->why[p][0] && !isfinite(zc_prim_info[p].per_byte ? pf->rate[p][2].value : pf->op[p].value))
			unavailable(pf, (enum zc_primitive)p, pf->error[0] ? pf->error : "measurement failed");
	if (c.big >= 0)
		close(c.big);
	if (c.wfd >= 0)
		close(c.wfd);
	EVP_MD_CTX_free(c.mdctx);
	EVP_MD_free(c.md);
	if (c.src)
		zc_buffer_free(c.src, 0);
	if (c.dst)
		zc_buffer_free(c.dst, 0);
	if (c.dstu)
		zc_buffer_free(c.dstu, 3);
	if (have_td)
		zc_testdata_close(&td);
	for (int i = 0; i < 2; i++)
		if (have_small[i])
			zc_testdata_close(&small[i]);
	pf->seconds = (zc_now_ns() - t0) * 1e-9;
	return rc;
}

