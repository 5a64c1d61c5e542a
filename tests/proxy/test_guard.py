#!/usr/bin/env python3
"""test_guard.py — guardrails end to end: masking (JSON and SSE, both
directions), secrets blocked before the upstream sees them, REST 429 with
RateLimit headers, the MCP JSON-RPC limit error, session quotas that survive
re-initializing, and Redis-backed limits shared exactly by two instances,
with each fail mode when Redis stops and recovery when it returns.

Runs against GUARD_SERVER (tests/proxy/guard_server.c: the real limit and
mask stages behind a stand-in decide stage) when set, else against
`larch serve` itself (API-key principals, real MCP sessions; ctest runs
both: proxy_guard, proxy_guard_larch). An upstream of our own (a thread here) records what reached
it. Usage: test_guard.py /path/to/larch"""
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time

import harness as H
from harness import check

GUARD_SERVER = os.environ.get("GUARD_SERVER")

EMAIL = "jane.doe@example.com"
CARD = "4111 1111 1111 1111"
AWS = "AKIAQ3EGUTRZ4XNB2K7M"


_servers = []


def calls(up):
    """The tools/call bodies that reached the upstream."""
    return [b for p, b in up.log if b"tools/call" in b]


class Upstream:
    """MCP-ish and REST origin: /mcp answers JSON-RPC with PII in tool
    results (JSON, or SSE when the tool is "ext-sse"); anything else 200
    {"ok": true}. Every request (path, body) is logged."""

    def __init__(self):
        self.log = []
        self.sessions = 0
        up = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                up.log.append((self.path, body))
                if self.path.startswith("/mcp"):
                    try:
                        req = json.loads(body)
                    except ValueError:
                        req = {}
                    if isinstance(req, list):
                        req = req[0] if req else {}
                    if "id" not in req:  # a notification
                        self.send_response(202)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    if req.get("method") == "initialize":
                        up.sessions += 1
                        res = {"jsonrpc": "2.0", "id": req["id"], "result": {
                            "protocolVersion": "2025-06-18", "capabilities": {"tools": {}},
                            "serverInfo": {"name": "guard-upstream", "version": "1"}}}
                        self.reply(json.dumps(res).encode(),
                                   [("Mcp-Session-Id", "sess-%d" % up.sessions)])
                        return
                    text = "contact %s, card %s, key %s" % (EMAIL, CARD, AWS)
                    res = {"jsonrpc": "2.0", "id": req.get("id"),
                           "result": {"content": [{"type": "text", "text": text}]}}
                    tool = (req.get("params") or {}).get("name")
                    if tool == "ext-sse":
                        ev = "event: message\ndata: %s\n\n" % json.dumps(res)
                        data = (ev + ev).encode()
                        self.send_response(200)
                        self.send_header("Content-Type", "text/event-stream")
                        self.send_header("Content-Length", str(len(data)))
                        self.end_headers()
                        self.wfile.write(data)
                        return
                    self.reply(json.dumps(res).encode())
                    return
                self.reply(b'{"ok": true}')

            def do_GET(self):
                up.log.append((self.path, b""))
                if self.path.startswith("/mcp") and "text/event-stream" in self.headers.get(
                        "Accept", ""):
                    return self.push_stream()
                self.reply(b'{"ok": true}')

            def push_stream(self):
                """The server's GET stream: a log notification, a sampling
                request and a non-JSON event, each carrying an e-mail and a
                card number; then the stream ends."""
                text = "customer %s paid with %s" % (EMAIL, CARD)
                msgs = [json.dumps({"jsonrpc": "2.0", "method": "notifications/message",
                                    "params": {"level": "info", "data": text}}),
                        json.dumps({"jsonrpc": "2.0", "id": 7, "method": "sampling/createMessage",
                                    "params": {"messages": [{"role": "user", "content": {
                                        "type": "text", "text": text}}], "maxTokens": 5}}),
                        "not json: " + text]
                out = "".join("event: message\ndata: %s\n\n" % m for m in msgs).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                for i in range(0, len(out), 23):  # values split across reads
                    self.wfile.write(out[i:i + 23])
                    self.wfile.flush()
                self.close_connection = True

            def reply(self, data, extra=()):
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in extra:
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        _servers.append(self.srv)
        self.srv.daemon_threads = True
        self.port = self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()


