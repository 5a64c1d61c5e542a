/*
 * entities.c — the entity store: uid → (attrs, parents, tags), with the
 * transitive closure of the parent relation computed once by
 * lr_entities_finish so that Cedar's `in` is a binary search.
 *
 * As Cedar's Entities::from_entities with TCComputation::ComputeNow
 * (cedar-policy-core/src/entities.rs, transitive_closure.rs), a parent that
 * is not in the store is still an ancestor (with no ancestors of its own),
 * and a cycle in the hierarchy is an error.
 *
 * Entities are found by lr_uid_hash (policy_int.h), kept with each entity
 * and, once finished, with each ancestor, so that compiled policy sets can
 * look the request's uids and their ancestors up without hashing them.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "policy_int.h"

struct lr_entities {
  lr_arena *arena;
  /* Open addressing over (hash, entity), C heap, load factor <= 1/2. */
  struct cell {
    uint64_t h;
    lr_entity *e; /* NULL: empty */
  } * cells;
  size_t mask;
  lr_entity **items;
  size_t n, cap;
  bool finished;
  lr_status finish_status;
  const lr_uid *cycle;
  atomic_int refs;
  lr_entities *base; /* an overlay's underlying store (retained), or NULL */
  uint64_t id;       /* unique in the process (lr_entities_id) */
};

/* Store ids: never reused, so an id names one store for the life of the
 * process even when another store later takes its memory. */
static atomic_uint_fast64_t next_store_id = 1;

static void entities_free_map(void *p) {
  lr_entities *es = p;
  free(es->cells);
  free(es->items);
  lr_entities_release(es->base);
}

lr_entities *lr_entities_new(void) {
  lr_arena *a = lr_arena_new(0);
  lr_entities *es = LR_NEW(a, lr_entities);
  es->arena = a;
  es->id = atomic_fetch_add_explicit(&next_store_id, 1, memory_order_relaxed);
  atomic_init(&es->refs, 1);
  lr_arena_on_free(a, entities_free_map, es);
  return es;
}

lr_entities *lr_entities_new_overlay(lr_entities *base) {
  lr_entities *es = lr_entities_new();
  if (base) {
    lr_entities_finish(base, NULL); /* no-op when finished, as documented */
    es->base = lr_entities_retain(base);
  }
  return es;
}

lr_arena *lr_entities_arena(lr_entities *es) { return es->arena; }

lr_entities *lr_entities_retain(lr_entities *es) {
  atomic_fetch_add_explicit(&es->refs, 1, memory_order_relaxed);
  return es;
}

void lr_entities_release(lr_entities *es) {
  if (es && atomic_fetch_sub_explicit(&es->refs, 1, memory_order_acq_rel) == 1)
    lr_arena_free(es->arena);
}

size_t lr_entities_count(const lr_entities *es) { return es ? es->n : 0; }

/* Looks uid (hash h) up in es itself, not in its base. */
static inline const lr_entity *get_own(const lr_entities *es, const lr_uid *uid, uint64_t h) {
  if (es->n == 0) return NULL;
  for (size_t s = h & es->mask;; s = (s + 1) & es->mask) {
    const struct cell *c = &es->cells[s];
    if (!c->e) return NULL;
    if (c->h == h && lr_uid_eq_inline(c->e->uid, uid)) return c->e;
  }
}

static void put_cell(struct cell *cells, size_t mask, uint64_t h, lr_entity *e) {
  size_t s = h & mask;
  while (cells[s].e) s = (s + 1) & mask;
  cells[s] = (struct cell){h, e};
}

/* Enters e (not yet present), growing the table to keep it half empty. */
static void put(lr_entities *es, lr_entity *e) {
  if (!es->cells || (es->n + 1) * 2 > es->mask + 1) {
    size_t cap = es->cells ? (es->mask + 1) * 2 : 32;
    struct cell *cells = lr_xcalloc(cap, sizeof *cells);
    for (size_t i = 0; i < es->n; i++) put_cell(cells, cap - 1, es->items[i]->h, es->items[i]);
    free(es->cells);
    es->cells = cells, es->mask = cap - 1;
  }
  put_cell(es->cells, es->mask, e->h, e);
}

const lr_entity *lr_entities_get_h(const lr_entities *es, const lr_uid *uid, uint64_t h) {
  for (; es; es = es->base) {
    const lr_entity *e = get_own(es, uid, h);
    if (e) return e;
  }
  return NULL;
}

const lr_entity *lr_entities_get(const lr_entities *es, const lr_uid *uid) {
  return es ? lr_entities_get_h(es, uid, lr_uid_hash_inline(uid)) : NULL;
}

static int cmp_uidp(const void *a, const void *b) {
  return lr_uid_cmp(*(const lr_uid *const *)a, *(const lr_uid *const *)b);
}

/* Sorts and deduplicates an array of uid pointers in place; returns the new length. */
static size_t sort_uids(const lr_uid **v, size_t n) {
  if (n < 2) return n;
  qsort(v, n, sizeof *v, cmp_uidp);
  size_t m = 1;
  for (size_t i = 1; i < n; i++)
    if (!lr_uid_eq(v[m - 1], v[i])) v[m++] = v[i];
  return m;
}

