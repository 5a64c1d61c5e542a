#!/usr/bin/env python3
"""test_agentcore.py — `larch serve --mapping agentcore` end to end.

The policies of tests/proxy/agentcore/refund.cedar (written in Amazon Bedrock
AgentCore Policy's style: AgentCore::OAuthUser with JWT claims as tags,
AgentCore::Action::"<target>___<tool>", AgentCore::Gateway::"<ARN>",
context.input) decide MCP tools/call requests from JWT-authenticated callers
through larch, unchanged. The upstream is tests/proxy/upstream.py's /echo, so
an allowed call comes back as the upstream's echo of the forwarded body and
a denied one as larch's JSON-RPC error. Tokens are HS256 against an oct JWK
(stdlib only).
"""
import base64
import hashlib
import hmac
import json
import os
import shutil
import time

import harness as H
from harness import check

GW = "arn:aws:bedrock-agentcore:us-west-2:123456789012:gateway/refund-gateway"
SECRET = b"0123456789abcdef0123456789abcdef-agentcore-test"


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def token(claims):
    now = int(time.time())
    payload = dict(claims, iat=now, exp=now + 600)
    head = b64(json.dumps({"alg": "HS256", "kid": "k1", "typ": "JWT"}).encode())
    body = b64(json.dumps(payload).encode())
    sig = hmac.new(SECRET, (head + "." + body).encode(), hashlib.sha256).digest()
    return head + "." + body + "." + b64(sig)


def start(*extra):
    up = H.start_upstream()
    d = os.path.join(H.TMP, "agentcore")
    os.makedirs(d, exist_ok=True)
    shutil.copy(os.path.join(H.HERE, "agentcore", "refund.cedar"), d)
    jwks = os.path.join(H.TMP, "jwks.json")
    with open(jwks, "w") as f:
        json.dump({"keys": [{"kty": "oct", "kid": "k1", "alg": "HS256", "k": b64(SECRET)}]}, f)
    return H.Larch("http://127.0.0.1:%d" % up, "--policies", d, "--protocol", "mcp",
                   "--mapping", "agentcore", "--agentcore-gateway", GW, "--jwks", jwks, *extra)


def rpc(lx, method, params=None, bearer=None, id=1):
    msg = {"jsonrpc": "2.0", "method": method}
    if id is not None:
        msg["id"] = id
    if params is not None:
        msg["params"] = params
    hdr = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    if bearer:
        hdr["Authorization"] = "Bearer " + bearer
    st, _, b = H.http_get(lx.port, "/echo", method="POST", headers=hdr, body=json.dumps(msg).encode())
    return st, json.loads(b) if b else None


def forwarded(st, j, name):
    """The upstream answered: its echo carries the tools/call we sent."""
    check(st == 200 and "body" in j, (st, j))
    check(json.loads(j["body"])["params"]["name"] == name, j)


def denied(st, j, policies):
    check(st == 200 and j["error"]["code"] == -31403, (st, j))
    check(j["error"]["data"]["policies"] == policies, j)


AGENT = {"sub": "u-1", "username": "refund-agent", "scope": "openid refund:write"}


def call(name, args):
    return {"name": name, "arguments": args}


