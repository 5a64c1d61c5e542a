/*
 * secret.c — GENERIC_SECRET and AWS_SECRET_KEY: values assigned to
 * secret-named keys (`=`, `:`, JSON members, YAML, `--flag value`), URL
 * userinfo passwords, Authorization Bearer/Basic credentials, and the AWS
 * secret next to an access key id.
 *
 * Entropy alone flags UUIDs, digests and base64 images, so a value is only
 * a secret with a keyword or a prefix in front of it, and then only if it
 * has enough entropy, is long enough and is not a placeholder, template,
 * reference or already-masked value. Name-like keys (secret_name,
 * token_type, max_tokens, public_key, next_page_token) are not secrets.
 */
#include <math.h>
#include <string.h>

#include "pii_int.h"

#define EN(t) (en & LR_PII_BIT(t))

/* A set of byte values, for the cheap checks below. */
typedef struct byteset {
  uint64_t w[4];
} byteset;
static void byteset_add(byteset *s, unsigned char c) { s->w[c >> 6] |= 1ull << (c & 63); }
static bool byteset_has(const byteset *s, unsigned char c) { return s->w[c >> 6] >> (c & 63) & 1; }

double pii_entropy(const char *p, size_t n) {
  if (n == 0) return 0;
  unsigned cnt[256] = {0};
  byteset seen = {{0}};
  for (size_t i = 0; i < n; i++) {
    cnt[(unsigned char)p[i]]++;
    byteset_add(&seen, (unsigned char)p[i]);
  }
  /* the byte values present, in increasing order (the order of the sum
     decides the last bits of the result) */
  double h = 0;
  for (int w = 0; w < 4; w++)
    for (uint64_t bits = seen.w[w]; bits; bits &= bits - 1) {
      int c = w * 64 + __builtin_ctzll(bits);
      double q = (double)cnt[c] / (double)n;
      h -= q * log2(q);
    }
  return h;
}

static bool ieq_n(const char *p, size_t n, const char *w, size_t l) {
  return l == n && pii_ieq(p, w, n);
}

static bool ihas_n(const char *p, size_t n, const char *w, size_t l) {
  for (size_t i = 0; i + l <= n; i++)
    if (pii_lower((unsigned char)p[i]) == (unsigned char)w[0] && pii_ieq(p + i + 1, w + 1, l - 1))
      return true;
  return false;
}

static bool istarts_n(const char *p, size_t n, const char *w, size_t l) {
  return n >= l && pii_ieq(p, w, l);
}

/* Case-insensitive helpers; w is lower case. */
typedef struct kw {
  const char *s;
  size_t n;
} kw;
#define KW(x)                                                                                      \
  { x, sizeof(x) - 1 }
/* string literals only: "" lit "" does not compile for a pointer */
#define ieq(p, n, lit) ieq_n(p, n, "" lit "", sizeof(lit) - 1)
#define ihas(p, n, lit) ihas_n(p, n, "" lit "", sizeof(lit) - 1)
#define istarts(p, n, lit) istarts_n(p, n, "" lit "", sizeof(lit) - 1)

/* An environment variable's name standing for its value: OPENAI_API_KEY,
 * DB_PASSWORD, MY_API_KEY_2 — capitals in `_`-separated parts that are
 * words or numbers, not the mixed X7K2_P9QW of a generated value. */
static bool env_part_ok(size_t letters, size_t digits, size_t vowels) {
  if (letters && digits) return letters == 1; /* V2 */
  return letters < 3 || vowels > 0;           /* KXPQ is not a word */
}

static bool env_name(const char *p, size_t n) {
  size_t parts = 1, letters = 0, digits = 0, vowels = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)p[i];
    if (c == '_') {
      if (i == 0 || i + 1 == n || p[i - 1] == '_' || !env_part_ok(letters, digits, vowels))
        return false;
      parts++, letters = digits = vowels = 0;
    } else if (c >= 'A' && c <= 'Z') {
      letters++;
      vowels += strchr("AEIOUY", c) != NULL;
    } else if (pii_is_digit(c)) {
      digits++;
    } else {
      return false;
    }
  }
  return parts >= 2 && env_part_ok(letters, digits, vowels) && (p[0] >= 'A' && p[0] <= 'Z');
}

