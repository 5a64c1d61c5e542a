/*
 * obligation.c — `with` records of mask/limit policies → typed obligations,
 * per request (lr_obligations_eval) and at load time for constant fields
 * (lr_obligation_check). One validator (apply_field / finish) serves both,
 * so `larch check` and the proxy can never disagree on what is valid.
 * lr_obligation_prepare applies the constant fields once per loaded set,
 * through the same validator, so a request evaluates only the rest.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guard.h"
#include "pii_int.h"

/* One record being validated. */
typedef struct acc {
  lr_effect effect;
  lr_mask_obligation m;
  lr_limit_obligation l;
  bool have_types, have_max, have_per, have_burst, have_key;
  bool skip_rate; /* load time: max, per or burst computed per request */
  lr_value keyv;
} acc;

/* The @id value (the parser's strings are NUL-terminated), else the id. */
static const char *policy_name(const lr_policy *p, const char *id) {
  const lr_annotation *an = lr_policy_annotation(p, "id");
  return an && an->has_value ? an->value.p : id;
}

static void acc_init(acc *c, const lr_policy_inst *inst) {
  memset(c, 0, sizeof *c);
  const lr_policy *p = inst->ast;
  c->effect = p->effect;
  const char *id = inst->id ? inst->id : p->id;
  c->m.policy = c->l.policy = id;
  c->m.name = c->l.name = policy_name(p, id);
  c->m.on = LR_MASK_ON_BOTH;
  c->m.style = LR_PII_STYLE_LABEL;
  c->l.shadow = lr_policy_annotation(p, "shadow") != NULL;
}

/* A long in 1 .. 2^31. */
static const char *positive_u31(lr_value v, uint32_t *out) {
  if (v.kind != LR_V_LONG) return "expected a long";
  if (v.u.i < 1 || v.u.i > (int64_t)LR_LIMIT_MAX_MAX) return "must be between 1 and 2147483648";
  *out = (uint32_t)v.u.i;
  return NULL;
}

static const char *mask_field(acc *c, lr_str key, lr_value v) {
  if (lr_str_eq_c(key, "types")) {
    c->have_types = true; /* present, even when wrong: one error, not two */
    if (v.kind != LR_V_SET) return "expected a set of PII type names, e.g. [\"EMAIL\"]";
    if (v.n == 0) return "empty set: name at least one PII type";
    c->m.types = 0;
    for (uint32_t i = 0; i < v.n; i++) {
      lr_value t = v.u.items[i];
      lr_pii_type ty;
      if (t.kind != LR_V_STRING) return "expected strings (PII type names)";
      if (!lr_pii_type_parse((lr_str){t.u.s, t.n}, &ty))
        return "unknown PII type (see PII.md: EMAIL, CREDIT_CARD, AWS_ACCESS_KEY, ...)";
      c->m.types |= LR_PII_BIT(ty);
    }
    return NULL;
  }
  if (lr_str_eq_c(key, "on")) {
    if (v.kind != LR_V_STRING) return "expected \"request\", \"response\" or \"both\"";
    lr_str s = {v.u.s, v.n};
    if (lr_str_eq_c(s, "request"))
      c->m.on = LR_MASK_ON_REQUEST;
    else if (lr_str_eq_c(s, "response"))
      c->m.on = LR_MASK_ON_RESPONSE;
    else if (lr_str_eq_c(s, "both"))
      c->m.on = LR_MASK_ON_BOTH;
    else
      return "expected \"request\", \"response\" or \"both\"";
    return NULL;
  }
  if (lr_str_eq_c(key, "style")) {
    lr_pii_style st;
    if (v.kind != LR_V_STRING || !lr_pii_style_parse((lr_str){v.u.s, v.n}, &st) ||
        st == LR_PII_STYLE_NONE)
      return "expected \"label\", \"partial\" or \"hash\"";
    c->m.style = (int)st;
    return NULL;
  }
  return "unknown field of a mask (types, on, style)";
}

/* A field of the rate that failed leaves the cross-field check out. */
static const char *rate_field(acc *c, const char *msg) {
  if (msg) c->skip_rate = true;
  return msg;
}