POLICIES = """
permit (principal, action, resource);

@id("block-aws")
forbid (principal, action, resource)
when { context.pii.containsAny(["AWS_ACCESS_KEY", "PRIVATE_KEY"]) };

@id("mask-external")
mask (principal, action == Action::"tools/call", resource)
when { resource in [Tool::"ext", Tool::"ext-sse"] }
with { types: ["EMAIL", "CREDIT_CARD", "AWS_ACCESS_KEY"], on: "both", style: "label" };

@id("mask-pushed-logs")
mask (principal, action == Action::"notifications/message", resource)
with { types: ["EMAIL"], on: "response" };

@id("rest-3-per-minute")
limit (principal, action == Action::"GET", resource == Route::"/api/limited")
with { max: 3, per: duration("1m"), key: principal };

@id("llm-2-per-minute")
limit (principal, action == Action::"tools/call", resource == Tool::"llm")
with { max: 2, per: duration("1m") };

@id("llm-calls-per-session")
limit (principal, action == Action::"tools/call", resource == Tool::"quota")
with { max: 2, per: "session", key: context.session };

@id("shared-20")
limit (principal, action == Action::"GET", resource == Route::"/api/shared")
with { max: 20, per: duration("1m"), key: "all" };
"""


def policies_dir():
    d = os.path.join(H.TMP, "guard-policies")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "p.cedar"), "w") as f:
        f.write(POLICIES)
    return d


USERS = ["alice", "bob", "carol", "dana", "eve", "zed"] + ["u%d" % i for i in range(1, 7)]


def start(up, *args):
    """guard_server (principal from X-User), or larch serve itself (principal
    from an API key; /mcp an MCP route, /api a REST one)."""
    if GUARD_SERVER:
        return H.Larch("http://127.0.0.1:%d" % up.port, "--policies", policies_dir(), *args,
                       binary=GUARD_SERVER)
    import hashlib
    keys = [{"key_sha256": hashlib.sha256(("key-" + u).encode()).hexdigest(),
             "principal": 'User::"%s"' % u} for u in USERS]
    kp = os.path.join(H.TMP, "keys.json")
    with open(kp, "w") as f:
        json.dump(keys, f)
    cp = os.path.join(H.TMP, "routes.json")
    o = "http://127.0.0.1:%d" % up.port
    with open(cp, "w") as f:
        json.dump({"routes": [{"name": "mcp", "prefix": "/mcp", "upstream": o, "protocol": "mcp"},
                              {"name": "api", "prefix": "/api", "upstream": o,
                               "protocol": "rest"}]}, f)
    return H.Larch(None, "--config", cp, "--api-keys", kp, "--policies", policies_dir(), *args)


def who(user):
    return [("X-User", user), ("X-API-Key", "key-" + user)]


def get(port, path, user):
    return H.http_get(port, path, headers=who(user))


def post(port, path, obj, headers=()):
    body = json.dumps(obj).encode()
    hs = [("Content-Type", "application/json"),
          ("Accept", "application/json, text/event-stream")] + list(headers)
    return H.http_get(port, path, headers=hs, method="POST", body=body)


_sessions = {}


