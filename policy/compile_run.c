/*
 * compile_run.c — deciding a request on a compiled policy set
 * (compile_index.h has the design): the request's keys, the probes, the
 * candidates decided and the answer assembled in policy order; and
 * lr_decision_same, which holds the compiled path to the interpreter's
 * answers in tests and benchmarks.
 */
#include <stdlib.h>
#include <string.h>

#include "compile_index.h"

/* ---- request time -------------------------------------------------------------- */

/* The keys of one request variable for one kind: [v, end). */
typedef struct keys {
  const pkey *v, *end;
} keys;

/* The policies found to apply or to err, in the order they were found:
 * block offset (policy order), result and error message. */
typedef struct hit {
  uint32_t off;
  uint8_t r; /* lr_policy_result */
  const char *msg;
} hit;

typedef struct hits {
  hit *v;
  size_t n, cap;
  lr_arena *a;
} hits;

static void hits_add(hits *hs, uint32_t off, lr_policy_result r, const char *msg) {
  if (hs->n == hs->cap) {
    hit *v = LR_NEW_N(hs->a, hit, hs->cap * 2);
    memcpy(v, hs->v, hs->n * sizeof *v);
    hs->v = v, hs->cap *= 2;
  }
  hs->v[hs->n++] = (hit){off, (uint8_t)r, msg};
}

static int cmp_hit(const void *x, const void *y) {
  uint32_t a = ((const hit *)x)->off, b = ((const hit *)y)->off;
  return (a > b) - (a < b);
}

/* Puts the hits in policy order, once each (a policy under several keys of
 * one request is found, and decided, more than once). */
static void hits_finish(hits *hs) {
  if (hs->n < 2) return;
  if (hs->n <= 16) {
    for (size_t i = 1; i < hs->n; i++) {
      hit v = hs->v[i];
      size_t j = i;
      while (j > 0 && hs->v[j - 1].off > v.off) hs->v[j] = hs->v[j - 1], j--;
      hs->v[j] = v;
    }
  } else {
    qsort(hs->v, hs->n, sizeof *hs->v, cmp_hit);
  }
  size_t m = 0;
  for (size_t i = 0; i < hs->n; i++)
    if (m == 0 || hs->v[m - 1].off != hs->v[i].off) hs->v[m++] = hs->v[i];
  hs->n = m;
}

/* The group under key (sh, p, a, r) of hash h, or NULL. */
static inline const slot *lookup(const lr_cset *c, uint64_t h, unsigned sh, uint32_t p,
                                 uint32_t a, uint32_t r) {
  uint32_t f = fingerprint(h);
  for (size_t s = h & c->mask;; s = (s + 1) & c->mask) {
    uint64_t cell = c->cells[s];
    if (!cell) return NULL;
    if ((uint32_t)cell == f) {
      const slot *e = &c->groups[cell >> 32];
      if (e->p == p && e->r == r && e->a == a && e->shape == sh) return e;
    }
  }
}

/* Fills ks[kind] with the names of variable number var (uid u) that some
 * policy uses for that kind: buf holds them (cap cells; more go to the
 * arena). The store entry of u is looked up only when ancestors matter. */
