/*
 * trace.h - zcbench profile: the syscalls and bytes of every IO path of any program.
 *
 * Two mechanisms, one interface (struct zc_tracer_ops):
 * - bpf (bpf_tracer.c, bpf/ioprof.bpf.c): an eBPF program on the syscall, fault, process
 *   and io_uring tracepoints resolves each descriptor from the struct file it refers to
 *   and aggregates per path in BPF maps; nothing is copied out per event, and nothing
 *   depends on the program still existing when zcbench looks. Needs root and the
 *   kernel's BTF, and no lockdown of confidentiality.
 * - perf (perf_tracer.c, recorder.c): the raw_syscalls and exceptions:page_fault_*
 *   tracepoints sampled through perf_event_open into per-CPU buffers (~100 bytes per
 *   event), a descriptor's kind looked up under /proc (fdkind.c) when its event is read.
 *   Needs only perf_event_paranoid or CAP_PERFMON and tracefs; the fallback. A command
 *   it started is held at each process's exit (ptrace, exits only) until its events are
 *   read.
 *
 *   recorder.c   the perf events, their buffers, events in time order, lost counts
 *   counters.c   counted events of the traced tasks (switches, faults), for both
 *   syscalls.c   which syscalls are IO, and how: direction, descriptors, bytes
 *   fdkind.c     what a (process, descriptor) is: file (filesystem), tcp, udp, unix, pipe
 *   paths.c      the aggregation: per path calls, bytes, sizes, time; faults; mappings
 *   suggest.c    the pairs that measured an alternative, from this machine's newest result
 *   summary.c    every number the report shows: sizes, totals, the overhead's medians
 *   (app/profile_command.c runs it: run or attach, stop, overhead, exit status;
 *   report/ioprofile.c writes the JSON and the table; base/tracefs.c finds tracepoints)
 */
#ifndef ZC_TRACE_H
#define ZC_TRACE_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

struct json_t;

#include "machine.h"

/* ---- recorder.c ---- */
enum zc_tev_type { ZC_TEV_ENTER, ZC_TEV_EXIT, ZC_TEV_FAULT, ZC_TEV_FORK };

/* One event, decoded. */
struct zc_tev {
	enum zc_tev_type type;
	int pid, tid;     /* the task (FORK: the new one) */
	int ppid;         /* FORK: the parent process */
	uint64_t time;    /* CLOCK_MONOTONIC, ns */
	long nr;          /* ENTER/EXIT: syscall number */
	uint64_t args[6]; /* ENTER */
	long ret;         /* EXIT */
	uint64_t address; /* FAULT: the faulting address */
	int in_kernel;    /* FAULT: taken by the kernel touching user memory (a copy) */
	uint64_t seq;     /* the order it was read in: ties of time keep it */
};

struct zc_recorder;

/*
 * Opens the events for the given tasks (and everything they start later), disabled;
 * on_exec: they enable themselves when the task calls execve (a command started by us).
 * Only the syscalls in nrs are sampled; the exits of those in new_nrs (which create
 * descriptors) are read as soon as they happen. All syscalls, context switches and page
 * faults are also counted. NULL with a one-line reason (no permission, no tracefs) in why.
 */
struct zc_recorder *zc_recorder_open(const int *tids, size_t ntids, const long *nrs, size_t nnrs,
				     const long *new_nrs, size_t nnew, size_t buffer_bytes, int on_exec, char *why,
				     size_t whylen);
void zc_recorder_enable(struct zc_recorder *r);
void zc_recorder_disable(struct zc_recorder *r);
/* Waits until a buffer is worth reading or timeout_ms passes. */
void zc_recorder_wait(struct zc_recorder *r, int timeout_ms);
/* Reads the buffers and hands fn the events in time order. An event is handed over once no
 * earlier one can still arrive from another CPU; final: all that remain (after disable).
 * early sees the exits of new_nrs at once, out of order (to look the descriptor up). */
void zc_recorder_drain(struct zc_recorder *r, int final, void (*fn)(void *ctx, const struct zc_tev *e),
		       void (*early)(void *ctx, const struct zc_tev *e), void *ctx);

