/*
 * jose.c — strict base64url decoding, the JWS algorithm table (RFC 7518
 * §3.1, RFC 8037 §3.1) and which key may verify which algorithm.
 */
#include "jose.h"

#include <stdlib.h>
#include <string.h>

/* 0..63 for the base64url alphabet, 0xff for every other ASCII byte;
 * bytes >= 0x80 are rejected by b64v before the table is consulted. */
static const unsigned char b64url_val[128] = {
#define X 0xff
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  /* 0x00 */
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  /* 0x10 */
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  62, X,  X,  /* 0x20: '-' */
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, X,  X,  X,  X,  X,  X,  /* 0x30: 0-9 */
    X,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, /* 0x40: A-O */
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, X,  X,  X,  X,  63, /* 0x50: P-Z, '_' */
    X,  26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, /* 0x60: a-o */
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, X,  X,  X,  X,  X,  /* 0x70: p-z */
#undef X
};

static inline unsigned b64v(unsigned char c) { return c < 128 ? b64url_val[c] : 0xff; }

lr_status lr_b64url_decode(const char *in, size_t n, unsigned char *out, size_t *out_n) {
  if (n % 4 == 1) return LR_ERR;
  const unsigned char *p = (const unsigned char *)in;
  size_t o = 0, i = 0;
  for (; i + 4 <= n; i += 4) {
    unsigned a = b64v(p[i]), b = b64v(p[i + 1]), c = b64v(p[i + 2]), d = b64v(p[i + 3]);
    if ((a | b | c | d) & 0xc0) return LR_ERR;
    uint32_t v = a << 18 | b << 12 | c << 6 | d;
    out[o++] = (unsigned char)(v >> 16);
    out[o++] = (unsigned char)(v >> 8);
    out[o++] = (unsigned char)v;
  }
  size_t rest = n - i;
  if (rest) {
    unsigned a = b64v(p[i]), b = b64v(p[i + 1]);
    unsigned c = rest == 3 ? b64v(p[i + 2]) : 0;
    if ((a | b | c) & 0xc0) return LR_ERR;
    out[o++] = (unsigned char)(a << 2 | b >> 4);
    if (rest == 2) {
      if (b & 0x0f) return LR_ERR; /* non-canonical: unused bits set */
    } else {
      out[o++] = (unsigned char)((b & 0x0f) << 4 | c >> 2);
      if (c & 0x03) return LR_ERR;
    }
  }
  *out_n = o;
  return LR_OK;
}

unsigned char *lr_b64url_decode_alloc(const char *in, size_t n, size_t *out_n) {
  unsigned char *out = lr_xmalloc(lr_b64url_decoded_max(n) + 1);
  if (lr_b64url_decode(in, n, out, out_n) != LR_OK) {
    free(out);
    return NULL;
  }
  out[*out_n] = 0;
  return out;
}

static const lr_jwt_alg_info algs[LR_JWT_ALG_COUNT] = {
    [LR_JWT_RS256] = {"RS256", LR_KTY_RSA, "SHA256", 0, false, 0},
    [LR_JWT_RS384] = {"RS384", LR_KTY_RSA, "SHA384", 0, false, 0},
    [LR_JWT_RS512] = {"RS512", LR_KTY_RSA, "SHA512", 0, false, 0},
    [LR_JWT_PS256] = {"PS256", LR_KTY_RSA, "SHA256", 0, true, 0},
    [LR_JWT_PS384] = {"PS384", LR_KTY_RSA, "SHA384", 0, true, 0},
    [LR_JWT_PS512] = {"PS512", LR_KTY_RSA, "SHA512", 0, true, 0},
    [LR_JWT_ES256] = {"ES256", LR_KTY_EC, "SHA256", 32, false, 0},
    [LR_JWT_ES384] = {"ES384", LR_KTY_EC, "SHA384", 48, false, 0},
    [LR_JWT_ES512] = {"ES512", LR_KTY_EC, "SHA512", 66, false, 0},
    [LR_JWT_EDDSA] = {"EdDSA", LR_KTY_OKP, NULL, 0, false, 0},
    [LR_JWT_HS256] = {"HS256", LR_KTY_OCT, "SHA256", 0, false, 32},
    [LR_JWT_HS384] = {"HS384", LR_KTY_OCT, "SHA384", 0, false, 48},
    [LR_JWT_HS512] = {"HS512", LR_KTY_OCT, "SHA512", 0, false, 64},
};

const lr_jwt_alg_info *lr_jwt_alg_info_get(lr_jwt_alg a) {
  if ((int)a <= 0 || a >= LR_JWT_ALG_COUNT) return NULL;
  return &algs[a];
}

lr_jwt_alg lr_jwt_alg_from_name(const char *name, size_t n) {
  /* Exact, case-sensitive match (RFC 7515 §4.1.1: alg values are
   * case-sensitive). "none" is not in the table. */
  for (int a = 1; a < LR_JWT_ALG_COUNT; a++)
    if (strlen(algs[a].name) == n && memcmp(algs[a].name, name, n) == 0) return (lr_jwt_alg)a;
  return 0;
}

const char *lr_jwt_alg_name(lr_jwt_alg a) {
  const lr_jwt_alg_info *i = lr_jwt_alg_info_get(a);
  return i ? i->name : "?";
}

bool lr_jwk_allows(const lr_jwk *k, lr_jwt_alg a) {
  const lr_jwt_alg_info *i = lr_jwt_alg_info_get(a);
  if (!i || i->kty != k->kty) return false;
  if (k->alg && k->alg != a) return false;
  if (i->ec_size && i->ec_size != k->ec_size) return false;
  if (i->min_secret && k->secret_len < i->min_secret) return false;
  return true;
}

const char *lr_id_error_name(lr_id_error e) {
  switch (e) {
  case LR_ID_OK: return "ok";
  case LR_ID_MISSING: return "missing";
  case LR_ID_MALFORMED: return "malformed";
  case LR_ID_BAD_SIGNATURE: return "bad_signature";
  case LR_ID_EXPIRED: return "expired";
  case LR_ID_NOT_YET_VALID: return "not_yet_valid";
  case LR_ID_WRONG_ISSUER: return "wrong_issuer";
  case LR_ID_WRONG_AUDIENCE: return "wrong_audience";
  case LR_ID_UNKNOWN_KID: return "unknown_kid";
  case LR_ID_ALG_NOT_ALLOWED: return "alg_not_allowed";
  case LR_ID_UNKNOWN_KEY: return "unknown_key";
  case LR_ID_INTERNAL: return "internal";
  }
  return "?";
}

json_t *lr_id_json_parse(const char *json, size_t n, const char *name, const char *what,
                         const char *code, lr_diags *d) {
  json_error_t jerr;
  json_t *root = json_loadb(json, n, JSON_REJECT_DUPLICATES, &jerr);
  if (!root)
    lr_diag_error(d, code, NULL, 0, 0, "%s:%d:%d: %s is not JSON: %s", name, jerr.line, jerr.column,
                  what, jerr.text);
  return root;
}
