/*
 * test_json_fast.c — the hot-path JSON reader (policy/json_fast.c): the
 * checks jsmn leaves to us, JSON-RPC extraction, every JSON → Cedar rule,
 * string-leaf spans, and agreement with the jansson-based lr_json_value on
 * generated documents where the two mappings coincide.
 */
#include "json_test_util.h"

/* Parses len bytes of text and converts the top value: the printed Cedar
 * value, or "ERR <path>@<off>: <msg>". */
static char *fast_n(const char *text, size_t len) {
  lr_arena *a = lr_arena_new(0);
  lr_jfast_doc d;
  lr_jfast_err e = {0};
  lr_value v;
  lr_buf b = {0};
  if (lr_jfast_parse(a, text, len, &d, &e) == LR_OK &&
      lr_jfast_value(a, &d, 0, "", &v, &e) == LR_OK)
    lr_value_print(v, &b);
  else
    lr_buf_printf(&b, "ERR %s@%zu: %s", e.path, e.off, e.msg);
  lr_arena_free(a);
  return b.p;
}

static char *fast(const char *text) { return fast_n(text, strlen(text)); }

#define EXPECT(text, want)                                                                         \
  do {                                                                                             \
    char *got_ = fast(text);                                                                       \
    cr_expect_str_eq(got_, want, "%s => %s", text, got_);                                          \
    free(got_);                                                                                    \
  } while (0)

/* Expects a parse or conversion error whose message contains msg. */
#define EXPECT_ERR(text, msg)                                                                      \
  do {                                                                                             \
    char *got_ = fast(text);                                                                       \
    cr_expect(strncmp(got_, "ERR", 3) == 0 && strstr(got_, msg), "%s => %s (want %s)", text, got_, \
              msg);                                                                                \
    free(got_);                                                                                    \
  } while (0)

