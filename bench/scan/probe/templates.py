# ---- templates (exec'd by gen.py) ----
def P(t, v): return [L(t, v)]
def crd(kind=None, sep=None):
    d, g = card(kind)
    sep = R.choice(["", " ", "-"]) if sep is None else sep
    return group(d, g, sep) if g else d
def ssn_s(sep=None):
    a, g, s = ssn(); sep = sep if sep is not None else R.choice(["-", "-", " "])
    return a + sep + g + sep + s
def iban_s(cc=None):
    v = iban(cc); return g4(v) if R.random() < 0.5 else v
SECRET_KEYS = ["password", "DB_PASSWORD", "POSTGRES_PASSWORD", "api_key", "API_KEY", "apiKey", "client_secret", "CLIENT_SECRET",
               "secret", "webhook_secret", "access_token", "refresh_token", "auth_token", "AUTH_TOKEN", "passwd", "SMTP_PASSWORD",
               "REDIS_PASSWORD", "JWT_SECRET", "SECRET_TOKEN", "slack_signing_secret", "x-api-key", "admin_password", "token"]
def prefixed():
    k = R.randrange(22)
    return [("GITHUB_TOKEN", ghp()), ("GITHUB_TOKEN", ghp("gho_")), ("GITHUB_TOKEN", ghp("ghs_")), ("GITHUB_TOKEN", github_pat()),
            ("OPENAI_KEY", openai_legacy()), ("OPENAI_KEY", openai_proj()), ("ANTHROPIC_KEY", anthropic()), ("GOOGLE_API_KEY", google()),
            ("STRIPE_KEY", stripe()), ("STRIPE_KEY", stripe("rk_live_")), ("SLACK_TOKEN", slack_bot()), ("SLACK_TOKEN", slack_user()),
            ("GITLAB_TOKEN", gitlab()), ("NPM_TOKEN", npm()), ("HUGGINGFACE_TOKEN", hf()), ("SENDGRID_KEY", sendgrid()),
            ("AWS_ACCESS_KEY", aws_akid()), ("AWS_ACCESS_KEY", aws_akid("ASIA")), ("SHOPIFY_TOKEN", shopify()),
            ("DIGITALOCEAN_TOKEN", digitalocean()), ("SLACK_TOKEN", slack_app()), ("STRIPE_KEY", stripe("sk_test_"))][k]
PREFIX_ENV = {"GITHUB_TOKEN": "GITHUB_TOKEN", "OPENAI_KEY": "OPENAI_API_KEY", "ANTHROPIC_KEY": "ANTHROPIC_API_KEY", "GOOGLE_API_KEY": "GOOGLE_API_KEY",
              "STRIPE_KEY": "STRIPE_SECRET_KEY", "SLACK_TOKEN": "SLACK_BOT_TOKEN", "GITLAB_TOKEN": "GITLAB_TOKEN", "NPM_TOKEN": "NPM_TOKEN",
              "HUGGINGFACE_TOKEN": "HF_TOKEN", "SENDGRID_KEY": "SENDGRID_API_KEY", "AWS_ACCESS_KEY": "AWS_ACCESS_KEY_ID",
              "SHOPIFY_TOKEN": "SHOPIFY_ACCESS_TOKEN", "DIGITALOCEAN_TOKEN": "DIGITALOCEAN_TOKEN"}
