/*
 * fuzz_rest.c — libFuzzer entry point for REST path normalisation and
 * query parsing (rest.c). Beyond "no crash", it checks what the normaliser
 * promises: an accepted target gives a canonical path (valid UTF-8, no
 * empty, "." or ".." segment) whose forwarded form normalises to the same
 * path again. Build with -DLARCH_FUZZ=ON (clang).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  lr_arena *a = lr_arena_new(0);
  lr_rest_path p, p2;
  const char *why;
  lr_str in = lr_str_make((const char *)data, size);
  if (lr_rest_normalize(a, in, 0, &p, &why) == LR_OK) {
    if (!lr_rest_utf8_valid((const unsigned char *)p.path.p, p.path.n)) abort();
    for (size_t i = 0; i < p.nsegs; i++)
      if (p.segs[i].n == 0 || lr_str_eq(p.segs[i], LR_STR(".")) ||
          lr_str_eq(p.segs[i], LR_STR("..")) || memchr(p.segs[i].p, '/', p.segs[i].n))
        abort();
    if (lr_rest_normalize(a, p.forward, 0, &p2, &why) != LR_OK) abort();
    if (!lr_str_eq(p2.path, p.path) || !lr_str_eq(p2.forward, p.forward)) abort();
    lr_rest_param *ps;
    size_t n;
    if (p.has_query) (void)lr_rest_query_parse(a, p.query, &ps, &n, &why);
  }
  (void)lr_rest_normalize(a, in, LR_REST_FOLD_CASE, &p, &why);
  lr_arena_free(a);
  return 0;
}
