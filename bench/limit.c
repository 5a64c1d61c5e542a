/*
 * bench/limit.c — rate limiter figures.
 *
 *   bench_limit [--quick] [redis://host:port]
 *
 * Local (guard/limit.c): CPU ns per check (thread CPU time, so neighbours on
 * a shared machine do not count), median of 5 runs, for one hot key,
 * 1M keys round robin, and two threads (distinct keys / one shared key),
 * each next to a reference measured in the same run: a lookup of the same
 * key in a plain lr_map (hash + probe, no lock, no GCRA). Time is synthetic
 * and advances by a fixed step per check, so the allowed count is known in
 * advance and checked (a fast wrong limiter cannot pass).
 *
 * Redis (proxy/limit_redis.c): checks/s and latency percentiles against a
 * redis-server started here on a loopback port (or the URL given), at
 * pipeline depths 1, 16 and 128; every answer must come from Redis.
 */
#include "limit.h"
#include "limit_redis.h"
#include "redis_proc.h"

#include <event2/event.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SEC ((int64_t)1000000000)
#define RUNS 5

static int64_t mono(void) { return lr_clock_mono_ns(lr_clock_system()); }

/* CPU time of the calling thread: on a shared machine, wall time mostly
 * measures the neighbours. */
static int64_t cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (int64_t)ts.tv_sec * SEC + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
      double t = v[j];
      v[j] = v[j - 1];
      v[j - 1] = t;
    }
  return v[n / 2];
}

static void die(const char *what) {
  fprintf(stderr, "bench_limit: %s\n", what);
  exit(1);
}

/* ---- local ------------------------------------------------------------------- */

#define KEYLEN 15

typedef struct {
  char (*keys)[24]; /* each exactly KEYLEN bytes */
  size_t nkeys;
} keyset;

static keyset make_keys(size_t n, const char *tag) {
  keyset k = {lr_xmalloc(n * sizeof *k.keys), n};
  for (size_t i = 0; i < n; i++)
    snprintf(k.keys[i], sizeof k.keys[i], "%-4.4s%011u", tag, (unsigned)(i % 100000000000u));
  return k;
}

/* Rate for the local runs: 1000 per second, burst 1000; a check every
 * 10 µs of synthetic time, so each key passes its burst and then every
 * 100th check of its own (exactly computable). */
#define L_MAX 1000
#define L_STEP 10000

typedef struct {
  lr_limit *l;
  const keyset *ks;
  size_t first, n; /* key range used by this thread */
  size_t iters;
  uint64_t allowed;
  double ns_per_op;
} local_arg;

static void *local_run(void *p) {
  local_arg *a = p;
  lr_limit_result r;
  uint64_t allowed = 0;
  int64_t t0 = cpu_ns(), now = SEC;
  size_t k = 0;
  for (size_t i = 0; i < a->iters; i++) {
    lr_str key = lr_str_make(a->ks->keys[a->first + k], KEYLEN);
    lr_limit_check_at(a->l, key, 1, now, &r);
    allowed += r.allowed;
    now += L_STEP;
    if (++k == a->n) k = 0;
  }
  a->ns_per_op = (double)(cpu_ns() - t0) / (double)a->iters;
  a->allowed = allowed;
  return NULL;
}

/* The count one key gets from `hits` checks spaced `gap` ns of synthetic
 * time apart: its burst, then one per T = 1 ms. */
static uint64_t expected_per_key(uint64_t hits, int64_t gap) {
  if (hits <= L_MAX) return hits; /* within the burst */
  uint64_t want = L_MAX + (hits - 1) * (uint64_t)gap * L_MAX / SEC;
  return want < hits ? want : hits;
}

/* Runs `threads` threads over keys; returns the median ns/op. */
static double local_case(const char *label, const keyset *ks, int threads, bool shared,
                         size_t iters, double ref_ns) {
  double v[RUNS];
  for (int run = 0; run < RUNS; run++) {
    lr_limit_config cfg = {
        .name = "bench", .max = L_MAX, .per_ns = SEC, .max_bytes = (size_t)1 << 30};
    lr_limit *l = lr_limit_new(&cfg, lr_clock_system(), NULL);
    local_arg a[2];
    pthread_t th[2];
    for (int i = 0; i < threads; i++) {
      size_t part = shared ? ks->nkeys : ks->nkeys / (size_t)threads;
      a[i] = (local_arg){l, ks, shared ? 0 : part * (size_t)i, part, iters, 0, 0};
      pthread_create(&th[i], NULL, local_run, &a[i]);
    }
    uint64_t allowed = 0;
    double ns = 0;
    for (int i = 0; i < threads; i++) {
      pthread_join(th[i], NULL);
      allowed += a[i].allowed;
      ns += a[i].ns_per_op;
    }
    /* verify: single-threaded runs are exact; with threads the synthetic
     * clocks interleave, so only bounds hold */
    size_t per_thread_keys = a[0].n;
    uint64_t hits = iters / per_thread_keys;
    uint64_t want = expected_per_key(hits, (int64_t)per_thread_keys * L_STEP) * per_thread_keys;
    if (threads == 1 && allowed != want) {
      fprintf(stderr, "%s: %llu allowed, want %llu\n", label, (unsigned long long)allowed,
              (unsigned long long)want);
      die("local limiter gave a wrong count");
    }
    if (threads > 1 && (allowed == 0 || allowed > (uint64_t)threads * iters)) die("bad count");
    v[run] = ns / threads; /* per check, per thread */
    lr_limit_free(l);
  }
  double m = median(v, RUNS);
  printf("  %-38s %8.1f ns/op   (%.2fx the lr_map lookup reference, %.1f ns)\n", label, m,
         m / ref_ns, ref_ns);
  return m;
}

