/*
 * primitives.c - the primitives the pairs are made of (the table beside enum zc_primitive
 * in zcbench.h) and a machine's costs of them: lookup by key and size, the second
 * measurement folded in, and their JSON. Measuring them is costs/measure.c.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "catalog.h"

#define MIB(x) ((size_t)(x) << 20)

const size_t zc_costs_sizes[ZC_PROFILE_NSIZES] = {4096, 65536, 4u << 20, 64u << 20};

const struct zc_prim_info zc_prim_info[ZC_NPRIMS] = {
	[ZC_PRIM_SYSCALL] = {"syscall", 0, "getppid(): a bare syscall's entry and exit",
			     "mitigations kernel_release hypervisor cpu"},
	[ZC_PRIM_PREAD_0] = {"pread_0", 0, "pread of 0 bytes from a cached file: a file syscall's fixed cost",
			     "mitigations kernel_release hypervisor cpu"},
	[ZC_PRIM_PREAD_4KIB] = {"pread_4KiB", 0, "pread of 4 KiB from the page cache",
				"mitigations kernel_release hypervisor cpu"},
	[ZC_PRIM_FAULT_ANON] = {"fault_anon", 0, "a minor fault on fresh anonymous memory (4 MiB mapping, every page written)",
				"thp_enabled thp_defrag kernel_release hypervisor"},
	[ZC_PRIM_FAULT_FILE] = {"fault_file", 0, "a minor fault on a one-page mapping of a cached 4 KiB file",
				"fault_around_bytes file_fault_pages thp_enabled kernel_release hypervisor"},
	[ZC_PRIM_FAULT_AROUND_PAGE] = {"fault_around_page", 0,
				       "each further page a fault maps around it: a 4 MiB mapping read once (XXH3), less "
				       "its mmap + munmap, its faults and a warm XXH3, per 4 KiB page",
				       "fault_around_bytes file_fault_pages folios thp_enabled kernel_release hypervisor"},
	[ZC_PRIM_MMAP_MUNMAP] = {"mmap_munmap", 0, "mmap + munmap of a cached 4 KiB file, nothing touched",
				 "mitigations kernel_release hypervisor"},
	[ZC_PRIM_POPULATE_PAGE] = {"populate_page", 0, "mmap(MAP_POPULATE) of a cached 4 MiB file, per 4 KiB page",
				   "fault_around_bytes thp_enabled kernel_release hypervisor"},
	[ZC_PRIM_TOUCH_PAGE] = {"touch_page", 0,
				"the first pass over a just-populated mapping (XXH3 of it, less a warm XXH3), per "
				"4 KiB page: TLB misses, and a hypervisor's page tables",
				"hypervisor kernel_release thp_enabled"},
	[ZC_PRIM_PIPE_WAKEUP] = {"pipe_wakeup", 0, "one-byte round trip through two pipes, peer on another core",
				 "kernel_release hypervisor mitigations"},
	[ZC_PRIM_CTX_SWITCH] = {"context_switch", 0, "a pipe round trip between two processes on one core, halved",
				"kernel_release hypervisor mitigations"},
	[ZC_PRIM_TCP_RTT] = {"tcp_rtt", 0, "one-byte round trip over loopback TCP (TCP_NODELAY), peer on another core",
			     "kernel_release hypervisor mitigations"},
	[ZC_PRIM_MEMCPY] = {"memcpy", 1, "memcpy, page-aligned source and destination", "cpu caches thp_enabled"},
	[ZC_PRIM_MEMCPY_UNALIGNED] = {"memcpy_unaligned", 1, "memcpy to a destination 3 bytes past a page",
				      "cpu caches"},
	[ZC_PRIM_COPY_TO_USER] = {"copy_to_user", 1,
				  "pread's copy out of cached pages: (pread of n - pread of 0) / n; the test file cached "
				  "by 128 KiB reads",
				  "cpu mitigations kernel_release folios"},
	[ZC_PRIM_COPY_TO_USER_READ4K] = {"copy_to_user_read4K", 1,
					 "copy_to_user at 4 MiB from the file cached by 4 KiB reads (readahead's folios)",
					 "cpu mitigations kernel_release folios"},
	[ZC_PRIM_COPY_TO_USER_READ4M] = {"copy_to_user_read4M", 1,
					 "copy_to_user at 4 MiB from the file cached by one 4 MiB read (4 KiB folios on 6.18)",
					 "cpu mitigations kernel_release folios"},
	[ZC_PRIM_COPY_FROM_USER] = {"copy_from_user", 1,
				    "pwrite's copy into cached pages of a memfd: (pwrite of n - pwrite of 0) / n",
				    "cpu mitigations kernel_release"},
	[ZC_PRIM_XXH3] = {"xxh3", 1, "XXH3_64bits (libxxhash, runtime dispatch)", "cpu xxhash_version"},
	[ZC_PRIM_SHA256] = {"sha256", 1, "SHA-256 (OpenSSL EVP)", "cpu openssl_version"},
	[ZC_PRIM_TCP_SEND] = {"tcp_send", 1,
			      "send of n bytes over loopback TCP to a peer on another core draining it (recv "
			      "MSG_TRUNC), less a syscall, copy_from_user of n and the switches and wake-ups counted, per byte",
			      "kernel_release hypervisor mitigations cpu"},
	[ZC_PRIM_TCP_RECV] = {"tcp_recv", 1,
			      "recv of n bytes over loopback TCP from a peer on another core sending without "
			      "pause, less a syscall, copy_to_user of n and the switches and wake-ups counted, per byte",
			      "kernel_release hypervisor mitigations cpu"},
	[ZC_PRIM_UNIX_SEND] = {"unix_send", 1,
			       "send of n bytes over an AF_UNIX stream to a peer on another core reading it, less "
			       "a syscall, copy_from_user of n and the switches and wake-ups counted, per byte",
			       "kernel_release hypervisor mitigations cpu"},
	[ZC_PRIM_PIPE_WRITE] = {"pipe_write", 1,
				"write of n bytes into a pipe of 4n (at most 1 MiB) a peer on another core "
				"drains (splice to /dev/null), less a syscall, copy_from_user of n and the switches "
				"and wake-ups counted, per byte",
				"kernel_release hypervisor mitigations cpu"},
	[ZC_PRIM_IO_URING_OP] = {"io_uring_op", 0,
				 "an io_uring request's submission and completion: 32 NOPs per io_uring_enter less "
				 "1 NOP per io_uring_enter, per further NOP",
				 "kernel_release hypervisor mitigations cpu"},
	[ZC_PRIM_PIN_PAGE] = {"pin_page", 0,
			      "pinning a page of user memory and letting it go: io_uring_register_buffers + "
			      "unregister of 1 MiB less of 4 KiB, per further 4 KiB page",
			      "kernel_release hypervisor thp_enabled cpu"},
	[ZC_PRIM_WAKEUP] = {"wakeup", 0,
			    "a 1-byte write into a pipe whose reader sleeps on another core, less one into a "
			    "pipe no one waits on: the write's own time, per wake-up",
			    "kernel_release hypervisor mitigations cpu"},
	[ZC_PRIM_PIPE_SPLICE] = {"pipe_splice", 1,
				 "splice of n bytes of a memfd's cached 4 KiB pages into a pipe of 4n (at most 1 "
				 "MiB) a peer on another core drains (splice to /dev/null), less a syscall and the "
				 "switches and wake-ups counted, per byte: the pipe's work on pages it references",
				 "kernel_release hypervisor mitigations cpu"},
	[ZC_PRIM_CACHE_FILL] = {"cache_fill", 1,
				"reading a file from its storage into the page cache: a pread of the 4 MiB test "
				"file in one call just after it was evicted (the eviction untimed), less the same "
				"pread warm, per byte at 4 MiB",
				"kernel_release hypervisor"},
	[ZC_PRIM_TCP_RECV_PAGES] = {"tcp_recv_pages", 1,
				    "tcp_recv with one 4 KiB page a segment: recv of n bytes over the lo of zcbench's "
				    "network namespace (TCP_MAXSEG 4108, as the tcp_mmap selftest) from a peer on "
				    "another core sending without pause, less a syscall, copy_to_user of n and the "
				    "switches and wake-ups counted, per byte",
				    "kernel_release hypervisor mitigations cpu"},
	[ZC_PRIM_TASK_KICK] = {"task_kick", 0,
			       "a 1-byte write into a pipe on which a task running on another core has an io_uring "
			       "read armed, less the same write when its ring is IORING_SETUP_COOP_TASKRUN: the IPI "
			       "that makes the task run its task work (kick_process), the waker's time, per kick",
			       "kernel_release hypervisor mitigations cpu"},
};

int zc_prim_from_key(const char *key)
{
	for (int i = 0; i < ZC_NPRIMS; i++)
		if (strcmp(zc_prim_info[i].key, key) == 0)
			return i;
	return -1;
}

const char *const zc_cause_name[ZC_NCAUSES] = {"copy avoided", "syscalls and switches", "faults and mapping",
						 "other modeled work"};

enum zc_cause zc_prim_cause(enum zc_primitive prim)
{
	switch (prim) {
	case ZC_PRIM_MEMCPY:
	case ZC_PRIM_MEMCPY_UNALIGNED:
	case ZC_PRIM_COPY_TO_USER:
	case ZC_PRIM_COPY_TO_USER_READ4K:
	case ZC_PRIM_COPY_TO_USER_READ4M:
	case ZC_PRIM_COPY_FROM_USER:
		return ZC_CAUSE_COPY;
	case ZC_PRIM_SYSCALL:
	case ZC_PRIM_PREAD_0:
	case ZC_PRIM_PREAD_4KIB:
	case ZC_PRIM_PIPE_WAKEUP:
	case ZC_PRIM_CTX_SWITCH:
	case ZC_PRIM_TCP_RTT:
	case ZC_PRIM_IO_URING_OP:
	case ZC_PRIM_WAKEUP:
	case ZC_PRIM_TASK_KICK:
		return ZC_CAUSE_CALLS;
	case ZC_PRIM_FAULT_ANON:
	case ZC_PRIM_FAULT_FILE:
	case ZC_PRIM_FAULT_AROUND_PAGE:
	case ZC_PRIM_MMAP_MUNMAP:
	case ZC_PRIM_POPULATE_PAGE:
	case ZC_PRIM_TOUCH_PAGE:
	case ZC_PRIM_PIN_PAGE:
		return ZC_CAUSE_MAPPING;
	default:
		return ZC_CAUSE_WORK;
	}
}

/* ---- use ---- */