def initialize(port, user):
    """A fresh MCP session for user (initialize + initialized); its id."""
    st, hd, b = post(port, "/mcp", {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"}}}, who(user))
    check(st == 200, (st, b))
    sid = hd.get("mcp-session-id")
    check(sid, hd)
    h = who(user) + [("Mcp-Session-Id", sid), ("MCP-Protocol-Version", "2025-06-18")]
    st, _, b = post(port, "/mcp", {"jsonrpc": "2.0", "method": "notifications/initialized"}, h)
    check(st == 202, (st, b))
    _sessions[(port, user)] = sid
    return sid


def rpc(port, tool, args=None, rid=1, session=None, user="alice"):
    if session is None:
        session = _sessions.get((port, user)) or initialize(port, user)
    hs = who(user) + [("Mcp-Session-Id", session), ("MCP-Protocol-Version", "2025-06-18")]
    return post(port, "/mcp", {"jsonrpc": "2.0", "id": rid, "method": "tools/call",
                               "params": {"name": tool, "arguments": args or {}}}, hs)


def test_masking_json_and_sse():
    up = Upstream()
    lx = start(up)
    st, hd, body = rpc(lx.port, "ext", {"to": EMAIL, "card": CARD})
    check(st == 200, (st, body))
    # The request reached the upstream masked ...
    sent = calls(up)[-1]
    check(EMAIL.encode() not in sent and CARD.encode() not in sent and b"[EMAIL]" in sent, sent)
    json.loads(sent)
    # ... and the answer came back masked, still JSON.
    j = json.loads(body)
    text = j["result"]["content"][0]["text"]
    check(EMAIL not in text and CARD not in text and AWS not in text, text)
    check("[EMAIL]" in text and "[CREDIT_CARD]" in text and "[AWS_ACCESS_KEY]" in text, text)
    # SSE: every event masked, framing kept.
    st, hd, body = rpc(lx.port, "ext-sse", {"q": "x"})
    check(st == 200 and hd.get("content-type", "").startswith("text/event-stream"), (st, hd))
    events = [e for e in body.decode().split("\n\n") if e.strip()]
    check(len(events) == 2, body)
    for e in events:
        check(e.startswith("event: message\ndata: "), e)
        t = json.loads(e.split("data: ", 1)[1])["result"]["content"][0]["text"]
        check(EMAIL not in t and "[EMAIL]" in t and CARD not in t, t)
    # A tool without a mask: untouched.
    st, hd, body = rpc(lx.port, "internal", {"q": "x"})
    check(EMAIL in json.loads(body)["result"]["content"][0]["text"], body)
    m = lx.metrics()
    check('larch_guard_masked_total{direction="response",type="EMAIL"} 3' in m, m)
    check('larch_guard_masked_total{direction="request",type="EMAIL"} 1' in m, m)
    # Never a value in metrics or logs.
    check(EMAIL not in m and EMAIL not in lx.logtext(), "value leaked")


def test_secret_blocked_before_upstream():
    up = Upstream()
    lx = start(up)
    st, hd, body = rpc(lx.port, "internal", {"code": "aws_access_key_id = " + AWS})
    check(st == 200 and "error" in json.loads(body), (st, body))
    check(AWS.encode() not in body)
    check(calls(up) == [], up.log)
    n = len(up.log)
    st, _, body = post(lx.port, "/api/upload", {"k": AWS}, who("alice"))
    check(st == 403 and len(up.log) == n, (st, body, up.log))
    check(not any(AWS.encode() in b for _, b in up.log), "the key never reached the upstream")


def test_rest_429_headers():
    up = Upstream()
    lx = start(up)
    for i in range(3):
        st, hd, body = get(lx.port, "/api/limited", "bob")
        check(st == 200, (i, st, body))
    n = len(up.log)
    st, hd, body = get(lx.port, "/api/limited", "bob")
    check(st == 429, (st, body))
    check(len(up.log) == n, "a refused request never reaches the upstream")
    check(hd.get("retry-after") == "20", hd)
    check(hd.get("ratelimit-policy") == '"rest-3-per-minute";q=3;w=60', hd)
    check(hd.get("ratelimit", "").startswith('"rest-3-per-minute";r=0;t='), hd)
    j = json.loads(body)
    check(j["data"]["policy"] == "rest-3-per-minute" and j["data"]["retry_after_ms"] > 0, j)
    # Another principal is not affected.
    st, _, _ = get(lx.port, "/api/limited", "carol")
    check(st == 200)
    m = lx.metrics()
    check('larch_guard_limit_total{policy="rest-3-per-minute",rate="3/60s",result="limited"} 1'
          in m, m)


def test_mcp_limit_error():
    up = Upstream()
    lx = start(up)
    for i in range(2):
        st, _, body = rpc(lx.port, "llm", rid=10 + i)
        check(st == 200 and "result" in json.loads(body), body)
    st, hd, body = rpc(lx.port, "llm", rid="abc")
    j = json.loads(body)
    check(st == 200 and j["id"] == "abc" and "error" in j, (st, body))
    e = j["error"]
    check(not (-32768 <= e["code"] <= -32000), e)
    check(e["data"]["policy"] == "llm-2-per-minute" and e["data"]["retry_after_ms"] > 0, e)


def test_session_quota_survives_reinitialize():
    up = Upstream()
    lx = start(up)
    s1 = initialize(lx.port, "dana")
    for i in range(2):
        st, _, body = rpc(lx.port, "quota", session=s1, user="dana")
        check("result" in json.loads(body), body)
    st, _, body = rpc(lx.port, "quota", session=s1, user="dana")
    check("error" in json.loads(body), body)
    # The client re-initializes: a fresh session id, still refused.
    s2 = initialize(lx.port, "dana")
    check(s2 != s1)
    st, _, body = rpc(lx.port, "quota", session=s2, user="dana")
    j = json.loads(body)
    check("error" in j and j["error"]["data"]["policy"] == "llm-calls-per-session", body)
    # Another principal has its own quota.
    st, _, body = rpc(lx.port, "quota", user="eve")
    check("result" in json.loads(body), body)


def test_decision_log_counts_masks_and_limits():
    """larch serve's decision log: masked counts by type and limit checks,
    the refusing limit and cause rate_limit; never a value."""
    if GUARD_SERVER:
        return
    up = Upstream()
    log = os.path.join(H.TMP, "guard-decisions.log")
    if os.path.exists(log):
        os.remove(log)
    lx = start(up, "--decision-log", log)
    st, _, body = rpc(lx.port, "ext", {"to": EMAIL, "card": CARD}, user="carol")
    check(st == 200 and "result" in json.loads(body), body)
    for i in range(3):
        check(get(lx.port, "/api/limited", "eve")[0] == 200, i)
    check(get(lx.port, "/api/limited", "eve")[0] == 429)
    lines = []
    end = time.time() + 10
    while time.time() < end and len(lines) < 6:  # initialize, initialized, ext, 4 GETs
        time.sleep(0.05)
        lines = [json.loads(x) for x in open(log).read().splitlines()] if os.path.exists(log) else []
    text = open(log).read()
    check(EMAIL not in text and CARD not in text and "4242" not in text, "a value in the log")
    ext = [j for j in lines if j["resource"] == 'Tool::"ext"']
    check(len(ext) == 1, lines)
    # request: EMAIL + CREDIT_CARD; response: EMAIL, CREDIT_CARD, AWS_ACCESS_KEY (the upstream's)
    check(ext[0]["masked"].get("EMAIL", 0) >= 2 and ext[0]["masked"].get("CREDIT_CARD", 0) >= 2,
          ext[0])
    check(ext[0]["limits"] == [] and ext[0]["limited_by"] is None, ext[0])
    lim = [j for j in lines if j["resource"] == 'Route::"/api/limited"']
    check(len(lim) == 4, lines)
    check([j["status"] for j in lim] == [200, 200, 200, 429], lim)
    check([j["limits"][0]["remaining"] for j in lim[:3]] == [2, 1, 0], lim)
    last = lim[3]
    check(last["cause"] == "rate_limit" and last["decision"] == "deny", last)
    check(last["limited_by"] == "rest-3-per-minute", last)
    l0 = last["limits"][0]
    check(l0["id"] == "rest-3-per-minute" and l0["policy"].startswith("policy"), l0)
    check(l0["allowed"] is False and l0["shadow"] is False and l0["source"] == "local", l0)
    check(l0["retry_after_ms"] > 0, l0)


def test_get_stream_pushes_masked():
    """Messages the server pushes on its MCP GET stream: each is mapped like
    a client message of its method and the response masks that apply to it
    mask it; what cannot be read as JSON-RPC is masked whole."""
    if GUARD_SERVER:
        return  # the stand-in decides no pushes
    up = Upstream()
    lx = start(up)
    st, hd, body = H.http_get(lx.port, "/mcp", headers=who("carol") + [
        ("Accept", "text/event-stream")], timeout=10)
    check(st == 200 and hd.get("content-type", "").startswith("text/event-stream"), (st, hd, body))
    events = [e for e in body.decode().split("\n\n") if e.strip()]
    check(len(events) == 3, body)
    note = json.loads(events[0].split("data: ", 1)[1])
    check(EMAIL not in note["params"]["data"] and "[EMAIL]" in note["params"]["data"], note)
    check(CARD in note["params"]["data"], "only the types of the rule that applies: " + events[0])
    sampling = json.loads(events[1].split("data: ", 1)[1])
    text = sampling["params"]["messages"][0]["content"]["text"]
    check(EMAIL in text, "no mask rule applies to sampling/createMessage: " + events[1])
    check(EMAIL not in events[2] and CARD not in events[2] and "[EMAIL]" in events[2], events[2])
    m = lx.metrics()
    check('larch_guard_masked_total{direction="response",type="EMAIL"} 2' in m, m)


def test_bad_with_refuses_to_start():
    """A constant mistake in a `with` record stops larch serve at start."""
    if GUARD_SERVER:
        return  # the stand-in loads policies itself
    d = os.path.join(H.TMP, "bad-policies")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "p.cedar"), "w") as f:
        f.write('permit (principal, action, resource);\n'
                '@id("neg") limit (principal, action, resource) with { max: -3, per: duration("1m") };\n')
    r = subprocess.run([H.LARCH, "serve", "--listen", "127.0.0.1:%d" % H.free_port(),
                        "--upstream", "http://127.0.0.1:9", "--policies", d],
                       capture_output=True, text=True, timeout=20)
    check(r.returncode == 2 and "G0001" in r.stderr and "with.max" in r.stderr, r.stderr)
    check("p.cedar:2:60: error[G0001]" in r.stderr, "file:line:col of the value: " + r.stderr)


