/*
 * jwt_testkit.c — the test-side JWT signer (see jwt_testkit.h).
 */
#include "jwt_testkit.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) abort();
  return p;
}

char *tk_b64url(const void *data, size_t n) {
  static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const unsigned char *p = data;
  char *out = xmalloc(n / 3 * 4 + 5), *o = out;
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
    *o++ = abc[v >> 18], *o++ = abc[(v >> 12) & 63], *o++ = abc[(v >> 6) & 63], *o++ = abc[v & 63];
  }
  if (n - i == 1) {
    unsigned v = (unsigned)p[i] << 16;
    *o++ = abc[v >> 18], *o++ = abc[(v >> 12) & 63];
  } else if (n - i == 2) {
    unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8;
    *o++ = abc[v >> 18], *o++ = abc[(v >> 12) & 63], *o++ = abc[(v >> 6) & 63];
  }
  *o = 0;
  return out;
}

tk_key tk_rsa(int bits) {
  tk_key k = {0};
  k.pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
  if (!k.pkey) abort();
  return k;
}

tk_key tk_ec(const char *crv) {
  tk_key k = {0};
  const char *group = strcmp(crv, "P-256") == 0   ? "P-256"
                      : strcmp(crv, "P-384") == 0 ? "P-384"
                                                  : "P-521";
  k.pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", group);
  if (!k.pkey) abort();
  return k;
}

tk_key tk_ed25519(void) {
  tk_key k = {0};
  k.pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
  if (!k.pkey) abort();
  return k;
}

tk_key tk_hmac(size_t len) {
  tk_key k = {0};
  if (len > sizeof k.secret || RAND_bytes(k.secret, (int)len) != 1) abort();
  k.secret_len = len;
  return k;
}

void tk_key_free(tk_key *k) {
  EVP_PKEY_free(k->pkey);
  memset(k, 0, sizeof *k);
}

static char *b64_bn(const EVP_PKEY *pkey, const char *param, int pad) {
  BIGNUM *bn = NULL;
  if (!EVP_PKEY_get_bn_param(pkey, param, &bn)) abort();
  int n = pad ? pad : BN_num_bytes(bn);
  unsigned char *buf = xmalloc((size_t)n);
  BN_bn2binpad(bn, buf, n);
  char *s = tk_b64url(buf, (size_t)n);
  free(buf);
  BN_free(bn);
  return s;
}

static int ec_size(const EVP_PKEY *pkey) { return (EVP_PKEY_get_bits(pkey) + 7) / 8; }

char *tk_jwk(const tk_key *k, const char *kid, const char *alg) {
  char extra[256] = "";
  size_t off = 0;
  if (kid) off += (size_t)snprintf(extra + off, sizeof extra - off, ",\"kid\":\"%s\"", kid);
  if (alg) snprintf(extra + off, sizeof extra - off, ",\"alg\":\"%s\"", alg);
  char *out = xmalloc(4096);
  if (!k->pkey) {
    char *s = tk_b64url(k->secret, k->secret_len);
    snprintf(out, 4096, "{\"kty\":\"oct\",\"k\":\"%s\"%s}", s, extra);
    free(s);
  } else if (EVP_PKEY_is_a(k->pkey, "RSA")) {
    char *n = b64_bn(k->pkey, OSSL_PKEY_PARAM_RSA_N, 0),
         *e = b64_bn(k->pkey, OSSL_PKEY_PARAM_RSA_E, 0);
    snprintf(out, 4096, "{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"%s\"%s}", n, e, extra);
    free(n);
    free(e);
  } else if (EVP_PKEY_is_a(k->pkey, "EC")) {
    int sz = ec_size(k->pkey);
    const char *crv = sz == 32 ? "P-256" : sz == 48 ? "P-384" : "P-521";
    char *x = b64_bn(k->pkey, OSSL_PKEY_PARAM_EC_PUB_X, sz),
         *y = b64_bn(k->pkey, OSSL_PKEY_PARAM_EC_PUB_Y, sz);
    snprintf(out, 4096, "{\"kty\":\"EC\",\"crv\":\"%s\",\"x\":\"%s\",\"y\":\"%s\"%s}", crv, x, y,
             extra);
    free(x);
    free(y);
  } else {
    unsigned char raw[32];
    size_t len = sizeof raw;
    if (!EVP_PKEY_get_raw_public_key(k->pkey, raw, &len)) abort();
    char *x = tk_b64url(raw, len);
    snprintf(out, 4096, "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"%s\"%s}", x, extra);
    free(x);
  }
  return out;
}

