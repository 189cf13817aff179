/* ioprofile.c - zcbench profile's JSON document, and the table printed from it. */
#define _GNU_SOURCE
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

#define ZC_IOPROF_SCHEMA 2 /* 2: tracing.mechanism is bpf or perf, with its reason and description */

static json_t *sizes_json(const struct zc_io_path_summary *ps)
{
	const struct zc_io_path *q = ps->path;
	json_t *s = json_object(), *hist = json_array(), *common = json_array();
	int ok = ps->has_sizes;
	json_object_set_new(s, "min", ok ? json_integer((json_int_t)q->min) : json_null());
	json_object_set_new(s, "median", ok ? json_integer((json_int_t)ps->median) : json_null());
	json_object_set_new(s, "p90", ok ? json_integer((json_int_t)ps->p90) : json_null());
	json_object_set_new(s, "max", ok ? json_integer((json_int_t)q->max) : json_null());
	json_object_set_new(s, "mean", ok ? json_real(ps->mean) : json_null());
	json_object_set_new(s, "quantiles_exact", json_boolean(ok ? ps->exact : 1));
	for (unsigned b = 0; b < ZC_SIZE_BUCKETS; b++) {
		if (!q->hist[b])
			continue;
		json_t *h = json_object();
		json_object_set_new(h, "from", json_integer(b ? (json_int_t)1 << (b - 1) : 0));
		json_object_set_new(h, "to", json_integer(b ? ((json_int_t)1 << b) - 1 : 0));
		json_object_set_new(h, "calls", json_integer((json_int_t)q->hist[b]));
		json_array_append_new(hist, h);
	}
	for (size_t i = 0; i < q->ncommon; i++) {
		json_t *c = json_object();
		json_object_set_new(c, "bytes", json_integer((json_int_t)q->common_bytes[i]));
		json_object_set_new(c, "calls", json_integer((json_int_t)q->common_calls[i]));
		json_array_append_new(common, c);
	}
	json_object_set_new(s, "histogram", hist);
	json_object_set_new(s, "common", common);
	json_object_set_new(s, "other_calls", json_integer((json_int_t)q->uncommon_calls));
	return s;
}

static const char *dir_name(enum zc_io_dir d)
{
	static const char *const n[] = {"none", "in", "out", "move", "map", "ring"};
	return n[d];
}

static json_t *path_json(const struct zc_io_path_summary *ps)
{
	const struct zc_io_path *q = ps->path;
	json_t *j = json_object();
	json_object_set_new(j, "syscall", json_string(q->sys->name));
	json_object_set_new(j, "fd_kind", json_string(zc_fd_kind_name[q->kind]));
	json_object_set_new(j, "fs", q->kind == ZC_FD_FILE ? json_string(q->fs) : json_null());
	int move_from = q->sys->dir == ZC_DIR_MOVE && q->sys->from_arg >= 0;
	json_object_set_new(j, "from_kind", move_from ? json_string(zc_fd_kind_name[q->from_kind]) : json_null());
	json_object_set_new(j, "from_fs", move_from && q->from_kind == ZC_FD_FILE ? json_string(q->from_fs) : json_null());
	json_object_set_new(j, "direction", json_string(dir_name(q->sys->dir)));
	json_object_set_new(j, "copied", json_boolean(ps->copied));
	json_object_set_new(j, "msg_zerocopy", json_boolean(q->zerocopy_flag));
	json_object_set_new(j, "calls", json_integer((json_int_t)q->calls));
	json_object_set_new(j, "errors", json_integer((json_int_t)q->errors));
	json_object_set_new(j, "bytes", q->sys->dir == ZC_DIR_RING ? json_null() : json_integer((json_int_t)q->bytes));
	json_object_set_new(j, "bytes_per_call", sizes_json(ps));
	json_object_set_new(j, "time_s", json_real((double)q->time_ns * 1e-9));
	json_object_set_new(j, "unresolved_calls", json_integer((json_int_t)q->unresolved));
	return j;
}

/*
 * The path as a Google Benchmark entry, so that compare.py and scripts/compare read a
 * profile like a result: one iteration is one call, its time the time in the syscall
 * (tracing included), its bytes/s the path's bytes over that time.
 */
