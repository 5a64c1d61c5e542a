/*
 * validate_tok.c — validators for prefix-anchored credentials: AWS access
 * key ids, GitHub tokens (CRC32 checksum of classic tokens), OpenAI and
 * Anthropic keys, Stripe secret keys, Google API keys, Slack tokens and
 * webhooks, GitLab, npm, Hugging Face, SendGrid, Twilio, Shopify,
 * DigitalOcean and Vault tokens, JWTs (header must decode to JSON with
 * "alg") and PEM/OpenSSH/PGP private key blocks.
 *
 * The scanner matched prefix + the longest run of the token alphabet, so
 * the checks here are about exact lengths, structure and checksums.
 */
#include <string.h>

#include "pii_int.h"

static bool all_in(const char *p, size_t n, bool (*ok)(unsigned char)) {
  for (size_t i = 0; i < n; i++)
    if (!ok((unsigned char)p[i])) return false;
  return true;
}
static bool is_lhex(unsigned char c) { return pii_is_digit(c) || (c >= 'a' && c <= 'f'); }
static bool is_hex(unsigned char c) { return is_lhex(c) || (c >= 'A' && c <= 'F'); }
static bool is_b64u(unsigned char c) { return pii_is_alnum(c) || c == '-' || c == '_'; }

static bool has_digit_upper_lower(const char *p, size_t n, int need) {
  int d = 0, u = 0, l = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)p[i];
    d |= pii_is_digit(c);
    u |= c >= 'A' && c <= 'Z';
    l |= c >= 'a' && c <= 'z';
  }
  return d + u + l >= need;
}

/* ---- GitHub checksum ---------------------------------------------------------- */

/* CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), four bits a step:
 * nibble[i] is i run through four steps of the bitwise loop
 * c = (c >> 1) ^ (0xEDB88320 & -(c & 1)). */
static uint32_t crc32_ieee(const char *p, size_t n) {
  static const uint32_t nibble[16] = {
      0x00000000u, 0x1db71064u, 0x3b6e20c8u, 0x26d930acu, 0x76dc4190u, 0x6b6b51f4u,
      0x4db26158u, 0x5005713cu, 0xedb88320u, 0xf00f9344u, 0xd6d6a3e8u, 0xcb61b38cu,
      0x9b64c2b0u, 0x86d3d2d4u, 0xa00ae278u, 0xbdbdf21cu};
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; i++) {
    c ^= (unsigned char)p[i];
    c = (c >> 4) ^ nibble[c & 15];
    c = (c >> 4) ^ nibble[c & 15];
  }
  return ~c;
}

/* Classic tokens (ghp_/gho_/ghu_/ghs_/ghr_): 30 random base62 characters
 * followed by the CRC32 of those 30, base62-encoded (0-9A-Za-z) and
 * left-padded with '0' to 6 characters. */
bool pii_github_crc_ok(const char *t) {
  static const char b62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  uint32_t v = crc32_ieee(t + 4, 30);
  char enc[6];
  for (int i = 5; i >= 0; i--) {
    enc[i] = b62[v % 62];
    v /= 62;
  }
  return memcmp(enc, t + 34, 6) == 0;
}

/* ---- JWT -------------------------------------------------------------------------- */

static int b64v(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (pii_is_digit(c)) return c - '0' + 52;
  if (c == '-' || c == '+') return 62;
  if (c == '_' || c == '/') return 63;
  return -1;
}

long pii_b64_decode(const char *p, size_t n, char *out, size_t cap) {
  uint32_t acc = 0;
  int bits = 0;
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    if (p[i] == '=') break;
    int v = b64v((unsigned char)p[i]);
    if (v < 0) return -1;
    acc = (acc << 6) | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (m == cap) return (long)m;
      out[m++] = (char)((acc >> bits) & 0xFF);
    }
  }
  return (long)m;
}

/* RFC 7519 §7.2: the JOSE header is a JSON object; RFC 7515 §4.1.1 makes
 * "alg" mandatory. */
bool pii_jwt_header_ok(const char *p, size_t n) {
  char h[512];
  long m = pii_b64_decode(p, n, h, sizeof h);
  if (m < 8) return false;
  size_t a = 0, z = (size_t)m;
  while (a < z && (h[a] == ' ' || h[a] == '\n' || h[a] == '\r' || h[a] == '\t')) a++;
  while (z > a && (h[z - 1] == ' ' || h[z - 1] == '\n' || h[z - 1] == '\r')) z--;
  if (z - a < 2 || h[a] != '{' || h[z - 1] != '}') return false;
  for (size_t i = a; i + 5 <= z; i++)
    if (memcmp(h + i, "\"alg\"", 5) == 0) return true;
  return false;
}

