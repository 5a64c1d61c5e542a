#!/usr/bin/env bash
# scan_quality.sh — detection quality of the PII/secret detectors (precision,
# recall, F1 per type) on the labelled sets of bench/scan. Run by scripts/bench.sh.
#   bench/scan_quality.sh [BUILD_DIR]
set -euo pipefail
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
for set in eval.jsonl eval_hand.jsonl eval_probe.jsonl eval_probe2.jsonl eval_probe4.jsonl eval_probe5.jsonl eval_probe6.jsonl eval_probe7.jsonl; do
  echo "--- $set"
  "$build/bench/scan/eval_pii" "$top/bench/scan/$set"
done
# the long-document set (1.1 MB) is generated, not kept
echo "--- eval_probe3.jsonl (probe/gen3.py)"
python3 "$top/bench/scan/probe/gen3.py" > "$build/eval_probe3.jsonl"
"$build/bench/scan/eval_pii" "$build/eval_probe3.jsonl"
