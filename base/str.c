/*
 * str.c — string slices and the growable byte buffer.
 */
#include "base.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

lr_str lr_str_c(const char *cstr) { return (lr_str){cstr, cstr ? strlen(cstr) : 0}; }

bool lr_str_eq(lr_str a, lr_str b) { return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0); }

bool lr_str_eq_c(lr_str a, const char *cstr) { return lr_str_eq(a, lr_str_c(cstr)); }

int lr_str_cmp(lr_str a, lr_str b) {
  size_t n = a.n < b.n ? a.n : b.n;
  int c = n ? memcmp(a.p, b.p, n) : 0;
  if (c) return c;
  return a.n < b.n ? -1 : a.n > b.n;
}

bool lr_str_starts_with(lr_str s, lr_str prefix) {
  return s.n >= prefix.n && (prefix.n == 0 || memcmp(s.p, prefix.p, prefix.n) == 0);
}

lr_str lr_str_dup(lr_arena *a, lr_str s) { return (lr_str){lr_arena_strndup(a, s.p, s.n), s.n}; }

void lr_buf_reserve(lr_buf *b, size_t extra) {
  if (extra > SIZE_MAX - b->len - 1) lr_oom(extra);
  size_t need = b->len + extra + 1;
  if (need <= b->cap) return;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < need) cap = cap > SIZE_MAX / 2 ? need : cap * 2;
  b->p = lr_xrealloc(b->p, cap);
  b->cap = cap;
}

void lr_buf_vprintf(lr_buf *b, const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n <= 0) {
    lr_buf_reserve(b, 0);
    return;
  }
  lr_buf_reserve(b, (size_t)n);
  vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
  b->len += (size_t)n;
}

void lr_buf_printf(lr_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  lr_buf_vprintf(b, fmt, ap);
  va_end(ap);
}

size_t lr_u64_text(uint64_t u, char *out) {
  char r[20];
  size_t n = 0;
  do r[n++] = (char)('0' + u % 10), u /= 10;
  while (u);
  for (size_t i = 0; i < n; i++) out[i] = r[n - 1 - i];
  return n;
}

void lr_buf_put_i64(lr_buf *b, int64_t i) {
  char t[21];
  size_t n = 0;
  if (i < 0) t[n++] = '-';
  n += lr_u64_text(i < 0 ? 0 - (uint64_t)i : (uint64_t)i, t + n);
  lr_buf_append(b, t, n);
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n) {
  unsigned c = s[0];
  size_t len;
  unsigned min;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) len = 2, min = 0x80;
  else if (c >= 0xE0 && c <= 0xEF) len = 3, min = 0x800;
  else if (c >= 0xF0 && c <= 0xF4) len = 4, min = 0x10000;
  else return 0;
  if (n < len) return 0;
  unsigned cp = c & (0x7F >> len);
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

void lr_buf_json_str(lr_buf *b, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *u = (const unsigned char *)s;
  lr_buf_reserve(b, n + 2);
  lr_buf_putc(b, '"');
  size_t i = 0;
  while (i < n) {
    size_t run = i;
    while (run < n && u[run] >= 0x20 && u[run] < 0x80 && u[run] != '"' && u[run] != '\\') run++;
    if (run > i) {
      lr_buf_append(b, s + i, run - i);
      i = run;
      continue;
    }
    unsigned char c = u[i];
    if (c >= 0x80) {
      size_t l = utf8_len(u + i, n - i);
      if (l) lr_buf_append(b, s + i, l), i += l;
      else lr_buf_puts(b, "\\ufffd"), i++;
      continue;
    }
    switch (c) {
    case '"': lr_buf_puts(b, "\\\""); break;
    case '\\': lr_buf_puts(b, "\\\\"); break;
    case '\n': lr_buf_puts(b, "\\n"); break;
    case '\r': lr_buf_puts(b, "\\r"); break;
    case '\t': lr_buf_puts(b, "\\t"); break;
    case '\b': lr_buf_puts(b, "\\b"); break;
    case '\f': lr_buf_puts(b, "\\f"); break;
    default: {
      char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
      lr_buf_append(b, e, 6);
    }
    }
    i++;
  }
  lr_buf_putc(b, '"');
}

void lr_buf_clear(lr_buf *b) {
  b->len = 0;
  if (b->p) b->p[0] = '\0';
}

void lr_buf_free(lr_buf *b) {
  free(b->p);
  b->p = NULL;
  b->len = b->cap = 0;
}

lr_status lr_buf_read_file(lr_buf *b, const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return LR_ERR;
  char tmp[65536];
  size_t n;
  while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) lr_buf_append(b, tmp, n);
  int err = ferror(f);
  int saved = errno;
  fclose(f);
  if (err) {
    errno = saved ? saved : EIO;
    return LR_ERR;
  }
  lr_buf_reserve(b, 0);
  return LR_OK;
}
