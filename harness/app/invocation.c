/*
 * invocation.c - a run as k invocations: fresh processes (zcbench re-executed), each
 * running every selected pair once, in an order of its own, for a few AB|BA blocks.
 *
 * Why: most of a ratio's variance lies between processes (memory layout, page-cache
 * state, calibration, the loop floor, the host's state at the time), so one process
 * cannot say what a re-run will show; pyperf and Kalibera and Jones replicate at this
 * level for the same reason. Each invocation is exec'd (so ASLR gives it a layout of its
 * own unless --no-aslr), sets its pairs up from scratch (buffers, files, page cache,
 * peers) and measures its own loop floor. Because every invocation runs every pair, a
 * pair's invocations are spread over the whole run, not back to back.
 *
 * The worker hands its result document back through a memfd the driver created (nothing
 * touches the disk; an interrupted run leaves no file), and the driver reads it with the
 * same loader --reanalyse uses (load.c), then appends each pair's samples to the run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <jansson.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app.h"

static int selected(const struct zc_options *o, regex_t *re, const struct zc_pair *p, const struct zc_param *q)
{
	if (!o->sweep && (q->flags & ZC_PARAM_SWEEP))
		return 0;
	if (!o->filter)
		return 1;
	char name[256];
	snprintf(name, sizeof name, "%s/%s", p->name, q->name);
	return regexec(re, name, 0, NULL, 0) == 0;
}

size_t zc_select(const struct zc_options *o, struct zc_selection *sel, size_t max)
{
	regex_t re;
	if (o->filter && regcomp(&re, o->filter, REG_EXTENDED | REG_NOSUB) != 0)
		return 0; /* validated by zc_parse_args */
	size_t n = 0;
	for (size_t i = 0; i < zc_registry_count(); i++) {
		const struct zc_pair *p = zc_registry_get(i);
		for (size_t k = 0; k < p->nparams; k++) {
			if (!selected(o, &re, p, &p->params[k]))
				continue;
			if (sel && n < max)
				sel[n] = (struct zc_selection){p, &p->params[k]};
			n++;
		}
	}
	if (o->filter)
		regfree(&re);
	return n;
}

void zc_family_size(const struct zc_options *o, struct zc_run *run)
{
	struct zc_options all = *o;
	all.filter = NULL;
	size_t n = zc_select(&all, NULL, 0), controls = 0;
	struct zc_selection *sel = calloc(n ? n : 1, sizeof *sel);
	if (sel)
		zc_select(&all, sel, n);
	for (size_t i = 0; sel && i < n; i++)
		controls += (sel[i].pair->flags & ZC_PAIR_CONTROL) != 0;
	free(sel);
	run->family = n - controls;
	run->control_family = controls;
	snprintf(run->family_rule, sizeof run->family_rule,
		 "every pair/param of an unfiltered%s run, whatever --filter selected: %zu pairs, and the %zu "
		 "controls as a family of their own (they check the instrument)",
		 o->sweep ? " --sweep" : "", run->family, run->control_family);
}

/* splitmix64: the order's random numbers (seeded, so an order can be replayed). */
static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

unsigned long long zc_invocation_seed(unsigned long long run_seed, unsigned id)
{
	uint64_t s = run_seed + id;
	return splitmix(&s) >> 11; /* 53 bits: exact in any JSON reader, jq included */
}

/* Where this process's text, heap, stack and anonymous mappings landed. */
static void layout(char *out, size_t len)
{
	int here = 0;
	void *heap = malloc(64);
	void *map = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	snprintf(out, len, "text %p heap %p stack %p mmap %p", (void *)(uintptr_t)&zc_select, heap, (void *)&here,
		 map == MAP_FAILED ? NULL : map);
	free(heap);
	if (map != MAP_FAILED)
		munmap(map, 4096);
}

