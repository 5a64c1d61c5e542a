/*
 * compile.c — compiled policy sets: the scope index and the authorizer over
 * it (policy.h, "compiled policy sets").
 *
 * The index. Each policy's scope has a shape — per variable one of `any`,
 * `== uid`, `in uid` (through ancestors), `is Type` (principal / resource;
 * `is T in E` is indexed by E) and `any`, `== uid`, `in uid` (action; `in
 * [A, B]` gives one key per element) — and keys (the uids or type). The
 * policy is entered in one hash table under hash(shape, keys). A request
 * probes, for each shape present in the set, every combination of its own
 * keys: for `==` its uid, for `in` its uid and each ancestor in the
 * request's entity store, for `is` its type. That touches only the buckets
 * of policies whose scope can hold, whatever the set's size (the cost
 * grows with the number of shapes and ancestors, not of policies).
 *
 * The index is only a filter: a hash collision yields an extra candidate,
 * which the exact scope check then rejects. Candidates are decided in
 * policy order, so reasons and errors come out as lr_authorize gives them.
 * Conditions run on the fast path of compile_expr.c; when it bails, or for
 * an instance with an unlinked slot, the interpreter decides the policy.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "compile_int.h"

/* Scope kinds as indexed. */
enum { K_ANY, K_EQ, K_IN, K_IS, K__N };

/* A principal/resource scope, resolved (slots replaced by the link's uid). */
typedef struct cscope {
  uint8_t op; /* lr_scope_op */
  lr_str type;
  const lr_uid *uid;
} cscope;

typedef struct cpol {
  const lr_policy_inst *inst;
  uint8_t effect;
  bool interp; /* decided by the interpreter (an unlinked slot) */
  cscope p, r;
  uint8_t aop; /* lr_action_op */
  const lr_uid **auids;
  size_t nauids;
  lr_cnode **conds;
  const bool *when;
  size_t nconds;
} cpol;

/* A set of key hashes (open addressing; 0 marks an empty cell). */
typedef struct keyset {
  uint64_t *v;
  size_t mask, n;
} keyset;

/* A group of policies under one key: entries[start, start + count). */
typedef struct slot {
  uint64_t key;
  uint32_t start, count;
} slot;

struct lr_cset {
  atomic_int refs;
  lr_arena *arena;
  lr_arena *adopted;
  cpol *pols;
  size_t npols;
  /* shapes present: kind of principal, action, resource */
  uint8_t shapes[K__N * K__N * K__N][3];
  size_t nshapes;
  /* [var][kind]: the keys policies use, so a request probes only with its
   * keys that can match something (its uid, ancestors, type) */
  keyset rel[3][K__N];
  /* The index: open addressing over 32-bit fingerprints (the top half of
   * the key; 0 marks an empty cell), so probing — mostly misses — touches
   * 4 bytes per cell and stays in cache at 10,000 policies; the full key
   * and the group are read only on a fingerprint match. */
  uint32_t *fps;
  slot *table;
  size_t mask;
  uint32_t *entries; /* policy indices, grouped by key, ascending in each group */
  size_t nentries;
  uint32_t npaths; /* distinct variable paths (memo slots per request) */
  lr_cset_stats stats;
};

/* ---- hashing ----------------------------------------------------------------- */

static inline uint64_t mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return x;
}

/* Hashes of scope keys, computed per request for the request's entities
 * and their ancestors: short strings, so a simple inline multiply-rotate
 * over 8-byte words (the index is only a filter: quality matters for
 * speed, never for answers). */
static inline uint64_t absorb(uint64_t h, const char *p, size_t n) {
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t w;
    memcpy(&w, p, 8);
    h = (h ^ w) * 0x9e3779b97f4a7c15ull;
    h = (h << 29) | (h >> 35);
  }
  uint64_t t = 0; /* the tail bytewise: a memcpy of variable length is a call */
  for (size_t i = 0; i < n; i++) t |= (uint64_t)(unsigned char)p[i] << (8 * i);
  return (h ^ t ^ ((uint64_t)n << 56)) * 0xc2b2ae3d27d4eb4full;
}

