/*
 * test_jwt.c — proxy/jwt.c and jwt_cache.c: every algorithm accepted with
 * keys generated here, every attack refused, claims checks, the cache.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"
#include "jose.h"
#include "jwt_testkit.h"

#define NOW_S 1800000000LL

typedef struct fx {
  tk_key rsa, p256, p384, p521, ed, hs;
  lr_jwks_slot *slot;
  lr_clock_manual clock;
  lr_jwt_verifier *v;
} fx;

static fx F;

/* Keys: one per type, generated once per test process. The JWKS holds
 * them all with kids; rsa/p256 also without restriction on alg. */
static void setup_keys(void) {
  F.rsa = tk_rsa(2048);
  F.p256 = tk_ec("P-256");
  F.p384 = tk_ec("P-384");
  F.p521 = tk_ec("P-521");
  F.ed = tk_ed25519();
  F.hs = tk_hmac(64);
  char *j[6] = {tk_jwk(&F.rsa, "rsa", NULL),   tk_jwk(&F.p256, "p256", NULL),
                tk_jwk(&F.p384, "p384", NULL), tk_jwk(&F.p521, "p521", "ES512"),
                tk_jwk(&F.ed, "ed", "EdDSA"),  tk_jwk(&F.hs, "hs", NULL)};
  char *doc = tk_jwks(6, j[0], j[1], j[2], j[3], j[4], j[5]);
  lr_diags d = {0};
  lr_jwks *keys = lr_jwks_parse(doc, strlen(doc), "test.jwks", LR_JWKS_STRICT, &d);
  cr_assert_not_null(keys);
  cr_assert_eq(lr_jwks_count(keys), 6);
  F.slot = lr_jwks_slot_new(keys);
  for (int i = 0; i < 6; i++) free(j[i]);
  free(doc);
  lr_diags_free(&d);
  lr_clock_manual_init(&F.clock, 0, NOW_S * 1000);
}

static void make_verifier(const lr_jwt_config *cfg) {
  lr_jwt_verifier_free(F.v);
  F.v = lr_jwt_verifier_new(cfg, F.slot, &F.clock.clock);
}

static void setup(void) {
  setup_keys();
  make_verifier(NULL);
}

static void teardown(void) {
  lr_jwt_verifier_free(F.v);
  lr_jwks_slot_free(F.slot);
  tk_key *ks[] = {&F.rsa, &F.p256, &F.p384, &F.p521, &F.ed, &F.hs};
  for (size_t i = 0; i < 6; i++) tk_key_free(ks[i]);
  memset(&F, 0, sizeof F);
}

static const char *payload_std(void) {
  static char buf[512];
  snprintf(buf, sizeof buf,
           "{\"sub\":\"alice\",\"exp\":%lld,\"iat\":%lld,\"iss\":\"https://idp\",\"aud\":\"larch\","
           "\"email\":\"a@example.com\",\"roles\":[\"admin\",\"dev\"]}",
           NOW_S + 600, NOW_S - 10);
  return buf;
}

static char *header(const char *alg, const char *kid) {
  char *h = malloc(256);
  if (kid)
    snprintf(h, 256, "{\"alg\":\"%s\",\"typ\":\"JWT\",\"kid\":\"%s\"}", alg, kid);
  else
    snprintf(h, 256, "{\"alg\":\"%s\",\"typ\":\"JWT\"}", alg);
  return h;
}

static char *sign(const tk_key *k, const char *alg, const char *kid, const char *payload) {
  char *h = header(alg, kid);
  char *t = tk_sign(k, alg, h, payload, false);
  free(h);
  cr_assert_not_null(t);
  return t;
}

/* Any refusal will do (where strict base64url may refuse before the
 * signature check does). */
#define ANY_ERROR ((lr_id_error)-1)

/* Verifies and checks the error kind; the explanation must never contain
 * any part of the token. */
static lr_principal *expect(const char *tok, size_t n, lr_id_error want) {
  lr_principal *p = NULL;
  const char *why = "unset";
  lr_id_error e = lr_jwt_verify(F.v, tok, n, &p, &why);
  if (want == ANY_ERROR) want = e == LR_ID_OK ? LR_ID_MALFORMED : e;
  cr_assert_eq(e, want, "got %s (%s), wanted %s", lr_id_error_name(e), why ? why : "-",
               lr_id_error_name(want));
  if (want != LR_ID_OK) {
    cr_assert_null(p);
    cr_assert_not_null(why);
    /* no 8-byte window of the token appears in the message */
    for (size_t i = 0; i + 8 <= n; i += 4) {
      char w[9];
      memcpy(w, tok + i, 8);
      w[8] = 0;
      cr_assert_null(strstr(why, w), "message echoes the token");
    }
  } else
    cr_assert_not_null(p);
  return p;
}

