/* test_entities.c — the entity store (policy/entities.c). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "policy_test_util.h"

static const lr_uid *U(lr_entities *es, const char *type, const char *id) {
  return lr_uid_new(lr_entities_arena(es), lr_str_c(type), lr_str_c(id));
}

static void add(lr_entities *es, const lr_uid *u, const lr_uid **parents, size_t n) {
  cr_assert_eq(lr_entities_add(es, u, lr_value_empty_record(), parents, n, lr_value_empty_record()),
               LR_OK);
}

Test(entities, closure_and_lookup) {
  lr_entities *es = lr_entities_new();
  const lr_uid *a = U(es, "T", "a"), *b = U(es, "T", "b"), *c = U(es, "T", "c");
  const lr_uid *d = U(es, "T", "d"), *ext = U(es, "X", "ext");
  add(es, a, (const lr_uid *[]){b, c, b}, 3);
  add(es, b, (const lr_uid *[]){d}, 1);
  add(es, c, (const lr_uid *[]){d, ext}, 2);
  add(es, d, NULL, 0);
  cr_expect_eq(lr_entities_add(es, U(es, "T", "a"), lr_value_empty_record(), NULL, 0,
                               lr_value_empty_record()),
               LR_ERR, "duplicate uid");
  cr_assert_eq(lr_entities_finish(es, NULL), LR_OK);
  cr_expect_eq(lr_entities_count(es), 4);
  const lr_entity *ea = lr_entities_get(es, U(es, "T", "a"));
  cr_assert(ea);
  const lr_uid *const *v;
  cr_expect_eq(lr_entity_parents(ea, &v), 2);
  cr_expect_eq(lr_entity_ancestors(ea, &v), 4); /* b c d ext */
  cr_expect(lr_entities_in(es, a, d));
  cr_expect(lr_entities_in(es, a, ext));
  cr_expect(lr_entities_in(es, a, a));
  cr_expect(!lr_entities_in(es, d, a));
  cr_expect(!lr_entities_in(es, ext, d));
  cr_expect(lr_entities_in(es, ext, U(es, "X", "ext")));
  cr_expect(!lr_entities_in(NULL, a, b));
  cr_expect_null(lr_entities_get(es, U(es, "T", "zz")));
  cr_expect_null(lr_entities_get(es, U(es, "", "Ta")));
  cr_expect_eq(lr_entities_add(es, U(es, "T", "new"), lr_value_empty_record(), NULL, 0,
                               lr_value_empty_record()),
               LR_ERR, "finished stores are read-only");
  lr_entities_retain(es);
  lr_entities_release(es);
  lr_entities_release(es);
}

Test(entities, cycles_are_rejected) {
  lr_entities *es = lr_entities_new();
  const lr_uid *a = U(es, "T", "a"), *b = U(es, "T", "b");
  add(es, a, &b, 1);
  add(es, b, &a, 1);
  const lr_uid *cyc = NULL;
  cr_expect_eq(lr_entities_finish(es, &cyc), LR_ERR);
  cr_expect_not_null(cyc);
  lr_entities_release(es);

  es = lr_entities_new();
  a = U(es, "T", "a");
  add(es, a, &a, 1);
  cr_expect_eq(lr_entities_finish(es, NULL), LR_ERR);
  lr_entities_release(es);
}

Test(entities, deep_chain_does_not_recurse) {
  lr_entities *es = lr_entities_new();
  enum { N = 3000 };
  const lr_uid *prev = NULL;
  for (int i = 0; i < N; i++) {
    char id[16];
    snprintf(id, sizeof id, "%d", i);
    const lr_uid *u = U(es, "T", id);
    add(es, u, prev ? &prev : NULL, prev ? 1 : 0);
    prev = u;
  }
  cr_assert_eq(lr_entities_finish(es, NULL), LR_OK);
  cr_expect(lr_entities_in(es, U(es, "T", "2999"), U(es, "T", "0")));
  cr_expect(lr_entities_in(es, U(es, "T", "100"), U(es, "T", "3")));
  cr_expect(!lr_entities_in(es, U(es, "T", "3"), U(es, "T", "100")));
  lr_entities_release(es);
}

Test(entities, attrs_and_tags_kept) {
  tenv t;
  tenv_init(&t);
  const lr_entity *e = lr_entities_get(t.es, t.req.principal);
  cr_assert(e);
  cr_expect_eq(lr_entity_attrs(e).kind, LR_V_RECORD);
  cr_expect_eq(lr_entity_tags(e).n, 2);
  cr_expect(lr_uid_eq(lr_entity_uid(e), t.req.principal));
  cr_expect_not_null(lr_entities_at(t.es, 0));
  tenv_free(&t);
}

Test(entities, overlay_over_a_shared_store) {
  lr_entities *base = lr_entities_new();
  const lr_uid *g1 = U(base, "Group", "g1"), *g2 = U(base, "Group", "g2");
  const lr_uid *tool = U(base, "Tool", "t");
  add(base, g1, &g2, 1);
  add(base, g2, NULL, 0);
  add(base, tool, NULL, 0);
  cr_assert_eq(lr_entities_finish(base, NULL), LR_OK);

  lr_entities *req = lr_entities_new_overlay(base);
  lr_entities_release(base); /* the overlay keeps it alive */
  const lr_uid *alice = U(req, "User", "alice"), *role = U(req, "Role", "admin");
  add(req, alice, (const lr_uid *[]){role, g1}, 2);
  add(req, role, &g2, 1);
  /* shadowing a base entity is allowed; a duplicate within the overlay is not */
  cr_expect_eq(lr_entities_add(req, U(req, "Tool", "t"), lr_value_empty_record(), &g1, 1,
                               lr_value_empty_record()),
               LR_OK);
  cr_expect_eq(lr_entities_add(req, U(req, "User", "alice"), lr_value_empty_record(), NULL, 0,
                               lr_value_empty_record()),
               LR_ERR);
  cr_assert_eq(lr_entities_finish(req, NULL), LR_OK);
  cr_expect(lr_entities_in(req, alice, g2)); /* through the base's closure */
  cr_expect(lr_entities_in(req, alice, role));
  cr_expect(lr_entities_in(req, U(req, "Tool", "t"), g2)); /* the shadowing entity */
  cr_expect(lr_entities_in(req, g1, g2));                  /* base entity seen through */
  cr_expect(!lr_entities_in(req, g2, g1));
  cr_expect_eq(lr_entities_count(req), 3);
  const lr_uid *const *anc;
  cr_expect_eq(lr_entity_ancestors(lr_entities_get(req, alice), &anc), 3);
  lr_entities_release(req);
}
