#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "base.h"

static int order[8];
static int norder;
static void record(void *p) { order[norder++] = (int)(intptr_t)p; }

Test(arena, alignment_and_growth) {
  lr_arena *a = lr_arena_new(256);
  for (int i = 0; i < 1000; i++) {
    void *p = lr_arena_alloc(a, (size_t)(i % 37) + 1);
    cr_assert_eq((uintptr_t)p % 16, 0);
    memset(p, 0xAB, (size_t)(i % 37) + 1);
  }
  char *big = lr_arena_alloc(a, 100000);
  memset(big, 1, 100000);
  cr_assert_geq(lr_arena_bytes(a), 100000);
  lr_arena_free(a);
}

Test(arena, cleanups_run_newest_first_on_free_and_reset) {
  lr_arena *a = lr_arena_new(0);
  norder = 0;
  lr_arena_on_free(a, record, (void *)1);
  lr_arena_on_free(a, record, (void *)2);
  lr_arena_reset(a);
  cr_assert_eq(norder, 2);
  cr_assert_eq(order[0], 2);
  cr_assert_eq(order[1], 1);
  lr_arena_on_free(a, record, (void *)3);
  lr_arena_free(a);
  cr_assert_eq(norder, 3);
  cr_assert_eq(order[2], 3);
}

Test(arena, reset_releases_extra_chunks) {
  lr_arena *a = lr_arena_new(1024);
  size_t base = lr_arena_bytes(a);
  for (int i = 0; i < 100; i++) lr_arena_alloc(a, 200);
  lr_arena_alloc(a, 50000);
  cr_assert_gt(lr_arena_bytes(a), base);
  lr_arena_reset(a);
  cr_assert_eq(lr_arena_bytes(a), base);
  lr_arena_free(a);
}

Test(arena, strings) {
  lr_arena *a = lr_arena_new(0);
  cr_assert_str_eq(lr_arena_strndup(a, "hello world", 5), "hello");
  cr_assert_str_eq(lr_arena_sprintf(a, "%s-%d", "x", 42), "x-42");
  char *z = lr_arena_zalloc(a, 64);
  for (int i = 0; i < 64; i++) cr_assert_eq(z[i], 0);
  lr_arena_free(a);
}
