/*
 * limit.c — GCRA in fixed-point integers and the sharded in-process limiter.
 *
 * See limit.h for the algorithm, the representation of time (whole ticks plus
 * a fraction in 1/max of a tick) and why the table is sharded. Everything here
 * is integer arithmetic whose ranges are stated next to each operation.
 */
#include "limit.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- time pairs --------------------------------------------------------- */

/* a + b; both fractions < m <= 2^31 so their sum fits in uint32_t. */
static inline lr_limit_time t_add(lr_limit_time a, lr_limit_time b, uint32_t m) {
  uint32_t f = a.f + b.f;
  int64_t i = a.i + b.i;
  if (f >= m) {
    f -= m;
    i++;
  }
  return (lr_limit_time){i, f};
}

/* a - b for a >= b. */
static inline lr_limit_time t_sub(lr_limit_time a, lr_limit_time b, uint32_t m) {
  int64_t i = a.i - b.i;
  uint32_t f;
  if (a.f >= b.f) {
    f = a.f - b.f;
  } else {
    f = (uint32_t)((uint64_t)a.f + m - b.f);
    i--;
  }
  return (lr_limit_time){i, f};
}

static inline int t_cmp(lr_limit_time a, lr_limit_time b) {
  if (a.i != b.i) return a.i < b.i ? -1 : 1;
  return a.f < b.f ? -1 : a.f > b.f;
}

/* Whole ticks rounded up, times tick_ns, saturating at INT64_MAX. */
static int64_t t_ceil_ns(lr_limit_time a, int64_t tick_ns) {
  if (a.i < 0) return 0;
  int64_t ticks = a.i + (a.f > 0);
  int64_t ns;
  if (__builtin_mul_overflow(ticks, tick_ns, &ns)) return INT64_MAX;
  return ns;
}

/* ---- 1. GCRA arithmetic -------------------------------------------------- */

lr_status lr_limit_rate_init(lr_limit_rate *r, uint32_t max, int64_t per, uint32_t burst) {
  if (burst == 0) burst = max;
  if (max < 1 || max > LR_LIMIT_MAX_MAX || burst > LR_LIMIT_MAX_MAX) return LR_ERR;
  if (per < 1 || per > LR_LIMIT_TICKS_MAX) return LR_ERR;
  int64_t q = per / max;
  uint32_t rem = (uint32_t)(per % max);
  /* tau = burst*q + (burst*rem)/max; burst*rem < 2^62 always fits. */
  uint64_t fr = (uint64_t)burst * rem;
  int64_t tau;
  if (__builtin_mul_overflow(q, (int64_t)burst, &tau)) return LR_ERR;
  tau += (int64_t)(fr / max);
  if (tau > LR_LIMIT_TICKS_MAX) return LR_ERR;
  r->max = max;
  r->burst = burst;
  r->per = per;
  r->t_int = q;
  r->t_frac = rem;
  r->tau_int = tau;
  r->tau_frac = (uint32_t)(fr % max);
  return LR_OK;
}

lr_limit_time lr_limit_rate_cost(const lr_limit_rate *r, uint32_t cost) {
  /* cost <= burst: cost*t_int <= tau_int <= 2^61, cost*t_frac < 2^62. */
  uint64_t fr = (uint64_t)cost * r->t_frac;
  return (lr_limit_time){(int64_t)cost * r->t_int + (int64_t)(fr / r->max),
                         (uint32_t)(fr % r->max)};
}

/* floor(s / T) = floor((s.i*max + s.f) / per), clamped to burst. The product
 * reaches 2^92 only for huge spans; the common case stays in 64 bits. */
static uint32_t spans_in(const lr_limit_rate *r, lr_limit_time s) {
  if (s.i < 0) return 0;
  uint64_t n;
  if (s.i < ((int64_t)1 << 32)) {
    n = ((uint64_t)s.i * r->max + s.f) / (uint64_t)r->per;
  } else {
    __extension__ unsigned __int128 x = (unsigned __int128)(uint64_t)s.i * r->max + s.f;
    x /= (uint64_t)r->per;
    n = x > UINT32_MAX ? UINT32_MAX : (uint64_t)x;
  }
  return n > r->burst ? r->burst : (uint32_t)n;
}

