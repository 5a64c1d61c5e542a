/*
 * fuzz_http.c — libFuzzer entry point for the HTTP front: arbitrary bytes
 * are parsed as a stream of pipelined requests (split at a fuzzer-chosen
 * point to exercise read boundaries), and every head that parses is run
 * through route selection and serialised towards an upstream, as conn.c
 * does. Build with -DLARCH_FUZZ=ON (clang).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "http.h"
#include "pipeline.h"

typedef struct fuzz_ctx {
  lr_buf out;
  size_t body;
} fuzz_ctx;

static int on_head(void *ud, lr_http_head *h) {
  fuzz_ctx *f = ud;
  lr_http_forward fw = {.client_ip = LR_STR("127.0.0.1"),
                        .request_id = LR_STR("fuzz"),
                        .default_host = LR_STR("upstream"),
                        .framing = h->chunked      ? LR_HTTP_FRAME_CHUNKED
                                   : h->has_length ? LR_HTTP_FRAME_LENGTH
                                                   : LR_HTTP_FRAME_NONE,
                        .length = h->length};
  lr_buf_clear(&f->out);
  lr_http_write_request_head(&f->out, h, &fw);
  (void)lr_pipeline_is_json(h->content_type);
  (void)lr_http_find(h, "authorization");
  return LR_HTTP_CONTINUE;
}

static int on_body(void *ud, const char *p, size_t n) {
  (void)p;
  ((fuzz_ctx *)ud)->body += n;
  return LR_HTTP_CONTINUE;
}

static int on_done(void *ud) {
  (void)ud;
  return LR_HTTP_PAUSE; /* like conn.c: one message at a time */
}

static const lr_http_events events = {on_head, on_body, on_done};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  size_t split = data[0] % (size);
  const char *in = (const char *)data + 1;
  size_t n = size - 1;
  lr_arena *arena = lr_arena_new(0);
  fuzz_ctx f = {0};
  lr_http_parser p;
  lr_http_parser_init(&p, true, &events, &f, 4096);
  lr_http_parser_set_arena(&p, arena);
  size_t off = 0;
  for (int guard = 0; off < n && guard < 10000; guard++) {
    size_t end = off < split && split < n ? split : n, used = 0;
    lr_http_result r = lr_http_parser_feed(&p, in + off, end - off, &used);
    off += used;
    if (r == LR_HTTP_ERROR) break;
    if (r == LR_HTTP_PAUSED) {
      lr_http_parser_resume(&p);
      lr_arena_reset(arena); /* per request, as on a keep-alive connection */
    }
  }
  lr_http_parser_free(&p);
  lr_buf_free(&f.out);
  lr_arena_free(arena);
  return 0;
}
