/*
 * test_explain.c — unit tests for policy/explain.c: the part that decided
 * each policy (scope element, condition, narrowed sub-expression, error),
 * and agreement with lr_authorize on the decision.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "policy.h"
#include "policy_test_util.h"

typedef struct fixture {
  tenv t;
  lr_policy_set set;
  lr_source src;
  lr_decision dec;
  lr_explain x[16];
} fixture;

static void run(fixture *f, const char *policies, const char *context_src) {
  tenv_init(&f->t);
  memset(&f->set, 0, sizeof f->set);
  f->src = (lr_source){"t.cedar", policies, strlen(policies)};
  lr_diags d = {0};
  cr_assert_eq(lr_policy_set_add_source(f->t.a, &f->set, &f->src, 0, &d), LR_OK);
  lr_diags_free(&d);
  cr_assert(f->set.ninsts <= 16);
  if (context_src) f->t.req.context = tparse_value(&f->t, context_src);
  lr_explain_policies(f->t.a, f->set.insts, f->set.ninsts, f->t.es, &f->t.req, &f->dec, f->x);
  lr_decision ref;
  lr_authorize(f->t.a, f->set.insts, f->set.ninsts, f->t.es, &f->t.req, &ref);
  cr_assert_eq(ref.allow, f->dec.allow);
  cr_assert_eq(ref.nreasons, f->dec.nreasons);
  cr_assert_eq(ref.nerrors, f->dec.nerrors);
}

/* The source text of x's span. */
static char *span(fixture *f, const lr_explain *x) {
  static char buf[256];
  size_t n = x->end - x->off;
  cr_assert(n < sizeof buf);
  memcpy(buf, f->src.text + x->off, n);
  buf[n] = 0;
  return buf;
}

Test(explain, scope_parts_in_cedar_order) {
  fixture f;
  run(&f,
      "permit (principal == User::\"bob\", action, resource);\n"
      "permit (principal, action == Action::\"edit\", resource == Photo::\"q\");\n"
      "permit (principal in Group::\"g3\", action in [Action::\"read\"], resource is Album);\n"
      "permit (principal is User, action, resource in Album::\"a\");\n",
      NULL);
  cr_assert_eq(f.x[0].result, LR_POLICY_NOT_SATISFIED);
  cr_assert_eq(f.x[0].part, LR_EXPLAIN_PRINCIPAL);
  cr_assert_str_eq(span(&f, &f.x[0]), "principal == User::\"bob\"");
  cr_assert_eq(f.x[1].part, LR_EXPLAIN_ACTION, "action before resource");
  cr_assert_str_eq(span(&f, &f.x[1]), "action == Action::\"edit\"");
  cr_assert_eq(f.x[2].part, LR_EXPLAIN_RESOURCE, "g3 is an ancestor; read is the action's parent");
  cr_assert_str_eq(span(&f, &f.x[2]), "resource is Album");
  cr_assert_eq(f.x[3].result, LR_POLICY_SATISFIED);
  cr_assert_eq(f.x[3].part, LR_EXPLAIN_ALL);
  cr_assert(f.x[3].determining);
  cr_assert(f.dec.allow);
  tenv_free(&f.t);
}

Test(explain, conditions_narrowed_through_and_or_not) {
  fixture f;
  run(&f,
      "permit (principal, action, resource) when { context.n > 1 && (context.s == \"no\" || "
      "context.n == 0) };\n"
      "permit (principal, action, resource) when { true } unless { context.n < 0 || "
      "!(principal.age > 18) || context.s == \"hi\" };\n"
      "forbid (principal, action, resource) when { context.n > 1 } when { !(context.n == 5) };\n"
      "forbid (principal, action, resource) when { context.nope == 1 };\n",
      NULL);
  cr_assert_eq(f.x[0].part, LR_EXPLAIN_CONDITION);
  cr_assert_str_eq(span(&f, &f.x[0]), "context.s == \"no\" || context.n == 0",
                   "a false || is its own explanation");
  cr_assert_not(f.x[0].value);
  cr_assert_eq(f.x[1].cond, 1);
  cr_assert_str_eq(span(&f, &f.x[1]), "context.s == \"hi\"", "first true disjunct");
  cr_assert(f.x[1].value);
  cr_assert_eq(f.x[2].cond, 1);
  cr_assert_str_eq(span(&f, &f.x[2]), "context.n == 5", "through the negation");
  cr_assert(f.x[2].value, "the operand of ! was true");
  cr_assert_eq(f.x[3].result, LR_POLICY_ERROR);
  cr_assert_not_null(f.x[3].message);
  cr_assert_str_eq(span(&f, &f.x[3]), "context.nope");
  cr_assert_not(f.dec.allow, "no permit applies: default deny");
  tenv_free(&f.t);
}

Test(explain, determining_forbid_and_narrow_helper) {
  fixture f;
  run(&f,
      "permit (principal, action, resource);\n"
      "forbid (principal, action, resource) when { context.n == 5 && context.s like \"h*\" };\n",
      NULL);
  cr_assert_not(f.dec.allow);
  cr_assert_not(f.x[0].determining, "a permit overridden by a forbid is not determining");
  cr_assert(f.x[1].determining);
  lr_eval_env env = {.entities = f.t.es, .req = &f.t.req, .inst = &f.set.insts[1], .arena = f.t.a};
  size_t off, end;
  cr_assert(lr_explain_narrow(&env, f.set.insts[1].ast->conds[0].expr, true, &off, &end));
  cr_assert_eq(end - off, strlen("context.n == 5 && context.s like \"h*\""),
               "a true && is explained by itself");
  tenv_free(&f.t);
}

Test(explain, narrowing_through_not_flips_the_value) {
  fixture f;
  run(&f, "permit (principal, action, resource) unless { !(context.s like \"h*\") };\n", NULL);
  lr_eval_env env = {.entities = f.t.es, .req = &f.t.req, .inst = &f.set.insts[0], .arena = f.t.a};
  size_t off, end;
  cr_assert(lr_explain_narrow(&env, f.set.insts[0].ast->conds[0].expr, false, &off, &end),
            "the unless is false because the like is true");
  cr_assert_eq(end - off, strlen("context.s like \"h*\""));
  tenv_free(&f.t);
}
