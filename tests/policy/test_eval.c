/* test_eval.c — the evaluator (policy/eval.c) against Cedar's semantics. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "policy_test_util.h"

static tenv t;
static void setup(void) { tenv_init(&t); }
static void teardown(void) { tenv_free(&t); }
TestSuite(eval, .init = setup, .fini = teardown);

#define SHOW(src, want) cr_expect_str_eq(tshow(&t, src), want, "%s", src)
#define ERR(src)                                                                                   \
  cr_expect(strncmp(tshow(&t, src), "error: ", 7) == 0, "%s gave %s, expected an error", src,      \
            tshow(&t, src))

Test(eval, literals_and_vars) {
  SHOW("true", "true");
  SHOW("-9223372036854775808", "-9223372036854775808");
  SHOW("\"a\\\"b\"", "\"a\\\"b\"");
  SHOW("principal", "User::\"alice\"");
  SHOW("action", "Action::\"view\"");
  SHOW("context.n", "5");
  SHOW("[3, 1, 2, 1]", "[1, 2, 3]");
  SHOW("{b: 1, a: 2}", "{\"a\": 2, \"b\": 1}");
}

Test(eval, arithmetic_is_checked) {
  SHOW("1 + 2 * 3", "7");
  SHOW("9223372036854775807 - 1", "9223372036854775806");
  ERR("9223372036854775807 + 1");
  ERR("-9223372036854775807 - 2");
  ERR("4611686018427387904 * 2");
  SHOW("-4611686018427387904 * 2", "-9223372036854775808");
  ERR("-(-9223372036854775808)");
  ERR("-context.s");
  ERR("1 + \"a\"");
  ERR("\"a\" + 1");
  SHOW("--1", "1");
}

Test(eval, comparisons) {
  SHOW("1 < 2", "true");
  SHOW("2 <= 2", "true");
  SHOW("3 > 2", "true");
  SHOW("2 >= 3", "false");
  ERR("1 < \"a\"");
  ERR("\"a\" < \"b\"");
  ERR("decimal(\"1.0\") < decimal(\"2.0\")");
  SHOW("datetime(\"2024-01-01\") < datetime(\"2024-01-02\")", "true");
  SHOW("duration(\"1h\") > duration(\"59m\")", "true");
  SHOW("duration(\"60m\") >= duration(\"1h\")", "true");
  ERR("datetime(\"2024-01-01\") < duration(\"1h\")");
  ERR("duration(\"1h\") < 5");
}

Test(eval, equality_never_errors) {
  SHOW("1 == \"1\"", "false");
  SHOW("[1, 2] == [2, 1, 1]", "true");
  SHOW("{a: [1], b: {c: 2}} == {b: {c: 2}, a: [1]}", "true");
  SHOW("principal == User::\"alice\"", "true");
  SHOW("User::\"alice\" != Admin::\"alice\"", "true");
  SHOW("decimal(\"1.0\") == decimal(\"1.0000\")", "true");
  SHOW("ip(\"10.0.0.1\") == ip(\"10.0.0.1/32\")", "true");
  SHOW("ip(\"10.0.0.1/8\") == ip(\"10.0.0.0/8\")", "false");
  SHOW("duration(\"1h\") == duration(\"60m\")", "true");
  SHOW("1 != 2", "true");
}

Test(eval, boolean_short_circuit_and_types) {
  SHOW("false && (1 + \"a\")", "false");
  SHOW("true || (1 + \"a\")", "true");
  ERR("true && (1 + \"a\")");
  ERR("1 && true");
  ERR("true && 1");
  ERR("false || 1");
  SHOW("if true then 1 else 1 + \"a\"", "1");
  ERR("if 1 then 2 else 3");
  ERR("!1");
  SHOW("!false", "true");
}

Test(eval, in_uses_transitive_ancestors) {
  SHOW("principal in Group::\"g1\"", "true");
  SHOW("principal in Group::\"g3\"", "true");
  SHOW("principal in principal", "true");
  SHOW("principal in [Group::\"x\", Group::\"g2\"]", "true");
  SHOW("principal in []", "false");
  SHOW("Group::\"g3\" in Group::\"g3\"", "true");
  SHOW("Nobody::\"x\" in Group::\"g1\"", "false");
  SHOW("Nobody::\"x\" in Nobody::\"x\"", "true");
  SHOW("resource in Album::\"a\"", "true");
  SHOW("action in Action::\"read\"", "true");
  ERR("1 in Group::\"g1\"");
  ERR("principal in 1");
  ERR("principal in [principal, 1]");
}

Test(eval, has_and_attributes) {
  SHOW("principal has name", "true");
  SHOW("principal has nope", "false");
  SHOW("principal has \"two words\"", "true");
  SHOW("principal has addr.city", "true");
  SHOW("principal has addr.country", "false");
  SHOW("context has rec.a.b", "true");
  ERR("principal has name.first");
  SHOW("Nobody::\"x\" has name", "false");
  ERR("1 has a");
  SHOW("principal.addr.city", "\"Paris\"");
  SHOW("principal[\"two words\"]", "1");
  SHOW("resource.owner.name", "\"alice\"");
  ERR("principal.nope");
  ERR("Nobody::\"x\".name");
  ERR("context.nope");
  ERR("context.n.m");
}

Test(eval, like_patterns) {
  SHOW("\"abc\" like \"a*\"", "true");
  SHOW("\"abc\" like \"*c\"", "true");
  SHOW("\"abc\" like \"*b*\"", "true");
  SHOW("\"abc\" like \"a*d\"", "false");
  SHOW("\"\" like \"*\"", "true");
  SHOW("\"a*c\" like \"a\\*c\"", "true");
  SHOW("\"abc\" like \"a\\*c\"", "false");
  SHOW("\"aaa\" like \"a*a*a\"", "true");
  SHOW("\"aa\" like \"a*a*a\"", "false");
  SHOW("\"mississippi\" like \"*sip*\"", "true");
  SHOW("\"héllo\" like \"h*o\"", "true");
  ERR("1 like \"*\"");
}

Test(eval, is_and_is_in) {
  SHOW("principal is User", "true");
  SHOW("principal is Group", "false");
  SHOW("principal is User in Group::\"g2\"", "true");
  SHOW("principal is Group in (1 + \"a\")", "false");
  ERR("principal is User in (1 + \"a\")");
  ERR("1 is User");
}

Test(eval, set_methods) {
  SHOW("[1, 2].contains(2)", "true");
  SHOW("[[1], {a: 1}].contains({a: 1})", "true");
  SHOW("[1, 2].containsAll([2])", "true");
  SHOW("[1, 2].containsAll([])", "true");
  SHOW("[1, 2].containsAny([3, 1])", "true");
  SHOW("[1, 2].containsAny([])", "false");
  SHOW("[].isEmpty()", "true");
  SHOW("context.set.isEmpty()", "false");
  ERR("1.contains(1)");
  ERR("[1].containsAll(1)");
  ERR("\"a\".isEmpty()");
}

Test(eval, tags) {
  SHOW("principal.hasTag(\"dept\")", "true");
  SHOW("principal.hasTag(\"name\")", "false");
  SHOW("principal.getTag(\"level\")", "3");
  ERR("principal.getTag(\"name\")");
  SHOW("Nobody::\"x\".hasTag(\"a\")", "false");
  ERR("Nobody::\"x\".getTag(\"a\")");
  ERR("principal.hasTag(1)");
  ERR("context.getTag(\"n\")");
}

Test(eval, extension_calls) {
  SHOW("decimal(\"1.23\").lessThan(decimal(\"1.3\"))", "true");
  SHOW("ip(\"192.168.1.7\").isInRange(ip(\"192.168.0.0/16\"))", "true");
  ERR("decimal(\"1.23\").lessThan(\"1.3\")");
  ERR("decimal(1)");
  ERR("ip(\"1.2.3\")");
  ERR("decimal(\"1.0\", \"2.0\")");
  ERR("decimal(\"1.0\").lessThan()");
  SHOW("datetime(\"2024-10-15T11:38:02Z\").toTime()", "duration(\"11h38m2s\")");
}

Test(eval, first_error_wins_left_to_right) {
  cr_expect(strstr(tshow(&t, "[principal.nope, 1 + \"a\"]"), "nope") != NULL);
  cr_expect(strstr(tshow(&t, "(1 + \"a\") == principal.nope"), "type error") != NULL);
}

/* The parser caps nesting, but ASTs may be built by other code: evaluation
 * must not recurse per element of a left-associated chain, and must refuse
 * (not overflow the stack) on absurdly deep nesting. */
