/*
 * xxh3_alignment - XXH3 (libxxhash's runtime dispatch, as zcbench uses) over the same
 * 4 MiB malloc'd buffer from malloc's own address and from the next 64-byte boundary.
 * xxhsum -b hashes a malloc'd buffer; zcbench hashes page-aligned memory. On AVX-512
 * paths a start 16 bytes past a cache line splits every load, which is what separates
 * the two tools' figures on some machines. Prints JSON: the offset and both speeds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>

XXH64_hash_t XXH3_64bits_dispatch(const void *input, size_t len);

static double now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* Best of 7 runs of 200 hashes: bytes per second. */
static double speed(const unsigned char *p, size_t n)
{
	double best = 1e300;
	for (int r = 0; r < 7; r++) {
		uint64_t h = 0;
		double t0 = now_ns();
		for (int i = 0; i < 200; i++)
			h += XXH3_64bits_dispatch(p, n);
		double t = (now_ns() - t0) / 200;
		__asm__ volatile("" : : "r"(h));
		if (t < best)
			best = t;
	}
	return (double)n / (best * 1e-9);
}

int main(void)
{
	const size_t n = 4u << 20;
	unsigned char *m = malloc(n + 64);
	if (!m)
		return 1;
	memset(m, 0x5a, n + 64);
	size_t off = (size_t)((uintptr_t)m % 64), skip = (64 - off) % 64;
	double at_malloc = speed(m, n), aligned = speed(m + skip, n);
	printf("{\"bytes\": %zu, \"malloc_offset_mod_64\": %zu, \"at_malloc_bytes_per_second\": %.0f, "
	       "\"aligned_64_bytes_per_second\": %.0f}\n",
	       n, off, at_malloc, aligned);
	free(m);
	return 0;
}
