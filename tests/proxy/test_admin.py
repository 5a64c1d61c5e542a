#!/usr/bin/env python3
"""test_admin.py — admin API (/healthz, /readyz, /metrics, POST /reload),
SIGHUP reload, SIGTERM graceful drain with a request in flight, LARCH_*
environment configuration, --help and configuration errors."""
import os
import signal
import socket
import subprocess
import threading
import time

import harness as H
from harness import check


def test_admin_endpoints():
    up = H.start_upstream()
    pol = os.path.join(H.TMP, "policies")
    os.makedirs(pol, exist_ok=True)
    with open(os.path.join(pol, "a.cedar"), "w") as f:
        f.write("permit (principal, action, resource);\n")
    lx = H.Larch("http://127.0.0.1:%d" % up, "--policies", pol)
    check(H.http_get(lx.admin, "/healthz")[:3:2] == (200, b"ok\n"))
    deadline = time.time() + 3
    while H.http_get(lx.admin, "/readyz")[0] != 200 and time.time() < deadline:
        time.sleep(0.05)
    check(H.http_get(lx.admin, "/readyz")[0] == 200)
    H.http_get(lx.port, "/echo")
    H.http_get(lx.port, "/status?c=404")
    m = lx.metrics()
    for want in ('larch_requests_total{route="default",class="2xx"} 1',
                 'larch_requests_total{route="default",class="4xx"} 1',
                 "# TYPE larch_request_duration_seconds histogram",
                 'larch_request_duration_seconds_bucket{le="+Inf"} 2',
                 "larch_request_duration_seconds_count 2",
                 "# TYPE larch_open_connections gauge",
                 'larch_upstream_errors_total{kind="connect"} 0',
                 "larch_reloads_total 1"):
        check(want in m, "missing %r in\n%s" % (want, m))
    st, hd, body = H.http_get(lx.admin, "/reload", method="POST")
    check(st == 200 and b"1 policy file(s)" in body, body)
    check(H.http_get(lx.admin, "/reload")[0] == 405)
    lx.proc.send_signal(signal.SIGHUP)
    deadline = time.time() + 3
    while "larch_reloads_total 3" not in lx.metrics() and time.time() < deadline:
        time.sleep(0.05)
    check("larch_reloads_total 3" in lx.metrics())
    # A broken policy directory is refused and the running state stays.
    os.rename(pol, pol + ".gone")
    st, hd, body = H.http_get(lx.admin, "/reload", method="POST")
    check(st == 422 and b"error" in body, body)
    check(H.http_get(lx.admin, "/readyz")[0] == 200, "still ready on the previous set")
    check(lx.stop() == 0)
    check("reload done" in lx.logtext(), lx.logtext())


def test_graceful_drain():
    up = H.start_upstream()
    lx = H.Larch("http://127.0.0.1:%d" % up, "--drain-timeout", "5s")
    result = {}

    def slow():
        result["r"] = H.http_get(lx.port, "/slow?d=1.2", headers={"Connection": "keep-alive"})

    idle = H.connect(lx.port)  # an idle keep-alive client is closed at once
    t = threading.Thread(target=slow)
    t.start()
    time.sleep(0.3)
    t0 = time.time()
    lx.proc.send_signal(signal.SIGTERM)
    time.sleep(0.2)
    data, closed = H.read_all(idle, 2)
    check(closed and data == b"", "idle connection closed on drain")
    refused = False
    try:
        socket.create_connection(("127.0.0.1", lx.port), timeout=1).close()
    except OSError:
        refused = True
    check(refused, "new connections must be refused while draining")
    check(H.http_get(lx.admin, "/readyz")[0] == 503, "not ready while draining")
    t.join(5)
    st, hd, body = result["r"]
    check(st == 200 and body == b"slow" and hd.get("connection") == "close", (st, hd, body))
    rc = lx.proc.wait(5)
    check(rc == 0, "exit status %s" % rc)
    check(time.time() - t0 < 3, "exit right after the last request")


def test_drain_timeout():
    up = H.start_upstream()
    lx = H.Larch("http://127.0.0.1:%d" % up, "--drain-timeout", "300ms")
    s = H.connect(lx.port)
    s.sendall(H.request("GET", "/slow?d=5"))
    time.sleep(0.2)
    t0 = time.time()
    check(lx.stop() == 0)
    check(time.time() - t0 < 2, "the drain is bounded")


def test_environment_and_help():
    up = H.start_upstream()
    port = H.free_port()
    env = {"LARCH_LISTEN": "127.0.0.1:%d" % port, "LARCH_UPSTREAM": "http://127.0.0.1:%d" % up,
           "LARCH_WORKERS": "2", "LARCH_IDLE_TIMEOUT": "5s"}
    p = subprocess.Popen([H.LARCH, "serve"], env=dict(os.environ, **env),
                         stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    H._procs.append(p)
    H.wait_port(port, proc=p)
    st, hd, body = H.http_get(port, "/echo")
    check(st == 200)
    p.send_signal(signal.SIGTERM)
    check(p.wait(5) == 0)
    check(b"with 2 worker(s)" in p.stderr.read())
    r = subprocess.run([H.LARCH, "serve", "--help"], capture_output=True, timeout=5)
    out = r.stdout.decode()
    for flag in ("--listen", "--upstream", "--policies", "--workers", "--admin", "--tls-cert",
                 "--tls-key", "--tls-client-ca", "--upstream-ca", "--config", "--connect-timeout",
                 "--header-timeout", "--idle-timeout", "--total-timeout", "--body-limit",
                 "LARCH_UPSTREAM"):
        check(flag in out, "--help lacks %s" % flag)
    for args, msg in ((["--upstream", "ftp://x"], b"want http://"),
                      (["--upstream", "http://127.0.0.1:1", "--body-limit", "lots"], b"invalid value"),
                      (["--upstream", "http://127.0.0.1:1", "--bogus"], b"unknown option"),
                      (["--upstream", "http://127.0.0.1:1", "--tls-cert", "/nonexistent"], b"go together"),
                      (["--upstream", "http://127.0.0.1:1", "--policies", "/nonexistent"], b"nonexistent")):
        r = subprocess.run([H.LARCH, "serve", "--listen", "127.0.0.1:%d" % H.free_port()] + args,
                           capture_output=True, timeout=5)
        check(r.returncode != 0 and msg in r.stderr, (args, r.stderr))


if __name__ == "__main__":
    H.run([test_admin_endpoints, test_graceful_drain, test_drain_timeout, test_environment_and_help])
