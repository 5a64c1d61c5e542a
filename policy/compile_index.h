/*
 * compile_index.h — the compiled policy set's index (policy.h, "compiled
 * policy sets"), shared by compile.c, which builds it (and binds it to a
 * store), and compile_run.c, which decides requests over it.
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
#ifndef LARCH_POLICY_COMPILE_INDEX_H
#define LARCH_POLICY_COMPILE_INDEX_H

#include <stdatomic.h>

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

/* ---- lookups in the dictionaries ------------------------------------------------ */

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

/* The id of the key a value of operand j gives (see "indexed by value"): v
 * NULL (evaluating the operand bailed) the bail key; a string some policy
 * names, that literal's key; anything else none (0). */
static inline uint32_t value_id(const lr_cset *c, size_t j, const lr_value *v) {
  if (!v) return (uint32_t)j + 1;
  if (v->kind != LR_V_STRING) return 0;
  lr_str s = lr_str_make(v->u.s, v->n);
  const val *k = vals_get(&c->vals, val_hash(c->vslots[j], s), c->vslots[j], s);
  return k ? k->id : 0;
}

static inline uint32_t fingerprint(uint64_t h) {
  uint32_t f = (uint32_t)(h >> 32);
  return f ? f : 1;
}

/* ---- keys of an entity --------------------------------------------------------- */

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

#endif /* LARCH_POLICY_COMPILE_INDEX_H */
