/*
 * limit.h — rate limiting: GCRA arithmetic and the in-process keyed limiter.
 *
 * Three layers, each usable alone:
 *
 *  1. lr_limit_rate: the Generic Cell Rate Algorithm (ITU-T I.371 "virtual
 *     scheduling", the algorithm behind token buckets) in fixed-point
 *     integers, on an abstract tick (1 ns in process, 1 µs in Redis). A key's
 *     whole state is one "theoretical arrival time" (TAT). With an emission
 *     interval T = per / max and a tolerance tau = burst * T, a request of
 *     cost n is allowed when (max(TAT, now) + n*T) - now <= tau, and then TAT
 *     becomes max(TAT, now) + n*T. T is usually not a whole number of ticks
 *     (1 ms / 2^31 is 0.0005 ns), so times are kept as a pair (whole ticks,
 *     fraction in units of 1/max tick): exact, no floats, no drift. Limits
 *     below keep every sum inside int64_t (see LR_LIMIT_TICKS_MAX).
 *
 *  2. lr_limit: a thread-safe table of keys (byte strings) → TAT with idle
 *     expiry and a memory cap.
 *
 *     Concurrency choice: the table is split into shards (a power of two,
 *     64 by default) by key hash; each shard has its own mutex, hash map and
 *     LRU list. A check locks exactly one shard for a few dozen instructions,
 *     so workers only meet when they touch keys of the same shard at the
 *     same instant; there is no global lock. Per-worker tables were rejected
 *     because they cannot be exact: a key shared by N workers would allow up
 *     to N times its limit. With shards, a key's state lives in one place and
 *     is updated under its lock, so N workers hammering one key get exactly
 *     the allowed count in total.
 *
 *     Expiry is lossless: a key whose TAT is not after now is in the same
 *     state as a key never seen, so it can be dropped at any time without
 *     changing a single answer. Every check drops up to two such keys from
 *     the cold end of its shard's LRU list, and lr_limit_sweep does the same
 *     in bulk (call it from a timer). A key idle for longer than tau is
 *     always expired.
 *
 *     Memory cap: each shard gets max_bytes / shards; when inserting a new
 *     key would pass it, least recently used keys of that shard are evicted
 *     first. Evicting a key that is still limited forgets its debt (the next
 *     request of that key starts with a full burst) — this is counted in
 *     evictions so operators see when the cap is too small.
 *
 *  3. Header helpers for the IETF RateLimit fields
 *     (draft-ietf-httpapi-ratelimit-headers: `RateLimit-Policy: "p";q=100;w=60`
 *     and `RateLimit: "p";r=42;t=5`) and Retry-After (RFC 9110 §10.2.3).
 *
 * Time is a parameter: lr_limit_check reads the lr_clock given at creation,
 * lr_limit_check_at takes the monotonic time directly (so one request can
 * read the clock once for all its limits).
 */
#ifndef LARCH_LIMIT_H
#define LARCH_LIMIT_H

#include "base.h"

#include <stdbool.h>
#include <stdint.h>

/* Bounds that keep all GCRA sums inside int64_t: tau and per are at most
 * 2^61 ticks (73 years in ns), now is at most 2^62 ticks. */
#define LR_LIMIT_TICKS_MAX ((int64_t)1 << 61)
#define LR_LIMIT_NOW_MAX ((int64_t)1 << 62)
/* max and burst are 1 .. 2^31. */
#define LR_LIMIT_MAX_MAX ((uint32_t)1 << 31)
/* "per session" quotas: a period so long nothing refills in practice. */
#define LR_LIMIT_PER_FOREVER LR_LIMIT_TICKS_MAX
/* Longest key accepted by lr_limit_check (callers hash longer keys). */
#define LR_LIMIT_KEY_MAX 1024
/* Smallest period accepted by lr_limit_new, in ns (1 ms). */
#define LR_LIMIT_PER_MIN_NS ((int64_t)1000000)

/* ---- 1. GCRA arithmetic ------------------------------------------------- */

/* A rate in ticks, precomputed by lr_limit_rate_init. A plain value: copy it
 * freely. Fields are read-only for callers. */
