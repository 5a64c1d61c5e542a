/*
 * compile.c — compiled policy sets: the scope index and the authorizer over
 * it (policy.h, "compiled policy sets").
 *
 * The index. Each policy's scope has a shape — per variable one of `any`,
 * `== uid`, `in uid` (through ancestors), `is Type` (principal / resource;
 * `is T in E` is indexed by E) and `any`, `== uid`, `in uid` (action; `in
 * [A, B]` gives one key per element) — and keys (the uids or type). Every
 * uid and type a scope names is interned once, at compile time, in a
 * dictionary of names (exact: a hit compares the strings), with the
 * (variable, kind) pairs it is used in. A policy is entered in one hash
 * table under its exact key (shape, principal name, action name, resource
 * name). A request looks up its own uids — for `==` the variable's uid,
 * for `in` also each ancestor in the request's entity store, for `is` its
 * type — in the dictionary (an action that scopes name only with `==`,
 * by a handful of names, is compared with those names instead), keeps the
 * names used for that variable and kind, and probes, for each shape present
 * in the set, every combination. That touches only the buckets of policies
 * whose scope holds, whatever the set's size (the cost grows with the
 * number of shapes and ancestors, not of policies). A policy that names no
 * principal but begins its conditions with `operand == "literal"` is keyed
 * by that value in the principal's place ("indexed by value", below).
 *
 * A key's hash is the XOR of one mixed word per variable (part_hash), so
 * each of the request's keys is mixed once — for an entity of the store the
 * set is bound to (lr_cset_bind), its keys and their words are made at
 * binding — and a probe combines three words.
 *
 * The index is exact: a candidate's scope holds (names are compared as
 * strings, ancestors are the store's), so only the type of `is T in E` is
 * checked again. Candidates are decided as they are found; those that apply
 * or err are then put in policy order (once each: a policy can be found
 * under several keys of one request), so reasons and errors come out as
 * lr_authorize gives them. Small sets are scanned with
 * the full scope check instead. Conditions run as flattened tests (cn_atom,
 * compile_int.h) kept with what else deciding a policy reads in one block
 * per policy (struct hot); when a test bails, or for an instance with an
 * unlinked slot, the interpreter decides the policy.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "compile_int.h"

/* Scope kinds as indexed; past them K_VAL, the principal's place taken by
 * an operand's value (see "indexed by value" below), in shape ids only:
 * those shapes are probed apart. */
enum { K_ANY, K_EQ, K_IN, K_IS, K__N, K_VAL = K__N };

/* A principal/resource scope, resolved (slots replaced by the link's uid). */
typedef struct cscope {
  uint8_t op; /* lr_scope_op */
  lr_str type;
  const lr_uid *uid;
} cscope;

/* What deciding a candidate reads, in one block per policy: the header and
 * the flattened conditions right after it. The blocks are laid out in
 * policy order in one array (lr_cset.hot), and the index holds their
 * offsets (in 8-byte units), so candidates sort into policy order by
 * offset and each costs one or two cache lines. */
typedef struct hot {
  const lr_policy_inst *inst;
  uint32_t pol;    /* index in lr_cset.pols */
  uint32_t natoms; /* tests following the header */
  uint8_t effect;
  uint8_t flags; /* HOT_* */
} hot;

enum {
  HOT_INTERP = 1, /* decided by the interpreter (an unlinked slot) */
  HOT_TYPE_P = 2, /* `principal is T in E` (or `is T` by value): T not checked */
  HOT_TYPE_R = 4, /* the same for the resource */
};

static inline const cn_atom *hot_atoms(const hot *h) { return (const cn_atom *)(h + 1); }

/* Size of a block with n tests, in 8-byte units. */
static inline size_t hot_units(size_t n) {
  return (sizeof(hot) + n * sizeof(cn_atom) + 7) / 8;
}

typedef struct cpol {
  const lr_policy_inst *inst;
  uint8_t effect;
  bool interp;    /* decided by the interpreter (an unlinked slot) */
  bool type_in_p; /* `principal is T in E`: the index checked E, not T (or, for
                     `is T` indexed by value, nothing) */
  bool type_in_r; /* the same for the resource */
  cscope p, r;
  uint8_t aop; /* lr_action_op */
  const lr_uid **auids;
  size_t nauids;
  const hot *hot; /* its block (the flattened conditions) in lr_cset.hot */
} cpol;

/* A policy's conditions as cn_flatten gives them, until build_hot moves them
 * into the policy's block. */
typedef struct flat {
  cn_atom *v;
  size_t n;
} flat;

/* At most this many action names are compared directly (lr_cset.acts). */
#define FEW_ACTIONS 4

/* Bit of a (variable, kind) use of a name: principal, action, resource. */
#define USE(var, kind) (1u << ((var)*K__N + (kind)))

/* A name scopes use: a uid, or (is_type) the type of an `is` scope, in
 * uid.type. Held by value, and when type and id together fit in NAME_INLINE
 * bytes their text is copied into the entry (type, then id): a lookup then
 * compares the request's strings with the entry's own bytes instead of
 * following pointers into the policies' text (one cache line per entry). */
#define NAME_INLINE 16
typedef struct name {
  uint64_t h; /* uid_hash or type_hash; 0 marks an empty cell */
  lr_uid uid;
  uint32_t id;   /* 1, 2, ...; 0 stands for `any` in index keys */
  uint16_t uses; /* USE bits */
  bool is_type;
  bool inl; /* text[] holds uid.type then uid.id */
  char text[NAME_INLINE];
} name;

/* Open addressing over names. */
typedef struct names {
  name *v;
  size_t mask, n;
} names;

/* Indexed by value. A policy that names no principal (or only its type:
 * `is T`, then checked per candidate) and whose conditions begin with a
 * test `operand == "literal"` wanted true (a memoised path or constant-key
 * tag: `when { principal.getTag("tenant") == "acme" && ... }`) can apply
 * or err only when that operand's value is that string, or when
 * evaluating it bails (a missing tag errs; any other value gives false
 * before anything else runs). So it is indexed with the operand's value in
 * the principal's place (kind K_VAL) under two keys: (slot, literal) and
 * (slot, bail). A request evaluates such an operand (memoised: once, and
 * the candidates read it again for free) only when a K_VAL shape's action
 * and resource keys are present, and probes with the key of its value or
 * the bail key. At most MAX_VSLOTS distinct operands are indexed so; ids:
 * the bail key of operand j is j + 1, literals follow. */