# ---- Redis ----------------------------------------------------------------

class Redis:
    def __init__(self):
        self.port = H.free_port()
        self.dir = os.path.join(H.TMP, "redis-%d" % self.port)
        os.makedirs(self.dir, exist_ok=True)
        self.proc = None
        self.start()

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.dir], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        H._procs.append(self.proc)
        H.wait_port(self.port, proc=self.proc)

    def stop(self):
        self.proc.kill()
        self.proc.wait()

    def url(self):
        return "redis://127.0.0.1:%d" % self.port


def hammer(ports, path, total, threads=8, user="zed"):
    """Sends `total` GETs spread over ports from several threads; returns
    the status codes."""
    out = []
    lock = threading.Lock()
    per = total // threads

    def run(k):
        s = None
        for i in range(per):
            port = ports[(k + i) % len(ports)]
            st, _, _ = get(port, path, user)
            with lock:
                out.append(st)

    ts = [threading.Thread(target=run, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(30)
    return out


def test_redis_two_instances_share_exactly():
    if not shutil.which("redis-server"):
        print("redis-server missing: skipped")
        return
    rd = Redis()
    up = Upstream()
    # A generous deadline: exactness is about Redis deciding, not about a
    # loaded test machine answering within 10 ms (timeouts are the fail mode).
    a = start(up, "--redis", rd.url(), "--workers", "2", "--redis-timeout", "2s")
    b = start(up, "--redis", rd.url(), "--workers", "2", "--redis-timeout", "2s")
    codes = hammer([a.port, b.port], "/api/shared", 64)
    check(len(codes) == 64, len(codes))
    check(codes.count(200) == 20 and codes.count(429) == 44, (codes.count(200), codes.count(429)))
    m = a.metrics()
    check("larch_redis_limit_calls_total" in m and 'source="redis"' in m, m)


def test_redis_fail_modes_and_recovery():
    if not shutil.which("redis-server"):
        print("redis-server missing: skipped")
        return
    rd = Redis()
    up = Upstream()
    t = ("--redis-timeout", "2s")
    closed = start(up, "--redis", rd.url(), "--redis-fail", "closed", *t)
    opened = start(up, "--redis", rd.url(), "--redis-fail", "open", *t)
    local = start(up, "--redis", rd.url(), "--redis-fail", "local", *t)
    st, _, _ = get(closed.port, "/api/limited", "u1")
    check(st == 200, st)
    rd.stop()
    time.sleep(0.2)
    st, _, body = get(closed.port, "/api/limited", "u2")
    check(st == 429, (st, body))  # closed: refuse
    codes = [get(opened.port, "/api/limited", "u3")[0]
             for _ in range(5)]
    check(codes == [200] * 5, codes)  # open: allow, even past the limit
    codes = [get(local.port, "/api/limited", "u4")[0]
             for _ in range(5)]
    check(codes == [200, 200, 200, 429, 429], codes)  # local: the in-process limiter
    m = closed.metrics()
    check('larch_redis_limit_calls_total{source="fail_closed"}' in m, m)
    # Redis returns: decisions go back to Redis (reconnect with backoff).
    rd.start()
    end = time.time() + 10
    ok = False
    while time.time() < end and not ok:
        st, _, _ = get(closed.port, "/api/limited", "u5")
        ok = st == 200
        time.sleep(0.1)
    check(ok, "closed instance recovered")
    # Shared again: u6 gets exactly 3 across two instances.
    codes = [get(p, "/api/limited", "u6")[0]
             for p in (closed.port, opened.port, local.port, closed.port, opened.port)]
    check(codes.count(200) == 3, codes)


if __name__ == "__main__":
    H.LARCH = sys.argv[1] if len(sys.argv) > 1 else None
    H.run([test_masking_json_and_sse, test_secret_blocked_before_upstream, test_rest_429_headers,
           test_mcp_limit_error, test_session_quota_survives_reinitialize,
           test_decision_log_counts_masks_and_limits, test_get_stream_pushes_masked,
           test_bad_with_refuses_to_start,
           test_redis_two_instances_share_exactly, test_redis_fail_modes_and_recovery],
          budget=100)
