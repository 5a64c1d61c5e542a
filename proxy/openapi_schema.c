/*
 * openapi_schema.c — JSON Schema typing for request arguments (openapi.h):
 * compiling a Schema Object (OpenAPI 3.0 §4.7.24, 3.1 §4.8.24 = JSON Schema
 * 2020-12 subset: type, properties, items, allOf/oneOf/anyOf, local $ref)
 * and converting hot-path JSON tokens or text parameters with it.
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "openapi.h"
#include "openapi_int.h"

struct lr_jtype {
  lr_jtype_kind kind;
  const lr_jtype *items;
  size_t nprops;
  lr_str *names; /* sorted bytewise */
  const lr_jtype **props;
};

lr_jtype_kind lr_jtype_kind_of(const lr_jtype *t) { return t ? t->kind : LR_JT_ANY; }
const lr_jtype *lr_jtype_items(const lr_jtype *t) { return t ? t->items : NULL; }

void oa_error(lr_diags *d, const char *file, const char *path, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  lr_diag_error(d, "OA001", NULL, 0, 0, "%s: %s: %s", file ? file : "<openapi>",
                path && *path ? path : "(top)", msg);
}

const json_t *oa_resolve_ref(const json_t *root, const char *ref) {
  if (!ref || ref[0] != '#') return NULL;
  const json_t *cur = root;
  const char *p = ref + 1;
  while (*p == '/') {
    p++;
    const char *end = strchr(p, '/');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    char tok[256];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) { /* RFC 6901 §4: ~1 → "/", ~0 → "~" */
      if (k + 1 >= sizeof tok) return NULL;
      if (p[i] == '~' && i + 1 < n && (p[i + 1] == '0' || p[i + 1] == '1')) {
        tok[k++] = p[i + 1] == '0' ? '~' : '/';
        i++;
      } else {
        tok[k++] = p[i];
      }
    }
    tok[k] = 0;
    if (json_is_object(cur)) {
      cur = json_object_get(cur, tok);
    } else if (json_is_array(cur)) {
      char *e;
      unsigned long idx = strtoul(tok, &e, 10);
      cur = (*e || !k) ? NULL : json_array_get(cur, idx);
    } else {
      cur = NULL;
    }
    if (!cur) return NULL;
    p += n;
  }
  return *p ? NULL : cur;
}

typedef struct jcx {
  lr_arena *a;
  const json_t *root;
  const char *file;
  lr_diags *d;
  lr_map refs; /* "$ref" string → its lr_jtype (memo; makes cycles finite) */
  int depth;
} jcx;

#define MAX_SCHEMA_DEPTH 64

static lr_status compile_into(jcx *c, const json_t *s, const char *path, lr_jtype *t);

static lr_status compile_new(jcx *c, const json_t *s, const char *path, const lr_jtype **out) {
  const json_t *ref = json_is_object(s) ? json_object_get(s, "$ref") : NULL;
  if (ref) {
    const char *r = json_string_value(ref);
    if (!r || r[0] != '#') {
      oa_error(c->d, c->file, path, "only local \"$ref\": \"#/...\" references are supported");
      return LR_ERR;
    }
    lr_jtype *memo = lr_map_get(&c->refs, lr_str_c(r));
    if (memo) {
      *out = memo;
      return LR_OK;
    }
    const json_t *target = oa_resolve_ref(c->root, r);
    if (!target) {
      oa_error(c->d, c->file, path, "$ref \"%s\" does not resolve", r);
      return LR_ERR;
    }
    lr_jtype *t = LR_NEW(c->a, lr_jtype);
    lr_map_put(&c->refs, lr_str_c(r), t);
    *out = t;
    return compile_into(c, target, lr_arena_sprintf(c->a, "%s(%s)", path, r), t);
  }
  lr_jtype *t = LR_NEW(c->a, lr_jtype);
  *out = t;
  return compile_into(c, s, path, t);
}

static lr_jtype_kind kind_named(const char *s) {
  if (!s) return LR_JT_ANY;
  if (!strcmp(s, "string")) return LR_JT_STRING;
  if (!strcmp(s, "integer")) return LR_JT_INTEGER;
  if (!strcmp(s, "number")) return LR_JT_NUMBER;
  if (!strcmp(s, "boolean")) return LR_JT_BOOLEAN;
  if (!strcmp(s, "array")) return LR_JT_ARRAY;
  if (!strcmp(s, "object")) return LR_JT_OBJECT;
  return LR_JT_ANY; /* "null" and unknown names */
}

static const lr_jtype *prop_type(const lr_jtype *t, lr_str key);

/* Sorts names and props together (load time; insertion sort). The lookup
 * in prop_type is a binary search, so t must be sorted before use; while
 * merging, prop_type is only asked about the sorted prefix. */