def test_agentcore_policies_unchanged():
    lx = start()
    agent = token(AGENT)
    # protocol plumbing is not governed by the profile
    st, j = rpc(lx, "initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                   "clientInfo": {"name": "t", "version": "1"}}, agent)
    check(st == 200 and j["method"] == "POST", (st, j))
    # tools/list is let through to the upstream, but its answer is filtered:
    # this echo upstream's answer is no JSON-RPC list, so larch refuses to
    # pass it on unchecked (fail closed)
    st, j = rpc(lx, "tools/list", {}, agent)
    check(st == 200 and j["error"]["code"] == -32603 and "list answer" in j["error"]["message"],
          (st, j))
    # refund-small: username tag and context.input.amount < 500
    st, j = rpc(lx, "tools/call", call("RefundTool___process_refund",
                                       {"orderId": "12345", "amount": 450}), agent)
    forwarded(st, j, "RefundTool___process_refund")
    st, j = rpc(lx, "tools/call", call("RefundTool___process_refund",
                                       {"orderId": "12345", "amount": 600}), agent)
    denied(st, j, [])
    # a target is an action group: orders-read via the scope tag
    st, j = rpc(lx, "tools/call", call("OrderTool___get_order", {"orderId": "9"}), agent)
    forwarded(st, j, "OrderTool___get_order")
    st, j = rpc(lx, "tools/call", call("OrderTool___get_order", {"orderId": "9"}),
                token({"sub": "u-2", "scope": "openid"}))
    denied(st, j, [])
    # forbid wins: a suspended admin
    st, j = rpc(lx, "tools/call", call("OrderTool___get_order", {}),
                token({"sub": "s", "username": "suspended-user", "role": "admin"}))
    denied(st, j, ["suspended"])
    # admins reach every tool (action in Mcp through CallTool), others not the admin API
    st, j = rpc(lx, "tools/call", call("AdminAPI___delete_resource", {"id": "x"}),
                token({"sub": "root", "role": "admin"}))
    forwarded(st, j, "AdminAPI___delete_resource")
    st, j = rpc(lx, "tools/call", call("AdminAPI___delete_resource", {"id": "x"}),
                token({"sub": "ops", "role": "operator"}))
    denied(st, j, ["delete-admins-only"])
    # no credential: not an AgentCore::OAuthUser, nothing is permitted
    st, j = rpc(lx, "tools/call", call("OrderTool___get_order", {}))
    denied(st, j, [])
    st, j = rpc(lx, "tools/call", call("OrderTool___ping", {}))
    denied(st, j, [])
    st, j = rpc(lx, "tools/call", call("OrderTool___ping", {}), token({"sub": "anyone"}))
    forwarded(st, j, "OrderTool___ping")
    # a number that has no Cedar value is refused before any policy
    st, j = rpc(lx, "tools/call", call("RefundTool___process_refund", {"amount": 1.23456}), agent)
    check(st == 200 and j["error"]["code"] == -32602, (st, j))


PAYMENT = {"orderId": "1", "paymentMethod": "credit-card", "country": "US"}


def test_input_typed_by_the_tool_manifest():
    """--agentcore-tools: a number-typed argument is a decimal even when the
    client writes 50, so `context.input.amount.lessThanOrEqual(decimal(..))`
    works as on AgentCore; without the manifest 50 is a Long and the permit
    errors (skipped: deny)."""
    manifest = os.path.join(H.TMP, "tools.json")
    with open(manifest, "w") as f:
        json.dump({"jsonrpc": "2.0", "id": 1, "result": {"tools": [
            {"name": "PaymentAPI___process_payment", "inputSchema": {
                "type": "object", "properties": {"amount": {"type": "number"},
                                                 "paymentMethod": {"type": "string"},
                                                 "country": {"type": "string"}}}}]}}, f)
    agent = token(AGENT)
    lx = start("--agentcore-tools", manifest)
    st, j = rpc(lx, "tools/call", call("PaymentAPI___process_payment", dict(PAYMENT, amount=50)), agent)
    forwarded(st, j, "PaymentAPI___process_payment")
    st, j = rpc(lx, "tools/call", call("PaymentAPI___process_payment", dict(PAYMENT, amount=120)), agent)
    denied(st, j, [])
    lx.stop()
    plain = start()
    st, j = rpc(plain, "tools/call", call("PaymentAPI___process_payment", dict(PAYMENT, amount=50)), agent)
    denied(st, j, [])
    # a broken manifest refuses to start, naming the file and the JSON path
    with open(manifest, "w") as f:
        json.dump({"tools": [{"inputSchema": {}}]}, f)
    r = H.subprocess.run([H.LARCH, "serve", "--listen", "127.0.0.1:%d" % H.free_port(),
                          "--upstream", "http://127.0.0.1:1", "--mapping", "agentcore",
                          "--agentcore-tools", manifest], capture_output=True, text=True, timeout=10)
    check(r.returncode != 0 and "tools.json: tools[0].name" in r.stderr, (r.returncode, r.stderr))


if __name__ == "__main__":
    H.run([test_agentcore_policies_unchanged, test_input_typed_by_the_tool_manifest], budget=60)
