/*
 * fdkind.c - what a traced process's descriptor is, followed through its syscalls.
 *
 * Where the syscall says it (socket's domain and type, accept and dup copying a known
 * descriptor), the kind comes from the syscall. Otherwise it is looked up under
 * /proc/PID/fd when the descriptor appears (open, pipe, ...) or is first used: stat gives
 * file, pipe or socket, the socket's protocol comes from its "system.sockprotoname"
 * attribute, and a file's filesystem from its device in mountinfo. The lookup happens
 * when the event is read, milliseconds later; a descriptor closed by then is counted as
 * unresolved: of kind other, or file (filesystem unknown) when it was opened by path.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "trace.h"

struct proc_fds {
	int pid;
	size_t cap;
	struct zc_fd_info *info;
	unsigned char *known;
};

struct mount_fs {
	dev_t dev;
	char fs[24];
};

/* Descriptors looked up at once when their creating syscall's exit was read. */
#define EARLY_SLOTS 4096
struct early {
	int pid, fd;
	uint64_t time; /* the creating syscall's exit */
	struct zc_fd_info info;
};

struct zc_fdtable {
	struct proc_fds *procs;
	size_t nprocs, capprocs;
	struct mount_fs *mounts;
	size_t nmounts;
	struct early early[EARLY_SLOTS];
	size_t nearly; /* written so far; slot = n % EARLY_SLOTS */
};

/* Device -> filesystem type, from our mountinfo (the traced command shares our mounts). */
static void read_mounts(struct zc_fdtable *t)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	if (!f)
		return;
	char line[4096];
	size_t cap = 0;
	while (fgets(line, sizeof line, f)) {
		unsigned maj, min;
		const char *dash = strstr(line, " - ");
		char fs[24];
		if (sscanf(line, "%*u %*u %u:%u", &maj, &min) != 2 || !dash || sscanf(dash + 3, "%23s", fs) != 1)
			continue;
		struct mount_fs *m = zc_grow(t->mounts, &cap, t->nmounts + 1, sizeof *m);
		if (!m)
			break;
		t->mounts = m;
		t->mounts[t->nmounts].dev = makedev(maj, min);
		snprintf(t->mounts[t->nmounts].fs, sizeof t->mounts[t->nmounts].fs, "%s", fs);
		t->nmounts++;
	}
	fclose(f);
}

struct zc_fdtable *zc_fdtable_new(void)
{
	struct zc_fdtable *t = calloc(1, sizeof *t); /* ~200 KiB: the early slots */
	if (t)
		read_mounts(t);
	return t;
}

void zc_fdtable_free(struct zc_fdtable *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nprocs; i++) {
		free(t->procs[i].info);
		free(t->procs[i].known);
	}
	free(t->procs);
	free(t->mounts);
	free(t);
}

static struct proc_fds *proc(struct zc_fdtable *t, int pid)
{
	for (size_t i = t->nprocs; i-- > 0;)
		if (t->procs[i].pid == pid)
			return &t->procs[i];
	struct proc_fds *p = zc_grow(t->procs, &t->capprocs, t->nprocs + 1, sizeof *p);
	if (!p)
		return NULL;
	t->procs = p;
	p = &t->procs[t->nprocs++];
	memset(p, 0, sizeof *p);
	p->pid = pid;
	return p;
}

/* The slot for fd, grown as needed; NULL for a silly descriptor number. */
static struct zc_fd_info *slot(struct proc_fds *p, int fd, unsigned char **known)
{
	if (fd < 0 || fd > (1 << 20))
		return NULL;
	if ((size_t)fd >= p->cap) {
		size_t cap = p->cap ? p->cap : 64;
		while (cap <= (size_t)fd)
			cap *= 2;
		struct zc_fd_info *i = realloc(p->info, cap * sizeof *i);
		if (!i)
			return NULL;
		p->info = i;
		unsigned char *k = realloc(p->known, cap);
		if (!k)
			return NULL;
		memset(k + p->cap, 0, cap - p->cap);
		p->known = k;
		p->cap = cap;
	}
	*known = &p->known[fd];
	return &p->info[fd];
}

void zc_fs_of_dev(const struct zc_fdtable *t, unsigned long long dev, char *fs, size_t n)
{
	snprintf(fs, n, "unknown");
	for (size_t i = 0; i < t->nmounts; i++)
		if (t->mounts[i].dev == (dev_t)dev)
			snprintf(fs, n, "%s", t->mounts[i].fs);
}

