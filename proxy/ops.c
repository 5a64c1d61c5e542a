/*
 * ops.c — the "log" stage and the decision metrics (see ops.h).
 *
 * on_done runs on the worker thread that served the request: it formats the
 * decision log line into that worker's scratch buffer and pushes it on that
 * worker's ring (never blocking), then counts. Counters by effect and the
 * evaluation latency histogram are per worker (single writer, relaxed
 * atomics, summed when /metrics is read). Counters by policy id and by tool
 * use one bounded table each, shared by the workers: a label is inserted
 * once with a compare-and-swap, then counted with an atomic add; when the
 * table is full (tool names come from clients) the rest count as "other",
 * so a flood of made-up names cannot grow memory or the /metrics page.
 */
#include "ops.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decide.h"
#include "declog.h"
#include "guard_stage.h"
#include "guard.h"
#include "worker.h"

#define LABELS_MAX 512 /* power of two */
#define LABEL_PROBES 32

typedef struct label_slot {
  char *name; /* set once (CAS), NUL-terminated */
  uint64_t count;
} label_slot;

typedef struct labels {
  label_slot slots[LABELS_MAX];
  uint64_t other;
} labels;

enum { EFFECT_ALLOW, EFFECT_DENY, EFFECT_NONE, EFFECTS };
static const char *const effect_names[EFFECTS] = {"allow", "deny", "none"};

#define EVAL_BUCKETS 12
static const double eval_bounds[EVAL_BUCKETS] = {1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5,
                                                 1e-4, 2.5e-4, 5e-4, 1e-3, 1e-2,   1e-1};

typedef struct worker_ops {
  _Alignas(64) uint64_t effects[EFFECTS];
  uint64_t eval_buckets[EVAL_BUCKETS + 1];
  uint64_t eval_sum_ns;
  lr_buf line; /* scratch for formatting */
} worker_ops;

struct lr_ops {
  const lr_serve_config *cfg;
  lr_decide_ctx *dctx;
  lr_server *srv;
  lr_declog *log;
  worker_ops *w;
  int nw;
  labels *by_policy; /* determining policies of decisions, label "<@id or policyN>" */
  labels *denied_tools;
};

static void labels_add(labels *t, lr_str name) {
  uint64_t h = lr_hash(name.p, name.n, 0x9e3779b97f4a7c15ull);
  for (size_t i = 0; i < LABEL_PROBES; i++) {
    label_slot *s = &t->slots[(h + i) & (LABELS_MAX - 1)];
    char *cur = __atomic_load_n(&s->name, __ATOMIC_ACQUIRE);
    if (!cur) {
      char *mine = lr_xmalloc(name.n + 1);
      memcpy(mine, name.p, name.n);
      mine[name.n] = 0;
      if (__atomic_compare_exchange_n(&s->name, &cur, mine, false, __ATOMIC_ACQ_REL,
                                      __ATOMIC_ACQUIRE))
        cur = mine;
      else
        free(mine);
    }
    if (strlen(cur) == name.n && memcmp(cur, name.p, name.n) == 0) {
      __atomic_add_fetch(&s->count, 1, __ATOMIC_RELAXED);
      return;
    }
  }
  __atomic_add_fetch(&t->other, 1, __ATOMIC_RELAXED);
}

static void labels_free(labels *t) {
  if (!t) return;
  for (size_t i = 0; i < LABELS_MAX; i++) free(t->slots[i].name);
  free(t);
}

/* Prometheus label value: \ " and newline escaped. */
static void put_label(lr_buf *out, const char *s) {
  for (; *s; s++) {
    if (*s == '\\' || *s == '"')
      lr_buf_printf(out, "\\%c", *s);
    else if (*s == '\n')
      lr_buf_puts(out, "\\n");
    else
      lr_buf_append(out, s, 1);
  }
}

