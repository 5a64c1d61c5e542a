/*
 * test_limit_redis.c — the Redis-backed limiter (proxy/limit_redis.c)
 * against a real redis-server started by the test on a loopback port:
 * exact sharing between two clients, NOSCRIPT recovery, each fail mode with
 * Redis killed and brought back, deadlines on a frozen Redis, unix socket
 * with password and db. Every wait is bounded.
 */
#include "limit_redis.h"
#include "redis_proc.h"

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <event2/event.h>
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define MS ((int64_t)1000000)
#define SEC ((int64_t)1000000000)

static int64_t mono(void) { return lr_clock_mono_ns(lr_clock_system()); }

/* ---- a client driver ----------------------------------------------------- */

typedef struct runner {
  struct event_base *base;
  lr_rlimit *rl;
  lr_limit *rule;
  const char *key;
  int todo, inflight, window, done;
  uint64_t allowed;
  uint64_t by_source[LR_RLIMIT_BY__COUNT];
  uint64_t errors[LR_RLIMIT_ERR__COUNT];
  int64_t max_latency, min_latency;
  int hook_at; /* after this many answers, run hook once */
  void (*hook)(struct runner *);
} runner;

static void issue(runner *u);

static void record(runner *u, const lr_rlimit_result *res) {
  u->done++;
  u->allowed += res->r.allowed;
  u->by_source[res->source]++;
  u->errors[res->error]++;
  if (res->latency_ns > u->max_latency) u->max_latency = res->latency_ns;
  if (res->latency_ns < u->min_latency) u->min_latency = res->latency_ns;
  if (u->hook && u->done == u->hook_at) u->hook(u);
}

static void on_answer(void *arg, const lr_rlimit_result *res) {
  runner *u = arg;
  u->inflight--;
  record(u, res);
  issue(u);
}

static void issue(runner *u) {
  while (u->todo > 0 && u->inflight < u->window) {
    u->todo--;
    lr_rlimit_result now;
    lr_status st = lr_rlimit_check(u->rl, u->rule, lr_str_c(u->key), 1, on_answer, u, &now);
    cr_assert_neq(st, LR_ERR);
    if (st == LR_AGAIN)
      u->inflight++;
    else
      record(u, &now);
  }
}

/* Runs the loop in 2 ms slices until done(arg) or ms have passed. */
static bool pump_until(struct event_base *b, int64_t ms, bool (*done)(void *), void *arg) {
  int64_t end = mono() + ms * MS;
  while (!done || !done(arg)) {
    if (mono() > end) return done == NULL;
    struct timeval tv = {0, 2000};
    event_base_loopexit(b, &tv);
    event_base_dispatch(b);
  }
  return true;
}

static bool runner_idle(void *arg) {
  runner *u = arg;
  return u->todo == 0 && u->inflight == 0;
}

static bool client_ready(void *arg) { return lr_rlimit_ready(arg); }

/* Issues n checks, at most window in flight, and waits for all answers. */
static void run(runner *u, int n, int window) {
  memset(u->by_source, 0, sizeof u->by_source);
  memset(u->errors, 0, sizeof u->errors);
  u->allowed = 0;
  u->done = 0;
  u->max_latency = 0;
  u->min_latency = INT64_MAX;
  u->todo = n;
  u->window = window;
  issue(u);
  cr_assert(pump_until(u->base, 10000, runner_idle, u), "checks did not finish");
}

/* A clock an hour ahead of the system's: replicas with skewed clocks. */
static int64_t skewed_mono(void *ctx) {
  (void)ctx;
  return mono() + 3600 * SEC;
}
static int64_t skewed_wall(void *ctx) {
  (void)ctx;
  return lr_clock_wall_ms(lr_clock_system()) + 3600 * 1000;
}
static const lr_clock skewed_clock = {skewed_mono, skewed_wall, NULL};

static void client_open_clock(runner *u, const char *url, lr_rlimit_fail_mode fail,
                              int64_t deadline, uint32_t max, const char *key,
                              const lr_clock *clock, unsigned max_inflight, int64_t stall) {
  memset(u, 0, sizeof *u);
  u->base = event_base_new();
  lr_limit_config lc = {.name = "test-rule", .max = max, .per_ns = 3600 * SEC};
  u->rule = lr_limit_new(&lc, clock, NULL);
  lr_rlimit_config rc = {.url = url,
                         .fail = fail,
                         .deadline_ns = deadline,
                         .backoff_min_ns = 20 * MS,
                         .backoff_max_ns = 200 * MS,
                         .stall_ns = stall,
                         .max_inflight = max_inflight};
  char *err = NULL;
  u->rl = lr_rlimit_new(u->base, &rc, clock, &err);
  cr_assert(u->rl, "lr_rlimit_new: %s", err ? err : "?");
  u->key = key;
}

