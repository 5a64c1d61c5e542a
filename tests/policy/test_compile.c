/* test_compile.c — compiled policy sets (policy/compile*.c):
 * every answer is compared with the interpreter's (lr_authorize) on the
 * same policies, store and request, and the index is checked to prune. The
 * generated differential test is in test_compile_gen.c. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "policy_test_util.h"

static tenv t;
static void setup(void) { tenv_init(&t); }
static void teardown(void) { tenv_free(&t); }
TestSuite(compile, .init = setup, .fini = teardown);

static lr_policy_set load(const char *text) {
  lr_source *s = LR_NEW(t.a, lr_source);
  s->name = "<test>";
  s->text = lr_arena_strdup(t.a, text);
  s->len = strlen(text);
  lr_diags d = {0};
  lr_policy_set set = {0};
  lr_status st = lr_policy_set_add_source(t.a, &set, s, 0, &d);
  if (st != LR_OK) {
    lr_buf b = {0};
    lr_diags_render(&d, &b);
    cr_log_error("%s", b.p);
    lr_buf_free(&b);
  }
  cr_assert_eq(st, LR_OK);
  lr_diags_free(&d);
  return set;
}

/* "allow[policy0]{policy2: msg}<guard ids>" */
static const char *show(const lr_decision *d) {
  lr_buf b = {0};
  lr_buf_puts(&b, d->allow ? "allow[" : "deny[");
  for (size_t i = 0; i < d->nreasons; i++) lr_buf_printf(&b, "%s%s", i ? "," : "", d->reasons[i]);
  lr_buf_puts(&b, "]{");
  for (size_t i = 0; i < d->nerrors; i++)
    lr_buf_printf(&b, "%s%s: %s", i ? "; " : "", d->errors[i].policy_id, d->errors[i].message);
  lr_buf_puts(&b, "}<");
  for (size_t i = 0; i < d->nguards; i++) lr_buf_printf(&b, "%s%s", i ? "," : "", d->guards[i]->id);
  for (size_t i = 0; i < d->nguard_errors; i++)
    lr_buf_printf(&b, " !%s: %s", d->guard_errors[i].policy_id, d->guard_errors[i].message);
  lr_buf_puts(&b, ">");
  const char *r = lr_arena_strdup(t.a, b.p);
  lr_buf_free(&b);
  return r;
}

/* Decides req on both paths over insts, asserts they are identical and
 * returns the answer as text. */
static const char *both_insts(const lr_policy_inst *insts, size_t n, const lr_entities *es,
                              const lr_request *req) {
  lr_decision di, dc;
  lr_authorize(t.a, insts, n, es, req, &di);
  lr_cset *c = lr_cset_compile_insts(insts, n, NULL);
  lr_cset_authorize(c, t.a, es, req, &dc);
  lr_buf why = {0};
  bool same = lr_decision_same(&di, &dc, &why);
  cr_expect(same, "compiled %s, interpreter %s: %s", show(&dc), show(&di), why.p);
  lr_buf_free(&why);
  lr_cset_unref(c);
  return show(&di);
}

static const char *both(const char *text) {
  lr_policy_set set = load(text);
  return both_insts(set.insts, set.ninsts, t.es, &t.req);
}

Test(compile, empty_set_denies) { cr_expect_str_eq(both(""), "deny[]{}<>"); }

Test(compile, scopes_eq_in_is) {
  cr_expect_str_eq(both("permit(principal == User::\"alice\", action, resource);\n"
                        "permit(principal == User::\"bob\", action, resource);\n"
                        "permit(principal in Group::\"g3\", action, resource);\n"
                        "permit(principal is User in Group::\"g2\", action, resource);\n"
                        "permit(principal is Group, action, resource);\n"
                        "permit(principal, action, resource in Album::\"a\");\n"
                        "permit(principal, action, resource is Photo);\n"
                        "permit(principal, action, resource == Photo::\"q\");"),
                   "allow[policy0,policy2,policy3,policy5,policy6]{}<>");
}

Test(compile, action_groups_come_from_the_store) {
  /* Action::"view" is in Action::"read" in the fixture's store only. */
  const char *text = "permit(principal, action in Action::\"read\", resource);\n"
                     "permit(principal, action in [Action::\"x\", Action::\"read\"], resource);\n"
                     "permit(principal, action == Action::\"read\", resource);\n"
                     "permit(principal, action in [], resource);\n"
                     "permit(principal, action in Action::\"view\", resource);";
  cr_expect_str_eq(both(text), "allow[policy0,policy1,policy4]{}<>");
  lr_policy_set set = load(text);
  cr_expect_str_eq(both_insts(set.insts, set.ninsts, NULL, &t.req), "allow[policy4]{}<>");
  lr_cset *c = lr_cset_compile(&set, NULL);
  lr_cset_stats st;
  lr_cset_get_stats(c, &st);
  cr_expect_eq(st.never, 1);
  cr_expect_eq(st.policies, 5);
  lr_cset_unref(c);
}

