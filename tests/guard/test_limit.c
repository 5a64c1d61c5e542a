/*
 * test_limit.c — the GCRA arithmetic and the in-process keyed limiter
 * (guard/limit.c), all on a manual clock.
 */
#include "limit.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define MS ((int64_t)1000000)
#define SEC ((int64_t)1000000000)

static lr_limit *make(uint32_t max, int64_t per, uint32_t burst, size_t max_bytes, unsigned shards,
                      lr_clock_manual *clk) {
  lr_limit_config cfg = {.name = "t",
                         .seed = 0x5eed5eed1234ULL, /* answers never depend on it */
                         .max = max,
                         .per_ns = per,
                         .burst = burst,
                         .max_bytes = max_bytes,
                         .shards = shards};
  const char *why = NULL;
  lr_limit *l = lr_limit_new(&cfg, &clk->clock, &why);
  cr_assert(l, "lr_limit_new: %s", why ? why : "?");
  return l;
}

static lr_limit_result check(lr_limit *l, const char *key, uint32_t cost) {
  lr_limit_result r;
  cr_assert_eq(lr_limit_check(l, lr_str_c(key), cost, &r), LR_OK);
  return r;
}

Test(limit_rate, representation_is_exact) {
  lr_limit_rate r;
  cr_assert_eq(lr_limit_rate_init(&r, 3, SEC, 0), LR_OK);
  cr_assert_eq(r.burst, 3);
  cr_assert_eq(r.t_int, 333333333);
  cr_assert_eq(r.t_frac, 1); /* 1/3 ns */
  cr_assert_eq(r.tau_int, SEC);
  cr_assert_eq(r.tau_frac, 0);
  lr_limit_time c = lr_limit_rate_cost(&r, 2);
  cr_assert_eq(c.i, 666666666);
  cr_assert_eq(c.f, 2);
}

Test(limit_rate, pure_step_in_microsecond_ticks) {
  lr_limit_rate r; /* 10 per second in µs ticks, as the Redis backend uses it */
  cr_assert_eq(lr_limit_rate_init(&r, 10, 1000000, 0), LR_OK);
  lr_limit_time tat = {0, 0};
  lr_limit_result out;
  lr_limit_gcra(&r, &tat, 5, 10, 1000, &out);
  cr_assert(out.allowed);
  cr_assert_eq(tat.i, 1000005);
  cr_assert_eq(out.reset_ns, SEC);
  cr_assert_eq(out.remaining, 0);
  lr_limit_gcra(&r, &tat, 5, 1, 1000, &out);
  cr_assert_not(out.allowed);
  cr_assert_eq(out.retry_after_ns, 100 * MS);
  cr_assert_eq(tat.i, 1000005); /* a refusal changes nothing */
  lr_limit_gcra(&r, &tat, 100005, 1, 1000, &out);
  cr_assert(out.allowed);
  cr_assert_eq(tat.i, 1100005);
}

Test(limit_rate, rejects_out_of_range) {
  lr_limit_rate r;
  cr_assert_eq(lr_limit_rate_init(&r, 0, SEC, 0), LR_ERR);
  cr_assert_eq(lr_limit_rate_init(&r, LR_LIMIT_MAX_MAX + 1, SEC, 0), LR_ERR);
  cr_assert_eq(lr_limit_rate_init(&r, 1, 0, 0), LR_ERR);
  cr_assert_eq(lr_limit_rate_init(&r, 1, LR_LIMIT_TICKS_MAX + 1, 0), LR_ERR);
  /* tau = 2^31 * 2^61: far beyond the bound */
  cr_assert_eq(lr_limit_rate_init(&r, 1, LR_LIMIT_TICKS_MAX, LR_LIMIT_MAX_MAX), LR_ERR);
  cr_assert_eq(lr_limit_rate_init(&r, LR_LIMIT_MAX_MAX, LR_LIMIT_TICKS_MAX, 0), LR_OK);

  lr_limit_config cfg = {.max = 10, .per_ns = MS - 1};
  const char *why = NULL;
  cr_assert_null(lr_limit_new(&cfg, lr_clock_system(), &why));
  cr_assert_not_null(why);
  cfg = (lr_limit_config){.max = 10, .per_ns = SEC, .shards = 3};
  cr_assert_null(lr_limit_new(&cfg, lr_clock_system(), &why));
}

