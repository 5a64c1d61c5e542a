/*
 * schema_json.c — loader for Cedar's JSON schema format into the raw schema
 * model (docs "JSON schema format"; cedar-policy-core validator/
 * json_schema.rs):
 *
 *   { "NS": { "commonTypes": {...}, "entityTypes": {...}, "actions": {...},
 *             "annotations": {...} }, ... }
 *
 * jansson parses (duplicate keys rejected, as Cedar does); a small scanner
 * over the same text records the byte span of every value in document order,
 * matched with jansson's nodes by a parallel walk (jansson keeps object
 * members in document order), so every error carries the JSON path of the
 * offending value and points at its line:col.
 */
#include <jansson.h>
#include <string.h>
#include <strings.h>

#include "schema_int.h"

/* ---- value spans -------------------------------------------------------- */

typedef struct span {
  size_t off, end;
} span;

typedef struct scan {
  const char *t;
  size_t n, i;
  span *v; /* recording mode: the span of every value, in preorder */
  size_t nv, cap;
  lr_buf *path; /* search mode (path != NULL): the path to the value at target */
  size_t target;
} scan;

static void ws(scan *s) {
  while (s->i < s->n &&
         (s->t[s->i] == ' ' || s->t[s->i] == '\t' || s->t[s->i] == '\n' || s->t[s->i] == '\r'))
    s->i++;
}

static void skip_string(scan *s) {
  s->i++; /* opening quote */
  while (s->i < s->n && s->t[s->i] != '"') s->i += s->t[s->i] == '\\' ? 2 : 1;
  if (s->i < s->n) s->i++;
}

/* Appends `.key` (or `["key"]` as written, escapes included) to the path. */
static void path_key(lr_buf *path, lr_str key) {
  if (lr_schema_is_ident(key)) {
    lr_buf_putc(path, '.');
    lr_buf_append(path, key.p, key.n);
  } else {
    lr_buf_puts(path, "[\"");
    lr_buf_append(path, key.p, key.n);
    lr_buf_puts(path, "\"]");
  }
}

/* Walks the value at s->i (the text is valid JSON: jansson accepted it). In
 * recording mode it records the span of the value and of every value inside
 * it, in preorder; in search mode it builds the path down to the value that
 * starts at s->target and returns true once there. */
static bool scan_value(scan *s) {
  ws(s);
  if (s->path && s->i == s->target) return true;
  size_t me = 0;
  if (!s->path) {
    if (s->nv == s->cap) {
      s->cap = s->cap ? s->cap * 2 : 256;
      s->v = lr_xrealloc(s->v, s->cap * sizeof *s->v);
    }
    me = s->nv++;
    s->v[me].off = s->i;
  }
  char c = s->i < s->n ? s->t[s->i] : 0;
  if (c == '{' || c == '[') {
    char close = c == '{' ? '}' : ']';
    s->i++;
    ws(s);
    for (size_t idx = 0; s->i < s->n && s->t[s->i] != close; idx++) {
      size_t old = s->path ? s->path->len : 0;
      if (c == '{') {
        size_t ks = s->i + 1;
        skip_string(s);
        if (s->path) path_key(s->path, lr_str_make(s->t + ks, s->i - 1 - ks));
        ws(s);
        s->i++; /* : */
      } else if (s->path) {
        lr_buf_printf(s->path, "[%zu]", idx);
      }
      if (scan_value(s)) return true;
      if (s->path) s->path->len = old;
      ws(s);
      if (s->i < s->n && s->t[s->i] == ',') s->i++;
      ws(s);
    }
    s->i++;
  } else if (c == '"') {
    skip_string(s);
  } else {
    while (s->i < s->n && !strchr(",]} \t\r\n", s->t[s->i])) s->i++;
  }
  if (!s->path) s->v[me].end = s->i;
  return false;
}

