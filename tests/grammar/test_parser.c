/*
 * test_parser.c — unit tests for grammar/parser.c and grammar/parse_expr.c:
 * precedence and associativity, literals, scopes, annotations, templates,
 * ids, error collection and recovery, the nesting cap, lr_parse_expr.
 * (Exact diagnostic texts are pinned by the golden tests.)
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grammar.h"

/* Parses the n bytes of text; returns the AST dump, or "ERR " + codes of the
 * diagnostics. */
static char *parse_n(const char *text, size_t n) {
  static char out[1 << 16];
  lr_source src = {"t.cedar", text, n};
  lr_arena *a = lr_arena_new(0);
  lr_diags d = {0};
  lr_policy_list l;
  lr_buf b = {0};
  if (lr_parse_policies(a, &src, 0, &d, &l) == LR_OK) {
    lr_ast_dump_policies(&l, 0, &b);
  } else {
    lr_buf_puts(&b, "ERR");
    for (size_t i = 0; i < d.n; i++) lr_buf_printf(&b, " %s", d.items[i].code);
  }
  snprintf(out, sizeof out, "%s", b.p ? b.p : "");
  lr_buf_free(&b);
  lr_diags_free(&d);
  lr_arena_free(a);
  return out;
}

static char *parse(const char *text) { return parse_n(text, strlen(text)); }

/* Parses a standalone expression; returns its dump or "ERR codes". */
static char *expr(const char *text) {
  static char out[1 << 16];
  lr_source src = {"e", text, strlen(text)};
  lr_arena *a = lr_arena_new(0);
  lr_diags d = {0};
  lr_expr *e;
  lr_buf b = {0};
  if (lr_parse_expr(a, &src, &d, &e) == LR_OK) {
    lr_ast_dump_expr(e, 0, &b);
  } else {
    lr_buf_puts(&b, "ERR");
    for (size_t i = 0; i < d.n; i++) lr_buf_printf(&b, " %s", d.items[i].code);
  }
  snprintf(out, sizeof out, "%s", b.p ? b.p : "");
  lr_buf_free(&b);
  lr_diags_free(&d);
  lr_arena_free(a);
  return out;
}

Test(parser, precedence_and_associativity) {
  cr_assert_str_eq(expr("1 + 2 * 3"), "(+ (long 1) (* (long 2) (long 3)))");
  cr_assert_str_eq(expr("1 - 2 + 3"), "(+ (- (long 1) (long 2)) (long 3))");
  cr_assert_str_eq(expr("true || false && true"), "(|| (bool true) (&& (bool false) (bool true)))");
  cr_assert_str_eq(expr("1 < 2 && 3 in 4"), "(&& (< (long 1) (long 2)) (in (long 3) (long 4)))");
  cr_assert_str_eq(expr("if true then 1 else 2 + 3"),
                   "(if (bool true) (long 1) (+ (long 2) (long 3)))");
  cr_assert_str_eq(expr("!context.a"), "(! (attr (var context) \"a\"))");
  cr_assert_str_eq(expr("(1 < 2) < 3"), "(< (< (long 1) (long 2)) (long 3))");
}

Test(parser, negative_literals) {
  cr_assert_str_eq(expr("-9223372036854775808"), "(long -9223372036854775808)");
  cr_assert_str_eq(expr("9223372036854775807"), "(long 9223372036854775807)");
  cr_assert_str_eq(expr("--5"), "(neg (long -5))");
  cr_assert_str_eq(expr("-(5)"), "(neg (long 5))");
  cr_assert_str_eq(expr("-5.foo"), "(neg (attr (long 5) \"foo\"))");
  cr_assert_str_eq(expr("- 5"), "(long -5)");
  cr_assert_str_eq(expr("9223372036854775808"), "ERR E0206");
  cr_assert_str_eq(expr("-9223372036854775809"), "ERR E0206");
  cr_assert_str_eq(expr("-(9223372036854775808)"), "ERR E0206");
  cr_assert_str_eq(expr("99999999999999999999999"), "ERR E0206");
  cr_assert_str_eq(expr("!!!!true"), "(! (! (! (! (bool true)))))");
  cr_assert_str_eq(expr("!!!!!true"), "ERR E0205");
  cr_assert_str_eq(expr("-----1"), "ERR E0205");
  cr_assert_str_eq(expr("!-1"), "ERR E0201");
}