lr_status lr_entities_add(lr_entities *es, const lr_uid *uid, lr_value attrs,
                          const lr_uid *const *parents, size_t nparents, lr_value tags) {
  uint64_t h = lr_uid_hash_inline(uid);
  if (es->finished || get_own(es, uid, h)) return LR_ERR;
  lr_entity *e = LR_NEW(es->arena, lr_entity);
  e->uid = uid;
  e->h = h;
  e->index = es->n;
  e->store = es->id;
  e->attrs = attrs.kind == LR_V_RECORD ? attrs : lr_value_empty_record();
  e->tags = tags.kind == LR_V_RECORD ? tags : lr_value_empty_record();
  e->parents = LR_NEW_N(es->arena, const lr_uid *, nparents ? nparents : 1);
  if (nparents) memcpy(e->parents, parents, nparents * sizeof *parents);
  e->nparents = sort_uids(e->parents, nparents);
  put(es, e);
  if (es->n == es->cap) {
    es->cap = es->cap ? es->cap * 2 : 16;
    es->items = lr_xrealloc(es->items, es->cap * sizeof *es->items);
  }
  es->items[es->n++] = e;
  return LR_OK;
}

typedef struct frame {
  size_t idx, next;
} frame;

/* anc(e) = parents(e) ∪ anc(p) for each parent p in the store, computed in
 * DFS post-order with an explicit stack (hierarchies may be deep). For an
 * overlay, parents found in the base store contribute their (final)
 * ancestors. */
static lr_status close_ancestors(lr_entities *es, const lr_uid **cycle) {
  size_t n = es->n;
  unsigned char *state = lr_xcalloc(n ? n : 1, 1); /* 0 new, 1 on stack, 2 done */
  frame *stack = lr_xmalloc((n ? n : 1) * sizeof *stack);
  const lr_uid **tmp = NULL;
  size_t tmpcap = 0;
  lr_status st = LR_OK;
  for (size_t root = 0; root < n && st == LR_OK; root++) {
    if (state[root]) continue;
    size_t sp = 0;
    stack[sp++] = (frame){root, 0};
    state[root] = 1;
    while (sp > 0 && st == LR_OK) {
      frame *f = &stack[sp - 1];
      lr_entity *e = es->items[f->idx];
      if (f->next < e->nparents) {
        const lr_uid *pu = e->parents[f->next++];
        const lr_entity *p = get_own(es, pu, lr_uid_hash_inline(pu));
        if (!p) continue; /* absent, or in the base store (already closed) */
        if (state[p->index] == 1) {
          st = LR_ERR;
          if (cycle) *cycle = p->uid;
          es->cycle = p->uid;
        } else if (state[p->index] == 0) {
          state[p->index] = 1;
          stack[sp++] = (frame){p->index, 0};
        }
        continue;
      }
      size_t total = e->nparents;
      for (size_t i = 0; i < e->nparents; i++) {
        const lr_entity *p = lr_entities_get(es, e->parents[i]);
        if (p) total += p->nanc;
      }
      if (total > tmpcap) {
        tmpcap = total * 2;
        tmp = lr_xrealloc(tmp, tmpcap * sizeof *tmp);
      }
      size_t k = 0;
      for (size_t i = 0; i < e->nparents; i++) {
        tmp[k++] = e->parents[i];
        const lr_entity *p = lr_entities_get(es, e->parents[i]);
        if (p && p->nanc) memcpy(tmp + k, p->anc, p->nanc * sizeof *tmp), k += p->nanc;
      }
      k = sort_uids(tmp, k);
      e->anc = LR_NEW_N(es->arena, const lr_uid *, k ? k : 1);
      uint64_t *anch = LR_NEW_N(es->arena, uint64_t, k ? k : 1);
      for (size_t i = 0; i < k; i++) e->anc[i] = tmp[i], anch[i] = lr_uid_hash_inline(tmp[i]);
      e->anch = anch;
      e->nanc = k;
      state[f->idx] = 2;
      sp--;
    }
  }
  free(tmp);
  free(stack);
  free(state);
  return st;
}

lr_status lr_entities_finish(lr_entities *es, const lr_uid **cycle) {
  if (!es->finished) {
    es->finished = true;
    es->finish_status = close_ancestors(es, &es->cycle);
  }
  if (cycle) *cycle = es->cycle;
  return es->finish_status;
}

uint64_t lr_entities_id(const lr_entities *es) {
  return es && es->finished && es->finish_status == LR_OK ? es->id : 0;
}

const lr_entity *lr_entities_at(const lr_entities *es, size_t i) {
  return i < es->n ? es->items[i] : NULL;
}
const lr_uid *lr_entity_uid(const lr_entity *e) { return e->uid; }
lr_value lr_entity_attrs(const lr_entity *e) { return e->attrs; }
lr_value lr_entity_tags(const lr_entity *e) { return e->tags; }

size_t lr_entity_parents(const lr_entity *e, const lr_uid *const **out) {
  *out = e->parents;
  return e->nparents;
}

size_t lr_entity_ancestors(const lr_entity *e, const lr_uid *const **out) {
  *out = e->anc;
  return e->nanc;
}

bool lr_entity_has_ancestor(const lr_entity *e, const lr_uid *anc) {
  size_t lo = 0, hi = e->nanc;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = lr_uid_cmp(e->anc[mid], anc);
    if (c == 0) return true;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return false;
}

bool lr_entities_in(const lr_entities *es, const lr_uid *child, const lr_uid *anc) {
  if (lr_uid_eq(child, anc)) return true;
  const lr_entity *e = lr_entities_get(es, child);
  return e && lr_entity_has_ancestor(e, anc);
}
