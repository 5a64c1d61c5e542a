#!/usr/bin/env python3
"""test_pipeline.py — the request pipeline end to end (tests/proxy/
stage_server.c puts test stages behind the inspect stage): answers from
on_head and on_request never reach the upstream, a stage's rewritten body is
forwarded with a fresh Content-Length, the TLS client identity reaches the
stages."""
import json
import os

import harness as H
from harness import check
import test_tls

STAGE_SERVER = os.environ.get("STAGE_SERVER")


def server(up, *args):
    return H.Larch("http://127.0.0.1:%d" % up, *args, binary=STAGE_SERVER)


def test_answers_and_rewrites():
    up = H.start_upstream()
    lx = server(up)
    s = H.connect(lx.port)
    r = H.Reader(s)
    # on_head answer, no body: the connection stays usable.
    s.sendall(H.request("GET", "/deny-head"))
    st, hd, body = r.response()
    check(st == 403 and json.loads(body)["error"] == "denied at head" and "connection" not in hd)
    # on_request answer on a buffered JSON body.
    s.sendall(H.request("POST", "/echo", headers=[("Content-Type", "application/json")],
                        body=b'{"cmd": "deny-me"}'))
    st, hd, body = r.response()
    j = json.loads(body)
    check(st == 403 and j["request_id"] == hd["x-request-id"], (st, body))
    # A rewritten body goes upstream with its new length.
    s.sendall(H.request("POST", "/echo", headers=[("Content-Type", "application/json")],
                        body=b'{"a": "secret", "b": "secret"}'))
    st, hd, body = r.response()
    j = json.loads(body)
    want = '{"a": "[MASKED]", "b": "[MASKED]"}'
    check(st == 200 and j["body"] == want, j)
    check([v for k, v in j["headers"] if k.lower() == "content-length"] == [str(len(want))], j)
    # A streamed (non-JSON) body is not seen by on_request and goes unchanged.
    s.sendall(H.request("POST", "/echo", headers=[("Content-Type", "text/plain")], body=b"secret"))
    check(json.loads(r.response()[2])["body"] == "secret")
    # on_head answer while a body is on its way: answered, then closed.
    s.sendall(H.request("POST", "/deny-head", headers=[("Content-Length", "100000"),
                                                        ("Content-Type", "text/plain")]))
    data, closed = H.read_all(s, 3)
    check(data.startswith(b"HTTP/1.1 403") and b"Connection: close" in data and closed, data[:200])
    m = lx.metrics()
    check('class="4xx"} 3' in m and 'class="2xx"} 2' in m, m)


def test_pending_stage():
    """A stage answering later (LR_STAGE_PENDING): the request waits, then
    goes upstream or is answered; keep-alive and pipelining survive; a
    pending verdict on a streamed body fails closed; a client leaving while
    a verdict is pending costs nothing."""
    up = H.start_upstream()
    lx = server(up)
    s = H.connect(lx.port)
    r = H.Reader(s)
    s.sendall(H.request("GET", "/echo?wait=ok"))
    st, hd, body = r.response()
    check(st == 200 and json.loads(body)["path"] == "/echo?wait=ok", (st, body))
    s.sendall(H.request("GET", "/echo?wait=deny"))
    st, hd, body = r.response()
    check(st == 429 and b"waited" in body and "connection" not in hd, (st, hd, body))
    # Two pipelined requests, the first one waiting: answered in order.
    s.sendall(H.request("POST", "/echo?wait=ok", headers=[("Content-Type", "application/json")],
                        body=b'{"n": 1}') + H.request("GET", "/echo?plain"))
    st1, _, b1 = r.response()
    st2, _, b2 = r.response()
    check(st1 == 200 and json.loads(b1)["body"] == '{"n": 1}', b1)
    check(st2 == 200 and json.loads(b2)["path"] == "/echo?plain", b2)
    # Pending on a streamed body: 500, the upstream never sees it.
    s2 = H.connect(lx.port)
    s2.sendall(H.request("POST", "/echo?wait=stream", headers=[("Content-Type", "text/plain")],
                         body=b"abc"))
    data, _ = H.read_all(s2, 3)
    check(data.startswith(b"HTTP/1.1 500"), data[:100])
    # Client gone while pending: the server stays healthy.
    s3 = H.connect(lx.port)
    s3.sendall(H.request("GET", "/echo?wait=ok"))
    s3.close()
    import time
    time.sleep(0.1)
    st, _, body = H.http_get(lx.port, "/echo?wait=ok")
    check(st == 200, (st, body))


def test_response_inspection():
    up = H.start_upstream()
    lx = server(up)
    s = H.connect(lx.port)
    r = H.Reader(s)
    # A chunked answer buffered whole, rewritten, sent with a Content-Length.
    s.sendall(H.request("GET", "/chunked?filter=1"))
    st, hd, body = r.response()
    check(st == 200 and body == b"PART0PART1PART2PART3PART4" and hd.get("content-length") == "25",
          (hd, body))
    s.sendall(H.request("GET", "/chunked"))
    check(r.response()[2] == b"part0part1part2part3part4", "no inspection asked: unchanged")
    # HEAD: nothing to inspect, the length passes.
    s.sendall(H.request("HEAD", "/big?n=100&filter=1"))
    st, hd, body = r.response(head_only=True)
    check(st == 200 and hd["content-length"] == "100")
    # SSE: event by event, each rewritten, none delayed.
    s.sendall(H.request("GET", "/sse?n=4&gap=0.25&filter=1"))
    import test_stream
    lags = []
    for t, data in test_stream.read_events(s, 5):
        check('"I": ' in data and '"i"' not in data, data)
        lags.append(t - float(data.split('"t": ')[1].split("}")[0]))
    check(len(lags) == 4 and max(lags) < 0.05, lags)
    s.close()
    # Too large to inspect: fail closed with 502, never passed on unseen.
    st, hd, body = H.http_get(lx.port, "/big?n=2000000&filter=1")
    check(st == 502 and "inspect" in H.error_json(body)["error"], (st, body))


def test_peer_identity():
    ca, srv, client, rogue = test_tls.pki()
    up = H.start_upstream()
    lx = server(up, "--tls-cert", srv[1], "--tls-key", srv[0], "--tls-client-ca", ca[1])
    r = test_tls.sh("curl", "-sS", "--max-time", "5", "--cacert", ca[1], "--cert", client[1],
                    "--key", client[0], "https://127.0.0.1:%d/whoami" % lx.port)
    check(r.returncode == 0 and json.loads(r.stdout) == {"peer": "spiffe://larch.test/agent-7"},
          r.stdout + r.stderr)
    plain = server(up)
    st, hd, body = H.http_get(plain.port, "/whoami")
    check(json.loads(body) == {"peer": None})


if __name__ == "__main__":
    check(STAGE_SERVER and os.path.exists(STAGE_SERVER), "STAGE_SERVER not set")
    H.run([test_answers_and_rewrites, test_pending_stage, test_response_inspection,
           test_peer_identity])
