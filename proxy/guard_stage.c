/*
 * guard_stage.c — what the limit and mask stages share (guard_stage.h):
 * options, the table of rule limiters, per-worker Redis clients, the
 * per-request guard outcome (obligations evaluated once), refusals and
 * metrics.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "decide.h"
#include "guard_stage_int.h"
#include "serve.h"

/* ---- context ----------------------------------------------------------- */

lr_guard_ctx *lr_guard_ctx_new(const lr_guard_options *opt, lr_buf *err) {
  if (opt->redis_url) {
    lr_rlimit_url u;
    char *why = NULL;
    if (lr_rlimit_url_parse(opt->redis_url, &u, &why) != LR_OK) {
      lr_buf_printf(err, "--redis: %s", why ? why : "invalid URL");
      free(why);
      return NULL;
    }
    lr_rlimit_url_free(&u);
  }
  lr_guard_ctx *g = lr_xcalloc(1, sizeof *g);
  g->opt = *opt;
  g->opt.clock = opt->clock ? opt->clock : lr_clock_system();
  g->opt.redis_url = opt->redis_url ? lr_xstrdup(opt->redis_url) : NULL;
  if (opt->mask_keylen) {
    void *k = lr_xmalloc(opt->mask_keylen);
    memcpy(k, opt->mask_key, opt->mask_keylen);
    g->opt.mask_key = k;
  }
  pthread_rwlock_init(&g->lock, NULL);
  for (int i = 0; i < LR_GUARD_WORKERS_MAX; i++) pthread_mutex_init(&g->rl[i].mu, NULL);
  return g;
}

lr_guard_ctx *lr_guard_from_config(const lr_serve_config *cfg, const lr_clock *clock, lr_buf *err) {
  lr_guard_options o = {.redis_url = cfg->redis,
                        .redis_fail = LR_RLIMIT_FAIL_CLOSED,
                        .redis_deadline_ns = cfg->redis_timeout_ms * 1000000,
                        .clock = clock,
                        .workers = cfg->workers};
  const char *mode = cfg->redis_fail;
  if (mode && strcmp(mode, "open") == 0)
    o.redis_fail = LR_RLIMIT_FAIL_OPEN;
  else if (mode && strcmp(mode, "local") == 0)
    o.redis_fail = LR_RLIMIT_FAIL_LOCAL;
  else if (mode && strcmp(mode, "closed") != 0) {
    lr_buf_printf(err, "--redis-fail: expected closed, open or local, got '%s'", mode);
    return NULL;
  }
  uint8_t rnd[40];
  if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) memset(rnd, 0x5a, sizeof rnd);
  memcpy(&o.seed, rnd, sizeof o.seed);
  lr_buf key = {0};
  if (cfg->mask_key) {
    if (lr_buf_read_file(&key, cfg->mask_key) != LR_OK || key.len == 0) {
      lr_buf_printf(err, "--mask-key: cannot read a key from %s", cfg->mask_key);
      lr_buf_free(&key);
      return NULL;
    }
    o.mask_key = key.p, o.mask_keylen = key.len;
  } else {
    o.mask_key = rnd + 8, o.mask_keylen = 32;
  }
  lr_guard_ctx *g = lr_guard_ctx_new(&o, err);
  lr_buf_free(&key);
  return g;
}

void lr_guard_ctx_free(lr_guard_ctx *g) {
  if (!g) return;
  for (int i = 0; i < LR_GUARD_WORKERS_MAX; i++) {
    lr_rlimit_free(g->rl[i].client); /* normally gone at worker exit */
    lr_map_free(&g->rl[i].rules);
    pthread_mutex_destroy(&g->rl[i].mu);
  }
  for (size_t i = 0; i < g->nrules; i++) {
    lr_limit_free(g->rules[i]->lim);
    free(g->rules[i]->key);
    free(g->rules[i]);
  }
  free(g->rules);
  lr_map_free(&g->by_key);
  pthread_rwlock_destroy(&g->lock);
  free((char *)g->opt.redis_url);
  free((void *)g->opt.mask_key);
  free(g);
}

