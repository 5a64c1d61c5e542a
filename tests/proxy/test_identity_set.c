/*
 * test_identity_set.c — proxy/identity_set.c: loading the configured
 * files together, resolving, reloading per source (a broken file keeps
 * the running keys), keys fed later through the JWKS slot.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "identity.h"
#include "jwt_testkit.h"

#define NOW_MS 1800000000000LL

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  cr_assert_not_null(f);
  cr_assert_eq(fwrite(text, 1, strlen(text), f), strlen(text));
  fclose(f);
}

static char *keys_doc(const char *key, const char *uid) {
  char hex[65], *doc = malloc(512);
  lr_apikey_hash_hex(key, strlen(key), hex);
  snprintf(doc, 512, "[{\"key_sha256\": \"%s\", \"principal\": \"%s\"}]", hex, uid);
  return doc;
}

/* Resolves an Authorization value (or an X-API-Key) and returns the uid id
 * or the error name. */
static const char *who(lr_identity_set *s, const char *authz, const char *xkey) {
  static char out[64];
  lr_identity_input in = {
      {authz, authz ? strlen(authz) : 0}, {xkey, xkey ? strlen(xkey) : 0}, NULL, NULL};
  lr_principal *p;
  lr_id_error e = lr_identity_set_resolve(s, &in, &p, NULL);
  snprintf(out, sizeof out, "%s", e == LR_ID_OK ? p->uid.id.p : lr_id_error_name(e));
  lr_principal_unref(p);
  return out;
}

Test(identity_set, load_resolve_reload) {
  char dir[] = "/tmp/larch-idset-XXXXXX";
  cr_assert_not_null(mkdtemp(dir));
  char jwks_path[64], keys_path[64];
  snprintf(jwks_path, sizeof jwks_path, "%s/jwks.json", dir);
  snprintf(keys_path, sizeof keys_path, "%s/keys.json", dir);
  tk_key k1 = tk_ed25519(), k2 = tk_ed25519();
  char *j1 = tk_jwk(&k1, "k1", NULL), *j2 = tk_jwk(&k2, "k2", NULL);
  char *d1 = tk_jwks(1, j1), *d2 = tk_jwks(1, j2);
  char *a1 = keys_doc("key-one", "Bot::\\\"one\\\""), *a2 = keys_doc("key-two", "Bot::\\\"two\\\"");
  write_file(jwks_path, d1);
  write_file(keys_path, a1);

  lr_clock_manual clock;
  lr_clock_manual_init(&clock, 0, NOW_MS);
  lr_identity_options o = {
      .jwks_path = jwks_path, .api_keys_path = keys_path, .jwt_config = {.audience = "larch"}};
  lr_diags d = {0};
  lr_identity_set *s = lr_identity_set_load(&o, &clock.clock, &d);
  cr_assert_not_null(s);
  const char *pl = "{\"sub\":\"alice\",\"aud\":\"larch\",\"exp\":1800000600}";
  char *t1 = tk_sign(&k1, "EdDSA", "{\"alg\":\"EdDSA\",\"kid\":\"k1\"}", pl, false);
  char *t2 = tk_sign(&k2, "EdDSA", "{\"alg\":\"EdDSA\",\"kid\":\"k2\"}", pl, false);
  char b1[512], b2[512];
  snprintf(b1, sizeof b1, "Bearer %s", t1);
  snprintf(b2, sizeof b2, "Bearer %s", t2);
  cr_assert_str_eq(who(s, b1, NULL), "alice");
  cr_assert_str_eq(who(s, b2, NULL), "unknown_kid");
  cr_assert_str_eq(who(s, NULL, "key-one"), "one");
  cr_assert_str_eq(who(s, "Bearer key-one", NULL), "one");
  cr_assert_str_eq(who(s, NULL, "key-two"), "unknown_key");
  cr_assert_str_eq(who(s, NULL, NULL), "anonymous");

  /* rotate both files */
  write_file(jwks_path, d2);
  write_file(keys_path, a2);
  cr_assert_eq(lr_identity_set_reload(s, &d), LR_OK);
  cr_assert_str_eq(who(s, b1, NULL), "unknown_kid"); /* cached, but verified under old keys */
  cr_assert_str_eq(who(s, b2, NULL), "alice");
  cr_assert_str_eq(who(s, NULL, "key-one"), "unknown_key");
  cr_assert_str_eq(who(s, NULL, "key-two"), "two");

  /* broken files: reported, and the running keys stay in force */
  write_file(jwks_path, "{\"keys\": [}");
  write_file(keys_path, "[{\"key_sha256\": 1}]");
  size_t before = d.errors;
  cr_assert_eq(lr_identity_set_reload(s, &d), LR_ERR);
  cr_assert_geq(d.errors, before + 2);
  cr_assert_str_eq(who(s, b2, NULL), "alice");
  cr_assert_str_eq(who(s, NULL, "key-two"), "two");
  lr_identity_set_free(s);

  /* a missing file fails the load */
  unlink(jwks_path);
  cr_assert_null(lr_identity_set_load(&o, &clock.clock, &d));
  unlink(keys_path);
  rmdir(dir);

  /* JWT on without a file: no keys until the slot is fed (--jwks-url) */
  lr_identity_options later = {.jwt = true};
  s = lr_identity_set_load(&later, &clock.clock, &d);
  cr_assert_not_null(s);
  cr_assert_str_eq(who(s, b1, NULL), "unknown_kid");
  cr_assert_str_eq(who(s, NULL, "key-one"), "anonymous"); /* API keys not configured */
  lr_jwks_slot_swap(lr_identity_set_jwks(s), lr_jwks_parse(d1, strlen(d1), "url", 0, NULL));
  cr_assert_str_eq(who(s, b1, NULL), "alice");
  lr_identity_set_free(s);

  lr_diags_free(&d);
  free(t1);
  free(t2);
  free(j1);
  free(j2);
  free(d1);
  free(d2);
  free(a1);
  free(a2);
  tk_key_free(&k1);
  tk_key_free(&k2);
}
