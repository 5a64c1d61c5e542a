/*
 * decide.c — the decide stage: every mapped call is authorized before
 * anything reaches the upstream, denials are answered per DESIGN §4, and
 * the shared context of the identity/mapping/decide stages is built here.
 *
 * Denials (README "Denial answers"):
 *  - MCP request: HTTP 200, JSON-RPC error code -31403 with the request's
 *    id and data {reason, policies, policy_ids, decision_id}; when a
 *    determining forbid carries @deny_as("tool_error"), a tools/call gets a
 *    tool result {content: [text], isError: true} instead.
 *  - MCP notification: 202 with no body, not forwarded.
 *  - JSON-RPC batch: if any member is denied (or cannot be mapped) the
 *    whole batch is refused: HTTP 200, one error -32600 with id null and
 *    data {reason, denied: [ids], policies, decision_id}. Nothing of it is
 *    forwarded.
 *  - REST: 403 with {error, reason, policies, policy_ids, decision_id}.
 * Fail closed: a forbid that errored denies unless --on-error cedar.
 * Shadow: --shadow forwards everything (decisions still made and kept);
 * @shadow policies are decided and reported but never enforced.
 */
#include "decide.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "jwks_fetch.h"
#include "mcp.h"
#include "openapi.h"
#include "serve.h"

/* ---- context ------------------------------------------------------------------- */

static lr_engine_config engine_config(const lr_serve_config *cfg) {
  return (lr_engine_config){cfg->policies, cfg->entities, cfg->schema};
}

lr_status lr_decide_ctx_init(lr_decide_ctx *ctx, const lr_serve_config *cfg, const lr_clock *clock,
                             lr_buf *err) {
  memset(ctx, 0, sizeof *ctx);
  ctx->cfg = cfg;
  ctx->clock = clock;
  ctx->on_error_cedar = cfg->on_error && strcmp(cfg->on_error, "cedar") == 0;
  ctx->shadow = cfg->shadow;
  ctx->agentcore = cfg->mapping && strcmp(cfg->mapping, "agentcore") == 0;
  lr_engine_config ec = engine_config(cfg);
  lr_engine *e = lr_engine_load(&ec, err);
  if (!e) return LR_ERR;
  ctx->engines = lr_engine_holder_new(e);
  if (cfg->jwks || cfg->jwks_url || cfg->api_keys) {
    lr_identity_options o = {
        .jwks_path = cfg->jwks, .jwt = cfg->jwks_url != NULL, .api_keys_path = cfg->api_keys};
    o.jwt_config.issuer = cfg->jwt_issuer;
    o.jwt_config.audience = cfg->jwt_audience;
    o.jwt_config.roles_claim = cfg->roles_claim;
    o.jwt_config.groups_claim = cfg->groups_claim;
    lr_diags d = {0};
    ctx->identity = lr_identity_set_load(&o, clock, &d);
    if (!ctx->identity || d.errors) {
      lr_diags_render(&d, err);
      if (!err->len) lr_buf_puts(err, "cannot load the identity configuration\n");
      lr_diags_free(&d);
      lr_decide_ctx_free(ctx);
      return LR_ERR;
    }
    lr_diags_free(&d);
  }
  if (cfg->jwks_url) {
    ctx->jwks_fetcher = lr_jwks_fetcher_start(cfg->jwks_url, lr_identity_set_jwks(ctx->identity),
                                              cfg->upstream_ca, cfg->jwks_refresh_ms, err);
    if (!ctx->jwks_fetcher) {
      lr_decide_ctx_free(ctx);
      return LR_ERR;
    }
  }
  if (cfg->openapi) {
    lr_diags d = {0};
    ctx->openapi = lr_openapi_load(cfg->openapi, &d);
    if (!ctx->openapi) {
      lr_diags_render(&d, err);
      if (!err->len) lr_buf_printf(err, "%s: cannot load the OpenAPI document\n", cfg->openapi);
      lr_diags_free(&d);
      lr_decide_ctx_free(ctx);
      return LR_ERR;
    }
    lr_diags_free(&d);
  }
  ctx->sessions = lr_mcp_sessions_new(cfg->sessions_max, cfg->session_ttl_ms);
  return LR_OK;
}

