#!/usr/bin/env python3
"""Independent probe set for larch PII/secret detectors (written from PII.md only).
Documents are lists of segments: plain str, or (type, value) for a labelled span.
Escaping (JSON once/twice) is applied per segment so offsets stay exact."""
import json, random, string, zlib, base64, sys

R = random.Random(20261124)
B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
ALNUM = string.ascii_letters + string.digits
B64 = ALNUM + "+/"
B64U = ALNUM + "-_"
HEX = "0123456789abcdef"

def rs(n, alpha=ALNUM): return "".join(R.choice(alpha) for _ in range(n))

# ---------------------------------------------------------------- segments
def L(t, v): return (t, v)
def esc1(s, slash=False, ascii_=False):
    e = json.dumps(s, ensure_ascii=ascii_)[1:-1]
    if slash: e = e.replace("/", "\\/")
    return e
def J(doc, **kw):
    """JSON-escape every segment once."""
    out = []
    for s in doc:
        if isinstance(s, tuple): out.append((s[0], esc1(s[1], **kw)))
        else: out.append(esc1(s, **kw))
    return out
def D(*parts):
    out = []
    for p in parts:
        if isinstance(p, list): out.extend(p)
        else: out.append(p)
    return out

RECORDS = []
def add(doc, tag=""):
    text = ""; spans = []; pos = 0
    for s in doc:
        if isinstance(s, tuple):
            t, v = s
            b = len(v.encode())
            spans.append({"start": pos, "end": pos + b, "type": t})
            text += v; pos += b
        else:
            text += s; pos += len(s.encode())
    RECORDS.append({"text": text, "spans": spans, "tag": tag})

# ---------------------------------------------------------------- values
def luhn_ok(d):
    s = 0
    for i, c in enumerate(reversed(d)):
        x = int(c)
        if i % 2: x *= 2; x -= 9 if x > 9 else 0
        s += x
    return s % 10 == 0
def luhn_complete(prefix, n):
    body = prefix + "".join(R.choice(string.digits) for _ in range(n - len(prefix) - 1))
    for c in string.digits:
        if luhn_ok(body + c): return body + c
def luhn_break(d):
    last = str((int(d[-1]) + 3) % 10)
    return d[:-1] + last

CARD_KINDS = [  # prefix choices, length, grouping
    (["4"], 16, [4, 4, 4, 4]),
    (["4"], 13, None),
    (["51", "52", "53", "54", "55"], 16, [4, 4, 4, 4]),
    (["2221", "2300", "2500", "2720"], 16, [4, 4, 4, 4]),
    (["34", "37"], 15, [4, 6, 5]),
    (["6011", "65", "644", "649"], 16, [4, 4, 4, 4]),
    (["3528", "3530", "3589"], 16, [4, 4, 4, 4]),
    (["36", "300", "305", "38"], 14, [4, 6, 4]),
    (["62"], 16, [4, 4, 4, 4]),
    (["62"], 19, None),
    (["4"], 19, None),
]
def card(kind=None):
    k = CARD_KINDS[kind if kind is not None else R.randrange(len(CARD_KINDS))]
    return luhn_complete(R.choice(k[0]), k[1]), k[2]
def group(d, g, sep):
    if not g or not sep: return d
    out, i = [], 0
    for n in g: out.append(d[i:i + n]); i += n
    return sep.join(out)

IBAN_FMT = {  # country: BBAN spec as list of (count, class) n=digit a=upper c=alnum
    "DE": [(18, "n")], "GB": [(4, "a"), (14, "n")], "FR": [(10, "n"), (11, "c"), (2, "n")],
    "ES": [(20, "n")], "IT": [(1, "a"), (10, "n"), (12, "c")], "NL": [(4, "a"), (10, "n")],
    "BE": [(12, "n")], "CH": [(5, "n"), (12, "c")], "AT": [(16, "n")], "PL": [(24, "n")],
    "PT": [(21, "n")], "IE": [(4, "a"), (14, "n")], "SE": [(20, "n")], "NO": [(11, "n")],
    "DK": [(14, "n")], "FI": [(14, "n")], "LU": [(3, "n"), (13, "c")], "SA": [(2, "n"), (18, "c")],
    "AE": [(19, "n")], "TR": [(5, "n"), (1, "n"), (16, "c")], "BR": [(23, "n"), (1, "a"), (1, "c")],
    "MT": [(4, "a"), (5, "n"), (18, "c")], "CZ": [(20, "n")], "HU": [(24, "n")], "RO": [(4, "a"), (16, "c")],
    "GR": [(7, "n"), (16, "c")], "HR": [(17, "n")], "LT": [(16, "n")], "IS": [(22, "n")],
}
CLS = {"n": string.digits, "a": string.ascii_uppercase, "c": string.digits + string.ascii_uppercase}
def iban_check(cc, bban):
    s = bban + cc + "00"
    num = "".join(str(int(c, 36)) for c in s)
    return "%02d" % (98 - int(num) % 97)