static const char *limit_field(acc *c, lr_str key, lr_value v) {
  if (lr_str_eq_c(key, "max")) {
    c->have_max = true;
    return rate_field(c, positive_u31(v, &c->l.max));
  }
  if (lr_str_eq_c(key, "burst")) {
    c->have_burst = true;
    return rate_field(c, positive_u31(v, &c->l.burst));
  }
  if (lr_str_eq_c(key, "per")) {
    c->have_per = true;
    if (v.kind == LR_V_STRING && lr_str_eq_c((lr_str){v.u.s, v.n}, "session")) {
      c->l.per_session = true;
      c->l.per_ns = LR_LIMIT_PER_FOREVER;
      return NULL;
    }
    if (v.kind != LR_V_DURATION)
      return rate_field(c, "expected a duration (duration(\"1m\")) or \"session\"");
    if (v.u.i < 1) return rate_field(c, "the period must be at least 1ms");
    if (v.u.i > LR_LIMIT_TICKS_MAX / 1000000) return rate_field(c, "the period is too long");
    c->l.per_ns = v.u.i * 1000000;
    return NULL;
  }
  if (lr_str_eq_c(key, "key")) {
    c->have_key = true;
    c->keyv = v;
    return NULL;
  }
  return "unknown field of a limit (max, per, key, burst)";
}

static const char *apply_field(acc *c, lr_str key, lr_value v) {
  return c->effect == LR_EFFECT_MASK ? mask_field(c, key, v) : limit_field(c, key, v);
}

/* Cross-field checks once every field is in (fields not known at load time
 * are assumed valid: have_* false and `partial` set). */
static const char *finish(acc *c, bool partial) {
  if (c->effect == LR_EFFECT_MASK) {
    if (!c->have_types && !partial) return "missing field `types`";
    return NULL;
  }
  if (!partial && !c->have_max) return "missing field `max`";
  if (!partial && !c->have_per) return "missing field `per`";
  if (c->have_max && c->have_per && !c->skip_rate) {
    uint32_t burst = c->have_burst ? c->l.burst : c->l.max;
    lr_limit_rate r;
    if (lr_limit_rate_init(&r, c->l.max, c->l.per_ns, burst) != LR_OK)
      return "max, per and burst give a rate out of range";
    if (!c->have_burst) c->l.burst = c->l.max;
  }
  return NULL;
}

/* l->rule and l->rule_hash (see lr_limit_obligation), in arena a. */
static void rule_identity(lr_arena *a, lr_limit_obligation *l) {
  size_t nl = strlen(l->name);
  size_t n = nl + 1 + sizeof l->max + sizeof l->per_ns + sizeof l->burst;
  char *p = lr_arena_alloc(a, n), *w = p;
  memcpy(w, l->name, nl), w += nl;
  *w++ = 0x1f;
  memcpy(w, &l->max, sizeof l->max), w += sizeof l->max;
  memcpy(w, &l->per_ns, sizeof l->per_ns), w += sizeof l->per_ns;
  memcpy(w, &l->burst, sizeof l->burst);
  l->rule = (lr_str){p, n};
  l->rule_hash = lr_map_hash(l->rule);
}

/* The key text of v in a (see obligation.h), printed in scratch (cleared
 * first): one buffer serves every key of a request. */
static lr_str key_text(lr_arena *a, lr_value v, lr_buf *scratch) {
  lr_buf_clear(scratch);
  lr_value_print(v, scratch);
  if (scratch->len <= LR_LIMIT_KEY_MAX) return lr_str_dup(a, lr_buf_str(scratch));
  pii_sha256 h;
  uint8_t d[32];
  pii_sha256_init(&h);
  pii_sha256_update(&h, scratch->p, scratch->len);
  pii_sha256_final(&h, d);
  static const char hexd[] = "0123456789abcdef";
  char hex[65];
  hex[0] = '#';
  for (int i = 0; i < 32; i++) hex[1 + 2 * i] = hexd[d[i] >> 4], hex[2 + 2 * i] = hexd[d[i] & 15];
  return lr_str_dup(a, (lr_str){hex, 65});
}

