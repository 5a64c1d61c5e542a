/*
 * lexer.re — the Cedar token scanner (re2c; the generated C file lives in the
 * build directory and is never committed). See lexer.h for the token rules.
 *
 * re2c drives the main dispatch with the NUL sentinel (the source text is
 * NUL-terminated); string literals and `//` comments are scanned by small C
 * loops bounded by the source length, so NUL bytes inside them are content.
 */
#include "lexer.h"

#include <string.h>

void lr_lexer_init(lr_lexer *lx, const lr_source *src) {
  memset(lx, 0, sizeof *lx);
  lx->src = src;
}

static lr_token make(lr_tok_kind k, size_t off, size_t end) {
  return (lr_token){k, LR_LEX_OK, off, end};
}

static lr_token make_err(lr_lex_error e, size_t off, size_t end) {
  return (lr_token){LR_TOK_ERROR, e, off, end};
}

/* Length of the UTF-8 sequence starting at p (1 for invalid lead bytes), so
 * an error token covers one whole character. */
static size_t utf8_len(const unsigned char *p, const unsigned char *lim) {
  size_t n = *p < 0xC0 ? 1 : *p < 0xE0 ? 2 : *p < 0xF0 ? 3 : *p < 0xF8 ? 4 : 1;
  if ((size_t)(lim - p) < n) n = (size_t)(lim - p);
  for (size_t i = 1; i < n; i++)
    if ((p[i] & 0xC0) != 0x80) return i;
  return n ? n : 1;
}

/* Scans a string literal body after its opening quote. Returns the offset
 * just past the closing quote, or 0 when the string is unterminated. */
static size_t scan_string(const char *text, size_t pos, size_t len) {
  while (pos < len) {
    char c = text[pos];
    if (c == '"') return pos + 1;
    if (c == '\\' && pos + 1 < len) pos += 2;
    else pos++;
  }
  return 0;
}

