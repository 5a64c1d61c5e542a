/* test_list_stage.c — the list-filter stage (proxy/list_stage.c) on a fake
 * request: a loaded engine (policies + entities), a mapped tools/list call
 * for several principals, and upstream answers as JSON bodies and SSE
 * events; fail-closed answers, @shadow forbids, --shadow, --on-error. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "list_stage.h"

static const char *policies =
    "permit(principal, action == Action::\"tools/call\", resource in Server::\"up\")\n"
    "  when { principal in Role::\"dev\" };\n"
    "forbid(principal, action == Action::\"tools/call\", resource == Tool::\"rm\")\n"
    "  unless { principal in Role::\"admin\" };\n"
    "permit(principal in Role::\"admin\", action, resource);\n"
    "permit(principal, action == Action::\"tools/call\", resource == Tool::\"search\")\n"
    "  when { context.args.q like \"public*\" };\n"
    "forbid(principal, action == Action::\"tools/call\", resource in ToolGroup::\"danger\")\n"
    "  when { context.args.force == true };\n"
    "@shadow\n"
    "forbid(principal, action, resource == Tool::\"shadowed\");\n"
    "forbid(principal, action, resource == Tool::\"weird\")\n"
    "  when { principal.clearance < context.args.level };\n"
    "permit(principal, action == Action::\"prompts/get\", resource == Prompt::\"hello\");\n"
    "permit(principal, action, resource == Tool::\"listonly\")\n"
    "  when { context.mcp.method == \"tools/list\" };\n"
    "permit(principal, action == Action::\"resources/read\", resource)\n"
    "  when { resource.public };\n"
    /* what a call brings is unknown to a list: ids, PII, arguments */
    "forbid(principal, action, resource == Tool::\"idtool\") when { context.mcp.id == 1 };\n"
    "forbid(principal, action, resource == Tool::\"piitool\") when { context.pii.isEmpty() };\n"
    "forbid(principal, action, resource == Tool::\"methodtool\")\n"
    "  when { context.mcp.method == \"tools/list\" };\n"
    /* the agentcore profile's shapes */
    "permit(principal is AgentCore::OAuthUser, action == AgentCore::Action::\"crm___read\",\n"
    "  resource == AgentCore::Gateway::\"arn:gw\");\n"
    "permit(principal, action in AgentCore::Action::\"billing\", resource)\n"
    "  when { context.input.amount < 100 };\n"
    "permit(principal, action in AgentCore::Action::\"crm\", resource)\n"
    "  when { principal.getTag(\"role\") == \"admin\" };\n"
    "forbid(principal, action == AgentCore::Action::\"crm___delete\", resource)\n"
    "  unless { principal.hasTag(\"role\") && principal.getTag(\"role\") == \"admin\" };\n";

static const char *entities =
    "[{\"uid\":{\"type\":\"Tool\",\"id\":\"nuke\"},\"attrs\":{},"
    "\"parents\":[{\"type\":\"ToolGroup\",\"id\":\"danger\"}]},"
    "{\"uid\":{\"type\":\"Resource\",\"id\":\"file:///pub\"},\"attrs\":{\"public\":true},"
    "\"parents\":[]},"
    "{\"uid\":{\"type\":\"Resource\",\"id\":\"file:///priv\"},\"attrs\":{\"public\":false},"
    "\"parents\":[]}]";

static lr_engine *engine;
static lr_arena *a;
static lr_decide_ctx dctx;

static char *write_temp(const char *text, const char *suffix) {
  char *path = malloc(64);
  snprintf(path, 64, "/tmp/larch-list-XXXXXX%s", suffix);
  int fd = mkstemps(path, (int)strlen(suffix));
  cr_assert(fd >= 0);
  cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  close(fd);
  return path;
}

static void setup(void) {
  char *pol = write_temp(policies, ".cedar"), *ent = write_temp(entities, ".json");
  lr_engine_config cfg = {.policies = pol, .entities = ent};
  lr_buf err = {0};
  engine = lr_engine_load(&cfg, &err);
  cr_assert(engine, "%s", err.p ? err.p : "");
  lr_buf_free(&err);
  unlink(pol), unlink(ent), free(pol), free(ent);
  a = lr_arena_new(0);
  dctx = (lr_decide_ctx){0};
}
static void teardown(void) {
  lr_arena_free(a);
  lr_engine_release(engine);
}
TestSuite(list_stage, .init = setup, .fini = teardown);

