/*
 * metrics.c — per-worker counters and their Prometheus text exposition
 * (format 0.0.4): requests by route and status class, upstream errors by
 * kind, a request latency histogram, open connections.
 */
#include <stddef.h>
#include <stdio.h>

#include "ops.h"
#include "worker.h"

const char *const lr_uperr_names[LR_UPERR_KINDS] = {
    "connect", "connect_timeout", "timeout", "reset", "tls", "protocol"};
const double lr_lat_bounds[LR_LAT_BUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                              0.1,    0.25,  0.5,    1,     2.5,  5,     10};

void lr_metrics_request(lr_metrics *m, const lr_route *route, int status, int64_t ns) {
  size_t r = route ? route->index : LR_ROUTES_MAX;
  int cls = status / 100;
  if (cls < 1 || cls > 5) cls = 5;
  LR_METRIC_ADD(m->requests[r][cls - 1], 1);
  double sec = (double)ns / 1e9;
  size_t b = 0;
  while (b < LR_LAT_BUCKETS && sec > lr_lat_bounds[b]) b++;
  LR_METRIC_ADD(m->lat_buckets[b], 1);
  LR_METRIC_ADD(m->lat_sum_us, (uint64_t)(ns / 1000));
  LR_METRIC_ADD(m->lat_count, 1);
}

void lr_metrics_histogram(lr_buf *out, const char *name, const double *bounds, size_t nbounds,
                          const uint64_t *counts, double sum) {
  uint64_t cum = 0;
  for (size_t b = 0; b <= nbounds; b++) {
    cum += counts[b];
    if (b < nbounds)
      lr_buf_printf(out, "%s_bucket{le=\"%g\"} %llu\n", name, bounds[b], (unsigned long long)cum);
    else
      lr_buf_printf(out, "%s_bucket{le=\"+Inf\"} %llu\n", name, (unsigned long long)cum);
  }
  lr_buf_printf(out, "%s_sum %.9g\n%s_count %llu\n", name, sum, name, (unsigned long long)cum);
}

/* Sums over every worker the counter at byte offset off of lr_metrics. */
static uint64_t sum(const lr_server *s, size_t off) {
  uint64_t t = 0;
  for (int i = 0; i < s->nworkers; i++) {
    uint64_t *p = (uint64_t *)((char *)&s->workers[i].m + off);
    t += LR_METRIC_GET(*p);
  }
  return t;
}
#define SUM(s, field) sum((s), offsetof(lr_metrics, field))

void lr_server_metrics(const lr_server *s, lr_buf *out) {
  const lr_serve_config *cfg = s->cfg;
  lr_buf_puts(out, "# HELP larch_requests_total Requests answered, by route and status class.\n"
                   "# TYPE larch_requests_total counter\n");
  for (size_t r = 0; r <= cfg->nroutes; r++) {
    size_t slot = r < cfg->nroutes ? r : LR_ROUTES_MAX;
    const char *name = r < cfg->nroutes ? cfg->routes[r].name : "none";
    for (int c = 0; c < 5; c++) {
      uint64_t v = SUM(s, requests[slot][c]);
      if (v || c == 1 || c == 4)
        lr_buf_printf(out, "larch_requests_total{route=\"%s\",class=\"%dxx\"} %llu\n", name, c + 1,
                      (unsigned long long)v);
    }
  }
  lr_buf_puts(out, "# HELP larch_upstream_errors_total Upstream failures, by kind.\n"
                   "# TYPE larch_upstream_errors_total counter\n");
  for (int k = 0; k < LR_UPERR_KINDS; k++)
    lr_buf_printf(out, "larch_upstream_errors_total{kind=\"%s\"} %llu\n", lr_uperr_names[k],
                  (unsigned long long)SUM(s, upstream_errors[k]));
  lr_buf_puts(out, "# HELP larch_request_duration_seconds Time from request head to answer.\n"
                   "# TYPE larch_request_duration_seconds histogram\n");
  uint64_t counts[LR_LAT_BUCKETS + 1];
  for (int b = 0; b <= LR_LAT_BUCKETS; b++) counts[b] = SUM(s, lat_buckets[b]);
  lr_metrics_histogram(out, "larch_request_duration_seconds", lr_lat_bounds, LR_LAT_BUCKETS, counts,
                       (double)SUM(s, lat_sum_us) / 1e6);
  lr_buf_printf(out,
                "# HELP larch_open_connections Client connections open now.\n"
                "# TYPE larch_open_connections gauge\nlarch_open_connections %lld\n",
                (long long)SUM(s, open_conns));
  lr_buf_printf(out,
                "# HELP larch_upstream_connections Upstream connections open now (busy or idle).\n"
                "# TYPE larch_upstream_connections gauge\nlarch_upstream_connections %lld\n",
                (long long)SUM(s, upstream_conns));
  lr_buf_printf(out,
                "# HELP larch_connections_accepted_total Client connections accepted.\n"
                "# TYPE larch_connections_accepted_total counter\n"
                "larch_connections_accepted_total %llu\n",
                (unsigned long long)SUM(s, accepted));
  lr_buf_printf(out,
                "# HELP larch_reloads_total Successful reloads (including the first load).\n"
                "# TYPE larch_reloads_total counter\nlarch_reloads_total %llu\n",
                (unsigned long long)__atomic_load_n(&s->reloads, __ATOMIC_RELAXED));
  lr_buf_printf(out,
                "# HELP larch_reload_failures_total Reloads refused (the running set stayed).\n"
                "# TYPE larch_reload_failures_total counter\nlarch_reload_failures_total %llu\n",
                (unsigned long long)__atomic_load_n(&s->reload_failures, __ATOMIC_RELAXED));
  lr_buf_printf(out,
                "# HELP larch_ready 1 when ready to serve.\n# TYPE larch_ready gauge\n"
                "larch_ready %d\n",
                lr_server_ready(s) ? 1 : 0);
  lr_ops_metrics(s->ops, out);
  lr_pipeline_metrics(s->pipeline, out); /* stages' own families (limits, masking) */
}
