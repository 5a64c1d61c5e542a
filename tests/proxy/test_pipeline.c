/*
 * test_pipeline.c — unit tests for proxy/pipeline.c (stage order, answers,
 * body requests, the inspect stage) and route matching in proxy/config.c.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "pipeline.h"
#include "serve.h"

static lr_stage_verdict deny_admin(void *ctx, lr_proxy_request *req, lr_proxy_answer *ans) {
  int *calls = ctx;
  (*calls)++;
  if (!lr_str_starts_with(req->head->path, LR_STR("/admin"))) return LR_STAGE_CONTINUE;
  ans->status = 403;
  ans->body = LR_STR("{\"error\": \"denied\"}");
  return LR_STAGE_ANSWER;
}

static lr_stage_verdict count(void *ctx, lr_proxy_request *req, lr_proxy_answer *ans) {
  (void)req, (void)ans;
  (*(int *)ctx)++;
  return LR_STAGE_CONTINUE;
}

Test(pipeline, stages_run_in_order_and_answer_stops) {
  int a = 0, b = 0;
  lr_pipeline pl = {0};
  lr_pipeline_add(&pl, (lr_stage){.name = "deny", .on_head = deny_admin, .ctx = &a});
  lr_pipeline_add(&pl,
                  (lr_stage){.name = "count", .on_head = count, .on_request = count, .ctx = &b});
  lr_http_head h = {.path = LR_STR("/admin/x")};
  lr_proxy_request req = {.head = &h};
  lr_proxy_answer ans = {0};
  cr_assert_eq(lr_pipeline_head(&pl, &req, &ans), LR_STAGE_ANSWER);
  cr_assert_eq(ans.status, 403);
  cr_assert_eq(a, 1);
  cr_assert_eq(b, 0, "later stages do not run after an answer");
  h.path = LR_STR("/ok");
  cr_assert_eq(lr_pipeline_head(&pl, &req, &ans), LR_STAGE_CONTINUE);
  cr_assert_eq(lr_pipeline_request(&pl, &req, &ans), LR_STAGE_CONTINUE);
  cr_assert_eq(b, 2);
}

Test(pipeline, inspect_asks_for_json_posts_on_inspected_routes) {
  lr_pipeline pl = {0};
  lr_pipeline_add(&pl, lr_stage_inspect());
  lr_route route = {.inspect = true};
  lr_http_head h = {.method = HTTP_POST, .content_type = LR_STR("application/json; charset=utf-8")};
  lr_proxy_request req = {.head = &h, .route = &route};
  lr_proxy_answer ans = {0};
  cr_assert_eq(lr_pipeline_head(&pl, &req, &ans), LR_STAGE_NEED_BODY);
  h.content_type = LR_STR("text/plain");
  cr_assert_eq(lr_pipeline_head(&pl, &req, &ans), LR_STAGE_CONTINUE);
  h.content_type = LR_STR("application/json");
  h.method = HTTP_GET;
  cr_assert_eq(lr_pipeline_head(&pl, &req, &ans), LR_STAGE_CONTINUE);
  h.method = HTTP_POST;
  route.inspect = false;
  cr_assert_eq(lr_pipeline_head(&pl, &req, &ans), LR_STAGE_CONTINUE);
  cr_assert(lr_pipeline_is_json(LR_STR("application/vnd.api+json")));
  cr_assert(!lr_pipeline_is_json(LR_STR("application/jsonx")));
  cr_assert(!lr_pipeline_is_json(LR_STR("")));
}

Test(pipeline, sse_media_type) {
  cr_assert(lr_pipeline_is_sse(LR_STR("text/event-stream")));
  cr_assert(lr_pipeline_is_sse(LR_STR("Text/Event-Stream; charset=utf-8")));
  cr_assert(lr_pipeline_is_sse(LR_STR("text/event-stream ;charset=utf-8")));
  cr_assert(!lr_pipeline_is_sse(LR_STR("text/event-streams")));
  cr_assert(!lr_pipeline_is_sse(LR_STR("application/json")));
  cr_assert(!lr_pipeline_is_sse(LR_STR("")));
}

Test(config, routes_longest_prefix_on_segment_boundaries) {
  char *argv[] = {"serve", "--upstream", "http://127.0.0.1:1", NULL};
  lr_serve_config cfg;
  lr_buf err = {0};
  cr_assert_eq(lr_serve_config_load(&cfg, 3, argv, &err), LR_OK, "%s", err.p);
  cr_assert_eq(cfg.nroutes, 1);
  cr_assert_eq(lr_serve_route(&cfg, LR_STR("/anything")), &cfg.routes[0]);
  cr_assert_eq(cfg.idle_ms, 120000);
  cr_assert_eq(cfg.body_limit, 1024 * 1024);
  cr_assert(cfg.routes[0].inspect);
  lr_serve_config_free(&cfg);
  char *argv2[] = {"serve",          "--upstream", "https://[::1]:8443", "--body-limit", "2MiB",
                   "--idle-timeout", "1.5s",       "--inspect",          "off",          NULL};
  cr_assert_eq(lr_serve_config_load(&cfg, 9, argv2, &err), LR_OK, "%s", err.p);
  cr_assert(cfg.routes[0].origin.tls);
  cr_assert_str_eq(cfg.routes[0].origin.host, "::1");
  cr_assert_eq(cfg.routes[0].origin.port, 8443);
  cr_assert_eq(cfg.body_limit, 2 * 1024 * 1024);
  cr_assert_eq(cfg.idle_ms, 1500);
  cr_assert(!cfg.routes[0].inspect, "--inspect off applies to --upstream given before it");
  lr_serve_config_free(&cfg);
  lr_buf_free(&err);
}

static void count_done(void *ctx, lr_proxy_request *req, int status, int64_t ns) {
  (void)req, (void)ns;
  int *seen = ctx;
  seen[0]++;
  seen[1] = status;
}

Test(pipeline, on_done_runs_every_stage) {
  int a[2] = {0}, b[2] = {0};
  lr_pipeline pl = {0};
  lr_pipeline_add(&pl, (lr_stage){.name = "a", .on_done = count_done, .ctx = a});
  lr_pipeline_add(&pl, (lr_stage){.name = "none"});
  lr_pipeline_add(&pl, (lr_stage){.name = "b", .on_done = count_done, .ctx = b});
  lr_proxy_request req = {0};
  lr_pipeline_done(&pl, &req, 499, 1000);
  cr_assert(a[0] == 1 && b[0] == 1 && a[1] == 499 && b[1] == 499);
}

/* ---- LR_STAGE_PENDING and lr_pipeline_resume ----------------------------- */

