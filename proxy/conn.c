/*
 * conn.c — client connections: reads requests with lr_http_parser, runs the
 * pipeline, streams or buffers bodies towards the upstream and writes the
 * answers back, one exchange at a time (pipelined requests wait in the input
 * buffer and are answered in order).
 *
 * Timeouts: idle (no bytes from the client between or inside requests, via
 * the bufferevent read timeout), header (the whole head must arrive in time:
 * 408), total (whole exchange, optional). Backpressure: the client is not
 * read while the upstream's output holds more than LR_WM_HIGH bytes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/bufferevent_ssl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls.h"
#include "worker.h"

static int on_req_head(void *ud, lr_http_head *head);
static int on_req_body(void *ud, const char *p, size_t n);
static int on_req_done(void *ud);
static const lr_http_events req_events = {on_req_head, on_req_body, on_req_done};

static void conn_read_cb(struct bufferevent *bev, void *arg);
static void conn_write_cb(struct bufferevent *bev, void *arg);
static void conn_event_cb(struct bufferevent *bev, short what, void *arg);
static void conn_timer_cb(evutil_socket_t fd, short what, void *arg);
static void conn_process(lr_conn *c);
static void exchange_resume(void *arg, int verdict, const lr_proxy_answer *ans);

static const lr_serve_config *cfg_of(const lr_conn *c) { return c->w->srv->cfg; }

static void set_idle_timeout(lr_conn *c, bool on) {
  lr_io_read_timeout(&c->io, on ? cfg_of(c)->idle_ms : 0);
}

void lr_conn_accept(lr_worker *w, evutil_socket_t fd, struct sockaddr *sa, int salen) {
  lr_server *srv = w->srv;
  lr_conn *c = lr_xcalloc(1, sizeof *c);
  c->w = w;
  if (sa->sa_family == AF_INET) {
    struct sockaddr_in *in = (struct sockaddr_in *)sa;
    inet_ntop(AF_INET, &in->sin_addr, c->ip, sizeof c->ip);
    c->port = ntohs(in->sin_port);
  } else if (sa->sa_family == AF_INET6) {
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)sa;
    inet_ntop(AF_INET6, &in6->sin6_addr, c->ip, sizeof c->ip);
    c->port = ntohs(in6->sin6_port);
  }
  (void)salen;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (srv->tls_server) {
    SSL *ssl = SSL_new(srv->tls_server);
    c->bev = bufferevent_openssl_socket_new(w->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                            BEV_OPT_CLOSE_ON_FREE);
    bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
    c->tls = true;
  } else {
    c->bev = bufferevent_socket_new(w->base, fd, BEV_OPT_CLOSE_ON_FREE);
  }
  if (!c->bev) {
    evutil_closesocket(fd);
    free(c);
    return;
  }
  bufferevent_setcb(c->bev, conn_read_cb, conn_write_cb, conn_event_cb, c);
  lr_io_init(&c->io, c->bev, !c->tls, true, conn_write_cb, c);
  lr_io_set_reader(&c->io, conn_read_cb, conn_event_cb);
  bufferevent_setwatermark(c->bev, EV_READ, 0, LR_READ_MAX);
  bufferevent_setwatermark(c->bev, EV_WRITE, LR_WM_LOW, 0);
  set_idle_timeout(c, true);
  c->timer = evtimer_new(w->base, conn_timer_cb, c);
  c->arena = lr_arena_new(8192);
  lr_http_parser_init(&c->parser, true, &req_events, c, srv->cfg->max_head);
  c->next = w->conns;
  if (w->conns) w->conns->prev = c;
  w->conns = c;
  w->nconns++;
  LR_METRIC_ADD(w->m.open_conns, 1);
  LR_METRIC_ADD(w->m.accepted, 1);
  if (c->tls) bufferevent_enable(c->bev, EV_READ | EV_WRITE);
  lr_io_reading(&c->io, true);
}

/* Tells the pipeline's on_done hooks that ex is over (once, and only for
 * requests the stages saw). */
