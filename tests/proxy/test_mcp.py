#!/usr/bin/env python3
"""test_mcp.py — larch serve in front of the official MCP TypeScript SDK.

An SDK server (mcp/server.mjs, Streamable HTTP, stateful sessions, several
tools) sits behind larch with a realistic policy set; the SDK client
(mcp/client.mjs) and raw HTTP requests go through larch. Checks: allowed
calls return exactly what the server returns without larch; denied calls
get the JSON-RPC error naming the policy and never reach the server (its
own log); @deny_as("tool_error") answers a tool result; context.pii blocks
an AWS key; a batch cannot smuggle a denied call; a session id is bound to
its principal; JWT attacks are refused. Skipped (77) until npm install has
run in tests/proxy/mcp (scripts/npm-deps.sh).
"""
import json
import os
import shutil
import subprocess
import sys
import time

import harness as H
from harness import check

MCP_DIR = os.path.join(H.HERE, "mcp")
NODE = shutil.which("node")

POLICIES = r'''
@id("mcp-basics")
permit (principal, action in [Action::"initialize", Action::"notifications/initialized",
                              Action::"ping", Action::"tools/list"], resource);

@id("safe-tools")
permit (principal, action == Action::"tools/call", resource)
when { resource in [Tool::"echo", Tool::"add", Tool::"send_email"] };

@id("no-file-deletion")
forbid (principal, action == Action::"tools/call", resource == Tool::"delete_file");

@id("email-needs-dev") @deny_as("tool_error")
forbid (principal, action == Action::"tools/call", resource == Tool::"send_email")
unless { principal in Role::"dev" };

@id("no-aws-keys")
forbid (principal, action, resource) when { context.pii.contains("AWS_ACCESS_KEY") };

@id("no-evil-agent")
forbid (principal, action, resource)
when { context.http.headers has "user-agent" && context.http.headers["user-agent"] == "evil" };

@id("small-sums")
forbid (principal, action == Action::"tools/call", resource == Tool::"add")
when { context.args.a > 1000 };
'''


def node(*args, timeout=30):
    r = subprocess.run([NODE, *args], cwd=MCP_DIR, capture_output=True, text=True, timeout=timeout)
    return r


def start_server(mode="sse"):
    port = H.free_port()
    log = os.path.join(H.TMP, "mcp-server-%d.log" % port)
    open(log, "w").close()
    p = subprocess.Popen([NODE, os.path.join(MCP_DIR, "server.mjs"), str(port), log, mode],
                         cwd=MCP_DIR, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    H._procs.append(p)
    check(p.stdout.readline().strip() == b"ready", "mcp server did not start")
    return port, log


def server_log(log):
    with open(log) as f:
        return [json.loads(l) for l in f if l.strip()]


def policy_dir():
    d = os.path.join(H.TMP, "policies")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "mcp.cedar"), "w") as f:
        f.write(POLICIES)
    return d


def client(url, scenario="basic", bearer=None):
    args = [os.path.join(MCP_DIR, "client.mjs"), url, scenario] + ([bearer] if bearer else [])
    r = node(*args)
    check(r.returncode == 0, r.stderr[-2000:])
    return {j["step"]: j for j in (json.loads(l) for l in r.stdout.splitlines() if l.strip())}


def larch_for(port, *args):
    return H.Larch("http://127.0.0.1:%d" % port, "--policies", policy_dir(), *args)


def denied(step, policy, code=-31403):
    check(not step["ok"], step)
    err = step["error"]
    check(err["code"] == code, step)
    check(policy in err["data"]["policies"], step)
    check(err["data"]["decision_id"], step)