/* One primitive (at one size) over the measurements: before (a), after (b, or NULL) and
 * the invocations' own (each[0..n)). Six or more: their median with its order-statistics
 * interval (between-measurement spread, the one a re-run sees); fewer: their mean, the
 * interval spanning theirs. Drift: after / before. */
static void pool_one(struct zc_interval *a, const struct zc_interval *b, const struct zc_interval *const *each,
		     size_t n, double *drift)
{
	*drift = b && isfinite(a->value) && isfinite(b->value) ? b->value / a->value : NAN;
	double x[2 + ZC_POOL_MAX], sum = 0, lo = INFINITY, hi = -INFINITY;
	size_t m = 0;
	for (size_t k = 0; k < 2 + n && k < 2 + ZC_POOL_MAX; k++) {
		const struct zc_interval *v = k == 0 ? a : k == 1 ? b : each[k - 2];
		if (!v || !isfinite(v->value))
			continue;
		x[m++] = v->value;
		sum += v->value;
		lo = fmin(lo, v->ci_low);
		hi = fmax(hi, v->ci_high);
	}
	if (m == 0)
		return;
	struct zc_summary s;
	zc_summarize(x, m, &s);
	if (isfinite(s.ci_low) && isfinite(s.ci_high))
		*a = (struct zc_interval){s.median, s.ci_low, s.ci_high};
	else
		*a = (struct zc_interval){sum / (double)m, lo, hi};
}

