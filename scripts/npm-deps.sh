#!/usr/bin/env bash
# Installs the npm packages the tests compare against (Cedar's reference
# evaluator, cedar-wasm; the MCP TypeScript SDK) when npm is available. Without npm the tests that
# need them report themselves skipped (ctest), and this says so.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
for dir in tests/differential tests/grammar/differential tests/proxy/mcp; do
  [[ -d "$top/$dir/node_modules/@cedar-policy/cedar-wasm" ]] && continue
  [[ -d "$top/$dir/node_modules/@modelcontextprotocol/sdk" ]] && continue
  if ! command -v npm >/dev/null 2>&1; then
    echo "note: npm not found; $dir tests will be skipped" >&2
    continue
  fi
  echo "npm install in $dir" >&2
  (cd "$top/$dir" && npm install --no-audit --no-fund --loglevel=error) ||
    echo "warning: npm install failed in $dir; its tests will be skipped" >&2
done
exit 0
