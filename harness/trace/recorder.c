/* recorder.c - perf events on the traced tasks, their ring buffers, events in time order. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "trace.h"

/* The sampled tracepoints; the raw data's first field (common_type) says which one. */
/*
 * TP_EXIT_NEW is sys_exit again, filtered to the syscalls that create descriptors, in a
 * buffer of its own that wakes the reader at every event: a new descriptor is looked up
 * under /proc within microseconds, before a short-lived program closes it or exits.
 */
enum { TP_ENTER, TP_EXIT, TP_FAULT_USER, TP_FAULT_KERNEL, TP_EXIT_NEW, NTPS };
static const char *const tp_event[NTPS] = {"raw_syscalls/sys_enter", "raw_syscalls/sys_exit",
					    "exceptions/page_fault_user", "exceptions/page_fault_kernel",
					    "raw_syscalls/sys_exit"};
#define FAST_RING_BYTES (64u << 10)

struct zc_recorder {
	int ncpus;
	long tp_id[NTPS];          /* -1: not on this kernel (the fault ones are x86's) */
	int *cpu_fd;               /* per CPU: the event whose buffer the others share */
	void **ring;
	int *fast_fd;              /* per CPU: TP_EXIT_NEW's buffer */
	void **fast_ring;
	size_t ring_bytes, page;
	int *fds;
	size_t nfds, capfds;
	struct pollfd *pfd;
	struct zc_tev *pending;    /* read, not yet handed over */
	size_t npending, cappending;
	uint64_t watermark;        /* when the previous drain started */
	uint64_t seq;
	struct zc_task_counters *counters;
	void (*early)(void *ctx, const struct zc_tev *e);
	void *ctx;
	struct zc_recorder_counts counts;
};

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static int add_fd(struct zc_recorder *r, int fd)
{
	int *f = zc_grow(r->fds, &r->capfds, r->nfds + 1, sizeof *f);
	if (!f)
		return -1;
	r->fds = f;
	r->fds[r->nfds++] = fd;
	return 0;
}

/* The syscall filter: ids in nrs and not in except (the others are only counted). */
static int set_filter(int fd, const long *nrs, size_t n, const long *except, size_t nexcept)
{
	size_t len = 16 * n + 1;
	char *f = malloc(len), *w = f;
	if (!f)
		return -1;
	*w = '\0';
	for (size_t i = 0; i < n; i++) {
		int skip = 0;
		for (size_t k = 0; k < nexcept; k++)
			skip |= except[k] == nrs[i];
		if (!skip)
			w += snprintf(w, len - (size_t)(w - f), "%sid == %ld", w > f ? " || " : "", nrs[i]);
	}
	int rc = ioctl(fd, PERF_EVENT_IOC_SET_FILTER, f);
	free(f);
	return rc;
}

