/*
 * json_path.c — paths into JSON documents and the error messages that
 * carry them ("entities.json: [3].attrs.age: expected a long, got a string").
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* jansson refuses NUL in object keys, which Cedar allows ("\u0000" as a
 * record key). Before parsing, a `\u0000` inside a key is rewritten to the
 * escape of U+10FFFF (a noncharacter), and json_key / json_get turn it back
 * into NUL. Keys are strings followed by ':'. */
static const char nul_escape[] = "\\uDBFF\\uDFFF";

static char *escape_nul_keys(const char *text, size_t len, size_t *out_len) {
  lr_buf b = {0};
  size_t i = 0, copied = 0;
  while (i < len) {
    if (text[i] != '"') {
      i++;
      continue;
    }
    size_t start = i++;
    while (i < len && text[i] != '"') i += text[i] == '\\' ? 2 : 1;
    size_t end = i < len ? ++i : len; /* one past the closing quote */
    size_t k = end;
    while (k < len && (text[k] == ' ' || text[k] == '\t' || text[k] == '\n' || text[k] == '\r'))
      k++;
    if (k >= len || text[k] != ':') continue;
    lr_buf_append(&b, text + copied, start - copied);
    for (size_t q = start; q < end;) {
      if (text[q] == '\\' && q + 6 <= end && memcmp(text + q, "\\u0000", 6) == 0) {
        lr_buf_puts(&b, nul_escape);
        q += 6;
      } else if (text[q] == '\\' && q + 1 < end) {
        lr_buf_append(&b, text + q, 2);
        q += 2;
      } else {
        lr_buf_putc(&b, text[q++]);
      }
    }
    copied = end;
  }
  lr_buf_append(&b, text + copied, len - copied);
  *out_len = b.len;
  return b.p;
}

json_t *lr_json_parse(const char *text, size_t len, const char *file, lr_diags *d) {
  json_error_t err;
  char *escaped = NULL;
  if (memmem(text, len, "\\u0000", 6)) text = escaped = escape_nul_keys(text, len, &len);
  json_t *j =
      json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL | JSON_DECODE_ANY, &err);
  free(escaped);
  if (!j)
    lr_diag_error(d, LR_JSON_E_SYNTAX, NULL, 0, 0, "%s:%d:%d: invalid JSON: %s",
                  file ? file : "<json>", err.line, err.column, err.text);
  return j;
}

#define NUL_UTF8 "\xF4\x8F\xBF\xBF"

lr_str json_key(lr_arena *a, const char *key, size_t klen) {
  if (!memmem(key, klen, NUL_UTF8, 4)) return lr_str_dup(a, lr_str_make(key, klen));
  char *s = lr_arena_alloc(a, klen + 1);
  size_t n = 0;
  for (size_t i = 0; i < klen;) {
    if (i + 4 <= klen && memcmp(key + i, NUL_UTF8, 4) == 0)
      s[n++] = '\0', i += 4;
    else
      s[n++] = key[i++];
  }
  s[n] = '\0';
  return lr_str_make(s, n);
}

json_t *json_get(const json_t *obj, lr_str name) {
  if (!memchr(name.p, '\0', name.n)) return json_object_getn(obj, name.p, name.n);
  lr_buf b = {0};
  for (size_t i = 0; i < name.n; i++) {
    if (name.p[i] == '\0')
      lr_buf_append(&b, NUL_UTF8, 4);
    else
      lr_buf_putc(&b, name.p[i]);
  }
  json_t *v = json_object_getn(obj, b.p, b.len);
  lr_buf_free(&b);
  return v;
}
