#!/usr/bin/env python3
"""test_smuggling.py — malformed and ambiguous requests: every request
smuggling shape gets 400 (or 431/408) with a JSON body and a closed
connection, and nothing of it reaches the upstream as a request."""
import json
import time

import harness as H
from harness import check

P = "POST / HTTP/1.1\r\nHost: x\r\n"
CASES = {
    "cl_and_te": P + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /echo?smuggled HTTP/1.1\r\nHost: x\r\n\r\n",
    "te_and_cl": P + "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n",
    "duplicate_cl_differ": P + "Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
    "duplicate_cl_same": P + "Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
    "cl_list": P + "Content-Length: 3, 3\r\n\r\nabc",
    "cl_plus": P + "Content-Length: +3\r\n\r\nabc",
    "cl_negative": P + "Content-Length: -1\r\n\r\nabc",
    "cl_hex": P + "Content-Length: 0x3\r\n\r\nabc",
    "cl_overflow": P + "Content-Length: 99999999999999999999999\r\n\r\nabc",
    "chunk_size_bad": P + "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
    "chunk_size_overflow": P + "Transfer-Encoding: chunked\r\n\r\nfffffffffffffffffff\r\nabc\r\n0\r\n\r\n",
    "chunk_size_negative": P + "Transfer-Encoding: chunked\r\n\r\n-3\r\nabc\r\n0\r\n\r\n",
    "chunk_bare_lf_size": P + "Transfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n",
    "chunk_bare_lf_data": P + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\n0\r\n\r\n",
    "chunk_data_too_long": P + "Transfer-Encoding: chunked\r\n\r\n3\r\nabcdef\r\n0\r\n\r\n",
    "te_identity_chunked": P + "Transfer-Encoding: identity, chunked\r\n\r\n0\r\n\r\n",
    "te_chunked_identity": P + "Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
    "te_unknown": P + "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
    "te_duplicate": P + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "te_space_before_colon": P + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
    "te_http10": "POST / HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "obs_fold": "GET /echo HTTP/1.1\r\nHost: x\r\nX-A: a\r\n Transfer-Encoding: chunked\r\n\r\n",
    "bare_lf_head": "GET /echo HTTP/1.1\nHost: x\n\n",
    "bare_lf_in_header": "GET /echo HTTP/1.1\r\nHost: x\nX-A: b\r\n\r\n",
    "bare_cr": "GET /echo HTTP/1.1\r\nHost: x\rX-A: b\r\n\r\n",
    "nul_in_header": "GET /echo HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n",
    "duplicate_host": "GET /echo HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
    "missing_host": "GET /echo HTTP/1.1\r\n\r\n",
    "absolute_form": "GET http://evil.test/echo HTTP/1.1\r\nHost: x\r\n\r\n",
    "bad_version": "GET /echo HTTP/1.7\r\nHost: x\r\n\r\n",
    "space_in_target": "GET /echo x HTTP/1.1\r\nHost: x\r\n\r\n",
    "ctl_in_target": "GET /e\x01cho HTTP/1.1\r\nHost: x\r\n\r\n",
    "bad_method": "G(T /echo HTTP/1.1\r\nHost: x\r\n\r\n",
    "connect": "CONNECT evil.test:443 HTTP/1.1\r\nHost: evil.test:443\r\n\r\n",
}
STATUS = {"connect": 405}


def expect_error(port, raw, status=400, timeout=5.0):
    s = H.connect(port)
    s.sendall(raw if isinstance(raw, bytes) else raw.encode("latin-1"))
    data, closed = H.read_all(s, timeout)
    check(closed, "connection left open after %r" % data[:80])
    check(data.startswith(b"HTTP/1.1 %d " % status), "want %d, got %r" % (status, data[:120]))
    check(data.count(b"HTTP/1.1 ") == 1, "exactly one answer: %r" % data)
    check(b"Connection: close" in data.split(b"\r\n\r\n")[0])
    H.error_json(data.split(b"\r\n\r\n", 1)[1])
    return data


def test_smuggling_cases():
    up = H.start_upstream()
    lx = H.Larch("http://127.0.0.1:%d" % up)
    for name, raw in CASES.items():
        try:
            expect_error(lx.port, raw, STATUS.get(name, 400))
        except AssertionError as e:
            raise AssertionError("%s: %s" % (name, e))
    # Nothing reached the upstream: only 4xx were counted, no 2xx.
    m = lx.metrics()
    check('class="2xx"} 0' in m and "larch_upstream_connections 0" in m, m)
    check(lx.stop() == 0)


def test_body_then_garbage():
    """A request whose body is followed by garbage: the first is answered, the
    garbage is refused, never forwarded as a second request."""
    up = H.start_upstream()
    lx = H.Larch("http://127.0.0.1:%d" % up)
    s = H.connect(lx.port)
    s.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n"
              b"abcdeGARBAGE /echo HTTP/1.1\r\nHost: x\r\n\r\n")
    data, closed = H.read_all(s)
    check(closed and data.startswith(b"HTTP/1.1 200 "), data[:100])
    check(data.count(b"HTTP/1.1 400 ") == 1 and data.count(b"HTTP/1.1 200 ") == 1, data)


def test_oversized_heads():
    up = H.start_upstream()
    lx = H.Larch("http://127.0.0.1:%d" % up, "--max-header-size", "8KiB")
    expect_error(lx.port, "GET /echo HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n" % ("a" * 9000), 431)
    expect_error(lx.port, "GET /%s HTTP/1.1\r\nHost: x\r\n\r\n" % ("a" * 9000), 431)
    many = "".join("X-H%d: v\r\n" % i for i in range(200))
    expect_error(lx.port, "GET /echo HTTP/1.1\r\nHost: x\r\n%s\r\n" % many, 431)
    # just under the limit passes
    st, hd, b = H.http_get(lx.port, "/echo", headers={"X-Big": "a" * 7000})
    check(st == 200)


def test_slow_headers():
    up = H.start_upstream()
    lx = H.Larch("http://127.0.0.1:%d" % up, "--header-timeout", "700ms")
    s = H.connect(lx.port)
    t0 = time.time()
    s.sendall(b"GET /echo HTTP/1.1\r\n")
    for _ in range(3):  # trickle: bytes keep coming, the head never ends in time
        time.sleep(0.3)
        try:
            s.sendall(b"X-Slow: 1\r\n")
        except OSError:
            break
    data, closed = H.read_all(s, 3)
    dt = time.time() - t0
    check(data.startswith(b"HTTP/1.1 408 ") and closed, data[:100])
    check(0.6 < dt < 2.0, "408 after %.2fs" % dt)
    H.error_json(data.split(b"\r\n\r\n", 1)[1])


if __name__ == "__main__":
    H.run([test_smuggling_cases, test_body_then_garbage, test_oversized_heads, test_slow_headers])
