/*
 * json_value.c — Cedar's JSON value format to lr_value, with and without a
 * schema (cedar-policy-core/src/entities/json/value.rs; docs.cedarpolicy.com
 * "Entities & context syntax").
 *
 * Without a schema (expected == NULL):
 *   true/false → bool, integer → long, string → string, array → set,
 *   object → record, except the escapes
 *     {"__entity": {"type": "T", "id": "x"}}           → entity T::"x"
 *     {"__extn": {"fn": "decimal", "arg": "1.23"}}     → decimal("1.23")
 *     {"__extn": {"fn": "offset", "args": [d, dur]}}   → d.offset(dur)
 *   An escape whose body does not have that shape is read as an ordinary
 *   record, as Cedar's untagged serde enum does. `__expr` is refused; null
 *   and fractions are not Cedar values.
 * With an expected schema type (schema-based parsing):
 *   entity     {"type","id"} alone is accepted (implicit `__entity`)
 *   extension  a plain value is the argument of the type's constructor
 *              ("10.0.0.1" for ipaddr), {"fn","arg"} an implicit `__extn`
 *   set/record elements and attributes are parsed with their declared types;
 *              a missing required or an undeclared attribute is an error
 *   and the result must have the expected type ("expected a long, got a
 *   string"), entity types included.
 */
#include <string.h>

#include "json_internal.h"
#include "policy.h"
#include "schema.h"

static const char *article(const char *noun) { return strchr("aeiou", noun[0]) ? "an" : "a"; }

void json_kind_phrase(int k, lr_buf *out) {
  const char *n = lr_vkind_name((lr_vkind)k);
  lr_buf_printf(out, "%s %s", article(n), n);
}

/* "a long", "an entity of type `User`", "a set of ..." for messages. */
static void stype_phrase(const lr_stype *t, lr_buf *out) {
  switch (lr_stype_get_kind(t)) {
  case LR_STYPE_BOOL: lr_buf_puts(out, "a bool"); return;
  case LR_STYPE_LONG: lr_buf_puts(out, "a long"); return;
  case LR_STYPE_STRING: lr_buf_puts(out, "a string"); return;
  case LR_STYPE_SET: lr_buf_puts(out, "a set"); return;
  case LR_STYPE_RECORD: lr_buf_puts(out, "a record"); return;
  case LR_STYPE_ENTITY: {
    lr_str n = lr_stype_name(t);
    lr_buf_printf(out, "an entity of type `%.*s`", (int)n.n, n.p);
    return;
  }
  case LR_STYPE_EXTENSION: {
    lr_str n = lr_stype_name(t);
    lr_buf_printf(out, "%s %.*s", strchr("aeiou", n.n ? n.p[0] : 'x') ? "an" : "a", (int)n.n, n.p);
    return;
  }
  }
}

static lr_status mismatch(json_cx *c, const lr_stype *want, const char *got) {
  lr_buf w = {0};
  stype_phrase(want, &w);
  json_error(c->d, LR_JSON_E_SHAPE, c->file, &c->path, "expected %s, got %s", w.p, got);
  lr_buf_free(&w);
  return LR_ERR;
}

static lr_status mismatch_value(json_cx *c, const lr_stype *want, lr_value v) {
  lr_buf g = {0};
  json_kind_phrase(v.kind, &g);
  if (v.kind == LR_V_ENTITY)
    lr_buf_printf(&g, " of type `%.*s`", (int)v.u.uid->type.n, v.u.uid->type.p);
  lr_status st = mismatch(c, want, g.p);
  lr_buf_free(&g);
  return st;
}

static bool is_str(const json_t *j) { return j && json_is_string(j); }
static lr_str jstr(const json_t *j) {
  return lr_str_make(json_string_value(j), json_string_length(j));
}

/* The body of an `__entity` escape or an implicit one: an object with string
 * "type" and "id" (other members are ignored, as serde does). */
static bool type_and_id(const json_t *j, lr_str *type, lr_str *id) {
  if (!json_is_object(j)) return false;
  const json_t *t = json_object_get(j, "type"), *i = json_object_get(j, "id");
  if (!is_str(t) || !is_str(i)) return false;
  *type = jstr(t), *id = jstr(i);
  return true;
}

/* The body of an `__extn` escape: {"fn": name, "arg": v} or {"fn", "args": [..]}. */
static bool fn_and_args(const json_t *j) {
  if (!json_is_object(j)) return false;
  const json_t *fn = json_object_get(j, "fn");
  if (!is_str(fn)) return false;
  const json_t *arg = json_object_get(j, "arg"), *args = json_object_get(j, "args");
  return arg || json_is_array(args);
}

