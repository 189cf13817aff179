/* Option parsing: defaults, every bad number refused with 2 and a message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "app.h"

static int parse(struct zc_options *o, char *err, size_t n, const char *a1, const char *a2)
{
	char *argv[] = {(char *)"zcbench", (char *)a1, (char *)a2, NULL};
	int argc = a2 ? 3 : a1 ? 2 : 1;
	return zc_parse_args(argc, argv, o, err, n);
}

static void test_defaults(void **st)
{
	(void)st;
	struct zc_options o;
	char err[256];
	assert_int_equal(parse(&o, err, sizeof err, NULL, NULL), 0);
	assert_int_equal(o.cpu, -1);
	assert_int_equal(o.rounds, 8);
	assert_int_equal(o.invocations, 7);
	assert_float_equal(o.min_time, 0.025, 0);
	assert_null(o.out);
	assert_int_equal(o.format, ZC_FMT_TABLE);
	assert_int_equal(parse(&o, err, sizeof err, "--quick", NULL), 0);
	assert_int_equal(o.rounds, 4);
	assert_int_equal(o.invocations, 3);
	assert_true(o.min_time < 0.025);
}

static void test_values(void **st)
{
	(void)st;
	struct zc_options o;
	char err[256];
	assert_int_equal(parse(&o, err, sizeof err, "--cpu", "1"), 0);
	assert_int_equal(o.cpu, 1);
	assert_int_equal(parse(&o, err, sizeof err, "--rounds=24", NULL), 0);
	assert_int_equal(o.rounds, 24);
	assert_int_equal(parse(&o, err, sizeof err, "--invocations", "12"), 0);
	assert_int_equal(o.invocations, 12);
	assert_int_equal(parse(&o, err, sizeof err, "--seed", "42"), 0);
	assert_int_equal(o.seed, 42);
	assert_int_equal(parse(&o, err, sizeof err, "--min-time", "0.5"), 0);
	assert_float_equal(o.min_time, 0.5, 0);
	assert_int_equal(parse(&o, err, sizeof err, "--filter", "copy.*/64KiB"), 0);
	assert_string_equal(o.filter, "copy.*/64KiB");
	assert_int_equal(parse(&o, err, sizeof err, "--format", "benchstat"), 0);
	assert_int_equal(o.format, ZC_FMT_BENCHSTAT);
	assert_int_equal(parse(&o, err, sizeof err, "--out", "x.json"), 0);
	assert_string_equal(o.out, "x.json");
}

static void test_refused(void **st)
{
	(void)st;
	static const char *const bad[][2] = {
		{"--cpu", "-1"},	  {"--cpu", "x"},	     {"--cpu", "1.5"},
		{"--cpu", ""},		  {"--rounds", "5"},   {"--rounds", "0"},
		{"--rounds", "1e3"}, {"--rounds", "10x"}, {"--rounds", "9"}, {"--rounds", "2"},
		{"--invocations", "0"}, {"--invocations", "65"}, {"--seed", "-1"}, {"--seed", "x"}, {"--min-time", "0"},
		{"--min-time", "-1"},	  {"--min-time", "nan"},    {"--min-time", "inf"},
		{"--min-time", "61"},	  {"--format", "xml"},	     {"--filter", "("},
		{"--bogus", NULL},	  {"stray", NULL},	     {"--cpu", NULL},
		{"--thp", "sometimes"},	  {"--equivalence", "0"},    {"--alpha", "0.9"},
		{"--machine", "a/b"}, {"--machine", ".x"}, {"--repetitions", "10"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct zc_options o;
		char err[256] = "";
		assert_int_equal(parse(&o, err, sizeof err, bad[i][0], bad[i][1]), 2);
		assert_true(strlen(err) > 10);
	}
}

static void test_parse_numbers(void **st)
{
	(void)st;
	long l;
	double d;
	assert_int_equal(zc_parse_long("42", 0, 100, &l), 0);
	assert_int_equal(l, 42);
	assert_int_equal(zc_parse_long("101", 0, 100, &l), -1);
	assert_int_equal(zc_parse_long("99999999999999999999", 0, 100, &l), -1);
	assert_int_equal(zc_parse_double("1e-3", 0, 1, &d), 0);
	assert_float_equal(d, 1e-3, 0);
	assert_int_equal(zc_parse_double("0.5s", 0, 1, &d), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_parse_numbers),
	};
	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
