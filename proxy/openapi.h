/*
 * openapi.h — `--openapi F`: an OpenAPI 3.0/3.1 document (JSON) turned into
 * an operation matcher, so a REST call becomes `Tool::"<operationId>"` with
 * `context.args` built from its path parameters, query parameters and JSON
 * body (DESIGN §3).
 *
 * Loading is a cold path (jansson, once per load or reload); the result is
 * immutable and may be shared by worker threads. Matching and argument
 * conversion run per request and allocate only in the request arena; the
 * body is read with the hot-path tokens of policy.h (lr_jfast_*).
 *
 * Also here: the JSON Schema typing both OpenAPI and the agentcore profile
 * use (integer → Long, number → decimal, boolean → Bool, string → String).
 */
#ifndef LARCH_PROXY_OPENAPI_H
#define LARCH_PROXY_OPENAPI_H

#include <stdbool.h>
#include <stddef.h>

#include "base.h"
#include "policy.h"
#include "rest.h"

/* ---- JSON Schema typing ---------------------------------------------------- */

/* A compiled (Schema Object) type: what the conversion needs of a JSON
 * Schema, namely type, object properties and array items, with local $refs
 * resolved (cycles allowed). Lives in the arena it was compiled into. */
typedef struct lr_jtype lr_jtype;

/* Compiles schema (a JSON Schema object, or a {"$ref": "#/..."} into root)
 * into a; NULL schema gives NULL (untyped). Errors name file and the JSON
 * path of the offending member ("api.json: paths./a.get...schema: ...").
 * Returns LR_ERR on a bad $ref or a non-object schema. */
lr_status lr_jtype_compile(lr_arena *a, const json_t *schema, const json_t *root, const char *file,
                           const char *path, lr_diags *d, const lr_jtype **out);

/* Converts the JSON subtree at token t to a Cedar value as lr_jfast_value
 * does (DESIGN §3), except where t's schema says "number": an integer
 * literal becomes a decimal too (450 → decimal("450.0")), so a field's Cedar
 * type never depends on how the client wrote the number. Where the schema
 * says "integer", a fraction of zeros (3.0) reads as the Long 3. Other
 * mismatches are not checked (larch is not a validator): the value keeps
 * its JSON type. type may be NULL (plain lr_jfast_value). */
lr_status lr_jtype_value(lr_arena *a, const lr_jtype *type, const lr_jfast_doc *d, uint32_t t,
                         const char *path, lr_value *out, lr_jfast_err *err);

/* Converts a text parameter (path segment or query value) to the type of
 * its schema: integer → Long, number → decimal, boolean → Bool
 * ("true"/"false"), anything else → String. LR_ERR (*why in a) when the
 * text does not read as the declared integer, number or boolean. */
lr_status lr_jtype_text(lr_arena *a, const lr_jtype *type, lr_str text, lr_value *out,
                        const char **why);

/* ---- query parameters without an OpenAPI document ------------------------------ */

/* A record of query parameters as strings; a name given more than once
 * becomes a set of its strings. */
lr_status lr_rest_query_record(lr_arena *a, const lr_rest_param *ps, size_t n, lr_value *out);

/* ---- the operation matcher -------------------------------------------------------- */

typedef struct lr_openapi lr_openapi;

/* Parses an OpenAPI 3.0.x / 3.1.x document (JSON). file labels messages.
 * Refused with diagnostics (code OA001, "<file>: <JSON path>: message"):
 * not JSON, not an object, no or another "openapi" version (Swagger 2.0
 * included), paths not starting with "/", unbalanced or empty "{}" in a
 * template, two parameters in one segment, a duplicate operationId, two
 * templates of one method that differ only in parameter names, malformed
 * parameters (name/in), bad local $refs. Returns NULL on error; the caller
 * frees the result with lr_openapi_free. */
lr_openapi *lr_openapi_parse(const char *text, size_t len, const char *file, lr_diags *d);
/* Reads and parses a file. */
lr_openapi *lr_openapi_load(const char *path, lr_diags *d);
void lr_openapi_free(lr_openapi *o);
/* Number of operations. */
size_t lr_openapi_count(const lr_openapi *o);

/* What a request that matched an operation maps to. */
typedef struct lr_openapi_call {
  lr_str tool;     /* the operationId, or "<METHOD> <template>" when it has none */
  lr_str template; /* the path template as written in the document */
  lr_value args;   /* RECORD: path parameters, query parameters, body fields */
} lr_openapi_call;

/* Matches a request (method as sent, e.g. "GET"; path normalised by
 * lr_rest_normalize) against the operations, under each server's base
 * path. Among matching templates, literal segments win over templated ones,
 * left to right (OpenAPI 3.1 §4.8.8 "Path Templating Matching"); document
 * order breaks ties. No match: LR_OK with *matched false (the caller maps
 * the request to Route::"<path>"). A match: *matched true and *call filled:
 *  - path parameters typed by their schema;
 *  - declared query parameters typed by their schema (arrays: repeated
 *    names, or comma-separated with explode: false), undeclared ones as
 *    strings (a set of strings when repeated);
 *  - body (may be NULL; body_tok its root token): an object's members typed
 *    by the requestBody JSON schema's properties; any other JSON value
 *    under the key "body".
 * LR_ERR (*why allocated in a, for a 400) when a parameter does not read as
 * its declared type, a declared scalar query parameter is repeated, the
 * query is malformed, the body does not convert, or one name is given by
 * two sources (path, query, body) with different values. */
lr_status lr_openapi_match(lr_arena *a, const lr_openapi *o, lr_str method, const lr_rest_path *p,
                           const lr_jfast_doc *body, uint32_t body_tok, lr_openapi_call *call,
                           bool *matched, const char **why);

#endif /* LARCH_PROXY_OPENAPI_H */
