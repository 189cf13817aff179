/*
 * ioprof_bpf.h - what the kernel half of zcbench profile's BPF tracer (ioprof.bpf.c) and
 * its user half (bpf_tracer.c) share: the maps' keys and values, and the counters.
 *
 * The kernel half aggregates: per IO path (syscall or io_uring opcode x kind of the
 * descriptor's struct file x filesystem), the calls, errors, bytes, time, log2 sizes and
 * exact sizes, in per-CPU maps. Nothing is copied out per event; the user half reads the
 * maps once, at the end.
 */
#ifndef ZC_IOPROF_BPF_H
#define ZC_IOPROF_BPF_H

#define ZC_BPF_MAX_NR 512      /* syscall numbers followed: below this */
#define ZC_BPF_URING_BASE 1024 /* a path's nr for io_uring opcode op: ZC_BPF_URING_BASE + op */
#define ZC_BPF_URING_OPS 256
#define ZC_BPF_BUCKETS 42      /* log2 buckets of bytes per call: 0, 1, 2-3, 4-7, ... */
#define ZC_BPF_MMSG_MAX 64     /* recvmmsg/sendmmsg: messages whose lengths are summed */

/* Kinds of descriptor, in the order of enum zc_fd_kind (catalog.h). */
enum { ZC_BK_FILE, ZC_BK_TCP, ZC_BK_UDP, ZC_BK_UNIX, ZC_BK_PIPE, ZC_BK_OTHER };

/* A traced process: traced, or started by zcbench and traced from its execve on. */
enum { ZC_BPF_TRACED = 1, ZC_BPF_AT_EXEC = 2 };

/* What a syscall number (or io_uring opcode) is, filled in by the user half from
 * syscalls.c's table: argument indexes, -1 for none. */
struct zc_bpf_sys {
	signed char follow, fd_arg, from_arg, flags_arg;
	unsigned char mmap, mmsg, ring, zerocopy;
};

struct zc_bpf_path_key {
	unsigned int nr;
	unsigned char kind, from_kind, zerocopy, unresolved;
	unsigned int dev, from_dev; /* a file's superblock's device (kernel encoding) */
};

#define ZC_BPF_SLOTS 4 /* exact sizes kept in the path's own value before the sizes map */
struct zc_bpf_path_val {
	unsigned long long calls, errors, bytes, time_ns, min, max;
	unsigned long long sizes_dropped; /* calls whose exact size found no room in sizes */
	unsigned long long hist[ZC_BPF_BUCKETS];
	unsigned long long slot_bytes[ZC_BPF_SLOTS], slot_calls[ZC_BPF_SLOTS];
};

struct zc_bpf_size_key {
	struct zc_bpf_path_key path;
	unsigned long long bytes;
};

/* One call in flight: a thread's syscall (task storage), an io_uring request (by its
 * address). */
struct zc_bpf_call {
	unsigned long long start;
	struct zc_bpf_path_key key;
};

/* The counters (a per-CPU array). */
enum {
	ZC_BC_SYSCALLS,     /* every syscall of the traced processes */
	ZC_BC_EVENTS,       /* events handled: IO entries and exits, faults, forks, io_uring */
	ZC_BC_DROPPED,      /* calls not counted: a map was full */
	ZC_BC_UNMATCHED,    /* exits whose entry was not seen */
	ZC_BC_FAULTS_FILE,
	ZC_BC_FAULTS_ANON,
	ZC_BC_FAULTS_UNKNOWN,
	ZC_BC_FAULTS_IN_KERNEL,
	ZC_BC_MMAPS_FILE,
	ZC_BC_MAPPED_FILE,
	ZC_BC_MMAPS_ANON,
	ZC_BC_MAPPED_ANON,
	ZC_BC_PROCESSES,    /* started by the traced ones */
	ZC_BC_THREADS,
	ZC_BC_N
};

#endif
