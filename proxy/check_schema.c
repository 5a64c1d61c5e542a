/*
 * check_schema.c — `larch check` on schema files (see check_schema.h).
 */
#include "check_schema.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "schema.h"

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

bool lr_check_is_schema_path(const char *path) {
  return ends_with(path, ".cedarschema") || ends_with(path, ".json");
}

long lr_check_schema_file(const char *path, bool dump) {
  lr_buf text = {0};
  if (lr_buf_read_file(&text, path) != LR_OK) {
    fprintf(stderr, "larch check: %s: %s\n", path, strerror(errno));
    return -1;
  }
  lr_buf_reserve(&text, 0); /* NUL-terminated even when empty */
  lr_source src = {path, text.p, text.len};
  lr_diags d = {0};
  lr_schema *s = lr_schema_load(&src, lr_schema_format_of(path), &d);
  lr_buf out = {0};
  if (d.n) {
    lr_diags_render(&d, &out);
    fwrite(out.p, 1, out.len, stderr);
    lr_buf_clear(&out);
  }
  if (s && dump) {
    lr_schema_dump(s, &out);
    fwrite(out.p ? out.p : "", 1, out.len, stdout);
  }
  long errors = (long)d.errors;
  lr_buf_free(&out);
  lr_schema_free(s);
  lr_diags_free(&d);
  lr_buf_free(&text);
  return errors;
}
