/*
 * bpf_tracer.c - the bpf mechanism behind struct zc_tracer_ops: loads bpf/ioprof.bpf.c
 * (its bpftool skeleton), tells it which syscalls and io_uring operations are IO and
 * which processes to trace, and at the end reads its per-CPU maps into paths.c's
 * aggregation. Switches and faults are counted as the perf mechanism counts them
 * (counters.c). Built only where the build machine has BTF (ZC_HAVE_BPF); elsewhere
 * open says so and zcbench profile falls back to perf.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "trace.h"

#if ZC_HAVE_BPF
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpf/ioprof_bpf.h"
#include "ioprof.skel.h"

struct zc_tracer {
	struct zc_ioprof_bpf *skel;
	struct zc_task_counters *counters;
	struct zc_ioprof *agg;
	int *tgids;
	size_t ntgids;
	int fentry;
	char hooks[400];
};

/* Loads either the fentry/fexit programs (those whose function this kernel has) or the
 * raw_syscalls ones; the others (forks, faults, io_uring) always. Returns how many
 * fentry/fexit programs are loaded. */
static int choose_hooks(struct bpf_object *obj, int fentry)
{
	struct bpf_program *p;
	int n = 0;
	struct btf *vmlinux = fentry ? btf__load_vmlinux_btf() : NULL;
	bpf_object__for_each_program(p, obj)
	{
		const char *sec = bpf_program__section_name(p);
		int is_fentry = !strncmp(sec, "fentry/", 7) || !strncmp(sec, "fexit/", 6);
		int is_raw = !strcmp(sec, "tp_btf/sys_enter") || !strcmp(sec, "tp_btf/sys_exit");
		int load = is_fentry ? vmlinux && btf__find_by_name_kind(vmlinux, strchr(sec, '/') + 1, BTF_KIND_FUNC) > 0
				     : !is_raw || !fentry;
		bpf_program__set_autoload(p, load);
		n += is_fentry && load;
	}
	btf__free(vmlinux);
	return n;
}

/* libbpf's own messages: the first warning is kept for the reason; none is printed. */
static char libbpf_said[256];
static int keep_warning(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN && !libbpf_said[0]) { /* the first: the cause */
		vsnprintf(libbpf_said, sizeof libbpf_said, fmt, ap);
		libbpf_said[strcspn(libbpf_said, "\n")] = '\0';
	}
	return 0;
}

/* Why the machine refuses BPF before trying: not root, no BTF, lockdown. */
static int refused(char *why, size_t whylen)
{
	char line[256] = "";
	if (geteuid() != 0) {
		snprintf(why, whylen, "bpf needs root (CAP_BPF and CAP_PERFMON); zcbench runs as uid %d", (int)geteuid());
		return 1;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		snprintf(why, whylen, "bpf needs the kernel's BTF: /sys/kernel/btf/vmlinux is missing (CONFIG_DEBUG_INFO_BTF)");
		return 1;
	}
	if (zc_read_line("/sys/kernel/security/lockdown", line, sizeof line) == 0 && strstr(line, "[confidentiality]")) {
		snprintf(why, whylen, "kernel lockdown is confidentiality: BPF may not read kernel memory");
		return 1;
	}
	return 0;
}

/* The kernel's lockdown level for a refusal's message: "integrity", or why it is not known. */
static const char *lockdown_level(char *buf, size_t len)
{
	return zc_read_selected("/sys/kernel/security/lockdown", buf, len) == 0 ? buf
										     : "unknown (securityfs is not mounted)";
}

static int tgid_of(int tid)
{
	char path[64], line[128];
	snprintf(path, sizeof path, "/proc/%d/status", tid);
	FILE *f = fopen(path, "r");
	int tgid = -1;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	if (f)
		fclose(f);
	return tgid;
}

static void put_sys(int map, unsigned key, const struct zc_syscall_info *s)
{
	struct zc_bpf_sys v = {
		.follow = 1,
		.fd_arg = (signed char)s->fd_arg,
		.from_arg = (signed char)s->from_arg,
		.flags_arg = (signed char)s->flags_arg,
		.mmap = s->dir == ZC_DIR_MAP,
		.mmsg = (unsigned char)s->mmsg,
		.ring = s->dir == ZC_DIR_RING,
		.zerocopy = (unsigned char)s->zerocopy,
	};
	bpf_map_update_elem(map, &key, &v, BPF_ANY);
}

static void trace_processes(struct zc_tracer *t, unsigned state)
{
	for (size_t i = 0; i < t->ntgids; i++) {
		unsigned tgid = (unsigned)t->tgids[i];
		bpf_map_update_elem(bpf_map__fd(t->skel->maps.procs), &tgid, &state, BPF_ANY);
	}
}

