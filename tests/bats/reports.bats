#!/usr/bin/env bats
# The report scripts: the U test against scipy, tables and comparisons against expected
# files, charts, the index, and every bad input.
bats_require_minimum_version 1.5.0
load helpers

setup() {
  cd "$ROOT"
  FIX=tests/fixtures
}

# A Google Benchmark file with one benchmark "x" whose samples are the arguments.
samples_json() {
  jq -n --arg v "$*" '{benchmarks: [$v | split(" ")[] | {name: "x", run_type: "iteration", real_time: tonumber, time_unit: "ns"}]}'
}

# compare's p-value for two sample lists, and scipy's own for the same lists.
compare_p() {
  samples_json "$1" > "$BATS_TEST_TMPDIR/a.json"
  samples_json "$2" > "$BATS_TEST_TMPDIR/b.json"
  scripts/compare "$BATS_TEST_TMPDIR/a.json" "$BATS_TEST_TMPDIR/b.json" | sed -n 's/^| x |.*p=\([0-9.]*\).*/\1/p'
}
scipy_p() {
  /usr/bin/python3 -c 'import sys; from scipy.stats import mannwhitneyu
x = [float(v) for v in sys.argv[1].split()]; y = [float(v) for v in sys.argv[2].split()]
print("%.3f" % mannwhitneyu(x, y, alternative="two-sided").pvalue)' "$1" "$2"
}

