/*
 * schema.c — the schema model: construction helpers shared by both parsers,
 * the read-only accessors of schema.h, and name utilities (identifiers,
 * reserved words, Cedar string quoting).
 */
#include <stdlib.h>
#include <string.h>

#include "grammar.h"
#include "schema_int.h"

/* ---- construction ------------------------------------------------------- */

static void on_free_schema(void *p) {
  lr_schema *s = p;
  lr_map_free(&s->entity_map);
  lr_map_free(&s->action_map);
  lr_map_free(&s->common_map);
}

lr_schema *lr_schema_new(const lr_source *src, lr_schema_format fmt) {
  lr_arena *a = lr_arena_new(0);
  lr_schema *s = LR_NEW(a, lr_schema);
  s->arena = a;
  s->src = src;
  s->fmt = fmt;
  lr_arena_on_free(a, on_free_schema, s);
  return s;
}

void lr_schema_free(lr_schema *s) {
  if (s) lr_arena_free(s->arena);
}

void lr_ptrvec_push(lr_arena *a, lr_ptrvec *v, void *p) {
  if (v->n == v->cap) {
    size_t cap = v->cap ? v->cap * 2 : 8;
    void **items = lr_arena_alloc(a, cap * sizeof *items);
    if (v->n) memcpy(items, v->items, v->n * sizeof *items);
    v->items = items;
    v->cap = cap;
  }
  v->items[v->n++] = p;
}

lr_str lr_schema_join(lr_arena *a, lr_str ns, lr_str base) {
  if (ns.n == 0) return lr_str_dup(a, base);
  char *p = lr_arena_alloc(a, ns.n + 2 + base.n + 1);
  memcpy(p, ns.p, ns.n);
  memcpy(p + ns.n, "::", 2);
  memcpy(p + ns.n + 2, base.p, base.n);
  p[ns.n + 2 + base.n] = 0;
  return lr_str_make(p, ns.n + 2 + base.n);
}

lr_stype *lr_stype_new(lr_arena *a, int kind, size_t off, size_t end) {
  lr_stype *t = LR_NEW(a, lr_stype);
  t->kind = kind;
  t->off = off;
  t->end = end;
  return t;
}

lr_str lr_schema_action_key(lr_arena *a, lr_str type, lr_str id) {
  char *p = lr_arena_alloc(a, type.n + 1 + id.n + 1);
  memcpy(p, type.p, type.n);
  p[type.n] = 0;
  memcpy(p + type.n + 1, id.p, id.n);
  p[type.n + 1 + id.n] = 0;
  return lr_str_make(p, type.n + 1 + id.n);
}

void lr_schema_annot_add(lr_arena *a, lr_schema_annots *an, lr_str key, lr_str val, size_t off,
                         size_t end, const lr_source *src, lr_diags *d) {
  for (size_t i = 0; i < an->n; i++) {
    if (lr_str_eq(an->items[i].key, key)) {
      lr_diag_error(d, LR_SCHEMA_E_DUP_ANNOT, src, off, end, "duplicate annotation `@%.*s`",
                    (int)key.n, key.p);
      return;
    }
  }
  lr_annot *items = lr_arena_alloc(a, (an->n + 1) * sizeof *items);
  if (an->n) memcpy(items, an->items, an->n * sizeof *items);
  items[an->n] = (lr_annot){lr_str_dup(a, key), lr_str_dup(a, val), off, end};
  an->items = items;
  an->n++;
}

/* ---- names -------------------------------------------------------------- */

