/*
 * json_entities.c — Cedar's entities JSON format into an entity store, with
 * schema-based parsing and conformance checks when a schema is given
 * (cedar-policy-core/src/entities/json/entities.rs, entities/conformance.rs).
 *
 *   [ {"uid": {"type": "User", "id": "alice"},
 *      "attrs": {"age": 7}, "parents": [{"type": "Group", "id": "g"}],
 *      "tags": {"t": "v"}}, ... ]
 *
 * "attrs", "parents" and "tags" may be omitted (empty); other members are
 * ignored, as Cedar does.
 */
#include <string.h>

#include "json_internal.h"
#include "policy.h"
#include "schema.h"

typedef struct loader {
  json_cx c;
  lr_entities *es;
  const lr_schema *schema;
} loader;

static lr_status uid_error(loader *L, const char *code, const lr_uid *uid, const char *fmt,
                           const char *extra) {
  lr_buf u = {0};
  lr_uid_print(uid, &u);
  json_error(L->c.d, code, L->c.file, &L->c.path, fmt, u.p, extra ? extra : "");
  lr_buf_free(&u);
  return LR_ERR;
}

static lr_status parse_parents(loader *L, const json_t *j, const lr_uid ***out, size_t *n) {
  *n = 0;
  *out = NULL;
  if (!j) return LR_OK;
  size_t m = json_path_push_key(&L->c.path, "parents", 7);
  if (!json_is_array(j)) {
    json_error(L->c.d, LR_JSON_E_SHAPE, L->c.file, &L->c.path, "expected an array, got %s",
               json_kind_name(j));
    json_path_pop(&L->c.path, m);
    return LR_ERR;
  }
  size_t cnt = json_array_size(j);
  const lr_uid **ps = LR_NEW_N(L->c.a, const lr_uid *, cnt ? cnt : 1);
  lr_status st = LR_OK;
  for (size_t i = 0; i < cnt && st == LR_OK; i++) {
    size_t mi = json_path_push_index(&L->c.path, i);
    st = json_uid(&L->c, json_array_get(j, i), &ps[i]);
    json_path_pop(&L->c.path, mi);
  }
  json_path_pop(&L->c.path, m);
  *out = ps, *n = cnt;
  return st;
}

/* Attributes (or tags) object → record. With a schema entity type: every
 * member typed by attr_type(name) (NULL: undeclared → error). */
static lr_status parse_record(loader *L, const json_t *j, const char *member,
                              const lr_schema_entity *et, bool tags, lr_value *out) {
  *out = lr_value_empty_record();
  if (!j) return LR_OK;
  size_t m = json_path_push_key(&L->c.path, member, strlen(member));
  lr_status st = LR_OK;
  if (!json_is_object(j)) {
    json_error(L->c.d, LR_JSON_E_SHAPE, L->c.file, &L->c.path, "expected an object, got %s",
               json_kind_name(j));
    st = LR_ERR;
  } else if (!et) {
    st = json_to_value(&L->c, j, NULL, out);
    if (st == LR_OK && out->kind != LR_V_RECORD) { /* an escape: not a record */
      json_error(L->c.d, LR_JSON_E_SHAPE, L->c.file, &L->c.path, "expected a record");
      st = LR_ERR;
    }
  } else {
    size_t n = json_object_size(j), k = 0;
    lr_field *fields = LR_NEW_N(L->c.a, lr_field, n ? n : 1);
    const lr_stype *tag_type = tags ? lr_schema_entity_tags(et) : NULL;
    const char *key;
    size_t klen;
    json_t *v;
    json_object_keylen_foreach((json_t *)j, key, klen, v) {
      lr_str name = json_key(L->c.a, key, klen);
      size_t mk = json_path_push_key(&L->c.path, key, klen);
      const lr_stype *t = tags ? tag_type : lr_schema_entity_attr(et, name, NULL);
      if (!t) {
        lr_str en = lr_schema_entity_name(et);
        if (tags)
          json_error(L->c.d, LR_JSON_E_SCHEMA, L->c.file, &L->c.path,
                     "entities of type `%.*s` may not have tags", (int)en.n, en.p);
        else
          json_error(L->c.d, LR_JSON_E_SCHEMA, L->c.file, &L->c.path,
                     "attribute not declared for entity type `%.*s`", (int)en.n, en.p);
        st = LR_ERR;
      } else {
        fields[k].key = name;
        st = json_to_value(&L->c, v, t, &fields[k].value);
        k++;
      }
      json_path_pop(&L->c.path, mk);
      if (st != LR_OK) break;
    }
    if (st == LR_OK && !tags) {
      const lr_stype *shape = lr_schema_entity_shape(et);
      for (size_t i = 0, na = lr_stype_attr_count(shape); i < na && st == LR_OK; i++) {
        lr_str name;
        bool required;
        lr_stype_attr_at(shape, i, &name, &required);
        if (required && !json_get(j, name)) {
          json_error(L->c.d, LR_JSON_E_SCHEMA, L->c.file, &L->c.path,
                     "missing required attribute \"%.*s\"", (int)name.n, name.p);
          st = LR_ERR;
        }
      }
    }
    lr_str dup;
    if (st == LR_OK && lr_value_record(L->c.a, fields, k, out, &dup) != LR_OK) st = LR_ERR;
  }
  json_path_pop(&L->c.path, m);
  return st;
}

