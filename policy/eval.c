/*
 * eval.c — the Cedar expression and policy evaluator over grammar's AST.
 *
 * Semantics of cedar-policy-core/src/evaluator.rs and the Cedar docs
 * (docs.cedarpolicy.com/policies/syntax-operators.html): evaluation is left
 * to right; `&&`, `||` and `if` short-circuit and require bool operands;
 * the first error aborts the evaluation; `+ - *` and unary `-` are checked
 * i64 arithmetic; `==` never fails (different kinds compare unequal); `<`
 * and friends take two longs or two datetimes / two durations; `in` takes
 * an entity and an entity or a set of entities, using the store's
 * transitive ancestors (an entity is `in` itself; an entity missing from the
 * store has no ancestors); `has` is false for a missing entity; reading an
 * attribute of a missing entity, or a missing attribute, is an error.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "policy_int.h"

lr_status lr_eval_fail(lr_evalctx *x, const lr_expr *e, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  x->err->msg = lr_arena_vsprintf(x->env->arena, fmt, ap);
  va_end(ap);
  x->err->off = e ? e->off : 0;
  x->err->end = e ? e->end : 0;
  return LR_ERR;
}

lr_status lr_eval_type_error(lr_evalctx *x, const lr_expr *e, const char *what, lr_value v) {
  return lr_eval_fail(x, e, "type error: expected %s, got %s", what,
                      lr_vkind_name((lr_vkind)v.kind));
}

static lr_status eval(lr_evalctx *x, const lr_expr *e, lr_value *out);

static lr_str vstr(lr_value v) { return lr_str_make(v.u.s, v.n); }

static const lr_uid *euid_value(lr_evalctx *x, const lr_euid *eu) {
  lr_uid *u = LR_NEW(x->env->arena, lr_uid);
  u->type = eu->type;
  u->id = eu->id;
  return u;
}

static lr_status eval_bool(lr_evalctx *x, const lr_expr *e, bool *out) {
  lr_value v;
  if (eval(x, e, &v) != LR_OK) return LR_ERR;
  if (v.kind != LR_V_BOOL) return lr_eval_type_error(x, e, "bool", v);
  *out = v.u.b;
  return LR_OK;
}

static lr_status eval_var(lr_evalctx *x, const lr_expr *e, lr_value *out) {
  const lr_request *r = x->env->req;
  const lr_uid *u = NULL;
  switch (e->u.var) {
  case LR_VAR_PRINCIPAL: u = r->principal; break;
  case LR_VAR_ACTION: u = r->action; break;
  case LR_VAR_RESOURCE: u = r->resource; break;
  case LR_VAR_CONTEXT: *out = r->context; return LR_OK;
  }
  if (!u) return lr_eval_fail(x, e, "the request has no value for this variable");
  *out = lr_value_entity(u);
  return LR_OK;
}

static const lr_uid *slot_uid(const lr_policy_inst *inst, lr_slot s) {
  if (!inst) return NULL;
  return s == LR_SLOT_PRINCIPAL ? inst->slot_principal : inst->slot_resource;
}

const lr_entity *lr_eval_entity(lr_evalctx *x, const lr_uid *u) {
  return lr_eval_entity_h(x, u, 0);
}

/* Cedar's `u in anc` for one entity whose store entry is ent (or NULL). */
static bool uid_in(const lr_uid *u, const lr_entity *ent, const lr_uid *anc) {
  return lr_uid_eq(u, anc) || (ent && lr_entity_has_ancestor(ent, anc));
}

/* `lhs in rhs` once both are evaluated. */
static lr_status eval_in(lr_evalctx *x, const lr_expr *e, lr_value lhs, lr_value rhs,
                         lr_value *out) {
  if (lhs.kind != LR_V_ENTITY) return lr_eval_type_error(x, e, "entity", lhs);
  const lr_entity *ent = lr_eval_entity(x, lhs.u.uid);
  if (rhs.kind == LR_V_ENTITY) {
    *out = lr_value_bool(uid_in(lhs.u.uid, ent, rhs.u.uid));
    return LR_OK;
  }
  if (rhs.kind != LR_V_SET) return lr_eval_type_error(x, e, "set or entity", rhs);
  /* Cedar converts every element to an entity before testing any. */
  for (uint32_t i = 0; i < rhs.n; i++)
    if (rhs.u.items[i].kind != LR_V_ENTITY)
      return lr_eval_type_error(x, e, "set of entities", rhs.u.items[i]);
  bool found = false;
  for (uint32_t i = 0; i < rhs.n && !found; i++) {
    found = uid_in(lhs.u.uid, ent, rhs.u.items[i].u.uid);
  }
  *out = lr_value_bool(found);
  return LR_OK;
}

