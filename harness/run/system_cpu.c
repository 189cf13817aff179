/* system_cpu.c - see system_cpu.h. */
#define _GNU_SOURCE
#include "run.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "zcbench.h"


#define MAX_PEERS 16
static int peers[MAX_PEERS];
static size_t npeers;

static int is_peer(int pid)
{
	for (size_t i = 0; i < npeers; i++)
		if (peers[i] == pid)
			return 1;
	return 0;
}

void zc_peer_watch(int pid)
{
	if (!is_peer(pid) && npeers < MAX_PEERS)
		peers[npeers++] = pid;
}

void zc_peer_unwatch(int pid)
{
	for (size_t i = 0; i < npeers; i++)
		if (peers[i] == pid) {
			peers[i] = peers[--npeers];
			return;
		}
}

struct zc_sys_reading {
	double now_ns;
	size_t n;            /* processes read; in an end reading its start's come first */
	int *pid;            /* ascending */
	double *cpu_ns;      /* NAN: gone */
	unsigned char *peer;
	int ncpu;
	double stat[ZC_SYS_MAX_CPUS][ZC_NSTAT];
};

/* A process's CPU clock (the scheduler's sum_exec_runtime, all its threads). */
static double process_cpu_ns(int pid)
{
	clockid_t id = (clockid_t)((~(unsigned)pid << 3) | 2u); /* CPUCLOCK_SCHED, whole process */
	struct timespec ts;
	if (clock_gettime(id, &ts) != 0)
		return NAN;
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int zc_sys_parse_stat(const char *text, double fields[][ZC_NSTAT], int max, double ns_per_tick)
{
	int n = -1;
	for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (strncmp(line, "cpu", 3) != 0 || !isdigit((unsigned char)line[3]))
			continue;
		char *end;
		long cpu = strtol(line + 3, &end, 10);
		unsigned long long v[8];
		/* user nice system idle iowait irq softirq steal */
		if (cpu < 0 || cpu >= max ||
		    sscanf(end, " %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
			   &v[5], &v[6], &v[7]) != 8)
			return -1;
		double *f = fields[cpu];
		f[ZC_STAT_USER] = (double)v[0] * ns_per_tick;
		f[ZC_STAT_NICE] = (double)v[1] * ns_per_tick;
		f[ZC_STAT_SYSTEM] = (double)v[2] * ns_per_tick;
		f[ZC_STAT_IRQ] = (double)v[5] * ns_per_tick;
		f[ZC_STAT_SOFTIRQ] = (double)v[6] * ns_per_tick;
		f[ZC_STAT_STEAL] = (double)v[7] * ns_per_tick;
		if (cpu + 1 > n)
			n = (int)cpu + 1;
	}
	return n;
}

static void read_stat(struct zc_sys_reading *r)
{
	static char buf[1 << 16];
	FILE *f = fopen("/proc/stat", "r");
	r->ncpu = 0;
	if (!f)
		return;
	size_t len = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[len] = 0;
	int n = zc_sys_parse_stat(buf, r->stat, ZC_SYS_MAX_CPUS, 1e9 / (double)sysconf(_SC_CLK_TCK));
	r->ncpu = n > 0 ? n : 0;
}

double zc_sys_steal_ns(const struct zc_sys_reading *r, int cpu)
{
	return r && cpu >= 0 && cpu < r->ncpu ? r->stat[cpu][ZC_STAT_STEAL] : NAN;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* Every pid in /proc, ascending; -1 when /proc cannot be listed. */
static int list_pids(int **out, size_t *n)
{
	size_t cap = 256;
	int *pid = malloc(cap * sizeof *pid);
	DIR *d = opendir("/proc");
	*n = 0;
	if (!pid || !d) {
		if (d)
			closedir(d);
		free(pid);
		return -1;
	}
	for (struct dirent *e; (e = readdir(d));) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		if (*n == cap) {
			int *p = realloc(pid, 2 * cap * sizeof *p);
			if (!p)
				break;
			pid = p;
			cap *= 2;
		}
		pid[(*n)++] = atoi(e->d_name);
	}
	closedir(d);
	qsort(pid, *n, sizeof *pid, cmp_int);
	*out = pid;
	return 0;
}

