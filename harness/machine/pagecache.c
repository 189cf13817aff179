/*
 * pagecache.c - the folio sizes behind a file's cached pages. The kernel (6.x) caches a
 * file in folios of 4 KiB up to 2 MiB depending on how the pages came in (readahead
 * grows them, a single large read may not), and copying out of large folios is up to 2x
 * faster: the layout is part of a file experiment's state. Reading it needs root:
 * /proc/self/pagemap gives the page frame of each mapped page, /proc/kpageflags whether
 * that frame heads or continues a compound page (a large folio).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "machine.h"

#define PM_PRESENT (1ULL << 63)
#define PM_PFN_MASK ((1ULL << 55) - 1)
#define KPF_COMPOUND_HEAD 15
#define KPF_COMPOUND_TAIL 16

int zc_folio_layout(int fd, size_t bytes, char *out, size_t len)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t npages = (bytes + (size_t)page - 1) / (size_t)page;
	if (geteuid() != 0) {
		snprintf(out, len, "unknown: reading folio sizes needs root (/proc/kpageflags)");
		return -1;
	}
	/* MAP_POPULATE maps the cached pages without reading anything new. */
	void *m = mmap(NULL, bytes, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
	int pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	int kf = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	if (m == MAP_FAILED || pm < 0 || kf < 0) {
		snprintf(out, len, "unknown: %s", strerror(errno));
		if (m != MAP_FAILED)
			munmap(m, bytes);
		if (pm >= 0)
			close(pm);
		if (kf >= 0)
			close(kf);
		return -1;
	}
	/* Histogram of folio sizes in pages (powers of two up to 2^18 pages = 1 GiB). */
	size_t hist[19] = {0}, absent = 0, run = 0;
	for (size_t i = 0; i <= npages; i++) {
		uint64_t e = 0, flags = 0;
		int tail = 0, have = 0;
		if (i < npages) {
			uintptr_t va = (uintptr_t)m + i * (size_t)page;
			if (pread(pm, &e, 8, (off_t)(va / (uintptr_t)page * 8)) == 8 && (e & PM_PRESENT) &&
			    (e & PM_PFN_MASK) &&
			    pread(kf, &flags, 8, (off_t)((e & PM_PFN_MASK) * 8)) == 8) {
				have = 1;
				tail = (flags >> KPF_COMPOUND_TAIL) & 1;
			} else {
				absent++;
			}
		}
		if (run && (!have || !tail)) { /* the folio that was being counted ends here */
			int b = 0;
			while ((1u << (b + 1)) <= run && b < 18)
				b++;
			hist[b]++;
			run = 0;
		}
		if (have)
			run++;
	}
	munmap(m, bytes);
	close(pm);
	close(kf);
	size_t off = 0;
	out[0] = '\0';
	for (int b = 18; b >= 0; b--) {
		if (!hist[b])
			continue;
		size_t kib = ((size_t)page << b) >> 10;
		off += (size_t)snprintf(out + off, off < len ? len - off : 0, "%s%zu%s x%zu", off ? ", " : "",
					kib >= 1024 ? kib >> 10 : kib, kib >= 1024 ? "MiB" : "KiB", hist[b]);
	}
	if (absent)
		snprintf(out + off, off < len ? len - off : 0, "%s%zu pages not cached", off ? ", " : "", absent);
	return 0;
}