static bool ident_start(char c) {
  return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static bool ident_char(char c) { return ident_start(c) || (c >= '0' && c <= '9'); }

bool lr_schema_is_ident(lr_str s) {
  if (s.n == 0 || !ident_start(s.p[0])) return false;
  for (size_t i = 1; i < s.n; i++)
    if (!ident_char(s.p[i])) return false;
  return true;
}

/* Cedar's reserved identifiers (cedar-policy-core ast/id.rs): they may not
 * name anything, in any position of a path. */
bool lr_schema_is_reserved(lr_str s) {
  static const char *const words[] = {"true", "false", "if",   "then", "else",
                                      "in",   "is",    "like", "has"};
  for (size_t i = 0; i < sizeof words / sizeof *words; i++)
    if (lr_str_eq_c(s, words[i])) return true;
  return false;
}

bool lr_schema_is_path(lr_str s) {
  size_t start = 0;
  for (size_t i = 0; i <= s.n; i++) {
    if (i == s.n || (s.p[i] == ':' && i + 1 < s.n && s.p[i + 1] == ':')) {
      lr_str part = lr_str_make(s.p + start, i - start);
      if (!lr_schema_is_ident(part) || lr_schema_is_reserved(part)) return false;
      if (i == s.n) break;
      i++;
      start = i + 1;
    } else if (s.p[i] == ':') {
      return false;
    }
  }
  return true;
}

bool lr_schema_is_reserved_type_name(lr_str s) {
  static const char *const words[] = {"Bool", "Boolean", "Entity", "EntityOrCommon", "Extension",
                                      "Long", "Record",  "Set",    "String"};
  for (size_t i = 0; i < sizeof words / sizeof *words; i++)
    if (lr_str_eq_c(s, words[i])) return true;
  return false;
}

void lr_schema_quote(lr_buf *out, lr_str s) { lr_fmt_string(s, out); }

/* ---- types -------------------------------------------------------------- */

lr_stype_kind lr_stype_get_kind(const lr_stype *t) { return (lr_stype_kind)t->kind; }
const lr_stype *lr_stype_element(const lr_stype *t) { return t->elem; }
lr_str lr_stype_name(const lr_stype *t) { return t->name; }
size_t lr_stype_attr_count(const lr_stype *t) { return t->kind == LR_STYPE_RECORD ? t->nattrs : 0; }

const lr_stype *lr_stype_attr_at(const lr_stype *t, size_t i, lr_str *name, bool *required) {
  if (t->kind != LR_STYPE_RECORD || i >= t->nattrs) return NULL;
  if (name) *name = t->attrs[i].name;
  if (required) *required = t->attrs[i].required;
  return t->attrs[i].type;
}

const lr_stype *lr_stype_attr_find(const lr_stype *t, lr_str name, bool *required) {
  if (!t || t->kind != LR_STYPE_RECORD) return NULL;
  size_t lo = 0, hi = t->nattrs; /* attrs are sorted once checked */
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = lr_str_cmp(t->attrs[mid].name, name);
    if (c == 0) {
      if (required) *required = t->attrs[mid].required;
      return t->attrs[mid].type;
    }
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

/* A record attribute name prints bare when it is an identifier, else quoted. */
static void print_attr_name(lr_buf *out, lr_str name) {
  if (lr_schema_is_ident(name))
    lr_buf_append(out, name.p, name.n);
  else
    lr_schema_quote(out, name);
}

void lr_stype_print(const lr_stype *t, lr_buf *out) {
  switch (t->kind) {
  case LR_STYPE_BOOL: lr_buf_puts(out, "Bool"); break;
  case LR_STYPE_LONG: lr_buf_puts(out, "Long"); break;
  case LR_STYPE_STRING: lr_buf_puts(out, "String"); break;
  case LR_STYPE_SET:
    lr_buf_puts(out, "Set<");
    lr_stype_print(t->elem, out);
    lr_buf_putc(out, '>');
    break;
  case LR_STYPE_RECORD:
    lr_buf_putc(out, '{');
    for (size_t i = 0; i < t->nattrs; i++) {
      if (i) lr_buf_puts(out, ", ");
      const lr_sattr *at = &t->attrs[i];
      if (at->annots) {
        for (size_t k = 0; k < at->annots->n; k++) {
          lr_buf_putc(out, '@');
          lr_buf_append(out, at->annots->items[k].key.p, at->annots->items[k].key.n);
          lr_buf_putc(out, '(');
          lr_schema_quote(out, at->annots->items[k].val);
          lr_buf_puts(out, ") ");
        }
      }
      print_attr_name(out, at->name);
      lr_buf_puts(out, at->required ? ": " : "?: ");
      lr_stype_print(at->type, out);
    }
    lr_buf_putc(out, '}');
    break;
  case LR_STYPE_ENTITY: lr_buf_append(out, t->name.p, t->name.n); break;
  case LR_STYPE_EXTENSION:
    lr_buf_puts(out, "__cedar::");
    lr_buf_append(out, t->name.p, t->name.n);
    break;
  default: /* an unresolved reference: as written */
    lr_buf_append(out, t->name.p, t->name.n);
    break;
  }
}

/* ---- annotations -------------------------------------------------------- */

size_t lr_schema_annot_count(const lr_schema_annots *a) { return a ? a->n : 0; }

lr_str lr_schema_annot_at(const lr_schema_annots *a, size_t i, lr_str *value) {
  if (value) *value = a->items[i].val;
  return a->items[i].key;
}

bool lr_schema_annot_find(const lr_schema_annots *a, lr_str key, lr_str *value) {
  for (size_t i = 0; a && i < a->n; i++) {
    if (lr_str_eq(a->items[i].key, key)) {
      if (value) *value = a->items[i].val;
      return true;
    }
  }
  return false;
}

/* ---- entity types ------------------------------------------------------- */

const lr_schema_entity *lr_schema_entity_find(const lr_schema *s, lr_str name) {
  return s->ok ? lr_map_get(&s->entity_map, name) : NULL;
}
size_t lr_schema_entity_count(const lr_schema *s) { return s->ok ? s->entities.n : 0; }
const lr_schema_entity *lr_schema_entity_at(const lr_schema *s, size_t i) {
  return i < lr_schema_entity_count(s) ? s->entities.items[i] : NULL;
}
lr_str lr_schema_entity_name(const lr_schema_entity *e) { return e->name; }
const lr_schema_annots *lr_schema_entity_annots(const lr_schema_entity *e) { return e->annots; }
size_t lr_schema_entity_parent_count(const lr_schema_entity *e) { return e->nparents; }
lr_str lr_schema_entity_parent_at(const lr_schema_entity *e, size_t i) {
  return e->parents[i].full;
}

bool lr_schema_entity_may_be_in(const lr_schema_entity *e, lr_str parent) {
  for (size_t i = 0; i < e->nparents; i++)
    if (lr_str_eq(e->parents[i].full, parent)) return true;
  return false;
}

const lr_stype *lr_schema_entity_shape(const lr_schema_entity *e) { return e->shape; }
const lr_stype *lr_schema_entity_attr(const lr_schema_entity *e, lr_str name, bool *required) {
  return lr_stype_attr_find(e->shape, name, required);
}
const lr_stype *lr_schema_entity_tags(const lr_schema_entity *e) { return e->tags; }
bool lr_schema_entity_is_enum(const lr_schema_entity *e) { return e->is_enum; }
size_t lr_schema_entity_enum_count(const lr_schema_entity *e) { return e->nchoices; }
lr_str lr_schema_entity_enum_at(const lr_schema_entity *e, size_t i) { return e->choices[i]; }

bool lr_schema_entity_allows_id(const lr_schema_entity *e, lr_str id) {
  if (!e->is_enum) return true;
  for (size_t i = 0; i < e->nchoices; i++)
    if (lr_str_eq(e->choices[i], id)) return true;
  return false;
}

/* ---- actions ------------------------------------------------------------ */

const lr_schema_action *lr_schema_action_find(const lr_schema *s, lr_str type, lr_str id) {
  if (!s->ok) return NULL;
  char stack[256];
  size_t n = type.n + 1 + id.n;
  char *key = n <= sizeof stack ? stack : lr_xmalloc(n);
  memcpy(key, type.p, type.n);
  key[type.n] = 0;
  memcpy(key + type.n + 1, id.p, id.n);
  const lr_schema_action *a = lr_map_get(&s->action_map, lr_str_make(key, n));
  if (key != stack) free(key);
  return a;
}

size_t lr_schema_action_count(const lr_schema *s) { return s->ok ? s->actions.n : 0; }
const lr_schema_action *lr_schema_action_at(const lr_schema *s, size_t i) {
  return i < lr_schema_action_count(s) ? s->actions.items[i] : NULL;
}
lr_str lr_schema_action_type(const lr_schema_action *a) { return a->type; }
lr_str lr_schema_action_id(const lr_schema_action *a) { return a->id; }
const lr_schema_annots *lr_schema_action_annots(const lr_schema_action *a) { return a->annots; }
size_t lr_schema_action_parent_count(const lr_schema_action *a) { return a->nparents; }
void lr_schema_action_parent_at(const lr_schema_action *a, size_t i, lr_str *type, lr_str *id) {
  if (type) *type = a->parents[i].type;
  if (id) *id = a->parents[i].id;
}
bool lr_schema_action_has_applies_to(const lr_schema_action *a) { return a->applies; }
size_t lr_schema_action_type_count(const lr_schema_action *a, lr_schema_role role) {
  return a->ntypes[role];
}
lr_str lr_schema_action_type_at(const lr_schema_action *a, lr_schema_role role, size_t i) {
  return a->types[role][i].full;
}

bool lr_schema_action_allows(const lr_schema_action *a, lr_schema_role role, lr_str type) {
  for (size_t i = 0; i < a->ntypes[role]; i++)
    if (lr_str_eq(a->types[role][i].full, type)) return true;
  return false;
}

const lr_stype *lr_schema_action_context(const lr_schema_action *a) { return a->context; }

/* ---- common types ------------------------------------------------------- */

const lr_stype *lr_schema_common_find(const lr_schema *s, lr_str name) {
  if (!s->ok) return NULL;
  const lr_schema_common *c = lr_map_get(&s->common_map, name);
  return c ? c->resolved : NULL;
}

/* ---- loading ------------------------------------------------------------ */

lr_schema_format lr_schema_format_of(const char *path) {
  size_t n = strlen(path);
  return n >= 5 && strcmp(path + n - 5, ".json") == 0 ? LR_SCHEMA_JSON : LR_SCHEMA_TEXT;
}

lr_schema *lr_schema_load(const lr_source *src, lr_schema_format fmt, lr_diags *d) {
  lr_schema *s =
      fmt == LR_SCHEMA_JSON ? lr_schema_parse_json(src, d) : lr_schema_parse_text(src, d);
  if (!s) return NULL;
  if (lr_schema_check(s, d) != LR_OK) {
    lr_schema_free(s);
    return NULL;
  }
  return s;
}
