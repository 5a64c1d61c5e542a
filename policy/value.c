/*
 * value.c — Cedar values: constructors, canonical sets and records, deep
 * equality, a total order, and printing in Cedar syntax.
 *
 * Sets are sorted by lr_value_cmp and deduplicated when built, records are
 * sorted by key; so equality is a linear walk and lookups are binary
 * searches (Cedar's sets and records are unordered: cedar-policy-core
 * src/ast/value.rs uses BTreeSet / BTreeMap, the same idea).
 */
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "policy_int.h"

/* lr_str_dup with a NULL-safe source (an empty lr_str may have p == NULL). */
static lr_str dup_str(lr_arena *a, lr_str s) {
  if (!s.p) s.p = "";
  return lr_str_dup(a, s);
}

lr_value lr_value_string(lr_arena *a, lr_str s) { return lr_value_string_borrow(dup_str(a, s)); }

const lr_uid *lr_uid_new(lr_arena *a, lr_str type, lr_str id) {
  lr_uid *u = LR_NEW(a, lr_uid);
  u->type = dup_str(a, type);
  u->id = dup_str(a, id);
  return u;
}

lr_value lr_value_ipaddr(lr_arena *a, const lr_ipaddr *ip) {
  lr_ipaddr *c = LR_NEW(a, lr_ipaddr);
  *c = *ip;
  return (lr_value){.kind = LR_V_IPADDR, .u.ip = c};
}

static int cmp_values_qsort(const void *a, const void *b) {
  return lr_value_cmp(*(const lr_value *)a, *(const lr_value *)b);
}

lr_value lr_value_set(lr_arena *a, const lr_value *items, size_t n) {
  if (n == 0) return lr_value_empty_set();
  lr_value *c = LR_NEW_N(a, lr_value, n);
  memcpy(c, items, n * sizeof *c);
  size_t m = n;
  /* Already canonical (common for literals and JSON arrays of one kind)? */
  bool sorted = true;
  for (size_t i = 1; i < n && sorted; i++) sorted = lr_value_cmp(c[i - 1], c[i]) < 0;
  if (!sorted) {
    if (n <= 16) { /* small sets (JSON arrays, literals): no qsort, no malloc */
      for (size_t i = 1; i < n; i++) {
        lr_value v = c[i];
        size_t j = i;
        for (; j > 0 && lr_value_cmp(c[j - 1], v) > 0; j--) c[j] = c[j - 1];
        c[j] = v;
      }
    } else {
      qsort(c, n, sizeof *c, cmp_values_qsort);
    }
    m = 1;
    for (size_t i = 1; i < n; i++)
      if (lr_value_cmp(c[m - 1], c[i]) != 0) c[m++] = c[i];
  }
  return (lr_value){.kind = LR_V_SET, .n = (uint32_t)m, .u.items = c};
}

static int cmp_fields_qsort(const void *a, const void *b) {
  return lr_str_cmp(((const lr_field *)a)->key, ((const lr_field *)b)->key);
}

lr_status lr_value_record(lr_arena *a, const lr_field *fields, size_t n, lr_value *out,
                          lr_str *dup) {
  if (n == 0) {
    *out = lr_value_empty_record();
    return LR_OK;
  }
  lr_field *c = LR_NEW_N(a, lr_field, n);
  memcpy(c, fields, n * sizeof *c);
  if (n <= 16) { /* small records (contexts, JSON objects): no qsort, no malloc */
    for (size_t i = 1; i < n; i++) {
      lr_field f = c[i];
      size_t j = i;
      while (j > 0 && lr_str_cmp(c[j - 1].key, f.key) > 0) c[j] = c[j - 1], j--;
      c[j] = f;
    }
  } else {
    qsort(c, n, sizeof *c, cmp_fields_qsort);
  }
  for (size_t i = 1; i < n; i++) {
    if (lr_str_eq(c[i - 1].key, c[i].key)) {
      if (dup) *dup = c[i].key;
      return LR_ERR;
    }
  }
  *out = (lr_value){.kind = LR_V_RECORD, .n = (uint32_t)n, .u.fields = c};
  return LR_OK;
}

/* ---- equality and order ---------------------------------------------------- */

bool lr_uid_eq(const lr_uid *a, const lr_uid *b) {
  return a == b || (lr_str_eq(a->id, b->id) && lr_str_eq(a->type, b->type));
}

int lr_uid_cmp(const lr_uid *a, const lr_uid *b) {
  if (a == b) return 0;
  int c = lr_str_cmp(a->type, b->type);
  return c ? c : lr_str_cmp(a->id, b->id);
}

uint64_t lr_uid_hash(const lr_uid *u) { return lr_uid_hash_inline(u); }

static int cmp_i64(int64_t a, int64_t b) { return (a > b) - (a < b); }

static int cmp_ip(const lr_ipaddr *a, const lr_ipaddr *b) {
  if (a->v6 != b->v6) return a->v6 ? 1 : -1;
  int c = memcmp(a->addr, b->addr, a->v6 ? 16 : 4);
  if (c) return c < 0 ? -1 : 1;
  return cmp_i64(a->prefix, b->prefix);
}

static lr_str vstr(lr_value v) { return (lr_str){v.u.s, v.n}; }

