/*
 * decide.h — policy decisions in `larch serve` (private to proxy/): the
 * identity, mapping and decide stages of the request pipeline, and the
 * per-request outcome they leave on the request for the decision log,
 * guardrails and answer filtering.
 *
 * Order in the pipeline (cmd_serve.c): inspect → identity → mapping →
 * decide. identity resolves the caller (401 when a route requires it);
 * mapping reads the body once (hot-path JSON, no DOM) and builds one Cedar
 * request per JSON-RPC message (or one for a REST call); decide authorizes
 * each before anything reaches the upstream and answers denials (DESIGN §4).
 *
 * Everything in an lr_call_outcome lives in the request arena and is valid
 * until the request ends (the arena's cleanup hooks drop the engine and
 * principal references taken for it).
 */
#ifndef LARCH_PROXY_DECIDE_H
#define LARCH_PROXY_DECIDE_H

#include <stdbool.h>
#include <stdint.h>

#include "base.h"
#include "engine.h"
#include "identity.h"
#include "pipeline.h"
#include "policy.h"

struct lr_serve_config;
struct lr_mcp_sessions;

/* How the request was answered. */
typedef enum lr_answer_kind {
  LR_ANSWER_NONE = 0,        /* not decided (e.g. a route without mapping yet) */
  LR_ANSWER_FORWARD,         /* allowed (or shadow): sent upstream */
  LR_ANSWER_DENY_RPC,        /* JSON-RPC error, HTTP 200 */
  LR_ANSWER_DENY_TOOL_ERROR, /* tool result with isError: true, HTTP 200 */
  LR_ANSWER_DENY_BATCH,      /* a batch refused whole (-32600) */
  LR_ANSWER_DENY_REST,       /* 403 */
  LR_ANSWER_DENY_NOTIFY,     /* a denied notification: 202, not forwarded */
  LR_ANSWER_UNAUTHENTICATED, /* 401 */
  LR_ANSWER_BAD_REQUEST,     /* 400 (malformed JSON / JSON-RPC / MCP headers) */
  LR_ANSWER_SESSION_REFUSED, /* 404: session of another principal / unknown */
  LR_ANSWER_INTERNAL,        /* failed closed: 500-class refusal */
  LR_ANSWER_LIMITED,         /* a limit refused it: 429 / JSON-RPC error (guard_stage.h) */
} lr_answer_kind;

/* A determining policy as reported. */
typedef struct lr_call_policy {
  const char *id;    /* "policy3" */
  const char *label; /* its @id annotation, or NULL */
  bool shadow;       /* carries @shadow */
} lr_call_policy;

/* One decided message: the whole request for REST, each JSON-RPC request or
 * notification for MCP (JSON-RPC responses from the client are not decided). */
typedef struct lr_call {
  lr_request req;                            /* what Cedar saw */
  const char *principal, *action, *resource; /* the same as Cedar text */
  lr_str rpc_id;                             /* raw JSON id ("" for notifications / REST) */
  lr_str method;                             /* MCP method ("" for REST) */
  bool notification;
  lr_decision decision; /* Cedar's answer, guards included */
  bool decided;
  bool allow;               /* what is enforced (shadow: true) */
  bool shadowed;            /* denied, but forwarded because of shadow */
  bool forbid_errored;      /* a forbid errored (fail closed unless cedar) */
  bool tool_error;          /* deny as a tool result (@deny_as) */
  const char *reason;       /* why denied (static text) */
  lr_call_policy *policies; /* determining policies */
  size_t npolicies;
  const char *map_error; /* the message could not be mapped (arena text) */
  lr_entities *entities; /* its own store (agentcore profile), else NULL: the outcome's overlay */
} lr_call;

