/*
 * parse_expr.c — recursive descent for Cedar expressions, with Cedar's
 * CST-to-AST rejections (cedar-policy-core/src/parser/cst_to_ast.rs).
 *
 * Precedence, loosest first (Cedar grammar "Expr" .. "Primary"):
 *   if c then a else b
 *   ||            left-assoc
 *   &&            left-assoc
 *   == != < <= > >= in   (one per relation: `a < b < c` is rejected)
 *   has / like / is [in] (a relation of their own, not chainable)
 *   + -           left-assoc
 *   * (/ and % rejected)
 *   ! or - repeated at most 4 times (`-` on an integer literal folds into it)
 *   member access: .attr  ["attr"]  .method(args)
 *   primary: literal, entity uid, variable, slot, (e), [set], {record}, f(args)
 */
#include <stdlib.h>
#include <string.h>

#include "parser_int.h"

/* ---- node construction ----------------------------------------------------- */

lr_expr *p_new(parser *p, lr_expr_kind k, size_t off) {
  lr_expr *e = LR_NEW(p->a, lr_expr);
  e->kind = k;
  e->height = 1;
  e->off = off;
  e->end = p->prev_end;
  return e;
}

static uint32_t h(const lr_expr *e) { return e ? e->height : 0; }
static uint32_t max3(uint32_t a, uint32_t b, uint32_t c) {
  uint32_t m = a > b ? a : b;
  return m > c ? m : c;
}

lr_expr *p_fin(parser *p, lr_expr *e) {
  uint32_t m = 0;
  switch (e->kind) {
  case LR_EXPR_NOT:
  case LR_EXPR_NEG: m = h(e->u.unary.arg); break;
  case LR_EXPR_BINARY: m = max3(h(e->u.bin.lhs), h(e->u.bin.rhs), 0); break;
  case LR_EXPR_IF: m = max3(h(e->u.ite.cond), h(e->u.ite.then_expr), h(e->u.ite.else_expr)); break;
  case LR_EXPR_HAS: m = h(e->u.has.target); break;
  case LR_EXPR_LIKE: m = h(e->u.like.target); break;
  case LR_EXPR_IS: m = max3(h(e->u.is.target), h(e->u.is.in), 0); break;
  case LR_EXPR_ATTR: m = h(e->u.attr.target); break;
  case LR_EXPR_METHOD:
    m = h(e->u.method.target);
    for (size_t i = 0; i < e->u.method.nargs; i++) m = max3(m, h(e->u.method.args[i]), 0);
    break;
  case LR_EXPR_CALL:
    for (size_t i = 0; i < e->u.call.nargs; i++) m = max3(m, h(e->u.call.args[i]), 0);
    break;
  case LR_EXPR_SET:
    for (size_t i = 0; i < e->u.set.n; i++) m = max3(m, h(e->u.set.items[i]), 0);
    break;
  case LR_EXPR_RECORD:
    for (size_t i = 0; i < e->u.record.n; i++) m = max3(m, h(e->u.record.values[i]), 0);
    break;
  default: break;
  }
  e->height = m + 1;
  if (e->height > LR_PARSE_MAX_DEPTH) {
    p_error(p, "E0301", e->off, e->end, "expression nested deeper than %d levels",
            LR_PARSE_MAX_DEPTH);
    p_syntax_error(p, NULL);
  }
  return e;
}

static lr_expr *mk_bin(parser *p, lr_binop op, lr_expr *l, lr_expr *r) {
  lr_expr *e = p_new(p, LR_EXPR_BINARY, l->off);
  e->u.bin.op = op;
  e->u.bin.lhs = l;
  e->u.bin.rhs = r;
  return p_fin(p, e);
}

/* A growable array of expression pointers: a small inline buffer, then
 * arena arrays doubling in size. No heap memory, so a syntax error unwinding
 * with longjmp leaks nothing. */
typedef struct expr_vec {
  lr_expr *small[16];
  lr_expr **v;
  size_t n, cap;
} expr_vec;

static void vec_push(parser *p, expr_vec *v, lr_expr *e) {
  if (!v->v) v->v = v->small, v->cap = 16;
  v->v = p_grow(p->a, v->v, v->n, &v->cap, sizeof *v->v);
  v->v[v->n++] = e;
}

/* The final array, in the arena (NULL when empty). */
static lr_expr **vec_done(parser *p, expr_vec *v) {
  if (!v->n) return NULL;
  if (v->v != v->small) return v->v;
  lr_expr **out = LR_NEW_N(p->a, lr_expr *, v->n);
  memcpy(out, v->v, v->n * sizeof *out);
  return out;
}