bool json_valid_type_name(lr_str s) {
  /* Name ::= Ident ('::' Ident)*, Ident ::= [_a-zA-Z][_a-zA-Z0-9]* ; no
   * whitespace (Cedar's from_normalized_str). */
  size_t i = 0;
  for (;;) {
    if (i >= s.n) return false;
    char ch = s.p[i];
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_')) return false;
    size_t start = i;
    while (i < s.n && ((s.p[i] >= 'a' && s.p[i] <= 'z') || (s.p[i] >= 'A' && s.p[i] <= 'Z') ||
                       (s.p[i] >= '0' && s.p[i] <= '9') || s.p[i] == '_'))
      i++;
    /* Cedar's reserved identifiers cannot name types */
    static const char *const reserved[] = {"true", "false", "if",   "then", "else",
                                           "in",   "is",    "like", "has",  "__cedar"};
    for (size_t r = 0; r < sizeof reserved / sizeof *reserved; r++)
      if (strlen(reserved[r]) == i - start && memcmp(reserved[r], s.p + start, i - start) == 0)
        return false;
    if (i == s.n) return true;
    if (i + 2 >= s.n || s.p[i] != ':' || s.p[i + 1] != ':') return false;
    i += 2;
  }
}

lr_status json_make_uid(json_cx *c, lr_str type, lr_str id, const lr_uid **out) {
  if (!json_valid_type_name(type)) {
    json_error(c->d, LR_JSON_E_VALUE, c->file, &c->path, "invalid entity type name \"%.*s\"",
               (int)type.n, type.p);
    return LR_ERR;
  }
  *out = lr_uid_new(c->a, type, id);
  return LR_OK;
}

lr_status json_check_enum(json_cx *c, const lr_uid *uid) {
  const lr_schema_entity *et = c->schema ? lr_schema_entity_find(c->schema, uid->type) : NULL;
  if (!et || lr_schema_entity_allows_id(et, uid->id)) return LR_OK;
  lr_buf u = {0};
  lr_uid_print(uid, &u);
  json_error(c->d, LR_JSON_E_SCHEMA, c->file, &c->path,
             "entity `%s` is not one of the ids its enumerated type allows", u.p);
  lr_buf_free(&u);
  return LR_ERR;
}

lr_status json_uid(json_cx *c, const json_t *j, const lr_uid **out) {
  lr_str type, id;
  if (json_is_object(j)) {
    const json_t *esc = json_object_get(j, "__entity");
    if (esc && type_and_id(esc, &type, &id)) return json_make_uid(c, type, id, out);
    if (is_str(json_object_get(j, "__expr"))) {
      json_error(c->d, LR_JSON_E_SHAPE, c->file, &c->path,
                 "the `__expr` escape is no longer supported");
      return LR_ERR;
    }
    /* a malformed `__entity` body falls through to the implicit form, as
     * serde's untagged EntityUidJson does */
    if (type_and_id(j, &type, &id)) return json_make_uid(c, type, id, out);
  }
  json_error(c->d, LR_JSON_E_SHAPE, c->file, &c->path,
             "expected an entity reference ({\"type\": ..., \"id\": ...} or {\"__entity\": "
             "{...}}), got %s",
             json_kind_name(j));
  return LR_ERR;
}

static lr_status plain(json_cx *c, const json_t *j, lr_value *out);

/* Is fn an extension method (method-style call) or function? */
static bool is_ext_method(lr_str fn) {
  for (int m = LR_METHOD_LESS_THAN; m < LR_METHOD__COUNT; m++)
    if (lr_str_eq_c(fn, lr_method_name((lr_method)m))) return true;
  return false;
}

static bool is_ext_function(lr_str fn) {
  for (int f = 0; f < LR_FUNC__COUNT; f++)
    if (lr_str_eq_c(fn, lr_func_name((lr_func)f))) return true;
  return false;
}

/* Any other extension function call (`{"fn": "offset", "args": [...]}`,
 * `lessThan`, `toDate`, ...): written as Cedar text from the argument
 * values (lr_value_print re-reads to equal values) and evaluated by the
 * evaluator, so JSON calls mean exactly what policy calls mean. */
