/*
 * token.c — the parts of the token layer that are not the scanner: token
 * names, lexer diagnostics, UTF-8 helpers and Cedar's string escapes
 * (cedar-policy-core/src/parser/unescape.rs, which applies Rust's string
 * escape rules).
 */
#include "lexer.h"

#include <string.h>

static const char *const tok_names[LR_TOK__COUNT] = {
    [LR_TOK_EOF] = "end of input",
    [LR_TOK_ERROR] = "invalid token",
    [LR_TOK_IDENT] = "identifier",
    [LR_TOK_INT] = "integer literal",
    [LR_TOK_STRING] = "string literal",
    [LR_TOK_SLOT] = "template slot",
    [LR_TOK_KW_TRUE] = "`true`",
    [LR_TOK_KW_FALSE] = "`false`",
    [LR_TOK_KW_IF] = "`if`",
    [LR_TOK_KW_THEN] = "`then`",
    [LR_TOK_KW_ELSE] = "`else`",
    [LR_TOK_KW_PERMIT] = "`permit`",
    [LR_TOK_KW_FORBID] = "`forbid`",
    [LR_TOK_KW_WHEN] = "`when`",
    [LR_TOK_KW_UNLESS] = "`unless`",
    [LR_TOK_KW_IN] = "`in`",
    [LR_TOK_KW_HAS] = "`has`",
    [LR_TOK_KW_LIKE] = "`like`",
    [LR_TOK_KW_IS] = "`is`",
    [LR_TOK_KW_PRINCIPAL] = "`principal`",
    [LR_TOK_KW_ACTION] = "`action`",
    [LR_TOK_KW_RESOURCE] = "`resource`",
    [LR_TOK_KW_CONTEXT] = "`context`",
    [LR_TOK_COLONCOLON] = "`::`",
    [LR_TOK_LPAREN] = "`(`",
    [LR_TOK_RPAREN] = "`)`",
    [LR_TOK_LBRACKET] = "`[`",
    [LR_TOK_RBRACKET] = "`]`",
    [LR_TOK_LBRACE] = "`{`",
    [LR_TOK_RBRACE] = "`}`",
    [LR_TOK_COMMA] = "`,`",
    [LR_TOK_SEMI] = "`;`",
    [LR_TOK_DOT] = "`.`",
    [LR_TOK_COLON] = "`:`",
    [LR_TOK_EQEQ] = "`==`",
    [LR_TOK_NE] = "`!=`",
    [LR_TOK_LT] = "`<`",
    [LR_TOK_LE] = "`<=`",
    [LR_TOK_GT] = "`>`",
    [LR_TOK_GE] = "`>=`",
    [LR_TOK_ANDAND] = "`&&`",
    [LR_TOK_OROR] = "`||`",
    [LR_TOK_BANG] = "`!`",
    [LR_TOK_MINUS] = "`-`",
    [LR_TOK_PLUS] = "`+`",
    [LR_TOK_STAR] = "`*`",
    [LR_TOK_SLASH] = "`/`",
    [LR_TOK_PERCENT] = "`%`",
    [LR_TOK_AT] = "`@`",
    [LR_TOK_QUESTION] = "`?`",
    [LR_TOK_EQ] = "`=`",
};

const char *lr_tok_name(lr_tok_kind k) {
  return (unsigned)k < LR_TOK__COUNT && tok_names[k] ? tok_names[k] : "token";
}

int lr_tok_is(const lr_source *src, const lr_token *t, const char *word) {
  size_t n = strlen(word);
  return t->end - t->off == n && memcmp(src->text + t->off, word, n) == 0;
}

void lr_lex_report(const lr_source *src, const lr_token *t, lr_diags *diags) {
  switch (t->err) {
  case LR_LEX_UNTERMINATED:
    lr_diag_error(diags, "E0102", src, t->off, t->off + 1, "unterminated string literal");
    break;
  case LR_LEX_BLOCK_COMMENT:
    lr_diag_error(diags, "E0103", src, t->off, t->end,
                  "`/*` comments are not Cedar; use `//` line comments");
    break;
  case LR_LEX_BAD_UTF8:
    lr_diag_error(diags, "E0105", src, t->off, t->end, "invalid UTF-8 byte sequence");
    break;
  default: {
    unsigned char c = (unsigned char)src->text[t->off];
    if (c >= 0x20 && c < 0x7F)
      lr_diag_error(diags, "E0101", src, t->off, t->end, "invalid character `%c`", c);
    else if (c < 0x80)
      lr_diag_error(diags, "E0101", src, t->off, t->end, "invalid character U+%04X", c);
    else
      lr_diag_error(diags, "E0101", src, t->off, t->end, "invalid character `%.*s`",
                    (int)(t->end - t->off), src->text + t->off);
  }
  }
}

