/*
 * schema_int.h — private layout of the schema model, shared by the schema
 * parsers (schema_text.c, schema_json.c), the checker (schema_check.c), the
 * dump (schema_dump.c) and the accessors (schema.c). Not installed.
 */
#ifndef LARCH_SCHEMA_INT_H
#define LARCH_SCHEMA_INT_H

#include "schema.h"

/* A type reference not yet resolved (internal kind, never seen by users of a
 * checked schema). */
#define LR_STYPE_REF 100

/* What a reference may name (Cedar's ReferenceType). */
enum { LR_REF_COMMON = 1, LR_REF_ENTITY = 2, LR_REF_EITHER = 3 };

typedef struct lr_sattr {
  lr_str name;
  bool required;
  lr_stype *type;
  lr_schema_annots *annots;
  size_t off, end; /* span of the name */
} lr_sattr;

struct lr_stype {
  int kind;        /* lr_stype_kind or LR_STYPE_REF */
  size_t off, end; /* source span (0,0 when unknown) */
  lr_stype *elem;  /* SET */
  lr_sattr *attrs; /* RECORD, sorted by name once checked */
  size_t nattrs;
  lr_str name; /* ENTITY/EXTENSION: resolved name; REF: name as written */
  lr_str ns;   /* REF: namespace the reference was written in */
  int ref;     /* REF: LR_REF_* */
};

typedef struct lr_annot {
  lr_str key, val;
  size_t off, end;
} lr_annot;

struct lr_schema_annots {
  lr_annot *items;
  size_t n;
};

/* A reference to an entity type in `in`, appliesTo, memberOfTypes. */
typedef struct lr_tref {
  lr_str raw;  /* as written */
  lr_str full; /* resolved */
  size_t off, end;
} lr_tref;

struct lr_schema_entity {
  lr_str name, ns, base;
  size_t off, end;
  lr_schema_annots *annots;
  lr_tref *parents;
  size_t nparents;
  lr_stype *shape; /* raw: may be a REF to a common type; NULL = empty record */
  lr_stype *tags;  /* NULL = no tags */
  bool is_enum;
  lr_str *choices;
  size_t nchoices;
};

typedef struct lr_aref {
  lr_str type_raw; /* "" = `Action` of the current namespace */
  lr_str id;
  lr_str type; /* resolved full type */
  size_t off, end;
} lr_aref;

struct lr_schema_action {
  lr_str type, id, ns; /* type is `NS::Action` */
  size_t off, end;
  lr_schema_annots *annots;
  lr_aref *parents;
  size_t nparents;
  bool applies;
  lr_tref *types[2]; /* LR_SCHEMA_PRINCIPAL, LR_SCHEMA_RESOURCE */
  size_t ntypes[2];
  lr_stype *context; /* raw: may be a REF; NULL = empty record */
};

typedef struct lr_schema_common {
  lr_str name, ns, base;
  size_t off, end;
  lr_schema_annots *annots;
  lr_stype *def;      /* as written */
  lr_stype *resolved; /* after check */
  int state;          /* 0 new, 1 resolving, 2 done, 3 failed */
} lr_schema_common;

typedef struct lr_schema_ns {
  lr_str name;
  size_t off, end;
  lr_schema_annots *annots;
} lr_schema_ns;

/* A growable array of pointers in the schema's arena. */
typedef struct lr_ptrvec {
  void **items;
  size_t n, cap;
} lr_ptrvec;

struct lr_schema {
  lr_arena *arena;
  const lr_source *src;
  lr_schema_format fmt;
  bool checked, ok;
  lr_ptrvec nss, entities, actions, commons;
  lr_map entity_map, action_map, common_map;
};

/* ---- construction helpers (schema.c) ---- */
lr_schema *lr_schema_new(const lr_source *src, lr_schema_format fmt);
void lr_ptrvec_push(lr_arena *a, lr_ptrvec *v, void *p);
/* `ns::base`, or base when ns is empty, in the arena. */
lr_str lr_schema_join(lr_arena *a, lr_str ns, lr_str base);
lr_stype *lr_stype_new(lr_arena *a, int kind, size_t off, size_t end);
/* The key used in action_map: type NUL id. */
lr_str lr_schema_action_key(lr_arena *a, lr_str type, lr_str id);
/* Appends s as a Cedar string literal with escapes. */
void lr_schema_quote(lr_buf *out, lr_str s);
/* Whether s is a valid Cedar identifier / reserved word / `A::B` path. */
bool lr_schema_is_ident(lr_str s);
bool lr_schema_is_reserved(lr_str s);
bool lr_schema_is_path(lr_str s);
/* Names no common type may take (JSON schema keywords). */
bool lr_schema_is_reserved_type_name(lr_str s);
/* For a JSON schema source: appends the JSON path (`$.NS.entityTypes.User`)
 * of the value starting at byte off; false when no value starts there. */
bool lr_schema_json_path(const lr_source *src, size_t off, lr_buf *out);
/* Adds an annotation, reporting a duplicate key. */
void lr_schema_annot_add(lr_arena *a, lr_schema_annots *an, lr_str key, lr_str val, size_t off,
                         size_t end, const lr_source *src, lr_diags *d);

#endif /* LARCH_SCHEMA_INT_H */
