/*
 * test_schema.c — unit tests of the schema model (grammar/schema*.c): every
 * construct of both formats, name resolution precedence, and the lookups the
 * evaluator and the JSON parsers use.
 */
#include <criterion/criterion.h>

#include "schema_util.h"

#define S(lit) LR_STR(lit)

static void assert_dump(const char *name, const char *text, const char *want) {
  char *got = schema_dump_of(name, text);
  cr_assert_str_eq(got, want, "schema:\n%s\ngot:\n%s\nwant:\n%s", text, got, want);
  free(got);
}

Test(schema, entity_forms) {
  assert_dump("t.cedarschema",
              "entity A; entity B in A; entity C in [A, B] = { x: Long };\n"
              "entity D { \"quoted name\"?: String } tags Set<Long>;\n"
              "entity E, F in [A] {};\n"
              "entity G enum [\"a\", \"b\\n\"];\n",
              "entity A = {};\n"
              "entity B in [A] = {};\n"
              "entity C in [A, B] = {x: Long};\n"
              "entity D = {\"quoted name\"?: String} tags Set<Long>;\n"
              "entity E in [A] = {};\n"
              "entity F in [A] = {};\n"
              "entity G enum [\"a\", \"b\\n\"];\n");
}

Test(schema, keywords_are_names) {
  assert_dump("t.cedarschema",
              "entity entity { type: Long, Set: Bool, namespace: String, appliesTo: Long, "
              "principal: Long, action: Long, context: Long, tags: Long, enum: Long };\n"
              "type type = Set<entity>;\n",
              "type type = Set<entity>;\n"
              "entity entity = {Set: Bool, action: Long, appliesTo: Long, context: Long, enum: "
              "Long, namespace: String, principal: Long, tags: Long, type: Long};\n");
}

Test(schema, resolution_precedence) {
  /* In one namespace a common type beats an entity type of the same name;
   * NS::X beats X; an undeclared unqualified primitive name is the built-in;
   * `__cedar::` always names the built-in. */
  assert_dump("t.cedarschema",
              "type T = Long; entity T; entity U { a: T };\n"
              "namespace N { entity X; type Y = Bool; entity V { a: T, b: U, c: String, "
              "d: __cedar::Long, e: decimal, f: X, g: N::X, h: Y, i: N::Y }; }\n",
              "type N::Y = Bool;\n"
              "type T = Long;\n"
              "entity N::V = {a: Long, b: U, c: String, d: Long, e: __cedar::decimal, f: N::X, "
              "g: N::X, h: Bool, i: Bool};\n"
              "entity N::X = {};\n"
              "entity T = {};\n"
              "entity U = {a: Long};\n");
}

Test(schema, entity_named_like_builtin) {
  assert_dump("t.cedarschema",
              "namespace N { entity Long; entity E { a: Long, b: __cedar::Long, c: ipaddr }; "
              "type ipaddr = Bool; }\n",
              "type N::ipaddr = Bool;\n"
              "entity N::E = {a: N::Long, b: Long, c: Bool};\n"
              "entity N::Long = {};\n");
}

Test(schema, common_types_inlined_and_chained) {
  assert_dump("t.cedarschema",
              "type A = { b: B, s: Set<B> }; type B = C; type C = { n: Long };\n"
              "entity E = A; ",
              "t.cedarschema:2:12: error[S0001]: expected `{`, found `A`\n"
              " 2 | entity E = A; \n"
              "   |            ^\n");
  assert_dump("t.cedarschema",
              "type A = { b: B, s: Set<B> }; type B = C; type C = { n: Long };\n"
              "entity U; action go appliesTo { principal: U, resource: U, context: A };\n",
              "type A = {b: {n: Long}, s: Set<{n: Long}>};\n"
              "type B = {n: Long};\n"
              "type C = {n: Long};\n"
              "entity U = {};\n"
              "action Action::\"go\" appliesTo { principal: [U], resource: [U], context: {b: {n: "
              "Long}, s: Set<{n: Long}>} };\n");
}

Test(schema, action_forms) {
  assert_dump("t.cedarschema",
              "entity U;\n"
              "action g1, \"g 2\";\n"
              "action a in g1; action b in [g1, \"g 2\", Action::\"g1\"];\n"
              "namespace N { action c in [Action::\"g1\", N::Action::\"d\"]; action d; }\n"
              "action e appliesTo { context: {}, resource: [U], principal: [U], };\n",
              "entity U = {};\n"
              "action Action::\"a\" in [Action::\"g1\"];\n"
              "action Action::\"b\" in [Action::\"g 2\", Action::\"g1\"];\n"
              "action Action::\"e\" appliesTo { principal: [U], resource: [U], context: {} };\n"
              "action Action::\"g 2\";\n"
              "action Action::\"g1\";\n"
              "action N::Action::\"c\" in [Action::\"g1\", N::Action::\"d\"];\n"
              "action N::Action::\"d\";\n");
}

