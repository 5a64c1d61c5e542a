/*
 * stream.c — streaming masking for Server-Sent Events and plain text.
 *
 * SSE: bytes are held until an event is complete (a blank line, per the
 * HTML Living Standard "server-sent events" parsing rules: LF or CRLF line
 * ends), then the event is masked as a whole: its data lines are joined,
 * masked as JSON when they parse (an OpenAI/MCP chunk) or as text, and
 * written back as data lines; other lines are masked as text. A value
 * split across reads is therefore always seen whole. An event larger than
 * PII_SSE_MAX_EVENT is masked and released as it stands (bounded memory).
 *
 * Text: output lags input by PII_TEXT_HOLD bytes. Each feed scans the held
 * bytes plus PII_TEXT_CTX bytes of already released left context, releases
 * everything before the cut point, and never cuts inside a match or after
 * an unterminated "-----BEGIN … PRIVATE KEY" (up to the key-block bound).
 */
#include <stdlib.h>
#include <string.h>

#include "pii_int.h"

#define PII_SSE_MAX_EVENT (1u << 20)
#define PII_TEXT_HOLD 8192
#define PII_TEXT_CTX 256
#define PII_KEY_MAX 65536

/* A held SSE delta event: its raw bytes in held_raw, the escaped delta text
 * at raw [vs, ve) (event-relative), its decoded text in content. */
typedef struct held_ev {
  size_t raw_off, raw_len, vs, ve;
  size_t c_off, c_len;
} held_ev;

struct lr_pii_stream {
  const lr_pii_masker *m;
  lr_pii_stream_mode mode;
  lr_buf buf; /* held bytes; text mode: [0, ctx) already released */
  size_t ctx; /* text mode: bytes of left context at the front */
  lr_buf tmp, tmp2;
  /* SSE deltas (OpenAI choices[].delta.content, Anthropic delta.text) */
  lr_buf held_raw, content;
  size_t content_ctx; /* released delta text kept as left context */
  held_ev *hev;
  size_t nhev, caphev;
};

lr_pii_stream *lr_pii_stream_new(const lr_pii_masker *m, lr_pii_stream_mode mode) {
  lr_pii_stream *s = lr_xcalloc(1, sizeof *s);
  s->m = m;
  s->mode = mode;
  return s;
}

void lr_pii_stream_free(lr_pii_stream *s) {
  if (!s) return;
  lr_buf_free(&s->buf);
  lr_buf_free(&s->tmp);
  lr_buf_free(&s->tmp2);
  lr_buf_free(&s->held_raw);
  lr_buf_free(&s->content);
  free(s->hev);
  free(s);
}

size_t lr_pii_stream_pending(const lr_pii_stream *s) {
  return s->buf.len - s->ctx + s->held_raw.len;
}

static void consume(lr_buf *b, size_t n) {
  memmove(b->p, b->p + n, b->len - n);
  b->len -= n;
  b->p[b->len] = 0;
}

/* ---- SSE ------------------------------------------------------------------------ */

static bool looks_json(const char *p, size_t n) {
  size_t a = 0;
  while (a < n && (p[a] == ' ' || p[a] == '\t')) a++;
  return a < n && (p[a] == '{' || p[a] == '[' || p[a] == '"');
}

static void mask_payload(lr_pii_stream *s, const char *p, size_t n, lr_buf *out,
                         lr_pii_counts *counts) {
  if (looks_json(p, n)) {
    size_t mark = out->len;
    if (lr_pii_mask_json(s->m, p, n, out, counts) == LR_OK) return;
    out->len = mark; /* mask_json already masked it as text */
    if (out->p) out->p[mark] = 0;
  }
  lr_pii_mask_text(s->m, p, n, out, counts);
}

