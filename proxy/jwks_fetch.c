/*
 * jwks_fetch.c — `--jwks-url`: a background thread that fetches a JWK set
 * over http:// or https:// and swaps it into the verifier's key slot, at
 * start and then every refresh interval (see jwks_fetch.h). Requests never
 * wait for it: until the first fetch succeeds there are no keys and JWTs
 * are refused (unknown kid); a failed refresh keeps the previous keys.
 */
#include "jwks_fetch.h"

#include <errno.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FETCH_MAX (1u << 20) /* largest JWKS document accepted */
#define FETCH_TIMEOUT_MS 10000

struct lr_jwks_fetcher {
  char *url, *host, *port, *path;
  bool tls;
  SSL_CTX *ctx;
  lr_jwks_slot *slot;
  int64_t refresh_ms;
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  bool stop;
  unsigned fetches_ok, fetches_failed; /* under mu */
};

static lr_status parse_url(lr_jwks_fetcher *f, const char *url, lr_buf *err) {
  const char *rest;
  if (strncmp(url, "https://", 8) == 0)
    rest = url + 8, f->tls = true;
  else if (strncmp(url, "http://", 7) == 0)
    rest = url + 7, f->tls = false;
  else {
    lr_buf_printf(err, "--jwks-url '%s': want http:// or https://", url);
    return LR_ERR;
  }
  size_t hn = strcspn(rest, "/");
  const char *path = rest[hn] ? rest + hn : "/";
  char *hostport = strndup(rest, hn);
  char *colon = strrchr(hostport, ':');
  if (hostport[0] == '[') { /* [v6]:port */
    char *close = strchr(hostport, ']');
    colon = close && close[1] == ':' ? close + 1 : NULL;
    if (close) *close = 0;
    f->host = lr_xstrdup(hostport + 1);
  } else {
    if (colon) *colon = 0;
    f->host = lr_xstrdup(hostport);
  }
  f->port = lr_xstrdup(colon ? colon + 1 : (f->tls ? "443" : "80"));
  f->path = lr_xstrdup(path);
  free(hostport);
  if (!*f->host || strpbrk(f->path, " \r\n")) {
    lr_buf_printf(err, "--jwks-url '%s': invalid URL", url);
    return LR_ERR;
  }
  return LR_OK;
}

/* Connects with a deadline; -1 on failure. */
static int dial(const lr_jwks_fetcher *f) {
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
  if (getaddrinfo(f->host, f->port, &hints, &res) != 0) return -1;
  int fd = -1;
  for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    struct timeval tv = {FETCH_TIMEOUT_MS / 1000, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(res);
  return fd;
}

/* GET over HTTP/1.0 (no chunked answers); body appended to out. */
static lr_status fetch(lr_jwks_fetcher *f, lr_buf *out) {
  int fd = dial(f);
  if (fd < 0) return LR_ERR;
  SSL *ssl = NULL;
  lr_status st = LR_ERR;
  if (f->tls) {
    ssl = SSL_new(f->ctx);
    if (!ssl || !SSL_set_fd(ssl, fd) || !SSL_set_tlsext_host_name(ssl, f->host) ||
        !SSL_set1_host(ssl, f->host) || SSL_connect(ssl) != 1)
      goto out;
  }
  lr_buf req = {0};
  lr_buf_printf(&req,
                "GET %s HTTP/1.0\r\nHost: %s\r\nAccept: application/json\r\n"
                "User-Agent: larch\r\nConnection: close\r\n\r\n",
                f->path, f->host);
  int w = ssl ? SSL_write(ssl, req.p, (int)req.len) : (int)send(fd, req.p, req.len, MSG_NOSIGNAL);
  bool sent = w == (int)req.len;
  lr_buf_free(&req);
  if (!sent) goto out;
  lr_buf resp = {0};
  for (;;) {
    char chunk[16384];
    int n = ssl ? SSL_read(ssl, chunk, sizeof chunk) : (int)recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) break;
    lr_buf_append(&resp, chunk, (size_t)n);
    if (resp.len > FETCH_MAX) break;
  }
  const char *sep = resp.p ? strstr(resp.p, "\r\n\r\n") : NULL;
  int status = 0;
  if (sep && resp.len <= FETCH_MAX && sscanf(resp.p, "HTTP/%*d.%*d %d", &status) == 1 &&
      status == 200) {
    lr_buf_append(out, sep + 4, resp.len - (size_t)(sep + 4 - resp.p));
    st = LR_OK;
  }
  lr_buf_free(&resp);
out:
  if (ssl) {
    SSL_shutdown(ssl);
    SSL_free(ssl);
  }
  close(fd);
  return st;
}

