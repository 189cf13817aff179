/*
 * runner.c - calibration, warm-up, and the samples of one pair at one param.
 *
 * Each side is calibrated on its own, so both samples of a round last about --min-time
 * and see the machine at the same time scale; ratios compare time per iteration.
 * Rounds come in AB|BA blocks (analysis.h says why). Timed samples run with no perf
 * event open at all: a registered syscall tracepoint sends every syscall down the
 * kernel's slow path and would bias syscall-heavy sides. Counts come from counted
 * blocks, one after every second timed block, with the same iteration counts; they are
 * never used for a ratio, and their time against the timed samples' is the counters'
 * measured overhead. After each counted block one discarded sample per side re-warms.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "run.h"

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

/* One sample with no counter: wall time in ns, or a negative rc. */
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
 * The counted window. Its shape (counters on, clock, run, clock, counters off) is the
 * same with and without work, so an empty window measures exactly the counters' own
 * counts, which are subtracted.
 */
static int measure(struct zc_counters *ctr, const struct zc_pair *p, int side, void *state,
		   uint64_t iters, double *real_ns, uint64_t cnt[ZC_NCOUNTERS])
{
	int rc = ZC_OK;
	zc_counters_start(ctr);
	double t0 = zc_now_ns();
	if (p)
		rc = call_run(p, side, state, iters);
	double t1 = zc_now_ns();
	zc_counters_stop(ctr);
	zc_counters_read(ctr, cnt);
	*real_ns = t1 - t0;
	return rc;
}

static void counters_calibrate(struct zc_counters *ctr)
{
	uint64_t best[ZC_NCOUNTERS];
	for (int i = 0; i < ZC_NCOUNTERS; i++)
		best[i] = UINT64_MAX;
	/* The minimum over a few empty windows: a stray fault or switch is not overhead. */
	for (int k = 0; k < 16; k++) {
		uint64_t cnt[ZC_NCOUNTERS];
		double r;
		measure(ctr, NULL, 0, NULL, 0, &r, cnt);
		for (int i = 0; i < ZC_NCOUNTERS; i++)
			if (cnt[i] < best[i])
				best[i] = cnt[i];
	}
	for (int i = 0; i < ZC_NCOUNTERS; i++)
		ctr->overhead[i] = best[i] == UINT64_MAX ? 0 : best[i];
}

static void fail(struct zc_pair_result *r, enum zc_status st, const char *what)
{
	const char *m = zc_last_message();
	r->status = st;
	snprintf(r->message, sizeof r->message, "%s%s%s", what, *m ? ": " : "",
		 *m ? m : (st == ZC_ST_SKIPPED ? "" : ": no reason given"));
}

/*
 * Grows one side's iteration count until a sample lasts ~min_time, then confirms it:
 * the count is accepted only once a run at that count lands within [1/2, 2] x target
 * (a first, cold run can be many times slower than the rest); after 4 tries the last
 * count stands.
 */
int zc_calibrate(double min_time, int (*run)(void *ctx, int side, uint64_t iters, double *ns),
			  void *ctx, int side, uint64_t *out)
{
	double target = min_time * 1e9;
	uint64_t iters = 1;
	int confirming = 0;
	for (int tries = 0;;) {
		double ns;
		int rc = run(ctx, side, iters, &ns);
		if (rc != ZC_OK)
			return rc;
		if (confirming) {
			if ((ns >= target / 2 && ns <= target * 2) || ++tries >= 4 || iters >= ZC_MAX_ITERS)
				break;
		}
		if (ns >= target / 4 || iters >= ZC_MAX_ITERS) {
			double scaled = (double)iters * target / (ns > 1 ? ns : 1);
			iters = scaled < 1 ? 1 : scaled > (double)ZC_MAX_ITERS ? ZC_MAX_ITERS : (uint64_t)scaled;
			confirming = 1;
			continue;
		}
		double grow = ns > 0 ? target / ns : 10.0;
		grow = grow > 10.0 ? 10.0 : grow < 2.0 ? 2.0 : grow;
		iters = (uint64_t)ceil((double)iters * grow);
		if (zc_interrupted())
			return ZC_ERROR;
	}
	*out = iters;
	return ZC_OK;
}

