#!/usr/bin/env python3
"""test_http.py — HTTP/1.1 semantics through larch: keep-alive, pipelining,
chunked bodies both ways, 100-continue, header rewriting, HEAD, inspection
buffering and 413, routes from a JSON config."""
import hashlib
import json
import os
import time

import harness as H
from harness import check


def echo(resp):
    st, hd, body = resp
    check(st == 200, "status %d: %r" % (st, body[:200]))
    return json.loads(body)


def hdr(j, name):
    return [v for k, v in j["headers"] if k.lower() == name.lower()]


def test_keepalive():
    up = H.start_upstream()
    lx = H.Larch("http://127.0.0.1:%d" % up)
    s = H.connect(lx.port)
    r = H.Reader(s)
    ids = set()
    for i in range(5):
        s.sendall(H.request("GET", "/echo?i=%d" % i))
        st, hd, body = r.response()
        check(st == 200 and json.loads(body)["path"] == "/echo?i=%d" % i)
        check("connection" not in hd, "keep-alive answer must not say close")
        ids.add(hd["x-request-id"])
    check(len(ids) == 5, "request ids must differ")
    m = lx.metrics()
    check("larch_upstream_connections 1\n" in m, "one pooled upstream connection expected:\n" + m)
    check('larch_requests_total{route="default",class="2xx"} 5' in m, m)
    s.close()
    check(lx.stop() == 0)


def test_pipelining():
    up = H.start_upstream()
    lx = H.Larch("http://127.0.0.1:%d" % up)
    s = H.connect(lx.port)
    reqs = b""
    for i in range(6):
        if i % 2:
            reqs += H.request("POST", "/echo?i=%d" % i, headers=[("Content-Type", "text/plain")],
                              body=b"body-%d" % i)
        else:
            reqs += H.request("GET", "/chunked" if i == 4 else "/echo?i=%d" % i)
    s.sendall(reqs)  # all six in one write
    r = H.Reader(s)
    for i in range(6):
        st, hd, body = r.response()
        check(st == 200, "status %d" % st)
        if i == 4:
            check(body == b"part0part1part2part3part4", body)
            continue
        j = json.loads(body)
        check(j["path"] == "/echo?i=%d" % i, "out of order: %s at %d" % (j["path"], i))
        if i % 2:
            check(j["body"] == "body-%d" % i)
    s.close()


def test_chunked_in_out():
    up = H.start_upstream()
    lx = H.Larch("http://127.0.0.1:%d" % up)
    s = H.connect(lx.port)
    r = H.Reader(s)
    parts = [b"a" * 10, b"b" * 5000, b"c" * 70000, b"d"]
    body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\nX-Trailer: t\r\n\r\n"
    s.sendall(H.request("POST", "/echo", headers=[("Transfer-Encoding", "chunked"),
                                                   ("Content-Type", "application/octet-stream")]) + body)
    j = echo(r.response())
    whole = b"".join(parts)
    check(j["body_len"] == len(whole) and j["body_sha256"] == hashlib.sha256(whole).hexdigest())
    check(hdr(j, "transfer-encoding") == ["chunked"], "streamed body goes on chunked")
    # A chunked JSON body on an inspected route is buffered: Content-Length upstream.
    js = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call"}).encode()
    s.sendall(H.request("POST", "/echo", headers=[("Transfer-Encoding", "chunked"),
                                                   ("Content-Type", "application/json")])
              + b"%x\r\n%s\r\n0\r\n\r\n" % (len(js), js))
    j = echo(r.response())
    check(hdr(j, "content-length") == [str(len(js))] and not hdr(j, "transfer-encoding"), j)
    check(j["body"] == js.decode())
    # Chunked out: the upstream's chunked answer and a close-delimited one.
    s.sendall(H.request("GET", "/chunked"))
    st, hd, b = r.response()
    check(hd.get("transfer-encoding") == "chunked" and b == b"part0part1part2part3part4")
    s.sendall(H.request("GET", "/eof"))
    st, hd, b = r.response()
    check(hd.get("transfer-encoding") == "chunked" and b == b"until-the-end", (hd, b))
    s.sendall(H.request("GET", "/echo?after-eof"))
    check(echo(r.response())["path"] == "/echo?after-eof", "connection kept after /eof")
    s.close()
    # HTTP/1.0 client: no chunked, the body is delimited by close.
    s = H.connect(lx.port)
    s.sendall(b"GET /eof HTTP/1.0\r\n\r\n")
    data, closed = H.read_all(s)
    check(closed and data.endswith(b"\r\n\r\nuntil-the-end") and b"chunked" not in data, data)


def test_header_rewriting():
    up = H.start_upstream()
    lx = H.Larch("http://127.0.0.1:%d" % up)
    s = H.connect(lx.port)
    s.sendall(H.request("GET", "/echo", host="api.example.test:8443", headers=[
        ("Connection", "keep-alive, X-Secret-Hop"), ("Keep-Alive", "timeout=5"),
        ("X-Secret-Hop", "1"), ("TE", "trailers"), ("Proxy-Authorization", "Basic x"),
        ("Upgrade", "foo/2"), ("X-Forwarded-For", "203.0.113.9"), ("X-Forwarded-Proto", "https"),
        ("X-Custom", "kept")]))
    st, hd, body = H.Reader(s).response()
    j = json.loads(body)
    check(hdr(j, "host") == ["api.example.test:8443"], "Host preserved")
    for h in ("connection", "keep-alive", "x-secret-hop", "te", "proxy-authorization", "upgrade"):
        check(not hdr(j, h), "hop-by-hop %s forwarded" % h)
    check(hdr(j, "x-forwarded-for") == ["203.0.113.9, 127.0.0.1"], hdr(j, "x-forwarded-for"))
    check(hdr(j, "x-forwarded-proto") == ["http"], "X-Forwarded-Proto is set by larch")
    check(hdr(j, "x-custom") == ["kept"])
    check(hdr(j, "x-request-id") == [hd["x-request-id"]], "same id both ways")
    # A sane client id is kept, a hostile one replaced.
    s.sendall(H.request("GET", "/echo", headers=[("X-Request-Id", "abc-123")]))
    st, hd, body = H.Reader(s).response()
    check(hd["x-request-id"] == "abc-123" and hdr(json.loads(body), "x-request-id") == ["abc-123"])
    s.sendall(H.request("GET", "/echo", headers=[("X-Request-Id", "a b<script>")]))
    st, hd, body = H.Reader(s).response()
    check(hd["x-request-id"] != "a b<script>" and len(hd["x-request-id"]) == 32)
    s.close()