def sdk_case(mode):
    port, log = start_server(mode)
    direct = client("http://127.0.0.1:%d/mcp" % port)
    open(log, "w").close()
    lx = larch_for(port)
    via = client(lx.url("/mcp"))
    check(via["connect"]["ok"] and via["list"]["ok"], via)
    check(via["list"]["result"] == direct["list"]["result"], (via["list"], direct["list"]))
    # Allowed calls: exactly what the server answers without larch.
    check(via["echo"] == direct["echo"], (via["echo"], direct["echo"]))
    check(via["add"] == direct["add"] and via["add"]["result"]["content"][0]["text"] == "42")
    # Denied calls: the JSON-RPC error with the policy's id.
    denied(via["delete"], "no-file-deletion")
    check(via["delete"]["error"]["data"]["policy_ids"] == ["policy2"], via["delete"])
    denied(via["aws"], "no-aws-keys")
    denied(via["readme"], None) if False else check(not via["readme"]["ok"], via["readme"])
    check(via["readme"]["error"]["code"] == -31403, via["readme"])
    # @deny_as("tool_error"): a tool result the model can read.
    r = via["email"]
    check(r["ok"] and r["result"]["isError"] is True, r)
    check("email-needs-dev" in r["result"]["content"][0]["text"], r)
    # The server never saw a denied call.
    calls = [(m["method"], m.get("name")) for m in server_log(log)]
    check(("tools/call", "echo") in calls and ("tools/call", "add") in calls, calls)
    for bad in ("delete_file", "send_email"):
        check(("tools/call", bad) not in calls, calls)
    check(not any("AKIA" in json.dumps(m) for m in server_log(log)), calls)
    check(not any(m["method"] == "resources/read" for m in server_log(log)), calls)


def test_sdk_sse():
    sdk_case("sse")


def test_sdk_json():
    sdk_case("json")


# ---- raw HTTP helpers -----------------------------------------------------------------

ACCEPT = ("Accept", "application/json, text/event-stream")


def post(port, body, headers=(), path="/mcp"):
    hdrs = [("Content-Type", "application/json"), ACCEPT] + list(headers)
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    s = H.connect(port, timeout=30)
    s.sendall(H.request("POST", path, headers=hdrs, body=data))
    st, hd, b = H.Reader(s, timeout=30).response()
    s.close()
    return st, hd, b


def rpc_body(b):
    """The JSON-RPC answer in a JSON or SSE body."""
    t = b.decode()
    if t.lstrip().startswith(("{", "[")):
        return json.loads(t)
    for line in t.splitlines():
        if line.startswith("data:"):
            return json.loads(line[5:])
    raise AssertionError("no JSON-RPC answer in %r" % t[:300])