/* Parses `e, e, ...` up to the closing token (trailing comma allowed, as in
 * Cedar's Comma<E>), consuming the closer. */
static lr_expr **parse_list(parser *p, lr_tok_kind close, const char *what, size_t *n) {
  expr_vec v;
  v.v = NULL, v.n = v.cap = 0;
  while (p->tok.kind != close) {
    vec_push(p, &v, p_expr(p));
    if (p->tok.kind == LR_TOK_COMMA)
      p_next(p);
    else if (p->tok.kind != close)
      p_syntax_error(p, what);
  }
  p_next(p);
  *n = v.n;
  return vec_done(p, &v);
}

/* ---- names, methods, functions --------------------------------------------- */

static const struct {
  const char *name;
  int arity; /* -1: extension method, arity checked at evaluation */
} methods[LR_METHOD__COUNT] = {
    [LR_METHOD_CONTAINS] = {"contains", 1},
    [LR_METHOD_CONTAINS_ALL] = {"containsAll", 1},
    [LR_METHOD_CONTAINS_ANY] = {"containsAny", 1},
    [LR_METHOD_IS_EMPTY] = {"isEmpty", 0},
    [LR_METHOD_GET_TAG] = {"getTag", 1},
    [LR_METHOD_HAS_TAG] = {"hasTag", 1},
    [LR_METHOD_LESS_THAN] = {"lessThan", -1},
    [LR_METHOD_LESS_THAN_OR_EQUAL] = {"lessThanOrEqual", -1},
    [LR_METHOD_GREATER_THAN] = {"greaterThan", -1},
    [LR_METHOD_GREATER_THAN_OR_EQUAL] = {"greaterThanOrEqual", -1},
    [LR_METHOD_IS_IPV4] = {"isIpv4", -1},
    [LR_METHOD_IS_IPV6] = {"isIpv6", -1},
    [LR_METHOD_IS_LOOPBACK] = {"isLoopback", -1},
    [LR_METHOD_IS_MULTICAST] = {"isMulticast", -1},
    [LR_METHOD_IS_IN_RANGE] = {"isInRange", -1},
    [LR_METHOD_OFFSET] = {"offset", -1},
    [LR_METHOD_DURATION_SINCE] = {"durationSince", -1},
    [LR_METHOD_TO_DATE] = {"toDate", -1},
    [LR_METHOD_TO_TIME] = {"toTime", -1},
    [LR_METHOD_TO_MILLISECONDS] = {"toMilliseconds", -1},
    [LR_METHOD_TO_SECONDS] = {"toSeconds", -1},
    [LR_METHOD_TO_MINUTES] = {"toMinutes", -1},
    [LR_METHOD_TO_HOURS] = {"toHours", -1},
    [LR_METHOD_TO_DAYS] = {"toDays", -1},
};

static const char *const funcs[LR_FUNC__COUNT] = {
    [LR_FUNC_DECIMAL] = "decimal",
    [LR_FUNC_IP] = "ip",
    [LR_FUNC_DATETIME] = "datetime",
    [LR_FUNC_DURATION] = "duration",
};

const char *lr_method_name(lr_method m) {
  return (unsigned)m < LR_METHOD__COUNT ? methods[m].name : "?";
}
const char *lr_func_name(lr_func f) { return (unsigned)f < LR_FUNC__COUNT ? funcs[f] : "?"; }

static int find_method(lr_str name) {
  for (int i = 0; i < LR_METHOD__COUNT; i++)
    if (lr_str_eq_c(name, methods[i].name)) return i;
  return -1;
}

static int find_func(lr_str name) {
  for (int i = 0; i < LR_FUNC__COUNT; i++)
    if (lr_str_eq_c(name, funcs[i])) return i;
  return -1;
}

/* ---- primaries -------------------------------------------------------------- */

/* What a primary turned out to be: Cedar treats bare names and variables
 * specially until an accessor tells what they are used for. */
typedef enum { PRIM_EXPR, PRIM_VAR, PRIM_NAME } prim_kind;

typedef struct prim {
  prim_kind kind;
  lr_expr *e;  /* PRIM_EXPR, PRIM_VAR (a VAR node) */
  lr_str name; /* PRIM_NAME: "A::B" */
  size_t off;  /* start of the primary */
} prim;

static lr_var var_of(lr_tok_kind k) {
  return k == LR_TOK_KW_PRINCIPAL  ? LR_VAR_PRINCIPAL
         : k == LR_TOK_KW_ACTION   ? LR_VAR_ACTION
         : k == LR_TOK_KW_RESOURCE ? LR_VAR_RESOURCE
                                   : LR_VAR_CONTEXT;
}