/* ---- UTF-8 --------------------------------------------------------------- */

void lr_utf8_put(lr_buf *out, uint32_t cp) {
  char b[4];
  size_t n;
  if (cp < 0x80)
    b[0] = (char)cp, n = 1;
  else if (cp < 0x800)
    b[0] = (char)(0xC0 | cp >> 6), b[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
  else if (cp < 0x10000)
    b[0] = (char)(0xE0 | cp >> 12), b[1] = (char)(0x80 | ((cp >> 6) & 0x3F)),
    b[2] = (char)(0x80 | (cp & 0x3F)), n = 3;
  else
    b[0] = (char)(0xF0 | cp >> 18), b[1] = (char)(0x80 | ((cp >> 12) & 0x3F)),
    b[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), b[3] = (char)(0x80 | (cp & 0x3F)), n = 4;
  lr_buf_append(out, b, n);
}

size_t lr_utf8_check(const char *text, size_t len) {
  const unsigned char *s = (const unsigned char *)text;
  size_t i = 0;
  while (i < len) {
    unsigned char c = s[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t n;
    uint32_t min;
    if (c >= 0xC2 && c <= 0xDF)
      n = 2, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF)
      n = 3, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4)
      n = 4, min = 0x10000;
    else
      return i;
    if (len - i < n) return i;
    uint32_t cp = c & (0x7F >> n);
    for (size_t k = 1; k < n; k++) {
      if ((s[i + k] & 0xC0) != 0x80) return i;
      cp = cp << 6 | (s[i + k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += n;
  }
  return len;
}

/* ---- escapes ------------------------------------------------------------- */

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Decodes the \u{...} escape whose `u` is at p[0]; returns bytes consumed
 * after the backslash. */
static size_t unicode_escape(const char *p, const char *lim, uint32_t *cp, lr_esc_error *err) {
  const char *q = p + 1; /* after 'u' */
  if (q >= lim || *q != '{') {
    *err = LR_ESC_UNICODE_NO_BRACE;
    return (size_t)(q - p);
  }
  q++;
  if (q < lim && *q == '}') {
    *err = LR_ESC_UNICODE_EMPTY;
    return (size_t)(q + 1 - p);
  }
  if (q < lim && *q == '_') {
    *err = LR_ESC_UNICODE_UNDERSCORE;
    return (size_t)(q + 1 - p);
  }
  uint32_t v = 0;
  int digits = 0;
  for (;;) {
    if (q >= lim || *q == '"') {
      *err = LR_ESC_UNICODE_UNCLOSED;
      return (size_t)(q - p);
    }
    char c = *q++;
    if (c == '}') break;
    if (c == '_') continue;
    int h = hexval(c);
    if (h < 0) {
      *err = LR_ESC_UNICODE_BAD_CHAR;
      return (size_t)(q - p);
    }
    if (++digits > 6) {
      /* consume up to the closing brace so one error covers the escape */
      while (q < lim && *q != '}' && *q != '"') q++;
      if (q < lim && *q == '}') q++;
      *err = LR_ESC_UNICODE_OVERLONG;
      return (size_t)(q - p);
    }
    v = v << 4 | (uint32_t)h;
  }
  if (v >= 0xD800 && v <= 0xDFFF)
    *err = LR_ESC_UNICODE_SURROGATE;
  else if (v > 0x10FFFF)
    *err = LR_ESC_UNICODE_RANGE;
  *cp = v;
  return (size_t)(q - p);
}

size_t lr_lex_escape(const char *p, const char *lim, uint32_t *cp, int *is_byte, int *star,
                     lr_esc_error *err) {
  *err = LR_ESC_OK;
  *star = 0;
  *is_byte = 0;
  *cp = 0;
  if (*p == '\r') {
    *err = LR_ESC_BARE_CR;
    *cp = '\r';
    return 1;
  }
  if (*p != '\\') {
    *is_byte = 1;
    *cp = (unsigned char)*p;
    return 1;
  }
  if (p + 1 >= lim) {
    *err = LR_ESC_LONE_SLASH;
    return 1;
  }
  switch (p[1]) {
  case 'n': *cp = '\n'; return 2;
  case 'r': *cp = '\r'; return 2;
  case 't': *cp = '\t'; return 2;
  case '\\': *cp = '\\'; return 2;
  case '0': *cp = 0; return 2;
  case '\'': *cp = '\''; return 2;
  case '"': *cp = '"'; return 2;
  case '*':
    *star = 1;
    *cp = '*';
    *err = LR_ESC_INVALID;
    return 2;
  case 'x': {
    const char *q = p + 2;
    int h1 = q < lim ? hexval(q[0]) : -2;
    if (h1 == -2 || q[0] == '"') {
      *err = LR_ESC_HEX_SHORT;
      return 2;
    }
    if (h1 < 0) {
      *err = LR_ESC_HEX_BAD_CHAR;
      return 3;
    }
    int h2 = q + 1 < lim ? hexval(q[1]) : -2;
    if (h2 == -2 || q[1] == '"') {
      *err = LR_ESC_HEX_SHORT;
      return 3;
    }
    if (h2 < 0) {
      *err = LR_ESC_HEX_BAD_CHAR;
      return 4;
    }
    *cp = (uint32_t)(h1 * 16 + h2);
    if (*cp > 0x7F) *err = LR_ESC_HEX_RANGE;
    return 4;
  }
  case 'u': return 1 + unicode_escape(p + 1, lim, cp, err);
  default: {
    /* cover the whole (possibly multi-byte) escaped character */
    size_t n = 2;
    while (p + n < lim && ((unsigned char)p[n] & 0xC0) == 0x80) n++;
    *err = LR_ESC_INVALID;
    return n;
  }
  }
}

const char *lr_esc_message(lr_esc_error e) {
  switch (e) {
  case LR_ESC_OK: return "valid escape";
  case LR_ESC_INVALID: return "unknown escape sequence";
  case LR_ESC_LONE_SLASH: return "lone backslash at the end of the string";
  case LR_ESC_BARE_CR: return "bare carriage return in a string (write \\r)";
  case LR_ESC_HEX_SHORT: return "\\x escape needs two hex digits";
  case LR_ESC_HEX_BAD_CHAR: return "invalid character in \\x escape";
  case LR_ESC_HEX_RANGE: return "\\x escape must be at most \\x7F";
  case LR_ESC_UNICODE_NO_BRACE: return "\\u escape must be written \\u{...}";
  case LR_ESC_UNICODE_EMPTY: return "empty \\u{} escape";
  case LR_ESC_UNICODE_UNDERSCORE: return "\\u{...} escape cannot start with `_`";
  case LR_ESC_UNICODE_BAD_CHAR: return "invalid character in \\u{...} escape";
  case LR_ESC_UNICODE_UNCLOSED: return "unterminated \\u{...} escape";
  case LR_ESC_UNICODE_OVERLONG: return "\\u{...} escape has more than 6 hex digits";
  case LR_ESC_UNICODE_SURROGATE:
    return "\\u{...} escape is a surrogate, not a Unicode scalar value";
  case LR_ESC_UNICODE_RANGE: return "\\u{...} escape is above U+10FFFF";
  }
  return "bad escape";
}

lr_status lr_lex_unescape(const lr_source *src, const lr_token *t, lr_buf *out, lr_diags *diags) {
  lr_buf_clear(out);
  lr_buf_reserve(out, t->end - t->off);
  const char *p = src->text + t->off + 1;
  const char *lim = src->text + t->end - 1; /* before the closing quote */
  lr_status st = LR_OK;
  while (p < lim) {
    /* copy runs of plain bytes at once */
    const char *q = p;
    while (q < lim && *q != '\\' && *q != '\r') q++;
    if (q > p) {
      lr_buf_append(out, p, (size_t)(q - p));
      p = q;
      continue;
    }
    uint32_t cp;
    int is_byte, star;
    lr_esc_error err;
    size_t n = lr_lex_escape(p, lim, &cp, &is_byte, &star, &err);
    if (err != LR_ESC_OK) {
      size_t off = (size_t)(p - src->text);
      if (err == LR_ESC_BARE_CR)
        lr_diag_error(diags, "E0104", src, off, off + n, "invalid string: %s", lr_esc_message(err));
      else
        lr_diag_error(diags, "E0104", src, off, off + n, "invalid escape `%.*s` in string: %s",
                      (int)n, p, lr_esc_message(err));
      st = LR_ERR;
    } else if (is_byte) {
      lr_buf_putc(out, (char)cp);
    } else {
      lr_utf8_put(out, cp);
    }
    p += n;
  }
  return st;
}
