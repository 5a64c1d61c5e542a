#!/usr/bin/env python3
"""test_mcp_guard.py — guardrails in front of the official MCP TypeScript
SDK server (mcp/server.mjs, JSON and SSE answers, real sessions): tool
results carrying PII are masked on their way back (the server saw the
original), an AWS key in a call never reaches the server, a session quota
answers the JSON-RPC error with the request's id and survives the client
re-initializing. Reuses test_mcp.py's helpers. Skipped (77) until npm
install has run in tests/proxy/mcp (scripts/npm-deps.sh)."""
import json
import os
import sys

import harness as H
from harness import check
import test_mcp as M

EMAIL = "jane.doe@example.com"
CARD = "4111 1111 1111 1111"

POLICIES = M.POLICIES + r'''
@id("mask-echo-answers")
mask (principal, action == Action::"tools/call", resource == Tool::"echo")
with { types: ["EMAIL", "CREDIT_CARD"], on: "response", style: "label" };

@id("two-sums-per-session")
limit (principal, action == Action::"tools/call", resource == Tool::"add")
with { max: 2, per: "session", key: context.session };
'''


def larch_for(port):
    d = os.path.join(H.TMP, "guard-policies")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "p.cedar"), "w") as f:
        f.write(POLICIES)
    return H.Larch("http://127.0.0.1:%d" % port, "--policies", d)


def case(mode):
    port, log = M.start_server(mode)
    lx = larch_for(port)
    sid, h = M.session(lx.port)
    # A tool result with PII: masked for the client; the server got the original.
    st, hd, b = M.post(lx.port, M.call("echo", {"text": "mail %s, card %s" % (EMAIL, CARD)}, 5), h)
    check(st == 200, (st, b))
    if mode == "sse":
        check(hd.get("content-type", "").startswith("text/event-stream"), hd)
    r = M.rpc_body(b)
    text = r["result"]["content"][0]["text"]
    check(r["id"] == 5 and EMAIL not in text and CARD not in text, r)
    check("[EMAIL]" in text and "[CREDIT_CARD]" in text, text)
    check(any(EMAIL in json.dumps(m) for m in M.server_log(log)), "the request itself is not masked")
    # An AWS key never reaches the server.
    st, _, b = M.post(lx.port, M.call("echo", {"text": "AKIAQ3EGUTRZ4XNB2K7M"}, 6), h)
    check("error" in M.rpc_body(b), b)
    check(not any("AKIA" in json.dumps(m) for m in M.server_log(log)), "key leaked upstream")
    # A session quota: two sums, then the JSON-RPC error with the id ...
    for i in range(2):
        st, _, b = M.post(lx.port, M.call("add", {"a": 1, "b": i}, 10 + i), h)
        check("result" in M.rpc_body(b), b)
    st, _, b = M.post(lx.port, M.call("add", {"a": 1, "b": 2}, "third"), h)
    e = M.rpc_body(b)
    check(e["id"] == "third" and e["error"]["data"]["policy"] == "two-sums-per-session", e)
    check(e["error"]["data"]["retry_after_ms"] > 0, e)
    # ... and re-initializing (a new session id) does not reset it.
    sid2, h2 = M.session(lx.port)
    check(sid2 != sid)
    st, _, b = M.post(lx.port, M.call("add", {"a": 1, "b": 2}, 20), h2)
    e = M.rpc_body(b)
    check("error" in e and e["error"]["data"]["policy"] == "two-sums-per-session", e)
    sums = [m for m in M.server_log(log) if m.get("name") == "add"]
    check(len(sums) == 2, sums)
    m = lx.metrics()
    check('larch_guard_masked_total{direction="response",type="EMAIL"} 1' in m, m)


def test_sdk_json():
    case("json")


def test_sdk_sse():
    case("sse")


if __name__ == "__main__":
    if not M.NODE or not os.path.isdir(os.path.join(M.MCP_DIR, "node_modules",
                                                    "@modelcontextprotocol")):
        print("skipped: run scripts/npm-deps.sh (npm install in tests/proxy/mcp)")
        sys.exit(77)
    H.run([test_sdk_json, test_sdk_sse], budget=100)
