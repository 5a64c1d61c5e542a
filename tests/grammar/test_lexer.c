/*
 * test_lexer.c — unit tests for grammar/lexer.re and grammar/token.c: token
 * kinds and spans, comments, error tokens, string escapes.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "lexer.h"

/* Scans text and writes "KIND:text" per token, space separated. */
static char *scan(const char *text) {
  static char out[4096];
  lr_source src = {"t.cedar", text, strlen(text)};
  lr_lexer lx;
  lr_lexer_init(&lx, &src);
  out[0] = 0;
  size_t o = 0;
  for (int i = 0; i < 200; i++) {
    lr_token t = lr_lexer_next(&lx);
    if (t.kind == LR_TOK_EOF) break;
    o += (size_t)snprintf(out + o, sizeof out - o, "%s%d:%.*s", o ? " " : "", (int)t.kind,
                          (int)(t.end - t.off), text + t.off);
  }
  return out;
}

static lr_tok_kind first_kind(const char *text) {
  lr_source src = {"t.cedar", text, strlen(text)};
  lr_lexer lx;
  lr_lexer_init(&lx, &src);
  return lr_lexer_next(&lx).kind;
}

Test(lexer, keywords_and_identifiers) {
  cr_assert_eq(first_kind("permit"), LR_TOK_KW_PERMIT);
  cr_assert_eq(first_kind("permits"), LR_TOK_IDENT);
  cr_assert_eq(first_kind("_x9"), LR_TOK_IDENT);
  cr_assert_eq(first_kind("context"), LR_TOK_KW_CONTEXT);
  cr_assert_eq(first_kind("mask"), LR_TOK_IDENT);
  cr_assert_eq(first_kind("?principal"), LR_TOK_SLOT);
  cr_assert_eq(first_kind("?"), LR_TOK_QUESTION);
  cr_assert(lr_tok_is_word(LR_TOK_KW_IS));
  cr_assert(!lr_tok_is_word(LR_TOK_INT));
}

Test(lexer, punctuation_longest_match) {
  char expect[256];
  snprintf(expect, sizeof expect, "%d::: %d:<= %d:< %d:= %d:== %d:!= %d:! %d:&& %d:||",
           LR_TOK_COLONCOLON, LR_TOK_LE, LR_TOK_LT, LR_TOK_EQ, LR_TOK_EQEQ, LR_TOK_NE, LR_TOK_BANG,
           LR_TOK_ANDAND, LR_TOK_OROR);
  cr_assert_str_eq(scan(":: <= < = == != ! && ||"), expect);
}

Test(lexer, numbers_and_spans) {
  lr_source src = {"t", "  123abc", 8};
  lr_lexer lx;
  lr_lexer_init(&lx, &src);
  lr_token t = lr_lexer_next(&lx);
  cr_assert_eq(t.kind, LR_TOK_INT);
  cr_assert_eq(t.off, 2);
  cr_assert_eq(t.end, 5);
  t = lr_lexer_next(&lx);
  cr_assert_eq(t.kind, LR_TOK_IDENT);
  cr_assert_eq(t.off, 5);
  t = lr_lexer_next(&lx);
  cr_assert_eq(t.kind, LR_TOK_EOF);
  cr_assert_eq(t.off, 8);
  cr_assert_eq(lr_lexer_next(&lx).kind, LR_TOK_EOF);
}

static int ncomments;
static void on_comment(void *ctx, size_t off, size_t end) {
  (void)ctx, (void)off, (void)end;
  ncomments++;
}

Test(lexer, comments_and_whitespace) {
  const char *text = "a // one\r\n\xC2\xA0 b //two";
  lr_source src = {"t", text, strlen(text)};
  lr_lexer lx;
  lr_lexer_init(&lx, &src);
  lx.on_comment = on_comment;
  ncomments = 0;
  cr_assert_eq(lr_lexer_next(&lx).kind, LR_TOK_IDENT);
  lr_token b = lr_lexer_next(&lx);
  cr_assert_eq(b.kind, LR_TOK_IDENT);
  cr_assert_eq(text[b.off], 'b');
  cr_assert_eq(lr_lexer_next(&lx).kind, LR_TOK_EOF);
  cr_assert_eq(ncomments, 2);
}