void lr_limit_result_from_backlog(const lr_limit_rate *r, bool allowed, lr_limit_time d,
                                  uint32_t cost, int64_t tick_ns, lr_limit_result *out) {
  lr_limit_time tau = {r->tau_int, r->tau_frac};
  if (d.i < 0) d = (lr_limit_time){0, 0};
  out->allowed = allowed;
  out->remaining = t_cmp(d, tau) >= 0 ? 0 : spans_in(r, t_sub(tau, d, r->max));
  out->reset_ns = t_ceil_ns(d, tick_ns);
  out->retry_after_ns = 0;
  if (!allowed) {
    if (cost > r->burst) {
      out->retry_after_ns = INT64_MAX;
    } else {
      lr_limit_time need = t_add(d, lr_limit_rate_cost(r, cost), r->max);
      out->retry_after_ns = t_cmp(need, tau) > 0 ? t_ceil_ns(t_sub(need, tau, r->max), tick_ns) : 0;
    }
  }
}

/* The backlog TAT - now, or 0 when TAT is not after now. */
static inline lr_limit_time backlog(lr_limit_time tat, int64_t now) {
  if (tat.i < now) return (lr_limit_time){0, 0};
  return (lr_limit_time){tat.i - now, tat.f};
}

/* The decision itself; returns the backlog the result is computed from. */
static bool gcra_step(const lr_limit_rate *r, lr_limit_time *tat, int64_t now, uint32_t cost,
                      lr_limit_time *d_out) {
  lr_limit_time d = backlog(*tat, now);
  if (cost > r->burst) {
    *d_out = d;
    return false;
  }
  lr_limit_time nd = t_add(d, lr_limit_rate_cost(r, cost), r->max);
  if (t_cmp(nd, (lr_limit_time){r->tau_int, r->tau_frac}) > 0) {
    *d_out = d;
    return false;
  }
  /* now <= 2^62 and nd <= tau <= 2^61: the sum fits. */
  *tat = (lr_limit_time){now + nd.i, nd.f};
  *d_out = nd;
  return true;
}

void lr_limit_gcra(const lr_limit_rate *r, lr_limit_time *tat, int64_t now, uint32_t cost,
                   int64_t tick_ns, lr_limit_result *out) {
  lr_limit_time d;
  bool ok = gcra_step(r, tat, now, cost, &d);
  lr_limit_result_from_backlog(r, ok, d, cost, tick_ns, out);
}

/* ---- 2. the keyed limiter ------------------------------------------------ */

typedef struct lru_link {
  struct lru_link *prev, *next;
} lru_link;

/* One key. lru must stay first: links are cast back to entries. */
typedef struct entry {
  lru_link lru;
  lr_limit_time tat;
  uint64_t hash; /* seeded: the map's slot and the shard */
  uint32_t klen;
  char key[];
} entry;

/* What one key costs against max_bytes: the entry, its key, malloc's header
 * and its share of the map's slot array (32-byte slots at a load of 1/2 on
 * average). An estimate, stated once. */
#define MAP_SLOT_COST 64
static inline size_t entry_cost(size_t klen) { return sizeof(entry) + klen + 16 + MAP_SLOT_COST; }

typedef struct shard {
  _Alignas(64) pthread_mutex_t mu; /* one cache line per shard's hot fields */
  lr_map map;
  lru_link lru; /* sentinel: lru.next is the most recently used */
  size_t bytes, keys, cap;
  uint64_t allowed, limited, expired, evicted;
} shard;

struct lr_limit {
  lr_limit_config cfg;
  lr_limit_rate rate;
  const lr_clock *clock;
  unsigned shift; /* shard = hash >> shift (64 for one shard) */
  unsigned nshards;
  shard *shards;
};

static inline void lru_unlink(lru_link *e) {
  e->prev->next = e->next;
  e->next->prev = e->prev;
}

static inline void lru_push_front(lru_link *head, lru_link *e) {
  e->next = head->next;
  e->prev = head;
  head->next->prev = e;
  head->next = e;
}

static void drop(shard *s, entry *e) {
  lr_map_del_h(&s->map, lr_str_make(e->key, e->klen), e->hash);
  lru_unlink(&e->lru);
  s->bytes -= entry_cost(e->klen);
  s->keys--;
  free(e);
}

static inline bool idle(const entry *e, int64_t now) {
  return e->tat.i < now || (e->tat.i == now && e->tat.f == 0);
}

/* Drops up to budget idle keys from the cold end; stops at the first key
 * that still carries state when stop_at_live. */
static size_t expire_cold(shard *s, int64_t now, size_t budget, bool stop_at_live) {
  size_t n = 0;
  lru_link *it = s->lru.prev;
  while (budget-- && it != &s->lru) {
    entry *e = (entry *)it;
    it = it->prev;
    if (idle(e, now)) {
      drop(s, e);
      s->expired++;
      n++;
    } else if (stop_at_live) {
      break;
    }
  }
  return n;
}

