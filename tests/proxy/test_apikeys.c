/*
 * test_apikeys.c — proxy/apikeys.c and the uid parsing of principal.c:
 * key hashing, the file format, lookups, errors with their JSON path.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "identity.h"

Test(apikeys, hash_hex_known_vectors) {
  char hex[65];
  /* FIPS 180-2 test vector "abc" and the empty string */
  cr_assert_eq(lr_apikey_hash_hex("abc", 3, hex), LR_OK);
  cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  cr_assert_eq(lr_apikey_hash_hex("", 0, hex), LR_OK);
  cr_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static char *keyfile(void) {
  char h1[65], h2[65], h3[65];
  lr_apikey_hash_hex("sk-bot-123", 10, h1);
  lr_apikey_hash_hex("sk-ci-456", 9, h2);
  lr_apikey_hash_hex("sk-ns-789", 9, h3);
  /* upper-case hex is accepted for the third */
  for (char *p = h3; *p; p++)
    if (*p >= 'a' && *p <= 'f') *p = (char)(*p - 32);
  char *doc = malloc(2048);
  snprintf(doc, 2048,
           "[{\"key_sha256\": \"%s\", \"principal\": \"User::\\\"bot\\\"\",\n"
           "  \"attrs\": {\"team\": \"infra\", \"level\": 3},\n"
           "  \"parents\": [\"Role::\\\"ci\\\"\", {\"type\": \"Team\", \"id\": \"infra\"}]},\n"
           " {\"key_sha256\": \"%s\", \"principal\": {\"type\": \"Service\", \"id\": \"ci\"},"
           "  \"comment\": \"the CI runner\"},\n"
           " {\"key_sha256\": \"%s\", \"principal\": \"Acme::Svc::\\\"a\\\\\\\"b\\\\u{e9}\\\"\"}]",
           h1, h2, h3);
  return doc;
}

Test(apikeys, lookup) {
  char *doc = keyfile();
  lr_diags d = {0};
  lr_apikeys *k = lr_apikeys_parse(doc, strlen(doc), "keys.json", &d);
  lr_buf r = {0};
  lr_diags_render_short(&d, &r);
  cr_assert_not_null(k, "%s", r.p ? r.p : "");
  lr_buf_free(&r);
  cr_assert_eq(lr_apikeys_count(k), 3);

  lr_principal *p = NULL;
  const char *why;
  cr_assert_eq(lr_apikeys_lookup(k, "sk-bot-123", 10, &p, &why), LR_ID_OK);
  cr_assert_eq(p->source, LR_PRINCIPAL_APIKEY);
  cr_assert_str_eq(p->uid.type.p, "User");
  cr_assert_str_eq(p->uid.id.p, "bot");
  cr_assert_str_eq(json_string_value(json_object_get(p->attrs, "team")), "infra");
  cr_assert_eq(json_integer_value(json_object_get(p->attrs, "level")), 3);
  cr_assert_eq(p->nparents, 2);
  cr_assert_str_eq(p->parents[0].type.p, "Role");
  cr_assert_str_eq(p->parents[0].id.p, "ci");
  cr_assert_str_eq(p->parents[1].type.p, "Team");
  cr_assert_str_eq(p->parents[1].id.p, "infra");
  cr_assert_null(p->claims);
  lr_principal_unref(p);

  cr_assert_eq(lr_apikeys_lookup(k, "sk-ci-456", 9, &p, NULL), LR_ID_OK);
  cr_assert_str_eq(p->uid.type.p, "Service");
  cr_assert_null(p->attrs);
  cr_assert_eq(p->nparents, 0);
  lr_principal_unref(p);

  cr_assert_eq(lr_apikeys_lookup(k, "sk-ns-789", 9, &p, NULL), LR_ID_OK);
  cr_assert_str_eq(p->uid.type.p, "Acme::Svc");
  cr_assert_str_eq(p->uid.id.p, "a\"b\xc3\xa9");
  /* the principal outlives the key set */
  lr_apikeys_unref(k);
  cr_assert_str_eq(p->uid.type.p, "Acme::Svc");
  lr_principal_unref(p);

  k = lr_apikeys_parse(doc, strlen(doc), "keys.json", &d);
  cr_assert_eq(lr_apikeys_lookup(k, "sk-bot-12", 9, &p, &why), LR_ID_UNKNOWN_KEY);
  cr_assert_null(p);
  cr_assert_null(strstr(why, "sk-bot"));
  cr_assert_eq(lr_apikeys_lookup(k, "sk-bot-1234", 11, &p, &why), LR_ID_UNKNOWN_KEY);
  cr_assert_eq(lr_apikeys_lookup(k, "SK-BOT-123", 10, &p, &why), LR_ID_UNKNOWN_KEY);
  cr_assert_eq(lr_apikeys_lookup(k, "", 0, &p, &why), LR_ID_MISSING);
  char *huge = calloc(1, 10000);
  memset(huge, 'k', 9999);
  cr_assert_eq(lr_apikeys_lookup(k, huge, 9999, &p, &why), LR_ID_MALFORMED);
  free(huge);
  lr_apikeys_unref(k);
  lr_diags_free(&d);
  free(doc);
}