static void exchange_done(lr_exchange *ex, int status) {
  if (ex->done_told || !ex->req.arena) return;
  ex->done_told = true;
  lr_server *srv = ex->c->w->srv;
  lr_pipeline_done(srv->pipeline, &ex->req, status, lr_clock_mono_ns(srv->clock) - ex->start_ns);
}

/* Frees the connection now (callers make sure no callback is running). */
static void conn_destroy(lr_conn *c) {
  lr_worker *w = c->w;
  if (c->ex) exchange_done(c->ex, c->ex->resp_complete ? c->ex->status : 499);
  if (c->ex && c->ex->up) lr_upstream_release(c->ex, false);
  c->ex = NULL;
  if (c->prev)
    c->prev->next = c->next;
  else
    w->conns = c->next;
  if (c->next) c->next->prev = c->prev;
  w->nconns--;
  LR_METRIC_ADD(w->m.open_conns, (uint64_t)-1);
  if (c->tls && c->closing) {
    /* A graceful end: say close_notify so the client can tell it from a cut. */
    SSL *ssl = bufferevent_openssl_get_ssl(c->bev);
    if (ssl && SSL_is_init_finished(ssl)) SSL_shutdown(ssl);
  }
  lr_io_forget(w, &c->io);
  lr_io_close(&c->io);
  bufferevent_free(c->bev);
  event_free(c->timer);
  lr_http_parser_free(&c->parser);
  if (c->events) lr_arena_free(c->events);
  lr_arena_free(c->arena);
  lr_buf_free(&c->body);
  lr_buf_free(&c->rbody);
  free(c->peer_identity);
  free(c);
  if (w->draining && w->nconns == 0) event_base_loopexit(w->base, NULL);
}

/* Closes the connection at once (client gone, fatal error). */
static void conn_close(lr_conn *c) {
  if (c->busy) {
    c->dead = true;
    return;
  }
  conn_destroy(c);
}

/* Stops reading, lets queued output go out, then closes. */
static void conn_close_after_flush(lr_conn *c) {
  c->closing = true;
  if (c->ex && c->ex->up) lr_upstream_release(c->ex, false);
  lr_io_reading(&c->io, false);
  evbuffer_drain(bufferevent_get_input(c->bev), evbuffer_get_length(bufferevent_get_input(c->bev)));
  bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
  struct timeval tv = lr_tv_ms(cfg_of(c)->idle_ms > 0 ? cfg_of(c)->idle_ms : 10000);
  bufferevent_set_timeouts(c->bev, NULL, &tv);
  if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) conn_close(c);
}

/* Writes a fresh 32-hex-digit id: a per-process random prefix, the worker,
 * a per-worker counter (unique without coordination between workers). */
static void new_request_id(lr_worker *w, char *out) {
  static const char hex[] = "0123456789abcdef";
  uint64_t a = w->srv->id_seed, b = ((uint64_t)w->index << 48) | (++w->next_id & 0xffffffffffffull);
  for (int i = 15; i >= 0; i--, a >>= 4) out[i] = hex[a & 15];
  for (int i = 31; i >= 16; i--, b >>= 4) out[i] = hex[b & 15];
  out[32] = 0;
}

static void make_request_id(lr_conn *c, lr_exchange *ex, lr_str given) {
  bool ok = given.n > 0 && given.n < sizeof ex->id;
  for (size_t i = 0; ok && i < given.n; i++) {
    char ch = given.p[i];
    ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
         ch == '-' || ch == '_' || ch == '.' || ch == ':';
  }
  if (ok) {
    memcpy(ex->id, given.p, given.n);
    ex->id[given.n] = 0;
  } else {
    new_request_id(c->w, ex->id);
  }
  ex->req.request_id = lr_str_c(ex->id);
}

static void begin_exchange(lr_conn *c) {
  lr_exchange *ex = &c->ex_storage;
  memset(ex, 0, sizeof *ex);
  ex->c = c;
  c->ex = ex;
  lr_arena_reset(c->arena);
  if (c->body.cap > 4 * LR_READ_MAX) lr_buf_free(&c->body);
  if (c->rbody.cap > 4 * LR_READ_MAX) lr_buf_free(&c->rbody);
  lr_buf_clear(&c->body);
  lr_buf_clear(&c->rbody);
  lr_http_parser_set_arena(&c->parser, c->arena);
  if (cfg_of(c)->header_ms > 0) {
    struct timeval tv = lr_tv_ms(cfg_of(c)->header_ms);
    evtimer_add(c->timer, &tv);
  }
}