lr_str lr_obligation_key(lr_arena *a, lr_value v) {
  lr_buf b = {0};
  lr_str out = key_text(a, v, &b);
  lr_buf_free(&b);
  return out;
}

lr_str lr_obligation_lineage(lr_arena *a, const lr_uid *principal, lr_str client_ip) {
  lr_buf b = {0};
  if (principal) lr_uid_print(principal, &b);
  if (!principal || lr_str_eq_c(principal->type, "Anonymous")) {
    lr_buf_puts(&b, "@");
    lr_buf_append(&b, client_ip.p, client_ip.n);
  }
  lr_str out = lr_str_dup(a, lr_buf_str(&b));
  lr_buf_free(&b);
  return out;
}

/* req with context.session replaced by lineage (added when absent). */
static const lr_request *session_request(lr_arena *a, const lr_request *req, lr_str lineage) {
  lr_value ctx = req->context;
  size_t n = ctx.kind == LR_V_RECORD ? ctx.n : 0;
  lr_field *f = LR_NEW_N(a, lr_field, n + 1);
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (!lr_str_eq_c(ctx.u.fields[i].key, "session")) f[k++] = ctx.u.fields[i];
  f[k++] = (lr_field){LR_STR("session"), lr_value_string(a, lineage)};
  lr_request *r = LR_NEW(a, lr_request);
  *r = *req;
  if (lr_value_record(a, f, k, &r->context, NULL) != LR_OK) return req;
  return r;
}

static const char *fail(lr_arena *a, const acc *c, const char *field, const char *msg) {
  const char *pid = c->m.policy;
  if (strcmp(c->m.name, pid) != 0)
    return lr_arena_sprintf(a, "%s (@id \"%s\"): with%s%s: %s", pid, c->m.name, field ? "." : "",
                            field ? field : "", msg);
  return lr_arena_sprintf(a, "%s: with%s%s: %s", pid, field ? "." : "", field ? field : "", msg);
}

/* A mask/limit policy prepared at load (lr_obligation_prepare): its
 * annotations read and its constant `with` fields applied once, so a
 * request evaluates only the fields computed from it. */
typedef struct prep_entry {
  const lr_policy *ast;
  acc tmpl;              /* acc_init'd and the constant fields applied */
  const char *label;     /* @id value, or NULL */
  const uint32_t *dyn;   /* indices of the fields computed per request */
  size_t ndyn;           /* (the limit's `key` excluded) */
  const lr_expr *key;    /* the limit's `key`, or NULL */
  bool final;            /* no field (but a limit's `key`) computed per
                            request: tmpl is finished and validated, a
                            limit's rule identity made (for its own name) */
} prep_entry;

struct lr_obligation_prep {
  lr_arena *a;
  lr_map by_ast; /* &entry->ast bytes → prep_entry */
};

static bool is_const(const lr_expr *e);

