#!/usr/bin/env bats
# A result as a document and its samples: what is in each, that they read back whole, that
# the older one-document layout still reads, the export formats, the reports' files, the
# atlas and the query index.
bats_require_minimum_version 1.5.0
load helpers

setup_file() {
  load helpers
  export RUN=$BATS_FILE_TMPDIR/run.json
  quick_run "$RUN" --filter "^copy_vs_slice/64KiB|^$(controls 1)\$" 2>/dev/null
}

@test "a run writes its document and its samples file, both readable by everyone" {
  samples=${RUN%.json}.samples.json.gz
  [ -f "$samples" ]
  jq -e --arg s "$(basename "$samples")" '.samples_file == $s' "$RUN"
  # The document: one median aggregate per side, nothing per sample.
  jq -e '(.benchmarks | all(.run_type == "aggregate" and .aggregate_name == "median"))
         and (.benchmarks | length) == 2 * (.pairs | length)
         and (.pairs | all(has("block_ratios") | not))' "$RUN"
  # One line per benchmarks[] and pairs[] entry.
  [ "$(grep -c '^    {"name":' "$RUN")" -eq "$(jq '(.benchmarks | length) + (.pairs | length)' "$RUN")" ]
  # The samples are gzip (Python reads them) with no timestamp.
  /usr/bin/python3 -c 'import gzip, json, sys; d = json.load(gzip.open(sys.argv[1])); assert d["format"].startswith("zcbench samples")' "$samples"
  [ "$(od -An -tu4 -j4 -N4 "$samples" | tr -d ' ')" = 0 ]
  [ -z "$(find "$RUN" "$samples" ! -perm -044)" ]
}

@test "the whole document comes back: reanalyse reproduces the run, export round-trips it" {
  run -0 "$ZCBENCH" reanalyse "$RUN"
  n=$(jq '[.pairs[] | select(.status == "ok")] | length' "$RUN")
  [[ $output == *"$n of $n pairs reproduced exactly"* ]]
  whole "$RUN" >"$BATS_TEST_TMPDIR/whole.json"
  jq -e '[.benchmarks[] | select(.run_type == "iteration")] | length > 0' "$BATS_TEST_TMPDIR/whole.json"
  "$ZCBENCH" export --format result --out "$BATS_TEST_TMPDIR/again.json" "$BATS_TEST_TMPDIR/whole.json"
  whole "$BATS_TEST_TMPDIR/again.json" >"$BATS_TEST_TMPDIR/whole2.json"
  jq -e --slurpfile a "$BATS_TEST_TMPDIR/whole.json" '. == $a[0]' "$BATS_TEST_TMPDIR/whole2.json"
  cmp "${RUN%.json}.samples.json.gz" "$BATS_TEST_TMPDIR/again.samples.json.gz"
}

@test "a result of the one-document layout reads as before, and compares with today's" {
  old=$BATS_TEST_TMPDIR/old.json
  whole "$RUN" | jq '.context.json_schema_version = 5' >"$old"
  run -0 "$ZCBENCH" reanalyse "$old"
  run -0 "$ZCBENCH" compare "$old" "$RUN"
  jq -e '.pairs | length > 0' <<<"$output"
  run -0 "$ROOT/scripts/compare" "$old" "$RUN"
  [[ $output == *"zcbench comparison"* ]]
}

@test "a result whose samples file is missing or not its own is refused by name" {
  d=$BATS_TEST_TMPDIR/d
  mkdir "$d"
  cp "$RUN" "$d/r.json"
  run -2 "$ZCBENCH" reanalyse "$d/r.json"
  [[ $output == *"samples file cannot be read"*"$(jq -r .samples_file "$RUN")"* ]]
  jq '.samples_file = "../x.gz"' "$RUN" >"$d/s.json"
  run -2 "$ZCBENCH" export --format gbench "$d/s.json"
  [[ $output == *"not a file name in the result's folder"* ]]
  # Another run's samples: entries missing or left over.
  other=$BATS_TEST_TMPDIR/other.json
  quick_run "$other" --filter "^$(controls 1)\$" 2>/dev/null
  cp "${other%.json}.samples.json.gz" "$d/$(jq -r .samples_file "$RUN")"
  run -2 "$ZCBENCH" reanalyse "$d/r.json"
  [[ $output == *"does not match its result"* ]]
}

