#!/usr/bin/env python3
"""Realistic MCP tool-result records with labelled PII/secrets. Fixed seed, JSONL to stdout."""
import json, random, string, zlib, base64, uuid, hashlib, datetime

R = random.Random(1414)
B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
AN = string.ascii_letters + string.digits

def rs(n, alpha=AN): return ''.join(R.choice(alpha) for _ in range(n))
def hexs(n): return rs(n, '0123456789abcdef')

# ---------------- value generators ----------------
def ghp(pfx='ghp_'):
    body = rs(30, B62)
    v = zlib.crc32(body.encode()) & 0xffffffff
    enc = ''
    for _ in range(6):
        enc = B62[v % 62] + enc; v //= 62
    return pfx + body + enc
def github_pat(): return 'github_pat_' + rs(22) + '_' + rs(59)
def aws_ak(): return R.choice(['AKIA', 'ASIA']) + rs(16, string.ascii_uppercase + '234567')
def aws_sk(): return rs(40, AN + '/+')
def openai(): return 'sk-proj-' + rs(74, AN + '-_') + 'T3BlbkFJ' + rs(74, AN + '-_')
def anthropic(): return 'sk-ant-api03-' + rs(93, AN + '-_') + 'AA'
def google(): return 'AIza' + rs(35, AN + '-_')
def stripe(): return R.choice(['sk_live_', 'rk_live_', 'sk_test_']) + rs(24)
def slack(): return R.choice(['xoxb-', 'xoxp-']) + str(R.randint(10**11, 10**12 - 1)) + '-' + str(R.randint(10**12, 10**13 - 1)) + '-' + rs(24)
def sendgrid(): return 'SG.' + rs(22, AN + '-_') + '.' + rs(43, AN + '-_')
def npm(): return 'npm_' + rs(36)
def hf(): return 'hf_' + rs(34, string.ascii_letters)
def gitlab(): return 'glpat-' + rs(20, AN + '-_')
def twilio(): return 'SK' + hexs(32)
def shopify(): return 'shpat_' + hexs(32)
def dotok(): return 'dop_v1_' + hexs(64)
def jwt():
    h = base64.urlsafe_b64encode(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()).rstrip(b'=').decode()
    p = base64.urlsafe_b64encode(json.dumps({"sub": str(R.randint(1000, 99999)), "iat": 1717000000 + R.randint(0, 10**6), "role": "user"}).encode()).rstrip(b'=').decode()
    return h + '.' + p + '.' + rs(43, AN + '-_')
def pw(): return rs(1) + rs(R.randint(11, 19), AN + AN + '!_-')
def pwu(): return rs(R.randint(12, 20))
def privkey(esc=False):
    body = base64.b64encode(bytes(R.getrandbits(8) for _ in range(300))).decode()
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    kind = R.choice(['RSA PRIVATE KEY', 'PRIVATE KEY', 'OPENSSH PRIVATE KEY', 'EC PRIVATE KEY'])
    return '-----BEGIN %s-----\n%s\n-----END %s-----' % (kind, '\n'.join(lines), kind)

def luhn_fill(prefix, length):
    d = [int(c) for c in prefix] + [R.randint(0, 9) for _ in range(length - len(prefix) - 1)]
    for ck in range(10):
        s = d + [ck]; t = 0
        for i, x in enumerate(reversed(s)):
            if i % 2: x *= 2; x -= 9 if x > 9 else 0
            t += x
        if t % 10 == 0: return ''.join(map(str, s))
def card(fmt=None):
    kind = R.choice(['visa', 'mc', 'amex', 'disc'])
    if kind == 'visa': n = luhn_fill('4', 16)
    elif kind == 'mc': n = luhn_fill(R.choice(['51', '53', '55', '2221', '2500']), 16)
    elif kind == 'disc': n = luhn_fill('6011', 16)
    else: n = luhn_fill(R.choice(['34', '37']), 15)
    f = fmt or R.choice(['', ' ', '-'])
    if not f: return n
    if len(n) == 15: return f.join([n[:4], n[4:10], n[10:]])
    return f.join(n[i:i + 4] for i in range(0, 16, 4))