/* The table's hash of a policy's address (a multiply: no bytes to mix). */
static uint64_t ast_hash(const lr_policy *p) {
  uint64_t h = (uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ULL;
  return h ^ (h >> 29);
}

static const prep_entry *prep_find(const lr_obligation_prep *prep, const lr_policy *p) {
  return prep ? lr_map_get_h(&prep->by_ast, (lr_str){(const char *)&p, sizeof p}, ast_hash(p))
              : NULL;
}

/* Is field i of the limit/mask record w the limit's `key`? */
static bool is_key_field(lr_effect eff, const lr_expr *w, size_t i) {
  return eff == LR_EFFECT_LIMIT && lr_str_eq_c(w->u.record.keys[i], "key");
}

/* Evaluates one guard's record into c. Returns NULL or an error message. */
static const char *eval_one(const lr_eval_env *env, const lr_obligation_prep *prep,
                            const lr_policy_inst *inst, lr_str client_ip, lr_buf *scratch,
                            acc *c) {
  lr_arena *a = env->arena;
  const prep_entry *pe = prep_find(prep, inst->ast);
  const lr_expr *w = inst->ast->with;
  size_t nfields = w && w->kind == LR_EXPR_RECORD ? w->u.record.n : 0;
  if (pe) { /* the template, under this instance's id (linked templates) */
    *c = pe->tmpl;
    const char *id = inst->id ? inst->id : inst->ast->id;
    c->m.policy = c->l.policy = id;
    c->m.name = c->l.name = pe->label ? pe->label : id;
    nfields = pe->ndyn;
  } else {
    acc_init(c, inst);
    if (!w || w->kind != LR_EXPR_RECORD) return fail(a, c, NULL, "expected a record");
  }
  lr_eval_env e = *env;
  e.inst = inst;
  const lr_expr *key_expr = pe ? pe->key : NULL;
  for (size_t k = 0; k < nfields; k++) {
    size_t i = pe ? pe->dyn[k] : k;
    lr_str key = w->u.record.keys[i];
    if (!pe && is_key_field(c->effect, w, i)) {
      key_expr = w->u.record.values[i]; /* evaluated once `per` is known */
      continue;
    }
    lr_value v;
    lr_eval_error er;
    if (lr_eval_expr(&e, w->u.record.values[i], &v, &er) != LR_OK)
      return fail(a, c, lr_arena_strndup(a, key.p, key.n), er.msg ? er.msg : "evaluation error");
    const char *msg = apply_field(c, key, v);
    if (msg) return fail(a, c, lr_arena_strndup(a, key.p, key.n), msg);
  }
  if (!pe || !pe->final) {
    const char *msg = finish(c, false);
    if (msg) return fail(a, c, NULL, msg);
  }
  if (c->effect == LR_EFFECT_MASK) return NULL;
  /* the prepared rule identity, unless a linked template's id renames it */
  if (!pe || !pe->final || (c->l.name != pe->tmpl.l.name && strcmp(c->l.name, pe->tmpl.l.name)))
    rule_identity(a, &c->l);
  if (c->l.per_session)
    e.req = session_request(a, env->req, lr_obligation_lineage(a, env->req->principal, client_ip));
  lr_value kv;
  if (key_expr) {
    lr_eval_error er;
    if (lr_eval_expr(&e, key_expr, &kv, &er) != LR_OK)
      return fail(a, c, "key", er.msg ? er.msg : "evaluation error");
  } else {
    kv = lr_value_entity(e.req->principal);
  }
  c->l.key = key_text(a, kv, scratch);
  return NULL;
}

lr_status lr_obligations_eval(const lr_obligation_prep *prep, const lr_eval_env *env,
                              const lr_decision *d, lr_str client_ip, lr_obligations *out,
                              const char **err) {
  memset(out, 0, sizeof *out);
  lr_arena *a = env->arena;
  if (d->nguard_errors) {
    const lr_auth_error *ge = &d->guard_errors[0];
    *err = lr_arena_sprintf(a, "%s: guardrail condition failed: %s", ge->policy_id,
                            ge->message ? ge->message : "error");
    return LR_ERR;
  }
  size_t nm = 0, nl = 0;
  for (size_t i = 0; i < d->nguards; i++) {
    if (d->guards[i]->ast->effect == LR_EFFECT_MASK) nm++;
    if (d->guards[i]->ast->effect == LR_EFFECT_LIMIT) nl++;
  }
  lr_mask_obligation *ms = nm ? LR_NEW_N(a, lr_mask_obligation, nm) : NULL;
  lr_limit_obligation *ls = nl ? LR_NEW_N(a, lr_limit_obligation, nl) : NULL;
  size_t km = 0, kl = 0;
  lr_buf scratch = {0}; /* the limits' key texts */
  for (size_t i = 0; i < d->nguards; i++) {
    const lr_policy_inst *inst = d->guards[i];
    if (inst->ast->effect != LR_EFFECT_MASK && inst->ast->effect != LR_EFFECT_LIMIT) continue;
    acc c;
    const char *msg = eval_one(env, prep, inst, client_ip, &scratch, &c);
    if (msg) {
      lr_buf_free(&scratch);
      *err = msg;
      return LR_ERR;
    }
    if (c.effect == LR_EFFECT_MASK)
      ms[km++] = c.m;
    else
      ls[kl++] = c.l;
  }
  lr_buf_free(&scratch);
  *out = (lr_obligations){ms, km, ls, kl};
  return LR_OK;
}

static int style_rank(int s) {
  switch (s) {
  case LR_PII_STYLE_LABEL: return 3;
  case LR_PII_STYLE_HASH: return 2;
  case LR_PII_STYLE_PARTIAL: return 1;
  default: return 0;
  }
}

uint32_t lr_obligations_mask_styles(const lr_obligations *o, unsigned on, int *styles) {
  for (int t = 0; t < LR_PII__COUNT; t++) styles[t] = LR_PII_STYLE_NONE;
  uint32_t all = 0;
  for (size_t i = 0; i < o->nmasks; i++) {
    const lr_mask_obligation *m = &o->masks[i];
    if (!(m->on & on)) continue;
    all |= m->types;
    for (int t = 0; t < LR_PII__COUNT; t++)
      if ((m->types & LR_PII_BIT(t)) && style_rank(m->style) > style_rank(styles[t]))
        styles[t] = m->style;
  }
  return all;
}

/* ---- load-time checks ------------------------------------------------------ */

/* True when e reads nothing from the request (no variable, no slot). */
static bool is_const(const lr_expr *e) {
  switch (e->kind) {
  case LR_EXPR_BOOL:
  case LR_EXPR_LONG:
  case LR_EXPR_STRING:
  case LR_EXPR_ENTITY: return true;
  case LR_EXPR_VAR:
  case LR_EXPR_SLOT: return false;
  case LR_EXPR_NOT:
  case LR_EXPR_NEG: return is_const(e->u.unary.arg);
  case LR_EXPR_BINARY:
    /* `in` and ancestors depend on the entity store: not constant. */
    return e->u.bin.op != LR_OP_IN && is_const(e->u.bin.lhs) && is_const(e->u.bin.rhs);
  case LR_EXPR_IF:
    return is_const(e->u.ite.cond) && is_const(e->u.ite.then_expr) && is_const(e->u.ite.else_expr);
  case LR_EXPR_CALL:
    for (size_t i = 0; i < e->u.call.nargs; i++)
      if (!is_const(e->u.call.args[i])) return false;
    return true;
  case LR_EXPR_SET:
    for (size_t i = 0; i < e->u.set.n; i++)
      if (!is_const(e->u.set.items[i])) return false;
    return true;
  case LR_EXPR_RECORD:
    for (size_t i = 0; i < e->u.record.n; i++)
      if (!is_const(e->u.record.values[i])) return false;
    return true;
  default: return false; /* has, like, is, attr, method: keep it simple */
  }
}

static void check_policy(lr_arena *a, const lr_source *src, const lr_policy *p, lr_diags *diags) {
  const lr_expr *w = p->with;
  if (!w || w->kind != LR_EXPR_RECORD) return;
  lr_policy_inst inst = {p->id, p, NULL, NULL};
  acc c;
  acc_init(&c, &inst);
  const lr_uid *u = lr_uid_new(a, LR_STR("Check"), LR_STR("check"));
  lr_request req = {u, u, u, lr_value_empty_record()};
  lr_eval_env env = {NULL, &req, &inst, a};
  bool partial = false;
  for (size_t i = 0; i < w->u.record.n; i++) {
    const lr_expr *ve = w->u.record.values[i];
    lr_str key = w->u.record.keys[i];
    lr_value v;
    lr_eval_error er;
    const char *msg = NULL;
    if (c.effect == LR_EFFECT_LIMIT && lr_str_eq_c(key, "key")) continue; /* any value */
    if (!is_const(ve)) {
      partial = true;
      /* An unknown field name is wrong whatever its value. */
      msg = apply_field(&c, key, lr_value_empty_record());
      if (msg && strncmp(msg, "unknown field", 13) != 0) msg = NULL;
      c.skip_rate = true;
    } else if (lr_eval_expr(&env, ve, &v, &er) != LR_OK) {
      msg = er.msg ? er.msg : "evaluation error";
    } else {
      msg = apply_field(&c, key, v);
    }
    if (msg)
      lr_diag_error(diags, "G0001", src, ve->off, ve->end, "%s: with.%.*s: %s", p->id, (int)key.n,
                    key.p, msg);
  }
  const char *msg = finish(&c, partial);
  if (msg) lr_diag_error(diags, "G0001", src, w->off, w->end, "%s: with: %s", p->id, msg);
}

lr_status lr_obligation_check_policies(const lr_policy *const *ps, size_t n, const lr_source *src,
                                       lr_diags *diags) {
  size_t before = diags->errors;
  lr_arena *a = lr_arena_new(0);
  for (size_t i = 0; i < n; i++)
    if (ps[i]->effect == LR_EFFECT_MASK || ps[i]->effect == LR_EFFECT_LIMIT)
      check_policy(a, src, ps[i], diags);
  lr_arena_free(a);
  return diags->errors > before ? LR_ERR : LR_OK;
}

lr_status lr_obligation_check(const lr_policy_list *list, lr_diags *diags) {
  return lr_obligation_check_policies((const lr_policy *const *)list->items, list->n, list->src,
                                      diags);
}

/* ---- prepared at load ------------------------------------------------------ */

/* The entry of mask/limit policy p, or NULL when its record is not a
 * record or a constant field does not evaluate or validate (such a policy
 * keeps the full per-request path and its error). */
static prep_entry *prepare_one(lr_arena *a, const lr_policy *p) {
  const lr_expr *w = p->with;
  if (!w || w->kind != LR_EXPR_RECORD) return NULL;
  prep_entry *pe = LR_NEW(a, prep_entry);
  pe->ast = p;
  lr_policy_inst inst = {p->id, p, NULL, NULL};
  acc_init(&pe->tmpl, &inst);
  const lr_annotation *an = lr_policy_annotation(p, "id");
  pe->label = an && an->has_value ? an->value.p : NULL;
  uint32_t *dyn = LR_NEW_N(a, uint32_t, w->u.record.n + 1);
  const lr_uid *u = lr_uid_new(a, LR_STR("Check"), LR_STR("check"));
  lr_request req = {u, u, u, lr_value_empty_record()};
  lr_eval_env env = {NULL, &req, &inst, a};
  for (size_t i = 0; i < w->u.record.n; i++) {
    const lr_expr *ve = w->u.record.values[i];
    if (is_key_field(p->effect, w, i)) {
      pe->key = ve;
    } else if (!is_const(ve)) {
      dyn[pe->ndyn++] = (uint32_t)i;
    } else {
      lr_value v;
      lr_eval_error er;
      if (lr_eval_expr(&env, ve, &v, &er) != LR_OK ||
          apply_field(&pe->tmpl, w->u.record.keys[i], v) != NULL)
        return NULL;
    }
  }
  pe->dyn = dyn;
  if (pe->ndyn == 0) { /* nothing but a limit's key left for requests */
    acc t = pe->tmpl;
    if (finish(&t, false) == NULL) {
      pe->tmpl = t;
      if (p->effect == LR_EFFECT_LIMIT) rule_identity(a, &pe->tmpl.l);
      pe->final = true;
    }
  }
  return pe;
}

lr_obligation_prep *lr_obligation_prepare(const lr_policy *const *ps, size_t n) {
  lr_obligation_prep *prep = lr_xcalloc(1, sizeof *prep);
  prep->a = lr_arena_new(0);
  for (size_t i = 0; i < n; i++) {
    if (ps[i]->effect != LR_EFFECT_MASK && ps[i]->effect != LR_EFFECT_LIMIT) continue;
    prep_entry *pe = prepare_one(prep->a, ps[i]);
    if (pe)
      lr_map_put_h(&prep->by_ast, (lr_str){(const char *)&pe->ast, sizeof pe->ast},
                   ast_hash(pe->ast), pe);
  }
  return prep;
}

size_t lr_obligation_prep_count(const lr_obligation_prep *prep) {
  return prep ? prep->by_ast.len : 0;
}

void lr_obligation_prep_free(lr_obligation_prep *prep) {
  if (!prep) return;
  lr_map_free(&prep->by_ast);
  lr_arena_free(prep->a);
  free(prep);
}
