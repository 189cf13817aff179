/*
 * catalog.h - what zcbench knows about: the registered pairs, the IO a pair's baseline is
 * (the replaces grammar), the primitives the pairs are made of and a machine's measured
 * costs of them (the table beside enum zc_primitive, lookup by key and size), and the
 * terms of a side's cost model.
 */
#ifndef ZC_CATALOG_H
#define ZC_CATALOG_H

#include "base.h"

/* ---- registry.c ---- */
size_t zc_registry_count(void);
const struct zc_pair *zc_registry_get(size_t i); /* sorted by name */
const struct zc_pair *zc_registry_find(const char *name);
/* Adds a pair; -1 with a message for a bad entry or a duplicate name. */
int zc_registry_add(const struct zc_pair *p, char *why, size_t whylen);
/* Drops every registered pair (tests only). */
void zc_registry_reset(void);
/* Checks a pair's table entry; returns 0 or -1 with a message in why. */
int zc_pair_check(const struct zc_pair *p, char *why, size_t whylen);

/* ---- catalog/replaces.c: what IO a pair's baseline is (zc_pair.replaces) ---- */
enum zc_io_dir {
	ZC_DIR_NONE, /* descriptor bookkeeping only (open, close, dup, socket, ...) */
	ZC_DIR_IN,   /* kernel -> user buffer: a copy (read, recv, ...) */
	ZC_DIR_OUT,  /* user buffer -> kernel: a copy (write, send, ...) */
	ZC_DIR_MOVE, /* descriptor -> descriptor, no user copy (sendfile, splice, ...) */
	ZC_DIR_MAP,  /* a mapping: mmap */
	ZC_DIR_RING  /* io_uring_enter: operations in shared memory */
};
enum zc_fd_kind { ZC_FD_FILE, ZC_FD_TCP, ZC_FD_UDP, ZC_FD_UNIX, ZC_FD_PIPE, ZC_FD_OTHER, ZC_NFDKINDS };
extern const char *const zc_fd_kind_name[ZC_NFDKINDS];
struct zc_replaces_term {
	enum zc_io_dir dir;
	unsigned kinds; /* bit per zc_fd_kind */
};
#define ZC_REPLACES_TERMS 4
/* Parses "in:KINDS out:KINDS ..." into at most max terms: how many, or -1 with why. */
int zc_replaces_parse(const char *s, struct zc_replaces_term *t, int max, char *why, size_t whylen);
/* 0 when replaces parses, else -1 with why. */
int zc_replaces_check(const char *replaces, char *why, size_t whylen);

/* ---- primitives.c: the primitives and a machine's costs of them ---- */
#define ZC_PROFILE_NSIZES 4   /* per-byte primitives: 4 KiB, 64 KiB, 4 MiB, 64 MiB */
#define ZC_PROFILE_SAMPLES 9  /* samples per primitive: a 96% interval of the median */
#define ZC_PROFILE_MIN_TIME 0.005 /* seconds per sample (less when the run's --min-time is) */

struct zc_prim_info {
	const char *key;      /* JSON key, e.g. "syscall" */
	int per_byte;         /* ns per byte at a size, else ns per operation */
	const char *what;     /* one line */
	const char *settings; /* context keys (space-separated) whose change can change it;
			       "cpu" stands for every CPU identity key (attribution.c) */
};
extern const struct zc_prim_info zc_prim_info[ZC_NPRIMS];
extern const size_t zc_costs_sizes[ZC_PROFILE_NSIZES];
/* The primitive of a JSON key, or -1. */
int zc_prim_from_key(const char *key);
/* What a primitive's time is, for a saving's breakdown: a copy of the bytes, a syscall or
 * a switch between tasks, a fault or a mapping, or the work on the data (hashing, a
 * protocol's own work). */
enum zc_cause { ZC_CAUSE_COPY, ZC_CAUSE_CALLS, ZC_CAUSE_MAPPING, ZC_CAUSE_WORK, ZC_NCAUSES };
extern const char *const zc_cause_name[ZC_NCAUSES];
enum zc_cause zc_prim_cause(enum zc_primitive prim);

