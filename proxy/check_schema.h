/*
 * check_schema.h — the schema half of `larch check` (private to the larch
 * binary): load a .cedarschema or JSON schema file, report its diagnostics,
 * optionally print its canonical dump.
 */
#ifndef LARCH_CHECK_SCHEMA_H
#define LARCH_CHECK_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

/* True for paths `larch check` treats as schemas: *.cedarschema, *.json. */
bool lr_check_is_schema_path(const char *path);

/* Loads and checks the schema at path (format from its name), printing the
 * rendered diagnostics to stderr and, when dump is set and it is well formed,
 * the canonical dump to stdout. Returns the number of errors, or -1 when the
 * file cannot be read (reported to stderr). */
long lr_check_schema_file(const char *path, bool dump);

#endif /* LARCH_CHECK_SCHEMA_H */