static bool is_var_tok(lr_tok_kind k) { return k >= LR_TOK_KW_PRINCIPAL && k <= LR_TOK_KW_CONTEXT; }

/* Parses the digits of an INT token as u64; *overflow when above u64. */
static uint64_t int_value(parser *p, const lr_token *t, bool *overflow) {
  uint64_t v = 0;
  *overflow = false;
  for (size_t i = t->off; i < t->end; i++) {
    unsigned d = (unsigned)(p->src->text[i] - '0');
    if (v > (UINT64_MAX - d) / 10) *overflow = true;
    v = v * 10 + d;
  }
  return v;
}

/* minus_off: offset of the folded `-`, or SIZE_MAX for a positive literal. */
static void int_too_large(parser *p, const lr_token *t, size_t minus_off) {
  bool neg = minus_off != SIZE_MAX;
  p_error(p, "E0206", neg ? minus_off : t->off, t->end,
          "integer literal `%s%.*s` is out of range (%s is the limit)", neg ? "-" : "",
          (int)(t->end - t->off), p->src->text + t->off,
          neg ? "-9223372036854775808" : "9223372036854775807");
}

static void free_map(void *m) { lr_map_free(m); }

/* Record literal after its `{`: keys are identifiers or strings, unique. */
static lr_expr *parse_record(parser *p, size_t off) {
  lr_str *keys = NULL;
  expr_vec vals;
  vals.v = NULL, vals.n = vals.cap = 0;
  size_t kcap = 0;
  lr_map *seen = NULL; /* for records beyond 8 keys */
  while (p->tok.kind != LR_TOK_RBRACE) {
    lr_token kt = p->tok;
    lr_str key;
    if (kt.kind == LR_TOK_STRING) {
      key = p_string(p, &kt);
      p_next(p);
    } else if (lr_tok_is_word(kt.kind)) {
      p_check_unreserved(p, &kt, "a record key");
      key = lr_str_dup(p->a, lr_tok_text(p->src, &kt));
      p_next(p);
      if (p->tok.kind == LR_TOK_COLONCOLON) {
        p_error(p, "E0220", kt.off, p->tok.end,
                "a record key cannot contain a namespace (`::`); quote it as a string");
        while (p->tok.kind == LR_TOK_COLONCOLON) {
          p_next(p);
          if (!lr_tok_is_word(p->tok.kind)) break;
          p_next(p);
        }
      }
    } else {
      p_syntax_error(p, "a record key (identifier or string)");
    }
    p_expect(p, LR_TOK_COLON, "`:`");
    lr_expr *v = p_expr(p);
    size_t n = vals.n;
    bool dup = false;
    if (!seen) {
      for (size_t i = 0; i < n; i++)
        if (lr_str_eq(keys[i], key)) dup = true;
      if (n == 8) {
        seen = LR_NEW(p->a, lr_map);
        lr_arena_on_free(p->a, free_map, seen);
        for (size_t i = 0; i < n; i++) lr_map_put(seen, keys[i], (void *)1);
      }
    } else {
      dup = lr_map_get(seen, key) != NULL;
    }
    if (seen && !dup) lr_map_put(seen, key, (void *)1);
    if (dup)
      p_error(p, "E0219", kt.off, kt.end, "duplicate key `%.*s` in record literal", (int)key.n,
              key.p);
    keys = p_grow(p->a, keys, n, &kcap, sizeof *keys);
    keys[n] = key;
    vec_push(p, &vals, v);
    if (p->tok.kind == LR_TOK_COMMA)
      p_next(p);
    else if (p->tok.kind != LR_TOK_RBRACE)
      p_syntax_error(p, "`,` or `}`");
  }
  p_next(p);
  lr_expr *e = p_new(p, LR_EXPR_RECORD, off);
  e->u.record.n = vals.n;
  e->u.record.keys = keys;
  e->u.record.values = vec_done(p, &vals);
  return p_fin(p, e);
}

/* Primary. *bare_int is set to the INT token when the primary is an integer
 * literal (its range is checked by the caller, which knows about `-`). */
