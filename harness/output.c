/*
 * output.c - the result document (Google Benchmark JSON + zcbench's pairs), the human
 * table, Go's benchmark text format, and the atomic result file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

static const char *const side_name[ZC_NSIDES] = {"baseline", "zerocopy"};

json_t *zc_json_number(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static void bench_name(char *buf, size_t len, const struct zc_pair_result *r, int side)
{
	snprintf(buf, len, "%s/%s/%s", r->pair->name, side_name[side], r->param->name);
}

static double bytes_per_second(const struct zc_param *p, double ns_per_iter)
{
	return p->bytes && ns_per_iter > 0 ? (double)p->bytes / (ns_per_iter * 1e-9) : NAN;
}

/* The benchmark thread's CPU time per byte: what the sending side costs, whatever the
 * wall clock says (for IO pairs the wall time may track the peer or the link). */
static double cpu_per_byte(const struct zc_param *p, double cpu_ns_per_iter)
{
	return p->bytes ? cpu_ns_per_iter / (double)p->bytes : NAN;
}

/* The fields every benchmarks[] entry starts with, in Google Benchmark's order. */
static json_t *entry_head(const char *name, const char *run_name, size_t family, size_t instance,
			  const char *run_type, size_t reps)
{
	json_t *e = json_object();
	json_object_set_new(e, "name", json_string(name));
	json_object_set_new(e, "family_index", json_integer((json_int_t)family));
	json_object_set_new(e, "per_family_instance_index", json_integer((json_int_t)instance));
	json_object_set_new(e, "run_name", json_string(run_name));
	json_object_set_new(e, "run_type", json_string(run_type));
	json_object_set_new(e, "repetitions", json_integer((json_int_t)reps));
	return e;
}

static void add_iteration_entries(json_t *arr, const struct zc_pair_result *r, int s,
				  size_t family, size_t instance)
{
	const struct zc_side_result *sr = &r->side[s];
	char name[256];
	bench_name(name, sizeof name, r, s);
	for (size_t k = 0; k < sr->n; k++) {
		json_t *e = entry_head(name, name, family, instance, "iteration", sr->n);
		json_object_set_new(e, "repetition_index", json_integer((json_int_t)k));
		json_object_set_new(e, "threads", json_integer(1));
		json_object_set_new(e, "iterations", json_integer((json_int_t)r->iterations));
		json_object_set_new(e, "real_time", zc_json_number(sr->real_ns[k]));
		json_object_set_new(e, "cpu_time", zc_json_number(sr->cpu_ns[k]));
		json_object_set_new(e, "time_unit", json_string("ns"));
		json_object_set_new(e, "bytes_per_second",
				    zc_json_number(bytes_per_second(r->param, sr->real_ns[k])));
		json_object_set_new(e, "cpu_ns_per_byte", zc_json_number(cpu_per_byte(r->param, sr->cpu_ns[k])));
		for (int i = 0; i < ZC_NCOUNTERS; i++)
			json_object_set_new(e, zc_counter_key[i], zc_json_number(sr->cnt[i][k]));
		json_object_set_new(e, "copies_per_iter",
				    json_real(r->pair->side[s].copies_per_iter));
		json_array_append_new(arr, e);
	}
}

enum agg { AGG_MEAN, AGG_MEDIAN, AGG_STDDEV, AGG_CV };
static const char *const agg_name[] = {"mean", "median", "stddev", "cv"};

static double agg_of(const struct zc_summary *s, enum agg a)
{
	switch (a) {
	case AGG_MEAN: return s->mean;
	case AGG_MEDIAN: return s->median;
	case AGG_STDDEV: return s->stddev;
	default: return s->cv;
	}
}