bool lr_schema_json_path(const lr_source *src, size_t off, lr_buf *out) {
  size_t old = out->len;
  lr_buf_putc(out, '$');
  scan sc = {.t = src->text, .n = src->len, .path = out, .target = off};
  if (scan_value(&sc)) return true;
  out->len = old;
  out->p[old] = 0;
  return false;
}

typedef struct jl {
  lr_schema *s;
  lr_arena *a;
  const lr_source *src;
  lr_diags *d;
  lr_map spans; /* json_t* (as 8 bytes) → span* */
  lr_buf path;
  lr_str ns;
  int depth;
  bool nul_marked; /* object keys had \u0000 rewritten to NUL_MARK */
} jl;

/* jansson refuses NUL in object keys, which Cedar allows (attribute names,
 * action ids). Before parsing, `\u0000` inside keys is rewritten to the
 * escape of U+10FFFD (a private-use code point), and keys are mapped back
 * when read. Texts that already hold U+10FFFD are left alone. */
#define NUL_MARK "\xF4\x8F\xBF\xBD"
#define NUL_MARK_ESC "\\uDBFF\\uDFFD"

/* Returns true and fills out when text has a key holding \u0000. */
static bool mark_nul_keys(const char *t, size_t n, lr_buf *out) {
  if (!memmem(t, n, "\\u0000", 6)) return false;
  if (memmem(t, n, NUL_MARK, 4)) return false;
  bool changed = false;
  size_t i = 0, copied = 0;
  while (i < n) {
    if (t[i] != '"') {
      i++;
      continue;
    }
    size_t start = ++i;
    while (i < n && t[i] != '"') i += t[i] == '\\' ? 2 : 1;
    size_t end = i < n ? i : n;
    i++;
    size_t k = i;
    while (k < n && strchr(" \t\r\n", t[k])) k++;
    bool is_key = k < n && t[k] == ':';
    for (size_t x = start; x < end; x++) {
      if (t[x] != '\\') continue;
      if (x + 6 <= end && (t[x + 1] == 'u' || t[x + 1] == 'U') &&
          (!strncasecmp(t + x + 2, "DBFF", 4) || !strncasecmp(t + x + 2, "DFFD", 4)))
        return false; /* the marker itself is written somewhere */
      if (is_key && x + 6 <= end && !memcmp(t + x, "\\u0000", 6)) {
        lr_buf_append(out, t + copied, x - copied);
        lr_buf_puts(out, NUL_MARK_ESC);
        copied = x + 6;
        changed = true;
      }
      x++; /* skip the escaped character */
    }
  }
  if (!changed) return false;
  lr_buf_append(out, t + copied, n - copied);
  return true;
}

/* A key as Cedar sees it (NUL_MARK mapped back to NUL), in the arena. */
static lr_str jkey(jl *j, const char *k, size_t kn) {
  lr_str s = lr_str_dup(j->a, lr_str_make(k, kn));
  if (!j->nul_marked) return s;
  char *p = (char *)s.p;
  size_t w = 0;
  for (size_t r = 0; r < s.n;) {
    if (r + 4 <= s.n && !memcmp(p + r, NUL_MARK, 4)) {
      p[w++] = 0;
      r += 4;
    } else {
      p[w++] = p[r++];
    }
  }
  p[w] = 0;
  s.n = w;
  return s;
}

/* Pairs jansson's nodes with the scanned spans (same preorder). */
static void pair_spans(jl *j, json_t *v, scan *sc, size_t *k) {
  if (*k >= sc->nv) return;
  span *sp = LR_NEW(j->a, span);
  *sp = sc->v[(*k)++];
  json_t **key = LR_NEW(j->a, json_t *);
  *key = v;
  lr_map_put(&j->spans, lr_str_make((const char *)key, sizeof *key), sp);
  if (json_is_object(v)) {
    const char *name;
    json_t *m;
    json_object_foreach(v, name, m) pair_spans(j, m, sc, k);
  } else if (json_is_array(v)) {
    size_t i;
    json_t *m;
    json_array_foreach(v, i, m) pair_spans(j, m, sc, k);
  }
}

