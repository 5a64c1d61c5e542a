/*
 * datetime.c — Cedar's `datetime` and `duration` extension types (RFC 80;
 * cedar-policy-core/src/extensions/datetime.rs): parsing, canonical text,
 * toDate / toTime.
 *
 * A datetime is an i64 count of milliseconds since the Unix epoch (no leap
 * seconds, proleptic Gregorian calendar); a duration is an i64 count of
 * milliseconds. Accepted datetime strings:
 *   YYYY-MM-DD
 *   YYYY-MM-DDThh:mm:ssZ          YYYY-MM-DDThh:mm:ss.SSSZ
 *   YYYY-MM-DDThh:mm:ss(+|-)hhmm  YYYY-MM-DDThh:mm:ss.SSS(+|-)hhmm
 * with a valid calendar date, hh < 24, mm < 60, ss < 60 (no leap second),
 * offset hours < 24 and minutes < 60. Durations: an optional '-', then
 * quantity-unit pairs in the order d, h, m, s, ms, each at most once, at
 * least one; overflow of i64 milliseconds is an error.
 */
#include "policy.h"
#include "policy_int.h"

#define MS_PER_DAY INT64_C(86400000)

static bool digits(const char *p, size_t n, int *out) {
  int v = 0;
  for (size_t i = 0; i < n; i++) {
    if (p[i] < '0' || p[i] > '9') return false;
    v = v * 10 + (p[i] - '0');
  }
  *out = v;
  return true;
}

static bool is_leap(int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

static int days_in_month(int64_t y, int m) {
  static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (400-year eras of
 * 146097 days; the year is counted from March so the leap day comes last). */
static int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

lr_status lr_datetime_parse(lr_str s, int64_t *out, const char **err) {
  const char *p = s.p;
  size_t n = s.n;
  int y, mo, d, h = 0, mi = 0, sec = 0, ms = 0, oh = 0, om = 0, sign = 0;
  const char *msg = "invalid date pattern (expected YYYY-MM-DD)";
  if (n < 10 || !digits(p, 4, &y) || p[4] != '-' || !digits(p + 5, 2, &mo) || p[7] != '-' ||
      !digits(p + 8, 2, &d))
    goto fail;
  if (n > 10) {
    msg = "invalid hour/minute/second pattern (expected Thh:mm:ss)";
    if (n < 19 || p[10] != 'T' || !digits(p + 11, 2, &h) || p[13] != ':' ||
        !digits(p + 14, 2, &mi) || p[16] != ':' || !digits(p + 17, 2, &sec))
      goto fail;
    size_t i = 19;
    msg = "invalid millisecond and/or offset pattern (expected Z, .SSSZ, (+|-)hhmm or "
          ".SSS(+|-)hhmm)";
    if (i < n && p[i] == '.') {
      if (n - i < 4 || !digits(p + i + 1, 3, &ms)) goto fail;
      i += 4;
    }
    if (i < n && p[i] == 'Z') {
      i++;
    } else if (i < n && (p[i] == '+' || p[i] == '-')) {
      sign = p[i] == '+' ? 1 : -1;
      if (n - i < 5 || !digits(p + i + 1, 2, &oh) || !digits(p + i + 3, 2, &om)) goto fail;
      i += 5;
    } else {
      goto fail;
    }
    if (i != n) goto fail;
  }
  msg = "invalid date";
  if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo)) goto fail;
  msg = "invalid hour/minute/second";
  if (h > 23 || mi > 59 || sec > 59) goto fail;
  msg = "invalid offset range (hours < 24, minutes < 60)";
  if (oh > 23 || om > 59) goto fail;
  int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
  secs -= sign * (oh * 3600 + om * 60);
  *out = secs * 1000 + ms;
  return LR_OK;
fail:
  if (err) *err = msg;
  return LR_ERR;
}

static int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

