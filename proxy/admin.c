/*
 * admin.c — the admin API (see admin.h). Answers are small and computed on
 * the main thread; worker metrics are read with relaxed atomic loads.
 */
#include "admin.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <stdlib.h>
#include <string.h>

#include "worker.h"

static void reply(struct evhttp_request *r, int code, const char *type, const char *body,
                  size_t n) {
  struct evkeyvalq *h = evhttp_request_get_output_headers(r);
  evhttp_add_header(h, "Content-Type", type);
  evhttp_add_header(h, "Cache-Control", "no-store");
  struct evbuffer *b = evbuffer_new();
  evbuffer_add(b, body, n);
  evhttp_send_reply(r, code, NULL, b);
  evbuffer_free(b);
}

static void on_admin(struct evhttp_request *r, void *arg) {
  lr_server *s = arg;
  const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(r));
  enum evhttp_cmd_type cmd = evhttp_request_get_command(r);
  if (!path) path = "/";
  lr_buf out = {0};
  if (strcmp(path, "/healthz") == 0) {
    reply(r, 200, "text/plain", "ok\n", 3);
  } else if (strcmp(path, "/readyz") == 0) {
    bool ok = lr_server_ready(s);
    reply(r, ok ? 200 : 503, "text/plain", ok ? "ready\n" : "not ready\n", ok ? 6 : 10);
  } else if (strcmp(path, "/metrics") == 0) {
    lr_server_metrics(s, &out);
    reply(r, 200, "text/plain; version=0.0.4", out.p, out.len);
  } else if (strcmp(path, "/reload") == 0) {
    if (cmd != EVHTTP_REQ_POST) {
      reply(r, 405, "application/json", "{\"error\": \"use POST\"}\n", 22);
    } else {
      lr_buf msg = {0};
      lr_status st = lr_server_reload(s, &msg);
      lr_buf_puts(&out, st == LR_OK ? "{\"reloaded\": true, \"message\": " : "{\"error\": ");
      lr_buf_json_str(&out, msg.p ? msg.p : "", msg.len);
      lr_buf_puts(&out, "}\n");
      reply(r, st == LR_OK ? 200 : 500, "application/json", out.p, out.len);
      lr_buf_free(&msg);
    }
  } else {
    reply(r, 404, "application/json", "{\"error\": \"not found\"}\n", 23);
  }
  lr_buf_free(&out);
}

lr_status lr_admin_start(lr_server *s, lr_buf *err) {
  char host[256];
  const char *addr = s->cfg->admin;
  const char *colon = strrchr(addr, ':');
  if (!colon || (size_t)(colon - addr) >= sizeof host) {
    lr_buf_printf(err, "invalid admin address '%s' (want host:port)", addr);
    return LR_ERR;
  }
  size_t hn = (size_t)(colon - addr);
  memcpy(host, addr, hn);
  host[hn] = 0;
  if (hn >= 2 && host[0] == '[') {
    memmove(host, host + 1, hn - 2);
    host[hn - 2] = 0;
  }
  s->admin = evhttp_new(s->base);
  evhttp_set_allowed_methods(s->admin, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD);
  evhttp_set_gencb(s->admin, on_admin, s);
  if (evhttp_bind_socket(s->admin, host, (uint16_t)atoi(colon + 1)) != 0) {
    lr_buf_printf(err, "cannot bind admin listener %s", addr);
    return LR_ERR;
  }
  return LR_OK;
}

void lr_admin_stop(lr_server *s) {
  if (s->admin) evhttp_free(s->admin);
  s->admin = NULL;
}
