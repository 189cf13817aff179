/* main.c - zcbench: the command line to the command it names. */
#include <gsl/gsl_errno.h>
#include <stdio.h>
#include <string.h>

#include "app.h"

int main(int argc, char **argv)
{
	struct zc_options o;
	char err[512];
	/* A statistic GSL cannot compute comes back as NAN (a verdict of "unknown"), not as an
	 * abort that would throw a finished run away. */
	gsl_set_error_handler_off();
	if (argc > 1 && !strcmp(argv[1], "profile"))
		return zc_ioprof_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "export"))
		return zc_export_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "crossover")) {
		if (argc != 3 || argv[2][0] == '-') {
			fprintf(stderr, "usage: zcbench crossover RESULT.json\n");
			return 2;
		}
		return zc_crossover(argv[2], stdout);
	}
	int sub = zc_subcommand(argc, argv);
	if (sub < 0) {
		fprintf(stderr, "zcbench: '%s' is not a command (see zcbench --help)\n", argv[1]);
		return 2;
	}
	argc -= sub;
	if (zc_parse_args(argc, argv, &o, err, sizeof err) != 0) {
		fprintf(stderr, "zcbench: %s\n", err);
		return 2;
	}
	if (o.worker_fd >= 0) {
		zc_catch_signals();
		return zc_invocation_main(&o);
	}
	if (o.help) {
		zc_usage(stdout);
		return 0;
	}
	if (o.version) {
		printf("zcbench %s\n", ZC_VERSION);
		return 0;
	}
	if (o.list) {
		zc_list_pairs(stdout, o.format == ZC_FMT_JSON);
		return 0;
	}
	if (o.make_testdata)
		return zc_testdata_command(&o);
	if (o.reanalyse)
		return zc_reanalyse(o.reanalyse, stdout);
	if (o.attribute[0])
		return o.current_models ? zc_attribute_current_models(o.attribute[0], o.attribute[1], stdout)
					: zc_attribute(o.attribute[0], o.attribute[1], stdout);
	if (o.compare[0])
		return zc_compare(o.compare[0], o.compare[1], stdout);
	if (o.machine_name) {
		char name[128], facts[512];
		zc_machine_identity(name, sizeof name, facts, sizeof facts);
		printf("%s\n", o.machine ? o.machine : name);
		return 0;
	}
	if (o.tune)
		return zc_tune(o.thp, o.fault_around);
	if (o.tune_reset)
		return zc_tune_reset();
	if (o.machine_profile)
		return zc_machine_command(&o);
	return zc_run_command(&o);
}