/* Adds the action group (type, id) and, through the schema, all its
 * ancestors to m (keys allocated in a). False when a group is undeclared. */
static bool close_groups(lr_arena *a, const lr_schema *s, lr_str type, lr_str id, lr_map *m) {
  /* key "type\0id": a type name never holds NUL, so keys cannot collide */
  char *k = lr_arena_alloc(a, type.n + 1 + id.n);
  memcpy(k, type.p, type.n);
  k[type.n] = '\0';
  memcpy(k + type.n + 1, id.p, id.n);
  lr_str key = lr_str_make(k, type.n + 1 + id.n);
  if (lr_map_get(m, key)) return true;
  lr_map_put(m, key, (void *)1);
  const lr_schema_action *sa = lr_schema_action_find(s, type, id);
  if (!sa) return false;
  for (size_t i = 0, n = lr_schema_action_parent_count(sa); i < n; i++) {
    lr_str t, pid;
    lr_schema_action_parent_at(sa, i, &t, &pid);
    if (!close_groups(a, s, t, pid, m)) return false;
  }
  return true;
}

/* A data action must be the schema's action: no attributes, no tags, and
 * the same groups once both are closed transitively (Cedar compares the
 * entity with the schema's, whose ancestors are transitively closed; data
 * may list the direct groups or all of them). conformance.rs
 * ActionDeclarationMismatch. */
static lr_status check_action(loader *L, const lr_uid *uid, lr_value attrs, lr_value tags,
                              const lr_uid **parents, size_t np) {
  const lr_schema_action *sa = lr_schema_action_find(L->schema, uid->type, uid->id);
  if (!sa)
    return uid_error(L, LR_JSON_E_SCHEMA, uid, "action `%s` is not declared in the schema%s", NULL);
  bool same = attrs.n == 0 && tags.n == 0;
  lr_arena *tmp = lr_arena_new(0);
  lr_map want = {0}, got = {0};
  for (size_t k = 0, sn = lr_schema_action_parent_count(sa); same && k < sn; k++) {
    lr_str t, id;
    lr_schema_action_parent_at(sa, k, &t, &id);
    same = close_groups(tmp, L->schema, t, id, &want);
  }
  for (size_t i = 0; same && i < np; i++)
    same = close_groups(tmp, L->schema, parents[i]->type, parents[i]->id, &got);
  if (same && want.len == got.len) {
    lr_map_entry *e;
    for (size_t it = 0; same && lr_map_next(&want, &it, &e);) same = lr_map_get(&got, e->key);
  } else {
    same = false;
  }
  lr_map_free(&want);
  lr_map_free(&got);
  lr_arena_free(tmp);
  if (!same)
    return uid_error(L, LR_JSON_E_SCHEMA, uid,
                     "action `%s` does not match its declaration in the schema%s "
                     "(omit it from the entities to use the schema's)",
                     NULL);
  return LR_OK;
}