bool pii_is_placeholder(const char *p, size_t n) {
  if (n == 0) return true;
  /* templates and references: ${X} $(cmd) $X {{ x }} <x> %(x)s %X% process.env.X; a
     generated password may start with $ or % too: `$7kQ!zP2`, `%qE!RLWq` */
  if (p[0] == '<' || p[0] == '{' || p[0] == '[' || p[0] == '(') return true;
  if (n >= 2 && ((p[0] == '#' && p[1] == '{') || (p[0] == '@' && p[1] == '@')))
    return true; /* Ruby #{…}, @@TOKEN@@ substitution */
  if (env_name(p, n)) return true;
  if (p[0] == '%' && (n < 3 || p[1] == '(' || p[1] == '{' || p[n - 1] == '%')) return true;
  if (p[0] == '$') {
    if (n < 3 || p[1] == '{' || p[1] == '(') return true;
    size_t i = 1;
    while (i < n && pii_is_word((unsigned char)p[i])) i++;
    if (i == n && !pii_is_digit((unsigned char)p[1])) return true; /* $DB_PASS */
  }
  if (istarts(p, n, "process.env") || istarts(p, n, "os.environ") || istarts(p, n, "env.") ||
      istarts(p, n, "secrets.") || istarts(p, n, "vault:") || istarts(p, n, "your") ||
      istarts(p, n, "my_") || istarts(p, n, "my-") || istarts(p, n, "insert") ||
      istarts(p, n, "enter") || istarts(p, n, "replace") || istarts(p, n, "sk-...") ||
      istarts(p, n, "arn:") || istarts(p, n, "projects/"))
    return true;
  static const kw inner[] = {KW("***"),       KW("xxxx"),        KW("..."),      KW("\xe2\x80\xa6"),
                             KW("redacted"),  KW("placeholder"), KW("changeme"), KW("change_me"),
                             KW("change-me"), KW("example"),     KW("dummy"),    KW("${"),
                             KW("{{"),        KW("<"),           KW("your_"),    KW("your-"),
                             KW("_here"),     KW("-here"),       KW("masked"),   KW("removed"),
                             KW("not_set"),   KW("notset"),      KW("todo"),     KW("fixme"),
                             KW("sample")};
  /* a word can only occur if all its bytes do: collect the bytes once (as
     ihas_n compares them, letters in lower case) instead of searching for every word */
  byteset seen = {{0}};
  for (size_t i = 0; i < n; i++) byteset_add(&seen, pii_lower((unsigned char)p[i]));
  for (size_t i = 0; i < sizeof inner / sizeof inner[0]; i++) {
    size_t k = 0;
    while (k < inner[i].n && byteset_has(&seen, (unsigned char)inner[i].s[k])) k++;
    if (k == inner[i].n && ihas_n(p, n, inner[i].s, inner[i].n)) return true;
  }
  /* fixtures (testpass123, whsec_test, wrong-password, Password1!): the words at a word's
     start — inside a word (Contest2024!, …ndTestb…) they are chance */
  static const kw fixture[] = {KW("test"), KW("password")};
  for (size_t i = 0; i < sizeof fixture / sizeof fixture[0]; i++)
    for (size_t x = 0; x + fixture[i].n <= n; x++)
      if ((x == 0 || !pii_is_alpha((unsigned char)p[x - 1])) &&
          pii_ieq(p + x, fixture[i].s, fixture[i].n))
        return true;
  /* (test, testing and password are fixture words above) */
  static const kw whole[] = {KW("null"),     KW("none"),     KW("nil"),      KW("undefined"),
                             KW("true"),     KW("false"),    KW("secret"),   KW("token"),
                             KW("empty"),    KW("default"),  KW("string"),   KW("optional"),
                             KW("required"), KW("username"), KW("passw0rd"), KW("letmein")};
  for (size_t i = 0; i < sizeof whole / sizeof whole[0]; i++)
    if (ieq_n(p, n, whole[i].s, whole[i].n)) return true;
  return false;
}

/* ---- keys --------------------------------------------------------------------- */

/* Normalises a key to lower-case alphanumerics ("DB_PASSWORD" → "dbpassword"). */
static size_t norm_key(const char *k, size_t n, char *out, size_t cap) {
  size_t m = 0;
  for (size_t i = 0; i < n && m < cap; i++) {
    unsigned char c = (unsigned char)k[i];
    if (pii_is_alnum(c)) out[m++] = (char)(c | (pii_is_alpha(c) ? 0x20 : 0));
  }
  return m;
}

static bool suffix_n(const char *k, size_t n, const char *s, size_t l) {
  return n >= l && memcmp(k + n - l, s, l) == 0;
}
#define suffix(k, n, lit) suffix_n(k, n, "" lit "", sizeof(lit) - 1)

/* Can the normalised key k[0, n) (trailing digits dropped) end in one of
 * the names below? Every one ends in rd wd se et en ey on th al ls ss er
 * (secret_name_pair: the last letter in any case, the one before lower)
 * (password, passwd, passphrase, secret, token, …key, authorization, auth,
 * credential, credentials, pass, authheader); read from the raw key, so most
 * keys are turned away before they are normalised. test_scan's
 * secret_key_names checks every name below gets through. */
static bool secret_name_pair(char last, char prev) {
  switch (last | 0x20) {
  case 'd': return prev == 'r' || prev == 'w';
  case 'e': return prev == 's';
  case 't': return prev == 'e';
  case 'n': return prev == 'e' || prev == 'o';
  case 'y': return prev == 'e';
  case 'h': return prev == 't';
  case 'l': return prev == 'a';
  case 's': return prev == 'l' || prev == 's';
  case 'r': return prev == 'e';
  default: return false;
  }
}

/* The same for the PII key names of pii_classify_pii_key: ssn, …security,
 * …number, phone, mobile, tel, cell, fax, msisdn, whatsapp, phoneno,
 * telefon(o|e), celular, movil, handy. */
static bool pii_name_pair(char last, char prev) {
  switch (last | 0x20) {
  case 'n': return prev == 's' || prev == 'd' || prev == 'o';
  case 'y': return prev == 't' || prev == 'd';
  case 'r': return prev == 'e' || prev == 'a';
  case 'e': return prev == 'n' || prev == 'l';
  case 'l': return prev == 'e' || prev == 'l' || prev == 'i';
  case 'x': return prev == 'a';
  case 'p': return prev == 'p';
  case 'o': return prev == 'n';
  default: return false;
  }
}

/* Can key k[0, n) end in a name that pair accepts: its last letter (past
 * digits and separators) and the alphanumeric before it. */
static bool name_ending(const char *k, size_t n, bool (*pair)(char, char)) {
  size_t i = n;
  while (i > 0 && !pii_is_alpha((unsigned char)k[i - 1])) /* digits and separators */
    i--;
  if (i == 0) return false;
  char last = k[--i];
  while (i > 0 && !pii_is_alnum((unsigned char)k[i - 1])) i--;
  return i > 0 && pair(last, (char)(k[i - 1] | 0x20)); /* a digit stays a digit */
}