static void var_keys(const lr_cset *c, unsigned var, lr_evalctx *x, const lr_uid *u, pkey *buf,
                     size_t cap, keys ks[K__N]) {
  unsigned uses = c->uses[var];
  ks[K_ANY] = (keys){&c->any[var], &c->any[var] + 1};
  ks[K_EQ] = ks[K_IN] = ks[K_IS] = (keys){buf, buf};
  if (uses & USE(var, K_IS)) {
    const name *e = names_get(&c->names, lr_type_hash_inline(u->type), NULL, &u->type);
    if (e && (e->uses & USE(var, K_IS))) {
      *buf = pkey_of(var, K_IS, e->id);
      ks[K_IS] = (keys){buf, buf + 1};
      buf++, cap--;
    }
  }
  if (!(uses & (USE(var, K_EQ) | USE(var, K_IN)))) return;
  if (var == 1 && c->nacts <= FEW_ACTIONS) { /* the action, among a few names used with `==` */
    for (size_t i = 0; i < c->nacts; i++)
      if (lr_uid_eq_inline(&c->acts[i]->uid, u)) {
        *buf = pkey_of(var, K_EQ, c->acts[i]->id);
        ks[K_EQ] = (keys){buf, buf + 1};
        break;
      }
    return;
  }
  uint64_t h = lr_uid_hash_inline(u);
  if ((uses & USE(var, K_IN)) && c->bound) { /* the store entry first: maybe in the table */
    const lr_entity *ent = lr_eval_entity_k(x, (int)var, u, h);
    if (ent && ent->store == c->bound && ent->index < c->nbound) { /* keys made at binding */
      const uint32_t *o = c->bk + 2 * (3 * ent->index + var);
      ks[K_EQ] = (keys){c->bkeys + o[0], c->bkeys + o[1]};
      ks[K_IN] = (keys){c->bkeys + o[1], c->bkeys + o[2]};
      return;
    }
  }
  /* not bound: the names of u and, when `in` is used, of its ancestors */
  const lr_entity *ent = (uses & USE(var, K_IN)) ? lr_eval_entity_k(x, (int)var, u, h) : NULL;
  enum { FEW = 16 };
  const name *few[FEW], **anc = few;
  if (ent && ent->nanc > FEW) anc = LR_NEW_N(x->env->arena, const name *, ent->nanc);
  size_t nanc = anc_names(c, ent, anc), neq;
  pkey *out = 2 + nanc <= cap ? buf : LR_NEW_N(x->env->arena, pkey, 2 + nanc);
  size_t n = entity_keys(var, names_get(&c->names, h, u, NULL), anc, nanc, out, &neq);
  ks[K_EQ] = (keys){out, out + neq};
  ks[K_IN] = (keys){out + neq, out + n};
}

/* Scopes; the store entry of u is looked up (once per request) only for
 * `in`. */
static inline bool scope_holds(lr_evalctx *x, const cscope *s, const lr_uid *u) {
  switch ((lr_scope_op)s->op) {
  case LR_SCOPE_ANY: return true;
  case LR_SCOPE_EQ: return lr_uid_eq_inline(u, s->uid);
  case LR_SCOPE_IS: return lr_name_eq(u->type, s->type);
  case LR_SCOPE_IS_IN:
    if (!lr_name_eq(u->type, s->type)) return false;
    /* fall through */
  case LR_SCOPE_IN: return cn_in(u, lr_uid_eq_inline(u, s->uid) ? NULL : lr_eval_entity(x, u), s->uid);
  }
  return false;
}

static inline bool action_holds(lr_evalctx *x, const cpol *p, const lr_uid *u) {
  if (p->aop == LR_ACTION_ANY) return true;
  if (p->aop == LR_ACTION_EQ) return lr_uid_eq_inline(u, p->auids[0]);
  for (size_t i = 0; i < p->nauids; i++)
    if (lr_uid_eq_inline(u, p->auids[i])) return true;
  const lr_entity *ent = p->nauids ? lr_eval_entity(x, u) : NULL;
  for (size_t i = 0; ent && i < p->nauids; i++)
    if (cn_has_ancestor(ent, p->auids[i])) return true;
  return false;
}

/* The conditions (n tests t), on the fast path; the interpreter when it
 * bails. */
static inline lr_policy_result conds_hold(lr_evalctx *x, cn_run *r, const cn_atom *t, size_t n) {
  if (!n) return LR_POLICY_SATISFIED;
  int b = cn_atoms(r, t, n);
  if (b == CN_BAIL) return lr_eval_policy_ctx(x);
  return b ? LR_POLICY_SATISFIED : LR_POLICY_NOT_SATISFIED;
}

/* Decides one policy of a scanned set. */
static lr_policy_result decide(lr_evalctx *x, cn_run *r, const cpol *p) {
  const lr_request *req = x->env->req;
  if (p->interp) return lr_eval_policy_ctx(x);
  if (!scope_holds(x, &p->p, req->principal) || !action_holds(x, p, req->action) ||
      !scope_holds(x, &p->r, req->resource))
    return LR_POLICY_NOT_SATISFIED;
  return conds_hold(x, r, hot_atoms(p->hot), p->hot->natoms);
}

/* Decides a candidate from the index that is flagged (HOT_*): decided by
 * the interpreter, or `is T in E` whose type T the index did not check.
 * Out of line: the usual candidate has no flag. */