static struct zc_fd_info resolve(const struct zc_fdtable *t, int pid, int fd)
{
	struct zc_fd_info r = {.kind = ZC_FD_OTHER};
	char path[64];
	struct stat st;
	snprintf(path, sizeof path, "/proc/%d/fd/%d", pid, fd);
	if (stat(path, &st) != 0) {
		r.unresolved = 1;
		return r;
	}
	if (S_ISREG(st.st_mode)) {
		r.kind = ZC_FD_FILE;
		zc_fs_of_dev(t, st.st_dev, r.fs, sizeof r.fs);
	} else if (S_ISFIFO(st.st_mode)) {
		r.kind = ZC_FD_PIPE;
	} else if (S_ISSOCK(st.st_mode)) {
		char proto[32] = "";
		ssize_t n = getxattr(path, "system.sockprotoname", proto, sizeof proto - 1);
		proto[n > 0 ? n : 0] = '\0';
		if (!strncmp(proto, "TCP", 3) || !strcmp(proto, "MPTCP"))
			r.kind = ZC_FD_TCP;
		else if (!strncmp(proto, "UDP", 3))
			r.kind = ZC_FD_UDP;
		else if (!strncmp(proto, "UNIX", 4))
			r.kind = ZC_FD_UNIX;
	}
	return r;
}

struct zc_fd_info zc_fd_lookup(struct zc_fdtable *t, int pid, int fd)
{
	struct proc_fds *p = proc(t, pid);
	unsigned char *known;
	struct zc_fd_info *i = p ? slot(p, fd, &known) : NULL;
	if (!i)
		return resolve(t, pid, fd);
	if (!*known) {
		*i = resolve(t, pid, fd);
		*known = 1;
	}
	return *i;
}

static void set(struct zc_fdtable *t, int pid, int fd, struct zc_fd_info info)
{
	struct proc_fds *p = proc(t, pid);
	unsigned char *known;
	struct zc_fd_info *i = p ? slot(p, fd, &known) : NULL;
	if (i) {
		*i = info;
		*known = 1;
	}
}

static void forget(struct zc_fdtable *t, int pid, int fd)
{
	struct proc_fds *p = proc(t, pid);
	unsigned char *known;
	if (p && slot(p, fd, &known))
		*known = 0;
}

static struct zc_fd_info socket_kind(uint64_t domain, uint64_t type)
{
	struct zc_fd_info r = {.kind = ZC_FD_OTHER};
	type &= 0xf; /* without SOCK_NONBLOCK / SOCK_CLOEXEC */
	if (domain == AF_UNIX)
		r.kind = ZC_FD_UNIX;
	else if ((domain == AF_INET || domain == AF_INET6) && type == SOCK_STREAM)
		r.kind = ZC_FD_TCP;
	else if ((domain == AF_INET || domain == AF_INET6) && type == SOCK_DGRAM)
		r.kind = ZC_FD_UDP;
	return r;
}

static void early_put(struct zc_fdtable *t, int pid, int fd, uint64_t time)
{
	struct early *e = &t->early[t->nearly++ % EARLY_SLOTS];
	*e = (struct early){.pid = pid, .fd = fd, .time = time, .info = resolve(t, pid, fd)};
}

/* The early lookup of (pid, fd) made at the exit at `time`, or NULL. */
static const struct early *early_get(const struct zc_fdtable *t, int pid, int fd, uint64_t time)
{
	size_t n = t->nearly < EARLY_SLOTS ? t->nearly : EARLY_SLOTS;
	for (size_t i = 0; i < n; i++) {
		const struct early *e = &t->early[(t->nearly - 1 - i) % EARLY_SLOTS];
		if (e->pid == pid && e->fd == fd && e->time == time)
			return e;
	}
	return NULL;
}

void zc_fd_early(struct zc_fdtable *t, const struct zc_tev *x)
{
	const struct zc_syscall_info *s = zc_io_syscall(x->nr);
	if (!s || x->ret < 0)
		return;
	if (s->effect == ZC_FX_NEW || s->effect == ZC_FX_DUP2 || s->effect == ZC_FX_LIKE) {
		early_put(t, x->pid, (int)x->ret, x->time); /* the new descriptor is the return value */
	} else if (s->effect == ZC_FX_PAIR) {
		/* The exit does not say which two descriptors: look at all of them. */
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/fd", x->pid);
		DIR *d = opendir(path);
		struct dirent *de;
		while (d && (de = readdir(d)))
			if (de->d_name[0] != '.')
				early_put(t, x->pid, atoi(de->d_name), x->time);
		if (d)
			closedir(d);
	}
}

