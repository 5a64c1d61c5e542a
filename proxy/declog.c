/*
 * declog.c — the decision log (see declog.h): per-producer SPSC byte rings
 * drained by one writer thread, and the JSON line formatter.
 *
 * Ring protocol: head (bytes ever pushed) is written only by its producer,
 * tail (bytes ever consumed) only by the writer; both are monotonic 64-bit
 * counters, the position in the buffer is counter & mask. A producer
 * publishes a whole line with a release store of head, so the writer never
 * sees half a line. The writer drains every ring until all are empty, then
 * sleeps one tick (LR_DECLOG_TICK_MS; an eventfd wakes it early for close
 * and reopen): lines gather meanwhile, so one write(2) carries many of them
 * and a producer never makes a system call or wakes anybody.
 *
 * Writes to pipes and sockets are at most PIPE_BUF bytes after poll() said
 * POLLOUT, so a reader that stopped reading cannot block the writer past
 * its close deadline; regular files are written in larger pieces.
 */
#include "declog.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LR_DECLOG_TICK_MS 5

typedef struct ring {
  _Alignas(64) uint64_t head; /* producer */
  uint64_t dropped;           /* producer: lines refused, relaxed */
  _Alignas(64) uint64_t tail; /* writer */
  char *buf;
  size_t size, mask;
} ring;

struct lr_declog {
  int fd;
  bool own_fd;
  char *path;  /* the file opened by lr_declog_open (NULL: stdout or borrowed) */
  int reopen;  /* atomic: the writer reopens path before its next write */
  bool stream; /* pipe or socket: small writes after poll */
  int evfd;
  pthread_t thread;
  ring *rings;
  int nrings;
  int stop;
  int64_t deadline_ms; /* close: give up writing after this (monotonic ms) */
  uint64_t written, wdropped;
  bool cut; /* a write failed mid-line: start the next one on a new line */
};

static int64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t count_nl(const char *p, size_t n) {
  uint64_t k = 0;
  for (const char *e = p + n; (p = memchr(p, '\n', (size_t)(e - p))); p++) k++;
  return k;
}