static span at_span(jl *j, json_t *v) {
  span *sp = v ? lr_map_get(&j->spans, lr_str_make((const char *)&v, sizeof v)) : NULL;
  return sp ? *sp : (span){0, 0};
}

/* ---- errors and paths --------------------------------------------------- */

static void jerr(jl *j, json_t *at, const char *code, const char *fmt, ...) LR_PRINTF(4, 5);
static void jerr(jl *j, json_t *at, const char *code, const char *fmt, ...) {
  span sp = at_span(j, at);
  lr_buf m = {0};
  va_list ap;
  va_start(ap, fmt);
  lr_buf_vprintf(&m, fmt, ap);
  va_end(ap);
  lr_diag_error(j->d, code, j->src, sp.off, sp.end, "%s: %s", j->path.p ? j->path.p : "$", m.p);
  lr_buf_free(&m);
}

static size_t path_push(jl *j, const char *key, size_t n) {
  size_t old = j->path.len;
  if (lr_schema_is_ident(lr_str_make(key, n))) {
    lr_buf_putc(&j->path, '.');
    lr_buf_append(&j->path, key, n);
  } else {
    lr_buf_putc(&j->path, '[');
    lr_buf_json_str(&j->path, key, n);
    lr_buf_putc(&j->path, ']');
  }
  return old;
}

static size_t path_index(jl *j, size_t i) {
  size_t old = j->path.len;
  lr_buf_printf(&j->path, "[%zu]", i);
  return old;
}

static void path_pop(jl *j, size_t old) {
  j->path.len = old;
  j->path.p[old] = 0;
}

static const char *kind_name(json_t *v) {
  switch (json_typeof(v)) {
  case JSON_OBJECT: return "an object";
  case JSON_ARRAY: return "an array";
  case JSON_STRING: return "a string";
  case JSON_INTEGER:
  case JSON_REAL: return "a number";
  case JSON_TRUE:
  case JSON_FALSE: return "a boolean";
  default: return "null";
  }
}

static bool want(jl *j, json_t *v, json_type t, const char *what) {
  if (json_typeof(v) == t) return true;
  jerr(j, v, LR_SCHEMA_E_JSON_SHAPE, "expected %s, found %s", what, kind_name(v));
  return false;
}

/* Reports fields of object o not named in allowed (a NULL-terminated list). */
static bool only_fields(jl *j, json_t *o, const char *const *allowed) {
  bool ok = true;
  const char *k;
  json_t *v;
  json_object_foreach(o, k, v) {
    bool known = false;
    for (const char *const *a = allowed; *a && !known; a++) known = strcmp(*a, k) == 0;
    if (!known) {
      size_t old = path_push(j, k, strlen(k));
      jerr(j, v, LR_SCHEMA_E_JSON_FIELD, "unknown field `%s`", k);
      path_pop(j, old);
      ok = false;
    }
  }
  return ok;
}

static lr_str jstr(jl *j, json_t *v) {
  return lr_str_dup(j->a, lr_str_make(json_string_value(v), json_string_length(v)));
}

/* A string naming a type or namespace path (`A::B`). */
static bool jpath(jl *j, json_t *v, const char *what, lr_str *out) {
  if (!want(j, v, JSON_STRING, "a string")) return false;
  lr_str s = jstr(j, v);
  if (!lr_schema_is_path(s)) {
    jerr(j, v, LR_SCHEMA_E_RESERVED, "`%.*s` is not a valid %s", (int)s.n, s.p, what);
    return false;
  }
  *out = s;
  return true;
}