@test "export refuses what it cannot do, and never writes over a file" {
  run -2 "$ZCBENCH" export "$RUN"
  [[ $output == *"--format is required"* ]]
  run -2 "$ZCBENCH" export --format csv "$RUN"
  [[ $output == *"not one of gbench, result, bmf"* ]]
  run -2 "$ZCBENCH" export --format result "$RUN"
  [[ $output == *"needs --out"* ]]
  run -1 "$ZCBENCH" export --format result --out "$RUN" "$RUN"
  [[ $output == *"never overwritten"* ]]
  run -2 "$ZCBENCH" export --format gbench "$BATS_TEST_TMPDIR/none.json"
}

@test "export --format bmf follows Bencher Metric Format and carries the result's figures" {
  "$ZCBENCH" export --format bmf "$RUN" >"$BATS_TEST_TMPDIR/bmf.json"
  /usr/bin/python3 - "$ROOT/tests/schema/bmf.schema.json" "$BATS_TEST_TMPDIR/bmf.json" <<'PY'
import json, sys
import jsonschema
jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])), cls=jsonschema.Draft7Validator)
PY
  p=$(jq -r '[.pairs[] | select(.status == "ok")][0] | "\(.name)/\(.param)"' "$RUN")
  [ "$(jq --arg k "$p" '.[$k].ratio.value' "$BATS_TEST_TMPDIR/bmf.json")" = "$(jq --arg k "$p" '.pairs[] | select("\(.name)/\(.param)" == $k) | .ratio' "$RUN")" ]
  [ "$(jq --arg k "$p" '.[$k].ratio.lower_value' "$BATS_TEST_TMPDIR/bmf.json")" = "$(jq --arg k "$p" '.pairs[] | select("\(.name)/\(.param)" == $k) | .ratio_ci_low' "$RUN")" ]
  b=${p%%/*}/baseline/${p#*/}
  [ "$(jq --arg k "$b" '.[$k].latency.value' "$BATS_TEST_TMPDIR/bmf.json")" = "$(jq --arg k "$p" '.pairs[] | select("\(.name)/\(.param)" == $k) | .sides.baseline.time_ns.median' "$RUN")" ]
}

@test "report, machine README and atlas: a run's folder in a results tree, readable by everyone" {
  tree=$BATS_TEST_TMPDIR/results
  run=20261205T000000Z-000000000000
  mkdir -p "$tree/box-a/$run" "$tree/box-b/$run"
  for m in box-a box-b; do
    cp "$RUN" "$tree/$m/$run/$run.json"
    cp "${RUN%.json}.samples.json.gz" "$tree/$m/$run/$run.samples.json.gz"
    jq --arg s "$run.samples.json.gz" '.samples_file = $s' "$RUN" >"$tree/$m/$run/$run.json"
  done
  run -0 "$ROOT/scripts/report" "$tree/box-a/$run/$run.json" "$tree/box-b/$run/$run.json"
  [ -f "$tree/box-a/$run/$run.md" ] && [ -f "$tree/box-a/$run/$run-summary.txt" ] && [ -f "$tree/box-a/README.md" ]
  [ -z "$(find "$tree" -type f ! -perm -044)" ]
  # The table's last line ends with a newline.
  [ "$(tail -c1 "$tree/box-a/$run/$run.md" | od -An -c | tr -d ' ')" = '\n' ]
  grep -q "^| \[box-a\](box-a/README.md) |" "$tree/README.md"
  grep -q "^| \[box-b\](box-b/README.md) |" "$tree/README.md"
  grep -q "^| \[$run\]($run/$run.md) |" "$tree/box-a/README.md"
  # The query index: one pair on both machines.
  p=$(jq -r '.pairs[0].name' "$RUN")
  run -0 "$ROOT/scripts/query" --results "$tree" --db "$BATS_TEST_TMPDIR/q.sqlite" "$p"
  [[ $output == *"| box-a |"* ]] && [[ $output == *"| box-b |"* ]]
  run -1 "$ROOT/scripts/query" --results "$tree" --db "$BATS_TEST_TMPDIR/q.sqlite" no_such_pair
  run -0 "$ROOT/scripts/query" --results "$tree" --db "$BATS_TEST_TMPDIR/q.sqlite" --sql 'SELECT count(*) AS n FROM runs'
  [[ $output == *"| 2 |"* ]]
}