static inline uint64_t uid_hash(const lr_uid *u) {
  return mix64(absorb(absorb(0x756964ull, u->type.p, u->type.n), u->id.p, u->id.n));
}

static inline uint64_t type_hash(lr_str t) { return mix64(absorb(0x74797065ull, t.p, t.n)); }

static inline uint64_t combine(unsigned shape, uint64_t hp, uint64_t ha, uint64_t hr) {
  uint64_t h = mix64(hp * 0x9e3779b97f4a7c15ull + ha * 0xc2b2ae3d27d4eb4full +
                     hr * 0x165667b19e3779f9ull + (uint64_t)(shape + 1) * 0xd6e8feb86659fd93ull);
  return h ? h : 1;
}

static inline unsigned shape_id(unsigned kp, unsigned ka, unsigned kr) {
  return (kp * K__N + ka) * K__N + kr;
}

/* ---- compilation ------------------------------------------------------------- */

static const lr_uid *slot_uid(const lr_policy_inst *inst, lr_slot s) {
  return s == LR_SLOT_PRINCIPAL ? inst->slot_principal : inst->slot_resource;
}

/* Resolves a scope; false for an unlinked slot. */
static bool resolve_scope(lr_arena *a, const lr_policy_inst *inst, const lr_scope *s, cscope *out) {
  *out = (cscope){.op = (uint8_t)s->op, .type = s->type};
  if (s->op == LR_SCOPE_ANY || s->op == LR_SCOPE_IS) return true;
  if (s->is_slot) {
    out->uid = slot_uid(inst, s->slot);
    return out->uid != NULL;
  }
  out->uid = lr_uid_new(a, s->entity.type, s->entity.id);
  return true;
}

/* Index kind and key of a resolved scope. */
static unsigned scope_key(const cscope *s, uint64_t *key) {
  switch ((lr_scope_op)s->op) {
  case LR_SCOPE_EQ: *key = uid_hash(s->uid); return K_EQ;
  case LR_SCOPE_IN:
  case LR_SCOPE_IS_IN: *key = uid_hash(s->uid); return K_IN;
  case LR_SCOPE_IS: *key = type_hash(s->type); return K_IS;
  default: *key = 0; return K_ANY;
  }
}

typedef struct pair {
  uint64_t key;
  uint32_t pol;
} pair;

static int cmp_pair(const void *x, const void *y) {
  const pair *a = x, *b = y;
  if (a->key != b->key) return a->key < b->key ? -1 : 1;
  return (a->pol > b->pol) - (a->pol < b->pol);
}

typedef struct pairs {
  pair *v;
  size_t n, cap;
} pairs;

static void pairs_add(pairs *ps, uint64_t key, uint32_t pol) {
  if (ps->n == ps->cap) {
    ps->cap = ps->cap ? ps->cap * 2 : 64;
    ps->v = lr_xrealloc(ps->v, ps->cap * sizeof *ps->v);
  }
  ps->v[ps->n++] = (pair){key, pol};
}

static void note_shape(lr_cset *c, unsigned kp, unsigned ka, unsigned kr) {
  unsigned id = shape_id(kp, ka, kr);
  for (size_t i = 0; i < c->nshapes; i++)
    if (shape_id(c->shapes[i][0], c->shapes[i][1], c->shapes[i][2]) == id) return;
  c->shapes[c->nshapes][0] = (uint8_t)kp;
  c->shapes[c->nshapes][1] = (uint8_t)ka;
  c->shapes[c->nshapes][2] = (uint8_t)kr;
  c->nshapes++;
}

/* Lowers policy i and adds its index entries to ps and the keys it uses to
 * rel (pol = var * K__N + kind). */
