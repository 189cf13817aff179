#!/usr/bin/env bats
# Socket, pipe and file-copy pairs end to end: every pair runs and verifies (their syscall
# counts: invariants.bats), a damaged or short stream fails verify, and a peer killed mid-run ends
# its pair with an error entry while the suite goes on. Every run here is bounded by
# `timeout`; none depends on this machine's speed.
bats_require_minimum_version 1.5.0
load helpers

stream_pairs() { # the pairs tagged [stream] in --list
  "$ZCBENCH" --list | sed -n 's/^\([a-z0-9_]*\) \[stream\]:.*/\1/p'
}

setup_file() {
  load helpers
  STREAMS="^($(stream_pairs | paste -sd'|'))/"
  export NSTREAMS=$(stream_pairs | wc -l)
  export QUICK=$BATS_FILE_TMPDIR/quick.json
  timeout 300 "$ZCBENCH" --quick --format none --out "$QUICK" --filter "$STREAMS" 2>/dev/null || true
  # Each side's whole-machine CPU and kernel report live with the samples.
  export QUICKW=$BATS_FILE_TMPDIR/quick-whole.json
  whole "$QUICK" >"$QUICKW" 2>/dev/null || true
}

@test "every stream pair runs under --quick, is verified, and the JSON is valid" {
  validate_result "$QUICK"
  ((NSTREAMS >= 7))
  jq -e --argjson n "$NSTREAMS" '[.pairs[] | .name] | unique | length == $n' "$QUICK"
  jq -e '.pairs | all(.status == "ok" or .status == "skipped")' "$QUICK"
  jq -e '[.pairs[] | select(.status == "ok")] | all(.verified)' "$QUICK"
  jq -e '[.pairs[] | select(.status == "ok") | .sides[] | select(.moves_bytes)] | all(.cpu_ns_per_byte > 0)' "$QUICK"
}

@test "whole-machine CPU, busy share and a CPU verdict for every stream pair" {
  jq -e '.context.cpu_accounting.irq_time_accounting | test("^(y|n|unknown)")' "$QUICK"
  jq -e '[.pairs[] | select(.status == "ok")] | length > 0 and all(
           .cpu_verdict != null and (.sides | to_entries | all(
             .value.system.system_cpu_ns.median > 0
             and .value.system.busy_fraction.median > 0
             and .value.system.peers_cpu_ns.median >= 0)))' "$QUICKW"
  # Pairs with a peer process (their verify hashes in it) see it working: its CPU is part
  # of the side's system CPU.
  jq -e '[.pairs[] | select(.status == "ok" and .notes.stream_verify)] | length > 0 and all(
           .sides | to_entries | all(.value.system.peers_cpu_ns.median > 0
             and .value.system.system_cpu_ns.median > .value.system.peers_cpu_ns.median))' "$QUICKW"
}

@test "pipes hold at least 4 chunks (or the system's limit), and the result says how big they were" {
  jq -e '[.pairs[] | select(.status == "ok" and .notes.pipe_bytes)] | length > 0 and all(
           .notes.pipe_bytes | (capture(": (?<c>[0-9.]+) chunks") | (.c | tonumber) >= 4)
                               or test("limited by /proc/sys/fs/pipe-max-size"))' "$QUICK"
}

@test "where the kernel reports whether zero-copy happened, the result says so, and the copies follow" {
  "$ZCBENCH" list --format json > "$BATS_TEST_TMPDIR/list.json"
  # copies measured = declared x effective + copied-anyway x (1 - effective), per side.
  jq -e --slurpfile l "$BATS_TEST_TMPDIR/list.json" '([$l[0].pairs[] | {key: .name, value: .sides}] | from_entries) as $d
         | [.pairs[] | select(.status == "ok") | .name as $p | .sides | to_entries[] | select(.value.zc_effective != null)
            | $d[$p][.key] as $decl | .value
            | (.zerocopy_reported.zero_copied + .zerocopy_reported.copied) > 0
              and .zc_effective >= 0 and .zc_effective <= 1
              and ((.copies_per_iter_measured - ($decl.copies_per_iter * .zc_effective
                    + $decl.copies_if_copied * (1 - .zc_effective))) | fabs) < 1e-6]
         | length >= 2 and all' "$QUICKW"
  # A baseline copies by design: the kernel has nothing to report for it.
  jq -e '[.pairs[] | select(.status == "ok") | .sides.baseline.zc_effective] | all(. == null)' "$QUICK"
  jq -e '.context["copy_file_range.filesystem"] | test("ext4|tmpfs|xfs|btrfs|overlayfs|other")' "$QUICK"
  jq -e '.context["socket_buffers.tcp"] | test("autotuning")' "$QUICK"
}