typedef struct lr_limit_rate {
  uint32_t max;    /* requests per period; also the fraction denominator */
  uint32_t burst;  /* requests allowed back to back from an idle state */
  int64_t per;     /* period in ticks */
  int64_t t_int;   /* emission interval T = per/max: whole ticks ... */
  uint32_t t_frac; /* ... plus t_frac/max of a tick */
  int64_t tau_int; /* tolerance tau = burst*T, same representation */
  uint32_t tau_frac;
} lr_limit_rate;

/* A point or span of time in ticks: i + f/max, with 0 <= f < max. */
typedef struct lr_limit_time {
  int64_t i;
  uint32_t f;
} lr_limit_time;

/* The answer to one check. All durations in ns, all rounded up. */
typedef struct lr_limit_result {
  bool allowed;
  uint32_t remaining;     /* requests of cost 1 that would pass right now */
  int64_t retry_after_ns; /* when limited: wait this long; 0 when allowed;
                             INT64_MAX when cost > burst (never passes) */
  int64_t reset_ns;       /* until the key is back to a full burst */
} lr_limit_result;

/* Fills r for `max` requests per `per` ticks with `burst` back to back
 * (0 means burst = max). Returns LR_ERR (r untouched) when max or burst is
 * outside 1..2^31, per outside 1..LR_LIMIT_TICKS_MAX, or tau would exceed
 * LR_LIMIT_TICKS_MAX. */
lr_status lr_limit_rate_init(lr_limit_rate *r, uint32_t max, int64_t per, uint32_t burst);

/* cost * T as a span. cost must be <= r->burst (then it cannot overflow). */
lr_limit_time lr_limit_rate_cost(const lr_limit_rate *r, uint32_t cost);

/* One GCRA step on *tat at time now (0 <= now <= LR_LIMIT_NOW_MAX), consuming
 * `cost` (0 only reports the state). Updates *tat when allowed; fills out
 * with durations converted from ticks by multiplying with tick_ns. A zeroed
 * *tat is a never-seen key. */
void lr_limit_gcra(const lr_limit_rate *r, lr_limit_time *tat, int64_t now, uint32_t cost,
                   int64_t tick_ns, lr_limit_result *out);

/* Fills out from the backlog d = TAT - now (clamped at 0) after a decision:
 * for an allowed request the backlog after consuming, for a limited one the
 * backlog before, plus the cost that was refused. Used by lr_limit_gcra and
 * by the Redis backend, whose script returns the backlog. */
void lr_limit_result_from_backlog(const lr_limit_rate *r, bool allowed, lr_limit_time d,
                                  uint32_t cost, int64_t tick_ns, lr_limit_result *out);

/* ---- 2. the keyed in-process limiter ------------------------------------ */

typedef struct lr_limit lr_limit;

typedef struct lr_limit_config {
  const char *name; /* policy id, for headers and Redis keys (copied); may be NULL */
  uint32_t max;     /* requests per period, 1 .. 2^31 */
  int64_t per_ns;   /* period: LR_LIMIT_PER_MIN_NS .. LR_LIMIT_PER_FOREVER */
  uint32_t burst;   /* back-to-back requests allowed; 0 = max */
  size_t max_bytes; /* memory cap for the key table; 0 = 64 MiB */
  unsigned shards;  /* power of two, 1 .. 4096; 0 = 64 */
  uint64_t seed;    /* hash seed: pass a random value so that clients cannot
                       aim many keys at one slot or shard (lr_hash is fast, not
                       keyed-secure: this raises the bar, it is no proof) */
} lr_limit_config;

typedef struct lr_limit_stats {
  uint64_t keys;    /* keys held now */
  uint64_t bytes;   /* bytes accounted to them (against max_bytes) */
  uint64_t allowed; /* checks answered allowed */
  uint64_t limited; /* checks answered limited */
  uint64_t expired; /* keys dropped because their state was idle (lossless) */
  uint64_t evicted; /* keys dropped by the memory cap while still carrying state */
} lr_limit_stats;

/* Creates a limiter reading time from clock (borrowed; must outlive it).
 * Returns NULL and sets *why (a static string) when cfg is invalid. Caller
 * frees with lr_limit_free. */
