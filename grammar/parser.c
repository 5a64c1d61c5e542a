/*
 * parser.c — the Cedar policy parser: token plumbing, error reporting and
 * recovery, annotations, effects, scopes, conditions, larch's `with` clause,
 * and the public entry points. Expressions are in parse_expr.c.
 *
 * Grammar (Cedar, docs "Grammar" page and grammar.lalrpop):
 *   Policy    := {Annotation} Effect '(' Scope ')' {Condition} [With] ';'
 *   Annotation:= '@' IDENT ['(' STR ')']
 *   Scope     := VarDef {',' VarDef} [',']   (exactly principal, action, resource)
 *   VarDef    := IDENT [':' Name] ['is' Name] [RelOp Expr]
 *   Condition := ('when' | 'unless') '{' Expr '}'
 *   With      := 'with' Record              (larch: mask / limit only)
 * The VarDef form is deliberately more general than what Cedar accepts, as in
 * Cedar's own parser, so misuse gets a precise error instead of "unexpected
 * token": `principal in [..]`, `action is T`, `principal = E`, type
 * constraints, wrong or missing variables.
 */
#include <stdio.h>
#include <string.h>

#include "parser_int.h"

/* ---- plumbing ------------------------------------------------------------- */

/* False once the file has reported LR_PARSE_MAX_ERRORS errors. */
static bool may_report(parser *p) {
  if (p->diags->errors - p->errors0 < LR_PARSE_MAX_ERRORS) return true;
  p->capped = true;
  return false;
}

void p_next(parser *p) {
  p->prev_end = p->tok.end;
  for (;;) {
    p->tok = lr_lexer_next(&p->lx);
    if (p->tok.kind != LR_TOK_ERROR) return;
    if (may_report(p)) lr_lex_report(p->src, &p->tok, p->diags);
  }
}

void p_error(parser *p, const char *code, size_t off, size_t end, const char *fmt, ...) {
  if (!may_report(p)) return;
  va_list ap;
  va_start(ap, fmt);
  lr_diags_vadd(p->diags, LR_SEV_ERROR, code, p->src, off, end, fmt, ap);
  va_end(ap);
}

/* Describes the current token for "unexpected ..." messages. */
static void describe(parser *p, char *out, size_t n) {
  const lr_token *t = &p->tok;
  if (t->kind == LR_TOK_EOF) {
    snprintf(out, n, "end of input");
    return;
  }
  size_t len = t->end - t->off;
  const char *more = "";
  if (len > 40) len = 40, more = "...";
  /* stop at a line break inside a multi-line string */
  for (size_t i = 0; i < len; i++)
    if (p->src->text[t->off + i] == '\n') len = i, more = "...";
  snprintf(out, n, "`%.*s%s`", (int)len, p->src->text + t->off, more);
}

_Noreturn void p_syntax_error(parser *p, const char *what) {
  if (what) {
    char d[64];
    describe(p, d, sizeof d);
    size_t end = p->tok.end > p->tok.off ? p->tok.end : p->tok.off;
    p_error(p, "E0201", p->tok.off, end, "unexpected %s, expected %s", d, what);
  }
  longjmp(p->jmp, 1);
}

void p_expect(parser *p, lr_tok_kind k, const char *what) {
  if (p->tok.kind != k) p_syntax_error(p, what);
  p_next(p);
}

void p_enter(parser *p, size_t off) {
  if (++p->depth > LR_PARSE_MAX_DEPTH) {
    p_error(p, "E0301", off, off + 1, "expression nested deeper than %d levels",
            LR_PARSE_MAX_DEPTH);
    p_syntax_error(p, NULL);
  }
}

lr_str p_string(parser *p, const lr_token *t) {
  /* fast path: no escapes, no CR */
  const char *s = p->src->text + t->off + 1;
  size_t n = t->end - t->off - 2;
  if (!memchr(s, '\\', n) && !memchr(s, '\r', n)) return lr_str_dup(p->a, lr_str_make(s, n));
  lr_lex_unescape(p->src, t, &p->scratch, p->diags);
  return lr_str_dup(p->a, lr_buf_str(&p->scratch));
}