/* The shared table's rule (made on first use), under the lock. */
static guard_rule *rule_shared(lr_guard_ctx *g, const lr_limit_obligation *l) {
  lr_str k = l->rule;
  pthread_rwlock_rdlock(&g->lock);
  guard_rule *r = lr_map_get_h(&g->by_key, k, l->rule_hash);
  pthread_rwlock_unlock(&g->lock);
  if (r) return r;
  pthread_rwlock_wrlock(&g->lock);
  r = lr_map_get_h(&g->by_key, k, l->rule_hash);
  if (!r) {
    lr_limit_config cfg = {.name = l->name,
                           .max = l->max,
                           .per_ns = l->per_ns,
                           .burst = l->burst,
                           .max_bytes = g->opt.limit_max_bytes,
                           .seed = g->opt.seed};
    const char *why = NULL;
    lr_limit *lim = lr_limit_new(&cfg, g->opt.clock, &why);
    if (lim) {
      /* A policy whose rate changed (a reload): carry the keys' debts over
       * from its latest limiter, so a reload never resets a limit. */
      for (size_t i = g->nrules; i-- > 0;)
        if (strcmp(lr_limit_config_of(g->rules[i]->lim)->name, l->name) == 0) {
          lr_limit_transfer(lim, g->rules[i]->lim, lr_clock_mono_ns(g->opt.clock));
          break;
        }
      r = lr_xcalloc(1, sizeof *r);
      r->key = lr_xmalloc(k.n);
      memcpy(r->key, k.p, k.n);
      r->lim = lim;
      if (g->nrules == g->caprules) {
        g->caprules = g->caprules ? 2 * g->caprules : 16;
        g->rules = lr_xrealloc(g->rules, g->caprules * sizeof *g->rules);
      }
      g->rules[g->nrules++] = r;
      lr_map_put_h(&g->by_key, (lr_str){r->key, k.n}, l->rule_hash, r);
    }
  }
  pthread_rwlock_unlock(&g->lock);
  return r;
}

/* The limiter of (name, max, per, burst) — the obligation's rule identity:
 * one per distinct rate of a policy (a `max` computed from the request may
 * give several), made on first use and kept across reloads, so a reload
 * never resets a limit; a new rate of a known policy starts from the keys
 * of its latest limiter. */
guard_rule *guard_rule_get(lr_guard_ctx *g, unsigned worker, const lr_limit_obligation *l) {
  lr_map *cache = worker < LR_GUARD_WORKERS_MAX ? &g->rl[worker].rules : NULL;
  guard_rule *r = cache ? lr_map_get_h(cache, l->rule, l->rule_hash) : NULL;
  if (r) return r;
  r = rule_shared(g, l);
  /* rules live as long as g: the cache may keep them and their keys */
  if (r && cache) lr_map_put_h(cache, (lr_str){r->key, l->rule.n}, l->rule_hash, r);
  return r;
}

/* This worker's Redis client, made on first use on the worker's loop. */
lr_rlimit *guard_redis_client(lr_guard_ctx *g, const lr_proxy_request *req) {
  if (!g->opt.redis_url || !req->base || req->worker >= LR_GUARD_WORKERS_MAX) return NULL;
  guard_worker *w = &g->rl[req->worker];
  if (!w->client) {
    lr_rlimit_config cfg = {.url = g->opt.redis_url,
                            .fail = g->opt.redis_fail,
                            .deadline_ns = g->opt.redis_deadline_ns};
    char *why = NULL;
    w->client = lr_rlimit_new(req->base, &cfg, g->opt.clock, &why);
    free(why);
  }
  return w->client;
}

void guard_redis_snapshot(lr_guard_ctx *g, unsigned worker) {
  guard_worker *w = &g->rl[worker];
  lr_rlimit_stats s;
  lr_rlimit_get_stats(w->client, &s);
  pthread_mutex_lock(&w->mu);
  w->snap = s;
  w->has_snap = true;
  pthread_mutex_unlock(&w->mu);
}

void guard_worker_exit(void *ctx, unsigned worker) {
  lr_guard_ctx *g = ctx;
  if (worker >= LR_GUARD_WORKERS_MAX || !g->rl[worker].client) return;
  guard_redis_snapshot(g, worker);
  lr_rlimit_free(g->rl[worker].client);
  g->rl[worker].client = NULL;
}

/* ---- the per-request outcome ------------------------------------------- */

lr_guard_outcome *lr_guard_outcome_of(lr_guard_ctx *g, lr_proxy_request *req) {
  lr_call_outcome *o = req->outcome;
  if (!o || !o->allow || !o->ncalls) return NULL;
  if (o->guard) return o->guard;
  lr_guard_outcome *go = LR_NEW(req->arena, lr_guard_outcome);
  go->ncalls = o->ncalls;
  go->obl = LR_NEW_N(req->arena, lr_obligations, o->ncalls);
  for (size_t i = 0; i < o->ncalls && !go->error; i++) {
    lr_call *c = &o->calls[i];
    if (!c->decided || !c->allow || c->shadowed) continue;
    if (!c->decision.nguards && !c->decision.nguard_errors) continue;
    lr_eval_env env = {o->entities, &c->req, NULL, req->arena};
    const char *err = NULL;
    if (lr_obligations_eval(o->engine->obligations, &env, &c->decision, req->client_ip,
                            &go->obl[i], &err) != LR_OK) {
      go->error = err;
      go->error_call = i;
      __atomic_add_fetch(&g->errors, 1, __ATOMIC_RELAXED);
    }
  }
  o->guard = go;
  return go;
}