static void labels_print(lr_buf *out, const labels *t, const char *metric, const char *label) {
  for (size_t i = 0; i < LABELS_MAX; i++) {
    const label_slot *s = &t->slots[i];
    const char *name = __atomic_load_n(&s->name, __ATOMIC_ACQUIRE);
    if (!name) continue;
    lr_buf_printf(out, "%s{%s=\"", metric, label);
    put_label(out, name);
    lr_buf_printf(out, "\"} %llu\n",
                  (unsigned long long)__atomic_load_n(&s->count, __ATOMIC_RELAXED));
  }
  uint64_t other = __atomic_load_n(&t->other, __ATOMIC_RELAXED);
  if (other)
    lr_buf_printf(out, "%s{%s=\"other\"} %llu\n", metric, label, (unsigned long long)other);
}

/* The call a line speaks for: the first refused one, else the first. */
static const lr_call *main_call(const lr_call_outcome *oc) {
  for (size_t i = 0; i < oc->ncalls; i++)
    if (oc->calls[i].map_error || (oc->calls[i].decided && !oc->calls[i].allow))
      return &oc->calls[i];
  return oc->ncalls ? &oc->calls[0] : NULL;
}

static lr_str str_or_empty(const char *s) { return s ? lr_str_c(s) : (lr_str){0}; }

static lr_declog_policy *policies_of(lr_arena *a, const lr_call_policy *ps, size_t n) {
  lr_declog_policy *out = LR_NEW_N(a, lr_declog_policy, n + 1);
  for (size_t i = 0; i < n; i++)
    out[i] = (lr_declog_policy){str_or_empty(ps[i].id), str_or_empty(ps[i].label), {0}};
  return out;
}

static const char *cause_of(const lr_call_outcome *oc, const lr_call *c) {
  switch (oc->answer) {
  case LR_ANSWER_NONE: return NULL;
  case LR_ANSWER_FORWARD: return oc->shadow ? "shadow" : "policy";
  case LR_ANSWER_UNAUTHENTICATED: return "identity";
  case LR_ANSWER_BAD_REQUEST: return "bad_request";
  case LR_ANSWER_SESSION_REFUSED: return "session";
  case LR_ANSWER_INTERNAL: return oc->guard && oc->guard->error ? "guard_error" : "internal";
  case LR_ANSWER_LIMITED: return "rate_limit";
  default: return c && c->map_error ? "bad_request" : c && c->forbid_errored ? "error" : "policy";
  }
}

/* Appends v as JSON (sets as arrays, entities as "Type::\"id\"" strings,
 * extension values as their Cedar text). */
static void put_value(lr_buf *out, lr_value v, int depth) {
  if (depth > 16) {
    lr_buf_puts(out, "null");
    return;
  }
  switch ((lr_vkind)v.kind) {
  case LR_V_BOOL: lr_buf_puts(out, v.u.b ? "true" : "false"); return;
  case LR_V_LONG: lr_buf_printf(out, "%lld", (long long)v.u.i); return;
  case LR_V_STRING: lr_buf_json_str(out, v.u.s, v.n); return;
  case LR_V_SET:
    lr_buf_puts(out, "[");
    for (uint32_t i = 0; i < v.n; i++) {
      if (i) lr_buf_puts(out, ",");
      put_value(out, v.u.items[i], depth + 1);
    }
    lr_buf_puts(out, "]");
    return;
  case LR_V_RECORD:
    lr_buf_puts(out, "{");
    for (uint32_t i = 0; i < v.n; i++) {
      if (i) lr_buf_puts(out, ",");
      lr_buf_json_str(out, v.u.fields[i].key.p, v.u.fields[i].key.n);
      lr_buf_puts(out, ":");
      put_value(out, v.u.fields[i].value, depth + 1);
    }
    lr_buf_puts(out, "}");
    return;
  default: {
    lr_buf text = {0};
    lr_value_print(v, &text);
    lr_buf_json_str(out, text.p ? text.p : "", text.len);
    lr_buf_free(&text);
  }
  }
}