Test(compile, errors_and_messages_identical) {
  cr_expect_str_eq(
      both("permit(principal, action, resource) when { principal.nope == 1 };\n"
           "forbid(principal, action, resource) when { resource.owner.missing };\n"
           "permit(principal, action, resource) when { 1 + \"a\" == 2 };\n"
           "permit(principal, action, resource) when { context.x };\n"
           "permit(principal, action, resource) when { ip(\"bad\").isIpv4() };\n"
           "permit(principal, action, resource) when { 9223372036854775807 + 1 > 0 };\n"
           "permit(principal, action, resource) when { User::\"nobody\".age > 1 };\n"
           "permit(principal, action, resource) when { principal.getTag(\"none\") == 1 };\n"
           "permit(principal, action, resource) when { principal.name };"),
      "deny[]{policy0: entity `User::\"alice\"` does not have the attribute `nope`; "
      "policy1: entity `User::\"alice\"` does not have the attribute `missing`; "
      "policy2: type error: expected long, got string; "
      "policy3: record does not have the attribute `x`; "
      "policy4: error in `ip(\"bad\")`: invalid IP address; "
      "policy5: integer overflow: 9223372036854775807 + 1; "
      "policy6: entity `User::\"nobody\"` does not exist; "
      "policy7: entity `User::\"alice\"` does not have the tag `none`; "
      "policy8: type error: expected bool, got string}<>");
}

Test(compile, short_circuit_hides_errors) {
  cr_expect_str_eq(both("permit(principal, action, resource) when { false && principal.nope };\n"
                        "permit(principal, action, resource) when { true || principal.nope };\n"
                        "permit(principal, action, resource) when { principal has nope && "
                        "principal.nope };\n"
                        "permit(principal, action, resource) unless { if principal.age > 3 then "
                        "false else principal.nope };"),
                   "allow[policy1,policy3]{}<>");
}

/* Conditions flattened into tests (compile_int.h, cn_atom): `&&` under
 * `when`, `||` under `unless` or `!`, constants; each stops where the
 * interpreter stops, so an error after a deciding test never shows. */
Test(compile, flattened_conditions_keep_order_and_errors) {
  cr_expect_str_eq(
      both("permit(principal, action, resource) when { principal.age > 40 && principal.nope };\n"
           "permit(principal, action, resource) when { principal.age < 40 && principal.nope == 1 "
           "};\n"
           "permit(principal, action, resource) unless { principal.age > 40 || principal.age < 20 "
           "};\n"
           "permit(principal, action, resource) when { !(principal.age > 40 || principal.nope) };\n"
           "permit(principal, action, resource) unless { principal.age == 30 || principal.nope };\n"
           "permit(principal, action, resource) when { true && principal.name like \"al*\" && "
           "!(principal.age != 30) };\n"
           "permit(principal, action, resource) when { false };\n"
           "permit(principal, action, resource) when { principal.age >= 30 } unless { false } "
           "when { principal.addr.city != \"Paris\" };\n"
           "permit(principal, action, resource) when { principal.age < \"x\" };\n"
           "permit(principal, action, resource) when { 1 };\n"
           "permit(principal, action, resource) unless { principal.getTag(\"level\") == 3 && "
           "principal.name like \"*x*\" };\n"
           "permit(principal, action, resource) when { principal.getTag(\"level\") != 2 } "
           "unless { !(principal.name like \"alice\") };"),
      "allow[policy2,policy5,policy10,policy11]{"
      "policy1: entity `User::\"alice\"` does not have the attribute `nope`; "
      "policy3: entity `User::\"alice\"` does not have the attribute `nope`; "
      "policy8: type error: expected long, got string; "
      "policy9: type error: expected bool, got long}<>");
}

