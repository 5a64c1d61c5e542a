/*
 * partial.c — partial evaluation: Cedar policies over a request some of
 * whose context paths are unknown (tools/list filtering: "could a call to
 * this tool be permitted, whatever its arguments?"). The rules are stated
 * in policy.h ("partial evaluation"); in short, an abstract evaluator over
 * the set of possible outcomes {true, false, other value, error} that
 * follows Cedar's evaluation order (cedar-policy-core/src/evaluator.rs:
 * left to right, first error wins, `&&`/`||`/`if` short-circuit and need
 * bools), and delegates every subexpression that reads no unknown path to
 * the concrete evaluator (lr_eval_expr), so known parts get exact answers.
 */
#include <string.h>

#include "policy.h"
#include "policy_int.h"

/* Possible outcomes of an expression. */
enum {
  P_T = 1u, /* true */
  P_F = 2u, /* false */
  P_O = 4u, /* a value that is not a bool */
  P_E = 8u, /* an evaluation error */
  P_ALL = P_T | P_F | P_O | P_E,
  P_BOOL = P_T | P_F,
};

/* How a condition subexpression relates to the unknown paths (the values
 * stored in plan->refs; absent = reads nothing unknown). */
#define REFS_SOME ((void *)1)    /* reads an unknown path somewhere inside */
#define REFS_UNKNOWN ((void *)2) /* context.<path> at or below an unknown path */

/* Abstract recursion bound (the parser bounds height at 500; expressions
 * from elsewhere deeper than this are "anything", which is sound). */
#define PARTIAL_MAX_DEPTH 1000

struct lr_partial_plan {
  const lr_policy_inst *pols;
  size_t npols;
  const lr_attr_path *unknown;
  size_t nunknown;
  lr_policy_inst *scopes; /* pols[i] with its conditions removed: the scope alone */
  bool *concrete;         /* pols[i] has no condition reading an unknown path */
  lr_map refs;            /* const lr_expr * (its bytes) → REFS_* */
  lr_arena *arena;
};

/* The map key of an expression: the bytes of its address, kept in *slot. */
static lr_str expr_key(const lr_expr *const *slot) {
  return lr_str_make((const char *)slot, sizeof *slot);
}

static void *refs_of(const lr_partial_plan *plan, const lr_expr *e) {
  return lr_map_get(&plan->refs, expr_key(&e));
}

/* Where context.<names> stands relative to the unknown paths: REFS_UNKNOWN
 * when an unknown path is a prefix of it, REFS_SOME when it is a proper
 * prefix of an unknown path (a record with unknown parts), else NULL. */
static void *classify_path(const lr_partial_plan *plan, const lr_str *names, size_t n) {
  void *r = NULL;
  for (size_t u = 0; u < plan->nunknown; u++) {
    const lr_attr_path *up = &plan->unknown[u];
    size_t m = up->n < n ? up->n : n, k = 0;
    while (k < m && lr_str_eq(up->keys[k], names[k])) k++;
    if (k < m) continue; /* they part ways: disjoint */
    if (up->n <= n) return REFS_UNKNOWN;
    r = REFS_SOME;
  }
  return r;
}

/* For an attribute chain `context.a.b...` (ending at e), its class; *chain
 * is set when e is such a chain. */
static void *classify_chain(const lr_partial_plan *plan, const lr_expr *e, bool *chain) {
  lr_str small[16];
  size_t n = 0;
  const lr_expr *p = e;
  for (; p->kind == LR_EXPR_ATTR; p = p->u.attr.target) n++;
  *chain = p->kind == LR_EXPR_VAR && p->u.var == LR_VAR_CONTEXT;
  if (!*chain) return NULL;
  lr_str *names = n <= 16 ? small : LR_NEW_N(plan->arena, lr_str, n);
  size_t k = n;
  for (p = e; p->kind == LR_EXPR_ATTR; p = p->u.attr.target) names[--k] = p->u.attr.name;
  return classify_path(plan, names, n);
}