__attribute__((noinline)) static lr_policy_result decide_flagged(lr_evalctx *x, cn_run *r,
                                                                 const lr_cset *c, const hot *h) {
  if (h->flags & HOT_INTERP) return lr_eval_policy_ctx(x);
  const lr_request *req = x->env->req;
  const cpol *p = &c->pols[h->pol];
  if (((h->flags & HOT_TYPE_P) && !lr_name_eq(req->principal->type, p->p.type)) ||
      ((h->flags & HOT_TYPE_R) && !lr_name_eq(req->resource->type, p->r.type)))
    return LR_POLICY_NOT_SATISFIED;
  return conds_hold(x, r, hot_atoms(h), h->natoms);
}

/* Decides the policies of group e (their scope holds), adding those that
 * apply or err to hs. */
static void decide_group(const lr_cset *c, lr_eval_env *env, lr_evalctx *x, cn_run *r,
                         const slot *e, hits *hs) {
  for (const uint32_t *o = c->entries + e->start, *end = o + e->count; o < end; o++) {
    const hot *h = (const hot *)(c->hot + *o);
    env->inst = h->inst;
    lr_policy_result res = LR_LIKELY(!h->flags) ? conds_hold(x, r, hot_atoms(h), h->natoms)
                                                : decide_flagged(x, r, c, h);
    if (res != LR_POLICY_NOT_SATISFIED) hits_add(hs, *o, res, x->err->msg);
  }
}

/* The request's keys for the operands indexed by value (in out, room for
 * MAX_VSLOTS): per operand, the key of its string value if some policy
 * names it, the bail key if evaluating it bails, none otherwise. */
static keys val_keys(const lr_cset *c, lr_evalctx *x, cn_run *run, pkey *out) {
  size_t n = 0;
  for (size_t j = 0; j < c->nvslots; j++) {
    const uint32_t *pre = NULL; /* the entity's keys made at binding */
    if (c->bvals && c->vvar[j]) {
      int k = c->vvar[j] - 1;
      const lr_entity *e =
          lr_eval_entity_k(x, k, k ? x->env->req->resource : x->env->req->principal, 0);
      if (e && e->store == c->bound && e->index < c->nbound) pre = c->bvals + e->index * c->nvslots;
    }
    uint32_t id;
    if (pre) {
      id = pre[j];
    } else {
      lr_value v;
      id = value_id(c, j, cn_slot(run, c->vslots[j], &v) == CN_OK ? &v : NULL);
    }
    if (id) out[n++] = c->vkeys[id];
  }
  return (keys){out, out + n};
}

/* The shapes indexed by value: the operands are evaluated only when one of
 * them has action and resource keys in this request. */
static inline void probe_values(const lr_cset *c, lr_eval_env *env, lr_evalctx *x, cn_run *run,
                                hits *hs, keys ks[3][K__N]) {
  pkey buf[MAX_VSLOTS];
  keys P = {buf, buf};
  bool made = false;
  for (size_t s = 0; s < c->nvshapes; s++) {
    const uint8_t *k = c->vshapes[s];
    const keys A = ks[1][k[1]], R = ks[2][k[2]];
    if (A.v == A.end || R.v == R.end) continue;
    if (!made) P = val_keys(c, x, run, buf), made = true;
    for (const pkey *p = P.v; p < P.end; p++) /* one value key per operand, mostly */
      for (const pkey *a = A.v; a < A.end; a++)
        for (const pkey *r = R.v; r < R.end; r++) {
          const slot *e = lookup(c, p->h ^ a->h ^ r->h, k[3], p->id, a->id, r->id);
          if (e) decide_group(c, env, x, run, e, hs);
        }
  }
}

/* Probes the index with every key combination of the request and decides
 * the policies found, in the order found (hits_finish restores policy
 * order). */