def ssn():
    while True:
        a = R.randint(1, 899)
        if a != 666: break
    return '%03d-%02d-%04d' % (a, R.randint(1, 99), R.randint(1, 9999))
def iban(grouped=None):
    cc, bl = R.choice([('DE', 18), ('GB', None), ('FR', 23), ('NL', None), ('ES', 20)])
    if cc == 'GB': bban = 'NWBK' + ''.join(R.choice(string.digits) for _ in range(14))
    elif cc == 'NL': bban = 'ABNA' + ''.join(R.choice(string.digits) for _ in range(10))
    else: bban = ''.join(R.choice(string.digits) for _ in range(bl))
    num = ''.join(str(int(c, 36)) for c in bban + cc + '00')
    ck = 98 - int(num) % 97
    s = cc + '%02d' % ck + bban
    g = R.random() < 0.5 if grouped is None else grouped
    return ' '.join(s[i:i + 4] for i in range(0, len(s), 4)) if g else s
def phone():
    k = R.randint(0, 5)
    a = R.choice(['415', '212', '646', '617', '312', '206', '512', '303'])
    e = str(R.randint(201, 989)); x = '%04d' % R.randint(0, 9999)
    if k == 0: return '(%s) %s-%s' % (a, e, x)
    if k == 1: return '+1 %s-%s-%s' % (a, e, x)
    if k == 2: return '%s-%s-%s' % (a, e, x)
    if k == 3: return '+44 20 %d %04d' % (R.randint(7000, 8999), R.randint(0, 9999))
    if k == 4: return '+49 30 %d' % R.randint(10000000, 99999999)
    return '+1 (%s) %s-%s' % (a, e, x)

FIRST = ['Maria', 'James', 'Priya', 'Chen', 'Olivia', 'Lukas', 'Aisha', 'Tomás', 'Sofia', 'Daniel', 'Hannah', 'Kenji', 'Fatima', 'Noah', 'Emma']
LAST = ['Garcia', 'Smith', 'Patel', 'Wei', 'Johnson', 'Müller', 'Khan', 'Rossi', 'Nguyen', 'Brown', 'Okafor', 'Tanaka', 'Schmidt', 'Lee']
DOMS = ['acme.io', 'globex.com', 'initech.co', 'northwind.com', 'contoso.org', 'hooli.dev', 'gmail.com', 'outlook.com', 'stark-industries.co.uk', 'umbrella.de']
def name(): return R.choice(FIRST) + ' ' + R.choice(LAST)
def email(n=None):
    n = n or name()
    f, l = n.split(' ')
    f = f.lower().replace('á', 'a'); l = l.lower().replace('ü', 'u')
    loc = R.choice([f + '.' + l, f[0] + l, f + '_' + l, f + '+jira', f])
    return loc + '@' + R.choice(DOMS)
def ip(): return '%d.%d.%d.%d' % (R.choice([10, 172, 192, 34, 52, 18, 203]), R.randint(0, 255), R.randint(0, 255), R.randint(1, 254))
def date(): return (datetime.datetime(2024, 1, 1) + datetime.timedelta(seconds=R.randint(0, 3 * 10**7))).strftime('%Y-%m-%dT%H:%M:%SZ')
def sha(): return hexs(40)
def uid(): return str(uuid.UUID(int=R.getrandbits(128)))

# ---------------- labelled builders ----------------
class L:
    """Marks a labelled value inside a template (text or JSON structure)."""
    def __init__(s, t, v): s.t, s.v = t, v

def text_rec(parts, tag):
    out = b''; spans = []
    for p in parts:
        if isinstance(p, L):
            b = p.v.encode(); spans.append({"start": len(out), "end": len(out) + len(b), "type": p.t}); out += b
        else:
            out += p.encode()
    return {"text": out.decode(), "spans": spans, "tag": tag}

def J(*parts):  # string with embedded labels for JSON records
    return list(parts)