Test(limit, burst_then_limited) {
  lr_clock_manual clk;
  lr_clock_manual_init(&clk, 5 * SEC, 0);
  lr_limit *l = make(10, SEC, 0, 0, 0, &clk);
  for (uint32_t i = 0; i < 10; i++) {
    lr_limit_result r = check(l, "alice", 1);
    cr_assert(r.allowed, "request %u", i);
    cr_assert_eq(r.remaining, 9 - i);
    cr_assert_eq(r.reset_ns, (int64_t)(i + 1) * 100 * MS);
    cr_assert_eq(r.retry_after_ns, 0);
  }
  lr_limit_result r = check(l, "alice", 1);
  cr_assert_not(r.allowed);
  cr_assert_eq(r.remaining, 0);
  cr_assert_eq(r.retry_after_ns, 100 * MS);
  cr_assert_eq(r.reset_ns, SEC);
  /* other keys are independent */
  cr_assert(check(l, "bob", 1).allowed);
  /* one ns early is still too early; on time passes */
  lr_clock_manual_advance(&clk, 100 * MS - 1);
  r = check(l, "alice", 1);
  cr_assert_not(r.allowed);
  cr_assert_eq(r.retry_after_ns, 1);
  lr_clock_manual_advance(&clk, 1);
  cr_assert(check(l, "alice", 1).allowed);
  lr_limit_stats st;
  lr_limit_get_stats(l, &st);
  cr_assert_eq(st.allowed, 12);
  cr_assert_eq(st.limited, 2);
  cr_assert_eq(st.keys, 2);
  lr_limit_free(l);
}

Test(limit, small_burst) {
  lr_clock_manual clk;
  lr_clock_manual_init(&clk, 0, 0);
  lr_limit *l = make(10, SEC, 2, 0, 0, &clk);
  cr_assert(check(l, "k", 1).allowed);
  lr_limit_result r = check(l, "k", 1);
  cr_assert(r.allowed);
  cr_assert_eq(r.remaining, 0);
  r = check(l, "k", 1);
  cr_assert_not(r.allowed);
  cr_assert_eq(r.retry_after_ns, 100 * MS);
  /* multi-unit costs */
  lr_clock_manual_advance(&clk, SEC);
  cr_assert(check(l, "k", 2).allowed);
  r = check(l, "k", 3); /* more than the burst: never */
  cr_assert_not(r.allowed);
  cr_assert_eq(r.retry_after_ns, INT64_MAX);
  lr_limit_free(l);
}

Test(limit, steady_rate_at_emission_interval) {
  lr_clock_manual clk;
  lr_clock_manual_init(&clk, 0, 0);
  /* T = 333333333.33 ns. With a burst of 2 a request that comes late by
   * less than T is credited, so the schedule does not drift. */
  lr_limit *l = make(3, SEC, 2, 0, 0, &clk);
  cr_assert(check(l, "k", 1).allowed);
  cr_assert(check(l, "k", 1).allowed);
  /* the n-th further request is due at n*T: ceil(n * 10^9 / 3) ns */
  int64_t t = 0;
  for (int64_t n = 1; n <= 30; n++) {
    int64_t due = (n * SEC + 2) / 3;
    lr_clock_manual_advance(&clk, due - 1 - t);
    t = due - 1;
    lr_limit_result r = check(l, "k", 1);
    cr_assert_not(r.allowed, "n=%lld early", (long long)n);
    cr_assert_eq(r.retry_after_ns, 1);
    lr_clock_manual_advance(&clk, 1);
    t = due;
    cr_assert(check(l, "k", 1).allowed, "n=%lld on time", (long long)n);
  }
  lr_limit_free(l);
}

/* Requests every `step` ns (step < T, burst >= 2 so no lateness is lost)
 * from 0 to the last arrival L <= window: the j-th request after the first
 * burst passes at the first arrival >= j*T, so the allowed count must be
 * burst + floor(L * max / per), computed here independently. */
