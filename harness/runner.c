/*
 * runner.c - calibration, warm-up and interleaved rounds for one pair at one param.
 *
 * Both sides run the same iteration count, so a round's ratio compares equal work.
 * Rounds alternate AB, BA, AB, ... (ABBA): a slow drift of the machine (frequency,
 * another tenant) adds to both sides alike instead of to whichever ran second.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* Upper bound on a sample's iterations: a run() that does nothing must not spin forever. */
#define ZC_MAX_ITERS 10000000000ULL

static int call_run(const struct zc_pair *p, int side, void *state, uint64_t iters)
{
	zc_clear_message();
	return p->side[side].run(state, iters);
}

static int before(const struct zc_pair *p, int side, void *state)
{
	zc_clear_message();
	return p->side[side].before_sample ? p->side[side].before_sample(state) : ZC_OK;
}

/* One untimed-by-counters run, for calibration: wall time in ns or a negative rc. */
static int time_once(const struct zc_pair *p, int side, void *state, uint64_t iters, double *ns)
{
	int rc = before(p, side, state);
	if (rc != ZC_OK)
		return rc;
	double t0 = zc_now_ns();
	rc = call_run(p, side, state, iters);
	*ns = zc_now_ns() - t0;
	return rc;
}

/*
 * The measured window. Its shape (counters on, CPU clock, wall clock, run, wall clock,
 * CPU clock, counters off) is the same with and without work, so an empty window
 * measures exactly the counters' own overhead.
 */
static int measure(struct zc_counters *ctr, const struct zc_pair *p, int side, void *state,
		   uint64_t iters, double *real_ns, double *cpu_ns, uint64_t cnt[ZC_NCOUNTERS])
{
	int rc = ZC_OK;
	zc_counters_start(ctr);
	double c0 = zc_thread_cpu_ns();
	double t0 = zc_now_ns();
	if (p)
		rc = call_run(p, side, state, iters);
	double t1 = zc_now_ns();
	double c1 = zc_thread_cpu_ns();
	zc_counters_stop(ctr);
	zc_counters_read(ctr, cnt);
	*real_ns = t1 - t0;
	*cpu_ns = c1 - c0;
	return rc;
}

void zc_counters_calibrate(struct zc_counters *ctr)
{
	uint64_t best[ZC_NCOUNTERS];
	for (int i = 0; i < ZC_NCOUNTERS; i++)
		best[i] = UINT64_MAX;
	/* The minimum over a few empty windows: a stray fault or switch is not overhead. */
	for (int k = 0; k < 16; k++) {
		uint64_t cnt[ZC_NCOUNTERS];
		double r, c;
		measure(ctr, NULL, 0, NULL, 0, &r, &c, cnt);
		for (int i = 0; i < ZC_NCOUNTERS; i++)
			if (cnt[i] < best[i])
				best[i] = cnt[i];
	}
	for (int i = 0; i < ZC_NCOUNTERS; i++)
		ctr->overhead[i] = best[i] == UINT64_MAX ? 0 : best[i];
}

static int alloc_side(struct zc_side_result *s, size_t n)
{
	memset(s, 0, sizeof *s);
	s->real_ns = calloc(n, sizeof(double));
	s->cpu_ns = calloc(n, sizeof(double));
	int ok = s->real_ns && s->cpu_ns;
	for (int i = 0; i < ZC_NCOUNTERS; i++) {
		s->cnt[i] = calloc(n, sizeof(double));
		ok = ok && s->cnt[i];
	}
	return ok ? 0 : -1;
}

void zc_pair_result_free(struct zc_pair_result *r)
{
	for (int s = 0; s < ZC_NSIDES; s++) {
		free(r->side[s].real_ns);
		free(r->side[s].cpu_ns);
		for (int i = 0; i < ZC_NCOUNTERS; i++)
			free(r->side[s].cnt[i]);
	}
	free(r->ratio);
	memset(r->side, 0, sizeof r->side);
	r->ratio = NULL;
}

static void fail(struct zc_pair_result *r, enum zc_status st, const char *what)
{
	const char *m = zc_last_message();
	r->status = st;
	snprintf(r->message, sizeof r->message, "%s%s%s", what, *m ? ": " : "",
		 *m ? m : (st == ZC_ST_SKIPPED ? "" : ": no reason given"));
}

