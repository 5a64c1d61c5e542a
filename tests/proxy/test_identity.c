/*
 * test_identity.c — proxy/identity.c: mTLS names from generated
 * certificates, Bearer parsing, credential precedence, WWW-Authenticate.
 */
#include <criterion/criterion.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"
#include "jwt_testkit.h"

/* A self-signed certificate with the given CN (may be NULL) and
 * subjectAltName value (e.g. "URI:spiffe://x/y, DNS:a"; may be NULL). */
static X509 *make_cert(EVP_PKEY *key, const char *cn, const char *san) {
  X509 *x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), 0);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, key);
  X509_NAME *nm = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(nm, "O", MBSTRING_ASC, (const unsigned char *)"larch", -1, -1, 0);
  if (cn) X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
  X509_set_issuer_name(x, nm);
  if (san) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name, san);
    cr_assert_not_null(ext);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  cr_assert(X509_sign(x, key, NULL) > 0); /* Ed25519: no digest */
  return x;
}

static void expect_workload(EVP_PKEY *key, const char *cn, const char *san, const char *want) {
  X509 *x = make_cert(key, cn, san);
  lr_principal *p = NULL;
  if (!want) {
    cr_assert_eq(lr_identity_from_cert(x, &p), LR_ERR);
    cr_assert_null(p);
  } else {
    cr_assert_eq(lr_identity_from_cert(x, &p), LR_OK);
    cr_assert_eq(p->source, LR_PRINCIPAL_MTLS);
    cr_assert_str_eq(p->uid.type.p, "Workload");
    cr_assert_str_eq(p->uid.id.p, want);
    lr_principal_unref(p);
  }
  X509_free(x);
}

Test(identity, mtls_san_uri_then_cn) {
  tk_key k = tk_ed25519();
  expect_workload(k.pkey, "svc-a", "URI:spiffe://prod/ns/a/sa/b", "spiffe://prod/ns/a/sa/b");
  expect_workload(k.pkey, "svc-a", "DNS:a.example, URI:spiffe://x/1, URI:spiffe://x/2",
                  "spiffe://x/1");
  expect_workload(k.pkey, "svc-a", "DNS:a.example", "svc-a");
  expect_workload(k.pkey, "svc-\xc3\xa9", NULL, "svc-\xc3\xa9");
  expect_workload(k.pkey, NULL, "DNS:a.example", NULL);
  expect_workload(k.pkey, NULL, NULL, NULL);
  /* an unusable first URI (a control byte) refuses, never falls back */
  expect_workload(k.pkey, "svc-a", "URI:spiffe://x/\x01, URI:spiffe://x/2", NULL);
  expect_workload(k.pkey, "bad\x7f", NULL, NULL);
  lr_principal *p = (lr_principal *)1;
  cr_assert_eq(lr_identity_from_cert(NULL, &p), LR_ERR);
  tk_key_free(&k);
}

Test(identity, bearer_values) {
  lr_str t;
  cr_assert(lr_identity_bearer("Bearer abc.def", 14, &t));
  cr_assert_eq(t.n, 7);
  cr_assert_eq(memcmp(t.p, "abc.def", 7), 0);
  cr_assert(lr_identity_bearer("  bearer   tok  ", 16, &t));
  cr_assert_eq(t.n, 3);
  cr_assert(lr_identity_bearer("BEARER\ttok", 10, &t));
  cr_assert_not(lr_identity_bearer("Basic dXNlcjpw", 14, &t));
  cr_assert_not(lr_identity_bearer("Bearer", 6, &t));
  cr_assert_not(lr_identity_bearer("Bearer   ", 9, &t));
  cr_assert_not(lr_identity_bearer("Bearertok", 9, &t));
  cr_assert_not(lr_identity_bearer("Bearer a b", 10, &t));
}

static lr_id_error resolve(const lr_identity *id, const char *authz, const char *xkey,
                           lr_principal **p) {
  lr_identity_input in = {
      {authz, authz ? strlen(authz) : 0}, {xkey, xkey ? strlen(xkey) : 0}, NULL, NULL};
  const char *why;
  return lr_identity_resolve(id, &in, p, &why);
}

