/*
 * pipeline.c — runs the request stages in order (see pipeline.h) and holds
 * the built-in "inspect" stage.
 */
#include "pipeline.h"

#include <string.h>
#include <strings.h>

#include "serve.h"

lr_status lr_pipeline_add(lr_pipeline *pl, lr_stage stage) {
  if (pl->n >= LR_PIPELINE_MAX) return LR_ERR;
  pl->stages[pl->n++] = stage;
  return LR_OK;
}

lr_stage_verdict lr_pipeline_head(const lr_pipeline *pl, lr_proxy_request *req,
                                  lr_proxy_answer *ans) {
  lr_stage_verdict out = LR_STAGE_CONTINUE;
  for (size_t i = 0; i < pl->n; i++) {
    if (!pl->stages[i].on_head) continue;
    lr_stage_verdict v = pl->stages[i].on_head(pl->stages[i].ctx, req, ans);
    if (v == LR_STAGE_ANSWER) return v;
    if (v == LR_STAGE_NEED_BODY) out = v;
  }
  return out;
}

static lr_stage_verdict run_requests(const lr_pipeline *pl, size_t from, lr_proxy_request *req,
                                     lr_proxy_answer *ans) {
  for (size_t i = from; i < pl->n; i++) {
    if (!pl->stages[i].on_request) continue;
    lr_stage_verdict v = pl->stages[i].on_request(pl->stages[i].ctx, req, ans);
    if (v == LR_STAGE_ANSWER) return LR_STAGE_ANSWER;
    if (v == LR_STAGE_PENDING) {
      req->pending_pl = pl;
      req->pending_next = i + 1;
      return LR_STAGE_PENDING;
    }
  }
  return LR_STAGE_CONTINUE;
}

lr_stage_verdict lr_pipeline_request(const lr_pipeline *pl, lr_proxy_request *req,
                                     lr_proxy_answer *ans) {
  return run_requests(pl, 0, req, ans);
}

void lr_pipeline_resume(lr_proxy_request *req, lr_stage_verdict v, lr_proxy_answer *ans) {
  const lr_pipeline *pl = req->pending_pl;
  req->pending_pl = NULL;
  if (v == LR_STAGE_CONTINUE && pl) v = run_requests(pl, req->pending_next, req, ans);
  if (v == LR_STAGE_PENDING) return; /* a later stage waits in turn */
  if (req->on_resume) req->on_resume(req->resume_arg, (int)v, ans);
}

void lr_pipeline_metrics(const lr_pipeline *pl, lr_buf *out) {
  for (size_t i = 0; i < pl->n; i++)
    if (pl->stages[i].metrics) pl->stages[i].metrics(pl->stages[i].ctx, out);
}

void lr_pipeline_worker_exit(const lr_pipeline *pl, unsigned worker) {
  for (size_t i = 0; i < pl->n; i++)
    if (pl->stages[i].on_worker_exit) pl->stages[i].on_worker_exit(pl->stages[i].ctx, worker);
}

lr_stage_verdict lr_pipeline_response_head(const lr_pipeline *pl, lr_proxy_request *req,
                                           const lr_http_head *resp) {
  lr_stage_verdict out = LR_STAGE_CONTINUE;
  for (size_t i = 0; i < pl->n; i++)
    if (pl->stages[i].on_response_head &&
        pl->stages[i].on_response_head(pl->stages[i].ctx, req, resp) == LR_STAGE_NEED_BODY)
      out = LR_STAGE_NEED_BODY;
  return out;
}

lr_stage_verdict lr_pipeline_response(const lr_pipeline *pl, lr_proxy_request *req,
                                      lr_proxy_response *resp, lr_proxy_answer *ans) {
  for (size_t i = 0; i < pl->n; i++) {
    if (!pl->stages[i].on_response) continue;
    if (pl->stages[i].on_response(pl->stages[i].ctx, req, resp, ans) == LR_STAGE_ANSWER)
      return LR_STAGE_ANSWER;
  }
  return LR_STAGE_CONTINUE;
}

void lr_pipeline_done(const lr_pipeline *pl, lr_proxy_request *req, int status,
                      int64_t latency_ns) {
  for (size_t i = 0; i < pl->n; i++)
    if (pl->stages[i].on_done) pl->stages[i].on_done(pl->stages[i].ctx, req, status, latency_ns);
}

/* The length of the media type of ct: parameters and blanks cut off. */
static size_t media_type_len(lr_str ct) {
  const char *semi = ct.n ? memchr(ct.p, ';', ct.n) : NULL;
  size_t n = semi ? (size_t)(semi - ct.p) : ct.n;
  while (n && (ct.p[n - 1] == ' ' || ct.p[n - 1] == '\t')) n--;
  return n;
}

bool lr_pipeline_is_json(lr_str ct) {
  size_t n = media_type_len(ct);
  if (n == 16 && strncasecmp(ct.p, "application/json", 16) == 0) return true;
  return n > 17 && strncasecmp(ct.p, "application/", 12) == 0 &&
         strncasecmp(ct.p + n - 5, "+json", 5) == 0;
}

bool lr_pipeline_is_sse(lr_str ct) {
  return media_type_len(ct) == 17 && strncasecmp(ct.p, "text/event-stream", 17) == 0;
}

static lr_stage_verdict inspect_on_head(void *ctx, lr_proxy_request *req, lr_proxy_answer *ans) {
  (void)ctx, (void)ans;
  if (req->route && req->route->inspect && req->head->method == HTTP_POST &&
      lr_pipeline_is_json(req->head->content_type))
    return LR_STAGE_NEED_BODY;
  return LR_STAGE_CONTINUE;
}

lr_stage lr_stage_inspect(void) {
  return (lr_stage){.name = "inspect", .on_head = inspect_on_head};
}