struct zc_costs {
	int measured;
	char error[256];                      /* why it is not */
	struct zc_interval op[ZC_NPRIMS];     /* per-op primitives: ns per operation */
	struct zc_interval rate[ZC_NPRIMS][ZC_PROFILE_NSIZES]; /* per-byte ones: ns per byte */
	char why[ZC_NPRIMS][256];             /* "" or why a primitive is unavailable */
	size_t max_size;                      /* the largest size measured (memory permitting) */
	double file_fault_pages, anon_fault_pages; /* 4 KiB pages mapped per minor fault */
	char fault_around_bytes[160], thp_enabled[64], thp_defrag[64];
	char folios[3][200];                  /* the 4 KiB, 64 KiB and 4 MiB test files */
	long llc_bytes;
	/* The share of the machine's busy time /proc/stat accounts as softirq while a stream
	 * primitive was measured (loopback delivery runs there); NAN where not measured. */
	double softirq_share[ZC_NPRIMS];
	double seconds;
	/* A run measures it before and after its pairs, and each full run's invocation once
	 * more after its own pairs (zc_costs_pool): combined, from `measurements` of them
	 * (`invocation_measurements` in invocations); drift is after / before. */
	int combined, measurements, invocation_measurements;
	double op_drift[ZC_NPRIMS], rate_drift[ZC_NPRIMS][ZC_PROFILE_NSIZES];
	/* The derived value below zero that was floored at 0 (costs/measure.c); else NAN or 0 */
	double op_floored[ZC_NPRIMS], rate_floored[ZC_NPRIMS][ZC_PROFILE_NSIZES];
	/* Read back from a result whose profile predates the primitive (zc_costs_from_json):
	 * the models leave its terms out, as that run's own models had none of it. */
	unsigned char predates[ZC_NPRIMS];
};

/* The most invocations' profiles zc_costs_pool takes. */
#define ZC_POOL_MAX 64
/* Folds the measurement after the pairs (NULL: none) and the invocations' own (each[0..n),
 * those not measured skipped) into pf, the one before: the primitives move between
 * processes and while a run runs (a shared host), and a model prices pairs measured over
 * all its invocations. Per primitive and size, six or more measurements give their median
 * with its order-statistics interval; fewer, their mean with the interval spanning
 * theirs. Drift is after / before. */
void zc_costs_pool(struct zc_costs *pf, const struct zc_costs *after, const struct zc_costs *each, size_t n);
/* zc_costs_pool with the measurement after the pairs alone. */
void zc_costs_combine(struct zc_costs *pf, const struct zc_costs *after);
/* A primitive's cost in ns for one operation of `size` bytes (per-op ones ignore size);
 * NAN when unmeasured. */
double zc_costs_cost(const struct zc_costs *pf, enum zc_primitive prim, size_t size);
struct json_t *zc_costs_json(const struct zc_costs *pf);
/* pf with nothing measured: every cost, drift and floored value NAN. */
void zc_costs_init(struct zc_costs *pf);
/* A result's machine profile (zc_costs_json's document) back into pf, as far as the models
 * need it: each primitive's median and interval, why one is unavailable, and the fault
 * settings. A primitive the document lacks (an older result) is unmeasured. 0, or -1 when
 * o is no profile. */
int zc_costs_from_json(const struct json_t *o, struct zc_costs *pf);

/* ---- model_terms.c: a side's cost model ---- */
#define ZC_MODEL_TERMS 10
struct zc_model_term {
	enum zc_primitive prim;
	enum zc_model_per per;
	double count;
	size_t size;
	/* Evaluated against a run: */
	double ops;     /* operations per iteration: count x the measured count `per` names */
	double cost_ns; /* per operation, from the machine profile */
	double ns;      /* per iteration: ops x cost_ns */
	double share;   /* of the side's predicted time (NAN without a prediction) */
};

struct zc_model {
	size_t n;
	struct zc_model_term t[ZC_MODEL_TERMS];
	int overflow; /* a side declared more terms than fit */
	int restates_profile; /* zc_model_restates_profile */
};

extern const char *const zc_model_per_name[ZC_NPER]; /* "iteration", "syscall", ... */

#endif