/* Masks one complete event p[0, n) (terminator included) into out. */
static void mask_event(lr_pii_stream *s, const char *p, size_t n, lr_buf *out,
                       lr_pii_counts *counts) {
  lr_buf *data = &s->tmp, *md = &s->tmp2;
  data->len = 0;
  bool have_data = false, data_space = true;
  size_t x = 0;
  while (x < n) {
    const char *nl = memchr(p + x, '\n', n - x);
    size_t le = nl ? (size_t)(nl - p) : n; /* line end (exclusive of \n) */
    size_t ce = le > x && p[le - 1] == '\r' ? le - 1 : le;
    bool is_data = ce - x >= 5 && memcmp(p + x, "data:", 5) == 0;
    if (is_data) {
      size_t v = x + 5;
      if (v < ce && p[v] == ' ')
        v++;
      else if (!have_data)
        data_space = false;
      if (have_data) lr_buf_putc(data, '\n');
      lr_buf_append(data, p + v, ce - v);
      have_data = true;
    } else if (ce == x) {
      /* the blank line ends the event: flush data first */
      if (have_data) {
        md->len = 0;
        mask_payload(s, data->p, data->len, md, counts);
        const char *q = md->p ? md->p : "";
        size_t qn = md->len, y = 0;
        do {
          const char *e = memchr(q + y, '\n', qn - y);
          size_t ye = e ? (size_t)(e - q) : qn;
          lr_buf_puts(out, data_space ? "data: " : "data:");
          lr_buf_append(out, q + y, ye - y);
          lr_buf_putc(out, '\n');
          y = ye + 1;
        } while (y <= qn);
        have_data = false;
        data->len = 0;
      }
    } else {
      lr_pii_mask_text(s->m, p + x, ce - x, out, counts);
    }
    if (!is_data) lr_buf_append(out, p + ce, (nl ? le + 1 : le) - ce); /* line end */
    x = nl ? le + 1 : n;
  }
  if (have_data) { /* oversized event released without its blank line */
    md->len = 0;
    mask_payload(s, data->p, data->len, md, counts);
    lr_buf_puts(out, data_space ? "data: " : "data:");
    for (size_t i = 0; i < md->len; i++) {
      lr_buf_putc(out, md->p[i]);
      if (md->p[i] == '\n') lr_buf_puts(out, data_space ? "data: " : "data:");
    }
    lr_buf_putc(out, '\n');
  }
}

/* End of the first complete event in p[0, n), or 0. */
static size_t event_end(const char *p, size_t n) {
  for (const char *q = p; (q = memchr(q, '\n', n - (size_t)(q - p))) != NULL; q++) {
    size_t i = (size_t)(q - p);
    if (i + 1 < n && p[i + 1] == '\n') return i + 2;
    if (i + 2 < n && p[i + 1] == '\r' && p[i + 2] == '\n') return i + 3;
    if (i + 1 >= n) break;
  }
  return 0;
}

/* ---- SSE deltas ------------------------------------------------------------------ *
 * LLM streams split text across events ("jane.d", "oe@exa", "mple.com"), so
 * masking each event alone would leak a value in pieces. Events carrying a
 * text delta are held; their decoded texts are joined and scanned together;
 * events are released once PII_DELTA_HOLD bytes of text follow them (never
 * cutting a match, nor an unterminated private key block), with a match that
 * spans events replaced in the first and removed from the others. Any other
 * event releases everything held first, so event order is kept. */

#define PII_DELTA_HOLD 64
#define PII_DELTA_MAX 16384

static bool skip_ws(const char *p, size_t n, size_t *x) {
  while (*x < n && (p[*x] == ' ' || p[*x] == '\t')) (*x)++;
  return *x < n;
}

/* The escaped text of a delta event p[0, n): [*vs, *ve) inside the single
 * data line, the value of "content" or "text" after a "delta" key. */
static bool find_delta(const char *p, size_t n, size_t *vs, size_t *ve) {
  const char *data = NULL;
  size_t lines = 0;
  for (size_t x = 0; x < n;) {
    const char *nl = memchr(p + x, '\n', n - x);
    size_t le = nl ? (size_t)(nl - p) : n;
    if (le - x >= 5 && memcmp(p + x, "data:", 5) == 0) {
      if (data) return false; /* multi-line data: not a delta chunk */
      data = p + x;
    }
    lines++;
    x = le + 1;
  }
  if (!data) return false;
  size_t dl = (size_t)((const char *)memchr(data, '\n', (size_t)(p + n - data)) - data);
  const char *d = memmem(data, dl, "\"delta\"", 7);
  if (!d) return false;
  static const char *const keys[] = {"\"content\"", "\"text\""};
  for (int k = 0; k < 2; k++) {
    size_t kl = strlen(keys[k]), from = (size_t)(d - p), end = (size_t)(data - p) + dl;
    const char *kp = memmem(p + from, end - from, keys[k], kl);
    if (!kp) continue;
    size_t x = (size_t)(kp - p) + kl;
    if (!skip_ws(p, end, &x) || p[x] != ':') continue;
    x++;
    if (!skip_ws(p, end, &x) || p[x] != '"') continue;
    size_t st = ++x;
    while (x < end && p[x] != '"') x += p[x] == '\\' ? 2 : 1;
    if (x >= end) continue;
    *vs = st;
    *ve = x;
    return true;
  }
  return false;
}

