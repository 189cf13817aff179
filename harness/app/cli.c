/* cli.c - command-line options. Usage errors return 2 with a one-line message. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>

#include "app.h"

/* Subcommands in the perf/git manner; each is the mode flag it stands for, which keeps
 * working. */
static const struct {
	const char *name, *flag, *what;
} subcommands[] = {
	{"run", NULL, "run the pairs (the default)"},
	{"list", "--list", "list pairs and params"},
	{"compare", "--compare", "OLD NEW: NEW's ratios against OLD's intervals"},
	{"reanalyse", "--reanalyse", "FILE: the analysis again on a result's samples"},
	{"attribute", "--attribute", "OLD NEW: what the primitives explain of each change"},
	{"machine", "--machine-profile", "measure the machine's primitive costs"},
	{"machine-name", "--machine-name", "this machine's results folder name"},
	{"testdata", "--make-testdata", "create or repair testdata/"},
	{"tune", "--tune", "(root) governor, boost, THP"},
	{"tune-reset", "--tune-reset", "undo --tune"},
};

int zc_subcommand(int argc, char **argv)
{
	if (argc < 2 || argv[1][0] == '-')
		return 0;
	for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++) {
		if (strcmp(argv[1], subcommands[i].name) != 0)
			continue;
		if (subcommands[i].flag) {
			argv[1] = (char *)subcommands[i].flag;
			return 0;
		}
		for (int k = 1; k < argc - 1; k++) /* "run": drop the word */
			argv[k] = argv[k + 1];
		return 1;
	}
	return -1;
}

