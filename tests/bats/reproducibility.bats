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

@test "the run turns ASLR off for itself and records it" {
  out=$BATS_TEST_TMPDIR/aslr.json
  run -0 "$ZCBENCH" --quick --format none --out "$out" --filter '64KiB_reused$'
  jq -e '.context.aslr_process | test("^off")' "$out"
  out2=$BATS_TEST_TMPDIR/aslr-on.json
  run -0 "$ZCBENCH" --aslr --quick --format none --out "$out2" --filter '64KiB_reused$'
  jq -e '.context.aslr_process | test("^on")' "$out2"
}

@test "every pair carries its block analysis: position effect, drift, p-values, and why" {
  out=$BATS_TEST_TMPDIR/stab.json
  run -0 "$ZCBENCH" --quick --format none --out "$out" --filter '64KiB_reused$|noise_floor/memcpy'
  jq -e '.pairs | all(.blocks == .rounds / 2 and (.block_ratios | length) == .blocks
         and (.round_ratios | length) == .rounds
         and (.position_effect | has("estimate") and has("flagged"))
         and (.drift | has("first_half") and has("detected"))
         and .p_adjusted >= .p_value and (.verdict_reason | length) > 0)' "$out"
  # The run-wide adjustment is Holm's: the smallest p-value times the number of pairs.
  # (copy_vs_slice is faster by three orders of magnitude, so that product is below 1.)
  jq -e '[.pairs[].p_value] as $p | [.pairs[].p_adjusted] as $a
         | (($p | min) * ($p | length)) as $want
         | $want < 1 and (($a | min) / $want - 1 | fabs) < 1e-8' "$out"  # the JSON keeps 10 digits
  jq -e '.context.noise_floor.controls == 1' "$out"
  jq -e '.pairs[] | select(.control) | .name == "noise_floor"' "$out"
}

interrupt_run() { # interrupt_run SIGNALS...: start a long run, signal it, check the aftermath
  d=$BATS_TEST_TMPDIR/out
  mkdir -p "$d"
  "$ZCBENCH" --min-time 0.2 --format none --out "$d/r.json" \
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

@test "SIGTERM mid-run behaves the same" {
  run -0 interrupt_run TERM
}

@test "a second Ctrl-C exits at once" {
  run -0 interrupt_run INT INT
}
