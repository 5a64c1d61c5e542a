/*
 * server.c — the server lifecycle: worker threads (one event loop and one
 * SO_REUSEPORT listener each), signals (SIGTERM/SIGINT drain, SIGHUP
 * reload), readiness and the reload hook.
 *
 * Drain: the main thread tells every worker through its control pipe; a
 * worker closes its listener (new connections are refused), closes idle
 * connections, lets in-flight exchanges finish (answers then carry
 * "Connection: close") and stops when none is left or after drain_ms.
 */
#include <dirent.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <unistd.h>

#include "admin.h"
#include "ops.h"
#include "tls.h"
#include "worker.h"

lr_server *lr_server_new(const lr_serve_config *cfg, const lr_pipeline *pl, const lr_clock *clock,
                         lr_buf *err) {
  lr_server *s = lr_xcalloc(1, sizeof *s);
  s->cfg = cfg;
  s->pipeline = pl;
  s->clock = clock;
  if (cfg->tls_cert) {
    s->tls_server = lr_tls_server_ctx(cfg->tls_cert, cfg->tls_key, cfg->tls_client_ca, err);
    if (!s->tls_server) goto fail;
  }
  bool any_tls = false;
  for (size_t i = 0; i < cfg->nroutes; i++) any_tls |= cfg->routes[i].origin.tls;
  if (any_tls) {
    s->tls_upstream = lr_tls_client_ctx(cfg->upstream_ca, err);
    if (!s->tls_upstream) goto fail;
  }
  if (getrandom(&s->id_seed, sizeof s->id_seed, 0) != sizeof s->id_seed)
    s->id_seed = (uint64_t)lr_clock_wall_ms(clock) * 2654435761u ^ (uint64_t)getpid();
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  s->nworkers = cfg->workers > 0 ? cfg->workers : (cores > 0 ? (int)cores : 1);
  s->workers = lr_xcalloc((size_t)s->nworkers, sizeof *s->workers);
  lr_buf msg = {0};
  if (lr_server_reload(s, &msg) != LR_OK) {
    lr_buf_printf(err, "%s", msg.p ? msg.p : "cannot load policies");
    lr_buf_free(&msg);
    goto fail;
  }
  lr_buf_free(&msg);
  return s;
fail:
  lr_server_free(s);
  return NULL;
}

void lr_server_free(lr_server *s) {
  if (!s) return;
  SSL_CTX_free(s->tls_server);
  SSL_CTX_free(s->tls_upstream);
  free(s->workers);
  free(s->last_reload_error);
  lr_buf_free(&s->loaded_files);
  free(s);
}

void lr_server_on_reload(lr_server *s, lr_status (*fn)(void *ctx, lr_buf *msg), void *ctx) {
  s->reload_fn = fn;
  s->reload_ctx = ctx;
}

/* Reloads what can change at run time (the hook, else a directory check). */
static lr_status reload_now(lr_server *s, lr_buf *msg) {
  if (s->reload_fn) {
    if (s->reload_fn(s->reload_ctx, msg) != LR_OK) return LR_ERR;
    __atomic_store_n(&s->policies_ok, 1, __ATOMIC_RELEASE);
    __atomic_add_fetch(&s->reloads, 1, __ATOMIC_RELAXED);
    return LR_OK;
  }
  const char *dir = s->cfg->policies;
  if (!dir) {
    __atomic_store_n(&s->policies_ok, 1, __ATOMIC_RELEASE);
    __atomic_add_fetch(&s->reloads, 1, __ATOMIC_RELAXED);
    lr_buf_puts(msg, "no policy directory configured");
    return LR_OK;
  }
  /* Policy loading arrives with issue 6: parse, validate and compile aside,
   * then swap. Until then the directory must exist and be readable. */
  DIR *d = opendir(dir);
  if (!d && errno == ENOTDIR) { /* a single policy file */
    __atomic_store_n(&s->policies_ok, 1, __ATOMIC_RELEASE);
    __atomic_add_fetch(&s->reloads, 1, __ATOMIC_RELAXED);
    lr_buf_printf(msg, "%s: a policy file", dir);
    return LR_OK;
  }
  if (!d) {
    lr_buf_printf(msg, "%s: %s", dir, strerror(errno));
    return LR_ERR;
  }
  size_t files = 0;
  for (struct dirent *e; (e = readdir(d));) {
    size_t n = strlen(e->d_name);
    if (n > 6 && strcmp(e->d_name + n - 6, ".cedar") == 0) files++;
  }
  closedir(d);
  __atomic_store_n(&s->policies_ok, 1, __ATOMIC_RELEASE);
  __atomic_add_fetch(&s->reloads, 1, __ATOMIC_RELAXED);
  lr_buf_printf(msg, "%s: %zu policy file(s) found", dir, files);
  return LR_OK;
}

