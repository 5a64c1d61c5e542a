/*
 * json_fast.c — the hot-path JSON reader (DESIGN §7): jsmn in strict mode
 * finds the tokens, one recursive pass re-checks the whole grammar against
 * them (jsmn is lax about separators, literals, numbers, escapes, UTF-8 and
 * control characters), then JSON-RPC extraction, conversion of a subtree
 * into Cedar values (DESIGN §3) and a string-leaf walker for the scanners.
 * Nothing is copied until a caller asks for a string or a value.
 */
#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

/* ---- paths for messages --------------------------------------------------- */

/* One level of nesting: the key token of an object member, or an index. */
typedef struct jf_seg {
  int32_t key; /* key token, or -1 for an array element */
  uint32_t idx;
} jf_seg;

static lr_str unescape(lr_arena *a, const char *s, uint32_t start, uint32_t end, bool escaped);

/* Keys are token indices into d->toks, or into jt when that is not NULL
 * (jsmn's tokens, before ours exist). */
static const char *render_path(lr_arena *a, const lr_jfast_doc *d, const jsmntok_t *jt,
                               const char *prefix, const jf_seg *segs, size_t n) {
  lr_buf b = {0};
  if (prefix) lr_buf_puts(&b, prefix);
  for (size_t k = 0; k < n; k++) {
    if (segs[k].key < 0) {
      lr_buf_printf(&b, "[%u]", segs[k].idx);
    } else {
      uint32_t ks, ke;
      bool esc;
      if (jt) {
        ks = (uint32_t)jt[segs[k].key].start;
        ke = (uint32_t)jt[segs[k].key].end;
        esc = memchr(d->text + ks, '\\', ke - ks) != NULL;
      } else {
        ks = d->toks[segs[k].key].start;
        ke = d->toks[segs[k].key].end;
        esc = d->toks[segs[k].key].flags & LR_JFAST_F_ESCAPED;
      }
      lr_str key = unescape(a, d->text, ks, ke, esc);
      if (b.len) lr_buf_putc(&b, '.');
      lr_buf_append(&b, key.p, key.n);
    }
  }
  const char *out = lr_arena_strndup(a, b.p ? b.p : "", b.len);
  lr_buf_free(&b);
  return out;
}

/* ---- strings -------------------------------------------------------------- */

