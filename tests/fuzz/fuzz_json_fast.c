/*
 * fuzz_json_fast.c — libFuzzer target for the hot-path JSON reader
 * (policy/json_fast.c). Besides memory and UB errors (ASan + UBSan) it
 * checks the reader's invariants (spans inside the text, subtree ends
 * ordered, errors always say what and where) and differentially against
 * jansson (lr_json_parse): both accept or both refuse, up to the documented
 * differences (depth cap, jansson's number range), and where both convert
 * to Cedar values (lr_jfast_value, lr_json_value without schema, no `__`
 * escapes in the text) the values are equal.
 *
 *   make fuzz && build-fuzz/tests/fuzz/fuzz_json_fast tests/fuzz/seeds/json_fast
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy.h"

static bool visit(void *ctx, const lr_jfast_doc *d, uint32_t t) {
  lr_arena *a = ctx;
  lr_str s = lr_jfast_string(a, d, t);
  if (s.n > d->toks[t].end - d->toks[t].start || s.p[s.n] != 0) abort();
  return true;
}

static uint32_t max_depth(const lr_jfast_doc *d) {
  /* depth of the deepest container, from the subtree ends */
  uint32_t stack[LR_JFAST_MAX_DEPTH + 2], n = 0, best = 0;
  for (uint32_t i = 0; i < d->ntoks; i++) {
    while (n && stack[n - 1] <= i) n--;
    uint8_t k = d->toks[i].kind;
    if (k == LR_JFAST_OBJECT || k == LR_JFAST_ARRAY) {
      if (n > LR_JFAST_MAX_DEPTH) abort();
      stack[n++] = d->toks[i].next;
      if (n > best) best = n;
    }
  }
  return best;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *text = (const char *)data;
  lr_arena *a = lr_arena_new(0);
  lr_jfast_doc d;
  lr_jfast_err e = {0};
  lr_status st = lr_jfast_parse(a, text, size, &d, &e);
  if (st != LR_OK) {
    if (!e.msg || !e.path || e.off > size) abort();
  } else {
    for (uint32_t i = 0; i < d.ntoks; i++) {
      const lr_jfast_tok *t = &d.toks[i];
      if (t->start > t->end || t->end > size || t->next <= i || t->next > d.ntoks) abort();
    }
    if (d.toks[0].next != d.ntoks) abort();
    (void)max_depth(&d);
    lr_jfast_each_string(&d, 0, true, visit, a);
    lr_jfast_rpcs r;
    if (lr_jfast_rpc_extract(a, &d, &r, &e) == LR_OK) {
      for (size_t m = 0; m < r.n; m++) {
        lr_value v;
        if (r.msgs[m].arguments >= 0)
          (void)lr_jfast_value(a, &d, (uint32_t)r.msgs[m].arguments, "params.arguments", &v, &e);
      }
    }
  }

  /* differential against jansson */
  lr_diags dg = {0};
  json_t *j = lr_json_parse(text, size, "f.json", &dg);
  if (st == LR_OK && !j) {
    bool number =
        dg.n && (strstr(dg.items[0].msg, "too big") || strstr(dg.items[0].msg, "overflow"));
    if (!number) abort();
  }
  if (st != LR_OK && j) {
    /* jansson lets a raw NUL byte through after a number; RFC 8259 does not */
    bool deep = e.msg && strcmp(e.msg, "nested too deeply") == 0;
    bool nul = e.msg && strcmp(e.msg, "NUL byte") == 0;
    if (!deep && !nul) abort();
  }
  /* lr_json_parse reads a key holding U+10FFFF back as NUL (its documented
   * stand-in), so such texts are left out of the value comparison */
  bool u10ffff = memmem(text, size, "\xf4\x8f\xbf\xbf", 4) != NULL;
  for (size_t k = 0; k + 6 <= size && !u10ffff; k++)
    u10ffff = text[k] == '\\' && text[k + 1] == 'u' && strncasecmp(text + k + 2, "dbff", 4) == 0;
  if (st == LR_OK && j && !memmem(text, size, "__", 2) && !u10ffff) {
    lr_value fv, cv;
    lr_diags d2 = {0};
    lr_status fs = lr_jfast_value(a, &d, 0, NULL, &fv, NULL);
    lr_status cs = lr_json_value(a, j, NULL, NULL, "f.json", "", &d2, &cv);
    if (fs == LR_OK && cs == LR_OK && !lr_value_eq(fv, cv)) abort();
    lr_diags_free(&d2);
  }
  json_decref(j);
  lr_diags_free(&dg);
  lr_arena_free(a);
  return 0;
}
