# common.sh - shared by the report scripts: errors, and the check that a file is a result.
# shellcheck shell=bash

die() { echo "${0##*/}: $*" >&2; exit 1; }

# check_result FILE: a JSON object with a non-empty benchmarks array whose entries have a
# name, and whose measured entries (run_type "iteration" or none, no error) have real_time
# and time_unit (Google Benchmark's minimum); one line on failure.
check_result() {
  local f=$1 why
  [[ -f $f && -r $f ]] || die "$f: no such readable file"
  jq -e . "$f" >/dev/null 2>&1 || die "$f: not JSON"
  why=$(jq -r '
    if type != "object" then "not a result (top level is not an object)"
    elif (.benchmarks | type) != "array" then "not a result (no benchmarks array)"
    elif (.benchmarks | length) == 0 then "benchmarks list is empty"
    else ([.benchmarks | to_entries[] | select((.value | type) != "object"
            or (.value.name | type) != "string"
            or (((.value.run_type // "iteration") == "iteration") and (.value.error_occurred | not)
                and (.value.skipped | not)
                and ((.value.real_time | type) != "number" or (.value.time_unit | type) != "string")))
          | .key] | first
          | if . == null then "" else "benchmarks[\(.)] lacks name, real_time or time_unit" end)
    end' "$f")
  [[ -z $why ]] || die "$f: $why"
}

# Nanoseconds per time_unit, for jq: ($unit | ns_per)
JQ_DEFS='def ns_per: {"ns":1,"us":1e3,"ms":1e6,"s":1e9}[.] // 1;
def fmt_time: if . == null then "-" elif . < 10 then "\(. * 1000 | round / 1000) ns"
  elif . < 1e4 then "\(. * 10 | round / 10) ns" elif . < 1e7 then "\(. / 100 | round / 10) µs"
  else "\(. / 1e5 | round / 10) ms" end;
def fmt_bps: if . == null then "-" else "\(. / 1e7 | round / 100) GB/s" end;
def fmt_num: if . == null then "n/a" elif . == (. | floor) then "\(.)" else "\(. * 100 | round / 100)" end;
def fmt_ratio: if . == null then "-" elif . >= 100 then "\(. | round)" elif . >= 10 then "\(. * 10 | round / 10)"
  else "\(. * 1000 | round / 1000)" end;'