/* ---- counters.c ---- */
struct zc_recorder_counts;
struct perf_event_attr;
struct zc_task_counters;
/* Context switches, faults and major faults of the tasks (and all they start), and every
 * syscall where syscall_tp (raw_syscalls/sys_enter's id) is >= 0; disabled until enabled,
 * or until execve with on_exec. */
struct zc_task_counters *zc_task_counters_open(const int *tids, size_t ntids, int on_exec, long syscall_tp,
					       char *why, size_t whylen);
void zc_task_counters_enable(struct zc_task_counters *c, int on);
/* Sums into out's ctx_switches, faults, faults_major (and syscalls when counted). */
void zc_task_counters_read(struct zc_task_counters *c, struct zc_recorder_counts *out);
void zc_task_counters_close(struct zc_task_counters *c);
/* perf_event_open, its attributes as both tracers set them, and its errors in words. */
int zc_perf_open(struct perf_event_attr *a, int tid, int cpu);
void zc_perf_base_attr(struct perf_event_attr *a, int on_exec);
void zc_perf_open_error(const char *what, int tid, char *why, size_t whylen);

struct zc_recorder_counts {
	uint64_t samples;   /* events read */
	uint64_t lost;      /* events the kernel dropped: buffers full */
	uint64_t syscalls;  /* all syscalls of the traced tasks, IO or not (counted) */
	int syscalls_counted; /* 0: not counted (bpf on fentry: counting them would slow every syscall) */
	uint64_t ctx_switches, faults, faults_major;
	size_t buffer_bytes; /* per CPU (perf) */
	int ncpus;
	char tracefs[400];   /* perf */
	char hooks[400];     /* bpf: where its programs are attached, and why */
};
void zc_recorder_counts(struct zc_recorder *r, struct zc_recorder_counts *c);
void zc_recorder_close(struct zc_recorder *r);

/* ---- syscalls.c ---- */

/* What a syscall does to the descriptor table (fdkind.c follows it). */
enum zc_fd_effect {
	ZC_FX_NONE,
	ZC_FX_NEW,    /* the return value is a new descriptor */
	ZC_FX_SOCKET, /* socket(domain, type, proto): a new descriptor of a known kind */
	ZC_FX_LIKE,   /* the return value is a descriptor like args[fd] (accept, dup, F_DUPFD) */
	ZC_FX_DUP2,   /* args[1] becomes a copy of args[0] */
	ZC_FX_PAIR,   /* args[0] (pipe) or args[3] (socketpair) points to two new descriptors */
	ZC_FX_CLOSE,  /* args[0] is gone */
	ZC_FX_EXEC    /* close-on-exec descriptors are gone */
};

struct zc_syscall_info {
	long nr;
	const char *name;
	enum zc_io_dir dir;
	int fd_arg;    /* the descriptor the path is named by (MOVE: the destination); -1 none */
	int from_arg;  /* MOVE: the source descriptor; -1 none (vmsplice: user memory) */
	int flags_arg; /* send flags (MSG_ZEROCOPY); -1 none */
	enum zc_fd_effect effect;
	int mmsg;      /* recvmmsg/sendmmsg: returns messages; the bytes are in the vector (bpf only) */
	int zerocopy;  /* io_uring SEND_ZC/SENDMSG_ZC: sends without a copy */
};

/* Whether a syscall's exit is worth reading at once: it creates descriptors. */
int zc_io_syscall_creates(const struct zc_syscall_info *s);
/* The IO syscalls zcbench profile follows, and how many. */
const struct zc_syscall_info *zc_io_syscalls(size_t *n);
/* The entry for a syscall number, NULL when not followed. */
const struct zc_syscall_info *zc_io_syscall(long nr);
/* The io_uring operations that move bytes (nr: the IORING_OP_ number, name "io_uring:OP"),
 * and the entry for one opcode, NULL when not followed. */