static prim parse_primary(parser *p, lr_token *bare_int) {
  prim r = {PRIM_EXPR, NULL, {0}, p->tok.off};
  lr_token t = p->tok;
  size_t off = t.off;
  bool like_rhs = p->like_rhs; /* a `like` pattern is decoded by make_pattern */
  p->like_rhs = false;
  switch (t.kind) {
  case LR_TOK_INT:
    p_next(p);
    r.e = p_new(p, LR_EXPR_LONG, off);
    *bare_int = t;
    return r;
  case LR_TOK_STRING:
    p_next(p);
    r.e = p_new(p, LR_EXPR_STRING, off);
    r.e->u.s = like_rhs ? lr_str_make("", 0) : p_string(p, &t);
    return r;
  case LR_TOK_KW_TRUE:
  case LR_TOK_KW_FALSE:
    p_next(p);
    r.e = p_new(p, LR_EXPR_BOOL, off);
    r.e->u.b = t.kind == LR_TOK_KW_TRUE;
    return r;
  case LR_TOK_SLOT:
    p_next(p);
    r.e = p_new(p, LR_EXPR_SLOT, off);
    if (lr_tok_is(p->src, &t, "?principal"))
      r.e->u.slot = LR_SLOT_PRINCIPAL;
    else if (lr_tok_is(p->src, &t, "?resource"))
      r.e->u.slot = LR_SLOT_RESOURCE;
    else {
      p_error(p, "E0223", t.off, t.end,
              "`%.*s` is not a valid template slot (only ?principal and ?resource are)",
              (int)(t.end - t.off), p->src->text + t.off);
      return r;
    }
    if (!p->allow_slots)
      p_error(p, "E0224", t.off, t.end,
              "template slot `%.*s` is only allowed in the policy scope, not in a condition",
              (int)(t.end - t.off), p->src->text + t.off);
    return r;
  case LR_TOK_LPAREN: {
    p_next(p);
    lr_expr *e = p_expr(p);
    p_expect(p, LR_TOK_RPAREN, "`)`");
    r.e = e;
    return r;
  }
  case LR_TOK_LBRACKET: {
    p_next(p);
    size_t n;
    lr_expr **items = parse_list(p, LR_TOK_RBRACKET, "`,` or `]`", &n);
    r.e = p_new(p, LR_EXPR_SET, off);
    r.e->u.set.items = items;
    r.e->u.set.n = n;
    p_fin(p, r.e);
    return r;
  }
  case LR_TOK_LBRACE:
    p_next(p);
    r.e = parse_record(p, off);
    return r;
  default: break;
  }
  if (!lr_tok_is_word(t.kind) || t.kind == LR_TOK_KW_IF || t.kind == LR_TOK_KW_THEN ||
      t.kind == LR_TOK_KW_ELSE)
    p_syntax_error(p, "an expression");
  p_next(p);
  if (is_var_tok(t.kind) && p->tok.kind != LR_TOK_COLONCOLON) {
    r.kind = PRIM_VAR;
    r.e = p_new(p, LR_EXPR_VAR, off);
    r.e->u.var = var_of(t.kind);
    return r;
  }
  bool uid = false;
  lr_str path = p_path(p, &t, &uid);
  if (!uid) {
    r.kind = PRIM_NAME;
    r.name = path;
    return r;
  }
  if (p->tok.kind == LR_TOK_LBRACE) {
    p_error(p, "E0221", off, p->tok.end,
            "invalid entity literal: write `Type::\"id\"`, not `Type::{...}`");
    p_next(p);
    while (p->tok.kind != LR_TOK_RBRACE && p->tok.kind != LR_TOK_EOF && p->tok.kind != LR_TOK_SEMI)
      p_next(p);
    p_expect(p, LR_TOK_RBRACE, "`}`");
    r.e = p_new(p, LR_EXPR_ENTITY, off);
    r.e->u.euid.type = path;
    r.e->u.euid.id = lr_str_dup(p->a, LR_STR(""));
    r.e->u.euid.off = off;
    r.e->u.euid.end = p->prev_end;
    return r;
  }
  lr_token s = p->tok;
  p_next(p);
  r.e = p_new(p, LR_EXPR_ENTITY, off);
  r.e->u.euid.type = path;
  r.e->u.euid.id = p_string(p, &s);
  r.e->u.euid.off = off;
  r.e->u.euid.end = s.end;
  return r;
}

/* ---- member access ---------------------------------------------------------- */

/* Index accessor after `[`: the contents must be a string literal. */
static lr_str parse_index(parser *p) {
  lr_token t = p->tok;
  lr_expr *e = p_expr(p);
  p_expect(p, LR_TOK_RBRACKET, "`]`");
  if (t.kind == LR_TOK_STRING && e->kind == LR_EXPR_STRING && e->off == t.off && e->end == t.end)
    return e->u.s;
  p_error(p, "E0215", e->off, e->end,
          "the contents of an index expression must be a string literal");
  return lr_str_dup(p->a, LR_STR(""));
}

