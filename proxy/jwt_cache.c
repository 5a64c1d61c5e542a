/*
 * jwt_cache.c — the verified-token cache: chained hash tables over
 * intrusive LRU lists, bounded in entries, entries expiring with the
 * token's exp (DESIGN §7: a hit costs ≤ 0.5 µs).
 *
 * Worker threads share one cache. It is split into shards (16 from 1024
 * entries on, else 1 so small caches keep an exact LRU), each with its own
 * mutex, chosen by the top bits of the token hash; a hit holds the shard
 * lock only for the lookup, the byte comparison, the LRU move and the
 * reference count. Each shard has twice as many buckets as entries. Only
 * tokens that verified are inserted, so an attacker cannot choose the
 * keys; a collision costs a comparison, never a wrong answer, since a hit
 * compares the full token bytes.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "jose.h"

#define SHARDS_BIG 16
#define SHARDING_FROM 1024

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

typedef struct shard {
  pthread_mutex_t mu;
  entry **buckets;
  size_t mask, cap, len;
  entry *head, *tail;
  lr_jwt_cache_stats stats;
} shard;

struct lr_jwt_cache {
  shard *shards;
  unsigned nshards; /* a power of two */
};

static inline uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

/* Four independent multiply-rotate lanes over 32-byte blocks (about 5
 * bytes per cycle), the tail through lr_hash. Tokens are ~0.3–2 KiB. */
static uint64_t token_hash(const char *p, size_t n) {
  const uint64_t k1 = 0x9e3779b97f4a7c15ULL, k2 = 0xc2b2ae3d27d4eb4fULL;
  uint64_t a = k1, b = k2, c = ~k1, d = ~k2;
  size_t len = n;
  for (; n >= 32; p += 32, n -= 32) {
    a = rotl((a ^ lr_rd64(p)) * k1, 31);
    b = rotl((b ^ lr_rd64(p + 8)) * k1, 29);
    c = rotl((c ^ lr_rd64(p + 16)) * k1, 27);
    d = rotl((d ^ lr_rd64(p + 24)) * k1, 25);
  }
  uint64_t seed = (a * k2) ^ rotl(b * k2, 17) ^ rotl(c * k2, 34) ^ rotl(d * k2, 51) ^ len;
  return lr_hash(p, n, seed);
}

lr_jwt_cache *lr_jwt_cache_new(size_t capacity) {
  if (capacity == 0) capacity = 1;
  lr_jwt_cache *c = lr_xcalloc(1, sizeof *c);
  c->nshards = capacity >= SHARDING_FROM ? SHARDS_BIG : 1;
  c->shards = lr_xcalloc(c->nshards, sizeof *c->shards);
  size_t per = (capacity + c->nshards - 1) / c->nshards, nb = 16;
  while (nb < per * 2) nb *= 2;
  for (unsigned i = 0; i < c->nshards; i++) {
    shard *s = &c->shards[i];
    pthread_mutex_init(&s->mu, NULL);
    s->buckets = lr_xcalloc(nb, sizeof *s->buckets);
    s->mask = nb - 1;
    s->cap = per;
  }
  return c;
}

static inline shard *shard_of(lr_jwt_cache *c, uint64_t h) {
  return &c->shards[(h >> 58) & (c->nshards - 1)];
}

static void lru_unlink(shard *s, entry *e) {
  if (e->prev)
    e->prev->next = e->next;
  else
    s->head = e->next;
  if (e->next)
    e->next->prev = e->prev;
  else
    s->tail = e->prev;
  e->prev = e->next = NULL;
}

static void lru_push_front(shard *s, entry *e) {
  e->prev = NULL;
  e->next = s->head;
  if (s->head) s->head->prev = e;
  s->head = e;
  if (!s->tail) s->tail = e;
}

/* Unlinks e from its bucket and the LRU list and frees it. */
static void drop(shard *s, entry *e) {
  entry **pp = &s->buckets[e->hash & s->mask];
  while (*pp != e) pp = &(*pp)->chain;
  *pp = e->chain;
  lru_unlink(s, e);
  lr_principal_unref(e->principal);
  free(e);
  s->len--;
}

void lr_jwt_cache_free(lr_jwt_cache *c) {
  if (!c) return;
  for (unsigned i = 0; i < c->nshards; i++) {
    shard *s = &c->shards[i];
    while (s->head) drop(s, s->head);
    free(s->buckets);
    pthread_mutex_destroy(&s->mu);
  }
  free(c->shards);
  free(c);
}

static entry *find(const shard *s, const char *token, size_t n, uint64_t h) {
  for (entry *e = s->buckets[h & s->mask]; e; e = e->chain)
    if (e->hash == h && e->n == n && memcmp(e->token, token, n) == 0) return e;
  return NULL;
}

lr_principal *lr_jwt_cache_get(lr_jwt_cache *c, const char *token, size_t n, int64_t now_ms,
                               uint64_t generation) {
  uint64_t h = token_hash(token, n);
  shard *s = shard_of(c, h);
  lr_principal *p = NULL;
  pthread_mutex_lock(&s->mu);
  entry *e = find(s, token, n, h);
  if (!e) {
    s->stats.misses++;
  } else if (now_ms >= e->expires_ms || e->generation != generation) {
    drop(s, e);
    s->stats.expired++;
    s->stats.misses++;
  } else {
    if (s->head != e) {
      lru_unlink(s, e);
      lru_push_front(s, e);
    }
    s->stats.hits++;
    p = lr_principal_ref(e->principal);
  }
  pthread_mutex_unlock(&s->mu);
  return p;
}

void lr_jwt_cache_put(lr_jwt_cache *c, const char *token, size_t n, lr_principal *p,
                      int64_t expires_ms, uint64_t generation) {
  uint64_t h = token_hash(token, n);
  shard *s = shard_of(c, h);
  entry *e = lr_xmalloc(sizeof *e + n);
  e->hash = h;
  e->expires_ms = expires_ms;
  e->generation = generation;
  e->principal = lr_principal_ref(p);
  e->n = n;
  memcpy(e->token, token, n);
  pthread_mutex_lock(&s->mu);
  entry *old = find(s, token, n, h);
  if (old) drop(s, old); /* re-verified after expiry, a key swap or by another thread */
  while (s->len >= s->cap) {
    drop(s, s->tail);
    s->stats.evictions++;
  }
  e->chain = s->buckets[h & s->mask];
  s->buckets[h & s->mask] = e;
  lru_push_front(s, e);
  s->len++;
  s->stats.inserts++;
  pthread_mutex_unlock(&s->mu);
}

void lr_jwt_cache_stats_fill(lr_jwt_cache *c, lr_jwt_cache_stats *out) {
  memset(out, 0, sizeof *out);
  for (unsigned i = 0; i < c->nshards; i++) {
    shard *s = &c->shards[i];
    pthread_mutex_lock(&s->mu);
    out->hits += s->stats.hits;
    out->misses += s->stats.misses;
    out->inserts += s->stats.inserts;
    out->evictions += s->stats.evictions;
    out->expired += s->stats.expired;
    out->entries += s->len;
    pthread_mutex_unlock(&s->mu);
  }
}
