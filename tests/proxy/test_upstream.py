#!/usr/bin/env python3
"""test_upstream.py — upstream failures: down (502), connect timeout and
slow answer (504), reset mid-response (cut, never a forged end), closing
without an answer (502), stale pooled connections retried, errors counted."""
import socket
import time

import harness as H
from harness import check


def metric(lx, kind):
    for line in lx.metrics().splitlines():
        if line.startswith('larch_upstream_errors_total{kind="%s"}' % kind):
            return int(line.split()[-1])
    return -1


def test_upstream_down():
    dead = H.free_port()  # nothing listens there
    lx = H.Larch("http://127.0.0.1:%d" % dead)
    t0 = time.time()
    st, hd, body = H.http_get(lx.port, "/x")
    check(st == 502 and time.time() - t0 < 2, st)
    j = H.error_json(body)
    check(j["request_id"] == hd["x-request-id"], (j, hd))
    check(metric(lx, "connect") == 1)
    # The client connection survives a 502 for a complete request.
    s = H.connect(lx.port)
    r = H.Reader(s)
    for _ in range(2):
        s.sendall(H.request("GET", "/x"))
        check(r.response()[0] == 502)
    check(lx.stop() == 0)


def test_connect_timeout():
    # A listener whose accept queue is full: SYNs are dropped, connect hangs.
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(0)
    port = ls.getsockname()[1]
    fillers = []
    for _ in range(4):
        f = socket.socket()
        f.setblocking(False)
        try:
            f.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fillers.append(f)
    time.sleep(0.1)
    lx = H.Larch("http://127.0.0.1:%d" % port, "--connect-timeout", "500ms")
    t0 = time.time()
    st, hd, body = H.http_get(lx.port, "/x")
    dt = time.time() - t0
    check(st == 504 and 0.4 < dt < 2.5, "status %d after %.2fs" % (st, dt))
    H.error_json(body)
    check(metric(lx, "connect_timeout") == 1)
    ls.close()


def test_upstream_slow():
    up = H.start_upstream()
    lx = H.Larch("http://127.0.0.1:%d" % up, "--idle-timeout", "500ms")
    t0 = time.time()
    st, hd, body = H.http_get(lx.port, "/slow?d=3")
    dt = time.time() - t0
    check(st == 504 and 0.4 < dt < 2.0, "status %d after %.2fs" % (st, dt))
    check(H.error_json(body)["error"] == "upstream timeout")
    check(metric(lx, "timeout") == 1)
    # total timeout: a stream that keeps talking is still bounded
    lx2 = H.Larch("http://127.0.0.1:%d" % up, "--total-timeout", "700ms")
    st, hd, body = H.http_get(lx2.port, "/slow?d=2")
    check(st == 504, st)


def test_reset_mid_response():
    up = H.start_upstream()
    lx = H.Larch("http://127.0.0.1:%d" % up)
    s = H.connect(lx.port)
    s.sendall(H.request("GET", "/reset"))
    data, closed = H.read_all(s, 5)
    check(closed, "client connection must be closed")
    head, body = data.split(b"\r\n\r\n", 1)
    check(head.startswith(b"HTTP/1.1 200") and b"Content-Length: 1000" in head, head)
    check(body == b"0123456789", "only what arrived, never a forged end: %r" % body)
    check(metric(lx, "reset") == 1)
    # Closed before any byte: 502.
    st, hd, body = H.http_get(lx.port, "/drop")
    check(st == 502 and H.error_json(body)["error"] == "upstream closed the connection", body)


def test_stale_pool_retry():
    ng = H.start_nginx("keepalive_timeout 1s;")
    lx = H.Larch("http://127.0.0.1:%d" % ng)
    s = H.connect(lx.port)
    r = H.Reader(s)
    s.sendall(H.request("GET", "/a"))
    check(r.response()[0] == 200)
    time.sleep(1.5)  # nginx closes the idle pooled connection meanwhile
    s.sendall(H.request("GET", "/b"))
    st, hd, body = r.response()
    check(st == 200 and body == b"ok /b\n", (st, body))


if __name__ == "__main__":
    H.run([test_upstream_down, test_connect_timeout, test_upstream_slow, test_reset_mid_response,
           test_stale_pool_retry])
