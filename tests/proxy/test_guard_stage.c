/*
 * test_guard_stage.c — the limit and mask stages (proxy/limit_stage.c,
 * proxy/mask_stage.c, proxy/guard_stage.c) driven with fake requests: an
 * outcome as the decide stage leaves it (policies authorized with
 * lr_authorize), no sockets except a real redis-server for the Redis path.
 */
#include <criterion/criterion.h>
#include <event2/event.h>
#include <jansson.h>
#include <string.h>

#include "decide.h"
#include "guard_stage.h"
#include "redis_proc.h"

typedef struct fake {
  lr_arena *a;
  lr_http_head head;
  lr_proxy_request req;
  lr_call_outcome out;
  lr_call call;
} fake;

static lr_policy_inst *insts;
static size_t ninsts;
static lr_arena *pa; /* policies */
/* What the stages read of the engine: the prepared mask/limit records. */
static lr_engine engine;

static void load(const char *text) {
  pa = lr_arena_new(0);
  lr_source *s = LR_NEW(pa, lr_source);
  s->name = "t.cedar";
  s->text = lr_arena_strdup(pa, text);
  s->len = strlen(text);
  lr_diags d = {0};
  lr_policy_list l;
  cr_assert_eq(lr_parse_policies(pa, s, 0, &d, &l), LR_OK);
  lr_diags_free(&d);
  ninsts = lr_policy_insts_static(pa, &l, &insts);
  engine.obligations = lr_obligation_prepare((const lr_policy *const *)l.items, l.n);
}

static void unload(void) {
  lr_obligation_prep_free(engine.obligations);
  engine.obligations = NULL;
  lr_arena_free(pa);
}

/* A request of principal User::"<who>" calling tool `tool`, decided. */
static void fake_init(fake *f, const char *who, const char *tool, const char *ctx, bool mcp,
                      const char *body) {
  memset(f, 0, sizeof *f);
  f->a = lr_arena_new(0);
  f->head.path = LR_STR("/mcp");
  f->head.content_type = LR_STR("application/json");
  f->req.arena = f->a;
  f->req.head = &f->head;
  f->req.client_ip = LR_STR("127.0.0.1");
  f->req.outcome = &f->out;
  if (body) {
    f->req.body = lr_str_c(body);
    f->req.body_buffered = f->req.body_expected = true;
  }
  lr_call *c = &f->call;
  c->req.principal = lr_uid_new(f->a, LR_STR("User"), lr_str_c(who));
  c->req.action = lr_uid_new(f->a, LR_STR("Action"), LR_STR("tools/call"));
  c->req.resource = lr_uid_new(f->a, LR_STR("Tool"), lr_str_c(tool));
  json_t *j = json_loads(ctx ? ctx : "{}", 0, NULL);
  lr_diags d = {0};
  cr_assert_eq(lr_context_from_json(f->a, j, NULL, c->req.action, "ctx", &d, &c->req.context),
               LR_OK);
  json_decref(j);
  lr_diags_free(&d);
  lr_authorize(f->a, insts, ninsts, NULL, &c->req, &c->decision);
  c->decided = true;
  c->allow = c->decision.allow;
  c->rpc_id = LR_STR("7");
  f->out.engine = &engine;
  f->out.mcp = mcp;
  f->out.calls = c;
  f->out.ncalls = 1;
  f->out.allow = c->allow;
  f->out.request_id = LR_STR("req-1");
}

static void fake_free(fake *f) { lr_arena_free(f->a); }

static lr_guard_ctx *ctx_new(const char *redis, lr_rlimit_fail_mode fail, const lr_clock *clock) {
  lr_guard_options o = {.redis_url = redis,
                        .redis_fail = fail,
                        .clock = clock,
                        .mask_key = "k",
                        .mask_keylen = 1,
                        .redis_deadline_ns = 200000000};
  lr_buf err = {0};
  lr_guard_ctx *g = lr_guard_ctx_new(&o, &err);
  cr_assert(g, "%s", err.p ? err.p : "");
  lr_buf_free(&err);
  return g;
}

static const char *header(const lr_proxy_answer *ans, const char *name) {
  for (size_t i = 0; i < ans->nheaders; i++)
    if (lr_str_eq_c(ans->headers[i].name, name)) return ans->headers[i].value.p;
  return NULL;
}