static void exact_window(uint32_t max, int64_t per, uint32_t burst, int64_t step, int64_t window) {
  lr_clock_manual clk;
  lr_clock_manual_init(&clk, 1000 * SEC, 0);
  lr_limit *l = make(max, per, burst, 0, 0, &clk);
  uint64_t allowed = 0;
  int64_t last = 0;
  for (int64_t t = 0; t <= window; t += step) {
    allowed += check(l, "w", 1).allowed;
    lr_clock_manual_advance(&clk, step);
    last = t;
  }
  __extension__ unsigned __int128 refill = (unsigned __int128)last * max / (uint64_t)per;
  uint64_t want = (burst ? burst : max) + (uint64_t)refill;
  cr_assert_eq(allowed, want, "max=%u per=%lld burst=%u: %llu allowed, want %llu", max,
               (long long)per, burst, (unsigned long long)allowed, (unsigned long long)want);
  lr_limit_free(l);
}

Test(limit, exact_count_over_windows) {
  exact_window(7, SEC, 0, MS, 10 * SEC);
  exact_window(1000, 60 * SEC, 0, MS, 300 * SEC);
  exact_window(1000, 60 * SEC, 10, MS, 300 * SEC);
  exact_window(3, SEC, 2, 7 * MS, 20 * SEC);
  exact_window(100, 3600 * SEC, 0, SEC, 24 * 3600 * SEC);
}

Test(limit, idle_keys_expire_losslessly) {
  lr_clock_manual clk;
  lr_clock_manual_init(&clk, SEC, 0);
  lr_limit *l = make(5, SEC, 0, 0, 1, &clk);
  char key[32];
  for (int i = 0; i < 100; i++) {
    snprintf(key, sizeof key, "k%d", i);
    cr_assert(check(l, key, 1).allowed);
  }
  lr_limit_stats st;
  lr_limit_get_stats(l, &st);
  cr_assert_eq(st.keys, 100);
  /* one emission interval later each key's backlog (one T) is gone */
  lr_clock_manual_advance(&clk, 200 * MS);
  cr_assert(check(l, "fresh", 1).allowed); /* expires two cold keys on the way */
  lr_limit_get_stats(l, &st);
  cr_assert_eq(st.expired, 2);
  cr_assert_eq(st.keys, 99);
  cr_assert_eq(lr_limit_sweep(l, clk.mono_ns, 1000), 98);
  lr_limit_get_stats(l, &st);
  cr_assert_eq(st.keys, 1);
  cr_assert_eq(st.expired, 100);
  cr_assert_eq(st.evicted, 0);
  /* a key with state is kept by the sweep */
  cr_assert(check(l, "busy", 5).allowed);
  cr_assert_eq(lr_limit_sweep(l, clk.mono_ns, 1000), 0);
  lr_limit_result r = check(l, "busy", 1);
  cr_assert_not(r.allowed);
  /* an expired key starts with its full burst again */
  lr_limit_result k0 = check(l, "k0", 1);
  cr_assert(k0.allowed);
  cr_assert_eq(k0.remaining, 4);
  /* cost 0 reports without creating state */
  lr_limit_get_stats(l, &st);
  r = check(l, "never-seen", 0);
  cr_assert(r.allowed);
  cr_assert_eq(r.remaining, 5);
  lr_limit_stats st2;
  lr_limit_get_stats(l, &st2);
  cr_assert_eq(st2.keys, st.keys);
  lr_limit_free(l);
}

Test(limit, memory_cap_evicts_least_recently_used) {
  lr_clock_manual clk;
  lr_clock_manual_init(&clk, SEC, 0);
  /* find the per-key cost with a big cap, then cap at exactly 10 keys */
  lr_limit *probe = make(1, 3600 * SEC, 0, 0, 1, &clk);
  check(probe, "k00", 1);
  lr_limit_stats st;
  lr_limit_get_stats(probe, &st);
  size_t per_key = st.bytes;
  lr_limit_free(probe);
  cr_assert_gt(per_key, 3);

  lr_limit *l = make(1, 3600 * SEC, 0, per_key * 10, 1, &clk);
  char key[16];
  for (int i = 0; i < 10; i++) {
    snprintf(key, sizeof key, "k%02d", i);
    cr_assert(check(l, key, 1).allowed);
  }
  cr_assert_not(check(l, "k00", 1).allowed); /* touch k00: now most recent */
  for (int i = 10; i < 13; i++) {
    snprintf(key, sizeof key, "k%02d", i);
    cr_assert(check(l, key, 1).allowed);
  }
  lr_limit_get_stats(l, &st);
  cr_assert_eq(st.keys, 10);
  cr_assert_eq(st.evicted, 3);
  cr_assert_leq(st.bytes, per_key * 10);
  /* k01..k03 were the least recently used: forgotten, so allowed again */
  cr_assert(check(l, "k01", 1).allowed);
  /* k00 and k04 were kept with their state */
  cr_assert_not(check(l, "k00", 1).allowed);
  cr_assert_not(check(l, "k05", 1).allowed);
  lr_limit_free(l);
}

