/*
 * testdata.c - reproducible test files and page-cache control for file pairs.
 *
 * Content is a splitmix64 stream from the recipe's seed, so a file's XXH3 and SHA-256
 * are known before it exists (testdata/recipe.txt records them; a unit test recomputes
 * them). A file is never presented half-written: it is built as an unnamed O_TMPFILE
 * and linked, then renamed, into place only once complete and verified.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <xxhash.h>

#include "machine.h"

#define CHUNK (1u << 20)

const char *zc_testdata_dir(void)
{
	const char *d = getenv("ZCBENCH_TESTDATA");
	return d && *d ? d : "testdata";
}

static const char *recipe_path(void)
{
	const char *r = getenv("ZCBENCH_RECIPE");
	return r && *r ? r : "testdata/recipe.txt";
}

static int unhex(const char *s, unsigned char *out, size_t n)
{
	if (strlen(s) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (unsigned char)v;
	}
	return 0;
}

int zc_recipe_find(size_t bytes, struct zc_recipe *r)
{
	FILE *f = fopen(recipe_path(), "r");
	if (!f) {
		zc_errorf("cannot read the test data recipe %s: %s (run from the repository root, or set ZCBENCH_RECIPE)",
			  recipe_path(), strerror(errno));
		return -1;
	}
	char line[512];
	int found = -1;
	while (fgets(line, sizeof line, f)) {
		char name[128], seed[32], xx[32], sha[80], flag[16] = "";
		unsigned long long b;
		if (line[0] == '#' ||
		    sscanf(line, "%127s %llu %31s %31s %79s %15s", name, &b, seed, xx, sha, flag) < 5)
			continue;
		if ((size_t)b != bytes)
			continue;
		memset(r, 0, sizeof *r);
		snprintf(r->name, sizeof r->name, "%s", name);
		r->bytes = (size_t)b;
		r->seed = strtoull(seed, NULL, 0);
		r->xxh3 = strtoull(xx, NULL, 16);
		r->sweep = strcmp(flag, "sweep") == 0;
		if (unhex(sha, r->sha256, sizeof r->sha256) != 0)
			break;
		found = 0;
		break;
	}
	fclose(f);
	if (found != 0)
		zc_errorf("no entry of %zu bytes in the test data recipe %s", bytes, recipe_path());
	return found;
}

int zc_recipe_sizes(size_t *bytes, int *sweep, int max)
{
	FILE *f = fopen(recipe_path(), "r");
	if (!f)
		return -1;
	char line[512];
	int n = 0;
	while (n < max && fgets(line, sizeof line, f)) {
		char name[128], seed[32], xx[32], sha[80], flag[16] = "";
		unsigned long long b;
		if (line[0] == '#' ||
		    sscanf(line, "%127s %llu %31s %31s %79s %15s", name, &b, seed, xx, sha, flag) < 5)
			continue;
		bytes[n] = (size_t)b;
		sweep[n] = strcmp(flag, "sweep") == 0;
		n++;
	}
	fclose(f);
	return n;
}

/* Streams the recipe's content through f(chunk) in order. */
static int stream(const struct zc_recipe *r, int (*f)(void *arg, const void *p, size_t n), void *arg)
{
	unsigned char *buf = malloc(CHUNK);
	if (!buf)
		return -1;
	int rc = 0;
	for (size_t off = 0; off < r->bytes && rc == 0; off += CHUNK) {
		size_t n = r->bytes - off < CHUNK ? r->bytes - off : CHUNK;
		/* CHUNK is a multiple of 8, so each chunk continues the same stream. */
		zc_fill_random(buf, n, r->seed + (uint64_t)(off / 8) * 0x9e3779b97f4a7c15ULL);
		rc = f(arg, buf, n);
	}
	free(buf);
	return rc;
}

struct digest {
	XXH3_state_t *xx;
	EVP_MD_CTX *sha;
};

static int digest_update(void *arg, const void *p, size_t n)
{
	struct digest *d = arg;
	if (XXH3_64bits_update(d->xx, p, n) != XXH_OK || EVP_DigestUpdate(d->sha, p, n) != 1)
		return -1;
	return 0;
}

static int digest_begin(struct digest *d)
{
	d->xx = XXH3_createState();
	d->sha = EVP_MD_CTX_new();
	if (!d->xx || !d->sha || XXH3_64bits_reset(d->xx) != XXH_OK ||
	    EVP_DigestInit_ex(d->sha, EVP_sha256(), NULL) != 1)
		return -1;
	return 0;
}

