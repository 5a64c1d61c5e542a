/*
 * test_mapping.c — unit tests for proxy/mapping.c (HTTP/MCP → Cedar
 * request, DESIGN §3), proxy/engine.c (loading, errors with positions, the
 * holder) and the decisions of proxy/decide.c on mapped requests.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "decide.h"
#include "engine.h"
#include "guard.h"
#include "mapping.h"

static lr_http_header hdrs[] = {
    {LR_STR("Host"), LR_STR("mcp.example")},
    {LR_STR("Content-Type"), LR_STR("application/json")},
    {LR_STR("Authorization"), LR_STR("Bearer secret")},
    {LR_STR("X-Tag"), LR_STR("a")},
    {LR_STR("x-tag"), LR_STR("b")},
};
static lr_http_head head = {.method = HTTP_POST,
                            .method_name = LR_STR("POST"),
                            .path = LR_STR("/mcp"),
                            .host = LR_STR("mcp.example"),
                            .headers = hdrs,
                            .nheaders = 5};

/* 2024-03-06T10:30:00Z, a Wednesday. */
#define WALL_MS 1709721000000LL

typedef struct fixture {
  lr_arena *a;
  lr_mapping_env env;
  lr_mapping_common common;
  lr_jfast_doc doc;
  lr_jfast_rpcs rpcs;
} fixture;

static void setup_body(fixture *f, const char *body) {
  setenv("TZ", "UTC", 1);
  f->a = lr_arena_new(0);
  f->env = (lr_mapping_env){.a = f->a,
                            .server = LR_STR("files"),
                            .head = &head,
                            .client_ip = LR_STR("10.1.2.3"),
                            .client_port = 4242,
                            .wall_ms = WALL_MS,
                            .session = LR_STR("s-1"),
                            .protocol = LR_STR("2025-06-18"),
                            .pii = LR_PII_BIT(LR_PII_EMAIL),
                            .headers = true};
  lr_mapping_common_init(&f->env, &f->common);
  cr_assert_eq(lr_jfast_parse(f->a, body, strlen(body), &f->doc, NULL), LR_OK);
  cr_assert_eq(lr_jfast_rpc_extract(f->a, &f->doc, &f->rpcs, NULL), LR_OK);
}

static char *text(lr_arena *a, lr_value v) {
  lr_buf b = {0};
  lr_value_print(v, &b);
  char *s = lr_arena_strdup(a, b.p);
  lr_buf_free(&b);
  return s;
}

static lr_value ctx_get(lr_value ctx, const char *path) {
  char buf[128];
  snprintf(buf, sizeof buf, "%s", path);
  lr_value v = ctx;
  for (char *k = strtok(buf, "."); k; k = strtok(NULL, ".")) {
    const lr_value *x = lr_value_record_get(v, lr_str_c(k));
    cr_assert(x, "missing %s", path);
    v = *x;
  }
  return v;
}

