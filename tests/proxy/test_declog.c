/*
 * test_declog.c — unit tests for proxy/declog.c: the JSON line shape, lines
 * from several producer threads arriving whole, and the never-block rule
 * (a reader that does not read and a full disk drop and count lines, they
 * do not stall the producers).
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "declog.h"

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static lr_declog_entry sample(void) {
  static const lr_declog_policy reasons[] = {
      {LR_STR("policy2"), LR_STR("refunds-over-1000-need-manager"), {0}}};
  static const lr_declog_policy errors[] = {
      {LR_STR("policy1"), {0}, LR_STR("record does not have the attribute `amount`")}};
  static const lr_declog_count masked[] = {{LR_STR("EMAIL"), 2}, {LR_STR("CREDIT_CARD"), 1}};
  static const lr_declog_limit limits[] = {
      {LR_STR("policy9"), LR_STR("ip-flood"), true, false, 99, 0, LR_STR("local")}};
  return (lr_declog_entry){.wall_ms = 1795435200123, /* 2026-11-23T12:00:00.123Z */
                           .request_id = LR_STR("req-1"),
                           .route = LR_STR("default"),
                           .method = LR_STR("tools/call"),
                           .principal = LR_STR("User::\"sam\""),
                           .action = LR_STR("Action::\"tools/call\""),
                           .resource = LR_STR("Tool::\"payments.refund\""),
                           .decision = LR_STR("deny"),
                           .cause = LR_STR("policy"),
                           .status = 200,
                           .reasons = reasons,
                           .nreasons = 1,
                           .errors = errors,
                           .nerrors = 1,
                           .masked = masked,
                           .nmasked = 2,
                           .limits = limits,
                           .nlimits = 1,
                           .latency_us = 412,
                           .eval_ns = 1500};
}

Test(declog, format_is_one_json_line) {
  lr_declog_entry e = sample();
  lr_buf b = {0};
  lr_declog_format(&b, &e);
  cr_assert(b.len > 0 && b.p[b.len - 1] == '\n');
  cr_assert_null(memchr(b.p, '\n', b.len - 1), "one line only");
  json_error_t err;
  json_t *j = json_loadb(b.p, b.len, 0, &err);
  cr_assert_not_null(j, "%s: %s", err.text, b.p);
  cr_assert_str_eq(json_string_value(json_object_get(j, "ts")), "2026-11-23T12:00:00.123Z");
  cr_assert_str_eq(json_string_value(json_object_get(j, "principal")), "User::\"sam\"");
  cr_assert_str_eq(json_string_value(json_object_get(j, "decision")), "deny");
  json_t *p0 = json_array_get(json_object_get(j, "policies"), 0);
  cr_assert_str_eq(json_string_value(json_object_get(p0, "id")), "refunds-over-1000-need-manager");
  json_t *e0 = json_array_get(json_object_get(j, "errors"), 0);
  cr_assert(json_is_null(json_object_get(e0, "id")));
  cr_assert_str_eq(json_string_value(json_object_get(e0, "policy")), "policy1");
  cr_assert_eq(json_integer_value(json_object_get(json_object_get(j, "masked"), "EMAIL")), 2);
  cr_assert(json_is_null(json_object_get(j, "shadow")));
  cr_assert_eq(json_integer_value(json_object_get(j, "latency_us")), 412);
  cr_assert_float_eq(json_real_value(json_object_get(j, "eval_us")), 1.5, 1e-9);
  cr_assert_null(json_object_get(j, "args"), "args only when a rule asks");
  json_t *l0 = json_array_get(json_object_get(j, "limits"), 0);
  cr_assert(json_is_true(json_object_get(l0, "allowed")));
  cr_assert(json_is_false(json_object_get(l0, "shadow")));
  cr_assert_str_eq(json_string_value(json_object_get(l0, "source")), "local");
  cr_assert(json_is_null(json_object_get(j, "limited_by")));
  cr_assert(json_is_null(json_object_get(j, "guard_error")));
  json_decref(j);
  /* Shadow and args when set; strings escaped. */
  e.shadow = LR_STR("deny");
  e.args_json = LR_STR("{\"amount\":5}");
  e.resource = LR_STR("Tool::\"a\\\"b\n\"");
  lr_buf_clear(&b);
  lr_declog_format(&b, &e);
  j = json_loadb(b.p, b.len, 0, &err);
  cr_assert_not_null(j, "%s", b.p);
  cr_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "shadow"), "decision")),
                   "deny");
  cr_assert_eq(json_integer_value(json_object_get(json_object_get(j, "args"), "amount")), 5);
  cr_assert_str_eq(json_string_value(json_object_get(j, "resource")), "Tool::\"a\\\"b\n\"");
  json_decref(j);
  lr_buf_free(&b);
}