void lr_decide_ctx_free(lr_decide_ctx *ctx) {
  lr_jwks_fetcher_stop(ctx->jwks_fetcher); /* before the slot it fills goes */
  lr_engine_holder_free(ctx->engines);
  lr_identity_set_free(ctx->identity);
  lr_mcp_sessions_free(ctx->sessions);
  lr_openapi_free(ctx->openapi);
  memset(ctx, 0, sizeof *ctx);
}

lr_status lr_decide_ctx_reload(lr_decide_ctx *ctx, lr_buf *msg) {
  lr_engine_config ec = engine_config(ctx->cfg);
  if (lr_engine_reload(ctx->engines, &ec, msg) != LR_OK) return LR_ERR;
  if (ctx->identity) {
    lr_diags d = {0};
    lr_status st = lr_identity_set_reload(ctx->identity, &d);
    lr_diags_render(&d, msg);
    lr_diags_free(&d);
    if (st != LR_OK) return LR_ERR;
  }
  lr_engine *e = lr_engine_acquire(ctx->engines);
  lr_buf_printf(msg, "%zu policies from %zu policy file(s)", e->set.ninsts, e->nfiles);
  lr_engine_release(e);
  return LR_OK;
}

/* ---- one decision ----------------------------------------------------------------- */

static bool forbid_errored(const lr_engine *e, const lr_decision *d) {
  for (size_t i = 0; i < d->nerrors; i++) {
    const lr_policy_meta *m = lr_engine_meta(e, d->errors[i].policy_id);
    if (!m || m->forbid) return true; /* unknown: fail closed */
  }
  return false;
}

static void add_policy(const lr_engine *e, lr_call *c, const char *id) {
  const lr_policy_meta *m = lr_engine_meta(e, id);
  lr_call_policy *p = &c->policies[c->npolicies++];
  p->id = id;
  p->label = m ? m->label : NULL;
  p->shadow = m && m->shadow;
  if (m && m->deny_tool_error && m->forbid) c->tool_error = true;
}

void lr_decide_call(const lr_decide_ctx *ctx, lr_call_outcome *o, lr_call *c, lr_arena *a) {
  const lr_engine *e = o->engine;
  const lr_entities *es = c->entities ? c->entities : o->entities;
  lr_engine_authorize(e, LR_ENGINE_ALL, a, es, &c->req, &c->decision);
  c->decided = true;
  c->forbid_errored = forbid_errored(e, &c->decision);
  bool would_allow = c->decision.allow && (ctx->on_error_cedar || !c->forbid_errored);
  /* What is enforced leaves @shadow policies out. */
  lr_decision enf_storage, *enf = &c->decision;
  bool enforced_allow = would_allow;
  if (e->any_shadow) {
    lr_engine_authorize(e, LR_ENGINE_ENFORCED, a, es, &c->req, &enf_storage);
    enf = &enf_storage;
    enforced_allow = enf->allow && (ctx->on_error_cedar || !forbid_errored(e, enf));
  }
  c->allow = ctx->shadow || enforced_allow;
  c->shadowed = c->allow && !would_allow;
  if (c->shadowed) o->shadow = true;
  /* Determining policies: of the enforced decision when it denies, else of
   * Cedar's decision over everything (a shadow denial names its rules). */
  const lr_decision *rep = !enforced_allow ? enf : &c->decision;
  bool failed_closed = rep->allow && !ctx->on_error_cedar && forbid_errored(e, rep);
  c->policies = LR_NEW_N(a, lr_call_policy, rep->nreasons + rep->nerrors + 1);
  if (failed_closed) {
    for (size_t i = 0; i < rep->nerrors; i++) add_policy(e, c, rep->errors[i].policy_id);
    c->reason = "a forbid policy could not be evaluated (fail closed)";
  } else {
    for (size_t i = 0; i < rep->nreasons; i++) add_policy(e, c, rep->reasons[i]);
    if (rep->allow)
      c->reason = "allowed by policy";
    else if (rep->nreasons)
      c->reason = "denied by policy";
    else
      c->reason = "no policy permits this request";
  }
  if (rep->allow && !failed_closed) c->tool_error = false;
}

/* ---- answers ----------------------------------------------------------------------- */