static lr_schema_annots *jannots(jl *j, json_t *o) {
  lr_schema_annots *an = LR_NEW(j->a, lr_schema_annots);
  if (!o) return an;
  size_t old = path_push(j, "annotations", 11);
  if (want(j, o, JSON_OBJECT, "an object")) {
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
      size_t o2 = path_push(j, k, strlen(k));
      lr_str key = lr_str_c(k);
      if (!lr_schema_is_ident(key))
        jerr(j, v, LR_SCHEMA_E_RESERVED, "`%s` is not a valid annotation name", k);
      else if (json_is_null(v))
        lr_schema_annot_add(j->a, an, key, LR_STR(""), 0, 0, j->src, j->d);
      else if (want(j, v, JSON_STRING, "a string"))
        lr_schema_annot_add(j->a, an, key, jstr(j, v), 0, 0, j->src, j->d);
      path_pop(j, o2);
    }
  }
  path_pop(j, old);
  return an;
}

/* ---- types -------------------------------------------------------------- */

static lr_stype *jtype(jl *j, json_t *v, bool *required, lr_schema_annots **annots);

static lr_stype *ref_type(jl *j, json_t *at, lr_str name, int ref) {
  span sp = at_span(j, at);
  lr_stype *t = lr_stype_new(j->a, LR_STYPE_REF, sp.off, sp.end);
  t->name = name;
  t->ns = j->ns;
  t->ref = ref;
  return t;
}

static lr_stype *jrecord(jl *j, json_t *v, json_t *attrs) {
  span sp = at_span(j, v);
  lr_stype *t = lr_stype_new(j->a, LR_STYPE_RECORD, sp.off, sp.end);
  size_t old = path_push(j, "attributes", 10);
  if (!want(j, attrs, JSON_OBJECT, "an object")) {
    path_pop(j, old);
    return NULL;
  }
  t->attrs = LR_NEW_N(j->a, lr_sattr, json_object_size(attrs) + 1);
  bool ok = true;
  void *it = json_object_iter(attrs);
  for (; it; it = json_object_iter_next(attrs, it)) {
    const char *k = json_object_iter_key(it);
    size_t kn = json_object_iter_key_len(it);
    json_t *av = json_object_iter_value(it);
    size_t o2 = path_push(j, k, kn);
    lr_sattr *at = &t->attrs[t->nattrs];
    at->name = jkey(j, k, kn);
    span as = at_span(j, av);
    at->off = as.off, at->end = as.end;
    at->type = jtype(j, av, &at->required, &at->annots);
    if (at->type)
      t->nattrs++;
    else
      ok = false;
    path_pop(j, o2);
  }
  path_pop(j, old);
  return ok ? t : NULL;
}

/* Parses a type object. With required non-NULL it is an attribute and may
 * carry `required`; with annots non-NULL it may carry `annotations`. */
