#!/usr/bin/env bash
# bench/compare-cedar: `larch authorize --requests` over 100,000 rules/
# requests against Cedar's reference implementation (cedar-wasm), see
# bench/compare-cedar.js. Needs node and `npm install` in bench/ (or in
# tests/differential); prints a note and succeeds without them.
#   bench/compare-cedar.sh [BUILD_DIR] [--requests N]
set -uo pipefail
build=${1:-build}
shift || true
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v node >/dev/null; then
  echo "compare-cedar: node not found: skipped"
  exit 0
fi
exec node "$here/compare-cedar.js" "$build/proxy/larch" "$build/bench/bench_authorize" \
  "$here/../rules" "$@"