def json_rec(obj, tag, indent=None):
    marks = []
    def walk(o):
        if isinstance(o, dict): return {k: walk(v) for k, v in o.items()}
        if isinstance(o, tuple):  # composed string
            s = ''
            for p in o:
                if isinstance(p, L):
                    marks.append(p); s += '\x01%d\x02' % (len(marks) - 1)
                else: s += p
            return s
        if isinstance(o, list): return [walk(v) for v in o]
        if isinstance(o, L):
            marks.append(o); return '\x01%d\x02' % (len(marks) - 1)
        return o
    s = json.dumps(walk(obj), ensure_ascii=False, indent=indent)
    out = b''; spans = []; i = 0
    while True:
        j = s.find('\\u0001', i)
        if j < 0: out += s[i:].encode(); break
        out += s[i:j].encode()
        k = s.find('\\u0002', j)
        m = marks[int(s[j + 6:k])]
        enc = json.dumps(m.v, ensure_ascii=False)[1:-1].encode()
        spans.append({"start": len(out), "end": len(out) + len(enc), "type": m.t}); out += enc
        i = k + 6
    return {"text": out.decode(), "spans": spans, "tag": tag}

def E(n=None): return L('EMAIL', email(n))
def P(): return L('PHONE', phone())

recs = []

# 1. GitHub issue comments (JSON list, API shape)
for i in range(14):
    u = R.choice(['octocat', 'mwilson-dev', 'priya-p', 'jchen', 'lmueller', 'dependabot[bot]'])
    bodies = [
        ("After upgrading to v2.14.3 the worker crashes on startup. Stack trace below.\n\n```\nTraceback (most recent call last):\n  File \"/app/worker.py\", line 88, in <module>\n    client = Client(api_key=os.environ[\"OPENAI_API_KEY\"])\nKeyError: 'OPENAI_API_KEY'\n```\nCommit ", sha(), " fixed it locally."),
        ("Repro: `curl -H 'Authorization: token ", L('GITHUB_TOKEN', ghp()), "' https://api.github.com/repos/acme/infra/actions/runs` returns 404 for me. Oops, that was my real token, revoking now."),
        ("Can you reach out to the customer directly? Contact is ", E(), " / ", P(), ". Ticket #", str(R.randint(1000, 9999)), "."),
        ("LGTM :shipit: merged in ", sha()[:7], ". Bumped lodash@4.17.21 and @types/node@20.11.5."),
        ("CI logs show the env var leaked:\n```\nAWS_ACCESS_KEY_ID=", L('AWS_ACCESS_KEY', aws_ak()), "\nAWS_DEFAULT_REGION=us-east-1\n```\nRotated in IAM at ", date(), "."),
        ("The dashboard at https://grafana.acme.io/d/", rs(9), "/api-latency?orgId=1&from=now-6h shows p99 at 840ms since build 2024.6.1."),
        ("cc @", u, " – docker image sha256:", hexs(64), " is the one that regressed."),
        ("Slack webhook for alerts is configured; bot token was `", L('SLACK_TOKEN', slack()), "` (now rotated)."),
    ]
    b = R.choice(bodies)
    obj = [{"id": R.randint(10**9, 3 * 10**9), "node_id": "IC_kwDO" + rs(16), "html_url": "https://github.com/acme/infra/issues/%d#issuecomment-%d" % (R.randint(100, 4000), R.randint(10**9, 3 * 10**9)),
            "user": {"login": u, "id": R.randint(10**5, 10**8), "type": "User"}, "created_at": date(), "updated_at": date(),
            "author_association": "MEMBER", "body": tuple(b), "reactions": {"total_count": R.randint(0, 5), "+1": R.randint(0, 3)}}]
    recs.append(json_rec(obj, 'github_comment', indent=R.choice([None, 2])))

# 2. Slack channel history
for i in range(14):
    n = name()
    msgs = [
        ("hey, new hire paperwork for ", n, ": SSN ", L('US_SSN', ssn()), ", start date ", date()[:10]),
        ("can someone share the staging db creds? I think it's postgres://app:", L('GENERIC_SECRET', pwu()), "@db-staging.internal:5432/app"),
        ("deploy of ", sha()[:8], " to prod finished in 4m12s :rocket:"),
        ("customer called from ", P(), " about order #", str(R.randint(100000, 999999)), ", wants a refund of $", "%d.%02d" % (R.randint(10, 900), R.randint(0, 99))),
        ("ping ", E(n), " for the SOC2 evidence, due 2024-09-30"),
        ("here is the HF token for the eval box ", L('HUGGINGFACE_TOKEN', hf()), " pls don't commit it"),
        ("standup moved to 10:30 tomorrow, zoom link in calendar"),
        ("our wire details for the vendor: IBAN ", L('IBAN', iban()), ", BIC DEUTDEFF, ref INV-2024-", str(R.randint(1000, 9999))),
    ]
    ms = [{"type": "message", "user": "U0" + rs(8, string.ascii_uppercase + string.digits), "text": tuple(R.choice(msgs)), "ts": "%d.%06d" % (1717000000 + R.randint(0, 10**7), R.randint(0, 999999))} for _ in range(R.randint(2, 4))]
    recs.append(json_rec({"ok": True, "messages": ms, "has_more": False, "response_metadata": {"next_cursor": ""}}, 'slack_history'))

