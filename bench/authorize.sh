#!/usr/bin/env bash
# `larch authorize --requests` against cedar-wasm (bench/authorize_vs_cedar.js).
# Needs node and `npm install` in bench/ (node_modules is never committed);
# prints a note and succeeds without them.
#   bench/authorize.sh [BUILD_DIR]
set -uo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v node >/dev/null || [[ ! -d "$here/node_modules/@cedar-policy/cedar-wasm" ]]; then
  echo "authorize: cedar-wasm not installed (cd bench && npm install): skipped"
  exit 0
fi
exec node "$here/authorize_vs_cedar.js" "$build/proxy/larch" --requests 50000 --sample 200