static void compile_policy(lr_cset *c, uint32_t i, pairs *ps, pairs *rel, cn_stats *st) {
  lr_arena *a = c->arena;
  cpol *p = &c->pols[i];
  const lr_policy *ast = p->inst->ast;
  p->effect = (uint8_t)ast->effect;
  bool linked = resolve_scope(a, p->inst, &ast->principal, &p->p);
  linked = resolve_scope(a, p->inst, &ast->resource, &p->r) && linked;
  p->aop = (uint8_t)ast->action.op;
  p->nauids = ast->action.op == LR_ACTION_ANY ? 0 : ast->action.n;
  if (ast->action.op == LR_ACTION_EQ || ast->action.op == LR_ACTION_IN) p->nauids = 1;
  p->auids = LR_NEW_N(a, const lr_uid *, p->nauids ? p->nauids : 1);
  for (size_t k = 0; k < p->nauids; k++)
    p->auids[k] = lr_uid_new(a, ast->action.entities[k].type, ast->action.entities[k].id);
  p->nconds = ast->nconds;
  p->conds = LR_NEW_N(a, lr_cnode *, ast->nconds ? ast->nconds : 1);
  bool *when = LR_NEW_N(a, bool, ast->nconds ? ast->nconds : 1);
  for (size_t k = 0; k < ast->nconds; k++) {
    size_t before = st->interp;
    p->conds[k] = cn_compile(a, ast->conds[k].expr, st);
    when[k] = ast->conds[k].is_when;
    c->stats.conds++;
    if (st->interp == before) c->stats.conds_fast++;
  }
  p->when = when;
  if (!linked) { /* the interpreter reports the error: index it everywhere */
    p->interp = true;
    note_shape(c, K_ANY, K_ANY, K_ANY);
    pairs_add(ps, combine(shape_id(K_ANY, K_ANY, K_ANY), 0, 0, 0), i);
    return;
  }
  if (ast->action.op == LR_ACTION_IN_SET && ast->action.n == 0) {
    c->stats.never++; /* `action in []` never holds */
    return;
  }
  uint64_t hp, hr;
  unsigned kp = scope_key(&p->p, &hp), kr = scope_key(&p->r, &hr);
  unsigned ka = ast->action.op == LR_ACTION_ANY  ? K_ANY
                : ast->action.op == LR_ACTION_EQ ? K_EQ
                                                 : K_IN;
  note_shape(c, kp, ka, kr);
  unsigned sh = shape_id(kp, ka, kr);
  if (kp != K_ANY) pairs_add(rel, hp, 0 * K__N + kp);
  if (kr != K_ANY) pairs_add(rel, hr, 2 * K__N + kr);
  if (ka == K_ANY) {
    pairs_add(ps, combine(sh, hp, 0, hr), i);
    return;
  }
  for (size_t k = 0; k < p->nauids; k++) {
    uint64_t ha = uid_hash(p->auids[k]);
    pairs_add(rel, ha, 1 * K__N + ka);
    pairs_add(ps, combine(sh, hp, ha, hr), i);
  }
}

static void keyset_add(keyset *ks, uint64_t h) {
  size_t s = h & ks->mask;
  while (ks->v[s] && ks->v[s] != h) s = (s + 1) & ks->mask;
  if (!ks->v[s]) ks->v[s] = h, ks->n++;
}

static inline bool keyset_has(const keyset *ks, uint64_t h) {
  for (size_t s = h & ks->mask;; s = (s + 1) & ks->mask) {
    if (ks->v[s] == h) return true;
    if (!ks->v[s]) return false;
  }
}

/* Builds c->rel from the (key, var * K__N + kind) pairs. */
static void build_rel(lr_cset *c, const pairs *rel) {
  size_t count[3 * K__N] = {0};
  for (size_t i = 0; i < rel->n; i++) count[rel->v[i].pol]++;
  for (size_t k = 0; k < 3 * K__N; k++) {
    keyset *ks = &c->rel[k / K__N][k % K__N];
    size_t cap = 4;
    while (cap < count[k] * 2) cap <<= 1;
    ks->v = LR_NEW_N(c->arena, uint64_t, cap);
    ks->mask = cap - 1;
  }
  for (size_t i = 0; i < rel->n; i++)
    keyset_add(&c->rel[rel->v[i].pol / K__N][rel->v[i].pol % K__N], rel->v[i].key);
}

static inline uint32_t fingerprint(uint64_t key) {
  uint32_t f = (uint32_t)(key >> 32);
  return f ? f : 1;
}

