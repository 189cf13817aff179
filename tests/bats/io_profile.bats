#!/usr/bin/env bats
# zcbench profile: exact counts on a fixture whose IO is known, the output's schema, bad
# input, Ctrl-C, attaching, lost events, and suggestions driven by the pairs' `replaces`.

bats_require_minimum_version 1.5.0
load helpers

FIXTURE=${IO_FIXTURE:-$ROOT/build/tests/io_fixture}
IO_SCHEMA=$ROOT/tests/schema/io-profile.schema.json

setup() {
  WORK=$(mktemp -d)
}

teardown() {
  rm -rf "$WORK"
}

validate_profile() {
  /usr/bin/python3 - "$IO_SCHEMA" "$1" <<'PY'
import json, sys
import jsonschema
jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])),
                    cls=jsonschema.Draft202012Validator)
PY
}

# "syscall fd_kind from_kind calls bytes" per path with at least 100 bytes (the fixture's own).
paths_of() {
  jq -r '.paths[] | select(.bytes != null and .bytes >= 100)
         | "\(.syscall) \(.fd_kind) \(.from_kind // "-") \(.calls) \(.bytes)"' "$1" | sort
}

# The fixture's paths as both mechanisms see them; perf does not see io_uring's operations
# (only io_uring_enter, which moves no bytes) nor recvmmsg/sendmmsg.
fixture_paths() {
  cat <<'EOF2'
copy_file_range file file 3 196608
pread64 file - 5 20480
read file - 9 1048576
read pipe - 12 1700
recvfrom unix - 4 262144
sendfile unix file 4 262144
splice file pipe 2 131072
splice pipe file 2 131072
write file - 16 1048576
write pipe - 12 1700
EOF2
  if [ "$1" = bpf ]; then
    printf '%s\n' 'io_uring:READ file - 4 16384' 'io_uring:WRITE file - 2 8192' \
      'recvmmsg unix - 2 6000' 'sendmmsg unix - 2 6000'
  fi
}

# The fixture exits as soon as its IO is done: 20 profiles, each with the exact counts (3 in
# the sanitizer pass, which looks for memory errors, not for a 1-in-20 miss).
fixture_exact() {
  local mech=$1 in=$((1048576 + 20480 + 262144 + 1700)) out=$((1048576 + 1700))
  local runs=20
  [[ ${BUILD:-build} == build ]] || runs=3
  [ "$mech" = bpf ] && in=$((in + 6000 + 16384)) out=$((out + 6000 + 8192))
  for i in $(seq "$runs"); do
    "$ZCBENCH" profile --mechanism "$mech" --results "$WORK/none" --out "$WORK/p$i.json" -- "$FIXTURE" "$WORK" 2>/dev/null
    diff <(paths_of "$WORK/p$i.json") <(fixture_paths "$mech" | sort)
    [ "$(jq -r '.tracing.mechanism' "$WORK/p$i.json")" = "$mech" ]
    [ "$(jq '.processes' "$WORK/p$i.json")" -eq 2 ]
    [ "$(jq '.threads_started >= 1' "$WORK/p$i.json")" = true ]
    [ "$(jq '.tracing.lost_events' "$WORK/p$i.json")" -eq 0 ]
    [ "$(jq '.tracing.unresolved_calls' "$WORK/p$i.json")" -eq 0 ]
    # Copies are the read/write families; moves are sendfile, splice and copy_file_range.
    [ "$(jq '.totals.copied_in_bytes' "$WORK/p$i.json")" -eq "$in" ]
    [ "$(jq '.totals.copied_out_bytes' "$WORK/p$i.json")" -eq "$out" ]
    [ "$(jq '.totals.moved_without_copy_bytes' "$WORK/p$i.json")" -eq $((262144 + 2 * 131072 + 196608)) ]
    # Sizes: exact, with the EOF read as the one 0-byte call.
    [ "$(jq -c '.paths[] | select(.syscall == "read" and .fd_kind == "file") | .bytes_per_call | [.min, .median, .max, .quantiles_exact]' "$WORK/p$i.json")" = "[0,131072,131072,true]" ]
    [ "$(jq -r '.paths[] | select(.fd_kind == "file") | .fs' "$WORK/p$i.json" | sort -u | wc -l)" -eq 1 ]
  done
}