int lr_server_workers(const lr_server *s) { return s->nworkers; }

/* ops: every reload (SIGHUP, POST /reload, the file watch, the first load)
 * goes through here, on the main thread, so the bookkeeping below needs no
 * lock (GET /policies reads it on the main thread too). On success the
 * loaded files are hashed right away: /policies then shows what is in
 * force, even after a broken file was refused. */
lr_status lr_server_reload(lr_server *s, lr_buf *msg) {
  size_t before = msg->len;
  lr_status st = reload_now(s, msg);
  s->last_reload_ms = lr_clock_wall_ms(s->clock);
  free(s->last_reload_error);
  s->last_reload_error = NULL;
  if (st == LR_OK) {
    s->loaded_ms = s->last_reload_ms;
    lr_buf_clear(&s->loaded_files);
    lr_admin_snapshot_files(s->cfg, &s->loaded_files);
  } else {
    __atomic_add_fetch(&s->reload_failures, 1, __ATOMIC_RELAXED);
    s->last_reload_error = lr_xstrdup(msg->len > before ? msg->p + before : "reload failed");
  }
  return st;
}

bool lr_server_ready(const lr_server *s) {
  return __atomic_load_n(&s->ready, __ATOMIC_ACQUIRE) &&
         __atomic_load_n(&s->policies_ok, __ATOMIC_ACQUIRE) &&
         __atomic_load_n(&s->listening, __ATOMIC_ACQUIRE) == s->nworkers;
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len,
                      void *arg) {
  (void)l;
  lr_worker *w = arg;
  if (w->draining) {
    evutil_closesocket(fd);
    return;
  }
  lr_conn_accept(w, fd, sa, len);
}

static void on_accept_error(struct evconnlistener *l, void *arg) {
  (void)l, (void)arg;
  int e = EVUTIL_SOCKET_ERROR();
  fprintf(stderr, "larch: accept: %s\n", evutil_socket_error_to_string(e));
}

static void on_drain_timeout(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  lr_worker *w = arg;
  fprintf(stderr, "larch: worker %d: drain timeout, closing %zu connection(s)\n", w->index,
          w->nconns);
  event_base_loopexit(w->base, NULL);
}

static void on_control(evutil_socket_t fd, short what, void *arg) {
  (void)what;
  lr_worker *w = arg;
  char cmd;
  while (read(fd, &cmd, 1) == 1) {
    if (cmd != 'd' || w->draining) continue;
    w->draining = true;
    if (w->listener) {
      evconnlistener_free(w->listener);
      w->listener = NULL;
    }
    for (size_t i = 0; i < w->srv->cfg->nroutes; i++) lr_pool_clear(&w->pools[i]);
    lr_conn_drain_all(w);
    if (w->nconns == 0) {
      event_base_loopexit(w->base, NULL);
    } else if (w->srv->cfg->drain_ms > 0) {
      struct timeval tv = {w->srv->cfg->drain_ms / 1000, (w->srv->cfg->drain_ms % 1000) * 1000};
      w->drain_timer = evtimer_new(w->base, on_drain_timeout, w);
      evtimer_add(w->drain_timer, &tv);
    }
  }
}

