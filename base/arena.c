/*
 * arena.c — checked allocation and the arena allocator.
 *
 * An arena is a list of chunks; allocations bump a pointer inside the
 * current chunk, and a request larger than a quarter chunk gets a chunk of
 * its own so the bump chunk is not wasted. Cleanup hooks are a list of
 * (fn, data) pairs, run newest first (nginx's pool cleanups).
 */
#include "base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALIGN 16
#define DEFAULT_CHUNK 8192

_Noreturn void lr_oom(size_t wanted) {
  fprintf(stderr, "larch: out of memory (allocating %zu bytes)\n", wanted);
  abort();
}

void *lr_xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) lr_oom(n);
  return p;
}

void *lr_xcalloc(size_t count, size_t size) {
  void *p = calloc(count ? count : 1, size ? size : 1);
  if (!p) lr_oom(count * size);
  return p;
}

void *lr_xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) lr_oom(n);
  return q;
}

char *lr_xstrdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *p = lr_xmalloc(n);
  memcpy(p, s, n);
  return p;
}

typedef struct chunk {
  struct chunk *next;
  size_t size; /* usable bytes after the header */
  _Alignas(ALIGN) unsigned char data[];
} chunk;

typedef struct cleanup {
  struct cleanup *next;
  lr_cleanup_fn fn;
  void *data;
} cleanup;

struct lr_arena {
  chunk *head;     /* current bump chunk, first in the list */
  chunk *big;      /* dedicated chunks for large allocations */
  size_t used;     /* bytes used in head */
  size_t chunk_size;
  size_t total;    /* bytes obtained from malloc */
  cleanup *cleanups;
};

static chunk *chunk_new(lr_arena *a, size_t size) {
  if (size > SIZE_MAX - sizeof(chunk)) lr_oom(size);
  chunk *c = lr_xmalloc(sizeof(chunk) + size);
  c->next = NULL;
  c->size = size;
  a->total += sizeof(chunk) + size;
  return c;
}

lr_arena *lr_arena_new(size_t chunk_size) {
  lr_arena *a = lr_xcalloc(1, sizeof *a);
  a->chunk_size = chunk_size ? chunk_size : DEFAULT_CHUNK;
  a->head = chunk_new(a, a->chunk_size);
  return a;
}

static void run_cleanups(lr_arena *a) {
  while (a->cleanups) {
    cleanup *c = a->cleanups;
    a->cleanups = c->next; /* unlink first: a hook may allocate or register */
    c->fn(c->data);
  }
}

static void free_list(chunk *c) {
  while (c) {
    chunk *n = c->next;
    free(c);
    c = n;
  }
}

void lr_arena_free(lr_arena *a) {
  if (!a) return;
  run_cleanups(a);
  free_list(a->head);
  free_list(a->big);
  free(a);
}

void lr_arena_reset(lr_arena *a) {
  run_cleanups(a);
  /* keep the last chunk of the head list (the first one allocated) */
  chunk *keep = a->head;
  while (keep->next) {
    chunk *n = keep->next;
    a->total -= sizeof(chunk) + keep->size;
    free(keep);
    keep = n;
  }
  for (chunk *c = a->big; c; c = c->next) a->total -= sizeof(chunk) + c->size;
  free_list(a->big);
  a->big = NULL;
  a->head = keep;
  a->used = 0;
}

void *lr_arena_alloc(lr_arena *a, size_t n) {
  size_t need = (n + (ALIGN - 1)) & ~(size_t)(ALIGN - 1);
  if (need < n) lr_oom(n);
  if (LR_LIKELY(a->head->size - a->used >= need)) {
    void *p = a->head->data + a->used;
    a->used += need;
    return p;
  }
  if (need > a->chunk_size / 4) {
    chunk *c = chunk_new(a, need);
    c->next = a->big;
    a->big = c;
    return c->data;
  }
  chunk *c = chunk_new(a, a->chunk_size);
  c->next = a->head;
  a->head = c;
  a->used = need;
  return c->data;
}

void *lr_arena_zalloc(lr_arena *a, size_t n) {
  void *p = lr_arena_alloc(a, n);
  memset(p, 0, n);
  return p;
}

char *lr_arena_strndup(lr_arena *a, const char *s, size_t n) {
  char *p = lr_arena_alloc(a, n + 1);
  if (n) memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

char *lr_arena_strdup(lr_arena *a, const char *s) { return lr_arena_strndup(a, s, strlen(s)); }

char *lr_arena_vsprintf(lr_arena *a, const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0) n = 0;
  char *p = lr_arena_alloc(a, (size_t)n + 1);
  vsnprintf(p, (size_t)n + 1, fmt, ap);
  return p;
}

char *lr_arena_sprintf(lr_arena *a, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *p = lr_arena_vsprintf(a, fmt, ap);
  va_end(ap);
  return p;
}

void lr_arena_on_free(lr_arena *a, lr_cleanup_fn fn, void *data) {
  cleanup *c = lr_arena_alloc(a, sizeof *c);
  c->fn = fn;
  c->data = data;
  c->next = a->cleanups;
  a->cleanups = c;
}

size_t lr_arena_bytes(const lr_arena *a) { return a->total; }