INIT = {"jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                   "clientInfo": {"name": "raw", "version": "1"}}}


def session(port, headers=()):
    st, hd, b = post(port, INIT, headers)
    check(st == 200, (st, b))
    sid = hd.get("mcp-session-id")
    check(sid, hd)
    h = list(headers) + [("Mcp-Session-Id", sid), ("MCP-Protocol-Version", "2025-06-18")]
    st, _, b = post(port, {"jsonrpc": "2.0", "method": "notifications/initialized"}, h)
    check(st == 202, (st, b))
    return sid, h


def call(name, args, id=1):
    return {"jsonrpc": "2.0", "id": id, "method": "tools/call",
            "params": {"name": name, "arguments": args}}


def test_batch_cannot_smuggle():
    port, log = start_server("json")
    lx = larch_for(port)
    sid, h = session(lx.port)
    for batch in ([call("delete_file", {"path": "/x"}, 7)],
                  [call("echo", {"text": "a"}, 1), call("delete_file", {"path": "/x"}, 2)],
                  [{"jsonrpc": "2.0", "method": "notifications/x"}, call("delete_file", {"path": "/y"}, 3)]):
        st, _, b = post(lx.port, batch, h)
        j = rpc_body(b)
        check(st == 200 and isinstance(j, dict) and j["error"]["code"] == -32600, (st, b))
        check(j["id"] is None and "no-file-deletion" in j["error"]["data"]["policies"], j)
    check(not any(m.get("name") == "delete_file" for m in server_log(log)), server_log(log))
    # Only POST carries messages: a PUT or a GET with a body never reaches the server.
    for method in ("PUT", "PATCH", "GET"):
        s = H.connect(lx.port)
        s.sendall(H.request(method, "/mcp", headers=[("Content-Type", "application/json"), ACCEPT] + h,
                            body=json.dumps(call("delete_file", {"path": "/p"})).encode()))
        st, _, b = H.Reader(s, timeout=30).response()
        s.close()
        check(st in (400, 405), (method, st, b))
    # An empty batch and garbage are refused before any policy.
    st, _, b = post(lx.port, b"[]", h)
    check(st == 400 and rpc_body(b)["error"]["code"] == -32600, (st, b))
    st, _, b = post(lx.port, b'{"jsonrpc": "2.0", "id": 1, "method": ', h)
    check(st == 400 and rpc_body(b)["error"]["code"] == -32700, (st, b))
    # The single allowed call still goes through with the session.
    st, _, b = post(lx.port, call("echo", {"text": "ok"}), h)
    check(st == 200 and rpc_body(b)["result"]["content"][0]["text"] == "echo: ok", (st, b))


def write_keys():
    keys = []
    for key, who, roles in (("key-alice", "alice", ["dev"]), ("key-mallory", "mallory", [])):
        import hashlib
        keys.append({"key_sha256": hashlib.sha256(key.encode()).hexdigest(),
                     "principal": 'User::"%s"' % who,
                     "parents": ['Role::"%s"' % r for r in roles]})
    path = os.path.join(H.TMP, "keys.json")
    with open(path, "w") as f:
        json.dump(keys, f)
    return path


def test_session_bound_to_principal():
    port, log = start_server("json")
    lx = larch_for(port, "--api-keys", write_keys())
    alice = [("X-API-Key", "key-alice")]
    sid, h = session(lx.port, alice)
    st, _, b = post(lx.port, call("echo", {"text": "mine"}), h)
    check(st == 200 and "result" in rpc_body(b), (st, b))
    # mallory presents alice's session id: 404, and nothing reaches the server.
    before = len(server_log(log))
    hijack = [("X-API-Key", "key-mallory"), ("Mcp-Session-Id", sid),
              ("MCP-Protocol-Version", "2025-06-18")]
    st, _, b = post(lx.port, call("echo", {"text": "stolen"}), hijack)
    check(st == 404, (st, b))
    s = H.connect(lx.port)
    s.sendall(H.request("GET", "/mcp", headers=[ACCEPT] + hijack))
    st, _, b = H.Reader(s).response(head_only=True)
    check(st == 404, st)
    s.close()
    # An anonymous caller and an invented id fare no better.
    st, _, _ = post(lx.port, call("echo", {"text": "x"}), hijack[1:])
    check(st == 404, st)
    st, _, _ = post(lx.port, call("echo", {"text": "x"}), alice + [("Mcp-Session-Id", "made-up")])
    check(st == 404, st)
    check(len(server_log(log)) == before, server_log(log)[before:])
    # A bad key is a 401, never anonymous.
    st, hd, _ = post(lx.port, call("echo", {"text": "x"}), [("X-API-Key", "wrong")])
    check(st == 401 and "www-authenticate" in hd, (st, hd))


def test_jwt_attacks():
    port, log = start_server("json")
    r = node(os.path.join(MCP_DIR, "jwt.mjs"), H.TMP)
    check(r.returncode == 0, r.stderr)
    tok = json.loads(r.stdout)
    meta = "https://larch.test/.well-known/oauth-protected-resource"
    lx = larch_for(port, "--jwks", os.path.join(H.TMP, "jwks.json"), "--jwt-issuer",
                   "https://issuer.test", "--jwt-audience", "larch", "--auth-required",
                   "--resource-metadata", meta)
    # Missing credential on an auth-required MCP route: 401 naming the metadata.
    st, hd, _ = post(lx.port, INIT)
    check(st == 401 and 'resource_metadata="%s"' % meta in hd.get("www-authenticate", ""), hd)
    for name in ("alg_none", "hs256_confusion", "unknown_kid", "expired", "malformed",
                 "wrong_issuer"):
        st, hd, b = post(lx.port, INIT, [("Authorization", "Bearer " + tok[name])])
        check(st == 401 and "invalid_token" in hd.get("www-authenticate", ""), (name, st, hd, b))
    check(server_log(log) == [], server_log(log))
    # The valid token works end to end with the SDK client; its role claim
    # makes alice a Role::"dev", so send_email is allowed for her.
    via = client(lx.url("/mcp"), "basic", tok["valid"])
    check(via["echo"]["ok"] and via["email"]["ok"] and not via["email"]["result"].get("isError"),
          via)
    denied(via["delete"], "no-file-deletion")
    other = client(lx.url("/mcp"), "basic", tok["other_user"])
    check(other["email"]["result"]["isError"] is True, other["email"])


def test_jwks_url():
    port, log = start_server("json")
    keydir = os.path.join(H.TMP, "keys")
    os.makedirs(keydir, exist_ok=True)
    r = node(os.path.join(MCP_DIR, "jwt.mjs"), keydir)
    check(r.returncode == 0, r.stderr)
    tok = json.loads(r.stdout)
    kp = H.free_port()
    web = subprocess.Popen([sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(kp),
                            "--directory", keydir], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    H._procs.append(web)
    H.wait_port(kp)
    lx = larch_for(port, "--jwks-url", "http://127.0.0.1:%d/jwks.json" % kp, "--auth-required")
    deadline = time.time() + 10
    st = 0
    while time.time() < deadline:  # the keys arrive in the background
        st, hd, b = post(lx.port, INIT, [("Authorization", "Bearer " + tok["valid"])])
        if st == 200:
            break
        time.sleep(0.2)
    check(st == 200, (st, b))
    st, hd, b = post(lx.port, INIT, [("Authorization", "Bearer " + tok["hs256_confusion"])])
    check(st == 401, (st, b))


def test_protocol_headers():
    port, log = start_server("json")
    lx = larch_for(port)
    sid, h = session(lx.port)
    base = [x for x in h if x[0] != "MCP-Protocol-Version"]
    # Unknown protocol version: 400.
    st, _, b = post(lx.port, call("echo", {"text": "a"}), base + [("MCP-Protocol-Version", "1999-01-01")])
    check(st == 400, (st, b))
    # 2026-07-28: Mcp-Method / Mcp-Name must match the body (-32020).
    v = [("MCP-Protocol-Version", "2026-07-28")]
    for extra in ([("Mcp-Method", "tools/call"), ("Mcp-Name", "echo")],
                  [("Mcp-Method", "tools/list"), ("Mcp-Name", "delete_file")],
                  []):
        st, _, b = post(lx.port, call("delete_file", {"path": "/z"}), base + v + extra)
        check(st == 400 and rpc_body(b)["error"]["code"] == -32020, (extra, st, b))
    check(not any(m.get("name") == "delete_file" for m in server_log(log)), server_log(log))
    # A policy reading context.http.headers.
    st, _, b = post(lx.port, call("echo", {"text": "a"}), h + [("User-Agent", "evil")])
    check(rpc_body(b)["error"]["data"]["policies"] == ["no-evil-agent"], b)
    # Arguments a policy reads: context.args.a.
    st, _, b = post(lx.port, call("add", {"a": 5000, "b": 1}), h)
    check(rpc_body(b)["error"]["data"]["policies"] == ["small-sums"], b)
    # A fraction with more than 4 digits cannot become a decimal: refused.
    st, _, b = post(lx.port, call("add", {"a": 1.23456, "b": 1}), h)
    check(rpc_body(b)["error"]["code"] == -32602, b)


def test_shadow_and_broken_policy():
    port, log = start_server("json")
    lx = larch_for(port, "--shadow")
    sid, h = session(lx.port)
    st, _, b = post(lx.port, call("delete_file", {"path": "/s"}), h)
    check(st == 200 and "result" in rpc_body(b), b)
    check(any(m.get("name") == "delete_file" for m in server_log(log)), server_log(log))
    lx.stop()
    # A broken policy file refuses to start with file:line:col.
    d = os.path.join(H.TMP, "broken")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "bad.cedar"), "w") as f:
        f.write('permit (principal, action, resource)\nwhen { context.x = 1 };\n')
    r = subprocess.run([H.LARCH, "serve", "--listen", "127.0.0.1:%d" % H.free_port(), "--upstream",
                        "http://127.0.0.1:%d" % port, "--policies", d], capture_output=True,
                       text=True, timeout=10)
    check(r.returncode == 2 and "bad.cedar:2:" in r.stderr, (r.returncode, r.stderr))


