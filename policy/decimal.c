/*
 * decimal.c — Cedar's `decimal` extension type: parsing and canonical text.
 *
 * A decimal is an i64 holding the value times 10^4
 * (cedar-policy-core/src/extensions/decimal.rs). The constructor accepts
 * exactly `-?[0-9]+\.[0-9]+` with at most 4 fraction digits and a value in
 * [-922337203685477.5808, 922337203685477.5807]. A leading '-' negates the
 * whole value, fraction included ("-0.5" is -0.5, as in Cedar 4.x; early
 * Cedar releases read it as +0.5).
 */
#include "policy.h"
#include "policy_int.h"

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* Parses an optionally negative run of ASCII digits as a checked i64. */
static bool parse_i64(const char *p, size_t n, int64_t *out) {
  bool neg = n > 0 && p[0] == '-';
  size_t i = neg ? 1 : 0;
  int64_t v = 0;
  for (; i < n; i++) {
    int d = p[i] - '0';
    if (__builtin_mul_overflow(v, 10, &v)) return false;
    if (neg ? __builtin_sub_overflow(v, d, &v) : __builtin_add_overflow(v, d, &v)) return false;
  }
  *out = v;
  return true;
}

lr_status lr_decimal_parse(lr_str s, int64_t *scaled, const char **err) {
  const char *msg = "not a well-formed decimal value";
  size_t i = 0, n = s.n;
  if (i < n && s.p[i] == '-') i++;
  size_t int_start = i;
  while (i < n && is_digit(s.p[i])) i++;
  size_t int_end = i;
  if (int_end == int_start || i >= n || s.p[i] != '.') goto fail;
  i++;
  size_t frac_start = i;
  while (i < n && is_digit(s.p[i])) i++;
  if (i != n || i == frac_start) goto fail;
  size_t frac_len = n - frac_start;
  int64_t l, r = 0;
  msg = "overflow when converting to decimal";
  if (!parse_i64(s.p, int_end, &l) || __builtin_mul_overflow(l, 10000, &l)) goto fail;
  if (frac_len > 4) {
    msg = "too many digits after the decimal (at most 4 are supported)";
    goto fail;
  }
  for (size_t k = 0; k < 4; k++) r = r * 10 + (k < frac_len ? s.p[frac_start + k] - '0' : 0);
  int64_t v;
  bool neg = s.p[0] == '-';
  if (neg ? __builtin_sub_overflow(l, r, &v) : __builtin_add_overflow(l, r, &v)) goto fail;
  *scaled = v;
  return LR_OK;
fail:
  if (err) *err = msg;
  return LR_ERR;
}

void lr_decimal_format(int64_t v, lr_buf *out) {
  int64_t whole = v / 10000, frac = v % 10000;
  if (frac < 0) frac = -frac;
  lr_buf_printf(out, "%s%lld.%04lld", (v < 0 && whole == 0) ? "-" : "", (long long)whole,
                (long long)frac);
}
