/*
 * cmd_demo_upstream.c — `larch demo-upstream`: a small MCP server (Streamable
 * HTTP transport, JSON-RPC 2.0) plus a REST endpoint, used by `make run`, the
 * README quickstart and the integration tests as the thing larch protects.
 *
 * Its tools are the ones the bundled rules in rules/ speak about (search,
 * read_file, payments.refund, db.query, deploy.release, git.push, slack.post,
 * datadog.log, crm.eu.lookup, ...). It decides nothing: every call succeeds
 * unless its arguments are malformed, so whatever is refused was refused by
 * larch.
 *
 *   POST /mcp      initialize (answers Mcp-Session-Id), notifications (202),
 *                  ping, tools/list, tools/call. JSON answers, or one SSE
 *                  event (`event: message`) when the client's Accept lists
 *                  text/event-stream before application/json.
 *   GET  /mcp      405 (no server-initiated stream)
 *   DELETE /mcp    ends a session (200)
 *   GET  /v1/orders, GET /v1/orders/<id>, POST /v1/orders   REST, JSON
 *   GET  /healthz  "ok"
 *
 * Single-threaded evhttp; cold path, so jansson is fine here.
 */
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "cli.h"

#define DEMO_BODY_MAX (1024 * 1024)
#define DEMO_PROTOCOL "2025-06-18"

/* One tool: name, description, input schema (JSON text), annotations. */
typedef struct demo_tool {
  const char *name, *description, *schema;
  bool destructive, read_only;
} demo_tool;

static const demo_tool tools[] = {
    {"search", "Search the internal knowledge base.",
     "{\"type\":\"object\",\"properties\":{\"query\":{\"type\":\"string\"}},\"required\":["
     "\"query\"]}",
     false, true},
    {"read_file", "Read a file of the demo workspace.",
     "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"}},\"required\":[\"path\"]"
     "}",
     false, true},
    {"list_directory", "List the demo workspace.", "{\"type\":\"object\",\"properties\":{}}", false,
     true},
    {"write_file", "Write a file of the demo workspace.",
     "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"},\"content\":{\"type\":"
     "\"string\"}},\"required\":[\"path\",\"content\"]}",
     false, false},
    {"delete_file", "Delete a file of the demo workspace.",
     "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"}},\"required\":[\"path\"]"
     "}",
     true, false},
    {"payments.refund", "Refund an order; amount in cents.",
     "{\"type\":\"object\",\"properties\":{\"order\":{\"type\":\"string\"},\"amount\":{\"type\":"
     "\"integer\"}},\"required\":[\"amount\"]}",
     false, false},
    {"db.query", "Run a read-only SQL query on the production database.",
     "{\"type\":\"object\",\"properties\":{\"sql\":{\"type\":\"string\"}},\"required\":[\"sql\"]}",
     false, true},
    {"db.execute", "Run any SQL statement on the production database.",
     "{\"type\":\"object\",\"properties\":{\"sql\":{\"type\":\"string\"}},\"required\":[\"sql\"]}",
     true, false},
    {"db.migrate", "Apply a schema migration to the application database.",
     "{\"type\":\"object\",\"properties\":{\"migration\":{\"type\":\"string\"}}}", false, false},
    {"deploy.release", "Deploy a release of a service.",
     "{\"type\":\"object\",\"properties\":{\"service\":{\"type\":\"string\"},\"version\":{\"type\":"
     "\"string\"}},\"required\":[\"service\"]}",
     false, false},
    {"git.push", "Push a branch to the origin repository.",
     "{\"type\":\"object\",\"properties\":{\"branch\":{\"type\":\"string\"},\"ref\":{\"type\":"
     "\"string\"},\"refspec\":{\"type\":\"string\"}}}",
     false, false},
    {"git.log", "Show recent commits.", "{\"type\":\"object\",\"properties\":{}}", false, true},
    {"slack.post", "Post a message to a Slack channel (external).",
     "{\"type\":\"object\",\"properties\":{\"channel\":{\"type\":\"string\"},\"text\":{\"type\":"
     "\"string\"}},\"required\":[\"text\"]}",
     false, false},
    {"web.fetch", "Fetch a web page (external).",
     "{\"type\":\"object\",\"properties\":{\"url\":{\"type\":\"string\"}},\"required\":[\"url\"]}",
     false, true},
    {"datadog.log", "Send a log line to the logging service.",
     "{\"type\":\"object\",\"properties\":{\"message\":{\"type\":\"string\"}},\"required\":["
     "\"message\"]}",
     false, false},
    {"crm.eu.lookup", "Look a customer up in the EU CRM.",
     "{\"type\":\"object\",\"properties\":{\"customer\":{\"type\":\"string\"}}}", false, true},
    {"crm.us.lookup", "Look a customer up in the US CRM.",
     "{\"type\":\"object\",\"properties\":{\"customer\":{\"type\":\"string\"}}}", false, true},
};
#define NTOOLS (sizeof tools / sizeof tools[0])

