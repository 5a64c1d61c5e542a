/*
 * list_stage.c — filtering MCP list answers in the pipeline (see
 * list_stage.h): which items a principal may see (partial evaluation), and
 * the response hooks that ask for list answers and rewrite them.
 */
#include "list_stage.h"

#include <string.h>

#include "agentcore.h"
#include "engine.h"
#include "mapping.h"

static const lr_str k_args[] = {{"args", 4}};
static const lr_str k_pii[] = {{"pii", 3}};
static const lr_str k_mcp_id[] = {{"mcp", 3}, {"id", 2}};
static const lr_str k_length[] = {{"http", 4}, {"headers", 7}, {"content-length", 14}};
static const lr_str k_hmethod[] = {{"http", 4}, {"headers", 7}, {"mcp-method", 10}};
static const lr_str k_hname[] = {{"http", 4}, {"headers", 7}, {"mcp-name", 8}};
static const lr_str k_port[] = {{"client", 6}, {"port", 4}}; /* a call may use another connection */

const lr_attr_path lr_list_unknown_paths[] = {
    {k_args, 1},    {k_pii, 1},   {k_mcp_id, 2}, {k_length, 3},
    {k_hmethod, 3}, {k_hname, 3}, {k_port, 2},
};
const size_t lr_list_nunknown_paths =
    sizeof lr_list_unknown_paths / sizeof lr_list_unknown_paths[0];

/* The agentcore profile's call context is {input: <the arguments>}. */
static const lr_str k_input[] = {{"input", 5}};
static const lr_attr_path agentcore_unknown[] = {{k_input, 1}};

/* rec with field key set to v (added when absent); rec must be a RECORD. */
static lr_value with_field(lr_arena *a, lr_value rec, lr_str key, lr_value v) {
  lr_field *f = LR_NEW_N(a, lr_field, rec.n + 1);
  size_t n = 0;
  bool set = false;
  for (uint32_t i = 0; i < rec.n; i++) {
    f[n] = rec.u.fields[i];
    if (lr_str_eq(f[n].key, key)) f[n].value = v, set = true;
    n++;
  }
  if (!set) f[n++] = (lr_field){key, v};
  lr_value out = rec;
  lr_value_record(a, f, n, &out, NULL);
  return out;
}

/* The context of a call of this kind: the list request's, with
 * context.mcp.method the call's method. */
static lr_value call_context(lr_list_view *v, lr_mcp_list_kind kind) {
  if (v->has_context[kind]) return v->context[kind];
  lr_value ctx = v->list->context;
  const lr_value *mcp = lr_value_record_get(ctx, LR_STR("mcp"));
  if (mcp && mcp->kind == LR_V_RECORD) {
    lr_value method = lr_value_string(v->a, lr_str_c(lr_mcp_list_action(kind)));
    ctx = with_field(v->a, ctx, LR_STR("mcp"), with_field(v->a, *mcp, LR_STR("method"), method));
  }
  v->context[kind] = ctx;
  v->has_context[kind] = true;
  return ctx;
}

/* Cedar's partial answer for req over es (finished here), then releases es. */
static bool maybe_permitted(lr_list_view *v, const lr_partial_plan *plan, lr_entities *es,
                            const lr_request *req) {
  bool visible =
      lr_entities_finish(es, NULL) == LR_OK &&
      lr_authorize_maybe(lr_entities_arena(es), plan, es, req, v->flags, NULL) != LR_PARTIAL_DENY;
  lr_entities_release(es);
  return visible;
}

/* The agentcore profile (agentcore.h): a tool "<target>___<tool>" is called
 * as AgentCore::Action::"<target>___<tool>" on the gateway (the list
 * request's resource) with context {input: <unknown>}. A name without the
 * separator cannot be called under this profile: hidden. */
static bool agentcore_tool_visible(lr_list_view *v, lr_str name) {
  lr_str target, tool;
  if (!lr_agentcore_split_tool(name, &target, &tool)) return false;
  if (!v->plan_agentcore)
    v->plan_agentcore = lr_partial_prepare(v->a, v->pols, v->npols, agentcore_unknown, 1);
  lr_entities *es = lr_entities_new_overlay(v->entities);
  lr_request req = {
      .principal = v->list->principal,
      .action = lr_agentcore_add_action(es, target, tool),
      .resource = v->list->resource,
      .context = lr_value_empty_record(),
  };
  return maybe_permitted(v, v->plan_agentcore, es, &req);
}

bool lr_list_visible(void *view, lr_mcp_list_kind kind, lr_str name) {
  lr_list_view *v = view;
  if (v->agentcore && kind == LR_MCP_LIST_TOOLS) return agentcore_tool_visible(v, name);
  if (!v->plan)
    v->plan =
        lr_partial_prepare(v->a, v->pols, v->npols, lr_list_unknown_paths, lr_list_nunknown_paths);
  lr_entities *es = lr_entities_new_overlay(v->entities);
  lr_arena *ea = lr_entities_arena(es);
  lr_request req = {
      .principal = v->list->principal,
      .action = lr_uid_new(ea, LR_STR("Action"), lr_str_c(lr_mcp_list_action(kind))),
      .resource = lr_uid_new(ea, lr_str_c(lr_mcp_list_entity_type(kind)), name),
      .context = call_context(v, kind),
  };
  lr_mapped item = {.req = req, .server = lr_uid_new(ea, LR_STR("Server"), v->server)};
  lr_mapping_resource(es, v->base, &item); /* parent Server::"<route>", as calls get */
  return maybe_permitted(v, v->plan, es, &req);
}