static void bpf_close_tracer(struct zc_tracer *t)
{
	if (!t)
		return;
	zc_ioprof_bpf__destroy(t->skel);
	zc_task_counters_close(t->counters);
	free(t->tgids);
	free(t);
}

static struct zc_tracer *bpf_open_tracer(const int *tids, size_t ntids, int on_exec, size_t buffer_bytes,
					 struct zc_ioprof *agg, char *why, size_t whylen)
{
	(void)buffer_bytes; /* nothing is buffered: the maps hold the aggregates */
	if (refused(why, whylen))
		return NULL;
	struct zc_tracer *t = calloc(1, sizeof *t);
	if (t)
		t->tgids = malloc((ntids + 1) * sizeof *t->tgids);
	if (!t || !t->tgids) {
		free(t);
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	t->agg = agg;
	for (size_t i = 0; i < ntids; i++) {
		int g = on_exec ? tids[i] : tgid_of(tids[i]), seen = 0;
		for (size_t k = 0; k < t->ntgids; k++)
			seen |= t->tgids[k] == g;
		if (g > 0 && !seen)
			t->tgids[t->ntgids++] = g;
	}
	libbpf_set_print(keep_warning);
	/* fentry/fexit where the kernel allows function tracing, else the tracepoints. */
	char refused_fentry[256] = "";
	for (int fentry = 1; fentry >= 0 && !t->skel; fentry--) {
		libbpf_said[0] = '\0';
		t->skel = zc_ioprof_bpf__open();
		int hooked = t->skel ? choose_hooks(t->skel->obj, fentry) : 0;
		if (t->skel && zc_ioprof_bpf__load(t->skel) != 0) {
			if (fentry)
				snprintf(refused_fentry, sizeof refused_fentry, "%s", libbpf_said[0] ? libbpf_said : strerror(errno));
			zc_ioprof_bpf__destroy(t->skel);
			t->skel = NULL;
		} else if (t->skel) {
			t->fentry = fentry;
			if (fentry)
				snprintf(t->hooks, sizeof t->hooks, "fentry/fexit on %d syscall entry points", hooked / 2);
			else {
				char level[64];
				snprintf(t->hooks, sizeof t->hooks,
					 "raw_syscalls sys_enter/sys_exit (every syscall takes the traced path; fentry "
					 "refused: %.200s; kernel lockdown: %s)",
					 refused_fentry, lockdown_level(level, sizeof level));
			}
		}
	}
	if (!t->skel) {
		snprintf(why, whylen, "the BPF program did not load: %s%s%s", strerror(errno), libbpf_said[0] ? ": " : "",
			 libbpf_said);
		bpf_close_tracer(t);
		return NULL;
	}
	size_t n;
	const struct zc_syscall_info *s = zc_io_syscalls(&n);
	for (size_t i = 0; i < n; i++)
		if (s[i].dir != ZC_DIR_NONE && s[i].nr >= 0 && s[i].nr < ZC_BPF_MAX_NR)
			put_sys(bpf_map__fd(t->skel->maps.sys), (unsigned)s[i].nr, &s[i]);
	s = zc_io_uring_ops(&n);
	for (size_t i = 0; i < n; i++)
		put_sys(bpf_map__fd(t->skel->maps.uring_ops), (unsigned)s[i].nr, &s[i]);
	if (zc_ioprof_bpf__attach(t->skel) != 0) {
		snprintf(why, whylen, "the BPF program did not attach: %s%s%s", strerror(errno), libbpf_said[0] ? ": " : "",
			 libbpf_said);
		bpf_close_tracer(t);
		return NULL;
	}
	t->counters = zc_task_counters_open(tids, ntids, on_exec, -1, why, whylen);
	if (!t->counters) {
		bpf_close_tracer(t);
		return NULL;
	}
	if (on_exec)
		trace_processes(t, ZC_BPF_AT_EXEC);
	return t;
}

static void bpf_enable(struct zc_tracer *t)
{
	trace_processes(t, ZC_BPF_TRACED);
	zc_task_counters_enable(t->counters, 1);
}

static void bpf_poll(struct zc_tracer *t, int timeout_ms)
{
	(void)t; /* nothing to read until the end */
	struct timespec ts = {timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static struct zc_fd_info fd_info(const struct zc_tracer *t, unsigned kind, unsigned dev)
{
	struct zc_fd_info i = {.kind = kind < ZC_NFDKINDS ? (enum zc_fd_kind)kind : ZC_FD_OTHER};
	if (i.kind == ZC_FD_FILE)
		zc_fs_of_dev(t->agg->fds, makedev(dev >> 20, dev & 0xfffffu), i.fs, sizeof i.fs);
	return i;
}

/* The aggregation's path for a map key, as an index (the array grows as paths are
 * added): keys that differ only in what the profile does not show (two devices of one
 * filesystem type) share it. -1: not a followed syscall, or out of memory. */
static long path_of(struct zc_tracer *t, const struct zc_bpf_path_key *k)
{
	const struct zc_syscall_info *s = k->nr >= ZC_BPF_URING_BASE ? zc_io_uring_op((long)k->nr - ZC_BPF_URING_BASE)
								      : zc_io_syscall((long)k->nr);
	struct zc_io_path *p = s ? zc_ioprof_path(t->agg, s, fd_info(t, k->kind, k->dev),
						  fd_info(t, k->from_kind, k->from_dev), k->zerocopy)
				 : NULL;
	return p ? p - t->agg->paths : -1;
}

/* Exact sizes: every (path, size) the kernel counted, in place or in the sizes map. */
struct size_count {
	long path;
	uint64_t bytes, calls;
};
struct sizes {
	struct size_count *v;
	size_t n, cap;
};

static void add_size(struct sizes *z, long path, uint64_t bytes, uint64_t calls)
{
	struct size_count *grown = zc_grow(z->v, &z->cap, z->n + 1, sizeof *z->v);
	if (!grown)
		return;
	z->v = grown;
	z->v[z->n++] = (struct size_count){path, bytes, calls};
}

static int by_path_then_bytes(const void *a, const void *b)
{
	const struct size_count *x = a, *y = b;
	if (x->path != y->path)
		return x->path < y->path ? -1 : 1;
	return x->bytes < y->bytes ? -1 : x->bytes > y->bytes;
}

static int by_calls(const void *a, const void *b)
{
	const struct size_count *x = a, *y = b;
	return x->calls > y->calls ? -1 : x->calls < y->calls;
}

static void read_size_map(struct zc_tracer *t, int ncpus, struct sizes *z)
{
	int fd = bpf_map__fd(t->skel->maps.sizes);
	struct zc_bpf_size_key key, next;
	uint64_t *per_cpu = calloc((size_t)ncpus, sizeof *per_cpu);
	for (void *prev = NULL; per_cpu && bpf_map_get_next_key(fd, prev, &next) == 0; prev = &key) {
		key = next;
		if (bpf_map_lookup_elem(fd, &key, per_cpu) != 0)
			continue;
		uint64_t calls = 0;
		for (int c = 0; c < ncpus; c++)
			calls += per_cpu[c];
		long path = path_of(t, &key.path);
		if (path >= 0)
			add_size(z, path, key.bytes, calls);
	}
	free(per_cpu);
}

/* Each path's sizes merged (per CPU, in place and in the map), the most common kept in
 * its table, the rest counted as uncommon. */
static void keep_common_sizes(struct zc_tracer *t, struct sizes *z)
{
	struct size_count *v = z->v;
	size_t m = 0;
	if (z->n)
		qsort(v, z->n, sizeof *v, by_path_then_bytes);
	for (size_t i = 0; i < z->n; i++) {
		if (m && v[m - 1].path == v[i].path && v[m - 1].bytes == v[i].bytes)
			v[m - 1].calls += v[i].calls;
		else
			v[m++] = v[i];
	}
	for (size_t i = 0, j; i < m; i = j) {
		for (j = i; j < m && v[j].path == v[i].path; j++)
			;
		qsort(v + i, j - i, sizeof *v, by_calls);
		struct zc_io_path *p = &t->agg->paths[v[i].path];
		for (size_t k = i; k < j; k++) {
			if (p->ncommon < ZC_COMMON_SIZES) {
				p->common_bytes[p->ncommon] = v[k].bytes;
				p->common_calls[p->ncommon++] = v[k].calls;
			} else {
				p->uncommon_calls += v[k].calls;
			}
		}
	}
}

static void read_paths(struct zc_tracer *t, int ncpus, struct sizes *z)
{
	int fd = bpf_map__fd(t->skel->maps.paths);
	struct zc_bpf_path_key key, next;
	struct zc_bpf_path_val *v = calloc((size_t)ncpus, sizeof *v);
	for (void *prev = NULL; v && bpf_map_get_next_key(fd, prev, &next) == 0; prev = &key) {
		key = next;
		long path = path_of(t, &key);
		if (path < 0 || bpf_map_lookup_elem(fd, &key, v) != 0)
			continue;
		struct zc_io_path *p = &t->agg->paths[path];
		for (int c = 0; c < ncpus; c++) {
			const struct zc_bpf_path_val *x = &v[c];
			if (!x->calls)
				continue;
			p->calls += x->calls;
			p->errors += x->errors;
			p->bytes += x->bytes;
			p->time_ns += x->time_ns;
			p->unresolved += key.unresolved ? x->calls : 0;
			p->uncommon_calls += x->sizes_dropped;
			if (x->calls > x->errors) {
				p->min = x->min < p->min ? x->min : p->min;
				p->max = x->max > p->max ? x->max : p->max;
			}
			for (int b = 0; b < ZC_BPF_BUCKETS && b < ZC_SIZE_BUCKETS; b++)
				p->hist[b] += x->hist[b];
			for (int k = 0; k < ZC_BPF_SLOTS; k++)
				if (x->slot_calls[k])
					add_size(z, path, x->slot_bytes[k], x->slot_calls[k]);
		}
	}
	free(v);
}

static void bpf_finish(struct zc_tracer *t, struct zc_recorder_counts *c)
{
	zc_ioprof_bpf__detach(t->skel);
	zc_task_counters_enable(t->counters, 0);
	int ncpus = libbpf_num_possible_cpus();
	if (ncpus < 1)
		ncpus = 1;
	uint64_t counts[ZC_BC_N] = {0};
	uint64_t *per_cpu = calloc((size_t)ncpus, sizeof *per_cpu);
	for (unsigned k = 0; per_cpu && k < ZC_BC_N; k++)
		if (bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.counts), &k, per_cpu) == 0)
			for (int cpu = 0; cpu < ncpus; cpu++)
				counts[k] += per_cpu[cpu];
	free(per_cpu);
	struct sizes z = {0};
	read_paths(t, ncpus, &z);
	read_size_map(t, ncpus, &z);
	keep_common_sizes(t, &z);
	free(z.v);
	struct zc_ioprof *a = t->agg;
	a->faults_file += counts[ZC_BC_FAULTS_FILE];
	a->faults_anon += counts[ZC_BC_FAULTS_ANON];
	a->faults_unknown += counts[ZC_BC_FAULTS_UNKNOWN];
	a->faults_in_kernel += counts[ZC_BC_FAULTS_IN_KERNEL];
	a->mmaps_file += counts[ZC_BC_MMAPS_FILE];
	a->mapped_file_bytes += counts[ZC_BC_MAPPED_FILE];
	a->mmaps_anon += counts[ZC_BC_MMAPS_ANON];
	a->mapped_anon_bytes += counts[ZC_BC_MAPPED_ANON];
	a->processes += counts[ZC_BC_PROCESSES];
	a->threads += counts[ZC_BC_THREADS];
	a->unmatched_exits += counts[ZC_BC_UNMATCHED];
	memset(c, 0, sizeof *c);
	c->samples = counts[ZC_BC_EVENTS];
	c->lost = counts[ZC_BC_DROPPED];
	c->syscalls = counts[ZC_BC_SYSCALLS];
	c->syscalls_counted = !t->fentry;
	c->ncpus = ncpus;
	snprintf(c->hooks, sizeof c->hooks, "%s", t->hooks);
	zc_task_counters_read(t->counters, c);
}

const struct zc_tracer_ops zc_tracer_bpf = {
	.name = "bpf",
	.description = "eBPF (libbpf CO-RE) on the IO syscalls (see hooks), exceptions:page_fault_user/kernel, "
		       "task_newtask, sched_process_exec/exit and io_uring submit/complete: descriptors resolved from their "
		       "struct file in the kernel, per-path counters aggregated in per-CPU maps, nothing copied per "
		       "event; counters for context switches and faults",
	.open = bpf_open_tracer,
	.enable = bpf_enable,
	.poll = bpf_poll,
	.finish = bpf_finish,
	.close = bpf_close_tracer,
};

#else /* !ZC_HAVE_BPF */

static struct zc_tracer *bpf_unbuilt(const int *tids, size_t ntids, int on_exec, size_t buffer_bytes,
				     struct zc_ioprof *agg, char *why, size_t whylen)
{
	(void)tids, (void)ntids, (void)on_exec, (void)buffer_bytes, (void)agg;
	snprintf(why, whylen, "this zcbench was built without bpf: the build machine had no /sys/kernel/btf/vmlinux");
	return NULL;
}

const struct zc_tracer_ops zc_tracer_bpf = {.name = "bpf", .description = "", .open = bpf_unbuilt};

#endif
