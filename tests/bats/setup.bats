#!/usr/bin/env bats
# The README's promises about setup: make bench works on its first run on a machine whose
# packages arrive only with the dependency step, and every make target the README names
# exists and does what it says (really where it is cheap, as a dry run where it is not).
bats_require_minimum_version 1.5.0
load helpers

setup() {
  # What this file checks does not depend on the build a pass tests (the plain build's
  # objects, clones that build their own): the sanitizer pass would run the same again.
  if [[ ${BUILD:-build} != build ]]; then
    skip "independent of the build under test; it runs in the plain build's pass"
  fi
}

# A copy of the tree as git sees it (tracked and new files, no build output).
copy_tree() {
  mkdir -p "$1"
  git -C "$ROOT" ls-files -z --cached --others --exclude-standard \
    | (cd "$ROOT" && tar --null -T - -cf -) | tar -C "$1" -xf -
}

@test "make bench on its first run, with the packages installed by its own dependency step" {
  git -C "$ROOT" rev-parse >/dev/null 2>&1 || skip "not a git checkout"
  t=$BATS_TEST_TMPDIR
  copy_tree "$t/clone"
  mkdir -p "$t/bin"
  real=$(command -v pkg-config)
  # pkg-config knows nothing until the dependency step has run...
  cat > "$t/bin/pkg-config" <<SH
#!/bin/sh
[ -e "$t/installed" ] || exit 1
exec "$real" "\$@"
SH
  # ...and the dependency step is what "installs" the packages.
  printf '#!/bin/sh\ntouch "%s/installed"\n' "$t" > "$t/check-deps"
  chmod +x "$t/bin/pkg-config" "$t/check-deps"
  run -1 env PATH="$t/bin:$PATH" pkg-config --libs jansson   # the simulation holds
  ZCBENCH_RESULTS=$t/results PATH="$t/bin:$PATH" run -0 make -C "$t/clone" --no-print-directory bench \
    CHECK_DEPS="$t/check-deps" MACHINE=fresh-box \
    BENCH_ARGS="--quick --format none --filter copy_vs_slice/64KiB_reused"
  [ -e "$t/installed" ]
  f=$(find "$t/results/fresh-box" -name '*.json')
  [ -n "$f" ]
  validate_result "$f"
  [ -s "${f%.json}.md" ]   # and its report
}

@test "make testdata creates the test data and checks it against the recipe" {
  export ZCBENCH_TESTDATA=$BATS_TEST_TMPDIR/td
  mkdir -p "$ZCBENCH_TESTDATA"
  run -0 make -C "$ROOT" --no-print-directory testdata
  [[ $output == *"random-4MiB.bin: 4194304 bytes, xxh3 ba647f84dc10e8d3"* ]]
  [ "$(stat -c %s "$ZCBENCH_TESTDATA/random-4MiB.bin")" = 4194304 ]
}

@test "every make target the README names exists, and the scripts its recipe runs are there" {
  targets=$(grep -oE '`make [a-z][a-z-]*' "$ROOT/README.md" | sed 's/`make //' | sort -u)
  [ -n "$targets" ]
  for t in $targets; do
    run make -C "$ROOT" --no-print-directory -n "$t"
    [ "$status" -eq 0 ] || { echo "make -n $t: $output"; false; }
    for s in $(grep -oE 'scripts/[A-Za-z0-9_.-]+' <<<"$output" | sort -u); do
      [ -x "$ROOT/$s" ] || { echo "make $t runs $s, which is missing"; false; }
    done
  done
}

@test ".ci/run runs the README's test command and nothing before it" {
  grep -q '^make test$' "$ROOT/.ci/run"
  [ "$(grep -vE '^\s*(#|$|set |cd )' "$ROOT/.ci/run")" = "make test" ]
  grep -qE '^make test( |$)' "$ROOT/README.md"
}
