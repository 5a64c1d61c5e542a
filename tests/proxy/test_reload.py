#!/usr/bin/env python3
"""test_reload.py — atomic policy reload in `larch serve` (DESIGN §6):

- a broken policy file is refused (POST /reload 422 with file:line:col), the
  running set stays in force (a request it allows is still allowed), and
  GET /policies reports the error and still lists the old policies and files;
- the file watch reloads on its own when a policy file changes;
- under load (wrk) 50 reloads (POST /reload and SIGHUP in turn) alternating
  two valid policy sets cause zero failed requests (no non-2xx answer, no
  socket error) and RSS stays flat.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as H
from demo import Demo, body_json, req

SET_A = """@id("readers-get")
permit (principal, action == Action::"GET", resource);
"""
SET_B = """@id("readers-get-b")
permit (principal, action in [Action::"GET", Action::"HEAD"], resource);
@id("no-post")
forbid (principal, action == Action::"POST", resource);
"""
BROKEN = """@id("oops")
permit (principal, action resource);
"""


def policy_dir(text):
    d = os.path.join(H.TMP, "policies-%d" % H.free_port())
    os.mkdir(d)
    with open(os.path.join(d, "main.cedar"), "w") as f:
        f.write(text)
    return d


def write_atomic(path, text):
    """Replaces path the way editors and ConfigMaps do (rename over it)."""
    tmp = path + ".tmp~"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


def policies(lx):
    return body_json(req(lx.admin, "/policies"))


def start(demo, pdir, *extra):
    return H.Larch(demo.url, "--protocol", "rest", "--policies", pdir, *extra)


def test_broken_file_keeps_old_set():
    demo = Demo()
    pdir = policy_dir(SET_A)
    lx = start(demo, pdir, "--watch", "off")
    H.check(req(lx.port, "/v1/orders")["status"] == 200)
    H.check(req(lx.port, "/v1/orders", method="DELETE")["status"] == 403, "A allows GET only")
    before = policies(lx)
    H.check([p["id"] for p in before["policies"]] == ["readers-get"], before)
    H.check(before["last_reload_error"] is None and before["files"][0]["sha256"], before)
    with open(os.path.join(pdir, "zz-broken.cedar"), "w") as f:
        f.write(BROKEN)
    r = req(lx.admin, "/reload", method="POST")
    H.check(r["status"] == 422, r)
    err = body_json(r)["error"]
    H.check(re.search(r"zz-broken\.cedar:2:27: error", err), err)
    H.check(req(lx.port, "/v1/orders")["status"] == 200, "the old set is still in force")
    after = policies(lx)
    H.check(re.search(r"zz-broken\.cedar:2:27", after["last_reload_error"]), after)
    H.check([p["id"] for p in after["policies"]] == ["readers-get"], after)
    H.check(after["files"] == before["files"], "files in force are the old ones")
    H.check(after["reload_failures"] == 1, after)
    m = lx.metrics()
    H.check("larch_reload_failures_total 1" in m, m)
    # SIGHUP reports the same in the log.
    lx.proc.send_signal(1)
    deadline = time.time() + 5
    while "larch_reload_failures_total 2" not in lx.metrics() and time.time() < deadline:
        time.sleep(0.05)
    H.check("zz-broken.cedar:2:27" in lx.logtext(), lx.logtext())
    # Fixed: the next reload takes the new set.
    os.unlink(os.path.join(pdir, "zz-broken.cedar"))
    write_atomic(os.path.join(pdir, "main.cedar"), SET_B)
    r = req(lx.admin, "/reload", method="POST")
    H.check(r["status"] == 200, r)
    now = policies(lx)
    H.check(now["last_reload_error"] is None, now)
    H.check([p["id"] for p in now["policies"]] == ["readers-get-b", "no-post"], now)
    H.check(now["files"][0]["sha256"] != before["files"][0]["sha256"], now)


def test_broken_key_file_keeps_new_policies_out():
    """Policies and API keys reload together: a broken key file refuses the
    whole reload, even when the policy change beside it is fine."""
    demo = Demo()
    pdir = policy_dir(SET_A)
    keys = os.path.join(H.TMP, "keys.json")
    good = '[{"key_sha256": "%s", "principal": "User::\\"rita\\""}]' % ("ab" * 32)
    with open(keys, "w") as f:
        f.write(good)
    lx = start(demo, pdir, "--watch", "off", "--api-keys", keys)
    write_atomic(os.path.join(pdir, "main.cedar"), SET_B)
    write_atomic(keys, '[{"key_sha256": "nope"}]')
    r = req(lx.admin, "/reload", method="POST")
    H.check(r["status"] == 422 and "keys.json" in body_json(r)["error"], r)
    H.check([p["id"] for p in policies(lx)["policies"]] == ["readers-get"], "set A still in force")
    H.check(req(lx.port, "/v1/orders", method="HEAD")["status"] == 403, "B's HEAD permit not in force")
    write_atomic(keys, good)
    H.check(req(lx.admin, "/reload", method="POST")["status"] == 200)
    H.check([p["id"] for p in policies(lx)["policies"]] == ["readers-get-b", "no-post"], policies(lx))


def test_file_watch_reloads():
    demo = Demo()
    pdir = policy_dir(SET_A)
    lx = start(demo, pdir)
    H.check(req(lx.port, "/v1/orders", method="HEAD")["status"] == 403, "A: GET only")
    write_atomic(os.path.join(pdir, "main.cedar"), SET_B)
    deadline = time.time() + 5
    while req(lx.port, "/v1/orders", method="HEAD")["status"] != 200 and time.time() < deadline:
        time.sleep(0.05)
    H.check(req(lx.port, "/v1/orders", method="HEAD")["status"] == 200, lx.logtext())
    H.check("files changed: reload done" in lx.logtext(), lx.logtext())
    # A folder created later is watched too: a policy file written in it counts.
    sub = os.path.join(pdir, "team")
    os.mkdir(sub)
    time.sleep(0.4)  # the folder's own event settles (a reload of the same set)
    write_atomic(os.path.join(sub, "deny-head.cedar"),
                 '@id("no-head")\nforbid (principal, action == Action::"HEAD", resource);\n')
    deadline = time.time() + 5
    while req(lx.port, "/v1/orders", method="HEAD")["status"] != 403 and time.time() < deadline:
        time.sleep(0.05)
    H.check(req(lx.port, "/v1/orders", method="HEAD")["status"] == 403, lx.logtext())
    H.check("no-head" in [p["id"] for p in policies(lx)["policies"]], policies(lx))


def wrk(port, seconds, out):
    p = subprocess.run(["wrk", "-t1", "-c8", "-d%ds" % seconds, "--timeout", "5s",
                        "http://127.0.0.1:%d/v1/orders" % port],
                       capture_output=True, text=True, timeout=seconds + 30)
    out["text"] = p.stdout + p.stderr


def test_reload_under_load():
    demo = Demo()
    pdir = policy_dir(SET_A)
    log = os.path.join(H.TMP, "decisions.log")
    lx = start(demo, pdir, "--watch", "off", "--decision-log", log)
    # Warm up (connections, pools, arenas, a few reloads) before the baseline.
    warm = {}
    wrk(lx.port, 1, warm)
    for text in (SET_B, SET_A):
        write_atomic(os.path.join(pdir, "main.cedar"), text)
        H.check(req(lx.admin, "/reload", method="POST")["status"] == 200)
    rss0 = lx.rss_kib()
    reloads0 = policies(lx)["reloads"]
    res = {}
    t = threading.Thread(target=wrk, args=(lx.port, 8, res))
    t.start()
    time.sleep(0.5)
    codes = []
    for i in range(50):
        write_atomic(os.path.join(pdir, "main.cedar"), SET_B if i % 2 == 0 else SET_A)
        if i % 2 == 0:  # POST /reload and SIGHUP in turn
            codes.append(req(lx.admin, "/reload", method="POST")["status"])
        else:
            want = policies(lx)["reloads"] + 1
            lx.proc.send_signal(1)
            deadline = time.time() + 5
            while policies(lx)["reloads"] < want and time.time() < deadline:
                time.sleep(0.01)
            codes.append(200 if policies(lx)["reloads"] == want else 0)
        time.sleep(0.1)
    t.join()
    text = res.get("text", "")
    rss1 = lx.rss_kib()
    p = policies(lx)
    print("wrk:\n" + text.strip())
    print("reloads: %d during load, RSS %d -> %d KiB" % (p["reloads"] - reloads0, rss0, rss1))
    H.check(codes == [200] * 50, codes)
    H.check(p["reloads"] - reloads0 == 50, p)
    m = re.search(r"(\d+) requests in", text)
    H.check(m and int(m.group(1)) > 500, "too few requests:\n" + text)
    H.check("Non-2xx" not in text, "failed requests during reloads:\n" + text)
    H.check("Socket errors" not in text, "socket errors during reloads:\n" + text)
    H.check(rss1 - rss0 < 8 * 1024, "RSS grew %d KiB over 50 reloads" % (rss1 - rss0))
    # Every request of the run was decided by one of the two sets.
    ids = set()
    with open(log) as f:
        for line in f:
            j = json.loads(line)
            ids.update(x["id"] for x in j["policies"])
    H.check(ids == {"readers-get", "readers-get-b"}, ids)


if __name__ == "__main__":
    if not shutil.which("wrk"):
        print("wrk not installed (Debian package wrk)")
        sys.exit(1)
    H.run([test_broken_file_keeps_old_set, test_broken_key_file_keeps_new_policies_out,
           test_file_watch_reloads, test_reload_under_load],
          budget=100)