Test(parser, members_methods_calls) {
  cr_assert_str_eq(expr("principal.a[\"b c\"].d"),
                   "(attr (attr (attr (var principal) \"a\") \"b c\") \"d\")");
  cr_assert_str_eq(expr("[1, 2,].contains(1)"),
                   "(method contains (set (long 1) (long 2)) (long 1))");
  cr_assert_str_eq(expr("ip(\"10.0.0.1\").isInRange(ip(\"10.0.0.0/8\"))"),
                   "(method isInRange (call ip (string \"10.0.0.1\")) (call ip (string "
                   "\"10.0.0.0/8\")))");
  cr_assert_str_eq(expr("context.tags.isEmpty()"),
                   "(method isEmpty (attr (var context) \"tags\"))");
  cr_assert_str_eq(expr("principal.getTag(\"x\")"),
                   "(method getTag (var principal) (string \"x\"))");
  cr_assert_str_eq(expr("decimal(\"1.0\", 2)"),
                   "(call decimal (string \"1.0\") (long 2))"); /* arity: evaluation */
  cr_assert_str_eq(expr("principal.contains()"), "ERR E0211");
  cr_assert_str_eq(expr("principal.isEmpty(1)"), "ERR E0211");
  cr_assert_str_eq(expr("principal.frobnicate(1)"), "ERR E0209");
  cr_assert_str_eq(expr("frob(1)"), "ERR E0210");
  cr_assert_str_eq(expr("contains(1)"), "ERR E0212");
  cr_assert_str_eq(expr("principal.ip()"), "ERR E0212");
  cr_assert_str_eq(expr("foo"), "ERR E0213");
  cr_assert_str_eq(expr("principal(1)"), "ERR E0214");
  cr_assert_str_eq(expr("principal[1]"), "ERR E0215");
  cr_assert_str_eq(expr("principal.if"), "ERR E0208");
}

Test(parser, literals_records_entities) {
  cr_assert_str_eq(expr("{a: 1, \"b c\": [true], principal: \"x\"}"),
                   "(record (\"a\" (long 1)) (\"b c\" (set (bool true))) (\"principal\" "
                   "(string \"x\")))");
  cr_assert_str_eq(expr("{}"), "(record)");
  cr_assert_str_eq(expr("{a: 1, a: 2}"), "ERR E0219");
  cr_assert_str_eq(expr("{if: 1}"), "ERR E0208");
  cr_assert_str_eq(expr("A :: B::\"x\\ty\""), "(entity \"A::B\" \"x\\ty\")");
  cr_assert_str_eq(expr("principal::\"p\""), "(entity \"principal\" \"p\")");
  cr_assert_str_eq(expr("__cedar::X::\"a\""), "ERR E0222");
  cr_assert_str_eq(expr("A::{}"), "ERR E0221");
  cr_assert_str_eq(expr("\"\\u{1F600}\""), "(string \"\xF0\x9F\x98\x80\")");
}

