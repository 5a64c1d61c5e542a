/*
 * pipeline.h — the request pipeline: where decisions plug into the proxy.
 *
 * Every request passes through an ordered list of stages before anything is
 * sent upstream. Issue 6 inserts identity → mapping → guard → decide here;
 * today the only built-in stage is "inspect", which asks for the body of
 * JSON POSTs on routes marked for inspection.
 *
 * A stage sees the request twice:
 *  - on_head, as soon as the head has been parsed (body not read yet). It may
 *    answer at once (e.g. 401), ask for the body to be buffered so on_request
 *    sees it whole (LR_STAGE_NEED_BODY), or let the request go on.
 *  - on_request, once the request is complete when its body was buffered, or
 *    right after every on_head said CONTINUE when it is streamed (body empty,
 *    body_buffered false). It may answer (deny, 429, ...) or continue; it may
 *    replace req->body with bytes allocated in req->arena (masking), which are
 *    then forwarded with a fresh Content-Length.
 *
 * Stages run on worker threads, several at once: ctx must be immutable or
 * synchronised by the stage itself. Everything a stage allocates goes in
 * req->arena, released when the request ends (or the client disconnects).
 */
#ifndef LARCH_PROXY_PIPELINE_H
#define LARCH_PROXY_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "base.h"
#include "http.h"

struct lr_route;
struct lr_call_outcome;
struct event_base;
struct lr_proxy_answer;
struct lr_pipeline;

/* What the pipeline sees of one request. Valid until the request ends. */
typedef struct lr_proxy_request {
  lr_arena *arena;
  const lr_http_head *head;
  const struct lr_route *route; /* the route its path matched */
  lr_str route_name;
  lr_str request_id;
  lr_str body;        /* the whole body, when body_buffered */
  bool body_buffered; /* true once the body was read for inspection */
  bool body_expected; /* the request has a body (length > 0 or chunked) */
  lr_str client_ip;
  uint16_t client_port;
  bool tls;
  const char *peer_identity; /* verified client certificate: SAN URI, else CN; NULL if none */
  int64_t wall_ms;           /* wall-clock time the head arrived (epoch ms) */
  /* Set by the identity stage (decide.h): principal, mapped Cedar requests,
   * decisions and answer, for the decision log, guards and filtering. */
  struct lr_call_outcome *outcome;
  /* Set by the connection: the worker's event loop and index (a stage that
   * waits keeps per-worker clients), and how LR_STAGE_PENDING resumes. */
  struct event_base *base;
  unsigned worker;
  void (*on_resume)(void *arg, int verdict, const struct lr_proxy_answer *ans);
  void *resume_arg;
  const struct lr_pipeline *pending_pl; /* internal to pipeline.c */
  size_t pending_next;                  /* internal to pipeline.c */
} lr_proxy_request;

/* A direct answer composed by a stage (status, optional headers, body). */
typedef struct lr_proxy_answer {
  int status;
  lr_str content_type; /* default application/json */
  lr_str body;
  const lr_http_header *headers; /* extra headers, e.g. WWW-Authenticate */
  size_t nheaders;
} lr_proxy_answer;

/* What the pipeline sees of an upstream answer (see on_response). */
typedef struct lr_proxy_response {
  const lr_http_head *head; /* the upstream's head (NULL for an SSE event) */
  lr_str body;              /* the whole body, or one SSE event (sse_event) */
  bool sse_event;           /* body is one text/event-stream event */
  /* For an SSE event: an arena reset once the event was passed on. What a
   * stage builds for one event goes here, so that a stream open for hours
   * does not grow the request's arena. NULL otherwise (use req->arena). */
  lr_arena *scratch;
} lr_proxy_response;

typedef enum {
  LR_STAGE_CONTINUE,  /* go on to the next stage / the upstream */
  LR_STAGE_ANSWER,    /* answer the client with *ans, never reach the upstream */
  LR_STAGE_NEED_BODY, /* on_head / on_response_head: the body is wanted */
  /* on_request only: the verdict comes later (e.g. from Redis); the stage
   * calls lr_pipeline_resume from the request's event loop (req->base)
   * exactly once, unless the request ends first (the stage watches for that
   * with a cleanup hook on req->arena, and must not resume after it ran).
   * Only for complete requests: a stage returning PENDING for a request
   * with a streamed (unbuffered) body fails closed with a 500, so a stage
   * that may wait asks for the body in on_head. */
  LR_STAGE_PENDING
} lr_stage_verdict;

