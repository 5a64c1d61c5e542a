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

struct lr_pii_stream {
  const lr_pii_masker *m;
  lr_pii_stream_mode mode;
  lr_buf buf; /* held bytes; text mode: [0, ctx) already released */
  size_t ctx; /* text mode: bytes of left context at the front */
  lr_buf tmp, tmp2;
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
  free(s);
}

size_t lr_pii_stream_pending(const lr_pii_stream *s) { return s->buf.len - s->ctx; }

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

static void sse_feed(lr_pii_stream *s, lr_buf *out, lr_pii_counts *counts, bool final) {
  size_t e;
  while (s->buf.len && (e = event_end(s->buf.p, s->buf.len)) != 0) {
    mask_event(s, s->buf.p, e, out, counts);
    consume(&s->buf, e);
  }
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
