#!/bin/sh
# run-demo.sh — what `make run` starts: `larch demo-upstream` (a small MCP
# server + REST API) and `larch serve` in front of it with the bundled rules
# (rules/*.cedar, rules/entities.json, the demo API keys), then waits; Ctrl-C
# (or SIGTERM) stops both. Addresses and the binary can be overridden:
#   LARCH=build/proxy/larch  LARCH_DEMO_LISTEN=127.0.0.1:8080
#   LARCH_DEMO_ADMIN=127.0.0.1:9901  LARCH_DEMO_UPSTREAM=127.0.0.1:9000
#   LARCH_DEMO_DECISION_LOG=-   (decision log: - for this terminal, or a file)
set -eu
cd "$(dirname "$0")/.."
LARCH=${LARCH:-build/proxy/larch}
LISTEN=${LARCH_DEMO_LISTEN:-127.0.0.1:8080}
ADMIN=${LARCH_DEMO_ADMIN:-127.0.0.1:9901}
UPSTREAM=${LARCH_DEMO_UPSTREAM:-127.0.0.1:9000}
DECLOG=${LARCH_DEMO_DECISION_LOG:--}

CFG=$(mktemp "${TMPDIR:-/tmp}/larch-demo-XXXXXX.json")
cat >"$CFG" <<JSON
{"routes": [
  {"name": "demo", "prefix": "/mcp", "upstream": "http://$UPSTREAM", "protocol": "mcp"},
  {"name": "api",  "prefix": "/v1",  "upstream": "http://$UPSTREAM", "protocol": "rest"}
]}
JSON

UP_PID= LX_PID=
stop() {
  trap - INT TERM EXIT
  [ -n "$LX_PID" ] && kill -TERM "$LX_PID" 2>/dev/null || true
  [ -n "$UP_PID" ] && kill -TERM "$UP_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -f "$CFG"
}
trap stop INT TERM EXIT

"$LARCH" demo-upstream --listen "$UPSTREAM" &
UP_PID=$!
"$LARCH" serve --listen "$LISTEN" --admin "$ADMIN" --config "$CFG" --workers 2 \
  --policies rules --entities rules/entities.json --api-keys rules/demo-api-keys.json \
  --decision-log "$DECLOG" &
LX_PID=$!

# Wait until larch is ready (policies loaded, listening), at most 10 s.
i=0
until curl -fs "http://$ADMIN/readyz" >/dev/null 2>&1; do
  i=$((i + 1))
  if [ $i -gt 100 ] || ! kill -0 "$LX_PID" 2>/dev/null; then
    echo "run-demo: larch did not become ready" >&2
    exit 1
  fi
  sleep 0.1
done

cat >&2 <<TXT

  larch is running on the bundled rules (rules/*.cedar) in front of the demo upstream:
    MCP   http://$LISTEN/mcp          (demo MCP server at http://$UPSTREAM/mcp)
    REST  http://$LISTEN/v1/orders
    admin http://$ADMIN/metrics   /policies   POST /reload
  Demo API keys (Authorization: Bearer KEY, rules/demo-api-keys.json):
    demo-alice-key analyst   demo-bob-key engineer   demo-carol-key admin
    demo-sam-key support     demo-maria-key support+manager   demo-rita-key reader
  Try:
    curl -s http://$LISTEN/mcp -H 'Authorization: Bearer demo-sam-key' -H 'Content-Type: application/json' \\
      -d '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"payments.refund","arguments":{"amount":250000}}}'
  More in README.md (Quickstart), or run scripts/quickstart.sh. Decisions are logged below.
  Ctrl-C stops larch and the demo upstream.

TXT
wait "$LX_PID" || true