/* Cedar's `<` / `<=` on longs, datetimes and durations (RFC 80). */
static lr_status compare(lr_evalctx *x, const lr_expr *e, lr_value a, lr_value b, int *cmp) {
  bool ordered_a = a.kind == LR_V_LONG || a.kind == LR_V_DATETIME || a.kind == LR_V_DURATION;
  if (ordered_a && a.kind == b.kind) {
    *cmp = (a.u.i > b.u.i) - (a.u.i < b.u.i);
    return LR_OK;
  }
  if (ordered_a) return lr_eval_type_error(x, e, lr_vkind_name((lr_vkind)a.kind), b);
  bool ordered_b = b.kind == LR_V_LONG || b.kind == LR_V_DATETIME || b.kind == LR_V_DURATION;
  if (ordered_b) return lr_eval_type_error(x, e, lr_vkind_name((lr_vkind)b.kind), a);
  return lr_eval_type_error(x, e, "long, datetime or duration", a);
}

static lr_status arith(lr_evalctx *x, const lr_expr *e, lr_binop op, lr_value a, lr_value b,
                       lr_value *out) {
  if (a.kind != LR_V_LONG) return lr_eval_type_error(x, e, "long", a);
  if (b.kind != LR_V_LONG) return lr_eval_type_error(x, e, "long", b);
  int64_t r;
  bool ovf;
  const char *sym;
  switch (op) {
  case LR_OP_ADD: ovf = __builtin_add_overflow(a.u.i, b.u.i, &r), sym = "+"; break;
  case LR_OP_SUB: ovf = __builtin_sub_overflow(a.u.i, b.u.i, &r), sym = "-"; break;
  default: ovf = __builtin_mul_overflow(a.u.i, b.u.i, &r), sym = "*"; break;
  }
  if (ovf)
    return lr_eval_fail(x, e, "integer overflow: %lld %s %lld", (long long)a.u.i, sym,
                        (long long)b.u.i);
  *out = lr_value_long(r);
  return LR_OK;
}

/* Applies a non-short-circuit binary operator to evaluated operands. */
static lr_status apply_binary(lr_evalctx *x, const lr_expr *e, lr_value a, lr_value b,
                              lr_value *out) {
  lr_binop op = e->u.bin.op;
  int c = 0;
  switch (op) {
  case LR_OP_EQ: *out = lr_value_bool(lr_value_eq(a, b)); return LR_OK;
  case LR_OP_NE: *out = lr_value_bool(!lr_value_eq(a, b)); return LR_OK;
  case LR_OP_LT:
  case LR_OP_LE:
  case LR_OP_GT:
  case LR_OP_GE:
    if (compare(x, e, a, b, &c) != LR_OK) return LR_ERR;
    *out = lr_value_bool(op == LR_OP_LT   ? c < 0
                         : op == LR_OP_LE ? c <= 0
                         : op == LR_OP_GT ? c > 0
                                          : c >= 0);
    return LR_OK;
  case LR_OP_IN: return eval_in(x, e, a, b, out);
  default: return arith(x, e, op, a, b, out);
  }
}

/* Binary operators. Chains parse left-associatively (a && b && c is
 * AND(AND(a, b), c)), so long chains are deep on the left: walk that spine
 * iteratively, evaluating the leftmost operand first and then each right
 * operand in turn — the same order as the recursive definition. */
