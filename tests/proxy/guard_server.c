/*
 * guard_server.c — `larch serve` with a small stand-in for the decide stage
 * in front of the real limit and mask stages (proxy/guard_stage.h), for
 * test_guard.py. The stand-in leaves an lr_call_outcome (decide.h) on the
 * request exactly as the decide stage does, so the guard stages cannot
 * tell the difference; the same tests run against `larch serve` itself
 * once its decide stage is in the pipeline (test_guard.py --larch).
 *
 * Stand-in decide (policies from --policies DIR, no entities):
 *   principal: X-User: <id> → User::"<id>", else Anonymous::"anonymous"
 *   MCP (path under /mcp, JSON-RPC request or batch):
 *     action Action::"<method>", resource Tool::"<params.name>" for
 *     tools/call, else Server::"mcp"; context {pii, session, client {ip}}
 *   REST: action Action::"<METHOD>", resource Route::"<path>"
 *   context.pii: the types lr_pii_scan_json finds in the body
 *   context.session: the Mcp-Session-Id header ("" when absent)
 *   denied: 403 (REST) or a JSON-RPC error (MCP); nothing goes upstream.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cmd_files.h"
#include "decide.h"
#include "guard_stage.h"
#include "serve.h"

typedef struct fake_decide {
  lr_arena *a;
  lr_policy_set set;
  bool ok;
  lr_engine engine; /* what the guard stages read of it: the prepared records */
} fake_decide;

static void on_file(const char *file, void *arg) {
  fake_decide *d = arg;
  lr_diags dg = {0};
  if (lr_policy_set_add_file(d->a, &d->set, file, 0, &dg) != LR_OK) {
    lr_buf b = {0};
    lr_diags_render(&dg, &b);
    fprintf(stderr, "guard_server: %s", b.p ? b.p : "bad policy\n");
    lr_buf_free(&b);
    d->ok = false;
  }
  lr_diags_free(&dg);
}

static lr_stage_verdict fd_head(void *ctx, lr_proxy_request *req, lr_proxy_answer *ans) {
  (void)ctx, (void)ans;
  return req->body_expected ? LR_STAGE_NEED_BODY : LR_STAGE_CONTINUE;
}

static lr_str hdr(const lr_proxy_request *req, const char *name) {
  const lr_http_header *h = lr_http_find(req->head, name);
  return h ? h->value : LR_STR("");
}

/* Fills one call: the Cedar request and the decision. */
static void decide_call(fake_decide *d, lr_proxy_request *req, lr_call *c, lr_str action,
                        lr_str rtype, lr_str rid, lr_value pii) {
  lr_arena *a = req->arena;
  lr_str user = hdr(req, "X-User");
  c->req.principal = user.n ? lr_uid_new(a, LR_STR("User"), user)
                            : lr_uid_new(a, LR_STR("Anonymous"), LR_STR("anonymous"));
  c->req.action = lr_uid_new(a, LR_STR("Action"), action);
  c->req.resource = lr_uid_new(a, rtype, rid);
  lr_field client[1] = {{LR_STR("ip"), lr_value_string(a, req->client_ip)}};
  lr_value cl;
  lr_value_record(a, client, 1, &cl, NULL);
  lr_field f[3] = {{LR_STR("pii"), pii},
                   {LR_STR("session"), lr_value_string(a, hdr(req, "Mcp-Session-Id"))},
                   {LR_STR("client"), cl}};
  lr_value_record(a, f, 3, &c->req.context, NULL);
  lr_authorize(a, d->set.insts, d->set.ninsts, NULL, &c->req, &c->decision);
  c->decided = true;
  c->allow = c->decision.allow;
}

