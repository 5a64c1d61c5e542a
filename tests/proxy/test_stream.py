#!/usr/bin/env python3
"""test_stream.py — streaming: 100 MB through larch both ways without memory
growth (RSS sampled), Server-Sent Events event by event with no added delay,
long idle streams kept open by keep-alive comments, client abort mid-body."""
import hashlib
import json
import re
import threading
import time

import harness as H
from harness import check

MB = 1 << 20


class RssWatch:
    """Samples larch's RSS every 20 ms in a thread; .peak in KiB."""

    def __init__(self, lx):
        self.lx, self.peak, self.stop_ = lx, 0, False
        self.t = threading.Thread(target=self.loop, daemon=True)
        self.t.start()

    def loop(self):
        while not self.stop_:
            try:
                self.peak = max(self.peak, self.lx.rss_kib())
            except OSError:
                return
            time.sleep(0.02)

    def stop(self):
        self.stop_ = True
        self.t.join()
        return self.peak


def test_100mb_request_body():
    up = H.start_upstream()
    lx = H.Larch("http://127.0.0.1:%d" % up)
    H.http_get(lx.port, "/echo")  # warm up
    base = lx.rss_kib()
    w = RssWatch(lx)
    total = 100 * MB
    s = H.connect(lx.port, timeout=60)
    s.sendall(H.request("POST", "/echo", headers=[("Content-Length", str(total)),
                                                   ("Content-Type", "application/octet-stream")]))
    block = bytes(range(256)) * 1024  # 256 KiB
    h = hashlib.sha256()
    sent = 0
    while sent < total:
        s.sendall(block)
        h.update(block)
        sent += len(block)
    st, hd, body = H.Reader(s, 60).response()
    peak = w.stop()
    j = json.loads(body)
    check(st == 200 and j["body_len"] == total and j["body_sha256"] == h.hexdigest(), j)
    check(peak - base < 16 * 1024, "RSS grew by %d KiB (base %d KiB)" % (peak - base, base))
    print("     request body: rss base %d KiB, peak %d KiB" % (base, peak))


def test_100mb_response_slow_reader():
    up = H.start_upstream()
    lx = H.Larch("http://127.0.0.1:%d" % up)
    H.http_get(lx.port, "/echo")
    base = lx.rss_kib()
    w = RssWatch(lx)
    total = 100 * MB
    s = H.connect(lx.port, timeout=60)
    s.setsockopt(H.socket.SOL_SOCKET, H.socket.SO_RCVBUF, 64 * 1024)
    s.sendall(H.request("GET", "/big?n=%d" % total))
    time.sleep(0.5)  # the client does not read: larch must stop reading the upstream
    mid = lx.rss_kib()
    got = 0
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(65536)
    got = len(head.split(b"\r\n\r\n", 1)[1])
    while got < total:
        d = s.recv(1 << 20)
        check(d, "connection closed after %d bytes" % got)
        got += len(d)
    peak = w.stop()
    check(got == total)
    check(peak - base < 16 * 1024, "RSS grew by %d KiB (stalled reader: %d)" % (peak - base, mid))
    print("     response body: rss base %d KiB, while stalled %d KiB, peak %d KiB" % (base, mid, peak))


def read_events(s, deadline):
    """Yields (arrival time, decoded chunk payload) from a chunked SSE answer."""
    r = H.Reader(s, deadline)
    line = r._line()
    check(line.startswith(b"HTTP/1.1 200"), line)
    while r._line():
        pass
    while True:
        size = int(r._line(), 16)
        if size == 0:
            return
        data = r._take(size)
        r._take(2)
        yield time.time(), data.decode()


def test_sse_timing():
    up = H.start_upstream()
    lx = H.Larch("http://127.0.0.1:%d" % up)
    s = H.connect(lx.port)
    s.sendall(H.request("GET", "/sse?n=5&gap=0.25", headers=[("Accept", "text/event-stream")]))
    lags = []
    for t, data in read_events(s, 5):
        m = re.search(r'"t": ([0-9.]+)', data)
        check(m, data)
        lags.append(t - float(m.group(1)))
    check(len(lags) == 5, lags)
    check(max(lags) < 0.05, "event delayed by larch: lags %s" % lags)
    print("     SSE lag per event (ms): %s" % " ".join("%.1f" % (x * 1000) for x in lags))


def test_sse_idle_stream_stays_open():
    up = H.start_upstream()
    lx = H.Larch("http://127.0.0.1:%d" % up, "--idle-timeout", "600ms")
    s = H.connect(lx.port)
    t0 = time.time()
    s.sendall(H.request("GET", "/sse?n=3&gap=1.0&ping=0.3"))
    events, pings = 0, 0
    for t, data in read_events(s, 5):
        events += data.startswith("id:")
        pings += data.startswith(": ping")
    check(events == 3 and pings >= 4, "events %d pings %d" % (events, pings))
    check(time.time() - t0 > 1.9, "the stream outlived the idle timeout")
    # Without pings the same silence is an upstream timeout (504 before the head,
    # a cut stream after it).
    s = H.connect(lx.port)
    s.sendall(H.request("GET", "/slow?d=2"))
    st, hd, body = H.Reader(s).response()
    check(st == 504, st)


def test_client_abort_mid_body():
    up = H.start_upstream()
    lx = H.Larch("http://127.0.0.1:%d" % up)
    for _ in range(20):
        s = H.connect(lx.port)
        s.sendall(H.request("POST", "/echo", headers=[("Content-Length", str(50 * MB)),
                                                       ("Content-Type", "application/octet-stream")]))
        s.sendall(b"x" * (2 * MB))
        s.close()
    # Also abort while waiting for a slow answer.
    s = H.connect(lx.port)
    s.sendall(H.request("GET", "/slow?d=1"))
    time.sleep(0.1)
    s.close()
    deadline = time.time() + 3
    while time.time() < deadline:
        m = lx.metrics()
        if "larch_open_connections 0\n" in m and "larch_upstream_connections 0\n" in m:
            break
        time.sleep(0.05)
    check("larch_open_connections 0\n" in m and "larch_upstream_connections 0\n" in m,
          "everything released on abort:\n" + m)
    j = json.loads(H.http_get(lx.port, "/echo")[2])
    check(j["path"] == "/echo", "still serving")
    check(lx.stop() == 0)


if __name__ == "__main__":
    H.run([test_100mb_request_body, test_100mb_response_slow_reader, test_sse_timing,
           test_sse_idle_stream_stays_open, test_client_abort_mid_body], budget=90)
