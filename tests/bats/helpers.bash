# Shared by the bats files: where the binary and the repo are, and a schema check.
ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
ZCBENCH=${ZCBENCH:-$ROOT/build/zcbench}
SCHEMA=$ROOT/tests/schema/result.schema.json

# Validates a result file against the repo's JSON Schema (Debian's python3-jsonschema).
validate_result() {
  whole "$1" >"$BATS_TEST_TMPDIR/whole.json"
  /usr/bin/python3 - "$SCHEMA" "$BATS_TEST_TMPDIR/whole.json" <<'PY'
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
jsonschema.validate(doc, schema, cls=jsonschema.Draft202012Validator)
PY
}

# A result's whole document on stdout, its samples file joined back in (what the schema
# describes and compare.py's U test reads).
whole() {
  "$ZCBENCH" export --format gbench "$1"
}

# A small quick run of one pair, shared by a file's tests.
quick_run() {
  "$ZCBENCH" --quick --format none --out "$1" "${@:2}"
}

# The first N params ("pair/param") of the control pairs a default run has, from
# zcbench list: what a test runs when it needs a control, without naming one.
controls() {
  "$ZCBENCH" list --format json | jq -r --argjson n "${1:-1}" \
    '[.pairs[] | select(.kind == "control") | .name as $p | .params[]
      | select((.sweep or .single) | not) | "\($p)/\(.name)"] | .[:$n][]'
}
