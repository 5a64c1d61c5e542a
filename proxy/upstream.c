/*
 * upstream.c — connections to upstream origins: a keep-alive pool per route
 * and worker, connect (TCP or TLS) with a deadline, response parsing with
 * lr_http_parser and hand-off of the response to the client side (conn.c).
 *
 * A pooled connection that turns out dead before any response byte arrives
 * is retried once on a fresh connection when the request can be replayed
 * (no body, or a body that was buffered whole).
 */
#include <event2/bufferevent_ssl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <stdlib.h>
#include <string.h>

#include "tls.h"
#include "worker.h"

static int on_resp_head(void *ud, lr_http_head *head);
static int on_resp_body(void *ud, const char *p, size_t n);
static int on_resp_done(void *ud);
static const lr_http_events resp_events = {on_resp_head, on_resp_body, on_resp_done};

static void up_read_cb(struct bufferevent *bev, void *arg);
static void up_write_cb(struct bufferevent *bev, void *arg);
static void up_event_cb(struct bufferevent *bev, short what, void *arg);
static void up_timer_cb(evutil_socket_t fd, short what, void *arg);

static void pool_remove(lr_pool *pool, lr_upconn *up) {
  for (lr_upconn **pp = &pool->idle; *pp; pp = &(*pp)->next_idle)
    if (*pp == up) {
      *pp = up->next_idle;
      pool->nidle--;
      return;
    }
}

static void up_destroy(lr_upconn *up) {
  if (up->busy) {
    up->dead = true;
    return;
  }
  if (!up->ex) pool_remove(up->pool, up);
  LR_METRIC_ADD(up->w->m.upstream_conns, (uint64_t)-1);
  lr_io_forget(up->w, &up->io);
  lr_io_close(&up->io);
  bufferevent_free(up->bev);
  event_free(up->timer);
  lr_http_parser_free(&up->parser);
  free(up);
}

/* Detaches up from its exchange. */
static lr_exchange *detach(lr_upconn *up) {
  lr_exchange *ex = up->ex;
  if (ex) ex->up = NULL;
  up->ex = NULL;
  return ex;
}

static void set_read_timeout(lr_upconn *up) {
  lr_io_read_timeout(&up->io, up->w->srv->cfg->idle_ms);
}

static lr_upconn *up_connect(lr_worker *w, lr_pool *pool) {
  const lr_origin *o = &pool->route->origin;
  lr_upconn *up = lr_xcalloc(1, sizeof *up);
  up->w = w;
  up->pool = pool;
  if (o->tls) {
    SSL *ssl = SSL_new(w->srv->tls_upstream);
    lr_tls_client_prepare(ssl, o->host);
    up->bev = bufferevent_openssl_socket_new(w->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
                                             BEV_OPT_CLOSE_ON_FREE);
    if (up->bev) bufferevent_openssl_set_allow_dirty_shutdown(up->bev, 1);
  } else {
    up->bev = bufferevent_socket_new(w->base, -1, BEV_OPT_CLOSE_ON_FREE);
  }
  if (!up->bev) {
    free(up);
    return NULL;
  }
  up->timer = evtimer_new(w->base, up_timer_cb, up);
  lr_http_parser_init(&up->parser, false, &resp_events, up, 64 * 1024);
  LR_METRIC_ADD(w->m.upstream_conns, 1);
  bufferevent_setcb(up->bev, up_read_cb, up_write_cb, up_event_cb, up);
  lr_io_init(&up->io, up->bev, !o->tls, false, up_write_cb, up);
  lr_io_set_reader(&up->io, up_read_cb, up_event_cb);
  bufferevent_setwatermark(up->bev, EV_READ, 0, LR_READ_MAX);
  bufferevent_setwatermark(up->bev, EV_WRITE, LR_WM_LOW, 0);
  if (bufferevent_socket_connect(up->bev, (struct sockaddr *)&o->addr, (int)o->addrlen) < 0) {
    up_destroy(up);
    return NULL;
  }
  int one = 1;
  evutil_socket_t fd = bufferevent_getfd(up->bev);
  if (fd >= 0) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  int64_t cms = w->srv->cfg->connect_ms;
  if (cms > 0) {
    struct timeval tv = lr_tv_ms(cms);
    evtimer_add(up->timer, &tv);
  }
  if (o->tls) bufferevent_enable(up->bev, EV_READ | EV_WRITE);
  lr_io_reading(&up->io, true);
  return up;
}