void zc_costs_pool(struct zc_costs *pf, const struct zc_costs *after, const struct zc_costs *each, size_t n)
{
	if (n > ZC_POOL_MAX)
		n = ZC_POOL_MAX;
	if (after && !after->measured)
		after = NULL;
	const struct zc_interval *iv[ZC_POOL_MAX];
	size_t used = 0;
	for (size_t k = 0; k < n; k++)
		used += each[k].measured != 0;
	if (!after && used == 0)
		return;
	for (int p = 0; p < ZC_NPRIMS; p++) {
		size_t m = 0;
		for (size_t k = 0; k < n; k++)
			if (each[k].measured)
				iv[m++] = &each[k].op[p];
		pool_one(&pf->op[p], after ? &after->op[p] : NULL, iv, m, &pf->op_drift[p]);
		for (int z = 0; z < ZC_PROFILE_NSIZES; z++) {
			m = 0;
			for (size_t k = 0; k < n; k++)
				if (each[k].measured)
					iv[m++] = &each[k].rate[p][z];
			pool_one(&pf->rate[p][z], after ? &after->rate[p][z] : NULL, iv, m, &pf->rate_drift[p][z]);
		}
		/* Measured by any of them: no longer unavailable. */
		int got = after && !after->why[p][0];
		for (size_t k = 0; k < n; k++)
			got |= each[k].measured && !each[k].why[p][0];
		if (pf->why[p][0] && got)
			pf->why[p][0] = 0;
		if (after && !isfinite(pf->op_floored[p]))
			pf->op_floored[p] = after->op_floored[p];
		for (int z = 0; after && z < ZC_PROFILE_NSIZES; z++)
			if (!isfinite(pf->rate_floored[p][z]))
				pf->rate_floored[p][z] = after->rate_floored[p][z];
	}
	pf->seconds += after ? after->seconds : 0;
	for (size_t k = 0; k < n; k++)
		pf->seconds += each[k].measured ? each[k].seconds : 0;
	pf->measurements = 1 + (after != NULL) + (int)used;
	pf->invocation_measurements = (int)used;
	pf->combined = 1;
}