static void add_aggregate_entries(json_t *arr, const struct zc_pair_result *r, int s,
				  size_t family, size_t instance)
{
	const struct zc_side_result *sr = &r->side[s];
	char run_name[256], name[300];
	bench_name(run_name, sizeof run_name, r, s);
	double *bps = calloc(sr->n ? sr->n : 1, sizeof *bps);
	if (!bps)
		return;
	for (size_t k = 0; k < sr->n; k++)
		bps[k] = bytes_per_second(r->param, sr->real_ns[k]);
	struct zc_summary bs, cs[ZC_NCOUNTERS];
	zc_summarize(bps, sr->n, &bs);
	for (int i = 0; i < ZC_NCOUNTERS; i++)
		zc_summarize(sr->cnt[i], sr->n, &cs[i]);
	for (int a = AGG_MEAN; a <= AGG_CV; a++) {
		snprintf(name, sizeof name, "%s_%s", run_name, agg_name[a]);
		json_t *e = entry_head(name, run_name, family, instance, "aggregate", sr->n);
		json_object_set_new(e, "threads", json_integer(1));
		json_object_set_new(e, "aggregate_name", json_string(agg_name[a]));
		json_object_set_new(e, "aggregate_unit", json_string(a == AGG_CV ? "percentage" : "time"));
		json_object_set_new(e, "iterations", json_integer((json_int_t)sr->n));
		json_object_set_new(e, "real_time", zc_json_number(agg_of(&sr->real, (enum agg)a)));
		json_object_set_new(e, "cpu_time", zc_json_number(agg_of(&sr->cpu, (enum agg)a)));
		json_object_set_new(e, "time_unit", json_string("ns"));
		json_object_set_new(e, "bytes_per_second", zc_json_number(agg_of(&bs, (enum agg)a)));
		double cpu = agg_of(&sr->cpu, (enum agg)a);
		json_object_set_new(e, "cpu_ns_per_byte",
				    zc_json_number(a == AGG_CV ? cpu : cpu_per_byte(r->param, cpu)));
		for (int i = 0; i < ZC_NCOUNTERS; i++)
			json_object_set_new(e, zc_counter_key[i],
					    zc_json_number(agg_of(&cs[i], (enum agg)a)));
		json_object_set_new(e, "copies_per_iter",
				    a <= AGG_MEDIAN ? json_real(r->pair->side[s].copies_per_iter)
						    : json_real(0));
		if (a == AGG_MEDIAN) {
			/* Distribution-free 95% interval of the median (order statistics). */
			json_object_set_new(e, "real_time_ci_low", zc_json_number(sr->real.ci_low));
			json_object_set_new(e, "real_time_ci_high", zc_json_number(sr->real.ci_high));
		}
		json_array_append_new(arr, e);
	}
	free(bps);
}

/* A pair that did not run: one entry per side carrying Google Benchmark's error fields. */
static void add_failed_entries(json_t *arr, const struct zc_pair_result *r, size_t family,
			       size_t instance)
{
	for (int s = 0; s < ZC_NSIDES; s++) {
		char name[256];
		bench_name(name, sizeof name, r, s);
		json_t *e = entry_head(name, name, family + (size_t)s, instance, "iteration", 1);
		json_object_set_new(e, "repetition_index", json_integer(0));
		json_object_set_new(e, "threads", json_integer(1));
		if (r->status == ZC_ST_SKIPPED) {
			json_object_set_new(e, "skipped", json_true());
			json_object_set_new(e, "skip_message", json_string(r->message));
		} else {
			json_object_set_new(e, "error_occurred", json_true());
			json_object_set_new(e, "error_message", json_string(r->message));
		}
		json_object_set_new(e, "iterations", json_integer(0));
		json_object_set_new(e, "real_time", json_integer(0));
		json_object_set_new(e, "cpu_time", json_integer(0));
		json_object_set_new(e, "time_unit", json_string("ns"));
		json_array_append_new(arr, e);
	}
}

static const char *status_name(enum zc_status s)
{
	return s == ZC_ST_OK ? "ok" : s == ZC_ST_SKIPPED ? "skipped" : "error";
}

static json_t *pair_entry(const struct zc_pair_result *r)
{
	char b[256], z[256];
	bench_name(b, sizeof b, r, ZC_BASELINE);
	bench_name(z, sizeof z, r, ZC_ZEROCOPY);
	const struct zc_summary *q = &r->ratio_summary;
	int ok = r->status == ZC_ST_OK;
	json_t *e = json_object();
	json_object_set_new(e, "name", json_string(r->pair->name));
	json_object_set_new(e, "baseline", json_string(b));
	json_object_set_new(e, "zerocopy", json_string(z));
	json_object_set_new(e, "param", json_string(r->param->name));
	json_object_set_new(e, "ratio", ok ? zc_json_number(q->median) : json_null());
	json_object_set_new(e, "ratio_ci_low", ok ? zc_json_number(q->ci_low) : json_null());
	json_object_set_new(e, "ratio_ci_high", ok ? zc_json_number(q->ci_high) : json_null());
	json_object_set_new(e, "ratio_ci_level", ok ? zc_json_number(q->ci_level) : json_null());
	json_object_set_new(e, "verdict", json_string(ok ? r->verdict : status_name(r->status)));
	json_object_set_new(e, "raw_verdict", json_string(ok ? r->raw_verdict : status_name(r->status)));
	json_t *st = json_object();
	json_object_set_new(st, "first_half_ratio", ok ? zc_json_number(r->half_ratio[0]) : json_null());
	json_object_set_new(st, "second_half_ratio", ok ? zc_json_number(r->half_ratio[1]) : json_null());
	json_object_set_new(st, "held", json_boolean(ok && r->held));
	json_object_set_new(st, "ci_half_width", ok ? zc_json_number(r->ci_width) : json_null());
	json_object_set_new(st, "reason", ok && r->stability[0] ? json_string(r->stability) : json_null());
	json_object_set_new(e, "stability", st);
	json_object_set_new(e, "rounds", json_integer((json_int_t)r->rounds));
	json_object_set_new(e, "iterations", json_integer((json_int_t)r->iterations));
	json_object_set_new(e, "bytes_per_iter", json_integer((json_int_t)r->param->bytes));
	json_object_set_new(e, "status", json_string(status_name(r->status)));
	json_object_set_new(e, "message", r->status == ZC_ST_OK ? json_null() : json_string(r->message));
	json_object_set_new(e, "verified", json_boolean(r->verified));
	json_object_set_new(e, "param_desc", json_string(r->param->desc ? r->param->desc : ""));
	json_object_set_new(e, "baseline_desc", json_string(r->pair->side[0].desc));
	json_object_set_new(e, "zerocopy_desc", json_string(r->pair->side[1].desc));
	json_object_set_new(e, "summary", json_string(r->pair->summary));
	return e;
}