/* Makes room for `need` bytes by dropping least recently used keys. */
static void make_room(shard *s, size_t need, int64_t now) {
  while (s->bytes + need > s->cap && s->lru.prev != &s->lru) {
    entry *e = (entry *)s->lru.prev;
    if (idle(e, now))
      s->expired++;
    else
      s->evicted++;
    drop(s, e);
  }
}

/* Adds e (key and tat set) as the most recent key of s, evicting to make room. */
static void insert(shard *s, entry *e, uint64_t h, int64_t now) {
  size_t need = entry_cost(e->klen);
  make_room(s, need, now);
  e->hash = h;
  lr_map_put_h(&s->map, lr_str_make(e->key, e->klen), h, e);
  lru_push_front(&s->lru, &e->lru);
  s->bytes += need;
  s->keys++;
}

static const char *check_config(const lr_limit_config *c) {
  if (c->max < 1 || c->max > LR_LIMIT_MAX_MAX) return "max must be between 1 and 2^31";
  if (c->burst > LR_LIMIT_MAX_MAX) return "burst must be between 1 and 2^31";
  if (c->per_ns < LR_LIMIT_PER_MIN_NS) return "per must be at least 1 ms";
  if (c->per_ns > LR_LIMIT_PER_FOREVER) return "per must be at most 2^61 ns (73 years)";
  if (c->shards > 4096 || (c->shards & (c->shards - 1)))
    return "shards must be a power of two up to 4096";
  return NULL;
}

lr_limit *lr_limit_new(const lr_limit_config *cfg, const lr_clock *clock, const char **why) {
  const char *err = check_config(cfg);
  lr_limit_rate rate;
  if (!err && lr_limit_rate_init(&rate, cfg->max, cfg->per_ns, cfg->burst) != LR_OK)
    err = "burst * per / max must be at most 2^61 ns";
  if (err) {
    if (why) *why = err;
    return NULL;
  }
  lr_limit *l = lr_xcalloc(1, sizeof *l);
  l->cfg = *cfg;
  l->cfg.name = cfg->name ? lr_xstrdup(cfg->name) : NULL;
  l->cfg.burst = rate.burst;
  if (!l->cfg.max_bytes) l->cfg.max_bytes = (size_t)64 << 20;
  if (!l->cfg.shards) l->cfg.shards = 64;
  l->rate = rate;
  l->clock = clock;
  l->nshards = l->cfg.shards;
  unsigned bits = 0;
  while ((1u << bits) < l->nshards) bits++;
  l->shift = 64 - bits;
  l->shards = aligned_alloc(_Alignof(shard), sizeof(shard) * l->nshards);
  if (!l->shards) lr_oom(sizeof(shard) * l->nshards);
  memset(l->shards, 0, sizeof(shard) * l->nshards);
  for (unsigned i = 0; i < l->nshards; i++) {
    shard *s = &l->shards[i];
    pthread_mutex_init(&s->mu, NULL);
    s->lru.next = s->lru.prev = &s->lru;
    s->cap = l->cfg.max_bytes / l->nshards;
  }
  return l;
}

void lr_limit_free(lr_limit *l) {
  if (!l) return;
  for (unsigned i = 0; i < l->nshards; i++) {
    shard *s = &l->shards[i];
    for (lru_link *it = s->lru.next; it != &s->lru;) {
      lru_link *next = it->next;
      free(it);
      it = next;
    }
    lr_map_free(&s->map);
    pthread_mutex_destroy(&s->mu);
  }
  free(l->shards);
  free((char *)l->cfg.name);
  free(l);
}

/* The key's hash, seeded per limiter, picks the shard (top bits) and is
 * reused by the shard's map (which uses the low bits for slots). */
static inline shard *shard_of(lr_limit *l, uint64_t h) {
  return l->nshards == 1 ? l->shards : &l->shards[h >> l->shift];
}

lr_status lr_limit_check_at(lr_limit *l, lr_str key, uint32_t cost, int64_t now,
                            lr_limit_result *out) {
  if (key.n > LR_LIMIT_KEY_MAX) return LR_ERR;
  if (now < 0) now = 0;
  if (now > LR_LIMIT_NOW_MAX) now = LR_LIMIT_NOW_MAX;
  uint64_t h = lr_hash(key.p, key.n, l->cfg.seed);
  shard *s = shard_of(l, h);
  lr_limit_time d;
  bool ok;
  pthread_mutex_lock(&s->mu);
  entry *e = lr_map_get_h(&s->map, key, h);
  if (e) {
    ok = gcra_step(&l->rate, &e->tat, now, cost, &d);
    if (s->lru.next != &e->lru) {
      lru_unlink(&e->lru);
      lru_push_front(&s->lru, &e->lru);
    }
  } else {
    lr_limit_time tat = {0, 0};
    ok = gcra_step(&l->rate, &tat, now, cost, &d);
    if (ok && cost > 0) {
      e = lr_xmalloc(sizeof(entry) + key.n);
      e->tat = tat;
      e->klen = (uint32_t)key.n;
      if (key.n) memcpy(e->key, key.p, key.n);
      insert(s, e, h, now);
    }
  }
  if (ok)
    s->allowed++;
  else
    s->limited++;
  expire_cold(s, now, 2, true);
  pthread_mutex_unlock(&s->mu);
  lr_limit_result_from_backlog(&l->rate, ok, d, cost, 1, out);
  return LR_OK;
}