/* Writes p[0..n) fully or fails: 0, or -1 (errno set; *done bytes went). */
static int write_all(lr_declog *l, const char *p, size_t n, size_t *done) {
  *done = 0;
  while (*done < n) {
    if (__atomic_load_n(&l->stop, __ATOMIC_ACQUIRE) && mono_ms() > l->deadline_ms) {
      errno = ETIMEDOUT;
      return -1;
    }
    size_t k = n - *done;
    if (l->stream) {
      struct pollfd pfd = {.fd = l->fd, .events = POLLOUT};
      int r = poll(&pfd, 1, 50);
      if (r == 0 || (r < 0 && errno == EINTR)) continue;
      if (r < 0) return -1;
      if (pfd.revents & (POLLERR | POLLHUP | POLLNVAL)) {
        errno = EPIPE;
        return -1;
      }
      if (k > PIPE_BUF) k = PIPE_BUF;
    }
    ssize_t w = write(l->fd, p + *done, k);
    if (w < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (w <= 0) return -1;
    *done += (size_t)w;
  }
  return 0;
}

/* Writes ring bytes [t, h) (one contiguous piece at most); returns the new tail. */
static uint64_t drain_piece(lr_declog *l, ring *r, uint64_t t, uint64_t h) {
  size_t off = (size_t)(t & r->mask);
  size_t n = (size_t)(h - t);
  if (n > r->size - off) n = r->size - off;
  const uint64_t next = t + n;
  const char *p = r->buf + off;
  size_t done;
  if (l->cut) {
    if (write_all(l, "\n", 1, &done) != 0) goto fail_all;
    l->cut = false;
  }
  if (write_all(l, p, n, &done) == 0) {
    __atomic_add_fetch(&l->written, count_nl(p, n), __ATOMIC_RELAXED);
    return next;
  }
  __atomic_add_fetch(&l->written, count_nl(p, done), __ATOMIC_RELAXED);
  if (done && p[done - 1] != '\n') l->cut = true;
  p += done, n -= done;
fail_all:
  /* The descriptor failed (full disk, closed pipe): drop this piece. */
  __atomic_add_fetch(&l->wdropped, count_nl(p, n), __ATOMIC_RELAXED);
  if (!__atomic_load_n(&l->stop, __ATOMIC_ACQUIRE)) {
    struct timespec pause = {0, 10 * 1000000}; /* do not spin on a failing disk */
    nanosleep(&pause, NULL);
  }
  return next;
}

static void reopen_now(lr_declog *l);

static bool drain_all(lr_declog *l) {
  bool any = false;
  for (int i = 0; i < l->nrings; i++) {
    ring *r = &l->rings[i];
    uint64_t t = r->tail, h = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
    while (t != h) {
      any = true;
      /* A line pushed after lr_declog_reopen sees the flag set: rotate first. */
      if (l->path && __atomic_exchange_n(&l->reopen, 0, __ATOMIC_ACQ_REL)) reopen_now(l);
      t = drain_piece(l, r, t, h);
      __atomic_store_n(&r->tail, t, __ATOMIC_RELEASE);
    }
  }
  return any;
}

static bool rings_empty(lr_declog *l) {
  for (int i = 0; i < l->nrings; i++)
    if (__atomic_load_n(&l->rings[i].head, __ATOMIC_ACQUIRE) != l->rings[i].tail) return false;
  return true;
}

/* Writer thread: opens path again (log rotation by rename); on failure
 * keeps writing to the old descriptor and says so. */
static void reopen_now(lr_declog *l) {
  int fd = open(l->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) {
    fprintf(stderr, "larch: decision log %s: cannot reopen: %s\n", l->path, strerror(errno));
    return;
  }
  close(l->fd);
  l->fd = fd;
  l->cut = false;
}

static void *writer_main(void *arg) {
  lr_declog *l = arg;
  for (;;) {
    if (l->path && __atomic_exchange_n(&l->reopen, 0, __ATOMIC_ACQ_REL)) reopen_now(l);
    if (drain_all(l)) continue; /* busy: go on at once; idle: sleep a tick */
    if (__atomic_load_n(&l->stop, __ATOMIC_ACQUIRE)) {
      if (rings_empty(l)) break;
      continue;
    }
    /* Sleep a tick (close and reopen wake it early): lines gather, so one
     * write(2) carries many and producers never make a system call. */
    struct pollfd pfd = {.fd = l->evfd, .events = POLLIN};
    if (poll(&pfd, 1, LR_DECLOG_TICK_MS) > 0) {
      uint64_t v;
      if (read(l->evfd, &v, sizeof v) < 0) { /* nothing to do: poll again */
      }
    }
  }
  return NULL;
}

lr_declog *lr_declog_open_fd(int fd, int nproducers, size_t ring_bytes) {
  if (nproducers < 1) nproducers = 1;
  size_t size = 4096;
  while (size < ring_bytes) size <<= 1;
  lr_declog *l = lr_xcalloc(1, sizeof *l);
  l->fd = fd;
  struct stat st;
  l->stream = fstat(fd, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
  l->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  l->nrings = nproducers;
  l->rings = lr_xcalloc((size_t)nproducers, sizeof *l->rings);
  for (int i = 0; i < nproducers; i++) {
    l->rings[i].buf = lr_xmalloc(size);
    l->rings[i].size = size;
    l->rings[i].mask = size - 1;
  }
  if (l->evfd < 0 || pthread_create(&l->thread, NULL, writer_main, l) != 0) abort();
  return l;
}

lr_declog *lr_declog_open(const char *path, int nproducers, size_t ring_bytes, lr_buf *err) {
  int fd;
  bool own = false;
  if (strcmp(path, "-") == 0) {
    fd = STDOUT_FILENO;
  } else {
    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
      lr_buf_printf(err, "decision log %s: %s", path, strerror(errno));
      return NULL;
    }
    own = true;
  }
  lr_declog *l = lr_declog_open_fd(fd, nproducers, ring_bytes);
  l->own_fd = own;
  if (own) l->path = lr_xstrdup(path);
  return l;
}

void lr_declog_reopen(lr_declog *l) {
  if (!l || !l->path) return;
  __atomic_store_n(&l->reopen, 1, __ATOMIC_RELEASE);
  uint64_t one = 1;
  if (write(l->evfd, &one, sizeof one) < 0) { /* the writer's poll timeout wakes it */
  }
}

bool lr_declog_push(lr_declog *l, int producer, const char *line, size_t n) {
  ring *r = &l->rings[producer % l->nrings];
  uint64_t h = r->head, t = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
  if (n == 0 || n > r->size - (size_t)(h - t)) {
    __atomic_store_n(&r->dropped, __atomic_load_n(&r->dropped, __ATOMIC_RELAXED) + 1,
                     __ATOMIC_RELAXED);
    return false;
  }
  size_t off = (size_t)(h & r->mask), first = r->size - off;
  if (first >= n) {
    memcpy(r->buf + off, line, n);
  } else {
    memcpy(r->buf + off, line, first);
    memcpy(r->buf, line + first, n - first);
  }
  __atomic_store_n(&r->head, h + n, __ATOMIC_SEQ_CST);
  return true;
}

uint64_t lr_declog_dropped(const lr_declog *l) {
  uint64_t d = __atomic_load_n(&l->wdropped, __ATOMIC_RELAXED);
  for (int i = 0; i < l->nrings; i++) d += __atomic_load_n(&l->rings[i].dropped, __ATOMIC_RELAXED);
  return d;
}

uint64_t lr_declog_written(const lr_declog *l) {
  return __atomic_load_n(&l->written, __ATOMIC_RELAXED);
}

void lr_declog_close(lr_declog *l, int64_t timeout_ms) {
  if (!l) return;
  l->deadline_ms = mono_ms() + timeout_ms;
  __atomic_store_n(&l->stop, 1, __ATOMIC_SEQ_CST);
  uint64_t one = 1;
  if (write(l->evfd, &one, sizeof one) < 0) { /* poll timeout wakes it */
  }
  pthread_join(l->thread, NULL);
  for (int i = 0; i < l->nrings; i++) free(l->rings[i].buf);
  free(l->rings);
  close(l->evfd);
  if (l->own_fd) close(l->fd);
  free(l->path);
  free(l);
}

/* ---- formatting ------------------------------------------------------- */

/* Formatting runs on the worker for every request: no printf, and one
 * lr_buf_reserve for the whole line (line_bound), after which the put_*
 * helpers write straight into the buffer. Strings of printable ASCII (the
 * usual case, Cedar uids included) are escaped inline; anything else goes
 * through lr_buf_json_str (UTF-8 checks), which reserves for itself. */
static void put_raw(lr_buf *out, const char *p, size_t n) {
  memcpy(out->p + out->len, p, n);
  out->len += n;
}
#define PUT_LIT(out, lit) put_raw((out), "" lit, sizeof(lit) - 1) /* literals only */

static void put_c(lr_buf *out, char c) { out->p[out->len++] = c; }

static void put_i64(lr_buf *out, int64_t v) {
  char tmp[24], *p = tmp + sizeof tmp;
  uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  do {
    *--p = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0) *--p = '-';
  put_raw(out, p, (size_t)(tmp + sizeof tmp - p));
}

/* n as exactly width digits (zero-padded). */
static void put_digits(lr_buf *out, unsigned n, int width) {
  for (int i = width - 1; i >= 0; i--, n /= 10) out->p[out->len + (size_t)i] = (char)('0' + n % 10);
  out->len += (size_t)width;
}

static void put_str(lr_buf *out, lr_str s) {
  if (s.n == 0) {
    PUT_LIT(out, "null");
    return;
  }
  for (size_t i = 0; i < s.n; i++)
    if ((unsigned char)s.p[i] < 0x20 || (unsigned char)s.p[i] >= 0x7f) {
      lr_buf_json_str(out, s.p, s.n);
      return;
    }
  char *w = out->p + out->len;
  *w++ = '"';
  for (size_t i = 0; i < s.n; i++) {
    if (s.p[i] == '"' || s.p[i] == '\\') *w++ = '\\';
    *w++ = s.p[i];
  }
  *w++ = '"';
  out->len = (size_t)(w - out->p);
}

static size_t str_bound(lr_str s) { return 6 * s.n + 8; }

static size_t policies_bound(const lr_declog_policy *p, size_t n) {
  size_t b = 2;
  for (size_t i = 0; i < n; i++)
    b += 48 + str_bound(p[i].policy) + str_bound(p[i].id) + str_bound(p[i].message);
  return b;
}

/* Bytes the line of e can take at most. */
static size_t line_bound(const lr_declog_entry *e) {
  size_t b = 512 + e->args_json.n;
  const lr_str *strs[] = {&e->request_id, &e->route,    &e->method, &e->principal, &e->action,
                          &e->resource,   &e->decision, &e->cause,  &e->shadow};
  for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) b += str_bound(*strs[i]);
  b += policies_bound(e->reasons, e->nreasons) + policies_bound(e->errors, e->nerrors) +
       policies_bound(e->shadow_reasons, e->nshadow_reasons);
  for (size_t i = 0; i < e->npii; i++) b += 1 + str_bound(e->pii[i]);
  for (size_t i = 0; i < e->nmasked; i++) b += 16 + str_bound(e->masked[i].type);
  for (size_t i = 0; i < e->nlimits; i++)
    b += 160 + str_bound(e->limits[i].policy) + str_bound(e->limits[i].id) +
         str_bound(e->limits[i].source);
  b += 64 + str_bound(e->limited_by) + str_bound(e->guard_error);
  return b;
}