static bool refresh_once(lr_jwks_fetcher *f) {
  lr_buf body = {0};
  bool ok = false;
  if (fetch(f, &body) == LR_OK) {
    lr_diags d = {0};
    lr_jwks *k = lr_jwks_parse(body.p ? body.p : "", body.len, f->url, 0, &d);
    if (k) {
      lr_jwks_slot_swap(f->slot, k);
      ok = true;
    } else {
      lr_buf msg = {0};
      lr_diags_render_short(&d, &msg);
      fprintf(stderr, "larch: --jwks-url: %s", msg.p ? msg.p : "invalid JWK set\n");
      lr_buf_free(&msg);
    }
    lr_diags_free(&d);
  } else {
    fprintf(stderr, "larch: --jwks-url %s: fetch failed (previous keys stay)\n", f->url);
  }
  lr_buf_free(&body);
  return ok;
}

static void *run(void *arg) {
  lr_jwks_fetcher *f = arg;
  int64_t wait_ms = 0;
  pthread_mutex_lock(&f->mu);
  while (!f->stop) {
    if (wait_ms > 0) {
      struct timespec ts;
      clock_gettime(CLOCK_REALTIME, &ts);
      ts.tv_sec += (time_t)(wait_ms / 1000);
      ts.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
      if (ts.tv_nsec >= 1000000000L) ts.tv_sec++, ts.tv_nsec -= 1000000000L;
      pthread_cond_timedwait(&f->cv, &f->mu, &ts);
      if (f->stop) break;
    }
    pthread_mutex_unlock(&f->mu);
    bool ok = refresh_once(f);
    pthread_mutex_lock(&f->mu);
    if (ok)
      f->fetches_ok++;
    else
      f->fetches_failed++;
    /* Retry soon until the first success, then at the refresh interval. */
    wait_ms = ok || f->fetches_ok ? f->refresh_ms : 1000;
  }
  pthread_mutex_unlock(&f->mu);
  return NULL;
}

lr_jwks_fetcher *lr_jwks_fetcher_start(const char *url, lr_jwks_slot *slot, const char *ca_file,
                                       int64_t refresh_ms, lr_buf *err) {
  lr_jwks_fetcher *f = lr_xcalloc(1, sizeof *f);
  f->url = lr_xstrdup(url);
  f->slot = slot;
  f->refresh_ms = refresh_ms > 0 ? refresh_ms : 300000;
  pthread_mutex_init(&f->mu, NULL);
  pthread_cond_init(&f->cv, NULL);
  if (parse_url(f, url, err) != LR_OK) goto fail;
  if (f->tls) {
    f->ctx = SSL_CTX_new(TLS_client_method());
    if (!f->ctx) goto tls_fail;
    SSL_CTX_set_min_proto_version(f->ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(f->ctx, SSL_VERIFY_PEER, NULL);
    if ((ca_file ? SSL_CTX_load_verify_locations(f->ctx, ca_file, NULL)
                 : SSL_CTX_set_default_verify_paths(f->ctx)) != 1)
      goto tls_fail;
  }
  if (pthread_create(&f->thread, NULL, run, f) != 0) {
    lr_buf_puts(err, "--jwks-url: cannot start the fetch thread");
    goto fail;
  }
  return f;
tls_fail:
  lr_buf_printf(err, "--jwks-url: cannot set up TLS (%s)", ca_file ? ca_file : "system CAs");
fail:
  f->thread = 0;
  lr_jwks_fetcher_stop(f);
  return NULL;
}

void lr_jwks_fetcher_stop(lr_jwks_fetcher *f) {
  if (!f) return;
  if (f->thread) {
    pthread_mutex_lock(&f->mu);
    f->stop = true;
    pthread_cond_signal(&f->cv);
    pthread_mutex_unlock(&f->mu);
    pthread_join(f->thread, NULL);
  }
  SSL_CTX_free(f->ctx);
  pthread_mutex_destroy(&f->mu);
  pthread_cond_destroy(&f->cv);
  free(f->url);
  free(f->host);
  free(f->port);
  free(f->path);
  free(f);
}