static void client_open(runner *u, const char *url, lr_rlimit_fail_mode fail, int64_t deadline,
                        uint32_t max, const char *key) {
  client_open_clock(u, url, fail, deadline, max, key, lr_clock_system(), 0, 300 * MS);
}

static void client_close(runner *u) {
  lr_rlimit_free(u->rl);
  /* two turns: the cancelled lookup's answer, then the deferred free */
  event_base_loop(u->base, EVLOOP_NONBLOCK);
  event_base_loop(u->base, EVLOOP_NONBLOCK);
  lr_limit_free(u->rule);
  event_base_free(u->base);
}

/* ---- URLs ------------------------------------------------------------------ */

static void url_ok(const char *s, const char *host, int port, const char *path, const char *user,
                   const char *pw, int db) {
  lr_rlimit_url u;
  char *err = NULL;
  cr_assert_eq(lr_rlimit_url_parse(s, &u, &err), LR_OK, "%s: %s", s, err ? err : "");
  cr_assert_str_eq(u.host ? u.host : "-", host ? host : "-", "%s", s);
  cr_assert_eq(u.port, port, "%s", s);
  cr_assert_str_eq(u.path ? u.path : "-", path ? path : "-", "%s", s);
  cr_assert_str_eq(u.user ? u.user : "-", user ? user : "-", "%s", s);
  cr_assert_str_eq(u.password ? u.password : "-", pw ? pw : "-", "%s", s);
  cr_assert_eq(u.db, db, "%s", s);
  lr_rlimit_url_free(&u);
}

static void url_bad(const char *s) {
  lr_rlimit_url u;
  char *err = NULL;
  cr_assert_eq(lr_rlimit_url_parse(s, &u, &err), LR_ERR, "%s accepted", s);
  cr_assert_not_null(err);
  cr_assert_null(strstr(err, "s3cret"), "error echoes the password: %s", err);
  free(err);
}

Test(limit_redis_url, parses) {
  url_ok("redis://127.0.0.1:6380/2", "127.0.0.1", 6380, NULL, NULL, NULL, 2);
  url_ok("redis://cache", "cache", 6379, NULL, NULL, NULL, 0);
  url_ok("redis://:s3cret@10.0.0.1:7000", "10.0.0.1", 7000, NULL, NULL, "s3cret", 0);
  url_ok("redis://app:p%40ss@[::1]:7001/0", "::1", 7001, NULL, "app", "p@ss", 0);
  url_ok("unix:/run/redis.sock", NULL, 6379, "/run/redis.sock", NULL, NULL, 0);
  url_ok("unix:/run/r.sock?db=3&password=x%20y", NULL, 6379, "/run/r.sock", NULL, "x y", 3);
  url_ok("unix:///run/r.sock", NULL, 6379, "/run/r.sock", NULL, NULL, 0);
  url_bad("http://cache:6379");
  url_bad("rediss://:s3cret@cache:6379");
  url_bad("unix:s3cret");
  url_bad("redis://cache:0");
  url_bad("redis://cache:99999");
  url_bad("redis://s3cret@cache");
  url_bad("redis://:s3cret%4@cache");
  url_bad("redis://cache/x");
  url_bad("redis://:s3cret@");
  url_bad("redis://[::1");
  url_bad("unix:relative.sock");
  url_bad("unix:/r.sock?password=s3cret&user=x");
}

/* ---- against a real server ---------------------------------------------------- */

static redis_proc srv, srv_pw; /* srv_pw: a second server, with a password */
static char url[64];

static void srv_start(void) {
  cr_assert(redis_proc_start(&srv, 0, NULL), "cannot start redis-server");
  redis_proc_url(&srv, url, sizeof url);
}
/* Runs even when an assertion ends the test early. */
static void srv_stop(void) {
  redis_proc_cleanup(&srv);
  redis_proc_cleanup(&srv_pw);
}

TestSuite(limit_redis, .init = srv_start, .fini = srv_stop, .timeout = 60);

