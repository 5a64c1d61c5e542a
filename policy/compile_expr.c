/*
 * compile_expr.c — conditions lowered to a compact node tree and the fast
 * evaluator over it.
 *
 * Lowering folds constants (a sub-expression with no variable and nothing
 * that reads the entity store is evaluated once by the interpreter, at
 * compile time; entity literals become preallocated uids), turns attribute
 * chains from a variable (context.args.path) into one path node, compares
 * with constants without evaluating them, and classifies `like` patterns
 * (exact, prefix, suffix, infix) once.
 *
 * Evaluation follows eval.c's order and short-circuits, and gives up
 * (CN_BAIL) on anything that would be an error there — a wrong type, a
 * missing attribute or entity, an overflow — instead of reproducing the
 * message: the caller then lets the interpreter decide the policy (see
 * compile_int.h for why that is exact).
 */
#include <stdlib.h>
#include <string.h>

#include "compile_int.h"

/* ---- lowering ---------------------------------------------------------------- */

static lr_cnode *node(lr_arena *a, cn_kind kind, const lr_expr *src) {
  lr_cnode *n = LR_NEW(a, lr_cnode);
  n->kind = (uint8_t)kind;
  n->src = src;
  return n;
}

static lr_cnode *const_node(lr_arena *a, const lr_expr *src, lr_value v) {
  lr_cnode *n = node(a, CN_CONST, src);
  n->k = v;
  return n;
}

static bool is_const(const lr_cnode *n) { return n && n->kind == CN_CONST; }

/* Evaluates the constant expression e with the interpreter (no request
 * variable is read: the caller checked). Returns NULL when it errors. */
static lr_cnode *fold(lr_arena *a, const lr_expr *e, cn_stats *st) {
  static const lr_uid none = {{"", 0}, {"", 0}};
  lr_request req = {&none, &none, &none, lr_value_empty_record()};
  lr_eval_env env = {NULL, &req, NULL, a};
  lr_eval_error err;
  lr_value v;
  if (lr_eval_expr(&env, e, &v, &err) != LR_OK) return NULL;
  st->folded++;
  return const_node(a, e, v);
}

static cn_like classify_like(const lr_pattern *p, lr_str *lit) {
  /* Collapse runs of wildcards: the classes below see at most one. */
  bool lead = false, trail = false;
  size_t nlit = 0, first = 0, last = 0;
  for (size_t i = 0; i < p->n; i++) {
    if (p->elems[i].wildcard) continue;
    if (nlit++ == 0) first = i;
    last = i;
  }
  if (nlit == 0) return p->n ? LIKE_ANYTHING : LIKE_EXACT; /* "" matches only "" */
  if (nlit > 1) return LIKE_GENERAL;
  lead = first > 0;
  trail = last + 1 < p->n;
  *lit = p->elems[first].lit;
  return lead && trail ? LIKE_INFIX : lead ? LIKE_SUFFIX : trail ? LIKE_PREFIX : LIKE_EXACT;
}

static lr_cnode *lower(lr_arena *a, const lr_expr *e, cn_stats *st);

static lr_cnode **lower_list(lr_arena *a, lr_expr *const *items, size_t n, cn_stats *st,
                             bool *all_const) {
  lr_cnode **v = LR_NEW_N(a, lr_cnode *, n ? n : 1);
  *all_const = true;
  for (size_t i = 0; i < n; i++) {
    v[i] = lower(a, items[i], st);
    *all_const = *all_const && is_const(v[i]);
  }
  return v;
}

/* The memo slot (+ 1) of the path var.names[0]...names[n-1] (tag: of
 * var.getTag(names[0])), evaluated by node def, or 0 when the set has too
 * many distinct paths. Keys: the variable (a tag's in its own range), then
 * each name with its length. */
static uint32_t path_slot(lr_arena *a, uint8_t var, bool tag, const lr_str *names, size_t n,
                          cn_stats *st, lr_cnode *def) {
  lr_buf k = {0};
  lr_buf_putc(&k, (char)((tag ? 'a' : '0') + var));
  for (size_t i = 0; i < n; i++) { /* length-prefixed: names may hold any byte */
    uint32_t len = (uint32_t)names[i].n;
    lr_buf_append(&k, &len, sizeof len);
    lr_buf_append(&k, names[i].p, names[i].n);
  }
  lr_str key = lr_str_make(k.p, k.len);
  void *v;
  uint32_t slot = 0;
  if (lr_map_find(&st->paths, key, &v)) {
    slot = (uint32_t)(uintptr_t)v;
    st->memo_uses++;
  } else if (st->npaths < CN_MAX_PATHS) {
    slot = ++st->npaths;
    lr_map_put(&st->paths, lr_str_dup(a, key), (void *)(uintptr_t)slot);
    st->defs = lr_xrealloc(st->defs, st->npaths * sizeof *st->defs);
    st->defs[slot - 1] = def;
  }
  lr_buf_free(&k);
  return slot;
}

