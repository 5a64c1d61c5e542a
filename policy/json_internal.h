/*
 * json_internal.h — shared internals of larch's Cedar JSON formats
 * (json_value.c, json_entities.c, json_request.c, link.c): the error
 * context that turns every problem into "<file>: <path>: <message>".
 *
 * Private to policy/; the public declarations are at the end of policy.h.
 */
#ifndef LARCH_POLICY_JSON_INTERNAL_H
#define LARCH_POLICY_JSON_INTERNAL_H

#include <jansson.h>

#include "base.h"

/* Where in a JSON document we are, as "[3].attrs.age" (a key that is not an
 * identifier is written ["like this"]). Push returns the length to restore
 * with json_path_pop. */
typedef struct json_path {
  lr_buf buf;
} json_path;

size_t json_path_push_key(json_path *p, const char *key, size_t len);
size_t json_path_push_index(json_path *p, size_t index);
static inline void json_path_pop(json_path *p, size_t mark) {
  p->buf.len = mark;
  if (p->buf.p) p->buf.p[mark] = '\0';
}

/* Diagnostic codes of the JSON layer (stable: tests and tools match them). */
#define LR_JSON_E_SYNTAX "J001" /* not JSON at all */
#define LR_JSON_E_SHAPE "J002"  /* wrong JSON shape or Cedar type */
#define LR_JSON_E_VALUE "J003"  /* right shape, invalid value (bad name, bad ipaddr...) */
#define LR_JSON_E_SCHEMA "J004" /* does not conform to the schema */
#define LR_JSON_E_DUP "J005"    /* duplicate entity or policy id */

/* Adds an error "<file>: <path>: <message>" (path omitted when empty). */
void json_error(lr_diags *d, const char *code, const char *file, const json_path *p,
                const char *fmt, ...) LR_PRINTF(5, 6);

/* "a long", "a string", "a set", "a record", "a boolean", "null", ... for
 * messages about what the document held. */
const char *json_kind_name(const json_t *j);

/* A key of an object parsed by lr_json_parse, copied into a with NUL bytes
 * restored (see json_path.c). */
lr_str json_key(lr_arena *a, const char *key, size_t klen);
/* The member called name (which may hold NUL bytes), or NULL. */
json_t *json_get(const json_t *obj, lr_str name);

/* The state of one conversion: where values go, where errors go, and the
 * path of the value being read (for messages). */
typedef struct lr_value lr_value;
typedef struct lr_uid lr_uid;
typedef struct lr_stype lr_stype;
typedef struct lr_schema lr_schema;
typedef struct json_cx {
  lr_arena *a;
  const char *file;
  json_path path;
  lr_diags *d;
  const lr_schema *schema; /* for enumerated entity ids; may be NULL */
} json_cx;

/* Cedar JSON value → value; t is the schema type expected (NULL: none). */
lr_status json_to_value(json_cx *c, const json_t *j, const lr_stype *t, lr_value *out);
/* {"type","id"} or {"__entity": {"type","id"}} → uid (in c->a). */
lr_status json_uid(json_cx *c, const json_t *j, const lr_uid **out);
/* A uid from its parts, checking the type name (Cedar's normalized Name). */
lr_status json_make_uid(json_cx *c, lr_str type, lr_str id, const lr_uid **out);
bool json_valid_type_name(lr_str s);
/* With a schema: an entity of an enumerated type must have one of its ids
 * (Cedar 4 refuses `Color::"blue"` anywhere in entities or context). */
lr_status json_check_enum(json_cx *c, const lr_uid *uid);
/* Appends "a long", "an ipaddr", ... */
void json_kind_phrase(int vkind, lr_buf *out);
/* True for Cedar's action entity types: `Action` and `NS::Action`. */
bool json_is_action_type(lr_str type);

#endif /* LARCH_POLICY_JSON_INTERNAL_H */