static bool secret_name_ending(const char *k, size_t n) {
  return name_ending(k, n, secret_name_pair);
}

pii_key_kind pii_classify_key(const char *k, size_t n) {
  char b[72];
  if (n == 0 || n > 64 || !secret_name_ending(k, n)) return PII_KEY_NONE;
  size_t m = norm_key(k, n, b, sizeof b);
  while (m > 0 && pii_is_digit((unsigned char)b[m - 1])) m--; /* password2 */
  if (m < 3) return PII_KEY_NONE;
  if (suffix(b, m, "secretaccesskey") || suffix(b, m, "secretkey")) /* PII.md: …, secret_key */
    return PII_KEY_AWS_SECRET;
  if (suffix(b, m, "authorization") || suffix(b, m, "auth") || suffix(b, m, "authheader"))
    return PII_KEY_AUTH;
  /* name-like keys: the thing named, not the secret */
  static const kw not_prefix[] = {
      KW("max"),    KW("page"),   KW("nextpage"), KW("next"),       KW("continuation"),
      KW("cursor"), KW("sync"),   KW("csrf"),     KW("xsrf"),       KW("cancellation"),
      KW("num"),    KW("total"),  KW("prompt"),   KW("completion"), KW("input"),
      KW("output"), KW("public"), KW("resume"),   KW("pagination"), KW("eos"),
      KW("bos"),    KW("pad"),    KW("unk"),      KW("sep"),        KW("cls"),
      KW("mask"),   KW("publickey"), KW("existing"), KW("idempotency"), KW("cart"),
      KW("checkout"), KW("middleware")};
  static const kw secret_suffix[] = {
      KW("password"),    KW("passwd"),         KW("pwd"),        KW("passphrase"),
      KW("secret"),      KW("token"),          KW("apikey"),     KW("accesskey"),
      KW("secretkey"),   KW("privatekey"),     KW("signingkey"), KW("encryptionkey"),
      KW("masterkey"),   KW("sessionkey"),     KW("clientkey"),  KW("credential"),
      KW("credentials"), KW("authkey"),        KW("apisecret"),  KW("webhooksecret"),
      KW("accountkey"),  KW("sharedaccesskey"),  KW("secretkeybase")};
  for (size_t i = 0; i < sizeof secret_suffix / sizeof secret_suffix[0]; i++) {
    if (!suffix_n(b, m, secret_suffix[i].s, secret_suffix[i].n)) continue;
    size_t pre = m - secret_suffix[i].n;
    for (size_t j = 0; j < sizeof not_prefix / sizeof not_prefix[0]; j++) {
      size_t l = not_prefix[j].n;
      if (pre == l && memcmp(b, not_prefix[j].s, l) == 0) return PII_KEY_NONE;
      if (pre > l && memcmp(b + pre - l, not_prefix[j].s, l) == 0 && j != 10 /* num */)
        return PII_KEY_NONE;
    }
    return PII_KEY_SECRET;
  }
  /* "pass" only as its own word: db_pass, DB_PASS, smtp-pass */
  if (suffix(b, m, "pass") &&
      (m == 4 || (n >= 5 && (k[n - 5] == '_' || k[n - 5] == '-' || k[n - 5] == '.'))))
    return PII_KEY_SECRET;
  return PII_KEY_NONE;
}

/* ---- values --------------------------------------------------------------------- */

/* /etc/ssl/key.pem, ./secrets/db.txt, ~/.aws/credentials: a reference to a
 * file, not the secret (base64 values may start with '/' too, but carry
 * '+' or '=' or no second slash). */
static bool looks_path(const char *v, size_t n) {
  size_t x = 0;
  if (v[0] == '~' || v[0] == '.') x = 1;
  if (x < n && v[x] == '.') x++;
  if (x >= n || v[x] != '/') return false;
  size_t slashes = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)v[i];
    if (c == '/')
      slashes++;
    else if (!(pii_is_alnum(c) || c == '_' || c == '-' || c == '.'))
      return false;
  }
  return slashes >= 2 || memchr(v, '.', n) != NULL;
}

/* projects/p/secrets/db-pass, kv/data/app: a lower-case name path */
static bool looks_reference(const char *v, size_t n) {
  size_t slashes = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)v[i];
    if (c == '/')
      slashes++;
    else if (!((c >= 'a' && c <= 'z') || pii_is_digit(c) || c == '_' || c == '-' || c == '.'))
      return false;
  }
  return slashes >= 2;
}

static bool value_is_secret(const char *v, size_t n) {
  if (n < 8 || n > 512) return false;
  if (pii_is_placeholder(v, n)) return false;
  int lower = 0, upper = 0, digit = 0, other = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)v[i];
    if (c <= ' ' || c >= 0x7f) return false; /* prose, not a credential */
    if (c >= 'a' && c <= 'z')
      lower = 1;
    else if (c >= 'A' && c <= 'Z')
      upper = 1;
    else if (pii_is_digit(c))
      digit = 1;
    else
      other = 1;
  }
  if (!lower && !upper && !other) return false; /* a number */
  /* a Stripe PaymentIntent's client_secret (pi_…_secret_…) is handed to the browser */
  if (((n > 3 && memcmp(v, "pi_", 3) == 0) || (n > 5 && memcmp(v, "seti_", 5) == 0)) &&
      memmem(v, n, "_secret_", 8))
    return false;
  if (memmem(v, n, "://", 3) || looks_path(v, n) || looks_reference(v, n)) return false;
  if (lower + upper + digit + other < 2 && n < 16) return false;
  double need = 0.75 * log2((double)n);
  if (need > 3.0) need = 3.0;
  return pii_entropy(v, n) >= need;
}