static int hexval(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* The 4 hex digits at s (the caller checked there are 4 bytes), or -1. */
static int32_t hex4(const char *s) {
  int32_t v = 0;
  for (int k = 0; k < 4; k++) {
    int h = hexval((unsigned char)s[k]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

/* Checks one string's contents s[p..end): escapes, surrogate pairs, UTF-8,
 * no control characters. Returns NULL or a message with *at its offset. */
static const char *check_string(const char *s, uint32_t p, uint32_t end, bool *escaped,
                                uint32_t *at) {
  const uint64_t k01 = 0x0101010101010101u, k20 = k01 * 0x20, k5c = k01 * 0x5c, k80 = k01 * 0x80;
  while (p < end) {
    /* 8 bytes at a time while they are plain ASCII: no byte < 0x20, none
     * >= 0x80, no backslash (false alarms only take the slow path) */
    while (end - p >= 8) {
      uint64_t x, y;
      memcpy(&x, s + p, 8);
      y = x ^ k5c;
      if ((((x - k20) & ~x) | x | ((y - k01) & ~y)) & k80) break;
      p += 8;
    }
    if (p >= end) break;
    unsigned char c = (unsigned char)s[p];
    if (c >= 0x20 && c < 0x80 && c != '\\') {
      p++;
      continue;
    }
    *at = p;
    if (c < 0x20) return "control character in a string";
    if (c == '\\') {
      *escaped = true;
      if (p + 1 >= end) return "bad escape";
      switch (s[p + 1]) {
      case '"':
      case '\\':
      case '/':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't': p += 2; continue;
      case 'u': break;
      default: return "bad escape";
      }
      int32_t u = p + 6 <= end ? hex4(s + p + 2) : -1;
      if (u < 0) return "bad \\u escape";
      if (u >= 0xDC00 && u <= 0xDFFF) return "lone low surrogate";
      if (u >= 0xD800 && u <= 0xDBFF) {
        int32_t lo = p + 12 <= end && s[p + 6] == '\\' && s[p + 7] == 'u' ? hex4(s + p + 8) : -1;
        if (lo < 0xDC00 || lo > 0xDFFF) return "high surrogate without a low surrogate";
        p += 12;
      } else {
        p += 6;
      }
      continue;
    }
    /* UTF-8: the well-formed sequences of Unicode table 3-7. */
    unsigned n, lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
      n = 1;
    else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return "invalid UTF-8";
    }
    if (p + n >= end) return "invalid UTF-8";
    unsigned char c1 = (unsigned char)s[p + 1];
    if (c1 < lo || c1 > hi) return "invalid UTF-8";
    for (unsigned k = 2; k <= n; k++)
      if (((unsigned char)s[p + k] & 0xC0) != 0x80) return "invalid UTF-8";
    p += n + 1;
  }
  return NULL;
}

/* Decodes one escape at s[p] (a backslash; validated) into out, returning
 * its length; *p moves past it. */
static size_t unescape_one(const char *s, uint32_t *p, char out[4]) {
  char e = s[*p + 1];
  *p += 2;
  switch (e) {
  case 'b': out[0] = '\b'; return 1;
  case 'f': out[0] = '\f'; return 1;
  case 'n': out[0] = '\n'; return 1;
  case 'r': out[0] = '\r'; return 1;
  case 't': out[0] = '\t'; return 1;
  case 'u': break;
  default: out[0] = e; return 1;
  }
  uint32_t u = (uint32_t)hex4(s + *p);
  *p += 4;
  if (u >= 0xD800 && u <= 0xDBFF) {
    u = 0x10000 + ((u - 0xD800) << 10) + ((uint32_t)hex4(s + *p + 2) - 0xDC00);
    *p += 6;
  }
  if (u < 0x80) {
    out[0] = (char)u;
    return 1;
  }
  if (u < 0x800) {
    out[0] = (char)(0xC0 | (u >> 6));
    out[1] = (char)(0x80 | (u & 0x3F));
    return 2;
  }
  if (u < 0x10000) {
    out[0] = (char)(0xE0 | (u >> 12));
    out[1] = (char)(0x80 | ((u >> 6) & 0x3F));
    out[2] = (char)(0x80 | (u & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (u >> 18));
  out[1] = (char)(0x80 | ((u >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((u >> 6) & 0x3F));
  out[3] = (char)(0x80 | (u & 0x3F));
  return 4;
}

/* The unescaped, NUL-terminated copy of s[start..end) in a (never longer
 * than the raw bytes). */
static lr_str unescape(lr_arena *a, const char *s, uint32_t start, uint32_t end, bool escaped) {
  if (!escaped) return lr_str_dup(a, lr_str_make(s + start, end - start));
  char *o = lr_arena_alloc(a, end - start + 1);
  size_t n = 0;
  uint32_t p = start;
  while (p < end) {
    const char *bs = memchr(s + p, '\\', end - p);
    uint32_t stop = bs ? (uint32_t)(bs - s) : end;
    memcpy(o + n, s + p, stop - p);
    n += stop - p;
    p = stop;
    if (p < end) n += unescape_one(s, &p, o + n);
  }
  o[n] = 0;
  return lr_str_make(o, n);
}

/* Whether string token t equals key after unescaping (no allocation). */
static bool key_eq(const lr_jfast_doc *d, const lr_jfast_tok *t, lr_str key) {
  const char *s = d->text;
  if (!(t->flags & LR_JFAST_F_ESCAPED))
    return t->end - t->start == key.n && memcmp(s + t->start, key.p, key.n) == 0;
  size_t k = 0;
  for (uint32_t p = t->start; p < t->end;) {
    char buf[4];
    size_t n = 1;
    if (s[p] == '\\')
      n = unescape_one(s, &p, buf);
    else
      buf[0] = s[p++];
    if (k + n > key.n || memcmp(key.p + k, buf, n) != 0) return false;
    k += n;
  }
  return k == key.n;
}

/* ---- numbers and literals ------------------------------------------------- */

/* Checks JSON number grammar on s[p..end); sets FRAC/EXP flags. */
static bool check_number(const char *s, uint32_t p, uint32_t end, uint8_t *flags) {
  if (p < end && s[p] == '-') p++;
  if (p >= end) return false;
  if (s[p] == '0')
    p++;
  else if (s[p] >= '1' && s[p] <= '9')
    while (p < end && s[p] >= '0' && s[p] <= '9') p++;
  else
    return false;
  if (p < end && s[p] == '.') {
    *flags |= LR_JFAST_F_FRAC;
    uint32_t q = ++p;
    while (p < end && s[p] >= '0' && s[p] <= '9') p++;
    if (p == q) return false;
  }
  if (p < end && (s[p] == 'e' || s[p] == 'E')) {
    *flags |= LR_JFAST_F_EXP;
    p++;
    if (p < end && (s[p] == '+' || s[p] == '-')) p++;
    uint32_t q = p;
    while (p < end && s[p] >= '0' && s[p] <= '9') p++;
    if (p == q) return false;
  }
  return p == end;
}

/* ---- the checking pass ---------------------------------------------------- */

typedef struct jf_check {
  lr_arena *a;
  lr_jfast_doc *d;
  const jsmntok_t *jt;
  uint32_t njt;
  uint32_t i;   /* next token */
  uint32_t pos; /* next byte */
  uint32_t depth;
  lr_jfast_err *err;
  const jsmntok_t *jt_path; /* set when segs name jsmn's tokens */
  jf_seg segs[LR_JFAST_MAX_DEPTH + 1];
} jf_check;

static lr_status fail(jf_check *c, uint32_t off, const char *msg) {
  if (c->err) {
    c->err->off = off;
    c->err->msg = msg;
    c->err->path = render_path(c->a, c->d, c->jt_path, "", c->segs, c->depth);
  }
  return LR_ERR;
}

static inline void skip_ws(jf_check *c) {
  const char *s = c->d->text;
  while (c->pos < c->d->len &&
         (s[c->pos] == ' ' || s[c->pos] == '\n' || s[c->pos] == '\r' || s[c->pos] == '\t'))
    c->pos++;
}

static lr_status expect(jf_check *c, char ch, const char *msg) {
  skip_ws(c);
  if (c->pos >= c->d->len || c->d->text[c->pos] != ch) return fail(c, c->pos, msg);
  c->pos++;
  skip_ws(c);
  return LR_OK;
}

/* Rejects duplicate keys (after unescaping) in object token o. */
static lr_status check_dups(jf_check *c, uint32_t o);

static lr_status check_value(jf_check *c, bool key) {
  const char *s = c->d->text;
  uint32_t i = c->i;
  if (i >= c->njt) return fail(c, c->pos, "expected a value");
  const jsmntok_t *j = &c->jt[i];
  lr_jfast_tok *t = &c->d->toks[i];
  uint32_t at = j->type == JSMN_STRING ? (uint32_t)j->start - 1 : (uint32_t)j->start;
  if (at != c->pos) return fail(c, c->pos, key ? "expected a string key" : "expected a value");
  if (key && j->type != JSMN_STRING) return fail(c, c->pos, "expected a string key");
  c->i++;
  t->start = (uint32_t)j->start;
  t->end = (uint32_t)j->end;
  t->size = 0;
  t->flags = key ? LR_JFAST_F_KEY : 0;
  switch (j->type) {
  case JSMN_STRING: {
    t->kind = LR_JFAST_STRING;
    bool esc = false;
    uint32_t bad = 0;
    const char *msg = check_string(s, t->start, t->end, &esc, &bad);
    if (msg) return fail(c, bad, msg);
    if (esc) t->flags |= LR_JFAST_F_ESCAPED;
    c->pos = t->end + 1;
    break;
  }
  case JSMN_PRIMITIVE: {
    uint32_t n = t->end - t->start;
    const char *p = s + t->start;
    if (n == 4 && memcmp(p, "true", 4) == 0)
      t->kind = LR_JFAST_TRUE;
    else if (n == 5 && memcmp(p, "false", 5) == 0)
      t->kind = LR_JFAST_FALSE;
    else if (n == 4 && memcmp(p, "null", 4) == 0)
      t->kind = LR_JFAST_NULL;
    else if (check_number(s, t->start, t->end, &t->flags))
      t->kind = LR_JFAST_NUMBER;
    else
      return fail(c, t->start, "invalid literal or number");
    c->pos = t->end;
    break;
  }
  case JSMN_ARRAY:
  case JSMN_OBJECT: {
    bool obj = j->type == JSMN_OBJECT;
    t->kind = obj ? LR_JFAST_OBJECT : LR_JFAST_ARRAY;
    t->size = (uint32_t)j->size;
    if (c->depth >= LR_JFAST_MAX_DEPTH) return fail(c, t->start, "nested too deeply");
    c->pos++;
    for (uint32_t k = 0; k < t->size; k++) {
      /* errors before a member's key is read are reported at the object */
      skip_ws(c);
      if (!obj) c->segs[c->depth++] = (jf_seg){-1, k};
      if (k > 0 && expect(c, ',', "expected ','") != LR_OK) return LR_ERR;
      if (obj) {
        if (check_value(c, true) != LR_OK) return LR_ERR;
        c->segs[c->depth++] = (jf_seg){(int32_t)c->i - 1, k};
        if (expect(c, ':', "expected ':'") != LR_OK) return LR_ERR;
      }
      if (check_value(c, false) != LR_OK) return LR_ERR;
      c->depth--;
    }
    skip_ws(c);
    if (c->pos >= c->d->len || s[c->pos] != (obj ? '}' : ']') || c->pos + 1 != t->end)
      return fail(c, c->pos, obj ? "expected ',' or '}'" : "expected ',' or ']'");
    c->pos++;
    if (obj && t->size > 1 && check_dups(c, i) != LR_OK) return LR_ERR;
    break;
  }
  default: return fail(c, c->pos, "expected a value");
  }
  t->next = c->i;
  return LR_OK;
}

typedef struct jf_key {
  lr_str s;
  uint32_t tok;
} jf_key;

static int key_cmp(const void *x, const void *y) {
  const jf_key *a = x, *b = y;
  int r = lr_str_cmp(a->s, b->s);
  return r ? r : (a->tok > b->tok) - (a->tok < b->tok);
}

static lr_status check_dups(jf_check *c, uint32_t o) {
  const lr_jfast_tok *toks = c->d->toks;
  uint32_t n = toks[o].size;
  jf_key small[16];
  jf_key *keys = n <= 16 ? small : LR_NEW_N(c->a, jf_key, n);
  uint32_t k = o + 1;
  for (uint32_t m = 0; m < n; m++) {
    const lr_jfast_tok *t = &toks[k];
    keys[m].tok = k;
    if (t->flags & LR_JFAST_F_ESCAPED)
      keys[m].s = unescape(c->a, c->d->text, t->start, t->end, 1);
    else
      keys[m].s = lr_str_make(c->d->text + t->start, t->end - t->start);
    k = toks[k + 1].next;
  }
  uint32_t dup = 0;
  if (n <= 16) {
    for (uint32_t x = 1; x < n && !dup; x++)
      for (uint32_t y = 0; y < x; y++)
        if (keys[x].s.n == keys[y].s.n && (keys[x].s.n == 0 || keys[x].s.p[0] == keys[y].s.p[0]) &&
            lr_str_eq(keys[x].s, keys[y].s)) {
          dup = keys[x].tok;
          break;
        }
  } else {
    qsort(keys, n, sizeof *keys, key_cmp);
    for (uint32_t x = 1; x < n; x++)
      if (lr_str_eq(keys[x].s, keys[x - 1].s) && (!dup || keys[x].tok < dup)) dup = keys[x].tok;
  }
  if (!dup) return LR_OK;
  /* report at the object's path, offset of the repeated key's quote */
  return fail(c, toks[dup].start - 1, "duplicate key");
}

/* The path of the string jsmn was reading when it stopped (a child of the
 * parser's current parent token sup), from jsmn's parent links; at most the
 * innermost LR_JFAST_MAX_DEPTH levels. */
static void jsmn_path(jf_check *c, const jsmntok_t *jt, int sup) {
  jf_seg rev[LR_JFAST_MAX_DEPTH];
  size_t n = 0;
  for (bool leaf = true; sup != -1 && n < LR_JFAST_MAX_DEPTH; leaf = false) {
    const jsmntok_t *t = &jt[sup];
    if (t->type == JSMN_ARRAY) {
      rev[n++] = (jf_seg){-1, (uint32_t)t->size - !leaf};
      sup = t->parent;
    } else if (t->type == JSMN_STRING) { /* a key: the object is its parent */
      rev[n++] = (jf_seg){sup, 0};
      sup = t->parent == -1 ? -1 : jt[t->parent].parent;
    } else {
      sup = t->parent; /* an object: the string was a key */
    }
  }
  for (size_t k = 0; k < n; k++) c->segs[k] = rev[n - 1 - k];
  c->depth = (uint32_t)n;
  c->jt_path = jt;
}

lr_status lr_jfast_parse(lr_arena *a, const char *text, size_t len, lr_jfast_doc *doc,
                         lr_jfast_err *err) {
  *doc = (lr_jfast_doc){.text = text, .len = len};
  jf_check c = {.a = a, .d = doc, .err = err};
  if (len > LR_JFAST_MAX_BYTES) return fail(&c, 0, "body too large");
  jsmn_parser p;
  jsmn_init(&p);
  unsigned cap = (unsigned)(len / 16 + 16); /* ~3 KiB per KiB: stays a bump allocation */
  if (cap > LR_JFAST_MAX_TOKENS) cap = LR_JFAST_MAX_TOKENS;
  jsmntok_t *jt = lr_arena_alloc(a, cap * sizeof *jt);
  int r;
  while ((r = jsmn_parse(&p, text, len, jt, cap)) == JSMN_ERROR_NOMEM) {
    if (cap >= LR_JFAST_MAX_TOKENS) return fail(&c, p.pos, "too many tokens");
    unsigned ncap = cap * 2 > LR_JFAST_MAX_TOKENS ? LR_JFAST_MAX_TOKENS : cap * 2;
    jsmntok_t *n = lr_arena_alloc(a, ncap * sizeof *n);
    memcpy(n, jt, p.toknext * sizeof *n);
    jt = n;
    cap = ncap;
  }
  if (r == JSMN_ERROR_PART && p.toksuper == -1 && p.pos < len && text[p.pos] != '"') {
    /* strict jsmn wants a delimiter after a primitive: at the top level the
     * end of the text is one */
    if (p.toknext > 0) return fail(&c, p.pos, "trailing characters after the value");
    uint32_t e = (uint32_t)p.pos;
    while (e < len && !strchr(" \t\r\n", text[e])) e++;
    jt[0] = (jsmntok_t){.type = JSMN_PRIMITIVE, .start = (int)p.pos, .end = (int)e, .parent = -1};
    r = 1;
  }
  if (r == JSMN_ERROR_PART || (r >= 0 && p.pos < len)) {
    const char *nul = memchr(text, 0, len);
    if (nul) return fail(&c, (size_t)(nul - text), "NUL byte");
    if (r == JSMN_ERROR_PART) return fail(&c, len, "truncated JSON");
  }
  if (r == JSMN_ERROR_INVAL && p.pos < len && text[p.pos] == '"') {
    /* jsmn refuses some bad escapes: say which, as check_string would */
    uint32_t e = (uint32_t)p.pos + 1, bad = 0;
    while (e < len && text[e] != '"') e += text[e] == '\\' ? 2 : 1;
    bool esc;
    const char *msg =
        check_string(text, (uint32_t)p.pos + 1, e < len ? e : (uint32_t)len, &esc, &bad);
    if (msg) {
      jsmn_path(&c, jt, p.toksuper);
      return fail(&c, bad, msg);
    }
  }
  if (r == JSMN_ERROR_INVAL) {
    jsmn_path(&c, jt, p.toksuper);
    return fail(&c, p.pos, "invalid JSON");
  }
  if (r <= 0) return fail(&c, 0, "empty body");
  c.jt = jt;
  c.njt = (uint32_t)r;
  doc->toks = lr_arena_alloc(a, (size_t)r * sizeof *doc->toks);
  doc->ntoks = (uint32_t)r;
  skip_ws(&c);
  if (check_value(&c, false) != LR_OK) return LR_ERR;
  skip_ws(&c);
  if (c.pos != len || c.i != c.njt) return fail(&c, c.pos, "trailing characters after the value");
  return LR_OK;
}

/* ---- access --------------------------------------------------------------- */

int32_t lr_jfast_get(const lr_jfast_doc *d, uint32_t obj, lr_str key) {
  if (obj >= d->ntoks || d->toks[obj].kind != LR_JFAST_OBJECT) return -1;
  uint32_t k = obj + 1;
  for (uint32_t m = 0; m < d->toks[obj].size; m++) {
    if (key_eq(d, &d->toks[k], key)) return (int32_t)k + 1;
    k = d->toks[k + 1].next;
  }
  return -1;
}

lr_str lr_jfast_raw(const lr_jfast_doc *d, uint32_t t) {
  const lr_jfast_tok *k = &d->toks[t];
  if (k->kind == LR_JFAST_STRING) return lr_str_make(d->text + k->start - 1, k->end - k->start + 2);
  return lr_str_make(d->text + k->start, k->end - k->start);
}

lr_str lr_jfast_string(lr_arena *a, const lr_jfast_doc *d, uint32_t t) {
  const lr_jfast_tok *k = &d->toks[t];
  return unescape(a, d->text, k->start, k->end, k->flags & LR_JFAST_F_ESCAPED);
}

void lr_jfast_each_string(const lr_jfast_doc *d, uint32_t root, bool keys, lr_jfast_string_fn fn,
                          void *ctx) {
  if (root >= d->ntoks) return;
  for (uint32_t i = root; i < d->toks[root].next; i++) {
    const lr_jfast_tok *t = &d->toks[i];
    if (t->kind != LR_JFAST_STRING || (!keys && (t->flags & LR_JFAST_F_KEY))) continue;
    if (!fn(ctx, d, i)) return;
  }
}

/* ---- Cedar values --------------------------------------------------------- */

typedef struct jf_conv {
  lr_arena *a;
  const lr_jfast_doc *d;
  const char *prefix;
  lr_jfast_err *err;
  uint32_t depth;
  jf_seg segs[LR_JFAST_MAX_DEPTH + 1];
} jf_conv;

static lr_status conv_fail(jf_conv *c, uint32_t t, const char *msg) {
  if (c->err) {
    c->err->off = c->d->toks[t].start - (c->d->toks[t].kind == LR_JFAST_STRING);
    c->err->msg = msg;
    c->err->path = render_path(c->a, c->d, NULL, c->prefix, c->segs, c->depth);
  }
  return LR_ERR;
}

/* Parses the integer s[p..end) (valid JSON integer grammar) as int64. */
static bool parse_long(const char *s, uint32_t p, uint32_t end, int64_t *out) {
  bool neg = s[p] == '-';
  p += neg;
  uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
  for (; p < end; p++) {
    unsigned dgt = (unsigned)(s[p] - '0');
    if (v > (lim - dgt) / 10) return false;
    v = v * 10 + dgt;
  }
  *out = neg ? (int64_t)(0 - v) : (int64_t)v;
  return true;
}

static lr_status conv(jf_conv *c, uint32_t i, lr_value *out) {
  const lr_jfast_doc *d = c->d;
  const lr_jfast_tok *t = &d->toks[i];
  switch (t->kind) {
  case LR_JFAST_STRING: *out = lr_value_string_borrow(lr_jfast_string(c->a, d, i)); return LR_OK;
  case LR_JFAST_TRUE: *out = lr_value_bool(true); return LR_OK;
  case LR_JFAST_FALSE: *out = lr_value_bool(false); return LR_OK;
  case LR_JFAST_NULL: return conv_fail(c, i, "null has no Cedar value here");
  case LR_JFAST_NUMBER: {
    if (t->flags & LR_JFAST_F_EXP)
      return conv_fail(c, i, "numbers with an exponent are not supported");
    if (t->flags & LR_JFAST_F_FRAC) {
      int64_t sc;
      const char *msg = NULL;
      if (lr_decimal_parse(lr_str_make(d->text + t->start, t->end - t->start), &sc, &msg) != LR_OK)
        return conv_fail(c, i, msg ? msg : "invalid decimal");
      *out = lr_value_decimal(sc);
      return LR_OK;
    }
    int64_t v;
    if (!parse_long(d->text, t->start, t->end, &v))
      return conv_fail(c, i, "integer out of range for a Cedar long");
    *out = lr_value_long(v);
    return LR_OK;
  }
  case LR_JFAST_ARRAY:
  case LR_JFAST_OBJECT: break;
  }
  bool obj = t->kind == LR_JFAST_OBJECT;
  uint32_t n = t->size;
  if (n == 0) {
    *out = obj ? lr_value_empty_record() : lr_value_empty_set();
    return LR_OK;
  }
  lr_value *items = obj ? NULL : lr_arena_alloc(c->a, n * sizeof *items);
  lr_field *fields = obj ? lr_arena_alloc(c->a, n * sizeof *fields) : NULL;
  uint32_t nf = 0, k = i + 1;
  c->depth++;
  for (uint32_t m = 0; m < n; m++) {
    uint32_t v = obj ? k + 1 : k;
    c->segs[c->depth - 1] = (jf_seg){obj ? (int32_t)k : -1, m};
    if (obj && d->toks[v].kind == LR_JFAST_NULL) {
      k = d->toks[v].next;
      continue; /* absent attribute */
    }
    if (!obj && d->toks[v].kind == LR_JFAST_NULL)
      return conv_fail(c, v, "null inside an array (a set cannot hold an absent value)");
    lr_value *dst = obj ? &fields[nf].value : &items[m];
    if (obj) fields[nf++].key = lr_jfast_string(c->a, d, k);
    if (conv(c, v, dst) != LR_OK) return LR_ERR;
    k = d->toks[v].next;
  }
  c->depth--;
  if (!obj) {
    *out = lr_value_set(c->a, items, n);
    return LR_OK;
  }
  /* The parse rejected duplicate keys, so sorting in place (insertion
   * sort: objects are small) gives lr_value_record's canonical form
   * without its copy. */
  for (uint32_t x = 1; x < nf; x++) {
    lr_field f = fields[x];
    uint32_t y = x;
    for (; y > 0 && lr_str_cmp(fields[y - 1].key, f.key) > 0; y--) fields[y] = fields[y - 1];
    fields[y] = f;
  }
  *out =
      nf ? (lr_value){.kind = LR_V_RECORD, .n = nf, .u.fields = fields} : lr_value_empty_record();
  return LR_OK;
}

lr_status lr_jfast_value(lr_arena *a, const lr_jfast_doc *d, uint32_t t, const char *path,
                         lr_value *out, lr_jfast_err *err) {
  jf_conv c = {.a = a, .d = d, .prefix = path ? path : "", .err = err};
  return conv(&c, t, out);
}

/* ---- JSON-RPC ------------------------------------------------------------- */

static const char *rpc_check(lr_arena *a, const lr_jfast_doc *d, lr_jfast_rpc *m) {
  const lr_jfast_tok *T = d->toks;
  if (T[m->tok].kind != LR_JFAST_OBJECT) return "a JSON-RPC message must be an object";
  m->jsonrpc = lr_jfast_get(d, m->tok, LR_STR("jsonrpc"));
  m->id = lr_jfast_get(d, m->tok, LR_STR("id"));
  m->method = lr_jfast_get(d, m->tok, LR_STR("method"));
  m->params = lr_jfast_get(d, m->tok, LR_STR("params"));
  m->result = lr_jfast_get(d, m->tok, LR_STR("result"));
  m->error = lr_jfast_get(d, m->tok, LR_STR("error"));
  if (m->id >= 0) m->id_raw = lr_jfast_raw(d, (uint32_t)m->id);
  if (m->params >= 0 && T[m->params].kind == LR_JFAST_OBJECT) {
    m->name = lr_jfast_get(d, (uint32_t)m->params, LR_STR("name"));
    m->arguments = lr_jfast_get(d, (uint32_t)m->params, LR_STR("arguments"));
    if (m->name >= 0 && T[m->name].kind == LR_JFAST_STRING)
      m->name_str = lr_jfast_string(a, d, (uint32_t)m->name);
  }
  if (m->method >= 0 && T[m->method].kind == LR_JFAST_STRING)
    m->method_str = lr_jfast_string(a, d, (uint32_t)m->method);
  if (m->jsonrpc < 0 || !key_eq(d, &T[m->jsonrpc], LR_STR("2.0")) ||
      T[m->jsonrpc].kind != LR_JFAST_STRING)
    return "\"jsonrpc\" must be \"2.0\"";
  if (m->id >= 0) {
    uint8_t k = T[m->id].kind;
    if (k != LR_JFAST_STRING && k != LR_JFAST_NUMBER && k != LR_JFAST_NULL)
      return "\"id\" must be a string, a number or null";
  }
  if (m->method >= 0) {
    if (T[m->method].kind != LR_JFAST_STRING) return "\"method\" must be a string";
    if (m->params >= 0 && T[m->params].kind != LR_JFAST_OBJECT &&
        T[m->params].kind != LR_JFAST_ARRAY)
      return "\"params\" must be an object or an array";
    return NULL;
  }
  if ((m->result >= 0) == (m->error >= 0))
    return "a message needs \"method\", or exactly one of \"result\" and \"error\"";
  if (m->id < 0) return "a response needs an \"id\"";
  return NULL;
}

lr_status lr_jfast_rpc_extract(lr_arena *a, const lr_jfast_doc *d, lr_jfast_rpcs *out,
                               lr_jfast_err *err) {
  *out = (lr_jfast_rpcs){0};
  const lr_jfast_tok *T = d->toks;
  if (d->ntoks == 0 || (T[0].kind != LR_JFAST_OBJECT && T[0].kind != LR_JFAST_ARRAY)) {
    if (err) *err = (lr_jfast_err){0, "", "a JSON-RPC body must be an object or an array"};
    return LR_ERR;
  }
  out->batch = T[0].kind == LR_JFAST_ARRAY;
  out->n = out->batch ? T[0].size : 1;
  out->msgs = LR_NEW_N(a, lr_jfast_rpc, out->n ? out->n : 1);
  uint32_t k = out->batch ? 1 : 0;
  for (size_t m = 0; m < out->n; m++) {
    lr_jfast_rpc *r = &out->msgs[m];
    *r = (lr_jfast_rpc){.tok = k,
                        .jsonrpc = -1,
                        .id = -1,
                        .method = -1,
                        .params = -1,
                        .result = -1,
                        .error = -1,
                        .name = -1,
                        .arguments = -1,
                        .id_raw = LR_STR(""),
                        .method_str = LR_STR(""),
                        .name_str = LR_STR("")};
    r->span = lr_jfast_raw(d, k);
    r->invalid = rpc_check(a, d, r);
    k = T[k].next;
  }
  return LR_OK;
}
