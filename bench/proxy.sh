#!/usr/bin/env bash
# Proxy benchmark for scripts/bench.sh: larch vs nginx (see bench/proxy).
#   bench/proxy.sh [BUILD_DIR]
set -euo pipefail
build=${1:-build}
exec python3 "$(dirname "$0")/proxy" --larch "$build/proxy/larch"