typedef struct lr_stage {
  const char *name;
  lr_stage_verdict (*on_head)(void *ctx, lr_proxy_request *req, lr_proxy_answer *ans);
  lr_stage_verdict (*on_request)(void *ctx, lr_proxy_request *req, lr_proxy_answer *ans);
  /* Answers (tools/list filtering, response masking). on_response_head sees
   * the upstream's head of an answer with a body and returns NEED_BODY to
   * inspect it: a JSON (any non-SSE) answer is then buffered whole, up to
   * the body limit (beyond: 502, an answer that must be inspected is never
   * passed on unseen), and on_response gets it once; a text/event-stream
   * answer goes on event by event, on_response getting each complete event
   * (bytes up to and including the blank line) as it arrives. on_response
   * may replace resp->body with arena bytes, or answer instead (buffered
   * answers only; for an SSE event an ANSWER drops the event). */
  lr_stage_verdict (*on_response_head)(void *ctx, lr_proxy_request *req, const lr_http_head *resp);
  lr_stage_verdict (*on_response)(void *ctx, lr_proxy_request *req, lr_proxy_response *resp,
                                  lr_proxy_answer *ans);
  /* The exchange is over, exactly once per request the stages saw: the
   * answer was queued whole (status: what was answered) or the client left
   * or the connection failed first (status 499, or the error sent). req and
   * its arena are still valid. latency_ns: head arrival to now. Decision
   * log, metrics. Must not block. */
  void (*on_done)(void *ctx, lr_proxy_request *req, int status, int64_t latency_ns);
  /* Optional: appends Prometheus text for /metrics (admin thread). */
  void (*metrics)(void *ctx, lr_buf *out);
  /* Optional: worker `worker` stopped (its thread has ended, its connections
   * are closed, its event loop is not yet freed): release per-worker state. */
  void (*on_worker_exit)(void *ctx, unsigned worker);
  void *ctx;
} lr_stage;

#define LR_PIPELINE_MAX 16

typedef struct lr_pipeline {
  lr_stage stages[LR_PIPELINE_MAX];
  size_t n;
} lr_pipeline;

/* Appends a stage (either hook may be NULL). Returns LR_ERR when full. */
lr_status lr_pipeline_add(lr_pipeline *pl, lr_stage stage);
/* Runs every on_head in order. Returns ANSWER as soon as a stage answers
 * (ans filled), else NEED_BODY when any stage asked for the body, else
 * CONTINUE. */
lr_stage_verdict lr_pipeline_head(const lr_pipeline *pl, lr_proxy_request *req,
                                  lr_proxy_answer *ans);
/* Runs every on_request in order; ANSWER as soon as a stage answers,
 * PENDING when a stage will answer later (see LR_STAGE_PENDING). */
lr_stage_verdict lr_pipeline_request(const lr_pipeline *pl, lr_proxy_request *req,
                                     lr_proxy_answer *ans);
/* Called by a stage that returned PENDING, with its verdict (CONTINUE or
 * ANSWER with *ans in req->arena): runs the remaining on_request hooks
 * (which may pend again) and hands the final verdict to req->on_resume. */
void lr_pipeline_resume(lr_proxy_request *req, lr_stage_verdict v, lr_proxy_answer *ans);
/* Appends every stage's metrics. */
void lr_pipeline_metrics(const lr_pipeline *pl, lr_buf *out);
/* Tells every stage that worker `worker` stops (see on_worker_exit). */
void lr_pipeline_worker_exit(const lr_pipeline *pl, unsigned worker);
/* Runs every on_response_head; NEED_BODY when any stage wants the body. */
lr_stage_verdict lr_pipeline_response_head(const lr_pipeline *pl, lr_proxy_request *req,
                                           const lr_http_head *resp);
/* Runs every on_response in order; ANSWER as soon as a stage answers. */
lr_stage_verdict lr_pipeline_response(const lr_pipeline *pl, lr_proxy_request *req,
                                      lr_proxy_response *resp, lr_proxy_answer *ans);
/* Runs every on_done in order. */
void lr_pipeline_done(const lr_pipeline *pl, lr_proxy_request *req, int status, int64_t latency_ns);
/* The built-in stage that asks for the body of POST requests with a JSON
 * content type on routes marked "inspect". */
lr_stage lr_stage_inspect(void);
/* True for application/json and application/<x>+json (parameters ignored). */
bool lr_pipeline_is_json(lr_str content_type);
/* True for text/event-stream (parameters ignored). */
bool lr_pipeline_is_sse(lr_str content_type);

#endif /* LARCH_PROXY_PIPELINE_H */