static void policies_json(const lr_call *c, lr_buf *out) {
  lr_buf_puts(out, "\"policies\":[");
  for (size_t i = 0; i < c->npolicies; i++) {
    const char *s = c->policies[i].label ? c->policies[i].label : c->policies[i].id;
    if (i) lr_buf_putc(out, ',');
    lr_buf_json_str(out, s, strlen(s));
  }
  lr_buf_puts(out, "],\"policy_ids\":[");
  for (size_t i = 0; i < c->npolicies; i++) {
    if (i) lr_buf_putc(out, ',');
    lr_buf_json_str(out, c->policies[i].id, strlen(c->policies[i].id));
  }
  lr_buf_putc(out, ']');
}

/* {"reason":..,"policies":[..],"policy_ids":[..],"decision_id":..} */
static void data_json(const lr_call_outcome *o, const lr_call *c, lr_buf *out) {
  const char *reason = c->map_error ? c->map_error : c->reason;
  lr_buf_puts(out, "{\"reason\":");
  lr_buf_json_str(out, reason, strlen(reason));
  lr_buf_putc(out, ',');
  policies_json(c, out);
  lr_buf_puts(out, ",\"decision_id\":");
  lr_buf_json_str(out, o->decision_id, strlen(o->decision_id));
  lr_buf_putc(out, '}');
}

void lr_decide_rpc_denial(const lr_call_outcome *o, const lr_call *c, lr_buf *out) {
  lr_buf data = {0};
  data_json(o, c, &data);
  if (c->map_error) {
    lr_mcp_error(out, c->rpc_id, LR_MCP_INVALID_PARAMS, "Invalid params", data.p);
  } else if (c->tool_error && lr_str_eq_c(c->method, "tools/call")) {
    lr_buf text = {0};
    lr_buf_printf(&text, "Denied by policy: %s", c->reason);
    for (size_t i = 0; i < c->npolicies; i++)
      lr_buf_printf(&text, "%s%s", i ? ", " : " (",
                    c->policies[i].label ? c->policies[i].label : c->policies[i].id);
    if (c->npolicies) lr_buf_putc(&text, ')');
    lr_buf_puts(out, "{\"jsonrpc\":\"2.0\",\"id\":");
    lr_buf_append(out, c->rpc_id.p, c->rpc_id.n);
    lr_buf_puts(out, ",\"result\":{\"content\":[{\"type\":\"text\",\"text\":");
    lr_buf_json_str(out, text.p, text.len);
    lr_buf_puts(out, "}],\"isError\":true,\"_meta\":{\"larch/decision\":");
    lr_buf_append(out, data.p, data.len);
    lr_buf_puts(out, "}}}");
    lr_buf_free(&text);
  } else {
    char msg[160];
    snprintf(msg, sizeof msg, "Forbidden: %s", c->reason);
    lr_mcp_error(out, c->rpc_id, LR_MCP_DENIED, msg, data.p);
  }
  lr_buf_free(&data);
}

static void answer(lr_proxy_request *req, lr_proxy_answer *ans, int status, lr_buf *body) {
  ans->status = status;
  ans->body = lr_str_dup(req->arena, lr_buf_str(body));
  lr_buf_free(body);
}

/* A batch is refused whole: data.denied lists each refused member {id,
 * reason, policies, policy_ids}; data.policies is the union of theirs. */
