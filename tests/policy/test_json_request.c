/*
 * test_json_request.c — uids, context and request objects in JSON
 * (policy/json_request.c), with schema-based context parsing and request
 * validation.
 */
#include "json_test_util.h"

static const char *schema_text = "entity User;\n"
                                 "entity Doc;\n"
                                 "entity Color enum [\"red\"];\n"
                                 "action view appliesTo { principal: [User], resource: [Doc],\n"
                                 "  context: { ip: ipaddr, level?: Long, c?: Color } };\n";

/* Parses a request line; returns "" and fills *req, or the messages. */
static char *request(lr_arena *a, const char *text, const lr_schema *s, lr_request *req) {
  json_t *j = test_json(text);
  lr_diags d = {0};
  lr_status st = lr_request_from_json(a, j, s, "r.jsonl:1", &d, req);
  char *m = test_messages(&d);
  cr_expect_eq(st == LR_OK, m[0] == '\0', "%s", m);
  lr_diags_free(&d);
  json_decref(j);
  return m;
}

Test(json_request, uid_text) {
  lr_arena *a = lr_arena_new(0);
  const lr_uid *u;
  const char *err = NULL;
  cr_assert_eq(lr_cedar_uid_parse(a, LR_STR("NS::User::\"al\\\"ice\""), &u, &err), LR_OK);
  lr_buf b = {0};
  lr_uid_print(u, &b);
  cr_expect_str_eq(b.p, "NS::User::\"al\\\"ice\"");
  lr_buf_free(&b);
  cr_expect_eq(lr_cedar_uid_parse(a, LR_STR("User"), &u, &err), LR_ERR);
  /* the fast path and the parser agree */
  static const char *const ok[] = {"A::\"x\"",         "A::B::\"\"",      "A :: B::\"x\"",
                                   "principal::\"p\"", "A::\"a::\\\"b\"", "_x1::\"\\u{41}\""};
  static const char *const ids[] = {"x", "", "x", "p", "a::\"b", "A"};
  for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
    cr_expect_eq(lr_cedar_uid_parse(a, lr_str_c(ok[i]), &u, &err), LR_OK, "%s", ok[i]);
    cr_expect(lr_str_eq_c(u->id, ids[i]), "%s", ok[i]);
  }
  static const char *const bad[] = {"A::if::\"x\"", "__cedar::\"x\"", "1A::\"x\"", "A::\"x",
                                    "A::\"x\"\"",   "A:\"x\"",        "::\"x\"",   "A::\"x\" y"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    cr_expect_eq(lr_cedar_uid_parse(a, lr_str_c(bad[i]), &u, &err), LR_ERR, "%s", bad[i]);
  cr_expect_eq(lr_cedar_uid_parse(a, LR_STR("1 + 1"), &u, &err), LR_ERR);
  cr_expect_str_eq(err, "expected an entity uid like User::\"alice\", got \"1 + 1\"");
  lr_arena_free(a);
}

Test(json_request, without_schema) {
  lr_arena *a = lr_arena_new(0);
  lr_request r;
  char *m = request(a,
                    "{\"principal\": \"User::\\\"alice\\\"\", \"action\": {\"type\": \"Action\", "
                    "\"id\": \"view\"}, \"resource\": {\"__entity\": {\"type\": \"Doc\", \"id\": "
                    "\"d\"}}, \"context\": {\"n\": 1}}",
                    NULL, &r);
  cr_expect_str_eq(m, "");
  free(m);
  cr_expect(lr_str_eq_c(r.principal->id, "alice"));
  cr_expect(lr_str_eq_c(r.resource->type, "Doc"));
  char *p = test_print(r.context);
  cr_expect_str_eq(p, "{\"n\": 1}");
  free(p);
  m = request(a, "{\"principal\": \"User::\\\"a\\\"\", \"action\": \"Action::\\\"v\\\"\"}", NULL,
              &r);
  cr_expect_str_eq(m, "r.jsonl:1: missing \"resource\"\n");
  free(m);
  m = request(a,
              "{\"principal\": \"User::\\\"a\\\"\", \"action\": \"Action::\\\"v\\\"\", "
              "\"resource\": \"Doc::\\\"d\\\"\", \"context\": [1]}",
              NULL, &r);
  cr_expect_str_eq(m, "r.jsonl:1: context: the context must be a record, got a set\n");
  free(m);
  lr_arena_free(a);
}

Test(json_request, with_schema) {
  lr_source src;
  lr_schema *s = test_schema(&src, schema_text);
  lr_arena *a = lr_arena_new(0);
  lr_request r;
  char *m = request(a,
                    "{\"principal\": \"User::\\\"a\\\"\", \"action\": \"Action::\\\"view\\\"\", "
                    "\"resource\": \"Doc::\\\"d\\\"\", \"context\": {\"ip\": \"10.0.0.1\"}}",
                    s, &r);
  cr_expect_str_eq(m, "");
  free(m);
  char *p = test_print(r.context);
  cr_expect_str_eq(p, "{\"ip\": ip(\"10.0.0.1/32\")}");
  free(p);
  m = request(a,
              "{\"principal\": \"User::\\\"a\\\"\", \"action\": \"Action::\\\"view\\\"\", "
              "\"resource\": \"Doc::\\\"d\\\"\", \"context\": {\"ip\": \"10.0.0.1\", \"level\": "
              "\"high\"}}",
              s, &r);
  cr_expect_str_eq(m, "r.jsonl:1: context.level: expected a long, got a string\n");
  free(m);
  m = request(a,
              "{\"principal\": \"User::\\\"a\\\"\", \"action\": \"Action::\\\"view\\\"\", "
              "\"resource\": \"Doc::\\\"d\\\"\", \"context\": {\"ip\": \"10.0.0.1\", \"c\": "
              "{\"type\": \"Color\", \"id\": \"blue\"}}}",
              s, &r);
  cr_expect_str_eq(m, "r.jsonl:1: context.c: entity `Color::\"blue\"` is not one of the ids its "
                      "enumerated type allows\n");
  free(m);
  m = request(a,
              "{\"principal\": \"Doc::\\\"a\\\"\", \"action\": \"Action::\\\"view\\\"\", "
              "\"resource\": \"Doc::\\\"d\\\"\", \"context\": {\"ip\": \"10.0.0.1\"}}",
              s, &r);
  cr_expect_str_eq(m, "r.jsonl:1: principal type `Doc` is not allowed for action "
                      "`Action::\"view\"` by the schema\n");
  free(m);
  m = request(a,
              "{\"principal\": \"User::\\\"a\\\"\", \"action\": \"Action::\\\"edit\\\"\", "
              "\"resource\": \"Doc::\\\"d\\\"\"}",
              s, &r);
  cr_expect_str_eq(m, "r.jsonl:1: context: action `Action::\"edit\"` is not declared in the "
                      "schema\n");
  free(m);
  lr_arena_free(a);
  lr_schema_free(s);
}
