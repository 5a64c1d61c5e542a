"""demo.py — helpers for tests that talk to `larch demo-upstream` (directly or
through larch): start it, send MCP JSON-RPC messages, read answers as dicts."""
import json
import subprocess

import harness as H


def req(port, path, headers=None, method="GET", body=b""):
    """One request on a fresh connection: {"status", "headers", "body"}."""
    status, headers, body = H.http_get(port, path, headers, method, body)
    return {"status": status, "headers": headers, "body": body}


class Demo:
    """A running `larch demo-upstream` on a free port (killed by harness cleanup)."""

    def __init__(self):
        self.port = H.free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.proc = subprocess.Popen([H.LARCH, "demo-upstream", "--listen", "127.0.0.1:%d" % self.port],
                                     stderr=subprocess.DEVNULL)
        H._procs.append(self.proc)
        H.wait_port(self.port, proc=self.proc)


def rpc(port, method, params=None, id=1, accept=None, headers=None, path="/mcp"):
    """POSTs one JSON-RPC message (id None: a notification)."""
    msg = {"jsonrpc": "2.0", "method": method}
    if id is not None:
        msg["id"] = id
    if params is not None:
        msg["params"] = params
    h = {"Content-Type": "application/json"}
    if accept:
        h["Accept"] = accept
    h.update(headers or {})
    return req(port, path, h, "POST", json.dumps(msg).encode())


def body_json(r):
    return json.loads(r["body"])