static const demo_tool *find_tool(const char *name) {
  for (size_t i = 0; i < NTOOLS; i++)
    if (strcmp(tools[i].name, name) == 0) return &tools[i];
  return NULL;
}

static const char *arg_str(json_t *args, const char *key, const char *dflt) {
  const char *s = json_string_value(json_object_get(args, key));
  return s ? s : dflt;
}

/* The text a tool answers; NULL with *why set when the arguments are bad. */
static char *tool_text(const demo_tool *t, json_t *args, const char **why) {
  char *out = NULL;
  int n = -1;
  const char *name = t->name;
  *why = NULL;
  if (strcmp(name, "search") == 0) {
    n = asprintf(&out, "3 results for \"%s\": runbook.md, oncall.md, faq.md",
                 arg_str(args, "query", ""));
  } else if (strcmp(name, "read_file") == 0) {
    const char *p = arg_str(args, "path", "");
    if (strcmp(p, "customers.csv") == 0)
      n = asprintf(&out, "name,email,phone\nAda Lovelace,ada@example.com,+44 20 7946 0958\n");
    else
      n = asprintf(&out, "contents of %s: hello from the demo workspace\n", p);
  } else if (strcmp(name, "list_directory") == 0) {
    n = asprintf(&out, "README.md\ncustomers.csv\nnotes.txt\n");
  } else if (strcmp(name, "write_file") == 0 || strcmp(name, "delete_file") == 0) {
    n = asprintf(&out, "%s %s", name[0] == 'w' ? "wrote" : "deleted", arg_str(args, "path", "?"));
  } else if (strcmp(name, "payments.refund") == 0) {
    json_t *a = json_object_get(args, "amount");
    if (!json_is_integer(a) || json_integer_value(a) <= 0) {
      *why = "amount must be a positive integer (cents)";
      return NULL;
    }
    long long c = (long long)json_integer_value(a);
    n = asprintf(&out, "refunded $%lld.%02lld on order %s", c / 100, c % 100,
                 arg_str(args, "order", "A-1001"));
  } else if (strcmp(name, "db.query") == 0 || strcmp(name, "db.execute") == 0) {
    const char *sql = arg_str(args, "sql", NULL);
    if (!sql) {
      *why = "sql is required";
      return NULL;
    }
    n = asprintf(&out, name[3] == 'q' ? "2 rows: (1, 'widget', 4.50), (2, 'gadget', 12.00)"
                                      : "statement executed, 1 row affected");
  } else if (strcmp(name, "db.migrate") == 0) {
    n = asprintf(&out, "migration %s applied", arg_str(args, "migration", "latest"));
  } else if (strcmp(name, "deploy.release") == 0) {
    n = asprintf(&out, "deployed %s %s", arg_str(args, "service", "?"),
                 arg_str(args, "version", "latest"));
  } else if (strcmp(name, "git.push") == 0) {
    const char *to =
        arg_str(args, "branch", arg_str(args, "ref", arg_str(args, "refspec", "HEAD")));
    n = asprintf(&out, "pushed to %s", to);
  } else if (strcmp(name, "git.log") == 0) {
    n = asprintf(&out, "a1b2c3d fix refund rounding\ne4f5a6b add deploy window\n");
  } else if (strcmp(name, "slack.post") == 0) {
    n = asprintf(&out, "posted to %s", arg_str(args, "channel", "#general"));
  } else if (strcmp(name, "web.fetch") == 0) {
    n = asprintf(&out, "fetched %s (200, 1 KiB)", arg_str(args, "url", "?"));
  } else if (strcmp(name, "datadog.log") == 0) {
    n = asprintf(&out, "logged 1 line");
  } else {
    n = asprintf(&out, "customer %s: status active, region %s", arg_str(args, "customer", "C-1"),
                 name[4] == 'e' ? "eu" : "us");
  }
  if (n < 0) abort();
  return out;
}

