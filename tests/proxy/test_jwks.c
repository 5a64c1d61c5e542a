/*
 * test_jwks.c — proxy/jwks.c: key types, bad keys reported with their JSON
 * path (skipped or fatal), document errors, the swappable slot.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "identity.h"
#include "jose.h"
#include "jwt_testkit.h"

/* Returns jwk (JSON text, consumed) with member set to the JSON value
 * text val (or removed when val is NULL). */
static char *mutate(char *jwk, const char *member, const char *val) {
  json_t *o = json_loads(jwk, 0, NULL);
  cr_assert_not_null(o);
  if (val)
    json_object_set_new(o, member, json_loads(val, JSON_DECODE_ANY, NULL));
  else
    json_object_del(o, member);
  free(jwk);
  char *s = json_dumps(o, JSON_COMPACT);
  json_decref(o);
  return s;
}

static lr_jwks *parse(const char *doc, unsigned flags, lr_diags *d) {
  return lr_jwks_parse(doc, strlen(doc), "keys.json", flags, d);
}

static char *render(const lr_diags *d) {
  lr_buf b = {0};
  lr_diags_render_short(d, &b);
  return b.p ? b.p : strdup("");
}

Test(jwks, every_key_type) {
  tk_key rsa = tk_rsa(2048), p256 = tk_ec("P-256"), p384 = tk_ec("P-384"), p521 = tk_ec("P-521"),
         ed = tk_ed25519(), hs = tk_hmac(32);
  char *j[6] = {tk_jwk(&rsa, "a", "PS256"), tk_jwk(&p256, "b", NULL), tk_jwk(&p384, "c", NULL),
                tk_jwk(&p521, "d", NULL),   tk_jwk(&ed, NULL, NULL),  tk_jwk(&hs, "f", "HS256")};
  j[1] = mutate(j[1], "use", "\"sig\"");
  j[2] = mutate(j[2], "key_ops", "[\"verify\"]");
  char *doc = tk_jwks(6, j[0], j[1], j[2], j[3], j[4], j[5]);
  lr_diags d = {0};
  lr_jwks *k = parse(doc, LR_JWKS_STRICT, &d);
  cr_assert_not_null(k);
  cr_assert_eq(d.n, 0);
  cr_assert_eq(lr_jwks_count(k), 6);
  /* which key verifies which algorithm */
  cr_assert(lr_jwk_allows(&k->keys[0], LR_JWT_PS256));
  cr_assert_not(lr_jwk_allows(&k->keys[0], LR_JWT_RS256)); /* alg pinned to PS256 */
  cr_assert(lr_jwk_allows(&k->keys[1], LR_JWT_ES256));
  cr_assert_not(lr_jwk_allows(&k->keys[1], LR_JWT_ES384));
  cr_assert_not(lr_jwk_allows(&k->keys[1], LR_JWT_HS256));
  cr_assert(lr_jwk_allows(&k->keys[2], LR_JWT_ES384));
  cr_assert(lr_jwk_allows(&k->keys[3], LR_JWT_ES512));
  cr_assert(lr_jwk_allows(&k->keys[4], LR_JWT_EDDSA));
  cr_assert_null(k->keys[4].kid);
  cr_assert(lr_jwk_allows(&k->keys[5], LR_JWT_HS256));
  cr_assert_not(lr_jwk_allows(&k->keys[5], LR_JWT_HS384)); /* 32-byte secret, pinned */
  cr_assert_str_eq(k->keys[5].kid, "f");
  lr_jwks_unref(k);
  /* a bare JWK is a set of one */
  k = parse(j[4], 0, &d);
  cr_assert_not_null(k);
  cr_assert_eq(lr_jwks_count(k), 1);
  lr_jwks_unref(k);
  for (int i = 0; i < 6; i++) free(j[i]);
  free(doc);
  lr_diags_free(&d);
  tk_key *ks[] = {&rsa, &p256, &p384, &p521, &ed, &hs};
  for (int i = 0; i < 6; i++) tk_key_free(ks[i]);
}

