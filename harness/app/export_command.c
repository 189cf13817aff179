/*
 * export_command.c - zcbench export: a result (either layout) written in another format:
 * gbench (the whole document, every sample an iteration entry: what compare.py's U test
 * reads), result (today's document and samples file: converts a result of an older
 * layout, losing nothing) or bmf (Bencher Metric Format).
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"

static void export_usage(FILE *f)
{
	fputs("usage: zcbench export --format gbench|result|bmf [--out FILE] RESULT.json\n"
	      "  gbench  the whole result as one Google Benchmark document: every timed sample\n"
	      "          an iteration entry (compare.py's U test reads them)\n"
	      "  result  the result as zcbench writes it today: FILE and FILE's samples file\n"
	      "          (FILE less .json, plus .samples.json.gz); needs --out; converts a result\n"
	      "          of an older layout without losing anything\n"
	      "  bmf     Bencher Metric Format: per pair/param its ratio and cpu-ratio, per side\n"
	      "          its latency and cpu-time (ns), each with its interval's bounds\n"
	      "  --out FILE  write FILE (atomically, never over a file) instead of stdout\n",
	      f);
}

/* doc as text on stdout, or into a new file. 0, or 1. */
static int emit(json_t *doc, const char *out, size_t flags)
{
	if (!out) {
		char *t = json_dumps(doc, flags);
		if (!t)
			return 1;
		printf("%s\n", t);
		free(t);
		return fflush(stdout) ? 1 : 0;
	}
	struct zc_outfile o;
	char err[512];
	if (zc_out_open(&o, out, err, sizeof err) != 0) {
		fprintf(stderr, "zcbench export: %s\n", err);
		return 1;
	}
	return zc_out_write_json(&o, out, doc, "zcbench export");
}

int zc_export_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"format", required_argument, 0, 'f'}, {"out", required_argument, 0, 'o'},
		{"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
	};
	const char *format = NULL, *out = NULL;
	optind = 0;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': format = optarg; break;
		case 'o': out = optarg; break;
		case 'h': export_usage(stdout); return 0;
		default:
			fprintf(stderr, "zcbench export: unknown option or missing value '%s'\n", argv[optind - 1]);
			export_usage(stderr);
			return 2;
		}
	}
	if (!format || optind != argc - 1) {
		fprintf(stderr, "zcbench export: %s\n", !format ? "--format is required" : "exactly one RESULT.json");
		export_usage(stderr);
		return 2;
	}
	int gbench = !strcmp(format, "gbench"), result = !strcmp(format, "result"), bmf = !strcmp(format, "bmf");
	if (!gbench && !result && !bmf) {
		fprintf(stderr, "zcbench export: --format '%s' is not one of gbench, result, bmf\n", format);
		return 2;
	}
	if (result && (!out || strlen(out) < 6 || strcmp(out + strlen(out) - 5, ".json") != 0)) {
		fprintf(stderr, "zcbench export: --format result needs --out FILE.json\n");
		return 2;
	}
	json_t *doc = zc_result_read(argv[optind], "export");
	if (!doc)
		return 2;
	int rc;
	if (bmf) {
		json_t *b = zc_export_bmf(doc);
		rc = emit(b, out, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
		json_decref(b);
	} else if (gbench) {
		rc = emit(doc, out, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
	} else {
		struct zc_outfile o;
		char err[512];
		json_t *samples = zc_result_split(doc);
		if (!samples) {
			fprintf(stderr, "zcbench export: %s: no benchmarks and pairs arrays to split\n", argv[optind]);
			rc = 2;
		} else if (zc_out_open(&o, out, err, sizeof err) != 0) {
			fprintf(stderr, "zcbench export: %s\n", err);
			rc = 1;
		} else {
			/* 10 digits: a conversion loses nothing of what the result held. */
			rc = zc_out_write_pair(&o, out, doc, samples, ZC_SAMPLES_KEY, 10, "zcbench export");
		}
		json_decref(samples);
	}
	json_decref(doc);
	return rc;
}
