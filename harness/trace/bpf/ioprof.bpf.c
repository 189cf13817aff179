// SPDX-License-Identifier: GPL-2.0
/*
 * ioprof.bpf.c - the kernel half of zcbench profile's BPF tracer (CO-RE, against the
 * kernel's BTF; built with clang -target bpf, loaded through a bpftool skeleton).
 *
 * Only the processes in `procs` are traced: the command zcbench started (from its
 * execve on) or attached to, and every process they start (task_newtask). At an IO
 * syscall's exit (fexit, or the raw_syscalls tracepoint) the descriptor's kind comes
 * from the struct file it refers to in the caller's own table, so nothing depends on the
 * process still existing when zcbench looks, and the call is added to its path's
 * counters. io_uring requests are followed from submission to completion, by opcode and
 * the request's file.
 * GPL: bpf_probe_read_kernel and bpf_find_vma are GPL-only helpers.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "ioprof_bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define S_IFREG 0100000
#define S_IFIFO 0010000
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define IPPROTO_UDPLITE 136
#define IPPROTO_MPTCP 262
#define MAP_ANONYMOUS 0x20
#define MSG_ZEROCOPY 0x4000000
#define IORING_CQE_F_MORE (1U << 1)

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32); /* tgid */
	__type(value, __u32); /* ZC_BPF_TRACED or ZC_BPF_AT_EXEC */
} procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ZC_BPF_MAX_NR);
	__type(key, __u32);
	__type(value, struct zc_bpf_sys);
} sys SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ZC_BPF_URING_OPS);
	__type(key, __u32);
	__type(value, struct zc_bpf_sys);
} uring_ops SEC(".maps");

/* Per traced thread: its syscall in flight. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct zc_bpf_call);
} tasks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64); /* struct io_kiocb * */
	__type(value, struct zc_bpf_call);
} requests SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct zc_bpf_path_key);
	__type(value, struct zc_bpf_path_val);
} paths SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 32768);
	__type(key, struct zc_bpf_size_key);
	__type(value, __u64);
} sizes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ZC_BC_N);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

static const struct zc_bpf_path_val zero_path;

static __always_inline void count(__u32 which, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&counts, &which);
	if (v)
		*v += n;
}

static __always_inline int traced(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u32 *state = bpf_map_lookup_elem(&procs, &tgid);
	return state && *state == ZC_BPF_TRACED;
}

static __always_inline __u64 arg(const struct pt_regs *regs, int i)
{
	switch (i) {
	case 0:
		return regs->di;
	case 1:
		return regs->si;
	case 2:
		return regs->dx;
	case 3:
		return regs->r10;
	case 4:
		return regs->r8;
	default:
		return regs->r9;
	}
}

/* A kernel pointer read as a number, made a read-only BTF pointer again: its fields are
 * then plain loads (the verifier guards them), not one helper call each. */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;
#define AS(type, p) ((type *)bpf_rdonly_cast((const void *)(p), bpf_core_type_id_kernel(type)))

/* The kind of a struct file: its inode's type, a socket's family and protocol. Read
 * afresh at every call: a descriptor's number, and even its struct file's address, can
 * belong to another file a moment later. */
static __always_inline void classify_file(const void *file, unsigned char *kind, unsigned int *dev)
{
	*kind = ZC_BK_OTHER;
	*dev = 0;
	if (!file)
		return;
	struct file *f = AS(struct file, file);
	struct inode *inode = f->f_inode;
	unsigned int mode = inode->i_mode & S_IFMT;
	if (mode == S_IFREG) {
		*kind = ZC_BK_FILE;
		*dev = inode->i_sb->s_dev;
	} else if (mode == S_IFIFO) {
		*kind = ZC_BK_PIPE;
	} else if (mode == S_IFSOCK) {
		struct socket *sock = AS(struct socket, f->private_data);
		struct sock *sk = sock->sk;
		unsigned short family = sk->__sk_common.skc_family;
		unsigned short proto = sk->sk_protocol;
		if (family == AF_UNIX)
			*kind = ZC_BK_UNIX;
		else if ((family == AF_INET || family == AF_INET6) && (proto == IPPROTO_TCP || proto == IPPROTO_MPTCP))
			*kind = ZC_BK_TCP;
		else if ((family == AF_INET || family == AF_INET6) && (proto == IPPROTO_UDP || proto == IPPROTO_UDPLITE))
			*kind = ZC_BK_UDP;
	}
}

