/*
 * fuzz_policy.c — libFuzzer target for the Cedar front end: lexer, policy
 * parser, expression parser, AST dump and formatter. Besides memory and UB
 * errors (ASan + UBSan), it checks the formatter's contract on every input
 * that parses: the formatted text parses again, to the same AST, and
 * formatting it again changes nothing. Any violation aborts.
 *
 *   make fuzz && build-fuzz/tests/fuzz/fuzz_policy tests/fuzz/seeds/policy
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grammar.h"
#include "lexer.h"

static void fail(const char *what, const lr_buf *a, const lr_buf *b) {
  fprintf(stderr, "fuzz_policy: %s\n--- 1\n%s\n--- 2\n%s\n", what, a->p ? a->p : "",
          b->p ? b->p : "");
  abort();
}

/* Scans every token and decodes every string literal. */
static void lex_all(const lr_source *src) {
  lr_lexer lx;
  lr_lexer_init(&lx, src);
  lr_diags d = {0};
  lr_buf s = {0};
  for (;;) {
    lr_token t = lr_lexer_next(&lx);
    if (t.end < t.off || t.end > src->len) abort();
    if (t.kind == LR_TOK_EOF) break;
    if (t.kind == LR_TOK_ERROR) lr_lex_report(src, &t, &d);
    if (t.kind == LR_TOK_STRING) lr_lex_unescape(src, &t, &s, &d);
  }
  lr_buf_free(&s);
  lr_diags_free(&d);
}

static int same(const lr_buf *a, const lr_buf *b) {
  return a->len == b->len && (!a->len || memcmp(a->p, b->p, a->len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  memcpy(text, data, size);
  text[size] = 0;
  lr_source src = {"fuzz", text, size};
  lex_all(&src);

  lr_arena *a = lr_arena_new(0);
  lr_diags d = {0};
  lr_policy_list l1, l2;
  lr_buf d1 = {0}, d2 = {0}, f1 = {0}, f2 = {0}, r = {0};
  lr_status st = lr_parse_policies(a, &src, 0, &d, &l1);
  lr_diags_render(&d, &r); /* exercises positions and carets */
  if ((st == LR_OK) != (d.errors == 0)) abort();
  /* the policies that parsed must format and re-parse identically */
  lr_ast_dump_policies(&l1, LR_DUMP_SPANS, &r);
  lr_ast_dump_policies(&l1, 0, &d1);
  lr_fmt_policies(&l1, &f1);
  lr_source fsrc = {"fmt", f1.p ? f1.p : "", f1.len};
  lr_diags d3 = {0};
  if (lr_parse_policies(a, &fsrc, 0, &d3, &l2) != LR_OK) {
    lr_buf m = {0};
    lr_diags_render(&d3, &m);
    fail("formatted text does not parse", &f1, &m);
  }
  lr_ast_dump_policies(&l2, 0, &d2);
  /* (ids are renumbered when a file with errors loses policies) */
  if (l1.n != l2.n || (st == LR_OK && !same(&d1, &d2))) fail("AST changed", &d1, &d2);
  lr_fmt_policies(&l2, &f2);
  if (!same(&f1, &f2)) fail("fmt not idempotent", &f1, &f2);

  /* the same bytes as a standalone expression */
  lr_expr *e;
  lr_diags d4 = {0};
  if (lr_parse_expr(a, &src, &d4, &e) == LR_OK) {
    lr_buf x = {0}, y = {0};
    lr_fmt_expr(e, &x);
    lr_source xsrc = {"x", x.p ? x.p : "", x.len};
    lr_expr *e2;
    if (lr_parse_expr(a, &xsrc, &d4, &e2) != LR_OK) fail("formatted expression fails", &x, &y);
    lr_buf_clear(&x), lr_ast_dump_expr(e, 0, &x);
    lr_ast_dump_expr(e2, 0, &y);
    if (!same(&x, &y)) fail("expression AST changed", &x, &y);
    lr_buf_free(&x), lr_buf_free(&y);
  }

  lr_diags_free(&d), lr_diags_free(&d3), lr_diags_free(&d4);
  lr_buf_free(&d1), lr_buf_free(&d2), lr_buf_free(&f1), lr_buf_free(&f2), lr_buf_free(&r);
  lr_arena_free(a);
  free(text);
  return 0;
}