const struct zc_syscall_info *zc_io_uring_ops(size_t *n);
const struct zc_syscall_info *zc_io_uring_op(long opcode);

/* ---- fdkind.c ---- */

struct zc_fd_info {
	enum zc_fd_kind kind;
	char fs[24];      /* file: the filesystem type ("ext4", "tmpfs") */
	int unresolved;   /* closed before it could be looked at: counted as other */
};

struct zc_fdtable;
struct zc_fdtable *zc_fdtable_new(void);
void zc_fdtable_free(struct zc_fdtable *t);
/* What descriptor fd of process pid is (resolved from /proc on first sight, then cached). */
struct zc_fd_info zc_fd_lookup(struct zc_fdtable *t, int pid, int fd);
/* At once, when a descriptor-creating syscall's exit is read: looks the new descriptors up
 * while they still exist (kept for zc_fd_follow, which sees the exit in order). */
void zc_fd_early(struct zc_fdtable *t, const struct zc_tev *exit_event);
/* Follows a syscall's effect on the table, at its exit (time: the exit's). */
void zc_fd_follow(struct zc_fdtable *t, int pid, const struct zc_syscall_info *s, const uint64_t args[6],
		  long ret, uint64_t time);
/* A new process starts with a copy of its parent's table. */
void zc_fd_fork(struct zc_fdtable *t, int parent, int child);
/* The filesystem type mounted from device dev ("unknown" when not in our mountinfo). */
void zc_fs_of_dev(const struct zc_fdtable *t, unsigned long long dev, char *fs, size_t n);

/* ---- paths.c ---- */
#define ZC_SIZE_BUCKETS 42 /* log2 buckets of bytes per call: 0, 1, 2-3, 4-7, ... */
#define ZC_COMMON_SIZES 16 /* exact bytes-per-call values tracked per path */

struct zc_io_path {
	const struct zc_syscall_info *sys;
	enum zc_fd_kind kind, from_kind; /* from_kind: MOVE only */
	char fs[24], from_fs[24];
	int zerocopy_flag; /* sends with MSG_ZEROCOPY */
	uint64_t calls, errors, bytes, time_ns, unresolved;
	uint64_t min, max;
	uint64_t hist[ZC_SIZE_BUCKETS];
	uint64_t common_bytes[ZC_COMMON_SIZES], common_calls[ZC_COMMON_SIZES];
	size_t ncommon;
	uint64_t uncommon_calls; /* calls whose size did not fit in the common table */
};

struct zc_ioprof {
	struct zc_io_path *paths;
	size_t npaths, cap;
	uint64_t faults_file, faults_anon, faults_unknown, faults_in_kernel;
	uint64_t mmaps_file, mapped_file_bytes, mmaps_anon, mapped_anon_bytes;
	uint64_t processes, threads; /* seen: the first plus those started */
	uint64_t unmatched_exits;    /* exits whose entry was not seen (attach, lost events) */
	uint64_t first_time, last_time;
	struct zc_fdtable *fds;
	void *tasks;                 /* pending syscall entries per thread */
	void *maps;                  /* file mappings per process */
};

void zc_ioprof_init(struct zc_ioprof *p);
void zc_ioprof_free(struct zc_ioprof *p);
/* The recorder's callbacks: one event into the aggregation, in order; a new descriptor's
 * exit, at once. */
void zc_ioprof_event(void *ioprof, const struct zc_tev *e);
void zc_ioprof_early(void *ioprof, const struct zc_tev *e);
/* The path of syscall s on descriptors to (and from, for a move), created empty when new;
 * NULL out of memory. */
struct zc_io_path *zc_ioprof_path(struct zc_ioprof *p, const struct zc_syscall_info *s, struct zc_fd_info to,
				  struct zc_fd_info from, int zc_flag);
/* Bytes-per-call quantile q (0..1): exact when every call's size is in the common table
 * (*exact = 1), otherwise the lower edge of the log2 bucket it falls in. */
uint64_t zc_io_path_quantile(const struct zc_io_path *p, double q, int *exact);
/* Whether the path's bytes cross between user and kernel memory (a copy). */
int zc_io_path_copied(const struct zc_io_path *p);

