/*
 * fuzz_identity.c — libFuzzer entry point for the identity parsers: the
 * first input byte picks JWT verification (against a fixed JWKS), JWKS
 * parsing, API key file parsing, entity uid literals, Bearer headers, or
 * a header/payload pair (split at the first NUL) that the harness signs
 * with the JWKS's HS256 key so the claim checks after the signature are
 * reached too; the rest is the input. Built with -DLARCH_FUZZ=ON (clang).
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"

static const char jwks_text[] =
    "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"k\",\"k\":"
    "\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\"},"
    "{\"kty\":\"oct\",\"k\":"
    "\"ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj9AQUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVpbXF1eXw\"}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void b64url(lr_buf *b, const unsigned char *p, size_t n) {
  static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
                 (i + 2 < n ? p[i + 2] : 0);
    size_t chars = n - i >= 3 ? 4 : n - i + 1;
    for (size_t c = 0; c < chars; c++) lr_buf_putc(b, abc[(v >> (18 - 6 * c)) & 63]);
  }
}

/* Verifies `in` as a token with the fixed JWKS, twice (the second time
 * through the cache). */
static void verify_twice(const char *in, size_t n) {
  lr_jwks_slot *slot =
      lr_jwks_slot_new(lr_jwks_parse(jwks_text, sizeof jwks_text - 1, "f", 0, NULL));
  lr_clock_manual clock;
  lr_clock_manual_init(&clock, 0, 1800000000000LL);
  lr_jwt_verifier *v = lr_jwt_verifier_new(
      &(lr_jwt_config){.issuer = "i", .audience = "a", .roles_claim = "r.s"}, slot, &clock.clock);
  lr_principal *p = NULL;
  for (int i = 0; i < 2; i++)
    if (lr_jwt_verify(v, in, n, &p, NULL) == LR_ID_OK) lr_principal_unref(p);
  lr_jwt_verifier_free(v);
  lr_jwks_slot_free(slot);
}

/* header NUL payload → base64url(header).base64url(payload).HS256 MAC */
static void sign_and_verify(const char *in, size_t n) {
  const char *nul = memchr(in, 0, n);
  if (!nul) return;
  static const unsigned char key[32] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10,
                                        11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
                                        22, 23, 24, 25, 26, 27, 28, 29, 30, 31};
  lr_buf t = {0};
  b64url(&t, (const unsigned char *)in, (size_t)(nul - in));
  lr_buf_putc(&t, '.');
  b64url(&t, (const unsigned char *)nul + 1, n - (size_t)(nul - in) - 1);
  unsigned char mac[32];
  unsigned len = 0;
  HMAC(EVP_sha256(), key, sizeof key, (const unsigned char *)t.p, t.len, mac, &len);
  lr_buf_putc(&t, '.');
  b64url(&t, mac, len);
  verify_twice(t.p, t.len);
  lr_buf_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  const char *in = (const char *)data + 1;
  size_t n = size - 1;
  lr_diags d = {0};
  switch (data[0] % 6) {
  case 0: verify_twice(in, n); break;
  case 1: lr_jwks_unref(lr_jwks_parse(in, n, "f", 0, &d)); break;
  case 2: lr_apikeys_unref(lr_apikeys_parse(in, n, "f", &d)); break;
  case 3: {
    lr_uid u = {0};
    if (lr_uid_parse(in, n, &u) == LR_OK) lr_uid_clear(&u);
    break;
  }
  case 4: {
    lr_str t;
    lr_identity_bearer(in, n, &t);
    break;
  }
  case 5: sign_and_verify(in, n); break;
  }
  lr_diags_free(&d);
  return 0;
}