static lr_status extn_eval(json_cx *c, lr_str fn, const lr_value *vals, size_t n, lr_value *out) {
  bool method = is_ext_method(fn);
  if (!method && !is_ext_function(fn)) {
    json_error(c->d, LR_JSON_E_VALUE, c->file, &c->path, "extension function `%.*s` does not exist",
               (int)fn.n, fn.p);
    return LR_ERR;
  }
  if (method && n == 0) {
    json_error(c->d, LR_JSON_E_VALUE, c->file, &c->path,
               "`%.*s` needs the value it is called on as its first argument", (int)fn.n, fn.p);
    return LR_ERR;
  }
  lr_buf text = {0};
  size_t first = 0;
  if (method) {
    lr_buf_putc(&text, '(');
    lr_value_print(vals[0], &text);
    lr_buf_puts(&text, ").");
    first = 1;
  }
  lr_buf_printf(&text, "%.*s(", (int)fn.n, fn.p);
  for (size_t i = first; i < n; i++) {
    if (i > first) lr_buf_puts(&text, ", ");
    lr_value_print(vals[i], &text);
  }
  lr_buf_putc(&text, ')');
  /* the AST (and any string it lends the result) lives in c->a */
  lr_source *src = LR_NEW(c->a, lr_source);
  *src = (lr_source){"<__extn>", lr_arena_strndup(c->a, text.p, text.len), text.len};
  lr_buf_free(&text);
  lr_diags pd = {0};
  lr_expr *e = NULL;
  lr_status st = lr_parse_expr(c->a, src, &pd, &e);
  if (st != LR_OK) {
    json_error(c->d, LR_JSON_E_VALUE, c->file, &c->path, "invalid call of `%.*s`: %s", (int)fn.n,
               fn.p, pd.n ? pd.items[0].msg : "syntax error");
  } else {
    lr_request req = {.context = lr_value_empty_record()};
    lr_eval_env env = {.req = &req, .arena = c->a};
    lr_eval_error err = {0};
    st = lr_eval_expr(&env, e, out, &err);
    if (st != LR_OK)
      json_error(c->d, LR_JSON_E_VALUE, c->file, &c->path, "%.*s: %s", (int)fn.n, fn.p,
                 err.msg ? err.msg : "evaluation error");
  }
  lr_diags_free(&pd);
  return st;
}

/* Calls extension function fn on the arguments of an `__extn` body
 * ("arg" wins when both "arg" and "args" are given). */
static lr_status extn_call(json_cx *c, lr_str fn, const json_t *body, lr_value *out) {
  const json_t *arg = json_object_get(body, "arg"), *args = json_object_get(body, "args");
  size_t n = arg ? 1 : json_array_size(args);
  lr_value *vals = LR_NEW_N(c->a, lr_value, n ? n : 1);
  size_t mark = json_path_push_key(&c->path, "__extn", 6);
  lr_status st = LR_OK;
  for (size_t i = 0; i < n && st == LR_OK; i++) {
    const json_t *a = arg ? arg : json_array_get(args, i);
    size_t m = arg ? json_path_push_key(&c->path, "arg", 3) : json_path_push_index(&c->path, i);
    st = plain(c, a, &vals[i]);
    json_path_pop(&c->path, m);
  }
  if (st == LR_OK) {
    if (n == 1 && vals[0].kind == LR_V_STRING && is_ext_function(fn)) {
      const char *err = NULL; /* the common case: a constructor on a string */
      st = lr_value_extn(c->a, fn, lr_str_make(vals[0].u.s, vals[0].n), out, &err);
      if (st != LR_OK)
        json_error(c->d, LR_JSON_E_VALUE, c->file, &c->path, "%.*s(\"%.*s\"): %s", (int)fn.n, fn.p,
                   (int)vals[0].n, vals[0].u.s, err ? err : "invalid argument");
    } else {
      st = extn_eval(c, fn, vals, n, out);
    }
  }
  json_path_pop(&c->path, mark);
  return st;
}

static lr_status plain_set(json_cx *c, const json_t *j, const lr_stype *elem, lr_value *out) {
  size_t n = json_array_size(j);
  if (n == 0) {
    *out = lr_value_empty_set();
    return LR_OK;
  }
  lr_value *items = lr_xmalloc(n * sizeof *items);
  lr_status st = LR_OK;
  for (size_t i = 0; i < n && st == LR_OK; i++) {
    size_t m = json_path_push_index(&c->path, i);
    st = json_to_value(c, json_array_get(j, i), elem, &items[i]);
    json_path_pop(&c->path, m);
  }
  if (st == LR_OK) *out = lr_value_set(c->a, items, n);
  free(items);
  return st;
}