static lr_status check_parent_types(loader *L, const lr_uid *uid, const lr_schema_entity *et,
                                    const lr_uid **parents, size_t np) {
  for (size_t i = 0; i < np; i++) {
    size_t m = json_path_push_key(&L->c.path, "parents", 7);
    size_t mi = json_path_push_index(&L->c.path, i);
    lr_status enum_ok = json_check_enum(&L->c, parents[i]);
    if (enum_ok == LR_OK && lr_schema_entity_may_be_in(et, parents[i]->type)) {
      json_path_pop(&L->c.path, mi);
      json_path_pop(&L->c.path, m);
      continue;
    }
    if (enum_ok != LR_OK) {
      json_path_pop(&L->c.path, mi);
      json_path_pop(&L->c.path, m);
      return LR_ERR;
    }
    lr_buf t = {0};
    lr_buf_printf(&t, "%.*s", (int)parents[i]->type.n, parents[i]->type.p);
    uid_error(L, LR_JSON_E_SCHEMA, uid,
              "`%s` may not have a parent of type `%s` according to the schema", t.p);
    lr_buf_free(&t);
    json_path_pop(&L->c.path, mi);
    json_path_pop(&L->c.path, m);
    return LR_ERR;
  }
  return LR_OK;
}

/* Cedar accepts an entity listed twice when both entries are identical. */
static bool same_entity(const lr_entity *e, lr_value attrs, const lr_uid **parents, size_t np,
                        lr_value tags) {
  if (!e || !lr_value_eq(lr_entity_attrs(e), attrs) || !lr_value_eq(lr_entity_tags(e), tags))
    return false;
  const lr_uid *const *have;
  size_t nh = lr_entity_parents(e, &have);
  for (size_t i = 0; i < np; i++) { /* every given parent is there ... */
    bool found = false;
    for (size_t k = 0; k < nh && !found; k++) found = lr_uid_eq(have[k], parents[i]);
    if (!found) return false;
  }
  for (size_t k = 0; k < nh; k++) { /* ... and nothing else */
    bool found = false;
    for (size_t i = 0; i < np && !found; i++) found = lr_uid_eq(have[k], parents[i]);
    if (!found) return false;
  }
  return true;
}

static lr_status load_one(loader *L, const json_t *ej) {
  if (!json_is_object(ej)) {
    json_error(L->c.d, LR_JSON_E_SHAPE, L->c.file, &L->c.path, "expected an entity object, got %s",
               json_kind_name(ej));
    return LR_ERR;
  }
  const json_t *ju = json_object_get(ej, "uid");
  const lr_uid *uid;
  size_t m = json_path_push_key(&L->c.path, "uid", 3);
  if (!ju) {
    json_path_pop(&L->c.path, m);
    json_error(L->c.d, LR_JSON_E_SHAPE, L->c.file, &L->c.path, "missing \"uid\"");
    return LR_ERR;
  }
  lr_status st = json_uid(&L->c, ju, &uid);
  json_path_pop(&L->c.path, m);
  if (st != LR_OK) return st;

  bool action = json_is_action_type(uid->type);
  const lr_schema_entity *et = NULL;
  if (L->schema && !action) {
    et = lr_schema_entity_find(L->schema, uid->type);
    if (!et)
      return uid_error(L, LR_JSON_E_SCHEMA, uid,
                       "entity `%s` has a type that is not declared in the schema%s", NULL);
    if (!lr_schema_entity_allows_id(et, uid->id))
      return uid_error(L, LR_JSON_E_SCHEMA, uid,
                       "entity `%s` is not one of the ids its enumerated type allows%s", NULL);
  }
  const lr_uid **parents;
  size_t np;
  lr_value attrs, tags;
  /* "attrs" and "parents" are required, "tags" optional (Cedar's EntityJson) */
  static const char *const required[] = {"attrs", "parents"};
  for (int k = 0; k < 2; k++)
    if (!json_object_get(ej, required[k])) {
      json_error(L->c.d, LR_JSON_E_SHAPE, L->c.file, &L->c.path, "missing \"%s\"", required[k]);
      return LR_ERR;
    }
  if (parse_parents(L, json_object_get(ej, "parents"), &parents, &np) != LR_OK) return LR_ERR;
  /* Actions have no declared attributes: parse them untyped, then compare. */
  if (parse_record(L, json_object_get(ej, "attrs"), "attrs", et, false, &attrs) != LR_OK ||
      parse_record(L, json_object_get(ej, "tags"), "tags", et, true, &tags) != LR_OK)
    return LR_ERR;
  if (L->schema && action) {
    if (check_action(L, uid, attrs, tags, parents, np) != LR_OK) return LR_ERR;
  } else if (et) {
    if (check_parent_types(L, uid, et, parents, np) != LR_OK) return LR_ERR;
  } else if (action) {
    for (size_t i = 0; i < np; i++)
      if (!json_is_action_type(parents[i]->type))
        return uid_error(L, LR_JSON_E_VALUE, uid,
                         "action `%s` has a parent that is not an action%s", NULL);
  }
  if (lr_entities_add(L->es, uid, attrs, parents, np, tags) != LR_OK &&
      !same_entity(lr_entities_get(L->es, uid), attrs, parents, np, tags))
    return uid_error(L, LR_JSON_E_DUP, uid, "duplicate entity `%s`%s with a different definition",
                     NULL);
  return LR_OK;
}

