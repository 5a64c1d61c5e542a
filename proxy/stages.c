/*
 * stages.c — the identity and mapping stages of `larch serve` (decide.h):
 * who is calling (401 where a route requires it), MCP transport checks
 * (protocol version, session binding, 2026-07-28 routing headers), and one
 * Cedar request per JSON-RPC message or REST call, read with the hot-path
 * JSON reader.
 */
#include <string.h>

#include "agentcore.h"
#include "decide.h"
#include "guard.h"
#include "mapping.h"
#include "mcp.h"
#include "serve.h"

static void release_engine(void *p) { lr_engine_release(p); }
static void unref_principal(void *p) { lr_principal_unref(p); }
static void release_entities(void *p) { lr_entities_release(p); }

static lr_str header(const lr_http_head *h, const char *name) {
  const lr_http_header *x = lr_http_find(h, name);
  return x ? x->value : (lr_str){NULL, 0};
}

/* A direct answer whose body is b (copied into the arena; b is freed). */
static lr_stage_verdict answer(lr_proxy_request *req, lr_proxy_answer *ans, lr_call_outcome *o,
                               lr_answer_kind kind, int status, lr_buf *b) {
  o->answer = kind;
  ans->status = status;
  ans->body = lr_str_dup(req->arena, lr_buf_str(b));
  lr_buf_free(b);
  return LR_STAGE_ANSWER;
}

/* A JSON-RPC error answer; why (may be NULL) goes to data.reason. */
static lr_stage_verdict rpc_error(lr_proxy_request *req, lr_proxy_answer *ans, lr_call_outcome *o,
                                  lr_answer_kind kind, int status, lr_str id, int code,
                                  const char *message, const char *why) {
  lr_buf data = {0}, b = {0};
  if (why) {
    lr_buf_puts(&data, "{\"reason\":");
    lr_buf_json_str(&data, why, strlen(why));
    lr_buf_puts(&data, ",\"decision_id\":");
    lr_buf_json_str(&data, o->decision_id, strlen(o->decision_id));
    lr_buf_putc(&data, '}');
  }
  o->error = message;
  lr_mcp_error(&b, id, code, message, why ? data.p : NULL);
  lr_buf_free(&data);
  return answer(req, ans, o, kind, status, &b);
}

/* ---- identity ------------------------------------------------------------------------ */

static lr_stage_verdict unauthorized(lr_decide_ctx *ctx, lr_proxy_request *req,
                                     lr_proxy_answer *ans, lr_call_outcome *o, lr_id_error e,
                                     const char *why) {
  bool mcp = req->route->protocol == LR_ROUTE_MCP;
  lr_buf v = {0}, b = {0};
  lr_identity_www_authenticate(&v, e, why, mcp ? ctx->cfg->resource_metadata : NULL);
  lr_http_header *h = LR_NEW(req->arena, lr_http_header);
  h->name = LR_STR("WWW-Authenticate");
  h->value = lr_str_dup(req->arena, lr_buf_str(&v));
  lr_buf_free(&v);
  ans->headers = h;
  ans->nheaders = 1;
  o->identity_error = lr_id_error_name(e);
  o->error = why ? why : "authentication required";
  lr_buf_puts(&b, "{\"error\":\"unauthorized\",\"reason\":");
  lr_buf_json_str(&b, o->error, strlen(o->error));
  lr_buf_puts(&b, ",\"request_id\":");
  lr_buf_json_str(&b, o->decision_id, strlen(o->decision_id));
  lr_buf_putc(&b, '}');
  return answer(req, ans, o, LR_ANSWER_UNAUTHENTICATED, 401, &b);
}