# bpf where the machine allows it: the reason it gives otherwise is the skip's.
need_bpf() {
  local why
  why=$("$ZCBENCH" profile --mechanism bpf -- true 2>&1 >/dev/null) || skip "bpf refused here: $why"
}

@test "bpf: the fixture's paths are counted exactly, 20 times (3 under the sanitizers), from both of its processes and its thread" {
  need_bpf
  fixture_exact bpf
}

@test "perf: the fixture's paths are counted exactly, 20 times (3 under the sanitizers), though it exits at once" {
  fixture_exact perf
}

@test "the profile says which mechanism ran and why; auto is bpf where the machine allows it" {
  run "$ZCBENCH" profile --mechanism perf --out "$WORK/perf.json" -- true
  [ "$status" -eq 0 ]
  [ "$(jq -r '.tracing.mechanism + " / " + .tracing.mechanism_reason' "$WORK/perf.json")" = "perf / perf: asked for with --mechanism perf" ]
  [ "$(jq '.tracing.buffer_bytes_per_cpu > 0' "$WORK/perf.json")" = true ]
  run "$ZCBENCH" profile --out "$WORK/auto.json" -- true
  [ "$status" -eq 0 ]
  if "$ZCBENCH" profile --mechanism bpf -- true 2>/dev/null; then
    [ "$(jq -r '.tracing.mechanism' "$WORK/auto.json")" = bpf ]
  else
    [[ "$(jq -r '.tracing.mechanism_reason' "$WORK/auto.json")" == "perf: bpf was refused: "* ]]
  fi
  validate_profile "$WORK/perf.json"
  validate_profile "$WORK/auto.json"
  run "$ZCBENCH" profile --mechanism ebpf -- true
  [ "$status" -eq 2 ]
  [[ "$output" == *"--mechanism must be auto, bpf or perf, not 'ebpf'"* ]]
}

@test "without root, bpf is refused with its reason, and so is each mechanism auto tries" {
  command -v setpriv >/dev/null || skip "no setpriv"
  [ "$(id -u)" -eq 0 ] || skip "needs root to drop it"
  chmod 755 "$WORK"
  setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$ZCBENCH" ||
    skip "nobody cannot run $ZCBENCH (a folder above it is closed to others)"
  # The reason: root is needed, unless this zcbench was built without bpf at all.
  why="bpf needs root"
  built=$("$ZCBENCH" profile --mechanism bpf -- true 2>&1 >/dev/null) || why=${built#zcbench profile: }
  run setpriv --reuid=65534 --regid=65534 --clear-groups "$ZCBENCH" profile --mechanism bpf -- true
  [ "$status" -eq 2 ]
  [[ "$output" == *"$why"* ]]
  run setpriv --reuid=65534 --regid=65534 --clear-groups "$ZCBENCH" profile -- true
  if [ "$status" -eq 0 ]; then
    [[ "$output" == *"perf (perf: bpf was refused: $why"* ]]
  else
    [ "$status" -eq 2 ]
    [[ "$output" == *"no mechanism can trace here: bpf: $why"*"; perf: "* ]]
  fi
}

@test "the profile follows its schema and the table shows every path" {
  run "$ZCBENCH" profile --results "$WORK/none" --out "$WORK/p.json" -- "$FIXTURE" "$WORK"
  [ "$status" -eq 0 ]
  validate_profile "$WORK/p.json"
  [[ "$output" == *"copy_file_range  file("*")->file("* ]]
  [[ "$output" == *"tracing: "*" events, 0 lost"* ]]
}

@test "the command's exit status passes through, and a failing command is still profiled" {
  run "$ZCBENCH" profile --results "$WORK/none" --out "$WORK/p.json" -- "$FIXTURE" "$WORK" 3
  [ "$status" -eq 3 ]
  [ "$(jq '.exit_status' "$WORK/p.json")" -eq 3 ]
  run "$ZCBENCH" profile -- sh -c 'kill -TERM $$'
  [ "$status" -eq $((128 + 15)) ]
}

@test "bad input: a missing command, a gone or absent pid, an --out that exists: one line, exit 2" {
  run "$ZCBENCH" profile -- /nonexistent/zc-no-such-command
  [ "$status" -eq 2 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"cannot run '/nonexistent/zc-no-such-command': No such file or directory"* ]]
  sh -c 'exit 0' & gone=$!
  wait "$gone"
  run "$ZCBENCH" profile -p "$gone" --duration 1
  [ "$status" -eq 2 ]
  [[ "$output" == *"process $gone does not exist"* ]]
  run "$ZCBENCH" profile -p 1
  [ "$status" -eq 2 ]
  [[ "$output" == *"needs --duration"* ]]
  run "$ZCBENCH" profile
  [ "$status" -eq 2 ]
  echo keep > "$WORK/old.json"
  run "$ZCBENCH" profile --out "$WORK/old.json" -- true
  [ "$status" -eq 2 ]
  [ "$(cat "$WORK/old.json")" = keep ]
}