static void digest_end(struct digest *d, uint64_t *xx, unsigned char sha[32])
{
	unsigned len = 32;
	if (xx)
		*xx = XXH3_64bits_digest(d->xx);
	if (sha)
		EVP_DigestFinal_ex(d->sha, sha, &len);
	XXH3_freeState(d->xx);
	EVP_MD_CTX_free(d->sha);
}

int zc_recipe_digest(const struct zc_recipe *r, uint64_t *xx, unsigned char sha[32])
{
	struct digest d;
	int rc = digest_begin(&d) == 0 ? stream(r, digest_update, &d) : -1;
	digest_end(&d, xx, sha);
	return rc;
}

struct writer {
	int fd;
};

static int write_all(void *arg, const void *p, size_t n)
{
	const unsigned char *b = p;
	struct writer *w = arg;
	while (n) {
		if (zc_interrupted()) {
			errno = EINTR;
			return -1;
		}
		ssize_t k = write(w->fd, b, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

/* XXH3 of the file as it is on disk (and, as a side effect, in the page cache). */
static int file_xxh3(int fd, size_t bytes, uint64_t *out)
{
	unsigned char *buf = malloc(CHUNK);
	XXH3_state_t *st = XXH3_createState();
	int rc = buf && st && XXH3_64bits_reset(st) == XXH_OK ? 0 : -1;
	size_t off = 0;
	while (rc == 0 && off < bytes) {
		ssize_t k = pread(fd, buf, CHUNK, (off_t)off);
		if (k <= 0) {
			rc = -1;
			break;
		}
		XXH3_64bits_update(st, buf, (size_t)k);
		off += (size_t)k;
	}
	if (rc == 0)
		*out = XXH3_64bits_digest(st);
	XXH3_freeState(st);
	free(buf);
	return rc;
}

static int generate(const struct zc_recipe *r, const char *dir, const char *path)
{
	struct statvfs vfs;
	if (statvfs(dir, &vfs) == 0 && (unsigned long long)vfs.f_bavail * vfs.f_bsize < r->bytes) {
		zc_errorf("not enough free space for %s (%zu bytes, %llu free): free some, then run make testdata",
			  path, r->bytes, (unsigned long long)vfs.f_bavail * vfs.f_bsize);
		return -1;
	}
	fprintf(stderr, "zcbench: generating %s (%zu bytes, seed %#llx)\n", path, r->bytes,
		(unsigned long long)r->seed);
	struct writer w = {.fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644)};
	char tmp[600] = "";
	if (w.fd < 0) {
		snprintf(tmp, sizeof tmp, "%s/.%s.XXXXXX", dir, r->name);
		w.fd = mkstemp(tmp);
		if (w.fd < 0) {
			zc_errorf("cannot create test data in %s: %s", dir, strerror(errno));
			return -1;
		}
		fchmod(w.fd, 0644);
	}
	if (stream(r, write_all, &w) != 0 || fsync(w.fd) != 0) {
		zc_errorf("writing %s: %s%s", path, strerror(errno),
			  errno == ENOSPC ? ": free some space, then run make testdata" : "");
		goto fail;
	}
	if (!tmp[0]) {
		/* Link the finished unnamed file under a temporary name, then rename over. */
		char proc[64];
		snprintf(proc, sizeof proc, "/proc/self/fd/%d", w.fd);
		snprintf(tmp, sizeof tmp, "%s/.%s.%ld", dir, r->name, (long)getpid());
		unlink(tmp);
		if (linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) != 0) {
			zc_errorf("linking %s: %s", tmp, strerror(errno));
			tmp[0] = '\0';
			goto fail;
		}
	}
	if (rename(tmp, path) != 0) {
		zc_errorf("renaming %s to %s: %s", tmp, path, strerror(errno));
		goto fail;
	}
	close(w.fd);
	return 0;
fail:
	if (tmp[0])
		unlink(tmp);
	close(w.fd);
	return -1;
}

static const char *fs_name(long type)
{
	switch ((unsigned long)type) {
	case 0xEF53: return "ext4";
	case 0x01021994: return "tmpfs";
	case 0x58465342: return "xfs";
	case 0x9123683E: return "btrfs";
	case 0x794c7630: return "overlayfs";
	case 0x6969: return "nfs";
	case 0x2fc12fc1: return "zfs";
	case 0xF2F52010: return "f2fs";
	default: return "other";
	}
}

void zc_fstype(int fd, char *out, size_t len)
{
	struct statfs sf;
	if (fstatfs(fd, &sf) == 0)
		snprintf(out, len, "%s", fs_name((long)sf.f_type));
	else
		snprintf(out, len, "unknown");
}

/* The test files open now, by size: what a pair keeps under its verify. */
#define HELD_MAX 32
static size_t held_bytes[HELD_MAX];
static int held_count[HELD_MAX];

static void hold(size_t bytes, int delta)
{
	for (int i = 0; i < HELD_MAX; i++)
		if (held_count[i] && held_bytes[i] == bytes) {
			held_count[i] += delta;
			return;
		}
	for (int i = 0; delta > 0 && i < HELD_MAX; i++)
		if (!held_count[i]) {
			held_bytes[i] = bytes;
			held_count[i] = delta;
			return;
		}
}

size_t zc_testdata_held(size_t *bytes, size_t max)
{
	size_t n = 0;
	for (int i = 0; i < HELD_MAX; i++)
		if (held_count[i] > 0 && n < max)
			bytes[n++] = held_bytes[i];
	return n;
}

int zc_testdata_open(size_t bytes, struct zc_testdata *td)
{
	memset(td, 0, sizeof *td);
	td->fd = -1;
	struct zc_recipe r;
	if (zc_recipe_find(bytes, &r) != 0)
		return ZC_ERROR;
	const char *dir = zc_testdata_dir();
	snprintf(td->path, sizeof td->path, "%s/%s", dir, r.name);
	td->bytes = bytes;
	td->xxh3 = r.xxh3;
	memcpy(td->sha256, r.sha256, sizeof td->sha256);

	for (int attempt = 0; attempt < 2; attempt++) {
		int fd = open(td->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 && errno != ENOENT) {
			zc_errorf("cannot read %s: %s (fix its permissions, or remove it and run make testdata)",
				  td->path, strerror(errno));
			return ZC_ERROR;
		}
		if (fd >= 0) {
			struct stat st;
			uint64_t h;
			if (fstat(fd, &st) == 0 && (size_t)st.st_size == bytes &&
			    file_xxh3(fd, bytes, &h) == 0 && h == r.xxh3) {
				td->fd = fd;
				hold(bytes, 1);
				zc_fstype(fd, td->fstype, sizeof td->fstype);
				char key[160];
				snprintf(key, sizeof key, "testdata.%s", r.name);
				zc_context_set(key, "path=%s bytes=%zu xxh3=%016llx fs=%s", td->path, bytes,
					       (unsigned long long)r.xxh3, td->fstype);
				return ZC_OK;
			}
			close(fd);
			if (attempt == 0)
				fprintf(stderr, "zcbench: %s is truncated or corrupt (size or checksum differs from the recipe); regenerating\n",
					td->path);
		}
		if (attempt == 1) {
			zc_errorf("%s still differs from the recipe after regenerating", td->path);
			return ZC_ERROR;
		}
		if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
			zc_errorf("cannot create %s: %s", dir, strerror(errno));
			return ZC_ERROR;
		}
		if (generate(&r, dir, td->path) != 0)
			return ZC_ERROR;
	}
	return ZC_ERROR;
}