Test(apikeys, many_keys) {
  /* 300 keys: every one found, neighbours not */
  lr_buf doc = {0};
  lr_buf_puts(&doc, "[");
  for (int i = 0; i < 300; i++) {
    char key[32], hex[65];
    int n = snprintf(key, sizeof key, "key-%d", i);
    lr_apikey_hash_hex(key, (size_t)n, hex);
    lr_buf_printf(&doc, "%s{\"key_sha256\":\"%s\",\"principal\":{\"type\":\"U\",\"id\":\"u%d\"}}",
                  i ? "," : "", hex, i);
  }
  lr_buf_puts(&doc, "]");
  lr_apikeys *k = lr_apikeys_parse(doc.p, doc.len, NULL, NULL);
  cr_assert_not_null(k);
  for (int i = 0; i < 300; i++) {
    char key[32], id[16];
    int n = snprintf(key, sizeof key, "key-%d", i);
    snprintf(id, sizeof id, "u%d", i);
    lr_principal *p;
    cr_assert_eq(lr_apikeys_lookup(k, key, (size_t)n, &p, NULL), LR_ID_OK);
    cr_assert_str_eq(p->uid.id.p, id);
    lr_principal_unref(p);
    n = snprintf(key, sizeof key, "key-%d", i + 300);
    cr_assert_eq(lr_apikeys_lookup(k, key, (size_t)n, &p, NULL), LR_ID_UNKNOWN_KEY);
  }
  lr_apikeys_unref(k);
  lr_buf_free(&doc);
}

static void expect_file_error(const char *doc, const char *text) {
  lr_diags d = {0};
  cr_assert_null(lr_apikeys_parse(doc, strlen(doc), "keys.json", &d), "%s", doc);
  bool found = false;
  for (size_t i = 0; i < d.n; i++) found |= strstr(d.items[i].msg, text) != NULL;
  lr_buf r = {0};
  lr_diags_render_short(&d, &r);
  cr_assert(found, "wanted '%s' in:\n%s", text, r.p ? r.p : "");
  lr_buf_free(&r);
  lr_diags_free(&d);
}

#define H64 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

Test(apikeys, file_errors) {
  expect_file_error("[{\"key_sha256\": 1,}]", "keys.json:1:");
  expect_file_error("{}", "must be a JSON array");
  expect_file_error("[{\"key_sha256\": \"abc\", \"principal\": \"U::\\\"x\\\"\"}]",
                    "[0].key_sha256 is not 64 hex");
  expect_file_error("[{\"key_sha256\": \"" H64 "\"}]", "[0].principal");
  expect_file_error("[{\"key_sha256\": \"" H64 "\", \"principal\": \"bot\"}]", "[0].principal");
  expect_file_error("[{\"key_sha256\": \"" H64
                    "\", \"principal\": \"U::\\\"x\\\"\", \"atrs\": {}}]",
                    "[0].atrs is not a known member");
  expect_file_error("[{\"key_sha256\": \"" H64
                    "\", \"principal\": \"U::\\\"x\\\"\", \"attrs\": 1}]",
                    "[0].attrs");
  expect_file_error("[{\"key_sha256\": \"" H64 "\", \"principal\": \"U::\\\"x\\\"\", "
                    "\"parents\": [\"nope\"]}]",
                    "[0].parents");
  expect_file_error("[{\"key_sha256\": \"" H64 "\", \"principal\": \"U::\\\"x\\\"\"},"
                    " 7, {\"key_sha256\": \"" H64 "\", \"principal\": \"U::\\\"y\\\"\"}]",
                    "[2].key_sha256 is listed twice");
  /* several errors are collected in one pass */
  lr_diags d = {0};
  const char *two = "[{\"principal\": \"U::\\\"x\\\"\"}, 5]";
  cr_assert_null(lr_apikeys_parse(two, strlen(two), "k", &d));
  cr_assert_eq(d.errors, 2);
  lr_diags_free(&d);
  cr_assert_null(lr_apikeys_load("/nonexistent/keys.json", &d));
  cr_assert_str_eq(d.items[0].code, "I0113");
  lr_diags_free(&d);
}

