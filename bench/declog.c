/*
 * bench/declog.c — what the decision log costs a worker per request: the
 * JSON line of a typical denied tools/call (lr_declog_format), and that
 * plus the hand-off to the writer thread (lr_declog_push, writer draining
 * to /dev/null). Reference in the same run: snprintf of a fixed line of the
 * same length (a floor for "produce a line"). Prints ns/op (median of 7
 * rounds) and ratios; checks the lines are what they should be (hash) and
 * that nothing was dropped when the writer keeps up.
 *
 *   build/bench/bench_declog [iterations]
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "declog.h"

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

static const lr_declog_policy reasons[] = {
    {LR_STR("policy23"), LR_STR("refunds-over-1000-need-manager"), {0}}};
static const lr_str pii[] = {LR_STR("EMAIL")};

static lr_declog_entry entry(int64_t i) {
  return (lr_declog_entry){.wall_ms = 1795435200123 + i,
                           .request_id = LR_STR("52847781dda360cd0000000000000008"),
                           .route = LR_STR("demo"),
                           .method = LR_STR("tools/call"),
                           .principal = LR_STR("User::\"sam\""),
                           .action = LR_STR("Action::\"tools/call\""),
                           .resource = LR_STR("Tool::\"payments.refund\""),
                           .decision = LR_STR("deny"),
                           .cause = LR_STR("policy"),
                           .status = 200,
                           .reasons = reasons,
                           .nreasons = 1,
                           .pii = pii,
                           .npii = 1,
                           .latency_us = 78,
                           .eval_ns = 16932};
}

/* FNV-1a of the bytes, to check the work was done. */
static uint64_t fnv(const char *p, size_t n, uint64_t h) {
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
  return h;
}

int main(int argc, char **argv) {
  long iters = argc > 1 ? atol(argv[1]) : 200000;
  enum { ROUNDS = 7 };
  int devnull = open("/dev/null", O_WRONLY);
  /* The ring holds a whole push round, so the figure is the worker's cost,
   * not the writer's pace (it sleeps 5 ms ticks when idle). */
  long push_iters = iters < 50000 ? iters : 50000;
  lr_declog *log = lr_declog_open_fd(devnull, 1, 32u << 20);
  lr_buf line = {0};
  lr_declog_entry e0 = entry(0);
  lr_declog_format(&line, &e0);
  size_t len = line.len;
  char ref[1024];
  int64_t t_ref[ROUNDS], t_fmt[ROUNDS], t_push[ROUNDS];
  long dropped = 0;
  uint64_t h_fmt = 0, h_ref = 0;
  for (int r = 0; r < ROUNDS; r++) {
    int64_t t0 = now_ns();
    for (long i = 0; i < iters; i++) {
      int n = snprintf(ref, sizeof ref, "%.*s%ld}\n", (int)len - 8, line.p, i % 10000);
      h_ref = fnv(ref, 8, h_ref ^ (uint64_t)n);
    }
    t_ref[r] = now_ns() - t0;
    t0 = now_ns();
    for (long i = 0; i < iters; i++) {
      lr_declog_entry e = entry(i % 1000);
      lr_buf_clear(&line);
      lr_declog_format(&line, &e);
      h_fmt = fnv(line.p + 6, 24, h_fmt); /* the timestamp changes with i */
    }
    t_fmt[r] = now_ns() - t0;
    uint64_t before = lr_declog_written(log);
    t0 = now_ns();
    for (long i = 0; i < push_iters; i++) {
      lr_declog_entry e = entry(i % 1000);
      lr_buf_clear(&line);
      lr_declog_format(&line, &e);
      if (!lr_declog_push(log, 0, line.p, line.len)) dropped++;
    }
    t_push[r] = now_ns() - t0;
    while (lr_declog_written(log) - before < (uint64_t)(push_iters - dropped)) {
      struct timespec ts = {0, 1000000}; /* untimed: let the writer finish the round */
      nanosleep(&ts, NULL);
    }
  }
  lr_declog_close(log, 5000);
  close(devnull);
  qsort(t_ref, ROUNDS, sizeof t_ref[0], cmp_i64);
  qsort(t_fmt, ROUNDS, sizeof t_fmt[0], cmp_i64);
  qsort(t_push, ROUNDS, sizeof t_push[0], cmp_i64);
  double ref_ns = (double)t_ref[ROUNDS / 2] / (double)iters;
  double fmt_ns = (double)t_fmt[ROUNDS / 2] / (double)iters;
  double push_ns = (double)t_push[ROUNDS / 2] / (double)push_iters;
  printf("decision log line: %zu bytes, %ld iterations x %d rounds (median)\n", len, iters, ROUNDS);
  printf("  snprintf reference      %8.1f ns/line\n", ref_ns);
  printf("  lr_declog_format        %8.1f ns/line  (%.2fx reference)\n", fmt_ns, fmt_ns / ref_ns);
  printf("  format + push to ring   %8.1f ns/line  (%.2fx reference)\n", push_ns, push_ns / ref_ns);
  printf("  dropped: %ld (must be 0: the writer keeps up)\n", dropped);
  printf("  check: %016llx %016llx\n", (unsigned long long)h_fmt, (unsigned long long)h_ref);
  /* A fast wrong answer must not pass: the last line is the documented one. */
  static const char want[] = "{\"ts\":\"2026-11-23T12:00:0", tail[] = "\"eval_us\":16.932}\n";
  bool ok = line.len > sizeof tail && memcmp(line.p, want, sizeof want - 1) == 0 &&
            memcmp(line.p + line.len - (sizeof tail - 1), tail, sizeof tail - 1) == 0;
  lr_buf_free(&line);
  if (!ok) fprintf(stderr, "bench_declog: the formatted line is wrong\n");
  ok = ok && dropped == 0;
  return ok ? 0 : 1;
}
