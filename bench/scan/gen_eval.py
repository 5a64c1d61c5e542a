#!/usr/bin/env python3
"""gen_eval.py — writes eval.jsonl, the labelled evaluation set of bench/scan.

Each line: {"text": ..., "spans": [{"start": B, "end": B, "type": T}, ...]}
with UTF-8 byte offsets into text. Records imitate agent tool traffic (MCP
requests and results, OpenAI tool calls with JSON-in-strings, logs, .env and
YAML files, curl commands, code, tickets, CSV, chat) and carry PII and
secrets in many formats, next to the hard negatives of PII.md (ids, hashes,
versions, dates, placeholders, documentation keys, public material, masked
values). Deterministic (fixed seed): rerun to regenerate.

    python3 bench/scan/gen_eval.py > bench/scan/eval.jsonl
"""
import base64
import json
import random
import string
import sys
import zlib

R = random.Random(20260523)
B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


def rs(n, al=B62):
    return "".join(R.choice(al) for _ in range(n))


# ---- value generators ---------------------------------------------------------


def luhn_complete(prefix, length):
    body = prefix + "".join(R.choice(string.digits) for _ in range(length - len(prefix) - 1))
    s = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        s += d
    return body + str((10 - s % 10) % 10)


def card():
    kind = R.choice(["visa", "mc", "mc2", "amex", "disc", "jcb", "diners", "up"])
    p, n = {"visa": ("4", 16), "mc": (str(R.randint(51, 55)), 16), "mc2": (str(R.randint(2221, 2720)), 16),
            "amex": (R.choice(["34", "37"]), 15), "disc": ("6011", 16), "jcb": (str(R.randint(3528, 3589)), 16),
            "diners": (R.choice(["36", "38"]), 14), "up": ("62", 16)}[kind]
    num = luhn_complete(p, n)
    style = R.choice(["plain", "space", "dash"])
    if style == "plain":
        return num
    sep = " " if style == "space" else "-"
    if n == 15:
        return sep.join([num[:4], num[4:10], num[10:]])
    if n == 14:
        return sep.join([num[:4], num[4:10], num[10:]])
    return sep.join(num[i:i + 4] for i in range(0, n, 4))


def iban():
    cc, bban_fmt = R.choice([("DE", "n18"), ("GB", "a4n14"), ("FR", "n10a11n2"), ("NL", "a4n10"),
                             ("ES", "n20"), ("IT", "a1n10a12"), ("BE", "n12"), ("CH", "n17")])
    bban = ""
    i = 0
    while i < len(bban_fmt):
        t = bban_fmt[i]
        j = i + 1
        while j < len(bban_fmt) and bban_fmt[j].isdigit():
            j += 1
        k = int(bban_fmt[i + 1:j])
        al = string.digits if t == "n" else (string.ascii_uppercase if t == "a" else string.ascii_uppercase + string.digits)
        bban += "".join(R.choice(al) for _ in range(k))
        i = j
    rearr = bban + cc + "00"
    num = int("".join(str(int(c, 36)) for c in rearr))
    check = 98 - num % 97
    s = f"{cc}{check:02d}{bban}"
    if R.random() < 0.5:
        s = " ".join(s[i:i + 4] for i in range(0, len(s), 4))
    return s


def ssn():
    while True:
        a = R.randint(1, 899)
        if a != 666:
            break
    s = f"{a:03d}-{R.randint(1, 99):02d}-{R.randint(1, 9999):04d}"
    return s if R.random() < 0.8 else s.replace("-", " ")