Test(apikeys, uid_literals) {
  struct {
    const char *in, *type, *id;
  } ok[] = {
      {"User::\"bot\"", "User", "bot"},
      {"  A::B::C::\"x y\"  ", "A::B::C", "x y"},
      {"T::\"\"", "T", ""},
      {"T::\"a\\nb\\t\\\\\\'\"", "T", "a\nb\t\\'"},
      {"T::\"\\u{1F600}\"", "T", "\xf0\x9f\x98\x80"},
      {"_t9::\"::\"", "_t9", "::"},
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    lr_uid u;
    cr_assert_eq(lr_uid_parse(ok[i].in, strlen(ok[i].in), &u), LR_OK, "%s", ok[i].in);
    cr_assert_str_eq(u.type.p, ok[i].type);
    cr_assert_str_eq(u.id.p, ok[i].id);
    lr_uid_clear(&u);
  }
  const char *bad[] = {"bot",
                       "User::bot",
                       "User:\"x\"",
                       "::\"x\"",
                       "9A::\"x\"",
                       "A::\"x",
                       "A::\"x\"y",
                       "A::\"\\q\"",
                       "A::\"\\u{110000}\"",
                       "A::\"\\u{}\"",
                       "A::\"\\0\"",
                       "A:: \"x\"",
                       "A::B::",
                       ""};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    lr_uid u = {0};
    cr_assert_eq(lr_uid_parse(bad[i], strlen(bad[i]), &u), LR_ERR, "%s", bad[i]);
  }
  /* formatting reads back */
  const char *ids[] = {"plain",        "q\"uo\\te",         "nl\n\r\ttab",
                       "bell\x07\x7f", "\xc3\xa9t\xc3\xa9", ""};
  for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
    lr_uid u = {LR_STR("Ns::T"), lr_str_c(ids[i])}, back;
    lr_buf b = {0};
    lr_uid_format(&u, &b);
    cr_assert_eq(lr_uid_parse(b.p, b.len, &back), LR_OK, "%s", b.p);
    cr_assert_str_eq(back.type.p, "Ns::T");
    cr_assert_str_eq(back.id.p, ids[i]);
    lr_uid_clear(&back);
    lr_buf_free(&b);
  }
  lr_uid q = {LR_STR("User"), LR_STR("a\"b")};
  lr_buf b = {0};
  lr_uid_format(&q, &b);
  cr_assert_str_eq(b.p, "User::\"a\\\"b\"");
  lr_buf_free(&b);
  /* JSON object form */
  json_t *o = json_pack("{s:s, s:s}", "type", "Ns::T", "id", "i");
  lr_uid u;
  cr_assert_eq(lr_uid_from_json(o, &u), LR_OK);
  cr_assert_str_eq(u.type.p, "Ns::T");
  lr_uid_clear(&u);
  json_decref(o);
  o = json_pack("{s:s, s:s, s:i}", "type", "T", "id", "i", "x", 1);
  cr_assert_eq(lr_uid_from_json(o, &u), LR_ERR);
  json_decref(o);
  o = json_pack("{s:s, s:s}", "type", "T::", "id", "i");
  cr_assert_eq(lr_uid_from_json(o, &u), LR_ERR);
  json_decref(o);
}
