/*
 * compile.c — building a compiled policy set (compile_index.h has the
 * design): policies lowered, their scopes interned in the dictionary of
 * names, tenant-style value tests in the dictionary of values, the index
 * table and the hot blocks laid out; reference counting; binding a set to
 * an entity store (lr_cset_bind). Request time is compile_run.c.
 */
#include <stdlib.h>
#include <string.h>

#include "compile_index.h"

/* A policy's conditions as cn_flatten gives them, until build_hot moves them
 * into the policy's block. */
typedef struct flat {
  cn_atom *v;
  size_t n;
} flat;

/* ---- the dictionary of names ------------------------------------------------ */

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
  return value_id(c, j, lr_value_record_get(c->vtag[j] ? e->tags : e->attrs, c->vname[j]));
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

