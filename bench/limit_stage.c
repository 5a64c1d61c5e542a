/*
 * limit_stage.c — bench_limit_stage: CPU cost per request of the guard
 * stages in process (proxy/limit_stage.c, proxy/guard_stage.c), without
 * sockets: an allowed `tools/call` decided with lr_authorize against a set
 * with 0 or 3 matching limits, then the limit stage's on_request. Prints
 * ns/request for authorize alone, authorize + limit stage with no limits,
 * and with three, and the ratio of the stage's own share. The limits never
 * refuse (checked: a refusal aborts the run, so a fast wrong answer cannot
 * pass). Times are thread CPU time, medians of 5 interleaved rounds.
 *
 * usage: build/bench/bench_limit_stage [iterations]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decide.h"
#include "guard_stage.h"

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* CPU time: a shared machine */
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static const char *BASE = "permit (principal, action, resource);\n"
                          "forbid (principal, action, resource) when { context.pii.contains(\"X\") };\n";
static const char *LIMITS =
    "@id(\"b0\") limit (principal, action, resource) with { max: 2000000000, per: "
    "duration(\"1s\"), key: principal };\n"
    "@id(\"b1\") limit (principal, action == Action::\"tools/call\", resource) with { max: "
    "2000000000, per: duration(\"1s\"), key: context.client.ip };\n"
    "@id(\"b2\") limit (principal, action, resource) with { max: 2000000000, per: "
    "duration(\"1s\"), key: [principal, resource] };\n";

typedef struct set {
  lr_arena *a;
  lr_policy_inst *insts;
  size_t n;
  lr_engine engine; /* what the stage reads of it: the prepared records */
} set;

static set load(const char *text) {
  set s = {.a = lr_arena_new(0)};
  lr_source *src = LR_NEW(s.a, lr_source);
  src->name = "bench";
  src->text = lr_arena_strdup(s.a, text);
  src->len = strlen(text);
  lr_diags d = {0};
  lr_policy_list l;
  if (lr_parse_policies(s.a, src, 0, &d, &l) != LR_OK) abort();
  lr_diags_free(&d);
  s.n = lr_policy_insts_static(s.a, &l, &s.insts);
  s.engine.obligations = lr_obligation_prepare((const lr_policy *const *)l.items, l.n);
  return s;
}

/* One request: authorize, then (stage != NULL) the limit stage. */
static void one(set *s, lr_stage *stage, lr_arena *a) {
  lr_arena_reset(a);
  lr_http_head head = {.path = LR_STR("/mcp")};
  lr_call_outcome *o = LR_NEW(a, lr_call_outcome);
  o->engine = &s->engine;
  lr_call *c = LR_NEW(a, lr_call);
  lr_proxy_request req = {.arena = a, .head = &head, .client_ip = LR_STR("10.1.2.3"),
                          .outcome = o};
  c->req.principal = lr_uid_new(a, LR_STR("User"), LR_STR("alice"));
  c->req.action = lr_uid_new(a, LR_STR("Action"), LR_STR("tools/call"));
  c->req.resource = lr_uid_new(a, LR_STR("Tool"), LR_STR("search"));
  lr_ipaddr addr; /* an address value, as the mapping stage makes it */
  if (lr_ipaddr_parse(LR_STR("10.1.2.3"), &addr, NULL) != LR_OK) abort();
  lr_field ip = {LR_STR("ip"), lr_value_ipaddr(a, &addr)};
  lr_value client;
  lr_value_record(a, &ip, 1, &client, NULL);
  lr_field f[2] = {{LR_STR("client"), client}, {LR_STR("pii"), lr_value_empty_set()}};
  lr_value_record(a, f, 2, &c->req.context, NULL);
  lr_authorize(a, s->insts, s->n, NULL, &c->req, &c->decision);
  c->decided = c->allow = c->decision.allow;
  o->calls = c, o->ncalls = 1, o->allow = c->allow;
  if (!stage) return;
  lr_proxy_answer ans = {0};
  if (stage->on_request(stage->ctx, &req, &ans) != LR_STAGE_CONTINUE) {
    fprintf(stderr, "bench_limit_stage: a request was refused\n");
    exit(1);
  }
}

static double run(set *s, lr_stage *stage, lr_arena *a, long n) {
  for (long i = 0; i < n / 10; i++) one(s, stage, a); /* warm-up */
  int64_t t0 = now_ns();
  for (long i = 0; i < n; i++) one(s, stage, a);
  return (double)(now_ns() - t0) / (double)n;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 300000;
  set none = load(BASE);
  char *three_text = malloc(strlen(BASE) + strlen(LIMITS) + 1);
  strcpy(three_text, BASE);
  strcat(three_text, LIMITS);
  set three = load(three_text);
  lr_guard_options o = {.clock = lr_clock_system(), .seed = 42};
  lr_buf err = {0};
  lr_guard_ctx *g = lr_guard_ctx_new(&o, &err);
  lr_stage st = lr_stage_limit(g);
  lr_arena *a = lr_arena_new(0);
  double r[4][5];
  for (int k = 0; k < 5; k++) {
    r[0][k] = run(&none, NULL, a, n / 5);
    r[1][k] = run(&three, NULL, a, n / 5);
    r[2][k] = run(&none, &st, a, n / 5);
    r[3][k] = run(&three, &st, a, n / 5);
  }
  double med[4];
  for (int i = 0; i < 4; i++) {
    for (int x = 0; x < 5; x++) /* insertion sort of 5 */
      for (int y = x; y > 0 && r[i][y] < r[i][y - 1]; y--) {
        double t = r[i][y];
        r[i][y] = r[i][y - 1], r[i][y - 1] = t;
      }
    med[i] = r[i][2];
  }
  double auth0 = med[0], auth3 = med[1], s0 = med[2], s3 = med[3];
  printf("bench_limit_stage: %ld requests each, one thread\n", n);
  printf("authorize only, no limits      %8.1f ns/request\n", auth0);
  printf("authorize only, 3 limits in set %7.1f ns/request\n", auth3);
  printf("authorize + limit stage, none  %8.1f ns/request\n", s0);
  printf("authorize + limit stage, 3     %8.1f ns/request\n", s3);
  printf("limit stage itself: %.1f ns with 3 limits (%.1f ns per limit), %.1f ns without\n",
         s3 - auth3, (s3 - auth3) / 3, s0 - auth0);
  lr_buf m = {0};
  lr_guard_metrics(g, &m);
  const char *hit = strstr(m.p, "result=\"allowed\"} ");
  long allowed = hit ? atol(strchr(hit, '}') + 2) : -1;
  printf("check: b0 allowed %ld of %ld checks\n", allowed, 5 * (n / 5 + n / 50));
  if (allowed != 5 * (n / 5 + n / 50)) return 1;
  lr_buf_free(&m);
  lr_guard_ctx_free(g);
  lr_arena_free(a);
  lr_obligation_prep_free(none.engine.obligations);
  lr_obligation_prep_free(three.engine.obligations);
  lr_arena_free(none.a);
  lr_arena_free(three.a);
  free(three_text);
  return 0;
}