static bool replayable(const lr_exchange *ex) {
  return ex->req_framing == LR_HTTP_FRAME_NONE || ex->buffering;
}

void lr_upstream_start(lr_exchange *ex) {
  lr_worker *w = ex->c->w;
  lr_pool *pool = &w->pools[ex->route->index];
  lr_upconn *up = pool->idle;
  if (up) {
    pool->idle = up->next_idle;
    pool->nidle--;
    up->reused = true;
  } else {
    up = up_connect(w, pool);
    if (!up) {
      lr_exchange_upstream_failed(ex, LR_UPERR_CONNECT, 502, "upstream unreachable");
      return;
    }
  }
  up->next_idle = NULL;
  up->ex = ex;
  up->got_bytes = false;
  ex->up = up;
  ex->attempts++;
  lr_http_parser_set_arena(&up->parser, ex->c->arena);
  if (up->connected) set_read_timeout(up);
  lr_io_write(w, &up->io, ex->up_head.p, ex->up_head.n);
  if (ex->buffering && ex->req.body.n) lr_io_write(w, &up->io, ex->req.body.p, ex->req.body.n);
}

void lr_upstream_send(lr_exchange *ex, const void *p, size_t n) {
  if (ex->up) lr_io_write(ex->up->w, &ex->up->io, p, n);
}

size_t lr_upstream_pending(const lr_exchange *ex) {
  return ex->up ? evbuffer_get_length(bufferevent_get_output(ex->up->bev)) : 0;
}

static void pool_put(lr_upconn *up) {
  lr_pool *pool = up->pool;
  if (pool->nidle >= up->w->srv->cfg->pool_idle_max || up->w->draining) {
    up_destroy(up);
    return;
  }
  if (up->read_blocked) {
    up->read_blocked = false;
    lr_io_reading(&up->io, true);
  }
  set_read_timeout(up); /* an idle pooled connection lives at most idle_ms */
  up->next_idle = pool->idle;
  pool->idle = up;
  pool->nidle++;
}

void lr_upstream_release(lr_exchange *ex, bool reusable) {
  lr_upconn *up = ex->up;
  if (!up) return;
  detach(up);
  if (reusable && !up->dead)
    pool_put(up);
  else
    up_destroy(up);
}

void lr_pool_clear(lr_pool *pool) {
  while (pool->idle) up_destroy(pool->idle);
}

/* Fails the exchange of up (which is destroyed). */
static void up_fail(lr_upconn *up, int kind, int status, const char *text) {
  lr_exchange *ex = detach(up);
  up_destroy(up);
  if (ex) lr_exchange_upstream_failed(ex, kind, status, text);
}

/* The response ended: give the connection back or close it, then let the
 * client side finish the exchange. */
static void up_complete(lr_upconn *up, bool reusable) {
  lr_exchange *ex = detach(up);
  reusable = reusable && ex && ex->req_complete && !up->dead &&
             lr_http_parser_keep_alive(&up->parser) &&
             evbuffer_get_length(bufferevent_get_input(up->bev)) == 0;
  if (reusable)
    pool_put(up);
  else
    up_destroy(up);
  if (ex) lr_exchange_response_done(ex);
}

static void up_process(lr_upconn *up) {
  struct evbuffer *in = bufferevent_get_input(up->bev);
  bool done = false;
  up->busy++;
  while (!up->dead && up->ex && !up->read_blocked && evbuffer_get_length(in)) {
    struct evbuffer_iovec v;
    if (evbuffer_peek(in, -1, NULL, &v, 1) < 1) break;
    size_t used = 0;
    up->got_bytes = true;
    lr_http_result r = lr_http_parser_feed(&up->parser, v.iov_base, v.iov_len, &used);
    evbuffer_drain(in, used);
    if (r == LR_HTTP_ERROR) {
      up->busy--;
      up_fail(up, LR_UPERR_PROTOCOL, 502, "invalid upstream response");
      return;
    }
    if (r == LR_HTTP_PAUSED) {
      lr_http_parser_resume(&up->parser);
      done = true;
      break;
    }
  }
  up->busy--;
  if (!up->dead) lr_io_refill(&up->io);
  if (up->dead) {
    lr_exchange *ex = detach(up);
    up_destroy(up);
    (void)ex;
    return;
  }
  if (done)
    up_complete(up, true);
  else if (!up->ex && evbuffer_get_length(in))
    up_destroy(up); /* bytes while idle */
}