bool p_check_reserved(parser *p, const lr_token *t) {
  switch (t->kind) {
  case LR_TOK_KW_TRUE:
  case LR_TOK_KW_FALSE:
  case LR_TOK_KW_IF:
  case LR_TOK_KW_THEN:
  case LR_TOK_KW_ELSE:
  case LR_TOK_KW_IN:
  case LR_TOK_KW_IS:
  case LR_TOK_KW_HAS:
  case LR_TOK_KW_LIKE:
    p_error(p, "E0208", t->off, t->end, "`%.*s` is a reserved identifier and cannot be used here",
            (int)(t->end - t->off), p->src->text + t->off);
    return true;
  default: return false;
  }
}

bool p_check_unreserved(parser *p, const lr_token *t, const char *what) {
  if (p_check_reserved(p, t)) return true;
  if (!lr_tok_is(p->src, t, "__cedar")) return false;
  p_error(p, "E0222", t->off, t->end, "`__cedar` is reserved and cannot be %s", what);
  return true;
}

lr_str p_path(parser *p, const lr_token *first, bool *uid_follows) {
  *uid_follows = false;
  p_check_unreserved(p, first, "part of a name");
  size_t parts = 1, chars = first->end - first->off, end = first->end;
  while (p->tok.kind == LR_TOK_COLONCOLON) {
    p_next(p);
    if (p->tok.kind == LR_TOK_STRING || p->tok.kind == LR_TOK_LBRACE) {
      *uid_follows = true;
      break;
    }
    if (!lr_tok_is_word(p->tok.kind)) p_syntax_error(p, "an identifier or a string after `::`");
    p_check_unreserved(p, &p->tok, "part of a name");
    parts++;
    chars += p->tok.end - p->tok.off;
    end = p->tok.end;
    p_next(p);
  }
  lr_str whole = lr_str_make(p->src->text + first->off, end - first->off);
  if (whole.n == chars + 2 * (parts - 1)) return lr_str_dup(p->a, whole); /* no blanks */
  /* blanks, comments or invalid bytes (skipped above) around `::`: rebuild
   * from the words and `::` alone, the tokens counted above */
  size_t cap = chars + 2 * (parts - 1);
  char *out = lr_arena_alloc(p->a, cap + 1);
  size_t o = 0;
  lr_lexer lx;
  lr_lexer_init(&lx, &p->lex_src);
  lx.pos = first->off;
  for (;;) {
    lr_token t = lr_lexer_next(&lx);
    if (t.off >= end || t.kind == LR_TOK_EOF) break;
    size_t n = t.kind == LR_TOK_COLONCOLON ? 2 : lr_tok_is_word(t.kind) ? t.end - t.off : 0;
    if (o + n > cap) break; /* cannot happen: the same tokens as counted */
    memcpy(out + o, t.kind == LR_TOK_COLONCOLON ? "::" : p->src->text + t.off, n);
    o += n;
  }
  out[o] = 0;
  return lr_str_make(out, o);
}

void *p_grow(lr_arena *a, void *v, size_t n, size_t *cap, size_t size) {
  if (n < *cap) return v;
  size_t ncap = *cap ? *cap * 2 : 8;
  void *bigger = lr_arena_alloc(a, ncap * size);
  if (n) memcpy(bigger, v, n * size);
  *cap = ncap;
  return bigger;
}

void *p_copy(lr_arena *a, const void *v, size_t n, size_t size) {
  if (!n) return NULL;
  void *out = lr_arena_alloc(a, n * size);
  memcpy(out, v, n * size);
  return out;
}

/* ---- annotations ------------------------------------------------------------ */

