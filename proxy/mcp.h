/*
 * mcp.h — MCP Streamable HTTP details for `larch serve` (private to proxy/):
 * protocol versions, the 2026-07-28 routing headers, JSON-RPC error bodies,
 * and the table binding session ids to the principal that created them.
 *
 * Transport: https://modelcontextprotocol.io/specification/2025-06-18/basic/transports
 * (POST with a JSON or SSE answer, GET for a server stream, DELETE ends a
 * session, Mcp-Session-Id, MCP-Protocol-Version).
 */
#ifndef LARCH_PROXY_MCP_H
#define LARCH_PROXY_MCP_H

#include <stdbool.h>
#include <stdint.h>

#include "base.h"
#include "http.h"
#include "policy.h"

/* JSON-RPC 2.0 error codes (§5.1) and larch's own. */
#define LR_MCP_PARSE_ERROR (-32700)
#define LR_MCP_INVALID_REQUEST (-32600)
#define LR_MCP_INVALID_PARAMS (-32602)
#define LR_MCP_HEADER_MISMATCH (-32020) /* 2026-07-28: Mcp-Method/Mcp-Name vs body */
#define LR_MCP_DENIED (-31403)          /* application code: denied by policy */

/* True for the protocol versions larch understands: 2025-03-26,
 * 2025-06-18, 2025-11-25, 2026-07-28. */
bool lr_mcp_version_known(lr_str v);

/* For protocol 2026-07-28 (headers required) or when the client sent them:
 * Mcp-Method must equal the body's method and Mcp-Name its params.name
 * (tools/call, prompts/get) or params.uri (resources/...). NULL when they
 * agree, else a static reason. name is the body's value ("" when none). */
const char *lr_mcp_check_headers(const lr_http_head *h, lr_str protocol, lr_str method,
                                 lr_str name);

/* Appends {"jsonrpc":"2.0","id":<id_raw or null>,"error":{"code":..,
 * "message":..}} — data_json (a JSON object text, may be NULL) as "data". */
void lr_mcp_error(lr_buf *out, lr_str id_raw, int code, const char *message, const char *data_json);

/* ---- session binding ------------------------------------------------------ */

typedef struct lr_mcp_sessions lr_mcp_sessions;

typedef enum {
  LR_MCP_SESSION_OK,      /* bound to this principal */
  LR_MCP_SESSION_UNKNOWN, /* never seen, expired or evicted */
  LR_MCP_SESSION_OTHER,   /* bound to another principal */
} lr_mcp_session_state;

/* A table of at most max sessions (the least recently used goes first),
 * each forgotten after ttl_ms without use. Thread-safe (one mutex; used
 * once per request carrying a session id). */
lr_mcp_sessions *lr_mcp_sessions_new(size_t max, int64_t ttl_ms);
void lr_mcp_sessions_free(lr_mcp_sessions *s);
/* Binds sid to principal (Cedar text), replacing an expired binding; a
 * live binding to another principal is kept (returns false). */
bool lr_mcp_sessions_bind(lr_mcp_sessions *s, lr_str sid, const char *principal, int64_t now_ms);
/* Checks (and refreshes) sid for principal. */
lr_mcp_session_state lr_mcp_sessions_check(lr_mcp_sessions *s, lr_str sid, const char *principal,
                                           int64_t now_ms);
/* Forgets sid (DELETE ended the session). */
void lr_mcp_sessions_drop(lr_mcp_sessions *s, lr_str sid);
size_t lr_mcp_sessions_count(lr_mcp_sessions *s);

#endif /* LARCH_PROXY_MCP_H */
