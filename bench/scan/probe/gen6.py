#!/usr/bin/env python3
"""probe6: adversarial regression records against the heuristics added on 2026-11-23, plus a
realistic agent-traffic mix (written from PII.md by a separate session). Fixed seed; stdout."""
import json, random, string, zlib, base64, sys
import os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tok6 as tok
R = random.Random(13013)
A62 = string.ascii_letters + string.digits
def rs(n, al=A62): return ''.join(R.choice(al) for _ in range(n))
def hexs(n): return rs(n, '0123456789abcdef')
OUT = []
def rec(parts, tag):
    text = b''; spans = []
    for p in parts:
        if isinstance(p, tuple):
            s, t = p; b = s.encode()
            spans.append({"start": len(text), "end": len(text) + len(b), "type": t}); text += b
        else:
            text += p.encode()
    OUT.append({"text": text.decode(), "spans": spans, "tag": tag})
def jrec(obj_builder, tag):
    """obj_builder returns a JSON-able structure where PII leaves are tuples (value,type); compute spans in serialized text"""
    marks = []
    def conv(o):
        if isinstance(o, tuple): marks.append(o); return "\x00%d\x00" % (len(marks)-1)
        if isinstance(o, dict): return {k: conv(v) for k, v in o.items()}
        if isinstance(o, list): return [conv(v) for v in o]
        return o
    s = json.dumps(conv(obj_builder), ensure_ascii=False)
    parts = []; import re
    pos = 0
    for m in re.finditer(r'\x00(\d+)\x00', s):
        parts.append(s[pos:m.start()]); v, t = marks[int(m.group(1))]
        ev = json.dumps(v, ensure_ascii=False)[1:-1]
        parts.append((ev, t) if t else ev); pos = m.end()
    parts.append(s[pos:])
    rec(parts, tag)
# ---------- value generators
def luhn_complete(prefix, length):
    d = [int(c) for c in prefix] + [R.randrange(10) for _ in range(length - len(prefix) - 1)]
    for c in range(10):
        x = d + [c]; s = 0
        for i, v in enumerate(reversed(x)):
            if i % 2: v = v*2 - 9 if v*2 > 9 else v*2
            s += v
        if s % 10 == 0: return ''.join(map(str, x))
def visa(): return luhn_complete('4' + str(R.randrange(10**5)).zfill(5), 16)
def mc(): return luhn_complete(str(R.randint(51, 55)), 16)
def amex(): return luhn_complete(R.choice(['34', '37']), 15)
def grp(cc, sep=' '):
    if len(cc) == 15: return cc[:4]+sep+cc[4:10]+sep+cc[10:]
    return sep.join(cc[i:i+4] for i in range(0, len(cc), 4))
def ssn(sep='-'):
    while True:
        a = R.randint(1, 899)
        if a != 666: break
    return '%03d%s%02d%s%04d' % (a, sep, R.randint(1, 99), sep, R.randint(1, 9999))
def iban_de():
    bban = ''.join(str(R.randrange(10)) for _ in range(18))
    num = int(bban + '131400')  # D=13 E=14
    chk = 98 - num % 97
    return 'DE%02d%s' % (chk, bban)
def iban_grp(i): return ' '.join(i[k:k+4] for k in range(0, len(i), 4))
def nanp(fmt=0):
    a = R.choice(['415', '212', '646', '312', '617', '303', '206', '512']); e = str(R.randint(200, 989)); l = '%04d' % R.randint(100, 9999)
    return [f'{a}-{e}-{l}', f'({a}) {e}-{l}', f'+1 {a} {e} {l}', f'{a}.{e}.{l}', f'+1-{a}-{e}-{l}'][fmt]
def uk(): return '+44 20 7946 0%03d' % R.randint(0, 999)
def de(): return '+49 30 %d' % R.randint(10000000, 99999999)
FIRST = ['jane', 'maria', 'wei', 'olu', 'sven', 'priya', 'tom', 'ana', 'lukas', 'fatima', 'diego', 'yuki']
LAST = ['doe', 'garcia', 'zhang', 'adeyemi', 'larsen', 'nair', 'okafor', 'silva', 'meier', 'khan', 'ruiz', 'tanaka']
DOM = ['acme.com', 'gmail.com', 'outlook.com', 'contoso.io', 'globex.co.uk', 'initech.de', 'fastmail.fm', 'proton.me']
def name(): return R.choice(FIRST).title() + ' ' + R.choice(LAST).title()
def email(n=None):
    n = n or name(); f, l = n.lower().split()
    return R.choice([f'{f}.{l}', f'{f[0]}{l}', f'{f}_{l}{R.randint(1,99)}', f'{f}+billing'])+'@'+R.choice(DOM)