static void put_policies(lr_buf *out, const lr_declog_policy *p, size_t n, bool messages) {
  put_c(out, '[');
  for (size_t i = 0; i < n; i++) {
    if (i) put_c(out, ',');
    PUT_LIT(out, "{\"policy\":");
    put_str(out, p[i].policy);
    PUT_LIT(out, ",\"id\":");
    put_str(out, p[i].id);
    if (messages) {
      PUT_LIT(out, ",\"message\":");
      put_str(out, p[i].message);
    }
    put_c(out, '}');
  }
  put_c(out, ']');
}

/* Days since 1970-01-01 → proleptic Gregorian y-m-d (the era / day-of-era
 * arithmetic of the civil calendar; no gmtime_r, which takes glibc's time
 * zone lock on every call). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
  z += 719468; /* days from 0000-03-01 to 1970-01-01 */
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = (unsigned)(z - era * 146097);                          /* [0, 146096] */
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
  unsigned mp = (5 * doy + 2) / 153;                                    /* March = 0 */
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* "2026-11-23T12:00:00.123Z" (quoted). */
static void put_ts(lr_buf *out, int64_t wall_ms) {
  int64_t sec = wall_ms / 1000, days = sec / 86400, rem = sec % 86400;
  int64_t y;
  unsigned m, d;
  civil_from_days(days, &y, &m, &d);
  put_c(out, '"');
  put_digits(out, (unsigned)y, 4);
  put_c(out, '-');
  put_digits(out, m, 2);
  put_c(out, '-');
  put_digits(out, d, 2);
  put_c(out, 'T');
  put_digits(out, (unsigned)(rem / 3600), 2);
  put_c(out, ':');
  put_digits(out, (unsigned)(rem / 60 % 60), 2);
  put_c(out, ':');
  put_digits(out, (unsigned)(rem % 60), 2);
  put_c(out, '.');
  put_digits(out, (unsigned)(wall_ms % 1000), 3);
  PUT_LIT(out, "Z\"");
}