static void sort_props(lr_jtype *t) {
  lr_str *names = (lr_str *)t->names;
  const lr_jtype **props = t->props;
  for (size_t i = 1; i < t->nprops; i++)
    for (size_t j = i; j > 0 && lr_str_cmp(names[j - 1], names[j]) > 0; j--) {
      lr_str tn = names[j];
      names[j] = names[j - 1];
      names[j - 1] = tn;
      const lr_jtype *tp = props[j];
      props[j] = props[j - 1];
      props[j - 1] = tp;
    }
}

/* Adds the properties of object p (compiled) to t, first definition wins. */
static lr_status add_props(jcx *c, const json_t *p, const char *path, lr_jtype *t) {
  if (!json_is_object(p)) {
    oa_error(c->d, c->file, path, "\"properties\" must be an object");
    return LR_ERR;
  }
  size_t extra = json_object_size(p);
  lr_str *names = LR_NEW_N(c->a, lr_str, t->nprops + extra);
  const lr_jtype **props = LR_NEW_N(c->a, const lr_jtype *, t->nprops + extra);
  if (t->nprops) {
    memcpy(names, t->names, t->nprops * sizeof *names);
    memcpy(props, t->props, t->nprops * sizeof *props);
  }
  size_t n = t->nprops;
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)p, key, v) {
    lr_str k = lr_str_dup(c->a, lr_str_c(key));
    bool seen = false;
    for (size_t i = 0; i < n && !seen; i++) seen = lr_str_eq(names[i], k);
    if (seen) continue;
    const lr_jtype *sub;
    if (compile_new(c, v, lr_arena_sprintf(c->a, "%s.properties[\"%s\"]", path, key), &sub) !=
        LR_OK)
      return LR_ERR;
    names[n] = k;
    props[n++] = sub;
  }
  t->names = names;
  t->props = props;
  t->nprops = n;
  sort_props(t);
  return LR_OK;
}

/* Adds the properties of sub not yet in t (allOf). */
static void merge_props(jcx *c, lr_jtype *t, const lr_jtype *sub) {
  if (!sub->nprops) return;
  lr_str *names = LR_NEW_N(c->a, lr_str, t->nprops + sub->nprops);
  const lr_jtype **props = LR_NEW_N(c->a, const lr_jtype *, t->nprops + sub->nprops);
  size_t n = t->nprops;
  if (n) {
    memcpy(names, t->names, n * sizeof *names);
    memcpy(props, t->props, n * sizeof *props);
  }
  for (size_t i = 0; i < sub->nprops; i++)
    if (!prop_type(t, sub->names[i])) names[n] = sub->names[i], props[n++] = sub->props[i];
  t->names = names;
  t->props = props;
  t->nprops = n;
  sort_props(t);
}

static lr_status compile_into(jcx *c, const json_t *s, const char *path, lr_jtype *t) {
  t->kind = LR_JT_ANY;
  if (json_is_boolean(s)) return LR_OK; /* 3.1: true / false schemas */
  if (!json_is_object(s)) {
    oa_error(c->d, c->file, path, "a schema must be an object");
    return LR_ERR;
  }
  if (++c->depth > MAX_SCHEMA_DEPTH) {
    oa_error(c->d, c->file, path, "schema nested deeper than %d", MAX_SCHEMA_DEPTH);
    return LR_ERR;
  }
  lr_status st = LR_OK;
  const json_t *ty = json_object_get(s, "type");
  if (json_is_string(ty)) {
    t->kind = kind_named(json_string_value(ty));
  } else if (json_is_array(ty)) { /* 3.1: ["integer", "null"] → the first non-null */
    size_t i;
    json_t *e;
    json_array_foreach(ty, i, e) {
      lr_jtype_kind k = kind_named(json_string_value(e));
      if (k != LR_JT_ANY) {
        t->kind = k;
        break;
      }
    }
  } else if (ty) {
    oa_error(c->d, c->file, path, "\"type\" must be a string or an array of strings");
    st = LR_ERR;
  }
  const json_t *props = json_object_get(s, "properties");
  if (st == LR_OK && props) {
    if (t->kind == LR_JT_ANY) t->kind = LR_JT_OBJECT;
    st = add_props(c, props, path, t);
  }
  const json_t *items = json_object_get(s, "items");
  if (st == LR_OK && items && !json_is_boolean(items)) {
    if (t->kind == LR_JT_ANY) t->kind = LR_JT_ARRAY;
    st = compile_new(c, items, lr_arena_sprintf(c->a, "%s.items", path), &t->items);
  }
  /* allOf: the members' constraints all hold, so their types and properties
   * add up; oneOf/anyOf: typed only when every member agrees on a scalar type */
  static const char *const combos[] = {"allOf", "oneOf", "anyOf"};
  for (int k = 0; k < 3 && st == LR_OK; k++) {
    const json_t *arr = json_object_get(s, combos[k]);
    if (!arr) continue;
    if (!json_is_array(arr)) {
      oa_error(c->d, c->file, path, "\"%s\" must be an array", combos[k]);
      st = LR_ERR;
      break;
    }
    lr_jtype_kind agreed = LR_JT_ANY;
    bool agree = true;
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) {
      const lr_jtype *sub;
      const char *sp = lr_arena_sprintf(c->a, "%s.%s[%zu]", path, combos[k], i);
      if ((st = compile_new(c, e, sp, &sub)) != LR_OK) break;
      if (k == 0) {
        if (t->kind == LR_JT_ANY) t->kind = sub->kind;
        if (!t->items) t->items = sub->items;
        merge_props(c, t, sub);
      } else {
        if (i == 0)
          agreed = sub->kind;
        else if (sub->kind != agreed)
          agree = false;
      }
    }
    if (k > 0 && st == LR_OK && agree && t->kind == LR_JT_ANY && agreed != LR_JT_OBJECT &&
        agreed != LR_JT_ARRAY)
      t->kind = agreed;
  }
  c->depth--;
  return st;
}