/* A fake request: a tools/list (or other list) call by user with roles,
 * as the mapping stage would leave it. */
typedef struct fake {
  lr_proxy_request req;
  lr_call_outcome o;
  lr_call call;
  lr_entities *es;
} fake;

static void fake_init(fake *f, const char *user, const char *role, const char *method) {
  memset(f, 0, sizeof *f);
  f->es = lr_entities_new_overlay(engine->entities);
  lr_arena *ea = lr_entities_arena(f->es);
  const lr_uid *p = lr_uid_new(ea, LR_STR("User"), lr_str_c(user));
  const lr_uid *r = role ? lr_uid_new(ea, LR_STR("Role"), lr_str_c(role)) : NULL;
  cr_assert_eq(
      lr_entities_add(f->es, p, lr_value_empty_record(), &r, role ? 1 : 0, lr_value_empty_record()),
      LR_OK);
  cr_assert_eq(lr_entities_finish(f->es, NULL), LR_OK);
  lr_field mcp[3] = {{LR_STR("method"), lr_value_string(a, lr_str_c(method))},
                     {LR_STR("id"), lr_value_long(1)},
                     {LR_STR("protocol"), lr_value_string(a, LR_STR("2025-06-18"))}};
  lr_field ctx[3] = {{LR_STR("args"), lr_value_empty_record()},
                     {LR_STR("pii"), lr_value_empty_set()},
                     {LR_STR("mcp"), {0}}};
  cr_assert_eq(lr_value_record(a, mcp, 3, &ctx[2].value, NULL), LR_OK);
  f->call.req.principal = p;
  f->call.req.action = lr_uid_new(a, LR_STR("Action"), lr_str_c(method));
  f->call.req.resource = lr_uid_new(a, LR_STR("Server"), LR_STR("up"));
  cr_assert_eq(lr_value_record(a, ctx, 3, &f->call.req.context, NULL), LR_OK);
  f->call.rpc_id = LR_STR("1");
  f->call.method = lr_str_c(method);
  f->call.decided = f->call.allow = true;
  f->o.engine = engine;
  f->o.entities = f->es;
  f->o.mcp = true;
  f->o.calls = &f->call;
  f->o.ncalls = 1;
  f->req.arena = a;
  f->req.route_name = LR_STR("up");
  f->req.outcome = &f->o;
}

