/* test_authorize.c — the authorizer (policy/authorize.c): forbid overrides
 * permit, default deny, erroring policies skipped and reported, templates. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "policy_test_util.h"

static tenv t;
static void setup(void) { tenv_init(&t); }
static void teardown(void) { tenv_free(&t); }
TestSuite(authorize, .init = setup, .fini = teardown);

static lr_policy_list parse(const char *text) {
  lr_source *s = LR_NEW(t.a, lr_source);
  s->name = "<test>";
  s->text = lr_arena_strdup(t.a, text);
  s->len = strlen(text);
  lr_diags d = {0};
  lr_policy_list l;
  lr_status st = lr_parse_policies(t.a, s, 0, &d, &l);
  if (st != LR_OK) {
    lr_buf b = {0};
    lr_diags_render(&d, &b);
    cr_log_error("%s", b.p);
    lr_buf_free(&b);
  }
  cr_assert_eq(st, LR_OK);
  lr_diags_free(&d);
  return l;
}

/* "allow[policy0,policy1]{policy2}" */
static const char *decide(const char *text) {
  lr_policy_list l = parse(text);
  lr_policy_inst *insts;
  size_t n = lr_policy_insts_static(t.a, &l, &insts);
  lr_decision d;
  lr_authorize(t.a, insts, n, t.es, &t.req, &d);
  lr_buf b = {0};
  lr_buf_puts(&b, d.allow ? "allow[" : "deny[");
  for (size_t i = 0; i < d.nreasons; i++) lr_buf_printf(&b, "%s%s", i ? "," : "", d.reasons[i]);
  lr_buf_puts(&b, "]{");
  for (size_t i = 0; i < d.nerrors; i++) {
    lr_buf_printf(&b, "%s%s", i ? "," : "", d.errors[i].policy_id);
    cr_assert(d.errors[i].message && *d.errors[i].message);
  }
  lr_buf_puts(&b, "}");
  const char *r = lr_arena_strdup(t.a, b.p);
  lr_buf_free(&b);
  return r;
}

Test(authorize, default_deny) { cr_expect_str_eq(decide(""), "deny[]{}"); }

Test(authorize, permit_and_forbid) {
  cr_expect_str_eq(decide("permit(principal, action, resource);"), "allow[policy0]{}");
  cr_expect_str_eq(decide("permit(principal, action, resource);\n"
                          "forbid(principal, action, resource) when { principal.age > 18 };\n"
                          "permit(principal == User::\"alice\", action, resource);"),
                   "deny[policy1]{}");
  cr_expect_str_eq(decide("permit(principal == User::\"bob\", action, resource);"), "deny[]{}");
}

Test(authorize, scopes) {
  cr_expect_str_eq(decide("permit(principal in Group::\"g3\", action in Action::\"read\", "
                          "resource in Album::\"a\");"),
                   "allow[policy0]{}");
  cr_expect_str_eq(decide("permit(principal is User in Group::\"g1\", action in "
                          "[Action::\"x\", Action::\"view\"], resource is Photo);"),
                   "allow[policy0]{}");
  cr_expect_str_eq(decide("permit(principal, action == Action::\"read\", resource);"), "deny[]{}");
  cr_expect_str_eq(decide("permit(principal, action, resource is Album);"), "deny[]{}");
}

Test(authorize, errors_are_skipped_and_reported) {
  cr_expect_str_eq(decide("permit(principal, action, resource);\n"
                          "forbid(principal, action, resource) when { principal.nope };"),
                   "allow[policy0]{policy1}");
  cr_expect_str_eq(decide("permit(principal, action, resource) when { 1 };"), "deny[]{policy0}");
  cr_expect_str_eq(decide("permit(principal, action, resource) unless { \"x\" };"),
                   "deny[]{policy0}");
  /* the scope fails first: no error */
  cr_expect_str_eq(decide("permit(principal == User::\"bob\", action, resource) when { 1 };"),
                   "deny[]{}");
  /* conditions evaluate in order and stop at the first false one */
  cr_expect_str_eq(decide("permit(principal, action, resource) when { false } when { 1 };"),
                   "deny[]{}");
  cr_expect_str_eq(decide("permit(principal, action, resource) unless { true } when { 1 };"),
                   "deny[]{}");
}

Test(authorize, templates_link_slots) {
  lr_policy_list l = parse("permit(principal == ?principal, action, resource in ?resource);");
  cr_assert(l.items[0]->is_template);
  lr_policy_inst insts[2] = {
      {"link1", l.items[0], tuid(&t, "User", "alice"), tuid(&t, "Album", "a")},
      {"link2", l.items[0], tuid(&t, "User", "bob"), tuid(&t, "Album", "a")},
  };
  lr_decision d;
  lr_authorize(t.a, insts, 2, t.es, &t.req, &d);
  cr_expect(d.allow);
  cr_assert_eq(d.nreasons, 1);
  cr_expect_str_eq(d.reasons[0], "link1");
  /* an unlinked template is an error, not a crash */
  lr_policy_inst bad = {"t", l.items[0], NULL, NULL};
  lr_authorize(t.a, &bad, 1, t.es, &t.req, &d);
  cr_expect(!d.allow);
  cr_expect_eq(d.nerrors, 1);
  lr_policy_inst *st;
  cr_expect_eq(lr_policy_insts_static(t.a, &l, &st), 0);
}

Test(authorize, guardrails_reported_apart) {
  lr_policy_list l = parse("mask(principal, action, resource) with { types: [\"EMAIL\"] };\n"
                           "limit(principal, action, resource) when { principal.nope } "
                           "with { max: 1 };\n"
                           "limit(principal == User::\"bob\", action, resource) with { max: 1 };\n"
                           "permit(principal, action, resource);");
  lr_policy_inst *insts;
  size_t n = lr_policy_insts_static(t.a, &l, &insts);
  cr_assert_eq(n, 4);
  lr_decision d;
  lr_authorize(t.a, insts, n, t.es, &t.req, &d);
  cr_expect(d.allow);
  cr_expect_eq(d.nreasons, 1);
  cr_expect_eq(d.nerrors, 0);
  cr_assert_eq(d.nguards, 1);
  cr_expect_str_eq(d.guards[0]->id, "policy0");
  cr_assert_eq(d.nguard_errors, 1);
  cr_expect_str_eq(d.guard_errors[0].policy_id, "policy1");
  lr_eval_env env = {t.es, &t.req, d.guards[0], t.a};
  lr_eval_error err;
  lr_value w;
  cr_assert_eq(lr_eval_expr(&env, d.guards[0]->ast->with, &w, &err), LR_OK);
  cr_expect_eq(w.kind, LR_V_RECORD);
}