#define MAX_VSLOTS 4
typedef struct val {
  uint64_t h; /* val_hash; 0 marks an empty cell */
  uint32_t slot, id;
  lr_str s;
} val;

typedef struct vals {
  val *v;
  size_t mask, n;
} vals;

/* A group of policies under one key: entries[start, start + count). */
typedef struct slot {
  uint32_t shape, p, a, r; /* the key: shape id and the name ids (0: any) */
  uint32_t start, count;
} slot;

/* A request's index key for one variable and kind: a name id (0: any) and
 * its part_hash. */
typedef struct pkey {
  uint64_t h;
  uint32_t id;
} pkey;

struct lr_cset {
  atomic_int refs;
  lr_arena *arena;
  lr_arena *adopted;
  cpol *pols;
  size_t npols;
  /* shapes present: kind of principal, action, resource */
  uint8_t shapes[K__N * K__N * K__N][4]; /* kinds, then the shape id */
  size_t nshapes;
  uint8_t vshapes[K__N * K__N][4]; /* the shapes with K_VAL (action, resource kinds) */
  size_t nvshapes;
  uint32_t vslots[MAX_VSLOTS]; /* operands indexed by value: 1 + memo slot */
  size_t nvslots;
  vals vals;         /* (slot, literal) -> id */
  const pkey *vkeys; /* by id: the bail keys, then the literals' */
  /* Operands that read one field of the principal's or the resource's
   * entry (vvar[j]: 1 + the variable's entity cache slot; vname[j]: an
   * attribute or, vtag[j], a tag): for each entity i of the bound store,
   * bvals[i * nvslots + j] is the id of the key its value gives (0: none),
   * made at binding. */
  uint8_t vvar[MAX_VSLOTS];
  bool vtag[MAX_VSLOTS];
  lr_str vname[MAX_VSLOTS];
  const uint32_t *bvals;
  names names;      /* every uid and type some indexed scope names */
  uint16_t uses[3]; /* per variable: the USE bits of all its names */
  pkey any[3];      /* per variable: the key of `any` */
  /* When actions are named only with `==` and by at most FEW_ACTIONS
   * names (the usual case: an application has a handful of actions), the
   * request's action is compared with them instead of hashed and looked
   * up: nacts of them in acts; nacts > FEW_ACTIONS otherwise. */
  const name *acts[FEW_ACTIONS];
  size_t nacts;
  /* The index: open addressing over 8-byte cells, each a 32-bit
   * fingerprint (the top half of the key's hash; never 0) and the number of
   * its group in groups[]; 0 marks an empty cell. Probing — mostly misses —
   * reads 8 bytes per cell, and the load factor is kept at most 1/4 so a
   * miss ends after one or two cells; the group (exact key, range of
   * entries) is read only on a fingerprint match. */
  uint64_t *cells;
  size_t mask;
  slot *groups;
  uint32_t *entries; /* hot block offsets, grouped by key, ascending in each group */
  uint64_t *hot;     /* the blocks (struct hot), in policy order */
  size_t nentries;
  /* The bound store (lr_cset_bind): its id (0: none), and per entity i
   * and variable v (j = 3i + v) the keys a request whose v is that entity
   * probes with, ready: `==` keys bkeys[bk[2j], bk[2j + 1]), `in` keys
   * (itself and its ancestors, those some scope names) bkeys[bk[2j + 1],
   * bk[2j + 2]). */
  uint64_t bound;
  size_t nbound;
  const pkey *bkeys;
  const uint32_t *bk;
  uint32_t npaths; /* distinct variable paths (memo slots per request) */
  lr_cnode **defs; /* per slot: the node that evaluates it */
  lr_cset_stats stats;
};

/* ---- hashing ----------------------------------------------------------------- */

/* Names are hashed as the entity store hashes uids (lr_uid_hash_inline,
 * policy_int.h), so the hashes of a request's entities and their ancestors
 * come from the store. Only speed depends on the quality: lookups compare
 * the names. */

/* Hash of one variable's part of an index key: its kind and name id. A
 * key's hash is the XOR of its three parts, so a request mixes each of its
 * keys once and a probe only combines three words. */
static inline uint64_t part_hash(unsigned var, unsigned kind, uint32_t id) {
  uint64_t x = ((uint64_t)(var * K__N + kind + 1) << 32 | id) * 0x9e3779b97f4a7c15ull;
  x ^= x >> 29;
  x *= 0xbf58476d1ce4e5b9ull;
  return x ^ (x >> 32);
}

static inline pkey pkey_of(unsigned var, unsigned kind, uint32_t id) {
  return (pkey){part_hash(var, kind, id), id};
}

/* The word of a value key (K_VAL): as a fourth variable's, so it mixes
 * apart from every scope key's. */
static inline pkey val_pkey(uint32_t id) { return pkey_of(3, 0, id); }

static inline uint64_t key_hash(unsigned kp, unsigned ka, unsigned kr, uint32_t p, uint32_t a,
                                uint32_t r) {
  return (kp == K_VAL ? val_pkey(p).h : part_hash(0, kp, p)) ^ part_hash(1, ka, a) ^
         part_hash(2, kr, r);
}

static inline unsigned shape_id(unsigned kp, unsigned ka, unsigned kr) {
  return (kp * K__N + ka) * K__N + kr;
}

/* ---- the dictionary of names ------------------------------------------------ */

static inline bool name_is(const name *e, uint64_t h, const lr_uid *uid, const lr_str *type) {
  if (e->h != h) return false;
  if (!uid) /* an inline entry's text is compared with its own length */
    return e->is_type &&
           lr_name_eq(e->inl ? lr_str_make(e->text, e->uid.type.n) : e->uid.type, *type);
  if (e->is_type) return false;
  if (!e->inl) return lr_uid_eq_inline(&e->uid, uid);
  size_t tn = e->uid.type.n;
  return tn == uid->type.n && e->uid.id.n == uid->id.n &&
         lr_name_eq(lr_str_make(e->text, tn), uid->type) &&
         lr_name_eq(lr_str_make(e->text + tn, e->uid.id.n), uid->id);
}

/* The entry of uid (or, uid NULL, of type) with hash h, or NULL. */
static inline name *names_get(const names *ns, uint64_t h, const lr_uid *uid,
                              const lr_str *type) {
  h = h ? h : 1; /* as interned */
  for (size_t s = h & ns->mask;; s = (s + 1) & ns->mask) {
    name *e = &ns->v[s];
    if (!e->h) return NULL;
    if (name_is(e, h, uid, type)) return e;
  }
}

