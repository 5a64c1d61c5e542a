/*
 * schema_check.c — resolving and checking a parsed schema.
 *
 * Name resolution follows Cedar (cedar-policy-core validator/schema/
 * raw_name.rs, RFC 24, cedar#579): a reference written without `::` inside
 * namespace NS may mean NS::X or X (in that order); at each candidate a
 * common type wins over an entity type (where the reference may name
 * either); an unqualified name that matches nothing declared falls back to
 * the built-in types (Bool, Long, String and the extension types), which
 * `__cedar::X` names explicitly. Common types are inlined (their resolved
 * definitions are shared, never copied) and must not form cycles. RFC 70
 * forbids a namespaced declaration that shadows an empty-namespace one.
 * Action groups resolve like types (NS::Action, then Action) and the action
 * hierarchy must be acyclic.
 */
#include <stdlib.h>
#include <string.h>

#include "schema_int.h"

typedef struct checker {
  lr_schema *s;
  lr_arena *a;
  lr_diags *d;
  size_t errors0;
  lr_stype *empty_record;
} checker;

static void err(checker *c, const char *code, size_t off, size_t end, const char *fmt, ...)
    LR_PRINTF(5, 6);
/* Reports an error at [off, end); in a JSON schema the message starts with
 * the JSON path of the value there, like the loader's own errors. */
static void err(checker *c, const char *code, size_t off, size_t end, const char *fmt, ...) {
  lr_buf m = {0};
  if (c->s->fmt == LR_SCHEMA_JSON && lr_schema_json_path(c->s->src, off, &m)) lr_buf_puts(&m, ": ");
  va_list ap;
  va_start(ap, fmt);
  lr_buf_vprintf(&m, fmt, ap);
  va_end(ap);
  lr_diags_add(c->d, LR_SEV_ERROR, code, c->s->src, off, end, "%s", m.p);
  lr_buf_free(&m);
}

#define SP(s) (int)(s).n, (s).p

/* ---- declarations ------------------------------------------------------- */

static bool has_cedar_component(lr_str path) {
  size_t start = 0;
  for (size_t i = 0; i <= path.n; i++) {
    if (i == path.n || path.p[i] == ':') {
      if (lr_str_eq_c(lr_str_make(path.p + start, i - start), "__cedar")) return true;
      if (i < path.n) i++;
      start = i + 1;
    }
  }
  return false;
}

static void index_decls(checker *c) {
  lr_schema *s = c->s;
  lr_map seen_ns = {0};
  for (size_t i = 0; i < s->nss.n; i++) {
    lr_schema_ns *ns = s->nss.items[i];
    if (has_cedar_component(ns->name))
      err(c, LR_SCHEMA_E_RESERVED, ns->off, ns->end,
          "the namespace `%.*s` uses the reserved name `__cedar`", SP(ns->name));
    if (lr_map_get(&seen_ns, ns->name))
      err(c, LR_SCHEMA_E_DUP_DECL, ns->off, ns->end, "namespace `%.*s` is declared twice",
          SP(ns->name));
    else
      lr_map_put(&seen_ns, ns->name, ns);
  }
  lr_map_free(&seen_ns);
  for (size_t i = 0; i < s->entities.n; i++) {
    lr_schema_entity *e = s->entities.items[i];
    if (lr_str_eq_c(e->base, "__cedar"))
      err(c, LR_SCHEMA_E_RESERVED, e->off, e->end,
          "`__cedar` is reserved and cannot name an entity type");
    if (lr_map_get(&s->entity_map, e->name))
      err(c, LR_SCHEMA_E_DUP_DECL, e->off, e->end, "entity type `%.*s` is declared twice",
          SP(e->name));
    else
      lr_map_put(&s->entity_map, e->name, e);
  }
  for (size_t i = 0; i < s->commons.n; i++) {
    lr_schema_common *t = s->commons.items[i];
    if (lr_schema_is_reserved_type_name(t->base) || lr_str_eq_c(t->base, "__cedar"))
      err(c, LR_SCHEMA_E_RESERVED, t->off, t->end,
          "`%.*s` is a reserved type name and cannot name a common type", SP(t->base));
    if (lr_map_get(&s->common_map, t->name))
      err(c, LR_SCHEMA_E_DUP_DECL, t->off, t->end, "common type `%.*s` is declared twice",
          SP(t->name));
    else
      lr_map_put(&s->common_map, t->name, t);
  }
  for (size_t i = 0; i < s->actions.n; i++) {
    lr_schema_action *ac = s->actions.items[i];
    lr_str key = lr_schema_action_key(c->a, ac->type, ac->id);
    if (lr_map_get(&s->action_map, key)) {
      lr_buf q = {0};
      lr_schema_quote(&q, ac->id);
      err(c, LR_SCHEMA_E_DUP_DECL, ac->off, ac->end, "action `%.*s::%s` is declared twice",
          SP(ac->type), q.p);
      lr_buf_free(&q);
    } else {
      lr_map_put(&s->action_map, key, ac);
    }
  }
}

