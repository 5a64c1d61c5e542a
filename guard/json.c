/*
 * json.c — the JSON walker behind lr_pii_scan_json and lr_pii_mask_json.
 *
 * A strict, non-allocating-per-token recursive parser (RFC 8259) over the
 * raw body. Every string (keys too) is unescaped (\n, \", \/, \uXXXX with
 * surrogate pairs) into a scratch buffer, offsets mapped back through its
 * parent text, then scanned; a string value is also checked against its
 * member key (password, api_key, Authorization …). A string that itself
 * holds JSON (OpenAI function.arguments, MCP content[].text) is walked in
 * turn, up to PII_STR_DEPTH levels, its offsets composed through the maps
 * down to the raw body. Structural nesting is capped at PII_JSON_DEPTH.
 */
#include <stdlib.h>
#include <string.h>

#include "pii_int.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define PII_JSON_DEPTH 256
#define PII_STR_DEPTH 4

/* Offsets of a text in its parent: a plain run at `base`, or the escaped
 * string content esc[0, len) at `base`, whose decoded index i is found by
 * walking the escapes (only done for matches, which are rare). */
typedef struct tmap {
  const char *esc;
  size_t base, len;
  struct tmap *parent;
  size_t ci, cx; /* walk cache: decoded index ci starts at escaped offset cx */
} tmap;

static size_t esc_offset(tmap *m, size_t i);

static size_t to_raw(tmap *m, size_t i) {
  for (; m; m = m->parent) i = m->base + (m->esc ? esc_offset(m, i) : i);
  return i;
}

typedef struct scratch {
  char *dec;
  size_t cap;
} scratch;

typedef struct walker {
  lr_pii_set en;
  pii_on_match cb;
  void *ctx;
  scratch s[PII_STR_DEPTH + 1];
  lr_pii_hits hits;
} walker;

typedef struct text {
  const char *p;
  size_t n;
  tmap *map;
  int sdepth; /* string nesting level of this text */
} text;

static bool parse_value(walker *w, const text *t, size_t *pos, int depth, pii_key_kind kind,
                        bool emit);

static void ws(const text *t, size_t *pos) {
  while (*pos < t->n) {
    char c = t->p[*pos];
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') break;
    (*pos)++;
  }
}

static int hex4(const char *p) {
  int v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p[i];
    int d = c >= '0' && c <= '9'                     ? c - '0'
            : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10
                                                     : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

static void grow(scratch *s, size_t need) {
  if (need <= s->cap) return;
  size_t cap = s->cap ? s->cap : 256;
  while (cap < need) cap *= 2;
  s->dec = lr_xrealloc(s->dec, cap);
  s->cap = cap;
}

/* Scans the string at t->p[*pos] (the opening quote). On success *pos is
 * past the closing quote, [*cs, *ce) is the content. */
static bool skip_string(const text *t, size_t *pos, size_t *cs, size_t *ce, bool *escaped) {
  size_t x = *pos + 1;
  *escaped = false;
  *cs = x;
  for (;;) {
    /* fast run over plain bytes, 16 at a time where SSE2 is there */
#ifdef __SSE2__
    while (t->n - x >= 16) {
      __m128i v = _mm_loadu_si128((const __m128i *)(t->p + x));
      __m128i m = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                               _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
      /* bytes < 0x20: unsigned min with 0x1F equals the byte */
      m = _mm_or_si128(m, _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1F)), v));
      unsigned bits = (unsigned)_mm_movemask_epi8(m);
      if (bits) {
        x += (size_t)__builtin_ctz(bits);
        break;
      }
      x += 16;
    }
#endif
    while (x < t->n) {
      unsigned char c = (unsigned char)t->p[x];
      if (c == '"' || c == '\\' || c < 0x20) break;
      x++;
    }
    if (x >= t->n) return false;
    unsigned char c = (unsigned char)t->p[x];
    if (c == '"') break;
    if (c < 0x20) return false;
    *escaped = true;
    if (x + 1 >= t->n) return false;
    char e = t->p[x + 1];
    if (e == 'u') {
      if (x + 6 > t->n || hex4(t->p + x + 2) < 0) return false;
      x += 6;
    } else if (strchr("\"\\/bfnrt", e) && e) {
      x += 2;
    } else {
      return false;
    }
  }
  *ce = x;
  *pos = x + 1;
  return true;
}