static json_t *tools_list(void) {
  json_t *arr = json_array();
  for (size_t i = 0; i < NTOOLS; i++) {
    json_t *schema = json_loads(tools[i].schema, 0, NULL);
    if (!schema) abort(); /* the table above is wrong */
    json_array_append_new(arr, json_pack("{s:s, s:s, s:o, s:{s:b, s:b}}", "name", tools[i].name,
                                         "description", tools[i].description, "inputSchema", schema,
                                         "annotations", "destructiveHint", tools[i].destructive,
                                         "readOnlyHint", tools[i].read_only));
  }
  return json_pack("{s:o}", "tools", arr);
}

static json_t *rpc_error(json_t *id, int code, const char *msg) {
  return json_pack("{s:s, s:O, s:{s:i, s:s}}", "jsonrpc", "2.0", "id", id ? id : json_null(),
                   "error", "code", code, "message", msg);
}

static json_t *rpc_result(json_t *id, json_t *result) {
  return json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", id, "result", result);
}

/* Answers one JSON-RPC request object (NULL for a notification). */
static json_t *handle_rpc(json_t *msg, bool *is_init) {
  json_t *id = json_object_get(msg, "id");
  const char *method = json_string_value(json_object_get(msg, "method"));
  *is_init = false;
  if (!json_is_object(msg) || !method || !json_is_string(json_object_get(msg, "jsonrpc")) ||
      strcmp(json_string_value(json_object_get(msg, "jsonrpc")), "2.0") != 0)
    return rpc_error(id, -32600, "invalid request");
  if (!id) return NULL; /* notification: nothing to answer */
  json_t *params = json_object_get(msg, "params");
  if (strcmp(method, "initialize") == 0) {
    *is_init = true;
    return rpc_result(id, json_pack("{s:s, s:{s:{s:b}}, s:{s:s, s:s}, s:s}", "protocolVersion",
                                    DEMO_PROTOCOL, "capabilities", "tools", "listChanged", 0,
                                    "serverInfo", "name", "larch-demo-upstream", "version", "1.0",
                                    "instructions", "Demo tools for the larch quickstart."));
  }
  if (strcmp(method, "ping") == 0) return rpc_result(id, json_object());
  if (strcmp(method, "tools/list") == 0) return rpc_result(id, tools_list());
  if (strcmp(method, "tools/call") == 0) {
    const char *name = json_string_value(json_object_get(params, "name"));
    const demo_tool *t = name ? find_tool(name) : NULL;
    if (!t) return rpc_error(id, -32602, "unknown tool");
    json_t *args = json_object_get(params, "arguments");
    if (args && !json_is_object(args)) return rpc_error(id, -32602, "arguments must be an object");
    const char *why;
    char *text = tool_text(t, args, &why);
    json_t *res = json_pack("{s:[{s:s, s:s}], s:b}", "content", "type", "text", "text",
                            text ? text : why, "isError", text == NULL);
    free(text);
    return rpc_result(id, res);
  }
  return rpc_error(id, -32601, "method not found");
}

static void send_text(struct evhttp_request *r, int code, const char *type, const char *body) {
  struct evkeyvalq *h = evhttp_request_get_output_headers(r);
  evhttp_add_header(h, "Content-Type", type);
  struct evbuffer *b = evbuffer_new();
  evbuffer_add(b, body, strlen(body));
  evhttp_send_reply(r, code, NULL, b);
  evbuffer_free(b);
}