static lr_status build_record(json_cx *c, lr_field *fields, size_t n, lr_value *out) {
  lr_str dup;
  if (lr_value_record(c->a, fields, n, out, &dup) != LR_OK) {
    json_error(c->d, LR_JSON_E_SHAPE, c->file, &c->path, "duplicate key \"%.*s\"", (int)dup.n,
               dup.p);
    return LR_ERR;
  }
  return LR_OK;
}

/* An object read as a record: every member parsed without type (attrs ==
 * NULL), or with the schema record type attrs. */
static lr_status object_record(json_cx *c, const json_t *j, const lr_stype *rec, lr_value *out) {
  size_t n = json_object_size(j);
  lr_field *fields = lr_xmalloc((n ? n : 1) * sizeof *fields);
  size_t k = 0;
  lr_status st = LR_OK;
  const char *key;
  size_t klen;
  json_t *v;
  json_object_keylen_foreach((json_t *)j, key, klen, v) {
    lr_str name = json_key(c->a, key, klen);
    const lr_stype *at = NULL;
    if (rec) {
      at = lr_stype_attr_find(rec, name, NULL);
      if (!at) {
        size_t m = json_path_push_key(&c->path, key, klen);
        json_error(c->d, LR_JSON_E_SCHEMA, c->file, &c->path,
                   "attribute not declared in the record type");
        json_path_pop(&c->path, m);
        st = LR_ERR;
        break;
      }
    }
    size_t m = json_path_push_key(&c->path, key, klen);
    fields[k].key = name;
    st = json_to_value(c, v, at, &fields[k].value);
    json_path_pop(&c->path, m);
    if (st != LR_OK) break;
    k++;
  }
  if (st == LR_OK && rec) { /* required attributes present? */
    for (size_t i = 0, na = lr_stype_attr_count(rec); i < na; i++) {
      lr_str name;
      bool required;
      lr_stype_attr_at(rec, i, &name, &required);
      if (required && !json_get(j, name)) {
        json_error(c->d, LR_JSON_E_SCHEMA, c->file, &c->path, "missing required attribute \"%.*s\"",
                   (int)name.n, name.p);
        st = LR_ERR;
        break;
      }
    }
  }
  if (st == LR_OK) st = build_record(c, fields, k, out);
  free(fields);
  return st;
}

/* Cedar JSON without a schema type. */
static lr_status plain(json_cx *c, const json_t *j, lr_value *out) {
  switch (json_typeof(j)) {
  case JSON_TRUE: *out = lr_value_bool(true); return LR_OK;
  case JSON_FALSE: *out = lr_value_bool(false); return LR_OK;
  case JSON_INTEGER: *out = lr_value_long(json_integer_value(j)); return LR_OK;
  case JSON_STRING: *out = lr_value_string(c->a, jstr(j)); return LR_OK;
  case JSON_ARRAY: return plain_set(c, j, NULL, out);
  case JSON_REAL:
    json_error(c->d, LR_JSON_E_SHAPE, c->file, &c->path,
               "a fractional number is not a Cedar value (use a long, or a decimal as "
               "{\"__extn\": {\"fn\": \"decimal\", \"arg\": \"1.5\"}})");
    return LR_ERR;
  case JSON_NULL:
    json_error(c->d, LR_JSON_E_SHAPE, c->file, &c->path, "null is not a Cedar value");
    return LR_ERR;
  case JSON_OBJECT: break;
  }
  const json_t *esc;
  lr_str type, id;
  if ((esc = json_object_get(j, "__entity")) && type_and_id(esc, &type, &id)) {
    const lr_uid *uid;
    size_t m = json_path_push_key(&c->path, "__entity", 8);
    lr_status st = json_make_uid(c, type, id, &uid);
    json_path_pop(&c->path, m);
    if (st == LR_OK) *out = lr_value_entity(uid);
    return st;
  }
  if ((esc = json_object_get(j, "__extn")) && fn_and_args(esc))
    return extn_call(c, jstr(json_object_get(esc, "fn")), esc, out);
  if (is_str(json_object_get(j, "__expr"))) {
    json_error(c->d, LR_JSON_E_SHAPE, c->file, &c->path,
               "the `__expr` escape is no longer supported");
    return LR_ERR;
  }
  return object_record(c, j, NULL, out);
}