static bool aws_secret_shape(const char *v, size_t n) {
  if (n != 40) return false;
  bool nonhex = false;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)v[i];
    if (!(pii_is_alnum(c) || c == '/' || c == '+')) return false;
    if (!(pii_is_digit(c) || (c >= 'a' && c <= 'f'))) nonhex = true;
  }
  if (!nonhex) return false; /* a git SHA */
  return !(n >= 10 && memcmp(v + n - 10, "EXAMPLEKEY", 10) == 0);
}

/* Authorization schemes whose credential follows a blank. */
static const kw schemes[] = {KW("bearer "), KW("basic "), KW("token "), KW("bot "),
                             KW("apikey ")};
#define NSCHEMES (sizeof schemes / sizeof schemes[0])

/* Is v[0, n) one of the schemes (without its blank)? */
static bool auth_scheme(const char *v, size_t n) {
  for (size_t i = 0; i < NSCHEMES; i++)
    if (n + 1 == schemes[i].n && ieq_n(v, n, schemes[i].s, n)) return true;
  return false;
}

void pii_check_secret_value(const char *p, size_t s, size_t e, pii_key_kind kind, lr_pii_set en,
                            lr_pii_hits *out) {
  const char *v = p + s;
  size_t n = e - s;
  if (kind == PII_KEY_AUTH) {
    /* AWS4-HMAC-SHA256 Credential=AKIA…/…, Signature=…: a key id and an HMAC */
    if (istarts(v, n, "aws4-")) return;
    for (size_t i = 0; i < NSCHEMES; i++) {
      size_t l = schemes[i].n;
      if (n > l && istarts_n(v, n, schemes[i].s, l)) {
        size_t x = l;
        while (x < n && v[x] == ' ') x++;
        bool ok = i == 1 ? pii_basic_ok(v + x, n - x) : value_is_secret(v + x, n - x);
        if (EN(LR_PII_GENERIC_SECRET) && ok) pii_hits_push(out, s + x, e, LR_PII_GENERIC_SECRET);
        return;
      }
    }
  }
  if (kind == PII_KEY_AWS_SECRET || kind == PII_KEY_SECRET) {
    if (EN(LR_PII_AWS_SECRET_KEY) && aws_secret_shape(v, n) && kind == PII_KEY_AWS_SECRET) {
      pii_hits_push(out, s, e, LR_PII_AWS_SECRET_KEY);
      return;
    }
    if (n == 40 && memcmp(v + 30, "EXAMPLEKEY", 10) == 0) return;
  }
  if ((kind == PII_KEY_SECRET || kind == PII_KEY_AWS_SECRET || kind == PII_KEY_AUTH) &&
      EN(LR_PII_GENERIC_SECRET) && value_is_secret(v, n))
    pii_hits_push(out, s, e, LR_PII_GENERIC_SECRET);
}

/* ---- assignments in text --------------------------------------------------------------- */

static bool key_ch(unsigned char c) { return pii_is_word(c) || c == '-' || c == '.'; }

/* Most blanks between a key, its operator and its value: aligned blocks
 * (`terraform fmt`, .ini files, YAML maps) pad keys to the longest one. */
#define ALIGN 40

/* Bytes that end an unquoted value. */
static const bool ends_value[256] = {['"'] = 1, ['\''] = 1, ['`'] = 1, [','] = 1, [';'] = 1,
                                     ['<'] = 1, ['>'] = 1,  ['('] = 1, [')'] = 1, ['{'] = 1,
                                     ['}'] = 1, ['['] = 1,  [']'] = 1, ['\\'] = 1, ['|'] = 1};

/* Finds the value starting after p[x]: an optionally quoted run. Sets
 * [*vs, *ve); false when there is none. */
static bool value_at(const char *p, size_t n, size_t x, size_t *vs, size_t *ve) {
  size_t sp = 0;
  while (x < n && (p[x] == ' ' || p[x] == '\t') && sp < ALIGN) x++, sp++;
  if (x >= n) return false;
  char q = 0;
  bool esc = false;
  if (p[x] == '"' || p[x] == '\'' || p[x] == '`') {
    q = p[x++];
  } else if (p[x] == '\\' && x + 1 < n && (p[x + 1] == '"' || p[x + 1] == '\'')) {
    q = p[x + 1];
    esc = true;
    x += 2;
  }
  size_t s = x;
  if (q) {
    while (x < n && x - s < 600 && p[x] != q && p[x] != '\n' && !(esc && p[x] == '\\')) {
      if (!esc && p[x] == '\\') break; /* escaped content: let the JSON walker decode it */
      x++;
    }
    if (x >= n || x - s >= 600 || p[x] == '\n') return false;
  } else {
    while (x < n && x - s < 600) {
      unsigned char c = (unsigned char)p[x];
      if (c <= ' ' || c >= 0x7f || ends_value[c]) break;
      if (c == '&') { /* a query string's next parameter: &name= */
        size_t y = x + 1;
        while (y < n && y - x < 40 && (pii_is_word((unsigned char)p[y]) || p[y] == '-')) y++;
        if (y > x + 1 && y < n && p[y] == '=') break;
      }
      x++;
    }
    /* a sentence full stop is not part of the value */
    size_t end = x;
    while (x > s && (p[x - 1] == '.' || p[x - 1] == ':')) x--;
    /* `sk_test_...`, `abcd1234…`: an example cut short, not a value */
    if ((end - x >= 3 && memcmp(p + x, "...", 3) == 0) ||
        (end + 3 <= n && memcmp(p + end, "\xe2\x80\xa6", 3) == 0))
      return false;
  }
  *vs = s;
  *ve = x;
  return x > s;
}