Test(jwks, bad_keys_reported_with_path) {
  tk_key rsa = tk_rsa(2048), small = tk_rsa(1024), ec = tk_ec("P-256"), ed = tk_ed25519(),
         hs = tk_hmac(16);
  char *good = tk_jwk(&rsa, "good", NULL);
  char *ecj = tk_jwk(&ec, "e", NULL);
  json_t *eco = json_loads(ecj, 0, NULL);
  char xq[128];
  snprintf(xq, sizeof xq, "\"%s\"", json_string_value(json_object_get(eco, "x")));
  json_decref(eco);
  struct {
    char *jwk;
    const char *path;
  } bad[] = {
      {mutate(tk_jwk(&rsa, "x", NULL), "n", "\"ab+c\""), "keys[1].n"},
      {mutate(strdup(ecj), "y", xq), "keys[2].x"}, /* y := x: not on the curve */
      {mutate(strdup(ecj), "x", "\"AAAA\""), "keys[3].x"},
      {tk_jwk(&hs, "short", NULL), "keys[4].k"},
      {mutate(tk_jwk(&rsa, "enc", NULL), "use", "\"enc\""), "keys[5].use"},
      {mutate(tk_jwk(&rsa, "t", NULL), "kty", "\"RSA-PSS\""), "keys[6].kty"},
      {mutate(tk_jwk(&ed, "x448", NULL), "crv", "\"Ed448\""), "keys[7].crv"},
      {tk_jwk(&small, "small", NULL), "keys[8].n"},
      {tk_jwk(&rsa, "mix", "ES256"), "keys[9].alg"},
      {mutate(tk_jwk(&rsa, "ops", NULL), "key_ops", "[\"encrypt\"]"), "keys[10].key_ops"},
      {strdup("42"), "keys[11] is not an object"},
      {mutate(tk_jwk(&rsa, "nokty", NULL), "kty", NULL), "keys[12].kty"},
      {mutate(tk_jwk(&rsa, NULL, NULL), "kid", "5"), "keys[13].kid"},
      {mutate(tk_jwk(&rsa, "even", NULL), "e", "\"AQAA\""), "keys[14].e"},
      {mutate(tk_jwk(&rsa, "none", "RS256"), "alg", "\"none\""), "keys[15].alg"},
      {mutate(tk_jwk(&rsa, "ne", NULL), "n", "\"\""), "keys[16].n"},
  };
  size_t nbad = sizeof bad / sizeof bad[0];
  size_t len = strlen(good) + 32;
  for (size_t i = 0; i < nbad; i++) len += strlen(bad[i].jwk) + 1;
  char *doc = malloc(len);
  strcpy(doc, "{\"keys\":[");
  strcat(doc, good);
  for (size_t i = 0; i < nbad; i++) strcat(strcat(doc, ","), bad[i].jwk);
  strcat(doc, "]}");

  lr_diags d = {0};
  lr_jwks *k = parse(doc, 0, &d);
  cr_assert_not_null(k);
  cr_assert_eq(lr_jwks_count(k), 1);
  cr_assert_str_eq(k->keys[0].kid, "good");
  cr_assert_eq(d.errors, 0);
  cr_assert_eq(d.n, nbad);
  char *text = render(&d);
  for (size_t i = 0; i < nbad; i++) {
    cr_assert_eq(d.items[i].sev, LR_SEV_WARNING);
    cr_assert_str_eq(d.items[i].code, "I0103");
    cr_assert(strstr(d.items[i].msg, bad[i].path), "diag %zu: %s (wanted %s)", i, d.items[i].msg,
              bad[i].path);
    cr_assert(strstr(d.items[i].msg, "keys.json: "));
    cr_assert(strstr(d.items[i].msg, "skipped"));
  }
  free(text);
  lr_jwks_unref(k);
  lr_diags_free(&d);

  /* strict: the same document fails, every bad key an error */
  memset(&d, 0, sizeof d);
  cr_assert_null(parse(doc, LR_JWKS_STRICT, &d));
  cr_assert_eq(d.errors, nbad);
  lr_diags_free(&d);

  for (size_t i = 0; i < nbad; i++) free(bad[i].jwk);
  free(doc);
  free(good);
  free(ecj);
  tk_key *ks[] = {&rsa, &small, &ec, &ed, &hs};
  for (int i = 0; i < 5; i++) tk_key_free(ks[i]);
}

static void expect_doc_error(const char *doc, const char *code, const char *text) {
  lr_diags d = {0};
  cr_assert_null(parse(doc, 0, &d), "%s", doc);
  cr_assert_geq(d.errors, 1);
  bool found = false;
  for (size_t i = 0; i < d.n; i++)
    found |= strcmp(d.items[i].code, code) == 0 && strstr(d.items[i].msg, text) != NULL;
  char *r = render(&d);
  cr_assert(found, "%s: wanted %s '%s' in:\n%s", doc, code, text, r);
  free(r);
  lr_diags_free(&d);
}

Test(jwks, document_errors) {
  expect_doc_error("{\"keys\": [\n  {\"kty\": \"oct\",,}]}", "I0101", "keys.json:2:");
  expect_doc_error("", "I0101", "keys.json:");
  expect_doc_error("{\"keys\": {}}", "I0102", "\"keys\" array");
  expect_doc_error("[]", "I0102", "\"keys\" array");
  expect_doc_error("{\"keys\": []}", "I0104", "no usable key");
  expect_doc_error("{\"keys\": [{\"kty\": \"oct\", \"k\": \"c2hvcnQ\"}]}", "I0104",
                   "no usable key");
  expect_doc_error("{\"keys\": [], \"keys\": []}", "I0101", "duplicate");
  lr_diags d = {0};
  cr_assert_null(lr_jwks_load("/nonexistent/jwks.json", 0, &d));
  cr_assert_str_eq(d.items[0].code, "I0105");
  lr_diags_free(&d);
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  cr_assert_not_null(f);
  cr_assert_eq(fwrite(text, 1, strlen(text), f), strlen(text));
  fclose(f);
}