typedef struct {
  lr_limit *l;
  int iters;
  uint64_t allowed;
} hammer_arg;

static void *hammer(void *p) {
  hammer_arg *a = p;
  lr_limit_result r;
  for (int i = 0; i < a->iters; i++) {
    lr_limit_check(a->l, LR_STR("shared-key"), 1, &r);
    a->allowed += r.allowed;
    char k[16]; /* and some traffic on other keys of other shards */
    snprintf(k, sizeof k, "o%d", i & 255);
    lr_limit_check(a->l, lr_str_c(k), 1, &r);
  }
  return NULL;
}

/* Runs n threads of hammer() and returns how many were allowed in total. */
static uint64_t run_hammers(lr_limit *l, int n, int iters) {
  pthread_t th[8];
  hammer_arg args[8];
  cr_assert_leq(n, 8);
  for (int i = 0; i < n; i++) {
    args[i] = (hammer_arg){l, iters, 0};
    pthread_create(&th[i], NULL, hammer, &args[i]);
  }
  uint64_t total = 0;
  for (int i = 0; i < n; i++) {
    pthread_join(th[i], NULL);
    total += args[i].allowed;
  }
  return total;
}

Test(limit, threads_share_one_key_exactly) {
  enum { THREADS = 4, ITERS = 20000, MAX = 25000 };
  lr_clock_manual clk; /* frozen: nothing refills, so exactly MAX pass */
  lr_clock_manual_init(&clk, SEC, 0);
  lr_limit *l = make(MAX, 3600 * SEC, 0, 0, 0, &clk);
  uint64_t total = run_hammers(l, THREADS, ITERS);
  cr_assert_eq(total, MAX);
  lr_limit_stats st;
  lr_limit_get_stats(l, &st);
  cr_assert_eq(st.allowed + st.limited, 2 * THREADS * ITERS);
  lr_limit_free(l);
}

Test(limit, threads_on_the_system_clock) {
  /* With a real clock the count depends on elapsed time: at most
   * burst + elapsed/T, and at least burst. */
  enum { THREADS = 2, ITERS = 50000 };
  lr_limit_config cfg = {.max = 1000, .per_ns = SEC, .burst = 100};
  lr_limit *l = lr_limit_new(&cfg, lr_clock_system(), NULL);
  int64_t t0 = lr_clock_mono_ns(lr_clock_system());
  uint64_t total = run_hammers(l, THREADS, ITERS);
  int64_t elapsed = lr_clock_mono_ns(lr_clock_system()) - t0;
  cr_assert_geq(total, 100);
  cr_assert_leq(total, 100 + (uint64_t)(elapsed / MS) + 1);
  lr_limit_free(l);
}

Test(limit, extreme_rates) {
  lr_clock_manual clk;
  lr_clock_manual_init(&clk, 0, 0);
  /* 2^31 per millisecond: T = 10^6 / 2^31 ns, far below one tick */
  lr_limit *l = make(LR_LIMIT_MAX_MAX, MS, 0, 0, 0, &clk);
  lr_limit_result r = check(l, "fast", LR_LIMIT_MAX_MAX);
  cr_assert(r.allowed);
  cr_assert_eq(r.remaining, 0);
  cr_assert_eq(r.reset_ns, MS);
  r = check(l, "fast", 1);
  cr_assert_not(r.allowed);
  cr_assert_eq(r.retry_after_ns, 1);
  lr_clock_manual_advance(&clk, 1);
  r = check(l, "fast", 0); /* 1 ns refills floor(2^31 / 10^6) = 2147 */
  cr_assert_eq(r.remaining, 2147);
  cr_assert(check(l, "fast", 2147).allowed);
  cr_assert_not(check(l, "fast", 1).allowed);
  lr_clock_manual_advance(&clk, MS);
  cr_assert(check(l, "fast", LR_LIMIT_MAX_MAX).allowed);
  lr_limit_free(l);

  /* once forever, at the far end of the monotonic range */
  lr_clock_manual_init(&clk, LR_LIMIT_NOW_MAX - SEC, 0);
  l = make(1, LR_LIMIT_PER_FOREVER, 0, 0, 0, &clk);
  cr_assert(check(l, "session", 1).allowed);
  r = check(l, "session", 1);
  cr_assert_not(r.allowed);
  cr_assert_eq(r.retry_after_ns, LR_LIMIT_PER_FOREVER);
  lr_clock_manual_advance(&clk, 2 * SEC); /* clamped at LR_LIMIT_NOW_MAX */
  cr_assert_not(check(l, "session", 1).allowed);
  lr_limit_free(l);

  /* 2^31 per 73 years: spans of 2^61 ns times 2^31 need 92 bits */
  lr_clock_manual_init(&clk, SEC, 0);
  l = make(LR_LIMIT_MAX_MAX, LR_LIMIT_PER_FOREVER, 0, 0, 0, &clk);
  r = check(l, "big", 1);
  cr_assert(r.allowed);
  cr_assert_eq(r.remaining, LR_LIMIT_MAX_MAX - 1);
  r = check(l, "big", LR_LIMIT_MAX_MAX - 1);
  cr_assert(r.allowed);
  cr_assert_eq(r.remaining, 0);
  cr_assert_eq(r.reset_ns, LR_LIMIT_PER_FOREVER);
  lr_limit_free(l);
}

