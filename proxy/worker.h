/*
 * worker.h — the engine's internals shared by server.c, conn.c, upstream.c,
 * metrics.c and admin.c (private to proxy/).
 *
 * Ownership: a worker owns its event base, listener, client connections
 * (lr_conn) and upstream pools. A client connection owns the exchange in
 * progress (lr_exchange, one request/response) and its arena, reset per
 * request and freed when the connection closes. An exchange borrows one
 * upstream connection (lr_upconn) from the pool of its route and gives it
 * back (keep-alive) or destroys it when the exchange ends.
 */
#ifndef LARCH_PROXY_WORKER_H
#define LARCH_PROXY_WORKER_H

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/ssl.h>
#include <pthread.h>

#include "http.h"
#include "pipeline.h"
#include "serve.h"

/* Backpressure: a side stops reading while the other side's output holds
 * more than HIGH bytes and resumes when it drained to LOW. */
#define LR_WM_HIGH (256 * 1024)
#define LR_WM_LOW (64 * 1024)
#define LR_READ_MAX (64 * 1024) /* input buffered per connection at most */

static inline struct timeval lr_tv_ms(int64_t ms) {
  return (struct timeval){.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
}

/* ---- metrics (one block per worker, summed by the admin thread) -------- */

enum {
  LR_UPERR_CONNECT,         /* refused / unreachable */
  LR_UPERR_CONNECT_TIMEOUT, /* connect (or TLS handshake) too slow */
  LR_UPERR_TIMEOUT,         /* response too slow */
  LR_UPERR_RESET,           /* closed or reset before the response ended */
  LR_UPERR_TLS,             /* certificate or handshake failure */
  LR_UPERR_PROTOCOL,        /* malformed response */
  LR_UPERR_KINDS
};
extern const char *const lr_uperr_names[LR_UPERR_KINDS];

#define LR_LAT_BUCKETS 14
extern const double lr_lat_bounds[LR_LAT_BUCKETS]; /* seconds */

typedef struct lr_metrics {
  uint64_t requests[LR_ROUTES_MAX + 1][5]; /* [route or "none"][status class 1..5] */
  uint64_t upstream_errors[LR_UPERR_KINDS];
  uint64_t lat_buckets[LR_LAT_BUCKETS + 1];
  uint64_t lat_sum_us, lat_count;
  uint64_t open_conns, upstream_conns, accepted;
} lr_metrics;

/* Single writer (the worker), many readers (admin): relaxed atomics. */
#define LR_METRIC_ADD(x, d)                                                                        \
  __atomic_store_n(&(x), __atomic_load_n(&(x), __ATOMIC_RELAXED) + (d), __ATOMIC_RELAXED)
#define LR_METRIC_GET(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

/* Appends a Prometheus histogram: counts[0..nbounds] per bucket (not
 * cumulative; the last one is +Inf), sum in seconds. */
void lr_metrics_histogram(lr_buf *out, const char *name, const double *bounds, size_t nbounds,
                          const uint64_t *counts, double sum);
/* Records one finished request. */
void lr_metrics_request(lr_metrics *m, const lr_route *route, int status, int64_t ns);

/* ---- engine objects ---------------------------------------------------- */

typedef struct lr_worker lr_worker;

/* Output side of a connection (io.c): plain sockets are written once per
 * loop pass straight from the worker, TLS ones through the bufferevent. */
typedef struct lr_io {
  struct bufferevent *bev;
  bool direct;                    /* plain socket: batched direct writes */
  bool ready;                     /* connected: direct writes allowed */
  bool dirty;                     /* queued for the end-of-pass flush */
  bufferevent_data_cb on_drained; /* called when a flush emptied the buffer */
  void *arg;
  /* direct reading */
  struct event *rev;
  bufferevent_data_cb on_read;
  bufferevent_event_cb on_event;
  int64_t read_ms;
  bool reading, armed, timeout_changed, closed;
} lr_io;

void lr_io_init(lr_io *io, struct bufferevent *bev, bool direct, bool ready,
                bufferevent_data_cb on_drained, void *arg);
/* The callbacks a direct socket reports reads and read events to (the
 * bufferevent's own, for TLS). */
void lr_io_set_reader(lr_io *io, bufferevent_data_cb on_read, bufferevent_event_cb on_event);
/* Starts/stops reading. */
void lr_io_reading(lr_io *io, bool on);
/* Read idle timeout in ms (0: none), restarted by every read. */
void lr_io_read_timeout(lr_io *io, int64_t ms);
/* After input was consumed: resumes a read paused because the input was full. */
void lr_io_refill(lr_io *io);
/* Stops everything before the bufferevent is freed. */
void lr_io_close(lr_io *io);
/* Queues n bytes (copied). */
void lr_io_write(lr_worker *w, lr_io *io, const void *p, size_t n);
/* Marks io for the flush after bytes were added to its output directly. */
void lr_io_touch(lr_worker *w, lr_io *io);
/* Writes what is queued now (also after a connect completed). */
void lr_io_flush(lr_io *io);
/* Drops io from the pending flush (before its connection is freed). */
void lr_io_forget(lr_worker *w, lr_io *io);
/* From a write callback: disarms EV_WRITE once a direct socket drained. */
void lr_io_drained(lr_io *io);
/* The worker's flush event callback. */
void lr_io_flush_all(evutil_socket_t fd, short what, void *arg);

typedef struct lr_conn lr_conn;
typedef struct lr_exchange lr_exchange;
typedef struct lr_upconn lr_upconn;

/* Idle keep-alive connections to one route's origin. */
typedef struct lr_pool {
  const lr_route *route;
  lr_upconn *idle; /* singly linked through next_idle */
  size_t nidle;
} lr_pool;

struct lr_server {
  const lr_serve_config *cfg;
  const lr_pipeline *pipeline;
  const lr_clock *clock;
  SSL_CTX *tls_server;   /* NULL without --tls-cert */
  SSL_CTX *tls_upstream; /* for https:// origins */
  lr_worker *workers;
  int nworkers;
  struct event_base *base; /* main thread: signals, admin */
  struct evhttp *admin;
  struct event *sig_term, *sig_int, *sig_hup;
  struct event *watch; /* armed by SIGTERM: exits once every worker stopped */
  int ready;           /* atomic: listeners up and policies loaded */
  int listening;       /* atomic: workers whose listener is up */
  int policies_ok;
  uint64_t reloads;                               /* atomic */
  lr_status (*reload_fn)(void *ctx, lr_buf *msg); /* lr_server_on_reload */
  void *reload_ctx;
  uint64_t id_seed;
  struct lr_ops *ops;       /* decision log + decision metrics (ops.c), NULL if none */
  struct lr_watch *watcher; /* file watch (watch.c), NULL if off */
  /* reload bookkeeping (main thread only; lr_server_reload) */
  uint64_t reload_failures; /* atomic */
  int64_t last_reload_ms;   /* wall ms of the last attempt */
  int64_t loaded_ms;        /* wall ms of the last success */
  char *last_reload_error;  /* NULL after a success */
  lr_buf loaded_files;      /* JSON array: files in force with sha256 */
};

struct lr_worker {
  lr_server *srv;
  int index;
  pthread_t thread;
  struct event_base *base;
  struct evconnlistener *listener;
  int ctl[2]; /* main → worker control pipe: 'd' drain */
  struct event *ctl_ev, *drain_timer;
  lr_metrics m;
  lr_conn *conns; /* doubly linked list of open client connections */
  size_t nconns;
  lr_pool pools[LR_ROUTES_MAX];
  bool draining;
  uint64_t next_id;
  lr_buf scratch;         /* serialising heads */
  struct event *flush_ev; /* end-of-pass flush of dirty outputs */
  lr_io **dirty;
  size_t ndirty, capdirty;
};

/* One request/response on a client connection. */
struct lr_exchange {
  lr_conn *c;
  lr_proxy_request req;
  const lr_route *route;
  lr_http_head *head;
  char id[40];
  int64_t start_ns;
  bool buffering;    /* body collected for the pipeline */
  bool pending;      /* a stage's verdict is awaited (LR_STAGE_PENDING) */
  bool req_complete; /* the whole request was read */
  bool forwarding;   /* head sent (or queued) upstream */
  lr_http_framing req_framing;
  lr_str up_head; /* serialised head (in the arena) for a retry */
  lr_upconn *up;
  int attempts;
  lr_http_framing resp_framing;
  bool resp_started; /* bytes of a response went to the client */
  bool resp_complete;
  bool skip_resp_body;                                               /* HEAD request */
  enum { LR_RESP_STREAM, LR_RESP_BUFFER, LR_RESP_EVENTS } resp_mode; /* answer inspection */
  lr_http_head *resp_head; /* kept while a buffered answer is collected */
  int status;
  bool close_after; /* the client connection closes after this answer */
  bool done_told;   /* the pipeline's on_done ran */
};

struct lr_conn {
  lr_worker *w;
  lr_conn *prev, *next;
  struct bufferevent *bev;
  lr_io io;
  struct event *timer; /* header deadline, then total deadline */
  lr_http_parser parser;
  lr_arena *arena;
  lr_buf body;  /* request body buffered for the pipeline */
  lr_buf rbody; /* answer (or partial SSE event) buffered for the pipeline */
  lr_arena *events; /* per-event scratch of the response stages (lazily made) */
  lr_exchange ex_storage;
  lr_exchange *ex; /* NULL between requests */
  char ip[64];
  uint16_t port;
  bool tls;
  char *peer_identity; /* heap; from the client certificate */
  bool identity_done;
  int busy;     /* > 0 while inside parser callbacks */
  bool dead;    /* close requested while busy */
  bool closing; /* flush output, then close */
  bool read_eof;
  bool parse_paused; /* parser paused after a complete request */
  bool read_blocked; /* reading stopped for upstream backpressure */
};

struct lr_upconn {
  lr_worker *w;
  lr_pool *pool;
  struct bufferevent *bev;
  lr_io io;
  struct event *timer; /* connect deadline */
  lr_http_parser parser;
  lr_exchange *ex; /* NULL while idle in the pool */
  lr_upconn *next_idle;
  bool connected;
  bool reused;
  bool got_bytes; /* some response bytes arrived for the current exchange */
  bool read_blocked;
  int busy;
  bool dead;
};

/* conn.c */
void lr_conn_accept(lr_worker *w, evutil_socket_t fd, struct sockaddr *sa, int salen);
/* Frees a connection at once (teardown after the loop stopped). */
void lr_conn_force_close(lr_conn *c);
/* Starts draining: idle connections close now, busy ones after their answer. */
void lr_conn_drain_all(lr_worker *w);
/* Called by upstream.c as the response progresses. */
void lr_exchange_upstream_failed(lr_exchange *ex, int kind, int status, const char *text);
int lr_exchange_response_head(lr_exchange *ex, lr_http_head *head);
void lr_exchange_response_body(lr_exchange *ex, const char *p, size_t n);
void lr_exchange_response_done(lr_exchange *ex);
/* The upstream's output drained: resume reading the client. */
void lr_exchange_upstream_writable(lr_exchange *ex);

/* upstream.c */
/* Gets a pooled or new connection for ex->route and sends ex->up_head (and
 * the buffered body, if any). On failure it calls
 * lr_exchange_upstream_failed. */
void lr_upstream_start(lr_exchange *ex);
/* Sends body bytes (already framed) to the upstream of ex. */
void lr_upstream_send(lr_exchange *ex, const void *p, size_t n);
size_t lr_upstream_pending(const lr_exchange *ex);
/* The exchange is over: pool the connection when reusable, else close it. */
void lr_upstream_release(lr_exchange *ex, bool reusable);
/* Stops/resumes reading the response (client backpressure). */
void lr_upstream_pause(lr_exchange *ex, bool pause);
void lr_pool_clear(lr_pool *pool);

#endif /* LARCH_PROXY_WORKER_H */