void zc_testdata_close(struct zc_testdata *td)
{
	if (td->fd >= 0) {
		close(td->fd);
		hold(td->bytes, -1);
	}
	td->fd = -1;
}

static long resident_pages(int fd, size_t bytes)
{
	long ps = sysconf(_SC_PAGESIZE);
	size_t pages = (bytes + (size_t)ps - 1) / (size_t)ps;
	void *m = mmap(NULL, bytes, PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return -1;
	unsigned char *vec = malloc(pages);
	long n = -1;
	if (vec && mincore(m, bytes, vec) == 0) {
		n = 0;
		for (size_t i = 0; i < pages; i++)
			n += vec[i] & 1;
	}
	free(vec);
	munmap(m, bytes);
	return n;
}

long zc_evict_file(int fd, size_t bytes)
{
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	long n = resident_pages(fd, bytes);
	if (n > 0 && geteuid() == 0) {
		/* Pages someone else keeps (another mapping, a filesystem that ignores the
		 * hint): as root, drop all clean page cache. */
		int d = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
		if (d >= 0) {
			if (write(d, "1", 1) != 1)
				n = -1;
			close(d);
		}
		n = n < 0 ? -1 : resident_pages(fd, bytes);
	}
	return n;
}

uint64_t zc_mem_available(void)
{
	/* Lets a test see the refusal without owning a machine too small for the data. */
	const char *fake = getenv("ZCBENCH_MEM_AVAILABLE");
	if (fake && *fake)
		return strtoull(fake, NULL, 10);
	FILE *f = fopen("/proc/meminfo", "r");
	if (!f)
		return 0;
	char line[256];
	unsigned long long kb = 0;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return (uint64_t)kb * 1024;
}