/* Is w[0, l) a word code uses to say what a variable holds (token,
 * config, password, client, …)? */
static bool code_word(const char *w, size_t l) {
  static const kw words[] = {
      KW("token"),   KW("tokens"),  KW("secret"),    KW("secrets"),     KW("password"),
      KW("passwd"),  KW("pass"),    KW("pwd"),       KW("key"),         KW("keys"),
      KW("api"),     KW("auth"),    KW("access"),    KW("refresh"),     KW("session"),
      KW("client"),  KW("config"),  KW("cfg"),       KW("conf"),        KW("service"),
      KW("settings"), KW("setting"), KW("credential"), KW("credentials"), KW("creds"),
      KW("hash"),    KW("hashed"),  KW("string"),    KW("value"),       KW("env"),
      KW("default"), KW("new"),     KW("old"),       KW("current"),     KW("user"),
      KW("request"), KW("response"), KW("header"),   KW("headers"),     KW("param"),
      KW("params"),  KW("option"),  KW("options"),   KW("annotated"),   KW("optional"),
      KW("authority"), KW("audience"), KW("issuer"), KW("id"),          KW("bearer"),
      KW("jwt"),     KW("oauth"),   KW("signing"),   KW("private"),     KW("public"),
      KW("encrypted"), KW("temp"),  KW("temporary"), KW("generated"),   KW("input"),
      KW("provider"), KW("store"),  KW("vault"),     KW("manager"),     KW("field"),
      KW("data"),    KW("body"),    KW("props"),     KW("state"),       KW("context"),
      KW("app"),     KW("db")};
  for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
    if (ieq_n(w, l, words[i].s, words[i].n)) return true;
  return false;
}

/* Is v[0, n) an identifier made of words — accessToken, client_secret,
 * newSessionToken, ConfigService, Annotated: parts split at '_' and at a
 * lower-to-upper step, each a capital or not and lower-case letters, two or
 * more in all, with a vowel (a leading lower-case acronym excepted: cfg, db)
 * and no four consonants in a row, no digits — rather than a generated value
 * (QmRtZwLpXvNk, fagvPmxgNowjvb)? With need_code, one part must also be a
 * code_word (not a passphrase such as CorrectHorseBatteryStaple). */
static bool word_ident(const char *v, size_t n, bool need_code) {
  size_t i = 0;
  bool code = !need_code;
  while (i < n) {
    if (v[i] == '_') {
      i++;
      continue;
    }
    size_t s = i, vowels = 0, run = 0;
    if (v[i] >= 'A' && v[i] <= 'Z') vowels += strchr("AEIOU", v[i++]) != NULL;
    for (; i < n && v[i] >= 'a' && v[i] <= 'z'; i++) {
      bool vowel = strchr("aeiou", v[i]) != NULL;
      vowels += vowel;
      run = vowel ? 0 : run + 1;
      if (run >= 4) return false; /* "fagvPmxg…": not a word */
    }
    /* a leading lower-case acronym needs no vowel: cfg…, dbPass, jwtSecret, gcpApiKey */
    bool acronym = s == 0 && i <= 4 && v[0] >= 'a' && v[0] <= 'z';
    if (i - s < 2 || (s + 1 == i && v[s] >= 'A' && v[s] <= 'Z') || (!vowels && !acronym))
      return false; /* Id */
    code |= code_word(v + s, i - s);
    if (i < n && v[i] != '_' && !(v[i] >= 'A' && v[i] <= 'Z')) return false;
  }
  return n > 0 && code;
}

/* A short lower-case name with a vowel (os, env, req, body, $this), of four
 * letters or fewer (cfg, ctx, db), or in capitals (ENV, X). */
static bool short_word(const char *v, size_t n) {
  if (n > 8) return false;
  size_t caps = 0, lower = 0;
  for (size_t i = 0; i < n; i++) caps += v[i] >= 'A' && v[i] <= 'Z', lower += v[i] >= 'a' && v[i] <= 'z';
  if (caps == n || (lower == n && n >= 2 && n <= 4)) return true;
  bool vowel = false;
  for (size_t i = v[0] == '$'; i < n; i++) {
    if (!(v[i] >= 'a' && v[i] <= 'z')) return false;
    vowel |= strchr("aeiou", v[i]) != NULL;
  }
  return vowel;
}

/* An unquoted value p[vs, ve) that is code, not the secret: a call
 * (System.getenv(…), os.Getenv(…)), a dotted name (settings.API_KEY,
 * self.password, env::var, req.body.token), a generic type (Annotated[…]),
 * or a variable or type named in words (accessToken, ConfigService). */
