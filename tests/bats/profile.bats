#!/usr/bin/env bats
# The machine profile (--machine-profile, context.machine_profile), the pairs' cost models
# (predicted_ratio) and the attribution across runs (--attribute, scripts/compare).
bats_require_minimum_version 1.5.0
load helpers

setup_file() {
  load helpers
  export PROF=$BATS_FILE_TMPDIR/profile.json RUN1=$BATS_FILE_TMPDIR/run1.json RUN2=$BATS_FILE_TMPDIR/run2.json
  # The kernel's newest line on a lockdown refusal to zcbench, before and after the profile
  # (a full log drops its oldest lines: a count can stay the same).
  refusals() { dmesg 2>/dev/null | grep 'Lockdown: zcbench' | tail -1 || true; }
  export REFUSED_BEFORE=$(refusals)
  "$ZCBENCH" --machine-profile --min-time 0.002 --out "$PROF" >"$BATS_FILE_TMPDIR/profile.txt" 2>/dev/null
  export REFUSED_AFTER=$(refusals)
  # One param of every pair that is not a stream: each declares a model.
  filter="^($("$ZCBENCH" --list | sed -n 's/^\([a-z0-9_]*\)\( \[control\]\)\{0,1\}:.*/\1/p' | paste -sd'|' -))/(64KiB_reused|4KiB_warm_kept|memcpy_64KiB)$"
  quick_run "$RUN1" --filter "$filter" 2>/dev/null
  quick_run "$RUN2" --filter "$filter" 2>/dev/null
  # The sides' models live with the samples: the whole document has them.
  export RUN1W=$BATS_FILE_TMPDIR/run1-whole.json
  whole "$RUN1" >"$RUN1W" 2>/dev/null || true
}

@test "--machine-profile measures every primitive with its interval, or says why not" {
  jq -e '.context.machine_profile | .measured and .samples >= 6 and (.primitives | length) >= 16' "$PROF"
  # Each per-op primitive: low <= median <= high; each per-byte one: the same at every size.
  # No cost is below zero: one derived below it is 0, its measured value kept beside it.
  jq -e '[.context.machine_profile.primitives[] |
          if .unit == "ns" then (.unavailable != null or (.ci_low <= .median and .median <= .ci_high and .median >= 0
                                 and (.median > 0 or .floored_from < 0)))
          else ([.sizes[] | .median == null or (.ci_low <= .median and .median <= .ci_high and .median >= 0
                                                and (.median > 0 or .floored_from < 0))] | all) end] | all' "$PROF"
  jq -e '.context.machine_profile.settings | (.thp_enabled | length > 0) and (.fault_around_bytes | length > 0)
         and (.folios["random-4MiB.bin"] | length > 0)
         and ([.softirq_share[] | . >= 0 and . <= 1] | all)' "$PROF"
  for key in $(jq -r '.context.machine_profile.primitives | to_entries[] | select(.value.unit == "ns") | .key' "$PROF"); do
    grep -q "^  $key " "$BATS_FILE_TMPDIR/profile.txt"
  done
  run -2 "$ZCBENCH" --machine-profile --min-time 0.002 --out "$PROF"
  [[ $output == *"file exists; results are never overwritten"* ]]
}

@test "a full run measures the profile in each invocation too, and pools every measurement" {
  out=$BATS_TEST_TMPDIR/full.json
  "$ZCBENCH" --format none --invocations 2 --rounds 4 --min-time 0.001 --filter "^$(controls 1)\$" --out "$out" 2>/dev/null
  # What a failure below needs to be read (bats shows it only then): the counts, and each
  # cost the check would refuse.
  jq -c '.context.machine_profile | {measurements, invocation_measurements, when,
         refused: [.primitives | to_entries[] | select(.value.unit == "ns" and .value.unavailable == null)
                   | select((.value.ci_low <= .value.median and .value.median <= .value.ci_high
                             and .value.drift > 0) | not) | {(.key): .value}]}' "$out"
  # Before, after, and one per invocation; each cost's median inside its interval.
  jq -e '.context.machine_profile | .measurements == 4 and .invocation_measurements == 2
         and (.when | test("each invocation"))
         and ([.primitives[] | select(.unit == "ns" and .unavailable == null)
               | .ci_low <= .median and .median <= .ci_high and .drift > 0] | length > 0 and all)' "$out"
  # A quick run measures it once, in the driver.
  jq -e '.context.machine_profile | .measurements == 1 and .invocation_measurements == 0 and .when == "once"' "$RUN1"
}

@test "under kernel lockdown the profile does not ask debugfs (each refusal is logged, and pushes the boot log out)" {
  lock=$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/security/lockdown 2>/dev/null || true)
  [[ -n $lock && $lock != none ]] || skip "the kernel is not locked down"
  dmesg >/dev/null 2>&1 || skip "the kernel log is not readable"
  [ "$REFUSED_AFTER" = "$REFUSED_BEFORE" ]
  jq -e --arg lock "$lock" '.context.machine_profile.settings.fault_around_bytes | endswith("(kernel lockdown: \($lock))")' "$PROF"
}