def iban(cc=None, bad=False):
    cc = cc or R.choice(list(IBAN_FMT))
    bban = "".join("".join(R.choice(CLS[c]) for _ in range(n)) for n, c in IBAN_FMT[cc])
    ck = iban_check(cc, bban)
    if bad: ck = "%02d" % ((int(ck) + 1) % 97 or 2)
    return cc + ck + bban
def g4(s): return " ".join(s[i:i + 4] for i in range(0, len(s), 4))

def ssn():
    while True:
        a = R.randint(1, 899)
        if a != 666: break
    return "%03d" % a, "%02d" % R.randint(1, 99), "%04d" % R.randint(1, 9999)

def b62(n):
    s = ""
    while n: n, r = divmod(n, 62); s = B62[r] + s
    return s.rjust(6, "0")
def ghp(prefix="ghp_", bad=False):
    body = rs(30, B62)
    ck = b62(zlib.crc32(body.encode()) & 0xffffffff)
    if bad: ck = ck[:-1] + ("A" if ck[-1] != "A" else "B")
    return prefix + body + ck
def github_pat(): return "github_pat_" + rs(22, B62) + "_" + rs(59, B62)
def openai_legacy(): return "sk-" + rs(20) + "T3BlbkFJ" + rs(20)
def openai_proj(): return "sk-proj-" + rs(74, B64U) + "T3BlbkFJ" + rs(74, B64U)
def openai_svc(): return "sk-svcacct-" + rs(74, B64U) + "T3BlbkFJ" + rs(74, B64U)
def anthropic(): return "sk-ant-api03-" + rs(93, B64U) + "AA"
def anthropic_admin(): return "sk-ant-admin01-" + rs(93, B64U) + "AA"
def google(): return "AIza" + rs(35, B64U)
def stripe(p="sk_live_", n=24): return p + rs(n)
def slack_bot(): return "xoxb-%d-%d-%s" % (R.randint(10**10, 10**12), R.randint(10**12, 10**13), rs(24))
def slack_user(): return "xoxp-%d-%d-%d-%s" % (R.randint(10**10, 10**12), R.randint(10**10, 10**12), R.randint(10**11, 10**12), rs(32, HEX))
def slack_app(): return "xapp-1-A%s-%d-%s" % (rs(10, string.ascii_uppercase + string.digits), R.randint(10**12, 10**13), rs(64, HEX))
def gitlab(): return "glpat-" + rs(20, B64U)
def npm(): return "npm_" + rs(36)
def hf(): return "hf_" + rs(34, string.ascii_letters)
def sendgrid(): return "SG." + rs(22, B64U) + "." + rs(43, B64U)
def twilio(): return "SK" + rs(32, HEX)
def shopify(p="shpat_"): return p + rs(32, HEX)
def digitalocean(p="dop_v1_"): return p + rs(64, HEX)
def vault(): return "hvs." + rs(24)
def aws_akid(p="AKIA"): return p + rs(16, string.ascii_uppercase + "234567")
def aws_secret(): return rs(40, ALNUM + "/+")
def b64url(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
def jwt(hdr=None, payload=None):
    hdr = hdr or {"alg": R.choice(["HS256", "RS256", "ES256"]), "typ": "JWT"}
    payload = payload or {"sub": str(R.randint(1000, 99999)), "email": "u%d@acme.io" % R.randint(1, 999), "iat": 1718000000 + R.randint(0, 10**6), "exp": 1718900000}
    return b64url(json.dumps(hdr, separators=(",", ":")).encode()) + "." + b64url(json.dumps(payload, separators=(",", ":")).encode()) + "." + rs(43, B64U)
def pw(n=None):
    n = n or R.randint(12, 24)
    while True:
        s = rs(n, ALNUM + "!#%^*-_.~")
        if sum(c.isdigit() for c in s) and sum(c.isupper() for c in s) and sum(c.islower() for c in s): return s

def keyblock(kind="RSA PRIVATE KEY", lines=None, nl="\n", headers=None, body=None):
    lines = lines or R.randint(5, 12)
    if body is None:
        rows = [rs(64, B64) for _ in range(lines)] + [rs(R.randint(8, 60), B64) + "=="]
    else:
        rows = body
    parts = ["-----BEGIN %s-----" % kind]
    if headers: parts += headers + [""]
    parts += rows
    if kind == "PGP PRIVATE KEY BLOCK": parts.append("=" + rs(4, B64))
    parts.append("-----END %s-----" % kind)
    return nl.join(parts)

FIRST = ["Jane", "Omar", "Li", "Priya", "Lukas", "Sofía", "Kwame", "Yuki", "Anna", "Mateus", "Chloé", "Dmitri", "Aisha", "Tom"]
LAST = ["Doe", "Haddad", "Wei", "Patel", "Müller", "García", "Mensah", "Tanaka", "Kowalska", "Silva", "Dubois", "Ivanov", "Khan", "Baker"]
DOMAINS = ["acme.com", "mail.acme-corp.co.uk", "gmail.com", "outlook.com", "example.org", "uni-hamburg.de", "contoso.io",
           "startup.ai", "eng.bigco.net", "proton.me", "yahoo.co.jp", "company.com.au", "health.gov", "shop.store", "dev.team.app"]
def ascii_name(s): return s.replace("ü", "ue").replace("í", "i").replace("é", "e")
def email():
    f, l = ascii_name(R.choice(FIRST)).lower(), ascii_name(R.choice(LAST)).lower()
    local = R.choice([f + "." + l, f[0] + l, f + "_" + l, f + "-" + l, f + "+" + R.choice(["billing", "test", "news", "jira"]), f + l + str(R.randint(1, 99)), l.upper() + "." + f.capitalize()])
    return local + "@" + R.choice(DOMAINS)

def phone():
    k = R.randrange(22)
    a, e, n = R.randint(201, 989), R.randint(200, 989), R.randint(0, 9999)
    while str(a)[1:] == "11" or str(a)[1] == "9": a = R.randint(201, 989)
    if k == 0: return "+1 (%d) %d-%04d" % (a, e, n)
    if k == 1: return "(%d) %d-%04d" % (a, e, n)
    if k == 2: return "%d-%d-%04d" % (a, e, n)
    if k == 3: return "%d.%d.%04d" % (a, e, n)
    if k == 4: return "+1-%d-%d-%04d" % (a, e, n)
    if k == 5: return "+1%d%d%04d" % (a, e, n)
    if k == 6: return "+44 20 7%03d %04d" % (R.randint(0, 999), n)
    if k == 7: return "+44 7700 9%05d" % R.randint(0, 99999)
    if k == 8: return "+49 30 %d" % R.randint(10**7, 10**8 - 1)
    if k == 9: return "+49 171 %d" % R.randint(10**6, 10**7 - 1)
    if k == 10: return "+33 6 %02d %02d %02d %02d" % tuple(R.randint(0, 99) for _ in range(4))
    if k == 11: return "+33 1 %02d %02d %02d %02d" % tuple(R.randint(0, 99) for _ in range(4))
    if k == 12: return "+81 3-%04d-%04d" % (R.randint(1000, 9999), n)
    if k == 13: return "+91 98%03d %05d" % (R.randint(0, 999), R.randint(0, 99999))
    if k == 14: return "+61 2 %04d %04d" % (R.randint(1000, 9999), n)
    if k == 15: return "+55 11 9%04d-%04d" % (R.randint(1000, 9999), n)
    if k == 16: return "+86 138 %04d %04d" % (R.randint(0, 9999), n)
    if k == 17: return "+34 6%02d %03d %03d" % (R.randint(0, 99), R.randint(0, 999), R.randint(0, 999))
    if k == 18: return "+39 06 %04d %04d" % (R.randint(1000, 9999), n)
    if k == 19: return "+31 20 %03d %04d" % (R.randint(100, 999), n)
    if k == 20: return "+353 1 %03d %04d" % (R.randint(100, 999), n)
    return "+65 %04d %04d" % (R.randint(6000, 9999), n)
NATIONAL = ["020 7946 %04d", "07700 900%03d", "01 42 68 %02d %02d", "06 12 34 %02d %02d", "030 1234%04d", "0171 12345%02d", "03-1234-%04d", "(02) 9374 %04d", "0412 345 %03d"]
def national():
    f = R.choice(NATIONAL)
    n = f.count("%")
    vals = tuple(R.randint(0, 99) for _ in range(n)) if "%02d" in f else tuple(R.randint(0, 999) for _ in range(n))
    return f % vals

def ipv4():
    return R.choice(["10.%d.%d.%d", "192.168.%d.%d", "172.16.%d.%d", "%d.%d.%d.%d"]).replace("%d", "{}").format(*[R.randint(1, 254) for _ in range(4)])
def ipv6():
    k = R.randrange(5)
    g = [format(R.randint(0, 0xffff), "x") for _ in range(8)]
    if k == 0: return ":".join(g)
    if k == 1: return "2001:db8:" + g[2] + "::" + g[7]
    if k == 2: return "fe80::" + ":".join(g[4:])
    if k == 3: return "2606:4700:" + ":".join(g[2:4]) + "::" + g[7]
    return ":".join(x.rjust(4, "0") for x in g)

def uuid(): return "%s-%s-4%s-%s%s-%s" % (rs(8, HEX), rs(4, HEX), rs(3, HEX), R.choice("89ab"), rs(3, HEX), rs(12, HEX))

TAGS = []
exec(open(__file__.replace("gen.py", "templates.py")).read())  # the record templates

for r in RECORDS:
    print(json.dumps({"text": r["text"], "spans": r["spans"]}, ensure_ascii=False))
if len(sys.argv) > 1:  # gen.py TAGS_FILE: which template made each record
    with open(sys.argv[1], "w") as f:
        for i, r in enumerate(RECORDS): f.write("%d\t%s\n" % (i + 1, r["tag"]))