def pk_kind(): return R.choice(["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "DSA PRIVATE KEY", "PGP PRIVATE KEY BLOCK"])
def pk(nl="\n", kind=None):
    kind = kind or pk_kind()
    hd = ["Version: GnuPG v2", "Comment: backup key"] if kind == "PGP PRIVATE KEY BLOCK" else None
    if kind == "RSA PRIVATE KEY" and R.random() < 0.3: hd = ["Proc-Type: 4,ENCRYPTED", "DEK-Info: AES-128-CBC,%s" % rs(32, "0123456789ABCDEF")]
    body = None
    if kind == "OPENSSH PRIVATE KEY": body = ["b3BlbnNzaC1rZXktdjEAAAAA" + rs(46, B64)] + [rs(70, B64) for _ in range(R.randint(3, 6))] + [rs(20, B64) + "="]
    return keyblock(kind, nl=nl, headers=hd, body=body)
def prose(n=None):
    W = "the customer asked about refund status for order shipping delay please check and reply today thanks account update".split()
    return " ".join(R.choice(W) for _ in range(n or R.randint(3, 9)))
NEGS = [
    lambda: "request_id=" + uuid(), lambda: "commit " + rs(40, HEX), lambda: "sha256:" + rs(64, HEX),
    lambda: "integrity sha512-" + rs(86, B64) + "==", lambda: "trace_id=" + rs(32, HEX), lambda: "version 3.11.4",
    lambda: "at 2024-03-15T10:22:31.482Z", lambda: "Order #%d" % R.randint(10**7, 10**9), lambda: "ticket SO-123-456789",
    lambda: "ISBN 978-0-306-40615-7", lambda: "ZIP 94105-1234", lambda: "pages 1200-1350", lambda: "lodash@4.17.21",
    lambda: "icon@2x.png", lambda: "npm i @babel/core", lambda: "Chrome/122.0.6261.94", lambda: "OID 1.3.6.1.4.1.311.21.7",
    lambda: "max_tokens: 4096", lambda: "token_type: Bearer", lambda: "AKIAIOSFODNN7EXAMPLE", lambda: "card **** **** **** 4242",
    lambda: "SSN ***-**-1234", lambda: "contact [EMAIL]", lambda: "api_key=<YOUR_API_KEY>", lambda: "password: ${DB_PASSWORD}",
    lambda: "epoch %d" % R.randint(1700000000, 1730000000), lambda: "ts=%d" % R.randint(1700000000000, 1730000000000),
    lambda: "user id %d" % R.randint(10**18, 9 * 10**18), lambda: "account 123456789012", lambda: "duration 00:01:23.456",
]
def neg(): return R.choice(NEGS)()

# 1. MCP tools/call requests (arguments object; string values escaped once)
def t_mcp_req():
    tool = R.choice(["send_email", "create_ticket", "crm_update_contact", "post_message", "run_query"])
    body = D("Hi ", R.choice(FIRST), ",\n", prose(), ". Reach me on ", P("PHONE", phone()), " or ", P("EMAIL", email()),
             ".\n", neg(), "\nCard on file: ", P("CREDIT_CARD", crd()), "\nThanks")
    args = D('{"to":"', P("EMAIL", email()), '","subject":"Re: ', prose(3), '","body":"', J(body), '"}')
    return D('{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"%s","arguments":' % (R.randint(1, 999), tool), args, '}}'), "mcp_req"
def t_mcp_req_secret():
    t, v = prefixed()
    env = PREFIX_ENV.get(t, "TOKEN")
    cmd = D("export ", env, "=", P(t, v), " && ./deploy.sh --region eu-west-1")
    return D('{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"bash","arguments":{"command":"' % R.randint(1, 99), J(cmd), '","timeout":30}}}'), "mcp_req_secret:" + t
# 2. MCP tool results with JSON text (double escaping)
def t_mcp_result():
    inner = D('{"id":', str(R.randint(1000, 99999)), ',"name":"', R.choice(FIRST), " ", R.choice(LAST), '","email":"', P("EMAIL", email()),
              '","phone":"', P("PHONE", phone()), '","ssn":"', P("US_SSN", ssn_s("-")), '","iban":"', P("IBAN", iban_s()),
              '","created_at":"2024-02-11T09:14:22Z","uuid":"', uuid(), '"}')
    return D('{"jsonrpc":"2.0","id":%d,"result":{"content":[{"type":"text","text":"' % R.randint(1, 999), J(inner), '"}],"isError":false}}'), "mcp_result"
def t_mcp_result_key():
    nl = "\n"
    inner = D('{"secret_name":"prod/deploy-key","value":"', P("PRIVATE_KEY", esc1(pk(nl))), '","version":3}')
    return D('{"jsonrpc":"2.0","id":%d,"result":{"content":[{"type":"text","text":"' % R.randint(1, 999), J(inner), '"}]}}'), "mcp_result_key(2x)"
def t_mcp_result_env():
    t, v = prefixed(); pw1 = pw()
    inner = D("$ cat .env\nNODE_ENV=production\n", PREFIX_ENV.get(t, "TOKEN"), "=", P(t, v), "\nDATABASE_URL=postgres://app:", P("GENERIC_SECRET", pw1.replace("#", "x").replace("%", "y")), "@db.internal:5432/app\nLOG_LEVEL=debug\n")
    return D('{"jsonrpc":"2.0","id":5,"result":{"content":[{"type":"text","text":"', J(inner), '"}]}}'), "mcp_result_env:" + t
# 3. OpenAI tool calls: arguments is a JSON string (double escaping)
def t_openai_call():
    args = D('{"customer_email":"', P("EMAIL", email()), '","card_number":"', P("CREDIT_CARD", crd(sep="")), '","note":"', J(D("call back on ", P("PHONE", phone()))), '"}')
    return D('{"role":"assistant","content":null,"tool_calls":[{"id":"call_', rs(24), '","type":"function","function":{"name":"charge_customer","arguments":"', J(args), '"}}]}'), "openai_call"
def t_openai_call_secret():
    k = R.choice(SECRET_KEYS); v = pw()
    args = D('{"url":"https://api.internal.acme.com/v2/sync","headers":{"', k, '":"', P("GENERIC_SECRET", v), '"},"retries":3}')
    return D('{"role":"assistant","tool_calls":[{"id":"call_', rs(24), '","type":"function","function":{"name":"http_request","arguments":"', J(args), '"}}]}'), "openai_call_secret:" + k
def t_openai_tool_msg():
    out = D("id,name,email,phone\n", *[D(str(i), ",", R.choice(FIRST), " ", R.choice(LAST), ",", P("EMAIL", email()), ",", P("PHONE", phone()), "\n") for i in range(1, 4)])
    return D('{"role":"tool","tool_call_id":"call_', rs(24), '","content":"', J(out), '"}'), "openai_tool_csv"
# 4. Anthropic messages
def t_anthropic():
    q = D("SELECT * FROM users WHERE email = '", P("EMAIL", email()), "' OR phone = '", P("PHONE", phone()), "';")
    res = D("[{\"id\": 42, \"ssn\": \"", P("US_SSN", ssn_s()), "\", \"card\": \"", P("CREDIT_CARD", crd()), "\"}]")
    return D('{"role":"assistant","content":[{"type":"tool_use","id":"toolu_01', rs(22), '","name":"run_sql","input":{"query":"', J(q), '"}}]}\n',
             '{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01', rs(22), '","content":"', J(res), '"}]}'), "anthropic"
# 5. chat transcripts
def t_chat():
    lines = [D("User: hi, my card ", P("CREDIT_CARD", crd()), " was charged twice for order #", str(R.randint(100000, 999999)), "\n"),
             D("Assistant: Sorry about that! Can you confirm the email on the account?\n"),
             D("User: sure, it's ", P("EMAIL", email()), " and my number is ", P("PHONE", phone()), "\n"),
             D("Assistant: Thanks. I've refunded the charge; reference ", uuid(), ".\n")]
    return D(*lines), "chat"
def t_chat_intl():
    v = R.choice([
        D("客户：李伟，电话 ", P("PHONE", "+86 138 %04d %04d" % (R.randint(0, 9999), R.randint(0, 9999))), "，邮箱", P("EMAIL", "li.wei%d@example.cn" % R.randint(1, 99)), "。"),
        D("Herr Müller (", P("EMAIL", "h.mueller@firma.de"), ") bittet um Rückruf unter ", P("PHONE", "+49 89 %d" % R.randint(1000000, 9999999)), ". IBAN: ", P("IBAN", g4(iban("DE"))), " 👍"),
        D("Mme Dubois — tél. ", P("PHONE", "+33 6 %02d %02d %02d %02d" % tuple(R.randint(0, 99) for _ in range(4))), " — RIB ", P("IBAN", g4(iban("FR"))), " ✅"),
        D("お客様のメール：", P("EMAIL", "tanaka.yuki@yahoo.co.jp"), " 電話：", P("PHONE", "+81 90-%04d-%04d" % (R.randint(1000, 9999), R.randint(0, 9999))), "です。"),
        D("🎉 Sofía García → ", P("EMAIL", "sofia.garcia+promo@correo.es"), " · móvil ", P("PHONE", "+34 6%02d %03d %03d" % (R.randint(0, 99), R.randint(0, 999), R.randint(0, 999)))),
        D("卡号", P("CREDIT_CARD", crd(0, "")), "已冻结"),
    ])
    return v, "chat_intl"
# 6. CRM / support tickets
def t_ticket():
    n1, n2 = R.choice(FIRST), R.choice(LAST)
    return D("Ticket #", str(R.randint(10000, 99999)), " | Priority: High | Status: Open\nFrom: ", n1, " ", n2, " <", P("EMAIL", email()), ">\n",
             "Phone: ", P("PHONE", phone()), "\nSubject: Refund not received\n\n", prose(12), ". My SSN is ", P("US_SSN", ssn_s()),
             " if you need to verify, and the refund should go to ", P("IBAN", iban_s()), ".\n", neg(), "\n-- \nSent from my iPhone"), "ticket"
def t_crm_json():
    c = D('{"contact":{"firstName":"', R.choice(FIRST), '","lastName":"', R.choice(LAST), '","emails":[{"type":"work","value":"', P("EMAIL", email()),
          '"}],"phoneNumbers":[{"type":"mobile","value":"', P("PHONE", phone()), '"}],"taxId":"', P("US_SSN", ssn_s("-")), '","updatedAt":"2024-05-01T12:00:00Z","owner_id":',
          str(R.randint(10**11, 10**12)), '}}')
    return c, "crm_json"
# 7. HTTP logs
def t_http_log():
    ip = ipv4(); ua = R.choice(["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.6261.94 Safari/537.36", "curl/8.4.0", "python-requests/2.31.0"])
    return D(P("IP_ADDRESS", ip), ' - - [15/Mar/2024:10:22:%02d +0000] "POST /api/v1/login HTTP/1.1" 200 512 "-" "' % R.randint(0, 59), ua, '" rt=0.042 upstream=',
             P("IP_ADDRESS", ipv4()), ":8080 req_id=", uuid()), "http_log"
def t_http_headers():
    k = R.randrange(4)
    if k == 0: h = D("Authorization: Bearer ", P("GENERIC_SECRET", rs(R.randint(32, 48), ALNUM + "-._~")))
    elif k == 1: h = D("Authorization: Basic ", P("GENERIC_SECRET", base64.b64encode(("svc-%s:%s" % (rs(4).lower(), pw())).encode()).decode()))
    elif k == 2: h = D("Authorization: Bearer ", P("JWT", jwt()))
    else: t, v = prefixed(); h = D("Authorization: Bearer ", P(t, v))
    return D("> GET /v1/accounts HTTP/1.1\n> Host: api.example.com\n> User-Agent: agent/1.4.2\n> ", h, "\n> Accept: application/json\n>\n< HTTP/1.1 200 OK\n< X-Request-Id: ", uuid(), "\n"), "http_headers%d" % k
def t_applog():
    return D("2024-06-11 14:02:33,118 ERROR [payments] charge failed customer=", P("EMAIL", email()), " card=", P("CREDIT_CARD", crd()), " amount=129.99 ip=",
             P("IP_ADDRESS", ipv4()), " trace=", rs(32, HEX), "\n2024-06-11 14:02:33,120 WARN  [payments] retry 1/3 in 250ms (order 4711-", str(R.randint(1000, 9999)), ")"), "applog"
def t_ipv6_log():
    v = ipv6(); k = R.randrange(4)
    if k == 0: return D("client connected from [", P("IP_ADDRESS", v), "]:443 tls=1.3"), "ipv6_brackets"
    if k == 1: return D("inet6 ", P("IP_ADDRESS", v), "/64 scope global dynamic"), "ipv6_cidr"
    if k == 2: return D('{"remote_addr":"', P("IP_ADDRESS", v), '","status":403}'), "ipv6_json"
    return D("X-Forwarded-For: ", P("IP_ADDRESS", v), ", ", P("IP_ADDRESS", ipv4())), "ipv6_xff"
# 8. stack traces
def t_trace():
    p = pw().replace("#", "x").replace("%", "y"); host = ipv4()
    return D('Traceback (most recent call last):\n  File "/app/db.py", line 42, in connect\n    conn = psycopg2.connect(dsn)\npsycopg2.OperationalError: connection to server at "',
             P("IP_ADDRESS", host), '", port 5432 failed: FATAL:  password authentication failed for user "app"\n\ndsn = "postgresql://app:', P("GENERIC_SECRET", p), "@", P("IP_ADDRESS", host), ':5432/orders"\n'), "trace_py"
def t_trace_java():
    return D("Exception in thread \"main\" java.lang.IllegalStateException: user ", P("EMAIL", email()), " not found\n\tat com.acme.users.UserService.find(UserService.java:88)\n\tat com.acme.Main.main(Main.java:12)\nCaused by: java.net.ConnectException: Connection refused (", P("IP_ADDRESS", ipv4()), ":6379)\n"), "trace_java"
# 9. .env
def t_env():
    lines = ["# generated 2024-04-02\n", "NODE_ENV=production\n", "PORT=3000\n"]
    t, v = prefixed()
    lines.append(D(PREFIX_ENV.get(t, "TOKEN"), "=", P(t, v), "\n"))
    k = R.choice(["DB_PASSWORD", "SESSION_SECRET", "JWT_SECRET", "SMTP_PASSWORD", "API_KEY", "CLIENT_SECRET"]); q = R.choice(["", '"', "'"])
    lines.append(D(k, "=", q, P("GENERIC_SECRET", pw()), q, "\n"))
    lines.append(D("SUPPORT_EMAIL=", P("EMAIL", email()), "\n"))
    lines.append(R.choice(["REDIS_URL=redis://:", "AMQP_URL=amqp://worker:", "MONGO_URL=mongodb+srv://admin:"]))
    p = pw(16).replace("#", "x").replace("%", "y"); lines.append(D(P("GENERIC_SECRET", p), "@cache-01.internal:6379/0\n"))
    lines.append(R.choice(["SENTRY_DSN=https://%s@o%d.ingest.sentry.io/%d\n" % (rs(32, HEX), R.randint(10000, 99999), R.randint(100000, 999999)), "STRIPE_PUBLISHABLE_KEY=pk_live_%s\n" % rs(24), "AWS_REGION=us-east-1\n", "FEATURE_FLAGS=a,b,c\n"]))
    return D(*lines), "env:" + t
def t_env_neg():
    return D("# .env.example — copy to .env and fill in\nOPENAI_API_KEY=sk-...\nANTHROPIC_API_KEY=<YOUR_ANTHROPIC_KEY>\nDB_PASSWORD=changeme\nJWT_SECRET=${JWT_SECRET}\nAWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\nAWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\nSTRIPE_SECRET_KEY=sk_live_****************\nGITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\nSMTP_PASSWORD=\nAPI_TOKEN=YOUR_API_TOKEN_HERE\nSECRET_KEY=REDACTED\n"), "env_example_neg"
# 10. YAML / TOML / INI
def t_yaml():
    p1, p2 = pw(), pw()
    return D("database:\n  host: ", P("IP_ADDRESS", ipv4()), "\n  port: 5432\n  username: app\n  password: ", P("GENERIC_SECRET", p1), "\n  pool: 10\n",
             "smtp:\n  host: smtp.mailgun.org\n  user: ", P("EMAIL", "postmaster@mg.acme.io"), "\n  password: \"", P("GENERIC_SECRET", p2), "\"\n",
             "oauth:\n  client_id: ", rs(20, string.digits), ".apps.googleusercontent.com\n  token_type: Bearer\n  max_tokens: 2048\n  secret_name: oauth-prod\n"), "yaml"
def t_toml():
    return D('[server]\nbind = "', P("IP_ADDRESS", ipv4()), ':8443"\n\n[database]\nurl = "mysql://root:', P("GENERIC_SECRET", pw().replace("#", "x").replace("%", "y")), '@db.local:3306/shop"\n\n[api]\nkey = "', *(lambda t, v: [P(t, v)])(*prefixed()), '"\nsecret = "', P("GENERIC_SECRET", pw()), '"\ntimeout = "30s"\n'), "toml"
def t_ini():
    return D("[default]\naws_access_key_id = ", P("AWS_ACCESS_KEY", aws_akid()), "\naws_secret_access_key = ", P("AWS_SECRET_KEY", aws_secret()), "\nregion = eu-central-1\n\n[profile ci]\nrole_arn = arn:aws:iam::", str(R.randint(10**11, 10**12 - 1)), ":role/ci\nsource_profile = default\n"), "aws_ini"
def t_sts():
    return D('{\n    "Credentials": {\n        "AccessKeyId": "', P("AWS_ACCESS_KEY", aws_akid("ASIA")), '",\n        "SecretAccessKey": "', P("AWS_SECRET_KEY", aws_secret()),
             '",\n        "Expiration": "2024-06-11T15:02:33+00:00"\n    },\n    "AssumedRoleUser": {\n        "AssumedRoleId": "AROA', rs(17, string.ascii_uppercase + "234567"), ':ci",\n        "Arn": "arn:aws:sts::', str(R.randint(10**11, 10**12 - 1)), ':assumed-role/ci/ci"\n    }\n}'), "aws_sts"
def t_aws_csv():
    return D("User name,Password,Access key ID,Secret access key,Console login link\nci-bot,,", P("AWS_ACCESS_KEY", aws_akid()), ",", P("AWS_SECRET_KEY", aws_secret()), ",https://", str(R.randint(10**11, 10**12 - 1)), ".signin.aws.amazon.com/console\n"), "aws_csv"
def t_aws_adjacent():
    return D("Use key ", P("AWS_ACCESS_KEY", aws_akid()), " / ", P("AWS_SECRET_KEY", aws_secret()), " for the backup bucket."), "aws_adjacent"
# 11. Terraform
def t_tf():
    return D('provider "aws" {\n  region     = "us-west-2"\n  access_key = "', P("AWS_ACCESS_KEY", aws_akid()), '"\n  secret_key = "', P("AWS_SECRET_KEY", aws_secret()), '"\n}\n\n',
             'resource "aws_db_instance" "main" {\n  engine         = "postgres"\n  username       = "dbadmin"\n  password       = "', P("GENERIC_SECRET", pw()), '"\n  instance_class = "db.t3.micro"\n}\n\n',
             'variable "db_password" {\n  type      = string\n  sensitive = true\n}\n'), "terraform"
# 12. docker-compose
def t_compose():
    return D("services:\n  db:\n    image: postgres:16.2\n    environment:\n      POSTGRES_USER: app\n      POSTGRES_PASSWORD: ", P("GENERIC_SECRET", pw()),
             "\n  web:\n    image: ghcr.io/acme/web@sha256:", rs(64, HEX), "\n    environment:\n      - SECRET_KEY=", P("GENERIC_SECRET", pw(30)), "\n      - ADMIN_EMAIL=", P("EMAIL", email()),
             "\n      - DATABASE_PASSWORD=${POSTGRES_PASSWORD}\n    ports:\n      - \"8000:8000\"\n"), "compose"
# 13. Kubernetes
def t_k8s():
    p = pw()
    return D("apiVersion: v1\nkind: Secret\nmetadata:\n  name: app-secrets\n  namespace: prod\ntype: Opaque\ndata:\n  password: ", P("GENERIC_SECRET", base64.b64encode(p.encode()).decode()),
             "\nstringData:\n  api-token: ", P("GENERIC_SECRET", rs(32)), "\n  tls.key: |\n    ", P("PRIVATE_KEY", pk("\n    ", "RSA PRIVATE KEY")), "\n"), "k8s_secret(indented key)"
def t_k8s_env():
    return D("      containers:\n        - name: api\n          image: acme/api:2.3.1\n          env:\n            - name: DB_HOST\n              value: \"", P("IP_ADDRESS", ipv4()),
             "\"\n            - name: DB_PASSWORD\n              value: \"", P("GENERIC_SECRET", pw()), "\"\n            - name: API_TOKEN\n              valueFrom:\n                secretKeyRef:\n                  name: api\n                  key: token\n"), "k8s_env(name/value)"
# 14. shell history
def t_shell():
    t, v = prefixed()
    c = R.randrange(5)
    if c == 0: l = D("export ", PREFIX_ENV.get(t, "TOKEN"), "=", P(t, v))
    elif c == 1: l = D("echo ", P(t, v), " | docker login ghcr.io -u octocat --password-stdin")
    elif c == 2: l = D("gh auth login --with-token <<< ", P(t, v))
    elif c == 3: l = D("heroku config:set API_KEY=", P(t, v))
    else: l = D("npm config set //registry.npmjs.org/:_authToken=", P(t, v))
    return D("  501  cd ~/src/app\n  502  git pull\n  503  ", l, "\n  504  mysql -h ", P("IP_ADDRESS", ipv4()), " -u admin --password ", P("GENERIC_SECRET", pw()), " prod\n  505  history | tail\n"), "shell%d:%s" % (c, t)
# 15. curl
def t_curl():
    t, v = prefixed(); k = R.randrange(4)
    if k == 0: return D("curl -s https://api.openai.com/v1/chat/completions -H \"Authorization: Bearer ", P(t, v), "\" -H 'Content-Type: application/json' -d '{\"model\":\"gpt-4o\"}'"), "curl_bearer:" + t
    if k == 1: return D("curl -u admin:", P("GENERIC_SECRET", pw()), " https://jenkins.acme.io/api/json"), "curl_u"
    if k == 2: return D("curl -X POST https://api.acme.io/v1/users -H 'x-api-key: ", P("GENERIC_SECRET", rs(40, ALNUM + "_-")[:36]), "' -d '{\"email\":\"", P("EMAIL", email()), "\",\"phone\":\"", P("PHONE", phone()), "\"}'"), "curl_xapikey"
    return D("curl \"https://maps.googleapis.com/maps/api/geocode/json?address=1600+Amphitheatre&key=", P("GOOGLE_API_KEY", google()), "\""), "curl_google"
# 16. source code
def t_py():
    t, v = prefixed()
    return D("import os\nimport requests\n\n", PREFIX_ENV.get(t, "TOKEN"), " = \"", P(t, v), "\"  # TODO move to vault\n", "DB_PASSWORD = '", P("GENERIC_SECRET", pw()), "'\n\n",
             "def notify(user):\n    requests.post(URL, json={\"to\": \"", P("EMAIL", email()), "\"}, timeout=10)\n"), "py:" + t
def t_js():
    return D("const config = {\n  apiKey: '", P("GENERIC_SECRET", pw(32)), "',\n  stripeKey: process.env.STRIPE_KEY || '", P("STRIPE_KEY", stripe()), "',\n  publishableKey: 'pk_live_", rs(24), "',\n  adminEmail: \"", P("EMAIL", email()), "\",\n  maxTokens: 4096,\n};\n"), "js"
def t_go():
    return D("var cfg = Config{\n\tAddr:     \"", P("IP_ADDRESS", ipv4()), ":5432\",\n\tUser:     \"svc\",\n\tPassword: \"", P("GENERIC_SECRET", pw()), "\",\n\tSlackToken: \"", P("SLACK_TOKEN", slack_bot()), "\",\n}\n"), "go"
def t_gcp_sa():
    inner = D('{\n  "type": "service_account",\n  "project_id": "acme-prod-42",\n  "private_key_id": "', rs(40, HEX), '",\n  "private_key": "', P("PRIVATE_KEY", esc1(keyblock("PRIVATE KEY"))), '\\n",\n  "client_email": "',
              P("EMAIL", "deployer@acme-prod-42.iam.gserviceaccount.com"), '",\n  "client_id": "', str(R.randint(10**20, 10**21 - 1)), '",\n  "token_uri": "https://oauth2.googleapis.com/token"\n}')
    return inner, "gcp_sa"
def t_pk_raw():
    kind = pk_kind(); return D("Here is the deploy key you asked for:\n\n", P("PRIVATE_KEY", pk("\n", kind)), "\n\nDon't share it."), "pk_raw:" + kind
def t_pk_crlf():
    return D("key:\r\n", P("PRIVATE_KEY", pk("\r\n", "RSA PRIVATE KEY")), "\r\n"), "pk_crlf"
def t_pk_env():
    return D('SSH_PRIVATE_KEY="', P("PRIVATE_KEY", pk("\\n", R.choice(["OPENSSH PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"]))), '"\n'), "pk_env_escaped"
def t_pk_oneline():
    body = [rs(64, B64) for _ in range(6)]
    return D("DEPLOY_KEY: ", P("PRIVATE_KEY", "-----BEGIN RSA PRIVATE KEY----- " + " ".join(body) + " -----END RSA PRIVATE KEY-----"), "\n"), "pk_oneline_spaces"
def t_pk_tf():
    return D('resource "tls_private_key" "x" {}\nlocals {\n  key = <<EOT\n', P("PRIVATE_KEY", pk("\n", "EC PRIVATE KEY")), '\nEOT\n}\n'), "pk_tf_heredoc"
# 17. CSV exports
def t_csv():
    rows = ["customer_id,full_name,email,phone,card,ssn,iban,signup\n"]
    for i in range(R.randint(2, 4)):
        rows.append(D(str(R.randint(10000, 99999)), ",", R.choice(FIRST), " ", R.choice(LAST), ",", P("EMAIL", email()), ",", P("PHONE", phone()), ",",
                      P("CREDIT_CARD", crd()), ",", P("US_SSN", ssn_s()), ",", P("IBAN", iban(R.choice(["DE", "GB", "NL", "FR", "ES"]))), ",2023-0%d-1%d\n" % (R.randint(1, 9), R.randint(0, 9))))
    return D(*rows), "csv"
def t_csv_quoted():
    return D('"id","name","email","phone"\n"1","', R.choice(FIRST), '","', P("EMAIL", email()), '","', P("PHONE", phone()), '"\n"2","', R.choice(FIRST), '","', P("EMAIL", email()), '","', P("PHONE", national()), '"\n'), "csv_quoted(national)"
# 18. emails with signatures
def t_email():
    n1, n2 = ascii_name(R.choice(FIRST)), ascii_name(R.choice(LAST))
    return D("From: ", n1, " ", n2, " <", P("EMAIL", email()), ">\nTo: ", P("EMAIL", "support@" + R.choice(DOMAINS)), "\nCc: ", P("EMAIL", email()), "\nDate: Tue, 11 Jun 2024 09:14:22 +0200\nSubject: Updated bank details\n\nHello,\n\nplease use our new account ",
             P("IBAN", g4(iban())), " for the invoice INV-2024-0", str(R.randint(1000, 9999)), ".\n\nBest regards,\n", n1, " ", n2, "\nHead of Finance | Acme GmbH\nT: ", P("PHONE", phone()), "\nM: ", P("PHONE", phone()), "\nW: www.acme.de\n"), "email"
def t_email_support():
    # fix the To: address label
    d = D("From: ", P("EMAIL", email()), "\nTo: ", P("EMAIL", email()), "\n\nHi team, my SSN ", P("US_SSN", ssn_s()), " was shown on the invoice page. Call ", P("PHONE", phone()), ".\n")
    return d, "email_support"
# 19. markdown docs (mostly negatives)
def t_md():
    return D("## Configuration\n\nSet your key in the environment:\n\n```bash\nexport OPENAI_API_KEY=\"<YOUR_API_KEY>\"\nexport STRIPE_KEY=sk_test_...\n```\n\nThe token looks like `ghp_` followed by 36 characters. Use `${{ secrets.NPM_TOKEN }}` in CI.\n",
             "Questions? Mail ", P("EMAIL", "docs-team@" + R.choice(DOMAINS)), ". Released in v2.14.1 (2024-03-01), requires lodash@4.17.21.\n"), "markdown"
def t_md_neg():
    return D("| field | example |\n|---|---|\n| card | `**** **** **** 4242` |\n| ssn | `***-**-1234` |\n| email | `[EMAIL]` |\n| phone | `+1 (***) ***-**12` |\n| key | `AKIA****************` |\n\nSee RFC 5737 and OID 2.5.4.3.\n"), "markdown_neg"
# 20. negatives-only records
def t_neg_mix():
    return D(*[D(neg(), "\n") for _ in range(R.randint(3, 6))]), "neg_mix"
def t_neg_ids():
    return D('{"id":"', uuid(), '","snowflake":', luhn_complete("1", 19), ',"created_us":', luhn_complete("17180", 16), ',"account_id":"', luhn_complete("", 12),
             '","order_number":"', luhn_complete(R.choice(["7", "8", "9", "1"]), 16), '","etag":"W/\\"', rs(27, B64), '\\""}'), "neg_ids(luhn)"
def t_neg_phone():
    return D("Meeting 2024-06-11 10:30-11:15 CET, room 4.12. Build 20240611.3, release 1.22.3, port range 30000-32767, ISBN 978-3-16-148410-0, ZIP 10001-2345.\n",
             "Invoice INV-2024-00123 total 1,234,567.89 EUR; case SO-123-456789; tracking 1Z999AA10123456784; lat 37.7749, lng -122.4194.\n"), "neg_phone"
def t_neg_secrets():
    return D('{"token_type":"bearer","expires_in":3600,"max_tokens":1024,"secret_name":"prod-db","public_key":"MCowBQYDK2VwAyEA', rs(43, B64), '=","password":null,"api_key":"********","client_secret":"{{ .Values.clientSecret }}","password_policy":"strong"}'), "neg_secrets"
def t_neg_keys():
    return D("-----BEGIN PUBLIC KEY-----\n", "\n".join(rs(64, B64) for _ in range(4)), "\n-----END PUBLIC KEY-----\n-----BEGIN CERTIFICATE-----\n", "\n".join(rs(64, B64) for _ in range(6)),
             "\n-----END CERTIFICATE-----\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI", rs(43, B64), " deploy@ci-runner\n-----BEGIN RSA PRIVATE KEY-----\n[REDACTED]\n-----END RSA PRIVATE KEY-----\n"), "neg_keys"
def t_neg_tokens():
    return D("pk_live_", rs(24), " ", "AIDA", rs(17, string.ascii_uppercase + "234567"), " ", "sk-proj-XXXXXXXXXXXX", " ", "xoxb-your-bot-token", " ",
             "AKIA", rs(9, string.ascii_uppercase), "EXAMPLE", " ", ghp(bad=True), " ", "eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiIxIn0.", rs(20, B64U), "\n"), "neg_tokens(ghp bad crc, jwt no alg)"
def t_neg_numbers():
    a, g, s = ssn()
    return D("SSN ", R.choice(["078-05-1120", "123-45-6789", "000-12-3456", "666-12-3456", "912-34-5678", "123-00-4567", "123-45-0000"]), "; routing 021000021; ",
             "card ", luhn_break(card(0)[0]), "; IBAN ", iban(bad=True), "; DE89370400440532013001; phone 123-456-7890; 555-0100 ext 12; ", a + "-" + g + " " + s, "\n"), "neg_numbers"
def t_neg_ip():
    return D("Version 1.2.3.4.5 of the OID tree 1.3.6.1.4.1.9; 256.12.1.1 is invalid; mac 00:1a:2b:3c:4d:5e; at 12:34:56; xs[::2]; std::vector<int>; Safari/537.36 Edge/120.0.2210.91\n"), "neg_ip"
def t_neg_email():
    return D("git@github.com:acme/app.git, docker pull nginx@sha256:", rs(64, HEX), ", react-dom@18.2.0, logo@3x.webp, https://", rs(32, HEX), "@o12345.ingest.sentry.io/67890, j***@gmail.com, root@localhost, @acme/ui\n"), "neg_email"
# extra positives on specific shapes
def t_card_shapes():
    k = R.randrange(len(CARD_KINDS)); d, g = card(k)
    shape = R.choice([" ", "-", ""])
    return D(R.choice(["Card number: ", "PAN=", "cc: ", '"card":"', "paid with "]), P("CREDIT_CARD", group(d, g, shape) if g else d), R.choice([" exp 04/27 cvv 123", "", ".", '"'])), "card_k%d" % k
def t_testcards():
    v = R.choice(["4242 4242 4242 4242", "4111111111111111", "5555 5555 5555 4444", "378282246310005"])
    return D("Use test card ", P("CREDIT_CARD", v), " in staging."), "testcard"
def t_iban_shapes():
    cc = R.choice(list(IBAN_FMT)); v = iban(cc)
    s = R.choice([v, g4(v)])
    return D(R.choice(["IBAN: ", "<IBAN>", "Kontonummer (IBAN) ", '"iban": "', "beneficiary IBAN "]), P("IBAN", s), R.choice(["", "</IBAN>", '"', "."])), "iban_" + cc
def t_phone_shapes():
    p = phone()
    return D(R.choice(["Tel: ", "call ", "mobile: ", "☎ ", "<a href=\"tel:", "WhatsApp ", "phone=", "Contact number "]), P("PHONE", p), R.choice(["", ".", ",", "\">call</a>", " (after 5pm)"])), "phone"
def t_phone_national():
    return D(R.choice(["Tel. ", "Phone: ", "Mobile: "]), P("PHONE", national())), "phone_national"
def t_ssn_shapes():
    a, g, s = ssn(); k = R.randrange(4)
    if k == 0: return D("SSN: ", P("US_SSN", a + "-" + g + "-" + s)), "ssn_dash"
    if k == 1: return D("social security number ", P("US_SSN", a + " " + g + " " + s)), "ssn_space"
    if k == 2: return D("SSN ", P("US_SSN", a + g + s)), "ssn_bare_kw"
    return D('{"ssn":"', P("US_SSN", a + g + s), '"}'), "ssn_bare_json"
def t_email_shapes():
    e = email()
    return D(R.choice(["mailto:", "<", "Email: ", "(", "cc ", "“"]), P("EMAIL", e), R.choice([">", ").", ".", ", thx", "”", ";"])), "email"
def t_email_upper():
    return D("Contact: ", P("EMAIL", "John.SMITH@Example.COM"), " / ", P("EMAIL", "ops-alerts@eu.mail.acme-corp.io")), "email_upper_sub"
def t_generic_styles():
    v = pw(); k = R.randrange(12)
    styles = [D("password=", P("GENERIC_SECRET", v)), D('"password": "', P("GENERIC_SECRET", v), '"'), D("password: ", P("GENERIC_SECRET", v)),
              D("--password ", P("GENERIC_SECRET", v)), D("--api-key=", P("GENERIC_SECRET", v)), D("client_secret: '", P("GENERIC_SECRET", v), "'"),
              D("API_KEY := \"", P("GENERIC_SECRET", v), "\""), D("<add key=\"ApiKey\" value=\"", P("GENERIC_SECRET", v), "\" />"),
              D("set PASSWORD=", P("GENERIC_SECRET", v)), D("$env:API_TOKEN = \"", P("GENERIC_SECRET", v), "\""), D("secret => '", P("GENERIC_SECRET", v), "',"),
              D("spring.datasource.password=", P("GENERIC_SECRET", v))]
    return D("config ", styles[k], "\n"), "generic_style%d" % k
def t_url_userinfo():
    v = pw().replace("#", "x").replace("%", "y"); s = R.choice(["postgres", "postgresql", "mysql", "redis", "mongodb+srv", "amqps", "https", "ftp", "smtp"])
    return D("connecting to ", s, "://svc_app:", P("GENERIC_SECRET", v), "@", *R.choice([["db.prod.internal"], ["cluster0.ab12c.mongodb.net"], [L("IP_ADDRESS", "10.0.0.12")]]), ":5432/app?sslmode=require"), "userinfo:" + s
def t_git_token_url():
    t, v = R.choice([("GITHUB_TOKEN", ghp()), ("GITLAB_TOKEN", gitlab()), ("GITHUB_TOKEN", github_pat())])
    return D("git clone https://", R.choice(["x-access-token:", "oauth2:", ""]), P(t, v), "@", R.choice(["github.com", "gitlab.com"]), "/acme/infra.git"), "git_token_url"
def t_jwt_shapes():
    j = jwt(); k = R.randrange(4)
    if k == 0: return D("Set-Cookie: session=", P("JWT", j), "; Path=/; HttpOnly; Secure"), "jwt_cookie"
    if k == 1: return D("GET /callback?id_token=", P("JWT", j), "&state=", rs(16)), "jwt_query"
    if k == 2: return D('{"access_token":"', P("JWT", j), '","token_type":"Bearer","expires_in":3600}'), "jwt_json"
    return D("jwt: ", P("JWT", j)), "jwt_plain"
def t_vendor_more():
    t, v = R.choice([("SENDGRID_KEY", sendgrid()), ("TWILIO_KEY", twilio()), ("SHOPIFY_TOKEN", shopify("shpss_")), ("DIGITALOCEAN_TOKEN", digitalocean("doo_v1_")),
                     ("VAULT_TOKEN", vault()), ("HUGGINGFACE_TOKEN", hf()), ("NPM_TOKEN", npm()), ("OPENAI_KEY", openai_svc()), ("ANTHROPIC_KEY", anthropic_admin()),
                     ("GITHUB_TOKEN", ghp("ghu_")), ("GITHUB_TOKEN", ghp("ghr_")), ("SLACK_TOKEN", slack_user())])
    return D(R.choice(["token: ", "key=", "Using ", '{"credential":"', "auth "]), P(t, v), R.choice(["", '"}', " ok", "\n"])), "vendor:" + t
def t_secret_json_escaped_slash():
    s = aws_secret()
    while "/" not in s: s = aws_secret()
    return D('{"aws_secret_access_key":"', P("AWS_SECRET_KEY", s.replace("/", "\\/")), '"}'), "aws_secret_slash_escaped"
def t_ip_shapes():
    k = R.randrange(5)
    if k == 0: return D("Listening on ", P("IP_ADDRESS", "0.0.0.0"), ":8080"), "ip_any"
    if k == 1: return D("allow from ", P("IP_ADDRESS", ipv4()), "/24"), "ip_cidr"
    if k == 2: return D("http://", P("IP_ADDRESS", ipv4()), ":9200/_cat/indices"), "ip_url"
    if k == 3: return D("peer ", P("IP_ADDRESS", "::ffff:" + ipv4())), "ip_mapped"
    return D("ping ", P("IP_ADDRESS", "fe80::1"), "%eth0"), "ip_zone"

TEMPLATES = [(t_mcp_req, 20), (t_mcp_req_secret, 20), (t_mcp_result, 18), (t_mcp_result_key, 8), (t_mcp_result_env, 12), (t_openai_call, 14), (t_openai_call_secret, 12),
             (t_openai_tool_msg, 8), (t_anthropic, 10), (t_chat, 10), (t_chat_intl, 12), (t_ticket, 12), (t_crm_json, 8), (t_http_log, 10), (t_http_headers, 14), (t_applog, 8),
             (t_ipv6_log, 10), (t_trace, 6), (t_trace_java, 4), (t_env, 14), (t_env_neg, 2), (t_yaml, 6), (t_toml, 6), (t_ini, 5), (t_sts, 4), (t_aws_csv, 3), (t_aws_adjacent, 3),
             (t_tf, 5), (t_compose, 5), (t_k8s, 5), (t_k8s_env, 4), (t_shell, 14), (t_curl, 14), (t_py, 10), (t_js, 5), (t_go, 4), (t_gcp_sa, 4), (t_pk_raw, 10), (t_pk_crlf, 3),
             (t_pk_env, 5), (t_pk_oneline, 2), (t_pk_tf, 2), (t_csv, 6), (t_csv_quoted, 5), (t_email, 6), (t_email_support, 4), (t_md, 3), (t_md_neg, 2), (t_neg_mix, 10),
             (t_neg_ids, 6), (t_neg_phone, 3), (t_neg_secrets, 3), (t_neg_keys, 3), (t_neg_tokens, 4), (t_neg_numbers, 6), (t_neg_ip, 2), (t_neg_email, 3), (t_card_shapes, 20),
             (t_testcards, 4), (t_iban_shapes, 20), (t_phone_shapes, 20), (t_phone_national, 8), (t_ssn_shapes, 10), (t_email_shapes, 8), (t_email_upper, 1), (t_generic_styles, 24),
             (t_url_userinfo, 12), (t_git_token_url, 5), (t_jwt_shapes, 10), (t_vendor_more, 18), (t_secret_json_escaped_slash, 2), (t_ip_shapes, 10)]
for fn, n in TEMPLATES:
    for _ in range(n):
        d, tag = fn(); add(d, tag)

# ---- EXTRA: shapes found by targeted probing (kept separate: tag starts with "X:") ----
def fk(f):
    return "".join(str(R.randint(2, 8)) if c == "#" else c for c in f)
EXTRA = [
    lambda: (D("Phone: ", P("PHONE", fk(R.choice(["###-###-####x###", "(###)###-####x####", "###.###.####x#####", "+1-###-###-####x###"])))), "X:phone_x_ext(faker)"),
    lambda: (D("Phone: ", P("PHONE", fk("001-###-###-####"))), "X:phone_001(faker)"),
    lambda: (D("Jane Doe (", P("PHONE", "+44 20 7946 %04d" % R.randint(0, 9999)), ") called back"), "X:phone_in_parens"),
    lambda: (D("call me (", P("PHONE", "415-555-%04d" % R.randint(0, 9999)), ")"), "X:nanp_in_parens"),
    lambda: (D("Connection to db.internal (", P("IP_ADDRESS", ipv4()), ") port 5432 [tcp/postgresql] succeeded!"), "X:ip_in_parens"),
    lambda: (D("PING google.com (", P("IP_ADDRESS", ipv4()), ") 56(84) bytes of data."), "X:ip_in_parens_ping"),
    lambda: (D('resource "aws_db_instance" "main" {\n  allocated_storage    = 20\n  username             = "dbadmin"\n  password             = "', P("GENERIC_SECRET", pw().replace("#", "x")), '"\n}\n'), "X:tf_aligned"),
    lambda: (D('provider "aws" {\n  region             = "us-east-1"\n  access_key         = "', P("AWS_ACCESS_KEY", aws_akid()), '"\n  secret_key         = "', P("AWS_SECRET_KEY", aws_secret()), '"\n}\n'), "X:tf_aligned_aws"),
    lambda: (D("<server>\n  <id>nexus</id>\n  <username>deploy</username>\n  <password>", P("GENERIC_SECRET", pw().replace("#", "x")), "</password>\n</server>"), "X:xml_password"),
    lambda: (D("define( 'DB_PASSWORD', '", P("GENERIC_SECRET", pw().replace("#", "x")), "' );"), "X:wp_define"),
    lambda: (D("$ aws configure set aws_secret_access_key ", P("AWS_SECRET_KEY", aws_secret())), "X:aws_configure_set"),
    lambda: (D("Access key ID: ", P("AWS_ACCESS_KEY", aws_akid()), "\nSecret access key: ", P("AWS_SECRET_KEY", aws_secret())), "X:aws_console"),
    lambda: (D("machine api.github.com login octocat password ", P("GENERIC_SECRET", pw().replace("#", "x"))), "X:netrc"),
    lambda: (D("Tracking: UPS 1Z 999 AA1 01 2345 6784, delivered"), "X:ups_neg"),
    lambda: (D("evens = xs[::2]; odds = xs[1::2]"), "X:py_slice_neg"),
]
for f in EXTRA:
    for _ in range(3):
        d, tag = f(); add(d, tag)
