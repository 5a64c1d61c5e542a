/*
 * test_fmt.c — unit tests for grammar/fmt.c: exact canonical text for the
 * tricky cases (parentheses, unary runs, negative literals, quoting,
 * escapes, layout, comments), and the contract that the output re-parses to
 * the same AST and formats to itself.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "grammar.h"

/* Formats a standalone expression and checks it re-parses to the same AST. */
static char *fmt_expr(const char *text) {
  static char out[4096];
  lr_arena *a = lr_arena_new(0);
  lr_diags d = {0};
  lr_source src = {"e", text, strlen(text)};
  lr_expr *e, *e2;
  cr_assert_eq(lr_parse_expr(a, &src, &d, &e), LR_OK, "%s does not parse", text);
  lr_buf f = {0}, d1 = {0}, d2 = {0};
  lr_fmt_expr(e, &f);
  lr_source fsrc = {"f", f.p, f.len};
  cr_assert_eq(lr_parse_expr(a, &fsrc, &d, &e2), LR_OK, "formatted `%s` does not parse", f.p);
  lr_ast_dump_expr(e, 0, &d1);
  lr_ast_dump_expr(e2, 0, &d2);
  cr_assert_str_eq(d1.p, d2.p, "`%s` -> `%s` changed the AST", text, f.p);
  snprintf(out, sizeof out, "%s", f.p);
  lr_buf_free(&f), lr_buf_free(&d1), lr_buf_free(&d2);
  lr_diags_free(&d);
  lr_arena_free(a);
  return out;
}

/* Formats a file; checks idempotency. */
static char *fmt_file(const char *text) {
  static char out[8192];
  lr_arena *a = lr_arena_new(0);
  lr_diags d = {0};
  lr_source src = {"t", text, strlen(text)};
  lr_policy_list l, l2;
  cr_assert_eq(lr_parse_policies(a, &src, 0, &d, &l), LR_OK);
  lr_buf f = {0}, f2 = {0};
  lr_fmt_policies(&l, &f);
  lr_source fsrc = {"f", f.p ? f.p : "", f.len};
  cr_assert_eq(lr_parse_policies(a, &fsrc, 0, &d, &l2), LR_OK);
  lr_fmt_policies(&l2, &f2);
  cr_assert_str_eq(f.p ? f.p : "", f2.p ? f2.p : "", "not idempotent");
  snprintf(out, sizeof out, "%s", f.p ? f.p : "");
  lr_buf_free(&f), lr_buf_free(&f2);
  lr_diags_free(&d);
  lr_arena_free(a);
  return out;
}

Test(fmt, parentheses_follow_precedence) {
  cr_assert_str_eq(fmt_expr("((1 + 2)) * 3"), "(1 + 2) * 3");
  cr_assert_str_eq(fmt_expr("1 + (2 * 3)"), "1 + 2 * 3");
  cr_assert_str_eq(fmt_expr("1 - (2 - 3)"), "1 - (2 - 3)");
  cr_assert_str_eq(fmt_expr("(1 - 2) - 3"), "1 - 2 - 3");
  cr_assert_str_eq(fmt_expr("(true || false) && true"), "(true || false) && true");
  cr_assert_str_eq(fmt_expr("true || (false || true)"), "true || (false || true)");
  cr_assert_str_eq(fmt_expr("(1 < 2) == (3 < 4)"), "(1 < 2) == (3 < 4)");
  cr_assert_str_eq(fmt_expr("(if true then 1 else 2) + 1"), "(if true then 1 else 2) + 1");
  cr_assert_str_eq(fmt_expr("[if true then 1 else 2]"), "[if true then 1 else 2]");
  cr_assert_str_eq(fmt_expr("(context has a) && (principal is User)"),
                   "context has a && principal is User");
  cr_assert_str_eq(fmt_expr("(1 + 1) has a"), "1 + 1 has a");
  cr_assert_str_eq(fmt_expr("(1 == 1) has a"), "(1 == 1) has a");
}