/* RFC 70: a declaration in a namespace may not reuse the basename of an
 * entity or common type declared in the empty namespace (actions likewise). */
static void check_shadowing(checker *c) {
  lr_schema *s = c->s;
  lr_ptrvec *lists[2] = {&s->entities, &s->commons};
  for (int l = 0; l < 2; l++) {
    for (size_t i = 0; i < lists[l]->n; i++) {
      lr_str ns, base, name;
      size_t off, end;
      if (l == 0) {
        lr_schema_entity *e = lists[l]->items[i];
        ns = e->ns, base = e->base, name = e->name, off = e->off, end = e->end;
      } else {
        lr_schema_common *t = lists[l]->items[i];
        ns = t->ns, base = t->base, name = t->name, off = t->off, end = t->end;
      }
      if (ns.n == 0) continue;
      if (lr_map_get(&s->entity_map, base) || lr_map_get(&s->common_map, base))
        err(c, LR_SCHEMA_E_SHADOW, off, end,
            "`%.*s` shadows `%.*s` declared in the empty namespace", SP(name), SP(base));
    }
  }
  for (size_t i = 0; i < s->actions.n; i++) {
    lr_schema_action *ac = s->actions.items[i];
    if (ac->ns.n == 0) continue;
    lr_str key = lr_schema_action_key(c->a, LR_STR("Action"), ac->id);
    if (lr_map_get(&s->action_map, key)) {
      lr_buf q = {0};
      lr_schema_quote(&q, ac->id);
      err(c, LR_SCHEMA_E_SHADOW, ac->off, ac->end,
          "`%.*s::%s` shadows `Action::%s` declared in the empty namespace", SP(ac->type), q.p,
          q.p);
      lr_buf_free(&q);
    }
  }
}

/* ---- type references ---------------------------------------------------- */

static bool is_qualified(lr_str s) {
  for (size_t i = 0; i + 1 < s.n; i++)
    if (s.p[i] == ':' && s.p[i + 1] == ':') return true;
  return false;
}

/* The built-in type called name (after `__cedar::`), or NULL. */
static lr_stype *builtin(checker *c, lr_str name, size_t off, size_t end) {
  static const char *const ext[] = {"ipaddr", "decimal", "datetime", "duration"};
  int kind = -1;
  if (lr_str_eq_c(name, "Bool"))
    kind = LR_STYPE_BOOL;
  else if (lr_str_eq_c(name, "Long"))
    kind = LR_STYPE_LONG;
  else if (lr_str_eq_c(name, "String"))
    kind = LR_STYPE_STRING;
  for (size_t i = 0; kind < 0 && i < sizeof ext / sizeof *ext; i++)
    if (lr_str_eq_c(name, ext[i])) kind = LR_STYPE_EXTENSION;
  if (kind < 0) return NULL;
  lr_stype *t = lr_stype_new(c->a, kind, off, end);
  if (kind == LR_STYPE_EXTENSION) t->name = lr_str_dup(c->a, name);
  return t;
}

static lr_stype *resolve_common(checker *c, lr_schema_common *t);
static lr_stype *resolve_type(checker *c, lr_stype *t);