void lr_declog_format(lr_buf *out, const lr_declog_entry *e) {
  lr_buf_reserve(out, line_bound(e));
  PUT_LIT(out, "{\"ts\":");
  put_ts(out, e->wall_ms);
  static const struct {
    const char *key; /* ,"key": */
    size_t n;
    size_t off;
  } strs[] = {
#define K(lit, field) {lit, sizeof(lit) - 1, offsetof(lr_declog_entry, field)}
      K(",\"request_id\":", request_id), K(",\"route\":", route),   K(",\"method\":", method),
      K(",\"principal\":", principal),   K(",\"action\":", action), K(",\"resource\":", resource),
      K(",\"decision\":", decision),     K(",\"cause\":", cause),
#undef K
  };
  for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
    lr_buf_append(out, strs[i].key, strs[i].n);
    put_str(out, *(const lr_str *)((const char *)e + strs[i].off));
  }
  PUT_LIT(out, ",\"status\":");
  put_i64(out, e->status);
  PUT_LIT(out, ",\"policies\":");
  put_policies(out, e->reasons, e->nreasons, false);
  PUT_LIT(out, ",\"errors\":");
  put_policies(out, e->errors, e->nerrors, true);
  PUT_LIT(out, ",\"shadow\":");
  if (e->shadow.n) {
    PUT_LIT(out, "{\"decision\":");
    put_str(out, e->shadow);
    PUT_LIT(out, ",\"policies\":");
    put_policies(out, e->shadow_reasons, e->nshadow_reasons, false);
    put_c(out, '}');
  } else {
    PUT_LIT(out, "null");
  }
  PUT_LIT(out, ",\"pii\":[");
  for (size_t i = 0; i < e->npii; i++) {
    if (i) put_c(out, ',');
    put_str(out, e->pii[i]);
  }
  PUT_LIT(out, "],\"masked\":{");
  for (size_t i = 0; i < e->nmasked; i++) {
    if (i) put_c(out, ',');
    put_str(out, e->masked[i].type);
    put_c(out, ':');
    put_i64(out, e->masked[i].n);
  }
  PUT_LIT(out, "},\"limits\":[");
  for (size_t i = 0; i < e->nlimits; i++) {
    const lr_declog_limit *lim = &e->limits[i];
    if (i) put_c(out, ',');
    PUT_LIT(out, "{\"policy\":");
    put_str(out, lim->policy);
    PUT_LIT(out, ",\"id\":");
    put_str(out, lim->id);
    if (lim->allowed)
      PUT_LIT(out, ",\"allowed\":true,\"remaining\":");
    else
      PUT_LIT(out, ",\"allowed\":false,\"remaining\":");
    put_i64(out, lim->remaining);
    PUT_LIT(out, ",\"retry_after_ms\":");
    put_i64(out, lim->retry_after_ms);
    if (lim->shadow)
      PUT_LIT(out, ",\"shadow\":true,\"source\":");
    else
      PUT_LIT(out, ",\"shadow\":false,\"source\":");
    put_str(out, lim->source);
    put_c(out, '}');
  }
  PUT_LIT(out, "],\"limited_by\":");
  put_str(out, e->limited_by);
  PUT_LIT(out, ",\"guard_error\":");
  put_str(out, e->guard_error);
  PUT_LIT(out, ",\"latency_us\":");
  put_i64(out, e->latency_us);
  PUT_LIT(out, ",\"eval_us\":");
  if (e->eval_ns >= 0) { /* µs with 3 decimals: ns / 1000 */
    put_i64(out, e->eval_ns / 1000);
    put_c(out, '.');
    put_digits(out, (unsigned)(e->eval_ns % 1000), 3);
  } else {
    PUT_LIT(out, "null");
  }
  if (e->args_json.n) {
    PUT_LIT(out, ",\"args\":");
    lr_buf_append(out, e->args_json.p, e->args_json.n);
  }
  PUT_LIT(out, "}\n");
  out->p[out->len] = '\0';
}