static void delta_release(lr_pii_stream *s, lr_buf *out, lr_pii_counts *counts, bool all) {
  if (s->nhev == 0) return;
  const char *c = s->content.p;
  size_t n = s->content.len;
  lr_pii_hits h = {0};
  pii_scan_raw(c, n, lr_pii_masker_types(s->m), &h);
  pii_hits_resolve(&h, 0);
  size_t cut = n;
  if (!all && n - s->content_ctx <= PII_DELTA_MAX) {
    cut = n > PII_DELTA_HOLD ? n - PII_DELTA_HOLD : 0;
    for (size_t i = 0; i < h.n; i++)
      if (h.v[i].start < cut && h.v[i].end > cut) cut = h.v[i].start;
    const char *b = NULL;
    for (const char *q = c; (q = memmem(q, n - (size_t)(q - c), "-----BEGIN ", 11)); q++) b = q;
    if (b && !memmem(b, n - (size_t)(b - c), "-----END ", 9) && (size_t)(b - c) < cut)
      cut = (size_t)(b - c);
  }
  size_t k = 0; /* events released: those whose text ends by the cut */
  while (k < s->nhev && s->hev[k].c_off + s->hev[k].c_len <= cut) k++;
  lr_buf *piece = &s->tmp, *esc = &s->tmp2;
  for (size_t i = 0; i < k; i++) {
    held_ev *ev = &s->hev[i];
    size_t a = ev->c_off, z = a + ev->c_len, pos = a;
    piece->len = 0;
    for (size_t j = 0; j < h.n; j++) {
      lr_pii_span sp = h.v[j];
      if (sp.end <= a || sp.start >= z) continue;
      if (pii_masker_style(s->m, sp.type) == LR_PII_STYLE_NONE) continue;
      if (sp.start >= a) {
        lr_buf_append(piece, c + pos, sp.start - pos);
        pii_render_mask(s->m, sp.type, c + sp.start, sp.end - sp.start, piece);
        if (counts) counts->n[sp.type]++;
      }
      pos = sp.end < z ? sp.end : z;
    }
    if (pos < z) lr_buf_append(piece, c + pos, z - pos);
    const char *raw = s->held_raw.p + ev->raw_off;
    esc->len = 0;
    lr_buf_json_str(esc, piece->p ? piece->p : "", piece->len);
    lr_buf_append(out, raw, ev->vs);
    lr_buf_append(out, esc->p + 1, esc->len - 2);
    lr_buf_append(out, raw + ev->ve, ev->raw_len - ev->ve);
  }
  free(h.v);
  if (k == 0) return;
  /* drop released events; keep some released text as left context */
  size_t raw_done = s->hev[k - 1].raw_off + s->hev[k - 1].raw_len;
  size_t text_done = s->hev[k - 1].c_off + s->hev[k - 1].c_len;
  size_t keep = text_done > PII_DELTA_HOLD ? text_done - PII_DELTA_HOLD : 0;
  consume(&s->held_raw, raw_done);
  consume(&s->content, keep);
  memmove(s->hev, s->hev + k, (s->nhev - k) * sizeof *s->hev);
  s->nhev -= k;
  for (size_t i = 0; i < s->nhev; i++) {
    s->hev[i].raw_off -= raw_done;
    s->hev[i].c_off -= keep;
  }
  s->content_ctx = text_done - keep;
  if (s->nhev == 0 && all) {
    s->content.len = 0;
    s->content_ctx = 0;
  }
}

