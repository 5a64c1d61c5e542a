/* test_decimal.c — decimal(): Cedar's accepted strings, bounds, methods. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "policy_test_util.h"

static bool ok(const char *s, int64_t want) {
  int64_t v = 0;
  return lr_decimal_parse(lr_str_c(s), &v, NULL) == LR_OK && v == want;
}
static bool bad(const char *s) {
  int64_t v;
  const char *err = NULL;
  return lr_decimal_parse(lr_str_c(s), &v, &err) == LR_ERR && err != NULL;
}

Test(decimal, accepted) {
  cr_expect(ok("1.0", 10000));
  cr_expect(ok("-1.0", -10000));
  cr_expect(ok("123.456", 1234560));
  cr_expect(ok("0.1234", 1234));
  cr_expect(ok("00.000", 0));
  cr_expect(ok("0123.0", 1230000));
  cr_expect(ok("-922337203685477.5808", INT64_MIN));
  cr_expect(ok("922337203685477.5807", INT64_MAX));
  /* the sign covers the fraction too, also when the integer part is 0 */
  cr_expect(ok("-0.5", -5000));
  cr_expect(ok("-0.0001", -1));
  cr_expect(ok("-00.0", 0));
}

Test(decimal, rejected) {
  cr_expect(bad("1234"));
  cr_expect(bad("1.0."));
  cr_expect(bad("1."));
  cr_expect(bad(".1"));
  cr_expect(bad("1.a"));
  cr_expect(bad("-."));
  cr_expect(bad("+1.0"));
  cr_expect(bad(" 1.0"));
  cr_expect(bad(""));
  cr_expect(bad("0.12345"));
  cr_expect(bad("0.00000"));
  cr_expect(bad("1000000000000000.0"));
  cr_expect(bad("922337203685477.5808"));
  cr_expect(bad("-922337203685477.5809"));
  cr_expect(bad("-922337203685478.0"));
  cr_expect(bad("99999999999999999999.0"));
}

Test(decimal, methods) {
  tenv t;
  tenv_init(&t);
  cr_expect_str_eq(tshow(&t, "decimal(\"1.23\").lessThanOrEqual(decimal(\"1.2300\"))"), "true");
  cr_expect_str_eq(tshow(&t, "decimal(\"-1.5\").greaterThan(decimal(\"-2.0\"))"), "true");
  cr_expect_str_eq(tshow(&t, "decimal(\"1.5\").greaterThanOrEqual(decimal(\"1.6\"))"), "false");
  cr_expect_str_eq(tshow(&t, "decimal(\"1.5\").lessThan(decimal(\"1.6\"))"), "true");
  cr_expect_str_eq(tshow(&t, "decimal(\"3.14\")"), "decimal(\"3.1400\")");
  cr_expect(strncmp(tshow(&t, "decimal(\"1.5\").lessThan(1)"), "error", 5) == 0);
  cr_expect(strncmp(tshow(&t, "ip(\"1.2.3.4\").lessThan(decimal(\"1.0\"))"), "error", 5) == 0);
  tenv_free(&t);
}