Test(schema, annotations_everywhere) {
  assert_dump("t.cedarschema",
              "@a @b(\"x\") namespace N { @c(\"\\u{e9}\") entity E { @d(\"1\") x: Long }; "
              "@e type T = Long; @f action \"g\"; }\n",
              "namespace N @a(\"\")@b(\"x\");\n"
              "@e(\"\")\n"
              "type N::T = Long;\n"
              "@c(\"\xc3\xa9\")\n"
              "entity N::E = {@d(\"1\") x: Long};\n"
              "@f(\"\")\n"
              "action N::Action::\"g\";\n");
}

Test(schema, comments_and_whitespace) {
  assert_dump("t.cedarschema", "// c1\nentity /* no */ A;",
              "t.cedarschema:2:8: error[E0103]: `/*` comments are not Cedar; use `//` line "
              "comments\n 2 | entity /* no */ A;\n   |        ^^^^^^^^\n");
  assert_dump("t.cedarschema", "// only a comment\n\n  entity A; // trailing\n",
              "entity A = {};\n");
  assert_dump("t.cedarschema", "", "");
}

Test(schema, json_forms) {
  assert_dump("t.json",
              "{\"N\": {\"entityTypes\": {\"E\": {\"memberOfTypes\": [\"E\"], \"tags\": "
              "{\"type\": \"Set\", \"element\": {\"type\": \"Boolean\"}}}, "
              "\"C\": {\"enum\": [\"x\"], \"annotations\": {\"doc\": \"colour\"}}}, "
              "\"actions\": {\"a\": {\"memberOf\": [{\"id\": \"b\", \"type\": \"N::Action\"}]}, "
              "\"b\": {}}}}",
              "@doc(\"colour\")\n"
              "entity N::C enum [\"x\"];\n"
              "entity N::E in [N::E] = {} tags Set<Bool>;\n"
              "action N::Action::\"a\" in [N::Action::\"b\"];\n"
              "action N::Action::\"b\";\n");
  assert_dump("t.json", "[]",
              "t.json:1:1: error[S0101]: $: expected an object of namespaces, found an array\n"
              " 1 | []\n   | ^^\n");
  assert_dump("t.json", "{}", "");
  /* memberOf and appliesTo are optional and may be null. */
  assert_dump("t.json",
              "{\"\": {\"entityTypes\": {}, \"actions\": {\"a\": {\"memberOf\": null, "
              "\"appliesTo\": null}}}}",
              "action Action::\"a\";\n");
}