static void batch_denial(lr_call_outcome *o, lr_buf *out) {
  lr_buf data = {0}, all = {0};
  const lr_call *first = NULL;
  lr_map seen = {0};
  lr_buf_puts(&data, "{\"denied\":[");
  size_t nd = 0;
  for (size_t i = 0; i < o->ncalls; i++) {
    const lr_call *c = &o->calls[i];
    if (c->allow && !c->map_error) continue;
    if (!first) first = c;
    const char *reason = c->map_error ? c->map_error : c->reason;
    lr_buf_puts(&data, nd++ ? ",{\"id\":" : "{\"id\":");
    if (c->rpc_id.n)
      lr_buf_append(&data, c->rpc_id.p, c->rpc_id.n);
    else
      lr_buf_puts(&data, "null");
    lr_buf_puts(&data, ",\"reason\":");
    lr_buf_json_str(&data, reason, strlen(reason));
    lr_buf_putc(&data, ',');
    policies_json(c, &data);
    lr_buf_putc(&data, '}');
    for (size_t k = 0; k < c->npolicies; k++) {
      const char *l = c->policies[k].label ? c->policies[k].label : c->policies[k].id;
      if (lr_map_get(&seen, lr_str_c(l))) continue;
      lr_map_put(&seen, lr_str_c(l), (void *)l);
      if (all.len) lr_buf_putc(&all, ',');
      lr_buf_json_str(&all, l, strlen(l));
    }
  }
  const char *reason = first->map_error ? first->map_error : first->reason;
  lr_buf_puts(&data, "],\"reason\":");
  lr_buf_json_str(&data, reason, strlen(reason));
  lr_buf_puts(&data, ",\"policies\":[");
  if (all.len) lr_buf_append(&data, all.p, all.len);
  lr_buf_puts(&data, "],\"decision_id\":");
  lr_buf_json_str(&data, o->decision_id, strlen(o->decision_id));
  lr_buf_putc(&data, '}');
  lr_mcp_error(out, (lr_str){NULL, 0}, LR_MCP_INVALID_REQUEST,
               "Batch refused: a member is denied by policy", data.p);
  lr_map_free(&seen);
  lr_buf_free(&all);
  lr_buf_free(&data);
}

static lr_stage_verdict decide_on_request(void *vctx, lr_proxy_request *req, lr_proxy_answer *ans) {
  lr_decide_ctx *ctx = vctx;
  lr_call_outcome *o = req->outcome;
  if (!o || o->answer != LR_ANSWER_NONE) return LR_STAGE_CONTINUE; /* nothing to decide */
  int64_t t0 = lr_clock_mono_ns(ctx->clock);
  size_t denied = 0;
  for (size_t i = 0; i < o->ncalls; i++) {
    lr_call *c = &o->calls[i];
    if (c->map_error) {
      denied++;
      continue;
    }
    lr_decide_call(ctx, o, c, req->arena);
    if (!c->allow) denied++;
  }
  o->t_decide_ns = lr_clock_mono_ns(ctx->clock) - t0;
  if (!denied) {
    o->allow = true;
    o->answer = LR_ANSWER_FORWARD;
    return LR_STAGE_CONTINUE;
  }
  lr_buf body = {0};
  if (!o->mcp) {
    const lr_call *c = &o->calls[0];
    const char *reason = c->map_error ? c->map_error : c->reason;
    lr_buf_puts(&body, "{\"error\":\"forbidden\",\"reason\":");
    lr_buf_json_str(&body, reason, strlen(reason));
    lr_buf_putc(&body, ',');
    policies_json(c, &body);
    lr_buf_puts(&body, ",\"decision_id\":");
    lr_buf_json_str(&body, o->decision_id, strlen(o->decision_id));
    lr_buf_putc(&body, '}');
    o->answer = c->map_error ? LR_ANSWER_BAD_REQUEST : LR_ANSWER_DENY_REST;
    answer(req, ans, c->map_error ? 400 : 403, &body);
    return LR_STAGE_ANSWER;
  }
  if (o->batch) {
    batch_denial(o, &body);
    o->answer = LR_ANSWER_DENY_BATCH;
    answer(req, ans, 200, &body);
    return LR_STAGE_ANSWER;
  }
  const lr_call *c = &o->calls[0];
  if (c->notification) {
    o->answer = LR_ANSWER_DENY_NOTIFY;
    answer(req, ans, 202, &body);
    return LR_STAGE_ANSWER;
  }
  lr_decide_rpc_denial(o, c, &body);
  o->answer = c->map_error                                            ? LR_ANSWER_BAD_REQUEST
              : c->tool_error && lr_str_eq_c(c->method, "tools/call") ? LR_ANSWER_DENY_TOOL_ERROR
                                                                      : LR_ANSWER_DENY_RPC;
  answer(req, ans, 200, &body);
  return LR_STAGE_ANSWER;
}

lr_stage lr_stage_decide(lr_decide_ctx *ctx) {
  return (lr_stage){.name = "decide", .on_request = decide_on_request, .ctx = ctx};
}
