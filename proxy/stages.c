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
#include "mcp_list.h"
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

/* Adds the caller p to the store es; its uid (in a). */
static const lr_uid *add_principal(const lr_decide_ctx *ctx, lr_arena *a, lr_entities *es,
                                   const lr_principal *p) {
  const lr_uid *uid = NULL;
  if (ctx->agentcore && p->source == LR_PRINCIPAL_JWT) { /* AgentCore::OAuthUser, claims as tags */
    lr_agentcore_caller who = {.auth = LR_AGENTCORE_OAUTH, .id = p->uid.id, .claims = p->claims};
    uid = lr_agentcore_add_principal(es, &who);
  }
  return uid ? uid : lr_mapping_principal(a, es, p);
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
  o->principal_uid = add_principal(ctx, req->arena, o->entities, p);
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
  if (req->head->method == HTTP_GET && o->engine->any_mask &&
      lr_pipeline_is_sse(resp->content_type)) {
    o->push_stream = true; /* server pushes: see mapping_on_response */
    return LR_STAGE_NEED_BODY;
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

/* A tools/call under --mapping agentcore (agentcore.h): the action
 * AgentCore::Action::"<target>___<tool>" (a tool name without "___" gets
 * the route name as its target), the resource AgentCore::Gateway::"<ARN>"
 * (--agentcore-gateway, default arn:aws:bedrock-agentcore:local:000000000000:
 * gateway/<route>), context.input = the arguments beside larch's own
 * context fields. The principal was set by the identity stage: a JWT caller
 * is AgentCore::OAuthUser::"<sub>" with its claims as tags; any other caller
 * keeps its own principal, so `principal is AgentCore::OAuthUser` never
 * matches an unauthenticated request. */
static lr_status map_agentcore_call(lr_decide_ctx *ctx, lr_proxy_request *req, lr_call_outcome *o,
                                    const lr_mapping_env *env, const lr_mapping_common *common,
                                    const lr_jfast_doc *d, const lr_jfast_rpc *m, lr_mapped *out,
                                    const char **why) {
  lr_arena *a = req->arena;
  if (m->params < 0 || m->name < 0 || d->toks[m->name].kind != LR_JFAST_STRING) {
    *why = "params.name: tools/call needs the tool name as a string";
    return LR_ERR;
  }
  lr_agentcore_call call = {.doc = d,
                            .args = m->arguments,
                            .input = lr_agentcore_tools_input(ctx->agentcore_tools, m->name_str)};
  if (!lr_agentcore_split_tool(m->name_str, &call.target, &call.tool))
    call.target = env->server, call.tool = m->name_str;
  const char *gw = ctx->cfg->agentcore_gateway;
  call.gateway =
      gw ? lr_str_c(gw)
         : lr_str_c(lr_arena_sprintf(a, "arn:aws:bedrock-agentcore:local:000000000000:gateway/%.*s",
                                     (int)env->server.n, env->server.p));
  lr_value input;
  lr_jfast_err err = {0};
  if (lr_agentcore_input(a, &call, &input, &err) != LR_OK) {
    *why = lr_arena_sprintf(a, "%s: %s", err.path, err.msg);
    return LR_ERR;
  }
  lr_field f[6];
  memcpy(f, common->f, sizeof common->f);
  f[5] = (lr_field){LR_STR("input"), input};
  if (lr_value_record(a, f, 6, &out->req.context, NULL) != LR_OK) return LR_ERR;
  out->req.action = lr_agentcore_add_action(o->entities, call.target, call.tool);
  out->req.resource = lr_agentcore_add_gateway(o->entities, call.gateway);
  out->server = lr_uid_new(a, LR_STR("Server"), env->server);
  return LR_OK;
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
    if (ctx->agentcore && lr_agentcore_ungoverned(m->method_str)) {
      /* protocol plumbing: AgentCore policies only speak of tool calls */
      c->decided = c->allow = true;
      c->reason = "not governed by the agentcore profile";
      continue;
    }
    lr_mapped mp;
    const char *why = NULL;
    lr_status st = ctx->agentcore && lr_str_eq_c(m->method_str, "tools/call")
                       ? map_agentcore_call(ctx, req, o, env, &common, &doc, m, &mp, &why)
                       : lr_mapping_mcp(env, &common, &doc, m, &mp, &why);
    if (st != LR_OK) {
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

static lr_mapping_env mapping_env(const lr_proxy_request *req, const lr_call_outcome *o,
                                  lr_arena *a, uint32_t pii) {
  return (lr_mapping_env){.a = a,
                          .server = req->route_name,
                          .head = req->head,
                          .client_ip = req->client_ip,
                          .client_port = req->client_port,
                          .wall_ms = req->wall_ms,
                          .session = o->session.p ? o->session : LR_STR(""),
                          .protocol = o->protocol.p ? o->protocol : LR_STR(""),
                          .pii = pii,
                          .headers = o->engine->uses_headers};
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
  lr_mapping_env env = mapping_env(req, o, req->arena, o->pii_found);
  lr_stage_verdict v = o->mcp ? map_mcp(ctx, req, ans, o, &env) : map_rest(ctx, req, ans, o, &env);
  if (v == LR_STAGE_ANSWER) return v;
  const lr_uid *cycle = NULL;
  if (lr_entities_finish(o->entities, &cycle) != LR_OK)
    return rpc_error(req, ans, o, LR_ANSWER_INTERNAL, 500, (lr_str){NULL, 0}, -32603,
                     "Internal error", "the request's entities form a cycle");
  o->t_map_ns = lr_clock_mono_ns(ctx->clock) - t0;
  return LR_STAGE_CONTINUE;
}

/* ---- mapping: messages the server pushes on a GET stream ------------------------------ */

/* The messages of one event the server pushes on a GET stream (see
 * decide.h: push), mapped like client messages of their methods into one
 * store over the engine's entities (the stream's owner and every message's
 * resource, as for a batch) and evaluated, so the mask stage can read the
 * guards of their decisions. What cannot be read as JSON-RPC or mapped is
 * left with map_error: the mask stage masks it whole. */
static lr_stage_verdict mapping_on_response(void *vctx, lr_proxy_request *req,
                                            lr_proxy_response *resp, lr_proxy_answer *ans) {
  (void)ans;
  const lr_decide_ctx *ctx = vctx;
  lr_call_outcome *o = req->outcome;
  if (!o || !o->push_stream || !resp->sse_event) return LR_STAGE_CONTINUE;
  lr_arena *a = resp->scratch ? resp->scratch : req->arena;
  o->push = NULL, o->npush = 0;
  lr_str data = lr_sse_event_data(a, resp->body);
  if (!data.n) return LR_STAGE_CONTINUE; /* no message: nothing to mask */
  lr_jfast_doc doc;
  lr_jfast_rpcs rpcs;
  if (lr_jfast_parse(a, data.p, data.n, &doc, NULL) != LR_OK ||
      lr_jfast_rpc_extract(a, &doc, &rpcs, NULL) != LR_OK || !rpcs.n) {
    o->push = LR_NEW(a, lr_call);
    o->npush = 1;
    o->push[0].map_error = "not a JSON-RPC message";
    return LR_STAGE_CONTINUE;
  }
  uint32_t pii = 0;
  if (o->engine->uses_pii) {
    lr_pii_spans sp = {0};
    lr_pii_scan_json(data.p, data.n, LR_PII_DEFAULT, &sp);
    pii = sp.found;
    lr_pii_spans_free(&sp);
  }
  lr_entities *es = lr_entities_new_overlay(o->engine->entities);
  lr_arena_on_free(a, release_entities, es);
  const lr_uid *principal = add_principal(ctx, a, es, o->who);
  lr_mapping_env env = mapping_env(req, o, a, pii);
  lr_mapping_common common;
  lr_mapping_common_init(&env, &common);
  o->push = LR_NEW_N(a, lr_call, rpcs.n);
  o->npush = rpcs.n;
  for (size_t i = 0; i < rpcs.n; i++) {
    const lr_jfast_rpc *m = &rpcs.msgs[i];
    lr_call *c = &o->push[i];
    c->method = m->method_str;
    lr_mapped mp;
    const char *why = NULL;
    if (m->invalid)
      c->map_error = m->invalid;
    else if (m->method < 0)
      c->map_error = "a response (no method) on the GET stream";
    else if (lr_mapping_mcp(&env, &common, &doc, m, &mp, &why) != LR_OK)
      c->map_error = why ? why : "cannot be mapped";
    if (c->map_error) continue;
    mp.req.principal = principal;
    lr_mapping_resource(es, o->engine->entities, &mp);
    c->req = mp.req;
    c->entities = es;
  }
  const lr_uid *cycle = NULL;
  bool cyclic = lr_entities_finish(es, &cycle) != LR_OK;
  for (size_t i = 0; i < o->npush; i++) {
    lr_call *c = &o->push[i];
    if (c->map_error) continue;
    if (cyclic) {
      c->map_error = "the message's entities form a cycle";
      continue;
    }
    lr_engine_authorize(o->engine, LR_ENGINE_ENFORCED, a, es, &c->req, &c->decision);
    c->decided = true;
  }
  return LR_STAGE_CONTINUE;
}

lr_stage lr_stage_mapping(lr_decide_ctx *ctx) {
  return (lr_stage){.name = "mapping",
                    .on_head = mapping_on_head,
                    .on_request = mapping_on_request,
                    .on_response_head = mapping_on_response_head,
                    .on_response = mapping_on_response,
                    .ctx = ctx};
}