Test(fmt, unary_runs_and_negative_literals) {
  cr_assert_str_eq(fmt_expr("-5"), "-5");
  cr_assert_str_eq(fmt_expr("-(5)"), "-(5)");
  cr_assert_str_eq(fmt_expr("--5"), "--5");
  cr_assert_str_eq(fmt_expr("-(-(-(-(-5))))"), "----(-5)");
  cr_assert_str_eq(fmt_expr("!(!(!(!(!true))))"), "!!!!(!true)");
  cr_assert_str_eq(fmt_expr("!(-1)"), "!(-1)");
  cr_assert_str_eq(fmt_expr("-(!true)"), "-(!true)");
  cr_assert_str_eq(fmt_expr("(-5).foo"), "(-5).foo");
  cr_assert_str_eq(fmt_expr("-5.foo"), "-5.foo");
  cr_assert_str_eq(fmt_expr("2 * -9223372036854775808"), "2 * -9223372036854775808");
  cr_assert_str_eq(fmt_expr("-(1 + 2)"), "-(1 + 2)");
}

Test(fmt, names_strings_patterns) {
  cr_assert_str_eq(fmt_expr("context[\"a\"][\"b c\"][\"if\"][\"__cedar\"]"),
                   "context.a[\"b c\"][\"if\"][\"__cedar\"]");
  cr_assert_str_eq(fmt_expr("{\"a\": 1, \"b c\": 2, \"then\": 3, principal: 4}"),
                   "{ a: 1, \"b c\": 2, \"then\": 3, principal: 4 }");
  cr_assert_str_eq(fmt_expr("\"q\\\"b\\\\n\\n\\r\\t\\0\\u{7}\\x41\\u{e9}*\""),
                   "\"q\\\"b\\\\n\\n\\r\\t\\0\\u{7}A\xC3\xA9*\"");
  /* as in Cedar, an escape that decodes to `*` is a wildcard; only `\*` is a star */
  cr_assert_str_eq(fmt_expr("\"\" like \"a*\\*\\u{2a}\""), "\"\" like \"a*\\**\"");
  cr_assert_str_eq(fmt_expr("\"\" like \"a*\\*b\""), "\"\" like \"a*\\*b\"");
  cr_assert_str_eq(fmt_expr("context has \"a b\""), "context has \"a b\"");
  cr_assert_str_eq(fmt_expr("context has a . b"), "context has a.b");
  cr_assert_str_eq(fmt_expr("A :: B :: \"\\u{1F600}\""), "A::B::\"\xF0\x9F\x98\x80\"");
}

Test(fmt, policy_layout) {
  cr_assert_str_eq(fmt_file("@id(\"x\")@b permit(principal,action,resource)when{true}unless{"
                            "false};"),
                   "@id(\"x\")\n@b\npermit (principal, action, resource)\nwhen { true }\n"
                   "unless { false };\n");
  cr_assert_str_eq(fmt_file("forbid(principal==User::\"a-very-long-user-name\",action in "
                            "[Action::\"read\",Action::\"write\"],resource);"),
                   "forbid (\n  principal == User::\"a-very-long-user-name\",\n"
                   "  action in [Action::\"read\", Action::\"write\"],\n  resource\n);\n");
  cr_assert_str_eq(fmt_file("limit(principal,action,resource)with{max:1,per:\"s\"};"),
                   "limit (principal, action, resource)\nwith { max: 1, per: \"s\" };\n");
  cr_assert_str_eq(fmt_file(""), "");
}

Test(fmt, long_conditions_break_at_the_top_level_chain) {
  const char *out = fmt_file(
      "permit(principal,action,resource) when { context.aaaaaaaaaaaaaaaaaaaa == 1 && "
      "context.bbbbbbbbbbbbbbbbbbbbbbbbbbbb == 2 && (context.c == 3 || context.d == 4) };");
  cr_assert_str_eq(out, "permit (principal, action, resource)\nwhen {\n"
                        "  context.aaaaaaaaaaaaaaaaaaaa == 1 &&\n"
                        "  context.bbbbbbbbbbbbbbbbbbbbbbbbbbbb == 2 &&\n"
                        "  (context.c == 3 || context.d == 4)\n};\n");
}

Test(fmt, comments_are_kept) {
  cr_assert_str_eq(fmt_file("// only a comment"), "// only a comment\n");
  cr_assert_str_eq(fmt_file("// a\n\n// b\npermit(principal,action,resource); // c\n"
                            "forbid(principal, // d\naction,resource);\n// e\n"),
                   "// a\n\n// b\npermit (principal, action, resource); // c\n\n// d\n"
                   "forbid (principal, action, resource);\n\n// e\n");
}