@test "Ctrl-C stops the command and still writes the profile" {
  "$ZCBENCH" profile --out "$WORK/p.json" -- dd if=/dev/zero of=/dev/null bs=4k 2>"$WORK/err" &
  pid=$!
  # Stopped once dd has read (the tracer's start-up takes its own time, longer under ASan).
  dd_reads=0
  for _ in $(seq 600); do
    dd_pid=$(pgrep -x -P "$pid" dd || true)
    [ -n "$dd_pid" ] && dd_reads=$(awk '/^syscr/ {print $2}' "/proc/$dd_pid/io" 2>/dev/null || echo 0)
    [ "${dd_reads:-0}" -ge 1000 ] && break
    sleep 0.05
  done
  [ "${dd_reads:-0}" -ge 1000 ]
  kill -INT "$pid"
  status=0
  wait "$pid" || status=$?
  [ "$status" -ne 0 ]
  [ "$(jq '.interrupted' "$WORK/p.json")" = true ]
  [ "$(jq '[.paths[] | select(.syscall == "read")] | .[0].calls > 0' "$WORK/p.json")" = true ]
  validate_profile "$WORK/p.json"
}

@test "an interrupted command leaves none of its processes behind (a shell's background job), with either mechanism" {
  mechs=perf
  "$ZCBENCH" profile --mechanism bpf -- true >/dev/null 2>&1 && mechs="bpf perf"
  mkfifo "$WORK/started"
  for mech in $mechs; do
    tag="300.$$$RANDOM" # sleep's argument names this test's process
    "$ZCBENCH" profile --mechanism "$mech" --out "$WORK/$mech.json" -- \
      sh -c "sleep $tag & echo >'$WORK/started'; wait" 2>/dev/null &
    pid=$!
    # The shell says when its background job runs (the read blocks until it does).
    timeout 30 cat "$WORK/started" >/dev/null
    kill -TERM "$pid"
    wait "$pid" || true
    [ "$(jq '.interrupted' "$WORK/$mech.json")" = true ]
    run pgrep -f "sleep $tag"
    [ "$status" -eq 1 ]
  done
}

@test "attaching to a running process (-p) counts its IO for --duration" {
  dd if=/dev/zero of=/dev/null bs=4k 2>/dev/null &
  target=$!
  run "$ZCBENCH" profile -p "$target" --duration 0.3 --out "$WORK/p.json"
  kill "$target"
  [ "$status" -eq 0 ]
  [ "$(jq '.attached' "$WORK/p.json")" = true ]
  [ "$(jq -c '[.paths[] | select(.syscall == "read") | .bytes_per_call.common[].bytes] | unique' "$WORK/p.json")" = "[4096]" ]
  [ "$(jq '.paths[] | select(.syscall == "read") | .calls > 10' "$WORK/p.json")" = true ]
  validate_profile "$WORK/p.json"
}

