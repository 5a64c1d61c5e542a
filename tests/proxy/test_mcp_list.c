/* test_mcp_list.c — list answer filtering (proxy/mcp_list.c): JSON bodies,
 * SSE events (CRLF, multi-line data), batches, cursors, empty lists, error
 * responses and every malformed answer failing closed. */
#include <criterion/criterion.h>
#include <string.h>

#include "mcp_list.h"

static lr_arena *a;
static void setup(void) { a = lr_arena_new(0); }
static void teardown(void) { lr_arena_free(a); }
TestSuite(mcp_list, .init = setup, .fini = teardown);

/* Visible: names not starting with "secret" (and, for resources, URIs not
 * under file:///etc/). Records every name asked about. */
typedef struct seen {
  char names[512];
  lr_mcp_list_kind last_kind;
} seen;

static bool visible(void *ctx, lr_mcp_list_kind kind, lr_str name) {
  seen *s = ctx;
  strcat(s->names, name.p);
  strcat(s->names, ";");
  s->last_kind = kind;
  return strncmp(name.p, "secret", 6) != 0 && strncmp(name.p, "file:///etc/", 12) != 0;
}

static seen last_seen;
static lr_mcp_list_filter last;

static lr_mcp_list_filter filter_for(const lr_mcp_list_call *calls, size_t n) {
  memset(&last_seen, 0, sizeof last_seen);
  return (lr_mcp_list_filter){.calls = calls, .ncalls = n, .visible = visible, .ctx = &last_seen};
}

static const lr_mcp_list_call tools_call = {LR_STR("1"), LR_STR("tools/list")};

/* The filtered body, or "ERR: <why>". */
static const char *run_calls(const char *body, const lr_mcp_list_call *calls, size_t n, bool sse) {
  last = filter_for(calls, n);
  lr_str out, in = lr_str_c(body);
  lr_status st = sse ? lr_mcp_list_filter_sse(a, in, &last, &out)
                     : lr_mcp_list_filter_json(a, in, &last, &out);
  if (st != LR_OK) {
    cr_assert(last.why != NULL);
    return lr_arena_sprintf(a, "ERR: %s", last.why);
  }
  return lr_arena_strndup(a, out.p, out.n);
}
static const char *run(const char *body) { return run_calls(body, &tools_call, 1, false); }

Test(mcp_list, kinds) {
  cr_expect_eq(lr_mcp_list_kind_of(LR_STR("tools/list")), LR_MCP_LIST_TOOLS);
  cr_expect_eq(lr_mcp_list_kind_of(LR_STR("prompts/list")), LR_MCP_LIST_PROMPTS);
  cr_expect_eq(lr_mcp_list_kind_of(LR_STR("resources/list")), LR_MCP_LIST_RESOURCES);
  cr_expect_eq(lr_mcp_list_kind_of(LR_STR("resources/templates/list")), LR_MCP_LIST_TEMPLATES);
  cr_expect_eq(lr_mcp_list_kind_of(LR_STR("tools/call")), LR_MCP_LIST_NONE);
  cr_expect_eq(lr_mcp_list_kind_of(LR_STR("tools/lis")), LR_MCP_LIST_NONE);
  cr_expect_str_eq(lr_mcp_list_action(LR_MCP_LIST_PROMPTS), "prompts/get");
  cr_expect_str_eq(lr_mcp_list_entity_type(LR_MCP_LIST_TEMPLATES), "Resource");
}

