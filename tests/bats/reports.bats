#!/usr/bin/env bats
# The report scripts: the U test against scipy, tables and comparisons against expected
# files, charts, the index, and every bad input.
bats_require_minimum_version 1.5.0
load helpers

setup() {
  cd "$ROOT"
  FIX=tests/fixtures
}

# p-value of the two-sided Mann-Whitney U test from scripts/lib/stats.awk
mwu() {
  awk -v xs="$1" -v ys="$2" -f scripts/lib/stats.awk \
    -f <(echo 'BEGIN { nx = split(xs, x, " "); ny = split(ys, y, " "); printf "%.6f\n", mwu_p(x, nx, y, ny) }')
}

@test "Mann-Whitney U p-values agree with scipy 1.10.1 (exact without ties, asymptotic with)" {
  # References: scipy.stats.mannwhitneyu(x, y, method=...).pvalue, scipy 1.10.1 (Debian 12).
  [ "$(mwu '1 2 3 4 5 6 7 8 9 10' '5.5 6.5 7.5 8.5 9.5 10.5 11.5 12.5 13.5 14.5')" = 0.006841 ] # exact: 0.006841455757864427
  [ "$(mwu '1 2 3' '4 5 6')" = 0.100000 ]                                                        # exact: 0.1
  [ "$(mwu '10.2 10.4 10.1 10.3 10.6 10.5' '10.8 10.9 10.45 11.0 10.7 11.2')" = 0.008658 ]       # exact: 0.008658008658008658
  [ "$(mwu '1.1 2.2 3.3 4.4 5.5 6.6 7.7 8.8 9.9 11.0 12.1 13.2 14.3 15.4 16.5 17.6 18.7 19.8 20.9 22.0' \
           '4.15 5.25 6.35 7.45 8.55 9.65 10.75 11.85 12.95 14.05 15.15 16.25 17.35 18.45 19.55 20.65 21.75 22.85 23.95 25.05')" = 0.210964 ] # exact: 0.21096432724812078
  [ "$(mwu '1 2 2 3 4 5' '3 4 5 5 6 7')" = 0.042708 ]                    # asymptotic: 0.04270783292418039
  [ "$(mwu '5 5 5 6 6 7 7 7 8 9' '6 7 7 8 8 8 9 9 10 10')" = 0.017209 ]  # asymptotic: 0.01720929253611468
}

@test "table of a fixture matches the expected markdown" {
  run -0 scripts/table $FIX/run_a.json
  diff <(printf '%s\n' "$output") $FIX/expected/table_a.md
}

@test "compare of two fixtures matches the expected markdown" {
  run -0 scripts/compare $FIX/run_a.json $FIX/run_b.json
  diff <(printf '%s\n' "$output") $FIX/expected/compare_ab.md
}

@test "compare says what differs, which change is significant, and what moved" {
  run -0 scripts/compare $FIX/run_a.json $FIX/run_b.json
  [[ $output == *"| kernel_release | 6.18.44-fc-v657 | 6.1.0-fixture |"* ]]
  [[ $output == *"| copy_vs_slice/baseline/64KiB_reused |"*"+25.00% (p=0.002 n=6+6) |"* ]]
  [[ $output == *"| copy_vs_slice/zerocopy/64KiB_reused |"*"~ (p=1.000 n=6+6) |"* ]]
  [[ $output == *"**changed**"* ]]
  [[ $output == *"copy_vs_slice/zerocopy/64KiB_misaligned (only in run 1)"* ]]
  [[ $output == *"**geomean**"* ]]
}

@test "compare with three runs puts one column per run" {
  run -0 scripts/compare $FIX/run_a.json $FIX/run_b.json $FIX/run_a.json
  [[ $output == *"| benchmark | run 1 | run 2 | vs run 1 | run 3 | vs run 1 |"* ]]
}

@test "compare reads plain Google Benchmark JSON too" {
  run -0 scripts/compare /usr/share/benchmark/gbench/Inputs/test1_run1.json /usr/share/benchmark/gbench/Inputs/test1_run2.json
  [[ $output == *"BM_SameTimes"* ]]
}

@test "plot writes the ratio chart as SVG, and sweep charts when there are sizes" {
  d=$BATS_TEST_TMPDIR/charts
  mkdir -p "$d"
  run -0 scripts/plot $FIX/run_a.json "$d"
  [ -s "$d/run_a-ratios.svg" ]
  grep -q '<svg' "$d/run_a-ratios.svg"
}

@test "report and index work on paths with spaces and write nothing half-done" {
  d="$BATS_TEST_TMPDIR/my results/host one"
  mkdir -p "$d"
  cp $FIX/run_a.json "$d/run a.json"
  run -0 scripts/report "$d/run a.json"
  [ -s "$d/run a.md" ]
  grep -q 'run%20a-ratios.svg' "$d/run a.md"
  # report indexed the tree the run belongs to, not the repository's results/
  grep -q 'host one/run a.md' "$BATS_TEST_TMPDIR/my results/README.md"
  rm "$BATS_TEST_TMPDIR/my results/README.md"
  run -0 scripts/index "$BATS_TEST_TMPDIR/my results"
  grep -q 'host one/run a.md' "$BATS_TEST_TMPDIR/my results/README.md"
  [ -z "$(find "$BATS_TEST_TMPDIR/my results" -name '.*')" ]
}

@test "bad inputs: one clear line naming the file, non-zero exit, no output file" {
  t=$BATS_TEST_TMPDIR
  echo 'not json {' > "$t/bad.json"
  echo '[1,2]' > "$t/array.json"
  echo '{"context":{}}' > "$t/nobench.json"
  echo '{"benchmarks":[]}' > "$t/empty.json"
  echo '{"benchmarks":[{"name":"x","cpu_time":1}]}' > "$t/fields.json"
  echo '{"benchmarks":[{"name":"other","real_time":1,"cpu_time":1,"time_unit":"ns"}]}' > "$t/other.json"
  for f in bad array nobench empty fields; do
    run -1 scripts/table "$t/$f.json"
    [ "${#lines[@]}" -eq 1 ]
    [[ $output == "table: $t/$f.json: "* ]]
    run -1 scripts/compare "$t/$f.json" $FIX/run_a.json
    [[ $output == "compare: $t/$f.json: "* ]]
  done
  run -1 scripts/table "$t/missing.json"
  [[ $output == *"missing.json: no such readable file"* ]]
  run -1 scripts/compare "$t/other.json" $FIX/run_a.json
  [[ $output == *"no benchmark in common"* ]]
  [ "${#lines[@]}" -eq 1 ]
  run -1 scripts/report "$t/empty.json"
  [ ! -e "$t/empty.md" ]
  [ -z "$(find "$t" -name '.*.md.*')" ]
  run -2 scripts/compare $FIX/run_a.json
  run -2 scripts/table
}