/* A reference GCRA in 128-bit rationals (time in units of 1/max ns). */
typedef struct {
  __extension__ __int128 tat;
} ref_state;

static void ref_step(ref_state *s, uint32_t max, int64_t per, uint32_t burst, int64_t now,
                     uint32_t cost, lr_limit_result *out) {
  __extension__ __int128 n = (__int128)now * max, tau = (__int128)burst * per;
  __extension__ __int128 tat = s->tat > n ? s->tat : n;
  __extension__ __int128 nt = tat + (__int128)cost * per;
  __extension__ __int128 d;
  out->allowed = cost <= burst && nt - n <= tau;
  if (out->allowed) {
    s->tat = nt;
    d = nt - n;
    out->retry_after_ns = 0;
  } else {
    d = tat - n;
    __extension__ __int128 need = nt - n - tau; /* in 1/max ns */
    out->retry_after_ns = cost > burst ? INT64_MAX : (int64_t)((need + max - 1) / max);
  }
  __extension__ __int128 rem = (tau - d) / per;
  out->remaining = rem < 0 ? 0 : (uint32_t)rem;
  out->reset_ns = (int64_t)((d + max - 1) / max);
}

Test(limit, matches_a_rational_reference) {
  uint64_t seed = 0x9e3779b97f4a7c15ULL;
#define RND() (seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17, seed)
  for (int round = 0; round < 200; round++) {
    uint32_t max = (uint32_t)(RND() % 1000) + 1;
    if (round % 5 == 0) max = (uint32_t)(RND() % LR_LIMIT_MAX_MAX) + 1;
    int64_t per = MS + (int64_t)(RND() % (uint64_t)(3600 * SEC));
    uint32_t burst = (uint32_t)(RND() % (max + 5)) + 1;
    if (!(((__int128)burst * per) / max <= LR_LIMIT_TICKS_MAX)) continue;
    lr_clock_manual clk;
    lr_clock_manual_init(&clk, (int64_t)(RND() % (1000 * SEC)), 0);
    lr_limit *l = make(max, per, burst, 0, 0, &clk);
    ref_state ref = {0};
    int64_t avg = per / max + 1;
    for (int i = 0; i < 300; i++) {
      uint32_t cost = RND() % 8 == 0 ? (uint32_t)(RND() % (burst + 2)) : 1;
      lr_limit_result got, want;
      lr_limit_check(l, LR_STR("r"), cost, &got);
      ref_step(&ref, max, per, burst, clk.mono_ns, cost, &want);
      cr_assert_eq(got.allowed, want.allowed, "round %d step %d", round, i);
      cr_assert_eq(got.remaining, want.remaining, "round %d step %d", round, i);
      cr_assert_eq(got.retry_after_ns, want.retry_after_ns, "round %d step %d", round, i);
      cr_assert_eq(got.reset_ns, want.reset_ns, "round %d step %d", round, i);
      lr_clock_manual_advance(&clk, (int64_t)(RND() % (uint64_t)(2 * avg)));
    }
    lr_limit_free(l);
  }
#undef RND
}