Test(mcp_list, json_tools) {
  const char *body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":["
                     "{\"name\":\"echo\",\"inputSchema\":{\"type\":\"object\"}},"
                     "{\"name\":\"secret_dump\",\"description\":\"x\"},"
                     "{\"name\":\"add\"}],\"nextCursor\":\"abc\"}}";
  cr_expect_str_eq(run(body), "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":["
                              "{\"name\":\"echo\",\"inputSchema\":{\"type\":\"object\"}},"
                              "{\"name\":\"add\"}],\"nextCursor\":\"abc\"}}");
  cr_expect_str_eq(last_seen.names, "echo;secret_dump;add;");
  cr_expect_eq(last.kept, 2);
  cr_expect_eq(last.dropped, 1);
  cr_expect_eq(last_seen.last_kind, LR_MCP_LIST_TOOLS);
}

Test(mcp_list, unchanged_when_all_visible) {
  const char *body = "{ \"id\" : 1 , \"jsonrpc\":\"2.0\", \"result\": {\"tools\": [ {\"name\": "
                     "\"a\"} ] } }";
  last = filter_for(&tools_call, 1);
  lr_str out;
  cr_assert_eq(lr_mcp_list_filter_json(a, lr_str_c(body), &last, &out), LR_OK);
  cr_expect_eq(out.p, body); /* the very same bytes, no copy */
  cr_expect_eq(out.n, strlen(body));
}

Test(mcp_list, pretty_printed_keeps_layout) {
  const char *body = "{\n  \"jsonrpc\": \"2.0\",\n  \"id\": 1,\n  \"result\": {\n    \"tools\": [\n"
                     "      {\"name\": \"secret1\"},\n"
                     "      {\"name\": \"a\"},\n"
                     "      {\"name\": \"secret2\"},\n"
                     "      {\"name\": \"b\"}\n"
                     "    ]\n  }\n}\n";
  cr_expect_str_eq(run(body), "{\n  \"jsonrpc\": \"2.0\",\n  \"id\": 1,\n  \"result\": {\n"
                              "    \"tools\": [\n"
                              "      {\"name\": \"a\"},\n"
                              "      {\"name\": \"b\"}\n"
                              "    ]\n  }\n}\n");
  /* all dropped: an empty array */
  cr_expect_str_eq(run("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[ {\"name\":"
                       "\"secret\"} , {\"name\":\"secret2\"} ]}}"),
                   "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[]}}");
}

Test(mcp_list, empty_list_and_escaped_names) {
  cr_expect_str_eq(run("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[]}}"),
                   "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[]}}");
  cr_expect_eq(last.kept + last.dropped, 0);
  /* the name is compared unescaped: \u0073ecret is "secret" */
  cr_expect_str_eq(run("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":["
                       "{\"name\":\"\\u0073ecret\"},{\"name\":\"ok\"}]}}"),
                   "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[{\"name\":\"ok\"}]}}");
}

Test(mcp_list, prompts_resources_templates) {
  lr_mcp_list_call c = {LR_STR("\"p\""), LR_STR("prompts/list")};
  cr_expect_str_eq(run_calls("{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"result\":{\"prompts\":["
                             "{\"name\":\"secret\"},{\"name\":\"greet\",\"arguments\":[]}]}}",
                             &c, 1, false),
                   "{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"result\":{\"prompts\":["
                   "{\"name\":\"greet\",\"arguments\":[]}]}}");
  cr_expect_eq(last_seen.last_kind, LR_MCP_LIST_PROMPTS);
  c.method = LR_STR("resources/list");
  cr_expect_str_eq(run_calls("{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"result\":{\"resources\":["
                             "{\"uri\":\"file:///etc/passwd\",\"name\":\"pw\"},"
                             "{\"uri\":\"file:///tmp/a\",\"name\":\"secret-but-uri-counts\"}]}}",
                             &c, 1, false),
                   "{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"result\":{\"resources\":["
                   "{\"uri\":\"file:///tmp/a\",\"name\":\"secret-but-uri-counts\"}]}}");
  cr_expect_str_eq(last_seen.names, "file:///etc/passwd;file:///tmp/a;");
  c.method = LR_STR("resources/templates/list");
  cr_expect_str_eq(run_calls("{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"result\":{\"resourceTemplates\":["
                             "{\"uriTemplate\":\"file:///etc/{x}\",\"name\":\"t\"}]}}",
                             &c, 1, false),
                   "{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"result\":{\"resourceTemplates\":[]}}");
  cr_expect_eq(last_seen.last_kind, LR_MCP_LIST_TEMPLATES);
}

Test(mcp_list, error_responses_pass) {
  const char *body =
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32601,\"message\":\"no\"}}";
  cr_expect_str_eq(run(body), body);
  const char *nullid =
      "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":\"x\"}}";
  cr_expect_str_eq(run(nullid), nullid);
}

Test(mcp_list, batch) {
  lr_mcp_list_call calls[] = {{LR_STR("1"), LR_STR("tools/list")},
                              {LR_STR("\"c\""), LR_STR("tools/call")},
                              {LR_STR("3"), LR_STR("prompts/list")}};
  const char *body =
      "[{\"jsonrpc\":\"2.0\",\"id\":\"c\",\"result\":{\"tools\":[{\"name\":\"secret\"}],"
      "\"content\":[]}},"
      " {\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"prompts\":[{\"name\":\"p\"},"
      "{\"name\":\"secretp\"}]}},"
      " {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[{\"name\":\"secret\"},"
      "{\"name\":\"t\"}]}}]";
  /* the tools/call result is not a list: untouched even though it has "tools" */
  cr_expect_str_eq(
      run_calls(body, calls, 3, false),
      "[{\"jsonrpc\":\"2.0\",\"id\":\"c\",\"result\":{\"tools\":[{\"name\":\"secret\"}],"
      "\"content\":[]}},"
      " {\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"prompts\":[{\"name\":\"p\"}]}},"
      " {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[{\"name\":\"t\"}]}}]");
  cr_expect_eq(last.dropped, 2);
  /* a response to no request of the message fails closed */
  cr_expect_str_eq(
      run_calls("[{\"jsonrpc\":\"2.0\",\"id\":9,\"result\":{\"tools\":[]}}]", calls, 3, false),
      "ERR: a response answers no request of the client");
  cr_expect_str_eq(run_calls("[]", calls, 3, false), "ERR: the answer is an empty batch");
}

Test(mcp_list, duplicate_ids) {
  /* the same id for a tools/call and a tools/list: never passed as the call's */
  lr_mcp_list_call calls[] = {{LR_STR("1"), LR_STR("tools/call")},
                              {LR_STR("1"), LR_STR("tools/list")}};
  cr_expect_str_eq(run_calls("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[{\"name\":"
                             "\"secret\"}]}}",
                             calls, 2, false),
                   "ERR: requests sharing the response's id differ in kind");
  lr_mcp_list_call same[] = {{LR_STR("1"), LR_STR("tools/list")},
                             {LR_STR("1"), LR_STR("tools/list")}};
  cr_expect_str_eq(run_calls("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[{\"name\":"
                             "\"secret\"}]}}",
                             same, 2, false),
                   "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[]}}");
}

Test(mcp_list, ids_match_by_value) {
  lr_mcp_list_call c = {LR_STR("\"a\\u0062\""), LR_STR("tools/list")}; /* "ab" */
  const char *body =
      "{\"jsonrpc\":\"2.0\",\"id\":\"ab\",\"result\":{\"tools\":[{\"name\":\"secret\"}]}}";
  cr_expect_str_eq(run_calls(body, &c, 1, false),
                   "{\"jsonrpc\":\"2.0\",\"id\":\"ab\",\"result\":{\"tools\":[]}}");
  /* the string "1" does not answer the number 1 */
  cr_expect_str_eq(run("{\"jsonrpc\":\"2.0\",\"id\":\"1\",\"result\":{\"tools\":[]}}"),
                   "ERR: a response answers no request of the client");
  /* id.p == NULL: any id */
  lr_mcp_list_call any = {{NULL, 0}, LR_STR("tools/list")};
  cr_expect_str_eq(run_calls("{\"jsonrpc\":\"2.0\",\"id\":77,\"result\":{\"tools\":[{\"name\":"
                             "\"secret\"}]}}",
                             &any, 1, false),
                   "{\"jsonrpc\":\"2.0\",\"id\":77,\"result\":{\"tools\":[]}}");
}

Test(mcp_list, garbage_fails_closed) {
  static const char *const bad[] = {
      "",
      "not json",
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[{\"name\":\"a\"}]}",   /* cut */
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[{\"name\":\"a\"}]}}x", /* trailing */
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[{\"name\":\"a\",\"name\":\"b\"}]}}",
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":{\"name\":\"a\"}}}",
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tool\":[]}}",
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":[]}",
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[{\"name\":1}]}}",
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[{\"title\":\"no name\"}]}}",
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[\"secret\"]}}",
      "{\"jsonrpc\":\"1.0\",\"id\":1,\"result\":{\"tools\":[]}}",
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[]},\"error\":{}}",
      "{\"jsonrpc\":\"2.0\",\"id\":1}",
      "[1]",
      "42",
      "{\"jsonrpc\":\"2.0\",\"result\":{\"tools\":[]}}",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    const char *r = run(bad[i]);
    cr_expect(strncmp(r, "ERR: ", 5) == 0, "passed: %s -> %s", bad[i], r);
  }
  /* server requests and notifications in the answer pass */
  const char *note = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{}}";
  cr_expect_str_eq(run(note), note);
}

Test(mcp_list, sse_event) {
  const char *ev = "event: message\r\nid: 7\r\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":"
                   "{\"tools\":[{\"name\":\"secret\"},{\"name\":\"a\"}]}}\r\n\r\n";
  cr_expect_str_eq(run_calls(ev, &tools_call, 1, true),
                   "event: message\r\nid: 7\r\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":"
                   "{\"tools\":[{\"name\":\"a\"}]}}\r\n\r\n");
  /* multi-line data (joined with \n), LF endings, a comment, no space after data: */
  const char *ml = ": keep me\nevent: message\ndata:{\"jsonrpc\":\"2.0\",\"id\":1,\n"
                   "data: \"result\":{\"tools\":[{\"name\":\"secret\"},\n"
                   "data: {\"name\":\"b\"}]}}\nid: 8\n\n";
  cr_expect_str_eq(run_calls(ml, &tools_call, 1, true),
                   ": keep me\nevent: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\n"
                   "data: \"result\":{\"tools\":[{\"name\":\"b\"}]}}\nid: 8\n\n");
  /* CR-only endings */
  cr_expect_str_eq(run_calls("data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":["
                             "{\"name\":\"secret\"}]}}\r\r",
                             &tools_call, 1, true),
                   "data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[]}}\r\r");
  /* a BOM before the first field is what clients skip: the data is read */
  cr_expect_str_eq(run_calls("\xEF\xBB\xBF"
                             "data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":["
                             "{\"name\":\"secret\"}]}}\n\n",
                             &tools_call, 1, true),
                   "data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[]}}\n\n");
  /* unchanged events are the same bytes */
  const char *keep =
      "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[]}}\n\n";
  cr_expect_str_eq(run_calls(keep, &tools_call, 1, true), keep);
  /* no data (priming event, comment, retry) passes */
  cr_expect_str_eq(run_calls("id: 1\ndata:\n\n", &tools_call, 1, true), "id: 1\ndata:\n\n");
  cr_expect_str_eq(run_calls(": ping\n\n", &tools_call, 1, true), ": ping\n\n");
  cr_expect_str_eq(run_calls("retry: 100\n\n", &tools_call, 1, true), "retry: 100\n\n");
  /* a field that only starts with "data" is not data */
  cr_expect_str_eq(run_calls("datax: 1\n\n", &tools_call, 1, true), "datax: 1\n\n");
  /* garbage data fails closed, as does a cut payload */
  cr_expect_str_eq(run_calls("data: nope\n\n", &tools_call, 1, true),
                   "ERR: the answer is not valid JSON");
  cr_expect_str_eq(run_calls("data: {\"jsonrpc\":\"2.0\",\"id\":1,\n\n", &tools_call, 1, true),
                   "ERR: the answer is not valid JSON");
  /* a progress notification before the result passes */
  const char *prog = "data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\","
                     "\"params\":{\"progress\":1}}\n\n";
  cr_expect_str_eq(run_calls(prog, &tools_call, 1, true), prog);
}

Test(mcp_list, error_body) {
  lr_mcp_list_call calls[] = {{LR_STR("1"), LR_STR("tools/list")},
                              {{NULL, 0}, LR_STR("notifications/x")},
                              {LR_STR("\"z\""), LR_STR("prompts/list")}};
  cr_expect_str_eq(lr_mcp_list_error_body(a, calls, 1, false, "bad \"x\"").p,
                   "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32603,\"message\":"
                   "\"larch: the upstream's list answer could not be checked\",\"data\":"
                   "{\"reason\":\"bad \\\"x\\\"\"}}}");
  lr_str b = lr_mcp_list_error_body(a, calls, 3, true, "r");
  cr_expect(strstr(b.p, "\"id\":1,") && strstr(b.p, "\"id\":\"z\","));
  cr_expect_eq(b.p[0], '[');
  cr_expect_eq(b.p[b.n - 1], ']');
}