/* `t.a.b.c`: merge attribute steps into one path node. */
static lr_cnode *lower_attr(lr_arena *a, const lr_expr *e, cn_stats *st) {
  size_t n = 0;
  const lr_expr *p = e;
  for (; p->kind == LR_EXPR_ATTR; p = p->u.attr.target) n++;
  lr_cnode *base = lower(a, p, st);
  if (is_const(base) && base->k.kind == LR_V_RECORD) {
    lr_cnode *f = fold(a, e, st); /* attributes of a record literal */
    if (f) return f;
  }
  lr_str *names = LR_NEW_N(a, lr_str, n);
  size_t k = n;
  for (p = e; p->kind == LR_EXPR_ATTR; p = p->u.attr.target) names[--k] = p->u.attr.name;
  lr_cnode *r = node(a, CN_PATH, e);
  r->a = base;
  r->names = names;
  r->nnames = n;
  if (base->kind == CN_VAR) r->memo = path_slot(a, base->op, false, names, n, st, r);
  return r;
}

static lr_cnode *lower_binary(lr_arena *a, const lr_expr *e, cn_stats *st) {
  lr_binop op = e->u.bin.op;
  lr_cnode *l = lower(a, e->u.bin.lhs, st), *r = lower(a, e->u.bin.rhs, st);
  if (op != LR_OP_IN && is_const(l) && is_const(r)) {
    lr_cnode *f = fold(a, e, st);
    if (f) return f;
  }
  cn_kind k;
  switch (op) {
  case LR_OP_AND: k = CN_AND; break;
  case LR_OP_OR: k = CN_OR; break;
  case LR_OP_EQ: k = CN_EQ; break;
  case LR_OP_NE: k = CN_NE; break;
  case LR_OP_IN: k = CN_IN; break;
  case LR_OP_ADD:
  case LR_OP_SUB:
  case LR_OP_MUL: k = CN_ARITH; break;
  default: k = CN_CMP; break;
  }
  lr_cnode *n = node(a, k, e);
  n->op = (uint8_t)op;
  n->a = l;
  n->b = r;
  if ((k == CN_EQ || k == CN_NE || k == CN_CMP || k == CN_ARITH) && is_const(r)) {
    n->k = r->k; /* a constant right side: used directly */
    n->b = NULL;
  }
  return n;
}

static lr_cnode *lower_method(lr_arena *a, const lr_expr *e, cn_stats *st) {
  lr_method m = e->u.method.method;
  lr_cnode *t = lower(a, e->u.method.target, st);
  bool all_const;
  lr_cnode **args = lower_list(a, e->u.method.args, e->u.method.nargs, st, &all_const);
  if (m != LR_METHOD_GET_TAG && m != LR_METHOD_HAS_TAG && is_const(t) && all_const) {
    lr_cnode *f = fold(a, e, st);
    if (f) return f;
  }
  lr_cnode *n = node(a, CN_METHOD, e);
  n->op = (uint8_t)m;
  n->a = t;
  n->args = args;
  n->nargs = (uint32_t)e->u.method.nargs;
  /* `principal.getTag("tenant")`: the same for every policy that reads it,
   * so read once per request, like an attribute path from a variable. */
  if (m == LR_METHOD_GET_TAG && t->kind == CN_VAR && n->nargs == 1 && is_const(args[0]) &&
      args[0]->k.kind == LR_V_STRING) {
    lr_str key = lr_str_make(args[0]->k.u.s, args[0]->k.n);
    n->memo = path_slot(a, t->op, true, &key, 1, st, n);
  }
  return n;
}

