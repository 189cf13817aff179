/*
 * paths.c - the aggregation of zcbench profile: events in, IO paths out.
 *
 * A path is (syscall, kind of descriptor [, filesystem], and for a move the source's
 * kind). Per path: calls, failed calls, bytes (the positive return values), time in the
 * syscall (exit - entry, tracing included), and the sizes: a log2 histogram and the exact
 * values of the most common sizes. Page faults are classified by the mapping they hit.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "trace.h"

struct task {
	int tid, pid, active;
	long nr;
	uint64_t time, args[6];
};

struct tasks {
	struct task *slot;
	size_t cap, n;
};

struct range {
	int pid, file, from_proc;
	uint64_t start, end;
};

struct maps {
	struct range *r;
	size_t n, cap;
	struct proc_read {
		int pid;
		uint64_t time;
	} *reads; /* when each process's /proc maps were last read (event time) */
	size_t nread, capread;
};

/* ---- threads in a syscall: open addressing by tid ---- */
static struct task *task_find(struct tasks *t, int tid, int create)
{
	if (create && (t->n + 1) * 2 > t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 256;
		struct task *s = calloc(cap, sizeof *s);
		if (!s)
			return NULL;
		for (size_t i = 0; i < t->cap; i++) {
			if (!t->slot[i].tid)
				continue;
			size_t h = (size_t)t->slot[i].tid & (cap - 1);
			while (s[h].tid)
				h = (h + 1) & (cap - 1);
			s[h] = t->slot[i];
		}
		free(t->slot);
		t->slot = s;
		t->cap = cap;
	}
	if (!t->cap)
		return NULL;
	size_t h = (size_t)tid & (t->cap - 1);
	while (t->slot[h].tid && t->slot[h].tid != tid)
		h = (h + 1) & (t->cap - 1);
	if (!t->slot[h].tid) {
		if (!create)
			return NULL;
		t->slot[h].tid = tid;
		t->n++;
	}
	return &t->slot[h];
}

/* ---- mappings ---- */
static void map_add(struct maps *m, int pid, uint64_t start, uint64_t len, int file, int from_proc)
{
	struct range *r = zc_grow(m->r, &m->cap, m->n + 1, sizeof *r);
	if (!r)
		return;
	m->r = r;
	m->r[m->n++] = (struct range){.pid = pid, .file = file, .from_proc = from_proc, .start = start, .end = start + len};
}

static void map_remove(struct maps *m, int pid, uint64_t start, uint64_t len)
{
	size_t k = 0;
	for (size_t i = 0; i < m->n; i++)
		if (!(m->r[i].pid == pid && m->r[i].start < start + len && start < m->r[i].end))
			m->r[k++] = m->r[i];
	m->n = k;
}

/*
 * What was mapped without an mmap we saw (the program, its libraries, heap and stack as
 * brk and the kernel grow them): read from /proc, at most every 10 ms of a process's time.
 */
