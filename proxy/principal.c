/*
 * principal.c — the refcounted principal description and entity uid
 * parsing (`Type::"id"` literals and {"type","id"} objects) for the
 * identity layer.
 */
#include <stdlib.h>
#include <string.h>

#include "identity.h"

lr_principal *lr_principal_ref(lr_principal *p) {
  if (p && atomic_load_explicit(&p->refs, memory_order_relaxed))
    atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
  return p;
}

void lr_principal_unref(lr_principal *p) {
  if (!p || !atomic_load_explicit(&p->refs, memory_order_relaxed)) return; /* immortal */
  if (atomic_fetch_sub_explicit(&p->refs, 1, memory_order_acq_rel) != 1) return;
  lr_uid_clear(&p->uid);
  for (size_t i = 0; i < p->nparents; i++) lr_uid_clear(&p->parents[i]);
  free(p->parents);
  json_decref(p->claims);
  json_decref(p->attrs);
  free(p);
}

lr_principal *lr_principal_anonymous(void) {
  /* Immutable after compile time: refs == 0 makes ref/unref no-ops. */
  static lr_principal anon = {
      .source = LR_PRINCIPAL_ANONYMOUS,
      .uid = {{"Anonymous", 9}, {"anonymous", 9}},
  };
  return &anon;
}

void lr_uid_clear(lr_uid *u) {
  free((char *)u->type.p);
  free((char *)u->id.p);
  u->type = u->id = (lr_str){NULL, 0};
}

static lr_str heap_str(const char *s, size_t n) {
  char *p = lr_xmalloc(n + 1);
  memcpy(p, s, n);
  p[n] = 0;
  return (lr_str){p, n};
}

void lr_uid_set_heap(lr_uid *u, const char *type, const char *id, size_t n) {
  u->type = heap_str(type, strlen(type));
  u->id = heap_str(id, n);
}

static bool ident_start(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
static bool ident_char(char c) { return ident_start(c) || (c >= '0' && c <= '9'); }

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static void put_utf8(lr_buf *b, uint32_t cp) {
  char u[4];
  size_t n;
  if (cp < 0x80)
    u[0] = (char)cp, n = 1;
  else if (cp < 0x800)
    u[0] = (char)(0xc0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
  else if (cp < 0x10000)
    u[0] = (char)(0xe0 | cp >> 12), u[1] = (char)(0x80 | ((cp >> 6) & 0x3f)),
    u[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
  else
    u[0] = (char)(0xf0 | cp >> 18), u[1] = (char)(0x80 | ((cp >> 12) & 0x3f)),
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), u[3] = (char)(0x80 | (cp & 0x3f)), n = 4;
  lr_buf_append(b, u, n);
}

/* Decodes the Cedar string literal body starting after the opening quote
 * at s[*i]; stops after the closing quote. NUL results are refused (ids
 * are C strings here). */
static lr_status cedar_string(const char *s, size_t n, size_t *i, lr_buf *out) {
  while (*i < n) {
    char c = s[(*i)++];
    if (c == '"') return LR_OK;
    if (c != '\\') {
      if (c == 0) return LR_ERR;
      lr_buf_putc(out, c);
      continue;
    }
    if (*i >= n) return LR_ERR;
    c = s[(*i)++];
    switch (c) {
    case 'n': lr_buf_putc(out, '\n'); break;
    case 'r': lr_buf_putc(out, '\r'); break;
    case 't': lr_buf_putc(out, '\t'); break;
    case '\\':
    case '"':
    case '\'': lr_buf_putc(out, c); break;
    case 'u': {
      if (*i >= n || s[*i] != '{') return LR_ERR;
      (*i)++;
      uint32_t cp = 0;
      int digits = 0;
      while (*i < n && s[*i] != '}') {
        int h = hexval(s[(*i)++]);
        if (h < 0 || ++digits > 6) return LR_ERR;
        cp = cp << 4 | (uint32_t)h;
      }
      if (*i >= n || digits == 0 || cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return LR_ERR;
      (*i)++;
      put_utf8(out, cp);
      break;
    }
    default: return LR_ERR; /* \0 too: NUL ids are refused */
    }
  }
  return LR_ERR; /* unterminated */
}

lr_status lr_uid_parse(const char *s, size_t n, lr_uid *out) {
  while (n && (*s == ' ' || *s == '\t')) s++, n--;
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
  size_t i = 0;
  /* Type: ident ("::" ident)*, followed by "::" and a string. */
  for (;;) {
    if (i >= n || !ident_start(s[i])) return LR_ERR;
    while (i < n && ident_char(s[i])) i++;
    if (i + 2 > n || s[i] != ':' || s[i + 1] != ':') return LR_ERR;
    if (i + 2 < n && s[i + 2] == '"') break;
    i += 2;
  }
  size_t type_end = i;
  i += 3;
  lr_buf id = {0};
  if (cedar_string(s, n, &i, &id) != LR_OK || i != n) {
    lr_buf_free(&id);
    return LR_ERR;
  }
  out->type = heap_str(s, type_end);
  out->id = id.p ? (lr_str){id.p, id.len} : heap_str("", 0);
  return LR_OK;
}

/* A type name as in lr_uid_parse: ident ("::" ident)*. */
static bool valid_type(const char *t) {
  size_t i = 0, n = strlen(t);
  for (;;) {
    if (i >= n || !ident_start(t[i])) return false;
    while (i < n && ident_char(t[i])) i++;
    if (i == n) return true;
    if (i + 2 >= n || t[i] != ':' || t[i + 1] != ':') return false;
    i += 2;
  }
}

lr_status lr_uid_from_json(const json_t *v, lr_uid *out) {
  if (json_is_string(v)) return lr_uid_parse(json_string_value(v), json_string_length(v), out);
  if (!json_is_object(v) || json_object_size(v) != 2) return LR_ERR;
  const json_t *t = json_object_get(v, "type"), *id = json_object_get(v, "id");
  if (!json_is_string(t) || !json_is_string(id)) return LR_ERR;
  if (!valid_type(json_string_value(t))) return LR_ERR;
  if (strlen(json_string_value(id)) != json_string_length(id)) return LR_ERR; /* NUL inside */
  lr_uid_set_heap(out, json_string_value(t), json_string_value(id), json_string_length(id));
  return LR_OK;
}

void lr_uid_format(const lr_uid *u, lr_buf *out) {
  lr_buf_append(out, u->type.p, u->type.n);
  lr_buf_puts(out, "::\"");
  for (const unsigned char *c = (const unsigned char *)u->id.p; c && *c; c++) {
    switch (*c) {
    case '"': lr_buf_puts(out, "\\\""); break;
    case '\\': lr_buf_puts(out, "\\\\"); break;
    case '\n': lr_buf_puts(out, "\\n"); break;
    case '\r': lr_buf_puts(out, "\\r"); break;
    case '\t': lr_buf_puts(out, "\\t"); break;
    default:
      if (*c < 0x20 || *c == 0x7f)
        lr_buf_printf(out, "\\u{%x}", *c);
      else
        lr_buf_putc(out, (char)*c);
    }
  }
  lr_buf_putc(out, '"');
}
