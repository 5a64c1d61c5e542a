/*
 * fuzz_identity.c — libFuzzer entry point for the identity parsers: the
 * first input byte picks JWT verification (against a fixed JWKS), JWKS
 * parsing, API key file parsing, entity uid literals or Bearer headers;
 * the rest is the input. Built with -DLARCH_FUZZ=ON (clang).
 */
#include <stdlib.h>
#include <string.h>

#include "identity.h"

static const char jwks_text[] =
    "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"k\",\"k\":"
    "\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\"},"
    "{\"kty\":\"oct\",\"k\":"
    "\"ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj9AQUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVpbXF1eXw\"}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  const char *in = (const char *)data + 1;
  size_t n = size - 1;
  lr_diags d = {0};
  switch (data[0] % 5) {
  case 0: {
    lr_jwks_slot *slot =
        lr_jwks_slot_new(lr_jwks_parse(jwks_text, sizeof jwks_text - 1, "f", 0, NULL));
    lr_clock_manual clock;
    lr_clock_manual_init(&clock, 0, 1800000000000LL);
    lr_jwt_verifier *v = lr_jwt_verifier_new(NULL, slot, &clock.clock);
    lr_principal *p = NULL;
    for (int i = 0; i < 2; i++) { /* the second round goes through the cache */
      if (lr_jwt_verify(v, in, n, &p, NULL) == LR_ID_OK) lr_principal_unref(p);
    }
    lr_jwt_verifier_free(v);
    lr_jwks_slot_free(slot);
    break;
  }
  case 1: lr_jwks_unref(lr_jwks_parse(in, n, "f", 0, &d)); break;
  case 2: lr_apikeys_free(lr_apikeys_parse(in, n, "f", &d)); break;
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
  }
  lr_diags_free(&d);
  return 0;
}
