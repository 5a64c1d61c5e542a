/*
 * test_json_value.c — Cedar JSON values (policy/json_value.c): escapes,
 * schema-based parsing, and error messages that say where.
 */
#include "json_test_util.h"

/* Parses text with the optional schema type and returns the printed value,
 * or "ERR <messages>". */
static char *conv(const char *text, const lr_stype *t) {
  lr_arena *a = lr_arena_new(0);
  json_t *j = test_json(text);
  lr_diags d = {0};
  lr_value v;
  char *res;
  if (lr_json_value(a, j, t, NULL, "v.json", "", &d, &v) == LR_OK) {
    res = test_print(v);
  } else {
    char *m = test_messages(&d);
    lr_buf b = {0};
    lr_buf_printf(&b, "ERR %s", m);
    free(m);
    res = b.p;
  }
  lr_diags_free(&d);
  json_decref(j);
  lr_arena_free(a);
  return res;
}

#define EXPECT(text, type, want)                                                                   \
  do {                                                                                             \
    char *got_ = conv(text, type);                                                                 \
    cr_expect_str_eq(got_, want, "%s => %s", text, got_);                                          \
    free(got_);                                                                                    \
  } while (0)

Test(json_value, plain_values) {
  EXPECT("true", NULL, "true");
  EXPECT("-42", NULL, "-42");
  EXPECT("\"a\\\"b\"", NULL, "\"a\\\"b\"");
  EXPECT("[3, 1, 3]", NULL, "[1, 3]");
  EXPECT("{\"b\": 1, \"a\": [true]}", NULL, "{\"a\": [true], \"b\": 1}");
  EXPECT("[]", NULL, "[]");
  EXPECT("{}", NULL, "{}");
}

Test(json_value, escapes) {
  EXPECT("{\"__entity\": {\"type\": \"NS::User\", \"id\": \"alice\"}}", NULL,
         "NS::User::\"alice\"");
  EXPECT("{\"__extn\": {\"fn\": \"decimal\", \"arg\": \"1.23\"}}", NULL, "decimal(\"1.2300\")");
  EXPECT("{\"__extn\": {\"fn\": \"ip\", \"arg\": \"10.0.0.0/8\"}}", NULL, "ip(\"10.0.0.0/8\")");
  EXPECT("{\"__extn\": {\"fn\": \"offset\", \"args\": [{\"__extn\": {\"fn\": \"datetime\", "
         "\"arg\": \"1970-01-01\"}}, {\"__extn\": {\"fn\": \"duration\", \"arg\": \"1d\"}}]}}",
         NULL, "datetime(\"1970-01-02T00:00:00.000Z\")");
  /* any extension function may be called, with Cedar's meaning */
  EXPECT("{\"__extn\": {\"fn\": \"lessThan\", \"args\": [{\"__extn\": {\"fn\": \"decimal\", "
         "\"arg\": \"1.0\"}}, {\"__extn\": {\"fn\": \"decimal\", \"arg\": \"2.0\"}}]}}",
         NULL, "true");
  EXPECT("{\"__extn\": {\"fn\": \"toDate\", \"arg\": {\"__extn\": {\"fn\": \"datetime\", "
         "\"arg\": \"2024-01-02T10:00:00Z\"}}}}",
         NULL, "datetime(\"2024-01-02T00:00:00.000Z\")");
  EXPECT("{\"__extn\": {\"fn\": \"nope\", \"arg\": \"1\"}}", NULL,
         "ERR v.json: __extn: extension function `nope` does not exist\n");
  /* without a schema {"type","id"} is just a record */
  EXPECT("{\"type\": \"User\", \"id\": \"a\"}", NULL, "{\"id\": \"a\", \"type\": \"User\"}");
  /* an escape whose body is not the escape's shape is a record (serde untagged) */
  EXPECT("{\"__entity\": 3}", NULL, "{\"__entity\": 3}");
}

