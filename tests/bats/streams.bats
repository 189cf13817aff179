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
  export QUICK=$BATS_FILE_TMPDIR/quick.json MODEL=$BATS_FILE_TMPDIR/model.json
  timeout 300 "$ZCBENCH" --quick --format none --out "$QUICK" --filter "$STREAMS" 2>/dev/null || true
  # Enough iterations per sample that the once-per-sample sync with the peer is noise.
  timeout 300 "$ZCBENCH" --min-time 0.05 --invocations 1 --rounds 8 --format none --out "$MODEL" --filter \
    'msg_zerocopy/tcp_64KiB|copy_file_range/64KiB' 2>/dev/null || true
}

@test "every stream pair runs under --quick, is verified, and the JSON is valid" {
  validate_result "$QUICK"
  ((NSTREAMS >= 7))
  jq -e --argjson n "$NSTREAMS" '[.pairs[] | .name] | unique | length == $n' "$QUICK"
  jq -e '.pairs | all(.status == "ok" or .status == "skipped")' "$QUICK"
  jq -e '[.pairs[] | select(.status == "ok")] | all(.verified)' "$QUICK"
  jq -e '[.benchmarks[] | select(.run_type == "iteration" and (.error_occurred | not) and (.skipped | not))] | all(.cpu_ns_per_byte > 0)' "$QUICK"
}

@test "whole-machine CPU, busy share and a CPU verdict for every stream pair" {
  jq -e '.context.cpu_accounting.irq_time_accounting | test("^(y|n|unknown)")' "$QUICK"
  jq -e '[.pairs[] | select(.status == "ok")] | length > 0 and all(
           .cpu_verdict != null and (.sides | to_entries | all(
             .value.system.system_cpu_ns.median > 0
             and .value.system.busy_fraction.median > 0
             and .value.system.peers_cpu_ns.median >= 0)))' "$QUICK"
  # Pairs with a peer process see it working: its CPU is part of the side's system CPU.
  jq -e '.pairs[] | select(.name == "write_vs_vmsplice" and .status == "ok")
         | .sides | to_entries | all(.value.system.peers_cpu_ns.median > 0
             and .value.system.system_cpu_ns.median > .value.system.peers_cpu_ns.median)' "$QUICK"
}

@test "pipes hold at least 4 chunks (or the system's limit), and the result says how big they were" {
  jq -e '[.pairs[] | select(.status == "ok" and .notes.pipe_bytes)] | length > 0 and all(
           .notes.pipe_bytes | (capture(": (?<c>[0-9.]+) chunks") | (.c | tonumber) >= 4)
                               or test("limited by /proc/sys/fs/pipe-max-size"))' "$QUICK"
}

@test "MSG_ZEROCOPY and copy_file_range report whether zero-copy happened, and the copies follow" {
  jq -e '.pairs[] | select(.name == "send_vs_msg_zerocopy" and .param == "tcp_64KiB") | .sides.zerocopy
         | (.zerocopy_reported.zero_copied + .zerocopy_reported.copied) > 0
           and (.copies_per_iter_measured - (1 - .zc_effective) | fabs) < 1e-9' "$MODEL"
  jq -e '.pairs[] | select(.name == "readwrite_vs_copy_file_range" and .param == "64KiB") | .sides.zerocopy
         | .zc_effective >= 0 and .zc_effective <= 1' "$MODEL"
  jq -e '[.pairs[] | select(.status == "ok") | .sides.baseline.zc_effective] | all(. == null)' "$MODEL"
  jq -e '.context["copy_file_range.filesystem"] | test("ext4|tmpfs|xfs|btrfs|overlayfs|other")' "$MODEL"
  jq -e '.context["socket_buffers.tcp"] | test("autotuning")' "$QUICK"
}

@test "a corrupted stream fails every stream pair's verify" {
  out=$BATS_TEST_TMPDIR/corrupt.json
  run -1 env ZCBENCH_PEER_FAULT=corrupt timeout 300 "$ZCBENCH" --quick --format none --out "$out" \
    --filter 'sendfile/tcp_64KiB|splice/tcp_64KiB|tee/64KiB|vmsplice/64KiB|msg_zerocopy/tcp_64KiB'
  jq -e '[.pairs[] | .status] == ["error","error","error","error","error"]' "$out"
  jq -e '.pairs | all(.message | test("verify failed.*XXH3"))' "$out"
}

@test "a short stream fails every stream pair's verify, without hanging" {
  out=$BATS_TEST_TMPDIR/short.json
  run -1 env ZCBENCH_PEER_FAULT=short ZCBENCH_PEER_STALL_S=1 timeout 300 "$ZCBENCH" --quick --format none --out "$out" \
    --filter 'sendfile/unix_64KiB|splice/unix_64KiB|tee/16KiB|vmsplice/16KiB|msg_zerocopy/tcp_4KiB'
  jq -e '.pairs | length == 5 and all(.status == "error" and (.message | test("verify failed")))' "$out"
}

@test "a peer killed mid-run: an error entry, no hang, no leftover process, the suite goes on" {
  out=$BATS_TEST_TMPDIR/killed.json
  "$ZCBENCH" --invocations 1 --min-time 0.5 --rounds 8 --format none --out "$out" \
    --filter '^write_vs_vmsplice/(64KiB|1MiB)$' 2>"$BATS_TEST_TMPDIR/err" &
  pid=$!
  # Wait for the first pair's peer, a child of the invocation (not the machine profile's
  # round-trip children, which come and go before it), then kill it.
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
