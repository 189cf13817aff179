#!/usr/bin/env bats
# make fleet for real: an inventory of two hosts (ansible_connection=local, each with a work
# directory and a machine name of its own) runs a quick make bench of this commit on each;
# both runs come back into their machine folders, and the atlas shows both machines.
bats_require_minimum_version 1.5.0
load helpers

setup() {
  # The hosts build their own zcbench as a first make bench does, whatever build this pass
  # tests: a second pass would run the very same thing again.
  if [[ ${BUILD:-build} != build ]]; then
    skip "the fleet builds its own zcbench on each host; it runs in the plain build's pass"
  fi
}

inventory() {
  cat >"$1" <<INV
[bench]
alpha ansible_connection=local ansible_python_interpreter=/usr/bin/python3 zcbench_workdir=$2/alpha zcbench_machine=fleet-alpha
beta ansible_connection=local ansible_python_interpreter=/usr/bin/python3 zcbench_workdir=$2/beta zcbench_machine=fleet-beta
INV
}

@test "make fleet: two hosts, each run fetched into its machine folder, the atlas shows both" {
  t=$BATS_TEST_TMPDIR
  inventory "$t/hosts.ini" "$t"
  FLEET_PARALLEL=2 FLEET_BENCH_ARGS="--quick --no-machine-profile --filter ^$(controls 1)\$" \
    run -0 "$ROOT/scripts/fleet" "$t/hosts.ini" "$t/results"
  [[ $output == *"fleet: 2 run(s) fetched"* ]]
  for m in fleet-alpha fleet-beta; do
    docs=("$t/results/$m"/*/*.json)
    [ "${#docs[@]}" -eq 1 ]
    doc=${docs[0]}
    [ -f "${doc%.json}.samples.json.gz" ] && [ -f "${doc%.json}.md" ] && [ -f "${doc%.json}-summary.txt" ]
    jq -e --arg m "$m" '.context.machine == $m and (.pairs | length) == 1 and (.context.git_dirty | not)
                        and .context.git_commit == $c' --arg c "$(git -C "$ROOT" rev-parse --short=12 HEAD)" "$doc"
    "$ZCBENCH" reanalyse "$doc" >/dev/null
    grep -q "^# $m" "$t/results/$m/README.md"
  done
  # The atlas: both machines, and the pair's row with a cell for each.
  grep -q '^| \[fleet-alpha\](fleet-alpha/README.md) |' "$t/results/README.md"
  grep -q '^| \[fleet-beta\](fleet-beta/README.md) |' "$t/results/README.md"
  row=$(grep "^| $(controls 1) |" "$t/results/README.md")
  [ "$(grep -o ' | ' <<<"$row" | wc -l)" -eq 2 ]
  # Nothing of a results folder is private.
  [ -z "$(find "$t/results" -type f ! -perm -044)" ]
}

@test "make fleet refuses a bad inventory and a run that would overwrite one" {
  run -2 "$ROOT/scripts/fleet"
  [[ $output == *usage* ]]
  run -1 "$ROOT/scripts/fleet" "$BATS_TEST_TMPDIR/none.ini"
  [[ $output == *"no such readable inventory"* ]]
  FLEET_PARALLEL=x run -1 "$ROOT/scripts/fleet" /dev/null
  [[ $output == *"not a positive integer"* ]]
  run -2 make -C "$ROOT" --no-print-directory fleet
  [[ $output == *"make fleet INVENTORY=FILE"* ]]
}