static lr_stage_verdict identity_on_head(void *vctx, lr_proxy_request *req, lr_proxy_answer *ans) {
  lr_decide_ctx *ctx = vctx;
  lr_call_outcome *o = LR_NEW(req->arena, lr_call_outcome);
  req->outcome = o;
  o->t_start_ns = lr_clock_mono_ns(ctx->clock);
  o->request_id = req->request_id;
  o->decision_id = lr_str_dup(req->arena, req->request_id).p;
  o->engine = lr_engine_acquire(ctx->engines);
  lr_arena_on_free(req->arena, release_engine, o->engine);
  lr_principal *p = NULL;
  const char *why = NULL;
  lr_id_error e = LR_ID_OK;
  if (ctx->identity) {
    lr_identity_input in = {.authorization = header(req->head, "authorization"),
                            .x_api_key = header(req->head, "x-api-key"),
                            .peer_name = req->peer_identity};
    e = lr_identity_set_resolve(ctx->identity, &in, &p, &why);
  } else if (req->peer_identity) {
    p = lr_principal_workload(req->peer_identity);
  }
  if (e == LR_ID_OK && !p) p = lr_principal_anonymous();
  if (e == LR_ID_OK && req->route->auth > 0 && p->source == LR_PRINCIPAL_ANONYMOUS)
    e = LR_ID_MISSING, why = "authentication required";
  if (e != LR_ID_OK) {
    lr_principal_unref(p);
    return unauthorized(ctx, req, ans, o, e, why);
  }
  o->who = p;
  lr_arena_on_free(req->arena, unref_principal, p);
  o->entities = lr_entities_new_overlay(o->engine->entities);
  lr_arena_on_free(req->arena, release_entities, o->entities);
  o->principal_uid = lr_mapping_principal(req->arena, o->entities, p);
  o->principal = lr_mapping_uid_text(req->arena, o->principal_uid);
  o->t_identity_ns = lr_clock_mono_ns(ctx->clock) - o->t_start_ns;
  return LR_STAGE_CONTINUE;
}

lr_stage lr_stage_identity(lr_decide_ctx *ctx) {
  return (lr_stage){.name = "identity", .on_head = identity_on_head, .ctx = ctx};
}

/* ---- mapping: heads --------------------------------------------------------------------- */

static bool has_json_body(const lr_proxy_request *req) {
  return req->body_expected && lr_pipeline_is_json(req->head->content_type);
}

static lr_stage_verdict mapping_on_head(void *vctx, lr_proxy_request *req, lr_proxy_answer *ans) {
  lr_decide_ctx *ctx = vctx;
  lr_call_outcome *o = req->outcome;
  if (!o) return LR_STAGE_CONTINUE;
  const lr_http_head *h = req->head;
  if (req->route->protocol != LR_ROUTE_MCP) {
    bool write = h->method == HTTP_POST || h->method == HTTP_PUT || h->method == HTTP_PATCH;
    return write && has_json_body(req) ? LR_STAGE_NEED_BODY : LR_STAGE_CONTINUE;
  }
  o->mcp = true;
  lr_str none = {NULL, 0};
  o->protocol = header(h, "mcp-protocol-version");
  if (o->protocol.p && !lr_mcp_version_known(o->protocol))
    return rpc_error(req, ans, o, LR_ANSWER_BAD_REQUEST, 400, none, LR_MCP_INVALID_REQUEST,
                     "Bad Request: unsupported MCP-Protocol-Version",
                     "supported: 2025-03-26, 2025-06-18, 2025-11-25, 2026-07-28");
  o->session = header(h, "mcp-session-id");
  if (o->session.p) {
    lr_mcp_session_state st =
        lr_mcp_sessions_check(ctx->sessions, o->session, o->principal, req->wall_ms);
    if (st != LR_MCP_SESSION_OK)
      return rpc_error(req, ans, o, LR_ANSWER_SESSION_REFUSED, 404, none, -32001,
                       "Session not found", NULL);
  }
  if (h->method != HTTP_POST) {
    /* GET (server stream), DELETE (end of session), OPTIONS/HEAD carry no
     * message; anything else, or a body on them, would reach the server
     * undecided. */
    bool known = h->method == HTTP_GET || h->method == HTTP_DELETE || h->method == HTTP_OPTIONS ||
                 h->method == HTTP_HEAD;
    if (!known)
      return rpc_error(req, ans, o, LR_ANSWER_BAD_REQUEST, 405, none, LR_MCP_INVALID_REQUEST,
                       "Method Not Allowed", "MCP routes take POST, GET and DELETE");
    if (req->body_expected)
      return rpc_error(req, ans, o, LR_ANSWER_BAD_REQUEST, 400, none, LR_MCP_INVALID_REQUEST,
                       "Invalid Request", "only POST carries a message");
    return LR_STAGE_CONTINUE;
  }
  if (!req->body_expected)
    return rpc_error(req, ans, o, LR_ANSWER_BAD_REQUEST, 400, none, LR_MCP_INVALID_REQUEST,
                     "Invalid Request", "a POST must carry a JSON-RPC message");
  if (!lr_pipeline_is_json(h->content_type))
    return rpc_error(req, ans, o, LR_ANSWER_BAD_REQUEST, 415, none, LR_MCP_INVALID_REQUEST,
                     "Invalid Request", "Content-Type must be application/json");
  return LR_STAGE_NEED_BODY;
}