static void parse_annotations(parser *p, lr_policy *pol) {
  lr_annotation small[8], *v = small;
  size_t n = 0, cap = 8;
  while (p->tok.kind == LR_TOK_AT) {
    lr_annotation an = {0};
    an.off = p->tok.off;
    p_next(p);
    lr_token k = p->tok;
    if (!lr_tok_is_word(k.kind)) p_syntax_error(p, "an annotation name");
    p_next(p);
    an.key = lr_str_dup(p->a, lr_tok_text(p->src, &k));
    if (p->tok.kind == LR_TOK_LPAREN) {
      p_next(p);
      lr_token s = p->tok;
      p_expect(p, LR_TOK_STRING, "a string (the annotation value)");
      p_expect(p, LR_TOK_RPAREN, "`)`");
      an.value = p_string(p, &s);
      an.has_value = true;
    } else {
      an.value = lr_str_make("", 0);
    }
    an.end = p->prev_end;
    for (size_t i = 0; i < n; i++)
      if (lr_str_eq(v[i].key, an.key)) {
        p_error(p, "E0404", an.off, an.end, "duplicate annotation: @%.*s", (int)an.key.n, an.key.p);
        break;
      }
    v = p_grow(p->a, v, n, &cap, sizeof *v);
    v[n++] = an;
  }
  pol->nannotations = n;
  pol->annotations = p_copy(p->a, v, n, sizeof *v);
}

/* ---- scope ------------------------------------------------------------------ */

/* One scope element as written, before it is checked against its position. */
typedef struct vardef {
  lr_token var;    /* the variable word */
  bool has_type_c; /* `principal: T` (rejected) */
  bool has_is;     /* `is T` */
  lr_str is_type;
  size_t is_off;
  lr_token op; /* LR_TOK_EOF when no relation */
  lr_expr *rhs;
  size_t off, end;
} vardef;

static void parse_vardef(parser *p, vardef *d) {
  memset(d, 0, sizeof *d);
  d->op.kind = LR_TOK_EOF;
  d->off = p->tok.off;
  d->var = p->tok;
  if (!lr_tok_is_word(p->tok.kind)) p_syntax_error(p, "`principal`, `action` or `resource`");
  p_next(p);
  if (p->tok.kind == LR_TOK_COLON) {
    size_t off = p->tok.off;
    p_next(p);
    lr_token t = p->tok;
    if (!lr_tok_is_word(t.kind)) p_syntax_error(p, "a type name");
    p_next(p);
    bool uid;
    p_path(p, &t, &uid);
    if (uid) p_syntax_error(p, "a type name");
    p_error(p, "E0414", off, p->prev_end,
            "type constraints using `:` are not supported; use `is` instead");
  }
  if (p->tok.kind == LR_TOK_KW_IS) {
    d->has_is = true;
    d->is_off = p->tok.off;
    p_next(p);
    lr_token t = p->tok;
    if (!lr_tok_is_word(t.kind)) p_syntax_error(p, "an entity type name");
    p_next(p);
    bool uid;
    d->is_type = p_path(p, &t, &uid);
    if (uid) {
      p_next(p);
      p_error(p, "E0217", t.off, p->prev_end,
              "the right-hand side of `is` must be an entity type name, not an entity uid");
    }
  }
  switch (p->tok.kind) {
  case LR_TOK_EQEQ:
  case LR_TOK_KW_IN:
  case LR_TOK_EQ:
  case LR_TOK_NE:
  case LR_TOK_LT:
  case LR_TOK_LE:
  case LR_TOK_GT:
  case LR_TOK_GE:
    d->op = p->tok;
    p_next(p);
    p->allow_slots = true;
    d->rhs = p_expr(p);
    p->allow_slots = false;
    break;
  default: break;
  }
  d->end = p->prev_end;
}

static const char *var_word(const lr_token *t) {
  switch (t->kind) {
  case LR_TOK_KW_PRINCIPAL: return "principal";
  case LR_TOK_KW_ACTION: return "action";
  case LR_TOK_KW_RESOURCE: return "resource";
  default: return NULL;
  }
}

/* Reports a scope right-hand side that is not what the scope needs. */
static void wrong_rhs(parser *p, const lr_expr *e, const char *expected) {
  const char *got = e->kind == LR_EXPR_SET    ? "a set"
                    : e->kind == LR_EXPR_SLOT ? "a template slot"
                                              : "an expression";
  p_error(p, "E0412", e->off, e->end, "expected %s, found %s", expected, got);
}

