/*
 * explain.c — why each policy applied or not (`larch explain`).
 *
 * For every policy the answer is lr_eval_policy's own (so it can never
 * disagree with the authorizer); the explanation then says which part
 * decided it, in Cedar's evaluation order (principal scope, action scope,
 * resource scope, then conditions in source order; Cedar spec §"Policy
 * evaluation"): the first scope element that does not match, or the first
 * condition that did not hold, narrowed to the smallest sub-expression that
 * forced its value. Narrowing follows Cedar's short-circuit rules, so it
 * only evaluates what Cedar itself evaluated: a false `a && b` is explained
 * by `a` when `a` is false, else by `b`; a true `a || b` by `a` when `a` is
 * true, else by `b`; `!a` by `a` with the opposite value. Anything else (a
 * comparison, a method call, a false `||`) is its own explanation.
 * Expressions have no side effects, so evaluating one again is safe.
 */
#include <string.h>

#include "policy.h"

static bool uid_in_euid(const lr_entities *es, const lr_uid *u, lr_str type, lr_str id) {
  lr_uid target = {type, id};
  return lr_entities_in(es, u, &target);
}

/* 1 holds, 0 does not, -1 unlinked slot. Mirrors eval.c's scope rules. */
static int scope_holds(const lr_entities *es, const lr_policy_inst *inst, const lr_scope *s,
                       lr_slot slot, const lr_uid *u) {
  if (s->op == LR_SCOPE_ANY) return 1;
  if ((s->op == LR_SCOPE_IS || s->op == LR_SCOPE_IS_IN) && !lr_str_eq(u->type, s->type)) return 0;
  if (s->op == LR_SCOPE_IS) return 1;
  lr_uid target = {s->entity.type, s->entity.id};
  if (s->is_slot) {
    const lr_uid *v = slot == LR_SLOT_PRINCIPAL ? inst->slot_principal : inst->slot_resource;
    if (!v) return -1;
    target = *v;
  }
  if (s->op == LR_SCOPE_EQ) return lr_uid_eq(u, &target);
  return lr_entities_in(es, u, &target);
}

static bool action_holds(const lr_entities *es, const lr_action_scope *s, const lr_uid *a) {
  switch (s->op) {
  case LR_ACTION_ANY: return true;
  case LR_ACTION_EQ:
    return lr_str_eq(a->type, s->entities[0].type) && lr_str_eq(a->id, s->entities[0].id);
  case LR_ACTION_IN: return uid_in_euid(es, a, s->entities[0].type, s->entities[0].id);
  case LR_ACTION_IN_SET:
    for (size_t i = 0; i < s->n; i++)
      if (uid_in_euid(es, a, s->entities[i].type, s->entities[i].id)) return true;
    return false;
  }
  return false;
}

/* True when e evaluates to the bool want (errors and non-bools: false). */
static bool evals_to(const lr_eval_env *env, const lr_expr *e, bool want) {
  lr_value v;
  lr_eval_error err;
  return lr_eval_expr(env, e, &v, &err) == LR_OK && v.kind == LR_V_BOOL && v.u.b == want;
}

/* The smallest sub-expression of e (which evaluated to got) that forced got. */
static const lr_expr *narrow(const lr_eval_env *env, const lr_expr *e, bool got, bool *value) {
  for (;;) {
    *value = got;
    if (e->kind == LR_EXPR_NOT) {
      e = e->u.unary.arg, got = !got;
      continue;
    }
    if (e->kind != LR_EXPR_BINARY) return e;
    if (e->u.bin.op == LR_OP_AND && !got) {
      e = evals_to(env, e->u.bin.lhs, false) ? e->u.bin.lhs : e->u.bin.rhs;
      continue;
    }
    if (e->u.bin.op == LR_OP_OR && got) {
      e = evals_to(env, e->u.bin.lhs, true) ? e->u.bin.lhs : e->u.bin.rhs;
      continue;
    }
    return e;
  }
}

bool lr_explain_narrow(const lr_eval_env *env, const lr_expr *e, bool value, size_t *off,
                       size_t *end) {
  bool v;
  const lr_expr *why = narrow(env, e, value, &v);
  *off = why->off, *end = why->end;
  return v;
}

static void explain_one(lr_arena *a, const lr_entities *es, const lr_request *req,
                        const lr_policy_inst *inst, lr_explain *x) {
  const lr_policy *p = inst->ast;
  lr_eval_env env = {.entities = es, .req = req, .inst = inst, .arena = a};
  lr_eval_error err = {0};
  *x = (lr_explain){.inst = inst, .off = p->off, .end = p->end};
  x->result = lr_eval_policy(&env, &err);
  int ps = scope_holds(es, inst, &p->principal, LR_SLOT_PRINCIPAL, req->principal);
  int rs = scope_holds(es, inst, &p->resource, LR_SLOT_RESOURCE, req->resource);
  if (ps < 0 || (ps == 1 && rs < 0)) {
    x->part = LR_EXPLAIN_SLOT;
    x->message = err.msg;
    return;
  }
  const struct {
    bool holds;
    lr_explain_part part;
    size_t off, end;
  } scopes[3] = {
      {ps == 1, LR_EXPLAIN_PRINCIPAL, p->principal.off, p->principal.end},
      {action_holds(es, &p->action, req->action), LR_EXPLAIN_ACTION, p->action.off, p->action.end},
      {rs == 1, LR_EXPLAIN_RESOURCE, p->resource.off, p->resource.end}};
  for (int i = 0; i < 3; i++) {
    if (scopes[i].holds) continue;
    x->part = scopes[i].part;
    x->off = scopes[i].off, x->end = scopes[i].end;
    return;
  }
  if (x->result == LR_POLICY_SATISFIED) return; /* part ALL, the whole policy */
  for (size_t i = 0; i < p->nconds; i++) {
    const lr_condition *c = &p->conds[i];
    lr_value v;
    lr_eval_error e = {0};
    x->part = LR_EXPLAIN_CONDITION;
    x->cond = i;
    if (lr_eval_expr(&env, c->expr, &v, &e) != LR_OK || v.kind != LR_V_BOOL) {
      /* lr_eval_policy reported this error (same evaluation, same message). */
      x->message = err.msg ? err.msg : e.msg;
      x->off = err.msg ? err.off : c->expr->off;
      x->end = err.msg ? err.end : c->expr->end;
      return;
    }
    if (v.u.b == c->is_when) continue;
    const lr_expr *why = narrow(&env, c->expr, v.u.b, &x->value);
    x->off = why->off, x->end = why->end;
    return;
  }
}

void lr_explain_policies(lr_arena *a, const lr_policy_inst *pols, size_t npols,
                         const lr_entities *es, const lr_request *req, lr_decision *dec,
                         lr_explain *out) {
  lr_authorize(a, pols, npols, es, req, dec);
  for (size_t i = 0; i < npols; i++) {
    explain_one(a, es, req, &pols[i], &out[i]);
    for (size_t k = 0; k < dec->nreasons; k++)
      if (strcmp(dec->reasons[k], pols[i].id) == 0) out[i].determining = true;
  }
}
