/*
 * bench/serve_stages.c — the user-space cost of deciding one request in
 * `larch serve`: the identity, mapping and decide stages (proxy/stages.c,
 * proxy/decide.c) run in process, without sockets, on the proxy
 * benchmark's 1 KiB JSON-RPC tools/call body, with the bundled rules
 * (every .cedar file of rules/ + rules/entities.json) and an API-key caller
 * User::"carol" (an admin: the call is allowed). Prints CPU µs per request
 * per stage (thread CPU time, medians of 5 runs) next to the bare hot-path
 * JSON read of the same body as a reference; checks every request was
 * forwarded (allowed) and prints a checksum of the decisions.
 *   build/bench/bench_serve_stages [iterations]
 */
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "decide.h"
#include "serve.h"

static int64_t cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  int iters = argc > 1 ? atoi(argv[1]) : 20000;
  const char *key = "bench-key-0123456789";
  unsigned char dig[32];
  SHA256((const unsigned char *)key, strlen(key), dig);
  char keys_path[] = "/tmp/larch-bench-keys-XXXXXX";
  int fd = mkstemp(keys_path);
  char entry[256];
  int n = snprintf(entry, sizeof entry, "[{\"key_sha256\": \"");
  for (int i = 0; i < 32; i++) n += snprintf(entry + n, sizeof entry - (size_t)n, "%02x", dig[i]);
  n +=
      snprintf(entry + n, sizeof entry - (size_t)n, "\", \"principal\": \"User::\\\"carol\\\"\"}]");
  if (fd < 0 || write(fd, entry, (size_t)n) != n) return 1;
  close(fd);
  lr_serve_config cfg = {0};
  cfg.policies = LR_SOURCE_DIR "/rules";
  cfg.entities = LR_SOURCE_DIR "/rules/entities.json";
  cfg.api_keys = keys_path;
  cfg.sessions_max = 1024;
  lr_decide_ctx ctx;
  lr_buf err = {0};
  if (lr_decide_ctx_init(&ctx, &cfg, lr_clock_system(), &err) != LR_OK) {
    fprintf(stderr, "bench_serve_stages: %s\n", err.p);
    return 1;
  }
  unlink(keys_path);
  char body[1025];
  const char *pre = "{\"jsonrpc\":\"2.0\",\"id\":42,\"method\":\"tools/call\",\"params\":{\"name\":"
                    "\"search_docs\",\"arguments\":{\"query\":\"";
  const char *post = "\",\"limit\":10}}}";
  size_t fill = 1024 - strlen(pre) - strlen(post);
  memcpy(body, pre, strlen(pre));
  memset(body + strlen(pre), 'q', fill);
  strcpy(body + strlen(pre) + fill, post);
  lr_http_header hs[] = {{LR_STR("Host"), LR_STR("127.0.0.1:8080")},
                         {LR_STR("Content-Type"), LR_STR("application/json")},
                         {LR_STR("X-API-Key"), lr_str_c(key)},
                         {LR_STR("User-Agent"), LR_STR("wrk")},
                         {LR_STR("Content-Length"), LR_STR("1024")}};
  lr_http_head head = {.method = HTTP_POST,
                       .method_name = LR_STR("POST"),
                       .url = LR_STR("/mcp"),
                       .path = LR_STR("/mcp"),
                       .host = LR_STR("127.0.0.1:8080"),
                       .content_type = LR_STR("application/json"),
                       .headers = hs,
                       .nheaders = 5};
  lr_route route = {.name = "default", .prefix = "/", .protocol = LR_ROUTE_MCP};
  lr_stage st[3] = {lr_stage_identity(&ctx), lr_stage_mapping(&ctx), lr_stage_decide(&ctx)};
  /* Thread CPU time (immune to preemption on a shared machine) of whole
   * loops running the first k stages; stage costs are the differences. */
  double runs[4][5];
  uint64_t check = 0;
  lr_arena *a = lr_arena_new(0);
  for (int r = 0; r < 5; r++) {
    double loop[4];
    for (int k = 0; k < 4; k++) {
      int64_t t0 = cpu_ns();
      for (int i = 0; i < iters; i++) {
        lr_arena_reset(a);
        lr_proxy_request req = {.arena = a,
                                .head = &head,
                                .route = &route,
                                .route_name = LR_STR("default"),
                                .request_id = LR_STR("bench"),
                                .body = {body, 1024},
                                .body_buffered = true,
                                .body_expected = true,
                                .client_ip = LR_STR("127.0.0.1"),
                                .client_port = 5555,
                                .wall_ms = 1700000000000LL};
        lr_proxy_answer ans = {0};
        if (k == 3) { /* reference: the bare hot-path read of the body */
          lr_jfast_doc d;
          lr_jfast_parse(a, body, 1024, &d, NULL);
          continue;
        }
        st[0].on_head(st[0].ctx, &req, &ans);
        if (k < 1) continue;
        st[1].on_head(st[1].ctx, &req, &ans);
        st[1].on_request(st[1].ctx, &req, &ans);
        if (k < 2) continue;
        lr_stage_verdict v = st[2].on_request(st[2].ctx, &req, &ans);
        lr_call_outcome *o = req.outcome;
        if (v != LR_STAGE_CONTINUE || !o || o->ncalls != 1 || !o->calls[0].allow) {
          fprintf(stderr, "bench_serve_stages: the call was not allowed\n");
          return 1;
        }
        check = check * 31 + o->calls[0].npolicies + o->calls[0].decision.nreasons;
      }
      loop[k] = (double)(cpu_ns() - t0) / iters / 1000.0;
    }
    runs[0][r] = loop[0];
    runs[1][r] = loop[1] - loop[0];
    runs[2][r] = loop[2] - loop[1];
    runs[3][r] = loop[3];
  }
  lr_arena_free(a);
  const char *names[4] = {"identity (API key)", "mapping (JSON, pii, context)",
                          "decide (compiled set)", "reference: lr_jfast_parse 1 KiB"};
  double total = 0;
  lr_engine *e = lr_engine_acquire(ctx.engines);
  printf("serve stages, 1 KiB tools/call, rules/ (%zu policies), %d requests x 5 runs "
         "(medians, us/request):\n",
         e->set.ninsts, iters);
  lr_engine_release(e);
  for (int k = 0; k < 4; k++) {
    qsort(runs[k], 5, sizeof(double), cmp_d);
    printf("  %-34s %7.2f\n", names[k], runs[k][2]);
    if (k < 3) total += runs[k][2];
  }
  printf("  %-34s %7.2f\n  checksum %016llx\n", "total (identity+mapping+decide)", total,
         (unsigned long long)check);
  lr_decide_ctx_free(&ctx);
  lr_buf_free(&err);
  return 0;
}