/* Holds the delta event p[0, n); false if it is not one. */
static bool delta_hold(lr_pii_stream *s, const char *p, size_t n) {
  size_t vs, ve;
  if (!find_delta(p, n, &vs, &ve)) return false;
  size_t before = s->content.len;
  if (pii_json_unescape(p + vs, ve - vs, &s->content) == (size_t)-1) return false;
  if (s->nhev == s->caphev) {
    s->caphev = s->caphev ? 2 * s->caphev : 16;
    s->hev = lr_xrealloc(s->hev, s->caphev * sizeof *s->hev);
  }
  s->hev[s->nhev++] = (held_ev){s->held_raw.len, n, vs, ve, before, s->content.len - before};
  lr_buf_append(&s->held_raw, p, n);
  return true;
}

static void sse_feed(lr_pii_stream *s, lr_buf *out, lr_pii_counts *counts, bool final) {
  size_t e;
  while (s->buf.len && (e = event_end(s->buf.p, s->buf.len)) != 0) {
    if (delta_hold(s, s->buf.p, e)) {
      delta_release(s, out, counts, false);
    } else {
      delta_release(s, out, counts, true);
      mask_event(s, s->buf.p, e, out, counts);
    }
    consume(&s->buf, e);
  }
  if (final || s->buf.len > PII_SSE_MAX_EVENT) delta_release(s, out, counts, true);
  if (s->buf.len && (final || s->buf.len > PII_SSE_MAX_EVENT)) {
    mask_event(s, s->buf.p, s->buf.len, out, counts);
    s->buf.len = 0;
  }
}

/* ---- text ------------------------------------------------------------------------- */

static void text_release(lr_pii_stream *s, lr_buf *out, lr_pii_counts *counts, bool final) {
  const char *p = s->buf.p;
  size_t n = s->buf.len;
  if (!final && n - s->ctx <= PII_TEXT_HOLD) return;
  lr_pii_hits h = {0};
  pii_scan_raw(p, n, lr_pii_masker_types(s->m), &h);
  pii_hits_resolve(&h, 0);
  size_t cut = final ? n : n - PII_TEXT_HOLD;
  if (!final) {
    /* never cut inside a match, nor after an unterminated key block */
    for (size_t i = 0; i < h.n; i++)
      if (h.v[i].start < cut && h.v[i].end > cut) cut = h.v[i].start;
    size_t from = n > PII_KEY_MAX ? n - PII_KEY_MAX : 0;
    const char *b = NULL;
    for (const char *q = p + from; (q = memmem(q, n - (size_t)(q - p), "-----BEGIN ", 11)); q++)
      b = q;
    if (b && !memmem(b, n - (size_t)(b - p), "-----END ", 9) && (size_t)(b - p) < cut)
      cut = (size_t)(b - p);
    if (cut < s->ctx) cut = s->ctx;
  }
  size_t last = s->ctx;
  for (size_t i = 0; i < h.n; i++) {
    lr_pii_span sp = h.v[i];
    if (sp.start < last || sp.end > cut) continue;
    if (pii_masker_style(s->m, sp.type) == LR_PII_STYLE_NONE) continue;
    lr_buf_append(out, p + last, sp.start - last);
    pii_render_mask(s->m, sp.type, p + sp.start, sp.end - sp.start, out);
    if (counts) counts->n[sp.type]++;
    last = sp.end;
  }
  lr_buf_append(out, p + last, cut - last);
  free(h.v);
  /* keep PII_TEXT_CTX released bytes as left context */
  size_t keep_from = cut > PII_TEXT_CTX ? cut - PII_TEXT_CTX : 0;
  consume(&s->buf, keep_from);
  s->ctx = cut - keep_from;
}

/* ---- API -------------------------------------------------------------------------- */

void lr_pii_stream_feed(lr_pii_stream *s, const char *p, size_t n, lr_buf *out,
                        lr_pii_counts *counts) {
  lr_buf_append(&s->buf, p, n);
  if (s->mode == LR_PII_STREAM_SSE)
    sse_feed(s, out, counts, false);
  else
    text_release(s, out, counts, false);
}

void lr_pii_stream_finish(lr_pii_stream *s, lr_buf *out, lr_pii_counts *counts) {
  if (s->mode == LR_PII_STREAM_SSE)
    sse_feed(s, out, counts, true);
  else
    text_release(s, out, counts, true);
  s->buf.len = 0;
  s->ctx = 0;
}
