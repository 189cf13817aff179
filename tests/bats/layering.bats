#!/usr/bin/env bats
# The layers of harness/layers.txt hold on the real build, and the check catches a
# call up the layers planted in a two-object tree.

load helpers

CHECK=$ROOT/tests/layering/check

@test "no harness or bench object calls up its layers" {
  run "$CHECK" "$ROOT/build/obj"
  [ "$status" -eq 0 ] || { echo "$output"; false; }
  read -r n m < <(sed -n 's/^\([0-9]*\) calls across folders and \([0-9]*\) includes.*/\1 \2/p' <<<"$output")
  [ "$n" -gt 50 ] && [ "$m" -gt 50 ]
}

@test "a planted call from base up into report fails the check, naming both" {
  d=$(mktemp -d)
  mkdir -p "$d/harness/base" "$d/harness/report"
  echo 'int zc_planted_report(void) { return 1; }' > "$d/high.c"
  echo 'int zc_planted_report(void); int zc_planted_base(void) { return zc_planted_report(); }' > "$d/low.c"
  cc -c "$d/high.c" -o "$d/harness/report/high.o"
  cc -c "$d/low.c" -o "$d/harness/base/low.o"
  run "$CHECK" "$d"
  rm -rf "$d"
  [ "$status" -ne 0 ]
  [[ "$output" == *"harness/base/low.o (harness/base, rank 0) calls zc_planted_report in harness/report/high.o"* ]]
}

@test "a header included up the layers fails the check" {
  d=$(mktemp -d)
  mkdir -p "$d/harness/base" "$d/harness/report"
  echo 'int zc_planted(void) { return 1; }' > "$d/low.c"
  cc -c "$d/low.c" -o "$d/harness/base/low.o"
  printf 'harness/base/low.o: harness/base/low.c harness/report/report.h\n' > "$d/harness/base/low.d"
  run "$CHECK" "$d"
  rm -rf "$d"
  [ "$status" -ne 0 ]
  [[ "$output" == *"harness/base/low.o (harness/base, rank 0) includes harness/report/report.h"* ]]
}

@test "the same call downwards passes, and an object outside every layer fails" {
  d=$(mktemp -d)
  mkdir -p "$d/harness/base" "$d/harness/report" "$d/harness/nowhere"
  echo 'int zc_planted_base(void) { return 1; }' > "$d/low.c"
  echo 'int zc_planted_base(void); int zc_planted_report(void) { return zc_planted_base(); }' > "$d/high.c"
  cc -c "$d/low.c" -o "$d/harness/base/low.o"
  cc -c "$d/high.c" -o "$d/harness/report/high.o"
  run "$CHECK" "$d"
  [ "$status" -eq 0 ] || { echo "$output"; rm -rf "$d"; false; }
  cp "$d/harness/report/high.o" "$d/harness/nowhere/high.o"
  run "$CHECK" "$d"
  rm -rf "$d"
  [ "$status" -ne 0 ]
  [[ "$output" == *"not in a folder of the layers file"* ]]
}

@test "a reporter that calls a function of the analysis fails the check; reading its table passes" {
  d=$(mktemp -d)
  mkdir -p "$d/harness/analysis" "$d/harness/report"
  echo 'double zc_planted_share(double a, double b) { return a / b; } const char *const zc_planted_names[] = {"x"};' > "$d/an.c"
  echo 'extern const char *const zc_planted_names[]; const char *zc_planted_fmt(void) { return zc_planted_names[0]; }' > "$d/ok.c"
  echo 'double zc_planted_share(double a, double b); double zc_planted_out(void) { return zc_planted_share(1, 2); }' > "$d/bad.c"
  cc -c "$d/an.c" -o "$d/harness/analysis/an.o"
  cc -c "$d/ok.c" -o "$d/harness/report/ok.o"
  run "$CHECK" "$d"
  [ "$status" -eq 0 ] || { echo "$output"; rm -rf "$d"; false; }
  cc -c "$d/bad.c" -o "$d/harness/report/bad.o"
  run "$CHECK" "$d"
  rm -rf "$d"
  [ "$status" -ne 0 ]
  [[ "$output" == *"harness/report/bad.o (harness/report) computes: it calls zc_planted_share"* ]]
}