static lr_cnode *lower(lr_arena *a, const lr_expr *e, cn_stats *st) {
  lr_cnode *n, *f;
  bool all_const;
  switch (e->kind) {
  case LR_EXPR_BOOL:
  case LR_EXPR_LONG:
  case LR_EXPR_STRING:
  case LR_EXPR_ENTITY:
    f = fold(a, e, st);
    if (f) return f;
    break;
  case LR_EXPR_VAR:
    n = node(a, CN_VAR, e);
    n->op = (uint8_t)e->u.var;
    return n;
  case LR_EXPR_NOT:
  case LR_EXPR_NEG:
    n = node(a, e->kind == LR_EXPR_NOT ? CN_NOT : CN_NEG, e);
    n->a = lower(a, e->u.unary.arg, st);
    if (is_const(n->a) && (f = fold(a, e, st))) return f;
    return n;
  case LR_EXPR_BINARY: return lower_binary(a, e, st);
  case LR_EXPR_IF:
    n = node(a, CN_IF, e);
    n->a = lower(a, e->u.ite.cond, st);
    n->b = lower(a, e->u.ite.then_expr, st);
    n->c = lower(a, e->u.ite.else_expr, st);
    if (is_const(n->a) && n->a->k.kind == LR_V_BOOL) return n->a->k.u.b ? n->b : n->c;
    return n;
  case LR_EXPR_HAS:
    n = node(a, CN_HAS, e);
    n->a = lower(a, e->u.has.target, st);
    if (is_const(n->a) && n->a->k.kind == LR_V_RECORD && (f = fold(a, e, st))) return f;
    n->names = e->u.has.attrs;
    n->nnames = e->u.has.nattrs;
    return n;
  case LR_EXPR_LIKE:
    n = node(a, CN_LIKE, e);
    n->a = lower(a, e->u.like.target, st);
    if (is_const(n->a) && (f = fold(a, e, st))) return f;
    n->like = (uint8_t)classify_like(&e->u.like.pattern, &n->lit);
    return n;
  case LR_EXPR_IS:
    n = node(a, CN_IS, e);
    n->a = lower(a, e->u.is.target, st);
    n->b = e->u.is.in ? lower(a, e->u.is.in, st) : NULL;
    if (!n->b && is_const(n->a) && (f = fold(a, e, st))) return f;
    n->names = &e->u.is.type;
    n->nnames = 1;
    return n;
  case LR_EXPR_ATTR: return lower_attr(a, e, st);
  case LR_EXPR_METHOD: return lower_method(a, e, st);
  case LR_EXPR_CALL:
    n = node(a, CN_CALL, e);
    n->op = (uint8_t)e->u.call.func;
    n->args = lower_list(a, e->u.call.args, e->u.call.nargs, st, &all_const);
    n->nargs = (uint32_t)e->u.call.nargs;
    if (all_const && (f = fold(a, e, st))) return f;
    return n;
  case LR_EXPR_SET:
    n = node(a, CN_SET, e);
    n->args = lower_list(a, e->u.set.items, e->u.set.n, st, &all_const);
    n->nargs = (uint32_t)e->u.set.n;
    if (all_const && (f = fold(a, e, st))) return f;
    return n;
  case LR_EXPR_RECORD:
    n = node(a, CN_RECORD, e);
    n->args = lower_list(a, e->u.record.values, e->u.record.n, st, &all_const);
    n->nargs = (uint32_t)e->u.record.n;
    n->names = e->u.record.keys;
    n->nnames = e->u.record.n;
    if (all_const && (f = fold(a, e, st))) return f;
    return n;
  case LR_EXPR_SLOT: break;
  }
  st->interp++;
  return node(a, CN_INTERP, e);
}

lr_cnode *cn_compile(lr_arena *a, const lr_expr *e, cn_stats *st) { return lower(a, e, st); }

/* ---- flattening -------------------------------------------------------------- */

typedef struct atoms {
  cn_atom *v;
  size_t n, cap;
} atoms;

static void add_atom(atoms *t, cn_atom x) {
  if (t->n == t->cap) {
    t->cap = t->cap ? t->cap * 2 : 8;
    t->v = lr_xrealloc(t->v, t->cap * sizeof *t->v);
  }
  t->v[t->n++] = x;
}

static bool ordered(lr_value v) {
  return v.kind == LR_V_LONG || v.kind == LR_V_DATETIME || v.kind == LR_V_DURATION;
}

/* The outcomes for which x op y holds (op: LR_OP_LT/LE/GT/GE): bit 0 less,
 * bit 1 equal, bit 2 greater — indexed by cmp_outcome. */
static inline unsigned cmp_holds(unsigned op) {
  return op == LR_OP_LT ? 1 : op == LR_OP_LE ? 3 : op == LR_OP_GT ? 4 : 6;
}

/* 0 when x < y, 1 when equal, 2 when greater. */
static inline unsigned cmp_outcome(int64_t x, int64_t y) { return (unsigned)(x > y) + (x >= y); }

/* The test of leaf n wanting want: against a constant on a memoised
 * operand when the shape allows, else the node itself. */
static cn_atom leaf(const lr_cnode *n, bool want) {
  cn_atom t = {.kind = A_NODE, .want = want, .u.node = n};
  uint32_t m = n->a ? n->a->memo : 0;
  if (!m) return t;
  switch ((cn_kind)n->kind) {
  case CN_CMP: /* compare() bails unless both sides are of one ordered kind */
    if (n->b || !ordered(n->k)) break;
    t.kind = A_CMP;
    t.op = (uint8_t)cmp_holds(n->op);
    t.u.k = n->k;
    break;
  case CN_EQ:
  case CN_NE: /* `a != k` wanting w is `a == k` wanting !w (neither bails) */
    if (n->b) break;
    t.kind = n->k.kind == LR_V_STRING ? A_EQS : A_EQ;
    t.want = (n->kind == CN_EQ) == want;
    t.u.k = n->k;
    break;
  case CN_LIKE:
    if (n->like == LIKE_GENERAL) break;
    t.kind = A_LIKE;
    t.op = n->like;
    t.u.k = (lr_value){.kind = LR_V_STRING, .n = (uint32_t)n->lit.n, .u.s = n->lit.p};
    break;
  default: break;
  }
  if (t.kind != A_NODE) t.slot = m;
  return t;
}