/* The exchange is over (answer fully queued): keep the connection for the
 * next request or close it. */
static void finish_exchange(lr_exchange *ex) {
  lr_conn *c = ex->c;
  lr_worker *w = c->w;
  int64_t ns = ex->start_ns ? lr_clock_mono_ns(w->srv->clock) - ex->start_ns : 0;
  lr_metrics_request(&w->m, ex->route, ex->status, ns);
  exchange_done(ex, ex->status);
  if (ex->up) lr_upstream_release(ex, false);
  evtimer_del(c->timer);
  bool close = ex->close_after || !ex->head || !ex->head->keep_alive || w->draining;
  c->ex = NULL;
  c->parse_paused = false;
  if (close || (c->read_eof && evbuffer_get_length(bufferevent_get_input(c->bev)) == 0)) {
    conn_close_after_flush(c);
    return;
  }
  set_idle_timeout(c, true);
  if (c->read_blocked) {
    c->read_blocked = false;
    lr_io_reading(&c->io, true);
  }
  if (!c->busy && evbuffer_get_length(bufferevent_get_input(c->bev))) conn_process(c);
}

static void count_error(lr_conn *c, lr_exchange *ex, int status) {
  if (ex) return; /* counted by finish_exchange */
  lr_metrics_request(&c->w->m, NULL, status, 0);
}

/* Answers with a JSON error. The connection closes afterwards when close is
 * set or the request has not been read completely. */
static void send_error(lr_conn *c, int status, const char *text, bool close) {
  lr_exchange *ex = c->ex;
  if (ex && ex->resp_started) {
    conn_close(c);
    return;
  }
  char idbuf[40];
  lr_str id = LR_STR("");
  if (ex && ex->id[0])
    id = lr_str_c(ex->id);
  else {
    new_request_id(c->w, idbuf);
    id = lr_str_c(idbuf);
  }
  lr_buf *out = &c->w->scratch;
  lr_buf_clear(out);
  lr_http_write_error(out, status, text, id, !close && !c->w->draining);
  lr_io_write(c->w, &c->io, out->p, out->len);
  count_error(c, ex, status);
  if (ex) {
    ex->status = status;
    ex->resp_started = ex->resp_complete = true;
    ex->close_after |= close;
    if (ex->up) lr_upstream_release(ex, false);
    if (close) {
      lr_metrics_request(&c->w->m, ex->route, status, 0);
      exchange_done(ex, status);
      c->ex = NULL;
      conn_close_after_flush(c);
    }
  } else {
    conn_close_after_flush(c);
  }
}

/* Writes a stage's answer. */
static void send_answer(lr_exchange *ex, const lr_proxy_answer *ans) {
  lr_conn *c = ex->c;
  lr_buf *out = &c->w->scratch;
  lr_buf_clear(out);
  int status = ans->status ? ans->status : 403;
  lr_buf_printf(out, "HTTP/1.1 %d %s\r\n", status, lr_http_reason(status));
  lr_str ct = ans->content_type.n ? ans->content_type : LR_STR("application/json");
  lr_buf_puts(out, "Content-Type: ");
  lr_buf_append(out, ct.p, ct.n);
  lr_buf_printf(out, "\r\nContent-Length: %zu\r\nX-Request-Id: %s\r\n", ans->body.n, ex->id);
  for (size_t i = 0; i < ans->nheaders; i++) {
    lr_buf_append(out, ans->headers[i].name.p, ans->headers[i].name.n);
    lr_buf_puts(out, ": ");
    lr_buf_append(out, ans->headers[i].value.p, ans->headers[i].value.n);
    lr_buf_puts(out, "\r\n");
  }
  if (ex->close_after || c->w->draining) lr_buf_puts(out, "Connection: close\r\n");
  lr_buf_puts(out, "\r\n");
  lr_buf_append(out, ans->body.p, ans->body.n);
  lr_io_write(c->w, &c->io, out->p, out->len);
  ex->status = status;
  ex->resp_started = ex->resp_complete = true;
}

