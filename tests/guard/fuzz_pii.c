/*
 * fuzz_pii.c — libFuzzer target for the detectors, the JSON walker, masking
 * and the SSE stream (LARCH_FUZZ=ON, `make fuzz`). Checks invariants: spans
 * in bounds, sorted and disjoint; masking valid JSON keeps it valid; an
 * SSE stream masks the same however its input is split.
 */
#include <stdlib.h>
#include <string.h>

#include "guard.h"

static void check(const lr_pii_spans *sp, size_t n) {
  size_t last = 0;
  for (size_t i = 0; i < sp->n; i++) {
    if (sp->items[i].start < last || sp->items[i].end > n || sp->items[i].end <= sp->items[i].start)
      abort();
    last = sp->items[i].end;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *p = (const char *)data;
  lr_pii_spans sp = {0};
  lr_pii_scan_text(p, size, LR_PII_ALL, &sp);
  check(&sp, size);
  lr_status st = lr_pii_scan_json(p, size, LR_PII_ALL, &sp);
  check(&sp, size);
  lr_pii_masker *m = lr_pii_masker_new("k", 1);
  lr_pii_masker_set(m, LR_PII_ALL, (lr_pii_style)(1 + size % 3));
  lr_buf out = {0};
  if (lr_pii_mask_json(m, p, size, &out, NULL) == LR_OK) {
    lr_pii_spans sp2 = {0};
    if (lr_pii_scan_json(out.p, out.len, LR_PII_ALL, &sp2) != LR_OK) abort();
    lr_pii_spans_free(&sp2);
  } else if (st == LR_OK) {
    abort();
  }
  /* streams: the output must not depend on where the input was split */
  lr_pii_stream_mode mode = size % 2 ? LR_PII_STREAM_SSE : LR_PII_STREAM_TEXT;
  lr_buf whole = {0};
  lr_pii_stream *s = lr_pii_stream_new(m, mode);
  lr_pii_stream_feed(s, p, size, &whole, NULL);
  lr_pii_stream_finish(s, &whole, NULL);
  lr_pii_stream_free(s);
  out.len = 0;
  s = lr_pii_stream_new(m, mode);
  size_t cut = size ? data[0] % (size + 1) : 0;
  lr_pii_stream_feed(s, p, cut, &out, NULL);
  lr_pii_stream_feed(s, p + cut, size - cut, &out, NULL);
  lr_pii_stream_finish(s, &out, NULL);
  lr_pii_stream_free(s);
  if (mode == LR_PII_STREAM_SSE && (out.len != whole.len || memcmp(out.p, whole.p, out.len) != 0))
    abort();
  lr_buf_free(&whole);
  lr_buf_free(&out);
  lr_pii_masker_free(m);
  lr_pii_spans_free(&sp);
  return 0;
}