/* Checks a principal/resource element and fills sc. */
static void check_pr_scope(parser *p, const vardef *d, lr_var want, lr_scope *sc) {
  sc->off = d->off;
  sc->end = d->end;
  sc->op = LR_SCOPE_ANY;
  if (d->has_is) {
    sc->op = LR_SCOPE_IS;
    sc->type = d->is_type;
  }
  if (d->op.kind == LR_TOK_EOF) return;
  lr_tok_kind k = d->op.kind;
  if (k == LR_TOK_EQ) {
    p_error(p, "E0207", d->op.off, d->op.end, "`=` is not a valid operator in Cedar; use `==`");
    k = LR_TOK_EQEQ;
  }
  if (k != LR_TOK_EQEQ && k != LR_TOK_KW_IN) {
    p_error(p, "E0408", d->op.off, d->op.end,
            "invalid operator `%.*s` in the policy scope: only `==`, `in`, `is` and `is .. in` "
            "are allowed",
            (int)(d->op.end - d->op.off), p->src->text + d->op.off);
    return;
  }
  if (k == LR_TOK_EQEQ && d->has_is) {
    p_error(p, "E0410", d->is_off, d->end,
            "`is` cannot be used together with `==` in the scope; try `is .. in`");
    return;
  }
  const lr_expr *e = d->rhs;
  if (k == LR_TOK_KW_IN && e->kind == LR_EXPR_IS) {
    p_error(p, "E0411", d->off, d->end,
            "when `is` and `in` are used together, `is` must come first: `%s is T in E`",
            lr_var_name(want));
    return;
  }
  sc->op = k == LR_TOK_EQEQ ? LR_SCOPE_EQ : d->has_is ? LR_SCOPE_IS_IN : LR_SCOPE_IN;
  if (e->kind == LR_EXPR_ENTITY) {
    sc->entity = e->u.euid;
  } else if (e->kind == LR_EXPR_SLOT) {
    lr_slot ok = want == LR_VAR_PRINCIPAL ? LR_SLOT_PRINCIPAL : LR_SLOT_RESOURCE;
    if (e->u.slot != ok)
      p_error(p, "E0412", e->off, e->end, "the %s scope can only use the slot %s",
              lr_var_name(want), lr_slot_name(ok));
    sc->is_slot = true;
    sc->slot = e->u.slot;
  } else {
    wrong_rhs(p, e, "a single entity uid or a template slot");
  }
}

/* True when an action entity's type is `Action` or ends in `::Action`. */
static bool action_type_ok(lr_str t) {
  static const char suffix[] = "::Action";
  if (lr_str_eq_c(t, "Action")) return true;
  return t.n > sizeof suffix - 1 &&
         memcmp(t.p + t.n - (sizeof suffix - 1), suffix, sizeof suffix - 1) == 0;
}

static void check_action_euid(parser *p, const lr_euid *u) {
  if (!action_type_ok(u->type))
    p_error(p, "E0413", u->off, u->end,
            "expected an entity uid with type `Action` but got `%.*s::...`: action entities "
            "must have type `Action`, optionally in a namespace",
            (int)u->type.n, u->type.p);
}

