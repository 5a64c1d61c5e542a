/*
 * spans.c — type names, span lists and overlap resolution, and the plain
 * text entry point lr_pii_scan_text.
 */
#include <stdlib.h>
#include <string.h>

#include "pii_int.h"

static const char *const names[LR_PII__COUNT] = {
    [LR_PII_PRIVATE_KEY] = "PRIVATE_KEY",
    [LR_PII_AWS_ACCESS_KEY] = "AWS_ACCESS_KEY",
    [LR_PII_AWS_SECRET_KEY] = "AWS_SECRET_KEY",
    [LR_PII_GITHUB_TOKEN] = "GITHUB_TOKEN",
    [LR_PII_OPENAI_KEY] = "OPENAI_KEY",
    [LR_PII_ANTHROPIC_KEY] = "ANTHROPIC_KEY",
    [LR_PII_GOOGLE_API_KEY] = "GOOGLE_API_KEY",
    [LR_PII_STRIPE_KEY] = "STRIPE_KEY",
    [LR_PII_SLACK_TOKEN] = "SLACK_TOKEN",
    [LR_PII_GITLAB_TOKEN] = "GITLAB_TOKEN",
    [LR_PII_NPM_TOKEN] = "NPM_TOKEN",
    [LR_PII_HUGGINGFACE_TOKEN] = "HUGGINGFACE_TOKEN",
    [LR_PII_SENDGRID_KEY] = "SENDGRID_KEY",
    [LR_PII_TWILIO_KEY] = "TWILIO_KEY",
    [LR_PII_SHOPIFY_TOKEN] = "SHOPIFY_TOKEN",
    [LR_PII_DIGITALOCEAN_TOKEN] = "DIGITALOCEAN_TOKEN",
    [LR_PII_VAULT_TOKEN] = "VAULT_TOKEN",
    [LR_PII_JWT] = "JWT",
    [LR_PII_GENERIC_SECRET] = "GENERIC_SECRET",
    [LR_PII_CREDIT_CARD] = "CREDIT_CARD",
    [LR_PII_EMAIL] = "EMAIL",
    [LR_PII_US_SSN] = "US_SSN",
    [LR_PII_IBAN] = "IBAN",
    [LR_PII_PHONE] = "PHONE",
    [LR_PII_IP_ADDRESS] = "IP_ADDRESS",
};

const char *lr_pii_type_name(lr_pii_type t) {
  return (unsigned)t < LR_PII__COUNT ? names[t] : NULL;
}

bool lr_pii_type_parse(lr_str name, lr_pii_type *out) {
  for (int t = 0; t < LR_PII__COUNT; t++)
    if (lr_str_eq_c(name, names[t])) {
      *out = (lr_pii_type)t;
      return true;
    }
  return false;
}

bool lr_pii_type_is_secret(lr_pii_type t) { return t <= LR_PII_GENERIC_SECRET; }

int pii_type_rank(lr_pii_type t) {
  if (t == LR_PII_GENERIC_SECRET) return 1;
  if (t >= LR_PII_CREDIT_CARD) return 2;
  return 3; /* keys, prefixed tokens, JWTs */
}

void pii_hits_push(lr_pii_hits *h, size_t start, size_t end, lr_pii_type t) {
  if (end <= start) return;
  if (h->n == h->cap) {
    h->cap = h->cap ? h->cap * 2 : 16;
    h->v = lr_xrealloc(h->v, h->cap * sizeof *h->v);
  }
  h->v[h->n++] = (lr_pii_span){start, end, t};
}

static int by_start(const void *a, const void *b) {
  const lr_pii_span *x = a, *y = b;
  if (x->start != y->start) return x->start < y->start ? -1 : 1;
  if (x->end != y->end) return x->end > y->end ? -1 : 1;
  return (int)x->type - (int)y->type;
}

/* a beats b? */
static bool beats(const lr_pii_span *a, const lr_pii_span *b) {
  int ra = pii_type_rank(a->type), rb = pii_type_rank(b->type);
  if (ra != rb) return ra > rb;
  return a->end - a->start > b->end - b->start;
}

void pii_hits_resolve(lr_pii_hits *h, size_t from) {
  size_t n = h->n - from;
  if (n < 2) return;
  lr_pii_span *v = h->v + from;
  /* the scanner mostly finds spans in order already */
  size_t i = 1;
  while (i < n && by_start(&v[i - 1], &v[i]) <= 0) i++;
  if (i < n) qsort(v, n, sizeof *v, by_start);
  size_t w = 0; /* v[0, w) kept, non-overlapping */
  for (i = 0; i < n; i++) {
    lr_pii_span c = v[i];
    bool keep = true;
    /* c overlaps only kept spans at the tail (kept spans are sorted) */
    while (w > 0 && v[w - 1].end > c.start) {
      if (beats(&c, &v[w - 1])) {
        w--; /* drop the loser, look further back */
      } else {
        keep = false;
        break;
      }
    }
    if (keep) v[w++] = c;
  }
  h->n = from + w;
}

void lr_pii_spans_clear(lr_pii_spans *s) {
  s->n = 0;
  s->found = 0;
}

void lr_pii_spans_free(lr_pii_spans *s) {
  free(s->items);
  *s = (lr_pii_spans){0};
}

void lr_pii_scan_text(const char *p, size_t n, lr_pii_set enabled, lr_pii_spans *out) {
  lr_pii_hits h = {out->items, 0, out->cap};
  pii_scan_raw(p, n, enabled, &h);
  pii_hits_resolve(&h, 0);
  out->items = h.v;
  out->cap = h.cap;
  out->n = h.n;
  out->found = 0;
  for (size_t i = 0; i < h.n; i++) out->found |= LR_PII_BIT(h.v[i].type);
}