static void mark(lr_partial_plan *plan, const lr_expr *e, void *how) {
  const lr_expr **slot = LR_NEW(plan->arena, const lr_expr *);
  *slot = e;
  lr_map_put(&plan->refs, expr_key(slot), how);
}

/* Marks, bottom-up, every subexpression of e that reads an unknown path;
 * returns whether e does. */
static bool scan(lr_partial_plan *plan, const lr_expr *e, unsigned depth) {
  if (depth > PARTIAL_MAX_DEPTH) {
    mark(plan, e, REFS_SOME);
    return true;
  }
  bool chain, r = false;
  void *how = REFS_SOME;
  switch (e->kind) {
  case LR_EXPR_BOOL:
  case LR_EXPR_LONG:
  case LR_EXPR_STRING:
  case LR_EXPR_SLOT:
  case LR_EXPR_ENTITY: return false;
  case LR_EXPR_VAR: r = e->u.var == LR_VAR_CONTEXT && plan->nunknown > 0; break;
  case LR_EXPR_NOT:
  case LR_EXPR_NEG: r = scan(plan, e->u.unary.arg, depth + 1); break;
  case LR_EXPR_BINARY:
    r = scan(plan, e->u.bin.lhs, depth + 1);
    r = scan(plan, e->u.bin.rhs, depth + 1) || r;
    break;
  case LR_EXPR_IF:
    r = scan(plan, e->u.ite.cond, depth + 1);
    r = scan(plan, e->u.ite.then_expr, depth + 1) || r;
    r = scan(plan, e->u.ite.else_expr, depth + 1) || r;
    break;
  case LR_EXPR_HAS: r = scan(plan, e->u.has.target, depth + 1); break;
  case LR_EXPR_LIKE: r = scan(plan, e->u.like.target, depth + 1); break;
  case LR_EXPR_IS:
    r = scan(plan, e->u.is.target, depth + 1);
    if (e->u.is.in) r = scan(plan, e->u.is.in, depth + 1) || r;
    break;
  case LR_EXPR_ATTR:
    how = classify_chain(plan, e, &chain);
    if (chain) {
      r = how != NULL;
      break;
    }
    how = REFS_SOME;
    r = scan(plan, e->u.attr.target, depth + 1);
    break;
  case LR_EXPR_METHOD:
    r = scan(plan, e->u.method.target, depth + 1);
    for (size_t i = 0; i < e->u.method.nargs; i++)
      r = scan(plan, e->u.method.args[i], depth + 1) || r;
    break;
  case LR_EXPR_CALL:
    for (size_t i = 0; i < e->u.call.nargs; i++) r = scan(plan, e->u.call.args[i], depth + 1) || r;
    break;
  case LR_EXPR_SET:
    for (size_t i = 0; i < e->u.set.n; i++) r = scan(plan, e->u.set.items[i], depth + 1) || r;
    break;
  case LR_EXPR_RECORD:
    for (size_t i = 0; i < e->u.record.n; i++)
      r = scan(plan, e->u.record.values[i], depth + 1) || r;
    break;
  }
  if (r) mark(plan, e, how);
  return r;
}

static void free_refs(void *m) { lr_map_free(m); }

lr_partial_plan *lr_partial_prepare(lr_arena *a, const lr_policy_inst *pols, size_t npols,
                                    const lr_attr_path *unknown, size_t nunknown) {
  lr_partial_plan *plan = LR_NEW(a, lr_partial_plan);
  *plan = (lr_partial_plan){
      .pols = pols, .npols = npols, .unknown = unknown, .nunknown = nunknown, .arena = a};
  lr_arena_on_free(a, free_refs, &plan->refs);
  plan->scopes = LR_NEW_N(a, lr_policy_inst, npols ? npols : 1);
  plan->concrete = LR_NEW_N(a, bool, npols ? npols : 1);
  for (size_t i = 0; i < npols; i++) {
    lr_policy *scope_only = LR_NEW(a, lr_policy);
    *scope_only = *pols[i].ast;
    scope_only->conds = NULL;
    scope_only->nconds = 0;
    plan->scopes[i] = pols[i];
    plan->scopes[i].ast = scope_only;
    bool reads = false;
    for (size_t c = 0; c < pols[i].ast->nconds; c++)
      reads = scan(plan, pols[i].ast->conds[c].expr, 0) || reads;
    plan->concrete[i] = !reads;
  }
  return plan;
}