Test(lexer, errors) {
  lr_source src = {"t.cedar", "a /* b */", 9};
  lr_lexer lx;
  lr_lexer_init(&lx, &src);
  lr_lexer_next(&lx);
  lr_token t = lr_lexer_next(&lx);
  cr_assert_eq(t.kind, LR_TOK_ERROR);
  cr_assert_eq(t.err, LR_LEX_BLOCK_COMMENT);
  lr_diags d = {0};
  lr_lex_report(&src, &t, &d);
  cr_assert_eq(d.n, 1);
  cr_assert_str_eq(d.items[0].code, "E0103");
  lr_diags_free(&d);

  cr_assert_eq(first_kind("\"abc"), LR_TOK_ERROR);
  cr_assert_eq(first_kind("#"), LR_TOK_ERROR);
  cr_assert_eq(first_kind("\xFF"), LR_TOK_ERROR);
  lr_source nul = {"t", "a\0b", 3};
  lr_lexer_init(&lx, &nul);
  cr_assert_eq(lr_lexer_next(&lx).kind, LR_TOK_IDENT);
  cr_assert_eq(lr_lexer_next(&lx).kind, LR_TOK_ERROR);
  cr_assert_eq(lr_lexer_next(&lx).kind, LR_TOK_IDENT);
  cr_assert_eq(lr_lexer_next(&lx).kind, LR_TOK_EOF);
}

/* Decodes a string literal; returns the number of diagnostics. */
static size_t unescape(const char *lit, lr_buf *out) {
  lr_source src = {"t", lit, strlen(lit)};
  lr_lexer lx;
  lr_lexer_init(&lx, &src);
  lr_token t = lr_lexer_next(&lx);
  cr_assert_eq(t.kind, LR_TOK_STRING, "%s", lit);
  lr_diags d = {0};
  lr_status st = lr_lex_unescape(&src, &t, out, &d);
  size_t n = d.n;
  cr_assert_eq(st == LR_OK, n == 0);
  lr_diags_free(&d);
  return n;
}

Test(lexer, string_escapes) {
  lr_buf b = {0};
  cr_assert_eq(unescape("\"a\\n\\t\\r\\\\\\0\\'\\\"\\x41\"", &b), 0);
  cr_assert_eq(b.len, 9);
  cr_assert_eq(memcmp(b.p, "a\n\t\r\\\0'\"A", 9), 0);
  cr_assert_eq(unescape("\"\\u{1F600}\\u{4_1}\\u{0}\"", &b), 0);
  cr_assert_eq(b.len, 6);
  cr_assert_eq(memcmp(b.p,
                      "\xF0\x9F\x98\x80"
                      "A\0",
                      6),
               0);
  cr_assert_eq(unescape("\"multi\nline\"", &b), 0);
  cr_assert_eq(unescape("\"\\q\"", &b), 1);
  cr_assert_eq(unescape("\"\\*\"", &b), 1);
  cr_assert_eq(unescape("\"\\xFF\"", &b), 1);
  cr_assert_eq(unescape("\"\\x4\"", &b), 1);
  cr_assert_eq(unescape("\"\\u{}\"", &b), 1);
  cr_assert_eq(unescape("\"\\u{_1}\"", &b), 1);
  cr_assert_eq(unescape("\"\\u{1234567}\"", &b), 1);
  cr_assert_eq(unescape("\"\\u{D800}\"", &b), 1);
  cr_assert_eq(unescape("\"\\u{110000}\"", &b), 1);
  cr_assert_eq(unescape("\"\\u{12\"", &b), 1);
  cr_assert_eq(unescape("\"\\u12\"", &b), 1);
  cr_assert_eq(unescape("\"a\rb\"", &b), 1);
  cr_assert_eq(unescape("\"\\a\\b\"", &b), 2);
  lr_buf_free(&b);
}

Test(lexer, utf8_check) {
  cr_assert_eq(lr_utf8_check("ok \xC3\xA9", 5), 5);
  cr_assert_eq(lr_utf8_check("a\xC0\x80", 3), 1);
  cr_assert_eq(lr_utf8_check("ab\xED\xA0\x80", 5), 2);
  cr_assert_eq(lr_utf8_check("\xF4\x90\x80\x80", 4), 0);
}