lr_guard_outcome *guard_begin(lr_guard_ctx *g, lr_proxy_request *req, lr_proxy_answer *ans,
                              lr_stage_verdict *v) {
  lr_guard_outcome *go = lr_guard_outcome_of(g, req);
  *v = LR_STAGE_CONTINUE;
  if (go && go->error) {
    lr_guard_refuse(req, go, ans);
    *v = LR_STAGE_ANSWER;
    return NULL;
  }
  return go;
}

/* ---- refusals ---------------------------------------------------------- */

#define LR_RPC_RATE_LIMITED (-31429) /* application codes: outside -32768..-32000 */
#define LR_RPC_GUARD_ERROR (-31500)

static void put_str(lr_buf *b, const char *s) { lr_buf_json_str(b, s, strlen(s)); }

/* The error object's data for the refusal. */
static void put_data(lr_buf *b, const lr_call_outcome *o, const lr_guard_outcome *go) {
  const lr_limit_event *ev = go->refused_by;
  lr_buf_puts(b, "{\"reason\": ");
  put_str(b, ev ? "rate limited" : "guardrail error");
  lr_buf_puts(b, ", \"policies\": [");
  if (ev) put_str(b, ev->name);
  lr_buf_puts(b, "]");
  if (ev) {
    lr_buf_puts(b, ", \"policy\": ");
    put_str(b, ev->name);
    lr_buf_printf(b, ", \"retry_after_ms\": %lld", (long long)ev->retry_after_ms);
  } else if (go->error) {
    lr_buf_puts(b, ", \"error\": ");
    put_str(b, go->error);
  }
  lr_buf_puts(b, ", \"decision_id\": ");
  lr_str id = o ? o->request_id : LR_STR("");
  lr_buf_json_str(b, id.p ? id.p : "", id.n);
  lr_buf_puts(b, "}");
}

static void put_rpc_error(lr_buf *b, const lr_call_outcome *o, const lr_guard_outcome *go,
                          lr_str id) {
  lr_buf_puts(b, "{\"jsonrpc\": \"2.0\", \"id\": ");
  if (id.n)
    lr_buf_append(b, id.p, id.n);
  else
    lr_buf_puts(b, "null");
  if (go->refused_by) {
    lr_buf_printf(b, ", \"error\": {\"code\": %d, \"message\": ", LR_RPC_RATE_LIMITED);
    lr_buf *m = &(lr_buf){0};
    lr_buf_printf(m, "rate limited by %s", go->refused_by->name);
    lr_buf_json_str(b, m->p, m->len);
    lr_buf_free(m);
  } else {
    lr_buf_printf(b, ", \"error\": {\"code\": %d, \"message\": \"guardrail error\"",
                  LR_RPC_GUARD_ERROR);
  }
  lr_buf_puts(b, ", \"data\": ");
  put_data(b, o, go);
  lr_buf_puts(b, "}}");
}

void lr_guard_refuse(lr_proxy_request *req, const lr_guard_outcome *go, lr_proxy_answer *ans) {
  lr_call_outcome *o = req->outcome;
  const lr_limit_event *ev = go->refused_by;
  lr_buf b = {0};
  memset(ans, 0, sizeof *ans);
  if (o && o->mcp) {
    size_t which = ev ? ev->call : go->error_call;
    ans->status = 200;
    if (o->batch) {
      lr_buf_puts(&b, "[");
      bool first = true;
      for (size_t i = 0; i < o->ncalls; i++) {
        if (o->calls[i].notification) continue;
        if (!first) lr_buf_puts(&b, ", ");
        first = false;
        put_rpc_error(&b, o, go, o->calls[i].rpc_id);
      }
      lr_buf_puts(&b, "]");
      if (first) ans->status = 202, lr_buf_clear(&b);
    } else if (which < o->ncalls && o->calls[which].notification) {
      ans->status = 202; /* a notification gets no answer; it is not forwarded */
    } else {
      put_rpc_error(&b, o, go, which < o->ncalls ? o->calls[which].rpc_id : LR_STR(""));
    }
  } else {
    ans->status = ev ? 429 : 500;
    lr_buf_puts(&b, "{\"error\": ");
    put_str(&b, ev ? "rate limited" : "guardrail error");
    lr_buf_puts(&b, ", \"data\": ");
    put_data(&b, o, go);
    lr_buf_puts(&b, "}");
  }
  if (ev) {
    lr_http_header *h = LR_NEW_N(req->arena, lr_http_header, 3);
    lr_limit_result res = {
        .remaining = 0, .retry_after_ns = ev->retry_after_ms * 1000000, .reset_ns = ev->reset_ns};
    lr_buf v = {0};
    lr_buf_printf(&v, "%lld", (long long)lr_limit_retry_after_s(&res));
    h[0] = (lr_http_header){LR_STR("Retry-After"), lr_str_dup(req->arena, lr_buf_str(&v))};
    lr_buf_clear(&v);
    lr_limit_format_policy(ev->rule, &v);
    h[1] = (lr_http_header){LR_STR("RateLimit-Policy"), lr_str_dup(req->arena, lr_buf_str(&v))};
    lr_buf_clear(&v);
    lr_limit_format_state(ev->rule, &res, &v);
    h[2] = (lr_http_header){LR_STR("RateLimit"), lr_str_dup(req->arena, lr_buf_str(&v))};
    lr_buf_free(&v);
    ans->headers = h;
    ans->nheaders = 3;
  }
  ans->body = lr_str_dup(req->arena, lr_buf_str(&b));
  lr_buf_free(&b);
  if (o) {
    o->allow = false;
    o->answer = ev ? LR_ANSWER_LIMITED : LR_ANSWER_INTERNAL;
  }
}