static const char *tools_body =
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[{\"name\":\"echo\"},{\"name\":\"rm\"},"
    "{\"name\":\"search\"},{\"name\":\"nuke\"},{\"name\":\"shadowed\"},{\"name\":\"weird\"},"
    "{\"name\":\"listonly\"}]}}";

/* Runs the stage on body; returns the names left, "ANSWER: <body>" when the
 * stage answered, or "PASS" when it did not ask for the answer. */
static const char *run_status(const char *user, const char *role, const char *method,
                              const char *body, bool sse, int status) {
  fake f;
  fake_init(&f, user, role, method);
  lr_stage st = lr_stage_list_filter(&dctx);
  lr_http_head head = {.status = status};
  const char *r;
  if (st.on_response_head(st.ctx, &f.req, &head) != LR_STAGE_NEED_BODY) {
    r = "PASS";
  } else {
    lr_proxy_response resp = {.head = sse ? NULL : &head, .body = lr_str_c(body), .sse_event = sse};
    lr_proxy_answer ans = {0};
    lr_stage_verdict v = st.on_response(st.ctx, &f.req, &resp, &ans);
    if (v == LR_STAGE_ANSWER) {
      cr_assert_eq(ans.status, 200);
      r = lr_arena_sprintf(a, "ANSWER: %.*s", (int)ans.body.n, ans.body.p);
    } else {
      cr_assert_eq(v, LR_STAGE_CONTINUE);
      r = lr_arena_strndup(a, resp.body.p, resp.body.n);
    }
  }
  lr_entities_release(f.es);
  return r;
}

static const char *run(const char *user, const char *role, const char *method, const char *body,
                       bool sse) {
  return run_status(user, role, method, body, sse, 200);
}

/* The names in a filtered answer, comma-separated. */
static const char *names(const char *body) {
  lr_buf b = {0};
  for (const char *p = body; (p = strstr(p, "\"name\":\""));) {
    p += 8;
    const char *e = strchr(p, '"');
    lr_buf_printf(&b, "%s%.*s", b.len ? "," : "", (int)(e - p), p);
  }
  const char *r = lr_arena_strdup(a, b.p ? b.p : "");
  lr_buf_free(&b);
  return r;
}

Test(list_stage, tools_per_principal) {
  /* dev: every tool of the server but rm (forbidden unless admin) and weird
   * (a forbid that can only error: fail closed) */
  cr_expect_str_eq(names(run("alice", "dev", "tools/list", tools_body, false)),
                   "echo,search,nuke,shadowed,listonly");
  /* nobody: only search (some args pass its condition); listonly's
   * condition is about tools/list, and a call is a tools/call */
  cr_expect_str_eq(names(run("bob", NULL, "tools/list", tools_body, false)), "search");
  /* admin: everything but weird */
  cr_expect_str_eq(names(run("root", "admin", "tools/list", tools_body, false)),
                   "echo,rm,search,nuke,shadowed,listonly");
}

Test(list_stage, call_parts_are_unknown) {
  /* the list request has id 1 and no PII, a call may differ: not hidden;
   * context.mcp.method is the call's, so the forbid never applies */
  cr_expect_str_eq(names(run("alice", "dev", "tools/list",
                             "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":["
                             "{\"name\":\"idtool\"},{\"name\":\"piitool\"},"
                             "{\"name\":\"methodtool\"}]}}",
                             false)),
                   "idtool,piitool,methodtool");
}

Test(list_stage, on_error_cedar) {
  dctx.on_error_cedar = true; /* Cedar skips the erroring forbid */
  cr_expect_str_eq(names(run("root", "admin", "tools/list", tools_body, false)),
                   "echo,rm,search,nuke,shadowed,weird,listonly");
}

Test(list_stage, shadow_mode_passes) {
  dctx.shadow = true;
  cr_expect_str_eq(run("bob", NULL, "tools/list", tools_body, false), "PASS");
}

Test(list_stage, upstream_refusals_pass) {
  cr_expect_str_eq(run_status("bob", NULL, "tools/list", "Session not found", false, 404), "PASS");
  cr_expect_str_eq(run_status("bob", NULL, "tools/list", "", false, 401), "PASS");
  cr_expect_str_eq(names(run_status("bob", NULL, "tools/list", tools_body, false, 201)), "search");
}

Test(list_stage, other_methods_pass) {
  cr_expect_str_eq(run("bob", NULL, "tools/call", tools_body, false), "PASS");
  cr_expect_str_eq(run("bob", NULL, "initialize", tools_body, false), "PASS");
}

Test(list_stage, prompts_and_resources) {
  cr_expect_str_eq(names(run("bob", NULL, "prompts/list",
                             "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"prompts\":["
                             "{\"name\":\"hello\"},{\"name\":\"other\"}]}}",
                             false)),
                   "hello");
  const char *res = run("bob", NULL, "resources/list",
                        "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"resources\":["
                        "{\"uri\":\"file:///pub\"},{\"uri\":\"file:///priv\"},"
                        "{\"uri\":\"file:///unknown\"}]}}",
                        false);
  /* resource.public from --entities; an unknown resource has no attribute:
   * the permit errors, so it does not count */
  cr_expect_str_eq(res, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"resources\":["
                        "{\"uri\":\"file:///pub\"}]}}");
}

Test(list_stage, sse_event) {
  const char *ev = "event: message\r\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":"
                   "[{\"name\":\"rm\"},{\"name\":\"search\"}]}}\r\n\r\n";
  cr_expect_str_eq(run("bob", NULL, "tools/list", ev, true),
                   "event: message\r\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":"
                   "[{\"name\":\"search\"}]}}\r\n\r\n");
  /* a garbage event becomes a JSON-RPC error event for the list request */
  const char *bad = run("bob", NULL, "tools/list", "data: {\"tools\": [\n\n", true);
  cr_expect(strncmp(bad, "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"error\":", 50) == 0,
            "%s", bad);
  cr_expect(strstr(bad, "\n\n") == bad + strlen(bad) - 2);
}

Test(list_stage, compressed_answers_fail_closed) {
  fake f;
  fake_init(&f, "root", "admin", "tools/list");
  lr_stage st = lr_stage_list_filter(&dctx);
  lr_http_header h = {LR_STR("Content-Encoding"), LR_STR("gzip")};
  lr_http_head head = {.status = 200, .headers = &h, .nheaders = 1};
  cr_assert_eq(st.on_response_head(st.ctx, &f.req, &head), LR_STAGE_NEED_BODY);
  lr_proxy_response resp = {.head = &head, .body = lr_str_c(tools_body)};
  lr_proxy_answer ans = {0};
  cr_expect_eq(st.on_response(st.ctx, &f.req, &resp, &ans), LR_STAGE_ANSWER);
  cr_expect(strstr(ans.body.p, "compressed"));
  lr_entities_release(f.es);
}

Test(list_stage, garbage_answers_fail_closed) {
  const char *r = run("root", "admin", "tools/list", "<html>oops</html>", false);
  cr_expect(strncmp(r, "ANSWER: {\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32603", 53) == 0,
            "%s", r);
  cr_expect(strstr(r, "not valid JSON"));
  r = run("root", "admin", "tools/list", "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"tools\":[]}}",
          false);
  cr_expect(strstr(r, "answers no request"), "%s", r);
}

/* The agentcore profile: tools "<target>___<tool>" as AgentCore actions on
 * the gateway, context.input unknown. */
static const char *run_agentcore(const char *role) {
  fake f;
  fake_init(&f, "unused", NULL, "tools/list");
  lr_entities_release(f.es);
  f.es = lr_entities_new_overlay(engine->entities);
  lr_arena *ea = lr_entities_arena(f.es);
  const lr_uid *p = lr_uid_new(ea, LR_STR("AgentCore::OAuthUser"), LR_STR("u1"));
  lr_field tag = {LR_STR("role"), lr_value_string(ea, lr_str_c(role ? role : ""))};
  lr_value tags = lr_value_empty_record();
  if (role) cr_assert_eq(lr_value_record(ea, &tag, 1, &tags, NULL), LR_OK);
  cr_assert_eq(lr_entities_add(f.es, p, lr_value_empty_record(), NULL, 0, tags), LR_OK);
  cr_assert_eq(lr_entities_finish(f.es, NULL), LR_OK);
  f.o.entities = f.es;
  f.call.req.principal = p;
  f.call.req.resource = lr_uid_new(a, LR_STR("AgentCore::Gateway"), LR_STR("arn:gw"));
  f.call.req.context = lr_value_empty_record();
  dctx.agentcore = true;
  lr_stage st = lr_stage_list_filter(&dctx);
  lr_http_head head = {.status = 200};
  cr_assert_eq(st.on_response_head(st.ctx, &f.req, &head), LR_STAGE_NEED_BODY);
  lr_proxy_response resp = {.head = &head,
                            .body = LR_STR("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":["
                                           "{\"name\":\"crm___read\"},{\"name\":\"crm___delete\"},"
                                           "{\"name\":\"billing___pay\"},{\"name\":\"plain\"},"
                                           "{\"name\":\"other___x\"}]}}")};
  lr_proxy_answer ans = {0};
  cr_assert_eq(st.on_response(st.ctx, &f.req, &resp, &ans), LR_STAGE_CONTINUE);
  lr_entities_release(f.es);
  return names(lr_arena_strndup(a, resp.body.p, resp.body.n));
}

Test(list_stage, agentcore_profile) {
  /* no role tag: crm___delete's forbid holds; billing___pay passes for some
   * inputs; "plain" has no target, other___x no permit */
  cr_expect_str_eq(run_agentcore(NULL), "crm___read,billing___pay");
  cr_expect_str_eq(run_agentcore("admin"), "crm___read,crm___delete,billing___pay");
  cr_expect_str_eq(run_agentcore("dev"), "crm___read,billing___pay");
}