json_t *zc_result_json(const struct zc_run *run, json_t *context)
{
	json_t *doc = json_object();
	json_t *benchmarks = json_array();
	json_t *pairs = json_array();
	size_t family = 0, instance = 0;
	for (size_t k = 0; k < run->n; k++) {
		const struct zc_pair_result *r = &run->results[k];
		/* A family is one pair's side; its instances are the pair's params. */
		if (k > 0 && r->pair != run->results[k - 1].pair) {
			family += 2;
			instance = 0;
		}
		if (r->status == ZC_ST_OK) {
			for (int s = 0; s < ZC_NSIDES; s++)
				add_iteration_entries(benchmarks, r, s, family + (size_t)s, instance);
			for (int s = 0; s < ZC_NSIDES; s++)
				add_aggregate_entries(benchmarks, r, s, family + (size_t)s, instance);
		} else {
			add_failed_entries(benchmarks, r, family, instance);
		}
		json_array_append_new(pairs, pair_entry(r));
		instance++;
	}
	json_object_set_new(doc, "context", context);
	json_object_set_new(doc, "benchmarks", benchmarks);
	json_object_set_new(doc, "pairs", pairs);
	return doc;
}

/* ---- human table ---- */
static void fmt_time(char *buf, size_t len, double ns)
{
	if (!isfinite(ns))
		snprintf(buf, len, "-");
	else if (ns < 10)
		snprintf(buf, len, "%.3f ns", ns);
	else if (ns < 1e4)
		snprintf(buf, len, "%.1f ns", ns);
	else if (ns < 1e7)
		snprintf(buf, len, "%.1f us", ns / 1e3);
	else
		snprintf(buf, len, "%.1f ms", ns / 1e6);
}

static void fmt_num(char *buf, size_t len, double v)
{
	if (!isfinite(v))
		snprintf(buf, len, "n/a");
	else
		snprintf(buf, len, "%.2f", v);
}

void zc_print_table_header(FILE *f)
{
	fprintf(f, "%-44s %-8s %12s %7s %9s %8s %8s %8s %6s\n", "pair/param", "side", "time/op",
		"+-ci", "GB/s", "sys/op", "flt/op", "csw/op", "copies");
}

void zc_print_table(FILE *f, const struct zc_pair_result *r)
{
	char label[160];
	snprintf(label, sizeof label, "%s/%s", r->pair->name, r->param->name);
	if (r->status != ZC_ST_OK) {
		fprintf(f, "%-44s %s: %s\n", label, status_name(r->status), r->message);
		return;
	}
	for (int s = 0; s < ZC_NSIDES; s++) {
		const struct zc_side_result *sr = &r->side[s];
		char t[32], bw[32], c1[32], c2[32], c3[32], pm[32];
		fmt_time(t, sizeof t, sr->real.median);
		double half = zc_ci_half_width(&sr->real);
		if (isfinite(half))
			snprintf(pm, sizeof pm, "%.1f%%", half * 100);
		else
			snprintf(pm, sizeof pm, "-");
		double gbs = bytes_per_second(r->param, sr->real.median) / 1e9;
		if (isfinite(gbs))
			snprintf(bw, sizeof bw, "%.2f", gbs);
		else
			snprintf(bw, sizeof bw, "-");
		fmt_num(c1, sizeof c1, sr->cnt_per_iter[ZC_CNT_SYSCALLS]);
		fmt_num(c2, sizeof c2, sr->cnt_per_iter[ZC_CNT_PAGE_FAULTS]);
		fmt_num(c3, sizeof c3, sr->cnt_per_iter[ZC_CNT_CTX_SWITCHES]);
		fprintf(f, "%-44s %-8s %12s %7s %9s %8s %8s %8s %6g\n", s == 0 ? label : "",
			side_name[s], t, pm, bw, c1, c2, c3, r->pair->side[s].copies_per_iter);
	}
	const struct zc_summary *q = &r->ratio_summary;
	fprintf(f, "%-44s ratio %.3fx  95%% CI [%.3f, %.3f]  %s  (%zu rounds x %llu iters)\n", "",
		q->median, q->ci_low, q->ci_high, r->verdict, r->rounds,
		(unsigned long long)r->iterations);
	if (r->stability[0])
		fprintf(f, "%-44s unstable: %s\n", "", r->stability);
}

