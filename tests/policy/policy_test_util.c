/* policy_test_util.c — see policy_test_util.h. */
#include "policy_test_util.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

const lr_uid *tuid(tenv *t, const char *type, const char *id) {
  return lr_uid_new(t->a, lr_str_c(type), lr_str_c(id));
}

static lr_status parse_expr(tenv *t, const char *src, lr_expr **out) {
  lr_source *s = LR_NEW(t->a, lr_source);
  s->name = "<test>";
  s->text = lr_arena_strdup(t->a, src);
  s->len = strlen(src);
  lr_diags d = {0};
  lr_status st = lr_parse_expr(t->a, s, &d, out);
  if (st != LR_OK) {
    lr_buf b = {0};
    lr_diags_render(&d, &b);
    fprintf(stderr, "%s", b.p ? b.p : "");
    lr_buf_free(&b);
  }
  lr_diags_free(&d);
  return st;
}

lr_value tparse_value(tenv *t, const char *src) {
  lr_expr *e;
  cr_assert_eq(parse_expr(t, src, &e), LR_OK, "parse: %s", src);
  lr_eval_env env = {NULL, &t->req, NULL, t->a};
  lr_eval_error err = {0};
  lr_value v;
  cr_assert_eq(lr_eval_expr(&env, e, &v, &err), LR_OK, "eval %s: %s", src, err.msg);
  return v;
}

const char *tshow(tenv *t, const char *src) {
  lr_expr *e;
  if (parse_expr(t, src, &e) != LR_OK) return "parse error";
  lr_eval_env env = {t->es, &t->req, NULL, t->a};
  lr_eval_error err = {0};
  lr_value v;
  lr_buf b = {0};
  if (lr_eval_expr(&env, e, &v, &err) == LR_OK)
    lr_value_print(v, &b);
  else
    lr_buf_printf(&b, "error: %s", err.msg);
  const char *r = lr_arena_strdup(t->a, b.p);
  lr_buf_free(&b);
  return r;
}

static void add(tenv *t, const lr_uid *u, const char *attrs, const lr_uid **parents, size_t np,
                const char *tags) {
  lr_value av = attrs ? tparse_value(t, attrs) : lr_value_empty_record();
  lr_value tv = tags ? tparse_value(t, tags) : lr_value_empty_record();
  cr_assert_eq(lr_entities_add(t->es, u, av, parents, np, tv), LR_OK);
}

void tenv_init(tenv *t) {
  t->es = lr_entities_new();
  t->a = lr_entities_arena(t->es);
  t->req.principal = tuid(t, "User", "alice");
  t->req.action = tuid(t, "Action", "view");
  t->req.resource = tuid(t, "Photo", "p");
  t->req.context = lr_value_empty_record();
  const lr_uid *g1 = tuid(t, "Group", "g1"), *g2 = tuid(t, "Group", "g2");
  const lr_uid *g3 = tuid(t, "Group", "g3"), *album = tuid(t, "Album", "a");
  const lr_uid *read = tuid(t, "Action", "read");
  add(t, t->req.principal,
      "{name: \"alice\", age: 30, roles: [\"admin\", \"dev\"], addr: {city: \"Paris\", zip: "
      "\"75001\"}, \"two words\": 1}",
      &g1, 1, "{dept: \"eng\", level: 3}");
  add(t, g1, NULL, &g2, 1, NULL);
  add(t, g2, NULL, &g3, 1, NULL);
  add(t, t->req.resource, "{owner: User::\"alice\"}", &album, 1, NULL);
  add(t, t->req.action, NULL, &read, 1, NULL);
  add(t, read, NULL, NULL, 0, NULL);
  t->req.context = tparse_value(t, "{n: 5, s: \"hi\", set: [1, 2, 3], rec: {a: {b: true}}}");
  cr_assert_eq(lr_entities_finish(t->es, NULL), LR_OK);
}

void tenv_free(tenv *t) { lr_entities_release(t->es); }