__attribute__((noinline)) static void probe(const lr_cset *c, lr_eval_env *env, lr_evalctx *x,
                                            cn_run *run, hits *hs) {
  const lr_request *req = env->req;
  enum { CAP = 16 };
  pkey buf[3][CAP];
  keys ks[3][K__N];
  const lr_uid *vars[3] = {req->principal, req->action, req->resource};
  for (unsigned v = 0; v < 3; v++) var_keys(c, v, x, vars[v], buf[v], CAP, ks[v]);
  for (size_t s = 0; s < c->nshapes; s++) {
    const uint8_t *k = c->shapes[s];
    const keys P = ks[0][k[0]], A = ks[1][k[1]], R = ks[2][k[2]];
    /* The usual shape, one action and one resource key, in one loop: the
     * loops below do the same in 77 more instructions per 10,000-policy
     * request (callgrind; the compiler keeps this loop in registers). */
    if (A.end - A.v == 1 && R.end - R.v == 1) {
      uint64_t har = A.v->h ^ R.v->h;
      uint32_t aid = A.v->id, rid = R.v->id;
      for (const pkey *p = P.v; p < P.end; p++) {
        const slot *e = lookup(c, p->h ^ har, k[3], p->id, aid, rid);
        if (e) decide_group(c, env, x, run, e, hs);
      }
      continue;
    }
    for (const pkey *p = P.v; p < P.end; p++)
      for (const pkey *a = A.v; a < A.end; a++)
        for (const pkey *r = R.v; r < R.end; r++) {
          const slot *e = lookup(c, p->h ^ a->h ^ r->h, k[3], p->id, a->id, r->id);
          if (e) decide_group(c, env, x, run, e, hs);
        }
  }
  if (c->nvshapes) probe_values(c, env, x, run, hs, ks);
  hits_finish(hs);
}

/* The decision being assembled: n cells of ids, satisfied permits from the
 * front (np), forbids from the back (nf). */
typedef struct tally {
  lr_arena *a;
  const char **ids;
  size_t n, np, nf;
} tally;

static inline void tally_add(tally *t, lr_decision *out, const lr_policy_inst *inst,
                             unsigned effect, lr_policy_result r, const char *msg) {
  bool guard = effect == LR_EFFECT_MASK || effect == LR_EFFECT_LIMIT;
  if (r == LR_POLICY_SATISFIED && guard) {
    if (!out->guards) out->guards = LR_NEW_N(t->a, const lr_policy_inst *, t->n);
    out->guards[out->nguards++] = inst;
  } else if (r == LR_POLICY_SATISFIED) {
    if (effect == LR_EFFECT_PERMIT)
      t->ids[t->np++] = inst->id;
    else
      t->ids[t->n - 1 - t->nf++] = inst->id;
  } else if (r == LR_POLICY_ERROR && guard) {
    if (!out->guard_errors) out->guard_errors = LR_NEW_N(t->a, lr_auth_error, t->n);
    out->guard_errors[out->nguard_errors++] = (lr_auth_error){inst->id, msg};
  } else if (r == LR_POLICY_ERROR) {
    if (!out->errors) out->errors = LR_NEW_N(t->a, lr_auth_error, t->n);
    out->errors[out->nerrors++] = (lr_auth_error){inst->id, msg};
  }
}

/* Sets this small are scanned in full: cheaper than making the request's
 * keys and probing. Measured in-process, the same set indexed takes, of the
 * time it takes scanned: generated sets of 3 / 5 / 7 / 10 / 12 policies
 * 1.29-1.38 / 1.19 / 1.00-1.02 / 0.76-0.78 / 0.66-0.72x; the gdrive,
 * github and tinytodo sets (5-7 policies) 1.01-1.26x. */
#define SCAN_MAX 7

