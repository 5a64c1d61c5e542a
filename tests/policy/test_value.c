/* test_value.c — values (policy/value.c): canonical sets and records, deep
 * equality, order, printing. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "policy_test_util.h"

static const char *show(lr_arena *a, lr_value v) {
  lr_buf b = {0};
  lr_value_print(v, &b);
  const char *r = lr_arena_strdup(a, b.p);
  lr_buf_free(&b);
  return r;
}

Test(value, layout_is_compact) { cr_expect_eq(sizeof(lr_value), 16); }

Test(value, sets_are_sorted_and_deduplicated) {
  lr_arena *a = lr_arena_new(0);
  lr_value items[] = {lr_value_long(3), lr_value_string(a, LR_STR("x")), lr_value_long(1),
                      lr_value_long(3), lr_value_bool(true)};
  lr_value s = lr_value_set(a, items, 5);
  cr_expect_eq(s.n, 4);
  cr_expect_str_eq(show(a, s), "[true, 1, 3, \"x\"]");
  cr_expect(lr_value_set_contains(s, lr_value_long(3)));
  cr_expect(!lr_value_set_contains(s, lr_value_long(2)));
  cr_expect(!lr_value_set_contains(s, lr_value_decimal(30000)));
  lr_value s2 = lr_value_set(a,
                             (lr_value[]){lr_value_long(1), lr_value_bool(true),
                                          lr_value_string(a, LR_STR("x")), lr_value_long(3)},
                             4);
  cr_expect(lr_value_eq(s, s2));
  cr_expect_eq(lr_value_cmp(s, s2), 0);
  cr_expect(lr_value_eq(lr_value_set(a, NULL, 0), lr_value_empty_set()));
  lr_arena_free(a);
}

Test(value, records_sorted_with_unique_keys) {
  lr_arena *a = lr_arena_new(0);
  lr_field f[] = {{LR_STR("b"), lr_value_long(1)}, {LR_STR("a"), lr_value_long(2)}};
  lr_value r;
  cr_assert_eq(lr_value_record(a, f, 2, &r, NULL), LR_OK);
  cr_expect_str_eq(show(a, r), "{\"a\": 2, \"b\": 1}");
  const lr_value *v = lr_value_record_get(r, LR_STR("b"));
  cr_assert(v);
  cr_expect_eq(v->u.i, 1);
  cr_expect_null(lr_value_record_get(r, LR_STR("c")));
  lr_field dup[] = {{LR_STR("k"), lr_value_long(1)}, {LR_STR("k"), lr_value_long(2)}};
  lr_str which = {0};
  cr_expect_eq(lr_value_record(a, dup, 2, &r, &which), LR_ERR);
  cr_expect(lr_str_eq_c(which, "k"));
  lr_arena_free(a);
}

Test(value, equality_is_deep_and_kind_strict) {
  lr_arena *a = lr_arena_new(0);
  cr_expect(!lr_value_eq(lr_value_long(1), lr_value_decimal(1)));
  cr_expect(!lr_value_eq(lr_value_datetime(5), lr_value_duration(5)));
  cr_expect(!lr_value_eq(lr_value_empty_set(), lr_value_empty_record()));
  const lr_uid *u1 = lr_uid_new(a, LR_STR("A::B"), LR_STR("x"));
  const lr_uid *u2 = lr_uid_new(a, LR_STR("A::B"), LR_STR("x"));
  const lr_uid *u3 = lr_uid_new(a, LR_STR("A"), LR_STR("x"));
  cr_expect(lr_value_eq(lr_value_entity(u1), lr_value_entity(u2)));
  cr_expect(!lr_value_eq(lr_value_entity(u1), lr_value_entity(u3)));
  cr_expect_eq(lr_uid_hash(u1), lr_uid_hash(u2));
  /* strings with NUL bytes compare by length too */
  cr_expect(!lr_value_eq(lr_value_string(a, lr_str_make("a\0b", 3)),
                         lr_value_string(a, lr_str_make("a", 1))));
  lr_arena_free(a);
}

Test(value, printing) {
  lr_arena *a = lr_arena_new(0);
  cr_expect_str_eq(show(a, lr_value_string(a, LR_STR("a\"\\\n"))), "\"a\\\"\\\\\\n\"");
  cr_expect_str_eq(show(a, lr_value_entity(lr_uid_new(a, LR_STR("NS::T"), LR_STR("i\"d")))),
                   "NS::T::\"i\\\"d\"");
  cr_expect_str_eq(show(a, lr_value_decimal(-12300)), "decimal(\"-1.2300\")");
  cr_expect_str_eq(show(a, lr_value_decimal(INT64_MIN)), "decimal(\"-922337203685477.5808\")");
  cr_expect_str_eq(show(a, lr_value_datetime(0)), "datetime(\"1970-01-01T00:00:00.000Z\")");
  cr_expect_str_eq(show(a, lr_value_datetime(INT64_MAX)),
                   "datetime(\"1970-01-01\").offset(duration(\"106751991167d7h12m55s807ms\"))");
  cr_expect_str_eq(show(a, lr_value_duration(-90061001)), "duration(\"-1d1h1m1s1ms\")");
  cr_expect_str_eq(show(a, lr_value_duration(INT64_MIN)),
                   "duration(\"-106751991167d7h12m55s808ms\")");
  cr_expect_str_eq(lr_vkind_name(LR_V_IPADDR), "ipaddr");
  lr_arena_free(a);
}

Test(value, extn_escape_constructors) {
  lr_arena *a = lr_arena_new(0);
  lr_value v;
  const char *err = NULL;
  cr_assert_eq(lr_value_extn(a, LR_STR("decimal"), LR_STR("1.5"), &v, &err), LR_OK);
  cr_expect_eq(v.kind, LR_V_DECIMAL);
  cr_expect_eq(v.u.i, 15000);
  cr_assert_eq(lr_value_extn(a, LR_STR("ip"), LR_STR("::1"), &v, &err), LR_OK);
  cr_expect(v.u.ip->v6 && v.u.ip->prefix == 128);
  cr_assert_eq(lr_value_extn(a, LR_STR("datetime"), LR_STR("1970-01-02"), &v, &err), LR_OK);
  cr_expect_eq(v.u.i, 86400000);
  cr_assert_eq(lr_value_extn(a, LR_STR("duration"), LR_STR("-2s"), &v, &err), LR_OK);
  cr_expect_eq(v.u.i, -2000);
  cr_expect_eq(lr_value_extn(a, LR_STR("ipaddr"), LR_STR("::1"), &v, &err), LR_ERR);
  cr_expect_not_null(err);
  err = NULL;
  cr_expect_eq(lr_value_extn(a, LR_STR("decimal"), LR_STR("1"), &v, &err), LR_ERR);
  cr_expect_not_null(err);
  lr_arena_free(a);
}