/* ---- the abstract evaluator ---------------------------------------------- */

typedef struct actx {
  const lr_partial_plan *plan;
  lr_eval_env env;
} actx;

static unsigned of_value(lr_value v) { return v.kind != LR_V_BOOL ? P_O : v.u.b ? P_T : P_F; }

static unsigned concrete(actx *x, const lr_expr *e) {
  lr_value v;
  lr_eval_error err;
  if (lr_eval_expr(&x->env, e, &v, &err) != LR_OK) return P_E;
  return of_value(v);
}

/* Outcomes when a bool is needed (`&&`, `||`, `!`, `if`): a non-bool is a
 * type error. */
static unsigned need_bool(unsigned m) { return (m & P_BOOL) | (m & (P_O | P_E) ? P_E : 0); }

static unsigned abs_eval(actx *x, const lr_expr *e, unsigned depth);

/* Operands that are always all evaluated, left to right, before the
 * operator applies: a definite error in any of them is a definite error;
 * else the operator's result type, plus an error when some operand (or the
 * operator itself) may fail. */
static unsigned strict_op(actx *x, const lr_expr *const *ops, size_t n, unsigned result,
                          unsigned depth) {
  unsigned err = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned m = abs_eval(x, ops[i], depth + 1);
    if (m == P_E) return P_E;
    err |= m & P_E;
  }
  return result | err;
}

static bool method_is_predicate(lr_method m) {
  switch (m) {
  case LR_METHOD_CONTAINS:
  case LR_METHOD_CONTAINS_ALL:
  case LR_METHOD_CONTAINS_ANY:
  case LR_METHOD_IS_EMPTY:
  case LR_METHOD_HAS_TAG:
  case LR_METHOD_LESS_THAN:
  case LR_METHOD_LESS_THAN_OR_EQUAL:
  case LR_METHOD_GREATER_THAN:
  case LR_METHOD_GREATER_THAN_OR_EQUAL:
  case LR_METHOD_IS_IPV4:
  case LR_METHOD_IS_IPV6:
  case LR_METHOD_IS_LOOPBACK:
  case LR_METHOD_IS_MULTICAST:
  case LR_METHOD_IS_IN_RANGE: return true;
  default: return false;
  }
}

static unsigned abs_binary(actx *x, const lr_expr *e, unsigned depth) {
  lr_binop op = e->u.bin.op;
  unsigned a = abs_eval(x, e->u.bin.lhs, depth + 1);
  if (op == LR_OP_AND || op == LR_OP_OR) {
    unsigned go_on = op == LR_OP_AND ? P_T : P_F; /* the left value that evaluates the right */
    unsigned r = need_bool(a) & ~go_on;           /* short circuit, or a type error */
    if (a & go_on) r |= need_bool(abs_eval(x, e->u.bin.rhs, depth + 1));
    return r;
  }
  if (a == P_E) return P_E;
  const lr_expr *ops[1] = {e->u.bin.rhs};
  unsigned result;
  switch (op) {
  case LR_OP_EQ:
  case LR_OP_NE: result = P_BOOL; break; /* `==` compares any two values */
  case LR_OP_ADD:
  case LR_OP_SUB:
  case LR_OP_MUL: result = P_O | P_E; break; /* type errors, overflow */
  default: result = P_BOOL | P_E; break;     /* type errors */
  }
  return strict_op(x, ops, 1, result, depth) | (a & P_E);
}