static int open_samplers(struct zc_recorder *r, int tid, const long *nrs, size_t nnrs, const long *new_nrs,
			 size_t nnew, int on_exec, char *why, size_t whylen)
{
	for (int cpu = 0; cpu < r->ncpus; cpu++) {
		for (int t = 0; t < NTPS; t++) {
			if (r->tp_id[t] < 0)
				continue;
			struct perf_event_attr a;
			zc_perf_base_attr(&a, on_exec);
			a.type = PERF_TYPE_TRACEPOINT;
			a.config = (uint64_t)r->tp_id[t];
			a.sample_period = 1;
			a.sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_RAW;
			a.use_clockid = 1;
			a.clockid = CLOCK_MONOTONIC;
			a.sample_id_all = 1;
			a.task = t == TP_ENTER; /* fork records, once per CPU */
			int fast = t == TP_EXIT_NEW;
			if (fast) {
				a.wakeup_events = 1;
			} else {
				a.watermark = 1;
				a.wakeup_watermark = (uint32_t)(r->ring_bytes / 4);
			}
			int fd = zc_perf_open(&a, tid, cpu);
			if (fd < 0 && errno == ENODEV)
				break; /* an offline CPU */
			if (fd < 0) {
				zc_perf_open_error(tp_event[t], tid, why, whylen);
				return -1;
			}
			if (add_fd(r, fd) != 0) {
				close(fd);
				snprintf(why, whylen, "out of memory");
				return -1;
			}
			if ((t == TP_ENTER || t == TP_EXIT || fast) &&
			    (t == TP_ENTER ? set_filter(fd, nrs, nnrs, NULL, 0)
			     : fast	   ? set_filter(fd, new_nrs, nnew, NULL, 0)
					   : set_filter(fd, nrs, nnrs, new_nrs, nnew)) != 0) {
				snprintf(why, whylen, "the syscall filter was refused: %s", strerror(errno));
				return -1;
			}
			int *home = fast ? &r->fast_fd[cpu] : &r->cpu_fd[cpu];
			if (*home < 0) {
				size_t bytes = fast ? FAST_RING_BYTES : r->ring_bytes;
				void *m = mmap(NULL, r->page + bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
				if (m == MAP_FAILED) {
					snprintf(why, whylen, "cannot map a %zu KiB trace buffer: %s (try a smaller --buffer-kib)",
						 r->ring_bytes >> 10, strerror(errno));
					return -1;
				}
				*home = fd;
				*(fast ? &r->fast_ring[cpu] : &r->ring[cpu]) = m;
			} else if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, *home) != 0) {
				snprintf(why, whylen, "PERF_EVENT_IOC_SET_OUTPUT: %s", strerror(errno));
				return -1;
			}
		}
	}
	return 0;
}

struct zc_recorder *zc_recorder_open(const int *tids, size_t ntids, const long *nrs, size_t nnrs,
				     const long *new_nrs, size_t nnew, size_t buffer_bytes, int on_exec, char *why,
				     size_t whylen)
{
	struct zc_recorder *r = calloc(1, sizeof *r);
	if (!r) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	r->page = (size_t)sysconf(_SC_PAGESIZE);
	/* The ring is a power of two of pages. */
	r->ring_bytes = r->page;
	while (r->ring_bytes < buffer_bytes)
		r->ring_bytes <<= 1;
	r->ncpus = (int)sysconf(_SC_NPROCESSORS_CONF);
	r->cpu_fd = malloc((size_t)r->ncpus * sizeof *r->cpu_fd);
	r->ring = calloc((size_t)r->ncpus, sizeof *r->ring);
	r->fast_fd = malloc((size_t)r->ncpus * sizeof *r->fast_fd);
	r->fast_ring = calloc((size_t)r->ncpus, sizeof *r->fast_ring);
	r->pfd = calloc(2 * (size_t)r->ncpus, sizeof *r->pfd);
	if (!r->cpu_fd || !r->ring || !r->pfd || !r->fast_fd || !r->fast_ring) {
		snprintf(why, whylen, "out of memory");
		zc_recorder_close(r);
		return NULL;
	}
	for (int c = 0; c < r->ncpus; c++)
		r->cpu_fd[c] = r->fast_fd[c] = -1;
	for (int t = 0; t < NTPS; t++) {
		char where[400], no[400];
		r->tp_id[t] = zc_tracepoint_id(tp_event[t], where, sizeof where, no, sizeof no);
		if (t == TP_ENTER)
			snprintf(r->counts.tracefs, sizeof r->counts.tracefs, "%s", where);
		if (t <= TP_EXIT && r->tp_id[t] < 0) {
			snprintf(why, whylen, "%s", no);
			zc_recorder_close(r);
			return NULL;
		}
	}
	for (size_t i = 0; i < ntids; i++) {
		if (open_samplers(r, tids[i], nrs, nnrs, new_nrs, nnew, on_exec, why, whylen) != 0) {
			zc_recorder_close(r);
			return NULL;
		}
	}
	r->counters = zc_task_counters_open(tids, ntids, on_exec, r->tp_id[TP_ENTER], why, whylen);
	if (!r->counters) {
		zc_recorder_close(r);
		return NULL;
	}
	r->counts.buffer_bytes = r->ring_bytes;
	r->counts.ncpus = r->ncpus;
	r->watermark = now_ns();
	return r;
}