def ip(): return R.choice(['10.%d.%d.%d', '192.168.%d.%d', '172.16.%d.%d', '34.%d.%d.%d', '52.%d.%d.%d']) % tuple(R.randint(1, 254) for _ in range(4))[:0] if False else ipv4()
def ipv4():
    t = R.choice(['10.{}.{}.{}', '192.168.{}.{}', '172.16.{}.{}', '34.{}.{}.{}', '52.{}.{}.{}', '203.0.113.{}'])
    return t.format(*[R.randint(1, 254) for _ in range(t.count('{}'))])
def akia(): return R.choice(['AKIA', 'ASIA']) + rs(16, string.ascii_uppercase + '234567')
def awssec(): return rs(40, A62 + '/+')
def ghp(): return tok.ghp(rng=R, prefix=R.choice(['ghp_', 'gho_', 'ghs_']))
def openai(): return 'sk-proj-' + rs(R.randint(20, 40), A62+'-_') + 'T3BlbkFJ' + rs(R.randint(20, 40), A62+'-_')
def anth(): return 'sk-ant-api03-' + rs(93, A62+'-_') + 'AA'
def google(): return 'AIza' + rs(35, A62+'-_')
def stripe(): return R.choice(['sk_live_', 'rk_live_']) + '51' + rs(R.randint(30, 90))
def slack(): return 'xoxb-%d-%d-%s' % (R.randint(10**11, 10**12-1), R.randint(10**12, 10**13-1), rs(24))
def gitlab(): return 'glpat-' + rs(20, A62+'-_')
def npm(): return 'npm_' + rs(36)
def hf(): return 'hf_' + rs(34)
def jwt():
    h = base64.urlsafe_b64encode(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()).decode().rstrip('=')
    p = base64.urlsafe_b64encode(json.dumps({"sub": str(R.randint(1, 99999)), "iat": 1717000000 + R.randint(0, 99999)}).encode()).decode().rstrip('=')
    return f'{h}.{p}.{rs(43, A62+"-_")}'
def pw(): return rs(R.randint(14, 24), A62 + '!#%^*-_')
def gsec(): return rs(32)
def pkey(esc=False):
    body = '\n'.join(rs(64, A62+'+/') for _ in range(6))
    k = f'-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----'
    return k
def uuid(): return f'{hexs(8)}-{hexs(4)}-4{hexs(3)}-a{hexs(3)}-{hexs(12)}'
G = 'GENERIC_SECRET'
# ================= ADVERSARIAL =================
# A. word_ident / env_name: passphrase-style real passwords, unquoted
PHR = ['CorrectHorseBatteryStaple', 'PurpleMonkeyDishwasher', 'BlueMoonRisingSlowly', 'Tiger_Lily_Moon_Garden',
       'correct_horse_battery_staple', 'SilverFoxJumpsHigh', 'orange_river_candle_piano']
for i, ph in enumerate(PHR):
    form = i % 4
    if form == 0: rec(['# .env\nAPP_ENV=production\nDB_HOST=db.internal\nDB_PASSWORD=', (ph, G), '\nDB_PORT=5432\n'], 'adv_wordident_env')
    elif form == 1: rec(['database:\n  host: pg-primary\n  user: app\n  password: ', (ph, G), '\n  pool: 10\n'], 'adv_wordident_yaml')
    elif form == 2: rec(['$ export SMTP_PASSWORD=', (ph, G), '\n$ ./send_report.sh\nsent 14 messages\n'], 'adv_wordident_shell')
    else: rec(['spring.datasource.password=', (ph, G), '\nspring.datasource.username=svc_orders\n'], 'adv_wordident_props')
