/*
 * pii_cases.h — shared helpers for the guard/ tests: scan a text and check
 * for exactly one span of a type with a given value, or for none.
 */
#ifndef LARCH_TEST_PII_CASES_H
#define LARCH_TEST_PII_CASES_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "guard.h"

typedef struct pii_case {
  const char *text;
  const char *type; /* NULL: nothing may be found */
  const char *value;
} pii_case;

/* Checks every case: a positive needs a span of `type` covering exactly
 * `value` (its first occurrence); a negative (type NULL) needs no span of
 * the types in `only` (all types when 0). */
static inline void pii_check_cases(const pii_case *cases, size_t n, lr_pii_set only) {
  lr_pii_spans sp = {0};
  for (size_t i = 0; i < n; i++) {
    const pii_case *c = &cases[i];
    lr_pii_scan_text(c->text, strlen(c->text), LR_PII_ALL, &sp);
    if (!c->type) {
      for (size_t k = 0; k < sp.n; k++) {
        if (only && !(only & LR_PII_BIT(sp.items[k].type))) continue;
        cr_expect(0, "unexpected %s '%.*s' in: %s", lr_pii_type_name(sp.items[k].type),
                  (int)(sp.items[k].end - sp.items[k].start), c->text + sp.items[k].start, c->text);
      }
      continue;
    }
    const char *v = strstr(c->text, c->value);
    cr_assert(v, "bad case: value not in text: %s", c->text);
    size_t s = (size_t)(v - c->text), e = s + strlen(c->value);
    bool ok = false;
    for (size_t k = 0; k < sp.n; k++)
      if (sp.items[k].start == s && sp.items[k].end == e &&
          strcmp(lr_pii_type_name(sp.items[k].type), c->type) == 0)
        ok = true;
    if (!ok) {
      char got[512] = "";
      for (size_t k = 0; k < sp.n; k++)
        snprintf(got + strlen(got), sizeof got - strlen(got), " %s[%zu,%zu)",
                 lr_pii_type_name(sp.items[k].type), sp.items[k].start, sp.items[k].end);
      cr_expect(0, "missed %s '%s' [%zu,%zu) in: %s — got:%s", c->type, c->value, s, e, c->text,
                got);
    }
  }
  lr_pii_spans_free(&sp);
}

#define PII_CHECK(cases, only) pii_check_cases(cases, sizeof cases / sizeof cases[0], only)

#endif /* LARCH_TEST_PII_CASES_H */
