/*
 * fuzz_rest.c — libFuzzer entry point for REST path normalisation and
 * query parsing (rest.c). Beyond "no crash", it checks what the normaliser
 * promises: an accepted target gives a canonical path (valid UTF-8, no
 * empty, "." or ".." segment) whose forwarded form normalises to the same
 * path again; accepted paths are then matched against a small OpenAPI
 * document and turned into arguments. Build with -DLARCH_FUZZ=ON (clang).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "openapi.h"
#include "rest.h"

/* A small document the accepted paths are matched against (query parsing,
 * typed parameters, conflicts); parsed once. */
static const char spec[] =
    "{\"openapi\": \"3.1.0\", \"servers\": [{\"url\": \"/v1\"}], \"paths\": {"
    "\"/pets/{id}\": {\"get\": {\"operationId\": \"getPet\", \"parameters\": ["
    "{\"name\": \"id\", \"in\": \"path\", \"schema\": {\"type\": \"integer\"}},"
    "{\"name\": \"n\", \"in\": \"query\", \"schema\": {\"type\": \"number\"}},"
    "{\"name\": \"t\", \"in\": \"query\", \"explode\": false,"
    " \"schema\": {\"type\": \"array\", \"items\": {\"type\": \"boolean\"}}}]}},"
    "\"/pets/mine\": {\"get\": {}}, \"/f/{a}.json\": {\"get\": {}}, \"/{x}\": {\"get\": {}}}}";

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
    static lr_openapi *api;
    if (!api) {
      lr_diags d = {0};
      api = lr_openapi_parse(spec, sizeof spec - 1, "fuzz.json", &d);
      lr_diags_free(&d);
      if (!api) abort();
    }
    lr_openapi_call call;
    bool matched;
    (void)lr_openapi_match(a, api, LR_STR("GET"), &p, NULL, 0, &call, &matched, &why);
    lr_value args;
    (void)lr_rest_args(a, &p, NULL, 0, &args, &why);
  }
  (void)lr_rest_normalize(a, in, LR_REST_FOLD_CASE, &p, &why);
  lr_arena_free(a);
  return 0;
}
