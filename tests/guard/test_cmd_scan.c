/*
 * test_cmd_scan.c — `larch scan` end to end: the built binary on stdin,
 * text and --jsonl modes, spans with UTF-8 byte offsets, --mask styles.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"

/* Runs larch with args, feeding input; returns stdout. */
static char *larch(const char *args, const char *input) {
  char in[] = "/tmp/larch_scan_inXXXXXX";
  int fd = mkstemp(in);
  cr_assert(fd >= 0);
  FILE *f = fdopen(fd, "w");
  fputs(input, f);
  fclose(f);
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "%s/proxy/larch %s < %s", LR_BINARY_DIR, args, in);
  FILE *p = popen(cmd, "r");
  cr_assert(p);
  lr_buf out = {0};
  char b[4096];
  size_t n;
  while ((n = fread(b, 1, sizeof b, p)) > 0) lr_buf_append(&out, b, n);
  pclose(p);
  remove(in);
  return out.p ? out.p : lr_xstrdup("");
}

Test(cmd_scan, text_spans_with_byte_offsets) {
  /* "é" is two bytes: offsets are bytes, not characters */
  char *o = larch("scan", "é jane@example.com");
  cr_expect_str_eq(o, "{\"spans\":[{\"start\":3,\"end\":19,\"type\":\"EMAIL\"}]}\n");
  free(o);
}

Test(cmd_scan, jsonl) {
  char *o =
      larch("scan --jsonl", "{\"text\":\"call +44 20 7946 0958\"}\n{\"text\":\"nothing here\"}\n"
                            "{\"text\":\"{\\\"password\\\":\\\"Tr0ub4dor&3xyz\\\"}\"}\n");
  cr_expect_str_eq(o, "{\"spans\":[{\"start\":5,\"end\":21,\"type\":\"PHONE\"}]}\n{\"spans\":[]}\n"
                      "{\"spans\":[{\"start\":13,\"end\":27,\"type\":\"GENERIC_SECRET\"}]}\n");
  free(o);
}

Test(cmd_scan, mask_styles) {
  char *o = larch("scan --mask", "to jane@example.com");
  cr_expect_str_eq(o, "to [EMAIL]");
  free(o);
  o = larch("scan --mask --style partial", "card 4111 1111 1111 1111");
  cr_expect_str_eq(o, "card ****1111");
  free(o);
  char *a = larch("scan --mask --style hash --key k1", "jane@example.com");
  char *b = larch("scan --mask --style hash --key k1", "jane@example.com");
  char *c = larch("scan --mask --style hash --key k2", "jane@example.com");
  cr_expect_str_eq(a, b);
  cr_expect_str_neq(a, c);
  cr_expect_eq(strncmp(a, "[EMAIL:", 7), 0);
  free(a), free(b), free(c);
  o = larch("scan --jsonl --mask", "{\"text\":\"a@corp.io\"}\n");
  cr_expect_str_eq(o, "{\"text\":\"[EMAIL]\"}\n");
  free(o);
}