/* Adds every action of the schema with its groups, unless the data already
 * holds it (then it was checked to be identical). */
static void add_schema_actions(loader *L) {
  lr_arena *a = L->c.a;
  for (size_t i = 0, n = lr_schema_action_count(L->schema); i < n; i++) {
    const lr_schema_action *sa = lr_schema_action_at(L->schema, i);
    const lr_uid *uid = lr_uid_new(a, lr_schema_action_type(sa), lr_schema_action_id(sa));
    if (lr_entities_get(L->es, uid)) continue;
    size_t np = lr_schema_action_parent_count(sa);
    const lr_uid **ps = LR_NEW_N(a, const lr_uid *, np ? np : 1);
    for (size_t k = 0; k < np; k++) {
      lr_str t, id;
      lr_schema_action_parent_at(sa, k, &t, &id);
      ps[k] = lr_uid_new(a, t, id);
    }
    lr_entities_add(L->es, uid, lr_value_empty_record(), ps, np, lr_value_empty_record());
  }
}

lr_entities *lr_entities_from_json_value(const json_t *doc, const char *file,
                                         const lr_schema *schema, lr_diags *d) {
  lr_entities *es = lr_entities_new();
  loader L = {.c = {.a = lr_entities_arena(es), .file = file, .d = d, .schema = schema},
              .es = es,
              .schema = schema};
  lr_status st = LR_OK;
  if (!json_is_array(doc)) {
    json_error(d, LR_JSON_E_SHAPE, file, NULL, "expected an array of entities, got %s",
               json_kind_name(doc));
    st = LR_ERR;
  }
  for (size_t i = 0, n = json_array_size(doc); i < n && st == LR_OK; i++) {
    size_t m = json_path_push_index(&L.c.path, i);
    st = load_one(&L, json_array_get(doc, i));
    json_path_pop(&L.c.path, m);
  }
  lr_buf_free(&L.c.path.buf);
  if (st != LR_OK) {
    lr_entities_release(es);
    return NULL;
  }
  if (schema) add_schema_actions(&L);
  const lr_uid *cycle = NULL;
  if (lr_entities_finish(es, &cycle) != LR_OK) {
    lr_buf u = {0};
    if (cycle) lr_uid_print(cycle, &u);
    json_error(d, LR_JSON_E_VALUE, file, NULL, "the entity hierarchy has a cycle (through `%s`)",
               u.p ? u.p : "?");
    lr_buf_free(&u);
    lr_entities_release(es);
    return NULL;
  }
  return es;
}

lr_entities *lr_entities_from_json(const char *text, size_t len, const char *file,
                                   const lr_schema *schema, lr_diags *d) {
  json_t *doc = lr_json_parse(text, len, file, d);
  if (!doc) return NULL;
  lr_entities *es = lr_entities_from_json_value(doc, file, schema, d);
  json_decref(doc);
  return es;
}