/* ---- prefixed tokens ---------------------------------------------------------------- */

static bool left_ok(const char *p, size_t s) {
  if (s == 0) return true;
  unsigned char c = (unsigned char)p[s - 1];
  if (!pii_is_alnum(c)) return true;
  return (c == 'n' || c == 't' || c == 'r') && s >= 2 && p[s - 2] == '\\';
}

static bool ends_with(const char *p, size_t n, const char *suf) {
  size_t l = strlen(suf);
  return n >= l && memcmp(p + n - l, suf, l) == 0;
}

void pii_check_token(const char *p, size_t n, size_t s, size_t e, pii_tok_kind kind, lr_pii_set en,
                     lr_pii_hits *out) {
  if (!left_ok(p, s)) return;
  const char *t = p + s;
  size_t l = e - s;
  lr_pii_type type = LR_PII__COUNT;
  switch (kind) {
  case PII_TOK_AWS_ID:
    if (e < n && pii_is_alnum((unsigned char)p[e])) return;
    if (ends_with(t, l, "EXAMPLE")) return;
    if (en & LR_PII_BIT(LR_PII_AWS_ACCESS_KEY)) pii_hits_push(out, s, e, LR_PII_AWS_ACCESS_KEY);
    if (en & LR_PII_BIT(LR_PII_AWS_SECRET_KEY)) pii_check_aws_pair(p, n, e, en, out);
    return;
  case PII_TOK_GITHUB:
    if (l == 40 && pii_github_crc_ok(t)) type = LR_PII_GITHUB_TOKEN;
    break;
  case PII_TOK_GITHUB_PAT:
    if (l == 93 && t[33] == '_' && all_in(t + 11, 22, pii_is_alnum) &&
        all_in(t + 34, 59, pii_is_alnum))
      type = LR_PII_GITHUB_TOKEN;
    break;
  case PII_TOK_SK_DASH:
    if (l > 7 && memcmp(t, "sk-ant-", 7) == 0) {
      /* sk-ant-api03-<93 chars>AA, sk-ant-admin01-…, sk-ant-oat01-… */
      size_t x = 7;
      while (x < l && t[x] >= 'a' && t[x] <= 'z') x++;
      size_t dg = x;
      while (x < l && pii_is_digit((unsigned char)t[x])) x++;
      if (x > 7 && x - dg == 2 && x < l && t[x] == '-' && l - x - 1 >= 80 && l <= 200)
        type = LR_PII_ANTHROPIC_KEY;
    } else if (l >= 40 && l <= 256) {
      for (size_t i = 3; i + 8 <= l; i++)
        if (memcmp(t + i, "T3BlbkFJ", 8) == 0) {
          type = LR_PII_OPENAI_KEY;
          break;
        }
    }
    break;
  case PII_TOK_STRIPE: {
    size_t body = l - 8; /* after sk_live_ / rk_test_ */
    if (body >= 20 && body <= 247 && has_digit_upper_lower(t + 8, body, 2))
      type = LR_PII_STRIPE_KEY;
    break;
  }
  case PII_TOK_GOOGLE:
    if (l == 39) type = LR_PII_GOOGLE_API_KEY;
    break;
  case PII_TOK_SLACK: {
    /* xoxb-<digits>-<digits>-<alnum>, xoxp-…, xoxc-…, xapp-1-<id>-<digits>-<hex>;
       refresh tokens xoxe.xoxp-1-<base64> */
    if (t[4] == '.') {
      if (l >= 60 && l <= 400 && t[9] == '-' && has_digit_upper_lower(t + 10, l - 10, 2))
        type = LR_PII_SLACK_TOKEN;
      break;
    }
    int dashes = 0, longdig = 0;
    size_t run = 0;
    for (size_t i = 5; i <= l; i++) {
      if (i == l || t[i] == '-') {
        dashes += i < l;
        run = 0;
      } else if (pii_is_digit((unsigned char)t[i])) {
        if (++run >= 6) longdig = 1;
      } else {
        run = 0x10000;
      }
    }
    if (l >= 30 && dashes >= 2 && longdig) type = LR_PII_SLACK_TOKEN;
    break;
  }
  case PII_TOK_SLACK_WEBHOOK: {
    const char *q = t + 33; /* after …/services/ */
    size_t m = l - 33, parts = 0, seg = 0;
    for (size_t i = 0; i <= m; i++) {
      if (i == m || q[i] == '/') {
        if (seg >= 8) parts++;
        seg = 0;
      } else {
        seg++;
      }
    }
    if (parts >= 3 && (q[0] == 'T' || q[0] == 'E')) type = LR_PII_SLACK_TOKEN;
    break;
  }
  case PII_TOK_GITLAB: { /* glpat-, glrt-, gldt-, glptt-, glft-, glcbt-, glsoat- */
    size_t pre = (size_t)((const char *)memchr(t, '-', l) - t) + 1;
    if (l - pre >= 20 && l - pre <= 80 && has_digit_upper_lower(t + pre, l - pre, 2))
      type = LR_PII_GITLAB_TOKEN;
    break;
  }
  case PII_TOK_NPM:
    if (l == 40 && has_digit_upper_lower(t + 4, 36, 2)) type = LR_PII_NPM_TOKEN;
    break;
  case PII_TOK_HF:
    if (l - 3 >= 30 && l - 3 <= 40 && has_digit_upper_lower(t + 3, l - 3, 2))
      type = LR_PII_HUGGINGFACE_TOKEN;
    break;
  case PII_TOK_SENDGRID:
    if (l == 69 && t[25] == '.' && all_in(t + 3, 22, is_b64u) && all_in(t + 26, 43, is_b64u))
      type = LR_PII_SENDGRID_KEY;
    break;
  case PII_TOK_TWILIO:
    if (l == 34 && e <= n && !(e < n && pii_is_alnum((unsigned char)p[e])) &&
        all_in(t + 2, 32, is_lhex) && has_digit_upper_lower(t + 2, 32, 2))
      type = LR_PII_TWILIO_KEY;
    break;
  case PII_TOK_SHOPIFY:
    if (l == 38 && all_in(t + 6, 32, is_hex)) type = LR_PII_SHOPIFY_TOKEN;
    break;
  case PII_TOK_DIGITALOCEAN:
    if (l == 71 && all_in(t + 7, 64, is_lhex)) type = LR_PII_DIGITALOCEAN_TOKEN;
    break;
  case PII_TOK_VAULT:
    if (l - 4 >= 24 && l <= 256 && has_digit_upper_lower(t + 4, l - 4, 2))
      type = LR_PII_VAULT_TOKEN;
    break;
  case PII_TOK_JWT: {
    const char *d1 = memchr(t, '.', l);
    if (!d1) return;
    const char *d2 = memchr(d1 + 1, '.', l - (size_t)(d1 + 1 - t));
    if (!d2) return;
    if (d1 - t >= 10 && d2 - d1 > 10 && pii_jwt_header_ok(t, (size_t)(d1 - t))) type = LR_PII_JWT;
    break;
  }
  }
  if (type != LR_PII__COUNT && (en & LR_PII_BIT(type))) pii_hits_push(out, s, e, type);
}

