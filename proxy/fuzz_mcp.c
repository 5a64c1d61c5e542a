/*
 * fuzz_mcp.c — libFuzzer entry point for the MCP handler: arbitrary bytes
 * are a POST body (the first byte picks MCP headers: protocol version,
 * session id, 2026-07-28 routing headers, route protocol) and go through
 * the identity, mapping and decide stages as conn.c runs them, against a
 * small policy set. Invariants: every answer is a complete JSON document
 * (checked with the hot-path reader), a forwarded request was decided
 * allow for every message, and nothing leaks (ASan). Build with
 * -DLARCH_FUZZ=ON (clang); tests/proxy/fuzz_mcp_smoke.c replays mutations
 * of seed bodies in the normal test suite.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decide.h"
#include "serve.h"

static const char POLICIES[] =
    "permit (principal, action in [Action::\"initialize\", Action::\"tools/list\"], resource);\n"
    "permit (principal, action == Action::\"tools/call\", resource) when { context.args.n < 5 };\n"
    "@deny_as(\"tool_error\") forbid (principal, action, resource == Tool::\"rm\");\n"
    "forbid (principal, action, resource) when { context.pii.contains(\"EMAIL\") };\n";

static lr_serve_config cfg;
static lr_route routes[2];
static lr_decide_ctx ctx;
static lr_pipeline pl;

static void setup(void) {
  char path[] = "/tmp/larch-fuzz-mcp-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0 || write(fd, POLICIES, sizeof POLICIES - 1) != (ssize_t)(sizeof POLICIES - 1)) abort();
  close(fd);
  cfg.policies = path;
  cfg.sessions_max = 64;
  cfg.session_ttl_ms = 60000;
  lr_buf err = {0};
  if (lr_decide_ctx_init(&ctx, &cfg, lr_clock_system(), &err) != LR_OK) abort();
  unlink(path);
  cfg.policies = NULL;
  lr_buf_free(&err);
  routes[0] = (lr_route){.name = "mcp", .prefix = "/", .protocol = LR_ROUTE_MCP, .auth = 0};
  routes[1] = (lr_route){.name = "api", .prefix = "/", .protocol = LR_ROUTE_REST, .auth = 0};
  lr_pipeline_add(&pl, lr_stage_identity(&ctx));
  lr_pipeline_add(&pl, lr_stage_mapping(&ctx));
  lr_pipeline_add(&pl, lr_stage_decide(&ctx));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!pl.n) setup();
  uint8_t sel = size ? data[0] : 0;
  const char *body = size ? (const char *)data + 1 : "";
  size_t n = size ? size - 1 : 0;
  lr_http_header hs[6];
  size_t nh = 0;
  hs[nh++] = (lr_http_header){LR_STR("Content-Type"), LR_STR("application/json")};
  if (sel & 1) hs[nh++] = (lr_http_header){LR_STR("MCP-Protocol-Version"), LR_STR("2026-07-28")};
  if (sel & 2) hs[nh++] = (lr_http_header){LR_STR("Mcp-Method"), LR_STR("tools/call")};
  if (sel & 4) hs[nh++] = (lr_http_header){LR_STR("Mcp-Name"), LR_STR("echo")};
  if (sel & 8) hs[nh++] = (lr_http_header){LR_STR("Mcp-Session-Id"), LR_STR("s1")};
  lr_http_head head = {.method = HTTP_POST,
                       .method_name = LR_STR("POST"),
                       .url = (sel & 16) ? LR_STR("/a/../b?x=1&y=%41") : LR_STR("/mcp"),
                       .path = (sel & 16) ? LR_STR("/a/../b") : LR_STR("/mcp"),
                       .content_type = LR_STR("application/json"),
                       .headers = hs,
                       .nheaders = nh};
  lr_arena *a = lr_arena_new(0);
  char *copy = lr_arena_strndup(a, body, n);
  lr_proxy_request req = {.arena = a,
                          .head = &head,
                          .route = &routes[(sel & 16) ? 1 : 0],
                          .route_name = LR_STR("mcp"),
                          .request_id = LR_STR("fuzz"),
                          .body = {copy, n},
                          .body_buffered = true,
                          .body_expected = n > 0,
                          .client_ip = LR_STR("127.0.0.1"),
                          .client_port = 1,
                          .wall_ms = 1700000000000LL};
  lr_proxy_answer ans = {0};
  lr_stage_verdict v = lr_pipeline_head(&pl, &req, &ans);
  if (v != LR_STAGE_ANSWER) v = lr_pipeline_request(&pl, &req, &ans);
  if (v == LR_STAGE_ANSWER && ans.body.n) {
    lr_jfast_doc d;
    if (lr_jfast_parse(a, ans.body.p, ans.body.n, &d, NULL) != LR_OK) abort();
  }
  lr_call_outcome *o = req.outcome;
  if (v != LR_STAGE_ANSWER && o)
    for (size_t i = 0; i < o->ncalls; i++)
      if (!o->calls[i].allow || o->calls[i].map_error) abort(); /* forwarded undecided */
  lr_arena_free(a);
  return 0;
}