def test_expect_continue():
    up = H.start_upstream()
    lx = H.Larch("http://127.0.0.1:%d" % up)
    s = H.connect(lx.port)
    s.sendall(H.request("POST", "/echo", headers=[("Content-Length", "5"), ("Expect", "100-continue"),
                                                   ("Content-Type", "text/plain")]))
    s.settimeout(3)
    got = s.recv(100)
    check(got == b"HTTP/1.1 100 Continue\r\n\r\n", got)
    s.sendall(b"hello")
    j = echo(H.Reader(s).response())
    check(j["body"] == "hello" and not hdr(j, "expect"), j)
    # Over the inspection limit: 413 at once, no 100, connection closed.
    s = H.connect(lx.port)
    s.sendall(H.request("POST", "/echo", headers=[("Content-Length", str(5 << 20)),
                                                   ("Expect", "100-continue"),
                                                   ("Content-Type", "application/json")]))
    data, closed = H.read_all(s)
    check(data.startswith(b"HTTP/1.1 413 ") and closed and b"100 Continue" not in data, data)
    H.error_json(data.split(b"\r\n\r\n", 1)[1])


def test_inspection_limit():
    up = H.start_upstream()
    lx = H.Larch("http://127.0.0.1:%d" % up, "--body-limit", "64KiB")
    big = b'{"x": "' + b"y" * 70000 + b'"}'
    st, hd, body = H.http_get(lx.port, "/echo", method="POST", body=big,
                              headers={"Content-Type": "application/json"})
    check(st == 413, st)
    H.error_json(body)
    # chunked over the limit: 413 too
    s = H.connect(lx.port)
    s.sendall(H.request("POST", "/echo", headers=[("Transfer-Encoding", "chunked"),
                                                   ("Content-Type", "application/json")]))
    for _ in range(3):
        s.sendall(b"8000\r\n" + b"z" * 0x8000 + b"\r\n")
    data, closed = H.read_all(s)
    check(data.startswith(b"HTTP/1.1 413 ") and closed, data[:100])
    # Under the limit it goes through intact; a non-JSON body of any size streams.
    small = json.dumps({"a": "b" * 1000}).encode()
    j = echo(H.http_get(lx.port, "/echo", method="POST", body=small,
                        headers={"Content-Type": "application/json; charset=utf-8"}))
    check(j["body"] == small.decode())
    j = echo(H.http_get(lx.port, "/echo", method="POST", body=big,
                        headers={"Content-Type": "text/plain"}))
    check(j["body_len"] == len(big))
    check(lx.stop() == 0)


def test_head_and_status():
    up = H.start_upstream()
    lx = H.Larch("http://127.0.0.1:%d" % up)
    s = H.connect(lx.port)
    r = H.Reader(s)
    s.sendall(H.request("HEAD", "/big?n=12345"))
    st, hd, b = r.response(head_only=True)
    check(st == 200 and hd["content-length"] == "12345", hd)
    s.sendall(H.request("GET", "/status?c=503"))
    st, hd, b = r.response()
    check(st == 503 and b == b"status", "upstream errors pass through unchanged")
    s.sendall(H.request("GET", "/echo?after"))
    check(echo(r.response())["path"] == "/echo?after")


def test_routes_config():
    up = H.start_upstream()
    ng = H.start_nginx()
    cfg = os.path.join(H.TMP, "routes.json")
    with open(cfg, "w") as f:
        json.dump({"routes": [
            {"name": "api", "prefix": "/api", "upstream": "http://127.0.0.1:%d" % ng},
            {"name": "echo", "prefix": "/echo", "upstream": "http://127.0.0.1:%d" % up, "inspect": True}],
            "idle_timeout": "30s"}, f)
    lx = H.Larch(None, "--config", cfg)
    st, hd, b = H.http_get(lx.port, "/api/v1?q=1")
    check(st == 200 and b == b"ok /api/v1?q=1\n", b)
    check(H.http_get(lx.port, "/apix")[0] == 404, "/apix must not match /api")
    echo(H.http_get(lx.port, "/echo"))
    st, hd, b = H.http_get(lx.port, "/nowhere")
    check(st == 404)
    H.error_json(b)
    m = lx.metrics()
    check('larch_requests_total{route="api",class="2xx"} 1' in m and
          'larch_requests_total{route="echo",class="2xx"} 1' in m and
          'larch_requests_total{route="none",class="4xx"} 2' in m, m)


if __name__ == "__main__":
    H.run([test_keepalive, test_pipelining, test_chunked_in_out, test_header_rewriting,
           test_expect_continue, test_inspection_limit, test_head_and_status, test_routes_config])