/* Argument logging, only when a determining policy asks with @log_args
 * (all of context.args) or @log_args("a,b") (those names): the values as
 * Cedar saw them. Withheld whole when a detector found anything in the
 * request, so a secret or PII never reaches the log this way either. */
static lr_str args_json(lr_arena *a, const lr_proxy_request *req, const lr_call_outcome *oc,
                        const lr_call *c) {
  const lr_annotation *ask = NULL;
  for (size_t i = 0; i < c->npolicies && !ask; i++) {
    const lr_policy_meta *m = oc->engine ? lr_engine_meta(oc->engine, c->policies[i].id) : NULL;
    if (m) ask = lr_policy_annotation(oc->engine->set.insts[m - oc->engine->meta].ast, "log_args");
  }
  if (!ask || c->req.context.kind != LR_V_RECORD) return (lr_str){0};
  /* The stages scan the body only when a policy reads context.pii: scan it
   * here when they did not, before any value is logged. */
  lr_pii_set found = oc->pii_found;
  if (!found && req->body_buffered && !(oc->engine && oc->engine->uses_pii)) {
    lr_pii_spans sp = {0};
    lr_pii_scan_json(req->body.p, req->body.n, LR_PII_DEFAULT, &sp);
    found = sp.found;
    lr_pii_spans_free(&sp);
  }
  if (found) return LR_STR("{\"withheld\":\"a detector matched this request\"}");
  const lr_value *args = lr_value_record_get(c->req.context, LR_STR("args"));
  if (!args || args->kind != LR_V_RECORD) return LR_STR("{}");
  lr_buf out = {0};
  lr_buf_puts(&out, "{");
  size_t n = 0;
  for (uint32_t i = 0; i < args->n; i++) {
    lr_str key = args->u.fields[i].key;
    if (ask->value.n) { /* a comma-separated list of names */
      bool listed = false;
      for (size_t k = 0, start = 0; k <= ask->value.n && !listed; k++)
        if (k == ask->value.n || ask->value.p[k] == ',') {
          lr_str name = lr_str_make(ask->value.p + start, k - start);
          while (name.n && name.p[0] == ' ') name.p++, name.n--;
          while (name.n && name.p[name.n - 1] == ' ') name.n--;
          listed = lr_str_eq(name, key);
          start = k + 1;
        }
      if (!listed) continue;
    }
    if (n++) lr_buf_puts(&out, ",");
    lr_buf_json_str(&out, key.p, key.n);
    lr_buf_puts(&out, ":");
    put_value(&out, args->u.fields[i].value, 0);
  }
  lr_buf_puts(&out, "}");
  lr_str r = lr_str_dup(a, lr_buf_str(&out));
  lr_buf_free(&out);
  return r;
}

/* Masked counts (request and response together) and limit checks from the
 * guard stages' outcome: names and numbers only, never a value. */
static void fill_guard(lr_arena *a, const lr_guard_outcome *go, lr_declog_entry *e) {
  lr_declog_count *masked = LR_NEW_N(a, lr_declog_count, LR_PII__COUNT + 1);
  size_t nm = 0;
  for (int t = 0; t < LR_PII__COUNT; t++) {
    uint32_t n = go->masked_request.n[t] + go->masked_response.n[t];
    if (n) masked[nm++] = (lr_declog_count){lr_str_c(lr_pii_type_name((lr_pii_type)t)), n};
  }
  e->masked = masked, e->nmasked = nm;
  lr_declog_limit *lims = LR_NEW_N(a, lr_declog_limit, go->nlimits + 1);
  for (size_t i = 0; i < go->nlimits; i++) {
    const lr_limit_event *ev = &go->limits[i];
    bool labelled = ev->name && ev->policy && strcmp(ev->name, ev->policy) != 0;
    lims[i] = (lr_declog_limit){.policy = str_or_empty(ev->policy),
                                .id = labelled ? lr_str_c(ev->name) : (lr_str){0},
                                .allowed = ev->allowed,
                                .shadow = ev->shadow,
                                .remaining = ev->remaining,
                                .retry_after_ms = ev->allowed ? 0 : ev->retry_after_ms,
                                .source = str_or_empty(ev->source)};
  }
  e->limits = lims, e->nlimits = go->nlimits;
  if (go->refused_by) e->limited_by = str_or_empty(go->refused_by->name);
  e->guard_error = str_or_empty(go->error);
}

