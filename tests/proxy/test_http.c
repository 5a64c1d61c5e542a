/*
 * test_http.c — unit tests for proxy/http.c: heads collected across arbitrary
 * read boundaries, validation on top of llhttp, pausing, and the heads the
 * proxy writes (hop-by-hop removal, X-Forwarded-*, framing).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "http.h"

typedef struct rec {
  lr_http_head *head;
  lr_buf body;
  int heads, dones;
  int pause_on_done;
} rec;

static int on_head(void *ud, lr_http_head *h) {
  rec *r = ud;
  r->head = h;
  r->heads++;
  return LR_HTTP_CONTINUE;
}
static int on_body(void *ud, const char *p, size_t n) {
  lr_buf_append(&((rec *)ud)->body, p, n);
  return LR_HTTP_CONTINUE;
}
static int on_done(void *ud) {
  rec *r = ud;
  r->dones++;
  return r->pause_on_done ? LR_HTTP_PAUSE : LR_HTTP_CONTINUE;
}
static const lr_http_events ev = {on_head, on_body, on_done};

/* Feeds text in pieces of `step` bytes; returns the last result. */
static lr_http_result feed(lr_http_parser *p, const char *text, size_t step) {
  size_t n = strlen(text), off = 0;
  lr_http_result r = LR_HTTP_OK;
  while (off < n) {
    size_t k = n - off < step ? n - off : step, used = 0;
    r = lr_http_parser_feed(p, text + off, k, &used);
    off += used;
    if (r == LR_HTTP_ERROR) return r;
    if (r == LR_HTTP_PAUSED) lr_http_parser_resume(p);
  }
  return r;
}

static const char *REQ = "POST /mcp/x?y=1 HTTP/1.1\r\nHost: a.test:8443\r\nX-Long: one two  \r\n"
                         "Content-Type: application/json\r\nConnection: keep-alive, X-Hop\r\n"
                         "X-Hop: secret\r\nX-Forwarded-For: 10.0.0.1\r\nExpect: 100-continue\r\n"
                         "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";

Test(http, head_collected_across_any_split) {
  for (size_t step = 1; step <= strlen(REQ); step += (step < 8 ? 1 : 7)) {
    lr_arena *a = lr_arena_new(0);
    rec r = {0};
    lr_http_parser p;
    lr_http_parser_init(&p, true, &ev, &r, 0);
    lr_http_parser_set_arena(&p, a);
    cr_assert_eq(feed(&p, REQ, step), LR_HTTP_OK, "step %zu: %s", step, p.err_text);
    cr_assert_eq(r.heads, 1);
    cr_assert_eq(r.dones, 1);
    lr_http_head *h = r.head;
    cr_assert(lr_str_eq_c(h->method_name, "POST"));
    cr_assert(lr_str_eq_c(h->path, "/mcp/x") && lr_str_eq_c(h->query, "y=1"));
    cr_assert(lr_str_eq_c(h->host, "a.test:8443"), "step %zu", step);
    cr_assert(lr_str_eq_c(lr_http_find(h, "x-long")->value, "one two"), "step %zu", step);
    cr_assert(h->chunked && h->expect_continue && h->keep_alive);
    cr_assert(lr_str_eq_c(h->content_type, "application/json"));
    cr_assert_str_eq(r.body.p, "hello world");
    lr_buf_free(&r.body);
    lr_http_parser_free(&p);
    lr_arena_free(a);
  }
}

static int parse_error(const char *text, size_t step) {
  lr_arena *a = lr_arena_new(0);
  rec r = {0};
  lr_http_parser p;
  lr_http_parser_init(&p, true, &ev, &r, 256);
  lr_http_parser_set_arena(&p, a);
  int status = feed(&p, text, step) == LR_HTTP_ERROR ? p.err_status : 0;
  lr_buf_free(&r.body);
  lr_http_parser_free(&p);
  lr_arena_free(a);
  return status;
}

Test(http, validation_beyond_llhttp) {
  size_t steps[] = {1, 3, 1000};
  for (size_t i = 0; i < 3; i++) {
    size_t s = steps[i];
    cr_assert_eq(parse_error("GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n", s), 400, "fold");
    cr_assert_eq(parse_error("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", s), 400);
    cr_assert_eq(parse_error("GET / HTTP/1.1\r\n\r\n", s), 400, "missing host");
    cr_assert_eq(parse_error("GET / HTTP/1.0\r\n\r\n", s), 0, "1.0 needs no host");
    cr_assert_eq(parse_error("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", s),
                 400);
    cr_assert_eq(parse_error("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity, "
                             "chunked\r\n\r\n0\r\n\r\n",
                             s),
                 400);
    cr_assert_eq(parse_error("GET / HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\n\r\n", s), 417);
    char big[400];
    snprintf(big, sizeof big, "GET / HTTP/1.1\r\nHost: x\r\nX: %0300d\r\n\r\n", 0);
    cr_assert_eq(parse_error(big, s), 431);
    cr_assert_eq(parse_error("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: "
                             "2\r\n\r\n",
                             s),
                 400);
  }
}