@test "-p: a child started after the attachment and still running at its end is counted" {
  mkfifo "$WORK/go"
  sh -c "read x <'$WORK/go'; (while :; do sleep 0.02; done) & wait" &
  target=$!
  "$ZCBENCH" profile -p "$target" --duration 1 --out "$WORK/p.json" 2>/dev/null &
  pid=$!
  # Attached once zcbench holds its counters (perf events) on the target.
  for _ in $(seq 600); do
    ls -l "/proc/$pid/fd" 2>/dev/null | grep -q 'perf_event' && break
    sleep 0.05
  done
  echo go >"$WORK/go"
  wait "$pid"
  pkill -P "$target" || true
  kill "$target" || true
  # The child loops until the end: its switches and its sleeps' processes are in the
  # totals (a perf counter's read sums its inherited children, live ones too).
  [ "$(jq '.totals.context_switches >= 20 and .processes >= 10' "$WORK/p.json")" = true ]
}

@test "--overhead N: N runs untraced, N traced and N with the syscall tracepoint alone, their medians and ratios" {
  run -0 "$ZCBENCH" profile --overhead 3 --out "$WORK/o.json" -- dd if=/dev/zero of=/dev/null bs=512 count=2000
  validate_profile "$WORK/o.json"
  # The file's numbers carry 10 significant digits: a ratio of two of them agrees with the
  # written ratio to a few parts in 1e10 of itself, not to 1e-9 absolute.
  jq -e '.overhead | .reps == 3 and (.untraced_wall_s | length) == 3 and (.traced_wall_s | length) == 3
         and .untraced_wall_median_s == (.untraced_wall_s | sort | .[1])
         and .traced_wall_median_s == (.traced_wall_s | sort | .[1])
         and (.wall_ratio - .traced_wall_median_s / .untraced_wall_median_s | fabs) < 1e-8 * .wall_ratio' "$WORK/o.json"
  # The floor where tracefs gives the tracepoint's id (root mounts it), else none at all.
  if jq -e '.overhead.floor_wall_s | length > 0' "$WORK/o.json" >/dev/null; then
    jq -e '.overhead | (.floor_wall_s | length) == 3 and .floor_wall_median_s == (.floor_wall_s | sort | .[1])
           and (.floor_wall_ratio - .floor_wall_median_s / .untraced_wall_median_s | fabs) < 1e-8 * .floor_wall_ratio
           and (.order | startswith("ABCCBA"))' "$WORK/o.json"
    [[ $output == *"the syscall tracepoint alone x"* ]]
  else
    jq -e '.overhead | .floor_wall_ratio == null and (.order | startswith("ABBA"))' "$WORK/o.json"
  fi
}

@test "a buffer too small to keep up loses events, and the profile says how many" {
  run "$ZCBENCH" profile --mechanism perf --buffer-kib 4 --out "$WORK/p.json" -- dd if=/dev/zero of=/dev/null bs=1 count=300000
  [ "$status" -eq 0 ]
  [ "$(jq '.tracing.lost_events > 0' "$WORK/p.json")" = true ]
  [[ "$output" == *"lost (buffers full"* ]]
}

# A synthetic result for this machine with every pair that declares `replaces`.
fake_results() {
  local machine dir
  machine=$("$ZCBENCH" --machine-name)
  dir="$WORK/results/$machine/20990101T000000Z-000000000000"
  mkdir -p "$dir"
  "$ZCBENCH" --list | awk '/^[a-z0-9_]+[ :]/ {p = $1; sub(":", "", p)} /^  replaces: / {print p}' |
    jq -R -s 'split("\n") | map(select(length > 0)) | {context: {}, benchmarks: [],
      pairs: map({name: ., param: "p_64KiB", bytes_per_iter: 65536, ratio: 1.5, ratio_ci_low: 1.4,
                  ratio_ci_high: 1.6, verdict: "faster", cpu_ratio: 1.4, cpu_verdict: "faster"})}' \
      > "$dir/20990101T000000Z-000000000000.json"
}

