/*
 * bench/authorize.h — shared parts of bench_authorize: a workload (policy
 * set, shared entity store, prepared requests, each with its own store when
 * the principal comes from a token) and the builders in authorize_work.c.
 */
#ifndef LARCH_BENCH_AUTHORIZE_H
#define LARCH_BENCH_AUTHORIZE_H

#include <stdio.h>

#include "policy.h"

typedef struct bench_rng {
  uint64_t s;
} bench_rng;

static inline uint32_t bench_next(bench_rng *r) {
  r->s ^= r->s << 13;
  r->s ^= r->s >> 7;
  r->s ^= r->s << 17;
  return (uint32_t)(r->s >> 11);
}
static inline int bench_pick(bench_rng *r, int n) { return (int)(bench_next(r) % (uint32_t)n); }

typedef struct workload {
  char name[64];
  lr_arena *arena; /* policies (sources, ASTs), requests */
  lr_policy_set set;
  lr_entities *base;
  lr_request *reqs;
  lr_entities **stores; /* per request (overlays over base), or NULL: base */
  size_t nreq;
  double parse_ms; /* parsing the policies */
  /* the sources added, with the range of set.policies each gave */
  const lr_source *srcs[32];
  size_t src_from[32], src_to[32], nsrcs;
} workload;

/* Releases everything w holds. */
void workload_free(workload *w);

/* Adds Cedar policy text to w->set (aborts with diagnostics on error). */
void workload_add_policies(workload *w, const char *name, const char *text, size_t len);
/* Parses entities JSON into w->base (aborts on error). */
void workload_set_entities(workload *w, const char *json, size_t len);
/* Appends a request; context is Cedar JSON (a record); store may be NULL. */
void workload_add_request(workload *w, const lr_uid *p, const lr_uid *a, const lr_uid *r,
                          const char *context_json, lr_entities *store);

/* Workload 1: the bundled rules/ (rules_dir) with realistic MCP tool calls
 * by token-authenticated users (tags, roles) — nreq requests. When emit is
 * not NULL, also writes, for bench/compare-cedar: emit/entities.json (the
 * rules' entities and every user), emit/requests.jsonl (the requests) and
 * emit/policies.json ({id: text} of the permit/forbid policies). */
void build_rules(workload *w, const char *rules_dir, size_t nreq, const char *emit);

/* Workload 2: Cedar-paper-shaped applications with n entities per type. */
void build_gdrive(workload *w, int n, size_t nreq);
void build_github(workload *w, int n, size_t nreq);
void build_tinytodo(workload *w, int n, size_t nreq);

/* Workload 3: npol generated policies over 1,000 users (100 roles) and
 * 1,000 tools (50 servers). */
void build_generated(workload *w, size_t npol, size_t nreq);
/* ntenants x 20 policies scoped to a tenant by a principal tag (indexed by
 * value: a request's candidates are its tenant's). */
void build_tenants(workload *w, int ntenants, size_t nreq);

#endif /* LARCH_BENCH_AUTHORIZE_H */
