#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>

#include "base.h"

Test(map, put_get_delete_many) {
  lr_map m = {0};
  static char keys[5000][16];
  for (int i = 0; i < 5000; i++) {
    snprintf(keys[i], sizeof keys[i], "k%d", i);
    cr_assert_null(lr_map_put(&m, lr_str_c(keys[i]), (void *)(intptr_t)(i + 1)));
  }
  cr_assert_eq(m.len, 5000);
  for (int i = 0; i < 5000; i++)
    cr_assert_eq((intptr_t)lr_map_get(&m, lr_str_c(keys[i])), i + 1);
  cr_assert_null(lr_map_get(&m, LR_STR("missing")));
  for (int i = 0; i < 5000; i += 2) cr_assert_eq((intptr_t)lr_map_del(&m, lr_str_c(keys[i])), i + 1);
  cr_assert_eq(m.len, 2500);
  for (int i = 0; i < 5000; i++) {
    void *v = lr_map_get(&m, lr_str_c(keys[i]));
    if (i % 2) cr_assert_eq((intptr_t)v, i + 1);
    else cr_assert_null(v);
  }
  /* re-insert after delete reuses tombstones and keeps lookups right */
  for (int i = 0; i < 5000; i += 2) lr_map_put(&m, lr_str_c(keys[i]), (void *)(intptr_t)-i);
  cr_assert_eq(m.len, 5000);
  size_t it = 0, seen = 0;
  lr_map_entry *e;
  while (lr_map_next(&m, &it, &e)) seen++;
  cr_assert_eq(seen, 5000);
  lr_map_free(&m);
}

Test(map, replace_and_stored_null_and_empty_key) {
  lr_map m = {0};
  cr_assert_null(lr_map_put(&m, LR_STR("a"), (void *)1));
  cr_assert_eq((intptr_t)lr_map_put(&m, LR_STR("a"), (void *)2), 1);
  lr_map_put(&m, LR_STR("n"), NULL);
  void *v = (void *)1;
  cr_assert(lr_map_find(&m, LR_STR("n"), &v));
  cr_assert_null(v);
  cr_assert_not(lr_map_find(&m, LR_STR("zz"), NULL));
  lr_map_put(&m, (lr_str){NULL, 0}, (void *)7);
  cr_assert_eq((intptr_t)lr_map_get(&m, LR_STR("")), 7);
  lr_map_free(&m);
}

Test(map, hash_differs_by_content_and_seed) {
  cr_assert_neq(lr_hash("abc", 3, 0), lr_hash("abd", 3, 0));
  cr_assert_neq(lr_hash("abc", 3, 0), lr_hash("abc", 3, 1));
  cr_assert_eq(lr_hash("abcdefghijk", 11, 5), lr_hash("abcdefghijk", 11, 5));
}

Test(map, hashed_variants_agree_with_plain_ones) {
  lr_map m = {0};
  lr_str a = LR_STR("alpha"), b = LR_STR("beta");
  cr_assert_null(lr_map_put_h(&m, a, lr_map_hash(a), (void *)1));
  cr_assert_eq(lr_map_get(&m, a), (void *)1);
  cr_assert_null(lr_map_put(&m, b, (void *)2));
  cr_assert_eq(lr_map_get_h(&m, b, lr_map_hash(b)), (void *)2);
  cr_assert_null(lr_map_get_h(&m, LR_STR("gamma"), lr_map_hash(LR_STR("gamma"))));
  cr_assert_eq(lr_map_del_h(&m, a, lr_map_hash(a)), (void *)1);
  cr_assert_null(lr_map_get(&m, a));
  cr_assert_eq(lr_map_del(&m, b), (void *)2);
  cr_assert_eq(m.len, 0);
  lr_map_free(&m);
}
