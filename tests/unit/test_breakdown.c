/* A pair's saving per cause: the models' difference per cause, the rest what they leave,
 * the parts summing to the measured saving; none without complete models. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "app.h"

static void term(struct zc_side_model *sm, enum zc_primitive prim, double ns)
{
	sm->m.t[sm->m.n++] = (struct zc_model_term){.prim = prim, .ns = ns};
	sm->predicted_ns += ns;
	sm->declared = 1;
}

/* write vs vmsplice, made up: the copy 600 ns, one syscall each, the pipe's work each. */
static void pair(struct zc_pair_result *r)
{
	memset(r, 0, sizeof *r);
	r->status = ZC_ST_OK;
	term(&r->side[ZC_BASELINE].model, ZC_PRIM_SYSCALL, 100);
	term(&r->side[ZC_BASELINE].model, ZC_PRIM_COPY_FROM_USER, 600);
	term(&r->side[ZC_BASELINE].model, ZC_PRIM_PIPE_WRITE, 200);
	term(&r->side[ZC_ZEROCOPY].model, ZC_PRIM_SYSCALL, 100);
	term(&r->side[ZC_ZEROCOPY].model, ZC_PRIM_PIPE_WRITE, 150);
	r->side[ZC_BASELINE].real = (struct zc_interval){1000, 950, 1060};
	r->side[ZC_ZEROCOPY].real = (struct zc_interval){200, 190, 215};
	r->saving_ns = 800;
}

static double part(const struct zc_pair_result *r, const char *cause)
{
	for (size_t i = 0; i < r->nsaving; i++)
		if (strcmp(r->saving[i].cause, cause) == 0)
			return r->saving[i].ns;
	return NAN;
}

static void test_parts_sum_to_the_saving(void **st)
{
	(void)st;
	struct zc_pair_result r;
	pair(&r);
	zc_saving_breakdown(&r);
	assert_int_equal(r.nsaving, ZC_NCAUSES + 1);
	assert_float_equal(part(&r, "copy avoided"), 600, 1e-9);
	assert_float_equal(part(&r, "syscalls and switches"), 0, 1e-9);
	assert_float_equal(part(&r, "faults and mapping"), 0, 1e-9);
	assert_float_equal(part(&r, "other modeled work"), 50, 1e-9);
	assert_float_equal(part(&r, "the rest"), 150, 1e-9);
	double sum = 0, shares = 0;
	for (size_t i = 0; i < r.nsaving; i++) {
		sum += r.saving[i].ns;
		shares += r.saving[i].share;
	}
	assert_float_equal(sum, r.saving_ns, 1e-9);
	assert_float_equal(shares, 1, 1e-12);
	/* The saving's interval from the sides' intervals, and the rest's from it. */
	assert_float_equal(r.saving_ci_low, 950 - 215, 1e-9);
	assert_float_equal(r.saving_ci_high, 1060 - 190, 1e-9);
	assert_float_equal(r.saving[ZC_NCAUSES].ci_low, 950 - 215 - 650, 1e-9);
	assert_true(isnan(r.saving[0].ci_low));
}

static void test_no_breakdown_without_complete_models(void **st)
{
	(void)st;
	struct zc_pair_result r;
	pair(&r);
	r.side[ZC_ZEROCOPY].model.predicted_ns = NAN; /* a primitive the profile lacks */
	zc_saving_breakdown(&r);
	assert_int_equal(r.nsaving, 0);
	pair(&r);
	r.side[ZC_BASELINE].model.declared = 0;
	zc_saving_breakdown(&r);
	assert_int_equal(r.nsaving, 0);
	pair(&r);
	r.status = ZC_ST_SKIPPED;
	zc_saving_breakdown(&r);
	assert_int_equal(r.nsaving, 0);
}

static void test_every_primitive_has_a_cause(void **st)
{
	(void)st;
	for (int p = 0; p < ZC_NPRIMS; p++) {
		enum zc_cause c = zc_prim_cause((enum zc_primitive)p);
		assert_true(c < ZC_NCAUSES);
		/* The per-byte copies are copies; no per-operation primitive is. */
		if (c == ZC_CAUSE_COPY)
			assert_true(zc_prim_info[p].per_byte);
	}
	assert_int_equal(zc_prim_cause(ZC_PRIM_COPY_TO_USER), ZC_CAUSE_COPY);
	assert_int_equal(zc_prim_cause(ZC_PRIM_FAULT_FILE), ZC_CAUSE_MAPPING);
	assert_int_equal(zc_prim_cause(ZC_PRIM_CTX_SWITCH), ZC_CAUSE_CALLS);
	assert_int_equal(zc_prim_cause(ZC_PRIM_XXH3), ZC_CAUSE_WORK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parts_sum_to_the_saving),
		cmocka_unit_test(test_no_breakdown_without_complete_models),
		cmocka_unit_test(test_every_primitive_has_a_cause),
	};
	return cmocka_run_group_tests_name("breakdown", tests, NULL, NULL);
}