Test(compile, fast_paths_values) {
  cr_expect_str_eq(
      both("permit(principal, action, resource) when { principal.addr.city == \"Paris\" };\n"
           "permit(principal, action, resource) when { principal.age >= 30 && principal.age < 31 "
           "};\n"
           "permit(principal, action, resource) when { principal.roles.contains(\"dev\") };\n"
           "permit(principal, action, resource) when { principal.roles.containsAny([\"x\", "
           "\"admin\"]) };\n"
           "permit(principal, action, resource) when { principal.roles.containsAll([\"x\", "
           "\"admin\"]) };\n"
           "permit(principal, action, resource) when { principal.name like \"al*\" };\n"
           "permit(principal, action, resource) when { principal.name like \"*ce\" };\n"
           "permit(principal, action, resource) when { principal.name like \"*lic*\" };\n"
           "permit(principal, action, resource) when { principal.name like \"a*i*e\" };\n"
           "permit(principal, action, resource) when { principal.name like \"alice\" };\n"
           "permit(principal, action, resource) when { principal.name like \"al\" };\n"
           "permit(principal, action, resource) when { principal in [Group::\"x\", "
           "Group::\"g3\"] };\n"
           "permit(principal, action, resource) when { resource.owner == principal };\n"
           "permit(principal, action, resource) when { principal.getTag(\"level\") == 3 };\n"
           "permit(principal, action, resource) when { principal is User in Group::\"g1\" };\n"
           "permit(principal, action, resource) when { [principal.age, 1].contains(30) };\n"
           "permit(principal, action, resource) when { {a: principal.age}.a - 29 == 1 };\n"
           "permit(principal, action, resource) when { "
           "ip(\"10.1.2.3\").isInRange(ip(\"10.0.0.0/8\")) };"),
      "allow[policy0,policy1,policy2,policy3,policy5,policy6,policy7,policy8,policy9,policy11,"
      "policy12,policy13,policy14,policy15,policy16,policy17]{}<>");
}

/* Comparisons with a constant on the fast path at, below and above the
 * value (principal.age is 30), and with operands of another kind, which
 * the interpreter answers with its type error. */
Test(compile, comparisons_at_the_boundary) {
  static const char *const ops[] = {"<", "<=", ">", ">="};
  lr_buf b = {0};
  for (int i = 0; i < 4; i++)
    for (int k = 29; k <= 31; k++)
      lr_buf_printf(&b, "permit(principal, action, resource) when { principal.age %s %d };\n",
                    ops[i], k);
  lr_buf_puts(&b, "permit(principal, action, resource) when { principal.name < 3 };\n"
                  "permit(principal, action, resource) when { principal.age <= \"x\" };\n"
                  "permit(principal, action, resource) when { principal.addr.city == \"Paris\" "
                  "&& principal.age != \"30\" && principal.age == 30 };\n"
                  "permit(principal, action, resource) when { principal.age == \"30\" };\n");
  const char *got = both(b.p);
  lr_buf_free(&b);
  /* < 29/30/31: policy2; <= : policy4, policy5; >: policy6; >=: policy9, policy10 */
  cr_expect_str_eq(got,
                   "allow[policy2,policy4,policy5,policy6,policy9,policy10,policy14]{policy12: "
                   "type error: expected long, got string; policy13: type error: expected long, "
                   "got string}<>");
}

Test(compile, large_records_and_sets) {
  /* Records past the linear-scan size and sets past a few elements. */
  lr_buf b = {0};
  lr_buf_puts(&b, "permit(principal, action, resource) when { {");
  for (int i = 0; i < 40; i++) lr_buf_printf(&b, "%sk%02d: %d", i ? ", " : "", i, i);
  lr_buf_puts(&b, "}.k37 == 37 && principal.age == {");
  for (int i = 0; i < 20; i++) lr_buf_printf(&b, "%sa%02d: principal.age", i ? ", " : "", i);
  lr_buf_puts(&b, "}.a19 && [");
  for (int i = 0; i < 30; i++) lr_buf_printf(&b, "%s%d", i ? ", " : "", i);
  lr_buf_puts(&b, ", principal.age].contains(30) };\n");
  lr_buf_puts(&b, "forbid(principal, action, resource) when { {");
  for (int i = 0; i < 20; i++) lr_buf_printf(&b, "%sb%02d: 1", i ? ", " : "", i);
  lr_buf_puts(&b, "}.zz == 1 };");
  cr_expect_str_eq(both(b.p), "allow[policy0]{policy1: record does not have the attribute `zz`}<>");
  lr_buf_free(&b);
}

/* The memo slots the compiled set of text has: distinct paths, and path
 * nodes that share a slot. */
static void expect_paths(const char *text, size_t paths, size_t shared) {
  lr_policy_set set = load(text);
  lr_cset *c = lr_cset_compile(&set, NULL);
  lr_cset_stats st;
  lr_cset_get_stats(c, &st);
  cr_expect_eq(st.paths, paths);
  cr_expect_eq(st.paths_shared, shared);
  lr_cset_unref(c);
}

