/*
 * mapping.h — from an HTTP request (an MCP JSON-RPC message or a REST call)
 * to a Cedar request, exactly as DESIGN §3 and the README's mapping table
 * say (private to proxy/). Socket-free: tests drive it with parsed bodies.
 *
 *   principal  from identity: the caller's uid, with its tags (JWT claims),
 *              attributes (API key) and parents (roles/groups) in the
 *              per-request entity overlay
 *   action     MCP: Action::"<method>"; REST: Action::"<HTTP method>"
 *   resource   tools/call: Tool::"<params.name>"; resources/read etc.: Resource::
 *              "<params.uri>"; prompts/get: Prompt::"<params.name>"; other
 *              methods: Server::"<route>"; REST: Route::"<path>" (see
 *              lr_mapping_rest_resource). Tool/Resource/Prompt/Route get the
 *              parent Server::"<route>" (besides their parents in --entities)
 *   context    { args, pii, client: {ip, port}, session, time: {now, hour,
 *              weekday}, http: {method, path, host, headers}, mcp: {method,
 *              id, protocol} }  (mcp only on MCP routes)
 *
 * JSON → Cedar values: string → String, integer → Long, fraction → decimal
 * (more than 4 fraction digits: error), bool, array → Set, object →
 * Record, null → attribute absent (lr_jfast_value).
 */
#ifndef LARCH_PROXY_MAPPING_H
#define LARCH_PROXY_MAPPING_H

#include <stdbool.h>
#include <stdint.h>

#include "base.h"
#include "http.h"
#include "identity.h"
#include "policy.h"

/* What every message of one request shares. */
typedef struct lr_mapping_env {
  lr_arena *a;              /* the request arena: everything built lives here */
  lr_str server;            /* route (upstream) name: Server::"<server>" */
  const lr_http_head *head; /* method, path, host, headers */
  lr_str path;              /* context.http.path: the normalised REST path ({NULL, 0}:
                               head->path as sent) */
  lr_str client_ip;
  uint16_t client_port;
  int64_t wall_ms; /* request time */
  lr_str session;  /* Mcp-Session-Id, "" when none */
  lr_str protocol; /* MCP-Protocol-Version, "" when none */
  uint32_t pii;    /* lr_pii_set found in the body */
  bool headers;    /* fill context.http.headers (else {}: no policy reads it) */
} lr_mapping_env;

/* The context fields shared by every message of the request (client,
 * session, time, http, pii), computed once. */
typedef struct lr_mapping_common {
  lr_field f[5];
} lr_mapping_common;
void lr_mapping_common_init(const lr_mapping_env *env, lr_mapping_common *out);

/* context.time for wall_ms: {now: datetime, hour, weekday (1 = Monday)} in
 * the process time zone (set once at start from --timezone). */
lr_value lr_mapping_time(lr_arena *a, int64_t wall_ms);

/* A mapped message: the Cedar request plus the resource entity to add to
 * the overlay (its parent is Server::"<server>"). */
typedef struct lr_mapped {
  lr_request req;
  const lr_uid *server; /* Server::"<route>" */
} lr_mapped;

/* Maps JSON-RPC message m of the parsed body d. LR_ERR with *why (arena
 * text naming the JSON path) when arguments cannot become Cedar values. */
lr_status lr_mapping_mcp(const lr_mapping_env *env, const lr_mapping_common *common,
                         const lr_jfast_doc *d, const lr_jfast_rpc *m, lr_mapped *out,
                         const char **why);

/* What a REST request target resolves to. */
typedef struct lr_rest_target {
  const lr_uid *resource; /* Tool::"<operationId>" or Route::"<normalised path>" */
  lr_value args;          /* RECORD: OpenAPI-typed parameters and body, or the body's
                             members plus the query parameters (strings) */
  lr_str path;            /* the normalised path */
  lr_str forward;         /* the canonical target to send upstream (path + query) */
} lr_rest_target;

/* Resolves a REST request: the target is normalised (lr_rest_normalize:
 * `%2e`, `//`, `..`, `;` tricks cannot change the Route), then matched
 * against api (may be NULL) with the JSON body d (may be NULL). LR_ERR
 * with *why (for a 400) for a refused target, query or argument. */
struct lr_openapi;
lr_status lr_mapping_rest_target(lr_arena *a, const struct lr_openapi *api, lr_str method,
                                 lr_str target, const lr_jfast_doc *d, lr_rest_target *out,
                                 const char **why);

/* Maps a REST call resolved by lr_mapping_rest_target. */
lr_status lr_mapping_rest(const lr_mapping_env *env, const lr_mapping_common *common,
                          const lr_rest_target *t, lr_mapped *out);

/* Adds the principal p to the overlay (attributes, tags from claims,
 * parents) and returns its uid (copied into a). */
const lr_uid *lr_mapping_principal(lr_arena *a, lr_entities *overlay, const lr_principal *p);
/* Adds the resource of m to the overlay (once per uid): its attributes,
 * tags and parents from base (--entities) plus the parent m->server. */
void lr_mapping_resource(lr_entities *overlay, const lr_entities *base, const lr_mapped *m);

/* A JSON value (jansson: JWT claims, API key attributes) as a Cedar value
 * in a, with the same rules as request bodies; LR_ERR for values that have
 * none (nested null in arrays, reals with more than 4 fraction digits). */
lr_status lr_mapping_json(lr_arena *a, const json_t *j, lr_value *out);

/* Cedar text of a uid, in a. */
const char *lr_mapping_uid_text(lr_arena *a, const lr_uid *u);

#endif /* LARCH_PROXY_MAPPING_H */