lr_limit *lr_limit_new(const lr_limit_config *cfg, const lr_clock *clock, const char **why);
/* Frees the limiter and every key. NULL is accepted. Not concurrent with
 * checks. */
void lr_limit_free(lr_limit *l);

/* Checks key (any bytes, at most LR_LIMIT_KEY_MAX) and consumes `cost`
 * (usually 1; 0 only reports). Thread-safe. Returns LR_ERR (out untouched)
 * only for an over-long key; the caller fails closed or hashes the key. */
lr_status lr_limit_check(lr_limit *l, lr_str key, uint32_t cost, lr_limit_result *out);
/* The same at an explicit monotonic time in ns (0 .. LR_LIMIT_NOW_MAX). */
lr_status lr_limit_check_at(lr_limit *l, lr_str key, uint32_t cost, int64_t now_ns,
                            lr_limit_result *out);

/* Drops up to budget_per_shard idle keys per shard (the LRU cold end) at
 * time now_ns; returns how many were dropped. Thread-safe. */
size_t lr_limit_sweep(lr_limit *l, int64_t now_ns, size_t budget_per_shard);

/* Moves every key that still carries state from src into dst (a policy
 * reload: the new rule keeps the old debts, so a reload never resets a
 * limit). Time debt is kept as time: the TAT is converted to dst's
 * fractions (rounded up) and capped at now + dst's tau, so a stricter rule
 * starts keys at worst empty and a looser one credits them. A key already
 * in dst keeps the larger debt. src is left empty (its counters stay).
 * Returns how many keys moved. Safe against checks on dst; checks on src
 * during the transfer may be lost. Not concurrent with another transfer. */
size_t lr_limit_transfer(lr_limit *dst, lr_limit *src, int64_t now_ns);

/* Sums the per-shard counters (each shard read under its lock). */
void lr_limit_get_stats(lr_limit *l, lr_limit_stats *out);

/* The configuration as validated (name may be NULL; burst filled in). */
const lr_limit_config *lr_limit_config_of(const lr_limit *l);
/* The rate in ns ticks. */
const lr_limit_rate *lr_limit_rate_of(const lr_limit *l);
/* The clock given at creation. */
const lr_clock *lr_limit_clock(const lr_limit *l);

/* ---- 3. response headers ------------------------------------------------ */

/* Appends the value of a RateLimit-Policy field item for this limiter:
 * `"name";q=<max>;w=<per in s, rounded up>` (name "default" when unset; the
 * name is written as a structured-field string, RFC 8941 §3.3.3: `"` and `\`
 * escaped, bytes outside printable ASCII replaced by `_`). */
void lr_limit_format_policy(const lr_limit_config *cfg, lr_buf *out);
/* Appends the value of a RateLimit field item: `"name";r=<remaining>;t=<reset
 * in s, rounded up>`. */
void lr_limit_format_state(const lr_limit_config *cfg, const lr_limit_result *res, lr_buf *out);
/* Seconds for a Retry-After field: retry_after_ns rounded up, at least 1. */
int64_t lr_limit_retry_after_s(const lr_limit_result *res);

/* ---- 4. metrics ---------------------------------------------------------- */

/* Appends Prometheus text exposition for n limiters (one label set per
 * limiter, policy="<name>"; HELP and TYPE once per family):
 *   larch_limit_checks_total{policy,result="allowed"|"limited"}  counter
 *   larch_limit_keys{policy}, larch_limit_key_bytes{policy}       gauges
 *   larch_limit_keys_expired_total{policy}                        counter
 *   larch_limit_keys_evicted_total{policy}                        counter
 * Reads each limiter's stats (lr_limit_get_stats). */
void lr_limit_metrics(lr_limit *const *limits, size_t n, lr_buf *out);
/* Appends s as a Prometheus label value (quotes included; \, " and newline
 * escaped). */
void lr_limit_prom_label(lr_buf *out, const char *s);
/* Appends ns as decimal seconds without floating point ("0.00005", "12"). */
void lr_limit_prom_seconds(lr_buf *out, int64_t ns);

#endif /* LARCH_LIMIT_H */
