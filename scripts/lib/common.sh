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
def fmt_time: if . == null then "-" else (if . < 0 then -. else . end) as $a
  | if $a < 10 then "\(. * 1000 | round / 1000) ns"
  elif $a < 1e4 then "\(. * 10 | round / 10) ns" elif $a < 1e7 then "\(. / 100 | round / 10) µs"
  else "\(. / 1e5 | round / 10) ms" end end;
def fmt_bps: if . == null then "-" else "\(. / 1e7 | round / 100) GB/s" end;
def fmt_num: if . == null then "n/a" elif . == (. | floor) then "\(.)" else "\(. * 100 | round / 100)" end;
def fmt_ratio: if . == null then "-" elif . >= 100 then "\(. | round)" elif . >= 10 then "\(. * 10 | round / 10)"
  else "\(. * 1000 | round / 1000)" end;'

# run_docs DIR: every run's document under DIR, one path a line, sorted: a run is a folder
# <run>/ holding <run>.json (and its samples); experiments/ folders included.
run_docs() {
  find "$1" -type f -name '*.json' ! -name '*.samples.json*' -print 2>/dev/null | LC_ALL=C sort |
    while IFS= read -r f; do
      [[ $(basename "$f" .json) == "$(basename "$(dirname "$f")")" ]] && echo "$f"
    done
  return 0
}

# whole_doc RESULT.json OUT: the result's whole document into OUT: its samples file joined
# back by zcbench (the one reader of results) when it has one, else the file as it is.
whole_doc() {
  if jq -e 'has("samples_file")' "$1" >/dev/null 2>&1; then
    "$(zcbench_bin)" export --format gbench "$1" >"$2" || die "$1: its whole document cannot be read"
  else
    cp "$1" "$2"
  fi
}

# zcbench_bin: the binary the calling make built ($BUILD, as make exports it), else build/.
zcbench_bin() {
  local root
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  echo "${ZCBENCH:-$root/${BUILD:-build}/zcbench}"
}

# JQ helpers for sizes: (bytes | fmt_bytes) -> "4 KiB", "1.5 MiB".
JQ_BYTES='def fmt_bytes: if . == null then "?" elif . >= 1073741824 then "\(. / 1073741824 * 10 | round / 10) GiB"
  elif . >= 1048576 then "\(. / 1048576 * 10 | round / 10) MiB" elif . >= 1024 then "\(. / 1024 | round) KiB"
  else "\(. | round) B" end;'

# nginx_conf DIR PORT on|off: Debian's nginx in the foreground, one worker, serving DIR/www
# on 127.0.0.1:PORT with sendfile on or off; defaults otherwise (output_buffers 2 32k,
# sendfile_max_chunk 2m); a file's descriptor is cached so that a request does not reopen it.
nginx_conf() {
  cat <<CONF
daemon off;
worker_processes 1;
pid $1/nginx.pid;
error_log $1/logs/error.log;
events { worker_connections 64; }
http {
  access_log off;
  sendfile $3;
  open_file_cache max=16;
  server { listen 127.0.0.1:$2; root $1/www; }
}
CONF
}