static bool code_ref(const char *p, size_t n, size_t vs, size_t ve) {
  if (vs > 0 && (p[vs - 1] == '"' || p[vs - 1] == '\'' || p[vs - 1] == '`')) return false;
  if (ve < n && (p[ve] == '(' || p[ve] == '[' || p[ve] == '<')) return true;
  if (word_ident(p + vs, ve - vs, true)) return true;
  size_t parts = 0, i = vs;
  while (i < ve) {
    if (!(pii_is_alpha((unsigned char)p[i]) || p[i] == '_' || p[i] == '$')) return false;
    size_t s0 = i;
    while (i < ve && (pii_is_word((unsigned char)p[i]) || p[i] == '$')) i++;
    /* each part a name: settings, API_KEY, self, env — not q3IWaMkvjMl4Ig.qp5, s.Xk9m… */
    if (!word_ident(p + s0, i - s0, false) && !env_name(p + s0, i - s0) &&
        !short_word(p + s0, i - s0))
      return false;
    parts++;
    if (i == ve) break;
    if (p[i] == '.')
      i++;
    else if (i + 1 < ve && ((p[i] == ':' && p[i + 1] == ':') || (p[i] == '-' && p[i + 1] == '>')))
      i += 2;
    else
      return false;
  }
  return parts >= 2;
}

/* The end of the key whose assignment operator is p[op] (`key: v`,
 * `"key" = v`, `key := v`, `['key'] => v`): back over the `:` of `:=`, up
 * to ALIGN blanks and three closing quote or bracket bytes. */
static size_t key_end(const char *p, size_t op) {
  size_t k = op;
  if (k > 0 && p[k - 1] == ':') k--; /* := */
  for (size_t sk = 0; k > 0 && (p[k - 1] == ' ' || p[k - 1] == '\t') && sk < ALIGN; sk++) k--;
  if (k > 2 && p[k - 1] == ']') { /* a prompt's default: `AWS Secret Access Key [None]:` */
    size_t b = k - 1;
    while (b > 0 && k - b < 12 && pii_is_alpha((unsigned char)p[b - 1])) b--;
    if (b > 1 && b < k - 1 && p[b - 1] == '[' && p[b - 2] == ' ') k = b - 2;
  }
  for (int i = 0; i < 3 && k > 0 &&
                  (p[k - 1] == '"' || p[k - 1] == '\'' || p[k - 1] == ']' || p[k - 1] == '\\');
       i++)
    k--;
  return k;
}

/* The start of the key that ends at ke (at most 64 key bytes back). */
static size_t key_start(const char *p, size_t ke) {
  size_t k = ke;
  while (k > 0 && ke - k < 64 && key_ch((unsigned char)p[k - 1])) k--;
  return k;
}

/* Name/value pairs — Kubernetes `env` (`- name: DB_PASSWORD` / `value: …`),
 * `{"name": "api_key", "value": "…"}`, `{"Key": …, "Value": …}`: the kind
 * of a `value` key whose start is vk is that of the name given just before
 * it — a `name` or `key` assignment whose value ends, past quotes, commas
 * and blanks only, right at vk. PII_KEY_NONE when there is none. */
static pii_key_kind sibling_name_kind(const char *p, size_t vk) {
  size_t e = vk; /* back over `", "`, `\n    `, `\",\"` to the name's end */
  while (e > 0 && vk - e < 16 &&
         (p[e - 1] == '"' || p[e - 1] == '\'' || p[e - 1] == '\\' || p[e - 1] == ',' ||
          p[e - 1] == ' ' || p[e - 1] == '\t' || p[e - 1] == '\n' || p[e - 1] == '\r'))
    e--;
  size_t ns = key_start(p, e); /* the name: key bytes (DB_PASSWORD, api-key) */
  if (ns == e || e - ns >= 64) return PII_KEY_NONE;
  size_t op = ns; /* back over [quote] blanks to the `:` or `=` */
  while (op > 0 && ns - op < 3 && (p[op - 1] == '"' || p[op - 1] == '\'' || p[op - 1] == '\\'))
    op--;
  while (op > 0 && ns - op < 8 && (p[op - 1] == ' ' || p[op - 1] == '\t')) op--;
  if (op == 0 || (p[op - 1] != ':' && p[op - 1] != '=')) return PII_KEY_NONE;
  size_t ke = key_end(p, op - 1), ks = key_start(p, ke);
  if (!(ke - ks == 4 && istarts_n(p + ks, 4, "name", 4)) &&
      !(ke - ks == 3 && istarts_n(p + ks, 3, "key", 3)))
    return PII_KEY_NONE;
  return pii_classify_key(p + ns, e - ns);
}

