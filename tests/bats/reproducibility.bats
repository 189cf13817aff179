#!/usr/bin/env bats
# Machine tuning and its undo (on a fake sysfs tree: the tests never touch the real
# knobs), ASLR off for the run, and clean interruption: no result file, no temp file, no
# child process left behind.
bats_require_minimum_version 1.5.0
load helpers

fake_sysfs() { # fake_sysfs DIR: a machine with cpufreq, boost and THP knobs
  mkdir -p "$1/sys/devices/system/cpu/cpu0/cpufreq" "$1/sys/devices/system/cpu/cpu1/cpufreq" \
           "$1/sys/devices/system/cpu/cpufreq" "$1/sys/kernel/mm/transparent_hugepage" "$1/sys/kernel/debug"
  echo powersave > "$1/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"
  echo schedutil > "$1/sys/devices/system/cpu/cpu1/cpufreq/scaling_governor"
  echo 1 > "$1/sys/devices/system/cpu/cpufreq/boost"
  echo 'always [madvise] never' > "$1/sys/kernel/mm/transparent_hugepage/enabled"
  echo 65536 > "$1/sys/kernel/debug/fault_around_bytes"
}

@test "--tune sets the knobs and --tune-reset restores exactly what was there" {
  root=$BATS_TEST_TMPDIR/fake
  fake_sysfs "$root"
  export ZCBENCH_SYSFS=$root ZCBENCH_TUNE_STATE=$BATS_TEST_TMPDIR/tune.state
  run -2 "$ZCBENCH" --tune --fault-around 5000
  [[ $output == *"not a power of two"* ]]
  run -0 "$ZCBENCH" --tune --thp never --fault-around 4096
  [[ $output == *"governor: powersave -> performance"* ]]
  [[ $output == *"fault-around: 65536 -> 4096"* ]]
  [ "$(cat "$root/sys/kernel/debug/fault_around_bytes")" = 4096 ]
  [[ $output == *"turbo: not on this machine"* ]]
  [ "$(cat "$root/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")" = performance ]
  [ "$(cat "$root/sys/devices/system/cpu/cpu1/cpufreq/scaling_governor")" = performance ]
  [ "$(cat "$root/sys/devices/system/cpu/cpufreq/boost")" = 0 ]
  [ "$(cat "$root/sys/kernel/mm/transparent_hugepage/enabled")" = never ]
  # A second --tune keeps the first saved state: reset must go back to the original.
  run -0 "$ZCBENCH" --tune
  [[ $output == *"exists (tuned before)"* ]]
  run -0 "$ZCBENCH" --tune-reset
  [ "$(cat "$root/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")" = powersave ]
  [ "$(cat "$root/sys/devices/system/cpu/cpu1/cpufreq/scaling_governor")" = schedutil ]
  [ "$(cat "$root/sys/devices/system/cpu/cpufreq/boost")" = 1 ]
  [ "$(cat "$root/sys/kernel/mm/transparent_hugepage/enabled")" = madvise ]
  [ "$(cat "$root/sys/kernel/debug/fault_around_bytes")" = 65536 ]
  [ ! -e "$ZCBENCH_TUNE_STATE" ]
  run -0 "$ZCBENCH" --tune-reset
  [[ $output == *"nothing to restore"* ]]
}

@test "--tune without root says what it could not set and exits cleanly" {
  # A directory an unprivileged user can reach (bats' own temp dirs may be private).
  top=$(mktemp -d /tmp/zcbench-tune-XXXXXX)
  root=$top/fake
  fake_sysfs "$root"
  chmod -R a+rX "$top"
  chmod 1777 "$top"
  as_user=()
  if [[ $(id -u) == 0 ]]; then
    command -v setpriv >/dev/null || skip "root, and no setpriv to drop privileges"
    as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
    "${as_user[@]}" test -x "$ZCBENCH" || skip "$ZCBENCH is not executable by an unprivileged user here"
  fi
  run -0 env ZCBENCH_SYSFS="$root" ZCBENCH_TUNE_STATE="$top/user.state" "${as_user[@]}" "$ZCBENCH" --tune --thp never
  rm -rf "$top"
  [[ $output == *"governor: could not set"*"needs root"* ]]
  [[ $output == *"THP: could not set"* ]]
}