/* Descriptor fd of the current task: its struct file, from the task's own table. The
 * walk from the task is plain loads (BTF pointers); the array slot, one probe read. */
static __always_inline const void *fd_file(int fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = task->files->fdt;
	struct file **fds = fdt->fd;
	const void *f = NULL;
	if (fd < 0 || (unsigned int)fd >= fdt->max_fds)
		return NULL;
	bpf_probe_read_kernel(&f, sizeof f, &fds[fd]);
	return f;
}

static __always_inline void classify_fd(int fd, unsigned char *kind, unsigned int *dev, unsigned char *unresolved)
{
	const void *f = fd_file(fd);
	if (!f)
		*unresolved = 1; /* no such descriptor: the call fails with EBADF */
	classify_file(f, kind, dev);
}

/* log2 bucket: 0, 1, 2-3 -> 2, 4-7 -> 3, ... (no loops, no clz in BPF) */
static __always_inline __u32 bucket(__u64 n)
{
	__u32 b = 0;
	if (!n)
		return 0;
	if (n >> 32) {
		n >>= 32;
		b += 32;
	}
	if (n >> 16) {
		n >>= 16;
		b += 16;
	}
	if (n >> 8) {
		n >>= 8;
		b += 8;
	}
	if (n >> 4) {
		n >>= 4;
		b += 4;
	}
	if (n >> 2) {
		n >>= 2;
		b += 2;
	}
	if (n >> 1)
		b += 1;
	b += 1;
	return b < ZC_BPF_BUCKETS ? b : ZC_BPF_BUCKETS - 1;
}

static __always_inline void account(const struct zc_bpf_path_key *k, long ret, __u64 ns, int ring)
{
	struct zc_bpf_path_val *v = bpf_map_lookup_elem(&paths, k);
	if (!v) {
		bpf_map_update_elem(&paths, k, &zero_path, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&paths, k);
		if (!v) {
			count(ZC_BC_DROPPED, 1);
			return;
		}
	}
	v->calls++;
	v->time_ns += ns;
	if (ret < 0) {
		v->errors++;
		return;
	}
	__u64 n = (__u64)ret;
	/* io_uring_enter returns operations, not bytes: its sizes are counts of submissions. */
	if (!ring)
		v->bytes += n;
	if (v->calls - v->errors == 1 || n < v->min)
		v->min = n;
	if (n > v->max)
		v->max = n;
	__u32 b = bucket(n);
	if (b < ZC_BPF_BUCKETS)
		v->hist[b]++;
	/* Most programs repeat a few sizes: those are counted in place (per CPU). */
	for (int i = 0; i < ZC_BPF_SLOTS; i++) {
		if (v->slot_calls[i] && v->slot_bytes[i] == n) {
			v->slot_calls[i]++;
			return;
		}
		if (!v->slot_calls[i]) {
			v->slot_bytes[i] = n;
			v->slot_calls[i] = 1;
			return;
		}
	}
	struct zc_bpf_size_key sk = {.path = *k, .bytes = n};
	__u64 *c = bpf_map_lookup_elem(&sizes, &sk);
	if (!c) {
		__u64 zero = 0;
		bpf_map_update_elem(&sizes, &sk, &zero, BPF_NOEXIST);
		c = bpf_map_lookup_elem(&sizes, &sk);
	}
	if (c)
		*c += 1;
	else
		v->sizes_dropped++;
}

/*
 * A traced thread enters a followed syscall: its start. Its descriptors are classified at
 * the exit, where the arguments are the same registers.
 */
static __always_inline int on_enter(const struct pt_regs *regs)
{
	struct zc_bpf_call *c = bpf_task_storage_get(&tasks, bpf_get_current_task_btf(), 0,
						     BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!c) {
		count(ZC_BC_DROPPED, 1);
		return 0;
	}
	count(ZC_BC_EVENTS, 1);
	c->key.nr = (unsigned int)regs->orig_ax;
	c->start = bpf_ktime_get_ns();
	return 0;
}

/* recvmmsg/sendmmsg: the bytes are the messages' msg_len, which the kernel has written. */
static __always_inline long mmsg_bytes(__u64 vec, long messages)
{
	long bytes = 0;
	for (int i = 0; i < ZC_BPF_MMSG_MAX; i++) {
		unsigned int len = 0;
		if (i >= messages)
			break;
		/* struct mmsghdr: a struct msghdr, then unsigned int msg_len */
		bpf_probe_read_user(&len, sizeof len,
				    (const void *)(vec + (__u64)i * sizeof(struct mmsghdr) + offsetof(struct mmsghdr, msg_len)));
		bytes += len;
	}
	return bytes;
}