static lr_expr *make_method(parser *p, lr_expr *target, const lr_token *name, size_t off) {
  lr_str nm = lr_tok_text(p->src, name);
  p_next(p); /* the `(` */
  size_t n;
  lr_expr **args = parse_list(p, LR_TOK_RPAREN, "`,` or `)`", &n);
  int m = find_method(nm);
  if (m < 0) {
    if (find_func(nm) >= 0)
      p_error(p, "E0212", name->off, name->end,
              "`%.*s` is a function, not a method: call it as `%.*s(...)`", (int)nm.n, nm.p,
              (int)nm.n, nm.p);
    else
      p_error(p, "E0209", name->off, name->end, "`%.*s` is not a valid method", (int)nm.n, nm.p);
    m = LR_METHOD_CONTAINS;
  } else if (methods[m].arity >= 0 && (size_t)methods[m].arity != n) {
    p_error(p, "E0211", off, p->prev_end,
            "call to `%s` requires exactly %d argument%s, but got %zu argument%s", methods[m].name,
            methods[m].arity, methods[m].arity == 1 ? "" : "s", n, n == 1 ? "" : "s");
  }
  lr_expr *e = p_new(p, LR_EXPR_METHOD, off);
  e->u.method.target = target;
  e->u.method.method = (lr_method)m;
  e->u.method.args = args;
  e->u.method.nargs = n;
  return p_fin(p, e);
}

static lr_expr *make_attr(parser *p, lr_expr *target, lr_str name, bool index, size_t off) {
  lr_expr *e = p_new(p, LR_EXPR_ATTR, off);
  e->u.attr.target = target;
  e->u.attr.name = name;
  e->u.attr.index_form = index;
  return p_fin(p, e);
}

/* Function call `name(args)` on a bare name. */
static lr_expr *make_call(parser *p, const prim *pr) {
  size_t name_end = p->prev_end;
  p_next(p); /* `(` */
  size_t n;
  lr_expr **args = parse_list(p, LR_TOK_RPAREN, "`,` or `)`", &n);
  int f = find_func(pr->name);
  if (f < 0) {
    if (find_method(pr->name) >= 0)
      p_error(p, "E0212", pr->off, name_end,
              "`%.*s` is a method, not a function: call it as `e.%.*s(...)`", (int)pr->name.n,
              pr->name.p, (int)pr->name.n, pr->name.p);
    else
      p_error(p, "E0210", pr->off, name_end, "`%.*s` is not a valid function", (int)pr->name.n,
              pr->name.p);
    f = LR_FUNC_DECIMAL;
  }
  lr_expr *e = p_new(p, LR_EXPR_CALL, pr->off);
  e->u.call.func = (lr_func)f;
  e->u.call.args = args;
  e->u.call.nargs = n;
  return p_fin(p, e);
}

/* Member := Primary {MemAccess}. neg_ok: a `-` precedes, so a bare integer
 * literal may be folded into a negative literal (sets *folded). */
