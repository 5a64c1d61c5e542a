/*
 * lexer.h — the token layer shared by the Cedar policy parser and the
 * .cedarschema parser (private to grammar/; not part of grammar.h).
 *
 * The scanner (lexer.re, compiled by re2c at build time) turns an lr_source
 * into tokens that carry byte spans into the source text. It follows the
 * token rules of Cedar's grammar (cedar-policy-core/src/parser/grammar.lalrpop):
 *   whitespace  Unicode White_Space (Rust's \s), skipped
 *   comments    `//` to end of line, skipped; `/ *` block comments are not
 *               Cedar and produce an LR_TOK_ERROR (LR_LEX_BLOCK_COMMENT)
 *   IDENT       [_a-zA-Z][_a-zA-Z0-9]*; Cedar's policy keywords get their
 *               own kinds (LR_TOK_KW_*), every other word is LR_TOK_IDENT
 *   INT         [0-9]+ (no sign: `-1` is MINUS INT; range checked by parsers)
 *   STRING      "..." with backslash escapes, decoded by lr_lex_unescape
 *   SLOT        ?ident (`?principal`, `?resource`, others rejected by the parser)
 *   punctuation :: ( ) [ ] { } , ; . : == != < <= > >= && || ! - + * / % @ ? =
 *
 * The schema parser treats keyword tokens as plain words where its grammar
 * wants identifiers: use lr_tok_is_word() and compare the text.
 *
 * Input contract: src->text[src->len] must be '\0' (lr_buf guarantees it);
 * NUL bytes inside the text are allowed (they are errors outside strings
 * and comments). All spans are byte offsets into src->text.
 */
#ifndef LARCH_GRAMMAR_LEXER_H
#define LARCH_GRAMMAR_LEXER_H

#include <stddef.h>
#include <stdint.h>

#include "base.h"

typedef enum lr_tok_kind {
  LR_TOK_EOF = 0,
  LR_TOK_ERROR, /* see lr_token.err; report with lr_lex_report */
  LR_TOK_IDENT,
  LR_TOK_INT,
  LR_TOK_STRING, /* span includes the quotes */
  LR_TOK_SLOT,   /* span includes the '?' */
  /* Cedar policy keywords (words: lr_tok_is_word is true for them) */
  LR_TOK_KW_TRUE,
  LR_TOK_KW_FALSE,
  LR_TOK_KW_IF,
  LR_TOK_KW_THEN,
  LR_TOK_KW_ELSE,
  LR_TOK_KW_PERMIT,
  LR_TOK_KW_FORBID,
  LR_TOK_KW_WHEN,
  LR_TOK_KW_UNLESS,
  LR_TOK_KW_IN,
  LR_TOK_KW_HAS,
  LR_TOK_KW_LIKE,
  LR_TOK_KW_IS,
  LR_TOK_KW_PRINCIPAL,
  LR_TOK_KW_ACTION,
  LR_TOK_KW_RESOURCE,
  LR_TOK_KW_CONTEXT,
  /* punctuation */
  LR_TOK_COLONCOLON, /* :: */
  LR_TOK_LPAREN,
  LR_TOK_RPAREN,
  LR_TOK_LBRACKET,
  LR_TOK_RBRACKET,
  LR_TOK_LBRACE,
  LR_TOK_RBRACE,
  LR_TOK_COMMA,
  LR_TOK_SEMI,
  LR_TOK_DOT,
  LR_TOK_COLON,
  LR_TOK_EQEQ, /* == */
  LR_TOK_NE,   /* != */
  LR_TOK_LT,
  LR_TOK_LE,
  LR_TOK_GT,
  LR_TOK_GE,
  LR_TOK_ANDAND, /* && */
  LR_TOK_OROR,   /* || */
  LR_TOK_BANG,
  LR_TOK_MINUS,
  LR_TOK_PLUS,
  LR_TOK_STAR,
  LR_TOK_SLASH,
  LR_TOK_PERCENT,
  LR_TOK_AT,
  LR_TOK_QUESTION,
  LR_TOK_EQ, /* = */
  LR_TOK__COUNT
} lr_tok_kind;

/* Why an LR_TOK_ERROR token was produced. */
typedef enum lr_lex_error {
  LR_LEX_OK = 0,
  LR_LEX_BAD_CHAR,      /* a character that starts no token */
  LR_LEX_UNTERMINATED,  /* string literal without its closing quote */
  LR_LEX_BLOCK_COMMENT, /* a C-style block comment */
  LR_LEX_BAD_UTF8,      /* bytes that are not UTF-8 */
} lr_lex_error;

typedef struct lr_token {
  lr_tok_kind kind;
  lr_lex_error err; /* LR_LEX_OK unless kind == LR_TOK_ERROR */
  size_t off, end;  /* byte span [off, end) in the source */
} lr_token;

