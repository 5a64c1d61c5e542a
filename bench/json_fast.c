/*
 * bench/json_fast.c — hot-path body JSON cost (DESIGN §7 budget: ≤ 2 µs/KiB
 * for "body JSON → what policy needs"): µs per KiB of a realistic ~1 KiB
 * MCP tools/call body for lr_jfast_parse + lr_jfast_rpc_extract +
 * lr_jfast_value(params.arguments) in a reused request arena, next to
 * jansson's json_loadb + json_decref of the same bytes (the cold path's DOM)
 * and bare jsmn tokenizing (the floor this design cannot go below).
 *
 * Deterministic workload, CPU time of this thread, median of RUNS runs.
 * Every iteration checks its result and folds it into a checksum (printed),
 * so a fast wrong answer cannot pass.
 *
 * usage: bench_json_fast [scale]   (scale multiplies the iterations, default 1)
 */
#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jansson.h>
#include <jsmn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy.h"

#define RUNS 7
#define ITERS 20000

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* CPU time: the machine is shared */
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* A tools/call body as an MCP client sends it: nested arguments with
 * strings (one with escapes and non-ASCII), numbers, a decimal, booleans,
 * arrays and a nested object; padded to about 1 KiB. */
static char *make_body(size_t *len) {
  lr_buf b = {0};
  lr_buf_puts(&b,
              "{\"jsonrpc\":\"2.0\",\"id\":\"req-8f3a2c\",\"method\":\"tools/call\","
              "\"params\":{\"name\":\"search_customer_records\",\"arguments\":{"
              "\"query\":\"open invoices for \\\"ACME Corp\\\" in Z\\u00fcrich\","
              "\"limit\":50,\"offset\":0,\"min_amount\":1250.75,\"include_closed\":false,"
              "\"fields\":[\"id\",\"customer\",\"amount\",\"currency\",\"due_date\",\"status\"],"
              "\"filters\":{\"region\":\"eu-central\",\"owner\":\"alice@example.com\","
              "\"tags\":[\"priority\",\"q3\",\"audit\"],\"created_after\":\"2024-01-01\"},"
              "\"notes\":\"");
  while (b.len < 1000) lr_buf_puts(&b, "please summarise the overdue items per customer; ");
  lr_buf_puts(&b, "\"}},\"_meta\":{\"progressToken\":17}}");
  *len = b.len;
  return b.p;
}

int main(int argc, char **argv) {
  int scale = argc > 1 ? atoi(argv[1]) : 1;
  if (scale < 1) scale = 1;
  int iters = ITERS * scale;
  size_t len;
  char *body = make_body(&len);
  double kib = (double)len / 1024.0;
  double fast[RUNS], parse[RUNS], extract[RUNS], jsmn[RUNS], jans[RUNS];
  uint64_t sum_fast = 0, sum_parse = 0, sum_jsmn = 0, sum_jans = 0;
  lr_arena *a = lr_arena_new(0);
  for (int r = 0; r < RUNS; r++) {
    int64_t t0 = now_ns();
    for (int i = 0; i < iters; i++) {
      lr_arena_reset(a);
      lr_jfast_doc d;
      lr_jfast_rpcs rpcs;
      lr_value v;
      if (lr_jfast_parse(a, body, len, &d, NULL) != LR_OK ||
          lr_jfast_rpc_extract(a, &d, &rpcs, NULL) != LR_OK || rpcs.n != 1 ||
          rpcs.msgs[0].invalid || rpcs.msgs[0].arguments < 0 ||
          lr_jfast_value(a, &d, (uint32_t)rpcs.msgs[0].arguments, "params.arguments", &v, NULL) !=
              LR_OK) {
        fprintf(stderr, "bench_json_fast: the body did not convert\n");
        return 1;
      }
      sum_fast += d.ntoks + v.n + rpcs.msgs[0].name_str.n;
    }
    int64_t t1 = now_ns();
    for (int i = 0; i < iters; i++) {
      lr_arena_reset(a);
      lr_jfast_doc d;
      if (lr_jfast_parse(a, body, len, &d, NULL) != LR_OK) return 1;
      sum_parse += d.ntoks;
    }
    int64_t t1a = now_ns();
    for (int i = 0; i < iters; i++) {
      lr_arena_reset(a);
      lr_jfast_doc d;
      lr_jfast_rpcs rpcs;
      if (lr_jfast_parse(a, body, len, &d, NULL) != LR_OK ||
          lr_jfast_rpc_extract(a, &d, &rpcs, NULL) != LR_OK)
        return 1;
      sum_parse += rpcs.msgs[0].name_str.n;
    }
    int64_t t1b = now_ns();
    for (int i = 0; i < iters; i++) {
      jsmn_parser p;
      jsmntok_t toks[256];
      jsmn_init(&p);
      int n = jsmn_parse(&p, body, len, toks, 256);
      if (n <= 0) return 1;
      sum_jsmn += (uint64_t)n;
    }
    int64_t t1c = now_ns();
    for (int i = 0; i < iters; i++) {
      json_error_t e;
      json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &e);
      if (!j) {
        fprintf(stderr, "bench_json_fast: jansson refused the body: %s\n", e.text);
        return 1;
      }
      json_t *args = json_object_get(json_object_get(j, "params"), "arguments");
      sum_jans += json_object_size(args) +
                  strlen(json_string_value(json_object_get(json_object_get(j, "params"), "name")));
      json_decref(j);
    }
    int64_t t2 = now_ns();
    fast[r] = (double)(t1 - t0) / 1000.0 / iters / kib;
    parse[r] = (double)(t1a - t1) / 1000.0 / iters / kib;
    extract[r] = (double)(t1b - t1a) / 1000.0 / iters / kib;
    jsmn[r] = (double)(t1c - t1b) / 1000.0 / iters / kib;
    jans[r] = (double)(t2 - t1c) / 1000.0 / iters / kib;
  }
  qsort(fast, RUNS, sizeof *fast, cmp_d);
  qsort(jans, RUNS, sizeof *jans, cmp_d);
  qsort(parse, RUNS, sizeof *parse, cmp_d);
  qsort(extract, RUNS, sizeof *extract, cmp_d);
  qsort(jsmn, RUNS, sizeof *jsmn, cmp_d);
  double f = fast[RUNS / 2], j = jans[RUNS / 2];
  printf("body: %zu bytes (MCP tools/call), %d iterations x %d runs, median\n", len, iters, RUNS);
  printf("jfast parse+extract+convert(arguments): %.3f us/KiB  (budget <= 2 us/KiB: %s)\n", f,
         f <= 2.0 ? "ok" : "OVER");
  printf("  of which lr_jfast_parse alone:       %.3f us/KiB\n", parse[RUNS / 2]);
  printf("  of which parse+rpc_extract:          %.3f us/KiB\n", extract[RUNS / 2]);
  printf("reference: bare jsmn tokenize (strict): %.3f us/KiB\n", jsmn[RUNS / 2]);
  printf("jansson json_loadb+decref:              %.3f us/KiB\n", j);
  printf("ratio jansson/jfast: %.1fx\n", j / f);
  printf("checksum: fast %llu parse %llu jsmn %llu jansson %llu\n", (unsigned long long)sum_fast,
         (unsigned long long)sum_parse, (unsigned long long)sum_jsmn, (unsigned long long)sum_jans);
  lr_arena_free(a);
  free(body);
  return 0;
}