Test(parser, has_like_is) {
  cr_assert_str_eq(expr("context has a.b.c"), "(has (var context) \"a\" \"b\" \"c\")");
  cr_assert_str_eq(expr("context has \"a b\""), "(has (var context) \"a b\")");
  cr_assert_str_eq(expr("context has principal"), "(has (var context) \"principal\")");
  cr_assert_str_eq(expr("context has true"), "ERR E0208");
  cr_assert_str_eq(expr("\"ab\" like \"a*\\*b\""),
                   "(like (string \"ab\") (pattern \"a\" * \"*b\"))");
  cr_assert_str_eq(expr("\"ab\" like (\"a\")"), "ERR E0216");
  cr_assert_str_eq(expr("\"ab\" like \"\\q\""), "ERR E0104");
  cr_assert_str_eq(expr("principal is A::User in Group::\"g\""),
                   "(is (var principal) \"A::User\" in (entity \"Group\" \"g\"))");
  cr_assert_str_eq(expr("principal is User::\"x\""), "ERR E0217");
  cr_assert_str_eq(expr("principal is principal"), "(is (var principal) \"principal\")");
  cr_assert_str_eq(expr("1 < 2 < 3"), "ERR E0202");
  cr_assert_str_eq(expr("1 == 2 in 3"), "ERR E0202");
  cr_assert_str_eq(expr("1 = 2"), "ERR E0207");
  cr_assert_str_eq(expr("4 / 2"), "ERR E0203");
  cr_assert_str_eq(expr("4 % 2"), "ERR E0204");
  cr_assert_str_eq(expr("context has a == true"), "ERR E0201");
}

Test(parser, scopes) {
  cr_assert_str_eq(parse("permit(principal is User in Group::\"g\", action in [Action::\"a\", "
                         "NS::Action::\"b\"], resource == ?resource);"),
                   "(policy \"policy0\"\n"
                   "  (effect permit)\n"
                   "  (principal (is-in \"User\" (entity \"Group\" \"g\")))\n"
                   "  (action (in-set (entity \"Action\" \"a\") (entity \"NS::Action\" \"b\")))\n"
                   "  (resource (== (slot ?resource)))\n"
                   "  template)\n");
  cr_assert_str_eq(parse("permit(principal in [User::\"a\"], action, resource);"), "ERR E0412");
  cr_assert_str_eq(parse("permit(principal == ?resource, action, resource);"), "ERR E0412");
  cr_assert_str_eq(parse("permit(principal, action is Action, resource);"), "ERR E0409");
  cr_assert_str_eq(parse("permit(principal, action == Foo::\"a\", resource);"), "ERR E0413");
  cr_assert_str_eq(parse("permit(principal, action in ?resource, resource);"), "ERR E0412");
  cr_assert_str_eq(parse("permit(principal is User == User::\"a\", action, resource);"),
                   "ERR E0410");
  cr_assert_str_eq(parse("permit(principal in Group::\"g\" is User, action, resource);"),
                   "ERR E0411");
  cr_assert_str_eq(parse("permit(principal != User::\"a\", action, resource);"), "ERR E0408");
  cr_assert_str_eq(parse("permit(principal: User, action, resource);"), "ERR E0414");
  cr_assert_str_eq(parse("permit(principal, action);"), "ERR E0405");
  cr_assert_str_eq(parse("permit(principal, action, resource, context);"), "ERR E0406");
  cr_assert_str_eq(parse("permit(action, principal, resource);"), "ERR E0407 E0407");
  cr_assert_str_eq(parse("permit(principal, action, resource,);"),
                   "(policy \"policy0\"\n  (effect permit)\n  (principal any)\n  (action any)\n"
                   "  (resource any))\n");
}

Test(parser, policies_annotations_conditions) {
  cr_assert_str_eq(parse("@id(\"a\") @if @x(\"\\n\") forbid(principal,action,resource) "
                         "when { true } unless { false };"),
                   "(policy \"policy0\"\n"
                   "  (annotation \"id\" \"a\")\n"
                   "  (annotation \"if\")\n"
                   "  (annotation \"x\" \"\\n\")\n"
                   "  (effect forbid)\n  (principal any)\n  (action any)\n  (resource any)\n"
                   "  (when (bool true))\n  (unless (bool false)))\n");
  cr_assert_str_eq(parse("@a @a permit(principal,action,resource);"), "ERR E0404");
  cr_assert_str_eq(parse("allow(principal,action,resource);"), "ERR E0401");
  cr_assert_str_eq(parse("permit(principal,action,resource) if { true };"), "ERR E0402");
  cr_assert_str_eq(parse("permit(principal,action,resource) when {};"), "ERR E0403");
  cr_assert_str_eq(parse("permit(principal,action,resource) when { ?principal };"), "ERR E0224");
  cr_assert_str_eq(parse("permit(principal == ?foo,action,resource);"), "ERR E0223");
}