static const char *POLICIES = "permit (principal, action, resource);\n"
                              "@id(\"three-per-minute\")\n"
                              "limit (principal, action, resource == Tool::\"llm\")\n"
                              "with { max: 3, per: duration(\"1m\"), key: principal };\n"
                              "@id(\"shadow-one\") @shadow\n"
                              "limit (principal, action, resource == Tool::\"llm\")\n"
                              "with { max: 1, per: duration(\"1m\"), key: principal };\n"
                              "@id(\"cards\")\n"
                              "mask (principal, action, resource == Tool::\"ext\")\n"
                              "with { types: [\"EMAIL\", \"CREDIT_CARD\"], on: \"both\" };\n"
                              "@id(\"bad\")\n"
                              "limit (principal, action, resource == Tool::\"bad\")\n"
                              "with { max: context.n, per: duration(\"1s\") };\n";

Test(guard_stage, rest_429_with_headers_after_the_limit) {
  load(POLICIES);
  lr_clock_manual clk;
  lr_clock_manual_init(&clk, 1000000000, 0);
  lr_guard_ctx *g = ctx_new(NULL, LR_RLIMIT_FAIL_CLOSED, &clk.clock);
  lr_stage st = lr_stage_limit(g);
  for (int i = 0; i < 4; i++) {
    fake f;
    fake_init(&f, "alice", "llm", NULL, false, NULL);
    lr_proxy_answer ans = {0};
    lr_stage_verdict v = st.on_request(st.ctx, &f.req, &ans);
    lr_guard_outcome *go = f.out.guard;
    cr_assert(go);
    cr_assert_eq(go->nlimits, 2, "both limits checked");
    if (i < 3) {
      cr_expect_eq(v, LR_STAGE_CONTINUE, "request %d", i);
      cr_expect(f.out.allow);
      /* The shadow limit said no from the second request on, but only logs. */
      cr_expect_eq(go->limits[1].allowed, i == 0);
    } else {
      cr_expect_eq(v, LR_STAGE_ANSWER);
      cr_expect_eq(ans.status, 429);
      cr_expect_not(f.out.allow);
      cr_expect_eq(f.out.answer, LR_ANSWER_LIMITED);
      cr_expect_str_eq(go->refused_by->name, "three-per-minute");
      cr_expect_str_eq(header(&ans, "Retry-After"), "20");
      cr_expect_str_eq(header(&ans, "RateLimit-Policy"), "\"three-per-minute\";q=3;w=60");
      cr_expect_str_eq(header(&ans, "RateLimit"), "\"three-per-minute\";r=0;t=60");
      json_t *j = json_loadb(ans.body.p, ans.body.n, 0, NULL);
      cr_assert(j);
      cr_expect_str_eq(json_string_value(json_object_get(j, "error")), "rate limited");
      json_t *d = json_object_get(j, "data");
      cr_expect_eq(json_integer_value(json_object_get(d, "retry_after_ms")), 20000);
      cr_expect_str_eq(json_string_value(json_object_get(d, "decision_id")), "req-1");
      json_decref(j);
      cr_assert(go->refused_by);
      cr_expect_str_eq(go->refused_by->name, "three-per-minute");
      const lr_limit_event *sh = NULL;
      for (size_t k = 0; k < go->nlimits; k++)
        if (strcmp(go->limits[k].name, "shadow-one") == 0) sh = &go->limits[k];
      cr_assert(sh);
      cr_expect_str_eq(sh->policy, "policy2");
      cr_expect(!sh->allowed && sh->shadow);
      cr_expect_str_eq(sh->source, "local");
    }
    fake_free(&f);
  }
  /* Another principal has its own key; time refills alice's. */
  fake f;
  fake_init(&f, "bob", "llm", NULL, false, NULL);
  lr_proxy_answer ans = {0};
  cr_expect_eq(st.on_request(st.ctx, &f.req, &ans), LR_STAGE_CONTINUE);
  fake_free(&f);
  lr_clock_manual_advance(&clk, 20000000000LL);
  fake_init(&f, "alice", "llm", NULL, false, NULL);
  cr_expect_eq(st.on_request(st.ctx, &f.req, &ans), LR_STAGE_CONTINUE);
  fake_free(&f);
  /* Metrics per policy. */
  lr_buf m = {0};
  lr_guard_metrics(g, &m);
  cr_expect(strstr(m.p, "larch_guard_limit_total{policy=\"three-per-minute\",rate=\"3/60s\","
                        "result=\"allowed\"} 5"),
            "%s", m.p);
  cr_expect(strstr(m.p, "result=\"limited\"} 1"), "%s", m.p);
  cr_expect(strstr(m.p, "policy=\"shadow-one\",rate=\"1/60s\",result=\"shadow\"} 4"), "%s", m.p);
  lr_buf_free(&m);
  lr_guard_ctx_free(g);
  unload();
}