# 3. Jira ticket (text render)
for i in range(10):
    n = name()
    recs.append(text_rec([
        "SUP-%d: Customer cannot complete checkout\nStatus: In Progress | Priority: High | Assignee: %s\nReporter: " % (R.randint(1000, 9999), name()), E(n),
        "\nCreated: %s\n\nDescription:\nCustomer %s reports card declined on checkout. Card on file ends 4242. Order id 10%s. Their phone: " % (date(), n, ''.join(R.choice(string.digits) for _ in range(8))), P(),
        ".\nBrowser: Chrome/124.0.6367.91 on macOS 14.4.1. Request id ", uid(), "\n\nComments:\n- ", name(), ": Logs show gateway error code 2053 at ", date(), ".\n"], 'jira'))

# 4. Notion/Confluence page text
for i in range(10):
    k = R.randint(0, 2)
    if k == 0:
        recs.append(text_rec(["# Onboarding: Payments service\n\nOwner: ", name(), " (", E(), ")\nOn-call phone: ", P(),
            "\n\n## Local setup\n1. Clone the repo\n2. Copy `.env.example` to `.env`\n3. Set `STRIPE_SECRET_KEY=sk_test_...` (ask in #payments)\n\nTest card: use ", L('CREDIT_CARD', '4242 4242 4242 4242'), " with any future date.\n\nLast edited ", date(), "\n"], 'notion'))
    elif k == 1:
        recs.append(text_rec(["Runbook: rotate the SendGrid key\n\nCurrent key (to be revoked): ", L('SENDGRID_KEY', sendgrid()),
            "\nSteps:\n1. Create a new key in the SendGrid UI with Mail Send scope.\n2. Update the secret in Vault at secret/prod/mailer.\n3. Redeploy mailer (build ", str(R.randint(1000, 9999)), ").\nEscalation: ", name(), ", ", P(), "\n"], 'confluence'))
    else:
        recs.append(text_rec(["Vendor contacts (Q3 2024)\n\n| Vendor | Contact | Email | Phone |\n|---|---|---|---|\n",
            "| Globex | ", name(), " | ", E(), " | ", P(), " |\n| Initech | ", name(), " | ", E(), " | ", P(), " |\n\nContract ref: CTR-2024-%04d, value EUR 48,500.00\n" % R.randint(0, 9999)], 'confluence'))

# 5. Google Drive doc text
for i in range(8):
    n = name()
    recs.append(text_rec(["Employee Information Form\n\nFull name: ", n, "\nDate of birth: 1987-04-12\nPersonal email: ", E(n), "\nMobile: ", P(),
        "\nSocial Security Number: ", L('US_SSN', ssn()), "\nDirect deposit IBAN: ", L('IBAN', iban()), "\nEmergency contact: ", name(), ", ", P(), "\n\nSigned ", date()[:10], "\n"], 'gdrive'))

# 6. Postgres query results (psql text tables)
for i in range(12):
    rows = []
    parts = [" id  |        email               |     phone          | plan  |  mrr   | created_at\n-----+----------------------------+--------------------+-------+--------+---------------------\n"]
    nr = R.randint(3, 6)
    for r in range(nr):
        parts += [" %-3d | " % R.randint(1, 999), E(), " | ", P(), " | %s | %6.2f | %s\n" % (R.choice(['pro  ', 'team ', 'free ']), R.random() * 500, date().replace('T', ' ')[:19])]
    parts.append("(%d rows)\n" % nr)
    recs.append(text_rec(parts, 'psql_users'))