static lr_stype *jtype(jl *j, json_t *v, bool *required, lr_schema_annots **annots) {
  if (!want(j, v, JSON_OBJECT, "a type object")) return NULL;
  if (j->depth >= LR_SCHEMA_MAX_DEPTH) {
    jerr(j, v, LR_SCHEMA_E_NESTING, "types are nested deeper than %d levels", LR_SCHEMA_MAX_DEPTH);
    return NULL;
  }
  json_t *ty = json_object_get(v, "type");
  if (!ty) {
    jerr(j, v, LR_SCHEMA_E_JSON_SHAPE, "missing field `type`");
    return NULL;
  }
  size_t o = path_push(j, "type", 4);
  bool ok = want(j, ty, JSON_STRING, "a string");
  path_pop(j, o);
  if (!ok) return NULL;
  const char *tn = json_string_value(ty);
  const char *fields[8] = {"type"};
  int nf = 1;
  if (required) fields[nf++] = "required";
  if (annots) fields[nf++] = "annotations";
  json_t *req = json_object_get(v, "required");
  if (required) {
    *required = true;
    if (req) {
      size_t o3 = path_push(j, "required", 8);
      if (json_is_boolean(req))
        *required = json_is_true(req);
      else
        want(j, req, JSON_TRUE, "a boolean");
      path_pop(j, o3);
    }
  }
  if (annots) *annots = jannots(j, json_object_get(v, "annotations"));
  span sp = at_span(j, v);
  lr_stype *t = NULL;
  j->depth++;
  if (!strcmp(tn, "String") || !strcmp(tn, "Long") || !strcmp(tn, "Boolean")) {
    t = lr_stype_new(j->a,
                     tn[0] == 'S'   ? LR_STYPE_STRING
                     : tn[0] == 'L' ? LR_STYPE_LONG
                                    : LR_STYPE_BOOL,
                     sp.off, sp.end);
  } else if (!strcmp(tn, "Set")) {
    fields[nf++] = "element";
    json_t *el = json_object_get(v, "element");
    if (!el) {
      jerr(j, v, LR_SCHEMA_E_JSON_SHAPE, "missing field `element`");
    } else {
      size_t o3 = path_push(j, "element", 7);
      lr_stype *e = jtype(j, el, NULL, NULL);
      path_pop(j, o3);
      if (e) {
        t = lr_stype_new(j->a, LR_STYPE_SET, sp.off, sp.end);
        t->elem = e;
      }
    }
  } else if (!strcmp(tn, "Record")) {
    fields[nf++] = "attributes";
    fields[nf++] = "additionalAttributes";
    json_t *attrs = json_object_get(v, "attributes");
    json_t *more = json_object_get(v, "additionalAttributes");
    if (more && !json_is_false(more)) {
      size_t o3 = path_push(j, "additionalAttributes", 20);
      jerr(j, more, LR_SCHEMA_E_JSON_SHAPE, "only `false` is supported");
      path_pop(j, o3);
    }
    if (!attrs)
      jerr(j, v, LR_SCHEMA_E_JSON_SHAPE, "missing field `attributes`");
    else
      t = jrecord(j, v, attrs);
  } else if (!strcmp(tn, "Entity") || !strcmp(tn, "EntityOrCommon") || !strcmp(tn, "Extension")) {
    fields[nf++] = "name";
    json_t *nm = json_object_get(v, "name");
    lr_str name;
    size_t o3 = path_push(j, "name", 4);
    if (!nm) {
      jerr(j, v, LR_SCHEMA_E_JSON_SHAPE, "missing field `name`");
    } else if (tn[6] == 'i') { /* Extension */
      if (want(j, nm, JSON_STRING, "a string")) {
        t = lr_stype_new(j->a, LR_STYPE_EXTENSION, sp.off, sp.end);
        t->name = jstr(j, nm);
      }
    } else if (jpath(j, nm, tn[6] ? "type name" : "entity type name", &name)) {
      t = ref_type(j, v, name, tn[6] ? LR_REF_EITHER : LR_REF_ENTITY);
    }
    path_pop(j, o3);
  } else {
    lr_str name;
    size_t o3 = path_push(j, "type", 4);
    if (jpath(j, ty, "type name", &name)) t = ref_type(j, v, name, LR_REF_COMMON);
    path_pop(j, o3);
  }
  j->depth--;
  fields[nf] = NULL;
  if (!only_fields(j, v, fields)) return NULL;
  return t;
}

/* ---- declarations ------------------------------------------------------- */