static void names_put(names *ns, const name *e) {
  size_t s = e->h & ns->mask;
  while (ns->v[s].h) s = (s + 1) & ns->mask;
  ns->v[s] = *e;
  ns->n++;
}

/* Interns uid (or type) for one use while compiling (ns grows on the C
 * heap; load factor <= 1/2); returns its id. */
static uint32_t names_intern(names *ns, const lr_uid *uid, const lr_str *type, unsigned use) {
  uint64_t h = uid ? lr_uid_hash_inline(uid) : lr_type_hash_inline(*type);
  h = h ? h : 1;
  name *have = ns->v ? names_get(ns, h, uid, type) : NULL;
  if (have) {
    have->uses |= (uint16_t)use;
    return have->id;
  }
  if (!ns->v || (ns->n + 1) * 2 > ns->mask + 1) {
    names old = *ns;
    size_t cap = old.v ? (old.mask + 1) * 2 : 64;
    ns->v = lr_xmalloc(cap * sizeof *ns->v);
    memset(ns->v, 0, cap * sizeof *ns->v);
    ns->mask = cap - 1, ns->n = 0;
    for (size_t s = 0; old.v && s <= old.mask; s++)
      if (old.v[s].h) names_put(ns, &old.v[s]);
    free(old.v);
  }
  name e = {.h = h, .id = (uint32_t)ns->n + 1, .uses = (uint16_t)use, .is_type = !uid};
  if (uid)
    e.uid = *uid;
  else
    e.uid.type = *type;
  if (e.uid.type.n + e.uid.id.n <= NAME_INLINE) {
    e.inl = true;
    if (e.uid.type.n) memcpy(e.text, e.uid.type.p, e.uid.type.n);
    if (e.uid.id.n) memcpy(e.text + e.uid.type.n, e.uid.id.p, e.uid.id.n);
  }
  names_put(ns, &e);
  return e.id;
}

/* Moves the names into c's arena, in a table sized for them. */
static void names_finish(lr_cset *c, names *tmp) {
  size_t cap = 8;
  while (cap < tmp->n * 2) cap <<= 1;
  c->names = (names){LR_NEW_N(c->arena, name, cap), cap - 1, 0};
  for (size_t s = 0; tmp->v && s <= tmp->mask; s++) {
    const name *e = &tmp->v[s];
    if (!e->h) continue;
    names_put(&c->names, e);
    for (int v = 0; v < 3; v++) c->uses[v] |= (uint16_t)(e->uses & (USE(v, K__N) - USE(v, 0)));
  }
  c->nacts = c->uses[1] & (USE(1, K_IN) | USE(1, K_IS)) ? FEW_ACTIONS + 1 : 0;
  for (size_t s = 0; s <= c->names.mask && c->nacts <= FEW_ACTIONS; s++) {
    const name *e = &c->names.v[s];
    if (!e->h || !(e->uses & USE(1, K_EQ))) continue;
    if (c->nacts < FEW_ACTIONS) c->acts[c->nacts] = e;
    c->nacts++;
  }
  free(tmp->v);
}

/* ---- the dictionary of values (indexed by value) ------------------------------- */

static inline uint64_t val_hash(uint32_t slot, lr_str s) {
  uint64_t h = lr_name_finish(lr_name_absorb(0x76616c00ull ^ slot, s.p, s.n));
  return h ? h : 1;
}

static inline const val *vals_get(const vals *vs, uint64_t h, uint32_t slot, lr_str s) {
  for (size_t i = h & vs->mask;; i = (i + 1) & vs->mask) {
    const val *e = &vs->v[i];
    if (!e->h) return NULL;
    if (e->h == h && e->slot == slot && lr_name_eq(e->s, s)) return e;
  }
}

static void vals_put(vals *vs, const val *e) {
  size_t i = e->h & vs->mask;
  while (vs->v[i].h) i = (i + 1) & vs->mask;
  vs->v[i] = *e;
  vs->n++;
}

/* Interns (slot, s) while compiling (C heap; load factor <= 1/2); returns
 * its id. */
static uint32_t vals_intern(vals *vs, uint32_t slot, lr_str s) {
  uint64_t h = val_hash(slot, s);
  const val *have = vs->v ? vals_get(vs, h, slot, s) : NULL;
  if (have) return have->id;
  if (!vs->v || (vs->n + 1) * 2 > vs->mask + 1) {
    vals old = *vs;
    size_t cap = old.v ? (old.mask + 1) * 2 : 16;
    vs->v = lr_xcalloc(cap, sizeof *vs->v);
    vs->mask = cap - 1, vs->n = 0;
    for (size_t i = 0; old.v && i <= old.mask; i++)
      if (old.v[i].h) vals_put(vs, &old.v[i]);
    free(old.v);
  }
  val e = {.h = h, .slot = slot, .id = MAX_VSLOTS + 1 + (uint32_t)vs->n, .s = s};
  vals_put(vs, &e);
  return e.id;
}

/* Moves the values into c's arena, makes the keys by id and notes the
 * operands that read a field of the principal or the resource. */
static void vals_finish(lr_cset *c, vals *tmp, lr_cnode *const *defs) {
  size_t cap = 2;
  while (cap < tmp->n * 2) cap <<= 1;
  c->vals = (vals){LR_NEW_N(c->arena, val, cap), cap - 1, 0};
  pkey *vk = LR_NEW_N(c->arena, pkey, MAX_VSLOTS + 1 + tmp->n);
  for (uint32_t id = 1; id <= c->nvslots; id++) vk[id] = val_pkey(id);
  for (size_t i = 0; tmp->v && i <= tmp->mask; i++) {
    val e = tmp->v[i];
    if (!e.h) continue;
    vk[e.id] = val_pkey(e.id);
    vals_put(&c->vals, &e);
  }
  c->vkeys = vk;
  for (size_t j = 0; j < c->nvslots; j++)
    c->vvar[j] = (uint8_t)(1 + cn_entity_field(defs[c->vslots[j] - 1], &c->vname[j], &c->vtag[j]));
  free(tmp->v);
}

/* The id of the key operand j gives a request whose principal (or
 * resource) has store entry e (see val_keys): the bail key when the field
 * is missing. */