@test "each invocation is a fresh process with a layout of its own; --no-aslr gives them one" {
  out=$BATS_TEST_TMPDIR/aslr.json
  run -0 "$ZCBENCH" --quick --no-machine-profile --format none --out "$out" --filter '64KiB_reused$'
  jq -e '.context.aslr_process | test("^on: 3 distinct memory layouts in 3 invocations")' "$out"
  jq -e '.context.invocations | length == 3 and ([.[].layout] | unique | length == 3)
         and ([.[].order_seed] | unique | length == 3) and all(.loop_floor_ns > 0)' "$out"
  out2=$BATS_TEST_TMPDIR/aslr-off.json
  run -0 "$ZCBENCH" --no-aslr --quick --no-machine-profile --format none --out "$out2" --filter '64KiB_reused$'
  jq -e '.context.aslr_process | test("^off for the invocations.*: 1 distinct memory layouts in 3")' "$out2"
}

@test "the pairs run in an order of each invocation's own, from a recorded seed" {
  out=$BATS_TEST_TMPDIR/order.json
  run -0 "$ZCBENCH" --quick --no-machine-profile --seed 7 --format none --out "$out" --filter "^copy_vs_slice/|^$(controls 1)\$"
  # Each invocation's progress lines list the pairs in its order; with 5 params, three
  # invocations in one order would happen 1 in 14400 times for a fair shuffle.
  orders=$(grep -E '^\[[0-9]+/3 ' <<<"$output" | sed -E 's/^\[([0-9]+)\/3 [0-9]+\/[0-9]+\] /\1 /' |
           awk '{a[$1] = a[$1] " " $2} END {for (k in a) print a[k]}' | sort -u | wc -l)
  [ "$orders" -gt 1 ]
  [ "$(jq '.context.invocations[0].order_seed' "$out")" = "$("$ZCBENCH" --quick --no-machine-profile --seed 7 --format none \
      --out "$BATS_TEST_TMPDIR/order2.json" --filter "^copy_vs_slice/|^$(controls 1)\$" >/dev/null 2>&1;
      jq '.context.invocations[0].order_seed' "$BATS_TEST_TMPDIR/order2.json")" ]
}

@test "every pair carries its block analysis: position effect, drift, p-values, and why" {
  out=$BATS_TEST_TMPDIR/stab.json
  run -0 "$ZCBENCH" --quick --format none --out "$out" --filter "64KiB_reused\$|^$(controls 1)\$"
  whole "$out" | jq -e '.pairs | all(.blocks == .rounds / 2 and (.block_ratios | length) == .blocks
         and .invocations == 3
         and (.invocation_ratios | length) == 3 and .between_run_sd >= 0 and .within_run_se > 0
         and (.position_effect | has("estimate") and has("flagged"))
         and (.drift | has("first_half") and has("detected"))
         and .p_adjusted >= .p_value and (.verdict_reason | length) > 0)'
  # The run-wide adjustment is Holm's over the family of a default run, whatever the
  # filter: the smallest p-value times the family's size. (copy_vs_slice is faster by
  # three orders of magnitude, so that product is below 1.)
  # The family: the default params of pairs that are not controls; the controls apart.
  read -r n nc < <("$ZCBENCH" --list | awk '/^[a-z0-9_]+( \[[a-z]+\])*:/ {c = / \[control\]/}
    /^  [a-z0-9_]+\// && !/\[sweep\]/ {if (c) nc++; else n++} END {print n, nc}')
  jq -e --argjson n "$n" --argjson nc "$nc" '.context.holm_family | .size == $n and .controls == $nc' "$out"
  jq -e --argjson n "$n" '[.pairs[] | select(.control | not) | .p_value] as $p
         | [.pairs[] | select(.control | not) | .p_adjusted] as $a
         | (($p | min) * $n) as $want
         | $want < 1 and (($a | min) / $want - 1 | fabs) < 1e-6' "$out"  # the pairs keep 7 digits
  jq -e '.context.noise_floor.controls == 1' "$out"
  jq -e --arg c "$(controls 1)" '[.pairs[] | select(.control) | "\(.name)/\(.param)"] == [$c]' "$out"
}