/* Builds the open-addressing table over the sorted pairs. */
static void build_table(lr_cset *c, pairs *ps) {
  if (ps->n > 1) qsort(ps->v, ps->n, sizeof *ps->v, cmp_pair);
  c->entries = LR_NEW_N(c->arena, uint32_t, ps->n ? ps->n : 1);
  size_t ngroups = 0;
  for (size_t i = 0; i < ps->n; i++)
    if (i == 0 || ps->v[i].key != ps->v[i - 1].key) ngroups++;
  size_t cap = 8;
  while (cap < ngroups + ngroups / 2) cap <<= 1; /* load factor <= 2/3 */
  c->table = LR_NEW_N(c->arena, slot, cap);
  c->fps = LR_NEW_N(c->arena, uint32_t, cap);
  c->mask = cap - 1;
  size_t n = 0;
  for (size_t i = 0; i < ps->n;) {
    uint64_t key = ps->v[i].key;
    uint32_t start = (uint32_t)n;
    for (; i < ps->n && ps->v[i].key == key; i++)
      if (n == start || c->entries[n - 1] != ps->v[i].pol) c->entries[n++] = ps->v[i].pol;
    size_t s = key & c->mask;
    while (c->fps[s]) s = (s + 1) & c->mask;
    c->fps[s] = fingerprint(key);
    c->table[s] = (slot){key, start, (uint32_t)n - start};
  }
  c->nentries = n;
}

lr_cset *lr_cset_compile_insts(const lr_policy_inst *insts, size_t n, lr_diags *d) {
  (void)d;
  lr_arena *a = lr_arena_new(0);
  lr_cset *c = LR_NEW(a, lr_cset);
  atomic_init(&c->refs, 1);
  c->arena = a;
  c->npols = n;
  c->pols = LR_NEW_N(a, cpol, n ? n : 1);
  pairs ps = {0}, rel = {0};
  cn_stats st = {0};
  for (size_t i = 0; i < n; i++) {
    c->pols[i].inst = &insts[i];
    compile_policy(c, (uint32_t)i, &ps, &rel, &st);
  }
  build_table(c, &ps);
  build_rel(c, &rel);
  free(ps.v);
  free(rel.v);
  lr_map_free(&st.paths);
  c->npaths = st.npaths;
  c->stats.paths = st.npaths;
  c->stats.paths_shared = st.memo_uses;
  c->stats.policies = n;
  c->stats.shapes = c->nshapes;
  c->stats.index_entries = c->nentries;
  c->stats.folded = st.folded;
  c->stats.bytes = lr_arena_bytes(a);
  return c;
}

lr_cset *lr_cset_compile(const lr_policy_set *set, lr_diags *d) {
  return lr_cset_compile_insts(set->insts, set->ninsts, d);
}

void lr_cset_adopt_arena(lr_cset *c, lr_arena *a) { c->adopted = a; }

lr_cset *lr_cset_ref(lr_cset *c) {
  atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
  return c;
}

void lr_cset_unref(lr_cset *c) {
  if (!c || atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) != 1) return;
  lr_arena *adopted = c->adopted;
  lr_arena_free(c->arena);
  lr_arena_free(adopted);
}

void lr_cset_get_stats(const lr_cset *c, lr_cset_stats *out) { *out = c->stats; }

/* ---- request time -------------------------------------------------------------- */

/* The index keys of one request variable for one kind. */
typedef struct keys {
  uint64_t *v;
  size_t n;
} keys;

/* A growable list of candidate policy indices (first in a stack buffer). */
typedef struct cands {
  uint32_t *v;
  size_t n, cap;
  lr_arena *a;
  bool sorted;
} cands;

static void cands_add(cands *cs, const uint32_t *src, size_t n) {
  if (cs->n + n > cs->cap) {
    size_t cap = (cs->n + n) * 2;
    uint32_t *v = lr_arena_alloc(cs->a, cap * sizeof *v);
    memcpy(v, cs->v, cs->n * sizeof *v);
    cs->v = v;
    cs->cap = cap;
  }
  if (cs->n && n && cs->v[cs->n - 1] >= src[0]) cs->sorted = false;
  memcpy(cs->v + cs->n, src, n * sizeof *src);
  cs->n += n;
}

static int cmp_u32(const void *x, const void *y) {
  uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
  return (a > b) - (a < b);
}

