/*
 * test_json.c — JSON-aware scanning (guard/json.c): unescaping, JSON in
 * strings, member keys, raw offsets, invalid bodies.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "guard.h"

static bool has(const lr_pii_spans *sp, const char *body, lr_pii_type t, const char *raw) {
  const char *v = strstr(body, raw);
  if (!v) return false;
  size_t s = (size_t)(v - body), e = s + strlen(raw);
  for (size_t i = 0; i < sp->n; i++)
    if (sp->items[i].type == t && sp->items[i].start == s && sp->items[i].end == e) return true;
  return false;
}

Test(json, escapes_map_to_raw_offsets) {
  const char *b =
      "{\"msg\":\"line1\\nmail jane\\u002edoe@example.com\\tend\",\"k\":[1,2.5e3,true,null]}";
  lr_pii_spans sp = {0};
  cr_assert_eq(lr_pii_scan_json(b, strlen(b), LR_PII_ALL, &sp), LR_OK);
  cr_expect(has(&sp, b, LR_PII_EMAIL, "jane\\u002edoe@example.com"));
  cr_expect_eq(sp.n, 1);
  lr_pii_spans_free(&sp);
}

Test(json, slash_and_quote_escapes) {
  const char *b = "{\"u\":\"see https:\\/\\/x.io \\\"bob@corp.io\\\"\"}";
  lr_pii_spans sp = {0};
  cr_assert_eq(lr_pii_scan_json(b, strlen(b), LR_PII_ALL, &sp), LR_OK);
  cr_expect(has(&sp, b, LR_PII_EMAIL, "bob@corp.io"));
  lr_pii_spans_free(&sp);
}

Test(json, surrogate_pairs_are_boundaries) {
  const char *b = "[\"\\ud83d\\udd11ana@corp.io\\u00e9\"]";
  lr_pii_spans sp = {0};
  cr_assert_eq(lr_pii_scan_json(b, strlen(b), LR_PII_ALL, &sp), LR_OK);
  cr_expect(has(&sp, b, LR_PII_EMAIL, "ana@corp.io"));
  lr_pii_spans_free(&sp);
}

Test(json, nested_json_strings) {
  /* OpenAI function.arguments holds JSON; MCP content[].text too, twice escaped */
  const char *b =
      "{\"tool_calls\":[{\"function\":{\"name\":\"send\",\"arguments\":"
      "\"{\\\"to\\\":\\\"max@firma.de\\\",\\\"password\\\":\\\"Qz8!mK2#pL9x\\\"}\"}}],"
      "\"content\":[{\"type\":\"text\",\"text\":\"{\\\"inner\\\":\\\"{\\\\\\\"card\\\\\\\":"
      "\\\\\\\"4111111111111111\\\\\\\"}\\\"}\"}]}";
  lr_pii_spans sp = {0};
  cr_assert_eq(lr_pii_scan_json(b, strlen(b), LR_PII_ALL, &sp), LR_OK);
  cr_expect(has(&sp, b, LR_PII_EMAIL, "max@firma.de"));
  cr_expect(has(&sp, b, LR_PII_GENERIC_SECRET, "Qz8!mK2#pL9x"));
  cr_expect(has(&sp, b, LR_PII_CREDIT_CARD, "4111111111111111"));
  cr_expect_eq(sp.n, 3);
  lr_pii_spans_free(&sp);
}

Test(json, member_keys_give_context) {
  const char *b = "{\"headers\":{\"Authorization\":\"Bearer 9f8e7d6c5b4a39281706fAbCdEf\"},"
                  "\"db\":{\"password\":\"hunter2-Xy9z\"},\"token_type\":\"Bearer\","
                  "\"max_tokens\":1024,\"secret_name\":\"prod-db-Credentials9\"}";
  lr_pii_spans sp = {0};
  cr_assert_eq(lr_pii_scan_json(b, strlen(b), LR_PII_ALL, &sp), LR_OK);
  cr_expect(has(&sp, b, LR_PII_GENERIC_SECRET, "9f8e7d6c5b4a39281706fAbCdEf"));
  cr_expect(has(&sp, b, LR_PII_GENERIC_SECRET, "hunter2-Xy9z"));
  cr_expect_eq(sp.n, 2);
  cr_expect_eq(sp.found, LR_PII_BIT(LR_PII_GENERIC_SECRET));
  lr_pii_spans_free(&sp);
}