lr_status lr_limit_check(lr_limit *l, lr_str key, uint32_t cost, lr_limit_result *out) {
  return lr_limit_check_at(l, key, cost, lr_clock_mono_ns(l->clock), out);
}

size_t lr_limit_sweep(lr_limit *l, int64_t now, size_t budget_per_shard) {
  size_t n = 0;
  for (unsigned i = 0; i < l->nshards; i++) {
    shard *s = &l->shards[i];
    pthread_mutex_lock(&s->mu);
    n += expire_cold(s, now, budget_per_shard, false);
    pthread_mutex_unlock(&s->mu);
  }
  return n;
}

/* e's TAT (in 1/from->max ticks) in to's fractions, rounded up, and at most
 * now + to's tau. */
static lr_limit_time convert_tat(lr_limit_time tat, const lr_limit_rate *from,
                                 const lr_limit_rate *to, int64_t now) {
  uint64_t f = ((uint64_t)tat.f * to->max + from->max - 1) / from->max; /* < 2^62 */
  lr_limit_time t = {tat.i, (uint32_t)f};
  if (f >= to->max) t = (lr_limit_time){tat.i + 1, 0};
  lr_limit_time cap = {now + to->tau_int, to->tau_frac};
  return t_cmp(t, cap) > 0 ? cap : t;
}

size_t lr_limit_transfer(lr_limit *dst, lr_limit *src, int64_t now) {
  if (now < 0) now = 0;
  if (now > LR_LIMIT_NOW_MAX) now = LR_LIMIT_NOW_MAX;
  size_t moved = 0;
  for (unsigned i = 0; i < src->nshards; i++) {
    shard *s = &src->shards[i];
    pthread_mutex_lock(&s->mu);
    lru_link list = s->lru; /* detach every key, then work unlocked */
    bool empty = s->lru.next == &s->lru;
    lr_map_free(&s->map);
    s->lru.next = s->lru.prev = &s->lru;
    s->bytes = s->keys = 0;
    pthread_mutex_unlock(&s->mu);
    if (empty) continue;
    list.next->prev = &list; /* re-anchor the detached ring on the local head */
    list.prev->next = &list;
    for (lru_link *it = list.prev; it != &list;) { /* coldest first */
      entry *e = (entry *)it;
      it = it->prev;
      if (idle(e, now)) {
        free(e);
        continue;
      }
      e->tat = convert_tat(e->tat, &src->rate, &dst->rate, now);
      lr_str key = lr_str_make(e->key, e->klen);
      uint64_t h = lr_hash(key.p, key.n, dst->cfg.seed);
      shard *d = shard_of(dst, h);
      pthread_mutex_lock(&d->mu);
      entry *have = lr_map_get_h(&d->map, key, h);
      if (have) { /* already used under the new rule: keep the larger debt */
        if (t_cmp(e->tat, have->tat) > 0) have->tat = e->tat;
        free(e);
      } else {
        insert(d, e, h, now);
      }
      pthread_mutex_unlock(&d->mu);
      moved++;
    }
  }
  return moved;
}

void lr_limit_get_stats(lr_limit *l, lr_limit_stats *out) {
  memset(out, 0, sizeof *out);
  for (unsigned i = 0; i < l->nshards; i++) {
    shard *s = &l->shards[i];
    pthread_mutex_lock(&s->mu);
    out->keys += s->keys;
    out->bytes += s->bytes;
    out->allowed += s->allowed;
    out->limited += s->limited;
    out->expired += s->expired;
    out->evicted += s->evicted;
    pthread_mutex_unlock(&s->mu);
  }
}

const lr_limit_config *lr_limit_config_of(const lr_limit *l) { return &l->cfg; }
const lr_limit_rate *lr_limit_rate_of(const lr_limit *l) { return &l->rate; }
const lr_clock *lr_limit_clock(const lr_limit *l) { return l->clock; }