Test(parser, guardrail_forms) {
  cr_assert_str_eq(parse("limit(principal,action,resource) with { max: 5 };"),
                   "(policy \"policy0\"\n  (effect limit)\n  (principal any)\n  (action any)\n"
                   "  (resource any)\n  (with (record (\"max\" (long 5)))))\n");
  cr_assert_str_eq(parse("mask(principal,action,resource);"), "ERR E0416");
  cr_assert_str_eq(parse("permit(principal,action,resource) with { a: 1 };"), "ERR E0415");
  cr_assert_str_eq(parse("mask(principal,action,resource) with {a: 1}.a;"), "ERR E0418");
  cr_assert_str_eq(parse("mask(principal,action,resource) with {a:1} when {true};"), "ERR E0201");
  const char *text = "mask(principal,action,resource) with {a:1};";
  lr_source src = {"s", text, strlen(text)};
  lr_arena *a = lr_arena_new(0);
  lr_diags d = {0};
  lr_policy_list l;
  cr_assert_eq(lr_parse_policies_opts(a, &src, 0, LR_PARSE_STRICT_CEDAR, &d, &l), LR_ERR);
  cr_assert_str_eq(d.items[0].code, "E0417");
  lr_diags_free(&d);
  lr_arena_free(a);
}

Test(parser, ids_recovery_and_several_errors) {
  const char *text = "permit(principal,action,resource);\n"
                     "permit(principal,action,resource) when { 1 < 2 < 3 && 4 / 2 };\n"
                     "forbid(principal,action,resource) when { (( };\n"
                     "@id(\"last\") permit(principal,action,resource);\n";
  lr_source src = {"t.cedar", text, strlen(text)};
  lr_arena *a = lr_arena_new(0);
  lr_diags d = {0};
  lr_policy_list l;
  cr_assert_eq(lr_parse_policies(a, &src, 7, &d, &l), LR_ERR);
  cr_assert_eq(d.n, 3);
  cr_assert_str_eq(d.items[0].code, "E0202");
  cr_assert_str_eq(d.items[1].code, "E0203");
  cr_assert_str_eq(d.items[2].code, "E0201");
  cr_assert_eq(d.items[2].line, 3);
  cr_assert_eq(l.n, 2);
  cr_assert_str_eq(l.items[0]->id, "policy7");
  cr_assert_str_eq(l.items[1]->id, "policy10");
  cr_assert_eq(l.next_id, 11);
  const lr_annotation *an = lr_policy_annotation(l.items[1], "id");
  cr_assert(an && lr_str_eq_c(an->value, "last"));
  lr_diags_free(&d);
  lr_arena_free(a);
}

Test(parser, lexer_errors_are_reported_and_skipped) {
  cr_assert_str_eq(parse("permit(principal,action,resource) /* no */;"), "ERR E0103");
  cr_assert_str_eq(parse("permit(principal,action,resource) when { \"x };"), "ERR E0102 E0201");
  cr_assert_str_eq(parse("permit(principal,action,resource) # ;"), "ERR E0101");
  cr_assert_str_eq(parse("permit(principal,action,resource) when { \"\xff\" };"), "ERR E0105");
}