void zc_costs_combine(struct zc_costs *pf, const struct zc_costs *after)
{
	zc_costs_pool(pf, after, NULL, 0);
}

double zc_costs_cost(const struct zc_costs *pf, enum zc_primitive prim, size_t size)
{
	if (!pf || (int)prim < 0 || prim >= ZC_NPRIMS)
		return NAN;
	if (!zc_prim_info[prim].per_byte)
		return pf->op[prim].value;
	/* ns per byte at `size`: linear in log(size) between the two measured sizes around it,
	 * the nearest measured size outside them. */
	const struct zc_interval *r = pf->rate[prim];
	int lo = -1, hi = -1;
	for (int z = 0; z < ZC_PROFILE_NSIZES; z++) {
		if (!isfinite(r[z].value))
			continue;
		if (zc_costs_sizes[z] <= size)
			lo = z;
		if (zc_costs_sizes[z] >= size && hi < 0)
			hi = z;
	}
	double per_byte;
	if (lo < 0 && hi < 0)
		return NAN;
	if (lo < 0 || hi < 0 || lo == hi) {
		per_byte = r[lo < 0 ? hi : lo].value;
	} else {
		double x = (log((double)size) - log((double)zc_costs_sizes[lo])) /
			   (log((double)zc_costs_sizes[hi]) - log((double)zc_costs_sizes[lo]));
		per_byte = r[lo].value + x * (r[hi].value - r[lo].value);
	}
	return per_byte * (double)size;
}

/* A value below zero that the profile floored at 0 (a zeroed struct holds 0: none). */
static json_t *floored(double v)
{
	return v < 0 ? json_real(v) : json_null();
}