/* Resolves one candidate full name: a common type (when allowed), then an
 * entity type. Returns the type, or NULL when nothing is declared there. */
static lr_stype *try_candidate(checker *c, lr_str full, int ref, const lr_stype *at, bool *failed) {
  if (ref & LR_REF_COMMON) {
    lr_schema_common *t = lr_map_get(&c->s->common_map, full);
    if (t) {
      lr_stype *r = resolve_common(c, t);
      if (!r) *failed = true;
      return r ? r : c->empty_record;
    }
  }
  if (ref & LR_REF_ENTITY) {
    lr_schema_entity *e = lr_map_get(&c->s->entity_map, full);
    if (e) {
      lr_stype *r = lr_stype_new(c->a, LR_STYPE_ENTITY, at->off, at->end);
      r->name = e->name;
      return r;
    }
  }
  return NULL;
}

static const char *ref_what(int ref) {
  return ref == LR_REF_COMMON   ? "a common type"
         : ref == LR_REF_ENTITY ? "an entity type"
                                : "a common or entity type";
}

/* Resolves a name reference; reports and returns NULL when undeclared. */
static lr_stype *resolve_ref(checker *c, const lr_stype *t) {
  bool failed = false;
  lr_str name = t->name;
  if (lr_str_starts_with(name, LR_STR("__cedar::"))) {
    lr_str rest = lr_str_make(name.p + 9, name.n - 9);
    lr_stype *b = (t->ref & LR_REF_COMMON) ? builtin(c, rest, t->off, t->end) : NULL;
    if (!b)
      err(c, LR_SCHEMA_E_UNKNOWN, t->off, t->end, "unknown type `%.*s`: `__cedar` has no such %s",
          SP(name), t->ref == LR_REF_ENTITY ? "entity type" : "type");
    return b;
  }
  lr_stype *r = NULL;
  lr_str full = name;
  if (!is_qualified(name) && t->ns.n) {
    full = lr_schema_join(c->a, t->ns, name);
    r = try_candidate(c, full, t->ref, t, &failed);
  }
  if (!r) r = try_candidate(c, name, t->ref, t, &failed);
  if (!r && !is_qualified(name) && (t->ref & LR_REF_COMMON)) r = builtin(c, name, t->off, t->end);
  if (failed) return NULL;
  if (!r) {
    if (full.p != name.p)
      err(c, LR_SCHEMA_E_UNKNOWN, t->off, t->end,
          "unknown type `%.*s`: neither `%.*s` nor `%.*s` is declared as %s", SP(name), SP(full),
          SP(name), ref_what(t->ref));
    else
      err(c, LR_SCHEMA_E_UNKNOWN, t->off, t->end, "unknown type `%.*s`: it is not declared as %s",
          SP(name), ref_what(t->ref));
  }
  return r;
}

static int cmp_attr(const void *x, const void *y) {
  return lr_str_cmp(((const lr_sattr *)x)->name, ((const lr_sattr *)y)->name);
}

/* Returns the resolved form of t (a new node, or a shared common-type
 * definition), or NULL after reporting why it cannot be resolved. */
static lr_stype *resolve_type(checker *c, lr_stype *t) {
  switch (t->kind) {
  case LR_STYPE_REF: return resolve_ref(c, t);
  case LR_STYPE_EXTENSION: {
    lr_stype *b = builtin(c, t->name, t->off, t->end);
    if (!b || b->kind != LR_STYPE_EXTENSION) {
      err(c, LR_SCHEMA_E_EXTENSION, t->off, t->end, "unknown extension type `%.*s`", SP(t->name));
      return NULL;
    }
    return b;
  }
  case LR_STYPE_SET: {
    lr_stype *e = resolve_type(c, t->elem);
    if (!e) return NULL;
    lr_stype *r = lr_stype_new(c->a, LR_STYPE_SET, t->off, t->end);
    r->elem = e;
    return r;
  }
  case LR_STYPE_RECORD: {
    lr_stype *r = lr_stype_new(c->a, LR_STYPE_RECORD, t->off, t->end);
    r->nattrs = t->nattrs;
    r->attrs = LR_NEW_N(c->a, lr_sattr, t->nattrs ? t->nattrs : 1);
    bool ok = true;
    for (size_t i = 0; i < t->nattrs; i++) {
      r->attrs[i] = t->attrs[i];
      r->attrs[i].type = resolve_type(c, t->attrs[i].type);
      if (!r->attrs[i].type) ok = false;
    }
    if (r->nattrs > 1) qsort(r->attrs, r->nattrs, sizeof *r->attrs, cmp_attr);
    for (size_t i = 1; i < r->nattrs; i++) {
      if (lr_str_eq(r->attrs[i].name, r->attrs[i - 1].name)) {
        const lr_sattr *later =
            r->attrs[i].off > r->attrs[i - 1].off ? &r->attrs[i] : &r->attrs[i - 1];
        err(c, LR_SCHEMA_E_DUP_ATTR, later->off, later->end, "duplicate attribute `%.*s`",
            SP(later->name));
        ok = false;
      }
    }
    return ok ? r : NULL;
  }
  default: return t; /* Bool, Long, String, Entity (already resolved) */
  }
}

