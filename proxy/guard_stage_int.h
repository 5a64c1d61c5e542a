/*
 * guard_stage_int.h — internals shared by guard_stage.c, limit_stage.c and
 * mask_stage.c (private to those three files).
 */
#ifndef LARCH_PROXY_GUARD_STAGE_INT_H
#define LARCH_PROXY_GUARD_STAGE_INT_H

#include <pthread.h>

#include "guard_stage.h"

#define LR_GUARD_WORKERS_MAX 256

/* One rule limiter: a policy at one rate. Counters are atomics. */
typedef struct guard_rule {
  char *key; /* the obligations' rule identity (lr_limit_obligation.rule) */
  lr_limit *lim;
  uint64_t allowed, limited, shadow_limited;
} guard_rule;

/* One worker's Redis client and rule cache (touched by that worker only)
 * and the last copy of its client's counters for /metrics (under mu). */
typedef struct guard_worker {
  lr_rlimit *client;
  lr_map rules; /* guard_rule key → guard_rule: hits take no lock */
  pthread_mutex_t mu;
  lr_rlimit_stats snap;
  bool has_snap;
} guard_worker;

struct lr_guard_ctx {
  lr_guard_options opt;  /* strings and key owned */
  pthread_rwlock_t lock; /* rules */
  lr_map by_key;
  guard_rule **rules;
  size_t nrules, caprules;
  guard_worker rl[LR_GUARD_WORKERS_MAX];
  uint64_t masked[2][LR_PII__COUNT]; /* [0 request, 1 response][type] */
  uint64_t errors;
};

/* The rule of limit l; `worker` (the request's) finds it in its own cache
 * without taking the shared lock once it has seen it. */
guard_rule *guard_rule_get(lr_guard_ctx *g, unsigned worker, const lr_limit_obligation *l);
lr_rlimit *guard_redis_client(lr_guard_ctx *g, const lr_proxy_request *req);
void guard_redis_snapshot(lr_guard_ctx *g, unsigned worker);
void guard_worker_exit(void *ctx, unsigned worker);
void guard_count_masked(lr_guard_ctx *g, int dir, const lr_pii_counts *c);
/* The start of both stages' on_request: the guard outcome of req, or NULL
 * with *v = CONTINUE (nothing to do) or ANSWER (a bad `with` record: *ans
 * is the refusal). */
lr_guard_outcome *guard_begin(lr_guard_ctx *g, lr_proxy_request *req, lr_proxy_answer *ans,
                              lr_stage_verdict *v);

#endif /* LARCH_PROXY_GUARD_STAGE_INT_H */
