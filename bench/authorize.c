/*
 * bench/authorize.c — authorization cost of the compiled policy set
 * (lr_cset_authorize) next to the interpreter (lr_authorize) in the same
 * run, on three families of workloads (authorize.h):
 *   1. the bundled rules/ with realistic MCP tool calls (token users with
 *      tags and roles as a per-request overlay store, context.args records,
 *      times, client IPs, PII findings);
 *   2. Google Drive / GitHub / TinyTodo-shaped sets with 5 and 50 entities
 *      per type (Cedar's paper benchmarks), and multi-tenant sets of 1,000
 *      and 10,000 policies scoped to a tenant by a principal tag;
 *   3. generated sets of 10, 100, 1,000 and 10,000 policies over 1,000
 *      users and tools, with the 10,000/10 median ratio (and the
 *      10,000/100 ratio);
 * plus the load time (parse + compile) and memory per policy of 10,000
 * policies.
 *
 * Each request is timed alone (CLOCK_MONOTONIC, the timer's own cost
 * subtracted), twice in a row: median (see med()) and p99 are of the second (warm)
 * run — a proxy decides a request it has just built, in cache — and
 * cold_med is the median of the first run, with the request's context and
 * store coming from memory. interp_med: the interpreter's warm median on
 * the same requests (a sample of them for large sets).
 * Every decision of the first pass is folded into a hash (printed), and
 * checked identical to the interpreter's, so a fast wrong run cannot pass.
 *
 * usage: bench_authorize [--quick] [--compiled-only] [--rules DIR]
 *                        [--only rules|apps|tenants|generated]
 *        bench_authorize --emit DIR N [--rules DIR]   (writes workload 1 with
 *        N requests for bench/compare-cedar and exits)
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "authorize.h"

#ifndef LR_BENCH_RULES
#define LR_BENCH_RULES "rules"
#endif

static inline int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_i64(const void *x, const void *y) {
  int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
  return (a > b) - (a < b);
}

static double pct(int64_t *v, size_t n, double p) {
  qsort(v, n, sizeof *v, cmp_i64);
  return (double)v[(size_t)(p * (double)(n - 1))];
}

/* The median of n timings: the mean of the middle fifth of them, sorted.
 * The timer steps by 10 ns on some virtual machines (this one) — a tenth of
 * a small set's whole cost — so a plain median jumps from step to step;
 * the mean around it falls between the steps as the true median does
 * (each run starts at a random point between two steps). */
static double med(int64_t *v, size_t n) {
  if (n < 5) return pct(v, n, 0.5);
  qsort(v, n, sizeof *v, cmp_i64);
  size_t lo = n * 2 / 5, hi = n * 3 / 5;
  double sum = 0;
  for (size_t i = lo; i < hi; i++) sum += (double)v[i];
  return sum / (double)(hi - lo);
}

static int64_t timer_cost;

static void measure_timer(void) {
  enum { N = 20001 };
  static int64_t v[N];
  for (size_t i = 0; i < N; i++) {
    int64_t t0 = now_ns();
    v[i] = now_ns() - t0;
  }
  timer_cost = (int64_t)pct(v, N, 0.5);
}

static uint64_t fnv(uint64_t h, const char *s) {
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
  return (h ^ 0xff) * 0x100000001b3ull;
}

static uint64_t hash_decision(uint64_t h, const lr_decision *d) {
  h = fnv(h, d->allow ? "allow" : "deny");
  for (size_t i = 0; i < d->nreasons; i++) h = fnv(h, d->reasons[i]);
  for (size_t i = 0; i < d->nerrors; i++)
    h = fnv(fnv(h, d->errors[i].policy_id), d->errors[i].message);
  for (size_t i = 0; i < d->nguards; i++) h = fnv(h, d->guards[i]->id);
  return h;
}

typedef struct result {
  double med, p99, cold_med, interp_med;
  uint64_t hash;
  size_t allows, errors, timed;
} result;

static const lr_entities *store_of(const workload *w, size_t i) {
  return w->stores && w->stores[i] ? w->stores[i] : w->base;
}

/* Times the requests for budget_ns (at least one pass over min(nreq, cap)
 * requests), compiled (c) or interpreted (c NULL). Each request is decided
 * twice in a row: the first run (cold: the request's context and store come
 * from memory, as they cycle through thousands of requests) goes to cold,
 * the second (warm: as a proxy decides a request it has just built) to
 * warm. Returns the number of samples in each. */