/* The per-request outcome. req->outcome points at it once identity ran. */
typedef struct lr_call_outcome {
  lr_str request_id;
  const char *decision_id; /* = request id */
  lr_engine *engine;       /* the engine decided against (referenced) */
  lr_principal *who;       /* the caller (referenced) */
  const char *principal;   /* Cedar text of the principal */
  const lr_uid *principal_uid;
  lr_entities *entities;      /* per-request overlay over engine->entities */
  const char *identity_error; /* lr_id_error_name when the credential was refused */
  bool mcp;                   /* mapped as MCP */
  bool batch;
  lr_call *calls;
  size_t ncalls;
  lr_answer_kind answer;
  bool allow;        /* forwarded */
  bool shadow;       /* something was denied but forwarded (shadow) */
  const char *error; /* why refused before policy (static text), or NULL */
  lr_str protocol;   /* MCP-Protocol-Version */
  lr_str session;    /* Mcp-Session-Id presented */
  int64_t t_start_ns, t_identity_ns, t_map_ns, t_decide_ns; /* mono times, 0 if not run */
  uint32_t pii_found;                                       /* lr_pii_set of the request body */
  /* The detector matches in the request body (raw offsets into req->body,
   * LR_PII_DEFAULT types), copied into the arena: masking may reuse them
   * instead of scanning again (valid while req->body is unchanged). */
  const struct lr_pii_span *pii_spans;
  size_t npii_spans;
  struct lr_guard_outcome *guard; /* limits, masking (guard_stage.h); NULL if none ran */
  /* An MCP GET stream while some policy masks: each message the server
   * pushes is mapped like a client message of its method (principal: the
   * stream's owner) and evaluated, so that `mask` rules apply to it. push
   * holds the messages of the event being passed on (npush; in that
   * event's scratch arena, valid during its on_response only): decision
   * with guards, request and store in c->entities; map_error when the
   * message could not be mapped or the data was not JSON-RPC. */
  bool push_stream;
  lr_call *push;
  size_t npush;
} lr_call_outcome;

/* ---- the stages ------------------------------------------------------------ */

/* Everything the stages share: built once at start, read-only on the hot
 * path but for the engine holder and the session table (both thread-safe). */
typedef struct lr_decide_ctx {
  const struct lr_serve_config *cfg;
  lr_engine_holder *engines;
  lr_identity_set *identity; /* NULL: everyone is Anonymous::"anonymous" */
  struct lr_mcp_sessions *sessions;
  struct lr_agentcore_tools *agentcore_tools; /* --agentcore-tools, or NULL */
  struct lr_openapi *openapi;           /* --openapi, or NULL */
  struct lr_jwks_fetcher *jwks_fetcher; /* --jwks-url, or NULL */
  const lr_clock *clock;
  bool on_error_cedar; /* --on-error cedar */
  bool shadow;         /* --shadow */
  bool agentcore;      /* --mapping agentcore */
} lr_decide_ctx;

/* Builds the context from cfg: loads the engine (policies, entities,
 * schema) and the identity sources. LR_ERR with the problems in err
 * (file:line:col). Free with lr_decide_ctx_free. */
lr_status lr_decide_ctx_init(lr_decide_ctx *ctx, const struct lr_serve_config *cfg,
                             const lr_clock *clock, lr_buf *err);
void lr_decide_ctx_free(lr_decide_ctx *ctx);
/* Reloads policies, entities and identity files (SIGHUP, POST /reload). */
lr_status lr_decide_ctx_reload(lr_decide_ctx *ctx, lr_buf *msg);

lr_stage lr_stage_identity(lr_decide_ctx *ctx);
lr_stage lr_stage_mapping(lr_decide_ctx *ctx);
/* on_response_head / on_response are left free for answer filtering. */
lr_stage lr_stage_decide(lr_decide_ctx *ctx);

/* The outcome of req (NULL before the identity stage ran). */
static inline lr_call_outcome *lr_outcome_of(lr_proxy_request *req) { return req->outcome; }

/* Authorizes one mapped call with ctx's rules (fail closed, shadow) and
 * fills c->decision, allow, reason, policies. */
void lr_decide_call(const lr_decide_ctx *ctx, lr_call_outcome *o, lr_call *c, lr_arena *a);

/* Appends the JSON-RPC denial of c (DESIGN §4) for a request with raw id. */
void lr_decide_rpc_denial(const lr_call_outcome *o, const lr_call *c, lr_buf *out);

#endif /* LARCH_PROXY_DECIDE_H */