/* ---- private keys ------------------------------------------------------------------- */

static const char *find(const char *h, size_t hn, const char *needle, size_t nn) {
  if (nn == 0 || hn < nn) return NULL;
  return memmem(h, hn, needle, nn);
}

/* The BEGIN line p[s, e) is "-----BEGIN <label>-----". The block ends at the
 * matching "-----END <label>-----"; the body between must hold at least 64
 * base64 characters (escape sequences like \n, \\n are not counted) and no
 * placeholder text. */
void pii_check_private_key(const char *p, size_t n, size_t s, size_t e, lr_pii_hits *out) {
  const char *label = p + s + 11;
  size_t ll = e - 5 - (s + 11);
  char endl[64];
  if (ll + 14 > sizeof endl) return;
  memcpy(endl, "-----END ", 9);
  memcpy(endl + 9, label, ll);
  memcpy(endl + 9 + ll, "-----", 5);
  size_t el = 14 + ll;
  size_t window = n - e < 65536 ? n - e : 65536;
  const char *end = find(p + e, window, endl, el);
  if (!end) return;
  const char *body = p + e;
  size_t bl = (size_t)(end - body), cnt = 0;
  for (size_t i = 0; i < bl; i++) {
    unsigned char c = (unsigned char)body[i];
    if (c == '\\') {
      while (i + 1 < bl && body[i + 1] == '\\') i++;
      if (i + 1 < bl && (body[i + 1] == 'n' || body[i + 1] == 'r' || body[i + 1] == 't')) i++;
      continue;
    }
    if (pii_is_alnum(c) || c == '+' || c == '/' || c == '=') cnt++;
  }
  if (cnt < 64) return;
  if (find(body, bl, "REDACTED", 8) || find(body, bl, "redacted", 8) || find(body, bl, "...", 3) ||
      find(body, bl, "<", 1) || find(body, bl, "\xe2\x80\xa6", 3))
    return;
  pii_hits_push(out, s, (size_t)(end - p) + el, LR_PII_PRIVATE_KEY);
}
