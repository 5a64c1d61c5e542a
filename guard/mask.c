/*
 * mask.c — masking styles and the text/JSON maskers.
 *
 * label   [EMAIL]
 * partial what a human needs to recognise the value, never enough to use
 *         it: ****4242 (cards, IBANs, phones), ***-**-6789 (SSN),
 *         ****@example.com (email), ghp_**** (tokens keep their public
 *         prefix), *.*.*.42 (IPv4); secrets and keys fall back to ****.
 * hash    [EMAIL:1a2b3c4d5e6f]: the first 48 bits of
 *         HMAC-SHA256(key, type name || 0x00 || value), so the same value
 *         always gives the same pseudonym under one key.
 * Replacements use only [A-Za-z0-9_*@.:[]-]: they need no escaping inside
 * JSON strings and are never themselves detected again.
 */
#include <stdlib.h>
#include <string.h>

#include "pii_int.h"

struct lr_pii_masker {
  lr_pii_style style[LR_PII__COUNT];
  uint8_t *key;
  size_t keylen;
};

bool lr_pii_style_parse(lr_str name, lr_pii_style *out) {
  static const char *const n[] = {"none", "label", "partial", "hash"};
  for (int i = 0; i < 4; i++)
    if (lr_str_eq_c(name, n[i])) {
      *out = (lr_pii_style)i;
      return true;
    }
  return false;
}

lr_pii_masker *lr_pii_masker_new(const void *key, size_t keylen) {
  lr_pii_masker *m = lr_xcalloc(1, sizeof *m);
  if (keylen) {
    m->key = lr_xmalloc(keylen);
    memcpy(m->key, key, keylen);
    m->keylen = keylen;
  }
  return m;
}

void lr_pii_masker_set(lr_pii_masker *m, lr_pii_set types, lr_pii_style style) {
  for (int t = 0; t < LR_PII__COUNT; t++)
    if (types & LR_PII_BIT(t)) m->style[t] = style;
}

lr_pii_set lr_pii_masker_types(const lr_pii_masker *m) {
  lr_pii_set s = 0;
  for (int t = 0; t < LR_PII__COUNT; t++)
    if (m->style[t] != LR_PII_STYLE_NONE) s |= LR_PII_BIT(t);
  return s;
}

void lr_pii_masker_free(lr_pii_masker *m) {
  if (!m) return;
  free(m->key);
  free(m);
}

lr_pii_style pii_masker_style(const lr_pii_masker *m, lr_pii_type t) { return m->style[t]; }

/* The last k alphanumerics of v. */
static void last_alnum(const char *v, size_t n, size_t k, lr_buf *out) {
  size_t x = n, got = 0;
  while (x > 0 && got < k) {
    if (pii_is_alnum((unsigned char)v[x - 1])) got++;
    x--;
  }
  for (; x < n; x++)
    if (pii_is_alnum((unsigned char)v[x])) lr_buf_putc(out, v[x]);
}

static void partial(lr_pii_type t, const char *v, size_t n, lr_buf *out) {
  switch (t) {
  case LR_PII_CREDIT_CARD:
  case LR_PII_IBAN:
  case LR_PII_PHONE:
    lr_buf_puts(out, "****");
    last_alnum(v, n, 4, out);
    return;
  case LR_PII_US_SSN:
    lr_buf_puts(out, "***-**-");
    last_alnum(v, n, 4, out);
    return;
  case LR_PII_EMAIL: {
    const char *at = memchr(v, '@', n);
    lr_buf_puts(out, "****");
    if (at) lr_buf_append(out, at, n - (size_t)(at - v));
    return;
  }
  case LR_PII_IP_ADDRESS: {
    size_t x = n;
    while (x > 0 && v[x - 1] != '.' && v[x - 1] != ':') x--;
    lr_buf_puts(out, memchr(v, ':', n) ? "****:" : "*.*.*.");
    lr_buf_append(out, v + x, n - x);
    return;
  }
  case LR_PII_PRIVATE_KEY:
  case LR_PII_GENERIC_SECRET:
  case LR_PII_AWS_SECRET_KEY: lr_buf_puts(out, "****"); return;
  default: {
    /* tokens keep their public prefix: ghp_, sk-ant-, xoxb-, AKIA, eyJ */
    size_t k = 0;
    if (t == LR_PII_AWS_ACCESS_KEY || t == LR_PII_GOOGLE_API_KEY)
      k = 4;
    else if (t == LR_PII_JWT)
      k = 3;
    else
      for (size_t x = 0; x < n && x < 12; x++)
        if (v[x] == '_' || v[x] == '-' || v[x] == '.') k = x + 1;
    if (k > n) k = n;
    for (size_t x = 0; x < k; x++)
      lr_buf_putc(out, pii_is_alnum((unsigned char)v[x]) ? v[x]
                                                         : (v[x] == '.'   ? '.'
                                                            : v[x] == '-' ? '-'
                                                                          : '_'));
    lr_buf_puts(out, "****");
    return;
  }
  }
}

