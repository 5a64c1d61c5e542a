/*
 * diag.c — diagnostics: collected, positioned, rendered with a caret.
 *
 * Positions are computed when a diagnostic is added (line and column from
 * the byte offset), so rendering needs only the source text. Columns count
 * UTF-8 characters (continuation bytes do not advance the column), which is
 * what an editor shows.
 */
#include "base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lr_source_position(const lr_source *src, size_t off, uint32_t *line, uint32_t *col) {
  uint32_t l = 1, c = 1;
  if (src && src->text) {
    if (off > src->len) off = src->len;
    for (size_t i = 0; i < off; i++) {
      unsigned char ch = (unsigned char)src->text[i];
      if (ch == '\n') l++, c = 1;
      else if ((ch & 0xC0) != 0x80) c++;
    }
  }
  *line = l;
  *col = c;
}

void lr_diags_vadd(lr_diags *d, lr_severity sev, const char *code, const lr_source *src,
                   size_t off, size_t end, const char *fmt, va_list ap) {
  if (d->n == d->cap) {
    d->cap = d->cap ? d->cap * 2 : 8;
    d->items = lr_xrealloc(d->items, d->cap * sizeof *d->items);
  }
  lr_diag *g = &d->items[d->n++];
  g->sev = sev;
  g->code = code;
  g->src = src;
  if (src && off > src->len) off = src->len;
  if (end < off) end = off;
  if (src && end > src->len) end = src->len;
  g->off = off;
  g->end = end;
  lr_source_position(src, off, &g->line, &g->col);
  lr_buf m = {0};
  lr_buf_vprintf(&m, fmt, ap);
  lr_buf_reserve(&m, 0);
  g->msg = m.p;
  if (sev == LR_SEV_ERROR) d->errors++;
}

void lr_diags_add(lr_diags *d, lr_severity sev, const char *code, const lr_source *src,
                  size_t off, size_t end, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  lr_diags_vadd(d, sev, code, src, off, end, fmt, ap);
  va_end(ap);
}

void lr_diag_error(lr_diags *d, const char *code, const lr_source *src, size_t off, size_t end,
                   const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  lr_diags_vadd(d, LR_SEV_ERROR, code, src, off, end, fmt, ap);
  va_end(ap);
}

static const char *sev_name(lr_severity s) {
  return s == LR_SEV_ERROR ? "error" : s == LR_SEV_WARNING ? "warning" : "note";
}

static void render_head(const lr_diag *g, lr_buf *out) {
  if (g->src) lr_buf_printf(out, "%s:%u:%u: ", g->src->name, g->line, g->col);
  lr_buf_printf(out, "%s", sev_name(g->sev));
  if (g->code) lr_buf_printf(out, "[%s]", g->code);
  lr_buf_printf(out, ": %s\n", g->msg);
}

/* Appends the source line holding g->off and a caret line under the span
 * (clipped to that line). Tabs in the source are echoed in the caret line so
 * the caret stays aligned. */
static void render_snippet(const lr_diag *g, lr_buf *out) {
  const lr_source *s = g->src;
  if (!s || !s->text) return;
  size_t bol = g->off;
  while (bol > 0 && s->text[bol - 1] != '\n') bol--;
  size_t eol = g->off;
  while (eol < s->len && s->text[eol] != '\n') eol++;
  size_t shown_end = eol;
  if (shown_end > bol && s->text[shown_end - 1] == '\r') shown_end--;
  char num[16];
  int w = snprintf(num, sizeof num, "%u", g->line);
  lr_buf_printf(out, " %s | ", num);
  lr_buf_append(out, s->text + bol, shown_end - bol);
  lr_buf_putc(out, '\n');
  lr_buf_printf(out, " %*s | ", w, "");
  for (size_t i = bol; i < g->off; i++) {
    unsigned char ch = (unsigned char)s->text[i];
    if (ch == '\t') lr_buf_putc(out, '\t');
    else if ((ch & 0xC0) != 0x80) lr_buf_putc(out, ' ');
  }
  size_t end = g->end < eol ? g->end : eol;
  size_t carets = 0;
  for (size_t i = g->off; i < end; i++)
    if (((unsigned char)s->text[i] & 0xC0) != 0x80) carets++;
  if (carets == 0) carets = 1;
  for (size_t i = 0; i < carets; i++) lr_buf_putc(out, '^');
  lr_buf_putc(out, '\n');
}

void lr_diags_render(const lr_diags *d, lr_buf *out) {
  for (size_t i = 0; i < d->n; i++) {
    render_head(&d->items[i], out);
    render_snippet(&d->items[i], out);
  }
}

void lr_diags_render_short(const lr_diags *d, lr_buf *out) {
  for (size_t i = 0; i < d->n; i++) render_head(&d->items[i], out);
}

void lr_diags_free(lr_diags *d) {
  for (size_t i = 0; i < d->n; i++) free(d->items[i].msg);
  free(d->items);
  memset(d, 0, sizeof *d);
}
