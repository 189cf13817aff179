#!/usr/bin/env bats
# The file pairs end to end: a quick run of all of them (their syscall and fault counts:
# invariants.bats), the page cache's state, and the test data's bad-input paths.
bats_require_minimum_version 1.5.0
load helpers

setup_file() {
  load helpers
  export RUN=$BATS_FILE_TMPDIR/files.json
  # The pairs tagged mapping in zcbench list (pread against a mapping of the test file).
  export FILE_PAIRS=$("$ZCBENCH" list --format json | jq -r '[.pairs[] | select(.tags | index("mapping")) | .name] | join("|")')
  quick_run "$RUN" --filter "^($FILE_PAIRS)/" 2>/dev/null
}

@test "every file pair runs under --quick, verified, and the JSON is valid" {
  validate_result "$RUN"
  [ -n "$FILE_PAIRS" ]
  want=$("$ZCBENCH" list --format json | jq '[.pairs[] | select(.tags | index("mapping")) | .params[] | select(.sweep | not)] | length')
  [ "$want" -gt 0 ]
  jq -e --argjson n "$want" '.pairs | length == $n' "$RUN"
  jq -e '.pairs | all(.status=="ok" or .status=="skipped")' "$RUN"
  jq -e '[.pairs[] | select(.status=="ok")] | all(.verified)' "$RUN"
}

@test "the context records the test data, XXH3 implementation and SHA-256 setup" {
  jq -e '.context["testdata.random-4MiB.bin"] | test("xxh3=ba647f84dc10e8d3 fs=")' "$RUN"
  jq -e '.context.xxh3_implementation | test("XXH3_64bits_dispatch")' "$RUN"
  jq -e '.context.sha256_implementation | test("OpenSSL .*SHA-NI: (yes|no)")' "$RUN"
}

@test "every warm param says how the page cache was populated and what folios it holds" {
  jq -e '[.pairs[] | select(.status=="ok" and (.param|test("_warm_")))]
         | length > 0 and all(.notes.page_cache_method | test("^evicted .*, then read sequentially in [0-9]+ KiB reads$"))' "$RUN"
  if [[ $(id -u) == 0 ]]; then
    jq -e '[.pairs[] | select(.status=="ok" and (.param|test("_warm_")))]
           | all(.notes.page_cache_folios | test("^[0-9]+(KiB|MiB) x[0-9]+(, [0-9]+(KiB|MiB) x[0-9]+)*$"))' "$RUN"
    # One 4 MiB read and 4 KiB reads are two defined methods (file_source.h's params), each
    # noted with its size, in every file pair.
    jq -e '[.pairs[] | select(.status=="ok" and (.param | endswith("_read4M")))] | length > 0
           and all(.notes.page_cache_method | test(" in 4096 KiB reads$"))' "$RUN"
    jq -e '[.pairs[] | select(.status=="ok" and (.param | endswith("_read4K")))] | length > 0
           and all(.notes.page_cache_method | test(" in 4 KiB reads$"))' "$RUN"
  else
    jq -e '[.pairs[] | select(.status=="ok" and (.param|test("_warm_")))] | all(.notes.page_cache_folios | startswith("unknown: "))' "$RUN"
  fi
}

@test "missing test data is generated; a truncated file is regenerated" {
  export ZCBENCH_TESTDATA=$BATS_TEST_TMPDIR/td
  run -0 "$ZCBENCH" --quick --no-machine-profile --format none --filter '^pread_xxh3.*/4KiB_warm_kept$'
  [[ $output == *"generating $ZCBENCH_TESTDATA/random-4KiB.bin"* ]]
  truncate -s 10 "$ZCBENCH_TESTDATA/random-4KiB.bin"
  run -0 "$ZCBENCH" --quick --no-machine-profile --format none --filter '^pread_xxh3.*/4KiB_warm_kept$'
  [[ $output == *"truncated or corrupt"* ]]
  [ "$(stat -c %s "$ZCBENCH_TESTDATA/random-4KiB.bin")" = 4096 ]
}

@test "a missing recipe is a clear error naming it, exit 1" {
  run -1 env ZCBENCH_RECIPE=$BATS_TEST_TMPDIR/none.txt "$ZCBENCH" --quick --no-machine-profile --format none --filter '^pread_xxh3.*/4KiB_warm_kept$'
  [[ $output == *"cannot read the test data recipe $BATS_TEST_TMPDIR/none.txt"* ]]
}

@test "make-testdata output agrees with xxhsum and sha256sum" {
  command -v xxhsum >/dev/null || skip "xxhsum not installed"
  export ZCBENCH_TESTDATA=$BATS_TEST_TMPDIR/td2
  run -0 "$ZCBENCH" --make-testdata
  while read -r name bytes seed xx sha flag; do
    [[ $name == \#* || -n $flag ]] && continue
    [ "$(xxhsum -H3 "$ZCBENCH_TESTDATA/$name" | sed 's/.*= //')" = "$xx" ]
    [ "$(sha256sum "$ZCBENCH_TESTDATA/$name" | cut -d' ' -f1)" = "$sha" ]
  done < "$ROOT/testdata/recipe.txt"
}
