#!/usr/bin/env bash
# Runs every benchmark that is built (build/bench/bench_*) and every bench
# script (bench/*.sh), each in turn, and prints their figures. Figures are
# medians over repeated runs inside each program; machines are noisy, so
# compare ratios printed side by side in the same run, not absolute numbers.
# Lines a benchmark prints as "figure: NAME | VALUE | TARGET" are collected
# into one table at the end (with the load average, since the machine is
# shared).
#   scripts/bench.sh [BUILD_DIR] [NAME...]   (NAME: parse, scan, limit, jwt, proxy,
#                                             authorize, compare-cedar, ...)
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
figures=$(mktemp)
trap 'rm -f "$figures"' EXIT
for exe in "$build"/bench/bench_*; do
  [[ -x "$exe" && -f "$exe" ]] || continue
  name=${exe##*/bench_}
  selected "$name" || continue
  echo "=== bench $name ($exe)"
  start=$(date +%s)
  if "$exe" | tee -a "$figures"; then summary+=("$name: ok ($(( $(date +%s) - start )) s)")
  else summary+=("$name: FAILED"); status=1; fi
  echo
done
for sh in "$top"/bench/*.sh; do
  [[ -f "$sh" ]] || continue
  name=$(basename "$sh" .sh)
  selected "$name" || continue
  echo "=== bench $name ($sh)"
  start=$(date +%s)
  if bash "$sh" "$build" | tee -a "$figures"; then
    summary+=("$name: ok ($(( $(date +%s) - start )) s)")
  else summary+=("$name: FAILED"); status=1; fi
  echo
done
echo "=== summary"
printf '%s\n' "${summary[@]}"
if grep -q '^figure: ' "$figures"; then
  echo
  echo "=== figures (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
  grep '^figure: ' "$figures" | sed 's/^figure: //' |
    awk -F' [|] ' '{ printf "| %-58s | %-38s | %-17s |\n", $1, $2, $3 }'
fi
exit $status
