/*
 * json_request.c — requests in JSON: entity uids (JSON forms and Cedar's
 * `T::"x"` text), the context record (schema-based when a schema is given),
 * request objects as `larch authorize --requests` reads them, and request
 * validation against a schema (cedar-policy-core/src/ast/request.rs,
 * Request::new with a schema; cedar-policy-validator RequestValidator).
 */
#include <string.h>

#include "json_internal.h"
#include "policy.h"
#include "schema.h"

static void cx_init(json_cx *c, lr_arena *a, const char *file, const char *path, lr_diags *d) {
  *c = (json_cx){.a = a, .file = file, .d = d};
  if (path && *path) lr_buf_puts(&c->path.buf, path);
}

lr_status lr_json_value(lr_arena *a, const json_t *j, const lr_stype *expected,
                        const lr_schema *schema, const char *file, const char *path, lr_diags *d,
                        lr_value *out) {
  json_cx c;
  cx_init(&c, a, file, path, d);
  c.schema = schema;
  lr_status st = json_to_value(&c, j, expected, out);
  lr_buf_free(&c.path.buf);
  return st;
}

/* The common spelling `Type::"id"` (no escapes, no spaces), without the
 * parser: the last `::"` splits it. NULL when the text needs the parser. */
static const lr_uid *uid_fast(lr_arena *a, lr_str text) {
  if (text.n < 5 || text.p[text.n - 1] != '"' || memchr(text.p, '\\', text.n)) return NULL;
  const char *q = memchr(text.p, '"', text.n); /* the id's opening quote */
  if (!q || q == text.p + text.n - 1 || q - text.p < 3 || q[-1] != ':' || q[-2] != ':') return NULL;
  lr_str type = lr_str_make(text.p, (size_t)(q - 2 - text.p));
  lr_str id = lr_str_make(q + 1, (size_t)(text.p + text.n - 1 - (q + 1)));
  if (memchr(id.p, '"', id.n) || !json_valid_type_name(type)) return NULL;
  return lr_uid_new(a, type, id);
}

lr_status lr_cedar_uid_parse(lr_arena *a, lr_str text, const lr_uid **out, const char **err) {
  const lr_uid *fast = uid_fast(a, text);
  if (fast) {
    *out = fast;
    return LR_OK;
  }
  lr_source src = {"<uid>", lr_arena_strndup(a, text.p, text.n), text.n};
  lr_diags d = {0};
  lr_arena *tmp = lr_arena_new(0);
  lr_expr *e = NULL;
  lr_status st = lr_parse_expr(tmp, &src, &d, &e);
  if (st == LR_OK && e->kind != LR_EXPR_ENTITY) {
    st = LR_ERR;
    *err = lr_arena_sprintf(a, "expected an entity uid like User::\"alice\", got \"%.*s\"",
                            (int)text.n, text.p);
  } else if (st != LR_OK) {
    lr_buf msg = {0};
    for (size_t i = 0; i < d.n; i++) lr_buf_printf(&msg, "%s%s", i ? "; " : "", d.items[i].msg);
    *err = lr_arena_sprintf(a, "invalid entity uid \"%.*s\": %s", (int)text.n, text.p,
                            msg.p ? msg.p : "syntax error");
    lr_buf_free(&msg);
  } else {
    *out = lr_uid_new(a, e->u.euid.type, e->u.euid.id);
  }
  lr_diags_free(&d);
  lr_arena_free(tmp);
  return st;
}

lr_status lr_json_uid(lr_arena *a, const json_t *j, bool allow_text, const char *file,
                      const char *path, lr_diags *d, const lr_uid **out) {
  json_cx c;
  cx_init(&c, a, file, path, d);
  lr_status st;
  if (allow_text && json_is_string(j)) {
    const char *err = NULL;
    st = lr_cedar_uid_parse(a, lr_str_make(json_string_value(j), json_string_length(j)), out, &err);
    if (st != LR_OK) json_error(d, LR_JSON_E_VALUE, file, &c.path, "%s", err);
  } else {
    st = json_uid(&c, j, out);
  }
  lr_buf_free(&c.path.buf);
  return st;
}

static lr_status undeclared_action(const lr_uid *action, const char *file, const char *path,
                                   lr_diags *d) {
  lr_buf u = {0};
  lr_uid_print(action, &u);
  json_path p = {0};
  if (path) lr_buf_puts(&p.buf, path);
  json_error(d, LR_JSON_E_SCHEMA, file, &p, "action `%s` is not declared in the schema", u.p);
  lr_buf_free(&p.buf);
  lr_buf_free(&u);
  return LR_ERR;
}