Test(jwks, load_and_reload_from_file) {
  tk_key ed = tk_ed25519(), hs = tk_hmac(32);
  char *j1 = tk_jwk(&ed, "k1", NULL), *j2 = tk_jwk(&hs, "k2", NULL);
  char *one = tk_jwks(1, j1), *two = tk_jwks(2, j1, j2);
  char path[] = "/tmp/larch-jwks-XXXXXX";
  int fd = mkstemp(path);
  cr_assert_geq(fd, 0);
  close(fd);
  write_file(path, one);
  lr_diags d = {0};
  lr_jwks *k = lr_jwks_load(path, 0, &d);
  cr_assert_not_null(k);
  cr_assert_eq(lr_jwks_count(k), 1);
  lr_jwks_slot *s = lr_jwks_slot_new(k);
  uint64_t g = lr_jwks_slot_generation(s);
  /* a good file swaps */
  write_file(path, two);
  cr_assert_eq(lr_jwks_slot_reload(s, path, 0, &d), LR_OK);
  cr_assert_gt(lr_jwks_slot_generation(s), g);
  k = lr_jwks_slot_get(s);
  cr_assert_eq(lr_jwks_count(k), 2);
  lr_jwks_unref(k);
  /* a broken file leaves the running set in force */
  g = lr_jwks_slot_generation(s);
  write_file(path, "{\"keys\": [");
  cr_assert_eq(lr_jwks_slot_reload(s, path, 0, &d), LR_ERR);
  cr_assert_eq(lr_jwks_slot_generation(s), g);
  k = lr_jwks_slot_get(s);
  cr_assert_eq(lr_jwks_count(k), 2);
  lr_jwks_unref(k);
  cr_assert_geq(d.errors, 1);
  unlink(path);
  lr_jwks_slot_free(s);
  lr_diags_free(&d);
  free(j1);
  free(j2);
  free(one);
  free(two);
  tk_key_free(&ed);
}

Test(jwks, slot_swaps_and_keeps_held_sets_alive) {
  tk_key a = tk_hmac(32), b = tk_hmac(48);
  char *ja = tk_jwk(&a, "a", NULL), *jb = tk_jwk(&b, "b", NULL);
  char *d1 = tk_jwks(1, ja), *d2 = tk_jwks(2, ja, jb);
  lr_jwks_slot *s = lr_jwks_slot_new(parse(d1, 0, NULL));
  uint64_t g1 = lr_jwks_slot_generation(s);
  lr_jwks *held = lr_jwks_slot_get(s);
  cr_assert_eq(lr_jwks_count(held), 1);
  lr_jwks_slot_swap(s, parse(d2, 0, NULL));
  cr_assert_gt(lr_jwks_slot_generation(s), g1);
  lr_jwks *now = lr_jwks_slot_get(s);
  cr_assert_eq(lr_jwks_count(now), 2);
  /* the held set is still intact after the swap dropped the slot's ref */
  cr_assert_str_eq(held->keys[0].kid, "a");
  cr_assert_eq(held->keys[0].secret_len, 32);
  lr_jwks_unref(held);
  lr_jwks_unref(now);
  lr_jwks_slot_swap(s, NULL);
  cr_assert_null(lr_jwks_slot_get(s));
  lr_jwks_slot_free(s);
  free(ja);
  free(jb);
  free(d1);
  free(d2);
}

typedef struct race {
  lr_jwks_slot *slot;
  lr_jwks *sets[2];
  int rounds;
  size_t seen[3];
} race;

static void *swapper(void *arg) {
  race *r = arg;
  for (int i = 0; i < r->rounds; i++) lr_jwks_slot_swap(r->slot, lr_jwks_ref(r->sets[i & 1]));
  return NULL;
}

/* Readers take references while another thread swaps: every reference
 * must stay a whole set (ASan would flag a set freed under a reader). */
Test(jwks, slot_swaps_race_with_readers) {
  tk_key a = tk_hmac(32), b = tk_hmac(32);
  char *ja = tk_jwk(&a, "a", NULL), *jb = tk_jwk(&b, "b", NULL);
  char *d1 = tk_jwks(1, ja), *d2 = tk_jwks(2, ja, jb);
  race r = {.rounds = 20000};
  r.sets[0] = parse(d1, 0, NULL);
  r.sets[1] = parse(d2, 0, NULL);
  r.slot = lr_jwks_slot_new(lr_jwks_ref(r.sets[0]));
  pthread_t t;
  cr_assert_eq(pthread_create(&t, NULL, swapper, &r), 0);
  for (int i = 0; i < r.rounds; i++) {
    lr_jwks *k = lr_jwks_slot_get(r.slot);
    size_t n = lr_jwks_count(k);
    cr_assert(n == 1 || n == 2);
    cr_assert_str_eq(k->keys[0].kid, "a");
    r.seen[n]++;
    lr_jwks_unref(k);
  }
  pthread_join(t, NULL);
  lr_jwks_slot_free(r.slot);
  /* only our two references remain */
  cr_assert_eq(atomic_load(&r.sets[0]->refs), 1);
  cr_assert_eq(atomic_load(&r.sets[1]->refs), 1);
  lr_jwks_unref(r.sets[0]);
  lr_jwks_unref(r.sets[1]);
  free(ja);
  free(jb);
  free(d1);
  free(d2);
}