/* A stage answered before the body was read: without a body the request
 * completes normally (keep-alive); with one, nobody wants it, so the answer
 * goes out with Connection: close and the connection ends after it. */
static int answer_early(lr_exchange *ex, const lr_proxy_answer *ans, bool body) {
  lr_conn *c = ex->c;
  ex->close_after = body;
  send_answer(ex, ans);
  if (!body) return LR_HTTP_CONTINUE;
  int64_t ns = lr_clock_mono_ns(c->w->srv->clock) - ex->start_ns;
  lr_metrics_request(&c->w->m, ex->route, ex->status, ns);
  exchange_done(ex, ex->status);
  c->ex = NULL;
  conn_close_after_flush(c);
  return LR_HTTP_ABORT;
}

/* Sends the head (and a buffered body) towards the upstream. */
static void start_forward(lr_exchange *ex) {
  lr_conn *c = ex->c;
  const lr_http_head *h = ex->head;
  lr_http_forward fw = {.client_ip = lr_str_c(c->ip),
                        .tls = c->tls,
                        .request_id = ex->req.request_id,
                        .default_host = lr_str_c(ex->route->origin.hostport),
                        .identity_encoding = ex->route->inspect};
  if (ex->buffering)
    fw.framing = LR_HTTP_FRAME_LENGTH, fw.length = ex->req.body.n;
  else if (h->chunked)
    fw.framing = LR_HTTP_FRAME_CHUNKED;
  else if (h->has_length)
    fw.framing = LR_HTTP_FRAME_LENGTH, fw.length = h->length;
  else
    fw.framing = LR_HTTP_FRAME_NONE;
  ex->req_framing = fw.framing;
  lr_buf *out = &c->w->scratch;
  lr_buf_clear(out);
  lr_http_write_request_head(out, h, &fw);
  ex->up_head = lr_str_dup(c->arena, lr_buf_str(out));
  ex->forwarding = true;
  lr_upstream_start(ex);
}

static bool valid_target(const lr_http_head *h) {
  /* origin-form only ("/path"); "*" for OPTIONS. Absolute-form would let a
   * client pick another authority than Host. */
  if (h->url.n && h->url.p[0] == '/') return true;
  return h->method == HTTP_OPTIONS && h->url.n == 1 && h->url.p[0] == '*';
}

static int on_req_head(void *ud, lr_http_head *head) {
  lr_conn *c = ud;
  lr_exchange *ex = c->ex;
  lr_server *srv = c->w->srv;
  ex->head = head;
  ex->start_ns = lr_clock_mono_ns(srv->clock);
  evtimer_del(c->timer);
  if (srv->cfg->total_ms > 0) {
    struct timeval tv = lr_tv_ms(srv->cfg->total_ms);
    evtimer_add(c->timer, &tv);
  }
  make_request_id(c, ex, head->request_id);
  if (c->tls && !c->identity_done) {
    c->identity_done = true;
    c->peer_identity = lr_tls_peer_identity(bufferevent_openssl_get_ssl(c->bev));
  }
  bool body = head->chunked || (head->has_length && head->length > 0);
  if (head->method == HTTP_CONNECT || !valid_target(head)) {
    send_error(c, head->method == HTTP_CONNECT ? 405 : 400,
               head->method == HTTP_CONNECT ? "method not allowed" : "invalid request target",
               true);
    return LR_HTTP_ABORT;
  }
  ex->route = lr_serve_route(srv->cfg, head->path);
  if (!ex->route) {
    send_error(c, 404, "no route", body);
    return body ? LR_HTTP_ABORT : LR_HTTP_CONTINUE;
  }
  ex->skip_resp_body = head->method == HTTP_HEAD;
  lr_proxy_request *req = &ex->req;
  req->arena = c->arena;
  req->head = head;
  req->route = ex->route;
  req->route_name = lr_str_c(ex->route->name);
  req->client_ip = lr_str_c(c->ip);
  req->client_port = c->port;
  req->tls = c->tls;
  req->peer_identity = c->peer_identity;
  req->wall_ms = lr_clock_wall_ms(srv->clock);
  req->body_expected = body;
  req->base = c->w->base;
  req->worker = (unsigned)c->w->index;
  req->on_resume = exchange_resume;
  req->resume_arg = ex;
  lr_proxy_answer ans = {0};
  lr_stage_verdict v = lr_pipeline_head(srv->pipeline, req, &ans);
  if (v == LR_STAGE_ANSWER) return answer_early(ex, &ans, body);
  if (v == LR_STAGE_NEED_BODY && body) {
    if (head->has_length && head->length > srv->cfg->body_limit) {
      send_error(c, 413, "request body too large", true);
      return LR_HTTP_ABORT;
    }
    ex->buffering = true;
  }
  if (head->expect_continue && body) lr_io_write(c->w, &c->io, "HTTP/1.1 100 Continue\r\n\r\n", 25);
  if (!ex->buffering) {
    v = lr_pipeline_request(srv->pipeline, req, &ans);
    if (v == LR_STAGE_PENDING && body) {
      /* A waiting stage cannot hold a streamed body: fail closed. */
      req->pending_pl = NULL; /* a late resume finds nothing to do */
      ans = (lr_proxy_answer){.status = 500, .body = LR_STR("{\"error\": \"internal error\"}")};
      v = LR_STAGE_ANSWER;
    }
    if (v == LR_STAGE_ANSWER) return answer_early(ex, &ans, body);
    if (v == LR_STAGE_PENDING)
      ex->pending = true;
    else
      start_forward(ex);
  }
  return LR_HTTP_CONTINUE;
}