Test(limit, long_keys_and_binary_keys) {
  lr_clock_manual clk;
  lr_clock_manual_init(&clk, 0, 0);
  lr_limit *l = make(1, SEC, 0, 0, 0, &clk);
  static char big[LR_LIMIT_KEY_MAX + 1];
  memset(big, 'x', sizeof big);
  lr_limit_result r;
  cr_assert_eq(lr_limit_check(l, lr_str_make(big, sizeof big), 1, &r), LR_ERR);
  cr_assert_eq(lr_limit_check(l, lr_str_make(big, LR_LIMIT_KEY_MAX), 1, &r), LR_OK);
  /* keys are bytes: embedded NULs and the empty key are distinct keys */
  cr_assert_eq(lr_limit_check(l, lr_str_make("a\0b", 3), 1, &r), LR_OK);
  cr_assert(r.allowed);
  cr_assert_eq(lr_limit_check(l, lr_str_make("a\0c", 3), 1, &r), LR_OK);
  cr_assert(r.allowed);
  cr_assert_eq(lr_limit_check(l, lr_str_make("", 0), 1, &r), LR_OK);
  cr_assert(r.allowed);
  cr_assert_eq(lr_limit_check(l, lr_str_make("", 0), 1, &r), LR_OK);
  cr_assert_not(r.allowed);
  lr_limit_free(l);
}

Test(limit, headers) {
  lr_limit_config cfg = {.name = "ip-flood", .max = 100, .per_ns = 60 * SEC};
  lr_limit_result r = {
      .allowed = false, .remaining = 0, .retry_after_ns = 1500 * MS, .reset_ns = 59 * SEC + 1};
  lr_buf b = {0};
  lr_limit_format_policy(&cfg, &b);
  cr_assert_str_eq(b.p, "\"ip-flood\";q=100;w=60");
  lr_buf_clear(&b);
  lr_limit_format_state(&cfg, &r, &b);
  cr_assert_str_eq(b.p, "\"ip-flood\";r=0;t=60");
  cr_assert_eq(lr_limit_retry_after_s(&r), 2);
  r.retry_after_ns = 0;
  cr_assert_eq(lr_limit_retry_after_s(&r), 1);
  lr_buf_clear(&b);
  cfg.name = "we\"ird\\\n";
  cfg.per_ns = 1500 * MS;
  lr_limit_format_policy(&cfg, &b);
  cr_assert_str_eq(b.p, "\"we\\\"ird\\\\_\";q=100;w=2");
  lr_buf_clear(&b);
  cfg.name = NULL;
  lr_limit_format_policy(&cfg, &b);
  cr_assert_str_eq(b.p, "\"default\";q=100;w=2");
  lr_buf_free(&b);
}

Test(limit, prometheus_metrics) {
  lr_clock_manual clk;
  lr_clock_manual_init(&clk, SEC, 0);
  lr_limit_config a_cfg = {.name = "ip-flood", .max = 1, .per_ns = SEC};
  lr_limit_config b_cfg = {.name = "we\"ird\\\n", .max = 2, .per_ns = SEC};
  lr_limit *ls[2] = {lr_limit_new(&a_cfg, &clk.clock, NULL),
                     lr_limit_new(&b_cfg, &clk.clock, NULL)};
  check(ls[0], "x", 1);
  check(ls[0], "x", 1);
  check(ls[1], "y", 1);
  lr_buf b = {0};
  lr_limit_metrics(ls, 2, &b);
  cr_assert_not_null(strstr(b.p, "# TYPE larch_limit_checks_total counter\n"));
  cr_assert_not_null(
      strstr(b.p, "larch_limit_checks_total{policy=\"ip-flood\",result=\"allowed\"} 1\n"));
  cr_assert_not_null(
      strstr(b.p, "larch_limit_checks_total{policy=\"ip-flood\",result=\"limited\"} 1\n"));
  cr_assert_not_null(strstr(b.p, "larch_limit_keys{policy=\"we\\\"ird\\\\\\n\"} 1\n"), "%s", b.p);
  cr_assert_not_null(strstr(b.p, "larch_limit_keys_evicted_total{policy=\"ip-flood\"} 0\n"));
  /* one HELP per family */
  const char *first = strstr(b.p, "# HELP larch_limit_keys ");
  cr_assert_not_null(first);
  cr_assert_null(strstr(first + 1, "# HELP larch_limit_keys "));
  lr_buf_clear(&b);
  lr_limit_prom_seconds(&b, 50000);
  lr_buf_putc(&b, ' ');
  lr_limit_prom_seconds(&b, 12 * SEC);
  lr_buf_putc(&b, ' ');
  lr_limit_prom_seconds(&b, 1500 * MS);
  cr_assert_str_eq(b.p, "0.00005 12 1.5");
  lr_buf_free(&b);
  lr_limit_free(ls[0]);
  lr_limit_free(ls[1]);
}

