/*
 * test_stream.c — streaming masking (guard/stream.c): SSE events and plain
 * text split at every byte position give exactly the unsplit output, and
 * no detected value ever leaves in clear.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "guard.h"

static lr_pii_masker *masker(void) {
  lr_pii_masker *m = lr_pii_masker_new(NULL, 0);
  lr_pii_masker_set(m, LR_PII_ALL, LR_PII_STYLE_LABEL);
  return m;
}

static void run(lr_pii_stream_mode mode, const lr_pii_masker *m, const char *in, size_t n,
                size_t split, size_t step, lr_buf *out) {
  lr_pii_stream *s = lr_pii_stream_new(m, mode);
  size_t x = 0;
  if (split) {
    lr_pii_stream_feed(s, in, split, out, NULL);
    x = split;
  }
  while (x < n) {
    size_t k = step && step < n - x ? step : n - x;
    lr_pii_stream_feed(s, in + x, k, out, NULL);
    x += k;
  }
  lr_pii_stream_finish(s, out, NULL);
  cr_expect_eq(lr_pii_stream_pending(s), 0);
  lr_pii_stream_free(s);
}

static const char sse[] =
    "event: message\n"
    "data: {\"choices\":[{\"delta\":{\"content\":\"mail jane.doe@example.com\"}}]}\n\n"
    ": comment\r\n"
    "data: {\"jsonrpc\":\"2.0\",\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"card 4111 "
    "1111 1111 1111\"}]}}\r\n\r\n"
    "data: plain 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\n"
    "data: second line +44 20 7946 0958\n\n"
    "id: 3\ndata: [DONE]\n\n";

Test(stream, sse_split_at_every_byte) {
  lr_pii_masker *m = masker();
  size_t n = strlen(sse);
  lr_buf ref = {0};
  run(LR_PII_STREAM_SSE, m, sse, n, 0, 0, &ref);
  cr_expect(strstr(ref.p, "[EMAIL]") && strstr(ref.p, "[CREDIT_CARD]") &&
                strstr(ref.p, "[GITHUB_TOKEN]") && strstr(ref.p, "[PHONE]"),
            "%s", ref.p);
  cr_expect(strstr(ref.p, "data: [DONE]\n\n") != NULL);
  cr_expect(strstr(ref.p, "event: message\n") != NULL);
  for (size_t split = 1; split < n; split++) {
    lr_buf out = {0};
    run(LR_PII_STREAM_SSE, m, sse, n, split, 0, &out);
    cr_assert_str_eq(out.p, ref.p, "split at %zu", split);
    lr_buf_free(&out);
  }
  for (size_t step = 1; step < 8; step++) {
    lr_buf out = {0};
    run(LR_PII_STREAM_SSE, m, sse, n, 0, step, &out);
    cr_assert_str_eq(out.p, ref.p, "step %zu", step);
    lr_buf_free(&out);
  }
  lr_buf_free(&ref);
  lr_pii_masker_free(m);
}

Test(stream, sse_events_released_as_they_complete) {
  lr_pii_masker *m = masker();
  lr_pii_stream *s = lr_pii_stream_new(m, LR_PII_STREAM_SSE);
  lr_buf out = {0};
  const char *e1 = "data: a@corp.io\n\n";
  lr_pii_stream_feed(s, e1, strlen(e1), &out, NULL);
  cr_expect_str_eq(out.p, "data: [EMAIL]\n\n");
  lr_pii_stream_feed(s, "data: b@co", 10, &out, NULL);
  cr_expect_eq(out.len, strlen("data: [EMAIL]\n\n")); /* held */
  cr_expect_eq(lr_pii_stream_pending(s), 10);
  lr_pii_stream_feed(s, "rp.io\n\n", 7, &out, NULL);
  cr_expect_str_eq(out.p, "data: [EMAIL]\n\ndata: [EMAIL]\n\n");
  lr_pii_stream_free(s);
  lr_buf_free(&out);
  lr_pii_masker_free(m);
}

