/*
 * fuzz_mcp_list.c — libFuzzer target for list answer filtering
 * (proxy/mcp_list.c). The first input byte picks JSON or SSE and which
 * items are visible (a hash of the name); the rest is the answer. Checks:
 * no crash or sanitizer report on any bytes; when filtering succeeds, a JSON
 * result still parses, nothing dropped means the very same bytes, and
 * filtering the result again drops nothing and changes nothing (so no
 * invisible item ever survives).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mcp_list.h"
#include "policy.h"

static bool visible(void *ctx, lr_mcp_list_kind kind, lr_str name) {
  uint8_t seed = *(const uint8_t *)ctx;
  uint64_t h = lr_hash(name.p, name.n, seed) ^ (uint64_t)kind;
  return (seed & 0x80) || (h & 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  uint8_t seed = data[0];
  bool sse = seed & 1;
  lr_str body = lr_str_make((const char *)data + 1, size - 1);
  static const lr_mcp_list_call calls[] = {
      {LR_STR("1"), LR_STR("tools/list")},
      {LR_STR("\"p\""), LR_STR("prompts/list")},
      {LR_STR("2"), LR_STR("resources/list")},
      {LR_STR("3"), LR_STR("resources/templates/list")},
      {LR_STR("4"), LR_STR("tools/call")},
  };
  lr_arena *a = lr_arena_new(0);
  lr_mcp_list_filter f = {.calls = calls, .ncalls = 5, .visible = visible, .ctx = &seed};
  lr_str out;
  lr_status st = sse ? lr_mcp_list_filter_sse(a, body, &f, &out)
                     : lr_mcp_list_filter_json(a, body, &f, &out);
  if (st != LR_OK) {
    if (!f.why) abort();
  } else {
    if (f.dropped == 0 && (out.p != body.p || out.n != body.n)) abort();
    lr_jfast_doc d;
    if (!sse && lr_jfast_parse(a, out.p, out.n, &d, NULL) != LR_OK) abort();
    lr_mcp_list_filter g = {.calls = calls, .ncalls = 5, .visible = visible, .ctx = &seed};
    lr_str again;
    lr_status st2 = sse ? lr_mcp_list_filter_sse(a, out, &g, &again)
                        : lr_mcp_list_filter_json(a, out, &g, &again);
    if (st2 != LR_OK || g.dropped != 0 || again.n != out.n || memcmp(again.p, out.p, out.n))
      abort();
  }
  lr_arena_free(a);
  return 0;
}
