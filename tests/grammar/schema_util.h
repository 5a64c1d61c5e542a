/*
 * schema_util.h — helpers shared by the schema tests: load a file or a string
 * as a schema and render its diagnostics or its dump.
 */
#ifndef LARCH_TESTS_SCHEMA_UTIL_H
#define LARCH_TESTS_SCHEMA_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"

/* Loads text (named name, format from the name) and appends to out either
 * the rendered diagnostics or the dump. Returns the schema (caller frees) or
 * NULL. src must stay alive while the schema is used: the caller passes one. */
static inline lr_schema *schema_run(lr_source *src, const char *name, const char *text, size_t len,
                                    lr_buf *out) {
  src->name = name;
  src->text = text;
  src->len = len;
  lr_diags d = {0};
  lr_schema *s = lr_schema_load(src, lr_schema_format_of(name), &d);
  if (s)
    lr_schema_dump(s, out);
  else
    lr_diags_render(&d, out);
  lr_diags_free(&d);
  return s;
}

/* Loads a schema from a string; aborts the test via the returned NULL when it
 * does not load. The text must be a string literal or otherwise outlive it. */
static inline lr_schema *schema_from(lr_source *src, const char *name, const char *text) {
  lr_buf out = {0};
  lr_schema *s = schema_run(src, name, text, strlen(text), &out);
  if (!s) fprintf(stderr, "%s", out.p ? out.p : "");
  lr_buf_free(&out);
  return s;
}

/* The dump (or diagnostics) of a schema given as a string, heap-allocated. */
static inline char *schema_dump_of(const char *name, const char *text) {
  lr_source src;
  lr_buf out = {0};
  lr_schema *s = schema_run(&src, name, text, strlen(text), &out);
  lr_schema_free(s);
  lr_buf_putc(&out, 0);
  return out.p;
}

#endif