# controls: real code refs must stay clean
rec(['token = accessToken\nself.password = newPassword\nsecret: ConfigService\n'], 'adv_wordident_ctrl')
rec(['const apiKey = process.env.OPENAI_API_KEY;\nconst secret = config.jwtSecret;\n'], 'adv_wordident_ctrl')
# all-caps generated values (env_name)
for v in ['KXPQ_WMRT_ZLBN_VGHC', 'QWERTYZ_PLMNBV_XCDFRT', 'ZK_RXTQ_WPLM_NBVC_HGFD']:
    rec(['{"name": "cache", "env": {"REDIS_PASSWORD": "', (v, G), '"}}'], 'adv_envname_caps')
rec(['env:\n  - name: DB_PASSWORD\n    valueFrom:\n      secretKeyRef: {name: db, key: DB_PASSWORD}\n  - name: API_TOKEN\n    value: API_TOKEN_V2\n'], 'adv_envname_ctrl')
# B. substrings test/password/sample/todo/example/dummy/xxxx inside real values
for v in ['Contest2024!x9Q', 'Attestation#91kz', 'Latest#Build77q', 'Todos4ever!9zX', 'Protest_Vx82!mQ', 'Sampled9#Qx7Lk2']:
    rec(['POSTGRES_PASSWORD=', (v, G), '\n'], 'adv_substr_human')
for _ in range(4):
    a = rs(14); b = rs(14)
    w = R.choice(['test', 'Test', 'TEST', 'todo', 'xxxx'])
    rec(['{"api_key": "', (a + w + b, G), '", "region": "eu-west-1"}'], 'adv_substr_random')
# C. ARN colon rule: key right after ':'
rec(['# config/sidekiq.yml\n:concurrency: 5\n:redis:\n  :url: redis://redis.internal:6379/0\n  :password: ', (pw(), G), '\n'], 'adv_colon_ruby_yaml')
rec([':user: deploy\n:password: ', (pw(), G), '\n:host: ftp.acme.internal\n'], 'adv_colon_ruby_yaml')
rec(['2024-05-02T10:11:12Z WARN pool:token: ', (gsec(), G), ' rejected by upstream\n'], 'adv_colon_log')
rec(['arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf\n'], 'adv_colon_arn_ctrl')
# D. AWS configure prompt
for _ in range(3):
    k, s = akia(), awssec()
    rec(['$ aws configure\nAWS Access Key ID [None]: ', (k, 'AWS_ACCESS_KEY'), '\nAWS Secret Access Key [None]: ', (s, 'AWS_SECRET_KEY'), '\nDefault region name [None]: us-east-1\nDefault output format [None]: json\n'], 'adv_aws_configure')
s = awssec()
rec(['Here are the credentials for the new IAM user:\n- Access key ID: ', (akia(), 'AWS_ACCESS_KEY'), '\n- Secret access key: ', (s, 'AWS_SECRET_KEY'), '\n'], 'adv_aws_prose')
# E. emails in markdown bold / after '*', hex local parts
for _ in range(3):
    n = name(); e = email(n)
    rec(['**Customer:** ', n, '\n**Email:** ', (e, 'EMAIL'), '\n'], 'adv_email_ctrl_bold_label')
for _ in range(4):
    n = name(); e = email(n)
    rec([*R.choice([('Please contact **', (e, 'EMAIL'), '** for access.'), ('Escalate to *', (e, 'EMAIL'), '* asap.'), ('> **Owner:** `', (e, 'EMAIL'), '`')]), '\n'], 'adv_email_bold')