static size_t timed(const workload *w, const lr_cset *c, size_t cap, int64_t budget_ns,
                    int64_t *warm, int64_t *cold, size_t max) {
  lr_arena *ra = lr_arena_new(1 << 16);
  size_t n = w->nreq < cap ? w->nreq : cap, k = 0;
  int64_t start = now_ns();
  for (size_t round = 0; k < max && (round == 0 || now_ns() - start < budget_ns); round++) {
    for (size_t i = 0; i < n && k < max; i++) {
      lr_decision d;
      const lr_entities *es = store_of(w, i);
      for (int pass = 0; pass < 2; pass++) {
        int64_t t0 = now_ns();
        if (c)
          lr_cset_authorize(c, ra, es, &w->reqs[i], &d);
        else
          lr_authorize(ra, w->set.insts, w->set.ninsts, es, &w->reqs[i], &d);
        (pass ? warm : cold)[k] = now_ns() - t0 - timer_cost;
        lr_arena_reset(ra);
      }
      k++;
    }
  }
  lr_arena_free(ra);
  return k;
}

/* The first pass (hash, interpreter check on up to check requests), then
 * the timings. */
static void run(const workload *w, const lr_cset *c, size_t check, double budget_s, result *res) {
  *res = (result){.hash = 0xcbf29ce484222325ull};
  lr_arena *ra = lr_arena_new(1 << 16);
  for (size_t i = 0; i < w->nreq; i++) {
    lr_decision dc, di;
    lr_cset_authorize(c, ra, store_of(w, i), &w->reqs[i], &dc);
    res->hash = hash_decision(res->hash, &dc);
    res->allows += dc.allow;
    res->errors += dc.nerrors > 0;
    if (i < check) {
      lr_authorize(ra, w->set.insts, w->set.ninsts, store_of(w, i), &w->reqs[i], &di);
      lr_buf why = {0};
      if (!lr_decision_same(&di, &dc, &why)) {
        fprintf(stderr, "bench_authorize: %s: request %zu: compiled and interpreter differ: %s\n",
                w->name, i, why.p);
        exit(1);
      }
    }
    lr_arena_reset(ra);
  }
  lr_arena_free(ra);
  enum { MAX = 300000 };
  int64_t *s = lr_xmalloc(MAX * sizeof *s), *cold = lr_xmalloc(MAX * sizeof *s);
  size_t n = timed(w, c, SIZE_MAX, (int64_t)(budget_s * 1e9), s, cold, MAX);
  res->timed = n;
  res->med = med(s, n);
  res->p99 = pct(s, n, 0.99);
  res->cold_med = med(cold, n);
  if (check) {
    n = timed(w, NULL, check, (int64_t)(budget_s * 0.3e9), s, cold, MAX);
    res->interp_med = med(s, n);
  }
  free(s);
  free(cold);
}

/* The 10k/10 ratio measured so that machine noise hits both sides alike:
 * SLICES short slices alternate between the two sets (which slice goes
 * first alternates too); each slice pair gives a ratio of warm medians; the
 * figure is the median ratio. Separate runs minutes apart on a shared
 * machine can differ by 1.7x on the same set, which a ratio of two such
 * runs inherits. */
enum { SLICES = 15 };

static void interleaved(const workload *w, lr_cset *const *c, double budget, double *ratio,
                        double *med10, double *med10k) {
  enum { MAX = 200000 };
  int64_t *s = lr_xmalloc(MAX * sizeof *s), *cold = lr_xmalloc(MAX * sizeof *s);
  int64_t rs[SLICES], m0[SLICES], m1[SLICES];
  for (int k = 0; k < SLICES; k++) {
    double m[2];
    for (int j = 0; j < 2; j++) {
      int which = (k & 1) ? 1 - j : j;
      size_t n = timed(&w[which], c[which], SIZE_MAX, (int64_t)(budget * 0.1e9), s, cold, MAX);
      m[which] = med(s, n);
    }
    rs[k] = (int64_t)(m[1] / (m[0] > 0 ? m[0] : 1) * 1e6);
    m0[k] = (int64_t)(m[0] * 1000), m1[k] = (int64_t)(m[1] * 1000);
  }
  *ratio = pct(rs, SLICES, 0.5) / 1e6;
  *med10 = pct(m0, SLICES, 0.5) / 1000;
  *med10k = pct(m1, SLICES, 0.5) / 1000;
  free(s);
  free(cold);
}

static void header(void) {
  printf("%-26s %8s %5s %9s %7s %8s %10s %8s %6s %6s  %s\n", "workload", "policies", "reqs",
         "median_ns", "p99_ns", "cold_med", "interp_med", "speedup", "allow", "error",
         "decisions hash");
}

