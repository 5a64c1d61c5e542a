/*
 * pii_int.h — internals shared by the guard/ detector, JSON walker, masking
 * and streaming files. Not installed, not part of the public API.
 */
#ifndef LARCH_PII_INT_H
#define LARCH_PII_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guard.h"

/* A candidate match during a scan (offsets relative to the scanned buffer). */
typedef struct lr_pii_hits {
  lr_pii_span *v;
  size_t n, cap;
} lr_pii_hits;

void pii_hits_push(lr_pii_hits *h, size_t start, size_t end, lr_pii_type t);
/* Sorts by start and removes overlaps: the more specific type wins (prefixed
 * token / key > structured PII > generic secret), then the longer match. */
void pii_hits_resolve(lr_pii_hits *h, size_t from);
/* Specificity rank of a type (higher wins an overlap). */
int pii_type_rank(lr_pii_type t);

/* The one-pass text scanner (scan.re): appends candidates that passed their
 * validators to out, offsets relative to p. Unresolved (may overlap). */
void pii_scan_raw(const char *p, size_t n, lr_pii_set en, lr_pii_hits *out);

/* ---- validators (validate_num.c, validate_tok.c, secret.c) --------------- */

static inline bool pii_is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static inline bool pii_is_alpha(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static inline bool pii_is_alnum(unsigned char c) { return pii_is_digit(c) || pii_is_alpha(c); }
static inline bool pii_is_word(unsigned char c) { return pii_is_alnum(c) || c == '_'; }
/* c in lower case when it is an ASCII letter (only letters: '_' | 0x20 is
 * DEL, '[' | 0x20 is '{'). */
static inline unsigned char pii_lower(unsigned char c) {
  return (unsigned)(c - 'A') < 26u ? (unsigned char)(c | 0x20) : c;
}
/* p[0, n) is the lower-case word w in any letter case. */
static inline bool pii_ieq(const char *p, const char *w, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (pii_lower((unsigned char)p[i]) != (unsigned char)w[i]) return false;
  return true;
}

/* Numeric runs (digits with space . - / ( ) separators, optional leading +):
 * finds cards, SSNs, phones and IPv4 addresses in p[s, e). */
void pii_check_numrun(const char *p, size_t n, size_t s, size_t e, lr_pii_set en, lr_pii_hits *out);
/* IBAN candidate p[s, e) (letters, digits and single spaces). */
void pii_check_iban(const char *p, size_t n, size_t s, size_t e, lr_pii_hits *out);
/* IPv6 candidate p[s, e) (hex digits, colons, dots). */
void pii_check_ipv6(const char *p, size_t n, size_t s, size_t e, lr_pii_hits *out);
/* Email around the '@' at p[at]. */
void pii_check_email(const char *p, size_t n, size_t at, lr_pii_hits *out);

bool pii_luhn(const char *digits, size_t n);
bool pii_card_issuer(const char *digits, size_t n);
bool pii_iban_valid(const char *compact, size_t n);
bool pii_ssn_valid(const char *d9);
bool pii_tld_known(const char *tld, size_t n); /* lower-case ASCII label */

/* Prefixed vendor token p[s, e) recognised by the scanner as `kind`; pushes a
 * hit (possibly trimmed) when it validates. */
typedef enum {
  PII_TOK_GITHUB,
  PII_TOK_GITHUB_PAT,
  PII_TOK_SK_DASH, /* sk-… : OpenAI or Anthropic */
  PII_TOK_STRIPE,
  PII_TOK_GOOGLE,
  PII_TOK_SLACK,
  PII_TOK_SLACK_WEBHOOK,
  PII_TOK_GITLAB,
  PII_TOK_NPM,
  PII_TOK_HF,
  PII_TOK_SENDGRID,
  PII_TOK_TWILIO,
  PII_TOK_SHOPIFY,
  PII_TOK_DIGITALOCEAN,
  PII_TOK_VAULT,
  PII_TOK_JWT,
  PII_TOK_AWS_ID
} pii_tok_kind;
void pii_check_token(const char *p, size_t n, size_t s, size_t e, pii_tok_kind kind, lr_pii_set en,
                     lr_pii_hits *out);
bool pii_github_crc_ok(const char *tok40);
/* Decodes base64/base64url p[0, n) into out (at most cap bytes); returns the
 * length or -1 on a bad character. */
long pii_b64_decode(const char *p, size_t n, char *out, size_t cap);
/* HTTP Basic credentials: base64 of "user:password" (RFC 7617 §2). */
bool pii_basic_ok(const char *p, size_t n);
bool pii_jwt_header_ok(const char *p, size_t n);

/* PRIVATE KEY block whose BEGIN line is p[s, e). */
void pii_check_private_key(const char *p, size_t n, size_t s, size_t e, lr_pii_hits *out);

/* ---- generic secrets (secret.c) ------------------------------------------ */

typedef enum {
  PII_KEY_NONE,
  PII_KEY_SECRET,     /* password, token, api_key, client_secret … */
  PII_KEY_AWS_SECRET, /* aws_secret_access_key, SecretAccessKey, secret_key */
  PII_KEY_AUTH,       /* Authorization, auth: "Bearer x" / "Basic x" / "token x" */
  PII_KEY_PHONE,      /* phone, mobile, tel, fax: bare digits are a phone number */
  PII_KEY_SSN         /* ssn, social_security_number: bare 9 digits are an SSN */
} pii_key_kind;

/* Classifies a key that gives bare digits a meaning (PHONE / SSN), else NONE. */
pii_key_kind pii_classify_pii_key(const char *k, size_t n);
/* A value p[0, n) (string or number) under a PHONE/SSN key: pushes a hit over
 * the whole value when its digits form one. */
void pii_check_keyed_number(const char *p, size_t n, pii_key_kind kind, lr_pii_set en,
                            lr_pii_hits *out);

/* Classifies an assignment key (identifier text, any case/separators). */
pii_key_kind pii_classify_key(const char *k, size_t n);
/* The value p[s, e) assigned to a key of `kind`: pushes a GENERIC_SECRET or
 * AWS_SECRET_KEY hit over the secret part when it is one. */
void pii_check_secret_value(const char *p, size_t s, size_t e, pii_key_kind kind, lr_pii_set en,
                            lr_pii_hits *out);
/* Assignment operator (':' or '=', or the '|' between a table's cells) at
 * p[op]: looks back for the key and forward for the value. */
void pii_check_assign(const char *p, size_t n, size_t op, lr_pii_set en, lr_pii_hits *out);
/* `--flag value` where p[s, e) is `--flag ` (spaces included). */
void pii_check_flag(const char *p, size_t n, size_t s, size_t e, lr_pii_set en, lr_pii_hits *out);
/* An XML element's closing tag `</name>` at p[s, e): the element's text
 * when name is a secret key (`<password>…</password>`). */
void pii_check_element(const char *p, size_t n, size_t s, size_t e, lr_pii_set en,
                       lr_pii_hits *out);
/* A call's first two arguments as a key and its value, p[s, e) from the
 * `(` to the value's opening quote: `define('DB_PASSWORD', '…')`. */
void pii_check_call_pair(const char *p, size_t n, size_t s, size_t e, lr_pii_set en,
                         lr_pii_hits *out);
/* `curl -u user:password` with the ':' at p[colon]. */
void pii_check_userpass(const char *p, size_t n, size_t colon, lr_pii_set en, lr_pii_hits *out);
/* `scheme://user:pass@host` with "://" at p[s]. */
void pii_check_userinfo(const char *p, size_t n, size_t s, lr_pii_set en, lr_pii_hits *out);
/* `Bearer x` / `Basic x` at p[s, e). */
void pii_check_bearer(const char *p, size_t n, size_t s, size_t e, lr_pii_set en, lr_pii_hits *out);
/* AWS secret key right after an access key id ending at p[e]. */
void pii_check_aws_pair(const char *p, size_t n, size_t e, lr_pii_set en, lr_pii_hits *out);

/* Shannon entropy in bits per byte. */
double pii_entropy(const char *p, size_t n);
/* Placeholders, templates, documentation values, already-masked values. */
bool pii_is_placeholder(const char *p, size_t n);

/* ---- hashing (sha256.c) --------------------------------------------------- */

typedef struct pii_sha256 {
  uint32_t h[8];
  uint64_t len;
  uint8_t buf[64];
  size_t fill;
} pii_sha256;
void pii_sha256_init(pii_sha256 *c);
void pii_sha256_update(pii_sha256 *c, const void *p, size_t n);
void pii_sha256_final(pii_sha256 *c, uint8_t out[32]);
/* HMAC-SHA256 (RFC 2104) over the concatenation of parts. */
void pii_hmac_sha256(const void *key, size_t keylen, const void *const *parts, const size_t *lens,
                     size_t nparts, uint8_t out[32]);

/* ---- JSON walker (json.c) -------------------------------------------------- */

/* Called for every match in a JSON body: raw offsets, plus the decoded value
 * (the bytes the detector saw) for masking; in_number when the match is in a
 * number literal (a masker must then write a JSON string). */
typedef void (*pii_on_match)(void *ctx, size_t raw_start, size_t raw_end, lr_pii_type t,
                             const char *val, size_t val_len, bool in_number);
/* Walks a JSON body in one pass, reporting matches resolved (non-overlapping)
 * and in raw order as they are found. Returns LR_ERR if the body is not
 * valid JSON; matches reported before the error must then be dropped. */
lr_status pii_json_walk(const char *p, size_t n, lr_pii_set en, pii_on_match cb, void *ctx);

/* Appends the unescaped content of a JSON string literal p[0, n) (quotes
 * excluded) to out; returns its length, or (size_t)-1 if p is not valid
 * string content. */
size_t pii_json_unescape(const char *p, size_t n, lr_buf *out);

/* Renders the replacement for a match of type t with value v into out. */
void pii_render_mask(const lr_pii_masker *m, lr_pii_type t, const char *v, size_t n, lr_buf *out);
lr_pii_style pii_masker_style(const lr_pii_masker *m, lr_pii_type t);

#endif /* LARCH_PII_INT_H */