typedef struct {
  runner u;
  pthread_barrier_t *go;
  uint32_t max;
  const lr_clock *clock;
} share_arg;

static void *share_client(void *p) {
  share_arg *a = p;
  client_open_clock(&a->u, url, LR_RLIMIT_FAIL_CLOSED, 2 * SEC, a->max, "tenant-42", a->clock, 0,
                    300 * MS);
  cr_assert(pump_until(a->u.base, 3000, client_ready, a->u.rl));
  pthread_barrier_wait(a->go);
  run(&a->u, 1500, 32);
  return NULL;
}

Test(limit_redis, two_clients_share_one_limit_exactly) {
  pthread_barrier_t go;
  pthread_barrier_init(&go, NULL, 2);
  /* the second replica's clock is an hour ahead: Redis' TIME decides */
  share_arg a[2] = {{.go = &go, .max = 1000, .clock = lr_clock_system()},
                    {.go = &go, .max = 1000, .clock = &skewed_clock}};
  pthread_t th[2];
  for (int i = 0; i < 2; i++) pthread_create(&th[i], NULL, share_client, &a[i]);
  for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
  pthread_barrier_destroy(&go);
  cr_assert_eq(a[0].u.by_source[LR_RLIMIT_BY_REDIS], 1500);
  cr_assert_eq(a[1].u.by_source[LR_RLIMIT_BY_REDIS], 1500);
  cr_assert_eq(a[0].u.allowed + a[1].u.allowed, 1000, "%llu + %llu allowed",
               (unsigned long long)a[0].u.allowed, (unsigned long long)a[1].u.allowed);
  /* both really took part under load */
  cr_log_info("split: %llu + %llu", (unsigned long long)a[0].u.allowed,
              (unsigned long long)a[1].u.allowed);
  lr_rlimit_stats st;
  lr_rlimit_get_stats(a[0].u.rl, &st);
  cr_assert_eq(st.calls, 1500);
  cr_assert_eq(st.lat_count, 1500);
  uint64_t sum = 0;
  for (int i = 0; i < LR_RLIMIT_LAT_BUCKETS; i++) sum += st.lat_buckets[i];
  cr_assert_eq(sum, 1500);
  /* both workers' counters summed and exposed */
  lr_rlimit_stats st1, total = {0};
  lr_rlimit_get_stats(a[1].u.rl, &st1);
  lr_rlimit_stats_add(&total, &st);
  lr_rlimit_stats_add(&total, &st1);
  lr_buf m = {0};
  lr_rlimit_metrics(&total, &m);
  cr_assert_not_null(strstr(m.p, "larch_redis_limit_calls_total{source=\"redis\"} 3000\n"), "%s",
                     m.p);
  cr_assert_not_null(strstr(m.p, "larch_redis_limit_errors_total{kind=\"timeout\"} 0\n"));
  cr_assert_not_null(strstr(m.p, "larch_redis_limit_latency_seconds_bucket{le=\"+Inf\"} 3000\n"));
  cr_assert_not_null(strstr(m.p, "larch_redis_limit_latency_seconds_count 3000\n"));
  cr_assert_not_null(strstr(m.p, "larch_redis_limit_up 1\n"));
  cr_assert_not_null(strstr(m.p, "_bucket{le=\"0.00005\"} "));
  lr_buf_free(&m);
  for (int i = 0; i < 2; i++) client_close(&a[i].u);
}

typedef struct {
  bool done;
  lr_rlimit_result res;
} one_answer;

static void on_one(void *arg, const lr_rlimit_result *res) {
  one_answer *o = arg;
  o->done = true;
  o->res = *res;
}

static bool one_done(void *arg) { return ((one_answer *)arg)->done; }

/* One check, waited for. */
static lr_rlimit_result check_one(runner *u, uint32_t cost) {
  one_answer o = {0};
  if (lr_rlimit_check(u->rl, u->rule, lr_str_c(u->key), cost, on_one, &o, &o.res) == LR_AGAIN)
    cr_assert(pump_until(u->base, 3000, one_done, &o));
  return o.res;
}

