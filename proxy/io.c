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
 *
 * Reading a plain socket is done here too: libevent's bufferevent asks the
 * kernel how much is readable (ioctl FIONREAD) before every read, one more
 * system call per read. A persistent read event (with the idle timeout)
 * receives straight into the bufferevent's input buffer instead, bounded by
 * LR_READ_MAX, and reports data, EOF, errors and timeouts through the same
 * callbacks as the bufferevent would.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "worker.h"

static void on_readable(evutil_socket_t fd, short what, void *arg);

void lr_io_init(lr_io *io, struct bufferevent *bev, bool direct, bool ready,
                bufferevent_data_cb on_drained, void *arg) {
  memset(io, 0, sizeof *io);
  io->bev = bev;
  io->direct = direct;
  io->ready = ready;
  io->dirty = false;
  io->on_drained = on_drained;
  io->arg = arg;
  /* bufferevents start with EV_WRITE enabled; a direct one arms it only
   * while the kernel lags behind. */
  if (direct) bufferevent_disable(bev, EV_WRITE | EV_READ);
}

void lr_io_set_reader(lr_io *io, bufferevent_data_cb on_read, bufferevent_event_cb on_event) {
  io->on_read = on_read;
  io->on_event = on_event;
}

/* (Re)arms the direct read event as io->reading and the fill level say. */
static void arm(lr_io *io) {
  bool want = io->reading && !io->closed &&
              evbuffer_get_length(bufferevent_get_input(io->bev)) < LR_READ_MAX;
  if (!io->rev) {
    evutil_socket_t fd = bufferevent_getfd(io->bev);
    if (fd < 0 || !want) return;
    io->rev = event_new(bufferevent_get_base(io->bev), fd, EV_READ | EV_PERSIST, on_readable, io);
  }
  if (!want) {
    if (io->armed) event_del(io->rev);
    io->armed = false;
    return;
  }
  struct timeval tv = lr_tv_ms(io->read_ms);
  if (io->armed && io->timeout_changed && io->read_ms <= 0)
    event_remove_timer(io->rev); /* event_add(ev, NULL) would keep the old one */
  else if (!io->armed || io->timeout_changed)
    event_add(io->rev, io->read_ms > 0 ? &tv : NULL);
  io->armed = true;
  io->timeout_changed = false;
}

void lr_io_reading(lr_io *io, bool on) {
  if (!io->direct) {
    if (on)
      bufferevent_enable(io->bev, EV_READ);
    else
      bufferevent_disable(io->bev, EV_READ);
    return;
  }
  io->reading = on;
  arm(io);
}

void lr_io_read_timeout(lr_io *io, int64_t ms) {
  if (!io->direct) {
    struct timeval tv = lr_tv_ms(ms);
    bufferevent_set_timeouts(io->bev, ms > 0 ? &tv : NULL, NULL);
    return;
  }
  if (io->read_ms == ms) return;
  io->read_ms = ms;
  io->timeout_changed = true;
  arm(io);
}

void lr_io_refill(lr_io *io) {
  if (io->direct && io->reading && !io->armed) arm(io);
}

void lr_io_close(lr_io *io) {
  if (io->rev) event_free(io->rev);
  io->rev = NULL;
  io->armed = false;
  io->closed = true;
}

static void on_readable(evutil_socket_t fd, short what, void *arg) {
  lr_io *io = arg;
  if (what & EV_TIMEOUT) {
    io->reading = false;
    arm(io);
    io->on_event(io->bev, BEV_EVENT_READING | BEV_EVENT_TIMEOUT, io->arg);
    return;
  }
  struct evbuffer *in = bufferevent_get_input(io->bev);
  struct evbuffer_iovec v;
  evbuffer_unfreeze(in, 0); /* the bufferevent keeps its input's end frozen */
  if (evbuffer_reserve_space(in, 16384, &v, 1) < 1) {
    evbuffer_freeze(in, 0);
    return;
  }
  ssize_t n = recv(fd, v.iov_base, v.iov_len, 0);
  if (n > 0) {
    v.iov_len = (size_t)n;
    evbuffer_commit_space(in, &v, 1);
  }
  evbuffer_freeze(in, 0);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
  if (n <= 0) {
    io->reading = false;
    arm(io);
    io->on_event(io->bev, BEV_EVENT_READING | (n == 0 ? BEV_EVENT_EOF : BEV_EVENT_ERROR), io->arg);
    return;
  }
  if (evbuffer_get_length(in) >= LR_READ_MAX) arm(io); /* full: pause until drained */
  io->on_read(io->bev, io->arg);
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