static json_t *benchmark_json(const struct zc_io_path_summary *ps)
{
	const struct zc_io_path *q = ps->path;
	char name[160];
	int move_from = q->sys->dir == ZC_DIR_MOVE && q->sys->from_arg >= 0;
	snprintf(name, sizeof name, "profile/%s/%s%s%s%s%s%s%s%s", q->sys->name,
		 move_from ? zc_fd_kind_name[q->from_kind] : "", move_from && q->from_kind == ZC_FD_FILE ? ":" : "",
		 move_from && q->from_kind == ZC_FD_FILE ? q->from_fs : "", move_from ? "->" : "",
		 zc_fd_kind_name[q->kind], q->kind == ZC_FD_FILE ? ":" : "", q->kind == ZC_FD_FILE ? q->fs : "",
		 q->zerocopy_flag ? "+msg_zerocopy" : "");
	json_t *b = json_object();
	json_object_set_new(b, "name", json_string(name));
	json_object_set_new(b, "run_name", json_string(name));
	json_object_set_new(b, "run_type", json_string("iteration"));
	json_object_set_new(b, "repetitions", json_integer(1));
	json_object_set_new(b, "repetition_index", json_integer(0));
	json_object_set_new(b, "threads", json_integer(1));
	json_object_set_new(b, "iterations", json_integer((json_int_t)q->calls));
	json_object_set_new(b, "real_time", json_real(ps->ns_per_call));
	json_object_set_new(b, "cpu_time", json_real(ps->ns_per_call));
	json_object_set_new(b, "time_unit", json_string("ns"));
	if (ps->bytes_per_second >= 0)
		json_object_set_new(b, "bytes_per_second", json_real(ps->bytes_per_second));
	json_object_set_new(b, "label", json_string("time in the syscall per call, tracing included"));
	return b;
}

static json_t *overhead_json(const struct zc_ioprof_run *r, const struct zc_ioprof_summary *sum)
{
	if (!r->overhead_reps)
		return json_null();
	size_t n = (size_t)r->overhead_reps;
	json_t *o = json_object(), *u = json_array(), *t = json_array();
	for (size_t i = 0; i < n; i++) {
		json_array_append_new(u, json_real(r->untraced_wall_s[i]));
		json_array_append_new(t, json_real(r->traced_wall_s[i]));
	}
	json_object_set_new(o, "reps", json_integer((json_int_t)n));
	json_object_set_new(o, "order", json_string(r->floor_reps ? "ABCCBA: untraced, traced, floor, floor, traced, untraced, ..."
								     : "ABBA: untraced, traced, traced, untraced, ..."));
	json_object_set_new(o, "untraced_wall_s", u);
	json_object_set_new(o, "traced_wall_s", t);
	json_object_set_new(o, "untraced_wall_median_s", json_real(sum->untraced_wall_median_s));
	json_object_set_new(o, "traced_wall_median_s", json_real(sum->traced_wall_median_s));
	json_object_set_new(o, "wall_ratio", sum->wall_ratio >= 0 ? json_real(sum->wall_ratio) : json_null());
	json_object_set_new(o, "untraced_cpu_median_s", json_real(sum->untraced_cpu_median_s));
	json_object_set_new(o, "traced_cpu_median_s", json_real(sum->traced_cpu_median_s));
	json_object_set_new(o, "cpu_ratio", sum->cpu_ratio >= 0 ? json_real(sum->cpu_ratio) : json_null());
	/* The floor under any syscall tracer: the command with raw_syscalls:sys_enter counted. */
	json_t *f = json_array();
	for (int i = 0; i < r->floor_reps; i++)
		json_array_append_new(f, json_real(r->floor_wall_s[i]));
	json_object_set_new(o, "floor", json_string("the command with only the raw_syscalls:sys_enter tracepoint counted "
						     "(one perf counter): every syscall takes the traced path"));
	json_object_set_new(o, "floor_wall_s", f);
	json_object_set_new(o, "floor_wall_median_s", r->floor_reps ? json_real(sum->floor_wall_median_s) : json_null());
	json_object_set_new(o, "floor_wall_ratio", sum->floor_wall_ratio >= 0 ? json_real(sum->floor_wall_ratio) : json_null());
	return o;
}