void pii_check_assign(const char *p, size_t n, size_t op, lr_pii_set en, lr_pii_hits *out) {
  size_t x = op + 1;
  if (p[op] == '=') {
    if (x < n && p[x] == '=') return;
    /* Perl's and Ruby's match operator `=~ /re/`, not a value starting with ~ */
    if (x < n && p[x] == '~' && (x + 1 >= n || p[x + 1] == ' ' || p[x + 1] == '/')) return;
    if (op > 0) { /* comparison or compound op; := is fine */
      char c = p[op - 1];
      if (c == '=' || c == '!' || c == '<' || c == '>' || c == '+' || c == '-' || c == '*' ||
          c == '/')
        return;
    }
    if (x < n && p[x] == '>') x++; /* => */
  } else {
    if (x < n && (p[x] == ':' || p[x] == '/' || p[x] == '=')) {
      if (p[x] != '=') return; /* :: or :// */
      x++;
    }
    if (op > 0 && p[op - 1] == ':') return;
  }
  size_t ke = key_end(p, op);
  if (ke >= 5 && istarts_n(p + ke - 5, 5, "value", 5) &&
      (ke == 5 || !key_ch((unsigned char)p[ke - 6]))) { /* a name/value pair? */
    pii_key_kind kind = sibling_name_kind(p, ke - 5);
    size_t vs, ve;
    if (kind != PII_KEY_NONE && value_at(p, n, x, &vs, &ve))
      pii_check_secret_value(p, vs, ve, kind, en, out);
    return;
  }
  /* cheap reject before the key is walked and normalised (a key is at
     most 64 bytes: the window bounds the walk) */
  size_t w0 = ke > 64 ? ke - 64 : 0;
  if (!secret_name_ending(p + w0, ke - w0)) return;
  size_t k = key_start(p, ke);
  if (k == ke) return;
  if (k > 0 && p[k - 1] == '[' && ke == op) return; /* our own [TYPE:pseudonym] */
  /* not assignments: ${VAR:-default} expansions, colon-separated names
     (arn:aws:secretsmanager:…:secret:prod/db) — but PowerShell's $env:NAME = … is one */
  if (p[op] == ':' && k > 1 && p[k - 1] == ':' && pii_is_alnum((unsigned char)p[k - 2]) &&
      !(k >= 5 && istarts_n(p + k - 5, 5, "$env:", 5)))
    return; /* (Ruby's `:password => …` and YAML's `:password: …` are assignments) */
  if (k > 1 && p[k - 1] == '{' && p[k - 2] == '$') return;
  if (k >= 9 && p[k - 1] == '/' && istarts_n(p + k - 9, 8, "checksum", 8)) return; /* a digest */
  pii_key_kind kind = pii_classify_key(p + k, ke - k);
  /* keys of words as people write them: "API key: …", "Secret access key: …"
     (up to three words, one blank apart) */
  for (size_t w = 0, kx = k; w < 2 && kx >= 2 && p[kx - 1] == ' ' &&
                             pii_is_alnum((unsigned char)p[kx - 2]);
       w++) { /* the longest that names a secret: "Secret access key" over "access key" */
    kx = key_start(p, kx - 1);
    pii_key_kind longer = pii_classify_key(p + kx, ke - kx);
    if (longer != PII_KEY_NONE) kind = longer, k = kx;
  }
  if (kind == PII_KEY_NONE) return;
  size_t vs, ve;
  if (!value_at(p, n, x, &vs, &ve)) return;
  /* `Authorization: Token …` unquoted: the credential is the next word */
  size_t vs2, ve2;
  if (kind == PII_KEY_AUTH && ve < n && p[ve] == ' ' && auth_scheme(p + vs, ve - vs) &&
      value_at(p, n, ve, &vs2, &ve2))
    ve = ve2;
  else if (code_ref(p, n, vs, ve))
    return;
  pii_check_secret_value(p, vs, ve, kind, en, out);
}

pii_key_kind pii_classify_pii_key(const char *k, size_t n) {
  char b[72];
  if (n == 0 || n > 64 || !name_ending(k, n, pii_name_pair)) return PII_KEY_NONE;
  size_t m = norm_key(k, n, b, sizeof b);
  while (m > 0 && pii_is_digit((unsigned char)b[m - 1])) m--;
  if (suffix(b, m, "ssn") || suffix(b, m, "socialsecuritynumber") || suffix(b, m, "socialsecurity"))
    return PII_KEY_SSN;
  static const kw phone[] = {
      KW("phone"),     KW("phonenumber"), KW("mobile"),       KW("mobilenumber"), KW("tel"),
      KW("telephone"), KW("fax"),         KW("cell"),         KW("cellphone"),    KW("msisdn"),
      KW("whatsapp"),  KW("phoneno"),     KW("contactnumber"), KW("telefon"),  KW("telefono"),
      KW("telefone"),  KW("celular"),     KW("movil"),        KW("handy")};
  for (size_t i = 0; i < sizeof phone / sizeof phone[0]; i++)
    if (suffix_n(b, m, phone[i].s, phone[i].n)) return PII_KEY_PHONE;
  return PII_KEY_NONE;
}

void pii_check_element(const char *p, size_t n, size_t s, size_t e, lr_pii_set en,
                       lr_pii_hits *out) {
  (void)n;
  const char *name = p + s + 2;
  size_t nl = e - 1 - (s + 2);
  pii_key_kind kind = pii_classify_key(name, nl);
  if (kind == PII_KEY_NONE) return;
  size_t gt = s; /* the text: back to the opening tag's '>' on the same line */
  while (gt > 0 && s - gt < 600 && p[gt - 1] != '>' && p[gt - 1] != '<' && p[gt - 1] != '\n') gt--;
  if (gt == 0 || p[gt - 1] != '>' || gt == s) return;
  size_t lt = gt - 1; /* the opening tag: <name> or <name attr="…"> */
  while (lt > 0 && gt - lt < 200 && p[lt] != '<' && p[lt] != '\n') lt--;
  if (p[lt] != '<' || gt - 1 - (lt + 1) < nl || memcmp(p + lt + 1, name, nl) != 0) return;
  char after = p[lt + 1 + nl];
  if (after != '>' && after != ' ') return;
  size_t vs = gt, ve = s;
  while (vs < ve && (p[vs] == ' ' || p[vs] == '\t')) vs++;
  while (ve > vs && (p[ve - 1] == ' ' || p[ve - 1] == '\t')) ve--;
  if (ve > vs) pii_check_secret_value(p, vs, ve, kind, en, out);
}

void pii_check_call_pair(const char *p, size_t n, size_t s, size_t e, lr_pii_set en,
                         lr_pii_hits *out) {
  size_t k = s + 1;
  while (p[k] == ' ' || p[k] == '\t') k++;
  char q = p[k++];
  size_t ke = k;
  while (ke < e && p[ke] != q) ke++;
  if (ke >= e) return; /* 'key" */
  pii_key_kind kind = pii_classify_key(p + k, ke - k);
  size_t vs, ve;
  if (kind != PII_KEY_NONE && value_at(p, n, e - 1, &vs, &ve))
    pii_check_secret_value(p, vs, ve, kind, en, out);
}

