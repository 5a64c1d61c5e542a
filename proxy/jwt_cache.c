/*
 * jwt_cache.c — the verified-token cache: a chained hash table over an
 * intrusive LRU list, bounded in entries, entries expiring with the
 * token's exp (DESIGN §7: a hit costs ≤ 0.5 µs).
 *
 * The table has twice as many buckets as the capacity (a power of two), so
 * chains stay short. Only tokens that verified are inserted, so an attacker
 * cannot choose the keys; a collision costs a comparison, never a wrong
 * answer, since a hit compares the full token bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "jose.h"

typedef struct entry {
  struct entry *chain;       /* next in bucket */
  struct entry *prev, *next; /* LRU list: head = most recent */
  uint64_t hash;
  int64_t expires_ms;
  uint64_t generation;
  lr_principal *principal; /* one reference */
  size_t n;
  char token[]; /* n bytes */
} entry;

struct lr_jwt_cache {
  entry **buckets;
  size_t mask, cap, len;
  entry *head, *tail;
  lr_jwt_cache_stats stats;
};

static inline uint64_t rd64(const char *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}
static inline uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

/* Four independent multiply-rotate lanes over 32-byte blocks (about 5
 * bytes per cycle), the tail through lr_hash. Tokens are ~0.3–2 KiB. */
static uint64_t token_hash(const char *p, size_t n) {
  const uint64_t k1 = 0x9e3779b97f4a7c15ULL, k2 = 0xc2b2ae3d27d4eb4fULL;
  uint64_t a = k1, b = k2, c = ~k1, d = ~k2;
  size_t len = n;
  for (; n >= 32; p += 32, n -= 32) {
    a = rotl((a ^ rd64(p)) * k1, 31);
    b = rotl((b ^ rd64(p + 8)) * k1, 29);
    c = rotl((c ^ rd64(p + 16)) * k1, 27);
    d = rotl((d ^ rd64(p + 24)) * k1, 25);
  }
  uint64_t seed = (a * k2) ^ rotl(b * k2, 17) ^ rotl(c * k2, 34) ^ rotl(d * k2, 51) ^ len;
  return lr_hash(p, n, seed);
}

lr_jwt_cache *lr_jwt_cache_new(size_t capacity) {
  if (capacity == 0) capacity = 1;
  lr_jwt_cache *c = lr_xcalloc(1, sizeof *c);
  size_t nb = 16;
  while (nb < capacity * 2) nb *= 2;
  c->buckets = lr_xcalloc(nb, sizeof *c->buckets);
  c->mask = nb - 1;
  c->cap = capacity;
  return c;
}

static void lru_unlink(lr_jwt_cache *c, entry *e) {
  if (e->prev)
    e->prev->next = e->next;
  else
    c->head = e->next;
  if (e->next)
    e->next->prev = e->prev;
  else
    c->tail = e->prev;
  e->prev = e->next = NULL;
}

static void lru_push_front(lr_jwt_cache *c, entry *e) {
  e->prev = NULL;
  e->next = c->head;
  if (c->head) c->head->prev = e;
  c->head = e;
  if (!c->tail) c->tail = e;
}

/* Unlinks e from its bucket and the LRU list and frees it. */
static void drop(lr_jwt_cache *c, entry *e) {
  entry **pp = &c->buckets[e->hash & c->mask];
  while (*pp != e) pp = &(*pp)->chain;
  *pp = e->chain;
  lru_unlink(c, e);
  lr_principal_unref(e->principal);
  free(e);
  c->len--;
}

void lr_jwt_cache_free(lr_jwt_cache *c) {
  if (!c) return;
  while (c->head) drop(c, c->head);
  free(c->buckets);
  free(c);
}

static entry *find(const lr_jwt_cache *c, const char *token, size_t n, uint64_t h) {
  for (entry *e = c->buckets[h & c->mask]; e; e = e->chain)
    if (e->hash == h && e->n == n && memcmp(e->token, token, n) == 0) return e;
  return NULL;
}

lr_principal *lr_jwt_cache_get(lr_jwt_cache *c, const char *token, size_t n, int64_t now_ms,
                               uint64_t generation) {
  uint64_t h = token_hash(token, n);
  entry *e = find(c, token, n, h);
  if (!e) {
    c->stats.misses++;
    return NULL;
  }
  if (now_ms >= e->expires_ms || e->generation != generation) {
    drop(c, e);
    c->stats.expired++;
    c->stats.misses++;
    return NULL;
  }
  if (c->head != e) {
    lru_unlink(c, e);
    lru_push_front(c, e);
  }
  c->stats.hits++;
  return e->principal;
}

void lr_jwt_cache_put(lr_jwt_cache *c, const char *token, size_t n, lr_principal *p,
                      int64_t expires_ms, uint64_t generation) {
  uint64_t h = token_hash(token, n);
  entry *e = find(c, token, n, h);
  if (e) drop(c, e); /* re-verified after expiry or a key swap: replace */
  while (c->len >= c->cap) {
    drop(c, c->tail);
    c->stats.evictions++;
  }
  e = lr_xmalloc(sizeof *e + n);
  e->hash = h;
  e->expires_ms = expires_ms;
  e->generation = generation;
  e->principal = lr_principal_ref(p);
  e->n = n;
  memcpy(e->token, token, n);
  e->chain = c->buckets[h & c->mask];
  c->buckets[h & c->mask] = e;
  lru_push_front(c, e);
  c->len++;
  c->stats.inserts++;
}

void lr_jwt_cache_stats_fill(const lr_jwt_cache *c, lr_jwt_cache_stats *out) {
  *out = c->stats;
  out->entries = c->len;
}