typedef struct producer {
  lr_declog *log;
  int index, lines;
  int pushed;
} producer;

static void *produce(void *arg) {
  producer *p = arg;
  char line[128];
  for (int i = 0; i < p->lines; i++) {
    int n = snprintf(line, sizeof line, "{\"producer\":%d,\"seq\":%d,\"pad\":\"%0*d\"}\n", p->index,
                     i, 20 + i % 40, 0);
    while (!lr_declog_push(p->log, p->index, line, (size_t)n)) {
      struct timespec ts = {0, 100000};
      nanosleep(&ts, NULL); /* this test wants every line: wait instead of drop */
    }
    p->pushed++;
  }
  return NULL;
}

Test(declog, lines_from_threads_arrive_whole_and_in_order) {
  char path[] = "/tmp/larch-declog-XXXXXX";
  int fd = mkstemp(path);
  cr_assert(fd >= 0);
  enum { THREADS = 4, LINES = 20000 };
  lr_declog *l = lr_declog_open_fd(fd, THREADS, 8192);
  producer ps[THREADS];
  pthread_t th[THREADS];
  for (int i = 0; i < THREADS; i++) {
    ps[i] = (producer){.log = l, .index = i, .lines = LINES};
    pthread_create(&th[i], NULL, produce, &ps[i]);
  }
  for (int i = 0; i < THREADS; i++) pthread_join(th[i], NULL);
  uint64_t dropped = lr_declog_dropped(l);
  lr_declog_close(l, 5000);
  (void)dropped;
  FILE *f = fopen(path, "r");
  int next[THREADS] = {0};
  char buf[256];
  int total = 0;
  while (fgets(buf, sizeof buf, f)) {
    json_t *j = json_loads(buf, 0, NULL);
    cr_assert_not_null(j, "line %d not JSON: %s", total, buf);
    int p = (int)json_integer_value(json_object_get(j, "producer"));
    int s = (int)json_integer_value(json_object_get(j, "seq"));
    cr_assert_eq(s, next[p], "producer %d: seq %d after %d", p, s, next[p]);
    next[p]++;
    total++;
    json_decref(j);
  }
  fclose(f);
  close(fd);
  unlink(path);
  cr_assert_eq(total, THREADS * LINES);
}

Test(declog, reader_that_never_reads_drops_never_blocks) {
  int pfd[2];
  cr_assert_eq(pipe(pfd), 0);
  lr_declog *l = lr_declog_open_fd(pfd[1], 1, 4096);
  char line[200];
  memset(line, 'x', sizeof line);
  line[sizeof line - 1] = '\n';
  int64_t t0 = now_ms();
  int ok = 0;
  enum { N = 100000 };
  for (int i = 0; i < N; i++) ok += lr_declog_push(l, 0, line, sizeof line);
  int64_t took = now_ms() - t0;
  cr_assert_lt(took, 2000, "pushing took %lld ms: the producer waited", (long long)took);
  /* The pipe (64 KiB) and the ring (4 KiB) hold a few hundred lines at most. */
  cr_assert_lt(ok, 1000, "%d lines taken", ok);
  cr_assert_eq(lr_declog_dropped(l), (uint64_t)(N - ok));
  t0 = now_ms();
  lr_declog_close(l, 200);
  cr_assert_lt(now_ms() - t0, 2000, "close waited for the reader");
  /* What the pipe holds is whole lines. */
  char buf[65536 + 4096];
  fcntl(pfd[0], F_SETFL, O_NONBLOCK);
  ssize_t n = read(pfd[0], buf, sizeof buf);
  cr_assert_gt(n, 0);
  cr_assert_eq(n % (ssize_t)sizeof line, 0, "%zd bytes: a cut line", n);
  close(pfd[0]);
  close(pfd[1]);
}

