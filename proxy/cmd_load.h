/*
 * cmd_load.h — loading what subcommands authorize against (schema, policy
 * files, entities), shared by `larch authorize` and `larch test` (private to
 * the larch binary).
 */
#ifndef LARCH_CMD_LOAD_H
#define LARCH_CMD_LOAD_H

#include <stddef.h>

#include "policy.h"
#include "schema.h"

/* What stays loaded while requests are decided. Zero-initialize, then call
 * lr_cli_load_begin; release with lr_cli_unload. */
typedef struct lr_cli_loaded {
  const char *cmd; /* prefix for messages, e.g. "larch authorize" */
  lr_arena *arena;
  lr_schema *schema;
  lr_source schema_src;
  lr_policy_set set;
  lr_entities *entities;
} lr_cli_loaded;

/* Creates L's arena; cmd prefixes I/O error messages. */
void lr_cli_load_begin(lr_cli_loaded *L, const char *cmd);

/* Reads the file at path into L's arena (NUL-terminated, *len set); NULL
 * after printing "<cmd>: <path>: cannot read: ..." to stderr. */
char *lr_cli_read_file(lr_cli_loaded *L, const char *path, size_t *len);

/* Loads the schema at path (format from its name) into L; 0, or 1 with
 * diagnostics in d (or an I/O error printed). */
int lr_cli_load_schema(lr_cli_loaded *L, const char *path, lr_diags *d);

/* Adds the policies of path (a .cedar file, or a folder walked recursively
 * for *.cedar in name order) to L->set; every file is parsed so that all
 * errors are reported. 0, or 1 with diagnostics in d. */
int lr_cli_load_policies(lr_cli_loaded *L, const char *path, lr_diags *d);

/* Loads Cedar JSON entities from text (named file in messages) with L's
 * schema; text NULL means none, which still gives a store holding the
 * schema's actions when a schema is loaded. 0, or 1 with diagnostics. */
int lr_cli_load_entities(lr_cli_loaded *L, const char *text, size_t len, const char *file,
                         lr_diags *d);

/* Builds a request from uid texts (Cedar syntax, e.g. User::"alice") and
 * optional context JSON text (ctx_name names it in messages), parsed with
 * L's schema and validated against it. 0, or 1 after printing why (cmd
 * prefixes messages). Values live in L's arena. */
int lr_cli_request(lr_cli_loaded *L, const char *principal, const char *action,
                   const char *resource, const char *ctx, size_t ctx_len, const char *ctx_name,
                   lr_diags *d, lr_request *req);

/* Releases everything L holds. */
void lr_cli_unload(lr_cli_loaded *L);

/* Renders d to stderr (file:line:col with carets). */
void lr_cli_print_diags(const lr_diags *d);

#endif /* LARCH_CMD_LOAD_H */