# The pairs whose every `replaces` term has >= 1 MiB on the profile's copied paths.
expected_suggestions() {
  "$ZCBENCH" --list | awk '/^[a-z0-9_]+[ :]/ {p = $1; sub(":", "", p)} /^  replaces: / {sub("^  replaces: ", ""); print p " " $0}' |
    while read -r pair terms; do
      ok=1
      for term in $terms; do
        dir=${term%%:*} kinds=${term#*:}
        bytes=$(jq --arg d "$dir" --arg k "|$kinds|" \
          '[.paths[] | select(.copied and .direction == $d) | select(.fd_kind as $f | $k | contains("|" + $f + "|")) | .bytes] | add // 0' "$1")
        ((bytes >= 1048576)) || ok=0
      done
      ((ok)) && echo "$pair"
    done | sort
}

@test "suggestions: the pairs whose baseline is the program's copied IO, with their measured ratio" {
  fake_results
  run "$ZCBENCH" profile --results "$WORK/results" --out "$WORK/p.json" -- "$FIXTURE" "$WORK"
  [ "$status" -eq 0 ]
  want=$(expected_suggestions "$WORK/p.json")
  [ -n "$want" ]
  diff <(jq -r '.suggestions[].pair' "$WORK/p.json" | sort) <(echo "$want")
  [ "$(jq '[.suggestions[] | select(.ratio == 1.5 and .ratio_ci_low == 1.4 and (.result | endswith(".json")))] | length' "$WORK/p.json")" -eq "$(echo "$want" | wc -l)" ]
  [[ "$output" == *"measured "*"1.50x [1.40, 1.60]"* ]]
}

@test "suggestions without a result on this machine say to run make bench" {
  run "$ZCBENCH" profile --results "$WORK/empty" --out "$WORK/p.json" -- "$FIXTURE" "$WORK"
  [ "$status" -eq 0 ]
  [ "$(jq '.suggestions | length > 0' "$WORK/p.json")" = true ]
  [ "$(jq '[.suggestions[] | select(.result != null)] | length' "$WORK/p.json")" -eq 0 ]
  [ "$(jq '[.suggestions[] | select(.text | contains("run make bench"))] | length' "$WORK/p.json")" -eq "$(jq '.suggestions | length' "$WORK/p.json")" ]
}

@test "the markdown report formats a profile" {
  run "$ZCBENCH" profile --results "$WORK/none" --out "$WORK/p.json" -- "$FIXTURE" "$WORK"
  run "$ROOT/scripts/profile-report" "$WORK/p.json"
  [ "$status" -eq 0 ]
  [[ "$output" == *"| sendfile | file ("*") -> unix | 4 | 262.14 KB |"* ]]
  [[ "$output" == *"| tracing | "*" events, **0 lost**"* ]]
  run "$ROOT/scripts/profile-report" "$WORK/missing.json"
  [ "$status" -ne 0 ]
  [[ "$output" == *"no such readable file"* ]]
}

@test "a profile is Google Benchmark JSON too: one entry per path, and scripts/compare compares two" {
  "$ZCBENCH" profile --results "$WORK/none" --out "$WORK/a.json" -- "$FIXTURE" "$WORK" 2>/dev/null
  "$ZCBENCH" profile --results "$WORK/none" --out "$WORK/b.json" -- "$FIXTURE" "$WORK" 2>/dev/null
  [ "$(jq '(.benchmarks | length) == (.paths | length)' "$WORK/a.json")" = true ]
  [ "$(jq '[.benchmarks[] | select(.name | startswith("profile/sendfile/file:"))] | .[0].iterations' "$WORK/a.json")" -eq 4 ]
  run "$ROOT/scripts/compare" "$WORK/a.json" "$WORK/b.json"
  [ "$status" -eq 0 ]
  [[ "$output" == *"| profile/copy_file_range/file:"* ]]
}

@test "committed profiles are in the results index: one row per path, with its calls and bytes" {
  "$ZCBENCH" profile --results "$WORK/none" --out "$WORK/p1.json" -- "$FIXTURE" "$WORK" 2>/dev/null
  mkdir -p "$WORK/tree/box/profiles"
  cp "$WORK/p1.json" "$WORK/tree/box/profiles/fixture.json"
  run "$ROOT/scripts/query" --results "$WORK/tree" --db "$WORK/q.sqlite" \
    --sql "SELECT path_key, calls, bytes FROM profiles WHERE path_key LIKE 'sendfile file%'"
  [ "$status" -eq 0 ]
  # The fixture's four sendfile calls, as the profile counted them.
  [[ $output == *"| sendfile file"*" | 4 | "* ]]
  [ "$(jq '.paths | length' "$WORK/p1.json")" -eq "$("$ROOT/scripts/query" --results "$WORK/tree" --db "$WORK/q.sqlite" \
      --sql 'SELECT count(*) AS n FROM profiles' | sed -n '3s/^| \([0-9]*\) |$/\1/p')" ]
}

@test "strace -f -yy around the profile, in the same run, counts the fixture's calls per syscall and kind as the profile does" {
  command -v strace >/dev/null || skip "no strace"
  "$ZCBENCH" profile --list-syscalls > "$WORK/syscalls"
  io=$(awk '{print $1}' "$WORK/syscalls" | paste -sd,)
  # (LeakSanitizer cannot run under ptrace: the sanitizer build's leak check is off here.)
  ASAN_OPTIONS=detect_leaks=0 strace -f -qq -yy -o "$WORK/trace" -e trace="$io,execve" -- \
    "$ZCBENCH" profile --results "$WORK/none" --out "$WORK/p.json" -- "$FIXTURE" "$WORK" 2>/dev/null
  # (perf does not follow recvmmsg/sendmmsg: their bytes are in user memory.)
  skip_mmsg='^$'
  [ "$(jq -r .tracing.mechanism "$WORK/p.json")" = perf ] && skip_mmsg='^(recvmmsg|sendmmsg) '
  "$ROOT/scripts/lib/strace-paths" "$WORK/syscalls" "$WORK/trace" | grep -Ev "$skip_mmsg" > "$WORK/strace.calls"
  # (io_uring's operations are not syscalls: strace sees only io_uring_enter.)
  jq -r '[.paths[] | select(.syscall | startswith("io_uring:") | not) | {k: "\(.syscall) \(.fd_kind)", c: .calls}]
         | group_by(.k)[] | "\(.[0].k) \(map(.c) | add)"' "$WORK/p.json" | sort > "$WORK/profile.calls"
  # The fixture's own paths are there (strace names the descriptors itself) ...
  grep -qx 'sendfile unix 4' "$WORK/strace.calls"
  grep -qx 'splice file 2' "$WORK/strace.calls"
  # ... and both count every IO call of the command alike, none of zcbench's own.
  diff "$WORK/strace.calls" "$WORK/profile.calls"
}

@test "a program with more paths than the aggregation starts with room for: every path's sizes add up to its calls" {
  cat > "$WORK/many.py" <<'PY'
import os, socket, sys
d = sys.argv[1]
r, w = os.pipe()
a, b = socket.socketpair()
u1 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u1.bind(("127.0.0.1", 0))
u2 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
# Two filesystems: the test's folder and tmpfs (/dev/shm), each a path of its own.
for name in (os.path.join(d, "f1"), "/dev/shm/zcbench-many-%d" % os.getpid()):
    fd = os.open(name, os.O_RDWR | os.O_CREAT | os.O_TRUNC)
    os.write(fd, b"x" * 100); os.pwrite(fd, b"y" * 50, 0); os.writev(fd, [b"a" * 10, b"b" * 20])
    os.pread(fd, 30, 0); os.lseek(fd, 0, 0); os.read(fd, 7); os.readv(fd, [bytearray(5)])
for i in range(3):
    os.write(w, b"p" * (i + 1)); os.read(r, 10); os.writev(w, [b"q"]); os.readv(r, [bytearray(1)])
    a.send(b"s" * 9); b.recv(100); a.sendmsg([b"m" * 4]); b.recvmsg(100)
    u2.sendto(b"d" * 11, u1.getsockname()); u1.recvfrom(100)
os.unlink("/dev/shm/zcbench-many-%d" % os.getpid())
PY
  run "$ZCBENCH" profile --results "$WORK/none" --out "$WORK/p.json" -- /usr/bin/python3 "$WORK/many.py" "$WORK"
  [ "$status" -eq 0 ]
  [ "$(jq '.paths | length > 16' "$WORK/p.json")" = true ]
  [ "$(jq '[.paths[] | select(.calls > .errors)
            | (.bytes_per_call.common | map(.calls) | add) + .bytes_per_call.other_calls == .calls - .errors] | all' \
        "$WORK/p.json")" = true ]
}