/* Each worker finds rules in its own cache, but the limiter behind them is
 * one: requests through different workers share the limit exactly. */
Test(guard_stage, workers_share_one_limit) {
  load(POLICIES);
  lr_clock_manual clk;
  lr_clock_manual_init(&clk, 1000000000, 0);
  lr_guard_ctx *g = ctx_new(NULL, LR_RLIMIT_FAIL_CLOSED, &clk.clock);
  lr_stage st = lr_stage_limit(g);
  const unsigned workers[] = {0, 1, 0, 2, 1};
  int passed = 0;
  for (size_t i = 0; i < sizeof workers / sizeof workers[0]; i++) {
    fake f;
    fake_init(&f, "ivy", "llm", NULL, false, NULL);
    f.req.worker = workers[i];
    lr_proxy_answer ans = {0};
    passed += st.on_request(st.ctx, &f.req, &ans) == LR_STAGE_CONTINUE;
    fake_free(&f);
  }
  cr_expect_eq(passed, 3, "three per minute in all, whichever worker took each request");
  lr_guard_ctx_free(g);
  unload();
}

Test(guard_stage, mcp_json_rpc_error_and_denied_calls_untouched) {
  load(POLICIES);
  lr_guard_ctx *g = ctx_new(NULL, LR_RLIMIT_FAIL_CLOSED, lr_clock_system());
  lr_stage st = lr_stage_limit(g);
  lr_proxy_answer ans = {0};
  for (int i = 0; i < 4; i++) {
    fake f;
    fake_init(&f, "carol", "llm", NULL, true, NULL);
    memset(&ans, 0, sizeof ans);
    lr_stage_verdict v = st.on_request(st.ctx, &f.req, &ans);
    if (i == 3) {
      cr_assert_eq(v, LR_STAGE_ANSWER);
      cr_expect_eq(ans.status, 200);
      json_t *j = json_loadb(ans.body.p, ans.body.n, 0, NULL);
      cr_assert(j, "%.*s", (int)ans.body.n, ans.body.p);
      cr_expect_eq(json_integer_value(json_object_get(j, "id")), 7);
      json_t *e = json_object_get(j, "error");
      int code = (int)json_integer_value(json_object_get(e, "code"));
      cr_expect(code < -32768 || code > -32000, "application code, got %d", code);
      json_t *d = json_object_get(e, "data");
      cr_expect_str_eq(json_string_value(json_object_get(d, "policy")), "three-per-minute");
      cr_expect_gt(json_integer_value(json_object_get(d, "retry_after_ms")), 0);
      json_decref(j);
    }
    fake_free(&f);
  }
  /* A call that policy denies consumes nothing. */
  lr_policy_inst *save = insts;
  size_t n = ninsts;
  insts++, ninsts--; /* drop the permit: default deny */
  fake f;
  fake_init(&f, "dave", "llm", NULL, true, NULL);
  cr_expect_not(f.out.allow);
  cr_expect_eq(st.on_request(st.ctx, &f.req, &ans), LR_STAGE_CONTINUE);
  cr_expect_null(f.out.guard);
  fake_free(&f);
  insts = save, ninsts = n;
  lr_guard_ctx_free(g);
  unload();
}

