/* util.c - small helpers shared by the harness and offered to benches (zcbench.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "base.h"

static char message[512];

static void set_message(const char *fmt, va_list ap)
{
	vsnprintf(message, sizeof message, fmt, ap);
}

void zc_errorf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_message(fmt, ap);
	va_end(ap);
}

void zc_skipf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_message(fmt, ap);
	va_end(ap);
}

const char *zc_last_message(void)
{
	return message;
}

void zc_clear_message(void)
{
	message[0] = '\0';
}

/* ---- notes of the current pair/param ---- */
static char note_key[ZC_MAX_NOTES][64], note_val[ZC_MAX_NOTES][ZC_NOTE_LEN];
static size_t nnotes;

void zc_note(const char *key, const char *fmt, ...)
{
	size_t i;
	for (i = 0; i < nnotes && strcmp(note_key[i], key) != 0; i++)
		;
	if (i == ZC_MAX_NOTES)
		return;
	snprintf(note_key[i], sizeof note_key[i], "%s", key);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(note_val[i], sizeof note_val[i], fmt, ap);
	va_end(ap);
	if (i == nnotes)
		nnotes++;
}

size_t zc_notes_take(char key[][64], char val[][ZC_NOTE_LEN], size_t max)
{
	size_t n = nnotes < max ? nnotes : max;
	for (size_t i = 0; i < n; i++) {
		memcpy(key[i], note_key[i], sizeof note_key[i]);
		memcpy(val[i], note_val[i], sizeof note_val[i]);
	}
	nnotes = 0;
	return n;
}

/* ---- zero-copy outcomes the kernel reported, per side of the current sample ---- */
static int outcome_side = -1;
static uint64_t outcome[ZC_NSIDES][2];

void zc_zerocopy_outcome(uint64_t zero_copied, uint64_t copied)
{
	if (outcome_side < 0)
		return;
	outcome[outcome_side][0] += zero_copied;
	outcome[outcome_side][1] += copied;
}

void zc_outcome_side(int side)
{
	outcome_side = side;
}

void zc_outcome_take(uint64_t out[ZC_NSIDES][2])
{
	memcpy(out, outcome, sizeof outcome);
	memset(outcome, 0, sizeof outcome);
	outcome_side = -1;
}

/* ---- context entries from benches ---- */
#define ZC_MAX_CONTEXT 64
static char *ctx_key[ZC_MAX_CONTEXT], *ctx_val[ZC_MAX_CONTEXT];
static size_t nctx;

void zc_context_set(const char *key, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < nctx; i++)
		if (strcmp(ctx_key[i], key) == 0) {
			char *v = strdup(buf);
			if (v) {
				free(ctx_val[i]);
				ctx_val[i] = v;
			}
			return;
		}
	if (nctx == ZC_MAX_CONTEXT)
		return;
	ctx_key[nctx] = strdup(key);
	ctx_val[nctx] = strdup(buf);
	if (!ctx_key[nctx] || !ctx_val[nctx]) {
		free(ctx_key[nctx]);
		free(ctx_val[nctx]);
		return;
	}
	nctx++;
}

size_t zc_context_count(void)
{
	return nctx;
}
const char *zc_context_key(size_t i)
{
	return i < nctx ? ctx_key[i] : NULL;
}
const char *zc_context_value(size_t i)
{
	return i < nctx ? ctx_val[i] : NULL;
}

/* ---- numbers ---- */
int zc_parse_long(const char *s, long lo, long hi, long *out)
{
	if (!s || !*s)
		return -1;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int zc_parse_double(const char *s, double lo, double hi, double *out)
{
	if (!s || !*s)
		return -1;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int zc_read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, (int)len, f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int zc_read_selected(const char *path, char *buf, size_t len)
{
	if (zc_read_line(path, buf, len) != 0)
		return -1;
	char *l = strchr(buf, '['), *r = l ? strchr(l, ']') : NULL;
	if (l && r) {
		memmove(buf, l + 1, (size_t)(r - l - 1));
		buf[r - l - 1] = '\0';
	}
	return 0;
}

double zc_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

double zc_thread_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* ---- buffers and data ---- */
static size_t page_size(void)
{
	long p = sysconf(_SC_PAGESIZE);
	return p > 0 ? (size_t)p : 4096;
}

void *zc_buffer_alloc(size_t bytes, size_t offset)
{
	size_t ps = page_size();
	size_t total = (bytes + offset + ps - 1) / ps * ps;
	if (total == 0)
		total = ps;
	unsigned char *base = aligned_alloc(ps, total);
	if (!base)
		return NULL;
	memset(base, 0, total); /* touch every page now, not in the timed loop */
	return base + offset;
}

void zc_buffer_free(void *p, size_t offset)
{
	if (p)
		free((unsigned char *)p - offset);
}

void zc_fill_random(void *buf, size_t n, uint64_t seed)
{
	unsigned char *b = buf;
	uint64_t x = seed;
	size_t i = 0;
	while (i < n) {
		/* splitmix64: fast, well mixed, and trivially reproducible. */
		uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		z ^= z >> 31;
		size_t k = n - i < 8 ? n - i : 8;
		memcpy(b + i, &z, k);
		i += k;
	}
}

uint64_t zc_hash(const void *p, size_t n)
{
	return XXH3_64bits(p, n);
}

/* ---- cores and signals ---- */
static volatile sig_atomic_t interrupted;

int zc_interrupted(void)
{
	return interrupted != 0;
}

void zc_set_interrupted(int v)
{
	interrupted = v;
}

int zc_peer_cpu(void)
{
	/* The benchmark is pinned to one core; the highest other online core will do. */
	int self = sched_getcpu();
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	for (long c = n - 1; c >= 0; c--)
		if (c != self)
			return (int)c;
	return self;
}

void *zc_grow(void *array, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return array;
	size_t n = *cap ? *cap : 16;
	while (n < need)
		n *= 2;
	void *p = realloc(array, n * elem);
	if (p)
		*cap = n;
	return p;
}

void zc_si(double v, const char *unit, char *out, size_t len)
{
	static const char *const prefix[] = {"", "K", "M", "G", "T"};
	int i = 0;
	while (fabs(v) >= 1000 && i < 4) {
		v /= 1000;
		i++;
	}
	snprintf(out, len, i ? "%.2f %s%s" : "%.0f %s%s", v, prefix[i], unit);
}


void zc_size_name(size_t n, char *out, size_t len)
{
	if (n >= ((size_t)1 << 20) && n % ((size_t)1 << 20) == 0)
		snprintf(out, len, "%zuMiB", n >> 20);
	else if (n >= 1024 && n % 1024 == 0)
		snprintf(out, len, "%zuKiB", n >> 10);
	else
		snprintf(out, len, "%zuB", n);
}