/* ---- 3. headers ---------------------------------------------------------- */

static int64_t ceil_s(int64_t ns) { return ns / 1000000000 + (ns % 1000000000 != 0); }

static void put_sf_string(lr_buf *out, const char *s) {
  lr_buf_putc(out, '"');
  for (const char *p = s && *s ? s : "default"; *p; p++) {
    unsigned char c = (unsigned char)*p;
    if (c == '"' || c == '\\') lr_buf_putc(out, '\\');
    lr_buf_putc(out, c >= 0x20 && c < 0x7f ? (char)c : '_');
  }
  lr_buf_putc(out, '"');
}

void lr_limit_format_policy(const lr_limit_config *cfg, lr_buf *out) {
  put_sf_string(out, cfg->name);
  lr_buf_printf(out, ";q=%u;w=%lld", cfg->max, (long long)ceil_s(cfg->per_ns));
}

void lr_limit_format_state(const lr_limit_config *cfg, const lr_limit_result *res, lr_buf *out) {
  put_sf_string(out, cfg->name);
  lr_buf_printf(out, ";r=%u;t=%lld", res->remaining, (long long)ceil_s(res->reset_ns));
}

int64_t lr_limit_retry_after_s(const lr_limit_result *res) {
  int64_t s = ceil_s(res->retry_after_ns);
  return s < 1 ? 1 : s;
}

/* ---- 4. metrics ---------------------------------------------------------- */

void lr_limit_prom_label(lr_buf *out, const char *s) {
  lr_buf_putc(out, '"');
  for (const char *p = s ? s : ""; *p; p++) {
    if (*p == '\n') {
      lr_buf_puts(out, "\\n");
      continue;
    }
    if (*p == '\\' || *p == '"') lr_buf_putc(out, '\\');
    lr_buf_putc(out, *p);
  }
  lr_buf_putc(out, '"');
}

void lr_limit_prom_seconds(lr_buf *out, int64_t ns) {
  if (ns < 0) {
    lr_buf_putc(out, '-');
    ns = ns == INT64_MIN ? INT64_MAX : -ns;
  }
  lr_buf_printf(out, "%lld", (long long)(ns / 1000000000));
  int64_t frac = ns % 1000000000;
  if (!frac) return;
  char digits[10];
  snprintf(digits, sizeof digits, "%09lld", (long long)frac);
  int n = 9;
  while (digits[n - 1] == '0') n--;
  lr_buf_printf(out, ".%.*s", n, digits);
}

static void family_head(lr_buf *out, const char *name, const char *type, const char *help) {
  lr_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void sample(lr_buf *out, const char *name, const char *policy, const char *extra,
                   uint64_t v) {
  lr_buf_printf(out, "%s{policy=", name);
  lr_limit_prom_label(out, policy ? policy : "default");
  lr_buf_printf(out, "%s} %llu\n", extra ? extra : "", (unsigned long long)v);
}

void lr_limit_metrics(lr_limit *const *limits, size_t n, lr_buf *out) {
  lr_limit_stats *st = lr_xcalloc(n ? n : 1, sizeof *st);
  for (size_t i = 0; i < n; i++) lr_limit_get_stats(limits[i], &st[i]);
#define NAME(i) (limits[i]->cfg.name)
  family_head(out, "larch_limit_checks_total", "counter", "Rate-limit checks by result.");
  for (size_t i = 0; i < n; i++) {
    sample(out, "larch_limit_checks_total", NAME(i), ",result=\"allowed\"", st[i].allowed);
    sample(out, "larch_limit_checks_total", NAME(i), ",result=\"limited\"", st[i].limited);
  }
  family_head(out, "larch_limit_keys", "gauge", "Keys held by the in-process limiter.");
  for (size_t i = 0; i < n; i++) sample(out, "larch_limit_keys", NAME(i), NULL, st[i].keys);
  family_head(out, "larch_limit_key_bytes", "gauge", "Bytes accounted to held keys.");
  for (size_t i = 0; i < n; i++) sample(out, "larch_limit_key_bytes", NAME(i), NULL, st[i].bytes);
  family_head(out, "larch_limit_keys_expired_total", "counter",
              "Keys dropped once idle (lossless).");
  for (size_t i = 0; i < n; i++)
    sample(out, "larch_limit_keys_expired_total", NAME(i), NULL, st[i].expired);
  family_head(out, "larch_limit_keys_evicted_total", "counter",
              "Keys evicted by the memory cap while still carrying state.");
  for (size_t i = 0; i < n; i++)
    sample(out, "larch_limit_keys_evicted_total", NAME(i), NULL, st[i].evicted);
#undef NAME
  free(st);
}