/* ---- Go benchmark text format ---- */
void zc_print_benchstat(FILE *f, const struct zc_pair_result *r)
{
	if (r->status != ZC_ST_OK)
		return;
	for (int s = 0; s < ZC_NSIDES; s++) {
		const struct zc_side_result *sr = &r->side[s];
		for (size_t k = 0; k < sr->n; k++) {
			/* "Benchmark" must not be followed by a lower-case letter: '_' keeps the
			 * zcbench name readable and greppable. The "-1" is Go's GOMAXPROCS. */
			fprintf(f, "Benchmark_%s/side=%s/param=%s-1 %llu %.4f ns/op", r->pair->name,
				side_name[s], r->param->name, (unsigned long long)r->iterations,
				sr->real_ns[k]);
			double bps = bytes_per_second(r->param, sr->real_ns[k]);
			if (isfinite(bps))
				fprintf(f, " %.2f MB/s", bps / 1e6);
			static const char *const unit[ZC_NCOUNTERS] = {
				"syscalls/op", "page-faults/op", "ctx-switches/op",
				"cpu-migrations/op", "cycles/op", "instructions/op"};
			for (int i = 0; i < ZC_NCOUNTERS; i++)
				if (isfinite(sr->cnt[i][k]))
					fprintf(f, " %.4f %s", sr->cnt[i][k], unit[i]);
			fprintf(f, " %.4f cpu-ns/op\n", sr->cpu_ns[k]);
		}
	}
}

/* ---- atomic result file ---- */
int zc_out_open(struct zc_outfile *o, const char *path, char *err, size_t errlen)
{
	memset(o, 0, sizeof *o);
	o->fd = -1;
	if (strlen(path) >= sizeof o->path - 32) {
		snprintf(err, errlen, "--out: path too long");
		return -1;
	}
	snprintf(o->path, sizeof o->path, "%s", path);
	char dirbuf[sizeof o->path];
	snprintf(dirbuf, sizeof dirbuf, "%s", path);
	const char *dir = dirname(dirbuf);

	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "--out %s: directory '%s' does not exist", path, dir);
		return -1;
	}
	if (lstat(path, &st) == 0) {
		snprintf(err, errlen, "--out %s: file exists; results are never overwritten", path);
		return -1;
	}
	/* An unnamed file: nothing appears in the directory until it is complete. */
	o->fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
	if (o->fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
		snprintf(o->tmp, sizeof o->tmp, "%s/.zcbench-XXXXXX", dir);
		o->fd = mkstemp(o->tmp);
		if (o->fd >= 0)
			fchmod(o->fd, 0644);
		else
			o->tmp[0] = '\0';
	}
	if (o->fd < 0) {
		snprintf(err, errlen, "--out %s: cannot write in '%s': %s", path, dir, strerror(errno));
		return -1;
	}
	return 0;
}

void zc_out_abort(struct zc_outfile *o)
{
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	if (o->tmp[0])
		unlink(o->tmp);
	o->tmp[0] = '\0';
}

int zc_out_commit(struct zc_outfile *o, const char *data, size_t len, char *err, size_t errlen)
{
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(o->fd, data + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "writing %s: %s", o->path, strerror(errno));
			zc_out_abort(o);
			return -1;
		}
		off += (size_t)w;
	}
	if (fsync(o->fd) != 0) {
		snprintf(err, errlen, "fsync %s: %s", o->path, strerror(errno));
		zc_out_abort(o);
		return -1;
	}
	int rc;
	if (o->tmp[0]) {
		/* link() fails with EEXIST instead of replacing: never overwrite. */
		rc = link(o->tmp, o->path);
	} else {
		char proc[64];
		snprintf(proc, sizeof proc, "/proc/self/fd/%d", o->fd);
		rc = linkat(AT_FDCWD, proc, AT_FDCWD, o->path, AT_SYMLINK_FOLLOW);
	}
	if (rc != 0) {
		snprintf(err, errlen, "creating %s: %s%s", o->path, strerror(errno),
			 errno == EEXIST ? " (results are never overwritten)" : "");
		zc_out_abort(o);
		return -1;
	}
	zc_out_abort(o); /* closes, and removes the named temp file if there was one */
	return 0;
}
