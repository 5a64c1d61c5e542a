/*
 * entities.c — the entity store: uid → (attrs, parents, tags), with the
 * transitive closure of the parent relation computed once by
 * lr_entities_finish so that Cedar's `in` is a binary search.
 *
 * As Cedar's Entities::from_entities with TCComputation::ComputeNow
 * (cedar-policy-core/src/entities.rs, transitive_closure.rs), a parent that
 * is not in the store is still an ancestor (with no ancestors of its own),
 * and a cycle in the hierarchy is an error.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

struct lr_entity {
  const lr_uid *uid;
  lr_value attrs, tags;
  const lr_uid **parents;
  size_t nparents;
  const lr_uid **anc; /* sorted by lr_uid_cmp */
  size_t nanc;
  size_t index; /* position in insertion order */
};

struct lr_entities {
  lr_arena *arena;
  lr_map map; /* "type\0id" -> lr_entity* */
  lr_entity **items;
  size_t n, cap;
  bool finished;
  lr_status finish_status;
  const lr_uid *cycle;
  atomic_int refs;
  lr_entities *base; /* an overlay's underlying store (retained), or NULL */
};

static void entities_free_map(void *p) {
  lr_entities *es = p;
  lr_map_free(&es->map);
  free(es->items);
  lr_entities_release(es->base);
}

lr_entities *lr_entities_new(void) {
  lr_arena *a = lr_arena_new(0);
  lr_entities *es = LR_NEW(a, lr_entities);
  es->arena = a;
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

/* The map key of a uid: type, a NUL byte (never part of a type name), id. */
static size_t key_len(const lr_uid *u) { return u->type.n + 1 + u->id.n; }

static void key_fill(const lr_uid *u, char *k) {
  if (u->type.n) memcpy(k, u->type.p, u->type.n);
  k[u->type.n] = '\0';
  if (u->id.n) memcpy(k + u->type.n + 1, u->id.p, u->id.n);
}

/* Looks uid up in es itself, not in its base. */
static const lr_entity *get_own(const lr_entities *es, const lr_uid *uid) {
  if (es->n == 0) return NULL;
  char small[256];
  size_t n = key_len(uid);
  char *k = n <= sizeof small ? small : lr_xmalloc(n);
  key_fill(uid, k);
  lr_entity *e = lr_map_get(&es->map, lr_str_make(k, n));
  if (k != small) free(k);
  return e;
}

const lr_entity *lr_entities_get(const lr_entities *es, const lr_uid *uid) {
  for (; es; es = es->base) {
    const lr_entity *e = get_own(es, uid);
    if (e) return e;
  }
  return NULL;
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
  if (es->finished || get_own(es, uid)) return LR_ERR;
  lr_entity *e = LR_NEW(es->arena, lr_entity);
  e->uid = uid;
  e->index = es->n;
  e->attrs = attrs.kind == LR_V_RECORD ? attrs : lr_value_empty_record();
  e->tags = tags.kind == LR_V_RECORD ? tags : lr_value_empty_record();
  e->parents = LR_NEW_N(es->arena, const lr_uid *, nparents ? nparents : 1);
  if (nparents) memcpy(e->parents, parents, nparents * sizeof *parents);
  e->nparents = sort_uids(e->parents, nparents);
  size_t n = key_len(uid);
  char *k = lr_arena_alloc(es->arena, n);
  key_fill(uid, k);
  lr_map_put(&es->map, lr_str_make(k, n), e);
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
        const lr_entity *p = get_own(es, e->parents[f->next++]);
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
      if (k) memcpy(e->anc, tmp, k * sizeof *tmp);
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