static void check_action_scope(parser *p, const vardef *d, lr_action_scope *sc) {
  sc->off = d->off;
  sc->end = d->end;
  sc->op = LR_ACTION_ANY;
  if (d->has_is) {
    p_error(p, "E0409", d->is_off, d->end,
            "`is` cannot appear in the action scope; move `action is ..` into a `when` condition");
    return;
  }
  if (d->op.kind == LR_TOK_EOF) return;
  lr_tok_kind k = d->op.kind;
  if (k == LR_TOK_EQ) {
    p_error(p, "E0207", d->op.off, d->op.end, "`=` is not a valid operator in Cedar; use `==`");
    k = LR_TOK_EQEQ;
  }
  const lr_expr *e = d->rhs;
  if (k == LR_TOK_EQEQ) {
    sc->op = LR_ACTION_EQ;
    if (e->kind != LR_EXPR_ENTITY) {
      wrong_rhs(p, e, "a single entity uid");
      return;
    }
    sc->entities = LR_NEW(p->a, lr_euid);
    sc->entities[0] = e->u.euid;
    sc->n = 1;
    check_action_euid(p, &e->u.euid);
  } else if (k == LR_TOK_KW_IN) {
    if (e->kind == LR_EXPR_IS) {
      p_error(p, "E0409", e->off, e->end, "`is` cannot appear in the action scope");
      return;
    }
    if (e->kind == LR_EXPR_ENTITY) {
      sc->op = LR_ACTION_IN;
      sc->entities = LR_NEW(p->a, lr_euid);
      sc->entities[0] = e->u.euid;
      sc->n = 1;
      check_action_euid(p, &e->u.euid);
    } else if (e->kind == LR_EXPR_SET) {
      sc->op = LR_ACTION_IN_SET;
      sc->n = e->u.set.n;
      sc->entities = sc->n ? LR_NEW_N(p->a, lr_euid, sc->n) : NULL;
      for (size_t i = 0; i < sc->n; i++) {
        const lr_expr *it = e->u.set.items[i];
        if (it->kind != LR_EXPR_ENTITY) {
          wrong_rhs(p, it, "an entity uid");
          continue;
        }
        sc->entities[i] = it->u.euid;
        check_action_euid(p, &it->u.euid);
      }
    } else {
      wrong_rhs(p, e, "a single entity uid or a set of entity uids");
    }
  } else {
    p_error(p, "E0408", d->op.off, d->op.end,
            "invalid operator `%.*s` in the action scope: only `==` and `in` are allowed",
            (int)(d->op.end - d->op.off), p->src->text + d->op.off);
  }
}

static void parse_scope(parser *p, lr_policy *pol, size_t effect_end) {
  static const lr_var order[3] = {LR_VAR_PRINCIPAL, LR_VAR_ACTION, LR_VAR_RESOURCE};
  size_t n = 0, last_end = effect_end;
  while (p->tok.kind != LR_TOK_RPAREN) {
    vardef d;
    parse_vardef(p, &d);
    last_end = d.end;
    if (n >= 3) {
      p_error(p, "E0406", d.off, d.end,
              "this policy has an extra element in the scope: the scope holds exactly "
              "`principal`, `action` and `resource`, in that order");
    } else {
      lr_var want = order[n];
      const char *w = var_word(&d.var);
      if (!w) {
        p_error(p, "E0407", d.var.off, d.var.end,
                "found an invalid variable `%.*s` in the policy scope: the scope holds exactly "
                "`principal`, `action` and `resource`, in that order",
                (int)(d.var.end - d.var.off), p->src->text + d.var.off);
      } else if (strcmp(w, lr_var_name(want)) != 0) {
        p_error(p, "E0407", d.var.off, d.var.end,
                "found the variable `%s` where the variable `%s` must be used", w,
                lr_var_name(want));
      } else if (want == LR_VAR_ACTION) {
        check_action_scope(p, &d, &pol->action);
      } else {
        check_pr_scope(p, &d, want, want == LR_VAR_PRINCIPAL ? &pol->principal : &pol->resource);
      }
    }
    n++;
    if (p->tok.kind == LR_TOK_COMMA)
      p_next(p);
    else if (p->tok.kind != LR_TOK_RPAREN)
      p_syntax_error(p, "`,` or `)`");
  }
  for (size_t i = n; i < 3; i++)
    p_error(p, "E0405", last_end, last_end + 1,
            "this policy is missing the `%s` variable in the scope", lr_var_name(order[i]));
  pol->is_template = pol->principal.is_slot || pol->resource.is_slot;
}

/* ---- policies --------------------------------------------------------------- */

