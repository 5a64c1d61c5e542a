/*
 * guard_stage.h — the guardrail stages of `larch serve` (private to proxy/):
 * `limit` and `mask`, placed after decide (decide.h) in the pipeline.
 *
 * Both read the decide stage's outcome (req->outcome): for every call that
 * policy allows (not the shadowed denials), the `with` records of the
 * mask/limit policies in its decision are evaluated once into obligations
 * (guard/obligation.h). A bad record fails closed: the request is refused
 * (JSON-RPC error / 500) naming the policy, never forwarded unguarded.
 *
 * limit: every limit obligation of every allowed call consumes one unit of
 * its key; the request is refused by the first exhausted one in policy
 * order (REST: 429 with Retry-After, RateLimit-Policy and RateLimit; MCP:
 * HTTP 200 with a JSON-RPC error carrying the id and data {policy,
 * retry_after_ms}). Consumptions are never refunded: a refused request
 * still counts against every limit it matched (attempts cost, so a client
 * hammering a refused key does not get a free ride on the others, and no
 * cross-replica refund protocol is needed). @shadow limits consume and log
 * but never refuse. In-process, the limiter of a rule is guard/limit.h's
 * sharded table, shared by all workers (exact across them). With --redis,
 * each worker has one lr_rlimit client on its own event loop; all checks of
 * a request are pipelined and the stage returns LR_STAGE_PENDING until the
 * replies (or the deadline and the fail mode) decide; requests with a body
 * are buffered first (on_head asks for it) so nothing streams while waiting.
 *
 * mask: request bodies are masked before forwarding per the obligations
 * with on "request"/"both" (JSON bodies as JSON, others as text); answers
 * per on "response"/"both": a JSON (or any buffered) answer whole, an SSE
 * answer event by event. Masked counts by type go to the outcome for the
 * decision log (never values).
 */
#ifndef LARCH_PROXY_GUARD_STAGE_H
#define LARCH_PROXY_GUARD_STAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "base.h"
#include "guard.h"
#include "limit_redis.h"
#include "pipeline.h"

struct lr_call_outcome;

typedef struct lr_guard_options {
  const char *redis_url;          /* NULL: in-process limits */
  lr_rlimit_fail_mode redis_fail; /* when Redis cannot answer in time */
  int64_t redis_deadline_ns;      /* 0: limit_redis.h's default (10 ms) */
  size_t limit_max_bytes;         /* key table cap per rule; 0: 64 MiB */
  const void *mask_key;           /* HMAC key of the `hash` style (copied) */
  size_t mask_keylen;
  const lr_clock *clock; /* borrowed */
  uint64_t seed;         /* hash seed of the key tables */
  int workers;           /* worker threads (bound of per-worker clients) */
} lr_guard_options;

/* One limit check of a request, for the decision log. */
typedef struct lr_limit_event {
  const char *policy; /* policy id */
  const char *name;   /* @id or the policy id */
  bool allowed;       /* what the limiter said (shadow limits may say no) */
  bool shadow;
  const char *source; /* "local", or lr_rlimit_source_name: "redis", "fail_closed", ... */
  uint32_t remaining;
  int64_t retry_after_ms;      /* when refused */
  const lr_limit_config *rule; /* max/per/burst/name (headers) */
  int64_t reset_ns;
  size_t call; /* index of the call in the outcome */
  void *priv;  /* guard_stage.c's rule entry */
} lr_limit_event;

/* What the guard stages did to one request (arena). */
typedef struct lr_guard_outcome {
  lr_obligations *obl; /* per call of the outcome; empty for calls not allowed */
  size_t ncalls;
  const char *error;      /* a `with` record failed: refused (fail closed) */
  size_t error_call;      /* ... in this call */
  lr_limit_event *limits; /* every check, in call then policy order */
  size_t nlimits;
  const lr_limit_event *refused_by; /* the first exhausted limit, or NULL */
  lr_pii_counts masked_request, masked_response;
  /* response masking (built by the mask stage when needed) */
  lr_pii_masker *resp_masker;
} lr_guard_outcome;

typedef struct lr_guard_ctx lr_guard_ctx;

/* Builds the shared state (rule tables; Redis clients are per worker and
 * made on first use). NULL with a message in err on a bad option (URL). */
lr_guard_ctx *lr_guard_ctx_new(const lr_guard_options *opt, lr_buf *err);
struct lr_serve_config;
/* The same from `larch serve`'s configuration: --redis, --redis-fail
 * closed|open|local, --redis-timeout, --mask-key FILE (without it the hash
 * style uses a random key per process: pseudonyms are stable within one
 * process only). NULL with a message in err. */
lr_guard_ctx *lr_guard_from_config(const struct lr_serve_config *cfg, const lr_clock *clock,
                                   lr_buf *err);
/* After the server stopped (worker exits already released their clients). */
void lr_guard_ctx_free(lr_guard_ctx *g);

lr_stage lr_stage_limit(lr_guard_ctx *g);
lr_stage lr_stage_mask(lr_guard_ctx *g);

/* The guard outcome of req, evaluating obligations on first use (NULL when
 * decide did not run or nothing was allowed). */
lr_guard_outcome *lr_guard_outcome_of(lr_guard_ctx *g, lr_proxy_request *req);

/* Appends the JSON answer refusing req (REST: 429 or 500 body; MCP: a
 * JSON-RPC error or a batch of them) and fills ans (status, headers in the
 * arena). Used by both stages. */
void lr_guard_refuse(lr_proxy_request *req, const lr_guard_outcome *go, lr_proxy_answer *ans);

/* Prometheus text: larch_guard_limit_total{policy,result}, the rule tables'
 * keys, masked items by type and direction, Redis client stats. */
void lr_guard_metrics(lr_guard_ctx *g, lr_buf *out);

#endif /* LARCH_PROXY_GUARD_STAGE_H */