static void jentity(jl *j, const char *k, size_t kn, json_t *v) {
  static const char *const fields[] = {"memberOfTypes", "shape",       "tags",
                                       "enum",          "annotations", NULL};
  if (!want(j, v, JSON_OBJECT, "an object")) return;
  only_fields(j, v, fields);
  lr_schema_entity *e = LR_NEW(j->a, lr_schema_entity);
  e->base = lr_str_dup(j->a, lr_str_make(k, kn));
  span sp = at_span(j, v);
  e->off = sp.off, e->end = sp.off + 1;
  if (!lr_schema_is_ident(e->base) || lr_schema_is_reserved(e->base))
    jerr(j, v, LR_SCHEMA_E_RESERVED, "`%s` is not a valid entity type name", k);
  e->ns = j->ns;
  e->name = lr_schema_join(j->a, j->ns, e->base);
  e->annots = jannots(j, json_object_get(v, "annotations"));
  json_t *mt = json_object_get(v, "memberOfTypes"), *shape = json_object_get(v, "shape");
  json_t *tags = json_object_get(v, "tags"), *en = json_object_get(v, "enum");
  if (en) {
    size_t o = path_push(j, "enum", 4);
    if (mt || shape || tags)
      jerr(j, v, LR_SCHEMA_E_JSON_FIELD, "an enumerated entity type has no %s",
           mt      ? "`memberOfTypes`"
           : shape ? "`shape`"
                   : "`tags`");
    if (want(j, en, JSON_ARRAY, "an array")) {
      if (json_array_size(en) == 0) jerr(j, en, LR_SCHEMA_E_JSON_SHAPE, "expected at least one id");
      e->is_enum = true;
      e->choices = LR_NEW_N(j->a, lr_str, json_array_size(en) + 1);
      size_t i;
      json_t *c;
      json_array_foreach(en, i, c) {
        size_t o2 = path_index(j, i);
        if (want(j, c, JSON_STRING, "a string")) e->choices[e->nchoices++] = jstr(j, c);
        path_pop(j, o2);
      }
    }
    path_pop(j, o);
  }
  if (mt) {
    size_t o = path_push(j, "memberOfTypes", 13);
    if (want(j, mt, JSON_ARRAY, "an array")) {
      e->parents = LR_NEW_N(j->a, lr_tref, json_array_size(mt) + 1);
      size_t i;
      json_t *c;
      json_array_foreach(mt, i, c) {
        size_t o2 = path_index(j, i);
        lr_tref *r = &e->parents[e->nparents];
        span cs = at_span(j, c);
        r->off = cs.off, r->end = cs.end;
        if (jpath(j, c, "entity type name", &r->raw)) e->nparents++;
        path_pop(j, o2);
      }
    }
    path_pop(j, o);
  }
  if (shape) {
    size_t o = path_push(j, "shape", 5);
    e->shape = jtype(j, shape, NULL, NULL);
    path_pop(j, o);
  }
  if (tags) {
    size_t o = path_push(j, "tags", 4);
    e->tags = jtype(j, tags, NULL, NULL);
    path_pop(j, o);
  }
  lr_ptrvec_push(j->a, &j->s->entities, e);
}

static void jtypes_list(jl *j, json_t *ap, const char *field, lr_tref **out, size_t *n) {
  json_t *l = json_object_get(ap, field);
  if (!l) {
    jerr(j, ap, LR_SCHEMA_E_JSON_SHAPE, "missing field `%s`", field);
    return;
  }
  size_t o = path_push(j, field, strlen(field));
  if (want(j, l, JSON_ARRAY, "an array")) {
    *out = LR_NEW_N(j->a, lr_tref, json_array_size(l) + 1);
    size_t i;
    json_t *c;
    json_array_foreach(l, i, c) {
      size_t o2 = path_index(j, i);
      lr_tref *r = &(*out)[*n];
      span cs = at_span(j, c);
      r->off = cs.off, r->end = cs.end;
      if (jpath(j, c, "entity type name", &r->raw)) (*n)++;
      path_pop(j, o2);
    }
  }
  path_pop(j, o);
}

