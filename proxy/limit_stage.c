/*
 * limit_stage.c — the `limit` stage (guard_stage.h): consumes one unit of
 * every limit obligation of the allowed calls of a request, in process or
 * through Redis, and refuses the request by the first exhausted limit in
 * policy order.
 *
 * With Redis the checks of a request go out together (pipelined on the
 * worker's one connection) and the stage returns LR_STAGE_PENDING; a heap
 * "ticket" collects the replies. The ticket is shared by the replies and
 * the request arena's cleanup hook (the client may leave first): each
 * holds a reference, the last one frees it, and a reply never touches the
 * request once the hook has run. Answers known at once (Redis down,
 * overloaded) are taken synchronously.
 */
#include <stdlib.h>
#include <string.h>

#include "decide.h"
#include "guard_stage_int.h"

/* Fills the events of a request's limit obligations (rules looked up). */
static size_t collect(lr_guard_ctx *g, lr_proxy_request *req, lr_guard_outcome *go, lr_str **keys) {
  size_t n = 0;
  for (size_t i = 0; i < go->ncalls; i++) n += go->obl[i].nlimits;
  if (!n) return 0;
  go->limits = LR_NEW_N(req->arena, lr_limit_event, n);
  *keys = LR_NEW_N(req->arena, lr_str, n);
  size_t k = 0;
  for (size_t i = 0; i < go->ncalls; i++)
    for (size_t j = 0; j < go->obl[i].nlimits; j++) {
      const lr_limit_obligation *l = &go->obl[i].limits[j];
      guard_rule *r = guard_rule_get(g, req->worker, l);
      lr_limit_event *ev = &go->limits[k];
      ev->policy = l->policy;
      ev->name = l->name;
      ev->shadow = l->shadow;
      ev->call = i;
      ev->priv = r;
      ev->rule = r ? lr_limit_config_of(r->lim) : NULL;
      ev->allowed = false; /* until a limiter says otherwise */
      ev->source = r ? "pending" : "invalid";
      (*keys)[k] = l->key;
      k++;
    }
  go->nlimits = n;
  return n;
}

static void fill(lr_limit_event *ev, const lr_limit_result *res, const char *source) {
  ev->allowed = res->allowed;
  ev->remaining = res->remaining;
  ev->retry_after_ms = res->allowed ? 0
                       : res->retry_after_ns == INT64_MAX
                           ? INT64_MAX / 1000000
                           : (res->retry_after_ns + 999999) / 1000000;
  ev->reset_ns = res->reset_ns;
  ev->source = source;
}

/* Counts the results and picks the refusing limit. */
static lr_stage_verdict conclude(lr_proxy_request *req, lr_guard_outcome *go,
                                 lr_proxy_answer *ans) {
  for (size_t i = 0; i < go->nlimits; i++) {
    lr_limit_event *ev = &go->limits[i];
    guard_rule *r = ev->priv;
    if (r)
      __atomic_add_fetch(ev->allowed  ? &r->allowed
                         : ev->shadow ? &r->shadow_limited
                                      : &r->limited,
                         1, __ATOMIC_RELAXED);
    if (!ev->rule && !ev->shadow && !go->error) { /* no limiter: fail closed */
      go->error = lr_arena_sprintf(req->arena, "%s: the limiter could not be created", ev->policy);
      go->error_call = ev->call;
    }
    if (!ev->allowed && !ev->shadow && !go->refused_by && ev->rule) go->refused_by = ev;
  }
  if (!go->refused_by && !go->error) return LR_STAGE_CONTINUE;
  lr_guard_refuse(req, go, ans); /* the refusing limit, else the error */
  return LR_STAGE_ANSWER;
}

/* ---- Redis: a ticket per waiting request -------------------------------- */

typedef struct ticket ticket;
typedef struct slot {
  ticket *t;
  size_t idx;
} slot;

struct ticket {
  lr_guard_ctx *g;
  lr_proxy_request *req; /* NULL once the request ended */
  lr_guard_outcome *go;
  unsigned worker;
  size_t waiting; /* replies still due */
  size_t refs;    /* replies due + the arena hook */
  bool sending;   /* inside check_redis: a reply now must not resume yet */
  slot *slots;
};

static void ticket_unref(ticket *t) {
  if (--t->refs) return;
  free(t->slots);
  free(t);
}