def phone():
    f = R.choice(["us_paren", "us_dash", "us_dot", "us_e164", "us_plus1", "uk", "de", "fr", "in", "au", "jp", "br", "uk_nat"])
    a = R.randint(201, 989)
    while a % 100 == 11 or (a // 10) % 10 == 9:
        a = R.randint(201, 989)
    e = R.randint(200, 999)
    x = R.randint(0, 9999)
    return {
        "us_paren": f"({a}) {e}-{x:04d}", "us_dash": f"{a}-{e}-{x:04d}", "us_dot": f"{a}.{e}.{x:04d}",
        "us_e164": f"+1{a}{e}{x:04d}", "us_plus1": f"+1 {a} {e} {x:04d}",
        "uk": f"+44 20 {R.randint(7000, 8999)} {R.randint(1000, 9999)}",
        "de": f"+49 30 {R.randint(1000000, 99999999)}", "fr": "+33 " + " ".join([str(R.randint(1, 9))] + [f"{R.randint(0, 99):02d}" for _ in range(4)]),
        "in": f"+91 {R.randint(70000, 99999)} {R.randint(10000, 99999)}", "au": f"+61 2 {R.randint(8000, 9999)} {R.randint(1000, 9999)}",
        "jp": f"+81 3-{R.randint(1000, 9999)}-{R.randint(1000, 9999)}", "br": f"+55 11 9{R.randint(1000, 9999)}-{R.randint(1000, 9999)}",
        "uk_nat": f"020 {R.randint(7000, 8999)} {R.randint(1000, 9999)}",
    }[f]


FIRST = ["alice", "bob", "carol", "dmitri", "erin", "farah", "gustavo", "hana", "ivan", "jia", "kofi", "lena", "mateo", "nadia", "omar", "priya", "quinn", "rosa", "sven", "tomas", "uma", "viktor", "wei", "yusuf", "zoe"]
LAST = ["smith", "garcia", "nguyen", "muller", "rossi", "kowalski", "tanaka", "okafor", "silva", "patel", "dubois", "larsen", "cohen", "kim", "ahmed"]
DOMAINS = ["example.com", "acme.io", "globex.net", "initech.co.uk", "umbrella-corp.com", "mail.company.de", "startup.ai", "gmail.com", "outlook.com", "empresa.com.br", "uni.edu", "agency.gov", "shop.store", "studio.design"]


def email():
    f, l = R.choice(FIRST), R.choice(LAST)
    local = R.choice([f"{f}.{l}", f"{f}{l[0]}", f"{f}_{l}", f"{f}+{R.choice(['billing', 'test', 'news'])}", f"{f[0]}{l}{R.randint(1, 99)}", f"{f}-{l}"])
    return f"{local}@{R.choice(DOMAINS)}"


def ipv4():
    return R.choice([f"10.{R.randint(0, 255)}.{R.randint(0, 255)}.{R.randint(1, 254)}", f"192.168.{R.randint(0, 255)}.{R.randint(1, 254)}",
                     f"{R.randint(11, 223)}.{R.randint(0, 255)}.{R.randint(0, 255)}.{R.randint(1, 254)}", f"172.{R.randint(16, 31)}.{R.randint(0, 255)}.{R.randint(1, 254)}"])


def ipv6():
    return R.choice([f"2001:db8:{R.randint(0, 0xffff):x}::{R.randint(1, 0xffff):x}", f"fe80::{R.randint(0, 0xffff):x}:{R.randint(0, 0xffff):x}:{R.randint(0, 0xffff):x}:{R.randint(1, 0xffff):x}",
                     ":".join(f"{R.randint(0, 0xffff):x}" for _ in range(8))])


def gh_classic(prefix="ghp_"):
    r = rs(30)
    v = zlib.crc32(r.encode())
    c = ""
    while v:
        c = B62[v % 62] + c
        v //= 62
    return prefix + r + c.rjust(6, "0")


def b64u(b):
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


def jwt():
    h = R.choice([{"alg": "HS256", "typ": "JWT"}, {"alg": "RS256", "kid": rs(8)}, {"typ": "JWT", "alg": "ES256"}])
    p = {"sub": str(R.randint(1000, 99999)), "email": email(), "iat": 1700000000 + R.randint(0, 9999999), "exp": 1800000000}
    return b64u(json.dumps(h, separators=(",", ":")).encode()) + "." + b64u(json.dumps(p, separators=(",", ":")).encode()) + "." + b64u(bytes(R.getrandbits(8) for _ in range(32)))


def private_key(escape=None):
    label = R.choice(["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY", "ENCRYPTED PRIVATE KEY"])
    body = base64.b64encode(bytes(R.getrandbits(8) for _ in range(R.randint(120, 400)))).decode()
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----"


def tokens():
    return [
        ("AWS_ACCESS_KEY", "AKIA" + rs(16, string.ascii_uppercase + "234567")),
        ("GITHUB_TOKEN", gh_classic(R.choice(["ghp_", "gho_", "ghs_", "ghu_"]))),
        ("GITHUB_TOKEN", "github_pat_" + rs(22) + "_" + rs(59)),
        ("OPENAI_KEY", "sk-proj-" + rs(74, B62 + "-_") + "T3BlbkFJ" + rs(74, B62 + "-_")),
        ("OPENAI_KEY", "sk-" + rs(20) + "T3BlbkFJ" + rs(20)),
        ("ANTHROPIC_KEY", "sk-ant-api03-" + rs(93, B62 + "-_") + "AA"),
        ("GOOGLE_API_KEY", "AIza" + rs(35, B62 + "-_")),
        ("STRIPE_KEY", R.choice(["sk_live_", "sk_test_", "rk_live_"]) + rs(R.choice([24, 99]))),
        ("SLACK_TOKEN", "xoxb-" + rs(12, string.digits) + "-" + rs(13, string.digits) + "-" + rs(24)),
        ("SLACK_TOKEN", "xoxp-" + rs(12, string.digits) + "-" + rs(12, string.digits) + "-" + rs(13, string.digits) + "-" + rs(32, "0123456789abcdef")),
        ("GITLAB_TOKEN", "glpat-" + rs(20, B62 + "-_")),
        ("NPM_TOKEN", "npm_" + rs(36)),
        ("HUGGINGFACE_TOKEN", "hf_" + rs(34, string.ascii_letters)),
        ("SENDGRID_KEY", "SG." + rs(22, B62 + "-_") + "." + rs(43, B62 + "-_")),
        ("JWT", jwt()),
    ]


def generic_secret():
    return R.choice([rs(16), rs(12, B62 + "!@#$%^&*"), "Tr0ub4dor&" + rs(4), rs(8) + "-" + rs(8), rs(24, B62 + "+/"), "P@ss" + rs(8)])


# ---- record assembly ------------------------------------------------------------

SECRET_KEYS = ["password", "DB_PASSWORD", "client_secret", "api_key", "apiKey", "secret", "access_token", "auth_token", "SMTP_PASS", "passphrase", "x-api-key", "refresh_token", "webhookSecret"]


class Rec:
    """Builds a text with labelled values: add(text) / val(type, value)."""

    def __init__(self):
        self.parts = []

    def add(self, s):
        self.parts.append((None, s))
        return self

    def val(self, t, v):
        self.parts.append((t, v))
        return self

    def plain(self):
        text, spans, pos = "", [], 0
        for t, v in self.parts:
            b = v.encode()
            if t:
                spans.append({"start": pos, "end": pos + len(b), "type": t})
            text += v
            pos += len(b)
        return text, spans


def json_embed(rec, levels):
    """Returns (raw, spans) of rec's plain text as a JSON string body escaped
    `levels` times (without the outer quotes)."""
    out, spans, pos = "", [], 0
    for t, v in rec.parts:
        e = v
        for _ in range(levels):
            e = json.dumps(e, ensure_ascii=False)[1:-1]
        b = e.encode()
        if t:
            spans.append({"start": pos, "end": pos + len(b), "type": t})
        out += e
        pos += len(b)
    return out, spans


def wrap_json(prefix, rec, suffix, levels=1):
    inner, sp = json_embed(rec, levels)
    off = len(prefix.encode())
    return prefix + inner + suffix, [dict(s, start=s["start"] + off, end=s["end"] + off) for s in sp]


WORDS = "the customer asked about their order status and wants a refund after the delivery was delayed by the carrier please check the account and reply today thanks".split()


def prose(n):
    return " ".join(R.choice(WORDS) for _ in range(n))


def pii_value():
    t = R.choice(["EMAIL", "EMAIL", "PHONE", "PHONE", "CREDIT_CARD", "US_SSN", "IBAN", "IP_ADDRESS"])
    v = {"EMAIL": email, "PHONE": phone, "CREDIT_CARD": card, "US_SSN": ssn, "IBAN": iban, "IP_ADDRESS": lambda: ipv4() if R.random() < 0.8 else ipv6()}[t]()
    return t, v


NEGATIVES = [
    "request id 550e8400-e29b-41d4-a716-446655440000", "commit 3f2a9c1d7e5b4a6c8d0e2f4a6b8c0d2e4f6a8b0c", "image registry.io/app@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "npm install lodash@4.17.21 react@18.2.0", "see icon@2x.png and logo@3x.jpg", "import { x } from '@scope/pkg'", "UA Mozilla/5.0 Chrome/122.0.6261.94 Safari/537.36",
    "OID 1.3.6.1.4.1.311.21.8", "version 10.15.7 build 2024.01.15", "timestamp 2024-03-15T10:22:33.123Z", "epoch 1710498153 ms 1710498153123", "order #1234567812345670 shipped",
    "snowflake id 1187654321987654321", "trace_id=4bf92f3577b34da6a3ce929d0e0e4736", "ticket SO-123-456789 updated", "ISBN 978-3-16-148410-0", "ZIP 94103-1234",
    "AWS account 123456789012", "role AROAJ7EXAMPLEROLEID01", "docs key AKIAIOSFODNN7EXAMPLE", "secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "publishable pk_live_" + rs(24),
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + rs(43) + " deploy@build-host", "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" + rs(64) + "\n-----END PUBLIC KEY-----",
    "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ" + rs(64) + "\n-----END CERTIFICATE-----", "password: ********", "api_key=<YOUR_API_KEY>",
    "token: ${{ secrets.GITHUB_TOKEN }}", "OPENAI_API_KEY=sk-...", "password=changeme", "secret_name: prod/db/credentials", "token_type: Bearer", "max_tokens: 4096",
    "card **** **** **** 4242 on file", "ssn ***-**-1234", "contact [EMAIL] for help", "git clone git@github.com:acme/app.git", "SENTRY_DSN=https://" + rs(32, "0123456789abcdef") + "@o12345.ingest.sentry.io/67890",
    "range 1000-2000 pages 10-20", "time 12:30:45 on 2024-01-15", "mac 00:1a:2b:3c:4d:5e", "std::vector<int> v", "next_page_token: " + rs(32), "integrity sha512-" + rs(86, B62 + "+/") + "==",
    "data:image/png;base64," + rs(120, B62 + "+/") + "=", "price $1,234.56 qty 3", "call 911 in an emergency", "random 4111111111111112 fails luhn", "build 20240115.3",
    "sample ssn 078-05-1120", "the password is stored in vault", "postgres://app:${DB_PASS}@db:5432/app", "see section 4.2.1 of RFC 791", "v1.2.3.4 tag",
]


def record():
    kind = R.choice(["mcp_req", "mcp_res", "openai_args", "log", "env", "yaml", "curl", "code", "ticket", "csv", "chat", "sse"])
    r = Rec()
    n_vals = R.choice([0, 1, 1, 2, 2, 3])
    items = []
    for _ in range(n_vals):
        c = R.random()
        if c < 0.45:
            items.append(pii_value())
        elif c < 0.75:
            items.append(R.choice(tokens()))
        elif c < 0.9:
            items.append(("GENERIC_SECRET", generic_secret()))
        else:
            items.append(("PRIVATE_KEY", private_key()))
    negs = R.sample(NEGATIVES, R.choice([1, 2, 3]))

    def body(r, sep="\n"):
        for t, v in items:
            if t == "GENERIC_SECRET":
                k = R.choice(SECRET_KEYS)
                form = R.choice(["eq", "colon", "json", "url", "bearer", "flag"])
                if form == "eq":
                    r.add(f"{k}=").val(t, v)
                elif form == "colon":
                    r.add(f"{k}: ").val(t, v)
                elif form == "json":
                    r.add(f'"{k}": "').val(t, v).add('"')
                elif form == "url":
                    v2 = rs(14)
                    r.add(f"postgres://svc_user:").val(t, v2).add(f"@db-{R.randint(1, 9)}.internal:5432/app")
                elif form == "bearer":
                    r.add("Authorization: Bearer ").val(t, rs(32))
                else:
                    r.add(f"--{R.choice(['password', 'token', 'api-key'])} ").val(t, v.replace(" ", ""))
            elif t == "PRIVATE_KEY":
                r.add("key:\n").val(t, v)
            elif t in ("EMAIL", "PHONE", "CREDIT_CARD", "US_SSN", "IBAN", "IP_ADDRESS"):
                label = {"EMAIL": R.choice(["email", "contact", "reply to", "cc"]), "PHONE": R.choice(["phone", "call", "mobile", "tel"]),
                         "CREDIT_CARD": R.choice(["card", "cc number", "payment method"]), "US_SSN": R.choice(["SSN", "social security number"]),
                         "IBAN": R.choice(["IBAN", "bank account"]), "IP_ADDRESS": R.choice(["client ip", "from", "host"])}[t]
                r.add(f"{label} ").val(t, v)
            else:
                r.add(R.choice(["token ", "key=", "using ", "export TOKEN=", "Authorization: Bearer "]) if t != "JWT" else "id_token=").val(t, v)
            r.add(R.choice([", ", ". ", sep, " and "]))
            r.add(prose(R.randint(2, 8)) + R.choice([". ", sep]))
        for ng in negs:
            r.add(ng + R.choice([". ", sep]))
        return r

    if kind in ("mcp_req", "mcp_res", "openai_args", "sse"):
        inner = Rec().add(prose(R.randint(3, 10)) + " ")
        body(inner, "\n")
        if kind == "mcp_req":
            text, spans = wrap_json('{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"create_ticket","arguments":{"title":"%s","body":"' % (R.randint(1, 999), prose(3)), inner, '","priority":"high"}}}')
        elif kind == "mcp_res":
            text, spans = wrap_json('{"jsonrpc":"2.0","id":%d,"result":{"content":[{"type":"text","text":"' % R.randint(1, 999), inner, '"}],"isError":false}}')
        elif kind == "openai_args":
            text, spans = wrap_json('{"role":"assistant","tool_calls":[{"id":"call_%s","type":"function","function":{"name":"send_email","arguments":"{\\"body\\":\\"' % rs(24), inner, '\\"}"}}]}', levels=2)
        else:
            text, spans = wrap_json('data: {"choices":[{"delta":{"content":"', inner, '"}}]}\n\n')
        return text, spans
    if kind == "log":
        r.add(f"2024-05-{R.randint(1, 28):02d}T{R.randint(0, 23):02d}:{R.randint(0, 59):02d}:{R.randint(0, 59):02d}Z INFO worker[{R.randint(100, 9999)}]: ")
        body(r, " | ")
    elif kind == "env":
        r.add("# .env\nNODE_ENV=production\nPORT=8080\n")
        body(r, "\n")
    elif kind == "yaml":
        r.add("service:\n  name: billing\n  replicas: 3\n  notes: ")
        body(r, "\n  ")
    elif kind == "curl":
        r.add("$ curl -s https://api.internal/v1/users -H 'Content-Type: application/json' -d '")
        body(r, " ")
        r.add("'")
    elif kind == "code":
        r.add("def handler(event, context):\n    # ")
        body(r, "\n    # ")
    elif kind == "ticket":
        r.add(f"Subject: Re: {prose(4)}\n\nHi team,\n\n{prose(10)}. ")
        body(r, "\n")
        r.add("\n\nBest,\n" + R.choice(FIRST).title())
    elif kind == "csv":
        r.add("id,name,detail\n%d,%s %s," % (R.randint(1, 999), R.choice(FIRST).title(), R.choice(LAST).title()))
        body(r, "\n%d,row," % R.randint(1, 999))
    else:
        r.add(R.choice(["User: ", "Assistant: "]) + prose(6) + " ")
        body(r, " ")
        r.add(" 😊 ありがとう")
    return r.plain()


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 600
    for _ in range(n):
        text, spans = record()
        print(json.dumps({"text": text, "spans": spans}, ensure_ascii=False))


if __name__ == "__main__":
    main()
