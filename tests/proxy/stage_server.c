/*
 * stage_server.c — `larch serve` with test stages in its pipeline, for
 * test_pipeline.py: proves the stage contract end to end (answers from
 * on_head and on_request, a rewritten body, the TLS peer identity) the way
 * issue 6's identity → mapping → guard → decide stages will use it.
 *
 * Test stage behaviour:
 *   on_head:    path /whoami   → 200 {"peer": <peer identity or null>}
 *               path /deny-head → 403 {"error": "denied at head"}
 *   on_request: buffered body containing "deny-me" → 403 with the request id
 *               buffered body containing "secret"  → forwarded with every
 *               "secret" replaced by "[MASKED]"
 *   on_response_head: query containing "filter" → inspect the answer
 *   on_response: "part" → "PART" and "\"i\"" → "\"I\"" (whole JSON answers
 *               and each SSE event)
 *   wait stage (LR_STAGE_PENDING): query wait=ok → continues 30 ms later,
 *               wait=deny → 429 30 ms later; wait=stream pends on a
 *               streamed body (the connection must fail closed: 500)
 * Arguments are those of `larch serve`.
 */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"
#include "serve.h"

static lr_stage_verdict test_head(void *ctx, lr_proxy_request *req, lr_proxy_answer *ans) {
  (void)ctx;
  lr_str path = req->head->path;
  if (lr_str_eq_c(path, "/whoami")) {
    lr_buf b = {0};
    lr_buf_puts(&b, "{\"peer\": ");
    if (req->peer_identity)
      lr_buf_json_str(&b, req->peer_identity, strlen(req->peer_identity));
    else
      lr_buf_puts(&b, "null");
    lr_buf_puts(&b, "}");
    ans->status = 200;
    ans->body = lr_str_dup(req->arena, lr_buf_str(&b));
    lr_buf_free(&b);
    return LR_STAGE_ANSWER;
  }
  if (lr_str_eq_c(path, "/deny-head")) {
    ans->status = 403;
    ans->body = LR_STR("{\"error\": \"denied at head\"}");
    return LR_STAGE_ANSWER;
  }
  return LR_STAGE_CONTINUE;
}

static bool contains(lr_str s, const char *needle, size_t *at) {
  size_t n = strlen(needle);
  for (size_t i = 0; i + n <= s.n; i++)
    if (memcmp(s.p + i, needle, n) == 0) {
      if (at) *at = i;
      return true;
    }
  return false;
}

static lr_stage_verdict test_request(void *ctx, lr_proxy_request *req, lr_proxy_answer *ans) {
  (void)ctx;
  if (!req->body_buffered) return LR_STAGE_CONTINUE;
  if (contains(req->body, "deny-me", NULL)) {
    ans->status = 403;
    ans->body =
        lr_str_c(lr_arena_sprintf(req->arena, "{\"error\": \"denied\", \"request_id\": \"%.*s\"}",
                                  (int)req->request_id.n, req->request_id.p));
    return LR_STAGE_ANSWER;
  }
  size_t at;
  if (contains(req->body, "secret", &at)) {
    lr_buf b = {0};
    lr_str rest = req->body;
    while (contains(rest, "secret", &at)) {
      lr_buf_append(&b, rest.p, at);
      lr_buf_puts(&b, "[MASKED]");
      rest.p += at + 6, rest.n -= at + 6;
    }
    lr_buf_append(&b, rest.p, rest.n);
    req->body = lr_str_dup(req->arena, lr_buf_str(&b));
    lr_buf_free(&b);
  }
  return LR_STAGE_CONTINUE;
}

/* Copies s into the arena with every `from` replaced by `to` (same length). */
static lr_str replace_all(lr_arena *a, lr_str s, const char *from, const char *to) {
  char *out = lr_arena_strndup(a, s.p, s.n);
  size_t n = strlen(from);
  for (size_t i = 0; i + n <= s.n; i++)
    if (memcmp(out + i, from, n) == 0) memcpy(out + i, to, n);
  return lr_str_make(out, s.n);
}

