#!/usr/bin/env python3
"""test_concurrency.py — 1,000 concurrent client connections through larch
(2 workers, SO_REUSEPORT) to nginx, each answered twice (keep-alive)."""
import selectors
import socket
import time

import harness as H
from harness import check

N = 1000


def test_1000_concurrent_connections():
    ng = H.start_nginx()
    lx = H.Larch("http://127.0.0.1:%d" % ng, workers=2)
    socks = []
    for i in range(N):
        s = socket.create_connection(("127.0.0.1", lx.port), timeout=5)
        socks.append(s)
    deadline = time.time() + 5
    while "larch_open_connections %d\n" % N not in lx.metrics() and time.time() < deadline:
        time.sleep(0.05)
    check("larch_open_connections %d\n" % N in lx.metrics(), "all connections open at once")
    for rnd in range(2):
        for i, s in enumerate(socks):
            s.sendall(b"GET /c%d/%d HTTP/1.1\r\nHost: x\r\n\r\n" % (i, rnd))
        sel = selectors.DefaultSelector()
        bufs = {}
        for s in socks:
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ)
            bufs[s] = b""
        done = 0
        deadline = time.time() + 20
        while done < N and time.time() < deadline:
            for key, _ in sel.select(0.5):
                s = key.fileobj
                d = s.recv(65536)
                check(d, "connection closed early")
                bufs[s] += d
                if bufs[s].endswith(b"\n") and b"\r\n\r\n" in bufs[s]:
                    sel.unregister(s)
                    done += 1
        check(done == N, "%d of %d answered" % (done, N))
        for i, s in enumerate(socks):
            check(bufs[s].startswith(b"HTTP/1.1 200") and bufs[s].endswith(b"ok /c%d/%d\n" % (i, rnd)),
                  bufs[s][:200])
            s.setblocking(True)
        sel.close()
    for s in socks:
        s.close()
    m = lx.metrics()
    check('larch_requests_total{route="default",class="2xx"} %d' % (2 * N) in m, m)
    check(lx.stop() == 0)


if __name__ == "__main__":
    H.run([test_1000_concurrent_connections])