bool lr_datetime_format(int64_t ms, lr_buf *out) {
  int64_t days = floor_div(ms, MS_PER_DAY);
  int64_t rem = ms - days * MS_PER_DAY;
  int64_t y;
  int m, d;
  civil_from_days(days, &y, &m, &d);
  if (y < 0 || y > 9999) return false;
  lr_buf_printf(out, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", (int)y, m, d, (int)(rem / 3600000),
                (int)(rem / 60000 % 60), (int)(rem / 1000 % 60), (int)(rem % 1000));
  return true;
}

lr_status lr_datetime_to_date(int64_t ms, int64_t *out) {
  int64_t r = ms % MS_PER_DAY;
  if (r < 0) r += MS_PER_DAY;
  return __builtin_sub_overflow(ms, r, out) ? LR_ERR : LR_OK;
}

int64_t lr_datetime_to_time(int64_t ms) {
  int64_t r = ms % MS_PER_DAY;
  return r < 0 ? r + MS_PER_DAY : r;
}

/* ---- duration ---------------------------------------------------------------- */

lr_status lr_duration_parse(lr_str s, int64_t *out, const char **err) {
  static const int64_t unit_ms[] = {MS_PER_DAY, 3600000, 60000, 1000, 1};
  const char *p = s.p, *end = s.p + s.n;
  bool neg = p < end && *p == '-';
  if (neg) p++;
  uint64_t q[5] = {0};
  int next = 0, count = 0;
  const char *msg = "invalid duration pattern";
  while (p < end) {
    const char *num = p;
    uint64_t v = 0;
    bool overflow = false;
    while (p < end && *p >= '0' && *p <= '9') {
      overflow |= __builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, *p - '0', &v);
      p++;
    }
    if (p == num || p == end) goto fail;
    int u;
    if (*p == 'm' && p + 1 < end && p[1] == 's')
      u = 4, p += 2;
    else if (*p == 'd')
      u = 0, p++;
    else if (*p == 'h')
      u = 1, p++;
    else if (*p == 'm')
      u = 2, p++;
    else if (*p == 's')
      u = 3, p++;
    else
      goto fail;
    if (u < next) goto fail;
    if (overflow) {
      msg = "duration overflows a 64-bit count of milliseconds";
      goto fail;
    }
    q[u] = v, next = u + 1, count++;
  }
  if (count == 0) goto fail;
  /* Same order and checks as Cedar: milliseconds first (negated when '-'),
   * then seconds, minutes, hours, days, each term checked. */
  msg = "duration overflows a 64-bit count of milliseconds";
  int64_t acc;
  if (neg) {
    if (q[4] > (uint64_t)INT64_MAX + 1) goto fail;
    acc = q[4] == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)q[4];
  } else {
    if (q[4] > (uint64_t)INT64_MAX) goto fail;
    acc = (int64_t)q[4];
  }
  for (int u = 3; u >= 0; u--) {
    int64_t term;
    if (q[u] > (uint64_t)INT64_MAX || __builtin_mul_overflow((int64_t)q[u], unit_ms[u], &term))
      goto fail;
    if (neg ? __builtin_sub_overflow(acc, term, &acc) : __builtin_add_overflow(acc, term, &acc))
      goto fail;
  }
  *out = acc;
  return LR_OK;
fail:
  if (err) *err = msg;
  return LR_ERR;
}

void lr_duration_format(int64_t ms, lr_buf *out) {
  if (ms == 0) {
    lr_buf_puts(out, "0ms");
    return;
  }
  uint64_t m = ms < 0 ? (uint64_t)0 - (uint64_t)ms : (uint64_t)ms;
  if (ms < 0) lr_buf_putc(out, '-');
  static const struct {
    const char *unit;
    uint64_t ms;
  } units[] = {{"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1}};
  for (int i = 0; i < 5; i++) {
    uint64_t q = m / units[i].ms;
    m %= units[i].ms;
    if (q) lr_buf_printf(out, "%llu%s", (unsigned long long)q, units[i].unit);
  }
}
