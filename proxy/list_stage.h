/*
 * list_stage.h — the pipeline stage that filters MCP list answers
 * (tools/list, prompts/list, resources/list, resources/templates/list) so a
 * principal sees only what it may use (private to proxy/).
 *
 * An item is listed when some call to it could be permitted: Cedar is asked
 * with partial evaluation (policy.h, lr_authorize_maybe) for the request a
 * call to the item would make — principal and entities of the list request,
 * action Action::"tools/call" / "prompts/get" / "resources/read", resource
 * Tool::/Prompt::/Resource::"<name or uri>" with parent Server::"<route>"
 * (and its own parents and attributes from --entities), the list request's
 * context with context.mcp.method set to that action — where the parts a call
 * would bring are unknown: context.args, context.pii, context.mcp.id,
 * context.client.port (another connection) and the body-dependent headers
 * (content-length, mcp-method, mcp-name). The item is
 * hidden only when the answer is DENY.
 *
 * Under the agentcore mapping profile (--mapping agentcore) a tool
 * "<target>___<tool>" is checked as that profile calls it:
 * AgentCore::Action::"<target>___<tool>" (with its action groups) on the
 * list request's resource (the gateway), context.input unknown; a tool name
 * without "___" cannot be called there and is hidden.
 *
 * Enforcement mirrors the decide stage: fail closed (an erroring forbid
 * denies) unless --on-error cedar; policies marked @shadow take no part
 * (the engine's enforced set); with --shadow nothing is filtered. A list answer that cannot be
 * checked is replaced by JSON-RPC errors (mcp_list.h).
 */
#ifndef LARCH_PROXY_LIST_STAGE_H
#define LARCH_PROXY_LIST_STAGE_H

#include "decide.h"
#include "mcp_list.h"

/* Visibility of list items for one list answer: an lr_mcp_list_visible_fn
 * over this state. Fill the inputs; the rest is built on first use. */
typedef struct lr_list_view {
  lr_arena *a;                /* the request arena */
  const lr_policy_inst *pols; /* the enforced policies */
  size_t npols;
  lr_entities *entities;   /* the request's store (principal included) */
  const lr_entities *base; /* where items' own attributes and parents come from (--entities) */
  const lr_request *list;  /* the list request as mapped */
  lr_str server;           /* route name: items' parent Server::"<server>" */
  unsigned flags;          /* LR_PARTIAL_FORBID_ERROR_DENIES */
  bool agentcore;          /* tools as the agentcore profile calls them */
  /* built lazily */
  lr_partial_plan *plan, *plan_agentcore;
  lr_value context[5]; /* per lr_mcp_list_kind */
  bool has_context[5];
} lr_list_view;

/* The lr_mcp_list_visible_fn: view is an lr_list_view. */
bool lr_list_visible(void *view, lr_mcp_list_kind kind, lr_str name);

/* The context paths a call has that its list request does not know. */
extern const lr_attr_path lr_list_unknown_paths[];
extern const size_t lr_list_nunknown_paths;

/* The stage (on_response_head / on_response only), after decide. ctx is
 * read for shadow and on_error_cedar; it must outlive the stage. */
lr_stage lr_stage_list_filter(const lr_decide_ctx *ctx);

#endif /* LARCH_PROXY_LIST_STAGE_H */
