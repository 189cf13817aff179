#!/usr/bin/env bats
# Adding a pair is adding its file: a throwaway stream-tagged pair dropped into a copy of
# the tree is built, listed with its kind and invariants, and checked by the unchanged
# invariants.bats, which fails when the pair breaks what it declares.
bats_require_minimum_version 1.5.0
load helpers

# It builds its own plain copy whatever build a pass tests: the sanitizer pass would
# build and run the very same again.
in_plain_pass() { [[ ${BUILD:-build} == build ]]; }

setup() {
  in_plain_pass || skip "independent of the build under test; it runs in the plain build's pass"
}

setup_file() {
  load helpers
  in_plain_pass || return 0
  export TREE=$BATS_FILE_TMPDIR/tree
  mkdir -p "$TREE"
  (cd "$ROOT" && git ls-files -z -- . ':!results' | xargs -0 cp --parents -t "$TREE")
  cat > "$TREE/benches/zz_throwaway.c" <<'C'
/* zz_throwaway.c - a test's throwaway pair: one write vs two half writes to /dev/null. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "zcbench.h"

struct state { int fd; unsigned char *buf; size_t n; };

static int setup(void *st, const struct zc_param *p)
{
	struct state *s = st;
	s->n = p->bytes;
	s->buf = calloc(1, s->n);
	s->fd = open("/dev/null", O_WRONLY);
	return s->buf && s->fd >= 0 ? ZC_OK : ZC_ERROR;
}
static int one_run(void *st, uint64_t iters)
{
	struct state *s = st;
	for (uint64_t i = 0; i < iters; i++)
		if (write(s->fd, s->buf, s->n) != (ssize_t)s->n)
			return ZC_ERROR;
	return ZC_OK;
}
static int halves_run(void *st, uint64_t iters)
{
	struct state *s = st;
	int extra = getenv("ZZ_EXTRA_SYSCALL") != NULL;
	for (uint64_t i = 0; i < iters; i++) {
		if (write(s->fd, s->buf, s->n / 2) != (ssize_t)(s->n / 2) ||
		    write(s->fd, s->buf + s->n / 2, s->n - s->n / 2) != (ssize_t)(s->n - s->n / 2))
			return ZC_ERROR;
		if (extra)
			zc_use((uint64_t)getppid());
	}
	return ZC_OK;
}
static void one_inv(const struct zc_param *p, struct zc_invariants *inv) { (void)p; inv->syscalls = 1; }
static void two_inv(const struct zc_param *p, struct zc_invariants *inv) { (void)p; inv->syscalls = 2; }
static int verify(void *st) { (void)st; return ZC_OK; }
static void teardown(void *st)
{
	struct state *s = st;
	if (s->fd >= 0)
		close(s->fd);
	free(s->buf);
}
static const struct zc_param params[] = {{"64KiB", 64 << 10, 0, "64 KiB to /dev/null", 0}};
static const struct zc_pair zz_throwaway = {
	.name = "zz_throwaway",
	.summary = "a test's throwaway pair",
	.flags = ZC_PAIR_STREAM,
	.params = params,
	.nparams = 1,
	.state_size = sizeof(struct state),
	.setup = setup,
	.side = {
		{.desc = "write(n)", .copies_per_iter = 1, .run = one_run, .invariants = one_inv},
		{.desc = "write(n/2) twice", .copies_per_iter = 1, .run = halves_run, .invariants = two_inv},
	},
	.verify = verify,
	.teardown = teardown,
};
ZC_REGISTER(zz_throwaway)
C
  # A plain build of the copy, whatever make this runs under (make test passes BUILD and
  # CFLAGS down to its sanitizer run).
  env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$TREE" -s -j2 BUILD=build all >"$BATS_FILE_TMPDIR/build.log" 2>&1 ||
    { cat "$BATS_FILE_TMPDIR/build.log"; false; }
}

@test "the new pair is built and listed, with its kind and invariants" {
  run -0 "$TREE/build/zcbench" list --format json
  jq -e '.pairs[] | select(.name == "zz_throwaway") | .kind == "stream"
         and .params[0].invariants.zerocopy.syscalls_per_iter == 2' <<<"$output"
}

@test "the unchanged invariants test checks it, and fails when it breaks its declaration" {
  cnt=$("$TREE/build/zcbench" --quick --no-machine-profile --invocations 1 --format none --filter '^zz_' \
        --out "$BATS_FILE_TMPDIR/probe.json" 2>/dev/null; jq -r '.context.counters["raw_syscalls:sys_enter"]' "$BATS_FILE_TMPDIR/probe.json")
  [[ $cnt == ok ]] || skip "syscall tracepoint unavailable"
  run env ZCBENCH="$TREE/build/zcbench" INVARIANTS_PAIRS='^zz_' bats "$TREE/tests/bats/invariants.bats"
  [ "$status" -eq 0 ] || { echo "$output"; false; }
  run env ZZ_EXTRA_SYSCALL=1 ZCBENCH="$TREE/build/zcbench" INVARIANTS_PAIRS='^zz_' bats "$TREE/tests/bats/invariants.bats"
  [ "$status" -ne 0 ]
  [[ $output == *"zz_throwaway/zerocopy/64KiB: 3 syscalls per iteration, declared 2"* ]]
}
