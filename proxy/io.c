/*
 * io.c — batched output for plain-socket bufferevents (see worker.h).
 *
 * libevent arms a write event whenever data is queued and disarms it once the
 * buffer drained: two epoll_ctl calls and an extra loop pass per answer. Here
 * a plain socket keeps EV_WRITE disabled; writes only append to its output
 * buffer and mark it dirty, and a per-worker event activated once per loop
 * pass writes every dirty buffer straight to its socket (one writev each).
 * Only what the kernel does not take is left to the bufferevent, with
 * EV_WRITE enabled until it drained. TLS bufferevents write as usual.
 */
#include <errno.h>

#include "worker.h"

void lr_io_init(lr_io *io, struct bufferevent *bev, bool direct, bool ready,
                bufferevent_data_cb on_drained, void *arg) {
  io->bev = bev;
  io->direct = direct;
  io->ready = ready;
  io->dirty = false;
  io->on_drained = on_drained;
  io->arg = arg;
  /* bufferevents start with EV_WRITE enabled; a direct one arms it only
   * while the kernel lags behind. */
  if (direct) bufferevent_disable(bev, EV_WRITE);
}

void lr_io_touch(lr_worker *w, lr_io *io) {
  if (!io->direct) return; /* the bufferevent schedules its own writes */
  if (io->dirty) return;
  io->dirty = true;
  if (w->ndirty == w->capdirty) {
    w->capdirty = w->capdirty ? w->capdirty * 2 : 64;
    w->dirty = lr_xrealloc(w->dirty, w->capdirty * sizeof *w->dirty);
  }
  w->dirty[w->ndirty++] = io;
  if (w->ndirty == 1) event_active(w->flush_ev, EV_WRITE, 0);
}

void lr_io_write(lr_worker *w, lr_io *io, const void *p, size_t n) {
  if (!io->direct) {
    bufferevent_write(io->bev, p, n);
    return;
  }
  evbuffer_add(bufferevent_get_output(io->bev), p, n);
  lr_io_touch(w, io);
}

void lr_io_flush(lr_io *io) {
  struct evbuffer *out = bufferevent_get_output(io->bev);
  io->dirty = false;
  if (!io->direct || !io->ready || evbuffer_get_length(out) == 0) return;
  evutil_socket_t fd = bufferevent_getfd(io->bev);
  /* The bufferevent keeps its output's start frozen outside its own writes. */
  evbuffer_unfreeze(out, 1);
  while (evbuffer_get_length(out) > 0) {
    int k = evbuffer_write(out, fd);
    if (k <= 0) break; /* EAGAIN, or an error the bufferevent will report */
  }
  evbuffer_freeze(out, 1);
  if (evbuffer_get_length(out) > 0) {
    bufferevent_enable(io->bev, EV_WRITE);
    return;
  }
  if (io->on_drained) io->on_drained(io->bev, io->arg);
}

void lr_io_forget(lr_worker *w, lr_io *io) {
  if (!io->dirty) return;
  for (size_t i = 0; i < w->ndirty; i++)
    if (w->dirty[i] == io) w->dirty[i] = NULL;
  io->dirty = false;
}

void lr_io_flush_all(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  lr_worker *w = arg;
  /* Flushing may queue more (a drained client resumes an upstream): loop. */
  for (size_t i = 0; i < w->ndirty; i++)
    if (w->dirty[i]) lr_io_flush(w->dirty[i]);
  w->ndirty = 0;
}

void lr_io_drained(lr_io *io) {
  if (io->direct && evbuffer_get_length(bufferevent_get_output(io->bev)) == 0)
    bufferevent_disable(io->bev, EV_WRITE);
}
