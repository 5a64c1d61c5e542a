"""test_list_filter.py — tools/list and resources/list answers filtered per
principal through `larch serve`, in front of the official MCP TypeScript SDK
server (tests/proxy/mcp/server.mjs), with JSON answers and with SSE answers.

Principals come from API keys: alice (Role::"dev"), bob (no role), root
(Role::"dev" and Role::"admin"). Run by ctest as
`python3 test_list_filter.py /path/to/larch`; skipped (exit 77) when node or
the SDK is not installed.
"""
import hashlib
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading

import harness as H

MCP_DIR = os.path.join(H.HERE, "mcp")

POLICIES = r"""
permit(principal, action in [Action::"initialize", Action::"notifications/initialized",
                             Action::"tools/list", Action::"resources/list", Action::"ping"],
       resource);
// developers use every tool of the server ...
permit(principal in Role::"dev", action == Action::"tools/call", resource in Server::"default");
// ... but only admins delete files
forbid(principal, action == Action::"tools/call", resource == Tool::"delete_file")
unless { principal in Role::"admin" };
// anyone may echo a greeting: some arguments pass, so echo is listed for all
permit(principal, action == Action::"tools/call", resource == Tool::"echo")
when { context.args.text like "hello*" };
// a forbid on arguments does not hide send_email (internal addresses pass)
forbid(principal, action == Action::"tools/call", resource == Tool::"send_email")
unless { context.args.to like "*@example.com" };
permit(principal in Role::"dev", action == Action::"resources/read", resource);
"""

KEYS = {
    "alice-key": ("User::\"alice\"", ["Role::\"dev\""]),
    "bob-key": ("User::\"bob\"", []),
    "root-key": ("User::\"root\"", ["Role::\"dev\"", "Role::\"admin\""]),
}

EXPECTED_TOOLS = {
    "alice-key": ["add", "echo", "send_email"],
    "bob-key": ["echo"],
    "root-key": ["add", "delete_file", "echo", "send_email"],
}
EXPECTED_RESOURCES = {"alice-key": ["file:///readme.txt"], "bob-key": [], "root-key": ["file:///readme.txt"]}