Test(http, pause_after_each_message) {
  const char *two = "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n";
  lr_arena *a = lr_arena_new(0);
  rec r = {.pause_on_done = 1};
  lr_http_parser p;
  lr_http_parser_init(&p, true, &ev, &r, 0);
  lr_http_parser_set_arena(&p, a);
  size_t used = 0;
  cr_assert_eq(lr_http_parser_feed(&p, two, strlen(two), &used), LR_HTTP_PAUSED);
  cr_assert_eq(used, strlen(two) / 2, "stops right after the first message");
  cr_assert(lr_str_eq_c(r.head->url, "/a"));
  lr_http_parser_resume(&p);
  cr_assert_eq(lr_http_parser_feed(&p, two + used, strlen(two) - used, &used), LR_HTTP_PAUSED);
  cr_assert(lr_str_eq_c(r.head->url, "/b"));
  cr_assert_eq(r.dones, 2);
  lr_http_parser_free(&p);
  lr_arena_free(a);
}

/* Where larch may read the answer, the client's Accept-Encoding is replaced
 * by identity: compressed list answers would otherwise be refused. */
Test(http, identity_encoding_asked_for_inspected_answers) {
  lr_arena *a = lr_arena_new(0);
  rec r = {0};
  lr_http_parser p;
  lr_http_parser_init(&p, true, &ev, &r, 0);
  lr_http_parser_set_arena(&p, a);
  const char *req = "POST /mcp HTTP/1.1\r\nHost: h\r\nAccept-Encoding: gzip, br\r\n"
                    "Content-Length: 2\r\n\r\n{}";
  cr_assert_eq(feed(&p, req, 4096), LR_HTTP_OK);
  lr_buf out = {0};
  lr_http_forward fw = {.client_ip = LR_STR("127.0.0.9"),
                        .request_id = LR_STR("rid"),
                        .framing = LR_HTTP_FRAME_LENGTH,
                        .length = 2};
  lr_http_write_request_head(&out, r.head, &fw);
  cr_assert(strstr(out.p, "Accept-Encoding: gzip, br\r\n"), "%s", out.p);
  lr_buf_clear(&out);
  fw.identity_encoding = true;
  lr_http_write_request_head(&out, r.head, &fw);
  cr_assert(!strstr(out.p, "gzip"), "%s", out.p);
  cr_assert(strstr(out.p, "Accept-Encoding: identity\r\n"), "%s", out.p);
  lr_buf_free(&out);
  lr_buf_free(&r.body);
  lr_http_parser_free(&p);
  lr_arena_free(a);
}

Test(http, request_head_rewritten) {
  lr_arena *a = lr_arena_new(0);
  rec r = {0};
  lr_http_parser p;
  lr_http_parser_init(&p, true, &ev, &r, 0);
  lr_http_parser_set_arena(&p, a);
  cr_assert_eq(feed(&p, REQ, 4096), LR_HTTP_OK);
  lr_buf out = {0};
  lr_http_forward fw = {.client_ip = LR_STR("127.0.0.9"),
                        .tls = true,
                        .request_id = LR_STR("rid"),
                        .framing = LR_HTTP_FRAME_LENGTH,
                        .length = 11};
  lr_http_write_request_head(&out, r.head, &fw);
  cr_assert_str_eq(out.p, "POST /mcp/x?y=1 HTTP/1.1\r\nHost: a.test:8443\r\nX-Long: one two\r\n"
                          "Content-Type: application/json\r\nContent-Length: 11\r\n"
                          "X-Forwarded-For: 10.0.0.1, 127.0.0.9\r\nX-Forwarded-Proto: https\r\n"
                          "X-Request-Id: rid\r\n\r\n");
  lr_buf_clear(&out);
  lr_http_write_error(&out, 502, "upstream \"down\"", LR_STR("rid"), false);
  cr_assert(strstr(out.p, "HTTP/1.1 502 Bad Gateway\r\n") == out.p);
  cr_assert(strstr(out.p, "Connection: close\r\n"));
  cr_assert(
      strstr(out.p, "\r\n\r\n{\"error\": \"upstream \\\"down\\\"\", \"request_id\": \"rid\"}\n"));
  lr_buf_free(&out);
  lr_buf_free(&r.body);
  lr_http_parser_free(&p);
  lr_arena_free(a);
}
