#include <criterion/criterion.h>
#include <string.h>

#include "base.h"

Test(diag, positions_and_render) {
  const char *text = "permit(\n  principal,\n\tactión, résource\n);\n";
  lr_source src = {"p.cedar", text, strlen(text)};
  lr_diags d = {0};
  const char *at = strstr(text, "résource");
  size_t off = (size_t)(at - text);
  lr_diag_error(&d, "E0001", &src, off, off + strlen("résource"), "unexpected %s", "identifier");
  cr_assert_eq(d.n, 1);
  cr_assert_eq(d.errors, 1);
  cr_assert_eq(d.items[0].line, 3);
  cr_assert_eq(d.items[0].col, 10);
  lr_buf out = {0};
  lr_diags_render(&d, &out);
  cr_assert_str_eq(out.p, "p.cedar:3:10: error[E0001]: unexpected identifier\n"
                          " 3 | \tactión, résource\n"
                          "   | \t        ^^^^^^^^\n");
  lr_buf_free(&out);
  lr_diags_free(&d);
}

Test(diag, several_and_end_of_file) {
  const char *text = "abc";
  lr_source src = {"f", text, 3};
  lr_diags d = {0};
  lr_diag_error(&d, "E1", &src, 0, 1, "first");
  lr_diags_add(&d, LR_SEV_WARNING, "W1", &src, 3, 3, "at end");
  lr_diag_error(&d, NULL, NULL, 0, 0, "no source");
  cr_assert_eq(d.n, 3);
  cr_assert_eq(d.errors, 2);
  lr_buf out = {0};
  lr_diags_render(&d, &out);
  cr_assert_str_eq(out.p, "f:1:1: error[E1]: first\n 1 | abc\n   | ^\n"
                          "f:1:4: warning[W1]: at end\n 1 | abc\n   |    ^\n"
                          "error: no source\n");
  lr_buf_free(&out);
  lr_diags_free(&d);
}

Test(clock, manual) {
  lr_clock_manual c;
  lr_clock_manual_init(&c, 100, 5000);
  cr_assert_eq(lr_clock_mono_ns(&c.clock), 100);
  lr_clock_manual_advance(&c, 2000000);
  cr_assert_eq(lr_clock_mono_ns(&c.clock), 2000100);
  cr_assert_eq(lr_clock_wall_ms(&c.clock), 5002);
  cr_assert_gt(lr_clock_mono_ns(lr_clock_system()), 0);
}