for i in range(6):
    parts = [" order_id |   card_number        | amount  | status\n----------+----------------------+---------+---------\n"]
    for r in range(3):
        parts += [" %d | " % R.randint(10**7, 10**8), L('CREDIT_CARD', card()), " | %7.2f | %s\n" % (R.random() * 300, R.choice(['paid', 'refunded', 'failed']))]
    parts.append("(3 rows)\n")
    recs.append(text_rec(parts, 'psql_orders'))

# 7. filesystem: .env / YAML / config
for i in range(14):
    k = R.randint(0, 3)
    if k == 0:
        recs.append(text_rec(["# production env\nNODE_ENV=production\nPORT=8080\nDATABASE_URL=postgres://app:", L('GENERIC_SECRET', pwu()), "@", L('IP_ADDRESS', ip()), ":5432/app\n",
            "OPENAI_API_KEY=", L('OPENAI_KEY', openai()), "\nSTRIPE_SECRET_KEY=", L('STRIPE_KEY', stripe()), "\nSTRIPE_PUBLISHABLE_KEY=pk_live_", rs(24),
            "\nSENTRY_DSN=https://", hexs(32), "@o", str(R.randint(10**5, 10**6)), ".ingest.sentry.io/", str(R.randint(10**6, 10**7)), "\nLOG_LEVEL=info\n"], 'dotenv'))
    elif k == 1:
        recs.append(text_rec(["apiVersion: v1\nkind: Secret\nmetadata:\n  name: api-secrets\n  namespace: prod\ntype: Opaque\nstringData:\n  ANTHROPIC_API_KEY: ", L('ANTHROPIC_KEY', anthropic()),
            "\n  JWT_SECRET: ", L('GENERIC_SECRET', pw()), "\n  GOOGLE_MAPS_KEY: ", L('GOOGLE_API_KEY', google()), "\n"], 'k8s_yaml'))
    elif k == 2:
        recs.append(text_rec(["[default]\naws_access_key_id = ", L('AWS_ACCESS_KEY', aws_ak()), "\naws_secret_access_key = ", L('AWS_SECRET_KEY', aws_sk()), "\nregion = eu-west-1\n"], 'aws_creds'))
    else:
        recs.append(text_rec(["//registry.npmjs.org/:_authToken=", L('NPM_TOKEN', npm()), "\n@acme:registry=https://npm.pkg.github.com\n//npm.pkg.github.com/:_authToken=", L('GITHUB_TOKEN', ghp()), "\nalways-auth=true\n"], 'npmrc'))
for i in range(6):
    recs.append(text_rec(["$ cat ~/.ssh/id_deploy\n", L('PRIVATE_KEY', privkey()), "\n$ cat ~/.ssh/id_deploy.pub\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI", rs(43, AN + '+/'), " deploy@ci-runner-", str(R.randint(1, 9)), "\n"], 'ssh_key'))
for i in range(4):
    recs.append(text_rec(["# docker-compose.yml\nservices:\n  db:\n    image: postgres:16.2\n    environment:\n      POSTGRES_PASSWORD: ", L('GENERIC_SECRET', pw()),
        "\n  app:\n    image: ghcr.io/acme/app@sha256:", hexs(64), "\n    environment:\n      GITLAB_TOKEN: ", L('GITLAB_TOKEN', gitlab()), "\n      DO_TOKEN: ", L('DIGITALOCEAN_TOKEN', dotok()), "\n    ports:\n      - \"8080:8080\"\n"], 'compose'))

# 8. browser page text
for i in range(8):
    recs.append(text_rec(["Contact Us | Northwind Traders\n\nHeadquarters\n1200 Market Street, Suite 400\nSan Francisco, CA 94103-1527\nPhone: ", P(), "\nSales: ", E(), "\nSupport: ", E(),
        "\nOpen Mon–Fri 9:00–17:30 PT\n\n© 2024 Northwind Traders, Inc. All rights reserved. v3.8.2\n"], 'browser_contact'))