static lr_expr *parse_member(parser *p, bool neg_ok, size_t minus_off, bool *folded) {
  lr_token bare_int = {0};
  bare_int.kind = LR_TOK_EOF;
  prim pr = parse_primary(p, &bare_int);
  size_t off = pr.off;
  lr_expr *e = pr.e;
  lr_tok_kind k = p->tok.kind;
  bool access = k == LR_TOK_DOT || k == LR_TOK_LBRACKET || k == LR_TOK_LPAREN;

  if (bare_int.kind == LR_TOK_INT) {
    bool over;
    uint64_t v = int_value(p, &bare_int, &over);
    if (neg_ok && !access) {
      *folded = true;
      if (over || v > (uint64_t)INT64_MAX + 1)
        int_too_large(p, &bare_int, minus_off);
      else
        e->u.n = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
      e->off = minus_off;
      return e;
    }
    if (over || v > (uint64_t)INT64_MAX)
      int_too_large(p, &bare_int, SIZE_MAX);
    else
      e->u.n = (int64_t)v;
  }

  if (pr.kind == PRIM_NAME) {
    if (k == LR_TOK_LPAREN) {
      e = make_call(p, &pr);
    } else if (k == LR_TOK_DOT) {
      p_next(p);
      lr_token f = p->tok;
      if (!lr_tok_is_word(f.kind)) p_syntax_error(p, "an attribute or method name");
      p_next(p);
      if (p->tok.kind == LR_TOK_LPAREN) {
        p_error(p, "E0214", off, f.end,
                "attempted to call `%.*s.%.*s(...)`, but `%.*s` does not have any methods",
                (int)pr.name.n, pr.name.p, (int)(f.end - f.off), p->src->text + f.off,
                (int)pr.name.n, pr.name.p);
        p_next(p);
        size_t n;
        parse_list(p, LR_TOK_RPAREN, "`,` or `)`", &n);
      } else
        p_error(p, "E0214", off, f.end,
                "invalid member access `%.*s.%.*s`: `%.*s` has no fields or methods",
                (int)pr.name.n, pr.name.p, (int)(f.end - f.off), p->src->text + f.off,
                (int)pr.name.n, pr.name.p);
      e = p_new(p, LR_EXPR_BOOL, off);
    } else if (k == LR_TOK_LBRACKET) {
      p_next(p);
      parse_index(p);
      p_error(p, "E0214", off, p->prev_end, "invalid indexing expression: `%.*s` has no fields",
              (int)pr.name.n, pr.name.p);
      e = p_new(p, LR_EXPR_BOOL, off);
    } else {
      p_error(p, "E0213", off, p->prev_end,
              "invalid variable `%.*s`: the variables are principal, action, resource and "
              "context (quote it to make a string)",
              (int)pr.name.n, pr.name.p);
      return p_new(p, LR_EXPR_BOOL, off);
    }
  } else if (k == LR_TOK_LPAREN) {
    if (pr.kind == PRIM_VAR)
      p_error(p, "E0214", off, p->tok.end,
              "`%s(...)` is not a valid function call: variables cannot be called",
              lr_var_name(pr.e->u.var));
    else
      p_error(p, "E0214", off, p->tok.end,
              "function calls must be of the form `name(arg1, arg2, ...)`");
    p_next(p);
    size_t n;
    parse_list(p, LR_TOK_RPAREN, "`,` or `)`", &n);
  }

  for (;;) {
    k = p->tok.kind;
    if (k == LR_TOK_DOT) {
      p_next(p);
      lr_token f = p->tok;
      if (!lr_tok_is_word(f.kind)) p_syntax_error(p, "an attribute or method name");
      p_next(p);
      if (p->tok.kind == LR_TOK_LPAREN) {
        e = make_method(p, e, &f, off);
      } else {
        p_check_unreserved(p, &f, "an attribute name");
        e = make_attr(p, e, lr_str_dup(p->a, lr_tok_text(p->src, &f)), false, off);
      }
    } else if (k == LR_TOK_LBRACKET) {
      p_next(p);
      lr_str s = parse_index(p);
      e = make_attr(p, e, s, true, off);
    } else if (k == LR_TOK_LPAREN) {
      p_error(p, "E0214", p->tok.off, p->tok.end,
              "function calls must be of the form `name(arg1, arg2, ...)`");
      p_next(p);
      size_t n;
      parse_list(p, LR_TOK_RPAREN, "`,` or `)`", &n);
    } else {
      return e;
    }
  }
}

/* ---- operators -------------------------------------------------------------- */

/* Unary := ['!' {'!'} | '-' {'-'}] Member, at most four operators. */
static lr_expr *parse_unary(parser *p) {
  lr_tok_kind k = p->tok.kind;
  if (k != LR_TOK_BANG && k != LR_TOK_MINUS) {
    bool folded = false;
    return parse_member(p, false, 0, &folded);
  }
  size_t off = p->tok.off, count = 0, ops[4] = {0}, last = off;
  while (p->tok.kind == k) {
    if (count < 4) ops[count] = p->tok.off;
    last = p->tok.off;
    count++;
    p_next(p);
  }
  if (count > 4)
    p_error(p, "E0205", off, p->tok.off,
            "too many occurrences of `%s`: at most 4 unary operators may be chained",
            k == LR_TOK_BANG ? "!" : "-");
  bool folded = false;
  lr_expr *e = parse_member(p, k == LR_TOK_MINUS, last, &folded);
  if (folded) count--;
  for (size_t i = 0; i < count; i++) {
    size_t j = count - 1 - i; /* innermost operator first */
    lr_expr *u = p_new(p, k == LR_TOK_BANG ? LR_EXPR_NOT : LR_EXPR_NEG, j < 4 ? ops[j] : off);
    u->u.unary.arg = e;
    e = p_fin(p, u);
  }
  return e;
}

static lr_expr *parse_mult(parser *p) {
  lr_expr *l = parse_unary(p);
  for (;;) {
    lr_tok_kind k = p->tok.kind;
    if (k != LR_TOK_STAR && k != LR_TOK_SLASH && k != LR_TOK_PERCENT) return l;
    lr_token op = p->tok;
    p_next(p);
    lr_expr *r = parse_unary(p);
    if (k == LR_TOK_SLASH)
      p_error(p, "E0203", op.off, op.end, "division is not supported in Cedar");
    else if (k == LR_TOK_PERCENT)
      p_error(p, "E0204", op.off, op.end, "remainder/modulo is not supported in Cedar");
    l = mk_bin(p, LR_OP_MUL, l, r);
  }
}