Test(identity, resolve_precedence) {
  tk_key hs = tk_hmac(32);
  char *jwk = tk_jwk(&hs, "k", NULL), *doc = tk_jwks(1, jwk);
  lr_jwks_slot *slot = lr_jwks_slot_new(lr_jwks_parse(doc, strlen(doc), "j", 0, NULL));
  lr_clock_manual clock;
  lr_clock_manual_init(&clock, 0, 1800000000000LL);
  lr_jwt_verifier *v = lr_jwt_verifier_new(NULL, slot, &clock.clock);
  char hex[65], keys[512];
  lr_apikey_hash_hex("plain-key", 9, hex);
  snprintf(keys, sizeof keys, "[{\"key_sha256\":\"%s\",\"principal\":\"Bot::\\\"b\\\"\"}]", hex);
  lr_apikeys *ak = lr_apikeys_parse(keys, strlen(keys), "k", NULL);
  cr_assert_not_null(ak);
  char *tok = tk_sign(&hs, "HS256", "{\"alg\":\"HS256\",\"kid\":\"k\"}",
                      "{\"sub\":\"u\",\"exp\":1800000600}", false);
  char authz[1024];
  snprintf(authz, sizeof authz, "Bearer %s", tok);

  lr_identity both = {v, ak}, jwt_only = {v, NULL}, keys_only = {NULL, ak}, none = {NULL, NULL};
  lr_principal *p;
  cr_assert_eq(resolve(&both, authz, NULL, &p), LR_ID_OK);
  cr_assert_str_eq(p->uid.type.p, "User");
  lr_principal_unref(p);
  cr_assert_eq(resolve(&both, "Bearer plain-key", NULL, &p), LR_ID_OK);
  cr_assert_str_eq(p->uid.type.p, "Bot");
  lr_principal_unref(p);
  cr_assert_eq(resolve(&both, authz, " plain-key ", &p), LR_ID_OK); /* X-API-Key first */
  cr_assert_str_eq(p->uid.type.p, "Bot");
  lr_principal_unref(p);
  cr_assert_eq(resolve(&both, NULL, "wrong", &p), LR_ID_UNKNOWN_KEY);
  cr_assert_eq(resolve(&jwt_only, "Bearer plain-key", NULL, &p), LR_ID_MALFORMED);
  cr_assert_eq(resolve(&keys_only, authz, NULL, &p), LR_ID_UNKNOWN_KEY);
  cr_assert_eq(resolve(&both, "Basic Zm9vOmJhcg==", NULL, &p), LR_ID_MALFORMED);
  /* nothing presented, or nothing configured: anonymous */
  cr_assert_eq(resolve(&both, NULL, NULL, &p), LR_ID_OK);
  cr_assert_eq(p, lr_principal_anonymous());
  cr_assert_str_eq(p->uid.type.p, "Anonymous");
  cr_assert_str_eq(p->uid.id.p, "anonymous");
  lr_principal_unref(p); /* no-op on the immortal principal */
  lr_principal_unref(lr_principal_ref(p));
  cr_assert_str_eq(lr_principal_anonymous()->uid.id.p, "anonymous");
  cr_assert_eq(resolve(&none, authz, "x", &p), LR_ID_OK);
  cr_assert_eq(p, lr_principal_anonymous());
  /* a peer named by the TLS layer; credentials in headers come first */
  lr_identity_input in = {{NULL, 0}, {NULL, 0}, NULL, "spiffe://a/b"};
  cr_assert_eq(lr_identity_resolve(&both, &in, &p, NULL), LR_ID_OK);
  cr_assert_str_eq(p->uid.type.p, "Workload");
  cr_assert_str_eq(p->uid.id.p, "spiffe://a/b");
  lr_principal_unref(p);
  in.authorization = (lr_str){authz, strlen(authz)};
  cr_assert_eq(lr_identity_resolve(&both, &in, &p, NULL), LR_ID_OK);
  cr_assert_str_eq(p->uid.type.p, "User");
  lr_principal_unref(p);
  in = (lr_identity_input){{NULL, 0}, {NULL, 0}, NULL, ""};
  cr_assert_eq(lr_identity_resolve(&both, &in, &p, NULL), LR_ID_MALFORMED);

  lr_apikeys_unref(ak);
  lr_jwt_verifier_free(v);
  lr_jwks_slot_free(slot);
  free(tok);
  free(jwk);
  free(doc);
}

Test(identity, www_authenticate) {
  lr_buf b = {0};
  lr_identity_www_authenticate(&b, LR_ID_MISSING, "no token", NULL);
  cr_assert_str_eq(b.p, "Bearer realm=\"larch\"");
  lr_buf_clear(&b);
  lr_identity_www_authenticate(&b, LR_ID_EXPIRED, "the token has \"expired\"",
                               "https://mcp.example/.well-known/oauth-protected-resource");
  cr_assert_str_eq(b.p, "Bearer realm=\"larch\", error=\"invalid_token\", "
                        "error_description=\"the token has expired\", resource_metadata=\""
                        "https://mcp.example/.well-known/oauth-protected-resource\"");
  lr_buf_clear(&b);
  lr_identity_www_authenticate(&b, LR_ID_MISSING, NULL, "https://m/x");
  cr_assert_str_eq(b.p, "Bearer realm=\"larch\", resource_metadata=\"https://m/x\"");
  lr_buf_free(&b);
  cr_assert_str_eq(lr_id_error_name(LR_ID_WRONG_AUDIENCE), "wrong_audience");
}