char *tk_jwks(int n, ...) {
  va_list ap;
  size_t len = 16;
  va_start(ap, n);
  for (int i = 0; i < n; i++) len += strlen(va_arg(ap, const char *)) + 1;
  va_end(ap);
  char *out = xmalloc(len);
  strcpy(out, "{\"keys\":[");
  va_start(ap, n);
  for (int i = 0; i < n; i++) {
    if (i) strcat(out, ",");
    strcat(out, va_arg(ap, const char *));
  }
  va_end(ap);
  strcat(out, "]}");
  return out;
}

char *tk_pem(const tk_key *k) {
  BIO *b = BIO_new(BIO_s_mem());
  if (!b || !PEM_write_bio_PUBKEY(b, k->pkey)) abort();
  char *data;
  long n = BIO_get_mem_data(b, &data);
  char *out = xmalloc((size_t)n + 1);
  memcpy(out, data, (size_t)n);
  out[n] = 0;
  BIO_free(b);
  return out;
}

static char *signing_input(const char *header, const char *payload) {
  char *h = tk_b64url(header, strlen(header)), *p = tk_b64url(payload, strlen(payload));
  char *in = xmalloc(strlen(h) + strlen(p) + 2);
  sprintf(in, "%s.%s", h, p);
  free(h);
  free(p);
  return in;
}

static char *join(char *input, const unsigned char *sig, size_t n) {
  char *s = tk_b64url(sig, n);
  char *tok = xmalloc(strlen(input) + strlen(s) + 2);
  sprintf(tok, "%s.%s", input, s);
  free(s);
  free(input);
  return tok;
}

char *tk_sign_hmac_secret(const void *secret, size_t n, const char *header, const char *payload) {
  char *in = signing_input(header, payload);
  unsigned char mac[64];
  unsigned len = 0;
  if (!HMAC(EVP_sha256(), secret, (int)n, (unsigned char *)in, strlen(in), mac, &len)) abort();
  return join(in, mac, len);
}

static const EVP_MD *md_of(const char *alg) {
  if (strstr(alg, "256")) return EVP_sha256();
  if (strstr(alg, "384")) return EVP_sha384();
  if (strstr(alg, "512")) return EVP_sha512();
  return NULL;
}

char *tk_sign(const tk_key *k, const char *alg, const char *header, const char *payload,
              bool der_ecdsa) {
  const EVP_MD *md = md_of(alg);
  char *in = signing_input(header, payload);
  if (alg[0] == 'H') {
    unsigned char mac[64];
    unsigned len = 0;
    if (!HMAC(md, k->secret, (int)k->secret_len, (unsigned char *)in, strlen(in), mac, &len))
      abort();
    return join(in, mac, len);
  }
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX *pctx = NULL;
  if (EVP_DigestSignInit(ctx, &pctx, strcmp(alg, "EdDSA") == 0 ? NULL : md, NULL, k->pkey) != 1)
    abort();
  if (alg[0] == 'P') {
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md);
  }
  size_t len = 0;
  if (EVP_DigestSign(ctx, NULL, &len, (unsigned char *)in, strlen(in)) != 1) abort();
  unsigned char *sig = xmalloc(len);
  if (EVP_DigestSign(ctx, sig, &len, (unsigned char *)in, strlen(in)) != 1) abort();
  EVP_MD_CTX_free(ctx);
  if (alg[0] == 'E' && alg[1] == 'S' && !der_ecdsa) { /* DER → R || S */
    const unsigned char *p = sig;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)len);
    int sz = ec_size(k->pkey);
    unsigned char *raw = xmalloc((size_t)sz * 2);
    BN_bn2binpad(ECDSA_SIG_get0_r(es), raw, sz);
    BN_bn2binpad(ECDSA_SIG_get0_s(es), raw + sz, sz);
    ECDSA_SIG_free(es);
    free(sig);
    sig = raw;
    len = (size_t)sz * 2;
  }
  char *tok = join(in, sig, len);
  free(sig);
  return tok;
}
