#!/usr/bin/env python3
"""probe4: PII-heavy business data as MCP tools return it (CRM, HR, orders, tickets,
banking, intake forms, vCard/ICS, email, CSV/TSV/MD/SQL tables, Slack exports),
nested in MCP results / OpenAI tool args. Fixed seed; stdout JSONL.
Docs are lists of segments: str or (TYPE, value)."""
import json, random, string, zlib, base64, re, sys

R = random.Random(44114)
ALNUM = string.ascii_letters + string.digits
B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
B64 = ALNUM + "+/"
B64U = ALNUM + "-_"
HEX = "0123456789abcdef"
UP = string.ascii_uppercase
DIG = string.digits
def rs(n, a=ALNUM): return "".join(R.choice(a) for _ in range(n))
def d(n): return rs(n, DIG)
def nz(n): return R.choice("23456789") + d(n - 1)
def ch(*a): return R.choice(a)
def area():
    while True:
        a = nz(3)
        if a[1] != "9" and a[1:] != "11": return a
def exch():
    while True:
        a = nz(3)
        if a[1:] != "11": return a

def esc(s): return json.dumps(s, ensure_ascii=False)[1:-1]
def J(doc): return [(s[0], esc(s[1])) if isinstance(s, tuple) else esc(s) for s in doc]
def D(*parts):
    out = []
    for p in parts:
        if isinstance(p, list): out.extend(p)
        elif isinstance(p, tuple) and p[0] is None: out.append(p[1])
        else: out.append(p)
    return out
def P(t, v): return (t, v) if t else v

RECS = []
def add(doc, tag):
    text, spans, pos = "", [], 0
    for s in doc:
        if isinstance(s, tuple):
            b = len(s[1].encode()); spans.append({"start": pos, "end": pos + b, "type": s[0]}); text += s[1]; pos += b
        else:
            text += s; pos += len(s.encode())
    RECS.append({"text": text, "spans": spans, "tag": tag})

# ---------------------------------------------------------------- values
def luhn_ok(x):
    s = 0
    for i, c in enumerate(reversed(x)):
        v = int(c)
        if i % 2:
            v *= 2
            if v > 9: v -= 9
        s += v
    return s % 10 == 0
def luhn(prefix, n):
    while True:
        body = prefix + d(n - len(prefix) - 1)
        for c in DIG:
            if luhn_ok(body + c) and len(set(body + c)) > 2: return body + c
def luhn_bad(x): return x[:-1] + str((int(x[-1]) + 3) % 10)
CARDS = [("visa", ["4"], 16, [4, 4, 4, 4]), ("mc", ["51", "52", "54", "55", "2223", "2500", "2710"], 16, [4, 4, 4, 4]),
         ("amex", ["34", "37"], 15, [4, 6, 5]), ("disc", ["6011", "65"], 16, [4, 4, 4, 4]), ("jcb", ["3530", "3566"], 16, [4, 4, 4, 4]),
         ("diners", ["36"], 14, [4, 6, 4]), ("unionpay", ["62"], 16, [4, 4, 4, 4]), ("visa13", ["4"], 13, None), ("maestro", ["6759", "5018"], 16, [4, 4, 4, 4])]
def card():
    k = R.choice(CARDS); return luhn(R.choice(k[1]), k[2]), k[3]
def grp(x, g, sep):
    if not g or not sep: return x
    out, i = [], 0
    for n in g: out.append(x[i:i + n]); i += n
    return sep.join(out)
def cardfmt():
    c, g = card(); return grp(c, g, ch("", " ", "-", " ")) if g else c

IBAN = {"DE": "8n10n", "GB": "4a14n", "FR": "10n11c2n", "ES": "20n", "IT": "1a10n12c", "NL": "4a10n", "BE": "12n", "CH": "5n12c",
        "AT": "16n", "PL": "24n", "PT": "21n", "IE": "4a14n", "SE": "20n", "DK": "14n", "FI": "14n", "LU": "3n13c", "BR": "23n1a1c",
        "NO": "11n", "CZ": "20n", "HU": "24n", "RO": "4a16c", "GR": "7n16c", "HR": "17n", "MT": "4a5n18c", "TR": "5n1n16c", "SA": "2n18c", "AE": "19n"}
CLS = {"n": DIG, "a": UP, "c": DIG + UP}
def iban(cc=None, bad=False):
    cc = cc or R.choice(list(IBAN))
    bban = "".join("".join(R.choice(CLS[c]) for _ in range(int(n))) for n, c in re.findall(r"(\d+)([nac])", IBAN[cc]))
    num = "".join(str(int(c, 36)) for c in bban + cc + "00")
    ck = 98 - int(num) % 97
    if bad: ck = ck + 1 if ck < 97 else 2
    return cc + "%02d" % ck + bban
def g4(s): return " ".join(s[i:i + 4] for i in range(0, len(s), 4))
def ibanfmt(cc=None):
    v = iban(cc); return g4(v) if R.random() < .45 else v

def ssn_parts():
    while True:
        a = R.randint(1, 899)
        if a != 666: break
    while True:
        g, s = R.randint(1, 99), R.randint(1, 9999)
        v = "%03d-%02d-%04d" % (a, g, s)
        if v not in ("078-05-1120", "123-45-6789"): return "%03d" % a, "%02d" % g, "%04d" % s
def ssn(sep="-"): return sep.join(ssn_parts())

def b62(n):
    s = ""
    while n: n, r = divmod(n, 62); s = B62[r] + s
    return s.rjust(6, "0")
def ghp(p="ghp_"):
    body = rs(30, B62); return p + body + b62(zlib.crc32(body.encode()) & 0xffffffff)