static void set_all(struct zc_recorder *r, unsigned long req)
{
	for (size_t i = 0; i < r->nfds; i++)
		ioctl(r->fds[i], req, 0);
}

void zc_recorder_enable(struct zc_recorder *r)
{
	set_all(r, PERF_EVENT_IOC_ENABLE);
	zc_task_counters_enable(r->counters, 1);
}

void zc_recorder_disable(struct zc_recorder *r)
{
	set_all(r, PERF_EVENT_IOC_DISABLE);
	zc_task_counters_enable(r->counters, 0);
}

void zc_recorder_wait(struct zc_recorder *r, int timeout_ms)
{
	int n = 0;
	for (int c = 0; c < r->ncpus; c++) {
		if (r->cpu_fd[c] >= 0)
			r->pfd[n++] = (struct pollfd){.fd = r->cpu_fd[c], .events = POLLIN};
		if (r->fast_fd[c] >= 0)
			r->pfd[n++] = (struct pollfd){.fd = r->fast_fd[c], .events = POLLIN};
	}
	poll(r->pfd, (nfds_t)n, timeout_ms);
}

static struct zc_tev *push(struct zc_recorder *r)
{
	struct zc_tev *p = zc_grow(r->pending, &r->cappending, r->npending + 1, sizeof *p);
	if (!p)
		return NULL;
	r->pending = p;
	struct zc_tev *e = &r->pending[r->npending++];
	memset(e, 0, sizeof *e);
	e->seq = r->seq++;
	return e;
}

/* Field offsets of the raw data, as tracefs's format files give them (stable since 2.6). */
static void decode_raw(struct zc_recorder *r, struct zc_tev *e, const unsigned char *raw, uint32_t size)
{
	uint16_t type;
	memcpy(&type, raw, sizeof type);
	if (type == r->tp_id[TP_ENTER] && size >= 64) {
		e->type = ZC_TEV_ENTER;
		memcpy(&e->nr, raw + 8, 8);
		memcpy(e->args, raw + 16, 48);
	} else if (type == r->tp_id[TP_EXIT] && size >= 24) {
		e->type = ZC_TEV_EXIT;
		memcpy(&e->nr, raw + 8, 8);
		memcpy(&e->ret, raw + 16, 8);
	} else if ((type == r->tp_id[TP_FAULT_USER] || type == r->tp_id[TP_FAULT_KERNEL]) && size >= 16) {
		e->type = ZC_TEV_FAULT;
		e->in_kernel = type == r->tp_id[TP_FAULT_KERNEL];
		memcpy(&e->address, raw + 8, 8);
	} else {
		r->npending--; /* not ours */
	}
}

static void read_record(struct zc_recorder *r, const struct perf_event_header *h)
{
	const unsigned char *p = (const unsigned char *)(h + 1);
	if (h->type == PERF_RECORD_SAMPLE) {
		struct zc_tev *e = push(r);
		if (!e) {
			r->counts.lost++;
			return;
		}
		uint32_t pid, tid, size;
		memcpy(&pid, p, 4);
		memcpy(&tid, p + 4, 4);
		memcpy(&e->time, p + 8, 8);
		memcpy(&size, p + 16, 4);
		e->pid = (int)pid;
		e->tid = (int)tid;
		r->counts.samples++;
		decode_raw(r, e, p + 20, size);
	} else if (h->type == PERF_RECORD_LOST) {
		uint64_t lost;
		memcpy(&lost, p + 8, 8);
		r->counts.lost += lost;
	} else if (h->type == PERF_RECORD_FORK) {
		struct zc_tev *e = push(r);
		if (!e)
			return;
		uint32_t v[4];
		memcpy(v, p, sizeof v); /* pid, ppid, tid, ptid */
		e->type = ZC_TEV_FORK;
		e->pid = (int)v[0];
		e->ppid = (int)v[1];
		e->tid = (int)v[2];
		memcpy(&e->time, p + 16, 8);
	}
}