Test(parser, invalid_bytes_inside_a_path) {
  /* `NS::` then 70,000 NUL bytes then `Action::"b"`: the lexer reports and
   * skips each NUL, and the path is rebuilt from its words and `::` alone —
   * it once copied the skipped bytes too, past the end of its buffer. */
  const char *head = "permit(principal, action in [NS::", *tail = "Action::\"b\"], resource);";
  size_t nh = strlen(head), nt = strlen(tail), nul = 70000;
  char *text = calloc(nh + nul + nt, 1);
  cr_assert(text);
  memcpy(text, head, nh);
  memcpy(text + nh + nul, tail, nt);
  char *got = parse_n(text, nh + nul + nt);
  cr_expect(strncmp(got, "ERR E0101 E0101", 15) == 0, "%.80s", got);
  free(text);
}

Test(parser, nesting_cap) {
  static char deep[8192];
  size_t n = 0;
  n += (size_t)snprintf(deep, sizeof deep, "permit(principal,action,resource) when { ");
  for (int i = 0; i < 1000; i++) deep[n++] = '(';
  deep[n++] = '1';
  for (int i = 0; i < 1000; i++) deep[n++] = ')';
  snprintf(deep + n, sizeof deep - n, " };");
  cr_assert_str_eq(parse(deep), "ERR E0301");
  /* a long flat chain is a deep tree: capped too */
  static char chain[16384];
  n = (size_t)snprintf(chain, sizeof chain, "permit(principal,action,resource) when { 1");
  for (int i = 0; i < 1000; i++) n += (size_t)snprintf(chain + n, sizeof chain - n, " + 1");
  snprintf(chain + n, sizeof chain - n, " };");
  cr_assert_str_eq(parse(chain), "ERR E0301");
  /* but 400 levels are fine */
  n = (size_t)snprintf(chain, sizeof chain, "permit(principal,action,resource) when { true");
  for (int i = 0; i < 400; i++) n += (size_t)snprintf(chain + n, sizeof chain - n, " && true");
  snprintf(chain + n, sizeof chain - n, " };");
  cr_assert_str_neq(parse(chain), "ERR E0301");
}

Test(parser, spans) {
  const char *text = "permit(principal,action,resource) when { context.a == 1 };";
  lr_source src = {"t", text, strlen(text)};
  lr_arena *a = lr_arena_new(0);
  lr_diags d = {0};
  lr_policy_list l;
  cr_assert_eq(lr_parse_policies(a, &src, 0, &d, &l), LR_OK);
  const lr_policy *p = l.items[0];
  cr_assert_eq(p->off, 0);
  cr_assert_eq(p->end, strlen(text));
  const lr_expr *e = p->conds[0].expr;
  cr_assert_eq(e->kind, LR_EXPR_BINARY);
  cr_assert_eq(e->off, 41);
  cr_assert_eq(e->end, 55);
  cr_assert_eq(e->u.bin.lhs->end, 50);
  cr_assert_eq(e->height, 3);
  lr_arena_free(a);
}

Test(parser, comments_are_collected) {
  const char *text = "// a\npermit(principal,action,resource); // b\n// c";
  lr_source src = {"t", text, strlen(text)};
  lr_arena *a = lr_arena_new(0);
  lr_diags d = {0};
  lr_policy_list l;
  cr_assert_eq(lr_parse_policies(a, &src, 0, &d, &l), LR_OK);
  cr_assert_eq(l.ncomments, 3);
  cr_assert_eq(l.comments[1].off, 40);
  lr_arena_free(a);
}

Test(parser, error_cap_keeps_garbage_cheap) {
  /* 1 MB of invalid characters: 100 errors, then E0302, in linear time */
  size_t n = 1 << 20;
  char *junk = malloc(n + 1);
  memset(junk, '#', n);
  junk[n] = 0;
  lr_source src = {"junk", junk, n};
  lr_arena *a = lr_arena_new(0);
  lr_diags d = {0};
  lr_policy_list l;
  cr_assert_eq(lr_parse_policies(a, &src, 0, &d, &l), LR_ERR);
  cr_assert_eq(d.n, LR_PARSE_MAX_ERRORS + 1);
  cr_assert_str_eq(d.items[d.n - 1].code, "E0302");
  lr_diags_free(&d);
  lr_arena_free(a);
  free(junk);
}