rec(['- *', (email(), 'EMAIL'), '* (primary)\n- *', (email(), 'EMAIL'), '* (backup)\n'], 'adv_email_bold_list')
rec(['Send the invoice to ', ('0123456789abcdef01@billing.acme.com', 'EMAIL'), ' by Friday.\n'], 'adv_email_hexlocal')
rec(['From: ', ('deadbeef1234567890@company.com', 'EMAIL'), '\nSubject: build report\n'], 'adv_email_hexlocal')
rec(['Message-ID: <6cd8bf69-3f1e-4c2a-9d1b-7e8f0a1b2c3d@mail.acme.com>\n'], 'adv_email_msgid_ctrl')
rec(["INSERT INTO users VALUES ('", (name(), None)[0], "','", ('o\'brien.k@acme.com', 'EMAIL'), "');\n"], 'adv_email_apos')
# code refs with acronym parts (must stay clean)
rec(['const secret = config.jwtSecret;\nconst password = cfg.dbPass;\n'], 'adv_coderef_acronym_ctrl')
rec(['token: ctx.jwtToken\napiKey = this.gcpApiKey\n'], 'adv_coderef_acronym_ctrl')
rec(['client_secret = settings.oidcClientSecret\n'], 'adv_coderef_acronym_ctrl')
# F. IP after build / release / ver words
rec(['Build node ', (ipv4(), 'IP_ADDRESS'), ' went offline at 03:12 UTC\n'], 'adv_ip_build')
rec(['$ ssh release@', (ipv4(), 'IP_ADDRESS'), '\nrelease@', ], 'adv_ip_release_user')
rec(['host=build-07 ip=', (ipv4(), 'IP_ADDRESS'), ' status=down\n'], 'adv_ip_build_kv')
rec(['Release server ', (ipv4(), 'IP_ADDRESS'), ' is serving v2.3.1\n'], 'adv_ip_release')
rec(['{"runner": "build-agent-3", "ip": "', (ipv4(), 'IP_ADDRESS'), '"}'], 'adv_ip_build_json')
rec(['AssemblyVersion("4.2.1.0") and Chrome/122.0.6261.94, urn:oid:2.5.4.42\n'], 'adv_ip_ctrl')
# G. phones after a blank-separated group
rec(['Acme Corp, 500 Howard St, San Francisco, CA 94105 ', ('415 555 0132', 'PHONE'), '\n'], 'adv_phone_zip')
rec(['Room 12 ', ('212 555 0147', 'PHONE'), ' (front desk)\n'], 'adv_phone_after_group')
rec(['Phone: ', ('415-555-0132', 'PHONE'), ' / ', ('415-555-0199', 'PHONE'), '\n'], 'adv_phone_slash_ctrl')
rec(['Tracking 1Z 999 AA1 01 2345 6784 shipped\n'], 'adv_phone_tracking_ctrl')
# ================= REALISTIC MIX =================
def mcp_result(text_parts, tag):
    # MCP result with content[].text holding the parts (JSON-escaped)
    pre = '{"jsonrpc":"2.0","id":%d,"result":{"content":[{"type":"text","text":"' % R.randint(1, 999)
    esc = []
    for p in text_parts:
        if isinstance(p, tuple): esc.append((json.dumps(p[0])[1:-1], p[1]))
        else: esc.append(json.dumps(p)[1:-1])
    rec([pre] + esc + ['"}],"isError":false}}'], tag)