static void parse_conditions(parser *p, lr_policy *pol) {
  lr_condition small[8], *v = small;
  size_t n = 0, cap = 8;
  while (lr_tok_is_word(p->tok.kind) && !lr_tok_is(p->src, &p->tok, "with")) {
    lr_condition c = {0};
    lr_token kw = p->tok;
    c.off = kw.off;
    c.is_when = kw.kind != LR_TOK_KW_UNLESS;
    if (kw.kind != LR_TOK_KW_WHEN && kw.kind != LR_TOK_KW_UNLESS)
      p_error(p, "E0402", kw.off, kw.end,
              "invalid policy condition `%.*s`: a condition is `when { .. }` or `unless { .. }`",
              (int)(kw.end - kw.off), p->src->text + kw.off);
    p_next(p);
    p_expect(p, LR_TOK_LBRACE, "`{`");
    if (p->tok.kind == LR_TOK_RBRACE) {
      p_next(p);
      p_error(p, "E0403", kw.off, p->prev_end, "`%.*s` condition clause cannot be empty",
              (int)(kw.end - kw.off), p->src->text + kw.off);
      c.expr = p_new(p, LR_EXPR_BOOL, kw.off);
      c.expr->u.b = true;
    } else {
      c.expr = p_expr(p);
      p_expect(p, LR_TOK_RBRACE, "`}`");
    }
    c.end = p->prev_end;
    v = p_grow(p->a, v, n, &cap, sizeof *v);
    v[n++] = c;
  }
  pol->nconds = n;
  pol->conds = p_copy(p->a, v, n, sizeof *v);
}

static lr_policy *parse_policy(parser *p, unsigned index) {
  lr_policy *pol = LR_NEW(p->a, lr_policy);
  pol->index = index;
  pol->id = lr_arena_sprintf(p->a, "policy%u", index);
  pol->off = p->tok.off;
  parse_annotations(p, pol);
  lr_token eff = p->tok;
  if (!lr_tok_is_word(eff.kind)) p_syntax_error(p, "`permit` or `forbid`");
  if (eff.kind == LR_TOK_KW_PERMIT)
    pol->effect = LR_EFFECT_PERMIT;
  else if (eff.kind == LR_TOK_KW_FORBID)
    pol->effect = LR_EFFECT_FORBID;
  else if (lr_tok_is(p->src, &eff, "mask"))
    pol->effect = LR_EFFECT_MASK;
  else if (lr_tok_is(p->src, &eff, "limit"))
    pol->effect = LR_EFFECT_LIMIT;
  else
    p_error(p, "E0401", eff.off, eff.end,
            "invalid policy effect `%.*s`: the effect must be `permit` or `forbid` (or larch's "
            "`mask` / `limit`)",
            (int)(eff.end - eff.off), p->src->text + eff.off);
  if (pol->effect >= LR_EFFECT_MASK && (p->flags & LR_PARSE_STRICT_CEDAR))
    p_error(p, "E0417", eff.off, eff.end,
            "`%.*s` is a larch guardrail form, not allowed in strict Cedar mode",
            (int)(eff.end - eff.off), p->src->text + eff.off);
  p_next(p);
  p_expect(p, LR_TOK_LPAREN, "`(`");
  parse_scope(p, pol, eff.end);
  p_next(p); /* `)` */
  parse_conditions(p, pol);
  bool guard = pol->effect == LR_EFFECT_MASK || pol->effect == LR_EFFECT_LIMIT;
  if (lr_tok_is(p->src, &p->tok, "with")) {
    lr_token w = p->tok;
    p_next(p);
    if (p->tok.kind != LR_TOK_LBRACE) p_syntax_error(p, "`{` (the `with` record)");
    pol->with = p_expr(p);
    if (pol->with->kind != LR_EXPR_RECORD)
      p_error(p, "E0418", pol->with->off, pol->with->end,
              "the `with` clause must be a record literal `{ key: value, .. }`");
    if (!guard)
      p_error(p, "E0415", w.off, p->prev_end,
              "a `with` clause is only allowed on `mask` and `limit` policies");
    if (lr_tok_is_word(p->tok.kind))
      p_syntax_error(p, "`;` (conditions go before the `with` clause)");
  } else if (guard) {
    p_error(p, "E0416", eff.off, eff.end,
            "a `%.*s` policy needs a `with { .. }` clause after its conditions",
            (int)(eff.end - eff.off), p->src->text + eff.off);
  }
  p_expect(p, LR_TOK_SEMI, "`;`");
  pol->end = p->prev_end;
  return pol;
}

/* Parses one policy; after a syntax error, skips past the next `;` and
 * returns NULL. (setjmp lives here, away from the caller's locals.) */
