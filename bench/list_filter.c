/*
 * bench/list_filter.c — cost of tools/list filtering (proxy/list_stage.c):
 * µs per tools/list answer of NTOOLS tools, filtered for one principal with
 * the bundled rules (the .cedar files of rules/ and rules/entities.json): parse + partial
 * evaluation per item + splice. Reference, same run: deciding NTOOLS
 * concrete tools/call requests with lr_engine_authorize (what the proxy
 * spends when the client calls every tool once).
 *
 * Deterministic workload, CPU time of this thread, median of RUNS runs. Each
 * iteration checks the filtered answer (kept count, length) and folds it into
 * a checksum printed at the end, so a fast wrong answer cannot pass.
 *
 * usage: bench_list_filter [scale]   (scale multiplies the iterations)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "engine.h"
#include "list_stage.h"
#include "mapping.h"

#define RUNS 7
#define ITERS 200
#define NTOOLS 50

static const char *tool_name(int i, char *buf, size_t n) {
  static const char *const named[] = {"search", "read_file", "list_directory", "write_file",
                                      "delete_repo"};
  if (i < 5) return named[i];
  snprintf(buf, n, "tool_%02d", i);
  return buf;
}

/* A tools/list answer as an SDK server sends it: name, description and an
 * input schema per tool. */
static char *make_answer(size_t *len) {
  lr_buf b = {0};
  lr_buf_puts(&b, "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"tools\":[");
  char nb[32];
  for (int i = 0; i < NTOOLS; i++)
    lr_buf_printf(&b,
                  "%s{\"name\":\"%s\",\"description\":\"Tool number %d of the server\","
                  "\"inputSchema\":{\"type\":\"object\",\"properties\":{\"text\":{\"type\":"
                  "\"string\"}},\"required\":[\"text\"]}}",
                  i ? "," : "", tool_name(i, nb, sizeof nb), i);
  lr_buf_puts(&b, "],\"nextCursor\":\"page-2\"}}");
  *len = b.len;
  return b.p;
}

/* The context a tools/list request maps to (DESIGN §3), fixed time. */
static lr_value list_context(lr_arena *a, const char *method) {
  lr_field mcp[2] = {{LR_STR("method"), lr_value_string(a, lr_str_c(method))},
                     {LR_STR("protocol"), lr_value_string(a, LR_STR("2025-06-18"))}};
  lr_field f[6] = {{LR_STR("args"), lr_value_empty_record()},
                   {LR_STR("pii"), lr_value_empty_set()},
                   {LR_STR("session"), lr_value_string(a, LR_STR("s-1"))},
                   {LR_STR("time"), lr_mapping_time(a, 1763900000000)}, /* a Sunday, 12:13 UTC */
                   {LR_STR("mcp"), {0}},
                   {LR_STR("client"), lr_value_empty_record()}};
  lr_value_record(a, mcp, 2, &f[4].value, NULL);
  lr_value ctx;
  lr_value_record(a, f, 6, &ctx, NULL);
  return ctx;
}