json_t *zc_ioprof_json(const struct zc_ioprof *p, const struct zc_ioprof_run *run,
		       const struct zc_ioprof_summary *sum, json_t *suggestions, json_t *context)
{
	json_t *doc = json_object(), *paths = json_array(), *benchmarks = json_array();
	for (size_t i = 0; i < sum->npaths; i++) {
		json_array_append_new(paths, path_json(&sum->paths[i]));
		json_array_append_new(benchmarks, benchmark_json(&sum->paths[i]));
	}

	json_object_set_new(doc, "kind", json_string("zcbench-io-profile"));
	json_object_set_new(doc, "schema_version", json_integer(ZC_IOPROF_SCHEMA));
	json_object_set_new(doc, "context", context);
	json_object_set_new(doc, "command", json_string(run->command));
	json_object_set_new(doc, "pid", json_integer(run->pid));
	json_object_set_new(doc, "attached", json_boolean(run->attached));
	json_object_set_new(doc, "exit_status", run->attached ? json_null() : json_integer(run->exit_status));
	json_object_set_new(doc, "interrupted", json_boolean(run->interrupted));
	json_object_set_new(doc, "wall_s", json_real(run->wall_s));
	json_object_set_new(doc, "cpu_user_s", run->attached ? json_null() : json_real(run->user_s));
	json_object_set_new(doc, "cpu_system_s", run->attached ? json_null() : json_real(run->system_s));
	json_object_set_new(doc, "processes", json_integer((json_int_t)p->processes));
	json_object_set_new(doc, "threads_started", json_integer((json_int_t)p->threads));
	json_object_set_new(doc, "paths", paths);
	json_object_set_new(doc, "benchmarks", benchmarks);

	json_t *tot = json_object();
	json_object_set_new(tot, "copied_bytes", json_integer((json_int_t)(sum->copied_in + sum->copied_out)));
	json_object_set_new(tot, "copied_in_bytes", json_integer((json_int_t)sum->copied_in));
	json_object_set_new(tot, "copied_out_bytes", json_integer((json_int_t)sum->copied_out));
	json_object_set_new(tot, "moved_without_copy_bytes", json_integer((json_int_t)sum->moved));
	json_object_set_new(tot, "msg_zerocopy_bytes", json_integer((json_int_t)sum->zc_sends));
	json_object_set_new(tot, "io_calls", json_integer((json_int_t)sum->io_calls));
	json_object_set_new(tot, "io_time_s", json_real((double)sum->io_ns * 1e-9));
	json_object_set_new(tot, "syscalls", run->counts.syscalls_counted ? json_integer((json_int_t)run->counts.syscalls)
									  : json_null());
	json_object_set_new(tot, "context_switches", json_integer((json_int_t)run->counts.ctx_switches));
	json_object_set_new(doc, "totals", tot);

	json_t *f = json_object();
	json_object_set_new(f, "total", json_integer((json_int_t)run->counts.faults));
	json_object_set_new(f, "major", json_integer((json_int_t)run->counts.faults_major));
	json_object_set_new(f, "file", json_integer((json_int_t)p->faults_file));
	json_object_set_new(f, "anon", json_integer((json_int_t)p->faults_anon));
	json_object_set_new(f, "unknown", json_integer((json_int_t)p->faults_unknown));
	json_object_set_new(f, "in_kernel", json_integer((json_int_t)p->faults_in_kernel));
	json_object_set_new(doc, "page_faults", f);

	json_t *m = json_object();
	json_object_set_new(m, "file_mmaps", json_integer((json_int_t)p->mmaps_file));
	json_object_set_new(m, "file_bytes", json_integer((json_int_t)p->mapped_file_bytes));
	json_object_set_new(m, "anon_mmaps", json_integer((json_int_t)p->mmaps_anon));
	json_object_set_new(m, "anon_bytes", json_integer((json_int_t)p->mapped_anon_bytes));
	json_object_set_new(doc, "mappings", m);

	json_t *t = json_object();
	int perf = run->mechanism && !strcmp(run->mechanism->name, "perf");
	json_object_set_new(t, "mechanism", json_string(run->mechanism ? run->mechanism->name : "none"));
	json_object_set_new(t, "mechanism_reason", json_string(run->mechanism_why));
	json_object_set_new(t, "description", json_string(run->mechanism ? run->mechanism->description : ""));
	json_object_set_new(t, "tracefs", perf ? json_string(run->counts.tracefs) : json_null());
	json_object_set_new(t, "hooks", perf ? json_null() : json_string(run->counts.hooks));
	json_object_set_new(t, "events", json_integer((json_int_t)run->counts.samples));
	json_object_set_new(t, "lost_events", json_integer((json_int_t)run->counts.lost));
	json_object_set_new(t, "buffer_bytes_per_cpu", perf ? json_integer((json_int_t)run->counts.buffer_bytes) : json_null());
	json_object_set_new(t, "cpus", json_integer(run->counts.ncpus));
	json_object_set_new(t, "unmatched_exits", json_integer((json_int_t)p->unmatched_exits));
	json_object_set_new(t, "unresolved_calls", json_integer((json_int_t)sum->unresolved));
	json_object_set_new(t, "tracer_cpu_s", json_real(run->tracer_cpu_s));
	json_object_set_new(doc, "tracing", t);
	json_object_set_new(doc, "overhead", overhead_json(run, sum));
	json_object_set_new(doc, "suggestions", suggestions ? suggestions : json_array());
	return doc;
}