static void row(const workload *w, const result *r) {
  printf("%-26s %8zu %5zu %9.0f %7.0f %8.0f %10.0f %7.1fx %5.1f%% %5.1f%%  %016llx\n", w->name,
         w->set.ninsts, w->nreq, r->med, r->p99, r->cold_med, r->interp_med,
         r->interp_med / (r->med > 0 ? r->med : 1), 100.0 * (double)r->allows / (double)w->nreq,
         100.0 * (double)r->errors / (double)w->nreq, (unsigned long long)r->hash);
  fflush(stdout);
}

static lr_cset *compile(workload *w, double *ms) {
  int64_t t0 = now_ns();
  lr_cset *c = lr_cset_compile(&w->set, NULL);
  lr_cset_bind(c, w->base); /* as larch serve does with its entities */
  if (ms) *ms = (double)(now_ns() - t0) / 1e6;
  return c;
}

/* Parse + compile of the generated 10,000-policy text, median of runs. */
static void load_figures(const workload *w, double *parse_ms, double *compile_ms, double *ast_bytes,
                         double *cset_bytes) {
  enum { RUNS = 5 };
  double p[RUNS], c[RUNS];
  const lr_source *src = w->srcs[0];
  for (int i = 0; i < RUNS; i++) {
    lr_arena *a = lr_arena_new(1 << 16);
    lr_policy_set set = {0};
    lr_diags d = {0};
    int64_t t0 = now_ns();
    lr_policy_set_add_source(a, &set, src, 0, &d);
    int64_t t1 = now_ns();
    lr_cset *cs = lr_cset_compile(&set, NULL);
    lr_cset_bind(cs, w->base); /* part of a load, as in larch serve */
    int64_t t2 = now_ns();
    p[i] = (double)(t1 - t0) / 1e6, c[i] = (double)(t2 - t1) / 1e6;
    lr_cset_stats st;
    lr_cset_get_stats(cs, &st);
    *ast_bytes = (double)(lr_arena_bytes(a) - src->len) / (double)set.ninsts;
    *cset_bytes = (double)(st.bytes + st.bound_bytes) / (double)set.ninsts;
    lr_cset_unref(cs);
    lr_diags_free(&d);
    lr_arena_free(a);
  }
  int64_t pi[RUNS], ci[RUNS];
  for (int i = 0; i < RUNS; i++) pi[i] = (int64_t)(p[i] * 1e6), ci[i] = (int64_t)(c[i] * 1e6);
  *parse_ms = pct(pi, RUNS, 0.5) / 1e6;
  *compile_ms = pct(ci, RUNS, 0.5) / 1e6;
}

