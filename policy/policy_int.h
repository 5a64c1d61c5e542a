/*
 * policy_int.h — helpers shared inside policy/ (not part of the public API):
 * canonical text of extension values, Cedar string printing, and the
 * extension-method implementations the evaluator dispatches to.
 */
#ifndef LARCH_POLICY_INT_H
#define LARCH_POLICY_INT_H

#include <string.h>

#include "policy.h"

/* ---- hashes of uids and type names ----
 * lr_uid_hash (policy.h) is lr_uid_hash_inline: the entity store is keyed
 * by it and keeps it for every entity and ancestor, so a compiled set looks
 * the request's uids and their ancestors up in its dictionary of scope
 * names without hashing them again (compile_index.h). Names are short, so a
 * multiply-rotate over at most two (overlapping) words for strings up to
 * 16 bytes, in 8-byte steps before that for longer ones (the words read
 * cover every byte of the string and nothing outside it; with the length
 * mixed in, strings of one length give distinct words). The two words are
 * multiplied independently, and a uid's type and id are hashed
 * independently, so the multiplications overlap. Tables compare the names
 * on a hash match: only speed depends on the quality. */
static inline uint64_t lr_name_absorb(uint64_t h, const char *p, size_t n) {
  uint64_t x, y, len = (uint64_t)n << 56;
  if (n >= 8) {
    for (; n > 16; p += 8, n -= 8) {
      h = (h ^ lr_rd64(p)) * 0x9e3779b97f4a7c15ull;
      h = (h << 29) | (h >> 35);
    }
    x = lr_rd64(p), y = lr_rd64(p + n - 8);
  } else if (n >= 4) {
    x = lr_rd32(p), y = lr_rd32(p + n - 4);
  } else {
    x = n ? (uint64_t)(unsigned char)p[0] | (uint64_t)(unsigned char)p[n / 2] << 8 |
                (uint64_t)(unsigned char)p[n - 1] << 16
          : 0;
    y = 0;
  }
  x = (h ^ x) * 0x9e3779b97f4a7c15ull;
  y = (y ^ len) * 0xc2b2ae3d27d4eb4full;
  return ((x << 29) | (x >> 35)) ^ y;
}
/* Final step: one multiplication, the high half folded into the low one
 * (tables use the low bits). */
static inline uint64_t lr_name_finish(uint64_t h) {
  h *= 0xd6e8feb86659fd93ull;
  return h ^ (h >> 32);
}
static inline uint64_t lr_uid_hash_inline(const lr_uid *u) {
  uint64_t t = lr_name_absorb(0x756964ull, u->type.p, u->type.n);
  uint64_t i = lr_name_absorb(0x6964ull, u->id.p, u->id.n);
  return lr_name_finish(t ^ ((i << 32) | (i >> 32)));
}
static inline uint64_t lr_type_hash_inline(lr_str t) {
  return lr_name_finish(lr_name_absorb(0x74797065ull, t.p, t.n));
}

/* Equality of names and uids for hot paths (same answers as lr_str_eq and
 * lr_uid_eq): lengths first, then short names without a call or a byte
 * loop — two overlapping words cover every byte of [p, p + n) and read
 * nothing outside it. Used by the entity store's lookups and the compiled
 * sets (compile_int.h). */
static inline bool lr_name_eq(lr_str a, lr_str b) {
  size_t n = a.n;
  if (n != b.n) return false;
  if (n >= 8) {
    if (n > 16) return memcmp(a.p, b.p, n) == 0;
    return lr_rd64(a.p) == lr_rd64(b.p) && lr_rd64(a.p + n - 8) == lr_rd64(b.p + n - 8);
  }
  if (n >= 4) return lr_rd32(a.p) == lr_rd32(b.p) && lr_rd32(a.p + n - 4) == lr_rd32(b.p + n - 4);
  /* n <= 3: positions 0, n / 2 and n - 1 are every byte */
  return n == 0 || (a.p[0] == b.p[0] && a.p[n / 2] == b.p[n / 2] && a.p[n - 1] == b.p[n - 1]);
}
static inline bool lr_uid_eq_inline(const lr_uid *a, const lr_uid *b) {
  return a == b || (lr_name_eq(a->id, b->id) && lr_name_eq(a->type, b->type));
}

/* A store entry (entities.c). Here so that compiled sets (compile*.c) can
 * read where an entry lives without a call. */
struct lr_entity {
  const lr_uid *uid;
  uint64_t h; /* lr_uid_hash(uid) */
  lr_value attrs, tags;
  const lr_uid **parents;
  size_t nparents;
  const lr_uid **anc;   /* sorted by lr_uid_cmp */
  const uint64_t *anch; /* lr_uid_hash of each of anc */
  size_t nanc;
  size_t index;   /* position in insertion order */
  uint64_t store; /* the id of its store (lr_entities_id) */
};

/* A finished store's id, unique in the process and never reused (0 for a
 * store not finished or finished with an error): an entry e belongs to
 * store es when e->store == lr_entities_id(es), and a finished store no
 * longer changes. */