def stripe(): return ch("sk_live_", "rk_live_", "sk_test_") + "51" + rs(22) + rs(R.choice([24, 75]))
def slack(): return "xoxb-%d-%d-%s" % (R.randint(10**10, 10**12), R.randint(10**12, 10**13), rs(24))
def openai(): return "sk-proj-" + rs(74, B64U) + "T3BlbkFJ" + rs(74, B64U)
def anthropic(): return "sk-ant-api03-" + rs(93, B64U) + "AA"
def google(): return "AIza" + rs(35, B64U)
def akid(): return "AKIA" + rs(16, UP + "234567")
def sendgrid(): return "SG." + rs(22, B64U) + "." + rs(43, B64U)
def twilio(): return "SK" + rs(32, HEX)
def shopify(): return "shpat_" + rs(32, HEX)
PREF = [("GITHUB_TOKEN", ghp), ("STRIPE_KEY", stripe), ("SLACK_TOKEN", slack), ("OPENAI_KEY", openai), ("ANTHROPIC_KEY", anthropic),
        ("GOOGLE_API_KEY", google), ("AWS_ACCESS_KEY", akid)]
def b64u(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
def jwt():
    h = {"alg": ch("RS256", "HS256"), "typ": "JWT"}
    p = {"sub": d(8), "email": "x@y.io", "iat": 1718000000 + R.randint(0, 99999)}
    return b64u(json.dumps(h, separators=(",", ":")).encode()) + "." + b64u(json.dumps(p, separators=(",", ":")).encode()) + "." + rs(43, B64U)
def pw(n=None):
    n = n or R.randint(12, 20)
    while True:
        s = rs(n, ALNUM + "!#%*-_.")
        if any(c.isdigit() for c in s) and any(c.isupper() for c in s) and any(c.islower() for c in s) and s[0].isalnum() and s[-1].isalnum(): return s
def keyblock(kind="RSA PRIVATE KEY", nl="\n"):
    rows = [rs(64, B64) for _ in range(R.randint(4, 7))] + [rs(R.randint(8, 40), B64) + "=="]
    return nl.join(["-----BEGIN %s-----" % kind] + rows + ["-----END %s-----" % kind])

# ---------------------------------------------------------------- people / locales
LOC = {
 "US": dict(names=["Emily Johnson", "Michael O'Brien", "Ashley Nguyen", "Robert García", "Jessica Williams"], dom=["gmail.com", "acmecorp.com", "outlook.com", "yahoo.com"],
            phone=[lambda: "(%s) %s-%s" % (area(), exch(), d(4)), lambda: "%s-%s-%s" % (area(), exch(), d(4)), lambda: "+1 %s-%s-%s" % (area(), exch(), d(4)),
                   lambda: "+1 (%s) %s-%s" % (area(), exch(), d(4)), lambda: "%s.%s.%s" % (area(), exch(), d(4))],
            addr=lambda: "%d Market St, Suite %d, San Francisco, CA %s" % (R.randint(10, 999), R.randint(100, 900), ch("94105", "94105-1234", "94107-2201"))),
 "UK": dict(names=["Oliver Smith", "Amelia Clarke", "Harry Patel", "Sophie O'Neill"], dom=["btinternet.com", "company.co.uk", "nhs.net"],
            phone=[lambda: "020 7946 %s" % d(4), lambda: "07700 900%s" % d(3), lambda: "+44 7%s %s" % (d(3), d(6)), lambda: "+44 (0)161 496 %s" % d(4), lambda: "0113 496 %s" % d(4)],
            addr=lambda: "%d Baker Street, London %s" % (R.randint(1, 200), ch("NW1 6XE", "SW1A 1AA", "EC1A 1BB"))),
 "DE": dict(names=["Jürgen Müller", "Anna Schröder", "Lukas Weiß", "Katrin Groß"], dom=["gmx.de", "web.de", "t-online.de", "firma.de"],
            phone=[lambda: "+49 30 %s" % nz(8), lambda: "+49 (0)89 %s %s" % (nz(3), d(4)), lambda: "0171 %s" % nz(7), lambda: "030 %s" % nz(8), lambda: "+49 151 %s" % nz(8), lambda: "0221/%s" % nz(6)],
            addr=lambda: "Hauptstraße %d, %s Berlin" % (R.randint(1, 120), ch("10115", "10969", "12043"))),
 "FR": dict(names=["Élodie Martin", "François Lefèvre", "Chloé Dubois", "Mathieu Bernard"], dom=["orange.fr", "free.fr", "laposte.net", "entreprise.fr"],
            phone=[lambda: "01 %s %s %s %s" % (d(2), d(2), d(2), d(2)), lambda: "06 %s %s %s %s" % (d(2), d(2), d(2), d(2)), lambda: "+33 6 %s %s %s %s" % (d(2), d(2), d(2), d(2)), lambda: "+33 (0)1 %s %s %s %s" % (d(2), d(2), d(2), d(2))],
            addr=lambda: "%d rue de Rivoli, %s Paris" % (R.randint(1, 200), ch("75001", "75004", "75011"))),
 "ES": dict(names=["Lucía Fernández", "Javier Martínez", "Carmen Ruiz"], dom=["telefonica.es", "empresa.es", "gmail.com"],
            phone=[lambda: "+34 6%s %s %s" % (d(2), d(3), d(3)), lambda: "91 %s %s %s" % (d(3), d(2), d(2)), lambda: "+34 91 %s %s %s" % (d(3), d(2), d(2))],
            addr=lambda: "Calle de Alcalá %d, %s Madrid" % (R.randint(1, 300), ch("28014", "28009"))),
 "IT": dict(names=["Giulia Rossi", "Marco Bianchi", "Francesca Esposito"], dom=["libero.it", "azienda.it", "tiscali.it"],
            phone=[lambda: "+39 3%s %s %s" % (d(2), d(3), d(4)), lambda: "+39 02 %s %s" % (nz(4), d(4)), lambda: "06 %s %s" % (nz(4), d(4))],
            addr=lambda: "Via Roma %d, %s Milano MI" % (R.randint(1, 200), ch("20121", "20123"))),
 "NL": dict(names=["Daan de Vries", "Sanne van den Berg", "Bram Jansen"], dom=["ziggo.nl", "bedrijf.nl", "kpnmail.nl"],
            phone=[lambda: "+31 6 %s" % nz(8), lambda: "+31 20 %s %s" % (nz(3), d(4)), lambda: "06-%s" % nz(8), lambda: "020-%s %s" % (nz(3), d(4))],
            addr=lambda: "Keizersgracht %d, %s Amsterdam" % (R.randint(1, 800), ch("1015 CJ", "1016 DK"))),
 "BR": dict(names=["João Pereira", "Ana Souza", "Luíza Carvalho", "Thiago Araújo"], dom=["uol.com.br", "empresa.com.br", "gmail.com"],
            phone=[lambda: "+55 11 9%s-%s" % (d(4), d(4)), lambda: "+55 (21) 9%s-%s" % (d(4), d(4)), lambda: "(11) 9%s-%s" % (d(4), d(4)), lambda: "(21) %s-%s" % (nz(4), d(4))],
            addr=lambda: "Av. Paulista, %d - Bela Vista, São Paulo - SP, %s" % (R.randint(100, 2000), ch("01310-100", "01311-000"))),
 "MX": dict(names=["Alejandro Hernández", "Sofía Ramírez", "Diego Torres"], dom=["prodigy.net.mx", "empresa.com.mx", "hotmail.com"],
            phone=[lambda: "+52 55 %s %s" % (nz(4), d(4)), lambda: "+52 1 33 %s %s" % (nz(4), d(4)), lambda: "55 %s %s" % (nz(4), d(4))],
            addr=lambda: "Av. Reforma %d, Col. Juárez, %s CDMX" % (R.randint(1, 500), ch("06600", "06500"))),
 "IN": dict(names=["Priya Sharma", "Rahul Verma", "Ananya Iyer", "Vikram Singh"], dom=["rediffmail.com", "infosys.com", "gmail.com"],
            phone=[lambda: "+91 9%s %s" % (d(4), d(5)), lambda: "+91-9%s" % d(9), lambda: "+91 80 %s %s" % (nz(4), d(4)), lambda: "9%s %s" % (d(4), d(5))],
            addr=lambda: "%d, 4th Cross, Indiranagar, Bengaluru %s" % (R.randint(1, 99), ch("560038", "560001"))),
 "JP": dict(names=["山田 太郎", "佐藤 花子", "Tanaka Yuki"], dom=["docomo.ne.jp", "example.co.jp", "yahoo.co.jp"],
            phone=[lambda: "+81 90-%s-%s" % (nz(4), d(4)), lambda: "+81 3-%s-%s" % (nz(4), d(4)), lambda: "03-%s-%s" % (nz(4), d(4)), lambda: "090-%s-%s" % (nz(4), d(4))],
            addr=lambda: "〒%s 東京都千代田区丸の内%d-%d-%d" % (ch("100-0005", "100-0001"), R.randint(1, 3), R.randint(1, 9), R.randint(1, 9))),
 "CN": dict(names=["王伟", "李娜", "张敏", "Chen Jie"], dom=["qq.com", "163.com", "company.cn"],
            phone=[lambda: "+86 138 %s %s" % (d(4), d(4)), lambda: "+86 10 %s %s" % (nz(4), d(4)), lambda: "139%s" % d(8), lambda: "021-%s%s" % (nz(4), d(4))],
            addr=lambda: "北京市朝阳区建国路%d号 %s" % (R.randint(1, 99), ch("100022", "100020"))),
 "AU": dict(names=["Jack Wilson", "Charlotte Brown", "Liam Taylor"], dom=["bigpond.com", "company.com.au", "optusnet.com.au"],
            phone=[lambda: "+61 4%s %s %s" % (d(2), d(3), d(3)), lambda: "(02) %s %s" % (nz(4), d(4)), lambda: "04%s %s %s" % (d(2), d(3), d(3)), lambda: "+61 2 %s %s" % (nz(4), d(4))],
            addr=lambda: "%d George St, Sydney NSW %s" % (R.randint(1, 500), ch("2000", "2010"))),
 "CA": dict(names=["Émilie Tremblay", "Noah Roy", "Olivia MacDonald"], dom=["rogers.com", "sympatico.ca", "company.ca"],
            phone=[lambda: "(416) %s-%s" % (exch(), d(4)), lambda: "+1 604 %s %s" % (exch(), d(4)), lambda: "514-%s-%s" % (exch(), d(4))],
            addr=lambda: "%d King St W, Toronto, ON %s" % (R.randint(1, 500), ch("M5V 3L9", "M5H 1J9"))),
}
LOCS = list(LOC)
IBAN_CC = {"DE": "DE", "UK": "GB", "FR": "FR", "ES": "ES", "IT": "IT", "NL": "NL", "BR": "BR"}
def ascii_fold(s):
    t = {"ü": "ue", "ö": "oe", "ä": "ae", "ß": "ss", "é": "e", "è": "e", "É": "E", "ç": "c", "í": "i", "á": "a", "ã": "a", "ú": "u", "ñ": "n", "ó": "o", "'": ""}
    return "".join(t.get(c, c) for c in s)
def PH(v, ctx=False):
    return P("PHONE", v) if (ctx or not v.isdigit()) else v
def person(loc=None):
    loc = loc or R.choice(LOCS)
    L = LOC[loc]
    n = R.choice(L["names"])
    a = ascii_fold(n).lower().split()
    if not a or not all(x.isascii() for x in a): a = [ch("wang.wei", "li.na", "yamada.t", "sato.h", "zhang.min")]
    local = ch(".".join(a), a[0][0] + "." + a[-1] if len(a) > 1 else a[0], a[0] + "+" + ch("crm", "orders", "hr"), "_".join(a), a[-1] + str(R.randint(1, 99)))
    em = local + "@" + R.choice(L["dom"])
    return dict(loc=loc, name=n, email=em, phone=R.choice(L["phone"])(), addr=L["addr"]())

# ---------------------------------------------------------------- hard negatives
def order_no(): return ch("ORD-%s" % d(8), "#%s" % d(6), "%s-%s-%s" % (d(3), d(7), d(7)), "SO-%s-%s" % (d(3), d(6)), "PO %s" % d(10), "INV-2024-%s" % d(6), "R%s" % d(9))
def tracking(): return ch("1Z%s%s" % (rs(6, UP + DIG), d(10)), "9400 1%s %s %s %s %s" % (d(3), d(4), d(4), d(4), d(2)), "%s" % d(12), "JD%s" % d(16), "LX%sCN" % d(9), "00340434%s" % d(10))
def date_s(): return ch("2024-06-%02d" % R.randint(1, 28), "%02d/%02d/2024" % (R.randint(1, 12), R.randint(1, 28)), "%02d.%02d.2024" % (R.randint(1, 28), R.randint(1, 12)),
                       "2024年6月%d日" % R.randint(1, 28), "20240612T%02d0000Z" % R.randint(0, 23), "12-Jun-2024", "2024-06-12T09:30:00+02:00", "Jun 12, 2024 3:45 PM",
                       "2024-06-12 14:03:22.123456", "%d" % (1718000000 + R.randint(0, 99999)))
def price(): return ch("€1.234,56", "$12,345.67", "R$ 2.399,90", "¥120,000", "₹1,23,456.00", "£89.99", "1 234,50 €", "MXN 4,560.00", "USD 10,000.00", "CHF 1'250.00")
def masked(): return ch("****1234", "**** **** **** 4242", "XXXX-XXXX-XXXX-%s" % d(4), "j***@x.com", "a****z@gmail.com", "***-**-%s" % d(4), "+1 (***) ***-%s" % d(4),
                        "DE89 **** **** **** **** 00", "[EMAIL]", "[PHONE]", "•••• %s" % d(4), "XXX-XX-%s" % d(4), "%s******%s" % (ch("411111", "545454"), d(4)))
def natid(): return ch(("NINO", "%s%s%s%s" % (ch("AB", "JG", "NP"), d(6), "", ch("A", "C", "D"))), ("CPF", "%s.%s.%s-%s" % (d(3), d(3), d(3), d(2))),
                       ("DNI", "%s%s" % (d(8), R.choice(UP))), ("NIE", "X%s%s" % (d(7), R.choice(UP))), ("Codice Fiscale", "RSSMRA85T10A562S"),
                       ("BSN", d(9)), ("Steuer-ID", d(11)), ("Aadhaar", "%s %s %s" % (nz(4), d(4), d(4))), ("PAN", "ABCPV%sK" % d(4)),
                       ("SIN", "%s %s %s" % (d(3), d(3), d(3))), ("TFN", "%s %s %s" % (d(3), d(3), d(3))), ("CURP", "HEGA850101HDFRRL09"),
                       ("マイナンバー", "%s %s %s" % (d(4), d(4), d(4))), ("身份证", "11010119%s%s" % (d(6), d(4))), ("RFC", "HEGA850101AB1"), ("NIR", "1 85 05 78 006 084 36"),
                       ("EIN", "%s-%s" % (d(2), d(7))), ("ITIN", "9%s-7%s-%s" % (d(2), d(1), d(4))), ("Routing", "0%s" % d(8)), ("MRN", "MRN%s" % d(8)))

# ---------------------------------------------------------------- templates
T = []
def tpl(n):
    def w(f): T.append((f, n)); return f
    return w

def mcp_result(inner_doc, twice=False):
    body = J(inner_doc)
    if twice: body = J(D('{"result":"', body, '"}'))
    return D('{"jsonrpc":"2.0","id":', str(R.randint(1, 999)), ',"result":{"content":[{"type":"text","text":"', body, '"}],"isError":false}}')
def openai_args(name, inner_doc):
    return D('{"role":"assistant","tool_calls":[{"id":"call_', rs(24), '","type":"function","function":{"name":"', name, '","arguments":"', J(inner_doc), '"}}]}')
def wrap(doc):
    r = R.random()
    if r < .35: return doc, "raw"
    if r < .65: return mcp_result(doc), "mcp"
    if r < .8: return mcp_result(doc, twice=True), "mcp2"
    return openai_args(ch("crm_upsert", "send_email", "create_refund", "hr_update"), doc), "oai"

# 1 CRM contact JSON
@tpl(25)
def t_crm_contact():
    p = person()
    doc = D('{"id":"', d(11), '","properties":{"firstname":"', p["name"].split()[0], '","lastname":"', p["name"].split()[-1], '","email":"', P("EMAIL", p["email"]),
            '","phone":"', P("PHONE", p["phone"]), '","company":"Acme ', p["loc"], ' GmbH","address":"', p["addr"], '","hs_object_id":"', d(9),
            '","createdate":"', date_s(), '","lifecyclestage":"customer","annualrevenue":"', price(), '"}}')
    doc, w = wrap(doc)
    return doc, "crm_contact:" + p["loc"] + ":" + w

# 2 CRM deals CSV with quoted fields
@tpl(15)
def t_deals_csv():
    rows = [D("deal_id,deal_name,amount,close_date,contact,contact_email,contact_phone,owner\n")]
    for _ in range(R.randint(2, 4)):
        p = person()
        rows.append(D(d(10), ',"', p["name"].split()[-1], ', ', p["name"].split()[0], ' — Renewal",', '"', price(), '",', date_s(), ',"', p["name"], '",',
                      P("EMAIL", p["email"]), ",", PH(p["phone"]), ",owner", d(3), "\n"))
    doc = D(*rows)
    doc, w = wrap(doc)
    return doc, "deals_csv:" + w

# 3 HR payroll record
@tpl(20)
def t_hr():
    p = person(ch("US", "US", "DE", "UK", "FR", "NL", "ES", "IT"))
    cc = IBAN_CC.get(p["loc"])
    bank = [P("IBAN", ibanfmt(cc))] if cc else ["routing ", "0" + d(8), ", account ", d(10)]
    lbl = ch("SSN", "Social Security Number", "ssn")
    ssnv = ssn(ch("-", "-", " "))
    form = R.random()
    if form < .5:
        doc = D('{"employee_id":"E', d(6), '","name":"', p["name"], '","work_email":"', P("EMAIL", p["email"]), '","personal_phone":"', P("PHONE", p["phone"]),
                '","', ch("ssn", "SSN", "social_security_number"), '":"', P("US_SSN", ssnv) if p["loc"] == "US" else "", '","salary":"', price(), '","bank":"',
                *bank, '","hire_date":"', date_s(), '","cost_center":"CC-', d(4), '"}')
    else:
        doc = D("EMPLOYEE RECORD\nName: ", p["name"], "\nEmployee #: ", d(6), "\nEmail: ", P("EMAIL", p["email"]), "\nPhone: ", P("PHONE", p["phone"]), "\n",
                (lbl + ": ") if p["loc"] == "US" else "", P("US_SSN", ssnv) if p["loc"] == "US" else "", "\n" if p["loc"] == "US" else "",
                "Bank: ", *bank, "\nBIC: ", ch("DEUTDEFFXXX", "BNPAFRPP", "COBADEFF", "INGBNL2A"), "\nGross: ", price(), " / Net: ", price(), "\nPay date: ", date_s(), "\n")
    doc, w = wrap(doc)
    return doc, "hr:" + p["loc"] + ":" + w

# 4 ecommerce order with payment log
@tpl(20)
def t_order():
    p = person()
    c = cardfmt()
    doc = D("Order ", order_no(), " placed ", date_s(), "\nCustomer: ", p["name"], " <", P("EMAIL", p["email"]), ">\nShip to: ", p["addr"], "\nPhone: ", P("PHONE", p["phone"]),
            "\nTracking: ", tracking(), "\nTotal: ", price(), "\n[payment] gateway=adyen psp_ref=", d(16), " card=", P("CREDIT_CARD", c), " exp=0", str(R.randint(1, 9)), "/2", str(R.randint(5, 9)),
            " cvv=*** auth_code=", d(6), " status=AUTHORISED\n")
    doc, w = wrap(doc)
    return doc, "order:" + w

# 5 refund JSON, masked card only (negatives) + customer email
@tpl(12)
def t_refund():
    p = person()
    doc = D('{"id":"re_', rs(24), '","object":"refund","amount":', str(R.randint(100, 99999)), ',"charge":"ch_', rs(24), '","payment_intent":"pi_', rs(24),
            '","receipt_email":"', P("EMAIL", p["email"]), '","card":{"brand":"visa","last4":"', d(4), '","exp_month":', str(R.randint(1, 12)), ',"exp_year":2027,"fingerprint":"', rs(16),
            '"},"display":"', masked(), '","metadata":{"order_id":"', order_no(), '","refund_reason":"damaged"},"created":', str(1718000000 + R.randint(0, 9999)), '}')
    doc, w = wrap(doc)
    return doc, "refund:" + w

# 6 support ticket with prose
@tpl(20)
def t_ticket():
    p = person()
    extras = []
    r = R.random()
    if r < .25:
        t, f = R.choice(PREF); extras = ["\nI pasted my key by mistake: ", P(t, f()), " — please rotate it."]
    elif r < .35:
        extras = ["\nHere is the config: password=", P("GENERIC_SECRET", pw()), "\n"]
    elif r < .45:
        extras = ["\nAuthorization: Bearer ", P("JWT", jwt()), "\n"]
    doc = D("Ticket #", d(6), " (", ch("Zendesk", "Freshdesk", "Jira SD-" + d(4)), ")\nFrom: ", p["name"], " (", P("EMAIL", p["email"]), ")\n",
            ch("Hi team, ", "Hallo, ", "Bonjour, ", "Hola, "), "my order ", order_no(), " from ", date_s(), " never arrived. You can call me on ", P("PHONE", p["phone"]),
            ch(".", " anytime.", ", thanks!", "\n"), " My card ending ", masked(), " was charged ", price(), ".", *extras, "\n-- \n", p["name"], "\n", p["addr"], "\n")
    doc, w = wrap(doc)
    return doc, "ticket:" + p["loc"] + ":" + w

# 7 chat transcript
@tpl(12)
def t_chat():
    p = person()
    doc = D("[", date_s(), "] Agent (Maria): How can I help?\n[", date_s(), "] ", p["name"], ": I need to update my email to ", P("EMAIL", p["email"]),
            "\n[", date_s(), "] Agent (Maria): Sure. Phone on file ends in ", d(4), ". Is ", PH(p["phone"]), " still correct?\n[", date_s(), "] ", p["name"], ": yes\n")
    doc, w = wrap(doc)
    return doc, "chat:" + p["loc"] + ":" + w

# 8 bank transfers
@tpl(25)
def t_bank():
    cc = R.choice(list(IBAN))
    v1, v2 = iban(cc), iban()
    f1 = g4(v1) if R.random() < .5 else v1
    f2 = g4(v2) if R.random() < .5 else v2
    bad = iban(bad=True)
    r = R.random()
    if r < .4:
        doc = D('{"transfer_id":"tr_', rs(20), '","amount":{"value":"', price(), '","currency":"EUR"},"debtor":{"name":"', person()["name"], '","iban":"', P("IBAN", f1),
                '","bic":"', ch("DEUTDEFF", "BNPAFRPPXXX", "INGBNL2A", "CAIXESBBXXX"), '"},"creditor":{"iban":"', P("IBAN", f2), '"},"end_to_end_id":"E2E', d(14),
                '","remittance":"Rechnung ', order_no(), '","booked":"', date_s(), '"}')
    elif r < .7:
        doc = D("Überweisung an ", person("DE")["name"], "\nIBAN: ", P("IBAN", f1), "\nBIC: COBADEFFXXX\nVerwendungszweck: RE ", d(8), "\nBetrag: ", price(),
                "\nPrüfziffer falsch bei ", bad, " (abgelehnt)\n")
    else:
        doc = D("date\tdescription\tcounterparty_iban\tamount\n", date_s(), "\tSEPA CT ", order_no(), "\t", P("IBAN", f1), "\t", price(), "\n", date_s(), "\tSEPA DD mandate M",
                d(8), "\t", P("IBAN", f2), "\t-", price(), "\n")
    doc, w = wrap(doc)
    return doc, "bank:" + w

# 9 healthcare intake
@tpl(15)
def t_intake():
    p = person("US")
    sep = ch("-", " ")
    doc = D("PATIENT INTAKE FORM\nPatient: ", p["name"], "   DOB: ", ch("04/12/1987", "1987-04-12", "12 Apr 1987"), "\nSSN: ", P("US_SSN", ssn(sep)), "\nMRN: ", d(8),
            "   Member ID: ", rs(3, UP), d(9), "   Group #: ", d(6), "\nAddress: ", p["addr"], "\nHome phone: ", P("PHONE", p["phone"]),
            "\nEmergency contact: ", person("US")["name"], " (", ch("spouse", "mother"), ") ", P("PHONE", LOC["US"]["phone"][0]()), "\nEmail: ", P("EMAIL", p["email"]),
            "\nInsurance: BCBS, policy ", d(10), "\nNPI of provider: 1", d(9), "\n")
    doc, w = wrap(doc)
    return doc, "intake:" + w

# 10 shipping label
@tpl(10)
def t_ship():
    p = person()
    doc = D("SHIP TO:\n", p["name"], "\n", p["addr"], "\nTEL ", P("PHONE", p["phone"]), "\n\nTRACKING #: ", tracking(), "\nWeight: 2.3 kg  Dims: 30x20x15 cm\nRef: ",
            order_no(), "   Ship date: ", date_s(), "\n")
    doc, w = wrap(doc)
    return doc, "ship:" + p["loc"] + ":" + w

# 11 invoice
@tpl(12)
def t_invoice():
    p = person(ch("DE", "FR", "NL", "IT", "ES", "UK"))
    cc = IBAN_CC[p["loc"]]
    doc = D("INVOICE ", order_no(), "\nDate: ", date_s(), "  Due: ", date_s(), "\nBill to: ", p["name"], ", ", p["addr"], "\nVAT ID: ", ch("DE", "FR", "NL", "IT") + d(9),
            "\nContact: ", P("EMAIL", p["email"]), " / ", P("PHONE", p["phone"]), "\n\n| Item | Qty | Price |\n|---|---|---|\n| Consulting | 12 | ", price(), " |\n\nPlease pay to IBAN ",
            P("IBAN", ibanfmt(cc)), " (BIC ", ch("COBADEFFXXX", "BNPAFRPP", "INGBNL2A", "BARCGB22"), ") quoting ", order_no(), ".\n")
    doc, w = wrap(doc)
    return doc, "invoice:" + p["loc"] + ":" + w

# 12 vCard
@tpl(12)
def t_vcard():
    p = person()
    p2 = person(p["loc"])
    doc = D("BEGIN:VCARD\nVERSION:3.0\nFN:", p["name"], "\nORG:Acme;Sales\nTEL;TYPE=CELL:", P("PHONE", p["phone"]), "\nTEL;TYPE=WORK,VOICE:", P("PHONE", p2["phone"]),
            "\nEMAIL;TYPE=INTERNET,PREF:", P("EMAIL", p["email"]), "\nADR;TYPE=HOME:;;", p["addr"].replace(",", "\\,"), "\nBDAY:1985-03-2", str(R.randint(0, 9)), "\nREV:", date_s(), "\nEND:VCARD\n")
    doc, w = wrap(doc)
    return doc, "vcard:" + p["loc"] + ":" + w

# 13 ICS invite
@tpl(12)
def t_ics():
    a, b = person(), person()
    doc = D("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:", P("EMAIL", rs(8, HEX) + "-" + rs(4, HEX) + "@calendar.acme.io"), "\nDTSTART:20240612T", "%02d" % R.randint(6, 18), "0000Z\nDTEND:20240612T1900",
            "00Z\nORGANIZER;CN=", a["name"], ":mailto:", P("EMAIL", a["email"]), "\nATTENDEE;CN=\"", b["name"], "\";ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:", P("EMAIL", b["email"]),
            "\nDESCRIPTION:Join Zoom https://zoom.us/j/", d(11), "?pwd=", P("GENERIC_SECRET", rs(32)), "\\nMeeting ID: ", nz(3), " ", d(4), " ", d(4), "\\nDial by your location\\n        ",
            P("PHONE", "+1 646 558 8656"), " US (New York)\\n        ", P("PHONE", ch("+44 203 481 5240", "+49 69 3807 9883", "+33 1 7037 9729")), "\nLOCATION:Room 4.12\nEND:VEVENT\nEND:VCALENDAR\n")
    doc, w = wrap(doc)
    return doc, "ics:" + w

# 14 email headers + body
@tpl(18)
def t_email():
    a, b, c = person(), person(), person()
    doc = D("From: \"", a["name"], "\" <", P("EMAIL", a["email"]), ">\nTo: ", b["name"], " <", P("EMAIL", b["email"]), ">, ", P("EMAIL", c["email"]),
            "\nCc: \"", ascii_fold(c["name"]).split()[-1], ", ", ascii_fold(c["name"]).split()[0], "\" <", P("EMAIL", person()["email"]), ">\nSubject: Re: Invoice ", order_no(),
            "\nDate: ", ch("Wed, 12 Jun 2024 09:41:07 +0200", "Thu, 13 Jun 2024 17:02:55 -0700"), "\nMessage-ID: <", P("EMAIL", rs(12) + "." + d(6) + "@mail.acme-corp.com"), ">\n\nHi ",
            b["name"].split()[0], ",\n\nplease reach me at ", PH(a["phone"]), ch(" or (mobile) ", " / ", ", or "), PH(person(a["loc"])["phone"]),
            ".\n\nBest,\n", a["name"], "\n", a["addr"], "\nmailto:", P("EMAIL", a["email"]), "\n")
    doc, w = wrap(doc)
    return doc, "email:" + a["loc"] + ":" + w

# 15 markdown table / TSV / SQL table of contacts
@tpl(20)
def t_table():
    kind = ch("md", "tsv", "sql", "csvq")
    ps = [person() for _ in range(R.randint(2, 4))]
    out = []
    if kind == "md":
        out.append("| id | name | email | phone | city | created |\n|---:|---|---|---|---|---|\n")
        for p in ps: out += ["| ", d(5), " | ", p["name"], " | ", P("EMAIL", p["email"]), " | ", PH(p["phone"]), " | ", p["loc"], " | ", date_s(), " |\n"]
    elif kind == "tsv":
        out.append("id\tname\temail\tphone\tpostcode\n")
        for p in ps: out += [d(5), "\t", p["name"], "\t", P("EMAIL", p["email"]), "\t", PH(p["phone"]), "\t", ch("94105-1234", "SW1A 1AA", "10115", "1012 AB"), "\n"]
    elif kind == "sql":
        out.append(" customer_id |       name        |          email           |     phone      | balance\n-------------+-------------------+--------------------------+----------------+---------\n")
        for p in ps: out += ["  ", d(9), " | ", p["name"], " | ", P("EMAIL", p["email"]), " | ", PH(p["phone"]), " | ", str(R.randint(0, 99999)), ".", d(2), "\n"]
        out.append("(%d rows)\n" % len(ps))
    else:
        out.append('"Name","E-mail Address","Mobile Phone","Notes"\n')
        for p in ps: out += ['"', p["name"], '","', P("EMAIL", p["email"]), '","', PH(p["phone"]), '","met at conf ', date_s(), '"\n']
    doc, w = wrap(out)
    return doc, "table:" + kind + ":" + w

# 16 Slack export
@tpl(15)
def t_slack():
    p = person()
    r = R.random()
    if r < .3:
        t, f = R.choice(PREF); v = f(); body = ["here's the prod key ", P(t, v), " don't share"]
    elif r < .5:
        body = ["customer ", p["name"], " card ", P("CREDIT_CARD", cardfmt()), " failed again"]
    else:
        e = p["email"]
        body = ["ping <mailto:", P("EMAIL", e), "|", P("EMAIL", e), "> or call <tel:", P("PHONE", p["phone"].replace(" ", "")) if p["phone"].startswith("+") else P("PHONE", "+14155550" + d(3)), "|", PH(p["phone"]), ">"]
    doc = D('[{"type":"message","user":"U0', rs(8, UP + DIG), '","text":"', J(body), '","ts":"', str(1718000000 + R.randint(0, 99999)), ".", d(6),
            '","team":"T0', rs(8, UP + DIG), '","user_profile":{"real_name":"', p["name"], '","display_name":"', p["name"].split()[0], '"}}]')
    doc, w = wrap(doc)
    return doc, "slack:" + w

# 17 hard negatives bundle (nothing labelled, or one value among many look-alikes)
@tpl(30)
def t_hardneg():
    lines = []
    for _ in range(R.randint(3, 6)):
        k = R.random()
        if k < .25:
            n, v = natid(); lines += [n, ": ", v, "\n"]
        elif k < .4: lines += ["Order ", order_no(), " tracking ", tracking(), "\n"]
        elif k < .55: lines += ["Masked: ", masked(), "\n"]
        elif k < .65: lines += ["Card ", luhn_bad(card()[0]), " declined (invalid)\n"]
        elif k < .72: lines += ["txn ", luhn(ch("1", "7", "9"), 16), " settled ", date_s(), "\n"]
        elif k < .8: lines += ["IBAN check failed: ", iban(bad=True), "\n"]
        elif k < .88: lines += ["Total ", price(), " on ", date_s(), " at ", "%02d:%02d" % (R.randint(0, 23), R.randint(0, 59)), "\n"]
        else: lines += ["Account no. ", d(10), ", sort code ", "%s-%s-%s" % (d(2), d(2), d(2)), "\n"]
    doc, w = wrap(lines)
    return doc, "hardneg:" + w

# 18 adjacency / punctuation
@tpl(20)
def t_adjacent():
    p, q = person(), person()
    k = R.randint(0, 7)
    if k == 0: doc = D("(", P("EMAIL", p["email"]), ")(", P("PHONE", p["phone"]), ")")
    elif k == 1: doc = D(P("EMAIL", p["email"]), ",", P("EMAIL", q["email"]), ";", P("EMAIL", person()["email"]))
    elif k == 2: doc = D("https://crm.acme.io/contacts?email=", P("EMAIL", p["email"]), "&ref=", d(6))
    elif k == 3: doc = D("mailto:", P("EMAIL", p["email"]), "?subject=Order%20", d(6))
    elif k == 4: doc = D("IBAN:", P("IBAN", iban()), ".")
    elif k == 5: doc = D("Contact:\t", P("EMAIL", p["email"]), "\t", P("PHONE", p["phone"]), "\n")
    elif k == 6: doc = D("«", P("EMAIL", p["email"]), "» — ", P("PHONE", p["phone"]), "。")
    else: doc = D("SSN:", P("US_SSN", ssn()), ",DOB:1990-01-0", str(R.randint(1, 9)))
    doc, w = wrap(doc)
    return doc, "adj:%d:" % k + w

# 19 secrets in business tool args (API integrations)
@tpl(12)
def t_integr():
    k = R.randint(0, 4)
    if k == 0: doc = D('{"integration":"stripe","api_key":"', P("STRIPE_KEY", stripe()), '","customer_email":"', P("EMAIL", person()["email"]), '"}')
    elif k == 1: doc = D('{"crm":"hubspot","access_token":"', P("GENERIC_SECRET", "pat-na1-" + rs(8, HEX) + "-" + rs(4, HEX) + "-" + rs(4, HEX) + "-" + rs(4, HEX) + "-" + rs(12, HEX)), '"}')
    elif k == 2: doc = D("Support attached the merchant's key file:\n", P("PRIVATE_KEY", keyblock(ch("RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY"))), "\nThanks\n")
    elif k == 3: doc = D('{"smtp":{"host":"smtp.sendgrid.net","user":"apikey","password":"', P("SENDGRID_KEY", sendgrid()), '"}}')
    else: doc = D('{"webhook":"', P("SLACK_TOKEN", "https://hooks.slack.com/services/T0" + rs(8, UP + DIG) + "/B0" + rs(8, UP + DIG) + "/" + rs(24)), '","bot_token":"', P("SLACK_TOKEN", slack()), '"}')
    doc, w = wrap(doc)
    return doc, "integr:%d:" % k + w

# 20 CRM ids after phone-like words (negatives)
@tpl(15)
def t_crm_ids():
    k = R.randint(0, 5)
    v = area() + exch() + d(4)
    if k == 0: doc = D("Contact ID: ", v, "\nOwner: ", person()["name"], "\n")
    elif k == 1: doc = D('{"contact_id":"', v, '","deal_id":"', d(10), '","pipeline":"default"}')
    elif k == 2: doc = D("Call ID ", v, " lasted 04:12 (", date_s(), ")\n")
    elif k == 3: doc = D("contacts.csv imported: 3 rows; batch ", v, "\n")
    elif k == 4: doc = D("| contact | deal_id |\n|---|---|\n| ", person()["name"], " | ", v, " |\n")
    else: doc = D("Callback scheduled, ref ", v, "\n")
    doc, w = wrap(doc)
    return doc, "crm_ids:%d:" % k + w

# 21 two phones in one field
@tpl(15)
def t_two_phones():
    p = person()
    a, b = p["phone"], R.choice(LOC[p["loc"]]["phone"])()
    sep = ch(" / ", "/", "; ", ", ", " | ", " or ", " oder ")
    doc = D(ch("Tel: ", "Phone: ", "Telefon: ", "Tél : "), P("PHONE", a), sep, P("PHONE", b), ch("", ".", "\n"))
    doc, w = wrap(doc)
    return doc, "two_phones:" + p["loc"] + ":" + sep.strip() + ":" + w

# 22 phone in JSON under a phone key, national formats
@tpl(15)
def t_json_phone_key():
    loc = ch("BR", "ES", "CN", "MX", "IN", "DE", "IT", "NL")
    p = person(loc)
    key = ch("phone", "mobile", "phone_number", "telefone", "celular", "telefono", "handy", "mobilePhone")
    doc = D('{"contact":{"name":"', p["name"], '","', key, '":"', P("PHONE", p["phone"]), '","email":"', P("EMAIL", p["email"]), '"}}')
    doc, w = wrap(doc)
    return doc, "json_phone_key:" + loc + ":" + key + ":" + w

# 23 known-negative shapes of business data
@tpl(16)
def t_neg2():
    k = R.randint(0, 3)
    if k == 0: doc = D("Tracking: 9400 1", d(3), " ", d(4), " ", d(4), " ", d(4), " ", d(4), " ", d(2), "\nCarrier: USPS\n")
    elif k == 1: doc = D("SSN: ", P("US_SSN", ssn()), "\nDirect deposit: routing 0", d(8), ", acct ", d(10), "\n")
    elif k == 2: doc = D('{"customer":"', person()["name"], '","email_masked":"', ch("a", "j", "m"), "****", ch("z", "e", "n"), "@", ch("gmail.com", "outlook.com", "acme.de"), '"}')
    else: doc = D("Dial-in: ", P("PHONE", "+1 646 558 8656"), "  Meeting ID: ", nz(3), " ", d(4), " ", d(4), "  Passcode: ", d(6), "\n")
    doc, w = wrap(doc)
    return doc, "neg2:%d:" % k + w

for f, n in T:
    for _ in range(n):
        doc, tag = f()
        add(doc, tag)
for r in RECS: print(json.dumps(r, ensure_ascii=False))
