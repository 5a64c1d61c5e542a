/*
 * json_path.c — paths into JSON documents and the error messages that
 * carry them ("entities.json: [3].attrs.age: expected a long, got a string").
 */
#include <ctype.h>
#include <stdio.h>

#include "json_internal.h"

static bool is_ident(const char *s, size_t n) {
  if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_')) return false;
  for (size_t i = 1; i < n; i++)
    if (!(isalnum((unsigned char)s[i]) || s[i] == '_')) return false;
  return true;
}

size_t json_path_push_key(json_path *p, const char *key, size_t len) {
  size_t mark = p->buf.len;
  if (is_ident(key, len)) {
    if (p->buf.len) lr_buf_putc(&p->buf, '.');
    lr_buf_append(&p->buf, key, len);
  } else {
    lr_buf_putc(&p->buf, '[');
    lr_buf_json_str(&p->buf, key, len);
    lr_buf_putc(&p->buf, ']');
  }
  return mark;
}

size_t json_path_push_index(json_path *p, size_t index) {
  size_t mark = p->buf.len;
  lr_buf_printf(&p->buf, "[%zu]", index);
  return mark;
}

void json_error(lr_diags *d, const char *code, const char *file, const json_path *p,
                const char *fmt, ...) {
  lr_buf msg = {0};
  if (file) lr_buf_printf(&msg, "%s: ", file);
  if (p && p->buf.len) lr_buf_printf(&msg, "%s: ", p->buf.p);
  va_list ap;
  va_start(ap, fmt);
  lr_buf_vprintf(&msg, fmt, ap);
  va_end(ap);
  lr_diag_error(d, code, NULL, 0, 0, "%s", msg.p);
  lr_buf_free(&msg);
}

const char *json_kind_name(const json_t *j) {
  switch (json_typeof(j)) {
  case JSON_OBJECT: return "a record";
  case JSON_ARRAY: return "a set";
  case JSON_STRING: return "a string";
  case JSON_INTEGER: return "a long";
  case JSON_REAL: return "a floating-point number";
  case JSON_TRUE:
  case JSON_FALSE: return "a boolean";
  case JSON_NULL: return "null";
  }
  return "a JSON value";
}

json_t *json_parse_text(const char *text, size_t len, const char *file, lr_diags *d) {
  json_error_t err;
  json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &err);
  if (!j)
    lr_diag_error(d, LR_JSON_E_SYNTAX, NULL, 0, 0, "%s:%d:%d: invalid JSON: %s",
                  file ? file : "<json>", err.line, err.column, err.text);
  return j;
}
