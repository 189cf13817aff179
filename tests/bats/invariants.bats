#!/usr/bin/env bats
# Every invariant a pair declares (zcbench list --format json: syscalls per iteration,
# page faults, the share of bytes the kernel did without a copy) holds on the counters. No pair is named here: a new pair's invariants are
# checked by adding its file. Per pair and distinct declaration, the param nearest 64 KiB
# runs (one fresh process, samples long enough that a peer's once-per-sample sync is noise).
bats_require_minimum_version 1.5.0
load helpers

# What the counters count is the same in every build, and each pair's code runs under the
# sanitizers in streams.bats and file_pairs.bats: the sanitizer pass skips this file.
sanitizer_pass() { [[ ${BUILD:-build} != build ]]; }

setup_file() {
  load helpers
  sanitizer_pass && return 0
  export LIST=$BATS_FILE_TMPDIR/list.json RUN=$BATS_FILE_TMPDIR/invariants.json
  export CHECKS=$BATS_FILE_TMPDIR/checks.json
  "$ZCBENCH" list --format json > "$LIST"
  # [{pair, param, side, syscalls_per_iter?, syscalls_at_least?, page_faults?}]
  # INVARIANTS_PAIRS (a regex) narrows the pairs, for new_pair.bats.
  jq --arg only "${INVARIANTS_PAIRS:-.}" '[.pairs[] | select(.name | test($only)) | .name as $p
        | [.params[] | select((.sweep | not) and .invariants != {})]
        | group_by(.invariants | tostring)[]
        | min_by((.bytes - 65536) | fabs)
        | .name as $q | .invariants | to_entries[]
        | {pair: $p, param: $q, side: .key} + .value]' "$LIST" > "$CHECKS"
  filter="^($(jq -r '[.[] | "\(.pair)/\(.param)"] | unique | join("|")' "$CHECKS"))\$"
  timeout 600 "$ZCBENCH" --no-machine-profile --min-time 0.05 --invocations 1 --rounds 4 --format none \
    --out "$RUN" --filter "$filter" 2>/dev/null || true
  # The sides' counters live with the samples: the whole document has them.
  export RUNW=$BATS_FILE_TMPDIR/invariants-whole.json
  whole "$RUN" >"$RUNW" 2>/dev/null || true
}

setup() {
  if sanitizer_pass; then
    skip "counts the same in every build; it runs in the plain build's pass"
  fi
}

# The side's median of a counter per iteration, rounded: a sanitizer runtime makes a stray
# syscall now and then (0.003 per iteration), which must not hide or fake a whole one.
measured() { # measured PAIR PARAM SIDE COUNTER
  jq -r --arg p "$1" --arg q "$2" --arg s "$3" --arg c "$4" \
    '.pairs[] | select(.name == $p and .param == $q and .status == "ok") | .sides[$s].counters[$c].median | round' "$RUNW"
}

@test "the pairs declare invariants, and every declared pair/param ran" {
  validate_result "$RUN"
  [ "$(jq length "$CHECKS")" -gt 0 ]
  jq -e --slurpfile c "$CHECKS" '([$c[0][] | "\(.pair)/\(.param)"] | unique) as $want
         | [.pairs[] | "\(.name)/\(.param)"] | unique == $want' "$RUN"
  jq -e '.pairs | all(.status == "ok" or .status == "skipped")' "$RUN"
}