interrupt_run() { # interrupt_run [ZCBENCH OPTION] SIGNALS...: start a long run, signal it, check the aftermath
  d=$BATS_TEST_TMPDIR/out
  opt=()
  [[ $1 == --* ]] && { opt=("$1"); shift; }
  mkdir -p "$d"
  "$ZCBENCH" "${opt[@]}" --min-time 0.2 --format none --out "$d/r.json" \
    --filter 'vmsplice|copy_file_range|sendfile/tcp' 2>"$BATS_TEST_TMPDIR/err" &
  pid=$!
  for _ in $(seq 100); do [[ -n $(pgrep -P "$pid" || true) ]] && break; sleep 0.1; done
  sleep 0.3
  for sig in "$@"; do kill -"$sig" "$pid"; sleep 0.05; done
  start=$(date +%s%N)
  rc=0
  timeout 20 tail --pid="$pid" -f /dev/null || rc=$?
  [ "$rc" -eq 0 ]
  elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  wait "$pid" || rc=$?
  [ "$rc" -eq 130 ]
  [ -z "$(ls -A "$d")" ]                       # no result file, no temp file
  sleep 0.2
  [ -z "$(pgrep -f "$ZCBENCH" || true)" ]       # no peer left (they die with us)
  [ -z "$(find "$ROOT/testdata" -name '*.copy-*' -o -name '.random-*')" ]
  echo "$elapsed_ms"
}

@test "SIGINT mid-run: stops promptly, writes nothing, leaves no temp file or child" {
  run -0 interrupt_run INT
  [ "${lines[-1]}" -lt 5000 ]   # "within a second" plus slack for a loaded CI machine
  grep -q "interrupted; no result file written" "$BATS_TEST_TMPDIR/err"
}

# Without the machine profile the signal lands in a pair rather than in the profile.
@test "SIGTERM mid-run behaves the same, mid-pair" {
  run -0 interrupt_run --no-machine-profile TERM
}

@test "a second Ctrl-C exits at once" {
  run -0 interrupt_run --no-machine-profile INT INT
}

@test "--reanalyse of a fresh result reproduces every verdict, ratio and interval exactly" {
  out=$BATS_TEST_TMPDIR/re.json
  run -0 "$ZCBENCH" --quick --format none --out "$out" --filter "^copy_vs_slice/64KiB|^($(controls 2 | paste -sd'|'))\$"
  run -0 "$ZCBENCH" --reanalyse "$out"
  n=$(jq '[.pairs[] | select(.status == "ok")] | length' "$out")
  [[ $output == *"$n of $n pairs reproduced exactly"* ]]
  [[ $output != *"(changed)"* ]]
  # A result from before invocations is read as one invocation each, under today's rules.
  run -0 "$ZCBENCH" --reanalyse "$ROOT/tests/fixtures/run_a.json"
  [[ $output == *"| noise_floor/memcpy_64KiB | 1 | 8 |"* ]]
}

@test "--compare: run 2 against run 1's intervals and the prediction intervals; replicate's report" {
  export ZCBENCH_RESULTS=$BATS_TEST_TMPDIR/results
  run -0 "$ROOT/scripts/replicate" "$ZCBENCH" repl-box 0000000 0 --quick --filter "^copy_vs_slice/64KiB_reused|^$(controls 1)\$"
  report=$(ls "$ZCBENCH_RESULTS"/repl-box/*-replicate.md)
  [ "$(ls "$ZCBENCH_RESULTS"/repl-box/*/*.json | wc -l)" = 2 ]
  [ "$(stat -c %a "$report")" = 644 ]
  set -- "$ZCBENCH_RESULTS"/repl-box/*/*.json
  run -0 "$ZCBENCH" --compare "$1" "$2"
  cmp=$output
  # Figures in the report are zcbench's: the counts and the pairs' lines.
  jq -e '.all.pairs == 1 and .controls == 1 and (.pairs | length) == 2
         and all(.pairs[]; (.prediction_low < .old.ratio) and (.old.ratio < .prediction_high))' <<<"$cmp"
  inside=$(jq -r '.all.inside_prediction' <<<"$cmp")
  grep -q "^| all | 1 | .* | $inside (" "$report"
  grep -q "Controls \`same\` in both runs: $(jq -r .controls_same_in_both <<<"$cmp") of 1." "$report"
  run -2 "$ZCBENCH" --compare "$1"
  run -2 "$ZCBENCH" --compare "$1" /nonexistent.json
}
