#!/usr/bin/env python3
"""test_tls.py — TLS termination (curl, openssl s_client: TLS 1.2 and 1.3,
ALPN http/1.1, old protocols refused), client certificates (accepted,
missing, signed by another CA) and TLS to the upstream (nginx with a
certificate, verified against --upstream-ca). Certificates are generated at
test time with openssl."""
import os
import subprocess

import harness as H
from harness import check


def sh(*args, input=None, timeout=10):
    return subprocess.run(args, input=input, capture_output=True, timeout=timeout)


def make_ca(name):
    d = H.TMP
    key, crt = os.path.join(d, name + ".key"), os.path.join(d, name + ".crt")
    r = sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
           "-nodes", "-keyout", key, "-out", crt, "-days", "2", "-subj", "/CN=%s" % name)
    check(r.returncode == 0, r.stderr)
    return key, crt


def make_cert(ca, name, ext):
    d = H.TMP
    key, csr, crt = (os.path.join(d, name + s) for s in (".key", ".csr", ".crt"))
    extf = os.path.join(d, name + ".ext")
    with open(extf, "w") as f:
        f.write(ext)
    r = sh("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
           "-keyout", key, "-out", csr, "-subj", "/CN=%s" % name)
    check(r.returncode == 0, r.stderr)
    r = sh("openssl", "x509", "-req", "-in", csr, "-CA", ca[1], "-CAkey", ca[0], "-CAcreateserial",
           "-out", crt, "-days", "2", "-extfile", extf)
    check(r.returncode == 0, r.stderr)
    return key, crt


def pki():
    ca = make_ca("test-ca")
    other = make_ca("other-ca")
    server = make_cert(ca, "localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    client = make_cert(ca, "agent-7", "subjectAltName=URI:spiffe://larch.test/agent-7\n"
                                      "extendedKeyUsage=clientAuth\n")
    rogue = make_cert(other, "rogue", "extendedKeyUsage=clientAuth\n")
    return ca, server, client, rogue


def curl(lx, *extra):
    return sh("curl", "-sS", "-v", "--max-time", "5", *extra, "https://127.0.0.1:%d/echo" % lx.port)


def s_client(lx, *extra):
    return sh("openssl", "s_client", "-connect", "127.0.0.1:%d" % lx.port, "-ign_eof", *extra,
              input=b"GET /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")


def test_tls_termination():
    ca, server, client, rogue = pki()
    up = H.start_upstream()
    lx = H.Larch("http://127.0.0.1:%d" % up, "--tls-cert", server[1], "--tls-key", server[0])
    r = curl(lx, "--cacert", ca[1])
    out = r.stdout.decode()
    check(r.returncode == 0 and '"x-forwarded-proto", "https"' in out.lower(), r.stderr[-800:])
    check(b"ALPN: server accepted http/1.1" in r.stderr, r.stderr[-800:])
    for proto, want in (("-tls1_2", b"TLSv1.2"), ("-tls1_3", b"TLSv1.3")):
        r = s_client(lx, proto, "-alpn", "http/1.1", "-CAfile", ca[1])
        check(want in r.stdout and b"HTTP/1.1 200" in r.stdout, (proto, r.stdout[-600:]))
        check(b"ALPN protocol: http/1.1" in r.stdout, r.stdout[-600:])
        check(b"unexpected eof" not in r.stderr, "close_notify expected: %r" % r.stderr[-300:])
    r = s_client(lx, "-tls1_1", "-CAfile", ca[1])
    check(b"HTTP/1.1 200" not in r.stdout, "TLS 1.1 must be refused")
    # Certificate not trusted by the client: curl refuses.
    check(curl(lx).returncode != 0)
    # Plain HTTP on the TLS port gets nothing useful and is closed.
    s = H.connect(lx.port)
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    data, closed = H.read_all(s, 3)
    check(closed and b"HTTP/1.1 200" not in data)
    check(lx.stop() == 0)


def test_client_certificates():
    ca, server, client, rogue = pki()
    up = H.start_upstream()
    lx = H.Larch("http://127.0.0.1:%d" % up, "--tls-cert", server[1], "--tls-key", server[0],
                 "--tls-client-ca", ca[1])
    r = curl(lx, "--cacert", ca[1], "--cert", client[1], "--key", client[0])
    check(r.returncode == 0 and b'"body_len": 0' in r.stdout, r.stderr[-800:])
    r = curl(lx, "--cacert", ca[1])
    check(r.returncode != 0, "no client certificate must be refused")
    r = curl(lx, "--cacert", ca[1], "--cert", rogue[1], "--key", rogue[0])
    check(r.returncode != 0, "a certificate from another CA must be refused")
    r = s_client(lx, "-CAfile", ca[1], "-cert", rogue[1], "-key", rogue[0])
    check(b"HTTP/1.1 200" not in r.stdout, r.stdout[-300:])
    r = s_client(lx, "-CAfile", ca[1], "-cert", client[1], "-key", client[0])
    check(b"HTTP/1.1 200" in r.stdout, r.stderr[-600:])


def test_upstream_tls():
    ca, server, client, rogue = pki()
    ng = H.start_nginx()
    tls_port = H.free_port()
    ng2 = H.start_nginx("keepalive_timeout 300s;\n  server {\n    listen 127.0.0.1:%d ssl;\n"
                        "    ssl_protocols TLSv1.2 TLSv1.3;\n    ssl_certificate %s;\n    ssl_certificate_key %s;\n"
                        "    location / { return 200 \"tls ok $ssl_protocol $ssl_server_name\\n\"; }\n  }"
                        % (tls_port, server[1], server[0]))
    H.wait_port(tls_port)
    lx = H.Larch("https://localhost:%d" % tls_port, "--upstream-ca", ca[1])
    st, hd, body = H.http_get(lx.port, "/x")
    check(st == 200 and body.startswith(b"tls ok TLSv1.3 localhost"), body)
    st, hd, body = H.http_get(lx.port, "/y")
    check(st == 200)
    check("larch_upstream_connections 1\n" in lx.metrics(), "TLS upstream connection reused")
    # Another CA: the upstream certificate does not verify → 502, counted as tls.
    lx2 = H.Larch("https://localhost:%d" % tls_port, "--upstream-ca", rogue[1])
    st, hd, body = H.http_get(lx2.port, "/x")
    check(st == 502, st)
    check('larch_upstream_errors_total{kind="tls"} 1' in lx2.metrics(), lx2.metrics())
    # Right CA, wrong name: refused too.
    lx3 = H.Larch("https://127.0.0.2:%d" % tls_port, "--upstream-ca", ca[1], wait=False)
    H.wait_port(lx3.port, proc=lx3.proc)
    st, hd, body = H.http_get(lx3.port, "/x")
    check(st == 502, "host name must match the certificate (%d)" % st)
    del ng, ng2


if __name__ == "__main__":
    H.run([test_tls_termination, test_client_certificates, test_upstream_tls])
