/*
 * mcp_list.c — filtering MCP list answers (see mcp_list.h): find the list
 * array of each response that answers a list request, keep the visible
 * items, splice the new array into the original bytes.
 */
#include "mcp_list.h"

#include <string.h>

#include "policy.h"

static const struct {
  const char *method, *array, *key, *type, *action;
} kinds[] = {
    [LR_MCP_LIST_NONE] = {"", "", "", "", ""},
    [LR_MCP_LIST_TOOLS] = {"tools/list", "tools", "name", "Tool", "tools/call"},
    [LR_MCP_LIST_PROMPTS] = {"prompts/list", "prompts", "name", "Prompt", "prompts/get"},
    [LR_MCP_LIST_RESOURCES] = {"resources/list", "resources", "uri", "Resource", "resources/read"},
    [LR_MCP_LIST_TEMPLATES] = {"resources/templates/list", "resourceTemplates", "uriTemplate",
                               "Resource", "resources/read"},
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

lr_mcp_list_kind lr_mcp_list_kind_of(lr_str method) {
  for (size_t k = 1; k < NKINDS; k++)
    if (lr_str_eq(method, lr_str_c(kinds[k].method))) return (lr_mcp_list_kind)k;
  return LR_MCP_LIST_NONE;
}

const char *lr_mcp_list_entity_type(lr_mcp_list_kind k) { return kinds[k].type; }
const char *lr_mcp_list_action(lr_mcp_list_kind k) { return kinds[k].action; }

/* ---- JSON ------------------------------------------------------------------ */

/* A byte range of the original text replaced by new bytes. */
typedef struct edit {
  size_t start, end;
  lr_str with;
} edit;

typedef struct edits {
  edit *v;
  size_t n, cap;
} edits;

static void edits_add(lr_arena *a, edits *es, edit e) {
  if (es->n == es->cap) {
    size_t cap = es->cap ? 2 * es->cap : 4;
    edit *v = LR_NEW_N(a, edit, cap);
    if (es->n) memcpy(v, es->v, es->n * sizeof *v);
    es->v = v, es->cap = cap;
  }
  es->v[es->n++] = e;
}

static lr_status fail(lr_mcp_list_filter *f, const char *why) {
  f->why = why;
  return LR_ERR;
}

/* Does the response id token t equal the request id raw bytes? */
static bool id_matches(lr_arena *a, const lr_jfast_doc *d, int32_t t, lr_str raw) {
  if (!raw.p) return true;
  if (t < 0) return false;
  const lr_jfast_tok *k = &d->toks[t];
  if (k->kind == LR_JFAST_NUMBER) return lr_str_eq(lr_jfast_raw(d, (uint32_t)t), raw);
  if (k->kind != LR_JFAST_STRING || raw.n < 2 || raw.p[0] != '"') return false;
  lr_jfast_doc rd;
  if (lr_jfast_parse(a, raw.p, raw.n, &rd, NULL) != LR_OK || rd.toks[0].kind != LR_JFAST_STRING)
    return false;
  return lr_str_eq(lr_jfast_string(a, d, (uint32_t)t), lr_jfast_string(a, &rd, 0));
}

static bool json_ws(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

/* Filters the list array at token arr (of kind k) into an edit when some
 * item is dropped. Kept items keep their bytes and the separator (comma and
 * whitespace) that preceded them; the first kept item gets the whitespace
 * that followed '['. */
static lr_status filter_array(lr_arena *a, const lr_jfast_doc *d, uint32_t arr, lr_mcp_list_kind k,
                              lr_mcp_list_filter *f, edits *es) {
  const lr_jfast_tok *T = d->toks;
  size_t open = T[arr].start, close = T[arr].end - 1; /* '[' and ']' */
  size_t prev_end = open + 1, lead = open + 1;
  while (lead < close && json_ws(d->text[lead])) lead++;
  bool any_kept = false, any_dropped = false;
  lr_buf out = {0};
  lr_buf_putc(&out, '[');
  for (uint32_t i = 0, t = arr + 1; i < T[arr].size; i++, t = T[t].next) {
    int32_t name = lr_jfast_get(d, t, lr_str_c(kinds[k].key));
    if (name < 0 || T[name].kind != LR_JFAST_STRING) {
      lr_buf_free(&out);
      return fail(f, T[t].kind != LR_JFAST_OBJECT ? "a list item is not an object"
                                                  : "a list item has no string name/uri");
    }
    lr_str raw = lr_jfast_raw(d, t);
    size_t start = (size_t)(raw.p - d->text);
    if (f->visible(f->ctx, k, lr_jfast_string(a, d, (uint32_t)name))) {
      if (any_kept)
        lr_buf_append(&out, d->text + prev_end, start - prev_end);
      else
        lr_buf_append(&out, d->text + open + 1, lead - (open + 1));
      lr_buf_append(&out, raw.p, raw.n);
      any_kept = true;
      f->kept++;
    } else {
      any_dropped = true;
      f->dropped++;
    }
    prev_end = start + raw.n;
  }
  if (any_dropped) {
    if (any_kept) lr_buf_append(&out, d->text + prev_end, close - prev_end);
    lr_buf_putc(&out, ']');
    char *bytes = lr_arena_strndup(a, out.p, out.len);
    edits_add(a, es, (edit){open, close + 1, lr_str_make(bytes, out.len)});
  }
  lr_buf_free(&out);
  return LR_OK;
}

/* One JSON-RPC message of the answer. */
static lr_status filter_message(lr_arena *a, const lr_jfast_doc *d, const lr_jfast_rpc *m,
                                lr_mcp_list_filter *f, edits *es) {
  const lr_jfast_tok *T = d->toks;
  if (m->method >= 0) return LR_OK; /* a server request or notification */
  if (m->result < 0) {
    if (m->error >= 0) return LR_OK; /* an error response passes */
    return fail(f, "a message is neither a request, a notification nor a response");
  }
  /* the request it answers; requests sharing its id must agree on the kind
   * (a duplicate id must not let a list answer pass as another method's) */
  bool found = false;
  lr_mcp_list_kind k = LR_MCP_LIST_NONE;
  for (size_t i = 0; i < f->ncalls; i++) {
    if (!id_matches(a, d, m->id, f->calls[i].id_raw)) continue;
    lr_mcp_list_kind ki = lr_mcp_list_kind_of(f->calls[i].method);
    if (found && ki != k) return fail(f, "requests sharing the response's id differ in kind");
    found = true, k = ki;
  }
  if (!found) return fail(f, "a response answers no request of the client");
  if (k == LR_MCP_LIST_NONE) return LR_OK;
  if (T[m->result].kind != LR_JFAST_OBJECT) return fail(f, "a list result is not an object");
  int32_t arr = lr_jfast_get(d, (uint32_t)m->result, lr_str_c(kinds[k].array));
  if (arr < 0 || T[arr].kind != LR_JFAST_ARRAY) return fail(f, "a list result has no item array");
  return filter_array(a, d, (uint32_t)arr, k, f, es);
}

/* Filters text into *out (text itself when unchanged). */
static lr_status filter_text(lr_arena *a, lr_str text, lr_mcp_list_filter *f, lr_str *out) {
  lr_jfast_doc d;
  lr_jfast_rpcs rpcs;
  if (lr_jfast_parse(a, text.p, text.n, &d, NULL) != LR_OK)
    return fail(f, "the answer is not valid JSON");
  if (lr_jfast_rpc_extract(a, &d, &rpcs, NULL) != LR_OK)
    return fail(f, "the answer is not a JSON-RPC message or batch");
  if (rpcs.batch && rpcs.n == 0) return fail(f, "the answer is an empty batch");
  edits es = {0};
  for (size_t i = 0; i < rpcs.n; i++) {
    const lr_jfast_rpc *m = &rpcs.msgs[i];
    if (m->invalid) return fail(f, m->invalid);
    if (filter_message(a, &d, m, f, &es) != LR_OK) return LR_ERR;
  }
  if (es.n == 0) {
    *out = text;
    return LR_OK;
  }
  /* edits are in document order (messages and their arrays are) */
  lr_buf b = {0};
  size_t at = 0;
  for (size_t i = 0; i < es.n; i++) {
    lr_buf_append(&b, text.p + at, es.v[i].start - at);
    lr_buf_append(&b, es.v[i].with.p, es.v[i].with.n);
    at = es.v[i].end;
  }
  lr_buf_append(&b, text.p + at, text.n - at);
  *out = lr_str_make(lr_arena_strndup(a, b.p ? b.p : "", b.len), b.len);
  lr_buf_free(&b);
  return LR_OK;
}

lr_status lr_mcp_list_filter_json(lr_arena *a, lr_str body, lr_mcp_list_filter *f, lr_str *out) {
  f->why = NULL;
  return filter_text(a, body, f, out);
}

/* ---- SSE (WHATWG HTML, "Server-sent events": event stream interpretation) - */

/* The next line of s from *at: its bytes (terminator excluded) and the
 * terminator's length (0 at the end of s). */
static lr_str next_line(lr_str s, size_t *at, size_t *eol) {
  size_t i = *at;
  while (i < s.n && s.p[i] != '\r' && s.p[i] != '\n') i++;
  lr_str line = lr_str_make(s.p + *at, i - *at);
  *eol = i < s.n ? (s.p[i] == '\r' && i + 1 < s.n && s.p[i + 1] == '\n' ? 2 : 1) : 0;
  *at = i + *eol;
  return line;
}

/* Is line a `data` field? Then *value is its value (one leading space
 * removed, as SSE does). */
static bool data_field(lr_str line, lr_str *value) {
  if (line.n < 4 || memcmp(line.p, "data", 4) != 0) return false;
  if (line.n == 4) {
    *value = lr_str_make(line.p + 4, 0);
    return true;
  }
  if (line.p[4] != ':') return false;
  size_t v = 5 + (line.n > 5 && line.p[5] == ' ');
  *value = lr_str_make(line.p + v, line.n - v);
  return true;
}

/* The event without a leading UTF-8 BOM: a client drops it at the start
 * of the stream before reading fields, so must we (else
 * "\xEF\xBB\xBFdata: ..." would pass unread). */
static lr_str without_bom(lr_str event) {
  if (event.n >= 3 && memcmp(event.p, "\xEF\xBB\xBF", 3) == 0) event.p += 3, event.n -= 3;
  return event;
}

/* The data payload of event and the line ending of its first line. */
static lr_str event_data(lr_arena *a, lr_str event, lr_str *ending) {
  lr_buf data = {0};
  size_t at = 0, eol, ndata = 0;
  *ending = (lr_str){0};
  while (at < event.n) {
    lr_str line = next_line(event, &at, &eol), v;
    if (eol && !ending->p) *ending = lr_str_make(line.p + line.n, eol);
    if (!data_field(line, &v)) continue;
    if (ndata++) lr_buf_putc(&data, '\n');
    lr_buf_append(&data, v.p, v.n);
  }
  bool blank = true;
  for (size_t i = 0; i < data.len && blank; i++)
    blank = data.p[i] == ' ' || data.p[i] == '\t' || data.p[i] == '\n' || data.p[i] == '\r';
  lr_str payload = {0};
  if (!blank) payload = lr_str_make(lr_arena_strndup(a, data.p, data.len), data.len);
  lr_buf_free(&data);
  return payload;
}

lr_str lr_sse_event_data(lr_arena *a, lr_str event) {
  lr_str ending;
  return event_data(a, without_bom(event), &ending);
}

lr_status lr_mcp_list_filter_sse(lr_arena *a, lr_str whole, lr_mcp_list_filter *f, lr_str *out) {
  f->why = NULL;
  lr_str event = without_bom(whole), ending, filtered;
  lr_str payload = event_data(a, event, &ending);
  *out = whole;
  if (!payload.n) return LR_OK;
  if (filter_text(a, payload, f, &filtered) != LR_OK) return LR_ERR;
  if (filtered.p == payload.p) return LR_OK;
  if (!ending.p) ending = lr_str_make("\n", 1);
  /* rebuild: non-data lines as they were; the data lines, at the place of
   * the first one, from the filtered payload */
  lr_buf b = {0};
  bool data_done = false;
  size_t at = 0, eol;
  while (at < event.n) {
    size_t line_start = at;
    lr_str line = next_line(event, &at, &eol), v;
    if (!data_field(line, &v)) {
      lr_buf_append(&b, event.p + line_start, at - line_start);
      continue;
    }
    if (data_done) continue;
    data_done = true;
    for (size_t s = 0; s <= filtered.n;) {
      size_t e = s;
      while (e < filtered.n && filtered.p[e] != '\n') e++;
      lr_buf_puts(&b, "data: ");
      lr_buf_append(&b, filtered.p + s, e - s);
      lr_buf_append(&b, ending.p, ending.n);
      s = e + 1;
    }
  }
  *out = lr_str_make(lr_arena_strndup(a, b.p, b.len), b.len);
  lr_buf_free(&b);
  return LR_OK;
}

/* ---- the fail-closed answer ------------------------------------------------ */

lr_str lr_mcp_list_error_body(lr_arena *a, const lr_mcp_list_call *calls, size_t ncalls, bool batch,
                              const char *why) {
  lr_buf b = {0};
  size_t n = 0;
  if (batch) lr_buf_putc(&b, '[');
  for (size_t i = 0; i < ncalls; i++) {
    if (!calls[i].id_raw.p || !calls[i].id_raw.n) continue;
    if (n++ && batch) lr_buf_putc(&b, ',');
    lr_buf_puts(&b, "{\"jsonrpc\":\"2.0\",\"id\":");
    lr_buf_append(&b, calls[i].id_raw.p, calls[i].id_raw.n);
    lr_buf_puts(&b, ",\"error\":{\"code\":-32603,\"message\":\"larch: the upstream's list answer "
                    "could not be checked\",\"data\":{\"reason\":");
    lr_buf_json_str(&b, why ? why : "", why ? strlen(why) : 0);
    lr_buf_puts(&b, "}}}");
    if (!batch) break;
  }
  if (!n)
    lr_buf_puts(&b, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32603,\"message\":"
                    "\"larch: the upstream's list answer could not be checked\"}}");
  if (batch) lr_buf_putc(&b, ']');
  lr_str r = lr_str_make(lr_arena_strndup(a, b.p, b.len), b.len);
  lr_buf_free(&b);
  return r;
}