json_t *zc_costs_json(const struct zc_costs *pf)
{
	json_t *o = json_object();
	json_object_set_new(o, "measured", json_boolean(pf->measured));
	json_object_set_new(o, "error", pf->error[0] ? json_string(pf->error) : json_null());
	json_object_set_new(o, "method",
			    json_string("each primitive calibrated to the sample time, then samples of it; median with "
					"its order-statistics interval (95%); derived ones subtract a base measured the "
					"same way (machine/profile.c)"));
	json_object_set_new(o, "samples", json_integer(ZC_PROFILE_SAMPLES));
	const char *when = !pf->combined ? "once"
			   : pf->invocation_measurements == 0
				   ? "before and after the pairs: median = their mean, interval spans both, drift = after / before"
				   : "before and after the pairs, and in each invocation after its pairs (up to 4 MiB): "
				     "median of the measurements with its order-statistics interval where there are 6 or "
				     "more (their mean and the span of their intervals where fewer), drift = after / before";
	json_object_set_new(o, "when", json_string(when));
	json_object_set_new(o, "measurements", json_integer(!pf->measured ? 0 : pf->combined ? pf->measurements : 1));
	json_object_set_new(o, "invocation_measurements", json_integer(pf->invocation_measurements));
	json_object_set_new(o, "seconds", zc_json_number(pf->seconds));
	json_t *prims = json_object();
	for (int p = 0; p < ZC_NPRIMS; p++) {
		const struct zc_prim_info *in = &zc_prim_info[p];
		json_t *e = json_object(), *iv;
		json_object_set_new(e, "what", json_string(in->what));
		json_object_set_new(e, "unit", json_string(in->per_byte ? "ns_per_byte" : "ns"));
		if (in->per_byte) {
			json_t *sz = json_object();
			for (int z = 0; z < ZC_PROFILE_NSIZES; z++) {
				char name[32];
				zc_size_name(zc_costs_sizes[z], name, sizeof name);
				json_t *v = zc_interval_json(pf->rate[p][z]);
				double bps = pf->rate[p][z].value > 0 ? 1e9 / pf->rate[p][z].value : NAN;
				json_object_set_new(v, "bytes_per_second", zc_json_number(bps));
				json_object_set_new(v, "drift", pf->combined ? zc_json_number(pf->rate_drift[p][z]) : json_null());
				json_object_set_new(v, "floored_from", floored(pf->rate_floored[p][z]));
				json_object_set_new(sz, name, v);
			}
			json_object_set_new(e, "sizes", sz);
		} else {
			json_object_update(e, iv = zc_interval_json(pf->op[p]));
			json_decref(iv);
			json_object_set_new(e, "drift", pf->combined ? zc_json_number(pf->op_drift[p]) : json_null());
			json_object_set_new(e, "floored_from", floored(pf->op_floored[p]));
		}
		json_object_set_new(e, "unavailable", pf->why[p][0] ? json_string(pf->why[p]) : json_null());
		json_object_set_new(prims, in->key, e);
	}
	json_object_set_new(o, "primitives", prims);
	json_t *st = json_object();
	json_object_set_new(st, "fault_around_bytes", json_string(pf->fault_around_bytes));
	json_object_set_new(st, "file_fault_pages", zc_json_number(pf->file_fault_pages));
	json_object_set_new(st, "anon_fault_pages", zc_json_number(pf->anon_fault_pages));
	json_object_set_new(st, "thp_enabled", json_string(pf->thp_enabled));
	json_object_set_new(st, "thp_defrag", json_string(pf->thp_defrag));
	json_object_set_new(st, "llc_bytes", json_integer(pf->llc_bytes));
	json_t *soft = json_object();
	for (int p = 0; p < ZC_NPRIMS; p++)
		if (isfinite(pf->softirq_share[p]))
			json_object_set_new(soft, zc_prim_info[p].key, json_real(pf->softirq_share[p]));
	json_object_set_new(st, "softirq_share", soft);
	char name[32];
	zc_size_name(pf->max_size, name, sizeof name);
	json_object_set_new(st, "largest_size", json_string(name));
	json_t *fol = json_object();
	static const char *const fname[3] = {"random-4KiB.bin", "random-64KiB.bin", "random-4MiB.bin"};
	for (int i = 0; i < 3; i++)
		json_object_set_new(fol, fname[i], json_string(pf->folios[i][0] ? pf->folios[i] : "unknown"));
	json_object_set_new(st, "folios", fol);
	json_object_set_new(o, "settings", st);
	return o;
}