Test(limit_redis, answers_carry_remaining_reset_and_retry) {
  runner u;
  client_open(&u, url, LR_RLIMIT_FAIL_CLOSED, 2 * SEC, 10, "k");
  cr_assert(pump_until(u.base, 3000, client_ready, u.rl));
  /* 10 per hour, burst 10: T = 6 min */
  lr_rlimit_result r = check_one(&u, 1);
  cr_assert_eq(r.source, LR_RLIMIT_BY_REDIS);
  cr_assert(r.r.allowed);
  cr_assert_eq(r.r.remaining, 9);
  cr_assert_geq(r.r.reset_ns, 360 * SEC - SEC);
  cr_assert_leq(r.r.reset_ns, 360 * SEC);
  r = check_one(&u, 9);
  cr_assert(r.r.allowed);
  cr_assert_eq(r.r.remaining, 0);
  r = check_one(&u, 1);
  cr_assert_not(r.r.allowed);
  cr_assert_eq(r.source, LR_RLIMIT_BY_REDIS);
  cr_assert_gt(r.r.retry_after_ns, 359 * SEC);
  cr_assert_leq(r.r.retry_after_ns, 360 * SEC);
  r = check_one(&u, 11); /* more than the burst: never */
  cr_assert_not(r.r.allowed);
  cr_assert_eq(r.r.retry_after_ns, INT64_MAX);
  r = check_one(&u, 0); /* cost 0 reports */
  cr_assert(r.r.allowed);
  cr_assert_eq(r.r.remaining, 0);
  /* the key expires in Redis when its burst is back: PTTL about 1 hour */
  long long n = 0;
  cr_assert(redis_proc_cmd(&srv, "PTTL larch:rl:test-rule:10/3600000000:k", &n));
  cr_assert_gt(n, 3599000);
  cr_assert_leq(n, 3600002);
  client_close(&u);
}

static void flush_scripts(runner *u) {
  (void)u;
  cr_assert(redis_proc_cmd(&srv, "SCRIPT FLUSH", NULL));
}

Test(limit_redis, noscript_recovery) {
  runner u;
  client_open(&u, url, LR_RLIMIT_FAIL_CLOSED, 2 * SEC, 150, "ns");
  cr_assert(pump_until(u.base, 3000, client_ready, u.rl));
  u.hook = flush_scripts; /* mid-run, with calls in flight */
  u.hook_at = 50;
  run(&u, 200, 16);
  cr_assert_eq(u.by_source[LR_RLIMIT_BY_REDIS], 200);
  cr_assert_eq(u.allowed, 150);
  lr_rlimit_stats st;
  lr_rlimit_get_stats(u.rl, &st);
  cr_assert_geq(st.noscript, 1);
  cr_assert_eq(st.errors[LR_RLIMIT_ERR_REPLY], 0);
  /* and once more, between runs */
  cr_assert(redis_proc_cmd(&srv, "SCRIPT FLUSH", NULL));
  u.hook = NULL;
  run(&u, 10, 1);
  cr_assert_eq(u.by_source[LR_RLIMIT_BY_REDIS], 10);
  cr_assert_eq(u.allowed, 0);
  client_close(&u);
}

static void fail_mode_case(lr_rlimit_fail_mode mode, lr_rlimit_source want_source,
                           uint64_t want_allowed) {
  runner u;
  client_open(&u, url, mode, 50 * MS, 5, "fm");
  cr_assert(pump_until(u.base, 3000, client_ready, u.rl));
  run(&u, 2, 1);
  cr_assert_eq(u.by_source[LR_RLIMIT_BY_REDIS], 2);

  redis_proc_kill(&srv);
  run(&u, 10, 4); /* the first may see the broken connection, the rest a down one */
  cr_assert_eq(u.by_source[want_source], 10, "source %s: %llu of 10",
               lr_rlimit_source_name(want_source), (unsigned long long)u.by_source[want_source]);
  cr_assert_eq(u.allowed, want_allowed);
  cr_assert_eq(u.errors[LR_RLIMIT_ERR_NONE], 0);
  cr_assert_neq(lr_rlimit_last_error(&*u.rl)[0], 0);
  /* down for 1 s: attempts back off 20, 40, 80, 160, then every 200 ms */
  lr_rlimit_stats st;
  lr_rlimit_get_stats(u.rl, &st);
  uint64_t before = st.attempts;
  pump_until(u.base, 1000, NULL, NULL);
  lr_rlimit_get_stats(u.rl, &st);
  cr_assert_geq(st.attempts - before, 3, "%llu attempts",
                (unsigned long long)(st.attempts - before));
  cr_assert_leq(st.attempts - before, 9, "%llu attempts",
                (unsigned long long)(st.attempts - before));

  cr_assert(redis_proc_restart(&srv), "cannot restart redis-server");
  cr_assert(pump_until(u.base, 3000, client_ready, u.rl), "no recovery");
  run(&u, 3, 1);
  cr_assert_eq(u.by_source[LR_RLIMIT_BY_REDIS], 3);
  cr_assert_eq(u.allowed, 3); /* a fresh server: fresh state */
  lr_rlimit_get_stats(u.rl, &st);
  cr_assert_eq(st.connects, 2);
  cr_assert_geq(st.disconnects, 1);
  cr_assert(st.connected);
  client_close(&u);
}