static lr_stype *resolve_common(checker *c, lr_schema_common *t) {
  if (t->state == 2) return t->resolved;
  if (t->state == 3) return NULL;
  if (t->state == 1) {
    err(c, LR_SCHEMA_E_CYCLE, t->off, t->end, "common type `%.*s` is defined in terms of itself",
        SP(t->name));
    t->state = 3;
    return NULL;
  }
  t->state = 1;
  lr_stype *r = resolve_type(c, t->def);
  if (t->state == 3) return NULL; /* the cycle went through t: reported once */
  t->resolved = r;
  t->state = r ? 2 : 3;
  return r;
}

/* ---- entities and actions ----------------------------------------------- */

static void resolve_entity_refs(checker *c, lr_tref *refs, size_t n, lr_str ns) {
  for (size_t i = 0; i < n; i++) {
    lr_stype probe = {.kind = LR_STYPE_REF,
                      .off = refs[i].off,
                      .end = refs[i].end,
                      .name = refs[i].raw,
                      .ns = ns,
                      .ref = LR_REF_ENTITY};
    lr_stype *r = resolve_ref(c, &probe);
    refs[i].full = r ? r->name : refs[i].raw;
  }
}

/* Resolves a shape or context: absent means the empty record; otherwise it
 * must come out as a record. */
static lr_stype *resolve_record(checker *c, lr_stype *t, const char *what, lr_str owner) {
  if (!t) return c->empty_record;
  lr_stype *r = resolve_type(c, t);
  if (!r) return c->empty_record;
  if (r->kind != LR_STYPE_RECORD) {
    lr_buf b = {0};
    lr_stype_print(r, &b);
    err(c, LR_SCHEMA_E_NOT_RECORD, t->off, t->end, "the %s of `%.*s` must be a record, not `%s`",
        what, SP(owner), b.p);
    lr_buf_free(&b);
    return c->empty_record;
  }
  return r;
}

static void resolve_entity(checker *c, lr_schema_entity *e) {
  resolve_entity_refs(c, e->parents, e->nparents, e->ns);
  e->shape = resolve_record(c, e->shape, "shape", e->name);
  if (e->tags) e->tags = resolve_type(c, e->tags);
}

static void resolve_action(checker *c, lr_schema_action *ac) {
  for (int role = 0; role < 2; role++)
    resolve_entity_refs(c, ac->types[role], ac->ntypes[role], ac->ns);
  lr_buf q = {0};
  lr_schema_quote(&q, ac->id);
  lr_str uid = lr_schema_join(c->a, ac->type, lr_buf_str(&q));
  lr_buf_free(&q);
  ac->context = resolve_record(c, ac->context, "context", uid);
  for (size_t i = 0; i < ac->nparents; i++) {
    lr_aref *p = &ac->parents[i];
    lr_str raw = p->type_raw.n ? p->type_raw : LR_STR("Action");
    lr_str cands[2];
    size_t nc = 0;
    if (!is_qualified(raw) && ac->ns.n) cands[nc++] = lr_schema_join(c->a, ac->ns, raw);
    cands[nc++] = raw;
    p->type = (lr_str){0};
    for (size_t k = 0; k < nc && !p->type.p; k++)
      if (lr_map_get(&c->s->action_map, lr_schema_action_key(c->a, cands[k], p->id)))
        p->type = cands[k];
    if (!p->type.p) {
      lr_buf q = {0};
      lr_schema_quote(&q, p->id);
      err(c, LR_SCHEMA_E_ACTION, p->off, p->end, "unknown action group `%.*s::%s`", SP(cands[0]),
          q.p);
      lr_buf_free(&q);
      p->type = cands[0];
    }
  }
}