static struct zc_interval interval_from(const json_t *o)
{
	return (struct zc_interval){zc_json_num(o, "median"), zc_json_num(o, "ci_low"), zc_json_num(o, "ci_high")};
}

static void string_from(char *out, size_t len, const json_t *v)
{
	snprintf(out, len, "%s", json_is_string(v) ? json_string_value(v) : "");
}

void zc_costs_init(struct zc_costs *pf)
{
	memset(pf, 0, sizeof *pf);
	for (int p = 0; p < ZC_NPRIMS; p++) {
		pf->op[p] = (struct zc_interval){NAN, NAN, NAN};
		pf->softirq_share[p] = pf->op_drift[p] = pf->op_floored[p] = NAN;
		for (int z = 0; z < ZC_PROFILE_NSIZES; z++) {
			pf->rate[p][z] = (struct zc_interval){NAN, NAN, NAN};
			pf->rate_drift[p][z] = pf->rate_floored[p][z] = NAN;
		}
	}
	pf->file_fault_pages = pf->anon_fault_pages = NAN;
}

int zc_costs_from_json(const json_t *o, struct zc_costs *pf)
{
	zc_costs_init(pf);
	if (!json_is_object(o))
		return -1;
	pf->measured = json_is_true(json_object_get(o, "measured"));
	/* Older results: measured before and after (when drift is there), never in invocations. */
	pf->invocation_measurements = (int)json_integer_value(json_object_get(o, "invocation_measurements"));
	pf->measurements = (int)json_integer_value(json_object_get(o, "measurements"));
	string_from(pf->error, sizeof pf->error, json_object_get(o, "error"));
	pf->seconds = zc_json_num(o, "seconds");
	const json_t *prims = json_object_get(o, "primitives");
	for (int p = 0; p < ZC_NPRIMS; p++) {
		/* A primitive the result predates stays unmeasured: no model term uses it. */
		const json_t *e = json_object_get(prims, zc_prim_info[p].key);
		if (!e) {
			snprintf(pf->why[p], sizeof pf->why[p], "not in this result's profile");
			pf->predates[p] = 1;
			continue;
		}
		string_from(pf->why[p], sizeof pf->why[p], json_object_get(e, "unavailable"));
		if (!zc_prim_info[p].per_byte) {
			pf->op[p] = interval_from(e);
			pf->op_floored[p] = zc_json_num(e, "floored_from");
			continue;
		}
		for (int z = 0; z < ZC_PROFILE_NSIZES; z++) {
			char name[32];
			zc_size_name(zc_costs_sizes[z], name, sizeof name);
			const json_t *v = json_object_get(json_object_get(e, "sizes"), name);
			if (v) {
				pf->rate[p][z] = interval_from(v);
				pf->rate_floored[p][z] = zc_json_num(v, "floored_from");
			}
		}
	}
	const json_t *st = json_object_get(o, "settings");
	pf->file_fault_pages = zc_json_num(st, "file_fault_pages");
	pf->anon_fault_pages = zc_json_num(st, "anon_fault_pages");
	string_from(pf->fault_around_bytes, sizeof pf->fault_around_bytes, json_object_get(st, "fault_around_bytes"));
	string_from(pf->thp_enabled, sizeof pf->thp_enabled, json_object_get(st, "thp_enabled"));
	string_from(pf->thp_defrag, sizeof pf->thp_defrag, json_object_get(st, "thp_defrag"));
	return 0;
}