Test(limit_redis, redis_down_fail_closed) {
  fail_mode_case(LR_RLIMIT_FAIL_CLOSED, LR_RLIMIT_BY_FAIL_CLOSED, 0);
}
Test(limit_redis, redis_down_fail_open) {
  fail_mode_case(LR_RLIMIT_FAIL_OPEN, LR_RLIMIT_BY_FAIL_OPEN, 10);
}
Test(limit_redis, redis_down_fail_local) {
  fail_mode_case(LR_RLIMIT_FAIL_LOCAL, LR_RLIMIT_BY_LOCAL, 5);
}

Test(limit_redis, deadline_on_a_frozen_redis) {
  runner u;
  client_open(&u, url, LR_RLIMIT_FAIL_CLOSED, 30 * MS, 100, "dl");
  cr_assert(pump_until(u.base, 3000, client_ready, u.rl));
  run(&u, 3, 1);
  cr_assert_eq(u.by_source[LR_RLIMIT_BY_REDIS], 3);

  redis_proc_pause(&srv);
  run(&u, 8, 8);
  cr_assert_eq(u.by_source[LR_RLIMIT_BY_FAIL_CLOSED], 8);
  cr_assert_eq(u.errors[LR_RLIMIT_ERR_TIMEOUT], 8);
  cr_assert_geq(u.min_latency, 30 * MS);
  /* not held until Redis wakes (it never does during the run) */
  cr_assert_lt(u.max_latency, SEC, "answered after %lld ns", (long long)u.max_latency);
  /* silent past stall_ns (300 ms) with replies due: the connection is dropped */
  pump_until(u.base, 450, NULL, NULL);
  lr_rlimit_stats st;
  lr_rlimit_get_stats(u.rl, &st);
  cr_assert_geq(st.disconnects, 1);
  cr_assert_eq(st.errors[LR_RLIMIT_ERR_TIMEOUT], 8);

  redis_proc_resume(&srv);
  cr_assert(pump_until(u.base, 3000, client_ready, u.rl), "no recovery");
  run(&u, 3, 1);
  cr_assert_eq(u.by_source[LR_RLIMIT_BY_REDIS], 3);
  client_close(&u);
}

static void *redis_sleep_thread(void *arg) {
  (void)arg;
  redis_proc_cmd(&srv, "DEBUG SLEEP 0.5", NULL);
  return NULL;
}

/* True when the server does not answer PING within 5 ms. */
static bool redis_busy(void) {
  struct timeval tv = {0, 5000};
  redisContext *c = redisConnectWithTimeout("127.0.0.1", srv.port, tv);
  bool busy = true;
  if (c && !c->err) {
    redisSetTimeout(c, tv);
    redisReply *r = redisCommand(c, "PING");
    busy = r == NULL;
    if (r) freeReplyObject(r);
  }
  if (c) redisFree(c);
  return busy;
}

Test(limit_redis, too_many_in_flight_answer_at_once) {
  runner u;
  client_open_clock(&u, url, LR_RLIMIT_FAIL_OPEN, 40 * MS, 100, "ov", lr_clock_system(), 4,
                    300 * MS);
  cr_assert(pump_until(u.base, 3000, client_ready, u.rl));
  redis_proc_pause(&srv);
  run(&u, 6, 6);
  redis_proc_resume(&srv);
  cr_assert_eq(u.errors[LR_RLIMIT_ERR_TIMEOUT], 4);
  cr_assert_eq(u.errors[LR_RLIMIT_ERR_OVERLOAD], 2);
  cr_assert_eq(u.by_source[LR_RLIMIT_BY_FAIL_OPEN], 6);
  client_close(&u);
}