/* One discarded sample of each side, `first` first (warm-up, and re-warm after a counted
 * block); ZC_ERROR with the pair failed as `what` when a sample fails. */
static int discard_samples(const struct zc_pair *p, void *state, struct zc_pair_result *r, int first,
			   const char *what)
{
	for (int j = 0; j < ZC_NSIDES; j++) {
		int s = j ? !first : first;
		double ns;
		if (time_once(p, s, state, r->side[s].iterations, &ns) != ZC_OK) {
			fail(r, ZC_ST_ERROR, what);
			return ZC_ERROR;
		}
	}
	return ZC_OK;
}

struct pair_ctx {
	const struct zc_pair *p;
	void *state;
};

static int side_time_once(void *ctx, int side, uint64_t iters, double *ns)
{
	struct pair_ctx *c = ctx;
	return time_once(c->p, side, c->state, iters, ns);
}

static double thread_switches(void)
{
	struct rusage u;
	return getrusage(RUSAGE_THREAD, &u) == 0 ? (double)(u.ru_nvcsw + u.ru_nivcsw) : NAN;
}

/* The whole machine's share of a sample (system_cpu.h), per iteration, and its totals. */
static void add_system(struct zc_side_result *sr, size_t k, const struct zc_sys_reading *a,
		       const struct zc_sys_reading *b, double overhead_ns)
{
	struct zc_sys_delta d;
	double it = (double)sr->iterations;
	if (!a || !b) {
		sr->sys_ns[k] = sr->peers_ns[k] = sr->stat_busy_ns[k] = NAN;
		return;
	}
	zc_sys_delta(a, b, &d);
	d.tasks_ns = d.tasks_ns > overhead_ns ? d.tasks_ns - overhead_ns : 0;
	sr->sys_ns[k] = d.tasks_ns / it;
	sr->peers_ns[k] = d.peers_ns / it;
	sr->stat_busy_ns[k] = d.stat_busy_ns / it;
	if (!isfinite(d.tasks_ns) || !isfinite(d.stat_busy_ns))
		return;
	sr->window_ns_sum += d.window_ns;
	sr->sys_ns_sum += d.tasks_ns;
	sr->stat_busy_ns_sum += d.stat_busy_ns;
	for (int f = 0; f < ZC_NSTAT; f++)
		sr->stat_ns_sum[f] += d.stat_ns[f];
	sr->ncpu = d.ncpu;
	for (int c = 0; c < d.ncpu; c++)
		sr->cpu_busy_ns_sum[c] += d.cpu_busy_ns[c];
}

/* One timed sample: no counter; host and whole-machine readings and the frequency probe
 * around it, all outside the clock reads. */
static int timed_sample(const struct zc_run_config *cfg, const struct zc_pair *p, int s, void *state,
			struct zc_side_result *sr, size_t k)
{
	if (before(p, s, state) != ZC_OK)
		return ZC_ERROR;
	struct zc_host_reading h0, h1;
	double g0 = zc_freq_probe(zc_now_ns);
	struct zc_sys_reading *m0 = zc_sys_read(NULL);
	zc_host_read(cfg->cpu, m0, &h0);
	double w0 = thread_switches();
	double c0 = zc_thread_cpu_ns();
	zc_outcome_side(s);
	double t0 = zc_now_ns();
	int rc = call_run(p, s, state, sr->iterations);
	double t1 = zc_now_ns();
	zc_outcome_side(-1);
	double c1 = zc_thread_cpu_ns();
	double w1 = thread_switches();
	struct zc_sys_reading *m1 = m0 ? zc_sys_read(m0) : NULL;
	zc_host_read(cfg->cpu, m1, &h1);
	double g1 = zc_freq_probe(zc_now_ns);
	double it = (double)sr->iterations;
	if (rc == ZC_OK)
		add_system(sr, k, m0, m1, cfg->sys_overhead_ns);
	zc_sys_reading_free(m0);
	zc_sys_reading_free(m1);
	if (rc != ZC_OK)
		return rc;
	sr->real_ns[k] = (t1 - t0) / it;
	sr->cpu_ns[k] = (c1 - c0) / it;
	sr->csw[k] = (w1 - w0) / it;
	sr->steal_ns[k] = h1.steal_ns - h0.steal_ns;
	sr->run_delay_ns[k] = h1.run_delay_ns - h0.run_delay_ns;
	sr->ghz_before[k] = g0;
	sr->ghz_after[k] = g1;
	sr->host_flags[k] = zc_host_flags(t1 - t0, &h0, &h1, g0, g1, cfg->ref_ghz);
	return ZC_OK;
}

