/* test_datetime.c — datetime() and duration(): accepted formats, calendar
 * and offset rules, overflow, and the methods. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "policy_test_util.h"

static bool dt(const char *s, int64_t want) {
  int64_t v = 0;
  return lr_datetime_parse(lr_str_c(s), &v, NULL) == LR_OK && v == want;
}
static bool dt_bad(const char *s) {
  int64_t v;
  const char *err = NULL;
  return lr_datetime_parse(lr_str_c(s), &v, &err) == LR_ERR && err;
}
static bool du(const char *s, int64_t want) {
  int64_t v = 0;
  return lr_duration_parse(lr_str_c(s), &v, NULL) == LR_OK && v == want;
}
static bool du_bad(const char *s) {
  int64_t v;
  return lr_duration_parse(lr_str_c(s), &v, NULL) == LR_ERR;
}

Test(datetime, accepted_formats) {
  cr_expect(dt("1970-01-01", 0));
  cr_expect(dt("2024-10-15", INT64_C(1728950400000)));
  cr_expect(dt("2024-10-15T11:38:02Z", INT64_C(1728992282000)));
  cr_expect(dt("2024-10-15T11:38:02.101Z", INT64_C(1728992282101)));
  /* +1134 means 11h34m ahead of UTC: 11:38:02+1134 is 00:04:02Z */
  cr_expect(dt("2024-10-15T11:38:02.101+1134", INT64_C(1728950642101)));
  cr_expect(dt("2024-10-15T11:38:02.101-1134", INT64_C(1729033922101)));
  cr_expect(dt("2024-10-15T23:59:00+2359", INT64_C(1728950400000)));
  cr_expect(dt("1969-12-31T23:59:59.999Z", -1));
  cr_expect(dt("0000-01-01", INT64_C(-62167219200000)));
  cr_expect(dt("9999-12-31T23:59:59.999Z", INT64_C(253402300799999)));
  cr_expect(dt("2024-02-29", INT64_C(1709164800000)));
  cr_expect(dt("2000-02-29", INT64_C(951782400000)));
}

Test(datetime, rejected_formats) {
  const char *bad[] = {"",
                       "a",
                       "-",
                       "-1",
                       "11-12-13",
                       "1111-1x-20",
                       "2024-10-15Z",
                       "2024-10-15T11:38:02ZZ",
                       "0000-0a-01",
                       "10000-01-01",
                       "2024-00-01",
                       "2024-01-00",
                       "2024-02-30",
                       "2025-02-29",
                       "1900-02-29",
                       "2024-20-01",
                       "2024-01-32",
                       "2024-04-31",
                       "2024-01-01T",
                       "2024-01-01T01:02",
                       "2024-01-01T01::02:03",
                       "2024-01-01T31:02:03Z",
                       "2024-01-01T01:60:03Z",
                       "2016-12-31T23:59:60Z",
                       "2024-01-01T00:00:00",
                       "2024-01-01T00:00:00T",
                       "2024-01-01T00:00:00.1Z",
                       "2024-01-01T00:00:00.1234Z",
                       "2024-01-01T00:00:00+24:00",
                       "2024-01-01T00:00:00+2400",
                       "2024-01-01T00:00:00+0060",
                       "2024-01-01T00:00:00+01",
                       "2024-01-01 00:00:00Z",
                       "2024-01-01t00:00:00Z"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    cr_expect(dt_bad(bad[i]), "%s should be rejected", bad[i]);
}

Test(duration, parsing) {
  cr_expect(du("1d2h3m4s5ms", INT64_C(93784005)));
  cr_expect(du("-1d2h3m4s5ms", INT64_C(-93784005)));
  cr_expect(du("1ms", 1));
  cr_expect(du("1m", 60000));
  cr_expect(du("1h1ms", 3600001));
  cr_expect(du("0d", 0));
  cr_expect(du("0010s", 10000));
  cr_expect(du("-9223372036854775808ms", INT64_MIN));
  cr_expect(du("9223372036854775807ms", INT64_MAX));
  cr_expect(du("106751991167d", INT64_C(9223372036828800000)));
  const char *bad[] = {"",
                       "-",
                       "1",
                       "d",
                       "1d1d",
                       "1h1d",
                       "1ms1s",
                       "1s1m",
                       "1x",
                       "1d-1h",
                       "+1d",
                       " 1d",
                       "1d ",
                       "9223372036854775808ms",
                       "-9223372036854775809ms",
                       "106751991168d",
                       "99999999999999999999ms",
                       "1.5h",
                       "1D",
                       "ms"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    cr_expect(du_bad(bad[i]), "%s should be rejected", bad[i]);
}

Test(datetime, methods) {
  tenv t;
  tenv_init(&t);
#define SHOW(src, want) cr_expect_str_eq(tshow(&t, src), want, "%s", src)
  SHOW("datetime(\"2024-10-15T11:38:02Z\").toDate()", "datetime(\"2024-10-15T00:00:00.000Z\")");
  SHOW("datetime(\"1969-12-31T23:00:00Z\").toDate()", "datetime(\"1969-12-31T00:00:00.000Z\")");
  SHOW("datetime(\"1969-12-31T23:00:00Z\").toTime()", "duration(\"23h\")");
  SHOW("datetime(\"1970-01-01\").toTime()", "duration(\"0ms\")");
  SHOW("datetime(\"2024-01-01\").offset(duration(\"1d\"))",
       "datetime(\"2024-01-02T00:00:00.000Z\")");
  SHOW("datetime(\"2024-01-02\").durationSince(datetime(\"2024-01-01\"))", "duration(\"1d\")");
  SHOW("duration(\"-1d23h\").toDays()", "-1");
  SHOW("duration(\"1d23h\").toHours()", "47");
  SHOW("duration(\"-90s\").toMinutes()", "-1");
  SHOW("duration(\"1500ms\").toSeconds()", "1");
  SHOW("duration(\"1s500ms\").toMilliseconds()", "1500");
  SHOW("datetime(\"2024-01-01\") == datetime(\"2023-12-31T23:00:00-0100\")", "true");
  cr_expect(strncmp(tshow(&t, "datetime(\"1970-01-01\").offset(duration(\"-106751991167d\"))"
                              ".offset(duration(\"-1d\"))"),
                    "error", 5) == 0);
  cr_expect(
      strncmp(tshow(&t, "datetime(\"1970-01-01\").offset(duration(\"-9223372036854775808ms\"))"
                        ".toDate()"),
              "error", 5) == 0);
  cr_expect(strncmp(tshow(&t, "datetime(\"2024-01-01\").durationSince(duration(\"1d\"))"), "error",
                    5) == 0);
  cr_expect(strncmp(tshow(&t, "duration(\"1d\").toDate()"), "error", 5) == 0);
  tenv_free(&t);
}