/* ---- metrics ------------------------------------------------------------ */

void lr_guard_metrics(lr_guard_ctx *g, lr_buf *out) {
  lr_buf_puts(out, "# HELP larch_guard_limit_total Limit checks of allowed requests, by policy "
                   "and result (shadow: refused but let through).\n"
                   "# TYPE larch_guard_limit_total counter\n");
  pthread_rwlock_rdlock(&g->lock);
  lr_limit **lims = lr_xcalloc(g->nrules + 1, sizeof *lims);
  for (size_t i = 0; i < g->nrules; i++) {
    guard_rule *r = g->rules[i];
    const char *name = lr_limit_config_of(r->lim)->name;
    static const char *const res[3] = {"allowed", "limited", "shadow"};
    uint64_t v[3] = {__atomic_load_n(&r->allowed, __ATOMIC_RELAXED),
                     __atomic_load_n(&r->limited, __ATOMIC_RELAXED),
                     __atomic_load_n(&r->shadow_limited, __ATOMIC_RELAXED)};
    for (int k = 0; k < 3; k++) {
      lr_buf_puts(out, "larch_guard_limit_total{policy=");
      lr_limit_prom_label(out, name);
      lr_buf_printf(out, ",rate=\"%u/%llds\",result=\"%s\"} %llu\n",
                    lr_limit_config_of(r->lim)->max,
                    (long long)(lr_limit_config_of(r->lim)->per_ns / 1000000000), res[k],
                    (unsigned long long)v[k]);
    }
    lims[i] = r->lim;
  }
  size_t n = g->nrules;
  pthread_rwlock_unlock(&g->lock);
  /* The in-process tables (the keys held; with Redis, the local fallback's). */
  lr_limit_metrics(lims, n, out);
  free(lims);
  lr_buf_puts(out, "# HELP larch_guard_masked_total Items masked, by direction and type.\n"
                   "# TYPE larch_guard_masked_total counter\n");
  for (int d = 0; d < 2; d++)
    for (int t = 0; t < LR_PII__COUNT; t++) {
      uint64_t v = __atomic_load_n(&g->masked[d][t], __ATOMIC_RELAXED);
      if (v)
        lr_buf_printf(out, "larch_guard_masked_total{direction=\"%s\",type=\"%s\"} %llu\n",
                      d ? "response" : "request", lr_pii_type_name((lr_pii_type)t),
                      (unsigned long long)v);
    }
  lr_buf_printf(out,
                "# HELP larch_guard_errors_total Requests refused because a mask/limit `with` "
                "record failed.\n# TYPE larch_guard_errors_total counter\n"
                "larch_guard_errors_total %llu\n",
                (unsigned long long)__atomic_load_n(&g->errors, __ATOMIC_RELAXED));
  if (g->opt.redis_url) {
    lr_rlimit_stats sum = {0};
    for (int i = 0; i < LR_GUARD_WORKERS_MAX; i++) {
      pthread_mutex_lock(&g->rl[i].mu);
      if (g->rl[i].has_snap) lr_rlimit_stats_add(&sum, &g->rl[i].snap);
      pthread_mutex_unlock(&g->rl[i].mu);
    }
    lr_rlimit_metrics(&sum, out);
  }
}

void guard_count_masked(lr_guard_ctx *g, int dir, const lr_pii_counts *c) {
  for (int t = 0; t < LR_PII__COUNT; t++)
    if (c->n[t]) __atomic_add_fetch(&g->masked[dir][t], c->n[t], __ATOMIC_RELAXED);
}