Test(schema, lookups) {
  lr_source src;
  lr_schema *s = schema_from(
      &src, "t.cedarschema",
      "namespace App {\n"
      "  @doc(\"u\") entity User in [Team] { name: String, age?: Long, tags: Set<String> } tags "
      "Long;\n"
      "  entity Team; entity Color enum [\"red\", \"green\"];\n"
      "  action read; action view in [read] appliesTo { principal: [User, Team], resource: Color,\n"
      "    context: { ip: ipaddr } };\n"
      "  type T = Set<User>;\n"
      "}\n");
  cr_assert_not_null(s);
  cr_assert_eq(lr_schema_entity_count(s), 3);
  const lr_schema_entity *u = lr_schema_entity_find(s, S("App::User"));
  cr_assert_not_null(u);
  cr_assert_null(lr_schema_entity_find(s, S("User")));
  cr_assert(lr_str_eq(lr_schema_entity_name(u), S("App::User")));
  lr_str v;
  cr_assert(lr_schema_annot_find(lr_schema_entity_annots(u), S("doc"), &v));
  cr_assert(lr_str_eq(v, S("u")));
  cr_assert_not(lr_schema_annot_find(lr_schema_entity_annots(u), S("nope"), NULL));
  cr_assert_eq(lr_schema_entity_parent_count(u), 1);
  cr_assert(lr_str_eq(lr_schema_entity_parent_at(u, 0), S("App::Team")));
  cr_assert(lr_schema_entity_may_be_in(u, S("App::Team")));
  cr_assert_not(lr_schema_entity_may_be_in(u, S("App::User")));
  bool req = false;
  const lr_stype *t = lr_schema_entity_attr(u, S("name"), &req);
  cr_assert(t && lr_stype_get_kind(t) == LR_STYPE_STRING && req);
  t = lr_schema_entity_attr(u, S("age"), &req);
  cr_assert(t && lr_stype_get_kind(t) == LR_STYPE_LONG && !req);
  t = lr_schema_entity_attr(u, S("tags"), NULL);
  cr_assert(t && lr_stype_get_kind(t) == LR_STYPE_SET);
  cr_assert_eq(lr_stype_get_kind(lr_stype_element(t)), LR_STYPE_STRING);
  cr_assert_null(lr_schema_entity_attr(u, S("missing"), NULL));
  cr_assert_eq(lr_stype_attr_count(lr_schema_entity_shape(u)), 3);
  lr_str an;
  lr_stype_attr_at(lr_schema_entity_shape(u), 0, &an, &req);
  cr_assert(lr_str_eq(an, S("age")) && !req);
  cr_assert_eq(lr_stype_get_kind(lr_schema_entity_tags(u)), LR_STYPE_LONG);
  cr_assert_not(lr_schema_entity_is_enum(u));
  cr_assert(lr_schema_entity_allows_id(u, S("anything")));

  const lr_schema_entity *c = lr_schema_entity_find(s, S("App::Color"));
  cr_assert(c && lr_schema_entity_is_enum(c));
  cr_assert_eq(lr_schema_entity_enum_count(c), 2);
  cr_assert(lr_str_eq(lr_schema_entity_enum_at(c, 1), S("green")));
  cr_assert(lr_schema_entity_allows_id(c, S("red")));
  cr_assert_not(lr_schema_entity_allows_id(c, S("blue")));
  cr_assert_null(lr_schema_entity_tags(c));

  cr_assert_eq(lr_schema_action_count(s), 2);
  const lr_schema_action *a = lr_schema_action_find(s, S("App::Action"), S("view"));
  cr_assert_not_null(a);
  cr_assert_null(lr_schema_action_find(s, S("Action"), S("view")));
  cr_assert(lr_str_eq(lr_schema_action_type(a), S("App::Action")));
  cr_assert(lr_str_eq(lr_schema_action_id(a), S("view")));
  cr_assert_eq(lr_schema_action_parent_count(a), 1);
  lr_str pt, pid;
  lr_schema_action_parent_at(a, 0, &pt, &pid);
  cr_assert(lr_str_eq(pt, S("App::Action")) && lr_str_eq(pid, S("read")));
  cr_assert(lr_schema_action_has_applies_to(a));
  cr_assert(lr_schema_action_allows(a, LR_SCHEMA_PRINCIPAL, S("App::User")));
  cr_assert(lr_schema_action_allows(a, LR_SCHEMA_PRINCIPAL, S("App::Team")));
  cr_assert_not(lr_schema_action_allows(a, LR_SCHEMA_PRINCIPAL, S("App::Color")));
  cr_assert(lr_schema_action_allows(a, LR_SCHEMA_RESOURCE, S("App::Color")));
  cr_assert_eq(lr_schema_action_type_count(a, LR_SCHEMA_RESOURCE), 1);
  cr_assert(lr_str_eq(lr_schema_action_type_at(a, LR_SCHEMA_RESOURCE, 0), S("App::Color")));
  const lr_stype *ctx = lr_schema_action_context(a);
  const lr_stype *ip = lr_stype_attr_find(ctx, S("ip"), &req);
  cr_assert(ip && lr_stype_get_kind(ip) == LR_STYPE_EXTENSION && req);
  cr_assert(lr_str_eq(lr_stype_name(ip), S("ipaddr")));
  const lr_schema_action *r = lr_schema_action_find(s, S("App::Action"), S("read"));
  cr_assert(r && !lr_schema_action_has_applies_to(r));
  cr_assert_not(lr_schema_action_allows(r, LR_SCHEMA_PRINCIPAL, S("App::User")));
  cr_assert_eq(lr_stype_attr_count(lr_schema_action_context(r)), 0);

  const lr_stype *ct = lr_schema_common_find(s, S("App::T"));
  cr_assert(ct && lr_stype_get_kind(ct) == LR_STYPE_SET);
  cr_assert(lr_str_eq(lr_stype_name(lr_stype_element(ct)), S("App::User")));
  lr_buf b = {0};
  lr_stype_print(ctx, &b);
  cr_assert_str_eq(b.p, "{ip: __cedar::ipaddr}");
  lr_buf_free(&b);
  lr_schema_free(s);
}

Test(schema, unchecked_schema_answers_nothing) {
  const char *text = "entity A;";
  lr_source src = {"t.cedarschema", text, strlen(text)};
  lr_diags d = {0};
  lr_schema *s = lr_schema_parse_text(&src, &d);
  cr_assert_not_null(s);
  cr_assert_null(lr_schema_entity_find(s, S("A")));
  cr_assert_eq(lr_schema_check(s, &d), LR_OK);
  cr_assert_eq(lr_schema_check(s, &d), LR_OK); /* idempotent */
  cr_assert_not_null(lr_schema_entity_find(s, S("A")));
  cr_assert_eq(d.n, 0);
  lr_schema_free(s);
  lr_diags_free(&d);
}

Test(schema, format_of) {
  cr_assert_eq(lr_schema_format_of("a/b.json"), LR_SCHEMA_JSON);
  cr_assert_eq(lr_schema_format_of("a/b.cedarschema"), LR_SCHEMA_TEXT);
  cr_assert_eq(lr_schema_format_of("json"), LR_SCHEMA_TEXT);
}

Test(schema, ids_with_nul_bytes) {
  static const char text[] = "entity E enum [\"\\0x\"]; action \"a\\0b\";";
  lr_source src;
  lr_schema *s = schema_from(&src, "t.cedarschema", text);
  cr_assert_not_null(s);
  const lr_schema_entity *e = lr_schema_entity_find(s, S("E"));
  cr_assert(lr_str_eq(lr_schema_entity_enum_at(e, 0), lr_str_make("\0x", 2)));
  cr_assert_not_null(lr_schema_action_find(s, S("Action"), lr_str_make("a\0b", 3)));
  cr_assert_null(lr_schema_action_find(s, S("Action"), S("a")));
  lr_schema_free(s);
}