for i in range(6):
    recs.append(text_rec(["Checkout — Step 2 of 3\n\nShipping to: ", name(), "\n742 Evergreen Terrace, Springfield, OR 97477\n", P(), "\n\nPayment\nCard number: ", L('CREDIT_CARD', card(' ')), "\nExpiry 08/27  CVC •••\nOrder total: $", "%d.%02d" % (R.randint(20, 900), R.randint(0, 99)),
        "\nOrder #", str(R.randint(10**6, 10**7)), " · Confirmation will be sent to ", E(), "\n"], 'browser_checkout'))

# 9. email threads
for i in range(10):
    a, b = name(), name()
    k = R.randint(0, 2)
    mid = [
        ["Hi ", b.split()[0], ",\n\nPlease find the payment details below.\nAccount holder: ", a, "\nIBAN: ", L('IBAN', iban()), "\nAmount: EUR 12,480.00 due 2024-07-15\n\nThanks,\n", a, "\n", P(), "\n"],
        ["Hi team,\n\nThe new API credentials for the partner sandbox:\n  client_id: ", uid(), "\n  client_secret: ", L('GENERIC_SECRET', rs(32)), "\n\nToken endpoint: https://auth.partner.com/oauth2/token\n\nBest,\n", a, "\n"],
        ["Hi ", b.split()[0], ",\n\nConfirming our call on Tuesday at 14:00. Dial-in: ", P(), ", PIN 482913#.\n\nRegards,\n", a, "\nSenior Account Manager | ", E(a), "\n"],
    ][k]
    recs.append(text_rec(["From: ", a, " <", E(a), ">\nTo: ", b, " <", E(b), ">\nDate: Tue, 11 Jun 2024 09:14:22 +0000\nSubject: Re: ", R.choice(['Invoice 2024-0611', 'Partner sandbox access', 'Follow-up']), "\nMessage-ID: <", hexs(16), ".", str(R.randint(10**9, 10**10)), "@mail.gmail.com>\n\n"] + mid, 'email'))

# 10. MCP tool-call result envelopes (content[].text containing JSON) + HTTP logs
for i in range(8):
    inner = json_rec({"status": 200, "headers": {"content-type": "application/json", "x-request-id": uid()},
                      "body": {"access_token": L('JWT', jwt()), "token_type": "Bearer", "expires_in": 3600, "user": {"email": E(), "id": R.randint(1, 10**6)}}}, 'inner')
    # wrap: spans shift; compute by re-encoding
    wrapper_pre = '{"jsonrpc":"2.0","id":%d,"result":{"content":[{"type":"text","text":' % R.randint(1, 99)
    enc = json.dumps(inner["text"], ensure_ascii=False)
    # map spans: inner text only has ASCII specials '"' which get escaped
    def off(o):
        return len(wrapper_pre.encode()) + len(json.dumps(inner["text"].encode()[:o].decode(), ensure_ascii=False)[:-1].encode())
    spans = []
    for s in inner["spans"]:
        st = off(s["start"]); seg = json.dumps(inner["text"].encode()[s["start"]:s["end"]].decode(), ensure_ascii=False)[1:-1]
        spans.append({"start": st, "end": st + len(seg.encode()), "type": s["type"]})
    recs.append({"text": wrapper_pre + enc + '}],"isError":false}}', "spans": spans, "tag": "mcp_nested_http"})
for i in range(6):
    recs.append(text_rec(["%s INFO  [http] GET /api/v1/users/%d 200 12ms client=" % (date(), R.randint(1, 9999)), L('IP_ADDRESS', ip()), " ua=\"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 Chrome/124.0.6367.91 Safari/537.36\"\n",
        "%s WARN  [auth] retrying upstream call, header Authorization: Bearer " % date(), L('GENERIC_SECRET', rs(40, AN)), " trace_id=", hexs(32), "\n",
        "%s INFO  [twilio] sms queued sid=SM%s key=" % (date(), hexs(32)), L('TWILIO_KEY', twilio()), " to=", P(), "\n"], 'app_log'))


# 11. more variety
def phone2():
    return R.choice(['020 7946 %04d' % R.randint(0, 9999), '+33 1 42 68 %02d %02d' % (R.randint(10, 99), R.randint(10, 99)),
                     '415.%d.%04d' % (R.randint(201, 989), R.randint(0, 9999)), '+61 2 9374 %04d' % R.randint(0, 9999),
                     '+91 98%03d %05d' % (R.randint(100, 999), R.randint(0, 99999)), '+1-212-%d-%04d' % (R.randint(201, 989), R.randint(0, 9999))])