static void map_read_proc(struct maps *m, int pid, uint64_t now)
{
	struct proc_read *r = NULL;
	for (size_t i = 0; i < m->nread; i++)
		if (m->reads[i].pid == pid)
			r = &m->reads[i];
	if (r && now - r->time < 10000000u)
		return;
	if (!r) {
		struct proc_read *n = zc_grow(m->reads, &m->capread, m->nread + 1, sizeof *n);
		if (!n)
			return;
		m->reads = n;
		r = &m->reads[m->nread++];
		r->pid = pid;
	}
	r->time = now;
	char path[64], line[1024];
	snprintf(path, sizeof path, "/proc/%d/maps", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	size_t k = 0;
	for (size_t i = 0; i < m->n; i++)
		if (!(m->r[i].pid == pid && m->r[i].from_proc))
			m->r[k++] = m->r[i];
	m->n = k;
	while (fgets(line, sizeof line, f)) {
		unsigned long long a, b, inode;
		if (sscanf(line, "%llx-%llx %*s %*s %*s %llu", &a, &b, &inode) == 3)
			map_add(m, pid, a, b - a, inode != 0, 1);
	}
	fclose(f);
}

/* 1 file, 0 anonymous, -1 not known. The newest mapping of an address wins. */
static int map_class(struct maps *m, int pid, uint64_t addr, uint64_t now, int lookup)
{
	for (size_t i = m->n; i-- > 0;)
		if (m->r[i].pid == pid && addr >= m->r[i].start && addr < m->r[i].end)
			return m->r[i].file;
	if (!lookup)
		return -1;
	map_read_proc(m, pid, now);
	return map_class(m, pid, addr, now, 0);
}

static void map_fork(struct maps *m, int parent, int child)
{
	size_t n = m->n;
	for (size_t i = 0; i < n; i++)
		if (m->r[i].pid == parent)
			map_add(m, child, m->r[i].start, m->r[i].end - m->r[i].start, m->r[i].file, m->r[i].from_proc);
}

/* ---- paths ---- */
void zc_ioprof_init(struct zc_ioprof *p)
{
	memset(p, 0, sizeof *p);
	p->fds = zc_fdtable_new();
	p->tasks = calloc(1, sizeof(struct tasks));
	p->maps = calloc(1, sizeof(struct maps));
}

void zc_ioprof_free(struct zc_ioprof *p)
{
	struct tasks *t = p->tasks;
	struct maps *m = p->maps;
	if (t)
		free(t->slot);
	if (m) {
		free(m->r);
		free(m->reads);
	}
	free(t);
	free(m);
	zc_fdtable_free(p->fds);
	free(p->paths);
	memset(p, 0, sizeof *p);
}

struct zc_io_path *zc_ioprof_path(struct zc_ioprof *p, const struct zc_syscall_info *s, struct zc_fd_info to,
				    struct zc_fd_info from, int zc_flag)
{
	for (size_t i = 0; i < p->npaths; i++) {
		struct zc_io_path *q = &p->paths[i];
		if (q->sys == s && q->kind == to.kind && q->from_kind == from.kind && q->zerocopy_flag == zc_flag &&
		    !strcmp(q->fs, to.fs) && !strcmp(q->from_fs, from.fs))
			return q;
	}
	struct zc_io_path *n = zc_grow(p->paths, &p->cap, p->npaths + 1, sizeof *n);
	if (!n)
		return NULL;
	p->paths = n;
	struct zc_io_path *q = &p->paths[p->npaths++];
	memset(q, 0, sizeof *q);
	q->sys = s;
	q->kind = to.kind;
	q->from_kind = from.kind;
	q->zerocopy_flag = zc_flag;
	q->min = UINT64_MAX;
	snprintf(q->fs, sizeof q->fs, "%s", to.fs);
	snprintf(q->from_fs, sizeof q->from_fs, "%s", from.fs);
	return q;
}

static unsigned bucket(uint64_t n)
{
	unsigned b = n ? 64u - (unsigned)__builtin_clzll(n) : 0; /* 0, 1, 2-3 -> 2, ... */
	return b < ZC_SIZE_BUCKETS ? b : ZC_SIZE_BUCKETS - 1;
}

static void path_account(struct zc_io_path *q, long ret, uint64_t ns, int unresolved)
{
	q->calls++;
	q->time_ns += ns;
	q->unresolved += (uint64_t)unresolved;
	if (ret < 0) {
		q->errors++;
		return;
	}
	uint64_t n = (uint64_t)ret;
	/* io_uring_enter returns operations, not bytes: its sizes are counts of submissions. */
	q->bytes += q->sys->dir == ZC_DIR_RING ? 0 : n;
	q->min = n < q->min ? n : q->min;
	q->max = n > q->max ? n : q->max;
	q->hist[bucket(n)]++;
	for (size_t i = 0; i < q->ncommon; i++)
		if (q->common_bytes[i] == n) {
			q->common_calls[i]++;
			return;
		}
	if (q->ncommon < ZC_COMMON_SIZES) {
		q->common_bytes[q->ncommon] = n;
		q->common_calls[q->ncommon++] = 1;
	} else {
		q->uncommon_calls++;
	}
}

int zc_io_path_copied(const struct zc_io_path *p)
{
	return (p->sys->dir == ZC_DIR_IN || p->sys->dir == ZC_DIR_OUT) && !p->zerocopy_flag;
}

static int by_bytes(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

uint64_t zc_io_path_quantile(const struct zc_io_path *p, double q, int *exact)
{
	uint64_t ok = p->calls - p->errors;
	if (!ok) {
		*exact = 1;
		return 0;
	}
	uint64_t want = (uint64_t)(q * (double)(ok - 1)), seen = 0;
	*exact = p->uncommon_calls == 0;
	if (*exact) {
		uint64_t pairs[ZC_COMMON_SIZES][2];
		for (size_t i = 0; i < p->ncommon; i++) {
			pairs[i][0] = p->common_bytes[i];
			pairs[i][1] = p->common_calls[i];
		}
		qsort(pairs, p->ncommon, sizeof pairs[0], by_bytes);
		for (size_t i = 0; i < p->ncommon; i++) {
			seen += pairs[i][1];
			if (seen > want)
				return pairs[i][0];
		}
		return pairs[p->ncommon - 1][0];
	}
	for (unsigned b = 0; b < ZC_SIZE_BUCKETS; b++) {
		seen += p->hist[b];
		if (seen > want)
			return b ? 1ull << (b - 1) : 0;
	}
	return p->max;
}

static void on_exit_event(struct zc_ioprof *p, const struct zc_tev *e)
{
	struct task *t = task_find(p->tasks, e->tid, 0);
	if (!t || !t->active || t->nr != e->nr) {
		p->unmatched_exits++;
		return;
	}
	t->active = 0;
	const struct zc_syscall_info *s = zc_io_syscall(e->nr);
	if (!s)
		return;
	struct maps *m = p->maps;
	if (s->effect != ZC_FX_NONE)
		zc_fd_follow(p->fds, e->pid, s, t->args, e->ret, e->time);
	if (s->nr == SYS_munmap && e->ret == 0)
		map_remove(m, e->pid, t->args[0], t->args[1]);
	if (s->dir == ZC_DIR_NONE)
		return;
	if (s->dir == ZC_DIR_MAP) {
		if (e->ret < 0 && e->ret > -4096)
			return;
		int file = !(t->args[s->flags_arg] & MAP_ANONYMOUS) && (int)t->args[s->fd_arg] >= 0;
		map_add(m, e->pid, (uint64_t)e->ret, t->args[1], file, 0);
		if (file) {
			p->mmaps_file++;
			p->mapped_file_bytes += t->args[1];
		} else {
			p->mmaps_anon++;
			p->mapped_anon_bytes += t->args[1];
		}
		return;
	}
	struct zc_fd_info to = zc_fd_lookup(p->fds, e->pid, (int)t->args[s->fd_arg]);
	struct zc_fd_info from = {.kind = ZC_FD_OTHER};
	int unresolved = to.unresolved;
	if (s->dir == ZC_DIR_MOVE && s->from_arg >= 0) {
		from = zc_fd_lookup(p->fds, e->pid, (int)t->args[s->from_arg]);
		unresolved |= from.unresolved;
	}
	if (s->dir != ZC_DIR_MOVE || s->from_arg < 0)
		from = (struct zc_fd_info){.kind = ZC_FD_OTHER};
	int zc_flag = s->flags_arg >= 0 && (t->args[s->flags_arg] & MSG_ZEROCOPY);
	struct zc_io_path *q = zc_ioprof_path(p, s, to, from, zc_flag);
	if (q)
		path_account(q, e->ret, e->time > t->time ? e->time - t->time : 0, unresolved);
}

void zc_ioprof_event(void *ioprof, const struct zc_tev *e)
{
	struct zc_ioprof *p = ioprof;
	if (!p->first_time)
		p->first_time = e->time;
	p->last_time = e->time > p->last_time ? e->time : p->last_time;
	switch (e->type) {
	case ZC_TEV_FORK:
		if (e->pid != e->ppid) {
			p->processes++;
			zc_fd_fork(p->fds, e->ppid, e->pid);
			map_fork(p->maps, e->ppid, e->pid);
		} else {
			p->threads++;
		}
		break;
	case ZC_TEV_ENTER: {
		struct task *t = task_find(p->tasks, e->tid, 1);
		if (t) {
			t->pid = e->pid;
			t->active = 1;
			t->nr = e->nr;
			t->time = e->time;
			memcpy(t->args, e->args, sizeof t->args);
		}
		break;
	}
	case ZC_TEV_EXIT:
		on_exit_event(p, e);
		break;
	case ZC_TEV_FAULT:
		if (e->address >= (1ull << 47))
			break; /* the kernel's own memory, not the program's */
		p->faults_in_kernel += (uint64_t)e->in_kernel;
		switch (map_class(p->maps, e->pid, e->address, e->time, 1)) {
		case 1:
			p->faults_file++;
			break;
		case 0:
			p->faults_anon++;
			break;
		default:
			p->faults_unknown++;
		}
		break;
	}
}

void zc_ioprof_early(void *ioprof, const struct zc_tev *e)
{
	struct zc_ioprof *p = ioprof;
	if (e->type == ZC_TEV_EXIT)
		zc_fd_early(p->fds, e);
}