static void flatten(const lr_cnode *n, bool want, atoms *t) {
  if ((n->kind == CN_AND && want) || (n->kind == CN_OR && !want)) {
    flatten(n->a, want, t); /* the left side first, the right only if it did not decide */
    flatten(n->b, want, t);
  } else if (n->kind == CN_NOT) {
    flatten(n->a, !want, t);
  } else if (n->kind == CN_CONST && n->k.kind == LR_V_BOOL) {
    if (n->k.u.b != want) add_atom(t, (cn_atom){.kind = A_FAIL, .want = want});
  } else {
    add_atom(t, leaf(n, want));
  }
}

size_t cn_flatten(lr_cnode *const *conds, const bool *when, size_t n, cn_atom **out) {
  atoms t = {0};
  for (size_t i = 0; i < n; i++) flatten(conds[i], when[i], &t);
  *out = t.v;
  return t.n;
}

/* ---- evaluation ---------------------------------------------------------------- */

/* A record's field (lr_value_record_get), linear over small records. */
static inline const lr_value *field(lr_value rec, lr_str name) {
  if (rec.n > 12) return lr_value_record_get(rec, name);
  for (uint32_t i = 0; i < rec.n; i++)
    if (lr_name_eq(rec.u.fields[i].key, name)) return &rec.u.fields[i].value;
  return NULL;
}

/* An operand's value without cn_eval's switch for constants, memoised paths and
 * constant-key tags (with the conditions, below). */
static inline int operand(cn_run *r, const lr_cnode *n, lr_value *out);

static int eval_bool(cn_run *r, const lr_cnode *n, bool *b) {
  lr_value v;
  if (operand(r, n, &v) != CN_OK || v.kind != LR_V_BOOL) return CN_BAIL;
  *b = v.u.b;
  return CN_OK;
}

/* One attribute step (eval.c get_attr): a record field or an entity
 * attribute; anything missing bails. */
static int step(cn_run *r, lr_value *v, lr_str name) {
  lr_value rec;
  if (v->kind == LR_V_RECORD) {
    rec = *v;
  } else if (v->kind == LR_V_ENTITY) {
    const lr_entity *ent = lr_eval_entity_h(r->x, v->u.uid, 0);
    if (!ent) return CN_BAIL;
    rec = ent->attrs;
  } else {
    return CN_BAIL;
  }
  const lr_value *f = field(rec, name);
  if (!f) return CN_BAIL;
  *v = *f;
  return CN_OK;
}

/* A variable's value (CN_VAR). */
static inline int var(cn_run *r, const lr_cnode *n, lr_value *out) {
  const lr_request *req = r->x->env->req;
  const lr_uid *u;
  switch ((lr_var)n->op) {
  case LR_VAR_PRINCIPAL: u = req->principal; break;
  case LR_VAR_ACTION: u = req->action; break;
  case LR_VAR_RESOURCE: u = req->resource; break;
  default: *out = req->context; return CN_OK;
  }
  if (!u) return CN_BAIL;
  *out = lr_value_entity(u);
  return CN_OK;
}

/* Keeps the value (or the bail, st) of memo slot m - 1 for the rest of the
 * request. */
static inline void memo_put(cn_run *r, uint32_t m, lr_value v, int st) {
  if (!r->state) { /* sets with many paths: slots in the request arena */
    r->memo = LR_NEW_N(r->x->env->arena, lr_value, r->npaths);
    r->state = LR_NEW_N(r->x->env->arena, uint8_t, r->npaths);
  }
  r->memo[m - 1] = v;
  r->state[m - 1] = st == CN_OK ? 1 : 2;
}

/* A path node (CN_PATH): memoised per request when it starts at a variable. */
static int path(cn_run *r, const lr_cnode *n, lr_value *out) {
  uint32_t m = n->memo;
  if (m && r->state && r->state[m - 1]) {
    *out = r->memo[m - 1];
    return r->state[m - 1] == 1 ? CN_OK : CN_BAIL;
  }
  lr_value v;
  int st = n->a->kind == CN_VAR ? var(r, n->a, &v) : cn_eval(r, n->a, &v);
  for (size_t i = 0; st == CN_OK && i < n->nnames; i++) st = step(r, &v, n->names[i]);
  if (m) memo_put(r, m, v, st);
  *out = v;
  return st;
}

