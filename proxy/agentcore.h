/*
 * agentcore.h — the `agentcore` mapping profile: MCP tool calls mapped the
 * way Amazon Bedrock AgentCore Policy maps them, so Cedar policies written
 * for an AgentCore Gateway run unchanged in larch (DESIGN §3).
 *
 * The shapes (AgentCore developer guide, "Policy": scope, schema
 * constraints, authorization flow, conditions):
 *   principal  AgentCore::OAuthUser::"<JWT sub>"   attrs {id: sub},
 *              tags = the JWT claims (principal.getTag("role"))
 *              or AgentCore::IamEntity::"<IAM ARN>" attrs {id: arn}, no tags
 *   action     AgentCore::Action::"<target>___<tool>" (the MCP tool name the
 *              gateway shows), member of AgentCore::Action::"<target>" (the
 *              target as an action group) and of AgentCore::Action::"CallTool",
 *              itself in AgentCore::Action::"Mcp"
 *   resource   AgentCore::Gateway::"<gateway ARN>"
 *   context    {input: <the tool call's arguments>} and nothing else;
 *              JSON Schema integer → Long, number → decimal, boolean → Bool,
 *              string → String (typed when the tool's inputSchema is known;
 *              otherwise integer literals are Longs and fractions decimals)
 *
 * Pure functions (no sockets): everything is built in the caller's arena and
 * a per-request entity overlay.
 */
#ifndef LARCH_PROXY_AGENTCORE_H
#define LARCH_PROXY_AGENTCORE_H

#include <stdbool.h>
#include <stdint.h>

#include "base.h"
#include "openapi.h"
#include "policy.h"

#define LR_AGENTCORE_SEP "___" /* between target and tool in MCP tool names */

typedef enum lr_agentcore_auth {
  LR_AGENTCORE_OAUTH, /* AgentCore::OAuthUser, claims as tags */
  LR_AGENTCORE_IAM,   /* AgentCore::IamEntity, id = the caller's IAM ARN */
} lr_agentcore_auth;

/* Who calls. */
typedef struct lr_agentcore_caller {
  lr_agentcore_auth auth;
  lr_str id;            /* the JWT `sub` (OAuth) or the IAM ARN */
  const json_t *claims; /* OAuth: the verified JWT payload (object), or NULL */
} lr_agentcore_caller;

/* What is called. */
typedef struct lr_agentcore_call {
  lr_str gateway;          /* the gateway's ARN (configuration) */
  lr_str target;           /* the gateway target (action group) */
  lr_str tool;             /* the tool's name within the target */
  const lr_jfast_doc *doc; /* the request body, or NULL (no arguments) */
  int32_t args;            /* token of params.arguments in doc, -1 if absent */
  const lr_jtype *input;   /* the tool's inputSchema, or NULL */
} lr_agentcore_call;

/* Splits an MCP tool name "<target>___<tool>" at the first "___". False
 * (outputs untouched) when there is no separator or either side is empty. */
bool lr_agentcore_split_tool(lr_str name, lr_str *target, lr_str *tool);

/* JWT claims → a tag record: strings → String, integers → Long, reals →
 * decimal when they have at most 4 fraction digits (else skipped), booleans
 * → Bool, arrays → Set, objects → Record, null → absent. Values live in a. */
lr_status lr_agentcore_claims_tags(lr_arena *a, const json_t *claims, lr_value *out);

/* Adds the action entity AgentCore::Action::"<target>___<tool>" with its
 * parents (the target group and CallTool) and CallTool ∈ Mcp to es (not yet
 * finished; entities already present are kept), and returns its uid (in
 * es's arena). For tools/list filtering as well as for calls. */
const lr_uid *lr_agentcore_add_action(lr_entities *es, lr_str target, lr_str tool);

/* Builds the Cedar request for one tools/call. *es gets a new, finished
 * entity store layered over base (may be NULL) holding the principal, the
 * action hierarchy and the gateway; the caller releases it after deciding.
 * req's uids live in *es's arena, its context in a. LR_ERR (*err set) when
 * the arguments do not convert (e.g. a decimal with 5 fraction digits) or
 * are not an object. */
lr_status lr_agentcore_map(lr_arena *a, lr_entities *base, const lr_agentcore_caller *who,
                           const lr_agentcore_call *call, lr_request *req, lr_entities **es,
                           lr_jfast_err *err);

#endif /* LARCH_PROXY_AGENTCORE_H */