static void jaction(jl *j, const char *k, size_t kn, json_t *v) {
  static const char *const fields[] = {"memberOf", "appliesTo", "attributes", "annotations", NULL};
  if (!want(j, v, JSON_OBJECT, "an object")) return;
  only_fields(j, v, fields);
  lr_schema_action *ac = LR_NEW(j->a, lr_schema_action);
  ac->id = lr_str_dup(j->a, lr_str_make(k, kn));
  ac->ns = j->ns;
  ac->type = lr_schema_join(j->a, j->ns, LR_STR("Action"));
  span sp = at_span(j, v);
  ac->off = sp.off, ac->end = sp.off + 1;
  ac->annots = jannots(j, json_object_get(v, "annotations"));
  json_t *attrs = json_object_get(v, "attributes");
  if (attrs && !(json_is_object(attrs) && json_object_size(attrs) == 0)) {
    size_t o = path_push(j, "attributes", 10);
    jerr(j, attrs, LR_SCHEMA_E_JSON_FIELD, "action attributes are not supported");
    path_pop(j, o);
  }
  json_t *mo = json_object_get(v, "memberOf");
  if (mo && !json_is_null(mo)) { /* null: no groups (an Option in Cedar) */
    size_t o = path_push(j, "memberOf", 8);
    if (want(j, mo, JSON_ARRAY, "an array")) {
      ac->parents = LR_NEW_N(j->a, lr_aref, json_array_size(mo) + 1);
      size_t i;
      json_t *c;
      json_array_foreach(mo, i, c) {
        static const char *const pf[] = {"id", "type", NULL};
        size_t o2 = path_index(j, i);
        if (want(j, c, JSON_OBJECT, "an object") && only_fields(j, c, pf)) {
          lr_aref *r = &ac->parents[ac->nparents];
          span cs = at_span(j, c);
          r->off = cs.off, r->end = cs.end;
          json_t *id = json_object_get(c, "id"), *ty = json_object_get(c, "type");
          bool ok = true;
          if (!id)
            jerr(j, c, LR_SCHEMA_E_JSON_SHAPE, "missing field `id`"), ok = false;
          else if (!want(j, id, JSON_STRING, "a string"))
            ok = false;
          if (ty) {
            size_t o3 = path_push(j, "type", 4);
            ok = jpath(j, ty, "action type", &r->type_raw) && ok;
            path_pop(j, o3);
          }
          if (ok) {
            r->id = jstr(j, id);
            ac->nparents++;
          }
        }
        path_pop(j, o2);
      }
    }
    path_pop(j, o);
  }
  json_t *ap = json_object_get(v, "appliesTo");
  if (ap && !json_is_null(ap)) {
    static const char *const af[] = {"principalTypes", "resourceTypes", "context", NULL};
    size_t o = path_push(j, "appliesTo", 9);
    if (want(j, ap, JSON_OBJECT, "an object")) {
      only_fields(j, ap, af);
      ac->applies = true;
      jtypes_list(j, ap, "principalTypes", &ac->types[0], &ac->ntypes[0]);
      jtypes_list(j, ap, "resourceTypes", &ac->types[1], &ac->ntypes[1]);
      json_t *ctx = json_object_get(ap, "context");
      if (ctx) {
        size_t o2 = path_push(j, "context", 7);
        ac->context = jtype(j, ctx, NULL, NULL);
        path_pop(j, o2);
      }
    }
    path_pop(j, o);
  }
  lr_ptrvec_push(j->a, &j->s->actions, ac);
}

static void jcommon(jl *j, const char *k, size_t kn, json_t *v) {
  lr_schema_common *t = LR_NEW(j->a, lr_schema_common);
  t->base = lr_str_dup(j->a, lr_str_make(k, kn));
  span sp = at_span(j, v);
  t->off = sp.off, t->end = sp.off + 1;
  if (!lr_schema_is_ident(t->base) || lr_schema_is_reserved(t->base)) {
    jerr(j, v, LR_SCHEMA_E_RESERVED, "`%s` is not a valid common type name", k);
    return;
  }
  t->ns = j->ns;
  t->name = lr_schema_join(j->a, j->ns, t->base);
  t->def = jtype(j, v, NULL, &t->annots);
  if (t->def) lr_ptrvec_push(j->a, &j->s->commons, t);
}

typedef void (*member_fn)(jl *j, const char *k, size_t kn, json_t *v);