/* eval.c eval_has: false as soon as an entity or attribute is missing. */
__attribute__((noinline)) static int has(cn_run *r, const lr_cnode *n, lr_value *out) {
  lr_value v;
  if (cn_eval(r, n->a, &v) != CN_OK) return CN_BAIL;
  for (size_t i = 0; i < n->nnames; i++) {
    lr_value rec;
    if (v.kind == LR_V_RECORD) {
      rec = v;
    } else if (v.kind == LR_V_ENTITY) {
      const lr_entity *ent = lr_eval_entity(r->x, v.u.uid);
      if (!ent) {
        *out = lr_value_bool(false);
        return CN_OK;
      }
      rec = ent->attrs;
    } else {
      return CN_BAIL;
    }
    const lr_value *f = field(rec, n->names[i]);
    if (!f) {
      *out = lr_value_bool(false);
      return CN_OK;
    }
    v = *f;
  }
  *out = lr_value_bool(true);
  return CN_OK;
}

/* `lhs in rhs` (eval.c eval_in). */
__attribute__((noinline)) static int in(cn_run *r, lr_value lhs, lr_value rhs, lr_value *out) {
  if (lhs.kind != LR_V_ENTITY) return CN_BAIL;
  const lr_uid *u = lhs.u.uid;
  const lr_entity *ent = NULL;
  bool looked = false;
  if (rhs.kind == LR_V_ENTITY) {
    if (lr_uid_eq_inline(u, rhs.u.uid)) {
      *out = lr_value_bool(true);
      return CN_OK;
    }
    ent = lr_eval_entity(r->x, u);
    *out = lr_value_bool(ent && cn_has_ancestor(ent, rhs.u.uid));
    return CN_OK;
  }
  if (rhs.kind != LR_V_SET) return CN_BAIL;
  for (uint32_t i = 0; i < rhs.n; i++)
    if (rhs.u.items[i].kind != LR_V_ENTITY) return CN_BAIL;
  bool found = false;
  for (uint32_t i = 0; i < rhs.n && !found; i++) {
    const lr_uid *anc = rhs.u.items[i].u.uid;
    if (lr_uid_eq_inline(u, anc)) {
      found = true;
      break;
    }
    if (!looked) ent = lr_eval_entity(r->x, u), looked = true;
    found = ent && cn_has_ancestor(ent, anc);
  }
  *out = lr_value_bool(found);
  return CN_OK;
}

/* `like` of one of the literal classes (LIKE_GENERAL: false). */
static inline bool like_lit(unsigned cls, lr_str l, lr_str s) {
  switch ((cn_like)cls) {
  case LIKE_EXACT: return s.n == l.n && (l.n == 0 || memcmp(s.p, l.p, l.n) == 0);
  case LIKE_PREFIX: return s.n >= l.n && memcmp(s.p, l.p, l.n) == 0;
  case LIKE_SUFFIX: return s.n >= l.n && memcmp(s.p + s.n - l.n, l.p, l.n) == 0;
  case LIKE_INFIX: return memmem(s.p, s.n, l.p, l.n) != NULL;
  case LIKE_ANYTHING: return true;
  case LIKE_GENERAL: break;
  }
  return false;
}

static bool like(const lr_cnode *n, lr_str s) {
  if (n->like != LIKE_GENERAL) return like_lit(n->like, n->lit, s);
  return lr_like_match(s, &n->src->u.like.pattern);
}

/* Two string values equal. */
static inline bool str_eq(lr_value x, lr_value y) {
  return lr_name_eq(lr_str_make(x.u.s, x.n), lr_str_make(y.u.s, y.n));
}

/* lr_value_eq with the scalar kinds inline. */
static inline bool value_eq(lr_value x, lr_value y) {
  if (x.kind != y.kind) return false;
  switch ((lr_vkind)x.kind) {
  case LR_V_BOOL: return x.u.b == y.u.b;
  case LR_V_LONG:
  case LR_V_DECIMAL:
  case LR_V_DATETIME:
  case LR_V_DURATION: return x.u.i == y.u.i;
  case LR_V_STRING: return str_eq(x, y);
  case LR_V_ENTITY: return lr_uid_eq_inline(x.u.uid, y.u.uid);
  default: return lr_value_eq(x, y);
  }
}

/* x op y (op: LR_OP_LT/LE/GT/GE) as eval.c compares: 1 or 0, CN_BAIL when
 * x is not of an ordered kind or the kinds differ. */
static inline int compare(unsigned op, lr_value x, lr_value y) {
  if (!ordered(x) || x.kind != y.kind) return CN_BAIL;
  return (int)(cmp_holds(op) >> cmp_outcome(x.u.i, y.u.i) & 1);
}