void lr_cset_authorize(const lr_cset *c, lr_arena *a, const lr_entities *es, const lr_request *req,
                       lr_decision *out) {
  if (!req->principal || !req->action || !req->resource) {
    /* Not a request the index can key: the interpreter over every policy. */
    lr_policy_inst *insts = LR_NEW_N(a, lr_policy_inst, c->npols ? c->npols : 1);
    for (size_t i = 0; i < c->npols; i++) insts[i] = *c->pols[i].inst;
    lr_authorize(a, insts, c->npols, es, req, out);
    for (size_t i = 0; i < out->nguards; i++) out->guards[i] = c->pols[out->guards[i] - insts].inst;
    return;
  }
  lr_eval_env env = {es, req, NULL, a};
  lr_eval_error err = {0};
  lr_evalctx x = {.env = &env, .err = &err};
  cn_run run = {.x = &x, .npaths = c->npaths, .defs = c->defs};
  lr_value memo[16]; /* path slots of small sets on the stack */
  uint8_t state[16];
  if (c->npaths <= 16) {
    memset(state, 0, sizeof state);
    run.memo = memo, run.state = state;
  }
  /* Satisfied permits fill ids from the front, forbids from the back (then
   * put in policy order); errors and guards are allocated on first use. */
  *out = (lr_decision){0};
  tally t = {.a = a};
  if (c->npols <= SCAN_MAX) { /* a small set: every policy, no index */
    t.n = c->npols ? c->npols : 1;
    t.ids = LR_NEW_N(a, const char *, t.n);
    for (size_t i = 0; i < c->npols; i++) {
      const cpol *p = &c->pols[i];
      env.inst = p->inst;
      lr_policy_result r = decide(&x, &run, p);
      if (r != LR_POLICY_NOT_SATISFIED) tally_add(&t, out, p->inst, p->effect, r, err.msg);
    }
  } else {
    hit small[16];
    hits hs = {small, 0, 16, a};
    probe(c, &env, &x, &run, &hs);
    t.n = hs.n ? hs.n : 1;
    t.ids = LR_NEW_N(a, const char *, t.n);
    for (size_t i = 0; i < hs.n; i++) {
      const hot *h = (const hot *)(c->hot + hs.v[i].off);
      tally_add(&t, out, h->inst, h->effect, (lr_policy_result)hs.v[i].r, hs.v[i].msg);
    }
  }
  size_t n = t.n, np = t.np, nf = t.nf;
  const char **ids = t.ids;
  out->allow = np > 0 && nf == 0;
  if (nf) {
    const char **f = ids + n - nf;
    for (size_t i = 0; i < nf / 2; i++) {
      const char *t = f[i];
      f[i] = f[nf - 1 - i];
      f[nf - 1 - i] = t;
    }
    out->reasons = f;
    out->nreasons = nf;
  } else {
    out->reasons = ids;
    out->nreasons = np;
  }
}

/* ---- comparing decisions -------------------------------------------------------- */

static bool same_errors(const char *what, const lr_auth_error *x, size_t nx, const lr_auth_error *y,
                        size_t ny, lr_buf *why) {
  for (size_t i = 0; i < nx && i < ny; i++) {
    if (strcmp(x[i].policy_id, y[i].policy_id) != 0 || strcmp(x[i].message, y[i].message) != 0) {
      if (why)
        lr_buf_printf(why, "%s[%zu]: %s: %s vs %s: %s", what, i, x[i].policy_id, x[i].message,
                      y[i].policy_id, y[i].message);
      return false;
    }
  }
  if (nx != ny) {
    if (why) lr_buf_printf(why, "%s: %zu vs %zu", what, nx, ny);
    return false;
  }
  return true;
}

bool lr_decision_same(const lr_decision *x, const lr_decision *y, lr_buf *why) {
  if (x->allow != y->allow) {
    if (why)
      lr_buf_printf(why, "decision: %s vs %s", x->allow ? "allow" : "deny",
                    y->allow ? "allow" : "deny");
    return false;
  }
  for (size_t i = 0; i < x->nreasons && i < y->nreasons; i++)
    if (strcmp(x->reasons[i], y->reasons[i]) != 0) {
      if (why) lr_buf_printf(why, "reasons[%zu]: %s vs %s", i, x->reasons[i], y->reasons[i]);
      return false;
    }
  if (x->nreasons != y->nreasons) {
    if (why) lr_buf_printf(why, "reasons: %zu vs %zu", x->nreasons, y->nreasons);
    return false;
  }
  if (!same_errors("errors", x->errors, x->nerrors, y->errors, y->nerrors, why)) return false;
  for (size_t i = 0; i < x->nguards && i < y->nguards; i++)
    if (strcmp(x->guards[i]->id, y->guards[i]->id) != 0) {
      if (why) lr_buf_printf(why, "guards[%zu]: %s vs %s", i, x->guards[i]->id, y->guards[i]->id);
      return false;
    }
  if (x->nguards != y->nguards) {
    if (why) lr_buf_printf(why, "guards: %zu vs %zu", x->nguards, y->nguards);
    return false;
  }
  return same_errors("guard_errors", x->guard_errors, x->nguard_errors, y->guard_errors,
                     y->nguard_errors, why);
}