static lr_expr *mk(lr_expr_kind k) {
  lr_expr *e = LR_NEW(t.a, lr_expr);
  e->kind = k;
  return e;
}

static const char *show_expr(const lr_expr *e) {
  lr_eval_env env = {t.es, &t.req, NULL, t.a};
  lr_eval_error err = {0};
  lr_value v;
  lr_buf b = {0};
  if (lr_eval_expr(&env, e, &v, &err) == LR_OK)
    lr_value_print(v, &b);
  else
    lr_buf_printf(&b, "error: %s", err.msg);
  const char *r = lr_arena_strdup(t.a, b.p);
  lr_buf_free(&b);
  return r;
}

Test(eval, long_chains_do_not_recurse) {
  lr_expr *acc = mk(LR_EXPR_LONG), *one = mk(LR_EXPR_LONG);
  one->u.n = 1;
  for (int i = 0; i < 100000; i++) {
    lr_expr *add = mk(LR_EXPR_BINARY);
    add->u.bin.op = i % 3 == 2 ? LR_OP_MUL : LR_OP_ADD;
    add->u.bin.lhs = acc, add->u.bin.rhs = one;
    acc = add;
  }
  cr_expect_str_eq(show_expr(acc), "66667");
  lr_expr *b = mk(LR_EXPR_BOOL), *f = mk(LR_EXPR_BOOL), *n = mk(LR_EXPR_LONG);
  b->u.b = true;
  for (int i = 0; i < 100000; i++) {
    lr_expr *and = mk(LR_EXPR_BINARY);
    and->u.bin.op = i == 500 ? LR_OP_OR : LR_OP_AND;
    and->u.bin.lhs = b, and->u.bin.rhs = i < 500 ? b->kind == LR_EXPR_BOOL ? f : f : n;
    b = and;
  }
  /* true && false ... (false) || 5 -> type error on the long operand */
  cr_expect(strstr(show_expr(b), "type error") != NULL, "%s", show_expr(b));
  lr_expr *deep = mk(LR_EXPR_BOOL);
  for (int i = 0; i < 100000; i++) {
    lr_expr *neg = mk(LR_EXPR_NOT);
    neg->u.unary.arg = deep;
    deep = neg;
  }
  cr_expect(strstr(show_expr(deep), "nested too deeply") != NULL);
}