static void each_member(jl *j, json_t *ns, const char *field, member_fn fn, bool needed) {
  json_t *o = json_object_get(ns, field);
  if (!o) {
    if (needed) jerr(j, ns, LR_SCHEMA_E_JSON_SHAPE, "missing field `%s`", field);
    return;
  }
  size_t old = path_push(j, field, strlen(field));
  if (want(j, o, JSON_OBJECT, "an object")) {
    for (void *it = json_object_iter(o); it; it = json_object_iter_next(o, it)) {
      const char *k = json_object_iter_key(it);
      size_t kn = json_object_iter_key_len(it);
      lr_str key = jkey(j, k, kn);
      size_t o2 = path_push(j, key.p, key.n);
      fn(j, key.p, key.n, json_object_iter_value(it));
      path_pop(j, o2);
    }
  }
  path_pop(j, old);
}

static void jnamespace(jl *j, const char *k, size_t kn, json_t *v) {
  static const char *const fields[] = {"commonTypes", "entityTypes", "actions", "annotations",
                                       NULL};
  if (!want(j, v, JSON_OBJECT, "an object")) return;
  only_fields(j, v, fields);
  lr_str name = lr_str_dup(j->a, lr_str_make(k, kn));
  if (name.n && !lr_schema_is_path(name)) {
    jerr(j, v, LR_SCHEMA_E_RESERVED, "`%s` is not a valid namespace name", k);
    return;
  }
  lr_schema_ns *ns = LR_NEW(j->a, lr_schema_ns);
  ns->name = name;
  span sp = at_span(j, v);
  ns->off = sp.off, ns->end = sp.off + 1;
  ns->annots = jannots(j, json_object_get(v, "annotations"));
  if (name.n) lr_ptrvec_push(j->a, &j->s->nss, ns);
  j->ns = name;
  each_member(j, v, "commonTypes", jcommon, false);
  each_member(j, v, "entityTypes", jentity, true);
  each_member(j, v, "actions", jaction, true);
  j->ns = (lr_str){"", 0};
}

lr_schema *lr_schema_parse_json(const lr_source *src, lr_diags *d) {
  json_error_t je;
  lr_buf marked = {0};
  bool nul_marked = mark_nul_keys(src->text, src->len, &marked);
  json_t *root = NULL;
  if (nul_marked)
    root = json_loadb(marked.p, marked.len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
  lr_buf_free(&marked);
  if (!root) /* (errors are reported against the original text) */
    root = json_loadb(src->text, src->len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je),
    nul_marked = false;
  if (!root) {
    size_t off = je.position > 0 ? (size_t)je.position : 0;
    /* jansson's position is just past the offending character. */
    if (off > 0 && off <= src->len) off--;
    lr_diag_error(d, LR_SCHEMA_E_JSON, src, off, off + 1, "invalid JSON: %s", je.text);
    return NULL;
  }
  lr_schema *s = lr_schema_new(src, LR_SCHEMA_JSON);
  jl j = {.s = s, .a = s->arena, .src = src, .d = d, .ns = {"", 0}, .nul_marked = nul_marked};
  scan sc = {.t = src->text, .n = src->len};
  scan_value(&sc);
  size_t k = 0;
  pair_spans(&j, root, &sc, &k);
  free(sc.v);
  size_t errors0 = d->errors;
  lr_buf_puts(&j.path, "$");
  if (want(&j, root, JSON_OBJECT, "an object of namespaces")) {
    for (void *it = json_object_iter(root); it; it = json_object_iter_next(root, it)) {
      const char *key = json_object_iter_key(it);
      size_t kn = json_object_iter_key_len(it);
      size_t o = path_push(&j, key, kn);
      jnamespace(&j, key, kn, json_object_iter_value(it));
      path_pop(&j, o);
    }
  }
  lr_buf_free(&j.path);
  lr_map_free(&j.spans);
  json_decref(root);
  if (d->errors != errors0) {
    lr_schema_free(s);
    return NULL;
  }
  return s;
}