/* {"name": "DB_PASSWORD", "value": "…"}: the value member takes the kind
 * of the name just before it (Kubernetes env, SSM parameters, key/value
 * lists), in any letter case, escaped or not, and inside JSON strings too —
 * not across other members, not for name-like names, not for placeholders. */
Test(json, name_value_pairs) {
  const char *b = "{\"env\":[{\"name\":\"DB_PASSWORD\",\"value\":\"Tr0ub4dor&3xyz\"},"
                  "{\"Key\":\"api_key\",\"Value\":\"Zx81mNq4RtY7pL2wQ\"},"
                  "{\"name\":\"token_count\",\"value\":\"Qw7Er9Ty2Ui4Op6As8\"},"
                  "{\"name\":\"SECRET\",\"port\":1,\"value\":\"Lk3Jh5Gf7Ds9Ap1Zx\"},"
                  "{\"name\":\"DB_PASS\",\"value\":\"changeme\"},"
                  "{\"name\":\"ssn\",\"value\":\"512446789\"},"
                  "{\"name\":\"DB\\u005fPASSWORD\",\"value\":\"Mn4Bc6Tg2Fq8Ls9Zk3\"}],"
                  "\"args\":\"{\\\"name\\\":\\\"client_secret\\\",\\\"value\\\":"
                  "\\\"2Fq8Ls9Zk3Xv7Pw1Mn4Bc6Tg\\\"}\"}";
  lr_pii_spans sp = {0};
  cr_assert_eq(lr_pii_scan_json(b, strlen(b), LR_PII_ALL, &sp), LR_OK);
  cr_expect(has(&sp, b, LR_PII_GENERIC_SECRET, "Tr0ub4dor&3xyz"));
  cr_expect(has(&sp, b, LR_PII_GENERIC_SECRET, "Zx81mNq4RtY7pL2wQ"));
  cr_expect(has(&sp, b, LR_PII_GENERIC_SECRET, "2Fq8Ls9Zk3Xv7Pw1Mn4Bc6Tg"));
  /* the name is read as a key wherever one is: unescaped, PII keys too */
  cr_expect(has(&sp, b, LR_PII_US_SSN, "512446789"));
  cr_expect(has(&sp, b, LR_PII_GENERIC_SECRET, "Mn4Bc6Tg2Fq8Ls9Zk3"));
  cr_expect_eq(sp.n, 5);
  lr_pii_spans_free(&sp);
}

Test(json, private_key_in_json) {
  const char *b =
      "{\"key\":\"-----BEGIN RSA PRIVATE "
      "KEY-----\\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0t"
      "RgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL\\n-----END RSA PRIVATE KEY-----\\n\"}";
  lr_pii_spans sp = {0};
  cr_assert_eq(lr_pii_scan_json(b, strlen(b), LR_PII_ALL, &sp), LR_OK);
  cr_assert_eq(sp.n, 1);
  cr_expect_eq(sp.items[0].type, LR_PII_PRIVATE_KEY);
  cr_expect_eq(sp.items[0].start, 8);
  cr_expect_eq(strncmp(b + sp.items[0].end - 5, "-----", 5), 0);
  lr_pii_spans_free(&sp);
}

Test(json, invalid_json_falls_back_to_text) {
  const char *bad[] = {"{\"a\":\"x@corp.io\"", "{\"a\":\"x@corp.io\"}}", "{a:1} x@corp.io",
                       "[\"\\q x@corp.io\"]", "[\"\\ud83d\"] x@corp.io"};
  lr_pii_spans sp = {0};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    lr_status st = lr_pii_scan_json(bad[i], strlen(bad[i]), LR_PII_ALL, &sp);
    if (i < 4) cr_expect_eq(st, LR_ERR, "%s", bad[i]);
    cr_expect_eq(sp.n, 1, "%s", bad[i]);
  }
  lr_pii_spans_free(&sp);
}

