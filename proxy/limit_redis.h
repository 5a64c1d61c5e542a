/*
 * limit_redis.h — cluster-wide GCRA in Redis, for the proxy's event loop
 * (proxy-internal header).
 *
 * One lr_rlimit is one Redis connection owned by one libevent event_base
 * (one per worker thread; not thread-safe). Each check is one EVALSHA of a
 * small Lua script that does a whole GCRA step atomically on the server, on
 * the server's clock (TIME), so replicas whose clocks disagree still share
 * one limit. The arithmetic is guard/limit.h's lr_limit_rate in microsecond
 * ticks: the client sends the cost and the tolerance as (whole µs, fraction)
 * pairs, the script keeps the TAT as "µs fraction" in a string key that
 * expires when the key is back to a full burst, and returns the backlog from
 * which lr_limit_result_from_backlog computes remaining / reset / retry.
 * Every value the script handles stays below 2^53, where Lua's doubles are
 * exact integers.
 *
 * Never blocks: commands are pipelined on one connection; replies come back
 * through a callback. Each call has a deadline; a call that misses it, or
 * that cannot be sent because Redis is down, gets the configured fail mode
 * (closed: refuse, open: allow, local: the in-process lr_limit of the rule)
 * and the result says which. The script is loaded once per connection
 * (SCRIPT LOAD) and again when a reply says NOSCRIPT (the call is re-sent
 * once). A lost connection is re-opened with exponential backoff; a
 * connection that returns nothing for stall_ns while replies are due is
 * dropped and re-opened.
 */
#ifndef LARCH_PROXY_LIMIT_REDIS_H
#define LARCH_PROXY_LIMIT_REDIS_H

#include "base.h"
#include "limit.h"

#include <stdbool.h>
#include <stdint.h>

struct event_base;

typedef struct lr_rlimit lr_rlimit;

/* What to do when Redis cannot answer in time. */
typedef enum {
  LR_RLIMIT_FAIL_CLOSED, /* refuse */
  LR_RLIMIT_FAIL_OPEN,   /* allow */
  LR_RLIMIT_FAIL_LOCAL,  /* decide with the rule's in-process limiter */
} lr_rlimit_fail_mode;

/* Who decided a check. */
typedef enum {
  LR_RLIMIT_BY_REDIS,
  LR_RLIMIT_BY_FAIL_CLOSED,
  LR_RLIMIT_BY_FAIL_OPEN,
  LR_RLIMIT_BY_LOCAL,
  LR_RLIMIT_BY__COUNT
} lr_rlimit_source;

/* Why Redis did not decide (kinds of errors, for metrics). */
typedef enum {
  LR_RLIMIT_ERR_NONE,
  LR_RLIMIT_ERR_DOWN,     /* not connected (backing off) */
  LR_RLIMIT_ERR_TIMEOUT,  /* the deadline passed first */
  LR_RLIMIT_ERR_CONN,     /* the connection broke with the call in flight */
  LR_RLIMIT_ERR_REPLY,    /* an error or malformed reply */
  LR_RLIMIT_ERR_OVERLOAD, /* too many calls in flight */
  LR_RLIMIT_ERR_SHUTDOWN, /* lr_rlimit_free with the call in flight */
  LR_RLIMIT_ERR__COUNT
} lr_rlimit_error;

typedef struct lr_rlimit_result {
  lr_limit_result r; /* allowed, remaining, retry_after_ns, reset_ns */
  lr_rlimit_source source;
  lr_rlimit_error error; /* LR_RLIMIT_ERR_NONE when source is Redis */
  int64_t latency_ns;    /* from lr_rlimit_check to the answer */
} lr_rlimit_result;

typedef struct lr_rlimit_config {
  /* redis://[[user]:password@]host[:port][/db] (IPv6 hosts in brackets,
   * %XX escapes in user and password) or unix:/path[?db=N&password=P]. */
  const char *url;
  lr_rlimit_fail_mode fail;
  int64_t deadline_ns;    /* per call; 0 = 10 ms */
  int64_t backoff_min_ns; /* first reconnect delay; 0 = 50 ms */
  int64_t backoff_max_ns; /* doubling up to this; 0 = 5 s */
  int64_t stall_ns;       /* drop a connection silent this long; 0 = max(1 s, 10 deadlines) */
  const char *prefix;     /* Redis key prefix; NULL = "larch:rl:" */
  unsigned max_inflight;  /* calls awaiting Redis; 0 = 10000 */
} lr_rlimit_config;

/* Latency histogram: upper bounds in ns of each bucket but the last (+Inf).
 * Counts are per bucket, not cumulative. */
#define LR_RLIMIT_LAT_BUCKETS 12
extern const int64_t lr_rlimit_lat_bounds_ns[LR_RLIMIT_LAT_BUCKETS - 1];