static void read_ring(struct zc_recorder *r, void *ring, size_t bytes, int fast)
{
	struct perf_event_mmap_page *m = ring;
	const unsigned char *data = (const unsigned char *)m + r->page;
	uint64_t head = __atomic_load_n(&m->data_head, __ATOMIC_ACQUIRE), tail = m->data_tail;
	union {
		struct perf_event_header h;
		unsigned char b[1 << 16];
	} rec;
	while (tail < head) {
		size_t at = tail % bytes;
		struct perf_event_header h;
		for (size_t k = 0; k < sizeof h; k++)
			((unsigned char *)&h)[k] = data[(at + k) % bytes];
		if (h.size < sizeof h)
			break;
		size_t first = bytes - at < h.size ? bytes - at : h.size;
		memcpy(rec.b, data + at, first);
		memcpy(rec.b + first, data, h.size - first);
		size_t before = r->npending;
		read_record(r, &rec.h);
		if (fast && r->early && r->npending > before)
			r->early(r->ctx, &r->pending[r->npending - 1]);
		tail += h.size;
	}
	__atomic_store_n(&m->data_tail, tail, __ATOMIC_RELEASE);
}

static int by_time(const void *a, const void *b)
{
	const struct zc_tev *x = a, *y = b;
	/* Equal times keep the order they were read in (a CPU's own order). */
	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void zc_recorder_drain(struct zc_recorder *r, int final, void (*fn)(void *ctx, const struct zc_tev *e),
		       void (*early)(void *ctx, const struct zc_tev *e), void *ctx)
{
	uint64_t started = now_ns();
	r->early = early;
	r->ctx = ctx;
	/* The new descriptors first: they are the ones in a hurry. */
	for (int c = 0; c < r->ncpus; c++)
		if (r->fast_ring[c])
			read_ring(r, r->fast_ring[c], FAST_RING_BYTES, 1);
	for (int c = 0; c < r->ncpus; c++)
		if (r->ring[c])
			read_ring(r, r->ring[c], r->ring_bytes, 0);
	qsort(r->pending, r->npending, sizeof *r->pending, by_time);
	/* Every event older than the previous drain's start has been read from every CPU. */
	size_t n = 0;
	while (n < r->npending && (final || r->pending[n].time < r->watermark))
		fn(ctx, &r->pending[n++]);
	memmove(r->pending, r->pending + n, (r->npending - n) * sizeof *r->pending);
	r->npending -= n;
	r->watermark = started;
}

void zc_recorder_counts(struct zc_recorder *r, struct zc_recorder_counts *c)
{
	*c = r->counts;
	zc_task_counters_read(r->counters, c);
}

void zc_recorder_close(struct zc_recorder *r)
{
	if (!r)
		return;
	for (int c = 0; r->ring && c < r->ncpus; c++)
		if (r->ring[c])
			munmap(r->ring[c], r->page + r->ring_bytes);
	for (int c = 0; r->fast_ring && c < r->ncpus; c++)
		if (r->fast_ring[c])
			munmap(r->fast_ring[c], r->page + FAST_RING_BYTES);
	for (size_t i = 0; i < r->nfds; i++)
		close(r->fds[i]);
	free(r->fds);
	free(r->cpu_fd);
	free(r->ring);
	free(r->fast_fd);
	free(r->fast_ring);
	free(r->pfd);
	zc_task_counters_close(r->counters);
	free(r->pending);
	free(r);
}