/* What the exchange decided, from the outcome the decide stages left on
 * req (decide.h); without one (no policies configured) it is "none". */
static void fill_entry(const lr_proxy_request *req, int status, int64_t ns, lr_declog_entry *e) {
  *e = (lr_declog_entry){.wall_ms = req->wall_ms,
                         .request_id = req->request_id,
                         .route = req->route_name,
                         .method = req->head ? req->head->method_name : (lr_str){0},
                         .decision = LR_STR("none"),
                         .status = status,
                         .latency_us = ns / 1000,
                         .eval_ns = -1};
  const lr_call_outcome *oc = req->outcome;
  if (!oc) return;
  const lr_call *c = main_call(oc);
  e->principal = str_or_empty(oc->principal);
  if (oc->answer != LR_ANSWER_NONE)
    e->decision = oc->answer == LR_ANSWER_FORWARD ? LR_STR("allow") : LR_STR("deny");
  e->cause = str_or_empty(cause_of(oc, c));
  if (oc->t_decide_ns > 0) e->eval_ns = oc->t_decide_ns;
  if (!c) return;
  e->action = str_or_empty(c->action);
  e->resource = str_or_empty(c->resource);
  if (c->method.n) e->method = c->method;
  lr_declog_policy *ps = policies_of(req->arena, c->policies, c->npolicies);
  if (c->shadowed) {
    e->shadow = LR_STR("deny");
    e->shadow_reasons = ps, e->nshadow_reasons = c->npolicies;
  } else {
    e->reasons = ps, e->nreasons = c->npolicies;
  }
}

/* The parts only the log line shows (the metrics need fill_entry's):
 * detector types, guard outcome, erroring policies, @log_args arguments. */
static void fill_line(const lr_proxy_request *req, lr_declog_entry *e) {
  const lr_call_outcome *oc = req->outcome;
  if (!oc) return;
  lr_arena *a = req->arena;
  size_t npii = 0;
  lr_str *pii = LR_NEW_N(a, lr_str, LR_PII__COUNT + 1);
  for (int t = 0; t < LR_PII__COUNT; t++)
    if (oc->pii_found & LR_PII_BIT(t)) pii[npii++] = lr_str_c(lr_pii_type_name((lr_pii_type)t));
  e->pii = pii, e->npii = npii;
  if (oc->guard) fill_guard(a, oc->guard, e);
  const lr_call *c = main_call(oc);
  if (!c) return;
  lr_declog_policy *errs = LR_NEW_N(a, lr_declog_policy, c->decision.nerrors + 1);
  for (size_t i = 0; i < c->decision.nerrors; i++) {
    const lr_auth_error *er = &c->decision.errors[i];
    const lr_policy_meta *m = oc->engine ? lr_engine_meta(oc->engine, er->policy_id) : NULL;
    errs[i] = (lr_declog_policy){str_or_empty(er->policy_id), str_or_empty(m ? m->label : NULL),
                                 str_or_empty(er->message)};
  }
  e->errors = errs, e->nerrors = c->decision.nerrors;
  e->args_json = args_json(a, req, oc, c);
}