static void *worker_main(void *arg) {
  lr_worker *w = arg;
  __atomic_add_fetch(&w->srv->listening, 1, __ATOMIC_RELEASE);
  event_base_dispatch(w->base);
  __atomic_sub_fetch(&w->srv->listening, 1, __ATOMIC_RELEASE);
  return NULL;
}

/* Creates the worker's base, listener and control pipe (main thread). */
static lr_status worker_setup(lr_server *s, lr_worker *w, int index, struct sockaddr *sa,
                              socklen_t salen, lr_buf *err) {
  w->srv = s;
  w->index = index;
  w->ctl[0] = w->ctl[1] = -1;
  struct event_config *ec = event_config_new();
  event_config_set_flag(ec, EVENT_BASE_FLAG_NOLOCK);
  event_config_set_flag(ec, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
  w->base = event_base_new_with_config(ec);
  event_config_free(ec);
  if (!w->base) {
    lr_buf_puts(err, "cannot create event base");
    return LR_ERR;
  }
  w->listener = evconnlistener_new_bind(w->base, on_accept, w,
                                        LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE |
                                            LEV_OPT_REUSEABLE_PORT | LEV_OPT_CLOSE_ON_EXEC,
                                        1024, sa, (int)salen);
  if (!w->listener) {
    lr_buf_printf(err, "cannot listen on %s: %s", s->cfg->listen, strerror(errno));
    return LR_ERR;
  }
  evconnlistener_set_error_cb(w->listener, on_accept_error);
  if (pipe2(w->ctl, O_NONBLOCK | O_CLOEXEC) != 0) {
    lr_buf_printf(err, "pipe: %s", strerror(errno));
    return LR_ERR;
  }
  w->flush_ev = event_new(w->base, -1, 0, lr_io_flush_all, w);
  /* Activated from I/O callbacks, it joins the tail of the same active queue:
   * it runs once, after every callback of this loop pass. */
  w->ctl_ev = event_new(w->base, w->ctl[0], EV_READ | EV_PERSIST, on_control, w);
  event_add(w->ctl_ev, NULL);
  for (size_t i = 0; i < s->cfg->nroutes; i++) w->pools[i].route = &s->cfg->routes[i];
  return LR_OK;
}

static void worker_teardown(lr_worker *w) {
  if (!w->base) return;
  while (w->conns) {
    lr_conn *c = w->conns;
    w->draining = false; /* no loopexit from inside teardown */
    lr_conn_force_close(c);
  }
  for (size_t i = 0; i < w->srv->cfg->nroutes; i++) lr_pool_clear(&w->pools[i]);
  lr_pipeline_worker_exit(w->srv->pipeline, (unsigned)w->index); /* per-worker stage state */
  if (w->listener) evconnlistener_free(w->listener);
  if (w->ctl_ev) event_free(w->ctl_ev);
  if (w->flush_ev) event_free(w->flush_ev);
  free(w->dirty);
  if (w->drain_timer) event_free(w->drain_timer);
  if (w->ctl[0] >= 0) close(w->ctl[0]);
  if (w->ctl[1] >= 0) close(w->ctl[1]);
  lr_buf_free(&w->scratch);
  event_base_free(w->base);
  w->base = NULL;
}

static void on_signal(evutil_socket_t sig, short what, void *arg) {
  (void)what;
  lr_server *s = arg;
  if (sig == SIGHUP) {
    lr_ops_reopen_log(s->ops); /* log rotation */
    lr_buf msg = {0};
    lr_status st = lr_server_reload(s, &msg);
    fprintf(stderr, "larch: reload %s: %s\n", st == LR_OK ? "done" : "refused", msg.p ? msg.p : "");
    lr_buf_free(&msg);
    return;
  }
  fprintf(stderr, "larch: %s, draining\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  __atomic_store_n(&s->ready, 0, __ATOMIC_RELEASE);
  for (int i = 0; i < s->nworkers; i++)
    if (write(s->workers[i].ctl[1], "d", 1) != 1) perror("larch: control pipe");
  event_del(s->sig_term);
  event_del(s->sig_int);
  /* Keep serving the admin API while workers drain; check every 20 ms. */
  struct timeval tick = {0, 20000};
  event_add(s->watch, &tick);
}

static void on_watch(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  lr_server *s = arg;
  if (!__atomic_load_n(&s->ready, __ATOMIC_ACQUIRE) &&
      __atomic_load_n(&s->listening, __ATOMIC_ACQUIRE) == 0)
    event_base_loopexit(s->base, NULL);
}

static void raise_fd_limit(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

/* Reload on file changes (ops, watch.c): every file the reload hook reads. */
static void start_file_watch(lr_server *s) {
  if (!s->cfg->watch) return;
  const lr_serve_config *c = s->cfg;
  const char *paths[] = {c->policies, c->entities, c->schema, c->api_keys, c->jwks, c->openapi};
  lr_buf err = {0};
  s->watcher = lr_watch_start(s, s->base, paths, sizeof paths / sizeof paths[0], &err);
  if (!s->watcher) fprintf(stderr, "larch: %s (reload with SIGHUP or POST /reload)\n", err.p);
  lr_buf_free(&err);
}

int lr_server_run(lr_server *s) {
  lr_buf err = {0};
  int status = 1;
  struct sockaddr_storage sa;
  socklen_t salen;
  signal(SIGPIPE, SIG_IGN);
  raise_fd_limit();
  if (lr_serve_parse_addr(s->cfg->listen, &sa, &salen, &err) != LR_OK) goto out;
  for (int i = 0; i < s->nworkers; i++)
    if (worker_setup(s, &s->workers[i], i, (struct sockaddr *)&sa, salen, &err) != LR_OK) goto out;
  s->base = event_base_new();
  if (s->cfg->admin && lr_admin_start(s, &err) != LR_OK) goto out;
  start_file_watch(s);
  s->sig_term = evsignal_new(s->base, SIGTERM, on_signal, s);
  s->sig_int = evsignal_new(s->base, SIGINT, on_signal, s);
  s->sig_hup = evsignal_new(s->base, SIGHUP, on_signal, s);
  event_add(s->sig_term, NULL);
  event_add(s->sig_int, NULL);
  event_add(s->sig_hup, NULL);
  for (int i = 0; i < s->nworkers; i++)
    if (pthread_create(&s->workers[i].thread, NULL, worker_main, &s->workers[i]) != 0) {
      lr_buf_printf(&err, "cannot start worker %d", i);
      goto out;
    }
  __atomic_store_n(&s->ready, 1, __ATOMIC_RELEASE);
  fprintf(stderr, "larch: listening on %s%s with %d worker(s)\n",
          s->cfg->tls_cert ? "https://" : "", s->cfg->listen, s->nworkers);
  s->watch = event_new(s->base, -1, EV_PERSIST, on_watch, s);
  event_base_dispatch(s->base);
  event_free(s->watch);
  s->watch = NULL;
  for (int i = 0; i < s->nworkers; i++) pthread_join(s->workers[i].thread, NULL);
  fprintf(stderr, "larch: drained, exiting\n");
  status = 0;
out:
  if (err.len) fprintf(stderr, "larch: %s\n", err.p);
  lr_buf_free(&err);
  if (status != 0) __atomic_store_n(&s->ready, 0, __ATOMIC_RELEASE);
  for (int i = 0; i < s->nworkers; i++) worker_teardown(&s->workers[i]);
  lr_admin_stop(s);
  lr_watch_stop(s->watcher);
  s->watcher = NULL;
  if (s->sig_term) event_free(s->sig_term);
  if (s->sig_int) event_free(s->sig_int);
  if (s->sig_hup) event_free(s->sig_hup);
  if (s->base) event_base_free(s->base);
  s->base = NULL;
  return status;
}