static lr_stage_verdict pend(void *ctx, lr_proxy_request *req, lr_proxy_answer *ans) {
  (void)req, (void)ans;
  (*(int *)ctx)++;
  return LR_STAGE_PENDING;
}

typedef struct resumed {
  int calls, verdict, status;
} resumed;

static void on_resume(void *arg, int verdict, const lr_proxy_answer *ans) {
  resumed *r = arg;
  r->calls++;
  r->verdict = verdict;
  r->status = ans ? ans->status : 0;
}

Test(pipeline, pending_resumes_after_the_waiting_stage) {
  int p1 = 0, c = 0, p2 = 0;
  lr_pipeline pl = {0};
  lr_pipeline_add(&pl, (lr_stage){.name = "wait1", .on_request = pend, .ctx = &p1});
  lr_pipeline_add(&pl, (lr_stage){.name = "count", .on_request = count, .ctx = &c});
  lr_pipeline_add(&pl, (lr_stage){.name = "wait2", .on_request = pend, .ctx = &p2});
  resumed r = {0};
  lr_http_head h = {.path = LR_STR("/x")};
  lr_proxy_request req = {.head = &h, .on_resume = on_resume, .resume_arg = &r};
  lr_proxy_answer ans = {0};
  cr_assert_eq(lr_pipeline_request(&pl, &req, &ans), LR_STAGE_PENDING);
  cr_assert_eq(p1, 1);
  cr_assert_eq(c, 0, "stages after a pending one wait");
  lr_pipeline_resume(&req, LR_STAGE_CONTINUE, &ans);
  cr_assert_eq(c, 1);
  cr_assert_eq(p2, 1);
  cr_assert_eq(r.calls, 0, "the second stage pends in turn: nobody resumed yet");
  lr_pipeline_resume(&req, LR_STAGE_CONTINUE, &ans);
  cr_assert_eq(r.calls, 1);
  cr_assert_eq(r.verdict, LR_STAGE_CONTINUE);
  cr_assert_eq(p1 + p2 + c, 3, "no stage ran twice");
  /* An answer from the waiting stage skips the rest. */
  c = 0;
  memset(&r, 0, sizeof r);
  cr_assert_eq(lr_pipeline_request(&pl, &req, &ans), LR_STAGE_PENDING);
  ans.status = 429;
  lr_pipeline_resume(&req, LR_STAGE_ANSWER, &ans);
  cr_assert_eq(c, 0);
  cr_assert_eq(r.calls, 1);
  cr_assert_eq(r.verdict, LR_STAGE_ANSWER);
  cr_assert_eq(r.status, 429);
}