void zc_usage(FILE *f)
{
	fputs("usage: zcbench [run] [options]\n"
	      "       zcbench COMMAND [options]\n"
	      "       zcbench profile [options] -- CMD ARGS...   (see zcbench profile --help)\n"
	      "Runs paired benchmarks (a baseline and its zero-copy rival, interleaved ABBA on\n"
	      "one pinned core) and writes Google Benchmark-compatible JSON. zcbench profile\n"
	      "counts a program's syscalls and bytes per IO path.\n"
	      "\n"	      "Commands (each the same as its option below, which keeps working):\n",
	      f);
	for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
		fprintf(f, "  %-13s %-19s %s\n", subcommands[i].name, subcommands[i].flag ? subcommands[i].flag : "",
			subcommands[i].what);
	fputs("  profile       zcbench profile     a program's syscalls and bytes per IO path\n"
	      "  export        zcbench export      a result as gbench, result or bmf (--help)\n"
	      "  crossover     zcbench crossover   RESULT: where each size sweep's ratio crosses 1\n"
	      "\nOptions:\n"
	      "  --list              list pairs and params, then exit (--format json: with each\n"
	      "                      pair's kind, tags, params and declared invariants)\n"
	      "  --filter REGEX      run only pair/param names matching REGEX (POSIX extended)\n"
	      "  --cpu N             pin to core N (default: the last allowed core)\n"
	      "  --invocations K     fresh processes per run, each running every selected pair\n"
	      "                      once in an order of its own, 1..64 (default 7; 3 with\n"
	      "                      --quick): the ratio's interval is over the invocations\n"
	      "  --rounds N          timed rounds per pair and invocation, even, 4..100000\n"
	      "                      (default 8; 4 with --quick): N/2 AB|BA blocks, plus, in\n"
	      "                      every third invocation, one counted block per four timed\n"
	      "                      ones (at least one); params of one iteration per sample\n"
	      "                      (cold cache) run 4x as many\n"
	      "  --seed N            seed of the pairs' order in each invocation (default: from\n"
	      "                      the clock; recorded in the result)\n"
	      "  --min-time SECONDS  target time of one sample, each side calibrated on its own,\n"
	      "                      0.0001..60 (default 0.025)\n"
	      "  --equivalence PCT   'same' (an equivalence test) needs the ratio within +-PCT%,\n"
	      "                      or within twice the re-run spread of the pair's kind when\n"
	      "                      that is wider (default 5)\n"
	      "  --alpha P           run-wide error rate of faster/slower verdicts (Holm), and\n"
	      "                      1 - confidence of the intervals, 0.0001..0.5 (default 0.05)\n"
	      "  --out FILE          write the JSON result to FILE (atomic; never overwrites)\n"
	      "  --format FMT        stdout: table (default), benchstat (Go text format), none;\n"
	      "                      json (only with --list)\n"
	      "  --quick             CI-sized run: 8 rounds, 2 ms samples, the machine profile\n"
	      "                      once and up to 4 MiB\n"
	      "  --sweep             also run the params marked as sweep (sizes up to 1 GiB)\n"
	      "  --machine NAME      the machine's name in the result (default: --machine-name)\n"
	      "  --machine-name      print this machine's default results folder name, then exit\n"
	      "  --reanalyse FILE    the analysis again on a result file's samples (its own alpha\n"
	      "                      and equivalence), beside its published verdicts; then exit\n"
	      "  --compare OLD NEW   per pair, whether NEW's ratio lies in OLD's interval and in\n"
	      "                      the prediction interval of a re-run (JSON on stdout;\n"
	      "                      scripts/compare and scripts/replicate format it); then exit\n"
	      "  --machine-profile   measure the machine profile (the primitives' costs every\n"
	      "                      result carries), print it (and write it with --out), exit\n"
	      "  --no-machine-profile  a run without the profile (its pairs get no predicted ratio);\n"
	      "                      a full run measures it before and after the pairs and in\n"
	      "                      each invocation (about 4 s each), and pools them\n"
	      "  --attribute OLD NEW two result files: their machine profiles side by side and,\n"
	      "                      per pair, the primitives that account for its ratio's change\n"
	      "                      (JSON on stdout; scripts/compare formats it); then exit\n"
	      "  --current-models    with --attribute: both runs' models derived again from their\n"
	      "                      profiles with today's declarations, so that a model improved\n"
	      "                      since they ran applies to both (\"models\" in the JSON says which)\n"
	      "  --make-testdata     create or repair testdata/ from testdata/recipe.txt, then exit\n"
	      "                      (sweep sizes only with --sweep)\n"
	      "  --tune              (root) governor performance, boost off, THP as --thp says;\n"
	      "                      saves what was there first, then exits\n"
	      "  --tune-reset        restore the state saved by --tune, then exit\n"
	      "  --thp MODE          with --tune: always, madvise or never\n"
	      "  --fault-around BYTES  with --tune: debugfs fault_around_bytes (4096 maps one page\n"
	      "                      per file fault; 65536 is the kernel's default)\n"
	      "  --no-aslr           the invocations run with ASLR off (one memory layout); by\n"
	      "                      default each has its own, and the result counts them\n"
	      "  --aslr              the default (kept for older command lines)\n"
	      "  --help              this text\n"
	      "  --version           print the version\n"
	      "\n"
	      "Exit status: 0 ok, 1 a pair failed (error or verify mismatch), 2 bad usage.\n",
	      f);
}