Test(guard_stage, bad_with_record_fails_closed) {
  load(POLICIES);
  lr_guard_ctx *g = ctx_new(NULL, LR_RLIMIT_FAIL_CLOSED, lr_clock_system());
  lr_stage st = lr_stage_limit(g);
  fake f;
  fake_init(&f, "alice", "bad", "{\"n\": -5}", false, NULL);
  lr_proxy_answer ans = {0};
  cr_assert_eq(st.on_request(st.ctx, &f.req, &ans), LR_STAGE_ANSWER);
  cr_expect_eq(ans.status, 500);
  cr_expect(memmem(ans.body.p, ans.body.n, "bad", 3), "names the policy");
  cr_expect(memmem(ans.body.p, ans.body.n, "with.max", 8));
  cr_expect_eq(f.out.answer, LR_ANSWER_INTERNAL);
  fake_free(&f);
  /* The mask stage refuses it too when it runs alone. */
  lr_stage ms = lr_stage_mask(g);
  fake_init(&f, "alice", "bad", "{\"n\": \"x\"}", true, NULL);
  memset(&ans, 0, sizeof ans);
  cr_assert_eq(ms.on_request(ms.ctx, &f.req, &ans), LR_STAGE_ANSWER);
  cr_expect(memmem(ans.body.p, ans.body.n, "guardrail error", 15));
  fake_free(&f);
  lr_guard_ctx_free(g);
  unload();
}

static const char *CARD = "4111 1111 1111 1111";

Test(guard_stage, masks_requests_and_answers) {
  load(POLICIES);
  lr_guard_ctx *g = ctx_new(NULL, LR_RLIMIT_FAIL_CLOSED, lr_clock_system());
  lr_stage ms = lr_stage_mask(g);
  char body[256];
  snprintf(body, sizeof body,
           "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"ext\","
           "\"arguments\":{\"to\":\"jane.doe@example.com\",\"card\":\"%s\"}}}",
           CARD);
  fake f;
  fake_init(&f, "alice", "ext", NULL, true, body);
  lr_proxy_answer ans = {0};
  cr_assert_eq(ms.on_request(ms.ctx, &f.req, &ans), LR_STAGE_CONTINUE);
  cr_expect_null(memmem(f.req.body.p, f.req.body.n, "jane.doe", 8), "%s", f.req.body.p);
  cr_expect_null(memmem(f.req.body.p, f.req.body.n, CARD, strlen(CARD)));
  cr_expect(memmem(f.req.body.p, f.req.body.n, "[EMAIL]", 7));
  json_t *j = json_loadb(f.req.body.p, f.req.body.n, 0, NULL);
  cr_expect(j, "still JSON");
  json_decref(j);
  lr_guard_outcome *go = f.out.guard;
  cr_expect_eq(go->masked_request.n[LR_PII_EMAIL], 1);
  cr_expect_eq(go->masked_request.n[LR_PII_CREDIT_CARD], 1);
  /* The answer: JSON whole. */
  lr_http_head rh = {.status = 200, .content_type = LR_STR("application/json")};
  cr_assert_eq(ms.on_response_head(ms.ctx, &f.req, &rh), LR_STAGE_NEED_BODY);
  lr_proxy_response resp = {.head = &rh,
                            .body = LR_STR("{\"result\":{\"content\":[{\"type\":\"text\",\"text\":"
                                           "\"mail bob@example.org now\"}]}}")};
  cr_assert_eq(ms.on_response(ms.ctx, &f.req, &resp, &ans), LR_STAGE_CONTINUE);
  cr_expect(memmem(resp.body.p, resp.body.n, "mail [EMAIL] now", 16), "%.*s", (int)resp.body.n,
            resp.body.p);
  /* SSE events, one at a time. */
  lr_proxy_response ev = {.sse_event = true,
                          .body = LR_STR("event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":7,"
                                         "\"result\":{\"text\":\"card 4111111111111111\"}}\n\n")};
  cr_assert_eq(ms.on_response(ms.ctx, &f.req, &ev, &ans), LR_STAGE_CONTINUE);
  cr_expect_null(memmem(ev.body.p, ev.body.n, "4111111111111111", 16));
  cr_expect(memmem(ev.body.p, ev.body.n, "event: message\n", 15));
  cr_expect(ev.body.n > 2 && memcmp(ev.body.p + ev.body.n - 2, "\n\n", 2) == 0);
  cr_expect_eq(go->masked_response.n[LR_PII_EMAIL], 1);
  cr_expect_eq(go->masked_response.n[LR_PII_CREDIT_CARD], 1);
  cr_expect_eq(go->masked_request.n[LR_PII_EMAIL], 1);
  cr_expect_null(go->refused_by);
  fake_free(&f);
  /* Another tool: nothing to mask, answers not even buffered. */
  fake_init(&f, "alice", "internal", NULL, true, body);
  cr_assert_eq(ms.on_request(ms.ctx, &f.req, &ans), LR_STAGE_CONTINUE);
  cr_expect_eq(f.req.body.p, body, "body untouched");
  cr_expect_eq(ms.on_response_head(ms.ctx, &f.req, &rh), LR_STAGE_CONTINUE);
  fake_free(&f);
  /* A body that must be masked but streamed: refused. */
  fake_init(&f, "alice", "ext", NULL, false, NULL);
  f.req.body_expected = true;
  cr_expect_eq(ms.on_request(ms.ctx, &f.req, &ans), LR_STAGE_ANSWER);
  fake_free(&f);
  lr_buf m = {0};
  lr_guard_metrics(g, &m);
  cr_expect(strstr(m.p, "larch_guard_masked_total{direction=\"response\",type=\"EMAIL\"} 1"), "%s",
            m.p);
  lr_buf_free(&m);
  lr_guard_ctx_free(g);
  unload();
}