static lr_status eval_binary(lr_evalctx *x, const lr_expr *e, lr_value *out) {
  size_t n = 0;
  for (const lr_expr *p = e; p->kind == LR_EXPR_BINARY; p = p->u.bin.lhs) n++;
  const lr_expr *small[16];
  const lr_expr **spine = n <= 16 ? small : LR_NEW_N(x->env->arena, const lr_expr *, n);
  size_t k = n;
  for (const lr_expr *p = e; p->kind == LR_EXPR_BINARY; p = p->u.bin.lhs) spine[--k] = p;
  lr_value acc;
  if (eval(x, spine[0]->u.bin.lhs, &acc) != LR_OK) return LR_ERR;
  for (size_t i = 0; i < n; i++) {
    const lr_expr *node = spine[i];
    lr_binop op = node->u.bin.op;
    if (op == LR_OP_AND || op == LR_OP_OR) {
      if (acc.kind != LR_V_BOOL) return lr_eval_type_error(x, node->u.bin.lhs, "bool", acc);
      if (acc.u.b == (op == LR_OP_OR)) continue; /* short circuit: acc is the result */
      bool r;
      if (eval_bool(x, node->u.bin.rhs, &r) != LR_OK) return LR_ERR;
      acc = lr_value_bool(r);
      continue;
    }
    lr_value b;
    if (eval(x, node->u.bin.rhs, &b) != LR_OK) return LR_ERR;
    if (apply_binary(x, node, acc, b, &acc) != LR_OK) return LR_ERR;
  }
  *out = acc;
  return LR_OK;
}

/* `target has a.b.c`: each step on a record or entity (missing entity: false). */
static lr_status eval_has(lr_evalctx *x, const lr_expr *e, lr_value *out) {
  lr_value v;
  if (eval(x, e->u.has.target, &v) != LR_OK) return LR_ERR;
  for (size_t i = 0; i < e->u.has.nattrs; i++) {
    lr_value rec;
    if (v.kind == LR_V_RECORD) {
      rec = v;
    } else if (v.kind == LR_V_ENTITY) {
      const lr_entity *ent = lr_eval_entity(x, v.u.uid);
      if (!ent) {
        *out = lr_value_bool(false);
        return LR_OK;
      }
      rec = lr_entity_attrs(ent);
    } else {
      return lr_eval_type_error(x, e, "record or entity", v);
    }
    const lr_value *f = lr_value_record_get(rec, e->u.has.attrs[i]);
    if (!f) {
      *out = lr_value_bool(false);
      return LR_OK;
    }
    v = *f;
  }
  *out = lr_value_bool(true);
  return LR_OK;
}

static lr_status get_attr(lr_evalctx *x, const lr_expr *e, lr_value v, lr_str name, lr_value *out) {
  const lr_value *f;
  if (v.kind == LR_V_RECORD) {
    f = lr_value_record_get(v, name);
    if (!f) return lr_eval_fail(x, e, "record does not have the attribute `%s`", name.p);
  } else if (v.kind == LR_V_ENTITY) {
    const lr_entity *ent = lr_eval_entity(x, v.u.uid);
    if (!ent) {
      lr_buf b = {0};
      lr_uid_print(v.u.uid, &b);
      lr_status st = lr_eval_fail(x, e, "entity `%s` does not exist", b.p);
      lr_buf_free(&b);
      return st;
    }
    f = lr_value_record_get(lr_entity_attrs(ent), name);
    if (!f) {
      lr_buf b = {0};
      lr_uid_print(v.u.uid, &b);
      lr_status st =
          lr_eval_fail(x, e, "entity `%s` does not have the attribute `%s`", b.p, name.p);
      lr_buf_free(&b);
      return st;
    }
  } else {
    return lr_eval_type_error(x, e, "record or entity", v);
  }
  *out = *f;
  return LR_OK;
}

/* Wildcard match of a pre-split pattern (literal runs and `*`), bytewise:
 * literal runs are whole UTF-8 characters, so this equals Cedar's
 * character-wise match. Greedy with backtracking to the last `*`. */
bool lr_like_match(lr_str s, const lr_pattern *pat) {
  size_t si = 0, pi = 0, star_pi = (size_t)-1, star_si = 0;
  while (si < s.n || pi < pat->n) {
    if (pi < pat->n) {
      const lr_pattern_elem *el = &pat->elems[pi];
      if (el->wildcard) {
        star_pi = pi++;
        star_si = si;
        continue;
      }
      if (el->lit.n <= s.n - si && memcmp(s.p + si, el->lit.p, el->lit.n) == 0) {
        si += el->lit.n;
        pi++;
        continue;
      }
    }
    if (star_pi == (size_t)-1 || star_si >= s.n) return false;
    pi = star_pi + 1;
    si = ++star_si;
  }
  return true;
}