static int binary(cn_run *r, const lr_cnode *n, lr_value *out) {
  lr_value x, y;
  if (n->kind == CN_AND || n->kind == CN_OR) {
    bool b;
    if (eval_bool(r, n->a, &b) != CN_OK) return CN_BAIL;
    if (b == (n->kind == CN_OR)) {
      *out = lr_value_bool(b);
      return CN_OK;
    }
    if (eval_bool(r, n->b, &b) != CN_OK) return CN_BAIL;
    *out = lr_value_bool(b);
    return CN_OK;
  }
  if (operand(r, n->a, &x) != CN_OK) return CN_BAIL;
  if (!n->b)
    y = n->k;
  else if (operand(r, n->b, &y) != CN_OK)
    return CN_BAIL;
  int64_t v;
  switch ((cn_kind)n->kind) {
  case CN_EQ: *out = lr_value_bool(value_eq(x, y)); return CN_OK;
  case CN_NE: *out = lr_value_bool(!value_eq(x, y)); return CN_OK;
  case CN_IN: return in(r, x, y, out);
  case CN_CMP: {
    int b = compare(n->op, x, y);
    if (b == CN_BAIL) return CN_BAIL;
    *out = lr_value_bool(b);
    return CN_OK;
  }
  case CN_ARITH:
    if (x.kind != LR_V_LONG || y.kind != LR_V_LONG) return CN_BAIL;
    if (n->op == LR_OP_ADD   ? __builtin_add_overflow(x.u.i, y.u.i, &v)
        : n->op == LR_OP_SUB ? __builtin_sub_overflow(x.u.i, y.u.i, &v)
                             : __builtin_mul_overflow(x.u.i, y.u.i, &v))
      return CN_BAIL;
    *out = lr_value_long(v);
    return CN_OK;
  default: return CN_BAIL;
  }
}

/* Built-in set and tag methods; extension methods through eval_ext.c. */
__attribute__((noinline)) static int method(cn_run *r, const lr_cnode *n, lr_value *out) {
  size_t na = n->nargs + 1;
  lr_value small[4];
  lr_value *v = na <= 4 ? small : LR_NEW_N(r->x->env->arena, lr_value, na);
  if (operand(r, n->a, &v[0]) != CN_OK) return CN_BAIL;
  for (size_t i = 1; i < na; i++)
    if (operand(r, n->args[i - 1], &v[i]) != CN_OK) return CN_BAIL;
  lr_method m = (lr_method)n->op;
  if (m > LR_METHOD_HAS_TAG) {
    lr_eval_error err;
    lr_eval_error *saved = r->x->err;
    r->x->err = &err;
    lr_status st = lr_eval_ext_method(r->x, n->src, m, v, na, out);
    r->x->err = saved;
    return st == LR_OK ? CN_OK : CN_BAIL;
  }
  if (na != (m == LR_METHOD_IS_EMPTY ? 1u : 2u)) return CN_BAIL;
  lr_value t = v[0], arg = v[na - 1];
  switch (m) {
  case LR_METHOD_CONTAINS:
    if (t.kind != LR_V_SET) return CN_BAIL;
    *out = lr_value_bool(lr_value_set_contains(t, arg));
    return CN_OK;
  case LR_METHOD_CONTAINS_ALL:
  case LR_METHOD_CONTAINS_ANY: {
    if (t.kind != LR_V_SET || arg.kind != LR_V_SET) return CN_BAIL;
    bool all = m == LR_METHOD_CONTAINS_ALL, res = all;
    /* Probe the smaller set in the larger one when both are sets. */
    lr_value big = t, few = arg;
    if (!all && arg.n > t.n) big = arg, few = t;
    for (uint32_t i = 0; i < few.n && res == all; i++)
      res = lr_value_set_contains(big, few.u.items[i]);
    *out = lr_value_bool(res);
    return CN_OK;
  }
  case LR_METHOD_IS_EMPTY:
    if (t.kind != LR_V_SET) return CN_BAIL;
    *out = lr_value_bool(t.n == 0);
    return CN_OK;
  default: break;
  }
  if (t.kind != LR_V_ENTITY || arg.kind != LR_V_STRING) return CN_BAIL;
  const lr_entity *ent = lr_eval_entity_h(r->x, t.u.uid, 0);
  const lr_value *tag = ent ? field(ent->tags, lr_str_make(arg.u.s, arg.n)) : NULL;
  if (m == LR_METHOD_HAS_TAG) {
    *out = lr_value_bool(tag != NULL);
    return CN_OK;
  }
  if (!tag) return CN_BAIL;
  *out = *tag;
  return CN_OK;
}