/* One counted block (AB then BA), with the counters open only for its duration. */
static int counted_block(const struct zc_pair *p, void *state, struct zc_pair_result *r)
{
	struct zc_counters ctr;
	zc_counters_open(&ctr);
	counters_calibrate(&ctr);
	int rc = ZC_OK;
	for (int j = 0; j < 4 && rc == ZC_OK; j++) {
		int s = (j == 0 || j == 3) ? ZC_BASELINE : ZC_ZEROCOPY;
		struct zc_side_result *sr = &r->side[s];
		size_t k = sr->ncounted;
		uint64_t cnt[ZC_NCOUNTERS];
		double real;
		if ((rc = before(p, s, state)) != ZC_OK)
			break;
		if ((rc = measure(&ctr, p, s, state, sr->iterations, &real, cnt)) != ZC_OK)
			break;
		sr->counted_real_ns[k] = real / (double)sr->iterations;
		for (int i = 0; i < ZC_NCOUNTERS; i++) {
			if (!zc_counters_available(&ctr, (enum zc_counter)i) || cnt[i] == UINT64_MAX) {
				sr->cnt[i][k] = NAN;
				continue;
			}
			uint64_t net = cnt[i] > ctr.overhead[i] ? cnt[i] - ctr.overhead[i] : 0;
			sr->cnt[i][k] = (double)net / (double)sr->iterations;
		}
		sr->ncounted = k + 1;
	}
	zc_counters_close(&ctr);
	return rc;
}

static void run_rounds(const struct zc_run_config *cfg, const struct zc_pair *p, void *state,
		       struct zc_pair_result *r)
{
	/* A one-iteration sample (a cold cache) is short and noisy: 4x the rounds, which
	 * costs about what the other params' longer samples cost. */
	size_t n = (size_t)cfg->rounds * (r->param->flags & ZC_PARAM_SINGLE ? ZC_SINGLE_ROUNDS_FACTOR : 1);
	size_t blocks = n / 2;
	/* Counts hardly vary: one counted block per four timed ones (at least one) keeps the
	 * counters' evidence and leaves the time to the invocations. */
	size_t counted_blocks = cfg->no_counting ? 0 : blocks / 4 ? blocks / 4 : 1;
	if (zc_side_alloc(&r->side[0], n, 2 * counted_blocks) ||
	    zc_side_alloc(&r->side[1], n, 2 * counted_blocks) || !(r->ratio = calloc(n, sizeof(double))) ||
	    !(r->first = calloc(n, 1))) {
		snprintf(r->message, sizeof r->message, "out of memory for %zu rounds", n);
		r->status = ZC_ST_ERROR;
		return;
	}
	/* Warm-up: one full sample per side, thrown away (caches, TLB, branch predictors). */
	if (discard_samples(p, state, r, ZC_BASELINE, "warm-up run failed") != ZC_OK)
		return;
	/* Blocks run AB|BA; after every other counted block they run BA|AB, so that whatever
	 * a counted block leaves behind falls on each side equally often. */
	int swap = 0, ncounted_blocks = 0;
	for (size_t k = 0; k < n; k++) {
		int a = (int)(k % 2) ^ swap;
		int order[2] = {a, !a};
		r->first[k] = (unsigned char)a;
		for (int j = 0; j < 2; j++) {
			int s = order[j];
			if (zc_interrupted()) {
				fail(r, ZC_ST_ERROR, "interrupted");
				return;
			}
			if (timed_sample(cfg, p, s, state, &r->side[s], k) != ZC_OK) {
				fail(r, ZC_ST_ERROR, s == 0 ? "baseline run failed" : "zerocopy run failed");
				return;
			}
		}
		r->side[0].n = r->side[1].n = k + 1;
		r->ratio[k] = r->side[0].real_ns[k] / r->side[1].real_ns[k];
		r->rounds = k + 1;
		size_t done = (k + 1) / 2; /* whole blocks so far */
		if (k % 2 == 1 && done % 2 == 0 && r->side[0].ncounted < 2 * counted_blocks) {
			if (counted_block(p, state, r) != ZC_OK) {
				fail(r, ZC_ST_ERROR, "counted sample failed");
				return;
			}
			/* Opening and closing the counters leaves a transient (an idle gap while
			 * the tracepoint unregisters, cold caches): the next sample ran 1-6% slow,
			 * and it was always the baseline's. One discarded sample of each side
			 * takes it instead, and the order of the next blocks alternates. */
			swap = ++ncounted_blocks % 2;
			if (discard_samples(p, state, r, ZC_BASELINE, "re-warm after a counted block failed") != ZC_OK)
				return;
		}
	}
	r->status = ZC_ST_OK;
}

