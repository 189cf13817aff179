#!/usr/bin/env bats
# End-to-end checks of build/zcbench: output schema, Google Benchmark compatibility,
# and every refusal (bad numbers, bad filter, bad --out) with its exit code.
bats_require_minimum_version 1.5.0
load helpers

setup_file() {
  load helpers
  export RUN1=$BATS_FILE_TMPDIR/run1.json RUN2=$BATS_FILE_TMPDIR/run2.json
  quick_run "$RUN1" --filter '^copy_vs_slice/' 2>/dev/null
  quick_run "$RUN2" --filter '^copy_vs_slice/64KiB_reused$' 2>/dev/null
}

@test "--help and --version exit 0" {
  run -0 "$ZCBENCH" --help
  [[ $output == *"--min-time SECONDS"* ]]
  run -0 "$ZCBENCH" --version
  [[ $output =~ ^zcbench\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "--list shows copy_vs_slice with its params" {
  run -0 "$ZCBENCH" --list
  [[ $output == *"copy_vs_slice/4MiB_fresh_mmap"* ]]
  [[ $output == *"copy_vs_slice/64KiB_reused"* ]]
  [[ $output == *"copy_vs_slice/64KiB_fresh"* ]]
  [[ $output == *"copy_vs_slice/64KiB_misaligned"* ]]
}

@test "a quick run writes JSON that jq and the JSON Schema accept" {
  jq -e '.benchmarks | length > 0' "$RUN1"
  validate_result "$RUN1"
  ! grep -Eq 'NaN|Infinity' "$RUN1"
}

@test "copy_vs_slice: every listed param, verified, copies 1 vs 0, names as <pair>/<side>/<param>" {
  run -0 jq -r '.pairs | map(select(.name=="copy_vs_slice")) | length' "$RUN1"
  [ "$output" = "$("$ZCBENCH" --list | grep -c '^  copy_vs_slice/')" ]
  jq -e '.pairs | all(.verified and .status=="ok" and (.verdict|IN("faster","slower","same","inconclusive","unstable")))' "$RUN1"
  jq -e '[.pairs[] | select(.name=="copy_vs_slice") | .sides.baseline.copies_per_iter_declared] | all(.==1)' "$RUN1"
  jq -e '[.pairs[] | select(.name=="copy_vs_slice") | .sides.zerocopy.copies_per_iter_declared] | all(.==0)' "$RUN1"
  jq -e '.pairs[0] | .ratio_ci_low <= .ratio and .ratio <= .ratio_ci_high' "$RUN1"
}

@test "copy_vs_slice: the view side is at the loop floor, moves no bytes, and the ratio is a lower bound" {
  jq -e '.context.loop_floor_ns > 0' "$RUN1"
  jq -e '[.pairs[] | select(.name=="copy_vs_slice")]
         | all(.sides.zerocopy.at_floor and .sides.zerocopy.bytes_per_second == null
               and .sides.baseline.bytes_per_second > 0 and .ratio_bound == "lower"
               and (.ratio_display | startswith(">= ")) and .saving_ns_per_iter > 0)' "$RUN1"
}

@test "each side is calibrated on its own, and the counters' cost is a measured figure" {
  jq -e '[.pairs[] | select(.name=="copy_vs_slice")]
         | all(.sides.zerocopy.iterations > 10 * .sides.baseline.iterations)' "$RUN1"
  whole "$RUN1" | jq -e '.pairs | all(.sides.baseline.counted.samples >= 2 and (.sides.baseline.counted_over_uncounted > 0))' 
}

@test "copy_vs_slice makes no syscalls in its loop but a fresh mapping's two (measured, when the counter is open)" {
  if [[ $(jq -r '.context.counters["raw_syscalls:sys_enter"]' "$RUN1") != ok ]]; then
    skip "raw_syscalls tracepoint unavailable here: $(jq -r '.context.counters["raw_syscalls:sys_enter"]' "$RUN1")"
  fi
  # A sanitizer build's malloc (fresh param) is ASan's, which does mmap/munmap: only glibc's is syscall-free.
  whole "$RUN1" | jq -e '(.context.cflags | test("fsanitize")) as $san
         | [.pairs[] | select(($san and .param == "64KiB_fresh") | not) | select(.param | test("_mmap$") | not)
            | .sides[].counted.syscalls_per_iter[]] | all(. == 0)' 
  # The fresh mapping: mmap and munmap, every iteration.
  whole "$RUN1" | jq -e '[.pairs[] | select(.param | test("_mmap$")) | .sides.baseline.counted.syscalls_per_iter[]]
         | length > 0 and all(. == 2)' 
}

@test "the context carries the machine fingerprint" {
  jq -e '.context | .kernel_release and .cpu_model and (.cpu_flags|has("fsrm")) and .thp_enabled
         and (.mitigations|type=="object") and .compiler and .git_commit and (.pinned_cpu>=0)
         and (.warnings|type=="array") and .json_schema_version==6' "$RUN1"
  # What shaped the run is recorded with it.
  jq -e '.context | (.command_line | test("--quick")) and .rounds == 4 and (.invocations | length) == 3 and .alpha == 0.05
         and .equivalence == 0.05 and (.machine | test("^[A-Za-z0-9._-]+$"))' "$RUN1"
}

@test "--machine-name: hostname plus a stable id; --machine NAME overrides; bad names refused" {
  run -0 "$ZCBENCH" --machine-name
  [[ $output =~ ^[A-Za-z0-9_-]+-[0-9a-f]{8}$ ]]
  [ "$output" = "$("$ZCBENCH" --machine-name)" ]
  [ "$(hostname -s)" = "${output%-*}" ] || [[ $(hostname -s) == *[!A-Za-z0-9_-]* ]]
  run -0 "$ZCBENCH" --machine bench-box --machine-name
  [ "$output" = bench-box ]
  run -2 "$ZCBENCH" --machine '../x' --machine-name
  [[ $output == *"--machine"* ]]
}

@test "Google Benchmark's compare.py reads two result files, and their samples once exported" {
  # As written: one median aggregate per side.
  run -0 /usr/bin/python3 /usr/share/benchmark/compare.py benchmarks "$RUN1" "$RUN2"
  [[ $output == *"copy_vs_slice/baseline/64KiB_reused_median"* ]]
  # Exported whole: every timed sample, which its U test needs.
  whole "$RUN1" >"$BATS_TEST_TMPDIR/w1.json"
  whole "$RUN2" >"$BATS_TEST_TMPDIR/w2.json"
  run -0 /usr/bin/python3 /usr/share/benchmark/compare.py benchmarks "$BATS_TEST_TMPDIR/w1.json" "$BATS_TEST_TMPDIR/w2.json"
  [[ $output == *"copy_vs_slice/baseline/64KiB_reused_pvalue"* ]]
}

@test "--format benchstat prints Go benchmark lines" {
  run -0 "$ZCBENCH" --quick --no-machine-profile --format benchstat --filter '64KiB_reused$'
  [[ $output == *"goos: linux"* ]]
  n=$(grep -cE '^Benchmark_copy_vs_slice/side=(baseline|zerocopy)/param=64KiB_reused-1 [0-9]+ [0-9.]+ ns/op' <<<"$output")
  [ "$n" -eq $((2 * 3 * 4)) ]   # two sides, 3 invocations of 4 rounds (--quick)
}

@test "--filter with no match exits non-zero with a message" {
  run -2 "$ZCBENCH" --quick --filter 'no_such_pair'
  [[ $output == *"no pair/param matches"* ]]
}

@test "bad numbers are refused with exit 2" {
  for args in "--rounds 0" "--rounds 5" "--rounds 9" "--rounds abc" "--repetitions 10" "--cpu -3" "--cpu 1x" \
              "--min-time 0" "--min-time -1" "--min-time nan" "--min-time 1e9" "--format xml" "--filter ("; do
    run -2 "$ZCBENCH" $args
    [[ $output == zcbench:* ]]
  done
}

@test "--cpu outside the allowed set is refused with exit 2" {
  run -2 "$ZCBENCH" --quick --cpu 4095
  [[ $output == *"not a core this process may run on"* ]]
}

@test "--out into a missing directory fails before running and leaves nothing" {
  run -2 "$ZCBENCH" --quick --out "$BATS_TEST_TMPDIR/nope/r.json"
  [[ $output == *"does not exist"* ]]
  [ ! -e "$BATS_TEST_TMPDIR/nope" ]
}

@test "--out into a read-only directory fails cleanly and leaves nothing" {
  d=$BATS_TEST_TMPDIR/ro
  mkdir -p "$d"
  if [[ $(id -u) != 0 ]]; then
    chmod 555 "$d"
    run -2 "$ZCBENCH" --quick --out "$d/r.json"
  elif unshare -m true 2>/dev/null; then
    # root ignores permission bits: use a read-only mount in a private namespace
    run -2 unshare -m sh -c 'mount -t tmpfs -o ro,size=1m tmpfs "$1" && exec "$2" --quick --out "$1/r.json"' sh "$d" "$ZCBENCH"
  else
    skip "root without mount namespaces: cannot make a read-only directory here"
  fi
  [[ $output == *"cannot write in"* ]]
  [ -z "$(ls -A "$d")" ]
}

@test "an existing result is never overwritten" {
  f=$BATS_TEST_TMPDIR/old.json
  echo '{"keep":1}' > "$f"
  run -2 "$ZCBENCH" --quick --out "$f"
  [[ $output == *"never overwritten"* ]]
  [ "$(cat "$f")" = '{"keep":1}' ]
}

@test "run-bench twice leaves two run folders in the machine's folder" {
  export ZCBENCH_RESULTS=$BATS_TEST_TMPDIR/results
  "$ROOT/scripts/run-bench" "$ZCBENCH" "" abc123 0 --quick --no-machine-profile --format none --filter '64KiB_reused$' 2>/dev/null
  sleep 1
  "$ROOT/scripts/run-bench" "$ZCBENCH" "" abc123 0 --quick --no-machine-profile --format none --filter '64KiB_reused$' 2>/dev/null
  run -0 find "$ZCBENCH_RESULTS/$("$ZCBENCH" --machine-name)" -name '*-abc123.json'
  [ "${#lines[@]}" -eq 2 ]
  for f in "${lines[@]}"; do
    validate_result "$f"
    [ "$(basename "$(dirname "$f")")" = "$(basename "$f" .json)" ] # <machine>/<run>/<run>.json
  done
  # MACHINE= names the folder, and the result says so.
  "$ROOT/scripts/run-bench" "$ZCBENCH" other-box abc123 0 --quick --no-machine-profile --format none --filter '64KiB_reused$' 2>/dev/null
  f=$(find "$ZCBENCH_RESULTS/other-box" -name '*.json')
  [ "$(jq -r .context.machine "$f")" = other-box ]
  run -2 "$ROOT/scripts/run-bench" "$ZCBENCH" '../up' abc123 0 --quick
  [ ! -e "$ZCBENCH_RESULTS/../up" ]
}

@test "a result that cannot be written where asked is saved elsewhere, and the message names it" {
  d=$BATS_TEST_TMPDIR/gone
  mkdir -p "$d" "$BATS_TEST_TMPDIR/fallback"
  # The directory disappears during the run (after --out was checked).
  ( sleep 0.3; rm -rf "$d" ) &
  ZCBENCH_FALLBACK_DIR=$BATS_TEST_TMPDIR/fallback run -1 "$ZCBENCH" --quick --no-machine-profile --min-time 0.02 --format none \
    --filter 'copy_vs_slice' --out "$d/r.json"
  wait
  [[ $output == *"saved to $BATS_TEST_TMPDIR/fallback/zcbench-unsaved-r.json instead"* ]]
  validate_result "$BATS_TEST_TMPDIR/fallback/zcbench-unsaved-r.json"
}

@test "the result records the commit the binary was built from" {
  git -C "$ROOT" rev-parse HEAD >/dev/null 2>&1 || skip "not a git checkout"
  [ "$(jq -r .context.git_commit "$RUN1")" = "$(git -C "$ROOT" rev-parse --short=12 HEAD)" ]
}

@test "a fresh result identifies the CPU and names the hypervisor, and they make the machine id" {
  jq -e '.context | (.cpu_vendor | length > 0) and (.cpu_microarchitecture | length > 0)
         and (.microcode | length > 0) and (.hypervisor_signature | length > 0)
         and ((.cpu_family | type) == "number" or .cpu_family == null)
         and (.hypervisor | test("^(none|KVM|bhyve|Xen|Hyper-V|VMware|QEMU TCG|ACRN|VirtualBox|Parallels|QNX|unknown)$"))' "$RUN1"
  jq -e '.context | .machine_id_facts | test("^hypervisor=[^|]+[|]cpu=.*[|]family=-?[0-9]+[|]model=-?[0-9]+[|]stepping=-?[0-9]+[|]")' "$RUN1"
  jq -e '.context | (.hypervisor_signature == "none") == (.hypervisor == "none")' "$RUN1"
  # The kernel's own account of the hypervisor, from its boot log, or why it is unknown.
  jq -e '.context.hypervisor_kernel | type == "string" and length > 0' "$RUN1"
  if [ "$(id -u)" -eq 0 ] && dmesg 2>/dev/null | grep -q 'Hypervisor detected: '; then
    [ "$(jq -r .context.hypervisor_kernel "$RUN1")" = "$(dmesg | sed -n 's/.*Hypervisor detected: //p' | head -1)" ]
  fi
}