static int on_req_body(void *ud, const char *p, size_t n) {
  lr_conn *c = ud;
  lr_exchange *ex = c->ex;
  if (!ex || ex->resp_complete) return LR_HTTP_CONTINUE; /* answered: discard */
  if (ex->buffering) {
    if (c->body.len + n > cfg_of(c)->body_limit) {
      send_error(c, 413, "request body too large", true);
      return LR_HTTP_ABORT;
    }
    lr_buf_append(&c->body, p, n);
    return LR_HTTP_CONTINUE;
  }
  if (!ex->up) return LR_HTTP_CONTINUE;
  if (ex->req_framing == LR_HTTP_FRAME_CHUNKED) {
    char line[24];
    int k = snprintf(line, sizeof line, "%zx\r\n", n);
    lr_upstream_send(ex, line, (size_t)k);
    lr_upstream_send(ex, p, n);
    lr_upstream_send(ex, "\r\n", 2);
  } else {
    lr_upstream_send(ex, p, n);
  }
  return LR_HTTP_CONTINUE;
}

static int on_req_done(void *ud) {
  lr_conn *c = ud;
  lr_exchange *ex = c->ex;
  if (!ex) return LR_HTTP_PAUSE;
  ex->req_complete = true;
  /* From now on the upstream's silence counts, not the client's: a long SSE
   * answer must not be cut because the client has nothing more to say. */
  set_idle_timeout(c, false);
  if (!ex->resp_complete && ex->buffering) {
    ex->req.body = lr_buf_str(&c->body);
    ex->req.body_buffered = true;
    lr_proxy_answer ans = {0};
    lr_stage_verdict v = lr_pipeline_request(c->w->srv->pipeline, &ex->req, &ans);
    if (v == LR_STAGE_ANSWER)
      send_answer(ex, &ans);
    else if (v == LR_STAGE_PENDING)
      ex->pending = true; /* exchange_resume goes on */
    else
      start_forward(ex);
  } else if (!ex->resp_complete && ex->up && ex->req_framing == LR_HTTP_FRAME_CHUNKED) {
    lr_upstream_send(ex, "0\r\n\r\n", 5);
  }
  if (c->ex == ex && ex->resp_complete)
    finish_exchange(ex);
  else if (c->ex == ex)
    c->parse_paused = true;
  return LR_HTTP_PAUSE;
}

/* A stage that returned LR_STAGE_PENDING has its verdict (from the event
 * loop, never inside the parser): answer or forward the complete request. */