/* ---- Redis: PENDING, resume, fail modes ----------------------------------- */

typedef struct resumed {
  int calls, verdict, status;
} resumed;

static void on_resume(void *arg, int verdict, const lr_proxy_answer *ans) {
  resumed *r = arg;
  r->calls++;
  r->verdict = verdict;
  r->status = ans ? ans->status : 0;
}

/* What a Redis test runs on: a redis-server, the policies, an event loop,
 * a context in fail mode `mode` and its limit stage. */
typedef struct redis_env {
  redis_proc rp;
  char url[64];
  struct event_base *base;
  lr_guard_ctx *g;
  lr_stage st;
} redis_env;

static void redis_start(redis_env *e, lr_rlimit_fail_mode mode) {
  cr_assert(redis_proc_start(&e->rp, 0, NULL));
  redis_proc_url(&e->rp, e->url, sizeof e->url);
  load(POLICIES);
  e->base = event_base_new();
  e->g = ctx_new(e->url, mode, lr_clock_system());
  e->st = lr_stage_limit(e->g);
}

/* A new context (and stage) in mode `mode` on the same server. */
static void redis_renew(redis_env *e, lr_rlimit_fail_mode mode) {
  e->st.on_worker_exit(e->st.ctx, 0);
  lr_guard_ctx_free(e->g);
  e->g = ctx_new(e->url, mode, lr_clock_system());
  e->st = lr_stage_limit(e->g);
}

/* Releases what a Redis test made. */
static void redis_done(redis_env *e) {
  e->st.on_worker_exit(e->st.ctx, 0);
  lr_guard_ctx_free(e->g);
  event_base_free(e->base);
  unload();
  redis_proc_cleanup(&e->rp);
}

/* Runs one request through the stage on base; returns the final verdict
 * (and status through *status). */
static int run_one(lr_stage *st, struct event_base *base, const char *who, int *status,
                   bool *waited) {
  fake f;
  fake_init(&f, who, "llm", NULL, false, NULL);
  resumed r = {0};
  f.req.base = base;
  f.req.worker = 0;
  f.req.on_resume = on_resume;
  f.req.resume_arg = &r;
  lr_proxy_answer ans = {0};
  lr_stage_verdict v = st->on_request(st->ctx, &f.req, &ans);
  *waited = v == LR_STAGE_PENDING;
  if (v == LR_STAGE_PENDING) {
    f.req.pending_pl = NULL; /* resume straight to on_resume */
    for (int i = 0; i < 200 && !r.calls; i++) {
      struct timeval tv = {0, 10000};
      event_base_loopexit(base, &tv);
      event_base_dispatch(base);
    }
    cr_assert_eq(r.calls, 1, "resumed once");
    v = r.verdict;
    *status = r.status;
  } else {
    *status = ans.status;
  }
  fake_free(&f);
  return v;
}