static lr_policy *parse_one(parser *p, unsigned index) {
  if (setjmp(p->jmp) == 0) return parse_policy(p, index);
  p->depth = 0;
  p->allow_slots = false;
  while (p->tok.kind != LR_TOK_SEMI && p->tok.kind != LR_TOK_EOF) p_next(p);
  if (p->tok.kind == LR_TOK_SEMI) p_next(p);
  return NULL;
}

static void on_comment(void *ctx, size_t off, size_t end) {
  lr_buf *b = ctx;
  const lr_comment *last = b->len ? (const lr_comment *)(b->p + b->len) - 1 : NULL;
  if (last && last->off >= off) return; /* rescanned */
  lr_comment c = {off, end};
  lr_buf_append(b, &c, sizeof c);
}

static void parser_init(parser *p, lr_arena *a, const lr_source *src, unsigned flags,
                        lr_diags *diags) {
  memset(p, 0, sizeof *p);
  p->a = a;
  p->src = src;
  p->diags = diags;
  p->flags = flags;
  /* the scanner needs a NUL after the text; callers need not provide one */
  p->lex_src = *src;
  p->lex_src.text = lr_arena_strndup(a, src->text ? src->text : "", src->len);
  lr_lexer_init(&p->lx, &p->lex_src);
  p->lx.on_comment = on_comment;
  p->lx.comment_ctx = &p->comments;
  p->errors0 = diags->errors;
}

/* Reports invalid UTF-8 once, at the first bad byte (Cedar reads text). */
static bool check_utf8(parser *p) {
  size_t bad = lr_utf8_check(p->src->text, p->src->len);
  if (bad == p->src->len) return true;
  p_error(p, "E0105", bad, bad + 1, "the file is not valid UTF-8 (first invalid byte here)");
  return false;
}

lr_status lr_parse_policies_opts(lr_arena *a, const lr_source *src, unsigned first_id,
                                 unsigned flags, lr_diags *diags, lr_policy_list *out) {
  parser p;
  parser_init(&p, a, src, flags, diags);
  size_t errors0 = diags->errors;
  memset(out, 0, sizeof *out);
  out->src = src;
  unsigned index = first_id;
  lr_policy *small[64], **items = small;
  size_t n = 0, cap = 64;
  if (check_utf8(&p)) {
    p_next(&p);
    while (p.tok.kind != LR_TOK_EOF) {
      size_t before = diags->errors;
      lr_policy *pol = parse_one(&p, index++);
      if (p.capped) break;
      if (!pol || diags->errors != before) continue;
      items = p_grow(a, items, n, &cap, sizeof *items);
      items[n++] = pol;
    }
  }
  if (p.capped)
    lr_diag_error(diags, "E0302", src, p.tok.off, p.tok.off,
                  "too many errors (%d); stopped reading this file", LR_PARSE_MAX_ERRORS);
  out->next_id = index;
  out->n = n;
  out->items = p_copy(a, items, n, sizeof *items);
  out->ncomments = p.comments.len / sizeof(lr_comment);
  out->comments = p_copy(a, p.comments.p, out->ncomments, sizeof(lr_comment));
  lr_buf_free(&p.comments);
  lr_buf_free(&p.scratch);
  return diags->errors == errors0 ? LR_OK : LR_ERR;
}

lr_status lr_parse_policies(lr_arena *a, const lr_source *src, unsigned first_id, lr_diags *diags,
                            lr_policy_list *out) {
  return lr_parse_policies_opts(a, src, first_id, 0, diags, out);
}

lr_status lr_parse_expr(lr_arena *a, const lr_source *src, lr_diags *diags, lr_expr **out) {
  parser p;
  parser_init(&p, a, src, 0, diags);
  size_t errors0 = diags->errors;
  *out = NULL;
  lr_expr *volatile e = NULL;
  if (check_utf8(&p) && setjmp(p.jmp) == 0) {
    p_next(&p);
    e = p_expr(&p);
    if (p.tok.kind != LR_TOK_EOF) p_syntax_error(&p, "end of input");
  }
  lr_buf_free(&p.comments);
  lr_buf_free(&p.scratch);
  if (diags->errors != errors0) return LR_ERR;
  *out = e;
  return LR_OK;
}
