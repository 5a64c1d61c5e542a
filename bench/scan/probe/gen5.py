#!/usr/bin/env python3
"""probe5: secrets in coding/devops agent tool calls and the outputs they read.
Fixed seed; scored records -> stdout; judgement-only records -> argv[1] if given.
Docs are lists of segments: str, or (TYPE, value) for a labelled span."""
import json, random, string, zlib, base64, sys, hashlib

R = random.Random(55125)
ALNUM = string.ascii_letters + string.digits
B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
B64 = ALNUM + "+/"
B64U = ALNUM + "-_"
HEX = "0123456789abcdef"
UHEX = "0123456789ABCDEF"
UP = string.ascii_uppercase
DIG = string.digits
def rs(n, a=ALNUM): return "".join(R.choice(a) for _ in range(n))
def d(n): return rs(n, DIG)
def ch(*a): return R.choice(a)
def esc(s): return json.dumps(s, ensure_ascii=False)[1:-1]
def J(doc): return [(s[0], esc(s[1])) if isinstance(s, tuple) else esc(s) for s in doc]
def D(*parts):
    out = []
    for p in parts:
        if isinstance(p, list): out.extend(p)
        else: out.append(p)
    return out
def P(t, v): return (t, v)
def G(v): return ("GENERIC_SECRET", v)

RECS, JUDGE = [], []
def mk(doc, tag):
    text, spans, pos = "", [], 0
    for s in doc:
        if isinstance(s, tuple):
            b = len(s[1].encode()); spans.append({"start": pos, "end": pos + b, "type": s[0]}); text += s[1]; pos += b
        else:
            text += s; pos += len(s.encode())
    return {"text": text, "spans": spans, "tag": tag}

# ---------------------------------------------------------------- values
def b62(n):
    s = ""
    while n: n, r = divmod(n, 62); s = B62[r] + s
    return s.rjust(6, "0")
def ghp(p="ghp_", bad=False):
    body = rs(30, B62); ck = b62(zlib.crc32(body.encode()) & 0xffffffff)
    if bad: ck = ck[:-1] + ("A" if ck[-1] != "A" else "B")
    return p + body + ck
