/*
 * map.c — a 64-bit hash and an open-addressing hash map with linear
 * probing and tombstones. Capacity is a power of two; the load factor
 * (live + tombstones) stays under 3/4.
 */
#include "base.h"

#include <stdlib.h>
#include <string.h>


static inline uint64_t mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

uint64_t lr_hash(const void *data, size_t n, uint64_t seed) {
  const unsigned char *p = data;
  uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ULL);
  while (n >= 8) {
    h = (h ^ mix(lr_rd64(p))) * 0x9e3779b97f4a7c15ULL;
    h = (h << 31) | (h >> 33);
    p += 8;
    n -= 8;
  }
  uint64_t t = 0;
  for (size_t i = 0; i < n; i++) t |= (uint64_t)p[i] << (8 * i);
  h ^= mix(t ^ 0x2545F4914F6CDD1DULL);
  return mix(h);
}

#define TOMB ((void *)&tomb_marker)
static const char tomb_marker;

/* A slot is empty when key.p == NULL, a tombstone when key.p == TOMB. */
static inline bool slot_empty(const lr_map_entry *e) { return e->key.p == NULL; }
static inline bool slot_tomb(const lr_map_entry *e) { return e->key.p == (const char *)TOMB; }

static lr_map_entry *lookup(const lr_map *m, lr_str key, uint64_t h) {
  if (!m->cap) return NULL;
  size_t mask = m->cap - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    lr_map_entry *e = &m->slots[i];
    if (slot_empty(e)) return NULL;
    if (!slot_tomb(e) && e->hash == h && lr_str_eq(e->key, key)) return e;
  }
}

static void grow(lr_map *m) {
  size_t ncap = m->cap ? m->cap * 2 : 16;
  if (m->len * 2 < m->cap) ncap = m->cap; /* mostly tombstones: rehash in place size */
  lr_map_entry *old = m->slots;
  size_t ocap = m->cap;
  m->slots = lr_xcalloc(ncap, sizeof *m->slots);
  m->cap = ncap;
  m->tombs = 0;
  size_t mask = ncap - 1;
  for (size_t j = 0; j < ocap; j++) {
    lr_map_entry *e = &old[j];
    if (slot_empty(e) || slot_tomb(e)) continue;
    size_t i = e->hash & mask;
    while (!slot_empty(&m->slots[i])) i = (i + 1) & mask;
    m->slots[i] = *e;
  }
  free(old);
}

void *lr_map_get_h(const lr_map *m, lr_str key, uint64_t h) {
  lr_map_entry *e = lookup(m, key, h);
  return e ? e->value : NULL;
}

void *lr_map_get(const lr_map *m, lr_str key) { return lr_map_get_h(m, key, lr_map_hash(key)); }

bool lr_map_find(const lr_map *m, lr_str key, void **value) {
  lr_map_entry *e = lookup(m, key, lr_hash(key.p, key.n, 0));
  if (!e) return false;
  if (value) *value = e->value;
  return true;
}

void *lr_map_put(lr_map *m, lr_str key, void *value) {
  return lr_map_put_h(m, key, lr_map_hash(key), value);
}

void *lr_map_put_h(lr_map *m, lr_str key, uint64_t h, void *value) {
  lr_map_entry *e = lookup(m, key, h);
  if (e) {
    void *old = e->value;
    e->value = value;
    return old;
  }
  if ((m->len + m->tombs + 1) * 4 > m->cap * 3) grow(m);
  size_t mask = m->cap - 1;
  size_t i = h & mask;
  while (!slot_empty(&m->slots[i]) && !slot_tomb(&m->slots[i])) i = (i + 1) & mask;
  if (slot_tomb(&m->slots[i])) m->tombs--;
  /* an empty key must still be distinguishable from an empty slot */
  m->slots[i].key = key.p ? key : (lr_str){"", 0};
  m->slots[i].hash = h;
  m->slots[i].value = value;
  m->len++;
  return NULL;
}

void *lr_map_del(lr_map *m, lr_str key) { return lr_map_del_h(m, key, lr_map_hash(key)); }

void *lr_map_del_h(lr_map *m, lr_str key, uint64_t h) {
  lr_map_entry *e = lookup(m, key, h);
  if (!e) return NULL;
  void *old = e->value;
  e->key.p = (const char *)TOMB;
  e->key.n = 0;
  e->value = NULL;
  m->len--;
  m->tombs++;
  return old;
}

void lr_map_free(lr_map *m) {
  free(m->slots);
  memset(m, 0, sizeof *m);
}

bool lr_map_next(const lr_map *m, size_t *iter, lr_map_entry **out) {
  for (size_t i = *iter; i < m->cap; i++) {
    lr_map_entry *e = &m->slots[i];
    if (!slot_empty(e) && !slot_tomb(e)) {
      *out = e;
      *iter = i + 1;
      return true;
    }
  }
  *iter = m->cap;
  return false;
}
