/*
 * openapi_int.h — internals shared by openapi.c and openapi_schema.c (and
 * agentcore.c): schema kinds, $ref resolution, load-time error reporting.
 */
#ifndef LARCH_PROXY_OPENAPI_INT_H
#define LARCH_PROXY_OPENAPI_INT_H

#include "openapi.h"

typedef enum lr_jtype_kind {
  LR_JT_ANY,
  LR_JT_STRING,
  LR_JT_INTEGER,
  LR_JT_NUMBER,
  LR_JT_BOOLEAN,
  LR_JT_ARRAY,
  LR_JT_OBJECT,
} lr_jtype_kind;

/* The kind of t (LR_JT_ANY for NULL) and its array item type (or NULL). */
lr_jtype_kind lr_jtype_kind_of(const lr_jtype *t);
const lr_jtype *lr_jtype_items(const lr_jtype *t);

/* Resolves a local JSON reference "#/a/b~1c/0" (RFC 6901) in root; NULL
 * when it does not resolve or is not local. */
const json_t *oa_resolve_ref(const json_t *root, const char *ref);

/* Adds "<file>: <path>: <message>" (code OA001) to d. */
void oa_error(lr_diags *d, const char *file, const char *path, const char *fmt, ...)
    LR_PRINTF(4, 5);

#endif /* LARCH_PROXY_OPENAPI_INT_H */