# The pair/params whose verify hashes the stream in a peer (their notes say so), one per
# pair: the param nearest $1 bytes.
peer_verified() {
  jq -r --argjson near "$1" '[.pairs[] | select(.status == "ok" and .notes.stream_verify)]
    | group_by(.name)[] | min_by((.bytes_per_iter - $near) | fabs) | "\(.name)/\(.param)"' "$QUICK"
}

@test "a corrupted stream fails the verify of every pair that hashes its stream in a peer" {
  mapfile -t sel < <(peer_verified 65536)
  ((${#sel[@]} >= 5))
  out=$BATS_TEST_TMPDIR/corrupt.json
  run -1 env ZCBENCH_PEER_FAULT=corrupt timeout 300 "$ZCBENCH" --quick --format none --out "$out" \
    --filter "^($(IFS='|'; echo "${sel[*]}"))\$"
  jq -e --argjson n "${#sel[@]}" '.pairs | length == $n and all(.status == "error")' "$out"
  jq -e '.pairs | all(.message | test("verify failed.*XXH3"))' "$out"
}

@test "a short stream fails the same verifies, without hanging" {
  mapfile -t sel < <(peer_verified 16384)
  ((${#sel[@]} >= 5))
  out=$BATS_TEST_TMPDIR/short.json
  run -1 env ZCBENCH_PEER_FAULT=short ZCBENCH_PEER_STALL_S=0.5 timeout 300 "$ZCBENCH" --quick --invocations 1 --no-machine-profile --format none --out "$out" \
    --filter "^($(IFS='|'; echo "${sel[*]}"))\$"
  jq -e --argjson n "${#sel[@]}" '.pairs | length == $n and all(.status == "error" and (.message | test("verify failed")))' "$out"
}

@test "a peer killed mid-run: an error entry, no hang, no leftover process, the suite goes on" {
  out=$BATS_TEST_TMPDIR/killed.json
  "$ZCBENCH" --invocations 1 --min-time 0.2 --rounds 4 --no-machine-profile --format none --out "$out" \
    --filter "^($(peer_verified 65536 | head -1)|$(peer_verified 1048576 | head -1))\$" 2>"$BATS_TEST_TMPDIR/err" &
  pid=$!
  # Wait for the first pair's peer, a child of the invocation, then kill it.
  for _ in $(seq 300); do
    worker=$(grep -q '^\[1/1 1/2\]' "$BATS_TEST_TMPDIR/err" && pgrep -P "$pid" || true)
    kids=$([[ -n $worker ]] && pgrep -P "$worker" || true)
    [[ -n $kids ]] && break
    sleep 0.1
  done
  [[ -n $kids ]]
  sleep 0.5
  kill -9 $kids
  rc=0
  timeout 120 tail --pid="$pid" -f /dev/null || rc=$?
  [ "$rc" -eq 0 ]   # zcbench ended by itself, well inside the bound
  wait "$pid" || rc=$?
  [ "$rc" -eq 1 ]   # a pair failed
  # The invocation's order is its own: whichever pair ran first lost its peer.
  jq -e '[.pairs[] | select(.status == "error")] | length == 1 and (.[0].message | test("signal 9|Broken pipe|peer"))' "$out"
  jq -e '[.pairs[] | select(.status == "ok" and .verified)] | length == 1' "$out"
  jq -e '[.benchmarks[] | select(.error_occurred)] | length == 2' "$out"
  [ -z "$(pgrep -P "$pid" || true)" ]
}