static void cands_finish(cands *cs) {
  if (cs->sorted) return;
  if (cs->n <= 32) {
    for (size_t i = 1; i < cs->n; i++) {
      uint32_t v = cs->v[i];
      size_t j = i;
      while (j > 0 && cs->v[j - 1] > v) cs->v[j] = cs->v[j - 1], j--;
      cs->v[j] = v;
    }
  } else {
    qsort(cs->v, cs->n, sizeof *cs->v, cmp_u32);
  }
  size_t m = 0;
  for (size_t i = 0; i < cs->n; i++)
    if (m == 0 || cs->v[m - 1] != cs->v[i]) cs->v[m++] = cs->v[i];
  cs->n = m;
}

static const slot *lookup(const lr_cset *c, uint64_t key) {
  uint32_t f = fingerprint(key);
  for (size_t s = key & c->mask;; s = (s + 1) & c->mask) {
    if (c->fps[s] == f && c->table[s].key == key) return &c->table[s];
    if (!c->fps[s]) return NULL;
  }
}

/* Fills ks[kind] with the keys of variable number var (uid u) that some
 * policy uses: buf holds them (cap cells; more go to the arena). The
 * store entry of u is looked up only when ancestors matter. */
static void var_keys(const lr_cset *c, int var, lr_evalctx *x, const lr_uid *u, uint64_t *buf,
                     size_t cap, keys ks[K__N]) {
  static const uint64_t any = 0;
  const keyset *rel = c->rel[var];
  ks[K_ANY] = (keys){(uint64_t *)&any, 1};
  ks[K_EQ] = ks[K_IN] = ks[K_IS] = (keys){buf, 0};
  size_t n = 0;
  if (rel[K_IS].n) {
    uint64_t h = type_hash(u->type);
    if (keyset_has(&rel[K_IS], h)) buf[n] = h, ks[K_IS] = (keys){buf + n++, 1};
  }
  if (!rel[K_EQ].n && !rel[K_IN].n) return;
  uint64_t h = uid_hash(u);
  if (keyset_has(&rel[K_EQ], h)) buf[n] = h, ks[K_EQ] = (keys){buf + n++, 1};
  if (!rel[K_IN].n) return;
  uint64_t *in = buf + n;
  size_t m = 0, room = cap - n;
  if (keyset_has(&rel[K_IN], h)) in[m++] = h;
  const lr_uid *const *anc;
  const lr_entity *ent = lr_eval_entity(x, u);
  size_t nanc = ent ? lr_entity_ancestors(ent, &anc) : 0;
  for (size_t i = 0; i < nanc; i++) {
    uint64_t ha = uid_hash(anc[i]);
    if (!keyset_has(&rel[K_IN], ha)) continue;
    if (m == room) { /* many relevant ancestors: continue in the arena */
      uint64_t *more = LR_NEW_N(x->env->arena, uint64_t, nanc + 1);
      memcpy(more, in, m * sizeof *in);
      in = more, room = nanc + 1;
    }
    in[m++] = ha;
  }
  ks[K_IN] = (keys){in, m};
}

/* Scopes; the store entry of u is looked up (once per request) only for
 * `in`. */
static inline bool scope_holds(lr_evalctx *x, const cscope *s, const lr_uid *u) {
  switch ((lr_scope_op)s->op) {
  case LR_SCOPE_ANY: return true;
  case LR_SCOPE_EQ: return cn_uid_eq(u, s->uid);
  case LR_SCOPE_IS: return cn_str_eq(u->type, s->type);
  case LR_SCOPE_IS_IN:
    if (!cn_str_eq(u->type, s->type)) return false;
    /* fall through */
  case LR_SCOPE_IN: return cn_in(u, cn_uid_eq(u, s->uid) ? NULL : lr_eval_entity(x, u), s->uid);
  }
  return false;
}

static inline bool action_holds(lr_evalctx *x, const cpol *p, const lr_uid *u) {
  if (p->aop == LR_ACTION_ANY) return true;
  if (p->aop == LR_ACTION_EQ) return cn_uid_eq(u, p->auids[0]);
  for (size_t i = 0; i < p->nauids; i++)
    if (cn_uid_eq(u, p->auids[i])) return true;
  const lr_entity *ent = p->nauids ? lr_eval_entity(x, u) : NULL;
  for (size_t i = 0; ent && i < p->nauids; i++)
    if (cn_has_ancestor(ent, p->auids[i])) return true;
  return false;
}