Test(stream, text_split_never_leaks) {
  lr_pii_masker *m = masker();
  /* a long text: values at many positions, including around the hold-back edge */
  lr_buf in = {0};
  for (int i = 0; i < 400; i++)
    lr_buf_printf(&in, "row %d user%d@example.com card 4111111111111111 pad pad pad pad\n", i, i);
  lr_buf ref = {0};
  lr_pii_mask_text(m, in.p, in.len, &ref, NULL);
  for (size_t step = 1000; step < 9000; step += 997) {
    lr_buf out = {0};
    run(LR_PII_STREAM_TEXT, m, in.p, in.len, 0, step, &out);
    cr_assert_str_eq(out.p, ref.p, "step %zu", step);
    lr_buf_free(&out);
  }
  for (size_t split = 1; split < 300; split += 7) {
    lr_buf out = {0};
    run(LR_PII_STREAM_TEXT, m, in.p, in.len, split, 4096, &out);
    cr_assert_str_eq(out.p, ref.p, "split %zu", split);
    cr_expect(strstr(out.p, "@example.com") == NULL);
    lr_buf_free(&out);
  }
  lr_buf_free(&in);
  lr_buf_free(&ref);
  lr_pii_masker_free(m);
}

/* An LLM stream splits values across events: each piece alone is harmless. */
static const char deltas[] =
    "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Write to "
    "jane.d\"}}]}\n\n"
    "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"oe@exa\"}}]}\n\n"
    "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"mple.com or call +1 "
    "415\"}}]}\n\n"
    "event: content_block_delta\n"
    "data: {\"type\":\"content_block_delta\",\"delta\":{\"type\":\"text_delta\",\"text\":\" 555 "
    "26\"}}\n\n"
    "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"71. Key: "
    "ghp_Ky9Pf34qY6Nb3\"}}]}\n\n"
    "data: "
    "{\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"wWD25RQ4F5ZR3qa7y3gm1IL "
    "done\\n\"}}]}\n\n"
    "data: [DONE]\n\n";

Test(stream, sse_deltas_split_across_events) {
  lr_pii_masker *m = masker();
  size_t n = strlen(deltas);
  lr_buf ref = {0};
  lr_pii_counts c = {0};
  lr_pii_stream *s = lr_pii_stream_new(m, LR_PII_STREAM_SSE);
  lr_pii_stream_feed(s, deltas, n, &ref, &c);
  lr_pii_stream_finish(s, &ref, &c);
  lr_pii_stream_free(s);
  cr_expect_eq(c.n[LR_PII_EMAIL], 1, "%s", ref.p);
  cr_expect_eq(c.n[LR_PII_PHONE], 1, "%s", ref.p);
  cr_expect_eq(c.n[LR_PII_GITHUB_TOKEN], 1, "%s", ref.p);
  static const char *const leaks[] = {"jane", "oe@exa", "mple.com", "415", "555",
                                      "71.",  "ghp_",   "wWD25",    NULL};
  for (const char *const *l = leaks; *l; l++)
    cr_expect(strstr(ref.p, *l) == NULL, "leaked %s: %s", *l, ref.p);
  /* every event is still there, in order, and still valid SSE/JSON */
  size_t events = 0;
  for (const char *q = ref.p; (q = strstr(q, "\n\n")); q += 2) events++;
  cr_expect_eq(events, 7);
  cr_expect(strstr(ref.p, "Write to [EMAIL]") != NULL, "%s", ref.p);
  cr_expect(strstr(ref.p, "event: content_block_delta\n") != NULL);
  cr_expect(strstr(ref.p, "data: [DONE]\n\n") != NULL);
  for (size_t split = 1; split < n; split++) {
    lr_buf out = {0};
    run(LR_PII_STREAM_SSE, m, deltas, n, split, 0, &out);
    cr_assert_str_eq(out.p, ref.p, "split at %zu", split);
    lr_buf_free(&out);
  }
  lr_buf_free(&ref);
  lr_pii_masker_free(m);
}