Test(limit_redis, debug_sleep_misses_the_deadline_then_recovers) {
  runner u;
  /* stall detection far away: a slow server is not a dead one */
  client_open_clock(&u, url, LR_RLIMIT_FAIL_OPEN, 30 * MS, 100, "ds", lr_clock_system(), 0,
                    5 * SEC);
  cr_assert(pump_until(u.base, 3000, client_ready, u.rl));
  /* a blocking client keeps the server busy for 0.5 s */
  pthread_t th;
  pthread_create(&th, NULL, redis_sleep_thread, NULL);
  int64_t end = mono() + SEC;
  while (!redis_busy()) cr_assert_lt(mono(), end, "DEBUG SLEEP did not start");
  run(&u, 4, 4);
  pthread_join(th, NULL);
  cr_assert_eq(u.by_source[LR_RLIMIT_BY_FAIL_OPEN], 4);
  cr_assert_eq(u.allowed, 4);
  /* the late replies are dropped quietly; the connection stays */
  run(&u, 3, 1);
  cr_assert_eq(u.by_source[LR_RLIMIT_BY_REDIS], 3);
  lr_rlimit_stats st;
  lr_rlimit_get_stats(u.rl, &st);
  cr_assert_eq(st.disconnects, 0);
  client_close(&u);
}

Test(limit_redis, host_names_resolve_asynchronously) {
  char u1[96];
  snprintf(u1, sizeof u1, "redis://localhost:%d", srv.port);
  runner u;
  client_open(&u, u1, LR_RLIMIT_FAIL_CLOSED, 2 * SEC, 2, "dns");
  cr_assert(pump_until(u.base, 3000, client_ready, u.rl), "%s", lr_rlimit_last_error(u.rl));
  run(&u, 3, 1);
  cr_assert_eq(u.by_source[LR_RLIMIT_BY_REDIS], 3);
  cr_assert_eq(u.allowed, 2);
  client_close(&u);
  /* a name that does not resolve: the fail mode, and the reason */
  client_open(&u, "redis://no-such-host.invalid:6379", LR_RLIMIT_FAIL_OPEN, 50 * MS, 2, "dns");
  pump_until(u.base, 300, NULL, NULL);
  cr_assert_not(lr_rlimit_ready(u.rl));
  run(&u, 2, 1);
  cr_assert_eq(u.by_source[LR_RLIMIT_BY_FAIL_OPEN], 2);
  cr_log_info("unresolvable: %s", lr_rlimit_last_error(u.rl));
  client_close(&u);
  /* freed with a lookup in flight: nothing leaks, nothing fires later */
  client_open(&u, "redis://pending-lookup.example:6379", LR_RLIMIT_FAIL_OPEN, 50 * MS, 2, "dns");
  client_close(&u);
}

Test(limit_redis, unix_socket_password_and_db) {
  redis_proc *pw = &srv_pw;
  cr_assert(redis_proc_start(pw, 0, "s3cret"));
  char u1[256];
  snprintf(u1, sizeof u1, "unix:%s?db=3&password=s3cret", pw->sock);
  runner u;
  client_open(&u, u1, LR_RLIMIT_FAIL_CLOSED, 2 * SEC, 2, "ux");
  cr_assert(pump_until(u.base, 3000, client_ready, u.rl), "%s", lr_rlimit_last_error(u.rl));
  run(&u, 3, 3);
  cr_assert_eq(u.by_source[LR_RLIMIT_BY_REDIS], 3);
  cr_assert_eq(u.allowed, 2);
  long long n = -1; /* the key lives in db 3, not in db 0 */
  cr_assert(redis_proc_cmd(pw, "EXISTS larch:rl:test-rule:2/3600000000:ux", &n));
  cr_assert_eq(n, 0);
  client_close(&u);

  /* a wrong password never becomes ready; calls get the fail mode */
  snprintf(u1, sizeof u1, "redis://:wrong@127.0.0.1:%d", pw->port);
  client_open(&u, u1, LR_RLIMIT_FAIL_OPEN, 100 * MS, 2, "ux");
  pump_until(u.base, 200, NULL, NULL);
  cr_assert_not(lr_rlimit_ready(u.rl));
  cr_assert_not_null(strstr(lr_rlimit_last_error(u.rl), "AUTH"), "%s", lr_rlimit_last_error(u.rl));
  run(&u, 3, 1);
  cr_assert_eq(u.by_source[LR_RLIMIT_BY_FAIL_OPEN], 3);
  client_close(&u);
  redis_proc_cleanup(pw);
}
