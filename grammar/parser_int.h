/*
 * parser_int.h — internals shared by the policy parser files (parser.c:
 * policies, scopes, annotations, recovery; parse_expr.c: expressions).
 * Private to grammar/.
 *
 * Error discipline: a *syntax* error (a token the grammar cannot accept) is
 * reported and then unwinds with longjmp to the policy loop, which skips to
 * the next `;` and goes on with the next policy. A *semantic* rejection
 * (Cedar's CST-to-AST errors: reserved identifiers, unknown methods, chained
 * relations, ...) is reported and parsing continues, so one policy can report
 * several errors. Either way the policy is left out of the result.
 */
#ifndef LARCH_GRAMMAR_PARSER_INT_H
#define LARCH_GRAMMAR_PARSER_INT_H

#include <setjmp.h>

#include "grammar.h"
#include "lexer.h"

typedef struct parser {
  lr_arena *a;
  const lr_source *src;
  lr_diags *diags;
  unsigned flags;
  lr_lexer lx;
  lr_token tok;     /* current token */
  size_t prev_end;  /* end of the last consumed token */
  int depth;        /* current recursion depth */
  bool allow_slots; /* slots are legal here (scope right-hand sides) */
  bool like_rhs;    /* the next primary starts a `like` pattern */
  bool in_recovery; /* jmp is armed */
  jmp_buf jmp;      /* syntax-error unwinding target */
  lr_buf scratch;   /* string decoding */
  lr_buf comments;  /* lr_comment array */
} parser;

/* Advances to the next token (reporting and skipping lexer errors). */
void p_next(parser *p);
/* Reports E0201 "unexpected X, expected <what>" at the current token and
 * unwinds. */
_Noreturn void p_syntax_error(parser *p, const char *what);
/* Consumes a token of kind k or fails with p_syntax_error(what). */
void p_expect(parser *p, lr_tok_kind k, const char *what);
/* Reports a semantic error (the parse goes on). */
void p_error(parser *p, const char *code, size_t off, size_t end, const char *fmt, ...)
    LR_PRINTF(5, 6);
/* Enters one nesting level; reports E0301 and unwinds past the cap. */
void p_enter(parser *p, size_t off);
static inline void p_leave(parser *p) { p->depth--; }

/* Decodes the current STRING token into the arena (reporting bad escapes). */
lr_str p_string(parser *p, const lr_token *t);
/* True for the identifiers Cedar reserves (true false if then else in is
 * has like); reports E0208 and returns true when reserved. */
bool p_check_reserved(parser *p, const lr_token *t);
/* p_check_reserved, and also rejects `__cedar` (E0222: "cannot be <what>"). */
bool p_check_unreserved(parser *p, const lr_token *t, const char *what);
/* Parses Name := IDENT {'::' IDENT} as one "A::B" string; first is its
 * first word, already consumed. When `::` is followed by a string (or `{`),
 * that `::` is consumed, *uid_follows is set and the current token is the
 * string: the caller reads the entity id. Reports reserved identifiers and
 * the reserved namespace __cedar. */
lr_str p_path(parser *p, const lr_token *first, bool *uid_follows);

/* Makes room for one more element in an array of n elements of size bytes
 * with capacity *cap (which may start in a caller's stack buffer): when
 * full, returns an arena copy twice as large and updates *cap. */
void *p_grow(lr_arena *a, void *v, size_t n, size_t *cap, size_t size);
/* An arena copy of n elements (NULL when n is 0). */
void *p_copy(lr_arena *a, const void *v, size_t n, size_t size);

/* Expressions (parse_expr.c). */
lr_expr *p_expr(parser *p);
/* A new leaf node spanning [off, end of the last token). */
lr_expr *p_new(parser *p, lr_expr_kind k, size_t off);
/* Sets e->height from its children; reports E0301 past the cap. */
lr_expr *p_fin(parser *p, lr_expr *e);

#endif /* LARCH_GRAMMAR_PARSER_INT_H */