for i in range(8):
    e1 = email(); ph = phone2()
    recs.append(text_rec(['<footer class="site-footer"><p>Questions? <a href="mailto:', L('EMAIL', e1), '">', L('EMAIL', e1), '</a> or call <a href="tel:', L('PHONE', ph.replace(' ', '')), '">', L('PHONE', ph),
        '</a></p><img src="/static/logo@2x.png" alt="logo"><script src="https://cdn.jsdelivr.net/npm/bootstrap@5.3.2/dist/js/bootstrap.min.js" integrity="sha384-', rs(64, AN + '+/'), '"></script></footer>\n'], 'browser_html'))
for i in range(6):
    recs.append(json_rec({"id": "ch_3P" + rs(22), "object": "charge", "amount": R.randint(100, 99999), "currency": "usd", "created": 1717000000 + R.randint(0, 10**7),
        "billing_details": {"email": E(), "name": name(), "phone": L('PHONE', '+1' + '415' + str(R.randint(201, 989)) + '%04d' % R.randint(0, 9999)), "address": {"postal_code": "94103", "country": "US"}},
        "payment_method_details": {"card": {"brand": "visa", "last4": "4242", "exp_month": 8, "exp_year": 2027, "fingerprint": rs(16)}},
        "receipt_url": "https://pay.stripe.com/receipts/acct_1" + rs(15) + "/ch_3P" + rs(22)}, 'stripe_charge', indent=2))
for i in range(6):
    recs.append(json_rec({"path": "deploy/keys/service-account.json", "content": {"type": "service_account", "project_id": "acme-prod-%d" % R.randint(100, 999), "private_key_id": hexs(40),
        "private_key": (L('PRIVATE_KEY', privkey().replace('RSA PRIVATE KEY', 'PRIVATE KEY').replace('OPENSSH PRIVATE KEY', 'PRIVATE KEY').replace('EC PRIVATE KEY', 'PRIVATE KEY')), '\n'),
        "client_email": L('EMAIL', "deployer@acme-prod.iam.gserviceaccount.com"), "client_id": str(R.randint(10**20, 10**21))}}, 'gcp_sa_json'))
for i in range(6):
    n = name()
    recs.append(json_rec({"object": "page", "id": uid(), "properties": {"Name": {"title": [{"plain_text": n}]}, "Email": {"email": E(n)}, "Phone": {"phone_number": L('PHONE', phone2())},
        "Notes": {"rich_text": [{"plain_text": ("Met at KubeCon 2024 (booth 12-B). Follow up re: renewal of contract #", str(R.randint(10**5, 10**6)), ". Personal cell ", P(), ".")}]}}, "last_edited_time": date()}, 'notion_api'))
for i in range(6):
    recs.append(text_rec(["diff --git a/config/settings.py b/config/settings.py\nindex ", hexs(7), "..", hexs(7), " 100644\n--- a/config/settings.py\n+++ b/config/settings.py\n@@ -12,7 +12,7 @@ DATABASES = {\n",
        "-SECRET_KEY = os.environ['DJANGO_SECRET_KEY']\n+SECRET_KEY = '", L('GENERIC_SECRET', rs(50, AN + '!@%^&*(-_=+)')), "'\n DEBUG = False\n ALLOWED_HOSTS = ['api.acme.io', '", L('IP_ADDRESS', ip()), "']\n"], 'pr_diff'))
for i in range(6):
    recs.append(text_rec(["$ vault kv get -format=json secret/prod/db\n{\n  \"request_id\": \"", uid(), "\",\n  \"lease_duration\": 2764800,\n  \"data\": {\n    \"data\": {\n      \"password\": \"", L('GENERIC_SECRET', pwu()),
        "\",\n      \"username\": \"app_rw\"\n    },\n    \"metadata\": {\"created_time\": \"", date(), "\", \"version\": 7}\n  }\n}\n$ echo $VAULT_TOKEN\n", L('VAULT_TOKEN', 'hvs.' + rs(24)), "\n"], 'vault_cli'))

R.shuffle(recs)
for r in recs:
    print(json.dumps(r, ensure_ascii=False))