Test(mapping, tools_call) {
  fixture f;
  setup_body(&f, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"read_file\",\"arguments\":{\"path\":\"/etc\",\"n\":3,\"r\":1.5,\"z\":null,"
                 "\"tags\":[\"b\",\"a\"]}}}");
  lr_mapped m;
  const char *why = NULL;
  cr_assert_eq(lr_mapping_mcp(&f.env, &f.common, &f.doc, &f.rpcs.msgs[0], &m, &why), LR_OK);
  cr_assert_str_eq(lr_mapping_uid_text(f.a, m.req.action), "Action::\"tools/call\"");
  cr_assert_str_eq(lr_mapping_uid_text(f.a, m.req.resource), "Tool::\"read_file\"");
  cr_assert_str_eq(lr_mapping_uid_text(f.a, m.server), "Server::\"files\"");
  lr_value c = m.req.context;
  cr_assert_str_eq(text(f.a, ctx_get(c, "args")),
                   "{\"n\": 3, \"path\": \"/etc\", \"r\": decimal(\"1.5000\"), \"tags\": [\"a\", "
                   "\"b\"]}");
  cr_assert_str_eq(text(f.a, ctx_get(c, "mcp")),
                   "{\"id\": 7, \"method\": \"tools/call\", \"protocol\": \"2025-06-18\"}");
  cr_assert_str_eq(text(f.a, ctx_get(c, "client")),
                   "{\"ip\": ip(\"10.1.2.3/32\"), \"port\": 4242}");
  cr_assert_str_eq(text(f.a, ctx_get(c, "pii")), "[\"EMAIL\"]");
  cr_assert_str_eq(text(f.a, ctx_get(c, "session")), "\"s-1\"");
  cr_assert_str_eq(text(f.a, ctx_get(c, "time.hour")), "10");
  cr_assert_str_eq(text(f.a, ctx_get(c, "time.weekday")), "3");
  cr_assert_str_eq(text(f.a, ctx_get(c, "time.now")), "datetime(\"2024-03-06T10:30:00.000Z\")");
  cr_assert_str_eq(text(f.a, ctx_get(c, "http.method")), "\"POST\"");
  cr_assert_str_eq(text(f.a, ctx_get(c, "http.path")), "\"/mcp\"");
  /* Header names lower-cased, repeats joined, credentials hidden. */
  cr_assert_str_eq(text(f.a, ctx_get(c, "http.headers")),
                   "{\"content-type\": \"application/json\", \"host\": \"mcp.example\", \"x-tag\": "
                   "\"a, b\"}");
  lr_arena_free(f.a);
}

Test(mapping, other_methods) {
  fixture f;
  setup_body(&f, "[{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":\"resources/read\",\"params\":{"
                 "\"uri\":\"file:///a\"}},{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":"
                 "\"prompts/get\",\"params\":{\"name\":\"p\",\"arguments\":{\"k\":\"v\"}}},"
                 "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\"}]");
  const char *want[][3] = {
      {"Action::\"resources/read\"", "Resource::\"file:///a\"", "{\"uri\": \"file:///a\"}"},
      {"Action::\"prompts/get\"", "Prompt::\"p\"",
       "{\"arguments\": {\"k\": \"v\"}, \"name\": \"p\"}"},
      {"Action::\"tools/list\"", "Server::\"files\"", "{}"}};
  for (size_t i = 0; i < 3; i++) {
    lr_mapped m;
    const char *why = NULL;
    cr_assert_eq(lr_mapping_mcp(&f.env, &f.common, &f.doc, &f.rpcs.msgs[i], &m, &why), LR_OK);
    cr_assert_str_eq(lr_mapping_uid_text(f.a, m.req.action), want[i][0]);
    cr_assert_str_eq(lr_mapping_uid_text(f.a, m.req.resource), want[i][1]);
    cr_assert_str_eq(text(f.a, ctx_get(m.req.context, "args")), want[i][2]);
  }
  lr_mapped m;
  lr_value id =
      ctx_get((lr_mapping_mcp(&f.env, &f.common, &f.doc, &f.rpcs.msgs[0], &m, NULL), m.req.context),
              "mcp.id");
  cr_assert_str_eq(text(f.a, id), "\"x\"");
  lr_arena_free(f.a);
}

Test(mapping, uid_text) {
  lr_arena *a = lr_arena_new(0);
  const char *ids[][2] = {
      {"plain id", "T::\"plain id\""}, {"q\"b\\s", "T::\"q\\\"b\\\\s\""}, {"caf\xc3\xa9\n", NULL}};
  for (size_t i = 0; i < 3; i++) {
    const lr_uid *u = lr_uid_new(a, LR_STR("T"), lr_str_c(ids[i][0]));
    lr_buf b = {0};
    lr_uid_print(u, &b);
    cr_assert_str_eq(lr_mapping_uid_text(a, u), b.p, "the same text as lr_uid_print");
    if (ids[i][1]) cr_assert_str_eq(b.p, ids[i][1]);
    lr_buf_free(&b);
  }
  lr_arena_free(a);
}