static lr_status eval_is(lr_evalctx *x, const lr_expr *e, lr_value *out) {
  lr_value v;
  if (eval(x, e->u.is.target, &v) != LR_OK) return LR_ERR;
  if (v.kind != LR_V_ENTITY) return lr_eval_type_error(x, e, "entity", v);
  if (!lr_str_eq(v.u.uid->type, e->u.is.type) || !e->u.is.in) {
    *out = lr_value_bool(lr_str_eq(v.u.uid->type, e->u.is.type));
    return LR_OK;
  }
  /* `t is T in E` is `t is T && t in E`: E is evaluated only when the type matches. */
  lr_value rhs;
  if (eval(x, e->u.is.in, &rhs) != LR_OK) return LR_ERR;
  return eval_in(x, e, v, rhs, out);
}

static lr_status eval_method(lr_evalctx *x, const lr_expr *e, lr_value *out) {
  size_t n = e->u.method.nargs + 1;
  lr_value small[4];
  lr_value *args = n <= 4 ? small : LR_NEW_N(x->env->arena, lr_value, n);
  if (eval(x, e->u.method.target, &args[0]) != LR_OK) return LR_ERR;
  for (size_t i = 1; i < n; i++)
    if (eval(x, e->u.method.args[i - 1], &args[i]) != LR_OK) return LR_ERR;
  lr_method m = e->u.method.method;
  if (m > LR_METHOD_HAS_TAG) return lr_eval_ext_method(x, e, m, args, n, out);
  if (n != (m == LR_METHOD_IS_EMPTY ? 1u : 2u))
    return lr_eval_fail(x, e, "wrong number of arguments to `%s`", lr_method_name(m));
  lr_value t = args[0], a = args[n - 1];
  switch (m) {
  case LR_METHOD_CONTAINS:
    if (t.kind != LR_V_SET) return lr_eval_type_error(x, e, "set", t);
    *out = lr_value_bool(lr_value_set_contains(t, a));
    return LR_OK;
  case LR_METHOD_CONTAINS_ALL:
  case LR_METHOD_CONTAINS_ANY: {
    if (t.kind != LR_V_SET) return lr_eval_type_error(x, e, "set", t);
    if (a.kind != LR_V_SET) return lr_eval_type_error(x, e, "set", a);
    bool all = m == LR_METHOD_CONTAINS_ALL, r = all;
    for (uint32_t i = 0; i < a.n && r == all; i++) r = lr_value_set_contains(t, a.u.items[i]);
    *out = lr_value_bool(r);
    return LR_OK;
  }
  case LR_METHOD_IS_EMPTY:
    if (t.kind != LR_V_SET) return lr_eval_type_error(x, e, "set", t);
    *out = lr_value_bool(t.n == 0);
    return LR_OK;
  default: break; /* getTag / hasTag */
  }
  if (t.kind != LR_V_ENTITY) return lr_eval_type_error(x, e, "entity", t);
  if (a.kind != LR_V_STRING) return lr_eval_type_error(x, e, "string", a);
  const lr_entity *ent = lr_eval_entity(x, t.u.uid);
  const lr_value *tag = ent ? lr_value_record_get(lr_entity_tags(ent), vstr(a)) : NULL;
  if (m == LR_METHOD_HAS_TAG) {
    *out = lr_value_bool(tag != NULL);
    return LR_OK;
  }
  if (!tag) {
    lr_buf b = {0};
    lr_uid_print(t.u.uid, &b);
    lr_status st = ent ? lr_eval_fail(x, e, "entity `%s` does not have the tag `%s`", b.p, a.u.s)
                       : lr_eval_fail(x, e, "entity `%s` does not exist", b.p);
    lr_buf_free(&b);
    return st;
  }
  *out = *tag;
  return LR_OK;
}

static lr_status eval_call(lr_evalctx *x, const lr_expr *e, lr_value *out) {
  size_t n = e->u.call.nargs;
  lr_value small[4];
  lr_value *args = n <= 4 ? small : LR_NEW_N(x->env->arena, lr_value, n);
  for (size_t i = 0; i < n; i++)
    if (eval(x, e->u.call.args[i], &args[i]) != LR_OK) return LR_ERR;
  return lr_eval_ext_call(x, e, e->u.call.func, args, n, out);
}