typedef struct lr_rlimit_stats {
  uint64_t calls;
  uint64_t allowed, limited;
  uint64_t by_source[LR_RLIMIT_BY__COUNT];
  uint64_t errors[LR_RLIMIT_ERR__COUNT];
  uint64_t noscript;                           /* NOSCRIPT replies (script reloaded) */
  uint64_t connects, disconnects;              /* successful handshakes, lost connections */
  uint64_t attempts;                           /* connection attempts (backoff in between) */
  uint64_t lat_buckets[LR_RLIMIT_LAT_BUCKETS]; /* Redis-decided calls only */
  uint64_t lat_count, lat_sum_ns;
  unsigned inflight;
  bool connected;
} lr_rlimit_stats;

/* Answer callback for calls that went to Redis (lr_rlimit_check returned
 * LR_AGAIN). Called once, from the event loop (or from lr_rlimit_free). */
typedef void (*lr_rlimit_cb)(void *arg, const lr_rlimit_result *res);

/* Creates a client on base and starts connecting. clock (borrowed) times
 * deadlines and latencies. Returns NULL and a malloc'd message in *err (the
 * caller frees) for a bad URL or config; an unreachable server is not an
 * error (it is retried). Caller frees with lr_rlimit_free. */
lr_rlimit *lr_rlimit_new(struct event_base *base, const lr_rlimit_config *cfg,
                         const lr_clock *clock, char **err);

/* Closes the connection. Calls still waiting are answered first, with the
 * fail mode and LR_RLIMIT_ERR_SHUTDOWN. NULL is accepted. Not from inside a
 * callback of r. When a host-name lookup is in flight, the last bytes are
 * released on a later turn of the event loop (libevent answers cancelled
 * lookups there): run the loop once more before event_base_free. */
void lr_rlimit_free(lr_rlimit *r);

/* Checks `key` of `rule` (max/per/burst and name come from the rule, which
 * must outlive the call; its table is the local fallback) and consumes
 * cost. Returns LR_AGAIN when the call went to Redis: cb(arg, res) follows.
 * Returns LR_OK when the answer is known now (Redis down or overloaded):
 * *now is filled and cb is not called. Returns LR_ERR for a key longer than
 * LR_LIMIT_KEY_MAX. */
lr_status lr_rlimit_check(lr_rlimit *r, lr_limit *rule, lr_str key, uint32_t cost, lr_rlimit_cb cb,
                          void *arg, lr_rlimit_result *now);

/* True once the script is loaded on a live connection. */
bool lr_rlimit_ready(const lr_rlimit *r);
/* Counters since creation (plain reads: same thread as the event loop). */
void lr_rlimit_get_stats(const lr_rlimit *r, lr_rlimit_stats *out);
/* Adds s into sum (per-worker clients summed for /metrics). */
void lr_rlimit_stats_add(lr_rlimit_stats *sum, const lr_rlimit_stats *s);
/* Appends Prometheus text exposition of s:
 *   larch_redis_limit_calls_total{source}        counter (redis|fail_closed|fail_open|local)
 *   larch_redis_limit_errors_total{kind}         counter (down|timeout|connection|reply|
 *                                                         overload|shutdown)
 *   larch_redis_limit_noscript_total, _connects_total, _disconnects_total,
 *   _connect_attempts_total                                                  counters
 *   larch_redis_limit_inflight, larch_redis_limit_up                        gauges
 *   larch_redis_limit_latency_seconds            histogram (Redis-decided calls) */
void lr_rlimit_metrics(const lr_rlimit_stats *s, lr_buf *out);
/* The last connection or reply error as text ("" when none); valid until
 * the next event on r. For logs; never contains key bytes. */
const char *lr_rlimit_last_error(const lr_rlimit *r);
/* Stable names for metric labels and the decision log. */
const char *lr_rlimit_source_name(lr_rlimit_source s);
const char *lr_rlimit_error_name(lr_rlimit_error e);

/* A parsed URL (exposed for tests). Strings are malloc'd; free with
 * lr_rlimit_url_free. */
typedef struct lr_rlimit_url {
  char *host;     /* NULL for unix */
  int port;       /* 6379 by default */
  char *path;     /* unix socket path, or NULL */
  char *user;     /* NULL when absent */
  char *password; /* NULL when absent */
  int db;         /* 0 by default */
} lr_rlimit_url;

/* Parses url into *out. Returns LR_ERR with a malloc'd message in *err. */
lr_status lr_rlimit_url_parse(const char *url, lr_rlimit_url *out, char **err);
void lr_rlimit_url_free(lr_rlimit_url *u);

#endif /* LARCH_PROXY_LIMIT_REDIS_H */