static lr_expr *parse_add(parser *p) {
  lr_expr *l = parse_mult(p);
  for (;;) {
    lr_tok_kind k = p->tok.kind;
    if (k != LR_TOK_PLUS && k != LR_TOK_MINUS) return l;
    p_next(p);
    lr_expr *r = parse_mult(p);
    l = mk_bin(p, k == LR_TOK_PLUS ? LR_OP_ADD : LR_OP_SUB, l, r);
  }
}

static int relop(lr_tok_kind k) {
  switch (k) {
  case LR_TOK_EQEQ: return LR_OP_EQ;
  case LR_TOK_NE: return LR_OP_NE;
  case LR_TOK_LT: return LR_OP_LT;
  case LR_TOK_LE: return LR_OP_LE;
  case LR_TOK_GT: return LR_OP_GT;
  case LR_TOK_GE: return LR_OP_GE;
  case LR_TOK_KW_IN: return LR_OP_IN;
  case LR_TOK_EQ: return LR_OP_EQ; /* reported */
  default: return -1;
  }
}

/* `e has a.b.c` or `e has "s"` (the right-hand side is not an expression). */
static lr_expr *parse_has(parser *p, lr_expr *target) {
  lr_token t = p->tok;
  lr_str attrs_stack[8];
  lr_str *attrs = attrs_stack;
  size_t n = 0, cap = 8;
  if (t.kind == LR_TOK_STRING) {
    p_next(p);
    attrs[n++] = p_string(p, &t);
  } else if (lr_tok_is_word(t.kind)) {
    for (;;) {
      lr_token f = p->tok;
      if (!lr_tok_is_word(f.kind)) p_syntax_error(p, "an attribute name");
      p_next(p);
      p_check_unreserved(p, &f, "an attribute name");
      attrs = p_grow(p->a, attrs, n, &cap, sizeof *attrs);
      attrs[n++] = lr_str_dup(p->a, lr_tok_text(p->src, &f));
      if (p->tok.kind == LR_TOK_COLONCOLON) {
        p_error(p, "E0218", t.off, p->tok.end,
                "invalid right-hand side of `has`: an attribute cannot contain a namespace");
        p_next(p);
        continue;
      }
      if (p->tok.kind != LR_TOK_DOT) break;
      p_next(p);
    }
    if (p->tok.kind == LR_TOK_LPAREN || p->tok.kind == LR_TOK_LBRACKET)
      p_error(p, "E0218", t.off, p->tok.end,
              "invalid right-hand side of `has`: write a sequence of identifiers separated by "
              "`.` or a string literal");
  } else {
    p_error(p, "E0218", t.off, t.end,
            "invalid right-hand side of `has`: write a sequence of identifiers separated by `.` "
            "or a string literal");
    parse_add(p);
  }
  lr_expr *e = p_new(p, LR_EXPR_HAS, target->off);
  e->u.has.target = target;
  e->u.has.nattrs = n;
  e->u.has.attrs = attrs == attrs_stack ? p_copy(p->a, attrs, n, sizeof *attrs) : attrs;
  return p_fin(p, e);
}

/* Splits a string literal token into a like pattern (`*` = wildcard, `\*` =
 * a literal star), reporting bad escapes. */
static lr_pattern make_pattern(parser *p, const lr_token *t) {
  const char *s = p->src->text + t->off + 1, *lim = p->src->text + t->end - 1;
  lr_buf *b = &p->scratch;
  size_t nel = 0, cap = 8;
  lr_pattern_elem *el = LR_NEW_N(p->a, lr_pattern_elem, cap);
  lr_buf_clear(b);
  while (s <= lim) {
    bool flush = s == lim || *s == '*';
    if (flush && b->len) {
      el = p_grow(p->a, el, nel, &cap, sizeof *el);
      el[nel].wildcard = false;
      el[nel++].lit = lr_str_dup(p->a, lr_buf_str(b));
      lr_buf_clear(b);
    }
    if (s == lim) break;
    if (*s == '*') {
      el = p_grow(p->a, el, nel, &cap, sizeof *el);
      el[nel].wildcard = true;
      el[nel++].lit = lr_str_make("", 0);
      s++;
      continue;
    }
    uint32_t cp;
    int is_byte, star;
    lr_esc_error err;
    size_t n = lr_lex_escape(s, lim, &cp, &is_byte, &star, &err);
    if (star)
      lr_buf_putc(b, '*');
    else if (err != LR_ESC_OK) {
      size_t o = (size_t)(s - p->src->text);
      p_error(p, "E0104", o, o + n, "invalid escape in pattern: %s", lr_esc_message(err));
    } else if (is_byte)
      lr_buf_putc(b, (char)cp);
    else
      lr_utf8_put(b, cp);
    s += n;
  }
  return (lr_pattern){el, nel};
}