static void count_entry(lr_ops *o, worker_ops *w, const lr_declog_entry *e) {
  int eff = lr_str_eq_c(e->decision, "allow")  ? EFFECT_ALLOW
            : lr_str_eq_c(e->decision, "deny") ? EFFECT_DENY
                                               : EFFECT_NONE;
  LR_METRIC_ADD(w->effects[eff], 1);
  for (size_t i = 0; i < e->nreasons; i++)
    labels_add(o->by_policy, e->reasons[i].id.n ? e->reasons[i].id : e->reasons[i].policy);
  if (eff == EFFECT_DENY && lr_str_starts_with(e->resource, LR_STR("Tool::\"")))
    labels_add(o->denied_tools, lr_str_make(e->resource.p + 7, e->resource.n - 8));
  if (e->eval_ns >= 0) {
    double sec = (double)e->eval_ns / 1e9;
    size_t b = 0;
    while (b < EVAL_BUCKETS && sec > eval_bounds[b]) b++;
    LR_METRIC_ADD(w->eval_buckets[b], 1);
    LR_METRIC_ADD(w->eval_sum_ns, (uint64_t)e->eval_ns);
  }
}

static void on_done(void *ctx, lr_proxy_request *req, int status, int64_t ns) {
  lr_ops *o = ctx;
  if (!o->w || req->worker >= (unsigned)o->nw) return; /* not started */
  worker_ops *w = &o->w[req->worker];
  lr_declog_entry e;
  fill_entry(req, status, ns, &e);
  count_entry(o, w, &e);
  if (!o->log) return;
  fill_line(req, &e);
  lr_buf_clear(&w->line);
  lr_declog_format(&w->line, &e);
  lr_declog_push(o->log, req->worker, w->line.p, w->line.len);
  if (w->line.cap > 64 * 1024) lr_buf_free(&w->line);
}

lr_ops *lr_ops_new(const lr_serve_config *cfg, lr_pipeline *pl, lr_decide_ctx *dctx, lr_buf *err) {
  lr_ops *o = lr_xcalloc(1, sizeof *o);
  o->cfg = cfg;
  o->dctx = dctx;
  o->by_policy = lr_xcalloc(1, sizeof *o->by_policy);
  o->denied_tools = lr_xcalloc(1, sizeof *o->denied_tools);
  if (lr_pipeline_add(pl, (lr_stage){.name = "log", .on_done = on_done, .ctx = o}) != LR_OK) {
    lr_buf_puts(err, "too many pipeline stages");
    lr_ops_free(o);
    return NULL;
  }
  return o;
}

lr_status lr_ops_start(lr_ops *o, lr_server *s, lr_buf *err) {
  int n = lr_server_workers(s);
  if (o->cfg->decision_log) {
    o->log = lr_declog_open(o->cfg->decision_log, n, LR_DECLOG_RING_DEFAULT, err);
    if (!o->log) return LR_ERR;
  }
  o->srv = s;
  s->ops = o;
  o->w = lr_xcalloc((size_t)n, sizeof *o->w);
  __atomic_store_n(&o->nw, n, __ATOMIC_RELEASE);
  return LR_OK;
}

void lr_ops_free(lr_ops *o) {
  if (!o) return;
  lr_declog_close(o->log, 2000);
  for (int i = 0; i < o->nw; i++) lr_buf_free(&o->w[i].line);
  free(o->w);
  labels_free(o->by_policy);
  labels_free(o->denied_tools);
  free(o);
}

/* Sums over every worker the counter at byte offset off of worker_ops. */
static uint64_t wsum(const lr_ops *o, size_t off) {
  uint64_t t = 0;
  for (int i = 0; i < o->nw; i++) t += LR_METRIC_GET(*(uint64_t *)((char *)&o->w[i] + off));
  return t;
}
#define WSUM(o, field) wsum((o), offsetof(worker_ops, field))

