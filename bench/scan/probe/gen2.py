#!/usr/bin/env python3
"""probe2: labelled set for larch detectors, written from PII.md (second angle:
non-US phones, JSON nesting, code idioms, hard negatives). Fixed seed; stdout.
Docs are lists of segments: str, or (TYPE, value) for a labelled span.
J(doc) escapes every segment for a JSON string (once); offsets stay exact."""
import json, random, string, zlib, base64, sys

R = random.Random(990077)
ALNUM = string.ascii_letters + string.digits
B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
B64 = ALNUM + "+/"
B64U = ALNUM + "-_"
HEX = "0123456789abcdef"
UP = string.ascii_uppercase
def rs(n, a=ALNUM): return "".join(R.choice(a) for _ in range(n))

def esc(s, ascii_=False, slash=False):
    e = json.dumps(s, ensure_ascii=ascii_)[1:-1]
    return e.replace("/", "\\/") if slash else e
def J(doc, **kw):
    return [(s[0], esc(s[1], **kw)) if isinstance(s, tuple) else esc(s, **kw) for s in doc]
def D(*parts):
    out = []
    for p in parts:
        if isinstance(p, list): out.extend(p)
        else: out.append(p)
    return out
def P(t, v): return (t, v)

RECS = []
def add(doc, tag):
    text, spans, pos = "", [], 0
    for s in doc:
        if isinstance(s, tuple):
            b = len(s[1].encode()); spans.append({"start": pos, "end": pos + b, "type": s[0]}); text += s[1]; pos += b
        else:
            text += s; pos += len(s.encode())
    RECS.append({"text": text, "spans": spans, "tag": tag})

# ------------------------------------------------------------------ values
def luhn_ok(d):
    s = 0
    for i, c in enumerate(reversed(d)):
        x = int(c)
        if i % 2:
            x *= 2
            if x > 9: x -= 9
        s += x
    return s % 10 == 0
def luhn(prefix, n):
    while True:
        body = prefix + "".join(R.choice(string.digits) for _ in range(n - len(prefix) - 1))
        for c in string.digits:
            if luhn_ok(body + c) and len(set(body + c)) > 2: return body + c
def luhn_bad(d): return d[:-1] + str((int(d[-1]) + 5) % 10)
# issuer, prefixes, length, grouping
CARDS = [
    ("visa16", ["4"], 16, [4, 4, 4, 4]), ("visa13", ["4"], 13, None), ("visa19", ["4"], 19, [4, 4, 4, 4, 3]),
    ("mc5x", ["51", "53", "55"], 16, [4, 4, 4, 4]), ("mc2x", ["2221", "2345", "2699", "2720"], 16, [4, 4, 4, 4]),
    ("amex", ["34", "37"], 15, [4, 6, 5]), ("disc6011", ["6011"], 16, [4, 4, 4, 4]), ("disc65", ["65", "644", "647"], 16, [4, 4, 4, 4]),
    ("disc622", ["622126", "622500", "622925"], 16, [4, 4, 4, 4]), ("jcb", ["3528", "3555", "3589"], 16, [4, 4, 4, 4]),
    ("diners14", ["300", "305", "36", "38"], 14, [4, 6, 4]), ("diners16", ["3095", "38", "39"], 16, [4, 4, 4, 4]),
    ("unionpay16", ["62"], 16, [4, 4, 4, 4]), ("unionpay19", ["62"], 19, [4, 4, 4, 4, 3]), ("maestro16", ["6759", "6761", "5018", "5020", "6304"], 16, [4, 4, 4, 4]),
    ("maestro19", ["6759", "5038"], 19, [4, 4, 4, 4, 3]), ("jcb19", ["3530"], 19, [4, 4, 4, 4, 3]),
]
def card(kind=None):
    k = [c for c in CARDS if c[0] == kind][0] if kind else R.choice(CARDS)
    return luhn(R.choice(k[1]), k[2]), k[3], k[0]
def grp(d, g, sep):
    if not g or not sep: return d
    out, i = [], 0
    for n in g: out.append(d[i:i + n]); i += n
    return sep.join(out)

IBAN = {  # SWIFT registry BBAN shapes (n digit, a upper, c alnum)
    "DE": "18n", "GB": "4a14n", "FR": "10n11c2n", "ES": "20n", "IT": "1a10n12c", "NL": "4a10n", "BE": "12n", "CH": "5n12c", "AT": "16n",
    "PL": "24n", "PT": "21n", "IE": "4a14n", "SE": "20n", "NO": "11n", "DK": "14n", "FI": "14n", "LU": "3n13c", "SA": "2n18c", "AE": "19n",
    "BG": "4a6n8c", "CY": "8n16c", "EE": "16n", "LV": "4a13c", "SI": "15n", "SK": "20n", "KW": "4a22c", "QA": "4a21c", "IL": "19n",
    "JO": "4a4n18c", "MU": "4a19n3a", "UA": "6n19c", "KZ": "3n13c", "GE": "2a16n", "AZ": "4a20c", "PK": "4a16c", "EG": "25n",
    "LB": "4n20c", "SM": "1a10n12c", "LI": "5n12c", "MC": "10n11c2n", "AD": "8n12c", "GI": "4a15c", "ME": "18n", "RS": "18n",
    "MK": "3n10c2n", "AL": "8n16c", "BA": "16n", "XK": "16n", "BH": "4a14c", "CR": "18n", "DO": "4c20n", "GT": "4c20c", "TN": "20n",
    "VG": "4a16n", "SC": "4a20n3a", "LT": "16n", "HU": "24n", "CZ": "20n", "RO": "4a16c", "GR": "7n16c", "HR": "17n", "MT": "4a5n18c",
    "TR": "5n1n16c", "BR": "23n1a1c", "IS": "22n", "MD": "20c", "FO": "14n", "GL": "14n", "IQ": "4a15n", "PS": "4a21c", "MR": "23n",
    "UA2": None,
}
del IBAN["UA2"]
CLS = {"n": string.digits, "a": UP, "c": string.digits + UP}
import re as _re
def iban(cc=None, bad=False):
    cc = cc or R.choice(list(IBAN))
    bban = "".join("".join(R.choice(CLS[c]) for _ in range(int(n))) for n, c in _re.findall(r"(\d+)([nac])", IBAN[cc]))
    num = "".join(str(int(c, 36)) for c in bban + cc + "00")
    ck = 98 - int(num) % 97
    if bad: ck = ck + 1 if ck < 97 else 2
    return cc + "%02d" % ck + bban
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
def ghp(p="ghp_"):
    body = rs(30, B62); return p + body + b62(zlib.crc32(body.encode()) & 0xffffffff)