static lr_stage_verdict test_response_head(void *ctx, lr_proxy_request *req,
                                           const lr_http_head *resp) {
  (void)ctx, (void)resp;
  size_t at;
  return contains(req->head->query, "filter", &at) ? LR_STAGE_NEED_BODY : LR_STAGE_CONTINUE;
}

static lr_stage_verdict test_response(void *ctx, lr_proxy_request *req, lr_proxy_response *resp,
                                      lr_proxy_answer *ans) {
  (void)ctx, (void)ans;
  resp->body = replace_all(req->arena, resp->body, "part", "PART");
  resp->body = replace_all(req->arena, resp->body, "\"i\"", "\"I\"");
  return LR_STAGE_CONTINUE;
}

/* A pending verdict: heap ticket shared by the timer and the arena cleanup
 * (whichever runs second frees it). */
typedef struct wait_ticket {
  lr_proxy_request *req; /* NULL once the request ended */
  bool deny;
  int refs;
} wait_ticket;

static void ticket_drop(wait_ticket *t) {
  if (--t->refs == 0) free(t);
}

static void on_wait_end(void *arg) {
  wait_ticket *t = arg;
  t->req = NULL;
  ticket_drop(t);
}

static void on_wait_timer(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  wait_ticket *t = arg;
  if (t->req) {
    lr_proxy_answer ans = {0};
    lr_stage_verdict v = LR_STAGE_CONTINUE;
    if (t->deny) {
      ans.status = 429;
      ans.body = LR_STR("{\"error\": \"waited and refused\"}");
      v = LR_STAGE_ANSWER;
    }
    lr_pipeline_resume(t->req, v, &ans);
  }
  ticket_drop(t);
}

static lr_stage_verdict wait_head(void *ctx, lr_proxy_request *req, lr_proxy_answer *ans) {
  (void)ctx, (void)ans;
  size_t at;
  bool wait = contains(req->head->query, "wait=", &at);
  bool stream = contains(req->head->query, "wait=stream", &at);
  return wait && !stream && req->body_expected ? LR_STAGE_NEED_BODY : LR_STAGE_CONTINUE;
}

static lr_stage_verdict wait_request(void *ctx, lr_proxy_request *req, lr_proxy_answer *ans) {
  (void)ctx, (void)ans;
  size_t at;
  if (!contains(req->head->query, "wait=", &at)) return LR_STAGE_CONTINUE;
  wait_ticket *t = calloc(1, sizeof *t);
  t->req = req;
  t->deny = contains(req->head->query, "wait=deny", &at);
  t->refs = 2;
  lr_arena_on_free(req->arena, on_wait_end, t);
  struct timeval tv = {0, 30000};
  event_base_once(req->base, -1, EV_TIMEOUT, on_wait_timer, t, &tv);
  return LR_STAGE_PENDING;
}

int main(int argc, char **argv) {
  lr_serve_config cfg;
  lr_buf err = {0};
  if (lr_serve_config_load(&cfg, argc, argv, &err) != LR_OK) {
    fprintf(stderr, "stage_server: %s\n", err.p);
    return 2;
  }
  lr_pipeline pl = {0};
  lr_pipeline_add(&pl, lr_stage_inspect());
  lr_pipeline_add(&pl, (lr_stage){.name = "test",
                                  .on_head = test_head,
                                  .on_request = test_request,
                                  .on_response_head = test_response_head,
                                  .on_response = test_response});
  lr_pipeline_add(&pl,
                  (lr_stage){.name = "wait", .on_head = wait_head, .on_request = wait_request});
  lr_server *srv = lr_server_new(&cfg, &pl, lr_clock_system(), &err);
  int status = 1;
  if (srv) {
    status = lr_server_run(srv);
    lr_server_free(srv);
  } else {
    fprintf(stderr, "stage_server: %s\n", err.p);
  }
  lr_buf_free(&err);
  lr_serve_config_free(&cfg);
  return status;
}
