/*
 * bench/rest.c — per-request cost of the REST mapping: path normalisation
 * (lr_rest_normalize) and OpenAPI matching with argument building
 * (lr_openapi_match) against a generated document of N operations, with a
 * bare percent-decode of the same targets as the reference in the same run.
 * Deterministic workload; prints a checksum of the results so a fast wrong
 * answer shows. Times are this thread's CPU time. Usage: bench_rest [operations] (default 200).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "openapi.h"

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* CPU time: stable on a loaded machine */
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv) {
  int nops = argc > 1 ? atoi(argv[1]) : 200;
  if (nops < 1) nops = 1;
  lr_buf doc = {0};
  lr_buf_puts(&doc, "{\"openapi\": \"3.1.0\", \"servers\": [{\"url\": \"/api/v1\"}], \"paths\": {");
  for (int i = 0; i < nops; i++)
    lr_buf_printf(&doc,
                  "%s\"/res%d/{id}/items/{item}\": {\"get\": {\"operationId\": \"get%d\","
                  " \"parameters\": [{\"name\": \"id\", \"in\": \"path\", \"schema\": {\"type\": "
                  "\"integer\"}}, {\"name\": \"limit\", \"in\": \"query\", \"schema\": "
                  "{\"type\": \"integer\"}}]}}",
                  i ? ", " : "", i, i);
  lr_buf_puts(&doc, "}}");
  lr_diags d = {0};
  lr_openapi *api = lr_openapi_parse(doc.p, doc.len, "bench.json", &d);
  if (!api) {
    lr_buf out = {0};
    lr_diags_render(&d, &out);
    fprintf(stderr, "%.*s", (int)out.len, out.p);
    return 1;
  }
  enum { NT = 64 };
  char *targets[NT];
  for (int i = 0; i < NT; i++) {
    targets[i] = malloc(128);
    snprintf(targets[i], 128, "/api/v1//res%d/%d/./items/it%%2Dem%d;x=1?limit=%d", (i * 37) % nops,
             i * 1000 + 7, i, i);
  }
  lr_arena *a = lr_arena_new(0);
  const int rounds = 200000;
  uint64_t sum = 0;
  const char *why;
  double t0 = now_ns();
  for (int r = 0; r < rounds; r++) {
    lr_str out;
    lr_str t = lr_str_c(targets[r % NT]);
    t.n = (size_t)(strchr(t.p, '?') - t.p);
    if (lr_rest_decode(a, t, false, &out, &why) == LR_OK) sum += out.n;
    if (r % 1024 == 0) lr_arena_reset(a);
  }
  double t1 = now_ns();
  for (int r = 0; r < rounds; r++) {
    lr_rest_path p;
    if (lr_rest_normalize(a, lr_str_c(targets[r % NT]), 0, &p, &why) == LR_OK)
      sum += p.path.n * 3 + p.nsegs;
    if (r % 1024 == 0) lr_arena_reset(a);
  }
  double t2 = now_ns();
  for (int r = 0; r < rounds; r++) {
    lr_rest_path p;
    lr_openapi_call c;
    bool matched;
    if (lr_rest_normalize(a, lr_str_c(targets[r % NT]), 0, &p, &why) == LR_OK &&
        lr_openapi_match(a, api, LR_STR("GET"), &p, NULL, 0, &c, &matched, &why) == LR_OK &&
        matched) {
      const lr_value *id = lr_value_record_get(c.args, LR_STR("id"));
      sum += c.tool.n + c.args.n + (id ? (uint64_t)id->u.i : 0);
    }
    if (r % 1024 == 0) lr_arena_reset(a);
  }
  double t3 = now_ns();
  double ref = (t1 - t0) / rounds, norm = (t2 - t1) / rounds, match = (t3 - t2) / rounds;
  printf("bare percent-decode (reference)   %8.1f ns/op\n", ref);
  printf("lr_rest_normalize                 %8.1f ns/op  (%.2fx reference)\n", norm, norm / ref);
  printf("normalize + openapi match (%4d ops) %6.1f ns/op  (%.2fx reference)\n", nops, match,
         match / ref);
  printf("checksum %llu\n", (unsigned long long)sum);
  for (int i = 0; i < NT; i++) free(targets[i]);
  lr_arena_free(a);
  lr_openapi_free(api);
  lr_buf_free(&doc);
  lr_diags_free(&d);
  return 0;
}