def write(name, text):
    path = os.path.join(H.TMP, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def start_server(mode):
    port = H.free_port()
    log = os.path.join(H.TMP, "mcp-%s-%d.log" % (mode, port))
    p = subprocess.Popen(["node", os.path.join(MCP_DIR, "server.mjs"), str(port), log, mode],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=MCP_DIR)
    H._procs.append(p)
    H.check(p.stdout.readline().strip() == b"ready", "the MCP server did not start")
    H.wait_port(port, proc=p)
    return port, log


def start_larch(upstream_port):
    pol = write("policies.cedar", POLICIES)
    keys = write("keys.json", json.dumps([
        {"key_sha256": hashlib.sha256(k.encode()).hexdigest(), "principal": p, "parents": parents}
        for k, (p, parents) in KEYS.items()]))
    return H.Larch("http://127.0.0.1:%d" % upstream_port, "--policies", pol, "--api-keys", keys,
                   "--protocol", "mcp")


def messages(status, headers, body):
    """The JSON-RPC messages of an answer (a JSON body or an SSE stream)."""
    ctype = headers.get("content-type", "")
    text = body.decode()
    if ctype.startswith("text/event-stream"):
        out = []
        for event in text.replace("\r\n", "\n").split("\n\n"):
            data = [line[5:].lstrip(" ") if line.startswith("data:") else None
                    for line in event.split("\n")]
            data = [d for d in data if d is not None]
            if data and "".join(data).strip():
                out.append(json.loads("\n".join(data)))
        return out
    return [json.loads(text)] if text.strip() else []


class Session:
    def __init__(self, lx, key):
        self.lx, self.key, self.sid, self.next_id = lx, key, None, 1

    def post(self, msg):
        h = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
             "X-Api-Key": self.key, "MCP-Protocol-Version": "2025-06-18"}
        if self.sid:
            h["Mcp-Session-Id"] = self.sid
        return H.http_get(self.lx.port, "/mcp", h, "POST", json.dumps(msg).encode())

    def call(self, method, params=None):
        msg = {"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params or {}}
        self.next_id += 1
        status, headers, body = self.post(msg)
        H.check(status == 200, "%s: HTTP %s %r" % (method, status, body[:300]))
        answers = [m for m in messages(status, headers, body) if m.get("id") == msg["id"]]
        H.check(len(answers) == 1, "%s: %r" % (method, body[:500]))
        return answers[0], headers

    def open(self):
        r, headers = self.call("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                              "clientInfo": {"name": "larch-test", "version": "1"}})
        H.check("result" in r, repr(r))
        self.sid = headers.get("mcp-session-id")
        H.check(self.sid, "no session id: %r" % headers)
        status, _, _ = self.post({"jsonrpc": "2.0", "method": "notifications/initialized"})
        H.check(status in (200, 202), "initialized: %s" % status)
        return self


def list_per_principal(mode):
    port, log = start_server(mode)
    lx = start_larch(port)
    for key in KEYS:
        s = Session(lx, key).open()
        r, headers = s.call("tools/list")
        H.check("result" in r, repr(r))
        if mode == "sse":
            H.check(headers.get("content-type", "").startswith("text/event-stream"), repr(headers))
        names = sorted(t["name"] for t in r["result"]["tools"])
        H.check(names == EXPECTED_TOOLS[key], "%s %s: %r" % (mode, key, names))
        # what stays is the server's own description, untouched
        for t in r["result"]["tools"]:
            H.check(t.get("inputSchema", {}).get("type") == "object", repr(t))
        r, _ = s.call("resources/list")
        uris = sorted(x["uri"] for x in r["result"]["resources"])
        H.check(uris == EXPECTED_RESOURCES[key], "%s %s: %r" % (mode, key, uris))
    # the server really was asked each time: larch filtered its answers
    with open(log) as f:
        lists = [json.loads(line) for line in f if '"tools/list"' in line]
    H.check(len(lists) == len(KEYS), "server saw %d tools/list" % len(lists))


def test_tools_list_json():
    list_per_principal("json")


def test_tools_list_sse():
    list_per_principal("sse")


class BadUpstream(http.server.BaseHTTPRequestHandler):
    """Answers every POST with a list answer larch cannot check."""
    answers = {
        "json-garbage": ("application/json", b'{"jsonrpc":"2.0","id":2,"result":{"tools":[{"name":"x"'),
        "json-noname": ("application/json",
                        b'{"jsonrpc":"2.0","id":2,"result":{"tools":[{"title":"x"}]}}'),
        "json-wrong-id": ("application/json",
                          b'{"jsonrpc":"2.0","id":3,"result":{"tools":[{"name":"delete_file"}]}}'),
        "sse-garbage": ("text/event-stream",
                        b'event: message\ndata: {"jsonrpc":"2.0","id":2,"result":{"tools":[\n\n'),
    }

    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", "0")))
        ctype, body = self.answers[self.server.mode]
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_unparsable_answers_fail_closed():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), BadUpstream)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        lx = start_larch(srv.server_address[1])
        for mode in BadUpstream.answers:
            srv.mode = mode
            s = Session(lx, "root-key")
            s.next_id = 2
            r, _ = s.call("tools/list")
            H.check(r.get("error", {}).get("code") == -32603, "%s: %r" % (mode, r))
            H.check("result" not in r and "delete_file" not in json.dumps(r), "%s: %r" % (mode, r))
    finally:
        srv.shutdown()
        srv.server_close()


if __name__ == "__main__":
    if not shutil.which("node") or not os.path.isdir(
            os.path.join(MCP_DIR, "node_modules", "@modelcontextprotocol", "sdk")):
        print("skipped: node or @modelcontextprotocol/sdk missing (npm install in tests/proxy/mcp)")
        sys.exit(77)
    H.run([test_tools_list_json, test_tools_list_sse, test_unparsable_answers_fail_closed],
          budget=90)
