#!/usr/bin/env python3
"""test_demo_upstream.py — `larch demo-upstream`: the demo MCP server (Streamable
HTTP, JSON and SSE answers) and its REST endpoint, spoken to directly."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as H
from demo import Demo, body_json, req, rpc


def test_initialize_session():
    d = Demo()
    r = rpc(d.port, "initialize", {"protocolVersion": "2025-06-18", "capabilities": {}})
    H.check(r["status"] == 200, r)
    sid = r["headers"].get("mcp-session-id", "")
    H.check(len(sid) == 32 and all(c in "0123456789abcdef" for c in sid), r["headers"])
    j = body_json(r)
    H.check(j["id"] == 1 and j["result"]["serverInfo"]["name"] == "larch-demo-upstream", j)
    r2 = rpc(d.port, "initialize", {})
    H.check(r2["headers"]["mcp-session-id"] != sid, "session ids must differ")
    n = rpc(d.port, "notifications/initialized", id=None)
    H.check(n["status"] == 202 and n["body"] == b"", n)


def test_tools_list_covers_rules():
    d = Demo()
    j = body_json(rpc(d.port, "tools/list", id="a"))
    names = {t["name"] for t in j["result"]["tools"]}
    # Every tool entity of rules/entities.json that an MCP server offers is here.
    ents = json.load(open(os.path.join(H.HERE, "..", "..", "rules", "entities.json")))
    tools = {e["uid"]["id"] for e in ents if e["uid"]["type"] == "Tool"}
    H.check(tools - names == {"metrics.read", "translate.eu"}, tools - names)
    dele = [t for t in j["result"]["tools"] if t["name"] == "delete_file"][0]
    H.check(dele["annotations"]["destructiveHint"] is True, dele)


def test_tools_call_json_and_sse():
    d = Demo()
    j = body_json(rpc(d.port, "tools/call", {"name": "payments.refund", "arguments": {"amount": 123456}}, id=7))
    H.check(j["id"] == 7 and j["result"]["isError"] is False, j)
    H.check(j["result"]["content"][0]["text"] == "refunded $1234.56 on order A-1001", j)
    r = rpc(d.port, "tools/call", {"name": "git.push", "arguments": {"branch": "feature"}}, id=8,
              accept="text/event-stream, application/json")
    H.check(r["headers"]["content-type"].startswith("text/event-stream"), r["headers"])
    text = r["body"].decode()
    H.check(text.startswith("event: message\ndata: ") and text.endswith("\n\n"), text)
    j = json.loads(text.split("data: ", 1)[1])
    H.check(j["result"]["content"][0]["text"] == "pushed to feature", j)
    # A client preferring JSON gets JSON.
    r = rpc(d.port, "tools/list", accept="application/json, text/event-stream")
    H.check(r["headers"]["content-type"] == "application/json", r["headers"])


def test_errors():
    d = Demo()
    j = body_json(rpc(d.port, "tools/call", {"name": "nope"}))
    H.check(j["error"]["code"] == -32602, j)
    j = body_json(rpc(d.port, "resources/list"))
    H.check(j["error"]["code"] == -32601, j)
    j = body_json(rpc(d.port, "tools/call", {"name": "payments.refund", "arguments": {"amount": "12"}}))
    H.check(j["result"]["isError"] is True, j)
    r = req(d.port, "/mcp", {}, "POST", b"{not json")
    H.check(r["status"] == 400 and body_json(r)["error"]["code"] == -32700, r)
    r = req(d.port, "/mcp", {}, "POST", b"[]")
    H.check(r["status"] == 400 and body_json(r)["error"]["code"] == -32600, r)
    r = req(d.port, "/mcp")
    H.check(r["status"] == 405, r)


def test_rest():
    d = Demo()
    r = req(d.port, "/v1/orders")
    H.check(r["status"] == 200 and len(body_json(r)["orders"]) == 2, r)
    r = req(d.port, "/v1/orders/A-7")
    H.check(body_json(r)["id"] == "A-7", r)
    r = req(d.port, "/v1/orders", {"Content-Type": "application/json"}, "POST", b'{"sku":"x"}')
    H.check(r["status"] == 201 and body_json(r)["order"] == {"sku": "x"}, r)
    r = req(d.port, "/nope")
    H.check(r["status"] == 404, r)


if __name__ == "__main__":
    H.run([test_initialize_session, test_tools_list_covers_rules, test_tools_call_json_and_sse,
           test_errors, test_rest], budget=60)