static lr_status eval_set(lr_evalctx *x, const lr_expr *e, lr_value *out) {
  size_t n = e->u.set.n;
  lr_value *items = LR_NEW_N(x->env->arena, lr_value, n ? n : 1);
  for (size_t i = 0; i < n; i++)
    if (eval(x, e->u.set.items[i], &items[i]) != LR_OK) return LR_ERR;
  *out = lr_value_set(x->env->arena, items, n);
  return LR_OK;
}

static lr_status eval_record(lr_evalctx *x, const lr_expr *e, lr_value *out) {
  size_t n = e->u.record.n;
  lr_field *f = LR_NEW_N(x->env->arena, lr_field, n ? n : 1);
  for (size_t i = 0; i < n; i++) f[i].key = e->u.record.keys[i];
  /* Cedar keeps record literals in a BTreeMap: values evaluate in key order. */
  size_t *order = LR_NEW_N(x->env->arena, size_t, n ? n : 1);
  for (size_t i = 0; i < n; i++) {
    size_t j = i;
    while (j > 0 && lr_str_cmp(f[order[j - 1]].key, f[i].key) > 0) order[j] = order[j - 1], j--;
    order[j] = i;
  }
  for (size_t k = 0; k < n; k++)
    if (eval(x, e->u.record.values[order[k]], &f[order[k]].value) != LR_OK) return LR_ERR;
  lr_str dup;
  if (lr_value_record(x->env->arena, f, n, out, &dup) != LR_OK)
    return lr_eval_fail(x, e, "duplicate key `%s` in record", dup.p);
  return LR_OK;
}

/* Recursion bound: deeper expressions are an evaluation error, never a
 * stack overflow (Cedar's evaluator has a stack-size check too). */
#define EVAL_MAX_DEPTH 2000

static lr_status eval_node(lr_evalctx *x, const lr_expr *e, lr_value *out);

static lr_status eval(lr_evalctx *x, const lr_expr *e, lr_value *out) {
  if (x->depth >= EVAL_MAX_DEPTH) return lr_eval_fail(x, e, "expression nested too deeply");
  x->depth++;
  lr_status st = eval_node(x, e, out);
  x->depth--;
  return st;
}

static lr_status eval_node(lr_evalctx *x, const lr_expr *e, lr_value *out) {
  switch (e->kind) {
  case LR_EXPR_BOOL: *out = lr_value_bool(e->u.b); return LR_OK;
  case LR_EXPR_LONG: *out = lr_value_long(e->u.n); return LR_OK;
  case LR_EXPR_STRING: *out = lr_value_string_borrow(e->u.s); return LR_OK;
  case LR_EXPR_VAR: return eval_var(x, e, out);
  case LR_EXPR_SLOT: {
    const lr_uid *u = slot_uid(x->env->inst, e->u.slot);
    if (!u) return lr_eval_fail(x, e, "unlinked slot");
    *out = lr_value_entity(u);
    return LR_OK;
  }
  case LR_EXPR_ENTITY: *out = lr_value_entity(euid_value(x, &e->u.euid)); return LR_OK;
  case LR_EXPR_NOT: {
    bool b;
    if (eval_bool(x, e->u.unary.arg, &b) != LR_OK) return LR_ERR;
    *out = lr_value_bool(!b);
    return LR_OK;
  }
  case LR_EXPR_NEG: {
    lr_value v;
    if (eval(x, e->u.unary.arg, &v) != LR_OK) return LR_ERR;
    if (v.kind != LR_V_LONG) return lr_eval_type_error(x, e, "long", v);
    if (v.u.i == INT64_MIN)
      return lr_eval_fail(x, e, "integer overflow: -(%lld)", (long long)v.u.i);
    *out = lr_value_long(-v.u.i);
    return LR_OK;
  }
  case LR_EXPR_BINARY: return eval_binary(x, e, out);
  case LR_EXPR_IF: {
    bool c;
    if (eval_bool(x, e->u.ite.cond, &c) != LR_OK) return LR_ERR;
    return eval(x, c ? e->u.ite.then_expr : e->u.ite.else_expr, out);
  }
  case LR_EXPR_HAS: return eval_has(x, e, out);
  case LR_EXPR_LIKE: {
    lr_value v;
    if (eval(x, e->u.like.target, &v) != LR_OK) return LR_ERR;
    if (v.kind != LR_V_STRING) return lr_eval_type_error(x, e, "string", v);
    *out = lr_value_bool(lr_like_match(vstr(v), &e->u.like.pattern));
    return LR_OK;
  }
  case LR_EXPR_IS: return eval_is(x, e, out);
  case LR_EXPR_ATTR: {
    lr_value v;
    if (eval(x, e->u.attr.target, &v) != LR_OK) return LR_ERR;
    return get_attr(x, e, v, e->u.attr.name, out);
  }
  case LR_EXPR_METHOD: return eval_method(x, e, out);
  case LR_EXPR_CALL: return eval_call(x, e, out);
  case LR_EXPR_SET: return eval_set(x, e, out);
  case LR_EXPR_RECORD: return eval_record(x, e, out);
  }
  return lr_eval_fail(x, e, "unknown expression kind");
}