Test(guard_stage, redis_pending_then_refused, .timeout = 30) {
  redis_env e;
  redis_start(&e, LR_RLIMIT_FAIL_CLOSED);
  int allowed = 0, refused = 0, waited_n = 0;
  for (int i = 0; i < 6; i++) {
    int status = 0;
    bool waited = false;
    int v = run_one(&e.st, e.base, "erin", &status, &waited);
    waited_n += waited;
    if (v == LR_STAGE_CONTINUE)
      allowed++;
    else if (status == 429)
      refused++;
  }
  cr_expect_eq(allowed, 3);
  cr_expect_eq(refused, 3);
  cr_expect_geq(waited_n, 4, "Redis answers come later (first may hit the connect)");
  /* Redis gone: fail closed refuses at once. */
  redis_proc_kill(&e.rp);
  int status = 0;
  bool waited;
  int v = run_one(&e.st, e.base, "frank", &status, &waited);
  cr_expect_eq(v, LR_STAGE_ANSWER);
  cr_expect_eq(status, 429);
  lr_buf m = {0};
  lr_guard_metrics(e.g, &m);
  cr_expect(strstr(m.p, "larch_redis_limit_calls_total"), "%s", m.p);
  lr_buf_free(&m);
  redis_done(&e);
}

Test(guard_stage, redis_down_fail_open_and_local, .timeout = 30) {
  redis_env e;
  redis_start(&e, LR_RLIMIT_FAIL_OPEN);
  redis_proc_kill(&e.rp); /* before the first check connects */
  /* open: everything passes. */
  int status;
  bool waited;
  for (int i = 0; i < 5; i++) cr_expect_eq(run_one(&e.st, e.base, "gus", &status, &waited), 0);
  /* local: the in-process limiter decides (3 per minute). */
  redis_renew(&e, LR_RLIMIT_FAIL_LOCAL);
  int ok = 0;
  for (int i = 0; i < 5; i++) ok += run_one(&e.st, e.base, "gus", &status, &waited) == 0;
  cr_expect_eq(ok, 3);
  redis_done(&e);
}

Test(guard_stage, client_gone_while_pending, .timeout = 30) {
  redis_env e;
  redis_start(&e, LR_RLIMIT_FAIL_CLOSED);
  int status;
  bool waited;
  run_one(&e.st, e.base, "hal", &status, &waited); /* connected now */
  fake f;
  fake_init(&f, "hal", "llm", NULL, false, NULL);
  resumed r = {0};
  f.req.base = e.base;
  f.req.on_resume = on_resume;
  f.req.resume_arg = &r;
  lr_proxy_answer ans = {0};
  cr_assert_eq(e.st.on_request(e.st.ctx, &f.req, &ans), LR_STAGE_PENDING);
  fake_free(&f); /* the client left: the arena (and its hook) is gone */
  for (int i = 0; i < 20; i++) {
    struct timeval tv = {0, 10000};
    event_base_loopexit(e.base, &tv);
    event_base_dispatch(e.base);
  }
  cr_expect_eq(r.calls, 0, "never resumed after the request ended");
  redis_done(&e);
}

Test(guard_stage, changed_rate_keeps_the_debts) {
  /* A reload that changes a policy's rate must not hand out a fresh burst. */
  lr_clock_manual clk;
  lr_clock_manual_init(&clk, 1000000000, 0);
  lr_guard_ctx *g = ctx_new(NULL, LR_RLIMIT_FAIL_CLOSED, &clk.clock);
  lr_stage st = lr_stage_limit(g);
  load("permit (principal, action, resource);\n@id(\"r\") limit (principal, action, resource) "
       "with { max: 2, per: duration(\"1h\") };");
  lr_proxy_answer ans = {0};
  fake f;
  for (int i = 0; i < 2; i++) {
    fake_init(&f, "ivy", "t", NULL, false, NULL);
    cr_assert_eq(st.on_request(st.ctx, &f.req, &ans), LR_STAGE_CONTINUE);
    fake_free(&f);
  }
  unload();
  load("permit (principal, action, resource);\n@id(\"r\") limit (principal, action, resource) "
       "with { max: 3, per: duration(\"1h\") };");
  /* The debt is kept as time: a full hour's worth, which 3/h also counts
   * as a spent bucket (without the transfer, 3 more would pass). */
  fake_init(&f, "ivy", "t", NULL, false, NULL);
  cr_expect_eq(st.on_request(st.ctx, &f.req, &ans), LR_STAGE_ANSWER, "not a fresh burst");
  fake_free(&f);
  lr_clock_manual_advance(&clk, 20LL * 60 * 1000000000); /* one 3/h interval */
  fake_init(&f, "ivy", "t", NULL, false, NULL);
  cr_expect_eq(st.on_request(st.ctx, &f.req, &ans), LR_STAGE_CONTINUE, "refills at the new rate");
  fake_free(&f);
  lr_guard_ctx_free(g);
  unload();
}
