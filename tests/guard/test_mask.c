/*
 * test_mask.c — masking styles (guard/mask.c): label, partial, hash; JSON
 * masking keeps valid JSON with the same structure; masked output is never
 * detected again.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

#include "guard.h"

static const char *text =
    "mail jane.doe@example.com card 4111 1111 1111 1111 ssn 219-09-9998 phone +1 415 555 2671 "
    "iban DE89 3704 0044 0532 0130 00 key AKIACAIOCTIQ3HGETMYQ "
    "gh 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 password=Tr0ub4dor&3xyz ip 10.1.2.3";

static char *mask(lr_pii_style st, const char *t, lr_pii_counts *c) {
  lr_pii_masker *m = lr_pii_masker_new("k1", 2);
  lr_pii_masker_set(m, LR_PII_ALL, st);
  lr_buf out = {0};
  lr_pii_mask_text(m, t, strlen(t), &out, c);
  lr_pii_masker_free(m);
  return out.p;
}

Test(mask, label) {
  lr_pii_counts c = {0};
  char *o = mask(LR_PII_STYLE_LABEL, text, &c);
  cr_expect_str_eq(o,
                   "mail [EMAIL] card [CREDIT_CARD] ssn [US_SSN] phone [PHONE] iban [IBAN] key "
                   "[AWS_ACCESS_KEY] gh [GITHUB_TOKEN] password=[GENERIC_SECRET] ip [IP_ADDRESS]");
  cr_expect_eq(c.n[LR_PII_EMAIL], 1);
  cr_expect_eq(c.n[LR_PII_CREDIT_CARD], 1);
  free(o);
}

Test(mask, partial) {
  char *o = mask(LR_PII_STYLE_PARTIAL, text, NULL);
  cr_expect_str_eq(
      o, "mail ****@example.com card ****1111 ssn ***-**-9998 phone ****2671 iban ****3000 "
         "key AKIA**** gh ghp_**** password=**** ip *.*.*.3");
  free(o);
}

Test(mask, hash_is_stable_and_keyed) {
  char *a = mask(LR_PII_STYLE_HASH, "a jane.doe@example.com b jane.doe@example.com", NULL);
  cr_expect(strstr(a, "[EMAIL:") != NULL);
  const char *p1 = strstr(a, "[EMAIL:"), *p2 = strstr(p1 + 1, "[EMAIL:");
  cr_assert(p2);
  cr_expect_eq(strncmp(p1, p2, 20), 0);
  lr_pii_masker *m = lr_pii_masker_new("other", 5);
  lr_pii_masker_set(m, LR_PII_ALL, LR_PII_STYLE_HASH);
  lr_buf out = {0};
  lr_pii_mask_text(m, "jane.doe@example.com", 20, &out, NULL);
  cr_expect_neq(strncmp(out.p, p1, 20), 0);
  lr_buf_free(&out);
  lr_pii_masker_free(m);
  free(a);
}

Test(mask, masked_output_is_clean) {
  for (lr_pii_style st = LR_PII_STYLE_LABEL; st <= LR_PII_STYLE_HASH; st++) {
    char *o = mask(st, text, NULL);
    lr_pii_spans sp = {0};
    lr_pii_scan_text(o, strlen(o), LR_PII_ALL, &sp);
    cr_expect_eq(sp.n, 0, "style %d: %s", st, o);
    lr_pii_spans_free(&sp);
    free(o);
  }
}

Test(mask, only_configured_types) {
  lr_pii_masker *m = lr_pii_masker_new(NULL, 0);
  lr_pii_masker_set(m, LR_PII_BIT(LR_PII_EMAIL), LR_PII_STYLE_LABEL);
  cr_expect_eq(lr_pii_masker_types(m), LR_PII_BIT(LR_PII_EMAIL));
  lr_buf out = {0};
  const char *t = "a@corp.io 4111111111111111";
  lr_pii_mask_text(m, t, strlen(t), &out, NULL);
  cr_expect_str_eq(out.p, "[EMAIL] 4111111111111111");
  lr_buf_free(&out);
  lr_pii_masker_free(m);
}

/* Same shape: same types, keys, array lengths; strings may differ, and a
 * number holding a card/phone may have become a masked string. */