static __always_inline int on_exit(const struct pt_regs *regs, long ret)
{
	struct zc_bpf_call *c = bpf_task_storage_get(&tasks, bpf_get_current_task_btf(), 0, 0);
	if (!c || !c->start)
		return 0;
	__u64 now = bpf_ktime_get_ns(), start = c->start;
	__u32 nr = (__u32)regs->orig_ax;
	c->start = 0;
	count(ZC_BC_EVENTS, 1);
	if (nr != c->key.nr) {
		count(ZC_BC_UNMATCHED, 1);
		return 0;
	}
	struct zc_bpf_sys *s = bpf_map_lookup_elem(&sys, &nr);
	if (!s || !s->follow)
		return 0;
	if (s->mmap) {
		if (ret < 0 && ret > -4096)
			return 0;
		int file = !(arg(regs, s->flags_arg) & MAP_ANONYMOUS) && (int)arg(regs, s->fd_arg) >= 0;
		count(file ? ZC_BC_MMAPS_FILE : ZC_BC_MMAPS_ANON, 1);
		count(file ? ZC_BC_MAPPED_FILE : ZC_BC_MAPPED_ANON, arg(regs, 1));
		return 0;
	}
	struct zc_bpf_path_key key = {.nr = nr, .kind = ZC_BK_OTHER, .from_kind = ZC_BK_OTHER};
	if (s->fd_arg >= 0)
		classify_fd((int)arg(regs, s->fd_arg), &key.kind, &key.dev, &key.unresolved);
	if (s->from_arg >= 0)
		classify_fd((int)arg(regs, s->from_arg), &key.from_kind, &key.from_dev, &key.unresolved);
	if (s->flags_arg >= 0)
		key.zerocopy = (arg(regs, s->flags_arg) & MSG_ZEROCOPY) != 0;
	if (s->mmsg && ret > 0)
		ret = mmsg_bytes(arg(regs, 1), ret);
	account(&key, ret, now - start, s->ring);
	return 0;
}

/*
 * Two ways in; the user half loads one. fentry/fexit on each followed syscall's x86-64
 * entry point (sendfile's is sendfile64): nothing else pays. Where the kernel refuses
 * function tracing, the raw_syscalls tracepoints: every syscall of every process then
 * takes the kernel's slow path, and the programs filter.
 */