/* Relation := Add [RelOp Add] | Add 'has' .. | Add 'like' STR | Add 'is' Name ['in' Add] */
static lr_expr *parse_relation(parser *p) {
  lr_expr *l = parse_add(p);
  lr_tok_kind k = p->tok.kind;
  int op = relop(k);
  if (op >= 0) {
    lr_token opt = p->tok;
    if (k == LR_TOK_EQ)
      p_error(p, "E0207", opt.off, opt.end, "`=` is not a valid operator in Cedar; use `==`");
    p_next(p);
    lr_expr *r = parse_add(p);
    l = mk_bin(p, (lr_binop)op, l, r);
    if (relop(p->tok.kind) >= 0) {
      while (relop(p->tok.kind) >= 0) {
        p_next(p);
        parse_add(p);
      }
      p_error(p, "E0202", l->off, p->prev_end,
              "multiple relational operators (>, ==, in, etc.) must be used with parentheses "
              "to make ordering explicit");
    }
    return l;
  }
  if (k == LR_TOK_KW_HAS) {
    p_next(p);
    return parse_has(p, l);
  }
  if (k == LR_TOK_KW_LIKE) {
    p_next(p);
    lr_token t = p->tok;
    p->like_rhs = true;
    lr_expr *pat = parse_add(p);
    lr_expr *e = p_new(p, LR_EXPR_LIKE, l->off);
    e->u.like.target = l;
    if (t.kind == LR_TOK_STRING && pat->kind == LR_EXPR_STRING && pat->off == t.off &&
        pat->end == t.end)
      e->u.like.pattern = make_pattern(p, &t);
    else
      p_error(p, "E0216", pat->off, pat->end,
              "the right-hand side of `like` must be a string literal pattern");
    return p_fin(p, e);
  }
  if (k == LR_TOK_KW_IS) {
    p_next(p);
    lr_token t = p->tok;
    if (!lr_tok_is_word(t.kind) || t.kind == LR_TOK_KW_IF || t.kind == LR_TOK_KW_TRUE ||
        t.kind == LR_TOK_KW_FALSE) {
      lr_expr *bad = parse_add(p);
      p_error(p, "E0217", bad->off, bad->end,
              "the right-hand side of `is` must be an entity type name");
    }
    lr_expr *e = p_new(p, LR_EXPR_IS, l->off);
    e->u.is.target = l;
    if (lr_tok_is_word(t.kind) && t.kind != LR_TOK_KW_IF && t.kind != LR_TOK_KW_TRUE &&
        t.kind != LR_TOK_KW_FALSE) {
      bool uid = false;
      p_next(p);
      e->u.is.type = p_path(p, &t, &uid);
      if (uid) {
        p_next(p);
        p_error(p, "E0217", t.off, p->prev_end,
                "the right-hand side of `is` must be an entity type name, not an entity uid");
      }
    }
    if (p->tok.kind == LR_TOK_KW_IN) {
      p_next(p);
      e->u.is.in = parse_add(p);
    }
    e->end = p->prev_end;
    return p_fin(p, e);
  }
  return l;
}

static lr_expr *parse_and(parser *p) {
  lr_expr *l = parse_relation(p);
  while (p->tok.kind == LR_TOK_ANDAND) {
    p_next(p);
    l = mk_bin(p, LR_OP_AND, l, parse_relation(p));
  }
  return l;
}

static lr_expr *parse_or(parser *p) {
  lr_expr *l = parse_and(p);
  while (p->tok.kind == LR_TOK_OROR) {
    p_next(p);
    l = mk_bin(p, LR_OP_OR, l, parse_and(p));
  }
  return l;
}

lr_expr *p_expr(parser *p) {
  p_enter(p, p->tok.off);
  lr_expr *e;
  if (p->tok.kind == LR_TOK_KW_IF) {
    size_t off = p->tok.off;
    p_next(p);
    lr_expr *c = p_expr(p);
    p_expect(p, LR_TOK_KW_THEN, "`then`");
    lr_expr *t = p_expr(p);
    p_expect(p, LR_TOK_KW_ELSE, "`else`");
    lr_expr *f = p_expr(p);
    e = p_new(p, LR_EXPR_IF, off);
    e->u.ite.cond = c;
    e->u.ite.then_expr = t;
    e->u.ite.else_expr = f;
    p_fin(p, e);
  } else {
    e = parse_or(p);
  }
  p_leave(p);
  return e;
}