/* Grows the shared iteration count until the slower side's sample lasts ~min_time. */
static int calibrate(const struct zc_run_config *cfg, const struct zc_pair *p, void *state,
		     struct zc_pair_result *r)
{
	uint64_t iters = 1;
	int confirmed = 0;
	if (r->param->flags & ZC_PARAM_SINGLE) {
		r->iterations = 1;
		return 0;
	}
	for (;;) {
		double tmax = 0;
		for (int s = 0; s < ZC_NSIDES; s++) {
			double ns;
			if (time_once(p, s, state, iters, &ns) != ZC_OK) {
				fail(r, ZC_ST_ERROR, s == 0 ? "baseline run failed" : "zerocopy run failed");
				return -1;
			}
			if (ns > tmax)
				tmax = ns;
		}
		double target = cfg->min_time * 1e9;
		if (tmax >= target / 4 || iters >= ZC_MAX_ITERS) {
			double scaled = (double)iters * target / (tmax > 1 ? tmax : 1);
			uint64_t next = scaled < 1 ? 1 : scaled > (double)ZC_MAX_ITERS ? ZC_MAX_ITERS : (uint64_t)scaled;
			/* A first, cold run can be many times slower than the rest: accept the
			 * count only once a run near the target confirms it. */
			if (tmax <= target * 2 || confirmed++ >= 3) {
				iters = next;
				break;
			}
			iters = next;
			continue;
		}
		double grow = tmax > 0 ? target / tmax : 10.0;
		grow = grow > 10.0 ? 10.0 : grow < 2.0 ? 2.0 : grow;
		iters = (uint64_t)ceil((double)iters * grow);
		if (zc_interrupted()) {
			fail(r, ZC_ST_ERROR, "interrupted");
			return -1;
		}
	}
	r->iterations = iters;
	return 0;
}

static void summarize_side(struct zc_side_result *s, uint64_t iters,
			   const uint64_t tot[ZC_NCOUNTERS], const int have[ZC_NCOUNTERS])
{
	zc_summarize(s->real_ns, s->n, &s->real);
	zc_summarize(s->cpu_ns, s->n, &s->cpu);
	for (int i = 0; i < ZC_NCOUNTERS; i++)
		s->cnt_per_iter[i] = have[i] && s->n ? (double)tot[i] / ((double)iters * (double)s->n)
						       : NAN;
}

static void run_rounds(const struct zc_run_config *cfg, struct zc_counters *ctr,
		       const struct zc_pair *p, void *state, struct zc_pair_result *r)
{
	size_t n = (size_t)(cfg->max_rounds > cfg->repetitions ? cfg->max_rounds : cfg->repetitions);
	size_t min_rounds = (size_t)cfg->repetitions;
	uint64_t tot[ZC_NSIDES][ZC_NCOUNTERS] = {{0}};
	int have[ZC_NCOUNTERS];
	for (int i = 0; i < ZC_NCOUNTERS; i++)
		have[i] = zc_counters_available(ctr, (enum zc_counter)i);

	if (alloc_side(&r->side[0], n) || alloc_side(&r->side[1], n) ||
	    !(r->ratio = calloc(n, sizeof(double)))) {
		snprintf(r->message, sizeof r->message, "out of memory for %zu rounds", n);
		r->status = ZC_ST_ERROR;
		return;
	}
	/* Warm-up: one full sample per side, thrown away (caches, TLB, branch predictors). */
	for (int s = 0; s < ZC_NSIDES; s++) {
		double ns;
		if (time_once(p, s, state, r->iterations, &ns) != ZC_OK) {
			fail(r, ZC_ST_ERROR, "warm-up run failed");
			return;
		}
	}
	double t_start = zc_now_ns();
	for (size_t k = 0; k < n; k++) {
		/* Adaptive rounds: past the minimum, stop at an even count (whole ABBA blocks)
		 * once the ratio's interval is narrow enough or the pair's time is spent. */
		if (k >= min_rounds && k % 2 == 0) {
			struct zc_summary q;
			zc_summarize(r->ratio, k, &q);
			double w = zc_ci_half_width(&q);
			if ((isfinite(w) && w <= cfg->target_ci) || (zc_now_ns() - t_start) * 1e-9 > cfg->pair_time)
				break;
		}
		int order[2] = {k % 2 ? 1 : 0, k % 2 ? 0 : 1};
		for (int j = 0; j < 2; j++) {
			int s = order[j];
			struct zc_side_result *sr = &r->side[s];
			uint64_t cnt[ZC_NCOUNTERS];
			double real, cpu;
			if (zc_interrupted()) {
				fail(r, ZC_ST_ERROR, "interrupted");
				return;
			}
			if (before(p, s, state) != ZC_OK) {
				fail(r, ZC_ST_ERROR, s == 0 ? "baseline before_sample failed"
							    : "zerocopy before_sample failed");
				return;
			}
			if (measure(ctr, p, s, state, r->iterations, &real, &cpu, cnt) != ZC_OK) {
				fail(r, ZC_ST_ERROR, s == 0 ? "baseline run failed" : "zerocopy run failed");
				return;
			}
			sr->real_ns[k] = real / (double)r->iterations;
			sr->cpu_ns[k] = cpu / (double)r->iterations;
			for (int i = 0; i < ZC_NCOUNTERS; i++) {
				if (!have[i] || cnt[i] == UINT64_MAX) {
					sr->cnt[i][k] = NAN;
					continue;
				}
				uint64_t net = cnt[i] > ctr->overhead[i] ? cnt[i] - ctr->overhead[i] : 0;
				tot[s][i] += net;
				sr->cnt[i][k] = (double)net / (double)r->iterations;
			}
		}
		r->side[0].n = r->side[1].n = k + 1;
		r->ratio[k] = r->side[0].real_ns[k] / r->side[1].real_ns[k];
		r->rounds = k + 1;
	}
	for (int s = 0; s < ZC_NSIDES; s++)
		summarize_side(&r->side[s], r->iterations, tot[s], have);
	zc_summarize(r->ratio, r->rounds, &r->ratio_summary);
	zc_stability(r);
	r->status = ZC_ST_OK;
}