#define FOLLOW(fn)                                                                                  \
	SEC("fentry/__x64_sys_" #fn)                                                                \
	int BPF_PROG(enter_##fn, const struct pt_regs *regs) { return traced() ? on_enter(regs) : 0; } \
	SEC("fexit/__x64_sys_" #fn)                                                                 \
	int BPF_PROG(exit_##fn, const struct pt_regs *regs, long ret) { return on_exit(regs, ret); }
FOLLOW(read)
FOLLOW(pread64)
FOLLOW(readv)
FOLLOW(preadv)
FOLLOW(preadv2)
FOLLOW(recvfrom)
FOLLOW(recvmsg)
FOLLOW(recvmmsg)
FOLLOW(write)
FOLLOW(pwrite64)
FOLLOW(writev)
FOLLOW(pwritev)
FOLLOW(pwritev2)
FOLLOW(sendto)
FOLLOW(sendmsg)
FOLLOW(sendmmsg)
FOLLOW(sendfile64)
FOLLOW(splice)
FOLLOW(tee)
FOLLOW(vmsplice)
FOLLOW(copy_file_range)
FOLLOW(mmap)
FOLLOW(io_uring_enter)

SEC("tp_btf/sys_enter")
int BPF_PROG(on_sys_enter, struct pt_regs *regs, long id)
{
	if (!traced())
		return 0;
	count(ZC_BC_SYSCALLS, 1);
	__u32 nr = (__u32)id;
	struct zc_bpf_sys *s = bpf_map_lookup_elem(&sys, &nr);
	if (s && s->follow)
		on_enter(regs);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(on_sys_exit, struct pt_regs *regs, long ret)
{
	return on_exit(regs, ret);
}

static long vma_is_file(struct task_struct *task, struct vm_area_struct *vma, void *ctx)
{
	*(int *)ctx = BPF_CORE_READ(vma, vm_file) != NULL;
	return 0;
}

static __always_inline void fault(unsigned long address, int in_kernel)
{
	if (!traced() || address >= (1ull << 47))
		return;
	count(ZC_BC_EVENTS, 1);
	if (in_kernel)
		count(ZC_BC_FAULTS_IN_KERNEL, 1);
	int file = -1;
	bpf_find_vma(bpf_get_current_task_btf(), address, vma_is_file, &file, 0);
	count(file == 1 ? ZC_BC_FAULTS_FILE : file == 0 ? ZC_BC_FAULTS_ANON : ZC_BC_FAULTS_UNKNOWN, 1);
}

SEC("tp_btf/page_fault_user")
int BPF_PROG(on_fault_user, unsigned long address, struct pt_regs *regs, unsigned long error_code)
{
	fault(address, 0);
	return 0;
}

SEC("tp_btf/page_fault_kernel")
int BPF_PROG(on_fault_kernel, unsigned long address, struct pt_regs *regs, unsigned long error_code)
{
	fault(address, 1);
	return 0;
}

/* task_newtask, not sched_process_fork: io_uring's workers are made without a fork. */
SEC("tp_btf/task_newtask")
int BPF_PROG(on_new_task, struct task_struct *child, __u64 clone_flags)
{
	__u32 ptgid = bpf_get_current_pid_tgid() >> 32, ctgid = BPF_CORE_READ(child, tgid);
	__u32 *state = bpf_map_lookup_elem(&procs, &ptgid);
	if (!state || *state != ZC_BPF_TRACED)
		return 0;
	count(ZC_BC_EVENTS, 1);
	if (ctgid == ptgid) {
		count(ZC_BC_THREADS, 1);
		return 0;
	}
	__u32 traced_state = ZC_BPF_TRACED;
	if (bpf_map_update_elem(&procs, &ctgid, &traced_state, BPF_ANY))
		count(ZC_BC_DROPPED, 1);
	count(ZC_BC_PROCESSES, 1);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = BPF_CORE_READ(task, tgid);
	__u32 *state = bpf_map_lookup_elem(&procs, &tgid);
	if (state && *state == ZC_BPF_AT_EXEC)
		*state = ZC_BPF_TRACED;
	return 0;
}

/* A process's last thread is gone: forget it, so that its pid can be reused untraced. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_task_exit, struct task_struct *task)
{
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	__u32 tgid = BPF_CORE_READ(task, tgid);
	bpf_map_delete_elem(&procs, &tgid);
	return 0;
}

SEC("tp_btf/io_uring_submit_req")
int BPF_PROG(on_uring_submit, struct io_kiocb *req)
{
	if (!traced())
		return 0;
	__u32 op = BPF_CORE_READ(req, opcode);
	struct zc_bpf_sys *s = bpf_map_lookup_elem(&uring_ops, &op);
	if (!s || !s->follow)
		return 0;
	count(ZC_BC_EVENTS, 1);
	struct zc_bpf_call c = {};
	c.key.nr = ZC_BPF_URING_BASE + op;
	c.key.kind = c.key.from_kind = ZC_BK_OTHER;
	c.key.zerocopy = s->zerocopy;
	c.start = bpf_ktime_get_ns();
	__u64 at = (__u64)req;
	if (bpf_map_update_elem(&requests, &at, &c, BPF_ANY))
		count(ZC_BC_DROPPED, 1);
	return 0;
}

/* The request's file is assigned by the time it completes (fixed files included). */
SEC("tp_btf/io_uring_complete")
int BPF_PROG(on_uring_complete, struct io_ring_ctx *ring, void *req, struct io_uring_cqe *cqe)
{
	__u64 at = (__u64)req;
	struct zc_bpf_call *in = bpf_map_lookup_elem(&requests, &at);
	if (!in)
		return 0;
	__u64 now = bpf_ktime_get_ns();
	struct zc_bpf_call c = *in;
	__u32 flags = BPF_CORE_READ(cqe, flags);
	if (!(flags & IORING_CQE_F_MORE))
		bpf_map_delete_elem(&requests, &at);
	count(ZC_BC_EVENTS, 1);
	struct io_kiocb *r = req;
	classify_file(BPF_CORE_READ(r, file), &c.key.kind, &c.key.dev);
	account(&c.key, BPF_CORE_READ(cqe, res), now - c.start, 0);
	return 0;
}
