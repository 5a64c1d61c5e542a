/*
 * schema.h — Cedar schemas: one model for both the human-readable
 * `.cedarschema` format and the JSON schema format.
 *
 * A schema declares namespaces, entity types (parents, attribute shape, tags,
 * enumerated ids), common types (`type T = …`) and actions (groups and
 * `appliesTo`), each with annotations. Loading is two steps:
 *
 *   1. lr_schema_parse_text / lr_schema_parse_json build the raw model: type
 *      references are kept as written (`User`, `NS::T`, `__cedar::Long`).
 *   2. lr_schema_check resolves every reference with Cedar's rules (RFC 24 and
 *      cedar#579: in namespace NS an unqualified name X means, in order, common
 *      type NS::X, entity type NS::X, common type X, entity type X, then the
 *      built-in X; `__cedar::X` is always the built-in), inlines common types,
 *      and reports unknown types, duplicate declarations, cycles among common
 *      types, shapes that are not records, unknown action groups.
 *
 * lr_schema_load does both. Lookups (lr_schema_entity_find, …) answer only on
 * a checked schema. Everything returned lives as long as the schema; strings
 * are lr_str slices (ids may hold any byte, NUL included).
 *
 * Diagnostics point into the lr_source given to the parser: that source must
 * outlive both the schema and the diagnostics.
 */
#ifndef LARCH_SCHEMA_H
#define LARCH_SCHEMA_H

#include "base.h"

typedef struct lr_schema lr_schema;
typedef struct lr_stype lr_stype;
typedef struct lr_schema_entity lr_schema_entity;
typedef struct lr_schema_action lr_schema_action;

/* Stable diagnostic codes of the schema front end. */
#define LR_SCHEMA_E_SYNTAX "S0001"     /* unexpected token */
#define LR_SCHEMA_E_NESTING "S0002"    /* types nested deeper than LR_SCHEMA_MAX_DEPTH */
#define LR_SCHEMA_E_RESERVED "S0003"   /* reserved identifier or type name */
#define LR_SCHEMA_E_DUP_ANNOT "S0005"  /* duplicate annotation */
#define LR_SCHEMA_E_DUP_ATTR "S0006"   /* duplicate attribute */
#define LR_SCHEMA_E_APPLIES "S0007"    /* malformed appliesTo */
#define LR_SCHEMA_E_JSON "S0100"       /* JSON syntax (from jansson) */
#define LR_SCHEMA_E_JSON_SHAPE "S0101" /* JSON value of the wrong kind or missing field */
#define LR_SCHEMA_E_JSON_FIELD "S0102" /* unknown JSON field */
#define LR_SCHEMA_E_DUP_DECL "S0200"   /* duplicate namespace/entity/common type/action */
#define LR_SCHEMA_E_UNKNOWN "S0201"    /* reference to an undeclared type */
#define LR_SCHEMA_E_CYCLE "S0202"      /* cycle among common types */
#define LR_SCHEMA_E_NOT_RECORD "S0203" /* shape or context is not a record */
#define LR_SCHEMA_E_ACTION "S0204"     /* unknown action group / action cycle */
#define LR_SCHEMA_E_EXTENSION "S0205"  /* unknown extension type */
#define LR_SCHEMA_E_SHADOW "S0206"     /* declaration shadows one in the empty namespace */

/* Records and sets nest at most this deep; deeper input is an error. */
#define LR_SCHEMA_MAX_DEPTH 64

/* ---- loading ------------------------------------------------------------ */

typedef enum { LR_SCHEMA_TEXT, LR_SCHEMA_JSON } lr_schema_format;

/* Parses src (human-readable Cedar schema). Returns the raw, unchecked model,
 * or NULL when there were syntax errors (all reported to d; the parser
 * resynchronises at declaration boundaries). Caller frees with lr_schema_free. */
lr_schema *lr_schema_parse_text(const lr_source *src, lr_diags *d);
/* Same for Cedar's JSON schema format; errors name the JSON path
 * (`$.NS.entityTypes.User.shape`) and point at the value's line:col. */
lr_schema *lr_schema_parse_json(const lr_source *src, lr_diags *d);
/* Resolves and checks a parsed schema (see the file comment). Returns LR_OK
 * when well formed; LR_ERR with every problem reported to d otherwise.
 * Call once per schema. */
lr_status lr_schema_check(lr_schema *s, lr_diags *d);
/* Parse + check. Returns NULL on any error (reported to d). */
lr_schema *lr_schema_load(const lr_source *src, lr_schema_format fmt, lr_diags *d);
/* The format a path's name suggests: `.json` → JSON, anything else → text. */
lr_schema_format lr_schema_format_of(const char *path);
void lr_schema_free(lr_schema *s);

/* Appends the canonical text of a checked schema to out: declarations sorted
 * by full name, common types listed with their definition and inlined where
 * used, every name fully qualified. Equal schemas in either format give
 * byte-identical dumps. */
void lr_schema_dump(const lr_schema *s, lr_buf *out);

/* Appends the checked schema in Cedar's JSON schema format (names fully
 * qualified, common types inlined but still declared). Loading the result
 * gives a schema with the same lr_schema_dump. */
void lr_schema_to_json(const lr_schema *s, lr_buf *out);

/* ---- types -------------------------------------------------------------- */