/* ---- the worker: one invocation ---- */
int zc_invocation_main(const struct zc_options *o)
{
	char err[512];
	int cpu = zc_pin_cpu(o->cpu, err, sizeof err);
	if (cpu < 0) {
		fprintf(stderr, "zcbench: %s\n", err);
		return 2;
	}
	size_t total = zc_select(o, NULL, 0);
	struct zc_selection *sel = calloc(total ? total : 1, sizeof *sel);
	static struct zc_run run;
	run.results = calloc(total ? total : 1, sizeof *run.results);
	if (!sel || !run.results) {
		fprintf(stderr, "zcbench: out of memory\n");
		return 1;
	}
	zc_select(o, sel, total);
	/* This invocation's order: a Fisher-Yates shuffle from its seed. */
	uint64_t s = o->worker_seed;
	for (size_t i = total; i > 1; i--) {
		size_t j = (size_t)(splitmix(&s) % i);
		struct zc_selection t = sel[i - 1];
		sel[i - 1] = sel[j];
		sel[j] = t;
	}
	run.alpha = o->alpha;
	run.equivalence = o->equivalence;
	struct zc_run_config cfg = {.rounds = o->rounds, .min_time = o->min_time, .cpu = cpu,
				    .no_counting = o->worker_index % ZC_COUNTED_EVERY != 0};
	double t0 = zc_now_ns();
	run.loop_floor_ns = zc_loop_floor_ns(&cfg);
	double probes[21];
	for (int k = 0; k < 21; k++)
		probes[k] = zc_freq_probe(zc_now_ns);
	run.ref_ghz = cfg.ref_ghz = zc_median(probes, 21);
	run.sys_overhead_ns = cfg.sys_overhead_ns = zc_sys_overhead();
	int failed = 0;
	for (size_t i = 0; i < total && !zc_interrupted(); i++) {
		struct zc_pair_result *r = &run.results[run.n];
		fprintf(stderr, "[%d/%d %zu/%zu] %s/%s\n", o->worker_index + 1, o->invocations, i + 1, total,
			sel[i].pair->name, sel[i].param->name);
		zc_run_pair(&cfg, sel[i].pair, sel[i].param, r);
		r->inv_id[0] = (unsigned)o->worker_index;
		run.n++;
		if (r->status == ZC_ST_ERROR) {
			failed = 1;
			fprintf(stderr, "zcbench: %s/%s: %s\n", sel[i].pair->name, sel[i].param->name, r->message);
		}
	}
	free(sel);
	/* A full run's profile once more in this process, after its pairs: the primitives
	 * move between processes as the pairs do, and the driver pools every invocation's. */
	int profiled = !o->quick && !o->no_profile && !zc_interrupted();
	if (profiled) {
		fprintf(stderr, "[%d/%d] the machine profile\n", o->worker_index + 1, o->invocations);
		zc_costs_measure(&run.costs, o->min_time < ZC_PROFILE_MIN_TIME ? o->min_time : ZC_PROFILE_MIN_TIME,
				 4u << 20);
	}
	if (zc_interrupted())
		return 130;
	zc_analyse_run(&run);
	json_t *ctx = json_object();
	if (profiled)
		json_object_set_new(ctx, "machine_profile", zc_costs_json(&run.costs));
	for (size_t i = 0; i < zc_context_count(); i++)
		json_object_set_new(ctx, zc_context_key(i), json_string(zc_context_value(i)));
	json_object_set_new(ctx, "loop_floor_ns", zc_json_number(run.loop_floor_ns));
	json_t *inv = json_object();
	char lay[160];
	layout(lay, sizeof lay);
	json_object_set_new(inv, "id", json_integer(o->worker_index));
	json_object_set_new(inv, "order_seed", json_integer((json_int_t)o->worker_seed));
	json_object_set_new(inv, "loop_floor_ns", zc_json_number(run.loop_floor_ns));
	json_object_set_new(inv, "ref_ghz", zc_json_number(run.ref_ghz));
	json_object_set_new(inv, "sys_overhead_ns", zc_json_number(run.sys_overhead_ns));
	json_object_set_new(inv, "seconds", json_real((zc_now_ns() - t0) / 1e9));
	json_object_set_new(inv, "layout", json_string(lay));
	json_object_set_new(ctx, "invocation", inv);
	json_t *doc = zc_result_json(&run, ctx);
	char *text = json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(17));
	json_decref(doc);
	size_t len = text ? strlen(text) : 0, off = 0;
	while (text && off < len) {
		ssize_t w = write(o->worker_fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	free(text);
	zc_run_free(&run);
	if (!text || off != len) {
		fprintf(stderr, "zcbench: invocation %d: could not hand its result back\n", o->worker_index + 1);
		return 1;
	}
	return failed;
}

/* ---- the driver ---- */
static volatile pid_t worker = -1;

void zc_invocation_signal(int sig)
{
	if (worker > 0)
		kill(worker, sig);
}

/* Reads a memfd's whole content (from the start); NULL on failure. */
static char *read_all(int fd, size_t *len)
{
	off_t end = lseek(fd, 0, SEEK_END);
	if (end < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return NULL;
	char *buf = malloc((size_t)end + 1);
	size_t off = 0;
	while (buf && off < (size_t)end) {
		ssize_t r = read(fd, buf + off, (size_t)end - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		off += (size_t)r;
	}
	if (!buf || off != (size_t)end) {
		free(buf);
		return NULL;
	}
	buf[off] = '\0';
	*len = off;
	return buf;
}

/* Runs invocation `id` and returns its exit status (or 128 + signal); its output in fd. */
static int spawn(const struct zc_options *o, unsigned id, unsigned long long seed, int fd)
{
	/* Fixed width: the argument's length moves the initial stack, and --no-aslr promises
	 * every invocation the same layout. */
	char arg[96];
	snprintf(arg, sizeof arg, "--invocation-worker=%010d,%010u,%020llu", fd, id, seed);
	char **av = calloc((size_t)o->argc + 2, sizeof *av);
	if (!av)
		return 1;
	for (int i = 0; i < o->argc; i++)
		av[i] = o->argv[i];
	av[o->argc] = arg;
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		if (o->no_aslr) {
			int pers = personality(0xffffffff);
			if (pers != -1)
				personality((unsigned long)pers | ADDR_NO_RANDOMIZE);
		}
		/* By the name it was started with, not /proc/self/exe: under valgrind that is the
		 * tool, and valgrind follows an exec of the program itself (--trace-children). */
		execvp(av[0], av);
		fprintf(stderr, "zcbench: cannot re-execute itself for an invocation: %s\n", strerror(errno));
		_exit(127);
	}
	free(av);
	if (pid < 0)
		return 1;
	worker = pid;
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	worker = -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Appends one invocation's pairs to the run's slots (same pair and param). */
static void merge(struct zc_run *run, struct zc_run *one, int *failed)
{
	for (size_t i = 0; i < one->n; i++) {
		struct zc_pair_result *src = &one->results[i];
		for (size_t j = 0; j < run->n; j++) {
			struct zc_pair_result *dst = &run->results[j];
			if (dst->pair != src->pair || dst->param != src->param)
				continue;
			if (dst->status != ZC_ST_OK && dst->ninv == 0 && dst->message[0])
				break; /* failed in an earlier invocation: it stays failed */
			if (src->status != ZC_ST_OK) {
				zc_pair_result_free(dst);
				dst->status = src->status;
				dst->ninv = 0;
				snprintf(dst->message, sizeof dst->message, "%s", src->message);
				*failed |= src->status == ZC_ST_ERROR;
			} else if (zc_pair_result_append(dst, src) != 0) {
				snprintf(dst->message, sizeof dst->message, "out of memory merging invocations");
				dst->status = ZC_ST_ERROR;
				*failed = 1;
			}
			break;
		}
	}
}

int zc_run_invocations(const struct zc_options *o, struct zc_run *run, json_t *ctx)
{
	struct zc_selection *sel = calloc(run->n ? run->n : 1, sizeof *sel);
	if (!sel)
		return 1;
	zc_select(o, sel, run->n);
	for (size_t i = 0; i < run->n; i++) {
		memset(&run->results[i], 0, sizeof run->results[i]);
		run->results[i].pair = sel[i].pair;
		run->results[i].param = sel[i].param;
		run->results[i].status = ZC_ST_ERROR;
		run->results[i].verdict = ZC_V_UNKNOWN;
	}
	free(sel);
	int failed = 0;
	double start = zc_now_ns();
	for (int i = 0; i < o->invocations && !zc_interrupted(); i++) {
		unsigned long long seed = zc_invocation_seed(o->seed, (unsigned)i);
		int fd = memfd_create("zcbench-invocation", 0);
		if (fd < 0) {
			fprintf(stderr, "zcbench: memfd_create: %s\n", strerror(errno));
			return 1;
		}
		double t0 = zc_now_ns();
		int st = spawn(o, (unsigned)i, seed, fd);
		if (zc_interrupted() || st == 130) {
			close(fd);
			zc_set_interrupted(1);
			break;
		}
		size_t len = 0;
		char *text = st <= 1 ? read_all(fd, &len) : NULL;
		close(fd);
		json_error_t jerr;
		json_t *doc = text ? json_loadb(text, len, 0, &jerr) : NULL;
		free(text);
		static struct zc_run one;
		char err[512] = "";
		if (!doc || zc_run_load(doc, &one, err, sizeof err) != 0) {
			fprintf(stderr, "zcbench: invocation %d of %d %s%s%s\n", i + 1, o->invocations,
				st > 1 ? "failed" : "handed back no result", err[0] ? ": " : "", err);
			zc_add_warning(run, "invocation %d of %d failed (exit status %d): its samples are not in this result",
				       i + 1, o->invocations, st);
			failed = 1;
			json_decref(doc);
			continue;
		}
		failed |= st != 0;
		merge(run, &one, &failed);
		if (one.costs.measured) {
			if (!run->inv_costs)
				run->inv_costs = calloc((size_t)o->invocations, sizeof *run->inv_costs);
			if (run->inv_costs && run->ninv_costs < (size_t)o->invocations)
				run->inv_costs[run->ninv_costs++] = one.costs;
		}
		zc_run_free(&one);
		/* The invocation's own facts; the benches' context entries once. */
		json_t *wctx = json_object_get(doc, "context");
		json_t *inv = json_object_get(wctx, "invocation");
		struct zc_invocation *v = &run->inv[run->ninv++];
		v->id = (unsigned)i;
		v->order_seed = seed;
		v->started_s = (t0 - start) / 1e9;
		v->seconds = (zc_now_ns() - t0) / 1e9;
		v->loop_floor_ns = zc_json_real10(json_object_get(inv, "loop_floor_ns"));
		v->ref_ghz = zc_json_real10(json_object_get(inv, "ref_ghz"));
		v->sys_overhead_ns = zc_json_real10(json_object_get(inv, "sys_overhead_ns"));
		snprintf(v->layout, sizeof v->layout, "%s", json_string_value(json_object_get(inv, "layout")) ?: "");
		const char *key;
		json_t *val;
		json_object_foreach(wctx, key, val)
		{
			if (json_is_string(val) && !json_object_get(ctx, key))
				json_object_set(ctx, key, val);
		}
		json_decref(doc);
	}
	zc_run_take_loop_floor(run);
	for (size_t i = 0; i < run->n; i++) {
		struct zc_pair_result *r = &run->results[i];
		if (r->status == ZC_ST_ERROR && !r->message[0])
			snprintf(r->message, sizeof r->message, "no invocation finished it");
	}
	if (zc_interrupted())
		return 130;
	return failed;
}