void lr_ops_metrics(const lr_ops *o, lr_buf *out) {
  if (!o || !o->w) return;
  lr_buf_puts(out, "# HELP larch_decisions_total Requests by decision (none: refused or passed "
                   "before any policy was evaluated).\n# TYPE larch_decisions_total counter\n");
  for (int e = 0; e < EFFECTS; e++)
    lr_buf_printf(out, "larch_decisions_total{decision=\"%s\"} %llu\n", effect_names[e],
                  (unsigned long long)WSUM(o, effects[e]));
  lr_buf_puts(out, "# HELP larch_decision_policy_total Decisions a policy determined, by @id "
                   "(or policyN).\n# TYPE larch_decision_policy_total counter\n");
  labels_print(out, o->by_policy, "larch_decision_policy_total", "policy");
  lr_buf_puts(out, "# HELP larch_denied_tool_total Denied MCP tool calls, by tool.\n"
                   "# TYPE larch_denied_tool_total counter\n");
  labels_print(out, o->denied_tools, "larch_denied_tool_total", "tool");
  lr_buf_puts(out, "# HELP larch_eval_duration_seconds Policy evaluation time per request.\n"
                   "# TYPE larch_eval_duration_seconds histogram\n");
  uint64_t counts[EVAL_BUCKETS + 1];
  for (int b = 0; b <= EVAL_BUCKETS; b++) counts[b] = WSUM(o, eval_buckets[b]);
  lr_metrics_histogram(out, "larch_eval_duration_seconds", eval_bounds, EVAL_BUCKETS, counts,
                       (double)WSUM(o, eval_sum_ns) / 1e9);
  lr_buf_printf(out,
                "# HELP larch_decision_log_lines_total Decision log lines written.\n"
                "# TYPE larch_decision_log_lines_total counter\n"
                "larch_decision_log_lines_total %llu\n"
                "# HELP larch_decision_log_dropped_total Decision log lines dropped (ring "
                "full: slow or stuck output; write errors).\n"
                "# TYPE larch_decision_log_dropped_total counter\n"
                "larch_decision_log_dropped_total %llu\n",
                (unsigned long long)(o->log ? lr_declog_written(o->log) : 0),
                (unsigned long long)(o->log ? lr_declog_dropped(o->log) : 0));
  lr_jwks_slot *jwks =
      o->dctx && o->dctx->identity ? lr_identity_set_jwks(o->dctx->identity) : NULL;
  lr_buf_printf(out,
                "# HELP larch_jwks_refreshes_total JWK set replacements (reload or --jwks-url "
                "refresh).\n# TYPE larch_jwks_refreshes_total counter\n"
                "larch_jwks_refreshes_total %llu\n",
                (unsigned long long)(jwks ? lr_jwks_slot_generation(jwks) : 0));
}

void lr_ops_reopen_log(lr_ops *o) {
  if (o) lr_declog_reopen(o->log);
}

void lr_ops_policies(const lr_ops *o, lr_buf *out) {
  if (!o || !o->dctx || !o->dctx->engines) {
    lr_buf_puts(out, "[]");
    return;
  }
  static const char *const effects[] = {"permit", "forbid", "mask", "limit"};
  lr_engine *e = lr_engine_acquire(o->dctx->engines);
  lr_buf_puts(out, "[");
  for (size_t i = 0; i < e->set.ninsts; i++) {
    const lr_policy_meta *m = &e->meta[i];
    lr_buf_puts(out, i ? ",{\"policy\":" : "{\"policy\":");
    lr_buf_json_str(out, m->id, strlen(m->id));
    lr_buf_puts(out, ",\"id\":");
    if (m->label)
      lr_buf_json_str(out, m->label, strlen(m->label));
    else
      lr_buf_puts(out, "null");
    unsigned eff = (unsigned)e->set.insts[i].ast->effect;
    lr_buf_printf(out, ",\"effect\":\"%s\",\"shadow\":%s}", eff < 4 ? effects[eff] : "?",
                  m->shadow ? "true" : "false");
  }
  lr_buf_puts(out, "]");
  lr_engine_release(e);
}