lr_status lr_jtype_compile(lr_arena *a, const json_t *schema, const json_t *root, const char *file,
                           const char *path, lr_diags *d, const lr_jtype **out) {
  *out = NULL;
  if (!schema) return LR_OK;
  jcx c = {.a = a, .root = root, .file = file, .d = d};
  lr_status st = compile_new(&c, schema, path ? path : "", out);
  lr_map_free(&c.refs);
  return st;
}

/* ---- conversion ------------------------------------------------------------ */

static const lr_jtype *prop_type(const lr_jtype *t, lr_str key) {
  size_t lo = 0, hi = t->nprops;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    int c = lr_str_cmp(t->names[mid], key);
    if (c == 0) return t->props[mid];
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

/* "-?digits" → *v; false on anything else or overflow. */
static bool parse_long(lr_str s, int64_t *v) {
  size_t i = 0;
  bool neg = s.n > 0 && s.p[0] == '-';
  if (neg) i++;
  if (i == s.n || s.n - i > 19) return false;
  uint64_t acc = 0;
  for (; i < s.n; i++) {
    if (s.p[i] < '0' || s.p[i] > '9') return false;
    acc = acc * 10 + (uint64_t)(s.p[i] - '0');
  }
  if (acc > (uint64_t)INT64_MAX + (neg ? 1u : 0u)) return false;
  *v = neg ? (int64_t)(0 - acc) : (int64_t)acc;
  return true;
}

static const char *child_path(lr_arena *a, const char *path, lr_str key) {
  return path && *path ? lr_arena_sprintf(a, "%s.%.*s", path, (int)key.n, key.p)
                       : lr_arena_strndup(a, key.p, key.n);
}

lr_status lr_jtype_value(lr_arena *a, const lr_jtype *type, const lr_jfast_doc *d, uint32_t t,
                         const char *path, lr_value *out, lr_jfast_err *err) {
  const lr_jfast_tok *tok = &d->toks[t];
  if (!type) return lr_jfast_value(a, d, t, path, out, err);
  if (type->kind == LR_JT_NUMBER && tok->kind == LR_JFAST_NUMBER &&
      !(tok->flags & (LR_JFAST_F_FRAC | LR_JFAST_F_EXP))) {
    int64_t v;
    if (!parse_long(lr_jfast_raw(d, t), &v) || v > INT64_MAX / 10000 || v < INT64_MIN / 10000) {
      *err = (lr_jfast_err){tok->start, path ? path : "", "number out of the decimal range"};
      return LR_ERR;
    }
    *out = lr_value_decimal(v * 10000);
    return LR_OK;
  }
  if (type->kind == LR_JT_INTEGER && tok->kind == LR_JFAST_NUMBER &&
      (tok->flags & LR_JFAST_F_FRAC) && !(tok->flags & LR_JFAST_F_EXP)) {
    lr_str raw = lr_jfast_raw(d, t);
    const char *dot = memchr(raw.p, '.', raw.n);
    bool zeros = dot != NULL;
    for (const char *p = dot ? dot + 1 : raw.p; zeros && p < raw.p + raw.n; p++) zeros = *p == '0';
    int64_t v;
    if (zeros && parse_long(lr_str_make(raw.p, (size_t)(dot - raw.p)), &v)) {
      *out = lr_value_long(v);
      return LR_OK;
    }
    return lr_jfast_value(a, d, t, path, out, err);
  }
  if (type->kind == LR_JT_OBJECT && type->nprops && tok->kind == LR_JFAST_OBJECT) {
    lr_field *fs = LR_NEW_N(a, lr_field, tok->size ? tok->size : 1);
    size_t n = 0;
    for (uint32_t k = t + 1, m = 0; m < tok->size; m++) {
      uint32_t v = k + 1;
      lr_str key = lr_jfast_string(a, d, k);
      if (d->toks[v].kind != LR_JFAST_NULL) {
        fs[n].key = key;
        if (lr_jtype_value(a, prop_type(type, key), d, v, child_path(a, path, key), &fs[n].value,
                           err) != LR_OK)
          return LR_ERR;
        n++;
      }
      k = d->toks[v].next;
    }
    if (lr_value_record(a, fs, n, out, NULL) != LR_OK) {
      *err = (lr_jfast_err){tok->start, path ? path : "", "duplicate key"};
      return LR_ERR;
    }
    return LR_OK;
  }
  if (type->kind == LR_JT_ARRAY && type->items && tok->kind == LR_JFAST_ARRAY) {
    lr_value *vs = LR_NEW_N(a, lr_value, tok->size ? tok->size : 1);
    uint32_t k = t + 1;
    for (uint32_t m = 0; m < tok->size; m++) {
      const char *ep = lr_arena_sprintf(a, "%s[%u]", path ? path : "", m);
      if (d->toks[k].kind == LR_JFAST_NULL) {
        *err = (lr_jfast_err){d->toks[k].start, ep, "null in an array"};
        return LR_ERR;
      }
      if (lr_jtype_value(a, type->items, d, k, ep, &vs[m], err) != LR_OK) return LR_ERR;
      k = d->toks[k].next;
    }
    *out = lr_value_set(a, vs, tok->size);
    return LR_OK;
  }
  return lr_jfast_value(a, d, t, path, out, err);
}

lr_status lr_jtype_text(lr_arena *a, const lr_jtype *type, lr_str text, lr_value *out,
                        const char **why) {
  int64_t v;
  switch (lr_jtype_kind_of(type)) {
  case LR_JT_INTEGER:
    if (!parse_long(text, &v)) {
      *why = "expected an integer";
      return LR_ERR;
    }
    *out = lr_value_long(v);
    return LR_OK;
  case LR_JT_NUMBER:
    if (memchr(text.p, '.', text.n)) {
      const char *e;
      if (lr_decimal_parse(text, &v, &e) != LR_OK) {
        *why = "expected a number with at most 4 fraction digits";
        return LR_ERR;
      }
    } else if (!parse_long(text, &v) || v > INT64_MAX / 10000 || v < INT64_MIN / 10000) {
      *why = "expected a number";
      return LR_ERR;
    } else {
      v *= 10000;
    }
    *out = lr_value_decimal(v);
    return LR_OK;
  case LR_JT_BOOLEAN:
    if (lr_str_eq(text, LR_STR("true")) || lr_str_eq(text, LR_STR("false"))) {
      *out = lr_value_bool(text.n == 4);
      return LR_OK;
    }
    *why = "expected true or false";
    return LR_ERR;
  default: *out = lr_value_string(a, text); return LR_OK;
  }
}

typedef struct ordered_param {
  lr_rest_param p;
  size_t idx;
} ordered_param;

static int cmp_param(const void *x, const void *y) {
  const ordered_param *a = x, *b = y;
  int c = lr_str_cmp(a->p.name, b->p.name);
  return c ? c : (a->idx > b->idx) - (a->idx < b->idx);
}

lr_status lr_rest_query_record(lr_arena *a, const lr_rest_param *ps, size_t n, lr_value *out) {
  /* sorted by name, equal names in query order */
  ordered_param *op = LR_NEW_N(a, ordered_param, n ? n : 1);
  for (size_t i = 0; i < n; i++) op[i] = (ordered_param){ps[i], i};
  if (n > 1) qsort(op, n, sizeof *op, cmp_param);
  lr_rest_param *sorted = LR_NEW_N(a, lr_rest_param, n ? n : 1);
  for (size_t i = 0; i < n; i++) sorted[i] = op[i].p;
  lr_field *fs = LR_NEW_N(a, lr_field, n ? n : 1);
  size_t nf = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    while (j < n && lr_str_eq(sorted[j].name, sorted[i].name)) j++;
    fs[nf].key = sorted[i].name;
    if (j - i == 1) {
      fs[nf].value = lr_value_string(a, sorted[i].value);
    } else {
      lr_value *vs = LR_NEW_N(a, lr_value, j - i);
      for (size_t k = i; k < j; k++) vs[k - i] = lr_value_string(a, sorted[k].value);
      fs[nf].value = lr_value_set(a, vs, j - i);
    }
    nf++;
    i = j;
  }
  return lr_value_record(a, fs, nf, out, NULL);
}
