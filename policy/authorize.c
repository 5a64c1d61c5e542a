/*
 * authorize.c — Cedar's authorizer (cedar-policy-core/src/authorizer.rs),
 * total: every permit and forbid policy is evaluated; a policy whose
 * evaluation errors is skipped and reported. Allow iff at least one permit
 * is satisfied and no forbid is; the determining policies are the
 * satisfied forbids on a deny caused by a forbid, else the satisfied
 * permits. larch's mask/limit guardrail policies take no part in the
 * decision; they are reported apart (lr_decision.guards).
 */
#include "policy.h"
#include "policy_int.h"

size_t lr_policy_insts_static(lr_arena *a, const lr_policy_list *list, lr_policy_inst **out) {
  lr_policy_inst *v = LR_NEW_N(a, lr_policy_inst, list->n ? list->n : 1);
  size_t k = 0;
  for (size_t i = 0; i < list->n; i++) {
    const lr_policy *p = list->items[i];
    if (p->is_template) continue;
    v[k++] = (lr_policy_inst){.id = p->id, .ast = p};
  }
  *out = v;
  return k;
}

/* Records a mask/limit policy's outcome in the decision. */
static void add_guard(lr_arena *a, lr_decision *out, const lr_policy_inst *p, lr_policy_result r,
                      const lr_eval_error *err, size_t npols) {
  if (r == LR_POLICY_SATISFIED) {
    if (!out->guards) out->guards = LR_NEW_N(a, const lr_policy_inst *, npols);
    out->guards[out->nguards++] = p;
  } else if (r == LR_POLICY_ERROR) {
    if (!out->guard_errors) out->guard_errors = LR_NEW_N(a, lr_auth_error, npols);
    out->guard_errors[out->nguard_errors++] = (lr_auth_error){p->id, err->msg};
  }
}

void lr_authorize(lr_arena *a, const lr_policy_inst *pols, size_t npols, const lr_entities *es,
                  const lr_request *req, lr_decision *out) {
  const char **permits = LR_NEW_N(a, const char *, npols ? npols : 1);
  const char **forbids = LR_NEW_N(a, const char *, npols ? npols : 1);
  lr_auth_error *errors = LR_NEW_N(a, lr_auth_error, npols ? npols : 1);
  size_t np = 0, nf = 0, ne = 0;
  *out = (lr_decision){0};
  lr_eval_env env = {es, req, NULL, a};
  lr_eval_error err = {0};
  lr_evalctx x = {.env = &env, .err = &err};
  for (size_t i = 0; i < npols; i++) {
    const lr_policy_inst *p = &pols[i];
    lr_effect eff = p->ast->effect;
    env.inst = p;
    lr_policy_result r = lr_eval_policy_ctx(&x);
    if (eff != LR_EFFECT_PERMIT && eff != LR_EFFECT_FORBID) {
      add_guard(a, out, p, r, &err, npols);
      continue;
    }
    switch (r) {
    case LR_POLICY_SATISFIED:
      if (eff == LR_EFFECT_PERMIT)
        permits[np++] = p->id;
      else
        forbids[nf++] = p->id;
      break;
    case LR_POLICY_ERROR: errors[ne++] = (lr_auth_error){p->id, err.msg}; break;
    case LR_POLICY_NOT_SATISFIED: break;
    }
  }
  out->allow = np > 0 && nf == 0;
  out->reasons = nf ? forbids : permits;
  out->nreasons = nf ? nf : np;
  out->errors = errors;
  out->nerrors = ne;
}