/* ---- suggest.c ---- */
/* Suggestions for the profile's copied paths, from the newest result of this machine
 * under results_dir (a JSON array; each names the pair, param, ratio and interval, or why
 * there is no measured result). */
struct json_t *zc_ioprof_suggest(const struct zc_ioprof *p, const char *results_dir);

/* ---- perf_tracer.c, bpf_tracer.c: the mechanisms ---- */
struct zc_tracer;
struct zc_tracer_ops {
	const char *name;        /* the profile's tracing.mechanism: "bpf" or "perf" */
	const char *description; /* what it traces, in a sentence */
	/* Traces the tasks (their processes, and all they start) into agg; on_exec: from
	 * their execve on (a command zcbench started), otherwise once enabled. NULL with a
	 * one-line reason in why. */
	struct zc_tracer *(*open)(const int *tids, size_t ntids, int on_exec, size_t buffer_bytes,
				  struct zc_ioprof *agg, char *why, size_t whylen);
	void (*enable)(struct zc_tracer *t);
	/* Waits up to timeout_ms; reads what has come (perf: the buffers). */
	void (*poll)(struct zc_tracer *t, int timeout_ms);
	/* Stops tracing and puts everything into agg; the counts into c. */
	void (*finish)(struct zc_tracer *t, struct zc_recorder_counts *c);
	void (*close)(struct zc_tracer *t);
};
extern const struct zc_tracer_ops zc_tracer_perf, zc_tracer_bpf;

/* ---- one profiled run (app/profile_command.c fills it) ---- */
/* One run of the profiled command (or one attachment), as the report needs it. */
struct zc_ioprof_run {
	char command[2048];   /* the command line, or "pid N" */
	int pid;              /* the process started or attached to */
	int attached;         /* -p */
	int exit_status;      /* the command's (128 + signal when killed); -1 when attached */
	int interrupted;      /* stopped by Ctrl-C or --duration */
	double wall_s, user_s, system_s; /* the command's own: its wall time and CPU */
	double tracer_cpu_s;  /* zcbench's own CPU while it traced */
	const struct zc_tracer_ops *mechanism;
	char mechanism_why[600]; /* why this mechanism (and why not bpf, when perf) */
	struct zc_recorder_counts counts;
	/* --overhead N: the same command N times untraced and N times traced, ABBA. */
	int overhead_reps;
	double untraced_wall_s[64], traced_wall_s[64];
	double untraced_cpu_s[64], traced_cpu_s[64];
	/* ... and N times with only the syscall tracepoint counted (0 where it has no id). */
	int floor_reps;
	double floor_wall_s[64];
};
/* ---- summary.c ---- */
struct zc_io_path_summary {
	const struct zc_io_path *path;
	int copied;              /* zc_io_path_copied */
	int has_sizes, exact;    /* calls that moved bytes; quantiles exact (zc_io_path_quantile) */
	uint64_t median, p90;    /* bytes per call */
	double mean, ns_per_call;
	double bytes_per_second; /* over the time in the syscall; < 0: none (a ring) */
};
struct zc_ioprof_summary {
	struct zc_io_path_summary *paths; /* by bytes, then calls, descending */
	size_t npaths;
	uint64_t copied_in, copied_out, moved, zc_sends, io_calls, io_ns, unresolved;
	/* --overhead: medians of the untraced and traced runs, and traced / untraced (< 0: none). */
	double untraced_wall_median_s, traced_wall_median_s, untraced_cpu_median_s, traced_cpu_median_s;
	double wall_ratio, cpu_ratio;
	double floor_wall_median_s, floor_wall_ratio; /* the floor run's; ratio < 0: none */
};
/* Every number the profile's report shows; 0, or -1 out of memory. */
int zc_ioprof_summarize(const struct zc_ioprof *p, const struct zc_ioprof_run *run, struct zc_ioprof_summary *s);
void zc_ioprof_summary_free(struct zc_ioprof_summary *s);

#endif