AGENTCORE_POLICIES = r'''
permit (principal, action in [Action::"initialize", Action::"notifications/initialized"], resource);
@id("ac-echo")
permit (principal is AgentCore::OAuthUser, action in AgentCore::Action::"default",
        resource == AgentCore::Gateway::"arn:aws:bedrock-agentcore:us-east-1:1:gateway/g1")
when { context.input.text like "ok*" };
'''


def test_agentcore_profile():
    port, log = start_server("json")
    d = os.path.join(H.TMP, "ac")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "ac.cedar"), "w") as f:
        f.write(AGENTCORE_POLICIES)
    lx = H.Larch("http://127.0.0.1:%d" % port, "--policies", d, "--mapping", "agentcore",
                 "--agentcore-gateway", "arn:aws:bedrock-agentcore:us-east-1:1:gateway/g1")
    sid, h = session(lx.port)
    st, _, b = post(lx.port, call("echo", {"text": "ok go"}), h)
    check(rpc_body(b)["result"]["content"][0]["text"] == "echo: ok go", b)
    st, _, b = post(lx.port, call("echo", {"text": "no"}), h)
    check(rpc_body(b)["error"]["code"] == -31403, b)
    st, _, b = post(lx.port, call("add", {"a": 1, "b": 2}), h)
    check(rpc_body(b)["error"]["code"] == -31403, b)


