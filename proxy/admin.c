/*
 * admin.c — the admin API (see admin.h). Answers are small and computed on
 * the main thread; worker metrics are read with relaxed atomic loads.
 *
 *   GET  /healthz    200 "ok"
 *   GET  /readyz     200 once listening with policies loaded, else 503
 *   GET  /metrics    Prometheus text
 *   POST /reload     200 {"reloaded": true, "message"} or 422 {"reloaded":
 *                    false, "error": "<file:line:col: ...>"} (old set kept)
 *   GET  /policies   what is in force: files with sha256, policies with
 *                    their @id, load time, the last reload error
 */
#include "admin.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd_files.h"
#include "ops.h"
#include "worker.h"

/* "2026-11-23T12:00:00.123Z" */
static void put_time(lr_buf *out, int64_t ms) {
  if (ms <= 0) {
    lr_buf_puts(out, "null");
    return;
  }
  time_t sec = (time_t)(ms / 1000);
  struct tm tm;
  gmtime_r(&sec, &tm);
  lr_buf_printf(out, "\"%04d-%02d-%02dT%02d:%02d:%02d.%03dZ\"", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

typedef struct snap {
  lr_buf *out;
  const char *kind;
  size_t n;
} snap;

static void snap_file(const char *path, void *arg) {
  snap *sn = arg;
  lr_buf text = {0};
  lr_buf_puts(sn->out, sn->n++ ? ",{\"path\":" : "{\"path\":");
  lr_buf_json_str(sn->out, path, strlen(path));
  lr_buf_printf(sn->out, ",\"kind\":\"%s\"", sn->kind);
  if (lr_buf_read_file(&text, path) != LR_OK) {
    const char *why = strerror(errno);
    lr_buf_puts(sn->out, ",\"error\":");
    lr_buf_json_str(sn->out, why, strlen(why));
  } else {
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_Digest(text.p ? text.p : "", text.len, md, &mdlen, EVP_sha256(), NULL);
    lr_buf_puts(sn->out, ",\"sha256\":\"");
    for (unsigned i = 0; i < mdlen; i++) lr_buf_printf(sn->out, "%02x", md[i]);
    lr_buf_printf(sn->out, "\",\"bytes\":%zu", text.len);
  }
  lr_buf_puts(sn->out, "}");
  lr_buf_free(&text);
}

void lr_admin_snapshot_files(const lr_serve_config *cfg, lr_buf *out) {
  snap sn = {out, "policies", 0};
  lr_buf_puts(out, "[");
  if (cfg->policies && lr_cli_walk(cfg->policies, ".cedar", snap_file, &sn) != 0)
    snap_file(cfg->policies, &sn); /* unreadable: say so */
  const struct {
    const char *path, *kind;
  } more[] = {{cfg->entities, "entities"},
              {cfg->schema, "schema"},
              {cfg->api_keys, "api_keys"},
              {cfg->jwks, "jwks"},
              {cfg->openapi, "openapi"}};
  for (size_t i = 0; i < sizeof more / sizeof more[0]; i++) {
    if (!more[i].path) continue;
    sn.kind = more[i].kind;
    snap_file(more[i].path, &sn);
  }
  lr_buf_puts(out, "]");
}

static void policies_json(const lr_server *s, lr_buf *out) {
  lr_buf_puts(out, "{\"loaded_at\":");
  put_time(out, s->loaded_ms);
  lr_buf_puts(out, ",\"files\":");
  if (s->loaded_files.len)
    lr_buf_append(out, s->loaded_files.p, s->loaded_files.len);
  else
    lr_buf_puts(out, "[]");
  lr_buf_puts(out, ",\"policies\":");
  lr_ops_policies(s->ops, out);
  lr_buf_printf(out, ",\"reloads\":%llu,\"reload_failures\":%llu,\"last_reload_at\":",
                (unsigned long long)__atomic_load_n(&s->reloads, __ATOMIC_RELAXED),
                (unsigned long long)__atomic_load_n(&s->reload_failures, __ATOMIC_RELAXED));
  put_time(out, s->last_reload_ms);
  lr_buf_puts(out, ",\"last_reload_error\":");
  if (s->last_reload_error)
    lr_buf_json_str(out, s->last_reload_error, strlen(s->last_reload_error));
  else
    lr_buf_puts(out, "null");
  lr_buf_puts(out, "}\n");
}

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
      fprintf(stderr, "larch: POST /reload: reload %s: %s\n", st == LR_OK ? "done" : "refused",
              msg.p ? msg.p : "");
      lr_buf_puts(&out, st == LR_OK ? "{\"reloaded\": true, \"message\": "
                                    : "{\"reloaded\": false, \"error\": ");
      lr_buf_json_str(&out, msg.p ? msg.p : "", msg.len);
      lr_buf_puts(&out, "}\n");
      reply(r, st == LR_OK ? 200 : 422, "application/json", out.p, out.len);
      lr_buf_free(&msg);
    }
  } else if (strcmp(path, "/policies") == 0) {
    policies_json(s, &out);
    reply(r, 200, "application/json", out.p, out.len);
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