static uint32_t field_key(const lr_cset *c, size_t j, const lr_entity *e) {
  const lr_value *v = lr_value_record_get(c->vtag[j] ? e->tags : e->attrs, c->vname[j]);
  if (!v) return (uint32_t)j + 1;
  if (v->kind != LR_V_STRING) return 0;
  lr_str s = lr_str_make(v->u.s, v->n);
  const val *k = vals_get(&c->vals, val_hash(c->vslots[j], s), c->vslots[j], s);
  return k ? k->id : 0;
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

/* Index kind and name id of a resolved principal or resource scope. */
static unsigned scope_key(names *ns, int var, const cscope *s, uint32_t *id) {
  switch ((lr_scope_op)s->op) {
  case LR_SCOPE_EQ: *id = names_intern(ns, s->uid, NULL, USE(var, K_EQ)); return K_EQ;
  case LR_SCOPE_IN:
  case LR_SCOPE_IS_IN: *id = names_intern(ns, s->uid, NULL, USE(var, K_IN)); return K_IN;
  case LR_SCOPE_IS: *id = names_intern(ns, NULL, &s->type, USE(var, K_IS)); return K_IS;
  default: *id = 0; return K_ANY;
  }
}

/* An index entry: policy pol under key (shape, p, a, r). */
typedef struct pair {
  uint32_t shape, p, a, r, pol;
} pair;

static int cmp_pair(const void *x, const void *y) {
  const pair *a = x, *b = y;
  if (a->shape != b->shape) return a->shape < b->shape ? -1 : 1;
  if (a->p != b->p) return a->p < b->p ? -1 : 1;
  if (a->a != b->a) return a->a < b->a ? -1 : 1;
  if (a->r != b->r) return a->r < b->r ? -1 : 1;
  return (a->pol > b->pol) - (a->pol < b->pol);
}

static bool same_key(const pair *a, const pair *b) {
  return a->shape == b->shape && a->p == b->p && a->a == b->a && a->r == b->r;
}

typedef struct pairs {
  pair *v;
  size_t n, cap;
} pairs;

static void pairs_add(pairs *ps, unsigned shape, uint32_t p, uint32_t a, uint32_t r, uint32_t pol) {
  if (ps->n == ps->cap) {
    ps->cap = ps->cap ? ps->cap * 2 : 64;
    ps->v = lr_xrealloc(ps->v, ps->cap * sizeof *ps->v);
  }
  ps->v[ps->n++] = (pair){shape, p, a, r, pol};
}

static void note_shape(lr_cset *c, unsigned kp, unsigned ka, unsigned kr) {
  unsigned id = shape_id(kp, ka, kr);
  uint8_t(*v)[4] = kp == K_VAL ? c->vshapes : c->shapes;
  size_t *n = kp == K_VAL ? &c->nvshapes : &c->nshapes;
  for (size_t i = 0; i < *n; i++)
    if (v[i][3] == id) return;
  v[*n][0] = (uint8_t)kp;
  v[*n][1] = (uint8_t)ka;
  v[*n][2] = (uint8_t)kr;
  v[*n][3] = (uint8_t)id;
  (*n)++;
}

/* When policy f's conditions begin with `operand == "literal"` wanted true
 * (see "indexed by value"), and the operand is one of the first MAX_VSLOTS
 * so indexed: its key ids, the literal's in *id and the bail key's in
 * *bail. */
static bool value_key(lr_cset *c, vals *vt, const flat *f, uint32_t *id, uint32_t *bail) {
  const cn_atom *t = f->n ? &f->v[0] : NULL;
  if (!t || t->kind != A_EQS || !t->want || !t->slot || t->u.k.kind != LR_V_STRING) return false;
  size_t j = 0;
  while (j < c->nvslots && c->vslots[j] != t->slot) j++;
  if (j == MAX_VSLOTS) return false;
  if (j == c->nvslots) c->vslots[c->nvslots++] = t->slot;
  *bail = (uint32_t)j + 1;
  *id = vals_intern(vt, t->slot, lr_str_make(t->u.k.u.s, t->u.k.n));
  c->stats.by_value++;
  return true;
}

/* Lowers policy i and adds its index entries to ps, interning the names
 * its scope uses in ns. */
static void compile_policy(lr_cset *c, uint32_t i, pairs *ps, names *ns, vals *vt, cn_stats *st,
                           flat *f) {
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
  enum { FEW = 8 };
  lr_cnode *few[FEW], **conds = ast->nconds <= FEW ? few : lr_xmalloc(ast->nconds * sizeof *conds);
  bool fwhen[FEW], *when = ast->nconds <= FEW ? fwhen : lr_xmalloc(ast->nconds * sizeof *when);
  for (size_t k = 0; k < ast->nconds; k++) {
    size_t before = st->interp;
    conds[k] = cn_compile(a, ast->conds[k].expr, st);
    when[k] = ast->conds[k].is_when;
    c->stats.conds++;
    if (st->interp == before) c->stats.conds_fast++;
  }
  f->n = cn_flatten(conds, when, ast->nconds, &f->v);
  if (conds != few) free(conds);
  if (when != fwhen) free(when);
  if (!linked) { /* the interpreter reports the error: index it everywhere */
    p->interp = true;
    note_shape(c, K_ANY, K_ANY, K_ANY);
    pairs_add(ps, shape_id(K_ANY, K_ANY, K_ANY), 0, 0, 0, i);
    return;
  }
  if (ast->action.op == LR_ACTION_IN_SET && ast->action.n == 0) {
    c->stats.never++; /* `action in []` never holds */
    return;
  }
  p->type_in_p = p->p.op == LR_SCOPE_IS_IN;
  p->type_in_r = p->r.op == LR_SCOPE_IS_IN;
  uint32_t ip[2], ir;
  size_t nip = 1;
  unsigned kp = K_VAL, kr = scope_key(ns, 2, &p->r, &ir);
  if ((p->p.op == LR_SCOPE_ANY || p->p.op == LR_SCOPE_IS) && value_key(c, vt, f, &ip[0], &ip[1]))
    nip = 2, p->type_in_p = p->p.op == LR_SCOPE_IS; /* `is T`: T checked per candidate */
  else
    kp = scope_key(ns, 0, &p->p, &ip[0]);
  unsigned ka = ast->action.op == LR_ACTION_ANY  ? K_ANY
                : ast->action.op == LR_ACTION_EQ ? K_EQ
                                                 : K_IN;
  note_shape(c, kp, ka, kr);
  unsigned sh = shape_id(kp, ka, kr);
  for (size_t j = 0; j < nip; j++) {
    if (ka == K_ANY) {
      pairs_add(ps, sh, ip[j], 0, ir, i);
      continue;
    }
    for (size_t k = 0; k < p->nauids; k++)
      pairs_add(ps, sh, ip[j], names_intern(ns, p->auids[k], NULL, USE(1, ka)), ir, i);
  }
}

/* Lays out the hot blocks of every policy, in policy order, moving each
 * policy's flattened conditions f[i] into its block. */
static void build_hot(lr_cset *c, flat *f) {
  size_t units = 0;
  for (size_t i = 0; i < c->npols; i++) units += hot_units(f[i].n);
  c->hot = LR_NEW_N(c->arena, uint64_t, units ? units : 1);
  size_t at = 0;
  for (size_t i = 0; i < c->npols; i++) {
    cpol *p = &c->pols[i];
    hot *h = (hot *)(c->hot + at);
    *h = (hot){.inst = p->inst, .pol = (uint32_t)i, .natoms = (uint32_t)f[i].n,
               .effect = p->effect,
               .flags = (uint8_t)((p->interp ? HOT_INTERP : 0) | (p->type_in_p ? HOT_TYPE_P : 0) |
                                  (p->type_in_r ? HOT_TYPE_R : 0))};
    if (f[i].n) memcpy((cn_atom *)hot_atoms(h), f[i].v, f[i].n * sizeof *f[i].v);
    free(f[i].v);
    p->hot = h;
    at += hot_units(f[i].n);
  }
}

/* The offset of a block in lr_cset.hot, in 8-byte units (index entries). */
static inline uint32_t hot_offset(const lr_cset *c, const hot *h) {
  return (uint32_t)((const uint64_t *)h - c->hot);
}

static inline uint32_t fingerprint(uint64_t h) {
  uint32_t f = (uint32_t)(h >> 32);
  return f ? f : 1;
}

/* Builds the open-addressing table over the sorted pairs. */
static void build_table(lr_cset *c, pairs *ps) {
  if (ps->n > 1) qsort(ps->v, ps->n, sizeof *ps->v, cmp_pair);
  c->entries = LR_NEW_N(c->arena, uint32_t, ps->n ? ps->n : 1);
  size_t ngroups = 0;
  for (size_t i = 0; i < ps->n; i++)
    if (i == 0 || !same_key(&ps->v[i], &ps->v[i - 1])) ngroups++;
  size_t cap = 8;
  while (cap < ngroups * 4) cap <<= 1; /* load factor <= 1/4 */
  c->groups = LR_NEW_N(c->arena, slot, ngroups ? ngroups : 1);
  c->cells = LR_NEW_N(c->arena, uint64_t, cap);
  c->mask = cap - 1;
  size_t n = 0, g = 0;
  for (size_t i = 0; i < ps->n;) {
    const pair k = ps->v[i];
    uint32_t start = (uint32_t)n;
    for (; i < ps->n && same_key(&ps->v[i], &k); i++)
      if (n == start || c->entries[n - 1] != ps->v[i].pol) c->entries[n++] = ps->v[i].pol;
    unsigned kp = k.shape / (K__N * K__N), ka = k.shape / K__N % K__N, kr = k.shape % K__N;
    uint64_t h = key_hash(kp, ka, kr, k.p, k.a, k.r);
    size_t s = h & c->mask;
    while (c->cells[s]) s = (s + 1) & c->mask;
    c->cells[s] = (uint64_t)g << 32 | fingerprint(h);
    c->groups[g++] = (slot){k.shape, k.p, k.a, k.r, start, (uint32_t)n - start};
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
  pairs ps = {0};
  names ns = {0};
  vals vt = {0};
  cn_stats st = {0};
  flat *f = lr_xcalloc(n ? n : 1, sizeof *f);
  for (size_t i = 0; i < n; i++) {
    c->pols[i].inst = &insts[i];
    compile_policy(c, (uint32_t)i, &ps, &ns, &vt, &st, &f[i]);
  }
  build_hot(c, f);
  free(f);
  for (size_t i = 0; i < ps.n; i++) ps.v[i].pol = hot_offset(c, c->pols[ps.v[i].pol].hot);
  build_table(c, &ps);
  for (unsigned v = 0; v < 3; v++) c->any[v] = pkey_of(v, K_ANY, 0);
  names_finish(c, &ns);
  free(ps.v);
  lr_map_free(&st.paths);
  c->npaths = st.npaths;
  c->defs = LR_NEW_N(a, lr_cnode *, st.npaths ? st.npaths : 1);
  if (st.npaths) memcpy(c->defs, st.defs, st.npaths * sizeof *st.defs);
  free(st.defs);
  vals_finish(c, &vt, c->defs);
  c->stats.paths = st.npaths;
  c->stats.paths_shared = st.memo_uses;
  c->stats.policies = n;
  c->stats.shapes = c->nshapes + c->nvshapes;
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

/* The names among the ancestors of store entry e (NULL: none), in out (room
 * for e->nanc); returns how many. */
static inline size_t anc_names(const lr_cset *c, const lr_entity *e, const name **out) {
  size_t n = 0;
  for (size_t k = 0; e && k < e->nanc; k++) {
    const name *a = names_get(&c->names, e->anch[k], e->anc[k], NULL);
    if (a) out[n++] = a;
  }
  return n;
}

/* The keys an entity gives variable var: its `==` key, then its `in` keys
 * (itself and its ancestors), for the names some scope uses that way — from
 * its own name (self, or NULL) and the names among its ancestors (anc).
 * Written to out (room for 2 + nanc); *neq of them are `==` keys. Returns how
 * many. lr_cset_bind makes them once per store entity; the request path
 * makes them for an entity it did not bind. */
__attribute__((always_inline)) static inline size_t entity_keys(unsigned var, const name *self,
                                                                const name *const *anc,
                                                                size_t nanc, pkey *out,
                                                                size_t *neq) {
  size_t n = 0;
  if (self && (self->uses & USE(var, K_EQ))) out[n++] = pkey_of(var, K_EQ, self->id);
  *neq = n;
  if (self && (self->uses & USE(var, K_IN))) out[n++] = pkey_of(var, K_IN, self->id);
  for (size_t k = 0; k < nanc; k++)
    if (anc[k]->uses & USE(var, K_IN)) out[n++] = pkey_of(var, K_IN, anc[k]->id);
  return n;
}

void lr_cset_bind(lr_cset *c, const lr_entities *es) {
  uint64_t id = lr_entities_id(es);
  size_t n = lr_entities_count(es), before = lr_arena_bytes(c->arena);
  if (!id || n >= UINT32_MAX / 6) return; /* entity indices and bk's size stay 32-bit */
  uint32_t *bk = LR_NEW_N(c->arena, uint32_t, 6 * n + 1);
  pkey *keys = NULL; /* C heap until the end */
  size_t nkeys = 0, capkeys = 0;
  const name **anc = NULL;
  size_t capanc = 0;
  for (size_t i = 0; i < n; i++) {
    const lr_entity *e = lr_entities_at(es, i);
    const name *self = names_get(&c->names, e->h, e->uid, NULL);
    if (e->nanc > capanc) anc = lr_xrealloc(anc, (capanc = e->nanc * 2) * sizeof *anc);
    size_t nanc = anc_names(c, e, anc);
    for (unsigned v = 0; v < 3; v++) {
      if (nkeys + 2 + nanc > UINT32_MAX) { /* offsets are 32-bit: stay unbound */
        free(keys), free(anc);
        return;
      }
      if (nkeys + 2 + nanc > capkeys) {
        capkeys = (nkeys + 2 + nanc) * 2;
        keys = lr_xrealloc(keys, capkeys * sizeof *keys);
      }
      size_t j = 3 * i + v, neq;
      size_t m = entity_keys(v, self, anc, nanc, keys + nkeys, &neq);
      bk[2 * j] = (uint32_t)nkeys;
      bk[2 * j + 1] = (uint32_t)(nkeys + neq);
      nkeys += m;
    }
  }
  free(anc);
  bk[6 * n] = (uint32_t)nkeys;
  pkey *bkeys = LR_NEW_N(c->arena, pkey, nkeys ? nkeys : 1);
  if (nkeys) memcpy(bkeys, keys, nkeys * sizeof *keys);
  free(keys);
  bool fields = false;
  for (size_t j = 0; j < c->nvslots; j++) fields |= c->vvar[j] != 0;
  uint32_t *bv = fields ? LR_NEW_N(c->arena, uint32_t, n * c->nvslots + 1) : NULL;
  for (size_t i = 0; bv && i < n; i++)
    for (size_t j = 0; j < c->nvslots; j++)
      bv[i * c->nvslots + j] = c->vvar[j] ? field_key(c, j, lr_entities_at(es, i)) : 0;
  c->bvals = bv;
  c->bound = id, c->nbound = n, c->bkeys = bkeys, c->bk = bk;
  c->stats.bound = n;
  c->stats.bound_bytes = lr_arena_bytes(c->arena) - before;
}

/* ---- request time -------------------------------------------------------------- */

/* The keys of one request variable for one kind: [v, end). */
typedef struct keys {
  const pkey *v, *end;
} keys;

/* The policies found to apply or to err, in the order they were found:
 * block offset (policy order), result and error message. */
typedef struct hit {
  uint32_t off;
  uint8_t r; /* lr_policy_result */
  const char *msg;
} hit;

typedef struct hits {
  hit *v;
  size_t n, cap;
  lr_arena *a;
} hits;

static void hits_add(hits *hs, uint32_t off, lr_policy_result r, const char *msg) {
  if (hs->n == hs->cap) {
    hit *v = LR_NEW_N(hs->a, hit, hs->cap * 2);
    memcpy(v, hs->v, hs->n * sizeof *v);
    hs->v = v, hs->cap *= 2;
  }
  hs->v[hs->n++] = (hit){off, (uint8_t)r, msg};
}

static int cmp_hit(const void *x, const void *y) {
  uint32_t a = ((const hit *)x)->off, b = ((const hit *)y)->off;
  return (a > b) - (a < b);
}

/* Puts the hits in policy order, once each (a policy under several keys of
 * one request is found, and decided, more than once). */
static void hits_finish(hits *hs) {
  if (hs->n < 2) return;
  if (hs->n <= 16) {
    for (size_t i = 1; i < hs->n; i++) {
      hit v = hs->v[i];
      size_t j = i;
      while (j > 0 && hs->v[j - 1].off > v.off) hs->v[j] = hs->v[j - 1], j--;
      hs->v[j] = v;
    }
  } else {
    qsort(hs->v, hs->n, sizeof *hs->v, cmp_hit);
  }
  size_t m = 0;
  for (size_t i = 0; i < hs->n; i++)
    if (m == 0 || hs->v[m - 1].off != hs->v[i].off) hs->v[m++] = hs->v[i];
  hs->n = m;
}

/* The group under key (sh, p, a, r) of hash h, or NULL. */
static inline const slot *lookup(const lr_cset *c, uint64_t h, unsigned sh, uint32_t p,
                                 uint32_t a, uint32_t r) {
  uint32_t f = fingerprint(h);
  for (size_t s = h & c->mask;; s = (s + 1) & c->mask) {
    uint64_t cell = c->cells[s];
    if (!cell) return NULL;
    if ((uint32_t)cell == f) {
      const slot *e = &c->groups[cell >> 32];
      if (e->p == p && e->r == r && e->a == a && e->shape == sh) return e;
    }
  }
}

/* Fills ks[kind] with the names of variable number var (uid u) that some
 * policy uses for that kind: buf holds them (cap cells; more go to the
 * arena). The store entry of u is looked up only when ancestors matter. */
static void var_keys(const lr_cset *c, unsigned var, lr_evalctx *x, const lr_uid *u, pkey *buf,
                     size_t cap, keys ks[K__N]) {
  unsigned uses = c->uses[var];
  ks[K_ANY] = (keys){&c->any[var], &c->any[var] + 1};
  ks[K_EQ] = ks[K_IN] = ks[K_IS] = (keys){buf, buf};
  if (uses & USE(var, K_IS)) {
    const name *e = names_get(&c->names, lr_type_hash_inline(u->type), NULL, &u->type);
    if (e && (e->uses & USE(var, K_IS))) {
      *buf = pkey_of(var, K_IS, e->id);
      ks[K_IS] = (keys){buf, buf + 1};
      buf++, cap--;
    }
  }
  if (!(uses & (USE(var, K_EQ) | USE(var, K_IN)))) return;
  if (var == 1 && c->nacts <= FEW_ACTIONS) { /* the action, among a few names used with `==` */
    for (size_t i = 0; i < c->nacts; i++)
      if (lr_uid_eq_inline(&c->acts[i]->uid, u)) {
        *buf = pkey_of(var, K_EQ, c->acts[i]->id);
        ks[K_EQ] = (keys){buf, buf + 1};
        break;
      }
    return;
  }
  uint64_t h = lr_uid_hash_inline(u);
  if ((uses & USE(var, K_IN)) && c->bound) { /* the store entry first: maybe in the table */
    const lr_entity *ent = lr_eval_entity_k(x, (int)var, u, h);
    if (ent && ent->store == c->bound && ent->index < c->nbound) { /* keys made at binding */
      const uint32_t *o = c->bk + 2 * (3 * ent->index + var);
      ks[K_EQ] = (keys){c->bkeys + o[0], c->bkeys + o[1]};
      ks[K_IN] = (keys){c->bkeys + o[1], c->bkeys + o[2]};
      return;
    }
  }
  /* not bound: the names of u and, when `in` is used, of its ancestors */
  const lr_entity *ent = (uses & USE(var, K_IN)) ? lr_eval_entity_k(x, (int)var, u, h) : NULL;
  enum { FEW = 16 };
  const name *few[FEW], **anc = few;
  if (ent && ent->nanc > FEW) anc = LR_NEW_N(x->env->arena, const name *, ent->nanc);
  size_t nanc = anc_names(c, ent, anc), neq;
  pkey *out = 2 + nanc <= cap ? buf : LR_NEW_N(x->env->arena, pkey, 2 + nanc);
  size_t n = entity_keys(var, names_get(&c->names, h, u, NULL), anc, nanc, out, &neq);
  ks[K_EQ] = (keys){out, out + neq};
  ks[K_IN] = (keys){out + neq, out + n};
}

/* Scopes; the store entry of u is looked up (once per request) only for
 * `in`. */
static inline bool scope_holds(lr_evalctx *x, const cscope *s, const lr_uid *u) {
  switch ((lr_scope_op)s->op) {
  case LR_SCOPE_ANY: return true;
  case LR_SCOPE_EQ: return lr_uid_eq_inline(u, s->uid);
  case LR_SCOPE_IS: return lr_name_eq(u->type, s->type);
  case LR_SCOPE_IS_IN:
    if (!lr_name_eq(u->type, s->type)) return false;
    /* fall through */
  case LR_SCOPE_IN: return cn_in(u, lr_uid_eq_inline(u, s->uid) ? NULL : lr_eval_entity(x, u), s->uid);
  }
  return false;
}

static inline bool action_holds(lr_evalctx *x, const cpol *p, const lr_uid *u) {
  if (p->aop == LR_ACTION_ANY) return true;
  if (p->aop == LR_ACTION_EQ) return lr_uid_eq_inline(u, p->auids[0]);
  for (size_t i = 0; i < p->nauids; i++)
    if (lr_uid_eq_inline(u, p->auids[i])) return true;
  const lr_entity *ent = p->nauids ? lr_eval_entity(x, u) : NULL;
  for (size_t i = 0; ent && i < p->nauids; i++)
    if (cn_has_ancestor(ent, p->auids[i])) return true;
  return false;
}

/* The conditions (n tests t), on the fast path; the interpreter when it
 * bails. */
static inline lr_policy_result conds_hold(lr_evalctx *x, cn_run *r, const cn_atom *t, size_t n) {
  if (!n) return LR_POLICY_SATISFIED;
  int b = cn_atoms(r, t, n);
  if (b == CN_BAIL) return lr_eval_policy_ctx(x);
  return b ? LR_POLICY_SATISFIED : LR_POLICY_NOT_SATISFIED;
}

/* Decides one policy of a scanned set. */
static lr_policy_result decide(lr_evalctx *x, cn_run *r, const cpol *p) {
  const lr_request *req = x->env->req;
  if (p->interp) return lr_eval_policy_ctx(x);
  if (!scope_holds(x, &p->p, req->principal) || !action_holds(x, p, req->action) ||
      !scope_holds(x, &p->r, req->resource))
    return LR_POLICY_NOT_SATISFIED;
  return conds_hold(x, r, hot_atoms(p->hot), p->hot->natoms);
}

/* Decides a candidate from the index that is flagged (HOT_*): decided by
 * the interpreter, or `is T in E` whose type T the index did not check.
 * Out of line: the usual candidate has no flag. */
__attribute__((noinline)) static lr_policy_result decide_flagged(lr_evalctx *x, cn_run *r,
                                                                 const lr_cset *c, const hot *h) {
  if (h->flags & HOT_INTERP) return lr_eval_policy_ctx(x);
  const lr_request *req = x->env->req;
  const cpol *p = &c->pols[h->pol];
  if (((h->flags & HOT_TYPE_P) && !lr_name_eq(req->principal->type, p->p.type)) ||
      ((h->flags & HOT_TYPE_R) && !lr_name_eq(req->resource->type, p->r.type)))
    return LR_POLICY_NOT_SATISFIED;
  return conds_hold(x, r, hot_atoms(h), h->natoms);
}

/* Decides the policies of group e (their scope holds), adding those that
 * apply or err to hs. */
static void decide_group(const lr_cset *c, lr_eval_env *env, lr_evalctx *x, cn_run *r,
                         const slot *e, hits *hs) {
  for (const uint32_t *o = c->entries + e->start, *end = o + e->count; o < end; o++) {
    const hot *h = (const hot *)(c->hot + *o);
    env->inst = h->inst;
    lr_policy_result res = LR_LIKELY(!h->flags) ? conds_hold(x, r, hot_atoms(h), h->natoms)
                                                : decide_flagged(x, r, c, h);
    if (res != LR_POLICY_NOT_SATISFIED) hits_add(hs, *o, res, x->err->msg);
  }
}

/* The request's keys for the operands indexed by value (in out, room for
 * MAX_VSLOTS): per operand, the key of its string value if some policy
 * names it, the bail key if evaluating it bails, none otherwise. */
static keys val_keys(const lr_cset *c, lr_evalctx *x, cn_run *run, pkey *out) {
  size_t n = 0;
  for (size_t j = 0; j < c->nvslots; j++) {
    lr_value v;
    const uint32_t *pre = NULL; /* the entity's keys made at binding */
    if (c->bvals && c->vvar[j]) {
      int k = c->vvar[j] - 1;
      const lr_entity *e =
          lr_eval_entity_k(x, k, k ? x->env->req->resource : x->env->req->principal, 0);
      if (e && e->store == c->bound && e->index < c->nbound) pre = c->bvals + e->index * c->nvslots;
    }
    if (pre) {
      if (pre[j]) out[n++] = c->vkeys[pre[j]];
    } else if (cn_slot(run, c->vslots[j], &v) != CN_OK) {
      out[n++] = c->vkeys[j + 1];
    } else if (v.kind == LR_V_STRING) {
      lr_str s = lr_str_make(v.u.s, v.n);
      const val *known = vals_get(&c->vals, val_hash(c->vslots[j], s), c->vslots[j], s);
      if (known) out[n++] = c->vkeys[known->id];
    }
  }
  return (keys){out, out + n};
}

/* The shapes indexed by value: the operands are evaluated only when one of
 * them has action and resource keys in this request. */
static inline void probe_values(const lr_cset *c, lr_eval_env *env, lr_evalctx *x, cn_run *run,
                                hits *hs, keys ks[3][K__N]) {
  pkey buf[MAX_VSLOTS];
  keys P = {buf, buf};
  bool made = false;
  for (size_t s = 0; s < c->nvshapes; s++) {
    const uint8_t *k = c->vshapes[s];
    const keys A = ks[1][k[1]], R = ks[2][k[2]];
    if (A.v == A.end || R.v == R.end) continue;
    if (!made) P = val_keys(c, x, run, buf), made = true;
    for (const pkey *p = P.v; p < P.end; p++) /* one value key per operand, mostly */
      for (const pkey *a = A.v; a < A.end; a++)
        for (const pkey *r = R.v; r < R.end; r++) {
          const slot *e = lookup(c, p->h ^ a->h ^ r->h, k[3], p->id, a->id, r->id);
          if (e) decide_group(c, env, x, run, e, hs);
        }
  }
}

/* Probes the index with every key combination of the request and decides
 * the policies found, in the order found (hits_finish restores policy
 * order). */
__attribute__((noinline)) static void probe(const lr_cset *c, lr_eval_env *env, lr_evalctx *x,
                                            cn_run *run, hits *hs) {
  const lr_request *req = env->req;
  enum { CAP = 16 };
  pkey buf[3][CAP];
  keys ks[3][K__N];
  const lr_uid *vars[3] = {req->principal, req->action, req->resource};
  for (unsigned v = 0; v < 3; v++) var_keys(c, v, x, vars[v], buf[v], CAP, ks[v]);
  for (size_t s = 0; s < c->nshapes; s++) {
    const uint8_t *k = c->shapes[s];
    const keys P = ks[0][k[0]], A = ks[1][k[1]], R = ks[2][k[2]];
    /* The usual shape, one action and one resource key, in one loop: the
     * loops below do the same in 77 more instructions per 10,000-policy
     * request (callgrind; the compiler keeps this loop in registers). */
    if (A.end - A.v == 1 && R.end - R.v == 1) {
      uint64_t har = A.v->h ^ R.v->h;
      uint32_t aid = A.v->id, rid = R.v->id;
      for (const pkey *p = P.v; p < P.end; p++) {
        const slot *e = lookup(c, p->h ^ har, k[3], p->id, aid, rid);
        if (e) decide_group(c, env, x, run, e, hs);
      }
      continue;
    }
    for (const pkey *p = P.v; p < P.end; p++)
      for (const pkey *a = A.v; a < A.end; a++)
        for (const pkey *r = R.v; r < R.end; r++) {
          const slot *e = lookup(c, p->h ^ a->h ^ r->h, k[3], p->id, a->id, r->id);
          if (e) decide_group(c, env, x, run, e, hs);
        }
  }
  if (c->nvshapes) probe_values(c, env, x, run, hs, ks);
  hits_finish(hs);
}

/* The decision being assembled: n cells of ids, satisfied permits from the
 * front (np), forbids from the back (nf). */
typedef struct tally {
  lr_arena *a;
  const char **ids;
  size_t n, np, nf;
} tally;

static inline void tally_add(tally *t, lr_decision *out, const lr_policy_inst *inst,
                             unsigned effect, lr_policy_result r, const char *msg) {
  bool guard = effect == LR_EFFECT_MASK || effect == LR_EFFECT_LIMIT;
  if (r == LR_POLICY_SATISFIED && guard) {
    if (!out->guards) out->guards = LR_NEW_N(t->a, const lr_policy_inst *, t->n);
    out->guards[out->nguards++] = inst;
  } else if (r == LR_POLICY_SATISFIED) {
    if (effect == LR_EFFECT_PERMIT)
      t->ids[t->np++] = inst->id;
    else
      t->ids[t->n - 1 - t->nf++] = inst->id;
  } else if (r == LR_POLICY_ERROR && guard) {
    if (!out->guard_errors) out->guard_errors = LR_NEW_N(t->a, lr_auth_error, t->n);
    out->guard_errors[out->nguard_errors++] = (lr_auth_error){inst->id, msg};
  } else if (r == LR_POLICY_ERROR) {
    if (!out->errors) out->errors = LR_NEW_N(t->a, lr_auth_error, t->n);
    out->errors[out->nerrors++] = (lr_auth_error){inst->id, msg};
  }
}

/* Sets this small are scanned in full: cheaper than making the request's
 * keys and probing. Measured in-process, the same set indexed takes, of the
 * time it takes scanned: generated sets of 3 / 5 / 7 / 10 / 12 policies
 * 1.29-1.38 / 1.19 / 1.00-1.02 / 0.76-0.78 / 0.66-0.72x; the gdrive,
 * github and tinytodo sets (5-7 policies) 1.01-1.26x. */
#define SCAN_MAX 7

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
  cn_run run = {.x = &x, .npaths = c->npaths, .defs = c->defs};
  lr_value memo[16]; /* path slots of small sets on the stack */
  uint8_t state[16];
  if (c->npaths <= 16) {
    memset(state, 0, sizeof state);
    run.memo = memo, run.state = state;
  }
  /* Satisfied permits fill ids from the front, forbids from the back (then
   * put in policy order); errors and guards are allocated on first use. */
  *out = (lr_decision){0};
  tally t = {.a = a};
  if (c->npols <= SCAN_MAX) { /* a small set: every policy, no index */
    t.n = c->npols ? c->npols : 1;
    t.ids = LR_NEW_N(a, const char *, t.n);
    for (size_t i = 0; i < c->npols; i++) {
      const cpol *p = &c->pols[i];
      env.inst = p->inst;
      lr_policy_result r = decide(&x, &run, p);
      if (r != LR_POLICY_NOT_SATISFIED) tally_add(&t, out, p->inst, p->effect, r, err.msg);
    }
  } else {
    hit small[16];
    hits hs = {small, 0, 16, a};
    probe(c, &env, &x, &run, &hs);
    t.n = hs.n ? hs.n : 1;
    t.ids = LR_NEW_N(a, const char *, t.n);
    for (size_t i = 0; i < hs.n; i++) {
      const hot *h = (const hot *)(c->hot + hs.v[i].off);
      tally_add(&t, out, h->inst, h->effect, (lr_policy_result)hs.v[i].r, hs.v[i].msg);
    }
  }
  size_t n = t.n, np = t.np, nf = t.nf;
  const char **ids = t.ids;
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