/* Binds the session an initialize answer creates to the caller; forgets
 * one that a DELETE ended. */
static lr_stage_verdict mapping_on_response_head(void *vctx, lr_proxy_request *req,
                                                 const lr_http_head *resp) {
  lr_decide_ctx *ctx = vctx;
  lr_call_outcome *o = req->outcome;
  if (!o || !o->mcp || resp->status < 200 || resp->status >= 300) return LR_STAGE_CONTINUE;
  if (req->head->method == HTTP_DELETE && o->session.p) {
    lr_mcp_sessions_drop(ctx->sessions, o->session);
    return LR_STAGE_CONTINUE;
  }
  lr_str sid = header(resp, "mcp-session-id");
  if (!sid.p || !sid.n) return LR_STAGE_CONTINUE;
  bool init = false;
  for (size_t i = 0; i < o->ncalls; i++) init |= lr_str_eq_c(o->calls[i].method, "initialize");
  if (init) lr_mcp_sessions_bind(ctx->sessions, sid, o->principal, req->wall_ms);
  return LR_STAGE_CONTINUE;
}

/* ---- mapping: bodies --------------------------------------------------------------------- */

static void fill_call(lr_proxy_request *req, lr_call_outcome *o, lr_call *c, const lr_mapped *m) {
  c->req = m->req;
  c->req.principal = o->principal_uid;
  c->principal = o->principal;
  c->action = lr_mapping_uid_text(req->arena, m->req.action);
  c->resource = lr_mapping_uid_text(req->arena, m->req.resource);
  lr_mapping_resource(o->entities, o->engine->entities, m);
}

/* The name the 2026-07-28 Mcp-Name header must carry for message m. */
static lr_str routed_name(lr_arena *a, const lr_jfast_doc *d, const lr_jfast_rpc *m) {
  if (lr_str_starts_with(m->method_str, LR_STR("resources/")) && m->params >= 0) {
    int32_t t = lr_jfast_get(d, (uint32_t)m->params, LR_STR("uri"));
    if (t >= 0 && d->toks[t].kind == LR_JFAST_STRING) return lr_jfast_string(a, d, (uint32_t)t);
  }
  return m->name_str;
}

/* tools/call under --mapping agentcore (agentcore.h): the call gets its own
 * entity store holding the AgentCore principal, action group and gateway. */
static void map_agentcore(lr_decide_ctx *ctx, lr_proxy_request *req, lr_call_outcome *o, lr_call *c,
                          const lr_jfast_doc *doc, const lr_jfast_rpc *m) {
  const lr_principal *p = o->who;
  lr_agentcore_caller who = {.auth = LR_AGENTCORE_OAUTH, .id = p->uid.id, .claims = p->claims};
  lr_agentcore_call call = {.doc = doc, .args = m->arguments};
  call.gateway = ctx->cfg->agentcore_gateway
                     ? lr_str_c(ctx->cfg->agentcore_gateway)
                     : lr_str_c(lr_arena_sprintf(
                           req->arena, "arn:aws:bedrock-agentcore:local:000000000000:gateway/%.*s",
                           (int)req->route_name.n, req->route_name.p));
  if (!m->name_str.n) {
    c->map_error = "params.name: tools/call needs the tool name as a string";
    return;
  }
  if (!lr_agentcore_split_tool(m->name_str, &call.target, &call.tool))
    call.target = req->route_name, call.tool = m->name_str;
  lr_entities *es = NULL;
  lr_jfast_err err = {0};
  if (lr_agentcore_map(req->arena, o->engine->entities, &who, &call, &c->req, &es, &err) != LR_OK) {
    c->map_error = lr_arena_sprintf(req->arena, "%s: %s",
                                    err.path && *err.path ? err.path : "params.arguments",
                                    err.msg ? err.msg : "cannot be mapped");
    return;
  }
  c->entities = es;
  lr_arena_on_free(req->arena, release_entities, es);
  c->principal = lr_mapping_uid_text(req->arena, c->req.principal);
  c->action = lr_mapping_uid_text(req->arena, c->req.action);
  c->resource = lr_mapping_uid_text(req->arena, c->req.resource);
}

