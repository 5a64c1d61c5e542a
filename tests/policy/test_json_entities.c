/*
 * test_json_entities.c — entities JSON into the store (policy/json_entities.c):
 * with and without a schema, golden error messages with paths.
 */
#include "json_test_util.h"

static const char *schema_text =
    "entity Group;\n"
    "entity User in [Group, Color] = { age: Long, ip?: ipaddr, boss?: User };\n"
    "entity Doc tags String;\n"
    "entity Color enum [\"red\", \"green\"];\n"
    "action view appliesTo { principal: [User], resource: [Doc] };\n"
    "action edit in [view] appliesTo { principal: [User], resource: [Doc] };\n";

/* Loads text; returns the store or NULL with *msgs set (caller frees). */
static lr_entities *load(const char *text, const lr_schema *s, char **msgs) {
  lr_diags d = {0};
  lr_entities *es = lr_entities_from_json(text, strlen(text), "entities.json", s, &d);
  *msgs = test_messages(&d);
  lr_diags_free(&d);
  return es;
}

static void expect_error(const char *text, const lr_schema *s, const char *want) {
  char *msgs;
  lr_entities *es = load(text, s, &msgs);
  cr_expect_null(es, "%s", text);
  cr_expect_str_eq(msgs, want, "%s => %s", text, msgs);
  lr_entities_release(es);
  free(msgs);
}

static const lr_uid *U(lr_arena *a, const char *t, const char *id) {
  return lr_uid_new(a, lr_str_c(t), lr_str_c(id));
}

Test(json_entities, without_schema) {
  const char *text =
      "[{\"uid\": {\"type\": \"User\", \"id\": \"alice\"},"
      "  \"attrs\": {\"age\": 7, \"boss\": {\"__entity\": {\"type\": \"User\", \"id\": \"b\"}}},"
      "  \"parents\": [{\"type\": \"Group\", \"id\": \"g\"}]},"
      " {\"uid\": {\"__entity\": {\"type\": \"Group\", \"id\": \"g\"}}, \"attrs\": {},"
      "  \"parents\": [{\"type\": \"Group\", \"id\": \"top\"}], \"tags\": {\"t\": \"v\"}}]";
  char *msgs;
  lr_entities *es = load(text, NULL, &msgs);
  cr_assert_not_null(es, "%s", msgs);
  free(msgs);
  lr_arena *a = lr_arena_new(0);
  cr_expect_eq(lr_entities_count(es), 2);
  const lr_entity *e = lr_entities_get(es, U(a, "User", "alice"));
  cr_assert_not_null(e);
  char *p = test_print(lr_entity_attrs(e));
  cr_expect_str_eq(p, "{\"age\": 7, \"boss\": User::\"b\"}");
  free(p);
  cr_expect(lr_entities_in(es, U(a, "User", "alice"), U(a, "Group", "top")));
  p = test_print(lr_entity_tags(lr_entities_get(es, U(a, "Group", "g"))));
  cr_expect_str_eq(p, "{\"t\": \"v\"}");
  free(p);
  lr_arena_free(a);
  lr_entities_release(es);
}

Test(json_entities, identical_duplicates) {
  const char *e = "{\"uid\": {\"type\": \"A\", \"id\": \"x\"}, \"attrs\": {\"n\": 1}, "
                  "\"parents\": [{\"type\": \"B\", \"id\": \"y\"}]}";
  lr_buf text = {0};
  lr_buf_printf(&text, "[%s, %s]", e, e);
  char *msgs;
  lr_entities *es = load(text.p, NULL, &msgs);
  cr_expect_not_null(es, "%s", msgs); /* Cedar accepts an identical repeat */
  cr_expect_eq(lr_entities_count(es), 1);
  lr_entities_release(es);
  free(msgs);
  lr_buf_free(&text);
}

Test(json_entities, errors_without_schema) {
  expect_error(
      "[{\"uid\": {\"type\": \"A\", \"id\": \"x\"}, \"attrs\": {\"n\": 1}, \"parents\": []},"
      " {\"uid\": {\"type\": \"A\", \"id\": \"x\"}, \"attrs\": {\"n\": 2}, \"parents\": []}]",
      NULL, "entities.json: [1]: duplicate entity `A::\"x\"` with a different definition\n");
  expect_error("[{\"uid\": {\"type\": \"A\", \"id\": \"x\"}, \"parents\": []}]", NULL,
               "entities.json: [0]: missing \"attrs\"\n");
  expect_error("[{\"uid\": {\"type\": \"A\", \"id\": \"x\"}, \"attrs\": {}}]", NULL,
               "entities.json: [0]: missing \"parents\"\n");
  expect_error("{}", NULL, "entities.json: expected an array of entities, got a record\n");
  expect_error("[{\"uid\": {\"type\": \"A\", \"id\": \"x\"}, \"attrs\": {\"n\": [1, 2.5]}, "
               "\"parents\": []}]",
               NULL,
               "entities.json: [0].attrs.n[1]: a fractional number is not a Cedar value (use a "
               "long, or a decimal as {\"__extn\": {\"fn\": \"decimal\", \"arg\": \"1.5\"}})\n");
  expect_error("[{\"uid\": \"A::\\\"x\\\"\"}]", NULL,
               "entities.json: [0].uid: expected an entity reference ({\"type\": ..., \"id\": "
               "...} or {\"__entity\": {...}}), got a string\n");
  expect_error(
      "[{\"uid\": {\"type\": \"A\", \"id\": \"x\"}, \"attrs\": {}, \"parents\": [{\"type\": \"A\", "
      "\"id\": 3}]}]",
      NULL,
      "entities.json: [0].parents[0]: expected an entity reference ({\"type\": ..., "
      "\"id\": ...} or {\"__entity\": {...}}), got a record\n");
  expect_error("[{\"uid\": {\"type\": \"A\", \"id\": \"x\"}", NULL,
               "entities.json:1:33: invalid JSON: '}' expected near end of file\n");
}