/* ---- the table ---- */
static void size_text(json_t *v, char *out, size_t len)
{
	if (!json_is_integer(v)) {
		snprintf(out, len, "-");
		return;
	}
	json_int_t n = json_integer_value(v);
	if (n >= 1024 && n % 1024 == 0)
		snprintf(out, len, n >= (1 << 20) && n % (1 << 20) == 0 ? "%lldM" : "%lldK",
			 (long long)(n >= (1 << 20) && n % (1 << 20) == 0 ? n >> 20 : n >> 10));
	else
		snprintf(out, len, "%lld", (long long)n);
}

static json_int_t num(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

void zc_ioprof_print(FILE *f, json_t *doc)
{
	char a[32], b[32], c[32], d[32];
	json_t *tot = json_object_get(doc, "totals"), *pf = json_object_get(doc, "page_faults");
	json_t *tr = json_object_get(doc, "tracing"), *mp = json_object_get(doc, "mappings");
	fprintf(f, "\nzcbench profile: %s", json_string_value(json_object_get(doc, "command")));
	if (json_is_integer(json_object_get(doc, "exit_status")))
		fprintf(f, " (exit %lld", (long long)num(doc, "exit_status"));
	else
		fprintf(f, " (attached");
	fprintf(f, ", %.3f s, %lld processes%s)\n", json_real_value(json_object_get(doc, "wall_s")),
		(long long)num(doc, "processes"), json_is_true(json_object_get(doc, "interrupted")) ? ", stopped early" : "");
	fprintf(f, "%-16s %-24s %10s %12s  %-27s %9s\n", "syscall", "fd kind", "calls", "bytes",
		"bytes/call min med p90 max", "time");
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(doc, "paths"), i, p) {
		char kind[64];
		const char *fs = json_string_value(json_object_get(p, "fs"));
		const char *from = json_string_value(json_object_get(p, "from_kind"));
		const char *from_fs = json_string_value(json_object_get(p, "from_fs"));
		snprintf(kind, sizeof kind, "%s%s%s%s%s%s%s", from ? from : "", from_fs ? "(" : "", from_fs ? from_fs : "",
			 from_fs ? ")" : "", from ? "->" : "", json_string_value(json_object_get(p, "fd_kind")),
			 json_is_true(json_object_get(p, "msg_zerocopy")) ? "+zc" : "");
		if (fs) {
			size_t n = strlen(kind);
			snprintf(kind + n, sizeof kind - n, "(%s)", fs);
		}
		json_t *s = json_object_get(p, "bytes_per_call");
		size_text(json_object_get(s, "min"), a, sizeof a);
		size_text(json_object_get(s, "median"), b, sizeof b);
		size_text(json_object_get(s, "p90"), c, sizeof c);
		size_text(json_object_get(s, "max"), d, sizeof d);
		char bytes[32], sizes[160];
		if (json_is_integer(json_object_get(p, "bytes")))
			zc_si((double)num(p, "bytes"), "B", bytes, sizeof bytes);
		else
			snprintf(bytes, sizeof bytes, "(ops)");
		snprintf(sizes, sizeof sizes, "%s %s %s %s%s", a, b, c, d,
			 json_is_true(json_object_get(s, "quantiles_exact")) ? "" : " ~");
		fprintf(f, "%-16s %-24s %10lld %12s  %-27s %8.3fs%s\n", json_string_value(json_object_get(p, "syscall")), kind,
			(long long)num(p, "calls"), bytes, sizes, json_real_value(json_object_get(p, "time_s")),
			num(p, "errors") ? " (errors)" : "");
	}
	zc_si((double)num(tot, "copied_bytes"), "B", a, sizeof a);
	zc_si((double)num(tot, "copied_in_bytes"), "B", b, sizeof b);
	zc_si((double)num(tot, "copied_out_bytes"), "B", c, sizeof c);
	zc_si((double)num(tot, "moved_without_copy_bytes"), "B", d, sizeof d);
	fprintf(f, "copied between user and kernel memory: %s (in %s, out %s); moved without a user copy: %s", a, b, c, d);
	if (num(tot, "msg_zerocopy_bytes")) {
		zc_si((double)num(tot, "msg_zerocopy_bytes"), "B", a, sizeof a);
		fprintf(f, "; sent with MSG_ZEROCOPY: %s", a);
	}
	fprintf(f, "\nsyscalls: %lld (IO %lld, %.3f s in them); context switches: %lld\n", (long long)num(tot, "syscalls"),
		(long long)num(tot, "io_calls"), json_real_value(json_object_get(tot, "io_time_s")),
		(long long)num(tot, "context_switches"));
	zc_si((double)num(mp, "file_bytes"), "B", a, sizeof a);
	fprintf(f, "page faults: %lld (file-backed %lld, anonymous %lld, unknown %lld; taken in the kernel %lld; major %lld); files mapped: %s in %lld mmaps\n",
		(long long)num(pf, "total"), (long long)num(pf, "file"), (long long)num(pf, "anon"),
		(long long)num(pf, "unknown"), (long long)num(pf, "in_kernel"), (long long)num(pf, "major"), a,
		(long long)num(mp, "file_mmaps"));
	const char *mech = json_string_value(json_object_get(tr, "mechanism"));
	int bpf = mech && !strcmp(mech, "bpf");
	fprintf(f, "tracing: %s (%s); %lld events, %lld lost%s; %lld calls on descriptors not resolved; tracer CPU %.3f s\n",
		mech ? mech : "?", json_string_value(json_object_get(tr, "mechanism_reason")) ?: "",
		(long long)num(tr, "events"), (long long)num(tr, "lost_events"),
		!num(tr, "lost_events") ? ""
		: bpf	? " (a kernel map was full: counts are short)"
			: " (buffers full: raise --buffer-kib; counts are short)",
		(long long)num(tr, "unresolved_calls"), json_real_value(json_object_get(tr, "tracer_cpu_s")));
	json_t *o = json_object_get(doc, "overhead");
	if (json_is_object(o)) {
		fprintf(f, "overhead: wall %.3f s traced vs %.3f s untraced (x%.3f), CPU x%.3f, medians of %lld each",
			json_real_value(json_object_get(o, "traced_wall_median_s")),
			json_real_value(json_object_get(o, "untraced_wall_median_s")),
			json_number_value(json_object_get(o, "wall_ratio")), json_number_value(json_object_get(o, "cpu_ratio")),
			(long long)num(o, "reps"));
		if (json_is_number(json_object_get(o, "floor_wall_ratio")))
			fprintf(f, "; the syscall tracepoint alone x%.3f", json_number_value(json_object_get(o, "floor_wall_ratio")));
		fprintf(f, " (%s)\n", json_is_number(json_object_get(o, "floor_wall_ratio")) ? "ABCCBA" : "ABBA");
	}
	json_t *s;
	json_array_foreach(json_object_get(doc, "suggestions"), i, s) {
		fprintf(f, "suggestion: %s\n", json_string_value(json_object_get(s, "text")));
	}
	if (!json_array_size(json_object_get(doc, "suggestions")))
		fprintf(f, "suggestion: none (no copied path that a pair measures an alternative for)\n");
}