static const char *constructor_of(lr_str ext) {
  if (lr_str_eq_c(ext, "ipaddr")) return "ip";
  if (lr_str_eq_c(ext, "decimal")) return "decimal";
  if (lr_str_eq_c(ext, "datetime")) return "datetime";
  if (lr_str_eq_c(ext, "duration")) return "duration";
  return NULL;
}

static bool kind_is_extension(lr_vkind k, lr_str ext) {
  switch (k) {
  case LR_V_DECIMAL: return lr_str_eq_c(ext, "decimal");
  case LR_V_IPADDR: return lr_str_eq_c(ext, "ipaddr");
  case LR_V_DATETIME: return lr_str_eq_c(ext, "datetime");
  case LR_V_DURATION: return lr_str_eq_c(ext, "duration");
  default: return false;
  }
}

/* An extension value where the schema expects one: explicit or implicit
 * `__extn`, or a plain value given to the type's single-argument constructor. */
static lr_status extension(json_cx *c, const json_t *j, const lr_stype *t, lr_value *out) {
  lr_str ext = lr_stype_name(t);
  lr_status st;
  const json_t *esc;
  if (json_is_object(j) && (esc = json_object_get(j, "__extn")) && fn_and_args(esc)) {
    st = extn_call(c, jstr(json_object_get(esc, "fn")), esc, out);
  } else if (json_is_object(j) && fn_and_args(j)) {
    st = extn_call(c, jstr(json_object_get(j, "fn")), j, out);
  } else {
    const char *ctor = constructor_of(ext);
    if (!ctor) {
      json_error(c->d, LR_JSON_E_SCHEMA, c->file, &c->path, "unknown extension type `%.*s`",
                 (int)ext.n, ext.p);
      return LR_ERR;
    }
    lr_value arg;
    if (plain(c, j, &arg) != LR_OK) return LR_ERR;
    if (arg.kind != LR_V_STRING) return mismatch_value(c, t, arg);
    const char *err = NULL;
    st = lr_value_extn(c->a, lr_str_c(ctor), lr_str_make(arg.u.s, arg.n), out, &err);
    if (st != LR_OK)
      json_error(c->d, LR_JSON_E_VALUE, c->file, &c->path, "%s(\"%.*s\"): %s", ctor, (int)arg.n,
                 arg.u.s, err ? err : "invalid argument");
  }
  if (st == LR_OK && !kind_is_extension(out->kind, ext)) return mismatch_value(c, t, *out);
  return st;
}

lr_status json_to_value(json_cx *c, const json_t *j, const lr_stype *t, lr_value *out) {
  if (!t) return plain(c, j, out);
  switch (lr_stype_get_kind(t)) {
  case LR_STYPE_ENTITY: {
    const lr_uid *uid;
    if (json_is_object(j) && json_object_get(j, "__extn")) break; /* reported as mismatch */
    if (!json_is_object(j)) return mismatch(c, t, json_kind_name(j));
    if (json_uid(c, j, &uid) != LR_OK) return LR_ERR;
    lr_str want = lr_stype_name(t);
    if (!lr_str_eq(uid->type, want)) return mismatch_value(c, t, lr_value_entity(uid));
    if (json_check_enum(c, uid) != LR_OK) return LR_ERR;
    *out = lr_value_entity(uid);
    return LR_OK;
  }
  case LR_STYPE_EXTENSION: return extension(c, j, t, out);
  case LR_STYPE_SET:
    if (!json_is_array(j)) break;
    return plain_set(c, j, lr_stype_element(t), out);
  case LR_STYPE_RECORD:
    if (!json_is_object(j)) break;
    return object_record(c, j, t, out);
  case LR_STYPE_BOOL:
  case LR_STYPE_LONG:
  case LR_STYPE_STRING: break;
  }
  /* parse without the type, then compare kinds */
  lr_value v;
  if (plain(c, j, &v) != LR_OK) return LR_ERR;
  lr_vkind want;
  switch (lr_stype_get_kind(t)) {
  case LR_STYPE_BOOL: want = LR_V_BOOL; break;
  case LR_STYPE_LONG: want = LR_V_LONG; break;
  case LR_STYPE_STRING: want = LR_V_STRING; break;
  default: return mismatch_value(c, t, v);
  }
  if (v.kind != want) return mismatch_value(c, t, v);
  *out = v;
  return LR_OK;
}

bool json_is_action_type(lr_str type) {
  static const lr_str act = {"Action", 6};
  if (lr_str_eq(type, act)) return true;
  return type.n > 8 && memcmp(type.p + type.n - 8, "::Action", 8) == 0;
}