static void exchange_resume(void *arg, int verdict, const lr_proxy_answer *ans) {
  lr_exchange *ex = arg;
  lr_conn *c = ex->c;
  if (c->ex != ex || !ex->pending || ex->resp_started) return;
  ex->pending = false;
  if (verdict == LR_STAGE_ANSWER) {
    send_answer(ex, ans);
    finish_exchange(ex); /* may close c: nothing touches it afterwards */
  } else {
    start_forward(ex);
  }
}

static void conn_process(lr_conn *c) {
  struct evbuffer *in = bufferevent_get_input(c->bev);
  c->busy++;
  while (!c->dead && !c->closing && !c->parse_paused && !c->read_blocked) {
    if (evbuffer_get_length(in) == 0) break;
    if (!c->ex) {
      if (c->w->draining) {
        conn_close_after_flush(c);
        break;
      }
      begin_exchange(c);
    }
    struct evbuffer_iovec v;
    if (evbuffer_peek(in, -1, NULL, &v, 1) < 1) break;
    size_t n = v.iov_len > LR_READ_MAX ? LR_READ_MAX : v.iov_len, used = 0;
    lr_http_result r = lr_http_parser_feed(&c->parser, v.iov_base, n, &used);
    if (!c->dead && !c->closing) evbuffer_drain(in, used);
    if (r == LR_HTTP_ERROR) {
      if (c->parser.err_status && !c->dead && !c->closing)
        send_error(c, c->parser.err_status, c->parser.err_text, true);
      break;
    }
    if (r == LR_HTTP_PAUSED) lr_http_parser_resume(&c->parser);
    if (c->ex && c->ex->up && lr_upstream_pending(c->ex) > LR_WM_HIGH) {
      c->read_blocked = true;
      lr_io_reading(&c->io, false);
    }
  }
  c->busy--;
  if (c->dead && !c->busy) {
    conn_destroy(c);
    return;
  }
  if (!c->closing) lr_io_refill(&c->io);
  if (!c->busy && c->read_eof && !c->ex && !c->closing) conn_close_after_flush(c);
}

static void conn_read_cb(struct bufferevent *bev, void *arg) {
  (void)bev;
  lr_conn *c = arg;
  if (c->closing) {
    struct evbuffer *in = bufferevent_get_input(c->bev);
    evbuffer_drain(in, evbuffer_get_length(in));
    return;
  }
  conn_process(c);
}

static void conn_write_cb(struct bufferevent *bev, void *arg) {
  lr_conn *c = arg;
  lr_io_drained(&c->io);
  size_t left = evbuffer_get_length(bufferevent_get_output(bev));
  if (c->closing) {
    if (left == 0) conn_close(c);
    return;
  }
  if (c->ex && c->ex->up && left <= LR_WM_LOW) lr_upstream_pause(c->ex, false);
}

static void conn_event_cb(struct bufferevent *bev, short what, void *arg) {
  (void)bev;
  lr_conn *c = arg;
  if (what & BEV_EVENT_TIMEOUT) {
    if (c->closing || !c->ex) {
      conn_close(c); /* idle keep-alive connection, or a client not reading */
      return;
    }
    send_error(c, 408, "request timeout", true);
    return;
  }
  if (what & BEV_EVENT_EOF && !c->closing) {
    c->read_eof = true;
    lr_exchange *ex = c->ex;
    bool pending = evbuffer_get_length(bufferevent_get_input(c->bev)) > 0;
    if (!ex) {
      if (pending)
        conn_process(c);
      else
        conn_close_after_flush(c);
      return;
    }
    /* Mid-request, or waiting for an answer nobody will read: abort. */
    if (!ex->req_complete || !pending) conn_close(c);
    return;
  }
  if (what & (BEV_EVENT_ERROR | BEV_EVENT_EOF)) conn_close(c);
}

static void conn_timer_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  lr_conn *c = arg;
  if (!c->ex) return;
  if (!c->ex->head)
    send_error(c, 408, "request header timeout", true);
  else if (!c->ex->resp_started) {
    LR_METRIC_ADD(c->w->m.upstream_errors[LR_UPERR_TIMEOUT], 1);
    send_error(c, 504, "request took too long", true);
  } else
    conn_close(c);
}

