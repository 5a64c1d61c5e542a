/*
 * fuzz_schema.c — libFuzzer target for the schema front end: the input is
 * parsed as a .cedarschema text and as a JSON schema; what loads is dumped,
 * emitted as JSON and loaded again, and the two dumps must agree.
 * Build with `make fuzz`; run build-fuzz/tests/fuzz/fuzz_schema NEW_DIR
 * tests/fuzz/seeds/schema.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"

static void roundtrip(const lr_schema *s) {
  lr_buf dump = {0}, js = {0}, again = {0};
  lr_schema_dump(s, &dump);
  lr_schema_to_json(s, &js);
  lr_source src = {"rt.json", js.p, js.len};
  lr_diags d = {0};
  lr_schema *t = lr_schema_load(&src, LR_SCHEMA_JSON, &d);
  if (t) {
    lr_schema_dump(t, &again);
    if (!lr_str_eq(lr_buf_str(&dump), lr_buf_str(&again))) abort();
  } else if (!memmem(js.p, js.len, "\xF4\x8F\xBF\xBD", 4)) {
    abort(); /* our own JSON must load (unless it holds the loader's NUL marker) */
  }
  lr_schema_free(t);
  lr_diags_free(&d);
  lr_buf_free(&dump);
  lr_buf_free(&js);
  lr_buf_free(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  lr_buf text = {0};
  lr_buf_append(&text, data, size); /* NUL-terminated copy */
  for (int fmt = 0; fmt < 2; fmt++) {
    lr_source src = {"fuzz", text.p ? text.p : "", text.len};
    lr_diags d = {0};
    lr_schema *s = lr_schema_load(&src, fmt ? LR_SCHEMA_JSON : LR_SCHEMA_TEXT, &d);
    lr_buf out = {0};
    lr_diags_render(&d, &out);
    if (s) roundtrip(s);
    lr_buf_free(&out);
    lr_schema_free(s);
    lr_diags_free(&d);
  }
  lr_buf_free(&text);
  return 0;
}
