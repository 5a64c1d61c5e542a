/*
 * rest.c — request-target normalisation for REST routes (see rest.h).
 *
 * Sources: RFC 3986 §2.1 (percent-encoding), §2.3 (unreserved characters),
 * §3.3 (path segments, ";" parameters), §5.2.4 (remove_dot_segments);
 * RFC 3629 §3-4 (UTF-8 well-formedness). The refusals follow what servers
 * disagree on: an encoded "/" or ";" is data for some and a delimiter for
 * others, a second decoding pass turns %252e into ".", and Windows servers
 * read "\" as "/". When servers disagree, the request is refused.
 */
#include "rest.h"

#include <string.h>

static int hexval(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool lr_rest_utf8_valid(const unsigned char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t len;
    uint32_t cp, min;
    if (c >= 0xc2 && c <= 0xdf)
      len = 2, cp = c & 0x1f, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
      len = 3, cp = c & 0x0f, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
      len = 4, cp = c & 0x07, min = 0x10000;
    else
      return false; /* continuation byte, C0/C1 overlong lead, F5+ */
    if (n - i < len) return false;
    for (size_t k = 1; k < len; k++) {
      if ((s[i + k] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += len;
  }
  return true;
}

lr_status lr_rest_decode(lr_arena *a, lr_str in, bool plus_space, lr_str *out, const char **why) {
  char *buf = lr_arena_alloc(a, in.n + 1);
  size_t o = 0;
  for (size_t i = 0; i < in.n; i++) {
    unsigned char c = (unsigned char)in.p[i];
    if (c == '%') {
      int h, l;
      if (i + 2 >= in.n) goto bad_escape;
      h = hexval((unsigned char)in.p[i + 1]);
      l = hexval((unsigned char)in.p[i + 2]);
      if (h < 0 || l < 0) goto bad_escape;
      c = (unsigned char)(h * 16 + l);
      i += 2;
    } else if (c == '+' && plus_space) {
      c = ' ';
    }
    if (c == 0) {
      *why = "NUL byte in a percent-encoded component";
      return LR_ERR;
    }
    buf[o++] = (char)c;
  }
  buf[o] = 0;
  if (!lr_rest_utf8_valid((const unsigned char *)buf, o)) {
    *why = "invalid UTF-8 after percent-decoding";
    return LR_ERR;
  }
  *out = lr_str_make(buf, o);
  return LR_OK;
bad_escape:
  *why = "'%' not followed by two hex digits";
  return LR_ERR;
}

static size_t count_byte(lr_str s, char c) {
  size_t n = 0;
  for (size_t i = 0; i < s.n; i++) n += s.p[i] == c;
  return n;
}

/* The next piece of s up to sep, starting at *pos (which then moves past
 * the separator); false when s is exhausted. */
static bool split_next(lr_str s, char sep, size_t *pos, lr_str *piece) {
  if (*pos > s.n) return false;
  const char *e = memchr(s.p + *pos, sep, s.n - *pos);
  size_t end = e ? (size_t)(e - s.p) : s.n;
  *piece = lr_str_make(s.p + *pos, end - *pos);
  *pos = end + 1;
  return true;
}

/* RFC 3986 pchar minus ";" and "%": kept literal in the forwarded form. */
static bool keep_literal(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return c != 0 && strchr("-._~!$&'()*+,=:@", c) != NULL;
}

/* Decodes and checks one raw segment (matrix parameters already cut) into
 * the arena; refusals as documented in rest.h. */
static lr_status segment_decode(lr_arena *a, lr_str raw, unsigned flags, lr_str *out,
                                const char **why) {
  for (size_t i = 0; i < raw.n; i++) {
    unsigned char c = (unsigned char)raw.p[i];
    if (c <= 0x20 || c == 0x7f) {
      *why = "control character or space in the path";
      return LR_ERR;
    }
    if (c == '\\') {
      *why = "backslash in the path";
      return LR_ERR;
    }
    if (c == '#') {
      *why = "fragment in the request target";
      return LR_ERR;
    }
  }
  lr_str s;
  if (lr_rest_decode(a, raw, false, &s, why) != LR_OK) return LR_ERR;
  char *p = (char *)s.p;
  for (size_t i = 0; i < s.n; i++) {
    unsigned char c = (unsigned char)p[i];
    if (c < 0x20 || c == 0x7f) {
      *why = "encoded control character in the path";
      return LR_ERR;
    }
    switch (c) {
    case '/': *why = "encoded '/' (%2F) in the path"; return LR_ERR;
    case '\\': *why = "encoded backslash (%5C) in the path"; return LR_ERR;
    case ';': *why = "encoded ';' (%3B) in the path"; return LR_ERR;
    case '%':
      if (i + 2 < s.n && hexval((unsigned char)p[i + 1]) >= 0 &&
          hexval((unsigned char)p[i + 2]) >= 0) {
        *why = "double percent-encoding (%25XX) in the path";
        return LR_ERR;
      }
      break;
    default:
      if ((flags & LR_REST_FOLD_CASE) && c >= 'A' && c <= 'Z') p[i] = (char)(c + 32);
    }
  }
  *out = s;
  return LR_OK;
}

lr_status lr_rest_normalize(lr_arena *a, lr_str target, unsigned flags, lr_rest_path *out,
                            const char **why) {
  memset(out, 0, sizeof *out);
  if (target.n > LR_REST_MAX_TARGET) {
    *why = "request target too long";
    return LR_ERR;
  }
  if (target.n == 0 || target.p[0] != '/') {
    *why = "request target is not an absolute path";
    return LR_ERR;
  }
  const char *q = memchr(target.p, '?', target.n);
  lr_str raw = lr_str_make(target.p, q ? (size_t)(q - target.p) : target.n);
  if (q) {
    out->has_query = true;
    out->query = lr_str_make(q + 1, target.n - raw.n - 1);
    for (size_t i = 0; i < out->query.n; i++) {
      unsigned char c = (unsigned char)out->query.p[i];
      if (c <= 0x20 || c == 0x7f || c == '#') {
        *why = "control character, space or '#' in the query";
        return LR_ERR;
      }
    }
  }
  size_t nraw = count_byte(raw, '/');
  if (nraw > LR_REST_MAX_SEGMENTS) {
    *why = "too many path segments";
    return LR_ERR;
  }
  lr_str *segs = LR_NEW_N(a, lr_str, nraw);
  size_t n = 0;
  lr_str seg;
  for (size_t pos = 1; split_next(raw, '/', &pos, &seg);) {
    const char *semi = memchr(seg.p, ';', seg.n);
    if (semi) seg.n = (size_t)(semi - seg.p); /* RFC 3986 §3.3 parameters */
    lr_str dec;
    if (segment_decode(a, seg, flags, &dec, why) != LR_OK) return LR_ERR;
    if (dec.n == 0 || lr_str_eq(dec, LR_STR("."))) {
      /* empty ("//", trailing "/") or "." : nothing */
    } else if (lr_str_eq(dec, LR_STR(".."))) {
      if (n == 0) {
        *why = "'..' above the root of the path";
        return LR_ERR;
      }
      n--;
    } else {
      segs[n++] = dec;
    }
  }
  lr_buf path = {0}, fwd = {0};
  if (n == 0) {
    lr_buf_putc(&path, '/');
    lr_buf_putc(&fwd, '/');
  }
  for (size_t k = 0; k < n; k++) {
    lr_buf_putc(&path, '/');
    lr_buf_putc(&fwd, '/');
    lr_buf_append(&path, segs[k].p, segs[k].n);
    for (size_t i = 0; i < segs[k].n; i++) {
      unsigned char c = (unsigned char)segs[k].p[i];
      if (keep_literal(c))
        lr_buf_putc(&fwd, (char)c);
      else
        lr_buf_printf(&fwd, "%%%02X", c);
    }
  }
  if (q) {
    lr_buf_putc(&fwd, '?');
    lr_buf_append(&fwd, out->query.p, out->query.n);
  }
  out->path = lr_str_dup(a, lr_buf_str(&path));
  out->forward = lr_str_dup(a, lr_buf_str(&fwd));
  lr_buf_free(&path);
  lr_buf_free(&fwd);
  /* segments as slices of the canonical path */
  size_t off = 1;
  for (size_t k = 0; k < n; k++) {
    segs[k] = lr_str_make(out->path.p + off, segs[k].n);
    off += segs[k].n + 1;
  }
  out->segs = segs;
  out->nsegs = n;
  return LR_OK;
}

#define MAX_QUERY_PARAMS 1024u

lr_status lr_rest_query_parse(lr_arena *a, lr_str query, lr_rest_param **out, size_t *n,
                              const char **why) {
  size_t cap = 1 + count_byte(query, '&');
  if (cap > MAX_QUERY_PARAMS) {
    *why = "too many query parameters";
    return LR_ERR;
  }
  lr_rest_param *ps = LR_NEW_N(a, lr_rest_param, cap);
  size_t k = 0;
  lr_str pair;
  for (size_t pos = 0; split_next(query, '&', &pos, &pair);) {
    if (pair.n > 0) {
      const char *eq = memchr(pair.p, '=', pair.n);
      lr_str name = lr_str_make(pair.p, eq ? (size_t)(eq - pair.p) : pair.n);
      lr_str value = eq ? lr_str_make(eq + 1, pair.n - name.n - 1) : LR_STR("");
      if (lr_rest_decode(a, name, true, &ps[k].name, why) != LR_OK ||
          lr_rest_decode(a, value, true, &ps[k].value, why) != LR_OK)
        return LR_ERR;
      k++;
    }
  }
  *out = ps;
  *n = k;
  return LR_OK;
}
