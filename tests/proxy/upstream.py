#!/usr/bin/env python3
"""upstream.py — a small HTTP/1.1 origin for the proxy integration tests.

It covers what nginx cannot express: slow answers, resets mid-response,
Server-Sent Events with pauses, echoing what arrived (headers, body digest).
Raw sockets, one thread per connection, keep-alive. Usage:

    upstream.py PORT            (prints "ready" on stdout once listening)

Paths:
  /echo        200 JSON {method, path, headers, body_len, body_sha256, body (<=4 KiB)}
  /chunked     200 chunked answer in 5 pieces ("part0".."part4")
  /eof         200 without length, delimited by closing the connection
  /big?n=N     200 with N bytes (Content-Length)
  /sse?n=N&gap=S&ping=S   text/event-stream: N events S seconds apart, ": ping"
               comments every `ping` seconds in between; each event carries
               the upstream's send time
  /slow?d=S    sleeps S seconds before answering
  /reset       sends a head announcing 1000 bytes, 10 of them, then RST
  /drop        closes without answering
  /status?c=N  answers status N with a tiny body
"""
import hashlib
import json
import socket
import struct
import sys
import threading
import time
from urllib.parse import urlsplit, parse_qs


def read_head(sock, buf):
    while b"\r\n\r\n" not in buf:
        data = sock.recv(65536)
        if not data:
            return None, buf
        buf += data
    head, rest = buf.split(b"\r\n\r\n", 1)
    return head, rest


def read_body(sock, headers, rest, sink):
    """Reads the body (Content-Length or chunked); calls sink(bytes); returns leftover."""
    te = headers.get("transfer-encoding", "").lower()
    if te == "chunked":
        buf = rest
        while True:
            while b"\r\n" not in buf:
                d = sock.recv(65536)
                if not d:
                    raise EOFError
                buf += d
            line, buf = buf.split(b"\r\n", 1)
            size = int(line.split(b";")[0], 16)
            if size == 0:
                while b"\r\n" not in buf:
                    d = sock.recv(65536)
                    if not d:
                        raise EOFError
                    buf += d
                # skip trailers until empty line
                while not buf.startswith(b"\r\n"):
                    _, buf = buf.split(b"\r\n", 1)
                    while b"\r\n" not in buf:
                        buf += sock.recv(65536)
                return buf[2:]
            while len(buf) < size + 2:
                d = sock.recv(65536)
                if not d:
                    raise EOFError
                buf += d
            sink(buf[:size])
            buf = buf[size + 2:]
    n = int(headers.get("content-length", "0"))
    got = rest[:n]
    sink(got)
    left = n - len(got)
    rest = rest[n:]
    while left > 0:
        d = sock.recv(min(left, 1 << 20))
        if not d:
            raise EOFError
        sink(d)
        left -= len(d)
    return rest


def send(sock, status, body, ctype="text/plain", extra=""):
    head = "HTTP/1.1 %d X\r\nContent-Type: %s\r\nContent-Length: %d\r\n%s\r\n" % (
        status, ctype, len(body), extra)
    sock.sendall(head.encode() + body)


def handle(sock):
    buf = b""
    while True:
        head, buf = read_head(sock, buf)
        if head is None:
            return
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        hdrs, pairs = {}, []
        for l in lines[1:]:
            k, v = l.split(":", 1)
            hdrs[k.strip().lower()] = v.strip()
            pairs.append([k.strip(), v.strip()])
        h = hashlib.sha256()
        keep = []
        count = [0]

        def sink(b):
            h.update(b)
            count[0] += len(b)
            if sum(map(len, keep)) < 4096:
                keep.append(b)

        buf = read_body(sock, hdrs, buf, sink)
        u = urlsplit(target)
        q = {k: v[0] for k, v in parse_qs(u.query).items()}
        path = u.path
        if path == "/echo":
            body = json.dumps({"method": method, "path": target, "headers": pairs,
                               "body_len": count[0], "body_sha256": h.hexdigest(),
                               "body": b"".join(keep)[:4096].decode("latin-1")}).encode()
            send(sock, 200, body, "application/json")
        elif path == "/chunked":
            sock.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            for i in range(5):
                p = ("part%d" % i).encode()
                sock.sendall(b"%x\r\n%s\r\n" % (len(p), p))
                time.sleep(0.01)
            sock.sendall(b"0\r\n\r\n")
        elif path == "/eof":
            sock.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil-the-end")
            sock.close()
            return
        elif path == "/big":
            n = int(q.get("n", "1000"))
            sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % n)
            if method == "HEAD":
                n = 0  # a HEAD answer has no body
            chunk = b"x" * 65536
            while n > 0:
                k = min(n, len(chunk))
                sock.sendall(chunk[:k])
                n -= k
        elif path == "/sse":
            n, gap, ping = int(q.get("n", "3")), float(q.get("gap", "0.3")), float(q.get("ping", "0"))
            sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                         b"Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n")
            for i in range(n):
                ev = ("id: %d\ndata: {\"i\": %d, \"t\": %.6f}\n\n" % (i, i, time.time())).encode()
                sock.sendall(b"%x\r\n%s\r\n" % (len(ev), ev))
                if i + 1 < n:
                    end = time.time() + gap
                    while ping and time.time() + ping < end:
                        time.sleep(ping)
                        c = b": ping\n\n"
                        sock.sendall(b"%x\r\n%s\r\n" % (len(c), c))
                    time.sleep(max(0, end - time.time()))
            sock.sendall(b"0\r\n\r\n")
        elif path == "/slow":
            time.sleep(float(q.get("d", "3")))
            send(sock, 200, b"slow")
        elif path == "/reset":
            sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789")
            time.sleep(0.05)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
            return
        elif path == "/drop":
            sock.close()
            return
        elif path == "/status":
            send(sock, int(q.get("c", "200")), b"status")
        else:
            send(sock, 404, b"no such path")
        if hdrs.get("connection", "").lower() == "close":
            sock.close()
            return


def serve(sock):
    try:
        handle(sock)
    except (OSError, EOFError, ValueError):
        pass
    finally:
        try:
            sock.close()
        except OSError:
            pass


def main():
    port = int(sys.argv[1])
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(1024)
    print("ready", flush=True)
    while True:
        s, _ = ls.accept()
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=serve, args=(s,), daemon=True).start()


if __name__ == "__main__":
    main()