/* Room for n processes' clocks. */
static int reserve(struct zc_sys_reading *r, size_t n)
{
	double *c = realloc(r->cpu_ns, (n ? n : 1) * sizeof *c);
	if (c)
		r->cpu_ns = c;
	unsigned char *p = realloc(r->peer, n ? n : 1);
	if (p)
		r->peer = p;
	return c && p ? 0 : -1;
}

static void read_clocks(struct zc_sys_reading *r, size_t from)
{
	for (size_t i = from; i < r->n; i++) {
		r->cpu_ns[i] = process_cpu_ns(r->pid[i]);
		r->peer[i] = (unsigned char)is_peer(r->pid[i]);
	}
}

static double monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Appends the processes of /proc that `r` does not have yet (born since its list was read). */
static void add_newcomers(struct zc_sys_reading *r)
{
	int *now;
	size_t n, old = r->n;
	if (list_pids(&now, &n) != 0)
		return;
	int *pid = realloc(r->pid, (old + n ? old + n : 1) * sizeof *pid);
	if (pid && reserve(r, old + n) == 0) {
		r->pid = pid;
		for (size_t i = 0; i < n; i++)
			if (!bsearch(&now[i], pid, old, sizeof *pid, cmp_int))
				pid[r->n++] = now[i];
	} else if (pid) {
		r->pid = pid;
	}
	free(now);
}

/*
 * The process clocks are what the window is: at the start they are read last, at the end
 * first (over the start's process list), so listing /proc and reading /proc/stat fall
 * outside it. What is left inside (the clock reads themselves) is the empty window's cost,
 * which zc_sys_overhead measures. A process born during the window is found by listing
 * /proc again at the end; all its CPU time is counted (it had none at the start).
 */
struct zc_sys_reading *zc_sys_read(const struct zc_sys_reading *start)
{
	struct zc_sys_reading *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	if (start) {
		r->n = start->n;
		r->pid = malloc((r->n ? r->n : 1) * sizeof *r->pid);
		if (r->pid)
			memcpy(r->pid, start->pid, r->n * sizeof *r->pid);
	} else if (list_pids(&r->pid, &r->n) != 0) {
		r->pid = NULL;
	}
	if (!r->pid || reserve(r, r->n) != 0) {
		zc_sys_reading_free(r);
		return NULL;
	}
	if (!start)
		read_stat(r);
	read_clocks(r, 0);
	r->now_ns = monotonic_ns();
	if (start) {
		read_stat(r);
		size_t known = r->n;
		add_newcomers(r);
		read_clocks(r, known);
	}
	return r;
}

double zc_sys_overhead(void)
{
	double best = INFINITY;
	/* The least of a few empty windows: a stray task running meanwhile is not overhead. */
	for (int k = 0; k < 16; k++) {
		struct zc_sys_reading *a = zc_sys_read(NULL);
		struct zc_sys_reading *b = a ? zc_sys_read(a) : NULL;
		if (b) {
			struct zc_sys_delta d;
			zc_sys_delta(a, b, &d);
			if (isfinite(d.tasks_ns) && d.tasks_ns < best)
				best = d.tasks_ns;
		}
		zc_sys_reading_free(a);
		zc_sys_reading_free(b);
	}
	return isfinite(best) ? best : 0;
}

void zc_sys_reading_free(struct zc_sys_reading *r)
{
	if (!r)
		return;
	free(r->pid);
	free(r->cpu_ns);
	free(r->peer);
	free(r);
}