for i in range(150):
    k = i % 30
    if k == 0:
        n = name(); e = email(n); ph = nanp(R.randrange(5))
        jrec({"jsonrpc": "2.0", "id": i, "method": "tools/call", "params": {"name": "crm.create_contact", "arguments": {"name": n, "email": (e, 'EMAIL'), "phone": (ph, 'PHONE'), "company": "Globex"}}}, 'mix_mcp_call_crm')
    elif k == 1:
        rows = []
        for _ in range(3):
            n = name(); rows += [f'| {n} | ', (email(n), 'EMAIL'), ' | ', (nanp(R.choice([0, 1, 2])), 'PHONE'), ' |\n']
        mcp_result(['| Name | Email | Phone |\n|---|---|---|\n'] + rows, 'mix_mcp_table')
    elif k == 2:
        lines = []
        for _ in range(4):
            lines += [(ipv4(), 'IP_ADDRESS'), f' - - [02/May/2024:10:{R.randint(10,59)}:{R.randint(10,59)} +0000] "GET /api/v2/orders/{R.randint(1000,99999)} HTTP/1.1" 200 {R.randint(100,9000)} "-" "Mozilla/5.0 (X11; Linux x86_64) Chrome/122.0.6261.94"\n']
        rec(lines, 'mix_nginx_log')
    elif k == 3:
        rec(['import os\nfrom openai import OpenAI\n\nclient = OpenAI(api_key=os.environ["OPENAI_API_KEY"])\npassword = os.getenv("DB_PASSWORD")\ntoken = settings.GITHUB_TOKEN\nmax_tokens = 4096\n'], 'mix_code_env_ctrl')
    elif k == 4:
        rec(['# .env.production\nNODE_ENV=production\nDATABASE_URL=postgres://app:', (rs(20), G), '@db.internal:5432/app\nOPENAI_API_KEY=', (openai(), 'OPENAI_KEY'), '\nSTRIPE_SECRET_KEY=', (stripe(), 'STRIPE_KEY'), '\nSTRIPE_PUBLISHABLE_KEY=pk_live_', rs(40), '\nSESSION_SECRET=', (gsec(), G), '\n'], 'mix_dotenv')
    elif k == 5:
        rec(['services:\n  db:\n    image: postgres:16.2\n    environment:\n      POSTGRES_USER: app\n      POSTGRES_PASSWORD: ', (pw(), G), '\n      POSTGRES_DB: orders\n  web:\n    image: ghcr.io/acme/web@sha256:', hexs(64), '\n    ports: ["8080:8080"]\n'], 'mix_compose')
    elif k == 6:
        n = name(); c = visa()
        rec([f'Ticket #{R.randint(10000,99999)}: {n} ', '(', (email(n), 'EMAIL'), ') says card ', (grp(c), 'CREDIT_CARD'), ' was charged twice on order ORD-', str(R.randint(10**7, 10**8)), '. Call back at ', (nanp(0), 'PHONE'), '.\n'], 'mix_ticket_cc')
    elif k == 7:
        sha = hexs(40); n = name()
        rec([f'commit {sha}\nAuthor: {n} <', (email(n), 'EMAIL'), f'>\nDate:   Thu May 2 10:11:12 2024 +0200\n\n    fix: retry on 503 (closes #{R.randint(100,9999)})\n'], 'mix_git_log')
    elif k == 8:
        rec(['$ curl -s https://api.acme.io/v1/me -H "Authorization: Bearer ', (gsec(), G), '" -H "X-Request-Id: ', uuid(), '"\n{"id": ', str(R.randint(1, 9999)), ', "plan": "pro"}\n'], 'mix_curl_bearer')
    elif k == 9:
        rec([f'"node_modules/lodash": {{\n  "version": "4.17.21",\n  "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz",\n  "integrity": "sha512-{rs(86, A62+"+/")}=="\n}}\n'], 'mix_lockfile_ctrl')
    elif k == 10:
        rec([f'Traceback (most recent call last):\n  File "/app/worker.py", line {R.randint(10,400)}, in run\n    resp = client.post(url, json=payload, timeout=30)\nrequests.exceptions.ConnectionError: HTTPSConnectionPool(host=\'', (ipv4(), 'IP_ADDRESS'), "', port=443): Max retries exceeded\ntrace_id=", hexs(32), '\n'], 'mix_traceback')
    elif k == 11:
        jrec({"Credentials": {"AccessKeyId": (akia(), 'AWS_ACCESS_KEY'), "SecretAccessKey": (awssec(), 'AWS_SECRET_KEY'), "SessionToken": (rs(120, A62+'/+'), G), "Expiration": "2024-05-02T11:11:12Z"}, "AssumedRoleUser": {"Arn": "arn:aws:sts::123456789012:assumed-role/deploy/ci"}}, 'mix_sts')
    elif k == 12:
        rec(['on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: ./deploy.sh\n        env:\n          AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}\n          GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}\n'], 'mix_ci_ctrl')
    elif k == 13:
        rows = ['id,name,ssn,iban\n']
        for j in range(3):
            rows += [f'{j+1},{name()},', (ssn(), 'US_SSN'), ',', (iban_de(), 'IBAN'), '\n']
        mcp_result(rows, 'mix_csv_ssn_iban')
    elif k == 14:
        kk = pkey()
        jrec({"name": "deploy-key", "type": "ssh", "private_key": (kk, 'PRIVATE_KEY'), "public_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + rs(43) + " ci@acme"}, 'mix_pkey_json')
    elif k == 15:
        rec(['git remote set-url origin https://x-access-token:', (ghp(), 'GITHUB_TOKEN'), '@github.com/acme/api.git\n'], 'mix_git_remote')
    elif k == 16:
        jrec({"model": "gpt-4o", "messages": [{"role": "user", "content": "Summarise this ticket"}], "tool_choice": "auto", "max_tokens": 1024, "request_id": uuid()}, 'mix_llm_req_ctrl')
    elif k == 17:
        rec(['apiVersion: v1\nkind: Secret\nmetadata:\n  name: api-credentials\ntype: Opaque\nstringData:\n  SLACK_BOT_TOKEN: ', (slack(), 'SLACK_TOKEN'), '\n  HF_TOKEN: ', (hf(), 'HUGGINGFACE_TOKEN'), '\n'], 'mix_k8s_secret')
    elif k == 18:
        n = name()
        rec([f'Hi team,\n\nPlease update the payroll record for {n}: new IBAN ', (iban_grp(iban_de()), 'IBAN'), ', SSN ', (ssn(), 'US_SSN'), '. Mobile ', (de(), 'PHONE'), '.\n\nThanks,\nHR\n'], 'mix_email_hr')
    elif k == 19:
        rec([f'2024-05-02 10:11:{R.randint(10,59)} INFO  request_id={uuid()} user=', (email(), 'EMAIL'), ' ip=', (ipv4(), 'IP_ADDRESS'), ' path=/login status=200 duration_ms=', str(R.randint(3, 900)), '\n'], 'mix_app_log')
    elif k == 20:
        rec([f'FROM python:3.12-slim\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nENV PORT=8080 WORKERS=4\nEXPOSE 8080\nCMD ["gunicorn", "app:app"]\n'], 'mix_dockerfile_ctrl')
    elif k == 21:
        rec(['$ psql "postgresql://analytics:', (rs(18), G), '@', 'warehouse.internal:5432/dw"\npsql (16.2)\ndw=> select count(*) from orders;\n count\n-------\n ', str(R.randint(1000, 999999)), '\n'], 'mix_psql')
    elif k == 22:
        rec(['anthropic:\n  api_key: ', (anth(), 'ANTHROPIC_KEY'), '\n  model: claude-3-5-sonnet-20240620\n  max_tokens: 4096\ngoogle:\n  maps_key: ', (google(), 'GOOGLE_API_KEY'), '\n'], 'mix_llm_config')
    elif k == 23:
        rec([f'Order {R.randint(10**8, 10**9)} placed 2024-05-0{R.randint(1,9)}; snowflake id {R.randint(10**18, 10**19-1)}; tracking 9400 1000 0000 0000 0000 00; amount $', f'{R.randint(10,999)}.{R.randint(10,99)}', '\n'], 'mix_numbers_ctrl')
    elif k == 24:
        c = mc()
        jrec({"customer": {"name": name(), "email": (email(), 'EMAIL'), "billing": {"card_number": (c, 'CREDIT_CARD'), "exp": "09/27", "last4": c[-4:]}, "ip": (ipv4(), 'IP_ADDRESS')}}, 'mix_json_billing')
    elif k == 25:
        rec(['$ npm config set //registry.npmjs.org/:_authToken ', (npm(), 'NPM_TOKEN'), '\n$ npm publish --access public\n+ @acme/utils@1.4.2\n'], 'mix_npm')
    elif k == 26:
        rec(['Already masked: card **** **** **** 4242, ssn ***-**-1234, email [EMAIL], key sk-...XYZ, <YOUR_API_KEY>\n'], 'mix_masked_ctrl')
    elif k == 27:
        rec(['mysql -h ', (ipv4(), 'IP_ADDRESS'), ' -u admin --password=', (pw(), G), ' -e "SHOW DATABASES;"\n'], 'mix_mysql_cli')
    elif k == 28:
        rec(['HTTP/1.1 200 OK\nContent-Type: application/json\nSet-Cookie: session=', hexs(32), '; HttpOnly\n\n{"access_token": "', (jwt(), 'JWT'), '", "token_type": "Bearer", "expires_in": 3600}\n'], 'mix_oauth_resp')
    elif k == 29:
        n = name()
        rec([f'Shipping label\n{n}\n742 Evergreen Terrace\nSpringfield, OR 97403-1234\nTel: ', (nanp(R.choice([0, 1, 3])), 'PHONE'), '\nEmail: ', (email(n), 'EMAIL'), '\n'], 'mix_label')
for r in OUT: print(json.dumps(r, ensure_ascii=False))