static void up_read_cb(struct bufferevent *bev, void *arg) {
  (void)bev;
  lr_upconn *up = arg;
  if (!up->ex) {
    up_destroy(up); /* an idle connection must stay silent */
    return;
  }
  up_process(up);
}

static void up_write_cb(struct bufferevent *bev, void *arg) {
  lr_upconn *up = arg;
  lr_io_drained(&up->io);
  if (up->ex && evbuffer_get_length(bufferevent_get_output(bev)) <= LR_WM_LOW)
    lr_exchange_upstream_writable(up->ex);
}

static void up_event_cb(struct bufferevent *bev, short what, void *arg) {
  lr_upconn *up = arg;
  if (what & BEV_EVENT_CONNECTED) {
    up->connected = true;
    up->io.ready = true;
    evtimer_del(up->timer);
    if (up->ex) set_read_timeout(up);
    lr_io_flush(&up->io); /* what was queued while connecting */
    return;
  }
  lr_exchange *ex = up->ex;
  if (!ex) {
    up_destroy(up); /* idle connection closed or timed out */
    return;
  }
  if (what & BEV_EVENT_TIMEOUT) {
    up_fail(up, LR_UPERR_TIMEOUT, 504, "upstream timeout");
    return;
  }
  /* EOF or error. A response delimited by close ends here. */
  if ((what & BEV_EVENT_EOF) && ex->resp_started && lr_http_parser_needs_eof(&up->parser)) {
    if (lr_http_parser_eof(&up->parser) == LR_HTTP_OK) {
      up_complete(up, false);
      return;
    }
  }
  if (up->reused && !up->got_bytes && ex->attempts < 2 && replayable(ex)) {
    detach(up);
    up_destroy(up);
    lr_upstream_start(ex); /* a stale keep-alive connection: try a fresh one */
    return;
  }
  unsigned long tls_err = bufferevent_get_openssl_error(bev);
  while (bufferevent_get_openssl_error(bev)) {
  }
  if (!up->connected)
    up_fail(up, tls_err ? LR_UPERR_TLS : LR_UPERR_CONNECT, 502,
            tls_err ? "upstream TLS handshake failed" : "upstream unreachable");
  else
    up_fail(up, LR_UPERR_RESET, 502, "upstream closed the connection");
}

static void up_timer_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  lr_upconn *up = arg;
  if (!up->connected) up_fail(up, LR_UPERR_CONNECT_TIMEOUT, 504, "upstream connect timeout");
}

void lr_upstream_pause(lr_exchange *ex, bool pause) {
  lr_upconn *up = ex->up;
  if (!up || pause == up->read_blocked) return;
  up->read_blocked = pause;
  if (pause) {
    lr_io_reading(&up->io, false);
    return;
  }
  lr_io_reading(&up->io, true);
  if (!up->busy) up_process(up);
}

static int on_resp_head(void *ud, lr_http_head *head) {
  lr_upconn *up = ud;
  if (!up->ex) return LR_HTTP_ABORT;
  return lr_exchange_response_head(up->ex, head);
}

static int on_resp_body(void *ud, const char *p, size_t n) {
  lr_upconn *up = ud;
  if (!up->ex) return LR_HTTP_ABORT;
  lr_exchange_response_body(up->ex, p, n);
  return LR_HTTP_CONTINUE;
}

static int on_resp_done(void *ud) {
  lr_upconn *up = ud;
  if (up->parser.head && up->parser.head->status < 200) return LR_HTTP_CONTINUE;
  return LR_HTTP_PAUSE;
}