static bool same_shape(json_t *a, json_t *b) {
  if (json_is_number(a) && json_is_string(b)) return true; /* a masked number literal */
  if (json_typeof(a) != json_typeof(b)) return false;
  if (json_is_object(a)) {
    if (json_object_size(a) != json_object_size(b)) return false;
    const char *k;
    json_t *v;
    json_object_foreach(a, k, v) {
      json_t *w = json_object_get(b, k);
      if (!w || !same_shape(v, w)) return false;
    }
  } else if (json_is_array(a)) {
    if (json_array_size(a) != json_array_size(b)) return false;
    for (size_t i = 0; i < json_array_size(a); i++)
      if (!same_shape(json_array_get(a, i), json_array_get(b, i))) return false;
  } else if (!json_is_string(a)) {
    return json_equal(a, b);
  }
  return true;
}

Test(mask, json_round_trip) {
  const char *bodies[] = {
      "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"content\":[{\"type\":\"text\",\"text\":"
      "\"Customer: jane.doe@example.com\\nCard: 4111 1111 1111 1111\\nKey:\\n-----BEGIN PRIVATE "
      "KEY-----\\n"
      "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/"
      "IzW7yWR7QkrmBL\\n"
      "-----END PRIVATE KEY-----\"}],\"isError\":false}}",
      "{\"args\":\"{\\\"email\\\":\\\"bob@corp.io\\\",\\\"n\\\":[1,2,{\\\"ssn\\\":\\\"219-09-"
      "9998\\\"}]}\"}",
      "{\"card\":4111111111111111,\"n\":-5105105105105100}",
      "[\"\\u006aane@example.com\",\"\\ud83d\\ude00 +44 20 7946 "
      "0958\",{\"password\":\"Tr0ub4dor&3xyz\"}]",
  };
  for (lr_pii_style st = LR_PII_STYLE_LABEL; st <= LR_PII_STYLE_HASH; st++)
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
      lr_pii_masker *m = lr_pii_masker_new("k", 1);
      lr_pii_masker_set(m, LR_PII_DEFAULT, st);
      lr_buf out = {0};
      lr_pii_counts c = {0};
      cr_assert_eq(lr_pii_mask_json(m, bodies[i], strlen(bodies[i]), &out, &c), LR_OK);
      json_error_t e;
      json_t *a = json_loads(bodies[i], 0, &e), *b = json_loads(out.p, 0, &e);
      cr_assert(a && b, "masked body is not JSON: %s", out.p);
      cr_expect(same_shape(a, b), "structure changed: %s", out.p);
      /* nested JSON strings stay JSON */
      if (i == 1) {
        json_t *inner = json_loads(json_string_value(json_object_get(b, "args")), 0, &e);
        cr_expect(inner != NULL);
        json_decref(inner);
      }
      unsigned total = 0;
      for (int t = 0; t < LR_PII__COUNT; t++) total += c.n[t];
      cr_expect_geq(total, 2, "%s", out.p);
      lr_pii_spans sp = {0};
      lr_pii_scan_json(out.p, out.len, LR_PII_DEFAULT, &sp);
      cr_expect_eq(sp.n, 0, "still found something in %s", out.p);
      lr_pii_spans_free(&sp);
      json_decref(a);
      json_decref(b);
      lr_buf_free(&out);
      lr_pii_masker_free(m);
    }
}

Test(mask, style_names) {
  lr_pii_style s;
  cr_expect(lr_pii_style_parse(LR_STR("partial"), &s) && s == LR_PII_STYLE_PARTIAL);
  cr_expect(!lr_pii_style_parse(LR_STR("blur"), &s));
}
