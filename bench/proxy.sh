#!/usr/bin/env bash
# Proxy benchmark for scripts/bench.sh: larch vs nginx, then the CPU cost of
# three rate limits (both proxies loaded at once per round; see bench/proxy).
#   bench/proxy.sh [BUILD_DIR]
set -euo pipefail
build=${1:-build}
python3 "$(dirname "$0")/proxy" --larch "$build/proxy/larch"
exec python3 "$(dirname "$0")/proxy" --larch "$build/proxy/larch" --limits --concurrent \
  --rounds 5 --duration 2