def gh_pat(): return "github_pat_11" + rs(20, UP + DIG) + "_" + rs(59, B62)
def openai_proj(): return "sk-proj-" + rs(74, B64U) + "T3BlbkFJ" + rs(74, B64U)
def openai_legacy(): return "sk-" + rs(20) + "T3BlbkFJ" + rs(20)
def anthropic(): return "sk-ant-api03-" + rs(93, B64U) + "AA"
def google(): return "AIza" + rs(35, B64U)
def stripe(p="sk_live_"): return p + "51" + rs(12, ALNUM) + rs(85)
def slack_bot(): return "xoxb-%d-%d-%s" % (R.randint(10**10, 10**12), R.randint(10**12, 10**13), rs(24))
def slack_hook(): return "https://hooks.slack.com/services/T0" + rs(8, UP + DIG) + "/B0" + rs(8, UP + DIG) + "/" + rs(24)
def gitlab(p="glpat-"): return p + rs(20, B64U)
def npm(): return "npm_" + rs(36)
def hf(): return "hf_" + rs(34, string.ascii_letters)
def sendgrid(): return "SG." + rs(22, B64U) + "." + rs(43, B64U)
def twilio(): return "SK" + rs(32, HEX)
def shopify(p="shpat_"): return p + rs(32, HEX)
def docean(p="dop_v1_"): return p + rs(64, HEX)
def vault(): return "hvs.CAESI" + rs(86, B64U)
def akid(p="AKIA"): return p + rs(16, UP + "234567")
def awssec(): return rs(40, ALNUM + "/+")
def b64u(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
def jwt(payload=None):
    h = {"alg": ch("RS256", "HS256", "ES256"), "typ": "JWT"}
    if R.random() < 0.4: h["kid"] = rs(20, B64U)
    p = payload or {"iss": ch("https://sts.windows.net/%s/" % uuid(), "kubernetes/serviceaccount", "https://accounts.google.com"), "sub": rs(12), "iat": 1718000000 + R.randint(0, 10**6), "exp": 1719000000}
    return b64u(json.dumps(h, separators=(",", ":")).encode()) + "." + b64u(json.dumps(p, separators=(",", ":")).encode()) + "." + rs(R.choice([43, 86, 342]), B64U)
def pw(n=None, sym="!%^*-_.~"):
    n = n or R.randint(12, 24)
    while True:
        s = rs(n, ALNUM + sym)
        if any(c.isdigit() for c in s) and any(c.isupper() for c in s) and any(c.islower() for c in s) and s[0] not in "-~": return s
def pwu(n=None): return pw(n, "-_.~")
def uuid(): return "%s-%s-4%s-%s%s-%s" % (rs(8, HEX), rs(4, HEX), rs(3, HEX), ch(*"89ab"), rs(3, HEX), rs(12, HEX))
def sha(n=40): return rs(n, HEX)
def keyblock(kind="RSA PRIVATE KEY", nl="\n", headers=None, width=64, lines=None):
    lines = lines or R.randint(6, 14)
    if kind == "OPENSSH PRIVATE KEY":
        rows = ["b3BlbnNzaC1rZXktdjEAAAAA" + rs(46, B64)] + [rs(70, B64) for _ in range(lines)] + [rs(20, B64) + "="]
    else:
        rows = [rs(width, B64) for _ in range(lines)] + [rs(R.randint(8, 60), B64) + "=="]
    parts = ["-----BEGIN %s-----" % kind] + ((headers + [""]) if headers else []) + rows
    if kind == "PGP PRIVATE KEY BLOCK": parts.append("=" + rs(4, B64))
    return nl.join(parts + ["-----END %s-----" % kind])
def pubblock(kind="CERTIFICATE", n=8): return "-----BEGIN %s-----\n%s\n-----END %s-----" % (kind, "\n".join(rs(64, B64) for _ in range(n)) + "\n" + rs(20, B64) + "=", kind)
PREF = [("GITHUB_TOKEN", ghp), ("GITHUB_TOKEN", lambda: ghp("gho_")), ("GITHUB_TOKEN", lambda: ghp("ghs_")), ("GITHUB_TOKEN", gh_pat),
        ("OPENAI_KEY", openai_proj), ("ANTHROPIC_KEY", anthropic), ("GOOGLE_API_KEY", google), ("STRIPE_KEY", stripe),
        ("SLACK_TOKEN", slack_bot), ("GITLAB_TOKEN", gitlab), ("NPM_TOKEN", npm), ("HUGGINGFACE_TOKEN", hf), ("SENDGRID_KEY", sendgrid),
        ("SHOPIFY_TOKEN", shopify), ("DIGITALOCEAN_TOKEN", docean), ("VAULT_TOKEN", vault)]
def pref(): t, f = R.choice(PREF); return t, f()
ENVN = {"GITHUB_TOKEN": "GH_TOKEN", "OPENAI_KEY": "OPENAI_API_KEY", "ANTHROPIC_KEY": "ANTHROPIC_API_KEY", "GOOGLE_API_KEY": "GOOGLE_API_KEY",
        "STRIPE_KEY": "STRIPE_SECRET_KEY", "SLACK_TOKEN": "SLACK_BOT_TOKEN", "GITLAB_TOKEN": "GITLAB_TOKEN", "NPM_TOKEN": "NPM_TOKEN",
        "HUGGINGFACE_TOKEN": "HF_TOKEN", "SENDGRID_KEY": "SENDGRID_API_KEY", "SHOPIFY_TOKEN": "SHOPIFY_ADMIN_TOKEN",
        "DIGITALOCEAN_TOKEN": "DIGITALOCEAN_ACCESS_TOKEN", "VAULT_TOKEN": "VAULT_TOKEN"}

T, TJ = [], []
def tpl(n):
    def w(f): T.append((f, n)); return f
    return w
def jtpl(n):
    def w(f): TJ.append((f, n)); return f
    return w

# ================================================================ shell: git
@tpl(10)
def git_remote():
    t, v = ch(("GITHUB_TOKEN", ghp), ("GITHUB_TOKEN", lambda: ghp("ghs_")), ("GITHUB_TOKEN", gh_pat), ("GITLAB_TOKEN", gitlab),
              ("GITLAB_TOKEN", lambda: gitlab("glcbt-")))
    v = v(); host = "gitlab.com" if t == "GITLAB_TOKEN" else "github.com"
    user = ch("x-access-token", "oauth2", "git", "ci-bot", "gitlab-ci-token")
    k = R.randrange(4); repo = ch("acme/infra", "acme/api-server", "platform/terraform-modules")
    if k == 0:
        return D("$ git remote -v\norigin\thttps://", user, ":", P(t, v), "@", host, "/", repo, ".git (fetch)\norigin\thttps://", user, ":", P(t, v), "@", host, "/", repo, ".git (push)\n"), "git_remote_v:" + t
    if k == 1:
        return D("git remote set-url origin https://", user, ":", P(t, v), "@", host, "/", repo, ".git && git push origin HEAD:main"), "git_set_url:" + t
    if k == 2:
        return D("Cloning into 'infra'...\nfatal: unable to access 'https://", user, ":", P(t, v), "@", host, "/", repo, ".git/': The requested URL returned error: 403\n"), "git_err:" + t
    return D('[remote "origin"]\n\turl = https://', user, ":", P(t, v), "@", host, "/", repo, ".git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n[branch \"main\"]\n\tremote = origin\n"), "git_config:" + t

@tpl(6)
def git_url_pw():
    v = pwu(); host = ch("bitbucket.org", "git.acme-corp.com", "dev.azure.com")
    return D("git clone https://", ch("jdoe", "deploy", "svc-ci"), ":", G(v), "@", host, "/acme/payments.git\nCloning into 'payments'...\nremote: Enumerating objects: 1532, done.\n"), "git_url_pw"

@tpl(5)
def git_credentials_file():
    t1, v1 = "GITHUB_TOKEN", ch(ghp, gh_pat)()
    t2, v2 = "GITLAB_TOKEN", gitlab()
    p3 = pwu()
    return D("$ cat ~/.git-credentials\nhttps://octocat:", P(t1, v1), "@github.com\nhttps://oauth2:", P(t2, v2), "@gitlab.com\nhttps://jdoe:", G(p3), "@bitbucket.org\n"), "git_credentials"

# ================================================================ docker login
@tpl(6)
def docker_login():
    k = R.randrange(3)
    if k == 0:
        v = ghp(); return D("docker login ghcr.io --username octocat --password ", P("GITHUB_TOKEN", v), "\nWARNING! Using --password via the CLI is insecure. Use --password-stdin.\nLogin Succeeded\n"), "docker_login_ghp"
    if k == 1:
        v = pw(); return D("docker login registry.acme.io --username deploy --password '", G(v), "'\nLogin Succeeded\n"), "docker_login_pw"
    v = gitlab(); return D("docker login registry.gitlab.com -u gitlab-ci-token --password=", P("GITLAB_TOKEN", v), "\n"), "docker_login_glpat"

# ================================================================ curl / httpie / wget headers
HDR_G = ["X-API-Key", "x-api-key", "api-key", "apikey", "X-Auth-Token", "DD-API-KEY", "X-Api-Token", "Api-Token", "X-Access-Token", "X-Secret-Key"]
@tpl(22)
def curl_hdr():
    k = R.randrange(9); url = ch("https://api.acme.io/v2/orders", "https://acme-openai.openai.azure.com/openai/deployments/gpt4o/chat/completions?api-version=2024-02-01",
                                "https://api.datadoghq.com/api/v1/validate", "https://gitlab.acme.io/api/v4/projects", "https://vault.acme.io:8200/v1/secret/data/app")
    q = ch('"', "'")
    if k <= 2:
        h = R.choice(HDR_G); v = ch(rs(32, HEX), rs(40, ALNUM), pw(32))
        return D("curl -sS ", url, " -H ", q, h, ": ", G(v), q, " -H ", q, "Content-Type: application/json", q), "curl_hdr_generic:" + h
    if k == 3: return D("curl -s -H ", q, "x-goog-api-key: ", P("GOOGLE_API_KEY", google()), q, " https://generativelanguage.googleapis.com/v1beta/models"), "curl_goog"
    if k == 4: return D("curl --header ", q, "PRIVATE-TOKEN: ", P("GITLAB_TOKEN", gitlab()), q, " https://gitlab.acme.io/api/v4/projects?per_page=100"), "curl_gitlab_private_token"
    if k == 5: return D("curl -H ", q, "X-Vault-Token: ", P("VAULT_TOKEN", vault()), q, " -X GET https://vault.acme.io:8200/v1/secret/data/app"), "curl_vault"
    if k == 6: return D("curl -H ", q, "Authorization: token ", P("GITHUB_TOKEN", ghp()), q, " -H ", q, "Accept: application/vnd.github+json", q, " https://api.github.com/user/repos"), "curl_gh_token"
    if k == 7: return D("curl -H ", q, "X-Shopify-Access-Token: ", P("SHOPIFY_TOKEN", shopify()), q, " https://acme.myshopify.com/admin/api/2024-04/orders.json"), "curl_shopify"
    return D("curl -H ", q, "Authorization: Bearer ", G(rs(R.choice([32, 40, 64]), ALNUM)), q, " https://api.acme.io/v1/me"), "curl_bearer_opaque"

@tpl(5)
def curl_basic():
    b = base64.b64encode(("%s:%s" % (ch("admin", "api", "deploy"), pw())).encode()).decode()
    return D("curl -H 'Authorization: Basic ", G(b), "' https://jenkins.acme.io/job/deploy/build -X POST"), "curl_basic"

@tpl(6)
def httpie():
    k = R.randrange(3)
    if k == 0: return D("http GET https://api.acme.io/v1/items X-API-Key:", G(rs(36, ALNUM))), "httpie_hdr"
    if k == 1: return D("http POST https://api.acme.io/v1/jobs 'Authorization:Bearer ", G(rs(40, ALNUM)), "' name=nightly"), "httpie_bearer"
    return D("http GET https://api.acme.io/v1/items apikey:", G(rs(36, ALNUM))), "httpie_hdr2"

@tpl(6)
def wget_hdr():
    k = R.randrange(3)
    if k == 0: return D("wget --header=\"Authorization: Bearer ", G(rs(48, ALNUM)), "\" https://artifacts.acme.io/releases/app-1.4.2.tar.gz"), "wget_bearer"
    if k == 1: return D("wget --user=deploy --password='", G(pw()), "' https://nexus.acme.io/repository/raw/app.tgz"), "wget_password"
    return D("wget -q --header 'X-Api-Key: ", G(rs(32, HEX)), "' https://artifacts.acme.io/libs/app.jar"), "wget_xapikey"

# ================================================================ kubectl / helm / terraform
@tpl(8)
def kubectl_literal():
    k = R.randrange(4)
    if k == 0: return D("kubectl create secret generic api-keys -n prod --from-literal=STRIPE_SECRET_KEY=", P("STRIPE_KEY", stripe()), " --from-literal=DB_PASSWORD=", G(pw()), "\nsecret/api-keys created\n"), "kubectl_lit_mix"
    if k == 1: return D("kubectl create secret docker-registry regcred --docker-server=ghcr.io --docker-username=octocat --docker-password=", P("GITHUB_TOKEN", ghp()), " --docker-email=", P("EMAIL", "octocat@acme-corp.com")), "kubectl_docker_registry"
    if k == 2: return D("kubectl -n prod create secret generic smtp --from-literal=username=apikey --from-literal=password=", P("SENDGRID_KEY", sendgrid())), "kubectl_lit_sendgrid"
    return D("kubectl create secret generic oauth --from-literal=client-secret='", G(pw(32)), "' --dry-run=client -o yaml | kubectl apply -f -"), "kubectl_lit_client_secret"

@tpl(6)
def helm_set():
    p1, p2 = pwu(), pwu()
    k = R.randrange(3)
    if k == 0: return D("helm upgrade --install pg bitnami/postgresql --set auth.postgresPassword=", G(p1), ",auth.password=", G(p2), ",auth.database=app -n data"), "helm_set_comma"
    if k == 1: return D("helm install redis bitnami/redis --set-string auth.password='", G(p1), "' --set master.persistence.size=8Gi"), "helm_set_string"
    return D("helm upgrade app ./chart --set secrets.apiKey=", G(rs(32, ALNUM)), " --set image.tag=", sha(7)), "helm_set_apikey"

@tpl(6)
def terraform_var():
    k = R.randrange(3)
    if k == 0: return D("terraform apply -auto-approve -var 'db_password=", G(pw()), "' -var 'region=eu-west-1'"), "tf_var_sq"
    if k == 1: return D("terraform plan -var=\"api_token=", G(rs(40, ALNUM)), "\" -out=tfplan"), "tf_var_dq"
    return D("export TF_VAR_db_password='", G(pw()), "'\nterraform apply\n"), "tf_var_env"

# ================================================================ keys: ssh / openssl
@tpl(5)
def cat_ssh_key():
    kb = keyblock("OPENSSH PRIVATE KEY", width=70)
    return D("$ cat ~/.ssh/id_ed25519\n", P("PRIVATE_KEY", kb), "\n$ cat ~/.ssh/id_ed25519.pub\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI", rs(43, B64), " deploy@ci-runner-03\n"), "cat_ssh_key"

@tpl(5)
def openssl_gen():
    k = R.randrange(3)
    if k == 0: return D("$ openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048\n", P("PRIVATE_KEY", keyblock("PRIVATE KEY")), "\n"), "openssl_genpkey"
    if k == 1: return D("$ openssl ecparam -name prime256v1 -genkey\n-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n", P("PRIVATE_KEY", keyblock("EC PRIVATE KEY", lines=3)), "\n"), "openssl_ec_params"
    return D("$ openssl pkcs8 -topk8 -in key.pem -v2 aes256\nEnter Encryption Password:\n", P("PRIVATE_KEY", keyblock("ENCRYPTED PRIVATE KEY")), "\n"), "openssl_pkcs8_enc"

@tpl(4)
def pk_tf_output():
    kb = keyblock("RSA PRIVATE KEY")
    return D("$ terraform output -json\n{\n  \"ssh_private_key\": {\n    \"sensitive\": true,\n    \"type\": \"string\",\n    \"value\": \"", P("PRIVATE_KEY", esc(kb)), "\\n\"\n  }\n}\n"), "pk_tf_output_json_in_text"

@tpl(4)
def pk_ansible():
    kb = keyblock("OPENSSH PRIVATE KEY")
    return D("- name: install deploy key\n  copy:\n    dest: /home/deploy/.ssh/id_ed25519\n    mode: '0600'\n    content: |\n      ", P("PRIVATE_KEY", kb.replace("\n", "\n      ")), "\n"), "pk_ansible_block"

@tpl(4)
def pk_mcp_cat():
    kb = keyblock(ch("RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY"))
    inner = esc(kb + "\n")
    # result text is the file contents, JSON-escaped inside the MCP response
    return D('{"jsonrpc":"2.0","id":17,"result":{"content":[{"type":"text","text":"', P("PRIVATE_KEY", esc(kb)), '\\n"}],"isError":false}}'), "pk_mcp_cat"

@tpl(3)
def pk_pgp():
    kb = keyblock("PGP PRIVATE KEY BLOCK", headers=["Version: GnuPG v2"])
    return D("$ gpg --export-secret-keys --armor ", P("EMAIL", "ops@acme-corp.com"), "\n", P("PRIVATE_KEY", kb), "\n"), "pk_pgp_export"

# ================================================================ files
@tpl(10)
def dotenv_vendors():
    lines = ["# .env.production\nNODE_ENV=production\nAPP_URL=https://app.acme.io\n"]
    picks = R.sample(range(12), 5)
    for i in picks:
        if i == 0: lines += ["OPENAI_API_KEY=", P("OPENAI_KEY", openai_proj()), "\n"]
        elif i == 1: lines += ["ANTHROPIC_API_KEY=", P("ANTHROPIC_KEY", anthropic()), "\n"]
        elif i == 2: lines += ["TWILIO_ACCOUNT_SID=AC", rs(32, HEX), "\nTWILIO_AUTH_TOKEN=", G(rs(32, HEX)), "\n"]
        elif i == 3: lines += ["MAILGUN_API_KEY=", G("key-" + rs(32, HEX)), "\nMAILGUN_DOMAIN=mg.acme.io\n"]
        elif i == 4: lines += ["DATADOG_API_KEY=", G(rs(32, HEX)), "\nDD_SITE=datadoghq.eu\n"]
        elif i == 5: lines += ["NEXT_PUBLIC_SUPABASE_URL=https://", rs(20, string.ascii_lowercase), ".supabase.co\nSUPABASE_SERVICE_ROLE_KEY=", P("JWT", jwt({"iss": "supabase", "ref": rs(20, string.ascii_lowercase), "role": "service_role", "iat": 1718000000, "exp": 2033576000})), "\n"]
        elif i == 6: lines += ["HF_TOKEN=", P("HUGGINGFACE_TOKEN", hf()), "\n"]
        elif i == 7: lines += ["CLOUDFLARE_API_TOKEN=", G(rs(40, ALNUM + "_-")), "\nCLOUDFLARE_ZONE_ID=", rs(32, HEX), "\n"]
        elif i == 8: lines += ["SENDGRID_API_KEY=", P("SENDGRID_KEY", sendgrid()), "\n"]
        elif i == 9: lines += ["ALGOLIA_APP_ID=", rs(10, UP + DIG), "\nALGOLIA_ADMIN_API_KEY=", G(rs(32, HEX)), "\n"]
        elif i == 10: lines += ["VITE_FIREBASE_API_KEY=", P("GOOGLE_API_KEY", google()), "\nVITE_FIREBASE_PROJECT_ID=acme-web-", d(4), "\n"]
        else: lines += ["PUSHER_APP_ID=", d(7), "\nPUSHER_APP_KEY=", rs(20, HEX), "\nPUSHER_APP_SECRET=", G(rs(20, HEX)), "\n"]
    lines += ["SENTRY_DSN=https://", rs(32, HEX), "@o", d(6), ".ingest.sentry.io/", d(7), "\nLOG_LEVEL=info\n"]
    return D(*lines), "dotenv_vendors"

@tpl(6)
def npmrc():
    k = R.randrange(3)
    if k == 0: return D("$ cat .npmrc\n@acme:registry=https://npm.pkg.github.com\n//npm.pkg.github.com/:_authToken=", P("GITHUB_TOKEN", ghp()), "\nalways-auth=true\n"), "npmrc_github"
    if k == 1: return D("registry=https://acme.jfrog.io/artifactory/api/npm/npm/\n//acme.jfrog.io/artifactory/api/npm/npm/:_password=", G(base64.b64encode(pw().encode()).decode()), "\n//acme.jfrog.io/artifactory/api/npm/npm/:username=ci\n//acme.jfrog.io/artifactory/api/npm/npm/:email=", P("EMAIL", "ci@acme-corp.com"), "\n"), "npmrc_password"
    return D("//registry.npmjs.org/:_authToken=", P("NPM_TOKEN", npm()), "\n//gitlab.acme.io/api/v4/projects/42/packages/npm/:_authToken=", P("GITLAB_TOKEN", gitlab()), "\n"), "npmrc_two"

@tpl(4)
def pypirc():
    tok = "pypi-AgEIcHlwaS5vcmc" + rs(R.choice([130, 160]), B64U)
    return D("[distutils]\nindex-servers =\n    pypi\n    testpypi\n\n[pypi]\nusername = __token__\npassword = ", G(tok), "\n\n[testpypi]\nrepository = https://test.pypi.org/legacy/\nusername = __token__\npassword = ${TEST_PYPI_TOKEN}\n"), "pypirc"

@tpl(6)
def aws_files():
    k = R.randrange(2)
    if k == 0:
        return D("$ cat ~/.aws/credentials\n[default]\naws_access_key_id = ", P("AWS_ACCESS_KEY", akid("ASIA")), "\naws_secret_access_key = ", P("AWS_SECRET_KEY", awssec()),
                 "\naws_session_token = ", G("IQoJb3JpZ2luX2VjE" + rs(R.choice([300, 420]), B64) + "=="), "\n\n$ cat ~/.aws/config\n[profile prod]\nsso_start_url = https://acme.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 123456789012\nsso_role_name = AdministratorAccess\nregion = eu-west-1\n"), "aws_creds_session"
    return D("$ aws iam create-access-key --user-name ci-deployer\n{\n    \"AccessKey\": {\n        \"UserName\": \"ci-deployer\",\n        \"AccessKeyId\": \"", P("AWS_ACCESS_KEY", akid()), "\",\n        \"Status\": \"Active\",\n        \"SecretAccessKey\": \"", P("AWS_SECRET_KEY", awssec()), "\",\n        \"CreateDate\": \"2024-06-11T09:14:22+00:00\"\n    }\n}\n"), "aws_create_access_key"

@tpl(5)
def gcp_sa_env():
    kb = keyblock("PRIVATE KEY")
    sa = D('{"type":"service_account","project_id":"acme-prod","private_key_id":"', sha(40), '","private_key":"', P("PRIVATE_KEY", esc(kb)), '\\n","client_email":"',
           P("EMAIL", "terraform@acme-prod.iam.gserviceaccount.com"), '","client_id":"', d(21), '","auth_uri":"https://accounts.google.com/o/oauth2/auth","token_uri":"https://oauth2.googleapis.com/token"}')
    return D("GOOGLE_CREDENTIALS='", sa, "'\n"), "gcp_sa_in_env"

@tpl(6)
def kubeconfig():
    j = jwt({"iss": "kubernetes/serviceaccount", "kubernetes.io/serviceaccount/namespace": "ci", "sub": "system:serviceaccount:ci:deployer"})
    ca = base64.b64encode(pubblock().encode()).decode()
    k = R.randrange(2)
    user = D("- name: ci-deployer\n  user:\n    token: ", P("JWT", j), "\n") if k == 0 else D("- name: admin\n  user:\n    token: ", G(rs(6, string.ascii_lowercase + DIG) + "." + rs(16, string.ascii_lowercase + DIG)), "\n")
    return D("apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: ", ca, "\n    server: https://", P("IP_ADDRESS", "10.0.%d.%d" % (R.randint(0, 255), R.randint(1, 254))), ":6443\n  name: prod\ncontexts:\n- context:\n    cluster: prod\n    user: ci-deployer\n  name: prod\ncurrent-context: prod\nkind: Config\nusers:\n", user), "kubeconfig:%d" % k

@tpl(4)
def settings_py():
    return D("SECRET_KEY = '", G("django-insecure-" + rs(50, string.ascii_lowercase + DIG + "!@#$%^&*(-_=+)")), "'\nDEBUG = False\nDATABASES = {\n    'default': {\n        'ENGINE': 'django.db.backends.postgresql',\n        'NAME': 'shop',\n        'USER': 'shop',\n        'PASSWORD': '", G(pw()), "',\n        'HOST': 'db.internal',\n    }\n}\nAWS_ACCESS_KEY_ID = '", P("AWS_ACCESS_KEY", akid()), "'\nAWS_SECRET_ACCESS_KEY = '", P("AWS_SECRET_KEY", awssec()), "'\n"), "settings_py"

@tpl(4)
def appsettings_json():
    doc = D('{\n  "AzureAd": {\n    "Instance": "https://login.microsoftonline.com/",\n    "TenantId": "', uuid(), '",\n    "ClientId": "', uuid(), '",\n    "ClientSecret": "',
            G(rs(3, ALNUM) + "8Q~" + rs(34, ALNUM + "_.~-")), '"\n  },\n  "Jwt": { "Issuer": "acme", "SigningKey": "', G(rs(64, HEX)), '", "Secret": "', G(rs(48, ALNUM)), '" },\n  "Redis": { "ConnectionString": "cache.internal:6380,password=', G(pw(24, "_-")), ',ssl=True,abortConnect=False" }\n}')
    return doc, "appsettings_json"

@tpl(4)
def database_yml():
    return D("default: &default\n  adapter: postgresql\n  pool: <%= ENV.fetch(\"RAILS_MAX_THREADS\") { 5 } %>\n\ndevelopment:\n  <<: *default\n  database: app_dev\n  password: <%= ENV['DB_PASSWORD'] %>\n\nproduction:\n  <<: *default\n  database: app_prod\n  username: app\n  password: ", G(pw()), "\n"), "database_yml"

@tpl(4)
def application_yml():
    return D("spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/app\n    username: app\n    password: ${DB_PASSWORD}\n  security:\n    oauth2:\n      client:\n        registration:\n          github:\n            client-id: Iv1.", rs(16, HEX), "\n            client-secret: ", G(rs(40, HEX)), "\njwt:\n  secret: ", G(base64.b64encode(R.randbytes(32)).decode()), "\n  expiration: 86400\n"), "application_yml"

@tpl(5)
def compose_env():
    return D("services:\n  db:\n    image: mysql:8.0\n    environment:\n      - MYSQL_ROOT_PASSWORD=", G(pw()), "\n      - MYSQL_DATABASE=shop\n  worker:\n    image: ghcr.io/acme/worker@sha256:", sha(64), "\n    environment:\n      RABBITMQ_URL: amqp://worker:", G(pwu()), "@rabbitmq:5672/%2F\n      OPENAI_API_KEY: ", P("OPENAI_KEY", openai_proj()), "\n"), "compose_env"

@tpl(5)
def gha_hardcoded():
    t, v = ch(("NPM_TOKEN", npm), ("GITHUB_TOKEN", ghp), ("SLACK_TOKEN", slack_bot), ("DIGITALOCEAN_TOKEN", docean))
    v = v()
    return D("name: release\non:\n  push:\n    tags: ['v*']\njobs:\n  publish:\n    runs-on: ubuntu-latest\n    env:\n      NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}\n      DEPLOY_KEY: ", P(t, v), "\n    steps:\n      - uses: actions/checkout@", sha(40), " # v4.1.7\n      - run: npm publish --access public\n"), "gha_hardcoded:" + t

@tpl(3)
def jenkinsfile():
    return D("pipeline {\n  agent any\n  environment {\n    REGISTRY_CREDS = credentials('dockerhub')\n    SONAR_TOKEN = '", G("squ_" + rs(40, HEX)), "'\n  }\n  stages {\n    stage('Deploy') {\n      steps {\n        withCredentials([string(credentialsId: 'gh-token', variable: 'TOKEN')]) {\n          sh 'git push https://$TOKEN@github.com/acme/app.git'\n        }\n      }\n    }\n  }\n}\n"), "jenkinsfile"

@tpl(3)
def circleci():
    return D("version: 2.1\njobs:\n  build:\n    docker:\n      - image: cimg/node:20.11\n        auth:\n          username: acmeci\n          password: $DOCKERHUB_PASSWORD\n    environment:\n      CODECOV_TOKEN: ", G(uuid()), "\n    steps:\n      - checkout\n"), "circleci"

# ================================================================ command outputs
@tpl(10)
def printenv():
    lines = ["$ printenv | sort\n", "HOME=/root\n", "HOSTNAME=api-7d9f8c6b5-x2k4p\n", "KUBERNETES_SERVICE_HOST=", P("IP_ADDRESS", "10.96.0.1"), "\nKUBERNETES_SERVICE_PORT=443\n",
             "GPG_KEY=", rs(40, UHEX), "\n", "PYTHON_SHA256=", sha(64), "\n", "PYTHON_VERSION=3.12.4\n", "PATH=/usr/local/bin:/usr/sbin:/usr/bin\n"]
    picks = R.sample(range(7), 3)
    for i in picks:
        if i == 0: lines += ["AWS_ACCESS_KEY_ID=", P("AWS_ACCESS_KEY", akid()), "\nAWS_SECRET_ACCESS_KEY=", P("AWS_SECRET_KEY", awssec()), "\nAWS_DEFAULT_REGION=us-east-1\n"]
        elif i == 1: lines += ["DATABASE_URL=postgresql://app:", G(pwu()), "@", ch("db.internal", "prod-db.c9akciq32.rds.amazonaws.com"), ":5432/app\n"]
        elif i == 2:
            t, v = pref(); lines += [ENVN[t], "=", P(t, v), "\n"]
        elif i == 3: lines += ["SESSION_SECRET=", G(rs(64, HEX)), "\n"]
        elif i == 4: lines += ["REDIS_URL=redis://default:", G(pwu()), "@redis-", d(5), ".c1.us-east-1-2.ec2.cloud.redislabs.com:", d(5), "\n"]
        elif i == 5: lines += ["SLACK_WEBHOOK_URL=", P("SLACK_TOKEN", slack_hook()), "\n"]
        else: lines += ["JWT_SIGNING_SECRET=", G(pw(40)), "\n"]
    lines += ["TERM=xterm\n"]
    return D(*lines), "printenv"

@tpl(4)
def az_token():
    return D("$ az account get-access-token --resource https://management.azure.com\n{\n  \"accessToken\": \"", P("JWT", jwt()), "\",\n  \"expiresOn\": \"2024-06-11 11:14:22.000000\",\n  \"expires_on\": 1718097262,\n  \"subscription\": \"", uuid(), "\",\n  \"tenant\": \"", uuid(), "\",\n  \"tokenType\": \"Bearer\"\n}\n"), "az_get_access_token"

@tpl(4)
def az_sp():
    return D("$ az ad sp create-for-rbac --name ci-deployer --role Contributor --scopes /subscriptions/", uuid(), "\n{\n  \"appId\": \"", uuid(), "\",\n  \"displayName\": \"ci-deployer\",\n  \"password\": \"",
             G(rs(3, ALNUM) + "8Q~" + rs(34, ALNUM + "_.~-")), "\",\n  \"tenant\": \"", uuid(), "\"\n}\n"), "az_sp_create"

@tpl(4)
def gcloud_bearer():
    tok = "ya29.a0" + rs(R.choice([150, 200]), B64U)
    return D("$ curl -H \"Authorization: Bearer ", G(tok), "\" https://storage.googleapis.com/storage/v1/b?project=acme-prod\n"), "gcloud_bearer_ya29"

@tpl(5)
def vault_token_create():
    v = vault()
    return D("$ vault token create -policy=ci -ttl=1h\nKey                  Value\n---                  -----\ntoken                ", P("VAULT_TOKEN", v), "\ntoken_accessor       ", rs(24, ALNUM),
             "\ntoken_duration       1h\ntoken_renewable      true\ntoken_policies       [\"ci\" \"default\"]\nidentity_policies    []\npolicies             [\"ci\" \"default\"]\n"), "vault_token_create"

@tpl(5)
def kubectl_secret_json():
    p = pw()
    return D('{\n    "apiVersion": "v1",\n    "data": {\n        "password": "', G(base64.b64encode(p.encode()).decode()), '",\n        "username": "YWRtaW4="\n    },\n    "kind": "Secret",\n    "metadata": {\n        "creationTimestamp": "2024-06-11T09:00:00Z",\n        "name": "db-creds",\n        "namespace": "prod",\n        "resourceVersion": "', d(8), '",\n        "uid": "', uuid(), '"\n    },\n    "type": "Opaque"\n}'), "kubectl_secret_json"

@tpl(3)
def kubectl_sa_token():
    return D("$ kubectl -n ci get secret deployer-token -o jsonpath='{.data.token}' | base64 -d\n", P("JWT", jwt({"iss": "kubernetes/serviceaccount", "kubernetes.io/serviceaccount/namespace": "ci"})), "\n"), "kubectl_sa_token_decoded"

@tpl(4)
def heroku_config():
    return D("$ heroku config -a acme-api\n=== acme-api Config Vars\nDATABASE_URL:      postgres://u", rs(13, string.ascii_lowercase + DIG), ":", G("p" + rs(64, HEX)), "@ec2-54-", d(3), "-", d(2), "-", d(3), ".compute-1.amazonaws.com:5432/d", rs(13, string.ascii_lowercase + DIG),
             "\nREDIS_TLS_URL:     rediss://:", G("p" + rs(64, HEX)), "@ec2-3-", d(3), "-", d(3), "-", d(2), ".compute-1.amazonaws.com:", d(5), "\nPAPERTRAIL_API_TOKEN: ", G(rs(20, ALNUM)), "\nWEB_CONCURRENCY:   2\n"), "heroku_config"

@tpl(4)
def stripe_cfg():
    return D("$ stripe config --list\n[default]\ndevice_name = jdoe-mbp\ndisplay_name = Acme Inc\nlive_mode_api_key = '", P("STRIPE_KEY", stripe("rk_live_")), "'\nlive_mode_pub_key = 'pk_live_", rs(99), "'\ntest_mode_api_key = '", P("STRIPE_KEY", stripe("rk_test_")), "'\ntest_mode_pub_key = 'pk_test_", rs(99), "'\n"), "stripe_config_list"

@tpl(3)
def npm_token_create():
    v = npm()
    return D("$ npm token create --read-only\n┌────────────────┬──────────────────────────────────────────┐\n│ token          │ ", P("NPM_TOKEN", v), " │\n├────────────────┼──────────────────────────────────────────┤\n│ readonly       │ true                                     │\n│ created        │ 2024-06-11T09:14:22.123Z                 │\n└────────────────┴──────────────────────────────────────────┘\n"), "npm_token_create_box"

@tpl(4)
def slack_hook_curl():
    return D("curl -X POST -H 'Content-type: application/json' --data '{\"text\":\"deploy ", sha(7), " finished\"}' ", P("SLACK_TOKEN", slack_hook()), "\n"), "slack_webhook_curl"

# ================================================================ DSNs
@tpl(10)
def dsn():
    v = pwu(); k = R.randrange(6)
    if k == 0: return D("SQLALCHEMY_DATABASE_URI = \"mssql+pyodbc://sa:", G(v), "@sql01.acme.local:1433/crm?driver=ODBC+Driver+18+for+SQL+Server\"\n"), "dsn_mssql_pyodbc"
    if k == 1: return D("CELERY_BROKER_URL=amqps://worker:", G(v), "@b-", uuid(), ".mq.us-east-1.amazonaws.com:5671\n"), "dsn_amqps_mq"
    if k == 2: return D("clickhouse-client --host ch.internal --user default --password ", G(v), " --query 'SELECT 1'"), "dsn_clickhouse_flag"
    if k == 3: return D('{"datasource":{"url":"mysql://root:', G(v), '@mysql.prod.svc.cluster.local:3306/shop?charset=utf8mb4"}}'), "dsn_mysql_json"
    if k == 4: return D("mongosh \"mongodb+srv://admin:", G(v), "@cluster0.", rs(5, string.ascii_lowercase + DIG), ".mongodb.net/admin\" --eval 'db.stats()'"), "dsn_mongosh"
    return D("Server=tcp:acme-sql.database.windows.net,1433;Initial Catalog=crm;Persist Security Info=False;User ID=crmadmin;Password=", G(v), ";MultipleActiveResultSets=False;Encrypt=True;\n"), "dsn_sqlserver_ado"

# ================================================================ JWTs
@tpl(6)
def jwt_places():
    j = jwt(); k = R.randrange(4)
    if k == 0: return D("curl -H \"Authorization: Bearer ", P("JWT", j), "\" https://api.acme.io/v1/me"), "jwt_bearer"
    if k == 1: return D("> GET /api/v1/orders HTTP/2\n> Host: api.acme.io\n> authorization: Bearer ", P("JWT", j), "\n> user-agent: curl/8.4.0\n>\n< HTTP/2 200\n"), "jwt_curl_verbose"
    if k == 2: return D("wscat -c 'wss://rt.acme.io/socket?token=", P("JWT", j), "'"), "jwt_ws_query"
    return D("export KUBE_TOKEN=", P("JWT", j), "\n"), "jwt_export"

# ================================================================ hard negatives (scored, no labels unless IP/EMAIL noted)
@tpl(4)
def neg_git_log():
    return D("$ git log --oneline -5\n", "\n".join("%s %s" % (sha(7), ch("fix: token refresh race", "chore: bump lodash", "feat: rotate api keys", "ci: use secrets.NPM_TOKEN")) for _ in range(5)),
             "\n$ git rev-parse HEAD\n", sha(40), "\n$ git show --stat HEAD~1\ncommit ", sha(40), "\nMerge: ", sha(7), " ", sha(7), "\nDate:   Tue Jun 11 09:14:22 2024 +0200\n"), "neg_git_log"

@tpl(4)
def neg_digests():
    return D("$ docker images --digests\nREPOSITORY            TAG      DIGEST                                                                    IMAGE ID       SIZE\nghcr.io/acme/api      1.4.2    sha256:", sha(64), "   ", sha(12), "   182MB\n",
             "$ sha256sum app-1.4.2.tar.gz\n", sha(64), "  app-1.4.2.tar.gz\n", "github.com/stretchr/testify v1.9.0 h1:", base64.b64encode(R.randbytes(32)).decode(), "\n",
             "  integrity sha512-", base64.b64encode(R.randbytes(64)).decode(), "\n", "    --hash=sha256:", sha(64), "\n"), "neg_digests"

@tpl(4)
def neg_tf_plan():
    return D("Terraform will perform the following actions:\n\n  # aws_db_instance.main will be updated in-place\n  ~ resource \"aws_db_instance\" \"main\" {\n        id       = \"db-", rs(26, UP + DIG), "\"\n      ~ password = (sensitive value)\n        username = \"dbadmin\"\n    }\n\n  # random_password.api will be created\n  + resource \"random_password\" \"api\" {\n      + result  = (sensitive value)\n      + length  = 32\n    }\n\nPlan: 1 to add, 1 to change, 0 to destroy.\n\nChanges to Outputs:\n  ~ db_password = (sensitive value)\n"), "neg_tf_plan"

@tpl(4)
def neg_gha_secrets():
    return D("jobs:\n  deploy:\n    steps:\n      - uses: docker/login-action@v3\n        with:\n          registry: ghcr.io\n          username: ${{ github.actor }}\n          password: ${{ secrets.GITHUB_TOKEN }}\n      - run: |\n          echo \"$KUBECONFIG_B64\" | base64 -d > kubeconfig\n          curl -H \"Authorization: Bearer ${{ secrets.DEPLOY_TOKEN }}\" https://deploy.acme.io/hooks\n        env:\n          API_KEY: ${{ secrets.API_KEY }}\n          DB_PASSWORD: ${{ vars.DB_PASSWORD }}\n"), "neg_gha_secrets"

@tpl(4)
def neg_gha_log_masked():
    return D("2024-06-11T09:14:22.1234567Z ##[group]Run npm publish\n2024-06-11T09:14:22.1234568Z npm publish --access public\n2024-06-11T09:14:22.1234569Z env:\n2024-06-11T09:14:22.1234570Z   NODE_AUTH_TOKEN: ***\n2024-06-11T09:14:22.1234571Z   AWS_SECRET_ACCESS_KEY: ***\n2024-06-11T09:14:23.0000000Z npm notice Publishing to https://registry.npmjs.org/ with tag latest\n2024-06-11T09:14:24.9876543Z + @acme/ui@2.14.1\n"), "neg_gha_log_masked"

@tpl(5)
def neg_masked_cli():
    k = R.randrange(4)
    if k == 0: return D("$ gh auth status\ngithub.com\n  ✓ Logged in to github.com account octocat (keyring)\n  - Active account: true\n  - Git operations protocol: https\n  - Token: gho_************************************\n  - Token scopes: 'gist', 'read:org', 'repo', 'workflow'\n"), "neg_gh_auth_status"
    if k == 1: return D("$ aws configure list\n      Name                    Value             Type    Location\n      ----                    -----             ----    --------\n   profile                <not set>             None    None\naccess_key     ****************", rs(4, UP + "234567"), " shared-credentials-file\nsecret_key     ****************", rs(4, ALNUM), " shared-credentials-file\n    region                eu-west-1      config-file    ~/.aws/config\n"), "neg_aws_configure_list"
    if k == 2: return D("$ npm token list\n┌────────┬─────────┬────────────┬──────────┬────────────────┐\n│ id     │ token   │ created    │ readonly │ CIDR whitelist │\n├────────┼─────────┼────────────┼──────────┼────────────────┤\n│ ", sha(6), " │ npm_", rs(3), "… │ 2024-06-11 │ no       │                │\n│ ", sha(6), " │ ", sha(6), "… │ 2023-01-02 │ yes      │                │\n└────────┴─────────┴────────────┴──────────┴────────────────┘\n"), "neg_npm_token_list"
    return D("Found credentials: ghp_****", rs(4), ", glpat-****", rs(4), ", sk-proj-…", rs(4), ", xoxb-***-***-", rs(4), ", AKIA****************, [REDACTED], <token>, $GITHUB_TOKEN\n"), "neg_masked_mix"

@tpl(4)
def neg_vault_lease():
    return D("$ vault lease lookup database/creds/readonly/", rs(24, ALNUM), "\nKey             Value\n---             -----\nexpire_time     2024-06-11T10:14:22.123456Z\nid              database/creds/readonly/", rs(24, ALNUM), "\nissue_time      2024-06-11T09:14:22.123456Z\nlast_renewal    <nil>\nrenewable       true\nttl             59m58s\n"), "neg_vault_lease"

@tpl(4)
def neg_pubkeys():
    return D("$ ssh-keygen -t ed25519 -C ", P("EMAIL", "deploy@acme-corp.com"), " -f ./deploy_key -N ''\nGenerating public/private ed25519 key pair.\nYour identification has been saved in ./deploy_key\nYour public key has been saved in ./deploy_key.pub\nThe key fingerprint is:\nSHA256:", base64.b64encode(R.randbytes(32)).decode().rstrip("="), " ", P("EMAIL", "deploy@acme-corp.com"), "\nThe key's randomart image is:\n+--[ED25519 256]--+\n|      .o+*B=.    |\n|     . +=+O.o    |\n+----[SHA256]-----+\n$ ssh-add -l\n256 SHA256:", base64.b64encode(R.randbytes(32)).decode().rstrip("="), " ", P("EMAIL", "deploy@acme-corp.com"), " (ED25519)\n$ openssl x509 -in cert.pem -noout -fingerprint -sha256\nsha256 Fingerprint=", ":".join(rs(2, UHEX) for _ in range(32)), "\n"), "neg_ssh_keygen_output"

@tpl(3)
def neg_pub_pem():
    return D("$ openssl rsa -in key.pem -pubout\nwriting RSA key\n", pubblock("PUBLIC KEY", 6), "\n$ cat chain.pem\n", pubblock("CERTIFICATE", 12), "\n"), "neg_pub_pem"

@tpl(4)
def neg_aws_ids():
    return D('{\n    "UserId": "AIDA', rs(17, UP + "234567"), '",\n    "Account": "', d(12), '",\n    "Arn": "arn:aws:iam::', d(12), ':user/ci"\n}\n{"KeyMetadata":{"KeyId":"', uuid(), '","Arn":"arn:aws:kms:eu-west-1:', d(12), ':key/', uuid(), '"}}\n{"RoleId":"AROA', rs(17, UP + "234567"), '"}\n'), "neg_aws_ids"

@tpl(4)
def neg_pagination():
    return D('{"Contents":[{"Key":"logs/2024/06/11/app.log.gz","ETag":"\\"', sha(32), '\\"","Size":', d(6), '}],"IsTruncated":true,"NextContinuationToken":"', base64.b64encode(R.randbytes(60)).decode(), '","KeyCount":1000}'), "neg_s3_continuation_token"

@tpl(3)
def neg_nexttoken():
    nt = base64.b64encode(json.dumps({"NextToken": None, "boto_truncate_amount": R.randint(1, 9)}).encode()).decode()
    return D("{\n    \"logGroups\": [],\n    \"nextToken\": \"", nt, "\"\n}\n"), "neg_aws_nexttoken_eyJ"

@tpl(4)
def neg_request_ids():
    return D("< HTTP/2 401\n< x-github-request-id: ", rs(4, UHEX), ":", rs(6, UHEX), ":", rs(7, UHEX), ":", rs(7, UHEX), ":", rs(8, UHEX), "\n< x-amzn-requestid: ", uuid(), "\n< cf-ray: ", sha(16), "-FRA\n< x-request-id: ", uuid(),
             "\n< etag: W/\"", sha(40), "\"\n< www-authenticate: Bearer realm=\"api\", error=\"invalid_token\"\n{\"message\":\"Bad credentials\",\"documentation_url\":\"https://docs.github.com/rest\"}\n"), "neg_request_ids"

@tpl(4)
def neg_placeholders():
    return D(ch("export OPENAI_API_KEY=<your-openai-key>\n", "export GITHUB_TOKEN=$(gh auth token)\n", "export VAULT_TOKEN=\"$(vault print token)\"\n"),
             "API_KEY=${API_KEY:?must be set}\nDB_PASSWORD=\nSTRIPE_SECRET_KEY=sk_live_xxxxxxxxxxxxxxxxxxxxxxxx\nAWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\nAWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
             "kubectl create secret generic db --from-literal=password=\"$DB_PASSWORD\"\nhelm upgrade app ./chart --set db.password=${DB_PASSWORD}\ndocker login -u \"$REGISTRY_USER\" --password-stdin < ~/.registry_token\n",
             "terraform apply -var \"db_password=$TF_DB_PASSWORD\"\ncurl -H \"X-API-Key: $API_KEY\" -H 'Authorization: Bearer <token>' https://api.acme.io\n"), "neg_placeholders"

@tpl(3)
def neg_env_names():
    return D("Required environment variables:\n  - GITHUB_TOKEN\n  - AWS_SECRET_ACCESS_KEY\n  - DATABASE_PASSWORD\nsecret_name: prod/db/credentials\npassword_policy: min_length=16\ntoken_ttl: 3600\nsecretKeyRef:\n  name: db-creds\n  key: password\n"), "neg_env_names"

@tpl(3)
def neg_sa_keyid():
    return D('$ gcloud iam service-accounts keys list --iam-account ', P("EMAIL", "terraform@acme-prod.iam.gserviceaccount.com"), '\nKEY_ID                                    CREATED_AT            EXPIRES_AT            DISABLED\n', sha(40), '  2024-06-11T09:14:22Z  9999-12-31T23:59:59Z  False\n'), "neg_sa_keys_list"

# ================================================================ targeted: shapes found by direct probing (tag X:)
@tpl(8)
def x_call_pair():
    k = R.randrange(6)
    if k == 0: return D("AWSCredentials creds = new BasicAWSCredentials(\"", P("AWS_ACCESS_KEY", akid()), "\", \"", P("AWS_SECRET_KEY", awssec()), "\");"), "X:call_pair_java_aws"
    if k == 1: return D("sess := credentials.NewStaticCredentials(\"", P("AWS_ACCESS_KEY", akid()), "\", \"", P("AWS_SECRET_KEY", awssec()), "\", \"\")"), "X:call_pair_go_aws"
    if k == 2: return D("Aws::Credentials.new('", P("AWS_ACCESS_KEY", akid()), "', '", P("AWS_SECRET_KEY", awssec()), "')"), "X:call_pair_ruby_aws"
    if k == 3: return D("claims = jwt.decode(\"", P("JWT", jwt()), "\", \"", pw(), "\", algorithms=[\"HS256\"])"), "X:call_pair_jwt_decode"
    if k == 4: return D("gh = Github(\"", P("GITHUB_TOKEN", ghp()), "\", \"https://api.github.com\")"), "X:call_pair_github"
    return D("client = WebClient(\"", P("SLACK_TOKEN", slack_bot()), "\", \"C024BE91L\")"), "X:call_pair_slack"
@tpl(6)
def x_dotted_unquoted():
    k = R.randrange(4)
    if k == 0: return D("VAULT_TOKEN=", G("s." + rs(24)), "\nVAULT_ADDR=https://vault.acme.io:8200\n"), "X:dotted_vault_legacy"
    if k == 1: return D("DB_PASSWORD=", G(rs(10) + "." + rs(6)), "\n"), "X:dotted_password_env"
    if k == 2: return D("bootstrap:\n  token: ", G(rs(6, string.ascii_lowercase + DIG) + "." + rs(16, string.ascii_lowercase + DIG)), "\n"), "X:dotted_k8s_bootstrap_yaml"
    return D("DOPPLER_TOKEN=", G("dp.st.prd." + rs(40)), "\n"), "X:dotted_doppler"
@tpl(5)
def x_b64_40():
    v = base64.b64encode(R.randbytes(30)).decode()
    k = R.randrange(3)
    if k == 0: return D("$ openssl rand -base64 30\n", v, "\n$ echo 'SESSION_SECRET=", G(v), "' >> .env\n"), "X:b64_40_session_secret"
    if k == 1: return D("CLOUDFLARE_API_TOKEN=", G(rs(40)), "\n"), "X:alnum40_cloudflare"
    return D('{"apiKey":"', G(rs(40)), '"}'), "X:alnum40_json_apikey"
@tpl(3)
def x_aws4_hdr():
    return D("> Authorization: AWS4-HMAC-SHA256 Credential=", P("AWS_ACCESS_KEY", akid()), "/20240611/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=", sha(64), "\n"), "X:aws_sigv4_header"

# ================================================================ judgement set (not scored)
@jtpl(3)
def j_docker_p():
    return D("docker login -u AWS -p ", G("eyJwYXlsb2FkIjoi" + rs(600, B64) + "=="), " ", d(12), ".dkr.ecr.us-east-1.amazonaws.com"), "J:docker_login_-p_ecr"
@jtpl(2)
def j_docker_p2():
    return D("docker login -u deploy -p ", G(pw()), " registry.acme.io"), "J:docker_login_-p"
@jtpl(3)
def j_ocp():
    return D("curl -H 'Ocp-Apim-Subscription-Key: ", G(rs(32, HEX)), "' https://acme.azure-api.net/orders"), "J:ocp_apim"
@jtpl(2)
def j_dd_app():
    return D("curl -H 'DD-APPLICATION-KEY: ", G(rs(40, HEX)), "' https://api.datadoghq.com/api/v1/monitor"), "J:dd_app_key"
@jtpl(3)
def j_docker_cfg():
    return D('{\n  "auths": {\n    "ghcr.io": {\n      "auth": "', G(base64.b64encode(("octocat:" + ghp()).encode()).decode()), '"\n    }\n  },\n  "credsStore": "desktop"\n}'), "J:docker_config_auth"
@jtpl(3)
def j_kube_client_key():
    return D("users:\n- name: admin\n  user:\n    client-certificate-data: ", base64.b64encode(pubblock().encode()).decode(), "\n    client-key-data: ", G(base64.b64encode(keyblock().encode()).decode()), "\n"), "J:kube_client_key_data"
@jtpl(3)
def j_ya29():
    return D("$ gcloud auth print-access-token\n", G("ya29.a0" + rs(180, B64U)), "\n"), "J:ya29_bare"
@jtpl(2)
def j_discord():
    return D("DISCORD_WEBHOOK=https://discord.com/api/webhooks/", d(19), "/", G(rs(68, B64U)), "\n"), "J:discord_webhook"
@jtpl(2)
def j_teams():
    return D("curl -H 'Content-Type: application/json' -d '{\"text\":\"hi\"}' https://acme.webhook.office.com/webhookb2/", uuid(), "@", uuid(), "/IncomingWebhook/", rs(32, HEX), "/", uuid(), "\n"), "J:teams_webhook"
@jtpl(2)
def j_whsec():
    return D("STRIPE_WEBHOOK_SECRET=", G("whsec_" + rs(32, ALNUM)), "\n"), "J:stripe_whsec"
@jtpl(2)
def j_wp_salts():
    return D("define( 'AUTH_KEY',         '", G(rs(64, ALNUM + "!@#$%^&*()-_[]{}<>~`+=,.;:/?|")), "' );\ndefine( 'SECURE_AUTH_KEY',  '", G(rs(64, ALNUM + "!@#$%^&*()-_[]{}<>~`+=,.;:/?|")), "' );\n"), "J:wp_salts"
@jtpl(2)
def j_vault_read():
    return D("$ vault read database/creds/readonly\nKey                Value\n---                -----\nlease_id           database/creds/readonly/", rs(24), "\nlease_duration     1h\nlease_renewable    true\npassword           ", G("A1a-" + rs(20, ALNUM)), "\nusername           v-token-readonly-", rs(20, string.ascii_lowercase + DIG), "\n"), "J:vault_read_table"
@jtpl(2)
def j_openssl_pass():
    return D("openssl pkcs12 -export -in cert.pem -inkey key.pem -out bundle.p12 -passout pass:", G(pw()), "\n"), "J:openssl_passout"
@jtpl(2)
def j_requirepass():
    return D("    command: redis-server --requirepass ", G(pw()), " --appendonly yes\n"), "J:redis_requirepass"
@jtpl(2)
def j_stripe_doc():
    return D("curl https://api.stripe.com/v1/charges -u sk_test_4eC39HqLyjWDarjtT1zdp7dc: -d amount=2000\n"), "J:stripe_docs_key_neg"
@jtpl(2)
def j_bcrypt():
    return D('{"id":42,"email":"', P("EMAIL", "jdoe@acme-corp.com"), '","password_hash":"$2b$12$', rs(53, ALNUM + "./"), '"}'), "J:bcrypt_hash_neg"
@jtpl(2)
def j_csrf():
    return D('<input type="hidden" name="csrfmiddlewaretoken" value="', rs(64, ALNUM), '">'), "J:csrf_neg"
@jtpl(2)
def j_gha_ts_key():
    kb = keyblock("RSA PRIVATE KEY", lines=4).split("\n")
    out = "".join("2024-06-11T09:14:2%d.%07dZ %s\n" % (i % 10, R.randint(0, 9999999), l) for i, l in enumerate(kb))
    return D(out), "J:gha_log_key_timestamped"
@jtpl(2)
def j_accessor():
    return D("token_accessor: ", rs(24, ALNUM), "\n"), "J:vault_accessor_neg"
@jtpl(2)
def j_httpie_a():
    return D("https -A bearer -a ", G(rs(40, ALNUM)), " api.acme.io/v1/me"), "J:httpie_-a"
@jtpl(2)
def j_jfrog():
    return D("wget -q --header 'X-JFrog-Art-Api: ", G("AKCp8" + rs(68, ALNUM)), "' https://acme.jfrog.io/artifactory/libs/app.jar"), "J:jfrog_art_api"
@jtpl(2)
def j_ppk():
    return D("PuTTY-User-Key-File-3: ssh-rsa\nEncryption: none\nComment: rsa-key-20240611\nPublic-Lines: 6\n", "\n".join(rs(64, B64) for _ in range(6)), "\nPrivate-Lines: 14\n", G("\n".join(rs(64, B64) for _ in range(14))), "\nPrivate-MAC: ", sha(64), "\n"), "J:putty_ppk"

for f, n in T:
    for _ in range(n): RECS.append(mk(*f()))
for f, n in TJ:
    for _ in range(n): JUDGE.append(mk(*f()))
for r in RECS: print(json.dumps(r, ensure_ascii=False))
if len(sys.argv) > 1:
    with open(sys.argv[1], "w") as fh:
        for r in JUDGE: fh.write(json.dumps(r, ensure_ascii=False) + "\n")