Test(declog, full_disk_drops_and_counts) {
  int fd = open("/dev/full", O_WRONLY);
  cr_assert(fd >= 0);
  lr_declog *l = lr_declog_open_fd(fd, 2, 4096);
  const char line[] = "{\"a\":1}\n";
  for (int i = 0; i < 50; i++) cr_assert(lr_declog_push(l, i % 2, line, sizeof line - 1));
  int64_t t0 = now_ms();
  while (lr_declog_dropped(l) < 50 && now_ms() - t0 < 5000) {
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
  }
  cr_assert_eq(lr_declog_dropped(l), 50);
  cr_assert_eq(lr_declog_written(l), 0);
  lr_declog_close(l, 100);
  close(fd);
}

static void wait_written(lr_declog *l, uint64_t n) {
  int64_t t0 = now_ms();
  while (lr_declog_written(l) < n && now_ms() - t0 < 5000) {
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
  }
  cr_assert_eq(lr_declog_written(l), n);
}

static size_t file_size(const char *path) {
  FILE *f = fopen(path, "r");
  cr_assert_not_null(f, "%s", path);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fclose(f);
  return (size_t)n;
}

Test(declog, reopen_after_rotation) {
  char dir[] = "/tmp/larch-declog-rot-XXXXXX";
  cr_assert_not_null(mkdtemp(dir));
  char path[128], rotated[128];
  snprintf(path, sizeof path, "%s/decisions.log", dir);
  snprintf(rotated, sizeof rotated, "%s/decisions.log.1", dir);
  lr_buf err = {0};
  lr_declog *l = lr_declog_open(path, 1, 4096, &err);
  cr_assert_not_null(l, "%s", err.p);
  const char line[] = "{\"n\":1}\n";
  cr_assert(lr_declog_push(l, 0, line, sizeof line - 1));
  wait_written(l, 1);
  cr_assert_eq(rename(path, rotated), 0);
  lr_declog_reopen(l);
  cr_assert(lr_declog_push(l, 0, line, sizeof line - 1));
  wait_written(l, 2);
  lr_declog_close(l, 1000);
  cr_assert_eq(file_size(rotated), sizeof line - 1, "the first line stayed in the rotated file");
  cr_assert_eq(file_size(path), sizeof line - 1, "the second went to the new file");
  unlink(path);
  unlink(rotated);
  rmdir(dir);
  lr_buf_free(&err);
}

Test(declog, timestamps_match_gmtime) {
  /* 1970 … 2400 in steps that hit every month, leap days and centuries. */
  lr_buf b = {0};
  int n = 0;
  for (int64_t ms = 0; ms < 13569465600000; ms += 86400000LL * 13 + 3723004, n++) {
    lr_declog_entry e = {.wall_ms = ms, .eval_ns = -1};
    lr_buf_clear(&b);
    lr_declog_format(&b, &e);
    time_t sec = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&sec, &tm);
    char want[40];
    strftime(want, sizeof want, "{\"ts\":\"%Y-%m-%dT%H:%M:%S.", &tm);
    cr_assert(strncmp(b.p, want, strlen(want)) == 0, "%lld: %.40s, want %s", (long long)ms, b.p,
              want);
  }
  cr_assert_gt(n, 12000);
  lr_buf_free(&b);
}