Test(json_fast, scalars) {
  EXPECT("true", "true");
  EXPECT(" false ", "false");
  EXPECT("\"a\\\"b\"", "\"a\\\"b\"");
  EXPECT("\"\\u00e9\\/\\t\"", "\"\xc3\xa9/\\t\"");
  EXPECT("\"\\ud83d\\ude00\"", "\"\xf0\x9f\x98\x80\"");
  EXPECT("\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
         "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  EXPECT("0", "0");
  EXPECT("-0", "0");
  EXPECT("-42", "-42");
  EXPECT("9223372036854775807", "9223372036854775807");
  EXPECT("-9223372036854775808", "-9223372036854775808");
  EXPECT("1.5", "decimal(\"1.5000\")");
  EXPECT("-0.0001", "decimal(\"-0.0001\")");
  EXPECT("922337203685477.5807", "decimal(\"922337203685477.5807\")");
}

Test(json_fast, containers) {
  EXPECT("[3, 1, 2, 1]", "[1, 2, 3]");
  EXPECT("[]", "[]");
  EXPECT("{}", "{}");
  EXPECT("{\"b\": 1, \"a\": [true, \"x\"]}", "{\"a\": [true, \"x\"], \"b\": 1}");
  EXPECT("{\"a\": null, \"b\": {\"c\": null}}", "{\"b\": {}}");
  EXPECT("{\"k\\u0065y\": 1}", "{\"key\": 1}");
  EXPECT("[[1], [1], {\"a\": 1}]", "[[1], {\"a\": 1}]");
}

Test(json_fast, conversion_errors) {
  EXPECT("9223372036854775808", "ERR @0: integer out of range for a Cedar long");
  EXPECT_ERR("-9223372036854775809", "out of range");
  EXPECT_ERR("123456789012345678901234567890", "out of range");
  EXPECT_ERR("0.12345", "");
  EXPECT_ERR("922337203685477.5808", "");
  EXPECT("1e3", "ERR @0: numbers with an exponent are not supported");
  EXPECT_ERR("1.0E-2", "exponent");
  EXPECT_ERR("null", "null");
  EXPECT("{\"a\": [1, {\"b\": 2.5e1}]}",
         "ERR a[1].b@16: numbers with an exponent are not supported");
  EXPECT("[1, null]", "ERR [1]@4: null inside an array (a set cannot hold an absent value)");
  EXPECT_ERR("{\"x\\\"y\": [0.123456]}", "ERR x\"y[0]@10: ");
}

Test(json_fast, grammar_errors) {
  EXPECT("", "ERR @0: empty body");
  EXPECT("  ", "ERR @0: empty body");
  EXPECT("{\"a\":", "ERR @5: truncated JSON");
  EXPECT_ERR("[1,2", "truncated");
  EXPECT_ERR("\"abc", "truncated");
  EXPECT_ERR("{} x", "@3: ");
  EXPECT_ERR("1 2", "trailing");
  EXPECT_ERR("{}}", "");
  EXPECT_ERR("[1 2]", "expected ','");
  EXPECT_ERR("{\"a\" 1}", "");
  EXPECT_ERR("{\"a\":1 \"b\":2}", "");
  EXPECT_ERR("[1,]", "");
  EXPECT_ERR("{\"a\":1,}", "");
  EXPECT_ERR("[,1]", "");
  EXPECT_ERR("{1:2}", "");
  EXPECT_ERR("{\"a\"}", "");
  EXPECT_ERR("{\"a\"::1}", "");
  EXPECT_ERR("[tru]", "invalid literal");
  EXPECT_ERR("[truex]", "invalid literal");
  EXPECT_ERR("nul", "");
  EXPECT_ERR("01", "invalid literal or number");
  EXPECT_ERR("1.", "invalid");
  EXPECT_ERR(".5", "");
  EXPECT_ERR("-", "");
  EXPECT_ERR("1e", "");
  EXPECT_ERR("+1", "");
  EXPECT_ERR("--1", "");
  EXPECT_ERR("[1]]", "");
  EXPECT_ERR("{\"a\":[}", "");
  char nul[] = "[1,\0 2]";
  char *got = fast_n(nul, sizeof nul - 1);
  cr_expect_str_eq(got, "ERR @3: NUL byte");
  free(got);
  char nul2[] = "\"a\0\"";
  got = fast_n(nul2, sizeof nul2 - 1);
  cr_expect_str_eq(got, "ERR @2: NUL byte");
  free(got);
}

Test(json_fast, error_paths) {
  EXPECT("{\"a\": {\"b\": [1, \"\\x\"]}}", "ERR a.b[1]@17: bad escape");
  EXPECT("{\"a\": {\"b\": [1, tru]}}", "ERR a.b[1]@16: invalid literal or number");
  EXPECT("{\"a\": {\"b\": [1 2]}}", "ERR a.b[1]@15: expected ','");
  EXPECT("[{\"k\": 1, \"\\q\": 2}]", "ERR [0]@11: bad escape");
  /* before the next key is read, errors belong to the object (fuzz finding) */
  EXPECT("{\"o\": {\"a\": 1 \"b\": 2}}", "ERR o@14: expected ',' or '}'");
  /* what jsmn refuses itself is "invalid JSON", still with a path */
  EXPECT("{\"o\": {\"a\": 1, 2: 2}}", "ERR o@15: invalid JSON");
  EXPECT("{\"o\": {\"a\" 1}}", "ERR o@11: invalid JSON");
  EXPECT_ERR("\"a\": 1", "");
  EXPECT("[0, [\"\\u12\"]]", "ERR [1][0]@6: bad \\u escape");
  EXPECT("{\"a\": {\"b\\u00e9\": {\"c\": 1, \"c\": 2}}}", "ERR a.b\xc3\xa9@27: duplicate key");
}

Test(json_fast, token_cap) {
  size_t n = LR_JFAST_MAX_TOKENS + 1; /* elements: one token too many with the array */
  char *t = malloc(2 * n + 2);
  t[0] = '[';
  for (size_t k = 0; k < n; k++) {
    t[1 + 2 * k] = '0';
    t[2 + 2 * k] = ',';
  }
  t[2 * n] = ']';
  lr_arena *a = lr_arena_new(0);
  lr_jfast_doc d;
  lr_jfast_err e = {0};
  cr_expect_eq(lr_jfast_parse(a, t, 2 * n + 1, &d, &e), LR_ERR);
  cr_expect_str_eq(e.msg, "too many tokens");
  /* one element fewer fits exactly */
  t[2 * n - 4] = ']';
  cr_expect_eq(lr_jfast_parse(a, t, 2 * n - 3, &d, &e), LR_OK, "%s", e.msg);
  cr_expect_eq(d.ntoks, LR_JFAST_MAX_TOKENS);
  lr_arena_free(a);
  free(t);
}

Test(json_fast, string_errors) {
  EXPECT("\"ab\\x\"", "ERR @3: bad escape");
  EXPECT_ERR("\"\\u12G4\"", "bad \\u escape");
  EXPECT_ERR("\"\\u12\"", "");
  EXPECT_ERR("\"\\udc00\"", "lone low surrogate");
  EXPECT_ERR("\"\\ud800\"", "high surrogate");
  EXPECT_ERR("\"\\ud800\\u0041\"", "high surrogate");
  EXPECT_ERR("\"\\ud800x\"", "high surrogate");
  EXPECT("[\"a\tb\"]", "ERR [0]@3: control character in a string");
  EXPECT_ERR("\"\x1f\"", "control character");
  EXPECT("\"\\u0000\"", "\"\\0\"");
  /* UTF-8: overlong, surrogates, beyond U+10FFFF, stray and truncated */
  EXPECT("\"x\xc0\x80\"", "ERR @2: invalid UTF-8");
  EXPECT_ERR("\"\xc1\xbf\"", "invalid UTF-8");
  EXPECT_ERR("\"\xe0\x9f\xbf\"", "invalid UTF-8");
  EXPECT_ERR("\"\xed\xa0\x80\"", "invalid UTF-8");
  EXPECT_ERR("\"\xf0\x8f\xbf\xbf\"", "invalid UTF-8");
  EXPECT_ERR("\"\xf4\x90\x80\x80\"", "invalid UTF-8");
  EXPECT_ERR("\"\xf5\x80\x80\x80\"", "invalid UTF-8");
  EXPECT_ERR("\"\x80\"", "invalid UTF-8");
  EXPECT_ERR("\"\xe2\x82\"", "invalid UTF-8");
  EXPECT_ERR("\"\xe2\x82x\"", "invalid UTF-8");
  EXPECT_ERR("{\"k\xff\": 1}", "invalid UTF-8");
  EXPECT("\"\xef\xbf\xbf\xf4\x8f\xbf\xbf\"", "\"\xef\xbf\xbf\xf4\x8f\xbf\xbf\"");
}

Test(json_fast, duplicates) {
  EXPECT("{\"a\": 1, \"a\": 2}", "ERR @9: duplicate key");
  EXPECT("{\"a\": 1, \"\\u0061\": 2}", "ERR @9: duplicate key");
  EXPECT("{\"o\": {\"b\": 1, \"c\": 2, \"b\": 3}}", "ERR o@23: duplicate key");
  EXPECT("{\"a\": 1, \"b\": {\"a\": 2}}", "{\"a\": 1, \"b\": {\"a\": 2}}");
  /* large objects take the sorting path */
  lr_buf b = {0};
  lr_buf_putc(&b, '{');
  for (int k = 0; k < 40; k++) lr_buf_printf(&b, "%s\"k%d\": %d", k ? ", " : "", k, k);
  lr_buf_putc(&b, '}');
  char *got = fast(b.p);
  cr_expect(strncmp(got, "{\"k0\": 0", 8) == 0, "%s", got);
  free(got);
  b.len--;
  lr_buf_puts(&b, ", \"k17\": 1, \"k3\": 2}");
  got = fast(b.p);
  cr_expect(strstr(got, "ERR") && strstr(got, "duplicate key"), "%s", got);
  size_t want_off = (size_t)(strstr(b.p, ", \"k17\": 1,") - b.p) + 2;
  char want[64];
  snprintf(want, sizeof want, "ERR @%zu: duplicate key", want_off);
  cr_expect_str_eq(got, want);
  free(got);
  lr_buf_free(&b);
}

Test(json_fast, depth) {
  lr_buf b = {0};
  for (int k = 0; k < LR_JFAST_MAX_DEPTH; k++) lr_buf_putc(&b, '[');
  for (int k = 0; k < LR_JFAST_MAX_DEPTH; k++) lr_buf_putc(&b, ']');
  char *got = fast(b.p);
  cr_expect(strncmp(got, "[[[", 3) == 0, "%.40s", got);
  free(got);
  lr_buf_clear(&b);
  for (int k = 0; k <= LR_JFAST_MAX_DEPTH; k++) lr_buf_putc(&b, '[');
  for (int k = 0; k <= LR_JFAST_MAX_DEPTH; k++) lr_buf_putc(&b, ']');
  got = fast(b.p);
  cr_expect(strstr(got, "nested too deeply") != NULL, "%.80s", got);
  cr_expect(strstr(got, "@128:") != NULL, "%.300s", got);
  free(got);
  lr_buf_free(&b);
}

Test(json_fast, many_tokens_grow) {
  /* more tokens than the initial guess (len/8 + 16) */
  lr_buf b = {0};
  lr_buf_putc(&b, '[');
  for (int k = 0; k < 5000; k++) lr_buf_printf(&b, "%s%d", k ? "," : "", k % 7);
  lr_buf_putc(&b, ']');
  lr_arena *a = lr_arena_new(0);
  lr_jfast_doc d;
  cr_assert_eq(lr_jfast_parse(a, b.p, b.len, &d, NULL), LR_OK);
  cr_expect_eq(d.ntoks, 5001);
  cr_expect_eq(d.toks[0].size, 5000);
  cr_expect_eq(d.toks[0].next, 5001);
  lr_value v;
  cr_assert_eq(lr_jfast_value(a, &d, 0, NULL, &v, NULL), LR_OK);
  cr_expect_eq(v.n, 7);
  lr_arena_free(a);
  lr_buf_free(&b);
}

/* ---- JSON-RPC ---- */

static lr_arena *A;
static lr_jfast_doc D;
static lr_jfast_rpcs R;

static void rpc(const char *text) {
  if (A) lr_arena_free(A);
  A = lr_arena_new(0);
  lr_jfast_err e = {0};
  cr_assert_eq(lr_jfast_parse(A, text, strlen(text), &D, &e), LR_OK, "%s: %s", text, e.msg);
  cr_assert_eq(lr_jfast_rpc_extract(A, &D, &R, &e), LR_OK, "%s", e.msg);
}

static void rpc_fini(void) {
  lr_arena_free(A);
  A = NULL;
}

static bool str_is(lr_str s, const char *c) { return lr_str_eq_c(s, c); }

Test(json_fast, rpc_tools_call, .fini = rpc_fini) {
  rpc("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/"
      "call\",\"params\":{\"name\":\"get_weather\","
      "\"arguments\":{\"city\":\"Paris\",\"days\":3}}}");
  cr_assert_eq(R.n, 1);
  cr_expect(!R.batch);
  lr_jfast_rpc *m = &R.msgs[0];
  cr_expect_null(m->invalid, "%s", m->invalid);
  cr_expect(str_is(m->id_raw, "7"));
  cr_expect(str_is(m->method_str, "tools/call"));
  cr_expect(str_is(m->name_str, "get_weather"));
  cr_expect_eq(m->span.n, strlen(D.text));
  cr_assert_geq(m->arguments, 0);
  cr_expect(str_is(lr_jfast_raw(&D, (uint32_t)m->arguments), "{\"city\":\"Paris\",\"days\":3}"));
  cr_assert_geq(m->params, 0);
  cr_expect_eq(D.toks[m->params].kind, LR_JFAST_OBJECT);
  lr_value v;
  cr_assert_eq(lr_jfast_value(A, &D, (uint32_t)m->arguments, "params.arguments", &v, NULL), LR_OK);
  char *p = test_print(v);
  cr_expect_str_eq(p, "{\"city\": \"Paris\", \"days\": 3}");
  free(p);
  cr_expect_eq(m->result, -1);
}

Test(json_fast, rpc_ids_and_escapes, .fini = rpc_fini) {
  rpc(" { \"method\" : \"tools\\/call\", \"id\" : \"a\\\"b\" , \"jsonrpc\":\"2\\u002e0\","
      "\"params\":{\"name\":\"x\\u00e9\"}} ");
  lr_jfast_rpc *m = &R.msgs[0];
  cr_expect_null(m->invalid, "%s", m->invalid);
  cr_expect(str_is(m->id_raw, "\"a\\\"b\""));
  cr_expect(str_is(m->method_str, "tools/call"));
  cr_expect(str_is(m->name_str, "x\xc3\xa9"));
  cr_expect_eq(m->arguments, -1);
  cr_expect(m->span.p[0] == '{' && m->span.p[m->span.n - 1] == '}');
  rpc("{\"jsonrpc\":\"2.0\",\"id\":1.50,\"method\":\"ping\"}");
  cr_expect(str_is(R.msgs[0].id_raw, "1.50"));
  cr_expect_eq(R.msgs[0].params, -1);
  cr_expect_eq(R.msgs[0].name, -1);
}

Test(json_fast, rpc_shapes, .fini = rpc_fini) {
  rpc("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
  cr_expect_null(R.msgs[0].invalid);
  cr_expect_eq(R.msgs[0].id, -1);
  cr_expect(str_is(R.msgs[0].id_raw, ""));
  rpc("{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{}}");
  cr_expect_null(R.msgs[0].invalid);
  cr_expect_geq(R.msgs[0].result, 0);
  rpc("{\"jsonrpc\":\"2.0\",\"id\":3}");
  cr_expect_not_null(R.msgs[0].invalid);
  rpc("{\"jsonrpc\":\"2.0\",\"result\":1}");
  cr_expect_str_eq(R.msgs[0].invalid, "a response needs an \"id\"");
  rpc("{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"x\"}");
  cr_expect_str_eq(R.msgs[0].invalid, "\"jsonrpc\" must be \"2.0\"");
  rpc("{\"jsonrpc\":2.0,\"id\":1,\"method\":\"x\"}");
  cr_expect_str_eq(R.msgs[0].invalid, "\"jsonrpc\" must be \"2.0\"");
  rpc("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":5}");
  cr_expect_str_eq(R.msgs[0].invalid, "\"method\" must be a string");
  rpc("{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"x\"}");
  cr_expect_str_eq(R.msgs[0].invalid, "\"id\" must be a string, a number or null");
  rpc("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":\"s\"}");
  cr_expect_str_eq(R.msgs[0].invalid, "\"params\" must be an object or an array");
  rpc("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":[1]}");
  cr_expect_null(R.msgs[0].invalid);
  cr_expect_eq(R.msgs[0].arguments, -1);
}

Test(json_fast, rpc_batch, .fini = rpc_fini) {
  const char *body = "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}, 5 ,"
                     " {\"jsonrpc\":\"2.0\",\"id\":\"b\",\"method\":\"tools/call\","
                     "\"params\":{\"name\":\"t\",\"arguments\":{\"q\":[1,2]}}}]";
  rpc(body);
  cr_assert(R.batch);
  cr_assert_eq(R.n, 3);
  cr_expect_null(R.msgs[0].invalid);
  cr_expect(str_is(R.msgs[0].span, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}"));
  cr_expect(str_is(R.msgs[1].span, "5"));
  cr_expect_str_eq(R.msgs[1].invalid, "a JSON-RPC message must be an object");
  cr_expect_null(R.msgs[2].invalid);
  cr_expect(str_is(R.msgs[2].id_raw, "\"b\""));
  cr_expect(str_is(R.msgs[2].name_str, "t"));
  cr_expect_eq(R.msgs[2].span.p + R.msgs[2].span.n, body + strlen(body) - 1);
  rpc("[]");
  cr_expect(R.batch);
  cr_expect_eq(R.n, 0);
}

Test(json_fast, rpc_not_a_message) {
  lr_arena *a = lr_arena_new(0);
  lr_jfast_doc d;
  lr_jfast_rpcs r;
  lr_jfast_err e;
  cr_assert_eq(lr_jfast_parse(a, "42", 2, &d, &e), LR_OK);
  cr_expect_eq(lr_jfast_rpc_extract(a, &d, &r, &e), LR_ERR);
  cr_expect(strstr(e.msg, "object or an array") != NULL);
  lr_arena_free(a);
}

/* ---- string leaves ---- */

typedef struct spans {
  lr_buf out;
  int stop_after;
} spans;

static bool record_span(void *ctx, const lr_jfast_doc *d, uint32_t t) {
  spans *s = ctx;
  const lr_jfast_tok *k = &d->toks[t];
  lr_buf_printf(&s->out, "%u-%u:%.*s%s|", k->start, k->end, (int)(k->end - k->start),
                d->text + k->start, (k->flags & LR_JFAST_F_ESCAPED) ? "(esc)" : "");
  return --s->stop_after != 0;
}

Test(json_fast, string_leaves) {
  const char *text = "{\"a\":\"x\",\"b\":[\"y\\n\",1,{\"c\":\"\"}]}";
  lr_arena *a = lr_arena_new(0);
  lr_jfast_doc d;
  cr_assert_eq(lr_jfast_parse(a, text, strlen(text), &d, NULL), LR_OK);
  spans s = {.stop_after = -1};
  lr_jfast_each_string(&d, 0, false, record_span, &s);
  cr_expect_str_eq(s.out.p, "6-7:x|15-18:y\\n(esc)|28-28:|");
  lr_buf_clear(&s.out);
  s.stop_after = 3;
  lr_jfast_each_string(&d, 0, true, record_span, &s);
  cr_expect_str_eq(s.out.p, "2-3:a|6-7:x|10-11:b|");
  lr_buf_clear(&s.out);
  s.stop_after = -1;
  int32_t b = lr_jfast_get(&d, 0, LR_STR("b"));
  cr_assert_geq(b, 0);
  lr_jfast_each_string(&d, (uint32_t)b, true, record_span, &s);
  cr_expect_str_eq(s.out.p, "15-18:y\\n(esc)|24-25:c|28-28:|");
  lr_buf_free(&s.out);
  lr_arena_free(a);
}

/* ---- agreement with the cold path (jansson + lr_json_value) ---- */

static uint64_t rng_next(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static void gen_string(lr_buf *b, uint64_t *r) {
  static const char *const parts[] = {"a",        "Z",
                                      " ",        "\\\"",
                                      "\\\\",     "\\n",
                                      "\\u00e9",  "\\ud83d\\ude00",
                                      "\xc3\xa9", "\xe2\x82\xac",
                                      "\\/",      "\\u0041",
                                      "k",        "\xf0\x9f\x98\x80"};
  lr_buf_putc(b, '"');
  int n = (int)(rng_next(r) % 6);
  for (int k = 0; k < n; k++) lr_buf_puts(b, parts[rng_next(r) % (sizeof parts / sizeof *parts)]);
  lr_buf_putc(b, '"');
}

static void gen(lr_buf *b, uint64_t *r, int depth) {
  unsigned pick = (unsigned)(rng_next(r) % (depth > 3 ? 4 : 6));
  switch (pick) {
  case 0: gen_string(b, r); break;
  case 1: {
    int64_t v = (int64_t)rng_next(r);
    if (rng_next(r) % 2) v %= 1000;
    lr_buf_printf(b, "%lld", (long long)v);
    break;
  }
  case 2: lr_buf_puts(b, rng_next(r) % 2 ? "true" : "false"); break;
  case 3: lr_buf_printf(b, "%d", (int)(rng_next(r) % 3)); break;
  case 4: {
    int n = (int)(rng_next(r) % 5);
    lr_buf_puts(b, "[ ");
    for (int k = 0; k < n; k++) {
      if (k) lr_buf_puts(b, ",\n");
      gen(b, r, depth + 1);
    }
    lr_buf_putc(b, ']');
    break;
  }
  default: {
    int n = (int)(rng_next(r) % 5);
    lr_buf_putc(b, '{');
    for (int k = 0; k < n; k++) {
      /* distinct keys, never "__..." (the cold path's escapes) */
      lr_buf_printf(b, "%s\"k%d", k ? ", " : "", k);
      if (rng_next(r) % 3 == 0) lr_buf_puts(b, "\\u00e9");
      lr_buf_puts(b, "\" : ");
      gen(b, r, depth + 1);
    }
    lr_buf_putc(b, '}');
  }
  }
}

Test(json_fast, agrees_with_lr_json_value) {
  uint64_t r = 0x9e3779b97f4a7c15ull;
  for (int doc = 0; doc < 2000; doc++) {
    lr_buf b = {0};
    gen(&b, &r, 0);
    lr_arena *a = lr_arena_new(0);
    lr_jfast_doc d;
    lr_jfast_err e = {0};
    lr_value fv, cv;
    cr_assert_eq(lr_jfast_parse(a, b.p, b.len, &d, &e), LR_OK, "%s: %s", b.p, e.msg);
    cr_assert_eq(lr_jfast_value(a, &d, 0, NULL, &fv, &e), LR_OK, "%s: %s", b.p, e.msg);
    lr_diags dg = {0};
    json_t *j = lr_json_parse(b.p, b.len, "g.json", &dg);
    cr_assert_not_null(j, "%s", b.p);
    cr_assert_eq(lr_json_value(a, j, NULL, NULL, "g.json", "", &dg, &cv), LR_OK, "%s", b.p);
    if (!lr_value_eq(fv, cv)) {
      char *x = test_print(fv), *y = test_print(cv);
      cr_assert_fail("%s\nfast: %s\ncold: %s", b.p, x, y);
    }
    json_decref(j);
    lr_diags_free(&dg);
    lr_arena_free(a);
    lr_buf_free(&b);
  }
}