int lr_value_cmp(lr_value a, lr_value b) {
  if (a.kind != b.kind) return a.kind < b.kind ? -1 : 1;
  switch ((lr_vkind)a.kind) {
  case LR_V_BOOL: return (int)a.u.b - (int)b.u.b;
  case LR_V_LONG:
  case LR_V_DECIMAL:
  case LR_V_DATETIME:
  case LR_V_DURATION: return cmp_i64(a.u.i, b.u.i);
  case LR_V_STRING: return lr_str_cmp(vstr(a), vstr(b));
  case LR_V_ENTITY: return lr_uid_cmp(a.u.uid, b.u.uid);
  case LR_V_IPADDR: return cmp_ip(a.u.ip, b.u.ip);
  case LR_V_SET:
    for (uint32_t i = 0; i < a.n && i < b.n; i++) {
      int c = lr_value_cmp(a.u.items[i], b.u.items[i]);
      if (c) return c;
    }
    return cmp_i64(a.n, b.n);
  case LR_V_RECORD:
    for (uint32_t i = 0; i < a.n && i < b.n; i++) {
      int c = lr_str_cmp(a.u.fields[i].key, b.u.fields[i].key);
      if (!c) c = lr_value_cmp(a.u.fields[i].value, b.u.fields[i].value);
      if (c) return c;
    }
    return cmp_i64(a.n, b.n);
  }
  return 0;
}

bool lr_value_eq(lr_value a, lr_value b) {
  if (a.kind != b.kind) return false;
  switch ((lr_vkind)a.kind) {
  case LR_V_BOOL: return a.u.b == b.u.b;
  case LR_V_LONG:
  case LR_V_DECIMAL:
  case LR_V_DATETIME:
  case LR_V_DURATION: return a.u.i == b.u.i;
  case LR_V_STRING: return a.n == b.n && memcmp(a.u.s, b.u.s, a.n) == 0;
  case LR_V_ENTITY: return lr_uid_eq(a.u.uid, b.u.uid);
  case LR_V_IPADDR: return cmp_ip(a.u.ip, b.u.ip) == 0;
  case LR_V_SET:
    if (a.n != b.n) return false;
    for (uint32_t i = 0; i < a.n; i++)
      if (!lr_value_eq(a.u.items[i], b.u.items[i])) return false;
    return true;
  case LR_V_RECORD:
    if (a.n != b.n) return false;
    for (uint32_t i = 0; i < a.n; i++)
      if (!lr_str_eq(a.u.fields[i].key, b.u.fields[i].key) ||
          !lr_value_eq(a.u.fields[i].value, b.u.fields[i].value))
        return false;
    return true;
  }
  return false;
}

bool lr_value_set_contains(lr_value set, lr_value v) {
  size_t lo = 0, hi = set.n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = lr_value_cmp(set.u.items[mid], v);
    if (c == 0) return true;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return false;
}

const lr_value *lr_value_record_get(lr_value rec, lr_str key) {
  size_t lo = 0, hi = rec.n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = lr_str_cmp(rec.u.fields[mid].key, key);
    if (c == 0) return &rec.u.fields[mid].value;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

const char *lr_vkind_name(lr_vkind k) {
  static const char *const names[] = {"bool",   "long",    "string", "entity",   "set",
                                      "record", "decimal", "ipaddr", "datetime", "duration"};
  return (unsigned)k < sizeof names / sizeof *names ? names[k] : "?";
}

/* ---- printing ---------------------------------------------------------------- */

void lr_print_cedar_string(lr_str s, lr_buf *out) { lr_fmt_string(s, out); }

void lr_uid_print(const lr_uid *u, lr_buf *out) {
  lr_buf_append(out, u->type.p, u->type.n);
  lr_buf_puts(out, "::");
  lr_print_cedar_string(u->id, out);
}

void lr_value_print(lr_value v, lr_buf *out) {
  switch ((lr_vkind)v.kind) {
  case LR_V_BOOL: lr_buf_puts(out, v.u.b ? "true" : "false"); return;
  case LR_V_LONG: lr_buf_put_i64(out, v.u.i); return;
  case LR_V_STRING: lr_print_cedar_string(vstr(v), out); return;
  case LR_V_ENTITY: lr_uid_print(v.u.uid, out); return;
  case LR_V_SET:
    lr_buf_putc(out, '[');
    for (uint32_t i = 0; i < v.n; i++) {
      if (i) lr_buf_puts(out, ", ");
      lr_value_print(v.u.items[i], out);
    }
    lr_buf_putc(out, ']');
    return;
  case LR_V_RECORD:
    lr_buf_putc(out, '{');
    for (uint32_t i = 0; i < v.n; i++) {
      if (i) lr_buf_puts(out, ", ");
      lr_print_cedar_string(v.u.fields[i].key, out);
      lr_buf_puts(out, ": ");
      lr_value_print(v.u.fields[i].value, out);
    }
    lr_buf_putc(out, '}');
    return;
  case LR_V_DECIMAL:
    lr_buf_puts(out, "decimal(\"");
    lr_decimal_format(v.u.i, out);
    lr_buf_puts(out, "\")");
    return;
  case LR_V_IPADDR:
    lr_buf_puts(out, "ip(\"");
    lr_ipaddr_format(v.u.ip, out);
    lr_buf_puts(out, "\")");
    return;
  case LR_V_DATETIME:
    lr_buf_puts(out, "datetime(\"");
    if (!lr_datetime_format(v.u.i, out)) { /* Cedar's canonical form for any instant */
      lr_buf_puts(out, "1970-01-01\").offset(duration(\"");
      lr_duration_format(v.u.i, out);
      lr_buf_puts(out, "\"))");
      return;
    }
    lr_buf_puts(out, "\")");
    return;
  case LR_V_DURATION:
    lr_buf_puts(out, "duration(\"");
    lr_duration_format(v.u.i, out);
    lr_buf_puts(out, "\")");
    return;
  }
}