Test(compile, shared_paths_are_distinct) {
  /* Paths from variables are memoised per request by name: context.a.b and
   * context["a\0b"] must stay apart, and a path that bails stays bailed. */
  t.req.context = tparse_value(&t, "{a: {b: 1}, \"a\\u{0}b\": 2, s: \"x\"}");
  cr_expect_str_eq(both("permit(principal, action, resource) when { context.a.b == 1 };\n"
                        "permit(principal, action, resource) when { context[\"a\\u{0}b\"] == 2 "
                        "};\n"
                        "permit(principal, action, resource) when { context.a.b == 2 };\n"
                        "forbid(principal, action, resource) when { context.s.t == 1 };\n"
                        "forbid(principal, action, resource) when { context.s.t == 2 };\n"
                        "permit(principal, action, resource) when { context.a.b == 1 };"),
                   "allow[policy0,policy1,policy5]{policy3: type error: expected record or "
                   "entity, got string; policy4: type error: expected record or entity, got "
                   "string}<>");
  expect_paths("permit(principal, action, resource) when { context.a.b == 1 && "
               "principal.age > 1 };\n"
               "permit(principal, action, resource) when { context.a.b == 2 };",
               2, 1);
}

Test(compile, shared_tags_are_distinct) {
  /* A constant-key tag of a variable is memoised per request like a path:
   * apart from the attribute of the same name and from the same tag of
   * another variable, and a missing tag stays an error for every reader. */
  cr_expect_str_eq(both("permit(principal, action, resource) when { principal.getTag(\"dept\") "
                        "== \"eng\" };\n"
                        "permit(principal, action, resource) when { principal.getTag(\"level\") "
                        "== 3 };\n"
                        "forbid(principal, action, resource) when { principal.getTag(\"nope\") "
                        "== 1 };\n"
                        "forbid(principal, action, resource) when { principal.getTag(\"nope\") "
                        "== 1 };\n"
                        "forbid(principal, action, resource) when { principal.dept == \"eng\" "
                        "};\n"
                        "forbid(principal, action, resource) when { resource.getTag(\"dept\") "
                        "== \"eng\" };\n"
                        "permit(principal, action, resource) when { principal.getTag(\"dept\") "
                        "== \"eng\" && principal.getTag(\"level\") > 2 };"),
                   "allow[policy0,policy1,policy6]{policy2: entity `User::\"alice\"` does not have "
                   "the tag `nope`; policy3: entity `User::\"alice\"` does not have the tag "
                   "`nope`; policy4: entity `User::\"alice\"` does not have the attribute `dept`; "
                   "policy5: entity `Photo::\"p\"` does not have the tag `dept`}<>");
  expect_paths("permit(principal, action, resource) when { principal.getTag(\"a\") == 1 && "
               "principal.a == 1 && resource.getTag(\"a\") == 1 };\n"
               "permit(principal, action, resource) when { principal.getTag(\"a\") == 2 };",
               3, 1);
}

Test(compile, guards_reported_apart) {
  cr_expect_str_eq(both("mask(principal, action, resource) with { types: [\"EMAIL\"] };\n"
                        "limit(principal == User::\"bob\", action, resource) with { max: 1 };\n"
                        "limit(principal, action, resource) when { principal.nope } with { max: "
                        "1 };\n"
                        "permit(principal, action, resource);"),
                   "allow[policy3]{}<policy0 !policy2: entity `User::\"alice\"` does not have "
                   "the attribute `nope`>");
}

Test(compile, template_links_and_unlinked_slots) {
  lr_policy_set set = load("permit(principal in ?principal, action, resource);\n"
                           "permit(principal, action, resource == ?resource);");
  lr_diags d = {0};
  cr_assert_eq(
      lr_policy_set_link(t.a, &set, "policy0", "l0", tuid(&t, "Group", "g2"), NULL, NULL, &d),
      LR_OK);
  cr_assert_eq(
      lr_policy_set_link(t.a, &set, "policy0", "l1", tuid(&t, "Group", "zz"), NULL, NULL, &d),
      LR_OK);
  cr_assert_eq(
      lr_policy_set_link(t.a, &set, "policy1", "l2", NULL, tuid(&t, "Photo", "p"), NULL, &d),
      LR_OK);
  lr_diags_free(&d);
  cr_expect_str_eq(both_insts(set.insts, set.ninsts, t.es, &t.req), "allow[l0,l2]{}<>");
  /* An instance of a template with no slot value: the interpreter's error. */
  lr_policy_inst bad[2] = {{.id = "raw", .ast = set.policies[0]},
                           {.id = "ok", .ast = set.policies[1], .slot_resource = t.req.resource}};
  cr_expect_str_eq(both_insts(bad, 2, t.es, &t.req),
                   "allow[ok]{raw: unlinked slot in the policy scope}<>");
}

/* A finished overlay over the fixture's store holding User::"alice" in
 * Group::"g9" only (shadowing the store's alice). */
static lr_entities *alice_in_g9(void) {
  lr_entities *es = lr_entities_new_overlay(t.es);
  const lr_uid *g9 = tuid(&t, "Group", "g9");
  cr_assert_eq(lr_entities_add(es, tuid(&t, "User", "alice"), lr_value_empty_record(), &g9, 1,
                               lr_value_empty_record()),
               LR_OK);
  cr_assert_eq(lr_entities_finish(es, NULL), LR_OK);
  return es;
}