void zc_stability(struct zc_pair_result *r)
{
	const struct zc_summary *q = &r->ratio_summary;
	size_t h = r->rounds / 2;
	r->raw_verdict = zc_verdict(q->ci_low, q->ci_high);
	r->verdict = r->raw_verdict;
	r->stability[0] = '\0';
	r->half_ratio[0] = zc_median(r->ratio, h);
	r->half_ratio[1] = zc_median(r->ratio + (r->rounds - h), h);
	r->ci_width = zc_ci_half_width(q);
	if (strcmp(r->raw_verdict, "unknown") == 0)
		return;
	/* Held: each half of the rounds, on its own, leans the way the whole run says. */
	if (strcmp(r->raw_verdict, "faster") == 0)
		r->held = r->half_ratio[0] > 1 && r->half_ratio[1] > 1;
	else if (strcmp(r->raw_verdict, "slower") == 0)
		r->held = r->half_ratio[0] < 1 && r->half_ratio[1] < 1;
	else
		r->held = 1;
	if (!r->held)
		snprintf(r->stability, sizeof r->stability,
			 "verdict did not hold: first half of the rounds %.3fx, second half %.3fx", r->half_ratio[0],
			 r->half_ratio[1]);
	else if (strcmp(r->raw_verdict, "same") == 0 && r->ci_width > ZC_SAME_MAX_WIDTH)
		snprintf(r->stability, sizeof r->stability,
			 "interval +-%.0f%% too wide to call 'same' (limit +-%.0f%%): more rounds (--max-rounds) or a quieter machine",
			 r->ci_width * 100, ZC_SAME_MAX_WIDTH * 100);
	if (r->stability[0])
		r->verdict = "unstable";
}

void zc_run_pair(const struct zc_run_config *cfg, struct zc_counters *ctr,
		 const struct zc_pair *p, const struct zc_param *param, struct zc_pair_result *r)
{
	memset(r, 0, sizeof *r);
	r->pair = p;
	r->param = param;
	r->verdict = r->raw_verdict = "unknown";
	r->status = ZC_ST_ERROR;

	void *state = calloc(1, p->state_size ? p->state_size : 1);
	if (!state) {
		snprintf(r->message, sizeof r->message, "out of memory for state");
		return;
	}
	int done_pair = 0, done_side[ZC_NSIDES] = {0, 0};
	int rc = ZC_OK;
	zc_clear_message();
	if (p->setup && (rc = p->setup(state, param)) != ZC_OK) {
		fail(r, rc == ZC_SKIP ? ZC_ST_SKIPPED : ZC_ST_ERROR,
		     rc == ZC_SKIP ? "skipped" : "setup failed");
		goto out;
	}
	done_pair = 1;
	for (int s = 0; s < ZC_NSIDES; s++) {
		zc_clear_message();
		if (p->side[s].setup && (rc = p->side[s].setup(state, param)) != ZC_OK) {
			fail(r, rc == ZC_SKIP ? ZC_ST_SKIPPED : ZC_ST_ERROR,
			     rc == ZC_SKIP ? "skipped" : s == 0 ? "baseline setup failed"
							    : "zerocopy setup failed");
			goto out;
		}
		done_side[s] = 1;
	}
	if (calibrate(cfg, p, state, r) != 0)
		goto out;
	run_rounds(cfg, ctr, p, state, r);
	if (r->status != ZC_ST_OK)
		goto out;
	/* A pair whose sides disagree has measured nothing worth reporting. */
	zc_clear_message();
	if (p->verify(state) != ZC_OK) {
		fail(r, ZC_ST_ERROR, "verify failed");
		goto out;
	}
	r->verified = 1;
out:
	for (int s = ZC_NSIDES - 1; s >= 0; s--)
		if (done_side[s] && p->side[s].teardown)
			p->side[s].teardown(state);
	if (done_pair && p->teardown)
		p->teardown(state);
	free(state);
}