static void put_utf8(char *d, size_t *m, uint32_t cp) {
  if (cp < 0x80) {
    d[(*m)++] = (char)cp;
  } else if (cp < 0x800) {
    d[(*m)++] = (char)(0xC0 | (cp >> 6));
    d[(*m)++] = (char)(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    d[(*m)++] = (char)(0xE0 | (cp >> 12));
    d[(*m)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
    d[(*m)++] = (char)(0x80 | (cp & 0x3F));
  } else {
    d[(*m)++] = (char)(0xF0 | (cp >> 18));
    d[(*m)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
    d[(*m)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
    d[(*m)++] = (char)(0x80 | (cp & 0x3F));
  }
}

/* Decodes the character or escape at p[x] (p[0, n) is valid string
 * content) into d[*m…] (d may be NULL to only count); returns the next x. */
static size_t esc_step(const char *p, size_t n, size_t x, char *d, size_t *m) {
  char tmp[4];
  size_t k = 0;
  if (p[x] != '\\') {
    if (d) d[*m] = p[x];
    (*m)++;
    return x + 1;
  }
  char e = p[x + 1];
  if (e != 'u') {
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    if (d) d[*m] = to[strchr(from, e) - from];
    (*m)++;
    return x + 2;
  }
  uint32_t cp = (uint32_t)hex4(p + x + 2);
  x += 6;
  if (cp >= 0xD800 && cp <= 0xDBFF && x + 6 <= n && p[x] == '\\' && p[x + 1] == 'u') {
    int lo = hex4(p + x + 2);
    if (lo >= 0xDC00 && lo <= 0xDFFF) {
      cp = 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
      x += 6;
    }
  }
  if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD; /* lone surrogate */
  put_utf8(tmp, &k, cp);
  if (d) memcpy(d + *m, tmp, k);
  *m += k;
  return x;
}

/* Unescapes t->p[cs, ce) into scratch s; returns the decoded length. */
static size_t unescape(const text *t, size_t cs, size_t ce, scratch *s) {
  grow(s, ce - cs + 1);
  size_t m = 0, n = ce - cs;
  const char *p = t->p + cs;
  for (size_t x = 0; x < n;) {
    const char *bs = memchr(p + x, '\\', n - x); /* copy plain runs whole */
    size_t run = bs ? (size_t)(bs - p) - x : n - x;
    memcpy(s->dec + m, p + x, run);
    m += run, x += run;
    if (x < n) x = esc_step(p, n, x, s->dec, &m);
  }
  return m;
}

/* Offset in the escaped content where decoded byte i comes from. Matches
 * are mapped in increasing order, so the walk resumes from the last one. */
static size_t esc_offset(tmap *t, size_t i) {
  size_t m = 0, x = 0;
  if (i >= t->ci) m = t->ci, x = t->cx;
  while (x < t->len && m < i) {
    const char *bs = memchr(t->esc + x, '\\', t->len - x);
    size_t run = bs ? (size_t)(bs - t->esc) - x : t->len - x;
    if (run >= i - m) { /* i lies in this plain run */
      x += i - m;
      m = i;
      break;
    }
    m += run, x += run;
    if (x < t->len) x = esc_step(t->esc, t->len, x, NULL, &m);
  }
  t->ci = m, t->cx = x;
  return x;
}

/* Emits the resolved hits of one string, offsets in `str` coordinates. */
static void emit_hits(walker *w, const char *dec, tmap *map, size_t from, bool number) {
  pii_hits_resolve(&w->hits, from);
  for (size_t i = from; i < w->hits.n; i++) {
    lr_pii_span h = w->hits.v[i];
    w->cb(w->ctx, to_raw(map, h.start), to_raw(map, h.end), h.type, dec + h.start, h.end - h.start,
          number);
  }
  w->hits.n = from;
}

static bool looks_json(const char *p, size_t n) {
  size_t a = 0;
  while (a < n && (p[a] == ' ' || p[a] == '\n' || p[a] == '\r' || p[a] == '\t')) a++;
  return a < n && (p[a] == '{' || p[a] == '[');
}

/* Parses the string at *pos; when emit, scans it (with the member key kind)
 * and reports matches. Sets *key_kind_out (if non-NULL) to the kind of the
 * string read as a key name (object keys, a name/value pair's name). */
static bool parse_string(walker *w, const text *t, size_t *pos, pii_key_kind kind, bool emit,
                         pii_key_kind *key_kind_out) {
  size_t cs, ce;
  bool esc;
  if (!skip_string(t, pos, &cs, &ce, &esc)) return false;
  if (!emit) return true;
  int lvl = t->sdepth;
  const char *dec;
  size_t len;
  tmap map;
  if (!esc) {
    dec = t->p + cs;
    len = ce - cs;
    map = (tmap){NULL, cs, 0, t->map, 0, 0};
  } else {
    scratch *s = &w->s[lvl];
    len = unescape(t, cs, ce, s);
    dec = s->dec;
    map = (tmap){t->p + cs, cs, ce - cs, t->map, 0, 0};
  }
  if (key_kind_out) {
    *key_kind_out = pii_classify_key(dec, len);
    if (*key_kind_out == PII_KEY_NONE) *key_kind_out = pii_classify_pii_key(dec, len);
  }
  if (len < 4) return true;
  if (lvl + 1 <= PII_STR_DEPTH && looks_json(dec, len)) {
    text inner = {dec, len, &map, lvl + 1};
    size_t ip = 0;
    ws(&inner, &ip);
    /* validate first, then walk: reports only for a whole JSON document */
    if (parse_value(w, &inner, &ip, 0, PII_KEY_NONE, false)) {
      ws(&inner, &ip);
      if (ip == len) {
        ip = 0;
        ws(&inner, &ip);
        return parse_value(w, &inner, &ip, 0, PII_KEY_NONE, true);
      }
    }
  }
  size_t from = w->hits.n;
  pii_scan_raw(dec, len, w->en, &w->hits);
  if (kind == PII_KEY_PHONE || kind == PII_KEY_SSN)
    pii_check_keyed_number(dec, len, kind, w->en, &w->hits);
  else if (kind != PII_KEY_NONE)
    pii_check_secret_value(dec, 0, len, kind, w->en, &w->hits);
  emit_hits(w, dec, &map, from, false);
  return true;
}

/* A long integer literal t->p[s, e): a card, or a phone / SSN under its key. */
static void scan_number(walker *w, const text *t, size_t s, size_t e, pii_key_kind kind) {
  size_t from = w->hits.n;
  tmap map = {NULL, s, 0, t->map, 0, 0};
  pii_scan_raw(t->p + s, e - s, w->en, &w->hits);
  if (kind == PII_KEY_PHONE || kind == PII_KEY_SSN)
    pii_check_keyed_number(t->p + s, e - s, kind, w->en, &w->hits);
  if (w->hits.n > from) {
    /* the match is the whole literal, so a masker can replace it by a string */
    pii_hits_resolve(&w->hits, from);
    w->hits.v[from] = (lr_pii_span){0, e - s, w->hits.v[from].type};
    w->hits.n = from + 1;
  }
  emit_hits(w, t->p + s, &map, from, true);
}

static bool parse_lit(const text *t, size_t *pos, const char *lit) {
  size_t l = strlen(lit);
  if (*pos + l > t->n || memcmp(t->p + *pos, lit, l) != 0) return false;
  *pos += l;
  return true;
}

static bool parse_number(const text *t, size_t *pos) {
  size_t x = *pos;
  const char *p = t->p;
  if (x < t->n && p[x] == '-') x++;
  if (x >= t->n) return false;
  if (p[x] == '0')
    x++;
  else if (p[x] >= '1' && p[x] <= '9')
    while (x < t->n && p[x] >= '0' && p[x] <= '9') x++;
  else
    return false;
  if (x < t->n && p[x] == '.') {
    x++;
    size_t d = x;
    while (x < t->n && p[x] >= '0' && p[x] <= '9') x++;
    if (x == d) return false;
  }
  if (x < t->n && (p[x] == 'e' || p[x] == 'E')) {
    x++;
    if (x < t->n && (p[x] == '+' || p[x] == '-')) x++;
    size_t d = x;
    while (x < t->n && p[x] >= '0' && p[x] <= '9') x++;
    if (x == d) return false;
  }
  *pos = x;
  return true;
}

/* What a member key [at, end) (quotes included) is to a name/value pair. */
enum { ROLE_OTHER, ROLE_NAME, ROLE_VALUE };
static int member_role(const text *t, size_t at, size_t end) {
  const char *k = t->p + at + 1;
  size_t n = end - at - 2;
  if (n == 5 && pii_ieq(k, "value", 5)) return ROLE_VALUE;
  if ((n == 4 && pii_ieq(k, "name", 4)) || (n == 3 && pii_ieq(k, "key", 3))) return ROLE_NAME;
  return ROLE_OTHER;
}


static bool parse_value(walker *w, const text *t, size_t *pos, int depth, pii_key_kind kind,
                        bool emit) {
  if (depth > PII_JSON_DEPTH) return false;
  ws(t, pos);
  if (*pos >= t->n) return false;
  char c = t->p[*pos];
  switch (c) {
  case '"': return parse_string(w, t, pos, kind, emit, NULL);
  case '{':
    (*pos)++;
    ws(t, pos);
    if (*pos < t->n && t->p[*pos] == '}') {
      (*pos)++;
      return true;
    }
    /* name/value pairs ({"name": "DB_PASSWORD", "value": "…"}, {"Key":
       …, "Value": …}): a `value` member takes the kind of the name given
       in the member just before it */
    pii_key_kind named = PII_KEY_NONE;
    for (;;) {
      ws(t, pos);
      if (*pos >= t->n || t->p[*pos] != '"') return false;
      pii_key_kind k = PII_KEY_NONE;
      size_t key_at = *pos;
      if (!parse_string(w, t, pos, PII_KEY_NONE, emit, &k)) return false;
      int role = member_role(t, key_at, *pos);
      if (role == ROLE_VALUE && k == PII_KEY_NONE) k = named;
      ws(t, pos);
      if (*pos >= t->n || t->p[*pos] != ':') return false;
      (*pos)++;
      ws(t, pos);
      named = PII_KEY_NONE;
      if (role == ROLE_NAME && *pos < t->n && t->p[*pos] == '"') {
        /* the name's string, scanned and read as a key name in one pass */
        if (!parse_string(w, t, pos, k, emit, &named)) return false;
      } else if (!parse_value(w, t, pos, depth + 1, k, emit)) {
        return false;
      }
      ws(t, pos);
      if (*pos >= t->n) return false;
      if (t->p[*pos] == ',') {
        (*pos)++;
        continue;
      }
      if (t->p[*pos] != '}') return false;
      (*pos)++;
      return true;
    }
  case '[':
    (*pos)++;
    ws(t, pos);
    if (*pos < t->n && t->p[*pos] == ']') {
      (*pos)++;
      return true;
    }
    for (;;) {
      /* array elements inherit the key: "passwords": ["…", "…"] is not
       * a secret key, but "tokens" lists are left alone too */
      if (!parse_value(w, t, pos, depth + 1, kind, emit)) return false;
      ws(t, pos);
      if (*pos >= t->n) return false;
      if (t->p[*pos] == ',') {
        (*pos)++;
        continue;
      }
      if (t->p[*pos] != ']') return false;
      (*pos)++;
      return true;
    }
  case 't': return parse_lit(t, pos, "true");
  case 'f': return parse_lit(t, pos, "false");
  case 'n': return parse_lit(t, pos, "null");
  default: {
    size_t s = *pos;
    if (!parse_number(t, pos)) return false;
    if (emit && *pos - s >= 9) scan_number(w, t, s, *pos, kind);
    return true;
  }
  }
}

lr_status pii_json_walk(const char *p, size_t n, lr_pii_set en, pii_on_match cb, void *ctx) {
  walker w = {.en = en, .cb = cb, .ctx = ctx};
  text t = {p, n, NULL, 0};
  size_t pos = 0;
  lr_status st = LR_ERR;
  /* one pass: matches are reported as found; on LR_ERR callers drop them */
  if (parse_value(&w, &t, &pos, 0, PII_KEY_NONE, true)) {
    ws(&t, &pos);
    if (pos == n) st = LR_OK;
  }
  for (int i = 0; i <= PII_STR_DEPTH; i++) free(w.s[i].dec);
  free(w.hits.v);
  return st;
}

size_t pii_json_unescape(const char *p, size_t n, lr_buf *out) {
  for (size_t x = 0; x < n; x++) { /* the content of a valid string literal? */
    unsigned char c = (unsigned char)p[x];
    if (c == '"' || c < 0x20) return (size_t)-1;
    if (c != '\\') continue;
    if (x + 1 >= n) return (size_t)-1;
    char e = p[x + 1];
    if (e == 'u') {
      if (x + 6 > n || hex4(p + x + 2) < 0) return (size_t)-1;
      x += 5;
    } else if (e && strchr("\"\\/bfnrt", e)) {
      x++;
    } else {
      return (size_t)-1;
    }
  }
  text t = {p, n, NULL, 0};
  scratch s = {0};
  size_t m = unescape(&t, 0, n, &s);
  lr_buf_append(out, s.dec, m);
  free(s.dec);
  return m;
}

/* ---- lr_pii_scan_json ------------------------------------------------------------ */

static void on_span(void *ctx, size_t s, size_t e, lr_pii_type t, const char *v, size_t vn,
                    bool num) {
  (void)v, (void)vn, (void)num;
  lr_pii_spans *out = ctx;
  lr_pii_hits h = {out->items, out->n, out->cap};
  pii_hits_push(&h, s, e, t);
  out->items = h.v;
  out->n = h.n;
  out->cap = h.cap;
  out->found |= LR_PII_BIT(t);
}

lr_status lr_pii_scan_json(const char *p, size_t n, lr_pii_set enabled, lr_pii_spans *out) {
  lr_pii_spans_clear(out);
  if (pii_json_walk(p, n, enabled, on_span, out) == LR_OK) return LR_OK;
  lr_pii_scan_text(p, n, enabled, out);
  return LR_ERR;
}