void pii_check_userpass(const char *p, size_t n, size_t colon, lr_pii_set en, lr_pii_hits *out) {
  size_t vs, ve;
  if (colon + 1 < n && p[colon + 1] != ' ' && value_at(p, n, colon + 1, &vs, &ve))
    pii_check_secret_value(p, vs, ve, PII_KEY_SECRET, en, out);
}

void pii_check_flag(const char *p, size_t n, size_t s, size_t e, lr_pii_set en, lr_pii_hits *out) {
  size_t ke = e;
  while (ke > s && (p[ke - 1] == ' ' || p[ke - 1] == '\t')) ke--;
  pii_key_kind kind = pii_classify_key(p + s + 2, ke - s - 2);
  if (kind == PII_KEY_NONE) return;
  size_t vs, ve;
  if (!value_at(p, n, e - 1, &vs, &ve)) return;
  if (p[vs] == '-') return; /* next flag */
  /* `--secret id=npmrc,src=…`: a spec of where the secret is (base64 may end in =) */
  const char *eq = memchr(p + vs, '=', ve - vs);
  if (eq && eq < p + ve - 2) return;
  pii_check_secret_value(p, vs, ve, kind, en, out);
}

void pii_check_userinfo(const char *p, size_t n, size_t s, lr_pii_set en, lr_pii_hits *out) {
  if (!EN(LR_PII_GENERIC_SECRET)) return;
  size_t x = s + 3, colon = 0;
  while (x < n && x - s < 300) {
    unsigned char c = (unsigned char)p[x];
    if (c == '@') break;
    if (c <= ' ' || c >= 0x7f || strchr("/?#\"'<>\\[]{}`;", c)) return; /* ;: jdbc parameters */
    if (c == ':' && !colon) colon = x;
    x++;
  }
  if (x >= n || p[x] != '@' || !colon) return;
  size_t ps = colon + 1, pe = x;
  if (pe - ps < 6 || pii_is_placeholder(p + ps, pe - ps)) return;
  /* the password repeating the user name, or a default, is not flagged */
  if (colon - (s + 3) == pe - ps && memcmp(p + s + 3, p + ps, pe - ps) == 0) return;
  static const kw defaults[] = {KW("postgres"), KW("admin"), KW("root"),
                                KW("guest"),    KW("pass"),  KW("passw0rd")};
  for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
    if (ieq_n(p + ps, pe - ps, defaults[i].s, defaults[i].n)) return;
  double need = pe - ps < 10 ? 2.3 : 2.8;
  if (pii_entropy(p + ps, pe - ps) >= need) pii_hits_push(out, ps, pe, LR_PII_GENERIC_SECRET);
}

bool pii_basic_ok(const char *p, size_t n) {
  char d[192];
  if (n < 8 || n > 256 || n % 4 != 0) return false;
  long m = pii_b64_decode(p, n, d, sizeof d);
  if (m < 3) return false;
  for (long i = 0; i < m; i++)
    if ((unsigned char)d[i] < 0x20 || (unsigned char)d[i] == 0x7f) return false;
  return memchr(d, ':', (size_t)m) != NULL;
}

void pii_check_bearer(const char *p, size_t n, size_t s, size_t e, lr_pii_set en,
                      lr_pii_hits *out) {
  if (!EN(LR_PII_GENERIC_SECRET)) return;
  if (s > 0 && pii_is_alnum((unsigned char)p[s - 1])) return;
  size_t x = s;
  while (x < e && p[x] != ' ' && p[x] != '\t') x++;
  bool basic = x - s == 5;
  while (x < e && (p[x] == ' ' || p[x] == '\t')) x++;
  while (e > x && p[e - 1] == '.') e--; /* a sentence full stop */
  size_t l = e - x;
  if (l < (basic ? 8 : 16) || l > 1024) return;
  if (pii_is_placeholder(p + x, l)) return;
  if (e < n && pii_is_alnum((unsigned char)p[e])) return;
  if (basic) { /* RFC 7617: base64 of user:password */
    if (pii_basic_ok(p + x, l)) pii_hits_push(out, x, e, LR_PII_GENERIC_SECRET);
    return;
  }
  if (pii_entropy(p + x, l) < 3.0) return;
  bool mixed = false;
  for (size_t i = x; i < e; i++) mixed |= pii_is_digit((unsigned char)p[i]);
  if (!mixed) return;
  pii_hits_push(out, x, e, LR_PII_GENERIC_SECRET);
}

void pii_check_aws_pair(const char *p, size_t n, size_t e, lr_pii_set en, lr_pii_hits *out) {
  /* "AKIA…,secret" / "AKIA… secret" / "id: AKIA…\nsecret: …" handled by keys */
  size_t x = e, sep = 0;
  while (x < n && sep < 40 && strchr(",;:|/ \t\"'\r\n", p[x])) x++, sep++; /* "AKIA… / secret" */
  if (sep == 0 || x + 40 > n) return;
  if (x + 40 < n &&
      (pii_is_alnum((unsigned char)p[x + 40]) || p[x + 40] == '/' || p[x + 40] == '+'))
    return;
  if (aws_secret_shape(p + x, 40) && pii_entropy(p + x, 40) > 4.0)
    pii_hits_push(out, x, x + 40, LR_PII_AWS_SECRET_KEY);
}
