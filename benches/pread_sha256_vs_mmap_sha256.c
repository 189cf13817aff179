/*
 * pread_sha256_vs_mmap_sha256 - SHA-256 of a file: read it into a buffer first, or hash
 * the mapping. SHA-256 is compute-bound (about 2 GB/s with SHA-NI, far less without),
 * so the copy it saves is a smaller share of the time (the seed measured 1.15x in Go).
 *
 * baseline: pread(fd, buf, n, 0); SHA-256(buf, n). 1 syscall, 1 copy.
 * zerocopy: SHA-256(map, n). 0 syscalls and 0 copies with a kept mapping.
 *
 * SHA-256 is OpenSSL libcrypto's EVP interface, with the algorithm fetched once and
 * one digest context reused (a fetch per call would add a lookup to every iteration).
 *
 * verify: both sides' last digest equals the test file's recorded SHA-256.
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>

#include "file_source.h"

struct state {
	struct file_source fs; /* first: the file_source callbacks take this state */
	EVP_MD *md;
	EVP_MD_CTX *ctx;
	unsigned char digest[ZC_NSIDES][32];
};

static int setup(void *st, const struct zc_param *p)
{
	struct state *s = st;
	int sha_ni = 0;
#if defined(__x86_64__)
	unsigned a, b, c, d;
	__asm__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
	sha_ni = (b >> 29) & 1;
#endif
	zc_context_set("sha256_implementation", "%s EVP SHA-256 (CPU SHA-NI: %s)",
		       OpenSSL_version(OPENSSL_VERSION), sha_ni ? "yes" : "no");
	s->md = EVP_MD_fetch(NULL, "SHA256", NULL);
	s->ctx = EVP_MD_CTX_new();
	if (!s->md || !s->ctx) {
		zc_errorf("OpenSSL: cannot fetch SHA256");
		return ZC_ERROR;
	}
	return fs_setup(st, p);
}

static void teardown(void *st)
{
	struct state *s = st;
	EVP_MD_CTX_free(s->ctx);
	EVP_MD_free(s->md);
	fs_teardown(st);
}

static int sha256(struct state *s, const unsigned char *p, size_t n, unsigned char out[32])
{
	unsigned len = 0;
	if (EVP_DigestInit_ex2(s->ctx, s->md, NULL) != 1 || EVP_DigestUpdate(s->ctx, p, n) != 1 ||
	    EVP_DigestFinal_ex(s->ctx, out, &len) != 1 || len != 32) {
		zc_errorf("OpenSSL EVP SHA-256 failed");
		return ZC_ERROR;
	}
	zc_escape(out);
	return ZC_OK;
}

static int hash_base(void *st, const unsigned char *p, size_t n)
{
	struct state *s = st;
	return sha256(s, p, n, s->digest[ZC_BASELINE]);
}

static int hash_zc(void *st, const unsigned char *p, size_t n)
{
	struct state *s = st;
	return sha256(s, p, n, s->digest[ZC_ZEROCOPY]);
}

static int pread_run(void *st, uint64_t iters)
{
	return fs_run_pread(st, iters, hash_base);
}

static int mapped_run(void *st, uint64_t iters)
{
	return fs_run_mapped(st, iters, hash_zc);
}

static int verify(void *st)
{
	struct state *s = st;
	memset(s->digest, 0, sizeof s->digest);
	if (fs_run_once(st, pread_run) != ZC_OK || fs_run_once(st, mapped_run) != ZC_OK)
		return ZC_ERROR;
	for (int side = 0; side < ZC_NSIDES; side++)
		if (memcmp(s->digest[side], s->fs.td.sha256, 32) != 0) {
			zc_errorf("%s SHA-256 differs from %s's recorded digest",
				  side ? "zerocopy" : "baseline", s->fs.td.path);
			return ZC_ERROR;
		}
	return ZC_OK;
}

/* Cost model: where the bytes come from (file_source.h), then SHA-256 of n bytes. */
static void pread_model(const struct zc_param *p, struct zc_model *m)
{
	fs_model_pread(p, m);
	zc_model_term(m, ZC_PRIM_SHA256, ZC_PER_ITER, 1, p->bytes);
}

/* SHA-256 of a kept warm mapping is what the profile times for sha256. */
static void mapped_model(const struct zc_param *p, struct zc_model *m)
{
	fs_model_mapped(p, m);
	zc_model_term(m, ZC_PRIM_SHA256, ZC_PER_ITER, 1, p->bytes);
	if (fs_param_kept_warm(p))
		zc_model_restates_profile(m);
}

static const struct zc_pair pread_sha256_vs_mmap_sha256 = {
	.name = "pread_sha256_vs_mmap_sha256",
	.flags = ZC_PAIR_MAPPING,
	.summary = "SHA-256 of a file: pread into a buffer then hash vs hash the mapping (compute-bound consumer)",
	.params = file_params,
	.nparams = FILE_NPARAMS,
	.state_size = sizeof(struct state),
	.setup = setup,
	.side = {
		{.desc = "pread(fd, buf, n, 0); SHA-256(buf, n)", .copies_per_iter = 1,
		 .run = pread_run, .model = pread_model, .invariants = fs_invariants_pread, .before_sample = fs_before_sample},
		{.desc = "SHA-256(map, n)", .copies_per_iter = 0, .run = mapped_run, .model = mapped_model, .invariants = fs_invariants_mapped,
		 .before_sample = fs_before_sample},
	},
	.verify = verify,
	.teardown = teardown,
};

ZC_REGISTER(pread_sha256_vs_mmap_sha256)
