/*
 * watch.c — reload when the files larch serve loaded change (inotify, an
 * event on the main thread's loop, so reloads from a file change, SIGHUP
 * and POST /reload never run at the same time).
 *
 * Every path is watched through its directory, because editors and
 * Kubernetes ConfigMaps replace files by renaming a new one over the old
 * (the old inode never changes): a file path reacts to events naming its
 * base name (or ConfigMap's "..data" swap); a policy directory (and the
 * subdirectories present at start) reacts to any entry but editor
 * droppings (hidden files other than "..data", "~" and ".swp" names);
 * folders created in it later are watched from then on.
 * Events are debounced: the reload runs 150 ms after the last one, so a
 * `git checkout` touching ten files reloads once.
 */
#include <dirent.h>
#include <errno.h>
#include <event2/event.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ops.h"

#define WATCH_MAX 64
#define WATCH_DEBOUNCE_MS 150
#define WATCH_DEPTH 4

typedef struct watch_entry {
  int wd;
  char *name; /* base name to react to; NULL: any entry (a policy directory) */
  char *dir;  /* the directory watched */
  int depth;  /* below the policy directory (trees only) */
} watch_entry;

struct lr_watch {
  lr_server *srv;
  int fd;
  struct event *ev, *timer;
  watch_entry w[WATCH_MAX];
  size_t n;
  uint64_t changes; /* debounced reloads started */
};

static const uint32_t MASK = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE |
                             IN_DELETE_SELF | IN_MOVE_SELF | IN_ATTRIB;

static lr_status add(lr_watch *wt, const char *dir, const char *name, int depth, lr_buf *err) {
  if (wt->n >= WATCH_MAX) {
    lr_buf_printf(err, "file watch: more than %d directories", WATCH_MAX);
    return LR_ERR;
  }
  int wd = inotify_add_watch(wt->fd, dir, MASK);
  if (wd < 0) {
    lr_buf_printf(err, "file watch: %s: %s", dir, strerror(errno));
    return LR_ERR;
  }
  for (size_t i = 0; i < wt->n; i++)
    if (wt->w[i].wd == wd &&
        (name ? wt->w[i].name && strcmp(wt->w[i].name, name) == 0 : !wt->w[i].name))
      return LR_OK; /* already watched */
  wt->w[wt->n++] = (watch_entry){wd, name ? lr_xstrdup(name) : NULL, lr_xstrdup(dir), depth};
  return LR_OK;
}

static lr_status add_tree(lr_watch *wt, const char *dir, int depth, lr_buf *err) {
  if (add(wt, dir, NULL, depth, err) != LR_OK) return LR_ERR;
  if (depth >= WATCH_DEPTH) return LR_OK;
  DIR *d = opendir(dir);
  if (!d) return LR_OK;
  lr_status st = LR_OK;
  for (struct dirent *e; st == LR_OK && (e = readdir(d));) {
    if (e->d_name[0] == '.') continue;
    char sub[PATH_MAX];
    struct stat sb;
    if (snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name) >= (int)sizeof sub) continue;
    if (stat(sub, &sb) == 0 && S_ISDIR(sb.st_mode)) st = add_tree(wt, sub, depth + 1, err);
  }
  closedir(d);
  return st;
}

static bool relevant(const watch_entry *we, const char *name, size_t n) {
  if (n == 0) return true; /* the directory itself moved or went */
  if (strcmp(name, "..data") == 0) return true;
  if (we->name) return strcmp(name, we->name) == 0;
  if (name[0] == '.' || name[n - 1] == '~') return false;
  return !(n > 4 && (strcmp(name + n - 4, ".swp") == 0 || strcmp(name + n - 4, ".swx") == 0));
}

static void on_inotify(evutil_socket_t fd, short what, void *arg) {
  (void)what;
  lr_watch *wt = arg;
  char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
  bool hit = false;
  for (;;) {
    ssize_t r = read(fd, buf, sizeof buf);
    if (r <= 0) break;
    for (char *p = buf; p < buf + r;) {
      const struct inotify_event *ev = (const struct inotify_event *)p;
      p += sizeof *ev + ev->len;
      for (size_t i = 0; i < wt->n; i++) {
        const watch_entry *we = &wt->w[i];
        if (we->wd != ev->wd || !relevant(we, ev->name, ev->len ? strlen(ev->name) : 0)) continue;
        hit = true;
        /* A folder that appears inside a policy directory is watched too. */
        if (!we->name && (ev->mask & IN_ISDIR) && (ev->mask & (IN_CREATE | IN_MOVED_TO))) {
          char sub[PATH_MAX];
          lr_buf err = {0};
          if (snprintf(sub, sizeof sub, "%s/%s", we->dir, ev->name) < (int)sizeof sub &&
              add_tree(wt, sub, we->depth + 1, &err) != LR_OK)
            fprintf(stderr, "larch: %s\n", err.p);
          lr_buf_free(&err);
          break;
        }
      }
      if (ev->mask & IN_Q_OVERFLOW) hit = true;
    }
  }
  if (!hit) return;
  struct timeval tv = {0, WATCH_DEBOUNCE_MS * 1000};
  evtimer_add(wt->timer, &tv); /* re-arming pushes the deadline back */
}

static void on_settled(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  lr_watch *wt = arg;
  wt->changes++;
  lr_buf msg = {0};
  lr_status st = lr_server_reload(wt->srv, &msg);
  fprintf(stderr, "larch: files changed: reload %s%s%s\n", st == LR_OK ? "done" : "refused",
          msg.len ? ": " : "", msg.len ? msg.p : "");
  lr_buf_free(&msg);
}

lr_watch *lr_watch_start(lr_server *s, struct event_base *base, const char *const *paths,
                         size_t npaths, lr_buf *err) {
  lr_watch *wt = lr_xcalloc(1, sizeof *wt);
  wt->srv = s;
  wt->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (wt->fd < 0) {
    lr_buf_printf(err, "file watch: inotify: %s", strerror(errno));
    free(wt);
    return NULL;
  }
  for (size_t i = 0; i < npaths; i++) {
    if (!paths[i]) continue;
    struct stat sb;
    lr_status st;
    if (stat(paths[i], &sb) == 0 && S_ISDIR(sb.st_mode)) {
      st = add_tree(wt, paths[i], 0, err);
    } else {
      char *dup = lr_xstrdup(paths[i]);
      char *slash = strrchr(dup, '/');
      const char *dir = slash ? (slash == dup ? "/" : dup) : ".";
      if (slash) *slash = 0;
      st = add(wt, dir, slash ? slash + 1 : paths[i], 0, err);
      free(dup);
    }
    if (st != LR_OK) {
      lr_watch_stop(wt);
      return NULL;
    }
  }
  wt->ev = event_new(base, wt->fd, EV_READ | EV_PERSIST, on_inotify, wt);
  wt->timer = evtimer_new(base, on_settled, wt);
  event_add(wt->ev, NULL);
  return wt;
}

void lr_watch_stop(lr_watch *wt) {
  if (!wt) return;
  if (wt->ev) event_free(wt->ev);
  if (wt->timer) event_free(wt->timer);
  for (size_t i = 0; i < wt->n; i++) free(wt->w[i].name), free(wt->w[i].dir);
  close(wt->fd);
  free(wt);
}

uint64_t lr_watch_changes(const lr_watch *wt) { return wt ? wt->changes : 0; }
