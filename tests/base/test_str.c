#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "base.h"

Test(str, compare) {
  cr_assert(lr_str_eq(LR_STR("abc"), lr_str_c("abc")));
  cr_assert_not(lr_str_eq(LR_STR("abc"), LR_STR("abd")));
  cr_assert_lt(lr_str_cmp(LR_STR("ab"), LR_STR("abc")), 0);
  cr_assert_gt(lr_str_cmp(LR_STR("b"), LR_STR("abc")), 0);
  cr_assert_eq(lr_str_cmp(LR_STR(""), LR_STR("")), 0);
  cr_assert(lr_str_starts_with(LR_STR("Action::x"), LR_STR("Action::")));
  cr_assert_not(lr_str_starts_with(LR_STR("Act"), LR_STR("Action")));
}

Test(buf, append_and_printf) {
  lr_buf b = {0};
  for (int i = 0; i < 1000; i++) lr_buf_printf(&b, "%d,", i);
  cr_assert_eq(strncmp(b.p, "0,1,2,", 6), 0);
  cr_assert_eq(b.p[b.len], '\0');
  lr_buf_clear(&b);
  cr_assert_eq(b.len, 0);
  lr_buf_puts(&b, "x");
  cr_assert_str_eq(b.p, "x");
  lr_buf_free(&b);
}

Test(buf, json_string_escapes) {
  lr_buf b = {0};
  const char in[] = "a\"b\\c\n\x01\xc3\xa9\xff";
  lr_buf_json_str(&b, in, sizeof in - 1);
  cr_assert_str_eq(b.p, "\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\\ufffd\"");
  lr_buf_free(&b);
}

Test(buf, read_file) {
  char path[] = "/tmp/larch-test-XXXXXX";
  int fd = mkstemp(path);
  cr_assert_geq(fd, 0);
  FILE *f = fdopen(fd, "w");
  fputs("line one\nline two\n", f);
  fclose(f);
  lr_buf b = {0};
  cr_assert_eq(lr_buf_read_file(&b, path), LR_OK);
  cr_assert_str_eq(b.p, "line one\nline two\n");
  remove(path);
  cr_assert_eq(lr_buf_read_file(&b, path), LR_ERR);
  lr_buf_free(&b);
}