static int opens_by_path(const struct zc_syscall_info *s)
{
	return !strcmp(s->name, "openat") || !strcmp(s->name, "openat2") || !strcmp(s->name, "open") ||
	       !strcmp(s->name, "creat");
}

void zc_fd_follow(struct zc_fdtable *t, int pid, const struct zc_syscall_info *s, const uint64_t args[6],
		  long ret, uint64_t time)
{
	const struct early *e;
	switch (s->effect) {
	case ZC_FX_NEW:
		if (ret >= 0) {
			forget(t, pid, (int)ret);
			e = early_get(t, pid, (int)ret, time);
			struct zc_fd_info i = e ? e->info : zc_fd_lookup(t, pid, (int)ret);
			/* Closed before it could be looked at: what opens by path opens a file (or a
			 * device, which cannot be told apart now); still counted as unresolved. */
			if (i.unresolved && opens_by_path(s))
				i = (struct zc_fd_info){.kind = ZC_FD_FILE, .fs = "unknown", .unresolved = 1};
			set(t, pid, (int)ret, i);
		}
		break;
	case ZC_FX_SOCKET:
		if (ret >= 0)
			set(t, pid, (int)ret, socket_kind(args[0], args[1]));
		break;
	case ZC_FX_LIKE:
	case ZC_FX_DUP2:
		/* The copy as looked at early, else what the original is known to be. */
		if (ret >= 0 && (s->nr != SYS_fcntl || args[1] == F_DUPFD || args[1] == F_DUPFD_CLOEXEC)) {
			e = early_get(t, pid, (int)ret, time);
			set(t, pid, (int)ret, e && !e->info.unresolved ? e->info : zc_fd_lookup(t, pid, (int)args[0]));
		}
		break;
	case ZC_FX_PAIR:
		if (ret == 0) {
			/* The two new descriptors are in the caller's memory; it is still there. */
			int fds[2];
			struct iovec local = {fds, sizeof fds}, remote = {(void *)(uintptr_t)args[s->fd_arg], sizeof fds};
			struct zc_fd_info kind = {.kind = ZC_FD_PIPE};
			if (s->fd_arg == 3)
				kind = socket_kind(args[0], args[1]);
			if (process_vm_readv(pid, &local, 1, &remote, 1, 0) == (ssize_t)sizeof fds) {
				for (int k = 0; k < 2; k++)
					set(t, pid, fds[k], kind);
			} else {
				/* Gone already: the descriptors of that kind the early look saw. */
				size_t n = t->nearly < EARLY_SLOTS ? t->nearly : EARLY_SLOTS;
				for (size_t i = 0; i < n; i++) {
					e = &t->early[i];
					if (e->pid == pid && e->time == time && e->info.kind == kind.kind)
						set(t, pid, e->fd, kind);
				}
			}
		}
		break;
	case ZC_FX_CLOSE:
		if (ret == 0)
			forget(t, pid, (int)args[0]);
		break;
	case ZC_FX_EXEC: {
		/* Close-on-exec descriptors went away; look the others up again when used. */
		struct proc_fds *p = ret == 0 ? proc(t, pid) : NULL;
		if (p && p->known)
			memset(p->known, 0, p->cap);
		break;
	}
	case ZC_FX_NONE:
		break;
	}
}

void zc_fd_fork(struct zc_fdtable *t, int parent, int child)
{
	struct proc_fds *from = proc(t, parent);
	if (!from || !from->cap)
		return;
	size_t cap = from->cap;
	struct zc_fd_info *info = malloc(cap * sizeof *info);
	unsigned char *known = malloc(cap);
	struct proc_fds *to = proc(t, child); /* may move the array: from is stale now */
	if (!info || !known || !to) {
		free(info);
		free(known);
		return;
	}
	from = proc(t, parent);
	memcpy(info, from->info, cap * sizeof *info);
	memcpy(known, from->known, cap);
	free(to->info);
	free(to->known);
	to->info = info;
	to->known = known;
	to->cap = cap;
}