int main(int argc, char **argv) {
  const char *rules = LR_BENCH_RULES, *emit = NULL;
  size_t emit_n = 0;
  bool quick = false, compiled_only = false;
  const char *only = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--quick") == 0)
      quick = true;
    else if (strcmp(argv[i], "--compiled-only") == 0)
      compiled_only = true; /* no interpreter check or timing (for profiling) */
    else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
      only = argv[++i];
    else if (strcmp(argv[i], "--rules") == 0 && i + 1 < argc)
      rules = argv[++i];
    else if (strcmp(argv[i], "--emit") == 0 && i + 2 < argc)
      emit = argv[++i], emit_n = strtoul(argv[++i], NULL, 10);
    else {
      fprintf(stderr, "usage: bench_authorize [--quick] [--compiled-only] [--rules DIR] [--only "
                      "rules|apps|tenants|generated] "
                      "[--emit DIR N]\n");
      return 2;
    }
  }
  if (emit) {
    workload w = {0};
    build_rules(&w, rules, emit_n, emit);
    workload_free(&w);
    return 0;
  }
  double budget = quick ? 0.2 : 1.0;
  measure_timer();
  printf("bench_authorize: compiled (lr_cset_authorize) vs interpreter (lr_authorize), ns per "
         "request, each timed alone, warm\n(cold_med: first run of each request; timer cost %lld "
         "ns subtracted)\n",
         (long long)timer_cost);
  header();
  result r;
  double w1 = 0, g10 = 0, g100 = 0, g10k = 0, t1k = 0, t10k = 0;
  if (!only || strcmp(only, "rules") == 0) {
    workload w = {0};
    build_rules(&w, rules, 4096, NULL);
    lr_cset *c = compile(&w, NULL);
    run(&w, c, compiled_only ? 0 : w.nreq, budget, &r);
    row(&w, &r);
    w1 = r.med;
    lr_cset_unref(c);
    workload_free(&w);
  }
  for (int n = 5; n <= 50 && (!only || strcmp(only, "apps") == 0); n += 45) {
    void (*builders[3])(workload *, int, size_t) = {build_gdrive, build_github, build_tinytodo};
    for (int k = 0; k < 3; k++) {
      workload w = {0};
      builders[k](&w, n, 2048);
      lr_cset *c = compile(&w, NULL);
      run(&w, c, compiled_only ? 0 : w.nreq, budget / 2, &r);
      row(&w, &r);
      lr_cset_unref(c);
      workload_free(&w);
    }
  }
  for (int n = 50; n <= 500 && (!only || strcmp(only, "tenants") == 0); n *= 10) {
    workload w = {0}; /* 1,000 and 10,000 policies scoped to a tenant */
    build_tenants(&w, n, 2048);
    lr_cset *c = compile(&w, NULL);
    run(&w, c, compiled_only ? 0 : 256, budget / 2, &r);
    row(&w, &r);
    *(n == 50 ? &t1k : &t10k) = r.med;
    lr_cset_unref(c);
    workload_free(&w);
  }
  double parse_ms = 0, compile_ms = 0, ast_b = 0, cset_b = 0;
  workload keep[2]; /* the 10- and 10,000-policy sets, for the interleaved ratio */
  memset(keep, 0, sizeof keep);
  lr_cset *keep_c[2] = {NULL, NULL};
  for (size_t npol = 10; npol <= 10000 && (!only || strcmp(only, "generated") == 0); npol *= 10) {
    workload w = {0};
    build_generated(&w, npol, 4096);
    lr_cset *c = compile(&w, NULL);
    run(&w, c, compiled_only ? 0 : npol >= 10000 ? 256 : npol >= 1000 ? 1024 : w.nreq, budget, &r);
    row(&w, &r);
    if (npol == 10) g10 = r.med;
    if (npol == 100) g100 = r.med;
    if (npol == 10000) {
      g10k = r.med;
      load_figures(&w, &parse_ms, &compile_ms, &ast_b, &cset_b);
    }
    if (npol == 10 || npol == 10000) {
      keep[npol == 10000] = w;
      keep_c[npol == 10000] = c;
      continue;
    }
    lr_cset_unref(c);
    workload_free(&w);
  }
  double ratio_med = 0, slice10 = 0, slice10k = 0;
  if (keep_c[0] && keep_c[1]) interleaved(keep, keep_c, budget, &ratio_med, &slice10, &slice10k);
  for (int k = 0; k < 2; k++) {
    if (!keep_c[k]) continue;
    lr_cset_unref(keep_c[k]);
    workload_free(&keep[k]);
  }
  if (parse_ms > 0) {
    printf("\nload of 10,000 policies: parse %.1f ms + compile %.1f ms = %.1f ms (median of 5)\n",
           parse_ms, compile_ms, parse_ms + compile_ms);
    printf("memory per policy (10,000): AST %.0f B + compiled %.0f B = %.0f B\n", ast_b, cset_b,
           ast_b + cset_b);
  }
  /* figure lines only for what this run measured (--only selects) */
  printf("\n");
  if (w1 > 0) printf("figure: authorize rules/ median | %.0f ns | target <= 1000 ns\n", w1);
  if (t1k > 0 && t10k > 0)
    printf("figure: authorize tenants 10k/1k policies median ratio | %.2fx (%.0f / %.0f ns) | -\n",
           t10k / t1k, t10k, t1k);
  if (g10 > 0 && g10k > 0) {
    printf("figure: authorize 10k/10 policies median ratio | %.2fx (%.0f / %.0f ns) | target "
           "<= 2x\n",
           g10k / g10, g10k, g10);
    printf("figure: authorize 10k/10 interleaved (median of %d slice ratios) | %.2fx (%.0f / "
           "%.0f ns) | target <= 2x\n",
           SLICES, ratio_med, slice10k, slice10);
    printf("figure: authorize 10k/100 policies median ratio (both indexed) | %.2fx (%.0f / %.0f "
           "ns) | -\n",
           g10k / g100, g10k, g100);
  }
  if (parse_ms > 0) {
    printf("figure: load 10k policies (parse + compile) | %.1f ms | target <= 200 ms\n",
           parse_ms + compile_ms);
    printf("figure: memory per policy (10k) | %.0f B | -\n", ast_b + cset_b);
  }
  return 0;
}