static unsigned abs_node(actx *x, const lr_expr *e, unsigned depth) {
  switch (e->kind) {
  case LR_EXPR_VAR: return P_O; /* context, a record with unknown parts */
  case LR_EXPR_NOT: {
    unsigned a = need_bool(abs_eval(x, e->u.unary.arg, depth + 1));
    return (a & P_T ? P_F : 0) | (a & P_F ? P_T : 0) | (a & P_E);
  }
  case LR_EXPR_NEG: {
    const lr_expr *ops[1] = {e->u.unary.arg};
    return strict_op(x, ops, 1, P_O | P_E, depth);
  }
  case LR_EXPR_BINARY: return abs_binary(x, e, depth);
  case LR_EXPR_IF: {
    unsigned c = abs_eval(x, e->u.ite.cond, depth + 1);
    unsigned r = c & (P_O | P_E) ? P_E : 0;
    if (c & P_T) r |= abs_eval(x, e->u.ite.then_expr, depth + 1);
    if (c & P_F) r |= abs_eval(x, e->u.ite.else_expr, depth + 1);
    return r;
  }
  case LR_EXPR_HAS:
  case LR_EXPR_LIKE: {
    /* the target only; then a type error or a bool */
    const lr_expr *ops[1] = {e->kind == LR_EXPR_HAS ? e->u.has.target : e->u.like.target};
    return strict_op(x, ops, 1, P_BOOL | P_E, depth);
  }
  case LR_EXPR_IS: {
    /* `t is T in E` evaluates E only when t's type is T */
    const lr_expr *t = e->u.is.target;
    if (!refs_of(x->plan, t)) {
      lr_value v;
      lr_eval_error err;
      if (lr_eval_expr(&x->env, t, &v, &err) != LR_OK || v.kind != LR_V_ENTITY) return P_E;
      if (!lr_str_eq(v.u.uid->type, e->u.is.type)) return P_F;
      if (!e->u.is.in) return P_T;
      const lr_expr *ops[1] = {e->u.is.in};
      return strict_op(x, ops, 1, P_BOOL | P_E, depth);
    }
    const lr_expr *ops[1] = {t};
    unsigned r = strict_op(x, ops, 1, P_BOOL | P_E, depth);
    if (r != P_E && e->u.is.in) r |= abs_eval(x, e->u.is.in, depth + 1) & P_E;
    return r;
  }
  case LR_EXPR_ATTR: {
    if (refs_of(x->plan, e) == REFS_UNKNOWN) return P_ALL;
    const lr_expr *ops[1] = {e->u.attr.target};
    return strict_op(x, ops, 1, P_ALL, depth);
  }
  case LR_EXPR_METHOD: {
    size_t n = e->u.method.nargs + 1;
    const lr_expr *small[4];
    const lr_expr **ops = n <= 4 ? small : LR_NEW_N(x->env.arena, const lr_expr *, n);
    ops[0] = e->u.method.target;
    for (size_t i = 1; i < n; i++) ops[i] = e->u.method.args[i - 1];
    return strict_op(x, ops, n, method_is_predicate(e->u.method.method) ? P_BOOL | P_E : P_ALL,
                     depth);
  }
  case LR_EXPR_CALL:
    return strict_op(x, (const lr_expr *const *)e->u.call.args, e->u.call.nargs, P_O | P_E, depth);
  case LR_EXPR_SET:
    return strict_op(x, (const lr_expr *const *)e->u.set.items, e->u.set.n, P_O | P_E, depth);
  case LR_EXPR_RECORD:
    return strict_op(x, (const lr_expr *const *)e->u.record.values, e->u.record.n, P_O | P_E,
                     depth);
  default: return P_ALL; /* literals read nothing unknown: not reached */
  }
}

static unsigned abs_eval(actx *x, const lr_expr *e, unsigned depth) {
  if (!refs_of(x->plan, e)) return concrete(x, e);
  if (depth > PARTIAL_MAX_DEPTH) return P_ALL;
  return abs_node(x, e, depth);
}