/* Sets, records and extension constructors built per request. */
__attribute__((noinline)) static int build(cn_run *r, const lr_cnode *n, lr_value *out) {
  lr_arena *a = r->x->env->arena;
  lr_value *v = LR_NEW_N(a, lr_value, n->nargs ? n->nargs : 1);
  for (uint32_t i = 0; i < n->nargs; i++)
    if (cn_eval(r, n->args[i], &v[i]) != CN_OK) return CN_BAIL;
  if (n->kind == CN_SET) {
    *out = lr_value_set(a, v, n->nargs);
    return CN_OK;
  }
  if (n->kind == CN_CALL) {
    lr_eval_error err;
    lr_eval_error *saved = r->x->err;
    r->x->err = &err;
    lr_status st = lr_eval_ext_call(r->x, n->src, (lr_func)n->op, v, n->nargs, out);
    r->x->err = saved;
    return st == LR_OK ? CN_OK : CN_BAIL;
  }
  lr_field *f = LR_NEW_N(a, lr_field, n->nargs ? n->nargs : 1);
  for (uint32_t i = 0; i < n->nargs; i++) f[i] = (lr_field){n->names[i], v[i]};
  return lr_value_record(a, f, n->nargs, out, NULL) == LR_OK ? CN_OK : CN_BAIL;
}

int cn_eval(cn_run *r, const lr_cnode *n, lr_value *out) {
  lr_value v;
  bool b;
  switch ((cn_kind)n->kind) {
  case CN_CONST: *out = n->k; return CN_OK;
  case CN_VAR: return var(r, n, out);
  case CN_PATH: return path(r, n, out);
  case CN_HAS: return has(r, n, out);
  case CN_NOT:
    if (eval_bool(r, n->a, &b) != CN_OK) return CN_BAIL;
    *out = lr_value_bool(!b);
    return CN_OK;
  case CN_NEG:
    if (cn_eval(r, n->a, &v) != CN_OK || v.kind != LR_V_LONG || v.u.i == INT64_MIN) return CN_BAIL;
    *out = lr_value_long(-v.u.i);
    return CN_OK;
  case CN_IF:
    if (eval_bool(r, n->a, &b) != CN_OK) return CN_BAIL;
    return cn_eval(r, b ? n->b : n->c, out);
  case CN_AND:
  case CN_OR:
  case CN_EQ:
  case CN_NE:
  case CN_CMP:
  case CN_ARITH:
  case CN_IN: return binary(r, n, out);
  case CN_IS: {
    if (cn_eval(r, n->a, &v) != CN_OK || v.kind != LR_V_ENTITY) return CN_BAIL;
    bool same = lr_str_eq(v.u.uid->type, n->names[0]);
    if (!same || !n->b) {
      *out = lr_value_bool(same);
      return CN_OK;
    }
    lr_value rhs;
    if (cn_eval(r, n->b, &rhs) != CN_OK) return CN_BAIL;
    return in(r, v, rhs, out);
  }
  case CN_LIKE:
    if (cn_eval(r, n->a, &v) != CN_OK || v.kind != LR_V_STRING) return CN_BAIL;
    *out = lr_value_bool(like(n, lr_str_make(v.u.s, v.n)));
    return CN_OK;
  case CN_METHOD: return method(r, n, out);
  case CN_CALL:
  case CN_SET:
  case CN_RECORD: return build(r, n, out);
  case CN_INTERP: {
    lr_eval_error err;
    return lr_eval_expr(r->x->env, n->src, out, &err) == LR_OK ? CN_OK : CN_BAIL;
  }
  }
  return CN_BAIL;
}

/* ---- conditions ------------------------------------------------------------------ */

/* `t.getTag(k)` with a constant k (method() for that case, without the
 * argument array): the same value or CN_BAIL. */
static int get_tag(cn_run *r, const lr_cnode *n, lr_value *out) {
  lr_value t;
  int st = n->a->kind == CN_VAR ? var(r, n->a, &t) : operand(r, n->a, &t);
  if (st != CN_OK || t.kind != LR_V_ENTITY) return CN_BAIL;
  lr_value k = n->args[0]->k;
  if (k.kind != LR_V_STRING) return CN_BAIL;
  const lr_entity *ent = lr_eval_entity_h(r->x, t.u.uid, 0);
  const lr_value *tag = ent ? field(ent->tags, lr_str_make(k.u.s, k.n)) : NULL;
  if (n->memo) memo_put(r, n->memo, tag ? *tag : (lr_value){0}, tag ? CN_OK : CN_BAIL);
  if (!tag) return CN_BAIL;
  *out = *tag;
  return CN_OK;
}

/* The value of an operand: constants, paths and constant-key tags without
 * going through cn_eval's switch. */