void pii_render_mask(const lr_pii_masker *m, lr_pii_type t, const char *v, size_t n, lr_buf *out) {
  const char *name = lr_pii_type_name(t);
  switch (m->style[t]) {
  case LR_PII_STYLE_NONE: lr_buf_append(out, v, n); return;
  case LR_PII_STYLE_LABEL: lr_buf_printf(out, "[%s]", name); return;
  case LR_PII_STYLE_PARTIAL: partial(t, v, n, out); return;
  case LR_PII_STYLE_HASH: {
    uint8_t mac[32];
    const void *parts[] = {name, "", v};
    size_t lens[] = {strlen(name), 1, n};
    pii_hmac_sha256(m->key, m->keylen, parts, lens, 3, mac);
    lr_buf_printf(out, "[%s:", name);
    for (int i = 0; i < 6; i++) lr_buf_printf(out, "%02x", mac[i]);
    lr_buf_putc(out, ']');
    return;
  }
  }
}

/* ---- maskers ---------------------------------------------------------------------- */

typedef struct mctx {
  const lr_pii_masker *m;
  const char *raw;
  size_t last;
  lr_buf *out;
  lr_pii_counts *counts;
} mctx;

static void on_mask(void *ctx, size_t s, size_t e, lr_pii_type t, const char *v, size_t vn,
                    bool num) {
  mctx *c = ctx;
  if (c->m->style[t] == LR_PII_STYLE_NONE || s < c->last) return;
  lr_buf_append(c->out, c->raw + c->last, s - c->last);
  if (num) lr_buf_putc(c->out, '"'); /* a masked number literal becomes a string */
  pii_render_mask(c->m, t, v, vn, c->out);
  if (num) lr_buf_putc(c->out, '"');
  c->last = e;
  if (c->counts) c->counts->n[t]++;
}

void lr_pii_mask_text(const lr_pii_masker *m, const char *p, size_t n, lr_buf *out,
                      lr_pii_counts *counts) {
  lr_pii_hits h = {0};
  pii_scan_raw(p, n, lr_pii_masker_types(m), &h);
  pii_hits_resolve(&h, 0);
  mctx c = {m, p, 0, out, counts};
  for (size_t i = 0; i < h.n; i++)
    on_mask(&c, h.v[i].start, h.v[i].end, h.v[i].type, p + h.v[i].start, h.v[i].end - h.v[i].start,
            false);
  lr_buf_append(out, p + c.last, n - c.last);
  free(h.v);
}

lr_status lr_pii_mask_json(const lr_pii_masker *m, const char *p, size_t n, lr_buf *out,
                           lr_pii_counts *counts) {
  size_t mark = out->len;
  lr_pii_counts local = {0};
  mctx c = {m, p, 0, out, &local};
  if (pii_json_walk(p, n, lr_pii_masker_types(m), on_mask, &c) == LR_OK) {
    lr_buf_append(out, p + c.last, n - c.last);
    if (counts)
      for (int t = 0; t < LR_PII__COUNT; t++) counts->n[t] += local.n[t];
    return LR_OK;
  }
  out->len = mark; /* drop the partial output, mask as text instead */
  if (out->p) out->p[mark] = 0;
  lr_pii_mask_text(m, p, n, out, counts);
  return LR_ERR;
}
