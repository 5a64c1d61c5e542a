/*
 * json_test_util.h — helpers shared by the JSON-layer tests: loading a
 * schema from text and turning diagnostics into one string to compare.
 */
#ifndef LARCH_TESTS_JSON_TEST_UTIL_H
#define LARCH_TESTS_JSON_TEST_UTIL_H

#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

#include "policy.h"
#include "schema.h"

/* A checked schema from .cedarschema text (the source must outlive it, so
 * it is kept in a static slot per call site via the caller's lr_source). */
static inline lr_schema *test_schema(lr_source *src, const char *text) {
  *src = (lr_source){"test.cedarschema", text, strlen(text)};
  lr_diags d = {0};
  lr_schema *s = lr_schema_load(src, LR_SCHEMA_TEXT, &d);
  if (!s) {
    lr_buf out = {0};
    lr_diags_render(&d, &out);
    cr_log_error("%s", out.p);
    lr_buf_free(&out);
  }
  lr_diags_free(&d);
  cr_assert_not_null(s);
  return s;
}

/* The messages of d, one per line. */
static inline char *test_messages(const lr_diags *d) {
  lr_buf b = {0};
  for (size_t i = 0; i < d->n; i++) lr_buf_printf(&b, "%s\n", d->items[i].msg);
  return b.p ? b.p : lr_xstrdup("");
}

static inline json_t *test_json(const char *text) {
  json_error_t e;
  json_t *j = json_loads(text, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &e);
  cr_assert_not_null(j, "bad test JSON: %s", e.text);
  return j;
}

/* Cedar text of a value. */
static inline char *test_print(lr_value v) {
  lr_buf b = {0};
  lr_value_print(v, &b);
  return b.p;
}

#endif