static void on_request_end(void *arg) {
  ticket *t = arg;
  t->req = NULL;
  ticket_unref(t);
}

static void on_reply(void *arg, const lr_rlimit_result *res) {
  slot *s = arg;
  ticket *t = s->t;
  if (!t->req) { /* the request ended (or the client is being freed): nothing to do */
    ticket_unref(t);
    return;
  }
  fill(&t->go->limits[s->idx], &res->r, lr_rlimit_source_name(res->source));
  guard_redis_snapshot(t->g, t->worker);
  if (--t->waiting == 0 && t->req && !t->sending) {
    lr_proxy_answer ans = {0};
    lr_stage_verdict v = conclude(t->req, t->go, &ans);
    lr_pipeline_resume(t->req, v, &ans); /* may end the request (hook runs) */
  }
  ticket_unref(t);
}

static lr_stage_verdict check_redis(lr_guard_ctx *g, lr_rlimit *rl, lr_proxy_request *req,
                                    lr_guard_outcome *go, const lr_str *keys,
                                    lr_proxy_answer *ans) {
  ticket *t = lr_xcalloc(1, sizeof *t);
  t->g = g;
  t->req = req;
  t->go = go;
  t->worker = req->worker;
  t->slots = lr_xcalloc(go->nlimits, sizeof *t->slots);
  t->refs = 1; /* held by this function until the checks are out */
  t->sending = true;
  for (size_t i = 0; i < go->nlimits; i++) {
    lr_limit_event *ev = &go->limits[i];
    guard_rule *r = ev->priv;
    if (!r) continue;
    t->slots[i] = (slot){t, i};
    lr_rlimit_result now;
    lr_status st = lr_rlimit_check(rl, r->lim, keys[i], 1, on_reply, &t->slots[i], &now);
    if (st == LR_AGAIN) {
      t->waiting++;
      t->refs++;
    } else if (st == LR_OK) {
      fill(ev, &now.r, lr_rlimit_source_name(now.source));
    } /* LR_ERR: an over-long key (never: keys are hashed); stays refused */
  }
  t->sending = false;
  guard_redis_snapshot(g, req->worker);
  if (t->waiting == 0) {
    ticket_unref(t);
    return conclude(req, go, ans);
  }
  /* The function's reference becomes the arena hook's. */
  lr_arena_on_free(req->arena, on_request_end, t);
  return LR_STAGE_PENDING;
}

/* ---- the stage ---------------------------------------------------------- */

static lr_stage_verdict limit_on_head(void *ctx, lr_proxy_request *req, lr_proxy_answer *ans) {
  (void)ans;
  lr_guard_ctx *g = ctx;
  /* A request that may wait on Redis must not stream its body meanwhile. */
  return g->opt.redis_url && req->body_expected ? LR_STAGE_NEED_BODY : LR_STAGE_CONTINUE;
}

static lr_stage_verdict limit_on_request(void *ctx, lr_proxy_request *req, lr_proxy_answer *ans) {
  lr_guard_ctx *g = ctx;
  lr_stage_verdict v;
  lr_guard_outcome *go = guard_begin(g, req, ans, &v);
  if (!go) return v;
  lr_str *keys = NULL;
  if (!collect(g, req, go, &keys)) return LR_STAGE_CONTINUE;
  lr_rlimit *rl = guard_redis_client(g, req);
  if (rl) return check_redis(g, rl, req, go, keys, ans);
  int64_t now = lr_clock_mono_ns(g->opt.clock);
  for (size_t i = 0; i < go->nlimits; i++) {
    guard_rule *r = go->limits[i].priv;
    lr_limit_result res;
    if (r && lr_limit_check_at(r->lim, keys[i], 1, now, &res) == LR_OK)
      fill(&go->limits[i], &res, "local");
  }
  return conclude(req, go, ans);
}

static void limit_metrics(void *ctx, lr_buf *out) { lr_guard_metrics(ctx, out); }

lr_stage lr_stage_limit(lr_guard_ctx *g) {
  return (lr_stage){.name = "limit",
                    .on_head = limit_on_head,
                    .on_request = limit_on_request,
                    .metrics = limit_metrics,
                    .on_worker_exit = guard_worker_exit,
                    .ctx = g};
}