static void send_json(struct evhttp_request *r, int code, json_t *v) {
  char *s = json_dumps(v, JSON_COMPACT);
  send_text(r, code, "application/json", s ? s : "null");
  free(s);
}

/* True when Accept names text/event-stream before application/json (or
 * names only the former). */
static bool wants_sse(struct evhttp_request *r) {
  const char *acc = evhttp_find_header(evhttp_request_get_input_headers(r), "Accept");
  if (!acc) return false;
  const char *sse = strstr(acc, "text/event-stream"), *json = strstr(acc, "application/json");
  return sse && (!json || sse < json);
}

/* Copies the request body into a NUL-terminated heap string (NULL if too large). */
static char *body_of(struct evhttp_request *r, size_t *n) {
  struct evbuffer *in = evhttp_request_get_input_buffer(r);
  *n = evbuffer_get_length(in);
  if (*n > DEMO_BODY_MAX) return NULL;
  char *p = malloc(*n + 1);
  if (!p) abort();
  evbuffer_copyout(in, p, *n);
  p[*n] = 0;
  return p;
}

static void on_mcp(struct evhttp_request *r) {
  enum evhttp_cmd_type cmd = evhttp_request_get_command(r);
  if (cmd == EVHTTP_REQ_DELETE) {
    send_text(r, 200, "application/json", "{}");
    return;
  }
  if (cmd != EVHTTP_REQ_POST) {
    evhttp_add_header(evhttp_request_get_output_headers(r), "Allow", "POST, DELETE");
    send_text(r, 405, "application/json", "{\"error\":\"use POST\"}");
    return;
  }
  size_t n;
  char *body = body_of(r, &n);
  json_error_t jerr;
  json_t *msg = body ? json_loadb(body, n, 0, &jerr) : NULL;
  free(body);
  if (!msg || json_is_array(msg)) {
    json_t *e =
        rpc_error(NULL, msg ? -32600 : -32700, msg ? "batches are not supported" : "parse error");
    send_json(r, 400, e);
    json_decref(e);
    json_decref(msg);
    return;
  }
  bool init;
  json_t *ans = handle_rpc(msg, &init);
  json_decref(msg);
  if (!ans) {
    evhttp_send_reply(r, 202, "Accepted", NULL);
    return;
  }
  struct evkeyvalq *h = evhttp_request_get_output_headers(r);
  if (init) {
    unsigned char rnd[16];
    char sid[33];
    if (getrandom(rnd, sizeof rnd, 0) != sizeof rnd) memset(rnd, 7, sizeof rnd);
    for (int i = 0; i < 16; i++) snprintf(sid + 2 * i, 3, "%02x", rnd[i]);
    evhttp_add_header(h, "Mcp-Session-Id", sid);
  }
  if (wants_sse(r)) {
    char *s = json_dumps(ans, JSON_COMPACT);
    evhttp_add_header(h, "Content-Type", "text/event-stream");
    evhttp_add_header(h, "Cache-Control", "no-cache");
    evhttp_send_reply_start(r, 200, "OK");
    struct evbuffer *b = evbuffer_new();
    evbuffer_add_printf(b, "event: message\ndata: %s\n\n", s ? s : "null");
    evhttp_send_reply_chunk(r, b);
    evhttp_send_reply_end(r);
    evbuffer_free(b);
    free(s);
  } else {
    send_json(r, 200, ans);
  }
  json_decref(ans);
}