lr_token lr_lexer_next(lr_lexer *lx) {
  const lr_source *src = lx->src;
  const unsigned char *base = (const unsigned char *)src->text;
  const unsigned char *lim = base + src->len;
  const unsigned char *cur = base + lx->pos, *mar = cur, *tok;
  (void)mar;

#define TOK(k)                                                                                     \
  do {                                                                                             \
    lx->pos = (size_t)(cur - base);                                                                \
    return make((k), (size_t)(tok - base), lx->pos);                                               \
  } while (0)

  for (;;) {
    tok = cur;
    /*!re2c
      re2c:define:YYCTYPE = "unsigned char";
      re2c:define:YYCURSOR = cur;
      re2c:define:YYMARKER = mar;
      re2c:yyfill:enable = 0;

      ident = [_a-zA-Z][_a-zA-Z0-9]*;

      "\x00" {
        if (tok >= lim) {
          lx->pos = src->len;
          return make(LR_TOK_EOF, src->len, src->len);
        }
        lx->pos = (size_t)(cur - base);
        return make_err(LR_LEX_BAD_CHAR, (size_t)(tok - base), lx->pos);
      }

      // ASCII whitespace (Rust's \s includes \v and \f) and the other
      // Unicode White_Space characters, in UTF-8.
      [ \t\n\r\v\f]+ { continue; }
      "\xC2\x85" | "\xC2\xA0" | "\xE1\x9A\x80" | "\xE2\x80"[\x80-\x8A] | "\xE2\x80\xA8"
        | "\xE2\x80\xA9" | "\xE2\x80\xAF" | "\xE2\x81\x9F" | "\xE3\x80\x80" { continue; }

      "//" {
        size_t p = (size_t)(cur - base);
        while (p < src->len && src->text[p] != '\n' && src->text[p] != '\r') p++;
        if (lx->on_comment) lx->on_comment(lx->comment_ctx, (size_t)(tok - base), p);
        cur = base + p;
        continue;
      }
      "/*" {
        /* not Cedar: one error for the whole comment, then scanning goes on */
        size_t p = (size_t)(cur - base);
        while (p + 1 < src->len && !(src->text[p] == '*' && src->text[p + 1] == '/')) p++;
        lx->pos = p + 1 < src->len ? p + 2 : src->len;
        return make_err(LR_LEX_BLOCK_COMMENT, (size_t)(tok - base), lx->pos);
      }

      "true"      { TOK(LR_TOK_KW_TRUE); }
      "false"     { TOK(LR_TOK_KW_FALSE); }
      "if"        { TOK(LR_TOK_KW_IF); }
      "then"      { TOK(LR_TOK_KW_THEN); }
      "else"      { TOK(LR_TOK_KW_ELSE); }
      "permit"    { TOK(LR_TOK_KW_PERMIT); }
      "forbid"    { TOK(LR_TOK_KW_FORBID); }
      "when"      { TOK(LR_TOK_KW_WHEN); }
      "unless"    { TOK(LR_TOK_KW_UNLESS); }
      "in"        { TOK(LR_TOK_KW_IN); }
      "has"       { TOK(LR_TOK_KW_HAS); }
      "like"      { TOK(LR_TOK_KW_LIKE); }
      "is"        { TOK(LR_TOK_KW_IS); }
      "principal" { TOK(LR_TOK_KW_PRINCIPAL); }
      "action"    { TOK(LR_TOK_KW_ACTION); }
      "resource"  { TOK(LR_TOK_KW_RESOURCE); }
      "context"   { TOK(LR_TOK_KW_CONTEXT); }
      ident       { TOK(LR_TOK_IDENT); }
      [0-9]+      { TOK(LR_TOK_INT); }
      "?" ident   { TOK(LR_TOK_SLOT); }

      "\"" {
        size_t end = scan_string(src->text, (size_t)(cur - base), src->len);
        if (!end) {
          lx->pos = src->len;
          return make_err(LR_LEX_UNTERMINATED, (size_t)(tok - base), src->len);
        }
        lx->pos = end;
        return make(LR_TOK_STRING, (size_t)(tok - base), end);
      }

      "::" { TOK(LR_TOK_COLONCOLON); }
      "("  { TOK(LR_TOK_LPAREN); }
      ")"  { TOK(LR_TOK_RPAREN); }
      "["  { TOK(LR_TOK_LBRACKET); }
      "]"  { TOK(LR_TOK_RBRACKET); }
      "{"  { TOK(LR_TOK_LBRACE); }
      "}"  { TOK(LR_TOK_RBRACE); }
      ","  { TOK(LR_TOK_COMMA); }
      ";"  { TOK(LR_TOK_SEMI); }
      "."  { TOK(LR_TOK_DOT); }
      ":"  { TOK(LR_TOK_COLON); }
      "==" { TOK(LR_TOK_EQEQ); }
      "!=" { TOK(LR_TOK_NE); }
      "<"  { TOK(LR_TOK_LT); }
      "<=" { TOK(LR_TOK_LE); }
      ">"  { TOK(LR_TOK_GT); }
      ">=" { TOK(LR_TOK_GE); }
      "&&" { TOK(LR_TOK_ANDAND); }
      "||" { TOK(LR_TOK_OROR); }
      "!"  { TOK(LR_TOK_BANG); }
      "-"  { TOK(LR_TOK_MINUS); }
      "+"  { TOK(LR_TOK_PLUS); }
      "*"  { TOK(LR_TOK_STAR); }
      "/"  { TOK(LR_TOK_SLASH); }
      "%"  { TOK(LR_TOK_PERCENT); }
      "@"  { TOK(LR_TOK_AT); }
      "?"  { TOK(LR_TOK_QUESTION); }
      "="  { TOK(LR_TOK_EQ); }

      * {
        cur = tok + utf8_len(tok, lim);
        lx->pos = (size_t)(cur - base);
        return make_err(lr_utf8_check((const char *)tok, (size_t)(cur - tok)) == (size_t)(cur - tok)
                            ? LR_LEX_BAD_CHAR : LR_LEX_BAD_UTF8,
                        (size_t)(tok - base), lx->pos);
      }
    */
  }
#undef TOK
}