Test(compile, per_request_stores) {
  /* The same compiled set, two stores: `in` uses the request's store. */
  lr_policy_set set = load("permit(principal in Group::\"g9\", action, resource);");
  lr_cset *c = lr_cset_compile(&set, NULL);
  lr_entities *es = alice_in_g9();
  lr_decision d1, d2;
  lr_cset_authorize(c, t.a, t.es, &t.req, &d1);
  lr_cset_authorize(c, t.a, es, &t.req, &d2);
  cr_expect_str_eq(show(&d1), "deny[]{}<>");
  cr_expect_str_eq(show(&d2), "allow[policy0]{}<>");
  lr_entities_release(es);
  lr_cset_unref(c);
}

/* A request on a store, the interpreter's answer and its number of errors. */
typedef struct store_case {
  const lr_entities *es;
  const lr_request *req;
  const char *want;
  size_t nerrors;
} store_case;

/* Decides req with the interpreter (into *di), and with the same set
 * compiled unbound (plain) and bound to a store (bound): both must give
 * the interpreter's answer. */
static void three_ways(const lr_policy_set *set, const lr_cset *plain, const lr_cset *bound,
                       const lr_entities *es, const lr_request *req, size_t i, lr_decision *di) {
  lr_decision dp, db;
  lr_authorize(t.a, set->insts, set->ninsts, es, req, di);
  lr_cset_authorize(plain, t.a, es, req, &dp);
  lr_cset_authorize(bound, t.a, es, req, &db);
  cr_expect(lr_decision_same(di, &dp, NULL), "case %zu: unbound %s", i, show(&dp));
  cr_expect(lr_decision_same(di, &db, NULL), "case %zu: bound %s", i, show(&db));
}

/* lr_cset_bind: keys of entities of the bound store come from its table,
 * others (an overlay's, an absent principal) are looked up as before; the
 * answers are the interpreter's either way. Sets past SCAN_MAX (7) only:
 * smaller ones never use the index. */