/* ---- policies and the authorizer ----------------------------------------- */

static unsigned of_policy_result(lr_policy_result r) {
  return r == LR_POLICY_SATISFIED       ? LR_PARTIAL_SAT
         : r == LR_POLICY_NOT_SATISFIED ? LR_PARTIAL_NOT_SAT
                                        : LR_PARTIAL_ERR;
}

/* Policy i of x->plan; ex shares the entity lookups of the request's
 * principal, action and resource across policies (as lr_authorize does). */
static unsigned policy_partial(actx *x, lr_evalctx *ex, size_t i) {
  const lr_partial_plan *plan = x->plan;
  const lr_policy_inst *p = &plan->pols[i];
  x->env.inst = plan->concrete[i] ? p : &plan->scopes[i];
  lr_policy_result scope = lr_eval_policy_ctx(ex);
  if (plan->concrete[i] || scope != LR_POLICY_SATISFIED) return of_policy_result(scope);
  x->env.inst = p;
  unsigned out = 0;
  for (size_t c = 0; c < p->ast->nconds; c++) {
    const lr_condition *cond = &p->ast->conds[c];
    unsigned m = need_bool(abs_eval(x, cond->expr, 0));
    unsigned holds = cond->is_when ? P_T : P_F;
    if (m & ~holds & P_BOOL) out |= LR_PARTIAL_NOT_SAT;
    if (m & P_E) out |= LR_PARTIAL_ERR;
    if (!(m & holds)) return out; /* this condition never holds */
  }
  return out | LR_PARTIAL_SAT;
}

unsigned lr_eval_policy_partial(lr_arena *a, const lr_partial_plan *plan, size_t i,
                                const lr_entities *es, const lr_request *req) {
  lr_eval_error err;
  actx x = {.plan = plan, .env = {es, req, NULL, a}};
  lr_evalctx ex = {.env = &x.env, .err = &err};
  return policy_partial(&x, &ex, i);
}

lr_partial_answer lr_authorize_maybe(lr_arena *a, const lr_partial_plan *plan,
                                     const lr_entities *es, const lr_request *req, unsigned flags,
                                     lr_partial_decision *out) {
  unsigned denies = LR_PARTIAL_SAT | (flags & LR_PARTIAL_FORBID_ERROR_DENIES ? LR_PARTIAL_ERR : 0);
  lr_eval_error err;
  actx x = {.plan = plan, .env = {es, req, NULL, a}};
  lr_evalctx ex = {.env = &x.env, .err = &err};
  const char *sure_permit = NULL, *sure_forbid = NULL;
  bool permit_possible = false, forbid_possible = false;
  for (size_t i = 0; i < plan->npols && !sure_forbid; i++) {
    lr_effect eff = plan->pols[i].ast->effect;
    if (eff != LR_EFFECT_PERMIT && eff != LR_EFFECT_FORBID) continue;
    unsigned m = policy_partial(&x, &ex, i);
    if (eff == LR_EFFECT_PERMIT) {
      permit_possible |= (m & LR_PARTIAL_SAT) != 0;
      if (m == LR_PARTIAL_SAT && !sure_permit) sure_permit = plan->pols[i].id;
    } else if (!(m & ~denies)) {
      sure_forbid = plan->pols[i].id;
    } else {
      forbid_possible |= (m & denies) != 0;
    }
  }
  lr_partial_decision d = {LR_PARTIAL_MAYBE, NULL};
  if (sure_forbid)
    d = (lr_partial_decision){LR_PARTIAL_DENY, sure_forbid};
  else if (!permit_possible)
    d.answer = LR_PARTIAL_DENY;
  else if (sure_permit && !forbid_possible)
    d = (lr_partial_decision){LR_PARTIAL_ALLOW, sure_permit};
  if (out) *out = d;
  return d.answer;
}
