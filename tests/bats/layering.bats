#!/usr/bin/env bats
# The layers of harness/layers.txt hold on the real build, and the check catches each kind
# of violation planted in a small tree of objects.

load helpers

CHECK=$ROOT/tests/layering/check

# plant FOLDER NAME CODE: compiles CODE into $TREE/harness/FOLDER/NAME.o.
plant() {
  mkdir -p "$TREE/harness/$1"
  printf '%s\n' "$3" > "$TREE/$2.c"
  cc -c "$TREE/$2.c" -o "$TREE/harness/$1/$2.o"
}

setup() {
  # What this file checks does not depend on the build a pass tests (the plain build's
  # objects, clones that build their own): the sanitizer pass would run the same again.
  if [[ ${BUILD:-build} != build ]]; then
    skip "independent of the build under test; it runs in the plain build's pass"
  fi
  TREE=$(mktemp -d)
}

teardown() {
  rm -rf "$TREE"
}

@test "no harness or bench object calls up its layers" {
  run "$CHECK" "$ROOT/build/obj"
  [ "$status" -eq 0 ] || { echo "$output"; false; }
  read -r n m < <(sed -n 's/^\([0-9]*\) calls across folders and \([0-9]*\) includes.*/\1 \2/p' <<<"$output")
  [ "$n" -gt 50 ] && [ "$m" -gt 50 ]
}

@test "a planted call from base up into report fails the check, naming both" {
  plant report high 'int zc_planted_report(void) { return 1; }'
  plant base low 'int zc_planted_report(void); int zc_planted_base(void) { return zc_planted_report(); }'
  run "$CHECK" "$TREE"
  [ "$status" -ne 0 ]
  [[ "$output" == *"harness/base/low.o (harness/base, rank 0) calls zc_planted_report in harness/report/high.o"* ]]
}

@test "a header included up the layers fails the check" {
  plant base low 'int zc_planted(void) { return 1; }'
  printf 'harness/base/low.o: harness/base/low.c harness/report/report.h\n' > "$TREE/harness/base/low.d"
  run "$CHECK" "$TREE"
  [ "$status" -ne 0 ]
  [[ "$output" == *"harness/base/low.o (harness/base, rank 0) includes harness/report/report.h"* ]]
}

@test "the same call downwards passes, and an object outside every layer fails" {
  plant base low 'int zc_planted_base(void) { return 1; }'
  plant report high 'int zc_planted_base(void); int zc_planted_report(void) { return zc_planted_base(); }'
  run "$CHECK" "$TREE"
  [ "$status" -eq 0 ] || { echo "$output"; false; }
  plant nowhere stray 'int zc_planted_stray(void) { return 2; }'
  run "$CHECK" "$TREE"
  [ "$status" -ne 0 ]
  [[ "$output" == *"not in a folder of the layers file"* ]]
}

@test "a reporter that calls a function of the analysis fails the check; reading its table passes" {
  plant analysis an 'double zc_planted_share(double a, double b) { return a / b; } const char *const zc_planted_names[] = {"x"};'
  plant report ok 'extern const char *const zc_planted_names[]; const char *zc_planted_fmt(void) { return zc_planted_names[0]; }'
  run "$CHECK" "$TREE"
  [ "$status" -eq 0 ] || { echo "$output"; false; }
  plant report bad 'double zc_planted_share(double a, double b); double zc_planted_out(void) { return zc_planted_share(1, 2); }'
  run "$CHECK" "$TREE"
  [ "$status" -ne 0 ]
  [[ "$output" == *"harness/report/bad.o (harness/report) computes: it calls zc_planted_share"* ]]
}