/* Reference: lr_map_get of the same key pattern, no lock, no arithmetic. */
static double map_reference(const keyset *ks, size_t iters) {
  double v[RUNS];
  lr_map m = {0};
  for (size_t i = 0; i < ks->nkeys; i++)
    lr_map_put(&m, lr_str_make(ks->keys[i], KEYLEN), ks->keys[i]);
  for (int run = 0; run < RUNS; run++) {
    uint64_t hits = 0;
    int64_t t0 = cpu_ns();
    size_t k = 0;
    for (size_t i = 0; i < iters; i++) {
      hits += lr_map_get(&m, lr_str_make(ks->keys[k], KEYLEN)) != NULL;
      if (++k == ks->nkeys) k = 0;
    }
    v[run] = (double)(cpu_ns() - t0) / (double)iters;
    if (hits != iters) die("reference lookup missed");
  }
  lr_map_free(&m);
  return median(v, RUNS);
}

/* What a request with three limit rules pays: one clock read, then three
 * checks on three limiters with different keys (user, IP, tool), all
 * allowed (generous rates), verified. */
static void three_limits(const keyset *ks, size_t reqs) {
  double v[RUNS];
  for (int run = 0; run < RUNS; run++) {
    lr_limit *l[3];
    for (int i = 0; i < 3; i++) {
      lr_limit_config cfg = {
          .name = "bench", .max = 1000000000, .per_ns = SEC, .max_bytes = (size_t)1 << 30};
      l[i] = lr_limit_new(&cfg, lr_clock_system(), NULL);
    }
    uint64_t allowed = 0;
    lr_limit_result r;
    int64_t t0 = cpu_ns();
    for (size_t q = 0; q < reqs; q++) {
      int64_t now = lr_clock_mono_ns(lr_clock_system());
      for (int i = 0; i < 3; i++) {
        size_t k = (q * 7 + (size_t)i * 1000) % 10000; /* 10k distinct keys per rule */
        lr_limit_check_at(l[i], lr_str_make(ks->keys[k], KEYLEN), 1, now, &r);
        allowed += r.allowed;
      }
    }
    v[run] = (double)(cpu_ns() - t0) / (double)reqs;
    if (allowed != 3 * reqs) die("three limits: a generous limit refused");
    for (int i = 0; i < 3; i++) lr_limit_free(l[i]);
  }
  printf("  %-38s %8.1f ns/request (one clock read + 3 checks)\n", "3 limit rules per request",
         median(v, RUNS));
}

static void bench_local(bool quick) {
  size_t iters = quick ? 500000 : 4000000;
  size_t nbig = quick ? 100000 : 1000000;
  printf("local limiter (guard/limit.c), median of %d runs:\n", RUNS);
  keyset one = make_keys(1, "hot"), big = make_keys(nbig, "key"), two = make_keys(2, "t");
  double ref1 = map_reference(&one, iters);
  local_case("1 key, 1 thread", &one, 1, false, iters, ref1);
  double refbig = map_reference(&big, iters);
  char label[64];
  snprintf(label, sizeof label, "%zuk keys round robin, 1 thread", nbig / 1000);
  local_case(label, &big, 1, false, iters, refbig);
  local_case("2 threads, 1 key each", &two, 2, false, iters, ref1);
  local_case("2 threads, 1 shared key", &one, 2, true, iters, ref1);
  snprintf(label, sizeof label, "2 threads, %zuk keys each", nbig / 2000);
  local_case(label, &big, 2, false, iters, refbig);
  /* the clock read a request pays once (lr_limit_check reads it per call) */
  int64_t t0 = cpu_ns();
  volatile int64_t sink = 0;
  for (size_t i = 0; i < iters; i++) sink = lr_clock_mono_ns(lr_clock_system());
  (void)sink;
  printf("  %-38s %8.1f ns/op   (lr_limit_check adds one; a request can share it)\n",
         "CLOCK_MONOTONIC read", (double)(cpu_ns() - t0) / (double)iters);
  three_limits(&big, iters / 3);
  free(one.keys);
  free(big.keys);
  free(two.keys);
}