Test(mapping, errors) {
  const char *bodies[] = {
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"t\","
      "\"arguments\":{\"x\":0.12345}}}",
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":5}}",
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"t\","
      "\"arguments\":{\"x\":1e3}}}",
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/read\",\"params\":{}}",
  };
  const char *want[] = {"params.arguments.x", "params.name", "params.arguments.x", "params.uri"};
  for (size_t i = 0; i < 4; i++) {
    fixture f;
    setup_body(&f, bodies[i]);
    lr_mapped m;
    const char *why = NULL;
    cr_assert_eq(lr_mapping_mcp(&f.env, &f.common, &f.doc, &f.rpcs.msgs[0], &m, &why), LR_ERR);
    cr_assert(why && strstr(why, want[i]), "%zu: %s", i, why ? why : "(null)");
    lr_arena_free(f.a);
  }
}

Test(mapping, rest) {
  fixture f;
  setup_body(&f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\"}");
  const char *body = "{\"amount\": 12, \"note\": null, \"to\": \"b\"}";
  lr_jfast_doc d;
  cr_assert_eq(lr_jfast_parse(f.a, body, strlen(body), &d, NULL), LR_OK);
  lr_rest_target t;
  const char *why = NULL;
  cr_assert_eq(lr_mapping_rest_target(f.a, NULL, LR_STR("POST"), LR_STR("/v1//pay/./x/..?to=a&x=1"),
                                      &d, &t, &why),
               LR_OK, "%s", why);
  lr_mapped m;
  cr_assert_eq(lr_mapping_rest(&f.env, &f.common, &t, &m), LR_OK);
  cr_assert_str_eq(lr_mapping_uid_text(f.a, m.req.action), "Action::\"POST\"");
  cr_assert_str_eq(lr_mapping_uid_text(f.a, m.req.resource), "Route::\"/v1/pay\"");
  /* body members first; query parameters the body does not name */
  cr_assert_str_eq(text(f.a, ctx_get(m.req.context, "args")),
                   "{\"amount\": 12, \"to\": \"b\", \"x\": \"1\"}");
  cr_assert_null(lr_value_record_get(m.req.context, LR_STR("mcp")));
  cr_assert_str_eq(t.forward.p, "/v1/pay?to=a&x=1");
  /* Tricks land on the same Route or are refused. */
  const char *same[] = {"/admin",   "/%61dmin",   "/x/../admin",
                        "//admin/", "/admin;j=1", "/a/%2e%2e/admin"};
  for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
    cr_assert_eq(
        lr_mapping_rest_target(f.a, NULL, LR_STR("GET"), lr_str_c(same[i]), NULL, &t, &why), LR_OK,
        "%s", same[i]);
    cr_assert_str_eq(t.resource->id.p, "/admin", "%s", same[i]);
  }
  const char *refused[] = {"/adm%2Fin", "/..", "/%252e%252e/admin", "/a\\b"};
  for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
    cr_assert_eq(
        lr_mapping_rest_target(f.a, NULL, LR_STR("GET"), lr_str_c(refused[i]), NULL, &t, &why),
        LR_ERR, "%s", refused[i]);
  lr_arena_free(f.a);
}

Test(mapping, time_zone) {
  setenv("TZ", "Asia/Tokyo", 1); /* UTC+9, no DST: 19:30 on the Wednesday */
  tzset();
  lr_arena *a = lr_arena_new(0);
  /* Another thread's cache is independent; this thread may have cached UTC
   * for the same quarter hour, so use a different instant. */
  lr_value t = lr_mapping_time(a, WALL_MS + 3600 * 1000);
  cr_assert_str_eq(text(a, ctx_get(t, "hour")), "20");
  lr_value t2 = lr_mapping_time(a, WALL_MS + 14 * 3600 * 1000); /* 00:30 Thursday in Tokyo */
  cr_assert_str_eq(text(a, ctx_get(t2, "weekday")), "4");
  cr_assert_str_eq(text(a, ctx_get(t2, "hour")), "9");
  lr_arena_free(a);
  setenv("TZ", "UTC", 1);
  tzset();
}

/* ---- engine + decisions --------------------------------------------------------- */