/* Depth-first search for a cycle through action groups (colour marks in a
 * map keyed like action_map). */
static bool action_cycle(checker *c, lr_schema_action *ac, lr_map *colour) {
  lr_str key = lr_schema_action_key(c->a, ac->type, ac->id);
  void *v = lr_map_get(colour, key);
  if (v == (void *)1) return true;
  if (v == (void *)2) return false;
  lr_map_put(colour, key, (void *)1);
  for (size_t i = 0; i < ac->nparents; i++) {
    lr_schema_action *p = lr_map_get(
        &c->s->action_map, lr_schema_action_key(c->a, ac->parents[i].type, ac->parents[i].id));
    if (p && action_cycle(c, p, colour)) return true;
  }
  lr_map_put(colour, key, (void *)2);
  return false;
}

static int cmp_entity(const void *x, const void *y) {
  return lr_str_cmp((*(lr_schema_entity *const *)x)->name, (*(lr_schema_entity *const *)y)->name);
}
static int cmp_common(const void *x, const void *y) {
  return lr_str_cmp((*(lr_schema_common *const *)x)->name, (*(lr_schema_common *const *)y)->name);
}
static int cmp_ns(const void *x, const void *y) {
  return lr_str_cmp((*(lr_schema_ns *const *)x)->name, (*(lr_schema_ns *const *)y)->name);
}
static int cmp_action(const void *x, const void *y) {
  const lr_schema_action *a = *(lr_schema_action *const *)x, *b = *(lr_schema_action *const *)y;
  int r = lr_str_cmp(a->type, b->type);
  return r ? r : lr_str_cmp(a->id, b->id);
}

static void sort_vec(lr_ptrvec *v, int (*cmp)(const void *, const void *)) {
  if (v->n > 1) qsort(v->items, v->n, sizeof *v->items, cmp);
}

lr_status lr_schema_check(lr_schema *s, lr_diags *d) {
  if (s->checked) return s->ok ? LR_OK : LR_ERR;
  s->checked = true;
  checker c = {.s = s, .a = s->arena, .d = d, .errors0 = d->errors};
  c.empty_record = lr_stype_new(s->arena, LR_STYPE_RECORD, 0, 0);
  index_decls(&c);
  check_shadowing(&c);
  for (size_t i = 0; i < s->commons.n; i++) resolve_common(&c, s->commons.items[i]);
  for (size_t i = 0; i < s->entities.n; i++) resolve_entity(&c, s->entities.items[i]);
  for (size_t i = 0; i < s->actions.n; i++) resolve_action(&c, s->actions.items[i]);
  if (d->errors == c.errors0) {
    lr_map colour = {0};
    for (size_t i = 0; i < s->actions.n; i++) {
      lr_schema_action *ac = s->actions.items[i];
      if (action_cycle(&c, ac, &colour)) {
        lr_buf q = {0};
        lr_schema_quote(&q, ac->id);
        err(&c, LR_SCHEMA_E_ACTION, ac->off, ac->end,
            "the action hierarchy has a cycle through `%.*s::%s`", SP(ac->type), q.p);
        lr_buf_free(&q);
        break;
      }
    }
    lr_map_free(&colour);
  }
  sort_vec(&s->entities, cmp_entity);
  sort_vec(&s->commons, cmp_common);
  sort_vec(&s->nss, cmp_ns);
  sort_vec(&s->actions, cmp_action);
  s->ok = d->errors == c.errors0;
  return s->ok ? LR_OK : LR_ERR;
}