Test(compile, bound_store_keys) {
  lr_buf b = {0};
  lr_buf_puts(&b,
              "permit(principal in Group::\"g3\", action in Action::\"read\", resource in "
              "Album::\"a\");\n"
              "permit(principal == User::\"alice\", action == Action::\"view\", resource == "
              "Photo::\"p\") when { principal.age >= 30 };\n"
              "forbid(principal in Group::\"g1\", action, resource) when { context.n > 10 };\n"
              "permit(principal is User in Group::\"g2\", action, resource is Photo in "
              "Album::\"a\");\n"
              "permit(principal in Group::\"g9\", action, resource);\n");
  for (int i = 0; i < 12; i++)
    lr_buf_printf(&b, "permit(principal == User::\"u%d\", action, resource in Group::\"g%d\");\n",
                  i, i);
  lr_policy_set set = load(b.p);
  lr_buf_free(&b);
  lr_cset *plain = lr_cset_compile(&set, NULL), *bound = lr_cset_compile(&set, NULL);
  lr_entities *open = lr_entities_new(); /* not finished: binding it does nothing */
  lr_cset_bind(bound, open);
  lr_cset_stats st;
  lr_cset_get_stats(bound, &st);
  cr_expect_eq(st.bound, 0);
  lr_entities_release(open);
  lr_cset_bind(bound, t.es);
  lr_cset_get_stats(bound, &st);
  cr_expect_eq(st.bound, lr_entities_count(t.es));
  /* alice again in an overlay, in Group::"g9" only (shadows the store's) */
  lr_entities *over = alice_in_g9();
  lr_entities *empty = lr_entities_new_overlay(t.es); /* finds everything in t.es */
  cr_assert_eq(lr_entities_finish(empty, NULL), LR_OK);
  lr_request zed = t.req, hot = t.req;
  zed.principal = tuid(&t, "User", "zed");
  hot.context = tparse_value(&t, "{n: 11}");
  const store_case cases[] = {
      {t.es, &t.req, "allow[policy0,policy1,policy3]{}<>", 0},
      {t.es, &hot, "deny[policy2]{}<>", 0},
      {empty, &t.req, "allow[policy0,policy1,policy3]{}<>", 0},
      {over, &t.req,
       "allow[policy4]{policy1: entity `User::\"alice\"` does not have the attribute `age`}<>", 1},
      {t.es, &zed, "deny[]{}<>", 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    lr_decision di;
    three_ways(&set, plain, bound, cases[i].es, cases[i].req, i, &di);
    cr_expect_str_eq(show(&di), cases[i].want, "case %zu: %s", i, show(&di));
    cr_expect_eq(di.nerrors, cases[i].nerrors, "case %zu", i);
  }
  lr_entities_release(over);
  lr_entities_release(empty);
  lr_cset_unref(plain);
  lr_cset_unref(bound);
}

/* Policies that name no principal (or only its type) and begin with
 * `operand == "literal"` are indexed by the operand's value (at most four
 * operands): a request finds them only when its value is that string or
 * evaluating it bails (the errors must still be reported). Bound and
 * unbound, through the store, an overlay and an absent principal, the
 * answers are the interpreter's (alice's tags: dept "eng", level 3). */
Test(compile, index_by_value) {
  lr_buf b = {0};
  lr_buf_puts(&b,
              "forbid(principal, action, resource) when { principal.getTag(\"dept\") == \"eng\" "
              "&& context.n > 1 };\n"
              "permit(principal, action == Action::\"view\", resource) when { "
              "principal.getTag(\"dept\") == \"ops\" };\n"
              "permit(principal, action, resource == Photo::\"p\") when { principal.name == "
              "\"alice\" };\n"
              "permit(principal, action, resource) when { context.s == \"hi\" && context.nope };\n"
              "permit(principal, action, resource) when { principal.getTag(\"level\") == \"3\" };\n"
              "permit(principal, action, resource) unless { principal.getTag(\"dept\") == \"eng\" "
              "};\n"
              "permit(principal, action, resource) when { context.n > 0 && "
              "principal.getTag(\"dept\") == \"x\" };\n"
              "permit(principal, action, resource) when { principal.addr.city == \"Paris\" };\n"
              "permit(principal is User, action, resource) when { principal.getTag(\"dept\") == "
              "\"eng\" };\n"
              "permit(principal is Admin, action, resource) when { principal.getTag(\"dept\") == "
              "\"eng\" };\n");
  for (int i = 0; i < 400; i++) /* other tenants: never candidates for alice */
    lr_buf_printf(&b,
                  "forbid(principal, action, resource) when { principal.getTag(\"dept\") == "
                  "\"d%d\" && context.nope };\n",
                  i);
  lr_policy_set set = load(b.p);
  lr_buf_free(&b);
  lr_cset *plain = lr_cset_compile(&set, NULL), *bound = lr_cset_compile(&set, NULL);
  lr_cset_bind(bound, t.es);
  lr_cset_stats st;
  lr_cset_get_stats(bound, &st);
  cr_expect_eq(st.by_value, 407); /* not: unless, second test, a fifth operand */
  cr_expect_eq(st.index_entries, 2 * 407 + 3);
  lr_entities *over = alice_in_g9(); /* alice without attributes or tags */
  lr_request zed = t.req, other = t.req;
  zed.principal = tuid(&t, "User", "zed");
  other.context = tparse_value(&t, "{n: 0, s: \"ho\"}");
  const store_case cases[] = { /* want: the start of the interpreter's answer */
      {t.es, &t.req, "deny[policy0]{policy3: record does not have the attribute `nope`}<>", 1},
      {t.es, &other, "allow[policy2,policy7,policy8]{}<>", 0},
      /* a missing tag or attribute, a missing entity: every policy errs but
       * the one whose scope (`is Admin`) does not hold */
      {over, &t.req, "deny[]{policy0: entity `User::\"alice\"` does not have the tag `dept`; ", 409},
      {t.es, &zed, "deny[]{policy0: entity `User::\"zed\"` does not exist; ", 409},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    lr_decision di;
    three_ways(&set, plain, bound, cases[i].es, cases[i].req, i, &di);
    const char *got = show(&di);
    cr_expect(strncmp(got, cases[i].want, strlen(cases[i].want)) == 0, "case %zu: %s", i, got);
    cr_expect_eq(di.nerrors, cases[i].nerrors, "case %zu: %zu errors", i, di.nerrors);
  }
  lr_entities_release(over);
  lr_cset_unref(plain);
  lr_cset_unref(bound);
}

Test(compile, refcount_and_adopted_arena) {
  lr_arena *a = lr_arena_new(0);
  lr_source *s = LR_NEW(a, lr_source);
  s->name = "<t>";
  s->text = "permit(principal, action, resource);";
  s->len = strlen(s->text);
  lr_policy_set set = {0};
  lr_diags d = {0};
  cr_assert_eq(lr_policy_set_add_source(a, &set, s, 0, &d), LR_OK);
  lr_cset *c = lr_cset_compile(&set, &d);
  lr_cset_adopt_arena(c, a); /* freed with the set (ASan checks the leak) */
  cr_assert_eq(lr_cset_ref(c), c);
  lr_cset_unref(c);
  lr_decision dec;
  lr_cset_authorize(c, t.a, t.es, &t.req, &dec);
  cr_expect(dec.allow);
  lr_cset_unref(c);
  lr_cset_unref(NULL);
  lr_diags_free(&d);
}

Test(compile, index_reports_a_policy_found_twice_once) {
  /* The request's action Action::"view" is in Action::"read": policies
   * naming both are found under two keys of one request (and decided
   * twice); each must be reported once, in policy order, past the 13
   * fillers that make the set indexed. */
  lr_buf b = {0};
  for (int i = 0; i < 13; i++)
    lr_buf_printf(&b, "permit(principal == User::\"f%d\", action, resource);\n", i);
  lr_buf_puts(&b,
              "forbid(principal, action in [Action::\"view\", Action::\"read\"], resource) "
              "when { context.nope };\n"
              "permit(principal, action in [Action::\"read\", Action::\"view\"], resource);\n"
              "permit(principal, action in Action::\"read\", resource);\n"
              "forbid(principal, action in [Action::\"view\", Action::\"read\"], resource) "
              "unless { true };\n");
  lr_policy_set set = load(b.p);
  lr_buf_free(&b);
  const char *got = both_insts(set.insts, set.ninsts, t.es, &t.req);
  cr_expect(strncmp(got, "allow[policy14,policy15]{policy13: ", 35) == 0, "%s", got);
  cr_expect(strstr(got, "; policy13") == NULL, "%s", got);
}

Test(compile, index_prunes_large_sets) {
  /* 2,000 policies on distinct users: the request's candidates are the one
   * naming alice plus the unscoped one, whatever the set's size. */
  lr_buf b = {0};
  for (int i = 0; i < 2000; i++)
    lr_buf_printf(&b, "permit(principal == User::\"u%d\", action, resource) when { false };\n", i);
  lr_buf_puts(&b, "permit(principal == User::\"alice\", action == Action::\"view\", resource);\n");
  lr_buf_puts(&b, "forbid(principal, action, resource) when { context has stop };\n");
  lr_policy_set set = load(b.p);
  lr_buf_free(&b);
  cr_expect_str_eq(both_insts(set.insts, set.ninsts, t.es, &t.req), "allow[policy2000]{}<>");
  lr_cset *c = lr_cset_compile(&set, NULL);
  lr_cset_stats st;
  lr_cset_get_stats(c, &st);
  cr_expect_eq(st.shapes, 3);
  cr_expect_eq(st.index_entries, 2002);
  cr_expect_gt(st.conds_fast, 2000);
  cr_expect_geq(st.folded, 2000);
  lr_cset_unref(c);
}

Test(compile, decision_same_detects_each_difference) {
  lr_policy_inst g1 = {.id = "g1"}, g2 = {.id = "g2"};
  const lr_policy_inst *ga[1] = {&g1}, *gb[1] = {&g2};
  const char *ra[1] = {"p0"}, *rb[1] = {"p1"};
  lr_auth_error ea[1] = {{"p2", "boom"}}, eb[1] = {{"p2", "bang"}};
  lr_decision x = {.allow = true,
                   .reasons = ra,
                   .nreasons = 1,
                   .errors = ea,
                   .nerrors = 1,
                   .guards = ga,
                   .nguards = 1,
                   .guard_errors = ea,
                   .nguard_errors = 1};
  lr_decision y = x;
  cr_expect(lr_decision_same(&x, &y, NULL));
  lr_buf why = {0};
  y.allow = false;
  cr_expect_not(lr_decision_same(&x, &y, &why));
  y = x, y.reasons = rb;
  cr_expect_not(lr_decision_same(&x, &y, &why));
  y = x, y.nreasons = 0;
  cr_expect_not(lr_decision_same(&x, &y, &why));
  y = x, y.errors = eb;
  cr_expect_not(lr_decision_same(&x, &y, &why));
  y = x, y.nerrors = 0;
  cr_expect_not(lr_decision_same(&x, &y, &why));
  y = x, y.guards = gb;
  cr_expect_not(lr_decision_same(&x, &y, &why));
  y = x, y.guard_errors = eb;
  cr_expect_not(lr_decision_same(&x, &y, &why));
  cr_expect(strstr(why.p, "guard_errors[0]: p2: boom vs p2: bang") != NULL, "%s", why.p);
  lr_buf_free(&why);
}

/* lr_request_from_json_fast reads the common shape exactly as
 * lr_request_from_json does, and leaves everything else to it. */
static void fast_same_as_jansson(const char *line) {
  lr_request fast, slow;
  cr_assert_eq(lr_request_from_json_fast(t.a, line, strlen(line), &fast), LR_OK, "%s", line);
  lr_diags d = {0};
  json_t *j = lr_json_parse(line, strlen(line), "line", &d);
  cr_assert(j, "%s", line);
  cr_assert_eq(lr_request_from_json(t.a, j, NULL, "line", &d, &slow), LR_OK, "%s", line);
  json_decref(j);
  lr_diags_free(&d);
  cr_expect(lr_uid_eq(fast.principal, slow.principal) && lr_uid_eq(fast.action, slow.action) &&
                lr_uid_eq(fast.resource, slow.resource),
            "%s", line);
  lr_buf a = {0}, b = {0};
  lr_value_print(fast.context, &a);
  lr_value_print(slow.context, &b);
  cr_expect(lr_value_eq(fast.context, slow.context), "%s: %s vs %s", line, a.p, b.p);
  cr_expect_str_eq(a.p, b.p);
  lr_buf_free(&a), lr_buf_free(&b);
}

static void fast_declines(const char *line) {
  lr_request r;
  cr_expect_eq(lr_request_from_json_fast(t.a, line, strlen(line), &r), LR_AGAIN, "%s", line);
}

#define RQ(ctx)                                                                                    \
  "{\"principal\": {\"type\": \"User\", \"id\": \"al\\u0069ce\"}, \"action\": {\"type\": "         \
  "\"Action\", \"id\": \"view\"}, \"resource\": {\"type\": \"A::Photo\", \"id\": \"p\"}" ctx "}"

Test(compile, fast_request_reader_agrees_with_jansson) {
  fast_same_as_jansson(RQ(""));
  fast_same_as_jansson(RQ(", \"context\": {}"));
  fast_same_as_jansson(
      RQ(", \"context\": {\"b\": [3, 1, 3, \"x\", true, []], \"a\": {\"z\": -9223372036854775808, "
         "\"y\\n\": \"\\u00e9\\ud83d\\ude00\"}, \"ip\": {\"__extn\": {\"fn\": \"ip\", \"arg\": "
         "\"10.0.0.0/8\"}}, \"t\": {\"__extn\": {\"fn\": \"datetime\", \"arg\": \"2024-01-01\"}}, "
         "\"d\": {\"__extn\": {\"arg\": \"1.5\", \"fn\": \"decimal\"}}, \"e\": {\"__entity\": "
         "{\"type\": \"User\", \"id\": \"bob\"}}, \"s\": [{\"__extn\": {\"fn\": \"duration\", "
         "\"arg\": \"1h\"}}]}"));
  fast_declines(RQ(", \"context\": {\"n\": null}"));
  fast_declines(RQ(", \"context\": {\"n\": 1.5}"));
  fast_declines(RQ(", \"context\": {\"n\": 1e3}"));
  fast_declines(RQ(", \"context\": {\"n\": 99999999999999999999}"));
  fast_declines(RQ(", \"context\": {\"__expr\": \"1\"}"));
  fast_declines(RQ(", \"context\": {\"x\": {\"__extn\": {\"fn\": \"ip\", \"arg\": \"bad\"}}}"));
  fast_declines(RQ(", \"context\": {\"x\": {\"__extn\": {\"fn\": \"offset\", \"args\": []}}}"));
  fast_declines(RQ(", \"context\": {\"x\": {\"__entity\": {\"type\": \"if\", \"id\": \"a\"}}}"));
  fast_declines(RQ(", \"context\": [1]"));
  fast_declines(RQ(", \"context\": {\"a\": 1, \"a\": 2}"));
  fast_declines(RQ(", \"extra\": 1"));
  fast_declines("{\"principal\": \"User::\\\"a\\\"\", \"action\": {\"type\": \"Action\", \"id\": "
                "\"v\"}, \"resource\": {\"type\": \"P\", \"id\": \"p\"}}");
  fast_declines("{\"action\": {\"type\": \"Action\", \"id\": \"v\"}, \"resource\": {\"type\": "
                "\"P\", \"id\": \"p\"}}");
  fast_declines("[1, 2]");
  fast_declines("{\"principal\": ");
}

Test(compile, request_without_a_principal_uses_the_interpreter) {
  lr_policy_set set = load("permit(principal, action, resource);\n"
                           "mask(principal, action, resource) with { types: [] };\n"
                           "forbid(principal, action, resource) when { principal.age > 1 };");
  lr_request req = t.req;
  req.principal = NULL;
  /* Every policy is decided by the interpreter (which needs scopes that
   * do not read the missing principal); guards still point into the set's
   * own instances. */
  lr_decision di, dc;
  lr_cset *c = lr_cset_compile(&set, NULL);
  lr_cset_authorize(c, t.a, t.es, &req, &dc);
  lr_authorize(t.a, set.insts, set.ninsts, t.es, &req, &di);
  cr_expect(lr_decision_same(&di, &dc, NULL));
  cr_expect_eq(dc.nerrors, 1);
  cr_assert_eq(dc.nguards, 1);
  cr_expect_eq(dc.guards[0], &set.insts[1]);
  lr_cset_unref(c);
}
