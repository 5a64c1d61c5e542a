#!/usr/bin/env bash
# Runs every benchmark that is built (build/bench/bench_*) and every bench
# script (bench/*.sh), each in turn, and prints their figures. Figures are
# medians over repeated runs inside each program; machines are noisy, so
# compare ratios printed side by side in the same run, not absolute numbers.
#   scripts/bench.sh [BUILD_DIR] [NAME...]   (NAME: parse, scan, limit, jwt, proxy, ...)
set -uo pipefail
build=${1:-build}
shift || true
top=$(cd "$(dirname "$0")/.." && pwd)
want=("$@")
selected() {
  [[ ${#want[@]} -eq 0 ]] && return 0
  for w in "${want[@]}"; do [[ "$w" == "$1" ]] && return 0; done
  return 1
}
status=0
summary=()
for exe in "$build"/bench/bench_*; do
  [[ -x "$exe" && -f "$exe" ]] || continue
  name=${exe##*/bench_}
  selected "$name" || continue
  echo "=== bench $name ($exe)"
  start=$(date +%s)
  if "$exe"; then summary+=("$name: ok ($(( $(date +%s) - start )) s)")
  else summary+=("$name: FAILED"); status=1; fi
  echo
done
for sh in "$top"/bench/*.sh; do
  [[ -f "$sh" ]] || continue
  name=$(basename "$sh" .sh)
  selected "$name" || continue
  echo "=== bench $name ($sh)"
  start=$(date +%s)
  if bash "$sh" "$build"; then summary+=("$name: ok ($(( $(date +%s) - start )) s)")
  else summary+=("$name: FAILED"); status=1; fi
  echo
done
echo "=== summary"
printf '%s\n' "${summary[@]}"
exit $status