def test_mtls_workload():
    import test_tls
    ca, server, client, rogue = test_tls.pki()
    up = H.start_upstream()
    d = os.path.join(H.TMP, "mtls")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "w.cedar"), "w") as f:
        f.write('permit (principal == Workload::"spiffe://larch.test/agent-7", '
                'action == Action::"GET", resource == Route::"/echo");\n')
    lx = H.Larch("http://127.0.0.1:%d" % up, "--tls-cert", server[1], "--tls-key", server[0],
                 "--tls-client-ca", ca[1], "--policies", d, "--protocol", "rest")
    def curl(path):
        return test_tls.sh("curl", "-sS", "--max-time", "5", "--cacert", ca[1], "--cert", client[1],
                           "--key", client[0], "-o", "/dev/null", "-w", "%{http_code}",
                           "https://127.0.0.1:%d%s" % (lx.port, path))
    check(curl("/echo").stdout == b"200", curl("/echo"))
    check(curl("/other").stdout == b"403", curl("/other"))


REST_POLICIES = r'''
@id("rest-reads") permit (principal, action == Action::"GET", resource);
@id("rest-posts") permit (principal, action == Action::"POST", resource == Route::"/orders")
when { context.args.amount <= 100 };
@id("no-admin") forbid (principal, action, resource == Route::"/admin");
'''


def test_rest_routes():
    up = H.start_upstream()
    d = os.path.join(H.TMP, "rest")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "rest.cedar"), "w") as f:
        f.write(REST_POLICIES)
    cfg = os.path.join(H.TMP, "rest.json")
    with open(cfg, "w") as f:
        json.dump({"routes": [{"name": "api", "prefix": "/", "protocol": "rest",
                               "upstream": "http://127.0.0.1:%d" % up},
                              {"name": "private", "prefix": "/private", "protocol": "rest",
                               "auth": True, "upstream": "http://127.0.0.1:%d" % up}]}, f)
    lx = H.Larch(None, "--config", cfg, "--policies", d)
    st, _, b = H.http_get(lx.port, "/echo")
    check(st == 200 and json.loads(b)["path"] == "/echo", (st, b))
    # A route with "auth": true answers 401 to anonymous callers (REST: no resource_metadata).
    st, hd, b = H.http_get(lx.port, "/private/x")
    check(st == 401 and hd["www-authenticate"].startswith("Bearer") and
          "resource_metadata" not in hd["www-authenticate"], (st, hd))
    # Path tricks land on Route::"/admin" (403) or are refused (400).
    for path in ("/admin", "/%61dmin", "//admin/", "/x/../admin", "/admin;x=1",
                 "/./admin", "/x/%2e%2e/admin"):
        st, _, b = H.http_get(lx.port, path)
        j = json.loads(b)
        check(st == 403 and j["policies"] == ["no-admin"], (path, st, b))
    for path in ("/adm%2Fin", "/%252e%252e/admin", "/../../admin"):
        st, _, b = H.http_get(lx.port, path)
        check(st == 400, (path, st, b))
    # What the upstream sees is the canonical form of what was authorised.
    st, _, b = H.http_get(lx.port, "/x/../echo;p=1?q=1")
    check(st == 200 and json.loads(b)["path"] == "/echo?q=1", (st, b))
    # JSON body → context.args.
    hdr = {"Content-Type": "application/json"}
    st, _, b = H.http_get(lx.port, "/orders", method="POST", headers=hdr, body=b'{"amount": 5}')
    check(st == 404 and b == b"no such path", (st, b))  # allowed: the upstream answered
    st, _, b = H.http_get(lx.port, "/orders", method="POST", headers=hdr, body=b'{"amount": 500}')
    check(st == 403 and json.loads(b)["reason"] == "no policy permits this request", (st, b))


if __name__ == "__main__":
    if not NODE or not os.path.isdir(os.path.join(MCP_DIR, "node_modules", "@modelcontextprotocol")):
        print("skipped: run scripts/npm-deps.sh (npm install in tests/proxy/mcp)")
        sys.exit(77)
    H.run([test_sdk_sse, test_sdk_json, test_batch_cannot_smuggle, test_session_bound_to_principal,
           test_jwt_attacks, test_protocol_headers, test_shadow_and_broken_policy, test_rest_routes,
           test_agentcore_profile, test_jwks_url,
           test_mtls_workload], budget=170)