int main(int argc, char **argv) {
  int scale = argc > 1 ? atoi(argv[1]) : 1;
  if (scale < 1) scale = 1;
  lr_engine_config cfg = {.policies = LR_SOURCE_DIR "/rules",
                          .entities = LR_SOURCE_DIR "/rules/entities.json"};
  lr_buf err = {0};
  lr_engine *e = lr_engine_load(&cfg, &err);
  if (!e) {
    fprintf(stderr, "cannot load rules/: %s\n", err.p);
    return 1;
  }
  size_t len;
  char *answer = make_answer(&len);
  static const char *const users[] = {"alice", "bob", "carol", "rita"};
  printf("tools/list filtering, %d tools (%zu-byte answer), %zu policies (rules/), "
         "CPU time, median of %d runs\n",
         NTOOLS, len, e->nenforced, RUNS);
  printf("%-8s %6s %14s %16s %8s\n", "user", "kept", "filter µs/ans", "decide µs/50", "ratio");
  uint64_t checksum = 1469598103934665603ull;
  lr_arena *a = lr_arena_new(1 << 16);
  for (size_t u = 0; u < sizeof users / sizeof users[0]; u++) {
    double filt[RUNS], dec[RUNS];
    size_t kept = 0;
    for (int r = 0; r < RUNS; r++) {
      int64_t t0 = bench_cpu_ns();
      for (int it = 0; it < ITERS * scale; it++) {
        lr_arena_reset(a);
        lr_entities *es = lr_entities_new_overlay(e->entities);
        const lr_uid *p = lr_uid_new(lr_entities_arena(es), LR_STR("User"), lr_str_c(users[u]));
        lr_entities_finish(es, NULL);
        lr_request list = {p, lr_uid_new(a, LR_STR("Action"), LR_STR("tools/list")),
                           lr_uid_new(a, LR_STR("Server"), LR_STR("internal")),
                           list_context(a, "tools/list")};
        lr_list_view view = {.a = a,
                             .pols = e->enforced,
                             .npols = e->nenforced,
                             .entities = es,
                             .base = e->entities,
                             .list = &list,
                             .server = LR_STR("internal"),
                             .flags = LR_PARTIAL_FORBID_ERROR_DENIES};
        lr_mcp_list_call call = {LR_STR("2"), LR_STR("tools/list")};
        lr_mcp_list_filter f = {
            .calls = &call, .ncalls = 1, .visible = lr_list_visible, .ctx = &view};
        lr_str out;
        if (lr_mcp_list_filter_json(a, lr_str_make(answer, len), &f, &out) != LR_OK) {
          fprintf(stderr, "filter failed: %s\n", f.why);
          return 1;
        }
        kept = f.kept;
        checksum = (checksum ^ (out.n * 31 + f.kept)) * 1099511628211ull;
        lr_entities_release(es);
      }
      int64_t t1 = bench_cpu_ns();
      for (int it = 0; it < ITERS * scale; it++) {
        lr_arena_reset(a);
        lr_entities *es = lr_entities_new_overlay(e->entities);
        const lr_uid *p = lr_uid_new(lr_entities_arena(es), LR_STR("User"), lr_str_c(users[u]));
        lr_value ctx = list_context(a, "tools/call");
        lr_request calls[NTOOLS];
        char nb[32];
        for (int i = 0; i < NTOOLS; i++) {
          calls[i] =
              (lr_request){p, lr_uid_new(a, LR_STR("Action"), LR_STR("tools/call")),
                           lr_uid_new(a, LR_STR("Tool"), lr_str_c(tool_name(i, nb, 32))), ctx};
          lr_mapped m = {calls[i], lr_uid_new(a, LR_STR("Server"), LR_STR("internal"))};
          lr_mapping_resource(es, e->entities, &m);
        }
        lr_entities_finish(es, NULL);
        size_t allowed = 0;
        for (int i = 0; i < NTOOLS; i++) {
          lr_decision d;
          lr_engine_authorize(e, LR_ENGINE_ENFORCED, a, es, &calls[i], &d);
          allowed += d.allow;
        }
        checksum = (checksum ^ allowed) * 1099511628211ull;
        lr_entities_release(es);
      }
      int64_t t2 = bench_cpu_ns();
      filt[r] = (double)(t1 - t0) / 1e3 / (ITERS * scale);
      dec[r] = (double)(t2 - t1) / 1e3 / (ITERS * scale);
    }
    qsort(filt, RUNS, sizeof filt[0], bench_cmp_double);
    qsort(dec, RUNS, sizeof dec[0], bench_cmp_double);
    printf("%-8s %6zu %14.2f %16.2f %8.2f\n", users[u], kept, filt[RUNS / 2], dec[RUNS / 2],
           filt[RUNS / 2] / dec[RUNS / 2]);
  }
  printf("checksum %016llx\n", (unsigned long long)checksum);
  lr_arena_free(a);
  free(answer);
  lr_buf_free(&err);
  lr_engine_release(e);
  return 0;
}