static void expect_str(const char *tok, lr_id_error want) {
  lr_principal_unref(expect(tok, strlen(tok), want));
}

TestSuite(jwt, .init = setup, .fini = teardown);

Test(jwt, accepts_every_algorithm) {
  struct {
    const tk_key *k;
    const char *alg, *kid;
  } cases[] = {
      {&F.rsa, "RS256", "rsa"},   {&F.rsa, "RS384", "rsa"},   {&F.rsa, "RS512", "rsa"},
      {&F.rsa, "PS256", "rsa"},   {&F.rsa, "PS384", "rsa"},   {&F.rsa, "PS512", "rsa"},
      {&F.p256, "ES256", "p256"}, {&F.p384, "ES384", "p384"}, {&F.p521, "ES512", "p521"},
      {&F.ed, "EdDSA", "ed"},     {&F.hs, "HS256", "hs"},     {&F.hs, "HS384", "hs"},
      {&F.hs, "HS512", "hs"},     {&F.rsa, "RS256", NULL},    {&F.p256, "ES256", NULL},
      {&F.ed, "EdDSA", NULL},     {&F.hs, "HS256", NULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *t = sign(cases[i].k, cases[i].alg, cases[i].kid, payload_std());
    lr_principal *p = expect(t, strlen(t), LR_ID_OK);
    cr_assert_str_eq(p->uid.type.p, "User");
    cr_assert_str_eq(p->uid.id.p, "alice");
    cr_assert_eq(p->source, LR_PRINCIPAL_JWT);
    cr_assert_eq(p->exp, NOW_S + 600);
    cr_assert_str_eq(json_string_value(json_object_get(p->claims, "email")), "a@example.com");
    lr_principal_unref(p);
    free(t);
  }
  lr_jwt_cache_stats st;
  lr_jwt_cache_stats_get(F.v, &st);
  cr_assert_eq(st.inserts, sizeof cases / sizeof cases[0]);
  cr_assert_eq(st.hits, 0);
}

Test(jwt, roles_and_groups_become_parents) {
  char pl[512];
  snprintf(pl, sizeof pl,
           "{\"sub\":\"bob\",\"exp\":%lld,\"roles\":[\"admin\",\"dev\",\"admin\",7],"
           "\"groups\":\"ops  dev sre\",\"perm\":[\"x\"]}",
           NOW_S + 60);
  char *t = sign(&F.ed, "EdDSA", "ed", pl);
  lr_principal *p = expect(t, strlen(t), LR_ID_OK);
  const char *want[] = {"admin", "dev", "ops", "sre"};
  cr_assert_eq(p->nparents, 4);
  for (size_t i = 0; i < 4; i++) {
    cr_assert_str_eq(p->parents[i].type.p, "Role");
    cr_assert_str_eq(p->parents[i].id.p, want[i]);
  }
  lr_principal_unref(p);
  /* configured claim names and types */
  make_verifier(&(lr_jwt_config){.roles_claim = "perm",
                                 .groups_claim = "",
                                 .user_type = "Acme::User",
                                 .role_type = "Acme::Role"});
  p = expect(t, strlen(t), LR_ID_OK);
  cr_assert_str_eq(p->uid.type.p, "Acme::User");
  cr_assert_eq(p->nparents, 1);
  cr_assert_str_eq(p->parents[0].type.p, "Acme::Role");
  cr_assert_str_eq(p->parents[0].id.p, "x");
  lr_principal_unref(p);
  free(t);
  /* nested claim paths (Keycloak realm_access.roles); an exact claim name
   * with dots wins over the path */
  snprintf(pl, sizeof pl,
           "{\"sub\":\"k\",\"exp\":%lld,\"realm_access\":{\"roles\":[\"r1\",\"r2\"]},"
           "\"https://x.io/groups\":[\"g\"],\"a\":{\"b\":7}}",
           NOW_S + 60);
  t = sign(&F.ed, "EdDSA", "ed", pl);
  make_verifier(
      &(lr_jwt_config){.roles_claim = "realm_access.roles", .groups_claim = "https://x.io/groups"});
  p = expect(t, strlen(t), LR_ID_OK);
  cr_assert_eq(p->nparents, 3);
  cr_assert_str_eq(p->parents[1].id.p, "r2");
  cr_assert_str_eq(p->parents[2].id.p, "g");
  lr_principal_unref(p);
  make_verifier(&(lr_jwt_config){.roles_claim = "a.b.c", .groups_claim = "realm_access.x"});
  p = expect(t, strlen(t), LR_ID_OK);
  cr_assert_eq(p->nparents, 0);
  lr_principal_unref(p);
  free(t);
}

Test(jwt, alg_none_refused) {
  char *h = tk_b64url("{\"alg\":\"none\"}", 14);
  char tok[1400];
  char *pl = tk_b64url(payload_std(), strlen(payload_std()));
  snprintf(tok, sizeof tok, "%s.%s.", h, pl);
  expect_str(tok, LR_ID_ALG_NOT_ALLOWED);
  snprintf(tok, sizeof tok, "%s.%s", h, pl); /* two parts */
  expect_str(tok, LR_ID_MALFORMED);
  snprintf(tok, sizeof tok, "%s.%s.c2ln", h, pl); /* none with a "signature" */
  expect_str(tok, LR_ID_ALG_NOT_ALLOWED);
  free(h);
  /* the same with "None", "NONE" and an RS256 header but empty signature */
  const char *hs[] = {"{\"alg\":\"None\"}", "{\"alg\":\"NONE\"}", "{\"alg\":\"RS256\"}"};
  for (int i = 0; i < 3; i++) {
    h = tk_b64url(hs[i], strlen(hs[i]));
    snprintf(tok, sizeof tok, "%s.%s.", h, pl);
    expect_str(tok, LR_ID_ALG_NOT_ALLOWED);
    free(h);
  }
  free(pl);
}

Test(jwt, hmac_with_public_key_as_secret_refused) {
  char *pem = tk_pem(&F.rsa), *jwk = tk_jwk(&F.rsa, "rsa", NULL);
  const char *secrets[] = {pem, jwk};
  const char *headers[] = {"{\"alg\":\"HS256\",\"kid\":\"rsa\"}", "{\"alg\":\"HS256\"}"};
  for (int s = 0; s < 2; s++)
    for (int h = 0; h < 2; h++) {
      char *t = tk_sign_hmac_secret(secrets[s], strlen(secrets[s]), headers[h], payload_std());
      /* with the kid: the RSA key never verifies HS256; without: the only
       * oct key is the real secret, so the MAC fails */
      expect_str(t, h == 0 ? LR_ID_ALG_NOT_ALLOWED : LR_ID_BAD_SIGNATURE);
      free(t);
    }
  /* a JWKS with only the RSA key: HS256 finds no key at all */
  char *doc = tk_jwks(1, jwk);
  lr_jwks_slot_swap(F.slot, lr_jwks_parse(doc, strlen(doc), "x", 0, NULL));
  char *t = tk_sign_hmac_secret(pem, strlen(pem), headers[1], payload_std());
  expect_str(t, LR_ID_ALG_NOT_ALLOWED);
  free(t);
  free(doc);
  free(pem);
  free(jwk);
}

Test(jwt, key_alg_and_config_restrict_algorithms) {
  /* the ed key is declared alg EdDSA; the p521 key ES512: an RS token with
   * their kid cannot use them */
  char *t = sign(&F.rsa, "RS256", "ed", payload_std());
  expect_str(t, LR_ID_ALG_NOT_ALLOWED);
  free(t);
  /* ES384 signed by the P-384 key but claiming the P-256 kid */
  t = sign(&F.p384, "ES384", "p256", payload_std());
  expect_str(t, LR_ID_ALG_NOT_ALLOWED);
  free(t);
  /* a verifier configured for asymmetric algorithms only refuses HS256 */
  make_verifier(&(lr_jwt_config){.algs = LR_JWT_ALGS_ASYMMETRIC});
  t = sign(&F.hs, "HS256", "hs", payload_std());
  expect_str(t, LR_ID_ALG_NOT_ALLOWED);
  free(t);
  t = sign(&F.rsa, "PS256", "rsa", payload_std());
  expect_str(t, LR_ID_OK);
  free(t);
  /* unknown algorithms */
  t = sign(&F.rsa, "RS256", "rsa", payload_std());
  const char *rs1 = "{\"alg\":\"RS1\",\"kid\":\"rsa\"}";
  char *h = tk_b64url(rs1, strlen(rs1));
  char tok[2048];
  snprintf(tok, sizeof tok, "%s%s", h, strchr(t, '.'));
  expect_str(tok, LR_ID_ALG_NOT_ALLOWED);
  free(h);
  free(t);
}

Test(jwt, unknown_kid_refused) {
  char *t = sign(&F.rsa, "RS256", "nope", payload_std());
  expect_str(t, LR_ID_UNKNOWN_KID);
  free(t);
  /* a key we do not know, without kid */
  tk_key other = tk_ec("P-256");
  t = sign(&other, "ES256", NULL, payload_std());
  expect_str(t, LR_ID_BAD_SIGNATURE);
  free(t);
  tk_key_free(&other);
  /* no keys loaded at all */
  lr_jwks_slot_swap(F.slot, NULL);
  t = sign(&F.rsa, "RS256", "rsa", payload_std());
  expect_str(t, LR_ID_UNKNOWN_KID);
  free(t);
}

static void expect_claims(const char *payload, lr_id_error want) {
  char *t = sign(&F.p256, "ES256", "p256", payload);
  expect_str(t, want);
  free(t);
}

Test(jwt, time_claims) {
  char pl[256];
  snprintf(pl, sizeof pl, "{\"sub\":\"a\",\"exp\":%lld}", NOW_S - 61); /* beyond 60 s skew */
  expect_claims(pl, LR_ID_EXPIRED);
  snprintf(pl, sizeof pl, "{\"sub\":\"a\",\"exp\":%lld}", NOW_S - 30); /* within the skew */
  expect_claims(pl, LR_ID_OK);
  snprintf(pl, sizeof pl, "{\"sub\":\"a\",\"exp\":%lld,\"nbf\":%lld}", NOW_S + 900, NOW_S + 120);
  expect_claims(pl, LR_ID_NOT_YET_VALID);
  snprintf(pl, sizeof pl, "{\"sub\":\"a\",\"exp\":%lld,\"nbf\":%lld}", NOW_S + 900, NOW_S + 30);
  expect_claims(pl, LR_ID_OK);
  snprintf(pl, sizeof pl, "{\"sub\":\"a\",\"exp\":%lld.5}", NOW_S + 10); /* fractional */
  expect_claims(pl, LR_ID_OK);
  expect_claims("{\"sub\":\"a\",\"exp\":\"soon\"}", LR_ID_MALFORMED);
  expect_claims("{\"sub\":\"a\"}", LR_ID_MALFORMED); /* no exp */
  snprintf(pl, sizeof pl, "{\"sub\":\"a\",\"exp\":%lld,\"nbf\":null}", NOW_S + 10);
  expect_claims(pl, LR_ID_MALFORMED);
  snprintf(pl, sizeof pl, "{\"sub\":\"a\",\"exp\":1e300}");
  expect_claims(pl, LR_ID_OK);
  /* zero skew: expiry is exact */
  make_verifier(&(lr_jwt_config){.skew_s = LR_JWT_SKEW_NONE, .allow_no_exp = true});
  snprintf(pl, sizeof pl, "{\"sub\":\"a\",\"exp\":%lld}", NOW_S);
  expect_claims(pl, LR_ID_EXPIRED);
  snprintf(pl, sizeof pl, "{\"sub\":\"a\",\"exp\":%lld}", NOW_S + 1);
  expect_claims(pl, LR_ID_OK);
  expect_claims("{\"sub\":\"a\"}", LR_ID_OK); /* allowed without exp now */
}

Test(jwt, issuer_audience_subject) {
  /* not configured: anything goes */
  expect_claims(payload_std(), LR_ID_OK);
  make_verifier(&(lr_jwt_config){.issuer = "https://idp", .audience = "larch"});
  expect_claims(payload_std(), LR_ID_OK);
  char pl[256];
  long long exp = NOW_S + 60;
  snprintf(pl, sizeof pl, "{\"sub\":\"a\",\"exp\":%lld,\"iss\":\"https://evil\",\"aud\":\"larch\"}",
           exp);
  expect_claims(pl, LR_ID_WRONG_ISSUER);
  snprintf(pl, sizeof pl, "{\"sub\":\"a\",\"exp\":%lld,\"aud\":\"larch\"}", exp);
  expect_claims(pl, LR_ID_WRONG_ISSUER);
  snprintf(pl, sizeof pl,
           "{\"sub\":\"a\",\"exp\":%lld,\"iss\":[\"https://idp\"],\"aud\":\"larch\"}", exp);
  expect_claims(pl, LR_ID_WRONG_ISSUER);
  snprintf(pl, sizeof pl, "{\"sub\":\"a\",\"exp\":%lld,\"iss\":\"https://idp\",\"aud\":\"other\"}",
           exp);
  expect_claims(pl, LR_ID_WRONG_AUDIENCE);
  snprintf(pl, sizeof pl, "{\"sub\":\"a\",\"exp\":%lld,\"iss\":\"https://idp\"}", exp);
  expect_claims(pl, LR_ID_WRONG_AUDIENCE);
  snprintf(pl, sizeof pl,
           "{\"sub\":\"a\",\"exp\":%lld,\"iss\":\"https://idp\",\"aud\":[\"x\",\"larch\"]}", exp);
  expect_claims(pl, LR_ID_OK);
  snprintf(pl, sizeof pl,
           "{\"sub\":\"a\",\"exp\":%lld,\"iss\":\"https://idp\",\"aud\":[\"x\",\"larchy\"]}", exp);
  expect_claims(pl, LR_ID_WRONG_AUDIENCE);
  snprintf(pl, sizeof pl, "{\"exp\":%lld,\"iss\":\"https://idp\",\"aud\":\"larch\"}", exp);
  expect_claims(pl, LR_ID_MALFORMED); /* no sub */
  snprintf(pl, sizeof pl, "{\"sub\":5,\"exp\":%lld,\"iss\":\"https://idp\",\"aud\":\"larch\"}",
           exp);
  expect_claims(pl, LR_ID_MALFORMED);
}

/* Replaces byte i of a copy of t by c. */
static char *patched(const char *t, size_t i, char c) {
  char *s = strdup(t);
  s[i] = c;
  return s;
}

Test(jwt, tampering_and_malformed_tokens) {
  char *t = sign(&F.rsa, "RS256", "rsa", payload_std());
  size_t n = strlen(t);
  const char *d1 = strchr(t, '.'), *d2 = strrchr(t, '.');
  /* tampered payload: one character of the payload changed */
  size_t pi = (size_t)(d1 - t) + 5;
  char *s = patched(t, pi, t[pi] == 'A' ? 'B' : 'A');
  expect_str(s, LR_ID_BAD_SIGNATURE);
  free(s);
  /* payload replaced by another (valid JSON) payload */
  char *other = sign(&F.rsa, "RS256", "rsa", "{\"sub\":\"mallory\",\"exp\":9999999999}");
  const char *o1 = strchr(other, '.'), *o2 = strrchr(other, '.');
  char mix[4096];
  snprintf(mix, sizeof mix, "%.*s%.*s%s", (int)(d1 - t), t, (int)(o2 - o1), o1, d2);
  expect_str(mix, LR_ID_BAD_SIGNATURE);
  free(other);
  /* tampered signature (middle and last character) */
  size_t si = (size_t)(d2 - t) + 10;
  s = patched(t, si, t[si] == 'A' ? 'B' : 'A');
  expect_str(s, LR_ID_BAD_SIGNATURE);
  free(s);
  /* truncated: signature shortened, token cut in the payload */
  s = strndup(t, n - 4);
  expect_str(s, ANY_ERROR);
  free(s);
  s = strndup(t, (size_t)(d1 - t) + 7);
  expect_str(s, LR_ID_MALFORMED);
  free(s);
  /* extra segments (JWE-like five parts, trailing dot) */
  snprintf(mix, sizeof mix, "%s.%s", t, "abcd");
  expect_str(mix, LR_ID_MALFORMED);
  snprintf(mix, sizeof mix, "%s.", t);
  expect_str(mix, LR_ID_MALFORMED);
  snprintf(mix, sizeof mix, "%s.e30.e30.e30", t);
  expect_str(mix, LR_ID_MALFORMED);
  /* non-base64url characters: standard alphabet, padding, whitespace */
  const char bad[] = {'+', '/', '=', ' ', '\n', '\0', '\x80', '*'};
  size_t where[] = {3, (size_t)(d1 - t) + 3, (size_t)(d2 - t) + 3};
  for (size_t w = 0; w < 3; w++)
    for (size_t b = 0; b < sizeof bad; b++) {
      s = patched(t, where[w], bad[b]);
      lr_principal_unref(expect(s, n, LR_ID_MALFORMED));
      free(s);
    }
  snprintf(mix, sizeof mix, "%s==", t); /* padded signature */
  expect_str(mix, LR_ID_MALFORMED);
  /* empty and huge */
  lr_principal *p = NULL;
  cr_assert_eq(lr_jwt_verify(F.v, "", 0, &p, NULL), LR_ID_MISSING);
  size_t big = 20000;
  char *huge = malloc(big + 1);
  memset(huge, 'A', big);
  huge[100] = '.', huge[200] = '.', huge[big] = 0;
  expect(huge, big, LR_ID_MALFORMED);
  free(huge);
  expect_str("..", LR_ID_MALFORMED);
  expect_str("a.b.c", LR_ID_MALFORMED);
  free(t);
}

static void expect_header(const char *hdr, const tk_key *k, const char *alg, lr_id_error want) {
  char *t = tk_sign(k, alg, hdr, payload_std(), false);
  expect_str(t, want);
  free(t);
}

Test(jwt, header_rules) {
  expect_header("{\"alg\":\"ES256\",\"kid\":\"p256\",\"crit\":[\"exp\"],\"exp\":1}", &F.p256,
                "ES256", LR_ID_MALFORMED);
  expect_header("{\"alg\":\"ES256\",\"kid\":\"p256\",\"b64\":false,\"crit\":[\"b64\"]}", &F.p256,
                "ES256", LR_ID_MALFORMED);
  expect_header("{\"alg\":\"ES256\",\"kid\":7}", &F.p256, "ES256", LR_ID_MALFORMED);
  expect_header("{\"alg\":\"ES256\",\"alg\":\"HS256\",\"kid\":\"p256\"}", &F.p256, "ES256",
                LR_ID_MALFORMED); /* duplicate member */
  expect_header("[\"ES256\"]", &F.p256, "ES256", LR_ID_MALFORMED);
  expect_header("{\"kid\":\"p256\"}", &F.p256, "ES256", LR_ID_MALFORMED);
  expect_header("{\"alg\":\"ES256\",\"kid\":\"p256\"", &F.p256, "ES256", LR_ID_MALFORMED);
  /* an embedded jwk/jku is ignored: signed by a foreign key, still refused */
  tk_key other = tk_ec("P-256");
  char *jwk = tk_jwk(&other, NULL, NULL), hdr[1024];
  snprintf(hdr, sizeof hdr, "{\"alg\":\"ES256\",\"jwk\":%s,\"jku\":\"https://evil/jwks\"}", jwk);
  expect_header(hdr, &other, "ES256", LR_ID_BAD_SIGNATURE);
  free(jwk);
  tk_key_free(&other);
  /* payload that is not an object */
  char *t = tk_sign(&F.p256, "ES256", "{\"alg\":\"ES256\"}", "[1,2]", false);
  expect_str(t, LR_ID_MALFORMED);
  free(t);
}

Test(jwt, required_typ) {
  make_verifier(&(lr_jwt_config){.typ = "at+jwt"});
  expect_header("{\"alg\":\"ES256\",\"kid\":\"p256\",\"typ\":\"at+jwt\"}", &F.p256, "ES256",
                LR_ID_OK);
  expect_header("{\"alg\":\"ES256\",\"kid\":\"p256\",\"typ\":\"application/AT+JWT\"}", &F.p256,
                "ES256", LR_ID_OK);
  expect_header("{\"alg\":\"ES256\",\"kid\":\"p256\",\"typ\":\"JWT\"}", &F.p256, "ES256",
                LR_ID_MALFORMED); /* an ID token is not an access token */
  expect_header("{\"alg\":\"ES256\",\"kid\":\"p256\"}", &F.p256, "ES256", LR_ID_MALFORMED);
}

Test(jwt, ecdsa_signature_shapes) {
  char *h = header("ES256", "p256");
  char *t = tk_sign(&F.p256, "ES256", h, payload_std(), true); /* DER instead of R||S */
  expect_str(t, LR_ID_BAD_SIGNATURE);
  free(t);
  /* r = s = 0 ("psychic signature"), and r, s = the all-ones value >= n */
  t = sign(&F.p256, "ES256", "p256", payload_std());
  char *dot = strrchr(t, '.') + 1;
  memset(dot, 'A', strlen(dot) - 2); /* 64 zero bytes: 86 chars, last two "AA" */
  expect_str(t, LR_ID_BAD_SIGNATURE);
  for (char *c = dot; *c; c++) *c = '_';
  dot[strlen(dot) - 1] = 'w'; /* keep the unused bits zero */
  expect_str(t, LR_ID_BAD_SIGNATURE);
  free(t);
  /* ES384 with a 64-byte signature (the ES256 size) */
  free(h);
  h = header("ES384", "p384");
  t = tk_sign(&F.p256, "ES256", h, payload_std(), false);
  expect_str(t, LR_ID_BAD_SIGNATURE);
  free(t);
  free(h);
}

Test(jwt, cache_hit_and_expiry) {
  char pl[256];
  snprintf(pl, sizeof pl, "{\"sub\":\"c\",\"exp\":%lld}", NOW_S + 100);
  char *t = sign(&F.rsa, "RS256", "rsa", pl);
  lr_principal *p1 = expect(t, strlen(t), LR_ID_OK);
  lr_principal *p2 = expect(t, strlen(t), LR_ID_OK);
  cr_assert_eq(p1, p2, "a hit returns the cached principal");
  lr_jwt_cache_stats st;
  lr_jwt_cache_stats_get(F.v, &st);
  cr_assert_eq(st.hits, 1);
  cr_assert_eq(st.misses, 1);
  cr_assert_eq(st.entries, 1);
  /* a token differing only in the last byte is not a hit */
  char *s = patched(t, strlen(t) - 1, t[strlen(t) - 1] == 'A' ? 'Q' : 'A');
  expect_str(s, LR_ID_BAD_SIGNATURE);
  free(s);
  /* still valid 159 s later (exp + 60 s skew), not at 160 s */
  lr_clock_manual_advance(&F.clock, 159LL * 1000000000);
  lr_principal_unref(expect(t, strlen(t), LR_ID_OK));
  lr_clock_manual_advance(&F.clock, 1000000000);
  expect_str(t, LR_ID_EXPIRED);
  lr_jwt_cache_stats_get(F.v, &st);
  cr_assert_eq(st.hits, 2);
  cr_assert_eq(st.expired, 1);
  cr_assert_eq(st.entries, 0);
  /* the principals handed out outlive their cache entry */
  cr_assert_str_eq(p1->uid.id.p, "c");
  lr_principal_unref(p1);
  lr_principal_unref(p2);
  free(t);
}

Test(jwt, cache_is_bounded_lru) {
  make_verifier(&(lr_jwt_config){.cache_entries = 2});
  char *t[3];
  for (int i = 0; i < 3; i++) {
    char pl[128];
    snprintf(pl, sizeof pl, "{\"sub\":\"u%d\",\"exp\":%lld}", i, NOW_S + 100);
    t[i] = sign(&F.ed, "EdDSA", "ed", pl);
  }
  expect_str(t[0], LR_ID_OK);
  expect_str(t[1], LR_ID_OK);
  expect_str(t[0], LR_ID_OK); /* hit: t0 becomes most recent */
  expect_str(t[2], LR_ID_OK); /* evicts t1 */
  lr_jwt_cache_stats st;
  lr_jwt_cache_stats_get(F.v, &st);
  cr_assert_eq(st.entries, 2);
  cr_assert_eq(st.evictions, 1);
  cr_assert_eq(st.hits, 1);
  expect_str(t[0], LR_ID_OK); /* still cached */
  lr_jwt_cache_stats_get(F.v, &st);
  cr_assert_eq(st.hits, 2);
  expect_str(t[1], LR_ID_OK); /* re-verified */
  lr_jwt_cache_stats_get(F.v, &st);
  cr_assert_eq(st.hits, 2);
  cr_assert_eq(st.evictions, 2);
  for (int i = 0; i < 3; i++) free(t[i]);
  /* no cache at all */
  make_verifier(&(lr_jwt_config){.cache_entries = SIZE_MAX});
  char *u = sign(&F.ed, "EdDSA", "ed", payload_std());
  expect_str(u, LR_ID_OK);
  expect_str(u, LR_ID_OK);
  lr_jwt_cache_stats_get(F.v, &st);
  cr_assert_eq(st.hits, 0);
  cr_assert_eq(st.misses, 2);
  free(u);
}

Test(jwt, key_swap_invalidates_cache) {
  char *t = sign(&F.rsa, "RS256", "rsa", payload_std());
  expect_str(t, LR_ID_OK);
  expect_str(t, LR_ID_OK);
  /* rotate to a set without the RSA key: the cached token must fail */
  char *jwk = tk_jwk(&F.p256, "p256", NULL), *doc = tk_jwks(1, jwk);
  lr_jwks_slot_swap(F.slot, lr_jwks_parse(doc, strlen(doc), "rotated", 0, NULL));
  expect_str(t, LR_ID_UNKNOWN_KID);
  free(jwk);
  free(doc);
  free(t);
}

Test(jwt, base64url_strictness) {
  unsigned char out[16];
  size_t n;
  cr_assert_eq(lr_b64url_decode("QQ", 2, out, &n), LR_OK);
  cr_assert_eq(n, 1);
  cr_assert_eq(out[0], 'A');
  cr_assert_eq(lr_b64url_decode("QR", 2, out, &n), LR_ERR); /* unused bits set */
  cr_assert_eq(lr_b64url_decode("QUI", 3, out, &n), LR_OK);
  cr_assert_eq(lr_b64url_decode("QUJ", 3, out, &n), LR_ERR);
  cr_assert_eq(lr_b64url_decode("QUJD", 4, out, &n), LR_OK);
  cr_assert_eq(memcmp(out, "ABC", 3), 0);
  cr_assert_eq(lr_b64url_decode("Q", 1, out, &n), LR_ERR);
  cr_assert_eq(lr_b64url_decode("QQ==", 4, out, &n), LR_ERR);
  cr_assert_eq(lr_b64url_decode("-_-_", 4, out, &n), LR_OK);
  cr_assert_eq(out[0], 0xfb);
  cr_assert_eq(lr_b64url_decode("+/+/", 4, out, &n), LR_ERR);
  cr_assert_eq(lr_b64url_decode("", 0, out, &n), LR_OK);
  cr_assert_eq(n, 0);
}

typedef struct shared_run {
  char **toks;
  int ntoks, passes, offset;
  int wrong;
} shared_run;

static void *verify_many(void *arg) {
  shared_run *r = arg;
  for (int pass = 0; pass < r->passes; pass++)
    for (int i = 0; i < r->ntoks; i++) {
      int k = (i + r->offset) % r->ntoks;
      lr_principal *p = NULL;
      char want[16];
      snprintf(want, sizeof want, "t%d", k);
      if (lr_jwt_verify(F.v, r->toks[k], strlen(r->toks[k]), &p, NULL) != LR_ID_OK ||
          strcmp(p->uid.id.p, want) != 0)
        r->wrong++;
      lr_principal_unref(p);
    }
  return NULL;
}

/* Two worker threads share one verifier (sharded cache, evicting): every
 * answer stays right and the counters add up. */
Test(jwt, shared_by_threads) {
  make_verifier(&(lr_jwt_config){.cache_entries = 1024});
  enum { N = 1500 };
  char **toks = malloc(N * sizeof *toks);
  for (int i = 0; i < N; i++) {
    char pl[96];
    snprintf(pl, sizeof pl, "{\"sub\":\"t%d\",\"exp\":%lld}", i, NOW_S + 100);
    toks[i] = sign(&F.hs, "HS256", "hs", pl);
  }
  shared_run a = {toks, N, 3, 0, 0}, b = {toks, N, 3, N / 2, 0};
  pthread_t t;
  cr_assert_eq(pthread_create(&t, NULL, verify_many, &a), 0);
  verify_many(&b);
  pthread_join(t, NULL);
  cr_assert_eq(a.wrong + b.wrong, 0);
  lr_jwt_cache_stats st;
  lr_jwt_cache_stats_get(F.v, &st);
  cr_assert_eq(st.hits + st.misses, 2 * 3 * N);
  cr_assert_leq(st.entries, 1024);
  cr_assert_gt(st.evictions, 0);
  for (int i = 0; i < N; i++) free(toks[i]);
  free(toks);
}

Test(jwt, limits_and_names) {
  /* the size cap is exact */
  char *t = sign(&F.ed, "EdDSA", "ed", payload_std());
  size_t n = strlen(t);
  make_verifier(&(lr_jwt_config){.max_token = n});
  expect_str(t, LR_ID_OK);
  make_verifier(&(lr_jwt_config){.max_token = n - 1});
  expect_str(t, LR_ID_MALFORMED);
  free(t);
  /* at most 256 parents, however many roles a token lists */
  lr_buf pl = {0};
  lr_buf_printf(&pl, "{\"sub\":\"r\",\"exp\":%lld,\"roles\":[", NOW_S + 60);
  for (int i = 0; i < 300; i++) lr_buf_printf(&pl, "%s\"r%d\"", i ? "," : "", i);
  lr_buf_puts(&pl, "]}");
  make_verifier(NULL);
  t = sign(&F.ed, "EdDSA", "ed", pl.p);
  lr_principal *p = expect(t, strlen(t), LR_ID_OK);
  cr_assert_eq(p->nparents, 256);
  cr_assert_str_eq(p->parents[255].id.p, "r255");
  lr_principal_unref(p);
  free(t);
  lr_buf_free(&pl);
  /* algorithm names round-trip; case matters; none is unknown */
  for (int a = 1; a < LR_JWT_ALG_COUNT; a++) {
    const char *name = lr_jwt_alg_name((lr_jwt_alg)a);
    cr_assert_eq(lr_jwt_alg_from_name(name, strlen(name)), (lr_jwt_alg)a);
  }
  cr_assert_eq(lr_jwt_alg_from_name("rs256", 5), 0);
  cr_assert_eq(lr_jwt_alg_from_name("none", 4), 0);
  cr_assert_eq(lr_jwt_alg_from_name("RS2560", 6), 0);
  cr_assert_eq(lr_jwt_alg_from_name("RS25", 4), 0);
}