/* Decides one candidate on the fast path; the interpreter when it bails. */
static lr_policy_result decide(lr_evalctx *x, cn_run *r, const cpol *p) {
  const lr_request *req = x->env->req;
  if (p->interp) return lr_eval_policy_ctx(x);
  if (!scope_holds(x, &p->p, req->principal) || !action_holds(x, p, req->action) ||
      !scope_holds(x, &p->r, req->resource))
    return LR_POLICY_NOT_SATISFIED;
  for (size_t i = 0; i < p->nconds; i++) {
    lr_value v;
    if (cn_eval(r, p->conds[i], &v) != CN_OK || v.kind != LR_V_BOOL) return lr_eval_policy_ctx(x);
    if (v.u.b != p->when[i]) return LR_POLICY_NOT_SATISFIED;
  }
  return LR_POLICY_SATISFIED;
}

/* Collects the candidates of req into cs. */
static void probe(const lr_cset *c, lr_evalctx *x, cands *cs) {
  const lr_request *req = x->env->req;
  enum { CAP = 16 };
  uint64_t buf[3][CAP];
  keys ks[3][K__N];
  const lr_uid *vars[3] = {req->principal, req->action, req->resource};
  for (int v = 0; v < 3; v++) var_keys(c, v, x, vars[v], buf[v], CAP, ks[v]);
  for (size_t s = 0; s < c->nshapes; s++) {
    unsigned kp = c->shapes[s][0], ka = c->shapes[s][1], kr = c->shapes[s][2];
    unsigned sh = shape_id(kp, ka, kr);
    const keys *P = &ks[0][kp], *A = &ks[1][ka], *R = &ks[2][kr];
    if (!P->n || !A->n || !R->n) continue;
    for (size_t i = 0; i < P->n; i++)
      for (size_t j = 0; j < A->n; j++)
        for (size_t k = 0; k < R->n; k++) {
          const slot *e = lookup(c, combine(sh, P->v[i], A->v[j], R->v[k]));
          if (e) cands_add(cs, c->entries + e->start, e->count);
        }
  }
  cands_finish(cs);
}

/* Sets this small are scanned in full: cheaper than hashing the request's
 * keys and probing (a scope check costs a few nanoseconds). */
#define SCAN_MAX 12