Test(json_entities, schema_based) {
  lr_source src;
  lr_schema *s = test_schema(&src, schema_text);
  const char *text =
      "[{\"uid\": {\"type\": \"User\", \"id\": \"alice\"},"
      "  \"attrs\": {\"age\": 7, \"ip\": \"10.0.0.1\", \"boss\": {\"type\": \"User\", \"id\": "
      "\"b\"}},"
      "  \"parents\": [{\"type\": \"Group\", \"id\": \"g\"}]},"
      " {\"uid\": {\"type\": \"Doc\", \"id\": \"d\"}, \"attrs\": {}, \"parents\": [], \"tags\": "
      "{\"k\": \"v\"}},"
      " {\"uid\": {\"type\": \"Color\", \"id\": \"red\"}, \"attrs\": {}, \"parents\": []}]";
  char *msgs;
  lr_entities *es = load(text, s, &msgs);
  cr_assert_not_null(es, "%s", msgs);
  free(msgs);
  lr_arena *a = lr_arena_new(0);
  char *p = test_print(lr_entity_attrs(lr_entities_get(es, U(a, "User", "alice"))));
  cr_expect_str_eq(p, "{\"age\": 7, \"boss\": User::\"b\", \"ip\": ip(\"10.0.0.1/32\")}");
  free(p);
  /* the schema's actions are added with their groups */
  cr_expect_not_null(lr_entities_get(es, U(a, "Action", "view")));
  cr_expect(lr_entities_in(es, U(a, "Action", "edit"), U(a, "Action", "view")));
  lr_arena_free(a);
  lr_entities_release(es);
  lr_schema_free(s);
}

Test(json_entities, schema_errors) {
  lr_source src;
  lr_schema *s = test_schema(&src, schema_text);
  expect_error(
      "[{\"uid\": {\"type\": \"User\", \"id\": \"a\"}, \"attrs\": {\"age\": 1}, \"parents\": []},"
      " {\"uid\": {\"type\": \"User\", \"id\": \"b\"}, \"attrs\": {\"age\": \"7\"}, \"parents\": "
      "[]}]",
      s, "entities.json: [1].attrs.age: expected a long, got a string\n");
  expect_error("[{\"uid\": {\"type\": \"User\", \"id\": \"a\"}, \"attrs\": {}, \"parents\": []}]",
               s, "entities.json: [0].attrs: missing required attribute \"age\"\n");
  expect_error("[{\"uid\": {\"type\": \"User\", \"id\": \"a\"}, \"attrs\": {\"age\": 1, \"x\": 2}, "
               "\"parents\": []}]",
               s, "entities.json: [0].attrs.x: attribute not declared for entity type `User`\n");
  expect_error("[{\"uid\": {\"type\": \"Usr\", \"id\": \"a\"}, \"attrs\": {}, \"parents\": []}]", s,
               "entities.json: [0]: entity `Usr::\"a\"` has a type that is not declared in the "
               "schema\n");
  expect_error(
      "[{\"uid\": {\"type\": \"Color\", \"id\": \"blue\"}, \"attrs\": {}, \"parents\": []}]", s,
      "entities.json: [0]: entity `Color::\"blue\"` is not one of the ids its "
      "enumerated type allows\n");
  expect_error(
      "[{\"uid\": {\"type\": \"Group\", \"id\": \"g\"}, \"attrs\": {}, \"parents\": [{\"type\": "
      "\"User\", \"id\": \"a\"}]}]",
      s,
      "entities.json: [0].parents[0]: `Group::\"g\"` may not have a parent of type "
      "`User` according to the schema\n");
  expect_error("[{\"uid\": {\"type\": \"Group\", \"id\": \"g\"}, \"attrs\": {}, \"parents\": [], "
               "\"tags\": {\"k\": \"v\"}}]",
               s, "entities.json: [0].tags.k: entities of type `Group` may not have tags\n");
  expect_error("[{\"uid\": {\"type\": \"Doc\", \"id\": \"d\"}, \"attrs\": {}, \"parents\": [], "
               "\"tags\": {\"k\": 1}}]",
               s, "entities.json: [0].tags.k: expected a string, got a long\n");
  expect_error(
      "[{\"uid\": {\"type\": \"Action\", \"id\": \"delete\"}, \"attrs\": {}, \"parents\": []}]", s,
      "entities.json: [0]: action `Action::\"delete\"` is not declared in the schema\n");
  expect_error(
      "[{\"uid\": {\"type\": \"Action\", \"id\": \"edit\"}, \"attrs\": {}, \"parents\": []}]", s,
      "entities.json: [0]: action `Action::\"edit\"` does not match its declaration "
      "in the schema (omit it from the entities to use the schema's)\n");
  expect_error("[{\"uid\": {\"type\": \"User\", \"id\": \"a\"}, \"attrs\": {\"age\": 1},"
               " \"parents\": [{\"type\": \"Color\", \"id\": \"blue\"}]}]",
               s,
               "entities.json: [0].parents[0]: entity `Color::\"blue\"` is not one of the ids its "
               "enumerated type allows\n");
  /* the schema's own definition, repeated in the data, is accepted */
  char *msgs;
  lr_entities *es =
      load("[{\"uid\": {\"type\": \"Action\", \"id\": \"edit\"}, \"attrs\": {}, \"parents\": "
           "[{\"type\": \"Action\", \"id\": \"view\"}]}]",
           s, &msgs);
  cr_expect_not_null(es, "%s", msgs);
  free(msgs);
  lr_entities_release(es);
  lr_schema_free(s);
}