typedef enum {
  LR_STYPE_BOOL,
  LR_STYPE_LONG,
  LR_STYPE_STRING,
  LR_STYPE_SET,       /* lr_stype_element */
  LR_STYPE_RECORD,    /* lr_stype_attr_* */
  LR_STYPE_ENTITY,    /* lr_stype_name: full entity type name */
  LR_STYPE_EXTENSION, /* lr_stype_name: ipaddr, decimal, datetime, duration */
} lr_stype_kind;

lr_stype_kind lr_stype_get_kind(const lr_stype *t);
/* Element type of a set. */
const lr_stype *lr_stype_element(const lr_stype *t);
/* Entity type name or extension name. */
lr_str lr_stype_name(const lr_stype *t);
/* Attributes of a record, sorted by name (byte order). */
size_t lr_stype_attr_count(const lr_stype *t);
/* The i-th attribute: its name, whether it is required, its type. */
const lr_stype *lr_stype_attr_at(const lr_stype *t, size_t i, lr_str *name, bool *required);
/* The attribute called name, or NULL; *required set when found (may be NULL). */
const lr_stype *lr_stype_attr_find(const lr_stype *t, lr_str name, bool *required);
/* Appends the type in Cedar schema syntax (`Set<{"a"?: Long}>`). */
void lr_stype_print(const lr_stype *t, lr_buf *out);

/* ---- annotations -------------------------------------------------------- */

/* Annotations of a declaration: `@key("value")`; a key without a value has
 * the value "". Index-based access, in source order. */
typedef struct lr_schema_annots lr_schema_annots;
size_t lr_schema_annot_count(const lr_schema_annots *a);
lr_str lr_schema_annot_at(const lr_schema_annots *a, size_t i, lr_str *value);
/* The value of annotation key, or false when absent. */
bool lr_schema_annot_find(const lr_schema_annots *a, lr_str key, lr_str *value);

/* ---- entity types ------------------------------------------------------- */

/* The entity type with full name `NS::Name` (or `Name` in the empty
 * namespace), or NULL. */
const lr_schema_entity *lr_schema_entity_find(const lr_schema *s, lr_str name);
size_t lr_schema_entity_count(const lr_schema *s);
/* Entity types sorted by full name. */
const lr_schema_entity *lr_schema_entity_at(const lr_schema *s, size_t i);
lr_str lr_schema_entity_name(const lr_schema_entity *e);
const lr_schema_annots *lr_schema_entity_annots(const lr_schema_entity *e);
/* Declared parent types (`in [...]` / memberOfTypes), full names. */
size_t lr_schema_entity_parent_count(const lr_schema_entity *e);
lr_str lr_schema_entity_parent_at(const lr_schema_entity *e, size_t i);
/* True when parent is one of e's declared parent types. */
bool lr_schema_entity_may_be_in(const lr_schema_entity *e, lr_str parent);
/* The attribute record (an empty record when none was declared). */
const lr_stype *lr_schema_entity_shape(const lr_schema_entity *e);
/* Attribute name's type, or NULL; *required set when found (may be NULL). */
const lr_stype *lr_schema_entity_attr(const lr_schema_entity *e, lr_str name, bool *required);
/* Tag type, or NULL when entities of this type may not have tags. */
const lr_stype *lr_schema_entity_tags(const lr_schema_entity *e);
/* Enumerated entity types (`entity Color enum ["red"]`): their ids. */
bool lr_schema_entity_is_enum(const lr_schema_entity *e);
size_t lr_schema_entity_enum_count(const lr_schema_entity *e);
lr_str lr_schema_entity_enum_at(const lr_schema_entity *e, size_t i);
/* For an enum type: whether id is one of its choices; other types: true. */
bool lr_schema_entity_allows_id(const lr_schema_entity *e, lr_str id);

/* ---- actions ------------------------------------------------------------ */

/* The action `type::"id"` (type is the full action type, `NS::Action`). */
const lr_schema_action *lr_schema_action_find(const lr_schema *s, lr_str type, lr_str id);
size_t lr_schema_action_count(const lr_schema *s);
/* Actions sorted by (type, id). */
const lr_schema_action *lr_schema_action_at(const lr_schema *s, size_t i);
lr_str lr_schema_action_type(const lr_schema_action *a);
lr_str lr_schema_action_id(const lr_schema_action *a);
const lr_schema_annots *lr_schema_action_annots(const lr_schema_action *a);
/* Direct parent groups (`in [...]` / memberOf), resolved. */
size_t lr_schema_action_parent_count(const lr_schema_action *a);
void lr_schema_action_parent_at(const lr_schema_action *a, size_t i, lr_str *type, lr_str *id);
/* Whether the action declared appliesTo at all (without it, it applies to no
 * request). */
bool lr_schema_action_has_applies_to(const lr_schema_action *a);
typedef enum { LR_SCHEMA_PRINCIPAL, LR_SCHEMA_RESOURCE } lr_schema_role;
size_t lr_schema_action_type_count(const lr_schema_action *a, lr_schema_role role);
lr_str lr_schema_action_type_at(const lr_schema_action *a, lr_schema_role role, size_t i);
/* Whether an entity of type `type` may be the principal (resource) of a
 * request for this action. */
bool lr_schema_action_allows(const lr_schema_action *a, lr_schema_role role, lr_str type);
/* The context record of the action (an empty record when not declared). */
const lr_stype *lr_schema_action_context(const lr_schema_action *a);

/* ---- common types ------------------------------------------------------- */

/* The resolved definition of common type `NS::T`, or NULL. */
const lr_stype *lr_schema_common_find(const lr_schema *s, lr_str name);

#endif /* LARCH_SCHEMA_H */