static lr_stage_verdict map_mcp(lr_decide_ctx *ctx, lr_proxy_request *req, lr_proxy_answer *ans,
                                lr_call_outcome *o, const lr_mapping_env *env) {
  lr_str none = {NULL, 0};
  lr_jfast_doc doc;
  lr_jfast_err jerr = {0};
  if (lr_jfast_parse(req->arena, req->body.p, req->body.n, &doc, &jerr) != LR_OK) {
    const char *why = lr_arena_sprintf(req->arena, "offset %zu: %s", jerr.off, jerr.msg);
    return rpc_error(req, ans, o, LR_ANSWER_BAD_REQUEST, 400, none, LR_MCP_PARSE_ERROR,
                     "Parse error", why);
  }
  lr_jfast_rpcs rpcs;
  if (lr_jfast_rpc_extract(req->arena, &doc, &rpcs, &jerr) != LR_OK || (rpcs.batch && !rpcs.n))
    return rpc_error(req, ans, o, LR_ANSWER_BAD_REQUEST, 400, none, LR_MCP_INVALID_REQUEST,
                     "Invalid Request", "not a JSON-RPC message or a non-empty batch");
  o->batch = rpcs.batch;
  o->calls = LR_NEW_N(req->arena, lr_call, rpcs.n);
  lr_mapping_common common;
  lr_mapping_common_init(env, &common);
  for (size_t i = 0; i < rpcs.n; i++) {
    const lr_jfast_rpc *m = &rpcs.msgs[i];
    if (m->invalid)
      return rpc_error(req, ans, o, LR_ANSWER_BAD_REQUEST, 400, rpcs.batch ? none : m->id_raw,
                       LR_MCP_INVALID_REQUEST, "Invalid Request", m->invalid);
    if (m->method < 0) continue; /* a response to the server: nothing to decide */
    if (!rpcs.batch) {
      const char *bad = lr_mcp_check_headers(req->head, o->protocol, m->method_str,
                                             routed_name(req->arena, &doc, m));
      if (bad)
        return rpc_error(req, ans, o, LR_ANSWER_BAD_REQUEST, 400, m->id_raw, LR_MCP_HEADER_MISMATCH,
                         "Header mismatch", bad);
    }
    lr_call *c = &o->calls[o->ncalls++];
    c->method = m->method_str;
    c->rpc_id = m->id_raw;
    c->notification = m->id < 0;
    c->principal = o->principal;
    if (ctx->agentcore && lr_str_eq_c(m->method_str, "tools/call")) {
      map_agentcore(ctx, req, o, c, &doc, m);
      continue;
    }
    lr_mapped mp;
    const char *why = NULL;
    if (lr_mapping_mcp(env, &common, &doc, m, &mp, &why) != LR_OK) {
      c->map_error = why;
      continue;
    }
    fill_call(req, o, c, &mp);
  }
  return LR_STAGE_CONTINUE;
}

static lr_stage_verdict bad_rest(lr_proxy_request *req, lr_proxy_answer *ans, lr_call_outcome *o,
                                 const char *error, const char *why) {
  lr_buf b = {0};
  lr_buf_puts(&b, "{\"error\":");
  lr_buf_json_str(&b, error, strlen(error));
  lr_buf_puts(&b, ",\"reason\":");
  lr_buf_json_str(&b, why, strlen(why));
  lr_buf_puts(&b, ",\"decision_id\":");
  lr_buf_json_str(&b, o->decision_id, strlen(o->decision_id));
  lr_buf_putc(&b, '}');
  o->error = error;
  return answer(req, ans, o, LR_ANSWER_BAD_REQUEST, 400, &b);
}