void zc_run_pair(const struct zc_run_config *cfg, const struct zc_pair *p,
		 const struct zc_param *param, struct zc_pair_result *r)
{
	memset(r, 0, sizeof *r);
	r->pair = p;
	r->param = param;
	r->verdict = ZC_V_UNKNOWN;
	r->status = ZC_ST_ERROR;

	double t_start = zc_now_ns();
	void *state = calloc(1, p->state_size ? p->state_size : 1);
	if (!state) {
		snprintf(r->message, sizeof r->message, "out of memory for state");
		return;
	}
	int done_pair = 0, done_side[ZC_NSIDES] = {0, 0};
	int rc = ZC_OK;
	zc_clear_message();
	zc_notes_take(r->note_key, r->note_val, 0); /* a previous param's notes are not ours */
	uint64_t stale[ZC_NSIDES][2];
	zc_outcome_take(stale);
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
	struct pair_ctx ctx = {p, state};
	for (int s = 0; s < ZC_NSIDES; s++) {
		r->side[s].iterations = 1;
		if (param->flags & ZC_PARAM_SINGLE)
			continue;
		if (zc_calibrate(cfg->min_time, side_time_once, &ctx, s, &r->side[s].iterations) != ZC_OK) {
			fail(r, ZC_ST_ERROR, zc_interrupted() ? "interrupted"
					     : s == 0 ? "baseline run failed" : "zerocopy run failed");
			goto out;
		}
	}
	run_rounds(cfg, p, state, r);
	if (r->status != ZC_ST_OK)
		goto out;
	/* A pair whose sides disagree has measured nothing worth reporting. */
	zc_clear_message();
	if (p->verify(state) != ZC_OK) {
		fail(r, ZC_ST_ERROR, "verify failed");
		goto out;
	}
	r->verified = 1;
	r->ninv = 1;
	r->inv_start[1] = r->rounds;
	for (int s = 0; s < ZC_NSIDES; s++)
		r->inv_iterations[0][s] = r->side[s].iterations;
out:
	r->nnotes = zc_notes_take(r->note_key, r->note_val, ZC_MAX_NOTES);
	uint64_t outcome[ZC_NSIDES][2];
	zc_outcome_take(outcome);
	for (int s = 0; s < ZC_NSIDES; s++) {
		r->side[s].zc_zero = outcome[s][0];
		r->side[s].zc_copied = outcome[s][1];
	}
	for (int s = ZC_NSIDES - 1; s >= 0; s--)
		if (done_side[s] && p->side[s].teardown)
			p->side[s].teardown(state);
	if (done_pair && p->teardown)
		p->teardown(state);
	free(state);
	r->inv_seconds[0] = (zc_now_ns() - t_start) / 1e9;
}

/* The harness's own loop with a side's DCE guard and nothing else. */
static int floor_run(void *ctx, int side, uint64_t iters, double *ns)
{
	(void)ctx;
	(void)side;
	double t0 = zc_now_ns();
	for (uint64_t i = 0; i < iters; i++)
		zc_use(i);
	*ns = zc_now_ns() - t0;
	return ZC_OK;
}

double zc_loop_floor_ns(const struct zc_run_config *cfg)
{
	uint64_t iters;
	if (zc_calibrate(cfg->min_time, floor_run, NULL, 0, &iters) != ZC_OK)
		return NAN;
	double t[5];
	for (int k = 0; k < 5; k++) {
		floor_run(NULL, 0, iters, &t[k]);
		t[k] /= (double)iters;
	}
	return zc_median(t, 5);
}