static lr_stage_verdict fd_request(void *ctx, lr_proxy_request *req, lr_proxy_answer *ans) {
  fake_decide *d = ctx;
  lr_arena *a = req->arena;
  lr_call_outcome *o = LR_NEW(a, lr_call_outcome);
  o->request_id = req->request_id;
  o->engine = &d->engine;
  req->outcome = o;
  /* context.pii */
  lr_pii_spans sp = {0};
  lr_value items[LR_PII__COUNT];
  size_t np = 0;
  if (req->body.n) {
    lr_pii_scan_json(req->body.p, req->body.n, LR_PII_DEFAULT, &sp);
    for (int t = 0; t < LR_PII__COUNT; t++)
      if (sp.found & LR_PII_BIT(t))
        items[np++] = lr_value_string(a, lr_str_c(lr_pii_type_name((lr_pii_type)t)));
    lr_pii_spans_free(&sp);
  }
  lr_value pii = lr_value_set(a, items, np);
  o->mcp = lr_str_starts_with(req->head->path, LR_STR("/mcp"));
  if (!o->mcp) {
    o->calls = LR_NEW(a, lr_call);
    o->ncalls = 1;
    decide_call(d, req, o->calls, req->head->method_name, LR_STR("Route"), req->head->path, pii);
  } else {
    json_t *j = json_loadb(req->body.p, req->body.n, 0, NULL);
    if (!j) {
      ans->status = 400;
      ans->body = LR_STR("{\"error\": \"bad JSON\"}");
      return LR_STAGE_ANSWER;
    }
    o->batch = json_is_array(j);
    size_t n = o->batch ? json_array_size(j) : 1;
    o->calls = LR_NEW_N(a, lr_call, n ? n : 1);
    o->ncalls = n;
    for (size_t i = 0; i < n; i++) {
      json_t *m = o->batch ? json_array_get(j, i) : j;
      lr_call *c = &o->calls[i];
      const char *method = json_string_value(json_object_get(m, "method"));
      json_t *id = json_object_get(m, "id");
      c->notification = id == NULL;
      if (id) {
        char *s = json_dumps(id, JSON_ENCODE_ANY | JSON_COMPACT);
        c->rpc_id = lr_str_dup(a, lr_str_c(s));
        free(s);
      }
      const char *tool = json_string_value(json_object_get(json_object_get(m, "params"), "name"));
      bool call = method && strcmp(method, "tools/call") == 0 && tool;
      decide_call(d, req, c, lr_str_c(method ? method : "unknown"),
                  call ? LR_STR("Tool") : LR_STR("Server"), call ? lr_str_c(tool) : LR_STR("mcp"),
                  pii);
    }
    json_decref(j);
  }
  o->allow = true;
  for (size_t i = 0; i < o->ncalls; i++) o->allow &= o->calls[i].allow;
  if (o->allow) return LR_STAGE_CONTINUE;
  size_t k = 0;
  while (k < o->ncalls && o->calls[k].allow) k++;
  lr_buf b = {0};
  if (o->mcp) {
    lr_buf_puts(&b, "{\"jsonrpc\": \"2.0\", \"id\": ");
    lr_buf_append(&b, o->calls[k].rpc_id.n ? o->calls[k].rpc_id.p : "null",
                  o->calls[k].rpc_id.n ? o->calls[k].rpc_id.n : 4);
    lr_buf_puts(&b, ", \"error\": {\"code\": -31403, \"message\": \"denied\"}}");
    ans->status = 200;
  } else {
    lr_buf_puts(&b, "{\"error\": \"denied\"}");
    ans->status = 403;
  }
  ans->body = lr_str_dup(a, lr_buf_str(&b));
  lr_buf_free(&b);
  return LR_STAGE_ANSWER;
}

int main(int argc, char **argv) {
  lr_serve_config cfg;
  lr_buf err = {0};
  if (lr_serve_config_load(&cfg, argc, argv, &err) != LR_OK) {
    fprintf(stderr, "guard_server: %s\n", err.p);
    return 2;
  }
  fake_decide d = {.a = lr_arena_new(0), .ok = true};
  if (cfg.policies) lr_cli_walk(cfg.policies, ".cedar", on_file, &d);
  d.engine.obligations = lr_obligation_prepare(d.set.policies, d.set.npolicies);
  int status = 1;
  lr_guard_ctx *guard = d.ok ? lr_guard_from_config(&cfg, lr_clock_system(), &err) : NULL;
  if (guard) {
    lr_pipeline pl = {0};
    lr_pipeline_add(&pl, lr_stage_inspect());
    lr_pipeline_add(
        &pl,
        (lr_stage){.name = "fake-decide", .on_head = fd_head, .on_request = fd_request, .ctx = &d});
    lr_pipeline_add(&pl, lr_stage_limit(guard));
    lr_pipeline_add(&pl, lr_stage_mask(guard));
    lr_server *srv = lr_server_new(&cfg, &pl, lr_clock_system(), &err);
    if (srv) {
      status = lr_server_run(srv);
      lr_server_free(srv);
    }
  }
  if (status) fprintf(stderr, "guard_server: %s\n", err.p ? err.p : "cannot start");
  lr_guard_ctx_free(guard);
  lr_obligation_prep_free(d.engine.obligations);
  lr_arena_free(d.a);
  lr_buf_free(&err);
  lr_serve_config_free(&cfg);
  return status;
}
