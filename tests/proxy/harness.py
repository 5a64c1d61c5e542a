"""harness.py — shared helpers for the proxy integration tests.

Starts real processes on 127.0.0.1 (larch, tests/proxy/upstream.py, nginx with
a generated config in a temp dir), speaks raw HTTP/1.1 over sockets, and runs
the test cases of one script with a hard time bound. Every script is run by
ctest as `python3 test_x.py /path/to/larch`.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
LARCH = None
TMP = None
_procs = []
_larchs = []


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_port(port, timeout=5.0, proc=None):
    end = time.time() + timeout
    while time.time() < end:
        if proc is not None and proc.poll() is not None:
            raise AssertionError("process exited early with %s" % proc.returncode)
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.02)
    raise AssertionError("port %d never opened" % port)


class Larch:
    """A running `larch serve`; stop() sends SIGTERM and returns the exit code."""

    def __init__(self, upstream, *args, tls=False, workers=1, admin=True, env=None, wait=True,
                 binary=None):
        self.port = free_port()
        self.admin = free_port() if admin else None
        self.log = os.path.join(TMP, "larch-%d.log" % self.port)
        cmd = [binary] if binary else [LARCH, "serve"]
        cmd += ["--listen", "127.0.0.1:%d" % self.port, "--workers", str(workers)]
        if upstream:
            cmd += ["--upstream", upstream]
        if admin:
            cmd += ["--admin", "127.0.0.1:%d" % self.admin]
        cmd += list(args)
        e = dict(os.environ)
        # Under ASan, a small quarantine keeps RSS meaningful for the memory checks.
        e.setdefault("ASAN_OPTIONS", "quarantine_size_mb=1:thread_local_quarantine_size_kb=64")
        e.update(env or {})
        self.proc = subprocess.Popen(cmd, stderr=open(self.log, "w"), stdout=subprocess.DEVNULL, env=e)
        _procs.append(self.proc)
        _larchs.append(self)
        if wait:
            wait_port(self.port, proc=self.proc)
            if admin:
                wait_port(self.admin, proc=self.proc)

    def url(self, path="/"):
        return "%s://127.0.0.1:%d%s" % ("http", self.port, path)

    def stop(self, timeout=10):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError("larch did not exit after SIGTERM")

    def logtext(self):
        with open(self.log) as f:
            return f.read()

    def rss_kib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def metrics(self):
        return http_get(self.admin, "/metrics")[2].decode()


def start_upstream():
    port = free_port()
    p = subprocess.Popen([sys.executable, os.path.join(HERE, "upstream.py"), str(port)],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    _procs.append(p)
    assert p.stdout.readline().strip() == b"ready"
    wait_port(port, proc=p)
    return port


NGINX_CONF = """
daemon off;
master_process off;
worker_processes 1;
error_log {dir}/error.log warn;
pid {dir}/nginx.pid;
events {{ worker_connections 8192; }}
http {{
  access_log off;
  client_body_temp_path {dir}/body; proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fcgi; uwsgi_temp_path {dir}/uwsgi; scgi_temp_path {dir}/scgi;
  keepalive_requests 1000000;
  {extra}
  server {{
    listen 127.0.0.1:{port} backlog=4096;
    location / {{ return 200 "ok $request_uri\\n"; }}
  }}
}}
"""


def start_nginx(extra="keepalive_timeout 300s;"):
    port = free_port()
    d = tempfile.mkdtemp(dir=TMP, prefix="nginx-")
    conf = os.path.join(d, "nginx.conf")
    with open(conf, "w") as f:
        f.write(NGINX_CONF.format(dir=d, port=port, extra=extra))
    p = subprocess.Popen(["nginx", "-c", conf, "-p", d], stderr=subprocess.DEVNULL)
    _procs.append(p)
    wait_port(port, proc=p)
    return port


def connect(port, timeout=5.0):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_all(s, timeout=5.0):
    """Reads until the peer closes (or timeout); returns (bytes, closed)."""
    s.settimeout(timeout)
    out = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                return out, True
            out += d
    except socket.timeout:
        return out, False
    except ConnectionResetError:
        return out, True


class Reader:
    """Parses HTTP/1.1 responses from a socket one at a time."""

    def __init__(self, s, timeout=5.0):
        self.s, self.buf = s, b""
        s.settimeout(timeout)

    def _fill(self):
        d = self.s.recv(65536)
        if not d:
            raise EOFError("connection closed")
        self.buf += d

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _take(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def response(self, head_only=False):
        """Returns (status, headers dict lower-case, body bytes); skips 1xx."""
        while True:
            status_line = self._line()
            status = int(status_line.split()[1])
            headers = {}
            while True:
                l = self._line()
                if not l:
                    break
                k, v = l.decode("latin-1").split(":", 1)
                headers.setdefault(k.strip().lower(), v.strip())
            if status >= 200:
                break
        if head_only or status in (204, 304):
            return status, headers, b""
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self._line().split(b";")[0], 16)
                if size == 0:
                    while self._line():
                        pass
                    return status, headers, body
                body += self._take(size)
                assert self._take(2) == b"\r\n"
        if "content-length" in headers:
            return status, headers, self._take(int(headers["content-length"]))
        body = self.buf
        while True:
            try:
                self._fill()
            except EOFError:
                break
        body, self.buf = self.buf, b""
        return status, headers, body


def http_get(port, path, headers=None, method="GET", body=b"", timeout=5.0):
    s = connect(port, timeout)
    h = {"Host": "127.0.0.1:%d" % port, "Connection": "close"}
    h.update(headers or {})
    if body:
        h["Content-Length"] = str(len(body))
    req = "%s %s HTTP/1.1\r\n" % (method, path) + "".join("%s: %s\r\n" % kv for kv in h.items()) + "\r\n"
    s.sendall(req.encode() + body)
    r = Reader(s, timeout).response(head_only=(method == "HEAD"))
    s.close()
    return r


def request(method, path, host="x", headers=(), body=b""):
    """Serialises one request (bytes)."""
    lines = ["%s %s HTTP/1.1" % (method, path), "Host: %s" % host]
    lines += ["%s: %s" % kv for kv in headers]
    if body and not any(k.lower() in ("content-length", "transfer-encoding") for k, _ in headers):
        lines.append("Content-Length: %d" % len(body))
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def error_json(body):
    j = json.loads(body)
    assert set(j) == {"error", "request_id"}, j
    assert j["request_id"], j
    return j


def check(cond, msg=""):
    if not cond:
        raise AssertionError(msg)


def run(cases, budget=60):
    """Runs the given case functions (names = test names); exits 0 when all pass."""
    global LARCH, TMP
    LARCH = os.path.abspath(sys.argv[1])
    TMP = tempfile.mkdtemp(prefix="larch-proxy-test-")
    only = sys.argv[2:]

    def on_alarm(signum, frame):
        raise TimeoutError("test script exceeded its %d s budget" % budget)

    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(budget)
    failed = 0
    try:
        for fn in cases:
            if only and fn.__name__ not in only:
                continue
            t0 = time.time()
            try:
                fn()
                finish_larchs()
                print("ok   %-40s %.2fs" % (fn.__name__, time.time() - t0), flush=True)
            except Exception:
                failed += 1
                print("FAIL %s" % fn.__name__, flush=True)
                traceback.print_exc()
            finally:
                cleanup()
    finally:
        signal.alarm(0)
        cleanup()
    print("%d failed" % failed if failed else "all passed")
    sys.exit(1 if failed else 0)


def finish_larchs():
    """Stops every larch of the case: each must drain and exit 0 (so leaks
    found by LeakSanitizer fail the case) with no sanitizer report logged."""
    while _larchs:
        lx = _larchs.pop()
        rc = lx.stop() if lx.proc.poll() is None else lx.proc.returncode
        log = lx.logtext()
        check("Sanitizer" not in log and "runtime error" not in log, log[-3000:])
        check(rc == 0, "larch exited with %s:\n%s" % (rc, log[-3000:]))


def cleanup():
    _larchs.clear()
    while _procs:
        p = _procs.pop()
        if p.poll() is None:
            p.kill()
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            pass