/* The context, at path (for messages). */
static lr_status context_at(lr_arena *a, const json_t *j, const lr_schema *schema,
                            const lr_uid *action, const char *file, const char *path, lr_diags *d,
                            lr_value *out) {
  if (!j) {
    *out = lr_value_empty_record();
    j = NULL;
  }
  const lr_stype *t = NULL;
  if (schema) {
    const lr_schema_action *sa = lr_schema_action_find(schema, action->type, action->id);
    if (!sa) return undeclared_action(action, file, path, d);
    t = lr_schema_action_context(sa);
  }
  json_t *empty = NULL;
  if (!j) j = empty = json_object();
  lr_status st;
  if (!json_is_object(j)) {
    json_cx c;
    cx_init(&c, a, file, path, d);
    json_error(d, LR_JSON_E_SHAPE, file, &c.path, "the context must be a record, got %s",
               json_kind_name(j));
    lr_buf_free(&c.path.buf);
    st = LR_ERR;
  } else {
    st = lr_json_value(a, j, t, schema, file, path, d, out);
    if (st == LR_OK && out->kind != LR_V_RECORD) {
      json_cx c;
      cx_init(&c, a, file, path, d);
      json_error(d, LR_JSON_E_SHAPE, file, &c.path, "the context must be a record");
      lr_buf_free(&c.path.buf);
      st = LR_ERR;
    }
  }
  json_decref(empty);
  return st;
}

lr_status lr_context_from_json(lr_arena *a, const json_t *j, const lr_schema *schema,
                               const lr_uid *action, const char *file, lr_diags *d, lr_value *out) {
  return context_at(a, j, schema, action, file, NULL, d, out);
}

static lr_status check_role(const lr_schema *schema, const lr_schema_action *sa,
                            lr_schema_role role, const lr_uid *uid, const lr_uid *action,
                            const char *file, lr_diags *d) {
  const char *name = role == LR_SCHEMA_PRINCIPAL ? "principal" : "resource";
  lr_buf u = {0}, act = {0};
  lr_uid_print(uid, &u);
  lr_uid_print(action, &act);
  lr_status st = LR_OK;
  const lr_schema_entity *et = lr_schema_entity_find(schema, uid->type);
  if (!et && !json_is_action_type(uid->type)) {
    json_error(d, LR_JSON_E_SCHEMA, file, NULL,
               "%s `%s` has a type that is not declared in the schema", name, u.p);
    st = LR_ERR;
  } else if (et && !lr_schema_entity_allows_id(et, uid->id)) {
    json_error(d, LR_JSON_E_SCHEMA, file, NULL,
               "%s `%s` is not one of the ids its enumerated type allows", name, u.p);
    st = LR_ERR;
  } else if (!lr_schema_action_allows(sa, role, uid->type)) {
    json_error(d, LR_JSON_E_SCHEMA, file, NULL,
               "%s type `%.*s` is not allowed for action `%s` by the schema", name,
               (int)uid->type.n, uid->type.p, act.p);
    st = LR_ERR;
  }
  lr_buf_free(&u);
  lr_buf_free(&act);
  return st;
}

lr_status lr_request_validate(const lr_schema *schema, const lr_request *req, const char *file,
                              lr_diags *d) {
  const lr_schema_action *sa = lr_schema_action_find(schema, req->action->type, req->action->id);
  if (!sa) return undeclared_action(req->action, file, NULL, d);
  if (check_role(schema, sa, LR_SCHEMA_PRINCIPAL, req->principal, req->action, file, d) != LR_OK ||
      check_role(schema, sa, LR_SCHEMA_RESOURCE, req->resource, req->action, file, d) != LR_OK)
    return LR_ERR;
  return LR_OK;
}

lr_status lr_request_from_json(lr_arena *a, const json_t *j, const lr_schema *schema,
                               const char *file, lr_diags *d, lr_request *out) {
  if (!json_is_object(j)) {
    json_error(d, LR_JSON_E_SHAPE, file, NULL, "expected a request object, got %s",
               json_kind_name(j));
    return LR_ERR;
  }
  static const char *const roles[3] = {"principal", "action", "resource"};
  const lr_uid *uids[3];
  for (int i = 0; i < 3; i++) {
    const json_t *ju = json_object_get(j, roles[i]);
    if (!ju) {
      json_error(d, LR_JSON_E_SHAPE, file, NULL, "missing \"%s\"", roles[i]);
      return LR_ERR;
    }
    if (lr_json_uid(a, ju, true, file, roles[i], d, &uids[i]) != LR_OK) return LR_ERR;
  }
  *out = (lr_request){.principal = uids[0], .action = uids[1], .resource = uids[2]};
  if (context_at(a, json_object_get(j, "context"), schema, out->action, file, "context", d,
                 &out->context) != LR_OK)
    return LR_ERR;
  if (schema && lr_request_validate(schema, out, file, d) != LR_OK) return LR_ERR;
  return LR_OK;
}