int zc_parse_args(int argc, char **argv, struct zc_options *o, char *err, size_t errlen)
{
	static const struct option longopts[] = {
		{"list", no_argument, 0, 'l'},	       {"filter", required_argument, 0, 'f'},
		{"cpu", required_argument, 0, 'c'},	       {"rounds", required_argument, 0, 'r'},
		{"min-time", required_argument, 0, 't'}, {"out", required_argument, 0, 'o'},
		{"format", required_argument, 0, 'F'},   {"quick", no_argument, 0, 'q'},
		{"sweep", no_argument, 0, 's'},	       {"help", no_argument, 0, 'h'},
		{"version", no_argument, 0, 'V'},	       {"make-testdata", no_argument, 0, 'M'},
		{"tune", no_argument, 0, 'T'},	       {"tune-reset", no_argument, 0, 'U'},
		{"thp", required_argument, 0, 'H'},	       {"aslr", no_argument, 0, 'A'},
		{"equivalence", required_argument, 0, 'E'}, {"alpha", required_argument, 0, 'a'},
		{"machine", required_argument, 0, 'm'},  {"machine-name", no_argument, 0, 'N'},
		{"reanalyse", required_argument, 0, 'R'}, {"attribute", required_argument, 0, 'B'},
		{"machine-profile", no_argument, 0, 'P'}, {"no-machine-profile", no_argument, 0, 'Q'},
		{"fault-around", required_argument, 0, 'G'},
		{"invocations", required_argument, 0, 'I'}, {"seed", required_argument, 0, 'S'},
		{"no-aslr", no_argument, 0, 'O'},	  {"compare", required_argument, 0, 'C'},
		{"invocation-worker", required_argument, 0, 'W'},
		{"current-models", no_argument, 0, 'Y'},
		{0, 0, 0, 0},
	};
	memset(o, 0, sizeof *o);
	o->cpu = -1;
	o->rounds = -1;
	o->equivalence = -1;
	o->alpha = -1;
	o->min_time = -1;
	o->invocations = -1;
	o->worker_fd = -1;
	o->argc = argc;
	o->argv = argv;
	o->format = ZC_FMT_TABLE;
	err[0] = '\0';

	optind = 0; /* reset: tests parse several command lines in one process */
	opterr = 0;
	int c;
	long lv;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'l': o->list = 1; break;
		case 'q': o->quick = 1; break;
		case 's': o->sweep = 1; break;
		case 'h': o->help = 1; break;
		case 'V': o->version = 1; break;
		case 'M': o->make_testdata = 1; break;
		case 'T': o->tune = 1; break;
		case 'U': o->tune_reset = 1; break;
		case 'A': break; /* ASLR on is the default now */
		case 'O': o->no_aslr = 1; break;
		case 'C': o->compare[0] = optarg; break;
		case 'I':
			if (zc_parse_long(optarg, 1, ZC_MAX_INVOCATIONS, &lv) != 0) {
				snprintf(err, errlen, "--invocations: '%s' is not an integer in 1..%d", optarg,
					 ZC_MAX_INVOCATIONS);
				return 2;
			}
			o->invocations = (int)lv;
			break;
		case 'S': {
			char *end;
			errno = 0;
			o->seed = strtoull(optarg, &end, 10);
			if (!*optarg || *end || errno || *optarg == '-') {
				snprintf(err, errlen, "--seed: '%s' is not a non-negative integer", optarg);
				return 2;
			}
			break;
		}
		case 'W': {
			/* fd,id,seed: set by the driver for its workers (invocation.c). */
			int fd;
			unsigned id;
			unsigned long long seed;
			if (sscanf(optarg, "%d,%u,%llu", &fd, &id, &seed) != 3 || fd < 0) {
				snprintf(err, errlen, "--invocation-worker: '%s' is not FD,ID,SEED", optarg);
				return 2;
			}
			o->worker_fd = fd;
			o->worker_index = (int)id;
			o->worker_seed = seed;
			break;
		}
		case 'H':
			if (strcmp(optarg, "always") && strcmp(optarg, "madvise") && strcmp(optarg, "never")) {
				snprintf(err, errlen, "--thp: '%s' is not one of always, madvise, never", optarg);
				return 2;
			}
			o->thp = optarg;
			break;
		case 'E':
			if (zc_parse_double(optarg, 0.1, 100, &o->equivalence) != 0) {
				snprintf(err, errlen, "--equivalence: '%s' is not a percentage in 0.1..100", optarg);
				return 2;
			}
			o->equivalence /= 100;
			break;
		case 'a':
			if (zc_parse_double(optarg, 0.0001, 0.5, &o->alpha) != 0) {
				snprintf(err, errlen, "--alpha: '%s' is not a probability in 0.0001..0.5", optarg);
				return 2;
			}
			break;
		case 'N': o->machine_name = 1; break;
		case 'R': o->reanalyse = optarg; break;
		case 'B':
			/* zcbench attribute --current-models OLD NEW: the flag came where a file goes. */
			if (strcmp(optarg, "--current-models") == 0) {
				o->current_models = 1;
				optarg = optind < argc ? argv[optind++] : NULL;
			}
			o->attribute[0] = optarg;
			break;
		case 'P': o->machine_profile = 1; break;
		case 'Y': o->current_models = 1; break;
		case 'G':
			/* The kernel takes a power of two from one page up to a page table's reach. */
			if (zc_parse_long(optarg, 4096, 2 << 20, &lv) != 0 || (lv & (lv - 1))) {
				snprintf(err, errlen, "--fault-around: '%s' is not a power of two in 4096..2097152 bytes", optarg);
				return 2;
			}
			o->fault_around = optarg;
			break;
		case 'Q': o->no_profile = 1; break;
		case 'm':
			if (!*optarg || strlen(optarg) > 64 || strspn(optarg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != strlen(optarg) || optarg[0] == '.') {
				snprintf(err, errlen, "--machine: '%s' is not a name of 1..64 letters, digits, '.', '_' or '-' (not starting with '.')", optarg);
				return 2;
			}
			o->machine = optarg;
			break;
		case 'f': o->filter = optarg; break;
		case 'o': o->out = optarg; break;
		case 'c':
			if (zc_parse_long(optarg, 0, 4095, &lv) != 0) {
				snprintf(err, errlen, "--cpu: '%s' is not a core number (0..4095)", optarg);
				return 2;
			}
			o->cpu = (int)lv;
			break;
		case 'r':
			if (zc_parse_long(optarg, 4, 100000, &lv) != 0 || lv % 2) {
				snprintf(err, errlen,
					 "--rounds: '%s' is not an even integer in 4..100000 "
					 "(rounds come in AB|BA blocks; 2 blocks per invocation is the fewest with a "
					 "within-run error)",
					 optarg);
				return 2;
			}
			o->rounds = (int)lv;
			break;
		case 't':
			if (zc_parse_double(optarg, 0.0001, 60.0, &o->min_time) != 0) {
				snprintf(err, errlen, "--min-time: '%s' is not a number of seconds in 0.0001..60",
					 optarg);
				return 2;
			}
			break;
		case 'F':
			if (strcmp(optarg, "table") == 0)
				o->format = ZC_FMT_TABLE;
			else if (strcmp(optarg, "benchstat") == 0)
				o->format = ZC_FMT_BENCHSTAT;
			else if (strcmp(optarg, "none") == 0)
				o->format = ZC_FMT_NONE;
			else if (strcmp(optarg, "json") == 0)
				o->format = ZC_FMT_JSON;
			else {
				snprintf(err, errlen, "--format: '%s' is not one of table, benchstat, none, json",
					 optarg);
				return 2;
			}
			break;
		default:
			if (optopt)
				snprintf(err, errlen, "option '-%c' needs an argument or is unknown (see --help)",
					 optopt);
			else
				snprintf(err, errlen, "unknown option '%s' (see --help)", argv[optind - 1]);
			return 2;
		}
	}
	if (o->current_models && !o->attribute[0]) {
		snprintf(err, errlen, "--current-models goes with --attribute OLD NEW");
		return 2;
	}
	if (o->attribute[0]) {
		if (optind != argc - 1) {
			snprintf(err, errlen, "--attribute needs two result files: --attribute OLD.json NEW.json");
			return 2;
		}
		o->attribute[1] = argv[optind++];
	}
	if (o->compare[0]) {
		if (optind != argc - 1) {
			snprintf(err, errlen, "--compare needs two result files: --compare OLD.json NEW.json");
			return 2;
		}
		o->compare[1] = argv[optind++];
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s' (see --help)", argv[optind]);
		return 2;
	}
	if (o->filter) {
		regex_t re;
		int rc = regcomp(&re, o->filter, REG_EXTENDED | REG_NOSUB);
		if (rc != 0) {
			char msg[128];
			regerror(rc, &re, msg, sizeof msg);
			snprintf(err, errlen, "--filter: bad regular expression '%s': %s", o->filter, msg);
			return 2;
		}
		regfree(&re);
	}
	for (int i = 0, off = 0; i < argc && off < (int)sizeof o->cmdline - 1; i++)
		off += snprintf(o->cmdline + off, sizeof o->cmdline - (size_t)off, "%s%s", i ? " " : "", argv[i]);
	if (o->format == ZC_FMT_JSON && !o->list) {
		snprintf(err, errlen, "--format json: only with --list (a run's JSON goes to --out)");
		return 2;
	}
	if (o->rounds < 0)
		o->rounds = o->quick ? 4 : 8;
	if (o->invocations < 0)
		o->invocations = o->quick ? 3 : 7;
	if (o->equivalence < 0)
		o->equivalence = 0.05;
	if (o->alpha < 0)
		o->alpha = 0.05;
	if (o->min_time < 0)
		o->min_time = o->quick ? 0.002 : 0.025;
	return 0;
}