Test(json, depth_is_capped) {
  char b[4096];
  size_t n = 0;
  for (int i = 0; i < 1000; i++) b[n++] = '[';
  for (int i = 0; i < 1000; i++) b[n++] = ']';
  lr_pii_spans sp = {0};
  cr_expect_eq(lr_pii_scan_json(b, n, LR_PII_ALL, &sp), LR_ERR);
  lr_pii_spans_free(&sp);
}

/* Every PII key name gets past the cheap ending filter of
 * pii_classify_pii_key (secret.c) in the forms keys take. */
Test(json, pii_key_names) {
  static const char *const phones[] = {
      "phone",     "Phone",       "PHONE_NUMBER",  "mobileNumber", "mobile", "tel",
      "telephone", "fax",         "cell",          "cell_phone",   "msisdn", "whatsapp",
      "phone_no",  "contact-number", "workPhone2", "cellphone",    "Tel",
      "telefon",   "Telefono",    "telefone",      "celular",      "movil",  "Handy"};
  static const char *const ssns[] = {"ssn", "SSN", "social_security_number", "socialSecurity",
                                     "applicant.ssn", "ssn_1"};
  lr_pii_spans sp = {0};
  char b[128];
  for (size_t i = 0; i < sizeof phones / sizeof phones[0]; i++) {
    snprintf(b, sizeof b, "{\"%s\": \"4155552671\"}", phones[i]);
    cr_assert_eq(lr_pii_scan_json(b, strlen(b), LR_PII_ALL, &sp), LR_OK);
    cr_expect(has(&sp, b, LR_PII_PHONE, "4155552671"), "phone key %s", phones[i]);
  }
  for (size_t i = 0; i < sizeof ssns / sizeof ssns[0]; i++) {
    snprintf(b, sizeof b, "{\"%s\": \"536228726\"}", ssns[i]);
    cr_assert_eq(lr_pii_scan_json(b, strlen(b), LR_PII_ALL, &sp), LR_OK);
    cr_expect(has(&sp, b, LR_PII_US_SSN, "536228726"), "ssn key %s", ssns[i]);
  }
  lr_pii_spans_free(&sp);
}

Test(json, keyed_numbers_and_number_literals) {
  const char *b = "{\"phone\":\"4155552671\",\"ssn\":\"536228726\",\"card\":4111111111111111,"
                  "\"mobile\":14155552671,\"order_id\":536228726,\"count\":4155552671}";
  lr_pii_spans sp = {0};
  cr_assert_eq(lr_pii_scan_json(b, strlen(b), LR_PII_ALL, &sp), LR_OK);
  cr_expect(has(&sp, b, LR_PII_PHONE, "4155552671"));
  cr_expect(has(&sp, b, LR_PII_US_SSN, "536228726"));
  cr_expect(has(&sp, b, LR_PII_CREDIT_CARD, "4111111111111111"));
  cr_expect(has(&sp, b, LR_PII_PHONE, "14155552671"));
  cr_expect_eq(sp.n, 4); /* not the order id, not the count */
  /* national numbers under a phone key; a NANP-shaped one keeps the NANP rules */
  const char *c = "{\"phone\":\"608 84 50 89\",\"mobile\":\"123-456-7890\",\"tel\":\"089/2478444\","
                  "\"celular\":\"(11) 98765-4321\",\"fax\":\"(55) 5123-4567\"}";
  cr_assert_eq(lr_pii_scan_json(c, strlen(c), LR_PII_ALL, &sp), LR_OK);
  cr_expect(has(&sp, c, LR_PII_PHONE, "608 84 50 89"));
  cr_expect(has(&sp, c, LR_PII_PHONE, "089/2478444"));
  cr_expect(has(&sp, c, LR_PII_PHONE, "(11) 98765-4321"));
  cr_expect(has(&sp, c, LR_PII_PHONE, "(55) 5123-4567"));
  cr_expect_eq(sp.n, 4);
  lr_pii_spans_free(&sp);
}
