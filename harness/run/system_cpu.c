/* system_cpu.c - see system_cpu.h. */
#define _GNU_SOURCE
#include "system_cpu.h"

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

const char *const zc_stat_field_name[ZC_NSTAT] = {"user", "nice", "system", "irq", "softirq", "steal"};

#define MAX_PEERS 16
static int peers[MAX_PEERS];
static size_t npeers;

void zc_peer_watch(int pid)
{
	for (size_t i = 0; i < npeers; i++)
		if (peers[i] == pid)
			return;
	if (npeers < MAX_PEERS)
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
	size_t n;
	int *pid;
	double *cpu_ns;  /* NAN: gone */
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

static int read_stat(struct zc_sys_reading *r)
{
	static char buf[1 << 16];
	FILE *f = fopen("/proc/stat", "r");
	if (!f)
		return -1;
	size_t len = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[len] = 0;
	r->ncpu = zc_sys_parse_stat(buf, r->stat, ZC_SYS_MAX_CPUS, 1e9 / (double)sysconf(_SC_CLK_TCK));
	return r->ncpu > 0 ? 0 : -1;
}

static int is_peer(int pid)
{
	for (size_t i = 0; i < npeers; i++)
		if (peers[i] == pid)
			return 1;
	return 0;
}

static struct zc_sys_reading *list_processes(void)
{
	struct zc_sys_reading *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	size_t cap = 256;
	r->pid = malloc(cap * sizeof *r->pid);
	DIR *d = opendir("/proc");
	if (!r->pid || !d) {
		if (d)
			closedir(d);
		free(r->pid);
		free(r);
		return NULL;
	}
	for (struct dirent *e; (e = readdir(d));) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		if (r->n == cap) {
			int *p = realloc(r->pid, 2 * cap * sizeof *p);
			if (!p)
				break;
			r->pid = p;
			cap *= 2;
		}
		r->pid[r->n++] = atoi(e->d_name);
	}
	closedir(d);
	r->cpu_ns = malloc((r->n ? r->n : 1) * sizeof *r->cpu_ns);
	r->peer = malloc(r->n ? r->n : 1);
	if (!r->cpu_ns || !r->peer) {
		zc_sys_reading_free(r);
		return NULL;
	}
	return r;
}

static void read_clocks(struct zc_sys_reading *r)
{
	struct timespec ts;
	for (size_t i = 0; i < r->n; i++) {
		r->cpu_ns[i] = process_cpu_ns(r->pid[i]);
		r->peer[i] = (unsigned char)is_peer(r->pid[i]);
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	r->now_ns = (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/*
 * The process clocks are what the window is: at the start they are read last, at the end
 * first (over the start's process list), so listing /proc and reading /proc/stat fall
 * outside it. What is left inside (the clock reads themselves) is the empty window's cost,
 * which zc_sys_overhead measures.
 */
struct zc_sys_reading *zc_sys_read(const struct zc_sys_reading *start)
{
	struct zc_sys_reading *r;
	if (!start) {
		if (!(r = list_processes()))
			return NULL;
		if (read_stat(r) != 0)
			r->ncpu = 0;
		read_clocks(r);
		return r;
	}
	if (!(r = calloc(1, sizeof *r)))
		return NULL;
	r->n = start->n;
	r->pid = malloc((r->n ? r->n : 1) * sizeof *r->pid);
	r->cpu_ns = malloc((r->n ? r->n : 1) * sizeof *r->cpu_ns);
	r->peer = malloc(r->n ? r->n : 1);
	if (!r->pid || !r->cpu_ns || !r->peer) {
		zc_sys_reading_free(r);
		return NULL;
	}
	memcpy(r->pid, start->pid, r->n * sizeof *r->pid);
	read_clocks(r);
	if (read_stat(r) != 0)
		r->ncpu = 0;
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
	/* Both lists come from readdir of /proc in pid order; a process counts when it was
	 * there at both ends (one that exited mid-window loses its share: rare, and never a
	 * peer, which lives as long as its pair). */
	size_t i = 0, j = 0;
	while (i < a->n && j < b->n) {
		if (a->pid[i] != b->pid[j]) {
			if (a->pid[i] < b->pid[j])
				i++;
			else
				j++;
			continue;
		}
		double v = b->cpu_ns[j] - a->cpu_ns[i];
		if (isfinite(v) && v >= 0) {
			d->tasks_ns += v;
			d->processes++;
			if (a->peer[i])
				d->peers_ns += v;
		}
		i++, j++;
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
	int found = 0;
	snprintf(val, len, "n");
	while (gzgets(g, line, sizeof line)) {
		if (strncmp(line, name, nl) == 0 && line[nl] == '=') {
			snprintf(val, len, "%.*s", (int)strcspn(line + nl + 1, "\n"), line + nl + 1);
			found = 1;
			break;
		}
	}
	gzclose(g);
	(void)found; /* absent or "# ... is not set": n */
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