static inline int operand(cn_run *r, const lr_cnode *n, lr_value *out) {
  uint32_t m = n->memo; /* a path already evaluated: no call */
  if (m && r->state && r->state[m - 1] == 1) {
    *out = r->memo[m - 1];
    return CN_OK;
  }
  /* tests, not a jump table: these few kinds are nearly all operands */
  unsigned k = n->kind;
  if (k == CN_PATH) return path(r, n, out);
  if (k == CN_CONST) {
    *out = n->k;
    return CN_OK;
  }
  if (k == CN_METHOD && n->op == LR_METHOD_GET_TAG && n->nargs == 1 && is_const(n->args[0]))
    return get_tag(r, n, out);
  return cn_eval(r, n, out);
}

int cn_test(cn_run *r, const lr_cnode *n) {
  lr_value x, y;
  int b;
  for (;;) {
    switch ((cn_kind)n->kind) {
    case CN_AND:
    case CN_OR:
      /* binary(): the left side decides or the right side is the value */
      if ((b = cn_test(r, n->a)) == CN_BAIL) return CN_BAIL;
      if (b == (n->kind == CN_OR)) return b;
      n = n->b;
      continue;
    case CN_NOT: return (b = cn_test(r, n->a)) == CN_BAIL ? CN_BAIL : !b;
    case CN_CONST: return n->k.kind == LR_V_BOOL ? n->k.u.b : CN_BAIL;
    case CN_EQ:
    case CN_NE:
      if (operand(r, n->a, &x) != CN_OK) return CN_BAIL;
      if (!n->b)
        y = n->k;
      else if (operand(r, n->b, &y) != CN_OK)
        return CN_BAIL;
      return value_eq(x, y) == (n->kind == CN_EQ);
    case CN_CMP:
      if (n->b) break;
      if (operand(r, n->a, &x) != CN_OK) return CN_BAIL;
      return compare(n->op, x, n->k);
    case CN_LIKE:
      if (operand(r, n->a, &x) != CN_OK || x.kind != LR_V_STRING) return CN_BAIL;
      return like(n, lr_str_make(x.u.s, x.n));
    default: break;
    }
    if (cn_eval(r, n, &x) != CN_OK || x.kind != LR_V_BOOL) return CN_BAIL;
    return x.u.b;
  }
}

/* The value of memo slot m - 1, evaluated by its defining node if this
 * request has not yet. */
static inline int slot_value(cn_run *r, uint32_t m, lr_value *x) {
  if (r->state) {
    uint8_t s = r->state[m - 1];
    if (s == 1) {
      *x = r->memo[m - 1];
      return CN_OK;
    }
    if (s == 2) return CN_BAIL;
  }
  return operand(r, r->defs[m - 1], x);
}

int cn_slot(cn_run *r, uint32_t m, lr_value *out) { return slot_value(r, m, out); }

int cn_entity_field(const lr_cnode *n, lr_str *name, bool *tag) {
  const lr_cnode *v = n->a;
  if (!v || v->kind != CN_VAR || (v->op != LR_VAR_PRINCIPAL && v->op != LR_VAR_RESOURCE))
    return -1;
  int k = v->op == LR_VAR_PRINCIPAL ? 0 : 2;
  if (n->kind == CN_PATH && n->nnames == 1) {
    *name = n->names[0], *tag = false;
    return k;
  }
  if (n->kind == CN_METHOD && n->op == LR_METHOD_GET_TAG && n->nargs == 1 &&
      is_const(n->args[0]) && n->args[0]->k.kind == LR_V_STRING) {
    *name = lr_str_make(n->args[0]->k.u.s, n->args[0]->k.n), *tag = true;
    return k;
  }
  return -1;
}

int cn_atoms(cn_run *r, const cn_atom *t, size_t n) {
  for (const cn_atom *end = t + n; t < end; t++) {
    int b;
    lr_value x;
    unsigned kind = t->kind;
    if (kind == A_NODE) {
      b = cn_test(r, t->u.node);
      if (b == CN_BAIL) return CN_BAIL;
    } else if (kind == A_FAIL) {
      return 0;
    } else {
      if (slot_value(r, t->slot, &x) != CN_OK) return CN_BAIL;
      const lr_value *k = &t->u.k;
      if (kind == A_CMP) { /* compare() with t->op = cmp_holds(op), k ordered */
        if (x.kind != k->kind) return CN_BAIL;
        b = (int)(t->op >> cmp_outcome(x.u.i, k->u.i) & 1);
      } else if (kind == A_EQS) { /* value_eq() with a string */
        b = x.kind == LR_V_STRING && str_eq(x, *k);
      } else if (kind == A_EQ) {
        b = value_eq(x, *k);
      } else { /* A_LIKE */
        if (x.kind != LR_V_STRING) return CN_BAIL;
        b = like_lit(t->op, lr_str_make(k->u.s, k->n), lr_str_make(x.u.s, x.n));
      }
    }
    if (b != t->want) return 0;
  }
  return 1;
}