void lr_conn_force_close(lr_conn *c) { conn_destroy(c); }

void lr_conn_drain_all(lr_worker *w) {
  for (lr_conn *c = w->conns, *next; c; c = next) {
    next = c->next;
    if (!c->ex && !c->closing) conn_close_after_flush(c);
  }
}

/* ---- called by upstream.c ---------------------------------------------- */

void lr_exchange_upstream_failed(lr_exchange *ex, int kind, int status, const char *text) {
  lr_conn *c = ex->c;
  LR_METRIC_ADD(c->w->m.upstream_errors[kind], 1);
  ex->up = NULL;
  if (ex->resp_started) {
    conn_close(c); /* the client sees a cut response, never a forged end */
    return;
  }
  bool close = !ex->req_complete;
  send_error(c, status, text, close);
  if (!close && c->ex == ex) finish_exchange(ex);
}

/* Writes the answer's head to the client (framing and keep-alive decided). */
static void write_response_head(lr_exchange *ex, const lr_http_head *h, uint64_t length) {
  lr_conn *c = ex->c;
  if (ex->resp_framing == LR_HTTP_FRAME_CLOSE || !ex->head->keep_alive || c->w->draining)
    ex->close_after = true;
  lr_buf *out = &c->w->scratch;
  lr_buf_clear(out);
  lr_http_write_response_head(out, h, ex->resp_framing, length, lr_str_c(ex->id), !ex->close_after);
  lr_io_write(c->w, &c->io, out->p, out->len);
  ex->status = h->status;
  ex->resp_started = true;
}

int lr_exchange_response_head(lr_exchange *ex, lr_http_head *h) {
  lr_conn *c = ex->c;
  if (h->status < 200) return LR_HTTP_CONTINUE; /* interim answers are dropped */
  const lr_http_head *req = ex->head;
  bool client11 = req->major == 1 && req->minor >= 1;
  bool no_body = ex->skip_resp_body || h->status == 204 || h->status == 304;
  bool has_length = h->has_length;
  ex->resp_mode = LR_RESP_STREAM;
  if (!no_body &&
      lr_pipeline_response_head(c->w->srv->pipeline, &ex->req, h) == LR_STAGE_NEED_BODY) {
    ex->resp_mode = lr_pipeline_is_sse(h->content_type) ? LR_RESP_EVENTS : LR_RESP_BUFFER;
    has_length = false; /* a stage may change the length */
  }
  if (no_body)
    ex->resp_framing = h->has_length ? LR_HTTP_FRAME_LENGTH : LR_HTTP_FRAME_NONE;
  else if (has_length)
    ex->resp_framing = LR_HTTP_FRAME_LENGTH;
  else if (client11)
    ex->resp_framing = LR_HTTP_FRAME_CHUNKED;
  else
    ex->resp_framing = LR_HTTP_FRAME_CLOSE;
  if (ex->resp_mode == LR_RESP_BUFFER) {
    ex->resp_head = h; /* the head waits for the (possibly rewritten) body */
    return LR_HTTP_CONTINUE;
  }
  write_response_head(ex, h, h->length);
  if (no_body) ex->resp_framing = LR_HTTP_FRAME_NONE;
  return ex->skip_resp_body ? LR_HTTP_SKIP_BODY : LR_HTTP_CONTINUE;
}

static void send_body(lr_exchange *ex, const char *p, size_t n) {
  lr_conn *c = ex->c;
  if (ex->resp_framing == LR_HTTP_FRAME_NONE || n == 0) return;
  struct evbuffer *out = bufferevent_get_output(c->bev);
  if (ex->resp_framing == LR_HTTP_FRAME_CHUNKED) {
    evbuffer_add_printf(out, "%zx\r\n", n);
    evbuffer_add(out, p, n);
    evbuffer_add(out, "\r\n", 2);
  } else {
    evbuffer_add(out, p, n);
  }
  lr_io_touch(c->w, &c->io);
  if (evbuffer_get_length(out) > LR_WM_HIGH) lr_upstream_pause(ex, true);
}