uint64_t lr_entities_id(const lr_entities *es);

/* lr_entities_get for a uid whose lr_uid_hash is h. */
const lr_entity *lr_entities_get_h(const lr_entities *es, const lr_uid *uid, uint64_t h);
/* Appends s as a Cedar string literal (quotes and escapes). */
void lr_print_cedar_string(lr_str s, lr_buf *out);

/* Canonical argument text of each extension constructor: re-parsing it
 * gives the same value. */
void lr_decimal_format(int64_t scaled, lr_buf *out);     /* "-1.2300" */
void lr_ipaddr_format(const lr_ipaddr *ip, lr_buf *out); /* "10.0.0.0/8", "::1/128" */
/* Returns false (appending nothing) when ms lies outside years 0000-9999,
 * which no datetime string can express. */
bool lr_datetime_format(int64_t ms, lr_buf *out); /* "2024-01-02T03:04:05.006Z" */
void lr_duration_format(int64_t ms, lr_buf *out); /* "-1d2h3m4s5ms", "0ms" */

/* ipaddr predicates (cedar-policy-core/src/extensions/ipaddr.rs). */
bool lr_ipaddr_is_loopback(const lr_ipaddr *ip);
bool lr_ipaddr_is_multicast(const lr_ipaddr *ip);
bool lr_ipaddr_in_range(const lr_ipaddr *child, const lr_ipaddr *range);

/* datetime methods; LR_ERR on i64 overflow. */
lr_status lr_datetime_to_date(int64_t ms, int64_t *out);
int64_t lr_datetime_to_time(int64_t ms);

/* Cedar's `like`: s matches the pre-split pattern (bytewise, which equals
 * Cedar's character-wise match since literal runs are whole characters). */
bool lr_like_match(lr_str s, const lr_pattern *pat);

/* True when anc is a transitive ancestor of e (not e itself). */
bool lr_entity_has_ancestor(const lr_entity *e, const lr_uid *anc);

/* ---- evaluator internals shared by eval.c and eval_ext.c ---- */

typedef struct lr_evalctx {
  const lr_eval_env *env;
  lr_eval_error *err;
  unsigned depth; /* current recursion depth */
  /* The store entries of the request's principal, action and resource (in
   * that order, as the compiled sets number the variables), looked up once
   * (ent_known) and shared by every policy of a request. */
  const lr_entity *ent[3];
  bool ent_known[3];
} lr_evalctx;

/* The store entry of u (or NULL); the request's own principal, resource and
 * action (compared by pointer) are looked up once per context. */
const lr_entity *lr_eval_entity(lr_evalctx *x, const lr_uid *u);
/* lr_eval_entity_h for u of cache slot k (0 principal, 1 action, 2 resource,
 * -1 none), when the caller knows which. */
static inline const lr_entity *lr_eval_entity_k(lr_evalctx *x, int k, const lr_uid *u,
                                                uint64_t h) {
  if (k >= 0 && x->ent_known[k]) return x->ent[k];
  const lr_entities *es = x->env->entities;
  const lr_entity *e = h ? lr_entities_get_h(es, u, h) : lr_entities_get(es, u);
  if (k >= 0) x->ent[k] = e, x->ent_known[k] = true;
  return e;
}
/* lr_eval_entity for a uid whose lr_uid_hash is h (0: not known, hashed only
 * if the store is searched); inline for the compiled sets' hot path. */
static inline const lr_entity *lr_eval_entity_h(lr_evalctx *x, const lr_uid *u, uint64_t h) {
  const lr_request *r = x->env->req;
  int k = u == r->principal ? 0 : u == r->resource ? 2 : u == r->action ? 1 : -1;
  return lr_eval_entity_k(x, k, u, h);
}

/* Evaluates the policy x->env->inst (see lr_eval_policy) with x's entity
 * cache, so lr_authorize looks the request's entities up once. */
lr_policy_result lr_eval_policy_ctx(lr_evalctx *x);

/* Records an error for expression e (message printf-style, in the arena). */
lr_status lr_eval_fail(lr_evalctx *x, const lr_expr *e, const char *fmt, ...) LR_PRINTF(3, 4);
/* Records a type error: expected `what`, got a value of v's kind. */
lr_status lr_eval_type_error(lr_evalctx *x, const lr_expr *e, const char *what, lr_value v);

/* Applies extension method m to the evaluated receiver args[0] and
 * arguments args[1..n-1]; e is the method call (for error spans). */
lr_status lr_eval_ext_method(lr_evalctx *x, const lr_expr *e, lr_method m, const lr_value *args,
                             size_t n, lr_value *out);
/* Applies extension function f (a constructor) to its evaluated args. */
lr_status lr_eval_ext_call(lr_evalctx *x, const lr_expr *e, lr_func f, const lr_value *args,
                           size_t n, lr_value *out);

#endif /* LARCH_POLICY_INT_H */