void lr_cset_authorize(const lr_cset *c, lr_arena *a, const lr_entities *es, const lr_request *req,
                       lr_decision *out) {
  if (!req->principal || !req->action || !req->resource) {
    /* Not a request the index can key: the interpreter over every policy. */
    lr_policy_inst *insts = LR_NEW_N(a, lr_policy_inst, c->npols ? c->npols : 1);
    for (size_t i = 0; i < c->npols; i++) insts[i] = *c->pols[i].inst;
    lr_authorize(a, insts, c->npols, es, req, out);
    for (size_t i = 0; i < out->nguards; i++) out->guards[i] = c->pols[out->guards[i] - insts].inst;
    return;
  }
  lr_eval_env env = {es, req, NULL, a};
  lr_eval_error err = {0};
  lr_evalctx x = {.env = &env, .err = &err};
  cn_run run = {.x = &x, .npaths = c->npaths};
  lr_value memo[16]; /* path slots of small sets on the stack */
  uint8_t state[16];
  if (c->npaths <= 16) {
    memset(state, 0, sizeof state);
    run.memo = memo, run.state = state;
  }
  uint32_t small[64];
  cands cs = {small, 0, 64, a, true};
  if (c->npols <= SCAN_MAX) { /* a small set: every policy, no index */
    for (size_t i = 0; i < c->npols; i++) cs.v[i] = (uint32_t)i;
    cs.n = c->npols;
  } else {
    probe(c, &x, &cs);
  }
  /* Satisfied permits fill ids from the front, forbids from the back (then
   * put in policy order); errors and guards are allocated on first use. */
  size_t n = cs.n ? cs.n : 1, np = 0, nf = 0;
  const char **ids = LR_NEW_N(a, const char *, n);
  *out = (lr_decision){0};
  for (size_t i = 0; i < cs.n; i++) {
    const cpol *p = &c->pols[cs.v[i]];
    env.inst = p->inst;
    lr_policy_result r = decide(&x, &run, p);
    bool guard = p->effect == LR_EFFECT_MASK || p->effect == LR_EFFECT_LIMIT;
    if (r == LR_POLICY_SATISFIED && guard) {
      if (!out->guards) out->guards = LR_NEW_N(a, const lr_policy_inst *, n);
      out->guards[out->nguards++] = p->inst;
    } else if (r == LR_POLICY_SATISFIED) {
      if (p->effect == LR_EFFECT_PERMIT)
        ids[np++] = p->inst->id;
      else
        ids[n - 1 - nf++] = p->inst->id;
    } else if (r == LR_POLICY_ERROR && guard) {
      if (!out->guard_errors) out->guard_errors = LR_NEW_N(a, lr_auth_error, n);
      out->guard_errors[out->nguard_errors++] = (lr_auth_error){p->inst->id, err.msg};
    } else if (r == LR_POLICY_ERROR) {
      if (!out->errors) out->errors = LR_NEW_N(a, lr_auth_error, n);
      out->errors[out->nerrors++] = (lr_auth_error){p->inst->id, err.msg};
    }
  }
  out->allow = np > 0 && nf == 0;
  if (nf) {
    const char **f = ids + n - nf;
    for (size_t i = 0; i < nf / 2; i++) {
      const char *t = f[i];
      f[i] = f[nf - 1 - i];
      f[nf - 1 - i] = t;
    }
    out->reasons = f;
    out->nreasons = nf;
  } else {
    out->reasons = ids;
    out->nreasons = np;
  }
}

/* ---- comparing decisions -------------------------------------------------------- */

static bool same_errors(const char *what, const lr_auth_error *x, size_t nx, const lr_auth_error *y,
                        size_t ny, lr_buf *why) {
  for (size_t i = 0; i < nx && i < ny; i++) {
    if (strcmp(x[i].policy_id, y[i].policy_id) != 0 || strcmp(x[i].message, y[i].message) != 0) {
      if (why)
        lr_buf_printf(why, "%s[%zu]: %s: %s vs %s: %s", what, i, x[i].policy_id, x[i].message,
                      y[i].policy_id, y[i].message);
      return false;
    }
  }
  if (nx != ny) {
    if (why) lr_buf_printf(why, "%s: %zu vs %zu", what, nx, ny);
    return false;
  }
  return true;
}

bool lr_decision_same(const lr_decision *x, const lr_decision *y, lr_buf *why) {
  if (x->allow != y->allow) {
    if (why)
      lr_buf_printf(why, "decision: %s vs %s", x->allow ? "allow" : "deny",
                    y->allow ? "allow" : "deny");
    return false;
  }
  for (size_t i = 0; i < x->nreasons && i < y->nreasons; i++)
    if (strcmp(x->reasons[i], y->reasons[i]) != 0) {
      if (why) lr_buf_printf(why, "reasons[%zu]: %s vs %s", i, x->reasons[i], y->reasons[i]);
      return false;
    }
  if (x->nreasons != y->nreasons) {
    if (why) lr_buf_printf(why, "reasons: %zu vs %zu", x->nreasons, y->nreasons);
    return false;
  }
  if (!same_errors("errors", x->errors, x->nerrors, y->errors, y->nerrors, why)) return false;
  for (size_t i = 0; i < x->nguards && i < y->nguards; i++)
    if (strcmp(x->guards[i]->id, y->guards[i]->id) != 0) {
      if (why) lr_buf_printf(why, "guards[%zu]: %s vs %s", i, x->guards[i]->id, y->guards[i]->id);
      return false;
    }
  if (x->nguards != y->nguards) {
    if (why) lr_buf_printf(why, "guards: %zu vs %zu", x->nguards, y->nguards);
    return false;
  }
  return same_errors("guard_errors", x->guard_errors, x->nguard_errors, y->guard_errors,
                     y->nguard_errors, why);
}