/* Scanner state; initialise with lr_lexer_init. Plain value, no allocation. */
typedef struct lr_lexer {
  const lr_source *src;
  size_t pos; /* byte offset of the next unread character */
  /* Optional: called for each `//` comment skipped (span without the line
   * break), e.g. so the formatter can keep comments. */
  void (*on_comment)(void *ctx, size_t off, size_t end);
  void *comment_ctx;
} lr_lexer;

/* Starts scanning src from its beginning. src must outlive the lexer. */
void lr_lexer_init(lr_lexer *lx, const lr_source *src);

/* Returns the next token, skipping whitespace and comments. After the end it
 * keeps returning LR_TOK_EOF (with an empty span at src->len). An error token
 * spans the offending bytes and scanning can continue after it. */
lr_token lr_lexer_next(lr_lexer *lx);

/* True for LR_TOK_IDENT and every keyword kind (anything spelled as a word). */
static inline int lr_tok_is_word(lr_tok_kind k) {
  return k == LR_TOK_IDENT || (k >= LR_TOK_KW_TRUE && k <= LR_TOK_KW_CONTEXT);
}

/* A human name for a token kind, e.g. "`::`", "identifier", "end of input". */
const char *lr_tok_name(lr_tok_kind k);

/* The token's text as a slice of the source. */
static inline lr_str lr_tok_text(const lr_source *src, const lr_token *t) {
  return lr_str_make(src->text + t->off, t->end - t->off);
}

/* True when the token's text equals the C string word. */
int lr_tok_is(const lr_source *src, const lr_token *t, const char *word);

/* Adds the diagnostic for an LR_TOK_ERROR token to diags (codes E0101..E0104). */
void lr_lex_report(const lr_source *src, const lr_token *t, lr_diags *diags);

/* ---- string escapes ------------------------------------------------------ */

/* Escape errors, following Rust's string escapes as Cedar uses them
 * (cedar-policy-core/src/parser/unescape.rs): \n \r \t \\ \0 \' \" \xHH
 * (HH <= 7F) and \u{H...} (1-6 hex digits, underscores allowed after the first,
 * a Unicode scalar value); a bare carriage return is not allowed. */
typedef enum lr_esc_error {
  LR_ESC_OK = 0,
  LR_ESC_INVALID,            /* \q: unknown escape */
  LR_ESC_LONE_SLASH,         /* backslash at the end */
  LR_ESC_BARE_CR,            /* raw \r in a string */
  LR_ESC_HEX_SHORT,          /* \x with fewer than two characters */
  LR_ESC_HEX_BAD_CHAR,       /* \x with a non-hex digit */
  LR_ESC_HEX_RANGE,          /* \x above 7F */
  LR_ESC_UNICODE_NO_BRACE,   /* \u not followed by { */
  LR_ESC_UNICODE_EMPTY,      /* \u{} */
  LR_ESC_UNICODE_UNDERSCORE, /* \u{_...} */
  LR_ESC_UNICODE_BAD_CHAR,   /* a non-hex character inside \u{...} */
  LR_ESC_UNICODE_UNCLOSED,   /* \u{... without } */
  LR_ESC_UNICODE_OVERLONG,   /* more than 6 hex digits */
  LR_ESC_UNICODE_SURROGATE,  /* D800..DFFF */
  LR_ESC_UNICODE_RANGE,      /* above 10FFFF */
} lr_esc_error;

/* One step of decoding a string body. p points into [p, lim). If *p is not a
 * backslash (or a raw CR) the step copies one byte (*cp = that byte, *is_byte
 * = 1). Otherwise it decodes one escape: *cp is the code point (*is_byte = 0)
 * and *star is set when the escape was `\*` (only valid in `like` patterns:
 * the caller decides; lr_lex_escape itself reports it as LR_ESC_INVALID with
 * *star = 1). Returns the number of bytes consumed (>= 1) and sets *err. */
size_t lr_lex_escape(const char *p, const char *lim, uint32_t *cp, int *is_byte, int *star,
                     lr_esc_error *err);

/* A message for an escape error, e.g. "unknown escape sequence". */
const char *lr_esc_message(lr_esc_error e);

/* Appends the UTF-8 encoding of code point cp to out. */
void lr_utf8_put(lr_buf *out, uint32_t cp);

/* Decodes the string literal token t (quotes included in its span) into out
 * (cleared first). Every bad escape is reported to diags (code E0104, pointing
 * at the escape) and makes the call return LR_ERR; out then holds a best
 * effort decoding. */
lr_status lr_lex_unescape(const lr_source *src, const lr_token *t, lr_buf *out, lr_diags *diags);

/* Length of a valid UTF-8 prefix check: returns the offset of the first byte
 * in text[0, len) that is not well-formed UTF-8, or len if all is valid. */
size_t lr_utf8_check(const char *text, size_t len);

#endif /* LARCH_GRAMMAR_LEXER_H */
