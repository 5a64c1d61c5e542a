#!/bin/sh
# quickstart.sh — the README quickstart as a script: every curl line of
# README.md's "Quickstart" (the same text, with $URL and $ADMIN for
# http://127.0.0.1:8080 and http://127.0.0.1:9901) and a piece of the answer
# it must give. Run it against `make run`; CI runs it against a real start
# (tests/proxy/test_quickstart.py, which also checks README.md still shows
# these exact lines). Exit status: 0 when every answer matched.
set -u
URL=${LARCH_URL:-http://127.0.0.1:8080}
ADMIN=${LARCH_ADMIN_URL:-http://127.0.0.1:9901}
failed=0

expect_not() { # expect_not NAME UNWANTED: checks $got does not contain UNWANTED
  if printf '%s' "$got" | grep -qF -- "$2"; then
    printf 'FAIL  %s\n      unwanted: %s\n      got:  %s\n' "$1" "$2" "$got"
    failed=$((failed + 1))
  else
    printf 'ok    %s\n' "$1"
  fi
}

expect() { # expect NAME WANT: checks $got (set just before) contains WANT
  if printf '%s' "$got" | grep -qF -- "$2"; then
    printf 'ok    %s\n' "$1"
  else
    printf 'FAIL  %s\n      want: %s\n      got:  %s\n' "$1" "$2" "$got"
    failed=$((failed + 1))
  fi
}

# 1. Discovery: alice (analyst) lists the tools; she sees only those some
#    call of hers could be permitted (payments.refund is for support staff).
got=$(curl -s $URL/mcp -H 'Authorization: Bearer demo-alice-key' -H 'Content-Type: application/json' -d '{"jsonrpc":"2.0","id":1,"method":"tools/list"}')
expect "tools/list as alice" '"name":"db.query"'
expect_not "tools/list hides payments.refund from alice" '"name":"payments.refund"'

# 2. Allowed: sam (support) refunds $50.00 (amounts are in cents).
got=$(curl -s $URL/mcp -H 'Authorization: Bearer demo-sam-key' -H 'Content-Type: application/json' -d '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"payments.refund","arguments":{"amount":5000}}}')
expect "refund of \$50 allowed" '"text":"refunded $50.00 on order A-1001"'

# 3. Denied: $2,500.00 needs a manager.
got=$(curl -s $URL/mcp -H 'Authorization: Bearer demo-sam-key' -H 'Content-Type: application/json' -d '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"payments.refund","arguments":{"amount":250000}}}')
expect "refund of \$2,500 denied" '"error":{"code":-31403,"message":"Forbidden: denied by policy","data":{"reason":"denied by policy","policies":["refunds-over-1000-need-manager"]'

# 4. A secret never leaves: an AWS access key in the arguments is blocked
#    (answered as a tool error, which the model reads).
got=$(curl -s $URL/mcp -H 'Authorization: Bearer demo-alice-key' -H 'Content-Type: application/json' -d '{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"search","arguments":{"query":"rotate AKIAJ7Q2XK4Z5W3N6P8R"}}}')
expect "AWS key blocked" '"isError":true,"_meta":{"larch/decision":{"reason":"denied by policy","policies":["block-secrets","aws-and-private-keys-never-leave"]'

# 5. No credential, no tools.
got=$(curl -s $URL/mcp -H 'Content-Type: application/json' -d '{"jsonrpc":"2.0","id":5,"method":"tools/list"}')
expect "anonymous tools/list denied" '"message":"Forbidden: no policy permits this request"'

# 6. REST: rita (reader) may GET the orders API; others get 403.
got=$(curl -s $URL/v1/orders -H 'Authorization: Bearer demo-rita-key')
expect "REST GET as reader" '{"orders":[{"id":"A-1001"'
got=$(curl -s -o /dev/null -w '%{http_code}' $URL/v1/orders -H 'Authorization: Bearer demo-alice-key')
expect "REST GET as analyst denied" '403'

# 7. What happened, in numbers.
got=$(curl -s $ADMIN/metrics | grep '^larch_decisions_total')
expect "metrics count decisions" 'larch_decisions_total{decision="deny"}'

if [ "$failed" -ne 0 ]; then
  echo "$failed check(s) failed"
  exit 1
fi
echo "all quickstart answers as documented"