/* ---- Redis ------------------------------------------------------------------ */

typedef struct {
  struct event_base *base;
  lr_rlimit *rl;
  lr_limit *rule;
  int todo, inflight, window, done;
  uint64_t by_redis, allowed;
  int64_t *lat;
  char key[32];
} rrun;

static void rissue(rrun *u);

static void ron_answer(void *arg, const lr_rlimit_result *res) {
  rrun *u = arg;
  u->inflight--;
  u->lat[u->done++] = res->latency_ns;
  u->by_redis += res->source == LR_RLIMIT_BY_REDIS;
  u->allowed += res->r.allowed;
  rissue(u);
}

static void rissue(rrun *u) {
  while (u->todo > 0 && u->inflight < u->window) {
    u->todo--;
    snprintf(u->key, sizeof u->key, "user-%d", u->todo % 1000);
    lr_rlimit_result now;
    lr_status st = lr_rlimit_check(u->rl, u->rule, lr_str_c(u->key), 1, ron_answer, u, &now);
    if (st == LR_AGAIN) {
      u->inflight++;
    } else {
      u->lat[u->done++] = 0;
      u->allowed += now.r.allowed;
    }
  }
}

static void pump(struct event_base *b) {
  struct timeval tv = {0, 1000};
  event_base_loopexit(b, &tv);
  event_base_dispatch(b);
}

static void bench_redis(const char *url, bool quick) {
  int n = quick ? 20000 : 100000;
  struct event_base *base = event_base_new();
  lr_limit_config lc = {.name = "bench", .max = 1000000000, .per_ns = 3600 * SEC};
  lr_limit *rule = lr_limit_new(&lc, lr_clock_system(), NULL);
  lr_rlimit_config rc = {.url = url, .fail = LR_RLIMIT_FAIL_CLOSED, .deadline_ns = 2 * SEC};
  char *err = NULL;
  lr_rlimit *rl = lr_rlimit_new(base, &rc, lr_clock_system(), &err);
  if (!rl) die(err);
  int64_t end = mono() + 3 * SEC;
  while (!lr_rlimit_ready(rl) && mono() < end) pump(base);
  if (!lr_rlimit_ready(rl)) die("redis not ready");
  printf("redis limiter (proxy/limit_redis.c), %d checks over 1000 keys, one connection, %s:\n", n,
         strncmp(url, "unix:", 5) ? "TCP loopback" : "unix socket");
  int windows[] = {1, 16, 128};
  for (int w = 0; w < 3; w++) {
    rrun u = {base, rl, rule, n, 0, windows[w], 0, 0, 0, lr_xmalloc(sizeof(int64_t) * (size_t)n),
              {0}};
    int64_t t0 = mono(), c0 = cpu_ns();
    rissue(&u);
    while (u.todo || u.inflight) event_base_loop(base, EVLOOP_ONCE);
    int64_t el = mono() - t0, cpu = cpu_ns() - c0;
    if (u.by_redis != (uint64_t)n || u.allowed != (uint64_t)n) die("answers not all from redis");
    qsort(u.lat, (size_t)n, sizeof *u.lat, cmp_i64);
    printf("  pipeline %-4d %8.0f checks/s  client CPU %5.2f µs/check  latency p50 %7.1f µs  "
           "p99 %7.1f µs  max %7.1f µs\n",
           windows[w], (double)n * 1e9 / (double)el, (double)cpu / 1e3 / n,
           (double)u.lat[n / 2] / 1e3, (double)u.lat[n * 99 / 100] / 1e3,
           (double)u.lat[n - 1] / 1e3);
    free(u.lat);
  }
  lr_rlimit_stats st;
  lr_rlimit_get_stats(rl, &st);
  printf("  (%llu calls, %llu errors of any kind)\n", (unsigned long long)st.calls,
         (unsigned long long)(st.calls - st.by_source[LR_RLIMIT_BY_REDIS]));
  lr_rlimit_free(rl);
  lr_limit_free(rule);
  event_base_free(base);
}

int main(int argc, char **argv) {
  bool quick = false;
  const char *url = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--quick"))
      quick = true;
    else
      url = argv[i];
  }
  bench_local(quick);
  redis_proc srv = {0};
  char buf[64];
  if (!url) {
    if (!redis_proc_start(&srv, 0, NULL)) die("cannot start redis-server");
    url = redis_proc_url(&srv, buf, sizeof buf);
  }
  bench_redis(url, quick);
  if (srv.pid) {
    char ux[160];
    snprintf(ux, sizeof ux, "unix:%s", srv.sock);
    bench_redis(ux, quick);
  }
  redis_proc_cleanup(&srv);
  return 0;
}