Test(limit, transfer_keeps_debts_across_a_reload) {
  lr_clock_manual clk;
  lr_clock_manual_init(&clk, SEC, 0);
  lr_limit *a = make(10, SEC, 0, 0, 4, &clk);
  cr_assert(check(a, "busy", 10).allowed); /* 1 s of debt */
  cr_assert(check(a, "light", 1).allowed); /* 0.1 s */
  cr_assert(check(a, "idle", 1).allowed);
  lr_clock_manual_advance(&clk, 100 * MS); /* "idle" and "light" are back to full */
  cr_assert(check(a, "light", 1).allowed);

  /* same parameters, other shard count: identical answers */
  lr_limit *b = make(10, SEC, 0, 0, 16, &clk);
  cr_assert_eq(lr_limit_transfer(b, a, clk.mono_ns), 2);
  lr_limit_stats st;
  lr_limit_get_stats(a, &st);
  cr_assert_eq(st.keys, 0);
  lr_limit_result r = check(b, "busy", 0);
  cr_assert_eq(r.remaining, 1);
  cr_assert_eq(r.reset_ns, 900 * MS);
  cr_assert(check(b, "busy", 1).allowed);
  r = check(b, "busy", 1);
  cr_assert_not(r.allowed);
  cr_assert_eq(r.retry_after_ns, 100 * MS);
  r = check(b, "light", 0);
  cr_assert_eq(r.remaining, 9);

  /* three times the rate, other fractions (1/30 s): debts stay as time */
  lr_limit *c = make(30, SEC, 0, 0, 0, &clk);
  cr_assert_eq(lr_limit_transfer(c, b, clk.mono_ns), 2);
  r = check(c, "busy", 0);
  cr_assert_eq(r.reset_ns, SEC);
  cr_assert_eq(r.remaining, 0);
  r = check(c, "light", 0);
  cr_assert_eq(r.reset_ns, 100 * MS);
  cr_assert_eq(r.remaining, 27); /* (1 s - 0.1 s) / (1/30 s) */

  /* a much shorter window caps the debt at its tau */
  lr_limit *d = make(10, 100 * MS, 0, 0, 0, &clk);
  cr_assert_eq(lr_limit_transfer(d, c, clk.mono_ns), 2);
  r = check(d, "busy", 0);
  cr_assert_eq(r.reset_ns, 100 * MS);
  cr_assert_eq(r.remaining, 0);
  /* a key already used under the new rule keeps the larger debt */
  lr_limit *e = make(10, SEC, 0, 0, 0, &clk);
  cr_assert(check(e, "busy", 1).allowed); /* 0.1 s in e, 0.1 s (capped) in d */
  cr_assert(check(e, "busy", 1).allowed); /* now 0.2 s in e */
  cr_assert_eq(lr_limit_transfer(e, d, clk.mono_ns), 2);
  cr_assert_eq(check(e, "busy", 0).reset_ns, 200 * MS);
  /* fractions of a ns are rounded up, never down: 1/3 ns becomes 3/7 ns */
  lr_limit *f3 = make(3, SEC, 0, 0, 0, &clk), *f7 = make(7, SEC, 0, 0, 0, &clk);
  cr_assert(check(f3, "frac", 1).allowed);
  cr_assert_eq(check(f3, "frac", 0).reset_ns, 333333334);
  cr_assert_eq(lr_limit_transfer(f7, f3, clk.mono_ns), 1);
  lr_clock_manual_advance(&clk, 333333333);
  r = check(f7, "frac", 0); /* 3/7 ns of debt left, not 0 */
  cr_assert_eq(r.reset_ns, 1);
  cr_assert_eq(r.remaining, 6);
  lr_limit_free(f3);
  lr_limit_free(f7);
  lr_limit_free(a);
  lr_limit_free(b);
  lr_limit_free(c);
  lr_limit_free(d);
  lr_limit_free(e);
}
