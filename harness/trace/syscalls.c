/* syscalls.c - the syscalls zcbench profile follows, and what each does with bytes. */
#define _GNU_SOURCE
#include <linux/io_uring.h>
#include <sys/syscall.h>

#include "trace.h"

#define IO(name, dir, fd, from, flags) {SYS_##name, #name, ZC_DIR_##dir, fd, from, flags, ZC_FX_NONE, 0, 0}
#define FX(name, effect, fd) {SYS_##name, #name, ZC_DIR_NONE, fd, -1, -1, ZC_FX_##effect, 0, 0}
/* recvmmsg/sendmmsg return messages, not bytes: only the bpf tracer reads the vector. */
#define MMSG(name, dir) {SYS_##name, #name, ZC_DIR_##dir, 0, -1, 3, ZC_FX_NONE, 1, 0}

/* Syscalls that an architecture lacks (open, pipe, dup2 on arm64) are left out there by
 * the #ifdefs. */
static const struct zc_syscall_info table[] = {
	/* Copies: the bytes cross between a user buffer and the kernel. */
	IO(read, IN, 0, -1, -1),
	IO(pread64, IN, 0, -1, -1),
	IO(readv, IN, 0, -1, -1),
	IO(preadv, IN, 0, -1, -1),
	IO(preadv2, IN, 0, -1, -1),
	IO(recvfrom, IN, 0, -1, -1),
	IO(recvmsg, IN, 0, -1, -1),
	IO(write, OUT, 0, -1, -1),
	IO(pwrite64, OUT, 0, -1, -1),
	IO(writev, OUT, 0, -1, -1),
	IO(pwritev, OUT, 0, -1, -1),
	IO(pwritev2, OUT, 0, -1, -1),
	IO(sendto, OUT, 0, -1, 3),
	IO(sendmsg, OUT, 0, -1, 2),
	MMSG(recvmmsg, IN),
	MMSG(sendmmsg, OUT),
	/* Moves: descriptor to descriptor, no user buffer (the path is named by the destination). */
#ifdef SYS_sendfile
	IO(sendfile, MOVE, 0, 1, -1),
#endif
	IO(splice, MOVE, 2, 0, -1),
	IO(tee, MOVE, 1, 0, -1),
	IO(vmsplice, MOVE, 0, -1, -1),
	IO(copy_file_range, MOVE, 2, 0, -1),
	IO(mmap, MAP, 4, -1, 3),
	IO(io_uring_enter, RING, 0, -1, -1),
	/* The descriptor table, so that every path's descriptor has a kind. */
#ifdef SYS_open
	FX(open, NEW, -1),
#endif
#ifdef SYS_creat
	FX(creat, NEW, -1),
#endif
	FX(openat, NEW, -1),
	FX(openat2, NEW, -1),
	FX(socket, SOCKET, -1),
	FX(accept, LIKE, 0),
	FX(accept4, LIKE, 0),
	FX(dup, LIKE, 0),
#ifdef SYS_dup2
	FX(dup2, DUP2, 0),
#endif
	FX(dup3, DUP2, 0),
	FX(fcntl, LIKE, 0), /* F_DUPFD only: fdkind.c looks at the command */
#ifdef SYS_pipe
	FX(pipe, PAIR, 0),
#endif
	FX(pipe2, PAIR, 0),
	FX(socketpair, PAIR, 3),
	FX(close, CLOSE, 0),
	FX(execve, EXEC, -1),
	FX(execveat, EXEC, -1),
	FX(eventfd2, NEW, -1),
	FX(memfd_create, NEW, -1),
	FX(epoll_create1, NEW, -1),
	FX(timerfd_create, NEW, -1),
	FX(signalfd4, NEW, -1),
	FX(inotify_init1, NEW, -1),
	FX(io_uring_setup, NEW, -1),
	FX(pidfd_open, NEW, -1),
	FX(munmap, NONE, -1), /* paths.c forgets the mapping */
};

const struct zc_syscall_info *zc_io_syscalls(size_t *n)
{
	*n = sizeof table / sizeof table[0];
	return table;
}

/* io_uring operations: the request's file is the descriptor; its result is the bytes. */
#define URING(op, dir, zc) {IORING_OP_##op, "io_uring:" #op, ZC_DIR_##dir, 0, -1, -1, ZC_FX_NONE, 0, zc}
static const struct zc_syscall_info uring_table[] = {
	URING(READV, IN, 0),   URING(READ_FIXED, IN, 0),   URING(READ, IN, 0),	     URING(RECV, IN, 0),
	URING(RECVMSG, IN, 0), URING(WRITEV, OUT, 0),	   URING(WRITE_FIXED, OUT, 0), URING(WRITE, OUT, 0),
	URING(SEND, OUT, 0),   URING(SENDMSG, OUT, 0),	   URING(SEND_ZC, OUT, 1),     URING(SENDMSG_ZC, OUT, 1),
	URING(SPLICE, MOVE, 0), URING(TEE, MOVE, 0),
};

const struct zc_syscall_info *zc_io_uring_ops(size_t *n)
{
	*n = sizeof uring_table / sizeof uring_table[0];
	return uring_table;
}

const struct zc_syscall_info *zc_io_uring_op(long opcode)
{
	for (size_t i = 0; i < sizeof uring_table / sizeof uring_table[0]; i++)
		if (uring_table[i].nr == opcode)
			return &uring_table[i];
	return NULL;
}

/* Called for every event: an index by number, built once. */
const struct zc_syscall_info *zc_io_syscall(long nr)
{
	static const struct zc_syscall_info *by_nr[1024];
	static int built;
	if (!built) {
		for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
			if (table[i].nr >= 0 && table[i].nr < 1024)
				by_nr[table[i].nr] = &table[i];
		built = 1;
	}
	return nr >= 0 && nr < 1024 ? by_nr[nr] : NULL;
}

/* fcntl is left out: most of its calls create nothing, and each would wake the reader. */
int zc_io_syscall_creates(const struct zc_syscall_info *s)
{
	return s->effect == ZC_FX_NEW || s->effect == ZC_FX_PAIR || s->effect == ZC_FX_DUP2 ||
	       (s->effect == ZC_FX_LIKE && s->nr != SYS_fcntl);
}