Test(json_value, errors_say_where) {
  EXPECT("[1, null]", NULL, "ERR v.json: [1]: null is not a Cedar value\n");
  EXPECT("{\"a\": {\"b c\": 1.5}}", NULL,
         "ERR v.json: a[\"b c\"]: a fractional number is not a Cedar value (use a long, or a "
         "decimal as {\"__extn\": {\"fn\": \"decimal\", \"arg\": \"1.5\"}})\n");
  char *got = conv("{\"__extn\": {\"fn\": \"decimal\", \"arg\": \"1.23456\"}}", NULL);
  const char *want = "ERR v.json: __extn: decimal(\"1.23456\"): ";
  cr_expect(strncmp(got, want, strlen(want)) == 0, "%s", got);
  free(got);
  EXPECT("{\"__entity\": {\"type\": \"not a name\", \"id\": \"x\"}}", NULL,
         "ERR v.json: __entity: invalid entity type name \"not a name\"\n");
  EXPECT("{\"__expr\": \"1 + 1\"}", NULL,
         "ERR v.json: the `__expr` escape is no longer supported\n");
}

static const char *schema_text =
    "entity Group;\n"
    "entity User in [Group] = { age: Long, ip?: ipaddr, boss?: User, nick?: Set<String>,\n"
    "  home?: { street: String, since?: datetime }, score?: decimal, wait?: duration };\n";

static const lr_stype *user_attr(const lr_schema *s, const char *name) {
  const lr_schema_entity *u = lr_schema_entity_find(s, LR_STR("User"));
  cr_assert_not_null(u);
  const lr_stype *t = lr_schema_entity_attr(u, lr_str_c(name), NULL);
  cr_assert_not_null(t, "%s", name);
  return t;
}

Test(json_value, schema_based_implicit_escapes) {
  lr_source src;
  lr_schema *s = test_schema(&src, schema_text);
  EXPECT("\"10.1.2.3\"", user_attr(s, "ip"), "ip(\"10.1.2.3/32\")");
  EXPECT("{\"fn\": \"ip\", \"arg\": \"::1\"}", user_attr(s, "ip"), "ip(\"::1/128\")");
  EXPECT("\"1.5\"", user_attr(s, "score"), "decimal(\"1.5000\")");
  EXPECT("\"1h\"", user_attr(s, "wait"), "duration(\"1h\")");
  EXPECT("{\"type\": \"User\", \"id\": \"bob\"}", user_attr(s, "boss"), "User::\"bob\"");
  EXPECT("{\"__entity\": {\"type\": \"User\", \"id\": \"bob\"}}", user_attr(s, "boss"),
         "User::\"bob\"");
  EXPECT("{\"street\": \"Main\", \"since\": \"2024-01-02\"}", user_attr(s, "home"),
         "{\"since\": datetime(\"2024-01-02T00:00:00.000Z\"), \"street\": \"Main\"}");
  lr_schema_free(s);
}

Test(json_value, schema_type_mismatches) {
  lr_source src;
  lr_schema *s = test_schema(&src, schema_text);
  EXPECT("\"7\"", user_attr(s, "age"), "ERR v.json: expected a long, got a string\n");
  EXPECT("{\"type\": \"Group\", \"id\": \"g\"}", user_attr(s, "boss"),
         "ERR v.json: expected an entity of type `User`, got an entity of type `Group`\n");
  EXPECT("[\"a\", 2]", user_attr(s, "nick"), "ERR v.json: [1]: expected a string, got a long\n");
  EXPECT("{\"since\": \"2024-01-02\"}", user_attr(s, "home"),
         "ERR v.json: missing required attribute \"street\"\n");
  EXPECT("{\"street\": \"x\", \"zip\": 1}", user_attr(s, "home"),
         "ERR v.json: zip: attribute not declared in the record type\n");
  EXPECT("{\"__extn\": {\"fn\": \"decimal\", \"arg\": \"1.0\"}}", user_attr(s, "ip"),
         "ERR v.json: expected an ipaddr, got a decimal\n");
  EXPECT("7", user_attr(s, "ip"), "ERR v.json: expected an ipaddr, got a long\n");
  lr_schema_free(s);
}