lr_status lr_eval_expr(const lr_eval_env *env, const lr_expr *e, lr_value *out,
                       lr_eval_error *err) {
  lr_evalctx x = {.env = env, .err = err};
  return eval(&x, e, out);
}

/* ---- policies -------------------------------------------------------------- */

static bool uid_eq_euid(const lr_uid *u, const lr_euid *eu) {
  return lr_str_eq(u->type, eu->type) && lr_str_eq(u->id, eu->id);
}

static bool in_euid(lr_evalctx *x, const lr_uid *u, const lr_euid *eu) {
  lr_uid target = {eu->type, eu->id};
  return uid_in(u, lr_eval_entity(x, u), &target);
}

/* Principal or resource scope; the slot value comes from the link. Returns
 * -1 for an unlinked slot. */
static int scope_holds(lr_evalctx *x, const lr_scope *s, const lr_uid *u) {
  if (s->op == LR_SCOPE_ANY) return 1;
  if ((s->op == LR_SCOPE_IS || s->op == LR_SCOPE_IS_IN) && !lr_str_eq(u->type, s->type)) return 0;
  if (s->op == LR_SCOPE_IS) return 1;
  lr_uid target;
  if (s->is_slot) {
    const lr_uid *v = slot_uid(x->env->inst, s->slot);
    if (!v) return -1;
    target = *v;
  } else {
    target = (lr_uid){s->entity.type, s->entity.id};
  }
  if (s->op == LR_SCOPE_EQ) return lr_uid_eq(u, &target);
  return uid_in(u, lr_eval_entity(x, u), &target);
}

static bool action_holds(lr_evalctx *x, const lr_action_scope *s, const lr_uid *a) {
  switch (s->op) {
  case LR_ACTION_ANY: return true;
  case LR_ACTION_EQ: return uid_eq_euid(a, &s->entities[0]);
  case LR_ACTION_IN: return in_euid(x, a, &s->entities[0]);
  case LR_ACTION_IN_SET:
    for (size_t i = 0; i < s->n; i++)
      if (in_euid(x, a, &s->entities[i])) return true;
    return false;
  }
  return false;
}

lr_policy_result lr_eval_policy_ctx(lr_evalctx *x) {
  const lr_policy *p = x->env->inst->ast;
  const lr_request *r = x->env->req;
  x->depth = 0;
  int ps = scope_holds(x, &p->principal, r->principal);
  int rs = ps == 1 ? scope_holds(x, &p->resource, r->resource) : 0;
  if (ps < 0 || rs < 0) {
    lr_eval_fail(x, NULL, "unlinked slot in the policy scope");
    x->err->off = p->off, x->err->end = p->end;
    return LR_POLICY_ERROR;
  }
  if (!ps || !action_holds(x, &p->action, r->action) || !rs) return LR_POLICY_NOT_SATISFIED;
  for (size_t i = 0; i < p->nconds; i++) {
    bool b;
    if (eval_bool(x, p->conds[i].expr, &b) != LR_OK) return LR_POLICY_ERROR;
    if (b != p->conds[i].is_when) return LR_POLICY_NOT_SATISFIED;
  }
  return LR_POLICY_SATISFIED;
}

lr_policy_result lr_eval_policy(const lr_eval_env *env, lr_eval_error *err) {
  lr_evalctx x = {.env = env, .err = err};
  return lr_eval_policy_ctx(&x);
}
