/*
 * mcp_list.h — filtering MCP list answers (tools/list, prompts/list,
 * resources/list, resources/templates/list) so a principal sees only what it
 * may use. Pure functions over bytes (no libevent): the proxy stage
 * (list_stage.c) decides what is visible, this module rewrites the answer.
 *
 * An answer is a JSON-RPC response object or a batch array, either as a whole
 * JSON body or as the `data:` payload of one SSE event. Only the list array
 * (result.tools, result.prompts, result.resources, result.resourceTemplates)
 * is rewritten, element by element: every other byte of the answer stays as
 * it was (nextCursor, _meta, other batch members, server requests and
 * notifications in the stream), and nothing changes when every item is
 * visible. Read with the hot-path reader (lr_jfast_*), never a DOM.
 *
 * Fail closed: an answer that is not valid JSON, not JSON-RPC, a response to
 * no request of the client's message, or a list result of an unexpected
 * shape (no array, an item without a string name/uri) is an error; the
 * caller then answers with lr_mcp_list_error_body, never with the
 * upstream's bytes. JSON-RPC error responses pass through unchanged.
 */
#ifndef LARCH_PROXY_MCP_LIST_H
#define LARCH_PROXY_MCP_LIST_H

#include <stdbool.h>

#include "base.h"

typedef enum lr_mcp_list_kind {
  LR_MCP_LIST_NONE,      /* not a list method */
  LR_MCP_LIST_TOOLS,     /* tools/list: result.tools[].name */
  LR_MCP_LIST_PROMPTS,   /* prompts/list: result.prompts[].name */
  LR_MCP_LIST_RESOURCES, /* resources/list: result.resources[].uri */
  LR_MCP_LIST_TEMPLATES, /* resources/templates/list: result.resourceTemplates[].uriTemplate */
} lr_mcp_list_kind;

/* The list kind of a JSON-RPC method name (LR_MCP_LIST_NONE for others). */
lr_mcp_list_kind lr_mcp_list_kind_of(lr_str method);

/* The Cedar entity type an item of kind k is checked as: "Tool", "Prompt",
 * "Resource" (resources and templates alike); and the action a principal
 * needs for it: "tools/call", "prompts/get", "resources/read". */
const char *lr_mcp_list_entity_type(lr_mcp_list_kind k);
const char *lr_mcp_list_action(lr_mcp_list_kind k);

/* Is the item visible? kind is the list it is in, name the item's
 * unescaped name (uri, uriTemplate), NUL-terminated, valid for the call
 * only. */
typedef bool (*lr_mcp_list_visible_fn)(void *ctx, lr_mcp_list_kind kind, lr_str name);

/* One request of the client's message: its raw id bytes as sent (a JSON
 * string with quotes, or a number; id.p == NULL matches any response id)
 * and its method. Responses are matched to requests by id (strings compared
 * after unescaping, numbers by their text). */
typedef struct lr_mcp_list_call {
  lr_str id_raw;
  lr_str method;
} lr_mcp_list_call;

typedef struct lr_mcp_list_filter {
  const lr_mcp_list_call *calls;
  size_t ncalls;
  lr_mcp_list_visible_fn visible;
  void *ctx;
  /* filled by the functions below */
  size_t kept, dropped; /* items, over all list results seen */
  const char *why;      /* on LR_ERR: what was wrong (static text) */
} lr_mcp_list_filter;

/* Filters a whole JSON body. On LR_OK *out is the answer to send: body
 * itself when nothing was dropped, else a rewritten copy in a. On LR_ERR
 * f->why says why; send lr_mcp_list_error_body instead. */
lr_status lr_mcp_list_filter_json(lr_arena *a, lr_str body, lr_mcp_list_filter *f, lr_str *out);

/* Filters one text/event-stream event (its lines up to and including the
 * blank line that ends it, or up to the end of the stream; a leading UTF-8
 * BOM is skipped, as clients skip it at the start of a stream). The data lines
 * (joined by "\n" as SSE does) are filtered as a JSON body; an event with
 * no data, or only whitespace in it, passes. When items were dropped the
 * event is rewritten: other fields (event:, id:, retry:, comments) keep
 * their place and bytes, the data lines become one `data: ` line per line
 * of the filtered payload, with the event's own line ending (CRLF, LF or
 * CR). Same results as lr_mcp_list_filter_json. */
lr_status lr_mcp_list_filter_sse(lr_arena *a, lr_str event, lr_mcp_list_filter *f, lr_str *out);

/* The data payload of one text/event-stream event (its data lines joined
 * by "\n", a leading BOM skipped), in a; empty when the event has no data
 * or only whitespace in it. */
lr_str lr_sse_event_data(lr_arena *a, lr_str event);

/* The JSON-RPC answer that replaces an answer that could not be filtered:
 * for each call with an id, an error response with that id (code -32603,
 * message "larch: the upstream's list answer could not be checked", data
 * {reason: why}); one object, or an array when batch. In a. */
lr_str lr_mcp_list_error_body(lr_arena *a, const lr_mcp_list_call *calls, size_t ncalls, bool batch,
                              const char *why);

#endif /* LARCH_PROXY_MCP_LIST_H */