static lr_stage_verdict map_rest(lr_decide_ctx *ctx, lr_proxy_request *req, lr_proxy_answer *ans,
                                 lr_call_outcome *o, lr_mapping_env *env) {
  lr_jfast_doc doc, *d = NULL;
  lr_jfast_err jerr = {0};
  o->calls = LR_NEW(req->arena, lr_call);
  o->ncalls = 1;
  lr_call *c = &o->calls[0];
  c->principal = o->principal;
  if (req->body_buffered && lr_pipeline_is_json(req->head->content_type)) {
    if (lr_jfast_parse(req->arena, req->body.p, req->body.n, &doc, &jerr) != LR_OK)
      return bad_rest(req, ans, o, "invalid JSON body",
                      lr_arena_sprintf(req->arena, "offset %zu: %s", jerr.off, jerr.msg));
    d = &doc;
  }
  lr_rest_target t;
  const char *why = NULL;
  if (lr_mapping_rest_target(req->arena, ctx->openapi, req->head->method_name, req->head->url, d,
                             &t, &why) != LR_OK)
    return bad_rest(req, ans, o, "bad request", why ? why : "refused request target");
  /* The upstream gets the canonical target, so it resolves exactly the
   * path that was authorised. The head lives in the request arena. */
  if (!lr_str_eq(t.forward, req->head->url)) ((lr_http_head *)req->head)->url = t.forward;
  env->path = t.path;
  lr_mapping_common common;
  lr_mapping_common_init(env, &common);
  lr_mapped mp;
  lr_mapping_rest(env, &common, &t, &mp);
  fill_call(req, o, c, &mp);
  return LR_STAGE_CONTINUE;
}

static lr_stage_verdict mapping_on_request(void *vctx, lr_proxy_request *req,
                                           lr_proxy_answer *ans) {
  lr_decide_ctx *ctx = vctx;
  lr_call_outcome *o = req->outcome;
  if (!o) return LR_STAGE_CONTINUE;
  int64_t t0 = lr_clock_mono_ns(ctx->clock);
  if (o->mcp && req->head->method != HTTP_POST) return LR_STAGE_CONTINUE;
  if (req->body_expected && !req->body_buffered && (o->mcp || has_json_body(req)))
    return rpc_error(req, ans, o, LR_ANSWER_INTERNAL, 500, (lr_str){NULL, 0}, -32603,
                     "Internal error", "the body was not read for inspection");
  if (req->body_buffered && o->engine->uses_pii) {
    lr_pii_spans sp = {0};
    lr_pii_scan_json(req->body.p, req->body.n, LR_PII_DEFAULT, &sp);
    o->pii_found = sp.found;
    if (sp.n) {
      lr_pii_span *copy = LR_NEW_N(req->arena, lr_pii_span, sp.n);
      memcpy(copy, sp.items, sp.n * sizeof *copy);
      o->pii_spans = copy;
      o->npii_spans = sp.n;
    }
    lr_pii_spans_free(&sp);
  }
  lr_mapping_env env = {.a = req->arena,
                        .server = req->route_name,
                        .head = req->head,
                        .client_ip = req->client_ip,
                        .client_port = req->client_port,
                        .wall_ms = req->wall_ms,
                        .session = o->session.p ? o->session : LR_STR(""),
                        .protocol = o->protocol.p ? o->protocol : LR_STR(""),
                        .pii = o->pii_found,
                        .headers = o->engine->uses_headers};
  lr_stage_verdict v = o->mcp ? map_mcp(ctx, req, ans, o, &env) : map_rest(ctx, req, ans, o, &env);
  if (v == LR_STAGE_ANSWER) return v;
  const lr_uid *cycle = NULL;
  if (lr_entities_finish(o->entities, &cycle) != LR_OK)
    return rpc_error(req, ans, o, LR_ANSWER_INTERNAL, 500, (lr_str){NULL, 0}, -32603,
                     "Internal error", "the request's entities form a cycle");
  o->t_map_ns = lr_clock_mono_ns(ctx->clock) - t0;
  return LR_STAGE_CONTINUE;
}

lr_stage lr_stage_mapping(lr_decide_ctx *ctx) {
  return (lr_stage){.name = "mapping",
                    .on_head = mapping_on_head,
                    .on_request = mapping_on_request,
                    .on_response_head = mapping_on_response_head,
                    .ctx = ctx};
}