void zc_sys_delta(const struct zc_sys_reading *a, const struct zc_sys_reading *b, struct zc_sys_delta *d)
{
	memset(d, 0, sizeof *d);
	d->window_ns = b->now_ns - a->now_ns;
	/* b lists a's processes first, then those born since. One that exited mid-window
	 * loses its share (its clock is gone): rare, and never a peer, which outlives its pair. */
	for (size_t i = 0; i < b->n; i++) {
		double v = i < a->n ? b->cpu_ns[i] - a->cpu_ns[i] : b->cpu_ns[i];
		if (!isfinite(v) || v < 0)
			continue;
		d->tasks_ns += v;
		d->processes++;
		if (b->peer[i])
			d->peers_ns += v;
	}
	if (d->processes == 0)
		d->tasks_ns = d->peers_ns = NAN;
	d->ncpu = a->ncpu < b->ncpu ? a->ncpu : b->ncpu;
	if (d->ncpu == 0) {
		d->stat_busy_ns = NAN;
		for (int f = 0; f < ZC_NSTAT; f++)
			d->stat_ns[f] = NAN;
		return;
	}
	for (int c = 0; c < d->ncpu; c++)
		for (int f = 0; f < ZC_NSTAT; f++) {
			double v = b->stat[c][f] - a->stat[c][f];
			d->stat_ns[f] += v;
			d->cpu_busy_ns[c] += v;
			d->stat_busy_ns += v;
		}
}

/* A kernel config option from /proc/config.gz or /boot/config-<release>. */
static int config_option(const char *name, char *val, size_t len, char *why, size_t whylen)
{
	char line[512], path[300];
	size_t nl = strlen(name);
	gzFile g = gzopen("/proc/config.gz", "rb");
	if (!g) {
		char rel[128] = "";
		FILE *u = fopen("/proc/sys/kernel/osrelease", "r");
		if (u) {
			if (fgets(rel, sizeof rel, u))
				rel[strcspn(rel, "\n")] = 0;
			fclose(u);
		}
		snprintf(path, sizeof path, "/boot/config-%s", rel);
		g = gzopen(path, "rb"); /* gzopen reads plain text too */
		if (!g) {
			snprintf(why, whylen, "no /proc/config.gz or %s", path);
			return -1;
		}
	}
	snprintf(val, len, "n"); /* absent or "# ... is not set" */
	while (gzgets(g, line, sizeof line)) {
		if (strncmp(line, name, nl) == 0 && line[nl] == '=') {
			snprintf(val, len, "%.*s", (int)strcspn(line + nl + 1, "\n"), line + nl + 1);
			break;
		}
	}
	gzclose(g);
	return 0;
}

void zc_sys_irq_time_accounting(char *out, size_t len)
{
	char irq[16], gen[16], why[400];
	if (config_option("CONFIG_IRQ_TIME_ACCOUNTING", irq, sizeof irq, why, sizeof why) != 0 ||
	    config_option("CONFIG_VIRT_CPU_ACCOUNTING_GEN", gen, sizeof gen, why, sizeof why) != 0) {
		snprintf(out, len, "unknown: %s", why);
		return;
	}
	snprintf(out, len, "%s", strcmp(irq, "y") == 0 ? "y" : "n");
}

void zc_sys_describe(char *out, size_t len)
{
	char irq[400];
	zc_sys_irq_time_accounting(irq, sizeof irq);
	int root = geteuid() == 0;
	snprintf(out, len,
		 "system CPU = sum of every process's CPU clock (scheduler ns)%s; per core from /proc/stat at USER_HZ %ld; "
		 "IRQ time accounting %s%s",
		 root ? "" : " (not root: only processes this user may read, so kernel threads are missing)",
		 sysconf(_SC_CLK_TCK), irq,
		 strcmp(irq, "y") == 0 ? " (irq and softirq time charged apart)"
		 : strcmp(irq, "n") == 0 ? " (irq and softirq time is charged to whichever task was interrupted)"
					 : "");
}
