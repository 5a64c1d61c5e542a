#!/usr/bin/env python3
"""test_quickstart.py — the README quickstart, as a new user runs it: start
what `make run` starts (scripts/run-demo.sh: demo upstream + larch on the
bundled rules), run scripts/quickstart.sh against it (every curl line with the
answer it must give), and check README.md shows exactly those curl lines.
Then Ctrl-C (SIGINT to the script) must stop both processes."""
import json
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as H

ROOT = os.path.normpath(os.path.join(H.HERE, "..", ".."))


def readme_lines_match():
    """Every curl line of quickstart.sh appears verbatim in README.md (with the
    default addresses)."""
    script = open(os.path.join(ROOT, "scripts", "quickstart.sh")).read()
    readme = open(os.path.join(ROOT, "README.md")).read()
    lines = re.findall(r"^got=\$\((curl .*)\)$", script, re.M)
    H.check(len(lines) >= 8, lines)
    for line in lines:
        line = line.replace("$URL", "http://127.0.0.1:8080").replace("$ADMIN", "http://127.0.0.1:9901")
        line = re.sub(r" \| grep .*", "", line) if "metrics" in line else line
        H.check(line in readme, "README.md lacks the quickstart line:\n" + line)


def test_quickstart():
    readme_lines_match()
    port, admin, up = H.free_port(), H.free_port(), H.free_port()
    env = dict(os.environ, LARCH=H.LARCH, LARCH_DEMO_LISTEN="127.0.0.1:%d" % port,
               LARCH_DEMO_ADMIN="127.0.0.1:%d" % admin, LARCH_DEMO_UPSTREAM="127.0.0.1:%d" % up,
               LARCH_DEMO_DECISION_LOG=os.path.join(H.TMP, "decisions.log"))
    log = open(os.path.join(H.TMP, "run-demo.log"), "w")
    # Its own process group, like a terminal's: Ctrl-C reaches every process.
    demo = subprocess.Popen([os.path.join(ROOT, "scripts", "run-demo.sh")], env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    H._procs.append(demo)
    deadline = time.time() + 15
    while time.time() < deadline:
        try:
            if H.http_get(admin, "/readyz")[0] == 200:
                break
        except OSError:
            pass
        H.check(demo.poll() is None, open(log.name).read())
        time.sleep(0.1)
    time.sleep(0.3)  # the banner follows readiness
    banner = open(log.name).read()
    H.check("http://127.0.0.1:%d/mcp" % port in banner and "Ctrl-C" in banner, banner)
    q = subprocess.run([os.path.join(ROOT, "scripts", "quickstart.sh")], capture_output=True, text=True,
                       timeout=60, env=dict(os.environ, LARCH_URL="http://127.0.0.1:%d" % port,
                                            LARCH_ADMIN_URL="http://127.0.0.1:%d" % admin))
    print(q.stdout.strip())
    H.check(q.returncode == 0, q.stdout + q.stderr)
    os.killpg(demo.pid, signal.SIGINT)
    demo.wait(15)
    for p in (port, up):
        try:
            H.connect(p, 0.5).close()
            H.check(False, "port %d still open after Ctrl-C" % p)
        except OSError:
            pass
    lines = open(os.path.join(H.TMP, "decisions.log")).read().splitlines()
    # One line per request through larch (7; the metrics scrape is the admin API).
    decisions = [json.loads(l)["decision"] for l in lines]
    H.check(decisions == ["allow", "allow", "deny", "deny", "deny", "allow", "deny"], decisions)


if __name__ == "__main__":
    H.run([test_quickstart], budget=90)