def gh_pat(): return "github_pat_11" + rs(20, UP + string.digits) + "_" + rs(59, B62)
def openai_proj(): return "sk-proj-" + rs(74, B64U) + "T3BlbkFJ" + rs(74, B64U)
def openai_legacy(): return "sk-" + rs(20) + "T3BlbkFJ" + rs(20)
def anthropic(): return "sk-ant-api03-" + rs(93, B64U) + "AA"
def google(): return "AIza" + rs(35, B64U)
def stripe_long(p="sk_live_"): return p + "51" + rs(12) + rs(85)   # real-world 2020+ keys are ~107 chars
def stripe_short(p="sk_live_"): return p + rs(24)
def slack_bot(): return "xoxb-%d-%d-%s" % (R.randint(10**10, 10**12), R.randint(10**12, 10**13), rs(24))
def gitlab(): return "glpat-" + rs(20, B64U)
def npm(): return "npm_" + rs(36)
def hf(): return "hf_" + rs(34, string.ascii_letters)
def sendgrid(): return "SG." + rs(22, B64U) + "." + rs(43, B64U)
def twilio(): return "SK" + rs(32, HEX)
def shopify(p="shpat_"): return p + rs(32, HEX)
def docean(p="dop_v1_"): return p + rs(64, HEX)
def vault(): return "hvs." + rs(90, B64U)
def akid(p="AKIA"): return p + rs(16, UP + "234567")
def awssec(): return rs(40, ALNUM + "/+")
def b64u(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
def jwt():
    h = {"alg": R.choice(["RS256", "HS256", "ES384"]), "typ": "JWT", "kid": rs(8)}
    p = {"sub": rs(12), "iss": "https://auth.acme.io/", "aud": "api", "iat": 1718000000 + R.randint(0, 99999), "exp": 1718090000}
    return b64u(json.dumps(h, separators=(",", ":")).encode()) + "." + b64u(json.dumps(p, separators=(",", ":")).encode()) + "." + rs(86, B64U)
def pw(n=None, sym="!#^*-_.~@"):
    n = n or R.randint(12, 22)
    while True:
        s = rs(n, ALNUM + sym)
        if any(c.isdigit() for c in s) and any(c.isupper() for c in s) and any(c.islower() for c in s) and s[0] not in "-" and s[-1].isalnum(): return s
def pwu(n=None): return pw(n, "-_.~")   # URL-safe
def keyblock(kind="RSA PRIVATE KEY", nl="\n", width=64):
    rows = [rs(width, B64) for _ in range(R.randint(4, 9))] + [rs(R.randint(8, 40), B64) + "=="]
    return nl.join(["-----BEGIN %s-----" % kind] + rows + ["-----END %s-----" % kind])
def uuid(): return "%s-%s-4%s-%s%s-%s" % (rs(8, HEX), rs(4, HEX), rs(3, HEX), R.choice("89ab"), rs(3, HEX), rs(12, HEX))
def d(n): return "".join(R.choice(string.digits) for _ in range(n))
def nz(n): return R.choice("23456789") + d(n - 1)

PREFIXED = [("GITHUB_TOKEN", ghp), ("GITHUB_TOKEN", gh_pat), ("OPENAI_KEY", openai_proj), ("OPENAI_KEY", openai_legacy), ("ANTHROPIC_KEY", anthropic),
            ("GOOGLE_API_KEY", google), ("STRIPE_KEY", stripe_long), ("STRIPE_KEY", stripe_short), ("SLACK_TOKEN", slack_bot), ("GITLAB_TOKEN", gitlab),
            ("NPM_TOKEN", npm), ("HUGGINGFACE_TOKEN", hf), ("SENDGRID_KEY", sendgrid), ("SHOPIFY_TOKEN", shopify), ("DIGITALOCEAN_TOKEN", docean),
            ("AWS_ACCESS_KEY", akid)]
def pref():
    t, f = R.choice(PREFIXED); return t, f()

# ---------------------------------------------------------------- phones
def ph_intl():
    return R.choice([
        lambda: "+44 20 7946 %s" % d(4), lambda: "+44 (0)20 7946 %s" % d(4), lambda: "+44 7700 900%s" % d(3), lambda: "+447700900%s" % d(3),
        lambda: "+44 161 496 %s" % d(4), lambda: "+49 (0)30 %s" % nz(8), lambda: "+49 89 %s" % nz(7), lambda: "+49-151-%s" % nz(8),
        lambda: "+4915%s" % d(9), lambda: "+33 (0)6 %s %s %s %s" % (d(2), d(2), d(2), d(2)), lambda: "+33 1 %s %s %s %s" % (d(2), d(2), d(2), d(2)),
        lambda: "+33.6.%s.%s.%s.%s" % (d(2), d(2), d(2), d(2)), lambda: "+91 9%s %s" % (d(4), d(5)), lambda: "+91-9%s" % d(9),
        lambda: "+91 22 %s %s" % (nz(4), d(4)), lambda: "+55 (11) 9%s-%s" % (d(4), d(4)), lambda: "+55 21 %s-%s" % (nz(4), d(4)),
        lambda: "+81 90-%s-%s" % (d(4), d(4)), lambda: "+81 3 %s %s" % (nz(4), d(4)), lambda: "+61 412 %s %s" % (d(3), d(3)),
        lambda: "+61 (0)2 %s %s" % (nz(4), d(4)), lambda: "+1 416 %s %s" % (nz(3), d(4)), lambda: "+1 (604) %s-%s" % (nz(3), d(4)),
        lambda: "+52 55 %s %s" % (nz(4), d(4)), lambda: "+52 1 33 %s %s" % (nz(4), d(4)), lambda: "+34 91 %s %s %s" % (d(3), d(2), d(2)),
        lambda: "+34 6%s %s %s" % (d(2), d(3), d(3)), lambda: "+39 333 %s %s" % (d(3), d(4)), lambda: "+39 02 %s %s" % (nz(4), d(4)),
        lambda: "+31 6 %s" % nz(8), lambda: "+31 (0)20 %s %s" % (nz(3), d(4)), lambda: "+86 10 %s %s" % (nz(4), d(4)),
        lambda: "+86-139-%s-%s" % (d(4), d(4)), lambda: "+8613%s" % d(9), lambda: "+971 50 %s %s" % (nz(3), d(4)),
        lambda: "+27 82 %s %s" % (nz(3), d(4)), lambda: "+82 10-%s-%s" % (nz(4), d(4)), lambda: "+7 912 %s-%s-%s" % (nz(3), d(2), d(2)),
        lambda: "+48 512 %s %s" % (d(3), d(3)), lambda: "+46 70 %s %s %s" % (nz(3), d(2), d(2)), lambda: "+41 44 %s %s %s" % (nz(3), d(2), d(2)),
        lambda: "+353 87 %s %s" % (nz(3), d(4)), lambda: "+90 532 %s %s %s" % (nz(3), d(2), d(2)), lambda: "+234 803 %s %s" % (nz(3), d(4)),
        lambda: "+62 812-%s-%s" % (d(4), d(4)), lambda: "+63 917 %s %s" % (nz(3), d(4)), lambda: "+65 9%s %s" % (d(3), d(4)),
        lambda: "+852 9%s %s" % (d(3), d(4)), lambda: "+64 21 %s %s" % (nz(3), d(4)), lambda: "+43 664 %s" % nz(7),
        lambda: "+32 470 %s %s %s" % (d(2), d(2), d(2)), lambda: "+45 %s %s %s %s" % (nz(2), d(2), d(2), d(2)), lambda: "+351 912 %s %s" % (d(3), d(3)),
        lambda: "+20 10 %s %s" % (nz(4), d(4)), lambda: "+966 50 %s %s" % (nz(3), d(4)), lambda: "+54 9 11 %s-%s" % (nz(4), d(4)),
    ])()
# national formats (no +); (country, fn)
NAT = [
    ("UK", lambda: "020 7946 %s" % d(4)), ("UK", lambda: "07700 900%s" % d(3)), ("UK", lambda: "0161 496 %s" % d(4)), ("UK", lambda: "(020) 7946 %s" % d(4)),
    ("DE", lambda: "030 %s" % nz(8)), ("DE", lambda: "0171 %s" % nz(7)), ("DE", lambda: "089/%s" % nz(7)), ("DE", lambda: "(030) %s %s" % (nz(4), d(4))), ("DE", lambda: "0151-%s" % nz(8)),
    ("FR", lambda: "01 %s %s %s %s" % (d(2), d(2), d(2), d(2))), ("FR", lambda: "06 %s %s %s %s" % (d(2), d(2), d(2), d(2))), ("FR", lambda: "07.%s.%s.%s.%s" % (d(2), d(2), d(2), d(2))),
    ("IN", lambda: "9%s %s" % (d(4), d(5))), ("IN", lambda: "09%s %s" % (d(4), d(5))), ("IN", lambda: "022 %s %s" % (nz(4), d(4))), ("IN", lambda: "98%s-%s" % (d(3), d(5))),
    ("BR", lambda: "(11) 9%s-%s" % (d(4), d(4))), ("BR", lambda: "(21) %s-%s" % (nz(4), d(4))), ("BR", lambda: "11 9%s-%s" % (d(4), d(4))),
    ("JP", lambda: "03-%s-%s" % (nz(4), d(4))), ("JP", lambda: "090-%s-%s" % (nz(4), d(4))), ("JP", lambda: "06-%s-%s" % (nz(4), d(4))),
    ("AU", lambda: "(02) %s %s" % (nz(4), d(4))), ("AU", lambda: "0412 %s %s" % (d(3), d(3))), ("AU", lambda: "04%s %s %s" % (d(2), d(3), d(3))),
    ("CA", lambda: "(416) %s-%s" % (nz(3), d(4))), ("CA", lambda: "604-%s-%s" % (nz(3), d(4))), ("CA", lambda: "514.%s.%s" % (nz(3), d(4))),
    ("MX", lambda: "55 %s %s" % (nz(4), d(4))), ("MX", lambda: "(55) %s-%s" % (nz(4), d(4))), ("MX", lambda: "33 %s %s" % (nz(4), d(4))),
    ("ES", lambda: "91 %s %s %s" % (d(3), d(2), d(2))), ("ES", lambda: "6%s %s %s" % (d(2), d(3), d(3))), ("ES", lambda: "6%s %s %s %s" % (d(2), d(2), d(2), d(2))),
    ("IT", lambda: "06 %s %s" % (nz(4), d(4))), ("IT", lambda: "333 %s %s" % (d(3), d(4))), ("IT", lambda: "02 %s%s" % (nz(4), d(4))),
    ("NL", lambda: "020-%s %s" % (nz(3), d(4))), ("NL", lambda: "06-%s" % nz(8)), ("NL", lambda: "06 %s %s" % (nz(4), d(4))),
    ("CN", lambda: "138 %s %s" % (d(4), d(4))), ("CN", lambda: "010-%s %s" % (nz(4), d(4))), ("CN", lambda: "021-%s%s" % (nz(4), d(4))), ("CN", lambda: "139%s" % d(8)),
]
CTX = {"UK": ["Tel: ", "Mobile: ", "Phone: ", "call me on "], "DE": ["Tel.: ", "Telefon: ", "Mobil: ", "Rufnummer "], "FR": ["Tél. : ", "Portable : ", "tél ", "Téléphone: "],
       "IN": ["Mobile No: ", "Ph: ", "Contact: ", "mob. "], "BR": ["Telefone: ", "Celular: ", "WhatsApp: ", "tel "], "JP": ["電話：", "TEL ", "携帯: ", "Tel: "],
       "AU": ["Ph: ", "Mobile: ", "phone ", "Mob "], "CA": ["Phone: ", "Cell: ", "tel. ", "call "], "MX": ["Tel: ", "Celular: ", "Teléfono: ", "WhatsApp "],
       "ES": ["Teléfono: ", "Móvil: ", "tel. ", "Tfno: "], "IT": ["Tel. ", "Cellulare: ", "telefono ", "Cell. "], "NL": ["Tel: ", "Mobiel: ", "telefoon ", "Tel.nr. "],
       "CN": ["电话：", "手机：", "Tel: ", "联系电话 "]}

# ---------------------------------------------------------------- emails
EMAILS = ["zoe.angstrom@firma.se", "j.muller+invoices@example.de", "Marie-Claire.Dupont@orange.fr", "SALES@ACME-CORP.COM", "priya.r+tag.sub@infosys.co.in",
          "li_na.2024@163.com", "t.yamada@docomo.ne.jp", "hello@studio.photography", "ops@cloud-native.technology", "a.b.c@sub.dept.uni-muenchen.de",
          "joao.silva@empresa.com.br", "info@kanzlei-mueller.legal", "carlos.lopez+soporte@empresa.com.mx", "k.o'connor@dublin.ie",
          "noreply@notifications.github.com", "first.last@consulting.international", "x_y-z@my-domain.co.uk", "amy.w@health.gov.au", "support@shop.store",
          "dev+ci@ops.engineering", "o.nowak@firma.com.pl", "ANNA.ROSSI@Azienda.IT", "m.tanaka+work@yahoo.co.jp", "user1234@xn--80ak6aa92e.com",
          "bob@mail.startup.dev", "team@acme.agency", "rachel.green@ny.rr.com", "hans.peter@gmx.at", "Sven.Olsen@telia.no", "e.k@bank.com.sg"]
def email(): return R.choice(EMAILS)

# ---------------------------------------------------------------- templates
T = []
def tpl(n):
    def w(f): T.append((f, n)); return f
    return w

# 1. national phones with context word
@tpl(45)
def t_nat_ctx():
    c, f = R.choice(NAT)
    return D(R.choice(CTX[c]), P("PHONE", f()), R.choice(["", ".", "\n", " (Büro)", ", ext. 12".replace(", ext. 12", ","), " — merci"])), "nat_ctx:" + c
# 2. national phones in prose, separators, no context word
@tpl(20)
def t_nat_prose():
    c, f = R.choice(NAT)
    v = f()
    return D(R.choice(["Reach Anna at ", "Ring the front desk on ", "Kontakt: Herr Weber, ", "Please contact the warehouse at ", "Contacto: "]), P("PHONE", v),
             R.choice([" before 5pm.", " (mornings only).", ".", " or by email."])), "nat_prose:" + c
# 3. E.164 many groupings
@tpl(25)
def t_intl():
    v = ph_intl()
    return D(R.choice(["Phone: ", "mobile ", "WhatsApp: ", "tel:", "Call ", "reach me at ", "", "Kontakt ", "Tel. "]), P("PHONE", v),
             R.choice(["", ".", ",", " (Mo-Fr)", "\n"])), "intl"
# 4. phones in JSON CRM exports (array of records)
@tpl(12)
def t_crm_array():
    recs = []
    for i in range(R.randint(2, 3)):
        c, f = R.choice(NAT)
        recs.append(D('{"id":', str(R.randint(1000, 9999)), ',"name":"', R.choice(["Zoë Ångström", "José Núñez", "李娜", "Søren Kierkegaard", "Anna Kowalska"]), '","country":"', c,
                      '","phone":"', P("PHONE", f()), '","mobile":"', P("PHONE", ph_intl()), '","email":"', P("EMAIL", email()), '","created":"2024-0', str(R.randint(1, 9)), '-1', str(R.randint(0, 9)), 'T08:00:00Z"}'))
    out = ['{"object":"list","data":[']
    for i, r in enumerate(recs):
        if i: out.append(",")
        out += r
    out.append('],"has_more":false,"total_count":' + str(len(recs)) + "}")
    return out, "crm_array"
# 5. IBAN many countries
@tpl(25)
def t_iban():
    cc = R.choice(list(IBAN)); v = iban(cc); s = R.choice([v, g4(v)])
    return D(R.choice(["IBAN: ", "IBAN ", "Bankverbindung: IBAN ", "RIB/IBAN : ", '"iban": "', "pay to ", "Beneficiary account: ", "IBAN\t"]), P("IBAN", s),
             R.choice(["", ".", '"', " BIC DEUTDEFFXXX", "\n"])), "iban:" + cc
@tpl(8)
def t_iban_json():
    cc = R.choice(["DE", "GB", "FR", "NL", "ES", "IT", "CH", "BE"])
    doc = D('{"beneficiary":{"name":"', R.choice(["Müller GmbH", "Société Générale Paris", "ACME Ltd"]), '","account":{"iban":"', P("IBAN", iban(cc)), '","bic":"', rs(4, UP), cc, "2X", '"}},"amount":{"value":"1250.00","currency":"EUR"},"reference":"INV-2024-', d(5), '"}')
    return doc, "iban_json"
# 6. email shapes
@tpl(20)
def t_email():
    e = email(); k = R.randrange(8)
    if k == 0: return D('From: "', R.choice(["Zoë Ångström", "José Núñez", "山田 太郎", "Ελένη Παπαδοπούλου", "Müller, Jürgen"]), '" <', P("EMAIL", e), ">"), "email_disp"
    if k == 1: return D("To: ", R.choice(["Søren Ødegård", "Łukasz Żółć", "Đặng Văn Lâm"]), " <", P("EMAIL", e), ">, ", P("EMAIL", email())), "email_to"
    if k == 2: return D("邮箱：", P("EMAIL", e), "。"), "email_cjk"
    if k == 3: return D("mailto:", P("EMAIL", e), "?subject=Invoice%20", d(4)), "email_mailto_q"
    if k == 4: return D("Contact (", P("EMAIL", e), ") or ", P("EMAIL", email()), "; thanks"), "email_paren"
    if k == 5: return D("E-Mail: ", P("EMAIL", e.upper())), "email_upper"
    if k == 6: return D("«", P("EMAIL", e), "» — écrivez-nous"), "email_guillemets"
    return D("*Email:* ", P("EMAIL", e), " | *Tel:* ", P("PHONE", ph_intl())), "email_md"
# 7. cards all issuers
@tpl(25)
def t_card():
    v, g, kind = card(); sep = R.choice(["", " ", "-"])
    s = grp(v, g, sep) if g else v
    return D(R.choice(["Card: ", "card number ", "PAN ", '"cardNumber":"', "Karte ", "carte n° ", "卡号：", "cc=", "CC# "]), P("CREDIT_CARD", s),
             R.choice([" exp 09/28", "", '"', ".", ", CVV 123"])), "card:" + kind + ":" + repr(sep)
# 8. SSN prose / forms
@tpl(15)
def t_ssn():
    a, g, s = ssn(); k = R.randrange(9)
    if k == 0: return D("My social is ", P("US_SSN", a + "-" + g + "-" + s), ", DOB 04/12/1988."), "ssn_social"
    if k == 1: return D("Social Security Number: [ ", P("US_SSN", a + "-" + g + "-" + s), " ]"), "ssn_form"
    if k == 2: return D("SSN#", P("US_SSN", a + g + s)), "ssn_hash_bare"
    if k == 3: return D('{"social_security_number":"', P("US_SSN", a + "-" + g + "-" + s), '","dob":"1979-02-11"}'), "ssn_json_long"
    if k == 4: return D("Taxpayer ID (SSN): ", P("US_SSN", a + " " + g + " " + s)), "ssn_space"
    if k == 5: return D("applicant ssn=", P("US_SSN", a + g + s), "&dob=19800101"), "ssn_query"
    if k == 6: return D("SSN: ", P("US_SSN", a + "-" + g + "-" + s), "\nDOB: 1985-07-04\nPhone: ", P("PHONE", "(%d) %s-%s" % (R.choice([212, 415, 617, 312, 713]), nz(3), d(4)))), "ssn_form2"
    if k == 7: return D("| Name | SSN |\n|---|---|\n| J. Doe | ", P("US_SSN", a + "-" + g + "-" + s), " |"), "ssn_md"
    return D("the employee's social security no. is ", P("US_SSN", a + "-" + g + "-" + s)), "ssn_prose"

# ---- JSON-aware
def mcp_call(name, args_doc):
    return D('{"jsonrpc":"2.0","id":', str(R.randint(1, 999)), ',"method":"tools/call","params":{"name":"', name, '","arguments":', args_doc, '}}')
def mcp_result(inner_text_doc):
    return D('{"jsonrpc":"2.0","id":', str(R.randint(1, 999)), ',"result":{"content":[{"type":"text","text":"', J(inner_text_doc), '"}],"isError":false}}')
@tpl(10)
def t_mcp_nested():
    e, p_ = email(), ph_intl()
    a = D('{"record":{"customer":{"profile":{"contact":{"emails":[{"primary":true,"address":"', P("EMAIL", e), '"}],"phones":[["mobile","', P("PHONE", p_),
          '"]]}},"billing":{"card":{"number":"', P("CREDIT_CARD", grp(*card("visa16")[:2], " ")), '","exp":"11/27"},"iban":"', P("IBAN", g4(iban("DE"))), '"}}}}')
    return mcp_call("crm.upsert", a), "mcp_nested"
@tpl(8)
def t_mcp_triple():
    inner2 = D('{"username":"admin","password":"', P("GENERIC_SECRET", pw()), '","host":"db.prod"}')
    inner1 = D('{"Name":"prod/db","SecretString":"', J(inner2), '","VersionId":"', uuid(), '"}')
    return mcp_result(inner1), "mcp_triple(aws_sm)"
@tpl(10)
def t_openai_args_secret():
    k = R.choice(["apiKey", "api_key", "x-api-key", "clientSecret", "client_secret", "password", "access_token", "authToken", "secretKey", "db_password"])
    args = D('{"service":"billing","config":{"', k, '":"', P("GENERIC_SECRET", pw(24)), '","region":"eu-west-1"}}')
    return D('{"id":"chatcmpl-', rs(29), '","choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_', rs(24),
             '","type":"function","function":{"name":"configure","arguments":"', J(args), '"}}]},"finish_reason":"tool_calls"}]}'), "openai_args:" + k
@tpl(10)
def t_openai_args_pref():
    t, v = pref()
    args = D('{"headers":{"Authorization":"Bearer ', P(t, v), '"},"url":"https://api.example.com/v1/me"}')
    return D('{"role":"assistant","tool_calls":[{"id":"call_', rs(24), '","type":"function","function":{"name":"http_get","arguments":"', J(args), '"}}]}'), "openai_args_bearer:" + t
@tpl(10)
def t_sse():
    e = email(); ph = ph_intl()
    lines = D("event: content_block_delta\n", 'data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"', J(D("Sure! Her email is ", P("EMAIL", e), " and\nphone ", P("PHONE", ph), "."), ascii_=True), '"}}\n\n',
              'data: {"id":"chatcmpl-', rs(20), '","object":"chat.completion.chunk","choices":[{"delta":{"content":"', J(D("Card ", P("CREDIT_CARD", grp(*card("mc5x")[:2], " ")), " noted.")), '"}}]}\n\n', "data: [DONE]\n")
    return lines, "sse"
@tpl(12)
def t_json_uescape():
    k = R.randrange(4)
    e = email()
    if k == 0:  # Go's encoder: \u003c \u003e \u0026
        return D('{"from":"Jane Doe \\u003c', P("EMAIL", e), '\\u003e","subject":"Q3 \\u0026 Q4","to":["', P("EMAIL", email()), '"]}'), "uesc_go"
    if k == 1:  # Python ensure_ascii
        return D(J(D('{"name":"', "Renée Müller", '","note":"', "Téléphone : ", P("PHONE", "+33 6 %s %s %s %s" % (d(2), d(2), d(2), d(2))), " – écrire à ", P("EMAIL", e), '"}'), ascii_=True)), "uesc_py"
    if k == 2:  # PHP json_encode escapes slashes
        pwv = pwu()
        return D('{"dsn":"postgres:\\/\\/app:', P("GENERIC_SECRET", pwv), '@db.internal:5432\\/shop","callback":"https:\\/\\/acme.io\\/cb"}'), "uesc_php_slash"
    inner = D('{"email":"', P("EMAIL", e), '","phone":"', P("PHONE", ph_intl()), '"}')
    return mcp_result(D("Résultat – ", *inner)), "uesc_mcp"   # non-ascii in nested text
@tpl(8)
def t_headers_json():
    k = R.randrange(4)
    if k == 0: return D('{"headers":{"Authorization":"Bearer ', P("GENERIC_SECRET", rs(39, ALNUM + "-._") + "x"), '","Content-Type":"application/json"}}'), "hdr_bearer_opaque"
    if k == 1: return D('{"headers":{"authorization":"Basic ', P("GENERIC_SECRET", base64.b64encode(("svc:" + pw()).encode()).decode()), '"}}'), "hdr_basic"
    if k == 2: return D('{"headers":{"X-API-Key":"', P("GENERIC_SECRET", rs(32, HEX)), '","Accept":"*/*"}}'), "hdr_xapikey"
    return D('{"headers":{"Authorization":"Bearer ', P("JWT", jwt()), '"}}'), "hdr_jwt"
@tpl(8)
def t_k8s_json():
    p1, p2 = pw(), pw(28)
    b1, b2 = base64.b64encode(p1.encode()).decode(), base64.b64encode(p2.encode()).decode()
    return D('{\n    "apiVersion": "v1",\n    "data": {\n        "DB_PASSWORD": "', P("GENERIC_SECRET", b1), '",\n        "api-token": "', P("GENERIC_SECRET", b2),
             '",\n        "username": "YWRtaW4="\n    },\n    "kind": "Secret",\n    "metadata": {\n        "name": "app-secrets",\n        "namespace": "prod",\n        "uid": "', uuid(), '"\n    },\n    "type": "Opaque"\n}'), "k8s_json"
@tpl(6)
def t_k8s_lastapplied():
    p = pw()
    inner = D('{"apiVersion":"v1","kind":"Secret","metadata":{"annotations":{},"name":"db","namespace":"prod"},"stringData":{"password":"', P("GENERIC_SECRET", p), '"},"type":"Opaque"}\n')
    return D("apiVersion: v1\nkind: Secret\nmetadata:\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: |\n      ", *inner, "  name: db\ntype: Opaque\n"), "k8s_lastapplied_yaml"
@tpl(8)
def t_docker_inspect():
    p = pw(); t, v = pref()
    return D('[\n    {\n        "Id": "', rs(64, HEX), '",\n        "Config": {\n            "Hostname": "', rs(12, HEX), '",\n            "Env": [\n                "POSTGRES_PASSWORD=', P("GENERIC_SECRET", p),
             '",\n                "API_TOKEN=', P(t, v), '",\n                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",\n                "PG_VERSION=16.2-1.pgdg120+1"\n            ],\n            "Image": "postgres:16.2"\n        },\n        "NetworkSettings": {\n            "IPAddress": "',
             P("IP_ADDRESS", "172.17.0.%d" % R.randint(2, 250)), '",\n            "Gateway": "', P("IP_ADDRESS", "172.17.0.1"), '",\n            "MacAddress": "02:42:ac:11:00:02"\n        }\n    }\n]'), "docker_inspect"
@tpl(8)
def t_tfstate():
    p = pw(); k = keyblock("RSA PRIVATE KEY")
    return D('{\n  "version": 4,\n  "terraform_version": "1.7.5",\n  "serial": 12,\n  "lineage": "', uuid(), '",\n  "resources": [\n    {\n      "mode": "managed",\n      "type": "aws_db_instance",\n      "instances": [\n        {\n          "attributes": {\n            "address": "main.c9akciq32.rds.amazonaws.com",\n            "password": "',
             P("GENERIC_SECRET", p), '",\n            "port": 5432,\n            "username": "dbadmin"\n          },\n          "sensitive_attributes": []\n        }\n      ]\n    },\n    {\n      "type": "tls_private_key",\n      "instances": [{"attributes": {"algorithm": "RSA", "private_key_pem": "',
             P("PRIVATE_KEY", esc(k + "\n").rstrip("\\n") if False else esc(k)), '\\n", "public_key_fingerprint_md5": "', ":".join(rs(2, HEX) for _ in range(16)), '"}}]\n    }\n  ]\n}'), "tfstate"
@tpl(8)
def t_aws_cli():
    k = R.randrange(2)
    if k == 0:
        return D('{\n    "AccessKey": {\n        "UserName": "ci-bot",\n        "AccessKeyId": "', P("AWS_ACCESS_KEY", akid()), '",\n        "Status": "Active",\n        "SecretAccessKey": "', P("AWS_SECRET_KEY", awssec()),
                 '",\n        "CreateDate": "2024-06-11T10:22:31+00:00"\n    }\n}'), "aws_cli_create_key"
    return D('{\n    "Credentials": {\n        "AccessKeyId": "', P("AWS_ACCESS_KEY", akid("ASIA")), '",\n        "SecretAccessKey": "', P("AWS_SECRET_KEY", awssec()), '",\n        "SessionToken": "', P("GENERIC_SECRET", "IQoJb3JpZ2luX2Vj" + rs(300, B64)),
             '",\n        "Expiration": "2024-06-11T11:22:31+00:00"\n    }\n}'), "aws_cli_sts_session"
@tpl(6)
def t_gha_log():
    t, v = pref()
    return D("2024-06-11T10:22:31.1234567Z ##[group]Run ./deploy.sh\n2024-06-11T10:22:31.1235012Z ./deploy.sh\n2024-06-11T10:22:31.1235890Z env:\n2024-06-11T10:22:31.1236001Z   API_TOKEN: ***\n2024-06-11T10:22:31.1236213Z   NODE_VERSION: 20.11.1\n2024-06-11T10:22:31.1236400Z ##[endgroup]\n",
             "2024-06-11T10:22:33.0012345Z + curl -sf -H 'Authorization: token ", P(t, v), "' https://api.github.com/user\n2024-06-11T10:22:34.9981234Z Deployed build 20240611.3 to ", P("IP_ADDRESS", "10.%d.%d.%d" % (R.randint(0, 255), R.randint(0, 255), R.randint(1, 254))), "\n"), "gha_log:" + t

# ---- generic secrets in idioms
def G(v): return P("GENERIC_SECRET", v)
IDIOMS = [
    ("go_struct", lambda v: D("cfg := &Config{\n\tHost:     \"db.internal\",\n\tPassword: \"", G(v), "\",\n\tTimeout:  30 * time.Second,\n}")),
    ("go_dsn", lambda v: D('db, err := sql.Open("postgres", "host=db.internal user=app password=', G(v), ' dbname=shop sslmode=disable")')),
    ("spring_mail", lambda v: D("spring.mail.host=smtp.gmail.com\nspring.mail.username=", P("EMAIL", "alerts@acme.io"), "\nspring.mail.password=", G(v), "\n")),
    ("spring_yaml", lambda v: D("spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/app\n    username: app\n    password: ", G(v), "\n")),
    ("jdbc_params", lambda v: D("jdbc:mysql://db.internal:3306/shop?user=app&password=", G(v), "&useSSL=true")),
    ("jdbc_sqlserver", lambda v: D("jdbc:sqlserver://sql01:1433;databaseName=crm;user=sa;password=", G(v), ";encrypt=true")),
    ("csharp_conn", lambda v: D('"ConnectionStrings": {\n    "Default": "Server=tcp:acme.database.windows.net,1433;Database=crm;User ID=admin;Password=', G(v), ';Encrypt=True;"\n}')),
    ("ruby_hash", lambda v: D("config.smtp_settings = { user_name: 'apikey', password: '", G(v), "', port: 587 }")),
    ("ruby_rocket", lambda v: D("Stripe.api_key = ENV['X']\nopts = { :password => '", G(v), "', :host => 'db' }")),
    ("php_array", lambda v: D("'mysql' => [\n    'host' => '", P("IP_ADDRESS", "127.0.0.1"), "',\n    'password' => '", G(v), "',\n],")),
    ("rust_let", lambda v: D('let api_key = "', G(v), '";\nlet client = Client::new();')),
    ("shell_export_sq", lambda v: D("export DB_PASSWORD='", G(v), "'\n")),
    ("docker_run_e", lambda v: D("docker run -d -e POSTGRES_PASSWORD=", G(v), " -p 5432:5432 postgres:16")),
    ("psql_url", lambda v: D('psql "postgresql://admin:', G(v), '@', P("IP_ADDRESS", "10.0.3.17"), ':5432/prod"')),
    ("redis_url_nouser", lambda v: D("redis-cli -u redis://:", G(v), "@cache.internal:6379/0 ping")),
    ("rediss_default", lambda v: D("REDIS_URL=rediss://default:", G(v), "@eu1-proper-fox-31234.upstash.io:6379")),
    ("mongo_srv", lambda v: D('client = MongoClient("mongodb+srv://appUser:', G(v), '@cluster0.x1y2z.mongodb.net/?retryWrites=true&w=majority")')),
    ("django_email", lambda v: D("EMAIL_HOST = 'smtp.sendgrid.net'\nEMAIL_HOST_USER = 'apikey'\nEMAIL_HOST_PASSWORD = '", G(v), "'\n")),
    ("smtp_yaml", lambda v: D("smtp:\n  server: smtp.office365.com:587\n  auth_password: \"", G(v), "\"\n")),
    ("pgpassword", lambda v: D("PGPASSWORD=", G(v), " psql -h db -U app -c 'select 1'")),
    ("kubectl_literal", lambda v: D("kubectl create secret generic db --from-literal=password=", G(v))),
    ("helm_set", lambda v: D("helm upgrade --install app ./chart --set db.password=", G(v), " --namespace prod")),
    ("yaml_client_secret", lambda v: D("oauth:\n  client_id: web-app\n  client_secret: ", G(v), "\n  redirect_uri: https://app.acme.io/cb\n")),
    ("ini_secret", lambda v: D("[auth]\nsecret_key = ", G(v), "\n")),
    ("pct_url", lambda v: D("DATABASE_URL=postgres://app:", G(v.replace(R.choice(v), "%40", 1) if False else v[:5] + "%40" + v[5:]), "@db.internal:5432/app")),
    ("json_pass_nested_array", lambda v: D('{"users":[{"name":"svc","password":"', G(v), '"}]}')),
    ("python_kwarg", lambda v: D('conn = psycopg2.connect(host="db", user="app", password="', G(v), '")')),
    ("js_object", lambda v: D("const transporter = nodemailer.createTransport({ host: 'smtp', auth: { user: 'x', password: '", G(v), "' } });")),
    ("csharp_prop", lambda v: D('var cred = new NetworkCredential("svc", "x");\nclient.ApiKey = "', G(v), '";')),
    ("xml_attr_password", lambda v: D('<dataSource url="jdbc:h2:mem" username="sa" password="', G(v), '"/>')),
    ("env_token_suffix", lambda v: D("CI_DEPLOY_TOKEN=", G(v), "\n")),
]
@tpl(60)
def t_idiom():
    name, f = R.choice(IDIOMS); v = pwu() if name in ("pct_url", "psql_url", "redis_url_nouser", "rediss_default", "mongo_srv", "jdbc_params") else pw()
    if name in ("go_dsn", "odbc_pwd", "jdbc_sqlserver", "csharp_conn"): v = v.replace(";", "").replace(" ", "")
    return f(v), "idiom:" + name
# prose / judgement cases (kept separate)
JUDGE = [
    ("odbc_pwd", lambda v: D("Driver={ODBC Driver 18 for SQL Server};Server=sql01;Uid=sa;Pwd=", G(v), ";")),
    ("gh_secret_set", lambda v: D("gh secret set DEPLOY_TOKEN --body \"", G(v), "\"")),
    ("secret_colon_prose_cli", lambda v: D("$ vault kv get secret/db\n====== Data ======\nKey         Value\n---         -----\npassword    ", G(v), "\nusername    app\n")),
    ("rust_struct", lambda v: D('let opts = PgConnectOptions::new().host("db").password("', G(v), '");')),
    ("prose_pw_is", lambda v: D("The new password is ", G(v), " — please rotate it after login.")),
    ("prose_use_token", lambda v: D("use token ", G(v), " for the staging API")),
    ("mysql_p", lambda v: D("mysql -h db -u root -p", G(v), " shop")),
    ("nodemailer_pass", lambda v: D("auth: { user: '", P("EMAIL", "alerts@acme.io"), "', pass: '", G(v), "' }")),
    ("azure_accountkey", lambda v: D("DefaultEndpointsProtocol=https;AccountName=acmestore;AccountKey=", G(base64.b64encode(R.randbytes(64)).decode()), ";EndpointSuffix=core.windows.net")),
]
@tpl(24)
def t_judge():
    name, f = R.choice(JUDGE); return f(pw()), "judge:" + name

# ---- prefixed tokens in new contexts
@tpl(20)
def t_pref_ctx():
    t, v = pref(); k = R.randrange(8)
    if k == 0: return D("GET /v1/data?access_token=", P(t, v), "&limit=10 HTTP/1.1"), "pref_query:" + t
    if k == 1: return D("Use `", P(t, v), "` for now."), "pref_backtick:" + t
    if k == 2: return D("token=", P(t, v), "&channel=C024BE91L&text=hi"), "pref_form:" + t
    if k == 3: return D("(", P(t, v), ")"), "pref_paren:" + t
    if k == 4: return D("key: '", P(t, v), "' # rotate"), "pref_yaml_sq:" + t
    if k == 5: return D("Leaked: ", P(t, v), ". Revoke it."), "pref_period:" + t
    if k == 6: return D("「", P(t, v), "」を使ってください"), "pref_cjk:" + t
    return D('<token>', P(t, v), '</token>'), "pref_xml:" + t
@tpl(8)
def t_pk_more():
    k = R.randrange(4)
    if k == 0: return D(J(D('{"key":"', P("PRIVATE_KEY", esc(keyblock("EC PRIVATE KEY"))), '"}'))), "pk_json_2x_bare"
    if k == 1: return D("ssh_key: |\n  ", P("PRIVATE_KEY", keyblock("OPENSSH PRIVATE KEY", "\n  ", 70)), "\n"), "pk_yaml_70"
    if k == 2: return D("cert.key:\n", P("PRIVATE_KEY", keyblock("PRIVATE KEY", "\n", 76)), "\n"), "pk_76wide"
    return D('{"private_key":"', P("PRIVATE_KEY", esc(keyblock("PRIVATE KEY"), slash=True)), '"}'), "pk_json_slash"
@tpl(8)
def t_jwt_ctx():
    j = jwt(); k = R.randrange(4)
    if k == 0: return D("https://app.acme.io/callback#access_token=", P("JWT", j), "&token_type=Bearer&expires_in=3600"), "jwt_fragment"
    if k == 1: return D('{"id_token":"', P("JWT", j), '"}'), "jwt_json"
    if k == 2: return D("Cookie: _ga=GA1.2.", d(10), ".", d(10), "; auth=", P("JWT", j)), "jwt_cookie"
    return D("JWT: ", P("JWT", j), "\n"), "jwt_plain"

# ---------------------------------------------------------------- negatives
NEG = [
    lambda: '{"nextPageToken":"CAoQAA","kind":"drive#fileList","incompleteSearch":false}',
    lambda: '{"next_page_token":"' + base64.b64encode(R.randbytes(24)).decode() + '","results":[]}',
    lambda: '{"usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d}}' % (R.randint(10, 9999), R.randint(10, 999), R.randint(10000, 20000)),
    lambda: '{"ETag":"\\"' + rs(32, HEX) + '\\"","sha1":"' + rs(40, HEX) + '","md5":"' + rs(32, HEX) + '"}',
    lambda: '{"idempotency_key":"' + uuid() + '","request_id":"req_' + rs(24) + '"}',
    lambda: '{"secret_arn":"arn:aws:secretsmanager:eu-west-1:' + d(12) + ':secret:prod/db-' + rs(6) + '","password_last_used":"2024-06-01T10:00:00Z"}',
    lambda: '{"token_endpoint":"https://oauth2.googleapis.com/token","token_type":"Bearer","tokenizer":"cl100k_base"}',
    lambda: 'System.Runtime, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b03f5f7f11d50a3a',
    lambda: 'Newtonsoft.Json, Version=13.0.0.0, Culture=neutral, PublicKeyToken=30ad4fe6b2a6aeed',
    lambda: '{"content":"' + base64.b64encode(R.randbytes(120)).decode() + '","encoding":"base64","sha":"' + rs(40, HEX) + '"}',
    lambda: '<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAA' + rs(120, B64) + '==">',
    lambda: 'password: "<password>"\napi_key: "your-api-key-here"\ntoken: "%(token)s"',
    lambda: 'DB_PASSWORD=$DB_PASSWORD\nAPI_KEY=${API_KEY:-}\nSECRET=__SECRET__',
    lambda: 'password = os.environ["DB_PASSWORD"]\napi_key = settings.API_KEY',
    lambda: '@Value("${db.password}") private String password;',
    lambda: 'password: !Ref DbPasswordParam\nclient_secret: "{{ vault \'secret/oauth\' }}"',
    lambda: 'password: ENC(AbCdEfGhIjKlMnOp)',
    lambda: '"password":"••••••••","api_key":"sk-…a1b2","token":"[REDACTED]"',
    lambda: 'card •••• 4242 · exp 09/28; IBAN DE89 **** **** **** **30 00; ssn XXX-XX-6789',
    lambda: 'phone +1 (415) ***-**67; email j***.d**@gmail.com; key AKIA************MPLE',
    lambda: 'Montant : 1 234 567,89 € — Réf. 2024/06/0012',
    lambda: 'Total ₹12,34,567.00 (GST 18%)',
    lambda: 'Volume: 12 345 678 shares @ 123.45; mkt cap 1 234 567 890',
    lambda: 'latency p50=12.345ms p99=1234.5ms; uptime 1h23m45s; PT1H30M',
    lambda: 'coords 48.8566, 2.3522 and -33.8688,151.2093; lat=40.712776&lon=-74.005974',
    lambda: 'released v10.12.3, 1.2.3-beta.4+build.5678, 2.0.0-rc.1',
    lambda: 'dates: 11/06/2024, 11.06.2024, 2024.06.11, 20240611103000, 2024-06-11 10:22:31.123456',
    lambda: 'ports 8080->80/tcp, 8443->443/tcp; listen 8080:80',
    lambda: 'FileVersion 10.0.22621.1; AssemblyVersion 4.2.1.0; snmp 1.3.6.1.2.1.1.3.0',
    lambda: 'Build #20240611.12, PO-2024-0612-77, order 4711-2024-0001, invoice 2024/06/00123',
    lambda: 'routing 021000021, acct 000123456789, sort code 20-00-00, BSB 062-000',
    lambda: 'serial 4512 8890 1234; IMEI 35-209900-176148-1; MAC 3C:22:FB:12:34:56',
    lambda: 'tx 0x' + rs(64, HEX) + ' block 19876543',
    lambda: '{"sessionId":"' + uuid() + '","traceparent":"00-' + rs(32, HEX) + '-' + rs(16, HEX) + '-01"}',
    lambda: 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ' + rs(200, B64) + ' deploy@build-01',
    lambda: 'Stripe publishable pk_live_' + rs(24) + ' and pk_test_' + rs(24),
    lambda: '"secretName":"db-creds","passwordPolicy":"strong","token_count":512,"max_tokens":4096,"keyId":"' + uuid() + '"',
    lambda: 'Call duration 00:45:12, wait 00:01:03; ticket CS-2024-118877',
    lambda: 'ISBN 978-1-4028-9462-6; ISSN 0317-8471; DOI 10.1000/182',
    lambda: 'Order ' + luhn_bad(luhn("4", 16)) + ' shipped; ref ' + grp(luhn_bad(luhn("5", 16)), [4, 4, 4, 4], " "),
    lambda: 'SSN 078-05-1120 (sample), ITIN 912-70-1234, 000-12-3456, 123-45-6789',
    lambda: 'IBAN GB82 WEST 1234 5698 7654 31 (bad check) and DE00123456780000000000',
    lambda: 'Wählen Sie 110 oder 112; Notruf 112',
    lambda: 'Git: commit ' + rs(40, HEX) + ' Author: CI <ci@noreply>',
    lambda: 'python==3.11.4 numpy>=1.26.0 torch==2.3.0+cu121',
    lambda: 'scores: 0.9876543210 0.1234567890; epoch 1718099999 step 12345678',
    lambda: 'Europe/Berlin UTC+02:00, +0530 IST, GMT-0800',
    lambda: 'temperature +21.5 °C, delta -12 345, growth +12.5%',
    lambda: 'See https://example.com/users/12345678/orders/87654321 and /v1/items/555123456789',
    lambda: '"password": null, "token": "", "secret": "none", "api_key": "xxxxxxxxxxxxxxxx"',
    lambda: 'export OPENAI_API_KEY="sk-proj-..."; GITHUB_TOKEN=ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX',
]
@tpl(60)
def t_neg():
    return D("\n".join(R.choice(NEG)() for _ in range(R.randint(1, 3)))), "neg"
@tpl(10)
def t_neg_luhn_numbers():
    # Luhn-valid but wrong issuer/length; Luhn-invalid with valid issuer
    a = luhn(R.choice(["1", "7", "8", "9"]), 16); b = luhn_bad(card("visa16")[0]); c = luhn("99", 15); e = luhn("4", 17)
    return D("order ", a, ", ref ", grp(b, [4, 4, 4, 4], " "), ", id ", c, ", tx ", e), "neg_luhn"
@tpl(8)
def t_neg_iban():
    return D("IBAN ", iban(R.choice(["DE", "FR", "GB"]), bad=True), "; ", g4(iban("NL", bad=True)), "; XX12 3456 7890 1234"), "neg_iban_bad"


# ---------------------------------------------------------------- X: shapes found by direct probing
CODE_EXPR = ['api_key = settings.API_KEY', 'password=self.password', 'token := os.Getenv("GITHUB_TOKEN")', 'String password = System.getenv("DB_PASSWORD");',
             'api_key=config.api_key', 'access_token = response.json()["access_token"]', 'let apiKey = env::var("API_KEY").unwrap();',
             'client = OpenAI(api_key=os.getenv("OPENAI_API_KEY"))', 'password = args.password', 'secret = Rails.application.credentials.secret_key_base',
             'token=request.headers.get("Authorization")', 'password: config.database.password', 'const password = req.body.password;', 'token = auth.token']
ENVNAME = ['api_key="OPENAI_API_KEY"', 'password: DB_PASSWORD', 'token = "GITHUB_TOKEN"', '"apiKey": "MY_API_KEY"', 'api_key="API_KEY_HERE"', 'client_secret: "CLIENT_SECRET"',
           'SECRET_KEY = "SECRET_KEY"', 'password: "POSTGRES_PASSWORD"']
PLACE2 = ['    environment:\n      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-postgres}', 'password: ${DB_PASSWORD:?required}', 'password: "#{DB_PASSWORD}"', 'password: "@@DB_PASSWORD@@"',
          "password: '#{ENV.fetch(\"DB_PASSWORD\")}'", 'REDIS_PASSWORD: ${REDIS_PASSWORD:-redis}']
@tpl(20)
def x_code_expr(): return D(R.choice(CODE_EXPR), "\n"), "X:code_expr_neg"
@tpl(12)
def x_envname(): return D(R.choice(ENVNAME), "\n"), "X:envname_value_neg"
@tpl(10)
def x_place2(): return D(R.choice(PLACE2), "\n"), "X:placeholder2_neg"
@tpl(8)
def x_arn():
    arn = "arn:aws:secretsmanager:eu-west-1:%s:secret:prod/%s-%s" % (d(12), R.choice(["db", "stripe", "api-keys"]), rs(6))
    return R.choice([D('{\n    "ARN": "', arn, '",\n    "Name": "prod/db",\n    "VersionId": "', uuid(), '"\n}'), D("SecretId: ", arn), D('"secret_arn": "', arn, '"')]), "X:secret_arn_neg"
@tpl(6)
def x_pkt():
    return D(R.choice(['<add assembly="System.Web.Mvc, Version=5.2.9.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35" />', 'Could not load file or assembly \'Newtonsoft.Json, Version=13.0.0.0, Culture=neutral, PublicKeyToken=30ad4fe6b2a6aeed\'',
                       '<bindingRedirect oldVersion="0.0.0.0-4.0.0.0" newVersion="4.0.0.0" /> PublicKeyToken=b77a5c561934e089'])), "X:publickeytoken_neg"
@tpl(8)
def x_dot_plus():
    return D(R.choice(["Tel.", "M.", "Mob.", "Fax."]), P("PHONE", ph_intl()), " | ", P("EMAIL", email())), "X:dot_before_plus"
@tpl(10)
def x_compact_ctx():
    v = R.choice(["06" + d(8), "07700900" + d(3), "0207946" + d(4), "13" + str(R.randint(0, 9)) + d(8), "0151" + nz(8), "0" + nz(9)])
    return D(R.choice(["phone: ", "Mobile: ", "Tel: ", "mobile number ", "电话："]), P("PHONE", v)), "X:compact_ctx"
@tpl(6)
def x_ssn_in_longer():
    return D(R.choice(["Tel: 044 55 ", "Phone: 212 55 ", "Acct no 536 90 "]), d(4), " ", d(4)), "X:ssn_inside_longer_neg"
@tpl(6)
def x_u_url():
    v = pwu()
    return D(R.choice(["redis-cli -u redis://:", "redis-cli -u rediss://default:", "mongosh -u mongodb://admin:"]), G(v), "@cache.internal:6379"), "X:dash_u_url"
@tpl(5)
def x_jdbc_at():
    v = pw(14).replace("@", "x"); v = v[:5] + "@" + v[5:]
    return D("jdbc:sqlserver://sql01:1433;databaseName=crm;user=sa;password=", G(v), ";encrypt=true"), "X:jdbc_semicolon_at"
@tpl(5)
def x_verp():
    return D("Return-Path: <", P("EMAIL", "bounces+%s-%s-jane=acme.com@em%s.sendgrid.net" % (d(6), rs(4, HEX), d(4))), ">"), "X:verp_email"
@tpl(5)
def x_rails_skb():
    return D(R.choice(["SECRET_KEY_BASE=", "secret_key_base: "]), G(rs(128, HEX))), "X:secret_key_base"

for f, n in T:
    for _ in range(n):
        doc, tag = f(); add(doc, tag)

# stdout: the records PII.md settles (the "judge:" ones it leaves open are
# left out); gen2.py TAGS_FILE also writes which template made each record
tags = open(sys.argv[1], "w") if len(sys.argv) > 1 else None
for r in RECS:
    if r["tag"].startswith("judge:"):
        continue
    print(json.dumps({"text": r["text"], "spans": r["spans"]}, ensure_ascii=False))
    if tags:
        tags.write(r["tag"] + "\n")