static void on_orders(struct evhttp_request *r, const char *path) {
  enum evhttp_cmd_type cmd = evhttp_request_get_command(r);
  if (cmd == EVHTTP_REQ_HEAD) cmd = EVHTTP_REQ_GET; /* evhttp leaves the body out */
  const char *rest = path + strlen("/v1/orders");
  if (cmd == EVHTTP_REQ_GET && (*rest == 0 || strcmp(rest, "/") == 0)) {
    send_text(r, 200, "application/json",
              "{\"orders\":[{\"id\":\"A-1001\",\"total\":4200,\"status\":\"shipped\"},"
              "{\"id\":\"A-1002\",\"total\":125000,\"status\":\"open\"}]}");
  } else if (cmd == EVHTTP_REQ_GET && rest[0] == '/') {
    json_t *o = json_pack("{s:s, s:i, s:s}", "id", rest + 1, "total", 4200, "status", "shipped");
    send_json(r, 200, o);
    json_decref(o);
  } else if (cmd == EVHTTP_REQ_POST && *rest == 0) {
    size_t n;
    char *body = body_of(r, &n);
    json_t *in = body ? json_loadb(body, n, 0, NULL) : NULL;
    free(body);
    if (!json_is_object(in)) {
      send_text(r, 400, "application/json", "{\"error\":\"a JSON object is required\"}");
    } else {
      json_t *o = json_pack("{s:s, s:s, s:O}", "id", "A-1003", "status", "open", "order", in);
      send_json(r, 201, o);
      json_decref(o);
    }
    json_decref(in);
  } else {
    send_text(r, 405, "application/json", "{\"error\":\"method not allowed\"}");
  }
}

static void on_request(struct evhttp_request *r, void *arg) {
  (void)arg;
  const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(r));
  if (!path) path = "/";
  if (strcmp(path, "/mcp") == 0 || strcmp(path, "/mcp/") == 0)
    on_mcp(r);
  else if (strncmp(path, "/v1/orders", 10) == 0 && (path[10] == 0 || path[10] == '/'))
    on_orders(r, path);
  else if (strcmp(path, "/healthz") == 0)
    send_text(r, 200, "text/plain", "ok\n");
  else
    send_text(r, 404, "application/json", "{\"error\":\"not found\"}");
}

static void on_stop(evutil_socket_t sig, short what, void *arg) {
  (void)sig, (void)what;
  event_base_loopexit(arg, NULL);
}

static void usage(FILE *f) {
  fprintf(f, "usage: larch demo-upstream [--listen HOST:PORT]\n\n"
             "A demo MCP server (Streamable HTTP, POST /mcp) with the tools the bundled rules\n"
             "talk about, and a REST endpoint (/v1/orders). Default 127.0.0.1:9000.\n");
}

int lr_cmd_demo_upstream(int argc, char **argv) {
  if (lr_cli_wants_help(argc, argv)) {
    usage(stdout);
    return 0;
  }
  const char *listen = "127.0.0.1:9000";
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc) {
      listen = argv[++i];
    } else {
      usage(stderr);
      return 2;
    }
  }
  char host[256];
  const char *colon = strrchr(listen, ':');
  if (!colon || colon == listen || (size_t)(colon - listen) >= sizeof host || !colon[1]) {
    fprintf(stderr, "larch demo-upstream: invalid address '%s' (want host:port)\n", listen);
    return 2;
  }
  memcpy(host, listen, (size_t)(colon - listen));
  host[colon - listen] = 0;
  signal(SIGPIPE, SIG_IGN);
  struct event_base *base = event_base_new();
  struct evhttp *http = evhttp_new(base);
  evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_DELETE |
                                       EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT);
  evhttp_set_max_body_size(http, DEMO_BODY_MAX);
  evhttp_set_gencb(http, on_request, NULL);
  int status = 0;
  if (evhttp_bind_socket(http, host, (uint16_t)atoi(colon + 1)) != 0) {
    fprintf(stderr, "larch demo-upstream: cannot listen on %s\n", listen);
    status = 1;
  } else {
    struct event *term = evsignal_new(base, SIGTERM, on_stop, base);
    struct event *intr = evsignal_new(base, SIGINT, on_stop, base);
    event_add(term, NULL);
    event_add(intr, NULL);
    fprintf(stderr, "larch demo-upstream: MCP on http://%s/mcp, REST on http://%s/v1/orders\n",
            listen, listen);
    event_base_dispatch(base);
    event_free(term);
    event_free(intr);
  }
  evhttp_free(http);
  event_base_free(base);
  return status;
}