/* ---- the stage ------------------------------------------------------------- */

/* The list request among o's calls (the first), or NULL. */
static const lr_call *first_list_call(const lr_call_outcome *o) {
  for (size_t i = 0; o && i < o->ncalls; i++)
    if (!o->calls[i].notification && lr_mcp_list_kind_of(o->calls[i].method) != LR_MCP_LIST_NONE)
      return &o->calls[i];
  return NULL;
}

static lr_stage_verdict on_response_head(void *ctx, lr_proxy_request *req,
                                         const lr_http_head *resp) {
  const lr_decide_ctx *dc = ctx;
  const lr_call_outcome *o = lr_outcome_of(req);
  if (dc->shadow || !o || !o->mcp || !first_list_call(o)) return LR_STAGE_CONTINUE;
  /* list results come with 2xx (Streamable HTTP); the upstream's own
   * refusals (401 with its challenge, 404 for an unknown session) pass */
  if (resp && (resp->status < 200 || resp->status > 299)) return LR_STAGE_CONTINUE;
  return LR_STAGE_NEED_BODY;
}

/* The requests of the client's message, for matching responses by id. */
static size_t message_calls(lr_arena *a, const lr_call_outcome *o, bool lists_only,
                            lr_mcp_list_call **out) {
  lr_mcp_list_call *v = LR_NEW_N(a, lr_mcp_list_call, o->ncalls ? o->ncalls : 1);
  size_t n = 0;
  for (size_t i = 0; i < o->ncalls; i++) {
    const lr_call *c = &o->calls[i];
    if (c->notification || !c->rpc_id.n) continue;
    if (lists_only && lr_mcp_list_kind_of(c->method) == LR_MCP_LIST_NONE) continue;
    v[n++] = (lr_mcp_list_call){c->rpc_id, c->method};
  }
  *out = v;
  return n;
}

/* Is the body content-coded (gzip, br, ...)? Its bytes are then not JSON. */
static bool encoded(const lr_http_head *h) {
  for (size_t i = 0; h && i < h->nheaders; i++)
    if (lr_http_ieq(h->headers[i].name, "content-encoding") &&
        !lr_http_ieq(h->headers[i].value, "identity"))
      return true;
  return false;
}

static lr_stage_verdict on_response(void *ctx, lr_proxy_request *req, lr_proxy_response *resp,
                                    lr_proxy_answer *ans) {
  const lr_decide_ctx *dc = ctx;
  lr_call_outcome *o = lr_outcome_of(req);
  const lr_call *list = first_list_call(o);
  if (dc->shadow || !o || !o->mcp || !list) return LR_STAGE_CONTINUE;
  lr_list_view view = {
      .a = req->arena,
      .entities = o->entities ? o->entities : o->engine->entities,
      .base = o->engine->entities,
      .list = &list->req,
      .server = req->route_name,
      .flags = dc->on_error_cedar ? 0 : LR_PARTIAL_FORBID_ERROR_DENIES,
      .agentcore = dc->agentcore,
  };
  view.pols = o->engine->enforced; /* @shadow policies decide nothing */
  view.npols = o->engine->nenforced;
  lr_mcp_list_filter f = {.visible = lr_list_visible, .ctx = &view};
  f.ncalls = message_calls(req->arena, o, false, (lr_mcp_list_call **)&f.calls);
  lr_str out;
  lr_status st;
  if (!resp->sse_event && encoded(resp->head)) {
    st = LR_ERR;
    f.why = "the answer is compressed (Content-Encoding): it cannot be checked";
  } else {
    st = resp->sse_event ? lr_mcp_list_filter_sse(req->arena, resp->body, &f, &out)
                         : lr_mcp_list_filter_json(req->arena, resp->body, &f, &out);
  }
  if (st == LR_OK) {
    resp->body = out;
    return LR_STAGE_CONTINUE;
  }
  /* fail closed: errors instead of the upstream's bytes — for the list
   * requests in place of one event, for every request in place of a body */
  lr_mcp_list_call *lists;
  size_t nlists = message_calls(req->arena, o, resp->sse_event, &lists);
  if (resp->sse_event) {
    lr_str err = lr_mcp_list_error_body(req->arena, lists, nlists, nlists > 1, f.why);
    resp->body.p =
        lr_arena_sprintf(req->arena, "event: message\ndata: %.*s\n\n", (int)err.n, err.p);
    resp->body.n = strlen(resp->body.p);
    return LR_STAGE_CONTINUE;
  }
  *ans = (lr_proxy_answer){
      .status = 200,
      .content_type = LR_STR("application/json"),
      .body = lr_mcp_list_error_body(req->arena, lists, nlists, o->batch, f.why),
  };
  return LR_STAGE_ANSWER;
}

lr_stage lr_stage_list_filter(const lr_decide_ctx *ctx) {
  return (lr_stage){.name = "list-filter",
                    .on_response_head = on_response_head,
                    .on_response = on_response,
                    .ctx = (void *)ctx};
}
