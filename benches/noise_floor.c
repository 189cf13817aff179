/*
 * noise_floor - the control: both sides run the same code on the same data, so the true
 * ratio is exactly 1. Its verdicts must be "same"; how often they are not, and how wide
 * their intervals are, is the instrument's own noise floor in this run, one param per
 * class of work (the pair kind ZC_PAIR_CONTROL tells the harness and scripts so).
 *
 * Params:
 *   memcpy_64KiB      memcpy 64 KiB between page-aligned buffers (memory bandwidth)
 *   pread_4KiB_warm   pread 4 KiB of a cached file (a syscall and a small copy)
 *   pipe_64KiB        write 64 KiB into a 256 KiB pipe drained by a peer on the other
 *                     core (cross-process hand-off)
 *   pread_4MiB_cold   pread 4 MiB after evicting the file (the disk; 1 iteration a sample)
 *
 * verify: one iteration of each side yields the expected bytes (source hash, the test
 * file's recorded XXH3, or what the peer read).
 */
#define _GNU_SOURCE
#include <string.h>
#include <unistd.h>

#include "file_source.h"
#include "peer.h"

enum class { NF_MEMCPY, NF_PREAD, NF_PIPE, NF_COLD };

struct state {
	struct file_source fs; /* first: the file_source callbacks take the state */
	enum class cls;
	size_t n;
	unsigned char *src, *dst;
	int w;
	struct peer peer;
};

/* A pread param as file_source knows it (its arg holds file_source's flags, not a class):
 * what setup and the model both hand to file_source. */
static struct zc_param file_param(const struct zc_param *p)
{
	struct zc_param fp = *p;
	fp.arg = FS_KEPT | ((enum class)p->arg == NF_COLD ? FS_COLD : 0);
	return fp;
}

static int setup(void *st, const struct zc_param *p)
{
	struct state *s = st;
	s->cls = (enum class)p->arg;
	s->n = p->bytes;
	s->w = -1;
	if (s->cls == NF_PREAD || s->cls == NF_COLD) {
		struct zc_param fp = file_param(p);
		return fs_setup(&s->fs, &fp);
	}
	if (!(s->src = zc_buffer_alloc(s->n, 0)) || !(s->dst = zc_buffer_alloc(s->n, 0))) {
		zc_errorf("cannot allocate 2 x %zu bytes", s->n);
		return ZC_ERROR;
	}
	zc_fill_random(s->src, s->n, 0x6e6f697365666c72ULL);
	if (s->cls != NF_PIPE)
		return ZC_OK;
	/* 4 chunks of room: writer and drain do not run in lock-step. */
	return peer_drained_pipe(&s->peer, &s->w, s->n);
}

static void teardown(void *st)
{
	struct state *s = st;
	peer_drained_pipe_end(&s->peer, &s->w);
	zc_buffer_free(s->src, 0);
	zc_buffer_free(s->dst, 0);
	if (s->cls == NF_PREAD || s->cls == NF_COLD)
		fs_teardown(&s->fs);
}

/* The one workload both sides run. */
static int work(void *st, uint64_t iters)
{
	struct state *s = st;
	switch (s->cls) {
	case NF_MEMCPY:
		for (uint64_t i = 0; i < iters; i++) {
			memcpy(s->dst, s->src, s->n);
			zc_escape(s->dst);
		}
		return ZC_OK;
	case NF_PIPE:
		for (uint64_t i = 0; i < iters; i++) {
			if (write_all(&s->peer, s->w, s->src, s->n) != ZC_OK)
				return ZC_ERROR;
			s->peer.sent += s->n;
		}
		return peer_sync(&s->peer);
	default:
		return fs_run_pread(&s->fs, iters, NULL);
	}
}

static int verify(void *st)
{
	struct state *s = st;
	for (int side = 0; side < 2; side++) {
		if (s->cls == NF_MEMCPY) {
			memset(s->dst, 0xa5, s->n);
			if (work(s, 1) != ZC_OK || zc_hash(s->dst, s->n) != zc_hash(s->src, s->n)) {
				zc_errorf("side %d: the copy differs from the source", side);
				return ZC_ERROR;
			}
		} else if (s->cls == NF_PIPE) {
			uint64_t hash = 0, bytes = 0;
			if (peer_verify_run(PEER_PIPE, &s->w, &s->peer, work, s, 1, &hash, &bytes) != ZC_OK)
				return ZC_ERROR;
			if (bytes != s->n || hash != zc_hash(s->src, s->n)) {
				zc_errorf("side %d: reader got %llu bytes with another hash", side,
					  (unsigned long long)bytes);
				return ZC_ERROR;
			}
		} else {
			memset(s->fs.buf, 0xa5, s->fs.n);
			if (fs_run_once(&s->fs, work) != ZC_OK || zc_hash(s->fs.buf, s->fs.n) != s->fs.td.xxh3) {
				zc_errorf("side %d: the buffer differs from %s", side, s->fs.td.path);
				return ZC_ERROR;
			}
		}
	}
	return ZC_OK;
}

static const struct zc_param params[] = {
	{"memcpy_64KiB", 64 << 10, NF_MEMCPY, "memcpy 64 KiB, page-aligned, both sides", 0},
	{"pread_4KiB_warm", 4 << 10, NF_PREAD, "pread 4 KiB of a cached file, both sides", 0},
	{"pipe_64KiB", 64 << 10, NF_PIPE, "write 64 KiB into a 256 KiB pipe drained by a peer, both sides", 0},
	{"pread_4MiB_cold", 4 << 20, NF_COLD, "pread 4 MiB after evicting it from the page cache, both sides",
	 ZC_PARAM_SINGLE},
};

/* Cost model, the same on both sides: the param's primitives (file_source's for a pread,
 * cache_fill with them for the cold one). */
static void work_model(const struct zc_param *p, struct zc_model *m)
{
	struct zc_param fp;
	switch ((enum class)p->arg) {
	case NF_MEMCPY:
		zc_model_term(m, ZC_PRIM_MEMCPY, ZC_PER_ITER, 1, p->bytes);
		break;
	case NF_PREAD:
	case NF_COLD:
		fp = file_param(p);
		fs_model_pread(&fp, m);
		break;
	case NF_PIPE:
		zc_model_term(m, ZC_PRIM_SYSCALL, ZC_PER_SYSCALL, 1, 0);
		zc_model_term(m, ZC_PRIM_COPY_FROM_USER, ZC_PER_ITER, 1, p->bytes);
		zc_model_term(m, ZC_PRIM_CTX_SWITCH, ZC_PER_SWITCH, 1, 0);
		zc_model_term(m, ZC_PRIM_PIPE_WRITE, ZC_PER_ITER, 1, p->bytes);
		break;
	}
	/* Each param's work is one the profile times itself (memcpy, pread, a cold pread for
	 * cache_fill, a drained pipe's write). */
	zc_model_restates_profile(m);
}

static const struct zc_pair noise_floor = {
	.name = "noise_floor",
	.summary = "control: both sides do identical work; the verdict must be 'same'",
	.flags = ZC_PAIR_CONTROL,
	.params = params,
	.nparams = sizeof params / sizeof params[0],
	.state_size = sizeof(struct state),
	.setup = setup,
	.side = {
		{.desc = "the param's work", .copies_per_iter = 1, .run = work, .model = work_model, .before_sample = fs_before_sample},
		{.desc = "the same work", .copies_per_iter = 1, .run = work, .model = work_model, .before_sample = fs_before_sample},
	},
	.verify = verify,
	.teardown = teardown,
};

ZC_REGISTER(noise_floor)
