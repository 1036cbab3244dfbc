# shellcheck shell=bash
# lab/hostprep/checks.sh: helpers of the stage-1 checks (run.sh sources it in the guest,
# checks_test.go tests it on the host).
#
# Structured output is parsed, never grepped for a key order or a spacing: crictl info
# as JSON, containerd's configuration as TOML (the guest's Python 3.11 has tomllib).
#
# json_cmd_check EXPR CMD...: runs CMD, parses its stdout as JSON into `d` and fails
# unless the Python expression EXPR is true; the failure names the value it saw.
json_cmd_check() {
  python3 - "$@" << 'PY'
import json, subprocess, sys
expr, cmd = sys.argv[1], sys.argv[2:]
d = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
if not eval(expr, {"d": d}):
    sys.exit(f"{expr} is false")
PY
}

# toml_values FILE KEY.PATH.SUFFIX prints, one JSON value a line, every value in the TOML
# file whose dotted key path ends with the suffix (containerd 1.7 and 2.x name their CRI
# plugins differently; the keys below the plugin are what the checks care about).
toml_values() {
  python3 - "$@" << 'PY'
import json, sys, tomllib
path, suffix = sys.argv[1], tuple(sys.argv[2].split("."))
with open(path, "rb") as f:
    doc = tomllib.load(f)
def walk(node, keys):
    for k, v in node.items():
        if isinstance(v, dict):
            walk(v, keys + (k,))
        elif (keys + (k,))[-len(suffix):] == suffix:
            print(json.dumps(v))
walk(doc, ())
PY
}

# toml_has FILE KEY.PATH.SUFFIX JSON_VALUE... fails unless a value under the suffix equals
# one of the JSON values, and then says what it found.
toml_has() {
  local file=$1 suffix=$2 found want
  shift 2
  found=$(toml_values "$file" "$suffix") || return 1
  for want in "$@"; do
    grep -qxF -- "$want" <<< "$found" && return 0
  done
  echo "$suffix: want one of $*, found: ${found:-nothing}"
  return 1
}