@test "every result carries the profile, and every declared model its prediction and terms" {
  jq -e '.context.machine_profile.measured' "$RUN1"
  jq -e '[.pairs[] | select(.status == "ok") | .predicted_ratio != null and (.model_note | length > 0)] | all' "$RUN1"
  # A side's prediction is the loop floor plus its terms, each term ops x cost.
  jq -e '[.pairs[].sides[]?.model | select(.declared and .predicted_ns != null) |
          ((.floor_ns + ([.terms[].ns] | add // 0)) - .predicted_ns | fabs) < 1e-6 * .predicted_ns
          and ([.terms[] | select(.ns != 0) | ((.ops_per_iter * .cost_ns) - .ns | fabs) <= 1e-6 * (.ns | fabs)] | all)] | length > 0 and all' "$RUN1W"
  # Explained: the measured ratio within 25% of the predicted one, each side within 50% of its
  # model; where one side is at the loop floor (a bound), the other side within 25%.
  # Only an independent check can explain: not every timed side (one at the loop floor is
  # not timed work) restates the profile.
  jq -e '[.pairs[] | select(.predicted_ratio != null) |
          .model_independent == (if .ratio_bound == "lower" then (.sides.baseline.model.restates_profile | not)
                                 elif .ratio_bound == "upper" then (.sides.zerocopy.model.restates_profile | not)
                                 else ([.sides[].model.restates_profile] | all | not) end)
          and .model_explained == (.model_independent and
                              (if .ratio_bound == "lower" then (.sides.baseline.model.residual | fabs) <= 0.25
                               elif .ratio_bound == "upper" then (.sides.zerocopy.model.residual | fabs) <= 0.25
                               else (((.ratio / .predicted_ratio) - 1 | fabs) <= 0.25)
                                    and ([.sides[].model.residual | fabs <= 0.5] | all) end))] | length > 0 and all' "$RUN1W"
}

@test "--no-machine-profile: no prediction, and the result says why" {
  out=$BATS_TEST_TMPDIR/r.json
  run -0 "$ZCBENCH" --quick --no-machine-profile --format none --filter '^copy_vs_slice/64KiB_reused$' --out "$out"
  jq -e '.context.machine_profile.measured == false and .pairs[0].predicted_ratio == null
         and (.pairs[0].model_note | test("no machine profile"))' "$out"
}

@test "--attribute puts two profiles side by side and attributes each pair's move" {
  run -0 "$ZCBENCH" --attribute "$RUN1" "$RUN2"
  jq -e '(.primitives | length) >= 16 and (.pairs | length) >= 1
         and ([.pairs[] | (.explanation | length > 0) and (.contributions | length > 0)] | all)' <<<"$output"
  run -0 scripts/compare "$RUN1" "$RUN2"
  [[ $output == *"<summary>Machine profiles, run 1 vs run 2</summary>"* ]]
  [[ $output == *"| syscall | "* ]]
  [[ $output == *"| memcpy at 64KiB | "*"GB/s"* ]]
  # What neither profile measured (the stream primitives at 64 MiB) has no row.
  [[ $output != *" | - | - | - | "* ]]
}

@test "attribute --current-models derives both runs' models again from their own profiles, and of a run as today's code made it they are the published ones" {
  run -0 "$ZCBENCH" attribute --current-models "$RUN1" "$RUN2"
  current=$output
  jq -e '.models | startswith("current")' <<<"$current"
  run -0 "$ZCBENCH" attribute "$RUN1" "$RUN2"
  jq -e '.models == "as published"' <<<"$output"
  # The same models, so the same contributions and shares (to the 6 digits printed, less
  # the last: the profile's costs are read back from 10).
  round='[.pairs[] | {pair, attributed, c: [.contributions[] | {primitive, x: (.log_contribution * 1e4 | round)}]}]'
  diff <(jq -c "$round" <<<"$current") <(jq -c "$round" <<<"$output")
  run -2 "$ZCBENCH" --current-models
  [[ $output == *"--current-models goes with --attribute"* ]]
}

@test "--attribute refuses what is not two results" {
  run -2 "$ZCBENCH" --attribute "$RUN1"
  [[ $output == *"--attribute needs two result files"* ]]
  echo '[1]' >"$BATS_TEST_TMPDIR/x.json"
  run -2 "$ZCBENCH" --attribute "$RUN1" "$BATS_TEST_TMPDIR/x.json"
  [[ $output == *"not a zcbench result"* ]]
  run -2 "$ZCBENCH" --attribute "$BATS_TEST_TMPDIR/none.json" "$RUN1"
  [[ $output == *"not readable JSON"* ]]
}