@test "measured syscalls per iteration are the declared ones (at least them, where declared so)" {
  [[ $(jq -r '.context.counters["raw_syscalls:sys_enter"]' "$RUN") == ok ]] || skip "syscall tracepoint unavailable"
  [ "$(jq '[.[] | select(.syscalls_per_iter != null)] | length' "$CHECKS")" -gt 0 ] || skip "no pair here declares syscalls"
  n=0
  while IFS=$'\t' read -r pair param side want atleast; do
    got=$(measured "$pair" "$param" "$side" syscalls_per_iter)
    [[ -z $got ]] && continue # skipped here (io_uring off, ...)
    if [[ $atleast == true ]]; then
      ((got >= want)) || { echo "$pair/$side/$param: $got syscalls per iteration, declared at least $want"; false; }
    else
      ((got == want)) || { echo "$pair/$side/$param: $got syscalls per iteration, declared $want"; false; }
    fi
    n=$((n + 1))
  done < <(jq -r '.[] | select(.syscalls_per_iter != null)
                  | [.pair, .param, .side, (.syscalls_per_iter | round), .syscalls_at_least] | @tsv' "$CHECKS")
  ((n > 0))
}

@test "page faults: none where declared none, at least one where declared some" {
  [[ $(jq -r '.context.counters["page-faults"]' "$RUN") == ok ]] || skip "page-fault counter unavailable"
  [ "$(jq '[.[] | select(.page_faults != null)] | length' "$CHECKS")" -gt 0 ] || skip "no pair here declares faults"
  n=0
  while IFS=$'\t' read -r pair param side want; do
    got=$(measured "$pair" "$param" "$side" page_faults_per_iter)
    [[ -z $got ]] && continue
    if [[ $want == none ]]; then
      ((got == 0)) || { echo "$pair/$side/$param: $got faults per iteration, declared none"; false; }
    else
      ((got >= 1)) || { echo "$pair/$side/$param: $got faults per iteration, declared some"; false; }
    fi
    n=$((n + 1))
  done < <(jq -r '.[] | select(.page_faults != null) | [.pair, .param, .side, .page_faults] | @tsv' "$CHECKS")
  ((n > 0))
}

@test "zero-copy really happened: the kernel's share of bytes done without a copy is at least the declared one" {
  [ "$(jq '[.[] | select(.zerocopy_effective_min != null)] | length' "$CHECKS")" -gt 0 ] || skip "no pair here declares it"
  n=0
  while IFS=$'\t' read -r pair param side want; do
    got=$(jq -r --arg p "$pair" --arg q "$param" --arg s "$side" \
      '.pairs[] | select(.name == $p and .param == $q and .status == "ok") | .sides[$s].zc_effective' "$RUN")
    [[ -z $got ]] && continue # skipped here (not root: no namespace of its own, ...)
    jq -en --argjson g "$got" --argjson w "$want" '$g >= $w' >/dev/null ||
      { echo "$pair/$side/$param: zero-copy effective $got, declared at least $want"; false; }
    n=$((n + 1))
  done < <(jq -r '.[] | select(.zerocopy_effective_min != null) | [.pair, .param, .side, .zerocopy_effective_min] | @tsv' "$CHECKS")
  ((n > 0)) || skip "every pair that declares it was skipped here"
}

@test "every side's declared copies in a result are the ones the pair lists" {
  jq -e --slurpfile l "$LIST" '([$l[0].pairs[] | {key: .name, value: .sides}] | from_entries) as $d
         | [.pairs[] | select(.status == "ok") | .name as $p | .sides | to_entries[]
            | .value.copies_per_iter_declared == $d[$p][.key].copies_per_iter] | length > 0 and all' "$RUN"
}

@test "list --format json: every pair has a kind, its tags, params and sides; bad formats are refused" {
  jq -e '.pairs | length > 0 and all(
           (.kind | IN("control", "stream", "other")) and (.tags | type == "array")
           and (.params | length > 0) and (.sides | has("baseline") and has("zerocopy")))' "$LIST"
  # The kinds agree with the tags, and with the text listing's markers.
  jq -e '.pairs | all((.kind == "control") == (.tags | index("control") != null))' "$LIST"
  [ "$(jq '[.pairs[] | select(.kind == "stream")] | length' "$LIST")" = "$("$ZCBENCH" --list | grep -c '^[a-z0-9_]* \[stream\]:')" ]
  run -2 "$ZCBENCH" --format json
  [[ $output == *"only with --list"* ]]
}