/* Passes one SSE event through the response stages, then on to the client. */
static void filter_event(lr_exchange *ex, lr_str event) {
  lr_conn *c = ex->c;
  if (!c->events) c->events = lr_arena_new(4096);
  lr_proxy_response resp = {.head = NULL, .body = event, .sse_event = true, .scratch = c->events};
  lr_proxy_answer ans = {0};
  if (lr_pipeline_response(c->w->srv->pipeline, &ex->req, &resp, &ans) != LR_STAGE_ANSWER)
    send_body(ex, resp.body.p, resp.body.n); /* else dropped */
  lr_arena_reset(c->events);
}

/* Length of the first complete SSE event in s (through its blank line), 0
 * when none is complete yet. Lines end in LF, CRLF or CR (HTML SSE spec). */
static size_t sse_event_len(lr_str s) {
  for (size_t i = 0; i + 1 < s.n; i++) {
    if (s.p[i] == '\n' && s.p[i + 1] == '\n') return i + 2;
    if (s.p[i] == '\r' && s.p[i + 1] == '\r') return i + 2;
    if (i + 3 < s.n && memcmp(s.p + i, "\r\n\r\n", 4) == 0) return i + 4;
  }
  return 0;
}

/* The answer must be inspected but is too large: fail closed. */
static void inspect_overflow(lr_exchange *ex) {
  LR_METRIC_ADD(ex->c->w->m.upstream_errors[LR_UPERR_PROTOCOL], 1);
  lr_upstream_release(ex, false);
  if (ex->resp_started)
    conn_close(ex->c);
  else
    send_error(ex->c, 502, "upstream answer too large to inspect", true);
}

void lr_exchange_response_body(lr_exchange *ex, const char *p, size_t n) {
  lr_conn *c = ex->c;
  if (ex->resp_mode == LR_RESP_STREAM) {
    send_body(ex, p, n);
    return;
  }
  if (c->rbody.len + n > cfg_of(c)->body_limit) {
    inspect_overflow(ex);
    return;
  }
  lr_buf_append(&c->rbody, p, n);
  if (ex->resp_mode != LR_RESP_EVENTS) return;
  size_t done = 0, k;
  while ((k = sse_event_len(lr_str_make(c->rbody.p + done, c->rbody.len - done))) > 0) {
    filter_event(ex, lr_str_make(c->rbody.p + done, k));
    done += k;
  }
  if (done) {
    memmove(c->rbody.p, c->rbody.p + done, c->rbody.len - done);
    c->rbody.len -= done;
  }
}

void lr_exchange_response_done(lr_exchange *ex) {
  lr_conn *c = ex->c;
  if (ex->resp_mode == LR_RESP_EVENTS && c->rbody.len) filter_event(ex, lr_buf_str(&c->rbody));
  if (ex->resp_mode == LR_RESP_BUFFER) {
    lr_proxy_response resp = {.head = ex->resp_head, .body = lr_buf_str(&c->rbody)};
    lr_proxy_answer ans = {0};
    if (lr_pipeline_response(c->w->srv->pipeline, &ex->req, &resp, &ans) == LR_STAGE_ANSWER) {
      send_answer(ex, &ans);
    } else {
      if (ex->resp_framing == LR_HTTP_FRAME_CLOSE) ex->resp_framing = LR_HTTP_FRAME_LENGTH;
      if (ex->resp_framing == LR_HTTP_FRAME_CHUNKED) ex->resp_framing = LR_HTTP_FRAME_LENGTH;
      write_response_head(ex, ex->resp_head, resp.body.n);
      send_body(ex, resp.body.p, resp.body.n);
    }
    ex->resp_framing = LR_HTTP_FRAME_LENGTH;
  }
  if (ex->resp_framing == LR_HTTP_FRAME_CHUNKED) lr_io_write(c->w, &c->io, "0\r\n\r\n", 5);
  ex->resp_complete = true;
  if (!ex->req_complete) ex->close_after = true; /* early answer: drop the rest */
  finish_exchange(ex);
}

void lr_exchange_upstream_writable(lr_exchange *ex) {
  lr_conn *c = ex->c;
  if (!c->read_blocked) return;
  c->read_blocked = false;
  lr_io_reading(&c->io, true);
  if (!c->busy) conn_process(c);
}
