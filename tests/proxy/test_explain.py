#!/usr/bin/env python3
"""test_explain.py — `larch explain` on the bundled rules, compared with golden
files in tests/proxy/golden/explain/ (exit status and whole output).

    test_explain.py LARCH            run
    test_explain.py LARCH --update   rewrite the golden files (review the diff!)
"""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
GOLDEN = os.path.join(HERE, "golden", "explain")
CTX = '"pii":[],"session":"s-1","client":{"ip":"10.0.0.5","port":50000},"time":{"hour":10,"weekday":2}'

CASES = {
    # name: (arguments after --policies rules --entities rules/entities.json, exit status)
    "refund_over_1000_denied": (["--principal", 'User::"sam"', "--action", 'Action::"tools/call"',
                                 "--resource", 'Tool::"payments.refund"',
                                 "--context", '{"args":{"amount":250000},%s}' % CTX], 2),
    "refund_by_manager_allowed": (["--principal", 'User::"maria"', "--action", 'Action::"tools/call"',
                                   "--resource", 'Tool::"payments.refund"',
                                   "--context", '{"args":{"amount":250000},%s}' % CTX], 0),
    "push_to_main_request_json": (["--request-json",
                                   '{"principal":"User::\\"bob\\"","action":"Action::\\"tools/call\\"",'
                                   '"resource":"Tool::\\"git.push\\"","context":{"args":{"branch":"main"},%s}}'
                                   % CTX], 2),
    "missing_pii_errors": (["--principal", 'User::"alice"', "--action", 'Action::"tools/call"',
                            "--resource", 'Tool::"search"',
                            "--context", '{"args":{"query":"x"},"time":{"hour":10,"weekday":2}}'], 0),
    "select_only_refuses_drop": (["--principal", 'User::"alice"', "--action", 'Action::"tools/call"',
                                  "--resource", 'Tool::"db.query"',
                                  "--context", '{"args":{"sql":"SELECT 1; DROP TABLE t"},%s}' % CTX], 2),
}


def run(larch, args):
    cmd = [larch, "explain", "--policies", "rules", "--entities", "rules/entities.json"] + args
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout + p.stderr


def main():
    larch, update = sys.argv[1], "--update" in sys.argv[2:]
    failed = 0
    for name, (args, want_rc) in sorted(CASES.items()):
        rc, out = run(larch, args)
        path = os.path.join(GOLDEN, name + ".txt")
        if update:
            with open(path, "w") as f:
                f.write(out)
        golden = open(path).read() if os.path.exists(path) else None
        if rc != want_rc or out != golden:
            failed += 1
            print("FAIL %s: exit %d (want %d)\n--- got\n%s--- golden\n%s" % (name, rc, want_rc, out, golden))
        else:
            print("ok   %s" % name)
    # Usage errors: exit 1 and a message naming the problem.
    rc, out = run(larch, ["--principal", 'User::"a"'])
    if rc != 1 or "--request-json" not in out:
        failed += 1
        print("FAIL usage: %d %s" % (rc, out))
    rc, out = run(larch, ["--request-json", "{"])
    if rc != 1 or "--request-json" not in out:
        failed += 1
        print("FAIL bad json: %d %s" % (rc, out))
    # Template links (--links, as in larch authorize): the slot values are shown.
    tpl = os.path.join(HERE, "golden", "explain", "template")
    p = subprocess.run([larch, "explain", "--policies", os.path.join(tpl, "t.cedar"), "--links",
                        os.path.join(tpl, "links.json"), "--principal", 'User::"alice"', "--action",
                        'Action::"view"', "--resource", 'Album::"b"'], capture_output=True, text=True,
                       timeout=30)
    want = ('  link of template policy0: ?principal = User::"alice", ?resource = Album::"a"\n'
            '  does not apply: the resource scope does not match\n')
    if p.returncode != 2 or want not in p.stdout or "alice-photos permit" not in p.stdout:
        failed += 1
        print("FAIL template link: %d\n%s%s" % (p.returncode, p.stdout, p.stderr))
    print("%d failed" % failed if failed else "all passed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