static char *write_tmp(const char *name, const char *text) {
  static char dir[64];
  if (!dir[0]) {
    snprintf(dir, sizeof dir, "/tmp/larch-test-mapping-XXXXXX");
    cr_assert(mkdtemp(dir));
  }
  char *path = malloc(256);
  snprintf(path, 256, "%s/%s", dir, name);
  FILE *fp = fopen(path, "w");
  fputs(text, fp);
  fclose(fp);
  return path;
}

Test(engine, broken_policy_reports_position) {
  char *p =
      write_tmp("bad.cedar",
                "permit (principal, action, resource);\nforbid (principal,, action, resource);\n");
  lr_engine_config cfg = {.policies = p};
  lr_buf err = {0};
  cr_assert_null(lr_engine_load(&cfg, &err));
  cr_assert(strstr(err.p, "bad.cedar:2:"), "%s", err.p);
  lr_buf_free(&err);
  free(p);
}

Test(engine, what_policies_read) {
  const char *cases[][3] = {
      {"permit (principal, action, resource);\n", "0", "0"},
      {"forbid (principal, action, resource) when { context.pii.contains(\"EMAIL\") };\n", "0",
       "1"},
      {"forbid (principal, action, resource) when { context.http[\"headers\"] == {} };\n", "1",
       "0"},
      {"forbid (principal, action, resource) when { context.http has \"h\\u{65}aders\" };\n", "1",
       "1"},
      {"mask (principal, action, resource) with { types: [\"EMAIL\"] };\n", "0", "1"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *p = write_tmp("m.cedar", cases[i][0]);
    lr_engine_config cfg = {.policies = p};
    lr_buf err = {0};
    lr_engine *e = lr_engine_load(&cfg, &err);
    cr_assert(e, "%s", err.p);
    cr_assert_eq(e->uses_headers, cases[i][1][0] == '1', "%zu headers", i);
    cr_assert_eq(e->uses_pii, cases[i][2][0] == '1', "%zu pii", i);
    lr_engine_release(e);
    lr_buf_free(&err);
    free(p);
  }
}

Test(engine, holder_swaps) {
  char *p = write_tmp("a.cedar", "@id(\"all\") permit (principal, action, resource);\n");
  lr_engine_config cfg = {.policies = p};
  lr_buf err = {0};
  lr_engine *e = lr_engine_load(&cfg, &err);
  cr_assert(e, "%s", err.p);
  lr_engine_holder *h = lr_engine_holder_new(e);
  lr_engine *held = lr_engine_acquire(h);
  cr_assert_eq(held->set.ninsts, 1);
  cr_assert_str_eq(lr_engine_meta(held, "policy0")->label, "all");
  lr_engine_swap(h, lr_engine_empty());
  lr_engine *now = lr_engine_acquire(h);
  cr_assert_eq(now->set.ninsts, 0);
  cr_assert_eq(held->set.ninsts, 1, "a request keeps the engine it started with");
  cr_assert_eq(lr_engine_generation(h), 1);
  lr_engine_release(held);
  lr_engine_release(now);
  lr_engine_holder_free(h);
  free(p);
}

typedef struct racer {
  lr_engine_holder *h;
  atomic_bool *stop;
  size_t acquires;
} racer;

static void *race_acquire(void *arg) {
  racer *r = arg;
  while (!atomic_load(r->stop)) {
    lr_engine *e = lr_engine_acquire(r->h);
    cr_assert(e->set.ninsts <= 1); /* read through it: freed memory would show under ASan */
    lr_engine_release(e);
    r->acquires++;
  }
  return NULL;
}

Test(engine, swaps_while_requests_acquire) {
  char *p = write_tmp("r.cedar", "permit (principal, action, resource);\n");
  lr_engine_config cfg = {.policies = p};
  lr_buf err = {0};
  lr_engine_holder *h = lr_engine_holder_new(lr_engine_load(&cfg, &err));
  atomic_bool stop = false;
  racer rs[3];
  pthread_t th[3];
  for (int i = 0; i < 3; i++) {
    rs[i] = (racer){h, &stop, 0};
    pthread_create(&th[i], NULL, race_acquire, &rs[i]);
  }
  for (int i = 0; i < 200; i++)
    lr_engine_swap(h, i % 2 ? lr_engine_load(&cfg, &err) : lr_engine_empty());
  atomic_store(&stop, true);
  for (int i = 0; i < 3; i++) pthread_join(th[i], NULL);
  cr_assert_eq(lr_engine_generation(h), 200);
  lr_engine_holder_free(h);
  lr_buf_free(&err);
  free(p);
}

/* Decides one tools/call under policies; returns the enforced answer. */
static lr_call decide(const char *policies, const char *tool, bool cedar, bool shadow,
                      lr_arena *a) {
  char *p = write_tmp("d.cedar", policies);
  lr_engine_config cfg = {.policies = p};
  lr_buf err = {0};
  lr_engine *e = lr_engine_load(&cfg, &err);
  cr_assert(e, "%s", err.p);
  free(p);
  lr_decide_ctx ctx = {.on_error_cedar = cedar, .shadow = shadow};
  lr_call_outcome o = {.engine = e, .decision_id = "d1"};
  o.entities = lr_entities_new_overlay(e->entities);
  lr_principal *who = lr_principal_anonymous();
  o.principal_uid = lr_mapping_principal(a, o.entities, who);
  lr_call c = {0};
  c.req.principal = o.principal_uid;
  c.req.action = lr_uid_new(a, LR_STR("Action"), LR_STR("tools/call"));
  c.req.resource = lr_uid_new(a, LR_STR("Tool"), lr_str_c(tool));
  lr_field f = {LR_STR("args"), lr_value_empty_record()};
  lr_value_record(a, &f, 1, &c.req.context, NULL);
  c.method = LR_STR("tools/call");
  c.rpc_id = LR_STR("1");
  lr_entities_finish(o.entities, NULL);
  lr_decide_call(&ctx, &o, &c, a);
  /* c's policy ids live in e's arena: copy what tests read first */
  for (size_t i = 0; i < c.npolicies; i++) {
    c.policies[i].id = lr_arena_strdup(a, c.policies[i].id);
    if (c.policies[i].label) c.policies[i].label = lr_arena_strdup(a, c.policies[i].label);
  }
  lr_entities_release(o.entities);
  lr_engine_release(e);
  return c;
}

Test(decide, fail_closed_and_shadow) {
  lr_arena *a = lr_arena_new(0);
  const char *erroring = "permit (principal, action, resource);\n"
                         "@id(\"bad-forbid\") forbid (principal, action, resource) "
                         "when { context.args.missing == 1 };\n";
  lr_call c = decide(erroring, "t", false, false, a);
  cr_assert(!c.allow && c.forbid_errored);
  cr_assert_str_eq(c.policies[0].label, "bad-forbid");
  c = decide(erroring, "t", true, false, a);
  cr_assert(c.allow, "--on-error cedar: Cedar skips the erroring forbid");
  const char *shadowed = "permit (principal, action, resource);\n"
                         "@id(\"try-me\") @shadow forbid (principal, action, resource == "
                         "Tool::\"t\");\n";
  c = decide(shadowed, "t", false, false, a);
  cr_assert(c.allow && c.shadowed, "@shadow forbids are reported, not enforced");
  cr_assert_str_eq(c.policies[0].label, "try-me");
  const char *shadow_permit = "@shadow permit (principal, action, resource);\n";
  c = decide(shadow_permit, "t", false, false, a);
  cr_assert(!c.allow, "a @shadow permit grants nothing");
  c = decide("forbid (principal, action, resource);\n", "t", false, true, a);
  cr_assert(c.allow && c.shadowed, "--shadow forwards");
  const char *tool_err = "permit (principal, action, resource);\n@deny_as(\"tool_error\") "
                         "forbid (principal, action, resource == Tool::\"rm\");\n";
  c = decide(tool_err, "rm", false, false, a);
  cr_assert(!c.allow && c.tool_error);
  c = decide(tool_err, "ls", false, false, a);
  cr_assert(c.allow && !c.tool_error);
  lr_arena_free(a);
}

/* ---- mcp.c ------------------------------------------------------------------------ */

#include "mcp.h"

Test(mcp, sessions_bind_expire_evict) {
  lr_mcp_sessions *s = lr_mcp_sessions_new(2, 1000);
  cr_assert(lr_mcp_sessions_bind(s, LR_STR("a"), "User::\"alice\"", 0));
  cr_assert_eq(lr_mcp_sessions_check(s, LR_STR("a"), "User::\"alice\"", 500), LR_MCP_SESSION_OK);
  cr_assert_eq(lr_mcp_sessions_check(s, LR_STR("a"), "User::\"mallory\"", 600),
               LR_MCP_SESSION_OTHER);
  cr_assert(!lr_mcp_sessions_bind(s, LR_STR("a"), "User::\"mallory\"", 700),
            "a live binding is not taken over");
  cr_assert_eq(lr_mcp_sessions_check(s, LR_STR("zz"), "User::\"alice\"", 700),
               LR_MCP_SESSION_UNKNOWN);
  /* idle beyond the ttl (last use 500): forgotten */
  cr_assert_eq(lr_mcp_sessions_check(s, LR_STR("a"), "User::\"alice\"", 1600),
               LR_MCP_SESSION_UNKNOWN);
  cr_assert_eq(lr_mcp_sessions_count(s), 0);
  /* full table: the least recently used goes */
  lr_mcp_sessions_bind(s, LR_STR("b"), "U::\"1\"", 2000);
  lr_mcp_sessions_bind(s, LR_STR("c"), "U::\"2\"", 2100);
  cr_assert_eq(lr_mcp_sessions_check(s, LR_STR("b"), "U::\"1\"", 2200), LR_MCP_SESSION_OK);
  lr_mcp_sessions_bind(s, LR_STR("d"), "U::\"3\"", 2300);
  cr_assert_eq(lr_mcp_sessions_count(s), 2);
  cr_assert_eq(lr_mcp_sessions_check(s, LR_STR("c"), "U::\"2\"", 2300), LR_MCP_SESSION_UNKNOWN);
  cr_assert_eq(lr_mcp_sessions_check(s, LR_STR("b"), "U::\"1\"", 2300), LR_MCP_SESSION_OK);
  lr_mcp_sessions_drop(s, LR_STR("b"));
  cr_assert_eq(lr_mcp_sessions_check(s, LR_STR("b"), "U::\"1\"", 2300), LR_MCP_SESSION_UNKNOWN);
  lr_mcp_sessions_free(s);
}

Test(mcp, versions_and_routing_headers) {
  cr_assert(lr_mcp_version_known(LR_STR("2025-03-26")));
  cr_assert(lr_mcp_version_known(LR_STR("2026-07-28")));
  cr_assert(!lr_mcp_version_known(LR_STR("2024-11-05")));
  lr_http_header hs[] = {{LR_STR("Mcp-Method"), LR_STR("tools/call")},
                         {LR_STR("Mcp-Name"), LR_STR("echo")}};
  lr_http_head h = {.headers = hs, .nheaders = 2};
  lr_str v26 = LR_STR("2026-07-28");
  cr_assert_null(lr_mcp_check_headers(&h, v26, LR_STR("tools/call"), LR_STR("echo")));
  cr_assert_not_null(lr_mcp_check_headers(&h, v26, LR_STR("tools/call"), LR_STR("rm")));
  cr_assert_not_null(lr_mcp_check_headers(&h, v26, LR_STR("tools/list"), LR_STR("")));
  h.nheaders = 0;
  cr_assert_not_null(lr_mcp_check_headers(&h, v26, LR_STR("tools/list"), LR_STR("")),
                     "2026-07-28 requires Mcp-Method");
  cr_assert_null(lr_mcp_check_headers(&h, LR_STR("2025-06-18"), LR_STR("tools/call"), LR_STR("rm")),
                 "older versions: headers optional");
  lr_buf b = {0};
  lr_mcp_error(&b, LR_STR("\"x\""), LR_MCP_DENIED, "no \"way\"", "{\"k\":1}");
  cr_assert_str_eq(b.p, "{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"error\":{\"code\":-31403,\"message\":"
                        "\"no \\\"way\\\"\",\"data\":{\"k\":1}}}");
  lr_buf_free(&b);
}