@test "compare's Mann-Whitney p-values are scipy's, also for samples equal to 6 significant digits" {
  # 543.0121 and 543.0124 are different samples: they must not share a rank (the old awk
  # test printed them with 6 digits and gave p=0.065; the exact test gives 0.093).
  a='543.0121 541.1 546.8 546.1 542.0 544.0' b='543.0124 540.0 541.9 543.1 536.8 536.3'
  [ "$(compare_p "$a" "$b")" = 0.093 ]
  [ "$(scipy_p "$a" "$b")" = 0.093 ]
  for pair in '1 2 3 4 5 6 7 8 9 10|5.5 6.5 7.5 8.5 9.5 10.5 11.5 12.5 13.5 14.5' \
              '1 2 2 3 4 5|3 4 5 5 6 7' '5 5 5 6 6 7 7 7 8 9|6 7 7 8 8 8 9 9 10 10'; do
    [ "$(compare_p "${pair%|*}" "${pair#*|}")" = "$(scipy_p "${pair%|*}" "${pair#*|}")" ]
  done
}

@test "table of a fixture matches the expected markdown" {
  run -0 scripts/table $FIX/run_a.json
  diff <(printf '%s\n' "$output") $FIX/expected/table_a.md
}

@test "compare of two fixtures matches the expected markdown" {
  run -0 scripts/compare $FIX/run_a.json $FIX/run_b.json
  diff <(printf '%s\n' "$output") $FIX/expected/compare_ab.md
}

@test "compare says what differs, which pair moved beyond a re-run, and which verdict changed" {
  run -0 scripts/compare $FIX/run_a.json $FIX/run_b.json
  [[ $output == *"| kernel_release | 6.18.44-fc-v657 | 6.1.0-fixture |"* ]]
  # zcbench results: pairs against the prediction interval, no per-sample U test.
  [[ $output != *"p<0.001"* ]]
  [[ $output == *"| copy_vs_slice/64KiB_reused |"*"| +25.0% | [2124, 2179] | **beyond the re-run**, a bound: not counted |"* ]]
  [[ $output == *"| copy_vs_slice/64KiB_fresh |"*"| +0.0% | [2020, 3587] | a bound: not counted |"* ]]
  [[ $output == *"| noise_floor/memcpy_64KiB |"*"inconclusive |"*"same |"*"**same vs inconclusive** |"* ]]
  [[ $output == *"copy_vs_slice/64KiB_misaligned (only in run 1)"* ]]
  [[ $output == *"Run 1 has 3 pairs of one invocation"* ]]
}

@test "compare sets side by side only the savings every run broke down, and says how many the others are" {
  # run_b with a breakdown of its first pair; run_a (from before breakdowns) has none.
  jq '.pairs[0] += {saving_ns_per_iter: 650, saving_breakdown: [{cause: "copy avoided", share: 0.93}, {cause: "the rest", share: 0.07}]}' \
    $FIX/run_b.json > "$BATS_TEST_TMPDIR/b.json"
  row=$(jq -r '.pairs[0] | "| \(.name)/\(.param) |"' $FIX/run_b.json)
  run -0 scripts/compare $FIX/run_a.json "$BATS_TEST_TMPDIR/b.json"
  [[ $output == *"1 pairs are broken down in some runs only"* ]]
  [[ $output != *"$row 650.0 ns"* && $output != *"$row - |"* ]]
  run -0 scripts/compare "$BATS_TEST_TMPDIR/b.json" "$BATS_TEST_TMPDIR/b.json"
  [[ $output == *"$row 650.0 ns: copy 93%, rest 7% | 650.0 ns: copy 93%, rest 7% |"* ]]
  [[ $output != *"broken down in some runs only"* ]]
}

@test "compare with three runs puts one table per later run" {
  run -0 scripts/compare $FIX/run_a.json $FIX/run_b.json $FIX/run_a.json
  [[ $output == *"| pair/param | run 1 | run 2 | move | PI for run 2 | |"* ]]
  [[ $output == *"| pair/param | run 1 | run 3 | move | PI for run 3 | |"* ]]
}

@test "compare of plain Google Benchmark files keeps benchstat's rows" {
  for f in a b; do jq 'del(.pairs)' $FIX/run_$f.json > "$BATS_TEST_TMPDIR/gb_$f.json"; done
  run -0 scripts/compare "$BATS_TEST_TMPDIR/gb_a.json" "$BATS_TEST_TMPDIR/gb_b.json"
  [[ $output == *"| copy_vs_slice/baseline/64KiB_reused |"*"+25.00% (p<0.001 n=8+8) |"* ]]
  [[ $output == *"| copy_vs_slice/zerocopy/64KiB_reused |"*"~ (p=1.000 n=8+8) |"* ]]
  [[ $output == *"copy_vs_slice/zerocopy/64KiB_misaligned (only in run 1)"* ]]
  [[ $output == *"**geomean**"* ]]
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
  d="$BATS_TEST_TMPDIR/my results/host one/run a"
  mkdir -p "$d"
  cp $FIX/run_a.json "$d/run a.json"
  run -0 scripts/report "$d/run a.json"
  [ -s "$d/run a.md" ]
  [ "$(stat -c %a "$d/run a.md")" = 644 ] && [ "$(stat -c %a "$d/run a-summary.txt")" = 644 ]
  cmp "$d/run a-summary.txt" <(scripts/summary "$d/run a.json")
  grep -q 'run%20a-ratios.svg' "$d/run a.md"
  # report indexed the tree the run belongs to, not the repository's results/
  grep -q 'host one/run a/run a.md' "$BATS_TEST_TMPDIR/my results/README.md"
  grep -q '(run a/run a.md)' "$BATS_TEST_TMPDIR/my results/host one/README.md"
  rm "$BATS_TEST_TMPDIR/my results/README.md"
  run -0 scripts/index "$BATS_TEST_TMPDIR/my results"
  grep -q 'host one/run a/run a.md' "$BATS_TEST_TMPDIR/my results/README.md"
  [ -z "$(find "$BATS_TEST_TMPDIR/my results" -name '.*')" ]
  [ -z "$(find "$BATS_TEST_TMPDIR/my results" -type f ! -perm -044)" ]
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

@test "summary: one sorted line per pair/param, and nothing in it that differs between identical runs" {
  run -0 scripts/summary $FIX/run_a.json
  [ "${#lines[@]}" -eq $(( $(jq '.pairs | length' $FIX/run_a.json) + 1 )) ]
  [[ ${lines[0]} == "# zcbench summary"* ]]
  diff <(printf '%s\n' "${lines[@]:1}") <(printf '%s\n' "${lines[@]:1}" | LC_ALL=C sort)
  # Each line carries its pair's ratio and verdict as the result has them.
  jq -r '.pairs[] | select(.status == "ok") | "\(.name)/\(.param) \(.verdict)"' $FIX/run_a.json |
    while read -r pp verdict; do grep -q "^$pp  .*  $verdict  sd " <<<"$output"; done
  # No timestamp, path or commit: the same run under another name and commit gives the same text.
  jq '.context.git_commit = "000000000000" | .context.date = "1970-01-01T00:00:00Z"' $FIX/run_a.json > "$BATS_TEST_TMPDIR/other name.json"
  diff <(printf '%s\n' "$output") <(scripts/summary "$BATS_TEST_TMPDIR/other name.json")
  run -2 scripts/summary
}
